"""Statistics over seeds (``topoevo compare``): sweeps or single runs side by side.

For each input (a sweep directory from ``topoevo sweep``, or one run directory): runs, solved rate, mean and
median evaluations to solve with 95% bootstrap confidence intervals (over the solved runs, 10,000 resamples,
seeded), median wall time; between two inputs a two-sided Mann-Whitney U test on evaluations to solve (an unsolved
run ranks after every solved one). ``plot_curves`` draws each input's median best-fitness curve over generations
with its interquartile band (a run that stopped keeps its last value).

>>> bootstrap_ci([10, 10, 10], statistic="mean")
(10.0, 10.0)
>>> # table = compare_inputs(["sweeps/xor", "sweeps/xor_paper"]); print(format_table(table))
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from topoevo.errors import ConfigError
from topoevo.files import read_json

BOOTSTRAP_RESAMPLES = 10_000


@dataclass
class RunRecord:
    """One finished run's figures, read from its directory."""

    run_dir: str
    seed: int | None
    task: str
    solved: bool
    evaluations: int  # to solve if solved, else all the run made
    wall_s: float
    best_curve: list[float] = field(default_factory=list)  # best fitness so far, per generation


@dataclass
class InputSummary:
    """The figures of one input (sweep or run) of a comparison."""

    label: str
    task: str
    runs: int
    solved: int
    mean_evals: float | None
    mean_ci: tuple[float, float] | None
    median_evals: float | None
    median_ci: tuple[float, float] | None
    median_wall_s: float
    records: list[RunRecord] = field(repr=False, default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "task": self.task, "runs": self.runs, "solved": self.solved,
                "solved_rate": self.solved / self.runs, "mean_evals": self.mean_evals, "mean_ci": self.mean_ci,
                "median_evals": self.median_evals, "median_ci": self.median_ci, "median_wall_s": self.median_wall_s,
                "evaluations": [r.evaluations for r in self.records],
                "solved_runs": [r.solved for r in self.records], "seeds": [r.seed for r in self.records]}


@dataclass
class Comparison:
    """Every input's summary and, for each input after the first, the Mann-Whitney U test against the first."""

    inputs: list[InputSummary]
    tests: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"inputs": [s.to_dict() for s in self.inputs], "mann_whitney": self.tests}


def task_identity(config: dict[str, Any]) -> str:
    """What makes two runs the same task: the task name and the environment / variant / dataset it names."""
    task = config.get("task") or {}
    params = task.get("params") if isinstance(task.get("params"), dict) else task
    extra = [f"{k}={params[k]}" for k in ("env_id", "variant", "dataset") if k in params]
    return " ".join([str(task.get("name"))] + extra)


def read_run(run_dir: Path) -> RunRecord | None:
    """A finished run's record (None when the run has no ``summary.json`` yet)."""
    summary_path = run_dir / "summary.json"
    if not summary_path.exists():
        return None
    summary = read_json(summary_path, ConfigError)
    config = read_json(run_dir / "config.json", ConfigError)
    try:
        if not isinstance(config, dict) or not isinstance(config.get("task"), dict):
            raise TypeError("config.json has no [task] table")
        solved = bool(summary["solved"])
        evals = int(summary["evaluations_to_solve"] if solved else summary["evaluations"])
        wall = float(summary["wall_s"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"unexpected run files ({exc.__class__.__name__}: {exc})", source=run_dir,
                          field="summary.json/config.json") from None
    seed = _run_seed(run_dir)
    return RunRecord(str(run_dir), seed, task_identity(config), solved, evals, wall,
                     _best_curve(run_dir / "stats.jsonl"))


def _run_seed(run_dir: Path) -> int | None:
    name = run_dir.name
    if name.startswith("seed-") and name[5:].isdigit():
        return int(name[5:])
    try:
        return int(json.loads((run_dir / "checkpoint.json").read_text(encoding="utf-8"))["seed"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _best_curve(path: Path) -> list[float]:
    curve: list[float] = []
    if not path.exists():
        return curve
    best = -math.inf
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            value = float(json.loads(line)["best_fitness"])
        except (ValueError, KeyError, TypeError):
            break
        best = max(best, value)
        curve.append(best)
    return curve


def read_input(path: str | Path) -> list[RunRecord]:
    """The finished runs of a sweep directory, or the one run of a run directory; an empty one is an error."""
    p = Path(path)
    if not p.is_dir():
        raise ConfigError("not a directory (expected a sweep or a run directory)", source=p, field="<path>")
    if (p / "sweep.json").exists():
        from topoevo.sweep import read_sweep, seed_dir

        spec = read_sweep(p)
        records = [r for r in (read_run(seed_dir(p, s)) for s in spec.seeds) if r is not None]
        if not records:
            raise ConfigError("empty sweep: no finished run (no seed-*/summary.json)", source=p, field="seed-*")
        return records
    record = read_run(p)
    if record is None:
        raise ConfigError("neither a sweep (sweep.json) nor a finished run (summary.json)", source=p,
                          field="<path>")
    return [record]


def bootstrap_ci(values: Sequence[float], statistic: str = "mean", resamples: int = BOOTSTRAP_RESAMPLES,
                 seed: int = 0, level: float = 0.95) -> tuple[float, float] | None:
    """Percentile bootstrap confidence interval of the mean or median of ``values`` (None for no values)."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return None
    rng = np.random.default_rng(seed)
    samples = x[rng.integers(0, x.size, size=(resamples, x.size))]
    stats = samples.mean(axis=1) if statistic == "mean" else np.median(samples, axis=1)
    lo, hi = np.quantile(stats, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def summarise(label: str, records: list[RunRecord]) -> InputSummary:
    evals = [r.evaluations for r in records if r.solved]
    return InputSummary(label, records[0].task, len(records), len(evals),
                        float(np.mean(evals)) if evals else None, bootstrap_ci(evals, "mean"),
                        float(np.median(evals)) if evals else None, bootstrap_ci(evals, "median"),
                        float(np.median([r.wall_s for r in records])), records)


def mann_whitney(a: InputSummary, b: InputSummary) -> dict[str, Any]:
    """Two-sided Mann-Whitney U on evaluations to solve; unsolved runs rank after every solved one."""
    try:
        from scipy.stats import mannwhitneyu
    except ImportError:
        raise ConfigError("the Mann-Whitney test needs scipy: pip install 'topoevo[stats]'", field="compare") from None

    def ranks(s: InputSummary) -> list[float]:
        return [float(r.evaluations) if r.solved else math.inf for r in s.records]

    res = mannwhitneyu(ranks(a), ranks(b), alternative="two-sided")
    return {"a": a.label, "b": b.label, "u": float(res.statistic), "p": float(res.pvalue)}


def compare_inputs(paths: Sequence[str | Path], labels: Sequence[str] | None = None) -> Comparison:
    """Summaries of every input and the tests of each one against the first. Inputs of different tasks (or none)
    are an error naming the odd one."""
    if not paths:
        raise ConfigError("nothing to compare: give sweep or run directories", field="<paths>")
    labels = list(labels) if labels else [str(p) for p in paths]
    summaries = [summarise(label, read_input(p)) for label, p in zip(labels, paths)]
    for p, s in zip(paths, summaries):
        odd = next((r for r in s.records if r.task != summaries[0].task), None)
        if odd is not None:
            raise ConfigError(f"runs of different tasks: {odd.task!r} here, {summaries[0].task!r} in "
                              f"{summaries[0].label}", source=odd.run_dir, field="config.json#task")
    tests = [mann_whitney(summaries[0], s) for s in summaries[1:]]
    return Comparison(summaries, tests)


def _ci(x: tuple[float, float] | None) -> str:
    return "-" if x is None else f"[{x[0]:,.0f}, {x[1]:,.0f}]"


def format_table(comparison: Comparison) -> str:
    """The comparison as a markdown table and one line per test."""
    head = ("| input | runs | solved | mean evals | 95% CI | median evals | 95% CI | median wall s |\n"
            "| --- | ---: | ---: | ---: | --- | ---: | --- | ---: |\n")
    rows = []
    for s in comparison.inputs:
        mean = "-" if s.mean_evals is None else f"{s.mean_evals:,.1f}"
        median = "-" if s.median_evals is None else f"{s.median_evals:,.1f}"
        rows.append(f"| {s.label} | {s.runs} | {s.solved}/{s.runs} ({100 * s.solved / s.runs:.0f}%) | {mean} | "
                    f"{_ci(s.mean_ci)} | {median} | {_ci(s.median_ci)} | {s.median_wall_s:.3g} |\n")
    tests = [f"Mann-Whitney U (evaluations to solve, unsolved ranked last), {t['a']} vs {t['b']}: U = {t['u']:g}, "
             f"p = {t['p']:.3g}\n" for t in comparison.tests]
    return head + "".join(rows) + ("\n" + "".join(tests) if tests else "")


def plot_curves(comparison: Comparison, out: str | Path) -> Path:
    """Median best-fitness curve per input over generations with the interquartile band; returns the file."""
    from topoevo.report.figures import new_figure, save_figure

    fig = new_figure(7.0, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    for s in comparison.inputs:
        curves = [r.best_curve for r in s.records if r.best_curve]
        if not curves:
            continue
        length = max(len(c) for c in curves)
        grid = np.array([c + [c[-1]] * (length - len(c)) for c in curves])
        gens = np.arange(length)
        q1, med, q3 = np.percentile(grid, [25, 50, 75], axis=0)
        ax.plot(gens, med, label=f"{s.label} (median of {len(curves)})")
        ax.fill_between(gens, q1, q3, alpha=0.25)
    ax.set_xlabel("generation")
    ax.set_ylabel("best fitness so far")
    ax.legend(fontsize=8)
    return save_figure(fig, out)


__all__ = ["RunRecord", "InputSummary", "Comparison", "bootstrap_ci", "compare_inputs", "format_table",
           "plot_curves", "read_input"]
