"""The Ray evaluator on a local two-CPU cluster (loopback only, started and stopped once for this module): the same
history as in-process evaluation on XOR, CartPole and a weight GA, and a killed worker is replaced with the history
unchanged. Skipped when ray is not installed (``pip install topoevo[distributed]``)."""
from __future__ import annotations

from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from test_evaluators import (cartpole_config, crash_config, ga_config, run_files,  # noqa: E402
                             xor_config)

from topoevo.evaluate import InProcessEvaluator  # noqa: E402
from topoevo.evaluate.ray import RayEvaluator, init_local_ray  # noqa: E402


@pytest.fixture(scope="module")
def ray2():
    init_local_ray(ray, num_cpus=2, include_dashboard=False, log_to_driver=False,  # loopback only
                   runtime_env={"env_vars": {"PYTHONPATH": str(Path(__file__).resolve().parent)}})  # the test tasks
    try:
        with RayEvaluator(workers=2) as evaluator:
            assert not evaluator.owns_ray  # uses the connection made here, leaves it to this fixture
            yield evaluator
    finally:
        ray.shutdown()


def test_the_local_cluster_listens_on_loopback_only(ray2: RayEvaluator):
    assert ray.util.get_node_ip_address() == "127.0.0.1"
    assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}


@pytest.mark.parametrize("make_config", [xor_config, cartpole_config, ga_config], ids=["xor", "cartpole", "ga"])
def test_ray_gives_the_in_process_history(tmp_path: Path, make_config, ray2: RayEvaluator):
    serial = run_files(make_config(), tmp_path / "serial", InProcessEvaluator())
    assert run_files(make_config(), tmp_path / "ray", ray2) == serial


def test_a_ray_worker_that_dies_is_replaced_and_the_history_is_unchanged(tmp_path: Path, ray2: RayEvaluator):
    marker = tmp_path / "crashed"
    serial = run_files(crash_config(marker), tmp_path / "serial", InProcessEvaluator())
    before = ray2.restarts
    ray2.kill_worker(1)  # killed between generations: replaced when its next chunk fails
    assert run_files(crash_config(marker), tmp_path / "ray", ray2) == serial  # and one dies mid-generation
    assert marker.exists() and ray2.restarts == before + 2


@pytest.mark.slow
def test_ray_gives_erl_the_in_process_replay_buffer_and_learner(tmp_path: Path, ray2: RayEvaluator):
    from test_rl import TASK, erl_run_state

    from topoevo.config import load_config

    path = tmp_path / "erl.toml"
    path.write_text(TASK)
    config = load_config(path, {"run": {"generations": 4}})
    serial = erl_run_state(config, tmp_path / "serial", InProcessEvaluator())
    assert erl_run_state(config, tmp_path / "ray", ray2) == serial
