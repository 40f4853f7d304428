"""Lamarckian weight inheritance: a child network starts from its parent's trained tensors wherever the state_dict
key (block id + tensor name) exists in both and the shapes match; every other tensor keeps its fresh
initialisation."""
from __future__ import annotations

from typing import Mapping

import numpy as np
import torch
from torch import nn


def state_to_numpy(module: nn.Module) -> dict[str, np.ndarray]:
    """A module's state_dict as numpy arrays (copies), the form trained weights travel and are stored in."""
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def inherit(module: nn.Module, parent_state: Mapping[str, np.ndarray]) -> list[str]:
    """Copy into ``module`` exactly the tensors of ``parent_state`` whose key and shape match; return those keys.

    >>> a, b = nn.Linear(3, 2), nn.Linear(4, 2)
    >>> inherit(b, state_to_numpy(a))
    ['bias']
    """
    copied = []
    with torch.no_grad():
        for key, tensor in module.state_dict().items():
            src = parent_state.get(key)
            if src is not None and tuple(src.shape) == tuple(tensor.shape):
                tensor.copy_(torch.as_tensor(np.asarray(src), dtype=tensor.dtype))
                copied.append(key)
    return copied


__all__ = ["inherit", "state_to_numpy"]
