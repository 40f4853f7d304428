"""The Atari and self-play champions in genomes/: NEAT on Atari RAM, deep-GA seed chains on Atari pixels, the self-play Slime
Volleyball champion. Fast tests load them (seed chains replay bit-identically from a file < 10 KB); slow tests
replay their held-out tests and must reach exactly the recorded figures."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "genomes"
ATARI_RAM = sorted(ZOO.glob("atari_*_ram.json"))
CHAINS = sorted((ZOO / "seed_chains").glob("*.json"))
#: self-play champions: the generations scheme's and the tournament scheme's (each named after its task file)
SELFPLAY = [ZOO / "slimevolley_selfplay.json", ZOO / "slimevolley_tournament.json"]


@pytest.mark.parametrize("path", CHAINS, ids=lambda p: p.stem)
def test_seed_chain_champions_replay_bit_identically_from_small_files(path):
    pytest.importorskip("torch")
    from topoevo.search.seed_chain import SeedChain

    chain = SeedChain.load(path)  # raises unless the replayed weights match the stored SHA-256
    assert chain.spec.num_parameters >= 1_000_000
    assert path.stat().st_size < 10_000


@pytest.mark.parametrize("path", ATARI_RAM, ids=lambda p: p.stem)
def test_atari_ram_champions_load_with_their_task_file(path):
    pytest.importorskip("ale_py")
    from topoevo.cli import load_champion

    genome, meta, task, task_file = load_champion(path)
    assert task_file.resolve() == ROOT / meta["task_file"]
    assert task.num_inputs == 128 and meta["champion_test"]["held_out_episodes"] == 30


@pytest.mark.slow
@pytest.mark.parametrize("path", ATARI_RAM, ids=lambda p: p.stem)
def test_atari_ram_champions_reach_their_recorded_held_out_score(path):
    pytest.importorskip("ale_py")
    from topoevo.cli import load_champion
    from topoevo.evaluate import compile_genomes

    genome, meta, task, _ = load_champion(path)
    score = float(task.held_out_return(compile_genomes([genome]))[0])
    assert score == meta["champion_test"]["held_out_return"]


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAINS, ids=lambda p: p.stem)
def test_seed_chain_champions_reach_their_recorded_held_out_score(path):
    pytest.importorskip("ale_py")
    from topoevo.cli import load_seed_chain_champion

    policy, meta, task, _ = load_seed_chain_champion(path)
    assert float(task.held_out_return(policy)[0]) == meta["held_out_return"]


@pytest.mark.parametrize("path", SELFPLAY, ids=lambda p: p.stem)
def test_selfplay_champion_loads_and_plays_the_builtin_opponent(path):
    pytest.importorskip("slimevolleygym")
    from topoevo.cli import load_champion
    from topoevo.evaluate import compile_genomes
    from topoevo.tasks.slimevolley import BUILTIN, Match, play_matches

    genome, meta, task, _ = load_champion(path)
    scores, _ = play_matches(compile_genomes([genome]), [Match(0, BUILTIN, 10**6)])
    assert -5 <= scores[0] <= 5
    assert json.loads(path.read_text())["metadata"]["champion_test"]["test_games"] >= 30


@pytest.mark.slow
@pytest.mark.parametrize("path", SELFPLAY, ids=lambda p: p.stem)
def test_selfplay_champion_reaches_its_recorded_score_against_the_builtin_opponent(path):
    pytest.importorskip("slimevolleygym")
    from topoevo.cli import load_champion
    from topoevo.evaluate import compile_genomes
    from topoevo.tasks.slimevolley import BUILTIN, Match, play_matches

    genome, meta, _, _ = load_champion(path)
    test = meta["champion_test"]
    games = [Match(0, BUILTIN, 10**6 + k) for k in range(test["test_games"])]
    scores, _ = play_matches(compile_genomes([genome]), games)
    assert float(np.mean(scores)) == test["vs_builtin"]
