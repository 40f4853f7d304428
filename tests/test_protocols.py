"""The Algorithm and Task interfaces are declared: everything the run loop, the CLI and the evaluators use of an
algorithm or a task is a member of the protocol, every registered algorithm and task derives from its base class,
and the loop discovers nothing with hasattr."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest

from topoevo.algorithm import ALGORITHMS, Algorithm, AlgorithmBase, algorithm_class
from topoevo.config import Config
from topoevo.tasks.base import TRAINED_WEIGHTS, Task, TaskBase
from topoevo.tasks.registry import task_class, task_names

PACKAGE = Path(__file__).resolve().parents[1] / "topoevo"
USERS = [PACKAGE / "run.py", PACKAGE / "cli.py", *sorted((PACKAGE / "evaluate").glob("*.py"))]


def protocol_members(protocol: type) -> set[str]:
    return {n for n in dir(protocol) if not n.startswith("_")} | set(protocol.__annotations__)


def used_members(path: Path, names: set[str]) -> set[str]:
    """Attributes read from a variable or attribute called one of ``names`` (``algo.ask``, ``self.task.play``)."""
    used = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            owner = node.value
            if isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and owner.value.id == "self":
                owner_name = owner.attr  # self.algo, self.task
            else:
                owner_name = owner.id if isinstance(owner, ast.Name) else None
            if owner_name in names:
                used.add(node.attr)
    return used


@pytest.mark.parametrize("path", USERS, ids=lambda p: p.name)
def test_the_loop_cli_and_evaluators_use_only_declared_members(path):
    assert used_members(path, {"algo"}) <= protocol_members(Algorithm)
    assert used_members(path, {"task"}) <= protocol_members(Task)
    assert not re.search(r"\bhasattr\(", path.read_text(encoding="utf-8"))


def test_the_walker_sees_what_the_run_loop_calls():
    assert {"ask", "tell", "observe", "champion_to_test"} <= used_members(PACKAGE / "run.py", {"algo"})
    assert {"has_champion_test", "champion_solved", "state_dict"} <= used_members(PACKAGE / "run.py", {"task"})


def _config(name: str) -> Config:
    tables: dict = {"task": {"name": "xor"}, "run": {"algorithm": name}, "genome": {"num_inputs": 2, "num_outputs": 1},
                    "neat": {"pop_size": 4}, "ga": {"pop_size": 4, "truncation": 2}, "es": {"pop_size": 4},
                    "model": {"hidden": [3]}}
    if name in ("regularized_evolution", "random_search", "nsga2"):
        tables.update(task={"name": "nas"}, genome={}, nas={"population": 4, "sample_size": 2})
    if name in ("neat_rea", "neat_switch"):  # (genomes trained by backprop)
        tables.update(task={"name": "supervised_backprop", "dataset": "iris"},
                      genome={"num_inputs": 4, "num_outputs": 3},
                      hybrid={"population": 4, "sample_size": 2, "batch": 2, "switch_at": 1})
    if name in ("erl", "td3"):  # continuous control: the gym task with transitions, tanh actors
        tables.update(task={"name": "gym", "env_id": "Pendulum-v1", "record_transitions": True,
                            "action_range": "symmetric"}, genome={"num_inputs": 3, "num_outputs": 1},
                      model={"hidden": [3], "output_activation": "tanh"},
                      erl={"pop_size": 3, "critic_hidden": [4], "batch_size": 2, "learning_starts": 0})
    if name in ("novelty", "nslc", "map_elites"):  # behaviour descriptors in [0, 1]^2
        tables.update(behaviour={"low": [0.0, 0.0], "high": [1.0, 1.0]}, map_elites={"cells": [2, 2]})
    return Config.from_dict(tables)


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_every_registered_algorithm_derives_from_the_base_and_round_trips(name):
    cls = algorithm_class(name)
    assert issubclass(cls, AlgorithmBase) and cls.name == name
    algo = cls(_config(name), seed=1)
    assert isinstance(algo, Algorithm)
    n = len(algo.ask())
    info: dict = {TRAINED_WEIGHTS: [None] * n}  # as the run loop does before tell (None: nothing trained)
    if name in ("erl", "td3"):  # the rollouts' transitions, one table per candidate
        row = {"obs": np.zeros((2, 3)), "action": np.zeros((2, 1)), "reward": np.ones(2), "next_obs": np.zeros((2, 3)),
               "terminal": np.zeros(2, dtype=bool)}
        info["transitions"] = [row] * n
    if name in ("novelty", "nslc", "map_elites"):
        info["behaviour"] = np.linspace(0.0, 1.0, 2 * n).reshape(n, 2)
    algo.observe(info)
    algo.tell([float(i) for i in range(n)])
    state = json.loads(json.dumps(algo.state_dict()))  # as a checkpoint holds it
    again = cls.from_state_dict(_config(name), state)
    assert json.loads(json.dumps(again.state_dict())) == state and again.generation == algo.generation == 1


@pytest.mark.parametrize("name", task_names())
def test_every_registered_task_derives_from_the_base(name):
    assert issubclass(task_class(name), TaskBase)
