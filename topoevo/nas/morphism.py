"""Function-preserving mutations ("network morphisms", Net2Net: Chen et al. 2016): the child architecture and
starting weights computed from the parent's trained weights so that the child computes its parent's function
before any training. Pure numpy on the state dicts of :mod:`topoevo.nas.compile` (tensors named by block id).

- ``deepen_dense``: a new hidden Linear block initialised to the identity (ReLU when its input is a ReLU's output,
  which ReLU leaves unchanged; otherwise the identity activation);
- ``deepen_conv``: a new residual convolution (stride 1, as many channels as its input, no batch norm) whose kernel
  and bias are zero and whose activation maps 0 to 0, so the block adds nothing to its skip connection;
- ``widen_dense``: Net2WiderNet: a hidden Linear block gets more units, the new ones copies of random old ones, and
  the next layer divides each copied unit's outgoing weights by its number of copies.
Other changes (kernel, stride, removals, ...) have no function-preserving form here; children made by them use the
shape-matching (Lamarckian) inheritance of :mod:`topoevo.nas.lamarck`.
"""
from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Callable, Mapping

import numpy as np

from topoevo.config.weights import Activation
from topoevo.nas.arch import Architecture, ConvBlock, DenseBlock, SearchSpace

State = dict[str, np.ndarray]


class Morphism(str, Enum):
    """A function-preserving change (recorded as the child's ``mutation``).

    >>> Morphism("widen_dense").value
    'widen_dense'
    """

    DEEPEN_DENSE = "deepen_dense"
    DEEPEN_CONV = "deepen_conv"
    WIDEN_DENSE = "widen_dense"


def _dense_key(arch: Architecture, i: int) -> str:
    """State-dict prefix of the layer after dense block ``i - 1`` (dense block i, or the head when i is last)."""
    return f"blocks.b{arch.dense[i].id}.linear" if i < len(arch.dense) else "head"


def deepen_dense(arch: Architecture, state: Mapping[str, np.ndarray], position: int) -> tuple[Architecture, State]:
    """Insert an identity-initialised dense block before dense position ``position`` (0..len(dense)).

    >>> a = Architecture((1, 4), 2, (), dense=(DenseBlock(0, 3),), next_id=1)
    >>> child, s = deepen_dense(a, {}, 1)
    >>> child.dense[1].width, child.dense[1].activation.value, s["blocks.b1.linear.weight"].tolist()[0]
    (3, 'relu', [1.0, 0.0, 0.0])
    """
    width = arch.reduced_size() if position == 0 else arch.dense[position - 1].width
    after_relu = position > 0 and arch.dense[position - 1].activation is Activation.RELU
    block = DenseBlock(arch.next_id, width, Activation.RELU if after_relu else Activation.IDENTITY)
    dense = (*arch.dense[:position], block, *arch.dense[position:])
    child = dataclasses.replace(arch, dense=dense, next_id=arch.next_id + 1)
    out = {k: np.array(v, copy=True) for k, v in state.items()}
    out[f"blocks.b{block.id}.linear.weight"] = np.eye(width, dtype=np.float32)
    out[f"blocks.b{block.id}.linear.bias"] = np.zeros(width, dtype=np.float32)
    return child, out


def deepen_conv(arch: Architecture, state: Mapping[str, np.ndarray], position: int,
                kernel: int = 3) -> tuple[Architecture, State]:
    """Insert a zero-initialised residual convolution before feature position ``position``.

    >>> a = Architecture((2, 8), 2, (), next_id=0)
    >>> child, s = deepen_conv(a, {}, 0)
    >>> child.features[0].residual, float(abs(s["blocks.b0.conv.weight"]).sum())
    (True, 0.0)
    """
    channels = arch.feature_shapes()[position][0]
    block = ConvBlock(arch.next_id, channels, kernel, 1, Activation.RELU, batch_norm=False, residual=True)
    features = (*arch.features[:position], block, *arch.features[position:])
    child = dataclasses.replace(arch, features=features, next_id=arch.next_id + 1)
    out = {k: np.array(v, copy=True) for k, v in state.items()}
    out[f"blocks.b{block.id}.conv.weight"] = np.zeros((channels, channels) + (kernel,) * arch.dims, np.float32)
    out[f"blocks.b{block.id}.conv.bias"] = np.zeros(channels, np.float32)
    return child, out


def widen_dense(arch: Architecture, state: Mapping[str, np.ndarray], index: int, width: int,
                rng: np.random.Generator) -> tuple[Architecture, State]:
    """Net2WiderNet on dense block ``index``: ``width`` (> its width) units; unit j >= old width copies a random old
    unit; the next layer's weights from a copied unit are divided by the copies.

    >>> a = Architecture((1, 2), 1, (), dense=(DenseBlock(0, 2),), next_id=1)
    >>> s = {"blocks.b0.linear.weight": np.ones((2, 2), np.float32), "blocks.b0.linear.bias": np.zeros(2, np.float32),
    ...      "head.weight": np.array([[1.0, 3.0]], np.float32), "head.bias": np.zeros(1, np.float32)}
    >>> child, t = widen_dense(a, s, 0, 3, np.random.default_rng(0))
    >>> child.dense[0].width, float(t["head.weight"].sum())
    (3, 4.0)
    """
    old = arch.dense[index].width
    if width <= old:
        raise ValueError(f"widen_dense: expected a width above {old}, got {width}")
    g = np.concatenate([np.arange(old), rng.integers(0, old, width - old)])
    counts = np.bincount(g, minlength=old).astype(np.float32)
    here, nxt = _dense_key(arch, index), _dense_key(arch, index + 1)
    out = {k: np.array(v, copy=True) for k, v in state.items()}
    out[f"{here}.weight"] = state[f"{here}.weight"][g]
    out[f"{here}.bias"] = state[f"{here}.bias"][g]
    out[f"{nxt}.weight"] = state[f"{nxt}.weight"][:, g] / counts[g][None, :]
    dense = list(arch.dense)
    dense[index] = dataclasses.replace(dense[index], width=width)
    return dataclasses.replace(arch, dense=tuple(dense)), out


def _options(arch: Architecture, space: SearchSpace) -> list[tuple[Morphism, Callable]]:
    """Every morphism applicable to ``arch`` in ``space``, as (kind, function of (state, rng))."""
    opts: list[tuple[Morphism, Callable]] = []
    if len(arch.dense) < space.max_dense:
        for p in range(len(arch.dense) + 1):
            opts.append((Morphism.DEEPEN_DENSE, lambda s, rng, p=p: deepen_dense(arch, s, p)))
    if len(arch.features) < space.max_blocks:
        kernels = [k for k in space.kernels if k > 1] or list(space.kernels)
        for p in range(len(arch.features) + 1):
            opts.append((Morphism.DEEPEN_CONV, lambda s, rng, p=p: deepen_conv(
                arch, s, p, int(kernels[int(rng.integers(len(kernels)))]))))
    for i, d in enumerate(arch.dense):
        wider = [w for w in space.widths if w > d.width]
        if wider:
            opts.append((Morphism.WIDEN_DENSE, lambda s, rng, i=i, wider=wider: widen_dense(
                arch, s, i, int(wider[int(rng.integers(len(wider)))]), rng)))
    return opts


def morph(arch: Architecture, state: Mapping[str, np.ndarray], space: SearchSpace, rng: np.random.Generator,
          max_tries: int = 20) -> tuple[Architecture, State, Morphism] | None:
    """A random function-preserving child of ``arch`` with its starting weights, valid in ``space``; None when no
    morphism applies (or none gives a valid child in ``max_tries`` draws).

    >>> a = Architecture((1, 8), 3, (), dense=(DenseBlock(0, 16),), next_id=1)
    >>> child, s, kind = morph(a, {}, SearchSpace(), np.random.default_rng(0)) or (None, None, None)
    >>> kind in (Morphism.DEEPEN_DENSE, Morphism.DEEPEN_CONV, Morphism.WIDEN_DENSE) or kind is None
    True
    """
    opts = _options(arch, space)
    for _ in range(max_tries if opts else 0):
        kind, apply = opts[int(rng.integers(len(opts)))]
        try:
            child, new_state = apply(state, rng)
        except KeyError:  # (a state without the tensors to transform: e.g. empty)
            continue
        if child.is_valid(space):
            return child, new_state, kind
    return None


__all__ = ["Morphism", "deepen_dense", "deepen_conv", "widen_dense", "morph"]
