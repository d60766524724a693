"""Shared fixtures: the bundled packs, a small pack written on the fly, and sample records."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import kakunin

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2024-06-01"


@pytest.fixture(scope="session")
def hersys() -> kakunin.RuleSet:
    return kakunin.RuleSet.bundled("hersys")


@pytest.fixture(scope="session")
def opendata() -> kakunin.RuleSet:
    return kakunin.RuleSet.bundled("opendata")


@pytest.fixture(scope="session")
def base_record() -> dict[str, Any]:
    """A complete HER-SYS record with no finding at AS_OF (the pack's own example base)."""
    path = ROOT / "rules" / "hersys" / "examples" / "complete-2021.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture()
def record(base_record: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(base_record)


MANIFEST = """
name = "t"
version = "1"
title = { ja = "テスト", en = "Test" }
record_schema = "record.schema.json"
reference_date = ["/dx"]
id = "/id"
"""

SCHEMA = """{"type": "object", "properties": {
  "id": {"type": "string"},
  "dx": {"type": ["string", "null"], "format": "date", "title": "診断日", "x-title-en": "diagnosis date"},
  "name": {"type": "string", "title": "氏名", "x-sensitive": true}
}}"""


def rule_file(rule_id: str, check: str) -> str:
    return f"""
id = "{rule_id}"
severity = "error"
tiers = ["hc"]
title = {{ ja = "題", en = "Title" }}
message = {{ ja = "メッセージ", en = "Message" }}
doc = {{ ja = "説明", en = "Doc", source = "test" }}

[[check]]
{check}
"""


def write_pack(folder: Path, files: dict[str, str]) -> Path:
    """A pack folder with the manifest and schema above plus `files`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.toml").write_text(MANIFEST, encoding="utf-8")
    (folder / "record.schema.json").write_text(SCHEMA, encoding="utf-8")
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The shared vectors' counts (test_vectors.py), the same line the Rust and node runners print."""
    counts = {}
    for outcome in ("passed", "skipped", "failed"):
        reports = terminalreporter.stats.get(outcome, [])
        counts[outcome] = sum(
            1 for r in reports if "test_vectors.py::test_vector_" in getattr(r, "nodeid", "") and r.when in ("call", "setup")
        )
    if any(counts.values()):
        terminalreporter.write_line(
            f"vectors (python): {counts['passed']} passed, {counts['skipped']} skipped, {counts['failed']} failed"
        )
