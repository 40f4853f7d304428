"""The ``topoevo`` command: run, resume, show. Bad input -> one line on stderr and exit code 2."""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from typing import Sequence

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
    s = sub.add_parser("resume", help="continue a run from its directory's checkpoint")
    s.add_argument("rundir")
    s.add_argument("--generations", type=int, default=None, help="new total generation budget")
    s.add_argument("--no-progress", action="store_true")
    g = sub.add_parser("show", help="print a readable summary of a genome file")
    g.add_argument("genome")
    g.add_argument("--json", action="store_true", help="print the summary as JSON")
    return p


def _print_summary(summary) -> None:
    d = dataclasses.asdict(summary)
    solved = f"solved after {d['evaluations_to_solve']} evaluations" if d["solved"] else f"not solved ({d['stop_reason']})"
    print(f"{solved}; generations {d['generations']}, evaluations {d['evaluations']}, best fitness "
          f"{d['best_fitness']:.6g}, champion hidden nodes {d['champion_hidden']}, wall {d['wall_s']:.2f} s")
    print(f"run directory: {d['run_dir']}")


def cmd_run(args: argparse.Namespace) -> int:
    from topoevo.config import load_config
    from topoevo.run import Run

    overrides: dict = {"run": {}}
    if args.generations is not None:
        overrides["run"]["generations"] = args.generations
    if args.no_progress:
        overrides["run"]["progress"] = False
    if args.seed is not None:
        overrides["run"]["seed"] = args.seed
    config = load_config(args.taskfile, overrides)
    run = Run.start(config, out=args.out)
    _print_summary(run.loop())
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from topoevo.run import Run

    run = Run.resume(args.rundir, generations=args.generations)
    if args.no_progress:
        for rep in run.reporters.reporters:
            if hasattr(rep, "enabled"):
                rep.enabled = False
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


def cmd_show(args: argparse.Namespace) -> int:
    from topoevo.genome.io import load_genome

    info = genome_summary(args.genome)
    if args.json:
        print(json.dumps(info, indent=1))
        return 0
    g = load_genome(args.genome)
    print(f"{info['file']}: {info['network']} genome, {info['inputs']} inputs"
          f"{' + bias' if info['bias_node'] else ''}, {info['hidden']} hidden, {info['outputs']} outputs, "
          f"{info['enabled']}/{info['connections']} connections enabled, fitness {info['fitness']}")
    for k, v in info["metadata"].items():
        print(f"  {k}: {v}")
    print("  nodes:")
    for n in sorted(g.nodes.values(), key=lambda n: n.id):
        if not n.kind.is_sensor:
            print(f"    {n.id:>4} {n.kind.value:<6} {n.activation:<10} {n.aggregation:<7} bias {n.bias:+.4f} "
                  f"response {n.response:+.4f}")
    print("  connections:")
    for c in sorted(g.conns.values(), key=lambda c: c.innovation):
        print(f"    [{c.innovation:>4}] {c.in_node:>4} -> {c.out_node:<4} {c.weight:+.4f}"
              f"{'' if c.enabled else '  (disabled)'}")
    return 0


COMMANDS = {"run": cmd_run, "resume": cmd_resume, "show": cmd_show}


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
