"""Multi-objective search and successive halving: non-dominated sorting, crowding distance and hypervolume against
brute-force definitions (property tests), NSGA-II's environmental selection and ask/tell, pareto.json and its plot,
resume = uninterrupted; successive halving's rungs, promotions and queue."""
from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from topoevo.config import Config
from topoevo.errors import ConfigError
from topoevo.nas.candidate import NASCandidate
from topoevo.nas.nsga2 import NSGA2, objective_values, survivors
from topoevo.nas.pareto import (crowding_distance, dominates, hypervolume, hypervolume_contributions,
                                non_dominated_sort)
from topoevo.nas.rea import RegularizedEvolution
from topoevo.run import Run

points = st.integers(1, 30).flatmap(lambda n: st.integers(1, 4).flatmap(
    lambda m: st.lists(st.lists(st.integers(0, 5), min_size=m, max_size=m), min_size=n, max_size=n)))


def brute_fronts(f: np.ndarray) -> list[list[int]]:
    left, fronts = set(range(len(f))), []
    while left:
        front = sorted(i for i in left if not any(dominates(f[j], f[i]) for j in left if j != i))
        fronts.append(front)
        left -= set(front)
    return fronts


@given(points)
@settings(max_examples=60, deadline=None)
def test_non_dominated_sort_matches_brute_force(rows):
    f = np.array(rows, dtype=float)
    assert [x.tolist() for x in non_dominated_sort(f)] == brute_fronts(f)


@given(points)
@settings(max_examples=60, deadline=None)
def test_crowding_distance_matches_its_definition(rows):
    f = np.array(rows, dtype=float)
    n, m = f.shape
    want = np.zeros(n)
    if n <= 2:
        want[:] = np.inf
    else:
        for j in range(m):
            order = sorted(range(n), key=lambda i: (f[i, j], i))
            want[order[0]] = want[order[-1]] = np.inf
            span = f[order[-1], j] - f[order[0], j]
            for k in range(1, n - 1):
                if span > 0:
                    want[order[k]] += (f[order[k + 1], j] - f[order[k - 1], j]) / span
    np.testing.assert_allclose(crowding_distance(f), want)


@given(points)
@settings(max_examples=60, deadline=None)
def test_hypervolume_matches_counting_unit_cells(rows):
    """Integer points, reference 6 in every objective: the volume is the number of unit cells [c, c+1)^m with some
    point <= c in every objective."""
    f = np.array(rows, dtype=float)
    m = f.shape[1]
    grid = np.array(list(itertools.product(range(6), repeat=m)), dtype=float)  # (6^m, m) cell corners
    cells = int((f[None, :, :] <= grid[:, None, :]).all(2).any(1).sum())
    assert hypervolume(f, np.full(m, 6.0)) == pytest.approx(cells)


@given(points, st.integers(1, 30))
@settings(max_examples=60, deadline=None)
def test_survivors_fill_front_by_front_and_cut_by_crowding(rows, count):
    f = np.array(rows, dtype=float)
    idx, rank, crowd = survivors(f, count)
    assert len(idx) == min(count, len(f)) == len(set(idx.tolist()))
    fronts = brute_fronts(f)
    rank_of = {i: r for r, front in enumerate(fronts) for i in front}
    assert rank.tolist() == [rank_of[i] for i in idx.tolist()]
    if len(idx):
        last = int(rank.max())
        assert all(rank_of[i] >= last for i in set(range(len(f))) - set(idx.tolist()))
        full = crowding_distance(f[fronts[last]])
        d = dict(zip(fronts[last], full))
        kept = [i for i in idx.tolist() if rank_of[i] == last]
        dropped = [i for i in fronts[last] if i not in kept]
        assert not dropped or min(d[i] for i in kept) >= max(d[i] for i in dropped)


@given(points)
@settings(max_examples=40, deadline=None)
def test_hypervolume_contributions_are_the_volume_each_point_alone_adds(rows):
    """Integer points, reference 6: a point's contribution is the number of unit cells only it dominates."""
    f = np.array(rows, dtype=float)
    m = f.shape[1]
    grid = np.array(list(itertools.product(range(6), repeat=m)), dtype=float)
    covers = (f[None, :, :] <= grid[:, None, :]).all(2)  # (cells, points)
    alone = covers & (covers.sum(1) == 1)[:, None]
    np.testing.assert_allclose(hypervolume_contributions(f, np.full(m, 6.0)), alone.sum(0), atol=1e-9)


@given(points, st.integers(1, 30))
@settings(max_examples=40, deadline=None)
def test_survivors_by_hypervolume_keep_fronts_and_lose_no_more_volume_than_needed(rows, count):
    """With a reference point: whole fronts first, the last front cut by removing least contributors; the second
    criterion returned is the contribution within the kept part of the front."""
    f = np.array(rows, dtype=float)
    ref = np.full(f.shape[1], 6.0)
    idx, rank, contribution = survivors(f, count, ref)
    assert len(idx) == min(count, len(f)) == len(set(idx.tolist()))
    fronts = brute_fronts(f)
    rank_of = {i: r for r, front in enumerate(fronts) for i in front}
    assert rank.tolist() == [rank_of[i] for i in idx.tolist()]
    last = int(rank.max())
    kept = [i for i in idx.tolist() if rank_of[i] == last]
    np.testing.assert_allclose(contribution[rank == last], hypervolume_contributions(f[kept], ref), atol=1e-9)
    dropped = [i for i in fronts[last] if i not in kept]
    if len(dropped) == 1:  # one removal: a least contributor of the whole last front
        whole = dict(zip(fronts[last], hypervolume_contributions(f[fronts[last]], ref)))
        assert whole[dropped[0]] <= min(whole.values()) + 1e-9


# ---- NSGA-II ask/tell ------------------------------------------------------------------------------------------------
def config(algorithm: str = "nsga2", **nas) -> Config:
    return Config.from_dict({"task": {"name": "nas", "dataset": "digits", "epochs": 1},
                             "run": {"algorithm": algorithm, "progress": False},
                             "nas": {"population": 6, "sample_size": 3, "batch": 3, "max_blocks": 3, **nas}})


def fake_fitness(cands: list[NASCandidate]) -> list[float]:
    return [(c.arch.cost().parameters * 7919) % 1000 / 1000 for c in cands]


@pytest.mark.parametrize("diversity", ["crowding", "hypervolume"])
def test_nsga2_keeps_the_population_and_its_front_is_non_dominated(diversity):
    algo = NSGA2(config(nsga2_diversity=diversity), seed=1)
    seen: dict[int, NASCandidate] = {}
    hvs = []
    for _ in range(8):
        cands = algo.ask()
        assert len(cands) == (6 if algo.generation == 0 else 3)
        keys = {c.key for c in algo.population}
        assert all(c.parent in keys for c in cands if c.parent is not None)
        hvs.append(algo.tell(fake_fitness(cands)).hypervolume)
        seen.update({c.key: c for c in cands})
        assert len(algo.population) == 6
    assert all(b >= a - 1e-12 for a, b in zip(hvs, hvs[1:]))  # elitist: the survivors' front never loses volume
    everything = list(seen.values())
    f_all = objective_values(everything, algo.objectives)
    for c in algo.front():  # nothing ever trained dominates a member of the final front
        f_c = objective_values([c], algo.objectives)[0]
        assert not any(dominates(row, f_c) for row in f_all)


def test_nsga2_is_deterministic_and_objectives_come_from_the_config():
    def trace(seed, **nas):
        algo, out = NSGA2(config(**nas), seed=seed), []
        for _ in range(5):
            cands = algo.ask()
            out.append([(c.key, c.parent, c.arch) for c in cands])
            algo.tell(fake_fitness(cands))
        return out, [c.key for c in algo.population]
    assert trace(3) == trace(3) and trace(3) != trace(4)
    assert trace(3) != trace(3, objectives=["error", "macs"])
    with pytest.raises(ConfigError, match="nas.objectives"):
        config(objectives=["error", "error"])
    with pytest.raises(ValueError, match="latency"):
        algo = NSGA2(config(objectives=["error", "latency"]), seed=0)
        algo.tell(fake_fitness(algo.ask()))


def run_config(algorithm: str, generations: int, **nas) -> Config:
    return Config.from_dict({"task": {"name": "nas", "dataset": "digits", "epochs": 1, "batch_size": 128},
                             "run": {"algorithm": algorithm, "progress": False, "generations": generations,
                                     "checkpoint_every": 1},
                             "nas": {"population": 4, "sample_size": 2, "batch": 2, "max_blocks": 2,
                                     "channels": [4, 8], "widths": [16], **nas}})


def stats(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]


def test_nsga2_run_writes_pareto_json_resumes_identically_and_plots(tmp_path):
    full = Run.start(run_config("nsga2", 3), out=tmp_path / "full", seed=2).loop()
    Run.start(run_config("nsga2", 2), out=tmp_path / "part", seed=2).loop()
    resumed = Run.resume(tmp_path / "part", generations=3).loop()
    assert full.evaluations == resumed.evaluations == 4 + 2 * 2
    assert stats(tmp_path / "full") == stats(tmp_path / "part")
    assert all(r["hypervolume"] > 0 and r["front_size"] >= 1 for r in stats(tmp_path / "full"))
    def pareto_of(run: str) -> dict:
        data = json.loads((tmp_path / run / "pareto.json").read_text())
        for p in data["front"]:  # measured CPU time: the one figure that may differ between runs
            p["latency_us"] = p["candidate"]["latency_us"] = None
        return data

    pareto = pareto_of("full")
    assert pareto == pareto_of("part")
    assert pareto["objectives"] == ["error", "parameters"] and pareto["reference"] == [1.0, 100_000.0]
    f = np.array([p["objectives"] for p in pareto["front"]])
    assert len(non_dominated_sort(f)) == 1 and pareto["hypervolume"] == pytest.approx(
        hypervolume(f / pareto["reference"], np.ones(2)))
    pytest.importorskip("matplotlib")
    from topoevo.report.plots import plot_run

    assert (tmp_path / "full" / "pareto.png") in plot_run(tmp_path / "full")


def test_nsga2_by_hypervolume_resumes_from_its_state_identically():
    def trace(algo: NSGA2, gens: int) -> list:
        out = []
        for _ in range(gens):
            cands = algo.ask()
            out.append([c.key for c in cands] + [algo.tell(fake_fitness(cands)).hypervolume])
        return out

    cfg = config(nsga2_diversity="hypervolume", batch=1)
    whole = trace(NSGA2(cfg, seed=3), 9)
    part = NSGA2(cfg, seed=3)
    first = trace(part, 5)
    state = json.loads(json.dumps(part.state_dict()))
    assert first + trace(NSGA2.from_state_dict(cfg, state), 4) == whole


# ---- successive halving ----------------------------------------------------------------------------------------------
def told(algo: RegularizedEvolution, fitness: list[float]) -> None:
    cands = algo.ask()
    algo.observe({"weights": [{"w": np.full(1, c.key, np.float32)} for c in cands]})
    algo.tell(fitness)


@pytest.mark.parametrize("queue", ["finished", "first_rung"])
def test_halving_promotes_the_best_fraction_and_the_queue_holds_one_fidelity(queue):
    algo = RegularizedEvolution(config("regularized_evolution", population=6, batch=4, halving_epochs=[1, 3, 5],
                                       halving_keep=0.5, halving_queue=queue), seed=0)
    first = algo.ask()
    assert [(c.rung, c.epochs, c.keep_weights) for c in first] == [(0, 1, True)] * 6
    told(algo, [0.1, 0.6, 0.3, 0.5, 0.2, 0.4])
    second = algo.ask()  # ceil(0.5 * 6) = 3 best, in order of fitness, continuing 2 more epochs from their weights
    assert [c.key for c in second] == [first[1].key, first[3].key, first[5].key]
    assert all(c.rung == 1 and c.epochs == 2 and c.init_state["w"][0] == c.key for c in second)
    if queue == "first_rung":  # every new architecture, with its first-rung accuracy, its weights dropped
        assert [(c.key, c.fitness, c.state) for c in algo.queue] == [(c.key, c.fitness, None) for c in first]
        assert algo.best is None  # (nothing trained to the last rung yet)
        return
    assert algo.queue == []
    told(algo, [0.7, 0.9, 0.8])
    third = algo.ask()
    assert [c.key for c in third] == [second[1].key, second[2].key] and all(c.rung == 2 for c in third)
    assert not any(c.keep_weights for c in third)  # the last rung keeps nothing (not Lamarckian)
    told(algo, [0.95, 0.85])
    assert [c.key for c in algo.queue] == [third[0].key, third[1].key]
    assert algo.best.key == third[0].key and algo.best.fitness == 0.95
    children = algo.ask()
    assert len(children) == 4 and all(c.rung == 0 and c.epochs == 1 and c.parent in {third[0].key, third[1].key}
                                      for c in children)
    with pytest.raises(ConfigError, match="nas.halving_epochs"):
        config(halving_epochs=[3, 1])
    with pytest.raises(ConfigError, match="nas.halving_epochs"):
        NSGA2(config(halving_epochs=[1, 2]), seed=0)


def test_halving_run_resumes_identically(tmp_path):
    nas = {"halving_epochs": [1, 2], "halving_keep": 0.5}
    full = Run.start(run_config("regularized_evolution", 5, **nas), out=tmp_path / "full", seed=1).loop()
    Run.start(run_config("regularized_evolution", 3, **nas), out=tmp_path / "part", seed=1).loop()
    resumed = Run.resume(tmp_path / "part", generations=5).loop()
    assert full.evaluations == resumed.evaluations == 4 + 2 + 2 + 1 + 2
    assert stats(tmp_path / "full") == stats(tmp_path / "part")
    assert math.isclose(full.best_fitness, resumed.best_fitness)


# ---- ensembles -------------------------------------------------------------------------------------------------------
def test_ensemble_of_a_run_averages_the_best_members(tmp_path, capsys):
    from topoevo.cli import main
    from topoevo.nas.ensemble import ensemble_run

    Run.start(run_config("regularized_evolution", 2, lamarckian=True), out=tmp_path / "r", seed=4).loop()
    one = ensemble_run(tmp_path / "r", 1)
    three = ensemble_run(tmp_path / "r", 3)
    assert one.keys == three.keys[:1] and len(three.keys) == 3 and not any(three.retrained)  # weights were kept
    assert one.ensemble_test_accuracy == one.best_single_test_accuracy == three.test_accuracy[0]
    data = json.loads((tmp_path / "r" / "checkpoint.json").read_text())["algorithm"]
    by_key = {c["key"]: c for c in [*data["queue"], data["best"]]}  # (the best ever may have aged out)
    assert [by_key[k]["fitness"] for k in three.keys] == sorted((c["fitness"] for c in by_key.values()),
                                                                reverse=True)[:3]
    assert three.validation_accuracy[0] == pytest.approx(by_key[three.keys[0]]["fitness"])  # the kept weights
    assert main(["ensemble", str(tmp_path / "r"), "--top", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == three.to_dict()
    assert main(["ensemble", str(tmp_path / "r"), "--top", "0"]) == 2


# ---- function-preserving mutations -----------------------------------------------------------------------------------
@given(st.integers(0, 10_000), st.sampled_from([(1, 12), (2, 9), (1, 6, 6)]))
@settings(max_examples=15, deadline=None)
def test_morphisms_preserve_the_parents_function(seed, shape):
    """Property: a morphed child, with its transformed weights, computes what its parent computes (eval mode), and
    every child tensor comes from the transformed state (nothing random)."""
    import torch

    from topoevo.nas.arch import SearchSpace, random_architecture
    from topoevo.nas.compile import ArchitectureNet
    from topoevo.nas.lamarck import inherit, state_to_numpy
    from topoevo.nas.morphism import morph

    space = SearchSpace(max_blocks=4, max_dense=3, channels=(2, 4), widths=(3, 5, 8), max_parameters=50_000,
                        max_macs=500_000)
    rng = np.random.default_rng(seed)
    parent = random_architecture(shape, 3, space, rng)
    torch.manual_seed(seed)
    net = ArchitectureNet(parent)
    for m in net.modules():  # non-trivial batch-norm statistics
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
    state = state_to_numpy(net)
    got = morph(parent, state, space, rng)
    if got is None:
        return
    child, child_state, kind = got
    assert child.is_valid(space) and child != parent
    child_net = ArchitectureNet(child)
    assert sorted(inherit(child_net, child_state)) == sorted(child_net.state_dict())
    x = torch.randn(7, *shape)
    net.eval(), child_net.eval()
    with torch.no_grad():
        torch.testing.assert_close(child_net(x), net(x), rtol=1e-4, atol=1e-4)


def test_morphism_children_in_regularized_evolution(tmp_path):
    with pytest.raises(ConfigError, match="nas.morphism_probability"):
        config("regularized_evolution", morphism_probability=0.5)
    algo = RegularizedEvolution(config("regularized_evolution", lamarckian=True, morphism_probability=1.0,
                                       max_dense=2, widths=[16, 32]), seed=0)
    for _ in range(4):
        cands = algo.ask()
        algo.observe({"weights": [{"w": np.zeros(1, np.float32)} for _ in cands]})  # (no real tensors: by shape)
        algo.tell(fake_fitness(cands))
    assert {c.mutation for c in algo.queue if c.parent is not None} <= {
        "deepen_dense", "deepen_conv", "widen_dense", *[m.value for m in __import__(
            "topoevo.nas.mutation", fromlist=["MutationKind"]).MutationKind]}
