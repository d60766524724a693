//! `kakunin`: check case-record files against a rule pack, and work with packs.
//!
//! Exit status: 0 when no record has an `error` finding, 1 when one has (or could not be read
//! or judged), 2 when the run could not be done (bad arguments, unreadable pack, missing file).
//! A reader of the output that stops early (`kakunin … | head`) ends the run quietly: `check`
//! then exits as the records judged so far say, the other commands with 0.

mod check;
mod fatal;
mod output;
mod report_cmd;
mod rules_cmd;
mod sample_cmd;
mod summary;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use kakunin::RuleSet;

pub use fatal::Fatal;

// Checking builds and drops many small values per record (the parsed record, findings):
// mimalloc's thread-local free lists cost a fraction of the system allocator's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "kakunin",
    version,
    about = "確認 — data-quality rules for infectious-disease case records (HER-SYS)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check records in JSON Lines, JSON or CSV files (plain or gzip-compressed), or Excel
    /// workbooks (the first sheet).
    Check(check::CheckArgs),
    /// List, explain, test and lint the rules of a pack.
    Rules {
        #[command(subcommand)]
        command: rules_cmd::RulesCommand,
    },
    /// Write a quality report of files: one self-contained HTML page (or JSON) of counts and
    /// rates by rule, rule group × health center, diagnosis week, completeness, duplicates.
    Report(report_cmd::ReportArgs),
    /// Write generated HER-SYS case records (seeded; a known share with mistakes).
    Sample(sample_cmd::SampleArgs),
}

/// Loads a bundled pack by name or a pack folder by path.
pub fn load_pack(pack: &str) -> Result<Arc<RuleSet>, Fatal> {
    if kakunin_rules::PACKS.contains(&pack) {
        return kakunin_rules::bundled(pack).map_err(|e| unloaded(pack, &e));
    }
    let dir = std::path::Path::new(pack);
    if !dir.is_dir() {
        let pack = fatal::cut(pack);
        return Err(Fatal::say(
            format!(
                "パック `{pack}` がありません（同梱のパック hersys、opendata でも、フォルダーでもありません）"
            ),
            format!("no pack `{pack}`: not a bundled pack (hersys, opendata) nor a folder"),
        ));
    }
    RuleSet::from_dir(dir)
        .map(Arc::new)
        .map_err(|e| unloaded(pack, &e))
}

/// A pack that could not be loaded, with the core's details (file, rule, line).
fn unloaded(pack: &str, e: &kakunin::Error) -> Fatal {
    Fatal::say(
        format!("パック {pack} を読み込めません: {e}"),
        format!("pack {pack}: {e}"),
    )
}

/// Set once a write to standard output finds the pipe closed by its reader.
static OUTPUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether the reader of standard output went away (see [`Stdout`]).
pub fn output_closed() -> bool {
    OUTPUT_CLOSED.load(Ordering::Relaxed)
}

/// Standard output for the commands' results. A write that finds the pipe closed still fails,
/// so the command stops writing, but it is noted: a reader that had enough is not a failure
/// of the run.
pub struct Stdout(std::io::StdoutLock<'static>);

pub fn stdout() -> Stdout {
    Stdout(std::io::stdout().lock())
}

impl Stdout {
    fn noted<T>(result: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &result
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            OUTPUT_CLOSED.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Self::noted(self.0.write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Self::noted(self.0.flush())
    }
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    // What the command prints on its own follows its `--locale`, as its findings do.
    fatal::set_locale(fatal::locale_of(&matches).unwrap_or_default());
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Rules { command } => rules_cmd::run(command),
        Command::Report(args) => report_cmd::run(args),
        Command::Sample(args) => sample_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        Err(_) if output_closed() => ExitCode::SUCCESS,
        Err(Fatal(message)) => {
            eprintln!("kakunin: {}", message.lines().next().unwrap_or_default());
            ExitCode::from(2)
        }
    }
}
