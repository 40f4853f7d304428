"""The DQN network of Mnih et al. (2015, Nature) as a fixed function of a flat parameter vector, and its batched
forward pass over a population: conv 32x8x8 stride 4, conv 64x4x4 stride 2, conv 64x3x3 stride 1 (ReLU, no
padding) on a 4x84x84 frame stack, dense 512 (ReLU), one linear output per action. 1,684,128 + 513 A parameters
(A actions): the network Such et al. (2017) evolve with the deep GA and Salimans et al. (2017) with OpenAI-ES.

The population forward runs each convolution once for all P candidates as a grouped convolution (``groups = P``)
and the dense layers as batched matrix products, so one call serves a whole generation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

FRAMES, SIDE = 4, 84
#: (out channels, kernel, stride) of the three conv layers
CONVS = ((32, 8, 4), (64, 4, 2), (64, 3, 1))
HIDDEN = 512


@dataclass(frozen=True)
class DQNSpec:
    """The network's one free size: the number of actions (outputs).

    >>> DQNSpec(4).num_parameters
    1686180
    >>> DQNSpec(4).shapes()[0]
    ('conv1.weight', (32, 4, 8, 8))
    """

    num_actions: int

    def shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        out: list[tuple[str, tuple[int, ...]]] = []
        channels, side = FRAMES, SIDE
        for k, (c, kernel, stride) in enumerate(CONVS, start=1):
            out += [(f"conv{k}.weight", (c, channels, kernel, kernel)), (f"conv{k}.bias", (c,))]
            channels, side = c, (side - kernel) // stride + 1
        flat = channels * side * side
        out += [("fc1.weight", (HIDDEN, flat)), ("fc1.bias", (HIDDEN,)),
                ("fc2.weight", (self.num_actions, HIDDEN)), ("fc2.bias", (self.num_actions,))]
        return out

    @property
    def num_parameters(self) -> int:
        return sum(math.prod(s) for _, s in self.shapes())

    @property
    def num_inputs(self) -> int:
        return FRAMES * SIDE * SIDE

    def init(self, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
        """One initial vector: weights ~ N(0, scale^2 / fan_in), biases 0, drawn in layout order (float32)."""
        out = np.zeros(self.num_parameters, dtype=np.float32)
        at = 0
        for name, shape in self.shapes():
            n = math.prod(shape)
            if name.endswith("weight"):
                out[at:at + n] = rng.standard_normal(n, dtype=np.float32) * np.float32(scale / math.sqrt(
                    math.prod(shape[1:])))
            at += n
        return out


class BatchedDQN:
    """P parameter vectors of the DQN as one :class:`~topoevo.tasks.base.BatchedPolicy`: observations
    ``(P, B, 28224)`` -> action values ``(P, B, A)``.

    >>> import torch
    >>> spec = DQNSpec(3)
    >>> values = np.stack([spec.init(np.random.default_rng(s)) for s in range(2)])
    >>> BatchedDQN(spec, values)(torch.rand(2, 5, spec.num_inputs)).shape
    torch.Size([2, 5, 3])
    """

    def __init__(self, spec: DQNSpec, values: np.ndarray):
        import torch

        self.spec = spec
        values = np.ascontiguousarray(values, dtype=np.float32)
        if values.ndim != 2 or values.shape[1] != spec.num_parameters:
            raise ValueError(f"expected a (P, {spec.num_parameters}) matrix, got shape {values.shape}")
        flat = torch.from_numpy(values)
        self.params: dict[str, torch.Tensor] = {}
        at = 0
        for name, shape in spec.shapes():
            n = math.prod(shape)
            self.params[name] = flat[:, at:at + n].reshape(len(values), *shape)
            at += n

    @property
    def size(self) -> int:
        return next(iter(self.params.values())).shape[0]

    def reset(self) -> None:
        pass

    def __call__(self, obs: Any) -> Any:
        import torch
        import torch.nn.functional as F

        x = torch.as_tensor(obs, dtype=torch.float32)
        p, b = x.shape[0], x.shape[1]
        # (P, B, C*H*W) -> (B, P*C, H, W): candidate k owns channel group k
        h = x.reshape(p, b, FRAMES, SIDE, SIDE).transpose(0, 1).reshape(b, p * FRAMES, SIDE, SIDE)
        with torch.no_grad():
            for k, (_, _, stride) in enumerate(CONVS, start=1):
                w, bias = self.params[f"conv{k}.weight"], self.params[f"conv{k}.bias"]
                h = F.relu(F.conv2d(h, w.reshape(-1, *w.shape[2:]), bias.reshape(-1), stride=stride, groups=p))
            h = h.reshape(b, p, -1).transpose(0, 1)  # (P, B, flat)
            h = F.relu(torch.baddbmm(self.params["fc1.bias"][:, None], h, self.params["fc1.weight"].transpose(1, 2)))
            return torch.baddbmm(self.params["fc2.bias"][:, None], h, self.params["fc2.weight"].transpose(1, 2))

    def reference(self, index: int, obs: Any) -> Any:
        """Candidate ``index`` alone through a plain ``torch.nn`` network (for tests): ``obs`` (B, 28224)."""
        import torch
        from torch import nn

        layers: list[nn.Module] = [nn.Unflatten(-1, (FRAMES, SIDE, SIDE))]
        channels = FRAMES
        for c, kernel, stride in CONVS:
            layers += [nn.Conv2d(channels, c, kernel, stride), nn.ReLU()]
            channels = c
        layers += [nn.Flatten(-3), nn.Linear(self.params["fc1.weight"].shape[2], HIDDEN), nn.ReLU(),
                   nn.Linear(HIDDEN, self.spec.num_actions)]
        net = nn.Sequential(*layers)
        mods = [m for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
        names = [n.rsplit(".", 1)[0] for n, _ in self.spec.shapes()[::2]]
        with torch.no_grad():
            for m, name in zip(mods, names):
                m.weight.copy_(self.params[f"{name}.weight"][index])
                m.bias.copy_(self.params[f"{name}.bias"][index])
            return net(torch.as_tensor(obs, dtype=torch.float32))
