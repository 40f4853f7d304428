"""neat-python INI configs: read strictly, mapped key by key, run unchanged by `topoevo run`, converted to TOML."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topoevo.cli import main
from topoevo.config import Config, load_config
from topoevo.errors import ConfigError
from topoevo.interop.neat_python_config import (KEYS, config_to_toml, convert_neat_python_config,
                                                is_neat_python_config, load_neat_python_config)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "neat-python"
XOR_INI_TEXT = """\
[NEAT]
fitness_criterion     = max
fitness_threshold     = 3.9
pop_size              = 150
reset_on_extinction   = False
no_fitness_termination         = False

[DefaultGenome]
activation_default      = sigmoid
activation_mutate_rate  = 0.0
activation_options      = sigmoid
aggregation_default     = sum
aggregation_mutate_rate = 0.0
aggregation_options     = sum
bias_init_mean          = 0.0
bias_init_stdev         = 1.0
bias_max_value          = 30.0
bias_min_value          = -30.0
bias_mutate_power       = 0.5
bias_mutate_rate        = 0.7
bias_replace_rate       = 0.1
compatibility_disjoint_coefficient = 1.0
compatibility_weight_coefficient   = 0.5
conn_add_prob           = 0.5
conn_delete_prob        = 0.5
enabled_default         = True
enabled_mutate_rate     = 0.01
feed_forward            = True
initial_connection      = full_direct
node_add_prob           = 0.2
node_delete_prob        = 0.2
num_hidden              = 0
num_inputs              = 2
num_outputs             = 1
response_init_mean      = 1.0
response_init_stdev     = 0.0
response_max_value      = 30.0
response_min_value      = -30.0
response_mutate_power   = 0.0
response_mutate_rate    = 0.0
response_replace_rate   = 0.0
weight_init_mean        = 0.0
weight_init_stdev       = 1.0
weight_max_value        = 30
weight_min_value        = -30
weight_mutate_power     = 0.5
weight_mutate_rate      = 0.8
weight_replace_rate     = 0.1
single_structural_mutation     = false
structural_mutation_surer      = default
bias_init_type                 = gaussian
response_init_type             = gaussian
weight_init_type               = gaussian
enabled_rate_to_true_add       = 0.0
enabled_rate_to_false_add      = 0.0

[DefaultSpeciesSet]
compatibility_threshold = 3.0

[DefaultStagnation]
species_fitness_func = max
max_stagnation       = 20
species_elitism      = 2

[DefaultReproduction]
elitism            = 2
survival_threshold = 0.2
min_species_size               = 2
"""


@pytest.fixture(scope="module")
def xor_ini(tmp_path_factory) -> Path:
    """neat-python's XOR example config, unchanged (shared/data copy if present, else the same text)."""
    shipped = DATA / "xor-config-feedforward"
    if shipped.is_file():
        return shipped
    path = tmp_path_factory.mktemp("ini") / "xor-config-feedforward"
    path.write_text(XOR_INI_TEXT)
    return path


def edited(tmp_path: Path, section: str, key: str, value: str | None) -> Path:
    """The XOR config with one key set (``value``) or removed (``None``)."""
    out, current = [], None
    done = False
    for line in XOR_INI_TEXT.splitlines():
        if line.startswith("["):
            if current == section and not done and value is not None:
                out.insert(len(out) - 1 if out and not out[-1] else len(out), f"{key} = {value}")
                done = True
            current = line.strip("[]")
        elif current == section and line.split("=")[0].strip() == key:
            if value is not None:
                out.append(f"{key} = {value}")
            done = True
            continue
        out.append(line)
    if current == section and not done and value is not None:
        out.append(f"{key} = {value}")
    path = tmp_path / "edited-config"
    path.write_text("\n".join(out) + "\n")
    return path


def config_error(path: Path, task: str | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_neat_python_config(path, task=task)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(str(path) + ": ")
    return info.value


# ---- the acceptance: neat-python's XOR example runs unchanged and solves XOR -------------------------------------
def test_neat_python_xor_example_runs_unchanged_and_solves(xor_ini, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", str(xor_ini), "--seed", "4", "--generations", "40", "--out", str(out), "--no-progress"])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["solved"] and summary["stop_reason"] == "solved"
    assert summary["evaluations_to_solve"] <= 40 * 150
    config = json.loads((out / "config.json").read_text())
    assert config["task"] == {"name": "xor", "fitness": "neat_python", "solved_margin": 0.5}
    assert config["genome"]["activation"] == "neat_python_sigmoid" and config["genome"]["bias_node"] is False
    assert "solved after" in capsys.readouterr().out


def test_champion_solves_xor_in_neat_python_too(xor_ini, tmp_path):
    """The champion evolved by topoevo from neat-python's config, converted back, solves XOR in neat-python."""
    neat = pytest.importorskip("neat")
    from topoevo.genome.io import load_genome
    from topoevo.interop import to_neat_python

    out = tmp_path / "run"
    assert main(["run", str(xor_ini), "--seed", "4", "--generations", "40", "--out", str(out),
                 "--no-progress"]) == 0
    champion = load_genome(out / "champion.json")
    ncfg = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                       neat.DefaultStagnation, str(xor_ini))
    net = neat.nn.FeedForwardNetwork.create(to_neat_python(champion, ncfg), ncfg)
    outputs = [net.activate(x)[0] for x in ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))]
    assert [o > 0.5 for o in outputs] == [False, True, True, False]
    fitness = 4.0 - sum((o - t) ** 2 for o, t in zip(outputs, (0.0, 1.0, 1.0, 0.0)))
    assert math.isclose(fitness, champion.fitness, rel_tol=1e-6)  # the batched nets compute in float32


# ---- the mapping ----------------------------------------------------------------------------------------------------
def test_xor_mapping(xor_ini):
    cfg = load_neat_python_config(xor_ini)
    assert cfg.task.name == "xor" and cfg.task.params.fitness.value == "neat_python"
    assert cfg.neat.pop_size == 150 and cfg.run.fitness_threshold == 3.9 and not cfg.neat.reset_on_extinction
    g = cfg.genome
    assert (g.num_inputs, g.num_outputs, g.bias_node, g.feed_forward) == (2, 1, False, True)
    assert g.activation == "neat_python_sigmoid" and g.activation_options == ["neat_python_sigmoid"]
    assert g.initial_connectivity.value == "full_direct" and g.bias_init_stdev == 1.0
    assert (g.weight_min, g.weight_max, g.response_init) == (-30.0, 30.0, 1.0)
    m = cfg.mutation
    # per gene: perturb 0.8, replace 0.1 -> 0.9, of which perturb 0.8/0.9
    assert m.gene_mutation == "per_gene"
    assert m.weight_mutate_rate == 0.9 and math.isclose(m.weight_mutate_rate * m.weight_perturb_prob, 0.8)
    assert m.bias_mutate_rate == 0.8 and math.isclose(m.bias_mutate_rate * m.bias_perturb_prob, 0.7)
    assert (m.add_node_rate, m.add_connection_rate, m.delete_node_rate) == (0.2, 0.5, 0.2)
    assert m.delete_connection_rate == 0.5 and m.delete_connection_keeps_nodes and m.toggle_enable_rate == 0.0
    assert m.enabled_mutate_rate == 0.01 and m.structural_draw == "independent"
    assert m.add_connection_reenable is False and m.add_node_fallback is False  # surer = default, not single
    assert m.structural_exclusive is False
    s = cfg.species
    assert (s.compatibility_threshold, s.disjoint_coefficient, s.excess_coefficient, s.weight_coefficient) == \
        (3.0, 1.0, 1.0, 0.5)
    assert s.normalize_min_genes == 0
    assert (cfg.stagnation.max_stagnation, cfg.stagnation.species_elitism) == (20, 2)
    r = cfg.reproduction
    assert r.survival_threshold == 0.2 and r.elitism_threshold == 0
    assert (r.mate_only_prob, r.interspecies_mate_rate, r.mutate_only_prob) == (0.0, 0.0, 0.0)
    assert cfg.source == str(xor_ini)


def test_every_key_of_the_example_is_known_and_notes_are_given(xor_ini):
    import configparser

    parser = configparser.ConfigParser()
    parser.read(xor_ini)
    for section in parser.sections():
        assert set(dict(parser.items(section))) <= set(KEYS[section])
    notes = convert_neat_python_config(xor_ini).notes
    # (neat-python's spawn rule is the conversion's: min_species_size is mapped, not approximated)
    assert not any(n.startswith("DefaultReproduction.min_species_size") for n in notes)
    assert convert_neat_python_config(xor_ini).data["reproduction"]["min_species_size"] == 2
    assert any(n.startswith("<task>") for n in notes)


def test_seed_and_no_fitness_termination(tmp_path):
    cfg = load_neat_python_config(edited(tmp_path, "NEAT", "seed", "42"))
    assert cfg.run.seed == 42
    cfg = load_neat_python_config(edited(tmp_path, "NEAT", "no_fitness_termination", "True"))
    assert cfg.run.fitness_threshold is None


def test_partial_and_recurrent(tmp_path):
    path = edited(tmp_path, "DefaultGenome", "initial_connection", "partial_nodirect 0.3")
    cfg = load_neat_python_config(path)
    assert cfg.genome.initial_connectivity.value == "partial" and cfg.genome.connection_probability == 0.3
    cfg = load_neat_python_config(edited(tmp_path, "DefaultGenome", "feed_forward", "False"))
    assert cfg.genome.network.value == "recurrent"


def test_task_is_required_unless_xor_shaped(tmp_path):
    path = edited(tmp_path, "DefaultGenome", "num_inputs", "4")
    err = config_error(path)
    assert err.field == "<task>" and "--task" in err.message
    cfg = load_neat_python_config(edited(tmp_path, "DefaultGenome", "num_inputs", "2"), task="xor")
    assert cfg.task.name == "xor"


def test_other_task_and_shape_mismatch(tmp_path, xor_ini):
    """The task's own shape is checked when the run starts (genome.num_inputs must match)."""
    from topoevo.run import Run

    cfg = load_neat_python_config(edited(tmp_path, "DefaultGenome", "num_inputs", "3"), task="xor")
    with pytest.raises(ConfigError, match="genome.num_inputs"):
        Run.start(cfg, out=tmp_path / "never")


# ---- errors: one line naming file and Section.key -------------------------------------------------------------------
@pytest.mark.parametrize("section, key, value, field, words", [
    ("DefaultGenome", "conn_add_probb", "0.5", "DefaultGenome.conn_add_probb", "did you mean 'conn_add_prob'"),
    ("NEAT", "pop_sise", "10", "NEAT.pop_sise", "did you mean 'pop_size'"),
    ("DefaultGenome", "activation_default", "softplus", "DefaultGenome.activation_default", "not among"),
    ("DefaultGenome", "aggregation_default", "my_l2norm", "DefaultGenome.aggregation_default", "not among"),
    ("DefaultGenome", "activation_options", "sigmoid my_sinc", "DefaultGenome.activation_options", "add_activation"),
    ("DefaultGenome", "aggregation_options", "sum median", "DefaultGenome.aggregation_options", "median"),
    ("NEAT", "fitness_criterion", "best", "NEAT.fitness_criterion", "expected one of"),
    ("DefaultStagnation", "species_fitness_func", "mode", "DefaultStagnation.species_fitness_func", "expected one"),
    ("DefaultGenome", "weight_init_type", "cauchy", "DefaultGenome.weight_init_type", "uniform"),
    ("DefaultGenome", "enabled_default", "maybe", "DefaultGenome.enabled_default", "random"),
    ("DefaultGenome", "enabled_rate_to_true_add", "2.0", "DefaultGenome.enabled_rate_to_true_add", "<= 1"),
    ("DefaultGenome", "initial_connection", "partial_direct", "DefaultGenome.initial_connection", "probability"),
    ("DefaultGenome", "initial_connection", "everything", "DefaultGenome.initial_connection", "expected one of"),
    ("DefaultGenome", "structural_mutation_surer", "maybe", "DefaultGenome.structural_mutation_surer", "default"),
    ("DefaultGenome", "num_inputs", "two", "DefaultGenome.num_inputs", "integer"),
    ("DefaultGenome", "feed_forward", "perhaps", "DefaultGenome.feed_forward", "True or False"),
    ("DefaultGenome", "weight_mutate_power", "nan", "DefaultGenome.weight_mutate_power", "finite"),
    ("DefaultGenome", "weight_init_stdev", None, "DefaultGenome.weight_init_stdev", "missing"),
    ("NEAT", "no_fitness_termination", None, "NEAT.no_fitness_termination", "missing"),
    # values topoevo's own checks reject are reported under the neat-python key they came from
    ("DefaultReproduction", "survival_threshold", "0", "DefaultReproduction.survival_threshold", "> 0"),
    ("NEAT", "pop_size", "1", "NEAT.pop_size", ">= 2"),
    ("DefaultGenome", "weight_min_value", "40", "DefaultGenome.weight_max_value", "weight_max"),
])
def test_bad_keys_and_unsupported_features(tmp_path, section, key, value, field, words):  # noqa: D103
    err = config_error(edited(tmp_path, section, key, value))
    assert err.field.startswith(field), err
    assert words in err.message, err


def test_bad_sections_and_syntax(tmp_path):
    path = tmp_path / "c"
    path.write_text(XOR_INI_TEXT + "\n[DefaultGenomes]\nx = 1\n")
    err = config_error(path)
    assert err.field == "DefaultGenomes" and "did you mean 'DefaultGenome'" in err.message
    path.write_text(XOR_INI_TEXT.replace("[DefaultSpeciesSet]\ncompatibility_threshold = 3.0\n", ""))
    assert config_error(path).field == "DefaultSpeciesSet"
    path.write_text(XOR_INI_TEXT.replace("pop_size              = 150", "pop_size = 150\npop_size = 10"))
    err = config_error(path)
    assert err.field == "NEAT.pop_size" and "twice" in err.message
    path.write_text("[NEAT]\nthis line has no equals sign\n")
    assert config_error(path).field == "<syntax>"
    assert config_error(tmp_path / "missing").field == "<file>"


def test_cli_errors_are_one_line_exit_2(tmp_path, capsys, xor_ini):
    bad = edited(tmp_path, "DefaultGenome", "node_add_prob", "lots")
    assert main(["run", str(bad), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DefaultGenome.node_add_prob" in err and str(bad) in err
    assert not (tmp_path / "r").exists()
    assert main(["run", str(ROOT / "tasks" / "xor.toml"), "--task", "xor", "--out", str(tmp_path / "r")]) == 2
    assert "--task" in capsys.readouterr().err
    assert main(["run", str(xor_ini), "--task", "nope", "--out", str(tmp_path / "r")]) == 2
    assert "unknown task 'nope'" in capsys.readouterr().err


def test_recognises_ini_files(xor_ini):
    assert is_neat_python_config(xor_ini)
    assert not is_neat_python_config(ROOT / "tasks" / "xor.toml")
    assert not is_neat_python_config(ROOT / "no-such-file")


# ---- convert --------------------------------------------------------------------------------------------------------
def test_convert_writes_an_equivalent_toml_task_file(xor_ini, tmp_path, capsys):
    out = tmp_path / "xor.toml"
    assert main(["convert", str(xor_ini), "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# Converted by `topoevo convert`") and "# " + "  - DefaultGenome.conn_add_prob" in text
    assert load_config(out) == load_neat_python_config(xor_ini)
    assert main(["convert", str(xor_ini), "-o", str(out)]) == 2  # no silent overwrite
    assert "--force" in capsys.readouterr().err
    assert main(["convert", str(xor_ini), "-o", str(out), "--force", "--task", "xor"]) == 0
    assert main(["convert", str(xor_ini), "-o", "-"]) == 0
    assert "[mutation]" in capsys.readouterr().out


def test_task_from_a_toml_task_file(tmp_path):
    """``--task tasks/cartpole.toml``: the [task] table of a task file (gym needs its env_id)."""
    text = XOR_INI_TEXT.replace("num_inputs              = 2", "num_inputs = 4")
    (tmp_path / "edited-config").write_text(text.replace("num_outputs             = 1", "num_outputs = 2"))
    cfg = load_neat_python_config(tmp_path / "edited-config", task=str(ROOT / "tasks" / "cartpole.toml"))
    assert cfg.task.name == "gym" and cfg.task.params.env_id == "CartPole-v1"
    assert cfg.genome.num_inputs == 4 and cfg.genome.num_outputs == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\nseed = 1\n")
    with pytest.raises(ConfigError, match=f"^{bad}: task.name: no \\[task\\] table"):
        load_neat_python_config(tmp_path / "edited-config", task=str(bad))
    with pytest.raises(ConfigError, match="--task"):
        load_neat_python_config(tmp_path / "edited-config", task=str(tmp_path / "missing.toml"))


def test_convert_cartpole_config_with_gym_task(tmp_path):
    """neat-python's CartPole config with a task named on the command line (gym needs env_id: edit the TOML)."""
    ini = DATA / "cartpole-config-feedforward"
    if not ini.is_file():
        pytest.skip("shared data not present")
    conv = convert_neat_python_config(ini, task="gym")
    conv.data["task"]["env_id"] = "CartPole-v1"
    cfg = Config.from_dict(tomllib.loads(config_to_toml(conv.data)))
    assert (cfg.genome.num_inputs, cfg.genome.num_outputs) == (4, 2) and cfg.run.fitness_threshold == 100000


def test_ctrnn_time_constants_are_carried_over():
    """neat-python's CTRNN configs keep their time-constant settings; they take effect with genome.network = ctrnn."""
    ini = Path(__file__).parent / "data" / "neat_python_examples" / "single-pole-balancing__config-ctrnn"
    conv = convert_neat_python_config(ini, task="xor")
    data = tomllib.loads(config_to_toml(conv.data))
    data["genome"].update(network="ctrnn", num_inputs=2, num_outputs=1)
    cfg = Config.from_dict(data)
    assert (cfg.genome.time_constant_init_mean, cfg.genome.time_constant_mutate_rate) == (0.01, 0.3)
    assert (cfg.genome.time_constant_min_value, cfg.genome.time_constant_max_value) == (0.001, 1.0)


# ---- the TOML writer ------------------------------------------------------------------------------------------------
scalars = st.one_of(st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=20))
keys = st.text(alphabet="abcxyz_019", min_size=1, max_size=8)
tables = st.dictionaries(keys,
                         st.one_of(scalars, st.lists(st.text(max_size=8), max_size=4)), max_size=6)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(keys, tables, max_size=4))
def test_toml_writer_round_trips(data):
    assert tomllib.loads(config_to_toml(data, ["a comment"])) == data


# ---- the options issue 21 made convertible: each maps to the topoevo setting with the same meaning ---------------------
@pytest.mark.parametrize("section, key, value, target, expected", [
    ("DefaultGenome", "activation_default", "random", "genome.activation", "random"),
    ("DefaultGenome", "aggregation_default", "random", "genome.aggregation", "random"),
    ("NEAT", "fitness_criterion", "mean", "run.threshold_on", "mean"),
    ("NEAT", "fitness_criterion", "min", "run.threshold_on", "worst"),
    ("NEAT", "fitness_criterion", "median", "run.threshold_on", "median"),
    ("DefaultStagnation", "species_fitness_func", "mean", "stagnation.species_fitness_func", "mean"),
    ("DefaultStagnation", "species_fitness_func", "median", "stagnation.species_fitness_func", "median"),
    ("DefaultGenome", "num_hidden", "2", "genome.num_hidden", 2),
    ("DefaultGenome", "bias_init_mean", "0.5", "genome.bias_init_mean", 0.5),
    ("DefaultGenome", "weight_init_mean", "-0.5", "genome.weight_init_mean", -0.5),
    ("DefaultGenome", "weight_init_type", "uniform", "genome.weight_init_type", "uniform"),
    ("DefaultGenome", "bias_init_type", "normal", "genome.bias_init_type", "gaussian"),
    ("DefaultGenome", "response_init_stdev", "0.1", "genome.response_init_stdev", 0.1),
    ("DefaultGenome", "response_init_type", "uniform", "genome.response_init_type", "uniform"),
    ("DefaultGenome", "enabled_default", "random", "genome.enabled_default", "random"),
    ("DefaultGenome", "enabled_default", "False", "genome.enabled_default", "false"),
    ("DefaultGenome", "enabled_rate_to_true_add", "0.1", "mutation.enabled_rate_to_true_add", 0.1),
    ("DefaultGenome", "enabled_rate_to_false_add", "0.2", "mutation.enabled_rate_to_false_add", 0.2),
    ("DefaultGenome", "single_structural_mutation", "true", "mutation.structural_draw", "single"),
    ("DefaultGenome", "single_structural_mutation", "true", "mutation.add_connection_reenable", True),
    ("DefaultGenome", "structural_mutation_surer", "true", "mutation.add_node_fallback", True),
    ("DefaultGenome", "initial_connection", "unconnected", "genome.initial_connectivity", "none"),
    ("DefaultGenome", "initial_connection", "fs_neat_nohidden", "genome.initial_connectivity", "fs_neat"),
    ("DefaultGenome", "initial_connection", "fs_neat_hidden", "genome.initial_connectivity", "fs_neat_hidden"),
    ("DefaultGenome", "initial_connection", "full_nodirect", "genome.initial_connectivity", "full"),
    ("DefaultGenome", "initial_connection", "partial_nodirect 0.5", "genome.initial_connectivity", "partial"),
    ("DefaultGenome", "initial_connection", "partial_direct 0.5", "genome.partial_exact", True),
])
def test_neat_python_options_convert(tmp_path, section, key, value, target, expected):
    cfg = load_neat_python_config(edited(tmp_path, section, key, value))
    sec, name = target.split(".")
    got = getattr(getattr(cfg, sec), name)
    assert getattr(got, "value", got) == expected
