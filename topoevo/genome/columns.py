"""Many genomes as one compact JSON object of columns (checkpoints): every gene field is one array, stored as
base64 of its little-endian bytes. No pickle; reading checks every array (type, length, values) and every genome's
invariants, and names the field of anything wrong. ~10x smaller and faster to write than a list of genome objects.
"""
from __future__ import annotations

import base64
import binascii
import math
from itertools import chain
from operator import attrgetter
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind
from topoevo.genome.genome import Genome

FORMAT = "topoevo.genome_columns"
VERSION = 1
KINDS = tuple(NodeKind)  # column code -> kind
_KIND_CODE = {k: i for i, k in enumerate(KINDS)}
#: column name -> little-endian dtype
DTYPES = {"key": "<i8", "fitness": "<f8", "species": "<i8", "parent_counts": "<i8", "parents": "<i8",
          "node_counts": "<i8", "node_id": "<i8", "node_kind": "u1", "node_bias": "<f8", "node_response": "<f8",
          "node_activation": "<i8", "node_aggregation": "<i8", "conn_counts": "<i8", "innovation": "<i8",
          "conn_in": "<i8", "conn_out": "<i8", "conn_weight": "<f8", "conn_enabled": "u1"}


def _encode(a: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode("ascii")


def _codes(values: list[str]) -> tuple[list[str], np.ndarray]:
    names = sorted(set(values))
    index = {n: i for i, n in enumerate(names)}
    return names, np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))


def genomes_to_columns(genomes: Sequence[Genome]) -> dict[str, Any]:
    """Columns of genomes that share inputs, outputs, bias node and network type (a NEAT population).

    >>> import random
    >>> from topoevo.genome import initial_genome, InnovationTracker
    >>> from topoevo.config import GenomeConfig
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0))
    >>> [h.structure() for h in genomes_from_columns(genomes_to_columns([g, g]), ValueError)] == [g.structure()] * 2
    True
    """
    first = genomes[0] if genomes else None
    shape = (first.input_ids, first.output_ids, first.bias_id, first.feed_forward) if first else ((), (), None, True)
    for i, g in enumerate(genomes):
        if (g.input_ids, g.output_ids, g.bias_id, g.feed_forward) != shape:
            raise ValueError(f"genome {i} has other inputs, outputs, bias node or network type than genome 0")
    nodes = [list(g.nodes.values()) for g in genomes]
    conns = [list(g.conns.values()) for g in genomes]
    flat_nodes, flat_conns = list(chain.from_iterable(nodes)), list(chain.from_iterable(conns))
    act_names, act = _codes(list(map(attrgetter("activation"), flat_nodes)))
    agg_names, agg = _codes(list(map(attrgetter("aggregation"), flat_nodes)))

    def col(getter: Callable[[Any], Any], items: list[Any], dtype: Any) -> np.ndarray:
        return np.fromiter(map(getter, items), dtype=dtype, count=len(items))

    arrays = {
        "key": col(attrgetter("key"), genomes, np.int64),
        "fitness": np.array([math.nan if g.fitness is None else g.fitness for g in genomes], dtype=np.float64),
        "species": np.array([-1 if g.species is None else g.species for g in genomes], dtype=np.int64),
        "parent_counts": col(len, [g.parents for g in genomes], np.int64),
        "parents": np.fromiter(chain.from_iterable(g.parents for g in genomes), dtype=np.int64),
        "node_counts": col(len, nodes, np.int64),
        "node_id": col(attrgetter("id"), flat_nodes, np.int64),
        "node_kind": col(_KIND_CODE.__getitem__, list(map(attrgetter("kind"), flat_nodes)), np.uint8),
        "node_bias": col(attrgetter("bias"), flat_nodes, np.float64),
        "node_response": col(attrgetter("response"), flat_nodes, np.float64),
        "node_activation": act, "node_aggregation": agg,
        "conn_counts": col(len, conns, np.int64),
        "innovation": col(attrgetter("innovation"), flat_conns, np.int64),
        "conn_in": col(attrgetter("in_node"), flat_conns, np.int64),
        "conn_out": col(attrgetter("out_node"), flat_conns, np.int64),
        "conn_weight": col(attrgetter("weight"), flat_conns, np.float64),
        "conn_enabled": col(attrgetter("enabled"), flat_conns, np.uint8),
    }
    return {"format": FORMAT, "version": VERSION, "genomes": len(genomes),
            "network": "feedforward" if shape[3] else "recurrent", "inputs": list(shape[0]),
            "outputs": list(shape[1]), "bias": shape[2], "activations": act_names, "aggregations": agg_names,
            **{name: _encode(a, DTYPES[name]) for name, a in arrays.items()}}


def is_columns(d: Any) -> bool:
    """Is ``d`` a columns object (rather than, e.g., the list of genome objects older checkpoints hold)?"""
    return isinstance(d, dict) and d.get("format") == FORMAT


def genomes_from_columns(d: Any, fail: Callable[[str, str], Exception]) -> list[Genome]:
    """Read :func:`genomes_to_columns` output back into genomes. Anything malformed raises ``fail(field, message)``
    (the caller's error type, e.g. a checkpoint reader's, naming the field below ``d``)."""
    if not is_columns(d):
        raise fail("format", f"expected {FORMAT!r}")
    if d.get("version") != VERSION:
        raise fail("version", f"unsupported version {d.get('version')!r} (this topoevo reads {VERSION})")
    n = d.get("genomes")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise fail("genomes", f"expected a genome count, got {n!r}"[:200])
    if d.get("network") not in ("feedforward", "recurrent"):
        raise fail("network", "expected 'feedforward' or 'recurrent'")
    ids = {}
    for name in ("inputs", "outputs"):
        v = d.get(name)
        if not isinstance(v, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            raise fail(name, "expected a list of node ids")
        ids[name] = tuple(v)
    bias = d.get("bias")
    if bias is not None and (not isinstance(bias, int) or isinstance(bias, bool)):
        raise fail("bias", "expected a node id or null")
    names = {}
    for name in ("activations", "aggregations"):
        v = d.get(name)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise fail(name, "expected a list of names")
        names[name] = v
    a: dict[str, np.ndarray] = {}
    for name, dtype in DTYPES.items():
        text = d.get(name)
        if not isinstance(text, str):
            raise fail(name, "missing or not a base64 string")
        try:
            raw = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise fail(name, "not valid base64") from None
        if len(raw) % np.dtype(dtype).itemsize:
            raise fail(name, f"{len(raw)} bytes is not a whole number of {dtype} values")
        a[name] = np.frombuffer(raw, dtype=dtype)
    for name, length in (("key", n), ("fitness", n), ("species", n), ("parent_counts", n), ("node_counts", n),
                         ("conn_counts", n)):
        if len(a[name]) != length:
            raise fail(name, f"expected {length} values, got {len(a[name])}")
    for counts, cols in (("parent_counts", ("parents",)),
                         ("node_counts", ("node_id", "node_kind", "node_bias", "node_response", "node_activation",
                                          "node_aggregation")),
                         ("conn_counts", ("innovation", "conn_in", "conn_out", "conn_weight", "conn_enabled"))):
        if (a[counts] < 0).any():
            raise fail(counts, "negative count")
        total = int(a[counts].sum())
        for name in cols:
            if len(a[name]) != total:
                raise fail(name, f"expected {total} values (the sum of {counts}), got {len(a[name])}")
    for name in ("fitness", "node_bias", "node_response", "conn_weight"):
        bad = ~np.isfinite(a[name]) if name != "fitness" else np.isinf(a[name])
        if bad.any():
            raise fail(name, "expected finite numbers")
    for name, limit in (("node_kind", len(KINDS)), ("node_activation", len(names["activations"])),
                        ("node_aggregation", len(names["aggregations"])), ("conn_enabled", 2)):
        if len(a[name]) and (a[name].min() < 0 or a[name].max() >= limit):
            raise fail(name, f"expected codes in [0, {limit})")

    feed_forward = d["network"] == "feedforward"
    kinds = [KINDS[k] for k in a["node_kind"].tolist()]
    acts = [names["activations"][k] for k in a["node_activation"].tolist()]
    aggs = [names["aggregations"][k] for k in a["node_aggregation"].tolist()]
    node_rows = list(zip(a["node_id"].tolist(), kinds, a["node_bias"].tolist(), a["node_response"].tolist(), acts,
                         aggs))
    conn_rows = list(zip(a["innovation"].tolist(), a["conn_in"].tolist(), a["conn_out"].tolist(),
                         a["conn_weight"].tolist(), map(bool, a["conn_enabled"].tolist())))
    parents = a["parents"].tolist()
    out: list[Genome] = []
    pn = pc = pp = 0
    for i, (key, fit, sp, np_, nn, nc) in enumerate(zip(a["key"].tolist(), a["fitness"].tolist(),
                                                         a["species"].tolist(), a["parent_counts"].tolist(),
                                                         a["node_counts"].tolist(), a["conn_counts"].tolist())):
        nodes = {r[0]: NodeGene(*r) for r in node_rows[pn:pn + nn]}
        conns = {r[0]: ConnectionGene(*r) for r in conn_rows[pc:pc + nc]}
        if len(nodes) != nn or len(conns) != nc:
            raise fail(f"[{i}]", f"genome {i} lists a node id or an innovation twice")
        g = Genome(nodes, conns, ids["inputs"], ids["outputs"], bias, feed_forward, key,
                   None if math.isnan(fit) else fit, None if sp < 0 else sp, tuple(parents[pp:pp + np_]))
        problems = g.problems()
        if problems:
            raise fail(f"[{i}]", f"invalid genome {i}: {problems[0]}")
        out.append(g)
        pn, pc, pp = pn + nn, pc + nc, pp + np_
    return out
