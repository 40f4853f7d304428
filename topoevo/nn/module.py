"""One genome as a differentiable ``nn.Module`` (:func:`to_module`), and trained weights back into a genome
(:func:`write_back`, for Lamarckian inheritance)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import Tensor, nn

from topoevo.errors import TopoevoError
from topoevo.genome.genome import Genome
from topoevo.nn.functions import ACTIVATION_LIST, AGGREGATION_CODES, AGGREGATION_LIST
from topoevo.nn.population import _LINEAR, compile_plan

_MEAN = AGGREGATION_CODES["mean"]
_IDENTITY = {"prod": 1.0, "amax": float("-inf"), "amin": float("inf")}


class GenomeModule(nn.Module):
    """A genome as an ``nn.Module``: ``forward(x: (B, I)) -> (B, O)``, exactly the reference interpreter's rule.

    Parameters: ``weight`` (one per enabled connection, in the order of ``innovations``), ``bias`` and ``response``
    (one per hidden/output node, in the order of ``node_ids``). Disabled connections are absent. Feed-forward genomes
    are evaluated level by level; recurrent ones do one synchronous tick per call, with state per batch row kept in
    ``state`` until :meth:`reset` (or a change of batch size). The state is not detached between calls, so
    gradients flow through time until ``reset()``.

    >>> import random, torch
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(), random.Random(0))
    >>> m = to_module(g)
    >>> m(torch.zeros(5, 2)).shape, len(m.weight)
    (torch.Size([5, 1]), 3)
    """

    def __init__(self, genome: Genome, dtype: torch.dtype = torch.float32):
        super().__init__()
        plan = compile_plan([genome])
        self.recurrent = plan.recurrent
        self.num_inputs, self.num_outputs = plan.num_inputs, plan.num_outputs
        self.has_bias_node = genome.bias_id is not None
        self.num_sensor_rows = plan.num_sensor_rows

        conns = list(genome.conns.values())
        edge_innov = np.array([conns[i].innovation for i in plan.conn_index.tolist()], dtype=np.int64)
        param_order = np.argsort(edge_innov, kind="stable")
        self.innovations: tuple[int, ...] = tuple(edge_innov[param_order].tolist())
        node_order = np.argsort(plan.node_id, kind="stable")
        self.node_ids: tuple[int, ...] = tuple(plan.node_id[node_order].tolist())
        self.weight = nn.Parameter(torch.tensor(plan.weight[param_order], dtype=dtype))
        self.bias = nn.Parameter(torch.tensor(plan.bias[node_order], dtype=dtype))
        self.response = nn.Parameter(torch.tensor(plan.response[node_order], dtype=dtype))
        # plan edge -> weight position; computed row -> node position
        edge_param = np.empty_like(param_order)
        edge_param[param_order] = np.arange(param_order.size)
        row_param = np.empty_like(node_order)
        row_param[node_order] = np.arange(node_order.size)
        self.register_buffer("_edge_param", torch.from_numpy(edge_param), persistent=False)
        self.register_buffer("_row_param", torch.from_numpy(row_param), persistent=False)
        self.register_buffer("_output_cols", torch.from_numpy(
            plan.output_rows - (plan.num_sensor_rows if plan.recurrent else 0)), persistent=False)

        # per block, the incoming edges of each node padded to the block's largest fan-in K (ONNX-friendly:
        # gathers and reductions over K, no scatter)
        S = plan.num_sensor_rows
        bounds = np.array([S, plan.num_rows]) if plan.recurrent else plan.level_bounds
        edge_bounds = np.searchsorted(plan.dst, bounds)
        self._blocks: list[dict] = []
        for k in range(bounds.size - 1):
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            ea, eb = int(edge_bounds[k]), int(edge_bounds[k + 1])
            n = hi - lo
            dst = plan.dst[ea:eb] - lo
            fan_in = np.bincount(dst, minlength=n)
            K = int(fan_in.max()) if n else 0
            slot = np.arange(eb - ea) - np.searchsorted(dst, dst)  # position among the node's edges
            src_pad = np.zeros((n, K), dtype=np.int64)
            edge_pad = np.zeros((n, K), dtype=np.int64)
            mask = np.zeros((n, K), dtype=bool)
            src_pad[dst, slot] = plan.src[ea:eb]
            edge_pad[dst, slot] = np.arange(ea, eb)
            mask[dst, slot] = True
            aggs = plan.aggregation[lo - S:hi - S]
            coef = np.where(aggs == _MEAN, 1.0 / np.maximum(fan_in, 1), 1.0)
            name = f"_b{k}"
            for suffix, arr in (("src", src_pad.ravel()), ("edge", edge_pad.ravel()), ("mask", mask)):
                self.register_buffer(name + suffix, torch.from_numpy(arr), persistent=False)
            self.register_buffer(name + "coef", torch.tensor(coef, dtype=dtype), persistent=False)
            reductions = []
            for code in np.unique(aggs[~_LINEAR[aggs]]).tolist():
                rows = (aggs == code) & (fan_in > 0)
                if rows.any():
                    self.register_buffer(f"{name}rows{code}", torch.from_numpy(rows), persistent=False)
                    reductions.append((AGGREGATION_LIST[code].reduce, f"{name}rows{code}"))
            runs = [(a - lo, b - lo, ACTIVATION_LIST[c]) for a, b, c in plan.activation_runs(lo, hi)]
            self._blocks.append({"lo": lo, "hi": hi, "K": K, "name": name, "reductions": reductions, "runs": runs})
        self.state: Tensor | None = None

    def reset(self) -> None:
        """Forget the recurrent state (no-op for feed-forward genomes)."""
        self.state = None

    def _block(self, blk: dict, V: Tensor, w: Tensor, b: Tensor, r: Tensor) -> Tensor:
        lo, hi, K, name = blk["lo"], blk["hi"], blk["K"], blk["name"]
        S = self.num_sensor_rows
        bb, rr = b[lo - S:hi - S], r[lo - S:hi - S]
        if K == 0:
            z = bb + V[:, :1] * 0.0  # (B, n): every node aggregates an empty list to 0
        else:
            n = hi - lo
            mask = getattr(self, name + "mask")
            c = V.index_select(1, getattr(self, name + "src")).unflatten(1, (n, K)) * \
                w.index_select(0, getattr(self, name + "edge")).view(n, K)
            agg = torch.where(mask, c, 0.0).sum(-1) * getattr(self, name + "coef")
            for reduce, rows in blk["reductions"]:
                c_pad = torch.where(mask, c, _IDENTITY[reduce])
                red = c_pad.prod(-1) if reduce == "prod" else (c_pad.amax(-1) if reduce == "amax" else c_pad.amin(-1))
                agg = torch.where(getattr(self, rows), red, agg)
            z = bb + rr * agg
        runs = blk["runs"]
        if len(runs) == 1:
            return runs[0][2].fn(z)
        return torch.cat([act.fn(z[:, a:e]) for a, e, act in runs], dim=1)

    def forward(self, x: Tensor) -> Tensor:
        x = torch.as_tensor(x, dtype=self.weight.dtype)
        if x.dim() != 2 or x.shape[1] != self.num_inputs:
            raise TopoevoError(f"expected inputs shaped (B, {self.num_inputs}), got {tuple(x.shape)}", field="x")
        w = self.weight.index_select(0, self._edge_param)
        b = self.bias.index_select(0, self._row_param)
        r = self.response.index_select(0, self._row_param)
        V = torch.cat([x, torch.ones_like(x[:, :1])], dim=1) if self.has_bias_node else x
        if self.recurrent:
            if self.state is None or self.state.shape[0] != x.shape[0]:
                self.state = x.new_zeros(x.shape[0], len(self.node_ids))
            h = self._block(self._blocks[0], torch.cat([V, self.state], dim=1), w, b, r)
            self.state = h
            return h.index_select(1, self._output_cols)
        for blk in self._blocks:
            V = torch.cat([V, self._block(blk, V, w, b, r)], dim=1)
        return V.index_select(1, self._output_cols)

    def extra_repr(self) -> str:
        kind = "recurrent" if self.recurrent else "feed-forward"
        return (f"inputs={self.num_inputs}, outputs={self.num_outputs}, {kind}, connections={len(self.innovations)}, "
                f"nodes={len(self.node_ids)}, levels={len(self._blocks)}")


def to_module(genome: Genome, dtype: torch.dtype = torch.float32) -> GenomeModule:
    """The genome as a differentiable :class:`GenomeModule` (weights, biases, responses are parameters)."""
    return GenomeModule(genome, dtype)


def write_back(module: GenomeModule, genome: Genome) -> Genome:
    """A copy of ``genome`` carrying the module's (trained) weights, biases and responses (fitness and species
    are not carried over: the weights changed).

    ``genome`` must have the structure the module was built from (same enabled connections and nodes).
    """
    enabled = {c.innovation for c in genome.conns.values() if c.enabled}
    if enabled != set(module.innovations):
        raise TopoevoError("the genome's enabled connections differ from the module's", field="genome.conns")
    missing = [n for n in module.node_ids if n not in genome.nodes]
    if missing:
        raise TopoevoError(f"node {missing[0]} of the module is missing from the genome", field="genome.nodes")
    out = genome.copy()
    _assign(out, module.innovations, module.weight, module.node_ids, module.bias, module.response)
    return out


def _assign(g: Genome, innovations: Sequence[int], weight: Tensor, node_ids: Sequence[int], bias: Tensor,
            response: Tensor) -> None:
    for inn, w in zip(innovations, weight.detach().double().tolist()):
        g.conns[inn].weight = w
    for nid, b, r in zip(node_ids, bias.detach().double().tolist(), response.detach().double().tolist()):
        node = g.nodes[nid]
        node.bias, node.response = b, r
