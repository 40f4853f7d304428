"""The typed sections of weight evolution for a fixed network: ``[model]`` (the network), ``[ga]`` (deep GA, Such et
al. 2017) and ``[es]`` (OpenAI-ES, Salimans et al. 2017).

The network's input and output sizes come from the task (through ``[genome] num_inputs / num_outputs``, which the
run loop fills). The fitness criterion and threshold are the run's (``[run] fitness_criterion``,
``fitness_threshold``); the NEAT sections are valid but unused by these algorithms.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from topoevo.config.schema import Section, param


class ModelKind(str, Enum):
    """``mlp``: dense layers (``hidden = []``: a single-layer net, inputs straight to outputs); ``cnn``: conv +
    max-pool blocks on an image, then dense layers; ``rnn``: one recurrent tanh layer (Elman: its units see the
    inputs and their own previous values), then a dense output layer; ``frnn``: fully recurrent, the output units
    among the recurrent ones (every unit sees the inputs, a bias and all units' previous values).

    >>> ModelKind("cnn") is ModelKind.CNN
    True
    """

    MLP = "mlp"
    CNN = "cnn"
    RNN = "rnn"
    FRNN = "frnn"


class Activation(str, Enum):
    """Activation of a layer (weight search) or block (architecture search); ``identity`` is none.

    >>> Activation("relu").value, len(Activation)
    ('relu', 6)
    """

    IDENTITY = "identity"
    TANH = "tanh"
    RELU = "relu"
    SIGMOID = "sigmoid"
    ELU = "elu"
    GELU = "gelu"


class Crossover(str, Enum):
    """How a GA child mixes two parents' parameter vectors.

    ``none``: mutation only (Such et al. 2017); ``uniform``: each parameter from either parent (a uniform mask drawn
    for every tensor); ``tensor``: each whole tensor (a layer's weight or bias) from either parent; ``one_point``:
    the flat vector cut at one random point, the head from one parent and the tail from the other.

    >>> [c.value for c in Crossover]
    ['none', 'uniform', 'tensor', 'one_point']
    """

    NONE = "none"
    UNIFORM = "uniform"
    TENSOR = "tensor"
    ONE_POINT = "one_point"


class FitnessShaping(str, Enum):
    """How OpenAI-ES turns fitness into gradient weights: ``centered_ranks`` (ranks mapped to [-0.5, 0.5], as in
    Salimans et al. 2017) or ``z_score`` (fitness minus its mean, divided by its standard deviation).

    >>> FitnessShaping("z_score") is FitnessShaping.Z_SCORE
    True
    """

    CENTERED_RANKS = "centered_ranks"
    Z_SCORE = "z_score"


def conv_size(size: int, kernel: int, stride: int) -> int:
    """Output size of a conv padded by kernel // 2 (odd kernel).

    >>> conv_size(8, 3, 1), conv_size(8, 3, 2), conv_size(7, 3, 2)
    (8, 4, 4)
    """
    return (size + 2 * (kernel // 2) - kernel) // stride + 1


@dataclass
class ModelConfig(Section):
    """``[model]``: the fixed network whose weights evolve.

    >>> ModelConfig().hidden, ModelConfig().activation.value
    ([16, 16], 'tanh')
    """

    SECTION = "model"

    kind: ModelKind = param(ModelKind.MLP, "'mlp' (dense layers), 'cnn' (conv blocks, then dense layers), 'rnn' "
                                           "(one recurrent tanh layer, then the output layer) or 'frnn' (fully "
                                           "recurrent: hidden and output units in one recurrent layer, each seeing "
                                           "the inputs, a bias and every unit's previous value).")
    hidden: list[int] = param([16, 16], "Sizes of the hidden dense layers (for 'cnn': after the conv blocks; for "
                                        "'rnn' and 'frnn': one size, the recurrent hidden units); 'mlp': [] = no "
                                        "hidden layer.",
                              ge=1, empty_ok=True)
    activation: Activation = param(Activation.TANH, "Activation of hidden layers: 'identity', 'tanh', 'relu', "
                                                    "'sigmoid', 'elu' or 'gelu'.")
    output_activation: Activation = param(Activation.IDENTITY, "Activation of the output layer (logits for a "
                                                               "classifier or a Discrete action: 'identity').")
    conv_channels: list[int] = param([8, 16], "'cnn': output channels of each conv block (conv, activation, "
                                              "max-pool).", ge=1)
    kernel_size: int = param(3, "'cnn': odd square kernel size, padded by kernel_size // 2.", ge=1)
    stride: int = param(1, "'cnn': stride of each conv (2 halves the image size at a quarter of the cost of "
                           "pooling).", ge=1)
    pool: int = param(2, "'cnn': max-pool window and stride after each conv; 1 = no pooling.", ge=1)
    image_shape: list[int] = param([1, 8, 8], "'cnn': [channels, height, width] of an input; their product must "
                                              "equal the task's number of inputs.", ge=1)
    init_scale: float = param(1.0, "Initial weights ~ N(0, (init_scale^2) / fan_in); biases start at 0.", gt=0)

    def check(self) -> tuple[str, str] | None:
        if self.kernel_size % 2 == 0:
            return "kernel_size", f"expected an odd kernel size, got {self.kernel_size}"
        if len(self.image_shape) != 3:
            return "image_shape", f"expected [channels, height, width], got {self.image_shape}"
        if self.kind is ModelKind.CNN:
            _, h, w = self.image_shape
            for _ in self.conv_channels:
                h, w = conv_size(h, self.kernel_size, self.stride) // self.pool, \
                    conv_size(w, self.kernel_size, self.stride) // self.pool
            if h < 1 or w < 1:
                return "pool", (f"{len(self.conv_channels)} conv blocks (stride {self.stride}, max-pool {self.pool}) "
                                f"shrink an image of {self.image_shape[1]}x{self.image_shape[2]} to nothing")
        return None


@dataclass
class GAConfig(Section):
    """``[ga]``: the deep GA of Such et al. (2017): truncation selection, elitism, Gaussian mutation, optional
    crossover; algorithm ``ga`` (generational) or ``steady_state_ga``.

    >>> GAConfig().truncation, GAConfig().elitism
    (20, 1)
    """

    SECTION = "ga"

    pop_size: int = param(100, "Parameter vectors per generation (steady state: the population kept).", ge=2)
    truncation: int = param(20, "Parents are drawn uniformly from the best this many.", ge=1)
    elitism: int = param(1, "The best this many are copied unchanged into the next generation (and evaluated "
                            "again there, so a lucky evaluation does not stay forever).", ge=0)
    mutation_power: float = param(0.05, "sigma: standard deviation of the Gaussian noise added to every "
                                        "parameter of a child.", gt=0)
    crossover: Crossover = param(Crossover.NONE, "'none', 'uniform', 'tensor' or 'one_point'.")
    crossover_rate: float = param(0.5, "Probability that a child is made by crossover of two parents (then "
                                       "mutated); otherwise by mutating one parent.", ge=0, le=1)
    offspring: int = param(10, "'steady_state_ga': children made and evaluated per step; each step the best "
                               "pop_size of population + children survive.", ge=1)

    def check(self) -> tuple[str, str] | None:
        if self.truncation > self.pop_size:
            return "truncation", f"expected at most pop_size ({self.pop_size}), got {self.truncation}"
        if self.elitism >= self.pop_size:
            return "elitism", f"expected fewer than pop_size ({self.pop_size}), got {self.elitism}"
        return None


@dataclass
class ESConfig(Section):
    """``[es]``: OpenAI-ES (Salimans et al. 2017): antithetic Gaussian perturbations of one parameter vector,
    centered-rank fitness shaping, Adam with weight decay.

    >>> ESConfig().pop_size, ESConfig().antithetic
    (50, True)
    """

    SECTION = "es"

    pop_size: int = param(50, "Perturbed parameter vectors per generation (even when antithetic: pairs "
                              "+eps / -eps).", ge=2)
    sigma: float = param(0.05, "Standard deviation of the perturbations.", gt=0)
    learning_rate: float = param(0.01, "Adam step size.", gt=0)
    beta1: float = param(0.9, "Adam: decay of the first-moment estimate.", ge=0, le=1)
    beta2: float = param(0.999, "Adam: decay of the second-moment estimate.", ge=0, le=1)
    epsilon: float = param(1e-8, "Adam: added to the root of the second moment.", gt=0)
    weight_decay: float = param(0.005, "L2 coefficient: the ascent direction is gradient - weight_decay * theta.",
                                ge=0)
    antithetic: bool = param(True, "Mirrored sampling: evaluate theta + sigma*eps and theta - sigma*eps.")
    fitness_shaping: FitnessShaping = param(FitnessShaping.CENTERED_RANKS, "'centered_ranks' or 'z_score'.")
    evaluate_center: bool = param(True, "Also evaluate the unperturbed theta each generation (one more "
                                        "evaluation; not used in the gradient) so it can be the champion.")

    def check(self) -> tuple[str, str] | None:
        if self.antithetic and self.pop_size % 2:
            return "pop_size", f"expected an even number with antithetic = true, got {self.pop_size}"
        for key in ("beta1", "beta2"):
            if getattr(self, key) >= 1.0:
                return key, f"expected a value < 1, got {getattr(self, key)}"
        return None


class CenterInit(str, Enum):
    """Where a distribution algorithm's mean starts: ``zeros`` or ``random`` (one draw of the ``[model]``
    initialisation, ``init_scale``).

    >>> CenterInit("zeros") is CenterInit.ZEROS
    True
    """

    ZEROS = "zeros"
    RANDOM = "random"


class RestartScheme(str, Enum):
    """What a distribution algorithm does when one of its stopping rules fires: ``none`` (keep going) or ``ipop``
    (Auger & Hansen 2005: start again from ``center_init`` with ``sigma`` and a population multiplied by
    ``restart_pop_factor``).

    >>> RestartScheme("ipop") is RestartScheme.IPOP
    True
    """

    NONE = "none"
    IPOP = "ipop"


@dataclass
class DistributionConfig(Section):
    """``[distribution]``: the search-distribution family on a fixed network, through EvoTorch: CMA-ES (algorithm
    ``cmaes``, Hansen & Ostermeier 2001), separable CMA-ES (``sep_cmaes``, Ros & Hansen 2008), PGPE (``pgpe``,
    Sehnke et al. 2010, with ClipUp) and SNES (``snes``, Schaul et al. 2011).

    >>> DistributionConfig().sigma, DistributionConfig().pop_size
    (0.5, 0)
    """

    SECTION = "distribution"

    pop_size: int = param(0, "Candidates per generation; 0 = the algorithm's default, 4 + floor(3 ln D) for D "
                             "parameters (PGPE: rounded up to an even number).", ge=0)
    sigma: float = param(0.5, "Initial standard deviation of the search distribution (CMA-ES: step size).", gt=0)
    center_init: CenterInit = param(CenterInit.ZEROS, "Start of the mean: 'zeros' or 'random' (the [model] "
                                                      "initialisation).")
    max_memory_mb: float = param(1024.0, "'cmaes': the largest memory its D x D matrices may take (3 of them, "
                                         "float64); a larger network is an error (use 'sep_cmaes', 'snes' or "
                                         "'pgpe').", gt=0)
    center_learning_rate: float = param(0.1, "'pgpe': ClipUp step size of the mean (its maximum speed is twice "
                                             "this).", gt=0)
    stdev_learning_rate: float = param(0.0, "'pgpe' and 'snes': learning rate of the standard deviations; 0 = "
                                            "default (PGPE 0.1; SNES (3 + ln D) / (5 sqrt D)).", ge=0)
    restarts: RestartScheme = param(RestartScheme.NONE, "'none' or 'ipop': restart with a larger population when "
                                                        "a stopping rule (tol_fun, tol_x, restart_generations) "
                                                        "fires (IPOP, Auger & Hansen 2005).")
    max_restarts: int = param(9, "'ipop': the most restarts per run; after the last one the search keeps going.",
                              ge=0)
    restart_pop_factor: float = param(2.0, "'ipop': population multiplier at each restart.", ge=1)
    tol_fun: float = param(1e-12, "Stopping rule: the best fitness of the last 10 + ceil(30 D / P) generations and "
                                  "all of the current generation's lie within this range (Hansen's TolFun).", ge=0)
    tol_x: float = param(1e-12, "Stopping rule: the largest standard deviation of the search distribution below "
                                "tol_x * sigma (Hansen's TolX, relative to the initial step size).", ge=0)
    restart_generations: int = param(0, "Stopping rule: this many generations since the last (re)start; 0 = no "
                                        "limit.", ge=0)
