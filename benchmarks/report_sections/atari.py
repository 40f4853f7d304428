"""RESULTS.md section of benchmarks/atari.py (Atari: NEAT on RAM, deep GA on pixels, random search)."""
from __future__ import annotations

import json
import pathlib
from statistics import mean

ORDER = 240
NAMES = {"neat_ram": "NEAT, RAM", "ga_pixels": "deep GA (seed chains), pixels", "random_search": "random search, pixels"}


def pick_text(settings: dict[str, dict]) -> str:
    """How the champions were picked, with each method's sizes (older results took the best training score)."""
    sizes = {a: (c.get("reeval_top"), c.get("reeval_episodes")) for a, c in settings.items() if a in NAMES}
    if any(top is None for top, _ in sizes.values()):
        return ("Champion = the best single training score (one episode per evaluation), so lucky episodes pick "
                "it.")
    groups: dict[tuple, list[str]] = {}
    for a, size in sizes.items():
        groups.setdefault(size, []).append(NAMES[a].split(",")[0])
    each = "; ".join(f"{' and '.join(names)}: the {top} best, {eps} episodes each" for (top, eps), names in
                     groups.items())
    return ("Champion pick, the same rule for every method: the best candidates of the run by their one training "
            "episode play more episodes each (the same episodes for all), and the best mean wins (Such et al. 2017 "
            f"re-evaluate their top candidates likewise); these frames count in the budget ({each}).")


def load_range(d: dict) -> str:
    """The 1-minute load averages before and after the runs (over the merged parts when there are any)."""
    metas = d.get("parts") or [d["meta"]]
    loads = [m[k][0] for m in metas for k in ("load_before", "load_after") if k in m]
    return f"{min(loads):.1f}-{max(loads):.1f}"


def budget_text(d: dict) -> str:
    """What the published budgets would cost at the frames/s measured here."""
    pixel = [r["fps"] for e in d["games"].values() for a in ("ga_pixels", "random_search")
             for r in e["runs"].get(a, [])]
    ram = [r["fps"] for e in d["games"].values() for r in e["runs"].get("neat_ram", [])]
    if not pixel or not ram:
        return ""
    px, rm = mean(pixel), mean(ram)
    return (f"What the published budgets would cost here: the DQN network on pixels ran at {px:,.0f} frames per CPU "
            f"second, so one deep-GA run of Such et al. (1B frames) would take {1e9 / px / 86400:,.0f} CPU-days "
            "(Such et al. report about 4 hours on one workstation, or 1 hour on 720 cores); NEAT on RAM ran at "
            f"{rm:,.0f} frames per CPU second, "
            f"so Hausknecht et al.'s 100 x 250 episodes of up to 50,000 frames (at most 1.25B frames) would take up "
            f"to {1.25e9 / rm / 86400:,.0f} CPU-days.")


def per_algorithm(d: dict) -> tuple[dict[str, int], dict[str, dict]]:
    """(frames, settings) per algorithm: a merged file keys them by algorithm, a single run's are shared."""
    frames = d["frames"] if isinstance(d["frames"], dict) else {a: d["frames"] for a in NAMES}
    settings = d["settings"] if set(d["settings"]) <= set(NAMES) else {a: d["settings"] for a in NAMES}
    runs = {a for e in d["games"].values() for a in e["runs"]}
    return ({a: f for a, f in frames.items() if a in runs}, {a: c for a, c in settings.items() if a in runs})


def table(d: dict) -> tuple[list[str], list[str], list[tuple[str, float, float]]]:
    """The per-game table; the games where NEAT and the deep GA both beat the random policy on every seed; and
    (game, GA mean, random-search mean)."""
    out = ["| game | method | held-out score per seed | mean | beats random on every seed | frames | CPU s | "
           "frames/s |", "|---|---|---|---|---|---|---|---|"]
    both, ga_rs = [], []
    for game, e in d["games"].items():
        rp = e["random_policy"] if e["random_policy"] is not None else float("nan")
        if all(e.get(a) and all(x > rp for x in e[a]) for a in ("neat_ram", "ga_pixels")):
            both.append(game)
        out.append(f"| {game} | uniform random policy | {rp:.1f} | {rp:.1f} | | | | |")
        for algo, runs in e["runs"].items():
            scores = [r["score"] for r in runs]
            per_seed = ", ".join(f"{x:.1f}" for x in scores)
            used = ", ".join(f"{r['frames_used']:,}" for r in runs)
            cpu = ", ".join(f"{r['cpu_s']:.0f}" for r in runs)
            every = "yes" if all(x > rp for x in scores) else "no"
            out.append(f"| {game} | {NAMES.get(algo, algo)} | {per_seed} | {mean(scores):.1f} | {every} | {used} | "
                       f"{cpu} | {mean(r['fps'] for r in runs):,.0f} |")
        if "ga_pixels" in e and "random_search" in e:
            ga_rs.append((game, mean(e["ga_pixels"]), mean(e["random_search"])))
    return out, both, ga_rs


def verdicts(d: dict, both: list[str], ga_rs: list[tuple[str, float, float]]) -> list[str]:
    return [f"NEAT (RAM) and the deep GA (pixels) both beat the random policy on every seed on {len(both)} of "
            f"{len(d['games'])} games ({', '.join(both) or 'none'}; the issue asks for >= 3).", "",
            "Deep GA against random search at equal frames (Such et al. 2017's claim: the GA beats random "
            "search): " + "; ".join(f"{g}: GA {a:.1f} vs RS {b:.1f} ({'GA' if a > b else 'RS' if b > a else 'tie'})"
                                   for g, a, b in ga_rs)
            + f" -> the GA wins on {sum(a > b for _, a, b in ga_rs)} of {len(ga_rs)} games (the issue asks for >= 2).",
            ""]


def progress_means(results_dir: pathlib.Path) -> dict[tuple[str, str], list[list[float]]]:
    """(game, algorithm) -> per run, the population's mean training score of each generation, read from the
    ``--progress`` logs kept beside the results (``atari_*.progress.log``: a run's generation lines come before
    the line that reports its score)."""
    import re

    gen = re.compile(r"^generation \d+: best [-\d.]+, mean ([-\d.]+);")
    done = re.compile(r"^(\w+) seed \d+ (\w+): score ")
    out: dict[tuple[str, str], list[list[float]]] = {}
    for log in sorted(results_dir.glob("atari_*.progress.log")):
        means: list[float] = []
        for line in log.read_text().splitlines():
            if m := gen.match(line):
                means.append(float(m.group(1)))
            elif m := done.match(line):
                out.setdefault((m.group(1), m.group(2)), []).append(means)
                means = []
    return out


def curves(d: dict, results_dir: pathlib.Path, first: int = 5) -> str:
    """Best training score per generation (one episode each), averaged over the first and the last ``first``
    generations of each run, then over seeds: whether a method still climbs at the end of its budget."""
    def span(runs: list[list[float]]) -> str:
        return f"{mean(mean(c[:first]) for c in runs):.1f} -> {mean(mean(c[-first:]) for c in runs):.1f}"

    logged = progress_means(results_dir)
    parts = []
    for game, e in d["games"].items():
        cells = []
        for algo in ("ga_pixels", "random_search"):
            runs = [r["best_training"] for r in e["runs"].get(algo, []) if len(r.get("best_training", [])) >= 2 * first]
            means = [c for c in logged.get((game, algo), []) if len(c) >= 2 * first]
            if runs:
                cell = f"{'GA' if algo == 'ga_pixels' else 'RS'} best {span(runs)}"
                cells.append(cell + (f", mean {span(means)}" if len(means) == len(runs) else ""))
        if cells:
            parts.append(f"{game}: {'; '.join(cells)}")
    if not parts:
        return ""
    return (f"Training scores along the runs (one episode per network): a generation's best and its population "
            f"mean, each averaged over the first {first} and over the last {first} generations of a run, then over "
            "seeds (the means come from the runs' `--progress` logs, `benchmarks/results/atari_*.progress.log`): "
            + " | ".join(parts) + ".")


def header_line(d: dict) -> str:
    meta = d["meta"]
    return (f"`{meta['command']}` (commit {meta['commit'][:10]}, {meta['date']}, seeds {meta['seeds']}, "
            f"{meta['machine']['cpu']} x{meta['machine']['cores']}, load {load_range(d)}; the parts it merges ran as "
            "separate processes, commands in the results file)")


def settings_text(d: dict) -> str:
    frames, settings = per_algorithm(d)
    budget = "; ".join(f"{NAMES[a]}: {frames[a]:,}" for a in NAMES if a in frames)
    neat, ga = settings.get("neat_ram", {}), settings.get("ga_pixels", settings.get("random_search", {}))
    return (f"Training frames per run: {budget}, the champion pick included (whole generations, so runs overshoot a "
            f"little: see 'frames'); every episode cut at {d['episode_frames']:,} frames. NEAT population "
            f"{neat.get('neat_pop')}; deep GA population {ga.get('ga_pop')} (truncation {ga.get('truncation')}, "
            f"sigma {ga.get('sigma')}, 1 elite, evaluated again each generation); random search {ga.get('ga_pop')} "
            "fresh networks per generation. " + pick_text(settings) + " Score = the champion's mean over 30 "
            "held-out episodes (the same for every method and the random policy); CPU s and frames/s cover training "
            "and the champion pick, not the test (`time.process_time` of the run's process).")


def short_settings(d: dict) -> str:
    """The settings of an older run in one sentence (its protocol is the one described above)."""
    frames, settings = per_algorithm(d)
    ga = settings.get("ga_pixels", {})
    return (f"The same protocol, with {', '.join(f'{frames[a]:,}' for a in frames)} frames per run "
            f"(NEAT, GA, RS); NEAT population {settings.get('neat_ram', {}).get('neat_pop')}; deep GA population "
            f"{ga.get('ga_pop')} (truncation {ga.get('truncation')}, sigma {ga.get('sigma')}); random search "
            f"{ga.get('ga_pop')} per generation; champion pick: the {ga.get('reeval_top')} best, "
            f"{ga.get('reeval_episodes')} episodes each.")


def earlier(results_dir: pathlib.Path) -> list[str]:
    """The first comparison (90,000 frames per run, population 8), from its three per-game files."""
    parts = [results_dir / f"atari_{g}.json" for g in ("enduro", "frostbite", "seaquest")]
    if not all(p.is_file() for p in parts):
        return []
    ds = [json.loads(p.read_text()) for p in parts]
    d = {**ds[0], "games": {k: v for x in ds for k, v in x["games"].items()}}
    rows, both, ga_rs = table(d)
    cmds = "; ".join(f"`{x['meta']['command']}`" for x in ds)
    return ["### The first check: 90,000 frames per run", "",
            f"{cmds} (commit {ds[0]['meta']['commit'][:10]}, {ds[0]['meta']['date']}, load {load_range(d)})", "",
            short_settings(d), "", *rows, "", *verdicts(d, both, ga_rs),
            "Reading: at this budget a run is about 7 generations of 8 networks. Random search draws some 56 fresh "
            "networks; the GA draws 8 and spends the rest on sigma-0.002 mutants of its first finds, which pays "
            "only once selection has something to exploit (on Enduro seed 1 the GA's first four generations scored "
            "0 everywhere, so its parents were picked by the tie-break). That is why the comparison above was run "
            "again at 33 times the frames, with a population of 50.", ""]


def render(results_dir: pathlib.Path) -> str:
    path = results_dir / "atari.json"
    out = ["## Atari: NEAT on RAM, deep GA on pixels, random search", ""]
    if not path.is_file():
        return "\n".join(out + ["Results not yet measured: run `python benchmarks/atari.py`.", ""])
    d = json.loads(path.read_text())
    rows, both, ga_rs = table(d)
    out += [header_line(d), "", settings_text(d), "", *rows, "", *verdicts(d, both, ga_rs)]
    if curves(d, results_dir):
        out += [curves(d, results_dir), ""]
    chains = [(g, r) for g, e in d["games"].items() for r in e["runs"].get("ga_pixels", []) if "file_bytes" in r]
    if chains:
        out += ["Seed chains: the seed-0 deep-GA champions (1,686,180 + 513 x (actions - 4) weights) are stored as " +
                ", ".join(f"{g}: {r['chain_length']} seeds in {r['file_bytes']:,} bytes" for g, r in chains) +
                " (`genomes/seed_chains/`; replayed bit-identically, checked by SHA-256 in the tests and by "
                "`topoevo play`).", ""]
    out += ["Published figures (full games and budgets orders of magnitude larger; not comparable with ours "
            "except as a direction):", ""]
    for game, e in d["games"].items():
        for name, p in e.get("published", {}).items():
            flag = "" if p.get("verified") else " (quoted from the paper's table, not re-checked in this work)"
            out.append(f"- {game}, {name}: {p['score']:g} at {p['budget']}; {p['source']}{flag}.")
    out += ["- Hausknecht et al. 2014 (NEAT and HyperNEAT on 61 games, object/pixel/noise inputs; population 100, "
            "250 generations, 50,000-frame cap) and Such et al. 2017 (deep GA and random search on 13 games at 1B "
            "frames; population 1,000, truncation 20, sigma 0.002) report per-game tables we could not retrieve "
            "here; their exact figures for these games are not quoted.", "",
            NOTES.format(episode_frames=d["episode_frames"], budget=budget_text(d)), "", READING, ""]
    return "\n".join(out + earlier(results_dir))


NOTES = (
    "Notes: the games are Enduro, Frostbite and Seaquest, chosen before any run on them (commit 604372c sets them, "
    "before the first result) from the 13 games of Such et al. 2017 because their reward comes early and often "
    "enough to show inside a short episode (passing cars; jumping onto ice floes; shooting fish). The earlier "
    "results (Asterix, Boxing, Freeway at 30,000-60,000 frames with the champion = the best single training score, "
    "under load 40-75) are replaced: Asterix and Boxing lost to the random policy there, and Freeway is not one of "
    "Such et al.'s games. The protocol is v5 (Machado et al. 2018: frame skip 4, sticky actions 0.25, minimal action "
    "set) with up to 30 no-op starts, but the {episode_frames:,}-frame episode cap (25 s of play instead of 5-30 "
    "minutes) shrinks every score; the random policy plays the same capped held-out episodes, so the 'beats random' "
    "column compares like with like. {budget}")

#: the reading of the current results (written after they were measured; the figures above are generated)
READING = (
    "Reading (these results): at 3M frames per run (33 times the first check below: 40 generations of 50 networks) "
    "NEAT on RAM and the deep GA on pixels beat the random policy on every seed of the three games; at 90,000 frames "
    "the GA had not (Seaquest). Such et al.'s claim is still not reproduced: the GA beats random search on Enduro "
    "only, by less than the spread between seeds, and loses on Frostbite and Seaquest. The training lines above "
    "show where it fails. Selection works: the GA's populations climb far above random search's, whose "
    "generations are fresh random networks. What fails is turning that into a better held-out champion. Every "
    "training evaluation is one episode under sticky actions and random no-op starts, and the champion pick "
    "re-plays the 10 best single-episode scores of the run for 5 episodes each. On Frostbite seed 1 the GA found "
    "networks that scored 330-740 in training (random search's best single episode in its 3M frames was 190), they "
    "re-played at 162-306, and the pick's winner (306 over its 5 episodes) held 159 over the 30 held-out "
    "episodes. A GA population is mostly close relatives, so its best single episodes are largely luck that 5 "
    "shared re-play episodes cannot tell apart; random search's independent draws suffer less from this. "
    "Settings were fixed before the runs and tuned on no seed: Such et "
    "al.'s sigma 0.002 and one elite (played again each generation), truncation at 20% of the population, and a "
    "larger champion pick (10 x 5 instead of 3 x 3, 2.5% of the budget). What we would try next: Such et al.'s "
    "elite selection (each generation the top 10 re-played for 30 episodes; at a population of 50 that is 6 times "
    "a generation's frames, so a population of 200 or more to keep it near their 30%), a 30-episode champion pick, "
    "and longer episodes. A run here costs about 17 CPU minutes at 3M frames, so each of these is a session of "
    "its own. The two seeds ran side by side, one process per core (load about 3 while they ran; CPU seconds are "
    "each process's own).\n\n"
    "Found after these runs, while re-playing the champions: ALE's restoreState does not redraw the screen, so a "
    "pixel episode with no no-op frames (1 start in 31; 1 of the 30 held-out episodes) began from the last screen "
    "of the emulator's previous "
    "episode. Fixed (the first observation is now the start screen, what a fresh emulator shows; "
    "tests/test_atari.py checks it); RAM observations were never affected. The pixel figures above were measured "
    "before the fix and are reproduced by their commit, not by later ones. The saved seed-0 champions re-played on "
    "fresh emulators: Frostbite and Seaquest give their recorded held-out scores exactly; Enduro gives 5.43 "
    "instead of 5.63 (that held-out episode had started from a stale screen in the training process), and its "
    "file records both.")
