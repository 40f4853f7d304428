"""Evaluator scaling on an expensive fitness: NEAT on LunarLander-v3 (tasks/lunarlander.toml: population 150, 3
episodes per genome, environments stepped in Python) for ``--generations`` generations, evaluated in-process, on the
local process pool with 1 and 2 workers, and on a local Ray cluster with 1 and 2 workers. Every run starts from the
same seed, so every run must write the same ``stats.jsonl``.

Figures: evaluation wall time per run (the run loop's ``eval_s``, summed over generations; worker start-up and the
task's construction in each worker are done by a warm-up call before timing), the whole run's wall time, and the
speed-up of 2 workers over 1 on each evaluator. The machine's other load depresses the speed-up: compare runs of
one invocation only. torch runs on one thread everywhere. On a busy Linux machine with autogroup scheduling, the
processes of one session share one CPU slice, so the pool's wall-clock speed-up there says little;
``pool_cpu_critical_path_speedup_2`` (1 worker's CPU time / the busiest of 2 workers' CPU time, from /proc) shows how
well the work splits whatever the load.

The last line is one JSON object: ``{"pool_speedup_2", "ray_speedup_2", "identical",
"pool_cpu_critical_path_speedup_2", "eval_s": {...}, "wall_s": {...}, ...}``.

    python benchmarks/scaling.py                       # 3 generations of population 150 (several minutes)
    python benchmarks/scaling.py --generations 1 --pop 40 --skip-ray
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("benchmarks.scaling")


def config_for(args: argparse.Namespace) -> Any:
    from topoevo.config import load_config

    return load_config(ROOT / "tasks" / "lunarlander.toml",
                       {"neat": {"pop_size": args.pop}, "task": {"episodes": args.episodes},
                        "run": {"generations": args.generations, "seed": args.seed, "progress": False,
                                "checkpoint_every": 0}})


def warm_up(evaluator: Any, config: Any) -> None:
    """Start the workers and build the task in each of them (a few genomes per worker), outside the timing."""
    from topoevo.algorithm import algorithm_class
    from topoevo.evaluate import derive_seeds
    from topoevo.run import build_task, fit_genome_to_task

    task = build_task(config)
    algo = algorithm_class(config.run.algorithm)(fit_genome_to_task(config, task), seed=12345)
    genomes = list(algo.ask())[: 4 * getattr(evaluator, "workers", 1)]
    evaluator(genomes, task, derive_seeds(12345, 0, len(genomes)), algo.compile_fn)
    if hasattr(task, "close"):
        task.close()


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_run(name: str, evaluator: Any, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    from topoevo.run import Run

    config = config_for(args)
    warm_up(evaluator, config)
    pids = evaluator.worker_pids() if hasattr(evaluator, "worker_pids") else []
    cpu0 = [process_cpu_s(pid) for pid in pids]
    t0 = time.perf_counter()
    run = Run.start(config, out=out / name, evaluator=evaluator)
    summary = run.loop()
    wall = time.perf_counter() - t0
    cpu1 = [process_cpu_s(pid) for pid in pids]
    worker_cpu = [round(b - a, 3) for a, b in zip(cpu0, cpu1) if a is not None and b is not None]
    if hasattr(run.task, "close"):
        run.task.close()
    timing = [json.loads(line) for line in (out / name / "timing.jsonl").read_text().splitlines() if line.strip()]
    eval_s = sum(float(t.get("eval_s", 0.0)) for t in timing)
    stats = (out / name / "stats.jsonl").read_text()
    cpu_text = f", worker CPU {worker_cpu} s" if worker_cpu else ""
    print(f"{name:>7}: evaluation {eval_s:8.2f} s, run {wall:8.2f} s, generations {summary.generations}, "
          f"evaluations {summary.evaluations}, best fitness {summary.best_fitness:.3f}{cpu_text}", flush=True)
    return {"eval_s": eval_s, "wall_s": wall, "stats": stats, "worker_cpu_s": worker_cpu}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--generations", type=int, default=3)
    p.add_argument("--pop", type=int, default=150)
    p.add_argument("--episodes", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--chunks-per-worker", type=int, default=2)
    p.add_argument("--skip-ray", action="store_true", help="pool only (e.g. without the distributed extra)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    import torch

    torch.set_num_threads(1)
    from topoevo.evaluate import InProcessEvaluator
    from topoevo.evaluate.pool import PoolEvaluator

    print(f"LunarLander-v3 NEAT: population {args.pop}, {args.episodes} episodes, {args.generations} generations, "
          f"seed {args.seed}, {args.chunks_per_worker} chunks per worker", flush=True)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="topoevo-scaling-") as tmp:
        out = Path(tmp)
        results["serial"] = timed_run("serial", InProcessEvaluator(), args, out)
        for n in (1, 2):
            with PoolEvaluator(workers=n, chunks_per_worker=args.chunks_per_worker) as pool:
                results[f"pool{n}"] = timed_run(f"pool{n}", pool, args, out)
        if not args.skip_ray:
            import ray

            from topoevo.evaluate.ray import RayEvaluator

            ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
            try:
                for n in (1, 2):
                    with RayEvaluator(workers=n, chunks_per_worker=args.chunks_per_worker) as ev:
                        results[f"ray{n}"] = timed_run(f"ray{n}", ev, args, out)
            finally:
                ray.shutdown()
    reference = results["serial"]["stats"]
    identical = all(r["stats"] == reference for r in results.values())

    def speedup(kind: str) -> float | None:
        if f"{kind}2" not in results:
            return None
        return round(results[f"{kind}1"]["eval_s"] / results[f"{kind}2"]["eval_s"], 3)

    # load-independent check of the pool's work split: 1 worker's CPU time / the busiest of 2 workers' CPU time
    # (the speed-up 2 workers reach when each gets a core of its own; Linux only)
    one, two = results["pool1"]["worker_cpu_s"], results["pool2"]["worker_cpu_s"]
    cpu_bound = round(sum(one) / max(two), 3) if one and len(two) == 2 and max(two) > 0 else None
    figures = {"pool_speedup_2": speedup("pool"), "ray_speedup_2": speedup("ray"), "identical": identical,
               "pool_cpu_critical_path_speedup_2": cpu_bound,
               "worker_cpu_s": {k: r["worker_cpu_s"] for k, r in results.items() if r["worker_cpu_s"]},
               "eval_s": {k: round(r["eval_s"], 3) for k, r in results.items()},
               "wall_s": {k: round(r["wall_s"], 3) for k, r in results.items()},
               "pop": args.pop, "episodes": args.episodes, "generations": args.generations,
               "chunks_per_worker": args.chunks_per_worker}
    print(f"speed-up of 2 workers over 1: pool {figures['pool_speedup_2']}, ray {figures['ray_speedup_2']}; "
          f"identical stats.jsonl on every evaluator: {identical}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
