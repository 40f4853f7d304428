"""Compatibility distance, keyed by innovation number (connection genes, as in the paper)."""
from __future__ import annotations

import math
from typing import Any, Callable

from topoevo.config.sections import SpeciesConfig
from topoevo.genome.genome import Genome


def _structural(a: Genome, b: Genome, matching: int, cfg: SpeciesConfig) -> float:
    """c1 * E + c2 * D (not yet divided by N)."""
    ca, cb = a.conns, b.conns
    non_matching = len(ca) + len(cb) - 2 * matching
    if not non_matching:
        return 0.0
    if cfg.excess_coefficient == cfg.disjoint_coefficient:  # no need to tell excess from disjoint
        return cfg.excess_coefficient * non_matching
    max_a = max(ca) if ca else -1
    max_b = max(cb) if cb else -1
    shared = ca.keys() & cb.keys()
    excess = sum(1 for i in ca.keys() - shared if i > max_b) + sum(1 for i in cb.keys() - shared if i > max_a)
    return cfg.excess_coefficient * excess + cfg.disjoint_coefficient * (non_matching - excess)


def distance(a: Genome, b: Genome, cfg: SpeciesConfig) -> float:
    """delta = c1 * E / N + c2 * D / N + c3 * W.

    E and D count excess and disjoint connection genes, W is the mean absolute weight difference of matching genes,
    N the gene count of the larger genome (1 when both have fewer than ``normalize_min_genes``).

    >>> import random
    >>> from topoevo.genome import initial_genome, InnovationTracker
    >>> from topoevo.config import GenomeConfig, SpeciesConfig
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0))
    >>> distance(g, g, SpeciesConfig())
    0.0
    """
    ca, cb = a.conns, b.conns
    if not ca and not cb:
        return 0.0
    matching = ca.keys() & cb.keys()
    n = max(len(ca), len(cb))
    if n < cfg.normalize_min_genes:
        n = 1
    structural = _structural(a, b, len(matching), cfg) / n
    if not matching:
        return structural
    # fsum is exactly rounded: the result does not depend on the set's iteration order (symmetric bit for bit)
    w = math.fsum([abs(ca[i].weight - cb[i].weight) for i in matching]) / len(matching)
    return structural + cfg.weight_coefficient * w


def compatible(a: Genome, b: Genome, cfg: SpeciesConfig, threshold: float) -> bool:
    """``distance(a, b, cfg) < threshold``, skipping the weight term when the genes alone already reach it."""
    ca, cb = a.conns, b.conns
    if not ca and not cb:
        return 0.0 < threshold
    n = len(ca) if len(ca) > len(cb) else len(cb)
    if n < cfg.normalize_min_genes:
        n = 1
    c1 = cfg.excess_coefficient
    lower = min(c1, cfg.disjoint_coefficient) * abs(len(ca) - len(cb)) / n
    if lower >= threshold:
        return False
    matching = ca.keys() & cb.keys()
    if c1 == cfg.disjoint_coefficient:  # _structural's own shortcut, inlined (this is speciation's inner loop)
        structural = c1 * (len(ca) + len(cb) - 2 * len(matching)) / n
    else:
        structural = _structural(a, b, len(matching), cfg) / n
    if structural >= threshold or not matching:
        return structural < threshold
    w = math.fsum([abs(ca[i].weight - cb[i].weight) for i in matching]) / len(matching)
    return structural + cfg.weight_coefficient * w < threshold


class NeatPythonGenes:
    """A genome's genes as neat-python's distance reads them: its non-sensor nodes (outputs and hidden nodes, id ->
    bias, response, time constant, activation, aggregation) and its connections keyed by (in node, out node) ->
    (weight, enabled). Built once per genome and speciation.

    >>> import random
    >>> from topoevo.genome import initial_genome, InnovationTracker
    >>> from topoevo.config import GenomeConfig
    >>> cfg = GenomeConfig(num_inputs=2, num_outputs=1, bias_node=False)
    >>> g = initial_genome(cfg, InnovationTracker(0, 4), random.Random(0))
    >>> sorted(NeatPythonGenes.of(g).conns)
    [(0, 2), (1, 2)]
    """

    __slots__ = ("nodes", "conns")

    def __init__(self, nodes: dict[int, tuple[float, float, float, str, str]],
                 conns: dict[tuple[int, int], tuple[float, bool]]):
        self.nodes, self.conns = nodes, conns

    @classmethod
    def of(cls, g: Genome) -> "NeatPythonGenes":
        return cls({k: (n.bias, n.response, n.time_constant, n.activation, n.aggregation)
                    for k, n in g.nodes.items() if not n.kind.is_sensor},
                   {(c.in_node, c.out_node): (c.weight, c.enabled) for c in g.conns.values()})


def neat_python_distance(a: NeatPythonGenes, b: NeatPythonGenes, cfg: SpeciesConfig) -> float:
    """neat-python 2.0's ``DefaultGenome.distance``: a node part plus a connection part, each
    ``(c3 * sum of homologous gene differences + c2 * disjoint genes) / (gene count of the larger genome)``.
    A node's difference is ``|bias| + |response| + |time constant|`` differences plus 1 for a different activation
    and 1 for a different aggregation; a connection's is the weight difference plus 1 when one of the two is
    disabled. Nodes are matched by id (sensors left out), connections by (in node, out node). ``c2`` is
    ``disjoint_coefficient`` (neat-python's ``compatibility_disjoint_coefficient``), ``c3`` ``weight_coefficient``.

    >>> import random
    >>> from topoevo.genome import initial_genome, InnovationTracker
    >>> from topoevo.config import GenomeConfig, SpeciesConfig
    >>> cfg = GenomeConfig(num_inputs=2, num_outputs=1, bias_node=False)
    >>> g = initial_genome(cfg, InnovationTracker(0, 4), random.Random(0))
    >>> h = g.copy(); h.nodes[2].bias += 0.5; h.conns[0].enabled = False
    >>> neat_python_distance(NeatPythonGenes.of(g), NeatPythonGenes.of(h), SpeciesConfig(weight_coefficient=1.0))
    1.0
    """
    c2, c3 = cfg.disjoint_coefficient, cfg.weight_coefficient
    total = 0.0
    total += _gene_part(a.nodes, b.nodes, _node_difference, c2, c3)
    total += _gene_part(a.conns, b.conns, _conn_difference, c2, c3)
    return total


def _node_difference(x: tuple[float, float, float, str, str], y: tuple[float, float, float, str, str]) -> float:
    return abs(x[0] - y[0]) + abs(x[1] - y[1]) + abs(x[2] - y[2]) + (x[3] != y[3]) + (x[4] != y[4])


def _conn_difference(x: tuple[float, bool], y: tuple[float, bool]) -> float:
    return abs(x[0] - y[0]) + (x[1] != y[1])


def _gene_part(ga: dict, gb: dict, difference: Callable[[Any, Any], float], c2: float, c3: float) -> float:
    """One part of :func:`neat_python_distance`: ``(c3 * homologous differences + c2 * disjoint genes) / (gene count
    of the larger genome)``, 0 when neither genome has such genes."""
    if not (ga or gb):
        return 0.0
    homologous, disjoint = 0.0, 0
    for k, x in ga.items():
        y = gb.get(k)
        if y is None:
            disjoint += 1
        else:
            homologous += difference(x, y)
    disjoint += len(gb) - (len(ga) - disjoint)
    return (c3 * homologous + c2 * disjoint) / max(len(ga), len(gb))
