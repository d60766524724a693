//! `RuleSet`: a pack compiled once, and `check`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, PoisonError, RwLock};

use rustc_hash::FxHashSet;
use serde_json::Value;

use crate::check::{self, CodeTable, CompileEnv, Env, Kind, Raw};
use crate::condition::CondEnv;
use crate::date::{Day, format_day, parse_date, parse_day};
use crate::error::{Error, Result};
use crate::finding::{Finding, PackInfo, Report, sort_findings};
use crate::message::Template;
use crate::options::{CheckOptions, ListOptions, Locale, is_prefecture_code};
use crate::pack::{
    self, DocSpec, ExampleSpec, Manifest, PackFiles, ParsedPack, RuleSpec, Severity, Stage, Text,
    Tier,
};
use crate::path::FieldPath;
use crate::schema::RecordSchema;
use crate::script::{Limits, hardened_engine};
use crate::sparse::Wanted;
use crate::text::trim;
use crate::view::View;

/// When a rule is in force, judged on a record's reference date (and prefecture).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applies {
    /// First day (inclusive).
    pub from: Option<Day>,
    /// Last day (inclusive).
    pub until: Option<Day>,
    /// Other periods for some prefectures (2-digit code → (from, until)).
    pub prefectures: BTreeMap<String, (Option<Day>, Option<Day>)>,
}

impl Applies {
    /// Whether the rule is in force for a record with this reference date and prefecture.
    pub fn in_force(&self, day: Day, prefecture: Option<&str>) -> bool {
        let (from, until) = prefecture
            .and_then(|p| self.prefectures.get(p))
            .copied()
            .unwrap_or((self.from, self.until));
        from.is_none_or(|f| day >= f) && until.is_none_or(|u| day <= u)
    }

    /// `2021-02-10 → 2022-06-29`, `→ 2022-06-29`, `always`.
    pub fn describe(&self) -> String {
        let period = |from: Option<Day>, until: Option<Day>| {
            let day = |d: Option<Day>| d.map(format_day).unwrap_or_default();
            format!("{} → {}", day(from), day(until)).trim().to_owned()
        };
        let mut out = match (self.from, self.until) {
            (None, None) => "always".to_owned(),
            (f, u) => period(f, u),
        };
        for (pref, (f, u)) in &self.prefectures {
            out.push_str(&format!("; prefecture {pref}: {}", period(*f, *u)));
        }
        out
    }
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `group/name`.
    pub id: String,
    /// The group (`dates`).
    pub group: String,
    /// Severity.
    pub severity: Severity,
    /// Owning tiers.
    pub tiers: Vec<Tier>,
    /// Silent in the draft stage.
    pub submit_only: bool,
    /// Title in both languages.
    pub title: Text,
    /// The message templates as written.
    pub message: Text,
    /// The other messages its checks may choose by name (`[variants.<name>]`), as written;
    /// [`Rule::variant_checks`] says which checks choose each.
    pub variants: BTreeMap<String, Text>,
    /// Documentation.
    pub doc: DocSpec,
    /// Effective period.
    pub applies: Applies,
    /// Examples (the rule's tests).
    pub examples: Vec<ExampleSpec>,
    /// The rule file, relative to the pack.
    pub file: String,
    /// Whether the rule looks across records (runs in batches only).
    pub cross: bool,
    pub(crate) templates: [Template; 2],
    pub(crate) variant_templates: BTreeMap<String, [Template; 2]>,
    pub(crate) variant_names: Vec<String>,
    pub(crate) checks: Vec<check::Check>,
}

impl Rule {
    fn template(&self, variant: Option<&str>, locale: Locale) -> &Template {
        let pair = variant
            .and_then(|v| self.variant_templates.get(v))
            .unwrap_or(&self.templates);
        match locale {
            Locale::Ja => &pair[0],
            Locale::En => &pair[1],
        }
    }

    /// The ctx keys of each message (the rule's, then each variant's), with the keys used as
    /// `{key:label}` (whose value must be a path).
    pub fn placeholders(&self) -> Vec<(BTreeSet<String>, BTreeSet<String>)> {
        std::iter::once(&self.templates)
            .chain(self.variant_templates.values())
            .map(|pair| {
                let mut keys = BTreeSet::new();
                let mut labels = BTreeSet::new();
                for t in pair {
                    keys.extend(t.keys().map(str::to_owned));
                    labels.extend(t.label_keys().map(str::to_owned));
                }
                (keys, labels)
            })
            .collect()
    }

    /// What `rules list` shows of a rule, the same object in every host: id, group, severity,
    /// tiers, titles, stage, whether it looks across records, its checks and when it is in force.
    pub fn summary(&self) -> Value {
        let day = |d: Option<Day>| d.map(format_day);
        let prefectures: serde_json::Map<String, Value> = self
            .applies
            .prefectures
            .iter()
            .map(|(p, (f, u))| {
                (
                    p.clone(),
                    serde_json::json!({ "from": day(*f), "until": day(*u) }),
                )
            })
            .collect();
        serde_json::json!({
            "id": self.id,
            "group": self.group,
            "severity": self.severity,
            "tiers": self.tiers.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "title": self.title.ja,
            "title_en": self.title.en,
            "stage": if self.submit_only { "submit" } else { "draft" },
            "cross_record": self.cross,
            "checks": self.check_kinds(),
            "applies": { "from": day(self.applies.from), "until": day(self.applies.until), "prefectures": prefectures },
        })
    }

    /// The fields its `required` checks ask for (patterns such as `/tests/*/sampled_on`): the
    /// items whose completeness a summary reports.
    pub fn required_fields(&self) -> Vec<&str> {
        self.checks
            .iter()
            .flat_map(|c| match &c.kind {
                Kind::Required { fields } => fields.iter().map(|f| f.path()).collect(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// The checks that may give a finding the message variant `name` (each check's number in
    /// the rule file, from 1, and its kind): those written with `variant = "name"`, scripts
    /// (a script's finding names its variant), a `municipality-code` check reporting the
    /// problem `name` (each problem's findings take the variant of its name) and an `age` check
    /// with `months` for `months` (a stated age in months that differs).
    pub fn variant_checks(&self, name: &str) -> Vec<(usize, &'static str)> {
        (self.checks.iter())
            .zip(self.check_kinds())
            .enumerate()
            .filter(|(_, (check, _))| {
                check.variant.as_deref() == Some(name)
                    || match &check.kind {
                        Kind::Script { .. } => true,
                        Kind::Municipality { report, .. } => report.contains(&name),
                        Kind::Age { months, .. } => months.is_some() && name == "months",
                        _ => false,
                    }
            })
            .map(|(i, (_, kind))| (i + 1, kind))
            .collect()
    }

    /// The ids of the checks' kinds, for documentation.
    pub fn check_kinds(&self) -> Vec<&'static str> {
        self.checks
            .iter()
            .map(|c| match &c.kind {
                Kind::Required { .. } => "required",
                Kind::DateOrder(_) => "date-order",
                Kind::Codes { .. } => "codes",
                Kind::Range { .. } => "range",
                Kind::Pattern { .. } => "pattern",
                Kind::Format { .. } => "format",
                Kind::Equal { .. } => "equal",
                Kind::Condition { .. } => "condition",
                Kind::Municipality { .. } => "municipality-code",
                Kind::Age { .. } => "age",
                Kind::ItemOrder(_) => "item-order",
                Kind::Matched(_) => "matched",
                Kind::ItemCondition(_) => "condition",
                Kind::Script { .. } => "script",
                Kind::Types => "types",
                Kind::Cross(_) => "cross-record",
            })
            .collect()
    }
}

/// How deep a record is followed: as deep as the JSON readers (serde_json's limit) and the Python
/// conversion go. A value built deeper in memory is cut there, as Python cuts it, so the checks'
/// recursion stays bounded and every host reports the same.
pub const MAX_DEPTH: usize = 128;

/// The most characters of one text a finding quotes (in ctx and so in its message). A longer
/// text, nearly always garbage (a pasted document, a 100 MB line), is cut there and ends with
/// `…`: the finding still says what is wrong without carrying the whole value into every
/// report, file and screen.
pub const MAX_QUOTED_CHARS: usize = 200;

/// Cuts the texts in `value` to [`MAX_QUOTED_CHARS`], freeing what is cut off.
fn cut_long_text(value: &mut Value) {
    match value {
        Value::String(text) if text.len() > MAX_QUOTED_CHARS => *text = quoted_text(text),
        Value::Array(items) => items.iter_mut().for_each(cut_long_text),
        Value::Object(fields) => fields.values_mut().for_each(cut_long_text),
        _ => {}
    }
}

/// A record's value copied for a finding's ctx, its texts cut to [`MAX_QUOTED_CHARS`] as they
/// are copied: a text of hundreds of megabytes is not copied whole to be cut.
pub(crate) fn quoted(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(quoted_text(text)),
        Value::Array(items) => Value::Array(items.iter().map(quoted).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), quoted(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `text`, or its first [`MAX_QUOTED_CHARS`] characters and `…`: how kakunin quotes a value a
/// caller gave, in an error or a finding (a host saying what it was given can do the same).
pub fn quoted_text(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// What stands for a value nested deeper than [`MAX_DEPTH`].
pub const TOO_DEEP: &str = "<nested too deep>";

/// Whether any value lies deeper than [`MAX_DEPTH`] (the record is depth 0; a [`TOO_DEEP`] mark
/// left by a cut does not count), without recursing.
#[cfg(test)]
pub(crate) fn deeper_than_max(record: &Value) -> bool {
    reaches_past_max(record, 0)
}

/// Whether `value`, lying at `depth` (the record is 0), or any value in it lies deeper than
/// [`MAX_DEPTH`] (a [`TOO_DEEP`] mark left by a cut does not count), without recursing.
pub(crate) fn reaches_past_max(value: &Value, depth: usize) -> bool {
    let too_deep =
        |value: &Value, depth: usize| depth > MAX_DEPTH && value.as_str() != Some(TOO_DEEP);
    // The view's walk asks this of every scalar it passes over: answered without a stack.
    if !(value.is_array() || value.is_object()) {
        return too_deep(value, depth);
    }
    let mut stack = vec![(value, depth)];
    while let Some((value, depth)) = stack.pop() {
        if too_deep(value, depth) {
            return true;
        }
        let (items, fields) = match value {
            Value::Array(items) => (items.as_slice(), None),
            Value::Object(map) => (&[][..], Some(map)),
            _ => continue,
        };
        for child in items
            .iter()
            .chain(fields.into_iter().flat_map(|m| m.values()))
        {
            if too_deep(child, depth + 1) {
                return true;
            }
            if child.is_array() || child.is_object() {
                stack.push((child, depth + 1));
            }
        }
    }
    false
}

/// A copy of `value` (at `depth`) with everything deeper than [`MAX_DEPTH`] replaced by
/// [`TOO_DEEP`]; recursion ends at that depth.
fn cut_at_max_depth(value: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::String(TOO_DEEP.into());
    }
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| cut_at_max_depth(v, depth + 1))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), cut_at_max_depth(v, depth + 1)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A pack compiled once: immutable, `Send + Sync`, cheap to share behind an `Arc`.
///
/// Compile it once per process (`kakunin_rules::bundled` does, for the bundled packs) and
/// share it: every method takes `&self`, so request threads check records at once without a
/// lock.
///
/// ```
/// # let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/hersys"));
/// use std::sync::Arc;
/// use kakunin::{CheckOptions, RuleSet};
///
/// let rules = Arc::new(RuleSet::from_dir(dir)?);
/// let options = Arc::new(CheckOptions::default().with_as_of("2024-06-01")?);
/// let worker = {
///     let (rules, options) = (rules.clone(), options.clone());
///     std::thread::spawn(move || rules.check(&serde_json::json!({"id": "r1"}), &options))
/// };
/// let report = worker.join().expect("no panic")?;
/// assert!(!report.ok); // a record without its required items
/// assert_eq!(report.pack.name, "hersys");
/// # Ok::<(), kakunin::Error>(())
/// ```
pub struct RuleSet {
    pub(crate) info: Arc<PackInfo>,
    pub(crate) manifest: Manifest,
    pub(crate) schema: RecordSchema,
    pub(crate) rules: Vec<Rule>,
    pub(crate) engine: rhai::Engine,
    pub(crate) files: PackFiles,
    pub(crate) codes: BTreeMap<String, BTreeMap<String, Text>>,
    reference_date: Vec<FieldPath>,
    prefecture: Option<FieldPath>,
    id: Option<FieldPath>,
    acknowledged: Option<FieldPath>,
    /// What the selections of rules plans were last made for read (see [`ReadsCache`]).
    reads_cache: ReadsCache,
}

/// What the selected rules of a plan read, which depends on the selection alone.
#[derive(Debug, Clone)]
struct Reads {
    /// See [`Plan::reads`].
    wanted: Option<Arc<Wanted>>,
    /// See [`Plan::filed`].
    filed: Option<Arc<[bool]>>,
}

/// The [`Reads`] of the last few selections plans were made for. Working them out gathers the
/// paths of every selected rule: for the whole HER-SYS pack 16 µs (50 µs with the system
/// allocator), more than twice a record's check. A host that checks record by record, each
/// call with its options ([`RuleSet::check`], Python's `RuleSet.check`), makes a plan per
/// record, nearly always for the same selection.
#[derive(Default)]
struct ReadsCache(RwLock<Vec<(Box<[bool]>, Reads)>>);

/// How many selections [`ReadsCache`] keeps: more than a host uses at once.
const CACHED_SELECTIONS: usize = 16;

impl ReadsCache {
    fn get_or_insert_with(&self, selected: &[bool], work_out: impl FnOnce() -> Reads) -> Reads {
        let cached = |entries: &[(Box<[bool]>, Reads)]| {
            (entries.iter())
                .find(|(key, _)| **key == *selected)
                .map(|(_, reads)| reads.clone())
        };
        // A panic elsewhere while the lock was held leaves entries that are each whole.
        if let Some(reads) = cached(&self.0.read().unwrap_or_else(PoisonError::into_inner)) {
            return reads;
        }
        let reads = work_out();
        let mut entries = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if cached(&entries).is_none() {
            if entries.len() == CACHED_SELECTIONS {
                entries.remove(0);
            }
            entries.push((selected.into(), reads.clone()));
        }
        reads
    }
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("pack", &self.info)
            .field("rules", &self.rules.len())
            .finish()
    }
}

/// The rule selection and settings one `check` call uses, worked out once per options.
///
/// A plan belongs to the rule set that made it ([`RuleSet::plan`]): a service that loads a new
/// pack makes its plans anew. A plan handed to a rule set compiled from other files panics or
/// runs the wrong rules (see [`RuleSet::check_with_plan`]).
#[derive(Debug, Clone)]
pub struct Plan {
    selected: Vec<bool>,
    options: CheckOptions,
    as_of: Day,
    /// The fields the selected rules read (with those that place a record and name it), or
    /// `None` when they read every field: a reader can then build only these.
    reads: Option<Arc<Wanted>>,
    /// Per record-schema node, whether the selected rules read its values (`None`: all of them):
    /// the view of a record files only these.
    filed: Option<Arc<[bool]>>,
    /// Fields read beside the rules ([`Plan::also_reading`]), kept for the plans made from this
    /// one (a screen's lean plan).
    also_read: Vec<FieldPath>,
    /// The pack whose rule set made the plan (shared with it, not copied: a one-off `check`
    /// makes a plan): its rules are that pack's by position, so a rule set of another content
    /// hash refuses it.
    pack: Arc<PackInfo>,
}

impl Plan {
    /// The options the plan was made from.
    pub fn options(&self) -> &CheckOptions {
        &self.options
    }

    /// The `as_of` date the plan judges with.
    pub fn as_of(&self) -> Day {
        self.as_of
    }

    /// Parses one JSON record, building only the fields the plan's rules read (all of them
    /// when a selected rule reads every field, as `structure/type` does). The whole text is
    /// still checked to be JSON.
    pub fn parse_record(&self, text: &str) -> serde_json::Result<Value> {
        match &self.reads {
            // Not an object: parsed whole, so that the finding can say what it is.
            Some(wanted) => match wanted.parse(text)? {
                record @ Value::Object(_) => Ok(record),
                _ => serde_json::from_str(text),
            },
            None => serde_json::from_str(text),
        }
    }

    /// The plan with its records also built with `paths`: fields a host reads beside the rules
    /// (a summary's breakdown field and date), which a reader building only what the rules read
    /// would leave out. The checks, and so the findings, are the same.
    pub(crate) fn also_reading<'p>(&self, paths: impl IntoIterator<Item = &'p FieldPath>) -> Plan {
        let mut plan = self.clone();
        for path in paths {
            if !plan.also_read.contains(path) {
                plan.also_read.push(path.clone());
            }
        }
        if let Some(reads) = &mut plan.reads {
            Arc::make_mut(reads).add(&plan.also_read);
        }
        plan
    }

    /// The plan with its records also built with the values at these JSON Pointers
    /// (`/health_center`, `/tests/0/method`: an index stands for every element): for a host
    /// that reads fields of the checked records beside the rules, such as a summary by a field.
    /// The checks, and so the findings, are the same.
    pub fn also_reading_pointers<'p>(&self, pointers: impl IntoIterator<Item = &'p str>) -> Plan {
        let paths: Vec<FieldPath> = (pointers.into_iter())
            .filter_map(|p| FieldPath::parse(&crate::path::pattern_of(p)).ok())
            .collect();
        self.also_reading(&paths)
    }

    /// The fields read beside the rules ([`Plan::also_reading`]).
    pub(crate) fn also_read(&self) -> &[FieldPath] {
        &self.also_read
    }

    /// Per rule of the pack, whether the plan runs it.
    pub(crate) fn selected(&self) -> &[bool] {
        &self.selected
    }

    /// Whether the plan's rules read every field (then a reader has nothing to leave out).
    pub fn reads_every_field(&self) -> bool {
        self.reads.is_none()
    }

    /// The fields the plan's rules read, as a cursor for a reader that builds records from a
    /// host's objects: what it leaves out would change no finding.
    pub fn fields(&self) -> crate::sparse::Fields<'_> {
        self.reads
            .as_ref()
            .map_or(crate::sparse::Fields::Whole, |w| {
                crate::sparse::Fields::of(w)
            })
    }

    /// Whether the plan's rules read the value at this JSON Pointer (`/basic/sex`,
    /// `/tests/0/method`), or something inside it: a reader that builds records from columns or
    /// from a host's objects can leave out the rest. `true` for everything when the rules read
    /// every field.
    pub fn reads_pointer(&self, pointer: &str) -> bool {
        self.fields().wants_pointer(pointer)
    }

    /// Whether the rule at this index (in [`RuleSet::rules`]) is selected.
    pub fn is_selected(&self, rule: usize) -> bool {
        self.selected.get(rule).copied().unwrap_or(false)
    }
}

/// The id of the finding for a record that is not a JSON object.
pub const NOT_AN_OBJECT: &str = "structure/not-an-object";

/// The finding for a record that is not a JSON object.
fn not_an_object(locale: Locale) -> Finding {
    Finding {
        rule: NOT_AN_OBJECT.into(),
        severity: Severity::Error,
        message: match locale {
            Locale::Ja => "レコードがJSONオブジェクトではありません。".into(),
            Locale::En => "The record is not a JSON object.".into(),
        },
        path: String::new(),
        paths: Vec::new(),
        ctx: BTreeMap::new(),
        help: match locale {
            Locale::Ja => "レコードの形式".into(),
            Locale::En => "Record shape".into(),
        },
        acknowledged: false,
    }
}

impl RuleSet {
    /// Compiles a pack from its files (see [`PackFiles`], and the crate's example).
    ///
    /// A file that is not valid, a rule that does not compile, a path the record schema does
    /// not know: [`Error::Pack`] naming the file and rule.
    #[cfg(feature = "toml")]
    pub fn compile(files: PackFiles) -> Result<Self> {
        let rules = Self::from_parsed(ParsedPack::from_files(files)?)?;
        // The rule-file schema last: what the core refuses itself, it refuses with the same
        // message in every build (the browser build has no schema validator); the schema adds
        // the rest.
        #[cfg(feature = "validate")]
        for (file, text) in rules.files().iter() {
            if crate::pack::rule_place(file).is_some() {
                crate::validate::rule_file(file, text)?;
            }
        }
        Ok(rules)
    }

    /// Compiles a parsed pack (see [`ParsedPack`]).
    pub fn from_parsed(pack: ParsedPack) -> Result<Self> {
        let ParsedPack {
            manifest,
            hash,
            rules: specs,
            conditions: named,
            codes,
            files,
        } = pack;
        let schema_file = manifest.record_schema.clone();
        let schema_doc: Value = serde_json::from_str(files.require(&schema_file)?)
            .map_err(|e| Error::pack(&schema_file, None, e.to_string()))?;
        let schema =
            RecordSchema::from_json(&schema_doc).map_err(|m| Error::pack(&schema_file, None, m))?;
        let field = |text: &str| -> Result<FieldPath> {
            let p = FieldPath::parse(text).map_err(|m| Error::pack(pack::MANIFEST, None, m))?;
            if schema.field(&p.text).is_none() {
                return Err(Error::pack(pack::MANIFEST, None, schema.not_a_field(text)));
            }
            Ok(p)
        };
        let reference_date = manifest
            .reference_date
            .iter()
            .map(|p| field(p))
            .collect::<Result<Vec<_>>>()?;
        let prefecture = manifest.prefecture.as_deref().map(field).transpose()?;
        let id = manifest.id.as_deref().map(field).transpose()?;
        let acknowledged = manifest.acknowledged.as_deref().map(field).transpose()?;

        let code_sets: BTreeMap<String, Arc<FxHashSet<String>>> = codes
            .iter()
            .map(|(k, v)| (k.clone(), Arc::new(v.keys().cloned().collect())))
            .collect();
        let mut tables = BTreeMap::new();
        for (name, spec) in &manifest.tables {
            tables.insert(
                name.clone(),
                Arc::new(read_table(&spec.file, files.require(&spec.file)?)?),
            );
        }
        let engine = hardened_engine(&Limits::default());

        let mut rules = Vec::new();
        for (file, spec) in specs {
            let Some((group, name)) = pack::rule_place(&file) else {
                return Err(Error::pack(
                    &file,
                    Some(&spec.id),
                    "not the place of a rule file",
                ));
            };
            rules.push(compile_rule(
                &file, spec, group, name, &files, &schema, &named, &code_sets, &tables, &engine,
            )?);
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        let info = PackInfo {
            name: manifest.name.clone(),
            version: manifest.version.clone(),
            hash,
        };
        Ok(RuleSet {
            info: Arc::new(info),
            manifest,
            schema,
            rules,
            engine,
            files,
            codes,
            reference_date,
            prefecture,
            id,
            acknowledged,
            reads_cache: ReadsCache::default(),
        })
    }

    /// Reads and compiles a pack folder (one with a `pack.toml`).
    ///
    /// A folder or file that cannot be read is an [`Error::Input`]; a pack that does not
    /// compile, an [`Error::Pack`] naming the file and rule.
    #[cfg(feature = "files")]
    pub fn from_dir(dir: &std::path::Path) -> Result<Self> {
        Self::compile(PackFiles::from_dir(dir)?)
    }

    /// Name, version and content hash: what an audit log records of the rules that judged a
    /// record (each [`Report::pack`] carries the same). The hash is the SHA-256 of the pack's
    /// files, so two rule sets with the same hash judge alike.
    pub fn info(&self) -> &PackInfo {
        &self.info
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Every rule, sorted by id ([`Rule::summary`] gives each as `kakunin rules list --format
    /// json` does).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// A rule by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.rules[i])
    }

    /// The record schema.
    pub fn schema(&self) -> &RecordSchema {
        &self.schema
    }

    /// The pack's files (examples, mapping).
    pub fn files(&self) -> &PackFiles {
        &self.files
    }

    /// Code lists (list → value → labels).
    pub fn codes(&self) -> &BTreeMap<String, BTreeMap<String, Text>> {
        &self.codes
    }

    /// What `fields()` gives of the record schema, the same list in every host: one object per
    /// field, sorted by path, with `path` (a JSON Pointer pattern; `*` stands for array items),
    /// `title`, `title_en`, `format`, `sensitive` and `types`.
    pub fn fields_summary(&self) -> Vec<Value> {
        self.schema
            .paths()
            .map(|(path, field)| {
                serde_json::json!({
                    "path": path,
                    "title": field.label_ja,
                    "title_en": field.label_en,
                    "format": field.format,
                    "sensitive": field.sensitive,
                    "types": field.types,
                })
            })
            .collect()
    }

    /// The pack's CSV mapping (`mapping.toml`), `None` for a pack without one. A column of a
    /// field a `codes` rule checks also takes the list's labels for its codes (`女` for
    /// `female`, `発熱;咳` for `fever;cough`): spreadsheets and exports write labels.
    #[cfg(feature = "toml")]
    pub fn csv_mapping(&self) -> Result<Option<crate::input::Mapping>> {
        let Some(text) = self.files.get("mapping.toml") else {
            return Ok(None);
        };
        let mut mapping = crate::input::Mapping::from_toml(text)
            .map_err(|message| Error::pack("mapping.toml", None, message))?;
        mapping.accept_labels(self.code_field_labels());
        mapping.know_fields(&self.schema);
        Ok(Some(mapping))
    }

    /// Each field a `codes` rule checks (its pattern), with the labels of the rule's list to its
    /// codes: what [`Mapping::accept_labels`](crate::input::Mapping::accept_labels) takes, for a
    /// host that builds its mapping itself. A label that is a code of the same list is left out:
    /// a code is read as itself.
    pub fn code_field_labels(&self) -> Vec<(String, Arc<crate::input::Labels>)> {
        let mut by_list: BTreeMap<&str, Arc<crate::input::Labels>> = BTreeMap::new();
        let mut fields = Vec::new();
        for check in self.rules.iter().flat_map(|r| &r.checks) {
            let Kind::Codes {
                fields: paths,
                name,
                ..
            } = &check.kind
            else {
                continue;
            };
            let Some(codes) = self.codes.get(&**name) else {
                continue;
            };
            let labels = by_list.entry(name).or_insert_with(|| {
                Arc::new(
                    (codes.iter())
                        .flat_map(|(code, text)| [(&text.ja, code), (&text.en, code)])
                        .filter(|(label, _)| !label.is_empty() && !codes.contains_key(*label))
                        .map(|(label, code)| (label.clone(), code.clone()))
                        .collect(),
                )
            });
            fields.extend(paths.iter().map(|p| (p.text.to_string(), labels.clone())));
        }
        fields
    }

    /// What `codes()` gives of the code lists, the same object in every host: list → code →
    /// `{ja, en}` labels.
    pub fn codes_summary(&self) -> Value {
        // `Text` serializes as `{ja, en}`; maps with string keys cannot fail to convert.
        serde_json::to_value(&self.codes).unwrap_or_default()
    }

    /// Works out which rules the options select, once for many records
    /// ([`RuleSet::check_with_plan`], [`crate::batch`]).
    ///
    /// A `select` or `ignore` entry that names no rule or group of the pack is an
    /// [`Error::UnknownSelector`]; nothing else fails.
    pub fn plan(&self, options: &CheckOptions) -> Result<Plan> {
        for sel in options.select.iter().chain(&options.ignore) {
            if !self.rules.iter().any(|r| matches_selector(r, sel)) {
                return Err(Error::UnknownSelector(sel.clone()));
            }
        }
        let selected: Vec<bool> = self
            .rules
            .iter()
            .map(|r| {
                (options.tiers.is_empty() || r.tiers.iter().any(|t| options.tiers.contains(t)))
                    && (options.select.is_empty()
                        || options.select.iter().any(|s| matches_selector(r, s)))
                    && !options.ignore.iter().any(|s| matches_selector(r, s))
                    && !(options.stage == Stage::Draft && r.submit_only)
            })
            .collect();
        Ok(self.plan_of(selected, options))
    }

    /// The plan that runs the `selected` rules with `options`.
    pub(crate) fn plan_of(&self, selected: Vec<bool>, options: &CheckOptions) -> Plan {
        let Reads { wanted, filed } = self
            .reads_cache
            .get_or_insert_with(&selected, || self.reads_for(&selected));
        Plan {
            selected,
            options: options.clone(),
            as_of: options.as_of_or_today(),
            reads: wanted,
            filed,
            also_read: Vec::new(),
            pack: self.info.clone(),
        }
    }

    /// What the `selected` rules read, worked out.
    fn reads_for(&self, selected: &[bool]) -> Reads {
        let wanted = self
            .reads_of(selected)
            .map(|paths| Arc::new(Wanted::of(&paths)));
        let filed = wanted.as_ref().map(|wanted| {
            (0..self.schema.node_count())
                .map(|node| wanted.wants_pattern(self.schema.pattern(node)))
                .collect()
        });
        Reads { wanted, filed }
    }

    /// The fields the selected rules read (cross-record ones included: their pass may be handed
    /// the same records), with those that place and name a record; `None` when a selected rule
    /// reads every field.
    fn reads_of(&self, selected: &[bool]) -> Option<Vec<FieldPath>> {
        let mut paths: Vec<FieldPath> = self
            .placement_fields()
            .chain(&self.id)
            .chain(&self.acknowledged)
            .cloned()
            .collect();
        for (rule, _) in self.rules.iter().zip(selected).filter(|(_, s)| **s) {
            for check in &rule.checks {
                if !check.reads(&mut paths) {
                    return None;
                }
            }
        }
        Some(paths)
    }

    /// The day that decides which rules apply to a record.
    pub fn reference_date(&self, record: &Value, as_of: Day) -> Day {
        self.reference_date
            .iter()
            .find_map(|p| {
                p.get(record)
                    .and_then(Value::as_str)
                    .and_then(|s| parse_day(trim(s)))
            })
            .unwrap_or(as_of)
    }

    /// The record's prefecture code, for rules in force in some prefectures only.
    pub(crate) fn prefecture_of<'r>(&self, record: &'r Value) -> Option<Cow<'r, str>> {
        match self.prefecture.as_ref()?.get(record)? {
            Value::String(s) => Some(trim(s).into()),
            Value::Number(n) => n.as_u64().map(|n| format!("{n:02}").into()),
            _ => None,
        }
    }

    /// The record's id as reports name it (`id`, or `No` for open data).
    pub fn record_id(&self, record: &Value) -> Option<String> {
        match self.id.as_ref()?.get(record)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// The rules in force for a record (its reference date and prefecture), whatever the options.
    pub fn rules_in_force(&self, record: &Value, as_of: Day) -> Vec<&Rule> {
        let day = self.reference_date(record, as_of);
        self.rules_in_force_on(day, self.prefecture_of(record).as_deref())
    }

    /// The rules in force on `day` for a record of `prefecture` (a 2-digit code; `None`: a record
    /// without one), as `check` judges them: per-prefecture periods (early adopters) included.
    pub fn rules_in_force_on(&self, day: Day, prefecture: Option<&str>) -> Vec<&Rule> {
        // A pack that reads no prefecture judges every record by the national periods.
        let prefecture = prefecture.filter(|_| self.prefecture.is_some());
        self.rules
            .iter()
            .filter(|r| r.applies.in_force(day, prefecture))
            .collect()
    }

    /// The rules a listing shows, the same in every host: all of them, or those in force on
    /// `options.as_of` for a record of `options.prefecture`.
    ///
    /// ```
    /// # let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/hersys"));
    /// use kakunin::{ListOptions, RuleSet};
    ///
    /// let rules = RuleSet::from_dir(dir)?;
    /// let every = rules.list(&ListOptions::default());
    /// let in_tokyo = rules.list(&ListOptions::parse(Some("2023-06-01"), Some("13"))?);
    /// assert!(in_tokyo.len() < every.len(), "some rules ended or had not begun");
    /// // Each as `kakunin rules list --format json` shows it.
    /// let listed = every[0].summary();
    /// assert_eq!(listed["id"], every[0].id.as_str());
    /// assert!(listed["severity"].is_string());
    /// # Ok::<(), kakunin::Error>(())
    /// ```
    pub fn list(&self, options: &ListOptions) -> Vec<&Rule> {
        match options.as_of {
            Some(day) => self.rules_in_force_on(day, options.prefecture.as_deref()),
            None => self.rules.iter().collect(),
        }
    }

    /// Checks one record. Rules across records need a batch and stay silent here.
    ///
    /// Any JSON value is a record to judge: what is wrong with it (a field of the wrong type, a
    /// text of megabytes, a record that is not an object) is a finding, and no record makes
    /// `check` panic. The report's [`Report::ok`] says whether the record may be written.
    ///
    /// # Errors
    ///
    /// - [`Error::UnknownSelector`] when the options select or ignore a rule or group the pack
    ///   does not have: the caller's mistake, the same for every record.
    /// - [`Error::Script`] when a rule's script broke one of the sandbox's limits or failed on
    ///   this record: the record is **not** judged, and a write path refuses it as it refuses a
    ///   record with an error finding.
    ///
    /// The options are worked into a plan on each call; what a selection of rules reads is kept
    /// between calls, so that costs little (0.2 µs for the whole HER-SYS pack, against a check
    /// of about 6). A host checking many records with the same options can make the plan once
    /// ([`RuleSet::plan`]) and call [`RuleSet::check_with_plan`].
    pub fn check(&self, record: &Value, options: &CheckOptions) -> Result<Report> {
        self.check_planned(record, &self.plan(options)?, Vec::new())
    }

    /// Checks one record with a plan made once (for many records with the same options); the
    /// same report as [`RuleSet::check`] with the plan's options. Fails with [`Error::Script`]
    /// (see [`RuleSet::check`]), and with [`Error::InvalidOption`] (`plan`) when `plan` was made
    /// by a rule set of another pack (a plan kept across a reload of the pack): the plan's rules
    /// are its pack's by position. Plans of rule sets compiled from the same files (the same
    /// [`PackInfo::hash`]) are interchangeable.
    pub fn check_with_plan(&self, record: &Value, plan: &Plan) -> Result<Report> {
        self.check_planned(record, plan, Vec::new())
    }

    /// Checks one record with a plan made once, adding findings from the cross-record pass.
    pub(crate) fn check_planned(
        &self,
        record: &Value,
        plan: &Plan,
        cross: Vec<(usize, Raw)>,
    ) -> Result<Report> {
        self.check_walked(record, plan, cross, false)
    }

    /// [`RuleSet::check_planned`] for a record known to be no deeper than [`MAX_DEPTH`], such
    /// as every record the JSON readers parse (their recursion limit is the same): its walk
    /// need not look into what it skips.
    pub(crate) fn check_within_depth(
        &self,
        record: &Value,
        plan: &Plan,
        cross: Vec<(usize, Raw)>,
    ) -> Result<Report> {
        self.check_walked(record, plan, cross, true)
    }

    fn check_walked(
        &self,
        record: &Value,
        plan: &Plan,
        cross: Vec<(usize, Raw)>,
        within_depth: bool,
    ) -> Result<Report> {
        if !Arc::ptr_eq(&plan.pack, &self.info) && plan.pack.hash != self.info.hash {
            return Err(Error::InvalidOption {
                name: "plan".into(),
                message: format!(
                    "the plan was made by the rule set of another pack (hash {}), not this one's \
                     ({} {}): make it with this rule set's plan()",
                    plan.pack.hash, self.info.name, self.info.version
                ),
            });
        }
        let options = &plan.options;
        if !record.is_object() {
            return Ok(Report::new(
                self.info.clone(),
                None,
                vec![not_an_object(options.locale)],
            ));
        }
        let only = plan.filed.as_deref();
        let view = if within_depth {
            View::new(&self.schema, record, only)
        } else {
            match View::within_depth(&self.schema, record, only) {
                Some(view) => view,
                // Rare: checked again as the JSON readers would have read it.
                None => return self.check_within_depth(&cut_at_max_depth(record, 0), plan, cross),
            }
        };
        let day = self.reference_date(record, plan.as_of);
        let pref = self.prefecture_of(record);
        let mut raws: Vec<(usize, Raw)> = cross;
        let mut scratch = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            if !plan.selected[i] || rule.cross || !rule.applies.in_force(day, pref.as_deref()) {
                continue;
            }
            let env = Env {
                view: &view,
                as_of: plan.as_of,
                cond: CondEnv {
                    reference_date: Some(day),
                },
                schema: &self.schema,
                engine: &self.engine,
                rule: &rule.id,
            };
            for check in &rule.checks {
                check.eval(&env, &rule.variant_names, &mut scratch)?;
            }
            if !scratch.is_empty() {
                raws.extend(scratch.drain(..).map(|r| (i, r)));
            }
        }
        let acknowledged = self.acknowledged_rules(record);
        let mut findings: Vec<Finding> = raws
            .into_iter()
            .map(|(i, raw)| self.finish(i, raw, options, &acknowledged))
            .collect();
        sort_findings(&mut findings);
        Ok(Report::new(
            self.info.clone(),
            Some(format_day(day)),
            findings,
        ))
    }

    /// `report` with findings of the cross-record pass added, exactly as if
    /// [`RuleSet::check_planned`] had been given them: for a record checked before they were
    /// known. `acknowledged` is what the record acknowledges ([`RuleSet::acknowledged_rules`]).
    #[cfg(all(feature = "files", feature = "parallel"))]
    pub(crate) fn with_cross(
        &self,
        report: Report,
        cross: Vec<(usize, Raw)>,
        options: &CheckOptions,
        acknowledged: &[String],
    ) -> Report {
        if cross.is_empty() {
            return report;
        }
        // Cross-record findings first, as `check_walked` gathers them: the sort is stable.
        let mut findings: Vec<Finding> = cross
            .into_iter()
            .map(|(i, raw)| self.finish(i, raw, options, acknowledged))
            .collect();
        findings.extend(report.findings);
        sort_findings(&mut findings);
        Report::new(report.pack, report.reference_date, findings)
    }

    /// The rules whose warnings a record acknowledges.
    pub(crate) fn acknowledged_rules(&self, record: &Value) -> Vec<String> {
        let Some(items) = self
            .acknowledged
            .as_ref()
            .and_then(|p| p.get(record))
            .and_then(Value::as_array)
        else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|a| a.get("rule").and_then(Value::as_str))
            .map(str::to_owned)
            .collect()
    }

    pub(crate) fn finish(
        &self,
        rule_index: usize,
        mut raw: Raw,
        options: &CheckOptions,
        acknowledged: &[String],
    ) -> Finding {
        let rule = &self.rules[rule_index];
        let hidden: &[String] = if options.reveal { &[] } else { &raw.hidden };
        for key in hidden {
            if let Some(v) = raw.ctx.get_mut(key) {
                *v = Value::Null;
            }
        }
        raw.ctx.values_mut().for_each(cut_long_text);
        let message = rule
            .template(raw.variant.as_deref(), options.locale)
            .render(&raw.ctx, hidden, options.locale, &self.schema);
        Finding {
            rule: rule.id.clone(),
            severity: rule.severity,
            message,
            path: raw.path,
            paths: raw.paths,
            ctx: raw.ctx,
            help: rule.title.get(options.locale).to_owned(),
            acknowledged: rule.severity == Severity::Warning && acknowledged.contains(&rule.id),
        }
    }

    /// The fields that decide which rules apply to a record: its reference date candidates
    /// and prefecture.
    pub(crate) fn placement_fields(&self) -> impl Iterator<Item = &FieldPath> {
        self.reference_date.iter().chain(&self.prefecture)
    }

    /// The field of a record's id, where the pack names one.
    pub(crate) fn id_field(&self) -> Option<&FieldPath> {
        self.id.as_ref()
    }
}

fn matches_selector(rule: &Rule, selector: &str) -> bool {
    rule.id == selector || rule.group == selector.trim_end_matches('/')
}

#[allow(clippy::too_many_arguments)]
fn compile_rule(
    file: &str,
    spec: RuleSpec,
    group: &str,
    name: &str,
    files: &PackFiles,
    schema: &RecordSchema,
    named: &BTreeMap<String, Value>,
    codes: &BTreeMap<String, Arc<FxHashSet<String>>>,
    tables: &BTreeMap<String, Arc<CodeTable>>,
    engine: &rhai::Engine,
) -> Result<Rule> {
    let expected = format!("{group}/{name}");
    let id = spec.id.clone();
    let err = |m: String| Error::pack(file, Some(&id), m);
    if spec.id != expected {
        return Err(err(format!(
            "id `{}` must equal its file's place, `{expected}`",
            spec.id
        )));
    }
    if spec.tiers.is_empty() {
        return Err(err("`tiers` names at least one tier".into()));
    }
    for (what, t) in [("title", &spec.title), ("message", &spec.message)] {
        if t.ja.trim().is_empty() || t.en.trim().is_empty() {
            return Err(err(format!("`{what}` needs both `ja` and `en`")));
        }
    }
    let pair = |t: &Text| -> Result<[Template; 2]> {
        Ok([
            Template::parse(&t.ja).map_err(&err)?,
            Template::parse(&t.en).map_err(&err)?,
        ])
    };
    let templates = pair(&spec.message)?;
    let variant_templates = spec
        .variants
        .iter()
        .map(|(k, t)| Ok((k.clone(), pair(t)?)))
        .collect::<Result<BTreeMap<_, _>>>()?;
    let variant_names: Vec<String> = spec.variants.keys().cloned().collect();
    let applies = compile_applies(spec.applies.as_ref()).map_err(&err)?;
    if spec.check.is_empty() {
        return Err(err("a rule needs at least one `[[check]]`".into()));
    }
    let dir = &file[..file.rfind('/').map_or(0, |i| i + 1)];
    let scripts = |script: &str| files.get(&format!("{dir}{script}"));
    let env = CompileEnv {
        rule: &id,
        file,
        schema,
        named,
        codes,
        tables,
        engine,
        scripts: &scripts,
        variants: &variant_names,
    };
    let checks = spec
        .check
        .iter()
        .map(|c| check::compile(c, &env))
        .collect::<Result<Vec<_>>>()?;
    // Every placeholder of every message is a ctx key some check fills (a script may fill any).
    let filled: Option<BTreeSet<String>> =
        checks
            .iter()
            .map(check::Check::ctx_keys)
            .try_fold(BTreeSet::new(), |mut all, keys| {
                all.extend(keys?);
                Some(all)
            });
    if let Some(filled) = filled {
        for template in std::iter::once(&templates)
            .chain(variant_templates.values())
            .flatten()
        {
            if let Some(key) = template.keys().find(|k| !filled.contains(*k)) {
                return Err(err(format!(
                    "the message placeholder `{{{key}}}` is filled by no check of the rule"
                )));
            }
        }
    }
    let cross = checks.iter().any(|c| matches!(c.kind, Kind::Cross(_)));
    if cross && checks.len() > 1 {
        return Err(err(
            "a cross-record check is the only check of its rule".into()
        ));
    }
    let fires_on_absence = checks.iter().any(|c| {
        matches!(c.kind, Kind::Required { .. })
            || c.when.as_ref().is_some_and(|w| w.tests_absence())
            || matches!(&c.kind, Kind::ItemCondition(arrays) if arrays.iter().any(|a| a.tests_absence()))
    });
    let submit_only = match spec.stage {
        Some(stage) => stage == Stage::Submit,
        None => group == "required" || fires_on_absence,
    };
    let mut names = HashSet::new();
    for ex in &spec.examples {
        if !names.insert(ex.name.as_str()) {
            return Err(err(format!("two examples are named `{}`", ex.name)));
        }
    }
    Ok(Rule {
        id: spec.id,
        group: group.to_owned(),
        severity: spec.severity,
        tiers: spec.tiers,
        submit_only,
        title: spec.title,
        message: spec.message,
        variants: spec.variants,
        doc: spec.doc,
        applies,
        examples: spec.examples,
        file: file.to_owned(),
        cross,
        templates,
        variant_templates,
        variant_names,
        checks,
    })
}

fn compile_applies(spec: Option<&pack::AppliesSpec>) -> Result<Applies, String> {
    let Some(spec) = spec else {
        return Ok(Applies::default());
    };
    let day = |d: &Option<String>| -> Result<Option<Day>, String> {
        d.as_deref()
            .map(|s| {
                parse_date(s).ok_or_else(|| format!("`applies`: `{s}` is not a YYYY-MM-DD date"))
            })
            .transpose()
    };
    let mut applies = Applies {
        from: day(&spec.from)?,
        until: day(&spec.until)?,
        prefectures: BTreeMap::new(),
    };
    for (pref, period) in &spec.prefectures {
        if !is_prefecture_code(pref) {
            return Err(format!(
                "`applies.prefectures`: `{pref}` is not a prefecture code (two digits, 01 to 47)"
            ));
        }
        applies
            .prefectures
            .insert(pref.clone(), (day(&period.from)?, day(&period.until)?));
    }
    Ok(applies)
}

/// Splits one CSV line of a simple table (quotes allowed, no newlines inside cells).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// The columns of a code table that checks read (others, such as names, are for people).
const TABLE_COLUMNS: [&str; 4] = ["code", "prefecture", "valid_from", "valid_until"];

/// The header of a table and where each of [`TABLE_COLUMNS`] is in it.
fn table_header<'t>(
    file: &str,
    text: &'t str,
) -> Result<(std::str::Lines<'t>, [usize; TABLE_COLUMNS.len()])> {
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header = split_csv_line(lines.next().unwrap_or_default());
    let mut columns = [0; TABLE_COLUMNS.len()];
    for (at, name) in columns.iter_mut().zip(TABLE_COLUMNS) {
        *at = header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| Error::pack(file, None, format!("table has no `{name}` column")))?;
    }
    Ok((lines, columns))
}

/// A table with only the columns checks read, in the order of [`TABLE_COLUMNS`] (for the packs
/// bundled for checking only).
pub(crate) fn table_for_checking(file: &str, text: &str) -> Result<String> {
    let (lines, columns) = table_header(file, text)?;
    let mut out = TABLE_COLUMNS.join(",");
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cells = split_csv_line(line);
        out.push('\n');
        for (n, &at) in columns.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            let cell = cells.get(at).map_or("", String::as_str);
            if cell.contains([',', '"']) {
                out.push('"');
                out.push_str(&cell.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(cell);
            }
        }
    }
    Ok(out)
}

fn read_table(file: &str, text: &str) -> Result<CodeTable> {
    let (lines, [code, pref, from, until]) = table_header(file, text)?;
    let mut table = CodeTable::default();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cells = split_csv_line(line);
        let cell = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or("");
        let day = |s: &str| -> Result<Option<Day>> {
            if s.is_empty() {
                return Ok(None);
            }
            parse_date(s).map(Some).ok_or_else(|| {
                Error::pack(file, None, format!("line {}: `{s}` is not a date", n + 2))
            })
        };
        let c = cell(code).to_owned();
        if c.len() == 6 && c.is_ascii() {
            table
                .prefecture_codes
                .entry(cell(pref).to_owned())
                .or_insert_with(|| c[..2].to_owned());
        }
        table
            .periods
            .entry(c)
            .or_default()
            .push((day(cell(from))?, day(cell(until))?));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_reads_the_same_for_the_nation_and_a_prefecture() {
        let day = |d: &str| parse_date(d);
        let applies = Applies {
            from: day("2022-09-26"),
            until: None,
            prefectures: BTreeMap::from([
                ("04".to_owned(), (day("2022-09-02"), None)),
                ("13".to_owned(), (None, day("2022-12-31"))),
            ]),
        };
        assert_eq!(
            applies.describe(),
            "2022-09-26 →; prefecture 04: 2022-09-02 →; prefecture 13: → 2022-12-31"
        );
        let always = Applies {
            from: None,
            until: None,
            prefectures: BTreeMap::new(),
        };
        assert_eq!(always.describe(), "always");
    }

    #[test]
    fn the_json_reader_never_builds_a_value_deeper_than_max_depth() {
        // `check_within_depth` skips the depth walk for records the readers parse.
        let mut deepest_read = 0;
        for levels in MAX_DEPTH - 3..MAX_DEPTH + 3 {
            let text = format!("{}1{}", "[".repeat(levels), "]".repeat(levels));
            if let Ok(value) = serde_json::from_str::<Value>(&text) {
                assert!(!deeper_than_max(&value), "{levels} levels");
                deepest_read = levels;
            }
        }
        assert!(
            deepest_read >= MAX_DEPTH - 1,
            "the reader stops at {deepest_read}"
        );
        let built = (0..=MAX_DEPTH).fold(Value::from(1), |v, _| Value::Array(vec![v]));
        assert!(deeper_than_max(&built));
    }

    /// Which checks of a rule may choose each of its message variants, as `rules explain`
    /// shows them.
    #[cfg(feature = "toml")]
    #[test]
    fn each_variant_names_the_checks_that_choose_it() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/hersys");
        let rules = RuleSet::from_dir(&dir).expect("the bundled pack");
        let rule = |id: &str| rules.rule(id).expect(id);
        let method = rule("crosstab/method-specimen");
        assert_eq!(
            method.variants.keys().collect::<Vec<_>>(),
            ["antigen-quantitative"]
        );
        assert!(
            method.variants["antigen-quantitative"]
                .en
                .contains("antigen")
        );
        // Written on the check; a script's findings name theirs; the age check's months.
        assert_eq!(
            method.variant_checks("antigen-quantitative"),
            [(2, "condition")]
        );
        assert_eq!(
            rule("codes/symptoms").variant_checks("none-with-other"),
            [(2, "script")]
        );
        assert_eq!(
            rule("ranges/age-mismatch").variant_checks("months"),
            [(1, "age")]
        );
        // Each problem a municipality-code check reports, by its name.
        let municipality = rule("codes/municipality");
        for problem in ["format", "check-digit", "prefix"] {
            assert_eq!(
                municipality.variant_checks(problem),
                [(1, "municipality-code")],
                "{problem}"
            );
        }
        assert!(municipality.variant_checks("unknown").is_empty());
        assert!(rule("dates/late-report").variants.is_empty());
    }

    /// A plan names its pack by the rule set's own `PackInfo`, shared: making one (as each
    /// one-off `check` does) copies no hash.
    #[cfg(feature = "toml")]
    #[test]
    fn a_plan_shares_the_pack_info_of_its_rule_set() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/opendata");
        let rules = RuleSet::from_dir(&dir).expect("the bundled pack");
        let plan = rules.plan(&CheckOptions::default()).expect("a plan");
        assert!(Arc::ptr_eq(&plan.pack, &rules.info));
        let reading_more = plan.also_reading_pointers(["/都道府県名"]);
        assert!(Arc::ptr_eq(&reading_more.pack, &rules.info));
    }

    /// Plans keep what their selection reads between calls (`ReadsCache`): each plan here,
    /// made after more other selections than the cache keeps, reads what working it out afresh
    /// gives, and a plan met again in the cache is the same.
    #[cfg(feature = "toml")]
    #[test]
    fn a_plan_reads_what_its_selection_reads_whatever_plans_came_before() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/hersys");
        let rules = RuleSet::from_dir(&dir).expect("the bundled pack");
        let mut selections: Vec<Vec<String>> = vec![Vec::new()];
        selections.extend(rules.rules().iter().map(|r| vec![r.group.clone()]));
        selections.dedup();
        selections.extend(rules.rules().iter().step_by(3).map(|r| vec![r.id.clone()]));
        assert!(selections.len() > 2 * CACHED_SELECTIONS);
        let described = |wanted: &Option<Arc<Wanted>>| format!("{wanted:?}");
        for round in 0..2 {
            for select in &selections {
                let options = CheckOptions {
                    select: select.clone(),
                    ..CheckOptions::default()
                };
                let plan = rules.plan(&options).expect("plan");
                let fresh = rules.reads_for(plan.selected());
                assert_eq!(plan.filed, fresh.filed, "{select:?}, round {round}");
                assert_eq!(
                    described(&plan.reads),
                    described(&fresh.wanted),
                    "{select:?}"
                );
                let again = rules.plan(&options).expect("plan");
                let same = |a: &Option<Arc<[bool]>>, b: &Option<Arc<[bool]>>| match (a, b) {
                    (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                    (a, b) => a.is_none() && b.is_none(),
                };
                assert!(
                    same(&plan.filed, &again.filed),
                    "{select:?}: from the cache"
                );
            }
        }
        // The whole pack reads every field (`structure/type`), a single date rule a few.
        let whole = rules.plan(&CheckOptions::default()).expect("plan");
        assert!(whole.reads_every_field());
        let one = CheckOptions {
            select: vec!["dates/late-report".into()],
            ..CheckOptions::default()
        };
        let one = rules.plan(&one).expect("plan");
        let filed = one.filed.as_deref().expect("some fields");
        assert!(filed.iter().any(|&f| f) && filed.iter().any(|&f| !f));
    }

    #[test]
    fn long_texts_are_cut_at_a_character() {
        let long = "東".repeat(MAX_QUOTED_CHARS + 5);
        let mut value = serde_json::json!({"a": [long.clone(), "short"], "b": long, "n": 1});
        cut_long_text(&mut value);
        let cut = format!("{}…", "東".repeat(MAX_QUOTED_CHARS));
        assert_eq!(
            value,
            serde_json::json!({"a": [cut, "short"], "b": cut, "n": 1})
        );
        let mut exact = Value::String("x".repeat(MAX_QUOTED_CHARS));
        cut_long_text(&mut exact);
        assert_eq!(exact.as_str().map(str::len), Some(MAX_QUOTED_CHARS));
        let value = serde_json::json!({"a": [long.clone(), "short"], "b": long, "n": 1});
        assert_eq!(
            quoted(&value),
            serde_json::json!({"a": [cut, "short"], "b": cut, "n": 1})
        );
    }

    /// A finding quoting a huge text holds its first characters, not a copy of the whole text
    /// (a 750 MB text in two fields ran the browser's module out of memory).
    #[test]
    fn a_finding_does_not_hold_the_huge_text_it_quotes() {
        let rules = crate::RuleSet::from_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/hersys"),
        )
        .expect("hersys");
        let huge = "あ".repeat(1 << 20);
        let record =
            serde_json::json!({"notification": {"onset_on": huge, "patient": {"age": huge}}});
        let report = rules
            .check(&record, &CheckOptions::default())
            .expect("checked");
        let held: usize = report
            .findings
            .iter()
            .flat_map(|f| f.ctx.values())
            .filter_map(|value| match value {
                Value::String(text) => Some(text),
                _ => None,
            })
            .map(|text| {
                assert!(
                    text.chars().count() <= MAX_QUOTED_CHARS + 1,
                    "cut: {text:.20}"
                );
                text.capacity()
            })
            .sum();
        assert!(
            report.findings.iter().any(|f| f
                .ctx
                .values()
                .any(|v| v.as_str().is_some_and(|t| t.ends_with('…')))),
            "some finding quotes the text"
        );
        assert!(held < 64 * 1024, "{held} bytes of quoted text held");
    }
}
