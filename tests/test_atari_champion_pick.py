"""benchmarks/atari.py's champion pick: the best candidates of a run (by one training episode each) are re-evaluated
on the same extra episodes and the best mean wins; the frames it uses count in the budget."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from benchmarks.atari import Reeval, train


@dataclass
class Candidate:
    key: int
    skill: float  # the mean score it would get over many episodes
    luck: float  # its one lucky training episode


@dataclass
class Policy:
    cands: list[Candidate]

    @property
    def size(self) -> int:
        return len(self.cands)


class Task:
    """Score = skill, except a candidate's first-ever episode adds its luck; 100 frames per episode."""

    def __init__(self):
        self.played: set[int] = set()
        self.frames = 0

    def evaluate(self, policy: Policy, seeds: np.ndarray):
        class R:
            pass

        r = R()
        scores = []
        for c in policy.cands:
            scores.append(c.skill + (0.0 if c.key in self.played else c.luck))
            self.played.add(c.key)
        r.fitness = np.array(scores)
        r.info = {"frames": 100 * len(scores)}
        self.frames += r.info["frames"]
        return r


@dataclass
class Algo:
    """Two generations of three fixed candidates."""

    gens: list[list[Candidate]]
    generation: int = 0
    evaluations: int = 0
    told: list[list[float]] = field(default_factory=list)

    compile_fn = staticmethod(Policy)

    def ask(self) -> list[Candidate]:
        return self.gens[min(self.generation, len(self.gens) - 1)]

    def snapshot(self, index: int, fitness: float) -> Candidate:
        return self.ask()[index]

    def tell(self, fitness) -> None:
        self.told.append(list(fitness))
        self.evaluations += len(fitness)
        self.generation += 1


def test_lucky_training_episode_does_not_pick_the_champion_and_reevaluation_counts_in_the_budget():
    lucky = Candidate(0, skill=1.0, luck=10.0)  # best single training score, worst player
    good = Candidate(1, skill=5.0, luck=0.0)
    gens = [[lucky, Candidate(2, 0.0, 0.0), Candidate(3, 0.5, 0.0)],
            [good, Candidate(4, 2.0, 0.0), Candidate(5, 0.0, 0.0)]]
    algo, task = Algo(gens), Task()
    reeval = Reeval(top=2, episodes=3)
    # budget: 2 generations x 3 episodes x 100 frames, plus the reserve of 2 x 3 episodes x 100 frames
    out, champion = train(algo, task, seed=0, frames=600 + reeval.reserve(100), reeval=reeval, cap=100)
    assert champion is good
    assert out["training_frames"] == 600 and out["reeval_frames"] == 600 and out["frames_used"] == task.frames
    assert [r["training"] for r in out["reeval"]] == [11.0, 5.0]  # the two best single scores, best first
    assert [r["reeval_mean"] for r in out["reeval"]] == [1.0, 5.0]


def test_an_elite_seen_twice_takes_one_place_in_the_pool():
    elite = Candidate(7, skill=3.0, luck=0.0)
    gens = [[elite, Candidate(8, 1.0, 0.0)], [elite, Candidate(9, 2.0, 0.0)]]
    out, champion = train(Algo(gens), Task(), seed=0, frames=400 + 200, reeval=Reeval(top=2, episodes=1), cap=100)
    assert champion is elite and [r["training"] for r in out["reeval"]] == [3.0, 2.0]
