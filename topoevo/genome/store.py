"""A population of genomes as arrays (struct of arrays): one node table and one connection table for all genomes,
genome ``k`` owning node rows ``node_offsets[k]:node_offsets[k+1]`` (in the genome's node order) and connection
rows ``conn_offsets[k]:conn_offsets[k+1]`` (sorted by innovation number).

The gene attributes stored are declared in one place, :data:`NODE_COLUMNS` and :data:`CONN_COLUMNS` (one entry per
field of :class:`~topoevo.genome.genes.NodeGene` / :class:`~topoevo.genome.genes.ConnectionGene`; a gene field
without a column makes :func:`store_unsupported` name it, and the algorithms then keep the readable reference path).
``Genome`` stays the public object: :meth:`PopulationStore.of` reads genomes in, :meth:`PopulationStore.genomes`
builds them back, equal field for field (node and connection order included, as long as the genome's connections
are in innovation order, which every NEAT operation keeps).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import Any, Sequence

import numpy as np

from topoevo.dynamics.attributes import ALL_ATTRIBUTES
from topoevo.genome.activations import ACTIVATIONS, AGGREGATIONS
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind
from topoevo.genome.genome import Genome

#: node kinds by code (the ``kind`` column)
KIND_LIST: tuple[NodeKind, ...] = tuple(NodeKind)
KIND_CODES: dict[NodeKind, int] = {k: i for i, k in enumerate(KIND_LIST)}
SENSOR_KIND_MAX = max(KIND_CODES[NodeKind.INPUT], KIND_CODES[NodeKind.BIAS])
assert {KIND_CODES[NodeKind.INPUT], KIND_CODES[NodeKind.BIAS]} == set(range(SENSOR_KIND_MAX + 1))
#: the node columns of the dynamical node attributes (in NodeGene's field order)
DYNAMICS_COLUMNS: tuple[str, ...] = tuple(ALL_ATTRIBUTES)
#: activation / aggregation names by code (the ``activation`` / ``aggregation`` columns)
ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
AGGREGATION_NAMES: tuple[str, ...] = tuple(AGGREGATIONS)
ACTIVATION_CODES: dict[str, int] = {a: i for i, a in enumerate(ACTIVATION_NAMES)}
AGGREGATION_CODES: dict[str, int] = {a: i for i, a in enumerate(AGGREGATION_NAMES)}


@lru_cache(maxsize=None)
def _codes(values: tuple[Any, ...]) -> dict[Any, int]:
    return {v: i for i, v in enumerate(values)}


@dataclass(frozen=True)
class Column:
    """One gene field stored as an array: its numpy dtype and, for a field of names or kinds, the codes.

    >>> Column("weight", np.float64).dtype
    <class 'numpy.float64'>
    """

    name: str
    dtype: type
    values: tuple[Any, ...] | None = None  # coded field: the value of each code (stored: the code)

    def encode(self, items: Sequence[Any]) -> np.ndarray:
        """The column of the given genes (one C-level pass)."""
        it = map(attrgetter(self.name), items)
        if self.values is not None:
            it = map(_codes(self.values).__getitem__, it)
        return np.fromiter(it, dtype=self.dtype, count=len(items))

    def decode(self, column: np.ndarray) -> list[Any]:
        values = column.tolist()
        return values if self.values is None else [self.values[i] for i in values]


#: the node table's columns, in NodeGene's field order (the only place a node attribute is declared for arrays)
NODE_COLUMNS: tuple[Column, ...] = (
    Column("id", np.int64), Column("kind", np.int8, KIND_LIST), Column("bias", np.float64),
    Column("response", np.float64), Column("activation", np.int16, ACTIVATION_NAMES),
    Column("aggregation", np.int16, AGGREGATION_NAMES),
    # the dynamical node types' parameters (topoevo/dynamics/attributes.py); other networks keep the defaults
    *(Column(name, np.float64) for name in DYNAMICS_COLUMNS))
#: the connection table's columns, in ConnectionGene's field order
CONN_COLUMNS: tuple[Column, ...] = (
    Column("innovation", np.int64), Column("in_node", np.int64), Column("out_node", np.int64),
    Column("weight", np.float64), Column("enabled", np.bool_))


def _missing_columns() -> list[str]:
    out = []
    for gene, columns in ((NodeGene, NODE_COLUMNS), (ConnectionGene, CONN_COLUMNS)):
        names = [f.name for f in fields(gene)]
        if names != [c.name for c in columns]:
            out.append(f"{gene.__name__} fields {names} are not the store's columns {[c.name for c in columns]}")
    return out


@dataclass
class PopulationStore:
    """Genomes of one shape (same inputs, outputs, bias node, network type) as arrays.

    >>> import random
    >>> from topoevo.genome import initial_genome, InnovationTracker
    >>> from topoevo.config import GenomeConfig
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0))
    >>> s = PopulationStore.of([g, g])
    >>> s.conn_offsets.tolist(), s.conns["innovation"].tolist()
    ([0, 3, 6], [0, 1, 2, 0, 1, 2])
    >>> s.genomes()[1].conns == g.conns
    True
    """

    node_offsets: np.ndarray  # (G + 1,) int64
    conn_offsets: np.ndarray  # (G + 1,) int64
    nodes: dict[str, np.ndarray]  # one array per NODE_COLUMNS entry
    conns: dict[str, np.ndarray]  # one array per CONN_COLUMNS entry
    input_ids: tuple[int, ...]
    output_ids: tuple[int, ...]
    bias_id: int | None
    feed_forward: bool
    #: connection row -> its position in the genomes' own connection order (genome-major, as ``g.conns`` iterates);
    #: None when that is the row order (connections already in innovation order, as NEAT keeps them)
    dict_position: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.node_offsets) - 1

    def enabled_counts(self) -> np.ndarray:
        """Enabled connections per genome (``g.num_enabled()`` for all, without building any gene)."""
        return _segment_sums(self.conns["enabled"], self.conn_offsets)

    def hidden_counts(self) -> np.ndarray:
        """Hidden nodes per genome (``g.num_hidden`` for all, without building any gene)."""
        return _segment_sums(self.nodes["kind"] == KIND_CODES[NodeKind.HIDDEN], self.node_offsets)

    @classmethod
    def of(cls, genomes: Sequence[Genome]) -> "PopulationStore":
        """The genomes as one store. Genomes that are untouched views of stores (:class:`StoredGenome` whose genes
        were never built) are gathered from their stores' arrays; any other genome's genes are read, one C-level
        pass per column, and its connections sorted by innovation."""
        if not genomes:
            raise ValueError("PopulationStore.of needs at least one genome")
        types = set(map(type, genomes))
        if StoredGenome not in types:  # plain genomes only
            return cls._read(genomes)
        one = one_store(genomes, types)
        if one is not None:
            first, rows = one
            if len(first) == len(genomes) and np.array_equal(rows, np.arange(len(genomes))):
                return first
            return first.take(rows)
        sources: dict[int, tuple[PopulationStore, int]] = {}  # id(store) -> (store, index)
        src = np.empty(len(genomes), dtype=np.int64)
        row = np.empty(len(genomes), dtype=np.int64)
        loose: list[Genome] = []
        for i, g in enumerate(genomes):
            st = g._store if type(g) is StoredGenome and g._nodes is None and g._conns is None else None
            if st is None:
                src[i], row[i] = -1, len(loose)
                loose.append(g)
                continue
            entry = sources.get(id(st))
            if entry is None:
                entry = sources[id(st)] = (st, len(sources))
            src[i], row[i] = entry[1], g._row
        if not sources:
            return cls._read(genomes)
        stores = [st for st, _ in sources.values()]
        if len(stores) == 1 and not loose and len(stores[0]) == len(genomes) and \
                np.array_equal(row, np.arange(len(genomes))):
            return stores[0]
        if loose:
            src[src < 0] = len(stores)
            stores.append(cls._read(loose))
        base = np.cumsum([0] + [len(st) for st in stores])
        return _concat(stores).take(base[src] + row)

    @classmethod
    def connections_of(cls, genomes: Sequence[Genome], names: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Connection offsets and the connection columns ``names`` of the genomes, as :meth:`of` has them (for
        untouched views of one store, only these columns are gathered)."""
        one = one_store(genomes, set(map(type, genomes))) if genomes else None
        if one is None:
            store = cls.of(genomes)
            return store.conn_offsets, [store.conns[n] for n in names]
        store, rows = one
        if len(store) == len(rows) and np.array_equal(rows, np.arange(len(rows))):
            return store.conn_offsets, [store.conns[n] for n in names]
        offsets, index = _gather(store.conn_offsets, rows)
        return offsets, [store.conns[n][index] for n in names]

    @classmethod
    def _read(cls, genomes: Sequence[Genome]) -> "PopulationStore":
        g0 = genomes[0]
        node_dicts = list(map(attrgetter("nodes"), genomes))
        conn_dicts = list(map(attrgetter("conns"), genomes))
        node_offsets = _offsets(list(map(len, node_dicts)))
        conn_offsets = _offsets(list(map(len, conn_dicts)))
        all_nodes = list(chain.from_iterable(map(dict.values, node_dicts)))
        all_conns = list(chain.from_iterable(map(dict.values, conn_dicts)))
        nodes = {c.name: c.encode(all_nodes) for c in NODE_COLUMNS}
        conns = {c.name: c.encode(all_conns) for c in CONN_COLUMNS}
        return cls.from_arrays(node_offsets, conn_offsets, nodes, conns, tuple(g0.input_ids), tuple(g0.output_ids),
                               g0.bias_id, g0.feed_forward)

    @classmethod
    def from_arrays(cls, node_offsets: np.ndarray, conn_offsets: np.ndarray, nodes: dict[str, np.ndarray],
                    conns: dict[str, np.ndarray], input_ids: tuple[int, ...], output_ids: tuple[int, ...],
                    bias_id: int | None, feed_forward: bool) -> "PopulationStore":
        """A store of columns whose connections are in each genome's own order: sorted by innovation (the order
        kept in ``dict_position`` when it differs)."""
        inn = conns["innovation"]
        position = None
        if inn.size > 1:
            descending = np.flatnonzero(inn[1:] <= inn[:-1]) + 1  # rows not above their predecessor ...
            first_row = np.zeros(inn.size + 1, dtype=np.bool_)
            first_row[conn_offsets] = True
            if not first_row[descending].all():  # ... other than a genome's first row
                owner = np.repeat(np.arange(len(conn_offsets) - 1), np.diff(conn_offsets))
                position = np.lexsort((inn, owner))
                conns = {k: v[position] for k, v in conns.items()}
        return cls(node_offsets, conn_offsets, nodes, conns, tuple(input_ids), tuple(output_ids), bias_id,
                   feed_forward, position)

    def take(self, rows: np.ndarray, node_columns: Sequence[str] | None = None) -> "PopulationStore":
        """The store of genomes ``rows`` (in that order). ``node_columns``: gather only these node columns (a
        partial store, for a kernel that reads no others; default: all)."""
        node_offsets, node_rows = _gather(self.node_offsets, rows)
        conn_offsets, conn_rows = _gather(self.conn_offsets, rows)
        position = None
        if self.dict_position is not None:  # each genome's rows keep their relative order
            own = self.dict_position[conn_rows] - np.repeat(self.conn_offsets[rows], np.diff(conn_offsets))
            position = own + np.repeat(conn_offsets[:-1], np.diff(conn_offsets))
        nodes = self.nodes if node_columns is None else {k: self.nodes[k] for k in node_columns}
        return PopulationStore(node_offsets, conn_offsets, {k: v[node_rows] for k, v in nodes.items()},
                               {k: v[conn_rows] for k, v in self.conns.items()}, self.input_ids, self.output_ids,
                               self.bias_id, self.feed_forward, position)

    def views(self, keys: Sequence[int], species: Sequence[int | None], parents: Sequence[tuple[int, ...]]
              ) -> list["StoredGenome"]:
        """Every genome as a :class:`StoredGenome` (genes built on first access)."""
        new, cls = object.__new__, StoredGenome
        shape = self.input_ids, self.output_ids, self.bias_id, self.feed_forward
        out = []
        for k, key, sp, par in zip(range(len(self)), keys, species, parents):  # (StoredGenome.view, inlined)
            g = new(cls)
            g._store, g._row, g._nodes, g._conns = self, k, None, None
            g.input_ids, g.output_ids, g.bias_id, g.feed_forward = shape
            g.key, g.fitness, g.species, g.parents = key, None, sp, par
            out.append(g)
        return out

    def genomes(self, keys: Sequence[int] | None = None, species: Sequence[int | None] | None = None,
                parents: Sequence[tuple[int, ...]] | None = None) -> list[Genome]:
        """Every genome as a plain :class:`Genome` (keys default to 0; species and parents to None / ())."""
        n = len(self)
        views = self.views([0] * n if keys is None else keys, [None] * n if species is None else species,
                           [()] * n if parents is None else parents)
        return [Genome(v.nodes, v.conns, v.input_ids, v.output_ids, v.bias_id, v.feed_forward, v.key, None,
                       v.species, v.parents) for v in views]


def _segment_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    total = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
    return total[offsets[1:]] - total[offsets[:-1]]


def _offsets(counts: list[int]) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def store_unsupported() -> list[str]:
    """Why genomes cannot live in a :class:`PopulationStore` (empty: they can): a gene field without a column.

    >>> store_unsupported()
    []
    """
    return _missing_columns()


_row_of, _store_of, _nodes_of = attrgetter("_row"), attrgetter("_store"), attrgetter("_nodes")


def one_store(genomes: Sequence[Genome], types: set[type]) -> tuple[PopulationStore, np.ndarray] | None:
    """(store, rows) when the genomes are untouched views of one store (checked in C: views build both gene
    dicts at once), else None."""
    if types != {StoredGenome} or len(set(map(id, map(_store_of, genomes)))) != 1 or \
            list(map(_nodes_of, genomes)).count(None) != len(genomes):
        return None
    return genomes[0]._store, np.fromiter(map(_row_of, genomes), dtype=np.int64, count=len(genomes))


def _gather(offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets of the segments ``rows`` laid end to end, and the source index of each of their elements."""
    counts = np.diff(offsets)[rows]
    new = _offsets_array(counts)
    index = np.arange(int(new[-1]), dtype=np.int64) + np.repeat(offsets[rows] - new[:-1], counts)
    return new, index


def _offsets_array(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _concat(stores: list[PopulationStore]) -> PopulationStore:
    if len(stores) == 1:
        return stores[0]
    s0 = stores[0]
    node_off = _offsets_array(np.concatenate([np.diff(s.node_offsets) for s in stores]))
    conn_off = _offsets_array(np.concatenate([np.diff(s.conn_offsets) for s in stores]))
    position = None
    if any(s.dict_position is not None for s in stores):
        starts = np.cumsum([0] + [len(s.conns["innovation"]) for s in stores])
        position = np.concatenate([(np.arange(len(s.conns["innovation"])) if s.dict_position is None
                                    else s.dict_position) + b for s, b in zip(stores, starts)])
    return PopulationStore(node_off, conn_off, {c.name: np.concatenate([s.nodes[c.name] for s in stores])
                                                for c in NODE_COLUMNS},
                           {c.name: np.concatenate([s.conns[c.name] for s in stores]) for c in CONN_COLUMNS},
                           s0.input_ids, s0.output_ids, s0.bias_id, s0.feed_forward, position)


class StoredGenome(Genome):
    """A :class:`Genome` that is row ``_row`` of a :class:`PopulationStore`: its genes (``nodes``, ``conns``) are
    built on first access, after which it is an ordinary genome (what is changed in it is what counts; a
    :meth:`PopulationStore.of` reads it back). Untouched, it costs one small object instead of a dict of gene
    objects each generation.

    >>> import random
    >>> from topoevo.genome import initial_genome, InnovationTracker
    >>> from topoevo.config import GenomeConfig
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0))
    >>> v = PopulationStore.of([g]).views([g.key], [None], [()])[0]
    >>> v.conns == g.conns, v == g, v._nodes is not None
    (True, True, True)
    """

    __slots__ = ("_store", "_row", "_nodes", "_conns")

    @classmethod
    def view(cls, store: PopulationStore, row: int, key: int, species: int | None, parents: tuple[int, ...]
             ) -> "StoredGenome":
        g = cls.__new__(cls)
        g._store, g._row, g._nodes, g._conns = store, row, None, None
        g.input_ids, g.output_ids, g.bias_id, g.feed_forward = store.input_ids, store.output_ids, store.bias_id, \
            store.feed_forward
        g.key, g.fitness, g.species, g.parents = key, None, species, parents
        return g

    def __reduce__(self) -> tuple:
        """Pickled (process pools, Ray) and deep-copied as a plain :class:`Genome`: its own genes, not the store;
        an untouched view stays untouched."""
        nodes, conns = (self._nodes, self._conns) if self._nodes is not None else self._genes()
        return Genome, (nodes, conns, self.input_ids, self.output_ids, self.bias_id, self.feed_forward, self.key,
                        self.fitness, self.species, self.parents)

    def _build(self) -> None:
        self._nodes, self._conns = self._genes()

    def copy(self, key: int | None = None) -> Genome:
        """As :meth:`Genome.copy`; an untouched view's copy is another view of its row (the store's arrays are never
        written, so nothing is shared that either could change)."""
        if self._nodes is not None or self._conns is not None:
            return Genome.copy(self, key)
        return StoredGenome.view(self._store, self._row, self.key if key is None else key, None, ())

    def num_enabled(self) -> int:
        if self._conns is not None:
            return Genome.num_enabled(self)
        st, k = self._store, self._row
        return int(np.count_nonzero(st.conns["enabled"][st.conn_offsets[k]:st.conn_offsets[k + 1]]))

    def num_nodes(self) -> int:
        if self._nodes is not None:
            return len(self._nodes)
        return int(self._store.node_offsets[self._row + 1] - self._store.node_offsets[self._row])

    @property
    def num_hidden(self) -> int:
        if self._nodes is not None:
            return Genome.num_hidden.fget(self)  # type: ignore[attr-defined]
        st, k = self._store, self._row
        kinds = st.nodes["kind"][st.node_offsets[k]:st.node_offsets[k + 1]]
        return int(np.count_nonzero(kinds == KIND_CODES[NodeKind.HIDDEN]))

    def _genes(self) -> tuple[dict[int, NodeGene], dict[int, ConnectionGene]]:
        st, k = self._store, self._row
        lo, hi = int(st.node_offsets[k]), int(st.node_offsets[k + 1])
        values = [c.decode(st.nodes[c.name][lo:hi]) for c in NODE_COLUMNS]
        nodes = dict(zip(values[0], map(NodeGene, *values)))
        lo, hi = int(st.conn_offsets[k]), int(st.conn_offsets[k + 1])
        values = [c.decode(st.conns[c.name][lo:hi]) for c in CONN_COLUMNS]
        conns = list(map(ConnectionGene, *values))
        if st.dict_position is not None:  # the genome's own order
            conns = [conns[i] for i in np.argsort(st.dict_position[lo:hi], kind="stable").tolist()]
        return nodes, {c.innovation: c for c in conns}

    @property  # type: ignore[override]
    def nodes(self) -> dict[int, NodeGene]:
        if self._nodes is None:
            self._build()
        return self._nodes  # type: ignore[return-value]

    @nodes.setter
    def nodes(self, value: dict[int, NodeGene]) -> None:
        if self._conns is None:
            self._build()
        self._nodes = value

    @property  # type: ignore[override]
    def conns(self) -> dict[int, ConnectionGene]:
        if self._conns is None:
            self._build()
        return self._conns  # type: ignore[return-value]

    @conns.setter
    def conns(self, value: dict[int, ConnectionGene]) -> None:
        if self._nodes is None:
            self._build()
        self._conns = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Genome):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(Genome))

    __hash__ = None  # type: ignore[assignment]
