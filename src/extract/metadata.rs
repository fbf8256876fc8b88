//! Article metadata: title, authors, dates, canonical URL, outlet name, paywall flag.
//!
//! In: the page [`Facts`] gathered while copying the DOM, the parsed JSON-LD and the
//! caller's hints. Out: the metadata fields of an [`Article`]. Each field takes the
//! strongest statement the page makes (JSON-LD, then `<meta>`/OpenGraph, then markup),
//! and the title loses the " - Site name" / " | Site" decoration pages add to it.

use std::sync::LazyLock;

use regex::Regex;

use super::dates;
use super::dom::{attr, Dom, Facts, Tag};
use super::jsonld::LdArticle;
use super::Hints;
use crate::model::{Article, DateSource, Dated};

/// `<meta>` contents by lowercased `property`/`name`/`itemprop`/`http-equiv`.
pub(crate) struct Metas<'a> {
    entries: Vec<(String, &'a str)>,
}

impl<'a> Metas<'a> {
    pub(crate) fn new(facts: &Facts<'a>) -> Metas<'a> {
        let mut entries = Vec::new();
        for el in &facts.metas {
            let Some(content) = attr(el, "content") else {
                continue;
            };
            for key_attr in ["property", "name", "itemprop", "http-equiv"] {
                if let Some(key) = attr(el, key_attr) {
                    entries.push((key.trim().to_ascii_lowercase(), content.trim()));
                }
            }
        }
        Metas { entries }
    }

    /// The first non-empty content for `key` (lowercase).
    pub(crate) fn get(&self, key: &str) -> Option<&'a str> {
        self.entries
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| *v)
    }

    fn first_of(&self, keys: &[&str]) -> Option<&'a str> {
        keys.iter().find_map(|k| self.get(k))
    }
}

/// Fills title, authors, site name, canonical URL, dates and paywall flag.
pub(crate) fn fill(article: &mut Article, dom: &Dom<'_>, ld: &LdArticle, hints: &Hints) {
    let metas = Metas::new(&dom.facts);
    article.site_name = metas
        .first_of(&["og:site_name", "application-name", "twitter:site"])
        .map(str::to_string)
        .or_else(|| ld.publisher.clone())
        .map(|s| collapse(&s))
        .filter(|s| !s.is_empty());
    article.title = title(dom, ld, &metas, article.site_name.as_deref());
    article.authors = authors(dom, ld, &metas);
    article.canonical_url = canonical_url(dom, ld, &metas, hints);
    article.published = published(dom, ld, &metas, hints);
    article.modified = dates::dated(ld.modified.as_deref(), DateSource::JsonLd)
        .or_else(|| dates::dated(metas.first_of(dates::MODIFIED_METAS), DateSource::Meta))
        .or_else(|| time_element(dom, &["dateModified"], &["modif", "updat"]));
    article.paywalled = paywalled(dom, ld, &metas);
}

/// Whitespace runs → one space, trimmed.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of the first `<h1>` in the body.
fn first_h1(dom: &Dom<'_>) -> Option<String> {
    let i = dom.nodes.iter().position(|n| n.tag == Tag::Heading(1))?;
    let text: String = dom.nodes[i..dom.nodes[i].end]
        .iter()
        .filter(|n| n.tag == Tag::Text)
        .map(|n| n.text)
        .collect();
    Some(collapse(&text)).filter(|t| !t.is_empty())
}

fn title(dom: &Dom<'_>, ld: &LdArticle, metas: &Metas<'_>, site: Option<&str>) -> Option<String> {
    let declared = metas
        .first_of(&["og:title", "twitter:title"])
        .map(str::to_string)
        .or_else(|| ld.headline.clone())
        .or_else(|| Some(dom.facts.title.clone()))
        .map(|t| collapse(&t))
        .filter(|t| !t.is_empty());
    let h1 = first_h1(dom);
    match (declared, h1) {
        (Some(d), Some(h)) if d.starts_with(&h) && h.len() * 3 >= d.len() => Some(h),
        (Some(d), _) => Some(strip_site_suffix(&d, site)),
        (None, h) => h,
    }
}

/// Separators pages put between a headline and the site name.
const TITLE_SEPARATORS: &[&str] = &[
    " | ", " - ", " – ", " — ", " :: ", " · ", " • ", " « ", " » ",
];

/// Removes a trailing (or leading) site name from a title.
pub(crate) fn strip_site_suffix(title: &str, site: Option<&str>) -> String {
    let same = |part: &str| {
        site.is_some_and(|s| {
            let (a, b) = (part.trim().to_lowercase(), s.trim().to_lowercase());
            !b.is_empty() && (a == b || a.contains(&b) || b.contains(&a) && a.len() >= 3)
        })
    };
    for sep in TITLE_SEPARATORS {
        if let Some((head, tail)) = title.rsplit_once(sep) {
            // A bar or dot almost always sets off a site name; a dash may be part of
            // the headline ("Biden - Trump debate"), so it needs a clearly longer head.
            let strong = matches!(*sep, " | " | " :: " | " · " | " • ");
            let longer = if strong {
                head.len() > tail.len()
            } else {
                head.len() > tail.len() * 2
            };
            let short_tail = tail.split_whitespace().count() <= 4 && longer;
            if same(tail) || site.is_none() && short_tail {
                return strip_site_suffix(head.trim(), site);
            }
        }
        if let Some((head, tail)) = title.split_once(sep) {
            if same(head) {
                return tail.trim().to_string();
            }
        }
    }
    title.trim().to_string()
}

fn authors(dom: &Dom<'_>, ld: &LdArticle, metas: &Metas<'_>) -> Vec<String> {
    if !ld.authors.is_empty() {
        return ld.authors.clone();
    }
    let mut out: Vec<String> = Vec::new();
    let meta = metas.first_of(&[
        "author",
        "article:author",
        "parsely-author",
        "sailthru.author",
    ]);
    if let Some(m) = meta.filter(|m| !m.starts_with("http")) {
        for name in m.split([',', ';']).map(collapse).filter(|n| !n.is_empty()) {
            out.push(name);
        }
    }
    if out.is_empty() {
        for (el, text) in &dom.facts.itemprops {
            let is_author =
                attr(el, "itemprop") == Some("author") || attr(el, "rel") == Some("author");
            let name = collapse(text);
            if is_author && !name.is_empty() && name.len() < 80 && !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

fn canonical_url(
    dom: &Dom<'_>,
    ld: &LdArticle,
    metas: &Metas<'_>,
    hints: &Hints,
) -> Option<String> {
    let link = dom.facts.links.iter().find_map(|l| {
        let rel = attr(l, "rel")?;
        rel.split_whitespace()
            .any(|r| r.eq_ignore_ascii_case("canonical"))
            .then(|| attr(l, "href"))
            .flatten()
    });
    let raw = link
        .or_else(|| metas.get("og:url"))
        .map(str::to_string)
        .or_else(|| ld.url.clone())?;
    let base = hints.url.as_deref().and_then(|u| url::Url::parse(u).ok());
    let absolute = match base {
        Some(base) => base.join(raw.trim()).ok()?.to_string(),
        None => raw,
    };
    crate::canonical::canonicalize(&absolute)
}

/// A `<time>` element marked as the date wanted (by itemprop or class words).
fn time_element(dom: &Dom<'_>, itemprops: &[&str], class_words: &[&str]) -> Option<Dated> {
    let marked = |el: &scraper::node::Element| {
        attr(el, "itemprop").is_some_and(|p| itemprops.contains(&p))
            || attr(el, "class").is_some_and(|c| {
                let c = c.to_ascii_lowercase();
                class_words.iter().any(|w| c.contains(w))
            })
            || itemprops.contains(&"datePublished") && attr(el, "pubdate").is_some()
    };
    let value = |el: &scraper::node::Element, text: &str| -> Option<Dated> {
        let at = el
            .attr("datetime")
            .and_then(dates::parse)
            .or_else(|| dates::parse(text))?;
        Some(Dated {
            at,
            source: DateSource::Time,
        })
    };
    let times = &dom.facts.times;
    times
        .iter()
        .filter(|(el, _)| marked(el))
        .find_map(|(el, t)| value(el, t))
        .or_else(|| {
            // Unmarked times only stand for the publication date.
            if !itemprops.contains(&"datePublished") {
                return None;
            }
            times.iter().find_map(|(el, t)| value(el, t))
        })
}

fn published(dom: &Dom<'_>, ld: &LdArticle, metas: &Metas<'_>, hints: &Hints) -> Option<Dated> {
    let itemprop_date = dom.facts.itemprops.iter().find_map(|(el, text)| {
        (attr(el, "itemprop") == Some("datePublished"))
            .then(|| attr(el, "content").or(attr(el, "datetime")).unwrap_or(text))
            .and_then(|v| dates::dated(Some(v), DateSource::Meta))
    });
    dates::dated(ld.published.as_deref(), DateSource::JsonLd)
        .or_else(|| dates::dated(metas.first_of(dates::PUBLISHED_METAS), DateSource::Meta))
        .or(itemprop_date)
        .or_else(|| time_element(dom, &["datePublished"], &["publi", "date"]))
        .or_else(|| hints.url.as_deref().and_then(dates::from_url))
        .or_else(|| dateline(dom))
}

/// A date written in a short line of the page ("Publié le 16 juillet 2024").
fn dateline(dom: &Dom<'_>) -> Option<Dated> {
    let month_first = dom
        .facts
        .html_lang
        .is_some_and(|l| l.to_ascii_lowercase().starts_with("en-us") || l == "en");
    dom.nodes
        .iter()
        .filter(|n| n.tag == Tag::Text && n.chars >= 8 && n.chars < 120)
        .find_map(|n| dates::from_text(n.text, month_first))
}

static PAYWALL_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)réservée? aux abonnés|il vous reste \d+ ?% de cet article|subscribe to continue reading|for subscribers only|subscriber[- ]only|exclusive to subscribers|nur für abonnenten|exclusivo para (assinantes|suscriptores)|riservato agli abbonati",
    )
    .expect("static regex")
});

fn paywalled(dom: &Dom<'_>, ld: &LdArticle, metas: &Metas<'_>) -> bool {
    if ld.free == Some(false) {
        return true;
    }
    let tier = metas.first_of(&["article:content_tier", "content_tier"]);
    if tier.is_some_and(|t| t.eq_ignore_ascii_case("locked") || t.eq_ignore_ascii_case("premium")) {
        return true;
    }
    dom.nodes
        .iter()
        .filter(|n| n.tag == Tag::Text && n.chars > 10 && n.chars < 300)
        .any(|n| PAYWALL_TEXT.is_match(n.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_suffixes() {
        let s = |t: &str, site: Option<&str>| strip_site_suffix(t, site);
        assert_eq!(
            s("Un incendie à Lyon - Le Progrès", Some("Le Progrès")),
            "Un incendie à Lyon"
        );
        assert_eq!(s("Big news today | The Daily", None), "Big news today");
        assert_eq!(
            s("Le Monde.fr - Un titre assez long ici", Some("Le Monde.fr")),
            "Un titre assez long ici"
        );
        assert_eq!(
            s("Biden - Trump debate: what we learned", None),
            "Biden - Trump debate: what we learned"
        );
    }
}
