"""Compatibility distance, keyed by innovation number (connection genes, as in the paper)."""
from __future__ import annotations

from topoevo.config.sections import SpeciesConfig
from topoevo.genome.genome import Genome


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
    weight_diff = 0.0
    for inn in matching:
        d = ca[inn].weight - cb[inn].weight
        weight_diff += d if d >= 0.0 else -d
    excess = disjoint = 0
    if len(matching) < len(ca) or len(matching) < len(cb):
        max_a = max(ca) if ca else -1
        max_b = max(cb) if cb else -1
        for inn in ca.keys() - matching:
            if inn > max_b:
                excess += 1
            else:
                disjoint += 1
        for inn in cb.keys() - matching:
            if inn > max_a:
                excess += 1
            else:
                disjoint += 1
    n = max(len(ca), len(cb))
    if n < cfg.normalize_min_genes:
        n = 1
    w = weight_diff / len(matching) if matching else 0.0
    return (cfg.excess_coefficient * excess + cfg.disjoint_coefficient * disjoint) / n + cfg.weight_coefficient * w
