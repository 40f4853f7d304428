"""One-off converter: the figures of the hand-written RESULTS*.md files (before the results files existed) into
``benchmarks/results/<name>.json``, each marked with its original date and commit and the file it came from.

Used only where re-measuring is too expensive for one session (NAS: 42 min; scaling: needs an idle machine;
LunarLander's peer runs: 10 min a seed) or where another benchmark owner re-measures later; a re-measurement by the
benchmark script overwrites the converted file. Reads the files from git history, so it works after they are gone:

    python benchmarks/convert_legacy.py [--only nas scaling ...]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.results_io import Session, write_results  # noqa: E402

SOURCE_COMMIT = "d5519b9"  # the last commit with the hand-written files

# name: (file, text just before the JSON object, date measured, commit measured at, command, seeds)
LEGACY = {
    "xor": ("benchmarks/xor_100seeds.log", "seed  99:", "2026-12-01", "aca9a08",
            "python benchmarks/xor.py --seeds 100", "0-99"),
    "genome_ops": ("benchmarks/RESULTS.md", "| 8.2x |\n\n`", "2026-11-22", "f116433",
                   "python benchmarks/genome_ops.py", None),
    "forward": ("benchmarks/RESULTS_forward.md", "Last line of the quiet run:\n`", "2026-11-22", "0862408",
                "python benchmarks/forward.py", None),
    "weight_evolution": ("benchmarks/RESULTS_weights.md", "Last JSON line of the run above:\n", "2026-11-22",
                         "0862408", "python benchmarks/weight_evolution.py", None),
    "lunarlander": ("benchmarks/RESULTS_control.md", "lower bounds. The zoo champion `genomes/lunarlander.json` is "
                    "seed 0's.\n", "2026-12-01", "e0e5ab5",
                    "python benchmarks/lunarlander.py --seeds 3 --peer-budget-s 600", "0-2"),
    "scaling": ("benchmarks/RESULTS.md", "every run wrote the same `stats.jsonl` on all five evaluators.\n\n`",
                "2026-12-01", "aca9a08", "python benchmarks/scaling.py --generations 5", "0"),
    "kill_resume": ("benchmarks/RESULTS.md", "(41 kills, 17 mid-write; 38 kills, 20 mid-write).\n\n`", "2026-12-01",
                    "aca9a08", "python benchmarks/kill_resume.py --trials 20", "0-3"),
    "nas": ("benchmarks/RESULTS.md", "[201.1, 172.7, 244.9, 200.9, 274.2]`.\n\n`", "2026-12-01", "bdf5bf1",
            "nice -n 10 python benchmarks/nas.py --seeds 5 --jobs 2", "0-4"),
    "neat_backprop": ("benchmarks/RESULTS.md", "Whole script: 2.7 min.\n\n`", "2026-12-01", "4ac36b1",
                      "nice -n 10 python benchmarks/neat_backprop.py --seeds 3", "0-2"),
}


def legacy_object(path: str, marker: str) -> dict:
    text = subprocess.run(["git", "show", f"{SOURCE_COMMIT}:{path}"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout
    at = text.index(marker) + len(marker)
    at = text.index("{", at)
    obj, _ = json.JSONDecoder().raw_decode(text, at)
    return obj


def convert(name: str) -> Path:
    path, marker, date, commit, command, seeds = LEGACY[name]
    obj = legacy_object(path, marker)
    if name == "scaling":  # two runs of the same command: keep both
        first = obj
        text = subprocess.run(["git", "show", f"{SOURCE_COMMIT}:{path}"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout
        second_at = text.index("{", text.index(json.dumps(first)) + len(json.dumps(first)))
        obj = {"runs": [first, json.JSONDecoder().raw_decode(text, second_at)[0]]}
    out = write_results(name, obj, ["benchmarks/convert_legacy.py"], seeds=seeds,
                        session=Session(started_utc=date, load_before=[]), source=f"`{path}` (git {SOURCE_COMMIT})")
    obj["meta"].update(commit=commit, command=command, machine=None, load_after=[])
    out.write_text(json.dumps(obj, indent=1) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", choices=sorted(LEGACY), default=sorted(LEGACY))
    for name in ap.parse_args(argv).only:
        print(convert(name))


if __name__ == "__main__":
    main()
