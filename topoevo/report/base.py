"""Reporter base: hooks the run loop calls at start, after each generation and at the end, with a read-only view of
the run (:class:`RunView`), never the run itself.

A reporter may keep state that must survive a resume (``state_dict``/``load_state_dict``) and may hold data that
must be on disk before each checkpoint (``sync``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from topoevo.config import Config


@dataclass(frozen=True)
class RunView:
    """What a reporter sees of a run: its directory, its config (plain data), its seed and the current generation
    (the number of generations done).

    >>> from topoevo.config import Config
    >>> view = RunView(Path("runs/xor"), Config.from_dict({"task": {"name": "xor"}}), seed=0, generation=3)
    >>> view.generation, view.config.task.name
    (3, 'xor')
    """

    run_dir: Path
    config: Config
    seed: int
    generation: int


class Reporter:
    """Subclass and override what you need.

    >>> class Count(Reporter):
    ...     def __init__(self): self.n = 0
    ...     def generation(self, run, record, timing): self.n += 1
    """

    def start(self, run: RunView, resumed: bool) -> None:
        pass

    def generation(self, run: RunView, record: dict[str, Any], timing: dict[str, float]) -> None:
        pass

    def end(self, run: RunView, summary: dict[str, Any]) -> None:
        pass

    def sync(self) -> None:
        """Put what the next checkpoint counts on disk (called right before each checkpoint)."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


class ReporterSet(Reporter):
    """Several reporters called in order."""

    def __init__(self, reporters: list[Reporter]):
        self.reporters = list(reporters)

    def start(self, run: RunView, resumed: bool) -> None:
        for r in self.reporters:
            r.start(run, resumed)

    def generation(self, run: RunView, record: dict[str, Any], timing: dict[str, float]) -> None:
        for r in self.reporters:
            r.generation(run, record, timing)

    def end(self, run: RunView, summary: dict[str, Any]) -> None:
        for r in self.reporters:
            r.end(run, summary)

    def sync(self) -> None:
        for r in self.reporters:
            r.sync()
