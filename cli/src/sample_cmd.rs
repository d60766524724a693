//! `kakunin sample`: seeded, realistic HER-SYS records for trying kakunin and for benchmarks.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use kakunin_sample::{Config, flat_headers, flatten, generate};

use crate::Fatal;
use crate::output::csv_row;

#[derive(Args)]
pub struct SampleArgs {
    /// How many records.
    #[arg(long, default_value_t = 2000)]
    count: usize,
    /// Seed: the same seed gives the same records.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of records with an injected mistake (0–1).
    #[arg(long, default_value_t = 0.3)]
    error_rate: f64,
    /// `jsonl` (nested records) or `csv` (flat, dotted-path headers).
    #[arg(long, value_parser = ["jsonl", "csv"], default_value = "jsonl")]
    format: String,
    /// Also write, per record, the rule ids its injected mistake must trigger (JSON Lines).
    #[arg(long, value_name = "FILE")]
    mistakes: Option<PathBuf>,
    /// Write here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: SampleArgs) -> Result<ExitCode, Fatal> {
    if !(0.0..=1.0).contains(&args.error_rate) {
        return Err(Fatal("--error-rate is a share between 0 and 1".into()));
    }
    let config = Config {
        seed: args.seed,
        count: args.count,
        error_rate: args.error_rate,
        ..Config::default()
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?,
        )),
        None => Box::new(BufWriter::new(crate::stdout())),
    };
    let mut mistakes: Option<Box<dyn Write>> = match &args.mistakes {
        Some(path) => Some(Box::new(BufWriter::new(
            File::create(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?,
        ))),
        None => None,
    };
    let csv_mode = args.format == "csv";
    if csv_mode {
        out.write_all(&csv_row(flat_headers())?)?;
    }
    for sample in generate(&config) {
        if csv_mode {
            out.write_all(&csv_row(
                flatten(&sample.record).iter().map(|(_, v)| v.as_str()),
            )?)?;
        } else {
            serde_json::to_writer(&mut out, &sample.record)?;
            out.write_all(b"\n")?;
        }
        if let Some(m) = mistakes.as_mut() {
            let id = sample.record.get("id").cloned().unwrap_or_default();
            serde_json::to_writer(
                &mut *m,
                &serde_json::json!({ "id": id, "kind": sample.kind, "rules": sample.mistakes }),
            )?;
            m.write_all(b"\n")?;
        }
    }
    out.flush()?;
    if let Some(m) = mistakes.as_mut() {
        m.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}
