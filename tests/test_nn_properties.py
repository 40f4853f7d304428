"""Properties of the PyTorch compilers: the compiled population, the per-genome module and the reference
interpreter agree on random genomes; gradients are right; write-back then recompile is the identity.

Random genomes come from two sources: :func:`graphs` builds arbitrary graphs directly (deep chains, nodes that feed
nothing, nodes without inputs, disabled connections, every activation and aggregation, recurrent loops and
self-loops), and ``tests.strategies.evolved`` makes them the way evolution does.
"""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from strategies import PROPERTY, evolved
from topoevo.genome import ConnectionGene, Genome, NodeGene, NodeKind, ReferenceRecurrentNetwork, activate
from topoevo.genome.genome import topological_order
from topoevo.genome.interpreter import _incoming, _pre_activation, _sensor_values
from topoevo.genome.activations import ACTIVATIONS, AGGREGATIONS
from topoevo.nn import CompiledPopulation, to_module, write_back

SMOOTH = ["sigmoid", "logistic", "tanh", "identity", "sin", "gauss", "neat_python_sigmoid", "neat_python_tanh"]
#: step is discontinuous at 0: float32 rounding may legitimately flip it, so it is checked in float64 only; likewise
#: 1/x (0 at 0), and exp, powers and log, which amplify float32's relative rounding (exp(x) by |x| <= 60)
NO_STEP = [a for a in ACTIVATIONS if a not in ("step", "neat_python_inv", "neat_python_exp", "square", "cube",
                                                "neat_python_log")]
TOL = {torch.float64: dict(rtol=1e-10, atol=1e-10), torch.float32: dict(rtol=1e-5, atol=1e-5)}


@st.composite
def graphs(draw, feed_forward: bool, num_inputs: int, num_outputs: int, bias: bool,
           activations: list[str] | None = None, aggregations: list[str] | None = None,
           well_conditioned: bool = False) -> Genome:
    """An arbitrary genome graph of the given shape (not necessarily free of dangling nodes).

    Hypothesis draws the shape (hidden nodes, links, deep chain, self-loop, enabled share, seed); a seeded RNG
    fills in the details, which keeps each example cheap to generate. Values are multiples of 1/8 (exact in binary
    floating point); ``well_conditioned`` keeps weights and biases in [-1, 1] and responses in {0.5, 1, -1} so that
    float32 rounding is not amplified beyond float32's own accuracy (with weights of 2 and responses of -1.5,
    products and sines of a few recurrent ticks legitimately amplify float32's 6e-8 to 1e-4).
    """
    acts = activations or list(ACTIVATIONS)
    aggs = aggregations or list(AGGREGATIONS)
    n_hidden = draw(st.integers(0, 7))
    n_links = draw(st.integers(0, 20))
    deep = draw(st.booleans())
    self_loop = not feed_forward and draw(st.booleans())
    p_disabled = draw(st.sampled_from([0.0, 0.2, 0.5]))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    scale, responses = (8, [1.0, 0.5, -1.0]) if well_conditioned else (16, [1.0, 0.5, -1.5, 2.0])
    inputs = tuple(range(num_inputs))
    bias_id = num_inputs if bias else None
    first_out = num_inputs + (1 if bias else 0)
    outputs = tuple(range(first_out, first_out + num_outputs))
    hidden = sorted(rng.sample(range(first_out + num_outputs, 200), n_hidden))
    nodes = {i: NodeGene(i, NodeKind.INPUT, 0.0, 1.0, "identity", "sum") for i in inputs}
    if bias_id is not None:
        nodes[bias_id] = NodeGene(bias_id, NodeKind.BIAS, 0.0, 1.0, "identity", "sum")
    for nid in outputs + tuple(hidden):
        kind = NodeKind.OUTPUT if nid in outputs else NodeKind.HIDDEN
        act, agg = rng.choice(acts), rng.choice(aggs)
        if act == "step" and agg == "mean" and len(aggs) > 1:
            # The compiler folds mean's 1/n into the weights (w/3 is inexact), so a step exactly at its threshold
            # (reachable with these dyadic values) may flip; that is rounding, not a disagreement.
            agg = rng.choice([a for a in aggs if a != "mean"])
        nodes[nid] = NodeGene(nid, kind, rng.randint(-scale, scale) / 8, rng.choice(responses), act, agg)
    sensors = list(inputs) + ([bias_id] if bias_id is not None else [])
    computed = list(outputs) + hidden
    rng.shuffle(computed)  # a topological order for feed-forward
    rank = {n: i for i, n in enumerate(computed)}
    pairs: set[tuple[int, int]] = set()
    if deep and len(computed) > 1:  # a deep chain through every computed node
        pairs.update(zip(computed[:-1], computed[1:]))
    every = sensors + computed
    for _ in range(n_links):
        a, b = rng.choice(every), rng.choice(computed)
        if feed_forward and a in rank and rank[a] >= rank[b]:
            a, b = b, a
        if feed_forward and a in rank and rank[a] >= rank[b]:
            continue
        pairs.add((a, b))
    if self_loop:
        pairs.add((computed[0], computed[0]))
    innovations = list(range(len(pairs)))
    rng.shuffle(innovations)
    conns = {}
    for inn, (a, b) in zip(innovations, sorted(pairs)):
        conns[inn] = ConnectionGene(inn, a, b, rng.randint(-scale, scale) / 8, rng.random() >= p_disabled)
    return Genome(nodes, conns, inputs, outputs, bias_id, feed_forward)


@st.composite
def populations(draw, feed_forward: bool, **kw) -> list[Genome]:
    ni, no, bias = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.booleans())
    return draw(st.lists(graphs(feed_forward, ni, no, bias, **kw), min_size=1, max_size=4))


def _assert_close(got: np.ndarray, ref: np.ndarray, dtype: torch.dtype) -> None:
    tol = TOL[dtype]
    ok = np.abs(got - ref) <= tol["atol"] + tol["rtol"] * np.abs(ref)
    if not ok.all():  # numpy's message names the worst entries
        np.testing.assert_allclose(got, ref, **tol)


def _inputs(draw_seed: int, P: int, B: int, I: int) -> np.ndarray:
    """Inputs exactly representable in float32 (on a grid), so float32 and float64 runs see the same values."""
    return np.random.default_rng(draw_seed).integers(-16, 17, size=(P, B, I)) / 8.0


def _reference_ff(genomes: list[Genome], x: np.ndarray) -> np.ndarray:
    return np.array([[activate(g, list(row)) for row in x[p]] for p, g in enumerate(genomes)])


def _step_at_threshold(g: Genome, x: np.ndarray) -> bool:
    """Whether a step node's input is within rounding of its threshold 0 for some row of ``x`` (feed-forward).

    The compiler computes the same function by other float64 operations (e.g. sigmoid as an affine tanh, exact to
    about 1e-17 absolute but not relative), so a step whose input is 1e-25 may legitimately read 0 there: the
    outputs then differ by 1 although every node agrees within tolerance. Such examples say nothing about the
    compiler and are skipped.
    """
    if not any(n.activation == "step" and not n.kind.is_sensor for n in g.nodes.values()):
        return False
    order = topological_order(g.nodes, [c for c in g.conns.values() if c.enabled])
    incoming, sensors = _incoming(g), set(g.sensor_ids)
    for row in x:  # the reference interpreter's loop (topoevo.genome.interpreter.activate), pre-activations kept
        values = _sensor_values(g, row)
        for nid in order:
            if nid in sensors:
                continue
            pre = _pre_activation(g, nid, incoming[nid], values)
            if g.nodes[nid].activation == "step" and abs(pre) <= 1e-9:
                return True
            values[nid] = ACTIVATIONS[g.nodes[nid].activation](pre)
    return False


def _check_feed_forward(genomes: list[Genome], seed: int, dtype: torch.dtype) -> None:
    x = _inputs(seed, len(genomes), 3, len(genomes[0].input_ids))
    assume(not any(_step_at_threshold(g, x[p]) for p, g in enumerate(genomes)))
    ref = _reference_ff(genomes, x)
    pop = CompiledPopulation(genomes, dtype=dtype)
    got = pop(x)
    assert got.dtype == dtype and got.shape == ref.shape
    _assert_close(got.double().numpy(), ref, dtype)
    for p, g in enumerate(genomes):
        m = to_module(g, dtype=dtype)
        y = m(torch.tensor(x[p], dtype=dtype)).detach()
        _assert_close(y.double().numpy(), ref[p], dtype)


def _check_recurrent(genomes: list[Genome], seed: int, dtype: torch.dtype, ticks: int = 4) -> None:
    B = 2
    xs = [_inputs(seed + t, len(genomes), B, len(genomes[0].input_ids)) for t in range(ticks)]
    nets = [[ReferenceRecurrentNetwork(g) for _ in range(B)] for g in genomes]
    pop = CompiledPopulation(genomes, dtype=dtype)
    modules = [to_module(g, dtype=dtype) for g in genomes]
    for t, x in enumerate(xs):
        if t == ticks - 1:  # a reset restarts every network from zero state
            pop.reset()
            for m in modules:
                m.reset()
            for row in nets:
                for net in row:
                    net.reset()
        ref = np.array([[nets[p][b].activate(list(x[p, b])) for b in range(B)] for p in range(len(genomes))])
        _assert_close(pop(x).double().numpy(), ref, dtype)
        for p, m in enumerate(modules):
            y = m(torch.tensor(x[p], dtype=dtype)).detach()
            _assert_close(y.double().numpy(), ref[p], dtype)


# ---- agreement -----------------------------------------------------------------------------------------------------
@PROPERTY
@given(populations(True), st.integers(0, 2**31))
def test_feed_forward_agrees_with_reference_float64(genomes, seed):
    _check_feed_forward(genomes, seed, torch.float64)


@PROPERTY
@given(populations(True, activations=NO_STEP, well_conditioned=True), st.integers(0, 2**31))
def test_feed_forward_agrees_with_reference_float32(genomes, seed):
    _check_feed_forward(genomes, seed, torch.float32)


@PROPERTY
@given(populations(False), st.integers(0, 2**31))
def test_recurrent_agrees_with_reference_float64(genomes, seed):
    _check_recurrent(genomes, seed, torch.float64)


@PROPERTY
@given(populations(False, activations=NO_STEP, well_conditioned=True), st.integers(0, 2**31))
def test_recurrent_agrees_with_reference_float32(genomes, seed):
    _check_recurrent(genomes, seed, torch.float32)


@PROPERTY
@given(evolved(max_steps=30), st.integers(0, 2**31))
def test_evolved_populations_agree_with_reference(ev, seed):
    genomes = ev.population
    if genomes[0].feed_forward:
        _check_feed_forward(genomes, seed, torch.float64)
    else:
        _check_recurrent(genomes, seed, torch.float64, ticks=3)


# ---- gradients -----------------------------------------------------------------------------------------------------
def _set_random_values(g: Genome, seed: int) -> Genome:
    """Continuous random weights/biases/responses (no ties for max/min, no exact zeros at kinks)."""
    rng = np.random.default_rng(seed)
    g = g.copy()
    for c in g.conns.values():
        c.weight = float(rng.uniform(-1.5, 1.5))
    for n in g.nodes.values():
        if not n.kind.is_sensor:
            n.bias, n.response = float(rng.uniform(-1, 1)), float(rng.uniform(0.5, 1.5))
    return g


@PROPERTY
@given(st.integers(1, 3), st.integers(1, 2), st.booleans(), st.data(), st.integers(0, 2**31))
def test_gradients_match_finite_differences(ni, no, bias, data, seed):
    g = data.draw(graphs(True, ni, no, bias, activations=SMOOTH, aggregations=["sum", "mean", "product", "max"]))
    g = _set_random_values(g, seed)
    x = np.random.default_rng(seed + 1).uniform(-1, 1, size=(2, ni))
    m = to_module(g, dtype=torch.float64)
    y = m(torch.tensor(x))
    y.sum().backward()
    assert m.bias.grad is not None and torch.isfinite(m.bias.grad).all()
    if m.innovations:  # a gradient reaches every enabled weight (zero where the weight cannot matter)
        assert m.weight.grad is not None and torch.isfinite(m.weight.grad).all()

    def loss(h: Genome) -> float:
        return sum(sum(activate(h, list(row))) for row in x)

    eps = 1e-6
    for k, inn in enumerate(m.innovations):  # every enabled weight
        hi, lo = g.copy(), g.copy()
        hi.conns[inn].weight += eps
        lo.conns[inn].weight -= eps
        fd = (loss(hi) - loss(lo)) / (2 * eps)
        assert math.isclose(float(m.weight.grad[k]), fd, rel_tol=1e-4, abs_tol=1e-6), (inn, fd)
    for k, nid in enumerate(m.node_ids):
        hi, lo = g.copy(), g.copy()
        hi.nodes[nid].bias += eps
        lo.nodes[nid].bias -= eps
        fd = (loss(hi) - loss(lo)) / (2 * eps)
        assert math.isclose(float(m.bias.grad[k]), fd, rel_tol=1e-4, abs_tol=1e-6), (nid, fd)


@PROPERTY
@given(populations(False, activations=SMOOTH))
def test_recurrent_gradients_flow_through_time(genomes):
    m = to_module(genomes[0], dtype=torch.float64)
    x = torch.rand(2, len(genomes[0].input_ids), dtype=torch.float64)
    out = sum(m(x).sum() for _ in range(3))
    out.backward()
    assert m.bias.grad is not None and torch.isfinite(m.bias.grad).all()
    if m.innovations:
        assert m.weight.grad is not None and torch.isfinite(m.weight.grad).all()


# ---- write-back --------------------------------------------------------------------------------------------------
@PROPERTY
@given(st.booleans(), st.data(), st.sampled_from([torch.float32, torch.float64]), st.integers(0, 2**31))
def test_write_back_then_recompile_is_the_identity(ff, data, dtype, seed):
    g = data.draw(populations(ff))[0]
    m = to_module(g, dtype=dtype)
    if dtype is torch.float64:  # nothing trained: the genome comes back unchanged
        same = write_back(m, g)
        assert [(c.weight, c.enabled) for c in same.conns.values()] == \
            [(c.weight, c.enabled) for c in g.conns.values()]
        assert [(n.bias, n.response) for n in same.nodes.values()] == [(n.bias, n.response) for n in g.nodes.values()]
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # "training"
        for p in m.parameters():
            p.add_(torch.randn(p.shape, generator=gen, dtype=dtype))
    trained = write_back(m, g)
    assert trained.structure() == g.structure()
    again = to_module(trained, dtype=dtype)
    assert again.innovations == m.innovations and again.node_ids == m.node_ids
    for a, b in zip(again.parameters(), m.parameters()):
        assert torch.equal(a, b)
    x = torch.tensor(_inputs(seed, 1, 3, len(g.input_ids))[0], dtype=dtype)
    m.reset()
    with torch.no_grad():
        assert torch.equal(again(x), m(x))


def test_write_back_rejects_a_different_structure():
    from topoevo.errors import TopoevoError

    g = Genome({0: NodeGene(0, NodeKind.INPUT), 1: NodeGene(1, NodeKind.OUTPUT)},
               {0: ConnectionGene(0, 0, 1, 0.5)}, (0,), (1,))
    m = to_module(g)
    other = g.copy()
    other.conns[0].enabled = False
    with pytest.raises(TopoevoError, match="enabled connections"):
        write_back(m, other)
