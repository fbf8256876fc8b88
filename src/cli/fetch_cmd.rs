//! `newsfold fetch URL`: one page, now.
//!
//! In: a URL (and feeds.toml, when present, for settings and the outlet's rules). Out: the
//! cleaned article on stdout, as text or one JSON object; with `--save` it is also
//! clustered and stored, and the output says which story it joined. The page goes through
//! the same [`crate::pipeline`] as in `ingest`, robots.txt and limits included.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;
use serde_json::{json, Value};

use super::report::{self, Reporter};
use super::{Exit, LogFormat};
use crate::boilerplate::{NoTemplates, Outcome};
use crate::config::Config;
use crate::fetch::{FetchError, Fetcher, PageOutcome};
use crate::model::Article;
use crate::pipeline::{self, Cleaned, Saved, Source};
use crate::store::{Access, Store};

/// What the command was asked to do besides printing.
pub struct Options {
    /// Print one JSON object.
    pub json: bool,
    /// Store and cluster the article.
    pub save: bool,
    /// Show removed lines with reasons.
    pub explain: bool,
}

/// Fetches one page and prints the article.
pub fn run(
    url: &str,
    opts: &Options,
    config_path: &Path,
    store: Option<PathBuf>,
    format: LogFormat,
) -> Exit {
    let reporter = Reporter::new(format);
    // feeds.toml is optional here: without it, default settings and no outlet rules.
    let config = if config_path.exists() {
        match Config::load(config_path) {
            Ok(c) => c,
            Err(e) => {
                reporter.error(&e.to_string());
                return Exit::Usage;
            }
        }
    } else {
        Config::default()
    };
    let source = Source::for_url(&config, url).unwrap_or_else(|| Source {
        outlet: url::Url::parse(url)
            .ok()
            .and_then(|u| {
                u.host_str()
                    .map(|h| h.trim_start_matches("www.").to_string())
            })
            .unwrap_or_else(|| url.to_string()),
        ..Source::default()
    });
    let page = match fetch_one(url, &config) {
        Ok(page) => page,
        Err((exit, message)) => {
            reporter.failed("fetching", url, &report::reason(url, &message));
            return exit;
        }
    };
    let store = if opts.save {
        let dir = store.unwrap_or_else(|| config.settings.store.clone());
        match Store::open(&dir, Access::Wait(config.settings.lock_wait)) {
            Ok(s) => Some(s),
            Err(e) => {
                reporter.error(&e.to_string());
                return if e.is_busy() { Exit::Busy } else { Exit::Fatal };
            }
        }
    } else {
        None
    };
    let min = config.settings.template_min_articles;
    let cleaned = match &store {
        Some(s) => pipeline::clean(
            &page.body,
            page.content_type.as_deref(),
            &page.final_url,
            &source,
            &s.templates(),
            min,
        ),
        None => pipeline::clean(
            &page.body,
            page.content_type.as_deref(),
            &page.final_url,
            &source,
            &NoTemplates,
            min,
        ),
    };
    let mut saved = None;
    if let (Some(store), Outcome::Article) = (&store, cleaned.outcome) {
        match pipeline::save(
            store,
            cleaned.article.clone(),
            &source,
            &page.final_url,
            None,
            Utc::now(),
        ) {
            Ok(mut s) => {
                // The stories settle as after an ingest run; report where it ended up.
                if let Err(e) = pipeline::refine_stories(store) {
                    reporter.failed("refining", "stories", &e.to_string());
                    return Exit::Fatal;
                }
                if let Saved::Stored { id, story, .. } = &mut s {
                    if let Ok(Some(article)) = store.article(id) {
                        *story = article.story;
                    }
                }
                saved = Some((s.clone(), story_size(store, &s)));
            }
            Err(e) => {
                reporter.failed("storing", url, &e.to_string());
                return Exit::Fatal;
            }
        }
    }
    let out = if opts.json {
        json_output(
            &cleaned,
            &source,
            &page.final_url,
            opts.explain,
            saved.as_ref(),
        )
        .to_string()
            + "\n"
    } else {
        text_output(&cleaned, &source, opts.explain, saved.as_ref())
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush());
    match cleaned.outcome {
        Outcome::Article => Exit::Ok,
        _ => Exit::Partial,
    }
}

/// Fetches `url` with the configured limits, or says why not and with which status: 2
/// for a URL that is not http(s), else 1 (the one item failed).
fn fetch_one(url: &str, config: &Config) -> Result<crate::fetch::Page, (Exit, String)> {
    let fatal = |e: String| (Exit::Fatal, e);
    let failed = |e: FetchError| {
        let exit = match e {
            FetchError::BadUrl { .. } => Exit::Usage,
            _ => Exit::Partial,
        };
        (exit, e.to_string())
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fatal(e.to_string()))?;
    runtime.block_on(async {
        let fetcher = Fetcher::new(&config.settings).map_err(|e| fatal(e.to_string()))?;
        match fetcher.fetch_page(url).await.map_err(failed)? {
            PageOutcome::Fetched(page) => Ok(page),
            PageOutcome::RobotsDenied => Err((
                Exit::Partial,
                "robots.txt forbids this page to our user agent".into(),
            )),
            PageOutcome::Skipped(reason) => Err((Exit::Partial, format!("skipped: {reason}"))),
        }
    })
}

/// Reports in the story `saved` joined.
fn story_size(store: &Store, saved: &Saved) -> usize {
    match saved {
        Saved::Stored { story, .. } => store
            .story(story)
            .ok()
            .flatten()
            .map_or(1, |s| s.reports.len()),
        Saved::AlreadyStored { id } => store
            .article(id)
            .ok()
            .flatten()
            .and_then(|a| store.story(&a.story).ok().flatten())
            .map_or(1, |s| s.reports.len()),
    }
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Article => "article",
        Outcome::ConsentWall => "consent-wall",
        Outcome::Empty => "empty",
    }
}

fn json_output(
    c: &Cleaned,
    source: &Source,
    final_url: &str,
    explain: bool,
    saved: Option<&(Saved, usize)>,
) -> Value {
    let a: &Article = &c.article;
    let mut v = json!({
        "url": final_url,
        "canonical_url": a.canonical_url,
        "outcome": outcome_name(c.outcome),
        "title": a.title,
        "published": a.published.as_ref().map(|d| d.at.to_rfc3339()),
        "published_source": a.published.as_ref().map(|d| d.source),
        "modified": a.modified.as_ref().map(|d| d.at.to_rfc3339()),
        "authors": a.authors,
        "lang": a.lang,
        "outlet": source.outlet,
        "site_name": a.site_name,
        "paywalled": a.paywalled,
        "agencies": a.agencies,
        "credits": a.credits,
        "encoding": c.encoding,
        "text": a.text(),
        "removed": a.removals.len(),
    });
    if explain {
        v["removals"] = json!(a
            .removals
            .iter()
            .map(|r| json!({"text": r.text, "reason": r.reason}))
            .collect::<Vec<_>>());
    }
    if let Some((s, size)) = saved {
        v["saved"] = match s {
            Saved::Stored {
                id,
                story,
                copy_of,
                new_story,
            } => {
                json!({"id": id, "story": story, "copy_of": copy_of, "new_story": new_story, "story_reports": size})
            }
            Saved::AlreadyStored { id } => {
                json!({"id": id, "already_stored": true, "story_reports": size})
            }
        };
    }
    v
}

fn text_output(
    c: &Cleaned,
    source: &Source,
    explain: bool,
    saved: Option<&(Saved, usize)>,
) -> String {
    let a = &c.article;
    let mut out = String::new();
    out.push_str(a.title.as_deref().unwrap_or("(no title)"));
    out.push('\n');
    let date = a
        .published
        .as_ref()
        .map(|d| d.at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "no date".into());
    let lang = a.lang.as_deref().unwrap_or("?");
    out.push_str(&format!("{date} · {} · {lang}\n", source.outlet));
    if c.outcome != Outcome::Article {
        out.push_str(&format!("({})\n", outcome_name(c.outcome)));
    }
    out.push('\n');
    for p in &a.paragraphs {
        out.push_str(p);
        out.push_str("\n\n");
    }
    if explain {
        out.push_str(&format!("-- removed {} lines --\n", a.removals.len()));
        for r in &a.removals {
            out.push_str(&format!(
                "[{}] {}\n",
                serde_json::to_value(r.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                r.text
            ));
        }
    }
    if let Some((s, size)) = saved {
        out.push_str(&match s {
            Saved::Stored {
                story,
                copy_of: Some(orig),
                ..
            } => format!("saved: copy of {orig}, story {story} ({size} reports)\n"),
            Saved::Stored {
                story,
                new_story: true,
                ..
            } => format!("saved: new story {story}\n"),
            Saved::Stored { story, .. } => {
                format!("saved: joined story {story} ({size} reports)\n")
            }
            Saved::AlreadyStored { id } => {
                format!("already stored as {id} ({size} reports in its story)\n")
            }
        });
    }
    out
}
