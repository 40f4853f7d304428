"""Running self-play: the driver of the configured ``[selfplay] scheme`` (:func:`make_selfplay`) and the
``topoevo selfplay`` command's run (:func:`run_selfplay`)."""
from __future__ import annotations

from typing import Any

from topoevo.config.selfplay import SelfPlayConfig
from topoevo.search.selfplay import SelfPlay
from topoevo.search.selfplay_tournament import TournamentSelfPlay


def make_selfplay(algo: Any, cfg: SelfPlayConfig, seed: int = 0) -> SelfPlay:
    """The driver of ``cfg.scheme``: :class:`SelfPlay` ('generations') or
    :class:`~topoevo.search.selfplay_tournament.TournamentSelfPlay` ('tournament')."""
    if cfg.scheme == "tournament":
        return TournamentSelfPlay(algo, cfg, seed)
    return SelfPlay(algo, cfg, seed)


def run_selfplay(config: Any, seed: int, generations: int, out: Any) -> dict[str, Any]:
    """``topoevo selfplay``: NEAT (the config's ``[neat]``/``[genome]``) by self-play on Slime Volleyball for
    ``generations`` generations (the tournament scheme: rounds); writes ``stats.jsonl`` (one line per generation),
    ``champion.json`` (the final champion) and ``summary.json`` (held-out tests: the final and generation-0
    champions against the built-in opponent, and the final against the generation-0 champion) into the directory
    ``out``; returns the summary.
    (No checkpoints: a self-play run is short and starts again from its seed.)"""
    import dataclasses
    import json
    from pathlib import Path

    from topoevo.genome.io import write_json_atomic
    from topoevo.neat.algorithm import NEAT
    from topoevo.tasks.slimevolley import NUM_INPUTS, NUM_OUTPUTS

    cfg = config.replace(genome=dataclasses.replace(config.genome, num_inputs=NUM_INPUTS, num_outputs=NUM_OUTPUTS))
    sp = make_selfplay(NEAT(cfg, seed), cfg.selfplay, seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "stats.jsonl", "w", encoding="utf-8") as log:
        for _ in range(generations):
            log.write(json.dumps(sp.step()) + "\n")
            log.flush()
    final, first = sp.champions[-1], sp.champions[0]
    h2h = sp.head_to_head(final, first)
    summary = {"generations": generations, "seed": seed, "game_steps": sp.frames,
               "vs_builtin_final": float(sp.vs_builtin(final).mean()),
               "vs_builtin_gen0": float(sp.vs_builtin(first).mean()),
               "vs_gen0_win_rate": float((h2h > 0).mean()), "test_games": cfg.selfplay.test_games}
    sp.algo.save_candidate(final, out / "champion.json", {"task": "slimevolley", "task_file": config.source,
                                                           "seed": seed,
                                                           "generation": generations, "selfplay": summary})
    write_json_atomic(out / "summary.json", summary)
    return summary
