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
COMMAND = "nice -n 5 python benchmarks/nas_mo.py --seeds 5 --archs 80 --sh-archs 48 --full-archs 40"


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def _full_before(rows: list[dict[str, Any]], tag: str) -> dict[int, dict[str, Any]]:
    """The full-training rows a successive-halving variant's CPU share is taken against: the regularized-evolution
    rows at 40 architectures measured last before the variant's first row (the file keeps the order of
    measurement; CPU seconds drift between sessions and loads)."""
    first = next(i for i, r in enumerate(rows) if r["tag"] == tag)
    tags = [r["tag"] for r in rows[:first] if r["name"] == "rea" and r["archs"] == 40]
    return {r["seed"]: r for r in rows if tags and r["tag"] == tags[-1]}


def tuning(results_dir: pathlib.Path) -> str:
    """The tuning rows (seeds >= 1000), one line per variant: means, and the wins / CPU share against the
    regularized-evolution rows of the same seeds and budget (archs; a budget without them: the first budget's)."""
    d = load(results_dir, "nas_mo_tuning")
    if d is None:
        return "Tuning runs: not yet measured (no `benchmarks/results/nas_mo_tuning.json`).\n"
    by: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for r in d["rows"]:
        by[r["tag"]][r["seed"]] = r
    rea_by_archs: dict[int, dict[int, dict[str, Any]]] = {}  # (the first regularized-evolution tag per budget)
    for rows in by.values():
        first = next(iter(rows.values()))
        if first["name"] == "rea":
            rea_by_archs.setdefault(first["archs"], rows)
    out = []
    for tag, rows in by.items():
        seeds = sorted(rows)
        first = rows[seeds[0]]
        rea = rea_by_archs.get(first["archs"]) or next(iter(rea_by_archs.values()), {})  # (else: halving at
        # fewer archs, compared at CPU time with the first budget's full training)
        same = [s for s in seeds if s in rea]
        wins = f"{sum(rows[s]['hv'] > rea[s]['hv'] for s in same)}/{len(same)}" if first["name"].startswith(
            "nsga2") else "-"
        full = _full_before(d["rows"], tag) if first["name"] == "sh" else {}
        cpu = (num(100 * sum(rows[s]["cpu_s"] for s in seeds) / sum(full[s]["cpu_s"] for s in seeds), 0) + "%"
               if full and all(s in full for s in seeds) else "-")
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


# the variant halving_initial = "full" (not the task file's: see the text), reported on seeds 0-4 and on fresh seeds
VARIANT = {"nas_mo_sh_full_initial": 0, "nas_mo_sh_full_initial_fresh": 5}  # results file -> first seed
VARIANT_COMMAND = ("nice -n 5 python benchmarks/nas_mo.py --seeds 5 --seed-start {start} --archs 40 --sh-archs 32 "
                   "--full-archs 40 --sh-set '{{\"nas\": {{\"halving_initial\": \"full\"}}}}' --name {name}")


def variant_runs(results_dir: pathlib.Path) -> str:
    """The ``halving_initial = "full"`` variant against full training on seeds 0-4 and on the fresh seeds 5-9 (used
    by no tuning or diagnosis), one table row per seed, one line per seed set."""
    rows, lines = [], []
    for name, start in VARIANT.items():
        r = load(results_dir, name)
        cmd = VARIANT_COMMAND.format(start=start, name=name)
        if r is None:
            lines.append(f"Seeds {start}-{start + 4}: `{cmd}`: not yet measured (no `benchmarks/results/{name}.json`).")
            continue
        start = r.get("seed_start", 0)
        n = len(r["sh_test_acc"])
        rows += [[start + s, num(r["sh_test_acc"][s], 3), num(r["full_test_acc"][s], 3), num(r["sh_cpu_s"][s], 1),
                  num(r["full_cpu_s"][s], 1)] for s in range(n)]
        diff = [a - b for a, b in zip(r["sh_test_acc"], r["full_test_acc"])]
        lines.append(f"Seeds {start}-{start + n - 1}: `{command(r, cmd)}` -- {provenance(r)} Halving "
                     f"({r['sh_archs']} architectures) **{r['sh_mean']:.3f}** against full training's "
                     f"({r['full_archs']}) {r['full_mean']:.3f} at **{100 * r['sh_cpu_ratio']:.0f}%** of its CPU "
                     f"time; per-seed differences {', '.join(f'{d:+.3f}' for d in diff)} "
                     f"({sum(d > 0 for d in diff)}/{n} better). (NSGA-II and regularized evolution at 40 "
                     f"architectures ran too: their figures are in `benchmarks/results/{name}.json`.)")
    if len(rows) == 10:  # (both seed sets)
        sh, full = [float(x[1]) for x in rows], [float(x[2]) for x in rows]
        share = sum(float(x[3]) for x in rows) / sum(float(x[4]) for x in rows)
        lines.append(f"All ten seeds: halving {_mean(sh):.3f} against {_mean(full):.3f} at {100 * share:.0f}% of the "
                     f"CPU time, better on {sum(a > b for a, b in zip(sh, full))}/10.")
    return ((table(["seed", "SH test (full initial)", "full test", "SH CPU s", "full CPU s"], rows) + "\n"
             if rows else "") + "\n\n".join(lines) + "\n")


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
    full_archs = r.get("full_archs", r["archs"])
    full = ("the regularized-evolution run" if full_archs == r["archs"] else
            f"a regularized-evolution run of {full_archs} architectures (as above; separate from the NSGA-II "
            "comparison's)")
    worst = max(range(n), key=lambda i: r["rea_hv"][i] - r["nsga2_hv"][i])
    verdict = (f"On the reported seeds NSGA-II wins {r['hv_wins']}/{n} at {r['archs']} trainings per side."
               if r["hv_wins"] >= 4 else
               f"On the reported seeds this falls short of 4/5 ({r['hv_wins']}/{n} at {r['archs']} trainings per "
               "side): a run's hypervolume is decided by whether its children find an accurate network at all (on "
               f"seed {worst}, NSGA-II's most accurate network reaches test accuracy "
               f"{num(r['nsga2_test_acc'][worst], 3)}, regularized evolution's {num(r['full_test_acc'][worst], 3)}).")
    sh_diff = [a - b for a, b in zip(r["sh_test_acc"], r["full_test_acc"])]
    sh_verdict = (
        f"On the reported seeds (run once, after the choice) per-seed differences, halving minus full training: "
        f"{', '.join(f'{d:+.3f}' for d in sh_diff)} ({sum(d > 0 for d in sh_diff)}/{n} better)."
        + (" Short of the target. Diagnosis (the halving runs of seeds 0 and 4 repeated with their history, not a "
           "re-tuning): the finished queue starts with those of the first 10 random architectures that pass the "
           "checks set by the earlier ones, on seed 4 one (the first), on seed 0 four of 0.54-0.64 validation "
           "accuracy; with so few members the tournaments return the same parents (seed 4: every finished "
           "architecture descends from the first, a 15,850-parameter network, and the best reaches 0.78 validation "
           "accuracy; seed 0: 7 distinct parents for 38 children, 13 of them from one 2,730-parameter network, the "
           "best at 0.87), where the queue of every new architecture had 21 distinct parents on seed 0 and reached "
           "0.94 validation accuracy (test 0.915). The finished queue is a hill climb from a few lines: "
           "better than full training on 3/5 reported and 4/5 tuning seeds, much worse when the first finished "
           "lines are poor. Tried next (below: the first 10 architectures trained fully, so that the queue starts "
           "as regularized evolution's; an idea that came from these seeds, so it was tuned on seeds 1000-1004 only "
           "and is also reported on fresh seeds 5-9)."
           if abs(r["sh_mean"] - r["full_mean"]) > 0.005 or r["sh_cpu_ratio"] > 0.5 else ""))
    margins = ", ".join(f"{d:+.4f}" for d in (a - b for a, b in zip(r["nsga2_hv"], r["rea_hv"])))
    verdict += (f" Per-seed hypervolume differences (NSGA-II minus regularized evolution) on the reported seeds: "
                f"{margins} (mean {num(_mean(r['nsga2_hv']), 4)} against {num(_mean(r['rea_hv']), 4)}).")
    if r["archs"] != 40:
        verdict += (" The same configuration at 40 trainings per side (commit 8163cb5): 2/5, differences +0.0260, "
                    "-0.0356, +0.0668, -0.0335, -0.0609, mean 0.8926 against 0.9000.")
    verdict += (" NSGA-II before this change, at 40 and commit e06e658: mean 0.8608, 1/5. On the tuning seeds the "
                "configuration won 5/5 at 40 (one of them, seed 1003, by 0.0006) and 4/5 at 80 (it lost seed 1002 by "
                "0.0012).")
    return f"""## {TITLE}

`{command(r, COMMAND)}` -- {provenance(r)}

Per seed, {r['archs']} trained architectures each: NSGA-II (`tasks/mnist1d_nsga2.toml`: P = 10, objectives
validation error and parameters, tuned on seeds 1000-1004: one child per generation, survivors by non-dominated
rank then hypervolume contribution, parents drawn in proportion to their hypervolume gradient, see below) and regularized evolution (`tasks/mnist1d_rea.toml`:
P = 10, S = 3, one child per generation, accuracy only): the same space, the same initial 10 architectures, the same
mutations (one change per child, no crossover on either side), the same training (Adam, 4 epochs). Hypervolume of
validation error x parameters over **every architecture the run trained** (both sides: what a user of either run
holds), objectives divided by the fixed reference point (error 1, 100,000 parameters = the space's limit); the
hypervolume of the final population / queue alone is in the results file (`nsga2_hv_final_population`,
`rea_hv_final_queue`). "Best < 10k": test accuracy of the best-by-validation architecture with at most 10,000
parameters. Successive halving (`tasks/mnist1d_halving.toml`, asynchronous as ASHA, Li et al. 2020): regularized
evolution as above proposing {sh_archs} new architectures, each set to train the same 4 epochs on the same one-cycle
schedule; its validation accuracy is measured after epochs 1 and 2, and it stops there unless it is among the best
30% of the last 10 new architectures that reached that epoch (the first 10, random and the same as regularized
evolution's, are trained one at a time so that the early ones set the later ones' thresholds); only the
architectures that finished enter the aging queue of 10 (the parents). "full" is {full}. Both
sides report the test accuracy of the best-by-validation architecture among those trained the full 4 epochs
(the same training: a halving run's finished architecture is trained exactly as regularized evolution trains it,
the checks only read the validation accuracy); CPU seconds of the process that ran it (the dataset is generated
before the clock starts). The halving run proposes more architectures than full training ({sh_archs} against
{full_archs}) because it is compared at CPU time: more candidates for less CPU is what the low fidelity is for.

{table(["seed", "NSGA-II HV", "REA HV", "NSGA-II best < 10k", "REA best < 10k", "SH test", "full test",
        "SH CPU s", "full CPU s"], rows)}
{deb}NSGA-II's hypervolume beats regularized evolution's on **{r['hv_wins']}/{n}** seeds (target >= 4/5). Successive
halving used **{100 * r['sh_cpu_ratio']:.0f}%** of full training's CPU time at mean test accuracy **{r['sh_mean']:.3f}**
against {r['full_mean']:.3f} (target: within 0.005 at <= 50%).{(" " + r["note"]) if r.get("note") else ""}

{tuning(results_dir)}
Why regularized evolution won (1/5 at commit e06e658), diagnosed on the tuning seeds' traces. (1) Not the start:
both sides train the same 10 initial architectures (same seed, same draws; checked on seeds 0-4 and 1000-1001).
(2) The reference point makes the hypervolume mostly one network's accuracy: in normalised objectives the
hypervolume is the integral over a parameter budget b from 0 to 100,000 of the best accuracy within b, and random
architectures of this space have a median of about 10,500 parameters (90% under 41,000), so from the most accurate
network's size up to 100,000 only its accuracy counts: its own box is 64-93% of regularized evolution's hypervolume
on seeds 0-4. Parameters matter through that network's size and through the accuracy of the small networks, which
is where NSGA-II can gain. (3) NSGA-II spent its trainings where they cannot add volume: tournaments are decided
by the rank first, and the tiniest networks (tens to hundreds of parameters, 20-40% accuracy) sit on the front
because nothing is smaller, so they beat every dominated member they meet: with tournaments (rank first, then
the hypervolume gradient below) 32 of the 150 children of the five tuning seeds (10 of 30 on seed 1004) came from
networks under 1,000 parameters, whose children can add at most 0.01; with the change below, 2 of 150. (4) The budget: of 40 trainings per side, 30 are children of the shared 10 random
architectures, and with so few a run's hypervolume is decided by whether they find an accurate network at all: the
tuned variant below won 5/5 on the tuning seeds and 2/5 on the reported ones (commit 8163cb5). The budget is now 80
per side for both (70 children), chosen on the tuning seeds (rows `80 archs` above: 4/5, mean 0.9427 against
0.9013) before seeds 0-4 were run at 80, nothing re-tuned after; regularized evolution gains from the larger budget
too (tuning seeds: mean 0.8706 at 40, 0.9013 at 80).

The change (NSGA-II only; regularized evolution, the metric and its reference point are as before, fixed in
advance): parents are no longer drawn by binary tournaments but with probability proportional to the derivative
of the population's hypervolume with respect to their validation error, `[nas] nsga2_parents =
"gradient_proportional"`: the hypervolume a slightly more accurate child at the parent's place would add. In error x
parameters that is the stretch of parameters a member owns, from its size to the next more accurate member's (the
most accurate member: up to the 100,000 reference), so dominated members and the tiniest networks are
almost never parents, and most children come from accurate networks, large or small. Survival is as before
(steady state, one child per generation; non-dominated rank, the last front cut by exclusive hypervolume
contribution as SMS-EMOA). The selection is the metric's own gradient, so it is tailored to this hypervolume as
SMS-EMOA's survival is; the paper-exact form stays available (`nsga2_parents = "diversity"`, binary tournaments;
`--exact` runs it). Tournaments by the hypervolume gradient (rank first) and larger tournaments are available too
(`"hypervolume_gradient"`, `nsga2_tournament`); the table above has each variant tried. {verdict}

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
form (mean 0.940 from 0.904) at a lower CPU share than the target allows, but still short of 0.5 points (commit
8163cb5: 0.940 against 0.953 at 35%, 40 architectures each).

Finished queue and more architectures (this change). Every new architecture entered the queue, and only 22% of
them finished (45 of the first 40 architectures of the five tuning seeds), so the queue of 10 held two or three
finished architectures: a good one aged out after 10 new architectures, and about half the tournaments (3 draws)
met no finished member, so about half the children came from architectures stopped at epoch 1 or 2. With `halving_queue = "finished"`
only finished architectures enter the queue, as in regularized evolution's, where every member is fully trained;
the stopping thresholds come from the last 10 new architectures (any epoch reached: what the queue held before).
One run per tuning seed with a CPU clock per architecture (a run of N architectures is the first N of a longer
one: same seed, one child at a time; a wrapper in /tmp around these task files, not committed; its CPU shares
against the row `rea 40, quiet re-run`, load 3-5): the queue of every new architecture reached mean test accuracy
0.892 / 0.892 / 0.893 / 0.933 at 40 / 44 / 48 / 56 architectures, at 45% / 48% / 52% / 62% of full training's
CPU time; the finished queue 0.918 / 0.918 / 0.931 at 40 / 44 / 48 architectures, at 38% / 41% / 44% (full
training: 0.895), better than full training on 4/5 tuning seeds at 48 (seed 1001: 0.950 against 0.957). With the
queue of every new architecture, `halving_keep = 0.4` at 48 architectures (row above) reached 0.923 at 56%, 0.3 at
56 architectures 0.933 at 56% (rows above): above the CPU allowance with margin. The rule fixed before the reported seeds: the largest architecture count measured whose CPU share on the
tuning seeds stays under 45% (5 points of margin: shares differ between seed sets and loads), i.e. 48; row
`asha, finished queue, 48 archs` above is that variant run by benchmarks/nas_mo_tune.py itself. {sh_verdict}

The first 10 trained fully (`[nas] halving_initial = "full"`, after the reported run above; not the task file's
setting). The 10 random initial architectures (the same draws as regularized evolution's) are asked at once and
trained as regularized evolution trains them (4 epochs, no stop; their accuracies at epochs 1 and 2 are measured
and set the first thresholds), so that the finished queue starts as regularized evolution's; only children are
checked. Tuned on seeds 1000-1004 only. It costs more up front (10 full trainings), so fewer architectures fit the
CPU allowance. One run of 48 architectures per tuning seed with a CPU clock per architecture (a wrapper in /tmp
as above; shares against the row `rea 40, quiet re-run`, load about 2-3): mean test accuracy 0.924 / 0.924 /
0.934 / 0.938 / 0.939 / 0.940 at 32 / 34 / 36 / 38 / 40 / 48 architectures, at 41% / 42% / 44% / 46% / 47% / 54%
of full training's CPU time. The same architecture counts measured again as rows of benchmarks/nas_mo_tune.py
(above: 40, 36, 32 architectures) gave the same accuracies (deterministic) but CPU shares a few points apart
(40: 45%, 36: 49% under a load of 3), so the count was chosen with that margin: the largest whose share stays
under 45% in both measurements, 32 (36% as a row; at 34 the accuracy is the same). The lead's rule: the task file takes the
variant only if it is the better choice on the tuning seeds. It is not: at 32 architectures mean 0.924 against
0.931 for the task file's setting (checked initial architectures, 48 architectures, 43%): better on 3/5 tuning
seeds (1001, 1003 and 1004, where a poor start hurt: 0.884 against 0.854) but clearly worse on 1000 (0.903 against
0.962) and 1002 (0.928 against 0.956); at 36-40 architectures it
would match or pass 0.931 but at 44-49% of the CPU time, over the allowance. So `tasks/mnist1d_halving.toml` keeps
`halving_initial = "checked"`. Reported anyway, run once each after that choice, on seeds 0-4 and on fresh seeds
5-9 (no tuning, diagnosis or idea came from them), both sides in the same run:

{variant_runs(results_dir)}
Neither seed set meets the target with this variant: on seeds 0-4 its mean is below the task file's setting's
(0.891 at 34% against 0.904 at 43%, commit 1760ca2): better on the two seeds diagnosed above (0: 0.897 against
0.852; 4: 0.837 against 0.803) but worse on seeds 1-3, and still 0.06 below full training; on the fresh seeds it
beat full training on 4/5 but lost seed 9 by 0.17 (0.708 against 0.876; not diagnosed), and the mean falls short
by 0.011. The spread
between seeds (one seed in five collapsing) is the open problem of the finished queue, with or without a full
start; more seeds or a larger budget, not another setting chosen on five seeds, would say which variant is better.
References: Deb et al. 2002 (NSGA-II); Beume, Naujoks & Emmerich 2007 (SMS-EMOA); Real et al. 2019 (regularized
evolution); Lu et al. 2019 (NSGA-Net); Li et al. 2018 (Hyperband / successive halving).
"""
