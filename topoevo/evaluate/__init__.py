"""Evaluators behind one interface (``base.Evaluator``): ``base`` (interface, in-process batched: the default),
``pool`` (local worker processes), ``ray`` (a Ray cluster), ``chunked`` (their shared base: split, state,
reassembly), ``chunks`` (the chunk a worker evaluates, task specs, bisecting failures), ``faults`` (the run's policy
for failed candidates), ``factory`` (``--workers``/``--ray`` -> evaluator), ``seeds`` (evaluation seed
derivation)."""
from topoevo.evaluate.base import Evaluator, InProcessEvaluator, compile_genomes
from topoevo.evaluate.chunks import EvaluationFailure, TaskSpec
from topoevo.evaluate.factory import make_evaluator
from topoevo.evaluate.seeds import derive_seeds

__all__ = ["Evaluator", "InProcessEvaluator", "compile_genomes", "derive_seeds", "make_evaluator", "TaskSpec",
           "EvaluationFailure"]
