//! The packs that ship with kakunin, compiled into the binary:
//! - `hersys`: the HER-SYS case record (発生届 and the tabs health centers fill afterwards);
//! - `opendata`: the published 陽性患者属性 line list.
//!
//! Every rule file was validated against the rule-file schema, and every pack compiled, when this
//! crate was built. Each pack is embedded twice: as written (feature `full`, on by default: the
//! TOML files with every rule's examples and documentation), and parsed with only what checking
//! needs ([`kakunin::pack::ParsedPack::for_checking`]), which is what [`bundled`] loads without
//! `full` — the browser build, which so carries neither the TOML parser nor the examples.
//!
//! A service loads a pack once, logs which rules it judges with, and shares it between
//! threads; each request's record is checked at stage `submit` (the default) and written only
//! when the report is `ok`:
//!
//! ```
//! use kakunin::{CheckOptions, Error};
//!
//! let rules = kakunin_rules::bundled("hersys")?; // an Arc<RuleSet>: clone it into each thread
//! let pack = rules.info();
//! println!("judging with {} {} ({})", pack.name, pack.version, pack.hash);
//!
//! let options = CheckOptions::default().with_as_of("2024-06-01")?;
//! let record = serde_json::json!({"id": "r1", "notification": {"reported_on": "2024-05-31"}});
//! let worker = {
//!     let rules = rules.clone();
//!     std::thread::spawn(move || rules.check(&record, &options))
//! };
//! match worker.join().expect("check does not panic") {
//!     Ok(report) if report.ok => { /* write the record */ }
//!     Ok(report) => {
//!         // Refuse it, and return the findings (or the whole report) as JSON.
//!         let body = serde_json::to_string(&report.findings).expect("findings are JSON");
//!         assert!(body.contains(r#""rule":"required/"#));
//!     }
//!     // A rule could not judge this record: refuse it too.
//!     Err(error @ Error::Script { .. }) => panic!("not judged: {error}"),
//!     Err(other) => return Err(other),
//! }
//! # Ok::<(), Error>(())
//! ```
//!
//! [`bundled`] compiles a pack the first time it is asked for (some tens of milliseconds for
//! `hersys`), so a service calls it at start-up rather than on its first request, and fails to
//! start rather than to serve should it ever fail.

#![warn(missing_docs)]

/// The README's Rust examples, run as doctests of the crate they use.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

use std::sync::{Arc, OnceLock};

use kakunin::pack::ParsedPack;
use kakunin::{Error, Result, RuleSet};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/packs.rs"));
}

/// Names of the bundled packs, as [`bundled`] takes them.
pub const PACKS: [&str; 2] = ["hersys", "opendata"];

/// The files of a bundled pack, as written (rule files with their examples and documentation,
/// the record schema, code lists, the CSV mapping); `None` for a name that is no bundled pack.
#[cfg(feature = "full")]
pub fn files(name: &str) -> Option<kakunin::PackFiles> {
    let list = match name {
        "hersys" => embedded::HERSYS,
        "opendata" => embedded::OPENDATA,
        _ => return None,
    };
    let mut files = kakunin::PackFiles::new();
    for (path, text) in list {
        files.insert(*path, *text);
    }
    Some(files)
}

fn unknown(name: &str) -> Error {
    let mut shown: String = name.chars().take(kakunin::MAX_QUOTED_CHARS).collect();
    if shown.len() < name.len() {
        shown.push('…');
    }
    Error::InvalidOption {
        name: "pack".into(),
        message: format!("no bundled pack `{shown}` (hersys, opendata)"),
    }
}

/// A bundled pack with only what checking needs (no examples, no documentation), compiled from
/// its parsed form: what [`bundled`] gives without the feature `full`. It judges exactly as the
/// pack as written, with the same name, version and hash; each call compiles it anew.
///
/// A name that is no bundled pack is an [`Error::InvalidOption`] (option `pack`).
pub fn for_checking(name: &str) -> Result<RuleSet> {
    let text = match name {
        "hersys" => embedded::HERSYS_PARSED,
        "opendata" => embedded::OPENDATA_PARSED,
        other => return Err(unknown(other)),
    };
    let mut pack = ParsedPack::from_json(name, text)?;
    // The tables packs share are embedded once (see build.rs).
    for (path, text) in embedded::SHARED_PARSED {
        if pack.manifest.tables.values().any(|t| t.file == *path) {
            pack.files.insert(*path, *text);
        }
    }
    RuleSet::from_parsed(pack)
}

/// A bundled pack ([`PACKS`]), compiled the first time it is asked for and shared by every
/// later call: the same `Arc`, for any thread.
///
/// A name that is no bundled pack is an [`Error::InvalidOption`] (option `pack`). The bundled
/// packs were compiled when this crate was built, so they do not fail to compile; should one
/// ever, every call returns the same [`Error::Pack`].
pub fn bundled(name: &str) -> Result<Arc<RuleSet>> {
    static HERSYS: OnceLock<Result<Arc<RuleSet>>> = OnceLock::new();
    static OPENDATA: OnceLock<Result<Arc<RuleSet>>> = OnceLock::new();
    let cell = match name {
        "hersys" => &HERSYS,
        "opendata" => &OPENDATA,
        other => return Err(unknown(other)),
    };
    cell.get_or_init(|| compile(name).map(Arc::new)).clone()
}

#[cfg(feature = "full")]
fn compile(name: &str) -> Result<RuleSet> {
    RuleSet::compile(files(name).ok_or_else(|| unknown(name))?)
}

#[cfg(not(feature = "full"))]
fn compile(name: &str) -> Result<RuleSet> {
    for_checking(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundled_pack_is_compiled_once_and_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>(_: &T) {}
        let first = bundled("hersys").expect("the bundled pack compiles");
        assert_send_sync(&first);
        let from_threads: Vec<Arc<RuleSet>> = (0..4)
            .map(|_| std::thread::spawn(|| bundled("hersys").expect("compiled")))
            .map(|thread| thread.join().expect("no panic"))
            .collect();
        assert!(from_threads.iter().all(|rules| Arc::ptr_eq(rules, &first)));
        assert_eq!(first.info().name, "hersys");
        assert_eq!(first.info().hash.len(), 64, "a SHA-256 in hex");
    }

    #[test]
    fn an_unknown_pack_is_an_invalid_option_quoted_short() {
        let huge = "x".repeat(100_000);
        for error in [
            bundled(&huge).unwrap_err(),
            for_checking(&huge).unwrap_err(),
        ] {
            assert_eq!(error.kind(), "invalid-option");
            let shown = error.to_string();
            assert!(shown.len() < 400, "{} bytes", shown.len());
            assert!(shown.contains("x…`"), "{shown}");
        }
        assert_eq!(
            bundled("nope").unwrap_err().to_string(),
            "invalid option pack: no bundled pack `nope` (hersys, opendata)"
        );
    }
}
