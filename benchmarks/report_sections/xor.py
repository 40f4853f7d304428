"""RESULTS.md section: XOR -- paper-exact and tuned counts, ablations, speed against neat-python
(benchmarks/xor.py)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from benchmarks.report_sections._markdown import command, load, not_measured, num, provenance, table

ORDER = 10
TITLE = "XOR (Stanley & Miikkulainen 2002): paper-exact and tuned NEAT, and speed against neat-python 2.0"
PAPER_MEAN = 4755
# results file -> what differs from tasks/xor_paper.toml
COUNT_ROWS = [
    ("xor_paper", "**paper-exact** (tasks/xor_paper.toml)"),
    ("xor_tuned", "**tuned** (tasks/xor.toml)"),
    ("xor_tuned_fresh", "tuned, seeds never used before"),
    ("xor_paper_reference", "paper-exact on the reference path (`neat.array_kernels = false`)"),
    ("xor_ablation_power", "paper-exact + perturbation sigma 2.5 (Stanley's C++ power)"),
    ("xor_ablation_range", "paper-exact + weights clamped to [-8, 8]"),
    ("xor_ablation_species", "paper-exact + threshold adjusted toward 20 species"),
    ("xor_ablation_rates", "paper-exact + add-node 0.1, add-link 0.2"),
    ("xor_ablation_power_species", "paper-exact + sigma 2.5 + threshold toward 20 species"),
    ("xor_ablation_uniform", "paper-exact + uniform perturbation, same sigma (0.5)"),
    ("xor_ablation_uniform_cpp", "paper-exact + uniform perturbation in +-2.5 (Stanley's C++)"),
    ("xor_ablation_speciation_order", "paper-exact + species tried in order (not the parent's first)"),
    ("xor_ablation_tie_smaller", "paper-exact + equal fitness: the smaller parent is the fitter (Stanley's C++)"),
    ("xor_ablation_no_reenable", "paper-exact + add-link never re-enables a disabled link"),
]
COMBINED = {"xor_ablation_power_species"}  # rows changing more than one thing
BUDGET_EVALS = 300 * 150  # an unsolved run's evaluations: 300 generations of 150 (tasks/xor_paper.toml)
# the ablations of rules inside the NEAT implementation (benchmarks/xor.py --ablation): what each replaces
RULE_ABLATIONS = {
    "xor_ablation_speciation_order": "speciation order (topoevo tries a genome's parent species first, then the "
                                     "others in order; the paper places it in the first compatible species in order)",
    "xor_ablation_tie_smaller": "the parent whose disjoint and excess genes a child takes when both have the same "
                                "fitness (topoevo: either at random; Stanley's C++ mate_multipoint: the one with "
                                "fewer genes; the paper's figure 4: genes of both at random)",
    "xor_ablation_no_reenable": "add-link re-enabling an existing disabled link (topoevo does so, as Stanley's C++ "
                                "does; the paper links only previously unconnected nodes)",
}


def _evals_per_solve(d: dict[str, Any]) -> float | None:
    """All evaluations a row spent (unsolved runs at the budget) per solved run."""
    evals = d.get("evals")
    if not evals or not d.get("solved"):
        return None
    return sum(BUDGET_EVALS if e is None else e for e in evals) / d["solved"]


def _first_seed(d: dict[str, Any]) -> str:
    return str(d.get("meta", {}).get("seeds") or "").split("-")[0]


def _paired(d: dict[str, Any], paper: dict[str, Any] | None) -> tuple[float, float] | None:
    """Difference of the mean evaluations from paper-exact's on the same seeds, and a two-sided Mann-Whitney U
    p-value (unsolved runs ranked last); None when the rows are not on the same seeds."""
    if paper is None or d is paper or d["mean_evals"] is None or "evals" not in d or "evals" not in paper \
            or _first_seed(d) != _first_seed(paper):
        return None
    from scipy.stats import mannwhitneyu

    ours, theirs = d["evals"], paper["evals"][:len(d["evals"])]
    solved = [e for e in theirs if e is not None]
    if not solved:
        return None
    p = mannwhitneyu([math.inf if e is None else e for e in ours], [math.inf if e is None else e for e in theirs],
                     alternative="two-sided").pvalue
    return d["mean_evals"] - sum(solved) / len(solved), float(p)


def _on_reference_path(d: dict[str, Any]) -> bool:
    """Whether a row ran NEAT's readable reference path (the --ablation / --draws rows patch its operations)."""
    return (d.get("overrides") or {}).get("neat", {}).get("array_kernels") is False


def _baseline(d: dict[str, Any], paper: dict[str, Any] | None,
              reference: dict[str, Any] | None) -> dict[str, Any] | None:
    """The paper-exact row an ablation is compared with: the one on the same code path (array kernels or the
    reference path, whose random streams differ) where it is measured."""
    if _on_reference_path(d) and d is not reference and reference is not None:
        return reference
    return paper


def _versus_paper(d: dict[str, Any], paper: dict[str, Any] | None) -> str:
    pair = _paired(d, paper)
    return "-" if pair is None else f"{pair[0]:+,.0f} (p = {pair[1]:.2g})"


def _count_row(label: str, d: dict[str, Any], paper: dict[str, Any] | None,
               reference: dict[str, Any] | None = None) -> list[str]:
    ci = d.get("mean_evals_ci95")
    return [label, d.get("meta", {}).get("seeds") or "-", f"{d['solved']}/{d['runs']}",
            f"**{num(d['mean_evals'])}**", f"[{num(ci[0])}, {num(ci[1])}]" if ci else "-", num(d["median_evals"]),
            num(d["worst_evals"]), num(_evals_per_solve(d)), num(d["mean_hidden"], 2),
            "-" if d is reference else _versus_paper(d, _baseline(d, paper, reference))]


def _counts(results_dir: Path) -> str:
    found = [(name, label, load(results_dir, name)) for name, label in COUNT_ROWS]
    paper = next((d for name, _, d in found if name == "xor_paper"), None)
    reference = next((d for name, _, d in found if name == "xor_paper_reference"), None)
    rows = [_count_row(label, d, paper, reference) for _, label, d in found if d is not None]
    if not rows:
        return not_measured("XOR counts: paper-exact and tuned", "python benchmarks/xor.py --no-peer --seeds 100 "
                            "--task tasks/xor_paper.toml --name xor_paper", "xor_paper").replace("## ", "### ")
    missing = [f"`{name}`" for name, _, d in found if d is None]
    sources = "\n".join(f"- {label}: `{command(d)}` -- {provenance(d)}" for _, label, d in found
                        if d is not None)
    gap = ""
    if paper is not None and paper["mean_evals"] is not None:
        lo, hi = paper["mean_evals_ci95"]
        inside = lo <= PAPER_MEAN <= hi
        closers = sorted(((per_solve, label) for name, label, d in found
                          if d is not None and name.startswith("xor_ablation") and name not in COMBINED
                          and (per_solve := _evals_per_solve(d)) is not None))
        best = (f" The single change that lowers the evaluations per solve most (all evaluations spent, an unsolved "
                f"run counted at its budget of {BUDGET_EVALS:,}, divided by the solved runs; paper-exact: "
                f"{num(_evals_per_solve(paper))}) is \"{closers[0][1]}\" ({num(closers[0][0])}).") \
            if closers else ""
        tuned = next((d for name, _, d in found if name == "xor_tuned_fresh" and d is not None), None)
        power = next((d for name, _, d in found if name == "xor_ablation_power" and d is not None), None)
        power_solved = f": sigma 2.5 solves {power['solved']}/{power['runs']}" if power is not None else ""
        if tuned is not None and tuned.get("mean_evals_ci95"):
            tlo, thi = tuned["mean_evals_ci95"]
            best += (f" tasks/xor.toml, which changes four things at once (sigma 2.5, weights in [-8, 8], threshold "
                     f"toward 20 species, add-node 0.1 / add-link 0.2), solves {tuned['solved']}/{tuned['runs']} "
                     f"with mean {num(tuned['mean_evals'])} on seeds it was never run on (95% CI [{num(tlo)}, "
                     f"{num(thi)}]: the paper's figure is {'inside' if tlo <= PAPER_MEAN <= thi else 'outside'}). "
                     f"So most of the gap comes from a parameter the paper does not publish, the perturbation size "
                     f"(topoevo's default sigma 0.5 is small for XOR{power_solved}), then from "
                     f"speciation with the fixed threshold.")
            rates_row = next((d for name, _, d in found if name == "xor_ablation_rates" and d is not None), None)
            if rates_row is not None and rates_row["mean_evals"] is not None:
                best += (f" Raising the structural rates above the paper's (add-node 0.1 / add-link 0.2) lowers the "
                         f"mean of the solved runs to {num(rates_row['mean_evals'])} but solves "
                         f"{rates_row['solved']}/{rates_row['runs']}: more structural mutation than the paper's rates "
                         f"helps this implementation, and is part of tasks/xor.toml's tuning.")
        flat = [label for name, label, d in found if d is not None and name.startswith("xor_ablation")
                and (_paired(d, _baseline(d, paper, reference)) or (0.0, 0.0))[1] >= 0.05]
        if flat:
            best += (" No measurable effect (Mann-Whitney p >= 0.05 against paper-exact on the same code path and seeds): "
                     + "; ".join(f"\"{label}\"" for label in flat) + ".")
        both = next((d for name, _, d in found if name == "xor_ablation_power_species" and d is not None), None)
        rates = next((d for name, _, d in found if name == "xor_ablation_rates" and d is not None), None)
        if both is not None and tuned is not None:
            best += (f" What separates \"sigma 2.5 + threshold toward 20 species\" ({num(both['mean_evals'])}) from "
                     f"tasks/xor.toml is the weight range [-8, 8] and the structural rates add-node 0.1 / add-link "
                     f"0.2" + (f"; the rates alone on paper-exact give {num(rates['mean_evals'])} "
                               f"({rates['solved']}/{rates['runs']} solved)." if rates is not None and
                               rates["mean_evals"] is not None else
                               ", which this session could not separate (the rates ablation is not yet measured)."))
        ties = next((d for name, _, d in found if name == "xor_ablation_tie_smaller" and d is not None), None)
        if ties is not None and ties.get("ablation_crossovers_total"):
            best += (f" Equal fitness between two different parents is common on XOR (parents with identical "
                     f"outputs): {ties['ablation_ties_total']:,} of {ties['ablation_crossovers_total']:,} "
                     f"crossovers in the tie rule's runs, so the tie rule is exercised, yet its effect is not "
                     f"measurable on these seeds." if (_paired(ties, _baseline(ties, paper, reference))
                                                        or (0.0, 0.0))[1] >= 0.05 else
                     f" Equal fitness between two different parents: {ties['ablation_ties_total']:,} of "
                     f"{ties['ablation_crossovers_total']:,} crossovers in the tie rule's runs.")
        gap = (f"Paper-exact mean {num(paper['mean_evals'])} evaluations (95% CI [{num(lo)}, {num(hi)}]) against "
               f"the paper's {PAPER_MEAN:,}: the paper's figure is {'inside' if inside else 'outside'} the interval "
               f"({paper['solved']}/{paper['runs']} solved; paper: 100/100, 2.35 hidden nodes).{best}"
               f"{_paths(paper, reference)}")
    return f"""### Counts: paper-exact and tuned

{sources}

Counted as in the paper: population x (generations - 1) + index of the first genome whose four outputs are on the
correct side of 0.5; a run stops unsolved after 300 generations; one run per seed (column "seeds": 100 for
paper-exact and tuned, fewer for the ablations where the session's machine load allowed no more); mean over the
solved runs with a 95% bootstrap interval (10,000 resamples); "evals per solve" = all evaluations of the row's runs
(an unsolved run at its budget of 45,000) / solved runs. The
**paper-exact** row uses the paper's published parameters (section 4.1: population 150, c1 = c2 = 1, c3 = 0.4,
delta_t = 3.0 fixed, add-node 0.03, add-link 0.05, 80% weight mutation with 90% perturb / 10% replace, 25%
mutation-only offspring, interspecies mating 0.001, stagnation 15, champions of species > 5 copied, disabled genes
inherited at 0.75). Where the paper is silent topoevo's defaults apply: perturbation N(0, 0.5) (the paper says
"uniformly perturbed", without a size), weights in [-30, 30], new weights N(0, 1); from Stanley's C++: 20% of a
species reproduces, 20% of crossover children are not mutated, structural mutations exclude others. The ablation
rows change one thing at a time from paper-exact ("vs paper-exact" = difference of the means from paper-exact's
runs on the same seeds, with the p-value of a two-sided Mann-Whitney U test, unsolved runs ranked last). Since
issue 18 NEAT makes offspring with one compiled kernel on arrays, with its own random stream; the ablations that
patch an operation of the readable reference path (`--ablation`, `--draws`) run that path
(`neat.array_kernels = false`) and are compared with paper-exact on the same path (the row "paper-exact on the
reference path"); the others with paper-exact.
Ablations and the paper-exact row need no tuning; tasks/xor.toml was tuned before the seed rule, on seeds not
recorded, so the tuned row is also given on seeds 100-199.

{table(["row", "seeds", "solved", "mean evals", "95% CI", "median", "worst", "evals per solve", "hidden nodes",
        "vs paper-exact"],
       rows)}
{gap}
{("Not yet measured: " + ", ".join(missing) + ".") if missing else ""}
{_rule_ablations(found)}
"""


def _paths(paper: dict[str, Any], reference: dict[str, Any] | None) -> str:
    """Paper-exact on the array kernels against paper-exact on the reference path: solve rates (Fisher's exact
    test) and evaluations of the solved runs (Mann-Whitney U); the two paths implement the same rules with
    different random streams."""
    if reference is None or not reference.get("evals") or not paper.get("evals"):
        return ""
    from scipy.stats import fisher_exact, mannwhitneyu

    a = [e for e in paper["evals"] if e is not None]
    b = [e for e in reference["evals"] if e is not None]
    table_ = [[len(a), paper["runs"] - len(a)], [len(b), reference["runs"] - len(b)]]
    p_solved = float(fisher_exact(table_).pvalue)
    p_evals = float(mannwhitneyu(a, b, alternative="two-sided").pvalue) if a and b else float("nan")
    return (f" The same paper-exact settings on NEAT's readable reference path (`neat.array_kernels = false`, the "
            f"random stream of every XOR row before issue 18's array kernels; seeds {reference['meta']['seeds']}) "
            f"solve {len(b)}/{reference['runs']} with mean {num(reference['mean_evals'])}, against "
            f"{len(a)}/{paper['runs']} and {num(paper['mean_evals'])} on the array kernels (solve rates: Fisher's "
            f"exact p = {p_solved:.2g}; evaluations of the solved runs: Mann-Whitney p = {p_evals:.2g}).")


def _rule_ablations(found: list[tuple[str, str, dict[str, Any] | None]]) -> str:
    """Which rules of the implementation the ablation rows switch, and which are not yet measured."""
    done = [RULE_ABLATIONS[name] for name, _, d in found if name in RULE_ABLATIONS and d is not None]
    todo = [RULE_ABLATIONS[name] for name, _, d in found if name in RULE_ABLATIONS and d is None]
    text = ""
    if done:
        text += ("Rules of the implementation switched to the paper's or Stanley's C++'s for one process by "
                 "`benchmarks/xor.py --ablation` (no library option): " + "; ".join(done) + ".")
    if todo:
        text += " Not yet measured: " + "; ".join(todo) + "."
    return text.strip()


def _speed(results_dir: Path) -> str:
    d = load(results_dir, "xor")
    if d is None:
        return not_measured("XOR speed against neat-python", "python benchmarks/xor.py --seeds 100",
                            "xor").replace("## ", "### ")
    p = d.get("neat_python")
    rows = [["topoevo (tasks/xor.toml)", f"{d['solved']}/{d['runs']}", num(d["mean_evals"], 1),
             num(d["median_evals"], 1), num(d["median_wall_s"], 4), num(d["median_cpu_s"], 4),
             num(d["wall_per_solve_s"], 4)]]
    ratios = ""
    if p:
        rows.append(["neat-python 2.0 (its XOR example config)", f"{p['solved']}/{p['runs']}", num(p["mean_evals"], 1),
                     num(p["median_evals"], 1), num(p["median_wall_s"], 4), num(p["median_cpu_s"], 4),
                     num(p["wall_per_solve_s"], 4)])
        ratios = (f"Median wall ratio **{d['wall_ratio']}x**, CPU {d['cpu_ratio']}x, wall per solve (all runs' wall / "
                  f"solved runs) {d['wall_per_solve_ratio']}x (goal: 10x).")
    return f"""### Speed against neat-python (same process, seed by seed)

`{command(d)}` -- {provenance(d)}

Both libraries in one process, one torch thread, alternating seed by seed; topoevo's run directory in RAM; each
side in its own configuration (topoevo: the tuned tasks/xor.toml; neat-python: its XOR example), so the
evaluation counts differ as the configurations do. Wall per run from building the population to the winner.
Since issue 18's population store (2026-12-05) topoevo's offspring are made on arrays by one compiled kernel with
its own random stream, so its evaluation counts differ run by run from the rows above (measured on the readable
reference path, which `neat.array_kernels = false` still runs): mean 4,115.6 evaluations on seeds 0-99 before,
the figure below after (the issue allows +-10%).

{table(["library", "solved", "mean evals", "median evals", "median wall s", "median CPU s", "wall per solve s"],
       rows)}
{ratios}
"""


def render(results_dir: Path) -> str:
    return f"## {TITLE}\n\n{_counts(results_dir)}\n{_speed(results_dir)}"
