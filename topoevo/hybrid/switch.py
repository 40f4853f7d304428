"""A NEAT run that switches into the hybrid mode part-way (``run.algorithm = "neat_switch"``): NEAT (speciation,
crossover, the task training every genome) until ``hybrid.switch_at`` or, with ``hybrid.switch_when =
"stagnation"``, until its best fitness has not improved for ``hybrid.switch_patience`` generations; then the
generation just evaluated seeds the aging queue and the rest of the run is regularized evolution over NEAT genomes
(:class:`~topoevo.hybrid.rea.NEATRegularizedEvolution`), with the same generator, innovation tracker, genome keys and
counters. The checkpoint holds the common fields (counters, generator), the phase and the state of the algorithm in
charge, so a run resumes bit-identically on either side of the switch.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from topoevo.algorithm import AlgorithmBase, Statistics
from topoevo.config import Config
from topoevo.config.hybrid import SwitchWhen
from topoevo.errors import ConfigError
from topoevo.genome.genome import Genome
from topoevo.hybrid.rea import NEATRegularizedEvolution, require_trainable
from topoevo.neat.algorithm import NEAT
from topoevo.neat.candidates import GenomeCandidates


@dataclass
class PhaseStats:
    """A generation's statistics (those of the algorithm in charge) with the phase that made them (``neat`` or
    ``rea``) and whether the run switched after it.

    >>> from topoevo.algorithm import GenerationStatistics
    >>> PhaseStats(GenerationStatistics(4, 40, 0.5, 0.2, 0.1), "neat", True).to_dict()["switched"]
    True
    """

    stats: Statistics
    phase: str
    switched: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {**self.stats.to_dict(), "phase": self.phase, "switched": self.switched}


class NEATSwitch(GenomeCandidates, AlgorithmBase):
    """NEAT, then regularized evolution over its genomes.

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "supervised_backprop", "dataset": "iris"},
    ...                         "run": {"algorithm": "neat_switch"}, "neat": {"pop_size": 6},
    ...                         "genome": {"num_inputs": 4, "num_outputs": 3},
    ...                         "hybrid": {"population": 4, "sample_size": 2, "batch": 2, "switch_at": 1}})
    >>> algo = NEATSwitch(cfg, seed=0)
    >>> algo.phase, len(algo.ask())
    ('neat', 6)
    >>> algo.observe({}); algo.tell([i / 4 for i in range(6)]).to_dict()["switched"]
    True
    >>> algo.phase, len(algo.ask()), [g.fitness for g in algo.rea.queue]
    ('rea', 2, [0.5, 0.75, 1.0, 1.25])
    """

    name = "neat_switch"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        require_trainable(config, self.name)
        h = config.hybrid
        if h.switch_at == 0 and h.switch_when is SwitchWhen.NEVER:
            raise ConfigError("run.algorithm = 'neat_switch' needs a switch: expected a generation >= 1 (or "
                              "switch_when = 'stagnation')", source=config.source, field="hybrid.switch_at")
        super().__init__(config, seed)
        self.neat: NEAT | None = None
        self.rea: NEATRegularizedEvolution | None = None
        self.best_seen = -math.inf  # NEAT phase: best generation-best fitness so far, and when it was reached
        self.last_improved = 0
        if not _restore:
            self.neat = NEAT(config, seed)
            self._follow()

    def _follow(self) -> None:
        """Take over the counters and the one generator (shared by both phases) of the algorithm in charge."""
        self.rng = self.active.rng
        self.generation, self.evaluations = self.active.generation, self.active.evaluations

    @property
    def phase(self) -> str:
        return "neat" if self.rea is None else "rea"

    @property
    def active(self) -> NEAT | NEATRegularizedEvolution:
        return self.neat if self.rea is None else self.rea  # type: ignore[return-value]

    @property
    def best(self) -> Genome | None:
        return self.active.best

    def ask(self) -> list[Genome]:
        return self.active.ask()

    def observe(self, info: dict[str, Any]) -> None:
        self.active.observe(info)

    def champion_to_test(self, candidates: Sequence[Genome], fitness: np.ndarray, order: np.ndarray,
                         rotate_species: bool) -> int:
        return self.active.champion_to_test(candidates, fitness, order, rotate_species)

    def should_switch(self, generation: int, best_fitness: float) -> bool:
        """After NEAT's generation ``generation`` (its best fitness ``best_fitness``): switch now?"""
        h = self.config.hybrid
        if best_fitness > self.best_seen:
            self.best_seen, self.last_improved = best_fitness, generation
        if h.switch_at and generation + 1 >= h.switch_at:
            return True
        return h.switch_when is SwitchWhen.STAGNATION and generation - self.last_improved >= h.switch_patience

    def tell(self, fitness: Sequence[float]) -> PhaseStats:
        out = self._tell(fitness)
        self._follow()
        return out

    def _tell(self, fitness: Sequence[float]) -> PhaseStats:
        if self.rea is not None:
            return PhaseStats(self.rea.tell(fitness), "rea")
        neat = self.neat
        assert neat is not None
        evaluated = list(neat.population)  # tell() replaces the population; these keep their fitness
        stats = neat.tell(fitness)
        if not self.should_switch(stats.generation, stats.best_fitness):
            return PhaseStats(stats, "neat")
        self.rea = NEATRegularizedEvolution.seeded(self.config, evaluated, neat.rng, neat.tracker, neat.next_key,
                                                   neat.generation, neat.evaluations, neat.best_genome)
        self.neat = None
        return PhaseStats(stats, "neat", switched=True)

    def snapshot(self, index: int, fitness: float) -> Genome:
        return self.active.snapshot(index, fitness)

    def save_candidate(self, genome: Genome, path: str | Path, metadata: dict[str, Any]) -> None:
        super().save_candidate(genome, path, {"algorithm": self.name, "phase": self.phase, **metadata})

    def state_dict(self) -> dict[str, Any]:
        """The common fields (those of the algorithm in charge), the phase, the stagnation record and the state of
        the algorithm in charge."""
        return {**self.base_state(), "phase": self.phase, "best_seen": self.best_seen
                if math.isfinite(self.best_seen) else None, "last_improved": self.last_improved,
                "state": self.active.state_dict()}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> "NEATSwitch":
        """Rebuild from :meth:`state_dict` output; anything malformed raises
        :class:`~topoevo.errors.CheckpointError` naming the field."""
        algo = cls(config, _restore=True)
        r, w = algo.load_base_state(state, source), "algorithm"
        phase = r.str(state, "phase", w)
        best = r.float(state, "best_seen", w, optional=True)
        algo.best_seen = -math.inf if best is None else best
        algo.last_improved = r.int(state, "last_improved", w, 0)
        inner = r.dict(state, "state", w)
        if phase == "neat":
            algo.neat = NEAT.from_state_dict(config, inner, source)
        elif phase == "rea":
            algo.rea = NEATRegularizedEvolution.from_state_dict(config, inner, source)
        else:
            raise r.fail("algorithm.phase", f"expected 'neat' or 'rea', got {phase!r}")
        outer = (algo.generation, algo.evaluations, algo.rng.bit_generator.state)
        algo._follow()
        if outer != (algo.generation, algo.evaluations, algo.rng.bit_generator.state):
            raise r.fail("algorithm.state", "the counters or generator state differ from the algorithm's own")
        return algo


__all__ = ["NEATSwitch", "PhaseStats"]
