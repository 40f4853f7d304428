"""The hybrid mode on NEAT genomes (topoevo/hybrid/rea.py, switch.py, mutation.py): function-preserving mutations
against the reference interpreter, innovation-keyed Lamarckian inheritance, the aging queue, the switch of a NEAT
run (resumed bit-identically after SIGKILL right after the switch), and one-line errors for what it cannot train."""
from __future__ import annotations

import dataclasses
import json
import math
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import PROPERTY, genomes
from test_crash_safety import kill_when, launch, outcome, stats_lines

from topoevo.checkpoint import FILENAME, read_checkpoint
from topoevo.cli import main
from topoevo.config import Config, GenomeConfig, MutationConfig
from topoevo.config.hybrid import MutationKind
from topoevo.errors import CheckpointError, ConfigError
from topoevo.genome import InnovationTracker, activate, initial_genome
from topoevo.hybrid.mutation import mutate_child
from topoevo.hybrid.rea import NEATRegularizedEvolution
from topoevo.hybrid.switch import NEATSwitch
from topoevo.run import Run

REPO = Path(__file__).resolve().parents[1]
IRIS = {"task": {"name": "supervised_backprop", "dataset": "iris", "steps": 3, "learning_rate": 0.05,
                 "inheritance": "lamarckian"},
        "run": {"checkpoint_every": 1, "progress": False},
        "genome": {"num_inputs": 4, "num_outputs": 3, "num_hidden": 2, "activation": "tanh",
                   "activation_options": ["tanh", "relu"],
                   "output_activation": "identity"},
        "neat": {"pop_size": 8},
        "hybrid": {"population": 6, "sample_size": 3, "batch": 4}}


def iris(algorithm: str, generations: int = 4, **hybrid) -> Config:
    d = json.loads(json.dumps(IRIS))
    d["run"].update(algorithm=algorithm, generations=generations)
    d["hybrid"].update(hybrid)
    return Config.from_dict(d)


def toml(d: dict) -> str:
    def value(v):
        return json.dumps(v) if not isinstance(v, bool) else str(v).lower()

    return "\n".join(f"[{s}]\n" + "\n".join(f"{k} = {value(v)}" for k, v in t.items()) for s, t in d.items()) + "\n"


# ---- function-preserving structural mutations -----------------------------------------------------------------------
@settings(PROPERTY, max_examples=120)
@given(genomes(feed_forward=True), st.sampled_from([MutationKind.ADD_NODE, MutationKind.ADD_CONNECTION]),
       st.integers(0, 2**32 - 1), st.lists(st.floats(-3, 3), min_size=8, max_size=8))
def test_function_preserving_child_computes_exactly_its_parents_function(parent, kind, seed, xs):
    cfg = GenomeConfig(num_inputs=len(parent.input_ids), num_outputs=len(parent.output_ids),
                       bias_node=parent.bias_id is not None)
    tracker = InnovationTracker(max(parent.conns, default=-1) + 1, max(parent.nodes) + 1)
    child = parent.copy()
    changed = mutate_child(child, kind, cfg, MutationConfig(), tracker, random.Random(seed), preserving=True)
    assert child.problems() == []
    if changed:
        assert child.structure() != parent.structure()
    rng = random.Random(seed)
    for _ in range(4):
        x = [rng.choice(xs) for _ in parent.input_ids]
        assert activate(child, x) == activate(parent, x)  # exactly, not approximately


def test_plain_structural_mutation_does_change_the_function():
    """(So the property above tests something: without the option a new link starts at a random weight.)"""
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, num_hidden=2)
    t = InnovationTracker()
    g = initial_genome(cfg, t, random.Random(0))
    for c in list(g.conns.values())[:3]:
        c.enabled = False
    diffs = 0
    for seed in range(10):
        child = g.copy()
        if mutate_child(child, MutationKind.ADD_CONNECTION, cfg, MutationConfig(), t, random.Random(seed)):
            diffs += activate(child, [0.7, -0.4]) != activate(g, [0.7, -0.4])
    assert diffs > 0


# ---- the algorithm ------------------------------------------------------------------------------------------------
def test_children_start_from_their_parents_trained_weights_for_every_shared_gene(tmp_path):
    cfg = iris("neat_rea", mutations=["add_node", "add_connection"])
    task_run = Run.start(cfg, out=tmp_path / "r", seed=3, reporters=[])
    algo: NEATRegularizedEvolution = task_run.algo
    before = {g.key: {i: c.weight for i, c in g.conns.items()} for g in algo.ask()}
    task_run.step()  # trains generation 0 (the P initial genomes), writes their trained weights back
    queue = {g.key: g for g in algo.queue}
    trained = {g.key: {i: c.weight for i, c in g.conns.items()} for g in algo.queue}
    assert any(trained[k] != before[k] for k in trained)  # training changed the weights
    shared = 0
    for child in algo.ask():
        (pkey,) = child.parents
        parent = queue[pkey]
        for inn, c in child.conns.items():
            if inn in parent.conns:
                shared += 1
                assert c.weight == parent.conns[inn].weight
        for nid, n in child.nodes.items():
            if nid in parent.nodes:
                assert n.bias == parent.nodes[nid].bias
    assert shared > 0


def test_scratch_children_draw_every_weight_anew(tmp_path):
    cfg = iris("neat_rea", lamarckian=False, mutations=["identity"])
    run = Run.start(cfg, out=tmp_path / "r", seed=1, reporters=[])
    run.step()
    queue = {g.key: g for g in run.algo.queue}
    for child in run.algo.ask():
        parent = queue[child.parents[0]]
        assert child.structure() == parent.structure()
        assert all(c.weight != parent.conns[i].weight for i, c in child.conns.items())


def test_aging_queue_keeps_the_newest_population_and_counts_every_trained_genome(tmp_path):
    cfg = iris("neat_rea", generations=5)
    run = Run.start(cfg, out=tmp_path / "r", seed=0, reporters=[])
    summary = run.loop()
    algo = run.algo
    h = cfg.hybrid
    assert summary.evaluations == h.population + 4 * h.batch
    assert len(algo.queue) == h.population
    keys = [g.key for g in algo.queue]
    assert keys == sorted(keys) and keys[-1] == algo.next_key - h.batch - 1  # the newest, oldest first
    assert algo.best.fitness >= max(g.fitness for g in algo.queue)
    champion = json.loads((tmp_path / "r" / "champion.json").read_text())
    assert champion["metadata"]["algorithm"] == "neat_rea"


def test_crossover_children_have_two_parents_and_valid_genomes(tmp_path):
    cfg = iris("neat_rea", generations=3, crossover_rate=1.0, function_preserving=True)
    run = Run.start(cfg, out=tmp_path / "r", seed=2, reporters=[])
    run.loop()
    kids = run.algo.ask()
    assert all(len(g.parents) == 2 and g.problems() == [] for g in kids)


def test_same_seed_same_run(tmp_path):
    a = Run.start(iris("neat_rea", 3), out=tmp_path / "a", seed=5, reporters=[])
    b = Run.start(iris("neat_rea", 3), out=tmp_path / "b", seed=5, reporters=[])
    a.loop(), b.loop()
    assert a.algo.state_dict() == b.algo.state_dict()


@pytest.mark.slow
def test_same_run_on_two_worker_processes(tmp_path):
    """Each genome's training does not depend on the genomes it is trained with: any evaluator, same run."""
    from topoevo.evaluate.pool import PoolEvaluator

    cfg = iris("neat_switch", 4, switch_at=2)
    a = Run.start(cfg, out=tmp_path / "a", seed=2, reporters=[])
    a.loop()
    with PoolEvaluator(workers=2) as pool:
        b = Run.start(cfg, out=tmp_path / "b", seed=2, reporters=[], evaluator=pool)
        b.loop()
    assert a.algo.state_dict() == b.algo.state_dict()


# ---- the switch ---------------------------------------------------------------------------------------------------
def test_switch_at_seeds_the_queue_with_the_best_of_the_last_neat_generation(tmp_path):
    cfg = iris("neat_switch", generations=5, switch_at=2)
    run = Run.start(cfg, out=tmp_path / "r", seed=0)
    run.loop()
    lines = [json.loads(x) for x in (tmp_path / "r" / "stats.jsonl").read_text().splitlines()]
    assert [x["phase"] for x in lines] == ["neat", "neat", "rea", "rea", "rea"]
    assert [x["switched"] for x in lines] == [False, True, False, False, False]
    assert lines[-1]["evaluations"] == 2 * cfg.neat.pop_size + 3 * cfg.hybrid.batch
    assert run.algo.phase == "rea"


def test_switch_when_stagnation(tmp_path):
    algo = NEATSwitch(iris("neat_switch", switch_when="stagnation", switch_patience=2), seed=0)
    flat = [0.5] * 8
    phases = []
    for _ in range(4):
        algo.observe({})
        phases.append(algo.tell(flat).to_dict()["switched"])
        if algo.phase == "rea":
            break
    assert phases == [False, False, True]  # best fitness reached at generation 0, no better by generation 2


@pytest.fixture(scope="module")
def switch_task_file(tmp_path_factory) -> Path:
    d = json.loads(json.dumps(IRIS))
    d["run"].update(algorithm="neat_switch", generations=7, seed=4)
    d["hybrid"].update(switch_at=3)
    path = tmp_path_factory.mktemp("switch") / "iris_switch.toml"
    path.write_text(toml(d))
    return path


@pytest.mark.slow
def test_sigkill_right_after_the_switch_then_resume_equals_an_uninterrupted_run(tmp_path, switch_task_file):
    from test_crash_safety import finish

    whole = tmp_path / "whole"
    finish("run", switch_task_file, "--out", whole)
    killed = tmp_path / "killed"

    def switched() -> bool:
        try:
            return read_checkpoint(killed)["algorithm"]["phase"] == "rea"
        except Exception:  # noqa: BLE001 - not written yet
            return False

    assert kill_when(launch("run", switch_task_file, "--out", killed), switched)
    state = read_checkpoint(killed)
    assert state["algorithm"]["phase"] == "rea" and state["algorithm"]["state"]["generation"] <= 5
    finish("resume", killed)
    a, b = outcome(whole), outcome(killed)
    assert a == b
    assert [json.loads(x)["phase"] for x in a["stats"]] == ["neat"] * 3 + ["rea"] * 4


def test_resume_from_the_checkpoint_of_the_switch_generation_in_process(tmp_path):
    cfg = iris("neat_switch", generations=6, switch_at=2)
    Run.start(cfg, out=tmp_path / "whole", seed=7, reporters=[]).loop()
    short = Run.start(cfg.replace(run=dataclasses.replace(cfg.run, generations=2)), out=tmp_path / "cut", seed=7,
                      reporters=[])
    short.loop()
    assert read_checkpoint(tmp_path / "cut")["algorithm"]["phase"] == "rea"
    resumed = Run.resume(tmp_path / "cut", reporters=[], generations=6)
    resumed.loop()
    whole = read_checkpoint(tmp_path / "whole")["algorithm"]
    assert read_checkpoint(tmp_path / "cut")["algorithm"] == whole


# ---- bad input ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("edit, field", [
    (lambda d: d.update(task={"name": "xor"}, genome={}), "task.name"),
    (lambda d: d["genome"].update(network="recurrent"), "genome.network"),
    (lambda d: d["task"].update(inheritance="baldwinian"), "task.inheritance"),
    (lambda d: d["task"].update(steps=0), "task.steps"),
    (lambda d: d["run"].update(fitness_criterion="min"), "run.fitness_criterion"),
])
@pytest.mark.parametrize("algorithm", ["neat_rea", "neat_switch"])
def test_what_the_hybrid_mode_cannot_train_is_one_line_exit_2(tmp_path, capsys, edit, field, algorithm):
    d = json.loads(json.dumps(IRIS))
    d["run"]["algorithm"] = algorithm
    d["hybrid"]["switch_at"] = 2
    edit(d)
    path = tmp_path / "bad.toml"
    path.write_text(toml(d))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and field in err[0], err
    assert not out.exists()


def test_a_gym_task_is_refused_with_one_line_exit_2(tmp_path, capsys):
    pytest.importorskip("gymnasium")
    text = (REPO / "tasks" / "cartpole.toml").read_text().replace('[run]', '[run]\nalgorithm = "neat_rea"', 1)
    path = tmp_path / "cartpole_rea.toml"
    path.write_text(text)
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and "task.name" in err[0] and "gym" in err[0], err


def test_neat_switch_without_a_switch_is_refused():
    with pytest.raises(ConfigError, match="hybrid.switch_at"):
        NEATSwitch(iris("neat_switch"), seed=0)


def test_hidden_layer_works_with_every_initial_connectivity():
    """(Issue 21: num_hidden with any initial connectivity, hidden nodes left dangling dropped, as neat-python.)"""
    import random

    from topoevo.genome import InnovationTracker, initial_genome
    from topoevo.genome.initial import first_hidden_id

    for mode in ("none", "partial", "partial_direct", "fs_neat_hidden", "one_input"):
        cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1,
                                                                     "num_hidden": 3, "initial_connectivity": mode}})
        g = initial_genome(cfg.genome, InnovationTracker(0, first_hidden_id(cfg.genome)), random.Random(1))
        assert g.problems() == []


@pytest.mark.parametrize("path, value, field", [
    (("phase",), "later", "algorithm.phase"),
    (("state", "queue", 0, "fitness"), None, "algorithm.queue[0].fitness"),
    (("state", "generation"), -1, "algorithm.generation"),
    (("state", "algorithm"), "neat", "algorithm.algorithm"),
    (("generation",), 99, "algorithm.state"),  # the common fields disagree with the phase's own
])
def test_malformed_checkpoint_names_the_field(tmp_path, path, value, field):
    cfg = iris("neat_switch", generations=3, switch_at=1)
    Run.start(cfg, out=tmp_path / "r", seed=0, reporters=[]).loop()
    file = tmp_path / "r" / FILENAME
    data = json.loads(file.read_text())
    node = data["algorithm"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    file.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=field.replace("[", r"\[").replace("]", r"\]")):
        Run.resume(tmp_path / "r", reporters=[])


def test_initial_hidden_layer_is_shared_by_every_initial_genome():
    cfg = GenomeConfig(num_inputs=3, num_outputs=2, num_hidden=4)
    t = InnovationTracker()
    a, b = (initial_genome(cfg, t, random.Random(s)) for s in (0, 1))
    assert a.problems() == [] and a.num_hidden == 4
    assert set(a.conns) == set(b.conns) and set(a.nodes) == set(b.nodes)
    assert len(a.conns) == 4 * 4 + 5 * 2  # (3 inputs + bias) x 4 hidden, (4 hidden + bias) x 2 outputs
    assert not math.isnan(activate(a, [0.1, 0.2, 0.3])[0])
