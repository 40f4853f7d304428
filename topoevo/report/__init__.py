"""Reporting: ``base`` (Reporter hooks), ``progress`` (live bar), ``jsonl`` (statistics files), ``tensorboard``
(optional TensorBoard logs), ``plots`` (fitness and species pictures of a run), ``draw`` (genome drawings, DOT).

``plots``/``draw`` need matplotlib (the ``plot`` extra) and ``tensorboard`` the ``tensorboard`` extra; they are
imported only when used.
"""
from topoevo.report.base import Reporter, ReporterSet
from topoevo.report.jsonl import JSONLReporter
from topoevo.report.progress import ProgressReporter

__all__ = ["Reporter", "ReporterSet", "JSONLReporter", "ProgressReporter"]
