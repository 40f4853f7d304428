"""Pictures of a run from its ``stats.jsonl``: fitness per generation and species sizes (needs matplotlib).

Figures are drawn with matplotlib's Agg canvas directly (no pyplot, no global backend switch), so plotting works
headless and never disturbs an interactive matplotlib session.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Sequence

from topoevo.errors import TopoevoError
from topoevo.report.figures import new_figure, require_matplotlib, save_figure

log = logging.getLogger("topoevo.report")

__all__ = ["read_stats", "plot_fitness", "plot_species", "plot_pareto", "plot_archive", "plot_run", "new_figure"]

#: picture file names written by :func:`plot_run` (plus ``champion.<fmt>``)
FITNESS_FILE = "fitness"
SPECIES_FILE = "species"
CHAMPION_FILE = "champion"
PARETO_FILE = "pareto"
ARCHIVE_FILE = "archive"


def read_stats(run_dir: str | Path) -> list[dict[str, Any]]:
    """The per-generation records of a run directory's ``stats.jsonl`` (a torn last line is skipped)."""
    path = Path(run_dir) / "stats.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise TopoevoError("no stats.jsonl: not a run directory, or no generation finished yet", source=run_dir,
                           field="stats.jsonl") from None
    records = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            if i == len(lines) - 1:
                log.warning("%s: skipping a torn last line", path)
                break
            raise TopoevoError(f"line {i + 1} is not JSON", source=path, field=f"line {i + 1}") from None
        if not isinstance(rec, dict) or "generation" not in rec:
            raise TopoevoError(f"line {i + 1} has no 'generation'", source=path, field=f"line {i + 1}")
        records.append(rec)
    if not records:
        raise TopoevoError("no generation recorded yet", source=path, field="stats.jsonl")
    return records


def _series(records: Sequence[dict[str, Any]], key: str) -> list[float] | None:
    if not all(isinstance(r.get(key), (int, float)) for r in records):
        return None
    return [float(r[key]) for r in records]


def plot_fitness(records: Sequence[dict[str, Any]], path: str | Path, title: str | None = None) -> Path:
    """Best and mean fitness per generation, the mean's +-1 standard deviation as a band, the worst dotted."""
    gens = [int(r["generation"]) for r in records]
    best, mean = _series(records, "best_fitness"), _series(records, "mean_fitness")
    if best is None:
        raise TopoevoError("records have no best_fitness", source=path, field="best_fitness")
    std, worst = _series(records, "std_fitness"), _series(records, "worst_fitness")
    fig = new_figure()
    ax = fig.add_subplot()
    if mean is not None:
        if std is not None:
            ax.fill_between(gens, [m - s for m, s in zip(mean, std)], [m + s for m, s in zip(mean, std)],
                            color="tab:blue", alpha=0.18, linewidth=0, label="mean \u00b1 1 std")
        ax.plot(gens, mean, color="tab:blue", linewidth=1.5, label="mean")
    if worst is not None:
        ax.plot(gens, worst, color="tab:gray", linewidth=0.8, linestyle=":", label="worst")
    ax.plot(gens, best, color="tab:red", linewidth=2.0, label="best")
    solved = next((r["generation"] for r in records if r.get("solved")), None)
    if solved is not None:
        ax.axvline(solved, color="tab:green", linewidth=1.0, linestyle="--", label=f"solved (gen {solved})")
    ax.set_xlabel("generation")
    ax.set_ylabel("fitness")
    ax.set_xlim(gens[0], max(gens[-1], gens[0] + 1))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small", framealpha=0.85)
    ax.set_title(title or "fitness per generation")
    return save_figure(fig, path)


def plot_species(records: Sequence[dict[str, Any]], path: str | Path, title: str | None = None) -> Path:
    """Species sizes per generation as a stack plot (species in order of creation, bottom to top)."""
    gens = [int(r["generation"]) for r in records]
    if not any(r.get("species_sizes") for r in records):
        raise TopoevoError("records have no species_sizes (not a NEAT run?)", source=path, field="species_sizes")
    ids = sorted({int(k) for r in records for k in (r.get("species_sizes") or {})})
    rows = [[int((r.get("species_sizes") or {}).get(str(sid), 0)) for r in records] for sid in ids]
    fig = new_figure()
    ax = fig.add_subplot()
    import matplotlib

    cmap = matplotlib.colormaps["tab20"]
    colors = [cmap(i % 20) for i in range(len(ids))]
    if len(gens) == 1:  # a single generation: show it as a bar of stacked segments
        bottom = 0
        for sid, row, c in zip(ids, rows, colors):
            ax.bar(gens[0], row[0], bottom=bottom, color=c, width=0.8, edgecolor="white", linewidth=0.3)
            bottom += row[0]
    else:
        ax.stackplot(gens, rows, colors=colors, edgecolor="white", linewidth=0.3)
        ax.set_xlim(gens[0], gens[-1])
    total = max(sum(col) for col in zip(*rows))
    ax.set_ylim(0, total)
    ax.set_xlabel("generation")
    ax.set_ylabel("genomes per species")
    ax.grid(True, axis="y", alpha=0.3)
    if len(ids) <= 12:
        from matplotlib.patches import Patch

        ax.legend([Patch(color=c) for c in colors], [f"species {sid}" for sid in ids], loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    ax.set_title(title or f"species sizes ({len(ids)} species in total)")
    return save_figure(fig, path)


def plot_pareto(pareto: dict[str, Any], records: Sequence[dict[str, Any]], path: str | Path,
                title: str | None = None) -> Path:
    """A multi-objective run (``pareto.json``): the final front in its first two objectives (the others in the
    labels), and the hypervolume per generation from the records."""
    names = pareto["objectives"]
    pts = [f["objectives"] for f in pareto["front"]]
    fig = new_figure(11.0, 4.5)
    ax, hv = fig.subplots(1, 2)
    if pts and len(names) >= 2:
        if len(names) == 2:  # (with more objectives the front need not be a staircase in the first two)
            ax.step([p[0] for p in pts], [p[1] for p in pts], where="post", color="C0", alpha=0.5)
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], color="C0", zorder=3)
        if len(names) > 2:
            for p in pts:
                ax.annotate(", ".join(f"{n}={v:.3g}" for n, v in zip(names[2:], p[2:])), (p[0], p[1]),
                            fontsize="x-small", xytext=(3, 3), textcoords="offset points")
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
    ax.grid(True, alpha=0.3)
    ax.set_title(f"Pareto front ({len(pts)} {pareto.get('members', 'architectures')})")
    gens = [int(r["generation"]) for r in records if "hypervolume" in r]
    hv.plot(gens, [float(r["hypervolume"]) for r in records if "hypervolume" in r], color="C1", marker=".")
    hv.set_xlabel("generation")
    hv.set_ylabel("hypervolume (normalised objectives)")
    hv.grid(True, alpha=0.3)
    hv.set_title("hypervolume per generation")
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)


def archive_grid(points: Any, fitness: Any, low: Sequence[float], high: Sequence[float],
                 cells: Sequence[int]) -> Any:
    """The best fitness of the archive's points in each cell of a regular grid over the first two behaviour
    dimensions (NaN where empty): the heat map :func:`plot_archive` draws, rows = second dimension.

    >>> archive_grid([[0.1, 0.1], [0.2, 0.1], [0.9, 0.6]], [1.0, 3.0, 2.0], [0, 0], [1, 1], [2, 2]).tolist()
    [[3.0, nan], [nan, 2.0]]
    """
    import numpy as np

    pts = np.asarray(points, dtype=np.float64).reshape(len(fitness), -1)
    if pts.shape[1] == 1:
        pts = np.concatenate([pts, np.zeros_like(pts)], axis=1)
        low, high, cells = [low[0], -0.5], [high[0], 0.5], [cells[0], 1]
    nx, ny = int(cells[0]), int(cells[1])
    grid = np.full((ny, nx), np.nan)
    lo, hi = np.asarray(low[:2], dtype=np.float64), np.asarray(high[:2], dtype=np.float64)
    idx = np.clip(np.floor((pts[:, :2] - lo) / (hi - lo) * [nx, ny]).astype(int), 0, [nx - 1, ny - 1])
    for (i, j), f in zip(idx.tolist(), np.asarray(fitness, dtype=np.float64).tolist()):
        if not grid[j, i] >= f:  # (NaN: empty)
            grid[j, i] = f
    return grid


def plot_archive(points: Any, fitness: Any, low: Sequence[float], high: Sequence[float], path: str | Path,
                 cells: Sequence[int] = (40, 40), title: str | None = None) -> Path:
    """A quality-diversity archive (MAP-Elites elites, the novelty archive) as a heat map over the first two
    behaviour dimensions: each cell coloured by the best fitness of the archive's behaviours in it."""
    grid = archive_grid(points, fitness, low, high, cells)
    fig = new_figure(6.5, 5.5)
    ax = fig.subplots()
    y_range = (low[1], high[1]) if len(low) > 1 else (-0.5, 0.5)
    im = ax.imshow(grid, origin="lower", extent=(low[0], high[0], *y_range), aspect="auto", cmap="viridis")
    fig.colorbar(im, ax=ax, label="best fitness in cell")
    ax.set_xlabel("behaviour[0]")
    ax.set_ylabel("behaviour[1]" if len(low) > 1 else "")
    filled = int((grid == grid).sum())  # (NaN != NaN: the empty cells)
    ax.set_title(title or f"archive: {len(fitness)} behaviours, {filled} cells filled")
    return save_figure(fig, path)


def _archive_of_run(run_dir: Path) -> tuple[Any, Any, list[float], list[float], list[int]] | None:
    """The archive of a novelty / NSLC / MAP-Elites run's checkpoint: points, fitness, bounds, cells; None for runs
    without one."""
    from topoevo.checkpoint import read_checkpoint

    path = run_dir / "checkpoint.json"
    if not path.is_file():
        return None
    data = read_checkpoint(path)
    algo, config = data.get("algorithm") or {}, data.get("config") or {}
    archive, bounds = algo.get("archive"), config.get("behaviour") or {}
    if not isinstance(archive, dict) or not archive.get("points") or not bounds.get("low"):
        return None
    me = config.get("map_elites") or {}
    grid = me.get("archive", "grid") == "grid" and algo.get("algorithm") == "map_elites"
    cells = list(me.get("cells", [40, 40])) if grid else [40, 40]
    return archive["points"], archive["fitness"], bounds["low"], bounds["high"], cells + [1] * (2 - len(cells))


def plot_run(run_dir: str | Path, out_dir: str | Path | None = None, fmt: str = "png") -> list[Path]:
    """Write ``fitness.<fmt>``, ``species.<fmt>`` (NEAT runs), ``pareto.<fmt>`` (NSGA-II runs), ``archive.<fmt>``
    (novelty search, NSLC, MAP-Elites: the archive's heat map) and
    ``champion.<fmt>`` (if the run saved a genome)
    into ``out_dir`` (default: the run directory); returns the files written.

    >>> # plot_run("runs/xor-s0-20260101-120000")  ->  [.../fitness.png, .../species.png, .../champion.png]
    """
    if fmt not in ("png", "svg"):
        raise TopoevoError(f"expected png or svg, got {fmt!r}", field="--format")
    require_matplotlib(run_dir)
    run_dir = Path(run_dir)
    out = Path(out_dir) if out_dir is not None else run_dir
    records = read_stats(run_dir)
    name = run_dir.resolve().name
    written = [plot_fitness(records, out / f"{FITNESS_FILE}.{fmt}", title=f"{name}: fitness per generation")]
    if any(r.get("species_sizes") for r in records):
        written.append(plot_species(records, out / f"{SPECIES_FILE}.{fmt}", title=f"{name}: species sizes"))
    if (run_dir / "pareto.json").is_file():  # a multi-objective (NSGA-II) run
        from topoevo.nas.nsga2 import read_pareto

        written.append(plot_pareto(read_pareto(run_dir / "pareto.json"), records, out / f"{PARETO_FILE}.{fmt}",
                                   title=f"{name}: Pareto front"))
    archive = _archive_of_run(run_dir)
    if archive is not None:  # a quality-diversity run (novelty, nslc, map_elites)
        written.append(plot_archive(*archive[:4], out / f"{ARCHIVE_FILE}.{fmt}", cells=archive[4],
                                    title=f"{name}: archive ({len(archive[1])} behaviours)"))
    champion = run_dir / "champion.json"
    if champion.is_file():
        from topoevo.errors import GenomeFileError
        from topoevo.genome.io import load_genome
        from topoevo.report.draw import draw_genome

        try:
            genome = load_genome(champion)
        except GenomeFileError as exc:  # e.g. a weight vector of a fixed-module run: nothing to draw
            log.info("not drawing %s: %s", champion, exc)
        else:
            written.append(draw_genome(genome, out / f"{CHAMPION_FILE}.{fmt}", title=f"{name}: champion"))
    return written
