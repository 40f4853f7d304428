"""``from topoevo.compat import neat``: neat-python's example scripts, one import changed, run and reach their
thresholds; the networks compute what neat-python's compute; checkpoints resume the same run (issue 21)."""
from __future__ import annotations

import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from topoevo.compat import neat
from topoevo.errors import CheckpointError

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "tests" / "compat_scripts"
EXAMPLES = ROOT / "tests" / "data" / "neat_python_examples"
XOR = EXAMPLES / "xor__config-feedforward"
XOR_CASES = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]


def run_script(name: str, tmp_path: Path, *args: str, timeout: float = 600) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(SCRIPTS)])}
    done = subprocess.run([sys.executable, str(SCRIPTS / name), *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def config(path: Path = XOR) -> neat.Config:
    return neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet, neat.DefaultStagnation,
                       str(path))


def eval_xor(genomes, cfg) -> None:
    for _, genome in genomes:
        net = neat.nn.FeedForwardNetwork.create(genome, cfg)
        genome.fitness = 4.0 - sum((net.activate(x)[0] - y) ** 2 for x, y in XOR_CASES)


def test_xor_example_script_runs_and_reaches_its_threshold(tmp_path):
    out = run_script("xor_evolve.py", tmp_path, str(XOR))
    assert "meets fitness threshold" in out
    best = float(out.split("Best genome:")[1].split("Fitness: ")[1].split()[0])
    assert best >= 3.9
    # the restored checkpoint ran its 10 further generations
    assert out.count("Running generation") >= 10 and (tmp_path / "neat-checkpoint-5").is_file()


@pytest.mark.slow
def test_single_pole_example_script_reaches_its_threshold(tmp_path):
    out = run_script("single_pole_evolve.py", tmp_path, str(EXAMPLES / "single-pole-balancing__config-feedforward"),
                     "2", timeout=3600)
    assert "meets fitness threshold" in out


def test_lunar_lander_example_script_runs(tmp_path):
    """Two generations of a 10-genome population (the full run to 200 is the slow test below)."""
    pytest.importorskip("Box2D")
    cfg = tmp_path / "config"
    cfg.write_text((EXAMPLES / "lunar-lander__config-feedforward").read_text().replace(
        "pop_size              = 150", "pop_size              = 10"))
    out = run_script("lunar_lander_evolve.py", tmp_path, str(cfg), "1", "2")
    assert out.count("Running generation") == 2 and "Best genome:" in out


@pytest.mark.slow
def test_lunar_lander_example_script_reaches_its_threshold(tmp_path):
    out = run_script("lunar_lander_evolve.py", tmp_path, str(EXAMPLES / "lunar-lander__config-feedforward"), "2",
                     timeout=6 * 3600)
    assert "meets fitness threshold" in out


def test_population_run_is_seeded_and_resumes_from_a_checkpoint_identically(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = config()
    p = neat.Population(cfg, seed=3)
    stats = neat.StatisticsReporter()
    p.add_reporter(stats)
    p.add_reporter(neat.Checkpointer(4, None, filename_prefix=str(tmp_path / "cp-")))
    p.config.no_fitness_termination = True  # run the full 8 generations
    p.run(eval_xor, 8)
    whole = [g.fitness for g in stats.most_fit_genomes]
    again = neat.Population(cfg, seed=3)
    stats2 = neat.StatisticsReporter()
    again.add_reporter(stats2)
    again.run(eval_xor, 8)
    assert [g.fitness for g in stats2.most_fit_genomes] == whole  # same seed, same run
    restored = neat.Checkpointer.restore_checkpoint(str(tmp_path / "cp-4"))
    assert restored.generation == 4
    stats3 = neat.StatisticsReporter()
    restored.add_reporter(stats3)
    restored.run(eval_xor, 4)
    assert [g.fitness for g in stats3.most_fit_genomes] == whole[4:]


def test_bad_checkpoint_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "neat-checkpoint-1"
    path.write_text('{"format": "pickle"}')
    with pytest.raises(CheckpointError, match="format"):
        neat.Checkpointer.restore_checkpoint(str(path))


def test_fitness_criterion_and_missing_fitness(tmp_path):
    cfg = config()
    p = neat.Population(cfg)
    with pytest.raises(RuntimeError, match="Fitness not assigned"):
        p.run(lambda genomes, c: None, 1)
    cfg.fitness_criterion, cfg.fitness_threshold = "mean", 0.5
    p = neat.Population(cfg)

    def half(genomes, c):
        for i, (_, g) in enumerate(genomes):
            g.fitness = float(i % 2)  # mean 0.5: stops at once; max alone would too, min would not

    p.run(half, 5)
    assert p.generation == 0


def test_networks_compute_what_neat_pythons_compute():
    real = pytest.importorskip("neat")
    from topoevo.interop.neat_python import to_neat_python

    cfg = config()
    p = neat.Population(cfg, seed=1)
    p.config.no_fitness_termination = True
    p.run(eval_xor, 15)
    ncfg = real.Config(real.DefaultGenome, real.DefaultReproduction, real.DefaultSpeciesSet, real.DefaultStagnation,
                       str(XOR))
    rng = random.Random(0)
    for genome in list(p.population.values())[:40]:
        theirs = to_neat_python(genome.genome, ncfg)
        ff_a, ff_b = neat.nn.FeedForwardNetwork.create(genome, cfg), real.nn.FeedForwardNetwork.create(theirs, ncfg)
        rec_a, rec_b = neat.nn.RecurrentNetwork.create(genome, cfg), real.nn.RecurrentNetwork.create(theirs, ncfg)
        for _ in range(5):
            x = [rng.uniform(-2, 2), rng.uniform(-2, 2)]
            assert math.isclose(ff_a.activate(x)[0], ff_b.activate(x)[0], rel_tol=1e-9, abs_tol=1e-12)
            assert math.isclose(rec_a.activate(x)[0], rec_b.activate(x)[0], rel_tol=1e-9, abs_tol=1e-12)
        assert len(genome.connections) == len(theirs.connections)


def _count_connections(genome, cfg) -> float:
    return float(len(genome.connections)) + 0.5 * genome.key % 3


def test_parallel_and_threaded_evaluators_equal_serial():
    cfg = config()
    genomes = list(neat.Population(cfg, seed=2).population.items())
    with neat.ParallelEvaluator(2, _count_connections) as pe:
        pe.evaluate(genomes, cfg)
    parallel = [g.fitness for _, g in genomes]
    neat.ThreadedEvaluator(2, _count_connections).evaluate(genomes, cfg)
    assert [g.fitness for _, g in genomes] == parallel == [_count_connections(g, cfg) for _, g in genomes]


def test_config_refuses_other_classes_and_bad_options(tmp_path):
    with pytest.raises(Exception, match="DefaultGenome"):
        neat.Config(object, neat.DefaultReproduction, neat.DefaultSpeciesSet, neat.DefaultStagnation, str(XOR))
    bad = tmp_path / "config"
    bad.write_text(XOR.read_text().replace("weight_init_type               = gaussian",
                                           "weight_init_type               = cauchy"))
    with pytest.raises(Exception, match="DefaultGenome.weight_init_type"):
        config(bad)
