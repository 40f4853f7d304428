"""neat-python's distance and speciation (``species.method = "neat_python"``, what `topoevo convert` sets) against
neat-python 2.0 itself: the same genomes (neat-python's, copied gene for gene into topoevo genomes) give the same
distances and the same species, representatives and members (issue 21)."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from topoevo.genome.distance import NeatPythonGenes, neat_python_distance
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind
from topoevo.genome.genome import Genome
from topoevo.interop.neat_python_config import load_neat_python_config
from topoevo.neat.species import SpeciesSet

neat = pytest.importorskip("neat")

LANDER = Path(__file__).parent / "data" / "neat_python_examples" / "lunar-lander__config-feedforward"


def neat_config():
    cfg = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet, neat.DefaultStagnation,
                      str(LANDER))
    cfg.genome_config.innovation_tracker = neat.innovation.InnovationTracker()
    return cfg


def evolved(cfg, seed: int, n: int, rounds: int, first_key: int = 0) -> dict:
    """``n`` neat-python genomes (keys from ``first_key``), each mutated ``rounds`` times: hidden nodes, disabled and
    deleted genes, drifted biases and responses."""
    random.seed(seed)
    out = {}
    for k in range(first_key, first_key + n):
        g = neat.DefaultGenome(k)
        g.configure_new(cfg.genome_config)
        for _ in range(rounds):
            g.mutate(cfg.genome_config)
        out[k] = g
    return out


def ours(g, cfg) -> Genome:
    """A neat-python genome gene for gene as a topoevo genome (input -i -> i - 1, node k -> num_inputs + k)."""
    gc = cfg.genome_config
    n_in = gc.num_inputs

    def nid(k: int) -> int:
        return -k - 1 if k < 0 else n_in + k

    nodes = {nid(k): NodeGene(nid(k), NodeKind.INPUT) for k in gc.input_keys}
    for k, nd in g.nodes.items():
        kind = NodeKind.OUTPUT if k in gc.output_keys else NodeKind.HIDDEN
        nodes[nid(k)] = NodeGene(nid(k), kind, nd.bias, nd.response, nd.activation, nd.aggregation)
    conns = {c.innovation: ConnectionGene(c.innovation, nid(i), nid(o), c.weight, c.enabled)
             for (i, o), c in g.connections.items()}
    return Genome(nodes, conns, tuple(nid(k) for k in gc.input_keys), tuple(nid(k) for k in gc.output_keys),
                  key=g.key)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), rounds=st.integers(0, 6))
def test_distance_is_neat_pythons(seed, rounds):
    cfg = neat_config()
    species = load_neat_python_config(LANDER, task="xor").species
    theirs = list(evolved(cfg, seed, 8, rounds).values())
    genes = [NeatPythonGenes.of(ours(g, cfg)) for g in theirs]
    for i in range(len(theirs)):
        for j in range(len(theirs)):
            assert neat_python_distance(genes[i], genes[j], species) == pytest.approx(
                theirs[i].distance(theirs[j], cfg.genome_config), rel=1e-12, abs=1e-12)


def partition(species: dict) -> dict[int, tuple[int, list[int]]]:
    return {sid: (rep, sorted(members)) for sid, (rep, members) in species.items()}


def test_speciation_is_neat_pythons():
    """Two generations: species founded from nothing, then a new population placed against the first one's
    representatives (a species keeps the closest genome even beyond the threshold)."""
    cfg = neat_config()
    conv = load_neat_python_config(LANDER, task="xor")
    theirs = neat.DefaultSpeciesSet(cfg.species_set_config, neat.reporting.ReporterSet())
    mine = SpeciesSet(threshold=conv.species.compatibility_threshold)
    for generation, (seed, rounds) in enumerate([(5, 3), (6, 5)]):
        population = evolved(cfg, seed, 150, rounds, first_key=1000 * generation)
        theirs.speciate(cfg, population, generation)
        mine.speciate([ours(g, cfg) for g in reversed(population.values())], generation, conv.species,
                      random.Random(0))
        want = {sid: (s.representative.key, list(s.members)) for sid, s in theirs.species.items()}
        got = {sid: (s.representative.key, [g.key for g in s.members]) for sid, s in mine.species.items()}
        assert partition(got) == partition(want)
        assert len(want) > 2  # (the test sees several species)


def test_conversion_takes_neat_pythons_speciation_and_spawn_rule():
    conv = load_neat_python_config(LANDER, task="xor")
    assert conv.species.method == "neat_python" and conv.species.normalize_min_genes == 0
    rep = conv.reproduction
    assert (rep.allotment, rep.min_species_size, rep.survival_min, rep.elitism) == ("neat_python", 2, 2, 2)


def test_paper_speciation_still_places_every_genome():
    """The default (the paper's speciation) places every genome and takes representatives among the members."""
    cfg = neat_config()
    conv = load_neat_python_config(LANDER, task="xor")
    conv.species.method = "paper"
    genomes = [ours(g, cfg) for g in evolved(cfg, 3, 40, 2).values()]
    mine = SpeciesSet(threshold=conv.species.compatibility_threshold)
    mine.speciate(genomes, 0, conv.species, random.Random(1))
    assert sum(s.size for s in mine.species.values()) == 40
    assert all(s.representative in s.members for s in mine.species.values())
