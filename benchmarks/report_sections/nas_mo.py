"""RESULTS.md section of benchmarks/nas_mo.py (NSGA-II vs regularized evolution; successive halving vs full) and its
tuning runs (benchmarks/nas_mo_tune.py)."""
from __future__ import annotations

import json
import pathlib
from collections import defaultdict
from typing import Any

from benchmarks.report_sections._markdown import command, load, not_measured, num, provenance, table

ORDER = 261
TITLE = "Multi-objective and low-fidelity architecture search (MNIST-1D)"
COMMAND = "nice -n 5 python benchmarks/nas_mo.py --seeds 5 --archs 40"


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def tuning(results_dir: pathlib.Path) -> str:
    """The tuning rows (seeds >= 1000), one line per variant: means, and the wins / CPU share against the
    regularized-evolution rows of the same seeds."""
    d = load(results_dir, "nas_mo_tuning")
    if d is None:
        return "Tuning runs: not yet measured (no `benchmarks/results/nas_mo_tuning.json`).\n"
    by: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for r in d["rows"]:
        by[r["tag"]][r["seed"]] = r
    rea = next((rows for rows in by.values() if next(iter(rows.values()))["name"] == "rea"), {})
    out = []
    for tag, rows in by.items():
        seeds = sorted(rows)
        first = rows[seeds[0]]
        same = [s for s in seeds if s in rea]
        wins = f"{sum(rows[s]['hv'] > rea[s]['hv'] for s in same)}/{len(same)}" if first["name"].startswith(
            "nsga2") else "-"
        cpu = (num(100 * sum(rows[s]["cpu_s"] for s in same) / sum(rea[s]["cpu_s"] for s in same), 0) + "%"
               if first["name"] == "sh" and same else "-")
        out.append([tag, f"{seeds[0]}-{seeds[-1]}" if len(seeds) > 2 else ", ".join(map(str, seeds)),
                    first["archs"], f"`{json.dumps(first['over'])}`" if first["over"] else "-",
                    num(_mean([rows[s]["hv"] for s in seeds]), 4),
                    num(_mean([rea[s]["hv"] for s in same]), 4) if same else "-", wins,
                    num(_mean([rows[s]["test_acc"] for s in seeds]), 3),
                    num(_mean([rea[s]["test_acc"] for s in same]), 3) if same else "-", cpu])
    return (f"Tuning runs (`benchmarks/nas_mo_tune.py`; {provenance(d)})\n\n"
            + table(["variant", "seeds", "archs", "overrides", "mean HV", "REA HV, same seeds", "HV wins vs REA", "mean test acc",
                     "REA test acc, same seeds", "CPU vs REA"], out)
            + (f"\n{d['note']}\n" if d.get("note") else ""))


def render(results_dir: pathlib.Path) -> str:
    r = load(results_dir, "nas_mo")
    if r is None:
        return not_measured(TITLE, COMMAND, "nas_mo") + "\n" + tuning(results_dir)
    n = len(r["nsga2_hv"])
    rows = [[s, num(r["nsga2_hv"][s], 4), num(r["rea_hv"][s], 4), num(r["nsga2_best_acc_under_10k"][s], 3),
             num(r["rea_best_acc_under_10k"][s], 3), num(r["sh_test_acc"][s], 3), num(r["full_test_acc"][s], 3),
             num(r["sh_cpu_s"][s], 1), num(r["full_cpu_s"][s], 1)] for s in range(n)]
    rows.append(["mean"] + [num(_mean(r[k]), d) for k, d in
                            [("nsga2_hv", 4), ("rea_hv", 4), ("nsga2_best_acc_under_10k", 3),
                             ("rea_best_acc_under_10k", 3), ("sh_test_acc", 3), ("full_test_acc", 3),
                             ("sh_cpu_s", 1), ("full_cpu_s", 1)]])
    deb = ""
    if r.get("nsga2_deb_hv"):
        deb = (f"Paper-exact NSGA-II (generational, 10 children per generation, crowding distance) on the same seeds: "
               f"hypervolume {', '.join(num(x, 4) for x in r['nsga2_deb_hv'])}, beating regularized evolution on "
               f"{r['nsga2_deb_hv_wins']}/{n}.\n\n")
    sh_archs = r.get("sh_archs", r["archs"])
    worst = max(range(n), key=lambda i: r["rea_hv"][i] - r["nsga2_hv"][i])
    verdict = ("On the reported seeds this still falls short of 4/5: with 40 trainings a run's hypervolume is decided "
               "by whether its few children find the line of accurate mid-size networks; the hypervolume "
               "contribution pulls NSGA-II toward the accurate end, but where small networks of the initial "
               "population are nearly as accurate as the large ones, their larger contributions still steer it to "
               f"the small end (on seed {worst}, NSGA-II's most accurate network reaches test accuracy "
               f"{num(r['nsga2_test_acc'][worst], 3)}, regularized evolution's {num(r['full_test_acc'][worst], 3)})."
               if r["hv_wins"] < 4 else "")
    return f"""## {TITLE}

`{command(r, COMMAND)}` -- {provenance(r)}

Per seed, {r['archs']} trained architectures each: NSGA-II (`tasks/mnist1d_nsga2.toml`: P = 10, objectives
validation error and parameters, tuned: one child per generation and each member's hypervolume contribution as the
second criterion after the non-dominated rank, see below) and regularized evolution (`tasks/mnist1d_rea.toml`:
P = 10, S = 3, one child per generation, accuracy only): the same space, the same initial 10 architectures, the same
mutations (one change per child, no crossover on either side), the same training (Adam, 4 epochs). Hypervolume of
validation error x parameters over **every architecture the run trained** (both sides: what a user of either run
holds), objectives divided by the fixed reference point (error 1, 100,000 parameters = the space's limit); the
hypervolume of the final population / queue alone is in the results file (`nsga2_hv_final_population`,
`rea_hv_final_queue`). "Best < 10k": test accuracy of the best-by-validation architecture with at most 10,000
parameters. Successive halving (`tasks/mnist1d_halving.toml`, asynchronous as ASHA, Li et al. 2020): regularized
evolution as above proposing {sh_archs} new architectures, each set to train the same 4 epochs on the same one-cycle
schedule; its validation accuracy is measured after epochs 1 and 2, and it stops there unless it is among the best
30% of the queue members that reached that epoch (the first 10, random and the same as regularized evolution's, are
trained one at a time so that the early ones set the later ones' thresholds); every new architecture enters the
queue, ranked by the last epoch it reached, then its accuracy there. "full" is the regularized-evolution run. Both
sides report the test accuracy of the best-by-validation architecture among those trained the full 4 epochs
(the same training: a halving run's finished architecture is trained exactly as regularized evolution trains it,
the checks only read the validation accuracy); CPU seconds of the process that ran it (the dataset is generated
before the clock starts).

{table(["seed", "NSGA-II HV", "REA HV", "NSGA-II best < 10k", "REA best < 10k", "SH test", "full test",
        "SH CPU s", "full CPU s"], rows)}
{deb}NSGA-II's hypervolume beats regularized evolution's on **{r['hv_wins']}/{n}** seeds (target >= 4/5). Successive
halving used **{100 * r['sh_cpu_ratio']:.0f}%** of full training's CPU time at mean test accuracy **{r['sh_mean']:.3f}**
against {r['full_mean']:.3f} (target: within 0.005 at <= 50%).

{tuning(results_dir)}
Why NSGA-II lost before (1/5 seeds in the results of commit 5af1b59, generational with 5 children per generation and
crowding distance): with the reference point at the space's 100,000-parameter limit the hypervolume is mostly the
error axis, while crowding distance spreads the population evenly along the front *in the front's own ranges*: the
smallest networks (where the error falls fastest with size) get large distances, and the two ends of the front get
infinite ones, so the smallest network of all, at one end, wins every tournament it enters, though its children add
almost no volume. Regularized evolution puts all 30 children on accuracy, which is what this hypervolume
rewards. Two changes, both standard, neither touching regularized evolution: one child per generation (steady-state
NSGA-II: 30 selection steps instead of 6 with the same 40 trainings) and the exclusive hypervolume contribution in
place of crowding distance (as SMS-EMOA, Beume et al. 2007: the last front is cut by removing its least contributor,
and tournaments between equal ranks go to the larger contributor), `[nas] nsga2_diversity = "hypervolume"`;
Deb's form stays available (`"crowding"`, the default). Everything else (binary tournament, (mu + lambda) survival
by non-dominated rank, mutations, initial population) is NSGA-II as before. {verdict}

Successive halving, from synchronous to asynchronous. The earlier task file (`halving_mode = "synchronous"`, still
available: generations of 5 children trained 1 epoch on a one-cycle schedule of their own, the best fifth continued
3 more epochs on a new one, every new architecture in the queue with its 1-epoch accuracy) reached mean test
accuracy 0.904 against 0.953 at 27% of the CPU time on these seeds (commit e06e658). Seed 0's trace showed no
selection bug but the low fidelity steering the search: after 1 epoch small networks lead, so a queue ranked by
1-epoch accuracies bred small networks; promoting more (`halving_keep = 0.4`, rows `sh keep 0.4` above, measured
with the synchronous task file of that time) matched full training's accuracy on the tuning seeds at 63% of its CPU
time. The asynchronous form changes three things:
a child that passes every check is trained exactly as full training trains it (one schedule, no restart: an
architecture's accuracy at the last rung means the same on both sides); the queue ranks by the highest fidelity
each member reached, so finished members (ranked by their 4-epoch accuracy) are the parents, as in regularized
evolution; and the checks compare a child with the queue members at the same epoch of the same schedule, not
with its 4 siblings. Tuned on seeds 1000-1004 (row `asha [1,2,4] keep 0.3` above, one variant: keep 0.3, checks
after epochs 1 and 2; its CPU share is against the regularized-evolution rows measured earlier in another process
at a similar load, whose seed-1000 time includes about 3 CPU s of dataset generation). A first version read the
first architecture's final accuracy as a first-epoch one (stopping nearly every later child at epoch 1); its
rows were dropped, the fix has a test. On the tuning seeds the asynchronous form came within 0.3 points of full
training (0.892 against 0.895) at about half its CPU time; on the reported seeds it is closer than the synchronous
form (mean 0.940 from 0.904) at a lower CPU share than the target allows, but still short of 0.5 points: the
gap is mostly one seed where full training found a network the halving run's checks cut early.
References: Deb et al. 2002 (NSGA-II); Beume, Naujoks & Emmerich 2007 (SMS-EMOA); Real et al. 2019 (regularized
evolution); Lu et al. 2019 (NSGA-Net); Li et al. 2018 (Hyperband / successive halving).
"""
