"""Competitive coevolution by self-play (Rosin & Belew 1997, "New methods for competitive coevolution", Evolutionary
Computation 5(1)): there is no fixed opponent; each generation every genome plays ``opponents`` members of its own
population (sampled without replacement, never itself) and ``hall_of_fame`` past generation champions (sampled
uniformly from all of them: the hall of fame keeps evolution from forgetting how to beat old strategies). Its fitness
is its mean net score over every game it played that generation: the ones it was drawn into as another member's
opponent count too (from its own side), so a member plays about ``2 * opponents + hall_of_fame`` games. Any
ask/tell algorithm whose ``compile_fn`` gives a batched policy works (NEAT, the weight GA): the population and the
sampled champions are compiled into one policy, and all matches of a generation run as one batch.

Settings are the ``[selfplay]`` table (:class:`SelfPlayConfig`); the game is Slime Volleyball
(:mod:`topoevo.tasks.slimevolley`). Opponent sampling and match seeds come from the run seed only.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from topoevo.config.selfplay import SelfPlayConfig
from topoevo.evaluate.seeds import derive_seeds
from topoevo.tasks.slimevolley import BUILTIN, Match, play_matches


def sample_matches(pop_size: int, hof_size: int, cfg: SelfPlayConfig, rng: np.random.Generator,
                   seeds: np.ndarray) -> list[Match]:
    """Genome i (right side) against ``opponents`` others of the population and ``hall_of_fame`` champions (agent
    indices ``pop_size + j``); match k of genome i gets seed ``seeds[i] + k``.

    >>> ms = sample_matches(4, 3, SelfPlayConfig(opponents=2, hall_of_fame=1), np.random.default_rng(0),
    ...                     np.arange(4) * 100)
    >>> len(ms), all(m.left != m.right for m in ms), all(m.left >= 4 for m in ms[2::3])
    (12, True, True)
    """
    matches = []
    k_pop = min(cfg.opponents, pop_size - 1)
    k_hof = min(cfg.hall_of_fame, hof_size)
    for i in range(pop_size):
        others = rng.choice(pop_size - 1, size=k_pop, replace=False) if k_pop else np.zeros(0, dtype=np.int64)
        rivals = [int(o) + (o >= i) for o in others]
        if k_hof:
            rivals += [pop_size + int(j) for j in rng.choice(hof_size, size=k_hof, replace=False)]
        matches += [Match(i, r, int(seeds[i]) + k) for k, r in enumerate(rivals)]
        if cfg.both_sides:
            matches += [Match(r, i, int(seeds[i]) + k) for k, r in enumerate(rivals)]
    return matches


def match_fitness(pop_size: int, matches: Sequence[Match], scores: np.ndarray) -> np.ndarray:
    """Each population member's mean net score over every match it played, on either side: ``scores`` are the
    right agents' net scores, so a member playing on the left scores their negation (a game between two members
    counts for both; hall-of-fame champions, indices ``>= pop_size``, get no fitness).

    >>> match_fitness(3, [Match(0, 1, 0), Match(1, 2, 0), Match(2, 3, 0)], np.array([2.0, -1.0, 4.0])).tolist()
    [2.0, -1.5, 2.5]
    """
    agent = np.array([m.right for m in matches] + [m.left for m in matches], dtype=np.int64)
    value = np.concatenate([scores, -scores])
    member = (agent >= 0) & (agent < pop_size)
    games = np.bincount(agent[member], minlength=pop_size)
    return np.bincount(agent[member], weights=value[member], minlength=pop_size) / np.maximum(games, 1)


class SelfPlay:
    """Drives an ask/tell ``algo`` by self-play; ``champions[g]`` is generation g's champion (a copy).

    >>> from pathlib import Path
    >>> from topoevo.config import load_config
    >>> from topoevo.neat.algorithm import NEAT
    >>> from topoevo.run import build_task, fit_genome_to_task
    >>> config = load_config(Path(__file__).parents[2] / "tasks" / "slimevolley_selfplay.toml",
    ...                      {"neat": {"pop_size": 4}, "selfplay": {"opponents": 1, "hall_of_fame": 1}})
    >>> sp = SelfPlay(NEAT(fit_genome_to_task(config, build_task(config)), 0), config.selfplay, seed=0)
    >>> stats = sp.step()  # each member plays 1 other member: 4 games
    >>> stats["generation"], stats["matches"], len(sp.champions)
    (0, 4, 1)
    >>> score = sp.vs_builtin(sp.champions[-1], games=2)  # its net score against the built-in opponent, per game
    >>> score.shape, bool(((-5 <= score) & (score <= 5)).all())
    ((2,), True)
    """

    def __init__(self, algo: Any, cfg: SelfPlayConfig, seed: int = 0):
        self.algo, self.cfg, self.seed = algo, cfg, seed
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.champions: list[Any] = []
        self.frames = 0  # game steps played in training

    @property
    def compile_fn(self) -> Callable[[Sequence[Any]], Any]:
        return self.algo.compile_fn

    def step(self) -> dict[str, Any]:
        """One generation: play the sampled matches, tell the algorithm, add its champion to the hall of fame."""
        pop = list(self.algo.ask())
        seeds = derive_seeds(self.seed, self.algo.generation, len(pop))
        matches = sample_matches(len(pop), len(self.champions), self.cfg, self.rng, seeds)
        policy = self.compile_fn(pop + self.champions)
        scores, steps = play_matches(policy, matches)
        fitness = match_fitness(len(pop), matches, scores)
        self.frames += int(steps.sum())
        best = int(np.argmax(fitness))
        self.champions.append(self.algo.snapshot(best, float(fitness[best])))
        self.algo.tell(fitness)
        return {"generation": self.algo.generation - 1, "best": float(fitness[best]),
                "mean": float(fitness.mean()), "matches": len(matches), "steps": int(steps.sum())}

    def vs_builtin(self, candidate: Any, games: int | None = None, seed: int = 10**6) -> np.ndarray:
        """Net scores of ``candidate`` against the built-in opponent over held-out games (seeds ``seed + k``)."""
        games = self.cfg.test_games if games is None else games
        scores, _ = play_matches(self.compile_fn([candidate]), [Match(0, BUILTIN, seed + k) for k in range(games)])
        return scores

    def head_to_head(self, a: Any, b: Any, games: int | None = None, seed: int = 2 * 10**6) -> np.ndarray:
        """Net scores of ``a`` against ``b`` over held-out games, ``a`` on the right in the even games and on the
        left in the odd ones (scores always from ``a``'s side)."""
        games = self.cfg.test_games if games is None else games
        matches = [Match(0, 1, seed + k) if k % 2 == 0 else Match(1, 0, seed + k) for k in range(games)]
        scores, _ = play_matches(self.compile_fn([a, b]), matches)
        sign = np.array([1.0 if k % 2 == 0 else -1.0 for k in range(games)])
        return scores * sign
