//! `kakunin check`: stream files through the rules, write each record's outcome in input order,
//! then a summary.

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Args;
use kakunin::batch::{self, Item, Outcome};
use kakunin::input::{self, CsvReader, Format, Mapping, Note, OpenError, Unopened};
use kakunin::{CheckOptions, Locale, RuleSet, Stage, Tier};

use crate::output::{OutputFormat, Style, Writer};
use crate::summary::Summary;
use crate::{Fatal, load_pack};

/// What `check` and `report` share: the files, the pack and the options of the check.
#[derive(Args)]
pub struct Common {
    /// Files to check (`-` for standard input); `.gz` files are read through.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Pack: `hersys`, `opendata` or a pack folder. Detected from the file when left out
    /// (a 陽性患者属性 header means `opendata`).
    #[arg(long)]
    pack: Option<String>,
    /// Today's date for "in the future" and elapsed-time rules (default: today in Japan).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// `draft`: a form being filled (absent fields are not reported); `submit`: everything.
    #[arg(long, value_enum, default_value = "submit")]
    stage: StageArg,
    /// Only rules owned by these tiers.
    #[arg(long = "tier", value_enum)]
    tiers: Vec<TierArg>,
    /// Only these rules or groups.
    #[arg(long, value_name = "ID|GROUP")]
    select: Vec<String>,
    /// Not these rules or groups.
    #[arg(long, value_name = "ID|GROUP")]
    ignore: Vec<String>,
    /// Language of findings, and of what the command says itself: notes on the files, errors
    /// that stop the run, the summary.
    #[arg(long, value_enum, default_value = "ja")]
    locale: LocaleArg,
    /// Input format (default: from the extension, then the content).
    #[arg(long, value_name = "jsonl|json|csv|xlsx")]
    input_format: Option<String>,
}

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    common: Common,
    /// Show personal values (names, addresses, phones, birth dates) in findings.
    #[arg(long)]
    reveal: bool,
    /// Output: `text` for people, `json`, `jsonl` (one object per record) or `csv` (one row per finding).
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
    /// Write the output here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Text output: only the summary, not each record.
    #[arg(long)]
    summary: bool,
    /// Benchmark baseline: read and parse the input exactly as `check` does, run no rule, print
    /// the number of records.
    #[arg(long, hide = true)]
    parse_only: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum StageArg {
    Draft,
    Submit,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum TierArg {
    Hc,
    Pref,
    Nat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LocaleArg {
    Ja,
    En,
}

/// One input file: its bytes come from disk (or, for `-`, from stdin kept in memory so the
/// cross-record pass can read it twice).
pub struct Input {
    pub name: String,
    path: Option<PathBuf>,
    stdin: Option<Arc<Vec<u8>>>,
    format: Format,
}

impl Input {
    fn open(&self) -> Result<Box<dyn Read + Send>, OpenError> {
        match (&self.path, &self.stdin) {
            (Some(path), _) => input::open_file(path),
            (None, Some(bytes)) => {
                input::unpacked(std::io::Cursor::new(SharedBytes(bytes.clone()))).map_err(|why| {
                    OpenError {
                        path: self.name.clone(),
                        why,
                    }
                })
            }
            (None, None) => Err(OpenError {
                path: self.name.clone(),
                why: Unopened::Missing,
            }),
        }
    }
}

struct SharedBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn inputs(args: &Common) -> Result<Vec<Input>, Fatal> {
    let forced = match args.input_format.as_deref() {
        Some(name) => Some(name.parse::<Format>().map_err(|en| {
            Fatal::say(
                format!(
                    "入力形式 `{}` は使えません（jsonl、json、csv、xlsx のいずれかを指定してください）",
                    crate::fatal::cut(name)
                ),
                en,
            )
        })?),
        None => None,
    };
    let mut out = Vec::new();
    for path in &args.files {
        let input = if path == Path::new("-") {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes)?;
            let mut input = Input {
                name: "-".into(),
                path: None,
                stdin: Some(Arc::new(bytes)),
                format: Format::JsonLines,
            };
            let read = input.open()?;
            input.format = forced.unwrap_or_else(|| Format::of_reader(path, read));
            input
        } else {
            // Each read of a batch opens the file again: a pipe (`<(zcat …)`) cannot be read
            // twice, and is no file.
            if !path.is_file() && !path.is_dir() {
                return Err(OpenError {
                    path: path.display().to_string(),
                    why: Unopened::Missing,
                }
                .into());
            }
            Input {
                name: path.display().to_string(),
                path: Some(path.clone()),
                stdin: None,
                format: Format::of_file(path, forced)?,
            }
        };
        out.push(input);
    }
    Ok(out)
}

/// The pack for the files: `opendata` when a CSV header is the 陽性患者属性 layout.
fn detect_pack(inputs: &[Input]) -> Result<String, Fatal> {
    let opendata = kakunin_rules::bundled("opendata")?;
    let mapping = pack_mapping(&opendata)?;
    for input in inputs {
        let csv = match input.format {
            Format::Csv => CsvReader::new(input.open()?),
            Format::Workbook => CsvReader::from_workbook(input.open()?),
            Format::JsonLines | Format::JsonArray => continue,
        };
        if let (Ok(csv), Some(mapping)) = (csv, mapping.as_ref())
            && mapping.matches_header(csv.headers()) >= 3
            && csv.headers().iter().any(|h| h == "公表_年月日")
        {
            return Ok("opendata".into());
        }
    }
    Ok("hersys".into())
}

pub fn pack_mapping(rules: &RuleSet) -> Result<Option<Mapping>, Fatal> {
    Ok(rules.csv_mapping()?)
}

fn options(args: &Common, reveal: bool) -> Result<CheckOptions, Fatal> {
    let mut options = CheckOptions {
        stage: match args.stage {
            StageArg::Draft => Stage::Draft,
            StageArg::Submit => Stage::Submit,
        },
        tiers: args
            .tiers
            .iter()
            .map(|t| match t {
                TierArg::Hc => Tier::Hc,
                TierArg::Pref => Tier::Pref,
                TierArg::Nat => Tier::Nat,
            })
            .collect(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        locale: match args.locale {
            LocaleArg::Ja => Locale::Ja,
            LocaleArg::En => Locale::En,
        },
        reveal,
        ..CheckOptions::default()
    };
    if let Some(date) = &args.as_of {
        options = options.with_as_of(date).map_err(|e| {
            Fatal::say(
                format!(
                    "--as-of の `{}` は正しい日付ではありません（YYYY-MM-DD で指定してください）",
                    crate::fatal::cut(date)
                ),
                e.to_string(),
            )
        })?;
    }
    Ok(options)
}

/// The files of a run, the pack that judges them and its mapping, and the check options.
pub struct Setup {
    pub inputs: Vec<Input>,
    pub rules: Arc<RuleSet>,
    pub mapping: Option<Mapping>,
    pub options: CheckOptions,
    /// What the readers of the checking read noted about the files, in the run's language
    /// (see [`Setup::notes`]).
    notes: Mutex<Vec<String>>,
}

impl Setup {
    pub fn new(args: &Common, reveal: bool) -> Result<Setup, Fatal> {
        let inputs = inputs(args)?;
        let pack = match &args.pack {
            Some(p) => p.clone(),
            None => detect_pack(&inputs)?,
        };
        let rules = load_pack(&pack)?;
        let mapping = pack_mapping(&rules)?;
        let options = options(args, reveal)?;
        Ok(Setup {
            inputs,
            rules,
            mapping,
            options,
            notes: Mutex::default(),
        })
    }

    /// What the readers noted about the files, each after its file's name and in the run's
    /// language: decisions a user should know of, such as CSV columns left out (see
    /// [`input::Records::notes`]).
    pub fn notes(&self) -> Vec<String> {
        self.notes.lock().map(|n| n.clone()).unwrap_or_default()
    }

    /// A note about the file `name`, in the run's language.
    pub fn said(&self, name: &str, note: &Note) -> String {
        format!("{name}: {}", note.message(self.options.locale))
    }

    /// Prints the notes to standard error, each on a line of its own after `kakunin: note: `
    /// (`注意: ` in Japanese).
    pub fn print_notes(&self, notes: &[String]) {
        let word = match self.options.locale {
            Locale::Ja => "注意",
            Locale::En => "note",
        };
        for note in notes {
            eprintln!("kakunin: {word}: {note}");
        }
    }

    /// Refuses an output file that is one of the inputs: creating it would empty the input
    /// before it is read.
    pub fn refuse_to_overwrite_an_input(&self, output: &Path) -> Result<(), Fatal> {
        let Ok(output) = std::fs::canonicalize(output) else {
            // An output that does not exist yet is not an input.
            return Ok(());
        };
        let is_input = self.inputs.iter().any(|input| {
            input
                .path
                .as_deref()
                .and_then(|p| std::fs::canonicalize(p).ok())
                .is_some_and(|p| p == output)
        });
        if is_input {
            let output = output.display();
            return Err(Fatal::say(
                format!("{output}: 出力先が入力ファイルです。書き込むと入力が消えてしまいます"),
                format!("{output}: the output would overwrite an input file"),
            ));
        }
        Ok(())
    }

    /// The records of every file, one after another, for each read of a batch. The checking
    /// read fills `starts` with where each file begins, and counts its items on `progress`.
    /// Only the fields each read uses are built (where the reader can leave the rest out):
    /// those `reads` says.
    pub fn source<'s>(
        &'s self,
        starts: Arc<Mutex<Vec<(usize, usize)>>>,
        reads: &'s batch::CrossPass<'s>,
        progress: Option<indicatif::ProgressBar>,
    ) -> impl FnMut(batch::Read) -> Result<FileChain, kakunin::Error> + 's {
        move |read| {
            let checking = read == batch::Read::Check;
            // The other reads may stop early: where files start is noted by the checking read.
            let starts = if checking {
                starts.lock().map(|mut s| s.clear()).unwrap_or_default();
                self.notes.lock().map(|mut n| n.clear()).unwrap_or_default();
                starts.clone()
            } else {
                Arc::default()
            };
            let mut items: Vec<(usize, FileItems)> = Vec::new();
            for (index, input) in self.inputs.iter().enumerate() {
                let reader = input.open()?;
                // JSON Lines are parsed by the threads that check them, not by the reader, and
                // so are CSV rows built.
                let file: FileItems = match input.format {
                    input::Format::JsonLines => Box::new(input::read_unparsed(reader)),
                    format => {
                        let records = input::read(reader, format, self.mapping.as_ref());
                        if checking && let Ok(mut notes) = self.notes.lock() {
                            let said =
                                (records.notes().iter()).map(|note| self.said(&input.name, note));
                            notes.extend(said);
                        }
                        reads.built_for(records, read).into_items()
                    }
                };
                items.push((index, file));
            }
            Ok(FileChain {
                files: items.into_iter(),
                current: None,
                position: 0,
                starts,
                progress: progress.clone().filter(|_| checking),
            })
        }
    }
}

pub fn run(args: CheckArgs) -> Result<ExitCode, Fatal> {
    let setup = Setup::new(&args.common, args.reveal)?;
    let (inputs, rules, mapping, options) =
        (&setup.inputs, &setup.rules, &setup.mapping, &setup.options);
    let plan = rules.plan(options)?;
    if args.parse_only {
        let mut count = 0usize;
        for input in inputs {
            count += input::read(input.open()?, input.format, mapping.as_ref())
                .filter(Result::is_ok)
                .count();
        }
        writeln!(crate::stdout(), "{count}")?;
        return Ok(ExitCode::SUCCESS);
    }

    if let Some(path) = &args.output {
        setup.refuse_to_overwrite_an_input(path)?;
    }
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            File::create(path).map_err(|e| unwritable(path, &e))?,
        )),
        None => Box::new(std::io::BufWriter::new(crate::stdout())),
    };
    let colour = args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let mut writer = Writer::new(
        out,
        args.format,
        Style {
            colour,
            locale: options.locale,
        },
        inputs.len() > 1,
        !args.summary,
    );
    writer.begin(rules, &kakunin::date::format_day(plan.as_of()))?;

    // Counts the records read: with cross-record rules selected, outcomes are handed over only
    // once the whole input is read (see `check_stream_folded`).
    let progress = progress_bar(options.locale);

    // Which file each position came from; filled by the checking read, which runs ahead of the
    // outcomes handed to the sink.
    let starts: Arc<Mutex<Vec<(usize, usize)>>> = Arc::new(Mutex::new(Vec::new()));
    let mut summary = Summary::default();
    let mut write_error: Option<std::io::Error> = None;
    let reads = batch::CrossPass::new(rules, &plan);
    let source = setup.source(starts.clone(), &reads, progress.clone());
    // The outcomes wait in a temporary file: memory stays flat whatever the input's length.
    let folding = batch::Folding {
        read_ahead_on_a_thread: true,
        in_memory: false,
    };
    batch::check_stream_folded(rules, &plan, source, folding, |outcome: Outcome| {
        if write_error.is_some() {
            return;
        }
        let file = starts
            .lock()
            .ok()
            .and_then(|s| file_of(&s, outcome.position()))
            .map(|i| inputs[i].name.as_str())
            .unwrap_or("-");
        summary.add(rules, options.locale, &outcome);
        if let Err(e) = writer.record(file, &outcome) {
            write_error = Some(e);
        }
    })?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let mut notes = setup.notes();
    if let Ok(starts) = starts.lock() {
        // An export that came out empty would otherwise pass as a file without findings.
        notes.extend(
            files_without_records(&starts, summary.records_read)
                .map(|i| setup.said(&inputs[i].name, &Note::NoRecords)),
        );
    }
    setup.print_notes(&notes);
    let written = match write_error {
        Some(e) => Err(e),
        None => writer.end(&summary, &notes),
    };
    match written {
        // The reader had enough (`| head`): the records judged so far set the status.
        Err(_) if crate::output_closed() => {}
        Err(e) => {
            return Err(Fatal::say(
                format!("出力を書き込めません: {e}"),
                format!("writing output: {e}"),
            ));
        }
        Ok(()) => {}
    }
    Ok(if summary.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// An output file that could not be created: its path, and the system's words.
pub fn unwritable(path: &Path, e: &std::io::Error) -> Fatal {
    let path = path.display();
    Fatal::say(
        format!("{path}: 書き込めません: {e}"),
        format!("{path}: {e}"),
    )
}

/// A spinner on stderr counting the records read, when stderr is a terminal.
pub fn progress_bar(locale: Locale) -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        let template = match locale {
            Locale::Ja => "{spinner} {pos} 件読み込み（{per_sec}）",
            Locale::En => "{spinner} {pos} records read ({per_sec})",
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar
    })
}

pub fn file_of(starts: &[(usize, usize)], position: usize) -> Option<usize> {
    let i = starts.partition_point(|(start, _)| *start <= position);
    i.checked_sub(1).map(|i| starts[i].1)
}

/// The files that held no record, from where each file starts (`(position, file)`, in order) and
/// how many records were read in all.
fn files_without_records(
    starts: &[(usize, usize)],
    records: usize,
) -> impl Iterator<Item = usize> + '_ {
    let ends = starts.iter().skip(1).map(|(start, _)| *start);
    (starts.iter().zip(ends.chain([records])))
        .filter(|((start, _), end)| start == end)
        .map(|((_, file), _)| *file)
}

/// The items of one file: records, or lines and rows left for the checking threads to parse
/// and build.
pub type FileItems = Box<dyn Iterator<Item = Item> + Send>;

/// The records of several files one after another, noting where each file starts.
pub struct FileChain {
    files: std::vec::IntoIter<(usize, FileItems)>,
    current: Option<FileItems>,
    position: usize,
    starts: Arc<Mutex<Vec<(usize, usize)>>>,
    /// Counts the items handed over.
    progress: Option<indicatif::ProgressBar>,
}

impl Iterator for FileChain {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(records) = self.current.as_mut()
                && let Some(item) = records.next()
            {
                self.position += 1;
                if let Some(bar) = &self.progress {
                    bar.inc(1);
                }
                return Some(item);
            }
            let (index, records) = self.files.next()?;
            if let Ok(mut starts) = self.starts.lock() {
                starts.push((self.position, index));
            }
            self.current = Some(records);
        }
    }

    /// The last file passes over the items itself, as cheaply as its reader can; the files
    /// before it, item by item (a file does not say how many items it holds).
    fn nth(&mut self, mut n: usize) -> Option<Item> {
        while self.files.len() > 0 || self.current.is_none() {
            if n == 0 {
                return self.next();
            }
            self.next()?;
            n -= 1;
        }
        let item = self.current.as_mut()?.nth(n);
        if item.is_some() {
            self.position += n + 1;
        }
        item
    }
}
