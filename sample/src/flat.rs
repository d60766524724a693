//! One record as one CSV row, for tools that want a table (pandas, spreadsheets, other
//! validators in benchmarks).
//!
//! Headers are dotted record paths (`notification.diagnosed_on`), which the `hersys` pack's CSV
//! mapping accepts as aliases; arrays of objects become indexed columns (`tests.0.method`) for
//! their first [`FLAT_ELEMENTS`] elements; arrays of codes are joined with `;`.

use serde_json::Value;
use std::sync::OnceLock;

/// How many elements of each array of objects get columns.
pub const FLAT_ELEMENTS: usize = 2;

/// (array path, fields of each element).
const ARRAYS_OF_OBJECTS: &[(&str, &[&str])] = &[
    (
        "notification.tests",
        &["method", "specimen", "sampled_on", "result"],
    ),
    (
        "notification.infection.area.domestic",
        &["prefecture", "municipality"],
    ),
    (
        "notification.infection.area.overseas",
        &["country", "detail"],
    ),
    (
        "notification.vaccinations",
        &["dose", "status", "age", "maker", "on"],
    ),
    (
        "tests",
        &[
            "method",
            "specimen",
            "sampled_on",
            "result",
            "resulted_on",
            "lab",
        ],
    ),
    (
        "observations",
        &["on", "temperature", "spo2", "symptoms", "source"],
    ),
    (
        "medical",
        &[
            "hospital",
            "admitted_on",
            "discharged_on",
            "severity",
            "ventilator",
            "ecmo",
        ],
    ),
    ("whereabouts", &["kind", "place", "from", "to"]),
    (
        "activities",
        &["from", "to", "place", "overseas", "country"],
    ),
];

/// The columns in order; `@name` stands for the indexed columns of array `name`.
const LAYOUT: &[&str] = &[
    "id",
    "hersys_id",
    "prefecture",
    "health_center",
    "notification.reported_on",
    "notification.accepted_on",
    "notification.physician.name",
    "notification.physician.facility",
    "notification.physician.address",
    "notification.physician.phone",
    "notification.case_class",
    "notification.deemed_positive",
    "notification.patient.name",
    "notification.patient.name_kana",
    "notification.patient.sex",
    "notification.patient.birth_date",
    "notification.patient.age",
    "notification.patient.age_months",
    "notification.patient.occupation",
    "notification.patient.address",
    "notification.patient.phone",
    "notification.patient.location",
    "notification.patient.location_phone",
    "notification.patient.municipality_code",
    "notification.guardian.name",
    "notification.guardian.address",
    "notification.guardian.phone",
    "notification.symptoms",
    "notification.spo2",
    "@notification.tests",
    "notification.first_visit_on",
    "notification.sampled_on",
    "notification.diagnosed_on",
    "notification.infected_on",
    "notification.onset_on",
    "notification.died_on",
    "notification.infection.route.likelihood",
    "notification.infection.route.type",
    "notification.infection.route.detail",
    "notification.infection.area.likelihood",
    "@notification.infection.area.domestic",
    "@notification.infection.area.overseas",
    "notification.infection.area.departed_on",
    "notification.infection.area.entered_on",
    "@notification.vaccinations",
    "notification.clinical.admitted",
    "notification.clinical.admitted_on",
    "notification.clinical.has_risk_factors",
    "notification.clinical.risk_factors",
    "notification.clinical.immunosuppressed",
    "notification.clinical.pregnant",
    "notification.clinical.severity",
    "notification.clinical.needs_admission",
    "notification.clinical.needs_covid_drug",
    "notification.clinical.needs_oxygen",
    "notification.clinical.telemedicine_special",
    "basic.name",
    "basic.name_kana",
    "basic.sex",
    "basic.birth_date",
    "basic.address",
    "basic.phone",
    "@tests",
    "@observations",
    "@medical",
    "@whereabouts",
    "@activities",
    "record.care_status",
    "record.care_start_on",
    "record.care_end_on",
    "record.died_on",
    "workflow.registered_at",
    "workflow.confirmed_at",
    "workflow.prefecture_checked_at",
    "workflow.national_checked_at",
];

fn headers() -> &'static [String] {
    static HEADERS: OnceLock<Vec<String>> = OnceLock::new();
    HEADERS.get_or_init(|| {
        let mut out = Vec::new();
        for entry in LAYOUT {
            match entry.strip_prefix('@') {
                Some(array) => {
                    let fields = ARRAYS_OF_OBJECTS
                        .iter()
                        .find(|(a, _)| *a == array)
                        .map_or(&[][..], |(_, f)| *f);
                    for i in 0..FLAT_ELEMENTS {
                        for f in fields {
                            out.push(format!("{array}.{i}.{f}"));
                        }
                    }
                }
                None => out.push((*entry).to_string()),
            }
        }
        out
    })
}

/// The fixed CSV header: every column [`flatten`] produces, in the same order.
pub fn flat_headers() -> Vec<String> {
    headers().to_vec()
}

fn lookup<'a>(record: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(record, |v, seg| match v {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => a.get(seg.parse::<usize>().ok()?),
        _ => None,
    })
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(items)) if items.iter().all(|i| !i.is_object() && !i.is_array()) => items
            .iter()
            .map(|i| cell(Some(i)))
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    }
}

/// The record as `(header, value)` pairs, one per [`flat_headers`] column and in that order
/// (absent fields give empty strings), so `row.iter().map(|(_, v)| v)` is a CSV row. Values
/// that are not what the column expects (a mistake made an object of a date) are written as
/// JSON text rather than dropped.
pub fn flatten(record: &Value) -> Vec<(String, String)> {
    headers()
        .iter()
        .map(|h| (h.clone(), cell(lookup(record, h))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_scalars_lists_and_indexed_arrays() {
        let r = json!({
            "id": "r000001",
            "notification": {"symptoms": ["fever", "cough"], "spo2": 97, "deemed_positive": true,
                             "tests": [{"method": "naat"}]},
            "observations": [{"temperature": 37.5}, {}, {"on": "2021-01-01"}],
        });
        let row = flatten(&r);
        let get = |h: &str| row.iter().find(|(k, _)| k == h).map(|(_, v)| v.as_str());
        assert_eq!(row.len(), flat_headers().len());
        assert_eq!(get("id"), Some("r000001"));
        assert_eq!(get("notification.symptoms"), Some("fever;cough"));
        assert_eq!(get("notification.spo2"), Some("97"));
        assert_eq!(get("notification.deemed_positive"), Some("true"));
        assert_eq!(get("notification.tests.0.method"), Some("naat"));
        assert_eq!(get("notification.tests.1.method"), Some(""));
        assert_eq!(get("observations.0.temperature"), Some("37.5"));
        assert_eq!(
            get("observations.2.on"),
            None,
            "only the first two elements"
        );
    }

    #[test]
    fn headers_are_unique() {
        let h = flat_headers();
        let set: std::collections::HashSet<_> = h.iter().collect();
        assert_eq!(set.len(), h.len());
    }
}
