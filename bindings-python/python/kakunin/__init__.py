"""kakunin (確認): data-quality rules for HER-SYS case records, from Python.

The same compiled rules as the Rust core, the command line and the browser::

    >>> import kakunin
    >>> rules = kakunin.RuleSet.bundled("hersys")
    >>> report = rules.check({"id": "r1", "notification": {"diagnosed_on": "2021-03-02",
    ...     "reported_on": "2021-03-01"}}, as_of="2024-06-01", select="dates", locale="en")
    >>> report.ok
    False
    >>> report.findings[0].rule
    'dates/report-before-diagnosis'

Batches run in Rust on all cores with the interpreter released: ``rules.check_many(records)``,
``rules.check_file(path)``, ``rules.check_frame(frame)`` (pandas, polars, pyarrow) and
``rules.summary(data, by=[...])``; ``rules.summarize(data).to_html(path)`` writes the quality
report of ``kakunin report``. Problems in records are findings; only engine failures raise
``KakuninError`` (``PackError``, ``ScriptError``, ``InputError``, ``OptionsError``).
"""

from __future__ import annotations

import sys as _sys

if _sys.version_info >= (3, 11):
    from typing import Any as _Any
    from typing import TypedDict as _TypedDict
else:  # pragma: no cover
    from typing import Any as _Any
    from typing import TypedDict as _TypedDict

from ._kakunin import (
    Batch,
    Finding,
    InputError,
    KakuninError,
    KakuninWarning,
    OptionsError,
    PackError,
    Report,
    RuleSet,
    ScriptError,
    Summary,
    __version__,
)

__all__ = [
    "Batch",
    "Finding",
    "FindingDict",
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
]


class FindingDict(_TypedDict):
    """A finding as a plain dict (``Finding.to_dict()``; the keys of the core's JSON)."""

    rule: str
    severity: str
    message: str
    path: str
    paths: list[str]
    ctx: dict[str, _Any]
    help: str
    acknowledged: bool
