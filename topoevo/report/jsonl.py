"""Per-generation statistics as JSON lines: ``stats.jsonl`` (deterministic: same seed, same file) and
``timing.jsonl`` (wall-clock figures, which are not)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from topoevo.report.base import Reporter

if TYPE_CHECKING:
    from topoevo.run import Run


def truncate_jsonl(path: Path, before_generation: int) -> None:
    """Keep only the lines of generations < ``before_generation`` (what a resumed run will write again)."""
    if not path.exists():
        return
    keep = []
    for line in path.read_text().splitlines():
        try:
            if json.loads(line)["generation"] < before_generation:
                keep.append(line)
        except (ValueError, KeyError, TypeError):
            break  # a torn last line from a crash
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(k + "\n" for k in keep))
    tmp.replace(path)


class JSONLReporter(Reporter):
    """Appends one line per generation to ``stats.jsonl`` and ``timing.jsonl`` in the run directory."""

    def start(self, run: "Run", resumed: bool) -> None:
        self.stats_path = run.run_dir / "stats.jsonl"
        self.timing_path = run.run_dir / "timing.jsonl"
        for p in (self.stats_path, self.timing_path):
            truncate_jsonl(p, run.algo.generation)

    def generation(self, run: "Run", record: dict[str, Any], timing: dict[str, float]) -> None:
        with self.stats_path.open("a") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")
        with self.timing_path.open("a") as f:
            f.write(json.dumps({"generation": record["generation"], **timing}, sort_keys=True) + "\n")
