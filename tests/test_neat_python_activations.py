"""Every neat-python 2.x built-in activation has a topoevo twin computing the same function (issue 21): the scalar
ground truth equals neat-python's own function bit for bit, the torch form agrees to rounding, and networks using
them compute in topoevo's compiled population what neat-python's FeedForwardNetwork computes."""
from __future__ import annotations

import math
import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

neat = pytest.importorskip("neat")

from neat.activations import ActivationFunctionSet  # noqa: E402

from topoevo.genome.activations import ACTIVATIONS  # noqa: E402
from topoevo.interop.neat_python import ACTIVATION_TWINS  # noqa: E402
from topoevo.nn.functions import ACTIVATIONS as TORCH_ACTIVATIONS  # noqa: E402

NEAT_FUNCTIONS = ActivationFunctionSet().functions
FLOATS = st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                   st.floats(-80.0, 80.0, allow_nan=False),  # where the clamps and kinks are
                   st.sampled_from([0.0, -0.0, 1e-7, -1e-7, 1.0, -1.0, 3.4, -3.4, 12.0, -12.0, 60.0, -60.0]))


def neat_value(name: str, x: float) -> float | None:
    """neat-python's value, or None where its function raises (float overflow of ``x ** 2``, ``x ** 3``)."""
    try:
        return NEAT_FUNCTIONS[name](x)
    except OverflowError:
        return None


def test_every_neat_python_builtin_has_a_twin():
    assert set(ACTIVATION_TWINS) == set(NEAT_FUNCTIONS)
    assert all(t in ACTIVATIONS for t in ACTIVATION_TWINS.values())


def test_new_activations_come_after_the_old_codes():
    """Codes are positions: appending keeps every code that checkpoints and compiled plans already hold."""
    old = ["sigmoid", "logistic", "tanh", "relu", "identity", "step", "sin", "gauss", "abs", "clamped",
           "neat_python_sigmoid", "neat_python_tanh"]
    assert list(ACTIVATIONS)[:len(old)] == old


@pytest.mark.parametrize("name", sorted(NEAT_FUNCTIONS))
@settings(max_examples=60, deadline=None)
@given(x=FLOATS)
def test_scalar_twin_equals_neat_python(name, x):
    ours = ACTIVATIONS[ACTIVATION_TWINS[name]](x)
    theirs = neat_value(name, x)
    if theirs is None:  # neat-python overflows; topoevo's is total: the infinity of the right sign
        assert math.isinf(ours) and ours == math.copysign(math.inf, x ** 1 if name == "cube" else 1.0)
    else:
        assert ours == theirs or (math.isnan(ours) and math.isnan(theirs))


@pytest.mark.parametrize("name", sorted(NEAT_FUNCTIONS))
@settings(max_examples=20, deadline=None)
@given(xs=st.lists(FLOATS, min_size=1, max_size=40))
def test_torch_twin_agrees_with_neat_python(name, xs):
    act = TORCH_ACTIVATIONS[ACTIVATION_TWINS[name]]
    x = torch.tensor(xs, dtype=torch.float64)
    want = torch.tensor([ACTIVATIONS[act.name](v) for v in xs], dtype=torch.float64)
    torch.testing.assert_close(act(x), want, rtol=1e-12, atol=1e-300, equal_nan=True)
    z = x * act.scale  # the batched population's in-place form
    if act.inplace is not None:
        act.inplace(z)
    torch.testing.assert_close(act.stored_scale * z + act.stored_shift, want, rtol=1e-12, atol=1e-15,
                               equal_nan=True)


@pytest.mark.parametrize("name", ["elu", "selu", "lelu", "inv", "log", "softplus", "hat", "gauss", "sin"])
def test_twins_have_finite_gradients(name):
    """The differentiable forms (backprop through NEAT genomes) give finite gradients, also at the kinks."""
    x = torch.tensor([-70.0, -3.5, -1.0, -1e-9, 0.0, 1e-9, 0.5, 1.0, 3.5, 70.0], dtype=torch.float64,
                     requires_grad=True)
    TORCH_ACTIVATIONS[ACTIVATION_TWINS[name]](x).sum().backward()
    assert torch.isfinite(x.grad).all()


def test_networks_with_every_neat_python_activation_compute_the_same(tmp_path):
    """Genomes evolved by neat-python with all its activations: topoevo's compiled population and reference
    interpreter give neat-python's FeedForwardNetwork outputs."""
    from test_interop_neat_python import assert_close, neat_config, neat_genomes, random_inputs
    from topoevo.genome.interpreter import activate
    from topoevo.interop import from_neat_python
    from topoevo.nn.population import CompiledPopulation

    config = neat_config(tmp_path, activations=" ".join(sorted(NEAT_FUNCTIONS)))
    genomes = neat_genomes(config, seed=15, generations=4)
    assert {n.activation for g in genomes for n in g.nodes.values()} == set(NEAT_FUNCTIONS)
    rng = random.Random(3)
    ours = [from_neat_python(g, config) for g in genomes]
    xs = [random_inputs(rng, 3, 4) for _ in ours]
    compiled = CompiledPopulation(ours, dtype=torch.float64)(torch.tensor(xs, dtype=torch.float64)).numpy()
    for p, (ng, g) in enumerate(zip(genomes, ours)):
        net = neat.nn.FeedForwardNetwork.create(ng, config)
        for b, x in enumerate(xs[p]):
            want = net.activate(x)
            assert_close(activate(g, x), want)
            assert_close(list(compiled[p, b]), want)
