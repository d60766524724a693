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
        for table in manifest.tables.values() {
            if files.get(&table.file).is_none() {
                let path = dir.join(&table.file);
                let text = std::fs::read_to_string(&path).map_err(|e| input_err(&path, e))?;
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
                .map_err(|e| Error::pack("codes.toml", None, toml_message(&e)))?,
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
        let schema: Value = serde_json::from_str(self.files.require(schema_file)?)
            .map_err(|e| Error::pack(schema_file, None, e.to_string()))?;
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
                files.insert(file, text);
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
        // Name the rule when its id can be read at all (an unknown key, a missing field).
        let table: Option<toml::Table> = toml::from_str(text).ok();
        let id = table.as_ref().and_then(|t| t.get("id")?.as_str());
        Error::pack(file, id, toml_message(&e))
    })?;
    let doc = &spec.doc;
    if doc.ja.trim().is_empty() || doc.en.trim().is_empty() || doc.source.trim().is_empty() {
        return Err(Error::pack(
            file,
            Some(&spec.id),
            "`doc` needs `ja`, `en` and `source`",
        ));
    }
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
        toml::from_str(text).map_err(|e| Error::pack(MANIFEST, None, toml_message(&e)))
    }
}

/// A TOML error in one line, with its line number.
#[cfg(feature = "toml")]
pub(crate) fn toml_message(e: &toml::de::Error) -> String {
    e.to_string()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
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
            _ => Err(Error::InvalidOption {
                name: "tiers".into(),
                message: format!("`{s}` is not hc, pref or nat"),
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
        toml::from_str(text).map_err(|e| Error::pack(file, None, toml_message(&e)))?;
    serde_json::to_value(value).map_err(|e| Error::pack(file, None, e.to_string()))
}
