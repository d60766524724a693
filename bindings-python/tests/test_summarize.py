"""``RuleSet.summarize``: the quality report of ``kakunin report`` from Python — the same HTML and
JSON bytes as the command line for the same input and options, and its tables as pandas, polars
or dicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

import kakunin
from conftest import AS_OF, ROOT

SAMPLE = ROOT / "data" / "sample" / "hersys-sample.jsonl"


def cli_report(tmp_path: Path, *args: str) -> bytes:
    """``kakunin report`` on the sample, run by cargo (the workspace's own build of the CLI)."""
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed: the command line to compare with cannot be built")
    out = tmp_path / "cli-report"
    env = {k: v for k, v in os.environ.items() if k != "CARGO_TARGET_DIR"}
    subprocess.run(
        ["cargo", "run", "--quiet", "--locked", "-p", "kakunin-cli", "--",
         "report", str(SAMPLE), "--as-of", AS_OF, "-o", str(out), *args],
        cwd=ROOT, env=env, check=True,
    )
    return out.read_bytes()


@pytest.mark.parametrize(
    ("options", "cli_args"),
    [
        ({}, []),
        ({"locale": "en", "period": "month", "by": "prefecture"},
         ["--locale", "en", "--period", "month", "--by", "prefecture"]),
    ],
)
def test_same_html_and_json_as_the_command_line(
    hersys: kakunin.RuleSet, tmp_path: Path, options: dict[str, str], cli_args: list[str]
) -> None:
    summary = hersys.summarize(SAMPLE, as_of=AS_OF, **options)
    page = tmp_path / "report.html"
    assert summary.to_html(page) is None
    assert page.read_bytes() == cli_report(tmp_path, *cli_args)
    assert summary.to_html() == page.read_text(encoding="utf-8")
    assert summary.to_json().encode() == cli_report(tmp_path, "--format", "json", *cli_args)


def test_numbers_and_tables(hersys: kakunin.RuleSet) -> None:
    summary = hersys.summarize(str(SAMPLE), as_of=AS_OF)
    batch = hersys.check_file(SAMPLE, as_of=AS_OF)
    reports = batch.reports()
    assert summary.totals["records"] == len(batch) == 2000
    assert summary.totals["with_errors"] == sum(not r.ok for r in reports)
    assert summary.totals["with_warnings"] == sum(r.counts["warning"] > 0 for r in reports)
    assert summary.by == "/health_center"

    rules = summary.rules(output="pandas")
    assert isinstance(rules, pd.DataFrame)
    assert list(rules.columns) == ["rule", "group", "severity", "title", "records", "findings"]
    found = batch.findings(output="pandas")
    assert rules["findings"].sum() == len(found)
    assert dict(zip(rules["rule"], rules["records"])) == (
        found.groupby("rule")["position"].nunique().to_dict()
    )
    assert rules["records"].is_monotonic_decreasing

    groups = summary.groups(output="polars")
    assert isinstance(groups, pl.DataFrame)
    centers = summary.breakdown(output="polars")
    assert groups.height == centers.height * groups["group"].n_unique()
    assert centers["records"].sum() == 2000
    assert (groups["affected"] <= groups["records"]).all()

    periods = summary.periods()
    assert isinstance(periods, list) and sum(p["records"] for p in periods) == 2000
    assert [p["period"] for p in periods] == sorted(p["period"] for p in periods)

    missing = summary.completeness(output="pandas")
    assert set(missing.columns) == {"value", "item", "label", "records", "missing"}
    assert (missing["missing"] <= missing["records"]).all()
    assert "/notification/patient/name" in set(missing["item"])

    duplicates = summary.duplicates(output="polars")
    assert duplicates.height > 0
    assert set(duplicates["rule"]) <= {"identity/duplicate-hersys-id", "identity/probable-duplicate"}

    assert summary.to_dict()["totals"] == summary.totals


def test_frames_give_tables_of_their_library(hersys: kakunin.RuleSet) -> None:
    columns = {
        "id": ["a", "b", "c"],
        "health_center": ["北保健所", "北保健所", "南保健所"],
        "notification.diagnosed_on": ["2021-03-01", "2021-03-08", "2021-02-30"],
    }
    for frame, kind in [(pd.DataFrame(columns), pd.DataFrame), (pl.DataFrame(columns), pl.DataFrame)]:
        summary = hersys.summarize(frame, as_of=AS_OF, select="formats")
        table = summary.breakdown()
        assert isinstance(table, kind)
        rows = table.to_dict("records") if isinstance(table, pd.DataFrame) else table.to_dicts()
        assert [(r["value"], r["records"], r["with_errors"]) for r in rows] == [
            ("北保健所", 2, 0),
            ("南保健所", 1, 1),
        ]
        assert [p["period"] for p in summary.periods(output="dicts")] == ["2021-03-01", "2021-03-08"]


def test_files_break_down_by_fields_no_selected_rule_reads(
    hersys: kakunin.RuleSet, tmp_path: Path
) -> None:
    """The keys of a summary are read on the threads that check the records: a line or a row is
    built with them, even when the selected rules read neither the breakdown field nor the date,
    and even a row that a screen builds without the columns only the screened rules read."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()[:400]
    records = [json.loads(line) for line in lines]
    jsonl = tmp_path / "part.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    flat = pd.json_normalize(records)
    csv = tmp_path / "part.csv"
    flat[["id", "health_center", "notification.diagnosed_on"]].to_csv(csv, index=False)
    # Every column: `codes` and `formats` are screened (see `test_a_selection_on_a_csv_file...`).
    whole_csv = tmp_path / "flat.csv"
    flat.to_csv(whole_csv, index=False)

    def keys(summary: kakunin.Summary) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        return (
            [(r["value"], r["records"]) for r in summary.breakdown(output="dicts")],
            [(p["period"], p["records"]) for p in summary.periods(output="dicts")],
        )

    expected = keys(hersys.summarize(records, as_of=AS_OF))
    assert len(expected[0]) > 5 and len(expected[1]) > 5
    for data in (jsonl, csv, whole_csv, flat):
        for select in ("codes", "formats"):
            summary = hersys.summarize(data, as_of=AS_OF, select=select)
            assert keys(summary) == expected, (type(data).__name__, select)


def test_notebook_display_and_repr(hersys: kakunin.RuleSet) -> None:
    summary = hersys.summarize([{"id": "a", "health_center": "北保健所"}], as_of=AS_OF, locale="en")
    html = summary._repr_html_()
    assert html.startswith('<div class="kakunin-report">')
    assert "<html" not in html and "Rules by records affected" in html
    assert repr(summary).startswith("Summary(records=1, with_errors=1")


def test_personal_fields_and_bad_options_are_refused(hersys: kakunin.RuleSet) -> None:
    with pytest.raises(kakunin.OptionsError, match="personal"):
        hersys.summarize([{"id": "a"}], by="notification.patient.phone", as_of=AS_OF)
    with pytest.raises(kakunin.OptionsError, match="not a field"):
        hersys.summarize([{"id": "a"}], by="no_such_field", as_of=AS_OF)
    with pytest.raises(kakunin.OptionsError, match="week or month"):
        hersys.summarize([{"id": "a"}], period="day", as_of=AS_OF)  # type: ignore[arg-type]


def test_no_personal_value_in_the_page(hersys: kakunin.RuleSet) -> None:
    records = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    page = hersys.summarize(records, as_of=AS_OF).to_html()
    assert page is not None
    for record in records[:200]:
        patient = record["notification"]["patient"]
        for key in ("name", "name_kana", "phone", "address"):
            if patient.get(key):
                assert patient[key] not in page
