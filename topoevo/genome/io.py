"""Genome files: JSON with a schema version, strictly validated on read (no pickle); networkx export."""
from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Any

from topoevo.dynamics.attributes import ALL_ATTRIBUTES, NODE_ATTRIBUTES
from topoevo.errors import GenomeFileError
from topoevo.files import read_json, write_json_atomic
from topoevo.genome.activations import ACTIVATIONS, AGGREGATIONS
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind
from topoevo.genome.genome import Genome, has_cycle

SCHEMA = "topoevo.genome"
VERSION = 1
#: The keys a genome file may hold (anything else is an error naming the key, as in task files).
TOP_KEYS = ("schema", "version", "network", "inputs", "bias", "outputs", "nodes", "connections", "key", "fitness",
            "species", "parents", "metadata")
#: a node's dynamical attributes (topoevo/dynamics/attributes.py) are optional keys: written for every node when a
#: genome's values of a model's attributes differ from the defaults, read as the defaults when absent
NODE_KEYS = ("id", "kind", "bias", "response", "activation", "aggregation", *ALL_ATTRIBUTES)
CONNECTION_KEYS = ("innovation", "in", "out", "weight", "enabled")
_BASE_NODE_KEYS = len(NODE_KEYS) - len(ALL_ATTRIBUTES)  # (the keys every node has)
_NODE_KINDS = {k.value: k for k in NodeKind}


def genome_to_dict(g: Genome, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Plain JSON-ready data; :func:`genome_from_dict` reads it back into an equal genome."""
    dynamics = dynamics_in_use(g)
    d: dict[str, Any] = {
        "schema": SCHEMA, "version": VERSION,
        "network": "feedforward" if g.feed_forward else "recurrent",
        "inputs": list(g.input_ids), "bias": g.bias_id, "outputs": list(g.output_ids),
        "nodes": [{"id": n.id, "kind": n.kind.value, "bias": n.bias, "response": n.response,
                   "activation": n.activation, "aggregation": n.aggregation, **{a: getattr(n, a) for a in dynamics}}
                  for n in sorted(g.nodes.values(), key=lambda n: n.id)],
        "connections": [{"innovation": c.innovation, "in": c.in_node, "out": c.out_node, "weight": c.weight,
                         "enabled": c.enabled} for c in sorted(g.conns.values(), key=lambda c: c.innovation)],
        "key": g.key, "fitness": g.fitness, "species": g.species, "parents": list(g.parents),
    }
    if metadata:
        d["metadata"] = metadata
    return d


def dynamics_in_use(g: Genome) -> list[str]:
    """The dynamical attributes of the models for which some node of ``g`` differs from the defaults (those a genome
    file lists for every node).

    >>> from topoevo.genome.genes import NodeGene, NodeKind
    >>> g = Genome({0: NodeGene(0, NodeKind.OUTPUT, time_constant=0.5)}, {}, (), (0,), None, False)
    >>> dynamics_in_use(g)
    ['time_constant']
    """
    nodes = g.nodes.values()
    return [a.name for attrs in NODE_ATTRIBUTES.values()
            if any(getattr(n, a.name) != a.init for n in nodes for a in attrs) for a in attrs]


MAX_ID = 2**63  # ids, innovations and keys are 64-bit integers (torch indexes them)


def _finite(v: int | float) -> bool:
    """A number that is a finite double (a huge integer is not: it cannot be converted)."""
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def show(v: Any, limit: int = 60) -> str:
    """``repr(v)`` cut to ``limit`` characters (and safe for integers too long to print)."""
    try:
        text = repr(v)
    except ValueError:  # an integer beyond sys.get_int_max_str_digits()
        text = "a huge integer"
    return text if len(text) <= limit else text[:limit - 3] + "..."


class _Reader:
    def __init__(self, source: str | None):
        self.source = source

    def fail(self, field: str, msg: str) -> GenomeFileError:
        return GenomeFileError(msg, source=self.source, field=field)

    def get(self, d: Any, key: str, kind: type | tuple, where: str, optional: bool = False) -> Any:
        if not isinstance(d, dict):
            raise self.fail(where, f"expected an object, got {type(d).__name__}")
        if key not in d:
            if optional:
                return None
            raise self.fail(f"{where}.{key}" if where else key, "missing")
        v = d[key]
        t = type(v)  # (the common cases first: exact types, checked without building the field's name)
        if t is kind and (t is str or t is list or t is dict or t is bool):
            return v
        if kind is float and (t is float or t is int) and _finite(v) and (t is float or -MAX_ID <= v < MAX_ID):
            return float(v)
        if kind is int and t is int and -MAX_ID <= v < MAX_ID:
            return v
        name = f"{where}.{key}" if where else key
        if v is None and optional:
            return None
        if kind is float:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not _finite(v):
                raise self.fail(name, f"expected a finite number, got {show(v)}")
            return float(v)
        if kind is int and (isinstance(v, bool) or not isinstance(v, int)):
            raise self.fail(name, f"expected an integer, got {show(v)}")
        if kind is int and not -MAX_ID <= v < MAX_ID:
            raise self.fail(name, f"expected an integer in [-2**63, 2**63), got {show(v)}")
        if not isinstance(v, kind):
            expected = {str: "a string", bool: "true or false", list: "a list", dict: "an object"}.get(kind, kind)
            raise self.fail(name, f"expected {expected}, got {show(v)}")
        return v

    def known_keys(self, d: Any, keys: tuple[str, ...], where: str) -> None:
        """Reject keys not in ``keys`` with a did-you-mean (a misspelt key is never silently ignored)."""
        if not isinstance(d, dict):
            raise self.fail(where or "<top>", f"expected an object, got {type(d).__name__}")
        for key in d:
            if key not in keys:
                close = difflib.get_close_matches(str(key), keys, n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise self.fail(f"{where}.{key}" if where else str(key),
                                f"unknown key{hint}; valid keys: {', '.join(keys)}")


def genome_from_dict(d: Any, source: str | Path | None = None) -> Genome:
    """Validate and build a genome; any problem raises :class:`GenomeFileError` naming the field."""
    r = _Reader(str(source) if source is not None else None)
    if not isinstance(d, dict):
        raise r.fail("<top>", "expected a JSON object")
    if d.get("schema") != SCHEMA:
        raise r.fail("schema", f"expected {SCHEMA!r}, got {show(d.get('schema'))}")
    r.known_keys(d, TOP_KEYS, "")
    version = r.get(d, "version", int, "")
    if version != VERSION:
        raise r.fail("version", f"unsupported schema version {version} (this topoevo reads {VERSION})")
    network = r.get(d, "network", str, "")
    if network not in ("feedforward", "recurrent"):
        raise r.fail("network", f"expected 'feedforward' or 'recurrent', got {show(network)}")
    inputs = r.get(d, "inputs", list, "")
    outputs = r.get(d, "outputs", list, "")
    for name, ids in (("inputs", inputs), ("outputs", outputs)):
        for i, v in enumerate(ids):
            if isinstance(v, bool) or not isinstance(v, int):
                raise r.fail(f"{name}[{i}]", f"expected a node id (integer), got {show(v)}")
    bias = r.get(d, "bias", int, "", optional=True)
    nodes: dict[int, NodeGene] = {}
    node_index: dict[int, int] = {}
    for i, nd in enumerate(r.get(d, "nodes", list, "")):
        w = f"nodes[{i}]"
        r.known_keys(nd, NODE_KEYS, w)
        nid = r.get(nd, "id", int, w)
        kind = r.get(nd, "kind", str, w)
        kind_enum = _NODE_KINDS.get(kind)
        if kind_enum is None:
            raise r.fail(f"{w}.kind", f"expected one of input, bias, hidden, output, got {show(kind)}")
        act = r.get(nd, "activation", str, w)
        if act not in ACTIVATIONS:
            raise r.fail(f"{w}.activation", f"unknown activation {show(act)}; expected one of {', '.join(ACTIVATIONS)}")
        agg = r.get(nd, "aggregation", str, w)
        if agg not in AGGREGATIONS:
            raise r.fail(f"{w}.aggregation",
                         f"unknown aggregation {show(agg)}; expected one of {', '.join(AGGREGATIONS)}")
        if nid in nodes:
            raise r.fail(f"{w}.id", f"duplicate node id {nid}")
        node = nodes[nid] = NodeGene(nid, kind_enum, r.get(nd, "bias", float, w), r.get(nd, "response", float, w), act,
                                     agg)
        if len(nd) > _BASE_NODE_KEYS:  # (known_keys passed: the extra keys are dynamical attributes)
            for name in ALL_ATTRIBUTES:
                value = r.get(nd, name, float, w, optional=True)
                if value is not None:
                    setattr(node, name, value)
        node_index[nid] = i
    conns: dict[int, ConnectionGene] = {}
    conn_index: dict[int, int] = {}
    for i, cd in enumerate(r.get(d, "connections", list, "")):
        w = f"connections[{i}]"
        r.known_keys(cd, CONNECTION_KEYS, w)
        inn = r.get(cd, "innovation", int, w)
        if inn in conns:
            raise r.fail(f"{w}.innovation", f"duplicate innovation {inn}")
        conns[inn] = ConnectionGene(inn, r.get(cd, "in", int, w), r.get(cd, "out", int, w),
                                    r.get(cd, "weight", float, w), r.get(cd, "enabled", bool, w))
        conn_index[inn] = i
    _check_structure(r, nodes, node_index, conns, conn_index, inputs, outputs, bias, network == "feedforward")
    g = Genome(nodes, conns, tuple(inputs), tuple(outputs), bias, network == "feedforward",
               r.get(d, "key", int, "", optional=True) or 0)
    g.fitness = r.get(d, "fitness", float, "", optional=True)
    g.species = r.get(d, "species", int, "", optional=True)
    parents = r.get(d, "parents", list, "", optional=True) or []
    for i, v in enumerate(parents):
        if isinstance(v, bool) or not isinstance(v, int):
            raise r.fail(f"parents[{i}]", f"expected a genome key (integer), got {show(v)}")
    g.parents = tuple(parents)
    problems = g.problems()
    if problems:
        raise r.fail("<genome>", f"invalid genome: {problems[0]}")
    return g


def _check_structure(r: _Reader, nodes: dict[int, NodeGene], node_index: dict[int, int],
                     conns: dict[int, ConnectionGene], conn_index: dict[int, int], inputs: list[int],
                     outputs: list[int], bias: int | None, feed_forward: bool) -> None:
    """The invariants of :meth:`Genome.problems`, each reported at the field that breaks it."""
    expected: dict[int, NodeKind] = {}
    for name, ids, kind in (("inputs", inputs, NodeKind.INPUT), ("outputs", outputs, NodeKind.OUTPUT),
                            ("bias", [] if bias is None else [bias], NodeKind.BIAS)):
        for j, nid in enumerate(ids):
            where = name if name == "bias" else f"{name}[{j}]"
            if nid not in nodes:
                raise r.fail(where, f"node {nid} is not in nodes")
            if nid in expected:
                raise r.fail(where, f"node {nid} is listed twice among inputs, outputs and bias")
            expected[nid] = kind
    for nid, node in nodes.items():
        want = expected.get(nid, NodeKind.HIDDEN)
        if node.kind is not want:
            raise r.fail(f"nodes[{node_index[nid]}].kind", f"expected {want.value!r} for node {nid}, "
                                                            f"got {node.kind.value!r}")
    pairs: dict[tuple[int, int], int] = {}
    for inn, c in conns.items():
        w = f"connections[{conn_index[inn]}]"
        for end, nid in (("in", c.in_node), ("out", c.out_node)):
            if nid not in nodes:
                raise r.fail(f"{w}.{end}", f"node {nid} is not in nodes")
        if nodes[c.out_node].kind.is_sensor:
            raise r.fail(f"{w}.out", f"node {c.out_node} is a sensor ({nodes[c.out_node].kind.value}); nothing may "
                                     "feed it")
        if (c.in_node, c.out_node) in pairs:
            raise r.fail(w, f"duplicates the link {c.in_node}->{c.out_node} of "
                            f"connections[{pairs[c.in_node, c.out_node]}]")
        pairs[c.in_node, c.out_node] = conn_index[inn]
    links = [p for p in pairs if p[0] != p[1]]
    has_in, has_out = {b for _, b in links}, {a for a, _ in links}
    for nid, node in nodes.items():
        if node.kind is NodeKind.HIDDEN and (nid not in has_in or nid not in has_out):
            raise r.fail(f"nodes[{node_index[nid]}]", f"hidden node {nid} is dangling "
                                                      "(no incoming or no outgoing connection)")
    if feed_forward and has_cycle(nodes, conns.values()):
        raise r.fail("connections", "a feed-forward genome may not contain a cycle (use network = 'recurrent')")


def save_genome(g: Genome, path: str | Path, metadata: dict[str, Any] | None = None) -> None:
    write_json_atomic(path, genome_to_dict(g, metadata))


def load_genome(path: str | Path) -> Genome:
    return genome_from_dict(read_json(path, GenomeFileError), source=path)


def load_genome_with_metadata(path: str | Path) -> tuple[Genome, dict[str, Any]]:
    data = read_json(path, GenomeFileError)
    g = genome_from_dict(data, source=path)
    meta = data.get("metadata") or {}
    if not isinstance(meta, dict):
        raise GenomeFileError("expected an object", source=path, field="metadata")
    return g, meta


def to_networkx(g: Genome):
    """A ``networkx.DiGraph``: node attributes are the node genes, edge attributes the connection genes."""
    import networkx as nx

    graph = nx.DiGraph(inputs=list(g.input_ids), outputs=list(g.output_ids), bias=g.bias_id,
                       feed_forward=g.feed_forward, key=g.key, fitness=g.fitness, species=g.species,
                       parents=list(g.parents))
    for n in g.nodes.values():
        graph.add_node(n.id, kind=n.kind.value, bias=n.bias, response=n.response, activation=n.activation,
                       aggregation=n.aggregation, **{a: getattr(n, a) for a in ALL_ATTRIBUTES})
    for c in g.conns.values():
        graph.add_edge(c.in_node, c.out_node, innovation=c.innovation, weight=c.weight, enabled=c.enabled)
    return graph


def from_networkx(graph) -> Genome:
    """The inverse of :func:`to_networkx`."""
    nodes = {n: NodeGene(n, NodeKind(a["kind"]), a["bias"], a["response"], a["activation"], a["aggregation"],
                         *(a.get(x, ALL_ATTRIBUTES[x].init) for x in ALL_ATTRIBUTES))
             for n, a in graph.nodes(data=True)}
    conns = {a["innovation"]: ConnectionGene(a["innovation"], u, v, a["weight"], a["enabled"])
             for u, v, a in graph.edges(data=True)}
    attrs = graph.graph
    return Genome(nodes, conns, tuple(attrs["inputs"]), tuple(attrs["outputs"]), attrs["bias"], attrs["feed_forward"],
                  attrs.get("key", 0), attrs.get("fitness"), attrs.get("species"), tuple(attrs.get("parents", ())))
