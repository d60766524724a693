//! Rule files checked against the rule-file JSON Schema (`core/schema/rule.schema.json`), so an
//! author learns every mistake of a file with its place, not just the first serde stumbles on.

use std::sync::OnceLock;

use crate::error::{Error, Result};

/// The rule-file JSON Schema.
pub const RULE_SCHEMA: &str = include_str!("../schema/rule.schema.json");

fn validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            serde_json::from_str(RULE_SCHEMA)
                .ok()
                .and_then(|schema| jsonschema::validator_for(&schema).ok())
        })
        .as_ref()
}

/// Validates one rule file's text.
pub fn rule_file(file: &str, text: &str) -> Result<()> {
    let value = crate::pack::toml_to_json(file, text)?;
    let rule = value.get("id").and_then(|v| v.as_str()).map(str::to_owned);
    let Some(validator) = validator() else {
        return Err(Error::pack(
            file,
            rule.as_deref(),
            "the rule-file schema itself does not compile",
        ));
    };
    let problems: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() {
                e.to_string()
            } else {
                format!("at {at}: {e}")
            }
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::pack(file, rule.as_deref(), problems.join("; ")))
}
