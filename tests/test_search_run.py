"""Weight evolution in the one run loop: resume equals an uninterrupted run, same seed same files, the champion file
(JSON, no pickle) reproduces its network, a solved run resumes without rewriting anything, task files and config
errors. The strict CartPole-v1 solves are marked slow."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from topoevo.config import Config, load_config
from topoevo.errors import CheckpointError, ConfigError, GenomeFileError
from topoevo.run import Run, run_task_file
from topoevo.search.io import load_parameters, parameters_from_dict
from topoevo.search.population import compile_parameters

ROOT = Path(__file__).resolve().parents[1]
ALGORITHMS = {
    "ga": {"ga": {"pop_size": 16, "truncation": 4, "mutation_power": 0.1, "crossover": "tensor"}},
    "steady_state_ga": {"ga": {"pop_size": 12, "truncation": 4, "offspring": 5}},
    "es": {"es": {"pop_size": 10, "sigma": 0.1, "learning_rate": 0.05}},
}


def wine_config(algorithm: str, generations: int, seed: int = 0, **sections: dict[str, Any]) -> Config:
    data: dict[str, Any] = {
        "task": {"name": "supervised", "dataset": "wine", "batch_size": 32},
        "run": {"algorithm": algorithm, "seed": seed, "generations": generations, "checkpoint_every": 2,
                "progress": False},
        "model": {"hidden": [6]}, **ALGORITHMS[algorithm]}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return Config.from_dict(data)


def stats_text(run_dir: Path) -> str:
    return (run_dir / "stats.jsonl").read_text()


def checkpoint_without_wall_time(run_dir: Path) -> dict[str, Any]:
    data = json.loads((run_dir / "checkpoint.json").read_text())
    data["run"].pop("wall_s")
    return data


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_resume_equals_uninterrupted(tmp_path: Path, algorithm: str):
    Run.start(wine_config(algorithm, 7, seed=3), out=tmp_path / "a").loop()
    Run.start(wine_config(algorithm, 3, seed=3), out=tmp_path / "b").loop()
    Run.resume(tmp_path / "b", generations=5).loop()
    Run.resume(tmp_path / "b", generations=7).loop()
    a, b = tmp_path / "a", tmp_path / "b"
    assert stats_text(a) == stats_text(b) and len(stats_text(a).splitlines()) == 7
    assert checkpoint_without_wall_time(a) == checkpoint_without_wall_time(b)
    assert (a / "champion.json").read_bytes() == (b / "champion.json").read_bytes()


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_same_seed_same_stats_other_seed_other_stats(tmp_path: Path, algorithm: str):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        Run.start(wine_config(algorithm, 4, seed=seed), out=tmp_path / name).loop()
    assert stats_text(tmp_path / "a") == stats_text(tmp_path / "b")
    assert stats_text(tmp_path / "a") != stats_text(tmp_path / "c")
    assert (tmp_path / "a" / "champion.json").read_bytes() == (tmp_path / "b" / "champion.json").read_bytes()


def test_champion_file_is_json_and_reproduces_its_fitness(tmp_path: Path):
    run = Run.start(wine_config("ga", 3, task={"batch_size": 0}), out=tmp_path / "a")
    summary = run.loop()
    text = (tmp_path / "a" / "champion.json").read_text()
    data = json.loads(text)  # plain JSON: model spec, layout, a flat list of numbers
    assert data["schema"] == "topoevo.parameters" and data["model"]["hidden"] == [6]
    assert len(data["parameters"]) == data["num_parameters"] == 13 * 6 + 6 + 6 * 3 + 3
    champion, meta = load_parameters(tmp_path / "a" / "champion.json")
    assert meta["algorithm"] == "ga" and meta["task"] == "supervised"
    assert champion.fitness == summary.best_fitness == run.algo.best.fitness
    assert np.array_equal(champion.values, run.algo.best.values)
    refit = run.task.evaluate(compile_parameters([champion]), np.zeros(1, dtype=np.int64)).fitness[0]
    assert refit == champion.fitness  # full batch: the fitness is exact
    module = champion.to_module()
    with torch.no_grad():
        acc = (module(run.task.train_inputs).argmax(1) == run.task.train_targets).double().mean().item()
    ce = torch.nn.functional.cross_entropy(module(run.task.train_inputs).double(), run.task.train_targets).item()
    assert acc > 0.5 and -ce == pytest.approx(champion.fitness, rel=1e-5)


def test_a_solved_run_keeps_its_solving_champion_across_a_resume(tmp_path: Path):
    cfg = wine_config("es", 40, task={"batch_size": 0, "solved_accuracy": 0.9})
    first = Run.start(cfg, out=tmp_path / "a").loop()
    assert first.solved and first.generations < 40
    before = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    checkpoint = json.loads(before["checkpoint.json"])
    assert checkpoint["run"]["champion"]["model"]["hidden"] == [6]  # the solving candidate is checkpointed
    again = Run.resume(tmp_path / "a").loop()
    assert again.solved and again.generations == first.generations
    after = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    for name in ("champion.json", "summary.json", "stats.jsonl", "config.json"):
        assert after[name] == before[name], name
    meta = load_parameters(tmp_path / "a" / "champion.json")[1]
    assert meta["solved"] and meta["champion_test"]["test_accuracy"] >= 0.9


def test_cartpole_ga_task_file_runs_in_the_loop(tmp_path: Path):
    """The GA task file runs end to end (a small budget: population 10, 2 generations, 100-step episodes)."""
    cfg = load_config(ROOT / "tasks" / "cartpole_mlp_ga.toml",
                      {"ga": {"pop_size": 10, "truncation": 3}, "run": {"generations": 2, "progress": False},
                       "task": {"max_episode_steps": 100, "episodes": 1}})
    summary = Run.start(cfg, out=tmp_path / "a").loop()
    assert summary.generations == 2 and summary.evaluations == 20 and summary.best_fitness is not None
    champion, meta = load_parameters(tmp_path / "a" / "champion.json")
    assert champion.spec.hidden == (16, 16) and champion.layout.size == 386 and meta["task"] == "gym"


# ---- task files and config errors -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["cartpole_mlp_ga", "cartpole_mlp_es", "wine_mlp_ga", "wine_mlp_es",
                                  "wine_mlp_steady_state_ga", "digits_cnn_ga", "digits_cnn_es"])
def test_task_files_load_and_build_their_algorithm(name: str):
    from topoevo.algorithm import algorithm_class
    from topoevo.run import build_task, fit_genome_to_task

    cfg = load_config(ROOT / "tasks" / f"{name}.toml")
    assert cfg.run.algorithm in ("ga", "es", "steady_state_ga")
    task = build_task(cfg)
    algo = algorithm_class(cfg.run.algorithm)(fit_genome_to_task(cfg, task), seed=0)
    assert len(algo.ask()) >= 2
    if hasattr(task, "close"):
        task.close()


@pytest.mark.parametrize("section, key, value, message", [
    ("model", "kind", "lstm", "expected one of 'mlp', 'cnn', 'rnn'"),
    ("model", "hidden", [4, 0], "expected a value >= 1"),
    ("model", "kernel_size", 4, "odd kernel size"),
    ("model", "activation", "tanhh", "did you mean"),
    ("model", "image_shape", [8, 8], "[channels, height, width]"),
    ("ga", "truncation", 500, "at most pop_size"),
    ("ga", "elitism", 100, "fewer than pop_size"),
    ("ga", "mutation_power", 0.0, "> 0"),
    ("ga", "crossover", "two_point", "expected one of"),
    ("es", "pop_size", 7, "even number"),
    ("es", "beta2", 1.0, "< 1"),
    ("es", "sigmma", 0.1, "did you mean 'sigma'"),
])
def test_bad_weight_settings_give_one_line_naming_the_key(tmp_path: Path, section: str, key: str, value: Any,
                                                          message: str):
    data: dict[str, Any] = {"task": {"name": "xor"}, section: {key: value}}
    with pytest.raises(ConfigError) as info:
        Config.from_dict(data, source="x.toml")
    text = str(info.value)
    assert text.startswith(f"x.toml: {section}.{key}") and message in text and "\n" not in text


def test_a_cnn_whose_image_does_not_match_the_task_is_an_error(tmp_path: Path):
    cfg = wine_config("ga", 1, model={"kind": "cnn", "image_shape": [1, 8, 8]})
    with pytest.raises(ConfigError, match="model.image_shape: .* holds 64 values, the task gives 13 inputs"):
        Run.start(cfg, out=tmp_path / "a")


def test_a_corrupt_parameter_file_is_rejected_naming_the_field(tmp_path: Path):
    Run.start(wine_config("ga", 1), out=tmp_path / "a").loop()
    data = json.loads((tmp_path / "a" / "champion.json").read_text())
    for mutate, field in [(lambda d: d["parameters"].pop(), "parameters"),
                          (lambda d: d["parameters"].__setitem__(3, "x"), "parameters[3]"),
                          (lambda d: d["model"].__setitem__("hidden", [7]), "layout"),
                          (lambda d: d["model"].__setitem__("kind", "lstm"), "model.kind"),
                          (lambda d: d.__setitem__("schema", "topoevo.genome"), "schema")]:
        bad = json.loads(json.dumps(data))
        mutate(bad)
        with pytest.raises(GenomeFileError) as info:
            parameters_from_dict(bad, source="c.json")
        assert str(info.value).startswith(f"c.json: {field}")


def test_a_corrupt_checkpoint_is_rejected_naming_the_field(tmp_path: Path):
    Run.start(wine_config("es", 2), out=tmp_path / "a").loop()
    path = tmp_path / "a" / "checkpoint.json"
    data = json.loads(path.read_text())
    data["algorithm"]["theta"]["shape"] = [3]
    path.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match="algorithm.theta: expected shape"):
        Run.resume(tmp_path / "a")


# ---- the strict CartPole-v1 criterion (slow) ---------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", ["cartpole_mlp_ga", "cartpole_mlp_es"])
def test_cartpole_mlp_is_solved_by_the_strict_criterion(tmp_path: Path, name: str):
    summary = run_task_file(ROOT / "tasks" / f"{name}.toml", out=tmp_path / "a", progress=False)
    assert summary.solved
    meta = load_parameters(tmp_path / "a" / "champion.json")[1]
    assert meta["champion_test"]["held_out_episodes"] == 100
    assert meta["champion_test"]["held_out_return"] >= 475.0
