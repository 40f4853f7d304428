"""TensorBoard logs of a run (optional: needs the ``tensorboard`` package, the ``tensorboard`` extra).

Scalars per generation under ``fitness/``, ``species/``, ``champion/``, ``evaluations`` and ``speed/``, written with
``torch.utils.tensorboard.SummaryWriter`` into ``RUNDIR/tensorboard/``. A resumed run drops the events after its
checkpoint (``purge_step``), so the curves show one history.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from topoevo.errors import ConfigError
from topoevo.report.base import Reporter, RunView

#: the run directory's sub-folder holding the event files
LOG_DIR = "tensorboard"


def tensorboard_available() -> bool:
    """True if the ``tensorboard`` package (which ``torch.utils.tensorboard`` needs) is installed."""
    return importlib.util.find_spec("tensorboard") is not None


def require_tensorboard(source: str | Path | None = None) -> None:
    """Raise a one-line :class:`ConfigError` unless TensorBoard logging can work."""
    if not tensorboard_available():
        raise ConfigError("TensorBoard logging needs the tensorboard package: pip install 'topoevo[tensorboard]'",
                          source=source, field="run.tensorboard")


class TensorBoardReporter(Reporter):
    """Writes each generation's statistics as TensorBoard scalars.

    >>> # Run.start(config, reporters=[ProgressReporter(), JSONLReporter(), TensorBoardReporter()])
    >>> # then: tensorboard --logdir runs/
    """

    def __init__(self, log_dir: str | Path | None = None):
        require_tensorboard()
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.writer: Any = None

    def start(self, run: RunView, resumed: bool) -> None:
        from torch.utils.tensorboard import SummaryWriter

        path = self.log_dir if self.log_dir is not None else run.run_dir / LOG_DIR
        # purge_step: on resume, events of generations the checkpoint does not cover are dropped
        self.writer = SummaryWriter(str(path), purge_step=run.generation if resumed else None)
        if not resumed:
            self.writer.add_text("config", "```\n" + json.dumps(run.config.to_dict(), indent=1) + "\n```", 0)

    def generation(self, run: RunView, record: dict[str, Any], timing: dict[str, float]) -> None:
        if self.writer is None:
            return
        step = int(record["generation"])
        w = self.writer
        for key in ("best_fitness", "mean_fitness", "std_fitness", "worst_fitness"):
            if record.get(key) is not None:
                w.add_scalar(f"fitness/{key.removesuffix('_fitness')}", float(record[key]), step)
        if record.get("num_species") is not None:
            w.add_scalar("species/count", float(record["num_species"]), step)
        if record.get("threshold") is not None:
            w.add_scalar("species/threshold", float(record["threshold"]), step)
        sizes = record.get("species_sizes") or {}
        if sizes:
            w.add_scalar("species/largest", float(max(sizes.values())), step)
        for key in ("best_nodes", "best_connections"):
            if record.get(key) is not None:
                w.add_scalar(f"champion/{key.removeprefix('best_')}", float(record[key]), step)
        if record.get("evaluations") is not None:
            w.add_scalar("evaluations", float(record["evaluations"]), step)
        if timing.get("evals_per_s") is not None:
            w.add_scalar("speed/evals_per_s", float(timing["evals_per_s"]), step)

    def end(self, run: RunView, summary: dict[str, Any]) -> None:
        if self.writer is not None:
            self.writer.add_text("summary", "```\n" + json.dumps(summary, indent=1) + "\n```", run.generation)
            self.writer.close()
            self.writer = None
