"""Genomes compiled to PyTorch.

Modules: ``functions`` (torch activations/aggregations under the names of ``topoevo.genome.activations``),
``population`` (:class:`CompiledPopulation`: many genomes, one batched computation), ``fused`` and ``fused_kernel``
(the population's batch-1 forward as one compiled loop), ``module``
(:func:`to_module`: one genome as a differentiable ``nn.Module``; :func:`write_back`: trained weights back into a
genome), ``export`` (TorchScript, optional ONNX).

>>> import random, torch
>>> from topoevo.config import GenomeConfig
>>> from topoevo.genome import InnovationTracker, initial_genome
>>> t = InnovationTracker()
>>> genomes = [initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), t, random.Random(s)) for s in range(4)]
>>> CompiledPopulation(genomes)(torch.rand(4, 8, 2)).shape   # (P, B, inputs) -> (P, B, outputs)
torch.Size([4, 8, 1])
>>> write_back(to_module(genomes[0]), genomes[0]).num_enabled()
3

How the population is computed, and why
----------------------------------------
Every node value of every genome is one row of a single ``(rows, B)`` tensor: first the inputs of all genomes
(genome-major, so ``x`` of shape ``(P, B, I)`` lands with one copy), then one constant-1 row per bias node, then
all computed (hidden and output) nodes. Feed-forward genomes: computed rows are grouped by topological level
(longest path from the inputs; level k of every genome together), and within a level by activation, so a level is
a contiguous block and each activation a contiguous slice. Evaluating a level is then

* one sparse CSR matrix product ``rows_of_level = bias + W_level @ rows_before_level`` (``torch.addmm``),
  where the node's response, the mean's 1/fan-in and the activation's input scale are folded into the weights,
  written in place into the level's block;
* one in-place activation per activation present in the level (one op for the usual ones). Sigmoids are stored
  as ``t = tanh(x / 2)``; the readers of a sigmoid node fold ``0.5 t + 0.5`` into their weights and biases, and the
  outputs are mapped back once at the end;
* only for product/max/min nodes: a gather, ``scatter_reduce`` and ``index_copy`` per aggregation present.

A recurrent population is the same with a single block holding every computed row: one synchronous tick is one
sparse product over all edges (reading the previous state) plus the activations, then the state is copied back.
So a step costs about ``levels x (1 + activations present)`` tensor ops (+2 for inputs and outputs), whatever
the population size; the number of levels is the deepest genome's depth.

A genome's outputs are bit-for-bit the same whatever other genomes share its population (so fitness does not
depend on how an evaluator splits the population): each row's sum runs over its edges in a fixed order in
``addmm``, and the in-place activations give an element the same bits wherever it sits in a tensor. Two faster
choices were dropped for that reason: ``addmv`` at batch 1 (its rounding depends on the row's position, and
careful measurement found it no faster than a one-column ``addmm``) and ``torch.sigmoid_`` (its vectorized and
scalar-tail kernels differ in the last bit).

With more than one torch thread, every level's operations wait for all threads, so a call that has little work runs
on one thread (see :class:`CompiledPopulation`'s ``threads``).

The compile step reads each gene field in one C-level pass (``np.fromiter`` over ``attrgetter`` maps), then works
with vectorized numpy over the whole population (node ids resolved by one ``searchsorted`` over (genome, node id)
keys, levels by synchronous relaxation, one ``argsort`` for the row order), then builds a few tensors per level.

Measured alternatives (1,000 genomes of 40 connections, 13 levels, one level pass; 1 thread, busy machine, so
ratios only): at batch 64 the CSR product took 0.97 ms for all levels, ``embedding_bag`` with per-sample weights
2.8 ms, gather + multiply + ``index_add_`` 5.0 ms, padded per-genome dense blocks (``baddbmm``, 50 padded nodes per
genome) 37 ms; at batch 1, CSR ``addmv`` 0.17-0.34 ms, CSR ``addmm`` 0.33 ms, ``embedding_bag`` 0.34 ms, gather +
``index_add_`` 0.66 ms, gather + ``segment_reduce`` slower than ``addmv`` at every level, padded dense 2.1 ms.

Batch 1 and 2 (a control task's step): the fused kernel
-----------------------------------------------------
With one input row per genome the torch steps' cost is the per-operation overhead (two or three calls per level),
so batches of at most ``FUSED_MAX_BATCH`` rows run ``topoevo.nn.fused`` instead: the same folded weights and
biases, one numba loop over the levels (each row's sum in the torch steps' order, then the level's activations in
one vectorized loop per activation run), inputs and outputs copied inside the kernel. Measured on the population
above (CPU time, busy machine): 69 us per call against 191 us for the torch steps. What made the loop fast:
unsigned row indices (numba then skips the negative-index wraparound of every access: the sums took half the time)
and a tanh of our own (a Taylor polynomial of ``expm1`` plus doublings, float64 arithmetic, no library call), so
the activation loops vectorize (libm's tanh took 150 us for the 13,000 rows, ours 20 us; it is the correctly
rounded tanh for float32 in every value tested, torch's differs from that in the last bit for about 1 value in
1,000, so fused outputs may differ from the torch steps' in the last bit). Neither ordering rows by fan-in (for the
branch predictor) nor summing two rows at once helped. The remaining time is about 35 us of sums (40,000 edges: one
float add's latency each, since the order is kept), 20 us of activations and 10 us of Python and copies.
See ``benchmarks/RESULTS.md`` (section "Forward pass") for the end-to-end figures.

The per-genome module (:class:`GenomeModule`) uses another layout that suits autograd and export: per level, each
node's incoming edges padded to the level's largest fan-in, a gather, a masked reduction per aggregation, no
in-place writes and no scatter (so it traces to TorchScript and exports to ONNX).
"""
from topoevo.nn.module import GenomeModule, to_module, write_back
from topoevo.nn.population import CompiledPopulation, CompileError

__all__ = ["CompiledPopulation", "CompileError", "GenomeModule", "to_module", "write_back"]
