"""The double-pole balancing benchmarks of the NEAT paper: with velocities (DPV) and without (DPNV, Gruau's fitness).

The whole population is simulated together: one policy call per decision for all P carts (physics in
:mod:`topoevo.tasks.double_pole_physics`). Our reading of Stanley's NEAT C++ (``CartPole::evalNet``,
``pole2_epoch``, ``pole2_evaluate``), with a decision = one network activation followed by two RK4 steps:

DPV (``velocities``): inputs x/4.8, x_dot/2, th1/0.52, th1_dot/2, th2/0.52, th2_dot/2 (the C++ adds a 0.5 bias
input; our genomes' bias node supplies 1.0). Fitness = number of decisions after which the cart is still within
bounds, at most ``max_steps`` (100,000); solved = 100,000. The C++ returns its loop counter instead, which is that
number + 1 (the failing decision counts, and a full run returns 100,001): a constant offset, so selection is the same.

DPNV (``no_velocities``): inputs x/4.8, th1/0.52, th2/0.52; recurrent networks. Over at most ``max_steps`` (1,000)
decisions, with t = number of decisions balanced::

    f = 0.1 t / 1000                                        if t <= 100
    f = 0.1 t / 1000 + 0.9 * 0.75 / sum_{d = t-99..t} j_d   otherwise,  j_d = |x| + |x_dot| + |th1| + |th1_dot|

where j_d is measured after decision d (the C++ ``jigglestep[stepnum - 1]`` written in ``performAction``). The C++
sums ``jigglestep[steps-101 .. steps-2]`` with ``steps`` its loop counter; a cart that fails at decision k leaves
``steps = k`` and t = k - 1, a cart that lasts leaves ``steps = 1001`` and t = 1000, so in both cases the window is
the last 100 balanced decisions, t-99..t (summed oldest first, as the C++ does). Its ``balanced_sum > 100`` test is
our ``t > 100``.

Success test (run on a champion, not counted as evaluations): DPNV: balance ``success_steps`` (100,000) decisions
from the standard start, then at least ``generalization_threshold`` (200) of the 625 generalization starts for
``generalization_steps`` (1,000) decisions each, recurrent state reset for every start. Start k of the 625: x, x_dot,
th1, th1_dot from p in (0.05, 0.25, 0.5, 0.75, 0.95) as in ``pole2_epoch``: x = 4.32 p - 2.16,
x_dot = 2.70 p - 1.35, th1 = 0.12566304 p - 0.06283152, th1_dot = 0.30019504 p - 0.15009752, th2 = th2_dot = 0,
x varying slowest. We require every decision balanced (the C++ accepts 99,999 of 100,000 and 999 of 1,000: its
``>= maxFitness - 1`` / ``>= 999`` tests on the loop counter). DPV: the 100,000-decision test only (generalization is
available for reporting, and joins the test if ``generalization_threshold`` > 0).

>>> import numpy as np
>>> class Still:                      # one network that always outputs 0.5 (no force)
...     size = 1
...     def reset(self): pass
...     def __call__(self, obs): return np.full(obs.shape[:2] + (1,), 0.5)
>>> task = DoublePoleTask(DoublePoleParams(variant=DoublePoleVariant.VELOCITIES))
>>> task.evaluate(Still(), np.zeros(1, dtype=np.int64)).fitness   # the short pole falls after 23 decisions
array([22.])
"""
from __future__ import annotations

import hashlib
import itertools
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from topoevo.config.schema import Section, param
from topoevo.errors import EvaluationError
from topoevo.tasks.base import BatchedPolicy, EvalResult, TaskBase
from topoevo.tasks.double_pole_physics import START_ANGLE, Backend, advance_batch

GENERALIZATION_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)
NUM_GENERALIZATION_STARTS = len(GENERALIZATION_LEVELS) ** 4  # 625
JIGGLE_WINDOW = 100  # DPNV: decisions in the damping term
TEST_CACHE_SIZE = 256  # success-test results remembered by `champion_solved` (keyed by the champion's behaviour)

_DPV_SCALE = np.array([4.8, 2.0, 0.52, 2.0, 0.52, 2.0])
_DPNV_SCALE = np.array([4.8, 0.52, 0.52])


class DoublePoleVariant(str, Enum):
    """DPV sees the full state (Markov); DPNV only positions and angles, so it needs recurrent networks.

    >>> DoublePoleVariant("no_velocities") is DoublePoleVariant.NO_VELOCITIES
    True
    """

    VELOCITIES = "velocities"
    NO_VELOCITIES = "no_velocities"


@dataclass
class DoublePoleParams(Section):
    """``[task]`` keys of the double-pole tasks (unset values take the variant's standard).

    >>> DoublePoleParams(variant=DoublePoleVariant.NO_VELOCITIES).fitness_steps
    1000
    """

    SECTION = "task"

    variant: DoublePoleVariant = param(DoublePoleVariant.VELOCITIES,
                                       "'velocities' (DPV, 6 inputs) or 'no_velocities' (DPNV, 3 inputs).")
    max_steps: int | None = param(None, "Decisions per fitness evaluation; default DPV 100,000, DPNV 1,000.", ge=1)
    success_steps: int = param(100_000, "Decisions the champion must balance from the standard start to solve.",
                               ge=1)
    generalization_steps: int = param(1000, "Decisions each generalization start must be balanced.", ge=1)
    start_angle: float = param(START_ANGLE, "The long pole's angle at the standard start (rad): 0.07 in Stanley's "
                                            "NEAT code; 4.5 degrees (0.0785398) in Gruau et al. and Igel 2003.",
                               ge=-0.6, le=0.6)
    generalization_threshold: int | None = param(
        None, "Generalization starts (of 625) the champion must also balance to solve; 0 = not tested; "
              "default DPV 0, DPNV 200.", ge=0, le=NUM_GENERALIZATION_STARTS)

    @property
    def fitness_steps(self) -> int:
        if self.max_steps is not None:
            return self.max_steps
        return 100_000 if self.variant is DoublePoleVariant.VELOCITIES else 1000

    @property
    def solve_generalization(self) -> int:
        if self.generalization_threshold is not None:
            return self.generalization_threshold
        return 0 if self.variant is DoublePoleVariant.VELOCITIES else 200

    def _check_variant(self, expected: DoublePoleVariant, task_name: str) -> tuple[str, str] | None:
        if self.variant is not expected:
            return "variant", (f"expected '{expected.value}' for task {task_name} (the other variant has its own "
                               f"task name)")
        return None


@dataclass
class DoublePoleVelocitiesParams(DoublePoleParams):
    """``[task]`` keys of ``double_pole_velocities``.

    >>> DoublePoleVelocitiesParams().fitness_steps, DoublePoleVelocitiesParams().solve_generalization
    (100000, 0)
    """

    def check(self) -> tuple[str, str] | None:
        return self._check_variant(DoublePoleVariant.VELOCITIES, "double_pole_velocities")


@dataclass
class DoublePoleNoVelocitiesParams(DoublePoleParams):
    """``[task]`` keys of ``double_pole_no_velocities``.

    >>> DoublePoleNoVelocitiesParams().fitness_steps, DoublePoleNoVelocitiesParams().solve_generalization
    (1000, 200)
    """

    variant: DoublePoleVariant = param(DoublePoleVariant.NO_VELOCITIES,
                                       "'velocities' (DPV, 6 inputs) or 'no_velocities' (DPNV, 3 inputs).")

    def check(self) -> tuple[str, str] | None:
        return self._check_variant(DoublePoleVariant.NO_VELOCITIES, "double_pole_no_velocities")


def generalization_starts() -> np.ndarray:
    """The 625 generalization start states (625, 6), in the C++ loop order (x slowest, th1_dot fastest)."""
    rows = [(p0 * 4.32 - 2.16, p1 * 2.70 - 1.35, p2 * 0.12566304 - 0.06283152, p3 * 0.30019504 - 0.15009752, 0.0, 0.0)
            for p0, p1, p2, p3 in itertools.product(GENERALIZATION_LEVELS, repeat=4)]
    return np.array(rows, dtype=np.float64)


def gruau_fitness(balanced: np.ndarray, jiggle_total: np.ndarray) -> np.ndarray:
    """DPNV fitness from decisions balanced ``t`` and the jiggle sum over the last 100 of them (ignored if t <= 100).

    >>> gruau_fitness(np.array([50, 1000]), np.array([0.0, 7.5])).round(6).tolist()
    [0.005, 0.19]
    """
    t = np.asarray(balanced, dtype=np.float64)
    base = 0.1 * (t / 1000.0)
    long = np.asarray(balanced) > JIGGLE_WINDOW
    damping = np.zeros_like(base)
    damping[long] = 0.9 * (0.75 / np.asarray(jiggle_total, dtype=np.float64)[long])
    return np.where(long, base + damping, base)


@dataclass
class Rollout:
    """What :meth:`DoublePoleTask.simulate` measured, per cart (arrays shaped (P, B, ...)): decisions balanced, final
    states (a failed cart keeps its failing state) and, if asked, the DPNV jiggle sum over the last 100 balanced
    decisions (0 where fewer than 100).

    >>> Rollout(np.array([[3]]), np.zeros((1, 1, 6))).balanced.shape
    (1, 1)
    """

    balanced: np.ndarray
    states: np.ndarray
    jiggle_total: np.ndarray | None = None


def _as_numpy(out: Any) -> np.ndarray:
    if hasattr(out, "detach"):  # a torch tensor
        out = out.detach()
        out = out.numpy() if out.device.type == "cpu" else out.cpu().numpy()
    return np.asarray(out, dtype=np.float64)


class DoublePoleTask(TaskBase):
    """The double-pole task of one variant, stepping all P carts (and B starts each) together.

    >>> task = DoublePoleTask(DoublePoleNoVelocitiesParams())
    >>> task.num_inputs, task.num_outputs, task.params.fitness_steps
    (3, 1, 1000)

    ``evaluate(policy, seeds)`` gives each genome its fitness (DPV: decisions balanced; DPNV: Gruau's fitness);
    ``champion_solved(policy, fitness)`` runs the success test on a policy of size 1 (the run loop calls it on each
    generation's champion); ``generalization(policy)`` counts the
    generalization starts it balances. The task is deterministic: ``seeds`` are accepted and unused.
    """

    num_outputs = 1
    has_champion_test = True

    def __init__(self, params: DoublePoleParams | None = None, backend: Backend | None = None):
        self.params = params if params is not None else DoublePoleParams()
        self.variant = self.params.variant
        self.velocities = self.variant is DoublePoleVariant.VELOCITIES
        self.num_inputs = 6 if self.velocities else 3
        self.start = np.array([[0.0, 0.0, self.params.start_angle, 0.0, 0.0, 0.0]])  # the standard start (1, 6)
        self.backend = backend
        self.champion_test: dict[str, Any] | None = None  # figures of the last `champion_solved` test
        # DPNV: the run loop tests species champions in turn (Stanley's pole2_epoch), not only the best genome
        self.test_species_champions = not self.velocities
        self._tests: OrderedDict[bytes, tuple[bool, dict[str, Any]]] = OrderedDict()

    # ---------------------------------------------------------------------------------------------- observations
    def observe(self, states: np.ndarray) -> np.ndarray:
        """Network inputs (N, num_inputs) for states (N, 6)."""
        if self.velocities:
            return states / _DPV_SCALE
        return states[:, 0::2] / _DPNV_SCALE

    # ------------------------------------------------------------------------------------------------ simulation
    def simulate(self, policy: BatchedPolicy, starts: np.ndarray, steps: int, jiggle: bool = False) -> Rollout:
        """Run P x B carts for at most ``steps`` decisions: ``starts`` (B, 6) are the start states of every policy.

        Calls ``policy.reset()``, then ``policy(obs)`` once per decision with ``obs`` a new float64 numpy array
        (P, B, num_inputs); the policy returns (P, B, 1) (torch tensor or array). Carts that failed stay frozen (the
        policy still sees them); the loop ends once every cart failed. Returns per-cart results shaped (P, B).
        """
        p_count = int(policy.size)
        starts = np.asarray(starts, dtype=np.float64).reshape(-1, 6)
        b_count = starts.shape[0]
        n = p_count * b_count
        states = np.ascontiguousarray(np.tile(starts, (p_count, 1)))
        alive = np.ones(n, dtype=bool)
        balanced = np.zeros(n, dtype=np.int64)
        ring = np.zeros((JIGGLE_WINDOW, n)) if jiggle else None
        policy.reset()
        for t in range(steps):
            obs = self.observe(states).reshape(p_count, b_count, self.num_inputs)
            out = _as_numpy(policy(obs))
            if out.shape[:2] != (p_count, b_count) or out.size != n * self.num_outputs:
                raise EvaluationError(f"policy returned shape {out.shape}, expected ({p_count}, {b_count}, 1)",
                                      field="policy")
            n_alive = advance_batch(states, out.reshape(n), alive, balanced, self.backend)
            if ring is not None:
                row = t % JIGGLE_WINDOW
                jig = np.abs(states[:, 0]) + np.abs(states[:, 1]) + np.abs(states[:, 2]) + np.abs(states[:, 3])
                ring[row] = np.where(alive, jig, ring[row])
            if n_alive == 0:
                break
        total = self._window_sums(ring, balanced) if ring is not None else None
        shape = (p_count, b_count)
        return Rollout(balanced.reshape(shape), states.reshape(shape + (6,)),
                       None if total is None else total.reshape(shape))

    @staticmethod
    def _window_sums(ring: np.ndarray, balanced: np.ndarray) -> np.ndarray:
        """Jiggle summed oldest first over each cart's last 100 balanced decisions (0 if it balanced fewer)."""
        total = np.zeros(balanced.shape[0])
        long = np.flatnonzero(balanced >= JIGGLE_WINDOW)
        if long.size:
            # decision d (1-based) sits in ring row (d - 1) % 100; the window is d = t-99 .. t
            rows = (balanced[long][None, :] - JIGGLE_WINDOW + np.arange(JIGGLE_WINDOW)[:, None]) % JIGGLE_WINDOW
            total[long] = np.cumsum(ring[rows, long[None, :]], axis=0)[-1]  # cumsum adds strictly in order
        return total

    # ------------------------------------------------------------------------------------------------ Task API
    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        """Fitness of each of the P policies from the standard start (``seeds`` unused: the task is deterministic)."""
        steps = self.params.fitness_steps
        run = self.simulate(policy, self.start, steps, jiggle=not self.velocities)
        balanced = run.balanced[:, 0]
        if self.velocities:
            solved = balanced >= self.params.success_steps
            return EvalResult(balanced.astype(np.float64), solved, {"balanced_steps": balanced})
        assert run.jiggle_total is not None
        fitness = gruau_fitness(balanced, run.jiggle_total[:, 0])
        return EvalResult(fitness, None, {"balanced_steps": balanced})

    def long_test(self, policy: BatchedPolicy) -> np.ndarray:
        """Which of the P policies balance ``success_steps`` decisions from the standard start -> (P,) bool."""
        run = self.simulate(policy, self.start, self.params.success_steps)
        return run.balanced[:, 0] >= self.params.success_steps

    def generalization_counts(self, policy: BatchedPolicy) -> np.ndarray:
        """How many of the 625 generalization starts each of the P policies balances -> (P,) int."""
        steps = self.params.generalization_steps
        run = self.simulate(policy, generalization_starts(), steps)
        return np.count_nonzero(run.balanced >= steps, axis=1)

    def generalization(self, policy: BatchedPolicy) -> int:
        """How many of the 625 generalization starts the policy (of size 1) balances."""
        self._require_single(policy)
        return int(self.generalization_counts(policy)[0])

    def may_solve(self, fitness: float) -> bool:
        """Could a genome with this training fitness pass the success test? True only if it balanced every
        decision of its evaluation (DPV: fitness = decisions balanced; DPNV: Gruau's fitness is at least
        0.1 t / 1000, and reaches 0.1 ``max_steps`` / 1000 only when t = ``max_steps``)."""
        steps = self.params.fitness_steps
        if self.velocities:
            return fitness >= min(steps, self.params.success_steps)
        return fitness >= 0.1 * (steps / 1000.0)

    def champion_solved(self, policy: BatchedPolicy, fitness: float | None = None) -> bool:
        """The success test on one policy (the run loop's hook, called on a generation's champion).

        Skipped (False) when the training ``fitness`` shows the champion did not balance its whole evaluation
        (:meth:`may_solve`; for DPNV a necessary condition only, so a cheap replay of the evaluation's
        ``max_steps`` decisions from the standard start comes first). Then the generalization test (if required:
        625 carts x 1,000 decisions, one batched policy call per decision), then the long test (``success_steps``
        decisions from the standard start, the most expensive). Both must pass, so their order does not change the
        answer. The figures of the last test are kept in :attr:`champion_test` (plain JSON data).

        A champion often stays the best genome for many generations (copied unchanged as its species' elite), so
        results are remembered by the champion's behaviour: the exact bytes of its outputs over the replay. Equal
        outputs for every one of those decisions means the same network function in all but contrived cases, and
        the tests are deterministic, so a repeated champion gets its earlier answer without re-running them."""
        self._require_single(policy)
        self.champion_test = None
        if fitness is not None and not self.may_solve(fitness):
            return False
        need = self.params.solve_generalization
        test: dict[str, Any] = {"success_steps": self.params.success_steps, "generalization_threshold": need}
        self.champion_test = test
        quick = min(self.params.fitness_steps, self.params.success_steps)
        key = None
        if quick < self.params.success_steps:
            recorder = _OutputDigest(policy)
            test["balanced_steps"] = int(self.simulate(recorder, self.start, quick).balanced[0, 0])
            if test["balanced_steps"] < quick:
                return False
            key = recorder.digest()
            if key in self._tests:
                solved, earlier = self._tests[key]
                self.champion_test = dict(earlier)
                return solved
        solved = self._success_test(policy, test, need)
        if key is not None:
            self._tests[key] = (solved, dict(test))
            if len(self._tests) > TEST_CACHE_SIZE:
                self._tests.popitem(last=False)
        return solved

    def _success_test(self, policy: BatchedPolicy, test: dict[str, Any], need: int) -> bool:
        if need > 0:
            test["generalization"] = self.generalization(policy)
            if test["generalization"] < need:
                return False
        run = self.simulate(policy, self.start, self.params.success_steps)
        test["balanced_steps"] = int(run.balanced[0, 0])
        return test["balanced_steps"] >= self.params.success_steps

    @staticmethod
    def _require_single(policy: BatchedPolicy) -> None:
        if int(policy.size) != 1:
            raise EvaluationError(f"expected a policy of size 1 (the champion), got size {policy.size}",
                                  field="policy")


class _OutputDigest:
    """A policy wrapper that hashes every output it returns (the behaviour key of :meth:`champion_solved`)."""

    def __init__(self, policy: BatchedPolicy):
        self.policy = policy
        self.hash = hashlib.blake2b(digest_size=16)

    @property
    def size(self) -> int:
        return int(self.policy.size)

    def reset(self) -> None:
        self.policy.reset()

    def __call__(self, obs: Any) -> np.ndarray:
        out = _as_numpy(self.policy(obs))
        self.hash.update(np.ascontiguousarray(out).tobytes())
        return out

    def digest(self) -> bytes:
        return self.hash.digest()
