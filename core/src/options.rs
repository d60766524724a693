//! Options of `check`, shared by every host.

use serde_json::Value;

use crate::date::{Day, parse_date};
use crate::error::{Error, Result};
use crate::pack::{Stage, Tier};
use crate::ruleset::quoted_text;

/// The language of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// 日本語 (default).
    #[default]
    Ja,
    /// English.
    En,
}

impl std::str::FromStr for Locale {
    type Err = Error;
    /// `ja` or `en`, or a language tag of either as browsers and systems give it (`ja-JP`,
    /// `en_US`, `EN`).
    fn from_str(s: &str) -> Result<Self> {
        let language = s.split(['-', '_']).next().unwrap_or_default();
        match language.to_ascii_lowercase().as_str() {
            "ja" => Ok(Locale::Ja),
            "en" => Ok(Locale::En),
            _ => Err(Error::InvalidOption {
                name: "locale".into(),
                message: format!("`{}` is not ja or en", quoted_text(s)),
            }),
        }
    }
}

impl std::str::FromStr for Stage {
    type Err = Error;
    /// `draft` or `submit`, as the command line, Python and JS spell them.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "draft" => Ok(Stage::Draft),
            "submit" => Ok(Stage::Submit),
            _ => Err(invalid(
                "stage",
                &format!("`{}` is not draft or submit", quoted_text(s)),
            )),
        }
    }
}

/// How to check a record: the same options in every host (the command's flags, Python's
/// keyword arguments, JS's options object).
///
/// The default is what the central system's write path wants: stage `submit` (every rule,
/// absent fields included), every tier, every rule, messages in Japanese, personal values
/// hidden, and "today" the current date in Japan. Set the fields, or read the options as a
/// host receives them with [`CheckOptions::from_json`]; either way an option a pack does not
/// know (a selector naming no rule) is refused by [`RuleSet::plan`](crate::RuleSet::plan) and
/// [`RuleSet::check`](crate::RuleSet::check) with [`Error::UnknownSelector`].
///
/// ```
/// use kakunin::{CheckOptions, Locale, Stage, Tier};
///
/// let mut options = CheckOptions::default().with_as_of("2024-06-01")?;
/// options.stage = "submit".parse()?;
/// options.tiers = vec![Tier::Hc];
/// options.locale = "en-US".parse()?;
/// options.ignore = vec!["identity".into()];
/// assert_eq!((options.stage, options.locale, options.reveal), (Stage::Submit, Locale::En, false));
///
/// // The same, as a binding or a request body gives them.
/// let same = CheckOptions::from_json(&serde_json::json!({
///     "as_of": "2024-06-01", "stage": "submit", "tiers": ["hc"], "locale": "en", "ignore": "identity",
/// }))?;
/// assert_eq!(format!("{same:?}"), format!("{options:?}"));
/// # Ok::<(), kakunin::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// "Today" for future dates and elapsed times. `None`: the current date in Japan.
    pub as_of: Option<Day>,
    /// `Draft` while a form is filled (absent fields are not reported), `Submit` otherwise.
    pub stage: Stage,
    /// Only rules owned by these tiers (all when empty).
    pub tiers: Vec<Tier>,
    /// Only these rules or groups (all when empty).
    pub select: Vec<String>,
    /// Not these rules or groups.
    pub ignore: Vec<String>,
    /// Language of messages.
    pub locale: Locale,
    /// Show personal values in ctx and messages.
    pub reveal: bool,
}

impl CheckOptions {
    /// Sets `as_of` from a `YYYY-MM-DD` date; anything else is an [`Error::InvalidOption`].
    pub fn with_as_of(mut self, date: &str) -> Result<Self> {
        self.as_of = Some(parse_as_of(date)?);
        Ok(self)
    }

    /// Reads options from a JSON object with the keys `as_of`, `stage`, `tiers`, `select`,
    /// `ignore`, `locale`, `reveal` — the one place where every binding's options are decoded.
    /// A key that is `null` or missing keeps its default; `null` itself is the defaults. An
    /// unknown key, or a value of the wrong type or spelling, is an [`Error::InvalidOption`]
    /// naming the key.
    pub fn from_json(value: &Value) -> Result<Self> {
        let mut options = CheckOptions::default();
        let Some(map) = value.as_object() else {
            return if value.is_null() {
                Ok(options)
            } else {
                Err(invalid("options", "must be an object"))
            };
        };
        for (key, v) in map {
            if v.is_null() {
                continue;
            }
            match key.as_str() {
                "as_of" => {
                    options.as_of =
                        Some(parse_as_of(v.as_str().ok_or_else(|| {
                            invalid("as_of", "must be a YYYY-MM-DD string")
                        })?)?)
                }
                "stage" => {
                    options.stage = match v.as_str() {
                        Some(stage) => stage.parse()?,
                        None => return Err(invalid("stage", "must be \"draft\" or \"submit\"")),
                    }
                }
                "tiers" => {
                    options.tiers = strings(key, v)?
                        .iter()
                        .map(|t| t.parse())
                        .collect::<Result<_>>()?
                }
                "select" => options.select = strings(key, v)?,
                "ignore" => options.ignore = strings(key, v)?,
                "locale" => {
                    options.locale = v
                        .as_str()
                        .ok_or_else(|| invalid("locale", "must be \"ja\" or \"en\""))?
                        .parse()?
                }
                "reveal" => {
                    options.reveal = v
                        .as_bool()
                        .ok_or_else(|| invalid("reveal", "must be true or false"))?
                }
                other => {
                    return Err(invalid(
                        other,
                        "is not an option (as_of, stage, tiers, select, ignore, locale, reveal)",
                    ));
                }
            }
        }
        Ok(options)
    }

    pub(crate) fn as_of_or_today(&self) -> Day {
        self.as_of.unwrap_or_else(today_in_japan)
    }
}

/// Which rules a listing shows (`kakunin rules list`, Python's `rules()`, JS's `list()`): every
/// rule, or those in force on a day for a record of a prefecture — "which rules were in force"
/// asked without a record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Only the rules in force on this day (`None`: every rule, whatever its period).
    pub as_of: Option<Day>,
    /// The record's prefecture (JIS X 0401 code, `01` to `47`), for per-prefecture periods;
    /// `None`: the national periods.
    pub prefecture: Option<String>,
}

impl ListOptions {
    /// From a `YYYY-MM-DD` day and a prefecture code as a user writes them. A bad date, a code
    /// that is not a prefecture's, or a prefecture without a day is an invalid option.
    pub fn parse(as_of: Option<&str>, prefecture: Option<&str>) -> Result<Self> {
        let as_of = as_of.map(parse_as_of).transpose()?;
        let prefecture = prefecture.map(prefecture_code).transpose()?;
        if as_of.is_none() && prefecture.is_some() {
            // Without a day there is no period to choose between.
            return Err(invalid(
                "prefecture",
                "needs as_of (the day the rules are in force)",
            ));
        }
        Ok(ListOptions { as_of, prefecture })
    }

    /// Reads the options from a JSON object with the keys `as_of` and `prefecture` (`null`:
    /// every rule), as the JS binding passes them.
    pub fn from_json(value: &Value) -> Result<Self> {
        let Some(map) = value.as_object() else {
            return if value.is_null() {
                Ok(ListOptions::default())
            } else {
                Err(invalid("options", "must be an object"))
            };
        };
        let text = |key: &str, expected: &str| -> Result<Option<&str>> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(invalid(key, expected)),
            }
        };
        if let Some(other) = map
            .keys()
            .find(|k| !matches!(k.as_str(), "as_of" | "prefecture"))
        {
            return Err(invalid(other, "is not an option (as_of, prefecture)"));
        }
        ListOptions::parse(
            text("as_of", "must be a YYYY-MM-DD string")?,
            text("prefecture", "must be a prefecture code string (01 to 47)")?,
        )
    }
}

/// Whether `text` is a prefecture code as rules' periods name them (JIS X 0401): two digits,
/// `01` to `47`. Rule files and the options of "which rules were in force" both go by it.
pub(crate) fn is_prefecture_code(text: &str) -> bool {
    text.len() == 2
        && text.bytes().all(|b| b.is_ascii_digit())
        && matches!(text.parse::<u8>(), Ok(1..=47))
}

fn prefecture_code(text: &str) -> Result<String> {
    if is_prefecture_code(text) {
        Ok(text.to_owned())
    } else {
        Err(invalid(
            "prefecture",
            &format!(
                "`{}` is not a prefecture code (two digits, 01 to 47)",
                quoted_text(text)
            ),
        ))
    }
}

fn parse_as_of(text: &str) -> Result<Day> {
    parse_date(text).ok_or_else(|| {
        invalid(
            "as_of",
            &format!("`{}` is not a YYYY-MM-DD date", quoted_text(text)),
        )
    })
}

fn invalid(name: &str, message: &str) -> Error {
    Error::InvalidOption {
        name: name.into(),
        message: message.into(),
    }
}

fn strings(key: &str, v: &Value) -> Result<Vec<String>> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| invalid(key, "must be a list of strings"))
            })
            .collect(),
        _ => Err(invalid(key, "must be a list of strings")),
    }
}

/// Today's date in Japan (UTC+9). Hosts without a clock (WASM) pass `as_of` explicitly; there,
/// this falls back to the far future so no date is reported as "in the future" by mistake.
pub fn today_in_japan() -> Day {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        ((secs + 9 * 3600) / 86_400) as Day
    }
    #[cfg(target_arch = "wasm32")]
    {
        crate::date::days_from_civil(9999, 12, 31)
    }
}
