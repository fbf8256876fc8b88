//! `newsfold cluster [--by-date] [--consensus] [FILE|-]`: JSONL articles in, JSONL story
//! assignments out, no store.
//!
//! Input lines: `{"id", "text", "title"?, "date"? (YYYY-MM-DD or RFC 3339), "url"?,
//! "lang"?, "outlet"?}`; other fields are ignored. Output: one line per good input line,
//! in input order, printed once the last line is read: `{"id", "story", "copy_of"}`.
//! Articles are placed one at a time, in input order, then the refinement rounds
//! (`cluster::refine`) settle the stories, exactly as `ingest` does in the store, so the
//! same file gives the same stories. Story ids are `s-` followed by the id of the story's
//! first article, or `r-` and the id of the report that opened it in the rounds.
//! A malformed line (bad JSON, a missing field, a bad date, bytes that are not UTF-8) is
//! reported on stderr with its line number, the run goes on, and the exit status is 1.
//! So is a line whose id an earlier line already used: ids name articles in the output,
//! and two articles under one name could not be told apart there (the first is kept).
//! `--by-date` and `--consensus` place the articles in an order of their own, so that
//! the stories do not depend on the order of the lines (`cluster_orders`).
//!
//! The command asks Linux for ordinary pages, not transparent huge pages, which cost more
//! to zero at first touch than they save (`small_pages_only`).
//!
//! Development only: `NF_TUNE="th=0.2 mix=0.5 ..."` overrides `cluster::Config` fields
//! for tuning runs (keys in `tuned_config`); unset, the one default configuration runs.
//! `NF_HUGE_PAGES` set leaves the huge pages on, for measuring.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, BufReader, BufWriter, Write};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use super::cluster_orders::Ordering;
use super::cluster_orders::{cluster_ordered, Source};
use super::Exit;
use crate::cluster::{self, Config, Doc, MemoryState, State, StateError};

#[derive(Deserialize)]
struct InputLine {
    id: serde_json::Value,
    text: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    outlet: Option<String>,
}

#[derive(Serialize)]
pub(super) struct OutputLine<'a> {
    pub(super) id: &'a str,
    pub(super) story: &'a str,
    pub(super) copy_of: Option<&'a str>,
}

/// Clusters JSONL articles and prints JSONL.
pub fn run(input: &str, ordering: Ordering) -> Exit {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let config = tuned_config();
    small_pages_only();
    let done = if ordering.by_date || ordering.consensus {
        match Source::open(input) {
            Ok(source) => cluster_ordered(source, ordering, &config, &mut out, input),
            Err(e) => {
                super::report::error(&format!("opening {input}: {e}"));
                return Exit::Usage;
            }
        }
    } else {
        let reader: Box<dyn BufRead> = if input == "-" {
            Box::new(BufReader::new(io::stdin().lock()))
        } else {
            match File::open(input) {
                Ok(f) => Box::new(BufReader::with_capacity(1 << 20, f)),
                Err(e) => {
                    super::report::error(&format!("opening {input}: {e}"));
                    return Exit::Usage;
                }
            }
        };
        cluster_lines(reader, &config, &mut out, input)
    };
    match done.and_then(|failed| out.flush().map(|_| failed)) {
        Ok(false) => Exit::Ok,
        Ok(true) => Exit::Partial,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Ok,
        Err(e) => {
            super::report::error(&format!("cluster: {e}"));
            Exit::Fatal
        }
    }
}

/// Asks Linux for ordinary 4 KiB pages for the rest of the process, unless
/// `NF_HUGE_PAGES` is set (for measuring). The allocator asks for transparent huge pages,
/// and the state is written once and never handed back, so each 2 MiB page is zeroed by
/// the kernel on first touch: on the 2-core VMs newsfold is measured on, that zeroing ran
/// at about 250 MB/s and took 6.5-8 s of a 51-52 s run at 1M articles, where small pages
/// cost 1.4 s of faults and 1 s more of TLB misses (1M wall 45.9 s against 51.8 s, 100k
/// 3.9 s against 4.7 s, alternated runs; `scripts/bench_cluster.md`, twenty-first
/// session). Failure (an old kernel) only leaves the default.
fn small_pages_only() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("NF_HUGE_PAGES").is_none() {
        let _ = rustix::thread::disable_transparent_huge_pages(true);
    }
}

/// Places every line's article; returns whether some line failed.
fn cluster_lines(
    mut reader: Box<dyn BufRead>,
    config: &Config,
    out: &mut impl Write,
    name: &str,
) -> io::Result<bool> {
    let mut state = MemoryState::new();
    let mut seen = SeenIds::default();
    let failed = read_articles(&mut *reader, name, |line, doc| {
        let holds =
            |number| Ok::<_, StateError>(state.doc(number)?.is_some_and(|d| d.id == doc.id));
        if let Some(first) = seen.first_line(&doc.id, holds).map_err(io::Error::other)? {
            report_repeat(name, line.index, &doc.id, first);
            return Ok(false);
        }
        match cluster::assign_in_memory(&mut state, &doc, config) {
            Ok(_) => {
                let number = state.docs().map_err(io::Error::other)? - 1;
                seen.insert(&doc.id, number, line.index + 1);
                Ok(true)
            }
            Err(e) => {
                super::report::error(&format!("{name}:{}: {e}", line.index + 1));
                Ok(false)
            }
        }
    })?;
    // Articles are numbered in the order they were placed, which is input order.
    let placed = state.docs().map_err(io::Error::other)?;
    state.end_placing();
    write_stories(&state, config, 0..placed, out)?;
    Ok(failed)
}

/// Settles the stories (the refinement rounds) and prints one line per article, the
/// articles taken by number in the order `numbers` gives.
pub(super) fn write_stories(
    state: &MemoryState,
    config: &Config,
    numbers: impl Iterator<Item = u64>,
    out: &mut impl Write,
) -> io::Result<()> {
    let refined = cluster::refine::refine(state, config).map_err(io::Error::other)?;
    for number in numbers {
        let record = state.doc(number).map_err(io::Error::other)?;
        let Some(record) = record else { continue };
        let line = OutputLine {
            id: &record.id,
            story: refined.story_id(number as usize).unwrap_or_default(),
            copy_of: record.copy_of.as_deref(),
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Where an input line lies.
#[derive(Clone, Copy)]
pub(super) struct Line {
    /// Its number, from 0.
    pub(super) index: usize,
    /// Its first byte, and its length with the line end.
    pub(super) at: u64,
    pub(super) len: usize,
}

/// Reads `reader` line by line and hands each article to `place`, which says whether it
/// took it; a line that is not an article is reported on stderr with its number. Returns
/// whether some line failed.
pub(super) fn read_articles(
    reader: &mut dyn BufRead,
    name: &str,
    mut place: impl FnMut(Line, Doc) -> io::Result<bool>,
) -> io::Result<bool> {
    let mut failed = false;
    // One line buffer for the whole run (`lines()` would allocate a String per line).
    // Bytes, not a String: a line that is not UTF-8 is one bad line, not the end of the run.
    let mut bytes = Vec::new();
    let mut at = 0u64;
    for index in 0usize.. {
        bytes.clear();
        let len = reader.read_until(b'\n', &mut bytes)?;
        if len == 0 {
            break;
        }
        let line = Line { index, at, len };
        at += len as u64;
        match read_doc(&bytes) {
            Ok(Some(doc)) => failed |= !place(line, doc)?,
            Ok(None) => {}
            Err(e) => {
                super::report::error(&format!("{name}:{}: {e}", index + 1));
                failed = true;
            }
        }
    }
    Ok(failed)
}

/// Reports a line whose id line `first` (from 1) used already.
pub(super) fn report_repeat(name: &str, index: usize, id: &str, first: usize) {
    super::report::error(&format!(
        "{name}:{}: id {id:?} was already used on line {first}; skipped",
        index + 1
    ));
}

/// One input line's article: `None` for a blank line, an error for a line that is not
/// UTF-8 or not an article.
pub(super) fn read_doc(bytes: &[u8]) -> Result<Option<Doc>, String> {
    let line = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (byte {} of the line); skipped",
            e.valid_up_to() + 1
        )
    })?;
    if line.trim().is_empty() {
        return Ok(None);
    }
    parse_line(line).map(Some)
}

/// The ids used so far, and the line that used each: by a hash of the id, with the
/// number of the record that holds the id itself (an article in the state, a line in
/// `--by-date`'s index), since the records keep the ids (the 1M synthetic stream's peak
/// memory grew by 79 MiB with the ids kept again as strings, 52 MiB this way; for the
/// index, 0.5 s and 75 MiB). A hash that two different ids share sends the later id to
/// `others`, which keeps it whole.
#[derive(Default)]
pub(super) struct SeenIds {
    by_hash: HashMap<u64, (u64, usize)>,
    others: HashMap<String, usize>,
}

impl SeenIds {
    fn hash(id: &str) -> u64 {
        let mut hasher = std::hash::DefaultHasher::new();
        id.hash(&mut hasher);
        hasher.finish()
    }

    /// The line that used `id` first, if one did; `holds(number)` says whether record
    /// `number` holds `id`.
    pub(super) fn first_line<E>(
        &self,
        id: &str,
        holds: impl Fn(u64) -> Result<bool, E>,
    ) -> Result<Option<usize>, E> {
        if let Some((number, line)) = self.by_hash.get(&Self::hash(id)) {
            if holds(*number)? {
                return Ok(Some(*line));
            }
        }
        Ok(self.others.get(id).copied())
    }

    /// Notes that record `number`, from `line`, holds `id` (not seen before).
    pub(super) fn insert(&mut self, id: &str, number: u64, line: usize) {
        match self.by_hash.entry(Self::hash(id)) {
            Entry::Vacant(slot) => {
                slot.insert((number, line));
            }
            Entry::Occupied(_) => {
                self.others.insert(id.to_string(), line);
            }
        }
    }
}

/// `Config::default()`, with the development overrides of `NF_TUNE` when it is set. A key
/// it does not know or a value that is not a number is reported and skipped.
fn tuned_config() -> Config {
    let mut config = Config::default();
    let Ok(tune) = std::env::var("NF_TUNE") else {
        return config;
    };
    for kv in tune.split_whitespace() {
        let parsed = kv
            .split_once('=')
            .and_then(|(k, v)| v.parse::<f32>().ok().map(|f| (k, f)));
        let Some((key, f)) = parsed else {
            super::report::error(&format!("NF_TUNE: {kv:?} is not key=number; skipped"));
            continue;
        };
        match key {
            "th" => config.threshold = f,
            "win" => config.window_days = f as i32,
            "far" => config.far_factor = f,
            "mis" => config.undated_factor = f,
            "rank" => config.undated_rank_factor = f,
            "conf" => config.day_conflict_factor = f,
            "n0" => config.min_docs_for_idf = f,
            "keys" => config.key_terms = f as usize,
            "cap" => config.story_terms = f as usize,
            "cand" => config.candidates = f as usize,
            "pcap" => config.postings_cap = f as usize,
            "ent" => config.weights.entity = f,
            "num" => config.weights.number = f,
            "lead" => config.weights.lead = f,
            "nlead" => config.weights.lead_lines = f as usize,
            "date" => config.weights.date = f,
            "anc" => config.weights.anchor = f,
            "mix" => config.anchor_mix = f,
            "floor" => config.anchor_floor = f,
            "young" => config.young_boost = f,
            "rterms" => config.refine_terms = f as usize,
            "rounds" => config.refine_rounds = f as usize,
            "rkeys" => config.refine_keys = f as usize,
            "rcand" => config.refine_candidates = f as usize,
            "rper" => config.refine_per_term = f as usize,
            "rth" => config.refine_threshold = f,
            "leave" => config.leave_floor = f,
            "rmis" => config.refine_undated_factor = f,
            "merge" => config.merge_threshold = f,
            "mgap" => config.merge_dating_gap = f,
            "cn" => config.contrast_neighbours = f as usize,
            "cs" => config.contrast_strength = f,
            "split" => config.split_threshold = f,
            "shalf" => config.split_min_half = f as usize,
            "passes" => config.refine_passes = f as usize,
            "explain" => config.explain = f != 0.0,
            _ => super::report::error(&format!("NF_TUNE: unknown key {key:?}; skipped")),
        }
    }
    config
}

/// Reads one input line into a [`Doc`].
fn parse_line(line: &str) -> Result<Doc, String> {
    // serde would read a JSON array as the fields in order, and then complain about its
    // second element's type: say what the line should be instead.
    if !line.trim_start().starts_with('{') {
        return Err("reading the article: not a JSON object ({\"id\", \"text\", ...})".into());
    }
    let input: InputLine =
        serde_json::from_str(line).map_err(|e| format!("reading the article: {e}"))?;
    let id = match input.id {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        other => {
            return Err(format!(
                "reading the article: id must be a string or a number, got {other}"
            ))
        }
    };
    let date = match input.date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(parse_date(s).ok_or_else(|| {
            format!("reading the date of {id}: {s:?} is not YYYY-MM-DD or RFC 3339")
        })?),
    };
    Ok(Doc {
        id,
        title: input.title,
        text: input.text,
        date,
        url: input.url,
        lang: input.lang,
        outlet: input.outlet,
    })
}

/// A `YYYY-MM-DD` day (midnight UTC) or an RFC 3339 instant. No text is both (an
/// instant has a time after its day), so the instant is tried first: it needs no format
/// string read at every call, and streams of articles mostly carry instants.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(s) {
        return Some(instant.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::{parse_date, SeenIds};
    use crate::cluster::{self, Config, Doc, MemoryState, State, StateError};

    /// Does article `number` of `state` hold `id`?
    fn holds<'a>(
        state: &'a MemoryState,
        id: &'a str,
    ) -> impl Fn(u64) -> Result<bool, StateError> + 'a {
        move |number| Ok(state.doc(number)?.is_some_and(|d| d.id == id))
    }

    #[test]
    fn an_id_whose_hash_another_id_holds_is_still_told_apart() {
        let mut state = MemoryState::new();
        let doc = Doc {
            id: "a".into(),
            text: "Un drone a visé la base d'Aïn al-Assad.".into(),
            ..Doc::default()
        };
        cluster::assign_in_memory(&mut state, &doc, &Config::default()).expect("memory state");
        let mut seen = SeenIds::default();
        // As if "b" hashed to the slot that article 0 ("a", line 1) holds.
        seen.by_hash.insert(SeenIds::hash("b"), (0, 1));
        assert_eq!(
            seen.first_line("b", holds(&state, "b")).ok(),
            Some(None),
            "b not placed yet"
        );
        seen.insert("b", 1, 2);
        assert_eq!(seen.first_line("b", holds(&state, "b")).ok(), Some(Some(2)));
        assert_eq!(
            seen.first_line("a", holds(&state, "a")).ok(),
            Some(None),
            "a not noted yet"
        );
        seen.insert("a", 0, 1);
        assert_eq!(seen.first_line("a", holds(&state, "a")).ok(), Some(Some(1)));
        assert_eq!(seen.first_line("b", holds(&state, "b")).ok(), Some(Some(2)));
    }

    #[test]
    fn dates_are_days_or_instants() {
        let at = |s: &str| parse_date(s).map(|d| d.to_rfc3339());
        assert_eq!(at("2024-07-16"), Some("2024-07-16T00:00:00+00:00".into()));
        assert_eq!(
            at("2024-07-16T10:30:00+02:00"),
            Some("2024-07-16T08:30:00+00:00".into())
        );
        assert_eq!(
            at("2021-01-01T00:02:52Z"),
            Some("2021-01-01T00:02:52+00:00".into())
        );
        for bad in ["2024-07-16T10:30:00", "16/07/2024", "2024-13-01", ""] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }
}
