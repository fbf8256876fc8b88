//! `newsfold check`: the store's consistency and what it holds.
//!
//! Prints the counts issue 6 asks of `stats` (outlets, feeds with their last success and
//! failure, articles, copies, stories, size on disk), then any problem found. Exit 0 when
//! consistent, 4 when not (3 when another process holds the store).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{open_store_to_read, report, store_failure, Exit};
use crate::store::CheckReport;

/// Checks the store.
pub fn run(config: Option<&Path>, store: Option<PathBuf>) -> Exit {
    let (settings, store) = match open_store_to_read(config, store) {
        Ok(opened) => opened,
        Err(exit) => return exit,
    };
    let report = match store.check() {
        Ok(r) => r,
        Err(e) => return store_failure(&e),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match write_report(&mut out, &settings.store, &report) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            report::error(&format!("writing the check report: {e}"));
            return Exit::Fatal;
        }
    }
    if report.is_consistent() {
        Exit::Ok
    } else {
        report::error(&format!(
            "store {} is inconsistent: {} problem{}",
            settings.store.display(),
            report.problem_count,
            if report.problem_count == 1 { "" } else { "s" }
        ));
        Exit::Fatal
    }
}

/// Writes the report for a terminal.
pub fn write_report(out: &mut dyn Write, store: &Path, report: &CheckReport) -> io::Result<()> {
    let verdict = if report.is_consistent() {
        "consistent"
    } else {
        "INCONSISTENT"
    };
    writeln!(
        out,
        "store {}: {verdict} (schema {})",
        store.display(),
        report.schema
    )?;
    let failing = report
        .feeds
        .iter()
        .filter(|f| f.failures.unwrap_or(0) > 0)
        .count();
    writeln!(out, "outlets       {}", report.outlets)?;
    writeln!(
        out,
        "feeds         {} ({failing} failing)",
        report.feeds.len()
    )?;
    writeln!(out, "articles      {}", report.articles)?;
    writeln!(out, "copies        {}", report.copies)?;
    writeln!(out, "stories       {}", report.stories)?;
    writeln!(out, "urls          {}", report.urls)?;
    writeln!(out, "size on disk  {}", human_bytes(report.bytes_on_disk))?;
    for feed in &report.feeds {
        let when = |t: &Option<String>| t.clone().unwrap_or_else(|| "never".into());
        write!(
            out,
            "feed {}: last success {}, last failure {}",
            feed.url,
            when(&feed.last_success),
            when(&feed.last_failure)
        )?;
        match (feed.failures, &feed.last_error) {
            (Some(n), Some(e)) if n > 0 => {
                writeln!(out, " ({n} in a row: {})", report::reason(&feed.url, e))?
            }
            (Some(n), None) if n > 0 => writeln!(out, " ({n} in a row)")?,
            _ => writeln!(out)?,
        }
    }
    for problem in &report.problems {
        writeln!(out, "problem: {problem}")?;
    }
    let unlisted = report.problem_count - report.problems.len();
    if unlisted > 0 {
        writeln!(out, "problem: … and {unlisted} more")?;
    }
    Ok(())
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {} ({n} bytes)", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_binary_units() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB (1536 bytes)");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB (3145728 bytes)");
    }
}
