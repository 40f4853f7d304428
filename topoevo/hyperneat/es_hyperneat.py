"""ES-HyperNEAT (Risi & Stanley 2012): hidden node positions read off the CPPN's weight pattern by quadtree
information extraction (see :class:`~topoevo.hyperneat.substrate.ESConfig` for the rules), for a whole population
at once: every quadtree level of every genome and every source node is one batched CPPN forward, and so is each
band check. The networks found become recurrent NEAT genomes (hidden nodes keyed by position) compiled together
into one :class:`~topoevo.nn.CompiledPopulation` that runs ``activation_ticks`` synchronous ticks per input.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
from torch import Tensor

from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind
from topoevo.genome.genome import Genome
from topoevo.hyperneat.substrate import ESConfig, Substrate
from topoevo.tasks.base import BatchedPolicy


def query_points(cppns: BatchedPolicy, genome: np.ndarray, a: np.ndarray, b: np.ndarray, distance: bool) -> np.ndarray:
    """CPPN weight output (clipped to [-1, 1]) of connection ``a[k] -> b[k]`` of genome ``genome[k]``, for all k in
    one batched forward (each genome's rows padded to the longest).

    >>> class Diff:  # 2 "CPPNs": x2 - x1 and twice that
    ...     size = 2
    ...     def reset(self): pass
    ...     def __call__(self, x): return torch.as_tensor((x[..., 2:3] - x[..., :1]) * np.array([1, 2])[:, None, None])
    >>> query_points(Diff(), np.array([1, 0]), np.array([[0.0, 0], [0, 0]]), np.array([[0.25, 0], [0.5, 0]]), False)
    array([0.5, 0.5])
    """
    n = len(genome)
    if n == 0:
        return np.zeros(0)
    rows = [a, b]
    if distance:
        rows.append(np.linalg.norm(b - a, axis=1, keepdims=True))
    q = np.concatenate(rows, axis=1)
    order = np.argsort(genome, kind="stable")
    counts = np.bincount(genome, minlength=cppns.size)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    slot = np.empty(n, dtype=np.int64)
    slot[order] = np.arange(n) - starts[genome[order]]
    padded = np.zeros((cppns.size, int(counts.max()), q.shape[1]))
    padded[genome, slot] = q
    cppns.reset()
    out = cppns(padded)
    out = out.detach().cpu().numpy() if isinstance(out, Tensor) else np.asarray(out)
    return np.clip(out[genome, slot, 0].astype(np.float64), -1.0, 1.0)


@dataclass
class Found:
    """Connections found by a batch of quadtrees: owner genome, source point, target point, weight (arrays)."""

    genome: np.ndarray
    source: np.ndarray  # (n, 2)
    target: np.ndarray  # (n, 2)
    weight: np.ndarray


def quadtrees(cppns: BatchedPolicy, genome: np.ndarray, points: np.ndarray, outgoing: bool, es: ESConfig,
              distance: bool) -> Found:
    """Division and initialization, then pruning and extraction, of one quadtree per (``genome[s]``,
    ``points[s]``): connections from the point (``outgoing``) or into it."""

    def ask(owner: np.ndarray, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
        cell = np.stack([cx, cy], axis=1)
        src, dst = (points[owner], cell) if outgoing else (cell, points[owner])
        return query_points(cppns, genome[owner], src, dst, distance)

    S = len(points)
    # level arrays: owner tree, centre, half-width, weight, parent (index in the previous level)
    levels: list[dict[str, np.ndarray]] = [{"owner": np.arange(S), "x": np.zeros(S), "y": np.zeros(S),
                                            "width": np.ones(S), "w": np.zeros(S), "parent": np.full(S, -1)}]
    frontier = np.arange(S)  # indices into the last level of the cells to divide
    depth = 1
    while frontier.size:
        lv = levels[-1]
        par = np.repeat(frontier, 4)
        half = lv["width"][par] / 2.0
        sx = np.tile([-1.0, 1.0, -1.0, 1.0], frontier.size)
        sy = np.tile([-1.0, -1.0, 1.0, 1.0], frontier.size)
        child = {"owner": lv["owner"][par], "x": lv["x"][par] + sx * half, "y": lv["y"][par] + sy * half,
                 "width": half, "parent": par}
        child["w"] = ask(child["owner"], child["x"], child["y"])
        levels.append(child)
        var = child["w"].reshape(-1, 4).var(axis=1)
        divide = (depth < es.initial_depth) | ((depth < es.max_depth) & (var > es.division_threshold))
        frontier = np.flatnonzero(np.repeat(divide, 4))
        depth += 1
    # variance of each cell's leaves, bottom-up (a leaf: its own weight, variance 0)
    stats = [None] * len(levels)
    for k in range(len(levels) - 1, 0, -1):
        lv = levels[k]
        n = len(lv["w"])
        s1, s2, cnt = np.zeros(n), np.zeros(n), np.zeros(n)
        if k + 1 < len(levels):
            below = stats[k + 1]
            p = levels[k + 1]["parent"]
            np.add.at(s1, p, below[0])
            np.add.at(s2, p, below[1])
            np.add.at(cnt, p, below[2])
        leaf = cnt == 0
        s1[leaf], s2[leaf], cnt[leaf] = lv["w"][leaf], lv["w"][leaf] ** 2, 1.0
        stats[k] = (s1, s2, cnt)
    # pruning: descend from the root's children through cells of high variance
    found = []
    descend = np.ones(S, dtype=bool)  # the root of every tree is descended into
    for k in range(1, len(levels)):
        lv = levels[k]
        s1, s2, cnt = stats[k]
        variance = np.maximum(s2 / cnt - (s1 / cnt) ** 2, 0.0)
        reached = descend[lv["parent"]]
        deep = variance >= es.variance_threshold
        cand = np.flatnonzero(reached & ~deep)
        descend = reached & deep
        if cand.size:
            owner, x, y, w = lv["owner"][cand], lv["x"][cand], lv["y"][cand], lv["w"][cand]
            step = 2.0 * lv["width"][cand]  # the distance to the neighbouring cells of the same size
            o4 = np.tile(owner, 4)
            nx = np.concatenate([x - step, x + step, x, x])
            ny = np.concatenate([y, y, y - step, y + step])
            d = np.abs(w[None, :] - ask(o4, nx, ny).reshape(4, -1))
            band = np.maximum(np.minimum(d[0], d[1]), np.minimum(d[2], d[3]))
            keep = band > es.band_threshold
            if keep.any():
                found.append((owner[keep], np.stack([x[keep], y[keep]], axis=1), w[keep]))
    if not found:
        return Found(np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0))
    owner = np.concatenate([f[0] for f in found])
    cell = np.concatenate([f[1] for f in found])
    w = np.concatenate([f[2] for f in found])
    src, dst = (points[owner], cell) if outgoing else (cell, points[owner])
    return Found(genome[owner], src, dst, w)


def es_links(cppns: BatchedPolicy, substrate: Substrate) -> list[list[tuple[tuple, tuple, float]]]:
    """Every CPPN's ES-HyperNEAT links ``(source point, target point, CPPN weight)``: input -> hidden, then
    ``iteration_level`` rounds of hidden -> hidden from the newly found nodes, then hidden -> output (from hidden
    nodes already found only); before the removal of nodes off input-output paths."""
    cfg = substrate.config
    es: ESConfig = cfg.es
    P = cppns.size
    ins = np.concatenate([substrate.coords[i] for i in substrate.input_layers])
    outs = np.concatenate([substrate.coords[i] for i in substrate.output_layers])
    dist = cfg.distance_input
    links: list[list[tuple[tuple, tuple, float]]] = [[] for _ in range(P)]
    hidden: list[set] = [set() for _ in range(P)]

    def record(f: Found) -> list[set]:
        new: list[set] = [set() for _ in range(P)]
        for g, s, t, w in zip(f.genome.tolist(), f.source.tolist(), f.target.tolist(), f.weight.tolist()):
            links[g].append((tuple(s), tuple(t), w))
            new[g].add(tuple(t))
        return new

    new = record(quadtrees(cppns, np.repeat(np.arange(P), len(ins)), np.tile(ins, (P, 1)), True, es, dist))
    for g in range(P):
        hidden[g] |= new[g]
    unexplored = new
    for _ in range(es.iteration_level):
        owners = [g for g in range(P) for _ in unexplored[g]]
        if not owners:
            break
        pts = np.array([p for g in range(P) for p in sorted(unexplored[g])], dtype=np.float64)
        new = record(quadtrees(cppns, np.array(owners), pts, True, es, dist))
        unexplored = [new[g] - hidden[g] for g in range(P)]
        for g in range(P):
            hidden[g] |= new[g]
    into = quadtrees(cppns, np.repeat(np.arange(P), len(outs)), np.tile(outs, (P, 1)), False, es, dist)
    for g, s, t, w in zip(into.genome.tolist(), into.source.tolist(), into.target.tolist(), into.weight.tolist()):
        if tuple(s) in hidden[g]:
            links[g].append((tuple(s), tuple(t), w))
    return links


def es_genomes(cppns: BatchedPolicy, substrate: Substrate) -> list[Genome]:
    """The ES-HyperNEAT network of every CPPN as a recurrent NEAT genome: inputs ``0..I-1``, outputs next, hidden
    nodes after them; weights scaled by ``max_weight``; only nodes on an input-to-output path are kept."""
    cfg = substrate.config
    ins = np.concatenate([substrate.coords[i] for i in substrate.input_layers])
    outs = np.concatenate([substrate.coords[i] for i in substrate.output_layers])
    ids = {tuple(p): i for i, p in enumerate(ins.tolist())}
    ids.update({tuple(p): len(ins) + j for j, p in enumerate(outs.tolist())})
    return [_genome(links, ids, len(ins), len(outs), cfg.max_weight, cfg.hidden_activation, cfg.output_activation, g)
            for g, links in enumerate(es_links(cppns, substrate))]


def _genome(links: list[tuple[tuple, tuple, float]], io_ids: dict, ni: int, no: int, max_weight: float,
            hidden_act: str, output_act: str, key: int) -> Genome:
    """A recurrent genome of the links between points; hidden points not on an input-to-output path dropped."""
    ids = dict(io_ids)
    for s, t, _ in links:
        for p in (s, t):
            if p not in ids:
                ids[p] = len(ids)
    edges = {}
    for s, t, w in links:
        edges[(ids[s], ids[t])] = w  # (a link found twice keeps its last weight: the same CPPN value)
    succ: dict[int, list[int]] = {}
    pred: dict[int, list[int]] = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        pred.setdefault(b, []).append(a)

    def closure(start: Sequence[int], nxt: dict[int, list[int]]) -> set[int]:
        seen, stack = set(start), list(start)
        while stack:
            for m in nxt.get(stack.pop(), ()):
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
        return seen

    keep = closure(range(ni), succ) & closure(range(ni, ni + no), pred)
    nodes = {i: NodeGene(i, NodeKind.INPUT) for i in range(ni)}
    nodes.update({ni + j: NodeGene(ni + j, NodeKind.OUTPUT, activation=output_act) for j in range(no)})
    for n in sorted(keep):
        if n >= ni + no:
            nodes[n] = NodeGene(n, NodeKind.HIDDEN, activation=hidden_act)
    conns = {}
    for (a, b), w in edges.items():
        if a in nodes and b in nodes and (a in keep and b in keep):
            inn = len(conns)
            conns[inn] = ConnectionGene(inn, a, b, w * max_weight)
    return Genome(nodes, conns, tuple(range(ni)), tuple(range(ni, ni + no)), None, False, key)


class TickedPopulation:
    """A recurrent population run ``ticks`` synchronous ticks from a zero state per input (the ES-HyperNEAT
    networks). ``genomes`` holds the networks found.

    >>> from topoevo.genome import Genome, NodeGene, NodeKind, ConnectionGene
    >>> g = Genome({0: NodeGene(0, NodeKind.INPUT), 1: NodeGene(1, NodeKind.OUTPUT, activation="identity"),
    ...             2: NodeGene(2, NodeKind.HIDDEN, activation="identity")},
    ...            {0: ConnectionGene(0, 0, 2, 2.0), 1: ConnectionGene(1, 2, 1, 3.0)}, (0,), (1,), None, False)
    >>> TickedPopulation([g], ticks=2)(np.ones((1, 1, 1))).tolist()
    [[[6.0]]]
    """

    def __init__(self, genomes: Sequence[Genome], ticks: int):
        from topoevo.nn import CompiledPopulation

        self.genomes = list(genomes)
        self.ticks = ticks
        self._pop = CompiledPopulation(self.genomes)

    @property
    def size(self) -> int:
        return self._pop.size

    def reset(self) -> None:
        self._pop.reset()

    def __call__(self, x: Any) -> Tensor:
        self._pop.reset()
        out = None
        for _ in range(self.ticks):
            out = self._pop(x)
        return out


def es_networks(cppns: BatchedPolicy, substrate: Substrate) -> TickedPopulation:
    """The batched ES-HyperNEAT networks of a population of CPPNs."""
    es = substrate.config.es
    return TickedPopulation(es_genomes(cppns, substrate), es.activation_ticks or es.iteration_level + 2)


__all__ = ["es_networks", "es_genomes", "es_links", "quadtrees", "query_points", "TickedPopulation", "torch"]
