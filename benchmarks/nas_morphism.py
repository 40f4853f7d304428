"""Function-preserving growth (Net2Net deepen / widen, identity-initialised new blocks) against today's
Lamarckian-by-shape inheritance and against training from scratch, on MNIST-1D.

Per seed: a random architecture from the default ``[nas]`` space (drawn from the seed) is trained 4 epochs (Adam,
one-cycle, as in the ``nas`` task) and is the parent. ``--children`` children are drawn by
:func:`topoevo.nas.morphism.morph` (a function-preserving deepen or widen). Each child is measured
- before any training from its morphed weights (``epochs = 0``): its validation accuracy against the parent's;
- after ``--epochs`` epochs from (a) its morphed weights, (b) the parent's weights copied where shapes match (the
  Lamarckian inheritance of ``[nas] lamarckian``) and (c) scratch, each from the same training seed.
Figures: ``max_start_gap`` (largest |child before training - parent| validation accuracy, in accuracy units, per
seed), the mean test accuracy of the children per start (``morph_test_acc``, ``lamarck_test_acc``,
``scratch_test_acc``), and ``morph_wins`` (seeds where the morphed children's mean beats scratch's).

    nice -n 5 python benchmarks/nas_morphism.py --seeds 5
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def one_seed(seed: int, children: int, epochs: int, parent_epochs: int) -> dict[str, Any]:
    import torch

    from topoevo.nas.arch import SearchSpace, random_architecture
    from topoevo.nas.datasets import NASDataset, load_splits
    from topoevo.nas.morphism import morph
    from topoevo.nas.train import TrainSettings, train_architecture

    torch.set_num_threads(1)
    splits = load_splits(NASDataset.MNIST1D)
    space = SearchSpace()
    rng = np.random.default_rng(seed)
    arch = random_architecture(splits.input_shape, 10, space, rng)
    parent = train_architecture(arch, splits, TrainSettings(parent_epochs), seed, keep_state=True)
    rows = []
    for k in range(children):
        got = morph(arch, parent.state, space, rng)
        if got is None:
            break
        child, state, kind = got
        train_seed = seed * 1000 + k
        start = train_architecture(child, splits, TrainSettings(0), train_seed, init_state=state)
        after = {name: train_architecture(child, splits, TrainSettings(epochs), train_seed, init_state=init)
                 for name, init in (("morph", state), ("lamarck", parent.state), ("scratch", None))}
        rows.append({"kind": kind.value, "start_val": start.val_accuracy,
                     **{f"{n}_test": r.test_accuracy for n, r in after.items()},
                     **{f"{n}_val": r.val_accuracy for n, r in after.items()}})
    return {"seed": seed, "parent": arch.describe(), "parent_val": parent.val_accuracy,
            "parent_test": parent.test_accuracy, "children": rows}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--children", type=int, default=4)
    p.add_argument("--epochs", type=int, default=1, help="training epochs of every child (all three starts)")
    p.add_argument("--parent-epochs", type=int, default=4)
    args = p.parse_args(argv)
    load_before = os.getloadavg()
    per_seed = []
    for seed in range(args.seeds):
        r = one_seed(seed, args.children, args.epochs, args.parent_epochs)
        per_seed.append(r)
        print(f"seed {seed}: parent val {r['parent_val']:.4f} ({r['parent']}); children "
              + "; ".join(f"{c['kind']} start {c['start_val']:.4f} morph {c['morph_test']:.3f} lamarck "
                          f"{c['lamarck_test']:.3f} scratch {c['scratch_test']:.3f}" for c in r["children"]),
              flush=True)

    def mean(r: dict[str, Any], key: str) -> float:
        return round(float(np.mean([c[key] for c in r["children"]])), 4)

    out: dict[str, Any] = {
        "max_start_gap": [round(max(abs(c["start_val"] - r["parent_val"]) for c in r["children"]), 4)
                          for r in per_seed],
        "morph_test_acc": [mean(r, "morph_test") for r in per_seed],
        "lamarck_test_acc": [mean(r, "lamarck_test") for r in per_seed],
        "scratch_test_acc": [mean(r, "scratch_test") for r in per_seed],
        "parent_test_acc": [round(r["parent_test"], 4) for r in per_seed]}
    out["morph_wins"] = int(sum(a > b for a, b in zip(out["morph_test_acc"], out["scratch_test_acc"])))
    out["morph_vs_lamarck_wins"] = int(sum(a > b for a, b in zip(out["morph_test_acc"], out["lamarck_test_acc"])))
    out.update(seeds=args.seeds, children=args.children, epochs=args.epochs, parent_epochs=args.parent_epochs,
               kinds=[[c["kind"] for c in r["children"]] for r in per_seed])
    from benchmarks.results_meta import write_results

    write_results("nas_morphism", out, argv, list(range(args.seeds)), load_before)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
