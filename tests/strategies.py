"""Hypothesis strategies for the genome library: random *valid* genomes made the way evolution makes them.

A :class:`Plan` is a random genome/mutation config, a seed and a sequence of real operations (full ``mutate``
rounds, single structural mutations, deletions, toggles, crossovers, generation boundaries) applied to a small
population that shares one :class:`InnovationTracker`. :func:`replay` runs a plan; the strategies below draw plans
(feed-forward and recurrent, mixed activations and aggregations) and hand out the resulting genomes.

In a test: ``@given(evolved())`` / ``@given(genomes(feed_forward=True))`` / ``@given(evolved_pairs())``.
Replaying one plan by hand:

>>> plan = Plan(GenomeConfig(num_inputs=2, num_outputs=1), MutationConfig(add_node_rate=0.5), seed=1, pop_size=3,
...             steps=(Step(Op.CROSSOVER, 0, 1, 2),), warmup=10)
>>> ev = replay(plan)
>>> all(not g.problems() for g in ev.population), ev.population[2].parents == (ev.population[0].key,
...                                                                           ev.population[1].key)
(True, True)
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Sequence

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from topoevo.config.sections import GenomeConfig, InitialConnectivity, MutationConfig, Network
from topoevo.genome import ACTIVATIONS, AGGREGATIONS, Genome, InnovationTracker, crossover, initial_genome, mutate
from topoevo.genome import mutation as ops

#: Settings of every property in the genome/config suites: >= 200 examples (more if the loaded profile asks).
PROPERTY = settings(settings.default, max_examples=max(200, settings.default.max_examples), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class Op(str, Enum):
    """One step of a plan. ``i``, ``j``, ``k`` of the step pick population slots (modulo the population size)."""

    MUTATE = "mutate"  # a full mutate() round on genome i
    ADD_NODE = "add_node"
    ADD_CONNECTION = "add_connection"
    DELETE_NODE = "delete_node"
    DELETE_CONNECTION = "delete_connection"
    TOGGLE = "toggle"
    CROSSOVER = "crossover"  # child of (fitter i, other j) replaces slot k
    NEW_GENERATION = "new_generation"


@dataclass(frozen=True)
class Step:
    op: Op
    i: int = 0
    j: int = 0
    k: int = 0


@dataclass(frozen=True)
class Plan:
    """Everything needed to rebuild a population deterministically."""

    genome: GenomeConfig
    mutation: MutationConfig
    seed: int
    pop_size: int
    steps: tuple[Step, ...]
    warmup: int = 0  # generations of seeded random evolution before the steps (grows bigger genomes cheaply)


@dataclass
class Evolved:
    """A replayed plan: the population, and the tracker / rng in the state the plan left them."""

    plan: Plan
    population: list[Genome]
    tracker: InnovationTracker
    rng: random.Random
    next_key: int = 0

    @property
    def cfg(self) -> GenomeConfig:
        return self.plan.genome

    @property
    def mutation(self) -> MutationConfig:
        return self.plan.mutation


def replay(plan: Plan, after_step: Callable[[Step, Genome], None] | None = None) -> Evolved:
    """Run ``plan``. ``after_step(step, genome)`` sees every genome a step touched or created."""
    cfg, m = plan.genome, plan.mutation
    tracker = InnovationTracker()
    rng = random.Random(plan.seed)
    pop = [initial_genome(cfg, tracker, rng, key=k) for k in range(plan.pop_size)]
    if after_step is not None:
        for g in pop:
            after_step(Step(Op.NEW_GENERATION), g)
    ev = Evolved(plan, pop, tracker, rng, next_key=plan.pop_size)
    n = len(pop)
    steps: list[Step] = []
    for _ in range(plan.warmup):  # one generation: each slot is mutated, or replaced by a mutated child
        for k in range(n):
            if rng.random() < 0.3:
                steps.append(Step(Op.CROSSOVER, rng.randrange(n), rng.randrange(n), k))
            steps.append(Step(Op.MUTATE, k))
        if rng.random() < 0.7:
            steps.append(Step(Op.NEW_GENERATION))
    for step in [*steps, *plan.steps]:
        g = pop[step.i % n]
        if step.op is Op.MUTATE:
            mutate(g, cfg, m, tracker, rng)
        elif step.op is Op.ADD_NODE:
            ops.add_node(g, cfg, tracker, rng)
        elif step.op is Op.ADD_CONNECTION:
            ops.add_connection(g, cfg, tracker, rng, m.add_connection_tries)
        elif step.op is Op.DELETE_NODE:
            ops.delete_node(g, rng)
        elif step.op is Op.DELETE_CONNECTION:
            ops.delete_connection(g, rng)
        elif step.op is Op.TOGGLE:
            ops.toggle_enable(g, rng)
        elif step.op is Op.CROSSOVER:
            g = crossover(g, pop[step.j % n], rng, key=ev.next_key)
            ev.next_key += 1
            pop[step.k % n] = g
        elif step.op is Op.NEW_GENERATION:
            tracker.new_generation()
        if after_step is not None:
            after_step(step, g)
    return ev


# ---- drawing plans ---------------------------------------------------------------------------------------------
def _sample(rng: random.Random, options: Sequence[str]) -> list[str]:
    return rng.sample(list(options), rng.randint(1, min(4, len(options))))


@st.composite
def genome_configs(draw, feed_forward: bool | None = None) -> GenomeConfig:
    """Random genome configs: sizes, bias node, network kind, connectivity, activations/aggregations, ranges.

    The shape is drawn by hypothesis (so failures shrink to small nets); the other knobs come from one drawn seed,
    which keeps example generation cheap.
    """
    ff = draw(st.booleans()) if feed_forward is None else feed_forward
    num_inputs, num_outputs, bias_node = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.booleans())
    connectivity = draw(st.sampled_from(list(InitialConnectivity)))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    activation_options = _sample(rng, sorted(ACTIVATIONS))
    aggregation_options = _sample(rng, sorted(AGGREGATIONS))
    wmax = rng.choice([1.0, 3.0, 30.0])
    return GenomeConfig(
        num_inputs=num_inputs,
        num_outputs=num_outputs,
        bias_node=bias_node,
        network=Network.FEEDFORWARD if ff else Network.RECURRENT,
        allow_self_loops=rng.random() < 0.5,
        initial_connectivity=connectivity,
        connection_probability=rng.choice([0.0, 0.5, 1.0]),
        activation=rng.choice(activation_options),
        activation_options=activation_options,
        output_activation=rng.choice([""] + sorted(ACTIVATIONS)),
        aggregation=rng.choice(aggregation_options),
        aggregation_options=aggregation_options,
        weight_init_stdev=rng.choice([0.5, 1.0, 5.0]),
        weight_min=-wmax,
        weight_max=wmax,
        bias_init_stdev=rng.choice([0.0, 1.0]),
    )


@st.composite
def mutation_configs(draw) -> MutationConfig:
    """Mutation configs with high structural rates, deletions and toggles enabled (knobs from one drawn seed)."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))

    def rate() -> float:
        return rng.choice([0.0, 0.1, 0.3, 0.7])

    def deletion() -> float:
        return rng.choice([0.0, 0.05, 0.2])

    return MutationConfig(
        weight_mutate_rate=rng.choice([0.0, 0.8, 1.0]),
        weight_perturb_prob=rng.choice([0.0, 0.9, 1.0]),
        weight_mutate_power=rng.choice([0.5, 5.0]),
        bias_mutate_rate=rate(),
        response_mutate_rate=rate(),
        add_node_rate=rng.choice([0.1, 0.3, 0.6]),
        add_connection_rate=rng.choice([0.2, 0.5, 0.9]),
        delete_node_rate=deletion(),
        delete_connection_rate=deletion(),
        toggle_enable_rate=rate(),
        activation_mutate_rate=rate(),
        aggregation_mutate_rate=rate(),
        structural_exclusive=draw(st.booleans()),
        add_connection_tries=rng.choice([1, 5, 20]),
    )


_OPS = [Op.MUTATE] * 4 + [Op.ADD_NODE] * 3 + [Op.ADD_CONNECTION] * 3 + [Op.CROSSOVER] * 2 + [
    Op.DELETE_NODE, Op.DELETE_CONNECTION, Op.TOGGLE, Op.NEW_GENERATION]
_steps = st.builds(lambda op, slots: Step(op, slots & 7, (slots >> 3) & 7, slots >> 6), st.sampled_from(_OPS),
                   st.integers(0, 511))


@st.composite
def plans(draw, feed_forward: bool | None = None, max_steps: int = 12, max_warmup: int = 25) -> Plan:
    return Plan(genome=draw(genome_configs(feed_forward)), mutation=draw(mutation_configs()),
                seed=draw(st.integers(0, 2**32 - 1)), pop_size=draw(st.integers(1, 5)),
                steps=tuple(draw(st.lists(_steps, max_size=max_steps))), warmup=draw(st.integers(0, max_warmup)))


def evolved(feed_forward: bool | None = None, max_steps: int = 12) -> st.SearchStrategy[Evolved]:
    """A population after a random plan (feed-forward, recurrent, or either when ``None``)."""
    return plans(feed_forward, max_steps).map(replay)


@st.composite
def genomes(draw, feed_forward: bool | None = None) -> Genome:
    """One random valid genome."""
    ev = draw(evolved(feed_forward))
    return ev.population[draw(st.integers(0, len(ev.population) - 1))]


@st.composite
def evolved_pairs(draw, feed_forward: bool | None = None) -> tuple[Evolved, Genome, Genome]:
    """Two genomes of one population (one tracker, one config), possibly the same one."""
    ev = draw(evolved(feed_forward))
    n = len(ev.population)
    return ev, ev.population[draw(st.integers(0, n - 1))], ev.population[draw(st.integers(0, n - 1))]


# ---- helpers for driving operators deterministically -------------------------------------------------------------
class ScriptedRandom(random.Random):
    """A ``random.Random`` whose ``choice`` returns scripted picks (then falls back to the seeded stream).

    Each script entry is a predicate; ``choice(seq)`` returns the first element of ``seq`` it accepts.
    """

    def __new__(cls, *args: object, **kwargs: object) -> "ScriptedRandom":
        return super().__new__(cls)  # (Python 3.10's random.Random.__new__ would take `picks` for the seed)

    def __init__(self, picks: Sequence[Callable[[object], bool]], seed: int = 0):
        super().__init__(seed)
        self.picks = list(picks)

    def choice(self, seq):  # type: ignore[override]
        if self.picks:
            want = self.picks.pop(0)
            for x in seq:
                if want(x):
                    return x
            raise AssertionError("scripted choice not available")
        return super().choice(seq)


def topology(g: Genome) -> tuple[frozenset, frozenset]:
    """Node ids and connection genes (innovation, in, out), without enabled flags."""
    return frozenset(g.nodes), frozenset((c.innovation, c.in_node, c.out_node) for c in g.conns.values())


def dangling_hidden(g: Genome) -> list[int]:
    """Hidden nodes lacking an incoming or an outgoing connection gene (self-loops do not count)."""
    links = [c for c in g.conns.values() if c.in_node != c.out_node]
    has_in = {c.out_node for c in links}
    has_out = {c.in_node for c in links}
    return [n for n in g.hidden_ids if n not in has_in or n not in has_out]
