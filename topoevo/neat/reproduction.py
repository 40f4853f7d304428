"""Offspring allotment (explicit fitness sharing) and the making of one species' offspring."""
from __future__ import annotations

import math
import random
from typing import Callable, Sequence

from topoevo.config.sections import GenomeConfig, MutationConfig, ReproductionConfig
from topoevo.genome.crossover import crossover
from topoevo.genome.genome import Genome
from topoevo.genome.innovation import InnovationTracker
from topoevo.genome.mutation import mutate


def allot_offspring(shares: Sequence[float], total: int) -> list[int]:
    """Split ``total`` offspring in proportion to ``shares`` (largest remainder, ties to the earlier entry).

    The counts always sum to ``total`` exactly; equal shares when every share is zero.

    >>> allot_offspring([3.0, 1.0], 150)
    [113, 37]
    """
    if not shares:
        return []
    s = math.fsum(shares)
    if s <= 0.0:
        shares, s = [1.0] * len(shares), float(len(shares))
    exact = [total * x / s for x in shares]
    counts = [int(math.floor(e)) for e in exact]
    left = total - sum(counts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[:left]:
        counts[i] += 1
    return counts


def reproduce_species(members: Sequence[Genome], scores: dict[int, float], n: int,
                      other_pools: Callable[[], Sequence[Sequence[Genome]]],
                      genome_cfg: GenomeConfig, mut: MutationConfig, rep: ReproductionConfig,
                      tracker: InnovationTracker, rng: random.Random, new_key: Callable[[], int]) -> list[Genome]:
    """``n`` offspring of one species.

    ``members`` sorted best first, ``scores`` by genome key ("higher is better"), ``other_pools()`` the parent pools
    of the other species (built only when an interspecies mating happens). The champion is copied unchanged
    when the species has more than ``elitism_threshold`` members; parents come from the best ``survival_threshold``
    fraction; a ``mutate_only_prob`` fraction is made by mutation alone, the rest by crossover (second parent from
    another species with ``interspecies_mate_rate``), of which ``mate_only_prob`` stay unmutated.
    """
    children: list[Genome] = []
    if n <= 0:
        return children
    if len(members) > rep.elitism_threshold:
        champ = members[0].copy(new_key())
        champ.parents = (members[0].key,)
        champ.species = members[0].species
        children.append(champ)
    pool = members[:max(1, math.ceil(rep.survival_threshold * len(members)))]
    rand, randrange = rng.random, rng.randrange
    n_pool = len(pool)
    mutate_only, interspecies, mate_only = rep.mutate_only_prob, rep.interspecies_mate_rate, rep.mate_only_prob
    disable_inherit = rep.disable_inherit_prob
    while len(children) < n:
        mom = pool[randrange(n_pool)]
        if rand() < mutate_only:
            child = mom.copy(new_key())
            child.parents = (mom.key,)
            mutate(child, genome_cfg, mut, tracker, rng)
        else:
            others = other_pools() if rand() < interspecies else None
            if others:
                other = others[randrange(len(others))]
                dad = other[randrange(len(other))]
            else:
                dad = pool[randrange(n_pool)]
            sm, sd = scores[mom.key], scores[dad.key]
            mom_fitter = sm > sd or (sm == sd and rand() < 0.5)
            fitter, weaker = (mom, dad) if mom_fitter else (dad, mom)
            child = crossover(fitter, weaker, rng, disable_inherit, new_key())
            if dad is mom or rand() >= mate_only:
                mutate(child, genome_cfg, mut, tracker, rng)
        child.species = mom.species
        children.append(child)
    return children
