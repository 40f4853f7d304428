"""NSGA-II over NEAT genomes: selection keeps distinct objective vectors first (property), the survivors' front is
non-dominated among everything evaluated and its hypervolume never falls, children come from NEAT's operators, and a
run writes pareto.json, resumes bit-identically and plots its front."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from topoevo.config import Config
from topoevo.nas.pareto import dominates, hypervolume, non_dominated_sort
from topoevo.neat.nsga2 import NEATNSGA2, distinct_survivors
from topoevo.run import Run

rows = st.integers(1, 25).flatmap(lambda n: st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)),
                                                     min_size=n, max_size=n))


@given(rows, st.integers(1, 25))
@settings(max_examples=60, deadline=None)
def test_distinct_survivors_take_each_objective_vector_once_before_any_copy(points, count):
    f = np.array(points, dtype=float)
    idx, rank, crowd = distinct_survivors(f, count)
    assert len(idx) == len(set(idx.tolist())) == min(count, len(f)) == len(rank) == len(crowd)
    distinct = {tuple(r) for r in f.tolist()}
    chosen = [tuple(f[i]) for i in idx.tolist()]
    n_first = min(count, len(distinct))
    assert len(set(chosen[:n_first])) == n_first  # the distinct vectors come first
    assert all(b >= a for a, b in zip(rank, rank[1:]))  # ranks never go back down
    first_front = {tuple(f[i]) for i in non_dominated_sort(f)[0].tolist()}
    if count >= len(first_front):
        assert first_front <= set(chosen)  # elitism: the whole first front survives when there is room


def config(**tables) -> Config:
    base = {"task": {"name": "xor"}, "run": {"algorithm": "neat_nsga2", "progress": False},
            "genome": {"num_inputs": 2, "num_outputs": 1}, "neat": {"pop_size": 12},
            "mutation": {"add_node_rate": 0.3, "add_connection_rate": 0.3, "delete_connection_rate": 0.2},
            "neat_nsga2": {"connections_reference": 20}}
    for k, v in tables.items():
        base[k] = {**base.get(k, {}), **v}
    return Config.from_dict(base)


def test_front_is_non_dominated_hypervolume_never_falls_and_children_are_neat_offspring():
    algo = NEATNSGA2(config(), seed=3)
    seen, hvs = {}, []
    for _ in range(10):
        genomes = algo.ask()
        assert len(genomes) == 12 and all(not g.problems() for g in genomes)
        if algo.generation:
            keys = {g.key for g in algo.population}
            assert all(set(g.parents) <= keys and 1 <= len(g.parents) <= 2 for g in genomes)
        fitness = [float(len(g.nodes) + (g.key * 37) % 11) for g in genomes]  # rewards size: a real trade-off
        hvs.append(algo.tell(fitness).hypervolume)
        seen.update({g.key: g for g in genomes})
    assert all(b >= a - 1e-12 for a, b in zip(hvs, hvs[1:])) and hvs[-1] > hvs[0]
    f_all = algo.objectives(list(seen.values()))
    front = algo.front()
    for g in front:
        assert not any(dominates(row, algo.objectives([g])[0]) for row in f_all)
    assert algo.best.fitness == max(g.fitness for g in seen.values())
    assert len({g.num_enabled() for g in front}) == len(front)  # one genome per point of the front


def test_minimised_fitness_flips_the_first_objective():
    algo = NEATNSGA2(config(run={"fitness_criterion": "min"}, neat_nsga2={"fitness_reference": 10.0}), seed=0)
    genomes = algo.ask()
    stats = algo.tell([float(i) for i in range(len(genomes))])
    assert algo.best.fitness == 0.0 and stats.best_fitness == 0.0
    assert stats.hypervolume == pytest.approx(10.0 * (1 - genomes[0].num_enabled() / 20))


def stats(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]


def test_run_writes_pareto_json_resumes_identically_and_plots(tmp_path):
    def cfg(generations: int) -> Config:
        return config(run={"generations": generations, "checkpoint_every": 1})

    Run.start(cfg(6), out=tmp_path / "full", seed=5).loop()
    Run.start(cfg(3), out=tmp_path / "part", seed=5).loop()
    Run.resume(tmp_path / "part", generations=6).loop()
    assert stats(tmp_path / "full") == stats(tmp_path / "part")
    full = json.loads((tmp_path / "full" / "pareto.json").read_text())
    assert full == json.loads((tmp_path / "part" / "pareto.json").read_text())
    assert full["objectives"] == ["fitness", "connections"] and full["senses"] == ["max", "min"]
    f = np.array([[-p["objectives"][0], p["objectives"][1] / 20] for p in full["front"]])
    assert len(non_dominated_sort(f)) == 1
    assert full["hypervolume"] == pytest.approx(hypervolume(f, np.array([0.0, 1.0])))
    assert full["hypervolume"] == stats(tmp_path / "full")[-1]["hypervolume"]
    pytest.importorskip("matplotlib")
    from topoevo.report.plots import plot_run

    assert (tmp_path / "full" / "pareto.png") in plot_run(tmp_path / "full")


def test_the_task_file_runs():
    from topoevo.config import load_config

    cfg = load_config(Path(__file__).resolve().parents[1] / "tasks" / "xor_nsga2.toml")
    assert cfg.run.algorithm == "neat_nsga2" and cfg.neat_nsga2.connections_reference == 30
