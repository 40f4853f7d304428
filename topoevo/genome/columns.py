"""Many genomes as one compact JSON object of columns (checkpoints): every gene field is one array, stored as
base64 of its little-endian bytes (integers in their narrowest width; a field every row shares as one value). No
pickle; reading checks every array (type, length, values) and every genome's invariants (one compiled pass), and
names the field of anything wrong. ~5x smaller and ~10x faster to write and read than a list of genome objects.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
from itertools import chain, islice, starmap
from operator import attrgetter
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.dynamics.attributes import ALL_ATTRIBUTES
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind
from topoevo.genome.genome import Genome
from topoevo.genome.store import (ACTIVATION_NAMES, AGGREGATION_NAMES, CONN_COLUMNS, KIND_LIST, NODE_COLUMNS, Column,
                                  PopulationStore, StoredGenome)

FORMAT = "topoevo.genome_columns"
#: version 2 stores each integer column in the narrowest little-endian width that holds its values (named in the
#: object's ``dtypes``) and a column whose rows all hold one value as that value (``constant``); version 1 (every
#: integer column 64-bit, every column an array) is still read
VERSION = 2
READS = (1, 2)
KINDS = tuple(NodeKind)  # column code -> kind
_KIND_CODE = {k: i for i, k in enumerate(KINDS)}
#: column name -> little-endian dtype
DTYPES = {"key": "<i8", "fitness": "<f8", "species": "<i8", "parent_counts": "<i8", "parents": "<i8",
          "node_counts": "<i8", "node_id": "<i8", "node_kind": "u1", "node_bias": "<f8", "node_response": "<f8",
          "node_activation": "<i8", "node_aggregation": "<i8", "conn_counts": "<i8", "innovation": "<i8",
          "conn_in": "<i8", "conn_out": "<i8", "conn_weight": "<f8", "conn_enabled": "u1"}
#: optional node columns: the dynamical attributes (topoevo/dynamics/attributes.py), written when some node of the
#: population differs from their defaults, read as the defaults when absent
DYNAMICS_DTYPES = {f"node_{name}": "<f8" for name in ALL_ATTRIBUTES}
#: the widths a 64-bit integer column may be stored in (version 2), narrowest first
INT_WIDTHS = ("|i1", "<i2", "<i4", "<i8")
_INT_RANGES = tuple((w, int(np.iinfo(w).min), int(np.iinfo(w).max)) for w in INT_WIDTHS)


def narrowest(a: np.ndarray) -> str:
    """The narrowest of :data:`INT_WIDTHS` that holds every value of the integer array ``a``.

    >>> narrowest(np.array([0, 127])), narrowest(np.array([-129])), narrowest(np.array([], dtype=np.int64))
    ('|i1', '<i2', '|i1')
    """
    return _width(int(a.min()), int(a.max())) if len(a) else INT_WIDTHS[0]


def _width(lo: int, hi: int) -> str:
    return next(w for w, wmin, wmax in _INT_RANGES if wmin <= lo and hi <= wmax)


#: store columns whose checkpoint field is not ``<table>_<column>``
_FIELD_NAMES = {("conn", "innovation"): "innovation", ("conn", "in_node"): "conn_in", ("conn", "out_node"): "conn_out"}


def column_field(table: str, column: Column) -> str:
    """The columns object's field of a store column (``table``: "node" or "conn").

    >>> column_field("node", NODE_COLUMNS[2]), column_field("conn", CONN_COLUMNS[1])
    ('node_bias', 'conn_in')
    """
    return _FIELD_NAMES.get((table, column.name), f"{table}_{column.name}")


def encode_ints(values: Any) -> dict[str, str]:
    """Integers as ``{"dtype": narrowest width, "data": base64 of their little-endian bytes}`` (checkpoint tables
    of plain integers: far cheaper to write and read as JSON than a list of numbers).

    >>> encode_ints([1, 2, 300])
    {'dtype': '<i2', 'data': 'AQACACwB'}
    >>> decode_ints(encode_ints([1, 2, 300]), ValueError).tolist()
    [1, 2, 300]
    """
    a = np.asarray(values, dtype=np.int64)
    dtype = narrowest(a)
    return {"dtype": dtype, "data": _encode(a, dtype)}


def decode_ints(d: Any, fail: Callable[[str, str], Exception]) -> np.ndarray:
    """:func:`encode_ints` output back as 64-bit integers; anything malformed raises ``fail(field, message)``."""
    if not isinstance(d, dict) or d.get("dtype") not in INT_WIDTHS or not isinstance(d.get("data"), str):
        raise fail("", f"expected {{\"dtype\": one of {', '.join(INT_WIDTHS)}, \"data\": base64}}")
    try:
        raw = base64.b64decode(d["data"].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise fail(".data", "not valid base64") from None
    if len(raw) % np.dtype(d["dtype"]).itemsize:
        raise fail(".data", f"{len(raw)} bytes is not a whole number of {d['dtype']} values")
    return np.frombuffer(raw, dtype=d["dtype"]).astype(np.int64)


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
    if not genomes:  # (e.g. no species representative outside the population: most checkpoints)
        return json.loads(_EMPTY_TEXT)
    if isinstance(genomes[0], StoredGenome):  # a population of the array store: its arrays
        return _store_columns(genomes, shape)
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
        **{f"node_{name}": col(attrgetter(name), flat_nodes, np.float64) for name in ALL_ATTRIBUTES},
    }
    return _columns(genomes, shape, act_names, agg_names, arrays)


def _columns(genomes: Sequence[Genome], shape: tuple, act_names: list[str], agg_names: list[str],
             arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    dtypes, constant = {}, {}
    for name, canonical in (*DTYPES.items(), *DYNAMICS_DTYPES.items()):
        a = arrays[name]
        if canonical == "<f8":
            if name in DYNAMICS_DTYPES and not (a != ALL_ATTRIBUTES[name[5:]].init).any():
                continue  # (left out: the defaults)
            dtypes[name] = canonical
            if name != "fitness" and len(a) > 1:
                bits = a.view(np.int64)  # (bit for bit: -0.0 is not 0.0)
                if (bits == bits[0]).all():
                    constant[name] = float(a[0])
            continue
        lo, hi = (int(a.min()), int(a.max())) if len(a) else (0, 0)
        dtypes[name] = canonical if canonical != "<i8" else _width(lo, hi)
        if len(a) > 1 and lo == hi:
            constant[name] = lo
    return {"format": FORMAT, "version": VERSION, "genomes": len(genomes),
            "network": "feedforward" if shape[3] else "recurrent", "inputs": list(shape[0]),
            "outputs": list(shape[1]), "bias": shape[2], "activations": act_names, "aggregations": agg_names,
            "dtypes": {name: dtype for name, dtype in dtypes.items() if dtype != DTYPES.get(name, dtype)},
            "constant": constant,
            **{name: _encode(arrays[name], dtype) for name, dtype in dtypes.items() if name not in constant}}


def _store_columns(genomes: Sequence[Genome], shape: tuple) -> dict[str, Any]:
    """:func:`genomes_to_columns` from the genomes' population store (no gene object built)."""
    store = PopulationStore.of(genomes)
    n, c = store.nodes, store.conns
    if store.dict_position is not None:  # the genomes' own connection order
        order = np.argsort(store.dict_position, kind="stable")
        c = {k: v[order] for k, v in c.items()}

    def coded(codes: np.ndarray, names: tuple[str, ...]) -> tuple[list[str], np.ndarray]:
        used = sorted(names[i] for i in np.flatnonzero(np.bincount(codes, minlength=len(names))).tolist())
        lookup = np.zeros(len(names), dtype=np.int64)
        lookup[[names.index(u) for u in used]] = np.arange(len(used))
        return used, lookup[codes]

    act_names, act = coded(n["activation"], ACTIVATION_NAMES)
    agg_names, agg = coded(n["aggregation"], AGGREGATION_NAMES)
    arrays = {
        "key": np.fromiter(map(attrgetter("key"), genomes), dtype=np.int64, count=len(genomes)),
        "fitness": np.array([math.nan if g.fitness is None else g.fitness for g in genomes], dtype=np.float64),
        "species": np.array([-1 if g.species is None else g.species for g in genomes], dtype=np.int64),
        "parent_counts": np.fromiter((len(g.parents) for g in genomes), dtype=np.int64, count=len(genomes)),
        "parents": np.fromiter(chain.from_iterable(g.parents for g in genomes), dtype=np.int64),
        "node_counts": np.diff(store.node_offsets), "node_id": n["id"],
        "node_kind": np.array([_KIND_CODE[k] for k in KIND_LIST], dtype=np.uint8)[n["kind"]],
        "node_bias": n["bias"], "node_response": n["response"], "node_activation": act, "node_aggregation": agg,
        "conn_counts": np.diff(store.conn_offsets), "innovation": c["innovation"], "conn_in": c["in_node"],
        "conn_out": c["out_node"], "conn_weight": c["weight"], "conn_enabled": c["enabled"],
        **{f"node_{name}": n[name] for name in ALL_ATTRIBUTES},
    }
    return _columns(genomes, shape, act_names, agg_names, arrays)


def _empty_columns() -> dict[str, Any]:
    none = np.zeros(0, dtype=np.int64)
    return _columns([], ((), (), None, True), [], [], {name: none.astype(np.float64) if dtype == "<f8" else none
                                                        for name, dtype in (*DTYPES.items(), *DYNAMICS_DTYPES.items())})


_EMPTY = _empty_columns()  # the columns of no genome (made once; handed out as copies)
_EMPTY_TEXT = json.dumps(_EMPTY)


def is_columns(d: Any) -> bool:
    """Is ``d`` a columns object (rather than, e.g., the list of genome objects older checkpoints hold)?"""
    return isinstance(d, dict) and d.get("format") == FORMAT


def _constants(d: dict[str, Any], version: int, dtypes: dict[str, str],
               fail: Callable[[str, str], Exception]) -> dict[str, int | float]:
    """The ``constant`` object of a version-2 columns object: the columns every row of which holds one value
    (stored as that value instead of an array), each value checked against its column's type and width."""
    if version < 2:
        return {}
    constant = d.get("constant")
    if not isinstance(constant, dict):
        raise fail("constant", "missing or not an object")
    for name, value in constant.items():
        dtype = dtypes.get(name) or DYNAMICS_DTYPES.get(name)
        where = f"constant.{name}"[:80]
        if name == "fitness" or dtype is None:
            raise fail(where, "expected a gene or count column")
        if name in d:
            raise fail(where, "a column stored both as an array and as one value")
        kind = np.dtype(dtype).kind
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (kind == "f" and not math.isfinite(value)) or \
                (kind != "f" and not (isinstance(value, int) and np.iinfo(dtype).min <= value <= np.iinfo(dtype).max)):
            raise fail(where, f"expected a {'finite number' if kind == 'f' else f'{dtype} integer'}, got "
                              f"{value!r}"[:200])
    return constant


def decode_columns(d: Any, fail: Callable[[str, str], Exception]) -> tuple[int, dict[str, tuple[int, ...]], int | None,
                                                                  dict[str, list[str]], dict[str, np.ndarray]]:
    """The checked arrays of a columns object: (genomes, input and output ids, bias id, function names, arrays; the
    integer columns as 64-bit integers whatever width they were stored in)."""
    if not is_columns(d):
        raise fail("format", f"expected {FORMAT!r}")
    version = d.get("version")
    if version not in READS or isinstance(version, bool):
        raise fail("version", f"unsupported version {version!r} (this topoevo reads {' and '.join(map(str, READS))})")
    dtypes = dict(DTYPES)
    if version >= 2:
        stored = d.get("dtypes")
        if not isinstance(stored, dict):
            raise fail("dtypes", "missing or not an object")
        for name, dtype in stored.items():
            if DTYPES.get(name) != "<i8" or dtype not in INT_WIDTHS:
                raise fail(f"dtypes.{name}"[:80], f"expected an integer column and one of {', '.join(INT_WIDTHS)}")
            dtypes[name] = dtype
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
    constant = _constants(d, version, dtypes, fail)
    a: dict[str, np.ndarray] = {}
    for name, dtype in dtypes.items():
        if name in constant:
            continue
        text = d.get(name)
        if not isinstance(text, str):
            raise fail(name, "missing or not a base64 string")
        try:
            raw = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise fail(name, "not valid base64") from None
        if len(raw) % np.dtype(dtype).itemsize:
            raise fail(name, f"{len(raw)} bytes is not a whole number of {dtype} values")
        a[name] = np.frombuffer(raw, dtype=dtype) if dtype == DTYPES[name] else \
            np.frombuffer(raw, dtype=dtype).astype(np.int64)
    for name, dtype in DYNAMICS_DTYPES.items():
        if name not in d or name in constant:
            continue
        text = d[name]
        try:
            raw = base64.b64decode(text.encode("ascii"), validate=True) if isinstance(text, str) else None
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = None
        if raw is None or len(raw) % 8:
            raise fail(name, "not a base64 string of float64 values")
        a[name] = np.frombuffer(raw, dtype=dtype)
    for name, length in (("key", n), ("fitness", n), ("species", n), ("parent_counts", n), ("node_counts", n),
                         ("conn_counts", n)):
        if name in constant:
            a[name] = np.full(length, constant[name], dtype=DTYPES[name])
        if len(a[name]) != length:
            raise fail(name, f"expected {length} values, got {len(a[name])}")
    for counts, cols in (("parent_counts", ("parents",)),
                         ("node_counts", ("node_id", "node_kind", "node_bias", "node_response", "node_activation",
                                          "node_aggregation", *DYNAMICS_DTYPES)),
                         ("conn_counts", ("innovation", "conn_in", "conn_out", "conn_weight", "conn_enabled"))):
        if (a[counts] < 0).any():
            raise fail(counts, "negative count")
        total = int(a[counts].sum())
        for name in cols:  # (columns stored as one value; dynamical attributes left out: at their defaults)
            if name in constant:
                a[name] = np.full(total, constant[name], dtype=DTYPES.get(name) or DYNAMICS_DTYPES[name])
            elif name not in a:
                a[name] = np.full(total, ALL_ATTRIBUTES[name[5:]].init)
            if len(a[name]) != total:
                raise fail(name, f"expected {total} values (the sum of {counts}), got {len(a[name])}")
    for name in ("fitness", "node_bias", "node_response", "conn_weight", *DYNAMICS_DTYPES):
        bad = ~np.isfinite(a[name]) if name != "fitness" else np.isinf(a[name])
        if bad.any():
            raise fail(name, "expected finite numbers")
    for name, limit in (("node_kind", len(KINDS)), ("node_activation", len(names["activations"])),
                        ("node_aggregation", len(names["aggregations"])), ("conn_enabled", 2)):
        if len(a[name]) and (a[name].min() < 0 or a[name].max() >= limit):
            raise fail(name, f"expected codes in [0, {limit})")

    return n, ids, bias, names, a


def genomes_from_columns(d: Any, fail: Callable[[str, str], Exception]) -> list[Genome]:
    """Read :func:`genomes_to_columns` output back into genomes. Anything malformed raises ``fail(field, message)``
    (the caller's error type, e.g. a checkpoint reader's, naming the field below ``d``)."""
    n, ids, bias, names, a = decode_columns(d, fail)
    feed_forward = d["network"] == "feedforward"
    kinds = map(KINDS.__getitem__, a["node_kind"].tolist())
    acts = map(names["activations"].__getitem__, a["node_activation"].tolist())
    aggs = map(names["aggregations"].__getitem__, a["node_aggregation"].tolist())
    node_genes = iter(list(starmap(NodeGene, zip(a["node_id"].tolist(), kinds, a["node_bias"].tolist(),
                                                 a["node_response"].tolist(), acts, aggs,
                                                 *(a[name].tolist() for name in DYNAMICS_DTYPES)))))
    conn_genes = iter(list(starmap(ConnectionGene, zip(a["innovation"].tolist(), a["conn_in"].tolist(),
                                                       a["conn_out"].tolist(), a["conn_weight"].tolist(),
                                                       (a["conn_enabled"] != 0).tolist()))))
    node_ids, innovations, parents = iter(a["node_id"].tolist()), iter(a["innovation"].tolist()), \
        iter(a["parents"].tolist())
    out: list[Genome] = []
    inputs, outputs = ids["inputs"], ids["outputs"]
    for i, (key, fit, sp, np_, nn, nc) in enumerate(zip(a["key"].tolist(), a["fitness"].tolist(),
                                                         a["species"].tolist(), a["parent_counts"].tolist(),
                                                         a["node_counts"].tolist(), a["conn_counts"].tolist())):
        nodes = dict(zip(islice(node_ids, nn), islice(node_genes, nn)))
        conns = dict(zip(islice(innovations, nc), islice(conn_genes, nc)))
        if len(nodes) != nn or len(conns) != nc:
            raise fail(f"[{i}]", f"genome {i} lists a node id or an innovation twice")
        out.append(Genome(nodes, conns, inputs, outputs, bias, feed_forward, key, None if fit != fit else fit,
                          None if sp < 0 else sp, tuple(islice(parents, np_))))
    suspects = invalid_genomes(a, ids["inputs"], ids["outputs"], bias, feed_forward, names["activations"],
                               names["aggregations"])
    for i in [*suspects.tolist(), *(range(len(out)) if suspects.size else ())]:  # (all: never trust a miss)
        problems = out[i].problems()
        if problems:
            raise fail(f"[{i}]", f"invalid genome {i}: {problems[0]}")
    return out


def stored_genomes_from_columns(d: Any, fail: Callable[[str, str], Exception]) -> list[StoredGenome]:
    """:func:`genomes_from_columns` into a population store: the genomes as untouched
    :class:`~topoevo.genome.store.StoredGenome` views (no gene object built), every array and invariant checked
    the same way (a genome that breaks one is named by the same error)."""
    if d == _EMPTY:  # (no genome: nothing to check beyond this equality)
        return []
    n, ids, bias, names, a = decode_columns(d, fail)
    feed_forward = d["network"] == "feedforward"
    if n == 0:
        return []
    if invalid_genomes(a, ids["inputs"], ids["outputs"], bias, feed_forward, names["activations"],
                                 names["aggregations"]).size:
        return genomes_from_columns(d, fail)  # (raises the error naming the genome)
    coded = {"kind": np.array([KIND_LIST.index(k) for k in KINDS], dtype=np.int64),
             "activation": np.array([ACTIVATION_NAMES.index(x) for x in names["activations"]], dtype=np.int64),
             "aggregation": np.array([AGGREGATION_NAMES.index(x) for x in names["aggregations"]], dtype=np.int64)}

    def column(table: str, c: Column) -> np.ndarray:
        values = a[column_field(table, c)]
        return (coded[c.name][values] if c.values is not None else values).astype(c.dtype)

    store = PopulationStore.from_arrays(_offsets(a["node_counts"]), _offsets(a["conn_counts"]),
                                        {c.name: column("node", c) for c in NODE_COLUMNS},
                                        {c.name: column("conn", c) for c in CONN_COLUMNS}, ids["inputs"],
                                        ids["outputs"], bias, feed_forward)
    parents = a["parents"].tolist()
    ends = np.cumsum(a["parent_counts"]).tolist()
    views = store.views(a["key"].tolist(), [None if sp < 0 else sp for sp in a["species"].tolist()],
                        [tuple(parents[e - k:e]) for e, k in zip(ends, a["parent_counts"].tolist())])
    for g, f in zip(views, a["fitness"].tolist()):
        g.fitness = None if f != f else f
    return views


def _offsets(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def invalid_genomes(a: dict[str, np.ndarray], inputs: Sequence[int], outputs: Sequence[int], bias: int | None,
                    feed_forward: bool, activations: Sequence[str], aggregations: Sequence[str]) -> np.ndarray:
    """Indices of the genomes of decoded columns ``a`` that break an invariant of :meth:`Genome.problems`, all
    checked in one compiled pass (topoevo/genome/columns_kernels.py: unknown names, missing or mistyped
    input/bias/output nodes, duplicate node ids, innovations or links, missing endpoints, links into sensors, dangling
    hidden nodes, cycles in feed-forward genomes)."""
    from topoevo.genome.activations import ACTIVATIONS, AGGREGATIONS
    from topoevo.genome.columns_kernels import invalid_mask

    def ints(x: Any) -> np.ndarray:
        return np.ascontiguousarray(x, dtype=np.int64)

    def ids(values: Sequence[int]) -> np.ndarray:
        return np.array(sorted(set(values)), dtype=np.int64)

    bias_ids = () if bias is None else (bias,)
    bad = invalid_mask(ints(a["node_counts"]), ints(a["conn_counts"]), ints(a["node_id"]), ints(a["node_kind"]),
                       ints(a["node_activation"]), ints(a["node_aggregation"]),
                       np.asarray([x in ACTIVATIONS for x in activations] + [False], dtype=np.bool_),
                       np.asarray([x in AGGREGATIONS for x in aggregations] + [False], dtype=np.bool_),
                       ids(inputs), ids(outputs), -1 if bias is None else int(bias), bias is not None,
                       ids([*inputs, *outputs, *bias_ids]), ids([*inputs, *bias_ids]), ints(a["innovation"]),
                       ints(a["conn_in"]), ints(a["conn_out"]), bool(feed_forward), _KIND_CODE[NodeKind.INPUT],
                       _KIND_CODE[NodeKind.OUTPUT], _KIND_CODE[NodeKind.BIAS], _KIND_CODE[NodeKind.HIDDEN])
    return np.flatnonzero(bad)
