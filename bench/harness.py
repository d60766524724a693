"""The benchmark run behind `bench/run` (see bench/README.md): generates the data, runs every
comparison side by side (A B C … A B C …, each measurement in its own process), and writes
bench/results/results.{md,json}. `bench/run` builds what this needs first; run it, not this.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import subset  # noqa: E402
from worker import AS_OF  # noqa: E402

TARGET = ROOT / "target"
DATA = TARGET / "bench-data"
KAKUNIN = TARGET / "release" / "kakunin"
WASM_DIR = ROOT / "bindings-wasm"
SEED = 20261101


@dataclasses.dataclass(frozen=True)
class Case:
    group: str  # the comparison it belongs to; its cases run side by side
    name: str
    input: str  # "jsonl" or "csv": which generated file it reads
    argv: tuple[str, ...]  # "{file}" stands for the input file
    kind: str = "python"  # "python" (bench/worker.py reports its own timed part) or "cli" (whole process)
    cap: str = ""  # "slow": measured on at most --slow-limit records; "memory": at most --memory-limit


def python_case(group: str, tool: str, input: str, cap: str = "") -> Case:
    return Case(group, tool, input, (sys.executable, str(HERE / "worker.py"), tool, "{file}"), cap=cap)


def cli_cases(input: str) -> list[Case]:
    base = (str(KAKUNIN), "check", "{file}", "--pack", "hersys", "--as-of", AS_OF)
    select = tuple(a for rule in subset.RULES for a in ("--select", rule))
    out = ("--format", "json", "--output", "{out}")
    group = f"file-{input}"
    return [
        Case(group, "kakunin check", input, base + out, kind="cli"),
        Case(group, "kakunin check (subset)", input, base + select + out, kind="cli"),
        Case(group, "kakunin check --parse-only", input, base + ("--parse-only",), kind="cli"),
    ]


CASES: list[Case] = [
    *cli_cases("jsonl"),
    python_case("file-jsonl", "check_file", "jsonl"),
    python_case("file-jsonl", "check_file-full", "jsonl"),
    python_case("file-jsonl", "python-loop", "jsonl"),
    python_case("file-jsonl", "json.loads", "jsonl"),
    python_case("file-jsonl", "json.loads+jsonschema-rs", "jsonl"),
    *cli_cases("csv"),
    python_case("file-csv", "check_file", "csv"),
    python_case("file-csv", "python-loop-csv", "csv"),
    python_case("file-csv", "csv.DictReader", "csv"),
    python_case("frame", "check_frame", "csv"),
    python_case("frame", "check_frame-full", "csv"),
    python_case("frame", "pandas", "csv"),
    python_case("frame", "pandera", "csv"),
    python_case("frame", "great_expectations", "csv", cap="slow"),
    # The validators are handed records parsed before the clock: all of them held in memory.
    python_case("schema", "check_many-full", "jsonl", cap="memory"),
    python_case("schema", "check_many-structural", "jsonl", cap="memory"),
    python_case("schema", "jsonschema-rs", "jsonl", cap="memory"),
    python_case("schema", "fastjsonschema", "jsonl", cap="memory"),
    python_case("schema", "jsonschema", "jsonl", cap="slow"),
]

GROUPS = {
    "file-jsonl": "From a JSON Lines file: the command and `check_file` against a plain Python loop over "
    "`json.loads` lines doing the subset, `json.loads` alone (the floor of any Python tool), "
    "jsonschema-rs validating each `json.loads` line against the structural subset (the `schema` "
    "group's schema), and the command's own parse-only time.",
    "file-csv": "From the flat CSV file: the same, with `csv.DictReader` for the loop and the floor.",
    "frame": "From a pandas frame (`read_csv(dtype=str)` before the clock): `check_frame` against the "
    "subset as vectorised pandas, as a pandera schema and as a Great Expectations suite.",
    "schema": "The structural part: the record JSON Schema (`rules/hersys/record.schema.json`: types, "
    "required, formats) in jsonschema-rs, fastjsonschema and jsonschema, on records parsed before the "
    "clock, against kakunin's whole pack (`check_many`) and its structural rules alone (`structure/type`, `formats/date`) on the same records.",
}


# --- measuring -----------------------------------------------------------------------------

def read_through(file: Path) -> None:
    """Reads a file once, unmeasured, so that it is in the page cache: otherwise the first case to
    read it pays the disk for all of them (1,000,000 records are 2 GB). One small buffer: the
    harness's own memory is the floor of every measurement's peak (a child starts as its copy)."""
    buffer = bytearray(1 << 20)
    with open(file, "rb", buffering=0) as f:
        while f.readinto(buffer):
            pass


def run_case(case: Case, file: Path, limit: int | None) -> dict[str, Any]:
    """Runs one measurement as a child process: its time and its peak resident set."""
    with tempfile.TemporaryDirectory(dir=TARGET) as tmp:
        out = Path(tmp) / "out.json"
        argv = [a.replace("{file}", str(file)).replace("{out}", str(out)) for a in case.argv]
        if limit:
            argv += ["--limit", str(limit)]
        stdout = Path(tmp) / "stdout"
        stderr = Path(tmp) / "stderr"
        with open(stdout, "wb") as so, open(stderr, "wb") as se:
            start = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=so, stderr=se, env=child_env())
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        text = stdout.read_text(encoding="utf-8", errors="replace")
        # kakunin check exits 1 when a record has an error finding: expected here.
        if code not in (0, 1) or (case.kind == "python" and code != 0):
            raise SystemExit(f"{case.group} / {case.name} failed ({code}):\n{stderr.read_text(errors='replace')[-3000:]}")
        result = {"wall_seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}
        if case.kind == "python":
            result.update(json.loads(text.strip().splitlines()[-1]))
        elif "--parse-only" in argv:
            result.update(seconds=wall, records=int(text.strip()), findings=0)
        else:
            summary = cli_summary(out)
            result.update(seconds=wall, records=summary["records_read"], findings=sum(summary["findings"].values()))
        return result


def cli_summary(path: Path) -> dict[str, Any]:
    """The summary at the end of `kakunin check --format json` output, read from the file's end."""
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - (1 << 20)))
        tail = f.read().decode("utf-8", errors="replace")
    start = tail.rfind('"summary":')
    if start < 0:
        raise SystemExit(f"no summary at the end of {path}")
    return json.loads(tail[start + len('"summary":') : tail.rstrip().rfind("}")])


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GX_ANALYTICS_ENABLED"] = "false"
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def generate(count: int, fmt: str) -> Path:
    """The seeded sample, cached by count, seed and format."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"hersys-{count}-seed{SEED}.{fmt}"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        subprocess.run(
            [str(KAKUNIN), "sample", "--count", str(count), "--seed", str(SEED), "--format", fmt, "--output", str(tmp)],
            check=True,
        )
        tmp.rename(path)
    return path


# --- the browser and criterion ---------------------------------------------------------------

def run_wasm(calls: int) -> dict[str, Any] | None:
    """bindings-wasm's own benchmark page in headless Chromium, and the module's size."""
    module = WASM_DIR / "dist" / "web" / "kakunin_wasm_bg.wasm"
    script = WASM_DIR / "bench" / "run.mjs"
    if not module.exists() or not script.exists():
        print("wasm: no build in bindings-wasm/dist (bench/run builds it unless --no-wasm)", flush=True)
        return None
    out = TARGET / "bench-results" / "wasm.json"
    subprocess.run(["node", str(script), "--n", str(calls), "--out", str(out)], cwd=WASM_DIR, check=True)
    result = json.loads(out.read_text(encoding="utf-8"))
    raw = module.read_bytes()
    result["module_bytes"] = len(raw)
    result["module_gzip_bytes"] = len(gzip.compress(raw, compresslevel=9))
    return result


def criterion_results() -> dict[str, Any]:
    """Every criterion benchmark's median time per iteration (and per element when it declares a
    throughput), from target/criterion/**/new/."""
    out: dict[str, Any] = {}
    for est in sorted((TARGET / "criterion").glob("**/new/estimates.json")):
        bench = json.loads((est.parent / "benchmark.json").read_text(encoding="utf-8"))
        median_ns = json.loads(est.read_text(encoding="utf-8"))["median"]["point_estimate"]
        elements = (bench.get("throughput") or {}).get("Elements")
        out[bench["full_id"]] = {
            "median_ns": median_ns,
            "elements": elements,
            "ns_per_element": median_ns / elements if elements else None,
        }
    return out


# --- the results -----------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.machine())
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    os_name = platform.platform()
    if Path("/etc/os-release").exists():
        fields = dict(line.rstrip().split("=", 1) for line in open("/etc/os-release") if "=" in line)
        os_name = f"{fields.get('PRETTY_NAME', '').strip(chr(34))}, Linux {platform.release()}"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem / 2**20, 1), "os": os_name}


def versions() -> dict[str, str]:
    def command(*argv: str) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "absent"

    def second_word(text: str) -> str:
        words = text.split()
        return words[1] if len(words) > 1 else text

    out = {
        "rustc": second_word(command("rustc", "--version")),
        "python": platform.python_version(),
        "node": command("node", "--version").lstrip("v"),
        "chromium": second_word(command("/usr/bin/chromium", "--version")),
        "kakunin-cli": second_word(command(str(KAKUNIN), "--version")),
        "git": command("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
    }
    for dist in ("kakunin", "pandas", "pyarrow", "numpy", "pandera", "great_expectations", "jsonschema", "fastjsonschema", "jsonschema-rs"):
        try:
            out[f"py:{dist}"] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[f"py:{dist}"] = "absent"
    return out


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = statistics.median(r["seconds"] for r in runs)
    records = runs[0]["records"]
    return {
        "reps": len(runs),
        "seconds": seconds,
        "seconds_all": [round(r["seconds"], 4) for r in runs],
        "records": records,
        "records_per_second": records / seconds if seconds > 0 else None,
        "findings": runs[0]["findings"],
        "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs),
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
    }


# (name, numerator case, denominator case, how, target as (op, value), what it shows)
RATIOS = [
    ("check_file vs json.loads", ("file-jsonl", "check_file"), ("file-jsonl", "json.loads"), "rate", (">=", 1), "subset; the issue: faster than Python's own json.loads"),
    ("check_file (whole pack) vs json.loads", ("file-jsonl", "check_file-full"), ("file-jsonl", "json.loads"), "rate", None, ""),
    ("check_file vs Python loop", ("file-jsonl", "check_file"), ("file-jsonl", "python-loop"), "rate", (">=", 10), "same subset"),
    ("check_file vs Python loop (CSV)", ("file-csv", "check_file"), ("file-csv", "python-loop-csv"), "rate", (">=", 10), "same subset"),
    ("check_frame vs pandera", ("frame", "check_frame"), ("frame", "pandera"), "rate", (">=", 20), "same subset"),
    ("check_frame vs Great Expectations", ("frame", "check_frame"), ("frame", "great_expectations"), "rate", (">=", 100), "GE: no age against birth date, no check digit"),
    ("check_frame vs vectorised pandas", ("frame", "check_frame"), ("frame", "pandas"), "rate", None, "same subset"),
    ("whole pack (check_many) vs jsonschema-rs structural", ("schema", "check_many-full"), ("schema", "jsonschema-rs"), "rate", (">=", 1), "per record; >1: the whole pack costs less"),
    ("whole pack (check_file) vs json.loads + jsonschema-rs structural, from the file", ("file-jsonl", "check_file-full"), ("file-jsonl", "json.loads+jsonschema-rs"), "rate", None, "per record of a JSON Lines file; >1: the whole pack costs less"),
    ("structural rules (check_many) vs jsonschema-rs", ("schema", "check_many-structural"), ("schema", "jsonschema-rs"), "rate", None, "like for like: types and formats"),
    ("whole pack (check_many) vs fastjsonschema", ("schema", "check_many-full"), ("schema", "fastjsonschema"), "rate", None, ""),
    ("whole pack (check_many) vs jsonschema", ("schema", "check_many-full"), ("schema", "jsonschema"), "rate", None, ""),
    ("kakunin check ÷ parse-only (JSON Lines)", ("file-jsonl", "kakunin check"), ("file-jsonl", "kakunin check --parse-only"), "time", ("<=", 2), "whole pack; time ratio"),
    ("kakunin check ÷ parse-only (CSV)", ("file-csv", "kakunin check"), ("file-csv", "kakunin check --parse-only"), "time", ("<=", 2), "whole pack; time ratio"),
]


def ratios(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results: dict[int, dict[tuple[str, str], dict[str, Any]]] = {}
    for r in runs:
        results.setdefault(r["size"], {})[(r["group"], r["case"])] = r
    out = []
    for size, cases in sorted(results.items()):
        for name, a, b, how, target, note in RATIOS:
            if a not in cases or b not in cases:
                continue
            ra, rb = cases[a], cases[b]
            if how == "rate":
                value = ra["records_per_second"] / rb["records_per_second"]
            else:
                value = ra["seconds"] / rb["seconds"]
            out.append(ratio_row(name, size, value, target, note))
        cli = cases.get(("file-jsonl", "kakunin check"))
        if cli:
            out.append(ratio_row("peak RSS of kakunin check (MB)", size, cli["peak_rss_mb"], ("<", 200), "JSON Lines, whole pack"))
    sizes = sorted(s for s in results if ("file-jsonl", "kakunin check") in results[s])
    if len(sizes) >= 2:
        lo, hi = results[sizes[0]], results[sizes[-1]]
        key = ("file-jsonl", "kakunin check")
        growth = hi[key]["peak_rss_mb"] / lo[key]["peak_rss_mb"]
        out.append(ratio_row(f"peak RSS growth {sizes[-1]:,} ÷ {sizes[0]:,}", sizes[-1], growth, ("<=", 1.5), "flat: does not grow with the file"))
    return out


def ratio_row(name: str, size: int | None, value: float, target: tuple[str, float] | None, note: str) -> dict[str, Any]:
    met = None
    if target:
        op, bound = target
        met = {">=": value >= bound, "<=": value <= bound, "<": value < bound}[op]
    return {"name": name, "size": size, "value": value, "target": f"{target[0]} {target[1]}" if target else "", "met": met, "note": note}


def criterion_ratios(crit: dict[str, Any]) -> list[dict[str, Any]]:
    rhai = crit.get("rhai-vs-declarative/rhai")
    decl = crit.get("rhai-vs-declarative/declarative")
    if not rhai or not decl:
        return []
    return [ratio_row("rhai rule ÷ the same rule declarative (criterion)", None, rhai["median_ns"] / decl["median_ns"], ("<=", 5), "time per record")]


def fmt_num(v: float | None, digits: int = 0) -> str:
    if v is None:
        return ""
    return f"{v:,.{digits}f}"


def repetitions(doc: dict[str, Any]) -> str:
    by_size: dict[int, set[int]] = {}
    for r in doc["runs"]:
        by_size.setdefault(r["size"], set()).add(r.get("reps", doc["config"]["reps"]))
    return ", ".join(f"{'/'.join(map(str, sorted(n)))} at {size:,} records" for size, n in sorted(by_size.items()))


def load_text(doc: dict[str, Any]) -> str:
    load = doc.get("load_average") or {}
    if load.get("start") is None:
        return "load average not recorded: tables rebuilt from the raw measurements"
    return f"load average {load['start']:.1f} at the start, {load['end']:.1f} at the end"


def markdown(doc: dict[str, Any]) -> str:
    m, v, cfg = doc["machine"], doc["versions"], doc["config"]
    lines = [
        "# kakunin benchmarks",
        "",
        f"Written by `bench/run {' '.join(cfg['argv'])}` on {doc['date']} (commit {v['git']}). "
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}. "
        f"Repetitions of every measurement: {repetitions(doc)}, interleaved (A B C … A B C …), medians; each measurement "
        f"in its own process. The machine is shared with other work ({load_text(doc)}), so absolute "
        "numbers are rough; the ratios come from runs side by side.",
        "",
        "Versions: " + ", ".join(f"{k.removeprefix('py:')} {val}" for k, val in v.items() if k != "git") + ".",
        "",
        f"Data: `kakunin sample --seed {SEED}` (HER-SYS records, about 30 % with one known mistake), as JSON Lines "
        f"and as the flat CSV; `--as-of {AS_OF}`. *subset*: the {len(subset.RULES)} rules of `bench/subset.py` that "
        "every tool implements (" + ", ".join(f"`{r}`" for r in subset.RULES) + "); *full*: the whole HER-SYS pack. "
        "Seconds are the timed part only (set-up, imports and reading a frame happen before the clock), except "
        "for the `kakunin` command, which is timed as a whole process. Peak RSS is the process's maximum "
        "resident set (`wait4`), set-up included. `×` is records/s relative to the first row of the group.",
    ]
    lines += ["", f"Rows marked † are measured on the first records only: Great Expectations and jsonschema on "
              f"{cfg['slow_limit']:,} (they are too slow for more), the other validators of the `schema` group on "
              f"{cfg.get('memory_limit', 100_000):,} (they hold every parsed record in memory); rates stay comparable."]
    for size in cfg["sizes"]:
        for group, text in GROUPS.items():
            order = [(c.group, c.name) for c in CASES]
            rows = sorted(
                (r for r in doc["runs"] if r["size"] == size and r["group"] == group),
                key=lambda r: order.index((r["group"], r["case"])) if (r["group"], r["case"]) in order else len(order),
            )
            if not rows:
                continue
            kept = [r for r in rows if r.get("measured")]
            earlier = sorted({r["measured"] for r in kept})
            if kept and len(kept) == len(rows):
                text += f" Kept from an earlier run ({'; '.join(earlier)}): not repeated by this one."
            elif kept:
                # A group run again in part (`--skip`): say which rows are older.
                names = ", ".join(f"`{r['case']}`" for r in kept)
                rows_are = "The row" + (f" {names} is" if len(kept) == 1 else f"s {names} are")
                text += f" {rows_are} kept from an earlier run ({'; '.join(earlier)}): not repeated by this one."
            lines += ["", f"## {size:,} records — {group}", "", text, "",
                      "| tool | records | seconds | records/s | × | findings | peak RSS MB |", "|---|---:|---:|---:|---:|---:|---:|"]
            first = rows[0]["records_per_second"]
            for r in rows:
                mark = " †" if r["limited"] else ""
                lines.append(
                    f"| {r['case']}{mark} | {r['records']:,} | {r['seconds']:.2f} | {fmt_num(r['records_per_second'])} | "
                    f"{r['records_per_second'] / first:.2f} | {r['findings']:,} | {fmt_num(r['peak_rss_mb'])} |"
                )
    lines += ["", "## Ratios against the issue's targets", "", "| ratio | records | value | target | met |", "|---|---:|---:|---|---|"]
    for r in doc["ratios"]:
        met = "" if r["met"] is None else ("yes" if r["met"] else "**no**")
        size = "" if r["size"] is None else f"{r['size']:,}"
        note = f" ({r['note']})" if r["note"] else ""
        lines.append(f"| {r['name']}{note} | {size} | {r['value']:.2f} | {r['target']} | {met} |")
    wasm = doc.get("wasm")
    if wasm:
        lines += ["", "## WASM in headless Chromium", "",
                  f"Module `kakunin_wasm_bg.wasm`: {wasm['module_bytes']:,} bytes, {wasm['module_gzip_bytes']:,} gzipped (-9). "
                  f"{wasm['userAgent']}. Init {wasm['initMs']:.1f} ms, compiling the pack {wasm['compileMs']:.1f} ms. "
                  + (f"Kept from an earlier run ({wasm['measured']}). " if wasm.get("measured") else "")
                  + (f"Measured by a later run than the header's ({wasm['added']}). " if wasm.get("added") else "")
                  + "From `bindings-wasm/bench/run.mjs`.", "",
                  "| case | calls | median ms | p99 ms |", "|---|---:|---:|---:|"]
        for name, s in wasm["cases"].items():
            lines.append(f"| {name} | {s['calls']:,} | {s['median']:.3f} | {s['p99']:.3f} |")
    crit = doc.get("criterion")
    if crit:
        lines += ["", "## criterion (`cargo bench -p kakunin`)", "", "| benchmark | median per iteration | per record |", "|---|---:|---:|"]
        for name, c in crit.items():
            per = "" if c["ns_per_element"] is None else f"{c['ns_per_element'] / 1000:,.2f} µs"
            lines.append(f"| {name} | {c['median_ns'] / 1e6:,.3f} ms | {per} |")
    lines += ["", "## Notes", ""] + [f"- {n}" for n in doc["notes"]]
    return "\n".join(lines) + "\n"


NOTES = [
    "`findings` is the check that the tools did the same work: on the same input the hand-written subset "
    "(loop, vectorised pandas, pandera) should find what kakunin's subset finds. Great Expectations has no "
    "built-in expectation for the age against the birth date or the municipality check digit (it would need "
    "custom expectation classes): it runs the other checks (the municipality code's form only) and counts "
    "unexpected values per expectation, so it does less work than the others.",
    "The JSON Schema validators count invalid records; kakunin counts findings (the whole pack finds far more "
    "than the structure). jsonschema (Python) checks `date` formats but `date-time` only when "
    "rfc3339-validator is installed (it is not pinned here).",
    "`kakunin check` writes every record's result (`--format json`) to a file in target/; its peak RSS is "
    "the streaming run's whole process.",
]


def merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The new run's measurements over an earlier run's: what this run repeated is replaced, the
    rest is kept (the header's date, versions and configuration are the new run's)."""
    redone = {(r["size"], r["group"], r["case"]) for r in new["runs"]}
    # A kept measurement says when it was taken (the header describes the new run).
    when = f"{old.get('date')}, commit {old.get('versions', {}).get('git')}"
    # (Unless this run measured no records: then the header stays the earlier run's.)
    kept = [dict(r, measured=r.get("measured", when)) if new["runs"] else r for r in old.get("runs", [])
            if (r["size"], r["group"], r["case"]) not in redone]
    out = dict(new)
    out["runs"] = kept + new["runs"]
    out["config"] = dict(new["config"], sizes=sorted({r["size"] for r in out["runs"]}), merged_from=old.get("date"))
    for key in ("argv", "reps"):  # a run that only adds the browser or criterion keeps the description
        if not new["runs"]:
            out["config"][key] = old["config"][key]
    if not new["runs"]:
        out["load_average"] = old.get("load_average")
        # The header describes the record runs, which are all the earlier run's; what this run
        # added says when it was measured.
        out["date"] = old.get("date")
        out["versions"] = dict(new["versions"], git=old.get("versions", {}).get("git"))
        if new.get("wasm"):
            out["wasm"] = dict(new["wasm"], added=f"{new.get('date')}, commit {new['versions'].get('git')}")
    for section in ("wasm", "criterion"):
        if not new.get(section) and old.get(section):
            out[section] = old[section]
    if out.get("wasm") is old.get("wasm") and out.get("wasm"):
        out["wasm"] = dict(old["wasm"], measured=old["wasm"].get("measured", when))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/run")
    parser.add_argument("--sizes", default="100000,1000000", help="record counts, comma-separated")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of every measurement")
    parser.add_argument("--only", action="append", default=[], help="groups or tools to run, comma-separated (file-jsonl, file-csv, frame, schema, wasm, or a tool name)")
    parser.add_argument("--skip", action="append", default=[], help="groups or tools to leave out, comma-separated")
    parser.add_argument("--slow-limit", type=int, default=20_000, help="records for the tools marked slow (great_expectations, jsonschema)")
    parser.add_argument("--memory-limit", type=int, default=100_000, help="records for the tools handed parsed records (the schema group)")
    parser.add_argument("--wasm-calls", type=int, default=10_000)
    parser.add_argument("--criterion", action="store_true", help="fold in target/criterion results (bench/run --criterion runs cargo bench first)")
    parser.add_argument("--quick", action="store_true", help="2,000 records, 1 repetition, 1,000 WASM calls (development, CI smoke run)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--from-raw", type=Path, help="write the tables from target/bench-results/runs-*.jsonl instead of measuring")
    parser.add_argument("--merge", action="store_true", help="keep the measurements of an earlier results.json that this run does not repeat")
    parser.add_argument("--argv", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.reps, args.wasm_calls = "2000", 1, 1000
    sizes = [int(s) for s in args.sizes.split(",") if s]
    only = {name for arg in args.only for name in arg.split(",") if name}
    skip = {name for arg in args.skip for name in arg.split(",") if name}

    def wanted(*names: str) -> bool:
        return (not only or any(n in only for n in names)) and not any(n in skip for n in names)

    cases = [c for c in CASES if wanted(c.group, c.name)]
    results: dict[int, dict[tuple[str, str], list[dict[str, Any]]]] = {}
    started = time.time()
    raw_log = TARGET / "bench-results" / time.strftime("runs-%Y%m%dT%H%M%S.jsonl", time.gmtime())
    raw_log.parent.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()[0]
    if args.from_raw:
        # Tables from the measurements of an earlier run (one that was stopped, say).
        for line in args.from_raw.read_text(encoding="utf-8").splitlines():
            res = json.loads(line)
            key = (res.pop("group"), res.pop("case"))
            results.setdefault(res.pop("size"), {}).setdefault(key, []).append(res)
        sizes = sorted(results)
        args.reps = max(len(runs) for by_case in results.values() for runs in by_case.values())
    for size in [] if args.from_raw else sizes:
        files = {fmt: generate(size, fmt) for fmt in {c.input for c in cases}}
        for file in files.values():
            read_through(file)
        limits = {"slow": args.slow_limit, "memory": args.memory_limit}
        for rep in range(args.reps):
            for case in cases:
                cap = limits.get(case.cap)
                res = run_case(case, files[case.input], cap if cap and size > cap else None)
                results.setdefault(size, {}).setdefault((case.group, case.name), []).append(res)
                with open(raw_log, "a", encoding="utf-8") as log:  # kept even if the run stops early
                    log.write(json.dumps({"size": size, "group": case.group, "case": case.name, "rep": rep + 1, **res}) + "\n")
                print(
                    f"{size:>9,} {case.group:<10} {case.name:<28} rep {rep + 1}: {res['seconds']:8.2f} s "
                    f"{res['records'] / max(res['seconds'], 1e-9):>11,.0f} rec/s  findings {res['findings']:>9,}  "
                    f"peak {res['peak_rss_mb']:7.0f} MB",
                    flush=True,
                )
    summary = {size: {key: summarise(runs) for key, runs in cases_.items()} for size, cases_ in results.items()}
    doc: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "machine": machine(),
        "versions": versions(),
        "config": {"argv": args.argv.split(), "sizes": sizes, "reps": args.reps, "seed": SEED, "as_of": AS_OF,
                   "slow_limit": args.slow_limit, "memory_limit": args.memory_limit, "subset": subset.RULES, "seconds_total": None},
        "runs": [
            {"size": size, "group": g, "case": n, "limited": s["records"] < size, **s}
            for size, by_case in summary.items() for (g, n), s in by_case.items()
        ],
        "ratios": [],
        "notes": list(NOTES),
        "load_average": {"start": None, "end": None} if args.from_raw else {"start": load_start, "end": os.getloadavg()[0]},
    }
    if wanted("wasm"):
        doc["wasm"] = run_wasm(args.wasm_calls)
    if args.criterion:
        doc["criterion"] = criterion_results()
    doc["config"]["seconds_total"] = round(time.time() - started)
    if args.merge and (args.out / "results.json").exists():
        doc = merged(json.loads((args.out / "results.json").read_text(encoding="utf-8")), doc)
    doc["ratios"] = ratios(doc["runs"]) + criterion_ratios(doc.get("criterion") or {})
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(markdown(doc), encoding="utf-8")
    print(f"wrote {args.out / 'results.md'} and results.json in {doc['config']['seconds_total']} s")


if __name__ == "__main__":
    main()
