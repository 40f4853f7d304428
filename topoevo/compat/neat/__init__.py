"""neat-python's public API on topoevo: change ``import neat`` to ``from topoevo.compat import neat``.

The config file is read by topoevo's neat-python converter (every option of the five ``Default*`` sections keeps
its meaning), evolution is topoevo's NEAT, and the user's ``eval_genomes(genomes, config)`` callback sets
``genome.fitness`` as before. Checkpoints are JSON (no pickle). For speed, move the run to the batched path:
``topoevo run CONFIG --task TASK`` (docs/neat-python.md).

>>> from topoevo.compat import neat
>>> sorted(n for n in ("Config", "Population", "StdOutReporter", "Checkpointer") if hasattr(neat, n))
['Checkpointer', 'Config', 'Population', 'StdOutReporter']
"""
from topoevo.compat.neat import nn
from topoevo.compat.neat.checkpoint import Checkpointer
from topoevo.compat.neat.config import (Config, DefaultGenome, DefaultReproduction, DefaultSpeciesSet,
                                        DefaultStagnation)
from topoevo.compat.neat.parallel import ParallelEvaluator, ThreadedEvaluator
from topoevo.compat.neat.population import CompleteExtinctionException, Population
from topoevo.compat.neat.reporting import BaseReporter, ReporterSet, StdOutReporter
from topoevo.compat.neat.statistics import StatisticsReporter

__all__ = ["Config", "DefaultGenome", "DefaultReproduction", "DefaultSpeciesSet", "DefaultStagnation", "Population",
           "CompleteExtinctionException", "BaseReporter", "ReporterSet", "StdOutReporter", "StatisticsReporter",
           "Checkpointer", "ParallelEvaluator", "ThreadedEvaluator", "nn"]
