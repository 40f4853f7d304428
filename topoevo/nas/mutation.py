"""Architecture mutations: each child differs from its parent in exactly one thing (one block added or removed, or
one attribute of one block, or the reduction), or is an unchanged copy (identity, probability
``identity_probability``), as in regularized evolution (Real et al. 2019). Children are always valid."""
from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Callable

import numpy as np

from topoevo.nas.arch import (Architecture, ConvBlock, DenseBlock, PoolBlock, PoolKind, SearchSpace, _pick,
                              random_dense, random_feature)


class MutationKind(str, Enum):
    """What a child's one change was (its ``value`` is recorded in the candidate's ``mutation`` and the history).

    >>> MutationKind("kernel") is MutationKind.KERNEL
    True
    """

    IDENTITY = "identity"
    ADD_BLOCK = "add_block"
    REMOVE_BLOCK = "remove_block"
    CHANNELS = "channels"
    KERNEL = "kernel"
    STRIDE = "stride"
    ACTIVATION = "activation"
    BATCH_NORM = "batch_norm"
    RESIDUAL = "residual"
    POOL_KIND = "pool_kind"
    WIDTH = "width"
    REDUCE = "reduce"


def _other(rng: np.random.Generator, options: tuple, current: object) -> object | None:
    rest = tuple(o for o in options if o != current)
    return _pick(rng, rest) if rest else None


def _replace_feature(arch: Architecture, i: int, block: object) -> Architecture:
    features = list(arch.features)
    features[i] = block
    return dataclasses.replace(arch, features=tuple(features))


def _replace_dense(arch: Architecture, i: int, block: DenseBlock) -> Architecture:
    dense = list(arch.dense)
    dense[i] = block
    return dataclasses.replace(arch, dense=tuple(dense))


def _conv_attr(attr: str, options: Callable[[SearchSpace], tuple]) -> Callable:
    def apply(arch: Architecture, space: SearchSpace, rng: np.random.Generator) -> Architecture | None:
        convs = [i for i, b in enumerate(arch.features) if isinstance(b, ConvBlock)]
        if not convs:
            return None
        i = convs[int(rng.integers(len(convs)))]
        value = _other(rng, options(space), getattr(arch.features[i], attr))
        if value is None:
            return None
        return _replace_feature(arch, i, dataclasses.replace(arch.features[i], **{attr: value}))
    return apply


def _add_block(arch: Architecture, space: SearchSpace, rng: np.random.Generator) -> Architecture | None:
    room_f, room_d = len(arch.features) < space.max_blocks, len(arch.dense) < space.max_dense
    if not (room_f or room_d):
        return None
    if room_f and (not room_d or rng.random() < 0.75):
        pos = int(rng.integers(len(arch.features) + 1))
        features = list(arch.features)
        features.insert(pos, random_feature(rng, space, arch.next_id))
        return dataclasses.replace(arch, features=tuple(features), next_id=arch.next_id + 1)
    pos = int(rng.integers(len(arch.dense) + 1))
    dense = list(arch.dense)
    dense.insert(pos, random_dense(rng, space, arch.next_id))
    return dataclasses.replace(arch, dense=tuple(dense), next_id=arch.next_id + 1)


def _remove_block(arch: Architecture, space: SearchSpace, rng: np.random.Generator) -> Architecture | None:
    n = len(arch.blocks)
    if n == 0:
        return None
    i = int(rng.integers(n))
    if i < len(arch.features):
        return dataclasses.replace(arch, features=arch.features[:i] + arch.features[i + 1:])
    j = i - len(arch.features)
    return dataclasses.replace(arch, dense=arch.dense[:j] + arch.dense[j + 1:])


def _activation(arch: Architecture, space: SearchSpace, rng: np.random.Generator) -> Architecture | None:
    targets = [i for i, b in enumerate(arch.blocks) if not isinstance(b, PoolBlock)]
    if not targets:
        return None
    i = targets[int(rng.integers(len(targets)))]
    block = arch.blocks[i]
    value = _other(rng, space.activations, block.activation)
    if value is None:
        return None
    new = dataclasses.replace(block, activation=value)
    if i < len(arch.features):
        return _replace_feature(arch, i, new)
    return _replace_dense(arch, i - len(arch.features), new)


def _pool_kind(arch: Architecture, space: SearchSpace, rng: np.random.Generator) -> Architecture | None:
    pools = [i for i, b in enumerate(arch.features) if isinstance(b, PoolBlock)]
    if not pools:
        return None
    i = pools[int(rng.integers(len(pools)))]
    kind = PoolKind.AVG if arch.features[i].kind is PoolKind.MAX else PoolKind.MAX
    return _replace_feature(arch, i, dataclasses.replace(arch.features[i], kind=kind))


def _width(arch: Architecture, space: SearchSpace, rng: np.random.Generator) -> Architecture | None:
    if not arch.dense:
        return None
    i = int(rng.integers(len(arch.dense)))
    value = _other(rng, space.widths, arch.dense[i].width)
    return None if value is None else _replace_dense(arch, i, dataclasses.replace(arch.dense[i], width=value))


def _reduce(arch: Architecture, space: SearchSpace, rng: np.random.Generator) -> Architecture | None:
    value = _other(rng, space.reductions, arch.reduce)
    return None if value is None else dataclasses.replace(arch, reduce=value)


MUTATIONS: dict[MutationKind, Callable[[Architecture, SearchSpace, np.random.Generator], Architecture | None]] = {
    MutationKind.ADD_BLOCK: _add_block,
    MutationKind.REMOVE_BLOCK: _remove_block,
    MutationKind.CHANNELS: _conv_attr("channels", lambda s: s.channels),
    MutationKind.KERNEL: _conv_attr("kernel", lambda s: s.kernels),
    MutationKind.STRIDE: _conv_attr("stride", lambda s: s.strides),
    MutationKind.ACTIVATION: _activation,
    MutationKind.BATCH_NORM: _conv_attr("batch_norm", lambda s: (False, True)),
    MutationKind.RESIDUAL: _conv_attr("residual", lambda s: (False, True)),
    MutationKind.POOL_KIND: _pool_kind,
    MutationKind.WIDTH: _width,
    MutationKind.REDUCE: _reduce,
}
_KINDS = tuple(MUTATIONS)


def mutate(arch: Architecture, space: SearchSpace, rng: np.random.Generator,
           max_tries: int = 100) -> tuple[Architecture, MutationKind]:
    """One child of ``arch`` and the mutation that made it: identity with probability
    ``space.identity_probability``; otherwise a mutation kind drawn uniformly, applied to a uniformly drawn target
    with a new value, redrawn (kind, target and value) until the child is valid in ``space``. After ``max_tries``
    invalid draws (only in a space too tight to move in) the child is an identity copy.

    >>> from topoevo.nas.arch import random_architecture
    >>> rng = np.random.default_rng(1)
    >>> parent = random_architecture((1, 40), 10, SearchSpace(), rng)
    >>> child, kind = mutate(parent, SearchSpace(), rng)
    >>> child.is_valid(SearchSpace()), isinstance(kind, MutationKind)
    (True, True)
    """
    if rng.random() < space.identity_probability:
        return arch, MutationKind.IDENTITY
    for _ in range(max_tries):
        kind = _KINDS[int(rng.integers(len(_KINDS)))]
        child = MUTATIONS[kind](arch, space, rng)
        if child is not None and child != arch and child.is_valid(space):
            return child, kind
    return arch, MutationKind.IDENTITY


__all__ = ["MutationKind", "MUTATIONS", "mutate"]
