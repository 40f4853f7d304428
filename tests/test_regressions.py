"""benchmarks/regressions.py: the before/after comparison of timing figures (verdicts, load notes, stale rows)."""
from __future__ import annotations

import json

from benchmarks.regressions import FIGURES, compare, file_record


def _write(d, name, values, load, date="2026-12-05T20:00:00Z", source=None):
    data = {**values, "meta": {"date": date, "commit": "x", "load_before": [load], "source": source,
                               "command": f"python benchmarks/{name}"}}
    (d / name).write_text(json.dumps(data))
    return data


def test_verdicts_follow_direction_noise_and_load(tmp_path):
    before = {"xor.json": {"record": file_record({"meta": {"date": "2026-12-01", "load_before": [1.0]}}),
                           "values": {"median_cpu_s": 0.10, "median_wall_s": 0.10, "wall_ratio": 4.0,
                                      "cpu_ratio": 4.0, "neat_python.median_cpu_s": 0.5}}}
    _write(tmp_path, "xor.json", {"median_cpu_s": 0.13, "median_wall_s": 0.105, "wall_ratio": 8.0, "cpu_ratio": 3.9,
                                  "neat_python": {"median_cpu_s": 0.5}}, load=5.0)
    rows = {r.figure.path: r for r in compare(before, tmp_path) if r.figure.file == "xor.json"}
    assert rows["median_cpu_s"].verdict == "slower" and abs(rows["median_cpu_s"].change - 1.3) < 1e-9
    assert rows["median_wall_s"].verdict == "same within noise (not comparable)"  # load 5 > 3 on one side
    assert rows["wall_ratio"].verdict == "faster" and rows["wall_ratio"].change == 0.5  # higher is better
    assert rows["cpu_ratio"].verdict == "same within noise"
    assert all(r.stale == "" for r in rows.values())


def test_unchanged_and_converted_files_are_stale(tmp_path):
    same = _write(tmp_path, "envs.json", {"cartpole": {"ratio": 0.78}}, load=9.0)
    _write(tmp_path, "nas.json", {"cpu_s_per_seed": [1.0, 2.0, 3.0]}, load=1.0, source="`x.md` (git abc)")
    before = {"envs.json": {"record": file_record(same), "values": {"cartpole.ratio": 0.78}},
              "nas.json": {"record": file_record({"meta": {"date": "old", "source": "`x.md` (git abc)"}}),
                           "values": {"cpu_s_per_seed.*": 2.0}}}
    rows = {r.figure.path: r for r in compare(before, tmp_path) if r.figure.file in ("envs.json", "nas.json")}
    assert rows["cartpole.ratio"].verdict == "not re-measured" and "not re-measured" in rows["cartpole.ratio"].stale
    assert rows["cpu_s_per_seed.*"].after == 2.0 and "converted" in rows["cpu_s_per_seed.*"].stale


def test_every_figure_names_a_basis_and_direction():
    assert FIGURES and all(f.basis in ("cpu", "ratio", "wall") and f.better in ("lower", "higher") for f in FIGURES)
