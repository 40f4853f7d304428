"""RESULTS.md section of benchmarks/atari.py (Atari: NEAT on RAM, deep GA on pixels, random search)."""
from __future__ import annotations

import json
import pathlib
from statistics import mean

ORDER = 240
NAMES = {"neat_ram": "NEAT, RAM", "ga_pixels": "deep GA (seed chains), pixels", "random_search": "random search, pixels"}


def render(results_dir: pathlib.Path) -> str:
    path = results_dir / "atari.json"
    out = ["## Atari: NEAT on RAM, deep GA on pixels, random search", ""]
    if not path.is_file():
        return "\n".join(out + ["Results not yet measured: run `python benchmarks/atari.py`.", ""])
    d = json.loads(path.read_text())
    meta = d["meta"]
    per_algo = isinstance(d["frames"], dict)
    frames = d["frames"] if per_algo else {a: d["frames"] for a in NAMES}
    settings = d["settings"] if per_algo else {a: d["settings"] for a in NAMES}
    budget = "; ".join(f"{NAMES[a]}: {frames[a]:,}" for a in NAMES if a in frames)
    neat, ga = settings.get("neat_ram", {}), settings.get("ga_pixels", settings.get("random_search", {}))
    out += [f"`{meta['command']}` (commit {meta['commit'][:10]}, {meta['date']}, seeds {meta['seeds']}, "
            f"{meta['machine']['cpu']} x{meta['machine']['cores']}, load {meta['load_before'][0]:.1f} -> "
            f"{meta['load_after'][0]:.1f}; the parts it merges ran as separate processes, commands in the results "
            "file)", "",
            f"Training frames per run: {budget} (whole generations, so runs overshoot a little: see 'frames'); "
            f"every episode cut at {d['episode_frames']:,} frames. NEAT population {neat.get('neat_pop')}; deep GA "
            f"population {ga.get('ga_pop')} (truncation {ga.get('truncation')}, sigma {ga.get('sigma')}, 1 elite); "
            f"random search {ga.get('ga_pop')} fresh networks per generation. Score = the champion's (best training "
            "score) mean over 30 held-out episodes; CPU s and frames/s are training only (`time.process_time` of "
            "the run's process).", "",
            "| game | method | held-out score per seed | mean | beats random on every seed | frames | CPU s | "
            "frames/s |", "|---|---|---|---|---|---|---|---|"]
    ga_wins = []
    for game, e in d["games"].items():
        rp = e["random_policy"] if e["random_policy"] is not None else float("nan")
        out.append(f"| {game} | uniform random policy | {rp:.1f} | {rp:.1f} | | | | |")
        for algo, runs in e["runs"].items():
            scores = [r["score"] for r in runs]
            every = all(x > rp for x in scores)
            per_seed = ", ".join(f"{x:.1f}" for x in scores)
            used = ", ".join(f"{r['frames_used']:,}" for r in runs)
            cpu = ", ".join(f"{r['cpu_s']:.0f}" for r in runs)
            fps = mean(r["fps"] for r in runs)
            out.append(f"| {game} | {NAMES.get(algo, algo)} | {per_seed} | {mean(scores):.1f} | "
                       f"{'yes' if every else 'no'} | {used} | {cpu} | {fps:,.0f} |")
        if "ga_pixels" in e and "random_search" in e:
            ga_wins.append((game, mean(e["ga_pixels"]), mean(e["random_search"])))
    out += ["", "Deep GA against random search at equal frames (Such et al. 2017's claim: the GA beats random "
            "search): " + "; ".join(f"{g}: GA {a:.1f} vs RS {b:.1f} ({'GA' if a > b else 'RS' if b > a else 'tie'})"
                                   for g, a, b in ga_wins)
            + f" -> the GA wins on {sum(a > b for _, a, b in ga_wins)} of {len(ga_wins)} games.", ""]
    chains = [(g, r) for g, e in d["games"].items() for r in e["runs"].get("ga_pixels", []) if "file_bytes" in r]
    if chains:
        out += ["Seed chains: the deep-GA champions (1,686,180 + 513 x (actions - 4) weights) are stored as " +
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
            "Notes: the protocol is v5 (Machado et al. 2018: frame skip 4, sticky actions 0.25, minimal action set) "
            "with up to 30 no-op starts, but the 1,500-frame episode cap (25 s of play instead of 5-30 minutes) "
            "shrinks every score; the random policy plays the same capped held-out episodes, so the 'beats random' "
            "column compares like with like. Budgets were set by the shared 2-core machine (load 40-75 while "
            "these ran, each process getting about 1% of a core): 20-40 training episodes per run, i.e. 2-4 "
            "generations, so these are small-budget checks, not reproductions. Each candidate is scored on one "
            "training episode and the champion is the best single score, so lucky episodes pick the champion: the "
            "held-out scores fall below the training scores (Such et al. re-evaluate their top candidates; with "
            "this budget we could not). After these runs a determinism fix (every episode now restores the emulator "
            "state saved after its first reset, random generator included; before, the console's power-on state "
            "depended on the episodes an emulator had run) changed one replay: the Freeway RAM champion's held-out "
            "score is 3.73 on replay against the 3.80 measured here; every other champion replays its figure "
            "exactly. On Freeway the GA and random search both find networks that always press "
            "UP (4 crossings in 1,500 frames), a tie at this budget.", ""]
    return "\n".join(out)
