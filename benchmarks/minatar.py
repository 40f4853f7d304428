"""MinAtar (Young & Tian 2019): NEAT on the five games at a small frame budget, against random play and next to the
paper's DQN and actor-critic figures.

For each game and seed 0..N-1: NEAT with the game's task file (tasks/minatar_<game>.toml: channel-summed 10x10
inputs, minimal action set, sticky actions 0.1, episodes capped at 2,500 steps) runs generation after generation
until the environment frames of its training episodes reach ``--frames``; the best genome it saw (by training
fitness) then plays 100 held-out episodes (the same episodes for every seed and for random play). ``random_score``
is uniform random play on those episodes. Frames are counted like the paper's: every environment step of training.

Published figures (``published``): Young & Tian 2019 (arXiv:1903.03176), learning curves of the MinAtar README
(img/learning_curves.gif, the paper's Figure 2: moving average of training returns over 100 episodes, 30 runs,
full action set of 6, Seaquest before v1.0.11). The paper gives curves, not a table: the values are read off the
plot by eye at 1M and 5M frames (about +-1 on Breakout/Seaquest/Asterix, +-2 on Freeway, +-5 on Space Invaders),
for DQN (smaller network than Mnih et al. 2015) and AC(lambda=0.8).

The last line is one JSON object: ``{"frames": F, "games": {"breakout": {"topoevo_score": [per seed],
"random_score": x, "published": {...}}, ...}, "meta": {...}}``, also written to benchmarks/results/minatar.json.

    python benchmarks/minatar.py --seeds 3 --frames 300000
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
# run as a script, this file's directory comes first on sys.path and this file would shadow the minatar package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.envs import write_results  # noqa: E402

GAMES = ["asterix", "breakout", "freeway", "seaquest", "space_invaders"]
HELD_OUT_EPISODES = 100
# Young & Tian 2019, Figure 2 (read off by eye): {game: {"dqn_1M", "dqn_5M", "ac_lambda_1M", "ac_lambda_5M"}}
PUBLISHED = {
    "asterix": {"dqn_1M": 10, "dqn_5M": 17, "ac_lambda_1M": 1, "ac_lambda_5M": 19},
    "breakout": {"dqn_1M": 9, "dqn_5M": 10, "ac_lambda_1M": 9, "ac_lambda_5M": 17.5},
    "freeway": {"dqn_1M": 48, "dqn_5M": 50, "ac_lambda_1M": 0, "ac_lambda_5M": 47},
    "seaquest": {"dqn_1M": 1, "dqn_5M": 20, "ac_lambda_1M": 1, "ac_lambda_5M": 15},
    "space_invaders": {"dqn_1M": 30, "dqn_5M": 43, "ac_lambda_1M": 35, "ac_lambda_5M": 185},
}
SOURCE = ("Young & Tian 2019, MinAtar, arXiv:1903.03176, Figure 2 / README img/learning_curves.gif (read off by "
          "eye; 30 runs; full action set; Seaquest before v1.0.11)")


class RandomPlay:
    """Uniform random actions as a batched policy: random outputs, so the task's argmax picks a uniform action."""

    def __init__(self, size: int, num_outputs: int, seed: int):
        import torch

        self.size, self.num_outputs = size, num_outputs
        self.generator = torch.Generator().manual_seed(seed)

    def reset(self) -> None:
        pass

    def __call__(self, obs: Any) -> Any:
        import torch

        return torch.rand(self.size, obs.shape[1], self.num_outputs, generator=self.generator)


def evolve(game: str, seed: int, frames: int) -> dict[str, Any]:
    """NEAT on one game until its training episodes have used ``frames`` frames; the best genome's held-out score."""
    from topoevo.config import load_config
    from topoevo.evaluate import compile_genomes, derive_seeds
    from topoevo.neat import NEAT
    from topoevo.run import build_task, fit_genome_to_task

    config = load_config(ROOT / "tasks" / f"minatar_{game}.toml")
    task = build_task(config)
    algo = NEAT(fit_genome_to_task(config, task), seed=seed)
    used, c0 = 0, time.process_time()
    while used < frames:
        genomes = algo.ask()
        result = task.evaluate(compile_genomes(genomes), derive_seeds(seed, algo.generation, len(genomes)))
        used += int(result.info["steps"])
        algo.tell(result.fitness)
    champion = algo.best
    score = float(task.held_out_return(compile_genomes([champion]), episodes=HELD_OUT_EPISODES, seed=0)[0])
    task.close()
    return {"score": score, "frames": used, "generations": algo.generation, "training_fitness": champion.fitness,
            "hidden": champion.num_hidden, "cpu_s": time.process_time() - c0}


def random_score(game: str) -> float:
    from topoevo.config import load_config
    from topoevo.run import build_task

    task = build_task(load_config(ROOT / "tasks" / f"minatar_{game}.toml"))
    score = float(task.held_out_return(RandomPlay(1, task.num_outputs, seed=0), episodes=HELD_OUT_EPISODES,
                                       seed=0)[0])
    task.close()
    return score


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--frames", type=int, default=300_000, help="training frames per game and seed")
    p.add_argument("--games", nargs="*", default=GAMES, choices=GAMES)
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    games: dict[str, Any] = {}
    for game in args.games:
        runs = [evolve(game, seed, args.frames) for seed in range(args.seeds)]
        rand = random_score(game)
        games[game] = {"topoevo_score": [r["score"] for r in runs], "random_score": rand,
                       "beats_random_every_seed": all(r["score"] > rand for r in runs),
                       "frames_used": [r["frames"] for r in runs], "generations": [r["generations"] for r in runs],
                       "cpu_s": [r["cpu_s"] for r in runs], "hidden": [r["hidden"] for r in runs],
                       "published": {**PUBLISHED[game], "source": SOURCE}}
        print(game, json.dumps(games[game]), file=sys.stderr)
    results = {"frames": args.frames, "held_out_episodes": HELD_OUT_EPISODES, "games": games}
    write_results("minatar", results, sys.argv if argv is None else ["benchmarks/minatar.py", *argv],
                  seeds=list(range(args.seeds)))
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
