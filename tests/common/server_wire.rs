//! The wire side of the test server: reads one request head per connection, records it,
//! and answers as the matched [`Route`] says, misbehaving on purpose where it asks to.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{Recorded, Reply, Route, Shared};

/// Accepts connections until the runtime is dropped, one task each.
pub(super) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
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
    if let Some(reply) = whole_reply(&shared, key, &head, route) {
        record(reply.status, reply.body.len() as u64);
        if let Route::SlowHeaders { delay, .. } = route {
            tokio::time::sleep(*delay).await;
        }
        return write_reply(&mut stream, &reply).await;
    }
    match route {
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
        Route::ResetMidResponse => {
            record(0, 0);
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Le")
                .await?;
            stream.flush().await?;
            reset(stream)
        }
        _ => {
            record(0, 0);
            reset(stream)
        }
    }
}

/// The complete reply of a route that sends one (all but the streaming and resetting ones).
fn whole_reply(shared: &Shared, key: &str, head: &Head, route: &Route) -> Option<Reply> {
    match route {
        Route::Fixed(reply) | Route::SlowHeaders { reply, .. } => Some(reply.clone()),
        Route::Sequence(replies) => {
            let turn = next_turn(shared, key);
            replies.get(turn).or(replies.last()).cloned()
        }
        Route::Conditional {
            etag,
            last_modified,
            reply,
        } => Some(conditional_reply(head, etag, last_modified, reply)),
        Route::GzipBomb {
            content_type,
            decompressed_len,
        } => Some(gzip_bomb(content_type, *decompressed_len)),
        _ => None,
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
pub(super) fn gzip_bomb(content_type: &str, decompressed_len: u64) -> Reply {
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
