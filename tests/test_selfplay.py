"""Self-play on Slime Volleyball: match batching against one game at a time, opponent sampling, hall of fame,
head-to-head sign convention, the [selfplay] section and the slimevolley task."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("slimevolleygym")
torch = pytest.importorskip("torch")

from topoevo.config import Config  # noqa: E402
from topoevo.config.selfplay import SelfPlayConfig  # noqa: E402
from topoevo.errors import ConfigError  # noqa: E402
from topoevo.search.selfplay import SelfPlay, sample_matches  # noqa: E402
from topoevo.tasks.slimevolley import BUILTIN, Match, SlimeVolleyParams, SlimeVolleyTask, _module, \
    play_matches  # noqa: E402


class Linear:
    """P fixed linear agents (seeded weights)."""

    def __init__(self, size: int, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        self.size = size
        self.w = torch.randn(size, 12, 3, generator=g)

    def reset(self) -> None:
        pass

    def __call__(self, obs):
        return torch.sigmoid(torch.einsum("pbi,pio->pbo", obs, self.w))


def reference_game(w_right: torch.Tensor, w_left: torch.Tensor | None, seed: int) -> float:
    """One game stepped directly through the old-gym-API environment, one agent at a time."""
    env = _module().SlimeVolleyEnv()
    env.seed(seed)
    env.reset()
    ro, lo = env.game.agent_right.getObservation(), env.game.agent_left.getObservation()
    total, done = 0.0, False
    while not done:
        ra = (torch.sigmoid(torch.as_tensor(ro, dtype=torch.float32) @ w_right) > 0.5).long().numpy()
        la = None if w_left is None else \
            (torch.sigmoid(torch.as_tensor(lo, dtype=torch.float32) @ w_left) > 0.5).long().numpy()
        _, r, done, info = env.step(ra, la)
        total += r
        ro, lo = info["state"], info["otherState"]
    return total


def test_batched_matches_equal_games_played_one_at_a_time():
    pol = Linear(3, seed=1)
    matches = [Match(0, 1, 5), Match(1, 2, 6), Match(2, 0, 7), Match(0, BUILTIN, 8), Match(1, 0, 9)]
    scores, steps = play_matches(pol, matches)
    for m, s in zip(matches, scores):
        left = None if m.left == BUILTIN else pol.w[m.left]
        assert s == reference_game(pol.w[m.right], left, m.seed)
    assert ((steps > 0) & (steps <= 3000)).all()


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 12), st.integers(0, 6), st.integers(0, 5), st.integers(0, 3), st.integers(0, 2**32))
def test_sampled_opponents_are_distinct_never_self_and_the_right_counts(pop, hof, k_pop, k_hof, seed):
    cfg = SelfPlayConfig(opponents=k_pop, hall_of_fame=k_hof)
    ms = sample_matches(pop, hof, cfg, np.random.default_rng(seed), np.arange(pop) * 1000)
    per = min(k_pop, pop - 1) + min(k_hof, hof)
    assert len(ms) == pop * per
    for i in range(pop):
        mine = [m for m in ms if m.right == i]
        rivals = [m.left for m in mine]
        assert len(rivals) == len(set(rivals)) == per and i not in rivals
        assert sum(r >= pop for r in rivals) == min(k_hof, hof)
        assert all(0 <= r < pop + hof for r in rivals)


def neat_config(pop: int = 4) -> Config:
    return Config.from_dict({"task": {"name": "slimevolley"}, "neat": {"pop_size": pop},
                             "genome": {"num_inputs": 12, "num_outputs": 3, "network": "feedforward",
                                        "initial_connectivity": "full"},
                             "selfplay": {"opponents": 1, "hall_of_fame": 1, "test_games": 4}})


def test_self_play_generations_fill_the_hall_of_fame_and_repeat_with_the_seed():
    from topoevo.neat.algorithm import NEAT

    def run(seed):
        cfg = neat_config()
        sp = SelfPlay(NEAT(cfg, seed), cfg.selfplay, seed)
        return [sp.step() for _ in range(2)], sp

    a, sp = run(3)
    b, _ = run(3)
    assert a == b
    assert len(sp.champions) == 2 and sp.algo.generation == 2
    assert a[0]["matches"] == 4 * 1 and a[1]["matches"] == 4 * 2  # the hall of fame joins from generation 1


def test_head_to_head_scores_are_from_the_first_agents_side():
    from topoevo.neat.algorithm import NEAT

    cfg = neat_config()
    sp = SelfPlay(NEAT(cfg, 0), cfg.selfplay, 0)
    pop = sp.algo.ask()
    ab = sp.head_to_head(pop[0], pop[1], games=2, seed=50)
    policy = sp.compile_fn([pop[0], pop[1]])
    right, _ = play_matches(policy, [Match(0, 1, 50)])
    left, _ = play_matches(policy, [Match(1, 0, 51)])
    assert ab.tolist() == [right[0], -left[0]]


def test_slimevolley_task_against_the_builtin_opponent():
    task = SlimeVolleyTask(SlimeVolleyParams(episodes=2))
    pol = Linear(2, seed=4)
    r = task.evaluate(pol, np.array([1, 2]))
    assert r.fitness.shape == (2,) and ((-5 <= r.fitness) & (r.fitness <= 5)).all()
    again = task.evaluate(Linear(1, seed=4), np.array([1]))
    assert again.fitness[0] == r.fitness[0]
    held = task.held_out_return(pol, episodes=2)
    assert held.shape == (2,)


@pytest.mark.parametrize("table, field", [({"oponents": 3}, "opponents"), ({"scheme": "league"}, "scheme")])
def test_selfplay_section_is_checked(table, field):
    with pytest.raises(ConfigError) as exc:
        Config.from_dict({"task": {"name": "slimevolley"}, "selfplay": table})
    assert field in str(exc.value)


def selfplay_command(tmp_path, selfplay_table: str):
    """``topoevo selfplay`` for 2 generations (rounds) of a population of 4; returns (main, the output dir)."""
    from topoevo.cli import main

    f = tmp_path / "sp.toml"
    f.write_text(f'[task]\nname = "slimevolley"\n[selfplay]\n{selfplay_table}test_games = 2\n'
                 '[neat]\npop_size = 4\n[genome]\nnetwork = "feedforward"\ninitial_connectivity = "full"\n')
    out = tmp_path / "run"
    assert main(["selfplay", str(f), "--generations", "2", "--out", str(out)]) == 0
    return main, out


def test_selfplay_command_writes_stats_champion_and_summary(tmp_path):
    import json

    main, out = selfplay_command(tmp_path, "opponents = 1\nhall_of_fame = 1\n")
    assert len((out / "stats.jsonl").read_text().splitlines()) == 2
    summary = json.loads((out / "summary.json").read_text())
    assert 0.0 <= summary["vs_gen0_win_rate"] <= 1.0 and summary["test_games"] == 2
    assert main(["play", str(out / "champion.json"), "--episodes", "1"]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[task]\nname = "xor"\n')
    assert main(["selfplay", str(bad), "--out", str(out)]) == 2


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 8), st.integers(0, 3), st.integers(0, 3), st.integers(0, 2**32))
def test_fitness_counts_every_game_of_a_member_from_its_own_side(pop, hof, k_pop, seed):
    from topoevo.search.selfplay import match_fitness

    rng = np.random.default_rng(seed)
    cfg = SelfPlayConfig(opponents=k_pop, hall_of_fame=min(hof, 2))
    ms = sample_matches(pop, hof, cfg, rng, np.arange(pop) * 100)
    scores = rng.integers(-5, 6, len(ms)).astype(float)
    fit = match_fitness(pop, ms, scores)
    for i in range(pop):  # reference: one game at a time
        mine = [s for m, s in zip(ms, scores) if m.right == i] + [-s for m, s in zip(ms, scores) if m.left == i]
        assert fit[i] == (np.mean(mine) if mine else 0.0)
    if hof == 0:  # games among members only: zero-sum
        played = np.bincount([m.right for m in ms] + [m.left for m in ms], minlength=pop)[:pop]
        assert abs(float((fit * played).sum())) < 1e-9


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 8), st.integers(0, 4), st.integers(0, 3), st.integers(0, 3), st.integers(0, 2**32))
def test_both_sides_plays_every_pairing_again_mirrored_on_the_same_seed(pop, hof, k_pop, k_hof, seed):
    one = sample_matches(pop, hof, SelfPlayConfig(opponents=k_pop, hall_of_fame=k_hof),
                         np.random.default_rng(seed), np.arange(pop) * 1000)
    two = sample_matches(pop, hof, SelfPlayConfig(opponents=k_pop, hall_of_fame=k_hof, both_sides=True),
                         np.random.default_rng(seed), np.arange(pop) * 1000)
    assert sorted(two, key=repr) == sorted(one + [Match(m.left, m.right, m.seed) for m in one], key=repr)


def test_both_sides_cancels_the_serve_luck_of_identical_players():
    """Two agents with the same weights play the same physical game from either side, so the pair sums to 0."""
    from topoevo.search.selfplay import match_fitness

    pol = Linear(2, seed=3)
    pol.w[1] = pol.w[0]
    ms = sample_matches(2, 0, SelfPlayConfig(opponents=1, hall_of_fame=0, both_sides=True),
                        np.random.default_rng(0), np.array([11, 22]))
    scores, _ = play_matches(pol, ms)
    assert len(ms) == 4 and np.abs(scores).sum() > 0
    assert match_fitness(2, ms, scores).tolist() == [0.0, 0.0]


# ---- the tournament scheme ([selfplay] scheme = "tournament") ------------------------------------------------------

def script_reference(pairs, scores, wins):
    """slimevolleygym's train_ga_selfplay.py rules, one tournament at a time (m left, n right, score from n's side)."""
    wins = list(wins)
    reps = []
    for (m, n), s in zip(pairs, scores):
        if s == 0:
            reps.append((m, m))
        elif s > 0:
            reps.append((m, n))
            wins[m] = wins[n]
            wins[n] += 1
        else:
            reps.append((n, m))
            wins[n] = wins[m]
            wins[m] += 1
    return reps, wins


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 12), st.integers(0, 2**32))
def test_tournament_replacements_follow_the_published_script(pop, seed):
    from topoevo.search.selfplay_tournament import tournament_replacements

    rng = np.random.default_rng(seed)
    pairs = rng.permutation(pop)[:pop // 2 * 2].reshape(-1, 2)
    scores = rng.integers(-2, 3, len(pairs)).astype(float)  # ties are common
    wins = rng.integers(0, 20, pop)
    before = wins.copy()
    reps, new = tournament_replacements(pairs, scores, wins)
    assert wins.tolist() == before.tolist()  # the input is not modified
    ref_reps, ref_wins = script_reference(pairs.tolist(), scores.tolist(), wins.tolist())
    assert reps == ref_reps and new.tolist() == ref_wins
    # exactly one replaced slot per game: the loser, or the left player after a tie
    assert [slot for slot, _ in reps] == [int(l if s >= 0 else r) for (l, r), s in zip(pairs, scores)]


def tournament_run(seed: int, rounds: int = 2, pop: int = 4):
    """A small tournament run; per round: the population's keys and the win counts after the round."""
    from topoevo.neat.algorithm import NEAT
    from topoevo.search.selfplay_run import make_selfplay
    from topoevo.search.selfplay_tournament import TournamentSelfPlay

    cfg = neat_config(pop)
    cfg = cfg.replace(selfplay=SelfPlayConfig(scheme="tournament", test_games=2))
    sp = make_selfplay(NEAT(cfg, seed), cfg.selfplay, seed)
    assert isinstance(sp, TournamentSelfPlay)
    members, wins, stats = [list(sp.population)], [sp.wins.tolist()], []
    for _ in range(rounds):
        stats.append(sp.step())
        members.append(list(sp.population))
        wins.append(sp.wins.tolist())
    return sp, stats, members, wins


def test_tournament_rounds_replace_losers_by_mutated_winners_and_repeat_with_the_seed():
    from topoevo.genome.io import genome_to_dict

    sp, stats, members, wins = tournament_run(5, rounds=3)
    again, stats2, members2, wins2 = tournament_run(5, rounds=3)
    keys = [[g.key for g in m] for m in members]
    assert (stats, keys, wins) == (stats2, [[g.key for g in m] for m in members2], wins2)
    assert [genome_to_dict(g) for g in sp.population] == [genome_to_dict(g) for g in again.population]
    assert [genome_to_dict(g) for g in sp.champions] == [genome_to_dict(g) for g in again.champions]
    assert len(sp.champions) == 3 and sp.tournaments == 6 and stats[-1]["tournaments"] == 6
    for r in range(3):
        old, new, w_old, w_new = keys[r], keys[r + 1], wins[r], wins[r + 1]
        changed = [i for i in range(4) if old[i] != new[i]]
        assert len(changed) == stats[r]["matches"] == 2  # one member replaced per game
        assert stats[r]["best"] == max(w_new) and sp.champions[r].fitness == max(w_new)
        for i in changed:
            (p,) = members[r + 1][i].parents
            j = old.index(p)  # the parent was a member before the round
            if j == i:  # a tie: the left player mutated, its count kept
                assert w_new[i] == w_old[i]
            else:  # the loser takes the winner's count before the win; the winner gains one
                assert w_new[i] == w_old[j] and w_new[j] == w_old[j] + 1 and new[j] == old[j]
    assert sp.champions[0].key in keys[0]  # the gen-0 champion: an initial member that won its first game
    other = tournament_run(6, rounds=3)[0]
    assert [genome_to_dict(g) for g in other.population] != [genome_to_dict(g) for g in sp.population]


def test_selfplay_command_runs_the_tournament_scheme(tmp_path):
    import json

    _, out = selfplay_command(tmp_path, 'scheme = "tournament"\n')
    rows = [json.loads(line) for line in (out / "stats.jsonl").read_text().splitlines()]
    assert [r["tournaments"] for r in rows] == [2, 4]
    assert json.loads((out / "summary.json").read_text())["test_games"] == 2
