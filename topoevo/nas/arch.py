"""Architecture genomes: a sequence of feature blocks (convolution or pooling) on a 1D or 2D input, a reduction to a
vector, hidden dense blocks and a linear head; shape inference, costs (parameters, multiply-accumulates), validity
against a :class:`SearchSpace`, and random sampling. Pure Python, no torch.

Every block carries an ``id`` unique within its lineage (new blocks get ``next_id``), so compiled modules name their
tensors by block id and Lamarckian inheritance finds a block again after other blocks were added or removed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

import numpy as np

from topoevo.config.weights import Activation
from topoevo.nas.choices import PoolKind, Reduce


@dataclass(frozen=True)
class ConvBlock:
    """Convolution (padded by kernel // 2), optional batch norm, activation; ``residual`` adds the block's input
    (through a 1x1 projection when channels or stride differ).

    >>> ConvBlock(0, channels=16, kernel=5, stride=2).batch_norm
    True
    """

    id: int
    channels: int
    kernel: int
    stride: int = 1
    activation: Activation = Activation.RELU
    batch_norm: bool = True
    residual: bool = False


@dataclass(frozen=True)
class PoolBlock:
    """Max or average pooling with window 2 and stride 2.

    >>> PoolBlock(1).kind.value
    'max'
    """

    id: int
    kind: PoolKind = PoolKind.MAX


@dataclass(frozen=True)
class DenseBlock:
    """A hidden Linear layer and its activation.

    >>> DenseBlock(2, width=32).activation.value
    'relu'
    """

    id: int
    width: int
    activation: Activation = Activation.RELU


FeatureBlock = Union[ConvBlock, PoolBlock]


@dataclass(frozen=True)
class SearchSpace:
    """The choices mutations and random sampling draw from, and the limits that make an architecture valid.

    >>> SearchSpace().max_blocks
    8
    """

    max_blocks: int = 8
    max_dense: int = 2
    channels: tuple[int, ...] = (8, 16, 32, 64)
    kernels: tuple[int, ...] = (1, 3, 5, 7, 9)
    strides: tuple[int, ...] = (1, 2)
    widths: tuple[int, ...] = (16, 32, 64, 128)
    activations: tuple[Activation, ...] = tuple(Activation)
    reductions: tuple[Reduce, ...] = tuple(Reduce)
    max_parameters: int = 100_000
    max_macs: int = 1_000_000
    identity_probability: float = 0.05


@dataclass(frozen=True)
class Architecture:
    """One network: ``input_shape`` (C, L) or (C, H, W) -> feature blocks -> reduction -> dense blocks -> a Linear
    head with ``num_classes`` outputs.

    >>> a = Architecture((1, 40), 10, (ConvBlock(0, 8, 5), PoolBlock(1)), Reduce.FLATTEN, (DenseBlock(2, 16),), 3)
    >>> a.feature_shapes()[-1], a.cost()
    ((8, 20), Cost(parameters=2802, macs=4320))
    """

    input_shape: tuple[int, ...]
    num_classes: int
    features: tuple[FeatureBlock, ...] = ()
    reduce: Reduce = Reduce.FLATTEN
    dense: tuple[DenseBlock, ...] = ()
    next_id: int = 0

    @property
    def dims(self) -> int:
        """Spatial dimensions of the input: 1 (sequences) or 2 (images)."""
        return len(self.input_shape) - 1

    @property
    def blocks(self) -> tuple[FeatureBlock | DenseBlock, ...]:
        return (*self.features, *self.dense)

    def feature_shapes(self) -> list[tuple[int, ...]]:
        """The (C, *spatial) shape after the input and after each feature block (a size may reach 0: invalid)."""
        shape = tuple(self.input_shape)
        out = [shape]
        for b in self.features:
            if isinstance(b, ConvBlock):
                shape = (b.channels, *[(s - 1) // b.stride + 1 if s > 0 else 0 for s in shape[1:]])
            else:
                shape = (shape[0], *[s // 2 for s in shape[1:]])
            out.append(shape)
        return out

    def reduced_size(self) -> int:
        shape = self.feature_shapes()[-1]
        return math.prod(shape) if self.reduce is Reduce.FLATTEN else shape[0]

    def cost(self) -> "Cost":
        """Trainable parameters (with batch-norm scales and shifts) and forward multiply-accumulates per sample."""
        params = macs = 0
        shapes = self.feature_shapes()
        for b, (cin, *_), (cout, *spatial) in zip(self.features, shapes, shapes[1:]):
            if isinstance(b, ConvBlock):
                k = b.kernel ** self.dims
                positions = math.prod(spatial)
                params += cin * cout * k + (2 * cout if b.batch_norm else cout)
                macs += cin * cout * k * positions
                if b.residual and (cin != cout or b.stride != 1):
                    params += cin * cout
                    macs += cin * cout * positions
        width = self.reduced_size()
        for d in self.dense:
            params += width * d.width + d.width
            macs += width * d.width
            width = d.width
        params += width * self.num_classes + self.num_classes
        macs += width * self.num_classes
        return Cost(params, macs)

    def problem(self, space: SearchSpace | None = None) -> str | None:
        """Why the architecture is invalid (None when valid); ``space`` adds its limits."""
        if len(self.input_shape) not in (2, 3) or any(s < 1 for s in self.input_shape):
            return f"input shape {self.input_shape}: expected (C, L) or (C, H, W), all >= 1"
        if self.num_classes < 1:
            return f"num_classes {self.num_classes}: expected >= 1"
        ids = [b.id for b in self.blocks]
        if len(set(ids)) != len(ids) or any(i < 0 or i >= self.next_id for i in ids):
            return f"block ids {ids}: expected distinct ids in [0, next_id={self.next_id})"
        for i, b in enumerate(self.features):
            if isinstance(b, ConvBlock) and (b.channels < 1 or b.kernel < 1 or b.kernel % 2 == 0 or b.stride < 1):
                return f"feature block {i}: expected channels >= 1, an odd kernel >= 1 and stride >= 1"
        for i, d in enumerate(self.dense):
            if d.width < 1:
                return f"dense block {i}: expected width >= 1"
        for i, shape in enumerate(self.feature_shapes()[1:]):
            if min(shape[1:]) < 1:
                return f"feature block {i} shrinks the input {self.input_shape} to nothing"
        if space is not None:
            if len(self.features) > space.max_blocks:
                return f"{len(self.features)} feature blocks: at most {space.max_blocks}"
            if len(self.dense) > space.max_dense:
                return f"{len(self.dense)} dense blocks: at most {space.max_dense}"
            c = self.cost()
            if c.parameters > space.max_parameters:
                return f"{c.parameters} parameters: at most {space.max_parameters}"
            if c.macs > space.max_macs:
                return f"{c.macs} multiply-accumulates: at most {space.max_macs}"
        return None

    def is_valid(self, space: SearchSpace | None = None) -> bool:
        return self.problem(space) is None

    def describe(self) -> str:
        """A short one-line summary, e.g. ``c32k5s1bn-relu p-max | flatten | d64-relu``."""
        parts = []
        for b in self.features:
            if isinstance(b, ConvBlock):
                parts.append(f"c{b.channels}k{b.kernel}s{b.stride}{'bn' if b.batch_norm else ''}"
                             f"{'+r' if b.residual else ''}-{b.activation.value}")
            else:
                parts.append(f"p-{b.kind.value}")
        dense = [f"d{d.width}-{d.activation.value}" for d in self.dense]
        return " ".join(parts or ["-"]) + f" | {self.reduce.value} | " + " ".join(dense or ["-"])


@dataclass(frozen=True)
class Cost:
    """Trainable parameters and forward multiply-accumulates per sample (:meth:`Architecture.cost`).

    >>> Architecture((1, 4), 3, (), next_id=0).cost()
    Cost(parameters=15, macs=12)
    """

    parameters: int
    macs: int


# ---- random sampling ------------------------------------------------------------------------------------------------
def _pick(rng: np.random.Generator, options: tuple) -> object:
    return options[int(rng.integers(len(options)))]


def random_conv(rng: np.random.Generator, space: SearchSpace, block_id: int) -> ConvBlock:
    return ConvBlock(block_id, int(_pick(rng, space.channels)), int(_pick(rng, space.kernels)),
                     int(_pick(rng, space.strides)), Activation(_pick(rng, space.activations)),
                     bool(rng.random() < 0.5), bool(rng.random() < 0.5))


def random_feature(rng: np.random.Generator, space: SearchSpace, block_id: int) -> FeatureBlock:
    """A convolution (probability 3/4) or a pooling block."""
    if rng.random() < 0.75:
        return random_conv(rng, space, block_id)
    return PoolBlock(block_id, PoolKind(_pick(rng, tuple(PoolKind))))


def random_dense(rng: np.random.Generator, space: SearchSpace, block_id: int) -> DenseBlock:
    return DenseBlock(block_id, int(_pick(rng, space.widths)), Activation(_pick(rng, space.activations)))


def random_architecture(input_shape: tuple[int, ...], num_classes: int, space: SearchSpace,
                        rng: np.random.Generator, max_tries: int = 10_000) -> Architecture:
    """An architecture drawn uniformly in structure: 0..max_blocks feature blocks, 0..max_dense dense blocks, every
    choice uniform; redrawn until valid in ``space`` (the distribution random search and the initial population
    use).

    >>> a = random_architecture((1, 40), 10, SearchSpace(), np.random.default_rng(0))
    >>> a.is_valid(SearchSpace())
    True
    """
    for _ in range(max_tries):
        n_feat = int(rng.integers(0, space.max_blocks + 1))
        n_dense = int(rng.integers(0, space.max_dense + 1))
        features = tuple(random_feature(rng, space, i) for i in range(n_feat))
        dense = tuple(random_dense(rng, space, n_feat + i) for i in range(n_dense))
        arch = Architecture(tuple(input_shape), num_classes, features, Reduce(_pick(rng, space.reductions)), dense,
                            n_feat + n_dense)
        if arch.is_valid(space):
            return arch
    raise ValueError(f"no valid architecture in {max_tries} draws: the search space's limits are too tight for "
                     f"inputs {tuple(input_shape)}")


__all__ = ["Architecture", "ConvBlock", "PoolBlock", "DenseBlock", "PoolKind", "Reduce", "SearchSpace", "Cost",
           "random_architecture", "random_conv", "random_feature", "random_dense"]
