//! Publication and modification dates, each with where it was read.
//!
//! In: JSON-LD, `<meta>` tags, `<time>` elements, the URL and short text lines of the page.
//! Out: [`Dated`] values, strongest source first: JSON-LD, then meta/OpenGraph, then
//! `<time>`, then a `/2024/07/16/` URL pattern, then a dateline written in the text
//! ("Publié le 16 juillet 2024", "July 16, 2024", "16.07.2024"). Date strings in the many
//! shapes pages use (ISO 8601 with or without offset or seconds, RFC 2822, date only) are
//! read into UTC; a date without a time is midnight UTC.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use regex::Regex;

use crate::model::{DateSource, Dated};

/// Meta names/properties that carry the publication date, best first.
pub(crate) const PUBLISHED_METAS: &[&str] = &[
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "article:published",
    "published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "publication_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "date",
    "article.published",
    "cxenseparse:recs:publishtime",
];

/// Meta names/properties that carry the modification date, best first.
pub(crate) const MODIFIED_METAS: &[&str] = &[
    "article:modified_time",
    "og:updated_time",
    "article:modified",
    "datemodified",
    "modified_time",
    "dcterms.modified",
    "dc.date.modified",
    "last-modified",
];

/// Reads a date string in any common machine format.
pub(crate) fn parse(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.len() < 8 {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), f) {
            return Some(Utc.from_utc_datetime(&d));
        }
    }
    // A date alone, or a date followed by something we cannot read.
    let head: String = s.chars().take(10).collect();
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(&head, f) {
            return midnight(d);
        }
    }
    None
}

fn midnight(d: NaiveDate) -> Option<DateTime<Utc>> {
    let year = chrono::Datelike::year(&d);
    if !(1990..=2100).contains(&year) {
        return None;
    }
    d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t))
}

/// A date read from `value` (if it parses), tagged with `source`.
pub(crate) fn dated(value: Option<&str>, source: DateSource) -> Option<Dated> {
    parse(value?).map(|at| Dated { at, source })
}

static URL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[/_-]((?:19|20)\d{2})([/_-]?)(0[1-9]|1[0-2])(?:[/_-]?(0[1-9]|[12]\d|3[01]))?(?:[/_.-]|$)",
    )
    .expect("static regex")
});

/// The date a URL's path names: `/2024/07/16/`, `/2024-07-16-`, `/20240716/` (a day), or
/// `/2013/09/slug` (a month: the day is `None`; the year and month must be apart, so a
/// number like `/201309/` is no date). Only the path is read, not the host or the query.
pub(crate) fn url_date(url: &str) -> Option<(i32, u32, Option<u32>)> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme
        .find('/')
        .map_or("", |at| &after_scheme[at..])
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    let c = URL_DATE.captures(path)?;
    let day = match c.get(4) {
        Some(d) => Some(d.as_str().parse().ok()?),
        None if c[2].is_empty() => return None,
        None => None,
    };
    Some((c[1].parse().ok()?, c[3].parse().ok()?, day))
}

/// A publication date from a `/2024/07/16/`, `/2024-07-16-` or `/20240716/` pattern in the
/// URL path (a month alone is no publication date).
pub(crate) fn from_url(url: &str) -> Option<Dated> {
    let (year, month, day) = url_date(url)?;
    let date = NaiveDate::from_ymd_opt(year, month, day?)?;
    Some(Dated {
        at: midnight(date)?,
        source: DateSource::Url,
    })
}

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("janvier", 1),
    ("jan", 1),
    ("february", 2),
    ("février", 2),
    ("fevrier", 2),
    ("feb", 2),
    ("march", 3),
    ("mars", 3),
    ("mar", 3),
    ("april", 4),
    ("avril", 4),
    ("apr", 4),
    ("may", 5),
    ("mai", 5),
    ("june", 6),
    ("juin", 6),
    ("jun", 6),
    ("july", 7),
    ("juillet", 7),
    ("jul", 7),
    ("august", 8),
    ("août", 8),
    ("aout", 8),
    ("aug", 8),
    ("september", 9),
    ("septembre", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("octobre", 10),
    ("oct", 10),
    ("november", 11),
    ("novembre", 11),
    ("nov", 11),
    ("december", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("dec", 12),
];

static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(\d{1,2})(?:er|st|nd|rd|th)?\s+([a-zéû]{3,9})\.?,?\s+((?:19|20)\d{2})\b")
        .expect("static regex")
});
static MONTH_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{2})\b")
        .expect("static regex")
});
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{1,2})[./](\d{1,2})[./]((?:19|20)\d{2})\b").expect("static regex")
});

fn month_number(name: &str) -> Option<u32> {
    let lower = name.to_lowercase();
    MONTHS.iter().find(|(m, _)| *m == lower).map(|(_, n)| *n)
}

/// A date written in a line of text; `month_first` reads `07/16/2024` the US way.
pub(crate) fn from_text(line: &str, month_first: bool) -> Option<Dated> {
    let ymd = |y: &str, m: u32, d: &str| -> Option<DateTime<Utc>> {
        midnight(NaiveDate::from_ymd_opt(
            y.parse().ok()?,
            m,
            d.parse().ok()?,
        )?)
    };
    let at = DAY_MONTH_YEAR
        .captures_iter(line)
        .find_map(|c| ymd(&c[3], month_number(&c[2])?, &c[1]))
        .or_else(|| {
            MONTH_DAY_YEAR
                .captures_iter(line)
                .find_map(|c| ymd(&c[3], month_number(&c[1])?, &c[2]))
        })
        .or_else(|| {
            NUMERIC.captures_iter(line).find_map(|c| {
                let (d, m) = if month_first {
                    (&c[2], &c[1])
                } else {
                    (&c[1], &c[2])
                };
                ymd(&c[3], m.parse().ok()?, d)
            })
        })?;
    Some(Dated {
        at,
        source: DateSource::Text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(d: Option<DateTime<Utc>>) -> String {
        d.map(|d| d.to_rfc3339()).unwrap_or_default()
    }

    #[test]
    fn machine_formats() {
        assert_eq!(
            iso(parse("2024-07-16T10:05:00+02:00")),
            "2024-07-16T08:05:00+00:00"
        );
        assert_eq!(
            iso(parse("2024-07-16T10:05:00+0200")),
            "2024-07-16T08:05:00+00:00"
        );
        assert_eq!(
            iso(parse("2024-07-16T10:05:00.123Z")),
            "2024-07-16T10:05:00.123+00:00"
        );
        assert_eq!(iso(parse("2024-07-16 10:05")), "2024-07-16T10:05:00+00:00");
        assert_eq!(iso(parse("2024-07-16")), "2024-07-16T00:00:00+00:00");
        assert_eq!(
            iso(parse("Tue, 16 Jul 2024 10:05:00 GMT")),
            "2024-07-16T10:05:00+00:00"
        );
        assert_eq!(parse("yesterday"), None);
    }

    #[test]
    fn url_and_text_dates() {
        let d = from_url("https://ex.org/2019/11/19/slug.html").map(|d| d.at.to_rfc3339());
        assert_eq!(d.as_deref(), Some("2019-11-19T00:00:00+00:00"));
        assert!(from_url("https://ex.org/article/12345678").is_none());
        let t = from_text("Publié le 16 juillet 2024 à 10h05", false).map(|d| d.at.date_naive());
        assert_eq!(t.map(|d| d.to_string()).as_deref(), Some("2024-07-16"));
        let t = from_text("Updated Nov. 19, 2019", true).map(|d| d.at.date_naive());
        assert_eq!(t.map(|d| d.to_string()).as_deref(), Some("2019-11-19"));
    }
}
