"""Batched CTRNN and Izhikevich networks: P genomes (their nodes carry the models' parameters, declared in
:mod:`topoevo.dynamics.attributes`) as padded float64 tensors, stepped together. Each node sums its enabled
incoming connections in innovation order
(as neat-python's reference networks, so outputs match theirs).

CTRNN node i (time constant tau_i): ``y_i += dt / tau_i * (-y_i + act_i(bias_i + response_i * sum_j w_ij y_j))``, the
sum over the previous step's values (Euler). ``scheme = "neat_python"`` reproduces neat-python 2.0's integration
exactly: it keeps two value buffers and updates each from the other in turn, so a step starts from the value of two
steps before, and it returns the outputs of the buffer the step read (one step behind). A node without enabled
incoming connections keeps the value 0.

Izhikevich neuron (2003): input current ``I = bias + sum_j w_ij x_j`` (x: the inputs' values, other neurons' spikes
of the previous step), ``v += dt/2 (0.04 v^2 + 5 v + 140 - u + I)`` twice, ``u += dt a (b v - u)``; a spike when
``v > 30``: then ``v = c, u += d``. Outputs are the output neurons' spikes (0 or 1).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from topoevo.dynamics.attributes import NODE_ATTRIBUTES, NodeModel, attribute_names
from topoevo.genome.genome import Genome
from topoevo.nn.functions import ACTIVATIONS


class _Layout:
    """Slots of P genomes: inputs 0..n-1, slot n the constant 1 (bias node), then each genome's non-sensor nodes in
    id order; incoming connections as (P, S, K) source slots and weights, innovation order, padded with weight 0."""

    def __init__(self, genomes: Sequence[Genome], model: NodeModel):
        if not genomes:
            raise ValueError("a network population needs at least one genome")
        n = len(genomes[0].input_ids)
        m = len(genomes[0].output_ids)
        for g in genomes:
            if len(g.input_ids) != n or len(g.output_ids) != m:
                raise ValueError("the genomes of a batch must have the same numbers of inputs and outputs")
        self.n, self.m, self.P = n, m, len(genomes)
        nodes = [[i for i in sorted(g.nodes) if not g.nodes[i].kind.is_sensor] for g in genomes]
        self.N = max((len(x) for x in nodes), default=0)
        S = self.S = n + 1 + self.N
        slot = []
        for g, ns in zip(genomes, nodes):
            s = {i: k for k, i in enumerate(g.input_ids)}
            if g.bias_id is not None:
                s[g.bias_id] = n
            s.update({i: n + 1 + k for k, i in enumerate(ns)})
            slot.append(s)
        fan = [[sorted((c for c in g.conns.values() if c.enabled and c.out_node == i), key=lambda c: c.innovation)
                for i in ns] for g, ns in zip(genomes, nodes)]
        K = max((len(f) for fs in fan for f in fs), default=0)
        self.src = torch.zeros((self.P, S, max(K, 1)), dtype=torch.long)
        self.w = torch.zeros((self.P, S, max(K, 1)), dtype=torch.float64)
        self.has_input = torch.zeros((self.P, S), dtype=torch.bool)
        self.real = torch.zeros((self.P, S), dtype=torch.bool)  # a node of the genome (not padding)
        self.bias = torch.zeros((self.P, S), dtype=torch.float64)
        self.response = torch.ones((self.P, S), dtype=torch.float64)
        self.act_code = torch.full((self.P, S), -1, dtype=torch.long)
        names = attribute_names(model)
        inits = [a.init for a in NODE_ATTRIBUTES[model.value]]
        self.params = torch.tensor(np.tile(np.array(inits, dtype=np.float64), (self.P, S, 1)))  # (P, S, A)
        self.out_slot = torch.zeros((self.P, m), dtype=torch.long)
        codes = {name: i for i, name in enumerate(ACTIVATIONS)}
        for p, (g, ns, fs) in enumerate(zip(genomes, nodes, fan)):
            for k, i in enumerate(ns):
                t = n + 1 + k
                nd = g.nodes[i]
                if nd.aggregation != "sum":
                    raise ValueError(f"genome {g.key}: node {i} has aggregation {nd.aggregation!r}; CTRNN and "
                                     "Izhikevich nodes sum their inputs")
                self.real[p, t] = True
                self.bias[p, t], self.response[p, t] = nd.bias, nd.response
                self.act_code[p, t] = codes[nd.activation]
                self.params[p, t] = torch.tensor([getattr(nd, x) for x in names], dtype=torch.float64)
                for j, c in enumerate(fs[k]):
                    self.src[p, t, j], self.w[p, t, j] = slot[p][c.in_node], c.weight
                self.has_input[p, t] = bool(fs[k])
            self.out_slot[p] = torch.tensor([slot[p][o] for o in g.output_ids])
        self.names = names
        self.codes = sorted({int(c) for c in self.act_code.unique().tolist() if c >= 0})

    def param(self, name: str) -> torch.Tensor:
        return self.params[..., self.names.index(name)]

    def weighted_sum(self, x: torch.Tensor, start: torch.Tensor | None = None) -> torch.Tensor:
        """``start + sum_k w[., ., k] * x[src[., ., k]]``, accumulated in innovation order."""
        acc = torch.zeros((self.P, self.S), dtype=torch.float64) if start is None else start.clone()
        for k in range(self.src.shape[2]):
            acc += self.w[:, :, k] * torch.gather(x, 1, self.src[:, :, k])
        return acc

    def with_inputs(self, x: torch.Tensor, inputs: np.ndarray | torch.Tensor) -> torch.Tensor:
        x = x.clone()
        x[:, :self.n] = torch.as_tensor(inputs, dtype=torch.float64).reshape(self.P, self.n)
        x[:, self.n] = 1.0
        return x


class CTRNNPopulation:
    """P continuous-time recurrent networks stepped together.

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> cfg = GenomeConfig(num_inputs=2, num_outputs=1, network="recurrent")
    >>> g = initial_genome(cfg, InnovationTracker(0, 4), random.Random(0))
    >>> g.nodes[3].time_constant = 0.5
    >>> net = CTRNNPopulation([g], dt=0.1)
    >>> net.step([[1.0, 0.0]]).shape
    (1, 1)
    """

    def __init__(self, genomes: Sequence[Genome], dt: float, scheme: str = "euler"):
        if scheme not in ("euler", "neat_python"):
            raise ValueError(f"scheme must be 'euler' or 'neat_python', got {scheme!r}")
        if not dt > 0:
            raise ValueError(f"dt must be > 0, got {dt}")
        self.layout = _Layout(genomes, NodeModel.CTRNN)
        self.dt, self.scheme = float(dt), scheme
        self.rate = self.dt / self.layout.param("time_constant")
        self.reset()

    @property
    def size(self) -> int:
        return self.layout.P

    def reset(self) -> None:
        L = self.layout
        self.values = torch.zeros((L.P, L.S), dtype=torch.float64)
        self.other = torch.zeros((L.P, L.S), dtype=torch.float64)  # neat_python scheme: the second buffer

    def _activate(self, pre: torch.Tensor) -> torch.Tensor:
        L = self.layout
        z = torch.zeros_like(pre)
        for code in L.codes:
            mask = L.act_code == code
            z = torch.where(mask, list(ACTIVATIONS.values())[code].fn(pre), z)
        return z

    def step(self, inputs: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        """One step of ``dt`` with the inputs (P, num_inputs) held; returns the outputs (P, num_outputs)."""
        L = self.layout
        x = L.with_inputs(self.values, np.asarray(inputs, dtype=np.float64))
        z = self._activate(L.bias + L.response * L.weighted_sum(x))
        base = L.with_inputs(self.other, np.asarray(inputs, dtype=np.float64)) if self.scheme == "neat_python" else x
        new = torch.where(L.has_input, base + self.rate * (-base + z), base)
        if self.scheme == "neat_python":  # neat-python returns the buffer the step read: the previous values
            self.other, self.values = x, new
            return torch.gather(x, 1, L.out_slot).numpy()
        self.values = new
        return torch.gather(new, 1, L.out_slot).numpy()


class IzhikevichPopulation:
    """P networks of Izhikevich spiking neurons stepped together (``dt`` in milliseconds).

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> cfg = GenomeConfig(num_inputs=1, num_outputs=1, network="recurrent", weight_init_stdev=0.0)
    >>> g = initial_genome(cfg, InnovationTracker(0, 3), random.Random(0))
    >>> g.nodes[2].bias = 10.0  # a constant current of 10: regular spiking
    >>> net = IzhikevichPopulation([g], dt=0.5)
    >>> int(sum(net.step([[0.0]])[0, 0] for _ in range(400)))  # spikes in 200 ms
    5
    """

    def __init__(self, genomes: Sequence[Genome], dt: float):
        if not dt > 0:
            raise ValueError(f"dt must be > 0, got {dt}")
        self.layout = _Layout(genomes, NodeModel.IZHIKEVICH)
        self.dt = float(dt)
        L = self.layout
        self.a, self.b, self.c, self.d = (L.param(x) for x in "abcd")
        self.reset()

    @property
    def size(self) -> int:
        return self.layout.P

    def reset(self) -> None:
        L = self.layout
        self.v = self.c.clone()
        self.u = self.b * self.v
        self.fired = torch.zeros((L.P, L.S), dtype=torch.float64)

    def step(self, inputs: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        """One step of ``dt`` ms; returns the output neurons' spikes (P, num_outputs)."""
        L, dt = self.layout, self.dt
        x = L.with_inputs(self.fired, np.asarray(inputs, dtype=np.float64))
        current = L.weighted_sum(x, start=L.bias)
        v, u = self.v, self.u
        with np.errstate(over="ignore", invalid="ignore"):
            v = v + 0.5 * dt * (0.04 * v * v + 5 * v + 140 - u + current)
            v = v + 0.5 * dt * (0.04 * v * v + 5 * v + 140 - u + current)
            u = u + dt * self.a * (self.b * v - u)
        bad = ~(torch.isfinite(v) & torch.isfinite(u))  # neat-python resets on overflow
        v, u = torch.where(bad, self.c, v), torch.where(bad, self.b * self.c, u)
        spike = (v > 30.0) & L.real
        self.v = torch.where(spike, self.c, v)
        self.u = torch.where(spike, u + self.d, u)
        self.fired = spike.to(torch.float64)
        return torch.gather(self.fired, 1, L.out_slot).numpy()


class DynamicsPolicy:
    """A :class:`~topoevo.tasks.base.BatchedPolicy` over CTRNN or Izhikevich networks of P genomes: each call holds
    the observations (P, B, num_inputs) for ``steps`` steps of ``dt`` and returns (P, B, num_outputs) as a torch
    tensor: the last step's outputs (``readout="last"``) or their mean over the steps (``"mean"``: an Izhikevich
    network's firing rate). Each of the B observation rows drives its own copy of the networks (own state), so any
    task can evaluate them; :func:`compile_dynamics` builds it from a config (``genome.network = "ctrnn"``/``"iznn"``).

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> from topoevo.tasks.hardmaze import HardMazeParams, HardMazeTask
    >>> cfg = GenomeConfig(num_inputs=10, num_outputs=2, network="ctrnn")
    >>> genomes = [initial_genome(cfg, InnovationTracker(0, 13), random.Random(i), i) for i in range(3)]
    >>> policy = DynamicsPolicy(genomes, "ctrnn", dt=0.2, steps=2)
    >>> r = HardMazeTask(HardMazeParams(timesteps=20)).evaluate(policy, np.zeros(3, dtype=np.int64))
    >>> r.fitness.shape, r.info["behaviour"].shape
    ((3,), (3, 2))
    """

    def __init__(self, genomes: Sequence[Genome], model: NodeModel | str, dt: float, steps: int = 1,
                 readout: str = "last", scheme: str = "euler"):
        if steps < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        if readout not in ("last", "mean"):
            raise ValueError(f"readout must be 'last' or 'mean', got {readout!r}")
        self.genomes, self.model = list(genomes), NodeModel(model)
        self.dt, self.steps, self.readout, self.scheme = float(dt), steps, readout, scheme
        self.network: CTRNNPopulation | IzhikevichPopulation | None = None
        self.batch = 0

    @property
    def size(self) -> int:
        return len(self.genomes)

    def reset(self) -> None:
        if self.network is not None:
            self.network.reset()

    def _network(self, batch: int) -> CTRNNPopulation | IzhikevichPopulation:
        if self.network is None or batch != self.batch:  # (built once per batch width, each row a copy)
            genomes = [g for g in self.genomes for _ in range(batch)]
            self.network = (CTRNNPopulation(genomes, self.dt, self.scheme) if self.model is NodeModel.CTRNN
                            else IzhikevichPopulation(genomes, self.dt))
            self.batch = batch
        return self.network

    def __call__(self, obs) -> torch.Tensor:
        x = torch.as_tensor(np.array(obs, dtype=np.float64))  # (a copy: tasks may pass read-only broadcasts)
        if x.ndim != 3 or x.shape[0] != self.size:
            raise ValueError(f"expected observations shaped ({self.size}, batch, inputs), got {tuple(x.shape)}")
        P, B = x.shape[0], x.shape[1]
        net = self._network(B)
        flat = x.reshape(P * B, x.shape[2]).numpy()
        out = net.step(flat)
        if self.readout == "mean":
            for _ in range(self.steps - 1):
                out = out + net.step(flat)
            out = out / self.steps
        else:
            for _ in range(self.steps - 1):
                out = net.step(flat)
        return torch.as_tensor(out).reshape(P, B, -1)


def compile_dynamics(genomes: Sequence[Genome], model: str, dt: float, steps: int, readout: str) -> DynamicsPolicy:
    """NEAT genomes of a 'ctrnn' / 'iznn' run -> one batched :class:`DynamicsPolicy` (module level: with
    :func:`functools.partial` over the config's settings it is the run's picklable ``compile_fn``)."""
    return DynamicsPolicy(genomes, model, dt, steps, readout)


__all__ = ["CTRNNPopulation", "DynamicsPolicy", "IzhikevichPopulation", "compile_dynamics"]
