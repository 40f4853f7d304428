"""RESULTS.md section: ERL vs TD3 vs GA vs random search at equal environment steps, and our TD3 vs
Stable-Baselines3's (benchmarks/erl.py)."""
from __future__ import annotations

import json
import pathlib
import statistics

ORDER = 251
NO_PAPER = {"bipedalwalker": "Khadka & Tumer 2018 report MuJoCo tasks only (no BipedalWalker figure to set beside).",
            "pendulum": "no paper figure (the check of our TD3 against Stable-Baselines3's).",
            "lunarlander_continuous": "no paper figure (Khadka & Tumer 2018 report MuJoCo tasks only)."}
# Rows measured before ERL's generation step followed the paper's code (commit 73ae08c): tournament + mutation only,
# the learner's actor into the last slot, learning_starts 1000, gamma 0.99, elites 0.1 / sync 10 on Hopper too.
EARLIER_CODE = ("783820f", "9e10fcd", "5a9a241", "a493855")
# Why ERL does or does not beat both, per environment, from the curves and per-seed returns of the rows above.
WHY = {
    "hopper": "with the paper's Hopper settings ERL is 16 points behind the GA (1,019 vs 1,034; the earlier code: "
              "982). Every population method ends standing still (return ~1,000 = 1,000 steps alive with almost no "
              "forward motion; the curves are flat at ~1,000 from ~5-17k steps on), and the GA's 20 children per "
              "generation with small Gaussian steps polish that posture a little further than ERL's 10 actors "
              "(ERL +0.5, -13, -34 against the GA per seed). TD3 alone (40k updates after its 10k random steps) is "
              "only starting to learn at the end: its test returns are 270-351 (it falls), its training rollouts "
              "~330-360 on seeds 0-1 and, on seed 2, rising from ~200 at 40k steps to 1,038 in the last episode. "
              "Inside ERL the learner's actor (synced every generation into the worst slot) is far below the standing "
              "elites and below TD3 alone (diagnostic below: rollouts of 10-194 after 45k updates, on a buffer almost "
              "all the population's: 10 standing actors x ~1,000 steps per generation against its ~50), so it is dropped again each generation and ERL here is its GA with "
              "half the GA's population. The paper's Hopper gain over its "
              "EA shows after ~1M steps, where DDPG/TD3 hop (2,000-3,000).",
    "bipedalwalker": "1,600-step time-outs of standing policies make one ERL generation up to ~17,600 steps: ERL "
                     "had 5-6 generations in 50k steps, the GA (20 per generation) 3-4 (whole generations overshoot: "
                     "the GA ran 56-71k steps, ERL 55-61k, TD3 and random search 51-58k). TD3 alone falls every "
                     "episode (-94 to -142, the 'fall' penalty -100 included), and every population method stands still: the order of ERL, GA and "
                     "random search is which standing policy a seed drew first (ERL -5, -28, -15 against the GA's "
                     "-16, -9, -18: ERL ahead on seeds 0 and 2, behind on seed 1). Inside ERL the learner's actor "
                     "beat on average 0.6-2 of the 10 actors after its first update and was never a generation's "
                     "best. Nobody walks at this budget (rl-zoo's TD3 needs ~1M steps for ~300).",
    "lunarlander_continuous": "50,000 steps are 40-44 ERL generations (the learner trains from 10,000 steps on). "
                              "ERL is ahead of both on the mean (-63 against TD3 -88 and the GA -139) but not on "
                              "every seed (per seed ERL -116, -85, 13; TD3 -82, -24, -158; GA -217, -96, -103), "
                              "and the spread between seeds is as large as the gaps. Here the learner does take "
                              "part: after its first update its actor beat on average 4.2, 5.4 and 6.3 of the 10 "
                              "evolved actors (seeds 0-2) and was the generation's best in 0, 4 and 7 of ~30 "
                              "generations (results file: learner_curve). (The earlier row, 5,000 steps, was too "
                              "short for the learner to train at all.)",
}


def _ms(xs: list[float]) -> str:
    if not xs:
        return "-"
    sd = statistics.pstdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.fmean(xs):.1f} ± {sd:.1f} (n={len(xs)})"


def _diagnostic(path: pathlib.Path) -> str:
    """What ERL's learner did inside ERL: its exploring rollout's return each generation against the population's."""
    r = json.loads(path.read_text())
    parts = []
    for run in r.get("runs", []):
        lc = [g for g in run.get("learner_curve", []) if g[3] > 0]  # generations after the first update
        if not lc:
            continue
        n = len(run.get("learner_curve", []))
        best = sum(1 for g, c in zip(run["learner_curve"], run["curve"]) if g[3] > 0 and g[1] >= c[1])
        parts.append(f"seed {run['seed']}: {n} generations, {len(lc)} after the learner's first update "
                     f"({lc[-1][3]:,} updates by the end); in those its exploring rollout returned {min(g[1] for g in lc):.0f} to {max(g[1] for g in lc):.0f} "
                     f"(last {lc[-1][1]:.0f}), beat on average {statistics.fmean(g[2] for g in lc):.1f} of the "
                     f"evolved actors and was the generation's best {best} times; ERL's "
                     f"final test return {run['test_return']:.0f}")
    cmd = r["meta"]["command"]
    return (f"- diagnostic, {r['env']} {r['steps']:,} steps, tuning seed(s) {r['seeds']} (not in the table; "
            f"`{cmd}`): " + ("; ".join(parts) if parts else "no learner curve") + ".")


def render(results_dir: pathlib.Path) -> str:
    out = ["## ERL vs TD3 vs the GA vs random search (equal environment steps)", ""]
    paths = sorted(results_dir.glob("erl_*.json"))
    files = [p for p in paths if "_diag" not in p.stem]  # diagnostics (tuning seeds) are described, not tabled
    diags = [p for p in paths if "_diag" in p.stem]
    if not files:
        return "\n".join(out + ["(results not yet measured: `python benchmarks/erl.py --env lunarlander_continuous "
                                "--steps 10000 --seeds 3 --sb3`)", ""])
    methods = ("erl", "td3", "ga", "random_search", "sb3_td3")
    out += ["| environment | steps | " + " | ".join(methods) + " |", "|---|---|" + "---|" * len(methods)]
    notes = []
    for path in files:
        r = json.loads(path.read_text())
        part = "" if r.get("complete", True) else " (stopped early: the seeds run so far)"
        if r.get("erl") and str(r["meta"]["commit"]).startswith(EARLIER_CODE):
            part += " *earlier code*"
        out.append(f"| {r['env']}{part} | {r['steps']:,} | " + " | ".join(_ms(r.get(m, [])) for m in methods) + " |")
        notes.append(f"- {r['env']}: `{r['meta']['command']}` (commit {r['meta']['commit'][:10]}, load before/after "
                     f"{r['meta']['load_before']} / {r['meta']['load_after']}); curves: "
                     f"benchmarks/results/{path.stem}.png")
        if r.get("paper") is None and r["env"] in NO_PAPER:
            notes.append(f"  - paper: {NO_PAPER[r['env']]}")
        if r.get("paper"):
            p = r["paper"]
            notes.append(f"  - paper (Khadka & Tumer 2018) at **their** budget, {p['env']}, {p['steps']:,} steps: "
                         f"{p['note']}. Not comparable with our budget.")
        erl, td3, ga = (statistics.fmean(r[m]) if r.get(m) else None for m in ("erl", "td3", "ga"))
        if None not in (erl, td3, ga):
            verdict = "beats both" if erl > td3 and erl > ga else "does not beat both"
            notes.append(f"  - ERL {verdict} TD3 ({td3:.1f}) and the GA ({ga:.1f}) here: {erl:.1f}. Per seed: ERL "
                         + ", ".join(f"{x:.0f}" for x in r["erl"]) + "; TD3 " + ", ".join(f"{x:.0f}" for x in r["td3"])
                         + "; GA " + ", ".join(f"{x:.0f}" for x in r["ga"]) + ".")
        if r.get("sb3_td3") and r.get("td3"):
            ours, ref = statistics.fmean(r["td3"]), statistics.fmean(r["sb3_td3"])
            gap = abs(ours - ref) / abs(ref) if ref else float("inf")
            verdict = "within" if gap <= 0.15 else "NOT within"
            notes.append(f"  - own TD3 {ours:.1f} vs Stable-Baselines3 TD3 {ref:.1f}: {verdict} 15% (gap "
                         f"{100 * gap:.1f}% of SB3's; same networks, batch, noise, learning_starts, one gradient step "
                         "per environment step after each episode).")
            notes.append("    Per seed: ours " + ", ".join(f"{x:.0f}" for x in r["td3"]) + "; SB3 "
                         + ", ".join(f"{x:.0f}" for x in r["sb3_td3"]) + f" (medians {statistics.median(r['td3']):.0f} "
                         f"vs {statistics.median(r['sb3_td3']):.0f}).")
            if r.get("sb3_settings"):
                st = r["sb3_settings"]
                notes.append(f"    Both sides (SB3 {st['sb3_version']}): actor {st['actor_hidden']} / critics "
                             f"{st['critic_hidden']} ReLU, learning rate {st['learning_rate']:g} (actor and critics), "
                             f"batch {st['batch_size']}, learning_starts {st['learning_starts']} (uniform random "
                             f"actions until then), tau {st['tau']:g}, gamma {st['gamma']:g}, policy_delay "
                             f"{st['policy_delay']}, target noise {st['target_policy_noise']:g} clipped at "
                             f"{st['target_noise_clip']:g}, Gaussian exploration noise {st['exploration_noise']:g}, "
                             f"train after each episode with {st['gradient_steps']}, timeouts bootstrapped (not "
                             "terminal). These are our task file's settings given to SB3, not SB3's defaults (2.9.2: "
                             "[400, 300], batch 256, learning_starts 100, a gradient step after every environment "
                             "step). One difference remains: SB3 starts training after the first episode that ends "
                             "*beyond* learning_starts steps, ours after the one that reaches it (one 200-step "
                             "episode's updates earlier on Pendulum).")
            if "sb3_test" not in r:
                notes.append("    Measured before SB3's actor was tested through our task: SB3 trained and was tested on "
                             "gymnasium's environment (same episode seeds), ours on the task's (EnvPool where it has "
                             "the environment), so the start states of the test episodes differed; the same seeds' "
                             "training curves of our TD3 reach SB3-like returns (Pendulum: -1 to -130 in the last "
                             "rollouts) while the final deterministic actor's test varies from seed to seed. With n = 3 "
                             "and these budgets the gap is within the seed-to-seed spread of either side.")
    measured = {json.loads(p.read_text())["env"] for p in files}
    for env in ("bipedalwalker", "hopper", "pendulum", "lunarlander_continuous"):
        if env not in measured:
            args = "--steps 20000 --seeds 5 --methods td3 --sb3" if env == "pendulum" else "--steps 50000 --seeds 3"
            out.append(f"| {env} | not yet measured (`python benchmarks/erl.py --env {env} {args}`) | - | - | - | - "
                       "| - |")
    wins = sorted(r["env"] for r in map(lambda p: json.loads(p.read_text()), files)
                  if r.get("erl") and r.get("td3") and r.get("ga")
                  and statistics.fmean(r["erl"]) > max(statistics.fmean(r["td3"]), statistics.fmean(r["ga"])))
    out += ["", "Final mean test return per seed (held-out episodes, not counted), mean ± std over seeds.", "",
            *notes, "",
            f"**ERL beats both TD3 alone and the GA alone on {len(wins)} of the 3 environments** "
            f"({', '.join(wins) if wins else 'none'}). Why, per environment:", "",
            *[f"- {env}: {text}" for env, text in WHY.items()], *[_diagnostic(p) for p in diags], "",
            "What was checked against the paper (Khadka & Tumer 2018 and its code) and rl-zoo's TD3, and fixed "
            "(commit 73ae08c): ERL's generation step is now the paper code's (`SSNE.epoch`): the elites are copied "
            "into slots no tournament chose, the remaining such slots become crossovers (rows of weight matrices "
            "swapped) of an elite copy and a tournament winner, every slot but the elite copies is mutated with "
            "probability 0.9 (a matrix with probability min(1, 2u), a uniform number of up to 10% of its entries), "
            "and the learner's actor takes the slot of the evaluation's worst actor every omega generations "
            "(before: tournament + mutation only, the learner into the last slot); the paper's Hopper settings "
            "(elite fraction 0.3, omega = 1; 0.1 and 10 elsewhere); one gradient step per environment step of the "
            "generation, all rollouts counted (the paper's frac_frames_train = 1) - unchanged; TD3 as rl-zoo: 10,000 "
            "steps of uniform random actions before the first update (also the ERL-TD3 code's start_frames), "
            "Gaussian exploration noise 0.1, gamma 0.98 on the Box2D tasks (before: 1,000 steps, gamma 0.99). "
            "Deviations kept for the CPU budget: actor 64-64 ReLU without layer norm (paper 128-128 with layer "
            "norm), critics 64-64 (paper 200-300, rl-zoo 400-300), batch 128 (paper 128, rl-zoo 256), tau 0.005 "
            "(TD3's; the paper's DDPG 0.001), one episode per fitness evaluation (paper: 5 on Hopper: a generation "
            "of 10 standing actors would cost 50,000 steps, the whole budget). Rows marked *earlier code* were "
            "measured before the fix.", "",
            "Why the budgets are small: a TD3 gradient step (64-64 networks, batch 128) costs ~2.4 ms CPU (after "
            "the multi-tensor Adam and soft updates; 2.9 ms before), so ERL and TD3 cost ~120 CPU s per 50k-step "
            "run while the GA and random search cost 5-15; under this session's load (7-10 on 2 cores) one Hopper "
            "seed of the four methods took ~19 minutes. The paper trains for 1-10 million steps (Hopper 4M): "
            "1M steps would be ~40 CPU min per learner run, 3 seeds x (ERL + TD3) x 3 environments ~12 CPU hours. "
            "At 50k steps the learner has not yet learned what the population already found (standing), so ERL's "
            "gain over TD3 is its population's, and its tie with the GA is the GA's; the regime where the paper's "
            "ranking (ERL > TD3/DDPG > EA) shows was not reached here.", ""]
    return "\n".join(out)
