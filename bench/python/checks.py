"""The comparison subset: nine HER-SYS rules written by hand, as a plain Python loop and as a
pandera schema, over the flat CSV layout (dotted headers) that `kakunin sample --format csv`
writes.

| kakunin rule                    | what the hand-written versions check                           |
|---------------------------------|----------------------------------------------------------------|
| required/dates                  | notification.reported_on and .diagnosed_on entered              |
| required/case-class             | notification.case_class entered                                 |
| codes/sex                       | notification.patient.sex and basic.sex in {male, female}        |
| codes/case-class                | notification.case_class in the five codes                       |
| formats/date                    | every date field a real YYYY-MM-DD date, every timestamp RFC 3339 |
| dates/report-before-diagnosis   | diagnosed_on <= reported_on (both valid)                        |
| dates/onset-after-diagnosis     | onset_on <= diagnosed_on (both valid)                           |
| ranges/age-impossible           | age in 0..120, age_months in 0..11 (numbers)                    |
| ranges/age-mismatch             | age == whole years from birth_date to diagnosed_on              |

"Entered" is the engine's: a non-blank cell. The hand-written versions are simpler than the
rules (no messages, no ctx, no personal-value masking, no per-field paths), so they are a lower
bound on the work a user's own code would do.
"""

from __future__ import annotations

import datetime
import json
import re
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
]

SEX = {"male", "female"}
CASE_CLASS = {"patient", "asymptomatic", "suspected", "dead_confirmed", "dead_suspected"}
REP, DX, ONSET = "notification.reported_on", "notification.diagnosed_on", "notification.onset_on"
CLS, SEX1, SEX2 = "notification.case_class", "notification.patient.sex", "basic.sex"
AGE, MONTHS, BIRTH = "notification.patient.age", "notification.patient.age_months", "notification.patient.birth_date"

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def schema_fields(fmt: str, headers: list[str]) -> list[str]:
    """The CSV columns whose record field has this JSON Schema format."""
    root = Path(__file__).resolve().parents[2] / "rules" / "hersys" / "record.schema.json"
    schema = json.loads(root.read_text(encoding="utf-8"))
    patterns: set[str] = set()

    def walk(node: dict[str, Any], path: list[str]) -> None:
        if node.get("format") == fmt:
            patterns.add(".".join(path))
        for key, child in node.get("properties", {}).items():
            walk(child, path + [key])
        if "items" in node:
            walk(node["items"], path + ["*"])

    walk(schema, [])
    out = []
    for h in headers:
        pattern = ".".join("*" if p.isdigit() else p for p in h.split("."))
        if pattern in patterns:
            out.append(h)
    return out


def day(text: str) -> datetime.date | None:
    text = text.strip()
    if not DATE.match(text):
        return None
    try:
        return datetime.date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return None


def timestamp_ok(text: str) -> bool:
    text = text.strip()
    if not TIMESTAMP.match(text):
        return False
    try:
        datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def python_row(row: dict[str, str], dates: list[str], stamps: list[str]) -> list[tuple[str, str]]:
    """The findings (rule, column) of one row as a plain Python function."""
    found: list[tuple[str, str]] = []
    get = row.get
    for col in (REP, DX):
        if not (get(col) or "").strip():
            found.append(("required/dates", col))
    cls = (get(CLS) or "").strip()
    if not cls:
        found.append(("required/case-class", CLS))
    elif cls not in CASE_CLASS:
        found.append(("codes/case-class", CLS))
    for col in (SEX1, SEX2):
        v = (get(col) or "").strip()
        if v and v not in SEX:
            found.append(("codes/sex", col))
    for col in dates:
        v = get(col) or ""
        if v.strip() and day(v) is None:
            found.append(("formats/date", col))
    for col in stamps:
        v = get(col) or ""
        if v.strip() and not timestamp_ok(v):
            found.append(("formats/date", col))
    rep, dx, onset = day(get(REP) or ""), day(get(DX) or ""), day(get(ONSET) or "")
    if rep and dx and rep < dx:
        found.append(("dates/report-before-diagnosis", REP))
    if onset and dx and dx < onset:
        found.append(("dates/onset-after-diagnosis", ONSET))
    age = number(get(AGE) or "")
    if age is not None and not 0 <= age <= 120:
        found.append(("ranges/age-impossible", AGE))
    months = number(get(MONTHS) or "")
    if months is not None and not 0 <= months <= 11:
        found.append(("ranges/age-impossible", MONTHS))
    birth = day(get(BIRTH) or "")
    if birth and dx and age is not None:
        m = (dx.year - birth.year) * 12 + (dx.month - birth.month) - (dx.day < birth.day)
        if m >= 0 and age != m // 12:
            found.append(("ranges/age-mismatch", AGE))
    return found


def pandera_schema(headers: list[str]) -> Any:
    """The same checks as a pandera DataFrameSchema (vectorized; lazy validation collects all)."""
    import pandas as pd
    import pandera.pandas as pa

    dates = schema_fields("date", headers)
    stamps = schema_fields("date-time", headers)

    def entered(s: pd.Series) -> pd.Series:
        return s.notna() & (s.astype("string").str.strip() != "")

    def valid_date(s: pd.Series) -> pd.Series:
        parsed = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
        return parsed.notna() | ~entered(s)

    def valid_stamp(s: pd.Series) -> pd.Series:
        shape = s.astype("string").str.match(TIMESTAMP.pattern).fillna(False)
        parsed = pd.to_datetime(s.where(shape), format="ISO8601", errors="coerce", utc=True)
        return parsed.notna() | ~entered(s)

    def dt(df: pd.DataFrame, col: str) -> pd.Series:
        return pd.to_datetime(df[col], format="%Y-%m-%d", errors="coerce")

    def report_after_dx(df: pd.DataFrame) -> pd.Series:
        rep, dx = dt(df, REP), dt(df, DX)
        return ~(rep.notna() & dx.notna() & (rep < dx))

    def onset_before_dx(df: pd.DataFrame) -> pd.Series:
        onset, dx = dt(df, ONSET), dt(df, DX)
        return ~(onset.notna() & dx.notna() & (dx < onset))

    def age_matches(df: pd.DataFrame) -> pd.Series:
        birth, dx = dt(df, BIRTH), dt(df, DX)
        age = pd.to_numeric(df[AGE], errors="coerce")
        months = (dx.dt.year - birth.dt.year) * 12 + (dx.dt.month - birth.dt.month) - (dx.dt.day < birth.dt.day)
        ok = birth.isna() | dx.isna() | age.isna() | (months < 0) | (age == months // 12)
        return ok.fillna(True)

    def in_range(lo: int, hi: int):
        def check(s: pd.Series) -> pd.Series:
            n = pd.to_numeric(s, errors="coerce")
            return n.isna() | n.between(lo, hi)
        return check

    columns: dict[str, Any] = {}
    for col in dates:
        checks = [pa.Check(valid_date, name="formats/date")]
        columns[col] = pa.Column(nullable=True, required=False, checks=checks)
    for col in stamps:
        columns[col] = pa.Column(nullable=True, required=False, checks=[pa.Check(valid_stamp, name="formats/date")])
    for col in (REP, DX):
        columns[col] = pa.Column(
            nullable=False,
            checks=[pa.Check(entered, name="required/dates"), pa.Check(valid_date, name="formats/date")],
        )
    columns[CLS] = pa.Column(nullable=False, checks=[pa.Check.isin(sorted(CASE_CLASS), name="codes/case-class")])
    for col in (SEX1, SEX2):
        columns[col] = pa.Column(nullable=True, required=False, checks=[pa.Check.isin(sorted(SEX), name="codes/sex")])
    columns[AGE] = pa.Column(nullable=True, checks=[pa.Check(in_range(0, 120), name="ranges/age-impossible")])
    columns[MONTHS] = pa.Column(nullable=True, required=False, checks=[pa.Check(in_range(0, 11), name="ranges/age-impossible")])
    return pa.DataFrameSchema(
        columns,
        checks=[
            pa.Check(report_after_dx, name="dates/report-before-diagnosis"),
            pa.Check(onset_before_dx, name="dates/onset-after-diagnosis"),
            pa.Check(age_matches, name="ranges/age-mismatch"),
        ],
        coerce=False,
    )
