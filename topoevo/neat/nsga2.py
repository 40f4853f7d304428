"""NSGA-II (Deb et al. 2002) over NEAT genomes as ask/tell (``run.algorithm = "neat_nsga2"``): maximise the task's
fitness and minimise the network's size (enabled connections) at once, returning a Pareto front of genomes.

Generation 0 asks ``neat.pop_size`` initial genomes. After each evaluation the P survivors of the current
population + the new genomes are chosen front by front (non-dominated sorting), the last front cut by crowding
distance (:func:`topoevo.nas.nsga2.survivors`, the same selection the architecture search uses; copies of an
objective vector after the distinct ones: :func:`distinct_survivors`); then P children
are asked, each from parents won by binary tournaments (lower rank, then larger crowding distance) with NEAT's own
variation: a ``reproduction.mutate_only_prob`` fraction is a mutated copy, the rest a crossover of two tournament
winners (genes aligned by innovation number, the fitter parent's topology), of which ``mate_only_prob`` stay
unmutated; mutations as ``[mutation]`` says (set ``delete_connection_rate`` so that size can shrink as well as grow).
No speciation: crowding distance keeps the front spread.

The hypervolume of the survivors' first front is logged every generation, in the objectives (reference - fitness,
connections / ``connections_reference``) against the reference point (``neat_nsga2.fitness_reference``, 1), so it
is at most (best fitness - reference) for a maximised fitness. The run directory's ``pareto.json`` holds the
final front (written with the champion; ``topoevo plot RUNDIR`` draws it with the hypervolume curve).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from topoevo.algorithm import AlgorithmBase, GenerationStatistics
from topoevo.config import Config
from topoevo.genome.crossover import crossover
from topoevo.genome.genome import Genome
from topoevo.genome.initial import first_hidden_id, initial_genome
from topoevo.genome.innovation import InnovationTracker
from topoevo.genome.io import genome_to_dict, write_json_atomic
from topoevo.genome.mutation import mutate
from topoevo.nas.nsga2 import PARETO_FILE, survivors
from topoevo.nas.pareto import hypervolume
from topoevo.neat.candidates import PendingCandidates, read_best_genome, read_genomes

OBJECTIVES = ("fitness", "connections")


def distinct_survivors(f: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`~topoevo.nas.nsga2.survivors` with copies last: the first row of each distinct objective vector
    competes first; repeated vectors fill the places left, after them (ranks continued). Without this, copies of a
    few genomes (cheap to make for NEAT: an unmutated crossover child, a mutation of a disabled gene) fill the first
    front and the population loses every genome on the way to a better one.

    >>> idx, rank, _ = distinct_survivors(np.array([[1.0, 2.0], [1.0, 2.0], [2.0, 3.0]]), 2)
    >>> idx.tolist(), rank.tolist()
    ([0, 2], [0, 1])
    """
    _, first = np.unique(f, axis=0, return_index=True)
    first = np.sort(first)
    copies = np.setdiff1d(np.arange(len(f)), first)
    idx, rank, crowd = survivors(f[first], count)
    idx = first[idx]
    if len(idx) < count and len(copies):
        more, r2, c2 = survivors(f[copies], count - len(idx))
        idx = np.concatenate([idx, copies[more]])
        rank = np.concatenate([rank, r2 + (rank.max() + 1 if len(rank) else 0)])
        crowd = np.concatenate([crowd, c2])
    return idx, rank, crowd


@dataclass
class NEATNSGA2Stats(GenerationStatistics):
    """A generation of NSGA-II over genomes: fitness figures of the genomes just evaluated, the best ever, and the
    survivors' first front (its size, hypervolume, fewest connections among its members).

    >>> NEATNSGA2Stats(2, 30, 3.0, 2.0, 1.0, 3.5, 4, 0.75, 2).to_dict()["hypervolume"]
    0.75
    """

    best_ever_fitness: float
    front_size: int
    hypervolume: float
    front_min_connections: int


class NEATNSGA2(PendingCandidates, AlgorithmBase):
    """Multi-objective NEAT: fitness against enabled connections (settings: ``[neat] pop_size``,
    ``[reproduction]``, ``[mutation]``, ``[neat_nsga2]``).

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "run": {"algorithm": "neat_nsga2"},
    ...                         "genome": {"num_inputs": 2, "num_outputs": 1}, "neat": {"pop_size": 6},
    ...                         "neat_nsga2": {"connections_reference": 10}})
    >>> algo = NEATNSGA2(cfg, seed=0)
    >>> stats = algo.tell([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> len(algo.ask()), len(algo.population), stats.front_size, round(stats.hypervolume, 6)
    (6, 6, 1, 4.2)
    """

    name = "neat_nsga2"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        if config.genome.num_inputs < 1 or config.genome.num_outputs < 1:
            raise ValueError("genome.num_inputs and genome.num_outputs must be set (>= 1) before building the "
                             "algorithm")
        super().__init__(config, seed)
        self.next_key = 0
        self.tracker = InnovationTracker(0, first_hidden_id(config.genome))
        self.population: list[Genome] = []  # the P survivors, evaluated
        self.rank = np.zeros(0, dtype=np.int64)
        self.crowding = np.zeros(0)
        self.pending: list[Genome] = []
        self.best_genome: Genome | None = None
        if not _restore:
            py = self._py_rng()
            self.pending = [initial_genome(config.genome, self.tracker, py, self._new_key())
                            for _ in range(config.neat.pop_size)]

    # ---- objectives -----------------------------------------------------------------------------------------------
    def objectives(self, genomes: Sequence[Genome]) -> np.ndarray:
        """(N, 2) minimised objectives: fitness negated when maximised, and enabled connections.

        >>> from topoevo.config import Config
        >>> cfg = Config.from_dict({"task": {"name": "xor"}, "run": {"algorithm": "neat_nsga2"},
        ...                         "genome": {"num_inputs": 2, "num_outputs": 1}, "neat": {"pop_size": 2}})
        >>> algo = NEATNSGA2(cfg)
        >>> g = algo.ask()[0]; g.fitness = 3.5
        >>> algo.objectives([g]).tolist()
        [[-3.5, 3.0]]
        """
        return np.array([[-self.sign * float(g.fitness), float(g.num_enabled())] for g in genomes],
                        dtype=np.float64).reshape(len(genomes), 2)

    def hypervolume(self, genomes: Sequence[Genome]) -> float:
        """Hypervolume of ``genomes`` in (reference - fitness, connections / connections_reference) against
        (``fitness_reference``, 1)."""
        if not genomes:
            return 0.0
        ref = self.config.neat_nsga2
        scale = np.array([1.0, float(ref.connections_reference)])
        return hypervolume(self.objectives(genomes) / scale, np.array([-self.sign * ref.fitness_reference, 1.0]))

    def front(self) -> list[Genome]:
        """The survivors of rank 0 (the current Pareto front), best fitness first (then fewer connections)."""
        members = [g for g, r in zip(self.population, self.rank) if r == 0]
        f = self.objectives(members)
        return [members[int(i)] for i in np.lexsort(f.T[::-1])] if members else []

    # ---- ask / tell -----------------------------------------------------------------------------------------------
    def ask(self) -> list[Genome]:
        """This generation's genomes to evaluate (the same list until :meth:`tell`)."""
        return self.pending

    @property
    def best(self) -> Genome | None:
        """The genome with the best fitness ever told (first of equals)."""
        return self.best_genome

    def tell(self, fitness: Sequence[float]) -> NEATNSGA2Stats:
        """Record the fitness of ``ask()``'s genomes, keep the P best of survivors + new genomes by rank and
        crowding, make P children."""
        f = self.checked_fitness(fitness, len(self.pending))
        for g, v in zip(self.pending, f.tolist()):
            g.fitness = v
        self.evaluations += len(f)
        i = int(np.argmin(f) if self.minimise else np.argmax(f))
        if self.best_genome is None or self.better(float(f[i]), self.best_genome.fitness):
            self.best_genome = self._kept(self.pending[i])
        pool = self.population + self.pending
        idx, self.rank, self.crowding = distinct_survivors(self.objectives(pool), self.config.neat.pop_size)
        self.population = [pool[int(k)] for k in idx]
        front = self.front()
        stats = NEATNSGA2Stats(self.generation, self.evaluations, float(f[i]), float(f.mean()),
                               float(f.max() if self.minimise else f.min()), float(self.best_genome.fitness),
                               len(front), self.hypervolume(front), min(g.num_enabled() for g in front))
        self.tracker.new_generation()
        self.generation += 1
        self.pending = self._children(self.config.neat.pop_size)
        return stats

    # ---- variation ------------------------------------------------------------------------------------------------
    def tournament(self) -> Genome:
        """Binary tournament: lower rank wins, then larger crowding distance, then the first drawn."""
        i, j = (int(k) for k in self.rng.integers(0, len(self.population), 2))
        if (self.rank[j], -self.crowding[j]) < (self.rank[i], -self.crowding[i]):
            i = j
        return self.population[i]

    def _children(self, count: int) -> list[Genome]:
        cfg = self.config
        rep = cfg.reproduction
        py = self._py_rng()
        out = []
        for _ in range(count):
            mom = self.tournament()
            if py.random() < rep.mutate_only_prob:
                child = mom.copy(self._new_key())
                child.parents = (mom.key,)
                mutate(child, cfg.genome, cfg.mutation, self.tracker, py)
            else:
                dad = self.tournament()
                mom_fitter = self.better(mom.fitness, dad.fitness) or (mom.fitness == dad.fitness and
                                                                       py.random() < 0.5)
                fitter, weaker = (mom, dad) if mom_fitter else (dad, mom)
                child = crossover(fitter, weaker, py, rep.disable_inherit_prob, self._new_key())
                if dad is mom or py.random() >= rep.mate_only_prob:
                    mutate(child, cfg.genome, cfg.mutation, self.tracker, py)
            out.append(child)
        return out

    # ---- files and state ------------------------------------------------------------------------------------------
    def pareto_data(self) -> dict[str, Any]:
        """What ``pareto.json`` holds: the objectives (fitness as the task gives it, enabled connections), the
        reference point, the hypervolume and the front's genomes."""
        front = self.front()
        ref = self.config.neat_nsga2
        return {"algorithm": self.name, "generation": self.generation, "evaluations": self.evaluations,
                "objectives": list(OBJECTIVES), "senses": [self.config.run.fitness_criterion.value, "min"],
                "reference": [ref.fitness_reference, ref.connections_reference],
                "hypervolume": self.hypervolume(front), "members": "genomes",
                "front": [{"key": g.key, "objectives": [g.fitness, g.num_enabled()], "hidden": g.num_hidden,
                           "genome": genome_to_dict(g)} for g in front]}

    def save_candidate(self, genome: Genome, path: str | Path, metadata: dict[str, Any]) -> None:
        """The champion (best fitness) as a genome file and, beside it, ``pareto.json``."""
        super().save_candidate(genome, path, {"algorithm": self.name, **metadata})
        write_json_atomic(Path(path).parent / PARETO_FILE, self.pareto_data())

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically, as plain JSON data."""
        return {**self.base_state(), "next_key": self.next_key, "tracker": self.tracker.to_dict(),
                "population": [genome_to_dict(g) for g in self.population], "rank": self.rank.tolist(),
                "crowding": [None if np.isinf(d) else float(d) for d in self.crowding],  # (None: infinite)
                "pending": [genome_to_dict(g) for g in self.pending],
                "best_genome": None if self.best_genome is None else genome_to_dict(self.best_genome)}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> "NEATNSGA2":
        """Rebuild from :meth:`state_dict` output; anything malformed raises
        :class:`~topoevo.errors.CheckpointError` naming the field."""
        from topoevo.neat.algorithm import _read_tracker

        algo = cls(config, _restore=True)
        r, w = algo.load_base_state(state, source), "algorithm"
        algo.next_key = r.int(state, "next_key", w, 0)
        algo.tracker = _read_tracker(r, r.dict(state, "tracker", w))

        algo.population = read_genomes(r, state, "population", config, source, True)
        algo.pending = read_genomes(r, state, "pending", config, source, False)
        n, p = len(algo.population), config.neat.pop_size
        if len(algo.pending) != p or (algo.generation > 0 and n != p):
            raise r.fail("algorithm.population", f"expected {p} survivors and {p} pending genomes, got {n} and "
                                                 f"{len(algo.pending)}")
        rank, crowding = state.get("rank"), state.get("crowding")
        if not (isinstance(rank, list) and len(rank) == n and all(
                isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in rank)):
            raise r.fail("algorithm.rank", f"expected {n} ranks (integers >= 0)")
        if not (isinstance(crowding, list) and len(crowding) == n and all(
                d is None or (isinstance(d, (int, float)) and not isinstance(d, bool) and 0 <= d < math.inf)
                for d in crowding)):
            raise r.fail("algorithm.crowding", f"expected {n} crowding distances (numbers >= 0 or null)")
        algo.rank = np.array(rank, dtype=np.int64)
        algo.crowding = np.array([math.inf if d is None else float(d) for d in crowding], dtype=np.float64)
        algo.best_genome = read_best_genome(r, state, source, algo.generation)
        return algo


__all__ = ["NEATNSGA2", "NEATNSGA2Stats", "OBJECTIVES"]
