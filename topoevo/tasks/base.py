"""The Task protocol: what the run loop hands a task (a batched policy and per-genome seeds) and what it returns.

Tasks know nothing of NEAT: they see a :class:`BatchedPolicy`, i.e. P networks that map observations shaped
``(P, B, num_inputs)`` to actions shaped ``(P, B, num_outputs)`` in one call.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import math
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from topoevo.genome.genome import Genome


@runtime_checkable
class BatchedPolicy(Protocol):
    """P networks evaluated together. Recurrent ones keep state between calls until :meth:`reset`."""

    @property
    def size(self) -> int: ...

    def reset(self) -> None: ...

    def __call__(self, obs: Any) -> Any:  # (P, B, I) array/tensor -> (P, B, O) torch tensor
        ...


@runtime_checkable
class NarrowablePolicy(BatchedPolicy, Protocol):
    """A :class:`BatchedPolicy` that can drop networks in the middle of an evaluation: ``narrow(indices)`` (increasing
    indices) is the policy of those networks only, with their recurrent state, giving the outputs they would have
    given in the whole policy. Episode tasks use it to stop computing networks whose episodes all ended
    (:class:`~topoevo.nn.population.CompiledPopulation` is one).

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> from topoevo.nn.population import CompiledPopulation
    >>> genome = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(), random.Random(0))
    >>> isinstance(CompiledPopulation([genome]), NarrowablePolicy)
    True
    """

    def narrow(self, indices: Any) -> NarrowablePolicy: ...


@dataclass(frozen=True)
class TrainedWeights:
    """Weights a task trained for one NEAT genome, to be written back into it (Lamarckian inheritance): connection
    weights by innovation number, node biases by node id (float64 arrays of equal lengths).

    >>> from topoevo.genome import Genome, NodeGene, NodeKind, ConnectionGene
    >>> g = Genome(nodes={0: NodeGene(0, NodeKind.INPUT), 1: NodeGene(1, NodeKind.OUTPUT)},
    ...            conns={5: ConnectionGene(5, 0, 1, 0.5)}, input_ids=(0,), output_ids=(1,))
    >>> TrainedWeights(np.array([5]), np.array([0.75]), np.array([1]), np.array([-0.25])).apply_to(g)
    >>> g.conns[5].weight, g.nodes[1].bias
    (0.75, -0.25)
    """

    innovations: np.ndarray
    weights: np.ndarray
    node_ids: np.ndarray
    biases: np.ndarray

    def apply_to(self, genome: "Genome", weight_range: tuple[float, float] = (-math.inf, math.inf),
                 bias_range: tuple[float, float] = (-math.inf, math.inf)) -> None:
        """Write the weights and biases into ``genome`` in place, clipped to the ranges. Raises ``ValueError`` when
        the genome lacks one of the enabled connections or nodes (it is not the genome they were trained for)."""
        conns, nodes = genome.conns, genome.nodes
        for inn in self.innovations.tolist():
            if inn not in conns or not conns[inn].enabled:
                raise ValueError(f"genome {genome.key} has no enabled connection with innovation {inn}")
        for nid in self.node_ids.tolist():
            if nid not in nodes:
                raise ValueError(f"genome {genome.key} has no node {nid}")
        (wlo, whi), (blo, bhi) = weight_range, bias_range
        for inn, w in zip(self.innovations.tolist(), self.weights.tolist()):
            conns[inn].weight = min(max(w, wlo), whi)
        for nid, b in zip(self.node_ids.tolist(), self.biases.tolist()):
            nodes[nid].bias = min(max(b, blo), bhi)


@dataclass
class EvalResult:
    """Fitness per genome (higher is better unless the config says ``min``), and optionally which ones solve the
    task by its own success test (e.g. XOR: every output on the right side of 0.5).

    ``info[TRAINED_WEIGHTS]`` (tasks that train the genomes they evaluate, with Lamarckian inheritance): an object
    array with one :class:`TrainedWeights` (or None: keep the genome as it is) per candidate, concatenated across
    chunks like every per-candidate array; the run loop hands ``info`` to the algorithm (``NEAT.observe``), which
    writes the weights back before ``tell``."""

    fitness: np.ndarray
    solved: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)


#: ``EvalResult.info`` key of the per-candidate :class:`TrainedWeights` (object array; Lamarckian inheritance)
TRAINED_WEIGHTS = "trained_weights"


#: ``EvalResult.info`` key of the per-candidate behaviour descriptors: a float array (P, D), D the size of the
#: task's :meth:`Task.behaviour_space` (novelty search, NSLC, MAP-Elites)
BEHAVIOUR = "behaviour"


@dataclass(frozen=True)
class BehaviourSpace:
    """Where a task's behaviour descriptors lie: per dimension a lower and an upper bound (MAP-Elites' grid, the
    heat map of ``topoevo plot``).

    >>> BehaviourSpace((0.0, 0.0), (200.0, 200.0)).size
    2
    """

    low: tuple[float, ...]
    high: tuple[float, ...]

    @property
    def size(self) -> int:
        return len(self.low)


#: ``EvalResult.info`` key of the gym task's per-genome observation statistics (counts, means, m2), merged by
#: :meth:`Task.merge_state`
OBSERVATION_STATS = "observation_stats"


@runtime_checkable
class Task(Protocol):
    """A task: sizes of the networks it needs and a batched evaluation; everything the run loop, the CLI and the
    evaluators call on a task is declared here (:class:`TaskBase` gives the optional parts their defaults).

    ``seeds[i]`` is genome i's evaluation seed, derived from (run seed, generation, genome index), so fitness never
    depends on how the population is split across workers.

    - ``params``: the task's parameter dataclass (what ``[task]`` holds; workers rebuild the task from it).
    - ``has_champion_test``: :meth:`champion_solved` is the task's own success test, run by the loop on each
      generation's champion (a task without one reports ``EvalResult.solved``, or relies on
      ``run.fitness_threshold``); the figures of the last test are in ``champion_test`` (plain JSON data).
    - ``test_species_champions``: the champion tested is rotated among species (the algorithm decides how).
    - ``state_dict``/``load_state_dict``: mutable state kept across generations (None: stateless). When
      ``merges_state``, the state changes of an evaluation come back per candidate in ``EvalResult.info`` and
      :meth:`merge_state` applies them, so workers can evaluate from a copy of the state.
    - ``plays_episodes``: :meth:`play` runs episodes (``topoevo play``); otherwise ``play`` replays the evaluation.
    - ``champion_metadata``: settings a champion file must record to be replayed as evolved (``task_overrides``).
    - ``behaviour_space``: the space of the behaviour descriptors ``evaluate`` reports in ``info[BEHAVIOUR]``
      (None: the task reports none; novelty search and MAP-Elites need them).
    """

    num_inputs: int
    num_outputs: int
    params: Any
    has_champion_test: bool
    champion_test: dict[str, Any] | None
    test_species_champions: bool
    merges_state: bool
    plays_episodes: bool

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult: ...

    def champion_solved(self, policy: BatchedPolicy, fitness: float | None = None) -> bool: ...

    def state_dict(self) -> Any: ...

    def load_state_dict(self, state: Any) -> None: ...

    def merge_state(self, info: dict[str, Any]) -> None: ...

    def play(self, policy: BatchedPolicy, episodes: int = 1, render: str | None = None, seed: int = 0,
             frame_stride: int = 1) -> Any: ...

    def champion_metadata(self) -> dict[str, Any]: ...

    def behaviour_space(self) -> BehaviourSpace | None: ...

    def close(self) -> None: ...


class TaskBase:
    """Defaults for the optional parts of :class:`Task`: no success test of its own, no state, nothing to close.
    Subclasses set ``num_inputs``/``num_outputs`` and implement :meth:`evaluate`.

    >>> class Constant(TaskBase):
    ...     num_inputs, num_outputs = 2, 1
    ...     def evaluate(self, policy, seeds):
    ...         return EvalResult(fitness=np.ones(len(seeds)))
    >>> task = Constant()
    >>> isinstance(task, Task), task.state_dict(), task.has_champion_test
    (True, None, False)
    """

    num_inputs: int
    num_outputs: int
    params: Any = None
    has_champion_test: bool = False
    champion_test: dict[str, Any] | None = None
    test_species_champions: bool = False
    merges_state: bool = False
    plays_episodes: bool = False

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def champion_solved(self, policy: BatchedPolicy, fitness: float | None = None) -> bool:
        """The task's own success test on one champion (only called when ``has_champion_test``)."""
        return False

    def state_dict(self) -> Any:
        """The task's mutable state as plain JSON data; None for a stateless task."""
        return None

    def load_state_dict(self, state: Any) -> None:
        """Restore :meth:`state_dict` output (a stateless task has nothing to restore)."""

    def merge_state(self, info: dict[str, Any]) -> None:
        """Apply the state changes an evaluation reported in ``info`` (only called when ``merges_state``)."""

    def play(self, policy: BatchedPolicy, episodes: int = 1, render: str | None = None, seed: int = 0,
             frame_stride: int = 1) -> Any:
        """Episodes of a single-genome policy (only called when ``plays_episodes``)."""
        raise NotImplementedError(f"{type(self).__name__} has no episodes to play")

    def champion_metadata(self) -> dict[str, Any]:
        """Settings a champion file records so that it is replayed as it was evolved, merged into its metadata;
        ``task_overrides`` (``[task]`` key -> value) are applied on replay (``topoevo play``, the zoo). The gym task
        records its resolved ``vectorization``: EnvPool and gymnasium episodes differ. Nothing by default."""
        return {}

    def behaviour_space(self) -> BehaviourSpace | None:
        """The space of the behaviour descriptors ``evaluate`` reports in ``info[BEHAVIOUR]``; None (no
        descriptors) by default."""
        return None

    def close(self) -> None:
        """Release environments and workers (nothing to release by default)."""
