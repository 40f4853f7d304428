"""Reporting: ``base`` (Reporter hooks), ``progress`` (live bar), ``jsonl`` (statistics files)."""
from topoevo.report.base import Reporter, ReporterSet
from topoevo.report.jsonl import JSONLReporter
from topoevo.report.progress import ProgressReporter

__all__ = ["Reporter", "ReporterSet", "JSONLReporter", "ProgressReporter"]
