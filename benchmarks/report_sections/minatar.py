"""RESULTS.md section of benchmarks/minatar.py: NEAT on MinAtar's five games at a small frame budget, against
random play, with the paper's DQN and AC(lambda) figures beside it."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

ORDER = 231  # issue 13
COMMAND = "python benchmarks/minatar.py --seeds 3 --frames 250000"


def render(results_dir: Path) -> str:
    """The section as markdown (a line saying "not yet measured" when the results file is missing)."""
    path = Path(results_dir) / "minatar.json"
    title = "## MinAtar: NEAT at a small frame budget (issue 13)\n\n"
    if not path.exists():
        return f"{title}`{COMMAND}`: not yet measured (no `benchmarks/results/minatar.json`).\n"
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = data.get("meta", {})
    frames = data["frames"]
    rows = [f"| game | NEAT held-out score per seed ({frames / 1e6:g}M frames) | mean | random play | beats random "
            "on every seed | DQN 1M / 5M frames | AC(lambda) 1M / 5M frames |", "|---|---|---|---|---|---|---|"]
    source = ""
    for game, g in data["games"].items():
        pub = g["published"]
        source = pub.get("source", source)
        rows.append(f"| {game} | {', '.join(f'{s:.2f}' for s in g['topoevo_score'])} | "
                    f"{statistics.mean(g['topoevo_score']):.2f} | {g['random_score']:.2f} | "
                    f"{'yes' if g['beats_random_every_seed'] else 'no'} | {pub['dqn_1M']:g} / {pub['dqn_5M']:g} | "
                    f"{pub['ac_lambda_1M']:g} / {pub['ac_lambda_5M']:g} |")
    return (f"{title}`{meta.get('command', COMMAND)}`\n\n*Measured* {meta.get('date', '?')} at commit "
            f"{meta.get('commit', '?')}, seeds {meta.get('seeds')}; {meta.get('machine', {})}; load average "
            f"{meta.get('load_before', ['?'])[0]} before, {meta.get('load_after', ['?'])[0]} after.\n\n"
            + "\n".join(rows) + f"""

NEAT (tasks/minatar_<game>.toml: 100 channel-summed inputs, minimal action set, population 100, 2 episodes per
genome; Freeway population 50, 1 episode) runs until its training episodes used {frames:,} frames
({frames / 5e6:.0%} of the paper's 5M); the best genome by training fitness then plays 100 held-out episodes (the
same ones for every seed and for uniform random play). Episodes are capped at 2,500 steps (Freeway's own limit).

Published figures: {source}. They are **not** like for like: the paper's agents learn online for 1M or 5M frames
(the figure is the moving average of training returns), with the full action set of 6; ours is an evolved
champion's held-out mean at a budget {1e6 / frames:g} to {5e6 / frames:g} times smaller. They are beside ours for scale, not as a comparison won
or lost.
""")
