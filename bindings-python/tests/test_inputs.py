"""Each input kind gives the same findings: dicts, files (JSON Lines, JSON, CSV in UTF-8, BOM and
Shift_JIS), pandas, polars and pyarrow frames (every Arrow string type)."""

from __future__ import annotations

import collections
import copy
import datetime
import json
import math
import types
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import kakunin
from conftest import AS_OF, ROOT

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

# A flat table (CSV-like): dotted headers, all text, some mistakes.
HEADERS = [
    "id",
    "health_center",
    "notification.reported_on",
    "notification.diagnosed_on",
    "notification.patient.sex",
    "notification.patient.age",
]
ROWS = [
    ["a1", "北保健所", "2021-08-10", "2021-08-10", "male", "37"],
    ["a2", "北保健所", "2021-08-01", "2021-08-02", "female", "41"],  # report before diagnosis
    ["a3", "南保健所", "2021-08-10", "2021-02-30", "male", "thirty"],  # bad date, bad age
    ["a4", "南保健所", "", "2021-08-10", "other", "200"],  # missing report date, bad code, range
]
SELECT = ["dates", "formats", "codes", "ranges", "structure", "required/dates"]


def nested(row: list[str]) -> dict[str, Any]:
    """What the CSV reader makes of a row (empty cells left out, mapped types converted)."""
    record: dict[str, Any] = {}
    for header, cell in zip(HEADERS, row):
        if cell == "":
            continue
        *parents, last = header.split(".")
        at = record
        for p in parents:
            at = at.setdefault(p, {})
        at[last] = int(cell) if last == "age" and cell.isdigit() else cell
    return record


def expected_rows(rules: kakunin.RuleSet) -> list[tuple[int, str, str]]:
    batch = rules.check_many([nested(r) for r in ROWS], as_of=AS_OF, select=SELECT)
    rows = [(r["position"], r["rule"], r["path"]) for r in batch.findings()]
    assert len(rows) >= 6, rows
    return rows


def csv_text(newline: str = "\n") -> str:
    lines = [",".join(HEADERS)] + [",".join(r) for r in ROWS]
    return newline.join(lines) + newline


def triples(rows: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    return [(r["position"], r["rule"], r["path"]) for r in rows]


# ---- dicts and iterables ------------------------------------------------------------------------


class RecordView(Mapping[str, Any]):
    """A read-only mapping that is not a dict."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def test_any_mapping_is_a_record(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    plain = hersys.check(record, as_of=AS_OF)
    assert hersys.check(RecordView(record), as_of=AS_OF) == plain
    assert hersys.check(collections.OrderedDict(record), as_of=AS_OF) == plain
    assert hersys.check(types.MappingProxyType(record), as_of=AS_OF) == plain


def test_check_many_streams_generators(hersys: kakunin.RuleSet) -> None:
    def gen() -> Iterator[dict[str, Any]]:
        for r in ROWS:
            yield nested(r)

    a = hersys.check_many(gen(), as_of=AS_OF, select=SELECT)
    b = hersys.check_many([nested(r) for r in ROWS], as_of=AS_OF, select=SELECT)
    assert a.findings() == b.findings()
    # a generator of many records without the cross-record rules: streamed
    many = hersys.check_many((nested(ROWS[i % 4]) for i in range(5000)), as_of=AS_OF, ignore="identity")
    assert many.records == 5000
    assert [r.position for r in many.reports()] == list(range(5000))


def test_check_many_with_cross_record_rules_buffers_one_shot_iterables(
    hersys: kakunin.RuleSet, record: dict[str, Any]
) -> None:
    twin = copy.deepcopy(record)
    twin["id"] = "other"
    twin["notification"]["patient"]["sex"] = "female"
    batch = hersys.check_many(iter([record, twin]), as_of=AS_OF, select="identity")
    assert [[f.rule for f in r.findings] for r in batch.reports()] == [["identity/duplicate-hersys-id"]] * 2


def test_lists_are_read_again_and_one_shot_iterables_held_with_the_same_findings(
    hersys: kakunin.RuleSet, tmp_path: Path
) -> None:
    # A list or a tuple is read once to be checked, then again for the few records the
    # cross-record findings name, the others passed over unconverted; a generator is converted
    # once and held. All must find what the file's reader finds, cross-record findings and their
    # details included.
    records = sample_records(1500)  # more than a block pulled at a time (1,024)
    lines = tmp_path / "records.jsonl"
    lines.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")

    def findings(batch: kakunin.Batch) -> list[tuple[int, str, str, str]]:
        return [(i, f.rule, f.path, f.message) for i, r in enumerate(batch.reports()) for f in r.findings]

    from_file = findings(hersys.check_file(lines, as_of=AS_OF))
    named = [f for f in from_file if f[1].startswith("identity/")]
    assert {"identity/duplicate-hersys-id", "identity/probable-duplicate"} <= {f[1] for f in named}
    # Duplicates are spread through the batch: the details read passes over records and blocks.
    assert max(f[0] for f in named) - min(f[0] for f in named) > 1024
    assert findings(hersys.check_many(records, as_of=AS_OF)) == from_file
    assert findings(hersys.check_many(tuple(records), as_of=AS_OF)) == from_file
    assert findings(hersys.check_many((r for r in records), as_of=AS_OF)) == from_file


def test_an_exception_inside_the_iterable_propagates(hersys: kakunin.RuleSet) -> None:
    def broken() -> Iterator[dict[str, Any]]:
        yield {"id": "a"}
        raise ValueError("source broke")

    with pytest.raises(ValueError, match="source broke"):
        hersys.check_many(broken(), as_of=AS_OF, ignore="identity")
    with pytest.raises(ValueError, match="source broke"):
        hersys.check_many(broken(), as_of=AS_OF)


# ---- files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoding", "newline", "bom"),
    [
        ("utf8.csv", "utf-8", "\n", False),
        ("crlf.csv", "utf-8", "\r\n", False),
        ("bom.csv", "utf-8", "\n", True),
        ("sjis.csv", "shift_jis", "\r\n", False),
        ("cp932.csv", "cp932", "\n", False),
    ],
)
def test_csv_files_in_each_encoding(
    hersys: kakunin.RuleSet, tmp_path: Path, name: str, encoding: str, newline: str, bom: bool
) -> None:
    path = tmp_path / name
    data = csv_text(newline).encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    batch = hersys.check_file(path, as_of=AS_OF, select=SELECT)
    assert batch.records == len(ROWS) and batch.unreadable == 0
    rows = batch.findings()
    assert triples(rows) == expected_rows(hersys)
    assert [r["line"] for r in rows if r["position"] == 1][0] == 3  # header is line 1
    centers = {r.id: r for r in batch.reports()}
    assert set(centers) == {"a1", "a2", "a3", "a4"}


def test_json_lines_and_json_array(hersys: kakunin.RuleSet, tmp_path: Path) -> None:
    records = [nested(r) for r in ROWS]
    jl = tmp_path / "cases.jsonl"
    jl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    ja = tmp_path / "cases.json"
    ja.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    odd = tmp_path / "cases.data"
    odd.write_text(jl.read_text(encoding="utf-8"), encoding="utf-8")
    want = expected_rows(hersys)
    for path, fmt in [(jl, None), (ja, None), (odd, "jsonl"), (str(jl), "jsonl")]:
        batch = hersys.check_file(path, fmt, as_of=AS_OF, select=SELECT)
        assert triples(batch.findings()) == want, path
    lines = hersys.check_file(jl, as_of=AS_OF, select=SELECT).reports()
    assert [r.line for r in lines] == [1, 2, 3, 4]


def test_unreadable_lines_are_reported_and_the_run_goes_on(
    hersys: kakunin.RuleSet, tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a"}\nnot json\n[1, 2]\n{"id": "b"\n{"id": "c"}\n', encoding="utf-8")
    batch = hersys.check_file(path, as_of=AS_OF)
    assert batch.records == 5
    assert batch.unreadable == 3 and batch.checked == 2
    problems = batch.problems()
    assert [(p["line"], p["kind"]) for p in problems] == [(2, "unreadable"), (3, "unreadable"), (4, "unreadable")]
    assert [r.line for r in batch.reports()] == [1, 5]
    rows = [r for r in batch.findings() if r["rule"] is None]
    assert [(r["position"], r["line"], r["severity"]) for r in rows] == [(1, 2, "error"), (2, 3, "error"), (3, 4, "error")]


def test_ragged_csv_rows_are_unreadable(hersys: kakunin.RuleSet, tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("id,health_center\na,北\nb\nc,南,extra\nd,東\n", encoding="utf-8")
    batch = hersys.check_file(path, as_of=AS_OF)
    assert batch.records == 4
    assert [(p["line"], p["message"]) for p in batch.problems()] == [
        (3, "row has 1 cells, header has 2"),
        (4, "row has 3 cells, header has 2"),
    ]


def test_missing_file_and_bad_format(hersys: kakunin.RuleSet, tmp_path: Path) -> None:
    with pytest.raises(kakunin.InputError) as info:
        hersys.check_file(tmp_path / "absent.csv")
    assert info.value.kind == "input"
    with pytest.raises(kakunin.InputError):
        hersys.check_file(tmp_path)
    path = tmp_path / "x.csv"
    path.write_text("id\n1\n", encoding="utf-8")
    with pytest.raises(kakunin.OptionsError):
        hersys.check_file(path, "xml")


def test_opendata_csv_with_japanese_headers(opendata: kakunin.RuleSet, tmp_path: Path) -> None:
    path = tmp_path / "line-list.csv"
    text = (
        "No,全国地方公共団体コード,都道府県名,市区町村名,公表_年月日,発症_年月日,患者_居住地,患者_年代,患者_性別,患者_属性,患者_状態,患者_症状,患者_渡航歴の有無フラグ,備考,退院済フラグ\n"
        "1,130001,東京都,,2020-01-24,2020-01-20,湖北省武漢市,40代,男性,,,,1,,1\n"
        "1,130001,東京都,,2020-01-25,2020-01-21,湖北省武漢市,30代,女性,,,,1,,1\n"
    )
    path.write_bytes(text.encode("cp932"))
    batch = opendata.check_file(path, as_of=AS_OF)
    assert batch.records == 2 and batch.unreadable == 0
    rules = {f.rule for r in batch.reports() for f in r.findings}
    assert "opendata/duplicate-number" in rules


# ---- frames -----------------------------------------------------------------------------------


def arrow_table(string_type: Any = None) -> Any:
    columns = list(zip(*ROWS))
    arrays = [pa.array(list(c), type=string_type or pa.string()) for c in columns]
    return pa.table(arrays, names=HEADERS)


def test_pandas_frame_in_pandas_out(hersys: kakunin.RuleSet) -> None:
    df = pd.DataFrame(ROWS, columns=HEADERS).replace("", None)
    found = hersys.check_frame(df, as_of=AS_OF, select=SELECT)
    assert isinstance(found, pd.DataFrame)
    assert list(found.columns) == ["position", "id", "line", "rule", "severity", "path", "paths", "message", "acknowledged"]
    got = list(zip(found["position"], found["rule"], found["path"]))
    assert got == expected_rows(hersys)
    assert found["line"].isna().all()
    assert list(found["id"].unique()) == ["a2", "a3", "a4"]


def test_pandas_dtypes(hersys: kakunin.RuleSet) -> None:
    df = pd.DataFrame(ROWS, columns=HEADERS).replace("", None)
    want = expected_rows(hersys)
    for dtype in ["string", "string[pyarrow]", "category"]:
        typed = df.astype(dtype)
        found = hersys.check_frame(typed, as_of=AS_OF, select=SELECT)
        assert list(zip(found["position"], found["rule"], found["path"])) == want, dtype
    arrowed = df.astype(pd.ArrowDtype(pa.large_string()))
    found = hersys.check_frame(arrowed, as_of=AS_OF, select=SELECT)
    assert list(zip(found["position"], found["rule"], found["path"])) == want


def test_pandas_typed_columns(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "notification.reported_on": pd.to_datetime(["2021-08-10", "2021-08-01", None]),
            "notification.diagnosed_on": pd.to_datetime(["2021-08-10", "2021-08-02", "2021-08-03"]),
            "notification.patient.age": [37.0, float("nan"), 250.0],
        }
    )
    found = hersys.check_frame(df, as_of=AS_OF, select=["dates", "formats", "ranges", "structure"], output="dicts")
    got = sorted((r["position"], r["rule"]) for r in found)
    assert (1, "dates/report-before-diagnosis") in got
    assert (2, "ranges/age-impossible") in got
    assert not any(rule.startswith("formats/") for _, rule in got)  # midnight timestamps are dates
    assert not any(p == 0 for p, _ in got)


def test_pandas_object_columns_read_midnight_timestamps_in_date_fields_as_days(hersys: kakunin.RuleSet) -> None:
    # A column mixing timestamps and text (a frame assembled by hand, or concatenated from
    # frames read differently) stays as Python objects: pyarrow cannot type it.
    mixed = pd.Series([pd.Timestamp("2021-08-10"), "2021-08-01", datetime.datetime(2021, 8, 3), "2021-08-04"], dtype=object)
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "notification.reported_on": mixed,
            "notification.diagnosed_on": ["2021-08-10", "2021-08-02", "2021-08-03", "2021-08-04"],
        }
    )
    found = hersys.check_frame(df, as_of=AS_OF, select=["dates", "formats"], output="dicts")
    got = sorted((r["position"], r["rule"], r["path"]) for r in found)
    assert got == [(1, "dates/report-before-diagnosis", "/notification/reported_on")]
    # The same timestamp at another time of day is not a day.
    df.loc[0, "notification.reported_on"] = pd.Timestamp("2021-08-10 09:30")
    found = hersys.check_frame(df, as_of=AS_OF, select=["formats"], output="dicts")
    assert [(r["position"], r["rule"]) for r in found] == [(0, "formats/date")]


def test_numbers_in_text_columns_are_read_as_csv_text(hersys: kakunin.RuleSet, opendata: kakunin.RuleSet) -> None:
    # pd.read_csv infers numbers: an ID as int64, a 0/1 flag with blanks as float64 (1.0). The
    # findings are those of the CSV's text, not of the types pandas chose.
    line_list = pd.DataFrame({"No": [1, 2], "公表_年月日": ["2020-04-01", "2020-04-02"], "退院済フラグ": [1.0, math.nan]})
    assert opendata.check_frame(line_list, as_of=AS_OF, select="opendata/flags", output="dicts") == []
    records = pd.DataFrame({"id": ["a", "b"], "hersys_id": [1234567, 2345678], "prefecture": [13, 4], "notification.patient.age": [37.0, math.nan]})
    found = hersys.check_frame(records, as_of=AS_OF, select=["structure", "codes/prefecture", "formats"], output="dicts")
    assert [(r["position"], r["rule"], r["path"]) for r in found] == [(1, "codes/prefecture", "/prefecture")]
    assert "「4」" in found[0]["message"]


def test_polars_frame_in_polars_out(hersys: kakunin.RuleSet) -> None:
    df = pl.DataFrame({h: list(c) for h, c in zip(HEADERS, zip(*ROWS))}).with_columns(
        pl.all().replace("", None)
    )
    found = hersys.check_frame(df, as_of=AS_OF, select=SELECT)
    assert isinstance(found, pl.DataFrame)
    assert found.schema["paths"] == pl.List(pl.String)
    assert list(zip(found["position"], found["rule"], found["path"])) == expected_rows(hersys)
    cat = df.with_columns(pl.col("health_center", "notification.patient.sex").cast(pl.Categorical))
    found = hersys.check_frame(cat, as_of=AS_OF, select=SELECT)
    assert list(zip(found["position"], found["rule"], found["path"])) == expected_rows(hersys)


@pytest.mark.parametrize("string_type", ["string", "large_string", "string_view", "dictionary"])
def test_arrow_string_types(hersys: kakunin.RuleSet, string_type: str) -> None:
    table = arrow_table()
    if string_type == "large_string":
        table = table.cast(pa.schema([(n, pa.large_string()) for n in HEADERS]))
    elif string_type == "string_view":
        table = table.cast(pa.schema([(n, pa.string_view()) for n in HEADERS]))
    elif string_type == "dictionary":
        table = pa.table([c.dictionary_encode() for c in table.columns], names=HEADERS)
    found = hersys.check_frame(table, as_of=AS_OF, select=SELECT)
    assert isinstance(found, pa.Table)
    assert found.schema.field("paths").type == pa.list_(pa.string())
    got = list(zip(*(found.column(c).to_pylist() for c in ("position", "rule", "path"))))
    assert got == expected_rows(hersys)


def test_arrow_chunked_and_record_batch(hersys: kakunin.RuleSet) -> None:
    table = arrow_table()
    chunked = pa.concat_tables([table.slice(0, 1), table.slice(1, 2), table.slice(3)])
    assert chunked.column(0).num_chunks == 3
    found = hersys.check_frame(chunked, as_of=AS_OF, select=SELECT)
    got = list(zip(*(found.column(c).to_pylist() for c in ("position", "rule", "path"))))
    assert got == expected_rows(hersys)
    batch = table.to_batches()[0]
    found = hersys.check_frame(batch, as_of=AS_OF, select=SELECT)
    assert isinstance(found, pa.RecordBatch)
    assert found.num_rows == len(expected_rows(hersys))


def test_lazy_frames_and_arrow_streams(hersys: kakunin.RuleSet) -> None:
    want = expected_rows(hersys)
    lazy = pl.DataFrame({h: list(c) for h, c in zip(HEADERS, zip(*ROWS))}).lazy()
    found = hersys.check_frame(lazy, as_of=AS_OF, select=SELECT)
    assert isinstance(found, pl.DataFrame)
    assert list(zip(found["position"], found["rule"], found["path"])) == want

    class Stream:
        """Only the Arrow PyCapsule interface, as DuckDB relations and other libraries give it."""

        def __init__(self, table: pa.Table) -> None:
            self.table = table

        def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
            return self.table.__arrow_c_stream__(requested_schema)

    table = arrow_table()
    for stream in (pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=2)), Stream(table)):
        found = hersys.check_frame(stream, as_of=AS_OF, select=SELECT)
        assert isinstance(found, pa.Table)
        assert list(zip(*(found.column(c).to_pylist() for c in ("position", "rule", "path")))) == want
    summary = hersys.summary(Stream(table), by="severity", as_of=AS_OF, select=SELECT, output="dicts")
    assert sum(r["findings"] for r in summary) == len(want)


def test_what_a_reader_decided_about_the_columns_is_warned(hersys: kakunin.RuleSet, tmp_path: Path) -> None:
    # A column no rule reads and no mapping knows would otherwise be dropped without a word: a
    # frame whose columns all miss the mapping was reported clean.
    frame = pd.DataFrame({"id": ["a"], "diagnosed_on": ["2021-13-01"], "notification.reported_on": ["2021-08-01"]})
    # In the call's locale, as its findings: Japanese unless told.
    with pytest.warns(kakunin.KakuninWarning, match="「diagnosed_on」は対応表"):
        found = hersys.check_frame(frame, as_of=AS_OF, select="formats", output="dicts")
    assert found == []
    with pytest.warns(kakunin.KakuninWarning, match="`diagnosed_on` is not in the mapping"):
        hersys.check_frame(frame, as_of=AS_OF, select="formats", locale="en")
    english = pl.DataFrame({"Patient": ["a"], "Diagnosis date": ["2021-13-01"]})
    with pytest.warns(kakunin.KakuninWarning, match="no column"):
        hersys.check_frame(english.lazy(), as_of=AS_OF, select="formats", locale="en")
    with pytest.warns(kakunin.KakuninWarning, match="no column"):
        hersys.summary(english, as_of=AS_OF, select="formats", locale="en")
    with pytest.warns(kakunin.KakuninWarning, match="見出し行のどの列も"):
        hersys.summary(english, as_of=AS_OF, select="formats")
    twice = pa.Table.from_arrays([pa.array(["a"]), pa.array(["2021-08-01"]), pa.array(["x"])], names=["id", "報告年月日", "報告年月日"])
    with pytest.warns(kakunin.KakuninWarning, match="collides"):
        hersys.check_frame(twice, as_of=AS_OF, select="formats", locale="en")
    path = tmp_path / "english.csv"
    path.write_text("Patient,Diagnosis date\na,2021-13-01\n", encoding="utf-8")
    for check in (hersys.check_file, hersys.summary, hersys.summarize):
        with pytest.warns(kakunin.KakuninWarning, match="english.csv: no column") as warned:
            done = check(path, as_of=AS_OF, locale="en")
        assert warned[0].filename == __file__  # at the caller's line
    assert done.totals["records"] == 1
    for locale, says in (("ja", "見出し行のどの列も"), ("en", "no column")):
        with pytest.warns(kakunin.KakuninWarning) as warned:
            batch = hersys.check_file(path, as_of=AS_OF, locale=locale)
        assert [f"{path}: {note}" for note in batch.notes] == [str(w.message) for w in warned]
        assert batch.notes[0].startswith(says), batch.notes
    # Columns that all map, or that are fields of the record (frames made of records): not a word.
    records = sample_records(20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hersys.check_frame(arrow_table(), as_of=AS_OF, select=SELECT)
        hersys.summary(pd.DataFrame(ROWS, columns=HEADERS), as_of=AS_OF)
        hersys.check_frame(pd.json_normalize(records), as_of=AS_OF)
        hersys.check_frame(pa.Table.from_pylist(records), as_of=AS_OF)


def test_frames_map_japanese_headers(hersys: kakunin.RuleSet) -> None:
    df = pd.DataFrame({"レコードID": ["x"], "報告年月日": ["2021-08-01"], "診断年月日": ["2021-08-02"]})
    found = hersys.check_frame(df, as_of=AS_OF, select="dates/report-before-diagnosis", output="dicts")
    assert [(r["id"], r["rule"]) for r in found] == [("x", "dates/report-before-diagnosis")]


def test_output_can_be_chosen(hersys: kakunin.RuleSet) -> None:
    table = arrow_table()
    assert isinstance(hersys.check_frame(table, as_of=AS_OF, select=SELECT, output="pandas"), pd.DataFrame)
    assert isinstance(hersys.check_frame(table, as_of=AS_OF, select=SELECT, output="polars"), pl.DataFrame)
    assert isinstance(hersys.check_frame(table, as_of=AS_OF, select=SELECT, output="dicts"), list)
    with pytest.raises(kakunin.OptionsError):
        hersys.check_frame(table, output="excel")
    with pytest.raises(TypeError):
        hersys.check_frame([{"id": "a"}])


def test_empty_frames(hersys: kakunin.RuleSet) -> None:
    found = hersys.check_frame(pd.DataFrame({"id": pd.Series([], dtype=str)}), as_of=AS_OF)
    assert len(found) == 0 and "rule" in found.columns
    found = hersys.check_frame(pl.DataFrame({"id": []}, schema={"id": pl.String}), as_of=AS_OF)
    assert found.height == 0 and found.schema["position"] == pl.Int64


# ---- summaries --------------------------------------------------------------------------------


def test_summary_by_rule_severity_and_a_record_column(hersys: kakunin.RuleSet, tmp_path: Path) -> None:
    records = [nested(r) for r in ROWS]
    by_rule = hersys.summary(records, as_of=AS_OF, select=SELECT)
    found = hersys.check_many(records, as_of=AS_OF, select=SELECT).findings()
    assert sum(r["findings"] for r in by_rule) == len(found)
    assert [r["rule"] for r in by_rule] == sorted({r["rule"] for r in found})
    by_center = hersys.summary(records, by="health_center", as_of=AS_OF, select=SELECT)
    assert [(r["health_center"], r["records"]) for r in by_center] == [("北保健所", 2), ("南保健所", 2)]
    assert sum(r["error"] + r["warning"] + r["info"] for r in by_center) == len(found)
    both = hersys.summary(records, by=["health_center", "severity"], as_of=AS_OF, select=SELECT)
    assert {(r["health_center"], r["severity"]) for r in both} >= {("南保健所", "error")}
    # the same from a file and a frame, in the frame's library
    path = tmp_path / "t.csv"
    path.write_text(csv_text(), encoding="utf-8")
    by_header = hersys.summary(path, by="保健所", as_of=AS_OF, select=SELECT)
    renamed = [{("health_center" if k == "保健所" else k): v for k, v in r.items()} for r in by_header]
    assert renamed == by_center
    frame = hersys.summary(pl.read_csv(path, infer_schema=False), by="health_center", as_of=AS_OF, select=SELECT)
    assert isinstance(frame, pl.DataFrame) and frame.to_dicts() == by_center


@pytest.mark.parametrize("by", [None, "severity", ["rule", "severity"]])
def test_a_files_summary_by_rule_or_severity_is_that_of_its_records(hersys: kakunin.RuleSet, tmp_path: Path, by: Any) -> None:
    # No record field to read: the file takes the checking path (lines parsed by the checking
    # threads, the cross-record rules on their keys), which must count what the records do.
    records = sample_records(400)
    path = tmp_path / "sample.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    from_file = hersys.summary(path, by=by, as_of=AS_OF)
    from_records = hersys.summary(records, by=by, as_of=AS_OF)
    assert from_file == from_records
    assert sum(r["findings"] for r in from_file) > 100
    assert any(r.get("rule", "").startswith("identity/") for r in hersys.summary(path, as_of=AS_OF))


@pytest.mark.parametrize("select", ["codes", "formats", "dates/late-report"])
def test_a_summary_by_a_field_no_selected_rule_reads_counts_it_from_every_source(
    hersys: kakunin.RuleSet, tmp_path: Path, select: str
) -> None:
    # Lines, CSV rows and frame rows are built as far as the plan reads; the plan reads the
    # field counted by as well, even in a row a screen builds without the screened columns.
    records = sample_records(300)
    jsonl = tmp_path / "sample.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    flat = pd.json_normalize(records)
    csv = tmp_path / "flat.csv"
    flat.to_csv(csv, index=False)
    by = ["health_center", "notification.patient.sex"]
    expected = hersys.summary(records, by=by, as_of=AS_OF, select=select)
    assert len({r["health_center"] for r in expected}) > 20
    found = hersys.summary(jsonl, by=by, as_of=AS_OF, select=select, output="dicts")
    assert found == expected
    # A table reads a code's label typed in a code column as the code (女 is female); records
    # keep what was typed.
    labels = {label: code for codes in hersys.codes().values() for code, names in codes.items() for label in names.values()}
    table_read = [as_codes(r, labels) for r in records]
    assert table_read != records, "the sample has labels typed for codes"
    expected = hersys.summary(table_read, by=by, as_of=AS_OF, select=select)
    found = hersys.summary(flat, by=by, as_of=AS_OF, select=select, output="dicts")
    assert found == expected
    # The CSV holds the lists as Python's text of them, which the code lists reject: the
    # counts of records by field are those of the records, the findings not.
    counted = [(r["health_center"], r["notification.patient.sex"], r["records"]) for r in expected]
    from_csv = hersys.summary(csv, by=by, as_of=AS_OF, select=select)
    assert [(r["health_center"], r["notification.patient.sex"], r["records"]) for r in from_csv] == counted


def test_summary_refuses_personal_fields(hersys: kakunin.RuleSet) -> None:
    with pytest.raises(kakunin.OptionsError, match="personal"):
        hersys.summary([{"id": "a"}], by="notification.patient.name", as_of=AS_OF)
    rows = hersys.summary([{"id": "a"}], by="/notification/patient/name", as_of=AS_OF, reveal=True)
    assert rows[0]["/notification/patient/name"] is None


@pytest.mark.parametrize("by", ["notification.patient", "/basic", "notification.guardian", "/notification/patient/name/family"])
def test_summaries_refuse_objects_holding_personal_fields(hersys: kakunin.RuleSet, by: str) -> None:
    # Grouped by an object, a summary's keys would be the JSON text of the name, address and phone.
    person = {"name": "山田　太郎", "address": "東京都千代田区1-1", "phone": "090-1234-5678"}
    records = [{"id": "a", "basic": person, "notification": {"patient": {**person, "name": {"family": "山田"}}, "guardian": person}}]
    with pytest.raises(kakunin.OptionsError, match="personal"):
        hersys.summary(records, by=by, as_of=AS_OF)
    with pytest.raises(kakunin.OptionsError, match="personal"):
        hersys.summarize(records, by=by, as_of=AS_OF)
    rows = hersys.summary(records, by=by, as_of=AS_OF, reveal=True)
    assert len(rows) == 1


def as_codes(value: Any, labels: dict[str, str]) -> Any:
    """`value` with every text that is a code's label (and no code) replaced by the code."""
    if isinstance(value, dict):
        return {k: as_codes(v, labels) for k, v in value.items()}
    if isinstance(value, list):
        return [as_codes(v, labels) for v in value]
    if isinstance(value, str) and value in labels and value not in labels.values():
        return labels[value]
    return value


def sample_records(count: int) -> list[dict[str, Any]]:
    lines = (ROOT / "data" / "sample" / "hersys-sample.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:count]]


# A narrow selection builds only the fields its rules read (columns of a frame, keys of a dict);
# what it finds must be exactly what the whole pack finds for those rules.
# Selections with rules that judge values alone (formats, code lists, ranges) beside others
# screen a table's rows: a row whose cells they accept is built and checked without them (with
# nothing else selected, checked with no rule at all).
SELECTIONS = [
    ["codes/sex"],
    ["formats"],
    ["dates"],
    ["required"],
    ["codes/municipality", "ranges/age-mismatch"],
    ["formats", "codes", "ranges", "dates"],
    ["formats/date", "codes/sex", "ranges/age-impossible", "dates/report-before-diagnosis"],
]


def only(rows: list[dict[str, Any]], select: list[str]) -> list[dict[str, Any]]:
    return [r for r in rows if any(r["rule"] == s or r["rule"].startswith(s + "/") for s in select)]


@pytest.mark.parametrize("library", ["pandas", "polars", "arrow"])
def test_a_selection_on_a_frame_finds_what_the_whole_pack_finds(hersys: kakunin.RuleSet, library: str) -> None:
    df = pd.json_normalize(sample_records(300))
    frame = {"pandas": df, "polars": pl.from_pandas(df), "arrow": pa.Table.from_pandas(df)}[library]
    whole = hersys.check_frame(frame, as_of=AS_OF, output="dicts")
    assert len({r["rule"] for r in whole}) > 10  # the sample has mistakes of many rules
    # Rows are built by the checking threads, and again by the cross-record pass for their keys:
    # the records that share a patient are those check_many finds.
    shared = [(r["position"], r["rule"]) for r in whole if r["rule"].startswith("identity/")]
    from_dicts = [
        (i, f.rule)
        for i, report in enumerate(hersys.check_many(sample_records(300), as_of=AS_OF).reports())
        for f in report.findings
        if f.rule.startswith("identity/")
    ]
    assert shared and shared == from_dicts
    for select in SELECTIONS:
        part = hersys.check_frame(frame, as_of=AS_OF, select=select, output="dicts")
        assert part == only(whole, select), select
        assert part, select


def flat_row(record: dict[str, Any], prefix: str = "", row: dict[str, Any] | None = None) -> dict[str, Any]:
    """A record as one row of a flat export: `tests.0.sampled_on` columns, lists of codes joined
    with `;`."""
    row = {} if row is None else row
    for key, value in record.items():
        name = prefix + key
        if isinstance(value, dict):
            flat_row(value, name + ".", row)
        elif value == []:
            continue  # nothing entered: no column, as an export leaves out what no row has
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for i, item in enumerate(value):
                flat_row(item, f"{name}.{i}.", row)
        elif isinstance(value, list):
            row[name] = ";".join(str(item) for item in value)
        else:
            row[name] = value
    return row


@pytest.mark.parametrize("typed", [False, True])
def test_a_selection_on_a_flat_frame_finds_what_the_whole_pack_finds(hersys: kakunin.RuleSet, typed: bool) -> None:
    # One column per date, as in a flat export: rules that judge values alone (formats/date reads
    # every date column) screen the rows, and a row is built whole only when a cell fails.
    df = pd.DataFrame([flat_row(r) for r in sample_records(300)])
    if not typed:
        df = df.astype("string")
    assert "tests.0.sampled_on" in df.columns
    whole = hersys.check_frame(df, as_of=AS_OF, output="dicts")
    assert len({r["rule"] for r in whole}) > 10
    for select in SELECTIONS:
        part = hersys.check_frame(df, as_of=AS_OF, select=select, output="dicts")
        assert part == only(whole, select), select
        assert part, select


def test_a_screened_frame_in_uneven_chunks_finds_what_the_whole_pack_finds(hersys: kakunin.RuleSet) -> None:
    # The screen judges a frame's rows a block of rows at a time within each chunk of its
    # columns: chunks that end inside a block, and rows far past the first block, change nothing.
    records = sample_records(700)
    table = pa.Table.from_pandas(pd.DataFrame([flat_row(r) for r in records]).astype("string"), preserve_index=False)
    cuts = [0, 77, 205, 206, 600, 700]
    chunked = pa.Table.from_batches(
        [batch for start, end in zip(cuts, cuts[1:]) for batch in table.slice(start, end - start).to_batches()]
    )
    assert chunked.column(0).num_chunks == len(cuts) - 1
    whole = hersys.check_frame(chunked, as_of=AS_OF, output="dicts")
    assert max(r["position"] for r in whole) > 600
    for select in SELECTIONS:
        part = hersys.check_frame(chunked, as_of=AS_OF, select=select, output="dicts")
        assert part == only(whole, select), select
        assert part, select


def test_a_selection_on_dicts_finds_what_the_whole_pack_finds(hersys: kakunin.RuleSet) -> None:
    records = sample_records(300)
    whole = [(i, f.rule, f.path, f.message) for i, r in enumerate(hersys.check_many(records, as_of=AS_OF).reports()) for f in r.findings]
    for select in SELECTIONS:
        part = [
            (i, f.rule, f.path, f.message)
            for i, r in enumerate(hersys.check_many(records, as_of=AS_OF, select=select).reports())
            for f in r.findings
        ]
        assert part == [w for w in whole if only([{"rule": w[1]}], select)], select
        single = [(i, f.rule, f.path, f.message) for i, rec in enumerate(records) for f in hersys.check(rec, as_of=AS_OF, select=select).findings]
        assert single == [p for p in part if not p[1].startswith("identity/")], select


def test_polars_columns_of_type_null(hersys: kakunin.RuleSet) -> None:
    # A column never filled (Null) and one of empty lists (List(Null)): polars exports them in a
    # way the Arrow C interface refuses; they still read as "not entered".
    df = pl.DataFrame({"id": ["a", "b"], "notification.reported_on": [None, None], "acknowledged": [[], []]})
    assert "Null" in str(df.schema)
    found = hersys.check_frame(df, as_of=AS_OF, select="required/dates")
    assert isinstance(found, pl.DataFrame)
    assert set(found["path"]) >= {"/notification/reported_on"}
    assert sorted(set(found["position"])) == [0, 1]


def test_a_selection_on_a_csv_file_finds_what_the_whole_pack_finds(hersys: kakunin.RuleSet, tmp_path: Path) -> None:
    # The CSV reader builds only the columns the selected rules read.
    path = tmp_path / "flat.csv"
    pd.json_normalize(sample_records(300)).to_csv(path, index=False)
    whole = hersys.check_file(path, as_of=AS_OF).findings(output="dicts")
    assert len({r["rule"] for r in whole}) > 10
    for select in SELECTIONS:
        part = hersys.check_file(path, as_of=AS_OF, select=select).findings(output="dicts")
        assert part == only(whole, select), select
        assert part, select


def test_gzip_files_are_read_through_and_archives_refused(hersys: kakunin.RuleSet, tmp_path: Path) -> None:
    import gzip

    sample = (ROOT / "data" / "sample" / "hersys-sample.jsonl").read_bytes()[:200_000]
    sample = sample[: sample.rindex(b"\n") + 1]
    plain = tmp_path / "cases.jsonl"
    plain.write_bytes(sample)
    packed = tmp_path / "cases.jsonl.gz"
    packed.write_bytes(gzip.compress(sample))

    def found(path: Path) -> list[list[tuple[str, str | None]]]:
        return [[(f.rule, f.path) for f in r.findings] for r in hersys.check_file(path, as_of=AS_OF).reports()]

    assert found(packed) == found(plain)
    assert len(found(packed)) == sample.count(b"\n")
    assert hersys.summary(packed, as_of=AS_OF, output="dicts") == hersys.summary(plain, as_of=AS_OF, output="dicts")

    archive = tmp_path / "cases.zip"
    archive.write_bytes(b"PK\x03\x04\x14\x00\x06\x00rest of an archive")
    with pytest.raises(kakunin.InputError) as info:
        hersys.check_file(archive, as_of=AS_OF)
    assert "extract the file" in str(info.value)
    assert info.value.path == str(archive)


def test_a_workbook_is_checked_as_its_csv_export(hersys: kakunin.RuleSet) -> None:
    # core/tests/data/line-list.xlsx: a title row, the header on row 3, Excel dates, a blank row.
    data = ROOT / "core" / "tests" / "data"

    def found(path: Path, locale: str = "ja") -> list[tuple[str | None, list[tuple[str, str | None]]]]:
        batch = hersys.check_file(path, as_of=AS_OF, locale=locale)
        return [(r.id, [(f.rule, f.path) for f in r.findings]) for r in batch.reports()]

    with pytest.warns(kakunin.KakuninWarning) as caught:
        sheet = found(data / "line-list.xlsx", "en")
    notes = " ".join(str(w.message) for w in caught)
    assert "the first of 2 sheets" in notes and "row 3 is the header" in notes, notes
    with pytest.warns(kakunin.KakuninWarning) as caught:
        assert found(data / "line-list.xlsx") == sheet
    notes = " ".join(str(w.message) for w in caught)
    assert "最初のシート「患者一覧」" in notes and "3 行目を見出し行" in notes, notes
    assert sheet == found(data / "line-list.csv")
    assert any(findings for _, findings in sheet)
    assert len(sheet) == 24
