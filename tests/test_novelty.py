"""Novelty search, NSLC and MAP-Elites: sparseness against brute force, the archive's threshold rules, elites, runs
resumed bit-identically, the heat map, and a task whose descriptors have the wrong length."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from topoevo.cli import main
from topoevo.config import Config
from topoevo.config.novelty import NoveltyConfig
from topoevo.novelty.archive import NoveltyArchive, knn_sparseness
from topoevo.novelty.mapelites import MAPElites
from topoevo.novelty.search import NSLC, NoveltyNEAT
from topoevo.run import Run
from topoevo.tasks.base import BehaviourSpace, EvalResult
from topoevo.tasks.registry import register
from topoevo.tasks.xor import XORParams, XORTask
from test_run_loop import assert_same_run


# ---- sparseness, archive ------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(0, 10), st.integers(1, 3), st.integers(1, 20), st.integers(0, 2**31))
def test_sparseness_is_the_mean_distance_to_the_k_nearest(n: int, m: int, dim: int, k: int, seed: int):
    rng = np.random.default_rng(seed)
    pop = rng.integers(0, 5, (n, dim)).astype(float)  # small integers: many ties
    ref = np.concatenate([pop, rng.integers(0, 5, (m, dim)).astype(float)])
    got, nn = knn_sparseness(pop, ref, k, exclude_self=True)
    for i in range(n):
        d = sorted(float(np.linalg.norm(pop[i] - ref[j])) for j in range(len(ref)) if j != i)[:k]
        assert got[i] == pytest.approx(sum(d) / len(d) if d else 0.0)
        assert [float(np.linalg.norm(pop[i] - ref[j])) for j in nn[i]] == pytest.approx(d)
        assert i not in nn[i].tolist()


def test_archive_threshold_rises_after_many_additions_and_falls_after_idle_generations():
    a = NoveltyArchive(NoveltyConfig(threshold=2.0, lower_after=3, raise_count=2), size=1)
    assert a.add(np.array([[0.0], [1.0], [2.0]]), np.array([3.0, 5.0, 1.0]), np.zeros(3)) == 2
    assert a.threshold == pytest.approx(2.4) and len(a) == 2
    for _ in range(2):
        assert a.add(np.array([[9.0]]), np.array([1.0]), np.zeros(1)) == 0
    assert a.threshold == pytest.approx(2.4)
    a.add(np.array([[9.0]]), np.array([1.0]), np.zeros(1))  # the third idle generation
    assert a.threshold == pytest.approx(2.4 * 0.95) and a.idle == 0
    b = NoveltyArchive(NoveltyConfig(threshold=0.3, threshold_floor=0.29, lower_after=1), size=1)
    b.add(np.array([[0.0]]), np.array([0.0]), np.zeros(1))  # an empty archive takes its first behaviour
    assert len(b) == 1 and b.threshold == 0.3
    b.add(np.array([[0.0]]), np.array([0.0]), np.zeros(1))
    assert b.threshold == 0.29  # floor


def small_config(algorithm: str, generations: int, **sections: dict[str, Any]) -> Config:
    data: dict[str, Any] = {
        "task": {"name": "hardmaze", "timesteps": 40},
        "run": {"algorithm": algorithm, "generations": generations, "checkpoint_every": 2, "progress": False},
        "neat": {"pop_size": 16}, "novelty": {"k": 5, "threshold": 3.0},
        "mutation": {"add_node_rate": 0.2, "add_connection_rate": 0.3}, "map_elites": {"cells": [6, 6]}}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return Config.from_dict(data)


def sized(cfg: Config, low: list[float], high: list[float]) -> Config:
    """``cfg`` with the maze's network sizes and the given behaviour bounds (what a run fills in from the task)."""
    return cfg.replace(genome=dataclasses.replace(cfg.genome, num_inputs=10, num_outputs=2),
                       behaviour=dataclasses.replace(cfg.behaviour, low=low, high=high))


@pytest.mark.parametrize("algorithm, extra", [("novelty", {}), ("nslc", {}), ("map_elites", {}),
                                              ("map_elites", {"map_elites": {"archive": "cvt", "cvt_cells": 12,
                                                                             "cvt_samples": 500}})])
def test_resume_equals_uninterrupted(tmp_path: Path, algorithm: str, extra: dict[str, Any]):
    Run.start(small_config(algorithm, 6, **extra), out=tmp_path / "a", seed=3).loop()
    Run.start(small_config(algorithm, 3, **extra), out=tmp_path / "b", seed=3).loop()
    Run.resume(tmp_path / "b", generations=6).loop()
    assert_same_run(tmp_path / "a", tmp_path / "b")
    state = json.loads((tmp_path / "a" / "checkpoint.json").read_text())["algorithm"]
    assert state["archive"]["points"]  # the archive is in the JSON checkpoint
    records = [json.loads(x) for x in (tmp_path / "a" / "stats.jsonl").read_text().splitlines()]
    assert len(records) == 6 and all(r["archive_size"] >= 1 for r in records)


def test_novelty_selection_ranks_by_sparseness_and_keeps_fitness(tmp_path: Path):
    cfg = sized(small_config("novelty", 1), [0.0], [10.0])
    algo = NoveltyNEAT(cfg, seed=0)
    b = np.arange(16.0)[:, None] ** 2  # sparser towards the end
    algo.observe({"behaviour": b})
    scores = algo.selection_scores(np.zeros(16))
    want, _ = knn_sparseness(b, b, 5, exclude_self=True)
    assert np.array_equal(scores, want)
    assert len(algo.archive) == int((want > 3.0).sum())
    algo2 = NSLC(cfg, seed=0)
    algo2.observe({"behaviour": b})
    fit = np.arange(16.0)  # the sparsest is also the fittest: alone on the first front
    ranks = algo2.selection_scores(fit)
    assert ranks[15] == ranks.max() and (ranks[:15] < ranks[15]).all()


def test_map_elites_keeps_the_best_genome_of_each_cell():
    cfg = sized(small_config("map_elites", 1), [0.0, 0.0], [6.0, 6.0])
    algo = MAPElites(cfg, seed=0)
    rng = np.random.default_rng(0)
    seen: dict[int, float] = {}
    for _ in range(5):
        b = rng.uniform(-1, 7, (16, 2))  # also outside the bounds: border cells
        f = rng.normal(size=16)
        batch = algo.ask()
        algo.observe({"behaviour": b})
        stats = algo.tell(f)
        for (x, y), v in zip(np.clip(np.floor(b), 0, 5).astype(int).tolist(), f.tolist()):
            seen[x * 6 + y] = max(seen.get(x * 6 + y, -np.inf), v)
        assert len(algo.ask()) == 16 and algo.ask() is not batch
    assert {c: g.fitness for c, g in algo.elites.items()} == seen
    assert stats.coverage == len(seen) / 36 and stats.qd_score == pytest.approx(sum(seen.values()))


def test_plot_draws_the_archive_heat_map(tmp_path: Path):
    pytest.importorskip("matplotlib")
    from topoevo.report.plots import plot_run

    Run.start(small_config("map_elites", 2), out=tmp_path / "r", seed=0).loop()
    written = plot_run(tmp_path / "r")
    assert tmp_path / "r" / "archive.png" in written and (tmp_path / "r" / "archive.png").stat().st_size > 1000


# ---- bad input --------------------------------------------------------------------------------------------------
class BadBehaviourParams(XORParams):
    """``[task]`` keys of the XOR task whose descriptors have 3 numbers where its space declares 2."""


class BadBehaviourTask(XORTask):
    def behaviour_space(self) -> BehaviourSpace:
        return BehaviourSpace((0.0, 0.0), (1.0, 1.0))

    def evaluate(self, policy, seeds) -> EvalResult:
        r = super().evaluate(policy, seeds)
        r.info["behaviour"] = np.zeros((len(seeds), 3))
        return r


register("bad_behaviour_xor", f"{__name__}:BadBehaviourParams:BadBehaviourTask")


def test_a_descriptor_of_the_wrong_length_is_one_line_naming_file_and_field(tmp_path: Path, capsys):
    toml = tmp_path / "bad.toml"
    toml.write_text('[task]\nname = "bad_behaviour_xor"\n[run]\nalgorithm = "novelty"\ngenerations = 2\n'
                    'progress = false\n[neat]\npop_size = 10\n')
    code = main(["run", str(toml), "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert str(toml) in lines[0] and "task.behaviour" in lines[0] and "length 3, expected 2" in lines[0]
    assert (tmp_path / "run" / "checkpoint.json").is_file()  # the generation-0 checkpoint is kept
