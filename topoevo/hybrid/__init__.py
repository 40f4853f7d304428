"""NEAT + backprop: NEAT genomes fine-tuned by gradient descent inside the fitness evaluation.

Modules: ``population`` (:class:`TrainablePopulation`: a whole population of feed-forward genomes as one
differentiable batched network whose weights and biases are two flat parameter tensors), ``finetune``
(:func:`finetune`: Adam on every genome at once, each genome's result independent of the others). The task that uses
them is ``topoevo.tasks.backprop_neat`` (``name = "supervised_backprop"``); with Lamarckian inheritance the trained
weights travel back in ``EvalResult.info[TRAINED_WEIGHTS]`` (``topoevo.tasks.base``), and the run loop hands them to
the algorithm (``NEAT.observe`` -> ``NEAT.write_back``), which writes them into its genomes before ``tell``.
"""
from topoevo.hybrid.finetune import AdamSettings, FinetuneResult, finetune
from topoevo.hybrid.population import TrainablePopulation

__all__ = ["AdamSettings", "FinetuneResult", "TrainablePopulation", "finetune"]
