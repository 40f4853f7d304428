"""The gym task steps and computes only running episodes (issue 19): a native vector environment drops finished
sub-environments, a CompiledPopulation is narrowed to the genomes with a running episode (carrying its recurrent
state), and the figures equal those of the old way, every environment and genome stepped to the end of the longest
episode."""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from gym_params import gym_params
from topoevo.config import GenomeConfig, MutationConfig
from topoevo.genome import InnovationTracker, initial_genome
from topoevo.genome.mutation import mutate
from topoevo.nn.population import CompiledPopulation
from topoevo.tasks.gym import GymTask, Vectorization, _VectorBatch


def evolved_genomes(num_inputs: int, num_outputs: int, count: int, network: str, seed: int) -> list:
    """Genomes with hidden nodes and (for recurrent) cycles: a few rounds of structural mutation each."""
    cfg = GenomeConfig(num_inputs=num_inputs, num_outputs=num_outputs, network=network)
    mut = MutationConfig(add_node_rate=0.6, add_connection_rate=0.8, weight_mutate_rate=0.9)
    tracker, rng = InnovationTracker(), random.Random(seed)
    out = []
    for _ in range(count):
        g = initial_genome(cfg, tracker, rng)
        for _ in range(6):
            mutate(g, cfg, mut, tracker, rng)
        out.append(g)
    return out


def evaluate(task: GymTask, genomes: list, seeds: np.ndarray, compact: bool, monkeypatch) -> dict:
    """Returns, lengths and observation statistics of one evaluation, with compaction on or off (off: the old
    behaviour, every environment stepped and every genome computed until the longest episode ends)."""
    with monkeypatch.context() as m:
        if not compact:
            m.setattr(GymTask, "narrow_below", 0.0)
            m.setattr(_VectorBatch, "shrink_below", 0.0)
        result = task.evaluate(CompiledPopulation(genomes), seeds)
    stats = result.info.get("observation_stats")
    return {"fitness": result.fitness.tolist(), "returns": result.info["episode_returns"].tolist(),
            "lengths": result.info["episode_lengths"].tolist(),
            "stats": None if stats is None else [v.tolist() for v in stats.values()]}


CASES = [
    ("CartPole-v1", Vectorization.GYMNASIUM, "feedforward", True),
    ("CartPole-v1", Vectorization.GYMNASIUM, "recurrent", False),
    ("LunarLander-v3", Vectorization.SYNC, "recurrent", True),
]


@pytest.mark.parametrize("env_id, vectorization, network, normalize", CASES)
def test_compaction_leaves_every_figure_unchanged(env_id, vectorization, network, normalize, monkeypatch):
    params = gym_params(env_id=env_id, episodes=3, vectorization=vectorization, normalize_observations=normalize,
                        max_episode_steps=120)
    with GymTask(params) as task:
        genomes = evolved_genomes(task.num_inputs, task.num_outputs, 24, network, seed=5)
        seeds = np.arange(100, 124)
        narrowed = []
        original = CompiledPopulation.narrow
        monkeypatch.setattr(CompiledPopulation, "narrow", lambda self, idx: narrowed.append(len(idx)) or
                            original(self, idx))
        new = evaluate(task, genomes, seeds, True, monkeypatch)
        old_state = task.state_dict()
        assert narrowed, "the episodes were expected to end at different steps"
        if normalize:  # the second evaluation must start from the same statistics
            task.load_state_dict(
                {"version": 1, "observation_stats": {"count": 0.0, "mean": [0.0] * task.num_inputs,
                                                     "m2": [0.0] * task.num_inputs}})
        old = evaluate(task, genomes, seeds, False, monkeypatch)
        assert new == old
        assert task.state_dict() == old_state


def test_envpool_compaction_leaves_every_figure_unchanged(monkeypatch):
    pytest.importorskip("envpool")
    params = gym_params(env_id="CartPole-v1", episodes=2, vectorization=Vectorization.ENVPOOL, num_threads=1,
                        max_episode_steps=100)
    with GymTask(params) as task:
        genomes = evolved_genomes(4, 2, 16, "recurrent", seed=2)
        seeds = np.arange(16)
        assert evaluate(task, genomes, seeds, True, monkeypatch) == evaluate(task, genomes, seeds, False,
                                                                             monkeypatch)


def test_work_follows_the_running_episodes(monkeypatch):
    """Sub-environment steps at most twice the episode steps; genome rows computed at most four times the rows of
    genomes with a running episode (after the first step)."""
    params = gym_params(env_id="CartPole-v1", episodes=2, vectorization=Vectorization.GYMNASIUM)
    with GymTask(params) as task:
        genomes = evolved_genomes(4, 2, 40, "feedforward", seed=1)
        seeds = np.arange(40)
        sub_steps, computed = [], []
        batch = task._batch(80)
        step = type(batch.vec).step
        monkeypatch.setattr(type(batch.vec), "step", lambda vec, a: sub_steps.append(len(a)) or step(vec, a))
        call = CompiledPopulation.__call__
        monkeypatch.setattr(CompiledPopulation, "__call__", lambda pop, x: computed.append(x.shape[0]) or
                            call(pop, x))
        result = task.evaluate(CompiledPopulation(genomes), seeds)
    lengths = result.info["episode_lengths"]
    assert len(sub_steps) == len(computed) == lengths.max()
    assert sum(sub_steps) <= 2 * lengths.sum()
    live = [(lengths.max(1) > t).sum() for t in range(lengths.max())]  # genomes with a running episode at step t
    assert computed[0] == 40 and all(c <= 4 * g for c, g in zip(computed[1:], live[1:]))
    assert sum(computed) < 0.5 * 40 * lengths.max()  # most of the old work is gone on this generation


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), count=st.integers(2, 9), batch=st.integers(1, 3), steps=st.integers(1, 4),
       data=st.data())
def test_a_narrowed_recurrent_population_continues_as_the_whole(seed, count, batch, steps, data):
    genomes = evolved_genomes(3, 2, count, "recurrent", seed)
    keep = sorted(data.draw(st.sets(st.integers(0, count - 1), min_size=1)))
    whole, part = CompiledPopulation(genomes), CompiledPopulation(genomes)
    g = torch.Generator().manual_seed(seed)
    xs = [torch.randn(count, batch, 3, generator=g) for _ in range(2 * steps)]
    for x in xs[:steps]:
        whole(x), part(x)
    part = part.narrow(keep)
    for x in xs[steps:]:
        assert torch.equal(part(x[keep]), whole(x)[keep])
