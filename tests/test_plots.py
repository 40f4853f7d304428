"""Pictures of a real run: `topoevo plot` (fitness, species, champion) and `topoevo draw` (PNG, SVG, DOT)."""
from __future__ import annotations

import json
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given

from strategies import PROPERTY, genomes
from topoevo.cli import main
from topoevo.config import load_config
from topoevo.genome.genes import NodeKind
from topoevo.genome.io import load_genome
from topoevo.report.draw import genome_to_dot, layout_genome
from topoevo.run import Run

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def parse_svg(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg"), root.tag
    return root


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A real, short XOR run (several species, hidden nodes likely)."""
    out = tmp_path_factory.mktemp("plots") / "xor"
    config = load_config(ROOT / "tasks" / "xor.toml", {"run": {"generations": 8, "progress": False,
                                                               "checkpoint_every": 0, "seed": 3},
                                                       "neat": {"pop_size": 60}})
    Run.start(config, out=out).loop()
    return out


def test_plot_writes_three_valid_pictures(run_dir, capsys):
    pytest.importorskip("matplotlib")
    assert main(["plot", str(run_dir)]) == 0
    printed = capsys.readouterr().out
    for name in ("fitness.png", "species.png", "champion.png"):
        w, h = png_size(run_dir / name)
        assert w >= 400 and h >= 300, (name, w, h)
        assert f"wrote {run_dir / name}" in printed
    assert not list(run_dir.glob("*.tmp*"))


def test_plot_to_another_directory_as_svg(run_dir, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "pics"
    assert main(["plot", str(run_dir), "-o", str(out), "--format", "svg"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["champion.svg", "fitness.svg", "species.svg"]
    for p in out.iterdir():
        parse_svg(p)


def test_draw_png_svg_dot(run_dir, tmp_path):
    champion = run_dir / "champion.json"
    g = load_genome(champion)
    dot = tmp_path / "g.dot"
    assert main(["draw", str(champion), "-o", str(dot)]) == 0
    text = dot.read_text()
    assert text.startswith("digraph genome {") and text.rstrip().endswith("}")
    edges = re.findall(r"^\s*n(\d+) -> n(\d+) \[(.*)\];$", text, flags=re.MULTILINE)
    assert sorted((int(a), int(b)) for a, b, _ in edges) == sorted((c.in_node, c.out_node) for c in g.conns.values())
    assert sum("style=dashed" in attrs for _, _, attrs in edges) == len(g.conns) - g.num_enabled()
    for n in g.nodes:
        assert re.search(rf"^\s*n{n} \[label=", text, flags=re.MULTILINE)
    pytest.importorskip("matplotlib")
    svg, png = tmp_path / "g.svg", tmp_path / "g.png"
    assert main(["draw", str(champion), "-o", str(svg)]) == 0
    assert main(["draw", str(champion), "-o", str(png)]) == 0
    parse_svg(svg)
    png_size(png)


def test_bad_input_is_one_line_exit_2(run_dir, tmp_path, capsys):
    assert main(["draw", str(run_dir / "champion.json"), "-o", str(tmp_path / "g.jpeg")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ".jpeg" in err
    assert main(["plot", str(tmp_path)]) == 2
    assert "stats.jsonl" in capsys.readouterr().err
    assert main(["draw", str(run_dir / "stats.jsonl"), "-o", str(tmp_path / "g.dot")]) == 2


def test_plot_reads_stats_with_a_torn_last_line(run_dir, tmp_path):
    pytest.importorskip("matplotlib")
    from topoevo.report.plots import plot_run, read_stats

    copy = tmp_path / "run"
    copy.mkdir()
    lines = (run_dir / "stats.jsonl").read_text()
    (copy / "stats.jsonl").write_text(lines + '{"generation": 99, "best_fi')
    records = read_stats(copy)
    assert [r["generation"] for r in records] == [json.loads(x)["generation"] for x in lines.splitlines()]
    assert [p.name for p in plot_run(copy)] == ["fitness.png", "species.png"]  # no champion.json: no drawing


@PROPERTY
@given(genomes())
def test_layout_is_layered_left_to_right(g):
    lay = layout_genome(g)
    last = lay.num_layers - 1
    for n, node in g.nodes.items():
        if node.kind.is_sensor:
            assert lay.layer[n] == 0
        elif node.kind is NodeKind.OUTPUT:
            assert lay.layer[n] == last
        else:
            assert 0 < lay.layer[n] < last
    assert len(set(lay.pos.values())) == len(g.nodes)  # no two nodes on one spot
    if g.feed_forward:  # every link leaves a node of a lower column, unless it starts at an output
        for c in g.conns.values():
            if g.nodes[c.in_node].kind is not NodeKind.OUTPUT:
                assert lay.layer[c.in_node] < lay.layer[c.out_node]
    assert genome_to_dot(g).count(" -> ") == len(g.conns)


def test_tensorboard_reporter(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "tb"
    assert main(["run", str(ROOT / "tasks" / "xor.toml"), "--generations", "3", "--seed", "1", "--tensorboard",
                 "--no-progress", "--out", str(out)]) == 0
    acc = EventAccumulator(str(out / "tensorboard"))
    acc.Reload()
    tags = acc.Tags()["scalars"]
    assert {"fitness/best", "fitness/mean", "species/count", "evaluations"} <= set(tags)
    records = [json.loads(x) for x in (out / "stats.jsonl").read_text().splitlines()]
    best = [e.value for e in acc.Scalars("fitness/best")]
    assert best == pytest.approx([r["best_fitness"] for r in records], rel=1e-6)
    assert json.loads((out / "config.json").read_text())["run"]["tensorboard"] is True
