"""Export of feed-forward genome modules: TorchScript (always) and ONNX (when the optional ``onnx`` package is
installed). Both are traced from :class:`~topoevo.nn.module.GenomeModule` with a dynamic batch dimension and
checked against the module before they are returned or written.
"""
from __future__ import annotations

import importlib.util
import io
import warnings
from pathlib import Path

import torch

from topoevo.errors import TopoevoError
from topoevo.files import write_bytes_atomic
from topoevo.genome.genome import Genome
from topoevo.nn.module import GenomeModule, to_module

class ExportError(TopoevoError):
    """A genome or module cannot be exported (recurrent, missing optional package, mismatch after export)."""


def _module(net: GenomeModule | Genome) -> GenomeModule:
    module = to_module(net) if isinstance(net, Genome) else net
    if module.recurrent:
        raise ExportError("only feed-forward genomes can be exported (recurrent modules keep Python-side state)",
                          field="genome.network")
    return module


def _example(module: GenomeModule, batch: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    return torch.rand(batch, module.num_inputs, generator=gen, dtype=module.weight.dtype) * 2 - 1


def to_torchscript(net: GenomeModule | Genome, path: str | Path | None = None) -> torch.jit.ScriptModule:
    """A traced TorchScript module of a feed-forward genome (or its module); saved to ``path`` (atomically) if given.

    >>> import random, torch
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(), random.Random(0))
    >>> ts = to_torchscript(g)
    >>> ts(torch.zeros(7, 2)).shape
    torch.Size([7, 1])
    """
    module = _module(net)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit deprecation notices
        traced = torch.jit.trace(module, _example(module, 3), check_trace=False)
        x = _example(module, 5)
        if not torch.equal(traced(x), module(x)):
            raise ExportError("the traced module disagrees with the genome module", field="genome")
        if path is not None:
            buf = io.BytesIO()
            torch.jit.save(traced, buf)
            write_bytes_atomic(Path(path), buf.getvalue())
    return traced


def to_onnx(net: GenomeModule | Genome, path: str | Path, opset: int = 18) -> Path:
    """Write an ONNX model (input ``x`` (batch, inputs) -> output ``y`` (batch, outputs)); needs ``onnx``.

    The file is written atomically (temp file, then rename).
    """
    module = _module(net)  # rejects recurrent genomes first
    if importlib.util.find_spec("onnx") is None:
        raise ExportError("ONNX export needs the optional 'onnx' package (pip install onnx)", field="onnx")
    path = Path(path)
    buf = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (_example(module, 3),), buf, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=opset, dynamo=False)
    write_bytes_atomic(path, buf.getvalue())
    return path
