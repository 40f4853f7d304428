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
from itertools import chain
from operator import attrgetter
from typing import Any, Sequence

import numpy as np

from topoevo.genome.activations import ACTIVATIONS, AGGREGATIONS
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind
from topoevo.genome.genome import Genome

#: node kinds by code (the ``kind`` column)
KIND_LIST: tuple[NodeKind, ...] = tuple(NodeKind)
KIND_CODES: dict[NodeKind, int] = {k: i for i, k in enumerate(KIND_LIST)}
SENSOR_KIND_MAX = max(KIND_CODES[NodeKind.INPUT], KIND_CODES[NodeKind.BIAS])
assert {KIND_CODES[NodeKind.INPUT], KIND_CODES[NodeKind.BIAS]} == set(range(SENSOR_KIND_MAX + 1))
#: activation / aggregation names by code (the ``activation`` / ``aggregation`` columns)
ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
AGGREGATION_NAMES: tuple[str, ...] = tuple(AGGREGATIONS)
ACTIVATION_CODES: dict[str, int] = {a: i for i, a in enumerate(ACTIVATION_NAMES)}
AGGREGATION_CODES: dict[str, int] = {a: i for i, a in enumerate(AGGREGATION_NAMES)}


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
            codes = {v: i for i, v in enumerate(self.values)}
            it = map(codes.__getitem__, it)
        return np.fromiter(it, dtype=self.dtype, count=len(items))

    def decode(self, column: np.ndarray) -> list[Any]:
        values = column.tolist()
        return values if self.values is None else [self.values[i] for i in values]


#: the node table's columns, in NodeGene's field order (the only place a node attribute is declared for arrays)
NODE_COLUMNS: tuple[Column, ...] = (
    Column("id", np.int64), Column("kind", np.int8, KIND_LIST), Column("bias", np.float64),
    Column("response", np.float64), Column("activation", np.int16, ACTIVATION_NAMES),
    Column("aggregation", np.int16, AGGREGATION_NAMES))
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

    def __len__(self) -> int:
        return len(self.node_offsets) - 1

    @classmethod
    def of(cls, genomes: Sequence[Genome]) -> "PopulationStore":
        """Read the genes, one C-level pass per column; each genome's connections sorted by innovation."""
        if not genomes:
            raise ValueError("PopulationStore.of needs at least one genome")
        g0 = genomes[0]
        node_lists = [list(g.nodes.values()) for g in genomes]
        conn_lists = [list(g.conns.values()) for g in genomes]
        node_offsets = _offsets(list(map(len, node_lists)))
        conn_offsets = _offsets(list(map(len, conn_lists)))
        all_nodes = list(chain.from_iterable(node_lists))
        all_conns = list(chain.from_iterable(conn_lists))
        nodes = {c.name: c.encode(all_nodes) for c in NODE_COLUMNS}
        conns = {c.name: c.encode(all_conns) for c in CONN_COLUMNS}
        inn = conns["innovation"]
        if inn.size > 1:
            owner = np.repeat(np.arange(len(genomes)), np.diff(conn_offsets))
            key_order = np.lexsort((inn, owner))
            if not np.array_equal(key_order, np.arange(inn.size)):
                conns = {k: v[key_order] for k, v in conns.items()}
        return cls(node_offsets, conn_offsets, nodes, conns, tuple(g0.input_ids), tuple(g0.output_ids), g0.bias_id,
                   g0.feed_forward)

    def genomes(self, keys: Sequence[int] | None = None, species: Sequence[int | None] | None = None,
                parents: Sequence[tuple[int, ...]] | None = None) -> list[Genome]:
        """Every genome as a :class:`Genome` (keys default to 0; species and parents to None / ())."""
        n = len(self)
        node_values = [c.decode(self.nodes[c.name]) for c in NODE_COLUMNS]
        conn_values = [c.decode(self.conns[c.name]) for c in CONN_COLUMNS]
        ids, inns = node_values[0], conn_values[0]
        node_genes = list(map(NodeGene, *node_values))
        conn_genes = list(map(ConnectionGene, *conn_values))
        no, co = self.node_offsets.tolist(), self.conn_offsets.tolist()
        keys = [0] * n if keys is None else keys
        species = [None] * n if species is None else species
        parents = [()] * n if parents is None else parents
        ins, outs, bias, ff = self.input_ids, self.output_ids, self.bias_id, self.feed_forward
        return [Genome(dict(zip(ids[no[k]:no[k + 1]], node_genes[no[k]:no[k + 1]])),
                       dict(zip(inns[co[k]:co[k + 1]], conn_genes[co[k]:co[k + 1]])),
                       ins, outs, bias, ff, keys[k], None, species[k], parents[k]) for k in range(n)]


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
