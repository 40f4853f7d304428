"""Drop-in APIs of other libraries on top of topoevo: ``from topoevo.compat import neat`` runs a neat-python script
with that one import changed (see docs/neat-python.md)."""
