"""The ``[nas]`` section: regularized evolution / random search over architectures (population, tournament,
batch, Lamarckian inheritance) and the search space the architectures live in. No torch here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from topoevo.config.schema import Section, param
from topoevo.config.weights import Activation
from topoevo.nas.choices import Diversity, HalvingInitial, HalvingMode, HalvingQueue, Objective, ParentChoice, Reduce

if TYPE_CHECKING:
    from topoevo.nas.arch import SearchSpace


@dataclass
class NASConfig(Section):
    """``[nas]``: algorithms ``regularized_evolution`` (Real et al. 2019), ``random_search`` and ``nsga2`` (Deb et
    al. 2002: P survivors by non-dominated rank and crowding, ``batch`` children per generation).

    >>> NASConfig().population, NASConfig().sample_size, NASConfig().space().kernels
    (20, 5, (1, 3, 5, 7, 9))
    """

    SECTION = "nas"

    population: int = param(20, "P: architectures in the aging queue; the first generation is P random "
                                "architectures (random search draws the same ones).", ge=2)
    sample_size: int = param(5, "S: architectures sampled from the queue (with replacement) per tournament; the "
                                "best of the sample is the parent.", ge=1)
    batch: int = param(1, "B: children asked per generation (1 = classic regularized evolution; the number of "
                          "workers to train children in parallel). Random search asks B random architectures.", ge=1)
    identity_probability: float = param(0.05, "Probability that a child is an unchanged copy of its parent.",
                                        ge=0, le=1)
    lamarckian: bool = param(False, "A child starts from its parent's trained weights wherever the tensor shapes "
                                    "match (regularized evolution only).")
    morphism_probability: float = param(0.0, "regularized_evolution with lamarckian = true: probability that a "
                                             "child is a function-preserving morphism of its parent (Net2Net deepen "
                                             "or widen, identity-initialised new blocks) starting from the parent's "
                                             "transformed weights; other children inherit by shape.", ge=0, le=1)
    max_blocks: int = param(8, "Most feature blocks (convolutions and poolings) before the reduction.", ge=1)
    max_dense: int = param(2, "Most hidden dense (Linear) blocks after the reduction.", ge=0)
    channels: list[int] = param([8, 16, 32, 64], "Output channels a convolution may have.", ge=1)
    kernels: list[int] = param([1, 3, 5, 7, 9], "Odd kernel sizes a convolution may have (padded by k // 2).", ge=1)
    strides: list[int] = param([1, 2], "Strides a convolution may have.", ge=1)
    widths: list[int] = param([16, 32, 64, 128], "Widths a hidden dense block may have.", ge=1)
    activations: list[Activation] = param(list(Activation), "Activations a block may have.")
    reductions: list[Reduce] = param(list(Reduce), "How the feature map becomes a vector: 'flatten', 'avg' "
                                                   "(global average pooling) or 'max' (global max pooling).")
    max_parameters: int = param(100_000, "Architectures with more trainable parameters are invalid.", ge=1)
    max_macs: int = param(1_000_000, "Architectures with more multiply-accumulates per sample (forward) are "
                                     "invalid: bounds the training time of any architecture.", ge=1)
    input_shape: list[int] = param([], "[channels, length] or [channels, height, width] of an input; empty = the "
                                       "'nas' task's dataset shape.", ge=1)
    objectives: list[Objective] = param([Objective.ERROR, Objective.PARAMETERS], "nsga2: the objectives minimised, among 'error' "
                                                                 "(1 - validation accuracy), 'parameters', 'macs' and "
                                                                 "'latency' (CPU us per sample, measured).")
    latency_reference_us: float = param(1000.0, "nsga2: the latency (us per sample) at the hypervolume's reference "
                                                "point (error 1, max_parameters, max_macs are the others).", gt=0)
    nsga2_diversity: Diversity = param(Diversity.CROWDING, "nsga2: the second criterion after the non-dominated "
                                       "rank, in survivor selection and tournaments: 'crowding' (crowding distance, "
                                       "Deb et al. 2002) or 'hypervolume' (each member's exclusive hypervolume "
                                       "contribution against the reference point, as SMS-EMOA).")
    nsga2_parents: ParentChoice = param(ParentChoice.DIVERSITY, "nsga2: what decides a tournament between members "
                                        "of equal rank: 'diversity' (the nsga2_diversity criterion, Deb et al. "
                                        "2002) or 'hypervolume_gradient' (the hypervolume a more accurate child at "
                                        "the member's place would add: its front's hypervolume's derivative with "
                                        "respect to its error) or 'gradient_proportional' (no tournament: parents "
                                        "drawn in proportion to the derivative of the population's hypervolume "
                                        "with respect to their error).")
    nsga2_tournament: int = param(2, "nsga2: members drawn (with replacement) per parent tournament (2 = Deb's "
                                     "binary tournament).", ge=1)
    halving_epochs: list[int] = param([], "regularized_evolution: successive halving rungs, e.g. [1, 4]: every "
                                          "child trains the first number of epochs, the best halving_keep of each "
                                          "generation's children continue to the next (from their own weights); "
                                          "halving_queue says which enter the queue; the best-ever architecture is "
                                          "chosen among those finishing the last rung. Empty = off (the task's "
                                          "epochs).", ge=1)
    halving_keep: float = param(0.25, "regularized_evolution: fraction of a rung's children promoted to the next "
                                      "(at least one).", gt=0, le=1)
    halving_queue: HalvingQueue = param(HalvingQueue.FIRST_RUNG, "regularized_evolution with successive halving: "
                                        "'first_rung' = every new architecture enters the queue, ranked by its "
                                        "first-rung accuracy (one fidelity in the queue); 'finished' = only those "
                                        "finishing the last rung, by their final accuracy. Asynchronous: "
                                        "'first_rung' = every new architecture (ranked by the last rung it "
                                        "reached); 'finished' = only those that finished, while the last "
                                        "population new architectures (any rung) set the stopping thresholds.")
    halving_mode: HalvingMode = param(HalvingMode.SYNCHRONOUS, "regularized_evolution with successive halving: "
                                      "'synchronous' = each generation's children train the first rung on a "
                                      "schedule of their own and the best halving_keep continue on a new one; "
                                      "'asynchronous' (ASHA) = every child is set to train the last rung's epochs "
                                      "on one schedule and stops after an earlier rung's epochs unless its "
                                      "validation accuracy is among the best halving_keep of the queue members "
                                      "(halving_queue 'finished': of the last population new architectures) "
                                      "that reached that rung (those that finish are trained exactly as without "
                                      "halving; halving_queue says which enter the queue).")
    halving_initial: HalvingInitial = param(HalvingInitial.CHECKED, "asynchronous successive halving: how the "
                                            "first population (random) architectures train: 'checked' = batch at "
                                            "a time, checked as every child is (against those before them); "
                                            "'full' = all at once, the last rung's epochs with no stop (as "
                                            "regularized evolution trains them; they set the first thresholds), "
                                            "so that the queue starts as regularized evolution's.")

    def check(self) -> tuple[str, str] | None:
        if len(set(self.objectives)) != len(self.objectives):
            return "objectives", f"expected distinct objectives, got {[o.value for o in self.objectives]}"
        if self.morphism_probability and not self.lamarckian:
            return "morphism_probability", "morphisms start from the parent's trained weights: set lamarckian = true"
        if any(b <= a for a, b in zip(self.halving_epochs, self.halving_epochs[1:])):
            return "halving_epochs", f"expected increasing epochs, got {self.halving_epochs}"
        if self.halving_initial is HalvingInitial.FULL and self.halving_mode is not HalvingMode.ASYNCHRONOUS:
            return "halving_initial", "'full' is for halving_mode = 'asynchronous': expected 'checked'"
        if self.sample_size > self.population:
            return "sample_size", f"expected at most population ({self.population}), got {self.sample_size}"
        if any(k % 2 == 0 for k in self.kernels):
            return "kernels", f"expected odd kernel sizes, got {self.kernels}"
        if self.input_shape and len(self.input_shape) not in (2, 3):
            return "input_shape", f"expected [channels, length] or [channels, height, width], got {self.input_shape}"
        return None

    def space(self) -> SearchSpace:
        """The search space as a plain frozen dataclass (what the architecture functions take)."""
        from topoevo.nas.arch import SearchSpace

        return SearchSpace(max_blocks=self.max_blocks, max_dense=self.max_dense, channels=tuple(self.channels),
                           kernels=tuple(self.kernels), strides=tuple(self.strides), widths=tuple(self.widths),
                           activations=tuple(self.activations), reductions=tuple(self.reductions),
                           max_parameters=self.max_parameters, max_macs=self.max_macs,
                           identity_probability=self.identity_probability)
