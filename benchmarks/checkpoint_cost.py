"""What a checkpoint costs next to the XOR run it belongs to: writing one (``Run.checkpoint``) and reading one
back (``read_checkpoint`` + ``NEAT.from_state_dict``; and the whole ``Run.resume``), in process CPU time, for the
genome-columns layout and, in the same process, for the older layout (population and species representatives as
genome objects), which topoevo still reads.

    python benchmarks/checkpoint_cost.py [--seeds 10] [--repeats 10]

Each seed: tasks/xor.toml run to the end (run directory in RAM, as benchmarks/xor.py does; the run itself writes
its generation-0 and final checkpoints), then ``repeats`` writes and reads of its final checkpoint. Medians over
seeds. Last line: one JSON object (also written to benchmarks/results/checkpoint_cost.json).
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.scale import write_results  # noqa: E402
from benchmarks.xor import default_run_dir  # noqa: E402


def legacy_state(algo_state: dict) -> dict:
    """The NEAT state in the layout of checkpoints written before the genome columns."""
    from topoevo.genome.columns import genomes_from_columns
    from topoevo.genome.io import genome_to_dict

    state = dict(algo_state)
    population = genomes_from_columns(state["population"], ValueError)
    reps = genomes_from_columns(state.pop("representatives"), ValueError)
    state["population"] = [genome_to_dict(g) for g in population]
    by_key = {g.key: g for g in population}
    from topoevo.neat.species_table import read_species_table, species_objects

    species = species_objects(read_species_table(state["species"], ValueError))
    state["species"] = [{**{k: v for k, v in s.items() if k != "representative_member"},
                         "representative": genome_to_dict(by_key[s["representative_member"]])
                         if s["representative_member"] is not None else None if s["representative"] is None else
                         genome_to_dict(reps[s["representative"]])} for s in species]
    return state


def cpu_ms(fn, repeats: int) -> float:
    c = time.process_time()
    for _ in range(repeats):
        fn()
    return (time.process_time() - c) / repeats * 1e3


def measure(seed: int, repeats: int, run_dir: str | None) -> dict:
    from topoevo.checkpoint import read_checkpoint, write_checkpoint
    from topoevo.config import Config, load_config
    from topoevo.neat import NEAT
    from topoevo.run import Run

    config = load_config(ROOT / "tasks" / "xor.toml", {"run": {"progress": False, "checkpoint_every": 0, "seed": seed}})
    with tempfile.TemporaryDirectory(dir=run_dir) as tmp:
        out = Path(tmp) / "run"
        c = time.process_time()
        run = Run.start(config, out=out, reporters=[])
        run.loop()
        run_ms = (time.process_time() - c) * 1e3
        row = {"run_ms": run_ms, "generations": run.algo.generation}
        row["write_ms"] = cpu_ms(run.checkpoint, repeats)
        data = read_checkpoint(out)
        cfg = Config.from_dict(data["config"])
        row["read_ms"] = cpu_ms(lambda: NEAT.from_state_dict(cfg, read_checkpoint(out)["algorithm"]), repeats)
        row["resume_ms"] = cpu_ms(lambda: Run.resume(out, reporters=[]), repeats)
        row["bytes"] = (out / "checkpoint.json").stat().st_size
        # the older layout, same state
        old = {k: v for k, v in data.items() if k not in ("schema", "version", "_path")}
        old["algorithm"] = legacy_state(data["algorithm"])
        legacy_dir = Path(tmp) / "legacy"
        legacy_dir.mkdir()
        row["legacy_write_ms"] = cpu_ms(lambda: write_checkpoint(legacy_dir, old), repeats) + \
            cpu_ms(lambda: legacy_state(run.algo.state_dict()), repeats)  # (its genome dicts built as before)
        row["legacy_read_ms"] = cpu_ms(lambda: NEAT.from_state_dict(cfg, read_checkpoint(legacy_dir)["algorithm"]),
                                       repeats)
        row["legacy_bytes"] = (legacy_dir / "checkpoint.json").stat().st_size
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--run-dir", default=default_run_dir())
    args = ap.parse_args()
    import os

    import torch

    load_before = list(os.getloadavg())
    torch.set_num_threads(1)
    measure(10_000, 1, args.run_dir)  # warm-up
    gc.collect()
    gc.freeze()  # as `topoevo run` does after its imports
    rows = []
    for seed in range(args.seeds):
        rows.append(measure(seed, args.repeats, args.run_dir))
        r = rows[-1]
        print(f"seed {seed}: run {r['run_ms']:.1f} ms CPU ({r['generations']} generations); checkpoint write "
              f"{r['write_ms']:.2f} + read {r['read_ms']:.2f} ms ({r['bytes']:,} bytes); resume {r['resume_ms']:.2f}"
              f" ms | older layout: write {r['legacy_write_ms']:.2f} + read {r['legacy_read_ms']:.2f} ms "
              f"({r['legacy_bytes']:,} bytes)", flush=True)

    def med(key: str) -> float:
        return round(statistics.median(r[key] for r in rows), 3)

    result = {"run_cpu_ms": med("run_ms"), "write_ms": med("write_ms"), "read_ms": med("read_ms"),
              "resume_ms": med("resume_ms"), "bytes": med("bytes"),
              "write_read_share": round(statistics.median((r["write_ms"] + r["read_ms"]) / r["run_ms"]
                                                          for r in rows), 4),
              "legacy_write_ms": med("legacy_write_ms"), "legacy_read_ms": med("legacy_read_ms"),
              "legacy_bytes": med("legacy_bytes"),
              "legacy_write_read_share": round(statistics.median(
                  (r["legacy_write_ms"] + r["legacy_read_ms"]) / r["run_ms"] for r in rows), 4)}
    write_results("checkpoint_cost", {**result, "_load_before": load_before}, sys.argv)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
