"""The EnvPool backend of the gym task: the P*E environments of an evaluation as one EnvPool batch (C++ environments
stepped by ``num_threads`` threads), one batched policy call per step.

EnvPool (``pip install topoevo[envpool]``) fixes each environment's seed when the pool is created
(``env_seed``) and ignores ``reset(seed=...)``: an environment's next episode depends on how many episodes (and,
for LunarLander, which steps) it ran before. So every evaluation builds a fresh pool seeded with its episodes'
seeds, which keeps each episode a function of (run seed, generation, genome index, episode) only, whatever ran
before, on any worker and after a resume. A pool reused across evaluations (cached by batch size) would break that,
and would save little: building 450 classic-control environments costs a few milliseconds of CPU, a few per cent
of an evaluation (``envpool_pool_build_*`` in benchmarks/results/envs.json). EnvPool seeds are 31-bit: :func:`envpool_seed` folds topoevo's 64-bit episode seeds.
EnvPool's environments are C++ ports with their own random number generators: the same seed starts a different
episode than gymnasium's, and the dynamics may differ in details, so champions record their backend
(``vectorization``) and are replayed on it. envpool is imported lazily.
"""
from __future__ import annotations

import importlib.util
import math
import warnings
from functools import lru_cache
from typing import Any

import numpy as np

from topoevo.config.schema import did_you_mean
from topoevo.errors import ConfigError

ENVPOOL_SEED_MODULUS = 2**31  # EnvPool accepts non-negative int32 seeds
INSTALL_HINT = "the envpool extra is not installed (pip install 'topoevo[envpool]')"


def envpool_installed() -> bool:
    """Whether the ``envpool`` package can be imported (without importing it).

    >>> isinstance(envpool_installed(), bool)
    True
    """
    return importlib.util.find_spec("envpool") is not None


@lru_cache(maxsize=1)
def envpool_ids() -> frozenset[str]:
    """Every environment id the installed EnvPool provides (empty when it is not installed)."""
    if not envpool_installed():
        return frozenset()
    import envpool

    return frozenset(envpool.list_all_envs())


def envpool_provides(env_id: str) -> bool:
    """Whether EnvPool is installed and provides ``env_id``.

    >>> envpool_provides("NoSuchEnv-v0")
    False
    """
    return env_id in envpool_ids()


def check_envpool_env(env_id: str) -> None:
    """Raise a one-line :class:`ConfigError` unless EnvPool is installed and provides ``env_id``."""
    if not envpool_installed():
        raise ConfigError(f"vectorization 'envpool' needs EnvPool: {INSTALL_HINT}", field="task.vectorization")
    if not envpool_provides(env_id):
        hint = did_you_mean(env_id, envpool_ids())
        raise ConfigError(f"EnvPool does not provide {env_id!r}{hint}; use vectorization 'auto', 'sync' or "
                          "'native'", field="task.env_id")


def envpool_seed(seed: int) -> int:
    """The EnvPool seed of a 64-bit episode seed (EnvPool seeds are 31-bit).

    >>> envpool_seed(2**31 + 5), envpool_seed(7)
    (5, 7)
    """
    return int(seed) % ENVPOOL_SEED_MODULUS


def make_pool(env_id: str, seeds: list[int], num_threads: int, env_kwargs: dict[str, Any],
              render_mode: str | None = None) -> Any:
    """A gymnasium-API EnvPool of ``len(seeds)`` environments, environment k seeded with ``seeds[k]`` (folded)."""
    import envpool

    kwargs = dict(env_kwargs)
    if render_mode is not None:
        kwargs["render_mode"] = render_mode
    # EnvPool rebuilds its spaces with float64 bounds on every reset and step; gymnasium's Box warns about the cast
    warnings.filterwarnings("ignore", message=".*precision lowered by casting to float32", category=UserWarning)
    try:
        return envpool.make_gymnasium(env_id, num_envs=len(seeds), batch_size=len(seeds),
                                      num_threads=max(1, min(num_threads, len(seeds))),
                                      env_seed=[envpool_seed(s) for s in seeds], **kwargs)
    except TypeError as exc:
        raise ConfigError(f"EnvPool's {env_id!r} rejected its arguments: {exc}", field="task.env_kwargs") from None


def envpool_spaces(env_id: str, env_kwargs: dict[str, Any]) -> tuple[Any, Any, int]:
    """(observation space, action space, episode step limit) of one environment of ``env_id``."""
    pool = make_pool(env_id, [0], 1, env_kwargs)
    try:
        return pool.single_observation_space, pool.single_action_space, int(pool.spec.config.max_episode_steps)
    finally:
        pool.close()


def default_threads() -> int:
    """EnvPool threads when ``num_threads = 0``: as many as torch uses in this process (its cores in the main
    process; 1 in pool and Ray workers, which set torch to one thread)."""
    import torch

    return max(1, torch.get_num_threads())


class EnvPoolBatch:
    """N EnvPool environments reset from N seeds (a new pool per reset), stepped together; only the environments
    whose episodes still run are stepped (EnvPool's ``env_id`` subsets), so a generation whose episodes mostly end
    early costs what its episodes cost. Same interface as the gym task's other batches.

    >>> batch = EnvPoolBatch("CartPole-v1", {}, num_threads=1, obs_dim=4)   # doctest: +SKIP
    >>> batch.reset([1, 2, 3]).shape                                          # doctest: +SKIP
    (3, 4)
    """

    def __init__(self, env_id: str, env_kwargs: dict[str, Any], num_threads: int, obs_dim: int):
        self.env_id, self.env_kwargs, self.num_threads, self.obs_dim = env_id, env_kwargs, num_threads, obs_dim
        self.pool: Any = None
        self.num_envs = 0
        self.obs = np.zeros((0, obs_dim), dtype=np.float32)

    def reset(self, seeds: list[int]) -> np.ndarray:
        self.close()
        self.pool = make_pool(self.env_id, seeds, self.num_threads, self.env_kwargs)
        self.num_envs = len(seeds)
        obs, _ = self.pool.reset()
        self.obs = np.asarray(obs, dtype=np.float32).reshape(self.num_envs, self.obs_dim).copy()
        return self.obs.copy()

    def step(self, actions: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if actions.dtype.kind in "iu":
            actions = actions.astype(np.int32)
        obs, rewards, terminated, truncated, info = self.pool.step(actions, env_id=ids.astype(np.int32))
        where = np.searchsorted(ids, np.asarray(info["env_id"]))  # the rows the results belong to
        k = len(ids)
        out = np.empty((k, self.obs_dim), dtype=np.float32)
        out[where] = np.asarray(obs, dtype=np.float32).reshape(k, self.obs_dim)
        all_rewards = np.zeros(k)
        done = np.zeros(k, dtype=bool)
        all_rewards[where] = rewards
        done[where] = np.logical_or(terminated, truncated)
        return out, all_rewards, done

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None


class EnvPoolSingle:
    """One EnvPool environment played episode by episode (``topoevo play``): a fresh 1-environment pool per
    episode, seeded like the evaluation's; frames from EnvPool's own renderer.

    >>> env = EnvPoolSingle("CartPole-v1", {}, render_mode=None)   # doctest: +SKIP
    >>> obs = env.reset(seed=3)                                     # doctest: +SKIP
    """

    def __init__(self, env_id: str, env_kwargs: dict[str, Any], render_mode: str | None):
        self.env_id, self.env_kwargs, self.render_mode = env_id, env_kwargs, render_mode
        self.pool: Any = None
        self.fps = 30.0

    def reset(self, seed: int) -> np.ndarray:
        self.close()
        self.pool = make_pool(self.env_id, [seed], 1, self.env_kwargs, render_mode=self.render_mode)
        fps = self.pool.metadata.get("render_fps")
        self.fps = float(fps) if fps and math.isfinite(float(fps)) else 30.0
        obs, _ = self.pool.reset()
        return np.asarray(obs)[0]

    def step(self, action: Any) -> tuple[np.ndarray, float, bool]:
        a = np.asarray([action], dtype=np.int32 if np.ndim(action) == 0 else np.float32)
        obs, reward, terminated, truncated, _ = self.pool.step(a)
        return np.asarray(obs)[0], float(reward[0]), bool(terminated[0] or truncated[0])

    def render(self) -> np.ndarray:
        return np.asarray(self.pool.render())[0]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
