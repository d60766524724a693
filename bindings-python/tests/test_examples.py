"""Every rule example of both bundled packs, judged through the Python API.

The cases come from the core (`kakunin::examples::cases`, exposed as the private
`kakunin._kakunin._example_cases`), so Python runs the very records, options and expectations
that `kakunin rules test` runs in Rust. Each case is judged here through the public API
(`RuleSet.check` for one record, `RuleSet.check_many` for one record and for batches) and compared
with the core's matching rules (`core/src/examples.rs`, `matches` and `compare`): the list of
findings of the case's rule must match the expectations exactly, one to one; a key the
expectation leaves out is not compared, listed ctx keys are compared one by one. No case is
skipped.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import kakunin
from kakunin._kakunin import _example_cases

PACKS = ("hersys", "opendata")


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for pack in PACKS:
        for case in json.loads(_example_cases(kakunin.RuleSet.bundled(pack))):
            out.append((pack, case))
    return out


CASES = load_cases()


def same(actual: Any, expected: Any) -> bool:
    """`condition::same`: numbers by value, strings without surrounding white space."""
    if isinstance(actual, (int, float)) and isinstance(expected, (int, float)):
        if not isinstance(actual, bool) and not isinstance(expected, bool):
            return float(actual) == float(expected)
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.strip() == expected.strip()
    return bool(actual == expected)


def matches(expected: dict[str, Any], record: int, actual: kakunin.Finding) -> bool:
    """`examples::matches`."""
    if expected.get("record", 0) != record or expected["path"] != actual.path:
        return False
    if "paths" in expected and expected["paths"] != actual.paths:
        return False
    if "severity" in expected and expected["severity"] != actual.severity:
        return False
    if "message" in expected and expected["message"] != actual.message:
        return False
    if "acknowledged" in expected and expected["acknowledged"] != actual.acknowledged:
        return False
    if "ctx" in expected:
        ctx = actual.ctx
        for key, value in expected["ctx"].items():
            if key not in ctx or not (same(ctx[key], value) or ctx[key] == value):
                return False
    return True


def compare(case: dict[str, Any], actual: list[tuple[int, kakunin.Finding]]) -> list[str]:
    """`examples::compare`: every expectation matched by its own finding, nothing left over."""
    unmatched = list(actual)
    problems = []
    for exp in case["expect"]:
        for i, (r, f) in enumerate(unmatched):
            if matches(exp, r, f):
                del unmatched[i]
                break
        else:
            problems.append(f"expected {json.dumps(exp, ensure_ascii=False)}")
    for r, f in unmatched:
        problems.append(f"unexpected finding on record {r}: {f.to_dict()}")
    return problems


def test_every_example_was_built() -> None:
    assert len(CASES) > 800
    broken = [c["id"] for _, c in CASES if "error" in c]
    assert broken == []


@pytest.mark.parametrize(
    ("pack", "case"),
    [(p, c) for p, c in CASES if not c["batch"]],
    ids=[c["id"] for _, c in CASES if not c["batch"]],
)
def test_example_through_check(pack: str, case: dict[str, Any]) -> None:
    rules = kakunin.RuleSet.bundled(pack)
    report = rules.check(case["records"][0], **case["options"])
    actual = [(0, f) for f in report.findings if f.rule == case["rule"]]
    assert compare(case, actual) == []


@pytest.mark.parametrize(
    ("pack", "case"), CASES, ids=[c["id"] for _, c in CASES]
)
def test_example_through_check_many(pack: str, case: dict[str, Any]) -> None:
    rules = kakunin.RuleSet.bundled(pack)
    batch = rules.check_many(iter(case["records"]), **case["options"])
    assert batch.records == len(case["records"]) == batch.checked
    actual = [
        (report.position, f)
        for report in batch.reports()
        for f in report.findings
        if f.rule == case["rule"]
    ]
    assert compare(case, actual) == []
