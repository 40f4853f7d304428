"""XOR (Stanley & Miikkulainen 2002 protocol): topoevo's tasks/xor.toml side by side with neat-python 2.0 running
its own XOR example config, seed by seed, in the same process.

    python benchmarks/xor.py --seeds 100

Evaluations are counted as in the paper: pop x (generations - 1) + index of the first genome whose four outputs
are on the correct side of 0.5. Wall time per run includes everything from building the population to the winner
(topoevo: the run loop with the batched PyTorch evaluation and its durable files -- the generation-0 and final
checkpoints, champion, summary; no progress bar). Fairness: both libraries run in this one process, one torch
thread, seed by seed alternating. The objects that exist after the imports and warm-ups (torch's ~170k) would be
walked by every full garbage collection of both libraries; ``--gc`` says who is spared that: ``peer`` (default)
freezes them (``gc.freeze``) only while neat-python runs, as if it ran in its own process without torch, while
topoevo pays what it pays in any process that imported torch; ``both`` freezes them for both (what a program
gets with ``gc.freeze()`` after its imports); ``none`` for neither. topoevo's run directory is in RAM
(``/dev/shm`` when it exists) so the figure is the library's time, not the disk's fsync latency (neat-python
writes no files; ``--run-dir`` puts them elsewhere). Also reported: process CPU time, and wall per solve (all
runs' wall time / solved runs). Last line: one JSON object, also written to ``benchmarks/results/xor.json``.

Counts only (no peer), for the paper-exact row, the tuned row and the ablations between them; ``--name`` names the
results file (``benchmarks/results/<name>.json``), ``--set section.key=value`` overrides the task file:

    python benchmarks/xor.py --no-peer --seeds 100 --task tasks/xor_paper.toml --name xor_paper
    python benchmarks/xor.py --no-peer --seeds 100 --name xor_tuned
    python benchmarks/xor.py --no-peer --seeds 100 --task tasks/xor_paper.toml --name xor_ablation_power \
        --set mutation.weight_mutate_power=2.5

``--ablation`` switches one rule of the NEAT implementation to the paper's or Stanley's C++'s, for this process only
(see :data:`ABLATIONS`): ``speciation_order`` (every genome tries the species in order, not its parent's first),
``tie_smaller`` (on equal fitness the smaller parent counts as the fitter, whose disjoint and excess genes the child
takes), ``no_reenable`` (add-link only links unconnected pairs; it never re-enables a disabled link).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from topoevo.config import load_config  # noqa: E402
from topoevo.genome.rng import GenomeRandom  # noqa: E402
from topoevo.neat import NEAT  # noqa: E402
from topoevo.run import Run, build_task, fit_genome_to_task  # noqa: E402


def default_run_dir() -> str | None:
    """Where topoevo's run directories go: RAM when the machine has ``/dev/shm``, else the system temp dir."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class UniformDraws(GenomeRandom):
    """Ablation only: every "normal" draw of the genome operations (weight perturbation, replacement, initial
    weights) replaced by a uniform one -- ``half_width`` 3**0.5 keeps the variance (uniform vs Gaussian shape at the
    same sigma); 1.0 gives U(-power, power), the perturbation of Stanley's NEAT C++ (``randposneg() * randfloat() *
    power``). Relies on GenomeRandom's buffer of normals, which mutation pops directly."""

    half_width = 3.0 ** 0.5

    def refill(self) -> None:
        self._normals.extend(self._normal_source.uniform(-self.half_width, self.half_width, 4096).tolist())


class UniformCppDraws(UniformDraws):
    half_width = 1.0


class AblationNEAT(NEAT):
    """NEAT whose genome operations draw from :attr:`draws` (see :class:`UniformDraws`)."""

    draws: type[GenomeRandom] = UniformDraws

    def _py_rng(self) -> GenomeRandom:
        return self.draws(int(self.rng.integers(0, 2**63)))


def ablation_algorithm(draws: str) -> type[NEAT] | None:
    """None for the normal draws; else a NEAT subclass with uniform ones ("uniform": same sigma; "uniform_cpp":
    U(-power, power))."""
    if draws == "gaussian":
        return None
    return type(f"NEAT_{draws}", (AblationNEAT,), {"draws": UniformDraws if draws == "uniform" else UniformCppDraws})


class PaperSpeciationOrder(NEAT):
    """Ablation ``speciation_order``: children carry no species hint, so speciation puts each genome in the first
    compatible species in order (the paper's description) instead of trying its parent's species first."""

    def _reproduce(self, *args: Any, **kwargs: Any) -> list:
        children = super()._reproduce(*args, **kwargs)
        for child in children:
            child.species = None
        return children


@contextmanager
def tie_smaller() -> Iterator[dict[str, int]]:
    """Ablation ``tie_smaller``: Stanley's C++ ``mate_multipoint`` tie rule -- when both parents have the same
    fitness, the one with fewer genes counts as the fitter (topoevo: either at random). Counts the crossovers and
    the ties."""
    import topoevo.neat.reproduction as reproduction

    original, counts = reproduction.crossover, {"crossovers": 0, "ties": 0}

    def crossover(fitter: Any, weaker: Any, *args: Any, **kwargs: Any) -> Any:
        counts["crossovers"] += 1
        if fitter.fitness == weaker.fitness and fitter is not weaker:
            counts["ties"] += 1
            if len(weaker.conns) < len(fitter.conns):
                fitter, weaker = weaker, fitter
        return original(fitter, weaker, *args, **kwargs)

    reproduction.crossover = crossover
    try:
        yield counts
    finally:
        reproduction.crossover = original


@contextmanager
def no_reenable() -> Iterator[dict[str, int]]:
    """Ablation ``no_reenable``: add-link picks only pairs with no connection gene yet (the paper: "connecting two
    previously unconnected nodes"); topoevo (like Stanley's C++) re-enables a disabled link it picks. Disabled
    genes look enabled to add-link while it runs, so it passes over their pairs (its cycle check already counts
    them)."""
    import topoevo.genome.mutation as mutation

    original, counts = mutation.add_connection, {"calls": 0}

    def add_connection(g: Any, *args: Any, **kwargs: Any) -> bool:
        counts["calls"] += 1
        disabled = [c for c in g.conns.values() if not c.enabled]
        for c in disabled:
            c.enabled = True
        try:
            return original(g, *args, **kwargs)
        finally:
            for c in disabled:
                c.enabled = False

    mutation.add_connection = add_connection
    try:
        yield counts
    finally:
        mutation.add_connection = original


@contextmanager
def no_patch() -> Iterator[dict[str, int]]:
    yield {}


#: --ablation: (NEAT class or None, context manager patching one genome operation for the process)
ABLATIONS: dict[str, tuple[type[NEAT] | None, Callable[[], Any]]] = {
    "none": (None, no_patch), "speciation_order": (PaperSpeciationOrder, no_patch),
    "tie_smaller": (None, tie_smaller), "no_reenable": (None, no_reenable)}


def topoevo_xor(seed: int, task_file: Path = ROOT / "tasks" / "xor.toml", run_dir: str | None = None,
                overrides: dict[str, dict[str, Any]] | None = None, algorithm: type[NEAT] | None = None) -> dict:
    over: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (overrides or {}).items()}
    over.setdefault("run", {}).update({"progress": False, "checkpoint_every": 0, "seed": seed})
    config = load_config(task_file, over)
    with tempfile.TemporaryDirectory(dir=run_dir) as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        if algorithm is None:
            run = Run.start(config, out=Path(tmp) / "run", reporters=[])
        else:  # an ablation: the same start as Run.start, with another NEAT class
            task = build_task(config)
            config = fit_genome_to_task(config, task)
            run = Run(config, Path(tmp) / "run", task, algorithm(config, seed=seed), seed, reporters=[])
            run.run_dir.mkdir(parents=True)
        summary = run.loop()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    champ = run.champion
    return {"solved": summary.solved, "evals": summary.evaluations_to_solve, "generations": summary.generations,
            "hidden": champ.num_hidden if champ is not None else None, "wall_s": wall, "cpu_s": cpu}


def parse_set(items: list[str]) -> dict[str, dict[str, Any]]:
    """``["mutation.add_node_rate=0.03"]`` -> ``{"mutation": {"add_node_rate": 0.03}}`` (values read as TOML).

    >>> parse_set(["species.target_species=0", "genome.weight_max=8.0"])
    {'species': {'target_species': 0}, 'genome': {'weight_max': 8.0}}
    """
    import tomllib

    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, _, value = item.partition("=")
        section, _, name = key.partition(".")
        out.setdefault(section, {})[name] = tomllib.loads(f"v = {value}")["v"]
    return out


def summarise(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["solved"]]
    evals = [r["evals"] for r in ok]
    from topoevo.report.compare import bootstrap_ci

    ci = bootstrap_ci(evals, "mean")
    return {"runs": len(runs), "solved": len(ok),
            "mean_evals": round(statistics.fmean(evals), 1) if evals else None,
            "mean_evals_ci95": [round(ci[0], 1), round(ci[1], 1)] if ci else None,
            "median_evals": statistics.median(evals) if evals else None,
            "worst_evals": max(evals) if evals else None,
            # (None when a part of the runs came from a log, which has no hidden-node counts)
            "mean_hidden": round(statistics.fmean(r["hidden"] for r in ok), 3)
            if ok and all(r.get("hidden") is not None for r in ok) else None,
            "median_wall_s": round(statistics.median(r["wall_s"] for r in runs), 4),
            "median_cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 4),
            "wall_per_solve_s": round(sum(r["wall_s"] for r in runs) / len(ok), 4) if ok else None,
            "evals": [r["evals"] if r["solved"] else None for r in runs]}


LOG_LINE = re.compile(r"^seed +(\d+): topoevo (\d+|None) evals ([\d.]+) s \(cpu ([\d.]+) s\)")


def runs_from_log(path: Path) -> list[dict]:
    """The per-seed lines this script printed (``seed N: topoevo E evals W s (cpu C s)``) as runs; for a run stopped
    before its end (the machine's load made a measurement outlast the session). Hidden nodes are not in the log."""
    runs = []
    for line in Path(path).read_text().splitlines():
        m = LOG_LINE.match(line)
        if m:
            evals = None if m[2] == "None" else int(m[2])
            runs.append({"seed": int(m[1]), "solved": evals is not None, "evals": evals, "hidden": None,
                         "wall_s": float(m[3]), "cpu_s": float(m[4])})
    return runs


def merge(parts: list[str], name: str, argv: list[str]) -> dict:
    """One results file from several parts, each a log of this script (``*.log``: converted) or a results file
    name with ``per_run``; seeds must not overlap. The merged file's meta says where each part came from."""
    from benchmarks.results_io import RESULTS_DIR, read_results, write_results

    runs: list[dict] = []
    sources, first = [], None
    for part in parts:
        if part.endswith(".log"):
            runs += runs_from_log(Path(part))
            sources.append(f"the per-seed lines of the log {Path(part).name}")
        else:
            data = read_results(RESULTS_DIR / f"{part}.json")
            first = first or data
            runs += data["per_run"]
            sources.append(f"{part}.json ({data['meta']['date']}, {data['meta']['commit']})")
    seeds = [r["seed"] for r in runs]
    if len(set(seeds)) != len(seeds):
        raise SystemExit(f"merge: overlapping seeds in {parts}")
    runs.sort(key=lambda r: r["seed"])
    result = summarise(runs)
    if first is not None:
        result.update({k: first[k] for k in ("task_file", "overrides", "draws", "ablation") if k in first})
    for key in sorted({k for r in runs for k in r if k.startswith("ablation_")}):  # the --ablation counts
        result[f"{key}_total"] = sum(r.get(key, 0) for r in runs)
    result["per_run"] = runs
    write_results(name, result, argv, seeds=seeds, source="merged from " + "; ".join(sources))
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--no-peer", action="store_true", help="skip neat-python")
    ap.add_argument("--run-dir", default=default_run_dir(),
                    help="parent of topoevo's temporary run directories (default: /dev/shm when it exists)")
    ap.add_argument("--gc", choices=["peer", "both", "none"], default="peer",
                    help="whose runs have the imported objects frozen out of the garbage collector (see above)")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--task", type=Path, default=ROOT / "tasks" / "xor.toml", help="topoevo's task file")
    ap.add_argument("--name", default="xor", help="results file benchmarks/results/<name>.json")
    ap.add_argument("--set", nargs="*", default=[], metavar="SECTION.KEY=VALUE", help="task file overrides")
    ap.add_argument("--merge", nargs="+", default=None, metavar="LOG_OR_RESULTS",
                    help="write --name from these parts (logs of this script, or results names) instead of running")
    ap.add_argument("--draws", choices=["gaussian", "uniform", "uniform_cpp"], default="gaussian",
                    help="ablation: weight draws of the genome operations (see UniformDraws)")
    ap.add_argument("--ablation", choices=list(ABLATIONS), default="none",
                    help="ablation: one NEAT rule as the paper or Stanley's C++ has it (see ABLATIONS)")
    args = ap.parse_args()
    if args.ablation != "none" and args.draws != "gaussian":
        ap.error("--ablation and --draws: one ablation at a time")
    from benchmarks.results_io import start, write_results

    start()
    if args.merge:
        print(json.dumps(merge(args.merge, args.name, sys.argv)))
        return
    overrides = parse_set(args.set)
    if args.ablation != "none" or args.draws != "gaussian":  # they patch the readable reference path's operations
        overrides.setdefault("neat", {})["array_kernels"] = False
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)  # tiny tensors: threads only add contention on a shared 2-core machine
    topoevo_xor(10_000, run_dir=args.run_dir)  # warm-up: imports torch, first compile
    ours, theirs = [], []
    if not args.no_peer:
        from benchmarks.peers.neat_python_peer import xor_run
        xor_run(10_000, max_generations=5)  # warm-up: imports neat
    if args.gc != "none":
        gc.collect()
        gc.freeze()  # see the module docstring
    algorithm, patch = ABLATIONS[args.ablation]
    algorithm = algorithm or ablation_algorithm(args.draws)
    for seed in seeds:
        if args.gc == "peer":
            gc.unfreeze()
        with patch() as counts:
            ours.append(topoevo_xor(seed, args.task, run_dir=args.run_dir, overrides=overrides, algorithm=algorithm))
        ours[-1].update({f"ablation_{k}": v for k, v in counts.items()})
        if args.gc == "peer":
            gc.freeze()
        line = f"seed {seed:3d}: topoevo {ours[-1]['evals']} evals {ours[-1]['wall_s']:.3f} s " \
               f"(cpu {ours[-1]['cpu_s']:.3f} s)"
        if not args.no_peer:
            theirs.append(xor_run(seed))
            line += f" | neat-python {theirs[-1]['evals'] if theirs[-1]['solved'] else 'unsolved'} evals " \
                    f"{theirs[-1]['wall_s']:.3f} s (cpu {theirs[-1]['cpu_s']:.3f} s)"
        print(line, flush=True)
    result = summarise(ours)
    if theirs:
        result["neat_python"] = summarise(theirs)
        result["wall_ratio"] = round(result["neat_python"]["median_wall_s"] / result["median_wall_s"], 2)
        result["cpu_ratio"] = round(result["neat_python"]["median_cpu_s"] / result["median_cpu_s"], 2)
        result["wall_per_solve_ratio"] = round(result["neat_python"]["wall_per_solve_s"] / result["wall_per_solve_s"],
                                               2)
    result["task_file"] = args.task.resolve().relative_to(ROOT).as_posix() if args.task.resolve().is_relative_to(
        ROOT) else str(args.task)
    result["overrides"] = overrides
    result["draws"] = args.draws
    if args.ablation != "none":
        result["ablation"] = args.ablation
        for key in sorted({k for r in ours for k in r if k.startswith("ablation_")}):
            result[f"{key}_total"] = sum(r.get(key, 0) for r in ours)
    result["per_run"] = [{"seed": s, **r} for s, r in zip(seeds, ours)]
    write_results(args.name, result, sys.argv, seeds=seeds)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
