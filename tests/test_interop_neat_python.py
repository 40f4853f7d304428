"""Genome interop with neat-python 2.0: converted genomes compute the same outputs on both sides."""
from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

neat = pytest.importorskip("neat")

from topoevo.config.sections import GenomeConfig, InitialConnectivity, MutationConfig, Network  # noqa: E402
from topoevo.genome import InnovationTracker, initial_genome, mutate  # noqa: E402
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind  # noqa: E402
from topoevo.genome.genome import Genome  # noqa: E402
from topoevo.genome.interpreter import ReferenceRecurrentNetwork, activate  # noqa: E402
from topoevo.interop import InteropError, from_neat_python, to_neat_python  # noqa: E402

SUPPORTED_ACTIVATIONS = "sigmoid tanh relu identity clamped abs"

CONFIG = """
[NEAT]
fitness_criterion     = max
fitness_threshold     = 1000
pop_size              = {pop}
reset_on_extinction   = True
no_fitness_termination = False

[DefaultGenome]
activation_default      = random
activation_mutate_rate  = 0.2
activation_options      = {activations}
aggregation_default     = {aggregation_default}
aggregation_mutate_rate = {aggregation_rate}
aggregation_options     = {aggregations}
bias_init_mean          = 0.0
bias_init_stdev         = 1.0
bias_max_value          = 30.0
bias_min_value          = -30.0
bias_mutate_power       = 0.5
bias_mutate_rate        = 0.7
bias_replace_rate       = 0.1
compatibility_disjoint_coefficient = 1.0
compatibility_weight_coefficient   = 0.5
conn_add_prob           = 0.7
conn_delete_prob        = 0.3
enabled_default         = True
enabled_mutate_rate     = 0.1
feed_forward            = {feed_forward}
initial_connection      = partial_direct 0.5
node_add_prob           = 0.5
node_delete_prob        = 0.2
num_hidden              = 1
num_inputs              = {inputs}
num_outputs             = {outputs}
response_init_mean      = 1.0
response_init_stdev     = 0.3
response_max_value      = 30.0
response_min_value      = -30.0
response_mutate_power   = 0.2
response_mutate_rate    = 0.3
response_replace_rate   = 0.05
weight_init_mean        = 0.0
weight_init_stdev       = 1.0
weight_max_value        = 30
weight_min_value        = -30
weight_mutate_power     = 0.5
weight_mutate_rate      = 0.8
weight_replace_rate     = 0.1

[DefaultSpeciesSet]
compatibility_threshold = 3.0

[DefaultStagnation]
species_fitness_func = max
max_stagnation       = 20
species_elitism      = 2

[DefaultReproduction]
elitism            = 2
survival_threshold = 0.3
"""


def neat_config(tmp_path: Path, *, feed_forward: bool = True, inputs: int = 3, outputs: int = 2, pop: int = 30,
                activations: str = SUPPORTED_ACTIVATIONS, aggregations: str = "sum max min mean",
                aggregation_default: str = "sum", aggregation_rate: float = 0.1) -> neat.Config:
    path = tmp_path / f"config-{feed_forward}-{inputs}-{outputs}-{aggregations.replace(' ', '_')}"
    path.write_text(CONFIG.format(feed_forward=feed_forward, inputs=inputs, outputs=outputs, pop=pop,
                                  activations=activations, aggregations=aggregations,
                                  aggregation_default=aggregation_default, aggregation_rate=aggregation_rate))
    return neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet, neat.DefaultStagnation,
                       str(path))


def neat_genomes(config: neat.Config, seed: int, generations: int) -> list:
    """Every genome of a neat-python run with random fitness: created, crossed over and mutated by neat-python."""
    population = neat.Population(config, seed=seed)
    fitness_rng = random.Random(seed)
    seen = []

    def evaluate(genomes, _config):
        for _, g in genomes:
            g.fitness = fitness_rng.uniform(0.0, 10.0)
            seen.append(g)

    population.run(evaluate, generations)
    return seen


def random_inputs(rng: random.Random, n: int, count: int = 6) -> list[list[float]]:
    rows = [[0.0] * n, [1.0] * n]
    rows += [[rng.uniform(-3.0, 3.0) for _ in range(n)] for _ in range(count - 2)]
    return rows


def assert_close(a: list[float], b: list[float]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), (a, b)


def structurally_rich(genomes: list) -> bool:
    """The sample holds what the conversion must get right: hidden nodes, disabled genes, dangling nodes."""
    hidden = any(len(g.nodes) > 2 for g in genomes)
    disabled = any(not c.enabled for g in genomes for c in g.connections.values())
    no_incoming = any(k >= 2 and not any(b == k for (_, b) in g.connections) for g in genomes for k in g.nodes)
    return hidden and disabled and no_incoming


# ---- neat-python -> topoevo ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("bias_node", [False, True])
def test_neat_python_genomes_compute_the_same_in_topoevo(tmp_path, bias_node):
    config = neat_config(tmp_path)
    genomes = neat_genomes(config, seed=11, generations=5)
    assert len(genomes) >= 100 and structurally_rich(genomes)
    rng = random.Random(5)
    for g in genomes:
        tg = from_neat_python(g, config, bias_node=bias_node)
        assert tg.problems() == []
        assert (tg.bias_id is not None) == bias_node
        net = neat.nn.FeedForwardNetwork.create(g, config)
        for x in random_inputs(rng, 3):
            assert_close(net.activate(x), activate(tg, x))


def test_gene_values_and_ids_carry_over(tmp_path):
    config = neat_config(tmp_path)
    g = neat_genomes(config, seed=2, generations=3)[-1]
    tg = from_neat_python(g, config)
    assert tg.input_ids == (0, 1, 2) and tg.output_ids == (3, 4) and tg.key == g.key and tg.fitness == g.fitness
    by_pair = {(c.in_node, c.out_node): c for c in tg.conns.values()}
    for (a, b), cg in g.connections.items():
        ta = -a - 1 if a < 0 else a + 3
        c = by_pair.get((ta, b + 3))
        if c is None:  # only genes into hidden nodes no output can see are dropped
            assert b >= 2 and (b + 3) not in tg.nodes
            continue
        assert (c.innovation, c.weight, c.enabled) == (cg.innovation, cg.weight, cg.enabled)
    for k, ng in g.nodes.items():
        if k + 3 in tg.nodes:
            n = tg.nodes[k + 3]
            assert (n.bias, n.response) == (ng.bias, ng.response)
            assert n.kind is (NodeKind.OUTPUT if k < 2 else NodeKind.HIDDEN)


def test_tracker_is_advanced_past_imported_genes(tmp_path):
    config = neat_config(tmp_path)
    genomes = neat_genomes(config, seed=3, generations=3)
    tracker = InnovationTracker()
    converted = [from_neat_python(g, config, tracker=tracker) for g in genomes]
    assert tracker.next_innovation > max(i for tg in converted for i in tg.conns)
    assert tracker.next_node_id > max(n for tg in converted for n in tg.nodes)


def test_round_trip_through_topoevo_keeps_the_network(tmp_path):
    config = neat_config(tmp_path)
    rng = random.Random(9)
    for g in neat_genomes(config, seed=4, generations=3):
        back = to_neat_python(from_neat_python(g, config), config)
        assert back.key == g.key
        a, b = neat.nn.FeedForwardNetwork.create(g, config), neat.nn.FeedForwardNetwork.create(back, config)
        for x in random_inputs(rng, 3, 3):
            assert_close(a.activate(x), b.activate(x))
        for key, cg in back.connections.items():  # every kept gene is unchanged (placeholders are disabled)
            if key in g.connections:
                assert (cg.innovation, cg.weight, cg.enabled) == (g.connections[key].innovation,
                                                                  g.connections[key].weight,
                                                                  g.connections[key].enabled)
            else:
                assert not cg.enabled and cg.weight == 0.0


def test_product_aggregation_converts_or_refuses_clearly(tmp_path):
    config = neat_config(tmp_path, aggregations="sum product", aggregation_default="random", aggregation_rate=0.3)
    rng = random.Random(1)
    converted = refused = 0
    for g in neat_genomes(config, seed=6, generations=3):
        try:
            tg = from_neat_python(g, config)
        except InteropError as exc:
            assert "product" in str(exc) and "\n" not in str(exc)
            refused += 1
            continue
        converted += 1
        net = neat.nn.FeedForwardNetwork.create(g, config)
        for x in random_inputs(rng, 3, 3):
            assert_close(net.activate(x), activate(tg, x))
    assert converted >= 20


def test_a_scripts_own_activation_raises(tmp_path):
    """Every neat-python built-in has a twin (tests/test_neat_python_activations.py); a script's own does not."""
    config = neat_config(tmp_path, activations="sigmoid")
    config.genome_config.add_activation("my_sinc", lambda z: math.sin(z) / z if z else 1.0)
    g = neat_genomes(config, seed=0, generations=1)[0]
    next(iter(g.nodes.values())).activation = "my_sinc"
    with pytest.raises(InteropError, match="unsupported neat-python activation"):
        from_neat_python(g, config)


def test_overridden_neat_python_name_is_not_trusted(tmp_path):
    config = neat_config(tmp_path, activations="sigmoid")
    config.genome_config.add_activation("sigmoid", lambda z: z)  # a user's own function under the built-in name
    g = neat_genomes(config, seed=0, generations=1)[0]
    with pytest.raises(InteropError, match="unsupported"):
        from_neat_python(g, config)


def test_unsupported_aggregation_raises(tmp_path):
    config = neat_config(tmp_path, aggregations="median", aggregation_default="median", aggregation_rate=0.0)
    g = neat_genomes(config, seed=0, generations=1)[0]
    with pytest.raises(InteropError, match="aggregation 'median'"):
        from_neat_python(g, config)


def test_recurrent_genomes_compute_the_same_or_refuse(tmp_path):
    config = neat_config(tmp_path, feed_forward=False)
    rng = random.Random(2)
    converted = 0
    for g in neat_genomes(config, seed=8, generations=3):
        try:
            tg = from_neat_python(g, config)
        except InteropError as exc:
            assert "recurrent" in str(exc) or "product" in str(exc)
            continue
        converted += 1
        assert not tg.feed_forward
        a, b = neat.nn.RecurrentNetwork.create(g, config), ReferenceRecurrentNetwork(tg)
        for x in random_inputs(rng, 3, 4):
            assert_close(a.activate(x), b.activate(x))
    assert converted >= 20


# ---- topoevo -> neat-python ----------------------------------------------------------------------------------------
def topoevo_genomes(seed: int, count: int, *, bias_node: bool, activations: list[str], aggregations: list[str],
                    network: Network = Network.FEEDFORWARD) -> list[Genome]:
    cfg = GenomeConfig(num_inputs=3, num_outputs=2, bias_node=bias_node, network=network,
                       initial_connectivity=InitialConnectivity.PARTIAL, activation=activations[0],
                       activation_options=activations, aggregation=aggregations[0], aggregation_options=aggregations,
                       bias_init_stdev=1.0)
    m = MutationConfig(add_node_rate=0.5, add_connection_rate=0.7, delete_node_rate=0.1, delete_connection_rate=0.1,
                       toggle_enable_rate=0.2, bias_mutate_rate=0.5, response_mutate_rate=0.5,
                       activation_mutate_rate=0.3, aggregation_mutate_rate=0.2 if len(aggregations) > 1 else 0.0,
                       structural_exclusive=False)
    rng = random.Random(seed)
    tracker = InnovationTracker()
    out = []
    for k in range(count):
        g = initial_genome(cfg, tracker, rng, key=k)
        for _ in range(rng.randrange(0, 12)):
            mutate(g, cfg, m, tracker, rng)
            if rng.random() < 0.3:
                tracker.new_generation()
        out.append(g)
    return out


ALL_TOPOEVO_ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity", "sin", "gauss", "abs", "clamped", "logistic",
                           "step", "neat_python_sigmoid", "neat_python_tanh"]


@pytest.mark.parametrize("bias_node", [False, True])
def test_topoevo_genomes_compute_the_same_in_neat_python(tmp_path, bias_node):
    config = neat_config(tmp_path)
    genomes = topoevo_genomes(21, 120, bias_node=bias_node, activations=ALL_TOPOEVO_ACTIVATIONS,
                              aggregations=["sum"])
    assert sum(g.num_hidden > 0 for g in genomes) >= 30
    rng = random.Random(4)
    for g in genomes:
        ng = to_neat_python(g, config)
        assert all(k < 0 for (k, _) in ng.connections if k not in ng.nodes)  # only inputs live outside ng.nodes
        net = neat.nn.FeedForwardNetwork.create(ng, config)
        for x in random_inputs(rng, 3):
            assert_close(activate(g, x), net.activate(x))
        again = from_neat_python(ng, config, bias_node=bias_node)
        for x in random_inputs(rng, 3, 2):
            assert_close(activate(g, x), activate(again, x))


def test_topoevo_mixed_aggregations_convert_or_refuse_clearly(tmp_path):
    config = neat_config(tmp_path)
    rng = random.Random(3)
    converted = 0
    for g in topoevo_genomes(5, 120, bias_node=True, activations=["sigmoid", "tanh", "relu"],
                             aggregations=["sum", "product", "max", "min", "mean"]):
        try:
            ng = to_neat_python(g, config)
        except InteropError as exc:
            assert "unsupported" in str(exc) and "\n" not in str(exc)
            continue
        converted += 1
        net = neat.nn.FeedForwardNetwork.create(ng, config)
        for x in random_inputs(rng, 3, 3):
            assert_close(activate(g, x), net.activate(x))
    assert converted >= 30


def test_topoevo_recurrent_genomes_compute_the_same_or_refuse(tmp_path):
    config = neat_config(tmp_path, feed_forward=False)
    rng = random.Random(6)
    converted = 0
    for g in topoevo_genomes(8, 80, bias_node=True, activations=["sigmoid", "tanh"], aggregations=["sum"],
                             network=Network.RECURRENT):
        try:
            ng = to_neat_python(g, config)
        except InteropError as exc:
            assert "recurrent" in str(exc)
            continue
        converted += 1
        a, b = ReferenceRecurrentNetwork(g), neat.nn.RecurrentNetwork.create(ng, config)
        for x in random_inputs(rng, 3, 4):
            assert_close(a.activate(x), b.activate(x))
    assert converted >= 20


def test_bias_node_connections_fold_into_node_biases(tmp_path):
    config = neat_config(tmp_path, inputs=1, outputs=1)
    nodes = {0: NodeGene(0, NodeKind.INPUT), 1: NodeGene(1, NodeKind.BIAS),
             2: NodeGene(2, NodeKind.OUTPUT, bias=0.25, response=2.0, activation="neat_python_sigmoid")}
    conns = {0: ConnectionGene(0, 0, 2, 1.5), 1: ConnectionGene(1, 1, 2, -0.5)}
    g = Genome(nodes, conns, (0,), (2,), bias_id=1)
    ng = to_neat_python(g, config)
    assert set(ng.connections) == {(-1, 0)} and ng.connections[(-1, 0)].innovation == 0
    out = ng.nodes[0]
    assert (out.bias, out.response, out.activation, out.aggregation) == (0.25 + 2.0 * -0.5, 2.0, "sigmoid", "sum")


def test_functions_without_a_twin_are_registered_or_refused(tmp_path):
    config = neat_config(tmp_path)
    g = topoevo_genomes(1, 1, bias_node=False, activations=["sigmoid"], aggregations=["sum"])[0]
    with pytest.raises(InteropError, match="unsupported topoevo activation 'sigmoid'"):
        to_neat_python(g, config, register_functions=False)
    ng = to_neat_python(g, config)
    assert {n.activation for n in ng.nodes.values()} == {"topoevo_sigmoid"}
    assert from_neat_python(ng, config).nodes[3].activation == "sigmoid"  # maps back by identity


def test_neat_python_counters_are_advanced(tmp_path):
    config = neat_config(tmp_path)
    neat.Population(config, seed=0)  # sets the config's innovation tracker
    gc = config.genome_config
    gc.get_new_node_key({0: None})  # starts the node indexer low
    g = topoevo_genomes(2, 30, bias_node=False, activations=["neat_python_sigmoid"], aggregations=["sum"])
    big = max(g, key=lambda x: max(x.nodes))
    ng = to_neat_python(big, config)
    assert gc.get_new_node_key(ng.nodes) > max(ng.nodes)
    assert gc.innovation_tracker.global_counter >= max(c.innovation for c in ng.connections.values())


def test_shape_and_network_mismatch_raise(tmp_path):
    g = topoevo_genomes(1, 1, bias_node=False, activations=["sigmoid"], aggregations=["sum"])[0]
    with pytest.raises(InteropError, match="inputs"):
        to_neat_python(g, neat_config(tmp_path, inputs=4))
    with pytest.raises(InteropError, match="feed_forward"):
        to_neat_python(g, neat_config(tmp_path, feed_forward=False))
