"""RESULTS.md section: neat-python's own gym examples against their converted topoevo runs
(benchmarks/neat_python_gym.py, issue 21)."""
from __future__ import annotations

from pathlib import Path

from benchmarks.report_sections._markdown import command, json_line, load, not_measured, num, provenance, table

ORDER = 311
TITLE = "neat-python's gym examples, converted"
COMMAND = "python benchmarks/neat_python_gym.py --seeds 2 --generations 20"
NOTES = """The conversion runs neat-python's distance and speciation (`species.method = "neat_python"`) and its spawn
rule (`reproduction.allotment = "neat_python"`, `min_species_size`, a mating pool of at least 2), both checked
against neat-python 2.0 itself: the converted run forms about as many species as neat-python (above). Until this
commit it ran topoevo's own speciation (connection genes only, the first compatible species, random
representatives: 1-3 species on LunarLander) and explicit fitness sharing, which reached neat-python's final mean in
fewer generations than neat-python needs: on tuning seeds 1000 and 1001 at generation 11 and 13 (0-based), against
19 and 22 with neat-python's speciation alone, 36 and 12 with its speciation and spawn rule (the conversion now), and
neat-python's own 20 (CPU ratios 0.22, 0.35 / 0.40, 0.59 / 0.72, 0.28). The CPU floor: EnvPool's LunarLander
costs about 17 us of CPU per step in its own threads whatever the policy does (a batch of random, idle or
full-thrust actions alike), about a third of what a step costs neat-python (gymnasium's Box2D environment and its
Python network); topoevo's own work per step (the batched network, the episode bookkeeping, EnvPool's Python
wrapper) is the rest of its figure above. So a faithful run meets <= 1/3 only on seeds where it reaches
neat-python's final mean in fewer generations than neat-python ran."""


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
    verdicts, per_gen, per_step, species = [], [], [], []
    for case, c in d["cases"].items():
        p_gen = sum(r["neat_python"]["total_cpu_s"] for r in c["runs"]) / sum(r["neat_python"]["generations"]
                                                                              for r in c["runs"])
        t_gen = sum(r["topoevo"]["total_cpu_s"] for r in c["runs"]) / sum(r["topoevo"]["generations"]
                                                                          for r in c["runs"])
        per_gen.append(f"{case}: neat-python {num(p_gen, 2)} s, topoevo {num(t_gen, 2)} s")
        if all("steps" in r["neat_python"] and "steps" in r["topoevo"] for r in c["runs"]):
            p_steps = sum(r["neat_python"]["steps"][-1] for r in c["runs"])
            t_steps = sum(r["topoevo"]["steps"][-1] for r in c["runs"])
            t_cpu = sum(r["topoevo"]["total_cpu_s"] for r in c["runs"])
            t_main = sum(r["topoevo"]["main_thread_cpu_s"][-1] for r in c["runs"])
            per_step.append(
                f"{case}: neat-python {num(1e6 * sum(r['neat_python']['total_cpu_s'] for r in c['runs']) / p_steps)} "
                f"us, topoevo {num(1e6 * t_cpu / t_steps)} us, of which {num(1e6 * (t_cpu - t_main) / t_steps)} us "
                f"in the environment's threads ({num(100 * (t_cpu - t_main) / t_cpu)}% of its CPU); steps per "
                f"generation {num(p_steps / sum(r['neat_python']['generations'] for r in c['runs']))} and "
                f"{num(t_steps / sum(r['topoevo']['generations'] for r in c['runs']))}")
            for r in c["runs"]:
                ps, ts = r["neat_python"]["species"], r["topoevo"]["species"]
                species.append(f"{case} seed {r['seed']}: {num(sum(ps) / len(ps), 1)} and {num(sum(ts) / len(ts), 1)}")
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

CPU seconds per generation (all runs): {'; '.join(per_gen)}. CPU per environment step: {'; '.join(per_step) or
'not recorded in this results file'}. Mean species per generation (neat-python and topoevo): {'; '.join(species) or
'not recorded in this results file'}. Both sides' libraries (neat-python, gymnasium, Box2D, EnvPool) are imported
before either clock starts. {NOTES}
topoevo's gym task steps {backends}; fairness check (the run's
next population, 10 episodes per genome on both backends; mean per-genome difference +- standard error):
{checks}. Measured under load (see the load average above); CPU seconds, not wall time, are compared.

{json_line(d, drop=("meta", "cases"))}
"""
