"""Architecture search, hybrid mode: evolution proposes architectures, backprop trains them.

- ``arch``: architecture genomes (feature blocks, reduction, dense blocks, head), shapes, costs, validity, sampling
- ``mutation``: one change per child (or identity);  ``io``: JSON files and checkpoint data (no pickle)
- ``compile``: architecture -> ``nn.Module``;  ``lamarck``: inherit the parent's tensors whose shapes match
- ``datasets`` (MNIST-1D, digits, MNIST 5k; offline), ``train`` (Adam, validation/test accuracy), ``task`` (the
  ``nas`` task: trains a batch of candidates), ``candidate`` (what is asked and evaluated)
- ``rea``: :class:`RegularizedEvolution` (with optional successive halving) and :class:`RandomSearch` as ask/tell
  (algorithms ``regularized_evolution`` and ``random_search``); ``nsga2``: :class:`NSGA2` (algorithm ``nsga2``) on
  ``pareto`` (non-dominated sorting, crowding distance, hypervolume); ``morphism``: function-preserving (Net2Net)
  children; ``ensemble``: ``topoevo ensemble``; ``config``: the ``[nas]`` section; ``choices``: enums shared with
  the config section

Torch is imported only by ``compile`` and ``lamarck`` (and on use by ``train`` and ``task``).
"""
from topoevo.nas.arch import Architecture, ConvBlock, DenseBlock, PoolBlock, SearchSpace, random_architecture
from topoevo.nas.candidate import NASCandidate
from topoevo.nas.mutation import MutationKind, mutate

__all__ = ["Architecture", "ConvBlock", "DenseBlock", "PoolBlock", "SearchSpace", "random_architecture",
           "NASCandidate", "MutationKind", "mutate"]
