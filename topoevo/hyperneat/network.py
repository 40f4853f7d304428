"""From CPPNs to substrate networks: every CPPN of a population queried for every substrate connection in one
batched forward (:func:`query_cppns`), the outputs turned into weights (:func:`express_weights`), and the P
substrate networks evaluated together as one batched computation (:class:`SubstratePopulation`).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from torch import Tensor

from topoevo.errors import TopoevoError
from topoevo.hyperneat.substrate import LayerKind, Substrate, SubstrateConfig
from topoevo.nn.functions import ACTIVATIONS
from topoevo.tasks.base import BatchedPolicy


def query_cppns(cppns: BatchedPolicy, queries: np.ndarray, chunk: int = 0) -> Tensor:
    """Outputs ``(P, C, O)`` of the P CPPNs at the C query rows: one batched forward over all of them (or one per
    ``chunk`` rows, to bound memory).

    >>> class Sum:  # a BatchedPolicy of 2 "CPPNs": x0 + x1 and 2 (x0 + x1)
    ...     size = 2
    ...     def reset(self): pass
    ...     def __call__(self, x): return torch.as_tensor(x.sum(-1, keepdims=True) * np.array([1, 2])[:, None, None])
    >>> query_cppns(Sum(), np.array([[1.0, 2.0], [0.5, 0.5]]))[:, :, 0].tolist()
    [[3.0, 1.0], [6.0, 2.0]]
    """
    P, C = cppns.size, len(queries)
    if C == 0:
        raise TopoevoError("the substrate has no connections to query", field="substrate")
    step = chunk or C
    parts = []
    for lo in range(0, C, step):
        q = queries[lo:lo + step]
        cppns.reset()
        parts.append(torch.as_tensor(cppns(np.broadcast_to(q, (P, *q.shape)))))
    return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)


def express_weights(out: Tensor, config: SubstrateConfig) -> Tensor:
    """Weights ``(P, C)`` from CPPN outputs ``(P, C, O)``: HyperNEAT's threshold and scaling, or LEO.

    Without LEO: w = clip(o, -1, 1); |w| <= threshold -> 0, else sign(w) (|w| - threshold) / (1 - threshold) *
    max_weight. With LEO: the connection exists where output 1 is > 0, with weight clip(o, -1, 1) * max_weight.

    >>> from topoevo.hyperneat.substrate import LayerConfig
    >>> layers = [LayerConfig(kind="input", grid=[1, 1]), LayerConfig(kind="output", grid=[1, 1])]
    >>> cfg = SubstrateConfig(layers=layers, weight_threshold=0.5, max_weight=3.0)
    >>> express_weights(torch.tensor([[[0.1], [0.75], [-1.5]]]), cfg).tolist()
    [[0.0, 1.5, -3.0]]
    """
    w = out[..., 0].clamp(-1.0, 1.0)
    if config.leo:
        return torch.where(out[..., 1] > 0, w * config.max_weight, torch.zeros((), dtype=w.dtype))
    t = config.weight_threshold
    mag = (w.abs() - t).clamp_min(0.0) * (config.max_weight / (1.0 - t))
    return torch.copysign(mag, w) * (mag > 0)


class SubstratePopulation:
    """P substrate networks with one substrate geometry: ``pop(x)`` maps ``(P, B, inputs)`` to ``(P, B, outputs)``
    with one batched matrix product per link. ``weights[k]`` is link k's ``(P, n_target, n_source)`` tensor,
    ``biases[i]`` layer i's ``(P, n_i)`` (or None).

    >>> from topoevo.hyperneat.substrate import LayerConfig
    >>> s = Substrate(SubstrateConfig(layers=[LayerConfig(kind="input", grid=[2, 1]),
    ...                                       LayerConfig(kind="output", grid=[1, 1])], output_activation="identity"))
    >>> net = SubstratePopulation(s, [torch.tensor([[[1.0, -2.0]]])])
    >>> net(torch.tensor([[[3.0, 1.0]]])).tolist()
    [[[1.0]]]
    """

    def __init__(self, substrate: Substrate, weights: Sequence[Tensor], biases: Sequence[Tensor | None] | None = None):
        self.substrate = substrate
        self.weights = list(weights)
        self.biases = list(biases) if biases is not None else [None] * len(substrate.coords)
        self._size = int(self.weights[0].shape[0]) if self.weights else 0
        cfg = substrate.config
        self._acts = [None if k is LayerKind.INPUT else
                      ACTIVATIONS[cfg.output_activation if k is LayerKind.OUTPUT else cfg.hidden_activation]
                      for k in substrate.kinds]
        self._incoming: list[list[int]] = [[] for _ in substrate.coords]
        for k, link in enumerate(substrate.links):
            self._incoming[link.target].append(k)

    @classmethod
    def from_cppns(cls, cppns: BatchedPolicy, substrate: Substrate) -> "SubstratePopulation":
        """Query every CPPN for every connection (one batched forward) and build the substrate networks."""
        cfg = substrate.config
        out = query_cppns(cppns, substrate.queries, cfg.query_chunk).to(torch.float32)
        w = express_weights(out[:, :substrate.num_connections], cfg)
        P = w.shape[0]
        sizes = substrate.layer_sizes()
        weights = [w[:, link.start:link.stop].reshape(P, sizes[link.target], sizes[link.source])
                   for link in substrate.links]
        biases: list[Tensor | None] = [None] * len(sizes)
        if cfg.node_bias:
            b = out[:, substrate.bias_start:, -1].clamp(-1.0, 1.0) * cfg.max_weight
            lo = 0
            for i in substrate.bias_layers:
                biases[i] = b[:, lo:lo + sizes[i]]
                lo += sizes[i]
        return cls(substrate, weights, biases)

    # ---- BatchedPolicy ---------------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self._size

    @property
    def num_inputs(self) -> int:
        return self.substrate.num_inputs

    @property
    def num_outputs(self) -> int:
        return self.substrate.num_outputs

    recurrent = False

    def __len__(self) -> int:
        return self._size

    def reset(self) -> None:
        """Substrate networks are feed-forward: nothing to reset."""

    def select(self, indices: Sequence[int] | np.ndarray) -> "SubstratePopulation":
        """The networks at ``indices``."""
        ix = torch.as_tensor(np.asarray(indices, dtype=np.int64))
        return SubstratePopulation(self.substrate, [w.index_select(0, ix) for w in self.weights],
                                   [None if b is None else b.index_select(0, ix) for b in self.biases])

    @torch.no_grad()
    def __call__(self, x: Any) -> Tensor:
        x = x.to(torch.float32) if isinstance(x, Tensor) else torch.from_numpy(np.array(x, dtype=np.float32))
        P, n_in = self._size, self.substrate.num_inputs
        if x.ndim != 3 or x.shape[0] != P or x.shape[2] != n_in:
            raise TopoevoError(f"expected inputs shaped ({P}, B, {n_in}), got {tuple(x.shape)}", field="x")
        values: list[Tensor | None] = [None] * len(self.substrate.coords)
        lo = 0
        sizes = self.substrate.layer_sizes()
        for i in self.substrate.input_layers:
            values[i] = x[:, :, lo:lo + sizes[i]]
            lo += sizes[i]
        for i, act in enumerate(self._acts):
            if act is None:
                continue
            b = self.biases[i]
            z = b.unsqueeze(1).expand(P, x.shape[1], sizes[i]).clone() if b is not None else \
                x.new_zeros(P, x.shape[1], sizes[i])
            for k in self._incoming[i]:
                src = values[self.substrate.links[k].source]
                z.baddbmm_(src, self.weights[k].transpose(1, 2))
            values[i] = act(z)
        return torch.cat([values[i] for i in self.substrate.output_layers], dim=2)

    def __repr__(self) -> str:
        return (f"SubstratePopulation(size={self.size}, inputs={self.num_inputs}, outputs={self.num_outputs}, "
                f"connections={self.substrate.num_connections})")
