"""ERL and TD3 (topoevo/rl): the replay buffer against a list reference, transitions from the gym task, the TD3
learner's state round trip, ERL in the run loop killed with SIGKILL and resumed (identical to an uninterrupted run),
and the one-line errors of bad input."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_crash_safety import finish, kill_when, launch, outcome, stats_lines
from topoevo.cli import main
from topoevo.config import Config
from topoevo.config.weights import Activation, ModelKind
from topoevo.rl.config import ERLConfig
from topoevo.rl.replay import ReplayBuffer
from topoevo.rl.td3 import TD3Learner
from topoevo.search.models import ModelSpec

GENERATIONS = 8
TASK = f"""[task]
name = "gym"
env_id = "Pendulum-v1"
max_episode_steps = 30
action_range = "symmetric"
record_transitions = true
[run]
algorithm = "erl"
seed = 3
generations = {GENERATIONS}
checkpoint_every = 1
progress = false
[model]
hidden = [8]
output_activation = "tanh"
[erl]
pop_size = 3
critic_hidden = [16]
batch_size = 16
learning_starts = 40
sync_period = 2
"""


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 7), st.lists(st.integers(0, 9), min_size=1, max_size=6))
def test_replay_buffer_keeps_the_last_capacity_transitions_in_order(capacity: int, batches: list[int]):
    buf = ReplayBuffer(capacity, obs_dim=2, action_dim=1)
    reference: list[float] = []
    n = 0
    for size in batches:
        rewards = np.arange(n, n + size, dtype=np.float64)
        n += size
        buf.add({"obs": np.repeat(rewards[:, None], 2, 1), "action": rewards[:, None], "reward": rewards,
                 "next_obs": np.zeros((size, 2)), "terminal": np.zeros(size, dtype=bool)})
        reference = (reference + rewards.tolist())[-capacity:]
    assert len(buf) == len(reference)
    # oldest first, starting at the write position once full
    start = buf.position if len(buf) == capacity else 0
    order = (start + np.arange(len(buf))) % capacity
    assert buf.reward[order].tolist() == reference
    assert buf.obs[order, 1].tolist() == reference


def test_gym_task_records_every_step_with_terminal_flags_except_time_limits():
    from topoevo.search.params import ParameterPopulation
    from topoevo.search.population import compile_parameters
    from topoevo.tasks.gym import ActionRange, GymParams, GymTask

    task = GymTask(GymParams(env_id="Pendulum-v1", max_episode_steps=7, episodes=2, record_transitions=True,
                             action_range=ActionRange.SYMMETRIC))
    spec = ModelSpec(ModelKind.MLP, 3, 1, hidden=(4,), output_activation=Activation.TANH)
    pop = ParameterPopulation(spec, np.random.default_rng(0).standard_normal((3, 21)).astype(np.float32))
    result = task.evaluate(compile_parameters(pop), np.arange(3))
    tables = result.info["transitions"]
    assert len(tables) == 3 and all(len(t["reward"]) == 14 for t in tables)
    assert not any(t["terminal"].any() for t in tables)  # Pendulum only ends by its time limit
    for t, ret in zip(tables, result.info["episode_returns"]):  # rewards sum to the episode returns
        assert np.allclose([t["reward"][:7].sum(), t["reward"][7:].sum()], ret, atol=1e-4)
        assert np.array_equal(t["next_obs"][:6], t["obs"][1:7])  # consecutive steps of one episode
    task.close()


@pytest.mark.parametrize("vectorization", ["envpool", "sync"])
def test_transitions_at_the_environments_own_time_limit_are_not_terminal(vectorization: str):
    pytest.importorskip(vectorization if vectorization == "envpool" else "gymnasium")
    from topoevo.search.params import ParameterPopulation
    from topoevo.search.population import compile_parameters
    from topoevo.tasks.gym import ActionRange, GymParams, GymTask

    task = GymTask(GymParams(env_id="Pendulum-v1", record_transitions=True, action_range=ActionRange.SYMMETRIC,
                             vectorization=vectorization))  # no max_episode_steps: Pendulum's own 200
    spec = ModelSpec(ModelKind.MLP, 3, 1, hidden=(), output_activation=Activation.TANH)
    result = task.evaluate(compile_parameters(ParameterPopulation(spec, np.zeros((1, 4), np.float32))), np.zeros(1))
    table = result.info["transitions"][0]
    assert len(table["reward"]) == 200 and not table["terminal"].any()
    task.close()


def test_td3_learner_restored_from_its_state_continues_bit_identically():
    spec = ModelSpec(ModelKind.MLP, 3, 1, hidden=(8,), output_activation=Activation.TANH)
    cfg = ERLConfig(critic_hidden=[8], batch_size=8)
    data = np.random.default_rng(5)
    buf = ReplayBuffer(50, 3, 1)
    buf.add({"obs": data.standard_normal((50, 3)), "action": data.uniform(-1, 1, (50, 1)),
             "reward": data.standard_normal(50), "next_obs": data.standard_normal((50, 3)),
             "terminal": data.random(50) < 0.1})
    a = TD3Learner(spec, cfg, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    a.train(buf, 5, rng)
    b = TD3Learner(spec, cfg, np.random.default_rng(99))  # other initial weights, replaced by the state
    b.load({k: v.copy() for k, v in a.state().items()})
    rng_b = np.random.default_rng(1)
    rng_b.bit_generator.state = rng.bit_generator.state
    a.train(buf, 6, rng)
    b.train(buf, 6, rng_b)
    for (ka, va), (kb, vb) in zip(sorted(a.state().items()), sorted(b.state().items())):
        assert ka == kb and np.array_equal(va, vb), ka


@pytest.fixture(scope="module")
def erl_task_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("erl") / "erl_pendulum.toml"
    path.write_text(TASK)
    return path


def test_erl_stopped_and_resumed_in_process_equals_an_uninterrupted_run(tmp_path: Path, erl_task_file: Path):
    from topoevo.config import load_config
    from topoevo.run import Run

    config = load_config(erl_task_file, {"run": {"generations": 5}})
    whole = Run.start(config, out=tmp_path / "whole", reporters=[])
    whole.loop()
    part = Run.start(config.replace(run=dataclasses.replace(config.run, generations=2)), out=tmp_path / "part",
                     reporters=[])
    part.loop()
    resumed = Run.resume(tmp_path / "part", reporters=[], generations=5)
    resumed.loop()
    assert json.dumps(resumed.algo.state_dict()) == json.dumps(whole.algo.state_dict())


@pytest.mark.slow
def test_erl_killed_with_sigkill_then_resumed_equals_an_uninterrupted_run(tmp_path: Path, erl_task_file: Path):
    whole = tmp_path / "whole"
    finish("run", erl_task_file, "--out", whole)
    expected = outcome(whole)
    assert len(expected["stats"]) == GENERATIONS
    assert json.loads(expected["stats"][-1])["updates"] > 0  # the learner trained, so its state mattered
    killed = tmp_path / "killed"
    proc = launch("run", erl_task_file, "--out", killed)
    assert kill_when(proc, lambda: stats_lines(killed) >= 4, timeout=300)
    finish("resume", killed)
    got = outcome(killed)
    assert got["stats"] == expected["stats"]
    assert got["champion"] == expected["champion"]
    assert got["checkpoint"]["algorithm"] == expected["checkpoint"]["algorithm"]


@pytest.mark.parametrize("algorithm", ["erl", "td3"])
def test_erl_and_td3_refuse_a_discrete_action_environment_in_one_line(tmp_path: Path, capsys, algorithm: str):
    path = tmp_path / "cartpole_erl.toml"
    path.write_text(TASK.replace("Pendulum-v1", "CartPole-v1")
                    .replace('algorithm = "erl"', f'algorithm = "{algorithm}"'))
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "task.env_id" in err[0] and "Box" in err[0] and str(path) in err[0]
    assert not (tmp_path / "out").exists()


def test_full_cmaes_refuses_a_network_too_large_for_its_matrices_in_one_line(tmp_path: Path, capsys):
    path = tmp_path / "big_cmaes.toml"
    path.write_text('[task]\nname = "xor"\n[run]\nalgorithm = "cmaes"\n[model]\nhidden = [512, 512]\n'
                    '[distribution]\nmax_memory_mb = 100\n')
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sep_cmaes" in err[0] and "model.hidden" in err[0] and str(path) in err[0]
    assert not (tmp_path / "out").exists()


def test_erl_config_needs_record_transitions(tmp_path: Path, capsys):
    path = tmp_path / "no_record.toml"
    path.write_text(TASK.replace("record_transitions = true", "record_transitions = false"))
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "task.record_transitions" in capsys.readouterr().err


def test_erl_state_round_trips_through_json():
    cfg = Config.from_dict({"task": {"name": "gym", "env_id": "Pendulum-v1", "record_transitions": True,
                                     "action_range": "symmetric", "max_episode_steps": 10},
                            "genome": {"num_inputs": 3, "num_outputs": 1},
                            "model": {"hidden": [4], "output_activation": "tanh"}, "run": {"algorithm": "erl"},
                            "erl": {"pop_size": 3, "critic_hidden": [4], "batch_size": 4, "learning_starts": 0}})
    from topoevo.rl.erl import ERL

    algo = ERL(cfg, seed=1)
    n = len(algo.ask())
    table = {"obs": np.ones((10, 3)), "action": np.zeros((10, 1)), "reward": np.ones(10),
             "next_obs": np.ones((10, 3)), "terminal": np.zeros(10, dtype=bool)}
    algo.observe({"transitions": [table] * n})
    algo.tell(np.arange(n, dtype=float))
    state = json.loads(json.dumps(algo.state_dict()))
    again = ERL.from_state_dict(cfg, state)
    assert np.array_equal(again.ask().values, algo.ask().values)
    assert json.dumps(again.state_dict()) == json.dumps(algo.state_dict())


def erl_run_state(config: Config, out: Path, evaluator: object) -> dict:
    """The algorithm state (population, replay buffer, learner) after an ERL run with ``evaluator``."""
    from topoevo.run import Run

    run = Run.start(config, out=out, reporters=[], evaluator=evaluator)
    run.loop()
    assert run.algo.buffer.size > 0 and run.algo.learner.updates > 0  # transitions arrived and were trained on
    return json.loads(json.dumps(run.algo.state_dict()))


def test_erl_transitions_reach_the_replay_buffer_identically_under_the_pool_evaluator(tmp_path: Path,
                                                                                     erl_task_file: Path):
    from topoevo.config import load_config
    from topoevo.evaluate import InProcessEvaluator
    from topoevo.evaluate.pool import PoolEvaluator

    config = load_config(erl_task_file, {"run": {"generations": 4}})
    serial = erl_run_state(config, tmp_path / "serial", InProcessEvaluator())
    with PoolEvaluator(workers=2, chunks_per_worker=2) as pool:  # 4 candidates in chunks across two processes
        pooled = erl_run_state(config, tmp_path / "pool", pool)
    assert pooled["buffer"] == serial["buffer"]
    assert pooled == serial


def erl_epoch(pop_size: int, elite_fraction: float, sync_period: int, generation: int, seed: int):
    """An ERL of Pendulum actors whose population, fitness and learner are set by hand, after one ``_evolve``."""
    from topoevo.rl.erl import ERL

    cfg = Config.from_dict({"task": {"name": "gym", "env_id": "Pendulum-v1", "record_transitions": True,
                                     "action_range": "symmetric", "max_episode_steps": 10},
                            "genome": {"num_inputs": 3, "num_outputs": 1},
                            "model": {"hidden": [4], "output_activation": "tanh"}, "run": {"algorithm": "erl"},
                            "erl": {"pop_size": pop_size, "elite_fraction": elite_fraction,
                                    "sync_period": sync_period, "critic_hidden": [4], "batch_size": 4}})
    algo = ERL(cfg, seed=seed)
    algo.generation = generation
    before = algo.population.copy()
    return algo, before


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 12), st.sampled_from([0.1, 0.2, 0.3, 0.5]), st.integers(1, 3), st.integers(0, 5),
       st.integers(0, 2**31 - 1))
def test_erl_epoch_keeps_the_elites_and_syncs_the_learner_into_the_worst_slot(pop_size: int, elite_fraction: float,
                                                                            sync_period: int, generation: int,
                                                                            seed: int):
    algo, before = erl_epoch(pop_size, elite_fraction, sync_period, generation, seed)
    fitness = np.random.default_rng(seed).permutation(pop_size).astype(float)  # distinct: one ranking
    algo._evolve(fitness)
    after, learner = algo.population, algo.learner.actor_vector()
    assert after.shape == before.shape and np.isfinite(after).all()
    elites = max(1, int(round(elite_fraction * pop_size)))
    rows = {r.tobytes() for r in after}
    for e in np.argsort(-fitness)[:elites]:  # every elite survives bit-exactly
        assert before[e].tobytes() in rows
    synced = (generation + 1) % sync_period == 0
    assert (learner.tobytes() in rows) == synced
    if synced:  # the slot of this evaluation's worst actor holds the learner's actor, unless an elite copy went there
        worst = after[int(np.argmin(fitness))].tobytes()
        assert worst == learner.tobytes() or worst in {before[e].tobytes() for e in np.argsort(-fitness)[:elites]}


def test_erl_crossover_swaps_whole_rows_of_weight_matrices_and_leaves_biases():
    from topoevo.rl.erl import crossover

    algo, _ = erl_epoch(4, 0.25, 10, 0, 5)
    a, b = np.zeros(algo.layout.size, np.float32), np.ones(algo.layout.size, np.float32)
    crossover(a, b, algo.layout, np.random.default_rng(0))
    for _, sl, shape in algo.layout.slices():
        if len(shape) < 2:
            assert not a[sl].any() and b[sl].all()
            continue
        for m in (a[sl].reshape(shape[0], -1), b[sl].reshape(shape[0], -1)):
            assert all(len(set(row.tolist())) == 1 for row in m)  # rows move whole
