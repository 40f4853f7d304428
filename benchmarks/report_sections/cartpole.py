"""RESULTS.md section: CartPole-v1 against neat-python, same rule and population (benchmarks/cartpole.py)."""
from __future__ import annotations

from pathlib import Path

from benchmarks.report_sections._markdown import command, load, not_measured, num, provenance, table

ORDER = 40
TITLE = "CartPole-v1 against neat-python 2.0 (same held-out rule, same population)"
COMMAND = "python benchmarks/cartpole.py --seeds 30 --pop {pop}"
POPULATIONS = (150, 100)


def render(results_dir: Path) -> str:
    found = {pop: load(results_dir, f"cartpole_pop{pop}") for pop in POPULATIONS}
    if not any(found.values()):
        return not_measured(TITLE, COMMAND.format(pop=150), "cartpole_pop150")
    rows, sources = [], []
    for pop, d in found.items():
        if d is None:
            sources.append(f"- `{COMMAND.format(pop=pop)}`: not yet measured.")
            continue
        sources.append(f"- `{command(d)}` -- {provenance(d)}")
        p = d["neat_python"]
        rows.append([f"{pop}", "topoevo", f"{d['solved']}/{d['runs']}", num(d["median_evals"]),
                     num(d["median_cpu_s"], 2), num(d.get("cpu_per_solve_s"), 2), num(d["median_wall_s"], 2), ""])
        rows.append([f"{pop}", "neat-python 2.0", f"{p['solved']}/{p['runs']}", num(p["median_evals"]),
                     num(p["median_cpu_s"], 2), num(p.get("cpu_per_solve_s"), 2), num(p["median_wall_s"], 2),
                     f"median CPU **{d['speedup_median_cpu']:.2f}x**, CPU per solve "
                     f"**{num(d.get('speedup_cpu_per_solve'), 2)}x**, median wall {d['speedup_median_wall']:.2f}x"])
    src = "\n".join(sources)
    return f"""## {TITLE}

{src}

Both sides: population as in the first column (150 = neat-python's example config, 100 = tasks/cartpole.toml's),
3 training episodes per genome (fresh seeds every generation), the generation's best genome tested on 100 held-out
episodes (seeds never used in training) **when its training fitness reaches 475** -- the same rule and moments on
both sides -- solved when the held-out mean return is >= 475; evaluations counted in **whole generations** on both
sides (the champion is chosen by ranking the generation); tests not counted. One core each (torch 1 thread;
neat-python serial), seed by seed in the same process; CPU seconds of the process (the machine is shared, so wall
times are noisy). "CPU per solve" = all runs' CPU / solved runs.

{table(["pop", "library", "solved", "median evals", "median CPU s", "CPU per solve s", "median wall s",
        "topoevo speed-up"], rows)}
Before 2026-12-05 this comparison was not like-for-like: neat-python tested every generation's best on the 100
held-out episodes while topoevo tested only champions whose training fitness reached 475, populations differed
(150 vs 100), and topoevo's count stopped at the winner's index while neat-python's counted whole generations.
Goal (issue 19): >= 3x with the same rule and population. Since the gym task steps only running episodes (the
native CartPole vector environment drops finished ones, the population is narrowed to genomes with a running
episode; the same fitnesses, tests/test_gym_compaction.py), a generation no longer costs 450 environments times its
longest episode: median CPU went from 2.18x to the figure above on population 150 (same seeds, same rule). What
remains per step is fixed cost (gymnasium's vector step, one batched forward call, the loop), paid for each of the up
to 500 steps of a generation's longest episode. Seeds: the population 150 rows involve no tuning
(neat-python's example config, topoevo's task file at the peer's population); tasks/cartpole.toml's population of
100 was chosen before the seed rule, on seeds not recorded.
"""
