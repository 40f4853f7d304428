"""RESULTS.md section: what a checkpoint costs next to an XOR run (benchmarks/checkpoint_cost.py)."""
from __future__ import annotations

import json
from pathlib import Path

ORDER = 281  # 100 + issue 18 x 10, + 1
TITLE = "Checkpoint cost: writing and reading one, next to an XOR run"
COMMAND = "python benchmarks/checkpoint_cost.py --seeds 10 --repeats 5"


def _load(x: list[float] | None) -> str:
    return f"{x[0]:.1f}" if x else "?"


def render(results_dir: Path) -> str:
    path = Path(results_dir) / "checkpoint_cost.json"
    if not path.exists():
        return f"## {TITLE}\n\n`{COMMAND}`: not yet measured (no `benchmarks/results/checkpoint_cost.json`).\n"
    d = json.loads(path.read_text(encoding="utf-8"))
    meta = d.get("meta", {})
    machine = meta.get("machine", {})
    line = json.dumps({k: v for k, v in d.items() if k != "meta"})
    share = 100 * d["write_read_share"]
    before = 100 * d["legacy_write_read_share"]
    verdict = f"met ({share:.1f}%)" if share <= 5 else f"not met ({share:.1f}%, from {before:.0f}%)"
    return f"""## {TITLE}

`{meta.get('command', COMMAND)}` -- measured {meta.get('date', '?')} at commit {meta.get('commit', '?')};
{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores; load average {_load(meta.get('load_before'))} before.

tasks/xor.toml runs (seeds 0-9, run directory in RAM) to the end, then their final checkpoint written
(`Run.checkpoint`) and read back (`read_checkpoint` + `NEAT.from_state_dict`) several times; process CPU
milliseconds, medians over the seeds. The same state in the older layout (population and species representatives
as genome objects, species as a list of objects; still read) is measured in the same process.

| layout | write | read | size | (write + read) / XOR run |
| --- | ---: | ---: | ---: | ---: |
| genome columns (base64 arrays, no pickle) | {d['write_ms']:.2f} ms | {d['read_ms']:.2f} ms | {d['bytes']:,.0f} B | {100 * d['write_read_share']:.1f}% |
| genome objects (before issue 18) | {d['legacy_write_ms']:.2f} ms | {d['legacy_read_ms']:.2f} ms | {d['legacy_bytes']:,.0f} B | {100 * d['legacy_write_read_share']:.1f}% |

XOR run: median {d['run_cpu_ms']:.0f} ms CPU including its own two checkpoint writes (generation 0 and final);
`Run.resume` as a whole: {d['resume_ms']:.2f} ms. Goal (issue 18): write + read <= 5% of an XOR run:
{verdict}. The population is read straight into a population store (views, no gene objects). Since
the issue-18 follow-up (c18) the genome columns are format version 2: integer columns in their narrowest width,
a column whose rows all hold one value stored as that value (XOR: bias, response, aggregation), and every genome
invariant checked in one compiled pass (topoevo/genome/columns_kernels.py); NEAT's species-size history is four
integer arrays instead of a list of objects. Version-1 checkpoints are still read (tests/test_columns_format.py).

Second follow-up (r18), profiled before and after (cProfile and process-CPU loops per part):
- NEAT's species are one table of arrays (`algorithm.species`, format `topoevo.species_table` version 1:
  topoevo/neat/species_table.py) instead of one JSON object per species, read without a typed-reader call per
  field; the list of species objects of older checkpoints is still read, other table versions are refused in
  one line naming the file and field (tests/test_species_table.py).
- The base64 arrays go into the checkpoint text as they are (`topoevo.files.json_text`: the same text as
  `json.dumps`, property-tested): CPython's JSON encoder escapes strings at about 0.3 GB/s, which was a third
  of encoding a checkpoint.
- Smaller: genome-file fields read through exact-type fast paths (the best genome), the counter check no longer
  gathers representatives that are population members, and store building without `np.isin`.
- Measured and not taken: the best genome as a one-genome columns object. Per checkpoint it cost 233 us to
  write and 158 us to read against 60 us and 250 us as a genome object: the columns' fixed cost per column
  outweighs one genome's genes.
- Same session, alternating with the commit before (16ce644), 2 rounds, load average about 4: write + read
  4.36 and 4.39 ms before, 3.85 and 3.82 ms after (0.88). Applied to the quiet 3.18 ms of the last quiet
  measurement that is about 2.8 ms, 4.7% of its 59 ms run. Under load the share itself moves with the run's
  own CPU time (59-82 ms per run in these rounds), so that projection was provisional.
- Measured quietly afterwards (load average about 1, four runs of the command above in a row, the last is the
  table's): write + read 2.79-2.94 ms, as projected, but the XOR run itself now takes 51-54 ms instead of 59
  (a quieter machine or small speed-ups since; not separated), so the share is 5.2%-5.5%: still above 5%.

What remains is spread thin: base64 decoding (CPython's decoder runs at about 0.25 GB/s, ~0.2 ms for the
population), the compiled invariant check (~0.14 ms), JSON parsing of the config, best genome and champion,
building the store views, the species-size history, and the atomic file replacement.

`{line}`
"""
