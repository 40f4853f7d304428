"""The typed sections of a task file. Defaults follow Stanley & Miikkulainen (2002).

Each dataclass is one TOML table (``[genome]``, ``[mutation]``, ...). Field docs feed the generated config
reference, so they are user-facing.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from typing import Any

from topoevo.config.schema import Section, param
from topoevo.dynamics.attributes import ALL_ATTRIBUTES, NODE_ATTRIBUTES


def _activations() -> list[str]:
    from topoevo.genome.activations import ACTIVATIONS  # lazy: the genome package imports this module

    return list(ACTIVATIONS)


def _aggregations() -> list[str]:
    from topoevo.genome.activations import AGGREGATIONS

    return list(AGGREGATIONS)


def _algorithms() -> list[str]:
    from topoevo.algorithm import algorithm_names  # lazy: the registry names, nothing else of the algorithms

    return algorithm_names()


#: ``[neat]`` keys that moved to ``[run]`` (still read, with a deprecation line)
MOVED_TO_RUN = ("fitness_criterion", "fitness_threshold")


class Network(str, Enum):
    """Feed-forward genomes stay acyclic; recurrent ones may contain cycles (one synchronous tick per step); 'ctrnn'
    and 'iznn' genomes are recurrent ones whose nodes also carry and evolve the parameters of a dynamical model
    (:mod:`topoevo.dynamics`).

    >>> Network("recurrent") is Network.RECURRENT, Network.FEEDFORWARD.value
    (True, 'feedforward')
    """

    FEEDFORWARD = "feedforward"
    RECURRENT = "recurrent"
    CTRNN = "ctrnn"  # recurrent genomes run as continuous-time networks (a time constant per node, Euler steps)
    IZNN = "iznn"  # recurrent genomes run as Izhikevich spiking neurons (a, b, c, d per node)


class InitialConnectivity(str, Enum):
    """How the initial genomes' inputs (and bias) are connected to their outputs (``genome.initial_connectivity``).

    With initial hidden nodes (``genome.num_hidden``) ``full`` and ``partial`` link the inputs to the hidden layer and
    it to the outputs; the ``*_direct`` modes also link the inputs to the outputs (neat-python's ``full_direct``,
    ``partial_direct``). ``fs_neat`` links one random input to every output (neat-python's ``fs_neat_nohidden``),
    ``fs_neat_hidden`` to every hidden and output node. Hidden nodes left without an incoming or an outgoing link
    are not kept (the network computes the same).

    >>> [c.value for c in InitialConnectivity]
    ['none', 'full', 'partial', 'one_input', 'full_direct', 'partial_direct', 'fs_neat', 'fs_neat_hidden']
    """

    NONE = "none"  # no connections: outputs only see their bias
    FULL = "full"  # every input (and the bias node) to every output
    PARTIAL = "partial"  # each of those links with probability `connection_probability`
    ONE_INPUT = "one_input"  # each output gets one randomly chosen input (FS-NEAT style)
    FULL_DIRECT = "full_direct"  # full, plus input -> output links when there are hidden nodes
    PARTIAL_DIRECT = "partial_direct"  # partial over full_direct's links
    FS_NEAT = "fs_neat"  # one random input to every output
    FS_NEAT_HIDDEN = "fs_neat_hidden"  # one random input to every hidden and output node

    @property
    def is_partial(self) -> bool:
        return self in (InitialConnectivity.PARTIAL, InitialConnectivity.PARTIAL_DIRECT)


#: how new float gene values are drawn (``genome.*_init_type``)
INIT_TYPES = ("gaussian", "uniform")

_NODE_ATTR_DOCS = {
    "init_mean": "'{m}' networks: mean of a new node's {n}.",
    "init_stdev": "'{m}' networks: standard deviation of a new node's {n} (0: the mean).",
    "init_type": "'{m}' networks: distribution of new {n} values (as weight_init_type).",
    "replace_rate": "'{m}' networks: per node, probability that {n} is replaced by a new value (when not "
                    "perturbed).",
    "mutate_rate": "'{m}' networks: per node, probability of a Gaussian perturbation of {n}.",
    "mutate_power": "'{m}' networks: standard deviation of a perturbation of {n}.",
    "min_value": "'{m}' networks: lowest {n}.",
    "max_value": "'{m}' networks: highest {n}.",
}
_NODE_ATTR_MEANING = {"time_constant": "time constant", "a": "Izhikevich a (recovery time scale)",
                      "b": "Izhikevich b (recovery sensitivity)", "c": "Izhikevich c (reset potential, mV)",
                      "d": "Izhikevich d (recovery reset)"}


def _node_attr(name: str, key: str) -> Any:
    """The ``[genome]`` setting ``<name>_<key>`` of a dynamical node attribute (defaults: its declaration in
    topoevo/dynamics/attributes.py; names: neat-python's)."""
    model = next(m for m, attrs in NODE_ATTRIBUTES.items() if any(a.name == name for a in attrs))
    doc = _NODE_ATTR_DOCS[key].format(m=model, n=_NODE_ATTR_MEANING[name])
    bounds: dict[str, Any] = {}
    if key in ("init_stdev", "mutate_power"):
        bounds = {"ge": 0}
    elif key in ("replace_rate", "mutate_rate"):
        bounds = {"ge": 0, "le": 1}
    elif key == "init_type":
        bounds = {"choices": INIT_TYPES}
    return param(ALL_ATTRIBUTES[name].defaults()[key], doc, **bounds)


class FitnessCriterion(str, Enum):
    """Whether higher (``max``) or lower (``min``) fitness is better.

    >>> FitnessCriterion("min") is FitnessCriterion.MIN
    True
    """

    MAX = "max"
    MIN = "min"


class OnEvaluationError(str, Enum):
    """What the run does with a candidate whose evaluation raised or gave NaN or infinite fitness.

    >>> [e.value for e in OnEvaluationError]
    ['stop', 'worst']
    """

    STOP = "stop"  # stop the run with an error naming the genome and the task
    WORST = "worst"  # give it the generation's worst finite fitness minus max(1, spread) and log a warning


@dataclass
class GenomeConfig(Section):
    """Shape of the networks and the ranges of their genes.

    >>> GenomeConfig(num_inputs=2, num_outputs=1).activation
    'sigmoid'
    """

    SECTION = "genome"

    num_inputs: int = param(0, "Number of input nodes; 0 = taken from the task.", ge=0)
    num_outputs: int = param(0, "Number of output nodes; 0 = taken from the task.", ge=0)
    bias_node: bool = param(True, "Add a constant 1.0 bias input node, as in the NEAT paper.")
    network: Network = param(Network.FEEDFORWARD, "'feedforward' (acyclic), 'recurrent', or recurrent genomes run "
                                                  "as continuous-time ('ctrnn': a time constant per node) or "
                                                  "Izhikevich spiking networks ('iznn': a, b, c, d per node), those "
                                                  "parameters evolved (the time_constant_* / a_* ... settings).")
    allow_self_loops: bool = param(True, "Recurrent networks only: may add-connection make a node feed itself.")
    initial_connectivity: InitialConnectivity = param(InitialConnectivity.FULL, "Connections of the initial genomes.")
    connection_probability: float = param(0.5, "Link probability for initial_connectivity = 'partial' or "
                                               "'partial_direct'.", ge=0, le=1)
    partial_exact: bool = param(False, "'partial*': link exactly round(connection_probability x candidates) "
                                       "randomly chosen candidate links (neat-python) instead of each with the "
                                       "probability.")
    initial_self_loops: bool = param(False, "Recurrent networks: the 'full*'/'partial*' modes also give every "
                                            "output and hidden node a self-loop (neat-python).")
    num_hidden: int = param(0, "Hidden nodes of the initial genomes, as one layer: initial_connectivity then links "
                               "the inputs (and bias) to them and them (and the bias) to the outputs, instead of "
                               "the inputs to the outputs. 0 = NEAT's minimal start.", ge=0)
    hidden_layers: int = param(1, "Layers of num_hidden nodes each in the initial genomes, each layer linked "
                                  "to the next (the bias to every layer) under initial_connectivity, the last to the "
                                  "outputs.", ge=1)
    enabled_default: str = param("true", "Enabled flag of new connection genes (initial and added): 'true', "
                                         "'false' or 'random' (each 50%).", choices=("true", "false", "random"))
    activation: str = param("sigmoid", "Activation of new nodes ('sigmoid' is NEAT's steepened 1/(1+e^-4.9x)); "
                                       "'random': each new node draws one from activation_options.",
                            choices=lambda: ["random"] + _activations())
    activation_options: list[str] = param(["sigmoid"], "Activations a mutation may switch a node to.",
                                          choices=_activations)
    output_activation: str = param("", "Activation of output nodes; '' = same as `activation`.",
                                   choices=lambda: [""] + _activations())
    aggregation: str = param("sum", "Aggregation of new nodes; 'random': drawn from aggregation_options.",
                             choices=lambda: ["random"] + _aggregations())
    aggregation_options: list[str] = param(["sum"], "Aggregations a mutation may switch a node to.",
                                           choices=_aggregations)
    weight_init_mean: float = param(0.0, "Mean of new connection weights.")
    weight_init_stdev: float = param(1.0, "Standard deviation of new connection weights.", ge=0)
    weight_init_type: str = param("gaussian", "Distribution of new weights: 'gaussian' (clamped to the range) or "
                                              "'uniform' on [mean - 2 stdev, mean + 2 stdev] within the range "
                                              "(neat-python).", choices=INIT_TYPES)
    weight_min: float = param(-30.0, "Lowest connection weight.")
    weight_max: float = param(30.0, "Highest connection weight.")
    bias_init_mean: float = param(0.0, "Mean of new node biases.")
    bias_init_stdev: float = param(0.0, "Standard deviation of new node biases.", ge=0)
    bias_init_type: str = param("gaussian", "Distribution of new biases (as weight_init_type).", choices=INIT_TYPES)
    bias_min: float = param(-30.0, "Lowest node bias.")
    bias_max: float = param(30.0, "Highest node bias.")
    response_init: float = param(1.0, "Initial node response (multiplier of the aggregated input); the mean when "
                                      "response_init_stdev > 0.")
    response_init_stdev: float = param(0.0, "Standard deviation of new node responses.", ge=0)
    response_init_type: str = param("gaussian", "Distribution of new responses (as weight_init_type).",
                                    choices=INIT_TYPES)
    response_min: float = param(-30.0, "Lowest node response.")
    response_max: float = param(30.0, "Highest node response.")
    dt: float = param(0.1, "'ctrnn' and 'iznn' networks: the Euler step (CTRNN: in the unit of the time constants; "
                           "Izhikevich: milliseconds).", gt=0)
    steps_per_observation: int = param(1, "'ctrnn' and 'iznn' networks: steps of dt per observation (the "
                                          "observation held).", ge=1)
    readout: str = param("last", "'ctrnn' and 'iznn' networks: the outputs a task sees: the 'last' step's values, "
                                 "or their 'mean' over the steps of an observation (Izhikevich: the firing rate).",
                         choices=("last", "mean"))
    time_constant_init_mean: float = _node_attr("time_constant", "init_mean")
    time_constant_init_stdev: float = _node_attr("time_constant", "init_stdev")
    time_constant_init_type: str = _node_attr("time_constant", "init_type")
    time_constant_replace_rate: float = _node_attr("time_constant", "replace_rate")
    time_constant_mutate_rate: float = _node_attr("time_constant", "mutate_rate")
    time_constant_mutate_power: float = _node_attr("time_constant", "mutate_power")
    time_constant_min_value: float = _node_attr("time_constant", "min_value")
    time_constant_max_value: float = _node_attr("time_constant", "max_value")
    a_init_mean: float = _node_attr("a", "init_mean")
    a_init_stdev: float = _node_attr("a", "init_stdev")
    a_init_type: str = _node_attr("a", "init_type")
    a_replace_rate: float = _node_attr("a", "replace_rate")
    a_mutate_rate: float = _node_attr("a", "mutate_rate")
    a_mutate_power: float = _node_attr("a", "mutate_power")
    a_min_value: float = _node_attr("a", "min_value")
    a_max_value: float = _node_attr("a", "max_value")
    b_init_mean: float = _node_attr("b", "init_mean")
    b_init_stdev: float = _node_attr("b", "init_stdev")
    b_init_type: str = _node_attr("b", "init_type")
    b_replace_rate: float = _node_attr("b", "replace_rate")
    b_mutate_rate: float = _node_attr("b", "mutate_rate")
    b_mutate_power: float = _node_attr("b", "mutate_power")
    b_min_value: float = _node_attr("b", "min_value")
    b_max_value: float = _node_attr("b", "max_value")
    c_init_mean: float = _node_attr("c", "init_mean")
    c_init_stdev: float = _node_attr("c", "init_stdev")
    c_init_type: str = _node_attr("c", "init_type")
    c_replace_rate: float = _node_attr("c", "replace_rate")
    c_mutate_rate: float = _node_attr("c", "mutate_rate")
    c_mutate_power: float = _node_attr("c", "mutate_power")
    c_min_value: float = _node_attr("c", "min_value")
    c_max_value: float = _node_attr("c", "max_value")
    d_init_mean: float = _node_attr("d", "init_mean")
    d_init_stdev: float = _node_attr("d", "init_stdev")
    d_init_type: str = _node_attr("d", "init_type")
    d_replace_rate: float = _node_attr("d", "replace_rate")
    d_mutate_rate: float = _node_attr("d", "mutate_rate")
    d_mutate_power: float = _node_attr("d", "mutate_power")
    d_min_value: float = _node_attr("d", "min_value")
    d_max_value: float = _node_attr("d", "max_value")

    def check(self) -> tuple[str, str] | None:
        for lo, hi in (("weight_min", "weight_max"), ("bias_min", "bias_max"), ("response_min", "response_max")):
            if getattr(self, lo) > getattr(self, hi):
                return hi, f"expected {hi} >= {lo} ({getattr(self, lo)}), got {getattr(self, hi)}"
        for name in ALL_ATTRIBUTES:
            lo, hi = f"{name}_min_value", f"{name}_max_value"
            if getattr(self, lo) > getattr(self, hi):
                return hi, f"expected {hi} >= {lo} ({getattr(self, lo)}), got {getattr(self, hi)}"
        if not self.response_min <= self.response_init <= self.response_max:
            return "response_init", "expected a value within [response_min, response_max]"
        if self.hidden_layers > 1 and not self.num_hidden:
            return "hidden_layers", f"expected num_hidden > 0 for {self.hidden_layers} hidden layers, got 0"
        if self.hidden_layers > 1 and self.initial_connectivity in (InitialConnectivity.FS_NEAT,
                                                                    InitialConnectivity.FS_NEAT_HIDDEN):
            return "hidden_layers", "expected a full or partial initial_connectivity for several hidden layers"
        return None

    @property
    def feed_forward(self) -> bool:
        return self.network is Network.FEEDFORWARD

    @property
    def node_model(self) -> str | None:
        """The dynamical model whose node attributes the genomes evolve ('ctrnn', 'iznn'), or None."""
        network = self.network  # (read once per mutated genome on the reference path: kept cheap, no Enum.value)
        return network._value_ if network in _DYNAMICAL_NETWORKS else None


#: the network types whose nodes carry a dynamical model's attributes (the models of NODE_ATTRIBUTES)
_DYNAMICAL_NETWORKS = tuple(Network(model) for model in NODE_ATTRIBUTES)


@dataclass
class MutationConfig(Section):
    """Per-child mutation probabilities and step sizes.

    >>> MutationConfig().add_node_rate
    0.03
    """

    SECTION = "mutation"

    weight_mutate_rate: float = param(0.8, "Probability that a child's weights are mutated.", ge=0, le=1)
    weight_perturb_prob: float = param(0.9, "Per weight, when mutated: perturb (else replace).", ge=0, le=1)
    weight_mutate_power: float = param(0.5, "Standard deviation of a weight perturbation.", ge=0)
    bias_mutate_rate: float = param(0.0, "Probability that a child's node biases are mutated.", ge=0, le=1)
    bias_perturb_prob: float = param(0.9, "Per bias, when mutated: perturb (else replace).", ge=0, le=1)
    bias_mutate_power: float = param(0.5, "Standard deviation of a bias perturbation.", ge=0)
    response_mutate_rate: float = param(0.0, "Probability that a child's node responses are mutated.", ge=0, le=1)
    response_perturb_prob: float = param(0.9, "Per response, when mutated: perturb (else replace).", ge=0, le=1)
    response_mutate_power: float = param(0.1, "Standard deviation of a response perturbation.", ge=0)
    add_node_rate: float = param(0.03, "Probability of splitting a connection with a new node.", ge=0, le=1)
    add_connection_rate: float = param(0.05, "Probability of adding a connection.", ge=0, le=1)
    delete_node_rate: float = param(0.0, "Probability of deleting a hidden node (and its connections).", ge=0, le=1)
    delete_connection_rate: float = param(0.0, "Probability of deleting a connection.", ge=0, le=1)
    toggle_enable_rate: float = param(0.0, "Probability of flipping one connection's enabled flag.", ge=0, le=1)
    activation_mutate_rate: float = param(0.0, "Per node: probability of a new activation from the options.",
                                          ge=0, le=1)
    aggregation_mutate_rate: float = param(0.0, "Per node: probability of a new aggregation from the options.",
                                           ge=0, le=1)
    structural_exclusive: bool = param(True, "A child that gets add-node or add-connection gets no other mutation "
                                             "(as in the paper's code).")
    add_connection_tries: int = param(20, "Random (in, out) pairs tried before add-connection gives up.", ge=1)
    structural_draw: str = param("paper", "How structural mutations are drawn: 'paper' (add-node, else "
                                          "add-connection, then the deletions), 'independent' (add-node, "
                                          "delete-node, add-connection, delete-connection each with its own "
                                          "rate: neat-python) or 'single' (at most one of them, chosen in "
                                          "proportion to the rates: neat-python's single_structural_mutation).",
                                 choices=("paper", "independent", "single"))
    add_connection_reenable: bool = param(True, "add-connection picking an existing disabled link re-enables it "
                                                "(neat-python's structural_mutation_surer); false: nothing "
                                                "happens.")
    add_node_fallback: bool = param(False, "add-node in a genome without connections adds a connection instead "
                                           "(neat-python's structural_mutation_surer).")
    delete_connection_keeps_nodes: bool = param(False, "delete-connection disables (instead of deleting) a "
                                                       "connection whose deletion would leave a hidden node "
                                                       "dangling: neat-python keeps such nodes; the network "
                                                       "computes the same.")
    gene_mutation: str = param("per_child", "'per_child': *_mutate_rate is the probability that a child's "
                                            "weights (biases, responses) mutate, all of them then (the paper's "
                                            "code); 'per_gene': each gene mutates with that probability on its own "
                                            "(neat-python).", choices=("per_child", "per_gene"))
    enabled_mutate_rate: float = param(0.0, "Per connection: probability of redrawing its enabled flag (true or "
                                            "false, 50% each; neat-python).", ge=0, le=1)
    enabled_rate_to_true_add: float = param(0.0, "Added to enabled_mutate_rate for disabled connections.", ge=0,
                                            le=1)
    enabled_rate_to_false_add: float = param(0.0, "Added to enabled_mutate_rate for enabled connections.", ge=0,
                                             le=1)


@dataclass
class SpeciesConfig(Section):
    """Compatibility distance c1*E/N + c2*D/N + c3*W and the speciation threshold."""

    SECTION = "species"

    compatibility_threshold: float = param(3.0, "delta_t: genomes closer than this share a species.", gt=0)
    excess_coefficient: float = param(1.0, "c1: weight of excess genes.", ge=0)
    disjoint_coefficient: float = param(1.0, "c2: weight of disjoint genes.", ge=0)
    weight_coefficient: float = param(0.4, "c3: weight of the mean weight difference of matching genes.", ge=0)
    normalize_min_genes: int = param(20, "N = 1 when both genomes have fewer genes than this (as in the paper).",
                                     ge=0)
    target_species: int = param(0, "If > 0, adjust the threshold each generation toward this many species.", ge=0)
    threshold_step: float = param(0.3, "Threshold adjustment per generation when target_species > 0.", gt=0)
    threshold_min: float = param(0.3, "Lowest threshold the adjustment may reach.", gt=0)
    method: str = param("paper", "How genomes are placed in species: 'paper' (the first species, parent's first, whose "
                                 "representative is within the threshold by the distance above; the representative of "
                                 "the next generation a random member) or 'neat_python' (neat-python's: each species "
                                 "takes the genome closest to its representative as its new representative, every "
                                 "other genome joins the closest new representative within the threshold; its "
                                 "distance adds node genes and sums gene differences, see topoevo.genome.distance).",
                        choices=("paper", "neat_python"))


@dataclass
class StagnationConfig(Section):
    """When a species that stopped improving loses its right to reproduce."""

    SECTION = "stagnation"

    max_stagnation: int = param(15, "Generations without improvement before a species is removed.", ge=1)
    species_elitism: int = param(1, "The best this-many species are never removed for stagnation.", ge=0)
    species_fitness_func: str = param("max", "A species' fitness, whose improvement resets its stagnation clock: "
                                             "the 'max', 'min', 'mean' or 'median' (neat-python's: the upper "
                                             "middle value; 'median2': the mean of the two middle values) of its "
                                             "members' fitness (in better-is-higher units).",
                                      choices=("max", "min", "mean", "median", "median2"))


@dataclass
class ReproductionConfig(Section):
    """How offspring are allotted and made."""

    SECTION = "reproduction"

    survival_threshold: float = param(0.2, "Fraction of each species (best first) allowed to reproduce.", gt=0, le=1)
    elitism_threshold: int = param(5, "A species with more members than this keeps its champion unchanged.", ge=0)
    elitism: int = param(1, "How many of its best members such a species keeps unchanged (neat-python's elitism; "
                            "at most its number of offspring).", ge=0)
    survival_min: int = param(1, "A species' mating pool holds at least this many members (as it has; "
                                 "neat-python: 2).", ge=1)
    allotment: str = param("shared", "How offspring are allotted to species: 'shared' (explicit fitness sharing: "
                                     "in proportion to the species' mean fitness above the lowest) or 'neat_python' "
                                     "(neat-python 2.0's: half-way from the current size towards that share, at "
                                     "least min_species_size).", choices=("shared", "neat_python"))
    min_species_size: int = param(1, "'neat_python' allotment: the fewest offspring of a surviving species "
                                     "(at least elitism).", ge=0)
    mutate_only_prob: float = param(0.25, "Fraction of offspring made by mutation alone (no crossover).", ge=0, le=1)
    interspecies_mate_rate: float = param(0.001, "Probability that the second parent comes from another species.",
                                          ge=0, le=1)
    disable_inherit_prob: float = param(0.75, "A gene disabled in either parent is disabled in the child with "
                                              "this probability.", ge=0, le=1)
    mate_only_prob: float = param(0.2, "Fraction of crossover children left unmutated (the paper's code: 0.2).",
                                  ge=0, le=1)


@dataclass
class NEATConfig(Section):
    """Population-level settings. (``fitness_criterion`` and ``fitness_threshold`` moved to ``[run]``: they apply
    to every algorithm; written here they are still read, with a deprecation line.)"""

    SECTION = "neat"

    pop_size: int = param(150, "Genomes per generation (kept exact).", ge=2)
    reset_on_extinction: bool = param(True, "Start a fresh population if every species goes extinct.")
    array_kernels: bool = param(True, "Make offspring on arrays with the compiled kernel (same rules, its own "
                                      "random stream); false = the readable reference implementation, one genome "
                                      "object at a time (the numbers of runs made before it).")


@dataclass
class RunConfig(Section):
    """What a run does outside the algorithm: budget, seed, files."""

    SECTION = "run"

    algorithm: str = param("neat", "The algorithm: 'neat', 'ga', 'steady_state_ga', 'es', 'cmaes', 'sep_cmaes', "
                           "'pgpe', 'snes', 'erl', 'td3', 'regularized_evolution', 'random_search', 'nsga2', "
                           "'neat_nsga2', 'neat_rea' or "
                           "'neat_switch' (registered in topoevo/algorithm.py).",
                           choices=_algorithms)
    seed: int = param(0, "Seed of the run's one random generator.", ge=0, le=2**64 - 1)
    fitness_criterion: FitnessCriterion = param(FitnessCriterion.MAX, "'max' maximises fitness, 'min' minimises "
                                                                      "(every algorithm).")
    fitness_threshold: float | None = param(None, "Stop when a candidate's fitness reaches this (per the "
                                                  "criterion); unset = the task's own success test and the budget "
                                                  "stop the run.")
    threshold_on: str = param("best", "What must reach fitness_threshold: the generation's 'best' genome, its "
                                      "'worst', or its 'mean' or 'median' (upper middle value) fitness "
                                      "(neat-python's fitness_criterion max/min/mean/median).",
                              choices=("best", "worst", "mean", "median"))
    generations: int = param(100, "Stop after this many generations.", ge=1)
    max_evaluations: int = param(0, "Stop once this many genomes were evaluated; 0 = no limit.", ge=0)
    max_wall_s: float = param(0.0, "Stop after this many seconds; 0 = no limit.", ge=0)
    checkpoint_every: int = param(10, "Write a checkpoint every this many generations (and at the end); 0 = only "
                                      "at the end.", ge=0)
    out_dir: str = param("runs", "Directory that receives the run directories.")
    progress: bool = param(True, "Show a live progress bar.")
    tensorboard: bool = param(False, "Also write TensorBoard event files into the run directory's `tensorboard/` "
                                     "folder (needs the `tensorboard` extra).")
    on_evaluation_error: OnEvaluationError = param(
        OnEvaluationError.STOP, "A candidate whose evaluation raises or gives NaN/infinite fitness: 'stop' the run "
                                "with an error naming it, or give it the 'worst' fitness (the generation's worst "
                                "finite fitness minus max(1, their spread); a warning is logged).")
