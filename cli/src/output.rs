//! The four output formats of `kakunin check`: text for people, JSON, JSON Lines and CSV for
//! programs. Each writes as outcomes arrive, so memory stays flat however long the input.

use std::io::{self, Write};

use kakunin::batch::Outcome;
use kakunin::{Finding, Locale, RuleSet, Severity};

use crate::summary::Summary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Jsonl,
    Csv,
}

pub struct Style {
    pub colour: bool,
    pub locale: Locale,
}

impl Style {
    /// A word or phrase in the run's language.
    fn say<'w>(&self, ja: &'w str, en: &'w str) -> &'w str {
        match self.locale {
            Locale::Ja => ja,
            Locale::En => en,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// A severity as a word of the run's language.
    fn severity_word(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Error => self.say("エラー", "error"),
            Severity::Warning => self.say("警告", "warning"),
            Severity::Info => self.say("情報", "info"),
        }
    }

    fn severity(&self, f: &Finding) -> String {
        let (code, word) = match (f.severity, f.acknowledged) {
            (_, true) => ("2", self.say("確認済", "ack")),
            (severity, false) => {
                let code = match severity {
                    Severity::Error => "1;31",
                    Severity::Warning => "33",
                    Severity::Info => "36",
                };
                (code, self.severity_word(severity))
            }
        };
        // Padded by display width: a Japanese character takes two columns.
        let pad = 7usize.saturating_sub(unicode_width::UnicodeWidthStr::width(word));
        self.paint(code, &format!("{word}{}", " ".repeat(pad)))
    }
}

pub struct Writer<'a> {
    pub out: Box<dyn Write + 'a>,
    pub format: OutputFormat,
    pub style: Style,
    pub show_file: bool,
    /// Text: list records with problems (otherwise only the summary).
    pub list_records: bool,
    started: bool,
    /// The pack of the run, set by [`Writer::begin`]: its schema names the fields in text.
    rules: Option<&'a RuleSet>,
}

/// One CSV row, quoted as needed.
pub fn csv_row<I, T>(fields: I) -> io::Result<Vec<u8>>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// Fills each `{}` of a template with the next count, in order.
fn fill(template: &str, values: &[usize]) -> String {
    let mut out = String::new();
    let mut values = values.iter();
    for (i, piece) in template.split("{}").enumerate() {
        if i > 0 {
            out.push_str(&values.next().map(ToString::to_string).unwrap_or_default());
        }
        out.push_str(piece);
    }
    out
}

/// One record's line of `jsonl` output (and element of `json`), keys in this order.
#[derive(serde::Serialize)]
struct RecordOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    line: u64,
    /// `Some(None)` writes `"id": null`; `None` leaves the key out (unreadable input has no id).
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<&'a [kakunin::Finding]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn outcome_json<'a>(file: Option<&'a str>, outcome: &'a Outcome) -> RecordOut<'a> {
    let base = RecordOut {
        file,
        line: 0,
        id: None,
        ok: None,
        findings: None,
        error: None,
    };
    match outcome {
        Outcome::Checked {
            line, id, report, ..
        } => RecordOut {
            line: *line,
            id: Some(id.as_deref()),
            ok: Some(report.ok),
            findings: Some(&report.findings),
            ..base
        },
        Outcome::Unreadable { line, message, .. } => RecordOut {
            line: *line,
            error: Some(message.clone()),
            ..base
        },
        Outcome::Failed {
            line, id, error, ..
        } => RecordOut {
            line: *line,
            id: Some(id.as_deref()),
            error: Some(error.to_string()),
            ..base
        },
    }
}

const CSV_HEADER: [&str; 10] = [
    "file",
    "line",
    "id",
    "rule",
    "severity",
    "acknowledged",
    "path",
    "paths",
    "message",
    "error",
];

impl<'a> Writer<'a> {
    pub fn new(
        out: Box<dyn Write + 'a>,
        format: OutputFormat,
        style: Style,
        show_file: bool,
        list_records: bool,
    ) -> Self {
        Writer {
            out,
            format,
            style,
            show_file,
            list_records,
            started: false,
            rules: None,
        }
    }

    /// Starts the output of a run judged on `as_of` (`YYYY-MM-DD`).
    pub fn begin(&mut self, rules: &'a RuleSet, as_of: &str) -> io::Result<()> {
        self.rules = Some(rules);
        match self.format {
            OutputFormat::Json => {
                let pack = serde_json::to_string(rules.info()).unwrap_or_default();
                write!(
                    self.out,
                    "{{\"pack\":{pack},\"as_of\":\"{as_of}\",\"records\":["
                )?;
            }
            OutputFormat::Csv => self.out.write_all(&csv_row(CSV_HEADER)?)?,
            _ => {}
        }
        Ok(())
    }

    pub fn record(&mut self, file: &str, outcome: &Outcome) -> io::Result<()> {
        let file_field = self.show_file.then_some(file);
        match self.format {
            OutputFormat::Jsonl => {
                serde_json::to_writer(&mut self.out, &outcome_json(file_field, outcome))?;
                self.out.write_all(b"\n")
            }
            OutputFormat::Json => {
                if self.started {
                    self.out.write_all(b",")?;
                }
                self.started = true;
                serde_json::to_writer(&mut self.out, &outcome_json(file_field, outcome))
                    .map_err(io::Error::other)
            }
            OutputFormat::Csv => {
                match outcome {
                    Outcome::Checked {
                        line, id, report, ..
                    } => {
                        for f in &report.findings {
                            self.out.write_all(&csv_row([
                                file,
                                &line.to_string(),
                                id.as_deref().unwrap_or(""),
                                &f.rule,
                                f.severity.as_str(),
                                if f.acknowledged { "true" } else { "false" },
                                &f.path,
                                &f.paths.join(";"),
                                &f.message,
                                "",
                            ])?)?;
                        }
                    }
                    Outcome::Unreadable { line, message, .. } => {
                        self.out.write_all(&csv_row([
                            file,
                            &line.to_string(),
                            "",
                            "",
                            "",
                            "",
                            "",
                            "",
                            "",
                            message,
                        ])?)?;
                    }
                    Outcome::Failed {
                        line, id, error, ..
                    } => {
                        let error = error.to_string();
                        self.out.write_all(&csv_row([
                            file,
                            &line.to_string(),
                            id.as_deref().unwrap_or(""),
                            "",
                            "",
                            "",
                            "",
                            "",
                            "",
                            &error,
                        ])?)?;
                    }
                }
                Ok(())
            }
            OutputFormat::Text if self.list_records => self.text_record(file, outcome),
            OutputFormat::Text => Ok(()),
        }
    }

    fn text_record(&mut self, file: &str, outcome: &Outcome) -> io::Result<()> {
        let ja = self.style.locale == Locale::Ja;
        let place = |line: u64| match (self.show_file, ja) {
            (true, _) => format!("{file}:{line}"),
            (false, true) => format!("{line} 行目"),
            (false, false) => format!("line {line}"),
        };
        match outcome {
            Outcome::Checked { report, .. } if report.findings.is_empty() => Ok(()),
            Outcome::Checked {
                line, id, report, ..
            } => {
                let c = report.counts;
                let parts: Vec<String> = [
                    (c.error, "エラー", "error"),
                    (c.warning, "警告", "warning"),
                    (c.info, "情報", "info"),
                    (c.acknowledged, "確認済み", "acknowledged"),
                ]
                .into_iter()
                .filter(|&(n, ..)| n > 0)
                .map(|(n, word_ja, word)| match ja {
                    true => format!("{word_ja} {n} 件"),
                    // "info" and "acknowledged" take no plural.
                    false if n > 1 && matches!(word, "error" | "warning") => format!("{n} {word}s"),
                    false => format!("{n} {word}"),
                })
                .collect();
                let no_id = self.style.say("（ID なし）", "(no id)");
                let head = format!("{} · {}", place(*line), id.as_deref().unwrap_or(no_id));
                writeln!(
                    self.out,
                    "{}  {}",
                    self.style.paint("1", &head),
                    parts.join(self.style.say("、", ", "))
                )?;
                let mut last_path: Option<&str> = None;
                for f in &report.findings {
                    if last_path != Some(f.path.as_str()) {
                        let field = self.field_heading(&f.path);
                        writeln!(self.out, "  {}", self.style.paint("4", &field))?;
                        last_path = Some(&f.path);
                    }
                    writeln!(
                        self.out,
                        "    {} {}  {}",
                        self.style.severity(f),
                        self.style.paint("2", &f.rule),
                        f.message
                    )?;
                }
                writeln!(self.out)
            }
            Outcome::Unreadable { line, message, .. } => {
                let word = self.style.say("読み取り不能", "unreadable");
                writeln!(
                    self.out,
                    "{}  {} {message}\n",
                    self.style.paint("1", &place(*line)),
                    self.style.paint("1;31", word)
                )
            }
            Outcome::Failed { line, error, .. } => {
                let word = self.style.say("評価失敗", "failed");
                writeln!(
                    self.out,
                    "{}  {} {error}\n",
                    self.style.paint("1", &place(*line)),
                    self.style.paint("1;31", word)
                )
            }
        }
    }

    /// A field as a person knows it, its label in the run's language, then where it is:
    /// `診断年月日  /notification/diagnosed_on`. Findings on the record as a whole have no path.
    fn field_heading(&self, path: &str) -> String {
        if path.is_empty() {
            return self.style.say("（記録全体）", "(record)").into();
        }
        match self.rules {
            Some(rules) => {
                let label = rules.schema().label(path, self.style.locale);
                format!("{label}  {path}")
            }
            None => path.into(),
        }
    }

    pub fn end(&mut self, summary: &Summary, notes: &[String]) -> io::Result<()> {
        match self.format {
            OutputFormat::Json => {
                let s = serde_json::to_string(summary).unwrap_or_default();
                let notes = serde_json::to_string(notes).unwrap_or_default();
                writeln!(self.out, "],\"notes\":{notes},\"summary\":{s}}}")?;
            }
            OutputFormat::Text => self.text_summary(summary)?,
            OutputFormat::Csv | OutputFormat::Jsonl => {}
        }
        self.out.flush()
    }

    fn text_summary(&mut self, s: &Summary) -> io::Result<()> {
        // Pad by display width: Japanese characters take two columns on a terminal.
        let pad = |text: &str, width: usize| {
            let w = unicode_width::UnicodeWidthStr::width(text);
            format!("{text}{}", " ".repeat(width.saturating_sub(w)))
        };
        let lpad = |text: &str, width: usize| {
            let w = unicode_width::UnicodeWidthStr::width(text);
            format!("{}{text}", " ".repeat(width.saturating_sub(w)))
        };
        let ja = self.style.locale == Locale::Ja;
        let (h_rule, h_sev, h_rec, h_find, h_title) = if ja {
            ("ルール", "重大度", "記録数", "件数", "内容")
        } else {
            ("rule", "severity", "records", "findings", "title")
        };
        let width = s
            .rules
            .keys()
            .map(|k| k.len())
            .max()
            .unwrap_or(4)
            .max(h_rule.len());
        writeln!(
            self.out,
            "{}",
            self.style
                .paint("1", self.style.say("ルール別の集計", "Summary by rule"))
        )?;
        let mut rows: Vec<(&String, &crate::summary::RuleCount)> = s.rules.iter().collect();
        rows.sort_by(|a, b| {
            a.1.severity
                .cmp(&b.1.severity)
                .then(b.1.records.cmp(&a.1.records))
                .then(a.0.cmp(b.0))
        });
        writeln!(
            self.out,
            "  {}  {} {} {}  {h_title}",
            pad(h_rule, width),
            pad(h_sev, 8),
            lpad(h_rec, 8),
            lpad(h_find, 8)
        )?;
        for (id, c) in rows {
            let sev = c
                .severity
                .map(|s| self.style.severity_word(s))
                .unwrap_or("");
            writeln!(
                self.out,
                "  {}  {} {:>8} {:>8}  {}",
                pad(id, width),
                pad(sev, 8),
                c.records,
                c.findings,
                c.title
            )?;
        }
        if s.rules.is_empty() {
            writeln!(
                self.out,
                "  {}",
                self.style.say("（所見なし）", "(no findings)")
            )?;
        }
        writeln!(self.out)?;
        let f = |k: &str| s.findings.get(k).copied().unwrap_or(0);
        let (records, findings) = if ja {
            (
                "記録 {} 件を読み込み: 確認 {} 件、読み取り不能 {} 件、評価失敗 {} 件。エラーのある記録 {} 件、警告のある記録 {} 件。",
                "所見: エラー {} 件、警告 {} 件、情報 {} 件、確認済みの警告 {} 件。",
            )
        } else {
            (
                "{} records read: {} checked, {} unreadable, {} failed; {} with errors, {} with warnings.",
                "Findings: {} errors, {} warnings, {} info, {} acknowledged warnings.",
            )
        };
        let counts = [
            s.records_read,
            s.records_checked,
            s.records_unreadable,
            s.records_failed,
            s.records_with_errors,
            s.records_with_warnings,
        ];
        writeln!(self.out, "{}", fill(records, &counts))?;
        writeln!(
            self.out,
            "{}",
            fill(
                findings,
                &[f("error"), f("warning"), f("info"), f("acknowledged")]
            )
        )
    }
}
