"""The NEAT algorithm as ask/tell: ``species`` (speciation), ``reproduction`` (allotment, offspring),
``algorithm`` (the NEAT object, stagnation, state), ``candidates`` (what every algorithm over NEAT genomes shares)."""
from topoevo.neat.algorithm import NEAT, GenerationStats

__all__ = ["NEAT", "GenerationStats"]
