//! The packs that ship with kakunin, compiled into the binary:
//! - `hersys`: the HER-SYS case record (発生届 and the tabs health centers fill afterwards);
//! - `opendata`: the published 陽性患者属性 line list.
//!
//! Every rule file was validated against the rule-file schema when this crate was built.

use std::sync::{Arc, OnceLock};

use kakunin::{Error, PackFiles, Result, RuleSet};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/packs.rs"));
}

/// Names of the bundled packs.
pub const PACKS: [&str; 2] = ["hersys", "opendata"];

/// The files of a bundled pack.
pub fn files(name: &str) -> Option<PackFiles> {
    let list = match name {
        "hersys" => embedded::HERSYS,
        "opendata" => embedded::OPENDATA,
        _ => return None,
    };
    let mut files = PackFiles::new();
    for (path, text) in list {
        files.insert(*path, *text);
    }
    Some(files)
}

/// A bundled pack, compiled once per process and shared.
pub fn bundled(name: &str) -> Result<Arc<RuleSet>> {
    static HERSYS: OnceLock<Result<Arc<RuleSet>>> = OnceLock::new();
    static OPENDATA: OnceLock<Result<Arc<RuleSet>>> = OnceLock::new();
    let cell = match name {
        "hersys" => &HERSYS,
        "opendata" => &OPENDATA,
        other => {
            return Err(Error::InvalidOption {
                name: "pack".into(),
                message: format!("no bundled pack `{other}` (hersys, opendata)"),
            });
        }
    };
    cell.get_or_init(|| {
        let files = files(name).ok_or_else(|| Error::InvalidOption {
            name: "pack".into(),
            message: name.into(),
        })?;
        RuleSet::compile(files).map(Arc::new)
    })
    .clone()
}
