"""RESULTS.md section of benchmarks/nas_mo.py (NSGA-II vs regularized evolution; successive halving vs full)."""
from __future__ import annotations

import json
import pathlib

ORDER = 261


def render(results_dir: pathlib.Path) -> str:
    path = results_dir / "nas_mo.json"
    title = "## Multi-objective and low-fidelity architecture search (MNIST-1D)"
    if not path.is_file():
        return f"{title}\n\nNo results file yet (`benchmarks/nas_mo.py`).\n"
    r = json.loads(path.read_text())
    n = len(r["nsga2_hv"])
    rows = "\n".join(
        f"| {s} | {r['nsga2_hv'][s]:.4f} | {r['rea_hv'][s]:.4f} | {r['nsga2_best_acc_under_10k'][s]:.3f} | "
        f"{r['rea_best_acc_under_10k'][s]:.3f} | {r['sh_test_acc'][s]:.3f} | {r['full_test_acc'][s]:.3f} | "
        f"{r['sh_cpu_s'][s]:.0f} | {r['full_cpu_s'][s]:.0f} |" for s in range(n))
    mean = lambda k: sum(r[k]) / n  # noqa: E731
    return f"""{title}

`{r['meta']['command']}` ({r['meta']['date']}, commit {r['meta']['commit'][:7]}; load
{r['meta']['load_before']} before, {r['meta']['load_after']} after)

Per seed, {r['archs']} trained architectures each: NSGA-II (`tasks/mnist1d_nsga2.toml`: P = 10, 5 children per
generation, objectives validation error and parameters) and regularized evolution (`tasks/mnist1d_rea.toml`: P = 10,
S = 3, accuracy only), same space, same initial 10 architectures, same training (Adam, 4 epochs). Hypervolume of
validation error x parameters over every architecture a run trained, divided by the fixed reference point (error 1,
100,000 parameters = the space's limit). "Best < 10k": test accuracy of the best-by-validation architecture with at
most 10,000 parameters. Successive halving (`tasks/mnist1d_halving.toml`): the same number of new architectures,
each trained 1 epoch, the best fifth of each generation continued to 4 epochs from its 1-epoch weights; every new
architecture enters the queue with its 1-epoch accuracy (`halving_queue = "first_rung"`), the champion is the best
4-epoch one; "full" is the regularized-evolution run; test accuracy of each run's best-by-validation architecture;
CPU seconds of the worker process.

| seed | NSGA-II HV | REA HV | NSGA-II best < 10k | REA best < 10k | SH test | full test | SH CPU s | full CPU s |
|---|---|---|---|---|---|---|---|---|
{rows}
| mean | {mean('nsga2_hv'):.4f} | {mean('rea_hv'):.4f} | {mean('nsga2_best_acc_under_10k'):.3f} | {mean('rea_best_acc_under_10k'):.3f} | {mean('sh_test_acc'):.3f} | {mean('full_test_acc'):.3f} | {mean('sh_cpu_s'):.0f} | {mean('full_cpu_s'):.0f} |

{("Note: " + r["note"] + chr(10) + chr(10)) if r.get("note") else ""}NSGA-II's hypervolume beats regularized evolution's on {r['hv_wins']}/{n} seeds (target >= 4/5). Successive halving
used {100 * r['sh_cpu_ratio']:.0f}% of full training's CPU time at mean test accuracy {r['sh_mean']:.3f} against
{r['full_mean']:.3f} (target: within 0.005 at <= 50%).

Notes. With the reference point at the space's 100,000-parameter limit, the hypervolume is dominated by the error
axis: an architecture of 1,000 or of 10,000 parameters differs by under 10% in its parameter factor, so a few
accurate mid-size networks (which accuracy-only regularized evolution finds) outweigh a front of small, less
accurate ones. NSGA-II, with the same 40 trainings, spends much of its population on the small end of the front
(its extreme points win tournaments through infinite crowding distance), which is where it wins: best accuracy under
10k parameters. A budget of 40 architectures is small for a two-objective front (NSGA-Net used thousands of
GPU-hours); the figures are for this budget only. The comparison is at equal budget (40 trained architectures each,
same initial 10), same reference point, and both hypervolumes are of everything the run trained; the hypervolume of
the final population / queue alone is in the results file (`nsga2_hv_final_population`, `rea_hv_final_queue`).
Tuning NSGA-II on seeds 1000-1001 (steady state, one child per generation, against 5): hypervolume 0.906 against
0.912 on seed 1000, so the task file was left as it was (no tuned row).

Successive halving, investigated on 16 random architectures and seeds 1000-1001 (tuning seeds): the 1-epoch
validation ranking agrees with the 4-epoch one with Spearman 0.87 (2 epochs: 0.96); continuing a promoted child from
its 1-epoch weights for 3 epochs reaches the same validation accuracy as 4 epochs from scratch (mean 0.468 against
0.473, rank agreement 0.97), so promotions continue; a 1-epoch training costs 37% of a 4-epoch one in CPU time
(building, evaluating and timing a network cost about 0.7 epochs), so rungs save less than the epochs suggest; the
earlier rule (only 4-epoch finishers enter the queue) left the queue with 2-8 members, far below P = 10, and lost 8
points; letting every new architecture enter with its 1-epoch accuracy (one fidelity in the queue, the search moving
as regularized evolution does) gave 0.942 / 0.935 against full training's 0.956 / 0.957 on seeds 1000 / 1001 at
63% / 35% of its CPU time; the first rung now also skips the test-accuracy and latency measurements nobody reads
(the table above is measured with both changes). On seeds 0-4 that lifted halving from 0.870 (the earlier rule,
30% of the CPU time) to the mean above, still short of the target: seeds 0 and 4 lose 9-13 points, where the
generation's best 1-epoch child is not the best at 4 epochs. Halving now uses well under half the CPU time, so a
larger promoted fraction (e.g. `halving_keep = 0.4`) or a 2-epoch first rung (rank agreement 0.96) fits the 50%
budget; neither was measured for lack of time.
References: Deb et al. 2002 (NSGA-II); Real et al. 2019
(regularized evolution); Lu et al. 2019 (NSGA-Net).
"""
