"""The run loop: config -> algorithm -> evaluator -> task -> fitness -> algorithm, with reporters and checkpoints.

Every algorithm is ask/tell, so this one loop serves all of them.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from topoevo.algorithm import Algorithm, algorithm_class
from topoevo.checkpoint import (read_checkpoint, read_run_state, remove_stale_temporaries, reporter_states,
                                restore_error, write_checkpoint)
from topoevo.config import Config, load_config
from topoevo.errors import ConfigError, TopoevoError
from topoevo.evaluate import Evaluator, InProcessEvaluator, derive_seeds
from topoevo.evaluate.faults import resolve_failures
from topoevo.files import write_json_atomic
from topoevo.report import JSONLReporter, ProgressReporter, Reporter, ReporterSet, RunView
from topoevo.tasks.base import Task
from topoevo.tasks.registry import task_class

log = logging.getLogger("topoevo.run")


@dataclass
class RunSummary:
    """How a run ended (what :meth:`Run.loop` returns; also written to the run's ``summary.json``).

    >>> s = RunSummary("runs/xor", "solved", 12, 1800, True, 1650, 15.9, 2, 3.1)
    >>> s.solved, s.evaluations_to_solve
    (True, 1650)
    """

    run_dir: str
    stop_reason: str
    generations: int
    evaluations: int
    solved: bool
    evaluations_to_solve: int | None
    best_fitness: float | None
    champion_hidden: int | None
    wall_s: float


def threshold_hits(fitness: np.ndarray, threshold: float, minimise: bool, on: str, order: np.ndarray) -> np.ndarray:
    """Indices of the genomes that stop the run at ``run.fitness_threshold``: every genome reaching it
    (``threshold_on = 'best'``), or, when the generation's worst / mean / median fitness reaches it, its best genome.

    >>> threshold_hits(np.array([1.0, 3.0]), 2.0, False, "mean", np.array([1, 0])).tolist()
    [1]
    """
    reached = (lambda v: v <= threshold) if minimise else (lambda v: v >= threshold)
    if on == "best":
        return np.flatnonzero(reached(fitness))
    worst = fitness.max() if minimise else fitness.min()
    value = worst if on == "worst" else (fitness.mean() if on == "mean" else np.sort(fitness)[fitness.size // 2])
    return order[:1] if reached(value) else np.empty(0, dtype=np.int64)


def build_task(config: Config) -> Task:
    """The config's task; an error of the task's own checks names the config's file when the task did not. A task
    class must implement :class:`~topoevo.tasks.base.Task` (subclass :class:`~topoevo.tasks.base.TaskBase`)."""
    cls = task_class(config.task.name)
    try:
        task = cls(config.task.params)
    except TopoevoError as exc:
        if exc.source is None and config.source is not None:
            raise type(exc)(exc.message, source=config.source, field=exc.field) from None
        raise
    if not isinstance(task, Task):
        raise ConfigError(f"{cls.__module__}.{cls.__qualname__} does not implement the Task interface (derive it "
                          "from topoevo.tasks.base.TaskBase)", source=config.source, field="task.name")
    return task


def fit_genome_to_task(config: Config, task: Task) -> Config:
    """Fill ``genome.num_inputs/num_outputs`` from the task (0 = take the task's); a mismatch is an error."""
    g = config.genome
    for key, want in (("num_inputs", task.num_inputs), ("num_outputs", task.num_outputs)):
        have = getattr(g, key)
        if have and have != want:
            raise ConfigError(f"the task {config.task.name!r} needs {want}, got {have}", source=config.source,
                              field=f"genome.{key}")
    return config.replace(genome=dataclasses.replace(g, num_inputs=task.num_inputs, num_outputs=task.num_outputs))


def fit_behaviour_to_task(config: Config, task: Task) -> Config:
    """Fill ``[behaviour]`` bounds from the task's :meth:`~topoevo.tasks.base.Task.behaviour_space` when the config
    leaves them empty; bounds the config gives must have the task's number of dimensions."""
    space = task.behaviour_space()
    b = config.behaviour
    if space is None:
        return config
    if b.low and len(b.low) != space.size:
        raise ConfigError(f"the task {config.task.name!r} reports {space.size} behaviour dimensions, got "
                          f"{len(b.low)} bounds", source=config.source, field="behaviour.low")
    if b.low:
        return config
    return config.replace(behaviour=dataclasses.replace(b, low=[float(x) for x in space.low],
                                                        high=[float(x) for x in space.high]))


def new_run_dir(config: Config, out: str | Path | None, seed: int) -> Path:
    """The run directory: ``out`` if given (must not hold a run), else a fresh one under ``run.out_dir``."""
    if out is not None:
        path = Path(out)
        if path.exists() and not path.is_dir():
            raise ConfigError("exists and is not a directory", source=path, field="--out")
        if path.exists() and any(path.iterdir()):
            raise ConfigError("directory exists and is not empty; refusing to overwrite (use `topoevo resume` or "
                              "another --out)", source=path, field="--out")
        return path
    stem = f"{config.task.name}-s{seed}-{time.strftime('%Y%m%d-%H%M%S')}"
    base = Path(config.run.out_dir)
    path, n = base / stem, 1
    while path.exists():
        n += 1
        path = base / f"{stem}-{n}"
    return path


def default_reporters(config: Config, progress: bool | None = None) -> list[Reporter]:
    """Progress bar (unless ``run.progress`` or ``progress`` is false) and JSONL statistics; TensorBoard logs too
    when ``run.tensorboard`` is set."""
    shown = config.run.progress if progress is None else progress
    reporters: list[Reporter] = [ProgressReporter(shown), JSONLReporter()]
    if config.run.tensorboard:
        from topoevo.report.tensorboard import TensorBoardReporter

        reporters.append(TensorBoardReporter())
    return reporters


class Run:
    """One run of an algorithm on a task, resumable from its directory.

    >>> # run = Run.start(load_config("tasks/xor.toml"), out="runs/xor"); summary = run.loop()
    """

    def __init__(self, config: Config, run_dir: Path, task: Task, algo: Algorithm, seed: int,
                 evaluator: Evaluator | None = None, reporters: list[Reporter] | None = None):
        self.config, self.run_dir, self.task, self.algo, self.seed = config, Path(run_dir), task, algo, seed
        self.evaluator = evaluator or InProcessEvaluator()
        self._config_table: tuple[Config, dict[str, Any]] | None = None  # (config, its to_dict()): see config_table
        self.reporters = ReporterSet(reporters if reporters is not None else
                                     default_reporters(config))
        self.wall_s = 0.0
        self.solved = False
        self.evaluations_to_solve: int | None = None
        self.stop_reason: str | None = None
        self.champion = None
        self.task_file = config.source  # the file the run was started from; kept across resumes
        self.champion_test: dict[str, Any] | None = None  # the task's figures of the champion's success test

    # ---- construction -------------------------------------------------------------------------------------------
    @classmethod
    def start(cls, config: Config, out: str | Path | None = None, seed: int | None = None,
              evaluator: Evaluator | None = None, reporters: list[Reporter] | None = None) -> "Run":
        seed = config.run.seed if seed is None else seed
        run_dir = new_run_dir(config, out, seed)  # first: refuse an existing run before any slow task set-up
        task = build_task(config)
        config = fit_behaviour_to_task(fit_genome_to_task(config, task), task)
        algo = algorithm_class(config.run.algorithm)(config, seed=seed)
        run = cls(config, run_dir, task, algo, seed, evaluator, reporters)
        run_dir.mkdir(parents=True, exist_ok=True)
        run.checkpoint()  # generation 0: a run killed at any moment after this line can be resumed
        write_json_atomic(run_dir / "config.json", run.config_table())
        return run

    @classmethod
    def resume(cls, run_dir: str | Path, evaluator: Evaluator | None = None,
               reporters: list[Reporter] | None = None, generations: int | None = None,
               progress: bool | None = None) -> "Run":
        if generations is not None and (isinstance(generations, bool) or not isinstance(generations, int)
                                        or generations < 1):
            raise ConfigError(f"expected a generation budget >= 1, got {generations!r}", field="--generations")
        data = read_checkpoint(run_dir)
        path = data["_path"]
        config = Config.from_dict(data["config"], source=f"{path}#config")
        if generations is not None:
            config = config.replace(run=dataclasses.replace(config.run, generations=generations))
        task = build_task(config)
        config = fit_genome_to_task(config, task)
        section = "algorithm"  # the part of the checkpoint being restored, named by an error
        try:
            algo = algorithm_class(config.run.algorithm).from_state_dict(config, data["algorithm"], source=path)
            section = "task"
            if data.get("task") is not None:
                task.load_state_dict(data["task"])
            section = "run"
            state = read_run_state(data["run"], path, algo.candidate_from_dict)
            section = "reporters"
            if reporters is None:
                reporters = default_reporters(config, progress)
            run = cls(config, Path(path).parent, task, algo, data["seed"], evaluator, reporters)
            run.wall_s, run.solved, run.evaluations_to_solve = state.wall_s, state.solved, state.evaluations_to_solve
            run.champion_test = state.champion_test
            if state.has_task_file:  # (None for a config built in Python)
                run.task_file = state.task_file
            run.champion = state.champion  # the solving candidate (not necessarily the best one)
            run.stop_reason = state.stop_reason if generations is None else None
            for rep, rep_state in zip(run.reporters.reporters, reporter_states(data["reporters"], path)):
                rep.load_state_dict(rep_state)
        except Exception as exc:  # noqa: BLE001 - turned into one line naming the file
            raise restore_error(path, exc, section) from None
        remove_stale_temporaries(run.run_dir)  # half-written files of the killed process
        return run

    # ---- the loop -----------------------------------------------------------------------------------------------
    def _budget_stop(self) -> str | None:
        rc = self.config.run
        if self.algo.generation >= rc.generations:
            return "generations"
        if rc.max_evaluations and self.algo.evaluations >= rc.max_evaluations:
            return "evaluations"
        if rc.max_wall_s and self.wall_s >= rc.max_wall_s:
            return "wall_time"
        return None

    def step(self) -> dict[str, Any]:
        """Evaluate one generation and hand the fitness to the algorithm; returns the generation's record."""
        algo, task = self.algo, self.task
        t0 = time.perf_counter()
        candidates = algo.ask()
        seeds = derive_seeds(self.seed, algo.generation, len(candidates))
        result = self.evaluator(candidates, task, seeds, algo.compile_fn)
        t_eval = time.perf_counter() - t0
        # failed candidates (raised, NaN, inf): stop with an EvaluationError, or the worst fitness (run config)
        fitness = resolve_failures(result, candidates, self.config.run.on_evaluation_error, algo.minimise,
                                   self.config.task.name, self.config.source)
        algo.observe(result.info)  # per-candidate figures beyond fitness (NAS: test accuracy, trained weights)
        order = np.argsort(-fitness if not algo.minimise else fitness, kind="stable")
        winner = None
        ranked = False  # the winner was chosen by ranking the whole generation: every genome of it counts
        if result.solved is not None and np.any(result.solved):
            winner = int(np.flatnonzero(result.solved)[0])
        elif task.has_champion_test:
            best = algo.champion_to_test(candidates, fitness, order, task.test_species_champions)
            if task.champion_solved(algo.compile_fn([candidates[best]]), float(fitness[best])):
                winner, ranked = best, True
                self.champion_test = task.champion_test
        threshold = self.config.run.fitness_threshold
        if winner is None and threshold is not None:
            hit = threshold_hits(fitness, threshold, algo.minimise, self.config.run.threshold_on, order)
            if hit.size:
                winner = int(hit[0])
        evals_before = algo.evaluations
        if winner is not None:
            self.solved = True
            self.evaluations_to_solve = evals_before + (len(candidates) if ranked else winner + 1)
            self.champion = algo.snapshot(winner, float(fitness[winner]))
        t1 = time.perf_counter()
        stats = algo.tell(fitness)
        t_tell = time.perf_counter() - t1
        record = stats.to_dict()
        record.update(solved=self.solved, evaluations_to_solve=self.evaluations_to_solve)
        elapsed = time.perf_counter() - t0
        self.wall_s += elapsed
        timing = {"wall_s": elapsed, "eval_s": t_eval, "tell_s": t_tell, "evals_per_s": len(candidates) / elapsed,
                  "total_wall_s": self.wall_s}
        self.reporters.generation(self.view(), record, timing)
        rc = self.config.run
        if rc.checkpoint_every and algo.generation % rc.checkpoint_every == 0:
            self.checkpoint()
        return record

    def view(self) -> RunView:
        """What reporters see of the run (read-only)."""
        return RunView(self.run_dir, self.config, self.seed, self.algo.generation)

    def loop(self) -> RunSummary:
        """Run until solved or out of budget; write checkpoint, champion and summary; return the summary."""
        resumed = self.algo.generation > 0
        self.reporters.start(self.view(), resumed)
        try:
            while self.stop_reason is None:
                if self.solved:
                    self.stop_reason = "solved"
                    break
                self.stop_reason = self._budget_stop()
                if self.stop_reason:
                    break
                self.step()
        finally:
            summary = self.summary()
            self.reporters.end(self.view(), dataclasses.asdict(summary))
        self.finish()
        return summary

    def summary(self) -> RunSummary:
        champ = self.current_champion()
        return RunSummary(str(self.run_dir), self.stop_reason or "interrupted", self.algo.generation,
                          self.algo.evaluations, self.solved, self.evaluations_to_solve,
                          champ.fitness if champ is not None else None,
                          self.algo.describe(champ).get("hidden") if champ is not None else None,
                          round(self.wall_s, 3))

    def current_champion(self):
        return self.champion if self.champion is not None else self.algo.best

    def finish(self) -> None:
        self.checkpoint()
        champ = self.current_champion()
        if champ is not None:
            self.algo.save_candidate(champ, self.run_dir / "champion.json", self.champion_metadata())
        write_json_atomic(self.run_dir / "summary.json", dataclasses.asdict(self.summary()))

    def champion_metadata(self) -> dict[str, Any]:
        return {"task": self.config.task.name, "task_file": self.task_file, "seed": self.seed,
                "generation": self.algo.generation, "evaluations": self.evaluations_to_solve or self.algo.evaluations,
                "solved": self.solved, **({"champion_test": self.champion_test} if self.champion_test else {}),
                **self.task.champion_metadata()}

    def config_table(self) -> dict[str, Any]:
        """``self.config.to_dict()``, made once per config (every checkpoint holds it; configs are not changed in
        place). Read it, don't change it."""
        cached = self._config_table
        if cached is None or cached[0] is not self.config:
            cached = self._config_table = (self.config, self.config.to_dict())
        return cached[1]

    def checkpoint(self) -> Path:
        self.reporters.sync()  # logs the checkpoint counts must be on disk before it (JSONL)
        return write_checkpoint(self.run_dir, {
            "config": self.config_table(), "seed": self.seed, "algorithm": self.algo.state_dict(),
            "task": self.task.state_dict(),
            "run": {"wall_s": self.wall_s, "solved": self.solved, "evaluations_to_solve": self.evaluations_to_solve,
                    "stop_reason": self.stop_reason, "champion_test": self.champion_test,
                    "task_file": self.task_file,
                    "champion": None if self.champion is None else self.algo.candidate_to_dict(self.champion)},
            "reporters": {"states": [r.state_dict() for r in self.reporters.reporters]},
        })


def run_task_file(path: str | Path, seed: int | None = None, generations: int | None = None,
                  out: str | Path | None = None, progress: bool | None = None) -> RunSummary:
    """Load a task file and run it to the end (the Python equivalent of ``topoevo run``)."""
    overrides: dict[str, dict[str, Any]] = {"run": {}}
    if generations is not None:
        overrides["run"]["generations"] = generations
    if progress is not None:
        overrides["run"]["progress"] = progress
    config = load_config(path, overrides)
    return Run.start(config, out=out, seed=seed).loop()


__all__ = ["Run", "RunSummary", "run_task_file", "build_task", "fit_behaviour_to_task", "fit_genome_to_task"]
