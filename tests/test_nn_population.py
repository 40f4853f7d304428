"""CompiledPopulation and GenomeModule behaviour: API, shapes, state, sub-populations, errors."""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from topoevo.config import GenomeConfig, MutationConfig
from topoevo.config.sections import Network
from topoevo.errors import TopoevoError
from topoevo.genome import (ConnectionGene, Genome, InnovationTracker, NodeGene, NodeKind, ReferenceRecurrentNetwork,
                            activate, initial_genome, mutate)
from topoevo.nn import CompiledPopulation, CompileError, to_module
from topoevo.tasks.base import BatchedPolicy


def grown(n: int, feed_forward: bool = True, seed: int = 0, generations: int = 20, inputs: int = 3,
          outputs: int = 2) -> list[Genome]:
    rng = random.Random(seed)
    cfg = GenomeConfig(num_inputs=inputs, num_outputs=outputs,
                       network=Network.FEEDFORWARD if feed_forward else Network.RECURRENT,
                       activation_options=["sigmoid", "tanh", "relu", "sin"], aggregation_options=["sum", "max"],
                       bias_init_stdev=1.0)
    m = MutationConfig(add_node_rate=0.3, add_connection_rate=0.5, activation_mutate_rate=0.1,
                       aggregation_mutate_rate=0.1, structural_exclusive=False)
    tracker = InnovationTracker()
    pop = [initial_genome(cfg, tracker, rng, key=k) for k in range(n)]
    for _ in range(generations):
        tracker.new_generation()
        for g in pop:
            mutate(g, cfg, m, tracker, rng)
    return pop


def chain(feed_forward: bool = True) -> Genome:
    """in -> h -> out, with a self-loop on h when recurrent."""
    nodes = {0: NodeGene(0, NodeKind.INPUT), 1: NodeGene(1, NodeKind.OUTPUT, 0.0, 1.0, "identity"),
             5: NodeGene(5, NodeKind.HIDDEN, 0.0, 1.0, "identity")}
    conns = {0: ConnectionGene(0, 0, 5, 2.0), 1: ConnectionGene(1, 5, 1, 3.0)}
    if not feed_forward:
        conns[2] = ConnectionGene(2, 5, 5, 1.0)
    return Genome(nodes, conns, (0,), (1,), None, feed_forward)


def test_attributes_and_batched_policy_protocol():
    genomes = grown(5)
    pop = CompiledPopulation(genomes)
    assert isinstance(pop, BatchedPolicy)
    assert (pop.size, pop.num_inputs, pop.num_outputs, pop.recurrent) == (5, 3, 2, False)
    assert len(pop) == 5 and "CompiledPopulation(size=5" in repr(pop)
    y = pop(np.zeros((5, 7, 3)))
    assert isinstance(y, torch.Tensor) and y.shape == (5, 7, 2) and y.dtype == torch.float32
    assert not y.requires_grad


def test_numpy_and_torch_inputs_give_the_same_result_and_outputs_are_fresh():
    genomes = grown(4, seed=1)
    pop = CompiledPopulation(genomes, dtype=torch.float64)
    x = np.random.default_rng(0).normal(size=(4, 3, 3))
    a = pop(x)
    b = pop(torch.tensor(x))
    assert torch.equal(a, b)
    pop(np.zeros((4, 3, 3)))
    assert torch.equal(a, b)  # a result is not overwritten by later calls
    ref = [[activate(g, list(row)) for row in x[p]] for p, g in enumerate(genomes)]
    np.testing.assert_allclose(a.numpy(), ref, rtol=1e-10, atol=1e-10)


def test_batch_size_may_change_between_calls():
    genomes = grown(3, seed=2)
    pop = CompiledPopulation(genomes, dtype=torch.float64)
    x = np.random.default_rng(1).normal(size=(3, 5, 3))
    full = pop(x)
    # batch 1 runs the fused kernel (its tanh rounds differently from torch's in the last bit)
    assert torch.allclose(pop(x[:, :1]), full[:, :1], rtol=1e-14, atol=1e-14)
    assert torch.allclose(pop(x[:, 2:]), full[:, 2:])
    steps = CompiledPopulation(genomes, dtype=torch.float64, fused=False)
    assert torch.equal(steps(x[:, :1]), full[:, :1])


def test_recurrent_state_ticks_resets_and_reallocates_on_new_batch_size():
    pop = CompiledPopulation([chain(False)], dtype=torch.float64)
    assert pop.recurrent
    one = np.ones((1, 2, 1))
    # tick 1: h = 2, out reads old h = 0; tick 2: h = 2 + 2 = 4, out = 3 * 2 = 6; tick 3: out = 3 * 4 = 12
    assert pop(one)[0, :, 0].tolist() == [0.0, 0.0]
    assert pop(one)[0, :, 0].tolist() == [6.0, 6.0]
    assert pop(one)[0, :, 0].tolist() == [12.0, 12.0]
    pop.reset()
    assert pop(one)[0, :, 0].tolist() == [0.0, 0.0]
    assert pop(one)[0, :, 0].tolist() == [6.0, 6.0]
    assert pop(np.ones((1, 3, 1)))[0, :, 0].tolist() == [0.0, 0.0, 0.0]  # new batch size: fresh state
    net = ReferenceRecurrentNetwork(chain(False))
    assert [net.activate([1.0])[0] for _ in range(3)] == [0.0, 6.0, 12.0]


def test_state_is_kept_per_genome_and_batch_row():
    genomes = grown(3, feed_forward=False, seed=3)
    pop = CompiledPopulation(genomes, dtype=torch.float64)
    x = np.random.default_rng(2).normal(size=(3, 4, 3))
    nets = [[ReferenceRecurrentNetwork(g) for _ in range(4)] for g in genomes]
    for _ in range(3):
        got = pop(x).numpy()
        ref = [[nets[p][b].activate(list(x[p, b])) for b in range(4)] for p in range(3)]
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10)


def test_feed_forward_reset_is_a_no_op():
    pop = CompiledPopulation([chain()], dtype=torch.float64)
    x = np.full((1, 1, 1), 0.5)
    a = pop(x)
    pop.reset()
    assert torch.equal(pop(x), a) and a.item() == 3.0


def test_select_gives_the_sub_population():
    genomes = grown(6, seed=4)
    pop = CompiledPopulation(genomes, dtype=torch.float64)
    x = np.random.default_rng(3).normal(size=(6, 2, 3))
    sub = pop.select([4, 1])
    assert sub.size == 2 and sub.dtype == torch.float64
    assert torch.allclose(sub(x[[4, 1]]), pop(x)[[4, 1]], rtol=1e-12, atol=1e-12)


def test_compile_is_deterministic():
    genomes = grown(8, seed=5)
    x = torch.randn(8, 4, 3)
    assert torch.equal(CompiledPopulation(genomes)(x), CompiledPopulation(genomes)(x))


def test_genomes_without_hidden_nodes_or_connections():
    cfg = GenomeConfig(num_inputs=2, num_outputs=2, bias_node=False, initial_connectivity="none", bias_init_stdev=1)
    cfg.initial_connectivity = type(GenomeConfig().initial_connectivity)("none")
    genomes = [initial_genome(cfg, InnovationTracker(), random.Random(s)) for s in range(3)]
    pop = CompiledPopulation(genomes, dtype=torch.float64)
    got = pop(np.zeros((3, 1, 2)))
    want = [[activate(g, [0.0, 0.0])] for g in genomes]
    np.testing.assert_allclose(got.numpy(), want)


def test_mixed_shapes_and_kinds_are_rejected():
    with pytest.raises(CompileError, match="genome 1"):
        CompiledPopulation([chain(), grown(1)[0]])
    with pytest.raises(CompileError, match="recurrent"):
        CompiledPopulation([chain(True), chain(False)])
    with pytest.raises(CompileError, match="at least one"):
        CompiledPopulation([])


def test_a_cycle_in_a_feed_forward_genome_is_rejected():
    g = chain(False)
    g.feed_forward = True
    with pytest.raises(CompileError, match="cycle"):
        CompiledPopulation([g])


def test_missing_node_and_bad_inputs_are_reported():
    g = chain()
    g.conns[9] = ConnectionGene(9, 77, 1, 1.0)
    with pytest.raises(CompileError, match="node 77"):
        CompiledPopulation([g])
    pop = CompiledPopulation([chain()])
    with pytest.raises(TopoevoError, match=r"\(1, B, 1\)"):
        pop(np.zeros((2, 1, 1)))
    with pytest.raises(TopoevoError, match=r"\(B, 1\)"):
        to_module(chain())(torch.zeros(3, 2))


def test_module_parameters_and_recurrent_state():
    g = chain(False)
    g.conns[0].enabled = False
    m = to_module(g, dtype=torch.float64)
    assert m.innovations == (1, 2) and m.node_ids == (1, 5)
    assert [p.shape[0] for p in (m.weight, m.bias, m.response)] == [2, 2, 2]
    assert all(isinstance(p, torch.nn.Parameter) for p in m.parameters())
    m2 = to_module(chain(False), dtype=torch.float64)
    one = torch.ones(2, 1, dtype=torch.float64)
    assert [m2(one)[0, 0].item() for _ in range(3)] == [0.0, 6.0, 12.0]
    m2.reset()
    assert m2(one)[0, 0].item() == 0.0


def test_module_trains_toward_a_target():
    g = grown(1, seed=6)[0]
    m = to_module(g, dtype=torch.float64)
    x = torch.rand(16, 3, dtype=torch.float64)
    target = torch.full((16, 2), 0.25, dtype=torch.float64)
    opt = torch.optim.Adam(m.parameters(), lr=0.05)
    first = None
    for _ in range(60):
        opt.zero_grad()
        loss = ((m(x) - target) ** 2).mean()
        first = first if first is not None else loss.item()
        loss.backward()
        opt.step()
    assert loss.item() < first


@pytest.mark.parametrize("batch", [1, 3, 64])
def test_a_genomes_outputs_do_not_depend_on_its_neighbours(batch):
    """Same bits whether a genome is compiled alone, in a chunk or in the whole population (float32): fitness
    must not depend on how the evaluator splits the population."""
    acts = ["sigmoid", "tanh", "relu", "sin", "gauss", "logistic", "neat_python_sigmoid", "clamped", "abs"]
    genomes = grown(40, seed=7)
    for i, g in enumerate(genomes):
        for j, node in enumerate(n for n in g.nodes.values() if not n.kind.is_sensor):
            node.activation = acts[(i + j) % len(acts)]
            node.aggregation = ["sum", "sum", "mean", "product", "max", "min"][(2 * i + j) % 6]
    x = torch.rand(40, batch, 3, generator=torch.Generator().manual_seed(batch)) * 4 - 2
    whole = CompiledPopulation(genomes)(x)
    chunks = torch.cat([CompiledPopulation(genomes[i:i + 7])(x[i:i + 7]) for i in range(0, 40, 7)])
    alone = torch.cat([CompiledPopulation([g])(x[i:i + 1]) for i, g in enumerate(genomes)])
    assert torch.equal(whole, chunks) and torch.equal(whole, alone)


def test_calls_restore_the_callers_thread_count():
    genomes = grown(5, seed=8)
    x = torch.rand(5, 64, 3)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        a = CompiledPopulation(genomes)(x)
        b = CompiledPopulation(genomes, threads=1)(x)
        assert torch.get_num_threads() == 2
        assert torch.equal(a, b)
    finally:
        torch.set_num_threads(before)


# ---- the store compiler's sorts (topoevo/nn/plan_kernels.py) agree with numpy's --------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 60), max_size=300), st.integers(0, 3000))
def test_plan_stable_argsort_is_numpys_stable_argsort(keys: list[int], extra: int):
    from topoevo.nn.plan_kernels import _stable_argsort

    key = np.array(keys, dtype=np.int64)
    top = int(key.max(initial=0)) + 1 + extra  # small and large ranges: counting and the fallback
    assert _stable_argsort(key, top).tolist() == np.argsort(key, kind="stable").tolist()


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 200), st.data())
def test_plan_edge_order_sorts_by_target_then_source(n_rows: int, data: st.DataObject):
    from topoevo.nn.plan_kernels import _edge_order

    pairs = data.draw(st.lists(st.tuples(st.integers(0, n_rows - 1), st.integers(0, n_rows - 1)), max_size=400))
    src = np.array([s for s, _ in pairs], dtype=np.int64)
    dst = np.array([d for _, d in pairs], dtype=np.int64)
    key = dst * n_rows + src
    order = _edge_order(src, dst, key, n_rows)
    if len(set(pairs)) == len(pairs):  # distinct keys: one sorted order
        assert order.tolist() == np.argsort(key).tolist()
    else:  # ties: left to np.argsort itself (numba's), so a sorted permutation
        assert sorted(order.tolist()) == list(range(len(pairs))) and np.all(np.diff(key[order]) >= 0)


def test_compiled_fold_equals_the_numpy_fold_bit_for_bit():
    """Plans of a population store fold in the compiled kernel: the same operations in the same order, so the same
    bits as the numpy fold (mixed activations and aggregations, sigmoid sources with stored affine maps, means)."""
    import dataclasses

    from topoevo.config import Config
    from topoevo.neat import NEAT
    from topoevo.nn.functions import AGGREGATION_CODES
    from topoevo.nn.population import compile_plan, fold
    from topoevo.tasks.xor import XORTask

    config = Config.from_dict({
        "task": {"name": "xor"}, "neat": {"pop_size": 40},
        "genome": {"num_inputs": 2, "num_outputs": 1, "activation_options": ["sigmoid", "tanh", "relu", "identity"],
                   "aggregation_options": ["sum", "mean", "product", "max"]},
        "mutation": {"activation_mutate_rate": 0.3, "aggregation_mutate_rate": 0.3, "add_node_rate": 0.3,
                     "add_connection_rate": 0.3}})
    algo, task, checked = NEAT(config, seed=5), XORTask(), 0
    for _ in range(12):
        pop = algo.ask()
        plan = compile_plan(pop)
        assert plan.compiled
        a, b = fold(dataclasses.replace(plan, compiled=False)), fold(plan)
        for f in dataclasses.fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            if isinstance(x, np.ndarray):
                assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), f.name
            else:
                assert x == y, f.name
        checked += int(np.any(plan.aggregation == AGGREGATION_CODES["mean"])) + int(not a.all_linear)
        fitness = task.evaluate(CompiledPopulation(pop), np.zeros(len(pop), dtype=np.int64)).fitness
        algo.tell(np.nan_to_num(fitness, nan=0.0, posinf=0.0, neginf=0.0))
    assert checked > 0  # (some plans had mean or non-linear nodes)
