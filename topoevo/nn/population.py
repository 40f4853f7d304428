"""Many genomes compiled into one batched network: the numpy compile step (:func:`compile_plan`) and the
population that runs it (:class:`CompiledPopulation`). See ``topoevo.nn`` for why it is built this way.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import partial
from itertools import chain, compress
from operator import attrgetter
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from topoevo.errors import TopoevoError
from topoevo.gcpause import gc_paused
from topoevo.genome.genome import Genome
from topoevo.genome.store import PopulationStore, StoredGenome, one_store
from topoevo.nn.functions import ACTIVATION_CODES, ACTIVATION_LIST, AGGREGATION_CODES, AGGREGATION_LIST
from topoevo.nn.fused import FusedProgram

with warnings.catch_warnings():  # torch warns once per process that sparse CSR is "beta": let it do so here
    warnings.simplefilter("ignore")
    torch.sparse_csr_tensor(torch.tensor([0, 0]), torch.tensor([], dtype=torch.int64), torch.tensor([]),
                            size=(1, 1), check_invariants=False)


#: a call whose (edges + rows) x batch is below this runs on one thread (the caller's thread count is restored)
SINGLE_THREAD_WORK = 1 << 17
#: with ``fused=None``, calls of at most this many input rows per genome run the fused kernel (topoevo.nn.fused)
FUSED_MAX_BATCH = 2


class CompileError(TopoevoError):
    """Genomes that cannot be compiled together (mixed sizes or kinds, a cycle in a feed-forward genome, ...)."""


_genome_fields = attrgetter("input_ids", "output_ids", "bias_id", "feed_forward")
_LINEAR = np.array([a.linear for a in AGGREGATION_LIST])
_MEAN = AGGREGATION_CODES["mean"]
_SCALE = np.array([a.scale for a in ACTIVATION_LIST])
_STORED_SCALE = np.array([a.stored_scale for a in ACTIVATION_LIST])
_STORED_SHIFT = np.array([a.stored_shift for a in ACTIVATION_LIST])
_NUMPY_DTYPES = {torch.float32: np.float32, torch.float64: np.float64}


@dataclass
class Plan:
    """The compiled layout of P genomes (numpy only): one row per node value, edges between rows.

    Rows: ``P*I`` input rows (genome-major), then one bias row per genome that has a bias node, then the computed
    ("non-sensor") rows. Feed-forward: computed rows are sorted by topological level, then activation, then
    aggregation (then genome, then the genome's node order), so each level is one contiguous block and each
    activation a contiguous run within it. Recurrent: one block (level 1 for every row). Edges (enabled connections
    only) are sorted by (dst, src).
    """

    size: int
    num_inputs: int
    num_outputs: int
    recurrent: bool
    num_sensor_rows: int
    num_rows: int
    # computed rows, in row order (row = num_sensor_rows + position)
    genome: np.ndarray
    node_id: np.ndarray
    bias: np.ndarray
    response: np.ndarray
    activation: np.ndarray
    aggregation: np.ndarray
    level: np.ndarray
    # edges
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    conn_index: np.ndarray  # position in the flat list of all connection genes (enabled or not), genome-major
    output_rows: np.ndarray  # (P*O,)
    level_bounds: np.ndarray  # row boundaries of the levels: level k = rows [bounds[k], bounds[k+1])
    #: laid out by the compiled kernel of a population store (numba is loaded: :func:`fold` runs compiled too)
    compiled: bool = False

    def activation_runs(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """(start row, end row, activation code) runs of rows [lo, hi)."""
        a = self.activation[lo - self.num_sensor_rows:hi - self.num_sensor_rows]
        if a.size == 0:
            return []
        cuts = np.flatnonzero(a[1:] != a[:-1]) + 1
        starts = np.concatenate(([0], cuts))
        ends = np.concatenate((cuts, [a.size]))
        return [(lo + int(s), lo + int(e), int(a[s])) for s, e in zip(starts, ends)]


CYCLE = "a feed-forward genome has a cycle among its enabled connections"


def _levels(src: np.ndarray, dst: np.ndarray, first: np.ndarray, max_depth: int) -> np.ndarray:
    """Longest-path levels ``level[v] = max(first[v], 1 + level[u] for every edge u -> v)`` by synchronous
    relaxation over all edges at once (one vectorized step per level). Raises on a cycle."""
    level = first.copy()
    if src.size == 0:
        return level
    order = np.argsort(dst, kind="stable")
    s_src, s_dst = src[order], dst[order]
    starts = np.flatnonzero(np.concatenate(([True], s_dst[1:] != s_dst[:-1])))
    targets = s_dst[starts]
    for _ in range(max_depth + 1):
        new = np.maximum(np.maximum.reduceat(level[s_src], starts) + 1, first[targets])
        if np.array_equal(new, level[targets]):
            return level
        level[targets] = new
    raise CompileError(CYCLE, field="genomes")


@dataclass
class _Genes:
    """What the compiler reads of P genomes: node ids and counts, the enabled connections' ends and weights (with
    their positions in the genomes' own connection order, genome-major), and a reader of node fields."""

    node_counts: np.ndarray  # (P,)
    conn_counts: np.ndarray  # (P,)
    ids: np.ndarray  # node ids, genome-major in each genome's node order
    conn_index: np.ndarray  # enabled connections: position in the flat list of all connection genes
    c_in: np.ndarray
    c_out: np.ndarray
    weight: np.ndarray
    #: (field name, increasing node positions) -> the field there; activation/aggregation as codes
    node_field: Callable[[str, np.ndarray], np.ndarray]
    from_store: bool = False


def _store_genes(genomes: Sequence[Genome]) -> _Genes:
    """Genes gathered from the population store (genomes that live there: no gene object read or built)."""
    store = PopulationStore.of(genomes)
    enabled_rows = np.flatnonzero(store.conns["enabled"])
    conns = store.conns
    return _Genes(np.diff(store.node_offsets), np.diff(store.conn_offsets), store.nodes["id"],
                  enabled_rows if store.dict_position is None else store.dict_position[enabled_rows],
                  conns["in_node"][enabled_rows], conns["out_node"][enabled_rows], conns["weight"][enabled_rows],
                  lambda name, rows: store.nodes[name][rows], from_store=True)


def _plain_genes(genomes: Sequence[Genome]) -> _Genes:
    """Genes read from gene objects: one C-level pass per field that is needed (node ids are the dicts' keys; only
    enabled connections' and computed nodes' fields are read), no per-gene Python code."""
    P = len(genomes)
    nodes = list(map(attrgetter("nodes"), genomes))
    nv = list(map(dict.values, nodes))
    cv = list(map(dict.values, map(attrgetter("conns"), genomes)))
    node_counts = np.fromiter(map(len, nv), dtype=np.int64, count=P)
    conn_counts = np.fromiter(map(len, cv), dtype=np.int64, count=P)
    ids = np.fromiter(chain.from_iterable(nodes), dtype=np.int64, count=int(node_counts.sum()))
    enabled = list(map(attrgetter("enabled"), chain.from_iterable(cv)))
    conn_index = np.flatnonzero(np.array(enabled, dtype=bool))
    enabled_genes = list(compress(chain.from_iterable(cv), enabled))  # (compress skips disabled genes in C)

    def conn_field(name: str, dtype: type) -> np.ndarray:
        return np.fromiter(map(attrgetter(name), enabled_genes), dtype=dtype, count=conn_index.size)

    codes = {"activation": ACTIVATION_CODES, "aggregation": AGGREGATION_CODES}
    dtypes = {"bias": np.float64, "response": np.float64}

    picked: list[Any] = [None, []]  # the positions last asked for, and their nodes

    def node_field(name: str, rows: np.ndarray) -> np.ndarray:
        if picked[0] is not rows:
            mask = np.zeros(ids.size, dtype=bool)
            mask[rows] = True
            picked[:] = [rows, list(compress(chain.from_iterable(nv), mask.tolist()))]
        it = map(attrgetter(name), picked[1])
        if name in codes:
            return np.fromiter(map(codes[name].__getitem__, it), dtype=np.int64, count=rows.size)
        return np.fromiter(it, dtype=dtypes[name], count=rows.size)

    return _Genes(node_counts, conn_counts, ids, conn_index, conn_field("in_node", np.int64),
                  conn_field("out_node", np.int64), conn_field("weight", np.float64), node_field)


#: node references are resolved through a dense (genome, node id) table while it has at most this many entries
#: per node reference (else by binary search)
DENSE_LOOKUP_RATIO = 8


def compile_plan(genomes: Sequence[Genome]) -> Plan:
    """Lay out P genomes as rows and edges (see :class:`Plan`). The genes come as arrays: gathered from the
    population store for genomes that live there (:class:`~topoevo.genome.store.StoredGenome`), else read one
    C-level pass per needed gene field; everything else is vectorized numpy over the whole population."""
    P = len(genomes)
    if P == 0:
        raise CompileError("expected at least one genome", field="genomes")
    ins, outs, bias_ids, kinds = zip(*map(_genome_fields, genomes))
    ni, no, ff = len(ins[0]), len(outs[0]), kinds[0]
    if len(set(map(len, ins))) > 1 or len(set(map(len, outs))) > 1 or len(set(kinds)) > 1:
        p = next(p for p in range(P) if (len(ins[p]), len(outs[p]), kinds[p]) != (ni, no, ff))
        kind = {True: "feed-forward", False: "recurrent"}
        raise CompileError(f"genome {p} ({len(ins[p])} inputs, {len(outs[p])} outputs, {kind[kinds[p]]}) does not "
                           f"match genome 0 ({ni}, {no}, {kind[ff]})", field=f"genomes[{p}]")
    recurrent = not ff
    types = set(map(type, genomes))
    if StoredGenome in types:
        plan = _one_store_plan(genomes, types, ins, outs, bias_ids, recurrent)
        if plan is not None:
            return plan
    try:
        genes = _store_genes(genomes) if StoredGenome in types else _plain_genes(genomes)
    except KeyError as e:
        raise CompileError(f"unknown activation/aggregation {e.args[0]!r}", field="genomes.nodes") from None
    node_counts, conn_counts, ids, conn_index = genes.node_counts, genes.conn_counts, genes.ids, genes.conn_index
    if ids.size == 0:
        raise CompileError("the genomes have no nodes", field="genomes")

    io = np.empty((P, ni + no + 1), dtype=np.int64)
    io[:, :ni] = np.fromiter(chain.from_iterable(ins), dtype=np.int64, count=P * ni).reshape(P, ni)
    io[:, ni:-1] = np.fromiter(chain.from_iterable(outs), dtype=np.int64, count=P * no).reshape(P, no)
    io[:, -1] = [-1 if b is None else b for b in bias_ids]
    has_bias = np.flatnonzero(io[:, -1] >= 0)
    c_ends = np.concatenate((genes.c_in, genes.c_out))
    e_w = genes.weight
    lowest = min(int(ids.min()), int(io[:, :-1].min(initial=0)), int(c_ends.min(initial=0)))
    if lowest < 0:
        raise CompileError(f"node ids must be >= 0, got {lowest}", field="genomes.nodes")
    M = max(int(ids.max()), int(io.max(initial=0)), int(c_ends.max(initial=0))) + 1
    genome_ix = np.arange(P, dtype=np.int64)
    keys = np.repeat(genome_ix * M, node_counts) + ids  # (genome, node id) -> one int
    c_base = np.repeat(genome_ix * M, conn_counts)[conn_index]
    c_keys = c_ends + np.concatenate((c_base, c_base))

    # every node reference (inputs, outputs, bias nodes, connection ends) resolved at once
    refs = np.concatenate(((io[:, :-1] + (genome_ix * M)[:, None]).ravel(), io[has_bias, -1] + has_bias * M,
                           c_keys))
    if P * M <= DENSE_LOOKUP_RATIO * (refs.size + ids.size):
        lookup = np.full(P * M, -1, dtype=np.int64)
        lookup[keys[::-1]] = np.arange(ids.size - 1, -1, -1)  # (a duplicate id: its first node, as a search finds)
        node_of = lookup[refs]
        bad = np.flatnonzero(node_of < 0)
    else:
        korder = np.argsort(keys, kind="stable")
        skeys = keys[korder]
        pos = np.searchsorted(skeys, refs)
        np.minimum(pos, skeys.size - 1, out=pos)
        bad = np.flatnonzero(skeys[pos] != refs)
        node_of = korder[pos]
    if bad.size:
        k = int(refs[bad[0]])
        raise CompileError(f"node {k % M} is referenced but missing from genome {k // M}", field="genomes.nodes")
    n_io = P * (ni + no)
    io_nodes = node_of[:n_io].reshape(P, ni + no)
    bias_node = node_of[n_io:n_io + has_bias.size]
    e_src = node_of[n_io + has_bias.size:n_io + has_bias.size + conn_index.size]
    e_dst = node_of[n_io + has_bias.size + conn_index.size:]

    S = P * ni + has_bias.size
    row = np.full(ids.size, -1, dtype=np.int64)
    row[io_nodes[:, :ni].ravel()] = np.arange(P * ni)
    row[bias_node] = np.arange(P * ni, S)
    sensor = row >= 0
    if sensor[e_dst].any():
        raise CompileError("a connection feeds an input or bias node", field="genomes.conns")

    computed = ~sensor
    first = computed.astype(np.int64)
    if recurrent:
        level = first
    elif genes.from_store:  # (numba is loaded: the store's reproduction kernel uses it)
        from topoevo.nn.plan_kernels import levels

        level, acyclic = levels(e_src, e_dst, first)
        if not acyclic:
            raise CompileError(CYCLE, field="genomes")
    else:
        level = _levels(e_src, e_dst, first, int(node_counts.max()))

    # the computed nodes' fields (sensors' are never read)
    comp = np.flatnonzero(computed)
    try:
        act = genes.node_field("activation", comp).astype(np.int64, copy=False)
        agg = genes.node_field("aggregation", comp).astype(np.int64, copy=False)
    except KeyError as e:
        raise CompileError(f"unknown activation/aggregation {e.args[0]!r}", field="genomes.nodes") from None
    # computed rows sorted by (level, activation, aggregation); stable, so genome-major within each group
    sort_key = (level[comp] * len(ACTIVATION_LIST) + act) * len(AGGREGATION_LIST) + agg
    perm = np.argsort(sort_key, kind="stable")
    order = comp[perm]
    row[order] = np.arange(S, S + order.size)
    n_rows = S + order.size
    lv = level[order]
    bounds = np.concatenate(([S], S + np.flatnonzero(lv[1:] != lv[:-1]) + 1, [n_rows]))
    src, dst = row[e_src], row[e_dst]
    eorder = np.argsort(dst * n_rows + src)
    return Plan(size=P, num_inputs=ni, num_outputs=no, recurrent=recurrent, num_sensor_rows=S, num_rows=n_rows,
                genome=np.repeat(genome_ix, node_counts)[order], node_id=ids[order],
                bias=genes.node_field("bias", comp)[perm], response=genes.node_field("response", comp)[perm],
                activation=act[perm], aggregation=agg[perm], level=lv, src=src[eorder], dst=dst[eorder],
                weight=e_w[eorder], conn_index=conn_index[eorder], output_rows=row[io_nodes[:, ni:].ravel()],
                level_bounds=bounds if order.size else np.array([S, S]))


def _one_store_plan(genomes: Sequence[Genome], types: set[type], ins: tuple, outs: tuple, bias_ids: tuple,
                    recurrent: bool) -> Plan | None:
    """:func:`compile_plan` of untouched views of one population store, by one compiled pass over its arrays
    (numba is loaded: the store's reproduction kernel uses it); None for anything else, and for genomes the
    numpy path must name an error in."""
    one = one_store(genomes, types)
    if one is None:
        return None
    store, rows = one
    if (len(set(ins)), len(set(outs)), len(set(bias_ids))) != (1, 1, 1) or \
            (ins[0], outs[0], bias_ids[0]) != (store.input_ids, store.output_ids, store.bias_id):
        return None
    if not (len(store) == len(rows) and np.array_equal(rows, np.arange(len(rows)))):
        store = store.take(rows)
    if store.nodes["id"].size == 0:
        return None
    from topoevo.nn.plan_kernels import store_plan

    n, c = store.nodes, store.conns
    position = store.dict_position if store.dict_position is not None else np.arange(c["innovation"].size)
    ok, S, n_rows, order, genome, level, bounds, src, dst, weight, conn_index, out_rows = store_plan(
        store.node_offsets, n["id"], n["activation"], n["aggregation"], store.conn_offsets, c["in_node"],
        c["out_node"], c["enabled"], c["weight"], position, np.asarray(ins[0], dtype=np.int64),
        np.asarray(outs[0], dtype=np.int64), -1 if bias_ids[0] is None else bias_ids[0], recurrent,
        len(ACTIVATION_LIST), len(AGGREGATION_LIST))
    if not ok:
        return None
    return Plan(size=len(genomes), num_inputs=len(ins[0]), num_outputs=len(outs[0]), recurrent=recurrent,
                num_sensor_rows=S, num_rows=n_rows, genome=genome, node_id=n["id"][order], bias=n["bias"][order],
                response=n["response"][order], activation=n["activation"][order].astype(np.int64),
                aggregation=n["aggregation"][order].astype(np.int64), level=level, src=src, dst=dst,
                weight=weight, conn_index=conn_index, output_rows=out_rows, level_bounds=bounds, compiled=True)


@dataclass
class _Gather:
    """Edges into the nodes of one non-linear aggregation (product, max, min) within one block of rows."""

    reduce: str
    src: Tensor  # source rows
    weight: Tensor  # (E, 1)
    offset: Tensor | None  # (E, 1): weight x shift of the source's stored value (None: all zero)
    slot: Tensor  # (E, 1): which of the group's nodes each edge feeds
    rows: Tensor  # block-local rows of the group's nodes
    bias: Tensor  # (n, 1), scaled
    response: Tensor  # (n, 1), scaled


@dataclass
class _Block:
    """One level (feed-forward) or the whole tick (recurrent): rows [lo, hi) computed from rows [0, cols)."""

    lo: int
    hi: int
    cols: int
    matrix: Tensor | None  # sparse CSR (hi - lo, cols) of the sum/mean edges, response and scale folded in
    bias: Tensor  # (hi - lo, 1), scaled
    gathers: list[_Gather]
    activations: list[tuple[int, int, Any]]  # block-local (start, end, in-place fn)


class CompiledPopulation:
    """P genomes as one batched network: ``pop(x)`` maps ``(P, B, I)`` inputs to ``(P, B, O)`` outputs.

    Feed-forward populations are evaluated level by level, recurrent ones one synchronous tick per call with
    state per (genome, batch row), kept until :meth:`reset` or until the batch size changes. Calls run without
    autograd. ``threads``: torch threads a call uses (the caller's setting is restored afterwards); ``None`` means
    one thread for calls with little work (below ``SINGLE_THREAD_WORK``), else torch's current setting. Pass
    ``threads=1`` when other processes share the cores (e.g. a process-pool evaluator): every level's operations
    wait for all threads, so one descheduled thread stalls the call (measured: 100x slower at batch 64 on a busy
    2-core machine). Compile with ``dtype=torch.float64`` for results within 1e-10 of the reference interpreter.
    ``fused``: run calls through the fused kernel (:mod:`topoevo.nn.fused`, one compiled loop over every row of
    every genome; float32 and float64 only); ``None`` (default) means for calls of at most ``FUSED_MAX_BATCH``
    input rows per genome, where it is faster; ``False`` always uses the torch steps. The two agree to the last
    bit of the activations (see :mod:`topoevo.nn.fused`); which one runs depends only on the batch size, so
    results stay the same for any split of the population.

    >>> import random, torch
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> t = InnovationTracker()
    >>> gs = [initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), t, random.Random(s)) for s in range(3)]
    >>> pop = CompiledPopulation(gs)
    >>> pop(torch.zeros(3, 4, 2)).shape
    torch.Size([3, 4, 1])
    """

    def __init__(self, genomes: Sequence[Genome], dtype: torch.dtype = torch.float32, threads: int | None = None,
                 fused: bool | None = None):
        self.genomes = list(genomes)
        self.dtype = dtype
        self.threads = threads
        self.fused = fused
        with gc_paused():  # (its reads of the genes allocate many objects, none in a cycle)
            self.plan = plan = compile_plan(self.genomes)
        self.folded = fold(plan)
        self._blocks = _build_blocks(plan, dtype, self.folded)
        self._out_rows = torch.from_numpy(plan.output_rows)
        # sigmoid rows hold t with value 0.5 t + 0.5: outputs are mapped back, a zero state is t = -1
        out_act = plan.activation[plan.output_rows - plan.num_sensor_rows]
        self._out_affine = None
        if _STORED_SHIFT[out_act].any():
            self._out_affine = (torch.from_numpy(_STORED_SHIFT[out_act]).to(dtype).unsqueeze(1),
                                torch.from_numpy(_STORED_SCALE[out_act]).to(dtype).unsqueeze(1))
        self._zero_state = None
        if plan.recurrent and _STORED_SHIFT[plan.activation].any():
            zero = -_STORED_SHIFT[plan.activation] / _STORED_SCALE[plan.activation]
            self._zero_state = torch.from_numpy(zero).to(dtype).unsqueeze(1)
        self._values: Tensor | None = None
        self._inputs: Tensor | None = None
        self._steps: list[Callable[[], object]] = []
        self._small = True
        self._program: FusedProgram | None = None
        self._fallback: CompiledPopulation | None = None  # the genomes the fused kernel does not know

    # ---- BatchedPolicy ---------------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self.plan.size

    @property
    def num_inputs(self) -> int:
        return self.plan.num_inputs

    @property
    def num_outputs(self) -> int:
        return self.plan.num_outputs

    @property
    def recurrent(self) -> bool:
        return self.plan.recurrent

    def __len__(self) -> int:
        return self.plan.size

    def reset(self) -> None:
        """Zero the recurrent state (no-op for feed-forward populations)."""
        if self.plan.recurrent and self._values is not None:
            self._zero(self._values)
        if self._fallback is not None:
            self._fallback.reset()

    def _zero(self, V: Tensor) -> None:
        state = V[self.plan.num_sensor_rows:]
        if self._zero_state is None:
            state.zero_()
        else:
            state.copy_(self._zero_state.expand_as(state))

    def select(self, indices: Sequence[int] | np.ndarray) -> "CompiledPopulation":
        """A new population of the genomes at ``indices`` (recompiled from the genomes given at construction)."""
        return CompiledPopulation([self.genomes[int(i)] for i in indices], self.dtype, self.threads, self.fused)

    def narrow(self, indices: Sequence[int] | np.ndarray) -> "CompiledPopulation":
        """The genomes at the increasing ``indices``, carrying over their recurrent state: the next call gives the
        outputs these genomes would have given in this population (a task drops genomes whose episodes all ended).

        >>> import random, torch
        >>> from topoevo.config import GenomeConfig
        >>> from topoevo.genome import InnovationTracker, initial_genome
        >>> t = InnovationTracker()
        >>> cfg = GenomeConfig(num_inputs=2, num_outputs=1, network="recurrent")
        >>> pop = CompiledPopulation([initial_genome(cfg, t, random.Random(s)) for s in range(3)])
        >>> x = torch.ones(3, 2, 2)
        >>> _ = pop(x); both = pop(x)
        >>> pop.reset(); _ = pop(x); sub = pop.narrow([0, 2])
        >>> bool((sub(x[[0, 2]]) == both[[0, 2]]).all())
        True
        """
        idx = np.asarray(indices, dtype=np.int64)
        if idx.size and (np.any(np.diff(idx) <= 0) or idx[0] < 0 or idx[-1] >= self.plan.size):
            raise TopoevoError(f"expected increasing genome indices in [0, {self.plan.size})", field="indices")
        sub = self.select(idx)
        if self.plan.recurrent and self._values is not None:
            # computed rows are ordered by (level, activation, aggregation, genome, node): a subset keeps the order
            S = self.plan.num_sensor_rows
            fb = self._fallback
            if fb is not None and fb._values is not None and fb._values.shape[1] == self._values.shape[1]:
                # the state of the genomes the fused kernel left to the torch steps (same row order)
                rows = torch.from_numpy(np.flatnonzero(~self._program.active))
                self._values[S:][rows] = fb._values[fb.plan.num_sensor_rows:]
            keep = np.isin(self.plan.genome, idx)
            sub._bind(self._values.shape[1])
            sub._values[sub.plan.num_sensor_rows:] = self._values[S:][torch.from_numpy(np.flatnonzero(keep))]
        return sub

    def __call__(self, x: Any) -> Tensor:
        plan = self.plan
        if not isinstance(x, (np.ndarray, Tensor)):
            x = np.asarray(x)
        P, I = plan.size, plan.num_inputs
        if x.ndim != 3 or x.shape[0] != P or x.shape[2] != I:
            raise TopoevoError(f"expected inputs shaped ({P}, B, {I}), got {tuple(x.shape)}", field="x")
        B = x.shape[1]
        if self._values is None or self._values.shape[1] != B:
            self._bind(B)
        if (self.fused or (self.fused is None and B <= FUSED_MAX_BATCH)) and self.dtype in _NUMPY_DTYPES:
            # (in the values' dtype: one compiled kernel per population dtype)
            return self._run_fused(np.ascontiguousarray(x if isinstance(x, np.ndarray) else x.detach().numpy(),
                                                        dtype=self._values_np.dtype))
        return self._run_steps(x)

    @torch.no_grad()
    def _run_steps(self, x: np.ndarray | Tensor) -> Tensor:
        """One call through the level-by-level torch steps."""
        current = torch.get_num_threads()
        # too little work to share: thread hand-offs would cost more than they save
        wanted = self.threads if self.threads is not None else (1 if self._small else current)
        if wanted != current:
            torch.set_num_threads(wanted)
            try:
                self._run(x)
            finally:
                torch.set_num_threads(current)
        else:
            self._run(x)
        return self._outputs()

    def _outputs(self) -> Tensor:
        out = self._values.index_select(0, self._out_rows)
        if self._out_affine is not None:
            out = torch.addcmul(self._out_affine[0], out, self._out_affine[1])
        # a fresh (P, O, B) tensor seen as (P, B, O): no copy (the transposing copy costs as much as a level)
        return out.view(self.plan.size, self.plan.num_outputs, self._values.shape[1]).transpose(1, 2)

    def _set_inputs(self, x: np.ndarray | Tensor) -> None:
        if isinstance(x, np.ndarray):  # numpy copies (and casts) straight into the values: no tensor wrapping
            np.copyto(self._inputs.numpy(), x.transpose(0, 2, 1), casting="unsafe")
        else:
            self._inputs.copy_(x.transpose(1, 2))

    def _run(self, x: np.ndarray | Tensor) -> None:
        self._set_inputs(x)
        for step in self._steps:
            step()

    def _run_fused(self, x: np.ndarray) -> Tensor:
        """One call through the fused kernel (:mod:`topoevo.nn.fused`); genomes it does not know go through the
        torch steps of a sub-population."""
        if self._program is None:
            self._program = FusedProgram(self.plan, self.folded, _NUMPY_DTYPES[self.dtype])
            if not self._program.supported.all():
                fb = self._fallback = CompiledPopulation(
                    [g for g, ok in zip(self.genomes, self._program.supported) if not ok], self.dtype,
                    self.threads, fused=False)
                if self.plan.recurrent:  # their state so far (e.g. carried over by narrow), same row order
                    fb._bind(x.shape[1])
                    rows = torch.from_numpy(np.flatnonzero(~self._program.active))
                    fb._values[fb.plan.num_sensor_rows:] = self._values[self.plan.num_sensor_rows:][rows]
        out = torch.from_numpy(self._program.run(x, self._values_np))
        if self._fallback is not None:
            rest = np.flatnonzero(~self._program.supported)
            out[torch.from_numpy(rest)] = self._fallback(x[rest])
        return out

    def _bind(self, B: int) -> None:
        """Allocate the values (and recurrent state) for batch size ``B`` and bind every step to its views, so a
        call is just the list of tensor operations."""
        plan, S = self.plan, self.plan.num_sensor_rows
        V = self._values = torch.zeros(plan.num_rows, B, dtype=self.dtype)
        self._values_np = V.numpy() if self.dtype in _NUMPY_DTYPES else None
        V[plan.size * plan.num_inputs:S] = 1.0
        if plan.recurrent:
            self._zero(V)
        self._inputs = V[:plan.size * plan.num_inputs].view(plan.size, plan.num_inputs, B)
        steps: list[Callable[[], object]] = []
        nxt = torch.empty(plan.num_rows - S, B, dtype=self.dtype) if plan.recurrent else None
        for blk in self._blocks:
            out = nxt if nxt is not None else V[blk.lo:blk.hi]
            if blk.matrix is None:
                steps.append(partial(out.copy_, blk.bias.expand(-1, B)))
            else:  # not addmv at batch 1, though twice as fast: its rounding depends on where a row sits
                steps.append(partial(torch.addmm, blk.bias, blk.matrix, V[:blk.cols], out=out))
            for gt in blk.gathers:
                steps.append(partial(_gather_step, gt, V, out, gt.slot.expand(-1, B).contiguous()))
            steps.extend(partial(fn, out[a:b]) for a, b, fn in blk.activations)
        if nxt is not None:
            steps.append(partial(V[S:].copy_, nxt))
        self._steps = steps
        self._small = (plan.src.size + plan.num_rows) * B < SINGLE_THREAD_WORK

    def __repr__(self) -> str:
        kind = "recurrent" if self.recurrent else "feed-forward"
        return (f"CompiledPopulation(size={self.size}, inputs={self.num_inputs}, outputs={self.num_outputs}, "
                f"{kind}, rows={self.plan.num_rows}, edges={self.plan.src.size}, blocks={len(self._blocks)})")


def _gather_step(gt: _Gather, V: Tensor, out: Tensor, slot: Tensor) -> None:
    """Product/max/min nodes: gather the weighted inputs, reduce them per node, write ``bias + response * agg``."""
    contrib = V.index_select(0, gt.src).mul_(gt.weight)
    if gt.offset is not None:
        contrib.add_(gt.offset)
    red = contrib.new_zeros(gt.rows.numel(), contrib.shape[1])
    red.scatter_reduce_(0, slot, contrib, gt.reduce, include_self=False)
    out.index_copy_(0, gt.rows, torch.addcmul(gt.bias, gt.response, red))


@dataclass
class Folded:
    """The arithmetic of a plan's computed rows with every constant folded in (numpy, float64), shared by the
    level-by-level torch steps and the fused kernel (:mod:`topoevo.nn.fused`).

    Sum and mean nodes: ``act(scale * (bias + response * agg))`` = ``act_inplace(scale * bias + sum(w' x))`` with
    ``w' = scale * response * w`` (divided by the fan-in for mean). A source whose value is stored as ``t`` with
    ``x = a t + c`` (sigmoids) contributes ``(w' a) t`` and adds ``w' c`` to the bias. Edges are the plan's (sorted
    by target row, then source row); ``linear`` marks those into sum/mean nodes, whose sums are ``rowptr``'s slices
    of ``lin_src``/``lin_w``.

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(), random.Random(0))
    >>> f = fold(compile_plan([g]))
    >>> f.scale.tolist(), f.rowptr.tolist()   # one sigmoid output (input scale 4.9 / 2), its 3 edges
    ([2.45], [0, 3])
    """

    scale: np.ndarray  # per computed row: the activation's input scale
    src_a: np.ndarray  # per edge: the stored scale of its source (1 unless the source stores an affine image)
    src_shift: np.ndarray  # per edge: the stored shift of its source
    dst_c: np.ndarray  # per edge: the computed-row position of its target
    linear: np.ndarray  # per edge: its target aggregates linearly (sum, mean)
    all_linear: bool
    lin_src: np.ndarray  # sources (rows) of the linear edges
    lin_w: np.ndarray  # their folded weights
    rowptr: np.ndarray  # (computed rows + 1): computed row i's linear edges are [rowptr[i], rowptr[i + 1])
    bias: np.ndarray  # per computed row: the folded bias (linear rows)


def fold(plan: Plan) -> Folded:
    """Fold responses, input scales, mean fan-ins and stored affine maps into weights and biases (see
    :class:`Folded`)."""
    S, n_comp = plan.num_sensor_rows, plan.activation.size
    if plan.compiled:  # (the same operations, one compiled pass)
        from topoevo.nn.plan_kernels import fold_arrays

        return Folded(*fold_arrays(S, plan.activation, plan.aggregation, plan.response, plan.bias, plan.src, plan.dst,
                                   plan.weight, _SCALE, _STORED_SCALE, _STORED_SHIFT, _LINEAR, _MEAN))
    scale = _SCALE[plan.activation]
    dst_c = plan.dst - S  # computed-row position of each edge's target
    src_c = plan.src - S  # negative for sensors
    affine = _STORED_SHIFT[plan.activation] != 0
    src_affine = np.zeros(plan.src.size, dtype=bool)
    src_affine[src_c >= 0] = affine[src_c[src_c >= 0]]
    src_a = np.where(src_affine, _STORED_SCALE[plan.activation[np.maximum(src_c, 0)]], 1.0)
    src_c_shift = np.where(src_affine, _STORED_SHIFT[plan.activation[np.maximum(src_c, 0)]], 0.0)
    linear_node = _LINEAR[plan.aggregation]
    coef = plan.response * scale
    is_mean = plan.aggregation == _MEAN
    if is_mean.any():
        coef = coef / np.where(is_mean, np.maximum(np.bincount(dst_c, minlength=n_comp), 1), 1)
    e_lin = linear_node[dst_c]
    all_linear = bool(e_lin.all())
    lin_dst = dst_c if all_linear else dst_c[e_lin]
    lin_src = plan.src if all_linear else plan.src[e_lin]
    lin_w = (plan.weight if all_linear else plan.weight[e_lin]) * coef[lin_dst]
    bias = plan.bias * scale
    if src_affine.any():
        lin_aff = src_affine if all_linear else src_affine[e_lin]
        shift = (src_c_shift if all_linear else src_c_shift[e_lin])[lin_aff] * lin_w[lin_aff]
        bias = bias + np.bincount(lin_dst[lin_aff], weights=shift, minlength=n_comp)
        lin_w = lin_w * (src_a if all_linear else src_a[e_lin])
    return Folded(scale, src_a, src_c_shift, dst_c, e_lin, all_linear, lin_src, lin_w,
                  np.searchsorted(lin_dst, np.arange(n_comp + 1)), bias)


def _build_blocks(plan: Plan, dtype: torch.dtype, f: Folded) -> list[_Block]:
    """Tensors of each block: folded weights in a CSR matrix, gathers for non-linear aggregations, activation runs."""
    S, n_comp = plan.num_sensor_rows, plan.activation.size
    scale, src_a, src_c_shift, dst_c, e_lin, all_linear = f.scale, f.src_a, f.src_shift, f.dst_c, f.linear, f.all_linear
    lin_src, lin_w, bias, rowptr = f.lin_src, f.lin_w, f.bias, f.rowptr
    idx_dtype = np.int32 if plan.num_rows < 2**31 - 1 else np.int64
    t_col = torch.from_numpy(lin_src.astype(idx_dtype))
    t_val = torch.from_numpy(lin_w).to(dtype)
    t_bias = torch.from_numpy(bias).to(dtype).unsqueeze(1)
    bounds = (np.array([S, plan.num_rows]) if plan.recurrent else plan.level_bounds) - S
    # one crow array for all blocks: block k's rows [a, b) use entries [a + k, b + k + 1)
    # (the blocks tile [0, n_comp): block k's entries are positions j of rows j - k, less the block's first)
    nb = bounds.size - 1
    block_of = np.repeat(np.arange(nb), np.diff(bounds) + 1)
    crow_all = rowptr[np.arange(block_of.size) - block_of] - rowptr[bounds[:-1]][block_of]
    t_crow = torch.from_numpy(crow_all.astype(idx_dtype))
    # activation runs of all computed rows, cut at block bounds
    act = plan.activation
    change = np.zeros(n_comp + 1, dtype=bool)
    change[1:-1] = act[1:] != act[:-1]
    change[bounds] = True
    cuts = np.flatnonzero(change)
    runs = list(zip(cuts[:-1].tolist(), cuts[1:].tolist(), act[cuts[:-1]].tolist()))
    inplace = [a.inplace for a in ACTIVATION_LIST]
    nonlin = np.flatnonzero(~e_lin) if not all_linear else None
    blocks = []
    r = 0
    cuts_at, edges_at = bounds.tolist(), rowptr[bounds].tolist()
    for k in range(nb):
        a, b = cuts_at[k], cuts_at[k + 1]
        lo, hi = S + a, S + b
        ea, eb = edges_at[k], edges_at[k + 1]
        matrix = None
        if eb > ea:
            matrix = torch.sparse_csr_tensor(t_crow[a + k:b + k + 1], t_col[ea:eb], t_val[ea:eb],
                                             size=(b - a, plan.num_rows if plan.recurrent else lo),
                                             check_invariants=False)
        acts = []
        while r < len(runs) and runs[r][1] <= b:
            s, e, c = runs[r]
            if inplace[c] is not None:
                acts.append((s - a, e - a, inplace[c]))
            r += 1
        gathers = [] if nonlin is None else _gathers(plan, nonlin, dst_c, a, b, scale, src_a, src_c_shift, dtype)
        blocks.append(_Block(lo, hi, plan.num_rows if plan.recurrent else lo, matrix, t_bias[a:b], gathers, acts))
    return blocks


def _gathers(plan: Plan, nonlin: np.ndarray, dst_c: np.ndarray, a: int, b: int, scale: np.ndarray,
             src_a: np.ndarray, src_shift: np.ndarray, dtype: torch.dtype) -> list[_Gather]:
    """Gather/scatter-reduce groups for the product/max/min nodes of computed rows [a, b)."""
    e_blk = nonlin[(dst_c[nonlin] >= a) & (dst_c[nonlin] < b)]
    blk_aggs = plan.aggregation[a:b]
    out = []
    for code in np.unique(blk_aggs[~_LINEAR[blk_aggs]]).tolist():
        nodes = np.flatnonzero(blk_aggs == code)  # block-local rows
        e = e_blk[plan.aggregation[dst_c[e_blk]] == code]
        g_nodes = a + nodes
        out.append(_Gather(
            reduce=AGGREGATION_LIST[code].reduce, src=torch.from_numpy(plan.src[e]),
            weight=torch.from_numpy(plan.weight[e] * src_a[e]).to(dtype).unsqueeze(1),
            offset=torch.from_numpy(plan.weight[e] * src_shift[e]).to(dtype).unsqueeze(1) if src_shift[e].any()
            else None,
            slot=torch.from_numpy(np.searchsorted(nodes, dst_c[e] - a)).unsqueeze(1), rows=torch.from_numpy(nodes),
            bias=torch.from_numpy(plan.bias[g_nodes] * scale[g_nodes]).to(dtype).unsqueeze(1),
            response=torch.from_numpy(plan.response[g_nodes] * scale[g_nodes]).to(dtype).unsqueeze(1)))
    return out
