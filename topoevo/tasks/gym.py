"""Any gymnasium environment as a batched Task: P genomes x E episodes stepped together, one policy call per step.

Each evaluation runs exactly one episode in each of the P*E environments; an environment's return is frozen when
its episode ends and stepping stops when every episode has ended. Environment (genome i, episode e) is reset with a
seed derived from ``seeds[i]`` and ``e`` only, so a genome's fitness never depends on the population size, its
position or the other genomes. gymnasium and torch are imported lazily: reading a task file stays cheap.
The environments are gymnasium's (native vector env, in-process loop or AsyncVectorEnv) or EnvPool's C++ batch
(topoevo/tasks/envpool_backend.py); MinAtar and Flappy Bird ids are registered on first use (GAME_ENV_MODULES).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol

import numpy as np

from topoevo.config.schema import Section, did_you_mean, param
from topoevo.errors import CheckpointError, ConfigError, EvaluationError, TopoevoError
from topoevo.files import atomic_output, tomllib
from topoevo.tasks.base import OBSERVATION_STATS, BatchedPolicy, EvalResult, NarrowablePolicy, TaskBase

if TYPE_CHECKING:  # pragma: no cover
    import gymnasium

log = logging.getLogger(__name__)

TRAINING_STREAM = 0  # SeedSequence spawn-key tag of the episodes `evaluate` runs
HELD_OUT_STREAM = 1  # ... and of the held-out episodes of `held_out_return` / `play`
HELD_OUT_SEED = 0  # seed of the held-out episodes of `champion_solved` (the same episodes for every champion)
NORMALIZER_EPSILON = 1e-8  # added to the variance before dividing by the standard deviation
STATE_VERSION = 1


class Vectorization(str, Enum):
    """How the P*E environments are stepped.

    ``native``: the environment's own vectorized implementation (gymnasium's ``vector_entry_point``, e.g.
    CartPole-v1), used only where topoevo knows how to reset its sub-environments from independent seeds.
    ``sync``: one ``gymnasium.make`` environment per episode in this process; finished episodes are not stepped.
    ``async``: gymnasium's ``AsyncVectorEnv`` (one process per environment: for slow environments and small P*E).
    ``envpool``: one EnvPool batch of C++ environments (``topoevo[envpool]``; topoevo/tasks/envpool_backend.py).
    ``gymnasium``: ``native`` where available, otherwise ``sync`` (gymnasium's dynamics whatever is installed).
    ``compiled``: topoevo's own numba loop over the running environments (CartPole only:
    topoevo/tasks/cartpole_compiled.py), the same episodes as gymnasium's for the same seeds; never chosen by 'auto'.
    ``auto``: ``native`` where gymnasium has it (faster than EnvPool: CartPole's numpy vector env), else ``envpool``
    where it is installed and provides the environment, otherwise ``sync``. EnvPool
    episodes differ from gymnasium's for the same seed: champions record the vectorization they were evolved with
    and are replayed on it.

    >>> Vectorization("auto") is Vectorization.AUTO
    True
    """

    AUTO = "auto"
    NATIVE = "native"
    SYNC = "sync"
    ASYNC = "async"
    ENVPOOL = "envpool"
    GYMNASIUM = "gymnasium"
    COMPILED = "compiled"

    @property
    def backend(self) -> str:
        """The engine behind it: 'envpool' or 'gymnasium' (native, sync, async and compiled step the same dynamics).

        >>> Vectorization.SYNC.backend, Vectorization.ENVPOOL.backend
        ('gymnasium', 'envpool')
        """
        return "envpool" if self is Vectorization.ENVPOOL else "gymnasium"


class ObservationLayout(str, Enum):
    """How an observation becomes the network's input vector. ``flatten``: as stored (row-major). For image
    observations shaped (height, width, channels), e.g. MinAtar's 10x10xC binary grids: ``channels_first``
    reorders them to (channels, height, width) before flattening (the layout a CNN expects), ``channel_sum``
    gives one input per cell, the sum over channels c of obs[..., c] * (c + 1) / C (each object kind its own level).

    >>> [o.value for o in ObservationLayout]
    ['flatten', 'channels_first', 'channel_sum']
    """

    FLATTEN = "flatten"
    CHANNELS_FIRST = "channels_first"
    CHANNEL_SUM = "channel_sum"


class ActionRange(str, Enum):
    """Range of the network outputs that drive a Box action: ``unit`` = [0, 1] (sigmoid outputs, NEAT's default),
    ``symmetric`` = [-1, 1] (tanh outputs). Outputs are clipped to the range and mapped linearly to [low, high].

    >>> [r.value for r in ActionRange]
    ['unit', 'symmetric']
    """

    UNIT = "unit"
    SYMMETRIC = "symmetric"


def parse_env_kwargs(items: list[str], where: str = "task.env_kwargs") -> dict[str, Any]:
    """``["continuous = true", "gravity = -9.0"]`` -> ``{"continuous": True, "gravity": -9.0}`` (TOML values).

    >>> parse_env_kwargs(["continuous = true", "gravity=-9.0"])
    {'continuous': True, 'gravity': -9.0}
    """
    out: dict[str, Any] = {}
    for i, item in enumerate(items):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ConfigError(f"expected 'name = value', got {item!r}", field=f"{where}[{i}]")
        try:
            out[name] = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            raise ConfigError(f"expected a TOML value after '=', got {value.strip()!r}",
                              field=f"{where}[{i}]") from None
    return out


@dataclass
class GymParams(Section):
    """``[task]`` keys of the gymnasium task (``name = "gym"``).

    >>> GymParams(env_id="CartPole-v1").episodes
    1
    """

    SECTION = "task"

    env_id: str = param("", "gymnasium environment id, e.g. 'CartPole-v1' or 'LunarLander-v3'.")
    env_kwargs: list[str] = param([], "Extra keyword arguments of the environment, each 'name = TOML value', "
                                      "e.g. ['continuous = true'].")
    episodes: int = param(1, "Episodes per genome and evaluation; fitness is the mean return.", ge=1)
    max_episode_steps: int = param(0, "Step limit of an episode; 0 = the environment's default.", ge=0)
    normalize_observations: bool = param(False, "Normalize observations by a running mean and standard deviation, "
                                                "updated after each evaluation and saved in checkpoints.")
    normalize_clip: float = param(10.0, "Normalized observations are clipped to [-normalize_clip, normalize_clip].",
                                  gt=0)
    vectorization: Vectorization = param(Vectorization.AUTO, "'envpool' (EnvPool's C++ environments; the envpool "
                                                             "extra), 'native', 'sync', 'async', 'gymnasium' "
                                                             "(native else sync), 'compiled' (topoevo's numba "
                                                             "CartPole, gymnasium's episodes) or 'auto' (envpool "
                                                             "where it provides the environment, else as "
                                                             "'gymnasium').")
    num_threads: int = param(0, "EnvPool threads; 0 = as many as torch uses in the process (its cores; 1 in pool "
                                "and Ray workers).", ge=0)
    observation: ObservationLayout = param(ObservationLayout.FLATTEN, "'flatten', or for (height, width, "
                                           "channels) images 'channels_first' (CNN layout) or 'channel_sum' "
                                           "(one input per cell).")
    score_info_key: str = param("", "If set, the held-out test, solved_return and play measure this value of the "
                                    "step info at each episode's end (e.g. 'score': Flappy Bird's pipes passed) "
                                    "instead of the return; fitness stays the return. Vectorization 'sync' only.")
    action_range: ActionRange = param(ActionRange.UNIT, "Output range mapped onto a Box action's [low, high]: "
                                                        "'unit' = [0, 1], 'symmetric' = [-1, 1].")
    solved_return: float | None = param(None, "Mean held-out return at which the task counts as solved "
                                              "(CartPole-v1: 475, LunarLander-v3: 200).")
    held_out_episodes: int = param(100, "Episodes of the held-out test of a champion.", ge=1)
    record_transitions: bool = param(False, "Return every training step's transition (obs, action as the network "
                                            "output clipped to its range, reward, next obs, terminal) per genome "
                                            "in info['transitions'] (ERL / TD3 fill their replay buffer from it).")

    def check(self) -> tuple[str, str] | None:
        if not self.env_id:
            return "env_id", "expected a gymnasium environment id, e.g. 'CartPole-v1'"
        try:
            parse_env_kwargs(self.env_kwargs, where="env_kwargs")
        except ConfigError as exc:
            return exc.field or "env_kwargs", exc.message
        return None


def episode_seed(seed: int, episode: int, stream: int = TRAINING_STREAM) -> int:
    """The environment seed of one episode: a 64-bit integer derived from (seed, stream, episode) only.

    >>> episode_seed(7, 0) == episode_seed(7, 0) != episode_seed(7, 1)
    True
    """
    if seed < 0:
        raise EvaluationError(f"expected non-negative evaluation seeds, got {seed}")
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(stream, episode))
    return int(ss.generate_state(1, dtype=np.uint64)[0])


# --------------------------------------------------------------------------------------------------------------
# Observation normalization


@dataclass
class ObservationStats:
    """Running mean/variance of observations (count, mean, sum of squared deviations), merged exactly as in
    Chan et al.'s parallel algorithm. Plain JSON state via :meth:`state_dict` / :meth:`load_state_dict`.

    >>> s = ObservationStats.empty(2)
    >>> s.merge(np.array([2.0]), np.array([[1.0, 3.0]]), np.array([[2.0, 0.0]]))
    >>> s.mean.tolist(), s.var.tolist()
    ([1.0, 3.0], [1.0, 0.0])
    """

    count: float
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def empty(cls, dim: int) -> ObservationStats:
        return cls(0.0, np.zeros(dim), np.zeros(dim))

    @property
    def var(self) -> np.ndarray:
        return self.m2 / self.count if self.count > 0 else np.ones_like(self.m2)

    def normalize(self, obs: np.ndarray, clip: float) -> np.ndarray:
        if self.count == 0:
            return obs
        out = (obs - self.mean) / np.sqrt(self.var + NORMALIZER_EPSILON)
        return np.clip(out, -clip, clip)

    def merge(self, counts: np.ndarray, means: np.ndarray, m2s: np.ndarray) -> None:
        """Merge per-group statistics (e.g. one group per genome, in genome order)."""
        n = float(counts.sum())
        if n == 0:
            return
        mean = (counts[:, None] * means).sum(0) / n
        m2 = m2s.sum(0) + (counts[:, None] * (means - mean) ** 2).sum(0)
        total = self.count + n
        delta = mean - self.mean
        self.m2 = self.m2 + m2 + delta**2 * self.count * n / total
        self.mean = self.mean + delta * n / total
        self.count = total

    def state_dict(self) -> dict[str, Any]:
        return {"count": self.count, "mean": self.mean.tolist(), "m2": self.m2.tolist()}

    @classmethod
    def from_state_dict(cls, state: Any, dim: int, where: str) -> ObservationStats:
        if not isinstance(state, dict) or set(state) != {"count", "mean", "m2"}:
            raise CheckpointError("expected a table with keys count, mean, m2", field=where)
        count = state["count"]
        if isinstance(count, bool) or not isinstance(count, (int, float)) or not count >= 0:
            raise CheckpointError(f"expected a non-negative count, got {count!r}", field=f"{where}.count")
        arrays = []
        for key in ("mean", "m2"):
            v = state[key]
            if (not isinstance(v, list) or len(v) != dim
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)):
                raise CheckpointError(f"expected a list of {dim} numbers", field=f"{where}.{key}")
            arr = np.asarray(v, dtype=np.float64)
            if not np.isfinite(arr).all():
                raise CheckpointError("expected finite numbers", field=f"{where}.{key}")
            arrays.append(arr)
        return cls(float(count), arrays[0], arrays[1])


class _StatsAccumulator:
    """Per-genome observation statistics of one evaluation, shifted by the current mean for precision."""

    def __init__(self, num_genomes: int, dim: int, shift: np.ndarray):
        self.shift = shift
        self.n = np.zeros(num_genomes)
        self.s1 = np.zeros((num_genomes, dim))
        self.s2 = np.zeros((num_genomes, dim))

    def add(self, obs: np.ndarray, running: np.ndarray, genomes: np.ndarray) -> None:
        """Add the observations (G, E, D) of the running episodes (G, E) of ``genomes`` (G increasing indices)."""
        x = (obs.astype(np.float64) - self.shift) * running[..., None]
        self.n[genomes] += running.sum(1)
        self.s1[genomes] += x.sum(1)
        self.s2[genomes] += (x * x).sum(1)

    def per_genome(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = np.maximum(self.n, 1.0)[:, None]
        means = self.shift + self.s1 / n
        m2 = np.maximum(self.s2 - self.s1 * self.s1 / n, 0.0)
        return self.n.copy(), means, m2


class TransitionRecorder:
    """Collects the transitions of one evaluation for learners (``record_transitions``): per step, of the running
    environments, the network input, the action as the network output clipped to its range ([-1, 1] for
    ``symmetric``), the reward, the next observation and whether the next state is terminal (an episode cut by the
    time limit is not). :meth:`per_genome` returns them grouped by genome, each in (episode, time) order."""

    def __init__(self, out_low: float, step_limit: int | None, episodes: int):
        self.out_low, self.step_limit, self.episodes = out_low, step_limit, episodes
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, ids: np.ndarray, obs: np.ndarray, out: np.ndarray, rewards: np.ndarray, next_obs: np.ndarray,
            done: np.ndarray, length: np.ndarray) -> None:
        """One step of the running environments ``ids`` (increasing); the other arguments have a row per id."""
        cut = length >= self.step_limit if self.step_limit else np.zeros(len(ids), dtype=bool)
        self.parts.append((ids, obs.astype(np.float32), np.clip(out, self.out_low, 1.0).astype(np.float32),
                           rewards.astype(np.float32), next_obs.astype(np.float32), done & ~cut))

    def per_genome(self, num_genomes: int) -> np.ndarray:
        """An object array of one dict per genome: obs, action, reward, next_obs, terminal (arrays, one row per
        step)."""
        env = np.concatenate([p[0] for p in self.parts])
        order = np.argsort(env, kind="stable")  # environment-major, time order within
        cols = [np.concatenate([p[k] for p in self.parts])[order] for k in range(1, 6)]
        bounds = np.searchsorted(env[order], np.arange(num_genomes + 1) * self.episodes)
        out = np.empty(num_genomes, dtype=object)
        for g in range(num_genomes):
            sl = slice(bounds[g], bounds[g + 1])
            out[g] = dict(zip(("obs", "action", "reward", "next_obs", "terminal"), (c[sl] for c in cols)))
        return out


# --------------------------------------------------------------------------------------------------------------
# Environment batches: N environments reset from N seeds; each step steps the running ones (increasing ids)


class _EnvBatch(Protocol):
    num_envs: int

    def reset(self, seeds: list[int]) -> np.ndarray: ...  # (N, obs_dim) float32

    def step(self, actions: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Step environments ``ids`` (increasing) with ``actions`` (one row each): their observations (float32),
        rewards (float64) and whether their episodes ended, one row per id."""
        ...

    def close(self) -> None: ...


def _flatten_obs(space: gymnasium.Space, obs: Any) -> np.ndarray:
    from gymnasium import spaces

    if isinstance(space, spaces.Box):
        return np.asarray(obs).reshape(-1)
    return np.asarray(spaces.flatten(space, obs)).reshape(-1)


def _is_flat_box(space: gymnasium.Space) -> bool:
    from gymnasium import spaces

    return isinstance(space, spaces.Box) and len(space.shape) == 1


class _SyncBatch:
    """One ``gymnasium.make`` environment per episode, stepped in this process; finished episodes are skipped.
    The pool only grows, so any batch size up to the largest seen reuses existing environments."""

    def __init__(self, make_env: Callable[[], gymnasium.Env], obs_dim: int, score_key: str = ""):
        self.make_env = make_env
        self.obs_dim = obs_dim
        self.envs: list[gymnasium.Env] = []
        self.num_envs = 0
        self.obs = np.zeros((0, obs_dim), dtype=np.float32)
        self.score_key = score_key  # step-info value kept per environment (its value at the episode's end)
        self.scores = np.zeros(0)

    def reset(self, seeds: list[int]) -> np.ndarray:
        n = len(seeds)
        while len(self.envs) < n:
            self.envs.append(self.make_env())
        self.num_envs = n
        self.obs = np.zeros((n, self.obs_dim), dtype=np.float32)
        self.scores = np.zeros(n)
        for i, s in enumerate(seeds):
            o, info = self.envs[i].reset(seed=s)
            self.obs[i] = _flatten_obs(self.envs[i].observation_space, o)
            if self.score_key:
                self.scores[i] = self._score(info)
        self.flat_box = _is_flat_box(self.envs[0].observation_space) if n else True
        return self.obs.copy()

    def step(self, actions: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        k = len(ids)
        obs = np.empty((k, self.obs_dim), dtype=np.float32)
        rewards = np.zeros(k)
        done = np.zeros(k, dtype=bool)
        envs, flat_box = self.envs, self.flat_box
        acts = actions.tolist() if actions.dtype.kind in "iu" else list(actions)  # Discrete: plain ints
        for j, (i, a) in enumerate(zip(ids.tolist(), acts)):
            o, r, terminated, truncated, info = envs[i].step(a)
            obs[j] = o if flat_box else _flatten_obs(envs[i].observation_space, o)
            rewards[j] = r
            done[j] = terminated or truncated
            if self.score_key:
                self.scores[i] = self._score(info)
        return obs, rewards, done

    def _score(self, info: dict[str, Any]) -> float:
        try:
            return float(info[self.score_key])
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"the environment's step info has no number under {self.score_key!r} (keys: "
                              f"{sorted(info)})", field="task.score_info_key") from None

    def close(self) -> None:
        for env in self.envs:
            env.close()
        self.envs.clear()


def _resize_cartpole_vector(u: Any, num_envs: int) -> None:
    """Give gymnasium's CartPoleVectorEnv ``num_envs`` sub-environments (its spaces follow)."""
    from gymnasium.vector.utils import batch_space

    if u.num_envs != num_envs:
        u.num_envs = num_envs
        u.action_space = batch_space(u.single_action_space, num_envs)
        u.observation_space = batch_space(u.single_observation_space, num_envs)


def _seed_cartpole_vector(vec: Any, seeds: list[int]) -> np.ndarray:
    """Reset gymnasium's CartPoleVectorEnv so that sub-environment k starts exactly where ``CartPoleEnv`` reset
    with ``seeds[k]`` starts (its own reset draws all starts from one generator)."""
    from gymnasium.utils import seeding

    u = vec.unwrapped
    _resize_cartpole_vector(u, len(seeds))
    vec.reset(seed=0)
    for k, s in enumerate(seeds):
        rng, _ = seeding.np_random(s)
        u.state[:, k] = rng.uniform(low=u.low, high=u.high, size=(4,))
    return u.state.T.astype(np.float32)


def _keep_cartpole_vector(vec: Any, positions: np.ndarray) -> None:
    """Keep only the sub-environments at ``positions`` (increasing) of gymnasium's CartPoleVectorEnv, in that order;
    each continues exactly as it would have (the dynamics are elementwise over sub-environments)."""
    u = vec.unwrapped
    u.state = u.state[:, positions]
    u.steps = u.steps[positions]
    u.prev_done = u.prev_done[positions]
    _resize_cartpole_vector(u, len(positions))


@dataclass(frozen=True)
class _NativeVector:
    """What topoevo knows about one native vector implementation: how to reset its sub-environments from
    independent seeds (``seed``, returning the first observations) and how to drop finished ones (``keep``)."""

    seed: Callable[[Any, list[int]], np.ndarray]
    keep: Callable[[Any, np.ndarray], None]


# vector entry point -> how to seed and shrink it
NATIVE_VECTORS: dict[str, _NativeVector] = {
    "gymnasium.envs.classic_control.cartpole:CartPoleVectorEnv": _NativeVector(_seed_cartpole_vector,
                                                                               _keep_cartpole_vector),
}


class _VectorBatch:
    """A gymnasium VectorEnv (native or async). A native one drops the environments whose episodes ended once at
    most half of its environments still run (so a generation costs about what its running episodes cost); an async
    one steps every environment, the finished ones with their last action and their results ignored (gymnasium's
    next-step autoreset restarts them)."""

    shrink_below = 0.5  # a native vector env drops its finished environments once at most this share still runs

    def __init__(self, vec: Any, native: _NativeVector | None, obs_dim: int):
        self.vec = vec
        self.native = native
        self.num_envs = vec.num_envs
        self.obs_dim = obs_dim
        self.slots = np.zeros(0, dtype=np.int64)  # the environment id of each sub-environment
        self.last_actions: np.ndarray | None = None
        from gymnasium import spaces

        self.box = isinstance(vec.single_observation_space, spaces.Box)

    def reset(self, seeds: list[int]) -> np.ndarray:
        self.slots = np.arange(len(seeds))
        self.last_actions = None
        if self.native is not None:
            obs = self.native.seed(self.vec, seeds)
        else:
            obs, _ = self.vec.reset(seed=list(seeds))
        return self._flat(obs)

    def step(self, actions: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.native is not None and len(ids) <= self.shrink_below * len(self.slots):
            kept = np.searchsorted(self.slots, ids)
            self.native.keep(self.vec, kept)
            self.slots = ids.copy()
            self.last_actions = None if self.last_actions is None else self.last_actions[kept]
        if len(ids) == len(self.slots):
            pos, full = None, actions
        else:
            pos = np.searchsorted(self.slots, ids)
            full = self.last_actions.copy()  # type: ignore[union-attr]
            full[pos] = actions
        self.last_actions = full
        obs, rewards, terminated, truncated, _ = self.vec.step(full)
        obs, rewards, done = self._flat(obs), np.asarray(rewards, dtype=np.float64), np.logical_or(terminated, truncated)
        return (obs, rewards, done) if pos is None else (obs[pos], rewards[pos], done[pos])

    def _flat(self, obs: Any) -> np.ndarray:
        if not self.box:
            from gymnasium import spaces

            obs = spaces.flatten(self.vec.observation_space, obs)
        return np.asarray(obs, dtype=np.float32).reshape(-1, self.obs_dim)

    def close(self) -> None:
        self.vec.close()


# --------------------------------------------------------------------------------------------------------------
# Actions


class _ActionKind(Enum):
    DISCRETE = "discrete"
    BOX = "box"


@dataclass
class _ActionMap:
    """Network outputs (N, num_outputs) -> actions of one action space."""

    kind: _ActionKind
    num_outputs: int
    start: int = 0
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    shape: tuple[int, ...] = ()
    dtype: Any = np.float32
    out_low: float = 0.0

    def __call__(self, out: np.ndarray) -> np.ndarray:
        if self.kind is _ActionKind.DISCRETE:
            return (self.start + np.argmax(out, axis=-1)).astype(np.int64)
        assert self.low is not None and self.high is not None
        u = (np.clip(out.astype(np.float64), self.out_low, 1.0) - self.out_low) / (1.0 - self.out_low)
        bounded = np.isfinite(self.low) & np.isfinite(self.high)
        a = np.where(bounded, self.low + u * np.where(bounded, self.high - self.low, 0.0), out)
        return a.astype(self.dtype).reshape(out.shape[:-1] + self.shape)


def _action_map(space: gymnasium.Space, action_range: ActionRange, env_id: str) -> _ActionMap:
    from gymnasium import spaces

    if isinstance(space, spaces.Discrete):
        return _ActionMap(_ActionKind.DISCRETE, int(space.n), start=int(space.start))
    if isinstance(space, spaces.Box):
        low = np.asarray(space.low, dtype=np.float64).reshape(-1)
        high = np.asarray(space.high, dtype=np.float64).reshape(-1)
        return _ActionMap(_ActionKind.BOX, low.size, low=low, high=high, shape=tuple(space.shape), dtype=space.dtype,
                          out_low=0.0 if action_range is ActionRange.UNIT else -1.0)
    raise ConfigError(f"environment {env_id!r} has action space {space}; supported: Discrete, Box",
                      field="task.env_id")


class _GymSingle:
    """One gymnasium environment played episode by episode (``play``): flat observations, (obs, reward, done)."""

    def __init__(self, env: gymnasium.Env, score_key: str):
        self.env, self.score_key, self.score = env, score_key, 0.0
        self.fps = float(env.metadata.get("render_fps") or 30)

    def reset(self, seed: int) -> np.ndarray:
        o, info = self.env.reset(seed=seed)
        self.score = float(info.get(self.score_key, 0.0)) if self.score_key else 0.0
        return _flatten_obs(self.env.observation_space, o)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool]:
        o, r, terminated, truncated, info = self.env.step(action)
        if self.score_key:
            self.score = float(info[self.score_key])
        return _flatten_obs(self.env.observation_space, o), float(r), bool(terminated or truncated)

    def render(self) -> Any:
        return self.env.render()

    def close(self) -> None:
        self.env.close()


# --------------------------------------------------------------------------------------------------------------
# Observations


# environment ids registered on import of a module: id prefix -> (module to import, package it needs, extra)
GAME_ENV_MODULES: dict[str, tuple[str, str, str]] = {
    "MinAtar/": ("topoevo.tasks.minatar", "minatar", "minatar"),
    "FlappyBird-": ("flappy_bird_gymnasium", "flappy_bird_gymnasium", "flappy"),
    "topoevo/FlappyBird-": ("topoevo.tasks.flappy", "flappy_bird_gymnasium", "flappy"),
}


def _register_game_envs(env_id: str) -> None:
    """Import the module registering ``env_id`` (MinAtar, Flappy Bird); a missing extra is a one-line error."""
    import importlib
    import importlib.util

    for prefix, (module, package, extra) in GAME_ENV_MODULES.items():
        if env_id.startswith(prefix):
            if importlib.util.find_spec(package) is None:
                raise ConfigError(f"environment {env_id!r} needs the {extra} extra (pip install "
                                  f"'topoevo[{extra}]')", field="task.env_id")
            importlib.import_module(module)


def _gym_spec(env_id: str) -> Any:
    import gymnasium as gym

    _register_game_envs(env_id)
    try:
        return gym.spec(env_id)  # also imports "module:EnvId" ids
    except (gym.error.Error, ImportError) as exc:
        hint = did_you_mean(env_id, gym.registry) or f" ({exc})"
        raise ConfigError(f"unknown gymnasium environment {env_id!r}{hint}", field="task.env_id") from None


def _native_vector_ok(spec: Any) -> bool:
    """Whether a gymnasium spec names a native vector implementation topoevo can seed."""
    entry = spec.vector_entry_point
    return isinstance(entry, str) and entry in NATIVE_VECTORS


def _has_native_vector(env_id: str) -> bool:
    """Whether gymnasium knows ``env_id`` and has a native vector implementation of it topoevo can seed (False for
    ids only EnvPool provides, such as ``Pong-v5``)."""
    try:
        return _native_vector_ok(_gym_spec(env_id))
    except ConfigError:
        return False


def _check_observation_space(space: gymnasium.Space, env_id: str) -> None:
    """Refuse observation spaces a network cannot be fed as one fixed-size vector (Dict, Text, Graph, Sequence...).

    >>> from gymnasium import spaces
    >>> _check_observation_space(spaces.Dict({"a": spaces.Discrete(2)}), "X-v0")
    Traceback (most recent call last):
    ...
    topoevo.errors.ConfigError: task.env_id: environment 'X-v0' has a Dict observation space; supported: Box, Discrete, MultiDiscrete, MultiBinary and Tuples of them
    """
    from gymnasium import spaces

    flat = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)
    ok = isinstance(space, flat) or (isinstance(space, spaces.Tuple) and all(isinstance(x, flat) for x in space))
    if not ok:
        raise ConfigError(f"environment {env_id!r} has a {type(space).__name__} observation space; supported: Box, "
                          "Discrete, MultiDiscrete, MultiBinary and Tuples of them", field="task.env_id")


@dataclass(frozen=True)
class _Layout:
    """Flat observations as the batches return them (raw_dim values each) -> network inputs (num_inputs each)."""

    kind: ObservationLayout
    raw_dim: int
    num_inputs: int
    image: tuple[int, int, int] = (0, 0, 0)  # (height, width, channels) of image layouts

    @classmethod
    def of(cls, space: gymnasium.Space, kind: ObservationLayout, env_id: str) -> _Layout:
        from gymnasium import spaces

        raw = int(spaces.flatdim(space))
        kind = ObservationLayout(kind)
        if kind is ObservationLayout.FLATTEN:
            return cls(kind, raw, raw)
        shape = tuple(space.shape) if isinstance(space, spaces.Box) else ()
        if len(shape) != 3:
            raise ConfigError(f"observation {kind.value!r} needs (height, width, channels) image observations; "
                              f"{env_id!r} observes {space}", field="task.observation")
        h, w, c = (int(d) for d in shape)
        return cls(kind, raw, h * w * c if kind is ObservationLayout.CHANNELS_FIRST else h * w, (h, w, c))

    def __call__(self, obs: np.ndarray) -> np.ndarray:  # (N, raw_dim) -> (N, num_inputs) float32
        if self.kind is ObservationLayout.FLATTEN:
            return obs
        n = obs.shape[0]
        grid = obs.reshape(n, *self.image)
        if self.kind is ObservationLayout.CHANNELS_FIRST:
            return np.ascontiguousarray(grid.transpose(0, 3, 1, 2)).reshape(n, self.num_inputs)
        c = self.image[2]
        levels = (np.arange(1, c + 1, dtype=np.float32) / c)
        return (grid @ levels).reshape(n, self.num_inputs).astype(np.float32)


# --------------------------------------------------------------------------------------------------------------
# The task


class GymTask(TaskBase):
    """A gymnasium environment as a batched Task.

    Fitness of genome i = mean return of ``params.episodes`` episodes, each run in its own environment reset
    with ``episode_seed(seeds[i], e)``. Discrete(n) actions take the argmax of n outputs; Box actions clip each
    output to [0, 1] (``action_range = "unit"``) or [-1, 1] (``"symmetric"``) and map it linearly onto
    [low, high] (unbounded dimensions get the raw output).

    >>> task = GymTask(GymParams(env_id="CartPole-v1", episodes=3))   # doctest: +SKIP
    >>> task.num_inputs, task.num_outputs                                # doctest: +SKIP
    (4, 2)
    >>> result = task.evaluate(policy, seeds=np.arange(policy.size))     # doctest: +SKIP
    >>> task.held_out_return(champion_policy, episodes=100, seed=1)      # doctest: +SKIP
    >>> task.close()                                                     # doctest: +SKIP
    """

    has_champion_test = True  # champion_solved: mean return over held-out episodes
    narrow_below = 0.25  # narrow a NarrowablePolicy once at most this share of its genomes has a running episode
    merges_state = True  # the observation normalizer: per-genome statistics merged in genome order
    plays_episodes = True

    def __init__(self, params: GymParams):
        problem = params.check()
        if problem:
            raise ConfigError(problem[1], field=f"task.{problem[0]}")
        self.params = params
        self.env_kwargs = parse_env_kwargs(params.env_kwargs)
        self.vectorization = self._resolve_vectorization()
        if self.vectorization is Vectorization.ENVPOOL:
            from topoevo.tasks import envpool_backend

            self.spec = None
            if params.max_episode_steps:
                self.env_kwargs["max_episode_steps"] = params.max_episode_steps
            self.observation_space, self.action_space, self.envpool_step_limit = envpool_backend.envpool_spaces(
                params.env_id, self.env_kwargs)
        else:
            self.spec = _gym_spec(params.env_id)
            if params.max_episode_steps:
                self.env_kwargs["max_episode_steps"] = params.max_episode_steps
            elif self.spec.max_episode_steps is None:
                log.warning("%s has no step limit and task.max_episode_steps is 0: an episode that never ends "
                            "never returns", params.env_id)
            self._check_gymnasium_vectorization()
            probe = self._make_env()
            try:
                self.observation_space = probe.observation_space
                self.action_space = probe.action_space
            finally:
                probe.close()
        _check_observation_space(self.observation_space, params.env_id)
        self.layout = _Layout.of(self.observation_space, params.observation, params.env_id)
        self.num_inputs: int = self.layout.num_inputs
        self.actions = _action_map(self.action_space, params.action_range, params.env_id)
        self.num_outputs: int = self.actions.num_outputs
        if params.score_info_key and self.vectorization is not Vectorization.SYNC:
            raise ConfigError(f"score_info_key needs vectorization 'sync', this task resolves to "
                              f"{self.vectorization.value!r}", field="task.score_info_key")
        self.obs_stats = ObservationStats.empty(self.num_inputs) if params.normalize_observations else None
        self._sync: _SyncBatch | None = None
        self._vectors: dict[int, _EnvBatch] = {}  # num_envs -> batch (at most two kept)
        self.champion_test: dict[str, Any] | None = None  # figures of the last `champion_solved` test

    # ---- environments

    def _make_env(self, **extra: Any) -> gymnasium.Env:
        import gymnasium as gym

        try:
            return gym.make(self.params.env_id, **self.env_kwargs, **extra)
        except TypeError as exc:
            raise ConfigError(f"environment {self.params.env_id!r} rejected its arguments: {exc}",
                              field="task.env_kwargs") from None
        except gym.error.DependencyNotInstalled as exc:
            raise ConfigError(f"environment {self.params.env_id!r} needs a missing dependency: {exc}",
                              field="task.env_id") from None

    def _resolve_vectorization(self) -> Vectorization:
        from topoevo.tasks import envpool_backend

        v, env_id = self.params.vectorization, self.params.env_id
        if v is Vectorization.COMPILED:
            from topoevo.tasks.cartpole_compiled import ENV_IDS

            if env_id not in ENV_IDS:
                raise ConfigError(f"vectorization 'compiled' implements {', '.join(ENV_IDS)} only, not {env_id!r}",
                                  field="task.vectorization")
            if self.env_kwargs:
                raise ConfigError("vectorization 'compiled' takes no env_kwargs (it steps CartPole's default "
                                  "dynamics)", field="task.env_kwargs")
            return v
        if v is Vectorization.ENVPOOL:
            envpool_backend.check_envpool_env(env_id)
            return v
        if v is Vectorization.AUTO and not self.params.score_info_key and not _has_native_vector(env_id) \
                and envpool_backend.envpool_provides(env_id):
            return Vectorization.ENVPOOL  # a native numpy vector env (CartPole) steps faster than EnvPool's
        return v  # AUTO and GYMNASIUM are settled by _check_gymnasium_vectorization once the spec is known

    def _check_gymnasium_vectorization(self) -> None:
        v = self.vectorization
        entry = self.spec.vector_entry_point
        native_ok = _native_vector_ok(self.spec)
        if v in (Vectorization.AUTO, Vectorization.GYMNASIUM):
            self.vectorization = Vectorization.NATIVE if native_ok and not self.params.score_info_key \
                else Vectorization.SYNC
        elif v is Vectorization.NATIVE and not native_ok:
            why = "has no native vector implementation" if entry is None else \
                "has a native vector implementation that cannot reset its environments from independent seeds"
            raise ConfigError(f"environment {self.params.env_id!r} {why}; use 'sync' or 'auto'",
                              field="task.vectorization")

    @property
    def backend(self) -> str:
        """'envpool' or 'gymnasium': the engine whose dynamics this task steps."""
        return self.vectorization.backend

    def champion_metadata(self) -> dict[str, Any]:
        """What a champion's file records so that it is replayed as it was evolved: the resolved vectorization
        (EnvPool and gymnasium episodes differ for the same seed)."""
        return {"backend": self.backend, "task_overrides": {"vectorization": self.vectorization.value}}

    def _batch(self, num_envs: int) -> _EnvBatch:
        if self.vectorization is Vectorization.SYNC:
            if self._sync is None:
                self._sync = _SyncBatch(self._make_env, self.layout.raw_dim, self.params.score_info_key)
            return self._sync
        if num_envs not in self._vectors:
            if len(self._vectors) >= 2:
                oldest = next(iter(self._vectors))
                self._vectors.pop(oldest).close()
            self._vectors[num_envs] = self._vector_batch(num_envs)
        return self._vectors[num_envs]

    def _vector_batch(self, num_envs: int) -> _EnvBatch:
        if self.vectorization is Vectorization.ENVPOOL:
            from topoevo.tasks import envpool_backend

            threads = self.params.num_threads or envpool_backend.default_threads()
            return envpool_backend.EnvPoolBatch(self.params.env_id, self.env_kwargs, threads, self.layout.raw_dim)
        if self.vectorization is Vectorization.COMPILED:
            from topoevo.tasks.cartpole_compiled import CompiledCartPole

            return CompiledCartPole(self._step_limit() or 0)
        import gymnasium as gym

        if self.vectorization is Vectorization.NATIVE:
            vec = gym.make_vec(self.params.env_id, num_envs=num_envs, vectorization_mode="vector_entry_point",
                               **self.env_kwargs)
            native = NATIVE_VECTORS[self.spec.vector_entry_point]  # type: ignore[index,union-attr]
        else:
            vec = gym.make_vec(self.params.env_id, num_envs=num_envs, vectorization_mode="async", **self.env_kwargs)
            native = None
        return _VectorBatch(vec, native, self.layout.raw_dim)

    def _single_env(self, render_mode: str | None) -> Any:
        """One environment for ``play`` on this task's backend."""
        if self.vectorization is Vectorization.ENVPOOL:
            from topoevo.tasks.envpool_backend import EnvPoolSingle

            return EnvPoolSingle(self.params.env_id, self.env_kwargs, render_mode)
        env = self._make_env(render_mode=render_mode) if render_mode else self._make_env()
        return _GymSingle(env, self.params.score_info_key)

    def close(self) -> None:
        """Close every environment the task opened. The task may still be used afterwards (it reopens them)."""
        if self._sync is not None:
            self._sync.close()
            self._sync = None
        for batch in self._vectors.values():
            batch.close()
        self._vectors.clear()

    def __enter__(self) -> GymTask:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- normalization state

    def state_dict(self) -> dict[str, Any]:
        """The task's mutable state as plain JSON data (the observation normalizer, if any)."""
        return {"version": STATE_VERSION,
                "observation_stats": None if self.obs_stats is None else self.obs_stats.state_dict()}

    def load_state_dict(self, state: Any) -> None:
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise CheckpointError(f"expected a gym task state of version {STATE_VERSION}", field="task_state")
        stats = state.get("observation_stats")
        if (stats is None) != (self.obs_stats is None):
            raise CheckpointError("observation statistics present in exactly one of the checkpoint and the task "
                                  "(normalize_observations changed?)", field="task_state.observation_stats")
        if stats is not None:
            self.obs_stats = ObservationStats.from_state_dict(stats, self.num_inputs,
                                                              "task_state.observation_stats")

    def merge_state(self, info: dict[str, Any]) -> None:
        """Merge the per-genome observation statistics of an evaluation (``info["observation_stats"]``, the whole
        population's in genome order) into the normalizer."""
        stats = info.get(OBSERVATION_STATS)
        if stats is not None:
            self.update_observation_stats(stats["counts"], stats["means"], stats["m2"])

    def update_observation_stats(self, counts: np.ndarray, means: np.ndarray, m2s: np.ndarray) -> None:
        """Merge per-genome statistics (``EvalResult.info["observation_stats"]``) in genome order; ``evaluate``
        calls this itself. An evaluator that splits a population across workers merges the workers' info in
        genome order into the main task and sends workers the main task's :meth:`state_dict`."""
        if self.obs_stats is not None:
            self.obs_stats.merge(np.asarray(counts, dtype=np.float64), np.asarray(means, dtype=np.float64),
                                 np.asarray(m2s, dtype=np.float64))

    # ---- evaluation

    def _run(self, policy: BatchedPolicy, env_seeds: list[list[int]], accumulate: bool,
             recorder: TransitionRecorder | None = None
             ) -> tuple[np.ndarray, np.ndarray, _StatsAccumulator | None, np.ndarray | None]:
        """Run one episode per (genome, episode) seed; returns (P, E) returns and lengths, the statistics
        accumulator and, with ``score_info_key``, the (P, E) scores at the episodes' ends. ``recorder`` (ERL/TD3)
        keeps every transition.

        Only the running episodes are stepped, and a :class:`NarrowablePolicy` is narrowed to the genomes with a
        running episode once they are at most :attr:`narrow_below` of the genomes it computes: the work of a step
        follows the running episodes, the results are those of stepping every episode to the end of the longest
        (each episode and network is computed on its own, whatever else is in the batch)."""
        import torch

        num_genomes, num_episodes = len(env_seeds), len(env_seeds[0])
        n = num_genomes * num_episodes
        batch = self._batch(n)
        stats = self.obs_stats
        acc = _StatsAccumulator(num_genomes, self.num_inputs, stats.mean.copy()) \
            if (stats is not None and accumulate) else None
        clip, width = self.params.normalize_clip, self.num_outputs

        policy.reset()
        layout = self.layout
        obs = np.array(layout(batch.reset([s for row in env_seeds for s in row])), dtype=np.float32)  # our copy
        returns = np.zeros(n)
        lengths = np.zeros(n, dtype=np.int64)
        running = np.ones(n, dtype=bool)
        ids = np.arange(n)  # the running episodes, increasing
        net, genomes = policy, np.arange(num_genomes)  # the policy computed and the genomes it computes
        narrowable = isinstance(policy, NarrowablePolicy)
        rows: np.ndarray | None = None  # rows of the running episodes in the computed (genome, episode) grid
        while ids.size:
            grid = obs.reshape(num_genomes, num_episodes, self.num_inputs)
            if genomes.size < num_genomes:
                grid = grid[genomes]
            if acc is not None:
                acc.add(grid, running.reshape(num_genomes, num_episodes)[genomes], genomes)
            x = grid if stats is None else stats.normalize(grid, clip).astype(np.float32)
            out = net(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))
            out = out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
            if out.shape != (genomes.size, num_episodes, width):
                raise EvaluationError(f"policy returned shape {tuple(out.shape)}, expected "
                                      f"{(genomes.size, num_episodes, width)}")
            out = out.reshape(-1, width) if rows is None else out.reshape(-1, width)[rows]
            if np.isnan(out).any():
                i = int(ids[np.flatnonzero(np.isnan(out).any(-1))[0]]) // num_episodes
                raise EvaluationError(f"policy output of genome {i} is NaN on {self.params.env_id}")
            new_obs, rewards, done = batch.step(self.actions(out), ids)
            new_obs = layout(new_obs)
            if recorder is not None:
                inputs = x.reshape(-1, self.num_inputs)
                recorder.add(ids, inputs if rows is None else inputs[rows], out, rewards, new_obs, done,
                             lengths[ids] + 1)
            returns[ids] += rewards
            lengths[ids] += 1
            obs[ids] = new_obs
            if not done.any():
                continue
            running[ids[done]] = False
            ids = ids[~done]
            of = ids // num_episodes  # genome of each running episode
            if narrowable and genomes.size > 1 and ids.size:
                live = of[np.flatnonzero(np.diff(of, prepend=-1))]
                if live.size <= self.narrow_below * genomes.size:
                    net = net.narrow(np.searchsorted(genomes, live))  # type: ignore[attr-defined]
                    genomes = live
            rows = ids if genomes.size == num_genomes else \
                np.searchsorted(genomes, of) * num_episodes + ids % num_episodes
        shape = (num_genomes, num_episodes)
        scores = batch.scores.reshape(shape).copy() if isinstance(batch, _SyncBatch) and batch.score_key else None
        return returns.reshape(shape), lengths.reshape(shape), acc, scores

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        """One episode in each of P x E environments; fitness = mean return per genome.

        ``info`` holds ``episode_returns`` and ``episode_lengths`` (P, E), ``steps`` (environment steps taken) and,
        with normalization, ``observation_stats`` (per-genome counts, means, m2 that were merged afterwards)."""
        seeds = np.asarray(seeds)
        if seeds.ndim != 1 or len(seeds) != policy.size:
            raise EvaluationError(f"expected one seed per genome ({policy.size}), got shape {seeds.shape}")
        episodes = self.params.episodes
        if policy.size == 0:
            return EvalResult(fitness=np.zeros(0), info={"steps": 0})
        env_seeds = [[episode_seed(int(s), e) for e in range(episodes)] for s in seeds]
        recorder = TransitionRecorder(self.actions.out_low, self._step_limit(), episodes) \
            if self.params.record_transitions else None
        returns, lengths, acc, scores = self._run(policy, env_seeds, accumulate=True, recorder=recorder)
        info: dict[str, Any] = {"episode_returns": returns, "episode_lengths": lengths,
                                "steps": int(lengths.sum())}
        if scores is not None:
            info["episode_scores"] = scores
        if recorder is not None:
            info["transitions"] = recorder.per_genome(len(seeds))
        if acc is not None:
            counts, means, m2s = acc.per_genome()
            info[OBSERVATION_STATS] = {"counts": counts, "means": means, "m2": m2s}
            self.update_observation_stats(counts, means, m2s)
        return EvalResult(fitness=returns.mean(axis=1), info=info)

    def _step_limit(self) -> int | None:
        """The time limit that truncates an episode (not a terminal state for a learner), if any."""
        if self.spec is None:  # EnvPool: its configured limit
            return self.params.max_episode_steps or self.envpool_step_limit
        return self.params.max_episode_steps or self.spec.max_episode_steps

    def held_out_return(self, policy: BatchedPolicy, episodes: int | None = None, seed: int = 0) -> np.ndarray:
        """Mean return of each genome of ``policy`` (usually one champion) over ``episodes`` held-out episodes
        (default ``params.held_out_episodes``), run as one batch with obs shaped (P, episodes, num_inputs).
        Every genome sees the same episodes, drawn from a seed stream separate from ``evaluate``'s.
        Normalization statistics are used but not updated. With ``score_info_key``: the mean score instead."""
        episodes = self.params.held_out_episodes if episodes is None else episodes
        if episodes < 1:
            raise EvaluationError(f"expected at least one held-out episode, got {episodes}")
        row = [episode_seed(seed, e, HELD_OUT_STREAM) for e in range(episodes)]
        returns, _, _, scores = self._run(policy, [row] * policy.size, accumulate=False)
        return (returns if scores is None else scores).mean(axis=1)

    def solves(self, policy: BatchedPolicy, seed: int = HELD_OUT_SEED) -> np.ndarray:
        """Which genomes reach ``params.solved_return`` in the held-out test."""
        if self.params.solved_return is None:
            raise ConfigError("no solved_return set for this task", field="task.solved_return")
        return self.held_out_return(policy, seed=seed) >= self.params.solved_return

    def champion_solved(self, policy: BatchedPolicy, fitness: float | None = None) -> bool:
        """The run loop's success test on a generation's champion (a policy of size 1): its mean return over
        ``held_out_episodes`` held-out episodes (seed :data:`HELD_OUT_SEED`) reaches ``solved_return``.

        The test is skipped (False) when no ``solved_return`` is set or when the champion's training ``fitness`` is
        below it. The figures of the last test run are kept in :attr:`champion_test` (plain JSON data)."""
        if policy.size != 1:
            raise EvaluationError(f"expected a policy of size 1 (the champion), got size {policy.size}")
        self.champion_test = None
        target = self.params.solved_return
        if target is None or (fitness is not None and fitness < target):
            return False
        value = float(self.held_out_return(policy, seed=HELD_OUT_SEED)[0])
        self.champion_test = {"held_out_return": value, "held_out_episodes": self.params.held_out_episodes,
                              "held_out_seed": HELD_OUT_SEED, "solved_return": target}
        return value >= target

    # ---- watching a policy

    def play(self, policy: BatchedPolicy, episodes: int = 1, render: str | Path | None = None, seed: int = 0,
             frame_stride: int = 1) -> np.ndarray:
        """Run a single-genome policy for ``episodes`` held-out episodes one after another and return their
        returns (scores with ``score_info_key``). ``render="human"`` opens a window; a path ending in ``.gif``
        writes the episodes as an animated GIF (needs Pillow: ``pip install topoevo[render]``), keeping every
        ``frame_stride``-th frame."""
        if policy.size != 1:
            raise EvaluationError(f"play expects a single-genome policy, got size {policy.size}")
        if frame_stride < 1:
            raise EvaluationError(f"expected frame_stride >= 1, got {frame_stride}")
        mode, gif = _render_target(render)
        frames = GifFrames(gif, frame_stride) if gif is not None else None
        env = self._single_env(mode)
        returns = np.zeros(episodes)
        try:
            for e in range(episodes):
                returns[e] = self._play_episode(env, policy, episode_seed(seed, e, HELD_OUT_STREAM), frames)
        finally:
            env.close()
        if frames is not None:
            frames.write(env.fps)
        return returns

    def _play_episode(self, env: Any, policy: BatchedPolicy, env_seed: int, frames: GifFrames | None) -> float:
        """One episode of a single-genome policy in ``env`` (a :meth:`_single_env`; frames kept for a GIF if asked);
        its return, or its score with ``score_info_key``."""
        import torch

        policy.reset()
        o = env.reset(env_seed)
        total, step, clip = 0.0, 0, self.params.normalize_clip
        while True:
            if frames is not None and step % frames.stride == 0:
                frames.add(env.render())
            x = self.layout(np.asarray(o, dtype=np.float32).reshape(1, -1)).reshape(1, 1, -1)
            if self.obs_stats is not None:
                x = self.obs_stats.normalize(x, clip)
            out = policy(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))
            out = out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
            action = self.actions(out.reshape(1, self.num_outputs))[0]
            o, r, done = env.step(int(action) if self.actions.kind is _ActionKind.DISCRETE else action)
            total += r
            step += 1
            if done:
                return env.score if self.params.score_info_key else total


def _render_target(render: str | Path | None) -> tuple[str | None, Path | None]:
    """``play``'s ``render`` argument -> (gymnasium render mode, GIF path)."""
    if render is None:
        return None, None
    if render == "human":
        return "human", None
    gif = Path(render)
    if gif.suffix.lower() != ".gif":
        raise TopoevoError("expected 'human' or a path ending in .gif", source=str(render), field="render")
    return "rgb_array", gif


class GifFrames:
    """Frames of played episodes (every ``stride``-th), written as one animated GIF (needs Pillow); the gym, Atari
    and Slime Volleyball tasks' ``play`` use it.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "two.gif"
    >>> gif = GifFrames(out, stride=1)
    >>> gif.add(np.zeros((4, 6, 3), np.uint8)); gif.add(np.full((4, 6, 3), 255, np.uint8)); gif.write(fps=30)
    >>> out.stat().st_size > 0, len(gif.frames)
    (True, 2)
    """

    def __init__(self, path: Path, stride: int):
        try:
            from PIL import Image
        except ImportError:
            raise TopoevoError("writing a GIF needs Pillow (pip install pillow)", source=str(path),
                               field="render") from None
        self.image, self.path, self.stride = Image, path, stride
        self.frames: list[Any] = []

    @classmethod
    def for_render(cls, render: str | Path | None, stride: int, no_window: str) -> GifFrames | None:
        """``play``'s ``render`` argument for a task with no window: None (nothing to draw) or the frames of a
        ``.gif`` path; any other path is a one-line error that says why (``no_window``)."""
        if render is None:
            return None
        if Path(render).suffix.lower() != ".gif":
            raise TopoevoError(f"expected a path ending in .gif ({no_window})", source=str(render), field="render")
        return cls(Path(render), stride)

    def add(self, frame: Any) -> None:
        self.frames.append(self.image.fromarray(np.asarray(frame)).convert("P", palette=self.image.ADAPTIVE))

    def write(self, fps: float) -> None:
        if not self.frames:
            return
        duration = max(1, int(round(1000.0 * self.stride / fps)))
        with atomic_output(self.path) as tmp:
            self.frames[0].save(tmp, format="GIF", save_all=True, append_images=self.frames[1:], duration=duration,
                                loop=0)
        log.info("wrote %d frames to %s", len(self.frames), self.path)
