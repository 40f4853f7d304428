"""Atari at a CPU budget: NEAT on RAM, the deep GA (seed chains) on pixels, random search on pixels (Such et al.'s
control) and the uniform random policy, per game and seed, all at the same per-run frame budget.

Every run trains until its emulator frames reach ``--frames`` minus the champion pick's reserve (whole
generations: the last one may overshoot; the frames actually used are reported). The champion pick is the same for
every method (:class:`Reeval`): the ``--reeval-top`` best candidates of the run by their one training episode play
``--reeval-episodes`` more episodes each, the same ones for all, and the best mean wins (its frames are counted in
the budget). The champion then plays the held-out test: the mean score over 30 seeded episodes (the same episodes
for every algorithm). The random policy plays the same 30 episodes. Protocol: ``tasks/atari_<game>_ram.toml`` (v5:
frame skip 4, sticky actions 0.25, minimal action set, up to 30 no-op starts) with the episode cap
``--episode-frames`` for every run and test. CPU seconds are this process's (``time.process_time``), training and
champion pick, test excluded; frames/s = those frames / those CPU s.

    python benchmarks/atari.py --games Enduro,Frostbite,Seaquest --frames 90000 --seeds 2

Last line: ``{"frames": F, "games": {"breakout": {"neat_ram": [...], "ga_pixels": [...], "random_search": [...],
"random_policy": x, "published": {...}, "runs": {...}}}, ...}``.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.atari_common import finish, seed_list  # noqa: E402

log = logging.getLogger("benchmarks.atari")

def mnih_random(score: float) -> dict[str, Any]:
    """The uniform random policy's score in Mnih et al. 2015 (quoted, not re-checked here)."""
    return {"score": score, "budget": "uniform random actions, 5-minute episodes",
            "source": "Mnih et al. 2015, Extended Data Table 2", "verified": False}


#: published scores next to ours, each with its budget and source. ``verified``: the figure was read in a source
#: found during this work (the citation says where); False: quoted from the paper's table without re-checking here.
PUBLISHED: dict[str, dict[str, Any]] = {
    "asterix": {
        "es_salimans2017": {"score": 1440.0, "budget": "1 hour of training on 720 CPUs (the paper's budget)",
                            "source": "Salimans et al. 2017, Table 3 (ES FF, 1 hour, no-op starts), as listed on "
                                      "sotaverified.org", "verified": True},
        "random_mnih2015": mnih_random(210.0),
    },
    "boxing": {"random_mnih2015": mnih_random(0.1)},
    "freeway": {"random_mnih2015": mnih_random(0.0)},
    "enduro": {"random_mnih2015": mnih_random(0.0)},
    "frostbite": {"random_mnih2015": mnih_random(65.2)},
    "seaquest": {"random_mnih2015": mnih_random(68.4)},
}

#: the games of the current results, chosen before any of them was run on them (see the RESULTS notes): three of
#: the 13 games of Such et al. 2017 whose reward comes early and often enough to show in a 1,500-frame episode
GAMES = "Enduro,Frostbite,Seaquest"


ALGORITHMS = ("neat_ram", "ga_pixels", "random_search")


def task_for(game: str, observation: str, cap: int) -> Any:
    from topoevo.tasks.atari import AtariParams, AtariTask, Observation

    return AtariTask(AtariParams(game=game, observation=Observation(observation), max_episode_frames=cap,
                                 held_out_episodes=30))


class RandomPolicy:
    """Uniform random action values (seeded): the argmax is a uniform random action."""

    def __init__(self, outputs: int, seed: int = 0):
        import torch

        self.outputs, self.seed, self.size = outputs, seed, 1
        self.gen = torch.Generator().manual_seed(seed)

    def reset(self) -> None:
        self.gen.manual_seed(self.seed)

    def __call__(self, obs: Any) -> Any:
        import torch

        return torch.rand(obs.shape[0], obs.shape[1], self.outputs, generator=self.gen)


@dataclass(frozen=True)
class Reeval:
    """The champion pick, the same for every method (Such et al. 2017 re-evaluate their top candidates): the ``top``
    best candidates of the whole run by their single training episode play ``episodes`` more episodes each (the
    same episodes for all of them: common random numbers), and the champion is the best mean of those. Its frames
    count in the run's budget: training stops ``top * episodes * cap`` frames short of it."""

    top: int = 3
    episodes: int = 5

    def reserve(self, cap: int) -> int:
        return self.top * self.episodes * cap


def identity(candidate: Any) -> Any:
    """What makes two snapshots the same network (an elite copied into the next generation is one candidate)."""
    from topoevo.search.seed_chain import SeedChain

    return candidate.seeds if isinstance(candidate, SeedChain) else candidate.key


def train(algo: Any, task: Any, seed: int, frames: int, reeval: Reeval, cap: int) -> tuple[dict[str, Any], Any]:
    """Ask/tell until the training frames reach ``frames - reeval.reserve(cap)``, then pick the champion by
    re-evaluating the best candidates (:class:`Reeval`); returns the figures and the champion."""
    from topoevo.evaluate.seeds import derive_seeds

    used, cpu0, curve = 0, time.process_time(), []
    pool: list[tuple[float, int, Any]] = []  # (training score, order seen, snapshot): the run's best, deduplicated
    seen = 0
    while used < frames - reeval.reserve(cap):
        cands = algo.ask()
        res = task.evaluate(algo.compile_fn(cands), derive_seeds(seed, algo.generation, len(cands)))
        used += res.info["frames"]
        f = np.asarray(res.fitness, dtype=np.float64)
        curve.append(float(f.max()))
        for i in np.argsort(-f, kind="stable")[:reeval.top].tolist():
            snap = algo.snapshot(i, float(f[i]))
            same = [k for k, (_, _, c) in enumerate(pool) if identity(c) == identity(snap)]
            if same and pool[same[0]][0] >= f[i]:
                continue
            pool = [e for k, e in enumerate(pool) if k not in same] + [(float(f[i]), seen, snap)]
            seen += 1
        pool = sorted(pool, key=lambda e: (-e[0], e[1]))[:reeval.top]
        algo.tell(res.fitness)
        log.info("generation %d: best %.1f, mean %.1f; %d of %d training frames, %.0f CPU s", algo.generation,
                 f.max(), f.mean(), used, frames - reeval.reserve(cap), time.process_time() - cpu0)
    train_frames, train_cpu = used, time.process_time() - cpu0
    champion, reeval_scores, reeval_frames = pick_champion(algo, task, [c for _, _, c in pool], seed, reeval)
    used += reeval_frames
    cpu = time.process_time() - cpu0
    return {"frames_used": used, "training_frames": train_frames, "reeval_frames": reeval_frames,
            "cpu_s": round(cpu, 2), "training_cpu_s": round(train_cpu, 2), "fps": round(used / cpu, 1),
            "generations": algo.generation, "evaluations": algo.evaluations,
            "best_training": [round(c, 2) for c in curve],
            "reeval": [{"training": round(t, 2), "reeval_mean": round(r, 3)} for (t, _, _), r in
                       zip(pool, reeval_scores)]}, champion


def pick_champion(algo: Any, task: Any, pool: list[Any], seed: int, reeval: Reeval
                  ) -> tuple[Any, list[float], int]:
    """The best of ``pool`` by its mean over ``reeval.episodes`` more episodes (the same episode seeds for all;
    ties: the better training score, i.e. the earlier in ``pool``); returns it, the means and the frames used."""
    from topoevo.evaluate.seeds import derive_seeds

    episodes = derive_seeds(seed + 7_919, 10**6, reeval.episodes)  # a stream training never draws
    repeated = [c for c in pool for _ in range(reeval.episodes)]
    res = task.evaluate(algo.compile_fn(repeated), np.tile(episodes, len(pool)))
    means = np.asarray(res.fitness, dtype=np.float64).reshape(len(pool), reeval.episodes).mean(axis=1)
    best = int(np.argmax(means))  # first maximum: the better training score
    return pool[best], [float(m) for m in means], int(res.info["frames"])


def neat_run(game: str, seed: int, frames: int, cap: int, pop: int, reeval: Reeval, save: Path | None
             ) -> dict[str, Any]:
    from topoevo.config import load_config
    from topoevo.neat.algorithm import NEAT
    from topoevo.run import fit_genome_to_task

    task_file = ROOT / "tasks" / f"atari_{game}_ram.toml"
    config = load_config(task_file, {"task": {"max_episode_frames": cap}, "neat": {"pop_size": pop}})
    task = task_for(game, "ram", cap)
    algo = NEAT(fit_genome_to_task(config, task), seed)
    out, champ = train(algo, task, seed, frames, reeval, cap)
    out["score"] = float(task.held_out_return(algo.compile_fn([champ]))[0])
    out["champion_nodes"], out["champion_connections"] = len(champ.nodes), champ.num_enabled()
    if save is not None:
        algo.save_candidate(champ, save / f"atari_{game}_ram.json", {
            "task": "atari", "task_file": f"tasks/atari_{game}_ram.toml", "seed": seed,
            "generation": algo.generation, "evaluations": algo.evaluations, "solved": False,
            "champion_test": {"held_out_return": out["score"], "held_out_episodes": 30,
                              "max_episode_frames": cap}})
    return out


def chain_run(kind: str, game: str, seed: int, frames: int, cap: int, pop: int, truncation: int, sigma: float,
              reeval: Reeval, save: Path | None) -> dict[str, Any]:
    from topoevo.search.dqn import DQNSpec
    from topoevo.search.seed_chain import DeepGA, DeepGAParams, SeedRandomSearch

    task = task_for(game, "pixels", cap)
    cls = DeepGA if kind == "ga" else SeedRandomSearch
    algo = cls(DQNSpec(task.num_outputs), DeepGAParams(pop_size=pop, truncation=truncation, sigma=sigma), seed)
    out, champ = train(algo, task, seed, frames, reeval, cap)
    out["score"] = float(task.held_out_return(algo.compile_fn([champ]))[0])
    out["chain_length"] = len(champ.seeds)
    if save is not None and kind == "ga":
        path = save / "seed_chains" / f"atari_{game}_pixels_ga.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        champ.save(path, {"task": "atari", "task_file": f"tasks/atari_{game}_pixels.toml", "game": game, "observation": "pixels", "max_episode_frames": cap,
                          "seed": seed, "generation": algo.generation, "evaluations": algo.evaluations,
                          "frames": out["frames_used"], "held_out_return": out["score"], "held_out_episodes": 30})
        out["file_bytes"] = path.stat().st_size
    return out


def merge(name: str, parts: list[str], argv: list[str], load_before: tuple[float, ...]) -> dict[str, Any]:
    """Combine partial results (other games, seeds or algorithms) into one results file. Parts may give the
    algorithms different budgets: ``frames`` and ``settings`` are then per algorithm (the runs being compared,
    deep GA and random search, must share theirs)."""
    import json

    from benchmarks.atari_common import RESULTS

    games: dict[str, Any] = {}
    frames: dict[str, set[int]] = {}
    settings: dict[str, dict[str, Any]] = {}
    seeds: set[int] = set()
    partial_meta = []
    episode_frames = set()
    for part in parts:
        d = json.loads((RESULTS / f"{part}.json").read_text())
        partial_meta.append(d["meta"])
        seeds |= set(seed_list(d["meta"]["seeds"]))
        episode_frames.add(d["episode_frames"])
        for key, entry in d["games"].items():
            into = games.setdefault(key, {"random_policy": None, "published": PUBLISHED.get(key, {}), "runs": {}})
            if into["random_policy"] is None:
                into["random_policy"] = entry["random_policy"]
            elif entry["random_policy"] not in (None, into["random_policy"]):
                raise SystemExit(f"{part}: another random-policy score for {key}")
            for a, runs in entry["runs"].items():
                into["runs"].setdefault(a, []).extend(runs)
                frames.setdefault(a, set()).add(d["frames"])
                if settings.setdefault(a, d["settings"]) != d["settings"]:
                    raise SystemExit(f"{part}: other {a} settings than an earlier part")
    if len(episode_frames) != 1 or any(len(f) != 1 for f in frames.values()):
        raise SystemExit("parts differ in their episode cap or in one algorithm's frame budget")
    for entry in games.values():
        entry["runs"] = {a: entry["runs"][a] for a in ALGORITHMS if a in entry["runs"]}
        for a, runs in entry["runs"].items():
            runs.sort(key=lambda r: r["seed"])
            entry[a] = [r["score"] for r in runs]
    budget = {a: f.pop() for a, f in frames.items()}
    result = {"frames": budget if len(set(budget.values())) > 1 else next(iter(budget.values())),
              "episode_frames": episode_frames.pop(), "games": games, "settings": settings, "parts": partial_meta}
    return finish(name, result, ["benchmarks/atari.py"] + argv, sorted(seeds), load_before)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--games", default=GAMES)
    ap.add_argument("--frames", type=int, default=80_000, help="training frames per run")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--seed-start", type=int, default=0, help="first seed (to split seeds over processes)")
    ap.add_argument("--merge", default=None, help="comma-separated partial results names to merge into --name")
    ap.add_argument("--episode-frames", type=int, default=1500, help="frame cap of every episode")
    ap.add_argument("--neat-pop", type=int, default=30)
    ap.add_argument("--ga-pop", type=int, default=16)
    ap.add_argument("--truncation", type=int, default=4)
    ap.add_argument("--sigma", type=float, default=0.002)
    ap.add_argument("--reeval-top", type=int, default=3, help="candidates re-evaluated for the champion pick")
    ap.add_argument("--reeval-episodes", type=int, default=5, help="episodes of each re-evaluation")
    ap.add_argument("--algorithms", default="neat_ram,ga_pixels,random_search")
    ap.add_argument("--skip-random-policy", action="store_true",
                    help="do not test the random policy (a partial run whose merge takes it from another part)")
    ap.add_argument("--save-champions", default=None, help="directory for the seed-0 champions (e.g. genomes)")
    ap.add_argument("--progress", action="store_true", help="log every generation (best, mean, frames, CPU s)")
    ap.add_argument("--name", default="atari", help="results file name (benchmarks/results/NAME.json)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    load_before = os.getloadavg()
    if args.merge:
        return merge(args.name, args.merge.split(","), argv if argv is not None else sys.argv[1:], load_before)
    seeds = list(range(args.seed_start, args.seed_start + args.seeds))
    algos = args.algorithms.split(",")
    reeval = Reeval(args.reeval_top, args.reeval_episodes)
    games: dict[str, Any] = {}
    for game in [g.strip() for g in args.games.split(",") if g.strip()]:
        from topoevo.tasks.atari import rom_id

        key = rom_id(game)
        task = task_for(key, "ram", args.episode_frames)
        rp = None if args.skip_random_policy else float(task.held_out_return(RandomPolicy(task.num_outputs))[0])
        entry: dict[str, Any] = {"random_policy": rp, "published": PUBLISHED.get(key, {}),
                                 "runs": {a: [] for a in algos}}
        for seed in seeds:
            save = Path(args.save_champions) if (args.save_champions and seed == 0) else None
            log.warning("%s seed %d: random policy %s", key, seed, rp)
            for a in algos:
                if a == "neat_ram":
                    r = neat_run(key, seed, args.frames, args.episode_frames, args.neat_pop, reeval, save)
                else:
                    r = chain_run("ga" if a == "ga_pixels" else "rs", key, seed, args.frames, args.episode_frames,
                                  args.ga_pop, args.truncation, args.sigma, reeval, save)
                entry["runs"][a].append({"seed": seed, **r})
                log.warning("%s seed %d %s: score %.2f (random %s), %d frames, %.0f CPU s", key, seed, a,
                            r["score"], rp, r["frames_used"], r["cpu_s"])
        for a in algos:
            entry[a] = [r["score"] for r in entry["runs"][a]]
        games[key] = entry
    result = {"frames": args.frames, "episode_frames": args.episode_frames, "games": games,
              "settings": {"neat_pop": args.neat_pop, "ga_pop": args.ga_pop, "truncation": args.truncation,
                           "sigma": args.sigma, "held_out_episodes": 30, "reeval_top": args.reeval_top,
                           "reeval_episodes": args.reeval_episodes}}
    return finish(args.name, result, ["benchmarks/atari.py"] + (argv if argv is not None else sys.argv[1:]),
                  seeds, load_before)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO if "--progress" in sys.argv else logging.WARNING, format="%(message)s")
    main()
