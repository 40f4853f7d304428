"""Self-play on Slime Volleyball: NEAT (feedforward, 12 inputs, 3 outputs) evolved with no fixed opponent; each
genome plays ``--opponents`` members of its population and ``--hall-of-fame`` past champions per generation
(Rosin & Belew 1997); a genome's fitness is its mean net score over every game it played, including those it was
drawn into as another member's opponent. Held-out tests (never used in training; games not counted):

- ``vs_builtin``: the final champion's mean net score against the game's built-in opponent over ``--test-games``
  games (``builtin_curve``: the same test for the champions of generations 0, 10, 20, ...);
- ``vs_gen0``: the fraction of ``--test-games`` games the final champion wins against the generation-0 champion
  (sides alternate; a game is won when the net score is > 0).

    python benchmarks/selfplay.py --generations 60 --seeds 2

``--scheme tournament`` runs slimevolleygym's GA self-play instead (``[selfplay] scheme``,
:mod:`topoevo.search.selfplay_tournament`): ``--generations`` then counts rounds of ``--pop // 2`` one-game
tournaments, the champion is the member with the most wins, the generation-0 champion the champion after round 0,
and ``builtin_curve`` is keyed by round:

    python benchmarks/selfplay.py --scheme tournament --pop 128 --generations 2000 --seeds 2 --curve-every 250

``--both-sides`` plays each pairing from both sides on one game seed (``[selfplay] both_sides``). ``--diagnose`` runs
no evolution: it measures a hand-written linear "chaser" (:func:`chaser`) against the built-in opponent and random
generation-0 genomes, and how much random genomes differ in skill (``benchmarks/results/selfplay_diagnosis.json``).

Last line: ``{"vs_builtin": [per seed], "vs_gen0": [per seed], "generations": G, ...}``.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.atari_common import RESULTS, finish, seed_list  # noqa: E402

log = logging.getLogger("benchmarks.selfplay")

TASK_FILE = ROOT / "tasks" / "slimevolley_selfplay.toml"
#: the slimevolleygym README's leaderboard against the built-in opponent (mean net score over 1,000 games)
PUBLISHED = {"ppo": 1.377, "cma_es": 1.148, "ga_selfplay": 0.353, "random_policy": -4.866}


def run_seed(seed: int, generations: int, pop: int, opponents: int, hof: int, test_games: int,
             save: Path | None, curve_every: int = 10, both_sides: bool = False, scheme: str = "generations",
             mutation: dict[str, float] | None = None) -> dict[str, Any]:
    from topoevo.config import load_config
    from topoevo.neat.algorithm import NEAT
    from topoevo.run import build_task, fit_genome_to_task
    from topoevo.search.selfplay_run import make_selfplay

    config = load_config(TASK_FILE, {"neat": {"pop_size": pop}, "mutation": mutation or {}, "selfplay": {
        "opponents": opponents, "hall_of_fame": hof, "test_games": test_games,
        "both_sides": both_sides, "scheme": scheme}})
    sp = make_selfplay(NEAT(fit_genome_to_task(config, build_task(config)), seed), config.selfplay, seed)
    cpu0 = time.process_time()
    history = []
    log_every = 10 if scheme == "generations" else 100
    for _ in range(generations):
        history.append(sp.step())
        if len(history) % log_every == 0:
            log.warning("seed %d generation %d: best %.2f mean %.2f, %.0f CPU s", seed, len(history),
                        history[-1]["best"], history[-1]["mean"], time.process_time() - cpu0)
    cpu = time.process_time() - cpu0
    curve = {g: float(sp.vs_builtin(sp.champions[g]).mean()) for g in range(0, generations, curve_every)}
    final = sp.champions[-1]
    curve[generations - 1] = float(sp.vs_builtin(final).mean())
    h2h = sp.head_to_head(final, sp.champions[0])
    out = {"vs_builtin": curve[generations - 1], "vs_gen0": float((h2h > 0).mean()),
           "vs_gen0_mean_score": float(h2h.mean()), "builtin_curve": curve, "cpu_s": round(cpu, 1),
           "cpu_s_per_generation": round(cpu / generations, 2), "game_steps": sp.frames,
           "evaluations": sp.algo.evaluations,
           "tournaments": generations * (pop // 2) if scheme == "tournament" else None,
           "best_training": [round(h["best"], 2) for h in history],
           "champion_nodes": len(final.nodes), "champion_connections": final.num_enabled()}
    if save is not None:
        task_file = f"tasks/slimevolley_{'tournament' if scheme == 'tournament' else 'selfplay'}.toml"
        sp.algo.save_candidate(final, save / f"{Path(task_file).stem}.json", {  # the zoo names a champion by its task
            "task": "slimevolley", "seed": seed, "task_file": task_file,
            "generation": generations, "evaluations": sp.algo.evaluations, "solved": False,
            "champion_test": {"vs_builtin": out["vs_builtin"], "vs_gen0_win_rate": out["vs_gen0"],
                              "test_games": test_games}})
    return out


def chaser(template: Any, gain: float = 10.0) -> Any:
    """A hand-written linear player on NEAT's gen-0 topology (inputs straight to outputs): press forward while the
    ball is nearer the net than the player (ball x < own x, in the player's frame), backward while it is farther,
    never jump. The reference point for what a 12-input, 3-output network without hidden nodes can reach."""
    g = template.copy()
    ins, outs = list(g.input_ids), list(g.output_ids)
    for c in g.conns.values():
        i = ins.index(c.in_node) if c.in_node in ins else -1  # -1: the bias node
        o = outs.index(c.out_node)
        c.weight = {(0, 0): gain, (4, 0): -gain, (0, 1): -gain, (4, 1): gain}.get((i, o), 0.0)
    return g


def diagnose(seed: int, pop: int, opponents: int, games: int) -> dict[str, Any]:
    """Why learning is slow: how a hand-written linear chaser (:func:`chaser`) does against the built-in opponent and
    against random generation-0 genomes, and whether random genomes differ in skill at all (each of ``pop`` random
    genomes plays ``opponents`` other random genomes from both sides on the same seed, twice on fresh seeds: the
    correlation of the two measurements, and the retest of the first measurement's top 10)."""
    import numpy as np

    from topoevo.config import load_config
    from topoevo.neat.algorithm import NEAT
    from topoevo.run import build_task, fit_genome_to_task
    from topoevo.tasks.slimevolley import BUILTIN, Match, play_matches

    config = load_config(TASK_FILE, {"neat": {"pop_size": pop + opponents}})
    algo = NEAT(fit_genome_to_task(config, build_task(config)), seed)
    randoms = list(algo.ask())
    agents = randoms + [chaser(randoms[0])]
    policy = algo.compile_fn(agents)
    me = len(agents) - 1

    def paired(players: list[int], seed0: int) -> np.ndarray:
        """Net score per (player, opponent) pair, summed over the two sides of one seed."""
        ms = [m for i in players for k in range(opponents) for m in
              (Match(i, pop + k, seed0 + k), Match(pop + k, i, seed0 + k))]
        s, _ = play_matches(policy, ms)
        s = s.reshape(len(players), opponents, 2)
        return s[:, :, 0] - s[:, :, 1]

    a, b = paired(list(range(pop)) + [me], 10**7).mean(axis=1), paired(list(range(pop)) + [me], 2 * 10**7).mean(axis=1)
    top = np.argsort(-a[:pop], kind="stable")[:10]
    builtin, _ = play_matches(policy, [Match(i, BUILTIN, 3 * 10**7 + k) for i in (me, 0) for k in range(games)])
    vs_random = paired([me], 4 * 10**7)[0]
    return {"chaser_vs_builtin": float(builtin[:games].mean()),
            "random_genome_vs_builtin": float(builtin[games:].mean()),
            "chaser_pair_score_vs_random": [float(a[-1]), float(b[-1])],
            "chaser_wins_vs_random_pairs": float((vs_random > 0).mean()),
            "random_pair_score_quantiles": [round(float(q), 2) for q in np.quantile(a[:pop], [0, .1, .5, .9, 1])],
            "random_test_retest_correlation": round(float(np.corrcoef(a[:pop], b[:pop])[0, 1]), 2),
            "random_top10_first": [round(float(x), 2) for x in a[top]],
            "random_top10_retest": [round(float(x), 2) for x in b[top]],
            "settings": {"random_genomes": pop, "opponents": opponents, "builtin_games": games}}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--generations", type=int, default=60)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--seed-start", type=int, default=0)
    ap.add_argument("--pop", type=int, default=32)
    ap.add_argument("--opponents", type=int, default=4)
    ap.add_argument("--hall-of-fame", type=int, default=2)
    ap.add_argument("--test-games", type=int, default=100)
    ap.add_argument("--curve-every", type=int, default=10,
                    help="test the champion of every N-th generation against the built-in opponent")
    ap.add_argument("--save-champion", default=None, help="directory for the seed-0 final champion")
    ap.add_argument("--merge", default=None, help="comma-separated partial results names to merge into --name")
    ap.add_argument("--name", default="selfplay")
    ap.add_argument("--both-sides", action="store_true",
                    help="play each pairing from both sides on the same seed ([selfplay] both_sides)")
    ap.add_argument("--scheme", default="generations", choices=("generations", "tournament"),
                    help="[selfplay] scheme; 'tournament': --generations counts rounds of pop // 2 one-game "
                         "tournaments (--opponents, --hall-of-fame unused)")
    ap.add_argument("--mutation", default=None, metavar="KEY=VALUE,...",
                    help="[mutation] overrides, e.g. weight_mutate_power=0.1,add_node_rate=0.05")
    ap.add_argument("--diagnose", action="store_true",
                    help="no evolution: the chaser reference and the skill spread of random genomes "
                         "(--pop random genomes, --opponents opponents, --test-games games vs the built-in)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    load_before = os.getloadavg()
    args_list = argv if argv is not None else sys.argv[1:]
    if args.diagnose:
        seeds = list(range(args.seed_start, args.seed_start + args.seeds))
        result = {"runs": [{"seed": s} | diagnose(s, args.pop, args.opponents, args.test_games) for s in seeds]}
        return finish(args.name, result, ["benchmarks/selfplay.py"] + args_list, seeds, load_before)
    if args.merge:
        parts = [json.loads((RESULTS / f"{p}.json").read_text()) for p in args.merge.split(",")]
        runs = sorted(((s, {"seed": s, **r}) for p in parts
                       for s, r in zip(seed_list(p["meta"]["seeds"]), p["runs"])), key=lambda t: t[0])
        result = {"vs_builtin": [r["vs_builtin"] for _, r in runs], "vs_gen0": [r["vs_gen0"] for _, r in runs],
                  "generations": parts[0]["generations"], "settings": parts[0]["settings"],
                  "published": PUBLISHED, "runs": [r for _, r in runs], "parts": [p["meta"] for p in parts]}
        return finish(args.name, result, ["benchmarks/selfplay.py"] + args_list, [s for s, _ in runs], load_before)
    seeds = list(range(args.seed_start, args.seed_start + args.seeds))
    mutation = {k: float(v) for k, v in (kv.split("=") for kv in args.mutation.split(","))} if args.mutation else {}
    runs = []
    for seed in seeds:
        save = Path(args.save_champion) if (args.save_champion and seed == 0) else None
        runs.append({"seed": seed} | run_seed(seed, args.generations, args.pop, args.opponents, args.hall_of_fame,
                                              args.test_games, save, args.curve_every, args.both_sides,
                                              args.scheme, mutation))
        log.warning("seed %d: %s", seed, {k: runs[-1][k] for k in ("vs_builtin", "vs_gen0", "cpu_s")})
    result = {"vs_builtin": [r["vs_builtin"] for r in runs], "vs_gen0": [r["vs_gen0"] for r in runs],
              "generations": args.generations,
              "settings": {"pop": args.pop, "opponents": args.opponents, "hall_of_fame": args.hall_of_fame,
                           "test_games": args.test_games, "curve_every": args.curve_every,
                           "both_sides": args.both_sides, "scheme": args.scheme, "mutation": mutation,
                           "fitness": "mean net score over every game played, on either side"
                           if args.scheme == "generations" else
                           "none: one game per tournament, the loser replaced by a mutated copy of the winner; "
                           "champion = most wins along its line of descent"},
              "published": PUBLISHED, "runs": runs}
    return finish(args.name, result, ["benchmarks/selfplay.py"] + args_list, seeds, load_before)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    main()
