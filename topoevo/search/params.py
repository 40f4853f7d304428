"""Parameter-vector genomes: a network's parameters laid out as one flat float32 vector (:class:`ParameterLayout`),
one candidate (:class:`ParameterVector`) and a population stored as one ``(P, D)`` matrix
(:class:`ParameterPopulation`), plus the initialisation the algorithms start from."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Sequence, overload

import numpy as np

from topoevo.search.models import ModelSpec, build_model, template_model

if TYPE_CHECKING:  # pragma: no cover
    import torch
    from torch import nn

DTYPE = np.float32


@dataclass(frozen=True)
class ParameterLayout:
    """Where each named parameter tensor of a module sits in the flat vector (``named_parameters`` order, as
    PyTorch's ``state_dict`` and PyGAD's TorchGA lay them out).

    >>> from topoevo.config.weights import ModelKind
    >>> layout = ParameterLayout.of(ModelSpec(ModelKind.MLP, 4, 2, hidden=(16, 16)))
    >>> layout.size, layout.names[:2], layout.shapes[0]
    (386, ('0.weight', '0.bias'), (16, 4))
    """

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    offsets: tuple[int, ...]  # start of each tensor; offsets[-1] + numel(last) == size
    size: int

    @staticmethod
    @functools.lru_cache(maxsize=32)
    def of(spec: ModelSpec) -> ParameterLayout:
        """The layout of the model built from ``spec`` (cached)."""
        return ParameterLayout.from_module(template_model(spec))

    @staticmethod
    def from_module(module: nn.Module) -> ParameterLayout:
        """The layout of any module's parameters."""
        names, shapes, offsets, n = [], [], [], 0
        for name, p in module.named_parameters():
            names.append(name)
            shapes.append(tuple(p.shape))
            offsets.append(n)
            n += math.prod(p.shape)
        return ParameterLayout(tuple(names), tuple(shapes), tuple(offsets), n)

    def slices(self) -> Iterator[tuple[str, slice, tuple[int, ...]]]:
        for name, shape, start in zip(self.names, self.shapes, self.offsets):
            yield name, slice(start, start + math.prod(shape)), shape

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """``flat`` shaped ``(..., size)`` -> {name: view shaped ``(..., *shape)``} (no copy)."""
        lead = tuple(flat.shape[:-1])
        return {name: flat[..., sl].reshape(*lead, *shape) for name, sl, shape in self.slices()}


def flatten_module(module: nn.Module) -> np.ndarray:
    """The parameters of ``module`` as one float32 vector (``named_parameters`` order)."""
    import torch

    with torch.no_grad():
        return torch.cat([p.detach().reshape(-1).float().cpu() for p in module.parameters()]).numpy().astype(DTYPE)


def init_parameters(spec: ModelSpec, rng: np.random.Generator, count: int, scale: float = 1.0) -> np.ndarray:
    """``count`` independent initial vectors, shaped ``(count, D)``: every weight ~ N(0, scale^2 / fan_in) (fan_in
    = inputs of the unit: in_features, or in_channels * kernel area), every bias 0.

    >>> from topoevo.config.weights import ModelKind
    >>> spec = ModelSpec(ModelKind.MLP, 4, 2, hidden=(8,))
    >>> init_parameters(spec, np.random.default_rng(0), 3).shape
    (3, 58)
    """
    layout = ParameterLayout.of(spec)
    out = np.zeros((count, layout.size), dtype=DTYPE)
    for name, sl, shape in layout.slices():
        if name.endswith("weight"):
            fan_in = math.prod(shape[1:])
            noise = rng.standard_normal((count, sl.stop - sl.start), dtype=DTYPE)
            out[:, sl] = noise * DTYPE(scale / math.sqrt(fan_in))
    return out


@dataclass(eq=False)
class ParameterVector:
    """One candidate: the flat parameters of the network described by ``spec`` (and its fitness, once known).

    >>> from topoevo.config.weights import ModelKind
    >>> spec = ModelSpec(ModelKind.MLP, 4, 2, hidden=(8,))
    >>> v = ParameterVector(spec, np.zeros(58, dtype=np.float32))
    >>> v.to_module()(__import__("torch").ones(1, 4)).tolist()
    [[0.0, 0.0]]
    """

    spec: ModelSpec
    values: np.ndarray  # (D,) float32
    fitness: float | None = None

    def __post_init__(self) -> None:
        self.values = np.ascontiguousarray(self.values, dtype=DTYPE)
        size = ParameterLayout.of(self.spec).size
        if self.values.shape != (size,):
            raise ValueError(f"expected {size} parameters for this model, got shape {self.values.shape}")

    @property
    def layout(self) -> ParameterLayout:
        return ParameterLayout.of(self.spec)

    def copy(self) -> ParameterVector:
        return ParameterVector(self.spec, self.values.copy(), self.fitness)

    def to_module(self) -> nn.Sequential:
        """A real ``nn.Module`` holding these parameters (e.g. to fine-tune it with backprop or export it)."""
        import torch

        module = build_model(self.spec)
        tensors = self.layout.unflatten(torch.from_numpy(self.values.copy()))
        with torch.no_grad():
            for name, p in module.named_parameters():
                p.copy_(tensors[name])
        return module


@dataclass(eq=False)
class ParameterPopulation(Sequence[ParameterVector]):
    """P candidates of one model as a ``(P, D)`` float32 matrix: what the weight algorithms' ``ask()`` returns.
    Indexing gives a :class:`ParameterVector` (a copy); slicing gives a smaller population (for evaluators that split
    the population); it pickles compactly, for worker processes.

    >>> from topoevo.config.weights import ModelKind
    >>> spec = ModelSpec(ModelKind.MLP, 4, 2, hidden=(8,))
    >>> pop = ParameterPopulation(spec, np.zeros((5, 58), dtype=np.float32))
    >>> len(pop), len(pop[1:3]), pop[4].values.shape
    (5, 2, (58,))
    """

    spec: ModelSpec
    values: np.ndarray  # (P, D) float32
    fitness: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        self.values = np.ascontiguousarray(self.values, dtype=DTYPE)
        size = ParameterLayout.of(self.spec).size
        if self.values.ndim != 2 or self.values.shape[1] != size:
            raise ValueError(f"expected a (P, {size}) matrix of parameters, got shape {self.values.shape}")

    def __len__(self) -> int:
        return self.values.shape[0]

    @overload
    def __getitem__(self, index: int) -> ParameterVector: ...

    @overload
    def __getitem__(self, index: slice) -> ParameterPopulation: ...

    def __getitem__(self, index: int | slice) -> ParameterVector | ParameterPopulation:
        if isinstance(index, slice):
            return ParameterPopulation(self.spec, self.values[index].copy())
        fitness = None if self.fitness is None else float(self.fitness[index])
        return ParameterVector(self.spec, self.values[index].copy(), fitness)

    @classmethod
    def stack(cls, candidates: Sequence[ParameterVector]) -> ParameterPopulation:
        """Candidates of one model -> a population (the order is kept)."""
        if isinstance(candidates, ParameterPopulation):
            return candidates
        if not candidates:
            raise ValueError("cannot stack an empty list of candidates (the model is unknown)")
        spec = candidates[0].spec
        for i, c in enumerate(candidates):
            if not isinstance(c, ParameterVector) or c.spec != spec:
                raise ValueError(f"candidate {i} is not a parameter vector of the same model as candidate 0")
        return cls(spec, np.stack([c.values for c in candidates]))


__all__ = ["ParameterLayout", "ParameterVector", "ParameterPopulation", "init_parameters", "flatten_module", "DTYPE"]
