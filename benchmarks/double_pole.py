"""Double pole balancing with (DPV) and without (DPNV) velocities: NEAT runs from the task files over many seeds.

Each seed is one ``topoevo.run.Run`` of ``tasks/double_pole_velocities.toml`` or
``tasks/double_pole_no_velocities.toml`` (progress off), stopped when the run loop declares it solved: DPV when a
genome balances 100,000 decisions during its evaluation, DPNV when a generation's champion passes the success test
(100,000 decisions from the standard start and >= 200 of the 625 generalization starts; tests not counted as
evaluations). Evaluations are counted as the run loop counts them: genomes evaluated in earlier generations + the
winner's 1-based index in its generation.

Figures per run and over the runs: success rate, mean/median/worst evaluations of the solved runs, the solving
champion's generalization score (DPNV: measured by the success test; DPV: measured afterwards, for reporting) and
its network size (hidden nodes, enabled connections). The last line is one JSON object:
``{"variant", "runs", "solved", "mean_evals", "median_evals", "worst_evals", "mean_generalization", ...}``.

    python benchmarks/double_pole.py --variant dpv --seeds 20
    python benchmarks/double_pole.py --variant dpnv --seeds 20 --jobs 2
    python benchmarks/double_pole.py --variant dpv --first-seed 100 --start-angle 4.5deg

Seeds: the task files' settings were tuned on seeds 0-11 (DPNV) and 0-19 (DPV population), before the rule "tune on
seeds >= 1000"; the reported rows use seeds 100-119, never used for tuning. ``--start-angle``: the long pole's
start angle, 0.07 rad (Stanley's NEAT C++, the default) or 4.5 degrees (0.0785 rad, Gomez et al. 2008, the
CoSyNE / CMA-ES figures). The result goes to ``benchmarks/results/double_pole_<variant>[_4p5deg].json``.
``--algorithm cmaes``: CMA-ES on the fixed networks of the published comparisons (benchmarks/double_pole_cmaes.py):

    python benchmarks/double_pole.py --variant dpv --algorithm cmaes --seeds 20   # CMA-ES rows + NEAT's row
"""
from __future__ import annotations

import argparse
import json
import math
import re
import logging
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("benchmarks.double_pole")

TASK_FILES = {"dpv": ROOT / "tasks" / "double_pole_velocities.toml",
              "dpnv": ROOT / "tasks" / "double_pole_no_velocities.toml"}


@dataclass
class DoublePoleRun:
    """One seed's figures."""

    seed: int
    solved: bool
    evals: int  # evaluations to solve (all evaluations if unsolved)
    generations: int
    generalization: int | None  # solving champion's generalization starts balanced (of 625); None if unsolved
    hidden: int | None  # solving champion's hidden nodes
    connections: int | None  # ... and enabled connections
    wall_s: float  # Run.start to the end of the loop, this process
    cpu_s: float | None = None  # process CPU seconds of the same span (None: read from an old log)


def run_seed(variant: str, seed: int, task_file: str | None = None, generations: int | None = None,
             start_angle: float | None = None) -> dict[str, Any]:
    """One NEAT run of the variant's task file with ``seed``; returns :class:`DoublePoleRun` as a dict."""
    import torch

    torch.set_num_threads(1)  # one core per run: small tensor ops only lose to thread start-up
    from topoevo.config import load_config
    from topoevo.evaluate import compile_genomes
    from topoevo.run import Run

    overrides: dict[str, dict[str, Any]] = {"run": {"progress": False, "checkpoint_every": 0}}
    if generations is not None:
        overrides["run"]["generations"] = generations
    if start_angle is not None:
        overrides["task"] = {"start_angle": start_angle}
    config = load_config(task_file or TASK_FILES[variant], overrides)
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        run = Run.start(config, out=Path(tmp) / "run", seed=seed, reporters=[])
        summary = run.loop()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    champ = run.champion
    if not summary.solved or champ is None:
        return asdict(DoublePoleRun(seed, False, summary.evaluations, summary.generations, None, None, None, wall,
                                    cpu))
    test = run.champion_test or {}
    gen = test.get("generalization")
    if gen is None:  # DPV: not part of its success test; measured here for the report
        gen = run.task.generalization(compile_genomes([champ]))
    return asdict(DoublePoleRun(seed, True, int(summary.evaluations_to_solve), summary.generations, int(gen),
                                champ.num_hidden, champ.num_enabled(), wall, cpu))


def summarize(variant: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if r["solved"]]
    evals = [r["evals"] for r in ok]

    def mean(key: str) -> float | None:
        return statistics.fmean(r[key] for r in ok) if ok else None

    return {"variant": variant, "runs": len(runs), "solved": len(ok),
            "mean_evals": statistics.fmean(evals) if ok else None,
            "median_evals": statistics.median(evals) if ok else None,
            "worst_evals": max(evals) if ok else None,
            "mean_generalization": mean("generalization"),
            "min_generalization": min(r["generalization"] for r in ok) if ok else None,
            "mean_hidden": mean("hidden"), "mean_connections": mean("connections"),
            "median_wall_s": statistics.median(r["wall_s"] for r in runs) if runs else None,
            "median_cpu_s": statistics.median(cpus) if (cpus := [r["cpu_s"] for r in runs
                                                                 if r.get("cpu_s") is not None]) else None,
            "unsolved_seeds": [r["seed"] for r in runs if not r["solved"]]}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--variant", choices=sorted(TASK_FILES), required=True)
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (runs)")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1, help="runs in parallel processes (one core each)")
    p.add_argument("--task", default=None, help="another task file of the same variant")
    p.add_argument("--generations", type=int, default=None, help="override run.generations")
    p.add_argument("--from-log", default=None, metavar="LOG",
                   help="write the results from the per-seed lines of this script's log (a run stopped early)")
    p.add_argument("--start-angle", default=None,
                   help="long pole's start angle: radians, or degrees with a 'deg' suffix (default 0.07 rad)")
    p.add_argument("--algorithm", choices=["neat", "cmaes"], default="neat",
                   help="cmaes: CMA-ES on fixed networks (benchmarks/double_pole_cmaes.py)")
    p.add_argument("--angles", default=None, help="cmaes: start angles, comma-separated (4.5deg,0.07rad)")
    p.add_argument("--restarts", choices=["none", "ipop"], default=None,
                   help="cmaes: override the task file's [distribution] restarts ('none' writes *_norestart.json)")
    p.add_argument("--with-neat", action="store_true", help="cmaes: also NEAT on the same seeds (its task file)")
    args = p.parse_args(argv)
    if args.algorithm == "cmaes":
        from benchmarks.double_pole_cmaes import cmaes_main

        return cmaes_main(args, argv, run_seed, summarize)
    from benchmarks.results_io import start, write_results

    start()
    angle = parse_angle(args.start_angle)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    task_file = args.task or str(TASK_FILES[args.variant])
    print(f"# {args.variant}: {task_file}, seeds {seeds[0]}..{seeds[-1]}, {args.jobs} job(s)")
    runs: list[dict[str, Any]] = []
    if args.from_log:
        runs = runs_from_log(args.from_log)
        seeds = [r["seed"] for r in runs]
    elif args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(run_seed, args.variant, s, task_file, args.generations, angle) for s in seeds]
            for f in futures:
                runs.append(f.result())
                _print_run(runs[-1])
    else:
        for s in seeds:
            runs.append(run_seed(args.variant, s, task_file, args.generations, angle))
            _print_run(runs[-1])
    result = summarize(args.variant, runs)
    result["start_angle_rad"] = angle if angle is not None else 0.07
    result["task_file"] = Path(task_file).resolve().relative_to(ROOT).as_posix() if Path(task_file).resolve(
    ).is_relative_to(ROOT) else task_file
    result["per_run"] = runs
    name = f"double_pole_{args.variant}" + ("_4p5deg" if angle is not None and abs(angle - 0.0785398) < 1e-4 else
                                            "" if angle is None or angle == 0.07 else f"_{angle:g}rad")
    write_results(name, result, sys.argv if argv is None else [__file__, *argv], seeds=seeds,
                  source=f"per-seed lines of the log {Path(args.from_log).name} (run stopped early)"
                  if args.from_log else None)
    print(f"# solved {result['solved']}/{result['runs']}; evaluations mean {result['mean_evals']}, median "
          f"{result['median_evals']}, worst {result['worst_evals']}; generalization mean "
          f"{result['mean_generalization']}; hidden mean {result['mean_hidden']}")
    print(json.dumps(result))
    return result


def parse_angle(text: str | None) -> float | None:
    """'0.07' -> 0.07 rad; '4.5deg' -> 0.0785398 rad; None -> None (the task's default).

    >>> parse_angle("4.5deg"), parse_angle("0.07"), parse_angle(None)
    (0.0785398, 0.07, None)
    """
    if text is None:
        return None
    if text.endswith("deg"):
        return round(math.radians(float(text[:-3])), 7)
    return float(text)


LOG_LINE = re.compile(r"^seed +(\d+): (solved|UNSOLVED) evals +(\d+) generations +(\d+) generalization (\S+) "
                      r"hidden (\S+) connections (\S+) wall ([\d.]+) s")


def runs_from_log(path: str) -> list[dict[str, Any]]:
    """The per-seed lines this script printed, as runs (for a measurement stopped before its last seed)."""
    def opt(text: str) -> int | None:
        return None if text == "None" else int(text)

    runs = []
    for line in Path(path).read_text().splitlines():
        m = LOG_LINE.match(line)
        if m:
            runs.append(asdict(DoublePoleRun(int(m[1]), m[2] == "solved", int(m[3]), int(m[4]), opt(m[5]),
                                             opt(m[6]), opt(m[7]), float(m[8]))))
    return sorted(runs, key=lambda r: r["seed"])


def _print_run(r: dict[str, Any]) -> None:
    print(f"seed {r['seed']:>3}: {'solved' if r['solved'] else 'UNSOLVED'} evals {r['evals']:>6} generations "
          f"{r['generations']:>4} generalization {r['generalization']} hidden {r['hidden']} connections "
          f"{r['connections']} wall {r['wall_s']:.1f} s cpu {r.get('cpu_s') or 0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
