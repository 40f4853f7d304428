"""``[selfplay]``: settings of competitive coevolution by self-play (:mod:`topoevo.search.selfplay`)."""
from __future__ import annotations

from dataclasses import dataclass

from topoevo.config.schema import Section, param


@dataclass
class SelfPlayConfig(Section):
    """How each genome's opponents are chosen, and the size of the held-out tests.

    >>> SelfPlayConfig().opponents
    4
    """

    SECTION = "selfplay"

    scheme: str = param("generations", "How the population plays itself. 'generations': each generation every "
                                       "genome plays `opponents` members and `hall_of_fame` past champions, fitness = "
                                       "mean net score, then NEAT makes the next generation. 'tournament': the GA "
                                       "self-play of slimevolleygym's training script: two random members play one "
                                       "game, the loser is replaced by a mutated copy of the winner (a tie: the left "
                                       "player is replaced by a mutated copy of itself); a round plays pop_size // 2 "
                                       "such tournaments between disjoint pairs at once; the champion is the member "
                                       "with the most wins along its line of descent (NEAT's mutation only: no "
                                       "speciation, no crossover; `opponents` and `hall_of_fame` are not used).",
                         choices=("generations", "tournament"))
    opponents: int = param(4, "Members of the current population each genome plays per generation.", ge=0)
    hall_of_fame: int = param(2, "Past generation champions each genome plays per generation (sampled uniformly "
                                 "from all of them).", ge=0)
    both_sides: bool = param(False, "Each pairing is played twice on the same game seed, once from each side (the "
                                    "same serves to each player in turn, as in duplicate bridge), so the serve luck "
                                    "cancels out of the pair's summed score.")
    test_games: int = param(100, "Games of each held-out test (vs the built-in opponent, vs the gen-0 champion).",
                            ge=1)
