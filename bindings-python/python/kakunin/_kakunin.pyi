"""Type stubs of the native module ``kakunin._kakunin`` (checked by tests/test_stubs.py)."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypedDict, final

__version__: str
__all__ = [
    "Batch",
    "Finding",
    "InputError",
    "KakuninError",
    "KakuninWarning",
    "OptionsError",
    "PackError",
    "Report",
    "RuleSet",
    "ScriptError",
    "Summary",
    "__version__",
    "_example_cases",
]

_Stage = Literal["submit", "draft"]
_Locale = Literal["ja", "en"]
# Every `output=` value: "records" and "list" are other names for "dicts", "pyarrow" for "arrow".
_Output = Literal["dicts", "records", "list", "pandas", "polars", "arrow", "pyarrow"]
_Names = str | Sequence[str]

# A period in force: days as "YYYY-MM-DD", None where it is open.
_Period = TypedDict("_Period", {"from": str | None, "until": str | None})

class _Applies(_Period):
    prefectures: dict[str, _Period]

class _RuleInfo(TypedDict):
    """A rule as ``RuleSet.rules()`` (and the CLI, and the JS ``list()``) describe it."""

    id: str
    group: str
    severity: Literal["error", "warning", "info"]
    tiers: list[Literal["hc", "pref", "nat"]]
    title: str
    title_en: str
    stage: _Stage
    cross_record: bool
    checks: list[str]
    applies: _Applies

class _FieldInfo(TypedDict):
    """A field of the record schema as ``RuleSet.fields()`` (and the JS ``fields()``) give it."""

    path: str
    title: str
    title_en: str
    format: str | None
    sensitive: bool
    types: list[str]

class KakuninError(Exception):
    """Something stopped kakunin from judging records. ``kind`` is the core's name for it."""

    kind: str

class PackError(KakuninError):
    """A pack is malformed, or a file it needs (``pack.toml``...) is absent (``kind == "pack"``).

    A pack folder that does not exist is an ``InputError``; an unknown bundled pack an
    ``OptionsError``.
    """

    file: str
    rule: str | None

class ScriptError(KakuninError):
    """A rule's script broke its limits (``"script-limit"``) or failed (``"script"``)."""

    rule: str
    line: int
    column: int

class InputError(KakuninError):
    """An input could not be read at all: a missing file, a pack folder that does not exist
    (``kind == "input"``)."""

    path: str

class OptionsError(KakuninError):
    """An option kakunin does not understand, an unknown ``output=`` or bundled pack
    (``"invalid-option"``, ``"unknown-selector"``)."""

class KakuninWarning(UserWarning):
    """What a reader decided that a user should know: a column that maps to no field (or no
    column that maps at all: the wrong pack or the wrong file), two columns for one field. Warned
    by ``check_file``, ``check_frame``, ``summary`` and ``summarize`` (also in ``Batch.notes``),
    in the call's ``locale`` as its findings are (Japanese unless ``locale="en"``)."""

@final
class Finding:
    """One problem found in a record; equals the plain dict with the same keys."""

    @property
    def rule(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def paths(self) -> list[str]: ...
    @property
    def ctx(self) -> dict[str, Any]: ...
    @property
    def help(self) -> str: ...
    @property
    def acknowledged(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...
    def keys(self) -> list[str]: ...
    def __getitem__(self, key: str, /) -> Any: ...
    def __contains__(self, key: object, /) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[str]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...

@final
class Report:
    """The result of checking one record."""

    @property
    def findings(self) -> list[Finding]: ...
    @property
    def ok(self) -> bool: ...
    @property
    def counts(self) -> dict[str, int]: ...
    @property
    def pack(self) -> dict[str, str]: ...
    @property
    def reference_date(self) -> str | None: ...
    @property
    def id(self) -> str | None: ...
    @property
    def position(self) -> int: ...
    @property
    def line(self) -> int | None: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_json(self, indent: int | None = None) -> str: ...
    def _repr_html_(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...

@final
class Batch:
    """The outcome of ``check_many`` or ``check_file``: one entry per input record."""

    def __len__(self) -> int: ...
    @property
    def records(self) -> int: ...
    @property
    def checked(self) -> int: ...
    @property
    def unreadable(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def ok(self) -> bool: ...
    @property
    def counts(self) -> dict[str, int]: ...
    @property
    def pack(self) -> dict[str, str]: ...
    @property
    def notes(self) -> list[str]: ...
    def reports(self) -> list[Report]: ...
    def problems(self) -> list[dict[str, Any]]: ...
    def findings(self, output: _Output | None = None) -> Any: ...
    def _repr_html_(self) -> str: ...

@final
class Summary:
    """A quality report of a batch (``RuleSet.summarize``): the numbers of ``kakunin report``."""

    @property
    def totals(self) -> dict[str, int]: ...
    @property
    def by(self) -> str | None: ...
    def rules(self, output: _Output | None = None) -> Any: ...
    def breakdown(self, output: _Output | None = None) -> Any: ...
    def groups(self, output: _Output | None = None) -> Any: ...
    def periods(self, output: _Output | None = None) -> Any: ...
    def completeness(self, output: _Output | None = None) -> Any: ...
    def duplicates(self, output: _Output | None = None) -> Any: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_html(self, path: str | os.PathLike[str] | None = None) -> str | None: ...
    def _repr_html_(self) -> str: ...

@final
class RuleSet:
    """A pack compiled once: immutable, shareable between threads."""

    @staticmethod
    def bundled(name: str) -> RuleSet: ...
    @staticmethod
    def from_path(path: str | os.PathLike[str]) -> RuleSet: ...
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def hash(self) -> str: ...
    @property
    def pack(self) -> dict[str, str]: ...
    def rules(
        self, *, as_of: str | datetime.date | None = None, prefecture: str | None = None
    ) -> list[_RuleInfo]: ...
    def fields(self) -> list[_FieldInfo]: ...
    def codes(self) -> dict[str, dict[str, dict[Literal["ja", "en"], str]]]: ...
    def check(
        self,
        record: Any,
        *,
        as_of: str | datetime.date | None = None,
        stage: _Stage = "submit",
        tiers: _Names | None = None,
        select: _Names | None = None,
        ignore: _Names | None = None,
        locale: _Locale = "ja",
        reveal: bool = False,
    ) -> Report: ...
    def check_many(
        self,
        records: Iterable[Any],
        *,
        as_of: str | datetime.date | None = None,
        stage: _Stage = "submit",
        tiers: _Names | None = None,
        select: _Names | None = None,
        ignore: _Names | None = None,
        locale: _Locale = "ja",
        reveal: bool = False,
    ) -> Batch: ...
    def check_file(
        self,
        path: str | os.PathLike[str],
        format: Literal["jsonl", "json", "csv", "xlsx"] | None = None,
        *,
        as_of: str | datetime.date | None = None,
        stage: _Stage = "submit",
        tiers: _Names | None = None,
        select: _Names | None = None,
        ignore: _Names | None = None,
        locale: _Locale = "ja",
        reveal: bool = False,
    ) -> Batch: ...
    def check_frame(
        self,
        frame: Any,
        *,
        output: _Output | None = None,
        as_of: str | datetime.date | None = None,
        stage: _Stage = "submit",
        tiers: _Names | None = None,
        select: _Names | None = None,
        ignore: _Names | None = None,
        locale: _Locale = "ja",
        reveal: bool = False,
    ) -> Any: ...
    def summary(
        self,
        data: Any,
        *,
        by: _Names | None = None,
        format: Literal["jsonl", "json", "csv", "xlsx"] | None = None,
        output: _Output | None = None,
        as_of: str | datetime.date | None = None,
        stage: _Stage = "submit",
        tiers: _Names | None = None,
        select: _Names | None = None,
        ignore: _Names | None = None,
        locale: _Locale = "ja",
        reveal: bool = False,
    ) -> Any: ...
    def summarize(
        self,
        data: Any,
        *,
        by: str | None = None,
        period: Literal["week", "month"] = "week",
        format: Literal["jsonl", "json", "csv", "xlsx"] | None = None,
        output: _Output | None = None,
        as_of: str | datetime.date | None = None,
        stage: _Stage = "submit",
        tiers: _Names | None = None,
        select: _Names | None = None,
        ignore: _Names | None = None,
        locale: _Locale = "ja",
    ) -> Summary: ...

def _example_cases(rules: RuleSet) -> str: ...
