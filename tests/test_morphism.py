"""Net2Net widening of convolutions: property test that the widened child, with its transformed weights, computes
its parent's function (eval and train mode) for every convolution and every channel count it can take, over random
architectures (batch norm, residual blocks with and without projections, poolings, all three reductions)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

torch = pytest.importorskip("torch")

from topoevo.nas.arch import ConvBlock, SearchSpace, random_architecture  # noqa: E402
from topoevo.nas.compile import ArchitectureNet  # noqa: E402
from topoevo.nas.lamarck import inherit, state_to_numpy  # noqa: E402
from topoevo.nas.morphism import conv_widths, widen_conv  # noqa: E402

SPACE = SearchSpace(max_blocks=4, max_dense=2, channels=(2, 3, 4, 6), widths=(3, 5), max_parameters=50_000,
                    max_macs=500_000)


def trained_like(arch, seed: int):
    torch.manual_seed(seed)
    net = ArchitectureNet(arch)
    for m in net.modules():  # non-trivial batch-norm statistics and affine parameters
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    return net


@given(st.integers(0, 100_000), st.sampled_from([(1, 12), (2, 9), (1, 6, 6), (3, 5, 4)]))
@settings(max_examples=25, deadline=None)
def test_widened_convolution_computes_the_parents_function(seed, shape):
    rng = np.random.default_rng(seed)
    parent = random_architecture(shape, 3, SPACE, rng)
    convs = [i for i, b in enumerate(parent.features) if isinstance(b, ConvBlock)]
    net = trained_like(parent, seed)
    state = state_to_numpy(net)
    x = torch.randn(5, *shape)
    for i in convs:
        for channels in conv_widths(parent, i, SPACE.channels):
            child, child_state = widen_conv(parent, state, i, channels, rng)
            assert child.features[i].channels == channels and child.num_classes == parent.num_classes
            child_net = ArchitectureNet(child)
            assert sorted(inherit(child_net, child_state)) == sorted(child_net.state_dict())  # nothing left random
            for train in (False, True):  # running statistics, then batch statistics (copies keep them equal)
                net.train(train), child_net.train(train)
                with torch.no_grad():
                    torch.testing.assert_close(child_net(x), net(x), rtol=1e-4, atol=1e-4)
            net.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})  # (train mode moved the stats)


def test_widths_that_would_drop_a_projection_are_refused():
    from topoevo.nas.arch import Architecture

    a = Architecture((4, 8), 2, (ConvBlock(0, 2, 3, residual=True), ConvBlock(1, 6, 3, residual=True)), next_id=2)
    assert conv_widths(a, 0, (2, 4, 6, 8)) == [8]  # 4: in = out (a projection lost); 6: the next block's too
    with pytest.raises(ValueError, match="cannot widen"):
        widen_conv(a, {}, 0, 4, np.random.default_rng(0))
