//! A programmable HTTP/1.1 test server on loopback that misbehaves on purpose.
//!
//! In: a table of routes (path → [`Route`]). Out: a server on `127.0.0.1` at an ephemeral
//! port, plus a log of every request it received ([`Recorded`]: path, headers, when, and
//! what was answered). Used by the fetch fault tests and by the end-to-end newsroom test.
//!
//! It is written on raw tokio sockets rather than an HTTP library so that it can break
//! the protocol the way real servers do: hold back the status line, trickle a body that
//! never ends, reset the connection, announce a gigabyte and stream it.
//!
//! Matching: a route key without `?` matches the request path with the query ignored
//! (`/feed.xml` answers `/feed.xml?x=1`); a key with `?` matches path and query exactly and
//! wins over the bare path. Unknown paths get a 404. Every response carries
//! `Connection: close` (one request per connection), which keeps the server simple and the
//! log exact. The server runs on its own thread and runtime, so sync tests that run the
//! real binary can use it as well as `#[tokio::test]`s; dropping it stops it.
//!
//! Use from an integration test with `mod common;` and `use common::server::*;`.
#![allow(dead_code)] // Each test binary uses a different part of it.

// The wire side (reading requests, writing each kind of answer) lives beside this file.
#[path = "server_wire.rs"]
mod wire;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;

use wire::{accept_loop, gzip_bomb};

/// A complete, well-formed response: status, headers, body.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code (the reason phrase is derived from it).
    pub status: u16,
    /// Headers sent as given (the server adds `Content-Length` and `Connection: close`).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A 200 with this content type and body.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::status(200)
            .header("Content-Type", content_type)
            .body(body)
    }

    /// A 200 `text/html; charset=utf-8` page.
    pub fn html(body: impl Into<Vec<u8>>) -> Reply {
        Reply::ok("text/html; charset=utf-8", body)
    }

    /// An empty response with this status.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A 302 to `location` (absolute or relative, sent as given).
    pub fn redirect(location: &str) -> Reply {
        Reply::status(302).header("Location", location)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Replaces the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = body.into();
        self
    }
}

/// What a route does when asked.
#[derive(Debug, Clone)]
pub enum Route {
    /// Always the same reply.
    Fixed(Reply),
    /// Waits, then sends the reply (the status line itself is late).
    SlowHeaders {
        /// Time before the first byte of the response.
        delay: Duration,
        /// What is sent after the wait.
        reply: Reply,
    },
    /// A 200 without `Content-Length` whose body sends `chunk` every `interval`, forever.
    Trickle {
        /// The `Content-Type`.
        content_type: String,
        /// Bytes sent at each tick.
        chunk: Vec<u8>,
        /// Time between ticks.
        interval: Duration,
    },
    /// Replies in turn, one per request; the last one repeats. `500, 500, 200` models
    /// "two failures then success", `429 + Retry-After, 200` a rate limit. Empty: a reset.
    Sequence(Vec<Reply>),
    /// A 200 announcing `len` bytes in `Content-Length` (unless `chunked`) and streaming
    /// them from a small buffer: a gigabyte is never held in memory.
    Huge {
        /// The `Content-Type`.
        content_type: String,
        /// Body length.
        len: u64,
        /// Omit `Content-Length` (the client cannot refuse up front).
        hide_length: bool,
    },
    /// `Content-Encoding: gzip` body: a small compressed stream of `decompressed_len` zero bytes.
    GzipBomb {
        /// The `Content-Type`.
        content_type: String,
        /// Size after decompression.
        decompressed_len: u64,
    },
    /// Reads the request, then resets the connection (RST) without answering.
    Reset,
    /// Sends the status line and part of the headers, then resets the connection.
    ResetMidResponse,
    /// The reply with `ETag` and `Last-Modified`, or an empty 304 when the request's
    /// `If-None-Match` equals the ETag or its `If-Modified-Since` equals `last_modified`.
    Conditional {
        /// The entity tag, quotes included (`"v1"`).
        etag: Option<String>,
        /// An HTTP date.
        last_modified: Option<String>,
        /// The full reply.
        reply: Reply,
    },
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// When the request head was fully read (the server's clock).
    pub at: Instant,
    /// `GET`, `HEAD`...
    pub method: String,
    /// Path with its query, as sent.
    pub target: String,
    /// Headers in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The status answered (0 when the connection was reset).
    pub status: u16,
    /// Body bytes the route meant to send (`u64::MAX` for a never-ending body).
    pub body_len: u64,
}

impl Recorded {
    /// The request path without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the connection tasks share with the handle.
struct Shared {
    routes: BTreeMap<String, Route>,
    counters: Mutex<BTreeMap<String, usize>>,
    log: Mutex<Vec<Recorded>>,
    connections: AtomicUsize,
}

/// A running server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with these routes on `127.0.0.1` at an ephemeral port.
    pub fn start<K: Into<String>>(routes: impl IntoIterator<Item = (K, Route)>) -> TestServer {
        let routes: Vec<(String, Route)> = routes.into_iter().map(|(k, r)| (k.into(), r)).collect();
        TestServer::start_with(move |_| routes)
    }

    /// Starts a server whose routes are built knowing its own base URL
    /// (`http://127.0.0.1:PORT`), for pages that link to themselves absolutely.
    pub fn start_with(routes: impl FnOnce(&str) -> Vec<(String, Route)>) -> TestServer {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("local addr");
        let routes: BTreeMap<String, Route> =
            routes(&format!("http://{addr}")).into_iter().collect();
        // Compress gzip bombs now, so that a client's timeout does not run while we do.
        for route in routes.values() {
            if let Route::GzipBomb {
                content_type,
                decompressed_len,
            } = route
            {
                gzip_bomb(content_type, *decompressed_len);
            }
        }
        let shared = Arc::new(Shared {
            routes,
            counters: Mutex::new(BTreeMap::new()),
            log: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("test server runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(std_listener).expect("tokio listener");
                tokio::select! {
                    _ = accept_loop(listener, thread_shared) => {}
                    _ = stopped => {}
                }
            });
            // Drops every connection task still trickling or sleeping.
            runtime.shutdown_background();
        });
        TestServer {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base(), path)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .log
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }

    /// Requests received for `path` (query ignored).
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        let mut all = self.requests();
        all.retain(|r| r.path() == path);
        all
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
