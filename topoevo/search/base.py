"""What the weight-evolution algorithms share: the ask/tell plumbing around a parameter-vector population (model
spec, the run's one numpy generator, best-ever tracking, champion files, checkpoint state) and their statistics."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from topoevo.algorithm import AlgorithmBase, GenerationStatistics
from topoevo.config import Config
from topoevo.errors import CheckpointError
from topoevo.search.io import save_parameters, vector_from_dict, vector_to_dict
from topoevo.search.models import ModelSpec
from topoevo.search.params import ParameterLayout, ParameterPopulation, ParameterVector
from topoevo.search.population import compile_parameters


@dataclass
class SearchStats(GenerationStatistics):
    """One generation of a weight algorithm (after evaluation, before the update)."""

    std_fitness: float
    best_index: int
    evaluated: int  # candidates evaluated in this generation
    parameters: int  # parameters per candidate


def rank_order(score: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices from the highest ``score`` down; equal scores in random order (drawn from ``rng``)."""
    return np.lexsort((rng.random(len(score)), -score))


class WeightSearch(AlgorithmBase):
    """Base of :class:`~topoevo.search.ga.WeightGA`, :class:`~topoevo.search.ga.SteadyStateGA` and
    :class:`~topoevo.search.es.OpenAIES`: subclasses implement ``ask``, ``tell`` and their state."""

    compile_fn = staticmethod(compile_parameters)

    def __init__(self, config: Config, seed: int = 0):
        super().__init__(config, seed)
        self.spec = ModelSpec.from_config(config)
        self.layout = ParameterLayout.of(self.spec)
        self.best_vector: ParameterVector | None = None

    # ---- protocol -------------------------------------------------------------------------------------------------
    @property
    def best(self) -> ParameterVector | None:
        """The best candidate ever told (first of equals), with its fitness."""
        return self.best_vector

    def ask(self) -> ParameterPopulation:  # pragma: no cover - abstract
        raise NotImplementedError

    def snapshot(self, index: int, fitness: float) -> ParameterVector:
        champ = self.ask()[index]
        champ.fitness = float(fitness)
        return champ

    def describe(self, candidate: ParameterVector) -> dict[str, Any]:
        return {"parameters": candidate.layout.size}

    def save_candidate(self, candidate: ParameterVector, path: str | Path, metadata: dict[str, Any]) -> None:
        save_parameters(candidate, path, {"algorithm": self.name, **metadata})

    def candidate_to_dict(self, candidate: ParameterVector) -> dict[str, Any]:
        """A candidate as checkpoint data (the run loop keeps its solving champion with this)."""
        return vector_to_dict(candidate)

    def candidate_from_dict(self, d: Any, source: str | None = None) -> ParameterVector:
        return vector_from_dict(d, "champion", source)

    # ---- helpers for subclasses -----------------------------------------------------------------------------------
    _checked = staticmethod(AlgorithmBase.checked_fitness)  # (the name subclasses use)

    def _record(self, values: np.ndarray, fitness: np.ndarray) -> SearchStats:
        """Count the evaluations, update the best-ever candidate, return the generation's statistics."""
        self.evaluations += len(fitness)
        score = self.sign * fitness
        i = int(np.argmax(score))  # first of equals
        if self.best_vector is None or self.better(float(fitness[i]), float(self.best_vector.fitness)):
            self.best_vector = ParameterVector(self.spec, values[i].copy(), float(fitness[i]))
        worst = float(fitness.max() if self.minimise else fitness.min())
        return SearchStats(generation=self.generation, evaluations=self.evaluations, best_fitness=float(fitness[i]),
                           mean_fitness=float(fitness.mean()), worst_fitness=worst, std_fitness=float(fitness.std()),
                           best_index=i, evaluated=len(fitness), parameters=self.layout.size)

    def _base_state(self) -> dict[str, Any]:
        return {**self.base_state(), "best": None if self.best_vector is None else vector_to_dict(self.best_vector)}

    def _load_base_state(self, state: dict[str, Any], source: str | None) -> None:
        r = self.load_base_state(state, source)
        best = r.value(state, "best", "algorithm")
        self.best_vector = None if best is None else vector_from_dict(best, "algorithm.best", source)
        if self.best_vector is not None and self.best_vector.spec != self.spec:
            raise CheckpointError("the best candidate's model differs from the config's [model]", source=source,
                                  field="algorithm.best.model")
        if self.best_vector is not None and not (self.best_vector.fitness is not None
                                                 and math.isfinite(self.best_vector.fitness)):
            raise CheckpointError("expected the best candidate's fitness", source=source,
                                  field="algorithm.best.fitness")
