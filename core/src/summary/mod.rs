//! Quality summaries of a batch, for people who act on the problems: records affected by each
//! rule, rule groups × a record field (the health center) as rates, error and warning rates by
//! diagnosis week or month, completeness of the required items, and the records the
//! cross-record rules flagged.
//!
//! A [`Summary`] holds counts, rates, rule ids and record ids only — never a value of a record
//! field other than the one it is broken down by, and that one may not be a personal field — so
//! it can be published. It is built incrementally from batch outcomes by a [`Summarizer`]
//! (memory: counters per rule, group, field value and period, plus the ids of flagged records),
//! and rendered as JSON ([`Summary::to_json`]) or as one self-contained HTML file
//! ([`Summary::to_html`]), byte for byte the same in every host.

mod html;

pub use html::escape_html;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use crate::batch::{self, Item, Outcome};
use crate::date::{Day, civil_from_days, days_from_civil, format_day, parse_day, weekday};
use crate::error::{Error, Result};
use crate::finding::{Finding, PackInfo};
use crate::input::Mapping;
use crate::options::Locale;
use crate::ruleset::{Plan, RuleSet, quoted_text};

/// The rule group whose findings are missing required items (completeness).
const REQUIRED_GROUP: &str = "required";
/// How many distinct values of the breakdown field are counted apart; the rest share one row,
/// so a field with a value per record cannot make memory grow with the records.
pub const MAX_BREAKDOWN_VALUES: usize = 500;

/// The length of the periods of the time series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// Weeks starting on Monday.
    #[default]
    Week,
    /// Calendar months.
    Month,
}

impl std::str::FromStr for Period {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            _ => Err(option_error(
                "period",
                format!("`{}` is not week or month", quoted_text(s)),
            )),
        }
    }
}

impl Period {
    /// The first day of the period holding `day`.
    fn start(self, day: Day) -> Day {
        match self {
            // The first week of all begins before `Day::MIN`: it starts there.
            Period::Week => day.saturating_sub(weekday(day) as Day),
            Period::Month => {
                let (y, m, _) = civil_from_days(day);
                days_from_civil(y, m, 1)
            }
        }
    }

    fn label(self, start: Day) -> String {
        match self {
            Period::Week => format_day(start),
            Period::Month => {
                let (y, m, _) = civil_from_days(start);
                format!("{y:04}-{m:02}")
            }
        }
    }
}

/// What to summarize by.
#[derive(Debug, Clone, Default)]
pub struct SummaryOptions {
    /// The record field to break counts down by: a top-level key (`health_center`), a dotted
    /// path, a JSON Pointer or a header of the pack's mapping. Default: `health_center` when the
    /// record has one, else the pack's prefecture field, else no breakdown.
    pub by: Option<String>,
    /// Weeks or months.
    pub period: Period,
}

fn option_error(name: &str, message: String) -> Error {
    Error::InvalidOption {
        name: name.into(),
        message,
    }
}

/// A record field named as a JSON Pointer, a mapped header or a dotted path.
pub fn field_pointer(field: &str, mapping: Option<&Mapping>) -> String {
    if field.starts_with('/') {
        return field.to_owned();
    }
    if let Some(column) = mapping.and_then(|m| m.column(field)) {
        return column.path.clone();
    }
    field
        .split('.')
        .map(|p| format!("/{}", crate::path::escape_token(p)))
        .collect()
}

/// A summary key's value in a record: text, or `None` when not entered.
pub fn key_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(s) => Some(crate::text::trim(s))
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        other => Some(other.to_string()),
    }
}

/// What a summary needs of one record, read from the record by the thread that checks it (the
/// outcome of a check does not carry the record).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct RecordKeys {
    by: Option<String>,
    day: Option<Day>,
}

/// Reads [`RecordKeys`] from records: cheap, and shared by the threads that check them.
#[derive(Debug, Clone)]
pub struct KeyReader {
    by: Option<String>,
    dates: Vec<String>,
}

impl KeyReader {
    /// `plan` reading the fields the keys come from as well, for checking records whose keys
    /// are read ([`batch::check_stream_keeping`]): a reader that builds only what the rules read
    /// builds these fields too. The findings are those of `plan`.
    pub fn plan_reading_keys(&self, plan: &Plan) -> Plan {
        plan.also_reading_pointers(self.by.iter().chain(&self.dates).map(String::as_str))
    }

    /// The keys of one record.
    pub fn read(&self, record: &Value) -> RecordKeys {
        RecordKeys {
            by: self.by.as_deref().and_then(|p| key_text(record.pointer(p))),
            day: self.dates.iter().find_map(|p| {
                record
                    .pointer(p)
                    .and_then(Value::as_str)
                    .and_then(parse_day)
            }),
        }
    }
}

/// Counts of records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Input items (records and unreadable items).
    pub records: usize,
    /// Records checked.
    pub checked: usize,
    /// Input that is not a record (bad JSON, a CSV row with the wrong number of cells).
    pub unreadable: usize,
    /// Records a rule failed on (a script broke its limits).
    pub failed: usize,
    /// Checked records with at least one error.
    pub with_errors: usize,
    /// Checked records with at least one unacknowledged warning.
    pub with_warnings: usize,
    /// Checked records with at least one finding of any severity.
    pub with_findings: usize,
}

impl Totals {
    fn count(&mut self, outcome: &Outcome) {
        self.records += 1;
        match outcome {
            Outcome::Unreadable { .. } => self.unreadable += 1,
            Outcome::Failed { .. } => self.failed += 1,
            Outcome::Checked { report, .. } => {
                self.checked += 1;
                self.with_errors += usize::from(report.counts.error > 0);
                self.with_warnings += usize::from(report.counts.warning > 0);
                self.with_findings += usize::from(!report.findings.is_empty());
            }
        }
    }
}

/// `part / whole`, 0 for an empty whole.
pub fn rate(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// One rule's line of the summary.
#[derive(Debug, Clone, Serialize)]
pub struct RuleRow {
    /// Rule id.
    pub id: String,
    /// Its group (the id's prefix before `/`).
    pub group: String,
    /// `error`, `warning` or `info`.
    pub severity: &'static str,
    /// Title in the summary's locale.
    pub title: String,
    /// What the rule checks and why, in the summary's locale.
    pub doc: String,
    /// The legal or practical source.
    pub source: String,
    /// Records with at least one finding of the rule.
    pub records: usize,
    /// Findings of the rule.
    pub findings: usize,
}

/// Counts for one value of the breakdown field.
#[derive(Debug, Clone, Serialize)]
pub struct BreakdownRow {
    /// The value (`None`: not entered; [`Summary::other`] when past the limit of values).
    pub value: Option<String>,
    /// Records checked or failed with this value.
    pub records: usize,
    /// Of them, records with an error.
    pub with_errors: usize,
    /// Of them, records with an unacknowledged warning.
    pub with_warnings: usize,
    /// Records a rule failed on.
    pub failed: usize,
    /// Records with at least one finding of each group (aligned with [`Summary::groups`]).
    pub groups: Vec<usize>,
    /// Records missing each required item (aligned with [`Summary::items`]).
    pub missing: Vec<usize>,
}

/// Counts for one week or month of reference (diagnosis) dates.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodRow {
    /// `YYYY-MM-DD` of the week's Monday, or `YYYY-MM`.
    pub period: String,
    /// Records checked with a reference date in the period.
    pub records: usize,
    /// Of them, records with an error.
    pub with_errors: usize,
    /// Of them, records with an unacknowledged warning.
    pub with_warnings: usize,
}

/// A required item and how many records miss it.
#[derive(Debug, Clone, Serialize)]
pub struct RequiredItem {
    /// The field (a pattern such as `/notification/onset_on`).
    pub path: String,
    /// Its label in the summary's locale.
    pub label: String,
    /// Records missing it where it is required.
    pub missing: usize,
}

/// One record flagged by a cross-record rule, with the records it was matched with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Flagged {
    /// The record's id (`#n` for the n-th input item when it has none).
    pub id: String,
    /// Ids of the other records of its group (only ids of records the rule flagged).
    pub others: Vec<String>,
}

/// The records one cross-record rule flagged.
#[derive(Debug, Clone, Serialize)]
pub struct CrossRow {
    /// Rule id.
    pub rule: String,
    /// Title in the summary's locale.
    pub title: String,
    /// Flagged records, sorted by id.
    pub records: Vec<Flagged>,
}

/// The breakdown field.
#[derive(Debug, Clone, Serialize)]
pub struct ByField {
    /// Its JSON Pointer.
    pub path: String,
    /// Its label in the summary's locale.
    pub label: String,
}

/// Counts over a batch, ready to publish (see the module documentation).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The pack that judged the records.
    pub pack: PackInfo,
    /// The pack's title in the summary's locale.
    pub pack_title: String,
    /// The check date.
    pub as_of: String,
    /// Language of titles and labels.
    pub locale: Locale,
    /// The breakdown field (`None`: one row for all records).
    pub by: Option<ByField>,
    /// Weeks or months.
    pub period: Period,
    /// Headline counts.
    pub totals: Totals,
    /// Rules with at least one finding, most records affected first.
    pub rules: Vec<RuleRow>,
    /// Rule groups, sorted: the columns of the heat map.
    pub groups: Vec<String>,
    /// One row per value of the breakdown field, sorted (not entered last).
    pub breakdown: Vec<BreakdownRow>,
    /// Records per period of reference date, in time order.
    pub periods: Vec<PeriodRow>,
    /// Checked records without a valid reference date (not in `periods`).
    pub undated: usize,
    /// Required items, in rule order.
    pub items: Vec<RequiredItem>,
    /// Cross-record findings (probable duplicates), by rule.
    pub cross: Vec<CrossRow>,
}

impl Summary {
    /// The value naming the breakdown row that gathers values past [`MAX_BREAKDOWN_VALUES`].
    pub fn other() -> &'static str {
        "…"
    }

    /// The summary as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// One self-contained HTML document (styles and charts inline; nothing loaded at view time).
    pub fn to_html(&self) -> String {
        html::document(self)
    }

    /// The report as a fragment (a `<div>` with scoped styles), for notebooks.
    pub fn to_html_fragment(&self) -> String {
        html::fragment(self)
    }
}

/// Running counts of one rule.
struct RuleTally {
    id: String,
    group: usize,
    severity: &'static str,
    title: String,
    doc: String,
    source: String,
    cross: bool,
    records: usize,
    findings: usize,
    /// The last record (sequence number) counted, so a record counts once.
    seen: u64,
}

#[derive(Default)]
struct BreakdownTally {
    records: usize,
    with_errors: usize,
    with_warnings: usize,
    failed: usize,
    groups: Vec<usize>,
    missing: Vec<usize>,
}

#[derive(Default)]
struct PeriodTally {
    records: usize,
    with_errors: usize,
    with_warnings: usize,
}

/// Builds a [`Summary`] from outcomes, one at a time, in any order.
pub struct Summarizer<'r> {
    rules: &'r RuleSet,
    locale: Locale,
    as_of: Day,
    period: Period,
    by: Option<ByField>,
    reader: KeyReader,
    totals: Totals,
    tallies: Vec<RuleTally>,
    rule_index: HashMap<String, usize>,
    groups: Vec<String>,
    items: Vec<RequiredItem>,
    item_index: HashMap<String, usize>,
    breakdown: BTreeMap<Option<String>, BreakdownTally>,
    periods: BTreeMap<Day, PeriodTally>,
    undated: usize,
    flagged: BTreeMap<usize, Vec<Flagged>>,
    /// The sequence number of the record being counted.
    sequence: u64,
    /// Per group and per item: the last record counted.
    group_seen: Vec<u64>,
    item_seen: Vec<u64>,
}

impl<'r> Summarizer<'r> {
    /// A summarizer for outcomes of `plan` over `rules`. Fails when the breakdown field is
    /// unknown to the record schema or holds personal values.
    pub fn new(
        rules: &'r RuleSet,
        plan: &Plan,
        options: &SummaryOptions,
        mapping: Option<&Mapping>,
    ) -> Result<Self> {
        let locale = plan.options().locale;
        let schema = rules.schema();
        let by_path = match &options.by {
            Some(name) => {
                let path = field_pointer(name, mapping);
                if schema.holds_personal(&path) {
                    return Err(option_error(
                        "by",
                        format!(
                            "`{}` holds personal values; a report by it would publish them",
                            quoted_text(name)
                        ),
                    ));
                }
                if schema.field(&crate::path::pattern_of(&path)).is_none() {
                    return Err(option_error(
                        "by",
                        format!(
                            "`{}` is not a field of the {} record",
                            quoted_text(name),
                            rules.info().name
                        ),
                    ));
                }
                Some(path)
            }
            None => ["/health_center"]
                .into_iter()
                .map(str::to_owned)
                .chain(rules.manifest().prefecture.clone())
                .find(|p| schema.field(p).is_some_and(|f| !f.sensitive)),
        };
        let mut summarizer = Summarizer {
            rules,
            locale,
            as_of: plan.as_of(),
            period: options.period,
            by: by_path.map(|path| ByField {
                label: schema.label(&path, locale),
                path,
            }),
            reader: KeyReader {
                by: None,
                dates: rules.manifest().reference_date.clone(),
            },
            totals: Totals::default(),
            tallies: Vec::new(),
            rule_index: HashMap::new(),
            groups: Vec::new(),
            items: Vec::new(),
            item_index: HashMap::new(),
            breakdown: BTreeMap::new(),
            periods: BTreeMap::new(),
            undated: 0,
            flagged: BTreeMap::new(),
            sequence: 0,
            group_seen: Vec::new(),
            item_seen: Vec::new(),
        };
        summarizer.reader.by = summarizer.by.as_ref().map(|b| b.path.clone());
        let mut groups: Vec<String> = rules
            .rules()
            .iter()
            .enumerate()
            .filter(|(i, _)| plan.is_selected(*i))
            .map(|(_, r)| r.group.clone())
            .collect();
        groups.sort();
        groups.dedup();
        for group in groups {
            summarizer.group(&group);
        }
        for (i, rule) in rules.rules().iter().enumerate() {
            if !plan.is_selected(i) {
                continue;
            }
            summarizer.tally(&rule.id, None);
            if rule.group == REQUIRED_GROUP {
                for field in rule.required_fields() {
                    summarizer.item(field);
                }
            }
        }
        Ok(summarizer)
    }

    /// What to read of each record: hand it to the threads that check the records.
    pub fn key_reader(&self) -> KeyReader {
        self.reader.clone()
    }

    fn group(&mut self, name: &str) -> usize {
        if let Some(i) = self.groups.iter().position(|g| g == name) {
            return i;
        }
        self.groups.push(name.to_owned());
        self.group_seen.push(0);
        self.groups.len() - 1
    }

    fn item(&mut self, pattern: &str) -> usize {
        if let Some(&i) = self.item_index.get(pattern) {
            return i;
        }
        self.items.push(RequiredItem {
            path: pattern.to_owned(),
            label: self.rules.schema().label(pattern, self.locale),
            missing: 0,
        });
        self.item_seen.push(0);
        self.item_index
            .insert(pattern.to_owned(), self.items.len() - 1);
        self.items.len() - 1
    }

    /// The tally of a rule; a finding of a rule the pack does not list (`structure/not-an-object`)
    /// gets one on first sight.
    fn tally(&mut self, id: &str, finding: Option<&Finding>) -> usize {
        if let Some(&i) = self.rule_index.get(id) {
            return i;
        }
        let group = self.group(id.split('/').next().unwrap_or(id));
        let locale = self.locale;
        let tally = match self.rules.rule(id) {
            Some(rule) => RuleTally {
                id: id.to_owned(),
                group,
                severity: rule.severity.as_str(),
                title: rule.title.get(locale).to_owned(),
                doc: match locale {
                    Locale::Ja => rule.doc.ja.clone(),
                    Locale::En => rule.doc.en.clone(),
                },
                source: rule.doc.source.clone(),
                cross: rule.cross,
                records: 0,
                findings: 0,
                seen: 0,
            },
            None => RuleTally {
                id: id.to_owned(),
                group,
                severity: finding.map_or("error", |f| f.severity.as_str()),
                title: finding.map(|f| f.help.clone()).unwrap_or_default(),
                doc: String::new(),
                source: String::new(),
                cross: false,
                records: 0,
                findings: 0,
                seen: 0,
            },
        };
        self.tallies.push(tally);
        self.rule_index
            .insert(id.to_owned(), self.tallies.len() - 1);
        self.tallies.len() - 1
    }

    /// Counts one outcome, with the keys read from its record (`None` for unreadable input).
    pub fn add(&mut self, outcome: &Outcome, keys: Option<RecordKeys>) {
        self.sequence += 1;
        self.totals.count(outcome);
        let keys = keys.unwrap_or_default();
        let report = match outcome {
            Outcome::Unreadable { .. } => return,
            Outcome::Failed { .. } => {
                let key = self.row_key(keys.by);
                self.breakdown.entry(key).or_default().failed += 1;
                return;
            }
            Outcome::Checked { report, .. } => report,
        };
        let (has_error, has_warning) = (report.counts.error > 0, report.counts.warning > 0);
        match keys.day {
            Some(day) => {
                let p = self.periods.entry(self.period.start(day)).or_default();
                p.records += 1;
                p.with_errors += usize::from(has_error);
                p.with_warnings += usize::from(has_warning);
            }
            None => self.undated += 1,
        }
        let key = self.row_key(keys.by);
        let mut row = self.breakdown.remove(&key).unwrap_or_default();
        row.records += 1;
        row.with_errors += usize::from(has_error);
        row.with_warnings += usize::from(has_warning);
        let id = match outcome {
            Outcome::Checked { id, position, .. } => {
                id.clone().unwrap_or_else(|| format!("#{}", position + 1))
            }
            _ => String::new(),
        };
        for finding in &report.findings {
            let t = self.tally(&finding.rule, Some(finding));
            let sequence = self.sequence;
            let tally = &mut self.tallies[t];
            tally.findings += 1;
            if tally.seen != sequence {
                tally.seen = sequence;
                tally.records += 1;
                if tally.cross {
                    self.flagged.entry(t).or_default().push(Flagged {
                        id: id.clone(),
                        others: others(finding),
                    });
                }
            }
            let group = tally.group;
            if self.group_seen[group] != sequence {
                self.group_seen[group] = sequence;
                bump(&mut row.groups, group);
            }
            if finding.rule.starts_with("required/") {
                let item = self.item(&crate::path::pattern_of(&finding.path));
                if self.item_seen[item] != sequence {
                    self.item_seen[item] = sequence;
                    self.items[item].missing += 1;
                    bump(&mut row.missing, item);
                }
            }
        }
        self.breakdown.insert(key, row);
    }

    /// The breakdown row a value counts in: none without a breakdown field, and values past the
    /// limit share one row.
    fn row_key(&self, value: Option<String>) -> Option<String> {
        match value {
            _ if self.by.is_none() => None,
            Some(v)
                if self.breakdown.len() >= MAX_BREAKDOWN_VALUES
                    && !self.breakdown.contains_key(&Some(v.clone())) =>
            {
                Some(Summary::other().to_owned())
            }
            v => v,
        }
    }

    /// The summary.
    pub fn finish(self) -> Summary {
        let groups = self.groups.len();
        let items = self.items.len();
        let flagged_ids: std::collections::HashSet<(usize, String)> = self
            .flagged
            .iter()
            .flat_map(|(rule, list)| list.iter().map(move |f| (*rule, f.id.clone())))
            .collect();
        let cross = self
            .flagged
            .into_iter()
            .map(|(rule, mut records)| {
                for f in &mut records {
                    // Only ids of records the rule flagged itself: never another ctx value.
                    f.others
                        .retain(|o| flagged_ids.contains(&(rule, o.clone())));
                }
                records.sort();
                CrossRow {
                    rule: self.tallies[rule].id.clone(),
                    title: self.tallies[rule].title.clone(),
                    records,
                }
            })
            .collect();
        let mut rules: Vec<RuleRow> = self
            .tallies
            .into_iter()
            .filter(|t| t.findings > 0)
            .map(|t| RuleRow {
                group: self.groups[t.group].clone(),
                id: t.id,
                severity: t.severity,
                title: t.title,
                doc: t.doc,
                source: t.source,
                records: t.records,
                findings: t.findings,
            })
            .collect();
        rules.sort_by(|a, b| b.records.cmp(&a.records).then_with(|| a.id.cmp(&b.id)));
        // Sorted groups for the heat map's columns; counts follow their group.
        let mut order: Vec<usize> = (0..groups).collect();
        order.sort_by(|&a, &b| self.groups[a].cmp(&self.groups[b]));
        let mut breakdown: Vec<(Option<String>, BreakdownTally)> =
            self.breakdown.into_iter().collect();
        // Not entered last, the gathered rest just before it.
        breakdown.sort_by_key(|(v, _)| {
            (
                v.is_none(),
                v.as_deref() == Some(Summary::other()),
                v.clone(),
            )
        });
        Summary {
            pack: self.rules.info().clone(),
            pack_title: self.rules.manifest().title.get(self.locale).to_owned(),
            as_of: format_day(self.as_of),
            locale: self.locale,
            by: self.by,
            period: self.period,
            totals: self.totals,
            rules,
            groups: order.iter().map(|&g| self.groups[g].clone()).collect(),
            breakdown: breakdown
                .into_iter()
                .map(|(value, t)| BreakdownRow {
                    value,
                    records: t.records,
                    with_errors: t.with_errors,
                    with_warnings: t.with_warnings,
                    failed: t.failed,
                    groups: order.iter().map(|&g| count_at(&t.groups, g)).collect(),
                    missing: (0..items).map(|i| count_at(&t.missing, i)).collect(),
                })
                .collect(),
            periods: self
                .periods
                .into_iter()
                .map(|(start, p)| PeriodRow {
                    period: self.period.label(start),
                    records: p.records,
                    with_errors: p.with_errors,
                    with_warnings: p.with_warnings,
                })
                .collect(),
            undated: self.undated,
            items: self.items,
            cross,
        }
    }
}

fn bump(counts: &mut Vec<usize>, at: usize) {
    if counts.len() <= at {
        counts.resize(at + 1, 0);
    }
    counts[at] += 1;
}

fn count_at(counts: &[usize], at: usize) -> usize {
    counts.get(at).copied().unwrap_or(0)
}

/// The ids a cross-record finding names in its `other` context (checked against the flagged ids
/// before they are published).
fn others(finding: &Finding) -> Vec<String> {
    match finding.ctx.get("other") {
        Some(Value::Array(ids)) => ids
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Checks a stream of items (as [`batch::check_stream_reads`] takes them) and summarizes the
/// outcomes; `each` sees every outcome too (for a findings file).
///
/// Each record's keys are read by the thread that checks it, from the record it built (see
/// [`batch::check_stream_keeping`]), with `plan` made to read them too. A `source` that builds
/// only what a plan reads should build for that plan ([`KeyReader::plan_reading_keys`]): the
/// keys may be fields no rule reads. With cross-record rules the input is read once
/// ([`batch::check_stream_folded`]): the outcomes, and `each`, come only once the checking read
/// has ended.
pub fn summarize_stream<I, S>(
    rules: &RuleSet,
    plan: &Plan,
    options: &SummaryOptions,
    mapping: Option<&Mapping>,
    source: S,
    mut each: impl FnMut(&Outcome),
) -> Result<Summary>
where
    I: Iterator<Item = Item> + Send,
    S: FnMut(batch::Read) -> Result<I>,
{
    let mut summarizer = Summarizer::new(rules, plan, options, mapping)?;
    let reader = summarizer.key_reader();
    let plan = &reader.plan_reading_keys(plan);
    let keys = |record: &Value| reader.read(record);
    let sink = |outcome: Outcome, keys: Option<RecordKeys>| {
        summarizer.add(&outcome, keys);
        each(&outcome);
    };
    // A summary keeps no outcome: they wait in a temporary file, and memory stays flat.
    #[cfg(all(feature = "files", feature = "parallel"))]
    batch::check_stream_folded_keeping(
        rules,
        plan,
        source,
        batch::Folding {
            read_ahead_on_a_thread: true,
            in_memory: false,
        },
        &keys,
        sink,
    )?;
    #[cfg(not(all(feature = "files", feature = "parallel")))]
    batch::check_stream_keeping(rules, plan, source, &keys, sink)?;
    Ok(summarizer.finish())
}

#[cfg(test)]
mod tests;
