"""RESULTS.md section: the Flappy Bird champion on 100 held-out episodes (benchmarks/flappy_bird.py)."""
from __future__ import annotations

from pathlib import Path

from benchmarks.report_sections._markdown import command, load, not_measured, provenance

ORDER = 231  # issue 13
TITLE = "Flappy Bird: pipes passed by the champion (issue 13)"
COMMAND = "python benchmarks/flappy_bird.py --episodes 100"


def render(results_dir: Path) -> str:
    d = load(results_dir, "flappy_bird")
    if d is None:
        return not_measured(TITLE, COMMAND, "flappy_bird")
    run = d.get("evolved") or {}
    how = ""
    if run:
        how = (f"\nEvolved by `{run.get('command', '?')}` (seed {run.get('seed', '?')}): solved at generation "
               f"{run.get('generation', '?')} after {run.get('evaluations', '?'):,} evaluations, "
               f"{run.get('wall_s', 0):.0f} s of wall time under the load above.\n")
    verdict = "met" if d["met"] else "not met"
    return f"""## {TITLE}

`{command(d, COMMAND)}` -- {provenance(d)}

`{d['champion']}` ({d['task_file']}; {d['hidden']} hidden nodes, {d['connections']} connections): mean pipes passed
over {d['episodes']} held-out episodes **{d['held_out_pipes']:.2f}** (goal >= {d['goal']:g}: {verdict}); random play
on the same episodes {d['random_pipes']:.2f}. Episodes are capped at 3,000 frames (at most 79 pipes).
{how}
The observation is `topoevo/FlappyBird-v0`: the game's 12-value state rewritten relative to the pipe the bird must
pass next (docs/games.md). On the raw state, where a passed pipe stays first until it leaves the screen, the
earlier champion (200 generations) passed 1.83 pipes on average.
"""
