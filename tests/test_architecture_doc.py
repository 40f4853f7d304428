"""docs/architecture.md's example algorithm is one file plus one registry line: written out as that file, with the
line added to the registry, it runs through ``python -m topoevo run`` and resumes bit-identically."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_docs import DOCS, FILE_MARK, ROOT, python_blocks
from topoevo.algorithm import ALGORITHMS
from topoevo.cli import main

#: the one registry line, added at interpreter start (a sitecustomize module on PYTHONPATH) so that the unmodified
#: ``python -m topoevo`` sees it, as it would see a line written into topoevo/algorithm.py
REGISTRY_LINE = 'ALGORITHMS["hill_climber"] = "hill_climber:HillClimber"'

TASK = """[task]
name = "xor"

[run]
algorithm = "hill_climber"
generations = {generations}
checkpoint_every = 2

[neat]
pop_size = 20
"""


def _topoevo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "topoevo", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)


def test_example_algorithm_runs_through_topoevo_run_and_resumes(tmp_path, monkeypatch):
    blocks = [b for b in python_blocks((DOCS / "architecture.md").read_text(encoding="utf-8")) if FILE_MARK.match(b)]
    assert len(blocks) == 1 and FILE_MARK.match(blocks[0]).group(1) == "hill_climber.py"
    (tmp_path / "hill_climber.py").write_text(blocks[0], encoding="utf-8")
    (tmp_path / "sitecustomize.py").write_text(f"from topoevo.algorithm import ALGORITHMS\n{REGISTRY_LINE}\n",
                                               encoding="utf-8")
    assert REGISTRY_LINE.split(" = ")[1] in (DOCS / "architecture.md").read_text(encoding="utf-8")
    for generations in (3, 6):
        (tmp_path / f"xor{generations}.toml").write_text(TASK.format(generations=generations), encoding="utf-8")
    part = _topoevo(tmp_path, "run", "xor3.toml", "--out", "part", "--no-progress")
    assert part.returncode == 0, part.stderr[-3000:]
    assert "generations 3, evaluations 60" in part.stdout
    # the same registry line in this process: resume the command's run, and run all 6 generations at once
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(ALGORITHMS, "hill_climber", "hill_climber:HillClimber")
    monkeypatch.chdir(tmp_path)
    assert main(["resume", "part", "--generations", "6", "--no-progress"]) == 0
    assert main(["run", "xor6.toml", "--out", "whole", "--no-progress"]) == 0
    lines = (tmp_path / "whole" / "stats.jsonl").read_text().splitlines()
    assert len(lines) == 6 and (tmp_path / "part" / "stats.jsonl").read_text().splitlines() == lines
    best = [json.loads(line)["best_fitness"] for line in lines]
    champion = json.loads((tmp_path / "whole" / "champion.json").read_text())
    assert champion["schema"] == "topoevo.genome" and champion["fitness"] == max(best)  # the parent: best ever
