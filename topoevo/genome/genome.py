"""The genome: node genes and connection genes (keyed by innovation), plus structural queries and checks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from topoevo.genome.activations import ACTIVATIONS, AGGREGATIONS
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind


@dataclass(slots=True)
class Genome:
    """A NEAT genome. Node ids: inputs ``0..n-1``, then the bias node (if any), then outputs, then hidden nodes.

    >>> from topoevo.genome import Genome, NodeGene, NodeKind, ConnectionGene
    >>> g = Genome(nodes={0: NodeGene(0, NodeKind.INPUT), 1: NodeGene(1, NodeKind.OUTPUT)},
    ...            conns={0: ConnectionGene(0, 0, 1, 0.5)}, input_ids=(0,), output_ids=(1,))
    >>> g.problems()
    []
    """

    nodes: dict[int, NodeGene]
    conns: dict[int, ConnectionGene]
    input_ids: tuple[int, ...]
    output_ids: tuple[int, ...]
    bias_id: int | None = None
    feed_forward: bool = True
    key: int = 0
    fitness: float | None = None
    species: int | None = None
    parents: tuple[int, ...] = field(default_factory=tuple)

    # ---- copies -------------------------------------------------------------------------------------------------
    def copy(self, key: int | None = None) -> "Genome":
        """A deep copy of the genes (fitness and species are not carried over)."""
        node, conn = NodeGene, ConnectionGene  # (gene constructors inlined: this is a reproduction hot path)
        return Genome({k: node(n.id, n.kind, n.bias, n.response, n.activation, n.aggregation, n.time_constant, n.a,
                               n.b, n.c, n.d) for k, n in self.nodes.items()},
                      {k: conn(c.innovation, c.in_node, c.out_node, c.weight, c.enabled) for k, c in self.conns.items()},
                      self.input_ids, self.output_ids, self.bias_id, self.feed_forward,
                      self.key if key is None else key)

    # ---- queries ------------------------------------------------------------------------------------------------
    @property
    def sensor_ids(self) -> tuple[int, ...]:
        return self.input_ids + ((self.bias_id,) if self.bias_id is not None else ())

    @property
    def hidden_ids(self) -> list[int]:
        return [k for k, n in self.nodes.items() if n.kind is NodeKind.HIDDEN]

    @property
    def num_hidden(self) -> int:
        return sum(1 for n in self.nodes.values() if n.kind is NodeKind.HIDDEN)

    def enabled_connections(self) -> Iterator[ConnectionGene]:
        return (c for c in self.conns.values() if c.enabled)

    def num_enabled(self) -> int:
        return sum(1 for c in self.conns.values() if c.enabled)

    def num_nodes(self) -> int:
        return len(self.nodes)

    def find_connection(self, in_node: int, out_node: int) -> ConnectionGene | None:
        for c in self.conns.values():
            if c.in_node == in_node and c.out_node == out_node:
                return c
        return None

    def structure(self) -> tuple[frozenset, frozenset]:
        """Hashable topology (node ids, connection (innovation, in, out, enabled)) for comparisons."""
        return (frozenset(self.nodes),
                frozenset((c.innovation, c.in_node, c.out_node, c.enabled) for c in self.conns.values()))

    # ---- checks -------------------------------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """Every broken invariant, as readable strings (empty for a valid genome)."""
        out: list[str] = []
        sensors = set(self.sensor_ids)
        for nid, node in self.nodes.items():
            if node.id != nid:
                out.append(f"node key {nid} holds node id {node.id}")
            if node.activation not in ACTIVATIONS:
                out.append(f"node {nid}: unknown activation {node.activation!r}")
            if node.aggregation not in AGGREGATIONS:
                out.append(f"node {nid}: unknown aggregation {node.aggregation!r}")
        for nid in (*self.sensor_ids, *self.output_ids):
            if nid not in self.nodes:
                out.append(f"missing input/bias/output node {nid}")
        expected = {**{i: NodeKind.INPUT for i in self.input_ids}, **{o: NodeKind.OUTPUT for o in self.output_ids}}
        if self.bias_id is not None:
            expected[self.bias_id] = NodeKind.BIAS
        for nid, node in self.nodes.items():
            if expected.get(nid, NodeKind.HIDDEN) is not node.kind:
                out.append(f"node {nid} has kind {node.kind.value}, expected {expected.get(nid, NodeKind.HIDDEN).value}")
        pairs: set[tuple[int, int]] = set()
        for inn, c in self.conns.items():
            if c.innovation != inn:
                out.append(f"connection key {inn} holds innovation {c.innovation}")
            if c.in_node not in self.nodes or c.out_node not in self.nodes:
                out.append(f"connection {inn} ({c.in_node}->{c.out_node}) has a missing endpoint")
            if c.out_node in sensors:
                out.append(f"connection {inn} feeds sensor node {c.out_node}")
            if (c.in_node, c.out_node) in pairs:
                out.append(f"connection {inn} duplicates link {c.in_node}->{c.out_node}")
            pairs.add((c.in_node, c.out_node))
        links = [c for c in self.conns.values() if c.in_node != c.out_node]
        has_in, has_out = {c.out_node for c in links}, {c.in_node for c in links}
        for nid in self.hidden_ids:
            if nid not in has_in or nid not in has_out:
                out.append(f"hidden node {nid} is dangling (no incoming or no outgoing connection)")
        if self.feed_forward and not out and has_cycle(self.nodes, self.conns.values()):
            out.append("feed-forward genome contains a cycle")
        return out


def has_cycle(nodes: Iterable[int], conns: Iterable[ConnectionGene]) -> bool:
    """True when the connections (enabled or not) contain a directed cycle (self-loops included)."""
    order = topological_order(nodes, conns)
    return order is None


def topological_order(nodes: Iterable[int], conns: Iterable[ConnectionGene]) -> list[int] | None:
    """Kahn's algorithm over the given connections; ``None`` when they contain a cycle. Ties by node id."""
    nodes = sorted(nodes)
    indeg = {n: 0 for n in nodes}
    succ: dict[int, list[int]] = {n: [] for n in nodes}
    for c in conns:
        succ[c.in_node].append(c.out_node)
        indeg[c.out_node] += 1
    ready = [n for n in nodes if indeg[n] == 0]
    order: list[int] = []
    while ready:
        n = ready.pop()
        order.append(n)
        for m in succ[n]:
            indeg[m] -= 1
            if indeg[m] == 0:
                ready.append(m)
    return order if len(order) == len(indeg) else None


def reaches(conns: Iterable[ConnectionGene], start: int, target: int) -> bool:
    """Is ``target`` reachable from ``start`` along connections (enabled or not)?"""
    return reachable(successors(conns), start, target)


def successors(conns: Iterable[ConnectionGene]) -> dict[int, list[int]]:
    """``{node: [nodes it feeds]}`` over the given connections (for several :func:`reachable` queries)."""
    succ: dict[int, list[int]] = {}
    for c in conns:
        succ.setdefault(c.in_node, []).append(c.out_node)
    return succ


def reachable(succ: dict[int, list[int]], start: int, target: int) -> bool:
    """Is ``target`` reachable from ``start`` in the graph of :func:`successors`?"""
    stack, seen = [start], {start}
    while stack:
        n = stack.pop()
        if n == target:
            return True
        for m in succ.get(n, ()):
            if m not in seen:
                seen.add(m)
                stack.append(m)
    return False
