"""NSGA-II over architectures (Deb et al. 2002) as ask/tell: generation 0 asks P random architectures; every later
generation asks ``batch`` children, each a one-change mutation (:func:`~topoevo.nas.mutation.mutate`) of a parent
won by a binary tournament (lower non-dominated rank, then larger crowding distance). After training, the P
survivors of parents + children are chosen front by front, the last front cut by crowding distance (the
(mu + lambda) elitism of NSGA-II). No crossover: architectures of different lengths have no natural one.
``[nas] nsga2_diversity = "hypervolume"`` replaces crowding distance, in both places, by each member's exclusive
hypervolume contribution (as SMS-EMOA): at budgets of a few dozen trainings, crowding distance spends tournaments on
the front's smallest networks, which add almost no hypervolume; ``batch = 1`` makes the search steady-state.
``[nas] nsga2_parents = "hypervolume_gradient"`` decides tournaments between equal ranks by the hypervolume a more
accurate child at the member's place would add (the derivative of its front's hypervolume with respect to its error)
instead; ``nsga2_tournament`` members are drawn per tournament (2: Deb's binary tournament).
``nsga2_parents = "gradient_proportional"`` drops the tournament: each parent is drawn with probability proportional
to the derivative of the population's hypervolume with respect to its error (in error x parameters, the stretch of
parameters from its size to the next more accurate member's or the reference): dominated members are never parents,
the tiniest networks, whose children can add little volume, rarely.

Objectives (``[nas] objectives``, all minimised): validation error, parameters, multiply-accumulates, measured CPU
latency per sample. The hypervolume of the survivors' first front, in objectives divided by their reference values
(error 1, ``max_parameters``, ``max_macs``, ``latency_reference_us``; reference point 1 in every objective), is
logged every generation; the run directory's ``pareto.json`` holds the final front (written with the champion).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from topoevo.config import Config
from topoevo.errors import CheckpointError, ConfigError
from topoevo.genome.io import write_json_atomic
from topoevo.nas.candidate import NASCandidate
from topoevo.nas.choices import Diversity, Objective, ParentChoice
from topoevo.nas.io import candidate_to_dict
from topoevo.nas.mutation import mutate
from topoevo.nas.pareto import (crowding_distance, hypervolume, hypervolume_contributions, hypervolume_gradient,
                                non_dominated_sort)
from topoevo.nas.rea import NASStats, _ArchitectureSearch

PARETO_FILE = "pareto.json"


@dataclass
class NSGA2Stats(NASStats):
    """A generation of NSGA-II: :class:`~topoevo.nas.rea.NASStats` plus the survivors' hypervolume and first-front
    size."""

    hypervolume: float = 0.0
    front_size: int = 0


def objective_values(candidates: Sequence[NASCandidate], objectives: Sequence[Objective]) -> np.ndarray:
    """(N, M) raw objective values (error, parameters, MACs, latency in us) of trained candidates.

    >>> from topoevo.nas.arch import Architecture
    >>> c = NASCandidate(0, Architecture((1, 4), 3, (), next_id=0), fitness=0.75)
    >>> objective_values([c], [Objective.ERROR, Objective.PARAMETERS]).tolist()
    [[0.25, 15.0]]
    """
    rows = []
    for c in candidates:
        row = []
        for o in objectives:
            if o is Objective.ERROR:
                row.append(1.0 - float(c.fitness))
            elif o is Objective.PARAMETERS:
                row.append(float(c.parameters))
            elif o is Objective.MACS:
                row.append(float(c.arch.cost().macs))
            else:
                if c.latency_us is None or not np.isfinite(c.latency_us):
                    raise ValueError(f"objective 'latency' needs the task's measured latency of candidate {c.key} "
                                     "(info 'latency_us' passed to observe())")
                row.append(float(c.latency_us))
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(objectives))


def survivors(f: np.ndarray, count: int, reference: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NSGA-II's environmental selection: indices of ``count`` rows of ``f`` taken front by front, the last front
    cut by larger crowding distance (ties: lower index); with their rank and crowding distance. With a
    ``reference`` point, the second criterion is each row's exclusive hypervolume contribution within its front
    instead (:class:`~topoevo.nas.choices.Diversity`): the last front loses its least contributor (ties: higher
    index), contributions recomputed, until it fits.

    >>> idx, rank, crowd = survivors(np.array([[1, 4], [2, 2], [3, 3], [4, 1], [4, 4]]), 4)
    >>> idx.tolist(), rank.tolist()
    ([0, 1, 3, 2], [0, 0, 0, 1])
    >>> idx, rank, contribution = survivors(np.array([[1, 4], [2, 2], [3, 3], [4, 1]]), 2, np.array([5, 5]))
    >>> idx.tolist(), contribution.tolist()
    ([0, 1], [1.0, 6.0])
    """
    f = np.asarray(f, dtype=np.float64)
    chosen, ranks, crowds = [], [], []
    for r, front in enumerate(non_dominated_sort(f)):
        room = count - len(chosen)
        if room <= 0:
            break
        if reference is None:
            d = crowding_distance(f[front])
            if len(front) > room:
                keep = np.argsort(-d, kind="stable")[:room]
                front, d = front[keep], d[keep]
        else:
            while len(front) > room:
                d = hypervolume_contributions(f[front], reference)
                worst = len(d) - 1 - int(np.argmin(d[::-1]))  # (the last of equal least contributors)
                front = np.delete(front, worst)
            d = hypervolume_contributions(f[front], reference)
        chosen.extend(front.tolist())
        ranks.extend([r] * len(front))
        crowds.extend(d.tolist())
    return np.array(chosen, dtype=np.int64), np.array(ranks, dtype=np.int64), np.array(crowds, dtype=np.float64)


class NSGA2(_ArchitectureSearch):
    """Multi-objective architecture search (algorithm ``nsga2``; settings in ``[nas]``).

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "nas"}, "run": {"algorithm": "nsga2"},
    ...                         "nas": {"population": 4, "sample_size": 2, "batch": 2}})
    >>> algo = NSGA2(cfg, seed=0)
    >>> stats = algo.tell([0.5, 0.6, 0.7, 0.8])
    >>> len(algo.ask()), len(algo.population), stats.hypervolume > 0
    (2, 4, True)
    """

    name = "nsga2"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        if config.nas.halving_epochs:
            raise ConfigError("successive halving is for algorithm 'regularized_evolution': expected []",
                              source=config.source, field="nas.halving_epochs")
        super().__init__(config, seed)
        nas = config.nas
        self.objectives = list(nas.objectives)
        refs = {Objective.ERROR: 1.0, Objective.PARAMETERS: float(nas.max_parameters),
                Objective.MACS: float(nas.max_macs), Objective.LATENCY: float(nas.latency_reference_us)}
        self.reference = np.array([refs[o] for o in self.objectives])
        self.population: list[NASCandidate] = []
        self.rank = np.zeros(0, dtype=np.int64)
        self.crowding = np.zeros(0)
        self.parent_score = np.zeros(0)  # what decides tournaments between equal ranks (see _parent_scores)
        if not _restore:
            self.pending = self._random(nas.population, keep_weights=nas.lamarckian)

    def kept(self) -> list[NASCandidate]:
        return list(self.population)

    # ---- selection ------------------------------------------------------------------------------------------------
    def hypervolume(self, candidates: Sequence[NASCandidate]) -> float:
        """Hypervolume of ``candidates`` in normalised objectives (reference point 1 in each)."""
        if not candidates:
            return 0.0
        f = objective_values(candidates, self.objectives) / self.reference
        return hypervolume(f, np.ones(len(self.objectives)))

    def front(self) -> list[NASCandidate]:
        """The survivors of rank 0 (the current Pareto front), by first objective."""
        members = [c for c, r in zip(self.population, self.rank) if r == 0]
        f = objective_values(members, self.objectives)
        order = np.lexsort(f.T[::-1]) if len(members) else []
        return [members[int(i)] for i in order]

    def _parent_scores(self) -> np.ndarray:
        """Per member, the tournament's second criterion: the survivors' crowding distance or hypervolume
        contribution, or (``nsga2_parents = "hypervolume_gradient"``) the derivative of the hypervolume of the
        member's own front, in normalised objectives, with respect to its error (first objective without error)."""
        choice = self.config.nas.nsga2_parents
        if choice is ParentChoice.DIVERSITY:
            return self.crowding
        f = objective_values(self.population, self.objectives) / self.reference
        j = self.objectives.index(Objective.ERROR) if Objective.ERROR in self.objectives else 0
        if choice is ParentChoice.GRADIENT_PROPORTIONAL:  # (the whole population: dominated members get 0)
            return hypervolume_gradient(f, np.ones(len(self.objectives)), j)
        score = np.zeros(len(f))
        for r in np.unique(self.rank):
            members = np.flatnonzero(self.rank == r)
            score[members] = hypervolume_gradient(f[members], np.ones(len(self.objectives)), j)
        return score

    def tournament(self) -> NASCandidate:
        """Tournament of ``nsga2_tournament`` members drawn with replacement (2: Deb's binary tournament): lower
        rank wins, then the larger :meth:`_parent_scores` value, then the first drawn. With ``nsga2_parents =
        "gradient_proportional"`` no tournament: one member drawn with probability proportional to its score."""
        if len(self.parent_score) != len(self.population):
            self.parent_score = self._parent_scores()
        if self.config.nas.nsga2_parents is ParentChoice.GRADIENT_PROPORTIONAL:
            total = float(self.parent_score.sum())
            p = self.parent_score / total if total > 0 else None
            return self.population[int(self.rng.choice(len(self.population), p=p))]
        drawn = [int(k) for k in self.rng.integers(0, len(self.population), self.config.nas.nsga2_tournament)]
        i = min(drawn, key=lambda k: (self.rank[k], -self.parent_score[k]))  # (min keeps the first of equals)
        return self.population[i]

    def _children(self, count: int) -> list[NASCandidate]:
        lamarckian = self.config.nas.lamarckian
        out = []
        for _ in range(count):
            parent = self.tournament()
            arch, kind = mutate(parent.arch, self.space, self.rng)
            out.append(NASCandidate(self.next_key, arch, parent.key, kind.value,
                                    init_state=parent.state if lamarckian else None, keep_weights=lamarckian))
            self.next_key += 1
        return out

    def _select(self) -> None:
        hv = self.config.nas.nsga2_diversity is Diversity.HYPERVOLUME
        f = objective_values(self.population, self.objectives)
        if hv:  # (contributions in the normalised objectives the logged hypervolume uses)
            idx, self.rank, self.crowding = survivors(f / self.reference, self.config.nas.population,
                                                      np.ones(len(self.objectives)))
        else:
            idx, self.rank, self.crowding = survivors(f, self.config.nas.population)
        self.population = [self.population[int(i)] for i in idx]
        self.parent_score = self._parent_scores()

    def tell(self, fitness: Sequence[float]) -> NSGA2Stats:
        """Record the validation accuracies, keep the P best of parents + children by rank and crowding, make
        ``batch`` children."""
        done, f = self._record(fitness)
        self.population = self.population + done
        self._select()
        base = self._stats(f, max(c.fitness for c in self.population))
        front = self.front()
        stats = NSGA2Stats(**base.to_dict(), hypervolume=self.hypervolume(front), front_size=len(front))
        self.pending = self._children(self.config.nas.batch)
        self.generation += 1
        return stats

    # ---- files and state ------------------------------------------------------------------------------------------
    def pareto_data(self) -> dict[str, Any]:
        """What ``pareto.json`` holds: objectives, reference values, hypervolume and the front's architectures."""
        front = self.front()
        f = objective_values(front, self.objectives)
        return {"algorithm": self.name, "generation": self.generation, "evaluations": self.evaluations,
                "objectives": [o.value for o in self.objectives], "reference": self.reference.tolist(),
                "hypervolume": self.hypervolume(front),
                "front": [{"key": c.key, "summary": c.arch.describe(), "objectives": row.tolist(),
                           "validation_accuracy": c.fitness, "test_accuracy": c.test_accuracy,
                           "parameters": c.parameters, "macs": c.arch.cost().macs, "latency_us": c.latency_us,
                           "candidate": candidate_to_dict(c)} for c, row in zip(front, f)]}

    def save_candidate(self, candidate: NASCandidate, path: str | Path, metadata: dict[str, Any]) -> None:
        """The champion (best validation accuracy) as an architecture file and, beside it, ``pareto.json``."""
        super().save_candidate(candidate, path, metadata)
        write_json_atomic(Path(path).parent / PARETO_FILE, self.pareto_data())

    def state_dict(self) -> dict[str, Any]:
        return {**self._base_state(), "population": [candidate_to_dict(c) for c in self.population],
                "rank": self.rank.tolist(),
                "crowding": [None if np.isinf(d) else float(d) for d in self.crowding]}  # (None: infinite)

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> "NSGA2":
        algo = cls(config, _restore=True)
        algo._load_base_state(state, source)
        algo.population = algo._load_members(state, "population", source, exact=True)
        rank, crowding = state.get("rank"), state.get("crowding")
        n = len(algo.population)
        if not (isinstance(rank, list) and len(rank) == n and all(isinstance(r, int) and not isinstance(r, bool)
                                                                   and r >= 0 for r in rank)):
            raise CheckpointError(f"expected {n} ranks (integers >= 0)", source=source, field="algorithm.rank")
        if not (isinstance(crowding, list) and len(crowding) == n and all(
                d is None or (isinstance(d, (int, float)) and not isinstance(d, bool) and 0 <= d < np.inf)
                for d in crowding)):
            raise CheckpointError(f"expected {n} crowding distances (numbers >= 0 or null)", source=source,
                                  field="algorithm.crowding")
        algo.rank = np.array(rank, dtype=np.int64)
        algo.crowding = np.array([np.inf if d is None else float(d) for d in crowding], dtype=np.float64)
        return algo


def read_pareto(path: str | Path) -> dict[str, Any]:
    """Read a ``pareto.json`` (plain JSON; checked enough to plot)."""
    from topoevo.errors import TopoevoError
    from topoevo.genome.io import read_json

    data = read_json(Path(path), TopoevoError)
    if not isinstance(data, dict) or not isinstance(data.get("front"), list) or \
            not isinstance(data.get("objectives"), list):
        raise TopoevoError("expected an object with 'objectives' and 'front'", source=path, field="front")
    return data


__all__ = ["NSGA2", "NSGA2Stats", "objective_values", "survivors", "read_pareto", "PARETO_FILE"]
