"""The ``[hybrid]`` section: regularized (aging) evolution over NEAT genomes whose weights backprop trains (algorithms
``neat_rea`` and ``neat_switch``), and when a NEAT run switches into it. No torch here."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from topoevo.config.schema import Section, param


class MutationKind(str, Enum):
    """The one mutation a child of the hybrid mode gets (drawn uniformly from ``hybrid.mutations``).

    >>> MutationKind("add_node").structural, MutationKind.WEIGHTS.structural
    (True, False)
    """

    ADD_NODE = "add_node"  # split an enabled connection
    ADD_CONNECTION = "add_connection"  # link two nodes (or re-enable a disabled link)
    DELETE_NODE = "delete_node"  # remove a hidden node with its connections
    DELETE_CONNECTION = "delete_connection"  # remove a connection gene
    WEIGHTS = "weights"  # perturb / replace the weights as [mutation] says
    ACTIVATION = "activation"  # one hidden node gets another activation from genome.activation_options
    IDENTITY = "identity"  # an unchanged copy (further training only)

    @property
    def structural(self) -> bool:
        """The kinds that grow the network (what ``function_preserving`` makes exact)."""
        return self in (MutationKind.ADD_NODE, MutationKind.ADD_CONNECTION)


class SwitchWhen(str, Enum):
    """``never`` (only ``switch_at``) or ``stagnation``: switch once the NEAT run's best fitness has not improved for
    ``switch_patience`` generations.

    >>> SwitchWhen("stagnation").value
    'stagnation'
    """

    NEVER = "never"
    STAGNATION = "stagnation"


@dataclass
class HybridConfig(Section):
    """``[hybrid]``: regularized evolution (Real et al. 2019) over NEAT genomes, each child trained by the task
    (``supervised_backprop``), and the switch of a NEAT run into it (``run.algorithm = 'neat_switch'``).

    >>> HybridConfig().population, HybridConfig().lamarckian, HybridConfig().check()
    (20, True, None)
    >>> HybridConfig(sample_size=30).population
    Traceback (most recent call last):
    ...
    topoevo.errors.ConfigError: hybrid.sample_size: expected at most population (20), got 30
    """

    SECTION = "hybrid"

    population: int = param(20, "P: trained genomes in the aging queue (algorithm neat_rea: generation 0 trains P "
                                "initial genomes; neat_switch: the best P of the NEAT population seed it).", ge=2)
    sample_size: int = param(5, "S: genomes sampled from the queue (with replacement) per tournament; the best of "
                                "the sample is the parent.", ge=1)
    batch: int = param(10, "B: children asked (and trained together) per generation; the B oldest leave.", ge=1)
    lamarckian: bool = param(True, "A child starts from its parent's trained weights and biases for every gene it "
                                   "shares (keyed by innovation number and node id); false = every weight and bias "
                                   "of a child is drawn anew (training from scratch).")
    function_preserving: bool = param(False, "Structural mutations keep the parent's function: a new connection "
                                             "starts at weight 0; a split node starts with the identity activation, "
                                             "bias 0, response 1, incoming weight 1 and outgoing weight = the split "
                                             "weight.")
    crossover_rate: float = param(0.0, "Probability that a child is the crossover (genes aligned by innovation) of "
                                       "two tournament winners before its mutation.", ge=0, le=1)
    mutations: list[MutationKind] = param([MutationKind.ADD_NODE, MutationKind.ADD_CONNECTION,
                                           MutationKind.DELETE_CONNECTION, MutationKind.WEIGHTS,
                                           MutationKind.ACTIVATION],
                                          "The kinds a child's one mutation is drawn from (uniformly).")
    switch_at: int = param(0, "neat_switch: the first generation of regularized evolution (generations before it "
                              "are NEAT); 0 = only switch_when decides.", ge=0)
    switch_when: SwitchWhen = param(SwitchWhen.NEVER, "neat_switch: 'stagnation' also switches once NEAT's best "
                                                      "fitness has not improved for switch_patience generations.")
    switch_patience: int = param(5, "Generations without a new best fitness before switch_when = 'stagnation' "
                                    "switches.", ge=1)

    def check(self) -> tuple[str, str] | None:
        if self.sample_size > self.population:
            return "sample_size", f"expected at most population ({self.population}), got {self.sample_size}"
        return None
