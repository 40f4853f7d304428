"""The ask/tell protocol every algorithm follows, the base class that gives it its shared parts, and the registry the
run loop picks algorithms from by name.

NEAT, the weight searches (GA, steady-state GA, OpenAI-ES) and the architecture searches (regularized evolution,
random search) all serve the one run loop (topoevo/run.py) through :class:`Algorithm`; each derives from
:class:`AlgorithmBase` (the run's one generator, counters, fitness checks, the common statistics fields, the common
part of the checkpoint state). A new algorithm is one module plus one line in :data:`ALGORITHMS`
(docs/architecture.md shows a complete one).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Protocol, Sequence, runtime_checkable

import numpy as np

from topoevo.checkpoint import StateReader

if TYPE_CHECKING:
    from topoevo.config import Config
    from topoevo.tasks.base import BatchedPolicy

# name -> "module:Class"; the class implements :class:`Algorithm`
ALGORITHMS: dict[str, str] = {
    "neat": "topoevo.neat.algorithm:NEAT",
    "ga": "topoevo.search.ga:WeightGA",
    "steady_state_ga": "topoevo.search.ga:SteadyStateGA",
    "es": "topoevo.search.es:OpenAIES",
    "cmaes": "topoevo.search.distribution:CMAES",
    "sep_cmaes": "topoevo.search.distribution:SepCMAES",
    "pgpe": "topoevo.search.distribution:PGPE",
    "snes": "topoevo.search.distribution:SNES",
    "erl": "topoevo.rl.erl:ERL",
    "td3": "topoevo.rl.erl:TD3",
    "regularized_evolution": "topoevo.nas.rea:RegularizedEvolution",
    "random_search": "topoevo.nas.rea:RandomSearch",
    "neat_rea": "topoevo.hybrid.rea:NEATRegularizedEvolution",
    "neat_switch": "topoevo.hybrid.switch:NEATSwitch",
    "nsga2": "topoevo.nas.nsga2:NSGA2",
    "neat_nsga2": "topoevo.neat.nsga2:NEATNSGA2",
    "novelty": "topoevo.novelty.search:NoveltyNEAT",
    "nslc": "topoevo.novelty.search:NSLC",
    "map_elites": "topoevo.novelty.mapelites:MAPElites",
}


def algorithm_names() -> list[str]:
    return sorted(ALGORITHMS)


def algorithm_class(name: str) -> type[Algorithm]:
    module, cls = ALGORITHMS[name].split(":")
    return getattr(importlib.import_module(module), cls)


@runtime_checkable
class Statistics(Protocol):
    """What ``tell`` returns: the generation's figures as one flat record (a line of ``stats.jsonl``)."""

    def to_dict(self) -> dict[str, Any]: ...


@runtime_checkable
class Algorithm(Protocol):
    """An evolutionary algorithm as ask/tell: every method the run loop, the CLI and the evaluators call.

    ``ask()`` returns the candidates of the current generation (fixed order: evaluation seeds follow the index);
    ``observe(info)`` receives the evaluation's per-candidate figures beyond fitness (``EvalResult.info``) before
    ``tell(fitness)`` consumes the fitness and prepares the next generation, returning :class:`Statistics`.
    ``compile_fn`` turns candidates into one batched policy (a module-level, picklable function, so worker processes
    can use it). ``champion_to_test`` picks the candidate whose task success test runs this generation. The state
    round-trips through plain JSON data (``state_dict``/``from_state_dict``), candidates too
    (``candidate_to_dict``/``candidate_from_dict``: the run keeps its solving champion in the checkpoint).
    """

    name: ClassVar[str]
    generation: int
    evaluations: int
    compile_fn: Callable[[Sequence[Any]], BatchedPolicy]

    @property
    def minimise(self) -> bool: ...

    @property
    def best(self) -> Any: ...  # best candidate ever told, with its fitness

    def ask(self) -> Sequence[Any]: ...

    def observe(self, info: dict[str, Any]) -> None: ...

    def tell(self, fitness: Sequence[float]) -> Statistics: ...

    def champion_to_test(self, candidates: Sequence[Any], fitness: np.ndarray, order: np.ndarray,
                         rotate_species: bool) -> int: ...

    def snapshot(self, index: int, fitness: float) -> Any: ...  # a copy of ask()[index] to keep as champion

    def describe(self, candidate: Any) -> dict[str, Any]: ...  # size figures for summaries ("hidden", ...)

    def save_candidate(self, candidate: Any, path: Path, metadata: dict[str, Any]) -> None: ...

    def candidate_to_dict(self, candidate: Any) -> dict[str, Any]: ...

    def candidate_from_dict(self, data: Any, source: str | None = None) -> Any: ...

    def state_dict(self) -> dict[str, Any]: ...

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> Algorithm: ...


@dataclass
class GenerationStatistics:
    """The fields every algorithm's statistics share (subclasses add their own).

    >>> GenerationStatistics(3, 600, 3.9, 2.5, 1.0).to_dict()["best_fitness"]
    3.9
    """

    generation: int
    evaluations: int
    best_fitness: float
    mean_fitness: float
    worst_fitness: float

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class AlgorithmBase:
    """What every algorithm shares: the config, the run's one numpy generator (PCG64 from the seed), the generation
    and evaluation counters, the fitness criterion, the fitness checks of ``tell``, the common part of the checkpoint
    state, and defaults for the optional parts of :class:`Algorithm` (``observe`` does nothing; the generation's
    best candidate is the one whose success test runs).

    >>> from topoevo.config import Config
    >>> class Half(AlgorithmBase):
    ...     name = "half"
    >>> algo = Half(Config.from_dict({"task": {"name": "xor"}, "run": {"fitness_criterion": "min"}}), seed=0)
    >>> algo.minimise, algo.better(1.0, 2.0), algo.checked_fitness([0.5, 1], 2).tolist()
    (True, True, [0.5, 1.0])
    """

    name: ClassVar[str] = ""  # the registry name, also written into checkpoints

    def __init__(self, config: Config, seed: int = 0):
        self.config = config
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.generation = 0
        self.evaluations = 0

    # ---- fitness --------------------------------------------------------------------------------------------------
    @property
    def minimise(self) -> bool:
        """Lower fitness is better (``run.fitness_criterion = "min"``)."""
        return self.config.run.fitness_criterion == "min"

    @property
    def sign(self) -> float:
        """Multiplies fitness into a score where higher is better."""
        return -1.0 if self.minimise else 1.0

    def better(self, a: float, b: float) -> bool:
        """Is fitness ``a`` strictly better than ``b`` under the criterion?"""
        return a < b if self.minimise else a > b

    @staticmethod
    def checked_fitness(fitness: Sequence[float], count: int) -> np.ndarray:
        """``fitness`` as float64, one finite value per candidate asked, else ``ValueError``."""
        f = np.asarray(fitness, dtype=np.float64).reshape(-1)
        if f.shape != (count,):
            raise ValueError(f"tell() got {f.size} fitness values for {count} candidates")
        if not np.isfinite(f).all():
            raise ValueError("tell() got a NaN or infinite fitness")
        return f

    # ---- optional parts of the protocol ---------------------------------------------------------------------------
    def observe(self, info: dict[str, Any]) -> None:
        """Per-candidate figures of the evaluation beyond fitness; ignored unless the algorithm needs them."""

    def champion_to_test(self, candidates: Sequence[Any], fitness: np.ndarray, order: np.ndarray,
                         rotate_species: bool) -> int:
        """Index of the candidate whose success test runs this generation: the best (``order[0]``)."""
        return int(order[0])

    # ---- state ----------------------------------------------------------------------------------------------------
    def base_state(self) -> dict[str, Any]:
        """The common part of :meth:`state_dict`: name, counters, generator state."""
        return {"algorithm": self.name, "generation": self.generation, "evaluations": self.evaluations,
                "rng": self.rng.bit_generator.state}

    def load_base_state(self, state: Any, source: str | None, default_name: str | None = None) -> StateReader:
        """Restore :meth:`base_state`'s part (every field checked; errors name it); returns the reader for the
        rest. ``default_name``: the name assumed when the state has none (old checkpoints)."""
        r, w = StateReader(source), "algorithm"
        if not isinstance(state, dict):
            raise r.fail(w, "expected an object")
        name = state.get("algorithm", default_name)
        if name != self.name:
            raise r.fail("algorithm.algorithm", f"expected the state of algorithm {self.name!r}, got {name!r}")
        self.generation = r.int(state, "generation", w, 0)
        self.evaluations = r.int(state, "evaluations", w, 0)
        r.generator(self.rng, state, "rng", w)
        return r


__all__ = ["ALGORITHMS", "Algorithm", "AlgorithmBase", "GenerationStatistics", "Statistics", "algorithm_class",
           "algorithm_names"]
