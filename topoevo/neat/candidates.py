"""The candidate half of the :class:`~topoevo.algorithm.Algorithm` protocol for algorithms whose candidates are NEAT
genomes (NEAT itself and the hybrid mode): compiling, describing, saving and (de)serialising them, and making new
ones (genome keys, the Python generator genome operations use)."""
from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from topoevo.evaluate.base import compile_genomes
from topoevo.genome.genome import Genome
from topoevo.genome.io import genome_from_dict, genome_to_dict, save_genome
from topoevo.genome.initial import node_ids
from topoevo.genome.rng import GenomeRandom

if TYPE_CHECKING:
    from topoevo.checkpoint import StateReader
    from topoevo.config import Config, GenomeConfig
    from topoevo.tasks.base import BatchedPolicy


class GenomeCandidates:
    """Mixed into an :class:`~topoevo.algorithm.AlgorithmBase` subclass whose ``ask()`` returns genomes (it
    provides ``rng``; the subclass keeps ``next_key``, the key of the next new genome).

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> from topoevo.genome.initial import first_hidden_id
    >>> cfg = GenomeConfig(num_inputs=2, num_outputs=1)
    >>> g = initial_genome(cfg, InnovationTracker(0, first_hidden_id(cfg)), random.Random(0))
    >>> algo = GenomeCandidates()
    >>> algo.describe(g), algo.candidate_from_dict(algo.candidate_to_dict(g)).conns.keys() == g.conns.keys()
    ({'hidden': 0, 'connections': 3}, True)
    """

    rng: np.random.Generator
    next_key: int
    config: Config
    candidate_from_dict = staticmethod(genome_from_dict)

    @property
    def compile_fn(self) -> Callable[[Sequence[Genome]], BatchedPolicy]:
        """Genomes -> one batched policy, as the genome config says (:func:`genome_compile_fn`)."""
        return genome_compile_fn(self.config.genome)

    def candidate_to_dict(self, genome: Genome) -> dict[str, Any]:
        return genome_to_dict(genome)

    def describe(self, genome: Genome) -> dict[str, Any]:
        return {"hidden": genome.num_hidden, "connections": genome.num_enabled()}

    def save_candidate(self, genome: Genome, path: str | Path, metadata: dict[str, Any]) -> None:
        save_genome(genome, path, metadata)

    @staticmethod
    def _kept(g: Genome) -> Genome:
        """A copy that keeps fitness and parents (for genomes kept apart from those asked: queue, best, front)."""
        c = g.copy()
        c.fitness, c.parents = g.fitness, g.parents
        return c

    def _py_rng(self) -> GenomeRandom:
        """A fast Python generator for genome operations, drawn from the run's one numpy generator."""
        return GenomeRandom(int(self.rng.integers(0, 2**63)))

    def _new_key(self) -> int:
        self.next_key += 1
        return self.next_key - 1


class PendingCandidates(GenomeCandidates):
    """:class:`GenomeCandidates` for algorithms whose ``ask()`` is the list ``pending`` of new genomes (the hybrid
    mode's regularized evolution, NSGA-II over NEAT genomes): a champion is a copy of a pending genome.

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> from topoevo.genome.initial import first_hidden_id
    >>> cfg = GenomeConfig(num_inputs=2, num_outputs=1)
    >>> algo = PendingCandidates()
    >>> algo.pending = [initial_genome(cfg, InnovationTracker(0, first_hidden_id(cfg)), random.Random(0))]
    >>> champ = algo.snapshot(0, 3.5)
    >>> champ.fitness, champ is algo.pending[0], algo.pending[0].fitness
    (3.5, False, None)
    """

    pending: list[Genome]

    def snapshot(self, index: int, fitness: float) -> Genome:
        champ = self._kept(self.pending[index])
        champ.fitness = fitness
        return champ


def genome_compile_fn(gc: GenomeConfig) -> Callable[[Sequence[Genome]], BatchedPolicy]:
    """Genomes -> one batched policy: PyTorch networks, or for ``genome.network = 'ctrnn'`` / ``'iznn'`` the
    CTRNN / Izhikevich networks (:func:`topoevo.dynamics.networks.compile_dynamics` over the config's settings;
    picklable, as worker processes need).

    >>> from topoevo.config import GenomeConfig
    >>> genome_compile_fn(GenomeConfig()) is compile_genomes, genome_compile_fn(GenomeConfig(network="iznn")).keywords
    (True, {'model': 'iznn', 'dt': 0.1, 'steps': 1, 'readout': 'last'})
    """
    if gc.node_model is None:
        return compile_genomes
    from topoevo.dynamics.networks import compile_dynamics

    return partial(compile_dynamics, model=gc.node_model, dt=gc.dt, steps=gc.steps_per_observation,
                   readout=gc.readout)


def check_genome_shape(r: StateReader, g: Genome, config: Config, where: str) -> None:
    """A checkpointed genome must fit the config: same inputs, outputs, bias node and network type."""
    cfg = config.genome
    inputs, bias, outputs = node_ids(cfg)
    if tuple(g.input_ids) != tuple(inputs) or tuple(g.output_ids) != tuple(outputs) or g.bias_id != bias:
        raise r.fail(where, f"inputs {list(g.input_ids)}, bias {g.bias_id}, outputs {list(g.output_ids)} do not "
                            f"fit the config (expected {list(inputs)}, {bias}, {list(outputs)})")
    if g.feed_forward != cfg.feed_forward:
        raise r.fail(f"{where}.network", f"expected a {cfg.network.value} genome (the config's genome.network)")


def read_genomes(r: StateReader, state: dict[str, Any], key: str, config: Config, source: str | None,
                 need_fitness: bool) -> list[Genome]:
    """The genomes of checkpoint list ``state[key]``, each checked against the config's inputs and outputs (and to
    have a finite fitness when ``need_fitness``); errors name ``algorithm.<key>[i]``."""
    out = []
    for i, d in enumerate(r.list(state, key, "algorithm")):
        where = f"algorithm.{key}[{i}]"
        g = genome_from_dict(d, f"{source}#{where}" if source else where)
        check_genome_shape(r, g, config, where)
        if need_fitness and (g.fitness is None or not math.isfinite(g.fitness)):
            raise r.fail(f"{where}.fitness", f"expected the fitness of every genome of {key}")
        out.append(g)
    return out


def read_best_genome(r: StateReader, state: dict[str, Any], source: str | None, generation: int) -> Genome | None:
    """Checkpoint field ``best_genome``: None before the first generation, else a genome with a fitness; errors name
    ``algorithm.best_genome``."""
    best = state.get("best_genome")
    if best is None:
        if generation > 0:
            raise r.fail("algorithm.best_genome", f"missing after {generation} generations")
        return None
    where = "algorithm.best_genome"
    g = genome_from_dict(best, f"{source}#{where}" if source else where)
    if g.fitness is None:
        raise r.fail("algorithm.best_genome.fitness", "best_genome has no fitness")
    return g


__all__ = ["GenomeCandidates", "PendingCandidates", "read_genomes", "read_best_genome", "check_genome_shape",
           "genome_compile_fn"]
