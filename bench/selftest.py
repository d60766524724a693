"""The benchmark's fairness, as a test: the hand-written subset (bench/subset.py) finds, rule by
rule, exactly what kakunin's rules of the subset find on the same generated records, as a Python
loop over JSON Lines, over the flat CSV, and as vectorised pandas over a frame.

    python bench/selftest.py RECORDS.jsonl RECORDS.csv   # the same records in both layouts

run-tests runs it on 2,000 generated records with the Python bindings' virtualenv. If this fails,
the comparisons in bench/run no longer measure the same work.
"""

from __future__ import annotations

import collections
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subset  # noqa: E402
from worker import AS_OF  # noqa: E402


def kakunin_counts(path: Path) -> collections.Counter[str]:
    import kakunin

    rules = kakunin.RuleSet.bundled("hersys")
    batch = rules.check_file(path, as_of=AS_OF, select=subset.RULES)
    return collections.Counter(f.rule for report in batch.reports() for f in report.findings)


def loop_counts_jsonl(path: Path) -> collections.Counter[str]:
    view = subset.NestedRecord()
    with open(path, encoding="utf-8") as f:
        return collections.Counter(rule for line in f for rule, _ in view.findings(json.loads(line)))


def loop_counts_csv(path: Path) -> collections.Counter[str]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        view = subset.FlatRow(list(reader.fieldnames or []))
        return collections.Counter(rule for row in reader for rule, _ in view.findings(row))


def pandas_counts(path: Path) -> collections.Counter[str]:
    import pandas as pd

    frame = pd.read_csv(path, dtype=str)
    columns = subset.Columns(frame)
    out: collections.Counter[str] = collections.Counter()
    for name, predicate in subset.frame_predicates(list(frame.columns)).items():
        out[name.split(" ")[0]] += int(predicate(columns).sum())
    return +out


def main() -> int:
    jsonl, flat = Path(sys.argv[1]), Path(sys.argv[2])
    cases = [
        ("python loop over JSON Lines", kakunin_counts(jsonl), loop_counts_jsonl(jsonl)),
        ("python loop over the flat CSV", kakunin_counts(flat), loop_counts_csv(flat)),
        ("vectorised pandas over the flat CSV", kakunin_counts(flat), pandas_counts(flat)),
    ]
    failed = 0
    for name, expected, got in cases:
        if not expected:
            print(f"FAIL {name}: kakunin found nothing in the subset; the sample proves nothing")
            failed += 1
        elif expected != got:
            diff = {r: (expected[r], got[r]) for r in sorted(set(expected) | set(got)) if expected[r] != got[r]}
            print(f"FAIL {name}: per rule (kakunin, hand-written) differ: {diff}")
            failed += 1
        else:
            print(f"ok   {name}: {sum(got.values())} findings in {len(got)} rules, the same as kakunin")
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
