"""Flappy Bird: the champion in genomes/flappy_bird.json on 100 held-out episodes (mean pipes passed, the step
info's ``score`` at each episode's end; the issue's goal is 50), against random play on the same episodes, with the
run that evolved it (its command and figures, from the champion's metadata: ``evolved``).

Writes ``metadata.replay`` into the champion file when ``--write-replay`` is given (the figures
tests/test_zoo_games.py replays), and benchmarks/results/flappy_bird.json; the last line is that JSON object.

    python benchmarks/flappy_bird.py --episodes 100
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

CHAMPION = ROOT / "genomes" / "flappy_bird.json"
GOAL = 50.0
QUICK_EPISODES = 3


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--episodes", type=int, default=100)
    p.add_argument("--seed", type=int, default=0, help="held-out seed")
    p.add_argument("--champion", default=str(CHAMPION))
    p.add_argument("--write-replay", action="store_true", help="record the figures in the champion's metadata")
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    from benchmarks.minatar import RandomPlay
    from benchmarks.results_io import start, write_results
    from topoevo.cli import load_champion
    from topoevo.evaluate import compile_genomes
    from topoevo.files import write_json_atomic

    session = start()
    genome, meta, task, _ = load_champion(args.champion)
    policy = compile_genomes([genome])
    scores = task.held_out_return(policy, episodes=args.episodes, seed=args.seed)[0]
    quick = task.held_out_return(policy, episodes=QUICK_EPISODES, seed=args.seed)[0]
    rand = task.held_out_return(RandomPlay(1, task.num_outputs, 0), episodes=args.episodes, seed=args.seed)[0]
    quick_rand = task.held_out_return(RandomPlay(1, task.num_outputs, 0), episodes=QUICK_EPISODES, seed=args.seed)[0]
    task.close()
    replay = {"held_out_seed": args.seed, "quick_episodes": QUICK_EPISODES, "quick_held_out_return": float(quick),
              "quick_random_return": float(quick_rand), "held_out_episodes": args.episodes,
              "held_out_return": float(scores), "random_return": float(rand)}
    if args.write_replay:
        data = json.loads(Path(args.champion).read_text(encoding="utf-8"))
        data["metadata"]["replay"] = replay
        write_json_atomic(Path(args.champion), data)
    result = {"champion": str(Path(args.champion).relative_to(ROOT)) if Path(args.champion).is_absolute() else
              args.champion, "task_file": meta.get("task_file"), "goal": GOAL,
              "held_out_pipes": float(scores), "random_pipes": float(rand), "episodes": args.episodes,
              "met": bool(scores >= GOAL), "evolved": meta.get("evolved", {}),
              "hidden": genome.num_hidden, "connections": genome.num_enabled()}
    write_results("flappy_bird", result, sys.argv if argv is None else ["benchmarks/flappy_bird.py", *argv],
                  seeds=[int(meta.get("seed", 0))], session=session)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
