"""The NEAT algorithm as ask/tell: ``species`` (speciation), ``reproduction`` (allotment, offspring),
``algorithm`` (the NEAT object, stagnation, state)."""
from topoevo.neat.algorithm import NEAT, GenerationStats

__all__ = ["NEAT", "GenerationStats"]
