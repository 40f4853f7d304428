"""Function-preserving mutations ("network morphisms", Net2Net: Chen et al. 2016): the child architecture and
starting weights computed from the parent's trained weights so that the child computes its parent's function
before any training. Pure numpy on the state dicts of :mod:`topoevo.nas.compile` (tensors named by block id).

- ``deepen_dense``: a new hidden Linear block initialised to the identity (ReLU when its input is a ReLU's output,
  which ReLU leaves unchanged; otherwise the identity activation);
- ``deepen_conv``: a new residual convolution (stride 1, as many channels as its input, no batch norm) whose kernel
  and bias are zero and whose activation maps 0 to 0, so the block adds nothing to its skip connection;
- ``widen_dense``: Net2WiderNet: a hidden Linear block gets more units, the new ones copies of random old ones, and
  the next layer divides each copied unit's outgoing weights by its number of copies;
- ``widen_conv``: Net2WiderNet on a convolution: more output channels, the new ones copies of random old ones (kernel,
  bias, batch-norm scale, shift and running statistics, the residual projection), and the consumer of the channels
  (the next convolution and its residual path, or after the reduction the first dense layer or the head) divides
  each copied channel's weights by its number of copies. An identity skip connection whose channels no longer
  match becomes a 1x1 projection that copies (widened block) or averages back (consumer) the channels.
Other changes (kernel, stride, removals, ...) have no function-preserving form here; children made by them use the
shape-matching (Lamarckian) inheritance of :mod:`topoevo.nas.lamarck`.
"""
from __future__ import annotations

import dataclasses
import math
from enum import Enum
from typing import Callable, Mapping

import numpy as np

from topoevo.config.weights import Activation
from topoevo.nas.arch import Architecture, ConvBlock, DenseBlock, Reduce, SearchSpace

State = dict[str, np.ndarray]


class Morphism(str, Enum):
    """A function-preserving change (recorded as the child's ``mutation``).

    >>> Morphism("widen_dense").value
    'widen_dense'
    """

    DEEPEN_DENSE = "deepen_dense"
    DEEPEN_CONV = "deepen_conv"
    WIDEN_DENSE = "widen_dense"
    WIDEN_CONV = "widen_conv"


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


def _next_conv(arch: Architecture, index: int) -> int | None:
    """Index of the first convolution after feature block ``index`` (poolings keep the channels), or None."""
    return next((j for j in range(index + 1, len(arch.features)) if isinstance(arch.features[j], ConvBlock)), None)


def conv_widths(arch: Architecture, index: int, choices: tuple[int, ...]) -> list[int]:
    """The channel counts of ``choices`` that :func:`widen_conv` can give convolution ``index`` exactly: more than
    it has, and no residual projection made unnecessary (in = out channels at stride 1 would drop a learned 1x1
    projection, here or in the next convolution, that the child has no place for).

    >>> a = Architecture((4, 8), 2, (ConvBlock(0, 2, 3, residual=True),), next_id=1)
    >>> conv_widths(a, 0, (2, 4, 8))
    [8]
    """
    block = arch.features[index]
    cin = arch.feature_shapes()[index][0]
    nxt = _next_conv(arch, index)
    out = []
    for c in choices:
        if c <= block.channels:
            continue
        if block.residual and block.stride == 1 and cin == c:
            continue
        if nxt is not None:
            b2 = arch.features[nxt]
            if b2.residual and b2.stride == 1 and b2.channels == c:
                continue
        out.append(int(c))
    return out


def widen_conv(arch: Architecture, state: Mapping[str, np.ndarray], index: int, channels: int,
               rng: np.random.Generator) -> tuple[Architecture, State]:
    """Net2WiderNet on convolution ``index`` (feature position): ``channels`` output channels (one of
    :func:`conv_widths`); channel j >= old copies a random old channel; the consumer divides by the copies.

    >>> a = Architecture((1, 4), 1, (ConvBlock(0, 1, 1, batch_norm=False),), next_id=1)
    >>> s = {"blocks.b0.conv.weight": np.full((1, 1, 1), 2.0, np.float32), "blocks.b0.conv.bias": np.zeros(1, np.float32),
    ...      "head.weight": np.ones((1, 4), np.float32), "head.bias": np.zeros(1, np.float32)}
    >>> child, t = widen_conv(a, s, 0, 2, np.random.default_rng(0))
    >>> child.features[0].channels, t["blocks.b0.conv.weight"].shape, t["head.weight"].tolist()
    (2, (2, 1, 1), [[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]])
    """
    block = arch.features[index]
    if not isinstance(block, ConvBlock):
        raise ValueError(f"widen_conv: feature block {index} is not a convolution")
    if channels not in conv_widths(arch, index, (channels,)):
        raise ValueError(f"widen_conv: {channels} channels cannot widen feature block {index} exactly")
    old, ones = block.channels, (1,) * arch.dims
    g = np.concatenate([np.arange(old), rng.integers(0, old, channels - old)])
    share = (1.0 / np.bincount(g, minlength=old).astype(np.float32))[g]  # per new channel: 1 / its copies
    shapes = arch.feature_shapes()
    out = {k: np.array(v, copy=True) for k, v in state.items()}
    here = f"blocks.b{block.id}"
    names = ["conv.weight"] + (["norm.weight", "norm.bias", "norm.running_mean", "norm.running_var"]
                               if block.batch_norm else ["conv.bias"])
    for name in names:
        out[f"{here}.{name}"] = state[f"{here}.{name}"][g]
    if block.residual:
        proj = f"{here}.project.weight"
        if proj in state:
            out[proj] = state[proj][g]
        else:  # identity skip (in = old channels, stride 1) -> a projection copying channel g[j] to j
            p = np.zeros((channels, old) + ones, np.float32)
            p[(np.arange(channels), g) + (0,) * arch.dims] = 1.0
            out[proj] = p
    nxt = _next_conv(arch, index)
    if nxt is not None:
        b2 = arch.features[nxt]
        there = f"blocks.b{b2.id}"
        scale = share.reshape((1, channels) + ones)
        out[f"{there}.conv.weight"] = state[f"{there}.conv.weight"][:, g] * scale
        if b2.residual:
            proj = f"{there}.project.weight"
            if proj in state:
                out[proj] = state[proj][:, g] * scale
            else:  # identity skip (b2.channels = old, stride 1) -> a projection averaging the copies back
                p = np.zeros((old, channels) + ones, np.float32)
                p[(g, np.arange(channels)) + (0,) * arch.dims] = share
                out[proj] = p
    else:  # the reduction, then the first dense layer or the head
        key = f"{_dense_key(arch, 0)}.weight"
        w = state[key]
        if arch.reduce is Reduce.FLATTEN:
            spatial = math.prod(shapes[-1][1:])
            w3 = w.reshape(w.shape[0], old, spatial)[:, g, :] * share[None, :, None]
            out[key] = w3.reshape(w.shape[0], channels * spatial)
        else:
            out[key] = w[:, g] * share[None, :]
    features = list(arch.features)
    features[index] = dataclasses.replace(block, channels=channels)
    return dataclasses.replace(arch, features=tuple(features)), out


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
    for i, b in enumerate(arch.features):
        wider = conv_widths(arch, i, space.channels) if isinstance(b, ConvBlock) else []
        if wider:
            opts.append((Morphism.WIDEN_CONV, lambda s, rng, i=i, wider=wider: widen_conv(
                arch, s, i, int(wider[int(rng.integers(len(wider)))]), rng)))
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
    >>> kind in tuple(Morphism) or kind is None
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


__all__ = ["Morphism", "deepen_dense", "deepen_conv", "widen_dense", "widen_conv", "conv_widths", "morph"]
