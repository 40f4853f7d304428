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


class Task(Protocol):
    """A task: sizes of the networks it needs and a batched evaluation.

    ``seeds[i]`` is genome i's evaluation seed, derived from (run seed, generation, genome index), so fitness never
    depends on how the population is split across workers.
    """

    num_inputs: int
    num_outputs: int

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult: ...


@runtime_checkable
class RecordsChampionMetadata(Protocol):
    """A task whose champions must record some of its settings: :meth:`champion_metadata` is merged into the
    champion file's metadata. ``task_overrides`` (key -> value of the ``[task]`` table) are applied when the champion
    is replayed (``topoevo play``, the zoo), e.g. the gym task's resolved ``vectorization``: EnvPool and gymnasium
    episodes differ, so a champion is replayed on the backend it was evolved on.

    >>> class T:
    ...     def champion_metadata(self): return {"task_overrides": {"vectorization": "native"}}
    >>> isinstance(T(), RecordsChampionMetadata)
    True
    """

    def champion_metadata(self) -> dict[str, Any]: ...

