"""The fused forward of a compiled population: every computed row of every genome in one compiled loop (numba).

The level-by-level torch steps of :class:`~topoevo.nn.population.CompiledPopulation` cost a few tensor operations
per level whatever the batch size; with one input row per genome (a control task's step) those calls, not the
arithmetic, are most of the time. :class:`FusedProgram` runs the same folded arithmetic (:class:`Folded`: the same
weights, biases and stored sigmoid images) as one loop over the rows in level order, reading and writing the
population's value rows in place, so the two forms share their state and inputs.

Rounding: each linear row is summed in the torch steps' order (from zero, in edge order, then the bias), so the
pre-activations are bit-identical; the activation is computed in float64 and rounded to the population's dtype
(torch's float32 tanh differs from that in the last bit for about 1 value in 1,000). A genome's outputs depend
only on the genome and its inputs, never on the other genomes of its population.

Activations and aggregations are mapped by name to the kernel's own operation codes (:data:`ACTIVATION_OPS`,
:data:`AGGREGATION_OPS`); a genome using one the kernel does not know (an activation appended to the registries
later) is computed by the torch steps instead (:attr:`FusedProgram.supported`).

>>> import random, torch
>>> from topoevo.config import GenomeConfig
>>> from topoevo.genome import InnovationTracker, initial_genome
>>> from topoevo.nn import CompiledPopulation
>>> t = InnovationTracker()
>>> gs = [initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), t, random.Random(s)) for s in range(3)]
>>> x = torch.rand(3, 1, 2)
>>> fused, steps = CompiledPopulation(gs, fused=True), CompiledPopulation(gs, fused=False)
>>> bool(torch.allclose(fused(x), steps(x), atol=1e-6))
True
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from topoevo.nn.functions import ACTIVATION_LIST, AGGREGATION_LIST

if TYPE_CHECKING:  # (population.py builds the program: no import at run time)
    from topoevo.nn.population import Folded, Plan

#: activation name -> the kernel's operation (what ``Activation.inplace`` does); names not here are not fused
ACTIVATION_OPS: dict[str, str] = {
    "sigmoid": "tanh", "logistic": "tanh", "tanh": "tanh", "relu": "relu", "identity": "none", "step": "step",
    "sin": "sin", "gauss": "gauss", "abs": "abs", "clamped": "clamp1",
    # tanh(clamp(z, -30, 30)) and tanh(clamp(z, -60, 60)) are tanh(z): it is 1 in float64 beyond 20
    "neat_python_sigmoid": "tanh", "neat_python_tanh": "tanh",
}
#: aggregation ``reduce`` name -> the kernel's aggregation
AGGREGATION_OPS: dict[str, str] = {"sum": "linear", "mean": "linear", "prod": "prod", "amax": "max", "amin": "min"}
_OP_CODES = {"none": 0, "tanh": 1, "relu": 2, "step": 3, "sin": 4, "gauss": 5, "abs": 6, "clamp1": 7}
_AGG_CODES = {"linear": 0, "prod": 1, "max": 2, "min": 3}


def _code_table(names: list[str], ops: dict[str, str], codes: dict[str, int]) -> np.ndarray:
    """Registry code -> kernel code (-1: not in the kernel), built from the registry as it is now."""
    return np.array([codes[ops[n]] if n in ops else -1 for n in names], dtype=np.int8)


class FusedProgram:
    """A compiled plan's rows as flat arrays for the fused kernel; ``run(values)`` computes one call in place.

    ``values`` is the population's ``(rows, B)`` value array (bias rows set; recurrent: the state); rows of genomes
    not in :attr:`supported` are not computed.

    >>> import random, numpy as np, torch
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> from topoevo.nn.population import CompiledPopulation, compile_plan, fold
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(), random.Random(0))
    >>> plan = compile_plan([g])
    >>> prog = FusedProgram(plan, fold(plan), np.float64)
    >>> V = np.zeros((plan.num_rows, 1)); V[2] = 1.0   # the inputs' rows and the bias row
    >>> out = prog.run(np.zeros((1, 1, 2)), V)
    >>> bool(np.allclose(out, CompiledPopulation([g], torch.float64, fused=False)(np.zeros((1, 1, 2)))))
    True
    """

    def __init__(self, plan: Plan, folded: Folded, dtype: type):
        S = plan.num_sensor_rows
        act_ops = _code_table([a.name for a in ACTIVATION_LIST], ACTIVATION_OPS, _OP_CODES)
        agg_ops = _code_table([a.reduce for a in AGGREGATION_LIST], AGGREGATION_OPS, _AGG_CODES)
        op = act_ops[plan.activation]
        self.agg = agg_ops[plan.aggregation]
        unknown = (op < 0) | (self.agg < 0)
        #: per genome: all its rows are computed by the kernel
        self.supported = np.bincount(plan.genome[unknown], minlength=plan.size) == 0
        self.active = self.supported[plan.genome]
        self.recurrent = plan.recurrent
        self.S = np.uint64(S)
        n_comp = op.size
        # blocks (levels; one block when recurrent) and their activation runs (cut at block bounds)
        self.bounds = (np.array([S, plan.num_rows]) if plan.recurrent else plan.level_bounds).astype(np.int64) - S
        change = np.zeros(n_comp + 1, dtype=bool)
        change[1:-1] = op[1:] != op[:-1]
        change[self.bounds] = True
        cuts = np.flatnonzero(change)
        runs = np.stack((cuts[:-1], cuts[1:], op[cuts[:-1]]), axis=1).astype(np.int64)
        self.runs = runs[runs[:, 2] > 0]  # (start, end, op), no-op runs dropped
        self.run_ptr = np.searchsorted(self.runs[:, 0], self.bounds).astype(np.int64)
        self.bounds = self.bounds.astype(np.uint64)  # (unsigned row numbers: see fused_kernel.forward)
        f = folded
        self.bias = f.bias.astype(dtype)
        self.rowptr = f.rowptr.astype(np.uint64)
        idx = np.uint32 if plan.num_rows < 2**32 else np.uint64
        self.src = f.lin_src.astype(idx)
        self.w = f.lin_w.astype(dtype)
        nonlin = np.flatnonzero(~f.linear)
        self.gptr = np.searchsorted(f.dst_c[nonlin], np.arange(n_comp + 1)).astype(np.uint64)
        self.gsrc = plan.src[nonlin].astype(idx)
        self.gw = (plan.weight[nonlin] * f.src_a[nonlin]).astype(dtype)
        self.goff = (plan.weight[nonlin] * f.src_shift[nonlin]).astype(dtype)
        self.gbias = (plan.bias * f.scale).astype(dtype)
        self.gresp = (plan.response * f.scale).astype(dtype)
        self.simple = bool(self.active.all() and f.all_linear)
        self.out_rows = plan.output_rows.astype(np.uint64)
        out_act = plan.activation[plan.output_rows - S]
        self.out_scale = np.array([a.stored_scale for a in ACTIVATION_LIST])[out_act].astype(dtype)
        self.out_shift = np.array([a.stored_shift for a in ACTIVATION_LIST])[out_act].astype(dtype)
        self._next: np.ndarray | None = None

    def run(self, x: np.ndarray, values: np.ndarray) -> np.ndarray:
        """One call (feed-forward) or one tick (recurrent) on the inputs ``x`` (P, B, I), computed in the values
        ``values`` (rows, B) in place; returns the outputs (P, B, O) (those of unsupported genomes hold no
        meaning)."""
        from topoevo.nn.fused_kernel import forward

        n = self.agg.size if self.recurrent else 0  # (one compiled kernel per dtype: nxt is always an array)
        if self._next is None or self._next.shape != (n, values.shape[1]) or self._next.dtype != values.dtype:
            self._next = np.empty((n, values.shape[1]), dtype=values.dtype)
        nxt = self._next
        P, B = x.shape[0], x.shape[1]
        out = np.empty((P, B, self.out_rows.size // P), dtype=values.dtype)
        forward(x, values, self.recurrent, nxt, self.S, self.simple, self.active, self.bounds, self.run_ptr, self.runs, self.agg, self.bias,
                self.rowptr, self.src, self.w, self.gptr, self.gsrc, self.gw, self.goff, self.gbias, self.gresp, out,
                self.out_rows, self.out_scale, self.out_shift)
        return out
