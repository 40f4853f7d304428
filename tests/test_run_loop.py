"""The run loop: resume from a checkpoint equals a run never stopped (several seeds, split points, a crash with a torn
log), same seed -> same files, evaluation independent of how the population is split, minimisation and fitness
thresholds end to end, exact population size in the logs, and resuming a finished run rewrites nothing."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pytest

from topoevo.config import Config
from topoevo.config.schema import param
from topoevo.evaluate import Evaluator, compile_genomes
from topoevo.genome.io import load_genome_with_metadata
from topoevo.report import JSONLReporter, Reporter
from topoevo.run import Run
from topoevo.tasks.base import BatchedPolicy, EvalResult, Task, TaskBase
from topoevo.tasks.registry import register


# ---- a small task whose fitness depends on the evaluation seeds -------------------------------------------------
@dataclass
class NoisyTargetParams:
    """``[task]`` keys of the test task."""

    target: float = param(0.8, "Output wanted for every input.")
    solve_below: float = param(0.0, "An error below this counts as solved (0 = never).", ge=0)


class NoisyTargetTask(TaskBase):
    """Output ``target`` for four random inputs drawn from each genome's evaluation seed; fitness = mean absolute
    error (to be minimised)."""

    num_inputs = 2
    num_outputs = 1

    def __init__(self, params: NoisyTargetParams | None = None):
        self.params = params or NoisyTargetParams()

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        policy.reset()
        obs = np.stack([np.random.default_rng(int(s)).uniform(-1.0, 1.0, (4, 2)) for s in seeds])
        out = policy(obs)
        out = out.detach().numpy() if hasattr(out, "detach") else np.asarray(out)
        err = np.abs(out[..., 0].astype(np.float64) - self.params.target).mean(axis=1)
        solved = err < self.params.solve_below if self.params.solve_below > 0 else None
        return EvalResult(fitness=err, solved=solved)


register("noisy_target", f"{__name__}:NoisyTargetParams:NoisyTargetTask")


def xor_config(generations: int, seed: int = 0, pop: int = 30, **sections: dict[str, Any]) -> Config:
    data: dict[str, Any] = {
        "task": {"name": "xor"},
        "run": {"seed": seed, "generations": generations, "checkpoint_every": 1, "progress": False},
        "neat": {"pop_size": pop}, "mutation": {"add_node_rate": 0.2, "add_connection_rate": 0.3}}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return Config.from_dict(data)


def noisy_config(generations: int, seed: int = 0, pop: int = 24, **sections: dict[str, Any]) -> Config:
    data: dict[str, Any] = {
        "task": {"name": "noisy_target"},
        "run": {"seed": seed, "generations": generations, "checkpoint_every": 3, "progress": False,
                "fitness_criterion": "min"},
        "neat": {"pop_size": pop},
        "mutation": {"add_node_rate": 0.1, "add_connection_rate": 0.2, "weight_mutate_power": 1.0}}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return Config.from_dict(data)


def stats_lines(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]


def checkpoint_without_wall_time(run_dir: Path) -> dict[str, Any]:
    data = json.loads((run_dir / "checkpoint.json").read_text())
    data["run"].pop("wall_s")  # the only wall-clock figure in a checkpoint
    return data


def assert_same_run(a: Path, b: Path) -> None:
    assert (a / "stats.jsonl").read_text() == (b / "stats.jsonl").read_text()
    assert checkpoint_without_wall_time(a) == checkpoint_without_wall_time(b)
    assert (a / "champion.json").read_bytes() == (b / "champion.json").read_bytes()
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    sa.pop("wall_s"), sb.pop("wall_s"), sa.pop("run_dir"), sb.pop("run_dir")
    assert sa == sb
    assert len((a / "timing.jsonl").read_text().splitlines()) == len((b / "timing.jsonl").read_text().splitlines())


# ---- resume == uninterrupted ------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed, split", [(0, 5), (1, 1), (2, 8)])
def test_resume_equals_uninterrupted_xor(tmp_path: Path, seed: int, split: int):
    whole = Run.start(xor_config(10, seed), out=tmp_path / "a").loop()
    assert not whole.solved and whole.generations == 10  # generations really ran
    Run.start(xor_config(split, seed), out=tmp_path / "b").loop()
    resumed = Run.resume(tmp_path / "b", generations=10).loop()
    assert resumed.generations == 10 and resumed.stop_reason == "generations"
    assert_same_run(tmp_path / "a", tmp_path / "b")


@pytest.mark.parametrize("seed", [3, 4])
def test_resume_equals_uninterrupted_minimising_noisy_task(tmp_path: Path, seed: int):
    Run.start(noisy_config(9, seed), out=tmp_path / "a").loop()
    Run.start(noisy_config(4, seed), out=tmp_path / "b").loop()  # checkpoint_every 3, plus the final one at 4
    Run.resume(tmp_path / "b", generations=7).loop()
    Run.resume(tmp_path / "b", generations=9).loop()
    assert_same_run(tmp_path / "a", tmp_path / "b")


class Crash(Exception):
    pass


class CrashAt(Reporter):
    """Dies after the given generation was logged, as a killed process would (no final checkpoint)."""

    def __init__(self, generation: int):
        self.at = generation

    def generation(self, run: Run, record: dict[str, Any], timing: dict[str, float]) -> None:
        if record["generation"] == self.at:
            raise Crash


def test_resume_after_a_crash_with_a_torn_log_equals_uninterrupted(tmp_path: Path):
    cfg = noisy_config(10, seed=5, run={"checkpoint_every": 4})
    Run.start(cfg, out=tmp_path / "a").loop()
    crashed = Run.start(cfg, out=tmp_path / "b", reporters=[JSONLReporter(), CrashAt(6)])
    with pytest.raises(Crash):
        crashed.loop()
    b = tmp_path / "b"
    assert [r["generation"] for r in stats_lines(b)] == list(range(7))
    assert json.loads((b / "checkpoint.json").read_text())["algorithm"]["generation"] == 4
    assert not (b / "champion.json").exists()
    with (b / "stats.jsonl").open("a") as f:
        f.write('{"generation": 7, "best_fit')  # torn by the crash
    Run.resume(b).loop()
    assert_same_run(tmp_path / "a", b)


# ---- determinism ------------------------------------------------------------------------------------------------
def test_same_seed_same_files_different_seed_different_files(tmp_path: Path):
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        Run.start(xor_config(6, seed), out=tmp_path / name).loop()
    assert_same_run(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "a" / "stats.jsonl").read_text() != (tmp_path / "c" / "stats.jsonl").read_text()
    # the seed argument overrides the config's
    Run.start(xor_config(6, 0), out=tmp_path / "d", seed=7).loop()
    assert (tmp_path / "a" / "stats.jsonl").read_text() == (tmp_path / "d" / "stats.jsonl").read_text()


class ChunkedEvaluator(Evaluator):
    """Evaluates the population in reversed chunks of 5 (as a pool of workers might)."""

    def __call__(self, candidates: Sequence[Any], task: Task, seeds: np.ndarray,
                 compile_fn: Callable[[Sequence[Any]], BatchedPolicy] = compile_genomes) -> EvalResult:
        fitness = np.empty(len(candidates))
        for start in reversed(range(0, len(candidates), 5)):
            part = slice(start, start + 5)
            fitness[part] = task.evaluate(compile_fn(candidates[part]), seeds[part]).fitness
        return EvalResult(fitness=fitness)


def test_fitness_does_not_depend_on_how_the_population_is_split(tmp_path: Path):
    Run.start(noisy_config(5, seed=9), out=tmp_path / "a").loop()
    Run.start(noisy_config(5, seed=9), out=tmp_path / "b", evaluator=ChunkedEvaluator()).loop()
    assert (tmp_path / "a" / "stats.jsonl").read_text() == (tmp_path / "b" / "stats.jsonl").read_text()


# ---- what the logs and files say --------------------------------------------------------------------------------
def test_population_size_is_exact_in_every_logged_generation(tmp_path: Path):
    cfg = xor_config(8, seed=2, pop=17, species={"compatibility_threshold": 0.8},
                     stagnation={"max_stagnation": 2, "species_elitism": 0})
    Run.start(cfg, out=tmp_path / "a").loop()
    lines = stats_lines(tmp_path / "a")
    assert [r["generation"] for r in lines] == list(range(8))
    assert all(sum(r["species_sizes"].values()) == 17 for r in lines)
    assert [r["evaluations"] for r in lines] == [17 * (g + 1) for g in range(8)]
    assert any(r["stagnant_removed"] for r in lines)  # the situation the test is about did happen


def test_min_criterion_end_to_end(tmp_path: Path):
    summary = Run.start(noisy_config(10, seed=1), out=tmp_path / "a").loop()
    lines = stats_lines(tmp_path / "a")
    best = [r["best_fitness"] for r in lines]
    assert all(r["worst_fitness"] >= r["best_fitness"] for r in lines)
    assert min(best) < best[0]
    champion, meta = load_genome_with_metadata(tmp_path / "a" / "champion.json")
    assert champion.fitness == min(best) == summary.best_fitness
    assert meta["solved"] is False


def test_min_fitness_threshold_stops_at_the_first_genome_at_or_below_it(tmp_path: Path):
    Run.start(noisy_config(8, seed=2), out=tmp_path / "a").loop()
    best = [r["best_fitness"] for r in stats_lines(tmp_path / "a")]
    threshold = best[4]
    first_gen = next(g for g, b in enumerate(best) if b <= threshold)
    summary = Run.start(noisy_config(8, seed=2, run={"fitness_threshold": threshold}), out=tmp_path / "b").loop()
    assert summary.solved and summary.stop_reason == "solved" and summary.generations == first_gen + 1
    def evolution(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k not in ("solved", "evaluations_to_solve")} for r in lines]

    lines = stats_lines(tmp_path / "b")
    assert evolution(lines) == evolution(stats_lines(tmp_path / "a")[:first_gen + 1]) and lines[-1]["solved"]
    champion, meta = load_genome_with_metadata(tmp_path / "b" / "champion.json")
    assert champion.fitness <= threshold and meta["solved"] is True
    assert 24 * first_gen < summary.evaluations_to_solve <= 24 * (first_gen + 1)


def test_resuming_a_solved_run_keeps_its_files(tmp_path: Path):
    # solved = error below 0.3: the winner is the first such genome, not necessarily the best one
    cfg = noisy_config(30, seed=6, task={"solve_below": 0.3})
    first = Run.start(cfg, out=tmp_path / "a").loop()
    assert first.solved and first.generations < 30
    before = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    again = Run.resume(tmp_path / "a").loop()
    assert again.solved and again.generations == first.generations
    after = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    for name in ("champion.json", "summary.json", "stats.jsonl", "timing.jsonl", "config.json"):
        assert after[name] == before[name], name


def test_champion_metadata_survives_a_resume(tmp_path: Path):
    toml = tmp_path / "task.toml"
    toml.write_text('[task]\nname = "xor"\n[run]\ngenerations = 4\nprogress = false\n[neat]\npop_size = 20\n')
    from topoevo.config import load_config

    Run.start(load_config(toml), out=tmp_path / "a").loop()
    Run.start(load_config(toml, {"run": {"generations": 2}}), out=tmp_path / "b").loop()
    Run.resume(tmp_path / "b", generations=4).loop()
    meta_a = load_genome_with_metadata(tmp_path / "a" / "champion.json")[1]
    meta_b = load_genome_with_metadata(tmp_path / "b" / "champion.json")[1]
    assert meta_a == meta_b and meta_a["task_file"] == str(toml)
