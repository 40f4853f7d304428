"""RESULTS.md is generated: it equals what benchmarks/report.py renders from benchmarks/results/*.json, every
results file carries its meta record, and every section renders (a missing results file -> "not yet measured")."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import report
from benchmarks.results_io import META_KEYS, read_results, seeds_text, start, write_results

ROOT = Path(__file__).resolve().parents[1]


def test_results_md_is_generated_from_the_results_files():
    current = report.RESULTS_MD.read_text(encoding="utf-8")
    assert current == report.render(), "benchmarks/RESULTS.md is stale: run `python benchmarks/report.py`"


def test_report_check_mode(tmp_path):
    out = tmp_path / "RESULTS.md"
    assert report.main(["--output", str(out), "--check"]) == 1  # missing file: stale
    assert report.main(["--output", str(out)]) == 0
    assert report.main(["--output", str(out), "--check"]) == 0
    out.write_text(out.read_text() + "hand-edited\n")
    assert report.main(["--output", str(out), "--check"]) == 1


def test_every_results_file_has_its_meta_record():
    files = sorted(report.RESULTS_DIR.glob("*.json"))
    assert files
    for path in files:
        meta = read_results(path)["meta"]
        assert set(META_KEYS) - {"source"} <= set(meta), path.name  # "source": only converted figures need it
        assert meta["commit"] and meta["date"] and meta["command"], path.name


def test_sections_are_ordered_and_render_without_results(tmp_path):
    mods = report.section_modules()
    orders = [m.ORDER for m in mods]
    assert orders == sorted(orders)
    assert [m.ORDER for m in mods if m.ORDER < 100] == sorted(set(m.ORDER for m in mods if m.ORDER < 100))
    for mod in mods:
        text = mod.render(tmp_path)  # empty results directory
        assert text.startswith("## "), mod.__name__
        assert "not yet measured" in text or "no results file" in text.lower(), mod.__name__


def test_a_section_module_without_order_is_refused(tmp_path, monkeypatch):
    import benchmarks.report_sections as pkg

    bad = tmp_path / "sections"
    bad.mkdir()
    (bad / "broken.py").write_text("def render(results_dir):\n    return '## x'\n")
    monkeypatch.setattr(pkg, "__path__", [str(bad)])
    with pytest.raises(TypeError, match="ORDER"):
        report.section_modules()


def test_write_results_records_meta_and_load(tmp_path):
    session = start()
    path = write_results("demo", {"x": 1}, ["benchmarks/demo.py", "--seeds", "3"], seeds=range(3), session=session,
                         directory=tmp_path)
    data = json.loads(path.read_text())
    assert data["x"] == 1
    meta = data["meta"]
    assert meta["seeds"] == "0-2" and meta["command"] == "python benchmarks/demo.py --seeds 3"
    assert meta["load_before"] == session.load_before and meta["machine"]["cores"] >= 1
    assert meta["source"] is None
    assert not list(tmp_path.glob("*.tmp"))
    assert seeds_text([5]) == "5"
