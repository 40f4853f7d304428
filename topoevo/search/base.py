"""What the weight-evolution algorithms share: the ask/tell plumbing around a parameter-vector population (model
spec, the run's one numpy generator, best-ever tracking, champion files, checkpoint state) and their statistics."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from topoevo.config import Config, FitnessCriterion
from topoevo.errors import CheckpointError
from topoevo.search.io import save_parameters, vector_from_dict, vector_to_dict
from topoevo.search.models import ModelSpec
from topoevo.search.params import ParameterLayout, ParameterPopulation, ParameterVector
from topoevo.search.population import compile_parameters


@dataclass
class SearchStats:
    """One generation of a weight algorithm (after evaluation, before the update)."""

    generation: int
    evaluations: int
    best_fitness: float
    mean_fitness: float
    std_fitness: float
    worst_fitness: float
    best_index: int
    evaluated: int  # candidates evaluated in this generation
    parameters: int  # parameters per candidate

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rank_order(score: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices from the highest ``score`` down; equal scores in random order (drawn from ``rng``)."""
    return np.lexsort((rng.random(len(score)), -score))


class WeightSearch:
    """Base of :class:`~topoevo.search.ga.WeightGA`, :class:`~topoevo.search.ga.SteadyStateGA` and
    :class:`~topoevo.search.es.OpenAIES`: subclasses implement ``ask``, ``tell`` and their state."""

    name = ""  # the registry name, also written into checkpoints
    compile_fn = staticmethod(compile_parameters)

    def __init__(self, config: Config, seed: int = 0):
        self.config = config
        self.spec = ModelSpec.from_config(config)
        self.layout = ParameterLayout.of(self.spec)
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.generation = 0
        self.evaluations = 0
        self.best_vector: ParameterVector | None = None

    # ---- protocol -------------------------------------------------------------------------------------------------
    @property
    def minimise(self) -> bool:
        return self.config.neat.fitness_criterion is FitnessCriterion.MIN

    @property
    def sign(self) -> float:
        """Multiplies fitness into a score where higher is better."""
        return -1.0 if self.minimise else 1.0

    def better(self, a: float, b: float) -> bool:
        return a < b if self.minimise else a > b

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

    @staticmethod
    def candidate_to_dict(candidate: ParameterVector) -> dict[str, Any]:
        """A candidate as checkpoint data (the run loop keeps its solving champion with this)."""
        return vector_to_dict(candidate)

    @staticmethod
    def candidate_from_dict(d: Any, source: str | None = None) -> ParameterVector:
        return vector_from_dict(d, "champion", source)

    # ---- helpers for subclasses -----------------------------------------------------------------------------------
    def _checked(self, fitness: Sequence[float], count: int) -> np.ndarray:
        f = np.asarray(fitness, dtype=np.float64).reshape(-1)
        if f.shape != (count,):
            raise ValueError(f"tell() got {f.size} fitness values for {count} candidates")
        if not np.isfinite(f).all():
            raise ValueError("tell() got a NaN or infinite fitness")
        return f

    def _record(self, values: np.ndarray, fitness: np.ndarray) -> SearchStats:
        """Count the evaluations, update the best-ever candidate, return the generation's statistics."""
        self.evaluations += len(fitness)
        score = self.sign * fitness
        i = int(np.argmax(score))  # first of equals
        if self.best_vector is None or self.better(float(fitness[i]), float(self.best_vector.fitness)):
            self.best_vector = ParameterVector(self.spec, values[i].copy(), float(fitness[i]))
        worst = float(fitness.max() if self.minimise else fitness.min())
        return SearchStats(self.generation, self.evaluations, float(fitness[i]), float(fitness.mean()),
                           float(fitness.std()), worst, i, len(fitness), self.layout.size)

    def _base_state(self) -> dict[str, Any]:
        return {"algorithm": self.name, "generation": self.generation, "evaluations": self.evaluations,
                "rng": self.rng.bit_generator.state,
                "best": None if self.best_vector is None else vector_to_dict(self.best_vector)}

    def _load_base_state(self, state: dict[str, Any], source: str | None) -> None:
        if state.get("algorithm") != self.name:
            raise CheckpointError(f"expected the state of algorithm {self.name!r}, got {state.get('algorithm')!r}",
                                  source=source, field="algorithm.algorithm")
        for key in ("generation", "evaluations"):
            v = state[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise CheckpointError(f"expected a non-negative integer, got {v!r}", source=source,
                                      field=f"algorithm.{key}")
        self.generation, self.evaluations = state["generation"], state["evaluations"]
        try:
            self.rng.bit_generator.state = state["rng"]
        except (TypeError, ValueError, KeyError) as exc:
            raise CheckpointError(f"expected a PCG64 generator state ({exc})", source=source,
                                  field="algorithm.rng") from None
        best = state["best"]
        self.best_vector = None if best is None else vector_from_dict(best, "algorithm.best", source)
        if self.best_vector is not None and self.best_vector.spec != self.spec:
            raise CheckpointError("the best candidate's model differs from the config's [model]", source=source,
                                  field="algorithm.best.model")
        if self.best_vector is not None and not (self.best_vector.fitness is not None
                                                 and math.isfinite(self.best_vector.fitness)):
            raise CheckpointError("expected the best candidate's fitness", source=source,
                                  field="algorithm.best.fitness")
