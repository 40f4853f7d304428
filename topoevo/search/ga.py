"""The deep GA of Such et al. (2017) on parameter vectors, as ask/tell: truncation selection, elitism, Gaussian
mutation, optional crossover (:class:`WeightGA`, generational), and a steady-state variant (:class:`SteadyStateGA`).
Settings: ``[ga]`` and ``[model]``."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from topoevo.config import Config
from topoevo.config.weights import Crossover, GAConfig
from topoevo.errors import CheckpointError
from topoevo.search.base import SearchStats, WeightSearch, rank_order
from topoevo.search.io import decode_array, encode_array
from topoevo.search.params import DTYPE, ParameterLayout, ParameterPopulation, init_parameters


def make_children(parents: np.ndarray, count: int, cfg: GAConfig, layout: ParameterLayout,
                  rng: np.random.Generator) -> np.ndarray:
    """``count`` children of ``parents`` (rows, best first): each picks a parent uniformly, with probability
    ``crossover_rate`` crosses it with a second uniformly picked parent, then adds N(0, mutation_power^2) noise to
    every parameter. Random numbers are drawn in a fixed order, so a generator state gives one result.

    >>> from topoevo.config.weights import ModelKind
    >>> from topoevo.search.models import ModelSpec
    >>> layout = ParameterLayout.of(ModelSpec(ModelKind.MLP, 2, 1, hidden=(3,)))
    >>> make_children(np.zeros((4, layout.size), np.float32), 6, GAConfig(), layout, np.random.default_rng(0)).shape
    (6, 13)
    """
    n = len(parents)
    children = parents[rng.integers(0, n, count)].copy()
    if cfg.crossover is not Crossover.NONE and cfg.crossover_rate > 0 and count:
        mates = parents[rng.integers(0, n, count)]
        crossed = rng.random(count) < cfg.crossover_rate
        d = layout.size
        if cfg.crossover is Crossover.UNIFORM:
            from_mate = rng.random((count, d)) < 0.5
        elif cfg.crossover is Crossover.TENSOR:
            sizes = [sl.stop - sl.start for _, sl, _ in layout.slices()]
            from_mate = np.repeat(rng.random((count, len(sizes))) < 0.5, sizes, axis=1)
        else:  # one point: the tail after the cut comes from the mate
            cut = rng.integers(1, d, count) if d > 1 else np.ones(count, dtype=np.int64)
            from_mate = np.arange(d)[None, :] >= cut[:, None]
        from_mate &= crossed[:, None]
        children = np.where(from_mate, mates, children)
    noise = rng.standard_normal(children.shape, dtype=DTYPE)
    children += noise * DTYPE(cfg.mutation_power)
    return children


class WeightGA(WeightSearch):
    """Generational deep GA (Such et al. 2017): each generation keeps the ``elitism`` best unchanged (they are
    evaluated again) and fills the rest with mutated children of the ``truncation`` best. Candidates start from
    independent initialisations (:func:`~topoevo.search.params.init_parameters`).

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
    ...                         "run": {"algorithm": "ga"}, "ga": {"pop_size": 8, "truncation": 3}})
    >>> ga = WeightGA(cfg, seed=1)
    >>> pop = ga.ask()
    >>> stats = ga.tell([-float(abs(v.values).sum()) for v in pop])
    >>> len(ga.ask()), ga.generation, stats.evaluations
    (8, 1, 8)
    """

    name = "ga"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        super().__init__(config, seed)
        self.population = np.zeros((0, self.layout.size), dtype=DTYPE)
        if not _restore:
            self.population = init_parameters(self.spec, self.rng, config.ga.pop_size, config.model.init_scale)

    def ask(self) -> ParameterPopulation:
        """This generation's candidates (elites first), in a fixed order."""
        return ParameterPopulation(self.spec, self.population)

    def tell(self, fitness: Sequence[float]) -> SearchStats:
        """Record the fitness of ``ask()``'s candidates (same order), then breed the next generation."""
        cfg = self.config.ga
        f = self._checked(fitness, len(self.population))
        stats = self._record(self.population, f)
        order = rank_order(self.sign * f, self.rng)
        parents = self.population[order[:cfg.truncation]]
        elites = self.population[order[:cfg.elitism]]
        children = make_children(parents, len(self.population) - len(elites), cfg, self.layout, self.rng)
        self.population = np.concatenate([elites, children]).astype(DTYPE, copy=False)
        self.generation += 1
        return stats

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically, as plain JSON data (arrays base64-encoded)."""
        return {**self._base_state(), "population": encode_array(self.population)}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> WeightGA:
        algo = cls(config, _restore=True)
        algo._load_base_state(state, source)
        algo.population = decode_array(state["population"], "algorithm.population", source, "float32",
                                       (config.ga.pop_size, algo.layout.size))
        return algo


class SteadyStateGA(WeightSearch):
    """Steady-state deep GA: the first ``ask()`` returns the whole initial population; afterwards each ``ask()``
    returns ``offspring`` children of the ``truncation`` best members, and ``tell()`` keeps the best ``pop_size`` of
    members and children (members win ties). Members are not evaluated again, so noisy fitness favours lucky
    members: prefer the generational :class:`WeightGA` for noisy tasks. ``elitism`` is not used (the rule keeps the
    best anyway). Statistics describe the population after the replacement.

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
    ...                         "run": {"algorithm": "steady_state_ga"},
    ...                         "ga": {"pop_size": 8, "truncation": 3, "offspring": 2}})
    >>> ga = SteadyStateGA(cfg, seed=1)
    >>> _ = ga.tell([0.0] * len(ga.ask()))
    >>> len(ga.ask())
    2
    """

    name = "steady_state_ga"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        super().__init__(config, seed)
        d = self.layout.size
        self.population = np.zeros((0, d), dtype=DTYPE)
        self.member_fitness: np.ndarray | None = None  # None until the initial population was evaluated
        self.children = np.zeros((0, d), dtype=DTYPE)
        if not _restore:
            self.population = init_parameters(self.spec, self.rng, config.ga.pop_size, config.model.init_scale)

    def _pending(self) -> np.ndarray:
        return self.population if self.member_fitness is None else self.children

    def ask(self) -> ParameterPopulation:
        return ParameterPopulation(self.spec, self._pending())

    def tell(self, fitness: Sequence[float]) -> SearchStats:
        cfg = self.config.ga
        pending = self._pending()
        f = self._checked(fitness, len(pending))
        stats = self._record(pending, f)
        if self.member_fitness is None:
            members, member_f = self.population, f
        else:
            both = np.concatenate([self.population, self.children])
            both_f = np.concatenate([self.member_fitness, f])
            keep = np.argsort(-self.sign * both_f, kind="stable")[:cfg.pop_size]  # stable: members win ties
            members, member_f = both[keep], both_f[keep]
        self.population, self.member_fitness = np.ascontiguousarray(members), member_f
        order = rank_order(self.sign * member_f, self.rng)
        self.children = make_children(self.population[order[:cfg.truncation]], cfg.offspring, cfg, self.layout,
                                      self.rng)
        score = self.sign * member_f
        i = int(np.argmax(score))
        stats.best_fitness, stats.best_index = float(member_f[i]), i
        stats.mean_fitness, stats.std_fitness = float(member_f.mean()), float(member_f.std())
        stats.worst_fitness = float(member_f[int(np.argmin(score))])
        self.generation += 1
        return stats

    def state_dict(self) -> dict[str, Any]:
        return {**self._base_state(), "population": encode_array(self.population),
                "member_fitness": None if self.member_fitness is None else encode_array(self.member_fitness),
                "children": encode_array(self.children)}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> SteadyStateGA:
        algo = cls(config, _restore=True)
        algo._load_base_state(state, source)
        n, d = config.ga.pop_size, algo.layout.size
        algo.population = decode_array(state["population"], "algorithm.population", source, "float32", (n, d))
        if state["member_fitness"] is None:
            if algo.generation:
                raise CheckpointError("expected the members' fitness after generation 0", source=source,
                                      field="algorithm.member_fitness")
        else:
            algo.member_fitness = decode_array(state["member_fitness"], "algorithm.member_fitness", source,
                                               "float64", (n,))
        algo.children = decode_array(state["children"], "algorithm.children", source, "float32",
                                     (0 if algo.member_fitness is None else config.ga.offspring, d))
        return algo
