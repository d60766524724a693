//! Checks the bundled packs and embeds them twice: as written (the files, for the feature `full`)
//! and parsed, with only what checking needs (for the browser, which then needs no TOML parser
//! and no rule-file validator).
//!
//! Every rule file is validated against the rule-file JSON Schema and every pack is compiled
//! here, so a broken bundled pack fails the build with all its schema problems listed.

// A build script reports problems by failing the build, so unwrapping is the right response.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kakunin::pack::ParsedPack;
use kakunin::{PackFiles, RuleSet};

const PACKS: [&str; 2] = ["hersys", "opendata"];

fn pack_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            pack_files(&path, out);
        } else if kakunin::pack::is_pack_file(&path.to_string_lossy()) {
            out.push(path);
        }
    }
}

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let mut code = String::new();
    let mut problems = Vec::new();
    let mut shared: Vec<(String, String)> = Vec::new();
    for pack in PACKS {
        let dir = root.join(pack);
        println!("cargo:rerun-if-changed={}", dir.display());
        println!("cargo:rerun-if-changed={}", root.join("common").display());
        let mut paths = Vec::new();
        pack_files(&dir, &mut paths);
        pack_files(&root.join("common"), &mut paths);
        writeln!(code, "#[cfg(feature = \"full\")]").unwrap();
        writeln!(
            code,
            "pub(crate) const {}: &[(&str, &str)] = &[",
            pack.to_uppercase()
        )
        .unwrap();
        let mut files = PackFiles::new();
        for path in &paths {
            println!("cargo:rerun-if-changed={}", path.display());
            let relative = match path.strip_prefix(&dir) {
                Ok(p) => p.to_string_lossy().replace('\\', "/"),
                Err(_) => format!(
                    "../{}",
                    path.strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/")
                ),
            };
            let text = std::fs::read_to_string(path).unwrap();
            if kakunin::pack::rule_place(&relative).is_some()
                && let Err(e) = kakunin::validate::rule_file(&relative, &text)
            {
                problems.push(format!("{pack}/{e}"));
            }
            files.insert(relative.clone(), text);
            writeln!(
                code,
                "    ({relative:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
        writeln!(code, "];").unwrap();
        if !problems.is_empty() {
            continue;
        }
        // Compiled once here so that every mistake a compiler finds fails the build too.
        let parsed = ParsedPack::from_files(files).unwrap_or_else(|e| panic!("{pack}/{e}"));
        if let Err(e) = RuleSet::from_parsed(parsed.clone()) {
            panic!("{pack}/{e}");
        }
        // Files shared between packs (`../common/`) are embedded once, beside the packs.
        let mut lean = parsed.for_checking().unwrap();
        // What the browser gets must compile too (its scripts are stored without comments).
        if let Err(e) = RuleSet::from_parsed(lean.clone()) {
            panic!("{pack} (stored for checking)/{e}");
        }
        let mut own = PackFiles::new();
        for (path, text) in lean.files.iter() {
            if path.starts_with("../") {
                shared.push((path.to_owned(), text.to_owned()));
            } else {
                own.insert(path, text);
            }
        }
        lean.files = own;
        let parsed_file = out_dir.join(format!("{pack}.json"));
        std::fs::write(&parsed_file, lean.to_json().unwrap()).unwrap();
        writeln!(
            code,
            "pub(crate) const {}_PARSED: &str = include_str!({:?});",
            pack.to_uppercase(),
            parsed_file.display().to_string()
        )
        .unwrap();
    }
    if !problems.is_empty() {
        for p in &problems {
            println!("cargo:warning={p}");
        }
        panic!(
            "{} rule file(s) do not follow core/schema/rule.schema.json:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
    shared.sort();
    shared.dedup();
    writeln!(code, "pub(crate) const SHARED_PARSED: &[(&str, &str)] = &[").unwrap();
    for (n, (path, text)) in shared.iter().enumerate() {
        let file = out_dir.join(format!("shared-{n}"));
        std::fs::write(&file, text).unwrap();
        writeln!(
            code,
            "    ({path:?}, include_str!({:?})),",
            file.display().to_string()
        )
        .unwrap();
    }
    writeln!(code, "];").unwrap();
    std::fs::write(out_dir.join("packs.rs"), code).unwrap();
}
