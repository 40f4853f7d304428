"""Crossover as in the NEAT paper: genes lined up by innovation number."""
from __future__ import annotations

import random

from topoevo.genome.genes import ConnectionGene, NodeGene
from topoevo.genome.genome import Genome


def crossover(fitter: Genome, other: Genome, rng: random.Random, disable_inherit_prob: float = 0.75,
              key: int = 0) -> Genome:
    """Child of two parents; ``fitter`` is the fitter one (the caller breaks ties at random).

    Matching genes come from either parent at random; disjoint and excess genes from the fitter parent, so the
    child has the fitter parent's topology. A gene disabled in either parent is disabled in the child with
    probability ``disable_inherit_prob`` (and enabled otherwise).

    >>> import random
    >>> from topoevo.genome import initial_genome, InnovationTracker
    >>> from topoevo.config import GenomeConfig
    >>> t, r = InnovationTracker(0, 4), random.Random(0)
    >>> a = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), t, r)
    >>> crossover(a, a, r).structure() == a.structure()
    True
    """
    rand = rng.random
    other_get = other.conns.get
    new_gene = ConnectionGene
    conns: dict[int, ConnectionGene] = {}
    for inn, g1 in fitter.conns.items():
        g2 = other_get(inn)
        if g2 is None:  # disjoint or excess: from the fitter parent
            conns[inn] = new_gene(inn, g1.in_node, g1.out_node, g1.weight,
                                  g1.enabled or rand() >= disable_inherit_prob)
        else:  # matching: either parent at random
            conns[inn] = new_gene(inn, g1.in_node, g1.out_node, g1.weight if rand() < 0.5 else g2.weight,
                                  (g1.enabled and g2.enabled) or rand() >= disable_inherit_prob)
    other_node = other.nodes.get
    new_node = NodeGene
    nodes = {}
    for nid, n in fitter.nodes.items():
        n2 = other_node(nid)
        if n2 is not None and n2 is not n and rand() >= 0.5:
            n = n2
        nodes[nid] = new_node(n.id, n.kind, n.bias, n.response, n.activation, n.aggregation, n.time_constant, n.a,
                              n.b, n.c, n.d)
    return Genome(nodes, conns, fitter.input_ids, fitter.output_ids, fitter.bias_id, fitter.feed_forward, key,
                  parents=(fitter.key, other.key))
