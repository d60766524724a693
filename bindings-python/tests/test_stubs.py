"""The hand-written stubs (`_kakunin.pyi`) match the native module.

Two checks: an introspection test that compares every public name and every method signature of
the module with the stubs (always runs), and mypy's `stubtest` (runs where mypy is installed).
"""

from __future__ import annotations

import ast
import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kakunin
from kakunin import _kakunin

STUBS = Path(kakunin.__file__).with_name("_kakunin.pyi")


def stub_tree() -> dict[str, dict[str, list[str] | None]]:
    """Top-level names of the stubs; for classes, their members and parameter names."""
    tree = ast.parse(STUBS.read_text(encoding="utf-8"))
    out: dict[str, dict[str, list[str] | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members: dict[str, list[str] | None] = {}
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    args = item.args
                    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
                    is_property = any(
                        isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list
                    )
                    members[item.name] = None if is_property else names
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members[item.target.id] = None
            out[node.name] = members
        elif isinstance(node, ast.FunctionDef):
            out[node.name] = {"": [a.arg for a in node.args.args]}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = {}
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = {}
    return out


def runtime_names() -> set[str]:
    return {n for n in dir(_kakunin) if not n.startswith("__") or n in ("__version__", "__all__")}


def test_every_module_name_is_in_the_stubs() -> None:
    stubs = stub_tree()
    assert runtime_names() == {n for n in stubs if not n.startswith("_") or n in ("__version__", "__all__", "_example_cases")}


@pytest.mark.parametrize("name", ["RuleSet", "Report", "Finding", "Batch"])
def test_class_members_and_signatures_match(name: str) -> None:
    cls = getattr(_kakunin, name)
    declared = stub_tree()[name]
    public = {
        n
        for n in dir(cls)
        if (not n.startswith("_") or n == "_repr_html_") and n not in dir(object)
    }
    declared_public = {n for n in declared if not n.startswith("__")}
    assert public == declared_public
    for member, params in declared.items():
        if params is None or member in ("__eq__", "__ne__"):
            continue
        runtime = getattr(cls, member)
        signature = inspect.signature(runtime)
        names = [p for p in signature.parameters]
        if params and params[0] in ("self", "cls") and (not names or names[0] != params[0]):
            params = params[1:]
        assert names == params, f"{name}.{member}: runtime {names}, stubs {params}"


def test_exceptions_in_the_stubs_are_the_module_s() -> None:
    stubs = stub_tree()
    for name in ("KakuninError", "PackError", "ScriptError", "InputError", "OptionsError"):
        assert name in stubs
        assert issubclass(getattr(_kakunin, name), Exception)


@pytest.mark.skipif(shutil.which("mypy") is None and not any(
    (Path(p) / "mypy").exists() for p in sys.path
), reason="mypy is not installed")
def test_stubtest(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    allow = Path(__file__).with_name("stubtest-allowlist.txt")
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "kakunin", "--allowlist", str(allow)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
