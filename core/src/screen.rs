//! Screening a table's rows for the rules that judge each value on its own: code lists, ranges,
//! patterns and formats.
//!
//! Such a rule finds nothing in a row whose cells it accepts, so that row can be built without
//! the columns only these rules read, and checked without them. Where one of these rules reads
//! many columns (`formats/date` reads every date column of the flat HER-SYS table, some forty),
//! building those cells into the record costs more than judging them, which is done on the
//! cells as they are. A row with a cell they reject is built and checked whole, exactly as
//! without a screen, so the findings never depend on it.
//!
//! The layout of a table decides which of these rules it can screen
//! ([`Layout::screen_for`](crate::input::Layout::screen_for)): those whose every field is made
//! by single cells, not by a list column's items or by several columns below it.

use std::sync::Arc;

use serde_json::Value;

use crate::check::Kind;
use crate::date::parse_trimmed_day;
use crate::path::is_absent;
use crate::ruleset::{Plan, Rule, RuleSet};
use crate::text::trim;

/// The rules of a plan that judge each value on its own, and the plan without them.
#[derive(Debug)]
pub(crate) struct Screen {
    /// The plan a row is checked with when every screened cell passes.
    pub(crate) lean: Arc<Plan>,
    /// The fields the screened rules read, each with the checks that judge its values.
    pub(crate) fields: Vec<ScreenedField>,
}

/// A field the screened rules read.
#[derive(Debug)]
pub(crate) struct ScreenedField {
    /// Its path pattern in the record schema (`/tests/*/sampled_on`).
    pub(crate) pattern: String,
    /// Whether the schema formats it as a date or date-time: the view reads its text as a day.
    dated: bool,
    /// The checks that judge its values.
    kinds: Vec<Kind>,
}

impl ScreenedField {
    /// Whether every screened check accepts `value` as a value of this field, as it judges
    /// one in a record's view.
    pub(crate) fn accepts(&self, value: &Value) -> bool {
        match value {
            Value::String(text) => self.accepts_text(text),
            // Absent: no check judges it.
            value if is_absent(Some(value)) => true,
            value => !self.kinds.iter().any(|kind| kind.rejects(value, None)),
        }
    }

    /// [`ScreenedField::accepts`] for a string value, without building one.
    pub(crate) fn accepts_text(&self, text: &str) -> bool {
        let trimmed = trim(text);
        if trimmed.is_empty() {
            return true;
        }
        // The day the view reads (it trims the text too).
        let day = if self.dated {
            parse_trimmed_day(trimmed)
        } else {
            None
        };
        !self
            .kinds
            .iter()
            .any(|kind| kind.rejects_trimmed(trimmed, day))
    }
}

/// Whether a rule judges each value it reads on its own, so that accepting every value means
/// finding nothing: no condition, no values carried into its findings, no cross-record check.
fn judges_values_alone(rule: &Rule) -> bool {
    !rule.cross
        && rule.checks.iter().all(|check| {
            check.when.is_none() && check.ctx.is_empty() && check.kind.value_fields().is_some()
        })
}

impl RuleSet {
    /// The screen of `plan` for a table whose cells make the values of the fields
    /// `screenable` accepts (by path pattern): it screens the selected rules that judge values
    /// alone and read only such fields. `None` when there are none. When every selected rule
    /// is one, a row they all accept is checked with no rule at all: built with only the
    /// fields that place and name it, which is what the screen saves.
    pub(crate) fn screen(&self, plan: &Plan, screenable: impl Fn(&str) -> bool) -> Option<Screen> {
        let screened: Vec<bool> = self
            .rules
            .iter()
            .zip(plan.selected())
            .map(|(rule, &selected)| {
                selected
                    && judges_values_alone(rule)
                    && rule.checks.iter().all(|check| {
                        (check.kind.value_fields().unwrap_or_default().iter())
                            .all(|path| screenable(self.schema.pattern(path.node as usize)))
                    })
            })
            .collect();
        let lean: Vec<bool> = plan
            .selected()
            .iter()
            .zip(&screened)
            .map(|(&selected, &screened)| selected && !screened)
            .collect();
        if !screened.contains(&true) {
            return None;
        }
        let mut fields: Vec<ScreenedField> = Vec::new();
        let screened_checks = self
            .rules
            .iter()
            .zip(&screened)
            .filter(|(_, screened)| **screened)
            .flat_map(|(rule, _)| &rule.checks);
        for check in screened_checks {
            for path in check.kind.value_fields().unwrap_or_default() {
                let node = path.node as usize;
                let pattern = self.schema.pattern(node);
                let field = match fields.iter().position(|f| f.pattern == pattern) {
                    Some(at) => &mut fields[at],
                    None => {
                        fields.push(ScreenedField {
                            pattern: pattern.to_owned(),
                            dated: self.schema.node(node).dated,
                            kinds: Vec::new(),
                        });
                        fields.last_mut()?
                    }
                };
                field.kinds.push(check.kind.clone());
            }
        }
        // The lean plan reads what the plan reads beside its rules, such as a summary's fields.
        let lean = self
            .plan_of(lean, plan.options())
            .also_reading(plan.also_read());
        Some(Screen {
            lean: Arc::new(lean),
            fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::input::{Cell, Column, ColumnType, Layout, Mapping, Reused};
    use crate::{CheckOptions, PackFiles, Plan, RuleSet};

    /// A pack with rules that judge values alone (a format over three date fields, a code
    /// list, a range, and codes on the items of a list) beside one that does not.
    fn rules() -> RuleSet {
        let mut files = PackFiles::new();
        files.insert(
            "pack.toml",
            r#"
name = "screen"
version = "1"
title = { ja = "例", en = "Demo" }
record_schema = "record.schema.json"
reference_date = ["/diagnosed_on"]
"#,
        );
        let date = json!({"type": "string", "format": "date", "title": "日", "x-title-en": "day"});
        let text = json!({"type": "string", "title": "字", "x-title-en": "text"});
        let schema = json!({"type": "object", "properties": {
            "diagnosed_on": date, "reported_on": date, "sex": text, "note": text,
            "age": {"type": "integer", "title": "年齢", "x-title-en": "age"},
            "symptoms": {"type": "array", "items": text, "title": "症状", "x-title-en": "symptoms"},
            "tests": {"type": "array", "title": "検査", "x-title-en": "tests",
                "items": {"type": "object", "properties": {"sampled_on": date}}},
        }});
        files.insert("record.schema.json", schema.to_string());
        files.insert(
            "codes.toml",
            r#"
[sex]
male = { ja = "男", en = "Male" }
[symptoms]
fever = { ja = "発熱", en = "Fever" }
"#,
        );
        let rule = |id: &str, check: &str| {
            format!(
                r#"id = "{id}"
severity = "error"
tiers = ["hc"]
title = {{ ja = "題", en = "Title" }}
message = {{ ja = "誤り", en = "Wrong" }}
doc = {{ ja = "説明", en = "Doc", source = "test" }}
[[check]]
{check}
"#
            )
        };
        let rules = [
            (
                "formats/date",
                r#"kind = "format"
fields = ["/diagnosed_on", "/reported_on", "/tests/*/sampled_on"]
format = "date""#,
            ),
            (
                "codes/sex",
                "kind = \"codes\"\nfields = [\"/sex\"]\nlist = \"sex\"",
            ),
            (
                "ranges/age",
                "kind = \"range\"\nfields = [\"/age\"]\nmin = 0\nmax = 120",
            ),
            (
                "codes/symptoms",
                "kind = \"codes\"\nfields = [\"/symptoms/*\"]\nlist = \"symptoms\"",
            ),
            (
                "dates/order",
                "kind = \"date-order\"\nearlier = [\"/diagnosed_on\"]\nlater = [\"/reported_on\"]",
            ),
        ];
        for (id, check) in rules {
            files.insert(format!("{id}.toml"), rule(id, check));
        }
        RuleSet::compile(files).expect("pack")
    }

    fn selecting(rules: &RuleSet, select: &[&str]) -> crate::Plan {
        let options = CheckOptions {
            select: select.iter().map(|s| (*s).to_owned()).collect(),
            ..CheckOptions::default()
                .with_as_of("2024-06-01")
                .expect("date")
        };
        rules.plan(&options).expect("plan")
    }

    const HEADERS: [&str; 6] = [
        "diagnosed_on",
        "reported_on",
        "sex",
        "age",
        "tests.0.sampled_on",
        "note",
    ];

    /// A row of [`HEADERS`] that every rule of the inline pack accepts.
    const CLEAN: [&str; 6] = ["2021-03-01", "2021-03-02", "male", "41", "2021-02-27", ""];

    /// The layout of `headers` (through `mapping`) that keeps what `plan` reads, screened for it.
    fn screened(
        rules: &RuleSet,
        plan: &Plan,
        mapping: Option<&Mapping>,
        headers: &[&str],
    ) -> Layout {
        let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
        let mut layout = Layout::new(mapping, &headers);
        layout.keep_fields(plan.fields());
        layout.screen_for(rules, plan);
        layout
    }

    /// Builds `cells` with `layout`: whether the row was built lean, and the record.
    fn build(layout: &Layout, cells: &[&str]) -> (bool, serde_json::Value) {
        let mut into = Reused::default();
        layout.build_into(
            cells.iter().map(|c| Some(Cell::Text(c))).collect(),
            &mut into,
        );
        (into.lean.is_some(), into.record().clone())
    }

    #[test]
    fn a_row_whose_screened_cells_pass_is_built_without_their_columns() {
        let rules = rules();
        let plan = selecting(&rules, &["formats", "codes/sex", "dates"]);
        let layout = screened(&rules, &plan, None, &HEADERS);
        let (lean, record) = build(&layout, &CLEAN);
        assert!(lean);
        // The dates stay for `dates/order`; the sex and the test date were only screened.
        assert_eq!(
            record,
            json!({"diagnosed_on": "2021-03-01", "reported_on": "2021-03-02"})
        );
        // A blank cell is absent, as in a record.
        let (lean, _) = build(&layout, &["2021-03-01", " ", "male", "", "", ""]);
        assert!(lean);
        for (column, bad) in [(0, "2021-02-30"), (2, "Male"), (4, "2021/02/27")] {
            let mut cells = CLEAN;
            cells[column] = bad;
            let (lean, record) = build(&layout, &cells);
            assert!(!lean, "{bad}");
            assert_eq!(record["sex"], json!(cells[2]), "{bad}");
            assert_eq!(record["tests"][0]["sampled_on"], json!(cells[4]), "{bad}");
        }
        // A typed cell is judged as the value it is.
        let mut into = Reused::default();
        let mut cells: Vec<Option<Cell>> = CLEAN.iter().map(|c| Some(Cell::Text(c))).collect();
        cells[0] = Some(Cell::Value(json!(20210301)));
        layout.build_into(cells, &mut into);
        assert!(into.lean.is_none());
    }

    /// A row judged a column at a time ([`Layout::column_screens`]), as a host holding its
    /// table by column judges it, and built from the cells its verdict needs.
    fn build_judged(layout: &Layout, cells: &[&str]) -> (bool, serde_json::Value) {
        let accepted = (layout.column_screens().iter())
            .all(|judge| judge.accepts(Some(&Cell::Text(cells[judge.column]))));
        let needed = |column: usize| match accepted {
            true => layout.kept_accepted().contains(&column),
            false => layout.keeps(column),
        };
        let cells = (cells.iter().enumerate())
            .map(|(column, cell)| needed(column).then_some(Cell::Text(cell)))
            .collect();
        let mut into = Reused::default();
        layout.build_judged_into(cells, accepted, &mut into);
        (into.lean.is_some(), into.record().clone())
    }

    #[test]
    fn a_row_judged_a_column_at_a_time_is_built_as_one_judged_whole() {
        let rules = rules();
        let plan = selecting(&rules, &["formats", "codes/sex", "dates"]);
        let layout = screened(&rules, &plan, None, &HEADERS);
        let judged: Vec<usize> = layout.column_screens().iter().map(|j| j.column).collect();
        assert_eq!(judged, [0, 1, 2, 4]);
        // Only the dates `dates/order` reads are needed once every judge accepts the row.
        assert_eq!(layout.kept_accepted(), [0, 1]);
        let mut rows = vec![CLEAN];
        for (column, bad) in [(0, "2021-02-30"), (2, "Male"), (4, "2021/02/27"), (1, " ")] {
            let mut cells = CLEAN;
            cells[column] = bad;
            rows.push(cells);
        }
        for cells in rows {
            assert_eq!(
                build_judged(&layout, &cells),
                build(&layout, &cells),
                "{cells:?}"
            );
        }
        // Without a screen, nothing is judged and every kept column is needed.
        let plain = screened(&rules, &selecting(&rules, &["dates"]), None, &HEADERS);
        assert!(plain.column_screens().is_empty());
        assert_eq!(plain.kept_accepted(), plain.kept());
        assert_eq!(build_judged(&plain, &CLEAN), build(&plain, &CLEAN));
    }

    #[test]
    fn a_row_is_screened_when_every_selected_rule_judges_values_alone() {
        let rules = rules();
        let plan = selecting(&rules, &["formats", "codes/sex"]);
        let layout = screened(&rules, &plan, None, &HEADERS);
        let (lean, record) = build(&layout, &CLEAN);
        assert!(lean);
        // Only the reference date is left: it places the record in time.
        assert_eq!(record, json!({"diagnosed_on": "2021-03-01"}));
        let mut into = Reused::default();
        layout.build_into(
            CLEAN.iter().map(|c| Some(Cell::Text(c))).collect(),
            &mut into,
        );
        let lean = into.lean.as_deref().expect("built lean");
        let report = rules.check_with_plan(into.record(), lean).expect("checked");
        assert!(report.findings.is_empty());
        assert_eq!(report.reference_date.as_deref(), Some("2021-03-01"));
        // A bad cell is built and checked whole, and found.
        let mut cells = CLEAN;
        cells[1] = "2021-02-30";
        let (lean, record) = build(&layout, &cells);
        assert!(!lean);
        let report = rules.check_with_plan(&record, &plan).expect("checked");
        let found: Vec<&str> = report.findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(found, ["/reported_on"]);
    }

    #[test]
    fn a_typed_column_is_screened_as_its_value() {
        let rules = rules();
        let plan = selecting(&rules, &["ranges", "dates"]);
        let mapping = Mapping::new(vec![Column {
            header: "age".into(),
            aliases: Vec::new(),
            path: "/age".into(),
            kind: ColumnType::Integer,
        }])
        .expect("mapping");
        let layout = screened(&rules, &plan, Some(&mapping), &HEADERS);
        let row = |age| ["2021-03-01", "2021-03-02", "", age, "", ""];
        assert!(build(&layout, &row("41")).0);
        // Not a number: a string, which no range judges.
        assert!(build(&layout, &row("forty")).0);
        assert!(!build(&layout, &row("121")).0);
    }

    #[test]
    fn no_screen_where_a_cell_does_not_make_the_screened_values() {
        let rules = rules();
        let headers = [
            "diagnosed_on",
            "reported_on",
            "symptoms",
            "tests.0.sampled_on",
        ];
        // The symptoms' items come from a list column: no one cell is an item.
        let mapping = Mapping::new(vec![Column {
            header: "symptoms".into(),
            aliases: Vec::new(),
            path: "/symptoms".into(),
            kind: ColumnType::List,
        }])
        .expect("mapping");
        let plan = selecting(&rules, &["codes/symptoms", "dates"]);
        let layout = screened(&rules, &plan, Some(&mapping), &headers[..3]);
        assert!(!build(&layout, &["2021-03-01", "2021-03-02", "fever"]).0);
        // Beside a rule that can be screened, it stays in the lean plan.
        let plan = selecting(&rules, &["codes/symptoms", "formats", "dates"]);
        let layout = screened(&rules, &plan, Some(&mapping), &headers);
        let mut into = Reused::default();
        let cells = ["2021-03-01", "2021-03-02", "fever;cough", "2021-02-28"];
        layout.build_into(
            cells.iter().map(|c| Some(Cell::Text(c))).collect(),
            &mut into,
        );
        let lean = into.lean.as_deref().expect("built lean");
        let report = rules.check_with_plan(into.record(), lean).expect("checked");
        let found: Vec<&str> = report.findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(found, ["/symptoms/1"]);
        // No such rule selected.
        assert!(
            rules
                .screen(&selecting(&rules, &["dates"]), |_| true)
                .is_none()
        );
    }
}
