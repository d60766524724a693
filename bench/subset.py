"""The comparison subset: thirteen HER-SYS rules that every compared tool can express, written by
hand once as plain Python (over one record at a time) and once as vectorised pandas (over a frame
of the flat CSV layout that `kakunin sample --format csv` writes, read with `dtype=str`).

| kakunin rule                    | what the hand-written versions check                              |
|---------------------------------|-------------------------------------------------------------------|
| required/dates                  | notification.reported_on and .diagnosed_on entered                 |
| required/case-class             | notification.case_class entered                                    |
| codes/sex                       | notification.patient.sex and basic.sex in {male, female} (in a table, their labels read as codes) |
| codes/case-class                | notification.case_class in the five codes                          |
| formats/date                    | every date field a real YYYY-MM-DD date, every timestamp RFC 3339  |
| dates/report-before-diagnosis   | diagnosed_on <= reported_on (both valid)                           |
| dates/onset-after-diagnosis     | onset_on <= diagnosed_on (both valid)                              |
| ranges/age-impossible           | age in 0..120, age_months in 0..11 (numbers)                       |
| ranges/age-mismatch             | age (and for age 0 the months) = whole years from birth_date to diagnosed_on |
| codes/municipality              | municipality_code six ASCII digits, check digit, prefix 01..47     |
| crosstab/death-status-mismatch  | a readable death date with a care status other than deceased; two death dates that differ |
| scope/after-class5              | diagnosed on or after 2023-05-08                                   |
| scope/before-designation        | diagnosed before 2020-02-01                                        |

"Entered" is the engine's: present and, for text, not blank. The hand-written versions are simpler
than the rules (no messages, no ctx, no masking of personal values, one field per finding), so
they are a lower bound on the work a user's own code would do. Each finding is (rule, field).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

RULES = [
    "required/dates",
    "required/case-class",
    "codes/sex",
    "codes/case-class",
    "formats/date",
    "dates/report-before-diagnosis",
    "dates/onset-after-diagnosis",
    "ranges/age-impossible",
    "ranges/age-mismatch",
    "codes/municipality",
    "crosstab/death-status-mismatch",
    "scope/after-class5",
    "scope/before-designation",
]

SCHEMA = Path(__file__).resolve().parents[1] / "rules" / "hersys" / "record.schema.json"

SEX = {"male", "female"}
CASE_CLASS = {"patient", "asymptomatic", "suspected", "dead_confirmed", "dead_suspected"}


def code_labels(list_name: str) -> dict[str, str]:
    """A code list's Japanese and English labels to its codes: a table's code column may hold
    them (`女`), and the pack's CSV mapping reads them as the codes."""
    import tomllib

    codes = tomllib.loads((SCHEMA.parent / "codes.toml").read_text(encoding="utf-8"))[list_name]
    return {label: code for code, names in codes.items() for label in names.values() if label not in codes}


# What a table's cell is read as: the code of a label, else the cell.
TABLE_CODES = {SEX1_: code_labels("sex") for SEX1_ in ("notification.patient.sex", "basic.sex")} | {
    "notification.case_class": code_labels("case_class")
}
CLASS5 = datetime.date(2023, 5, 8)
DESIGNATED = datetime.date(2020, 2, 1)

# The fields the checks read, as dotted paths (the flat CSV's headers).
REP, DX, ONSET = "notification.reported_on", "notification.diagnosed_on", "notification.onset_on"
CLS, SEX1, SEX2 = "notification.case_class", "notification.patient.sex", "basic.sex"
AGE, MONTHS = "notification.patient.age", "notification.patient.age_months"
BIRTH, MUNI = "notification.patient.birth_date", "notification.patient.municipality_code"
DIED_FORM, DIED_RECORD, STATUS = "notification.died_on", "record.died_on", "record.care_status"
FIELDS = [REP, DX, ONSET, CLS, SEX1, SEX2, AGE, MONTHS, BIRTH, MUNI, DIED_FORM, DIED_RECORD, STATUS]

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
MUNI_WEIGHTS = (6, 5, 4, 3, 2)


def schema_patterns(fmt: str) -> list[str]:
    """Dotted paths of the record schema's fields with this format (`*` for array elements)."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node: dict[str, Any], path: list[str]) -> None:
        if node.get("format") == fmt:
            found.append(".".join(path))
        for key, child in node.get("properties", {}).items():
            walk(child, path + [key])
        if isinstance(node.get("items"), dict):
            walk(node["items"], path + ["*"])

    walk(schema, [])
    return found


def flat_columns(fmt: str, headers: list[str]) -> list[str]:
    """The flat CSV's columns whose field has this format (`tests.0.sampled_on` for `tests.*.sampled_on`)."""
    patterns = set(schema_patterns(fmt))
    return [h for h in headers if ".".join("*" if p.isdigit() else p for p in h.split(".")) in patterns]


# --- one record at a time -------------------------------------------------------------------

def entered(v: Any) -> bool:
    return v is not None and (not isinstance(v, str) or bool(v.strip()))


def day(v: Any) -> datetime.date | None:
    if not isinstance(v, str):
        return None
    v = v.strip()
    if not DATE.match(v):
        return None
    try:
        return datetime.date(int(v[:4]), int(v[5:7]), int(v[8:10]))
    except ValueError:
        return None


def timestamp_ok(v: str) -> bool:
    v = v.strip()
    if not TIMESTAMP.match(v):
        return False
    try:
        datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def number(v: Any, text_ok: bool) -> float | None:
    """A JSON number; from CSV text (`text_ok`) also a number written as text."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if text_ok and isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def municipality_problem(v: Any) -> str | None:
    if not entered(v) or isinstance(v, bool) or not isinstance(v, (str, int)):
        return None
    code = str(v).strip()
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return "format"
    digits = [int(c) for c in code]
    if (11 - sum(w * d for w, d in zip(MUNI_WEIGHTS, digits)) % 11) % 10 != digits[5]:
        return "check-digit"
    if not 1 <= int(code[:2]) <= 47:
        return "prefix"
    return None


def whole_months(birth: datetime.date, on: datetime.date) -> int:
    return (on.year - birth.year) * 12 + (on.month - birth.month) - (on.day < birth.day)


def record_findings(
    get: Callable[[str], Any], dates: list[Any], stamps: list[Any], text_numbers: bool
) -> list[tuple[str, str]]:
    """The subset's findings of one record. `get` reads a dotted path; `dates` and `stamps` are
    the values of every date and timestamp field; `text_numbers` reads numbers written as text
    (a CSV cell), as the pack's CSV mapping does."""
    found: list[tuple[str, str]] = []
    for col in (REP, DX):
        if not entered(get(col)):
            found.append(("required/dates", col))
    cls = get(CLS)
    if not entered(cls):
        found.append(("required/case-class", CLS))
    elif isinstance(cls, str) and cls.strip() not in CASE_CLASS:
        found.append(("codes/case-class", CLS))
    for col in (SEX1, SEX2):
        v = get(col)
        if entered(v) and isinstance(v, str) and v.strip() not in SEX:
            found.append(("codes/sex", col))
    for v in dates:
        if isinstance(v, str) and v.strip() and day(v) is None:
            found.append(("formats/date", "date"))
    for v in stamps:
        if isinstance(v, str) and v.strip() and not timestamp_ok(v):
            found.append(("formats/date", "timestamp"))
    rep, dx, onset = day(get(REP)), day(get(DX)), day(get(ONSET))
    if rep and dx and rep < dx:
        found.append(("dates/report-before-diagnosis", REP))
    if onset and dx and dx < onset:
        found.append(("dates/onset-after-diagnosis", ONSET))
    age = number(get(AGE), text_numbers)
    if age is not None and not 0 <= age <= 120:
        found.append(("ranges/age-impossible", AGE))
    months = number(get(MONTHS), text_numbers)
    if months is not None and not 0 <= months <= 11:
        found.append(("ranges/age-impossible", MONTHS))
    birth = day(get(BIRTH))
    if birth and dx and age is not None:
        m = whole_months(birth, dx)
        if m >= 0 and age != m // 12:
            found.append(("ranges/age-mismatch", AGE))
        elif m >= 0 and m < 12 and months is not None and months != m:
            found.append(("ranges/age-mismatch", MONTHS))
    if municipality_problem(get(MUNI)):
        found.append(("codes/municipality", MUNI))
    died = [d for d in (day(get(DIED_RECORD)), day(get(DIED_FORM))) if d]
    status = get(STATUS)
    if died and entered(status) and (not isinstance(status, str) or status.strip() != "deceased"):
        found.append(("crosstab/death-status-mismatch", STATUS))
    if len(died) == 2 and died[0] != died[1]:
        found.append(("crosstab/death-status-mismatch", DIED_RECORD))
    if dx and dx >= CLASS5:
        found.append(("scope/after-class5", DX))
    if dx and dx < DESIGNATED:
        found.append(("scope/before-designation", DX))
    return found


def values_at(node: Any, parts: list[str]) -> Iterator[Any]:
    """Every value at a dotted pattern in a nested record, `*` over array elements."""
    for i, part in enumerate(parts):
        if part == "*":
            if isinstance(node, list):
                for item in node:
                    yield from values_at(item, parts[i + 1 :])
            return
        if not isinstance(node, dict):
            return
        node = node.get(part)
    yield node


class NestedRecord:
    """The plain-loop view of a parsed JSON record: dotted look-ups and the date fields."""

    def __init__(self) -> None:
        self.dates = [p.split(".") for p in schema_patterns("date")]
        self.stamps = [p.split(".") for p in schema_patterns("date-time")]

    def findings(self, record: Any) -> list[tuple[str, str]]:
        if not isinstance(record, dict):
            return [("structure", "")]

        def get(path: str) -> Any:
            node = record
            for key in path.split("."):
                if not isinstance(node, dict):
                    return None
                node = node.get(key)
            return node

        dates = [v for p in self.dates for v in values_at(record, p)]
        stamps = [v for p in self.stamps for v in values_at(record, p)]
        return record_findings(get, dates, stamps, text_numbers=False)


class FlatRow:
    """The plain-loop view of a flat CSV row (`csv.DictReader`)."""

    def __init__(self, headers: list[str]) -> None:
        self.dates = flat_columns("date", headers)
        self.stamps = flat_columns("date-time", headers)

    def findings(self, row: dict[str, str]) -> list[tuple[str, str]]:
        def get(col: str) -> Any:
            v = row.get(col)
            if v and col in TABLE_CODES:
                v = TABLE_CODES[col].get(v.strip(), v)
            return v if v else None

        dates = [row.get(c) for c in self.dates]
        stamps = [row.get(c) for c in self.stamps]
        return record_findings(get, dates, stamps, text_numbers=True)


# --- vectorised pandas over the flat frame ----------------------------------------------------

class Columns:
    """A frame's columns as text, dates and numbers, each converted once when first asked for."""

    def __init__(self, frame: Any) -> None:
        self.frame = frame
        self._cache: dict[tuple[str, str], Any] = {}

    def _get(self, kind: str, name: str, make: Callable[[], Any]) -> Any:
        key = (kind, name)
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def text(self, name: str) -> Any:
        import pandas as pd

        def make() -> Any:
            if name in self.frame.columns:
                return self.frame[name].astype("string").str.strip()
            return pd.Series(pd.NA, index=self.frame.index, dtype="string")

        return self._get("text", name, make)

    def entered(self, name: str) -> Any:
        return self._get("entered", name, lambda: (self.text(name).fillna("") != "").astype(bool))

    def date(self, name: str) -> Any:
        import pandas as pd

        return self._get("date", name, lambda: pd.to_datetime(self.text(name), format="%Y-%m-%d", errors="coerce"))

    def number(self, name: str) -> Any:
        import pandas as pd

        return self._get("number", name, lambda: pd.to_numeric(self.text(name), errors="coerce"))


def frame_predicates(headers: list[str]) -> dict[str, Callable[[Columns], Any]]:
    """The subset as vectorised pandas: {name: predicate}, each giving a boolean Series that is
    True where a finding is; one entry per (rule, field)."""
    import pandas as pd

    def bad_stamp(c: Columns, name: str) -> Any:
        s = c.text(name)
        shape = s.str.fullmatch(TIMESTAMP.pattern).fillna(False).astype(bool)
        parsed = pd.to_datetime(s.where(shape), format="ISO8601", errors="coerce", utc=True)
        return c.entered(name) & parsed.isna()

    def months_from_birth(c: Columns) -> Any:
        dx, birth = c.date(DX), c.date(BIRTH)
        return (dx.dt.year - birth.dt.year) * 12 + (dx.dt.month - birth.dt.month) - (dx.dt.day < birth.dt.day)

    def age_mismatch(c: Columns, of_months: bool) -> Any:
        m, age, months = months_from_birth(c), c.number(AGE), c.number(MONTHS)
        known = m.notna() & age.notna() & (m >= 0)
        if not of_months:
            return (known & (age != m // 12)).fillna(False).astype(bool)
        return (known & (age == m // 12) & (m < 12) & months.notna() & (months != m)).fillna(False).astype(bool)

    def municipality(c: Columns) -> Any:
        code = c.text(MUNI)
        six = code.str.fullmatch(r"[0-9]{6}").fillna(False).astype(bool)
        digits = [pd.to_numeric(code.str[i], errors="coerce") for i in range(6)]
        check = (11 - sum(w * d for w, d in zip(MUNI_WEIGHTS, digits)) % 11) % 10
        prefix = pd.to_numeric(code.str[:2], errors="coerce")
        wrong = (~six | (check != digits[5]) | ~prefix.between(1, 47)).fillna(True).astype(bool)
        return c.entered(MUNI) & wrong

    def death_status(c: Columns) -> Any:
        some_death = c.date(DIED_RECORD).notna() | c.date(DIED_FORM).notna()
        return some_death & c.entered(STATUS) & (c.text(STATUS) != "deceased").fillna(True).astype(bool)

    def death_dates(c: Columns) -> Any:
        a, b = c.date(DIED_RECORD), c.date(DIED_FORM)
        return a.notna() & b.notna() & (a != b)

    def before(a: str, b: str) -> Callable[[Columns], Any]:
        return lambda c: (c.date(a) < c.date(b)).fillna(False).astype(bool)

    def outside(name: str, lo: int, hi: int) -> Callable[[Columns], Any]:
        return lambda c: c.number(name).notna() & ~c.number(name).between(lo, hi)

    def not_in(name: str, codes: set[str]) -> Callable[[Columns], Any]:
        # A table's cell may hold a code's label, read as the code (TABLE_CODES).
        accepted = codes | set(TABLE_CODES.get(name, {}))
        return lambda c: c.entered(name) & ~c.text(name).str.strip().isin(accepted).fillna(False).astype(bool)

    preds: dict[str, Callable[[Columns], Any]] = {}
    for name in (REP, DX):
        preds[f"required/dates {name}"] = lambda c, name=name: ~c.entered(name)
    preds["required/case-class"] = lambda c: ~c.entered(CLS)
    preds["codes/case-class"] = not_in(CLS, CASE_CLASS)
    for name in (SEX1, SEX2):
        preds[f"codes/sex {name}"] = not_in(name, SEX)
    for name in flat_columns("date", headers):
        preds[f"formats/date {name}"] = lambda c, name=name: c.entered(name) & c.date(name).isna()
    for name in flat_columns("date-time", headers):
        preds[f"formats/date {name}"] = lambda c, name=name: bad_stamp(c, name)
    preds["dates/report-before-diagnosis"] = before(REP, DX)
    preds["dates/onset-after-diagnosis"] = before(DX, ONSET)
    preds["ranges/age-impossible age"] = outside(AGE, 0, 120)
    preds["ranges/age-impossible months"] = outside(MONTHS, 0, 11)
    preds["ranges/age-mismatch age"] = lambda c: age_mismatch(c, of_months=False)
    preds["ranges/age-mismatch months"] = lambda c: age_mismatch(c, of_months=True)
    preds["codes/municipality"] = municipality
    preds["crosstab/death-status-mismatch status"] = death_status
    preds["crosstab/death-status-mismatch dates"] = death_dates
    preds["scope/after-class5"] = lambda c: (c.date(DX) >= pd.Timestamp(CLASS5)).fillna(False).astype(bool)
    preds["scope/before-designation"] = lambda c: (c.date(DX) < pd.Timestamp(DESIGNATED)).fillna(False).astype(bool)
    return preds


def pandas_findings(frame: Any) -> int:
    """Vectorised pandas as an analyst would write it: each column converted once."""
    c = Columns(frame)
    return sum(int(p(c).sum()) for p in frame_predicates(list(frame.columns)).values())


def pandera_schema(headers: list[str]) -> Any:
    """The subset as a pandera DataFrameSchema, one frame-wide check per predicate (True where a
    row passes). Each check converts the columns it reads, as independent pandera checks do."""
    import pandera.pandas as pa

    def passes(pred: Callable[[Columns], Any]) -> Callable[[Any], Any]:
        return lambda df: ~pred(Columns(df))

    checks = [pa.Check(passes(p), name=n) for n, p in frame_predicates(headers).items()]
    return pa.DataFrameSchema(checks=checks, coerce=False)
