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

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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
    /// "two failures then success", `429 + Retry-After, 200` a rate limit.
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
        let routes: BTreeMap<String, Route> =
            routes.into_iter().map(|(k, r)| (k.into(), r)).collect();
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
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("local addr");
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

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let _ = serve_connection(stream, shared).await;
        });
    }
}

struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

/// Reads up to the blank line ending the request head (64 KiB at most).
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<Head>> {
    let mut buf = Vec::with_capacity(1024);
    let mut byte = [0u8; 1024];
    let end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > 64 * 1024 {
            return Ok(None);
        }
        let n = stream.read(&mut byte).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&byte[..n]);
    };
    let text = String::from_utf8_lossy(&buf[..end]);
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("/").to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Some(Head {
        method,
        target,
        headers,
    }))
}

fn find_route<'a>(shared: &'a Shared, target: &str) -> Option<(&'a str, &'a Route)> {
    let path = target.split('?').next().unwrap_or("");
    shared
        .routes
        .get_key_value(target)
        .or_else(|| shared.routes.get_key_value(path))
        .map(|(k, r)| (k.as_str(), r))
}

async fn serve_connection(mut stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let Some(head) = read_head(&mut stream).await? else {
        return Ok(());
    };
    let at = Instant::now();
    let record = |status: u16, body_len: u64| {
        if let Ok(mut log) = shared.log.lock() {
            log.push(Recorded {
                at,
                method: head.method.clone(),
                target: head.target.clone(),
                headers: head.headers.clone(),
                status,
                body_len,
            });
        }
    };
    let Some((key, route)) = find_route(&shared, &head.target) else {
        record(404, 9);
        return write_reply(
            &mut stream,
            &Reply::ok("text/plain", "not found").with_status(404),
        )
        .await;
    };
    match route {
        Route::Fixed(reply) => {
            record(reply.status, reply.body.len() as u64);
            write_reply(&mut stream, reply).await
        }
        Route::SlowHeaders { delay, reply } => {
            record(reply.status, reply.body.len() as u64);
            tokio::time::sleep(*delay).await;
            write_reply(&mut stream, reply).await
        }
        Route::Sequence(replies) => {
            let turn = next_turn(&shared, key);
            let Some(reply) = replies.get(turn).or(replies.last()) else {
                record(0, 0);
                return Ok(());
            };
            record(reply.status, reply.body.len() as u64);
            write_reply(&mut stream, reply).await
        }
        Route::Conditional {
            etag,
            last_modified,
            reply,
        } => {
            let reply = conditional_reply(&head, etag, last_modified, reply);
            record(reply.status, reply.body.len() as u64);
            write_reply(&mut stream, &reply).await
        }
        Route::Trickle {
            content_type,
            chunk,
            interval,
        } => {
            record(200, u64::MAX);
            trickle(&mut stream, content_type, chunk, *interval).await
        }
        Route::Huge {
            content_type,
            len,
            hide_length,
        } => {
            record(200, *len);
            stream_huge(&mut stream, content_type, *len, *hide_length).await
        }
        Route::GzipBomb {
            content_type,
            decompressed_len,
        } => {
            let reply = gzip_bomb(content_type, *decompressed_len);
            record(200, reply.body.len() as u64);
            write_reply(&mut stream, &reply).await
        }
        Route::Reset => {
            record(0, 0);
            reset(stream)
        }
        Route::ResetMidResponse => {
            record(0, 0);
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Le")
                .await?;
            stream.flush().await?;
            reset(stream)
        }
    }
}

impl Reply {
    fn with_status(mut self, status: u16) -> Reply {
        self.status = status;
        self
    }
}

fn next_turn(shared: &Shared, key: &str) -> usize {
    let Ok(mut counters) = shared.counters.lock() else {
        return 0;
    };
    let counter = counters.entry(key.to_string()).or_insert(0);
    let turn = *counter;
    *counter += 1;
    turn
}

fn conditional_reply(
    head: &Head,
    etag: &Option<String>,
    last_modified: &Option<String>,
    reply: &Reply,
) -> Reply {
    let sent = |name: &str| {
        head.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let etag_matches = etag.is_some() && sent("if-none-match") == etag.as_deref();
    let date_matches =
        last_modified.is_some() && sent("if-modified-since") == last_modified.as_deref();
    let mut out = if etag_matches || date_matches {
        Reply::status(304)
    } else {
        reply.clone()
    };
    if let Some(etag) = etag {
        out = out.header("ETag", etag);
    }
    if let Some(date) = last_modified {
        out = out.header("Last-Modified", date);
    }
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

fn head_bytes(status: u16, headers: &[(String, String)], length: Option<u64>) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = write!(out, "HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    if let Some(length) = length {
        let _ = write!(out, "Content-Length: {length}\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out
}

async fn write_reply(stream: &mut TcpStream, reply: &Reply) -> std::io::Result<()> {
    // A 304 has no body and no Content-Length describing one.
    let length = (reply.status != 304).then_some(reply.body.len() as u64);
    stream
        .write_all(&head_bytes(reply.status, &reply.headers, length))
        .await?;
    stream.write_all(&reply.body).await?;
    stream.flush().await?;
    stream.shutdown().await
}

async fn trickle(
    stream: &mut TcpStream,
    content_type: &str,
    chunk: &[u8],
    interval: Duration,
) -> std::io::Result<()> {
    let headers = [("Content-Type".to_string(), content_type.to_string())];
    stream.write_all(&head_bytes(200, &headers, None)).await?;
    loop {
        stream.write_all(chunk).await?;
        stream.flush().await?;
        tokio::time::sleep(interval).await;
    }
}

async fn stream_huge(
    stream: &mut TcpStream,
    content_type: &str,
    len: u64,
    hide_length: bool,
) -> std::io::Result<()> {
    let headers = [("Content-Type".to_string(), content_type.to_string())];
    let length = (!hide_length).then_some(len);
    stream.write_all(&head_bytes(200, &headers, length)).await?;
    let block = vec![b'a'; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        stream.write_all(&block[..n]).await?;
        left -= n as u64;
    }
    stream.shutdown().await
}

/// Gzip of `decompressed_len` zero bytes (about 1000:1 at best level), compressed once per length and cached.
fn gzip_bomb(content_type: &str, decompressed_len: u64) -> Reply {
    static CACHE: Mutex<BTreeMap<u64, Vec<u8>>> = Mutex::new(BTreeMap::new());
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let body = cache
        .entry(decompressed_len)
        .or_insert_with(|| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let zeros = vec![0u8; 1024 * 1024];
            let mut left = decompressed_len;
            while left > 0 {
                let n = left.min(zeros.len() as u64) as usize;
                let _ = encoder.write_all(&zeros[..n]);
                left -= n as u64;
            }
            encoder.finish().unwrap_or_default()
        })
        .clone();
    Reply::ok(content_type, body).header("Content-Encoding", "gzip")
}

/// Closes with `SO_LINGER` 0, which makes the kernel send RST instead of FIN.
fn reset(stream: TcpStream) -> std::io::Result<()> {
    #[allow(deprecated)] // Zero linger never blocks, which is the deprecation's concern.
    stream.set_linger(Some(Duration::ZERO))?;
    drop(stream);
    Ok(())
}
