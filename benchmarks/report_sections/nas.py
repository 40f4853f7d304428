"""RESULTS.md section: architecture search on MNIST-1D (benchmarks/nas.py)."""
from __future__ import annotations

from pathlib import Path

from benchmarks.report_sections._markdown import command, json_line, load, not_measured, num, provenance, table

ORDER = 85
TITLE = "Architecture search (hybrid): regularized evolution vs random search on MNIST-1D"
COMMAND = "nice -n 10 python benchmarks/nas.py --seeds 5 --jobs 2"


def render(results_dir: Path) -> str:
    d = load(results_dir, "nas")
    if d is None:
        return not_measured(TITLE, COMMAND, "nas")
    keys = ["rea_test_acc", "rs_test_acc", "lamarckian_test_acc", "scratch_test_acc"]
    rows = [[str(i)] + [num(d[k][i], 3) for k in keys] + [num(d["cpu_s_per_seed"][i], 0)] for i in range(d["seeds"])]
    rows.append(["mean"] + [num(d[k.replace("_test_acc", "_mean")], 3) for k in keys] +
                [num(sum(d["cpu_s_per_seed"]) / d["seeds"], 0)])
    wins = sum(a > b for a, b in zip(d["rea_test_acc"], d["rs_test_acc"]))
    lam = sum(a > b for a, b in zip(d["lamarckian_test_acc"], d["scratch_test_acc"]))
    return f"""## {TITLE}

`{command(d)}` -- {provenance(d)}

MNIST-1D generated offline (3,200 training / 800 validation / 1,000 test sequences); search space: up to 8 conv or
pooling blocks, up to 2 dense blocks, <= 100k parameters and <= 1M multiply-accumulates; each architecture trained
by Adam; fitness = validation accuracy; reported = test accuracy of the best-validation architecture. REA (P = 10,
S = 3) and random search: {d['archs']} trained architectures x {d['epochs']} epochs each, the same 10 initial
architectures; Lamarckian vs scratch: the same REA with and without weight inheritance, {d['archs']} architectures x
{d['lam_epochs']} epochs. CPU seconds per seed cover all four runs. Published MNIST-1D baselines (Greydanus 2020):
logistic 32%, MLP 68%, CNN 94%.

{table(["seed", "REA", "random search", f"Lamarckian ({d['lam_epochs']} ep)", f"scratch ({d['lam_epochs']} ep)",
        "CPU s per seed"], rows)}
Regularized evolution beats random search on {wins}/{d['seeds']} seeds (goal >= 4/5); Lamarckian inheritance beats
training from scratch at equal total epochs on {lam}/{d['seeds']} seeds. Incumbent curves:
[nas_mnist1d.png](nas_mnist1d.png).

{json_line(d)}
"""
