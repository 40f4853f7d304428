"""Same seed, same run across two commits: runs task files at a base revision and at another (default: the working
tree) and compares ``stats.jsonl`` and ``champion.json`` byte for byte (a refactor must change neither).

    python benchmarks/behaviour_diff.py d5519b9 --rev wip/a20 --runs xor:0:300 wine_mlp_ga:0:10

Each run is ``TASK:SEED:GENERATIONS`` (``tasks/TASK.toml``). Each revision is checked out into a temporary git
worktree and run with its own sources first on PYTHONPATH. The last line is one JSON object:
``{"base": ..., "rev": ..., "identical": k, "runs": n, "differing": [...]}``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RUNS = ["xor:0:300", "cartpole:0:20", "double_pole_velocities:0:15", "wine_mlp_ga:0:10",
                "wine_mlp_es:0:10", "wine_neat_lamarckian:0:5"]
COMPARED = ("stats.jsonl", "champion.json")


def run_all(src: Path, runs: list[str], out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(src)}
    for spec in runs:
        task, seed, generations = spec.split(":")
        subprocess.run([sys.executable, "-m", "topoevo", "run", f"tasks/{task}.toml", "--seed", seed,
                        "--generations", generations, "--out", str(out / spec), "--no-progress"],
                       cwd=src, env=env, capture_output=True, check=False)


def checkout(rev: str, where: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(where), rev], check=True)
    return where


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base", help="the revision to compare against")
    p.add_argument("--rev", default=None, help="the other revision (default: the working tree)")
    p.add_argument("--runs", nargs="+", default=DEFAULT_RUNS, metavar="TASK:SEED:GENERATIONS")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        trees = [checkout(args.base, tmp_path / "base")]
        trees.append(checkout(args.rev, tmp_path / "rev") if args.rev else ROOT)
        try:
            for name, src in zip(("base", "rev"), trees):
                run_all(src, args.runs, tmp_path / f"out_{name}")
            differing = []
            for spec in args.runs:
                for f in COMPARED:
                    a, b = tmp_path / "out_base" / spec / f, tmp_path / "out_rev" / spec / f
                    if not (a.exists() and b.exists() and a.read_bytes() == b.read_bytes()):
                        differing.append(f"{spec}/{f}")
        finally:
            for tree in trees:
                if tree != ROOT:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    result = {"base": args.base, "rev": args.rev or "working tree", "runs": len(args.runs),
              "identical": sum(all(f"{s}/{f}" not in differing for f in COMPARED) for s in args.runs),
              "differing": differing}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
