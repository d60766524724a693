//! Errors: things that stop kakunin from judging records. Problems *in* a record are findings.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ruleset::quoted_text;

/// Everything that can go wrong outside of a record's contents.
///
/// A record's contents never cause an error: garbage in a field, a record that is not an
/// object, a value nested too deep are [findings](crate::Finding). What a host does with each
/// variant:
///
/// | variant | raised by | what it means for a service |
/// |---|---|---|
/// | [`Error::Pack`] | [`RuleSet::compile`](crate::RuleSet::compile), [`RuleSet::from_dir`](crate::RuleSet::from_dir), `kakunin_rules::bundled` | the rules cannot be used: fail at start-up |
/// | [`Error::UnknownSelector`], [`Error::InvalidOption`] | [`CheckOptions`](crate::CheckOptions) parsing, [`RuleSet::plan`](crate::RuleSet::plan), [`RuleSet::check`](crate::RuleSet::check); `kakunin_rules::bundled` with a name it does not know | the caller's options are wrong (a bad request); no record was judged |
/// | [`Error::Script`] | [`RuleSet::check`](crate::RuleSet::check), a batch's [`Outcome::Failed`](crate::batch::Outcome::Failed) | a rule could not judge this record: it is **not** judged, so it must not be written as if it passed |
/// | [`Error::Input`] | [`RuleSet::from_dir`](crate::RuleSet::from_dir) (a pack folder), a batch's source, the cross-record pass's temporary files | a file could not be opened or read at all |
///
/// [`Error::kind`] names the variant in a word, the same in every binding. The `Display` text
/// names the file, rule, line or option rather than quoting a record (a script's error is
/// rhai's description, which may give a number the script computed), and quotes what a caller
/// passed (an option's value, a selector) by its first
/// [`MAX_QUOTED_CHARS`](crate::MAX_QUOTED_CHARS) characters at most, so it can be logged and
/// returned to a caller as it is. A service answering in JSON gives
/// `{"kind": error.kind(), "message": error.to_string()}`, the shape the shared test vectors
/// and the JS binding use; the serde form (`{"InvalidOption": {…}}`) is what kakunin writes to
/// its own temporary files.
///
/// ```
/// use kakunin::{CheckOptions, Error};
///
/// let refused = CheckOptions::default().with_as_of("2024-02-30").unwrap_err();
/// assert!(matches!(&refused, Error::InvalidOption { name, .. } if name == "as_of"));
/// assert_eq!(refused.kind(), "invalid-option");
/// assert_eq!(refused.to_string(), "invalid option as_of: `2024-02-30` is not a YYYY-MM-DD date");
/// ```
#[derive(Debug, Error, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Error {
    /// A pack file is malformed: bad TOML/JSON, an unknown key, an unknown path, a missing
    /// translation, a placeholder without a value…
    #[error("{file}{}: {message}", rule.as_ref().map(|r| format!(" [{r}]")).unwrap_or_default())]
    Pack {
        /// The file, relative to the pack folder.
        file: String,
        /// The rule, where the problem is in one.
        rule: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A script broke one of the hardened engine's limits or threw.
    #[error("rule {rule}: script {kind}{}: {message}", at_position(*line, *column))]
    Script {
        /// The rule whose script failed.
        rule: String,
        /// `limit` when a limit was hit, `runtime` for any other failure.
        kind: ScriptErrorKind,
        /// Line in the script (0 when unknown).
        line: usize,
        /// Column in the script (0 when unknown).
        column: usize,
        /// rhai's description.
        message: String,
    },
    /// A `select`/`ignore` entry names no rule or group of the pack.
    #[error("unknown rule or group `{}`", quoted_text(.0))]
    UnknownSelector(String),
    /// An option has a value kakunin does not understand.
    #[error("invalid option {}: {message}", quoted_text(name))]
    InvalidOption {
        /// The option.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// An input could not be read at all (missing file, unreadable folder).
    #[error("{path}: {message}")]
    Input {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Why a script stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScriptErrorKind {
    /// A hardened-engine limit (operations, depth, sizes).
    Limit,
    /// The script threw or failed for another reason.
    Runtime,
}

impl std::fmt::Display for ScriptErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ScriptErrorKind::Limit => "limit",
            ScriptErrorKind::Runtime => "error",
        })
    }
}

impl Error {
    /// A short machine-readable name of the error's kind, the same in every binding.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Pack { .. } => "pack",
            Error::Script {
                kind: ScriptErrorKind::Limit,
                ..
            } => "script-limit",
            Error::Script { .. } => "script",
            Error::UnknownSelector(_) => "unknown-selector",
            Error::InvalidOption { .. } => "invalid-option",
            Error::Input { .. } => "input",
        }
    }

    pub(crate) fn pack(
        file: impl Into<String>,
        rule: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Error::Pack {
            file: file.into(),
            rule: rule.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// kakunin's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// " at line L, column C", or nothing when the position is unknown (a script's return value has
/// none).
fn at_position(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" at line {line}, column {column}")
    }
}
