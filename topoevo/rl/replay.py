"""The replay buffer of off-policy learners: a ring of transitions in float32 arrays, uniform minibatches drawn from
a numpy generator, state as plain arrays (checkpoints store them base64-encoded, bit-exact)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

FIELDS = ("obs", "action", "reward", "next_obs", "terminal")


@dataclass
class ReplayBuffer:
    """A ring buffer of ``capacity`` transitions.

    >>> buf = ReplayBuffer(3, obs_dim=2, action_dim=1)
    >>> buf.add({"obs": np.ones((4, 2)), "action": np.zeros((4, 1)), "reward": np.arange(4.0),
    ...          "next_obs": np.ones((4, 2)), "terminal": np.array([0, 0, 0, 1], dtype=bool)})
    >>> len(buf), buf.reward.tolist()          # the oldest was overwritten
    (3, [3.0, 1.0, 2.0])
    >>> buf.sample(2, np.random.default_rng(0))["obs"].shape
    (2, 2)
    """

    capacity: int
    obs_dim: int
    action_dim: int
    size: int = 0
    position: int = 0  # where the next transition goes
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.arrays:
            self.arrays = {name: np.zeros(shape, dtype=np.float32) for name, shape in self.shapes().items()}

    def shapes(self) -> dict[str, tuple[int, ...]]:
        c = self.capacity
        return {"obs": (c, self.obs_dim), "action": (c, self.action_dim), "reward": (c,),
                "next_obs": (c, self.obs_dim), "terminal": (c,)}

    def __len__(self) -> int:
        return self.size

    def __getattr__(self, name: str) -> np.ndarray:
        if name in FIELDS:
            return self.arrays[name]
        raise AttributeError(name)

    def add(self, transitions: dict[str, Any]) -> None:
        """Append rows (the oldest are overwritten once full), in order."""
        n = len(transitions["reward"])
        if n == 0:
            return
        idx = (self.position + np.arange(n)) % self.capacity
        if n > self.capacity:  # only the last `capacity` rows survive; write them in order
            idx, start = idx[-self.capacity:], n - self.capacity
        else:
            start = 0
        for name in FIELDS:
            self.arrays[name][idx] = np.asarray(transitions[name], dtype=np.float32).reshape(
                (n, *self.arrays[name].shape[1:]))[start:]
        self.position = int((self.position + n) % self.capacity)
        self.size = min(self.capacity, self.size + n)

    def sample(self, batch_size: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """``batch_size`` transitions drawn uniformly with replacement."""
        idx = rng.integers(0, self.size, batch_size)
        return {name: self.arrays[name][idx] for name in FIELDS}

    def state(self) -> dict[str, Any]:
        """Size, position and the filled rows (plain data + arrays)."""
        return {"size": self.size, "position": self.position,
                **{name: self.arrays[name][:self.size] for name in FIELDS}}

    def load(self, state: dict[str, Any]) -> None:
        self.size, self.position = int(state["size"]), int(state["position"])
        for name in FIELDS:
            self.arrays[name][:self.size] = state[name]
