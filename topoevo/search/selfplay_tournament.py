"""Self-play by one-game tournaments (``[selfplay] scheme = "tournament"``): the GA self-play of slimevolleygym's
training script (``training_scripts/train_ga_selfplay.py``, Ha 2020), on NEAT genomes.

Two members of the population play one game; the loser is replaced by a mutated copy of the winner, which inherits
the winner's win count while the winner's count goes up by one; after a tie the left player is replaced by a
mutated copy of itself (its count kept). The champion is the member with the most wins counted along its line of
descent (the script's "winning streak"; among equals the first). The script plays one tournament at a time; here a
round draws a random perfect matching of the population (``pop_size // 2`` disjoint pairs, the left player first)
and plays all its games as one batch, so a round is ``pop_size // 2`` tournaments and every member plays once per
round. Mutation is NEAT's own (:meth:`~topoevo.neat.algorithm.NEAT.mutants`: the ``[mutation]`` table, no
crossover, no speciation). Pairings and game seeds come from the run seed only.

The generation-0 champion (``champions[0]``) is the champion after the first round: a member of the random
initial population that won its game (nobody has more than one win yet, and winners are not replaced).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from topoevo.evaluate.seeds import derive_seeds
from topoevo.search.selfplay import SelfPlay
from topoevo.tasks.slimevolley import Match, play_matches


def tournament_replacements(pairs: np.ndarray, scores: np.ndarray, wins: np.ndarray
                            ) -> tuple[list[tuple[int, int]], np.ndarray]:
    """The outcome of a round of disjoint tournaments: ``pairs[k] = (left, right)`` played game k, ``scores[k]``
    is the right player's net score. Returns ``(slot, parent)`` per game (slot ``slot`` gets a mutated copy of
    ``parent``) and the new win counts: the loser's slot gets the winner's genome and its count before the win, the
    winner's count goes up by one; a tie mutates the left player in place (``(left, left)``), counts unchanged.

    >>> reps, wins = tournament_replacements(np.array([[0, 1], [2, 3], [4, 5]]), np.array([2.0, -1.0, 0.0]),
    ...                                      np.array([0, 5, 3, 1, 2, 2]))
    >>> reps, wins.tolist()
    ([(0, 1), (3, 2), (4, 4)], [5, 6, 4, 3, 2, 2])
    """
    wins = wins.copy()
    out = []
    for (left, right), s in zip(pairs.tolist(), scores.tolist()):
        if s == 0:
            out.append((left, left))
            continue
        winner, loser = (right, left) if s > 0 else (left, right)
        out.append((loser, winner))
        wins[loser] = wins[winner]
        wins[winner] += 1
    return out, wins


class TournamentSelfPlay(SelfPlay):
    """Self-play by one-game tournaments between random pairs (see the module); ``step()`` plays one round,
    ``champions[r]`` is the champion after round r (a copy, ``fitness`` = its win count).

    >>> from pathlib import Path
    >>> from topoevo.config import load_config
    >>> from topoevo.neat.algorithm import NEAT
    >>> from topoevo.run import build_task, fit_genome_to_task
    >>> config = load_config(Path(__file__).parents[2] / "tasks" / "slimevolley_tournament.toml",
    ...                      {"neat": {"pop_size": 4}})
    >>> sp = TournamentSelfPlay(NEAT(fit_genome_to_task(config, build_task(config)), 0), config.selfplay, seed=0)
    >>> stats = sp.step()  # 2 one-game tournaments between disjoint pairs
    >>> stats["tournaments"], sp.tournaments, len(sp.champions), int(sp.wins.sum())
    (2, 2, 1, 2)
    """

    def __init__(self, algo: Any, cfg: Any, seed: int = 0):
        super().__init__(algo, cfg, seed)
        self.population = list(algo.ask())
        if len(self.population) < 2:
            raise ValueError("the tournament scheme needs a population of at least 2")
        self.wins = np.zeros(len(self.population), dtype=np.int64)
        self.rounds = 0
        self.tournaments = 0

    def step(self) -> dict[str, Any]:
        """One round: ``pop_size // 2`` tournaments between the disjoint pairs of a random matching, played as one
        batch; losers replaced by mutated copies of winners; the champion joins ``champions``."""
        n = len(self.population)
        pairs = self.rng.permutation(n)[:n // 2 * 2].reshape(-1, 2)
        seeds = derive_seeds(self.seed, self.rounds, len(pairs))
        matches = [Match(int(right), int(left), int(s)) for (left, right), s in zip(pairs.tolist(), seeds)]
        scores, steps = play_matches(self.compile_fn(self.population), matches)
        replaced, self.wins = tournament_replacements(pairs, scores, self.wins)
        for (slot, _), child in zip(replaced, self.algo.mutants([self.population[p] for _, p in replaced])):
            self.population[slot] = child
        self.rounds += 1
        self.tournaments += len(pairs)
        self.frames += int(steps.sum())
        best = int(np.argmax(self.wins))
        champ = self.population[best].copy()
        champ.fitness = float(self.wins[best])
        self.champions.append(champ)
        return {"round": self.rounds - 1, "tournaments": self.tournaments, "best": float(self.wins[best]),
                "mean": float(self.wins.mean()), "ties": int((scores == 0).sum()), "matches": len(matches),
                "steps": int(steps.sum())}
