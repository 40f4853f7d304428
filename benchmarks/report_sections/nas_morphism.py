"""RESULTS.md section of benchmarks/nas_morphism.py (function-preserving growth vs by-shape inheritance vs scratch)."""
from __future__ import annotations

import json
import pathlib

ORDER = 262


def render(results_dir: pathlib.Path) -> str:
    path = results_dir / "nas_morphism.json"
    title = "## Function-preserving mutations (Net2Net) on MNIST-1D"
    if not path.is_file():
        return f"{title}\n\nNo results file yet (`benchmarks/nas_morphism.py`).\n"
    r = json.loads(path.read_text())
    n = r["seeds"]
    rows = "\n".join(
        f"| {s} | {r['parent_test_acc'][s]:.3f} | {r['max_start_gap'][s]:.4f} | {r['morph_test_acc'][s]:.3f} | "
        f"{r['lamarck_test_acc'][s]:.3f} | {r['scratch_test_acc'][s]:.3f} | {', '.join(r['kinds'][s])} |"
        for s in range(n))
    return f"""{title}

`{r['meta']['command']}` ({r['meta']['date']}, commit {r['meta']['commit'][:7]})

Per seed a random architecture of the default space is trained {r['parent_epochs']} epochs (the parent); {r['children']}
children are drawn by `topoevo.nas.morphism.morph` (deepen with an identity dense block or a zero-initialised
residual convolution; Net2WiderNet widening of a dense block). "Start gap": the largest difference between a child's
validation accuracy before any training (from its morphed weights) and its parent's. Then every child trains
{r['epochs']} epoch(s) from its morphed weights, from the parent's weights copied where shapes match (today's
Lamarckian inheritance) and from scratch, same training seed; mean test accuracy of the children.

| seed | parent test | start gap | morphed | by shape | scratch | children |
|---|---|---|---|---|---|---|
{rows}

Morphed children beat training from scratch on {r['morph_wins']}/{n} seeds (target >= 4/5) and by-shape inheritance
on {r['morph_vs_lamarck_wins']}/{n}; every child started within {100 * max(r['max_start_gap']):.2f} points of its
parent (target: within 1). These figures were measured before convolution widening (`widen_conv`: Net2WiderNet on
a convolution's channels, with batch norm, residual projections and the consumer after flattening or global pooling)
joined the morphisms `morph` draws from; `tests/test_morphism.py` checks as a property that a widened child computes
its parent's function (eval and train mode, random architectures), so the start gap stays 0 with it, but the
after-training columns were not re-measured. Children made by other mutations still inherit by shape. Reference: Chen, Goodfellow & Shlens 2016 (Net2Net); Jin
et al. 2019 (Auto-Keras).
"""
