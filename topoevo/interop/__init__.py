"""Genome interop with other NEAT libraries: ``neat_python`` converts to and from neat-python (>= 2.0) genomes.

neat-python is an optional dependency: it is imported only when a conversion needs its classes.
"""
from topoevo.interop.neat_python import InteropError, from_neat_python, to_neat_python

__all__ = ["InteropError", "from_neat_python", "to_neat_python"]
