//! `mapping.toml`: which CSV header goes to which record path, as which type.
//!
//! Each pack ships one, because the same data arrives under different headers (Tokyo writes
//! `退院済フラグ` where the recommended layout says `患者_退院済フラグ`). The mapping is resolved
//! against a file's header row once; per row, a cell only follows a precomputed path.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;
use serde_json::{Map, Number, Value};
use std::sync::Arc;

use crate::screen::{Screen, ScreenedField};
use crate::{Plan, RuleSet};

use super::note::{NAMED_UNMAPPED, Note};
use crate::path::{escape_token, unescape_token};
use crate::text::cmp_short;

/// A CSV mapping, usually read from a pack's `mapping.toml`.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    columns: Vec<Column>,
    /// Parsed `path` of each column, same order as `columns`.
    segments: Vec<Vec<Seg>>,
    /// Header or alias (trimmed) to index in `columns`.
    by_header: HashMap<String, usize>,
    /// By the record-schema pattern of a code field (`/notification/symptoms/*`), the labels
    /// its cells may hold for codes (see [`Mapping::accept_labels`]).
    labels: HashMap<String, Arc<Labels>>,
    /// The record schema's path patterns (`/tests`, `/tests/*/method`): a column whose header
    /// lands on one is read as that field, not kept as a stray key (see
    /// [`Mapping::know_fields`]).
    fields: HashSet<String>,
}

/// A code list's labels (Japanese and English) to their codes.
pub type Labels = HashMap<String, String>;

/// One `[[column]]` of `mapping.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The header as the recommended layout spells it.
    pub header: String,
    /// Other spellings seen in real files.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// JSON Pointer of the record field the cell goes to, e.g. `/notification/diagnosed_on`.
    pub path: String,
    /// What the cell is converted to.
    #[serde(default, rename = "type")]
    pub kind: ColumnType,
}

/// The type a cell is converted to. A cell that does not convert stays the string it was, so a
/// rule can report it instead of the reader hiding it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// Kept as written.
    #[default]
    String,
    /// A whole number (`42`, `-3`); no thousands separators, so `"10,001"` stays a string.
    Integer,
    /// Any finite decimal number (`36.5`, `1e3`); whole numbers are stored as integers.
    Number,
    /// `true`/`false` (any case), `1`/`0`, 有/無, あり/なし or はい/いいえ.
    Boolean,
    /// Items separated by `;`, each trimmed, empty items dropped.
    List,
}

#[cfg(feature = "toml")]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    column: Vec<Column>,
}

impl Mapping {
    /// Parses and checks `mapping.toml` text. The error says which column is wrong and why.
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<Mapping, String> {
        let file: MappingFile =
            toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
        Mapping::new(file.column)
    }

    /// Builds a mapping from columns, with the same checks as [`Mapping::from_toml`]: headers
    /// non-empty and unique (aliases included), paths valid JSON Pointers that do not overlap.
    pub fn new(columns: Vec<Column>) -> Result<Mapping, String> {
        let mut segments: Vec<Vec<Seg>> = Vec::with_capacity(columns.len());
        let mut by_header = HashMap::new();
        for (index, column) in columns.iter().enumerate() {
            let segs = parse_pointer(&column.path).map_err(|why| {
                format!("column `{}`: path `{}` {why}", column.header, column.path)
            })?;
            for (other, earlier) in columns.iter().zip(&segments) {
                if overlaps(earlier, &segs) {
                    return Err(format!(
                        "column `{}`: path `{}` overlaps the path `{}` of column `{}`",
                        column.header, column.path, other.path, other.header
                    ));
                }
            }
            segments.push(segs);
            for name in std::iter::once(&column.header).chain(&column.aliases) {
                let name = clean_header(name);
                if name.is_empty() {
                    return Err(format!(
                        "column with path `{}`: empty header or alias",
                        column.path
                    ));
                }
                if let Some(previous) = by_header.insert(name.to_owned(), index) {
                    let previous = columns.get(previous).map_or("", |c| c.header.as_str());
                    return Err(format!(
                        "header `{name}` is listed twice (columns `{previous}` and `{}`)",
                        column.header
                    ));
                }
            }
        }
        Ok(Mapping {
            labels: HashMap::new(),
            fields: HashSet::new(),
            columns,
            segments,
            by_header,
        })
    }

    /// Lets the cells of code columns hold a code's label instead of the code: an export or a
    /// spreadsheet says `女`, the record `female`. `fields` gives, by the record-schema pattern
    /// of each code field (`/tests/*/method`; `/notification/symptoms/*` for a list's items),
    /// the labels of the code list a rule checks it against ([`RuleSet::csv_mapping`]). Mapped
    /// and dotted columns alike take them. A cell that is neither a code nor a label stays as
    /// written, for the rule to report.
    pub fn accept_labels(&mut self, fields: impl IntoIterator<Item = (String, Arc<Labels>)>) {
        self.labels.extend(fields);
    }

    /// Tells the mapping which fields the record has: `schema`'s. A header the mapping does not
    /// list but that names one of them (`tests`, `acknowledged`: a column of a table made of
    /// records) is read onto that field, so it is not noted as unknown ([`Layout::notes`]).
    /// [`RuleSet::csv_mapping`] does this with the pack's record schema.
    pub fn know_fields(&mut self, schema: &crate::schema::RecordSchema) {
        self.fields
            .extend(schema.paths().map(|(pattern, _)| pattern.to_owned()));
    }

    /// Whether the record schema ([`Mapping::know_fields`]) has a field at `pattern`.
    fn knows_field(&self, pattern: &str) -> bool {
        self.fields.contains(pattern)
    }

    /// The labels a column at `pattern` takes: its own field's, or its items' for a list.
    fn labels_at(&self, pattern: &str) -> Option<Arc<Labels>> {
        (self.labels.get(pattern))
            .or_else(|| self.labels.get(&format!("{pattern}/*")))
            .cloned()
    }

    /// The columns, in file order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Every header the mapping recognizes: each column's header, then its aliases.
    pub fn headers(&self) -> impl Iterator<Item = &str> + '_ {
        self.columns
            .iter()
            .flat_map(|c| std::iter::once(&c.header).chain(&c.aliases))
            .map(String::as_str)
    }

    /// The column a header (or alias) belongs to; surrounding whitespace is ignored.
    pub fn column(&self, header: &str) -> Option<&Column> {
        self.by_header
            .get(clean_header(header))
            .and_then(|&i| self.columns.get(i))
    }

    /// How many of a file's headers this mapping knows. A caller choosing between packs takes the
    /// mapping that knows the most.
    pub fn matches_header(&self, headers: &[String]) -> usize {
        headers
            .iter()
            .filter(|h| self.by_header.contains_key(clean_header(h)))
            .count()
    }

    fn lookup(&self, header: &str) -> Option<(&[Seg], ColumnType)> {
        let &index = self.by_header.get(header)?;
        let segs = self.segments.get(index)?;
        let kind = self.columns.get(index)?.kind;
        Some((segs, kind))
    }
}

/// Headers are compared without surrounding whitespace or a stray byte-order mark: spreadsheet
/// exports add both.
pub(crate) fn clean_header(header: &str) -> &str {
    header.trim().trim_start_matches('\u{feff}').trim()
}

/// One step of a record path: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Array indexes above this are taken as object keys, so a header like `x.999999999` cannot make
/// every row allocate a huge array.
const MAX_INDEX: usize = 9_999;

fn segment(text: &str) -> Seg {
    let canonical = text == "0" || !text.starts_with('0');
    let digits = (1..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<usize>() {
        Ok(n) if canonical && digits && n <= MAX_INDEX => Seg::Index(n),
        _ => Seg::Key(text.to_owned()),
    }
}

/// A record path from a JSON Pointer. The first segment is always a key: a record is an object.
fn parse_pointer(pointer: &str) -> Result<Vec<Seg>, &'static str> {
    let rest = pointer
        .strip_prefix('/')
        .ok_or("is not a JSON Pointer (it must start with `/`)")?;
    let mut segs = Vec::new();
    for raw in rest.split('/') {
        if raw.is_empty() {
            return Err("has an empty segment");
        }
        let text = unescape_token(raw).into_owned();
        segs.push(if segs.is_empty() {
            Seg::Key(text)
        } else {
            segment(&text)
        });
    }
    Ok(segs)
}

/// A record path from a dotted header (`notification.diagnosed_on`, `tests.0.method`), if the
/// header looks like one: two or more parts of ASCII letters, digits, `_` or `-`, the first not
/// a number. Anything else (`No.`, `発症_年月日`) is an ordinary header.
fn parse_dotted(header: &str) -> Option<Vec<Seg>> {
    if !header.contains('.') {
        return None;
    }
    let mut segs = Vec::new();
    for part in header.split('.') {
        let ok = !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return None;
        }
        if segs.is_empty() {
            if part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            segs.push(Seg::Key(part.to_owned()));
        } else {
            segs.push(segment(part));
        }
    }
    Some(segs)
}

/// Two paths overlap when one is a prefix of the other, or where they first differ one goes
/// into an object and the other into an array: their cells could not both be placed.
fn overlaps(a: &[Seg], b: &[Seg]) -> bool {
    for (x, y) in a.iter().zip(b) {
        match (x, y) {
            (Seg::Key(p), Seg::Key(q)) if p == q => {}
            (Seg::Index(p), Seg::Index(q)) if p == q => {}
            (Seg::Key(_), Seg::Key(_)) | (Seg::Index(_), Seg::Index(_)) => return false,
            _ => return true,
        }
    }
    true
}

/// Where one column's cells go. No segments: the column is dropped.
#[derive(Debug, Clone)]
struct Target {
    segs: Vec<Seg>,
    kind: ColumnType,
    /// Labels the column's cells may hold for codes, read as the codes.
    labels: Option<Arc<Labels>>,
}

impl Target {
    /// The path as a pattern of the record schema (`/tests/*/method`).
    fn pattern(&self) -> String {
        self.written(|_| "*".to_owned())
    }

    /// The path as a JSON Pointer.
    fn pointer(&self) -> String {
        self.written(|i| i.to_string())
    }

    /// The path with each array step written by `step`.
    fn written(&self, step: impl Fn(usize) -> String) -> String {
        self.segs
            .iter()
            .map(|seg| match seg {
                Seg::Key(key) => format!("/{}", escape_token(key)),
                Seg::Index(i) => format!("/{}", step(*i)),
            })
            .collect()
    }
}

/// A header row resolved once into where each column's cells go in a record.
///
/// The CSV reader uses it for every row; hosts that bring their own tables (pandas, polars,
/// Arrow in the bindings) use it too, so a column maps the same way whatever the table came in.
/// Header rules: a header the mapping knows goes to its path as its type; an unknown dotted
/// header (`tests.0.method`) to that nested path; any other to a top-level key of its own name;
/// an empty header is dropped. A column whose path collides with an earlier one's is kept under
/// its header (or `header (n)`) instead, with a note.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Tells this layout's skeleton from any other's, for [`Reused`] (a clone has the same one).
    id: u64,
    targets: Vec<Target>,
    /// The columns that go somewhere, in column order ([`Layout::keeps`]).
    kept: Vec<usize>,
    notes: Vec<Note>,
    /// The record the columns build, as its fields in key order ([`Layout::build`]).
    skeleton: Vec<(String, Skeleton)>,
    /// Whether a record built from text cells is no deeper than the checks' depth limit, so
    /// that it need not be walked to find out.
    text_within_depth: bool,
    /// The screen of the plan the rows are checked with, when it leaves columns out
    /// ([`Layout::screen_for`]).
    screening: Option<Arc<Screening>>,
}

/// A layout's screen ([`crate::screen`]): a row whose screened cells all pass is built by
/// `lean`, which leaves out the columns only the screened rules read.
#[derive(Debug)]
struct Screening {
    screen: Screen,
    lean: Layout,
    /// Each screened column: its index, its type, and the index of its field in
    /// `screen.fields`.
    columns: Vec<(usize, ColumnType, usize)>,
}

impl Screening {
    /// Whether the screened rules accept every screened cell of the row, judged as the value
    /// the build makes of it.
    fn accepts(&self, cells: &[Option<Cell<'_>>]) -> bool {
        self.judges()
            .all(|judge| judge.accepts(cells.get(judge.column).and_then(Option::as_ref)))
    }

    fn judges(&self) -> impl Iterator<Item = ColumnScreen<'_>> {
        (self.columns.iter()).map(|&(column, kind, field)| ColumnScreen {
            column,
            kind,
            field: &self.screen.fields[field],
        })
    }
}

/// The screen's judge of one column's cells ([`Layout::column_screens`]).
#[derive(Debug, Clone, Copy)]
pub struct ColumnScreen<'l> {
    /// The column it judges.
    pub column: usize,
    kind: ColumnType,
    field: &'l ScreenedField,
}

impl ColumnScreen<'_> {
    /// Whether the screened rules accept `cell` (`None`: no cell), judged as the value the
    /// build makes of it. A container cell is not judged: its row is built whole.
    pub fn accepts(&self, cell: Option<&Cell<'_>>) -> bool {
        let field = self.field;
        match cell {
            Some(Cell::Text(text)) => match self.kind {
                _ if text.is_empty() => true,
                ColumnType::String => field.accepts_text(text),
                kind => match kind.typed(text) {
                    Some(value) => field.accepts(&value),
                    None => field.accepts_text(text),
                },
            },
            Some(Cell::Value(Value::Array(_) | Value::Object(_))) => false,
            Some(Cell::Value(value)) => field.accepts(value),
            None => true,
        }
    }
}

/// A record kept from one row to the next by a thread that builds many rows of one layout
/// ([`Layout::build_into`]): the next row reuses its keys, containers and text buffers instead
/// of allocating them anew and dropping them again (for a table's narrow rows, as much work as
/// reading the cells).
#[derive(Debug, Default)]
pub struct Reused {
    /// The layout that filled `record` last (0: none, `record` is anyone's).
    layout: u64,
    record: Value,
    /// Whether `record` is known to be no deeper than [`MAX_DEPTH`](crate::ruleset::MAX_DEPTH).
    within_depth: bool,
    /// The plan to check `record` with instead of the caller's, when a screen built it without
    /// the columns of the rules it left out ([`Layout::screen_for`]).
    pub(crate) lean: Option<Arc<Plan>>,
}

impl Reused {
    /// The record last built or set.
    pub fn record(&self) -> &Value {
        &self.record
    }

    /// Holds `record`, built some other way.
    pub fn set(&mut self, record: Value) {
        self.layout = 0;
        self.record = record;
        self.within_depth = false;
        self.lean = None;
    }

    /// Whether the record is known to be no deeper than the checks' depth limit: built by a
    /// layout from text and scalar cells only.
    pub(crate) fn within_depth(&self) -> bool {
        self.within_depth
    }

    /// The plan to check the record with: `plan`, or the lean plan of its screen when the
    /// record was built lean.
    pub(crate) fn plan<'p>(&'p self, plan: &'p Plan) -> &'p Plan {
        self.lean.as_deref().unwrap_or(plan)
    }
}

/// Text buffers longer than this are not kept for the next row: one huge cell would otherwise
/// hold its memory for as long as the thread lives.
const KEPT_TEXT: usize = 1024;

/// Layout ids: 0 is no layout.
static NEXT_LAYOUT: AtomicU64 = AtomicU64::new(1);

fn next_layout_id() -> u64 {
    NEXT_LAYOUT.fetch_add(1, Ordering::Relaxed)
}

/// One cell of a row, as a host hands it to [`Layout::build`].
#[derive(Debug)]
pub enum Cell<'a> {
    /// Text, converted to the column's type (an empty cell is left out).
    Text(&'a str),
    /// A value already typed, such as an Arrow cell's (`null` is left out).
    Value(Value),
}

/// Where the columns go, as a tree: a row is built container by container, each container's
/// entries in the order a JSON object keeps them, so no container is looked up or inserted
/// into per cell.
#[derive(Debug, Clone)]
enum Skeleton {
    /// Column `index`'s cell.
    Column(usize),
    /// An object's fields, in key order.
    Object(Vec<(String, Skeleton)>),
    /// An array's elements, in index order; missing ones are `null`.
    Array(Vec<(usize, Skeleton)>),
}

impl Layout {
    /// Resolves `headers` (a file's header row, in order) with `mapping`.
    pub fn new(mapping: Option<&Mapping>, headers: &[String]) -> Layout {
        let (targets, notes) = plan(mapping, headers);
        Layout::with_targets(targets, notes)
    }

    /// The layout that puts the columns at `targets`: its tree, and a new id.
    fn with_targets(targets: Vec<Target>, notes: Vec<Note>) -> Layout {
        let skeleton = skeleton(&targets);
        let is_list = |index: usize| targets[index].kind == ColumnType::List;
        let text_within_depth = deepest_text(&skeleton, 1, &is_list) <= crate::ruleset::MAX_DEPTH;
        let kept = (targets.iter().enumerate())
            .filter(|(_, t)| !t.segs.is_empty())
            .map(|(index, _)| index)
            .collect();
        Layout {
            id: next_layout_id(),
            targets,
            kept,
            notes,
            skeleton,
            text_within_depth,
            screening: None,
        }
    }

    /// The record of one row, from its cells in column order (`None`: no cell). The cells are
    /// taken in column order, as a row lies in memory, rather than asked for in the record's
    /// key order: a row read on another thread is cold, and out-of-order reads pay for every
    /// cache line they touch. Containers are made only for the cells entered; arrays are padded
    /// with `null`.
    pub fn build(&self, mut cells: Vec<Option<Cell<'_>>>) -> Map<String, Value> {
        self.build_with(|index| cells.get_mut(index)?.take())
    }

    /// [`Layout::build`] asking `cell` for the cell of each column it builds from, as
    /// [`Layout::build_judged_with`] does.
    pub fn build_with<'c>(
        &self,
        mut cell: impl FnMut(usize) -> Option<Cell<'c>>,
    ) -> Map<String, Value> {
        fields(&self.skeleton, &mut |index| {
            self.entered(cell(index), index).map(Entered::into_value)
        })
    }

    /// [`Layout::build`] into `into`: the same record, reusing what the last row built with
    /// this layout left there. With a screen ([`Layout::screen_for`]), a row whose screened
    /// cells all pass is built without the columns only the screened rules read, and `into`
    /// says to check it with the plan that leaves them out.
    pub fn build_into(&self, cells: Vec<Option<Cell<'_>>>, into: &mut Reused) {
        let accepted = (self.screening.as_ref()).is_some_and(|screening| screening.accepts(&cells));
        self.build_judged_into(cells, accepted, into);
    }

    /// [`Layout::build_into`] for a row whose screened cells the host judged already, a column
    /// at a time ([`Layout::column_screens`]): `accepted` when every judge accepted its cell.
    /// An accepted row needs only the cells of the columns [`Layout::kept_accepted`] names.
    pub fn build_judged_into(
        &self,
        mut cells: Vec<Option<Cell<'_>>>,
        accepted: bool,
        into: &mut Reused,
    ) {
        self.build_judged_with(|index| cells.get_mut(index)?.take(), accepted, into);
    }

    /// [`Layout::build_judged_into`] asking `cell` for the cell of each column it builds from,
    /// once each, in the record's key order: for a host that holds its table by column, where
    /// reading a row's cells in column order gains nothing, so no row of cells is gathered.
    pub fn build_judged_with<'c>(
        &self,
        cell: impl FnMut(usize) -> Option<Cell<'c>>,
        accepted: bool,
        into: &mut Reused,
    ) {
        match &self.screening {
            Some(screening) if accepted => {
                screening.lean.refill(cell, into);
                let lean = &screening.screen.lean;
                if !into
                    .lean
                    .as_ref()
                    .is_some_and(|kept| Arc::ptr_eq(kept, lean))
                {
                    into.lean = Some(lean.clone());
                }
            }
            _ => {
                self.refill(cell, into);
                into.lean = None;
            }
        }
    }

    /// The judges of the screened columns ([`Layout::screen_for`]); none without a screen. A
    /// host that holds its table by column can judge each column in one pass, where its cells
    /// lie together, and build each row with [`Layout::build_judged_into`].
    pub fn column_screens(&self) -> Vec<ColumnScreen<'_>> {
        (self.screening.iter())
            .flat_map(|screening| screening.judges())
            .collect()
    }

    /// The columns a row whose screened cells were all accepted is built from, in column order:
    /// [`Layout::kept`] without the columns only the screened rules read.
    pub fn kept_accepted(&self) -> &[usize] {
        match &self.screening {
            Some(screening) => screening.lean.kept(),
            None => self.kept(),
        }
    }

    /// Screens the rows this layout builds into records for `plan`, when that leaves columns
    /// out of most rows. `plan` must be the plan the records are checked with: a row built
    /// lean is checked with the lean plan of its screen.
    ///
    /// The screen covers the selected rules that judge each value on its own (code lists,
    /// ranges, patterns and formats, with no condition and no carried values): they find
    /// nothing in a row whose cells they accept, so [`Layout::build_into`] builds such a row
    /// without the columns only they read, and the row is checked without them. A row with a
    /// cell they reject is built and checked whole, so the findings are the same either way.
    ///
    /// Each cell is judged as the value the build makes of it. A rule that reads a field
    /// below a column (the items of a list) or above one (an object the columns fill) is not
    /// screened: no one cell makes its values.
    pub fn screen_for(&mut self, rules: &RuleSet, plan: &Plan) {
        self.screening = None;
        let patterns: Vec<(usize, String)> = (self.kept.iter())
            .map(|&column| (column, self.targets[column].pattern()))
            .collect();
        let below = |a: &str, b: &str| a.strip_prefix(b).is_some_and(|r| r.starts_with('/'));
        let made_by_cells = |field: &str| {
            !patterns
                .iter()
                .any(|(_, column)| below(column, field) || below(field, column))
        };
        let Some(screen) = rules.screen(plan, made_by_cells) else {
            return;
        };
        let columns = patterns
            .iter()
            .filter_map(|(column, pattern)| {
                let field = screen.fields.iter().position(|f| f.pattern == *pattern)?;
                Some((*column, self.targets[*column].kind, field))
            })
            .collect();
        let mut lean = self.clone();
        lean.keep_fields(screen.lean.fields());
        if lean.kept.len() < self.kept.len() {
            self.screening = Some(Arc::new(Screening {
                screen,
                lean,
                columns,
            }));
        }
    }

    /// The record of `cells` built into `into` by this layout, screen aside.
    fn refill<'c>(&self, mut cell: impl FnMut(usize) -> Option<Cell<'c>>, into: &mut Reused) {
        // A typed cell may hold a container of any depth; text makes a string or a flat list.
        let mut container = false;
        let mut entered = |index: usize| {
            let entered = self.entered(cell(index), index)?;
            container |= matches!(entered, Entered::Value(Value::Array(_) | Value::Object(_)));
            Some(entered)
        };
        // The refill walks the kept keys beside the layout's in key order; with maps in
        // insertion order (serde_json's `preserve_order`) the record is built afresh instead.
        if into.layout != self.id
            || !into.record.is_object()
            || !crate::view::maps_iterate_in_key_order()
        {
            into.layout = self.id;
            into.record = Value::Object(Map::new());
        }
        if let Value::Object(fields) = &mut into.record {
            refill_fields(&self.skeleton, &mut entered, fields);
        }
        into.within_depth = self.text_within_depth && !container;
    }

    /// Column `index`'s cell, if entered.
    fn entered<'c>(&self, cell: Option<Cell<'c>>, index: usize) -> Option<Entered<'c>> {
        let target = self.targets.get(index)?;
        match cell? {
            Cell::Text("") => None,
            Cell::Text(text) => Some(match target.labels.as_deref() {
                Some(labels) => match target.kind.coded(text, labels) {
                    Some(value) => Entered::Value(value),
                    None => Entered::Text(target.kind, text),
                },
                None => Entered::Text(target.kind, text),
            }),
            Cell::Value(value) => (!value.is_null()).then_some(Entered::Value(value)),
        }
    }

    /// Decisions a user should know of, such as a column kept under another key; each says
    /// itself in either language ([`Note::message`]).
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Whether column `index` goes anywhere; a host can skip converting the cells of one that
    /// does not (an empty header).
    pub fn keeps(&self, index: usize) -> bool {
        self.targets.get(index).is_some_and(|t| !t.segs.is_empty())
    }

    /// The columns that go somewhere, in column order: a reader need look at no other cell.
    pub fn kept(&self) -> &[usize] {
        &self.kept
    }

    /// Drops the columns whose record path `fields` does not want, as if unmapped: a read that
    /// uses only some fields need not build the rest.
    pub fn keep_fields(&mut self, fields: crate::Fields<'_>) {
        let mut targets = std::mem::take(&mut self.targets);
        for target in &mut targets {
            if !target.segs.is_empty() && !fields.wants_pointer(&target.pointer()) {
                target.segs.clear();
            }
        }
        *self = Layout::with_targets(targets, std::mem::take(&mut self.notes));
    }
}

/// Resolves a header row: each column's target, plus notes on columns that could not go where
/// their header says and, with a mapping, on headers it does not know.
fn plan(mapping: Option<&Mapping>, headers: &[String]) -> (Vec<Target>, Vec<Note>) {
    let mut targets: Vec<Target> = Vec::with_capacity(headers.len());
    let mut notes = Vec::new();
    // With a mapping, a header it does not know (and that is no dotted path, nor the name of a
    // field of the record schema) fills no field a rule reads: the user sees only "missing"
    // findings unless told.
    let mapping = mapping.filter(|m| !m.columns.is_empty());
    let mut unmapped: Vec<(usize, &str)> = Vec::new();
    let mut any_placed = false;
    for (index, raw) in headers.iter().enumerate() {
        let header = clean_header(raw);
        let number = index + 1;
        if header.is_empty() {
            targets.push(Target {
                segs: Vec::new(),
                kind: ColumnType::String,
                labels: None,
            });
            continue;
        }
        // A header that is neither mapped nor dotted: unknown, unless its column lands on a
        // field of the record schema (decided once it is placed).
        let mut plain = false;
        let (wanted, kind) = match mapping.and_then(|m| m.lookup(header)) {
            Some((segs, kind)) => {
                any_placed = true;
                (segs.to_vec(), kind)
            }
            None => match parse_dotted(header) {
                Some(segs) => {
                    any_placed = true;
                    (segs, ColumnType::String)
                }
                None => {
                    plain = true;
                    (vec![Seg::Key(header.to_owned())], ColumnType::String)
                }
            },
        };
        let taken = |segs: &[Seg]| {
            targets
                .iter()
                .any(|t| !t.segs.is_empty() && overlaps(&t.segs, segs))
        };
        let candidates = [
            wanted,
            vec![Seg::Key(header.to_owned())],
            vec![Seg::Key(format!("{header} ({number})"))],
        ];
        let chosen = candidates.iter().position(|segs| !taken(segs));
        let segs = match chosen {
            Some(0) => candidates.into_iter().next().unwrap_or_default(),
            Some(n) => {
                let segs = candidates.into_iter().nth(n).unwrap_or_default();
                let key = match segs.first() {
                    Some(Seg::Key(key)) => key.clone(),
                    _ => String::new(),
                };
                notes.push(Note::KeptApart {
                    column: number,
                    header: header.to_owned(),
                    key,
                });
                segs
            }
            None => {
                notes.push(Note::Dropped {
                    column: number,
                    header: header.to_owned(),
                });
                Vec::new()
            }
        };
        let mut target = Target {
            segs,
            kind,
            labels: None,
        };
        // Only a column placed where its header says is the code field it names.
        if chosen == Some(0) {
            target.labels = mapping.and_then(|m| m.labels_at(&target.pattern()));
        }
        if plain && mapping.is_some() {
            if chosen == Some(0) && mapping.is_some_and(|m| m.knows_field(&target.pattern())) {
                any_placed = true;
            } else {
                unmapped.push((number, header));
            }
        }
        targets.push(target);
    }
    if mapping.is_some() && !headers.is_empty() {
        if !any_placed {
            // No header is named, so collisions are not noted either: a first row that fills
            // nothing may well be data (JSON Lines repeats keys, and their values, in it).
            notes.clear();
            notes.push(Note::NothingMapped);
        } else if let Some(note) = unmapped_note(&unmapped) {
            notes.push(note);
        }
    }
    (targets, notes)
}

/// The note naming the columns (number, header) the mapping does not know, or `None` for none.
/// Headers only: cells hold personal values and never appear in notes.
fn unmapped_note(unmapped: &[(usize, &str)]) -> Option<Note> {
    (!unmapped.is_empty()).then(|| Note::NotMapped {
        columns: (unmapped.iter().take(NAMED_UNMAPPED))
            .map(|(number, header)| (*number, (*header).to_owned()))
            .collect(),
        count: unmapped.len(),
    })
}

/// The tree of the columns that go somewhere (a path starts with a key: a record is an
/// object). Paths do not overlap ([`plan`]); a column that would is left out.
fn skeleton(targets: &[Target]) -> Vec<(String, Skeleton)> {
    let mut root = Skeleton::Object(Vec::new());
    for (index, target) in targets.iter().enumerate() {
        if let Some(Seg::Key(_)) = target.segs.first() {
            graft(&mut root, &target.segs, index);
        }
    }
    let Skeleton::Object(mut fields) = root else {
        return Vec::new();
    };
    sort(&mut fields);
    fields
}

/// Adds column `index` at `segs` below `node`.
fn graft(node: &mut Skeleton, segs: &[Seg], index: usize) {
    let Some((seg, rest)) = segs.split_first() else {
        return;
    };
    let fresh = || match rest.first() {
        None => Skeleton::Column(index),
        Some(Seg::Index(_)) => Skeleton::Array(Vec::new()),
        Some(Seg::Key(_)) => Skeleton::Object(Vec::new()),
    };
    let child = match (node, seg) {
        (Skeleton::Object(fields), Seg::Key(key)) => {
            match fields.iter().position(|(k, _)| k == key) {
                Some(at) => &mut fields[at].1,
                None => {
                    fields.push((key.clone(), fresh()));
                    &mut fields.last_mut().expect("just pushed").1
                }
            }
        }
        (Skeleton::Array(items), &Seg::Index(at)) => {
            match items.iter().position(|(i, _)| *i == at) {
                Some(found) => &mut items[found].1,
                None => {
                    items.push((at, fresh()));
                    &mut items.last_mut().expect("just pushed").1
                }
            }
        }
        _ => return,
    };
    graft(child, rest, index);
}

/// Puts every container's entries in the order the record keeps them.
fn sort(fields: &mut [(String, Skeleton)]) {
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    fields
        .iter_mut()
        .for_each(|(_, child)| sort_children(child));
}

fn sort_children(node: &mut Skeleton) {
    match node {
        Skeleton::Object(fields) => sort(fields),
        Skeleton::Array(items) => {
            items.sort_by_key(|(at, _)| *at);
            items.iter_mut().for_each(|(_, child)| sort_children(child));
        }
        Skeleton::Column(_) => {}
    }
}

/// An object's fields that have something entered below them.
fn fields(
    skeleton: &[(String, Skeleton)],
    cell: &mut impl FnMut(usize) -> Option<Value>,
) -> Map<String, Value> {
    let mut fields = Map::new();
    for (key, child) in skeleton {
        if let Some(value) = value(child, cell) {
            fields.insert(key.clone(), value);
        }
    }
    fields
}

/// A cell entered in a row, not yet converted.
enum Entered<'a> {
    Text(ColumnType, &'a str),
    Value(Value),
}

impl Entered<'_> {
    fn into_value(self) -> Value {
        match self {
            Entered::Text(kind, text) => kind.convert(text),
            Entered::Value(value) => value,
        }
    }

    /// Writes the cell's value over `slot`, in the text buffer already there when it fits.
    fn write(self, slot: &mut Value) {
        let text = match self {
            Entered::Value(value) => return *slot = value,
            Entered::Text(kind, text) => match kind.typed(text) {
                Some(value) => return *slot = value,
                None => text,
            },
        };
        match slot {
            Value::String(kept) if kept.capacity() <= KEPT_TEXT => {
                kept.clear();
                kept.push_str(text);
            }
            _ => *slot = Value::String(text.to_owned()),
        }
    }
}

/// The depth of the deepest value text cells can make in `fields` (at `depth`): a column's
/// text, or the items of a list column (`is_list`), one level further.
fn deepest_text(
    fields: &[(String, Skeleton)],
    depth: usize,
    is_list: &dyn Fn(usize) -> bool,
) -> usize {
    fields
        .iter()
        .map(|(_, node)| deepest_at(node, depth, is_list))
        .max()
        .unwrap_or(depth)
}

fn deepest_at(node: &Skeleton, depth: usize, is_list: &dyn Fn(usize) -> bool) -> usize {
    match node {
        Skeleton::Column(index) => depth + usize::from(is_list(*index)),
        Skeleton::Object(fields) => deepest_text(fields, depth + 1, is_list),
        Skeleton::Array(elements) => elements
            .iter()
            .map(|(_, element)| deepest_at(element, depth + 1, is_list))
            .max()
            .unwrap_or(depth),
    }
}

/// Makes `fields`, built by the same skeleton for an earlier row (or empty), what [`fields`]
/// would build for this one.
fn refill_fields<'c>(
    skeleton: &[(String, Skeleton)],
    cell: &mut impl FnMut(usize) -> Option<Entered<'c>>,
    fields: &mut Map<String, Value>,
) {
    // Both are in key order, so they are walked side by side: a look-up per key would compare
    // it with the node's keys before it again.
    let mut emptied: Vec<&str> = Vec::new();
    let mut added: Vec<(String, Value)> = Vec::new();
    let mut foreign = false;
    let mut entries = fields.iter_mut().peekable();
    for (key, child) in skeleton {
        let slot = loop {
            match entries.peek().map(|(k, _)| cmp_short(k, key)) {
                Some(std::cmp::Ordering::Less) => {
                    foreign = true;
                    entries.next();
                }
                Some(std::cmp::Ordering::Equal) => break entries.next().map(|(_, slot)| slot),
                _ => break None,
            }
        };
        match slot {
            Some(slot) => {
                if !refill(child, cell, slot) {
                    emptied.push(key);
                }
            }
            None => {
                if let Some(value) = value(child, &mut |i| cell(i).map(Entered::into_value)) {
                    added.push((key.clone(), value));
                }
            }
        }
    }
    foreign |= entries.next().is_some();
    for key in emptied {
        fields.remove(key);
    }
    fields.extend(added);
    if foreign {
        // Keys no skeleton entry has: never left by this layout, dropped all the same.
        fields.retain(|k, _| {
            skeleton
                .binary_search_by(|(s, _)| s.as_str().cmp(k))
                .is_ok()
        });
    }
}

/// Makes `slot` what [`value`] would build at `node`; `false` (and `slot` left in any state)
/// when nothing is entered below it.
fn refill<'c>(
    node: &Skeleton,
    cell: &mut impl FnMut(usize) -> Option<Entered<'c>>,
    slot: &mut Value,
) -> bool {
    match node {
        Skeleton::Column(index) => match cell(*index) {
            Some(entered) => {
                entered.write(slot);
                true
            }
            None => false,
        },
        Skeleton::Object(skeleton) => {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(fields) = slot else {
                return false;
            };
            refill_fields(skeleton, cell, fields);
            !fields.is_empty()
        }
        Skeleton::Array(items) => {
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            let Value::Array(elements) = slot else {
                return false;
            };
            // Elements up to `len` are final; those between it and the next entered one are
            // left-overs, nulled once an element after them is entered.
            let mut len = 0;
            for &(at, ref child) in items {
                let entered = match elements.get_mut(at) {
                    Some(element) => refill(child, cell, element),
                    None => match value(child, &mut |i| cell(i).map(Entered::into_value)) {
                        Some(element) => {
                            elements.resize(at, Value::Null);
                            elements.push(element);
                            true
                        }
                        None => false,
                    },
                };
                if entered {
                    elements[len..at].iter_mut().for_each(|e| *e = Value::Null);
                    len = at + 1;
                }
            }
            elements.truncate(len);
            len > 0
        }
    }
}

/// The value built at `node`, or `None` when nothing is entered below it.
fn value(node: &Skeleton, cell: &mut impl FnMut(usize) -> Option<Value>) -> Option<Value> {
    match node {
        Skeleton::Column(index) => cell(*index),
        Skeleton::Object(skeleton) => {
            let fields = fields(skeleton, cell);
            (!fields.is_empty()).then_some(Value::Object(fields))
        }
        Skeleton::Array(items) => {
            let mut elements = Vec::new();
            for (at, child) in items {
                if let Some(element) = value(child, cell) {
                    elements.resize(*at, Value::Null);
                    elements.push(element);
                }
            }
            (!elements.is_empty()).then_some(Value::Array(elements))
        }
    }
}

impl ColumnType {
    /// Converts one non-empty cell; a cell that does not convert is kept as a string.
    pub fn convert(self, cell: &str) -> Value {
        self.typed(cell)
            .unwrap_or_else(|| Value::String(cell.to_owned()))
    }

    /// A cell holding a code's label (or, in a list, some items that are), as the codes; `None`
    /// when there is no label in it to read.
    fn coded(self, cell: &str, labels: &Labels) -> Option<Value> {
        let label = |text: &str| labels.get(crate::text::trim(text));
        let code = |text: &str| label(text).cloned();
        match self {
            // Most cells hold codes: looked through before an array is built.
            ColumnType::List if cell.split(';').any(|item| label(item).is_some()) => {
                let Some(Value::Array(items)) = self.typed(cell) else {
                    return None;
                };
                let items = items
                    .into_iter()
                    .map(|item| item.as_str().and_then(code).map_or(item, Value::String))
                    .collect();
                Some(Value::Array(items))
            }
            ColumnType::List => None,
            _ => code(cell).map(Value::String),
        }
    }

    /// The cell converted to the column's type; `None` for text, kept as it is.
    fn typed(self, cell: &str) -> Option<Value> {
        // Text is never trimmed: only a conversion reads the trimmed cell.
        let trimmed = || crate::text::trim(cell);
        match self {
            ColumnType::String => None,
            ColumnType::Integer => trimmed().parse::<i64>().ok().map(Value::from),
            ColumnType::Number => match trimmed().parse::<i64>() {
                Ok(n) => Some(Value::from(n)),
                Err(_) => trimmed()
                    .parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number),
            },
            // Japanese forms and exports answer yes/no items with 有/無 or はい/いいえ.
            ColumnType::Boolean => match trimmed() {
                "1" | "有" | "あり" | "はい" => Some(Value::Bool(true)),
                "0" | "無" | "なし" | "いいえ" => Some(Value::Bool(false)),
                t if t.eq_ignore_ascii_case("true") => Some(Value::Bool(true)),
                t if t.eq_ignore_ascii_case("false") => Some(Value::Bool(false)),
                _ => None,
            },
            ColumnType::List => Some(Value::Array(
                cell.split(';')
                    .map(crate::text::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| Value::String(item.to_owned()))
                    .collect(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// The record a row builds, and the layout's notes in English.
    fn row(mapping: Option<&Mapping>, names: &[&str], cells: &[&str]) -> (Value, Vec<String>) {
        let layout = Layout::new(mapping, &headers(names));
        let record = layout.build(cells.iter().map(|cell| Some(Cell::Text(cell))).collect());
        let notes = layout.notes().iter();
        let notes = notes.map(|n| n.message(crate::Locale::En)).collect();
        (Value::Object(record), notes)
    }

    #[test]
    fn conversions_keep_what_does_not_convert() {
        assert_eq!(ColumnType::Integer.convert(" 42 "), json!(42));
        assert_eq!(ColumnType::Integer.convert("10,001"), json!("10,001"));
        assert_eq!(ColumnType::Integer.convert("4.5"), json!("4.5"));
        assert_eq!(ColumnType::Number.convert("36.5"), json!(36.5));
        assert_eq!(ColumnType::Number.convert("7"), json!(7));
        assert_eq!(ColumnType::Number.convert("NaN"), json!("NaN"));
        assert_eq!(ColumnType::Number.convert("inf"), json!("inf"));
        assert_eq!(ColumnType::Number.convert("1e999"), json!("1e999"));
        assert_eq!(ColumnType::Boolean.convert("TRUE"), json!(true));
        assert_eq!(ColumnType::Boolean.convert("0"), json!(false));
        assert_eq!(ColumnType::Boolean.convert("はい"), json!(true));
        assert_eq!(ColumnType::Boolean.convert(" 無 "), json!(false));
        assert_eq!(ColumnType::Boolean.convert("不明"), json!("不明"));
        assert_eq!(
            ColumnType::List.convert("発熱; 咳;;"),
            json!(["発熱", "咳"])
        );
        assert_eq!(ColumnType::String.convert(" x "), json!(" x "));
    }

    #[test]
    fn paths_nest_and_index() {
        let (value, notes) = row(
            None,
            &[
                "id",
                "notification.diagnosed_on",
                "tests.1.method",
                "tests.0.method",
                "No.",
                "",
            ],
            &["a", "2021-01-02", "pcr", "", "7", "junk"],
        );
        assert_eq!(
            value,
            json!({"id": "a", "notification": {"diagnosed_on": "2021-01-02"},
                   "tests": [null, {"method": "pcr"}], "No.": "7"})
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn colliding_columns_are_kept_apart_and_noted() {
        let (value, notes) = row(None, &["a", "a.b", "a"], &["1", "2", "3"]);
        assert_eq!(value, json!({"a": "1", "a.b": "2", "a (3)": "3"}));
        assert_eq!(notes.len(), 2);
    }

    #[test]
    fn code_columns_read_a_label_as_its_code_and_keep_anything_else() {
        let mut mapping = Mapping::from_toml(
            "[[column]]\nheader = \"性別\"\npath = \"/sex\"\n\
             [[column]]\nheader = \"症状\"\npath = \"/symptoms\"\ntype = \"list\"\n\
             [[column]]\nheader = \"メモ\"\npath = \"/memo\"\n",
        )
        .expect("valid mapping");
        let labels = |pairs: &[(&str, &str)]| {
            Arc::new(
                (pairs.iter())
                    .map(|(label, code)| (label.to_string(), code.to_string()))
                    .collect::<Labels>(),
            )
        };
        mapping.accept_labels([
            (
                "/sex".to_owned(),
                labels(&[("女", "female"), ("男", "male")]),
            ),
            (
                "/symptoms/*".to_owned(),
                labels(&[("発熱", "fever"), ("咳", "cough")]),
            ),
            ("/tests/*/method".to_owned(), labels(&[("抗原", "antigen")])),
        ]);
        let names = ["性別", "症状", "メモ"];
        let (value, _) = row(Some(&mapping), &names, &[" 女 ", "発熱; 咳; other", "女"]);
        assert_eq!(
            value,
            json!({"sex": "female", "symptoms": ["fever", "cough", "other"], "memo": "女"})
        );
        // Codes, unknown text and lists without a label stay as written.
        let (value, _) = row(Some(&mapping), &names, &["male", "不明", "x"]);
        assert_eq!(
            value,
            json!({"sex": "male", "symptoms": ["不明"], "memo": "x"})
        );
        // A second column for the field is kept under its header: it is not the code field.
        let (value, notes) = row(Some(&mapping), &["性別", "性別"], &["女", "女"]);
        assert!(notes[0].contains("collides"), "{notes:?}");
        assert_eq!(value, json!({"sex": "female", "性別": "女"}));
        // A dotted column into an array's element takes the labels of the element's field.
        let (value, _) = row(Some(&mapping), &["tests.0.method"], &["抗原"]);
        assert_eq!(value, json!({"tests": [{"method": "antigen"}]}));
    }

    /// A mapping of a few HER-SYS headers, with an alias and a typed column.
    fn small_mapping() -> Mapping {
        Mapping::from_toml(
            "[[column]]\nheader = \"レコードID\"\naliases = [\"ID\"]\npath = \"/id\"\n\
             [[column]]\nheader = \"報告年月日\"\npath = \"/notification/reported_on\"\n\
             [[column]]\nheader = \"年齢\"\npath = \"/age\"\ntype = \"integer\"\n",
        )
        .expect("valid mapping")
    }

    #[test]
    fn headers_the_mapping_does_not_know_are_noted_by_number_and_header() {
        let mapping = small_mapping();
        let (value, notes) = row(
            Some(&mapping),
            &["ID", "報告日", "診断日"],
            &["r1", "2021-03-05", "2021-03-02"],
        );
        // Still kept, under their own names, where no mapped field is.
        assert_eq!(
            value,
            json!({"id": "r1", "報告日": "2021-03-05", "診断日": "2021-03-02"})
        );
        assert_eq!(
            notes,
            [
                "2 columns are not in the mapping; their cells are kept under their headers as \
                 keys, not read as mapped fields: column 2 `報告日`, column 3 `診断日`"
            ]
        );
        let (_, notes) = row(Some(&mapping), &["ID", " メモ "], &["r1", "2021-03-05"]);
        assert_eq!(
            notes,
            [
                "column 2 `メモ` is not in the mapping; its cells are kept under the key `メモ`, \
                 not read as a mapped field"
            ]
        );
        // Cell values never appear in a note.
        assert!(!notes.iter().any(|n| n.contains("2021")));
    }

    #[test]
    fn a_fully_mapped_header_row_has_no_note() {
        let mapping = small_mapping();
        // Aliases, dotted paths and empty (spreadsheet filler) headers all count as placed.
        let (value, notes) = row(
            Some(&mapping),
            &["レコードID", "報告年月日", "年齢", "tests.0.method", "", ""],
            &["r1", "2021-03-05", "41", "pcr", "", ""],
        );
        assert_eq!(notes, Vec::<String>::new());
        assert_eq!(value["age"], json!(41));
        // Without a mapping every header is its own path: nothing to note.
        let (_, notes) = row(None, &["報告日", "診断日"], &["x", "y"]);
        assert_eq!(notes, Vec::<String>::new());
        // An empty mapping maps nothing, so it has nothing to miss either.
        let (_, notes) = row(Some(&Mapping::default()), &["報告日"], &["x"]);
        assert_eq!(notes, Vec::<String>::new());
    }

    #[test]
    fn a_header_row_of_which_nothing_maps_gets_one_plain_note_without_headers() {
        let mapping = small_mapping();
        let nothing = "no column of the header row is in the mapping, so no record has any \
                       mapped field: most likely the wrong file or the wrong pack, or a file \
                       that is not CSV (such as JSON Lines named .csv)";
        let (_, notes) = row(Some(&mapping), &["garbage text here"], &["x"]);
        assert_eq!(notes, [nothing]);
        // JSON Lines read as CSV: its first record is split at the commas into "headers", which
        // hold values, so none is named.
        let first = [
            "{\"id\": \"r1\"",
            "\"name\": \"山田太郎\"}",
            "\"name\": \"山田太郎\"}",
        ];
        let (_, notes) = row(Some(&mapping), &first, &["{\"id\": \"r2\"", "x", "y"]);
        assert_eq!(notes, [nothing]);
        // The same row under no mapping notes the repeated "header" as a collision.
        assert_eq!(row(None, &first, &["a", "b", "c"]).1.len(), 1);
        let (_, notes) = row(Some(&mapping), &["", ""], &["", ""]);
        assert_eq!(notes, [nothing]);
        // One dotted path is a field: the header row is one, and the rest are named.
        let (_, notes) = row(Some(&mapping), &["a", "tests.0.method"], &["x", "y"]);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with("column 1 `a` is not in the mapping"));
    }

    #[test]
    fn a_long_list_of_unknown_headers_is_cut_short() {
        let mapping = small_mapping();
        let mut names: Vec<String> = vec!["ID".to_owned()];
        names.extend((2..=26).map(|i| format!("h{i}")));
        let long = format!("{}\nmore", "x".repeat(60));
        names.push(long);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let cells = vec!["v"; names.len()];
        let (_, notes) = row(Some(&mapping), &names, &cells);
        assert_eq!(notes.len(), 1);
        let note = &notes[0];
        assert!(
            note.starts_with("26 columns are not in the mapping;"),
            "{note}"
        );
        assert!(note.contains("column 2 `h2`, ") && note.contains("column 21 `h21`, and 6 more"));
        assert!(!note.contains("h22"), "{note}");
        // A header a note shows is one line and short.
        let (_, notes) = row(Some(&mapping), &["ID", names[26]], &["v", "v"]);
        let shown = format!("`{}…`", "x".repeat(40));
        assert!(
            notes[0].contains(&shown) && !notes[0].contains('\n'),
            "{notes:?}"
        );
    }

    #[test]
    fn mapping_checks_its_columns() {
        let bad_path = "[[column]]\nheader = \"x\"\npath = \"x\"\n";
        assert!(Mapping::from_toml(bad_path).is_err_and(|e| e.contains("JSON Pointer")));
        let twice = "[[column]]\nheader = \"x\"\npath = \"/a\"\n[[column]]\nheader = \"y\"\naliases = [\"x\"]\npath = \"/b\"\n";
        assert!(Mapping::from_toml(twice).is_err_and(|e| e.contains("listed twice")));
        let overlap = "[[column]]\nheader = \"x\"\npath = \"/a\"\n[[column]]\nheader = \"y\"\npath = \"/a/b\"\n";
        assert!(Mapping::from_toml(overlap).is_err_and(|e| e.contains("overlaps")));
        let typo = "[[column]]\nheader = \"x\"\npath = \"/a\"\ntpye = \"integer\"\n";
        assert!(Mapping::from_toml(typo).is_err());
        let bad_type = "[[column]]\nheader = \"x\"\npath = \"/a\"\ntype = \"date\"\n";
        assert!(Mapping::from_toml(bad_type).is_err());
        assert!(Mapping::from_toml("").is_ok_and(|m| m.columns().is_empty()));
    }

    #[test]
    fn pointer_segments_unescape_and_index() {
        assert_eq!(
            parse_pointer("/a~1b/0/c~0d"),
            Ok(vec![
                Seg::Key("a/b".into()),
                Seg::Index(0),
                Seg::Key("c~d".into())
            ])
        );
        assert_eq!(parse_pointer("/0"), Ok(vec![Seg::Key("0".into())]));
        assert_eq!(
            parse_pointer("/a/01"),
            Ok(vec![Seg::Key("a".into()), Seg::Key("01".into())])
        );
        assert_eq!(
            parse_pointer("/a/99999"),
            Ok(vec![Seg::Key("a".into()), Seg::Key("99999".into())])
        );
    }

    #[test]
    fn refilling_drops_keys_the_layout_does_not_have() {
        let layout = Layout::new(None, &headers(&["b", "d"]));
        let cells = || vec![Some(Cell::Text("1")), Some(Cell::Text("2"))];
        let mut fields = json!({"a": 0, "b": "old", "c": [1], "e": {}});
        let Value::Object(map) = &mut fields else {
            unreachable!("an object")
        };
        let mut cells_now = cells();
        refill_fields(
            &layout.skeleton,
            &mut |i| layout.entered(cells_now.get_mut(i)?.take(), i),
            map,
        );
        assert_eq!(fields, Value::Object(layout.build(cells())));
    }

    #[test]
    fn a_built_record_is_called_shallow_only_when_it_is() {
        use crate::ruleset::{MAX_DEPTH, deeper_than_max};
        // A list column puts its items one level below the column's path.
        let list = |header: &str| {
            Mapping::from_toml(&format!(
                "[[column]]\nheader = \"{header}\"\npath = \"/{}\"\ntype = \"list\"\n",
                header.replace('.', "/")
            ))
            .expect("valid mapping")
        };
        for levels in [1, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1] {
            let header = (0..levels)
                .map(|i| format!("k{i}"))
                .collect::<Vec<_>>()
                .join(".");
            for mapping in [None, Some(list(&header))] {
                let layout = Layout::new(mapping.as_ref(), &headers(&[&header]));
                let mut reused = Reused::default();
                layout.build_into(vec![Some(Cell::Text("x;y"))], &mut reused);
                assert_eq!(
                    reused.within_depth(),
                    !deeper_than_max(reused.record()),
                    "{levels} levels, list: {}",
                    mapping.is_some()
                );
            }
        }
        // Keeping only a shallow column makes a deep layout shallow.
        let deep = (0..=MAX_DEPTH)
            .map(|i| format!("k{i}"))
            .collect::<Vec<_>>()
            .join(".");
        let mut layout = Layout::new(None, &headers(&[&deep, "id"]));
        let mut reused = Reused::default();
        layout.build_into(vec![None, Some(Cell::Text("r1"))], &mut reused);
        assert!(!reused.within_depth());
        let id = crate::path::FieldPath::parse("/id").expect("a path");
        let wanted = crate::sparse::Wanted::of([&id]);
        layout.keep_fields(crate::Fields::Some(&wanted));
        layout.build_into(
            vec![Some(Cell::Text("x")), Some(Cell::Text("r1"))],
            &mut reused,
        );
        assert_eq!(reused.record(), &json!({"id": "r1"}));
        assert!(reused.within_depth());
        // A typed cell may hold containers: not known to be shallow, whatever the layout.
        let layout = Layout::new(None, &headers(&["a"]));
        let mut reused = Reused::default();
        layout.build_into(vec![Some(Cell::Value(json!([[1]])))], &mut reused);
        assert!(!reused.within_depth());
        layout.build_into(vec![Some(Cell::Value(json!(1)))], &mut reused);
        assert!(reused.within_depth());
        reused.set(json!({}));
        assert!(!reused.within_depth());
    }

    /// Headers of one to three segments from a small alphabet, so paths share containers,
    /// index arrays out of order and collide.
    fn header() -> impl Strategy<Value = String> {
        prop::collection::vec(prop_oneof!["a", "b", "0", "2"], 1..4).prop_map(|s| s.join("."))
    }

    /// Scalars in a record, and whether any container in it is empty.
    fn leaves(value: &Value) -> (usize, bool) {
        match value {
            Value::Object(map) => map
                .values()
                .map(leaves)
                .fold((0, map.is_empty()), |a, b| (a.0 + b.0, a.1 || b.1)),
            Value::Array(items) => items
                .iter()
                .map(leaves)
                .fold((0, items.is_empty()), |a, b| (a.0 + b.0, a.1 || b.1)),
            Value::Null => (0, false),
            _ => (1, false),
        }
    }

    proptest! {
        #[test]
        fn a_row_holds_exactly_its_entered_cells(
            columns in prop::collection::vec((header(), prop_oneof!["", "x", " y"]), 0..12)
        ) {
            let names: Vec<&str> = columns.iter().map(|(h, _)| h.as_str()).collect();
            let cells: Vec<&str> = columns.iter().map(|(_, c)| c.as_str()).collect();
            let layout = Layout::new(None, &headers(&names));
            let (record, _) = row(None, &names, &cells);
            let mut entered = 0;
            for (target, cell) in layout.targets.iter().zip(&cells) {
                if cell.is_empty() || !matches!(target.segs.first(), Some(Seg::Key(_))) {
                    continue;
                }
                entered += 1;
                let pointer = target.pointer();
                prop_assert_eq!(record.pointer(&pointer), Some(&json!(cell)), "{}", pointer);
            }
            prop_assert_eq!(leaves(&record), (entered, entered == 0));
        }

        #[test]
        fn a_reused_record_is_built_as_a_fresh_one(
            names in prop::collection::vec(header(), 0..10),
            // Cells are regexes: `z{1100}` is a text longer than KEPT_TEXT.
            rows in prop::collection::vec(
                prop::collection::vec(prop_oneof!["", "x", " y", "7", "1; 2", "z{1100}"], 10),
                1..6,
            ),
            other_first in any::<bool>(),
        ) {
            // `a` holds lists and `b` integers, so typed cells take the place of text.
            let mapping = Mapping::from_toml(
                "[[column]]\nheader = \"a\"\npath = \"/a\"\ntype = \"list\"\n\
                 [[column]]\nheader = \"b\"\npath = \"/b\"\ntype = \"integer\"\n",
            ).expect("valid mapping");
            let layout = Layout::new(Some(&mapping), &headers(&names.iter().map(String::as_str).collect::<Vec<_>>()));
            let mut reused = Reused::default();
            if other_first {
                // Left by another layout: none of it may show through.
                Layout::new(None, &headers(&["a.0", "z"])).build_into(
                    vec![Some(Cell::Text("q")), Some(Cell::Text("r"))],
                    &mut reused,
                );
            }
            for cells in &rows {
                let cells = || cells.iter().take(names.len()).map(|c| Some(Cell::Text(c))).collect();
                layout.build_into(cells(), &mut reused);
                prop_assert_eq!(reused.record(), &Value::Object(layout.build(cells())));
            }
        }
    }
}
