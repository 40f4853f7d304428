"""topoevo's own error types: one clear line naming the file and the field at fault."""
from __future__ import annotations

from pathlib import Path


class TopoevoError(Exception):
    """Base class of every error topoevo raises on bad input.

    The message is always a single line: ``FILE: FIELD: what was expected``.

    >>> str(TopoevoError("bad", source="x.toml", field="genome.num_inputs"))
    'x.toml: genome.num_inputs: bad'
    """

    def __init__(self, message: str, *, source: str | Path | None = None, field: str | None = None):
        self.message = " ".join(str(message).split())
        self.source = str(source) if source is not None else None
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = [" ".join(p.split()) for p in (self.source, self.field) if p]  # one line, whatever a key holds
        return ": ".join(parts + [self.message])


class ConfigError(TopoevoError):
    """A task/config file is malformed (TOML syntax, unknown key, wrong type, out of range)."""


class GenomeFileError(TopoevoError):
    """A genome JSON file (or dict) is malformed."""


class CheckpointError(TopoevoError):
    """A checkpoint is missing, truncated or inconsistent."""


class EvaluationError(TopoevoError):
    """A fitness evaluation failed (raised, or returned NaN/inf)."""


class DataError(TopoevoError):
    """A user's data file is malformed (the field names the line and the column)."""
