"""The fused forward (topoevo.nn.fused): agrees with the reference interpreter and with the torch steps on random
genomes (feed-forward and recurrent, disabled connections, dangling nodes, every activation and aggregation), a
genome's outputs do not depend on its population, genomes with an activation the kernel does not know fall back
to the torch steps, and the kernel's own tanh is accurate."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from strategies import PROPERTY
from test_nn_properties import NO_STEP, _assert_close, _inputs, _reference_ff, populations
from topoevo.genome import ReferenceRecurrentNetwork
from topoevo.nn import CompiledPopulation, fused
from topoevo.nn.functions import ACTIVATION_LIST, AGGREGATION_LIST
from topoevo.nn.fused_kernel import tanh, tanh_f32


def _both(genomes, dtype, x):
    """Outputs of the fused kernel and of the torch steps."""
    a = CompiledPopulation(genomes, dtype=dtype, fused=True)(x)
    b = CompiledPopulation(genomes, dtype=dtype, fused=False)(x)
    assert a.shape == b.shape and a.dtype == b.dtype == dtype
    return a.double().numpy(), b.double().numpy()


@PROPERTY
@given(populations(True), st.integers(0, 2**31), st.sampled_from([1, 2]))
def test_fused_feed_forward_agrees_with_reference_and_steps_float64(genomes, seed, B):
    x = _inputs(seed, len(genomes), B, len(genomes[0].input_ids))
    got, steps = _both(genomes, torch.float64, x)
    _assert_close(got, _reference_ff(genomes, x), torch.float64)
    _assert_close(got, steps, torch.float64)


@PROPERTY
@given(populations(True, activations=NO_STEP, well_conditioned=True), st.integers(0, 2**31))
def test_fused_feed_forward_agrees_with_reference_and_steps_float32(genomes, seed):
    x = _inputs(seed, len(genomes), 1, len(genomes[0].input_ids))
    got, steps = _both(genomes, torch.float32, x)
    _assert_close(got, _reference_ff(genomes, x), torch.float32)
    _assert_close(got, steps, torch.float32)


@PROPERTY
@given(populations(False), st.integers(0, 2**31), st.sampled_from([1, 2]))
def test_fused_recurrent_agrees_with_reference_over_ticks_and_reset(genomes, seed, B):
    pop = CompiledPopulation(genomes, dtype=torch.float64, fused=True)
    nets = [[ReferenceRecurrentNetwork(g) for _ in range(B)] for g in genomes]
    for t in range(4):
        if t == 3:
            pop.reset()
            for row in nets:
                for net in row:
                    net.reset()
        x = _inputs(seed + t, len(genomes), B, len(genomes[0].input_ids))
        ref = np.array([[nets[p][b].activate(list(x[p, b])) for b in range(B)] for p in range(len(genomes))])
        _assert_close(pop(x).numpy(), ref, torch.float64)


@PROPERTY
@given(populations(True), populations(True), st.integers(0, 2**31))
def test_a_genomes_fused_outputs_do_not_depend_on_its_population(a, b, seed):
    if len(a[0].input_ids) != len(b[0].input_ids) or len(a[0].output_ids) != len(b[0].output_ids) \
            or (a[0].bias_id is None) != (b[0].bias_id is None):
        return
    genomes = a + b
    x = _inputs(seed, len(genomes), 1, len(genomes[0].input_ids)).astype(np.float32)
    together = CompiledPopulation(genomes, fused=True)(x)
    for p, g in enumerate(genomes):
        alone = CompiledPopulation([g], fused=True)(x[p:p + 1])
        assert torch.equal(alone[0], together[p])


def test_auto_selection_by_batch_size_and_switch_off():
    genomes = _grown_like()
    x1, x4 = np.full((3, 1, 2), 0.3), np.full((3, 4, 2), 0.3)
    pop = CompiledPopulation(genomes)
    pop(x4)
    assert pop._program is None  # batch 4: the torch steps
    pop(x1)
    assert pop._program is not None and pop._program.supported.all()
    off = CompiledPopulation(genomes, fused=False)
    off(x1)
    assert off._program is None
    np.testing.assert_allclose(pop(x1).numpy(), off(x1).numpy(), rtol=1e-6, atol=1e-6)


def _grown_like(recurrent: bool = False, acts=("sigmoid", "tanh", "relu")):
    """Three small mutated genomes, one activation each."""
    import random

    from topoevo.config import GenomeConfig, MutationConfig
    from topoevo.config.sections import Network
    from topoevo.genome import InnovationTracker, initial_genome, mutate

    t = InnovationTracker()
    out = []
    for k, act in enumerate(acts):
        cfg = GenomeConfig(num_inputs=2, num_outputs=2, activation=act, activation_options=[act],
                           network=Network.RECURRENT if recurrent else Network.FEEDFORWARD)
        rng = random.Random(k)
        g = initial_genome(cfg, t, rng, key=k)
        for _ in range(6):
            mutate(g, cfg, MutationConfig(add_node_rate=0.5, add_connection_rate=0.5), t, rng)
        out.append(g)
    return out


@pytest.mark.parametrize("recurrent", [False, True])
def test_genomes_with_an_activation_the_kernel_does_not_know_use_the_torch_steps(monkeypatch, recurrent):
    """An activation missing from the kernel's table (e.g. one appended to the registries later): its genomes
    are computed by the torch steps (bit for bit), the others by the kernel; recurrent state survives narrow."""
    genomes = _grown_like(recurrent)
    monkeypatch.setattr(fused, "ACTIVATION_OPS", {k: v for k, v in fused.ACTIVATION_OPS.items() if k != "tanh"})
    pop = CompiledPopulation(genomes, dtype=torch.float64)
    steps = CompiledPopulation(genomes, dtype=torch.float64, fused=False)
    x = np.random.default_rng(0).normal(size=(3, 1, 2))
    for _ in range(3):
        got, ref = pop(x), steps(x)
        assert pop._program.supported.tolist() == [True, False, True]
        assert torch.equal(got[1], ref[1])  # the tanh genome: the torch steps themselves
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)
    sub, sub_ref = pop.narrow([1, 2]), steps.narrow([1, 2])
    np.testing.assert_allclose(sub(x[1:]).numpy(), sub_ref(x[1:]).numpy(), rtol=1e-12, atol=1e-12)
    pop.reset()
    steps.reset()
    np.testing.assert_allclose(pop(x).numpy(), steps(x).numpy(), rtol=1e-12, atol=1e-12)


def test_kernel_tables_cover_the_registries_or_fall_back():
    """Every registry code maps to a kernel operation or to 'not fused' (-1): never to another function."""
    acts = fused._code_table([a.name for a in ACTIVATION_LIST], fused.ACTIVATION_OPS, fused._OP_CODES)
    aggs = fused._code_table([a.reduce for a in AGGREGATION_LIST], fused.AGGREGATION_OPS, fused._AGG_CODES)
    for a, code in zip(ACTIVATION_LIST, acts):
        assert code == (fused._OP_CODES[fused.ACTIVATION_OPS[a.name]] if a.name in fused.ACTIVATION_OPS else -1)
    assert (aggs >= 0).all()


@pytest.mark.parametrize("act", [a for a in ACTIVATION_LIST if a.name in fused.ACTIVATION_OPS],
                         ids=lambda a: a.name)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_each_kernel_operation_is_the_in_place_activation(act, dtype):
    """One identity-weighted node per activation: the kernel's operation on z equals ``Activation.inplace``."""
    from topoevo.genome import ConnectionGene, Genome, NodeGene, NodeKind

    z = np.concatenate((np.linspace(-40, 40, 801), [0.0, -0.0, 1e-9, -1e-9, 30.5, -61.0]))
    nodes = {0: NodeGene(0, NodeKind.INPUT), 1: NodeGene(1, NodeKind.OUTPUT, 0.0, 1.0 / act.scale, act.name)}
    g = Genome(nodes, {0: ConnectionGene(0, 0, 1, 1.0)}, (0,), (1,), None, True)
    x = z.reshape(-1, 1, 1)  # one genome per value, batch 1
    got = CompiledPopulation([g] * z.size, dtype, fused=True)(x).numpy().ravel()
    steps = CompiledPopulation([g] * z.size, dtype, fused=False)(x).numpy().ravel()
    tol = 1e-6 if dtype == torch.float32 else 1e-13
    np.testing.assert_allclose(got, steps, rtol=tol, atol=tol)


def test_kernel_tanh_accuracy_and_special_values():
    rng = np.random.default_rng(0)
    z = np.concatenate((rng.uniform(-12, 12, 20000), rng.uniform(-1e-3, 1e-3, 2000), [9.0, 9.02, 9.1, 25.0]))
    exact = np.tanh(z)
    got = np.array([tanh(v) for v in z])
    assert np.max(np.abs(got - exact) / np.maximum(np.abs(exact), 1e-300)) < 1e-14
    z32 = z.astype(np.float32)
    correctly_rounded = np.tanh(z32.astype(np.float64)).astype(np.float32)
    got32 = np.array([tanh_f32(v) for v in z32], dtype=np.float64).astype(np.float32)
    assert np.array_equal(got32, correctly_rounded)
    assert math.isnan(tanh(math.nan)) and tanh(math.inf) == 1.0 and tanh(-math.inf) == -1.0
    assert math.copysign(1.0, tanh(-0.0)) == -1.0
