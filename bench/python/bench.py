"""kakunin from Python against the same checks as a plain Python loop and as a pandera schema.

    python bench/python/bench.py                    # 100,000 and 1,000,000 records
    python bench/python/bench.py --sizes 20000 --repeats 1

Records come from `kakunin sample --format csv` (flat CSV, dotted headers; about 30 % of the
records carry one known mistake). Every tool is measured two ways:

- *file*: end to end from the same CSV file (kakunin `check_file`; the loop reads it with
  `csv.DictReader`; pandera after `pandas.read_csv(dtype=str)`);
- *frame*: from the same in-memory pandas frame (read with `dtype=str` before the clock starts):
  kakunin `check_frame`, the loop over `itertuples`, pandera `validate(lazy=True)`.

kakunin runs the nine rules of `checks.RULES` (the same checks the others do) and, as a second
row, its whole HER-SYS pack. Each measurement runs in a fresh subprocess (so memory is that run's
own), in the order A B C ... A B C ..., and the median of the repeats is reported. Peak memory is
the largest resident set seen by a sampler thread (every 5 ms) while the timed part ran, less the
interpreter's resident set before any data was loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = ROOT / "target" / "bench-python"
AS_OF = "2026-11-01"
SEED = 20261101

TOOLS = ["kakunin", "kakunin-all", "python", "pandera"]
MODES = ["file", "frame"]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Peak:
    """Samples the resident set in a thread while the timed part runs."""

    def __init__(self) -> None:
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.005)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def generate(n: int) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"sample-{n}.csv"
    if not path.exists():
        exe = ROOT / "target" / "release" / "kakunin"
        if not exe.exists():
            subprocess.run(["cargo", "build", "--release", "-q", "-p", "kakunin-cli"], cwd=ROOT, check=True)
        tmp = path.with_suffix(".tmp")
        subprocess.run(
            [str(exe), "sample", "--count", str(n), "--seed", str(SEED), "--format", "csv", "--output", str(tmp)],
            check=True,
        )
        tmp.rename(path)
    return path


def load_pandas(path: Path) -> Any:
    import pandas as pd

    return pd.read_csv(path, dtype=str)


def worker(tool: str, mode: str, path: Path) -> dict[str, Any]:
    import csv

    sys.path.insert(0, str(HERE))
    import checks

    base = rss_mb()
    frame = None
    frame_mb = None
    headers = next(csv.reader(open(path, encoding="utf-8")))
    dates = checks.schema_fields("date", headers)
    stamps = checks.schema_fields("date-time", headers)
    if tool.startswith("kakunin"):
        import kakunin

        rules = kakunin.RuleSet.bundled("hersys")
        select = checks.RULES if tool == "kakunin" else None
    if tool == "pandera":
        import pandera.pandas  # noqa: F401  (import time is not the check's)

        schema = checks.pandera_schema(headers)
    if mode == "frame":
        import pyarrow  # noqa: F401  (pandas' string columns are Arrow arrays; load it before the clock)

        frame = load_pandas(path)
        frame_mb = frame.memory_usage(deep=True).sum() / 2**20
    loaded = rss_mb()
    records = 0
    findings = 0
    with Peak() as peak:
        start = time.perf_counter()
        if tool.startswith("kakunin") and mode == "file":
            batch = rules.check_file(path, as_of=AS_OF, select=select)
            records = batch.records
            findings = sum(batch.counts.values())
        elif tool.startswith("kakunin"):
            found = rules.check_frame(frame, as_of=AS_OF, select=select)
            records = len(frame)
            findings = len(found)
        elif tool == "python" and mode == "file":
            with open(path, encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    records += 1
                    findings += len(checks.python_row(row, dates, stamps))
        elif tool == "python":
            cols = [c for c in frame.columns if c in set(dates + stamps + [
                checks.REP, checks.DX, checks.ONSET, checks.CLS, checks.SEX1, checks.SEX2,
                checks.AGE, checks.MONTHS, checks.BIRTH])]
            sub = frame[cols].fillna("")
            for values in sub.itertuples(index=False, name=None):
                records += 1
                findings += len(checks.python_row(dict(zip(cols, values)), dates, stamps))
        elif tool == "pandera":
            import pandera.errors

            df = load_pandas(path) if mode == "file" else frame
            records = len(df)
            try:
                schema.validate(df, lazy=True)
            except pandera.errors.SchemaErrors as e:
                # A frame-wide check lists every column of a failing row: count rows once.
                fc = e.failure_cases
                frame_wide = fc["schema_context"] == "DataFrameSchema"
                findings = int((~frame_wide).sum()) + len(fc[frame_wide].drop_duplicates(["check", "index"]))
        seconds = time.perf_counter() - start
    return {
        "tool": tool,
        "mode": mode,
        "records": records,
        "findings": findings,
        "seconds": seconds,
        "base_mb": base,
        "loaded_mb": loaded,
        "peak_mb": peak.peak,
        "frame_mb": frame_mb,
    }


def run_one(tool: str, mode: str, path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", tool, mode, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{tool} {mode} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tools", nargs="+", default=TOOLS)
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument(
        "--all-max", type=int, default=100_000, help="run kakunin-all (the whole pack) up to this size"
    )
    parser.add_argument("--worker", nargs=3)
    args = parser.parse_args()
    if args.worker:
        tool, mode, path = args.worker
        print(json.dumps(worker(tool, mode, Path(path))))
        return

    import kakunin
    import pandas
    import pandera

    results: dict[tuple[int, str, str], list[dict[str, Any]]] = {}

    def tools_for(n: int) -> list[str]:
        return [t for t in args.tools if t != "kakunin-all" or n <= args.all_max]

    for n in args.sizes:
        path = generate(n)
        for r in range(args.repeats):
            for tool in tools_for(n):
                for mode in MODES:
                    res = run_one(tool, mode, path)
                    results.setdefault((n, tool, mode), []).append(res)
                    print(
                        f"{n:>9} {tool:<12} {mode:<6} run {r + 1}: {res['seconds']:8.2f} s "
                        f"{res['records'] / res['seconds']:>10,.0f} rec/s  findings {res['findings']:>8}  "
                        f"peak +{res['peak_mb'] - res['base_mb']:7.0f} MB",
                        flush=True,
                    )
    lines = [
        "# kakunin from Python vs a plain Python loop and pandera",
        "",
        f"Generated by `python bench/python/bench.py` on {time.strftime('%Y-%m-%d')}: "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"kakunin {kakunin.__version__}, pandas {pandas.__version__}, pandera {pandera.__version__}. "
        f"{args.repeats} runs of each, interleaved (A B C … A B C …), medians. The engine is being tuned in "
        "parallel: these numbers are for the commit they were measured on.",
        "",
        "Records: `kakunin sample --format csv` (flat CSV, about 150 dotted columns, ~30 % of records with a "
        "known mistake). `kakunin` runs the nine rules the others implement (`bench/python/checks.py`); "
        "`kakunin-all` runs the whole HER-SYS pack (85 rules, including the cross-record pass). "
        "*file*: end to end from the CSV file. *frame*: from a pandas frame read with `dtype=str` before the "
        "clock starts. Peak: the largest resident set during the timed part, less the interpreter's before "
        "any data was loaded (so for *frame* it includes the frame and what `read_csv` left behind); "
        "*check's own*: the peak less the resident set just before the clock started (what the check "
        "itself added). `vs kakunin`: seconds ÷ kakunin's seconds on the same input (higher: kakunin is "
        "faster).",
        "",
        "| records | input | tool | seconds | records/s | vs kakunin | findings | peak MB | check's own MB | frame MB | peak ÷ frame |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in args.sizes:
        for mode in MODES:
            ref = statistics.median(r["seconds"] for r in results[(n, "kakunin", mode)]) if "kakunin" in args.tools else None
            for tool in tools_for(n):
                runs = results[(n, tool, mode)]
                sec = statistics.median(r["seconds"] for r in runs)
                peak = statistics.median(r["peak_mb"] - r["base_mb"] for r in runs)
                extra = statistics.median(r["peak_mb"] - r["loaded_mb"] for r in runs)
                frame = runs[0]["frame_mb"]
                ratio = f"{sec / ref:.1f}×" if ref else ""
                lines.append(
                    f"| {n:,} | {mode} | {tool} | {sec:.2f} | {runs[0]['records'] / sec:,.0f} | {ratio} | "
                    f"{runs[0]['findings']:,} | {peak:,.0f} | {extra:,.0f} | {'' if frame is None else f'{frame:,.0f}'} | "
                    f"{'' if frame is None else f'{peak / frame:.2f}'} |"
                )
    lines += [
        "",
        "`findings` is the sanity check that each tool did the same work: the nine hand-written checks "
        "find exactly what the nine rules find (pandera's frame-wide checks are counted once per row). "
        "`kakunin-all` finds far more: the whole pack, and on this flat CSV every array-element field of "
        "a non-string type (`observations.0.spo2`, `notification.vaccinations.0.dose`...) has no "
        "`mapping.toml` entry, stays text and is reported by `structure/type` (the same from the "
        "`kakunin` command).",
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
