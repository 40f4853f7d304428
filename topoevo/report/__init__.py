"""Reporting: ``base`` (Reporter hooks and the read-only RunView they get), ``progress`` (live bar), ``jsonl``
(statistics files), ``tensorboard`` (optional TensorBoard logs), ``plots`` (fitness and species pictures of a run),
``draw`` (genome drawings, DOT), ``figures`` (the matplotlib figures both draw on).

``plots``/``draw`` need matplotlib (the ``plot`` extra) and ``tensorboard`` the ``tensorboard`` extra; they are
imported only when used.
"""
from topoevo.report.base import Reporter, ReporterSet, RunView
from topoevo.report.jsonl import JSONLReporter
from topoevo.report.progress import ProgressReporter

__all__ = ["Reporter", "ReporterSet", "RunView", "JSONLReporter", "ProgressReporter"]
