"""The nas_mo RESULTS section's tuning table compares each variant with the regularized-evolution rows of the same
seeds and the same budget (trained architectures), never with those of another budget."""
from __future__ import annotations

import json

from benchmarks.report_sections import nas_mo


def _row(name: str, tag: str, seed: int, archs: int, hv: float) -> dict:
    return {"name": name, "tag": tag, "seed": seed, "archs": archs, "over": {}, "hv": hv, "test_acc": 0.9,
            "cpu_s": 10.0}


def test_tuning_wins_are_counted_against_regularized_evolution_at_the_same_budget(tmp_path):
    rows = [_row("rea", "rea 40", s, 40, 0.9) for s in (1000, 1001)]
    rows += [_row("rea", "rea 80", s, 80, 0.5) for s in (1000, 1001)]
    rows += [_row("nsga2", "nsga2 40", s, 40, 0.8) for s in (1000, 1001)]  # loses to rea 40 on both
    rows += [_row("nsga2", "nsga2 80", s, 80, hv) for s, hv in ((1000, 0.6), (1001, 0.4))]  # 1/2 against rea 80
    (tmp_path / "nas_mo_tuning.json").write_text(json.dumps({"rows": rows, "meta": {}}))
    lines = {line.split(" | ")[0].lstrip("| "): line.split(" | ") for line in nas_mo.tuning(tmp_path).splitlines()
             if line.startswith("| nsga2")}
    assert lines["nsga2 40"][5:7] == ["0.9000", "0/2"]
    assert lines["nsga2 80"][5:7] == ["0.5000", "1/2"]
