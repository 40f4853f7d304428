"""Regularized (aging) evolution over NEAT genomes whose weights backprop trains (``run.algorithm = "neat_rea"``):
the hybrid mode of Real et al. (2019) on NEAT's genome, with innovation-keyed Lamarckian inheritance.

A queue of P trained genomes (oldest first); each child's parent is the best of S genomes sampled from the queue with
replacement (optionally crossed, genes aligned by innovation, with a second tournament's winner); the child gets one
mutation (``topoevo.hybrid.mutation``); B children are asked per generation and trained together by the task
(``supervised_backprop``), then enter the queue while the B oldest leave. Generation 0 asks P initial genomes.

Inheritance: the task sends each genome's trained weights back (``EvalResult.info[TRAINED_WEIGHTS]``, keyed by
innovation number and node id); :meth:`observe` writes them into the genome that was trained, so a child copied from
it starts from its parent's trained weight for every gene they share, and new genes start as the mutation made
them. With ``hybrid.lamarckian = false`` every weight and bias of a child is drawn anew (training from scratch).
Settings: ``[hybrid]``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from topoevo.algorithm import AlgorithmBase, GenerationStatistics
from topoevo.config import Config, FitnessCriterion
from topoevo.errors import ConfigError
from topoevo.genome.crossover import crossover
from topoevo.genome.genome import Genome
from topoevo.genome.initial import first_hidden_id, initial_genome
from topoevo.genome.innovation import InnovationTracker
from topoevo.genome.io import genome_to_dict
from topoevo.hybrid.mutation import mutate_child, redraw_weights
from topoevo.neat.candidates import PendingCandidates, read_best_genome, read_genomes
from topoevo.tasks.base import TRAINED_WEIGHTS, TrainedWeights


def require_trainable(config: Config, algorithm: str) -> None:
    """The hybrid mode needs feed-forward genomes, a task that trains them (``supervised_backprop`` with steps > 0)
    and sends the trained weights back (``inheritance = 'lamarckian'``), and a maximised fitness; otherwise one
    :class:`ConfigError` naming the file and field."""
    from topoevo.tasks.backprop_neat import BackpropParams, Inheritance

    def fail(field_: str, msg: str) -> ConfigError:
        return ConfigError(f"run.algorithm = {algorithm!r} trains genomes by backprop: {msg}", source=config.source,
                           field=field_)

    params = config.task.params
    if not isinstance(params, BackpropParams):
        raise fail("task.name", f"expected a task that trains ('supervised_backprop'), got {config.task.name!r}")
    if params.steps < 1:
        raise fail("task.steps", "expected at least 1 training step, got 0")
    if params.inheritance is not Inheritance.LAMARCKIAN:
        raise fail("task.inheritance", "expected 'lamarckian' (the task must send the trained weights back; "
                                       "hybrid.lamarckian chooses whether children inherit them)")
    if not config.genome.feed_forward:
        raise fail("genome.network", "expected 'feedforward' (recurrent genomes cannot be trained by backprop here)")
    if config.run.fitness_criterion is not FitnessCriterion.MAX:
        raise fail("run.fitness_criterion", "expected 'max' (the task's fitness is maximised)")


@dataclass
class HybridStats(GenerationStatistics):
    """One generation of the hybrid mode (after training, after the queue update).

    >>> s = HybridStats(generation=3, evaluations=50, best_fitness=-0.2, mean_fitness=-0.5, worst_fitness=-0.9,
    ...                 std_fitness=0.1, best_key=44, best_nodes=20, best_connections=90,
    ...                 best_ever_fitness=-0.1, queue_best_fitness=-0.1, queue_mean_fitness=-0.4)
    >>> s.to_dict()["phase"], s.to_dict()["queue_best_fitness"]
    ('rea', -0.1)
    """

    std_fitness: float
    best_key: int
    best_nodes: int
    best_connections: int
    best_ever_fitness: float
    queue_best_fitness: float
    queue_mean_fitness: float
    mutations: dict[str, int] = field(default_factory=dict)  # kinds of this generation's children (applied ones)
    phase: str = "rea"
    switched: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["mutations"] = dict(self.mutations)
        return d


class NEATRegularizedEvolution(PendingCandidates, AlgorithmBase):
    """Regularized evolution over NEAT genomes, trained by the task, in batch ask/tell form.

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "supervised_backprop", "dataset": "iris"},
    ...                         "run": {"algorithm": "neat_rea"},
    ...                         "genome": {"num_inputs": 4, "num_outputs": 3},
    ...                         "hybrid": {"population": 4, "sample_size": 2, "batch": 2}})
    >>> rea = NEATRegularizedEvolution(cfg, seed=0)
    >>> rea.observe({"trained_weights": [None] * 4})  # (what the task trained; None: keep the genome as it is)
    >>> len(rea.ask()), rea.tell([0.1, 0.2, 0.3, 0.4]).queue_best_fitness, len(rea.ask()), len(rea.queue)
    (4, 0.4, 2, 4)
    """

    name = "neat_rea"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        require_trainable(config, self.name)
        if config.genome.num_inputs < 1 or config.genome.num_outputs < 1:
            raise ValueError("genome.num_inputs and genome.num_outputs must be set (>= 1) before building the "
                             "algorithm")
        super().__init__(config, seed)
        self.next_key = 0
        self.tracker = InnovationTracker(0, first_hidden_id(config.genome))
        self.queue: list[Genome] = []  # trained genomes with their fitness, oldest first
        self.pending: list[Genome] = []
        self.best_genome: Genome | None = None
        self.mutation_counts: dict[str, int] = {}  # of the pending children
        self._observed = False
        if not _restore:
            py = self._py_rng()
            self.pending = [initial_genome(config.genome, self.tracker, py, self._new_key())
                            for _ in range(config.hybrid.population)]

    @classmethod
    def seeded(cls, config: Config, evaluated: Sequence[Genome], rng: np.random.Generator,
               tracker: InnovationTracker, next_key: int, generation: int, evaluations: int,
               best: Genome | None) -> "NEATRegularizedEvolution":
        """Continue another run in the hybrid mode (the switch): the best ``hybrid.population`` of its last
        ``evaluated`` genomes (with their fitness; ties by key) seed the queue (by key: lower keys are older), and the
        first children are made at once. Takes over the run's generator, tracker and counters."""
        algo = cls(config, _restore=True)
        algo.rng, algo.tracker, algo.next_key = rng, tracker, next_key
        algo.generation, algo.evaluations = generation, evaluations
        ranked = sorted(evaluated, key=lambda g: (-g.fitness, g.key))[:config.hybrid.population]
        algo.queue = [algo._kept(g) for g in sorted(ranked, key=lambda g: g.key)]
        algo.best_genome = None if best is None else algo._kept(best)
        algo.tracker.new_generation()
        algo.pending = algo._children(config.hybrid.batch)
        return algo

    # ---- ask / tell ---------------------------------------------------------------------------------------------
    def ask(self) -> list[Genome]:
        """This generation's genomes to train (the same list until :meth:`tell`)."""
        return self.pending

    @property
    def best(self) -> Genome | None:
        """The genome with the best fitness ever told (first of equals), holding its trained weights."""
        return self.best_genome

    def observe(self, info: dict[str, Any]) -> None:
        """Write the trained weights the task sent back (``info[TRAINED_WEIGHTS]``, one per genome of ``ask()``)
        into the genomes, clipped to the configured ranges. The run loop calls it before :meth:`tell`."""
        trained = info.get(TRAINED_WEIGHTS)
        if trained is None:
            return
        if len(trained) != len(self.pending):
            raise ValueError(f"observe() got {len(trained)} trained weights for {len(self.pending)} genomes")
        cfg = self.config.genome
        for g, t in zip(self.pending, trained):
            if isinstance(t, TrainedWeights):
                t.apply_to(g, (cfg.weight_min, cfg.weight_max), (cfg.bias_min, cfg.bias_max))
        self._observed = True

    def tell(self, fitness: Sequence[float]) -> HybridStats:
        """Record the fitness of ``ask()``'s trained genomes, age the queue, make the next children."""
        f = self.checked_fitness(fitness, len(self.pending))
        if not self._observed:
            raise ValueError("the hybrid mode keeps the trained weights: pass the task's info (with "
                             f"{TRAINED_WEIGHTS!r}) to observe() before tell()")
        self._observed = False
        for g, v in zip(self.pending, f.tolist()):
            g.fitness = v
        self.evaluations += len(f)
        i = int(np.argmax(f))
        top = self.pending[i]
        if self.best_genome is None or self.better(top.fitness, self.best_genome.fitness):
            self.best_genome = self._kept(top)
        self.queue.extend(self.pending)
        del self.queue[:max(len(self.queue) - self.config.hybrid.population, 0)]  # the oldest leave
        q = np.array([g.fitness for g in self.queue])
        stats = HybridStats(self.generation, self.evaluations, float(f[i]), float(f.mean()), float(f.min()),
                            float(f.std()), top.key, len(top.nodes), top.num_enabled(),
                            float(self.best_genome.fitness), float(q.max()), float(q.mean()),
                            dict(sorted(self.mutation_counts.items())))
        self.tracker.new_generation()
        self.generation += 1
        self.pending = self._children(self.config.hybrid.batch)
        return stats

    # ---- candidates ---------------------------------------------------------------------------------------------
    def save_candidate(self, genome: Genome, path: str | Path, metadata: dict[str, Any]) -> None:
        super().save_candidate(genome, path, {"algorithm": self.name, **metadata})

    # ---- internals ----------------------------------------------------------------------------------------------
    def tournament(self) -> Genome:
        """The best of ``sample_size`` queue members drawn with replacement (first drawn of equals)."""
        idx = self.rng.integers(0, len(self.queue), self.config.hybrid.sample_size)
        return max((self.queue[int(i)] for i in idx), key=lambda g: g.fitness)

    def _children(self, count: int) -> list[Genome]:
        h, cfg = self.config.hybrid, self.config
        py = self._py_rng()
        kinds = list(h.mutations)
        self.mutation_counts = {}
        out = []
        for _ in range(count):
            parent = self.tournament()
            if h.crossover_rate and self.rng.random() < h.crossover_rate:
                other = self.tournament()
                if other.fitness > parent.fitness or (other.fitness == parent.fitness and self.rng.random() < 0.5):
                    parent, other = other, parent
                child = crossover(parent, other, py, cfg.reproduction.disable_inherit_prob, self._new_key())
            else:
                child = parent.copy(self._new_key())
                child.parents = (parent.key,)
            if kinds:
                kind = kinds[int(self.rng.integers(0, len(kinds)))]
                if mutate_child(child, kind, cfg.genome, cfg.mutation, self.tracker, py, h.function_preserving):
                    self.mutation_counts[kind.value] = self.mutation_counts.get(kind.value, 0) + 1
            if not h.lamarckian:
                redraw_weights(child, cfg.genome, py)
            out.append(child)
        return out

    # ---- state --------------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically, as plain JSON data."""
        return {**self.base_state(), "next_key": self.next_key, "tracker": self.tracker.to_dict(),
                "queue": [genome_to_dict(g) for g in self.queue],
                "pending": [genome_to_dict(g) for g in self.pending],
                "mutation_counts": dict(self.mutation_counts),
                "best_genome": None if self.best_genome is None else genome_to_dict(self.best_genome)}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any],
                        source: str | None = None) -> "NEATRegularizedEvolution":
        """Rebuild from :meth:`state_dict` output; anything malformed raises
        :class:`~topoevo.errors.CheckpointError` naming the field."""
        from topoevo.neat.algorithm import _read_tracker

        algo = cls(config, _restore=True)
        r, w = algo.load_base_state(state, source), "algorithm"
        algo.next_key = r.int(state, "next_key", w, 0)
        algo.tracker = _read_tracker(r, r.dict(state, "tracker", w))

        algo.queue = read_genomes(r, state, "queue", config, source, True)
        algo.pending = read_genomes(r, state, "pending", config, source, False)
        if not algo.pending or len(algo.queue) > config.hybrid.population:
            raise r.fail("algorithm.queue", f"expected at most {config.hybrid.population} queue members and some "
                                            f"pending genomes, got {len(algo.queue)} and {len(algo.pending)}")
        if algo.generation > 0 and not algo.queue:
            raise r.fail("algorithm.queue", f"empty after {algo.generation} generations")
        counts = r.dict(state, "mutation_counts", w)
        algo.mutation_counts = {str(k): r.int(counts, k, "algorithm.mutation_counts", 0) for k in counts}
        algo.best_genome = read_best_genome(r, state, source, algo.generation)
        return algo


__all__ = ["NEATRegularizedEvolution", "HybridStats", "require_trainable"]
