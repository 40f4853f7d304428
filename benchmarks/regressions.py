"""Issue 18's "nothing else slows": every timing figure of RESULTS.md before the array store and now.

    python benchmarks/regressions.py [--before 1c5d760]

"Before" is the results files as they stood on main just before the array store landed: commit 1c5d760, the first
parent of 2b2ade7 (``Merge wip/a18: issue 18 -- the NEAT population in arrays``; ``git log --diff-filter=A --
topoevo/genome/store.py`` names its first commit, which 1c5d760 does not contain). This script reads them with
``git show 1c5d760:benchmarks/results/<file>`` and writes them (the figures of :data:`FIGURES` and each file's
date and load) to ``benchmarks/results/regressions.json``; it runs no benchmark and the same commit always gives
the same file. The RESULTS.md section (benchmarks/report_sections/regressions.py) compares them with the results
files as they are when RESULTS.md is generated (:func:`compare`), so re-measuring a benchmark updates its rows.

Each figure has a basis: ``cpu`` (process CPU time, or a rate per CPU second), ``ratio`` (against a peer measured in
the same run, or a share of a run) or ``wall`` (wall-clock: compared only when both sides ran on a quiet machine).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results_io import RESULTS_DIR, write_results  # noqa: E402

BEFORE = "1c5d760"
#: a side measured with a 1-minute load average above this (2 cores) has its wall-clock figures not comparable
QUIET_LOAD = 3.0
#: relative change taken as noise, by basis (CPU time and same-run ratios move ~5-10% between runs of one machine;
#: wall-clock more)
NOISE = {"cpu": 0.10, "ratio": 0.10, "wall": 0.20}


@dataclass(frozen=True)
class Figure:
    """One timing figure of a results file: ``path`` is dotted keys (``*`` = every element or value; several
    values are summarised by their median), ``better`` "lower" or "higher".

    >>> Figure("xor.json", "XOR", "median_cpu_s", "cpu", "lower").value({"median_cpu_s": 0.06})
    0.06
    >>> Figure("a.json", "runs", "runs.*.cpu_s", "cpu", "lower").value({"runs": [{"cpu_s": 1}, {"cpu_s": 3}]})
    2.0
    """

    file: str
    label: str
    path: str
    basis: str  # "cpu", "ratio" or "wall"
    better: str  # "lower" or "higher"
    per: str | None = None  # divided by the figure at this path (e.g. per generation)
    caveat: str = ""  # why before and after may not measure the same work

    def value(self, data: dict[str, Any] | None) -> float | None:
        x = self._at(data, self.path)
        if x is None or self.per is None:
            return x
        d = self._at(data, self.per)
        return x / d if d else None

    @staticmethod
    def _at(data: dict[str, Any] | None, path: str) -> float | None:
        if data is None:
            return None
        found = [data]
        for key in path.split("."):
            nxt = []
            for x in found:
                if key == "*":
                    nxt.extend(x.values() if isinstance(x, dict) else x if isinstance(x, list) else [])
                elif isinstance(x, dict) and key in x:
                    nxt.append(x[key])
                elif isinstance(x, list) and key.isdigit() and int(key) < len(x):
                    nxt.append(x[int(key)])
            found = nxt
        numbers = [v for v in found if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not numbers:
            return None
        return numbers[0] if len(numbers) == 1 and "*" not in path else statistics.median(numbers)


def _xor_like(file: str, what: str, caveat: str = "") -> list[Figure]:
    return [Figure(file, f"{what}: median CPU per run", "median_cpu_s", "cpu", "lower", caveat=caveat),
            Figure(file, f"{what}: median wall per run", "median_wall_s", "wall", "lower", caveat=caveat)]


_REFERENCE = "the readable reference path (the ablation patches it); same-session check: benchmarks/revision_ab.py"


def _cartpole(file: str, what: str) -> list[Figure]:
    return [Figure(file, f"{what}: median CPU per run", "median_cpu_s", "cpu", "lower"),
            Figure(file, f"{what}: CPU speed-up over neat-python (same run)", "speedup_median_cpu", "ratio",
                   "higher"),
            Figure(file, f"{what}: median wall per run", "median_wall_s", "wall", "lower")]


FIGURES: tuple[Figure, ...] = (
    *_xor_like("xor.json", "XOR (tasks/xor.toml)"),
    Figure("xor.json", "XOR: neat-python median CPU per run (the peer)", "neat_python.median_cpu_s", "cpu", "lower"),
    Figure("xor.json", "XOR: wall ratio over neat-python (same run)", "wall_ratio", "ratio", "higher"),
    Figure("xor.json", "XOR: CPU ratio over neat-python (same run)", "cpu_ratio", "ratio", "higher"),
    *_xor_like("xor_paper.json", "XOR paper-exact"),
    *_xor_like("xor_tuned.json", "XOR tuned, counts run"),
    *_xor_like("xor_tuned_fresh.json", "XOR tuned, fresh seeds"),
    *(f for name in ("no_reenable", "power", "power_species", "range", "rates", "speciation_order", "species",
                     "tie_smaller", "uniform", "uniform_cpp")
      for f in _xor_like(f"xor_ablation_{name}.json", f"XOR ablation {name}",
                         _REFERENCE if name in ("no_reenable", "speciation_order", "tie_smaller", "uniform")
                         else "")),
    Figure("genome_ops.json", "reproduction + speciation per child, XOR size (us)", "topoevo_us_per_child.xor", "cpu",
           "lower"),
    Figure("genome_ops.json", "reproduction + speciation per child, ~100 connections (us)",
           "topoevo_us_per_child.conn100", "cpu", "lower"),
    Figure("genome_ops.json", "neat-python per child, XOR size (us; the peer)", "neat_python_us_per_child.xor", "cpu",
           "lower"),
    Figure("forward.json", "batch-1 genome-activations per CPU s", "batch1_1thread_cpu_genome_acts_per_s", "cpu",
           "higher"),
    Figure("forward.json", "batch-64 genome-activations per CPU s (1 thread)", "batch64_1thread_cpu_genome_acts_per_s",
           "cpu", "higher"),
    Figure("forward.json", "batch-64 genome-activations per s", "batch64_genome_acts_per_s", "wall", "higher"),
    Figure("forward.json", "neat-python activations per CPU s (the peer)", "neat_python_cpu_acts_per_s", "cpu",
           "higher"),
    Figure("forward.json", "dense MLP activations per s (torch reference)", "dense_mlp_acts_per_s", "wall", "higher"),
    Figure("forward.json", "compile 150 XOR genomes (CPU s)", "compile_cpu_s_150_xor", "cpu", "lower"),
    Figure("forward.json", "compile 10,000 genomes (CPU s)", "compile_cpu_s_10k", "cpu", "lower"),
    Figure("scale.json", "seconds per generation, population 150", "sec_per_gen.150", "wall", "lower"),
    Figure("scale.json", "seconds per generation, population 1,000", "sec_per_gen.1000", "wall", "lower"),
    Figure("scale.json", "seconds per generation, population 10,000", "sec_per_gen.10000", "wall", "lower"),
    Figure("scale.json", "seconds per generation, population 100,000", "sec_per_gen.100000", "wall", "lower"),
    Figure("scale.json", "neat-python seconds per generation, population 1,000 (the peer)",
           "neat_python_sec_per_gen.1000", "wall", "lower"),
    Figure("checkpoint_cost.json", "checkpoint write (CPU ms)", "write_ms", "cpu", "lower"),
    Figure("checkpoint_cost.json", "checkpoint read (CPU ms)", "read_ms", "cpu", "lower"),
    Figure("checkpoint_cost.json", "Run.resume (CPU ms)", "resume_ms", "cpu", "lower"),
    Figure("checkpoint_cost.json", "checkpoint write + read, share of an XOR run", "write_read_share", "ratio",
           "lower"),
    *_cartpole("cartpole_pop150.json", "CartPole pop 150 (gymnasium)"),
    *_cartpole("cartpole_pop100.json", "CartPole pop 100"),
    Figure("double_pole_dpv.json", "double pole (velocities): median wall per run", "median_wall_s", "wall", "lower"),
    Figure("double_pole_dpv_4p5deg.json", "double pole (velocities, 4.5 deg): median wall per run", "median_wall_s",
           "wall", "lower"),
    Figure("double_pole_dpnv.json", "double pole (no velocities): median wall per run", "median_wall_s", "wall",
           "lower"),
    Figure("double_pole_dpnv_4p5deg.json", "double pole (no velocities, 4.5 deg): median wall per run",
           "median_wall_s", "wall", "lower"),
    Figure("lunarlander.json", "LunarLander: median CPU per run", "median_cpu_s", "cpu", "lower"),
    Figure("lunarlander.json", "LunarLander: CPU speed-up over neat-python (same run)", "speedup_median_cpu", "ratio",
           "higher"),
    Figure("neat_python_gym.json", "converted neat-python LunarLander: CPU share of neat-python's (median run)",
           "cases.lunar-lander.runs.*.cpu_ratio", "ratio", "lower"),
    Figure("neat_python_gym.json", "converted neat-python inverted double pendulum: CPU share (median run)",
           "cases.inverted-double-pendulum.runs.*.cpu_ratio", "ratio", "lower"),
    Figure("envs.json", "CartPole: EnvPool / gymnasium evaluations per s (same run)", "cartpole.ratio", "ratio",
           "higher"),
    Figure("envs.json", "Acrobot: EnvPool / gymnasium evaluations per s (same run)", "acrobot.ratio", "ratio",
           "higher"),
    Figure("envs.json", "CartPole: gymnasium evaluations per CPU s", "cartpole.gymnasium_evals_per_cpu_s", "cpu",
           "higher"),
    Figure("flappy_bird.json", "Flappy Bird: wall to the evolved champion", "evolved.wall_s", "wall", "lower"),
    Figure("minatar.json", "MinAtar: CPU s per run (median over games and seeds)", "games.*.cpu_s.*", "cpu", "lower"),
    Figure("atari.json", "Atari NEAT-RAM: frames per s (median run)", "games.*.runs.neat_ram.*.fps", "wall", "higher"),
    Figure("hyperneat.json", "HyperNEAT 101k-connection substrate: CPU s (median)", "scale.cpu_s_median", "cpu",
           "lower"),
    Figure("hyperneat.json", "retina, NEAT: CPU s per run (median)", "retina.neat.runs.*.cpu_s", "cpu", "lower"),
    Figure("hyperneat.json", "retina, HyperNEAT: CPU s per run (median)", "retina.hyperneat.runs.*.cpu_s", "cpu",
           "lower"),
    Figure("hybrid_neat_mnist1d.json", "hybrid NEAT, MNIST-1D: CPU s per run (median)", "runs.mnist1d.*.*.cpu_s",
           "cpu", "lower"),
    Figure("hybrid_neat_digits.json", "hybrid NEAT, digits: CPU s per run (median)", "runs.digits.*.*.cpu_s", "cpu",
           "lower"),
    Figure("neat_backprop.json", "NEAT + backprop, wine: wall per run (plain)", "wine.wall_s_per_run.plain", "wall",
           "lower"),
    Figure("neat_backprop.json", "NEAT + backprop, digits: wall per run (plain)", "digits.wall_s_per_run.plain",
           "wall", "lower"),
    Figure("nas.json", "NAS (REA): CPU s per seed (median)", "cpu_s_per_seed.*", "cpu", "lower"),
    Figure("nas_mo.json", "successive halving CPU share of full training (same run)", "sh_cpu_ratio", "ratio",
           "lower"),
    Figure("nas_mo.json", "NAS multi-objective, full training: CPU s per seed (median)", "full_cpu_s.*", "cpu",
           "lower"),
    Figure("nas_mo.json", "NAS multi-objective, NSGA-II: CPU s per seed (median)", "nsga2_cpu_s.*", "cpu", "lower"),
    Figure("people.json", "people: GA CPU s per seed (median)", "ga_cpu_s.*", "cpu", "lower"),
    Figure("scaling.json", "evaluation pool speed-up with 2 workers (median)", "runs.*.pool_speedup_2", "ratio",
           "higher"),
    Figure("selfplay.json", "self-play: CPU s per generation (median run)", "runs.*.cpu_s", "cpu", "lower",
           per="generations", caveat="100 generations now, 20 before: later generations play larger networks"),
    Figure("weight_evolution.json", "weight evolution, CartPole: evaluations per s", "cartpole.topoevo_evals_per_s",
           "wall", "higher"),
    Figure("weight_evolution_classifier.json", "weight evolution, classifier: evaluations per s",
           "classifier.topoevo_evals_per_s", "wall", "higher"),
)


def _load(meta: dict[str, Any]) -> float | None:
    x = meta.get("load_before")
    return float(x[0]) if isinstance(x, list) and x else None


def file_record(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a comparison needs of one results file: the figures of :data:`FIGURES`, its date, load, commit and
    whether it was converted from older results."""
    if data is None:
        return None
    meta = data.get("meta") or {}
    return {"date": meta.get("date"), "commit": meta.get("commit"), "load": _load(meta),
            "converted": "(git " in str(meta.get("source") or ""), "command": meta.get("command")}


def before_records(commit: str = BEFORE, root: Path = ROOT) -> dict[str, Any]:
    """The results files of ``commit`` (those :data:`FIGURES` uses): {file: {"record": ..., "values": {path: x}}}."""
    out: dict[str, Any] = {}
    for file in sorted({f.file for f in FIGURES}):
        shown = subprocess.run(["git", "show", f"{commit}:benchmarks/results/{file}"], cwd=root, capture_output=True,
                               text=True)
        data = json.loads(shown.stdout) if shown.returncode == 0 else None
        out[file] = {"record": file_record(data),
                     "values": {f.path: f.value(data) for f in FIGURES if f.file == file}}
    return out


@dataclass
class Row:
    """One figure before and after: ``change`` is the slow-down factor (> 1: slower now; lower-is-better figures
    after / before, higher-is-better before / after)."""

    figure: Figure
    before: float | None
    after: float | None
    load_before: float | None
    load_after: float | None
    change: float | None
    verdict: str
    note: str
    stale: str  # why the "after" figure is not a fresh measurement ("" when it is)


def compare(before: dict[str, Any], results_dir: Path = RESULTS_DIR) -> list[Row]:
    """Every figure of :data:`FIGURES`: its ``before`` (:func:`before_records` output) against the results files in
    ``results_dir`` now."""
    rows = []
    for f in FIGURES:
        path = Path(results_dir) / f.file
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        now, then = file_record(data), (before.get(f.file) or {}).get("record")
        b = (before.get(f.file) or {}).get("values", {}).get(f.path)
        a = f.value(data)
        change = None
        if a is not None and b is not None and a > 0 and b > 0:
            change = a / b if f.better == "lower" else b / a
        lb, la = (then or {}).get("load"), (now or {}).get("load")
        stale = ""
        if now is not None and now.get("converted"):
            stale = "converted from older results, never re-measured"
        elif now is not None and then is not None and now.get("date") == then.get("date"):
            stale = "not re-measured since before the array store"
        loaded = [x for x in (lb, la) if x is None or x > QUIET_LOAD]
        note = ""
        if change is None:
            verdict = "no before figure" if b is None else "not measured now"
        elif stale == "not re-measured since before the array store" or (stale and change == 1):
            verdict = "not re-measured"
        else:
            noise = NOISE[f.basis]
            verdict = "same within noise" if abs(change - 1) <= noise else "faster" if change < 1 else "slower"
            if loaded and f.basis == "wall":
                note = "wall-clock under load on a side: not comparable"
                verdict += " (not comparable)"
            elif loaded:
                note = "measured under load on a side (CPU time and same-run ratios still move)"
        rows.append(Row(f, b, a, lb, la, change, verdict, "; ".join(x for x in (note, f.caveat) if x), stale))
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=BEFORE, help="the commit whose results files are 'before'")
    args = ap.parse_args(argv)
    obj = {"before_commit": args.before, "files": before_records(args.before)}
    write_results("regressions", obj, sys.argv if argv is None else ["benchmarks/regressions.py", *argv],
                  seeds="none (built from results files)")
    rows = compare(obj["files"])
    print(json.dumps({"before_commit": args.before, "slower": [r.figure.label for r in rows if
                                                               r.verdict == "slower"],
                      "rows": len(rows)}))


if __name__ == "__main__":
    main()
