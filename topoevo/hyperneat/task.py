"""HyperNEAT as a task adapter: NEAT evolves CPPNs (genomes whose inputs are the coordinates of a connection's two
ends and their distance), and :class:`HyperNEATTask` develops each generation's CPPNs into substrate networks (one
batched CPPN query, :class:`~topoevo.hyperneat.network.SubstratePopulation`) and scores those with the problem
task. The problem task knows nothing of HyperNEAT; NEAT knows nothing of substrates.

A problem gets a HyperNEAT variant by subclassing its parameter class with :class:`SubstrateParams` and naming its
task class in a :class:`HyperNEATTask` subclass (see the two below, registered as ``hyperneat_visual_discrimination``
and ``hyperneat_retina``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from topoevo.config.schema import Section, param
from topoevo.errors import ConfigError
from topoevo.hyperneat.substrate import Substrate, SubstrateConfig
from topoevo.tasks.base import BatchedPolicy, EvalResult, TaskBase
from topoevo.tasks.retina import RetinaParams, RetinaTask
from topoevo.tasks.visual_discrimination import VisualDiscriminationParams, VisualDiscriminationTask


@dataclass
class SubstrateParams(Section):
    """The ``[task.substrate]`` table of a HyperNEAT task (mixed into the problem's ``[task]`` keys)."""

    SECTION = "task"

    substrate: SubstrateConfig | None = param(None, "The substrate: `[task.substrate]` and its "
                                                    "`[[task.substrate.layers]]` (docs/hyperneat.md).")


class HyperNEATTask(TaskBase):
    """The problem task ``problem_class`` scored on substrate networks painted by the evaluated CPPNs.

    ``num_inputs``/``num_outputs`` are the CPPN's (the run fits the NEAT genomes to them); the substrate's input and
    output layers must match the problem's inputs and outputs.

    >>> from topoevo.hyperneat.substrate import LayerConfig
    >>> layers = [LayerConfig(kind="input", grid=[11, 11]), LayerConfig(kind="output", grid=[11, 11])]
    >>> task = HyperNEATVisualDiscriminationTask(HyperNEATVisualDiscriminationParams(
    ...     substrate=SubstrateConfig(layers=layers)))
    >>> task.num_inputs, task.num_outputs, task.substrate.num_connections
    (5, 1, 14641)
    """

    problem_class: ClassVar[type[TaskBase]]

    def __init__(self, params: Any):
        self.params = params
        if params.substrate is None:
            raise ConfigError("a HyperNEAT task needs a substrate ([task.substrate] with [[task.substrate.layers]])",
                              field="task.substrate")
        self.problem = self.problem_class(params)
        self.substrate = Substrate(params.substrate)
        for what, have, want in (("inputs", self.substrate.num_inputs, self.problem.num_inputs),
                                 ("outputs", self.substrate.num_outputs, self.problem.num_outputs)):
            if have != want:
                raise ConfigError(f"the substrate's {what[:-1]} layers hold {have} nodes, the task has {want} {what}",
                                  field="task.substrate.layers")
        self.num_inputs = params.substrate.cppn_inputs
        self.num_outputs = params.substrate.cppn_outputs
        self.has_champion_test = self.problem.has_champion_test

    def develop(self, cppns: BatchedPolicy) -> BatchedPolicy:
        """The substrate networks of the CPPNs (one batched query of all of them; ES-HyperNEAT: one per quadtree
        level)."""
        if self.substrate.config.es is not None:
            from topoevo.hyperneat.es_hyperneat import es_networks

            return es_networks(cppns, self.substrate)
        from topoevo.hyperneat.network import SubstratePopulation  # (torch: imported when first evaluated)

        return SubstratePopulation.from_cppns(cppns, self.substrate)

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        return self.problem.evaluate(self.develop(policy), seeds)

    def champion_solved(self, policy: BatchedPolicy, fitness: float | None = None) -> bool:
        return self.problem.champion_solved(self.develop(policy), fitness)

    @property
    def champion_test(self) -> dict[str, Any] | None:  # type: ignore[override]
        return self.problem.champion_test

    def close(self) -> None:
        self.problem.close()


@dataclass
class HyperNEATVisualDiscriminationParams(VisualDiscriminationParams, SubstrateParams):
    """``[task]`` keys of visual discrimination by HyperNEAT: the problem's keys and the substrate."""


class HyperNEATVisualDiscriminationTask(HyperNEATTask):
    """Visual discrimination (Gauci & Stanley 2007) by HyperNEAT."""

    problem_class = VisualDiscriminationTask


@dataclass
class HyperNEATRetinaParams(RetinaParams, SubstrateParams):
    """``[task]`` keys of the retina problem by HyperNEAT: the problem's keys and the substrate."""


class HyperNEATRetinaTask(HyperNEATTask):
    """The retina problem by HyperNEAT."""

    problem_class = RetinaTask
