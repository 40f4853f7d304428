"""Sweeps: one task file run on many seeds into one directory (``topoevo sweep``), for statistics over seeds.

Layout of a sweep directory: ``sweep.json`` (task file, task name, seeds, config overrides) and one ordinary run
directory per seed, ``seed-<n>/`` (checkpoint, ``stats.jsonl``, ``summary.json``, champion). Seeds run in parallel
(``workers`` local processes, or Ray tasks), each run on one core with the in-process evaluator, so a seed's run is
the same whatever the worker count. An interrupted sweep continues where it stopped: finished seeds are kept,
killed ones resume from their checkpoint.

>>> parse_seeds("0-3"), parse_seeds("1000-1002,7")
([0, 1, 2, 3], [1000, 1001, 1002, 7])
>>> # sweep = run_sweep("tasks/xor.toml", parse_seeds("0-19"), "sweeps/xor", workers=2)
"""
from __future__ import annotations

import dataclasses
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from topoevo.errors import ConfigError
from topoevo.files import read_json, write_json_atomic

SWEEP_FILE = "sweep.json"
SWEEP_KIND = "topoevo-sweep"


def parse_seeds(text: str) -> list[int]:
    """``"0-19"``, ``"3"``, ``"0-9,1000-1009"`` -> the seeds, in the order given, without repeats."""
    seeds: list[int] = []
    try:
        for part in str(text).split(","):
            lo, sep, hi = part.strip().partition("-")
            first, last = int(lo), int(hi) if sep else int(lo)
            if first < 0 or last < first:
                raise ValueError
            seeds += [s for s in range(first, last + 1) if s not in seeds]
    except ValueError:
        raise ConfigError(f"expected seeds like 0-19 or 0,5,1000-1009, got {text!r}", field="--seeds") from None
    return seeds


def seed_dir(sweep_dir: Path, seed: int) -> Path:
    return Path(sweep_dir) / f"seed-{seed}"


@dataclass
class SweepSpec:
    """What ``sweep.json`` records: the task file and name, the seeds and the config overrides of every run.

    >>> SweepSpec("tasks/xor.toml", "xor", [0, 1]).to_dict()["kind"]
    'topoevo-sweep'
    """

    task_file: str
    task: str
    seeds: list[int]
    overrides: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": SWEEP_KIND, "version": 1, **dataclasses.asdict(self)}


def read_sweep(sweep_dir: str | Path) -> SweepSpec:
    """The sweep's ``sweep.json``; one-line error naming the file when it is missing or malformed."""
    path = Path(sweep_dir) / SWEEP_FILE
    if not path.exists():
        raise ConfigError("not a sweep directory (no sweep.json)", source=sweep_dir, field=SWEEP_FILE)
    data = read_json(path, ConfigError)
    if not isinstance(data, dict) or data.get("kind") != SWEEP_KIND:
        raise ConfigError(f"expected a JSON object with kind {SWEEP_KIND!r}", source=path, field="kind")
    try:
        seeds = [int(s) for s in data["seeds"]]
        return SweepSpec(str(data["task_file"]), str(data["task"]), seeds, dict(data.get("overrides") or {}))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"missing or malformed field ({exc})", source=path, field="task_file/task/seeds") from None


def run_seed(task_file: str, seed: int, out: str, overrides: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One seed's run into ``out`` (resumed when a killed run left its checkpoint); returns its summary."""
    import torch

    torch.set_num_threads(1)  # one core per run: seeds are what runs in parallel
    from topoevo.config import load_config
    from topoevo.report import JSONLReporter
    from topoevo.run import Run

    path = Path(out)
    if (path / "summary.json").exists():
        return read_json(path / "summary.json", ConfigError)
    if (path / "checkpoint.json").exists():
        run = Run.resume(path, reporters=[JSONLReporter()])
    else:
        if path.exists():
            shutil.rmtree(path)  # killed before its first checkpoint: nothing to keep
        over: dict[str, dict[str, Any]] = {k: dict(v) for k, v in overrides.items()}
        over.setdefault("run", {})["progress"] = False
        run = Run.start(load_config(task_file, over), out=path, seed=seed, reporters=[JSONLReporter()])
    summary = dataclasses.asdict(run.loop())
    run.task.close()
    return summary


def run_sweep(task_file: str | Path, seeds: Sequence[int], sweep_dir: str | Path, workers: int = 1,
              ray: str | None = None, overrides: dict[str, dict[str, Any]] | None = None,
              on_done: Callable[[int, dict[str, Any]], None] | None = None) -> Path:
    """Run ``task_file`` once per seed into ``sweep_dir/seed-<n>``; continue an unfinished sweep of the same task
    file. ``on_done(seed, summary)`` is called as each seed finishes. Returns the sweep directory."""
    from topoevo.config import load_config

    overrides = overrides or {}
    config = load_config(task_file, overrides)  # bad task file: fail before anything is written
    if not seeds:
        raise ConfigError("no seeds given", field="--seeds")
    if workers < 1:
        raise ConfigError(f"expected at least 1 worker, got {workers}", field="--workers")
    out = Path(sweep_dir)
    spec = SweepSpec(str(Path(task_file).resolve()), config.task.name, list(seeds), overrides)
    if (out / SWEEP_FILE).exists():
        old = read_sweep(out)
        if (old.task_file, old.task, old.overrides) != (spec.task_file, spec.task, spec.overrides):
            raise ConfigError(f"holds a sweep of {old.task_file}; refusing to mix task files (use another "
                              f"directory)", source=out, field=SWEEP_FILE)
        spec.seeds = old.seeds + [s for s in spec.seeds if s not in old.seeds]
    elif out.exists() and any(out.iterdir()):
        raise ConfigError("directory exists, is not empty and holds no sweep", source=out, field="--out")
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / SWEEP_FILE, spec.to_dict())
    jobs = [(spec.task_file, s, str(seed_dir(out, s)), overrides) for s in seeds]
    done = on_done or (lambda seed, summary: None)
    if ray is not None:
        _run_on_ray(jobs, ray, done)
    elif workers == 1:
        for job in jobs:
            done(job[1], run_seed(*job))
    else:
        with ProcessPoolExecutor(workers) as pool:
            futures = [(job[1], pool.submit(run_seed, *job)) for job in jobs]
            for seed, fut in futures:
                done(seed, fut.result())
    return out


def _run_on_ray(jobs: list[tuple[Any, ...]], address: str, done: Callable[[int, dict[str, Any]], None]) -> None:
    try:
        import ray
    except ImportError:
        raise ConfigError("needs Ray: pip install 'topoevo[distributed]'", field="--ray") from None
    if not ray.is_initialized():
        ray.init(address=address or None, include_dashboard=False, log_to_driver=False)
    remote = ray.remote(num_cpus=1)(run_seed)
    refs = [(job[1], remote.remote(*job)) for job in jobs]
    for seed, ref in refs:
        done(seed, ray.get(ref))


__all__ = ["SweepSpec", "parse_seeds", "read_sweep", "run_sweep", "run_seed", "seed_dir"]
