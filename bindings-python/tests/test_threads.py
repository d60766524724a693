"""One RuleSet shared by many threads: the same results as one thread, no crash."""

from __future__ import annotations

import copy
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import kakunin
from conftest import AS_OF, rule_file, write_pack


def variants(record: dict[str, Any], n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        r = copy.deepcopy(record)
        r["id"] = f"r{i}"
        r["hersys_id"] = str(1000000 + i)
        if i % 3 == 0:
            r["notification"]["reported_on"] = "2021-07-01"
        if i % 5 == 0:
            r["notification"]["patient"]["age"] = "old"
        out.append(r)
    return out


def test_check_from_many_threads(hersys: kakunin.RuleSet, record: dict[str, Any]) -> None:
    records = variants(record, 200)
    expected = [hersys.check(r, as_of=AS_OF).to_json() for r in records]
    barrier = threading.Barrier(8)

    def work(offset: int) -> list[str]:
        barrier.wait()
        return [hersys.check(records[(i + offset) % 200], as_of=AS_OF).to_json() for i in range(200)]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    for offset, got in enumerate(results):
        assert got == [expected[(i + offset) % 200] for i in range(200)]


def test_batches_from_many_threads(hersys: kakunin.RuleSet, record: dict[str, Any], tmp_path: Path) -> None:
    import json

    records = variants(record, 300)
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    want_many = hersys.check_many(records, as_of=AS_OF).findings()
    want_file = hersys.check_file(path, as_of=AS_OF).findings()

    def work(i: int) -> bool:
        if i % 2:
            return hersys.check_many(records, as_of=AS_OF).findings() == want_many
        return hersys.check_file(path, as_of=AS_OF).findings() == want_file

    with ThreadPoolExecutor(6) as pool:
        assert all(pool.map(work, range(12)))


def test_rule_sets_are_made_safely_from_many_threads() -> None:
    with ThreadPoolExecutor(8) as pool:
        hashes = set(pool.map(lambda _: kakunin.RuleSet.bundled("hersys").hash, range(16)))
    assert len(hashes) == 1


def stderr_after_ctrl_c(script: str, *args: str, within: float) -> str:
    """Runs `script` (which prints `started` before its batch), sends it Ctrl-C a second after,
    and gives its stderr; it must end within `within` seconds of the signal."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "started"
    time.sleep(1.0)
    child.send_signal(signal.SIGINT)
    try:
        _, stderr = child.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        child.kill()
        raise AssertionError("the batch went on after Ctrl-C") from None
    return stderr


def test_ctrl_c_stops_a_batch_that_would_never_end() -> None:
    # The records are read on a thread of their own; Ctrl-C reaches only the main thread, which
    # looks for it between outcomes and stops the reading. An endless generator ends only so.
    script = (
        "import itertools, kakunin\n"
        "rules = kakunin.RuleSet.bundled('hersys')\n"
        "print('started', flush=True)\n"
        "rules.check_many(itertools.repeat({'id': 'a'}), as_of='2024-06-01', ignore='identity')\n"
    )
    stderr = stderr_after_ctrl_c(script, within=60)
    assert "KeyboardInterrupt" in stderr, stderr


def slow_cross_record_pack(folder: Path) -> Path:
    """A pack with a cross-record rule, whose script rule runs each record to its operation
    limit: a long batch takes minutes."""
    return write_pack(
        folder,
        {
            "d/same.toml": rule_file("d/same", 'kind = "group"\nkey = ["/id"]\nmode = "duplicate"\nat = "/id"'),
            "d/s.toml": rule_file("d/s", 'kind = "script"\nscript = "s.rhai"\nreads = ["/dx"]'),
            "d/s.rhai": "loop { } []",
        },
    )


def test_ctrl_c_stops_a_long_file_before_its_end(tmp_path: Path) -> None:
    # With a cross-record rule a file is read to its end before the first outcome comes, so
    # Ctrl-C is looked for as its lines are read. The whole file takes over a minute.
    folder = slow_cross_record_pack(tmp_path / "pack")
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(f'{{"id": "a{i}", "dx": "2021-01-01"}}\n' for i in range(1_000_000)), encoding="utf-8")
    script = (
        "import sys, kakunin\n"
        "rules = kakunin.RuleSet.from_path(sys.argv[1])\n"
        "print('started', flush=True)\n"
        "rules.check_file(sys.argv[2], as_of='2024-06-01')\n"
    )
    stderr = stderr_after_ctrl_c(script, str(folder), str(cases), within=15)
    assert "KeyboardInterrupt" in stderr, stderr


def test_ctrl_c_stops_a_long_list_before_its_end(tmp_path: Path) -> None:
    # A list is read once too when cross-record rules are selected: its records are converted
    # and checked to its end before the first outcome comes, so Ctrl-C is looked for as they are
    # converted. The whole list takes over a minute.
    folder = slow_cross_record_pack(tmp_path / "pack")
    script = (
        "import sys, kakunin\n"
        "rules = kakunin.RuleSet.from_path(sys.argv[1])\n"
        "records = [{'id': f'a{i}', 'dx': '2021-01-01'} for i in range(1_000_000)]\n"
        "print('started', flush=True)\n"
        "rules.check_many(records, as_of='2024-06-01')\n"
    )
    stderr = stderr_after_ctrl_c(script, str(folder), within=15)
    assert "KeyboardInterrupt" in stderr, stderr
