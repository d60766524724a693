//! Embeds the bundled packs and validates every rule file against the rule-file JSON Schema, so a
//! host that only uses the bundled packs (the browser) need not carry the validator.

// A build script reports problems by failing the build, so unwrapping is the right response.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

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
        } else if ["toml", "json", "rhai", "csv"]
            .iter()
            .any(|ext| path.extension().is_some_and(|e| e == *ext))
        {
            out.push(path);
        }
    }
}

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let schema_path = root.join("../core/schema/rule.schema.json");
    println!("cargo:rerun-if-changed={}", schema_path.display());
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).expect("rule schema readable"))
            .expect("rule schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("rule schema compiles");

    let mut code = String::new();
    let mut problems = Vec::new();
    for pack in PACKS {
        let dir = root.join(pack);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files = Vec::new();
        pack_files(&dir, &mut files);
        let mut common = Vec::new();
        pack_files(&root.join("common"), &mut common);
        println!("cargo:rerun-if-changed={}", root.join("common").display());
        writeln!(
            code,
            "pub(crate) const {}: &[(&str, &str)] = &[",
            pack.to_uppercase()
        )
        .unwrap();
        for path in files.iter().chain(&common) {
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
            let is_rule = relative.ends_with(".toml")
                && relative.matches('/').count() == 1
                && !relative.starts_with("..");
            if is_rule {
                let text = std::fs::read_to_string(path).unwrap();
                match toml::from_str::<toml::Value>(&text) {
                    Err(e) => problems.push(format!("{pack}/{relative}: {e}")),
                    Ok(value) => {
                        let json = serde_json::to_value(value).unwrap();
                        for e in validator.iter_errors(&json) {
                            problems
                                .push(format!("{pack}/{relative}: at {}: {e}", e.instance_path()));
                        }
                    }
                }
            }
            writeln!(
                code,
                "    ({relative:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
        writeln!(code, "];").unwrap();
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
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("packs.rs");
    std::fs::write(out, code).unwrap();
}
