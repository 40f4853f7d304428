"""Export of feed-forward genome modules: TorchScript and (optional) ONNX give the module's outputs."""
from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest
import torch

from test_nn_population import chain, grown
from topoevo.genome import activate
from topoevo.nn import to_module
from topoevo.nn.export import ExportError, to_onnx, to_torchscript

ALL_ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity", "step", "sin", "gauss", "abs", "clamped", "logistic",
                   "neat_python_sigmoid", "neat_python_tanh", "neat_python_sin", "neat_python_gauss", "elu",
                   "neat_python_lelu", "selu", "neat_python_softplus", "neat_python_inv", "neat_python_log",
                   "neat_python_exp", "hat", "square", "cube"]


def mixed_genomes(n: int = 6) -> list:
    genomes = grown(n, seed=11, generations=25)
    for i, g in enumerate(genomes):  # every activation and aggregation somewhere
        for j, node in enumerate(v for v in g.nodes.values() if not v.kind.is_sensor):
            node.activation = ALL_ACTIVATIONS[(i + j) % len(ALL_ACTIVATIONS)]
            node.aggregation = ["sum", "product", "max", "min", "mean"][(i + 2 * j) % 5]
    return genomes


@pytest.mark.parametrize("index", range(4))
def test_torchscript_matches_module_at_any_batch_size(tmp_path, index):
    g = mixed_genomes()[index]
    m = to_module(g)
    ts = to_torchscript(g, tmp_path / "net.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit.load: deprecation notice
        loaded = torch.jit.load(str(tmp_path / "net.pt"))
    for batch in (1, 4, 9):
        x = torch.rand(batch, 3) * 4 - 2
        with torch.no_grad():
            want = m(x)
        assert torch.equal(ts(x), want) and torch.equal(loaded(x), want)
    ref = activate(g, [0.5, -0.25, 1.0])
    got = ts(torch.tensor([[0.5, -0.25, 1.0]])).detach().double().numpy()[0]
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


def test_recurrent_genomes_are_not_exported(tmp_path):
    with pytest.raises(ExportError, match="feed-forward"):
        to_torchscript(chain(False))
    with pytest.raises(ExportError, match="feed-forward"):
        to_onnx(chain(False), tmp_path / "x.onnx")


@pytest.mark.skipif(importlib.util.find_spec("onnx") is None, reason="optional onnx not installed")
@pytest.mark.parametrize("index", range(4))
def test_onnx_matches_module(tmp_path, index):
    g = mixed_genomes()[index]
    m = to_module(g)
    path = to_onnx(m, tmp_path / "net.onnx")
    import onnx

    onnx.checker.check_model(onnx.load(str(path)))
    if importlib.util.find_spec("onnxruntime") is None:
        return
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path))
    for batch in (1, 7):
        x = torch.rand(batch, 3) * 4 - 2
        (y,) = session.run(None, {"x": x.numpy()})
        with torch.no_grad():
            np.testing.assert_allclose(y, m(x).numpy(), rtol=1e-5, atol=1e-5)
