//! A pack as files: the manifest, the rule files and everything they refer to, before compiling.
//!
//! A pack is read into [`PackFiles`] (a map of relative path to text) either from a folder or
//! from files embedded in a binary (the bundled packs), so both compile through the same code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The text of every file of a pack, keyed by path relative to the pack folder (`/`-separated;
/// files shared between packs start with `../`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PackFiles {
    files: BTreeMap<String, String>,
}

impl PackFiles {
    /// An empty set of files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a file.
    pub fn insert(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.files.insert(path.into(), text.into());
    }

    /// The text of a file.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// A file that must exist.
    pub(crate) fn require(&self, path: &str) -> Result<&str> {
        self.get(path)
            .ok_or_else(|| Error::pack(path, None, "file not found in the pack"))
    }

    /// Every file, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// SHA-256 over every path and text, so a report names exactly the rules that judged it.
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, text) in &self.files {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Reads a pack folder: every file under it, plus the tables the manifest names outside it.
    #[cfg(feature = "files")]
    pub fn from_dir(dir: &std::path::Path) -> Result<Self> {
        let mut files = PackFiles::new();
        let input_err = |p: &std::path::Path, e: std::io::Error| Error::Input {
            path: p.display().to_string(),
            message: e.to_string(),
        };
        let mut stack = vec![dir.to_path_buf()];
        while let Some(folder) = stack.pop() {
            for entry in std::fs::read_dir(&folder).map_err(|e| input_err(&folder, e))? {
                let path = entry.map_err(|e| input_err(&folder, e))?.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let relative = path
                    .strip_prefix(dir)
                    .map(|p| {
                        p.components()
                            .map(|c| c.as_os_str().to_string_lossy())
                            .collect::<Vec<_>>()
                            .join("/")
                    })
                    .unwrap_or_default();
                if !is_pack_file(&relative) {
                    continue;
                }
                let text = std::fs::read_to_string(&path).map_err(|e| input_err(&path, e))?;
                files.insert(relative, text);
            }
        }
        let manifest = Manifest::parse(files.require(MANIFEST)?)?;
        for (name, table) in &manifest.tables {
            if files.get(&table.file).is_none() {
                let path = dir.join(&table.file);
                // A pack copied on its own leaves behind the tables it shares with other packs.
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    Error::pack(
                        MANIFEST,
                        None,
                        format!(
                            "[tables.{name}] names the file `{}`, which cannot be read at {}: {e} (a copy of a pack needs the table files it names too, or `file` changed to where they are)",
                            table.file,
                            path.display()
                        ),
                    )
                })?;
                files.insert(table.file.clone(), text);
            }
        }
        Ok(files)
    }
}

/// A pack parsed but not compiled: the manifest, the rule files, the code lists and the named
/// conditions read into their structures, with the pack's files (the record schema, scripts and
/// tables they refer to). [`crate::RuleSet::from_parsed`] compiles it.
///
/// The bundled packs are stored in this form, as JSON ([`ParsedPack::to_json`]), so that a host
/// that only checks records with them (the browser) carries no TOML parser.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParsedPack {
    /// `pack.toml`.
    pub manifest: Manifest,
    /// [`PackFiles::content_hash`] of the files the pack was read from.
    pub hash: String,
    /// Every rule file (path → rule), sorted by path.
    pub rules: BTreeMap<String, RuleSpec>,
    /// `conditions.toml`: the named conditions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub conditions: BTreeMap<String, Value>,
    /// `codes.toml`: list → code → labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub codes: BTreeMap<String, BTreeMap<String, Text>>,
    /// The pack's files.
    pub files: PackFiles,
}

impl ParsedPack {
    /// Parses a pack's TOML files (and validates its rule files, with the feature `validate`).
    #[cfg(feature = "toml")]
    pub fn from_files(files: PackFiles) -> Result<Self> {
        let manifest = Manifest::parse(files.require(MANIFEST)?)?;
        let codes = match files.get("codes.toml") {
            Some(text) => toml::from_str(text)
                .map_err(|e| Error::pack("codes.toml", None, toml_message(text, &e)))?,
            None => BTreeMap::new(),
        };
        let conditions = match files.get("conditions.toml") {
            Some(text) => match toml_to_json("conditions.toml", text)? {
                Value::Object(map) => map.into_iter().collect(),
                _ => BTreeMap::new(),
            },
            None => BTreeMap::new(),
        };
        let rules = files
            .iter()
            .filter(|(file, _)| rule_place(file).is_some())
            .map(|(file, text)| Ok((file.to_owned(), parse_rule(file, text)?)))
            .collect::<Result<_>>()?;
        Ok(ParsedPack {
            manifest,
            hash: files.content_hash(),
            rules,
            conditions,
            codes,
            files,
        })
    }

    /// Only what checking records needs: the rules without their examples and documentation,
    /// and of the files the record schema (minified), the scripts and the tables (the columns
    /// that are read). What the browser gets; the hash stays the one of the whole pack.
    pub fn for_checking(mut self) -> Result<Self> {
        for rule in self.rules.values_mut() {
            rule.examples.clear();
            rule.doc = DocSpec::default();
        }
        let schema_file = &self.manifest.record_schema;
        let mut schema: Value = serde_json::from_str(self.files.require(schema_file)?)
            .map_err(|e| Error::pack(schema_file, None, e.to_string()))?;
        without_annotations(&mut schema);
        let mut files = PackFiles::new();
        files.insert(schema_file.clone(), schema.to_string());
        for table in self.manifest.tables.values() {
            let text = self.files.require(&table.file)?;
            files.insert(
                table.file.clone(),
                crate::ruleset::table_for_checking(&table.file, text)?,
            );
        }
        for (file, text) in self.files.iter() {
            if file.ends_with(".rhai") {
                files.insert(file, crate::script::without_comments(text));
            }
        }
        self.files = files;
        Ok(self)
    }

    /// The pack as compact JSON (keys at their defaults left out), which
    /// [`ParsedPack::from_json`] reads back.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::pack(MANIFEST, None, e.to_string()))
    }

    /// Reads [`ParsedPack::to_json`]'s output; `name` says which pack in an error.
    pub fn from_json(name: &str, text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::pack(name, None, e.to_string()))
    }
}

/// Drops the JSON Schema keywords written for people (`description`, `$comment`, `examples`)
/// from a schema and its subschemas; a property that happens to be called `description` stays.
fn without_annotations(schema: &mut Value) {
    let Value::Object(node) = schema else {
        return;
    };
    for keyword in ["description", "$comment", "examples"] {
        node.remove(keyword);
    }
    for (keyword, sub) in node.iter_mut() {
        match (keyword.as_str(), sub) {
            (
                "properties" | "patternProperties" | "$defs" | "definitions",
                Value::Object(named),
            ) => named.values_mut().for_each(without_annotations),
            ("allOf" | "anyOf" | "oneOf" | "prefixItems", Value::Array(list)) => {
                list.iter_mut().for_each(without_annotations)
            }
            ("items" | "additionalProperties" | "not" | "if" | "then" | "else", sub) => {
                without_annotations(sub)
            }
            _ => {}
        }
    }
}

/// The group and name of a rule file (`dates/onset-after-diagnosis.toml`), or `None` for the
/// pack's other files (the manifest, code lists, example records in `examples/`, hidden folders).
pub fn rule_place(file: &str) -> Option<(&str, &str)> {
    let (group, name) = file.strip_suffix(".toml")?.split_once('/')?;
    let hidden_or_nested = group.starts_with('.') || name.contains('/');
    (!hidden_or_nested && group != "examples").then_some((group, name))
}

/// Reads one rule file: parsed, and its documentation required (the compiler checks the rest, and
/// [`crate::RuleSet::compile`] the rule-file schema last).
#[cfg(feature = "toml")]
fn parse_rule(file: &str, text: &str) -> Result<RuleSpec> {
    let spec: RuleSpec = toml::from_str(text).map_err(|e| {
        // Name the rule when its id can be read at all (an unknown key, a missing field, or
        // a syntax error after the `id` line).
        let table: Option<toml::Table> = toml::from_str(text).ok();
        let id = match &table {
            Some(t) => t.get("id").and_then(|v| v.as_str()),
            None => authoring::id_line(text),
        };
        Error::pack(file, id, toml_message(text, &e))
    })?;
    let doc = &spec.doc;
    if doc.ja.trim().is_empty() || doc.en.trim().is_empty() || doc.source.trim().is_empty() {
        return Err(Error::pack(
            file,
            Some(&spec.id),
            "`doc` needs `ja`, `en` and `source`",
        ));
    }
    authoring::authoring_mistakes(text, &spec).map_err(|m| Error::pack(file, Some(&spec.id), m))?;
    Ok(spec)
}

/// Files that belong to a pack (editor backups and notes do not).
pub fn is_pack_file(relative: &str) -> bool {
    [".toml", ".json", ".rhai", ".csv"]
        .iter()
        .any(|ext| relative.ends_with(ext))
}

/// The manifest file's name.
pub const MANIFEST: &str = "pack.toml";

/// A Japanese and an English text.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// 日本語.
    pub ja: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The text in a locale.
    pub fn get(&self, locale: crate::Locale) -> &str {
        match locale {
            crate::Locale::Ja => &self.ja,
            crate::Locale::En => &self.en,
        }
    }
}

/// `pack.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Pack name (`hersys`).
    pub name: String,
    /// Pack version.
    pub version: String,
    /// Title in both languages.
    pub title: Text,
    /// File of the record's JSON Schema.
    pub record_schema: String,
    /// Fields tried in order for the record's reference date.
    pub reference_date: Vec<String>,
    /// Field of the record's prefecture code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefecture: Option<String>,
    /// Field that names the record in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Field of the record's acknowledgements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<String>,
    /// Base record for examples that name none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_base: Option<String>,
    /// `as_of` of examples that set none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example_as_of: Option<String>,
    /// CSV tables (name → file).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, TableSpec>,
}

/// A table named in the manifest.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Relative path of the CSV file.
    pub file: String,
}

#[cfg(feature = "toml")]
impl Manifest {
    pub(crate) fn parse(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::pack(MANIFEST, None, toml_message(text, &e)))
    }
}

/// A TOML error in one line an author can act on: where (line and column) and what, serde's
/// words put plainly, and the key or value a misspelt one most likely meant.
#[cfg(feature = "toml")]
pub(crate) fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let span = e.span();
    let at = span.clone().and_then(|s| text.get(s)).unwrap_or_default();
    let what = authoring::plain_toml_words(e.message().trim(), at);
    match span {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or_default();
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .unwrap_or_default()
                .chars()
                .count()
                + 1;
            // The reader stumbles at the start of the line after a string or an inline table
            // left open, which is where the mistake is.
            let about_values = [
                "unknown field",
                "unknown variant",
                "missing field",
                "invalid ",
            ]
            .iter()
            .any(|p| e.message().starts_with(p));
            let hint = if column == 1 && line > 1 && !about_values {
                " (or on the line before: a quote or a bracket left open?)"
            } else {
                ""
            };
            format!("line {line}, column {column}: {what}{hint}")
        }
        None => what,
    }
}

/// Severity of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The record must not be written.
    Error,
    /// A person must look at it (can be acknowledged).
    Warning,
    /// For analysts.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A tier that owns rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// 保健所, health center.
    Hc,
    /// 地方衛生研究所, prefectural lab.
    Pref,
    /// 国立感染症研究所, national center.
    Nat,
}

impl Tier {
    /// `hc`, `pref` or `nat`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Hc => "hc",
            Tier::Pref => "pref",
            Tier::Nat => "nat",
        }
    }
}

impl std::str::FromStr for Tier {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "hc" => Ok(Tier::Hc),
            "pref" => Ok(Tier::Pref),
            "nat" => Ok(Tier::Nat),
            // A caller's value, quoted by its first characters as every option error does.
            _ => Err(Error::InvalidOption {
                name: "tiers".into(),
                message: format!(
                    "`{}` is not hc, pref or nat",
                    crate::ruleset::quoted_text(s)
                ),
            }),
        }
    }
}

/// When a check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// While a form is being filled: absent fields are not reported.
    Draft,
    /// On submission: everything.
    #[default]
    Submit,
}

/// A rule file, as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// `group/name`.
    pub id: String,
    /// Severity.
    pub severity: Severity,
    /// Owning tiers.
    pub tiers: Vec<Tier>,
    /// `submit`: silent while drafting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    /// One-line title.
    pub title: Text,
    /// Message template.
    pub message: Text,
    /// Alternative messages a check may choose.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variants: BTreeMap<String, Text>,
    /// Documentation (left out of the packs bundled for checking only).
    #[serde(default, skip_serializing_if = "DocSpec::is_empty")]
    pub doc: DocSpec,
    /// Effective period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies: Option<AppliesSpec>,
    /// Checks.
    pub check: Vec<CheckSpec>,
    /// Examples.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<ExampleSpec>,
}

/// The documentation of a rule.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DocSpec {
    /// 日本語.
    pub ja: String,
    /// English.
    pub en: String,
    /// The legal or practical source.
    pub source: String,
}

impl DocSpec {
    /// Whether all three texts are empty (the documentation was left out).
    pub fn is_empty(&self) -> bool {
        self.ja.is_empty() && self.en.is_empty() && self.source.is_empty()
    }
}

/// An effective period, with per-prefecture exceptions.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AppliesSpec {
    /// First day in force (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day in force (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Other periods for records of some prefectures.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub prefectures: BTreeMap<String, PeriodSpec>,
}

/// A period.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodSpec {
    /// First day (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// One check of a rule, as written. Which keys apply depends on `kind` (see docs/rule-format.md).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CheckSpec {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ctx: BTreeMap<String, String>,
    /// condition: arrays whose items are judged one by one (`when`, `at`, `paths` and `ctx` are
    /// then relative to an item).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub each: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub later: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_days: Option<i64>,
    /// date-order: gaps below this many days are another rule's finding (left silent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_below_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<[String; 2]>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub report: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefecture_name: Option<String>,
    /// matched: the array its counterparts are looked for in, which of its items count, and the
    /// keys (inside an item) that must agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub among: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub having: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    /// item-order: the array, and the keys (relative to an item) that rank and date its items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub array: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// age: the birth date, the date the age is stated at, the stated years and months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compare: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carry: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// An example of a rule: a record (or a batch) and the findings of this rule it must produce.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleSpec {
    /// Short kebab-case name.
    pub name: String,
    /// Base record file in `examples/` (without `.json`).
    #[serde(default)]
    pub base: Option<String>,
    /// A whole record instead of a base.
    #[serde(default)]
    pub record: Option<Value>,
    /// Pointer → value applied to the base.
    #[serde(default)]
    pub set: BTreeMap<String, Value>,
    /// Pointers removed from the base.
    #[serde(default)]
    pub unset: Vec<String>,
    /// Several records (for rules across records); each entry is an example record spec.
    #[serde(default)]
    pub batch: Vec<BatchEntrySpec>,
    /// Check options.
    #[serde(default)]
    pub options: BTreeMap<String, Value>,
    /// The findings of this rule, exactly.
    pub expect: Vec<ExpectedFinding>,
}

/// One record of a batch example.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BatchEntrySpec {
    /// Base record.
    #[serde(default)]
    pub base: Option<String>,
    /// Whole record.
    #[serde(default)]
    pub record: Option<Value>,
    /// Changes.
    #[serde(default)]
    pub set: BTreeMap<String, Value>,
    /// Removals.
    #[serde(default)]
    pub unset: Vec<String>,
}

/// A finding an example expects; keys left out are not compared.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFinding {
    /// Which record of a batch example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<usize>,
    /// The path.
    pub path: String,
    /// Every path involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<Vec<String>>,
    /// Context values (each listed key compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctx: Option<BTreeMap<String, Value>>,
    /// Severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// The rendered message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Whether it is acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<bool>,
}

/// Reads a TOML file into JSON (the form the rule-file schema and conditions are written for).
#[cfg(feature = "toml")]
pub(crate) fn toml_to_json(file: &str, text: &str) -> Result<Value> {
    let value: toml::Value =
        toml::from_str(text).map_err(|e| Error::pack(file, None, toml_message(text, &e)))?;
    let json = serde_json::to_value(value).map_err(|e| Error::pack(file, None, e.to_string()))?;
    match authoring::unquoted_date(&json) {
        Some(date) => Err(Error::pack(
            file,
            None,
            authoring::unquoted_date_message(text, &date),
        )),
        None => Ok(json),
    }
}

#[cfg(feature = "toml")]
pub(crate) use authoring::closest;

/// What a rule author gets wrong that TOML and serde accept or describe in their own terms.
#[cfg(feature = "toml")]
mod authoring {
    use serde_json::Value;

    use super::RuleSpec;

    /// The id of a rule file whose TOML does not parse, from an `id = "..."` line.
    pub(super) fn id_line(text: &str) -> Option<&str> {
        text.lines().find_map(|line| {
            let value = line.trim_start().strip_prefix("id")?.trim_start();
            let quoted = value.strip_prefix('=')?.trim_start().strip_prefix('"')?;
            quoted.split('"').next()
        })
    }

    /// The keys each kind of check reads besides `kind`, `when`, `ctx` and `variant` (see
    /// docs/rule-format.md, "Checks"). A key of another kind would be ignored without a word.
    const CHECK_KEYS: &[(&str, &[&str])] = &[
        ("required", &["fields", "exclude"]),
        (
            "date-order",
            &[
                "earlier",
                "later",
                "min_days",
                "max_days",
                "ignore_below_days",
                "at",
                "exclude",
            ],
        ),
        ("codes", &["fields", "list"]),
        ("range", &["fields", "min", "max"]),
        ("pattern", &["fields", "regex", "ignore"]),
        ("format", &["fields", "format", "exclude"]),
        ("equal", &["pairs"]),
        ("condition", &["at", "paths", "each"]),
        (
            "municipality-code",
            &["field", "report", "table", "prefecture_name"],
        ),
        ("age", &["birth", "on", "years", "months"]),
        ("item-order", &["array", "by", "date", "min_days"]),
        ("matched", &["each", "among", "having", "keys", "at"]),
        ("script", &["script", "reads"]),
        ("types", &[]),
        (
            "group",
            &["key", "mode", "compare", "script", "carry", "at"],
        ),
        ("ascending", &["order_by", "value", "at"]),
    ];

    /// Keys every kind of check may have.
    const COMMON_CHECK_KEYS: [&str; 4] = ["kind", "when", "ctx", "variant"];

    /// What TOML and serde accept but an author did not mean: a key of another kind of check, a date
    /// written without quotes, an effective period that ends before it starts.
    pub(super) fn authoring_mistakes(
        text: &str,
        spec: &RuleSpec,
    ) -> std::result::Result<(), String> {
        let as_json = serde_json::to_value(spec).map_err(|e| e.to_string())?;
        if let Some(date) = unquoted_date(&as_json) {
            return Err(unquoted_date_message(text, &date));
        }
        let checks = as_json.get("check").and_then(Value::as_array);
        for (i, check) in checks.into_iter().flatten().enumerate() {
            let Some(map) = check.as_object() else {
                continue;
            };
            let kind = map.get("kind").and_then(Value::as_str).unwrap_or_default();
            // An unknown kind is the compiler's to report, with the kinds there are.
            let Some((_, keys)) = CHECK_KEYS.iter().find(|(k, _)| *k == kind) else {
                continue;
            };
            if let Some(key) = map
                .keys()
                .find(|k| !keys.contains(&k.as_str()) && !COMMON_CHECK_KEYS.contains(&k.as_str()))
            {
                let reads = if keys.is_empty() {
                    "no key of its own".to_owned()
                } else {
                    keys.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                return Err(format!(
                    "check {} (`{kind}`) has `{key}`, which a `{kind}` check does not read: it reads {reads}, and any check `when`, `ctx` and `variant`{}",
                    i + 1,
                    did_you_mean(key, keys)
                ));
            }
        }
        if let Some(applies) = &spec.applies {
            period_in_order("`applies`", &applies.from, &applies.until)?;
            for (prefecture, period) in &applies.prefectures {
                period_in_order(
                    &format!("`applies.prefectures.\"{prefecture}\"`"),
                    &period.from,
                    &period.until,
                )?;
            }
        }
        Ok(())
    }

    /// A period whose `until` is before its `from` holds no day: the rule would never be in force.
    fn period_in_order(
        what: &str,
        from: &Option<String>,
        until: &Option<String>,
    ) -> std::result::Result<(), String> {
        let day = |d: &Option<String>| d.as_deref().and_then(crate::date::parse_day);
        match (day(from), day(until)) {
            (Some(f), Some(u)) if u < f => Err(format!(
                "{what}: `until` ({}) is before `from` ({}), so the rule would never be in force",
                until.as_deref().unwrap_or_default(),
                from.as_deref().unwrap_or_default()
            )),
            _ => Ok(()),
        }
    }

    /// How the TOML reader hands a date written without quotes to a JSON value: a one-key map.
    const TOML_DATETIME_KEY: &str = "$__toml_private_datetime";

    /// The first date written without quotes (a TOML date, not text) in a value read from TOML.
    pub(super) fn unquoted_date(value: &Value) -> Option<String> {
        match value {
            Value::Object(map) => match map.get(TOML_DATETIME_KEY) {
                Some(date) if map.len() == 1 => Some(date.as_str().unwrap_or_default().to_owned()),
                _ => map.values().find_map(unquoted_date),
            },
            Value::Array(items) => items.iter().find_map(unquoted_date),
            _ => None,
        }
    }

    /// Says where a date is written without quotes (the first line holding it unquoted).
    pub(super) fn unquoted_date_message(text: &str, date: &str) -> String {
        let line = text
            .lines()
            .position(|line| {
                line.match_indices(date)
                    .any(|(at, _)| !line[..at].ends_with('"'))
            })
            .map(|i| format!("line {}: ", i + 1))
            .unwrap_or_default();
        format!(
            "{line}the date {date} is written without quotes; write it as \"{date}\" (dates are text in kakunin, as in the records)"
        )
    }

    /// " — did you mean `x`?" for the candidate a mistyped name most likely meant, or nothing.
    fn did_you_mean(name: &str, candidates: &[&str]) -> String {
        closest(name, candidates)
            .map(|c| format!(" — did you mean `{c}`?"))
            .unwrap_or_default()
    }

    /// The candidate a mistyped name most likely meant: of those that begin with it or it with
    /// them, or that a few edits make it (at most 2, fewer for short names; case aside), the one
    /// the fewest edits away. Also a path's keys, one by one
    /// ([`RecordSchema::not_a_field`](crate::schema::RecordSchema::not_a_field)).
    pub(crate) fn closest<'c>(name: &str, candidates: &[&'c str]) -> Option<&'c str> {
        let close = |c: &&&str| {
            let (a, b) = (name.to_lowercase(), c.to_lowercase());
            let prefix = a.len().min(b.len()) >= 3 && (a.starts_with(&b) || b.starts_with(&a));
            let most = 2.min(a.chars().count() / 3 + 1);
            // No fewer edits than the lengths differ: a long name is not compared at length.
            prefix
                || (a.chars().count().abs_diff(b.chars().count()) <= most
                    && edit_distance(&a, &b) <= most)
        };
        candidates
            .iter()
            .filter(close)
            .min_by_key(|c| edit_distance(name, c))
            .copied()
    }

    /// Levenshtein distance over characters (names are short).
    fn edit_distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut diagonal = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let above = row[j + 1];
                row[j + 1] = (above + 1)
                    .min(row[j] + 1)
                    .min(diagonal + usize::from(ca != *cb));
                diagonal = above;
            }
        }
        row[b.len()]
    }

    /// The names in backquotes of a serde message (`expected one of `a`, `b``).
    fn quoted_names(text: &str) -> Vec<&str> {
        text.split('`').skip(1).step_by(2).collect()
    }

    /// serde's description of a TOML value that does not fit, in a rule author's words.
    pub(super) fn plain_toml_words(message: &str, at: &str) -> String {
        // `rest` starts with the name and its closing backquote; what is allowed comes after.
        let first_name = |rest: &str| rest.split('`').next().unwrap_or_default().to_owned();
        let allowed_after = |rest: &'_ str| -> Vec<String> {
            let after_name = rest.split_once('`').map_or("", |(_, tail)| tail);
            let list = after_name.split_once("expected").map_or("", |(_, e)| e);
            quoted_names(list).into_iter().map(str::to_owned).collect()
        };
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let name = first_name(rest);
            let allowed = allowed_after(rest);
            let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
            let hint = match did_you_mean(&name, &allowed) {
                hint if !hint.is_empty() => hint,
                _ if allowed.len() <= 12 => format!(
                    " (allowed here: {})",
                    allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ => " (docs/rule-format.md lists the keys allowed here)".to_owned(),
            };
            return format!("unknown key `{name}`{hint}");
        }
        if let Some(rest) = message.strip_prefix("unknown variant `") {
            let name = first_name(rest);
            let allowed = allowed_after(rest);
            let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
            let list = allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return format!(
                "`{name}` is not allowed here; write one of {list}{}",
                did_you_mean(&name, &allowed)
            );
        }
        if let Some(rest) = message.strip_prefix("missing field `") {
            return format!("`{}` is missing here", first_name(rest));
        }
        let bare_date = at.len() >= 10
            && at.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && at.as_bytes()[4] == b'-';
        if message.starts_with("invalid type: map") && bare_date {
            return format!(
                "the date {at} is written without quotes; write it as \"{at}\" (dates are text in kakunin, as in the records)"
            );
        }
        message
            .replace("invalid type: ", "a value of the wrong kind: ")
            .replace(
                "expected a sequence",
                "expected a list in brackets, [ ... ]",
            )
            .replace(
                "expected struct Text",
                "expected a table with `ja` and `en`",
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_go_and_properties_of_that_name_stay() {
        let mut schema = serde_json::json!({
            "description": "a record", "$comment": "x", "type": "object",
            "properties": {
                "description": {"type": "string", "description": "a field called description"},
                "tests": {"type": "array", "items": {"title": "検査", "examples": [1],
                    "anyOf": [{"description": "d", "format": "date"}]}}
            },
            "$defs": {"day": {"description": "d", "format": "date"}}
        });
        without_annotations(&mut schema);
        let expected = serde_json::json!({
            "type": "object",
            "properties": {
                "description": {"type": "string"},
                "tests": {"type": "array", "items": {"title": "検査", "anyOf": [{"format": "date"}]}}
            },
            "$defs": {"day": {"format": "date"}}
        });
        assert_eq!(schema, expected);
    }
}
