"""What a RuleSet says about its pack: ``rules()``, ``fields()``, ``codes()``.

Each has the shape the other hosts give (``kakunin rules list --format json`` and the JS
binding's ``list()``, ``fields()``, ``codes()``), and says what the pack's files and the engine's
behaviour say.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

import kakunin
from conftest import AS_OF, ROOT, rule_file, write_pack

RULE_KEYS = {
    "id",
    "group",
    "severity",
    "tiers",
    "title",
    "title_en",
    "stage",
    "cross_record",
    "checks",
    "applies",
}
FIELD_KEYS = {"path", "title", "title_en", "format", "sensitive", "types"}


def test_rules_have_the_core_summary_shape(hersys: kakunin.RuleSet) -> None:
    rules = hersys.rules()
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) > 80
    for rule in rules:
        assert set(rule) == RULE_KEYS, rule["id"]
        assert set(rule["applies"]) == {"from", "until", "prefectures"}
        assert rule["stage"] in ("draft", "submit")
        assert rule["checks"], rule["id"]
    [scope] = [r for r in rules if r["id"] == "scope/not-notifiable"]
    early = {"from": "2022-09-02", "until": None}
    assert scope["applies"] == {
        "from": "2022-09-26",
        "until": None,
        "prefectures": {"04": early, "08": early, "31": early, "41": early},
    }
    assert scope["title"] == "届出対象外（全数届出の見直し後）"
    assert scope["title_en"] == "Outside the limited notification scope"
    assert [r["id"] for r in rules if r["cross_record"]] == [
        "identity/duplicate-hersys-id",
        "identity/probable-duplicate",
    ]
    [order] = [r for r in rules if r["id"] == "dates/report-before-diagnosis"]
    assert order["checks"] == ["date-order"] and order["stage"] == "draft"
    assert all(r["stage"] == "submit" for r in rules if r["group"] == "required")


def test_rules_of_a_small_pack(tmp_path: Path) -> None:
    rules = kakunin.RuleSet.from_path(
        write_pack(
            tmp_path / "pack",
            {"d/dx.toml": rule_file("d/dx", 'kind = "required"\nfields = ["/dx"]')},
        )
    )
    assert rules.rules() == [
        {
            "id": "d/dx",
            "group": "d",
            "severity": "error",
            "tiers": ["hc"],
            "title": "題",
            "title_en": "Title",
            "stage": "submit",
            "cross_record": False,
            "checks": ["required"],
            "applies": {"from": None, "until": None, "prefectures": {}},
        }
    ]


def period(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: str(spec[k]) if k in spec else None for k in ("from", "until")}


@pytest.mark.parametrize("pack", ["hersys", "opendata"])
def test_rules_say_what_the_rule_files_say(pack: str) -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in Python 3.11 and later")
    declared = {}
    for path in (ROOT / "rules" / pack).rglob("*.toml"):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        if "check" in doc:  # a rule file (not the manifest, a code list or the mapping)
            declared[doc["id"]] = doc
    rules = {r["id"]: r for r in kakunin.RuleSet.bundled(pack).rules()}
    assert set(rules) == set(declared)
    for rule_id, doc in declared.items():
        rule = rules[rule_id]
        applies = doc.get("applies", {})
        assert rule["applies"] == {
            **period(applies),
            "prefectures": {p: period(s) for p, s in applies.get("prefectures", {}).items()},
        }, rule_id
        assert (rule["severity"], rule["tiers"]) == (doc["severity"], doc["tiers"]), rule_id
        assert (rule["title"], rule["title_en"]) == (doc["title"]["ja"], doc["title"]["en"]), rule_id


def test_stage_says_which_rules_run_on_a_draft(hersys: kakunin.RuleSet) -> None:
    stage = {r["id"]: r["stage"] for r in hersys.rules()}
    record = {"id": "r1", "notification": {"diagnosed_on": "2021-03-02", "reported_on": "2021-03-01"}}
    draft = {f.rule for f in hersys.check(record, as_of=AS_OF, stage="draft").findings}
    submit = {f.rule for f in hersys.check(record, as_of=AS_OF, stage="submit").findings}
    assert draft and all(stage[r] == "draft" for r in draft)
    assert any(stage[r] == "submit" for r in submit)


def fresh_cli() -> Path:
    """The command built from the sources in this tree, or a skip saying why there is none."""
    exe = ROOT / "target" / "debug" / "kakunin"
    if not exe.is_file():
        pytest.skip("target/debug/kakunin is not built (./run-tests builds it before this suite)")
    sources = [p for d in ("core", "cli", "rules") for p in (ROOT / d).rglob("*") if p.is_file()]
    if exe.stat().st_mtime < max(p.stat().st_mtime for p in sources):
        pytest.skip("target/debug/kakunin is older than its sources (cargo build -p kakunin-cli)")
    return exe


@pytest.mark.parametrize("pack", ["hersys", "opendata"])
def test_rules_are_what_the_command_lists(pack: str) -> None:
    exe = fresh_cli()
    listed = subprocess.run(
        [exe, "rules", "list", "--pack", pack, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert kakunin.RuleSet.bundled(pack).rules() == json.loads(listed.stdout)


EARLY = "scope/not-notifiable"  # 2022-09-26, and 2022-09-02 in four prefectures (04 Miyagi, ...)


def ids(rules: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in rules]


def test_rules_in_force_on_a_day_for_a_prefecture(hersys: kakunin.RuleSet) -> None:
    everything = {r["id"]: r for r in hersys.rules()}
    miyagi = hersys.rules(as_of="2022-09-10", prefecture="04")
    tokyo = ids(hersys.rules(as_of=datetime.date(2022, 9, 10), prefecture="13"))
    assert EARLY in ids(miyagi) and EARLY not in tokyo
    assert ids(hersys.rules(as_of="2022-09-10")) == tokyo, "no prefecture: the national periods"
    assert ids(hersys.rules(as_of="2022-09-10", prefecture=None)) == tokyo
    assert EARLY in ids(hersys.rules(as_of=datetime.datetime(2022, 9, 26, 8), prefecture="13"))
    # The same dicts as the whole listing, fewer of them.
    assert all(everything[r["id"]] == r for r in miyagi) and len(miyagi) < len(everything)
    # A rule with an end is left out after it: onset dates were required until 2022-06-29.
    assert "required/onset" in ids(hersys.rules(as_of="2022-06-29"))
    assert "required/onset" not in ids(hersys.rules(as_of="2022-06-30"))


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"as_of": "2022-02-30"}, "`2022-02-30` is not a YYYY-MM-DD date"),
        ({"as_of": 20220910}, "as_of"),
        ({"as_of": "2022-09-10", "prefecture": "48"}, "`48` is not a prefecture code"),
        ({"as_of": "2022-09-10", "prefecture": "4"}, "`4` is not a prefecture code"),
        ({"as_of": "2022-09-10", "prefecture": 4}, "prefecture: must be a prefecture code string"),
        ({"prefecture": "04"}, "prefecture: needs as_of"),
    ],
)
def test_rules_refuse_a_bad_day_or_prefecture(
    hersys: kakunin.RuleSet, options: dict[str, Any], says: str
) -> None:
    with pytest.raises(kakunin.OptionsError, match=re.escape(says)) as raised:
        hersys.rules(**options)
    assert raised.value.kind == "invalid-option"


def test_rules_in_force_are_what_the_command_lists() -> None:
    exe = fresh_cli()
    for prefecture in ("04", "13"):
        listed = subprocess.run(
            [exe, "rules", "list", "--format", "json", "--as-of", "2022-09-10", "--prefecture", prefecture],
            capture_output=True,
            text=True,
            check=True,
        )
        rules = kakunin.RuleSet.bundled("hersys").rules(as_of="2022-09-10", prefecture=prefecture)
        assert rules == json.loads(listed.stdout)


def test_fields_of_a_small_pack(tmp_path: Path) -> None:
    rules = kakunin.RuleSet.from_path(write_pack(tmp_path / "pack", {}))
    blank = {"title": "", "title_en": "", "format": None, "sensitive": False, "types": ["string"]}
    assert rules.fields() == [
        {**blank, "path": "/dx", "title": "診断日", "title_en": "diagnosis date", "format": "date"},
        {**blank, "path": "/id"},
        {**blank, "path": "/name", "title": "氏名", "sensitive": True},
    ]
    assert rules.codes() == {}


def test_fields_say_which_values_are_personal(hersys: kakunin.RuleSet) -> None:
    fields = hersys.fields()
    paths = [f["path"] for f in fields]
    assert paths == sorted(paths) and len(set(paths)) == len(paths)
    assert all(set(f) == FIELD_KEYS for f in fields)
    [onset] = [f for f in fields if f["path"] == "/notification/onset_on"]
    assert onset["format"] == "date" and onset["types"] == ["string"] and onset["title_en"]
    # A summary by a field refuses exactly the fields marked personal.
    leaves = [f for f in fields if "*" not in f["path"] and f["types"] == ["string"]]
    personal = [f["path"] for f in leaves if f["sensitive"]]
    assert personal
    for path in personal:
        with pytest.raises(kakunin.OptionsError, match="personal"):
            hersys.summary([{"id": "a"}], by=path, as_of=AS_OF)
    assert "/health_center" in {f["path"] for f in leaves if not f["sensitive"]}
    [row] = hersys.summary([{"id": "a", "health_center": "北"}], by="/health_center", as_of=AS_OF)
    assert row["records"] == 1


def test_codes_are_the_pack_code_lists(hersys: kakunin.RuleSet) -> None:
    codes = hersys.codes()
    assert codes["sex"] == {"male": {"ja": "男", "en": "Male"}, "female": {"ja": "女", "en": "Female"}}
    assert all(set(label) == {"ja", "en"} for entries in codes.values() for label in entries.values())
    # The codes listed are the codes the code-list rule accepts.
    def sex_findings(code: str) -> list[str]:
        record = {"id": "a", "notification": {"patient": {"sex": code}}}
        report = hersys.check(record, as_of=AS_OF, select="codes")
        return [f.rule for f in report.findings if f.path == "/notification/patient/sex"]

    assert all(sex_findings(code) == [] for code in codes["sex"])
    assert sex_findings("unknown") == ["codes/sex"]
