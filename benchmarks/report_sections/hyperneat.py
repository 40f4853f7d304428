"""RESULTS.md section of benchmarks/hyperneat.py (issue 17: HyperNEAT scaling, the retina problem, 100k-link
substrates)."""
from __future__ import annotations

import json
import pathlib

ORDER = 275  # 100 + issue 17 x 10, + 5

TITLE = "## HyperNEAT: visual discrimination scaling, the retina problem, large substrates"


def _visual(v: dict) -> str:
    rows = "\n".join(f"| {r['seed']} | {'yes' if r['solved'] else 'no'} | {r['evaluations']} | {r['accuracy_11']:.3f} | "
                     f"{r['accuracy_33']:.3f} | {r['accuracy_55']:.3f} | {r['mean_distance_33']:.3f} | "
                     f"{r['mean_distance_55']:.3f} |" for r in v["runs"])
    n = len(v["runs"])
    return f"""| seed | solved (75 trials) | evaluations | accuracy 11x11 | 33x33 | 55x55 | mean distance 33x33 | 55x55 |
|---|---|---|---|---|---|---|---|
{rows}
| mean | | | {v['mean_accuracy_11']:.3f} | {v['mean_accuracy_33']:.3f} | {v['mean_accuracy_55']:.3f} | | |

Mean accuracy kept: {v['mean_accuracy_33'] / v['mean_accuracy_11']:.1%} at 33x33 and
{v['mean_accuracy_55'] / v['mean_accuracy_11']:.1%} at 55x55 (goal: >= 90%); {v['runs_keeping_90pct']} of {n}
champions keep >= 90% of their own 11x11 accuracy at both resolutions (lowest share kept by one champion:
{v['min_kept_share']:.1%})."""


def _retina(r: dict, runs: int, generations: int) -> str:
    def row(name: str, x: dict) -> str:
        med = x["median_evaluations"]
        return (f"| {name} | {x['solved']}/{runs} | {med if med is not None else '-'} | "
                f"{x['mean_champion_accuracy']:.3f} |")

    return f"""| method | solved | median evaluations (solved runs) | mean champion accuracy (of 256 patterns) |
|---|---|---|---|
{row('NEAT (tasks/retina_neat.toml)', r['neat'])}
{row('HyperNEAT + LEO (tasks/retina_hyperneat.toml)', r['hyperneat'])}

Budget: population 150, {generations} generations ({150 * generations:,} evaluations) per run, both sides."""


def _es(results_dir: pathlib.Path) -> str:
    path = results_dir / "hyperneat_retina_es.json"
    if not path.is_file():
        return "ES-HyperNEAT on the retina problem (`tasks/retina_es_hyperneat.toml`): not yet measured."
    r = json.loads(path.read_text())
    x, st = r["retina_es"]["es_hyperneat"], r["settings"]
    med = x["median_evaluations"]
    return (f"ES-HyperNEAT on the retina problem (`{r['meta']['command']}`, {r['meta']['date']}; a smaller budget: "
            f"population 150, {st['retina_generations']} generations, {st['seeds']} seeds): solved "
            f"{x['solved']}/{st['seeds']}, median evaluations {med if med is not None else '-'}, mean champion "
            f"accuracy {x['mean_champion_accuracy']:.3f}. With these quadtree settings (band threshold 0.3, depth 2-3) "
            "most early CPPNs express no input-to-output path (58% of a population after 3 generations: constant "
            "output, accuracy 0.75), and the runs stall at a small network of accuracy 0.69. One tuning try (seeds "
            "1000 and 1001, 100 generations; an ad-hoc tuning script, not a benchmark): the quadtree depth of Risi & "
            "Stanley's ES-HyperNEAT settings (initial and maximum depth 3, other thresholds as here) stalls at the "
            "same accuracy 0.6875 on both seeds, so the task file keeps depth 2-3; what is missing is more likely "
            "a CPPN seed that expresses input-to-output paths from the start than the thresholds.")


def render(results_dir: pathlib.Path) -> str:
    path = results_dir / "hyperneat.json"
    if not path.is_file():
        return f"{TITLE}\n\nHyperNEAT figures not yet measured (`benchmarks/hyperneat.py`).\n"
    r = json.loads(path.read_text())
    meta, s, settings = r["meta"], r["scale"], r["settings"]
    load = meta.get("load_before") or ["?"]
    return f"""{TITLE}

`{meta['command']}` ({meta['date']}, commit {meta['commit'][:7]}, load average {load[0]} before: measured on the
shared, loaded machine)

**Visual discrimination** (Gauci & Stanley 2007; Stanley, D'Ambrosio & Gauci 2009): `tasks/visual_discrimination_hyperneat.toml`
evolves CPPNs (population 100, at most {settings['visual_generations']} generations, stop when all 75 training trials
are right) for an 11x11 -> 11x11 substrate (14,641 connections, output nodes linear). Each champion is re-run
unchanged on 11x11, 33x33 (1.3M connections) and 55x55 (9.2M connections) substrates over 363 test trials (the small
box at every one of the 121 unit positions, the large one right, down and diagonal of it); accuracy = share of trials
whose most active target node lies in the large box's centre unit (at 11x11: the exact centre pixel); mean distance in
field units ([-1, 1]).

{_visual(r['visual'])}

Stanley, D'Ambrosio & Gauci (2009) report that the champions' performance stays nearly unchanged at 33x33 and
55x55; their exact figures could not be retrieved in this session, so none is quoted beside ours. The task file's
settings were chosen once (not tuned on other seeds). Each new CPPN hidden node draws its activation at random
among the seven of `activation_options` (`genome.activation = "random"`), as HyperNEAT's CPPNs do (Stanley,
D'Ambrosio & Gauci 2009); the measurement before that change gave every new node the sigmoid (mean accuracy 0.999,
0.987 and 0.987 at 11x11, 33x33 and 55x55; 9 of 10 champions kept >= 90%). An earlier run with sigmoid output
nodes lost most of its accuracy at 33x33 (8.5%): more inputs per unit area saturate the sigmoids, and ties of
saturated outputs hide the maximum; linear outputs (argmax only) keep it.

**The retina problem** (Kashtan & Alon 2005; L AND R over all 256 patterns, pixels +-1; solved = every pattern on
the right side of 0.5):

{_retina(r['retina'], settings['seeds'], settings['retina_generations'])}

Neither side solves the problem within this budget; the champions' accuracies are the comparison that remains
(NEAT slightly ahead). The problem is known to be hard for both encodings: Verbancsics & Stanley (2011) report that
HyperNEAT without LEO rarely found solutions and that LEO with a geometric seed (a bias toward local connections)
helped; Clune, Mouret & Lipson (2013) evolved solutions with a direct encoding under a connection cost over thousands
of generations. Their exact success rates could not be retrieved in this session and are not quoted. No geometric
seed is used here (topoevo's CPPNs start without LEO's locality seed, a hidden Gaussian node on the x difference
feeding the link expression output), and both task files' settings were chosen once, not tuned; the HyperNEAT CPPNs
draw new nodes' activations at random (the runs before that change: the same 0/10, mean accuracy 0.859).

{_es(results_dir)}

**A large substrate per genome**: {s['connections_per_genome']:,} connections (225 -> 225 -> 225 nodes) for each of
{s['population']} CPPNs (mean {s['cppn_nodes_mean']} nodes, from a NEAT population after 5 generations):
compile the CPPNs, query them for every connection in one batched forward, build the substrate networks and evaluate
them on 16 input patterns: **{s['cpu_s_median']} CPU s** (median of 5; {s['wall_s_median']} s wall on the loaded
machine; first call {s['cpu_s_first_call']} CPU s). Goal: < 2 s.
"""
