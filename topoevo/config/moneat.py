"""The ``[neat_nsga2]`` section: NSGA-II over NEAT genomes (algorithm ``neat_nsga2``), maximising the task's fitness
while minimising the enabled connections. Population size, variation and mutation come from ``[neat]``,
``[reproduction]`` and ``[mutation]``; this section holds the hypervolume's reference point. No torch here."""
from __future__ import annotations

from dataclasses import dataclass

from topoevo.config.schema import Section, param


@dataclass
class NEATNSGA2Config(Section):
    """``[neat_nsga2]``: the reference point of the hypervolume logged every generation (genomes with fitness at or
    below ``fitness_reference`` or at least ``connections_reference`` enabled connections add nothing to it).

    >>> NEATNSGA2Config().fitness_reference, NEATNSGA2Config().connections_reference
    (0.0, 100)
    """

    SECTION = "neat_nsga2"

    fitness_reference: float = param(0.0, "neat_nsga2: the fitness at the hypervolume's reference point (the worst "
                                          "fitness that counts; run.fitness_criterion = 'min': the highest).")
    connections_reference: int = param(100, "neat_nsga2: the enabled connections at the hypervolume's reference "
                                            "point (hypervolume in objectives divided by the reference spans).",
                                       ge=1)


__all__ = ["NEATNSGA2Config"]
