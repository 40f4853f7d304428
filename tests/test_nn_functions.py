"""The torch activation/aggregation registries match the scalar ground truth in topoevo.genome.activations."""
from __future__ import annotations

import math

import pytest
import torch

from topoevo.genome import activations as scalar
from topoevo.nn import functions as tf

VALUES = [-800.0, -200.0, -30.0, -3.0, -1.5, -1.0, -0.999, -0.5, -1e-9, 0.0, 1e-9, 0.25, 0.5, 1.0, 1.001, 2.0,
          7.5, 30.0, 150.0, 800.0]


def test_same_names_in_the_same_order():
    assert list(tf.ACTIVATIONS) == list(scalar.ACTIVATIONS)
    assert list(tf.AGGREGATIONS) == list(scalar.AGGREGATIONS)
    assert {n for n, a in tf.ACTIVATIONS.items() if not a.differentiable} == set(scalar.NON_DIFFERENTIABLE)


@pytest.mark.parametrize("name", list(scalar.ACTIVATIONS))
def test_activation_matches_scalar(name):
    act = tf.ACTIVATIONS[name]
    x = torch.tensor(VALUES, dtype=torch.float64)
    want = torch.tensor([scalar.ACTIVATIONS[name](v) for v in VALUES], dtype=torch.float64)
    torch.testing.assert_close(act(x), want, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name", list(scalar.ACTIVATIONS))
def test_inplace_form_and_stored_affine_map_give_the_activation(name):
    act = tf.ACTIVATIONS[name]
    x = torch.tensor(VALUES, dtype=torch.float64)
    z = x * act.scale
    if act.inplace is not None:
        act.inplace(z)
    value = act.stored_scale * z + act.stored_shift
    # sigmoids are stored as tanh(x/2), value 0.5 + 0.5 t: absolute (not relative) accuracy near 0
    torch.testing.assert_close(value, act(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(scalar.ACTIVATIONS))
def test_inplace_form_gives_the_same_bits_wherever_an_element_sits(name):
    """Vectorized and tail elements agree, so a genome's outputs do not depend on its neighbours in a batch."""
    act = tf.ACTIVATIONS[name]
    if act.inplace is None:
        return
    x = torch.randn(4099, generator=torch.Generator().manual_seed(0)) * 3
    whole = x.clone()
    act.inplace(whole)
    for start, length in [(0, 1), (1, 7), (5, 31), (100, 33), (4090, 9)]:
        part = x[start:start + length].clone()
        act.inplace(part)
        assert torch.equal(part, whole[start:start + length])


@pytest.mark.parametrize("name", list(scalar.AGGREGATIONS))
@pytest.mark.parametrize("xs", [[], [0.0], [2.5], [-1.0, 3.0], [0.5, -0.25, 4.0, -8.0], [1e-3, 1e3, -7.0]])
def test_aggregation_matches_scalar(name, xs):
    got = tf.AGGREGATIONS[name](torch.tensor(xs, dtype=torch.float64))
    assert got.shape == ()
    assert math.isclose(float(got), scalar.AGGREGATIONS[name](xs), rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("name", list(scalar.AGGREGATIONS))
def test_aggregation_along_a_dimension_and_of_empty_rows(name):
    xs = torch.tensor([[1.0, -2.0, 3.0], [0.5, 0.5, -4.0]], dtype=torch.float64)
    got = tf.AGGREGATIONS[name](xs, dim=1)
    want = [scalar.AGGREGATIONS[name](row) for row in xs.tolist()]
    torch.testing.assert_close(got, torch.tensor(want, dtype=torch.float64))
    assert torch.equal(tf.AGGREGATIONS[name](torch.empty(4, 0), dim=1), torch.zeros(4))


def test_codes_are_positions():
    assert [tf.ACTIVATION_CODES[n] for n in tf.ACTIVATIONS] == list(range(len(tf.ACTIVATIONS)))
    assert tf.ACTIVATION_LIST[tf.ACTIVATION_CODES["tanh"]].name == "tanh"
    assert tf.AGGREGATION_LIST[tf.AGGREGATION_CODES["max"]].reduce == "amax"
