"""The shared test vectors (tests/vectors/*.json) and hostile packs (tests/hostile/packs/), judged
through the Python API. The Rust runner (tests/tests/vectors.rs) and the node runner
(bindings-wasm/tests/vectors.test.mjs) read the same files and must get the same results; the
format is in tests/README.md.

A case listed in tests/skip/python.json (id -> reason) is skipped when it fails, and fails the run
when it passes, so the list only shrinks. The counts are printed at the end of the run (see
conftest.py).
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import kakunin
from kakunin._kakunin import _example_cases
from test_examples import compare as compare_example

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
SKIPS: dict[str, str] = json.loads((TESTS / "skip" / "python.json").read_text(encoding="utf-8"))


def expand(value: Any) -> Any:
    """The `{"$repeat": x, "times": n}` shorthand: x repeated n times (a string or an array)."""
    if isinstance(value, dict):
        if "$repeat" in value:
            item, times = value["$repeat"], value["times"]
            return item * times if isinstance(item, str) else [expand(item) for _ in range(times)]
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    return value


def keys_of(pointer: str) -> list[str]:
    return [k.replace("~1", "/").replace("~0", "~") for k in pointer.split("/")[1:]]


def set_pointer(record: Any, pointer: str, value: Any) -> None:
    """Sets a JSON Pointer, creating objects on the way; an array index may be its length."""
    *parents, last = keys_of(pointer)
    cur = record
    for key in parents:
        if isinstance(cur, list):
            cur = cur[int(key)]
        else:
            cur = cur.setdefault(key, {})
    if isinstance(cur, list):
        i = int(last)
        if i == len(cur):
            cur.append(value)
        else:
            cur[i] = value
    else:
        cur[last] = value


def unset_pointer(record: Any, pointer: str) -> None:
    *parents, last = keys_of(pointer)
    cur = record
    for key in parents:
        cur = cur[int(key)] if isinstance(cur, list) else cur.get(key)
        if cur is None:
            return
    if isinstance(cur, dict):
        cur.pop(last, None)
    elif isinstance(cur, list) and last.isdigit() and int(last) < len(cur):
        del cur[int(last)]


BASES: dict[tuple[str, str], Any] = {}


def build_record(pack: str, spec: dict[str, Any]) -> Any:
    if "value" in spec:
        return expand(spec["value"])
    key = (pack, spec["base"])
    if key not in BASES:
        path = ROOT / "rules" / pack / "examples" / f"{spec['base']}.json"
        BASES[key] = json.loads(path.read_text(encoding="utf-8"))
    record = copy.deepcopy(BASES[key])
    for pointer, value in spec.get("set", {}).items():
        set_pointer(record, pointer, expand(value))
    for pointer in spec.get("unset", []):
        unset_pointer(record, pointer)
    return record


def error_of(e: kakunin.KakuninError) -> dict[str, str]:
    return {"kind": e.kind, "message": str(e)}


def report_of(report: kakunin.Report) -> dict[str, Any]:
    value = report.to_dict()
    del value["pack"]
    return value


def run_engine_case(case: dict[str, Any]) -> dict[str, Any]:
    rules = kakunin.RuleSet.bundled(case["pack"])
    records = [build_record(case["pack"], r) for r in case["records"]]
    try:
        if len(records) == 1:
            return {"reports": [report_of(rules.check(records[0], **case["options"]))]}
        batch = rules.check_many(records, **case["options"])
    except kakunin.KakuninError as e:
        return {"error": error_of(e)}
    results: dict[int, dict[str, Any]] = {r.position: report_of(r) for r in batch.reports()}
    for p in batch.problems():
        kind = "input" if p["kind"] == "unreadable" else p["kind"]
        results[p["position"]] = {"error": {"kind": kind, "message": p["message"]}}
    return {"reports": [results[i] for i in range(len(records))]}


def run_hostile_case(folder: Path, case: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """Loads `_base` overlaid with the case's folder (without case.json) from a folder, as a user
    would load a pack."""
    pack = tmp / "pack"
    shutil.copytree(folder.parent / "_base", pack)
    shutil.copytree(folder, pack, dirs_exist_ok=True, ignore=shutil.ignore_patterns("case.json"))
    try:
        rules = kakunin.RuleSet.from_path(pack)
    except kakunin.KakuninError as e:
        return {"load": error_of(e)}
    try:
        report = rules.check(case.get("record", {}), **case["options"])
    except kakunin.ScriptError as e:
        # A script error is typed: it names the rule and position the message gives (line 0:
        # no position, as for a script's return value, and the message names none).
        assert f"rule {e.rule}: " in str(e)
        assert (f"line {e.line}, column {e.column}" in str(e)) == (e.line > 0)
        return {"error": error_of(e)}
    except kakunin.KakuninError as e:
        return {"error": error_of(e)}
    return {"reports": [report_of(report)]}


def judge(case_id: str, problems: list[str]) -> None:
    """Passes, skips a listed failure, or fails: a listed case that passes must leave the list."""
    if case_id in SKIPS:
        if not problems:
            pytest.fail(f"{case_id} passes but is listed in tests/skip/python.json; remove it")
        pytest.skip(f"listed in tests/skip/python.json: {SKIPS[case_id]}")
    assert problems == []


def differences(actual: Any, expected: Any) -> list[str]:
    if actual == expected:
        return []
    return [f"expected {json.dumps(expected, ensure_ascii=False)}\n got {json.dumps(actual, ensure_ascii=False)}"]


VECTOR_FILES = sorted((TESTS / "vectors").glob("*.json"))
DOCS = [json.loads(f.read_text(encoding="utf-8")) for f in VECTOR_FILES]
ENGINE_CASES = [c for doc in DOCS for c in doc["cases"]]
EXAMPLE_CASES = [
    (pack, case)
    for doc in DOCS
    for pack in doc.get("pack_examples", [])
    for case in json.loads(_example_cases(kakunin.RuleSet.bundled(pack)))
]
HOSTILE = sorted(p for p in (TESTS / "hostile" / "packs").iterdir() if p.is_dir() and p.name != "_base")


def test_every_listed_skip_names_a_case() -> None:
    ids = {c["id"] for c in ENGINE_CASES}
    ids |= {f"{pack}:{c['id']}" for pack, c in EXAMPLE_CASES}
    ids |= {f"hostile/{p.name}" for p in HOSTILE}
    assert sorted(set(SKIPS) - ids) == []
    assert len(ids) > 900


@pytest.mark.parametrize(("pack", "case"), EXAMPLE_CASES, ids=[f"{p}:{c['id']}" for p, c in EXAMPLE_CASES])
def test_vector_pack_example(pack: str, case: dict[str, Any]) -> None:
    rules = kakunin.RuleSet.bundled(pack)
    if case["batch"]:
        batch = rules.check_many(case["records"], **case["options"])
        actual = [(r.position, f) for r in batch.reports() for f in r.findings if f.rule == case["rule"]]
        problems = [f"record {p['position']}: {p['message']}" for p in batch.problems()]
    else:
        report = rules.check(case["records"][0], **case["options"])
        actual = [(0, f) for f in report.findings if f.rule == case["rule"]]
        problems = []
    judge(f"{pack}:{case['id']}", problems + compare_example(case, actual))


@pytest.mark.parametrize("case", ENGINE_CASES, ids=[c["id"] for c in ENGINE_CASES])
def test_vector_engine_case(case: dict[str, Any]) -> None:
    judge(case["id"], differences(run_engine_case(case), case["expect"]))


@pytest.mark.parametrize("folder", HOSTILE, ids=[f"hostile/{p.name}" for p in HOSTILE])
def test_vector_hostile_pack(folder: Path, tmp_path: Path) -> None:
    case = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    judge(f"hostile/{folder.name}", differences(run_hostile_case(folder, case, tmp_path), case["expect"]))
