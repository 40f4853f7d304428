"""Crash safety under random kills: ``topoevo run`` is SIGKILLed at random moments (seeded), possibly several times
per trial, and continued with ``topoevo resume`` until it finishes; a trial counts as identical when the final run
directory equals that of an uninterrupted run of the same seed: ``stats.jsonl`` line for line, ``champion.json``
and ``config.json`` byte for byte, ``summary.json`` and ``checkpoint.json`` except their wall-clock figures, and
the same set of files (no stale temporaries).

    python benchmarks/kill_resume.py --trials 20

Task: XOR, population 150, a checkpoint after every generation, ``--generations`` generations (the settings do not
solve XOR that fast, so most runs last the full budget; a run that solves simply ends earlier, same check). Kill
moments are drawn from a seeded generator: during start-up (within a second of launch), at a random point of the
run's progress (a random generation ahead, then a random fraction of a generation), or during a checkpoint write
(its temporary file exists) from a random generation on; progress is read from ``stats.jsonl`` so the moments do
not depend on the machine's load. A kill before the generation-0 checkpoint leaves no checkpoint: as
``topoevo resume`` says then, the directory is deleted and the run started again (counted as ``restarts``).
Real processes (``python -m topoevo.cli``), nothing in-process. Last line: one JSON object
``{"trials", "identical", ...}``.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINT = "checkpoint.json"

TASK = """[task]
name = "xor"
[run]
seed = {seed}
generations = {generations}
checkpoint_every = 1
progress = false
[neat]
pop_size = 150
[genome]
weight_min = -8.0
weight_max = 8.0
"""


def launch(*argv: Any) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen([sys.executable, "-m", "topoevo.cli", *map(str, argv)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_to_end(*argv: Any) -> float:
    t0 = time.perf_counter()
    proc = launch(*argv)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"topoevo {' '.join(map(str, argv))} failed: {err.decode()}")
    return time.perf_counter() - t0


def outcome(run_dir: Path) -> dict[str, Any]:
    summary = json.loads((run_dir / "summary.json").read_text())
    for key in ("wall_s", "run_dir"):
        summary.pop(key)
    checkpoint = json.loads((run_dir / CHECKPOINT).read_text())
    checkpoint["run"].pop("wall_s")
    return {"stats": (run_dir / "stats.jsonl").read_text().splitlines(),
            "champion": (run_dir / "champion.json").read_text(), "config": (run_dir / "config.json").read_text(),
            "summary": summary, "checkpoint": checkpoint, "files": sorted(p.name for p in run_dir.iterdir())}


def checkpoint_generation(run_dir: Path) -> int | None:
    try:
        return json.loads((run_dir / CHECKPOINT).read_text())["algorithm"]["generation"]
    except (OSError, ValueError, KeyError):
        return None


def stats_lines_since(run_dir: Path, launched_ns: int) -> int:
    """Lines of ``stats.jsonl`` once the current process has written to it (0 before: stale lines of a killed
    process, which the resumed one cuts back first, do not count)."""
    try:
        st = (run_dir / "stats.jsonl").stat()
        if st.st_mtime_ns <= launched_ns:
            return 0
        return (run_dir / "stats.jsonl").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def writing(run_dir: Path) -> bool:
    try:
        return any(n.startswith(".") and n.endswith(".tmp") for n in os.listdir(run_dir))
    except FileNotFoundError:
        return False


def trial(task_file: Path, run_dir: Path, rng: random.Random, max_kills: int, generations: int,
          generation_s: float) -> dict[str, Any]:
    """Kill the run 1..max_kills times at random moments, then let it finish; returns what happened.

    Each kill picks a moment: during start-up (a random time within the first second after launch: interpreter
    and torch import, reading the checkpoint), or at a random point of the run's progress (a random generation
    ahead, then a random fraction of a generation's time), or during the first checkpoint write from a random
    generation on. Progress is read from ``stats.jsonl``, so kill moments do not depend on the machine's load."""
    kills, restarts, mid_write, at_kill, modes = 0, 0, 0, [], []
    for _ in range(rng.randint(1, max_kills)):
        fresh = not (run_dir / CHECKPOINT).exists()
        done = 0 if fresh else (checkpoint_generation(run_dir) or 0)
        mode = rng.choices(["startup", "progress", "checkpoint_write"], weights=[1, 5, 3])[0]
        target = rng.randint(done + 1, generations) if done < generations else generations
        extra = rng.uniform(0.0, generation_s)
        startup = rng.uniform(0.0, 1.0)
        launched_ns = time.time_ns()
        t0 = time.perf_counter()
        proc = launch("run", task_file, "--out", run_dir) if fresh else launch("resume", run_dir)
        while proc.poll() is None:
            if mode == "startup":
                hit = time.perf_counter() - t0 >= startup
            elif mode == "progress":
                hit = stats_lines_since(run_dir, launched_ns) >= target
                if hit:
                    time.sleep(extra)
            else:
                hit = stats_lines_since(run_dir, launched_ns) >= target and writing(run_dir)
            if hit:
                break
            time.sleep(0.0005)
        if proc.poll() is not None:  # finished before the kill moment: no more kills in this trial
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "failed")
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        modes.append(mode)
        mid_write += writing(run_dir)  # killed while writing a checkpoint / champion / summary (or cutting a log)
        at_kill.append(checkpoint_generation(run_dir))
        if not (run_dir / CHECKPOINT).exists():  # killed before the generation-0 checkpoint: start again
            shutil.rmtree(run_dir, ignore_errors=True)
            restarts += 1
    if (run_dir / CHECKPOINT).exists():
        run_to_end("resume", run_dir)
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
        run_to_end("run", task_file, "--out", run_dir)
    return {"kills": kills, "restarts": restarts, "mid_write": mid_write, "checkpoints_at_kill": at_kill,
            "modes": modes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0, help="seed of the kill times")
    ap.add_argument("--run-seeds", type=int, default=4, help="distinct run seeds (trial i uses seed i mod this)")
    ap.add_argument("--generations", type=int, default=25)
    ap.add_argument("--max-kills", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="kill_resume_") as tmp:
        base = Path(tmp)
        references: dict[int, tuple[dict[str, Any], float]] = {}
        for s in range(min(args.run_seeds, args.trials)):
            task_file = base / f"xor_s{s}.toml"
            task_file.write_text(TASK.format(seed=s, generations=args.generations))
            wall = run_to_end("run", task_file, "--out", base / f"reference_s{s}")
            timing_log = (base / f"reference_s{s}" / "timing.jsonl").read_text().splitlines()
            timing = [json.loads(x)["wall_s"] for x in timing_log]
            references[s] = (outcome(base / f"reference_s{s}"), sum(timing) / len(timing))
            print(f"reference seed {s}: {len(references[s][0]['stats'])} generations, process wall {wall:.2f} s, "
                  f"{references[s][1]:.3f} s per generation", flush=True)
        identical, total_kills, total_restarts, total_mid_write = 0, 0, 0, 0
        for t in range(args.trials):
            s = t % len(references)
            reference, generation_s = references[s]
            run_dir = base / f"trial_{t}"
            info = trial(base / f"xor_s{s}.toml", run_dir, rng, args.max_kills, len(reference["stats"]), generation_s)
            same = outcome(run_dir) == reference
            identical += same
            total_kills += info["kills"]
            total_restarts += info["restarts"]
            total_mid_write += info["mid_write"]
            print(f"trial {t:2d} (seed {s}): {info['kills']} kills {info['modes']} (checkpoint generation after "
                  f"each {info['checkpoints_at_kill']}, {info['restarts']} restarts, {info['mid_write']} left a "
                  f"half-written file) -> {'identical' if same else 'DIFFERENT'}", flush=True)
            shutil.rmtree(run_dir)
    print(f"{identical}/{args.trials} trials identical to the uninterrupted run; {total_kills} kills "
          f"({total_mid_write} during a file write, {total_restarts} before the generation-0 checkpoint)")
    print(json.dumps({"trials": args.trials, "identical": identical, "kills": total_kills,
                      "kills_mid_write": total_mid_write, "restarts": total_restarts,
                      "generations": args.generations, "seed": args.seed}))


if __name__ == "__main__":
    main()
