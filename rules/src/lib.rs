//! The packs that ship with kakunin, compiled into the binary:
//! - `hersys`: the HER-SYS case record (発生届 and the tabs health centers fill afterwards);
//! - `opendata`: the published 陽性患者属性 line list.
//!
//! Every rule file was validated against the rule-file schema, and every pack compiled, when this
//! crate was built. Each pack is embedded twice: as written (feature `full`, on by default: the
//! TOML files with every rule's examples and documentation), and parsed with only what checking
//! needs ([`kakunin::pack::ParsedPack::for_checking`]), which is what [`bundled`] loads without
//! `full` — the browser build, which so carries neither the TOML parser nor the examples.

use std::sync::{Arc, OnceLock};

use kakunin::pack::ParsedPack;
use kakunin::{Error, Result, RuleSet};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/packs.rs"));
}

/// Names of the bundled packs.
pub const PACKS: [&str; 2] = ["hersys", "opendata"];

/// The files of a bundled pack, as written.
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
    Error::InvalidOption {
        name: "pack".into(),
        message: format!("no bundled pack `{name}` (hersys, opendata)"),
    }
}

/// A bundled pack with only what checking needs (no examples, no documentation), compiled from
/// its parsed form: what [`bundled`] gives without the feature `full`.
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

/// A bundled pack, compiled once per process and shared.
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
