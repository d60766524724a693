//! criterion: compiling each bundled pack, `check` per record (by pack and by rule group), a rhai
//! rule against the same rule written declaratively, the cross-record pass, parsing dates, and a
//! batch of JSON Lines checked end to end against just parsing it. `bench/run --criterion` folds the medians
//! into the results table.

use std::io::Write;
use std::path::{Path, PathBuf};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kakunin::batch::{Outcome, Read, check_all, check_stream_reads};
use kakunin::input::{Format, read, read_unparsed};
use kakunin::{CheckOptions, PackFiles, Plan, RuleSet};
use serde_json::Value;

// The allocator the command and the Python extension use: the batch benchmark measures what
// they do.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn pack_dir() -> PathBuf {
    bundled_dir("hersys")
}

fn bundled_dir(pack: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rules")
        .join(pack)
}

/// Per-record benchmarks check this many records per iteration.
const RECORDS: usize = 2000;

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

/// Rows of the open-data line list: the pack's complete example with a new number and dates.
fn opendata_rows(count: usize) -> Vec<Value> {
    let text = std::fs::read_to_string(bundled_dir("opendata").join("examples/complete.json"))
        .expect("opendata example");
    let base: Value = serde_json::from_str(&text).expect("example JSON");
    (0..count)
        .map(|i| {
            let (month, day) = (3 + (i / 28) % 9, 1 + i % 28);
            let mut row = base.clone();
            row["No"] = Value::from((i + 1).to_string());
            row["公表_年月日"] = Value::from(format!("2020-{month:02}-{day:02}"));
            row["発症_年月日"] = Value::from(format!("2020-{month:02}-{:02}", day.max(3) - 2));
            row
        })
        .collect()
}

/// Checks every record with one plan; the findings count keeps the work from being optimised away.
fn check_each(rules: &RuleSet, plan: &Plan, records: &[Value]) -> usize {
    records
        .iter()
        .map(|r| {
            rules
                .check_with_plan(r, plan)
                .expect("check")
                .findings
                .len()
        })
        .sum()
}

fn compile(c: &mut Criterion) {
    for pack in ["hersys", "opendata"] {
        let files = PackFiles::from_dir(&bundled_dir(pack)).expect("pack files");
        c.bench_function(&format!("compile/{pack}"), |b| {
            b.iter(|| RuleSet::compile(files.clone()).expect("compiles"))
        });
    }
}

fn check_records(c: &mut Criterion) {
    let rules = RuleSet::from_dir(&pack_dir()).expect("pack");
    let records = sample(RECORDS);
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Elements(records.len() as u64));
    let plan = rules.plan(&options()).expect("plan");
    group.bench_function("hersys/all-rules", |b| {
        b.iter(|| check_each(&rules, &plan, &records))
    });
    just_built(&mut group, &rules, &plan, &records);
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
            b.iter(|| check_each(&rules, plan, &records))
        });
    }
    let opendata = RuleSet::from_dir(&bundled_dir("opendata")).expect("opendata pack");
    let plan = opendata.plan(&options()).expect("plan");
    let rows = opendata_rows(RECORDS);
    group.bench_function("opendata/all-rules", |b| {
        b.iter(|| check_each(&opendata, &plan, &rows))
    });
    group.finish();
}

/// `check` of a record built moments before, as every host checks one: the batch parses a line
/// and checks it on the same thread, Python and the browser convert a record and check it. The
/// records of `hersys/all-rules` were all built before the run and are read from memory, not
/// from the cache; here each is parsed from its JSON text untimed, a few at a time, and then
/// checked. Only the check is timed: with a plan made once, and through `RuleSet::check` with
/// the options, as a host that checks record by record calls it.
fn just_built(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rules: &RuleSet,
    plan: &Plan,
    records: &[Value],
) {
    let texts: Vec<String> = records.iter().map(Value::to_string).collect();
    let mut next = texts.iter().cycle();
    group.throughput(Throughput::Elements(1));
    let options = plan.options();
    type Way<'w> = &'w dyn Fn(&Value) -> usize;
    let with_plan: Way = &|record| {
        rules
            .check_with_plan(record, plan)
            .expect("check")
            .findings
            .len()
    };
    let with_options: Way = &|record| rules.check(record, options).expect("check").findings.len();
    for (name, check) in [
        ("just-built", with_plan),
        ("just-built/options-each-call", with_options),
    ] {
        group.bench_function(format!("hersys/all-rules/{name}"), |b| {
            b.iter_batched_ref(
                || serde_json::from_str::<Value>(next.next().expect("cycles")).expect("JSON"),
                |record| check(record),
                BatchSize::NumIterations(16),
            )
        });
    }
    group.throughput(Throughput::Elements(records.len() as u64));
}

/// The same rule (onset after diagnosis) as a declarative `date-order` and as a rhai script, on
/// the same records: what a script costs against the vocabulary.
fn rhai_vs_declarative(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/packs/rhai-vs-declarative");
    let rules = RuleSet::from_dir(&dir).expect("bench pack");
    let records: Vec<Value> = sample(RECORDS)
        .into_iter()
        .map(|r| {
            let n = &r["notification"];
            serde_json::json!({ "notification": {
                "onset_on": n["onset_on"], "diagnosed_on": n["diagnosed_on"] } })
        })
        .collect();
    let mut group = c.benchmark_group("rhai-vs-declarative");
    group.throughput(Throughput::Elements(records.len() as u64));
    for way in ["declarative", "rhai"] {
        let plan = rules
            .plan(&CheckOptions {
                select: vec![way.to_owned()],
                ..options()
            })
            .expect("plan");
        let found = check_each(&rules, &plan, &records);
        assert!(found > 0, "the sample should have onsets after diagnosis");
        group.bench_function(way, |b| b.iter(|| check_each(&rules, &plan, &records)));
    }
    group.finish();
}

/// The cross-record pass (`identity/`: duplicate HERSYS ids, probable duplicates) over 10,000
/// records, through `batch::check_all`.
fn cross_record(c: &mut Criterion) {
    let rules = RuleSet::from_dir(&pack_dir()).expect("pack");
    let records = sample(10_000);
    let plan = rules
        .plan(&CheckOptions {
            select: vec!["identity".to_owned()],
            ..options()
        })
        .expect("plan");
    let mut group = c.benchmark_group("cross-record");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function("hersys/identity-10k", |b| {
        b.iter(|| check_all(&rules, &plan, &records).expect("batch").len())
    });
    group.finish();
}

/// Every date of the sample records' date fields, as text: what the view and the screen parse.
fn sample_dates() -> Vec<String> {
    fn gather(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(s) if s.len() >= 10 && s.as_bytes()[4] == b'-' => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|v| gather(v, out)),
            Value::Object(fields) => fields.values().for_each(|v| gather(v, out)),
            _ => {}
        }
    }
    let mut dates = Vec::new();
    for record in sample(RECORDS) {
        gather(&record, &mut dates);
    }
    dates
}

fn dates(c: &mut Criterion) {
    let dates = sample_dates();
    let mut group = c.benchmark_group("dates");
    group.throughput(Throughput::Elements(dates.len() as u64));
    group.bench_function("parse_day/sample", |b| {
        b.iter(|| {
            (dates.iter())
                .filter_map(|d| kakunin::date::parse_day(d))
                .fold(0i64, |sum, day| sum + i64::from(day))
        })
    });
    group.finish();
}

fn batch(c: &mut Criterion) {
    let count = 50_000;
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
    let open = || std::fs::File::open(&path).expect("open");
    let mut group = c.benchmark_group("batch-50k-jsonl");
    group.sample_size(10);
    group.throughput(Throughput::Elements(count as u64));
    // What `kakunin check --parse-only` does: every line parsed whole, on one thread.
    group.bench_function("parse-only", |b| {
        b.iter(|| {
            read(open(), Format::JsonLines, None)
                .filter(Result::is_ok)
                .count()
        })
    });
    // What `kakunin check` does: lines handed over unparsed, each parsed for the fields the
    // plan reads by the thread that checks it, the cross-record keys taken from those records.
    group.bench_function("parse-and-check", |b| {
        b.iter(|| {
            let mut findings = 0usize;
            let source = |_: Read| Ok(read_unparsed(open()));
            check_stream_reads(&rules, &plan, source, |o| {
                if let Outcome::Checked { report, .. } = o {
                    findings += report.findings.len();
                }
            })
            .expect("batch");
            findings
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    compile,
    check_records,
    rhai_vs_declarative,
    cross_record,
    dates,
    batch
);
criterion_main!(benches);
