//! Failures that stop a run (exit status 2), said in the run's language: the `--locale` of the
//! command (default `ja`, as for findings). The language is set once, when the arguments are
//! parsed ([`set_locale`]), so a failure deep in loading a pack is worded like the findings
//! would have been. A system error (`io::Error`) keeps the system's text; a core error's details
//! (a pack file's line, a script's message) are the core's, in English, after the command's own
//! words.

use std::any::Any;
use std::sync::OnceLock;

use kakunin::Locale;
use kakunin::input::OpenError;

/// The language of the run, once the arguments are parsed.
static LOCALE: OnceLock<Locale> = OnceLock::new();

/// Sets the language the command speaks in (once; later calls change nothing).
pub fn set_locale(locale: Locale) {
    let _ = LOCALE.set(locale);
}

/// The language of the run: the command's `--locale`, `ja` when it has none.
pub fn locale() -> Locale {
    LOCALE.get().copied().unwrap_or_default()
}

/// A failure that stops the run (exit status 2): one line, printed after `kakunin: `.
#[derive(Debug)]
pub struct Fatal(pub String);

impl Fatal {
    /// A failure the command words itself, in the run's language.
    pub fn say(ja: impl Into<String>, en: impl Into<String>) -> Fatal {
        Fatal(match locale() {
            Locale::Ja => ja.into(),
            Locale::En => en.into(),
        })
    }
}

/// Any error stops the run with its text; the core's errors and a file that could not be
/// opened are said in the run's language.
impl<E: std::fmt::Display + 'static> From<E> for Fatal {
    fn from(e: E) -> Self {
        let any: &dyn Any = &e;
        if let Some(e) = any.downcast_ref::<kakunin::Error>() {
            return Fatal(core_error(e, locale()));
        }
        if let Some(e) = any.downcast_ref::<OpenError>() {
            return Fatal(e.message(locale()));
        }
        Fatal(e.to_string())
    }
}

/// A core error in `locale`: in English, the core's own text; in Japanese, what went wrong in
/// Japanese, then the core's details.
pub fn core_error(e: &kakunin::Error, locale: Locale) -> String {
    if locale == Locale::En {
        return e.to_string();
    }
    match e {
        kakunin::Error::UnknownSelector(selector) => format!(
            "ルールまたはグループ `{}` はこのパックにありません（--select、--ignore）",
            cut(selector)
        ),
        kakunin::Error::InvalidOption { name, message } => {
            format!("オプション {} の値が正しくありません: {message}", cut(name))
        }
        kakunin::Error::Input { path, message } => format!("{path}: 読み込めません: {message}"),
        kakunin::Error::Pack { .. } => format!("パックに誤りがあります: {e}"),
        kakunin::Error::Script { .. } => format!("ルールのスクリプトが失敗しました: {e}"),
        _ => e.to_string(),
    }
}

/// What a user passed, as a message quotes it: its first [`kakunin::MAX_QUOTED_CHARS`]
/// characters, as the core quotes it.
pub use kakunin::quoted_text as cut;

/// The `--locale` given to the command the arguments name (the deepest subcommand), if it
/// has one and it names a language.
pub fn locale_of(matches: &clap::ArgMatches) -> Option<Locale> {
    let mut matches = matches;
    while let Some((_, sub)) = matches.subcommand() {
        matches = sub;
    }
    let mut values = matches.try_get_raw("locale").ok().flatten()?;
    values.next()?.to_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_error_is_said_in_japanese_with_its_details() {
        let errors = [
            kakunin::Error::UnknownSelector("dates/nope".into()),
            kakunin::Error::InvalidOption {
                name: "as_of".into(),
                message: "`x` is not a YYYY-MM-DD date".into(),
            },
            kakunin::Error::Input {
                path: "a.csv".into(),
                message: "Permission denied (os error 13)".into(),
            },
            kakunin::Error::Pack {
                file: "rules/dates.toml".into(),
                rule: None,
                message: "bad TOML".into(),
            },
        ];
        for e in &errors {
            let (ja, en) = (core_error(e, Locale::Ja), core_error(e, Locale::En));
            assert_eq!(en, e.to_string());
            assert_ne!(ja, en);
            assert!(
                ja.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
                "{ja}"
            );
        }
        assert!(core_error(&errors[2], Locale::Ja).contains("Permission denied"));
        assert!(core_error(&errors[3], Locale::Ja).contains("rules/dates.toml"));
    }

    #[test]
    fn a_long_value_is_cut() {
        let long = "x".repeat(kakunin::MAX_QUOTED_CHARS + 10);
        assert_eq!(cut(&long).chars().count(), kakunin::MAX_QUOTED_CHARS + 1);
        assert_eq!(cut("short"), "short");
    }
}
