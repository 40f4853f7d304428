"""Reporter base: hooks the run loop calls at start, after each generation and at the end.

A reporter may keep state that must survive a resume (``state_dict``/``load_state_dict``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from topoevo.run import Run


class Reporter:
    """Subclass and override what you need.

    >>> class Count(Reporter):
    ...     def __init__(self): self.n = 0
    ...     def generation(self, run, record, timing): self.n += 1
    """

    def start(self, run: "Run", resumed: bool) -> None:
        pass

    def generation(self, run: "Run", record: dict[str, Any], timing: dict[str, float]) -> None:
        pass

    def end(self, run: "Run", summary: dict[str, Any]) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


class ReporterSet(Reporter):
    """Several reporters called in order."""

    def __init__(self, reporters: list[Reporter]):
        self.reporters = list(reporters)

    def start(self, run: "Run", resumed: bool) -> None:
        for r in self.reporters:
            r.start(run, resumed)

    def generation(self, run: "Run", record: dict[str, Any], timing: dict[str, float]) -> None:
        for r in self.reporters:
            r.generation(run, record, timing)

    def end(self, run: "Run", summary: dict[str, Any]) -> None:
        for r in self.reporters:
            r.end(run, summary)
