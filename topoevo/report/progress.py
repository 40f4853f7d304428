"""A live progress bar (tqdm): generation, best, mean, species and evaluations per second."""
from __future__ import annotations

from typing import Any

from topoevo.report.base import Reporter, RunView


class ProgressReporter(Reporter):
    """Shows progress on stderr; silent when disabled."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.bar = None

    def start(self, run: RunView, resumed: bool) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        self.bar = tqdm(total=run.config.run.generations, initial=run.generation, unit="gen",
                        desc=run.config.task.name, dynamic_ncols=True, leave=True)

    def generation(self, run: RunView, record: dict[str, Any], timing: dict[str, float]) -> None:
        if self.bar is None:
            return
        self.bar.set_postfix(best=f"{record['best_fitness']:.4g}", mean=f"{record['mean_fitness']:.4g}",
                             species=record.get("num_species", "-"),
                             evals_s=f"{timing['evals_per_s']:.0f}", refresh=False)
        self.bar.update(1)

    def end(self, run: RunView, summary: dict[str, Any]) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
