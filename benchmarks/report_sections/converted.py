"""RESULTS.md section: which results files still hold figures converted from older hand-written results (not
re-measured), generated from their meta records so it stays true as benchmarks are re-run."""
from __future__ import annotations

import json
from pathlib import Path

from benchmarks.report_sections._markdown import is_legacy, table

ORDER = 1
TITLE = "Figures converted from older results, not re-measured"


def render(results_dir: Path) -> str:
    rows = []
    for path in sorted(Path(results_dir).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if is_legacy(data):
            meta = data.get("meta", {})
            rows.append([f"`{path.name}`", meta.get("date", "?"), meta.get("commit", "?"), meta.get("source", "?")])
    if not rows:
        return (f"## {TITLE}\n\nNo results file holds converted figures: every figure below was measured by its "
                f"benchmark script (or is not yet measured).\n")
    return f"""## {TITLE}

These results files were converted by `benchmarks/convert_legacy.py` from the hand-written results of earlier
sessions and have not been re-measured since (their sections say so beside each figure); every other figure in this
file was measured by its benchmark script, with the commit, seeds and machine load in its meta record. A row
disappears from this list when its benchmark is re-run.

{table(["results file", "measured", "commit", "converted from"], rows)}"""
