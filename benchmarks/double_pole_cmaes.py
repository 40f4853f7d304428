"""CMA-ES on the double pole (``benchmarks/double_pole.py --algorithm cmaes``): fixed networks as in Igel 2003 (DPV:
a single-layer net without hidden units; DPNV: a small recurrent net), the same task, physics, fitness, success test
and evaluation counting as the NEAT rows (the run loop's), over many seeds.

Two start angles: the long pole at 0.07 rad (Stanley's NEAT code, the NEAT rows) and at 4.5 degrees (Gruau et al.
1996 / Igel 2003, where the published CMA-ES figures come from). Published (Gomez, Schmidhuber & Miikkulainen 2008,
table of the double-pole results, CMA-ES from Igel 2003): DPV 895 evaluations, DPNV 6,061.

``--angles 0.07rad`` runs one angle; the results file keeps the other angle's row when it was measured with the same
task file, overrides and seeds (that row carries its own ``meta``).
"""
from __future__ import annotations

import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TASK_FILES = {"dpv": ROOT / "tasks" / "double_pole_velocities_cmaes.toml",
              "dpnv": ROOT / "tasks" / "double_pole_no_velocities_cmaes.toml"}
PUBLISHED = {"dpv": 895, "dpnv": 6061}  # Igel 2003 via Gomez et al. 2008
ANGLES = {"4.5deg": math.radians(4.5), "0.07rad": 0.07}


def write_results(name: str, obj: dict[str, Any], argv: list[str], seeds: list[int],
                  script: str = "double_pole.py") -> Path:
    """Add ``meta`` to ``obj`` and write it to ``benchmarks/results/<name>.json`` through benchmarks/results_io.py
    (``obj`` may carry ``_load_before``, the load average when the measurement began)."""
    import os

    from benchmarks.results_io import Session, write_results as write

    load_before = obj.pop("_load_before", None)
    session = Session(load_before=list(load_before) if load_before is not None else list(os.getloadavg()))
    return write(name, obj, [f"benchmarks/{script}", *argv], seeds=seeds, session=session)


def run_seed(variant: str, seed: int, start_angle: float, task_file: str | None = None,
             overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """One CMA-ES run; evaluations as the run loop counts them (all candidates of earlier generations + the
    winner's 1-based index in its generation)."""
    import torch

    torch.set_num_threads(1)
    from topoevo.config import load_config
    from topoevo.run import Run

    over: dict[str, dict[str, Any]] = {"run": {"progress": False, "checkpoint_every": 0},
                                       "task": {"start_angle": start_angle}}
    for section, values in (overrides or {}).items():
        over.setdefault(section, {}).update(values)
    config = load_config(task_file or TASK_FILES[variant], over)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.process_time()
        run = Run.start(config, out=Path(tmp) / "run", seed=seed, reporters=[])
        first_pop = run.algo.pop_size
        summary = run.loop()
        cpu = time.process_time() - t0
    gen = None
    if summary.solved and run.champion is not None:
        test = run.champion_test or {}
        gen = test.get("generalization")
        if gen is None:
            gen = run.task.generalization(run.algo.compile_fn([run.champion]))
    return {"seed": seed, "solved": bool(summary.solved),
            "evals": int(summary.evaluations_to_solve if summary.solved else summary.evaluations),
            "generations": summary.generations, "generalization": None if gen is None else int(gen),
            "parameters": run.algo.layout.size, "pop_size": first_pop, "restarts": run.algo.restarts,
            "final_pop_size": run.algo.pop_size, "cpu_s": round(cpu, 2)}


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if r["solved"]]
    evals = [r["evals"] for r in ok]
    return {"runs": len(runs), "solved": len(ok),
            "mean_evals": statistics.fmean(evals) if ok else None,
            "median_evals": statistics.median(evals) if ok else None,
            "worst_evals": max(evals) if ok else None,
            "mean_restarts": statistics.fmean(r.get("restarts", 0) for r in runs) if runs else None,
            "mean_generalization": statistics.fmean(r["generalization"] for r in ok) if ok else None,
            "parameters": runs[0]["parameters"] if runs else None, "pop_size": runs[0]["pop_size"] if runs else None,
            "unsolved_seeds": [r["seed"] for r in runs if not r["solved"]]}


def report(angle: str, r: dict[str, Any]) -> None:
    print(f"{angle} seed {r['seed']:>4}: {'solved' if r['solved'] else 'UNSOLVED'} evals {r['evals']:>6} "
          f"restarts {r['restarts']} generalization {r['generalization']} cpu {r['cpu_s']} s", flush=True)


def main(variant: str, seeds: list[int], task_file: str | None = None, jobs: int = 1,
         angles: list[str] | None = None, after_angle: Any = None,
         overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Every seed at each start angle; returns {"variant", "algorithm", "published_evals", "<angle>": summary +
    runs}."""
    from concurrent.futures import ProcessPoolExecutor

    out: dict[str, Any] = {"variant": variant, "algorithm": "cmaes", "published_evals": PUBLISHED[variant],
                           "overrides": overrides or {},
                           "task_file": str(Path(task_file or TASK_FILES[variant]).relative_to(ROOT))
                           if not task_file else task_file}
    for name in angles or list(ANGLES):
        angle = ANGLES[name]
        if jobs > 1:
            with ProcessPoolExecutor(jobs) as pool:
                runs = list(pool.map(run_seed, [variant] * len(seeds), seeds, [angle] * len(seeds),
                                     [task_file] * len(seeds), [overrides] * len(seeds)))
        else:  # one seed at a time, the results file rewritten after each (a stopped run keeps what it measured)
            runs = []
            for s in seeds:
                runs.append(run_seed(variant, s, angle, task_file, overrides))
                report(name, runs[-1])
                if after_angle is not None and len(runs) < len(seeds):
                    out[name] = {**summarize(runs), "start_angle": angle, "per_seed": runs, "complete": False}
                    after_angle(out)
        if jobs > 1:
            for r in runs:
                report(name, r)
        out[name] = {**summarize(runs), "start_angle": angle, "per_seed": runs}
        s = out[name]
        print(f"# cmaes {variant} {name}: mean restarts {s['mean_restarts']}, solved {s['solved']}/{s['runs']}, mean "
              f"evals {s['mean_evals']}, median {s['median_evals']} (published {PUBLISHED[variant]})", flush=True)
        if after_angle is not None:
            after_angle(out)
    return out


def kept_angles(name: str, variant: str, task_file: str | None, overrides: dict[str, Any],
                seeds: list[int], results_dir: Path = ROOT / "benchmarks" / "results") -> dict[str, Any]:
    """The angle rows of ``benchmarks/results/<name>.json`` measured with the same task file, overrides and seeds:
    a run of some angles (``--angles 0.07rad``) keeps the others' rows instead of dropping them. Each kept row
    carries its own ``meta`` (command, date, load) since the file's meta record describes the latest run."""
    import json

    path = results_dir / f"{name}.json"
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    task = str(Path(task_file or TASK_FILES[variant]).relative_to(ROOT)) if not task_file else task_file
    meta = old.get("meta") or {}
    if old.get("variant") != variant or old.get("task_file") != task or old.get("overrides", {}) != overrides:
        return {}
    kept = {}
    for angle in ANGLES:
        row = old.get(angle)
        if isinstance(row, dict) and [r["seed"] for r in row.get("per_seed", [])] == seeds[:len(row["per_seed"])]:
            kept[angle] = {**row, "meta": row.get("meta") or {k: meta.get(k) for k in
                                                              ("commit", "date", "command", "load_before",
                                                               "load_after")}}
    return kept


def task_suffix(task_file: str | None) -> str:
    """The results-file suffix of another task file of a variant: what follows ``_cmaes`` in its name
    (``tasks/double_pole_no_velocities_cmaes_elman.toml`` -> ``_elman``), else its whole stem; '' for the default.

    >>> task_suffix(None), task_suffix("tasks/double_pole_no_velocities_cmaes_elman.toml"), task_suffix("my.toml")
    ('', '_elman', '_my')
    """
    if not task_file:
        return ""
    stem = Path(task_file).stem
    rest = stem.split("_cmaes", 1)[1].strip("_") if "_cmaes" in stem else stem
    return f"_{rest}" if rest else ""


def cmaes_main(args: Any, argv: list[str] | None, neat_run_seed: Any, neat_summarize: Any) -> dict[str, Any]:
    """``double_pole.py --algorithm cmaes``: CMA-ES at both start angles, NEAT (its task file, 0.07 rad) on the
    same seeds beside it; prints and writes the JSON result."""
    import json
    import sys

    import os

    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    load_before = list(os.getloadavg())
    overrides = {"distribution": {"restarts": args.restarts}} if args.restarts else None
    suffix = "_norestart" if args.restarts == "none" else ""
    name = f"double_pole_cmaes_{args.variant}{task_suffix(args.task)}{suffix}"
    command = argv if argv is not None else sys.argv[1:]

    kept = kept_angles(name, args.variant, args.task, overrides or {}, seeds)

    def save(partial: dict[str, Any]) -> None:  # after every angle: a long run keeps what it measured
        write_results(name, {**kept, **partial, "_load_before": load_before}, command, seeds)

    result = main(args.variant, seeds, args.task, args.jobs, args.angles.split(",") if args.angles else None, save,
                  overrides)
    result = {**kept, **result}
    if args.with_neat:
        from concurrent.futures import ProcessPoolExecutor

        print(f"# neat {args.variant} 0.07rad: seeds {seeds[0]}..{seeds[-1]}", flush=True)
        with ProcessPoolExecutor(max(1, args.jobs)) as pool:
            neat = list(pool.map(neat_run_seed, [args.variant] * len(seeds), seeds))
        result["neat_0.07rad"] = neat_summarize(args.variant, neat)
    result["_load_before"] = load_before
    write_results(name, result, command, seeds)
    print(json.dumps(result))
    return result
