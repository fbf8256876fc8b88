//! `newsfold ingest`: the cron job.
//!
//! In: feeds.toml and the store. Out: new articles stored and clustered, feed HTTP state
//! and the robots.txt cache saved, one summary line on stderr, and an exit status cron can
//! act on. Steps: lock the store (a second run at once stops here, see [`Exit::Busy`]),
//! fetch every feed and sitemap (conditional GET, backoff of feeds that keep failing),
//! gather the entries not stored yet, fetch their pages with bounded concurrency and
//! per-host pacing, and run each page through [`crate::pipeline`] in a fixed order
//! (oldest first, then URL), so the same feeds give the same stories whatever order the
//! network answers in. Ctrl-C or SIGTERM stops after the article in hand.
//!
//! `--refetch` re-checks: feeds are fetched without their conditional-GET validators, every
//! listed article is fetched again even when stored, run through decode → extract →
//! boilerplate, and compared with the stored text. A stored article is never rewritten:
//! its identity, story, copy links and text stay as first stored (the story summaries,
//! the copy index and the outlet template counts were all built from that text), and the
//! run reports how many were re-fetched and which changed (`-v` names them).

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::task::JoinHandle;

use super::report::{self, Reporter};
use super::{Exit, LogFormat};
use crate::boilerplate::Outcome;
use crate::canonical::canonicalize;
use crate::config::{Config, Outlet};
use crate::fetch::{FeedOutcome, FeedState, FetchError, Fetcher, PageOutcome, RobotsCache};
use crate::pipeline::{self, Saved, Source};
use crate::store::{Access, Store, FEED_STATE};

/// The `state` namespace and key of the saved robots.txt cache.
const ROBOTS_STATE: (&str, &str) = ("robots", "cache");

/// Sitemap indexes are followed this many levels down.
const SITEMAP_DEPTH: usize = 2;

/// Runs one ingest and returns its exit status.
pub fn run(config_path: &Path, store: Option<PathBuf>, refetch: bool, format: LogFormat) -> Exit {
    let reporter = Reporter::new(format);
    let config = match Config::load(config_path) {
        Ok(c) => c,
        Err(e) => {
            reporter.error(&e.to_string());
            return Exit::Usage;
        }
    };
    let dir = store.unwrap_or_else(|| config.settings.store.clone());
    let store = match Store::open(&dir, Access::Exclusive) {
        Ok(s) => s,
        Err(e) if e.is_busy() => {
            reporter.note(&format!("another run is going, nothing done: {e}"));
            return Exit::Busy;
        }
        Err(e) => {
            reporter.error(&e.to_string());
            return Exit::Fatal;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            reporter.failed("starting", "tokio runtime", &e.to_string());
            return Exit::Fatal;
        }
    };
    let mut run = Run {
        config,
        store,
        reporter,
        refetch,
        stop: Arc::new(AtomicBool::new(false)),
        tally: Tally::default(),
    };
    runtime.block_on(run.ingest())
}

/// Counts for the summary line.
#[derive(Debug, Default)]
struct Tally {
    feeds_ok: usize,
    feeds_not_modified: usize,
    feeds_failed: usize,
    new_articles: usize,
    copies: usize,
    new_stories: usize,
    already_stored: usize,
    refetched: usize,
    changed: usize,
    skipped: usize,
    robots_denied: usize,
    failed: usize,
    /// Articles the refinement rounds moved to another story.
    refined: usize,
}

/// An article to fetch, gathered from the feeds.
#[derive(Debug, Clone)]
struct Candidate {
    outlet: usize,
    url: String,
    published: Option<DateTime<Utc>>,
}

struct Run {
    config: Config,
    store: Store,
    reporter: Reporter,
    refetch: bool,
    stop: Arc<AtomicBool>,
    tally: Tally,
}

impl Run {
    async fn ingest(&mut self) -> Exit {
        let started = Instant::now();
        watch_signals(self.stop.clone());
        let fetcher = match Fetcher::new(&self.config.settings) {
            Ok(f) => f,
            Err(e) => {
                self.reporter
                    .failed("starting", "http client", &e.to_string());
                return Exit::Fatal;
            }
        };
        match self
            .store
            .get_state::<RobotsCache>(ROBOTS_STATE.0, ROBOTS_STATE.1)
        {
            Ok(Some(cache)) => fetcher.import_robots(cache),
            Ok(None) => {}
            Err(e) => self
                .reporter
                .note(&format!("robots.txt cache not loaded: {e}")),
        }
        let candidates = self.gather(&fetcher).await;
        let mut fatal = self.fetch_articles(&fetcher, candidates).await;
        // The run's articles are stored; now the stories settle (also after a stop).
        match pipeline::refine_stories(&self.store) {
            Ok(moved) => self.tally.refined = moved,
            Err(e) => {
                self.reporter.failed("refining", "stories", &e.to_string());
                fatal = true;
            }
        }
        if let Err(e) =
            self.store
                .put_state(ROBOTS_STATE.0, ROBOTS_STATE.1, &fetcher.export_robots())
        {
            self.reporter
                .note(&format!("robots.txt cache not saved: {e}"));
        }
        self.summarise(started.elapsed().as_secs_f64());
        if fatal {
            Exit::Fatal
        } else if self.tally.failed > 0
            || self.tally.feeds_failed > 0
            || self.stop.load(Ordering::SeqCst)
        {
            Exit::Partial
        } else {
            Exit::Ok
        }
    }

    /// Fetches every feed and sitemap concurrently and returns the entries to fetch, in the
    /// fixed processing order.
    async fn gather(&mut self, fetcher: &Fetcher) -> Vec<Candidate> {
        let mut listings: Vec<(usize, String, bool, usize)> = Vec::new(); // outlet, url, sitemap, depth
        for (i, outlet) in self.config.outlets.iter().enumerate() {
            listings.extend(outlet.feeds.iter().map(|u| (i, u.to_string(), false, 0)));
            listings.extend(outlet.sitemaps.iter().map(|u| (i, u.to_string(), true, 0)));
        }
        let mut found: BTreeMap<String, Candidate> = BTreeMap::new();
        while !listings.is_empty() && !self.stop.load(Ordering::SeqCst) {
            let tasks: Vec<_> = listings
                .drain(..)
                .map(|(outlet, url, sitemap, depth)| {
                    let mut state: FeedState = self
                        .store
                        .get_state(FEED_STATE, &url)
                        .ok()
                        .flatten()
                        .unwrap_or_default();
                    if self.refetch {
                        // A 304 would list no article to re-fetch.
                        state.etag = None;
                        state.last_modified = None;
                    }
                    let fetcher = fetcher.clone();
                    let handle = tokio::spawn(async move {
                        let mut state = state;
                        let result = if sitemap {
                            fetcher.fetch_sitemap(&url, &mut state).await
                        } else {
                            fetcher.fetch_feed(&url, &mut state).await
                        };
                        (url, state, result)
                    });
                    (outlet, sitemap, depth, handle)
                })
                .collect();
            for (outlet, sitemap, depth, handle) in tasks {
                let Ok((url, state, result)) = handle.await else {
                    self.tally.feeds_failed += 1;
                    continue;
                };
                if let Err(e) = self.store.put_state(FEED_STATE, &url, &state) {
                    self.reporter
                        .note(&format!("state of {url} not saved: {e}"));
                }
                let not_modified = matches!(result, Ok(FeedOutcome::NotModified));
                let mut children = self.take_listing(outlet, &url, result, &mut found);
                if not_modified {
                    // An unchanged sitemap index still has children that change.
                    children = state.children.clone();
                }
                if sitemap && depth < SITEMAP_DEPTH {
                    listings.extend(children.into_iter().map(|c| (outlet, c, true, depth + 1)));
                }
            }
        }
        let mut candidates: Vec<Candidate> = found.into_values().collect();
        candidates.sort_by(|a, b| {
            (a.published.is_none(), a.published, &a.url).cmp(&(
                b.published.is_none(),
                b.published,
                &b.url,
            ))
        });
        candidates
    }

    /// Counts one feed's outcome and adds its new entries to `found`; returns child sitemaps.
    fn take_listing(
        &mut self,
        outlet: usize,
        url: &str,
        result: Result<FeedOutcome, FetchError>,
        found: &mut BTreeMap<String, Candidate>,
    ) -> Vec<String> {
        let entries = match result {
            Ok(FeedOutcome::Fresh {
                entries, children, ..
            }) => {
                self.tally.feeds_ok += 1;
                if entries.is_empty() {
                    return children;
                }
                let mut entries = entries;
                entries.sort_by_key(|e| std::cmp::Reverse(e.published));
                entries.truncate(self.config.settings.max_articles_per_feed);
                entries
            }
            Ok(FeedOutcome::NotModified) => {
                self.tally.feeds_ok += 1;
                self.tally.feeds_not_modified += 1;
                return Vec::new();
            }
            Ok(FeedOutcome::RobotsDenied) => {
                self.tally.feeds_failed += 1;
                self.reporter
                    .failed("feed", url, "robots.txt forbids it to our user agent");
                return Vec::new();
            }
            Ok(FeedOutcome::BackedOff { until }) => {
                self.tally.feeds_failed += 1;
                self.reporter.failed(
                    "feed",
                    url,
                    &format!(
                        "failing, backed off until {}",
                        until.format("%Y-%m-%d %H:%M UTC")
                    ),
                );
                return Vec::new();
            }
            Err(e) => {
                self.tally.feeds_failed += 1;
                self.reporter
                    .failed("feed", url, &report::reason(url, &e.to_string()));
                return Vec::new();
            }
        };
        for entry in entries {
            let Some(key) = canonicalize(&entry.url) else {
                continue;
            };
            let stored = self.store.contains_url(&key).unwrap_or(false)
                || self.store.contains_url(&entry.url).unwrap_or(false);
            if stored && !self.refetch {
                continue;
            }
            let candidate = found.entry(key).or_insert_with(|| Candidate {
                outlet,
                url: entry.url.clone(),
                published: entry.published,
            });
            // The same article in two feeds: the first outlet in feeds.toml keeps it, with
            // the earliest date any feed gives.
            if candidate.outlet > outlet {
                candidate.outlet = outlet;
                candidate.url = entry.url.clone();
            }
            candidate.published = match (candidate.published, entry.published) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Vec::new()
    }

    /// Fetches the candidates' pages, a window ahead, and processes them in order.
    /// Returns true when the store failed (the run cannot go on).
    async fn fetch_articles(&mut self, fetcher: &Fetcher, candidates: Vec<Candidate>) -> bool {
        let window = self.config.settings.concurrency.max(1) * 4;
        let mut pending: VecDeque<(Candidate, JoinHandle<Result<PageOutcome, FetchError>>)> =
            VecDeque::new();
        let mut queue = candidates.into_iter();
        self.reporter.start_progress(queue.len() as u64, "articles");
        let mut fatal = false;
        loop {
            while pending.len() < window {
                let Some(c) = queue.next() else { break };
                let fetcher = fetcher.clone();
                let url = c.url.clone();
                pending.push_back((
                    c,
                    tokio::spawn(async move { fetcher.fetch_page(&url).await }),
                ));
            }
            let Some((candidate, handle)) = pending.pop_front() else {
                break;
            };
            let result = match handle.await {
                Ok(result) => Some(result),
                Err(e) => {
                    self.tally.failed += 1;
                    self.reporter.failed(
                        "article",
                        &candidate.url,
                        &format!("fetch task ended: {e}"),
                    );
                    None
                }
            };
            if let Err(e) = result.map_or(Ok(()), |r| self.process(&candidate, r)) {
                self.reporter.failed("storing", &candidate.url, &e);
                fatal = true;
            }
            self.reporter.step();
            if fatal || self.stop.load(Ordering::SeqCst) {
                break;
            }
        }
        for (_, handle) in pending {
            handle.abort();
        }
        self.reporter.finish_progress();
        if self.stop.load(Ordering::SeqCst) {
            self.reporter
                .note("stopped by a signal after the article in hand; the next run goes on");
        }
        fatal
    }

    /// Runs one fetched page through the pipeline; an Err is a store failure.
    fn process(
        &mut self,
        candidate: &Candidate,
        result: Result<PageOutcome, FetchError>,
    ) -> Result<(), String> {
        let page = match result {
            Ok(PageOutcome::Fetched(page)) => page,
            Ok(PageOutcome::RobotsDenied) => {
                self.tally.robots_denied += 1;
                return Ok(());
            }
            Ok(PageOutcome::Skipped(reason)) => {
                self.tally.skipped += 1;
                tracing::info!(url = %candidate.url, %reason, "skipped");
                return Ok(());
            }
            Err(e) => {
                self.tally.failed += 1;
                self.reporter.failed(
                    "article",
                    &candidate.url,
                    &report::reason(&candidate.url, &e.to_string()),
                );
                return Ok(());
            }
        };
        let outlet: &Outlet = &self.config.outlets[candidate.outlet];
        let source = Source {
            outlet: outlet.name.clone(),
            lang: outlet.lang.clone(),
            drop_lines: outlet.drop_lines.clone(),
            body_selector: outlet.body_selector.clone(),
        };
        let templates = self.store.templates();
        let cleaned = pipeline::clean(
            &page.body,
            page.content_type.as_deref(),
            &page.final_url,
            &source,
            &templates,
            self.config.settings.template_min_articles,
        );
        if cleaned.outcome != Outcome::Article {
            self.tally.skipped += 1;
            let why = match cleaned.outcome {
                Outcome::ConsentWall => "only a consent wall",
                _ => "no article text",
            };
            tracing::info!(url = %candidate.url, why, "skipped");
            return Ok(());
        }
        if self.refetch && self.recheck(candidate, &page.final_url, &cleaned.article)? {
            return Ok(());
        }
        let saved = pipeline::save(
            &self.store,
            cleaned.article,
            &source,
            &page.final_url,
            candidate.published,
            Utc::now(),
        )
        .map_err(|e| e.to_string())?;
        if page.final_url != candidate.url {
            let (Saved::Stored { id, .. } | Saved::AlreadyStored { id }) = &saved;
            let _ = self.store.add_alias(&candidate.url, id);
        }
        match saved {
            Saved::Stored {
                id,
                story,
                copy_of,
                new_story,
            } => {
                // The crash test reads these lines as "reported as stored".
                tracing::info!(url = %page.final_url, %id, %story, "stored");
                self.tally.new_articles += 1;
                self.tally.copies += usize::from(copy_of.is_some());
                self.tally.new_stories += usize::from(new_story);
            }
            Saved::AlreadyStored { .. } => self.tally.already_stored += 1,
        }
        Ok(())
    }

    /// Under `--refetch`: when the page is stored already, compares its new text with the
    /// stored one, counts it, records `candidate`'s URL as an alias, and returns true (the
    /// page is done). False for a page not stored yet. An Err is a store failure.
    fn recheck(
        &mut self,
        candidate: &Candidate,
        final_url: &str,
        article: &crate::model::Article,
    ) -> Result<bool, String> {
        let Some(key) = pipeline::identity(final_url, article.canonical_url.as_deref()) else {
            return Ok(false);
        };
        let id = match self.store.id_for_url(&key) {
            Ok(Some(id)) => id,
            Ok(None) => return Ok(false),
            Err(e) => return Err(e.to_string()),
        };
        let Some(stored) = self.store.article(&id).map_err(|e| e.to_string())? else {
            return Ok(false);
        };
        self.tally.refetched += 1;
        if crate::cluster::body_hash(&article.text()) != stored.body_hash {
            self.tally.changed += 1;
            tracing::info!(url = %candidate.url, %id, "changed since stored; the stored text is kept");
        }
        for url in [candidate.url.as_str(), final_url] {
            self.store.add_alias(url, &id).map_err(|e| e.to_string())?;
        }
        Ok(true)
    }

    fn summarise(&self, seconds: f64) {
        let t = &self.tally;
        let text = format!(
            "ingest: {} outlets, feeds {} ok ({} not modified) / {} failed, {} new articles ({} copies), {} new stories, {} failed, {} skipped, {} denied by robots.txt, {} moved by the story refinement, in {:.1}s",
            self.config.outlets.len(),
            t.feeds_ok,
            t.feeds_not_modified,
            t.feeds_failed,
            t.new_articles,
            t.copies,
            t.new_stories,
            t.failed,
            t.skipped,
            t.robots_denied,
            t.refined,
            seconds
        );
        let text = if self.refetch {
            format!(
                "{text}; {} re-fetched ({} changed, stored text kept)",
                t.refetched, t.changed
            )
        } else {
            text
        };
        self.reporter.summary(
            &text,
            json!({
                "outlets": self.config.outlets.len(),
                "feeds_ok": t.feeds_ok,
                "feeds_not_modified": t.feeds_not_modified,
                "feeds_failed": t.feeds_failed,
                "new_articles": t.new_articles,
                "copies": t.copies,
                "new_stories": t.new_stories,
                "already_stored": t.already_stored,
                "refetched": t.refetched,
                "changed": t.changed,
                "failed": t.failed,
                "skipped": t.skipped,
                "robots_denied": t.robots_denied,
                "refined": t.refined,
                "seconds": seconds,
            }),
        );
    }
}

/// Sets `stop` on Ctrl-C or SIGTERM; the run finishes the article in hand, then stops.
fn watch_signals(stop: Arc<AtomicBool>) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        stop.store(true, Ordering::SeqCst);
    });
}
