"""Bad records are findings, never exceptions or crashes."""

from __future__ import annotations

import copy
import datetime
import decimal
import json
import math
import types
from pathlib import Path
from typing import Any

import pytest

import kakunin
from conftest import AS_OF

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")


class Odd:
    def __str__(self) -> str:
        return "odd"


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")


@pytest.mark.parametrize(
    "value",
    [None, 42, 3.5, "text", b"bytes", [1, 2], ("a",), {1, 2}, True, Odd(), float("nan")],
    ids=repr,
)
def test_a_record_that_is_not_a_mapping(hersys: kakunin.RuleSet, value: Any) -> None:
    report = hersys.check(value, as_of=AS_OF)
    assert [f.rule for f in report.findings] == ["structure/not-an-object"]
    assert not report.ok


def test_non_mapping_rows_in_a_batch(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    batch = hersys.check_many([record, None, "x", [record], 1.5], as_of=AS_OF)
    assert batch.records == batch.checked == 5
    kinds = [[f.rule for f in r.findings] for r in batch.reports()]
    assert kinds[0] == []
    assert kinds[1:] == [["structure/not-an-object"]] * 4


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        (("notification", "patient", "age"), "thirty", "structure/type"),
        (("notification", "patient", "age"), [37], "structure/type"),
        (("notification", "patient", "age"), float("inf"), "structure/type"),
        (("notification", "patient", "age"), 10**40, "ranges/age-impossible"),
        (("notification", "patient"), "not an object", "structure/type"),
        (("notification", "diagnosed_on"), "2021-02-30", "formats/date"),
        (("notification", "diagnosed_on"), "yesterday", "formats/date"),
        (("notification", "diagnosed_on"), 20210802, "structure/type"),
        (("notification", "symptoms"), "fever", "structure/type"),
    ],
)
def test_wrong_types_and_unparseable_values(
    hersys: kakunin.RuleSet, record: dict[str, Any], path: tuple[str, ...], value: Any, rule: str
) -> None:
    at = record
    for key in path[:-1]:
        at = at[key]
    at[path[-1]] = value
    report = hersys.check(record, as_of=AS_OF)
    assert rule in {f.rule for f in report.findings}


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT, np.nan, np.datetime64("NaT")], ids=repr)
def test_missing_values_are_not_entered(hersys: kakunin.RuleSet, record: dict[str, Any], missing: Any) -> None:
    record["notification"]["diagnosed_on"] = missing
    report = hersys.check(record, as_of=AS_OF, select="required/dates")
    assert [f.path for f in report.findings] == ["/notification/diagnosed_on"]


def test_foreign_scalars_convert(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    plain = hersys.check(record, as_of=AS_OF)
    record["notification"]["patient"]["age"] = np.int64(record["notification"]["patient"]["age"])
    record["spo2"] = np.float64(record.get("spo2", 98))
    record["notification"]["diagnosed_on"] = datetime.date.fromisoformat(record["notification"]["diagnosed_on"])
    record["notification"]["reported_on"] = pd.Timestamp(record["notification"]["reported_on"]).date()
    record["notification"]["deemed_positive"] = np.bool_(record["notification"]["deemed_positive"])
    assert hersys.check(record, as_of=AS_OF).findings == plain.findings
    # A list column's cells from parquet or pyarrow dtypes are arrays: read as their items.
    symptoms = record["notification"]["symptoms"]
    for array in (np.array(symptoms), pd.Series(symptoms), pa.array(symptoms)):
        record["notification"]["symptoms"] = array
        assert hersys.check(record, as_of=AS_OF).findings == plain.findings, type(array)
    record["notification"]["symptoms"] = np.array([*symptoms, "bogus"])
    found = [(f.rule, f.path) for f in hersys.check(record, as_of=AS_OF).findings]
    assert found == [("codes/symptoms", f"/notification/symptoms/{len(symptoms)}")]
    # A set is read as a list in sorted order (a JS Set is an array too): the item paths of its
    # findings do not depend on string hashing.
    with_bogus = {*symptoms, "zz-bogus", "aa-bogus"}
    record["notification"]["symptoms"] = with_bogus
    found = [(f.rule, f.path) for f in hersys.check(record, as_of=AS_OF).findings]
    in_order = sorted(with_bogus)
    assert found == [("codes/symptoms", f"/notification/symptoms/{in_order.index(bogus)}") for bogus in ("aa-bogus", "zz-bogus")]
    record["notification"]["symptoms"] = sorted(symptoms)
    as_sorted_list = hersys.check(record, as_of=AS_OF).findings
    record["notification"]["symptoms"] = frozenset(symptoms)
    assert hersys.check(record, as_of=AS_OF).findings == as_sorted_list
    record["notification"]["symptoms"] = symptoms
    record["notification"]["patient"]["age"] = decimal.Decimal(str(int(record["notification"]["patient"]["age"])))
    assert hersys.check(record, as_of=AS_OF).findings == plain.findings


def test_midnight_datetimes_in_date_fields_are_days(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    # `df.to_dict("records")` of a frame read with parse_dates gives pd.Timestamp at midnight:
    # check_many of those records finds what check_frame of the frame finds.
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "notification.reported_on": pd.to_datetime(["2021-08-10", "2021-08-01"]),
            "notification.diagnosed_on": pd.to_datetime(["2021-08-10", "2021-08-02"]).tz_localize("Asia/Tokyo"),
        }
    )
    select = ["dates", "formats"]
    found = hersys.check_frame(frame, as_of=AS_OF, select=select, output="dicts")
    assert [(r["position"], r["rule"]) for r in found] == [(1, "dates/report-before-diagnosis")]
    nested = [{"id": r["id"], "notification": {"reported_on": r["notification.reported_on"], "diagnosed_on": r["notification.diagnosed_on"]}} for r in frame.to_dict("records")]
    batch = hersys.check_many(nested, as_of=AS_OF, select=select)
    assert [(f["position"], f["rule"]) for f in batch.findings()] == [(1, "dates/report-before-diagnosis")]
    # Every kind of midnight, anywhere a date field is (in arrays too); not a date-time field,
    # and not a time other than midnight.
    record["notification"]["diagnosed_on"] = datetime.datetime.fromisoformat(record["notification"]["diagnosed_on"])
    record["notification"]["reported_on"] = np.datetime64(record["notification"]["reported_on"], "ns")
    record["tests"][0]["sampled_on"] = pd.Timestamp(record["tests"][0]["sampled_on"], tz="UTC")
    record["workflow"]["registered_at"] = pd.Timestamp("2021-08-11", tz="Asia/Tokyo")
    assert hersys.check(record, as_of=AS_OF).findings == []
    record["notification"]["diagnosed_on"] += datetime.timedelta(hours=9)
    record["notification"]["reported_on"] += np.timedelta64(1, "ns")
    found = [(f.rule, f.path) for f in hersys.check(record, as_of=AS_OF, select="formats").findings]
    assert found == [("formats/date", "/notification/diagnosed_on"), ("formats/date", "/notification/reported_on")]


def test_a_batch_reads_python_values_as_the_json_reader_reads_their_json(
    hersys: kakunin.RuleSet, record: dict[str, Any], tmp_path: Path
) -> None:
    # A batch copies each record into a tape that the checking threads build into a value, as
    # far as each read reads (convert.rs); the oracle is the core's JSON reader on each record's
    # JSON meaning.
    odd, plain = copy.deepcopy(record), copy.deepcopy(record)

    def both(path: tuple[str, ...], odd_value: Any, plain_value: Any) -> None:
        for target, value in ((odd, odd_value), (plain, plain_value)):
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value

    patient = record["notification"]["patient"]
    age = int(patient["age"])
    both(("notification", "patient", "age"), np.int64(age), age)
    name = "山田 太郎 😷 \"quoted\" \\ \n"
    both(("notification", "patient", "name"), name, name)
    both(("notification", "diagnosed_on"), datetime.date(2024, 5, 2), "2024-05-02")
    # A timestamp at midnight in a date field is its day; at another time, its ISO text.
    both(("notification", "reported_on"), pd.Timestamp("2024-05-03"), "2024-05-03")
    stamp = pd.Timestamp("2024-05-03 10:30", tz="Asia/Tokyo")
    both(("notification", "first_visit_on"), stamp, stamp.isoformat())
    both(("notification", "deemed_positive"), np.bool_(False), False)
    both(("notification", "symptoms"), ("fever", "cough"), ["fever", "cough"])
    both(("spo2",), np.float64(97.5), 97.5)
    mapping = types.MappingProxyType({1: math.nan, "big": 2**70, "inf": math.inf})
    both(("extra",), mapping, {"1": None, "big": float(2**70), "inf": "inf"})
    both(("count",), decimal.Decimal("3"), 3.0)

    def with_mistakes(r: dict[str, Any]) -> dict[str, Any]:
        notification = r["notification"]
        patient = {**notification["patient"], "sex": "X"}
        return {**r, "notification": {**notification, "patient": patient, "diagnosed_on": "2024-02-30"}}

    wrong, wrong_plain = with_mistakes(odd), with_mistakes(plain)
    batch = [odd, wrong, record, odd]
    lines = tmp_path / "plain.jsonl"
    lines.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [plain, wrong_plain, record, plain]))

    def found(reports: list[kakunin.Report]) -> list[list[tuple[str, str | None, str]]]:
        return [[(f.rule, f.path, f.message) for f in r.findings] for r in reports]

    for select in (None, ["codes"], ["identity"], ["structure", "formats"]):
        from_python = found(hersys.check_many(batch, as_of=AS_OF, select=select).reports())
        from_json = found(hersys.check_file(lines, as_of=AS_OF, select=select).reports())
        assert from_python == from_json, select
        # A one-shot iterator's records are held for the cross-record pass (`identity`).
        from_iterator = found(hersys.check_many(iter(batch), as_of=AS_OF, select=select).reports())
        assert from_iterator == from_json, select
        assert from_python[0] == from_python[3]
    assert from_python[1] != from_python[0]


def test_hostile_structures(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    record["notification"]["extra"] = loop
    deep: Any = "x"
    for _ in range(10_000):
        deep = [deep]
    record["deep"] = deep
    record[1] = "int key"
    record["odd"] = Odd()
    record["unprintable"] = Unprintable()
    report = hersys.check(record, as_of=AS_OF)
    assert isinstance(report.ok, bool)
    assert hersys.check_many([record, loop, deep], as_of=AS_OF).records == 3


def test_bad_frames(hersys: kakunin.RuleSet) -> None:
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "notification.patient.age": [37, "thirty", None, [1]],  # mixed object column
            "notification.diagnosed_on": ["2021-08-02", "2021-02-30", math.nan, 20210802],
            "tests.0.sampled_on": [pd.NaT, pd.Timestamp("2021-08-01"), None, "soon"],
        }
    )
    rows = hersys.check_frame(df, as_of=AS_OF, select=["structure", "formats"], output="dicts")
    got = {(r["position"], r["rule"], r["path"]) for r in rows}
    assert (1, "structure/type", "/notification/patient/age") in got
    assert (3, "structure/type", "/notification/patient/age") in got
    assert (1, "formats/date", "/notification/diagnosed_on") in got
    # A number in a text field is the text a CSV cell would hold: "20210802" is no date.
    assert (3, "formats/date", "/notification/diagnosed_on") in got
    assert (3, "formats/date", "/tests/0/sampled_on") in got
    assert not any(p in (0, 2) for p, _, _ in got)


def test_arrow_types_without_a_json_form(hersys: kakunin.RuleSet) -> None:
    table = pa.table(
        {
            "id": pa.array(["a", None]),
            "notification.patient.age": pa.array([decimal.Decimal("37.0"), None], type=pa.decimal128(5, 1)),
            "notification.diagnosed_on": pa.array([datetime.date(2021, 8, 2), None], type=pa.date32()),
            "blob": pa.array([b"\xff\xfe", None], type=pa.binary()),
            "when": pa.array([datetime.time(9, 30), None], type=pa.time32("s")),
            "notification.symptoms": pa.array([["fever"], None], type=pa.list_(pa.string())),
        }
    )
    # The two columns with no record field are kept under their headers, and the user is told.
    with pytest.warns(kakunin.KakuninWarning, match="「blob」.*「when」"):
        rows = hersys.check_frame(table, as_of=AS_OF, select=["structure", "formats", "codes"], output="dicts")
    assert not any(r["position"] == 0 and r["rule"] == "structure/type" for r in rows)
