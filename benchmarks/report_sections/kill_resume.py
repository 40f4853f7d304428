"""RESULTS.md section: crash safety, SIGKILL + resume (benchmarks/kill_resume.py)."""
from __future__ import annotations

from pathlib import Path

from benchmarks.report_sections._markdown import command, json_line, load, not_measured, provenance

ORDER = 80
TITLE = "Crash safety: killed and resumed runs"
COMMAND = "python benchmarks/kill_resume.py --trials 20"


def render(results_dir: Path) -> str:
    d = load(results_dir, "kill_resume")
    if d is None:
        return not_measured(TITLE, COMMAND, "kill_resume")
    return f"""## {TITLE}

`{command(d)}` -- {provenance(d)}

`topoevo run` (XOR, population 150, `checkpoint_every = 1`, {d['generations']} generations) SIGKILLed 1-3 times per
trial at seeded random moments (start-up, anywhere in the run, or while a checkpoint's temporary file exists) and
continued with `topoevo resume` until finished. A trial counts as identical when `stats.jsonl`, `champion.json`,
`config.json`, `summary.json`, `checkpoint.json` (wall-clock figures aside) and the set of files equal those of the
uninterrupted run.

**{d['identical']}/{d['trials']} trials identical**; {d['kills']} kills, {d['kills_mid_write']} of them during a file
write, {d['restarts']} before the generation-0 checkpoint (directory deleted and the run started again). Which
kill moments a trial reaches depends on timing, so repeated runs differ in their kill counts.

{json_line(d)}
"""
