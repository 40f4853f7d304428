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


def neat_python_spawn(means: Sequence[float], sizes: Sequence[int], scores_min: float, scores_max: float,
                      total: int, min_size: int) -> list[int]:
    """Offspring counts by neat-python 2.0's rule: a species' target is its adjusted fitness ((mean - min) /
    max(1, max - min), over every member of the surviving species) as a share of ``total``, at least ``min_size``;
    each species moves half-way from its current size towards it (at least one step), the counts are scaled to
    ``total`` and then corrected one at a time (the smallest species gain first, the largest lose first, none
    below ``min_size``) until they sum to ``total``. When ``min_size`` species minima exceed ``total``, the
    minimum is dropped.

    >>> neat_python_spawn([-100.0, -200.0], [75, 75], -300.0, 0.0, 150, 2)
    [87, 63]
    """
    if not means:
        return []
    if min_size * len(means) > total:
        min_size = 0
    span = max(1.0, scores_max - scores_min)
    adjusted = [(m - scores_min) / span for m in means]
    af_sum = math.fsum(adjusted)
    steps = []
    for af, size in zip(adjusted, sizes):
        target = max(min_size, af / af_sum * total) if af_sum > 0 else min_size
        half = (target - size) * 0.5
        step = int(round(half))
        if step == 0 and half != 0:
            step = 1 if half > 0 else -1
        steps.append(size + step)
    scale = total / sum(steps) if sum(steps) > 0 else 0.0
    counts = [max(min_size, int(round(n * scale))) for n in steps]
    diff = total - sum(counts)
    order = sorted(range(len(counts)), key=lambda i: counts[i], reverse=diff < 0)  # stable: ties by position
    k = 0
    while diff > 0:
        counts[order[k % len(order)]] += 1
        diff, k = diff - 1, k + 1
    stuck = 0
    while diff < 0 and stuck < len(order):
        i = order[k % len(order)]
        if counts[i] > min_size:
            counts[i] -= 1
            diff, stuck = diff + 1, 0
        else:
            stuck += 1
        k += 1
    return counts


def reproduce_species(members: Sequence[Genome], scores: dict[int, float], n: int,
                      other_pools: Callable[[], Sequence[Sequence[Genome]]],
                      genome_cfg: GenomeConfig, mut: MutationConfig, rep: ReproductionConfig,
                      tracker: InnovationTracker, rng: random.Random, new_key: Callable[[], int]) -> list[Genome]:
    """``n`` offspring of one species.

    ``members`` sorted best first, ``scores`` by genome key ("higher is better"), ``other_pools()`` the parent pools
    of the other species (built only when an interspecies mating happens). The best ``elitism`` members (the
    champion, by default) are copied unchanged when the species has more than ``elitism_threshold`` members; parents come from the best ``survival_threshold``
    fraction; a ``mutate_only_prob`` fraction is made by mutation alone, the rest by crossover (second parent from
    another species with ``interspecies_mate_rate``), of which ``mate_only_prob`` stay unmutated.
    """
    children: list[Genome] = []
    if n <= 0:
        return children
    if len(members) > rep.elitism_threshold:
        for elite in members[:min(rep.elitism, n)]:
            champ = elite.copy(new_key())
            champ.parents = (elite.key,)
            champ.species = elite.species
            children.append(champ)
    pool = members[:max(rep.survival_min, math.ceil(rep.survival_threshold * len(members)))]
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
