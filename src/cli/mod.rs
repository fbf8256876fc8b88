//! The command line: `ingest`, `fetch`, `dump`, `extract`, `cluster`, `check`.
//!
//! Parses arguments with clap, sets up logging, runs one command and maps its result to
//! the documented exit status (see [`Exit`]). Each command lives in its own file and
//! drives the pipeline stages; none of them holds pipeline logic of its own.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{Config, Settings};
use crate::store::{Access, Store, StoreError};

mod check;
mod cluster_cmd;
mod cluster_orders;
mod dump;
mod extract_cmd;
mod fetch_cmd;
mod ingest;
mod report;

/// Exit statuses, documented in the README (cron users rely on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything went well.
    Ok = 0,
    /// Some items failed; the rest was done and stored.
    Partial = 1,
    /// Bad configuration or usage: nothing was done.
    Usage = 2,
    /// Another newsfold process holds the store: nothing was done.
    Busy = 3,
    /// The store could not be opened or written, or another fatal error.
    Fatal = 4,
}

/// Output format of log lines on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Output format of `dump`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    /// One JSON object per story per line.
    Jsonl,
    /// One JSON array of stories.
    Json,
    /// Headings and lists for a terminal or a note.
    Markdown,
}

/// newsfold: fetch news outlets, extract articles, strip boilerplate, group reports into stories.
#[derive(Debug, Parser)]
#[command(name = "newsfold", version, about)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// More log output (-v: info, -vv: debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch every outlet of feeds.toml and store new articles (the cron job).
    Ingest {
        /// The configuration file.
        #[arg(long, default_value = "feeds.toml")]
        config: PathBuf,
        /// The store directory (default: the one feeds.toml names).
        #[arg(long)]
        store: Option<PathBuf>,
        /// Fetch listed articles again even when stored, and report which changed (the
        /// stored text, identity and story are kept).
        #[arg(long)]
        refetch: bool,
    },
    /// Fetch one page now and print the cleaned article.
    Fetch {
        /// The page URL.
        url: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Also store and cluster it, and say which story it joined.
        #[arg(long)]
        save: bool,
        /// Show every removed line and why.
        #[arg(long)]
        explain: bool,
        /// The configuration file (for settings and outlet rules; optional).
        #[arg(long, default_value = "feeds.toml")]
        config: PathBuf,
        /// The store directory.
        #[arg(long)]
        store: Option<PathBuf>,
    },
    /// Print the clustered stories, newest first.
    Dump {
        /// The configuration file, read for the store path and lock wait (default:
        /// ./feeds.toml when it exists).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The store directory.
        #[arg(long)]
        store: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DumpFormat::Jsonl)]
        format: DumpFormat,
        /// Only stories seen within this long (e.g. 36h, 7d, 90m).
        #[arg(long)]
        since: Option<String>,
        /// Only stories with at least this many reports.
        #[arg(long, default_value_t = 1)]
        min_reports: usize,
    },
    /// Extract articles from .html, .html.gz or .txt files (offline, no store).
    Extract {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Show every removed line and why.
        #[arg(long)]
        explain: bool,
    },
    /// Cluster JSONL articles into stories (offline, no store).
    Cluster {
        /// Place the articles in order of publication date (undated ones last; articles
        /// of one date in a fixed order drawn from their ids), not in input order: the
        /// same stories whatever the order of the lines.
        #[arg(long)]
        by_date: bool,
        /// Cluster three times, each in a fixed order drawn from the ids (after the date
        /// with --by-date), and keep two articles together when two runs do: the same
        /// stories whatever the order of the lines, for three times the time.
        #[arg(long)]
        consensus: bool,
        /// JSONL input file, or - for standard input.
        #[arg(default_value = "-")]
        input: String,
    },
    /// Check the store's consistency and print its counts.
    Check {
        /// The configuration file, read for the store path and lock wait (default:
        /// ./feeds.toml when it exists).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The store directory.
        #[arg(long)]
        store: Option<PathBuf>,
    },
}

/// Runs the command line and returns the process exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage as i32
            } else {
                Exit::Ok as i32
            };
        }
    };
    init_logging(cli.log_format, cli.verbose);
    let exit = match cli.command {
        Command::Ingest {
            config,
            store,
            refetch,
        } => ingest::run(&config, store, refetch, cli.log_format),
        Command::Fetch {
            url,
            json,
            save,
            explain,
            config,
            store,
        } => fetch_cmd::run(
            &url,
            &fetch_cmd::Options {
                json,
                save,
                explain,
            },
            &config,
            store,
            cli.log_format,
        ),
        Command::Dump {
            config,
            store,
            format,
            since,
            min_reports,
        } => dump::run(
            config.as_deref(),
            store,
            format,
            since.as_deref(),
            min_reports,
        ),
        Command::Extract { paths, explain } => extract_cmd::run(&paths, explain),
        Command::Cluster {
            by_date,
            consensus,
            input,
        } => cluster_cmd::run(&input, cluster_cmd::Ordering { by_date, consensus }),
        Command::Check { config, store } => check::run(config.as_deref(), store),
    };
    exit as i32
}

/// Sets up tracing on stderr; with `--log-format json`, in the one JSON shape the
/// reporter also writes (see `report.rs`): no span fields, so every line has the same keys.
fn init_logging(format: LogFormat, verbose: u8) {
    report::set_format(format);
    let default = match verbose {
        0 => "newsfold=warn",
        1 => "newsfold=info",
        _ => "newsfold=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("NEWSFOLD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Text => builder.without_time().try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
}

/// The settings of a command that reads the store: from `config` (an error when given but
/// unreadable), else from `./feeds.toml` when it exists, else the defaults; `--store`
/// overrides the store path. Errors are printed; the `Err` is the exit status.
pub(crate) fn settings_for(
    config: Option<&Path>,
    store: Option<PathBuf>,
) -> Result<Settings, Exit> {
    let default_config = Path::new("feeds.toml");
    let path = match config {
        Some(path) => Some(path),
        None if default_config.is_file() => Some(default_config),
        None => None,
    };
    let mut settings = match path {
        Some(path) => match Config::load(path) {
            Ok(config) => config.settings,
            Err(e) => {
                report::error(&e.to_string());
                return Err(Exit::Usage);
            }
        },
        None => Settings::default(),
    };
    if let Some(store) = store {
        settings.store = store;
    }
    Ok(settings)
}

/// The settings and the existing store of a reading command (`dump`, `check`): see
/// [`settings_for`] and [`open_existing_store`]. Errors are printed; the `Err` is the exit
/// status.
pub(crate) fn open_store_to_read(
    config: Option<&Path>,
    store: Option<PathBuf>,
) -> Result<(Settings, Store), Exit> {
    let settings = settings_for(config, store)?;
    let store = open_existing_store(&settings)?;
    Ok((settings, store))
}

/// Opens an existing store for reading commands (`dump`, `check`), waiting up to the
/// settings' `lock_wait` for a running ingest. Errors are printed; the `Err` is the exit
/// status (3 when another process holds the store).
pub(crate) fn open_existing_store(settings: &Settings) -> Result<Store, Exit> {
    let dir = &settings.store;
    // sled creates its `db` file with the store: without it there is nothing to read, and
    // opening would create an empty store where the user mistyped a path.
    if !dir.join("db").is_file() {
        report::error(&format!(
            "no store at {} (run `newsfold ingest` first, or pass --store)",
            dir.display()
        ));
        return Err(Exit::Fatal);
    }
    Store::open(dir, Access::Wait(settings.lock_wait)).map_err(|e| store_failure(&e))
}

/// Prints a store error and returns its exit status: 3 for a busy store, else 4.
pub fn store_failure(err: &StoreError) -> Exit {
    report::error(&err.to_string());
    if err.is_busy() {
        Exit::Busy
    } else {
        Exit::Fatal
    }
}
