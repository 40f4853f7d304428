"""The ``topoevo`` command: run, resume, show, play, sweep, compare. Bad input -> one line on stderr and exit code 2."""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from pathlib import Path
from typing import Any, Sequence

from topoevo.errors import TopoevoError

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="topoevo", description="NEAT and neural architecture search on PyTorch.")
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a task file (TOML)")
    r.add_argument("taskfile")
    r.add_argument("--seed", type=int, default=None, help="override run.seed")
    r.add_argument("--generations", type=int, default=None, help="override run.generations")
    r.add_argument("--out", default=None, help="run directory (must not exist or be empty)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("--task", default=None, metavar="NAME|TASKFILE.toml",
                   help="neat-python INI configs only: the task to run, by name or as the [task] table of a TOML task "
                        "file (default: xor for a 2-input, 1-output config)")
    r.add_argument("--tensorboard", action="store_true", help="also write TensorBoard logs (run.tensorboard)")
    _add_evaluator_options(r)
    s = sub.add_parser("resume", help="continue a run from its directory's checkpoint")
    s.add_argument("rundir")
    s.add_argument("--generations", type=int, default=None, help="new total generation budget")
    s.add_argument("--no-progress", action="store_true")
    _add_evaluator_options(s)
    g = sub.add_parser("show", help="print a readable summary of a genome file")
    g.add_argument("genome")
    g.add_argument("--json", action="store_true", help="print the summary as JSON")
    y = sub.add_parser("play", help="play a champion genome on its task and report its returns")
    y.add_argument("genome")
    y.add_argument("--task", default=None, help="task file (default: the one recorded in the genome's metadata)")
    y.add_argument("--episodes", type=int, default=1, help="episodes to play (gymnasium tasks)")
    y.add_argument("--render", default=None, metavar="human|PATH.gif",
                   help="'human' opens a window; a path ending in .gif writes the episodes as an animated GIF")
    y.add_argument("--seed", type=int, default=0, help="seed of the held-out episodes played (gymnasium tasks)")
    y.add_argument("--frame-stride", type=int, default=1, help="GIF: keep every n-th frame")
    y.add_argument("--json", action="store_true", help="print the result as JSON")
    q = sub.add_parser("selfplay", help="evolve by self-play (Slime Volleyball; the task file's [selfplay] table)")
    q.add_argument("taskfile")
    q.add_argument("--seed", type=int, default=None)
    q.add_argument("--generations", type=int, default=None)
    q.add_argument("--out", default="runs/selfplay", help="output directory (default runs/selfplay)")
    _add_ecosystem_parsers(sub)
    _add_statistics_parsers(sub)
    return p


def cmd_selfplay(args: argparse.Namespace) -> int:
    from topoevo.config import load_config
    from topoevo.search.selfplay_run import run_selfplay

    config = load_config(args.taskfile)
    if config.task.name != "slimevolley":
        raise TopoevoError(f"self-play needs the 'slimevolley' task, got {config.task.name!r}", source=args.taskfile,
                           field="task.name")
    seed = config.run.seed if args.seed is None else args.seed
    generations = config.run.generations if args.generations is None else args.generations
    summary = run_selfplay(config, seed, generations, args.out)
    print(json.dumps(summary))
    return 0


def _add_evaluator_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="evaluate on a local pool of N worker processes (with --ray: N Ray workers); the same seed "
                        "gives the same run on any evaluator and worker count")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="evaluate on a Ray cluster: HOST:PORT of a running one (`ray start --head`), 'auto' for the "
                        "one on this machine, or nothing to start a local one (needs topoevo[distributed])")


def _evaluator(args: argparse.Namespace) -> Any:
    from topoevo.evaluate import make_evaluator

    return make_evaluator(args.workers, args.ray)


def _print_summary(summary) -> None:
    d = dataclasses.asdict(summary)
    solved = f"solved after {d['evaluations_to_solve']} evaluations" if d["solved"] else f"not solved ({d['stop_reason']})"
    hidden = f", champion hidden nodes {d['champion_hidden']}" if d["champion_hidden"] is not None else ""
    best = f"{d['best_fitness']:.6g}" if d["best_fitness"] is not None else "none"
    print(f"{solved}; generations {d['generations']}, evaluations {d['evaluations']}, best fitness {best}{hidden}, "
          f"wall {d['wall_s']:.2f} s")
    print(f"run directory: {d['run_dir']}")


def _freeze_imports() -> None:
    """Move the objects made so far (torch's ~170k, all long-lived) out of the garbage collector's reach: its full
    passes over them were the largest single cost of a small NEAT generation (benchmarks/xor.py, RESULTS.md)."""
    import gc

    import torch  # noqa: F401 - every run compiles networks with it; import it now so its objects are frozen too

    gc.collect()
    gc.freeze()


def cmd_run(args: argparse.Namespace) -> int:
    from topoevo.run import Run

    _freeze_imports()

    overrides: dict = {"run": {}}
    if args.generations is not None:
        overrides["run"]["generations"] = args.generations
    if args.no_progress:
        overrides["run"]["progress"] = False
    if args.seed is not None:
        overrides["run"]["seed"] = args.seed
    if args.tensorboard:
        overrides["run"]["tensorboard"] = True
    config = _load_run_config(args.taskfile, overrides, args.task)
    with _evaluator(args) as evaluator:
        run = Run.start(config, out=args.out, evaluator=evaluator)
        _print_summary(run.loop())
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from topoevo.run import Run

    _freeze_imports()

    with _evaluator(args) as evaluator:
        run = Run.resume(args.rundir, evaluator=evaluator, generations=args.generations,
                         progress=False if args.no_progress else None)
        _print_summary(run.loop())
    return 0


def genome_summary(path: str) -> dict:
    from topoevo.genome.io import load_genome_with_metadata

    g, meta = load_genome_with_metadata(path)
    acts: dict[str, int] = {}
    for n in g.nodes.values():
        if not n.kind.is_sensor:
            acts[n.activation] = acts.get(n.activation, 0) + 1
    return {"file": path, "network": "feedforward" if g.feed_forward else "recurrent", "inputs": len(g.input_ids),
            "bias_node": g.bias_id is not None, "outputs": len(g.output_ids), "hidden": g.num_hidden,
            "connections": len(g.conns), "enabled": g.num_enabled(), "activations": acts, "fitness": g.fitness,
            "metadata": meta}


def architecture_summary(path: str) -> dict:
    """The summary ``topoevo show`` prints for an architecture file (architecture-search champions)."""
    from topoevo.nas.io import load_architecture

    cand, meta = load_architecture(path)
    return {"file": path, "architecture": cand.arch.describe(), "input_shape": list(cand.arch.input_shape),
            "classes": cand.arch.num_classes, "blocks": len(cand.arch.blocks), "parameters": cand.parameters,
            "fitness": cand.fitness, "test_accuracy": cand.test_accuracy, "weights": cand.state is not None,
            "metadata": meta}


def _architecture_lines(info: dict) -> list[str]:
    return [f"{info['file']}: architecture {info['architecture']}",
            f"  input {info['input_shape']}, {info['classes']} classes, {info['blocks']} blocks, "
            f"{info['parameters']} parameters; validation accuracy {info['fitness']}, test accuracy "
            f"{info['test_accuracy']}; trained weights {'stored' if info['weights'] else 'not stored'}",
            *_metadata_lines(info)]


def _metadata_lines(info: dict) -> list[str]:
    return [f"  {k}: {v}" for k, v in info["metadata"].items()]


def parameters_summary(path: str) -> dict:
    """The summary ``topoevo show`` prints for a parameter file (weight-search champions: ga, es runs)."""
    from topoevo.search.io import load_parameters

    vec, meta = load_parameters(path)
    layout = vec.layout
    return {"file": path, "model": vec.spec.to_dict(), "parameters": layout.size,
            "tensors": {n: list(s) for n, s in zip(layout.names, layout.shapes)}, "fitness": vec.fitness,
            "metadata": meta}


def _parameters_lines(info: dict) -> list[str]:
    model = info["model"]
    shown = [k for k in model if k not in ("kind", "num_inputs", "num_outputs")
             and not (model["kind"] == "mlp" and k in ("conv_channels", "kernel_size", "stride", "pool",
                                                       "image_shape"))]  # (cnn-only fields)
    return [f"{info['file']}: {model['kind']} model, {model['num_inputs']} inputs, {model['num_outputs']} outputs, "
            f"{info['parameters']} parameters, fitness {info['fitness']}",
            "  model: " + ", ".join(f"{k} {model[k]}" for k in shown),
            *_metadata_lines(info),
            "  tensors:", *(f"    {name} {shape}" for name, shape in info["tensors"].items())]


def _genome_lines(info: dict) -> list[str]:
    from topoevo.genome.io import load_genome

    g = load_genome(info["file"])
    return [f"{info['file']}: {info['network']} genome, {info['inputs']} inputs"
            f"{' + bias' if info['bias_node'] else ''}, {info['hidden']} hidden, {info['outputs']} outputs, "
            f"{info['enabled']}/{info['connections']} connections enabled, fitness {info['fitness']}",
            *_metadata_lines(info),
            "  nodes:",
            *(f"    {n.id:>4} {n.kind.value:<6} {n.activation:<10} {n.aggregation:<7} bias {n.bias:+.4f} "
              f"response {n.response:+.4f}" for n in sorted(g.nodes.values(), key=lambda n: n.id)
              if not n.kind.is_sensor),
            "  connections:",
            *(f"    [{c.innovation:>4}] {c.in_node:>4} -> {c.out_node:<4} {c.weight:+.4f}"
              f"{'' if c.enabled else '  (disabled)'}" for c in sorted(g.conns.values(), key=lambda c: c.innovation))]


def cmd_show(args: argparse.Namespace) -> int:
    """A genome, architecture or parameter file (told apart by its schema): a summary as text or JSON."""
    from topoevo.errors import GenomeFileError
    from topoevo.files import read_json
    from topoevo.nas.io import SCHEMA as ARCHITECTURE_SCHEMA
    from topoevo.search.io import is_parameter_file

    data = read_json(args.genome, GenomeFileError)
    if isinstance(data, dict) and data.get("schema") == ARCHITECTURE_SCHEMA:
        summary, lines = architecture_summary, _architecture_lines
    elif is_parameter_file(data):
        summary, lines = parameters_summary, _parameters_lines
    else:
        summary, lines = genome_summary, _genome_lines
    info = summary(args.genome)
    print(json.dumps(info, indent=1) if args.json else "\n".join(lines(info)))
    return 0


def resolve_task_file(genome_path: str | Path, metadata: dict[str, Any], task_file: str | Path | None) -> Path:
    """The task file to play a genome with: ``task_file`` if given, else the metadata's ``task_file`` looked up as
    written (relative to the working directory), then next to the genome file and one directory above it (a zoo
    genome in ``genomes/`` names ``tasks/x.toml`` relative to the repository root)."""
    if task_file is not None:
        return Path(task_file)
    recorded = metadata.get("task_file")
    if not isinstance(recorded, str) or not recorded:
        raise TopoevoError("no task file recorded in the genome's metadata; pass --task TASKFILE",
                           source=genome_path, field="metadata.task_file")
    here = Path(genome_path).resolve().parent
    for candidate in (Path(recorded), here / recorded, here.parent / recorded):
        if candidate.is_file():
            return candidate
    raise TopoevoError(f"recorded task file {recorded!r} not found (looked in the working directory, {here} and "
                       f"{here.parent}); pass --task TASKFILE", source=genome_path, field="metadata.task_file")


def load_champion(genome_path: str | Path, task_file: str | Path | None = None) -> tuple[Any, dict[str, Any], Any,
                                                                                          Path]:
    """A genome file and the task it plays: ``(genome, metadata, task, task_file)``. The genome's inputs and
    outputs must match the task's."""
    genome, meta, task, path, _ = _load_champion_and_config(genome_path, task_file)
    return genome, meta, task, path


def _load_champion_and_config(genome_path: str | Path, task_file: str | Path | None
                              ) -> tuple[Any, dict[str, Any], Any, Path, Any]:
    """:func:`load_champion` and the config of its task file (last)."""
    from topoevo.config import load_config
    from topoevo.genome.io import load_genome_with_metadata
    from topoevo.interop.neat_python_config import is_neat_python_config, load_neat_python_config
    from topoevo.run import build_task

    genome, meta = load_genome_with_metadata(genome_path)
    path = resolve_task_file(genome_path, meta, task_file)
    if is_neat_python_config(path):  # a champion of `topoevo run CONFIG.ini`: the task it ran is in its metadata
        config = load_neat_python_config(path, task=meta.get("task"))
    else:
        config = load_config(path, {"task": _task_overrides(meta, genome_path)})
    task = build_task(config)
    have = (len(genome.input_ids), len(genome.output_ids))
    want = (task.num_inputs, task.num_outputs)
    if have != want:
        raise TopoevoError(f"the genome has {have[0]} inputs and {have[1]} outputs, the task of {path} needs "
                           f"{want[0]} and {want[1]}", source=genome_path, field="inputs/outputs")
    return genome, meta, task, path, config


def _task_overrides(meta: dict[str, Any], genome_path: str | Path) -> dict[str, Any]:
    """The ``[task]`` settings a champion recorded to be replayed with (``metadata.task_overrides``)."""
    overrides = meta.get("task_overrides", {})
    if not isinstance(overrides, dict) or not all(isinstance(k, str) for k in overrides):
        raise TopoevoError("expected a table of [task] keys and values", source=genome_path,
                           field="metadata.task_overrides")
    return overrides


def load_seed_chain_champion(path: str | Path, task_file: str | Path | None = None) -> tuple[Any, dict[str, Any],
                                                                                          Any, Path]:
    """A deep-GA champion stored as its seed chain, replayed (and checked against its SHA-256), with its task:
    ``(policy, metadata, task, task_file)``."""
    from topoevo.config import load_config
    from topoevo.run import build_task
    from topoevo.search.seed_chain import SeedChain, compile_chains

    chain = SeedChain.load(path)
    meta = json.loads(Path(path).read_text()).get("metadata") or {}
    tf = resolve_task_file(path, meta, task_file)
    task = build_task(load_config(tf))
    if (task.num_inputs, task.num_outputs) != (chain.spec.num_inputs, chain.spec.num_actions):
        raise TopoevoError(f"the network has {chain.spec.num_inputs} inputs and {chain.spec.num_actions} outputs, "
                           f"the task of {tf} needs {task.num_inputs} and {task.num_outputs}", source=str(path),
                           field="model")
    return compile_chains([chain]), meta, task, tf


def play_genome(genome_path: str | Path, task_file: str | Path | None = None, episodes: int = 1,
                render: str | None = None, seed: int = 0, frame_stride: int = 1) -> dict[str, Any]:
    """Play a champion on its task; returns plain JSON data.

    gymnasium tasks: ``episodes`` held-out episodes (seed ``seed``) one after another, ``returns`` per episode,
    optionally rendered (``render="human"`` or ``"PATH.gif"``). Other tasks (XOR, double pole) are deterministic:
    ``returns`` holds the task's fitness of the genome and ``solved`` its own success test (for the double pole the
    full test: 100,000 decisions, and the 625 generalization starts where required; ``test`` has the figures).

    >>> # play_genome("genomes/cartpole.json", episodes=3)["mean_return"]
    """
    import numpy as np

    from topoevo.neat.candidates import genome_compile_fn
    from topoevo.search.seed_chain import is_seed_chain_file

    if episodes < 1:
        raise TopoevoError(f"expected at least 1 episode, got {episodes}", field="--episodes")
    if is_seed_chain_file(genome_path):
        policy, meta, task, path = load_seed_chain_champion(genome_path, task_file)
    else:
        genome, meta, task, path, config = _load_champion_and_config(genome_path, task_file)
        policy = genome_compile_fn(config.genome)([genome])  # (a 'ctrnn' / 'iznn' champion as such a network)
    out: dict[str, Any] = {"genome": str(genome_path), "task_file": str(path), "task": meta.get("task")}
    try:
        if task.plays_episodes:
            returns = task.play(policy, episodes=episodes, render=render, seed=seed, frame_stride=frame_stride)
            out.update(returns=[float(r) for r in returns], mean_return=float(np.mean(returns)), seed=seed)
            if render not in (None, "human"):
                out["render"] = str(render)
            return out
        if render is not None:
            raise TopoevoError("rendering needs a task that plays episodes (gymnasium, Atari, Slime Volleyball)",
                               source=path, field="--render")
        return {**out, **_replay_evaluation(task, policy)}
    finally:
        task.close()


def _replay_evaluation(task: Any, policy: Any) -> dict[str, Any]:
    """A deterministic task's figures of one champion: its fitness, and its success test (the evaluation's, or
    the task's own champion test)."""
    import numpy as np

    result = task.evaluate(policy, np.zeros(1, dtype=np.int64))
    fitness = float(np.asarray(result.fitness)[0])
    out: dict[str, Any] = {"returns": [fitness], "mean_return": fitness}
    if result.solved is not None:
        out["solved"] = bool(result.solved[0])
    if task.has_champion_test:
        out["solved"] = bool(task.champion_solved(policy))
        out["test"] = task.champion_test
    return out


def cmd_play(args: argparse.Namespace) -> int:
    info = play_genome(args.genome, args.task, args.episodes, args.render, args.seed, args.frame_stride)
    if args.json:
        print(json.dumps(info))
        return 0
    returns = ", ".join(f"{r:.6g}" for r in info["returns"])
    print(f"{info['genome']} on {info['task_file']}: returns {returns}; mean {info['mean_return']:.6g}")
    if "solved" in info:
        print(f"  solved: {info['solved']}" + (f" ({info['test']})" if info.get("test") else ""))
    if "render" in info:
        print(f"  wrote {info['render']}")
    return 0


# ---- neat-python configs, plots, drawings ---------------------------------------------------------------------------
def _add_ecosystem_parsers(sub: Any) -> None:
    c = sub.add_parser("convert", help="convert a neat-python INI config into a topoevo TOML task file")
    c.add_argument("config")
    c.add_argument("-o", "--output", required=True, help="TOML file to write ('-' = standard output)")
    c.add_argument("--task", default=None, metavar="NAME|TASKFILE.toml",
                   help="the task, by name or as the [task] table of a TOML task file (default: xor for a 2-input, "
                        "1-output config)")
    c.add_argument("--force", action="store_true", help="overwrite an existing output file")
    pl = sub.add_parser("plot", help="plot a run: fitness.png, species.png (and champion.png; archive.png for novelty / MAP-Elites runs)")
    pl.add_argument("rundir")
    pl.add_argument("-o", "--out", default=None, metavar="DIR", help="directory for the pictures (default: the "
                                                                     "run directory)")
    pl.add_argument("--format", default="png", choices=["png", "svg"], help="picture format")
    e = sub.add_parser("ensemble", help="architecture search: test accuracy of the top-K architectures' averaged "
                                        "predictions against the best single one")
    e.add_argument("rundir")
    e.add_argument("--top", type=int, default=5, help="members: the K best by validation accuracy")
    e.add_argument("--json", action="store_true", help="print the result as JSON")
    d = sub.add_parser("draw", help="draw a genome file as a picture (.png, .svg) or Graphviz DOT (.dot)")
    d.add_argument("genome")
    d.add_argument("-o", "--output", required=True, metavar="FILE.svg|png|dot")


def _load_run_config(path: str, overrides: dict, task: str | None) -> Any:
    """A TOML task file, or a neat-python INI config (recognised by its ``[NEAT]``-style sections)."""
    from topoevo.config import load_config
    from topoevo.interop.neat_python_config import is_neat_python_config, load_neat_python_config
    from topoevo.report.tensorboard import require_tensorboard

    if is_neat_python_config(path):
        config = load_neat_python_config(path, task=task, overrides=overrides)
    elif task is not None:
        raise TopoevoError("--task is only for neat-python INI configs; a TOML task file names its task in [task]",
                           source=path, field="--task")
    else:
        config = load_config(path, overrides)
    if config.run.tensorboard:  # fail before the run directory is made
        require_tensorboard(path)
    return config


def cmd_convert(args: argparse.Namespace) -> int:
    from topoevo.files import write_text_atomic
    from topoevo.interop.neat_python_config import convert_neat_python_config, conversion_to_toml

    conv = convert_neat_python_config(args.config, task=args.task)
    conv.config()  # validate before writing anything
    text = conversion_to_toml(conv)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    if out.exists() and not args.force:
        raise TopoevoError("file exists; pass --force to overwrite it", source=out, field="--output")
    write_text_atomic(out, text)
    print(f"wrote {out} ({len(conv.notes)} notes on where topoevo approximates neat-python, as comments)")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from topoevo.report.plots import plot_run

    for path in plot_run(args.rundir, args.out, fmt=args.format):
        print(f"wrote {path}")
    return 0


def cmd_draw(args: argparse.Namespace) -> int:
    from topoevo.genome.io import load_genome
    from topoevo.report.draw import draw_genome

    print(f"wrote {draw_genome(load_genome(args.genome), args.output)}")
    return 0


# ---- many seeds: sweeps and their statistics ------------------------------------------------------------------------
def _add_statistics_parsers(sub: Any) -> None:
    w = sub.add_parser("sweep", help="run a task file on many seeds into one sweep directory")
    w.add_argument("taskfile")
    w.add_argument("--seeds", required=True, help="seeds: 0-19, or 0,5,1000-1009")
    w.add_argument("--out", default=None, help="sweep directory (default: sweeps/<task file stem>); an unfinished "
                                              "sweep of the same task file continues")
    w.add_argument("--generations", type=int, default=None, help="override run.generations")
    w.add_argument("--workers", type=int, default=1, metavar="N", help="seeds run in N local processes")
    w.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="seeds run as Ray tasks (address as for `topoevo run --ray`)")
    c = sub.add_parser("compare", help="statistics over seeds of sweeps or runs: solved rate, evaluations with 95%% "
                                       "bootstrap intervals, Mann-Whitney U against the first")
    c.add_argument("paths", nargs="+", metavar="SWEEP_OR_RUN")
    c.add_argument("--plot", default=None, metavar="FILE.png", nargs="?", const="compare.png",
                   help="also draw median best-fitness curves with interquartile bands (default file compare.png)")
    c.add_argument("--json", action="store_true", help="print the comparison as JSON")


def cmd_sweep(args: argparse.Namespace) -> int:
    from topoevo.report.compare import compare_inputs, format_table
    from topoevo.sweep import parse_seeds, run_sweep

    _freeze_imports()
    seeds = parse_seeds(args.seeds)
    overrides = {"run": {"generations": args.generations}} if args.generations is not None else {}
    out = args.out or str(Path("sweeps") / Path(args.taskfile).stem)

    def done(seed: int, summary: dict) -> None:
        result = f"solved at {summary['evaluations_to_solve']} evaluations" if summary["solved"] else \
            f"not solved ({summary['stop_reason']}, {summary['evaluations']} evaluations)"
        print(f"seed {seed}: {result}, {summary['wall_s']:.2f} s", flush=True)

    sweep = run_sweep(args.taskfile, seeds, out, workers=args.workers, ray=args.ray, overrides=overrides,
                      on_done=done)
    print(format_table(compare_inputs([sweep])), end="")
    print(f"sweep directory: {sweep}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from topoevo.report.compare import compare_inputs, format_table, plot_curves

    comparison = compare_inputs(args.paths)
    if args.json:
        print(json.dumps(comparison.to_dict()))
    else:
        print(format_table(comparison), end="")
    if args.plot:
        print(f"wrote {plot_curves(comparison, args.plot)}", file=sys.stderr if args.json else sys.stdout)
    return 0


def cmd_ensemble(args: argparse.Namespace) -> int:
    from topoevo.nas.ensemble import ensemble_run

    result = ensemble_run(args.rundir, args.top)
    if args.json:
        print(json.dumps(result.to_dict()))
        return 0
    for key, val, test, again in zip(result.keys, result.validation_accuracy, result.test_accuracy,
                                     result.retrained):
        print(f"architecture {key}: validation {val:.4f} test {test:.4f}{' (trained again)' if again else ''}")
    print(f"ensemble of {result.top}: test {result.ensemble_test_accuracy:.4f}; best single (by validation): "
          f"{result.best_single_test_accuracy:.4f}; gain {result.gain:+.4f}")
    return 0


COMMANDS = {"run": cmd_run, "resume": cmd_resume, "show": cmd_show, "play": cmd_play, "convert": cmd_convert,
            "plot": cmd_plot, "draw": cmd_draw, "ensemble": cmd_ensemble, "sweep": cmd_sweep, "compare": cmd_compare,
            "selfplay": cmd_selfplay}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return COMMANDS[args.command](args)
    except TopoevoError as exc:
        print(f"topoevo: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except KeyboardInterrupt:
        print("topoevo: interrupted; the last checkpoint is kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
