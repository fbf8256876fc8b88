//! `newsfold extract PATH...`: extract + boilerplate on files, JSONL out, no store.
//!
//! In: files (`.html`, `.htm`, `.html.gz`, `.txt`) and folders of them (walked recursively,
//! sorted by path so the order is stable). Out: one JSON object per file on stdout, in
//! that order: the article's metadata, its cleaned `text` and how many lines boilerplate
//! removal took out (`--explain` lists them). A file that cannot be read, or holds binary
//! data rather than a page, gets an error line on stderr naming it; the others go on and
//! the exit status is 1. Files are worked on by several threads when there are many
//! (`NEWSFOLD_THREADS` caps them; 1 = single-threaded), and printed in input order all
//! the same.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use chrono::SecondsFormat;
use serde_json::{json, Value};

use super::Exit;
use crate::boilerplate::{self, NoTemplates};
use crate::extract::{self, Hints};
use crate::model::{Article, Dated};

/// Below this many files one thread does the work.
const FILES_PER_EXTRA_THREAD: usize = 8;

/// Extracts files and prints JSONL.
pub fn run(paths: &[PathBuf], explain: bool) -> Exit {
    let mut failed = false;
    let mut files = Vec::new();
    for path in paths {
        if let Err(e) = list_files(path, &mut files) {
            super::report::error(&format!("listing {}: {e}", path.display()));
            failed = true;
        }
    }
    let threads = thread_count(files.len());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_failed = false;
    let mut emit = |result: Result<Value, String>| match result {
        Ok(line) => {
            if !write_failed && writeln!(out, "{line}").is_err() {
                // A closed pipe (`| head`) is not an error of ours: stop writing quietly.
                write_failed = true;
            }
        }
        Err(message) => {
            super::report::error(&message);
            failed = true;
        }
    };
    if threads <= 1 {
        files.iter().for_each(|f| emit(process(f, explain)));
    } else {
        in_parallel(&files, threads, explain, &mut emit);
    }
    let _ = out.flush();
    if failed {
        Exit::Partial
    } else {
        Exit::Ok
    }
}

/// How many worker threads to use for `files` files.
fn thread_count(files: usize) -> usize {
    let available = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cap = std::env::var("NEWSFOLD_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(available);
    cap.min(files / FILES_PER_EXTRA_THREAD + 1).max(1)
}

/// Works on `files` with `threads` workers, emitting results in file order.
fn in_parallel(
    files: &[PathBuf],
    threads: usize,
    explain: bool,
    emit: &mut dyn FnMut(Result<Value, String>),
) {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::sync_channel::<(usize, Result<Value, String>)>(threads * 4);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(i) else { break };
                if tx.send((i, process(file, explain))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Results arrive out of order; hold them until their turn.
        let mut waiting = BTreeMap::new();
        let mut turn = 0;
        for (i, result) in rx {
            waiting.insert(i, result);
            while let Some(result) = waiting.remove(&turn) {
                emit(result);
                turn += 1;
            }
        }
    });
}

/// Whether a file name is one `extract` reads.
fn is_page_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let name = name.to_ascii_lowercase();
    [".html", ".htm", ".html.gz", ".htm.gz", ".txt"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Adds `path` (a file) or the page files below it (a folder), sorted.
fn list_files(path: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        // A named file is read whatever its name; a missing one fails when read.
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut found = Vec::new();
    let mut folders = vec![path.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry_path = entry?.path();
            if entry_path.is_dir() {
                folders.push(entry_path);
            } else if is_page_file(&entry_path) {
                found.push(entry_path);
            }
        }
    }
    found.sort();
    files.extend(found);
    Ok(())
}

/// Reads a file's bytes, gunzipping `.gz` files (every gzip member, straight from the read
/// buffer, into a buffer sized from the gzip trailer).
fn read_bytes(path: &Path) -> Result<Vec<u8>, String> {
    let raw = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let gzipped = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    if !gzipped {
        return Ok(raw);
    }
    // ISIZE, the last four bytes: the uncompressed size modulo 2^32 (only a hint here).
    let size_hint = raw
        .last_chunk::<4>()
        .map_or(0, |b| u32::from_le_bytes(*b) as usize);
    let mut bytes = Vec::with_capacity(size_hint.min(raw.len().saturating_mul(64)) + 1);
    if gunzip_in_one_call(&raw, &mut bytes) {
        return Ok(bytes);
    }
    bytes.clear();
    flate2::bufread::MultiGzDecoder::new(raw.as_slice())
        .read_to_end(&mut bytes)
        .map_err(|e| format!("decompressing {}: {e}", path.display()))?;
    Ok(bytes)
}

/// The usual file, one gzip member whose trailer tells its size, inflated in one call into
/// `out`'s spare capacity: no streaming window to keep, a sixth fewer instructions than the
/// streaming reader. `false` for anything else (several members, a wrong size, a damaged
/// file), which the caller reads the streaming way, errors included. The trailer's CRC and
/// length are checked before the stream reports its end.
fn gunzip_in_one_call(raw: &[u8], out: &mut Vec<u8>) -> bool {
    let mut inflater = flate2::Decompress::new_gzip(15);
    let ended = inflater.decompress_vec(raw, out, flate2::FlushDecompress::Finish);
    matches!(ended, Ok(flate2::Status::StreamEnd)) && inflater.total_in() == raw.len() as u64
}

/// Extracts one file and renders its JSON line.
fn process(path: &Path, explain: bool) -> Result<Value, String> {
    let bytes = read_bytes(path)?;
    if crate::fetch::looks_binary(&bytes) {
        // An image or an archive named .html: decoded, it would come out as a page of noise.
        return Err(format!(
            "{}: binary data (control bytes), not an HTML or text page; skipped",
            path.display()
        ));
    }
    let text = crate::decode::decode_vec(bytes, None).text;
    let name = path.to_string_lossy().to_ascii_lowercase();
    let hints = Hints::default();
    let article = if name.ends_with(".txt") {
        extract::from_text(&text, &hints)
    } else {
        // Nesting deeper than any article page is flattened inside `extract`, as for
        // `ingest` and `fetch` (see `pipeline::bound_nesting`).
        extract::extract(&text, &hints)
    };
    let context = boilerplate::Context {
        outlet: None,
        drop_lines: &[],
        templates: &NoTemplates,
        template_min_articles: u32::MAX,
    };
    let (article, _outcome) = boilerplate::strip(article, &context);
    Ok(render(path, &article, explain))
}

fn date_fields(date: &Option<Dated>) -> (Value, Value) {
    match date {
        Some(d) => (
            json!(d.at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            serde_json::to_value(d.source).unwrap_or(Value::Null),
        ),
        None => (Value::Null, Value::Null),
    }
}

/// The JSON line of one article.
fn render(path: &Path, article: &Article, explain: bool) -> Value {
    let (published, published_source) = date_fields(&article.published);
    let (modified, _) = date_fields(&article.modified);
    let mut line = json!({
        "source": path.to_string_lossy(),
        "title": article.title,
        "published": published,
        "published_source": published_source,
        "modified": modified,
        "lang": article.lang,
        "authors": article.authors,
        "canonical_url": article.canonical_url,
        "site_name": article.site_name,
        "paywalled": article.paywalled,
        "text": article.text(),
        "removed": article.removals.len(),
    });
    if explain {
        let removals: Vec<Value> = article
            .removals
            .iter()
            .map(|r| json!({"text": r.text, "reason": r.reason}))
            .collect();
        line["removals"] = Value::Array(removals);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;

    fn gzip(text: &str) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(text.as_bytes()).unwrap();
        encoder.finish().unwrap()
    }

    fn read_gz(bytes: &[u8]) -> Result<Vec<u8>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.html.gz");
        std::fs::write(&path, bytes).unwrap();
        read_bytes(&path)
    }

    #[test]
    fn gzip_files_read_in_one_call_or_streamed_give_the_same_bytes() {
        let page = "<p>Le ministère a confirmé mardi soir l'attaque.</p>".repeat(200);
        let one = gzip(&page);
        let mut out = Vec::with_capacity(page.len() + 1);
        assert!(gunzip_in_one_call(&one, &mut out));
        assert_eq!(out, page.as_bytes());
        assert_eq!(read_gz(&one).unwrap(), page.as_bytes());

        // Two members: streamed, both read.
        let mut two = gzip("<p>un</p>");
        two.extend(gzip("<p>deux</p>"));
        assert!(!gunzip_in_one_call(&two, &mut Vec::with_capacity(64)));
        assert_eq!(read_gz(&two).unwrap(), b"<p>un</p><p>deux</p>");

        // Compressed more than 64 times: the buffer sized from the file is too small for one
        // call, so it is streamed.
        let blank = " ".repeat(1_000_000);
        let squeezed = gzip(&blank);
        let mut small = Vec::with_capacity(squeezed.len() * 64 + 1);
        assert!(!gunzip_in_one_call(&squeezed, &mut small));
        assert_eq!(read_gz(&squeezed).unwrap(), blank.as_bytes());

        // A trailer with the wrong length: an error either way.
        let mut lying = one.clone();
        let at = lying.len() - 4;
        lying[at..].copy_from_slice(&7u32.to_le_bytes());
        assert!(!gunzip_in_one_call(
            &lying,
            &mut Vec::with_capacity(page.len() + 1)
        ));
        assert!(read_gz(&lying).unwrap_err().contains("decompressing"));

        // Cut short: an error either way.
        let cut = &one[..one.len() / 2];
        assert!(!gunzip_in_one_call(
            cut,
            &mut Vec::with_capacity(page.len() + 1)
        ));
        assert!(read_gz(cut).unwrap_err().contains("decompressing"));
    }
}
