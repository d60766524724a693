//! criterion: compiling the HER-SYS pack, `check` per record (whole pack and by group), and a
//! batch of JSON Lines checked end to end against just parsing it.

use std::io::Write;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kakunin::batch::{Item, check_stream};
use kakunin::input::{Format, read};
use kakunin::{CheckOptions, PackFiles, RuleSet};
use serde_json::Value;

fn pack_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/hersys")
}

fn sample(count: usize) -> Vec<Value> {
    let config = kakunin_sample::Config {
        seed: 7,
        count,
        ..kakunin_sample::Config::default()
    };
    kakunin_sample::generate(&config)
        .map(|s| s.record)
        .collect()
}

fn options() -> CheckOptions {
    CheckOptions::default()
        .with_as_of("2024-06-01")
        .expect("date")
}

fn compile(c: &mut Criterion) {
    let files = PackFiles::from_dir(&pack_dir()).expect("pack files");
    c.bench_function("compile/hersys", |b| {
        b.iter(|| RuleSet::compile(files.clone()).expect("compiles"))
    });
}

fn check_records(c: &mut Criterion) {
    let rules = RuleSet::from_dir(&pack_dir()).expect("pack");
    let records = sample(2000);
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Elements(records.len() as u64));
    let plan = rules.plan(&options()).expect("plan");
    group.bench_function("hersys/all-rules", |b| {
        b.iter(|| {
            records
                .iter()
                .map(|r| {
                    rules
                        .check_with_plan(r, &plan)
                        .expect("check")
                        .findings
                        .len()
                })
                .sum::<usize>()
        })
    });
    let mut groups: Vec<&str> = rules.rules().iter().map(|r| r.group.as_str()).collect();
    groups.dedup();
    for g in groups {
        let plan = rules
            .plan(&CheckOptions {
                select: vec![g.to_owned()],
                ..options()
            })
            .expect("plan");
        group.bench_with_input(BenchmarkId::new("hersys/group", g), &plan, |b, plan| {
            b.iter(|| {
                records
                    .iter()
                    .map(|r| {
                        rules
                            .check_with_plan(r, plan)
                            .expect("check")
                            .findings
                            .len()
                    })
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

fn batch(c: &mut Criterion) {
    let count = 200_000;
    let path = std::env::temp_dir().join(format!("kakunin-bench-{count}.jsonl"));
    if !path.exists() {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("temp file"));
        let config = kakunin_sample::Config {
            seed: 11,
            count,
            ..kakunin_sample::Config::default()
        };
        for s in kakunin_sample::generate(&config) {
            serde_json::to_writer(&mut out, &s.record).expect("write");
            out.write_all(b"\n").expect("write");
        }
        out.flush().expect("flush");
    }
    let rules = RuleSet::from_dir(&pack_dir()).expect("pack");
    let plan = rules.plan(&options()).expect("plan");
    let open = || {
        read(
            std::fs::File::open(&path).expect("open"),
            Format::JsonLines,
            None,
        )
    };
    let mut group = c.benchmark_group("batch-200k-jsonl");
    group.sample_size(10);
    group.throughput(Throughput::Elements(count as u64));
    group.bench_function("parse-only", |b| {
        b.iter(|| open().filter(Result::is_ok).count())
    });
    group.bench_function("parse-and-check", |b| {
        b.iter(|| {
            let mut findings = 0usize;
            let source = || {
                Ok(open().map(|item| match item {
                    Ok(r) => Item::Record {
                        line: r.line,
                        value: r.value,
                    },
                    Err(e) => Item::Unreadable {
                        line: e.line,
                        message: e.message,
                    },
                }))
            };
            check_stream(&rules, &plan, source, |o| {
                if let kakunin::batch::Outcome::Checked { report, .. } = o {
                    findings += report.findings.len();
                }
            })
            .expect("batch");
            findings
        })
    });
    group.finish();
}

criterion_group!(benches, compile, check_records, batch);
criterion_main!(benches);
