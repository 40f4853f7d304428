"""Ensembles drawn from an architecture-search run (``topoevo ensemble RUNDIR --top K``): the K architectures with
the best validation accuracy among those the run keeps (regularized evolution's queue, NSGA-II's population, the
best ever) average their softmax outputs; test accuracy of the ensemble against the best single member (by
validation accuracy). Members whose trained weights the run kept (Lamarckian runs) are used as they are; the others
are trained again with the task's settings and a seed derived from the run's seed and their key (so the figures are
reproducible, though not those of the search's own training)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from topoevo.errors import ConfigError


@dataclass
class EnsembleResult:
    """What :func:`ensemble_run` measured (accuracies on the task's test set; members best first).

    >>> EnsembleResult(2, [3, 5], [0.9, 0.8], [0.91, 0.85], [False, True], 0.91, 0.93).gain
    0.02
    """

    top: int
    keys: list[int]
    validation_accuracy: list[float]
    test_accuracy: list[float]
    retrained: list[bool]
    best_single_test_accuracy: float
    ensemble_test_accuracy: float

    @property
    def gain(self) -> float:
        return round(self.ensemble_test_accuracy - self.best_single_test_accuracy, 10)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "gain": self.gain}


def ensemble_run(run_dir: str | Path, top: int) -> EnsembleResult:
    """Load the run's checkpoint, pick the ``top`` members by validation accuracy (ties: lower key) and measure the
    averaged-softmax ensemble and each member on the test set."""
    import torch

    from topoevo.algorithm import algorithm_class
    from topoevo.checkpoint import read_checkpoint
    from topoevo.config import Config
    from topoevo.nas.compile import ArchitectureNet
    from topoevo.nas.lamarck import inherit
    from topoevo.nas.task import NASTask
    from topoevo.nas.train import train_architecture

    if top < 1:
        raise ConfigError(f"expected at least 1 member, got {top}", field="--top")
    data = read_checkpoint(run_dir)
    path = data["_path"]
    config = Config.from_dict(data["config"], source=f"{path}#config")
    if config.task.name != "nas":
        raise ConfigError(f"ensembles are for architecture-search runs (task 'nas'), got {config.task.name!r}",
                          source=path, field="config.task.name")
    task = NASTask(config.task.params)
    algo = algorithm_class(config.run.algorithm).from_state_dict(config, data["algorithm"], source=path)
    members = sorted(algo.members(), key=lambda c: (-c.fitness, c.key))[:top]
    if not members:
        raise ConfigError("the run has no trained architecture yet", source=path, field="algorithm")
    s = task.splits
    x_val, x_test = torch.from_numpy(s.val_x), torch.from_numpy(s.test_x)
    y_val, y_test = torch.from_numpy(s.val_y), torch.from_numpy(s.test_y)
    probs, vals, tests, retrained = [], [], [], []
    before = torch.get_num_threads()
    if task.params.threads:
        torch.set_num_threads(task.params.threads)
    try:
        for c in members:
            state = c.state
            if state is None:  # not kept: train it again (seed from the run's seed and the key)
                seed = int(np.random.SeedSequence([int(data["seed"]), c.key, 0x656E73]).generate_state(1)[0])
                state = train_architecture(c.arch, s, task.params.settings(), seed, keep_state=True).state
            retrained.append(c.state is None)
            net = ArchitectureNet(c.arch)
            if state is not None:
                inherit(net, state)
            net.eval()
            with torch.no_grad():
                vals.append(float((net(x_val).argmax(1) == y_val).double().mean()))
                p = torch.softmax(net(x_test), dim=1)
            tests.append(float((p.argmax(1) == y_test).double().mean()))
            probs.append(p)
    finally:
        torch.set_num_threads(before)
    mean = torch.stack(probs).mean(0)
    ens = float((mean.argmax(1) == y_test).double().mean())
    best = int(np.argmax(vals))  # best single by (re-measured) validation accuracy, never by test accuracy
    return EnsembleResult(len(members), [c.key for c in members], vals, tests, retrained, tests[best], ens)


__all__ = ["EnsembleResult", "ensemble_run"]
