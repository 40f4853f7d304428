"""Search-distribution algorithms on a fixed network's parameter vector, through EvoTorch, as ask/tell: CMA-ES,
separable CMA-ES, PGPE (with ClipUp) and SNES. Settings: ``[distribution]`` and ``[model]``.

EvoTorch (NNAISENSE) implements all four on torch tensors; we drive its pieces ourselves so that the run loop
evaluates the candidates (batched, as for the deep GA): CMA-ES through its ``CMAES`` object's update steps,
PGPE through its functional ``pgpe_ask/pgpe_tell``, SNES through its ``ExpSeparableGaussian`` distribution. Every
random draw comes from a torch generator seeded from the run's numpy generator once per generation; a checkpoint
keeps the numpy generator state from before that draw and the distribution's tensors (float64, bit-exact), so a
resumed run samples the same candidates and continues bit-identically.

Restarts (``[distribution] restarts = "ipop"``, Auger & Hansen 2005): after each update the stopping rules are checked
(TolFun on the best-fitness history and the current generation, TolX on the largest standard deviation relative to
the initial one, an optional generation limit per start); when one fires the distribution starts again from
``center_init`` and ``sigma`` with the population multiplied by ``restart_pop_factor``. EvoTorch's own ``IPOP``
restarter drives evaluation itself (its ``Problem``), so the rule is applied here, in the ask/tell loop.
"""
from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from topoevo.config import Config
from topoevo.config.weights import CenterInit, DistributionConfig, RestartScheme
from topoevo.errors import CheckpointError, ConfigError
from topoevo.search.base import SearchStats, WeightSearch
from topoevo.search.io import decode_array, encode_array
from topoevo.search.params import DTYPE, ParameterPopulation, init_parameters

if TYPE_CHECKING:  # pragma: no cover
    import torch

#: CMA-ES holds this many D x D float64 matrices (C, its square root A, and a temporary of the update)
CMA_MATRICES = 3


def default_pop_size(dimension: int) -> int:
    """4 + floor(3 ln D) (Hansen's default for CMA-ES, also SNES's).

    >>> default_pop_size(7), default_pop_size(10_000)
    (9, 31)
    """
    return 4 + int(math.floor(3 * math.log(max(dimension, 1))))


def _quiet_evotorch() -> None:
    """EvoTorch logs every Problem it makes at INFO level (and warns about its own tensor copies): keep it quiet."""
    import warnings

    import evotorch  # noqa: F401 - configures its logger on import; ours comes after

    logging.getLogger("evotorch").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="To copy construct from a tensor", module="evotorch")


class DistributionSearch(WeightSearch):
    """Base of the four algorithms: a mean (and spread) in float64, ``pop_size`` float32 candidates sampled per
    generation. Subclasses implement ``_sample(generator)``, ``_update(samples, score)`` (score: higher is better)
    and their tensor state."""

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        super().__init__(config, seed)
        _quiet_evotorch()
        self.dimension = self.layout.size
        self.pop_size = self.cfg.pop_size or default_pop_size(self.dimension)
        self.sample_rng_state: dict[str, Any] = {}
        self.samples: torch.Tensor | None = None  # float64 (P, D): this generation's candidates
        self._candidates: ParameterPopulation | None = None
        self.restarts = 0  # IPOP restarts so far
        self.start_generation = 0  # generation at which the current (re)start began
        self.best_history: list[float] = []  # best score of each generation of the current start (the last window)
        self._setup(self._start_center(random=not _restore))
        if not _restore:
            self._draw()

    def _start_center(self, random: bool = True) -> np.ndarray:
        if random and self.cfg.center_init is CenterInit.RANDOM:
            return init_parameters(self.spec, self.rng, 1, self.config.model.init_scale)[0].astype(np.float64)
        return np.zeros(self.dimension)

    @property
    def cfg(self) -> DistributionConfig:
        return self.config.distribution

    # ---- subclass interface ---------------------------------------------------------------------------------------
    def _setup(self, center: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _sample(self, generator: torch.Generator) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def _update(self, samples: torch.Tensor, score: torch.Tensor) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _tensors(self) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _load_tensors(self, arrays: dict[str, np.ndarray]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def center(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def spread(self) -> float:  # pragma: no cover - abstract
        """The largest standard deviation of the search distribution along a coordinate."""
        raise NotImplementedError

    # ---- restarts -------------------------------------------------------------------------------------------------
    def stop_reason(self, score: np.ndarray) -> str | None:
        """Which stopping rule of the current start fires after this generation's update (``score``: higher is
        better), or None; records the generation's best score."""
        cfg = self.cfg
        window = 10 + math.ceil(30 * self.dimension / self.pop_size)
        self.best_history = [*self.best_history, float(score.max())][-window:]
        if cfg.restart_generations and self.generation - self.start_generation >= cfg.restart_generations:
            return "restart_generations"
        if len(self.best_history) >= window:
            values = [*self.best_history, float(score.max()), float(score.min())]
            if max(values) - min(values) <= cfg.tol_fun:
                return "tol_fun"
        if self.spread() < cfg.tol_x * cfg.sigma:
            return "tol_x"
        return None

    def restart(self) -> None:
        """IPOP: a fresh distribution at ``center_init`` with ``sigma`` and a population ``restart_pop_factor``
        times larger."""
        self.restarts += 1
        self.pop_size = int(math.ceil(self.pop_size * self.cfg.restart_pop_factor))
        self.start_generation, self.best_history = self.generation, []
        self._setup(self._start_center())

    # ---- ask / tell -----------------------------------------------------------------------------------------------
    def _draw(self) -> None:
        """This generation's candidates; the numpy generator state before drawing is what a checkpoint keeps."""
        import torch

        self.sample_rng_state = self.rng.bit_generator.state
        generator = torch.Generator().manual_seed(int(self.rng.integers(0, 2**63 - 1)))
        self.samples = self._sample(generator)
        self._candidates = None

    def ask(self) -> ParameterPopulation:
        if self._candidates is None:
            assert self.samples is not None
            self._candidates = ParameterPopulation(self.spec, self.samples.numpy().astype(DTYPE))
        return self._candidates

    def tell(self, fitness: Sequence[float]) -> SearchStats:
        import torch

        values = self.ask().values
        f = self._checked(fitness, len(values))
        stats = self._record(values, f)
        assert self.samples is not None
        score = self.sign * f
        self._update(self.samples, torch.from_numpy(score))
        self.generation += 1
        if self.cfg.restarts is RestartScheme.IPOP and self.restarts < self.cfg.max_restarts \
                and self.stop_reason(score) is not None:
            self.restart()
        self._draw()
        return stats

    # ---- state ----------------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The generator state from before this generation's samples (drawn again on restore) and the
        distribution's tensors, bit-exact."""
        return {**self._base_state(), "rng": self.sample_rng_state,
                "restart": {"restarts": self.restarts, "pop_size": self.pop_size,
                            "start_generation": self.start_generation, "best_history": list(self.best_history)},
                "distribution": {k: encode_array(np.asarray(v, dtype=np.float64)) for k, v in self._tensors().items()}}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> DistributionSearch:
        algo = cls(config, _restore=True)
        algo._load_base_state(state, source)
        algo._load_restart_state(state.get("restart"), source)
        want = algo._tensors()
        got = state.get("distribution")
        if not isinstance(got, dict) or set(got) != set(want):
            raise CheckpointError(f"expected a table with keys {', '.join(sorted(want))}", source=source,
                                  field="algorithm.distribution")
        algo._load_tensors({k: decode_array(got[k], f"algorithm.distribution.{k}", source, "float64",
                                            np.shape(v)) for k, v in want.items()})
        algo._draw()
        return algo

    def _load_restart_state(self, got: Any, source: str | None) -> None:
        """The restart count, population size and best-fitness history; the distribution is rebuilt at that
        population size before its tensors are loaded."""
        field = "algorithm.restart"
        if not isinstance(got, dict) or set(got) != {"restarts", "pop_size", "start_generation", "best_history"}:
            raise CheckpointError("expected a table with keys best_history, pop_size, restarts, start_generation",
                                  source=source, field=field)
        for key in ("restarts", "pop_size", "start_generation"):
            if isinstance(got[key], bool) or not isinstance(got[key], int) or got[key] < (1 if key == "pop_size"
                                                                                          else 0):
                raise CheckpointError(f"expected a non-negative integer, got {got[key]!r}", source=source,
                                      field=f"{field}.{key}")
        history = got["best_history"]
        if not isinstance(history, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                    and math.isfinite(v) for v in history):
            raise CheckpointError("expected a list of finite numbers", source=source, field=f"{field}.best_history")
        self.restarts, self.start_generation = got["restarts"], got["start_generation"]
        self.best_history = [float(v) for v in history]
        if got["pop_size"] != self.pop_size:
            self.pop_size = got["pop_size"]
            self._setup(np.zeros(self.dimension))


def _t(a: np.ndarray) -> torch.Tensor:
    import torch

    return torch.from_numpy(np.array(a, dtype=np.float64))


class CMAES(DistributionSearch):
    """CMA-ES (EvoTorch's ``CMAES``: rank-mu and rank-one updates, cumulative step-size adaptation, active
    negative weights). Its D x D matrices must fit ``[distribution] max_memory_mb``.

    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
    ...                         "run": {"algorithm": "cmaes"}, "model": {"hidden": [2]}})
    >>> es = CMAES(cfg, seed=1)
    >>> pop = es.ask()
    >>> stats = es.tell([-float(abs(v.values).sum()) for v in pop])
    >>> len(pop), es.generation, stats.evaluations
    (10, 1, 10)
    """

    name = "cmaes"
    separable = False

    def _setup(self, center: np.ndarray) -> None:
        import torch
        from evotorch import Problem
        from evotorch.algorithms import CMAES as EvoCMAES

        d = self.dimension
        if not self.separable:
            need_mb = CMA_MATRICES * d * d * 8 / 2**20
            if need_mb > self.cfg.max_memory_mb:
                raise ConfigError(f"full CMA-ES on this network ({d} parameters) needs {need_mb:,.0f} MB for its "
                                  f"{d} x {d} matrices, above distribution.max_memory_mb = {self.cfg.max_memory_mb:g}; "
                                  "use algorithm 'sep_cmaes', 'snes' or 'pgpe', or a smaller [model]",
                                  source=self.config.source, field="model.hidden")
        self.problem = Problem("max", solution_length=d, initial_bounds=(-1.0, 1.0), dtype=torch.float64,
                               device="cpu", seed=0)  # (seeded only so that it owns a generator; we set its state)
        self.es = EvoCMAES(self.problem, stdev_init=self.cfg.sigma, popsize=self.pop_size,
                           center_init=torch.from_numpy(center), separable=self.separable)
        self.zs: torch.Tensor | None = None
        self.ys: torch.Tensor | None = None

    def _sample(self, generator: torch.Generator) -> torch.Tensor:
        self.problem.generator.set_state(generator.get_state())
        self.zs, self.ys, xs = self.es.sample_distribution()
        return xs

    def _update(self, samples: torch.Tensor, score: torch.Tensor) -> None:
        """EvoTorch's ``CMAES._step`` after its evaluation, with our scores (ranked best first; ties by index)."""
        import torch
        from evotorch.algorithms.cmaes import _h_sig

        es = self.es
        order = torch.from_numpy(np.argsort(-score.numpy(), kind="stable"))
        ranks = torch.empty_like(order)
        ranks[order] = torch.arange(len(order))
        weights = es.weights[ranks]
        local_m, shaped_m = es.update_m(self.zs, self.ys, weights)
        es.update_p_sigma(local_m)
        es.update_sigma()
        h_sig = _h_sig(es.p_sigma, es.c_sigma, es._steps_count)
        es.update_p_c(shaped_m, h_sig)
        es.update_C(self.zs, self.ys, weights, h_sig)
        if (es._steps_count + 1) % es.decompose_C_freq == 0:
            es.decompose_C()
        es._steps_count += 1

    def _tensors(self) -> dict[str, np.ndarray]:
        es = self.es
        return {"m": es.m.numpy(), "sigma": np.asarray(float(es.sigma)), "C": es.C.numpy(), "A": es.A.numpy(),
                "p_sigma": np.broadcast_to(np.asarray(es.p_sigma, dtype=np.float64), es.m.shape),
                "p_c": np.broadcast_to(np.asarray(es.p_c, dtype=np.float64), es.m.shape),
                "steps": np.asarray(float(es._steps_count))}

    def _load_tensors(self, a: dict[str, np.ndarray]) -> None:
        es = self.es
        es.m, es.C, es.A = _t(a["m"]), _t(a["C"]), _t(a["A"])
        es.sigma = _t(a["sigma"])
        es.p_sigma, es.p_c = _t(a["p_sigma"]), _t(a["p_c"])
        es._steps_count = int(a["steps"])

    @property
    def center(self) -> np.ndarray:
        return self.es.m.numpy().copy()

    def spread(self) -> float:
        return float(self.es.sigma) * math.sqrt(float(self.es.C.diagonal().max() if self.es.C.dim() == 2
                                                      else self.es.C.max()))


class SepCMAES(CMAES):
    """Separable CMA-ES: a diagonal covariance (memory and time linear in D).

    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
    ...                         "run": {"algorithm": "sep_cmaes"}})
    >>> SepCMAES(cfg, seed=1).es.C.shape
    torch.Size([337])
    """

    name = "sep_cmaes"
    separable = True


class PGPE(DistributionSearch):
    """PGPE (Sehnke et al. 2010) with symmetric sampling, centered ranks and the ClipUp optimizer (Toklu et al.
    2020), EvoTorch's functional ``pgpe``. ``pop_size`` is rounded up to an even number.

    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
    ...                         "run": {"algorithm": "pgpe"}, "distribution": {"pop_size": 6}})
    >>> es = PGPE(cfg, seed=1)
    >>> stats = es.tell([-float(abs(v.values).sum()) for v in es.ask()])
    >>> es.generation, stats.evaluations
    (1, 6)
    """

    name = "pgpe"

    def _setup(self, center: np.ndarray) -> None:
        import torch
        from evotorch.algorithms.functional import pgpe

        self.pop_size += self.pop_size % 2
        lr = self.cfg.center_learning_rate
        self.state = pgpe(center_init=torch.from_numpy(center), center_learning_rate=lr,
                          stdev_learning_rate=self.cfg.stdev_learning_rate or 0.1, objective_sense="max",
                          ranking_method="centered", optimizer="clipup", optimizer_config={"max_speed": 2 * lr},
                          stdev_init=self.cfg.sigma, stdev_max_change=0.2, symmetric=True)

    def _sample(self, generator: torch.Generator) -> torch.Tensor:
        import torch
        from evotorch.algorithms.functional import pgpe_ask

        with torch.random.fork_rng(devices=[]):  # pgpe_ask draws from torch's global generator
            torch.random.set_rng_state(generator.get_state())
            return pgpe_ask(self.state, popsize=self.pop_size)

    def _update(self, samples: torch.Tensor, score: torch.Tensor) -> None:
        from evotorch.algorithms.functional import pgpe_tell

        self.state = pgpe_tell(self.state, samples, score)

    def _tensors(self) -> dict[str, np.ndarray]:
        opt = self.state.optimizer_state
        return {"center": opt.center.numpy(), "velocity": opt.velocity.numpy(), "stdev": self.state.stdev.numpy()}

    def _load_tensors(self, a: dict[str, np.ndarray]) -> None:
        opt = self.state.optimizer_state._replace(center=_t(a["center"]), velocity=_t(a["velocity"]))
        self.state = self.state._replace(optimizer_state=opt, stdev=_t(a["stdev"]))

    @property
    def center(self) -> np.ndarray:
        return self.state.optimizer_state.center.numpy().copy()

    def spread(self) -> float:
        return float(self.state.stdev.max())


class SNES(DistributionSearch):
    """SNES (Schaul et al. 2011): a separable Gaussian with exponential updates of its standard deviations and
    NES utilities, EvoTorch's ``ExpSeparableGaussian``; mean learning rate 1.

    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
    ...                         "run": {"algorithm": "snes"}})
    >>> es = SNES(cfg, seed=1)
    >>> stats = es.tell([-float(abs(v.values).sum()) for v in es.ask()])
    >>> es.generation, len(es.ask())
    (1, 21)
    """

    name = "snes"

    def _setup(self, center: np.ndarray) -> None:
        import torch
        from evotorch.distributions import ExpSeparableGaussian

        d = self.dimension
        self.stdev_lr = self.cfg.stdev_learning_rate or (3 + math.log(d)) / (5 * math.sqrt(d))
        self.dist = ExpSeparableGaussian(parameters={"mu": torch.from_numpy(center),
                                                     "sigma": torch.full((d,), self.cfg.sigma, dtype=torch.float64)},
                                         dtype=torch.float64)

    def _sample(self, generator: torch.Generator) -> torch.Tensor:
        return self.dist.sample(self.pop_size, generator=generator)

    def _update(self, samples: torch.Tensor, score: torch.Tensor) -> None:
        grads = self.dist.compute_gradients(samples, score, objective_sense="max", ranking_method="nes")
        self.dist = self.dist.update_parameters(grads, learning_rates={"mu": 1.0, "sigma": self.stdev_lr})

    def _tensors(self) -> dict[str, np.ndarray]:
        return {"mu": self.dist.mu.numpy(), "sigma": self.dist.sigma.numpy()}

    def _load_tensors(self, a: dict[str, np.ndarray]) -> None:
        self.dist = self.dist.modified_copy(mu=_t(a["mu"]), sigma=_t(a["sigma"]))

    @property
    def center(self) -> np.ndarray:
        return self.dist.mu.numpy().copy()

    def spread(self) -> float:
        return float(self.dist.sigma.max())


__all__ = ["CMAES", "SepCMAES", "PGPE", "SNES", "DistributionSearch", "default_pop_size"]
