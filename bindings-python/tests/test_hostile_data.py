"""Hostile data through the Python API: NaN and infinities, 100 MB lines, invalid UTF-8, NUL bytes,
numbers out of range, impossible dates, files cut off mid-record. Each is a finding or an
unreadable record naming its line, and every other record is still checked. (The same kinds of
input are tested in Rust, tests/tests/hostile_data.rs, and in node,
bindings-wasm/tests/hostile-data.test.mjs.)"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import kakunin
from conftest import AS_OF

# The same record appears more than once in these batches: the duplicate rules are not the point.
NO_DUPLICATES = {"as_of": AS_OF, "ignore": "identity"}


def rules_by_record(batch: kakunin.Batch) -> dict[int, set[str]]:
    return {r.position: {f.rule for f in r.findings} for r in batch.reports()}


def test_nan_and_infinities_from_python(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    records = []
    for value in (float("nan"), float("inf"), float("-inf")):
        r = copy.deepcopy(record)
        r["notification"]["patient"]["age"] = value
        r["notification"]["spo2"] = value
        records.append(r)
    batch = hersys.check_many([record, *records, record], **NO_DUPLICATES)
    assert batch.records == batch.checked == 5
    found = rules_by_record(batch)
    assert found[0] == found[4] == set()
    # NaN is "not entered" (pandas' missing value): the same findings as None.
    missing = copy.deepcopy(record)
    missing["notification"]["patient"]["age"] = None
    missing["notification"]["spo2"] = None
    assert batch.reports()[1].findings == hersys.check(missing, as_of=AS_OF).findings
    # An infinity has no JSON form: a value of the wrong type, reported.
    assert "structure/type" in found[2] and "structure/type" in found[3]


def test_numbers_out_of_range_and_impossible_dates(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    big = copy.deepcopy(record)
    big["notification"]["patient"]["age"] = 2**80
    big["notification"]["spo2"] = -(2**70)
    dates = copy.deepcopy(record)
    dates["notification"]["diagnosed_on"] = "2021-02-30"
    dates["notification"]["reported_on"] = "+002021-01-01"
    batch = hersys.check_many([big, dates, record], **NO_DUPLICATES)
    found = rules_by_record(batch)
    assert {"ranges/age-impossible", "ranges/spo2-impossible"} <= found[0]
    assert [f.path for f in batch.reports()[1].findings if f.rule == "formats/date"] == [
        "/notification/diagnosed_on",
        "/notification/reported_on",
    ]
    assert found[2] == set()


def test_a_file_of_hostile_lines(hersys: kakunin.RuleSet, record: dict[str, Any], tmp_path: Path) -> None:
    good = json.dumps(record, ensure_ascii=False).encode()
    huge = copy.deepcopy(record)
    huge["notification"]["onset_on"] = "9" * (100 * 1024 * 1024)
    nul = copy.deepcopy(record)
    nul["notification"]["onset_on"] = "2021-08-07\u0000"
    lines = [
        good,
        json.dumps(huge).encode(),  # a 100 MB line
        b'{"id": "\xff\xfe not utf-8"}',
        b'{"id": "a"\x00}',
        json.dumps(nul).encode(),
        b'{"notification": {"patient": {"age": 1e400}}}',
        "[" * 100_000 + "]" * 100_000,
        good,
        good[: len(good) // 2],  # cut off mid-record
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines))
    del huge, lines
    batch = hersys.check_file(path, **NO_DUPLICATES)
    assert batch.records == 9
    assert [p["line"] for p in batch.problems()] == [3, 4, 6, 7, 9]
    found = rules_by_record(batch)
    assert found[0] == found[7] == set()
    assert "formats/date" in found[1] and "formats/date" in found[4]
    # The bad 100 MB date is quoted cut to 200 characters and "…", in ctx and message alike.
    report = batch.reports()[1]
    bad_date = next(f for f in report.findings if f.rule == "formats/date")
    assert bad_date.ctx["value"] == "9" * 200 + "…"
    assert bad_date.ctx["value"] in bad_date.message
    assert len(report.to_json()) < 64 * 1024


def test_a_json_array_and_a_csv_cut_off(hersys: kakunin.RuleSet, record: dict[str, Any], tmp_path: Path) -> None:
    good = json.dumps(record)
    array = tmp_path / "cut.json"
    array.write_text(f"[{good},\n{good[: len(good) // 2]}", encoding="utf-8")
    batch = hersys.check_file(array, as_of=AS_OF)
    assert (batch.records, batch.checked, batch.unreadable) == (2, 1, 1)
    csv = tmp_path / "cut.csv"
    csv.write_text('id,notification.diagnosed_on\na,2021-08-10\nb,"2021-08-1', encoding="utf-8")
    batch = hersys.check_file(csv, as_of=AS_OF, select="formats")
    # A quoted cell cut off by the end of the file ends there (as in every CSV reader): the
    # truncated date is a finding.
    assert (batch.records, batch.checked) == (2, 2)
    assert [[f.path for f in r.findings] for r in batch.reports()] == [[], ["/notification/diagnosed_on"]]
