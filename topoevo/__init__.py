"""topoevo: NEAT and neural architecture search on PyTorch."""
__version__ = "0.1.0"
