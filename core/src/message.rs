//! Message templates: `{key}` and `{key:label}` placeholders, split once at compile time.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Locale;
use crate::schema::RecordSchema;

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Value(String),
    Label(String),
}

/// A compiled message template.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

impl Template {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_owned()));
            }
            let end = rest[start..]
                .find('}')
                .ok_or_else(|| format!("unclosed `{{` in message `{text}`"))?
                + start;
            let inner = &rest[start + 1..end];
            let part = match inner.split_once(':') {
                None => Part::Value(inner.to_owned()),
                Some((key, "label")) => Part::Label(key.to_owned()),
                Some((_, fmt)) => {
                    return Err(format!(
                        "unknown placeholder format `:{fmt}` in `{text}` (only `:label`)"
                    ));
                }
            };
            if inner.is_empty()
                || !inner
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            {
                return Err(format!("bad placeholder `{{{inner}}}` in `{text}`"));
            }
            parts.push(part);
            rest = &rest[end + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// The ctx keys the template uses.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Value(k) | Part::Label(k) => Some(k.as_str()),
            Part::Text(_) => None,
        })
    }

    /// The ctx keys the template shows as a field's label.
    pub(crate) fn label_keys(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Label(k) => Some(k.as_str()),
            _ => None,
        })
    }

    pub(crate) fn render(
        &self,
        ctx: &BTreeMap<String, Value>,
        hidden: &[String],
        locale: Locale,
        schema: &RecordSchema,
    ) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Value(k) if hidden.iter().any(|h| h == k) => out.push_str(match locale {
                    Locale::Ja => "（非表示）",
                    Locale::En => "(hidden)",
                }),
                Part::Value(k) => match ctx.get(k) {
                    Some(Value::String(s)) => out.push_str(s),
                    Some(Value::Null) | None => out.push('—'),
                    Some(Value::Array(items)) => {
                        let texts: Vec<String> = items.iter().map(plain).collect();
                        out.push_str(&texts.join(match locale {
                            Locale::Ja => "、",
                            Locale::En => ", ",
                        }));
                    }
                    Some(v) => out.push_str(&plain(v)),
                },
                Part::Label(k) => match ctx.get(k).and_then(Value::as_str) {
                    Some(p) if p.starts_with('/') => out.push_str(&schema.label(p, locale)),
                    Some("$as_of") => out.push_str(match locale {
                        Locale::Ja => "確認日",
                        Locale::En => "the check date",
                    }),
                    Some("$reference_date") => out.push_str(match locale {
                        Locale::Ja => "基準日",
                        Locale::En => "the reference date",
                    }),
                    Some(other) => out.push_str(other),
                    None => out.push('—'),
                },
            }
        }
        out
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
