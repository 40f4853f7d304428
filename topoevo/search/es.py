"""OpenAI-ES (Salimans et al. 2017) on a parameter vector, as ask/tell: antithetic Gaussian perturbations,
centered-rank fitness shaping, Adam with weight decay. Settings: ``[es]`` and ``[model]``."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from topoevo.config import Config
from topoevo.config.weights import ESConfig, FitnessShaping
from topoevo.errors import CheckpointError
from topoevo.search.base import SearchStats, WeightSearch
from topoevo.search.io import decode_array, encode_array
from topoevo.search.params import DTYPE, ParameterPopulation, init_parameters


def centered_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks of ``x`` mapped linearly onto [-0.5, 0.5] (lowest -> -0.5); equal values share their mean rank.

    >>> centered_ranks(np.array([3.0, 1.0, 2.0, 2.0])).tolist()
    [0.5, -0.5, 0.0, 0.0]
    """
    n = len(x)
    if n < 2:
        return np.zeros(n)
    order = np.argsort(x, kind="stable")
    ranks = np.empty(n)
    ranks[order] = np.arange(n, dtype=np.float64)
    _, group, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(group, weights=ranks)
    ranks = (sums / counts)[group]  # ties: mean rank of the group
    return ranks / (n - 1) - 0.5


def shape_fitness(score: np.ndarray, shaping: FitnessShaping) -> np.ndarray:
    """Gradient weights of the perturbations from their scores (higher is better)."""
    if shaping is FitnessShaping.CENTERED_RANKS:
        return centered_ranks(score)
    std = score.std()
    return (score - score.mean()) / std if std > 0 else np.zeros_like(score)


@dataclass
class Adam:
    """Adam (Kingma & Ba 2015) for gradient *ascent*, in their efficient form (bias corrections folded into the
    step size, as in Salimans et al.'s code); state in float64 (plain data for checkpoints).

    >>> opt = Adam.zeros(2)
    >>> step = opt.step(np.array([1.0, -2.0]), learning_rate=0.1, beta1=0.9, beta2=0.999, epsilon=1e-8)
    >>> np.round(step, 6).tolist()
    [0.1, -0.1]
    """

    m: np.ndarray
    v: np.ndarray
    t: int = 0

    @classmethod
    def zeros(cls, size: int) -> Adam:
        return cls(np.zeros(size), np.zeros(size), 0)

    def step(self, grad: np.ndarray, learning_rate: float, beta1: float, beta2: float, epsilon: float) -> np.ndarray:
        """The update to add to the parameters for ascent direction ``grad``."""
        self.t += 1
        self.m = beta1 * self.m + (1.0 - beta1) * grad
        self.v = beta2 * self.v + (1.0 - beta2) * grad * grad
        a = learning_rate * np.sqrt(1.0 - beta2**self.t) / (1.0 - beta1**self.t)
        return a * self.m / (np.sqrt(self.v) + epsilon)


@dataclass
class ESStats(SearchStats):
    """One OpenAI-ES generation: the fitness figures cover every evaluated candidate (the centre included)."""

    center_fitness: float | None = None
    gradient_norm: float = 0.0
    step_norm: float = 0.0
    theta_norm: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class OpenAIES(WeightSearch):
    """OpenAI-ES: candidates are theta + sigma * eps_i (and theta - sigma * eps_i when antithetic, pairs adjacent),
    preceded by theta itself when ``evaluate_center``. The gradient estimate sum_i w_i eps_i / (n sigma) uses the
    shaped fitness w of the n perturbations (antithetic: w_i = w(+eps_i) - w(-eps_i)); Adam then steps along it
    minus ``weight_decay * theta``. theta starts from :func:`~topoevo.search.params.init_parameters` and is kept in
    float64; candidates are float32.

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
    ...                         "run": {"algorithm": "es"}, "es": {"pop_size": 6}})
    >>> es = OpenAIES(cfg, seed=1)
    >>> pop = es.ask()
    >>> stats = es.tell([-float(abs(v.values).sum()) for v in pop])
    >>> len(pop), es.generation, stats.evaluations
    (7, 1, 7)
    """

    name = "es"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        super().__init__(config, seed)
        d = self.layout.size
        self.theta = np.zeros(d)
        self.adam = Adam.zeros(d)
        self.noise = np.zeros((0, d), dtype=DTYPE)
        self.noise_rng_state: dict[str, Any] = {}
        self._candidates: ParameterPopulation | None = None
        if not _restore:
            self.theta = init_parameters(self.spec, self.rng, 1, config.model.init_scale)[0].astype(np.float64)
            self._draw_noise()

    @property
    def cfg(self) -> ESConfig:
        return self.config.es

    def _draw_noise(self) -> None:
        """This generation's perturbations; the generator state before drawing them is what a checkpoint keeps."""
        self.noise_rng_state = self.rng.bit_generator.state
        n = self.cfg.pop_size // 2 if self.cfg.antithetic else self.cfg.pop_size
        self.noise = self.rng.standard_normal((n, self.layout.size), dtype=DTYPE)
        self._candidates = None

    @property
    def center(self) -> np.ndarray:
        """theta as float32 (the network the centre candidate runs)."""
        return self.theta.astype(DTYPE)

    def ask(self) -> ParameterPopulation:
        """The centre (if evaluated) then the perturbations, in a fixed order."""
        if self._candidates is None:
            cfg = self.cfg
            center = self.center
            step = (self.noise * DTYPE(cfg.sigma))
            if cfg.antithetic:
                perturbed = np.empty((2 * len(step), len(center)), dtype=DTYPE)
                perturbed[0::2] = center + step
                perturbed[1::2] = center - step
            else:
                perturbed = center + step
            rows = [center[None], perturbed] if cfg.evaluate_center else [perturbed]
            self._candidates = ParameterPopulation(self.spec, np.concatenate(rows))
        return self._candidates

    def tell(self, fitness: Sequence[float]) -> ESStats:
        """Record the fitness of ``ask()``'s candidates (same order), then move theta one Adam step."""
        cfg = self.cfg
        values = self.ask().values
        f = self._checked(fitness, len(values))
        base = self._record(values, f)
        first = 1 if cfg.evaluate_center else 0
        weights = shape_fitness(self.sign * f[first:], cfg.fitness_shaping)
        if cfg.antithetic:
            weights = weights[0::2] - weights[1::2]
        n = cfg.pop_size
        grad = (weights @ self.noise.astype(np.float64)) / (n * cfg.sigma)
        direction = grad - cfg.weight_decay * self.theta
        update = self.adam.step(direction, cfg.learning_rate, cfg.beta1, cfg.beta2, cfg.epsilon)
        self.theta = self.theta + update
        stats = ESStats(**asdict(base), center_fitness=float(f[0]) if cfg.evaluate_center else None,
                        gradient_norm=float(np.linalg.norm(grad)), step_norm=float(np.linalg.norm(update)),
                        theta_norm=float(np.linalg.norm(self.theta)))
        self.generation += 1
        self._draw_noise()
        return stats

    # ---- state ----------------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically: theta, Adam's moments, and the generator state from
        before this generation's perturbations were drawn (they are drawn again on restore)."""
        return {**self._base_state(), "rng": self.noise_rng_state, "theta": encode_array(self.theta),
                "adam": {"m": encode_array(self.adam.m), "v": encode_array(self.adam.v), "t": self.adam.t}}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> OpenAIES:
        algo = cls(config, _restore=True)
        algo._load_base_state(state, source)
        d = (algo.layout.size,)
        algo.theta = decode_array(state["theta"], "algorithm.theta", source, "float64", d)
        adam = state["adam"]
        if not isinstance(adam, dict) or set(adam) != {"m", "v", "t"}:
            raise CheckpointError("expected a table with keys m, v, t", source=source, field="algorithm.adam")
        t = adam["t"]
        if isinstance(t, bool) or not isinstance(t, int) or t < 0:
            raise CheckpointError(f"expected a non-negative integer, got {t!r}", source=source,
                                  field="algorithm.adam.t")
        algo.adam = Adam(decode_array(adam["m"], "algorithm.adam.m", source, "float64", d),
                         decode_array(adam["v"], "algorithm.adam.v", source, "float64", d), t)
        algo._draw_noise()
        return algo
