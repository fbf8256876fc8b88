//! `feeds.toml` → validated [`Config`].
//!
//! Two steps, as ripgrep parses flags: serde reads the file into raw tables that reject
//! unknown keys ([`RawConfig`]), then [`Config::from_raw`] checks values and fills defaults.
//! Every error is one line that names the file, the line and the key (toml's span for
//! syntax and type errors; for bad values, the line where [`Config::parse`] finds the key
//! written), so a user of a cron job sees at once what to fix. No I/O beyond reading the
//! one file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

/// A configuration problem, with the file it was found in.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// toml syntax, an unknown key or a value of the wrong type (the message has the line).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// toml's message, which names the line, column and key.
        message: String,
    },
    /// A value of the right type but not usable.
    #[error("{path}{}: {key}: {message}", line_note(*.line))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The line of the key (1-based), when it can be found.
        line: Option<usize>,
        /// Where in the file: `settings.timeout_secs`, `outlet "Le Monde".feeds[2]`.
        key: String,
        /// What is wrong.
        message: String,
    },
}

fn line_note(line: Option<usize>) -> String {
    line.map(|n| format!(": line {n}")).unwrap_or_default()
}

/// `feeds.toml` as written, before validation.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// The `[settings]` table.
    #[serde(default)]
    pub settings: RawSettings,
    /// The `[[outlet]]` tables.
    #[serde(default)]
    pub outlet: Vec<RawOutlet>,
}

/// The `[settings]` table as written; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    /// See [`Settings::store`].
    pub store: Option<PathBuf>,
    /// See [`Settings::user_agent`].
    pub user_agent: Option<String>,
    /// See [`Settings::connect_timeout`].
    pub connect_timeout_secs: Option<f64>,
    /// See [`Settings::timeout`].
    pub timeout_secs: Option<f64>,
    /// See [`Settings::max_body_bytes`].
    pub max_body_bytes: Option<u64>,
    /// See [`Settings::concurrency`].
    pub concurrency: Option<usize>,
    /// See [`Settings::per_host_delay`].
    pub per_host_delay_secs: Option<f64>,
    /// See [`Settings::max_retries`].
    pub max_retries: Option<u32>,
    /// See [`Settings::max_redirects`].
    pub max_redirects: Option<usize>,
    /// See [`Settings::respect_robots`].
    pub respect_robots: Option<bool>,
    /// See [`Settings::max_articles_per_feed`].
    pub max_articles_per_feed: Option<usize>,
    /// See [`Settings::template_min_articles`].
    pub template_min_articles: Option<u32>,
    /// See [`Settings::lock_wait`].
    pub lock_wait_secs: Option<f64>,
}

/// One `[[outlet]]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutlet {
    /// See [`Outlet::name`].
    pub name: Option<String>,
    /// See [`Outlet::feeds`].
    #[serde(default)]
    pub feeds: Vec<String>,
    /// See [`Outlet::sitemaps`].
    #[serde(default)]
    pub sitemaps: Vec<String>,
    /// See [`Outlet::lang`].
    pub lang: Option<String>,
    /// See [`Outlet::drop_lines`].
    #[serde(default)]
    pub drop_lines: Vec<String>,
    /// See [`Outlet::body_selector`].
    pub body_selector: Option<String>,
}

/// Validated run settings with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The sled store directory (relative paths are relative to the config file's folder).
    pub store: PathBuf,
    /// The User-Agent sent with every request, also the name matched in robots.txt.
    pub user_agent: String,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub timeout: Duration,
    /// Largest body accepted, counted after decompression.
    pub max_body_bytes: u64,
    /// Requests in flight at once, across all hosts.
    pub concurrency: usize,
    /// Least time between two requests to one host.
    pub per_host_delay: Duration,
    /// Retries of a transient failure (timeouts, 5xx, 429) before giving up on a URL.
    pub max_retries: u32,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Obey robots.txt (on by default; turn off only for your own sites).
    pub respect_robots: bool,
    /// Newest entries taken from one feed per run.
    pub max_articles_per_feed: usize,
    /// A paragraph an outlet prints on at least this many different articles is its template.
    pub template_min_articles: u32,
    /// How long `dump` and `fetch --save` wait for a running ingest to release the store.
    pub lock_wait: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            store: PathBuf::from("newsfold.db"),
            user_agent: format!(
                "newsfold/{} (+https://github.com/newsfold/newsfold)",
                env!("CARGO_PKG_VERSION")
            ),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 8 * 1024 * 1024,
            concurrency: 8,
            per_host_delay: Duration::from_secs(1),
            max_retries: 3,
            max_redirects: 5,
            respect_robots: true,
            max_articles_per_feed: 100,
            template_min_articles: 4,
            lock_wait: Duration::from_secs(30),
        }
    }
}

/// One news outlet: its name and where its article lists are.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlet {
    /// A short unique name, used in the store and in output.
    pub name: String,
    /// RSS, Atom or JSON Feed URLs.
    pub feeds: Vec<Url>,
    /// News sitemap URLs.
    pub sitemaps: Vec<Url>,
    /// The outlet's main language (ISO 639-1), a hint for extraction.
    pub lang: Option<String>,
    /// Lines this outlet prints under its articles, always removed.
    pub drop_lines: Vec<String>,
    /// A CSS selector for the article body on this outlet's pages, tried before scoring.
    pub body_selector: Option<String>,
}

/// A validated `feeds.toml`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// Run settings.
    pub settings: Settings,
    /// The outlets, in file order.
    pub outlets: Vec<Outlet>,
}

impl Config {
    /// Reads and validates a `feeds.toml`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::parse(&text, path)?;
        if config.settings.store.is_relative() {
            let base = path.parent().unwrap_or(Path::new(""));
            config.settings.store = base.join(&config.settings.store);
        }
        Ok(config)
    }

    /// Parses and validates `feeds.toml` text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: parse_message(text, &e),
        })?;
        Config::from_raw(raw, path).map_err(|e| match e {
            ConfigError::Invalid {
                path,
                line: None,
                key,
                message,
            } => ConfigError::Invalid {
                line: line_of_key(text, &key),
                path,
                key,
                message,
            },
            e => e,
        })
    }

    /// Checks values and fills defaults.
    pub fn from_raw(raw: RawConfig, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |key: String, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: None,
            key,
            message,
        };
        let settings = settings_from_raw(raw.settings).map_err(|(k, m)| invalid(k, m))?;
        let mut outlets: Vec<Outlet> = Vec::with_capacity(raw.outlet.len());
        for (i, o) in raw.outlet.into_iter().enumerate() {
            let name = match o.name.as_deref().map(str::trim) {
                Some(n) if !n.is_empty() => n.to_string(),
                _ => {
                    return Err(invalid(
                        format!("outlet[{i}].name"),
                        "missing or empty".into(),
                    ))
                }
            };
            let here = format!("outlet {name:?}");
            if outlets.iter().any(|p| p.name == name) {
                return Err(invalid(
                    format!("{here}.name"),
                    "used by two outlets".into(),
                ));
            }
            let feeds =
                parse_urls(&o.feeds, &format!("{here}.feeds")).map_err(|(k, m)| invalid(k, m))?;
            let sitemaps = parse_urls(&o.sitemaps, &format!("{here}.sitemaps"))
                .map_err(|(k, m)| invalid(k, m))?;
            if feeds.is_empty() && sitemaps.is_empty() {
                return Err(invalid(
                    format!("{here}.feeds"),
                    "an outlet needs at least one feed or sitemap".into(),
                ));
            }
            if let Some(lang) = &o.lang {
                if lang.len() != 2 || !lang.chars().all(|c| c.is_ascii_lowercase()) {
                    return Err(invalid(
                        format!("{here}.lang"),
                        format!("{lang:?} is not a two-letter ISO 639-1 code"),
                    ));
                }
            }
            if let Some(sel) = &o.body_selector {
                if scraper::Selector::parse(sel).is_err() {
                    return Err(invalid(
                        format!("{here}.body_selector"),
                        format!("{sel:?} is not a CSS selector"),
                    ));
                }
            }
            outlets.push(Outlet {
                name,
                feeds,
                sitemaps,
                lang: o.lang,
                drop_lines: o.drop_lines,
                body_selector: o.body_selector,
            });
        }
        Ok(Config { settings, outlets })
    }
}

/// toml's error as one line: `line L, key K: what` (toml's own text spreads over several
/// lines with a drawing of the place, which a cron mail or a log collector mangles).
fn parse_message(text: &str, err: &toml::de::Error) -> String {
    let what = err.message().trim_end().replace('\n', " ");
    let Some(at) = err.span().map(|s| s.start.min(text.len())) else {
        return what;
    };
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_no = text[..line_start].matches('\n').count() + 1;
    let line = text[line_start..].lines().next().unwrap_or("");
    match line.split_once('=').map(|(k, _)| k.trim()) {
        Some(key) if !key.is_empty() && !key.starts_with('[') => {
            format!("line {line_no}, key {key}: {what}")
        }
        _ => format!("line {line_no}: {what}"),
    }
}

/// The line (1-based) where `key`, as [`ConfigError::Invalid`] names it, is written in
/// `text`: `settings.timeout_secs`, `outlet "Le Monde".feeds[2]` (the line of `feeds =`),
/// `outlet[3].name` (the fourth `[[outlet]]`). None when the file is laid out so that a
/// line-by-line reading cannot tell (inline tables, dotted keys).
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let header = |l: &str| l.trim_start().starts_with('[');
    let assigns = |l: &str, k: &str| {
        l.trim_start()
            .strip_prefix(k)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    // The ranges of lines of each table: (header line index, end exclusive).
    let tables = |name: &str| -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim();
            let bare = t
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim();
            if t.starts_with('[') && bare == name {
                let end = (i + 1..lines.len())
                    .find(|&j| header(lines[j]))
                    .unwrap_or(lines.len());
                out.push((i, end));
            }
        }
        out
    };
    let find_in = |(from, to): (usize, usize), k: &str| {
        (from + 1..to)
            .find(|&j| assigns(lines[j], k))
            .map(|j| j + 1)
    };
    let field = |k: &str| {
        k.split(['[', '.'])
            .next()
            .unwrap_or(k)
            .trim_matches('"')
            .to_string()
    };
    if let Some(k) = key.strip_prefix("settings.") {
        return tables("settings")
            .into_iter()
            .find_map(|t| find_in(t, &field(k)));
    }
    let outlets = tables("outlet");
    if let Some(rest) = key.strip_prefix("outlet[") {
        let (index, k) = rest.split_once("].")?;
        let table = *outlets.get(index.parse::<usize>().ok()?)?;
        return find_in(table, &field(k)).or(Some(table.0 + 1));
    }
    let rest = key.strip_prefix("outlet \"")?;
    let (name, k) = rest.split_once("\".")?;
    let quoted = format!("{name:?}");
    let table = outlets.into_iter().find(|&(from, to)| {
        (from + 1..to).any(|j| {
            assigns(lines[j], "name")
                && lines[j].split_once('=').map(|(_, v)| v.trim()) == Some(quoted.as_str())
        })
    })?;
    find_in(table, &field(k))
}

fn parse_urls(list: &[String], key: &str) -> Result<Vec<Url>, (String, String)> {
    list.iter()
        .enumerate()
        .map(|(i, s)| match Url::parse(s) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u),
            Ok(u) => Err((
                format!("{key}[{i}]"),
                format!("{s:?}: scheme {} is not http or https", u.scheme()),
            )),
            Err(e) => Err((format!("{key}[{i}]"), format!("{s:?} is not a URL: {e}"))),
        })
        .collect()
}

fn seconds(value: Option<f64>, key: &str, default: Duration) -> Result<Duration, (String, String)> {
    match value {
        None => Ok(default),
        Some(v) if (0.0..86_400.0).contains(&v) => Ok(Duration::from_secs_f64(v)),
        Some(v) => Err((
            format!("settings.{key}"),
            format!("{v} is not a number of seconds between 0 and 86400"),
        )),
    }
}

fn settings_from_raw(raw: RawSettings) -> Result<Settings, (String, String)> {
    let d = Settings::default();
    let positive = |v: Option<usize>, key: &str, default: usize| match v {
        Some(0) => Err((format!("settings.{key}"), "must be at least 1".to_string())),
        Some(n) => Ok(n),
        None => Ok(default),
    };
    let user_agent = match raw.user_agent {
        Some(ua) if ua.trim().is_empty() || ua.contains(['\r', '\n']) => {
            return Err((
                "settings.user_agent".into(),
                "must be one non-empty line".into(),
            ))
        }
        Some(ua) => ua,
        None => d.user_agent,
    };
    let max_body_bytes = match raw.max_body_bytes {
        Some(n) if n < 1024 => {
            return Err((
                "settings.max_body_bytes".into(),
                format!("{n} is below 1024"),
            ))
        }
        Some(n) => n,
        None => d.max_body_bytes,
    };
    Ok(Settings {
        store: raw.store.unwrap_or(d.store),
        user_agent,
        connect_timeout: seconds(
            raw.connect_timeout_secs,
            "connect_timeout_secs",
            d.connect_timeout,
        )?,
        timeout: seconds(raw.timeout_secs, "timeout_secs", d.timeout)?,
        max_body_bytes,
        concurrency: positive(raw.concurrency, "concurrency", d.concurrency)?,
        per_host_delay: seconds(
            raw.per_host_delay_secs,
            "per_host_delay_secs",
            d.per_host_delay,
        )?,
        max_retries: raw.max_retries.unwrap_or(d.max_retries).min(10),
        max_redirects: raw.max_redirects.unwrap_or(d.max_redirects),
        respect_robots: raw.respect_robots.unwrap_or(d.respect_robots),
        max_articles_per_feed: positive(
            raw.max_articles_per_feed,
            "max_articles_per_feed",
            d.max_articles_per_feed,
        )?,
        template_min_articles: match raw.template_min_articles {
            Some(n) if n < 2 => {
                return Err((
                    "settings.template_min_articles".into(),
                    "must be at least 2".into(),
                ))
            }
            Some(n) => n,
            None => d.template_min_articles,
        },
        lock_wait: seconds(raw.lock_wait_secs, "lock_wait_secs", d.lock_wait)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("feeds.toml"))
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let err = parse("[settings]\nconcurrency = 2\n\n[[outlet]]\nname = \"a\"\nfeed = [\"https://a.example/rss\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("feeds.toml: line 6, key feed: unknown field `feed`"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        let err = parse("[settings]\nconcurrency = \"two\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("feeds.toml: line 2, key concurrency: invalid type"),
            "{err}"
        );
    }

    #[test]
    fn bad_url_names_outlet_and_index() {
        let err =
            parse("[[outlet]]\nname = \"a\"\nfeeds = [\"https://a.example/rss\", \"ftp://x\"]\n")
                .unwrap_err()
                .to_string();
        assert!(err.contains("outlet \"a\".feeds[1]"), "{err}");
    }

    #[test]
    fn defaults_fill_missing_settings() {
        let c = parse("[[outlet]]\nname = \"a\"\nfeeds = [\"https://a.example/rss\"]\n").unwrap();
        assert_eq!(c.settings.per_host_delay, Duration::from_secs(1));
        assert_eq!(c.outlets[0].feeds[0].as_str(), "https://a.example/rss");
    }

    #[test]
    fn bad_values_name_their_line() {
        let text = "[settings]\nconcurrency = 2\ntimeout_secs = -1\n";
        let err = parse(text).unwrap_err().to_string();
        assert_eq!(
            err,
            "feeds.toml: line 3: settings.timeout_secs: -1 is not a number of seconds between 0 and 86400"
        );
        let text = "[[outlet]]\nname = \"a\"\nfeeds = [\"https://a.example/rss\"]\n\n[[outlet]]\nname = \"b\"\nlang = \"fr\"\n\nfeeds = [\n  \"https://b.example/rss\",\n  \"ftp://x\",\n]\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.starts_with("feeds.toml: line 9: outlet \"b\".feeds[1]: "),
            "{err}"
        );
        let text = "[[outlet]]\nname = \"a\"\nfeeds = [\"https://a.example/rss\"]\n[[outlet]]\nfeeds = [\"https://b.example/rss\"]\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.starts_with("feeds.toml: line 4: outlet[1].name: "),
            "{err}"
        );
    }

    #[test]
    fn duplicate_outlet_names_are_refused() {
        let err = parse("[[outlet]]\nname = \"a\"\nfeeds = [\"https://a.example/rss\"]\n[[outlet]]\nname = \"a\"\nfeeds = [\"https://b.example/rss\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("used by two outlets"), "{err}");
    }
}

#[cfg(test)]
mod shipped {
    /// The feeds.toml shipped at the top of the repository must always load.
    #[test]
    fn shipped_feeds_toml_is_valid() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml");
        let config = super::Config::load(&path).expect("shipped feeds.toml loads");
        assert!(
            config.outlets.len() >= 12,
            "a dozen outlets, got {}",
            config.outlets.len()
        );
        assert!(config
            .outlets
            .iter()
            .all(|o| o.lang.as_deref() == Some("fr")));
        assert!(config.settings.store.ends_with("newsfold.db"));
    }
}
