"""benchmarks/nas_mo.py's run plan: which runs it starts at which budgets, and which runs its successive-halving
comparison reads (``--sh-archs``, ``--full-archs``). The runs themselves are replaced by a stand-in."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from benchmarks import nas_mo, results_meta


@pytest.fixture
def plan(monkeypatch) -> tuple[list[tuple[str, int, int]], list[dict[str, Any]]]:
    calls: list[tuple[str, int, int]] = []
    written: list[dict[str, Any]] = []

    def fake_run(name: str, seed: int, archs: int, overrides: Any = None) -> dict[str, Any]:
        calls.append((name, seed, archs))
        acc = {"nsga2": 0.5, "rea": 0.6, "sh": 0.7, "full": 0.8}[name] + seed / 100
        return {"name": name, "seed": seed, "hv": acc, "hv_kept": acc, "best_acc_under_10k": acc, "test_acc": acc,
                "val_acc": acc, "parameters": 1, "evaluations": archs, "new_archs": archs, "cpu_s": float(archs)}

    monkeypatch.setattr(nas_mo, "run_one", fake_run)
    monkeypatch.setattr(nas_mo, "ProcessPoolExecutor", ThreadPoolExecutor)
    monkeypatch.setattr(results_meta, "write_results", lambda name, obj, argv, seeds, load: written.append(obj))
    return calls, written


def test_full_training_is_the_regularized_evolution_run_when_the_budgets_agree(plan):
    calls, written = plan
    out = nas_mo.main(["--seeds", "2", "--archs", "6", "--sh-archs", "9"])
    assert sorted(calls) == sorted([(n, s, a) for s in range(2) for n, a in (("nsga2", 6), ("rea", 6), ("sh", 9))])
    assert out["full_test_acc"] == [0.6, 0.61]
    assert out["sh_test_acc"] == [0.7, 0.71] and out["full_cpu_s"] == [6.0, 6.0] and out["sh_cpu_s"] == [9.0, 9.0]
    assert written[0]["full_archs"] == 6 and written[0]["sh_archs"] == 9 and written[0]["sh_cpu_ratio"] == 1.5


def test_full_archs_adds_a_regularized_evolution_run_at_that_budget_for_the_halving_comparison(plan):
    calls, written = plan
    out = nas_mo.main(["--seeds", "2", "--archs", "8", "--sh-archs", "9", "--full-archs", "4"])
    assert sorted(calls) == sorted([(n, s, a) for s in range(2)
                                    for n, a in (("nsga2", 8), ("rea", 8), ("sh", 9), ("full", 4))])
    assert out["rea_hv"] == [0.6, 0.61] and out["full_test_acc"] == [0.8, 0.81] and out["full_cpu_s"] == [4.0, 4.0]
    assert written[0]["full_archs"] == 4 and written[0]["sh_cpu_ratio"] == 2.25
