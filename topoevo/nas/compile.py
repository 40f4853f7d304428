"""Architecture -> ``nn.Module``. Tensors are named by block id (``blocks.b3.conv.weight``, ``head.weight``), so a
block keeps its names in every descendant (see :mod:`topoevo.nas.lamarck`)."""
from __future__ import annotations

import torch
from torch import nn

from topoevo.config.weights import Activation
from topoevo.nas.arch import Architecture, ConvBlock, DenseBlock, PoolBlock, PoolKind, Reduce

_ACTIVATIONS = {Activation.IDENTITY: nn.Identity, Activation.TANH: nn.Tanh, Activation.RELU: nn.ReLU,
                Activation.SIGMOID: nn.Sigmoid, Activation.ELU: nn.ELU, Activation.GELU: nn.GELU}


class ConvUnit(nn.Module):
    """conv -> (batch norm) -> activation, plus the input (projected by a 1x1 conv when shapes differ) if
    residual."""

    def __init__(self, block: ConvBlock, in_channels: int, dims: int):
        super().__init__()
        conv = nn.Conv1d if dims == 1 else nn.Conv2d
        self.conv = conv(in_channels, block.channels, block.kernel, block.stride, block.kernel // 2,
                         bias=not block.batch_norm)
        self.norm = (nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d)(block.channels) if block.batch_norm else None
        self.act = _ACTIVATIONS[block.activation]()
        self.residual = block.residual
        self.project = None
        if block.residual and (in_channels != block.channels or block.stride != 1):
            self.project = conv(in_channels, block.channels, 1, block.stride, 0, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        if self.norm is not None:
            y = self.norm(y)
        y = self.act(y)
        if self.residual:
            y = y + (x if self.project is None else self.project(x))
        return y


class DenseUnit(nn.Module):
    """Linear -> activation (a hidden dense block).

    >>> tuple(DenseUnit(DenseBlock(0, 4), 3)(torch.zeros(2, 3)).shape)
    (2, 4)
    """

    def __init__(self, block: DenseBlock, in_features: int):
        super().__init__()
        self.linear = nn.Linear(in_features, block.width)
        self.act = _ACTIVATIONS[block.activation]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.linear(x))


class ArchitectureNet(nn.Module):
    """The network of an :class:`~topoevo.nas.arch.Architecture`: inputs (N, C, L) or (N, C, H, W) -> logits
    (N, num_classes).

    >>> from topoevo.nas.arch import random_architecture, SearchSpace
    >>> import numpy as np
    >>> arch = random_architecture((1, 40), 10, SearchSpace(), np.random.default_rng(0))
    >>> tuple(ArchitectureNet(arch)(torch.zeros(2, 1, 40)).shape)
    (2, 10)
    """

    def __init__(self, arch: Architecture):
        super().__init__()
        problem = arch.problem()
        if problem is not None:
            raise ValueError(f"invalid architecture: {problem}")
        self.arch = arch
        self.blocks = nn.ModuleDict()
        shapes = arch.feature_shapes()
        self.order: list[str] = []
        for b, (cin, *_) in zip(arch.features, shapes):
            name = f"b{b.id}"
            if isinstance(b, ConvBlock):
                self.blocks[name] = ConvUnit(b, cin, arch.dims)
            else:
                pool = {(1, PoolKind.MAX): nn.MaxPool1d, (1, PoolKind.AVG): nn.AvgPool1d,
                        (2, PoolKind.MAX): nn.MaxPool2d, (2, PoolKind.AVG): nn.AvgPool2d}[(arch.dims, b.kind)]
                self.blocks[name] = pool(2)
            self.order.append(name)
        width = arch.reduced_size()
        for d in arch.dense:
            self.blocks[f"b{d.id}"] = DenseUnit(d, width)
            self.order.append(f"b{d.id}")
            width = d.width
        self.num_features = len(arch.features)
        self.head = nn.Linear(width, arch.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name in self.order[:self.num_features]:
            x = self.blocks[name](x)
        if self.arch.reduce is Reduce.FLATTEN:
            x = x.flatten(1)
        elif self.arch.reduce is Reduce.AVG:
            x = x.flatten(2).mean(2)
        else:
            x = x.flatten(2).amax(2)
        for name in self.order[self.num_features:]:
            x = self.blocks[name](x)
        return self.head(x)


def compile_architecture(arch: Architecture) -> ArchitectureNet:
    """The untrained network of ``arch`` (weights from torch's global generator)."""
    return ArchitectureNet(arch)


__all__ = ["ArchitectureNet", "compile_architecture"]
