"""The NEAT rules, one test (at least) each, on the ask/tell object itself (no torch: fitness here is a function of
the genes): fitness sharing, champion copying, survival threshold, mutation-only and interspecies rates, speciation,
threshold adjustment, representatives, shared innovations, stagnation, minimisation, exact population size,
determinism and the JSON state round trip."""
from __future__ import annotations

import itertools
import json
import math
import random
from collections import Counter
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topoevo.config import Config, GenomeConfig, SpeciesConfig
from topoevo.genome import Genome, InnovationTracker, initial_genome
from topoevo.neat import NEAT
from topoevo.neat.reproduction import allot_offspring
from topoevo.neat.species import Species, SpeciesSet

# Mutation that only nudges weights: genomes stay where they are put, so hand-made species stay apart.
STILL = {"weight_mutate_rate": 1.0, "weight_perturb_prob": 1.0, "weight_mutate_power": 0.05, "add_node_rate": 0.0,
         "add_connection_rate": 0.0}


def make_config(**sections: dict[str, Any]) -> Config:
    """An XOR-shaped config (2 inputs, bias, 1 output) with the given section overrides."""
    data: dict[str, Any] = {"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1}}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return Config.from_dict(data)


def genes(g: Genome) -> tuple:
    """Everything heritable about a genome (not its key, fitness, species or parents)."""
    return (tuple(sorted((n.id, n.kind.value, n.bias, n.response, n.activation, n.aggregation)
                         for n in g.nodes.values())),
            tuple(sorted((c.innovation, c.in_node, c.out_node, c.weight, c.enabled) for c in g.conns.values())))


def set_weights(g: Genome, w: float) -> None:
    for c in g.conns.values():
        c.weight = w


def gene_fitness(g: Genome) -> float:
    """A deterministic, structure-sensitive fitness (higher is better)."""
    return math.fsum(abs(c.weight) for c in g.conns.values() if c.enabled) / (1 + len(g.conns)) + 0.01 * g.num_hidden


def group_population(algo: NEAT, groups: list[tuple[int, float]]) -> dict[int, int]:
    """Give consecutive blocks of the population equal weights (block i: ``groups[i] = (size, weight)``) and
    speciate afresh, so that each block is one species; returns genome key -> species id."""
    pop = algo.population
    assert sum(n for n, _ in groups) == len(pop)
    i = 0
    for n, w in groups:
        for g in pop[i:i + n]:
            set_weights(g, w)
            g.species = None
        i += n
    algo.species_set = SpeciesSet(algo.config.species.compatibility_threshold)
    algo.species_set.speciate(pop, algo.generation, algo.config.species, random.Random(0))
    assert [s.size for s in algo.species_set.species.values()] == [n for n, _ in groups]
    return {g.key: g.species for g in pop}


def run_generations(algo: NEAT, n: int, fitness: Callable[[Genome], float]) -> list:
    return [algo.tell([fitness(g) for g in algo.ask()]) for _ in range(n)]


# ---- fitness sharing ----------------------------------------------------------------------------------------------
def test_allot_offspring_is_proportional_to_shares():
    assert allot_offspring([3.0, 1.0], 150) == [113, 37]  # 112.5 and 37.5: the tie goes to the earlier entry
    assert allot_offspring([1.0, 2.0, 1.0], 40) == [10, 20, 10]
    assert allot_offspring([5.0], 17) == [17]
    assert allot_offspring([], 10) == []
    assert allot_offspring([0.0, 7.0], 9) == [0, 9]  # a species with nothing to share gets nothing
    # largest remainder; equal remainders go to the earlier entry
    assert allot_offspring([1.0, 1.0, 1.0], 2) == [1, 1, 0]
    assert allot_offspring([1.0, 1.0, 1.0], 10) == [4, 3, 3]
    assert allot_offspring([0.0, 0.0, 0.0], 7) == [3, 2, 2]  # nothing to share at all: equal split


@given(st.lists(st.floats(0.0, 1e6), min_size=1, max_size=30), st.integers(0, 2000))
def test_allot_offspring_sums_exactly_and_rounds_at_most_one(shares: list[float], total: int):
    counts = allot_offspring(shares, total)
    assert sum(counts) == total and all(c >= 0 for c in counts)
    s = math.fsum(shares)
    exact = [total * x / s for x in shares] if s > 0 else [total / len(shares)] * len(shares)
    assert all(abs(c - e) < 1.0 + 1e-9 for c, e in zip(counts, exact))


def test_offspring_follow_summed_adjusted_fitness_not_raw_fitness():
    # species A: 10 members of fitness 3 (adjusted fitness 3/10 each, sum 3); species B: 30 members of fitness 1
    # (sum 1). Raw fitness sums are equal (30 and 30); fitness sharing gives A three quarters of the offspring.
    algo = NEAT(make_config(neat={"pop_size": 40}, mutation=STILL, reproduction={"interspecies_mate_rate": 0.0}),
                seed=3)
    species_of = group_population(algo, [(10, 0.0), (30, 20.0)])
    a, b = sorted(set(species_of.values()))
    algo.tell([3.0 if g.species == a else 1.0 for g in algo.ask()])
    by_parent_species = Counter(species_of[child.parents[0]] for child in algo.ask())
    assert by_parent_species == {a: 30, b: 10}
    # both parents of every child come from the same species (interspecies_mate_rate = 0)
    assert all(len({species_of[p] for p in child.parents}) == 1 for child in algo.ask())


def test_negative_fitness_is_shifted_before_sharing():
    algo = NEAT(make_config(neat={"pop_size": 40}, mutation=STILL, reproduction={"interspecies_mate_rate": 0.0}),
                seed=4)
    species_of = group_population(algo, [(20, 0.0), (20, 20.0)])
    a, b = sorted(set(species_of.values()))
    algo.tell([-1.0 if g.species == a else -5.0 for g in algo.ask()])
    counts = Counter(species_of[child.parents[0]] for child in algo.ask())
    assert sum(counts.values()) == 40 and counts[a] > counts[b]  # (today: shifted to 4 and 0, so 40 and 0)


# ---- champion copy, survival threshold --------------------------------------------------------------------------
@pytest.mark.parametrize("size, copied", [(6, True), (5, False), (2, False)])
def test_species_champion_copied_unchanged_only_when_more_than_five_members(size: int, copied: bool):
    cfg = make_config(neat={"pop_size": size}, mutation={"weight_mutate_rate": 1.0, "weight_perturb_prob": 1.0},
                      reproduction={"mate_only_prob": 0.0})
    algo = NEAT(cfg, seed=11)
    assert len(algo.species_set.species) == 1
    parents = list(algo.ask())
    algo.tell([float(i) for i in range(size)])  # the last genome is the champion
    champion = parents[-1]
    children = algo.ask()
    unchanged = [c for c in children if any(genes(c) == genes(p) for p in parents)]
    if copied:
        assert len(unchanged) == 1
        assert genes(unchanged[0]) == genes(champion) and unchanged[0].parents == (champion.key,)
        assert unchanged[0].key not in {p.key for p in parents}  # a new individual with the same genes
    else:
        assert unchanged == []


def test_parents_come_only_from_the_top_fraction_of_their_species():
    cfg = make_config(neat={"pop_size": 20}, reproduction={"survival_threshold": 0.2})
    algo = NEAT(cfg, seed=5)
    assert len(algo.species_set.species) == 1
    pop = list(algo.ask())
    algo.tell([float((7 * i) % 20) for i in range(20)])  # a permutation of 0..19
    top = {g.key for g in pop if g.fitness >= 16.0}  # ceil(0.2 * 20) = 4 best
    used = {p for child in algo.ask() for p in child.parents}
    assert used <= top and len(used) > 1


def test_survival_threshold_keeps_at_least_the_best_member():
    cfg = make_config(neat={"pop_size": 40}, mutation=STILL,
                      reproduction={"survival_threshold": 0.2, "interspecies_mate_rate": 0.0})
    algo = NEAT(cfg, seed=6)
    species_of = group_population(algo, [(3, 0.0), (37, 20.0)])
    small = species_of[algo.population[0].key]
    pop = list(algo.ask())
    algo.tell([float(i) + 100.0 * (species_of[g.key] == small) for i, g in enumerate(pop)])
    best_small = pop[2].key  # fitness 102: ceil(0.2 * 3) = 1 parent
    from_small = [c for c in algo.ask() if species_of[c.parents[0]] == small]
    assert from_small and all(set(c.parents) == {best_small} for c in from_small)


# ---- how offspring are made ---------------------------------------------------------------------------------------
def test_a_quarter_of_offspring_come_from_mutation_alone():
    n = 1200
    algo = NEAT(make_config(neat={"pop_size": n}), seed=7)
    assert len(algo.species_set.species) == 1
    rng = random.Random(0)
    algo.tell([rng.random() for _ in range(n)])
    children = algo.ask()[1:]  # the first child of the (only) species is its champion's copy
    mutation_only = sum(1 for c in children if len(c.parents) == 1)
    assert all(len(c.parents) in (1, 2) for c in children)
    assert 0.22 <= mutation_only / len(children) <= 0.28


@pytest.mark.parametrize("prob", [0.0, 1.0])
def test_mutate_only_prob_extremes(prob: float):
    algo = NEAT(make_config(neat={"pop_size": 30}, reproduction={"mutate_only_prob": prob}), seed=8)
    algo.tell([float(i) for i in range(30)])
    children = algo.ask()[1:]
    assert all((len(c.parents) == 1) == (prob == 1.0) for c in children)


@pytest.mark.parametrize("rate, low, high", [(0.0, 0.0, 0.0), (0.3, 0.22, 0.38), (1.0, 1.0, 1.0)])
def test_interspecies_mating_rate(rate: float, low: float, high: float):
    cfg = make_config(neat={"pop_size": 400}, mutation=STILL, reproduction={"interspecies_mate_rate": rate})
    algo = NEAT(cfg, seed=9)
    species_of = group_population(algo, [(200, 0.0), (200, 20.0)])
    rng = random.Random(1)
    algo.tell([rng.uniform(1.0, 2.0) for _ in range(400)])
    crossed = [c for c in algo.ask() if len(c.parents) == 2]
    assert len(crossed) > 200
    between = sum(1 for c in crossed if species_of[c.parents[0]] != species_of[c.parents[1]])
    assert low <= between / len(crossed) <= high


def new_splits(population: list[Genome], known_nodes: set[int]) -> dict[tuple[int, int], set[tuple[int, ...]]]:
    """For every hidden node not in ``known_nodes``: the link it split -> {(node, innovation in, innovation out)}."""
    found: dict[tuple[int, int], set[tuple[int, ...]]] = {}
    for g in population:
        for node in set(g.hidden_ids) - known_nodes:
            (into,) = [c for c in g.conns.values() if c.out_node == node]
            (out_of,) = [c for c in g.conns.values() if c.in_node == node]
            found.setdefault((into.in_node, out_of.out_node), set()).add((node, into.innovation, out_of.innovation))
    return found


def test_innovations_are_shared_within_a_generation_across_the_population():
    cfg = make_config(neat={"pop_size": 60}, mutation={"add_node_rate": 1.0},
                      reproduction={"mutate_only_prob": 1.0})
    algo = NEAT(cfg, seed=10)
    algo.tell([float(i) for i in range(60)])
    children = algo.ask()
    assert sum(1 for c in children if c.num_hidden == 1) == 59  # all but the champion's copy split a link
    first = new_splits(children, set())
    assert len(first) >= 2  # several different links were split...
    assert all(len(v) == 1 for v in first.values())  # ...and each one the same way everywhere
    nodes_1 = {node for v in first.values() for node, _, _ in v}
    assert len(nodes_1) == len(first) and min(nodes_1) == 4  # hidden ids start after inputs, bias and output
    # next generation: the same link split again (in other lineages) gets fresh numbers, shared again
    algo.tell([float(i) for i in range(60)])
    second = new_splits(algo.ask(), nodes_1)
    assert all(len(v) == 1 for v in second.values())
    again = [link for link in second if link in first]
    assert again and all(next(iter(second[k]))[0] not in nodes_1 for k in again)
    assert min(node for v in second.values() for node, _, _ in v) > max(nodes_1)


def test_new_links_share_innovations_within_a_generation():
    cfg = make_config(neat={"pop_size": 60}, genome={"initial_connectivity": "none"},
                      mutation={"add_connection_rate": 1.0, "add_node_rate": 0.0},
                      reproduction={"mutate_only_prob": 1.0})
    algo = NEAT(cfg, seed=12)
    algo.tell([0.0] * 60)
    links: dict[tuple[int, int], set[int]] = {}
    for child in algo.ask():
        for c in child.conns.values():
            links.setdefault((c.in_node, c.out_node), set()).add(c.innovation)
    assert len(links) == 3 and all(len(v) == 1 for v in links.values())


# ---- speciation ---------------------------------------------------------------------------------------------------
def line_genome(w: float, key: int, species: int | None = None) -> Genome:
    """A minimal genome (innovations 0, 1, 2) with every weight ``w``: distance to another is 0.4 * |dw|."""
    g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0), key)
    set_weights(g, w)
    g.species = species
    return g


def two_species() -> SpeciesSet:
    ss = SpeciesSet(3.0, next_id=3)
    ss.species = {1: Species(1, 0, line_genome(0.0, 100)), 2: Species(2, 0, line_genome(5.0, 101))}
    return ss


def test_speciation_uses_first_compatible_representative_or_founds_a_species():
    ss = two_species()
    gs = [line_genome(w, k) for k, w in enumerate([3.0, 9.0, 20.0, 21.0, -10.0, 1.0])]
    ss.speciate(gs, 1, SpeciesConfig(), random.Random(0))
    # 3.0 is compatible with both representatives (distances 1.2 and 0.8): the first species takes it
    assert [g.species for g in gs] == [1, 2, 3, 3, 4, 1]
    assert {sid: [g.key for g in s.members] for sid, s in ss.species.items()} == \
        {1: [0, 5], 2: [1], 3: [2, 3], 4: [4]}
    assert (ss.species[3].created, ss.species[3].last_improved, ss.next_id) == (1, 1, 5)
    for s in ss.species.values():  # next generation's representatives: members of this one
        assert any(s.representative is m for m in s.members)


def test_speciation_tries_the_parents_species_first_and_empties_go_extinct():
    ss = two_species()
    gs = [line_genome(3.0, 0, species=2), line_genome(-3.0, 1, species=2), line_genome(1.0, 2, species=7)]
    ss.speciate(gs, 1, SpeciesConfig(), random.Random(0))
    # topoevo's documented variant: a genome still compatible with its parent's species stays there; one that is
    # not (distance 3.2) goes to the first compatible species; an unknown home is ignored
    assert [g.species for g in gs] == [2, 1, 1]
    gs = [line_genome(0.5, 3, species=1)]
    ss.speciate(gs, 2, SpeciesConfig(), random.Random(0))
    assert list(ss.species) == [1]  # species 2 got no member and went extinct


def test_distance_threshold_is_strict_and_uses_the_current_threshold():
    ss = SpeciesSet(1.0, next_id=2)
    ss.species = {1: Species(1, 0, line_genome(0.0, 100))}
    gs = [line_genome(2.0, 0), line_genome(2.4, 1)]  # distances 0.8 and 0.96 < 1.0; each other 0.16
    ss.speciate(gs, 1, SpeciesConfig(), random.Random(0))
    assert [g.species for g in gs] == [1, 1]
    ss = SpeciesSet(0.5, next_id=2)
    ss.species = {1: Species(1, 0, line_genome(0.0, 100))}
    gs = [line_genome(2.0, 0), line_genome(2.4, 1)]
    ss.speciate(gs, 1, SpeciesConfig(), random.Random(0))
    assert [g.species for g in gs] == [2, 2]


@pytest.mark.parametrize("target, start, expected", [
    (2, 3.0, 3.3),  # 4 species > 2: raise the threshold
    (9, 3.0, 2.7),  # 4 species < 9: lower it
    (9, 0.4, 0.3),  # ...but never below threshold_min
    (4, 3.0, 3.0),  # on target: leave it
    (0, 3.0, 3.0),  # no target: never adjusted
])
def test_threshold_moves_toward_target_species(target: int, start: float, expected: float):
    ss = SpeciesSet(start)
    gs = [line_genome(w, k) for k, w in enumerate([0.0, 100.0, 200.0, 300.0])]  # always 4 species
    ss.speciate(gs, 0, SpeciesConfig(target_species=target, threshold_step=0.3, threshold_min=0.3),
                random.Random(0))
    assert len(ss.species) == 4 and ss.threshold == pytest.approx(expected)


def test_threshold_adjustment_over_a_run():
    cfg = make_config(neat={"pop_size": 60}, species={"compatibility_threshold": 3.0, "target_species": 4})
    algo = NEAT(cfg, seed=13)
    stats = run_generations(algo, 12, gene_fitness)
    moves = set()
    for prev, cur in zip(stats, stats[1:]):
        step = round(cur.threshold - prev.threshold, 9)
        want = 0.3 if cur.num_species > 4 else (-0.3 if cur.num_species < 4 else 0.0)
        if want < 0 and prev.threshold - 0.3 < cfg.species.threshold_min:
            want = round(cfg.species.threshold_min - prev.threshold, 9)
        assert step == pytest.approx(want), (prev, cur)
        moves.add(math.copysign(1, step) if step else 0)
    assert moves - {0}  # the threshold actually moved


def test_representatives_come_from_the_previous_generation():
    cfg = make_config(neat={"pop_size": 50}, species={"compatibility_threshold": 1.5},
                      mutation={"add_node_rate": 0.2, "add_connection_rate": 0.3, "weight_mutate_power": 1.0})
    algo = NEAT(cfg, seed=14)
    ss = algo.species_set
    seen: list[dict[int, Genome]] = []
    original = ss.speciate

    def spy(genomes, *args):
        seen.append({sid: s.representative for sid, s in ss.species.items()})
        return original(genomes, *args)

    ss.speciate = spy  # type: ignore[method-assign]
    not_first = 0
    for _ in range(6):
        previous = list(algo.ask())
        algo.tell([gene_fitness(g) for g in previous])
        reps = seen[-1]
        assert reps
        for sid, rep in reps.items():
            assert any(rep is g for g in previous) and rep.species == sid
        current = algo.ask()
        for s in ss.species.values():
            assert any(s.representative is m for m in s.members)
            assert all(any(m is g for g in current) for m in s.members)
            not_first += s.representative is not s.members[0]
    assert not_first > 0  # a random member, not always the first


# ---- stagnation ---------------------------------------------------------------------------------------------------
def stagnation_run(max_stagnation: int, elitism: int, fitness_of_species: Callable[[int, int, int], float],
                   generations: int, pop: int = 30) -> tuple[NEAT, list, dict[int, int]]:
    cfg = make_config(neat={"pop_size": pop}, mutation=STILL, reproduction={"interspecies_mate_rate": 0.0},
                      stagnation={"max_stagnation": max_stagnation, "species_elitism": elitism})
    algo = NEAT(cfg, seed=15)
    species_of = group_population(algo, [(pop // 2, 0.0), (pop - pop // 2, 20.0)])
    a, b = sorted(set(species_of.values()))
    stats = []
    for gen in range(generations):
        genomes = algo.ask()
        assert len(genomes) == pop
        stats.append(algo.tell([fitness_of_species(g.species, gen, 0 if g.species == a else 1) for g in genomes]))
    return algo, stats, {0: a, 1: b}


def test_stagnant_species_is_removed_after_max_stagnation_generations():
    algo, stats, ids = stagnation_run(3, 0, lambda sid, gen, which: 1.0 + which, 6)
    removed = [(s.generation, s.stagnant_removed) for s in stats if s.stagnant_removed]
    assert removed == [(3, [ids[0]])]
    # the removed species leaves no offspring: not even its champion
    assert all(g.species == ids[1] for g in algo.ask())
    assert list(algo.species_set.species) == [ids[1]]


def test_best_genomes_species_survives_stagnation():
    # the best species never improves after generation 0 and species_elitism is 0: it is kept all the same
    algo, stats, ids = stagnation_run(1, 0, lambda sid, gen, which: 1.0 + which, 8)
    assert ids[1] in algo.species_set.species
    assert all(ids[1] not in s.stagnant_removed for s in stats)
    assert stats[1].stagnant_removed == [ids[0]]


def test_improving_species_and_elite_species_are_kept():
    # species 0 improves every generation; species 1 holds the best genome: neither is removed
    algo, stats, ids = stagnation_run(2, 0, lambda sid, gen, which: (1.0 + 0.01 * gen) if which == 0 else 5.0, 7)
    assert all(not s.stagnant_removed for s in stats)
    # both stagnant, but species_elitism = 2 protects both
    algo, stats, ids = stagnation_run(2, 2, lambda sid, gen, which: 1.0 + which, 7)
    assert all(not s.stagnant_removed for s in stats) and len(algo.species_set.species) == 2


# ---- exact population size ----------------------------------------------------------------------------------------
FITNESS_KINDS: dict[str, Callable[[Genome, int], float]] = {
    "constant": lambda g, gen: 1.0,
    "zero": lambda g, gen: 0.0,
    "negative": lambda g, gen: -1.0 - gene_fitness(g),
    "genes": lambda g, gen: gene_fitness(g),
    "one_star": lambda g, gen: 100.0 if g.key % 17 == 0 else 0.0,
}


@pytest.mark.parametrize("pop_size, threshold, max_stagnation, elitism, kind", [
    (p, t, m, e, k) for (p, t, m, e), k in zip(
        itertools.product([2, 3, 7, 23], [0.05, 100.0], [1, 3], [0, 1]), itertools.cycle(FITNESS_KINDS))
])
def test_population_size_is_exact_every_generation(pop_size: int, threshold: float, max_stagnation: int,
                                                   elitism: int, kind: str):
    cfg = make_config(neat={"pop_size": pop_size}, species={"compatibility_threshold": threshold},
                      stagnation={"max_stagnation": max_stagnation, "species_elitism": elitism},
                      mutation={"add_node_rate": 0.3, "add_connection_rate": 0.3})
    algo = NEAT(cfg, seed=pop_size)
    fitness = FITNESS_KINDS[kind]
    for gen in range(6):
        genomes = algo.ask()
        assert len(genomes) == pop_size and len({g.key for g in genomes}) == pop_size
        assert sum(s.size for s in algo.species_set.species.values()) == pop_size
        assert all(g.species in algo.species_set.species for g in genomes)
        assert all(not g.problems() for g in genomes)
        stats = algo.tell([fitness(g, gen) for g in genomes])
        assert not stats.reseeded
    assert len(algo.ask()) == pop_size


# ---- minimisation -------------------------------------------------------------------------------------------------
def distance_to_target(g: Genome) -> float:
    """To be minimised: how far the weights are from 1.5 (plus a little for size)."""
    return math.fsum(abs(c.weight - 1.5) for c in g.conns.values()) / len(g.conns) + 0.001 * len(g.conns)


def test_min_criterion_minimises():
    algo = NEAT(make_config(neat={"pop_size": 40}, run={"fitness_criterion": "min"}), seed=16)
    told: list[float] = []
    best_so_far = []
    for _ in range(10):
        values = [distance_to_target(g) for g in algo.ask()]
        told += values
        stats = algo.tell(values)
        assert stats.best_fitness == min(values) and stats.worst_fitness == max(values)
        best_so_far.append(algo.best_genome.fitness)
    assert all(b <= a for a, b in zip(best_so_far, best_so_far[1:]))
    assert best_so_far[-1] < best_so_far[0]
    assert algo.best_genome.fitness == min(told)
    assert distance_to_target(algo.best_genome) == algo.best_genome.fitness


def test_minimising_f_is_maximising_minus_f():
    lo = NEAT(make_config(neat={"pop_size": 25}, run={"fitness_criterion": "min"}), seed=17)
    hi = NEAT(make_config(neat={"pop_size": 25}, run={"fitness_criterion": "max"}), seed=17)
    for _ in range(6):
        assert [genes(g) for g in lo.ask()] == [genes(g) for g in hi.ask()]
        s_lo = lo.tell([distance_to_target(g) for g in lo.ask()])
        s_hi = hi.tell([-distance_to_target(g) for g in hi.ask()])
        assert (s_lo.best_key, s_lo.best_fitness) == (s_hi.best_key, -s_hi.best_fitness)
    assert genes(lo.best_genome) == genes(hi.best_genome)


# ---- determinism and state ----------------------------------------------------------------------------------------
def evolved_state(seed: int, generations: int = 5) -> dict[str, Any]:
    algo = NEAT(make_config(neat={"pop_size": 30}, mutation={"add_node_rate": 0.2, "add_connection_rate": 0.3}),
                seed=seed)
    run_generations(algo, generations, gene_fitness)
    return algo.state_dict()


def test_same_seed_same_state_different_seed_different_state():
    a, b, c = evolved_state(21), evolved_state(21), evolved_state(22)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["population"] != c["population"]


@pytest.mark.parametrize("seed, split", [(0, 1), (1, 3), (2, 5)])
def test_state_round_trip_continues_bit_identically(seed: int, split: int):
    cfg = make_config(neat={"pop_size": 30}, species={"target_species": 3},
                      mutation={"add_node_rate": 0.2, "add_connection_rate": 0.3})
    whole = NEAT(cfg, seed=seed)
    run_generations(whole, 7, gene_fitness)
    part = NEAT(cfg, seed=seed)
    run_generations(part, split, gene_fitness)
    state = json.loads(json.dumps(part.state_dict(), allow_nan=False))
    resumed = NEAT.from_state_dict(cfg, state)
    run_generations(resumed, 7 - split, gene_fitness)
    assert json.dumps(resumed.state_dict(), sort_keys=True) == json.dumps(whole.state_dict(), sort_keys=True)


def test_tell_rejects_wrong_length_and_non_finite_fitness():
    algo = NEAT(make_config(neat={"pop_size": 5}), seed=23)
    before = json.dumps(algo.state_dict(), sort_keys=True)
    for bad in ([1.0] * 4, [1.0] * 6, [1.0, 2.0, math.nan, 0.0, 0.0], [math.inf] * 5):
        with pytest.raises(ValueError):
            algo.tell(bad)
    assert json.dumps(algo.state_dict(), sort_keys=True) == before  # nothing was half-done
