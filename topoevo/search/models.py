"""Model specs and the small factory that builds them: a frozen, JSON-ready :class:`ModelSpec` (MLP or small CNN)
-> ``torch.nn.Sequential``. Weight evolution treats the built module as a fixed function of a flat parameter vector.
"""
from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from topoevo.config.weights import Activation, ModelKind, conv_size
from topoevo.errors import ConfigError, TopoevoError

if TYPE_CHECKING:  # pragma: no cover
    from torch import nn

    from topoevo.config import Config


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to rebuild the network (hashable: it keys the module cache).

    >>> spec = ModelSpec(ModelKind.MLP, 4, 2, hidden=(16, 16))
    >>> build_model(spec)
    Sequential(
      (0): Linear(in_features=4, out_features=16, bias=True)
      (1): Tanh()
      (2): Linear(in_features=16, out_features=16, bias=True)
      (3): Tanh()
      (4): Linear(in_features=16, out_features=2, bias=True)
    )
    >>> ModelSpec.from_dict(spec.to_dict()) == spec
    True
    """

    kind: ModelKind
    num_inputs: int
    num_outputs: int
    hidden: tuple[int, ...] = (16, 16)
    activation: Activation = Activation.TANH
    output_activation: Activation = Activation.IDENTITY
    conv_channels: tuple[int, ...] = ()  # cnn only (empty for an mlp)
    kernel_size: int = 0  # cnn only
    stride: int = 0  # cnn only
    pool: int = 0  # cnn only
    image_shape: tuple[int, ...] = ()  # cnn only: (channels, height, width)

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise ConfigError(problem[1], field=f"model.{problem[0]}")

    def problem(self) -> tuple[str, str] | None:
        """(field, message) of the first inconsistency, or None."""
        if self.num_inputs < 1 or self.num_outputs < 1:
            return "num_inputs", f"expected >= 1 inputs and outputs, got {self.num_inputs} and {self.num_outputs}"
        if any(h < 1 for h in self.hidden) or (not self.hidden and self.kind is not ModelKind.MLP):
            return "hidden", f"expected positive layer sizes, got {list(self.hidden)}"
        if self.kind in (ModelKind.RNN, ModelKind.FRNN) and len(self.hidden) != 1:
            return "hidden", (f"expected one size (the recurrent units) for an '{self.kind.value}', got "
                              f"{list(self.hidden)}")
        if self.kind is ModelKind.CNN:
            if len(self.image_shape) != 3 or any(d < 1 for d in self.image_shape):
                return "image_shape", f"expected [channels, height, width], got {list(self.image_shape)}"
            if math.prod(self.image_shape) != self.num_inputs:
                return "image_shape", (f"{list(self.image_shape)} holds {math.prod(self.image_shape)} values, the "
                                       f"task gives {self.num_inputs} inputs")
            if not self.conv_channels or any(c < 1 for c in self.conv_channels):
                return "conv_channels", f"expected positive channel counts, got {list(self.conv_channels)}"
            if self.kernel_size < 1 or self.kernel_size % 2 == 0:
                return "kernel_size", f"expected an odd kernel size, got {self.kernel_size}"
            if self.stride < 1:
                return "stride", f"expected a stride >= 1, got {self.stride}"
            if self.pool < 1 or min(self.feature_shape()[1:]) < 1:
                return "pool", f"the conv blocks shrink {list(self.image_shape)} to nothing"
        elif self.conv_channels or self.kernel_size or self.stride or self.pool or self.image_shape:
            return "kind", "an 'mlp' spec has no conv fields"
        return None

    def feature_shape(self) -> tuple[int, int, int]:
        """CNN: (channels, height, width) after the last conv block."""
        _, h, w = self.image_shape
        for _ in self.conv_channels:
            h = conv_size(h, self.kernel_size, self.stride) // self.pool
            w = conv_size(w, self.kernel_size, self.stride) // self.pool
        return self.conv_channels[-1], h, w

    @classmethod
    def from_config(cls, config: Config) -> ModelSpec:
        """The spec of ``[model]`` with the task's sizes (``[genome] num_inputs/num_outputs``, filled by the run)."""
        m, g = config.model, config.genome
        if g.num_inputs < 1 or g.num_outputs < 1:
            raise ConfigError("genome.num_inputs and genome.num_outputs must be set (>= 1; the run loop takes them "
                              "from the task)", source=config.source, field="genome.num_inputs")
        kwargs: dict[str, Any] = dict(kind=m.kind, num_inputs=g.num_inputs, num_outputs=g.num_outputs,
                                      hidden=tuple(m.hidden), activation=m.activation,
                                      output_activation=m.output_activation)
        if m.kind is ModelKind.CNN:
            kwargs.update(conv_channels=tuple(m.conv_channels), kernel_size=m.kernel_size, stride=m.stride,
                          pool=m.pool, image_shape=tuple(m.image_shape))
        try:
            return cls(**kwargs)
        except ConfigError as exc:
            raise ConfigError(exc.message, source=config.source, field=exc.field) from None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key, value in d.items():
            if isinstance(value, tuple):
                d[key] = list(value)
            elif isinstance(value, (ModelKind, Activation)):
                d[key] = value.value
        return d

    @classmethod
    def from_dict(cls, d: Any, source: str | None = None, where: str = "model",
                  error: type[TopoevoError] = TopoevoError) -> ModelSpec:
        """Rebuild from :meth:`to_dict` output, checking every field (``error`` names ``source`` and the field)."""
        if not isinstance(d, dict):
            raise error(f"expected a table, got {type(d).__name__}", source=source, field=where)
        names = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(d) - names)
        if unknown:
            raise error(f"unknown key {unknown[0]!r}", source=source, field=f"{where}.{unknown[0]}")
        kwargs: dict[str, Any] = {}
        for key, value in d.items():
            at = f"{where}.{key}"
            if key in ("kind", "activation", "output_activation"):
                enum = ModelKind if key == "kind" else Activation
                try:
                    kwargs[key] = enum(value)
                except ValueError:
                    raise error(f"expected one of {', '.join(e.value for e in enum)}, got {value!r}",
                                source=source, field=at) from None
            elif key in ("hidden", "conv_channels", "image_shape"):
                if not isinstance(value, list) or not all(_is_int(v) for v in value):
                    raise error(f"expected a list of integers, got {value!r}", source=source, field=at)
                kwargs[key] = tuple(value)
            else:
                if not _is_int(value):
                    raise error(f"expected an integer, got {value!r}", source=source, field=at)
                kwargs[key] = value
        for key in ("kind", "num_inputs", "num_outputs"):
            if key not in kwargs:
                raise error("missing field", source=source, field=f"{where}.{key}")
        try:
            return cls(**kwargs)
        except ConfigError as exc:
            raise error(exc.message, source=source, field=exc.field) from None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def activation_module(act: Activation) -> nn.Module:
    from torch import nn

    return {Activation.IDENTITY: nn.Identity, Activation.TANH: nn.Tanh, Activation.RELU: nn.ReLU,
            Activation.SIGMOID: nn.Sigmoid, Activation.ELU: nn.ELU, Activation.GELU: nn.GELU}[act]()


def build_model(spec: ModelSpec, device: Any = None) -> nn.Module:
    """A fresh module for ``spec`` (PyTorch's default initialisation; weight evolution replaces the parameters).

    Input: ``(batch, num_inputs)``; a CNN reshapes it to ``(batch, *image_shape)`` itself. Output:
    ``(batch, num_outputs)``.
    """
    import torch
    from torch import nn

    with torch.device(device or "cpu"):
        layers: list[nn.Module] = []
        width = spec.num_inputs
        if spec.kind is ModelKind.CNN:
            layers.append(nn.Unflatten(-1, spec.image_shape))
            channels = spec.image_shape[0]
            for out in spec.conv_channels:
                layers += [nn.Conv2d(channels, out, spec.kernel_size, stride=spec.stride,
                                     padding=spec.kernel_size // 2),
                           activation_module(spec.activation)]
                if spec.pool > 1:
                    layers.append(nn.MaxPool2d(spec.pool))
                channels = out
            layers.append(nn.Flatten(-3))
            width = math.prod(spec.feature_shape())
        if spec.kind is ModelKind.RNN:
            from topoevo.search.recurrent import ElmanNet

            return ElmanNet(spec.num_inputs, spec.hidden[0], spec.num_outputs,
                            activation_module(spec.output_activation))
        if spec.kind is ModelKind.FRNN:
            from topoevo.search.recurrent import FullyRecurrentNet

            return FullyRecurrentNet(spec.num_inputs, spec.hidden[0], spec.num_outputs,
                                     activation_module(spec.activation), activation_module(spec.output_activation))
        for h in spec.hidden:
            layers += [nn.Linear(width, h), activation_module(spec.activation)]
            width = h
        layers.append(nn.Linear(width, spec.num_outputs))
        if spec.output_activation is not Activation.IDENTITY:
            layers.append(activation_module(spec.output_activation))
        return nn.Sequential(*layers)


@functools.lru_cache(maxsize=32)
def template_model(spec: ModelSpec) -> nn.Sequential:
    """A cached module of ``spec``: the structure that batched evaluation calls with stacked parameters (its own
    parameters are never used). Building it leaves torch's global generator as it was."""
    import torch

    with torch.random.fork_rng(devices=[]):
        return build_model(spec).requires_grad_(False)
