"""benchmarks/erl.py's bookkeeping: seeds run one after another (every method of a seed first), the results file
rewritten after each whole seed, so a run stopped early keeps whole seeds."""
from __future__ import annotations

from typing import Any

import pytest

erl = pytest.importorskip("benchmarks.erl")


def test_results_are_written_seed_by_seed_and_marked_incomplete_until_the_end(monkeypatch):
    calls: list[tuple[str, int]] = []
    writes: list[dict[str, Any]] = []

    def fake_run(env: str, method: str, seed: int, steps: int, test_episodes: int) -> dict[str, Any]:
        calls.append((method, seed))
        return {"method": method, "seed": seed, "steps": steps, "test_return": 10.0 * seed + len(method),
                "curve": [[steps, 0.0]], "cpu_s": 0.0}

    monkeypatch.setattr(erl, "run_method", fake_run)
    monkeypatch.setattr(erl, "plot", lambda result, path: None)
    monkeypatch.setattr(erl, "write_results", lambda name, obj, argv, seeds, script: writes.append(
        {**obj, "_seeds": list(seeds)}))
    result = erl.main(["--env", "pendulum", "--steps", "10", "--seeds", "2", "--methods", "erl,ga"])
    assert calls == [("erl", 0), ("ga", 0), ("erl", 1), ("ga", 1)]
    assert [w["_seeds"] for w in writes] == [[0], [0, 1]]
    assert writes[0]["complete"] is False and writes[0]["erl"] == [3.0] and writes[0]["ga"] == [2.0]
    assert "complete" not in result and result["erl"] == [3.0, 13.0] and result["seeds"] == [0, 1]
