"""Genomes compiled to PyTorch (docstring completed below)."""
from topoevo.nn.module import GenomeModule, to_module, write_back
from topoevo.nn.population import CompiledPopulation, CompileError

__all__ = ["CompiledPopulation", "CompileError", "GenomeModule", "to_module", "write_back"]
