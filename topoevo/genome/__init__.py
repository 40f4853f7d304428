"""The genome library (pure Python, no torch): genes, genome, innovations and the operations on them.

Modules: ``genes`` (node/connection genes), ``genome`` (the genome and its invariants), ``innovation`` (global
innovation numbers), ``initial`` (starting genomes), ``mutation``, ``crossover``, ``distance`` (compatibility),
``activations`` (scalar functions), ``interpreter`` (reference activation), ``io`` (JSON, networkx). Many genomes
as arrays: ``table`` (connection genes + compiled distance/speciation kernels in ``table_kernels``), ``columns``
(the compact checkpoint layout of a population).
"""
from topoevo.genome.activations import ACTIVATIONS, AGGREGATIONS
from topoevo.genome.crossover import crossover
from topoevo.genome.distance import distance
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind
from topoevo.genome.genome import Genome
from topoevo.genome.initial import initial_genome
from topoevo.genome.innovation import InnovationTracker
from topoevo.genome.interpreter import ReferenceRecurrentNetwork, activate
from topoevo.genome.io import genome_from_dict, genome_to_dict, load_genome, save_genome, to_networkx
from topoevo.genome.mutation import mutate

__all__ = ["ACTIVATIONS", "AGGREGATIONS", "ConnectionGene", "NodeGene", "NodeKind", "Genome", "InnovationTracker",
           "initial_genome", "mutate", "crossover", "distance", "activate", "ReferenceRecurrentNetwork",
           "genome_to_dict", "genome_from_dict", "load_genome", "save_genome", "to_networkx"]
