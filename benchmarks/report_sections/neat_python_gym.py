"""RESULTS.md section: neat-python's own gym examples against their converted topoevo runs
(benchmarks/neat_python_gym.py, issue 21)."""
from __future__ import annotations

from pathlib import Path

from benchmarks.report_sections._markdown import command, json_line, load, not_measured, num, provenance, table

ORDER = 311
TITLE = "neat-python's gym examples, converted"
COMMAND = "python benchmarks/neat_python_gym.py --seeds 2 --generations 20"


def render(results_dir: Path) -> str:
    d = load(results_dir, "neat_python_gym")
    if d is None:
        return not_measured(TITLE, COMMAND, "neat_python_gym")
    rows = []
    for case, c in d["cases"].items():
        for r in c["runs"]:
            p, t = r["neat_python"], r["topoevo"]
            rows.append([case, r["seed"], p["generations"], num(p["final_mean_fitness"], 1), num(p["total_cpu_s"], 1),
                         "-" if t["reached_generation"] is None else t["reached_generation"] + 1,
                         num(t["cpu_s_to_target"], 1), num(r["cpu_ratio"], 3)])
    verdicts, per_gen = [], []
    for case, c in d["cases"].items():
        p_gen = sum(r["neat_python"]["total_cpu_s"] for r in c["runs"]) / sum(r["neat_python"]["generations"]
                                                                              for r in c["runs"])
        t_gen = sum(r["topoevo"]["total_cpu_s"] for r in c["runs"]) / sum(r["topoevo"]["generations"]
                                                                          for r in c["runs"])
        per_gen.append(f"{case}: neat-python {num(p_gen, 2)} s, topoevo {num(t_gen, 2)} s")
        worst = c["max_cpu_ratio"]
        ok = worst is not None and worst <= 1 / 3
        verdicts.append(f"{case}: {c['reached']}/{len(c['runs'])} runs reached the target, largest CPU ratio "
                        f"{num(worst, 3)} ({'meets' if ok else 'misses'} the <= 1/3 goal)")
    checks, backends = [], set()
    for case, c in d["cases"].items():
        for r in c["runs"]:
            b = r["topoevo"].get("backend_check")
            if b:
                backends.add(f"{case} on '{b['auto']['vectorization']}'")
                checks.append(f"{case} seed {r['seed']}: {num(b['mean_difference'], 1)} +- "
                              f"{num(b['standard_error'], 1)} (CPU per step {num(1e6 * b['auto']['cpu_s'] / b['auto']['steps'], 0)} "
                              f"us there, {num(1e6 * b['sync']['cpu_s'] / b['sync']['steps'], 0)} us in gymnasium)")
    checks = "; ".join(checks) or "not recorded in this results file"
    backends = ", ".join(sorted(backends)) or "the backend 'auto' picks"
    return f"""## {TITLE}

`{command(d, COMMAND)}` -- {provenance(d)}

neat-python 2.0's LunarLander-v3 and InvertedDoublePendulum-v5 examples with their own configs (unchanged) and
fitness functions (mean return of 5 / 3 episodes of at most 1000 steps), serial, for the stated generations; then
the same config converted by `topoevo convert` with the gym task of the same fitness, run until its population
mean fitness reaches neat-python's final population mean fitness. CPU seconds of the process (one core, torch one
thread), the two sides one after the other in one process. Ratio = topoevo's CPU s to the target / neat-python's
CPU s for its whole run (goal: <= 1/3).

{table(["example", "seed", "neat-python generations", "its final mean fitness", "its CPU s",
        "topoevo generations to reach it", "topoevo CPU s", "CPU ratio"], rows)}
{'; '.join(verdicts)}.

CPU seconds per generation (all runs): {'; '.join(per_gen)}. The converted runs reach a given mean fitness in
fewer or more generations than neat-python depending on the seed. The conversion keeps neat-python's `elitism`
best members of each species (2 in both examples): with one champion per species, as before, LunarLander reached
neat-python's final mean at generation 29, 26 and 13 (0-based) on tuning seeds 1000-1002, with 2 at 11, 13 and 8;
neat-python's spawn rule (`reproduction.allotment = "neat_python"`) gave 38, 11 and 20 and is not the conversion's.
topoevo's gym task steps {backends}; fairness check (the run's
next population, 10 episodes per genome on both backends; mean per-genome difference +- standard error):
{checks}. Measured under load (see the load average above); CPU seconds, not wall time, are compared.

{json_line(d, drop=("meta", "cases"))}
"""
