"""The ask/tell protocol every algorithm follows, and the registry the run loop picks them from by name.

NEAT, regularized evolution and weight GA/ES all serve the one run loop (topoevo/run.py) through this protocol.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

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
}


def algorithm_names() -> list[str]:
    return sorted(ALGORITHMS)


def algorithm_class(name: str) -> type:
    module, cls = ALGORITHMS[name].split(":")
    return getattr(importlib.import_module(module), cls)


class Algorithm(Protocol):
    """An evolutionary algorithm as ask/tell.

    ``ask()`` returns the candidates of the current generation (fixed order: evaluation seeds follow the index);
    ``tell(fitness)`` consumes their fitness and prepares the next generation, returning statistics with
    ``to_dict()``. ``compile_fn`` turns candidates into one batched policy (a module-level, picklable function, so
    worker processes can use it). The state round-trips through plain JSON data.
    """

    generation: int
    evaluations: int
    compile_fn: Callable[[Sequence[Any]], BatchedPolicy]

    @property
    def minimise(self) -> bool: ...

    @property
    def best(self) -> Any: ...  # best candidate ever told, with its fitness

    def ask(self) -> Sequence[Any]: ...

    def tell(self, fitness: Sequence[float]) -> Any: ...

    def snapshot(self, index: int, fitness: float) -> Any: ...  # a copy of ask()[index] to keep as champion

    def describe(self, candidate: Any) -> dict[str, Any]: ...  # size figures for summaries

    def save_candidate(self, candidate: Any, path: Path, metadata: dict[str, Any]) -> None: ...

    def state_dict(self) -> dict[str, Any]: ...
