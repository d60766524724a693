"""The Python surface: RuleSet, Report, Finding, options, errors."""

from __future__ import annotations

import ast
import datetime
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

import kakunin
from conftest import AS_OF, rule_file, write_pack


def reversed_dates(record: dict[str, Any]) -> dict[str, Any]:
    record["notification"]["reported_on"] = "2021-08-01"
    record["notification"]["diagnosed_on"] = "2021-08-02"
    return record


def test_bundled_packs_have_name_version_and_hash(hersys: kakunin.RuleSet) -> None:
    assert hersys.name == "hersys"
    assert hersys.version
    assert len(hersys.hash) == 64
    assert hersys.pack == {"name": "hersys", "version": hersys.version, "hash": hersys.hash}
    assert "hersys" in repr(hersys)
    assert kakunin.RuleSet.bundled("opendata").name == "opendata"


def test_unknown_bundled_pack_is_an_options_error() -> None:
    with pytest.raises(kakunin.OptionsError) as info:
        kakunin.RuleSet.bundled("nope")
    assert info.value.kind == "invalid-option"
    assert isinstance(info.value, kakunin.KakuninError)


def test_clean_record_is_ok(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    report = hersys.check(record, as_of=AS_OF)
    assert report.ok
    assert report.findings == []
    assert report.counts == {"error": 0, "warning": 0, "info": 0, "acknowledged": 0}
    assert report.pack == hersys.pack
    assert report.id == record["id"]
    assert report.reference_date == record["notification"]["diagnosed_on"]


def test_finding_keys_and_dict_equality(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    report = hersys.check(reversed_dates(record), as_of=AS_OF, select="dates", locale="en")
    assert not report.ok
    [f] = [f for f in report.findings if f.rule == "dates/report-before-diagnosis"]
    assert f.severity == "error"
    assert f.path == "/notification/reported_on"
    assert f.paths == ["/notification/diagnosed_on", "/notification/reported_on"]
    assert f.ctx["earlier"] == "2021-08-02"
    assert f.ctx["later"] == "2021-08-01"
    assert f.acknowledged is False
    assert f.help
    expected = {
        "rule": "dates/report-before-diagnosis",
        "severity": "error",
        "message": f.message,
        "path": "/notification/reported_on",
        "paths": ["/notification/diagnosed_on", "/notification/reported_on"],
        "ctx": f.ctx,
        "help": f.help,
        "acknowledged": False,
    }
    assert f == expected
    assert expected == f
    assert f != {**expected, "path": "/x"}
    assert f != {"rule": f.rule}
    assert f.to_dict() == expected
    assert dict(f.to_dict()) == {k: f[k] for k in f.keys()}
    assert list(f) == list(expected)
    assert "rule" in f and "nope" not in f
    assert len(f) == 8
    with pytest.raises(KeyError):
        f["nope"]
    with pytest.raises(TypeError):
        hash(f)
    assert "report-before-diagnosis" in repr(f)


def test_report_to_dict_and_json_are_the_core_serialization(
    hersys: kakunin.RuleSet, record: dict[str, Any]
) -> None:
    report = hersys.check(reversed_dates(record), as_of=AS_OF)
    as_dict = report.to_dict()
    assert set(as_dict) == {"pack", "reference_date", "ok", "counts", "findings"}
    assert json.loads(report.to_json()) == as_dict
    assert json.loads(report.to_json(indent=2)) == as_dict
    assert "\n  " in report.to_json(indent=2)
    assert report == as_dict
    assert as_dict["findings"] == [f.to_dict() for f in report.findings]
    assert report.counts["error"] == sum(1 for f in report.findings if f.severity == "error")
    assert "Report(ok=False" in repr(report)


def test_repr_html_is_an_escaped_table(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    record["id"] = "<script>"
    html = hersys.check(reversed_dates(record), as_of=AS_OF)._repr_html_()
    assert "<table>" in html and "dates/report-before-diagnosis" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_options_select_ignore_tiers_stage_locale(
    hersys: kakunin.RuleSet, record: dict[str, Any]
) -> None:
    del record["notification"]["diagnosed_on"]
    submit = hersys.check(record, as_of=AS_OF)
    assert any(f.rule == "required/dates" for f in submit.findings)
    draft = hersys.check(record, as_of=AS_OF, stage="draft")
    assert not any(f.rule.startswith("required/") for f in draft.findings)
    only = hersys.check(record, as_of=AS_OF, select=["required"])
    assert {f.rule.split("/")[0] for f in only.findings} == {"required"}
    none = hersys.check(record, as_of=AS_OF, ignore="required")
    assert not any(f.rule.startswith("required/") for f in none.findings)
    ja = hersys.check(record, as_of=AS_OF, select="required/dates")
    en = hersys.check(record, as_of=AS_OF, select="required/dates", locale="en")
    assert ja.findings[0].message != en.findings[0].message
    assert "missing" in en.findings[0].message
    by_tier = hersys.check(record, as_of=AS_OF, tiers=["nat"])
    assert all("nat" in r["tiers"] for r in hersys.rules() if r["id"] in {f.rule for f in by_tier.findings})


def test_as_of_accepts_dates(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    a = hersys.check(record, as_of=AS_OF)
    b = hersys.check(record, as_of=datetime.date(2024, 6, 1))
    c = hersys.check(record, as_of=datetime.datetime(2024, 6, 1, 15, 30))
    assert a == b == c


@pytest.mark.parametrize(
    ("options", "kind"),
    [
        ({"as_of": "2024-13-01"}, "invalid-option"),
        ({"as_of": 20240601}, "invalid-option"),
        ({"stage": "final"}, "invalid-option"),
        ({"locale": "fr"}, "invalid-option"),
        ({"tiers": ["city"]}, "invalid-option"),
        ({"select": [1, 2]}, "invalid-option"),
        ({"select": "no-such-group"}, "unknown-selector"),
        ({"ignore": ["dates/no-such-rule"]}, "unknown-selector"),
    ],
)
def test_bad_options_raise_options_error(
    hersys: kakunin.RuleSet, record: dict[str, Any], options: dict[str, Any], kind: str
) -> None:
    with pytest.raises(kakunin.OptionsError) as info:
        hersys.check(record, **options)
    assert info.value.kind == kind
    with pytest.raises(kakunin.OptionsError):
        hersys.check_many([record], **options)


def test_reveal_shows_personal_values(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    record["notification"]["patient"]["name_kana"] = "yamada"
    hidden = hersys.check(record, as_of=AS_OF, select="formats/name-kana")
    shown = hersys.check(record, as_of=AS_OF, select="formats/name-kana", reveal=True)
    assert hidden.findings and shown.findings
    assert "yamada" not in json.dumps(hidden.to_dict(), ensure_ascii=False)
    assert "yamada" in json.dumps(shown.to_dict(), ensure_ascii=False)


def test_from_path_loads_a_pack_folder(tmp_path: Path) -> None:
    folder = write_pack(
        tmp_path / "pack",
        {"d/dx.toml": rule_file("d/dx", 'kind = "required"\nfields = ["/dx"]')},
    )
    rules = kakunin.RuleSet.from_path(folder)
    assert rules.name == "t"
    report = rules.check({"id": "a"}, as_of=AS_OF)
    assert [f.rule for f in report.findings] == ["d/dx"]
    assert rules.check({"id": "a", "dx": "2021-01-01"}, as_of=AS_OF).ok
    assert kakunin.RuleSet.from_path(str(folder)).hash == rules.hash


def test_malformed_pack_is_a_pack_error(tmp_path: Path) -> None:
    folder = write_pack(
        tmp_path / "pack",
        {"d/dx.toml": rule_file("d/dx", 'kind = "required"\nfields = ["/no/such/path"]')},
    )
    with pytest.raises(kakunin.PackError) as info:
        kakunin.RuleSet.from_path(folder)
    assert info.value.kind == "pack"
    assert "d/dx" in str(info.value)
    with pytest.raises(kakunin.InputError) as missing:
        kakunin.RuleSet.from_path(tmp_path / "absent")
    assert missing.value.kind == "input"


def test_each_kind_of_missing_pack_has_its_error(tmp_path: Path) -> None:
    # A folder without its manifest is a malformed pack, named by the file it lacks.
    (tmp_path / "empty").mkdir()
    with pytest.raises(kakunin.PackError) as no_manifest:
        kakunin.RuleSet.from_path(tmp_path / "empty")
    assert (no_manifest.value.kind, no_manifest.value.file) == ("pack", "pack.toml")
    # A path that is not a folder cannot be read as a pack at all.
    not_a_folder = tmp_path / "pack.toml"
    not_a_folder.write_text("name = 'x'", encoding="utf-8")
    with pytest.raises(kakunin.InputError) as file_given:
        kakunin.RuleSet.from_path(not_a_folder)
    assert (file_given.value.kind, file_given.value.path) == ("input", str(not_a_folder))
    # Bundled names are options: an unknown one (they are lower case) says which there are.
    with pytest.raises(kakunin.OptionsError) as upper:
        kakunin.RuleSet.bundled("HERSYS")
    assert upper.value.kind == "invalid-option"
    assert "hersys, opendata" in str(upper.value)


@pytest.fixture()
def looping(tmp_path: Path) -> kakunin.RuleSet:
    folder = write_pack(
        tmp_path / "pack",
        {
            "d/s.toml": rule_file("d/s", 'kind = "script"\nscript = "s.rhai"\nreads = ["/dx"]'),
            "d/s.rhai": "if record.dx == \"loop\" { loop { } } []",
        },
    )
    return kakunin.RuleSet.from_path(folder)


def test_a_script_over_its_limits_is_a_script_error(looping: kakunin.RuleSet) -> None:
    assert looping.check({"id": "a", "dx": "2021-01-01"}, as_of=AS_OF).ok
    with pytest.raises(kakunin.ScriptError) as info:
        looping.check({"id": "a", "dx": "loop"}, as_of=AS_OF)
    assert info.value.kind == "script-limit"
    assert info.value.rule == "d/s"


def test_a_script_failing_in_a_batch_fails_that_record_only(looping: kakunin.RuleSet) -> None:
    batch = looping.check_many(
        [{"id": "a", "dx": "2021-01-01"}, {"id": "b", "dx": "loop"}, {"id": "c"}], as_of=AS_OF
    )
    assert (batch.records, batch.checked, batch.failed) == (3, 2, 1)
    assert not batch.ok
    [problem] = batch.problems()
    assert problem["position"] == 1 and problem["id"] == "b"
    assert problem["kind"] == "script-limit"
    rows = batch.findings()
    assert [(r["position"], r["rule"]) for r in rows] == [(1, None)]


def test_exceptions_are_exported() -> None:
    for name in ("PackError", "ScriptError", "InputError", "OptionsError"):
        assert issubclass(getattr(kakunin, name), kakunin.KakuninError)
    assert issubclass(kakunin.KakuninError, Exception)


def test_check_many_refuses_a_single_record(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        hersys.check_many(record)
    with pytest.raises(TypeError):
        hersys.check_many(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("data", [b"data.csv", bytearray(b'{"id": "a"}')], ids=["bytes", "bytearray"])
def test_bytes_are_refused_not_read_as_numbers(hersys: kakunin.RuleSet, data: Any) -> None:
    # Iterated, bytes are ints: each used to be counted as a record that is not an object.
    for call in (hersys.check_many, hersys.summary, hersys.summarize):
        with pytest.raises(TypeError, match="bytes"):
            call(data)


def test_batch_surface(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    batch = hersys.check_many([record, reversed_dates(dict(record, notification=dict(record["notification"]))), 42], as_of=AS_OF)
    assert len(batch) == batch.records == 3
    assert batch.checked == 3 and batch.unreadable == 0 and batch.failed == 0
    assert not batch.ok
    reports = batch.reports()
    assert [r.position for r in reports] == [0, 1, 2]
    assert reports[0].ok and not reports[1].ok
    assert [f.rule for f in reports[2].findings] == ["structure/not-an-object"]
    assert batch.counts["error"] == sum(r.counts["error"] for r in reports)
    assert batch.pack == hersys.pack
    rows = batch.findings()
    assert len(rows) == sum(len(r.findings) for r in reports)
    assert set(rows[0]) == {"position", "id", "line", "rule", "severity", "path", "paths", "message", "acknowledged"}
    assert "Batch(records=3" in repr(batch)
    assert "<table>" in batch._repr_html_()


def stub_outputs() -> list[str]:
    """The values of ``_Output`` in the stubs, in order."""
    stubs = Path(kakunin.__file__).with_name("_kakunin.pyi")
    for node in ast.parse(stubs.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_Output" for t in node.targets):
            assert isinstance(node.value, ast.Subscript)
            return [ast.literal_eval(e) for e in node.value.slice.elts]  # type: ignore[attr-defined]
    raise AssertionError("no _Output in the stubs")


def test_output_values_are_the_same_in_message_stubs_and_docs(hersys: kakunin.RuleSet) -> None:
    values = stub_outputs()
    assert {"dicts", "pandas", "polars", "arrow"} <= set(values)
    batch = hersys.check_many([{"id": "a"}], as_of=AS_OF, select="required")
    with pytest.raises(kakunin.OptionsError) as info:
        batch.findings(output="bogus")
    assert info.value.kind == "invalid-option"
    assert re.findall(r"`([^`]+)`", str(info.value)) == ["bogus", *values]
    libraries = {"pandas": "pandas", "polars": "polars", "arrow": "pyarrow", "pyarrow": "pyarrow"}
    for value in values:
        library = libraries.get(value, "builtins")
        if library != "builtins" and importlib.util.find_spec(library) is None:
            continue
        table = batch.findings(output=value)
        assert type(table).__module__.split(".")[0] == library, value
    docs = {
        "Batch.findings": kakunin.Batch.findings.__doc__,
        "RuleSet.check_frame": kakunin.RuleSet.check_frame.__doc__,
        "RuleSet.summary": kakunin.RuleSet.summary.__doc__,
        "Summary": kakunin.Summary.__doc__,
    }
    for name, doc in docs.items():
        assert [v for v in values if f'"{v}"' not in (doc or "")] == [], name
