"""RESULTS.md section of benchmarks/nas_ensemble.py (top-K ensembles of an architecture search)."""
from __future__ import annotations

import json
import pathlib

ORDER = 263


def render(results_dir: pathlib.Path) -> str:
    path = results_dir / "nas_ensemble.json"
    title = "## Ensembles of the top architectures (`topoevo ensemble`)"
    if not path.is_file():
        return f"{title}\n\nNo results file yet (`benchmarks/nas_ensemble.py`).\n"
    r = json.loads(path.read_text())
    rows = "\n".join(f"| {s} | {e:.3f} | {b:.3f} |" for s, (e, b) in
                     enumerate(zip(r["ensemble_test_acc"], r["best_single_test_acc"])))
    return f"""{title}

`{r['meta']['command']}` ({r['meta']['date']}, commit {r['meta']['commit'][:7]})

Per seed a Lamarckian regularized-evolution run on MNIST-1D ({r['archs']} architectures, 2 epochs each; the queue
keeps its trained weights), then `topoevo ensemble RUNDIR --top {r['top']}`: the averaged softmax of the {r['top']}
best queue members by validation accuracy against the best single one.

| seed | ensemble of {r['top']} test | best single test |
|---|---|---|
{rows}

The ensemble beats the best single architecture on {r['ensemble_wins']}/{r['seeds']} seeds.
"""
