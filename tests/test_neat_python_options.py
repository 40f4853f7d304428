"""Every neat-python 2.x option as a topoevo setting, checked against neat-python itself (issue 21).

Each test builds the same INI config for both libraries, draws many initial genomes or mutations on each side and
compares the distributions (means within a few standard errors; exact where both are deterministic). Seeds are
fixed, so the figures are exact and the tests are not flaky.
"""
from __future__ import annotations

import math
import random
import statistics
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from topoevo.config.sections import GenomeConfig, InitialConnectivity, MutationConfig, Network
from topoevo.errors import ConfigError
from topoevo.genome import InnovationTracker, initial_genome
from topoevo.genome.genes import NodeKind
from topoevo.genome.initial import first_hidden_id
from topoevo.genome.mutation import add_node, mutate
from topoevo.interop.neat_python_config import convert_neat_python_config, load_neat_python_config
from topoevo.neat.algorithm import SPECIES_FITNESS
from topoevo.run import threshold_hits

neat = pytest.importorskip("neat")

EXAMPLES = Path(__file__).parent / "data" / "neat_python_examples"
XOR = EXAMPLES / "xor__config-feedforward"
N = 600  # genomes (or mutations) drawn on each side


def ini(tmp_path: Path, **edits: str) -> Path:
    """neat-python's XOR example config with ``DefaultGenome`` keys (or ``Section__key``) replaced."""
    lines = XOR.read_text().splitlines()
    section = ""
    for i, line in enumerate(lines):
        if line.startswith("["):
            section = line.strip("[] ")
            continue
        key = line.split("=")[0].strip()
        for name, value in edits.items():
            sec, _, k = name.rpartition("__")
            if k == key and (sec or "DefaultGenome") == section:
                lines[i] = f"{key} = {value}"
    path = tmp_path / "config"
    path.write_text("\n".join(lines) + "\n")
    return path


def neat_config(path: Path):
    cfg = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet, neat.DefaultStagnation,
                      str(path))
    cfg.genome_config.innovation_tracker = neat.innovation.InnovationTracker()
    return cfg


def neat_genomes(path: Path, n: int = N, seed: int = 1) -> list:
    cfg = neat_config(path)
    random.seed(seed)
    out = []
    for k in range(n):
        g = neat.DefaultGenome(k)
        g.configure_new(cfg.genome_config)
        out.append(g)
    return out


def topo_genomes(path: Path, n: int = N, seed: int = 1) -> list:
    cfg = load_neat_python_config(path, task="xor").genome
    tracker, rng = InnovationTracker(0, first_hidden_id(cfg)), random.Random(seed)
    return [initial_genome(cfg, tracker, rng, k) for k in range(n)]


def live_links(links: set[tuple[int, int]], inputs: set[int], outputs: set[int]) -> set[tuple[int, int]]:
    """Links that remain once hidden nodes without an incoming or an outgoing link (self-loops aside) are removed,
    repeatedly: what the network computes with."""
    links = set(links)
    while True:
        has_in = {b for a, b in links if a != b}
        has_out = {a for a, b in links if a != b}
        nodes = {n for link in links for n in link}
        dead = {n for n in nodes - inputs - outputs if n not in has_in or n not in has_out}
        if not dead:
            return links
        links = {(a, b) for a, b in links if a not in dead and b not in dead}


def neat_live(g, ncfg) -> set[tuple[int, int]]:
    return live_links({k for k, c in g.connections.items() if c.enabled}, set(ncfg.genome_config.input_keys),
                      set(ncfg.genome_config.output_keys))


def topo_live(g) -> set[tuple[int, int]]:
    return live_links({(c.in_node, c.out_node) for c in g.conns.values() if c.enabled}, set(g.input_ids),
                      set(g.output_ids))


def close(a: list[float], b: list[float], sigmas: float = 4.5) -> bool:
    """Means equal within ``sigmas`` standard errors of their difference (or both constant and equal)."""
    se = math.sqrt(statistics.pvariance(a) / len(a) + statistics.pvariance(b) / len(b))
    return abs(statistics.fmean(a) - statistics.fmean(b)) <= max(sigmas * se, 1e-12)


# ---- every example config of neat-python 2.0 -------------------------------------------------------------------------
#: example configs topoevo cannot convert, and the one-line reason (section and key) each gives
NOT_CONVERTED = {
    "memory-fixed__config": "DefaultGenome.activation_default",  # a function registered by the example script
    "picture2d__interactive_config_color": "NEAT.pop_size",  # 0: the interactive script sets it
    "picture2d__interactive_config_gray": "NEAT.pop_size",
}


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if p.name != "README.md"))
def test_every_example_config_converts(name, tmp_path):
    task = tmp_path / "task.toml"
    task.write_text('[task]\nname = "gym"\nenv_id = "CartPole-v1"\n')
    path = EXAMPLES / name
    if name in NOT_CONVERTED:
        with pytest.raises(ConfigError) as info:
            convert_neat_python_config(path, task=str(task)).config()
        assert info.value.field.startswith(NOT_CONVERTED[name]) and "\n" not in str(info.value)
        return
    conv = convert_neat_python_config(path, task=str(task))
    conv.config()  # every value valid
    assert not any("unsupported" in n for n in conv.notes)


@pytest.mark.parametrize("name", ["picture2d__interactive_config_color", "picture2d__interactive_config_gray"])
def test_interactive_configs_convert_with_the_population_size_their_script_sets(name, tmp_path):
    """Their own InteractiveStagnation section has only DefaultStagnation's max_stagnation: read as
    DefaultStagnation, with a note."""
    path = tmp_path / "config"
    path.write_text((EXAMPLES / name).read_text().replace("pop_size              = 0", "pop_size = 12"))
    conv = convert_neat_python_config(path, task="xor")
    cfg = conv.config()
    assert cfg.stagnation.max_stagnation == 5 and cfg.stagnation.species_fitness_func == "mean"
    assert cfg.stagnation.species_elitism == 0 and cfg.neat.pop_size == 12
    assert any(n.startswith("InteractiveStagnation: the script's own stagnation class") for n in conv.notes)


def test_custom_stagnation_with_its_own_options_is_one_line(tmp_path):
    path = tmp_path / "config"
    text = (XOR.read_text().replace("[DefaultStagnation]", "[MyStagnation]")
            .replace("max_stagnation       = 20", "max_stagnation = 20\npatience = 3"))
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        convert_neat_python_config(path, task="xor")
    assert info.value.field == "MyStagnation.patience" and "\n" not in str(info.value)


def test_custom_activation_names_the_key_and_the_way_out(tmp_path):
    with pytest.raises(ConfigError) as info:
        convert_neat_python_config(EXAMPLES / "memory-fixed__config", task="xor")
    assert info.value.field == "DefaultGenome.activation_default"
    assert "add_activation" in str(info.value) and "docs/neat-python.md" in str(info.value)


def test_spiking_config_converts_to_a_run(tmp_path):
    """neat-python's IZGenome XOR config: its structure, weights, biases and (with topoevo's Izhikevich genome
    settings) a, b, c, d convert; Izhikevich neurons sum their inputs as they are; the converted run runs."""
    from topoevo.run import Run

    conv = convert_neat_python_config(EXAMPLES / "xor__config-spiking", task="xor")
    cfg = conv.config({"genome": {"num_outputs": 1}, "neat": {"pop_size": 20},
                       "run": {"generations": 2, "progress": False, "checkpoint_every": 0}})
    assert cfg.genome.activation == "identity" and cfg.genome.aggregation == "sum"
    assert cfg.genome.bias_init_stdev == 2.0 and cfg.genome.weight_init_stdev == 10.0
    assert conv.data["mutation"]["response_mutate_rate"] == 0.0
    assert any(n.startswith("IZGenome") for n in conv.notes)
    if "a_init_mean" in conv.data["genome"]:  # topoevo's Izhikevich genome settings
        assert conv.data["genome"]["network"] == "iznn" and conv.data["genome"]["c_init_mean"] == -65.0
    else:
        assert any("waiting" in n for n in conv.notes)
    summary = Run.start(cfg, out=tmp_path / "run", seed=0).loop()
    assert summary.generations == 2


@pytest.mark.parametrize("edit, field", [
    (("weight_mutate_rate      = 0.8", "weight_mutate_rate = 0.8\nweight_momentum = 0.9"), "DefaultGenome.weight_momentum"),
    (("[DefaultReproduction]", "[DefaultReproduction]\ncrossover_rate = 0.75"), "DefaultReproduction.crossover_rate"),
    (("[DefaultSpeciesSet]", "[MySpeciesSet]"), "MySpeciesSet"),
    (("max_stagnation       = 20", "max_stagnation = 20\npatience = 3"), "DefaultStagnation.patience"),
    (("activation_options      = sigmoid", "activation_options = sigmoid my_sinc"), "DefaultGenome.activation_options"),
])
@pytest.mark.parametrize("command", ["convert", "run"])
def test_cli_option_without_meaning_is_one_line_exit_2(tmp_path, capsys, edit, field, command):
    """Acceptance: a config with an option that has no meaning in topoevo: one line naming the section and the key,
    exit code 2, nothing written."""
    from topoevo.cli import main

    text = XOR.read_text()
    assert edit[0] in text
    path = tmp_path / "config"
    path.write_text(text.replace(edit[0], edit[1]))
    out = tmp_path / "out"
    args = ["convert", str(path), "-o", str(out)] if command == "convert" else ["run", str(path), "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{path}: {field}" in err, err
    assert not out.exists()


def test_cli_convert_bad_option_is_one_line_exit_2(tmp_path, capsys):
    from topoevo.cli import main

    path = ini(tmp_path, weight_init_type="cauchy")
    assert main(["convert", str(path), "-o", str(tmp_path / "out.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "DefaultGenome.weight_init_type" in err
    assert not (tmp_path / "out.toml").exists()


# ---- initial genomes ------------------------------------------------------------------------------------------------
MODES = ["unconnected", "fs_neat_nohidden", "fs_neat_hidden", "full_nodirect", "full_direct", "partial_nodirect 0.5",
         "partial_direct 0.3"]


@pytest.mark.parametrize("hidden", [0, 3])
@pytest.mark.parametrize("mode", MODES)
def test_initial_connection_matches_neat_python(tmp_path, mode, hidden):
    path = ini(tmp_path, initial_connection=mode, num_hidden=str(hidden), num_inputs="3", num_outputs="2")
    ncfg = neat_config(path)
    ours = [topo_live(g) for g in topo_genomes(path)]
    theirs = [neat_live(g, ncfg) for g in neat_genomes(path)]
    a, b = [len(x) for x in ours], [len(x) for x in theirs]
    assert close(a, b), (statistics.fmean(a), statistics.fmean(b))
    # the number of live hidden nodes too
    ha = [len({n for link in x for n in link} - {0, 1, 2, 3, 4}) for x in ours]
    hb = [len({n for link in x for n in link if n >= 0} - {0, 1}) for x in theirs]
    assert close(ha, hb), (statistics.fmean(ha), statistics.fmean(hb))
    if mode.startswith("full") or mode == "unconnected":
        assert set(a) == set(b)  # deterministic: the very same count


def test_recurrent_full_adds_self_loops_as_neat_python(tmp_path):
    path = ini(tmp_path, initial_connection="full_nodirect", feed_forward="False", num_hidden="2")
    ours = topo_genomes(path, n=1)[0]
    theirs = neat_genomes(path, n=1)[0]
    loops = sum(1 for c in ours.conns.values() if c.in_node == c.out_node)
    assert loops == sum(1 for a, b in theirs.connections if a == b) == 3
    assert len(ours.conns) == len(theirs.connections)


@pytest.mark.parametrize("kind", ["gaussian", "uniform"])
def test_init_types_and_means_match_neat_python(tmp_path, kind):
    path = ini(tmp_path, weight_init_type=kind, weight_init_mean="0.5", weight_init_stdev="0.8",
               weight_min_value="-0.4", weight_max_value="1.5", bias_init_type=kind, bias_init_mean="-1.0",
               bias_init_stdev="0.5", response_init_type=kind, response_init_mean="1.0", response_init_stdev="0.3",
               num_inputs="4", num_outputs="3")
    ours, theirs = topo_genomes(path, n=300), neat_genomes(path, n=300)
    w_a = [c.weight for g in ours for c in g.conns.values()]
    w_b = [c.weight for g in theirs for c in g.connections.values()]
    assert close(w_a, w_b) and min(w_a) >= -0.4 and max(w_a) <= 1.5
    assert close([statistics.pstdev(w_a)], [statistics.pstdev(w_b)], sigmas=0) or \
        abs(statistics.pstdev(w_a) - statistics.pstdev(w_b)) < 0.03
    for attr in ("bias", "response"):
        a = [getattr(n, attr) for g in ours for n in g.nodes.values() if not n.kind.is_sensor]
        b = [getattr(n, attr) for g in theirs for n in g.nodes.values()]
        assert close(a, b), attr
        assert abs(statistics.pstdev(a) - statistics.pstdev(b)) < 0.05, attr


def test_random_activation_and_enabled_default_match_neat_python(tmp_path):
    path = ini(tmp_path, activation_default="random", activation_options="sigmoid tanh relu abs",
               aggregation_default="random", aggregation_options="sum max", enabled_default="random",
               num_inputs="3", num_outputs="4")
    ours, theirs = topo_genomes(path), neat_genomes(path)
    twins = {"neat_python_sigmoid": "sigmoid", "neat_python_tanh": "tanh"}
    for name in ("sigmoid", "tanh", "relu", "abs"):
        a = [sum(twins.get(n.activation, n.activation) == name for n in g.nodes.values() if not n.kind.is_sensor)
             for g in ours]
        b = [sum(n.activation == name for n in g.nodes.values()) for g in theirs]
        assert close(a, b), name
    a = [sum(n.aggregation == "max" for n in g.nodes.values() if not n.kind.is_sensor) for g in ours]
    b = [sum(n.aggregation == "max" for n in g.nodes.values()) for g in theirs]
    assert close(a, b)
    a = [sum(c.enabled for c in g.conns.values()) for g in ours]
    b = [sum(c.enabled for c in g.connections.values()) for g in theirs]
    assert close(a, b)


# ---- mutation -------------------------------------------------------------------------------------------------------
def mutated_pairs(path: Path, n: int = N, seed: int = 2):
    """(before, after) genome pairs, ``n`` one-round mutations of fresh initial genomes on each side."""
    conv = load_neat_python_config(path, task="xor")
    tracker, rng = InnovationTracker(0, first_hidden_id(conv.genome)), random.Random(seed)
    ours = []
    for k in range(n):
        g = initial_genome(conv.genome, tracker, rng, k)
        before = g.copy()
        mutate(g, conv.genome, conv.mutation, tracker, rng)
        ours.append((before, g))
    ncfg = neat_config(path)
    random.seed(seed)
    theirs = []
    for k in range(n):
        g = neat.DefaultGenome(k)
        g.configure_new(ncfg.genome_config)
        before = {key: (c.weight, c.enabled) for key, c in g.connections.items()}, dict(
            (key, (nd.bias, nd.response)) for key, nd in g.nodes.items())
        g.mutate(ncfg.genome_config)
        theirs.append((before, g))
    return ours, theirs


NO_STRUCTURE = dict(node_add_prob="0.0", conn_add_prob="0.0", node_delete_prob="0.0", conn_delete_prob="0.0",
                    num_inputs="5", num_outputs="4")


def test_per_gene_attribute_mutation_matches_neat_python(tmp_path):
    path = ini(tmp_path, weight_mutate_rate="0.3", weight_replace_rate="0.2", bias_mutate_rate="0.25",
               bias_replace_rate="0.25", enabled_mutate_rate="0.0", **NO_STRUCTURE)
    ours, theirs = mutated_pairs(path)
    a = [sum(before.conns[i].weight != c.weight for i, c in after.conns.items()) for before, after in ours]
    b = [sum(before[0][k][0] != c.weight for k, c in after.connections.items()) for before, after in theirs]
    assert close(a, b) and abs(statistics.pvariance(a) - statistics.pvariance(b)) < 1.0  # binomial per gene
    a = [sum(before.nodes[i].bias != nd.bias for i, nd in after.nodes.items()) for before, after in ours]
    b = [sum(before[1][k][0] != nd.bias for k, nd in after.nodes.items()) for before, after in theirs]
    assert close(a, b)


def test_enabled_mutation_with_direction_bias_matches_neat_python(tmp_path):
    path = ini(tmp_path, enabled_mutate_rate="0.2", enabled_rate_to_false_add="0.3", enabled_rate_to_true_add="0.1",
               weight_mutate_rate="0.0", weight_replace_rate="0.0", **NO_STRUCTURE)
    ours, theirs = mutated_pairs(path)
    a = [sum(not c.enabled for c in after.conns.values()) for _, after in ours]
    b = [sum(not c.enabled for c in after.connections.values()) for _, after in theirs]
    assert close(a, b) and 0 < statistics.fmean(a) < 20  # (0.2 + 0.3) / 2 of 20 links
    # and from disabled: enabled_default = false, rate 0.2 + 0.1
    path = ini(tmp_path, enabled_default="False", enabled_mutate_rate="0.2", enabled_rate_to_true_add="0.1",
               weight_mutate_rate="0.0", weight_replace_rate="0.0", **NO_STRUCTURE)
    ours, theirs = mutated_pairs(path)
    a = [sum(c.enabled for c in after.conns.values()) for _, after in ours]
    b = [sum(c.enabled for c in after.connections.values()) for _, after in theirs]
    assert close(a, b)


@pytest.mark.parametrize("single", ["true", "false"])
def test_structural_draws_match_neat_python(tmp_path, single):
    # rates summing above 1: 'single' scales them to 0.5 each, 'independent' keeps 0.8 each
    path = ini(tmp_path, node_add_prob="0.8", conn_add_prob="0.0", node_delete_prob="0.8", conn_delete_prob="0.0",
               single_structural_mutation=single, num_inputs="3", num_outputs="2", num_hidden="0")
    ours, theirs = mutated_pairs(path)
    a = [len(after.nodes) - len(before.nodes) for before, after in ours]  # +1 add, 0 (add then delete, or none)
    b = [len(after.nodes) - len(before[1]) for before, after in theirs]
    assert close(a, b), (statistics.fmean(a), statistics.fmean(b))
    # single: add with 0.8 / 1.6; independent: add 0.8, then the new node deleted again with 0.8
    assert abs(statistics.fmean(a) - (0.5 if single == "true" else 0.8 * 0.2)) < 0.06


@pytest.mark.parametrize("surer", ["true", "false"])
def test_structural_mutation_surer_matches_neat_python(tmp_path, surer):
    path = ini(tmp_path, initial_connection="unconnected", structural_mutation_surer=surer, num_inputs="3",
               num_outputs="2")
    conv = load_neat_python_config(path, task="xor")
    g = topo_genomes(path, n=1)[0]
    from topoevo.genome.mutation import _add_node_or_fallback

    _add_node_or_fallback(g, conv.genome, conv.mutation, InnovationTracker(0, 10), random.Random(0))
    ncfg = neat_config(path)
    h = neat_genomes(path, n=1)[0]
    h.mutate_add_node(ncfg.genome_config)
    assert len(g.conns) == len(h.connections) == (1 if surer == "true" else 0)


def test_add_node_draws_activation_and_response_with_zero_bias(tmp_path):
    path = ini(tmp_path, activation_default="random", activation_options="sigmoid relu", bias_init_stdev="2.0",
               response_init_stdev="0.5")
    cfg = load_neat_python_config(path, task="xor").genome
    rng = random.Random(3)
    acts, responses = set(), []
    for k in range(200):
        g = initial_genome(cfg, InnovationTracker(0, first_hidden_id(cfg)), rng, k)
        assert add_node(g, cfg, InnovationTracker(10, 10), rng)
        (new,) = [n for n in g.nodes.values() if n.kind is NodeKind.HIDDEN]
        assert new.bias == 0.0  # neat-python 2.0: new nodes start with bias 0
        acts.add(new.activation)
        responses.append(new.response)
    assert acts == {"neat_python_sigmoid", "relu"} and statistics.pstdev(responses) > 0.3


# ---- species fitness and the stopping criterion ---------------------------------------------------------------------
floats = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(floats)
def test_species_fitness_functions_equal_neat_pythons(values):
    from neat.math_util import stat_functions

    for name in ("max", "min", "mean", "median"):
        assert math.isclose(SPECIES_FITNESS[name](values), stat_functions[name](values), rel_tol=1e-9,
                            abs_tol=1e-6), name


@settings(max_examples=200, deadline=None)
@given(floats, st.floats(-1e6, 1e6), st.sampled_from(["max", "min", "mean"]))
def test_threshold_on_stops_when_neat_python_would(values, threshold, criterion):
    import numpy as np
    from neat.math_util import stat_functions

    fitness = np.array(values)
    order = np.argsort(-fitness, kind="stable")
    on = {"max": "best", "min": "worst", "mean": "mean"}[criterion]
    stops = threshold_hits(fitness, threshold, False, on, order).size > 0
    value = stat_functions[criterion](values)
    if not math.isclose(value, threshold, rel_tol=1e-9, abs_tol=1e-6):  # (float rounding of the mean aside)
        assert stops == (value >= threshold)


def test_species_fitness_func_mean_decides_stagnation(tmp_path):
    """A species whose best genome stays put but whose mean improves is not stagnant under 'mean'."""
    from topoevo.config import Config
    from topoevo.neat.algorithm import NEAT

    def stagnant_after(func: str) -> int:
        cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
                                "neat": {"pop_size": 10}, "species": {"compatibility_threshold": 1e9},
                                "stagnation": {"max_stagnation": 3, "species_elitism": 0,
                                               "species_fitness_func": func}})
        algo = NEAT(cfg, seed=0)
        (s,) = algo.species_set.species.values()
        for gen in range(6):
            pop = algo.ask()
            # the best is always 10; the others climb a little every generation
            fitness = [10.0] + [float(gen)] * (len(pop) - 1)
            algo.tell(fitness)
        return algo.generation - s.last_improved

    assert stagnant_after("max") >= 5 and stagnant_after("mean") == 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(-500, 500), st.integers(1, 60)), min_size=1, max_size=9),
       st.integers(2, 300), st.integers(0, 3), st.floats(0, 200), st.floats(0, 200))
def test_neat_python_allotment_equals_neat_pythons(species, pop_size, min_size, below, above):
    """reproduction.allotment = 'neat_python' gives exactly neat-python 2.0's spawn counts (where neat-python gives
    any: it raises when its minima cannot be met)."""
    from neat.reproduction import DefaultReproduction

    from topoevo.neat.reproduction import neat_python_spawn

    means, sizes = [m for m, _ in species], [n for _, n in species]
    lo, hi = min(means) - below, max(means) + above
    adjusted = [(m - lo) / max(1.0, hi - lo) for m in means]
    try:
        want = DefaultReproduction.compute_spawn(adjusted, sizes, pop_size, min_size)
        want = DefaultReproduction._adjust_spawn_exact(None, want, pop_size, min_size)
    except (RuntimeError, ZeroDivisionError):
        return
    assert neat_python_spawn(means, sizes, lo, hi, pop_size, min_size) == want


def test_elitism_copies_the_best_members_unchanged():
    """reproduction.elitism = k: the k best members of each species come back unchanged (neat-python's elitism)."""
    from topoevo.config import Config
    from topoevo.neat.algorithm import NEAT

    cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
                            "neat": {"pop_size": 20, "array_kernels": False},
                            "species": {"compatibility_threshold": 1e9},
                            "reproduction": {"elitism": 3, "elitism_threshold": 0, "mutate_only_prob": 0.0}})
    algo = NEAT(cfg, seed=0)
    pop = algo.ask()
    fitness = [float(i) for i in range(len(pop))]
    best = sorted(range(len(pop)), key=lambda i: -fitness[i])[:3]
    algo.tell(fitness)
    children = algo.ask()
    from topoevo.genome.io import genome_to_dict

    def shape(g):
        d = genome_to_dict(g)
        return d["nodes"], d["connections"]

    kept = [c for c in children if c.parents and len(c.parents) == 1 and c.parents[0] in {pop[i].key for i in best}]
    assert sorted(c.parents[0] for c in kept) == sorted(pop[i].key for i in best)
    assert all(shape(c) == shape(next(p for p in pop if p.key == c.parents[0])) for c in kept)


def test_converted_reproduction_is_neat_pythons(tmp_path):
    r = load_neat_python_config(ini(tmp_path, DefaultReproduction__elitism="2",
                                    DefaultReproduction__min_species_size="3"), task="xor").reproduction
    assert (r.elitism, r.elitism_threshold, r.allotment, r.min_species_size, r.survival_min) == \
        (2, 0, "neat_python", 3, 2)


# ---- properties -----------------------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(mode=st.sampled_from(list(InitialConnectivity)), hidden=st.integers(0, 4), p=st.floats(0, 1),
       exact=st.booleans(), recurrent=st.booleans(), loops=st.booleans(), bias=st.booleans(),
       enabled=st.sampled_from(["true", "false", "random"]), seed=st.integers(0, 2**32))
def test_initial_genomes_are_always_valid(mode, hidden, p, exact, recurrent, loops, bias, enabled, seed):
    cfg = GenomeConfig(num_inputs=3, num_outputs=2, num_hidden=hidden, initial_connectivity=mode,
                       connection_probability=p, partial_exact=exact, initial_self_loops=loops, bias_node=bias,
                       network=Network.RECURRENT if recurrent else Network.FEEDFORWARD, enabled_default=enabled,
                       weight_init_type="uniform", weight_init_mean=0.3, activation="random",
                       activation_options=["sigmoid", "tanh"])
    g = initial_genome(cfg, InnovationTracker(0, first_hidden_id(cfg)), random.Random(seed))
    assert g.problems() == []
    assert all(cfg.weight_min <= c.weight <= cfg.weight_max for c in g.conns.values())


@settings(max_examples=200, deadline=None)
@given(draw=st.sampled_from(["independent", "single"]), rates=st.lists(st.floats(0, 1), min_size=4, max_size=4),
       keep=st.booleans(), reenable=st.booleans(), fallback=st.booleans(), seed=st.integers(0, 2**32),
       recurrent=st.booleans())
def test_neat_python_mutation_keeps_genomes_valid(draw, rates, keep, reenable, fallback, seed, recurrent):
    cfg = GenomeConfig(num_inputs=3, num_outputs=2, num_hidden=1, bias_node=False,
                       network=Network.RECURRENT if recurrent else Network.FEEDFORWARD,
                       initial_connectivity=InitialConnectivity.PARTIAL_DIRECT, partial_exact=True)
    m = MutationConfig(structural_draw=draw, add_node_rate=rates[0], delete_node_rate=rates[1],
                       add_connection_rate=rates[2], delete_connection_rate=rates[3],
                       delete_connection_keeps_nodes=keep, add_connection_reenable=reenable,
                       add_node_fallback=fallback, gene_mutation="per_gene", enabled_mutate_rate=0.1,
                       bias_mutate_rate=0.5)
    tracker, rng = InnovationTracker(0, first_hidden_id(cfg)), random.Random(seed)
    g = initial_genome(cfg, tracker, rng)
    for _ in range(15):
        mutate(g, cfg, m, tracker, rng)
        assert g.problems() == []


def test_paper_defaults_unchanged():
    g, m = GenomeConfig(), MutationConfig()
    assert (g.initial_connectivity, g.enabled_default, g.weight_init_type, g.weight_init_mean) == \
        (InitialConnectivity.FULL, "true", "gaussian", 0.0)
    assert (m.structural_draw, m.gene_mutation, m.enabled_mutate_rate, m.add_connection_reenable) == \
        ("paper", "per_child", 0.0, True)


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries({
    "initial_connection": st.sampled_from(MODES), "num_hidden": st.sampled_from(["0", "1", "3"]),
    "feed_forward": st.sampled_from(["True", "False"]),
    "weight_init_type": st.sampled_from(["gaussian", "normal", "uniform"]),
    "bias_init_type": st.sampled_from(["gaussian", "uniform"]), "response_init_stdev": st.sampled_from(["0", "0.2"]),
    "activation_default": st.sampled_from(["sigmoid", "random"]), "activation_options": st.just("sigmoid tanh relu"),
    "aggregation_default": st.sampled_from(["sum", "random"]), "aggregation_options": st.just("sum max"),
    "enabled_default": st.sampled_from(["True", "False", "random"]),
    "enabled_rate_to_true_add": st.sampled_from(["0.0", "0.3"]),
    "single_structural_mutation": st.sampled_from(["true", "false"]),
    "structural_mutation_surer": st.sampled_from(["true", "false", "default"]),
    "NEAT__fitness_criterion": st.sampled_from(["max", "min", "mean", "median"]),
    "DefaultStagnation__species_fitness_func": st.sampled_from(["max", "min", "mean", "median", "median2"])}),
    st.integers(0, 2**16))
def test_any_combination_of_options_converts_and_evolves_valid_genomes(edits, seed):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_neat_python_config(ini(Path(tmp), num_inputs="3", num_outputs="2", **edits), task="xor")
    tracker, rng = InnovationTracker(0, first_hidden_id(cfg.genome)), random.Random(seed)
    g = initial_genome(cfg.genome, tracker, rng)
    for _ in range(5):
        mutate(g, cfg.genome, cfg.mutation, tracker, rng)
        assert g.problems() == []
