"""Asynchronous successive halving (``[nas] halving_mode = "asynchronous"``): a checked training is the unchecked
one up to where it stops; thresholds, queue and champion of the algorithm; resume = uninterrupted."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from topoevo.config import Config
from topoevo.errors import CheckpointError
from topoevo.nas.arch import ConvBlock, Reduce
from topoevo.nas.arch import Architecture
from topoevo.nas.datasets import NASDataset, load_splits
from topoevo.nas.io import candidate_from_dict, candidate_to_dict
from topoevo.nas.rea import RegularizedEvolution
from topoevo.nas.train import TrainSettings, train_architecture
from topoevo.run import Run

ASHA = {"halving_epochs": [1, 2, 3], "halving_keep": 0.5, "halving_mode": "asynchronous"}


def test_checks_leave_the_training_unchanged_and_a_stop_is_the_same_training_cut_short():
    arch = Architecture((1, 8, 8), 10, (ConvBlock(0, 8, 3, 2),), Reduce.FLATTEN, (), 1)
    splits, settings = load_splits(NASDataset.DIGITS), TrainSettings(epochs=3, batch_size=128)
    plain = train_architecture(arch, splits, settings, seed=3, keep_state=True)
    checked = train_architecture(arch, splits, settings, seed=3, keep_state=True, stop_below=[(1, 0.0), (2, 0.0)])
    assert not checked.stopped and len(checked.curve) == 3 and checked.curve[-1] == checked.val_accuracy
    assert (checked.val_accuracy, checked.test_accuracy) == (plain.val_accuracy, plain.test_accuracy)
    assert all(np.array_equal(plain.state[k], checked.state[k]) for k in plain.state)
    stopped = train_architecture(arch, splits, settings, seed=3, stop_below=[(1, 0.0), (2, 1.01)])
    assert stopped.stopped and stopped.curve == checked.curve[:2] and stopped.val_accuracy == checked.curve[1]
    assert math.isnan(stopped.test_accuracy) and math.isnan(stopped.latency_us)


def config(**nas) -> Config:
    return Config.from_dict({"task": {"name": "nas", "dataset": "digits", "epochs": 1},
                             "run": {"algorithm": "regularized_evolution", "progress": False},
                             "nas": {"population": 4, "sample_size": 2, "batch": 1, "max_blocks": 3, **ASHA,
                                     **nas}})


def told(algo: RegularizedEvolution, curves: list[list[float]]) -> None:
    algo.ask()
    algo.observe({"curve": curves})
    algo.tell([c[-1] for c in curves])


def test_asha_fills_the_queue_one_at_a_time_then_stops_children_below_the_queues_best_fraction():
    algo = RegularizedEvolution(config(), seed=0)
    plain = RegularizedEvolution(config(halving_mode="synchronous"), seed=0).ask()  # (the same initial draws)
    curves = [[0.3, 0.5, 0.6], [0.2], [0.4, 0.4], [0.5, 0.7, 0.9]]
    for i, curve in enumerate(curves):
        [c] = algo.ask()
        assert c.arch == plain[i].arch and c.epochs == 3 and c.parent is None
        if i == 0:  # (nobody to compare with: accuracies measured, no stop)
            assert c.stop_below == [(1, 0.0), (2, 0.0)]
        else:  # rung 1 reached by the first (0.5), then also by the third (0.4): the best
            assert c.stop_below == [(1, sorted((x[0] for x in curves[:i]), reverse=True)[math.ceil(i / 2) - 1]),
                                    (2, 0.5)]
        told(algo, [curve])
    assert [c.rung for c in algo.queue] == [2, 0, 1, 2]
    assert algo.best.key == algo.queue[3].key and algo.best.fitness == 0.9  # only finished ones are champions
    [child] = algo.ask()  # queue rung 0: 0.5 0.4 0.3 0.2 -> 2nd best; rung 1: 0.7 0.5 0.4 -> ceil(1.5) = 2nd best
    assert child.parent is not None and child.stop_below == [(1, 0.4), (2, 0.5)]
    assert child.parent in {algo.queue[0].key, algo.queue[3].key}  # a finished member wins any tournament it is in
    told(algo, [[0.1]])
    assert [c.rung for c in algo.queue] == [0, 1, 2, 0] and algo.best.fitness == 0.9


def test_asha_candidates_round_trip_and_bad_curves_name_the_field():
    algo = RegularizedEvolution(config(), seed=0)
    told(algo, [[0.3, 0.5, 0.6]])
    [c] = algo.ask()
    d = json.loads(json.dumps(candidate_to_dict(c)))
    assert candidate_from_dict(d).stop_below == c.stop_below == [(1, 0.3), (2, 0.5)]
    assert candidate_from_dict(json.loads(json.dumps(candidate_to_dict(algo.queue[0])))).curve == [0.3, 0.5, 0.6]
    with pytest.raises(CheckpointError, match="x.curve"):
        candidate_from_dict({**d, "curve": [0.5, "a"]}, "x")
    with pytest.raises(CheckpointError, match="x.stop_below"):
        candidate_from_dict({**d, "stop_below": [[0, 0.5]]}, "x")


def stats(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("queue, initial", [("first_rung", "checked"), ("finished", "checked"),
                                            ("finished", "full")])
def test_asha_run_resumes_identically(tmp_path, queue, initial):
    def run_config(generations: int) -> Config:
        return Config.from_dict({"task": {"name": "nas", "dataset": "digits", "epochs": 3, "batch_size": 128},
                                 "run": {"algorithm": "regularized_evolution", "progress": False,
                                         "generations": generations, "checkpoint_every": 1},
                                 "nas": {"population": 3, "sample_size": 2, "batch": 1, "max_blocks": 2,
                                         "channels": [4, 8], "widths": [16], "halving_queue": queue,
                                         "halving_initial": initial, **ASHA}})

    gens = 4 if initial == "full" else 6  # (full: the first generation trains all P = 3)
    full = Run.start(run_config(gens), out=tmp_path / "full", seed=1).loop()
    Run.start(run_config(gens - 2), out=tmp_path / "part", seed=1).loop()
    resumed = Run.resume(tmp_path / "part", generations=gens).loop()
    assert full.evaluations == resumed.evaluations == 6
    assert stats(tmp_path / "full") == stats(tmp_path / "part")
    assert math.isclose(full.best_fitness, resumed.best_fitness)
    state = json.loads((tmp_path / "full" / "checkpoint.json").read_text())["algorithm"]
    held = state["recent"] if queue == "finished" else state["queue"]  # (stopped ones too: they set the thresholds)
    assert any(len(c["curve"]) < 3 for c in held) and any(len(c["curve"]) == 3 for c in held)
    assert queue == "first_rung" or all(len(c["curve"]) == 3 for c in state["queue"])


def test_asha_with_a_finished_queue_keeps_only_finished_architectures_and_thresholds_from_the_last_p():
    algo = RegularizedEvolution(config(halving_queue="finished"), seed=0)
    curves = [[0.3, 0.5, 0.6], [0.2], [0.4, 0.4], [0.5, 0.7, 0.9], [0.6, 0.8, 0.7], [0.1]]
    for curve in curves:
        told(algo, [curve])
    assert [c.curve for c in algo.queue] == [curves[0], curves[3], curves[4]]  # only the finished, oldest first
    assert [c.curve for c in algo.recent] == curves[2:]  # the last P = 4 new ones, any rung
    [child] = algo.ask()  # rung 0 of the last 4: 0.6 0.5 0.4 0.1 -> 2nd best; rung 1: 0.8 0.7 0.4 -> 2nd best
    assert child.stop_below == [(1, 0.5), (2, 0.7)] and child.parent in {c.key for c in algo.queue}
    assert algo.best.fitness == 0.9
    for _ in range(3):
        told(algo, [[0.7, 0.9, 0.8]])
    assert len(algo.queue) == 4 and algo.queue[0].curve == curves[4]  # the two oldest finished ones left
    state = json.loads(json.dumps(algo.state_dict()))
    back = RegularizedEvolution.from_state_dict(algo.config, state)
    assert [c.key for c in back.recent] == [c.key for c in algo.recent] and back.stop_thresholds() == \
        algo.stop_thresholds()
    with pytest.raises(CheckpointError, match="algorithm.recent"):
        RegularizedEvolution.from_state_dict(algo.config, {k: v for k, v in state.items() if k != "recent"})


def test_asha_with_full_initial_trains_the_first_p_as_regularized_evolution_then_checks_children():
    algo = RegularizedEvolution(config(halving_queue="finished", halving_initial="full"), seed=0)
    plain = RegularizedEvolution(config(halving_mode="synchronous"), seed=0).ask()  # (the same initial draws)
    first = algo.ask()
    assert [c.arch for c in first] == [c.arch for c in plain]  # all P at once
    assert all(c.epochs == 3 and c.stop_below == [(1, 0.0), (2, 0.0)] for c in first)  # measured, never stopped
    curves = [[0.3, 0.5, 0.6], [0.2, 0.3, 0.4], [0.4, 0.4, 0.5], [0.5, 0.7, 0.9]]
    algo.observe({"curve": curves})
    algo.tell([c[-1] for c in curves])
    assert [c.curve for c in algo.queue] == curves and algo.best.fitness == 0.9  # every one finished: the parents
    [child] = algo.ask()  # rung 0: 0.5 0.4 0.3 0.2 -> 2nd best; rung 1: 0.7 0.5 0.4 0.3 -> 2nd best
    assert child.parent is not None and child.stop_below == [(1, 0.4), (2, 0.5)]


def test_full_initial_is_for_asynchronous_halving():
    from topoevo.errors import ConfigError

    with pytest.raises(ConfigError, match="nas.halving_initial"):
        config(halving_mode="synchronous", halving_initial="full")
