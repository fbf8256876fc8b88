//! Politeness in time: per-host pacing and a global cap on requests in flight.
//!
//! In: a host key before each request. Out: a [`Turn`] that, while held, is the only request
//! to that host and one of at most `concurrency` requests overall. Used by `request.rs`
//! around every HTTP exchange, robots.txt included.
//!
//! A "host" is `host:port` of the URL (so `127.0.0.1:8001` and `127.0.0.1:8002` are two
//! hosts, which is what the loopback tests rely on). Requests to one host go one at a time,
//! and each starts at least `delay` after the previous one started, where `delay` is the
//! settings' `per_host_delay`, raised by the host's robots.txt `Crawl-delay` (capped at
//! [`MAX_CRAWL_DELAY`]). A 429/503 `Retry-After` pushes the host's next start further.
//! Different hosts proceed in parallel. The host turn is taken before the global permit, so
//! a request waiting for its host's delay never holds one of the global slots.
//!
//! Hand-written rather than `governor`: we need "one at a time per host", delays that change
//! per host at run time (crawl-delay) and deferral by Retry-After, which a rate limiter's
//! quota does not express.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Highest robots.txt crawl-delay obeyed; larger values are read as this.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);

/// Per-host clocks and the global request cap.
#[derive(Debug)]
pub(crate) struct Pacer {
    hosts: Mutex<BTreeMap<String, Arc<Host>>>,
    global: Arc<Semaphore>,
    default_delay: Duration,
}

#[derive(Debug)]
struct Host {
    /// Held for the whole request: one request per host at a time.
    turn: Arc<tokio::sync::Mutex<()>>,
    clock: Mutex<Clock>,
}

#[derive(Debug, Clone, Copy)]
struct Clock {
    next_start: Option<Instant>,
    delay: Duration,
}

/// The right to send one request; dropping it frees the host and the global slot.
#[derive(Debug)]
pub(crate) struct Turn {
    _host: OwnedMutexGuard<()>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Pacer {
    /// `concurrency` requests in flight at most, `default_delay` between starts per host.
    pub fn new(concurrency: usize, default_delay: Duration) -> Pacer {
        Pacer {
            hosts: Mutex::new(BTreeMap::new()),
            global: Arc::new(Semaphore::new(concurrency.max(1))),
            default_delay,
        }
    }

    fn host(&self, key: &str) -> Arc<Host> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let host = hosts.entry(key.to_string()).or_insert_with(|| {
            Arc::new(Host {
                turn: Arc::new(tokio::sync::Mutex::new(())),
                clock: Mutex::new(Clock {
                    next_start: None,
                    delay: self.default_delay,
                }),
            })
        });
        Arc::clone(host)
    }

    /// Waits for the host's turn and its delay, then for a global slot.
    pub async fn turn(&self, key: &str) -> Turn {
        let host = self.host(key);
        let guard = Arc::clone(&host.turn).lock_owned().await;
        // Read the clock after taking the turn: the previous holder may have deferred it.
        let next_start = host.clock.lock().map(|c| c.next_start).unwrap_or(None);
        if let Some(at) = next_start {
            tokio::time::sleep_until(at).await;
        }
        let permit = Arc::clone(&self.global).acquire_owned().await.ok();
        if let Ok(mut clock) = host.clock.lock() {
            clock.next_start = Some(Instant::now() + clock.delay);
        }
        Turn {
            _host: guard,
            _permit: permit,
        }
    }

    /// Raises the host's delay to `crawl_delay` (capped), never below the default.
    pub fn set_crawl_delay(&self, key: &str, crawl_delay: Duration) {
        let delay = self.default_delay.max(crawl_delay.min(MAX_CRAWL_DELAY));
        if let Ok(mut clock) = self.host(key).clock.lock() {
            clock.delay = delay;
        }
    }

    /// Makes the host's next request wait at least `wait` from now (Retry-After).
    pub fn defer(&self, key: &str, wait: Duration) {
        let until = Instant::now() + wait;
        if let Ok(mut clock) = self.host(key).clock.lock() {
            clock.next_start = Some(clock.next_start.map_or(until, |t| t.max(until)));
        }
    }
}

/// The pacing key of a URL: `host:port` (port defaulted from the scheme).
pub(crate) fn host_key(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}
