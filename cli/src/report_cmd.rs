//! `kakunin report`: check files and write a quality report for people who act on the problems
//! — one self-contained HTML page (or its numbers as JSON) holding counts, rates, rule ids and
//! record ids only. The core's `summary` module does the counting and the rendering, so Python's
//! `summarize(...).to_html()` writes the same bytes.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Args;
use kakunin::batch;
use kakunin::summary::{self, Period, SummaryOptions};

use crate::Fatal;
use crate::check::{Common, Setup};
use crate::output::{OutputFormat, Style, Writer};

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    common: Common,
    /// The record field to break counts down by: `health_center` (default), `prefecture`, a
    /// dotted path, a JSON Pointer or a mapped CSV header. Personal fields are refused.
    #[arg(long, value_name = "FIELD")]
    by: Option<String>,
    /// Periods of the chart of error and warning rates by diagnosis date.
    #[arg(long, value_enum, default_value = "week")]
    period: PeriodArg,
    /// `html`: one self-contained page; `json`: the same numbers for dashboards.
    #[arg(long, value_enum, default_value = "html")]
    format: ReportFormat,
    /// Where to write the report (`-` for standard output).
    #[arg(long, short)]
    output: PathBuf,
    /// Also write every finding, personal values shown, to this CSV file (for internal use only;
    /// the report itself never holds them).
    #[arg(long, value_name = "CSV")]
    reveal: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PeriodArg {
    Week,
    Month,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Html,
    Json,
}

fn create(path: &PathBuf) -> Result<Box<dyn Write>, Fatal> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(crate::stdout()));
    }
    Ok(Box::new(std::io::BufWriter::new(
        File::create(path).map_err(|e| crate::check::unwritable(path, &e))?,
    )))
}

pub fn run(args: ReportArgs) -> Result<ExitCode, Fatal> {
    let setup = Setup::new(&args.common, args.reveal.is_some())?;
    let plan = setup.rules.plan(&setup.options)?;
    let options = SummaryOptions {
        by: args.by.clone(),
        period: match args.period {
            PeriodArg::Week => Period::Week,
            PeriodArg::Month => Period::Month,
        },
    };
    for path in std::iter::once(&args.output).chain(&args.reveal) {
        setup.refuse_to_overwrite_an_input(path)?;
    }
    // Open both outputs before the run, so a bad path fails before minutes of checking.
    let mut out = create(&args.output)?;
    let mut findings = match &args.reveal {
        Some(path) => {
            let mut w = Writer::new(
                create(path)?,
                OutputFormat::Csv,
                Style {
                    colour: false,
                    locale: setup.options.locale,
                },
                setup.inputs.len() > 1,
                true,
            );
            w.begin(&setup.rules, &kakunin::date::format_day(plan.as_of()))?;
            Some(w)
        }
        None => None,
    };
    // Counts the records read: with cross-record rules selected, outcomes come only once the
    // whole input is read (see `summarize_stream`).
    let progress = crate::check::progress_bar(setup.options.locale);
    let starts = Arc::new(Mutex::new(Vec::new()));
    let mut write_error: Option<std::io::Error> = None;
    // The records are built with the report's fields (`--by`, the period) as well as what the
    // rules read: a narrow selection builds little of each CSV row.
    let reading = summary::Summarizer::new(&setup.rules, &plan, &options, setup.mapping.as_ref())
        .map_err(Fatal::from)?
        .key_reader()
        .plan_reading_keys(&plan);
    let reads = batch::CrossPass::new(&setup.rules, &reading);
    let summary = summary::summarize_stream(
        &setup.rules,
        &reading,
        &options,
        setup.mapping.as_ref(),
        setup.source(starts.clone(), &reads, progress.clone()),
        |outcome| {
            if let (Some(w), None) = (findings.as_mut(), &write_error) {
                let file = starts
                    .lock()
                    .ok()
                    .and_then(|s| crate::check::file_of(&s, outcome.position()))
                    .map(|i| setup.inputs[i].name.as_str())
                    .unwrap_or("-");
                if let Err(e) = w.record(file, outcome) {
                    write_error = Some(e);
                }
            }
        },
    )
    .map_err(Fatal::from)?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    setup.print_notes(&setup.notes());
    if let Some(e) = write_error {
        return Err(Fatal::say(
            format!("所見を書き込めません: {e}"),
            format!("writing findings: {e}"),
        ));
    }
    if let Some(mut w) = findings {
        w.out.flush()?;
    }
    let text = match args.format {
        ReportFormat::Html => summary.to_html(),
        ReportFormat::Json => summary.to_json() + "\n",
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| crate::check::unwritable(&args.output, &e))?;
    Ok(ExitCode::SUCCESS)
}
