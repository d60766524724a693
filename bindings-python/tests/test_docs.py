"""The examples in the docstrings and in the README run, and give what they say."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import kakunin
from kakunin import _kakunin

README = Path(__file__).resolve().parents[1] / "README.md"


def docstrings() -> list[tuple[str, str]]:
    found = [("kakunin", kakunin.__doc__ or "")]
    for name in dir(_kakunin):
        obj = getattr(_kakunin, name)
        if isinstance(obj, type) or callable(obj):
            found.append((name, obj.__doc__ or ""))
            if isinstance(obj, type):
                for attr, member in vars(obj).items():
                    doc = getattr(member, "__doc__", None)
                    if doc and ">>>" in doc:
                        found.append((f"{name}.{attr}", doc))
    return [(n, d) for n, d in found if ">>>" in d]


DOCSTRINGS = docstrings()


def run(name: str, text: str) -> None:
    parser = doctest.DocTestParser()
    globs = {"kakunin": kakunin, "rules": kakunin.RuleSet.bundled("hersys")}
    test = parser.get_doctest(text, globs, name, None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"


def test_there_are_examples() -> None:
    names = {n for n, _ in DOCSTRINGS}
    assert {"kakunin", "RuleSet", "Report", "Finding", "Batch", "RuleSet.check"} <= names


@pytest.mark.parametrize(("name", "text"), DOCSTRINGS, ids=[n for n, _ in DOCSTRINGS])
def test_docstring_examples(name: str, text: str) -> None:
    run(name, text)


def test_readme_python_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pandas")
    pytest.importorskip("polars")
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    monkeypatch.chdir(tmp_path)
    for i, block in enumerate(blocks):
        if ">>>" in block:
            run(f"README block {i}", block)
        else:
            exec(compile(block, f"README block {i}", "exec"), {})
