"""The reproduction hot paths (weight mutation popping GenomeRandom's normals, add-connection's single successor
map, crossover and copy building genes directly, NEAT.tell pausing the garbage collector) must do exactly what the
plain versions do: same genes, same random numbers consumed, same evolution."""
from __future__ import annotations

import copy
import gc
import random
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from strategies import PROPERTY, evolved_pairs, genomes
from topoevo.config import Config, load_config
from topoevo.config.sections import MutationConfig
from topoevo.genome.crossover import crossover
from topoevo.genome.genes import ConnectionGene
from topoevo.genome.genome import Genome, reaches
from topoevo.genome.initial import new_weight
from topoevo.genome.mutation import add_connection, mutate_weights
from topoevo.genome.rng import GenomeRandom
from topoevo.neat import NEAT
from topoevo.run import Run

ROOT = Path(__file__).resolve().parents[1]


def genes(g: Genome) -> tuple:
    return (sorted((n.id, n.kind, n.bias, n.response, n.activation, n.aggregation) for n in g.nodes.values()),
            sorted((c.innovation, c.in_node, c.out_node, c.weight, c.enabled) for c in g.conns.values()))


def plain_mutate_weights(g: Genome, cfg, m: MutationConfig, rng: random.Random) -> None:
    """The reference: one ``rng.gauss`` call per weight."""
    lo, hi = cfg.weight_min, cfg.weight_max
    for c in g.conns.values():
        w = c.weight + rng.gauss(0.0, m.weight_mutate_power) if rng.random() < m.weight_perturb_prob else \
            rng.gauss(0.0, cfg.weight_init_stdev)
        c.weight = lo if w < lo else (hi if w > hi else w)


def plain_add_connection(g: Genome, cfg, tracker, rng: random.Random, tries: int = 20) -> bool:
    """The reference: a fresh reachability search (over all genes) for every try."""
    targets = [n for n, node in g.nodes.items() if not node.kind.is_sensor]
    sources = list(g.nodes)
    if not targets:
        return False
    existing = {(c.in_node, c.out_node): c for c in g.conns.values()}
    for _ in range(tries):
        a, b = rng.choice(sources), rng.choice(targets)
        if a == b and (cfg.feed_forward or not cfg.allow_self_loops):
            continue
        found = existing.get((a, b))
        if found is not None:
            if found.enabled:
                continue
            found.enabled = True
            return True
        if cfg.feed_forward and reaches(g.conns.values(), b, a):
            continue
        inn = tracker.link(a, b)
        if inn in g.conns:
            continue
        g.conns[inn] = ConnectionGene(inn, a, b, new_weight(cfg, rng))
        return True
    return False


@PROPERTY
@given(genomes(), st.integers(0, 2**32), st.integers(0, 1100), st.floats(0.0, 1.0))
def test_mutate_weights_pops_the_normals_gauss_would_return(genome, seed, used, perturb):
    # ``used`` normals drawn first, so the buffer runs out (and refills) anywhere inside the loop
    m = MutationConfig(weight_perturb_prob=perturb, weight_mutate_power=2.5)
    cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1,
                                                                "weight_min": -3.0, "weight_max": 3.0}}).genome
    fast, plain = GenomeRandom(seed), GenomeRandom(seed)
    for r in (fast, plain):
        for _ in range(used):
            r.gauss()
    a, b = genome.copy(), genome.copy()
    mutate_weights(a, cfg, m, fast)
    plain_mutate_weights(b, cfg, m, plain)
    assert genes(a) == genes(b)
    assert (fast.random(), fast.gauss()) == (plain.random(), plain.gauss())  # the same draws were consumed


@PROPERTY
@given(evolved_pairs(), st.integers(0, 2**32))
def test_add_connection_matches_a_search_per_try(pair, seed):
    ev, genome, _ = pair
    results = []
    for fn in (add_connection, plain_add_connection):
        g, tracker, rng = genome.copy(), copy.deepcopy(ev.tracker), GenomeRandom(seed)
        added = fn(g, ev.cfg, tracker, rng)
        results.append((added, genes(g), tracker.to_dict(), rng.random()))
    assert results[0] == results[1]


@PROPERTY
@given(evolved_pairs(), st.integers(0, 2**32))
def test_crossover_and_copy_share_no_gene_objects(pair, seed):
    _, a, b = pair
    child = crossover(a, b, GenomeRandom(seed), 0.75, key=7)
    twin = a.copy(key=8)
    parent_genes = {id(x) for g in (a, b) for x in (*g.nodes.values(), *g.conns.values())}
    for g in (child, twin):
        assert not parent_genes & {id(x) for x in (*g.nodes.values(), *g.conns.values())}
        assert not g.problems()
    assert genes(twin) == genes(a)
    for nid, n in child.nodes.items():  # every node gene is one parent's, field for field
        assert (n.id, n.kind, n.bias, n.response, n.activation, n.aggregation) in {
            (p.id, p.kind, p.bias, p.response, p.activation, p.aggregation)
            for p in (a.nodes.get(nid), b.nodes.get(nid)) if p is not None}


def test_tell_leaves_the_garbage_collector_as_it_found_it():
    cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
                            "neat": {"pop_size": 20}})
    algo = NEAT(cfg, seed=3)
    was = gc.isenabled()
    try:
        for enabled in (True, False, True):
            (gc.enable if enabled else gc.disable)()
            algo.tell([float(g.num_enabled()) for g in algo.ask()])
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_xor_evolution_is_unchanged_by_the_fast_paths():
    """Evaluation counts of tasks/xor.toml with the code before the speed work (the same in
    benchmarks/xor_100seeds.log): the fast paths change no random draw, so no run."""
    for seed, evals in ((9, 1086), (11, 2403)):
        config = load_config(ROOT / "tasks" / "xor.toml",
                             {"run": {"progress": False, "checkpoint_every": 0, "seed": seed},
                              "neat": {"array_kernels": False}})  # (the reference path's draws)
        with tempfile.TemporaryDirectory() as tmp:
            summary = Run.start(config, out=Path(tmp) / "run", reporters=[]).loop()
        assert summary.solved and summary.evaluations_to_solve == evals
