"""The deep GA of Such et al. (2017, "Deep Neuroevolution", arXiv:1712.06567) with its compact encoding: a genome
is the list of random seeds that made it, ``[s0, s1, ..., sn]``: s0 seeds the initial parameters, each later seed
one Gaussian mutation ``theta += sigma * N(0, I)``. A network of millions of weights is stored as a few dozen
integers and rebuilt bit-identically by replaying the chain (:func:`replay`). Random search (their control) is the
same genome with no mutations: every candidate a fresh initialisation.

Both are ask/tell objects over :class:`~topoevo.search.dqn.DQNSpec` networks; ``ask()`` returns
:class:`SeedChain` candidates whose parameters are computed once and kept with them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from topoevo.errors import TopoevoError
from topoevo.search.base import rank_order
from topoevo.search.dqn import BatchedDQN, DQNSpec

FORMAT = "topoevo-seed-chain"
VERSION = 1
SEED_BOUND = 2**32  # seeds are drawn from [0, 2^32)


def noise(seed: int, size: int) -> np.ndarray:
    """The float32 N(0, 1) vector of one mutation seed (PCG64 of that seed: the same on every machine)."""
    return np.random.Generator(np.random.PCG64(seed)).standard_normal(size, dtype=np.float32)


def replay(spec: DQNSpec, seeds: Sequence[int], sigma: float, init_scale: float = 1.0) -> np.ndarray:
    """The parameters of the chain ``seeds``: init from ``seeds[0]``, then ``+= sigma * noise(s)`` for each later
    seed, in float32, in the same operations the GA applies (so the result is bit-identical to the GA's).

    >>> spec = DQNSpec(2)
    >>> np.array_equal(replay(spec, [1, 2], 0.01), mutate(replay(spec, [1], 0.01), 2, 0.01))
    True
    """
    values = spec.init(np.random.Generator(np.random.PCG64(seeds[0])), init_scale)
    for s in seeds[1:]:
        values = mutate(values, s, sigma)
    return values


def mutate(values: np.ndarray, seed: int, sigma: float) -> np.ndarray:
    """A new vector ``values + sigma * noise(seed)`` (float32)."""
    return values + noise(seed, values.size) * np.float32(sigma)


def digest(values: np.ndarray) -> str:
    """SHA-256 of the float32 bytes: what a replay must reproduce."""
    return hashlib.sha256(np.ascontiguousarray(values, dtype=np.float32).tobytes()).hexdigest()


@dataclass(eq=False)
class SeedChain:
    """One genome: its seed chain, its parameters (computed once), and its fitness once known.

    >>> c = SeedChain.fresh(DQNSpec(2), 7, 0.002)
    >>> c.seeds, c.values.shape
    ((7,), (1685154,))
    """

    spec: DQNSpec
    seeds: tuple[int, ...]
    sigma: float
    values: np.ndarray = field(repr=False)
    init_scale: float = 1.0
    fitness: float | None = None

    @classmethod
    def fresh(cls, spec: DQNSpec, seed: int, sigma: float, init_scale: float = 1.0) -> SeedChain:
        return cls(spec, (int(seed),), sigma, replay(spec, [seed], sigma, init_scale), init_scale)

    def child(self, seed: int) -> SeedChain:
        return SeedChain(self.spec, self.seeds + (int(seed),), self.sigma, mutate(self.values, seed, self.sigma),
                         self.init_scale)

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "model": {"kind": "nature_dqn",
                                                                "num_actions": self.spec.num_actions},
                "sigma": self.sigma, "init_scale": self.init_scale, "seeds": list(self.seeds),
                "parameters": self.spec.num_parameters, "sha256": digest(self.values), "fitness": self.fitness}

    @classmethod
    def from_dict(cls, d: Any, source: str | None = None, verify: bool = True) -> SeedChain:
        """Rebuild by replaying the chain; with ``verify`` the result must match the stored SHA-256."""
        def bad(msg: str, fld: str) -> TopoevoError:
            return TopoevoError(msg, source=source, field=fld)

        if not isinstance(d, dict) or d.get("format") != FORMAT or d.get("version") != VERSION:
            raise bad(f"expected a {FORMAT!r} file of version {VERSION}", "format")
        model = d.get("model")
        if not isinstance(model, dict) or model.get("kind") != "nature_dqn" or not _is_int(model.get("num_actions"))\
                or model["num_actions"] < 1:
            raise bad("expected {kind = 'nature_dqn', num_actions = positive integer}", "model")
        seeds = d.get("seeds")
        if not isinstance(seeds, list) or not seeds or not all(_is_int(s) and 0 <= s < SEED_BOUND for s in seeds):
            raise bad(f"expected a non-empty list of integers in [0, {SEED_BOUND})", "seeds")
        for key in ("sigma", "init_scale"):
            if not isinstance(d.get(key), (int, float)) or isinstance(d.get(key), bool) or not d[key] > 0:
                raise bad("expected a positive number", key)
        spec = DQNSpec(model["num_actions"])
        values = replay(spec, seeds, float(d["sigma"]), float(d["init_scale"]))
        if verify and d.get("sha256") != digest(values):
            raise bad("the replayed parameters do not match the stored SHA-256", "sha256")
        fitness = d.get("fitness")
        return cls(spec, tuple(seeds), float(d["sigma"]), values, float(d["init_scale"]),
                   None if fitness is None else float(fitness))

    def save(self, path: str | Path, metadata: dict[str, Any] | None = None) -> None:
        from topoevo.genome.io import write_json_atomic

        write_json_atomic(path, {**self.to_dict(), "metadata": metadata or {}})

    @classmethod
    def load(cls, path: str | Path, verify: bool = True) -> SeedChain:
        try:
            d = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise TopoevoError(f"cannot read a seed-chain genome ({exc})", source=str(path)) from None
        return cls.from_dict(d, str(path), verify)


def is_seed_chain_file(path: str | Path) -> bool:
    """Whether ``path`` holds a seed-chain genome (a JSON object whose ``format`` is :data:`FORMAT`)."""
    try:
        d = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(d, dict) and d.get("format") == FORMAT


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def compile_chains(candidates: Sequence[SeedChain]) -> BatchedDQN:
    """Candidates of one network -> one batched policy."""
    return BatchedDQN(candidates[0].spec, np.stack([c.values for c in candidates]))


@dataclass
class DeepGAParams:
    """Settings of :class:`DeepGA` (Such et al. 2017's Atari values where they give one: population 1,000,
    truncation 20, sigma 0.002, one elite; the defaults here are scaled down for a CPU).

    >>> DeepGAParams().sigma
    0.002
    """

    pop_size: int = 20
    truncation: int = 5
    elitism: int = 1
    sigma: float = 0.002
    init_scale: float = 1.0


class DeepGA:
    """Generational deep GA on seed chains: the ``elitism`` best are kept unchanged (and evaluated again), the rest
    are children of uniformly chosen members of the ``truncation`` best, each one new mutation seed. No crossover.

    >>> ga = DeepGA(DQNSpec(2), DeepGAParams(pop_size=3, truncation=2), seed=0)
    >>> pop = ga.ask()
    >>> ga.tell([0.0, 2.0, 1.0])
    >>> [len(c.seeds) for c in ga.ask()]
    [1, 2, 2]
    """

    compile_fn = staticmethod(compile_chains)

    def __init__(self, spec: DQNSpec, params: DeepGAParams, seed: int = 0):
        self.spec, self.params = spec, params
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.generation = 0
        self.evaluations = 0
        self.best: SeedChain | None = None
        self.population = [self._fresh() for _ in range(params.pop_size)]

    def _seed(self) -> int:
        return int(self.rng.integers(0, SEED_BOUND))

    def _fresh(self) -> SeedChain:
        return SeedChain.fresh(self.spec, self._seed(), self.params.sigma, self.params.init_scale)

    def ask(self) -> list[SeedChain]:
        return self.population

    def _record(self, fitness: Sequence[float]) -> np.ndarray:
        f = np.asarray(fitness, dtype=np.float64)
        if f.shape != (len(self.population),):
            raise ValueError(f"tell() got {f.size} fitness values for {len(self.population)} candidates")
        self.evaluations += len(f)
        for c, v in zip(self.population, f):
            c.fitness = float(v)
        i = int(np.argmax(f))
        if self.best is None or f[i] > (self.best.fitness or -np.inf):
            self.best = self.population[i]
        return f

    def snapshot(self, index: int, fitness: float) -> SeedChain:
        """Candidate ``index`` of the current generation with ``fitness`` (a copy: the chain and its parameters
        are shared, they never change)."""
        c = self.population[index]
        return SeedChain(c.spec, c.seeds, c.sigma, c.values, c.init_scale, float(fitness))

    def tell(self, fitness: Sequence[float]) -> None:
        f = self._record(fitness)
        p = self.params
        order = rank_order(f, self.rng)
        parents = [self.population[i] for i in order[:p.truncation]]
        elites = [self.population[i] for i in order[:p.elitism]]
        children = [parents[int(self.rng.integers(0, len(parents)))].child(self._seed())
                    for _ in range(p.pop_size - len(elites))]
        self.population = elites + children
        self.generation += 1


class SeedRandomSearch(DeepGA):
    """Random search, the control of Such et al. (2017): every generation is ``pop_size`` fresh initialisations;
    the best ever is kept.

    >>> rs = SeedRandomSearch(DQNSpec(2), DeepGAParams(pop_size=2), seed=0)
    >>> rs.tell([1.0, 0.0])
    >>> rs.best.seeds == rs.best.seeds[:1], len(rs.ask())
    (True, 2)
    """

    def tell(self, fitness: Sequence[float]) -> None:
        self._record(fitness)
        self.population = [self._fresh() for _ in range(self.params.pop_size)]
        self.generation += 1


@dataclass(eq=False)
class DQNVector:
    """One OpenAI-ES candidate: plain parameters of the DQN network (not a seed chain: theta moves by gradient
    steps, so it is stored whole; see :func:`~topoevo.search.io.save_parameters` for files)."""

    spec: DQNSpec
    values: np.ndarray
    fitness: float | None = None


@dataclass
class DQNESParams:
    """Settings of :class:`DQNOpenAIES` (Salimans et al. 2017's Atari values: sigma 0.02, Adam learning rate 0.01,
    antithetic pairs, centered ranks, weight decay 0.005; their population was 10,000+ episodes per update).

    >>> DQNESParams().pairs
    8
    """

    pairs: int = 8
    sigma: float = 0.02
    learning_rate: float = 0.01
    weight_decay: float = 0.005
    init_scale: float = 1.0


class DQNOpenAIES:
    """OpenAI-ES (Salimans et al. 2017) on the DQN network with common random numbers: perturbation k of a
    generation is ``noise(seed_k)``, so only seeds would need to travel between workers. ``ask()`` returns theta
    +- sigma * eps_k (pairs adjacent); ``tell`` steps theta with Adam along the centered-rank gradient estimate.

    >>> es = DQNOpenAIES(DQNSpec(2), DQNESParams(pairs=2), seed=0)
    >>> pop = es.ask()
    >>> es.tell([float(-np.abs(c.values[:10]).sum()) for c in pop])
    >>> len(pop), es.generation
    (4, 1)
    """

    compile_fn = staticmethod(compile_chains)

    def __init__(self, spec: DQNSpec, params: DQNESParams, seed: int = 0):
        from topoevo.search.es import Adam

        self.spec, self.params = spec, params
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.theta = spec.init(np.random.Generator(np.random.PCG64(int(self.rng.integers(0, SEED_BOUND)))),
                               params.init_scale).astype(np.float64)
        self.adam = Adam.zeros(spec.num_parameters)
        self.generation = 0
        self.evaluations = 0
        self.best: DQNVector | None = None
        self._draw()

    def _draw(self) -> None:
        self.seeds = [int(s) for s in self.rng.integers(0, SEED_BOUND, self.params.pairs)]
        center = self.theta.astype(np.float32)
        self.population: list[DQNVector] = []
        for s in self.seeds:
            step = noise(s, center.size) * np.float32(self.params.sigma)
            self.population += [DQNVector(self.spec, center + step), DQNVector(self.spec, center - step)]

    def ask(self) -> list[DQNVector]:
        return self.population

    def tell(self, fitness: Sequence[float]) -> None:
        from topoevo.search.es import centered_ranks

        f = np.asarray(fitness, dtype=np.float64)
        if f.shape != (2 * self.params.pairs,):
            raise ValueError(f"tell() got {f.size} fitness values for {2 * self.params.pairs} candidates")
        self.evaluations += len(f)
        i = int(np.argmax(f))
        if self.best is None or f[i] > (self.best.fitness or -np.inf):
            self.best = DQNVector(self.spec, self.population[i].values, float(f[i]))
        w = centered_ranks(f)
        w = w[0::2] - w[1::2]
        grad = np.zeros_like(self.theta)
        for wk, s in zip(w, self.seeds):
            grad += wk * noise(s, grad.size)
        grad /= 2 * self.params.pairs * self.params.sigma
        p = self.params
        self.theta = self.theta + self.adam.step(grad - p.weight_decay * self.theta, p.learning_rate, 0.9, 0.999,
                                                 1e-8)
        self.generation += 1
        self._draw()
