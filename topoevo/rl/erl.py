"""ERL (Khadka & Tumer 2018, "Evolution-guided policy gradient in reinforcement learning") and TD3 alone, as
ask/tell algorithms of the one run loop. Settings: ``[erl]`` and ``[model]`` (the actor).

Each generation ``ask()`` returns the evolved actors and, last, the learner's actor with exploration noise (uniform
random actions until ``learning_starts`` environment steps). The gym task (``record_transitions = true``) returns
every rollout's transitions; the run loop hands them to ``observe()``; ``tell()`` puts them all into the one replay
buffer, runs ``updates_per_step`` TD3 gradient steps per environment step of the generation, and evolves the
population as in the paper: elites kept, the others chosen by tournaments and mutated (a fraction of each tensor's
weights scaled by 1 + N(0, strength^2), rarely super-mutated or reset); every ``sync_period`` generations the
learner's actor replaces one non-elite slot (in ERL's code: the index of the last evaluation's worst). ``td3`` is the
same loop without a population: one exploring episode of the learner per generation.

The checkpoint holds the population, the replay buffer, the learner's networks and Adam moments and the numpy
generator that every random draw comes from (arrays base64-encoded in the JSON, bit-exact; no pickle), so a resumed
run continues bit-identically.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from topoevo.config import Config
from topoevo.config.weights import Activation, ModelKind
from topoevo.errors import CheckpointError, ConfigError
from topoevo.rl.config import ERLConfig
from topoevo.rl.noise import GAUSSIAN, NONE, UNIFORM, ExploringPopulation, compile_exploring
from topoevo.rl.replay import FIELDS, ReplayBuffer
from topoevo.rl.td3 import TD3Learner
from topoevo.search.base import SearchStats, WeightSearch, rank_order
from topoevo.search.io import decode_array, encode_array
from topoevo.search.params import DTYPE, ParameterLayout, init_parameters


def check_rl_config(config: Config) -> None:
    """ERL and TD3 need the gym task on a continuous (Box) action space, transitions recorded, actions in [-1, 1]
    from a tanh output, and no observation normalization; anything else is a one-line ConfigError."""
    src = config.source

    def fail(msg: str, field: str) -> ConfigError:
        return ConfigError(msg, source=src, field=field)

    if config.task.name != "gym":
        raise fail(f"algorithm {config.run.algorithm!r} needs the 'gym' task (a continuous-control environment), "
                   f"got {config.task.name!r}", "task.name")
    p = config.task.params
    import gymnasium as gym
    from gymnasium import spaces

    from topoevo.tasks.gym import parse_env_kwargs

    try:
        env = gym.make(p.env_id, **parse_env_kwargs(p.env_kwargs))
    except Exception as exc:  # noqa: BLE001 - the task already checked the id; name the file anyway
        raise fail(f"cannot make environment {p.env_id!r}: {exc}", "task.env_id") from None
    space = env.action_space
    env.close()
    if not isinstance(space, spaces.Box):
        raise fail(f"algorithm {config.run.algorithm!r} needs a continuous (Box) action space; {p.env_id} has "
                   f"{space}", "task.env_id")
    if not p.record_transitions:
        raise fail("expected true: the learner's replay buffer is filled from the rollouts' transitions",
                   "task.record_transitions")
    if p.action_range.value != "symmetric":
        raise fail("expected 'symmetric': actor outputs in [-1, 1] map onto the action space", "task.action_range")
    if p.normalize_observations:
        raise fail("expected false: replayed observations must not change meaning as statistics move",
                   "task.normalize_observations")
    if config.model.kind is not ModelKind.MLP:
        raise fail(f"expected 'mlp' for the actor, got {config.model.kind.value!r}", "model.kind")
    if config.model.output_activation is not Activation.TANH:
        raise fail(f"expected 'tanh' (actions in [-1, 1]), got {config.model.output_activation.value!r}",
                   "model.output_activation")


@dataclass
class ERLStats(SearchStats):
    """One generation: fitness figures over every rollout (the learner's included), plus the learner's."""

    env_steps: int = 0
    buffer_size: int = 0
    updates: int = 0
    learner_fitness: float = 0.0
    critic_loss: float = float("nan")
    actor_loss: float = float("nan")
    q_mean: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mutate(child: np.ndarray, layout: ParameterLayout, cfg: ERLConfig, rng: np.random.Generator) -> None:
    """ERL's mutation (the paper's code, ``mutate_inplace``), in place: each weight matrix is touched with probability
    min(1, 2u), u ~ U(0, 1); a touched matrix gets a uniform number in [0, ``ceil(mutation_fraction * size)``) of
    entries (drawn with replacement), each super-mutated (+ N(0, (100 strength w)^2)), reset (N(0, 1)) or perturbed
    (+ N(0, (strength w)^2)); then clipped to +-``weight_limit``. Biases are left alone, as in the paper's code."""
    for name, sl, shape in layout.slices():
        if len(shape) < 2:
            continue
        size = sl.stop - sl.start
        if rng.random() >= 2.0 * rng.random():
            continue
        count = int(rng.integers(0, int(math.ceil(cfg.mutation_fraction * size))))
        idx = sl.start + rng.integers(0, size, count)
        kind = rng.random(count)
        noise = rng.standard_normal(count)
        w = child[idx].astype(np.float64)
        superm = kind < cfg.super_mutation_rate
        reset = ~superm & (kind < cfg.super_mutation_rate + cfg.reset_rate)
        normal = ~superm & ~reset
        w = np.where(superm, w + noise * 100.0 * cfg.mutation_strength * w, w)
        w = np.where(reset, noise, w)
        w = np.where(normal, w + noise * cfg.mutation_strength * w, w)
        child[idx] = np.clip(w, -cfg.weight_limit, cfg.weight_limit).astype(DTYPE)


def crossover(a: np.ndarray, b: np.ndarray, layout: ParameterLayout, rng: np.random.Generator) -> None:
    """ERL's crossover (the paper's code, ``crossover_inplace``), in place on both: in each weight matrix, a uniform
    number in [0, 2 rows) of times, one row (a unit's incoming weights) is copied from one parent into the other
    (the receiving side drawn with probability 1/2 each time). Biases are left alone."""
    for _, sl, shape in layout.slices():
        if len(shape) < 2:
            continue
        rows, width = shape[0], int(np.prod(shape[1:]))
        for _ in range(int(rng.integers(0, 2 * rows))):
            into_a = rng.random() < 0.5
            r = sl.start + int(rng.integers(0, rows)) * width
            src, dst = (b, a) if into_a else (a, b)
            dst[r:r + width] = src[r:r + width]


class ERL(WeightSearch):
    """ERL: a GA population of actors + a TD3 learner on a shared replay buffer.

    >>> cfg = Config.from_dict({"task": {"name": "gym", "env_id": "Pendulum-v1", "record_transitions": True,
    ...                                  "action_range": "symmetric", "max_episode_steps": 20},
    ...                         "genome": {"num_inputs": 3, "num_outputs": 1},
    ...                         "model": {"hidden": [8], "output_activation": "tanh"}, "run": {"algorithm": "erl"},
    ...                         "erl": {"pop_size": 3, "critic_hidden": [8], "batch_size": 8, "learning_starts": 0}})
    >>> algo = ERL(cfg, seed=0)
    >>> len(algo.ask())            # 3 actors + the learner
    4
    """

    name = "erl"
    compile_fn = staticmethod(compile_exploring)

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        check_rl_config(config)
        super().__init__(config, seed)
        cfg = self.cfg
        self.learner = TD3Learner(self.spec, cfg, self.rng)
        self.buffer = ReplayBuffer(cfg.buffer_size, self.spec.num_inputs, self.spec.num_outputs)
        self.population = np.zeros((self.population_size(), self.layout.size), dtype=DTYPE)
        if not _restore and len(self.population):
            self.population = init_parameters(self.spec, self.rng, len(self.population), config.model.init_scale)
        self.env_steps = 0
        self.noise_seed = 0 if _restore else int(self.rng.integers(0, 2**63 - 1))
        self.transitions: np.ndarray | None = None
        self._candidates: ExploringPopulation | None = None

    @property
    def cfg(self) -> ERLConfig:
        return self.config.erl

    def population_size(self) -> int:
        return self.cfg.pop_size

    # ---- ask / observe / tell -------------------------------------------------------------------------------------
    def ask(self) -> ExploringPopulation:
        """The evolved actors (no noise), then the learner's actor (exploring)."""
        if self._candidates is None:
            k = len(self.population)
            values = np.concatenate([self.population, self.learner.actor_vector()[None]])
            mode = np.full(k + 1, NONE)
            mode[k] = UNIFORM if self.env_steps < self.cfg.learning_starts else GAUSSIAN
            noise = np.zeros(k + 1)
            noise[k] = self.cfg.exploration_noise
            seeds = np.zeros(k + 1, dtype=np.int64)
            seeds[k] = self.noise_seed
            self._candidates = ExploringPopulation(self.spec, values, mode=mode, noise=noise, seeds=seeds)
        return self._candidates

    def observe(self, info: dict[str, Any]) -> None:
        """The rollouts' transitions (``info["transitions"]``: one table per candidate, in ``ask()`` order)."""
        t = info.get("transitions")
        if t is None or len(t) != len(self.ask()):
            raise ConfigError("the task returned no transitions for every candidate (set task.record_transitions "
                              "= true, gym task)", source=self.config.source, field="task.record_transitions")
        self.transitions = t

    def tell(self, fitness: Sequence[float]) -> ERLStats:
        cfg = self.cfg
        cands = self.ask()
        f = self._checked(fitness, len(cands))
        base = self._record(cands.values, f)
        if self.transitions is None:
            raise ValueError("tell() before observe(): ERL needs the rollouts' transitions")
        steps = 0
        for table in self.transitions:  # candidate order: deterministic
            self.buffer.add(table)
            steps += len(table["reward"])
        self.transitions = None
        self.env_steps += steps
        losses = {"critic_loss": float("nan"), "actor_loss": float("nan"), "q_mean": float("nan")}
        if self.env_steps >= cfg.learning_starts and len(self.buffer) >= 1:
            losses = self.learner.train(self.buffer, int(round(cfg.updates_per_step * steps)), self.rng)
        self._evolve(f[:-1])
        stats = ERLStats(**asdict(base), env_steps=self.env_steps, buffer_size=len(self.buffer),
                         updates=self.learner.updates, learner_fitness=float(f[-1]), **losses)
        self.generation += 1
        self.noise_seed = int(self.rng.integers(0, 2**63 - 1))
        self._candidates = None
        return stats

    def _evolve(self, f: np.ndarray) -> None:
        """ERL's generation step (the paper's code, ``SSNE.epoch``), on population slots: the ``elite_fraction``
        best are copied into slots of actors no tournament chose; the other such slots become crossovers of an elite
        copy and a tournament winner; winners are crossed pairwise with probability ``crossover_rate``; every slot but
        the elite copies is mutated with probability ``mutation_rate`` (the elites' own slots too: their copies keep
        them). Every ``sync_period`` generations the learner's actor then takes the slot of the worst actor of this
        evaluation (the worst not holding an elite copy)."""
        cfg, k = self.cfg, len(self.population)
        if k == 0:
            return
        rng, score = self.rng, self.sign * f
        order = [int(i) for i in rank_order(score, rng)]
        elite_idx = order[:max(1, int(round(cfg.elite_fraction * k)))]
        offspring: list[int] = []
        for _ in range(k - len(elite_idx)):  # tournaments with replacement
            entrants = rng.integers(0, k, cfg.tournament_size)
            offspring.append(int(entrants[np.argmax(score[entrants])]))  # first of equals among the entrants
        chosen = set(offspring) | set(elite_idx)
        unselected = [int(i) for i in rng.permutation([i for i in range(k) if i not in chosen])]
        pop = self.population.copy()
        elite_copies: list[int] = []
        for e in elite_idx:
            slot = unselected.pop(0) if unselected else offspring.pop(0)
            pop[slot] = self.population[e]
            elite_copies.append(slot)
        if len(unselected) % 2:
            unselected.append(unselected[int(rng.integers(0, len(unselected)))])
        for i, j in zip(unselected[0::2], unselected[1::2]):
            pop[i] = pop[elite_copies[int(rng.integers(0, len(elite_copies)))]]
            pop[j] = pop[offspring[int(rng.integers(0, len(offspring)))]]
            crossover(pop[i], pop[j], self.layout, rng)
        for i, j in zip(offspring[0::2], offspring[1::2]):
            if rng.random() < cfg.crossover_rate:
                crossover(pop[i], pop[j], self.layout, rng)
        for i in range(k):
            if i not in elite_copies and rng.random() < cfg.mutation_rate:
                mutate(pop[i], self.layout, cfg, rng)
        if (self.generation + 1) % cfg.sync_period == 0:
            worst = next((i for i in reversed(order) if i not in elite_copies), None)
            if worst is not None:
                pop[worst] = self.learner.actor_vector()
        self.population = pop

    # ---- state ----------------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Population, replay buffer, learner (networks, Adam moments, update count), generator, env steps."""
        buf = self.buffer.state()
        return {**self._base_state(), "population": encode_array(self.population), "env_steps": self.env_steps,
                "noise_seed": self.noise_seed,
                "buffer": {"size": buf["size"], "position": buf["position"],
                           **{name: encode_array(buf[name]) for name in FIELDS}},
                "learner": {k: encode_array(v) for k, v in self.learner.state().items()}}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> ERL:
        algo = cls(config, _restore=True)
        algo._load_base_state(state, source)
        d = algo.layout.size
        algo.population = decode_array(state["population"], "algorithm.population", source, "float32",
                                       (len(algo.population), d))
        for key in ("env_steps", "noise_seed"):
            v = state.get(key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise CheckpointError(f"expected a non-negative integer, got {v!r}", source=source,
                                      field=f"algorithm.{key}")
        algo.env_steps, algo.noise_seed = state["env_steps"], state["noise_seed"]
        buf = state.get("buffer")
        if not isinstance(buf, dict) or set(buf) != {"size", "position", *FIELDS}:
            raise CheckpointError("expected a table with keys size, position, " + ", ".join(FIELDS), source=source,
                                  field="algorithm.buffer")
        size, pos = buf["size"], buf["position"]
        cap = algo.buffer.capacity
        if not (isinstance(size, int) and isinstance(pos, int) and 0 <= size <= cap and 0 <= pos < max(cap, 1)):
            raise CheckpointError(f"expected 0 <= size <= {cap} and 0 <= position < {cap}", source=source,
                                  field="algorithm.buffer.size")
        shapes = algo.buffer.shapes()
        algo.buffer.load({"size": size, "position": pos,
                          **{name: decode_array(buf[name], f"algorithm.buffer.{name}", source, "float32",
                                                (size, *shapes[name][1:])) for name in FIELDS}})
        learner = state.get("learner")
        if not isinstance(learner, dict):
            raise CheckpointError("expected a table of arrays", source=source, field="algorithm.learner")
        arrays = {k: decode_array(v, f"algorithm.learner.{k}", source) for k, v in learner.items()}
        try:
            algo.learner.load(arrays)
        except (KeyError, RuntimeError, ValueError) as exc:
            raise CheckpointError(f"does not fit the [model] / [erl] networks ({exc})", source=source,
                                  field="algorithm.learner") from None
        return algo


class TD3(ERL):
    """TD3 alone in the run loop: each generation one exploring episode of the learner's actor (uniform random
    actions until ``learning_starts`` steps), then ``updates_per_step`` gradient steps per environment step."""

    name = "td3"

    def population_size(self) -> int:
        return 0


__all__ = ["ERL", "TD3", "ERLStats", "check_rl_config", "mutate"]
