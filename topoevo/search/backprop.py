"""The gradient reference for weight evolution: the same network (same spec, same initialisation) trained by Adam
on a supervised task's training set, within a number of epochs or a wall-time budget."""
from __future__ import annotations

import time
from dataclasses import dataclass, fields
from typing import Any, Iterator

import numpy as np

from topoevo.search.models import ModelSpec
from topoevo.search.params import ParameterVector, flatten_module, init_parameters
from topoevo.search.population import compile_parameters
from topoevo.tasks.supervised import SupervisedTask


@dataclass
class BackpropResult:
    """The trained network and how it did."""

    vector: ParameterVector
    epochs: float  # full passes over the training set (fractional when stopped by the time budget)
    steps: int
    wall_s: float
    train_accuracy: float
    test_accuracy: float
    test_cross_entropy: float


def train_adam(task: SupervisedTask, spec: ModelSpec, *, seed: int = 0, learning_rate: float = 1e-2,
               batch_size: int = 64, epochs: int | None = None, max_seconds: float | None = None,
               init_scale: float = 1.0) -> BackpropResult:
    """Train ``spec``'s network by Adam (minibatch cross-entropy) from :func:`init_parameters` with ``seed``, for
    ``epochs`` passes or until ``max_seconds`` of wall time have passed (checked after every step).

    >>> from topoevo.config.weights import ModelKind
    >>> from topoevo.tasks.supervised import Dataset, SupervisedParams
    >>> task = SupervisedTask(SupervisedParams(dataset=Dataset.IRIS))
    >>> result = train_adam(task, ModelSpec(ModelKind.MLP, 4, 3, hidden=(8,)), epochs=30)
    >>> result.test_accuracy > 0.8
    True
    """
    import torch

    from topoevo.adam import train_steps

    if epochs is None and max_seconds is None:
        raise ValueError("give epochs or max_seconds")
    rng = np.random.default_rng(seed)
    start = ParameterVector(spec, init_parameters(spec, rng, 1, init_scale)[0])
    module = start.to_module()
    opt = torch.optim.Adam(module.parameters(), lr=learning_rate)
    x, y = task.train_inputs, task.train_targets
    n = len(y)
    seen = 0
    t0 = time.perf_counter()

    def batches() -> Iterator[torch.Tensor]:  # minibatch indices, a new order drawn from ``rng`` each epoch
        epoch = 0
        while epochs is None or epoch < epochs:
            order = torch.from_numpy(rng.permutation(n))
            for lo in range(0, n, batch_size):
                yield order[lo:lo + batch_size]
            epoch += 1

    def loss_of(idx: torch.Tensor) -> torch.Tensor:
        nonlocal seen
        seen += len(idx)
        return torch.nn.functional.cross_entropy(module(x[idx]), y[idx])

    def out_of_time(_: torch.Tensor) -> bool:
        return max_seconds is not None and time.perf_counter() - t0 >= max_seconds

    steps = train_steps(opt, batches(), loss_of, stop=out_of_time)
    wall = time.perf_counter() - t0
    vector = ParameterVector(spec, flatten_module(module))
    policy = compile_parameters([vector])
    train_acc = float(task.scores(policy, x.unsqueeze(0), y.unsqueeze(0))[0][0])
    test_acc, test_ce = task.test_scores(policy)
    vector.fitness = train_acc
    return BackpropResult(vector, seen / n, steps, wall, train_acc, float(test_acc[0]), float(test_ce[0]))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """``python -m topoevo.search.backprop TASKFILE [--seconds S | --epochs N]``: train the task file's ``[model]``
    on its supervised task by Adam and print the figures as one JSON line."""
    import argparse
    import json

    from topoevo.config import load_config
    from topoevo.run import build_task, fit_genome_to_task

    p = argparse.ArgumentParser(description=main.__doc__.split("\n")[0] if main.__doc__ else None)
    p.add_argument("task_file")
    p.add_argument("--seconds", type=float, default=None)
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--learning-rate", type=float, default=3e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    config = load_config(args.task_file)
    task = build_task(config)
    if not isinstance(task, SupervisedTask):
        p.error(f"{args.task_file} is not a supervised task")
    config = fit_genome_to_task(config, task)
    result = train_adam(task, ModelSpec.from_config(config), seed=args.seed, learning_rate=args.learning_rate,
                        batch_size=args.batch_size, epochs=args.epochs,
                        max_seconds=args.seconds if args.seconds is not None or args.epochs is not None else 60.0,
                        init_scale=config.model.init_scale)
    figures = {f.name: getattr(result, f.name) for f in fields(result) if f.name != "vector"}
    print(json.dumps(figures))
    return figures


__all__ = ["BackpropResult", "train_adam"]

if __name__ == "__main__":
    main()
