"""Evaluators: the in-process, process-pool (and, in test_evaluators_ray.py, Ray) evaluators give the same history
for the same seed on XOR, CartPole (with observation normalization) and a weight GA, whatever the worker count; a
worker killed mid-generation is respawned and its chunk re-run; a fitness function that raises, or returns NaN,
stops the run with an error naming the genome and the task, or gets the worst fitness; the weight-search forward
pass is batch-invariant (a candidate's output never depends on the candidates compiled with it)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from topoevo.cli import main as cli_main
from topoevo.config import Config, load_config
from topoevo.config.schema import param
from topoevo.config.sections import OnEvaluationError
from topoevo.errors import ConfigError, EvaluationError
from topoevo.evaluate import EvaluationFailure, InProcessEvaluator, TaskSpec, compile_genomes, make_evaluator
from topoevo.evaluate.chunks import FAILURES, combine, evaluate_chunk, split_chunks
from topoevo.evaluate.faults import resolve_failures, worst_fitness
from topoevo.evaluate.pool import PoolEvaluator
from topoevo.run import Run
from topoevo.search.models import ModelKind, ModelSpec
from topoevo.search.params import ParameterPopulation, init_parameters
from topoevo.search.population import compile_parameters
from topoevo.tasks.base import BatchedPolicy, EvalResult, TaskBase
from topoevo.tasks.registry import register
from topoevo.tasks.xor import XORParams, XORTask

ROOT = Path(__file__).resolve().parents[1]


# ---- test tasks (registered by module path, so spawned workers import them too) ----------------------------------
@dataclass
class CrashParams:
    """``[task]`` keys of the crashing XOR task."""

    marker: str = param("", "File whose absence makes a worker process die (os._exit) and create it.")
    main_pid: int = param(0, "The main process (never dies).", ge=0)


class CrashXORTask(TaskBase):
    """XOR whose first evaluation outside the main process kills that process (once: a marker file records it)."""

    num_inputs, num_outputs = XORTask.num_inputs, XORTask.num_outputs

    def __init__(self, params: CrashParams | None = None):
        self.params = params or CrashParams()
        self.xor = XORTask()

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        if os.getpid() != self.params.main_pid:
            try:  # atomic: of two workers racing here, exactly one creates the marker and dies
                os.close(os.open(self.params.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                pass
            else:
                os._exit(3)
        return self.xor.evaluate(policy, seeds)


@dataclass
class FlakyParams:
    """``[task]`` keys of the flaky XOR task."""

    raise_every: int = param(7, "Genomes whose evaluation seed is divisible by this raise ValueError.", ge=1)
    nan_every: int = param(0, "Genomes whose evaluation seed is divisible by this get NaN fitness (0 = none).",
                           ge=0)


class FlakyXORTask(TaskBase):
    """XOR whose fitness function raises for some genomes and returns NaN for others (chosen by evaluation seed,
    so the same genomes fail however the population is split)."""

    num_inputs, num_outputs = XORTask.num_inputs, XORTask.num_outputs

    def __init__(self, params: FlakyParams | None = None):
        self.params = params or FlakyParams()
        self.xor = XORTask()

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        if any(int(s) % self.params.raise_every == 0 for s in seeds):
            raise ValueError("boom")
        result = self.xor.evaluate(policy, seeds)
        if self.params.nan_every:
            result.fitness[np.asarray(seeds) % self.params.nan_every == 0] = np.nan
        return result


class StatefulParams(XORParams):
    """``[task]`` keys of the stateful XOR task (a class of this module, so the config reference leaves it out)."""


class StatefulXORTask(XORTask):
    """A task with state that workers cannot merge back."""

    def state_dict(self) -> dict[str, Any]:
        return {}


register("crash_xor", f"{__name__}:CrashParams:CrashXORTask")
register("flaky_xor", f"{__name__}:FlakyParams:FlakyXORTask")
register("stateful_xor", f"{__name__}:StatefulParams:StatefulXORTask")


# ---- helpers ------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pool1():
    with PoolEvaluator(workers=1) as pool:
        yield pool


@pytest.fixture(scope="module")
def pool2():
    with PoolEvaluator(workers=2) as pool:
        yield pool


def xor_config(generations: int = 6, **run: Any) -> Config:
    return Config.from_dict({"task": {"name": "xor"}, "neat": {"pop_size": 60},
                             "mutation": {"add_node_rate": 0.2, "add_connection_rate": 0.3},
                             "run": {"seed": 3, "generations": generations, "progress": False, **run}})


def cartpole_config() -> Config:
    return load_config(ROOT / "tasks" / "cartpole.toml",
                       {"neat": {"pop_size": 40}, "run": {"generations": 3, "progress": False, "seed": 1},
                        "task": {"episodes": 2, "max_episode_steps": 200, "normalize_observations": True,
                                 "held_out_episodes": 5, "solved_return": 190.0}})


def ga_config() -> Config:
    """The deep GA on a tanh MLP (batched ``baddbmm`` forward): minus the cross-entropy of per-genome minibatches,
    floats that show any rounding difference."""
    return Config.from_dict({"task": {"name": "supervised", "dataset": "wine", "batch_size": 32},
                             "run": {"algorithm": "ga", "seed": 2, "generations": 3, "progress": False},
                             "model": {"hidden": [6]}, "ga": {"pop_size": 24, "truncation": 5}})


def run_files(config: Config, out: Path, evaluator: Any) -> dict[str, Any]:
    """Run to the end; the files that must be identical on every evaluator (wall times removed)."""
    run = Run.start(config, out=out, evaluator=evaluator)
    run.loop()
    checkpoint = json.loads((out / "checkpoint.json").read_text())
    checkpoint["run"].pop("wall_s")
    summary = json.loads((out / "summary.json").read_text())
    summary.pop("wall_s")
    summary.pop("run_dir")
    return {"stats": (out / "stats.jsonl").read_text(), "champion": (out / "champion.json").read_text(),
            "summary": summary, "algorithm": checkpoint["algorithm"], "task": checkpoint["task"]}


# ---- same seed, same history ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("make_config", [xor_config, cartpole_config, ga_config], ids=["xor", "cartpole", "ga"])
def test_every_evaluator_and_worker_count_gives_the_same_history(tmp_path: Path, make_config: Callable[[], Config],
                                                                  pool1: PoolEvaluator, pool2: PoolEvaluator):
    serial = run_files(make_config(), tmp_path / "serial", InProcessEvaluator())
    assert serial["stats"].count("\n") >= 1
    for name, evaluator in (("pool1", pool1), ("pool2", pool2)):
        assert run_files(make_config(), tmp_path / name, evaluator) == serial, name


def test_normalized_gym_task_state_is_merged_like_in_process(tmp_path: Path, pool2: PoolEvaluator):
    files = run_files(cartpole_config(), tmp_path / "a", pool2)
    stats = files["task"]["observation_stats"]
    assert stats["count"] > 0 and len(stats["mean"]) == 4  # the main task's normalizer was updated


def test_cli_workers_flag_gives_the_serial_history(tmp_path: Path, pool2: PoolEvaluator,
                                                   monkeypatch: pytest.MonkeyPatch):
    """``--workers N`` on run and resume reaches make_evaluator (here answered by the shared pool, to save the
    start-up of new worker processes) and the run matches the in-process one."""
    import topoevo.evaluate

    asked: list[tuple[Any, Any]] = []

    class Shared(InProcessEvaluator):
        def __call__(self, *args: Any) -> EvalResult:
            return pool2(*args)

    def fake(workers: int | None = None, ray: str | None = None) -> Any:
        asked.append((workers, ray))
        return Shared() if workers else InProcessEvaluator()

    monkeypatch.setattr(topoevo.evaluate, "make_evaluator", fake)
    task = str(ROOT / "tasks" / "xor.toml")
    common = ["run", task, "--generations", "3", "--no-progress", "--seed", "5"]
    assert cli_main([*common, "--out", str(tmp_path / "serial")]) == 0
    assert cli_main([*common, "--out", str(tmp_path / "pool"), "--workers", "2"]) == 0
    assert (tmp_path / "pool" / "stats.jsonl").read_text() == (tmp_path / "serial" / "stats.jsonl").read_text()
    assert cli_main(["resume", str(tmp_path / "pool"), "--generations", "5", "--workers", "1", "--no-progress"]) == 0
    assert cli_main(["resume", str(tmp_path / "serial"), "--generations", "5", "--no-progress"]) == 0
    assert (tmp_path / "pool" / "stats.jsonl").read_text() == (tmp_path / "serial" / "stats.jsonl").read_text()
    assert asked == [(None, None), (2, None), (1, None), (None, None)]
    assert cli_main(["resume", str(tmp_path / "pool"), "--ray", "--no-progress"]) == 0  # finished: nothing to do
    assert cli_main(["resume", str(tmp_path / "pool"), "--ray", "127.0.0.1:6379", "--workers", "3"]) == 0
    assert asked[-2:] == [(None, ""), (3, "127.0.0.1:6379")]


def test_cli_rejects_zero_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code = cli_main(["run", str(ROOT / "tasks" / "xor.toml"), "--workers", "0", "--out", str(tmp_path / "x")])
    assert code == 2 and "--workers" in capsys.readouterr().err and not (tmp_path / "x").exists()


# ---- faults ---------------------------------------------------------------------------------------------------------
def test_a_worker_killed_mid_generation_is_respawned_and_the_history_is_unchanged(tmp_path: Path,
                                                                                   pool2: PoolEvaluator):
    marker = tmp_path / "crashed"
    config = crash_config(marker)
    serial = run_files(config, tmp_path / "serial", InProcessEvaluator())
    assert not marker.exists()  # the main process never crashes
    before = pool2.restarts
    assert run_files(config, tmp_path / "pool", pool2) == serial
    assert marker.exists() and pool2.restarts == before + 1


def crash_config(marker: Path) -> Config:
    return Config.from_dict({"task": {"name": "crash_xor", "marker": str(marker), "main_pid": os.getpid()},
                             "neat": {"pop_size": 60}, "run": {"seed": 3, "generations": 4, "progress": False}})


def flaky_config(policy: str, nan_every: int = 0) -> Config:
    return Config.from_dict({"task": {"name": "flaky_xor", "raise_every": 7, "nan_every": nan_every},
                             "neat": {"pop_size": 40},
                             "run": {"seed": 0, "generations": 4, "progress": False, "on_evaluation_error": policy}})


def test_a_raising_fitness_function_stops_the_run_naming_the_genome_and_task(tmp_path: Path, pool2: PoolEvaluator):
    for name, evaluator in (("serial", InProcessEvaluator()), ("pool", pool2)):
        run = Run.start(flaky_config("stop"), out=tmp_path / name, evaluator=evaluator)
        with pytest.raises(EvaluationError, match=r"task flaky_xor: genome \d+ \(index \d+\): evaluation raised "
                                                  r"ValueError: boom") as info:
            run.loop()
        assert "on_evaluation_error" in str(info.value) and "\n" not in str(info.value)


def test_worst_policy_keeps_going_with_the_same_history_everywhere(tmp_path: Path, pool2: PoolEvaluator,
                                                                    caplog: pytest.LogCaptureFixture):
    serial = run_files(flaky_config("worst", nan_every=5), tmp_path / "serial", InProcessEvaluator())
    assert "given the worst fitness" in caplog.text
    assert run_files(flaky_config("worst", nan_every=5), tmp_path / "pool", pool2) == serial
    worst = [json.loads(line)["worst_fitness"] for line in serial["stats"].splitlines()
             if "worst_fitness" in line]
    assert all(np.isfinite(worst))


def test_nan_fitness_follows_the_policy(tmp_path: Path):
    config = Config.from_dict({"task": {"name": "flaky_xor", "raise_every": 10**18, "nan_every": 3},
                               "neat": {"pop_size": 30}, "run": {"generations": 2, "progress": False}})
    with pytest.raises(EvaluationError, match=r"fitness nan"):
        Run.start(config, out=tmp_path / "a").loop()


def test_resolve_failures_assigns_a_finite_worst_fitness():
    result = EvalResult(fitness=np.array([3.0, np.nan, 1.0, np.inf, 2.0]), solved=np.ones(5, dtype=bool),
                        info={FAILURES: [EvaluationFailure(4, "ValueError: x")]})
    fitness = resolve_failures(result, list(range(5)), OnEvaluationError.WORST, minimise=False, task_name="t")
    assert fitness.tolist() == [3.0, -1.0, 1.0, -1.0, -1.0]
    assert result.solved.tolist() == [True, False, True, False, False]
    assert worst_fitness(np.array([1e308, -1e308]), minimise=False) == np.finfo(np.float64).min
    with pytest.raises(EvaluationError, match="every candidate failed"):
        resolve_failures(EvalResult(fitness=np.array([np.nan])), [0], OnEvaluationError.WORST, False, "t")


def test_a_bad_genome_is_bisected_out_of_its_chunk():
    seeds = np.arange(20, dtype=np.int64)  # 0, 7 and 14 raise
    genomes = _xor_genomes(20)
    result = evaluate_chunk(FlakyXORTask(FlakyParams(raise_every=7)), genomes, seeds, compile_genomes, offset=100)
    assert [f.index for f in result.info[FAILURES]] == [100, 107, 114]
    assert np.isnan(result.fitness[[0, 7, 14]]).all() and np.isfinite(np.delete(result.fitness, [0, 7, 14])).all()
    alone = XORTask().evaluate(compile_genomes(genomes[1:7]), seeds[1:7]).fitness
    assert np.array_equal(result.fitness[1:7], alone)


def test_evaluation_leaves_no_reference_cycles():
    """A generation's evaluation (and a bisection) is freed by reference counting: nothing waits for the cyclic
    garbage collector (a cycle holding each population made the collector run ~10x as often in an XOR run)."""
    import gc

    genomes, seeds = _xor_genomes(20), np.arange(20, dtype=np.int64)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        evaluate_chunk(XORTask(), genomes, seeds, compile_genomes)
        evaluate_chunk(FlakyXORTask(FlakyParams(raise_every=7)), genomes, seeds, compile_genomes)
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def _splitmix64_reference(x: int) -> int:
    m = 2**64 - 1
    x = (x + 0x9E3779B97F4A7C15) & m
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
    return x ^ (x >> 31)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.integers(0, 40), st.integers(0, 2**40))
def test_evaluation_seeds_are_splitmix64_of_seed_generation_and_index(run_seed: int, generation: int, count: int,
                                                                      offset: int):
    from topoevo.evaluate.seeds import derive_seeds

    base = _splitmix64_reference(_splitmix64_reference(run_seed) ^ generation)
    expected = [_splitmix64_reference(base ^ i) >> 2 for i in range(offset, offset + count)]
    seeds = derive_seeds(run_seed, generation, count, offset)
    assert seeds.dtype == np.int64 and seeds.tolist() == expected


def _xor_genomes(n: int) -> list[Any]:
    from topoevo.neat import NEAT
    from topoevo.run import fit_genome_to_task

    config = fit_genome_to_task(Config.from_dict({"task": {"name": "xor"}, "neat": {"pop_size": n}}), XORTask())
    return list(NEAT(config, seed=0).ask())


def test_stateful_tasks_that_cannot_merge_are_refused(tmp_path: Path, pool1: PoolEvaluator):
    config = Config.from_dict({"task": {"name": "stateful_xor"}, "run": {"generations": 1, "progress": False}})
    with pytest.raises(ConfigError, match="keeps state"):
        Run.start(config, out=tmp_path / "a", evaluator=pool1).loop()


def test_unregistered_tasks_are_refused_clearly(pool1: PoolEvaluator):
    class Anonymous(XORTask):
        pass

    with pytest.raises(ConfigError, match="register it"):
        pool1(_xor_genomes(4), Anonymous(), np.zeros(4, dtype=np.int64))


def test_make_evaluator_options():
    assert isinstance(make_evaluator(), InProcessEvaluator)
    pool = make_evaluator(workers=3)
    assert isinstance(pool, PoolEvaluator) and pool.workers == 3
    with pytest.raises(ConfigError):
        make_evaluator(workers=0)
    assert TaskSpec.of(XORTask()).build().params == XORParams()


# ---- chunking and batch invariance ----------------------------------------------------------------------------------
@given(st.integers(0, 500), st.integers(1, 40))
def test_chunks_are_contiguous_near_equal_and_cover_the_population(count: int, parts: int):
    chunks = split_chunks(count, parts)
    assert [c.start for c in chunks[:1]] == ([0] if count else [])
    assert all(a.stop == b.start for a, b in zip(chunks, chunks[1:]))
    assert sum(c.stop - c.start for c in chunks) == count and len(chunks) == min(count, parts)
    sizes = [c.stop - c.start for c in chunks]
    assert not sizes or max(sizes) - min(sizes) <= 1


def test_combine_concatenates_per_candidate_info_and_adds_counts():
    a = EvalResult(np.array([1.0, 2.0]), info={"steps": 3, "per": np.array([1, 2]), "obj": np.array([None, "x"])})
    b = EvalResult(np.array([3.0]), info={"steps": 4, "per": np.array([3]), "obj": np.array(["y"], dtype=object)})
    out = combine([(0, 2, a, None), (2, 3, None, "ValueError: no"), (3, 4, b, None)], 0, 4)
    assert np.array_equal(out.fitness[[0, 1, 3]], [1.0, 2.0, 3.0]) and np.isnan(out.fitness[2])
    assert out.info["steps"] == 7 and out.info["per"].tolist() == [1, 2, 0, 3]
    assert out.info["obj"].tolist() == [None, "x", None, "y"]
    assert out.info[FAILURES] == [EvaluationFailure(2, "ValueError: no")]


ACTIVATIONS = ["tanh", "relu", "sigmoid", "elu", "gelu", "identity"]


@settings(max_examples=60)
@given(st.sampled_from(ACTIVATIONS), st.sampled_from([(4, 2, (16, 16)), (13, 3, (6,)), (3, 5, (33, 7))]),
       st.integers(1, 40), st.sampled_from([1, 3, 32]), st.data())
def test_weight_search_forward_is_batch_invariant(activation: str, shape: tuple[int, int, tuple[int, ...]],
                                                  population: int, rows: int, data: st.DataObject):
    """A candidate's output is bit-identical whether it is compiled alone, in a chunk, or in the whole population
    (MKL's GEMM rounding depends on operand alignment; activations on the position in the tensor)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(data.draw(st.sampled_from([1, 2])))
    try:
        _check_batch_invariance(activation, shape, population, rows, data)
    finally:
        torch.set_num_threads(threads)


def _check_batch_invariance(activation: str, shape: tuple[int, int, tuple[int, ...]], population: int, rows: int,
                            data: st.DataObject) -> None:
    inputs, outputs, hidden = shape
    spec = ModelSpec(ModelKind.MLP, inputs, outputs, hidden=hidden, activation=activation)
    values = init_parameters(spec, np.random.default_rng(population), population)
    x = torch.from_numpy(np.random.default_rng(rows).standard_normal((population, rows, inputs)).astype(np.float32))
    if data.draw(st.booleans()):
        x = x[:1].expand(population, -1, -1)  # the same inputs for every candidate (supervised full batch)
    full = compile_parameters(ParameterPopulation(spec, values))(x)
    start = data.draw(st.integers(0, population - 1))
    stop = data.draw(st.integers(start + 1, population))
    part = compile_parameters(ParameterPopulation(spec, values[start:stop]))(x[start:stop])
    assert torch.equal(part, full[start:stop])
    module = ParameterPopulation(spec, values)[start].to_module()
    with torch.no_grad():
        assert torch.allclose(module(x[start]), full[start], atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("table", [{"name": "xor"}, {"name": "double_pole_velocities"},
                                   {"name": "double_pole_no_velocities"}, {"name": "gym", "env_id": "CartPole-v1"},
                                   {"name": "supervised", "dataset": "iris"}], ids=lambda t: t["name"])
def test_task_spec_rebuilds_each_registered_task(table: dict[str, Any]):
    from topoevo.run import build_task

    task = build_task(Config.from_dict({"task": table}))
    spec = TaskSpec.of(task)
    assert spec.name == table["name"] and spec.params == task.params
    rebuilt = spec.build()
    assert type(rebuilt) is type(task) and rebuilt.params == task.params
