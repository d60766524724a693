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
from conftest import AS_OF


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


def test_ctrl_c_stops_a_batch_that_would_never_end() -> None:
    # The records are read on a thread of their own; Ctrl-C reaches only the main thread, which
    # looks for it between outcomes and stops the reading. An endless generator ends only so.
    script = (
        "import itertools, kakunin\n"
        "rules = kakunin.RuleSet.bundled('hersys')\n"
        "print('started', flush=True)\n"
        "rules.check_many(itertools.repeat({'id': 'a'}), as_of='2024-06-01', ignore='identity')\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "started"
    time.sleep(1.0)
    child.send_signal(signal.SIGINT)
    try:
        _, stderr = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        raise AssertionError("check_many went on after Ctrl-C") from None
    assert "KeyboardInterrupt" in stderr, stderr
