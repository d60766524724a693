//! Writes the seed corpora of the fuzz targets from the bundled packs' examples:
//! `cargo run --release --bin seeds` (from `fuzz/`) fills `corpus/<target>/`.
//!
//! - `record` and `partial`: every example record of both packs, as JSON;
//! - `pack`: every hersys rule file with its script;
//! - `script`: every script of the hersys pack;
//! - `csv`: the example records as small CSV files, hersys flattened to its CSV layout and
//!   opendata rows as they are published.

use std::fs;
use std::path::{Path, PathBuf};

use kakunin::examples::cases;
use serde_json::Value;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
}

fn corpus(target: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    fs::create_dir_all(&dir).expect("corpus folder");
    dir
}

/// Rows of string cells under one header, as CSV text.
fn csv_text(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header).expect("header");
    for row in rows {
        out.write_record(row).expect("row");
    }
    out.into_inner().expect("flush")
}

fn opendata_row(header: &[String], record: &Value) -> Vec<String> {
    header
        .iter()
        .map(|h| match &record[h] {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .collect()
}

fn main() {
    let mut counts = [0usize; 4];
    let (records, partial, csvs) = (corpus("record"), corpus("partial"), corpus("csv"));
    for name in kakunin_rules::PACKS {
        let rules = kakunin_fuzz::pack(name);
        for (i, case) in cases(&rules).into_iter().flatten().enumerate() {
            for (j, record) in case.records.iter().enumerate() {
                let text = serde_json::to_vec(record).expect("JSON");
                write(&records, &format!("{name}-{i}-{j}.json"), &text);
                write(&partial, &format!("{name}-{i}-{j}.json"), &text);
                counts[0] += 1;
            }
            let (header, rows): (Vec<String>, Vec<Vec<String>>) = if name == "hersys" {
                let header = kakunin_sample::flat_headers();
                let rows = case
                    .records
                    .iter()
                    .map(|r| {
                        kakunin_sample::flatten(r)
                            .into_iter()
                            .map(|(_, v)| v)
                            .collect()
                    })
                    .collect();
                (header, rows)
            } else {
                let Some(Value::Object(first)) = case.records.first() else {
                    continue;
                };
                let header: Vec<String> = first.keys().cloned().collect();
                let rows = case
                    .records
                    .iter()
                    .map(|r| opendata_row(&header, r))
                    .collect();
                (header, rows)
            };
            write(&csvs, &format!("{name}-{i}.csv"), &csv_text(&header, &rows));
            counts[3] += 1;
        }
    }
    let (packs, scripts) = (corpus("pack"), corpus("script"));
    for (name, input) in kakunin_fuzz::rule_seeds() {
        let script = input
            .rsplit(|&b| b == kakunin_fuzz::PART)
            .next()
            .unwrap_or(&[]);
        if !script.is_empty() {
            write(&scripts, &format!("{name}.rhai"), script);
            counts[2] += 1;
        }
        write(&packs, &name, &input);
        counts[1] += 1;
    }
    println!(
        "seeds: record and partial {}, pack {}, script {}, csv {}",
        counts[0], counts[1], counts[2], counts[3]
    );
}
