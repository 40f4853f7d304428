"""HyperNEAT benchmarks (issue 17): visual discrimination scaling, the retina problem (HyperNEAT vs NEAT) and the
cost of building + evaluating a >= 100,000-connection substrate for a population of 100.

- Visual discrimination (Gauci & Stanley 2007): `tasks/visual_discrimination_hyperneat.toml` evolves on the 11x11
  substrate (75 trials); each seed's champion CPPN is then re-run unchanged on the 11x11, 33x33 and 55x55 substrates
  over the 363-trial test set (the small box at every unit position); accuracy = share of trials whose chosen pixel
  lies in the large box's centre unit.
- Retina (Kashtan & Alon 2005; L AND R): `tasks/retina_neat.toml` (direct NEAT) and `tasks/retina_hyperneat.toml`
  (HyperNEAT + LEO, 3-D substrate), the same population (150) and generation budget, solved = all 256 patterns on
  the right side of 0.5; evaluations counted in whole generations up to the solving one.
- ES-HyperNEAT on the retina problem (`--parts retina_es`, `tasks/retina_es_hyperneat.toml`): its own results file.
- Scale: a 225-225-225 substrate (101,250 connections) for 100 CPPNs taken from a NEAT population after 5
  generations of random selection: compile the CPPNs, query them, build and evaluate the substrate networks on 16
  input patterns; CPU seconds (``time.process_time``) and wall seconds, the median of 5 after a warm-up call.

The last line is one JSON object: ``{"retina_hyperneat", "retina_neat", "visual_11", "visual_33", "visual_55", ...}``
(retina: solved runs / runs; visual: mean champion accuracy).

    nice -n 5 python benchmarks/hyperneat.py --seeds 10
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VISUAL = ROOT / "tasks" / "visual_discrimination_hyperneat.toml"
RETINA = {"neat": ROOT / "tasks" / "retina_neat.toml", "hyperneat": ROOT / "tasks" / "retina_hyperneat.toml",
          "es_hyperneat": ROOT / "tasks" / "retina_es_hyperneat.toml"}
RESOLUTIONS = (11, 33, 55)


def evolve(task_file: Path, seed: int, generations: int, overrides: dict[str, Any] | None = None):
    """One run through the run loop; returns (run, CPU seconds)."""
    from topoevo.config import load_config
    from topoevo.run import Run

    config = load_config(task_file, {"run": {"generations": generations, "progress": False, "seed": seed,
                                             "checkpoint_every": 0}, **(overrides or {})})
    c0 = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        run = Run.start(config, out=Path(tmp) / "run", reporters=[])
        run.loop()
    return run, time.process_time() - c0


def rescaled_task(config_task: Any, resolution: int, trials: str):
    """The HyperNEAT visual discrimination task at another resolution: grids of the substrate scaled alike."""
    import dataclasses

    from topoevo.hyperneat.task import HyperNEATVisualDiscriminationTask

    sub = config_task.substrate
    layers = [dataclasses.replace(layer, grid=[resolution, resolution]) for layer in sub.layers]
    params = dataclasses.replace(config_task, resolution=resolution, trials=trials,
                                 substrate=dataclasses.replace(sub, layers=layers))
    return HyperNEATVisualDiscriminationTask(params)


def visual(seeds: list[int], generations: int) -> dict[str, Any]:
    from topoevo.nn import CompiledPopulation

    rows = []
    for seed in seeds:
        run, cpu = evolve(VISUAL, seed, generations)
        champ = run.current_champion()
        acc = {}
        for r in RESOLUTIONS:
            task = rescaled_task(run.config.task.params, r, "all")
            res = task.evaluate(CompiledPopulation([champ]), np.zeros(1, dtype=np.int64))
            acc[r] = (float(res.info["accuracy"][0]), float(res.info["mean_distance"][0]))
        rows.append({"seed": seed, "solved": run.solved, "evaluations": run.evaluations_to_solve or run.algo.evaluations,
                     "cpu_s": round(cpu, 2), **{f"accuracy_{r}": round(a, 4) for r, (a, _) in acc.items()},
                     **{f"mean_distance_{r}": round(d, 4) for r, (_, d) in acc.items()}})
        print(f"visual seed {seed}: solved={run.solved} evals={rows[-1]['evaluations']} "
              + " ".join(f"{r}x{r}: {a:.3f}" for r, (a, _) in acc.items()), flush=True)
    out: dict[str, Any] = {"runs": rows}
    for r in RESOLUTIONS:
        out[f"mean_accuracy_{r}"] = round(float(np.mean([x[f"accuracy_{r}"] for x in rows])), 4)
    kept = [min(x[f"accuracy_{r}"] / x["accuracy_11"], 1.0) if x["accuracy_11"] else 0.0
            for x in rows for r in (33, 55)]
    out["min_kept_share"] = round(float(min(kept)), 4)
    out["runs_keeping_90pct"] = sum(1 for x in rows if x["accuracy_11"] and
                                    min(x["accuracy_33"], x["accuracy_55"]) >= 0.9 * x["accuracy_11"])
    return out


def retina(seeds: list[int], generations: int, methods: tuple[str, ...] = ("neat", "hyperneat")) -> dict[str, Any]:
    from topoevo.nn import CompiledPopulation

    out: dict[str, Any] = {}
    for method in methods:  # counts, not times, are compared
        rows = []
        for seed in seeds:
            run, cpu = evolve(RETINA[method], seed, generations)
            champ = run.current_champion()
            res = run.task.evaluate(CompiledPopulation([champ]), np.zeros(1, dtype=np.int64))
            rows.append({"seed": seed, "solved": run.solved, "evaluations": run.evaluations_to_solve,
                         "champion_accuracy": round(float(res.info["accuracy"][0]), 4), "cpu_s": round(cpu, 2)})
            print(f"retina {method} seed {seed}: solved={run.solved} evals={run.evaluations_to_solve} "
                  f"accuracy={rows[-1]['champion_accuracy']:.3f}", flush=True)
        solved = [r["evaluations"] for r in rows if r["solved"]]
        out[method] = {"runs": rows, "solved": len(solved), "median_evaluations": statistics.median(solved)
                       if solved else None, "mean_champion_accuracy":
                       round(float(np.mean([r["champion_accuracy"] for r in rows])), 4)}
    return out


def scale(pop: int = 100, side: int = 15, repeats: int = 5) -> dict[str, Any]:
    import torch

    from topoevo.config import load_config
    from topoevo.hyperneat.network import SubstratePopulation
    from topoevo.hyperneat.substrate import LayerConfig, Substrate, SubstrateConfig
    from topoevo.neat import NEAT
    from topoevo.nn import CompiledPopulation
    from topoevo.run import build_task, fit_genome_to_task

    config = load_config(VISUAL, {"neat": {"pop_size": pop}})
    config = fit_genome_to_task(config, build_task(config))
    algo = NEAT(config, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(5):
        genomes = algo.ask()
        algo.tell(rng.random(len(genomes)))
    genomes = algo.ask()
    substrate = Substrate(SubstrateConfig(layers=[LayerConfig(kind="input", grid=[side, side]),
                                                  LayerConfig(grid=[side, side]),
                                                  LayerConfig(kind="output", grid=[side, side])]))
    x = rng.random((pop, 16, side * side)).astype(np.float32)

    def once() -> tuple[float, float]:
        c0, w0 = time.process_time(), time.perf_counter()
        nets = SubstratePopulation.from_cppns(CompiledPopulation(genomes), substrate)
        out = nets(x)
        assert out.shape == (pop, 16, side * side) and bool(torch.isfinite(out).all())
        return time.process_time() - c0, time.perf_counter() - w0

    first = once()
    cpu, wall = zip(*(once() for _ in range(repeats)))
    return {"population": pop, "connections_per_genome": substrate.num_connections,
            "cppn_nodes_mean": round(float(np.mean([len(g.nodes) for g in genomes])), 2),
            "cpu_s_median": round(statistics.median(cpu), 3), "wall_s_median": round(statistics.median(wall), 3),
            "cpu_s_first_call": round(first[0], 3), "wall_s_first_call": round(first[1], 3)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    import torch

    from benchmarks.results_io import print_last_line, start, write_results

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--visual-generations", type=int, default=150)
    p.add_argument("--retina-generations", type=int, default=300)
    p.add_argument("--parts", default="visual,retina,scale",
                   help="comma-separated subset of visual,retina,scale,retina_es (ES-HyperNEAT on the retina problem: "
                        "its own results file)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    session = start()
    seeds = list(range(args.seeds))
    parts = set(args.parts.split(","))
    out: dict[str, Any] = {}
    if "scale" in parts:
        out["scale"] = scale()
        print(f"scale: {out['scale']}", flush=True)
    if "visual" in parts:
        v = visual(seeds, args.visual_generations)
        out.update({f"visual_{r}": v[f"mean_accuracy_{r}"] for r in RESOLUTIONS})
        out["visual"] = v
    if "retina" in parts:
        r = retina(seeds, args.retina_generations)
        out["retina_hyperneat"] = f"{r['hyperneat']['solved']}/{args.seeds}"
        out["retina_neat"] = f"{r['neat']['solved']}/{args.seeds}"
        out["retina"] = r
    if "retina_es" in parts:
        r = retina(seeds, args.retina_generations, ("es_hyperneat",))
        out["retina_es_hyperneat"] = f"{r['es_hyperneat']['solved']}/{args.seeds}"
        out["retina_es"] = r
    out["settings"] = {"seeds": args.seeds, "visual_generations": args.visual_generations,
                       "retina_generations": args.retina_generations}
    name = "hyperneat" if parts == {"visual", "retina", "scale"} else "hyperneat_" + "_".join(sorted(parts))
    write_results(name, out, sys.argv if argv is None else ["benchmarks/hyperneat.py", *argv], seeds=seeds,
                  session=session)
    print_last_line(out)
    return out


if __name__ == "__main__":
    main()
