"""Exploration on batched actors: :class:`ExplorationPolicy` wraps a batched policy and perturbs chosen rows' outputs
(Gaussian noise, or uniform random actions), each row from its own seeded generator, so a row's rollout depends only
on its parameters and seed (never on the other rows or how an evaluator splits them)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from topoevo.search.params import ParameterPopulation
from topoevo.search.population import compile_parameters

NONE, GAUSSIAN, UNIFORM = 0, 1, 2


@dataclass(eq=False)
class ExploringPopulation(ParameterPopulation):
    """Actors plus, per row, an exploration mode (0 none, 1 Gaussian with std ``noise``, 2 uniform in [-1, 1])
    and a seed.

    >>> from topoevo.search.models import ModelSpec, ModelKind
    >>> spec = ModelSpec(ModelKind.MLP, 3, 2, hidden=(4,))
    >>> pop = ExploringPopulation(spec, np.zeros((2, 26), np.float32), mode=np.array([0, 1]),
    ...                           noise=np.array([0.0, 0.1]), seeds=np.array([0, 7]))
    >>> len(pop[1:]), int(pop[1:].mode[0])
    (1, 1)
    """

    mode: np.ndarray | None = None
    noise: np.ndarray | None = None
    seeds: np.ndarray | None = None

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return ExploringPopulation(self.spec, self.values[index].copy(), mode=self.mode[index],
                                       noise=self.noise[index], seeds=self.seeds[index])
        return super().__getitem__(index)


class ExplorationPolicy:
    """A batched policy whose rows marked for exploration get noise on their outputs (the gym task clips them to
    the action range afterwards)."""

    def __init__(self, inner: Any, mode: np.ndarray, noise: np.ndarray, seeds: np.ndarray):
        self.inner, self.mode, self.noise, self.seeds = inner, mode, noise, seeds
        self.rows = np.flatnonzero(mode != NONE)
        self.rngs: list[np.random.Generator] = []

    @property
    def size(self) -> int:
        return self.inner.size

    def reset(self) -> None:
        self.inner.reset()
        self.rngs = [np.random.Generator(np.random.PCG64(int(self.seeds[i]))) for i in self.rows]

    def __call__(self, obs: Any) -> Any:
        import torch

        out = self.inner(obs)
        if not len(self.rows):
            return out
        out = out.clone()
        for rng, i in zip(self.rngs, self.rows):
            shape = tuple(out[i].shape)
            if self.mode[i] == UNIFORM:
                out[i] = torch.from_numpy(rng.uniform(-1.0, 1.0, shape).astype(np.float32))
            else:
                out[i] += torch.from_numpy((rng.standard_normal(shape) * self.noise[i]).astype(np.float32))
        return out


def compile_exploring(candidates: Sequence[Any]) -> Any:
    """ERL's ``compile_fn``: the batched actors, with exploration on the rows that ask for it."""
    policy = compile_parameters(candidates)
    if isinstance(candidates, ExploringPopulation) and candidates.mode is not None and candidates.mode.any():
        return ExplorationPolicy(policy, candidates.mode, candidates.noise, candidates.seeds)
    return policy
