"""RESULTS.md section: issue 18's "nothing else slows" -- every timing figure before the array store and now
(benchmarks/regressions.py)."""
from __future__ import annotations

import json
from pathlib import Path

from benchmarks.regressions import NOISE, QUIET_LOAD, Row, compare
from benchmarks.report_sections._markdown import not_measured, table

ORDER = 285  # 100 + issue 18 x 10, + 5
TITLE = "Nothing else slows (issue 18): every timing figure before the array store and now"
COMMAND = "python benchmarks/regressions.py"


def _fig(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _load(x: float | None) -> str:
    return "?" if x is None else f"{x:.1f}"


def _row(r: Row) -> list[str]:
    f = r.figure
    change = "-" if r.change is None else f"{r.change:.2f}"
    note = "; ".join(x for x in (r.note, r.stale) if x) or ""
    return [f"{f.label} (`{f.file[:-5]}`)", f.basis, f"{f.better} is better", _fig(r.before), _fig(r.after), change,
            r.verdict, f"{_load(r.load_before)} / {_load(r.load_after)}", note]


def _revision_ab(results_dir: Path) -> str:
    """The same-session check of the reference-path rows (benchmarks/revision_ab.py), when measured."""
    path = results_dir / "revision_ab.json"
    if not path.exists():
        return ("Same-session check of the reference path (`python benchmarks/revision_ab.py`): not yet measured.\n")
    d = json.loads(path.read_text(encoding="utf-8"))
    m = d["meta"]
    rows = [[f"XOR ablation {case}", f"{c['before_median_cpu_s']:.3f}", f"{c['now_median_cpu_s']:.3f}",
             f"{c['cpu_ratio_now_over_before']:.2f}",
             ", ".join(f"{n['median_cpu_s'] / b['median_cpu_s']:.2f}"
                       for b, n in zip(c["rounds"]["before"], c["rounds"]["now"])),
             "yes" if c["same_evaluations"] else "no"]
            for case, c in d["cases"].items()]
    spread = max((max(r) - min(r) for r in ([n["median_cpu_s"] / b["median_cpu_s"] for b, n in
                                              zip(c["rounds"]["before"], c["rounds"]["now"])]
                                             for c in d["cases"].values())), default=0.0)
    return f"""**Reference path, both commits in one session** (`{m['command']}`, {m['date']}, seeds {m['seeds']},
load average {_load((m.get('load_before') or [None])[0])} before): the XOR runs of the ablations that were
"slower" in CPU time above, run at {d['before_commit']} and now, alternating the two sides, so both share the
machine's load. Median CPU per run (median over rounds); identical evaluation counts = the same runs.

{table(["case", "CPU s before", "CPU s now", "now / before", "per round", "same evaluations"], rows)}
The rounds of one case disagree by up to {spread:.0%} here (measured under load): a lead for the quiet machine
(`python benchmarks/revision_ab.py`, all cases, 10 seeds x 2 rounds), not a verdict.

{_reference_ops(results_dir)}"""


def _reference_ops(results_dir: Path) -> str:
    """Where the reference path's time goes, operation by operation (benchmarks/reference_ops.py), and why."""
    path = results_dir / "reference_ops.json"
    if not path.exists():
        return "Per operation (`python benchmarks/reference_ops.py`): not yet measured.\n"
    d = json.loads(path.read_text(encoding="utf-8"))
    m = d["meta"]
    rows = [[op, f"{o['before_ms']:.3f}", f"{o['now_ms']:.3f}", f"{o['ratio']:.2f}",
             ", ".join(f"{n[op] / b[op]:.2f}" for b, n in zip(d["rounds"]["before"], d["rounds"]["now"]))]
            for op, o in d["ops"].items()]
    return f"""**Why: the reference path's operations one by one** (`{m['command']}`, {m['date']}, load average
{_load((m.get('load_before') or [None])[0])} before; the same population of {d['rounds']['now'][0]['genomes']}
genomes on both sides: {'yes' if d['same_population'] else 'no'}). CPU ms over the whole population, the minimum
of the repeats, median over rounds, each side in its own process, alternating:

{table(["operation", "ms before", "ms now", "now / before", "per round"], rows)}
Diagnosis (r18): compiling and the compatibility distance cost the same; what every generation pays more for is
node-gene objects. Since issue 17 a node gene carries 11 fields instead of 6 (a CTRNN time constant and the
Izhikevich a, b, c, d, kept at their defaults by every other network), so each node gene copied (`Genome.copy`
for every child, crossover, mutation's copies) is built, traversed by the garbage collector and freed as a bigger
object: the copy-heavy rows above, about a third of a reference-path generation, so about 5% of a run. The
garbage collector adds about 2.6%: xor.py runs topoevo with the collector unfrozen (`--gc peer`); the number of
collections is the same (tie_smaller seeds 0-2: 516, 46 and 3), but the full ones walk about 257k objects
instead of 170k (1,645 modules imported instead of 1,208: numba and the store kernels) and the young ones bigger
gene objects (measured with `gc.callbacks`: 0.68 s against 0.56 s of 4.4 s). The rest of the whole-run
difference in the table above is within its round-to-round spread. Not changed: the clean fix (the five
dynamical attributes in one optional slot, or set only when a CTRNN or Izhikevich genome uses them) changes
`NodeGene`'s public fields and constructor, which the genome files, the checkpoint columns and the dynamics
compiler all use: a change of its own (with the bit-identity tests), left as the next step. The default
path (the array store) builds no gene objects and is unaffected. One small part fixed: `GenomeConfig.node_model`,
read once per mutated genome, no longer goes through `Enum.value` (0.36 to 0.12 us a call; same results).
"""


def render(results_dir: Path) -> str:
    path = Path(results_dir) / "regressions.json"
    if not path.exists():
        return not_measured(TITLE, COMMAND, "regressions")
    d = json.loads(path.read_text(encoding="utf-8"))
    rows = compare(d["files"], results_dir)
    slower = [r for r in rows if r.verdict == "slower"]
    stale = [r for r in rows if r.stale]
    wall_loaded = [r for r in rows if r.figure.basis == "wall" and "not comparable" in r.verdict]
    rerun = sorted({(r.figure.file, (d["files"].get(r.figure.file) or {}).get("record") and
                     json.loads((Path(results_dir) / r.figure.file).read_text(encoding="utf-8"))["meta"]
                     .get("command")) for r in stale + wall_loaded if (Path(results_dir) / r.figure.file).exists()})
    commands = "\n".join(f"- `{file}`: `{cmd}`" for file, cmd in rerun if cmd) or "- (none)"
    listed = ", ".join(f"{r.figure.label} (`{r.figure.file}`)" for r in slower) or "none"
    return f"""## {TITLE}

`{d['meta']['command']}` -- "before" = the results files at commit {d['before_commit']} (main just before
`Merge wip/a18`, which brought the array store), read with `git show`; "after" = the results files as they are
now (this table is rebuilt from them whenever RESULTS.md is generated). No benchmark is re-run by this script.

**change** is the slow-down factor: after / before for figures where lower is better, before / after where
higher is better (so > 1 = slower now, < 1 = faster). **verdict**: within {NOISE['cpu']:.0%} (CPU time, same-run
ratios) or {NOISE['wall']:.0%} (wall-clock) of 1 = "same within noise". **load**: 1-minute load average before
each side's measurement (2 cores): a wall-clock figure measured with a load above {QUIET_LOAD:g} on either side is
marked "not comparable"; CPU time and same-run ratios are affected less, but still move under load (shared
caches, frequency), so a CPU-time "slower" under load on both sides is a lead to re-measure, not a verdict.
Rows of results files that were never re-measured say so (their before and after are the same measurement).

{table(["figure", "basis", "", "before", "after", "change", "verdict", "load before / after", "note"],
       [_row(r) for r in rows])}
**Slower beyond noise**: {listed}.

{_revision_ab(Path(results_dir))}
**Stale "after" figures** (converted from older results, or not re-measured since before the array store):
{len(stale)} rows. Wall-clock rows measured under load: {len(wall_loaded)}. Commands to re-run on the quiet
machine for these (from each results file's meta record; then `python benchmarks/report.py`):

{commands}
"""
