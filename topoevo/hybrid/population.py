"""A population of feed-forward NEAT genomes as one differentiable batched network (:class:`TrainablePopulation`):
all connection weights are one flat parameter tensor and all node biases another, so one backward pass gives every
genome's gradients and one optimizer step trains the whole population.

Layout: the rows of ``topoevo.nn.population.compile_plan`` (inputs of all genomes, bias rows, then the computed
nodes grouped by topological level); per level, the incoming edges' contributions are gathered
(``index_select``), weighted, summed per node (``index_add``; product/max/min nodes by ``scatter_reduce``), then
``bias + response * aggregate`` goes through each node's differentiable activation
(``topoevo.nn.functions.ACTIVATIONS``). No in-place writes, so autograd sees everything.

A genome's numbers do not depend on the other genomes it is batched with: its rows and edges keep their relative
order whatever shares the population, every sum over edges runs in edge order, and the batch is padded to a multiple
of :data:`BATCH_ALIGN` columns so that every element-wise kernel runs its vectorized path on every element (the
scalar tail of a kernel can round transcendental functions differently). Run it on one torch thread (as
:func:`topoevo.hybrid.finetune` does): with several threads, reductions may be split differently for tensors of
different sizes.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Sequence

import numpy as np
import torch
from torch import Tensor, nn

from topoevo.genome.genome import Genome
from topoevo.nn.functions import ACTIVATION_LIST, AGGREGATION_LIST
from topoevo.nn.population import _LINEAR, _MEAN, CompileError, compile_plan
from topoevo.tasks.base import TrainedWeights

#: batches are padded to a multiple of this many columns (>= twice the widest SIMD vector of any CPU torch supports)
BATCH_ALIGN = 64


@dataclass
class _Level:
    """One topological level: computed rows [lo, hi) from edges [ea, eb) (sorted by destination row)."""

    lo: int
    hi: int
    ea: int
    eb: int
    src: Tensor  # (E,) source rows
    dst: Tensor  # (E,) level-local destination rows
    mean_coef: Tensor | None  # (n, 1): 1/fan-in for mean nodes, 1 elsewhere (None: no mean node)
    reductions: list[tuple[str, Tensor, Tensor]]  # (reduce, edge positions within the level, (n, 1) row mask)
    runs: list[tuple[int, int, object]]  # level-local (start, end, activation)


class TrainablePopulation(nn.Module):
    """P feed-forward genomes as one differentiable network: ``forward(x: (P, B, I)) -> (P, B, O)``.

    Parameters: ``weight`` (one per enabled connection of every genome, in the compiled edge order) and ``bias``
    (one per hidden/output node of every genome). Responses are fixed. :meth:`trained_weights` splits the
    parameters back per genome, keyed by innovation number and node id.

    >>> import random, torch
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> t = InnovationTracker()
    >>> gs = [initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), t, random.Random(s)) for s in range(3)]
    >>> pop = TrainablePopulation(gs)
    >>> pop(torch.zeros(3, 5, 2)).shape, pop.weight.shape
    (torch.Size([3, 5, 1]), torch.Size([9]))
    >>> [len(tw.innovations) for tw in pop.trained_weights()]
    [3, 3, 3]
    """

    def __init__(self, genomes: Sequence[Genome], dtype: torch.dtype = torch.float32):
        super().__init__()
        genomes = list(genomes)
        plan = compile_plan(genomes)
        if plan.recurrent:
            raise CompileError("backprop fine-tuning supports feed-forward genomes only (genome.network = "
                               "'feedforward')", field="genome.network")
        self.size, self.num_inputs, self.num_outputs = plan.size, plan.num_inputs, plan.num_outputs
        self.num_bias_rows = plan.num_sensor_rows - plan.size * plan.num_inputs
        S = plan.num_sensor_rows
        self.weight = nn.Parameter(torch.tensor(plan.weight, dtype=dtype))
        self.bias = nn.Parameter(torch.tensor(plan.bias, dtype=dtype))
        self.register_buffer("response", torch.tensor(plan.response, dtype=dtype), persistent=False)
        self.register_buffer("output_rows", torch.from_numpy(plan.output_rows), persistent=False)

        # per-genome bookkeeping for trained_weights(): each edge's genome and innovation, each row's genome and node
        conn_counts = [len(g.conns) for g in genomes]
        conn_keys = np.fromiter(chain.from_iterable(g.conns for g in genomes), dtype=np.int64,
                                count=sum(conn_counts))
        conn_genome = np.repeat(np.arange(plan.size), conn_counts)
        self._edge_genome = conn_genome[plan.conn_index]
        self._edge_innovation = conn_keys[plan.conn_index]
        self._row_genome = plan.genome
        self._row_node = plan.node_id

        edge_bounds = np.searchsorted(plan.dst, plan.level_bounds)
        self._levels: list[_Level] = []
        for k in range(plan.level_bounds.size - 1):
            lo, hi = int(plan.level_bounds[k]), int(plan.level_bounds[k + 1])
            ea, eb = int(edge_bounds[k]), int(edge_bounds[k + 1])
            n = hi - lo
            dst = plan.dst[ea:eb] - lo
            aggs = plan.aggregation[lo - S:hi - S]
            fan_in = np.bincount(dst, minlength=n)
            mean_coef = None
            if (aggs == _MEAN).any():
                coef = np.where(aggs == _MEAN, 1.0 / np.maximum(fan_in, 1), 1.0)
                mean_coef = torch.tensor(coef, dtype=dtype).unsqueeze(1)
            reductions = []
            for code in np.unique(aggs[~_LINEAR[aggs]]).tolist():
                rows = aggs == code
                reductions.append((AGGREGATION_LIST[code].reduce, torch.from_numpy(np.flatnonzero(rows[dst])),
                                   torch.from_numpy(rows).unsqueeze(1)))
            runs = [(a - lo, e - lo, ACTIVATION_LIST[c].fn) for a, e, c in plan.activation_runs(lo, hi)]
            self._levels.append(_Level(lo, hi, ea, eb, torch.from_numpy(plan.src[ea:eb]), torch.from_numpy(dst),
                                       mean_coef, reductions, runs))

    def reset(self) -> None:
        """No state to forget (feed-forward only); here so the population is a ``BatchedPolicy``."""

    def forward(self, x: Tensor) -> Tensor:
        """Outputs ``(P, B, O)`` for inputs ``(P, B, I)`` (each genome its own batch)."""
        x = torch.as_tensor(x, dtype=self.weight.dtype)
        P, I = self.size, self.num_inputs
        if x.dim() != 3 or x.shape[0] != P or x.shape[2] != I:
            raise CompileError(f"expected inputs shaped ({P}, B, {I}), got {tuple(x.shape)}", field="x")
        B = x.shape[1]
        pad = -B % BATCH_ALIGN
        if pad:
            x = torch.cat([x, x.new_zeros(P, pad, I)], dim=1)
        cols = B + pad
        V = x.permute(0, 2, 1).reshape(P * I, cols)
        if self.num_bias_rows:
            V = torch.cat([V, V.new_ones(self.num_bias_rows, cols)])
        S = V.shape[0]
        for lv in self._levels:
            n = lv.hi - lv.lo
            c = V.index_select(0, lv.src) * self.weight[lv.ea:lv.eb].unsqueeze(1)
            agg = V.new_zeros(n, cols).index_add(0, lv.dst, c)
            if lv.mean_coef is not None:
                agg = agg * lv.mean_coef
            for reduce, edges, rows in lv.reductions:
                index = lv.dst.index_select(0, edges).unsqueeze(1).expand(-1, cols)
                red = V.new_zeros(n, cols).scatter_reduce(0, index, c.index_select(0, edges), reduce,
                                                          include_self=False)
                agg = torch.where(rows, red, agg)
            z = self.bias[lv.lo - S:lv.hi - S].unsqueeze(1) + self.response[lv.lo - S:lv.hi - S].unsqueeze(1) * agg
            if len(lv.runs) == 1:
                h = lv.runs[0][2](z)
            else:
                h = torch.cat([fn(z[a:e]) for a, e, fn in lv.runs])
            V = torch.cat([V, h])
        out = V.index_select(0, self.output_rows).view(P, self.num_outputs, cols).permute(0, 2, 1)
        return out[:, :B]

    def trained_weights(self) -> list[TrainedWeights]:
        """The current weights and biases of each genome (float64 copies of the parameters), keyed by innovation
        number and node id."""
        w = self.weight.detach().double().numpy()
        b = self.bias.detach().double().numpy()
        e_order = np.argsort(self._edge_genome, kind="stable")
        r_order = np.argsort(self._row_genome, kind="stable")
        e_cut = np.searchsorted(self._edge_genome[e_order], np.arange(self.size + 1))
        r_cut = np.searchsorted(self._row_genome[r_order], np.arange(self.size + 1))
        out = []
        for p in range(self.size):
            e = e_order[e_cut[p]:e_cut[p + 1]]
            r = r_order[r_cut[p]:r_cut[p + 1]]
            out.append(TrainedWeights(self._edge_innovation[e].copy(), w[e].copy(), self._row_node[r].copy(),
                                      b[r].copy()))
        return out
