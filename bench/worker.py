"""One measurement in a fresh interpreter: `python bench/worker.py TOOL FILE [--limit N]`.

Set-up (imports, compiling the pack, reading a frame or parsing records that the tool is given
already parsed) happens before the clock; only the tool's own work is timed. Prints one JSON
line: {"seconds", "records", "findings", "note"}. bench/harness.py runs it as a subprocess, so
the peak memory it reads for the process is this measurement's alone.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subset  # noqa: E402

AS_OF = "2026-11-01"
# A tool is a set-up that returns the timed part: a function giving (records, findings).
Timed = Callable[[], tuple[int, int]]


def kakunin_rules() -> Any:
    import kakunin

    return kakunin.RuleSet.bundled("hersys")


def read_frame(path: Path, limit: int | None) -> Any:
    import pandas as pd
    import pyarrow  # noqa: F401  (pandas' string columns are Arrow arrays: loaded before the clock)

    frame = pd.read_csv(path, dtype=str, nrows=limit)
    return frame


def read_records(path: Path, limit: int | None) -> list[Any]:
    records = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                records.append(json.loads(line))
            if limit and len(records) >= limit:
                break
    return records


# --- from a file ---------------------------------------------------------------------------

def check_file(select: list[str] | None) -> Callable[[Path, int | None], Timed]:
    def setup(path: Path, limit: int | None) -> Timed:
        rules = kakunin_rules()

        def run() -> tuple[int, int]:
            batch = rules.check_file(path, as_of=AS_OF, select=select)
            return batch.records, sum(batch.counts.values())

        return run

    return setup


def json_loads(path: Path, limit: int | None) -> Timed:
    def run() -> tuple[int, int]:
        n = 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                json.loads(line)
                n += 1
        return n, 0

    return run


def json_loop(path: Path, limit: int | None) -> Timed:
    view = subset.NestedRecord()

    def run() -> tuple[int, int]:
        n = found = 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                found += len(view.findings(json.loads(line)))
                n += 1
        return n, found

    return run


def csv_reader(path: Path, limit: int | None) -> Timed:
    def run() -> tuple[int, int]:
        with open(path, encoding="utf-8", newline="") as f:
            n = sum(1 for _ in csv.DictReader(f))
        return n, 0

    return run


def csv_loop(path: Path, limit: int | None) -> Timed:
    def run() -> tuple[int, int]:
        n = found = 0
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            view = subset.FlatRow(list(reader.fieldnames or []))
            for row in reader:
                found += len(view.findings(row))
                n += 1
        return n, found

    return run


# --- from a pandas frame -------------------------------------------------------------------

def check_frame(select: list[str] | None) -> Callable[[Path, int | None], Timed]:
    def setup(path: Path, limit: int | None) -> Timed:
        rules = kakunin_rules()
        frame = read_frame(path, limit)

        def run() -> tuple[int, int]:
            found = rules.check_frame(frame, as_of=AS_OF, select=select, output="pyarrow")
            return len(frame), found.num_rows

        return run

    return setup


def pandas_vectorised(path: Path, limit: int | None) -> Timed:
    frame = read_frame(path, limit)
    return lambda: (len(frame), subset.pandas_findings(frame))


def pandera(path: Path, limit: int | None) -> Timed:
    import pandera.errors

    frame = read_frame(path, limit)
    schema = subset.pandera_schema(list(frame.columns))

    def run() -> tuple[int, int]:
        try:
            schema.validate(frame, lazy=True)
            return len(frame), 0
        except pandera.errors.SchemaErrors as e:
            return len(frame), len(e.failure_cases.drop_duplicates(["check", "index"]))

    return run


def great_expectations(path: Path, limit: int | None) -> Timed:
    import pandas as pd

    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    frame = read_frame(path, limit)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batches = context.data_sources.add_pandas("bench").add_dataframe_asset("frame")
    definition = batches.add_batch_definition_whole_dataframe("all")
    suite = context.suites.add(subset_suite(gx, list(frame.columns)))

    def run() -> tuple[int, int]:
        # Great Expectations compares numbers only in numeric columns: converting them is part
        # of what a user of it has to do.
        typed = frame.assign(**{c: pd.to_numeric(frame[c], errors="coerce") for c in (subset.AGE, subset.MONTHS)})
        result = definition.get_batch(batch_parameters={"dataframe": typed}).validate(suite, result_format="SUMMARY")
        failed = [r for r in result.results if r.exception_info.get("raised_exception")]
        if failed:
            raise SystemExit(f"great_expectations: {failed[0].exception_info}")
        return len(frame), sum(r.result.get("unexpected_count") or 0 for r in result.results)

    return run


def subset_suite(gx: Any, headers: list[str]) -> Any:
    """The subset in Great Expectations' built-in expectations. It has none for the age against
    the birth date or the municipality check digit (those would need custom expectation
    classes): the first is left out and the code's form (six digits) stands for the second, so
    it does less work than the other tools."""
    E = gx.expectations
    s = subset

    def quoted(col: str) -> str:
        return f"`{col}`"

    exps = [E.ExpectColumnValuesToNotBeNull(column=c) for c in (s.REP, s.DX, s.CLS)]
    exps.append(E.ExpectColumnValuesToBeInSet(column=s.CLS, value_set=sorted(s.CASE_CLASS)))
    exps += [E.ExpectColumnValuesToBeInSet(column=c, value_set=sorted(s.SEX)) for c in (s.SEX1, s.SEX2) if c in headers]
    exps += [
        E.ExpectColumnValuesToMatchStrftimeFormat(column=c, strftime_format="%Y-%m-%d")
        for c in s.flat_columns("date", headers)
    ]
    exps += [E.ExpectColumnValuesToMatchRegex(column=c, regex=s.TIMESTAMP.pattern) for c in s.flat_columns("date-time", headers)]
    exps += [
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A=s.REP, column_B=s.DX, or_equal=True, ignore_row_if="either_value_is_missing"),
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A=s.DX, column_B=s.ONSET, or_equal=True, ignore_row_if="either_value_is_missing"),
        E.ExpectColumnValuesToBeBetween(column=s.AGE, min_value=0, max_value=120),
        E.ExpectColumnValuesToBeBetween(column=s.MONTHS, min_value=0, max_value=11),
        E.ExpectColumnValuesToMatchRegex(column=s.MUNI, regex=r"^\s*[0-9]{6}\s*$"),
        E.ExpectColumnPairValuesToBeEqual(column_A=s.DIED_RECORD, column_B=s.DIED_FORM, ignore_row_if="either_value_is_missing"),
        E.ExpectColumnValuesToBeInSet(
            column=s.STATUS,
            value_set=["deceased"],
            row_condition=f"{quoted(s.DIED_RECORD)}.notnull() or {quoted(s.DIED_FORM)}.notnull()",
            condition_parser="pandas",
        ),
        E.ExpectColumnValuesToBeNull(column=s.DX, row_condition=f"{quoted(s.DX)} >= '2023-05-08'", condition_parser="pandas"),
        E.ExpectColumnValuesToBeNull(column=s.DX, row_condition=f"{quoted(s.DX)} < '2020-02-01'", condition_parser="pandas"),
    ]
    suite = gx.ExpectationSuite(name="hersys-subset")
    for e in exps:
        suite.add_expectation(e)
    return suite


# --- the structural subset: JSON Schema over parsed records -----------------------------------

def schema_document() -> Any:
    return json.loads(subset.SCHEMA.read_text(encoding="utf-8"))


def count_invalid(records: list[Any], is_valid: Callable[[Any], bool]) -> tuple[int, int]:
    return len(records), sum(1 for r in records if not is_valid(r))


def jsonschema_rs(path: Path, limit: int | None) -> Timed:
    import jsonschema_rs as js

    validator = js.validator_for(schema_document(), validate_formats=True)
    records = read_records(path, limit)
    return lambda: count_invalid(records, validator.is_valid)


def jsonschema_rs_file(path: Path, limit: int | None) -> Timed:
    """jsonschema-rs as it meets a file: every line through `json.loads`, then validated."""
    import jsonschema_rs as js

    validator = js.validator_for(schema_document(), validate_formats=True)

    def run() -> tuple[int, int]:
        n = invalid = 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                invalid += not validator.is_valid(json.loads(line))
                n += 1
        return n, invalid

    return run


def fastjsonschema(path: Path, limit: int | None) -> Timed:
    import fastjsonschema as fj

    validate = fj.compile(schema_document())

    def is_valid(record: Any) -> bool:
        try:
            validate(record)
            return True
        except fj.JsonSchemaException:
            return False

    records = read_records(path, limit)
    return lambda: count_invalid(records, is_valid)


def jsonschema_py(path: Path, limit: int | None) -> Timed:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema_document(), format_checker=jsonschema.FormatChecker())
    records = read_records(path, limit)
    return lambda: count_invalid(records, validator.is_valid)


def check_many(select: list[str] | None) -> Callable[[Path, int | None], Timed]:
    def setup(path: Path, limit: int | None) -> Timed:
        rules = kakunin_rules()
        records = read_records(path, limit)

        def run() -> tuple[int, int]:
            batch = rules.check_many(records, as_of=AS_OF, select=select)
            return batch.records, sum(batch.counts.values())

        return run

    return setup


TOOLS: dict[str, Callable[[Path, int | None], Timed]] = {
    "check_file": check_file(subset.RULES),
    "check_file-full": check_file(None),
    "python-loop": json_loop,
    "json.loads": json_loads,
    "python-loop-csv": csv_loop,
    "csv.DictReader": csv_reader,
    "check_frame": check_frame(subset.RULES),
    "check_frame-full": check_frame(None),
    "pandas": pandas_vectorised,
    "pandera": pandera,
    "great_expectations": great_expectations,
    "check_many-full": check_many(None),
    "check_many-structural": check_many(["structure", "formats/date"]),
    "jsonschema-rs": jsonschema_rs,
    "json.loads+jsonschema-rs": jsonschema_rs_file,
    "fastjsonschema": fastjsonschema,
    "jsonschema": jsonschema_py,
}


def main() -> None:
    tool, path = sys.argv[1], Path(sys.argv[2])
    limit = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--limit" else None
    run = TOOLS[tool](path, limit)
    start = time.perf_counter()
    records, findings = run()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "records": records, "findings": findings}))


if __name__ == "__main__":
    main()
