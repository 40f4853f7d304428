"""Evaluators: ``base`` (interface, in-process batched), ``seeds`` (evaluation seed derivation)."""
from topoevo.evaluate.base import Evaluator, InProcessEvaluator, compile_genomes
from topoevo.evaluate.seeds import derive_seeds

__all__ = ["Evaluator", "InProcessEvaluator", "compile_genomes", "derive_seeds"]
