"""Cart with two poles (Wieland 1991; Gruau et al. 1996): the physics of the double-pole benchmarks.

Follows Faustino Gomez's code in Stanley's NEAT C++ release (``CartPole::step``, ``rk4``, ``performAction``,
``outsideBounds``): g = -9.8, cart 1.0 kg without friction, poles 0.1 / 0.01 kg with half-lengths 0.5 / 0.05 m,
hinge friction mu_p = 2e-6, force (out - 0.5) * 10 * 2 N, two fourth-order Runge-Kutta steps of tau = 0.01 s per
network decision, failure when |x| > 2.4 m or either |theta_i| > 0.628329 rad (36 degrees). Equations for pole i
(l_i its half-length)::

    m~_i = m_i (1 - 3/4 cos^2 th_i)
    F~_i = m_i l_i thd_i^2 sin th_i + 3/4 m_i cos th_i (mu thd_i / (m_i l_i) + g sin th_i)
    xdd = (F + F~_1 + F~_2) / (M + m~_1 + m~_2)
    thdd_i = -3/4 (xdd cos th_i + g sin th_i + mu thd_i / (m_i l_i)) / l_i

Every implementation below performs the floating-point operations in the C++ order, so they agree bit for bit.

State layout (the C++ ``state[6]``): ``(x, x_dot, theta_1, theta_dot_1, theta_2, theta_dot_2)``, angles in radians,
theta_1 the long pole.

- Scalar reference, written for clarity (one cart, plain Python floats): :func:`derivatives`, :func:`rk4`,
  :func:`step`, :func:`is_failed`.
- Vectorized over N carts with ``(N, 6)`` float64 states: :func:`step_batch`, :func:`failed_batch` and
  :func:`advance_batch` (steps only the carts still balancing, in place). Two backends: a compiled loop over the carts
  when ``numba`` is installed (``Backend.NUMBA``, the default then: ~1 us per cart and decision), otherwise numpy
  array operations on the transposed ``(6, N)`` layout (``Backend.NUMPY``: ~30 array operations per derivative
  evaluation, so hundreds of microseconds per decision whatever N).

>>> s = step(START_STATE, 0.5)          # one decision with zero force
>>> round(s[2], 6), is_failed(s)
(0.070221, False)
>>> import numpy as np
>>> bool(np.array_equal(step_batch(np.array([START_STATE]), np.array([0.5]))[0], s))
True

Deviations from the C++ (both only matter for outputs its sigmoid networks never produce): the network output is
clipped to [0, 1] (other output activations still get at most +-10 N), and a state that is not finite counts as failed
(the C++ comparisons let a NaN state balance forever).
"""
from __future__ import annotations

import importlib.util
import logging
import math
from enum import Enum
from typing import Callable, Sequence

import numpy as np

log = logging.getLogger(__name__)

# Optional accelerator: the scalar reference compiled into a loop over the carts. Imported on first use only
# (importing numba takes most of a second, and reading a task file must stay fast).
NUMBA_AVAILABLE = importlib.util.find_spec("numba") is not None

GRAVITY = -9.8
MASS_CART = 1.0
MASS_POLE_1 = 0.1
MASS_POLE_2 = 0.01
LENGTH_1 = 0.5  # half-length of the long pole (m)
LENGTH_2 = 0.05  # half-length of the short pole (m)
MU_POLE = 0.000002  # hinge friction coefficient
FORCE_MAG = 10.0  # force = (output - 0.5) * FORCE_MAG * 2
TAU = 0.01  # RK4 step (s)
RK4_STEPS_PER_DECISION = 2
TRACK_LIMIT = 2.4  # |x| beyond this fails (m)
FAILURE_ANGLE = 0.628329  # |theta_i| beyond this fails (rad, 36 degrees)
START_ANGLE = 0.07  # the long pole's start angle (rad, about 4 degrees)

START_STATE: tuple[float, float, float, float, float, float] = (0.0, 0.0, START_ANGLE, 0.0, 0.0, 0.0)

# Per-pole products, computed as the C++ computes them at run time.
_ML_1 = LENGTH_1 * MASS_POLE_1
_ML_2 = LENGTH_2 * MASS_POLE_2
_HALF_TAU = TAU * 0.5
_SIXTH_TAU = TAU / 6.0

State = tuple[float, float, float, float, float, float]


class Backend(str, Enum):
    """How the vectorized functions step N carts (results are identical, bit for bit).

    >>> DEFAULT_BACKEND in (Backend.NUMBA, Backend.NUMPY)
    True
    """

    NUMBA = "numba"  # compiled loop over the carts (needs the numba package)
    NUMPY = "numpy"  # array operations over all carts at once


DEFAULT_BACKEND = Backend.NUMBA if NUMBA_AVAILABLE else Backend.NUMPY


# ----------------------------------------------------------------------------------------------- scalar reference
def force_from_output(output: float) -> float:
    """Network output in [0, 1] -> force on the cart in N (outputs beyond [0, 1] are clipped; NaN stays NaN)."""
    output = float(output)
    if output < 0.0:
        output = 0.0
    elif output > 1.0:
        output = 1.0
    return (output - 0.5) * FORCE_MAG * 2


def _pole(theta: float, theta_dot: float, mass: float, ml: float) -> tuple[float, float, float, float, float]:
    """One pole's terms: effective force F~, effective mass m~, cos theta, g sin theta, friction term."""
    cos_t = math.cos(theta)
    sin_t = math.sin(theta)
    g_sin = GRAVITY * sin_t
    friction = MU_POLE * theta_dot / ml
    f_eff = ml * theta_dot * theta_dot * sin_t + 0.75 * mass * cos_t * (friction + g_sin)
    m_eff = mass * (1 - 0.75 * cos_t * cos_t)
    return f_eff, m_eff, cos_t, g_sin, friction


def derivatives(state: Sequence[float], force: float) -> State:
    """d(state)/dt of one cart under ``force`` (Wieland's equations, as in ``CartPole::step``)."""
    x_dot, theta_1, theta_dot_1, theta_2, theta_dot_2 = state[1], state[2], state[3], state[4], state[5]
    f_1, m_1, cos_1, g_sin_1, fr_1 = _pole(theta_1, theta_dot_1, MASS_POLE_1, _ML_1)
    f_2, m_2, cos_2, g_sin_2, fr_2 = _pole(theta_2, theta_dot_2, MASS_POLE_2, _ML_2)
    x_acc = (force + f_1 + f_2) / (m_1 + m_2 + MASS_CART)
    theta_acc_1 = -0.75 * (x_acc * cos_1 + g_sin_1 + fr_1) / LENGTH_1
    theta_acc_2 = -0.75 * (x_acc * cos_2 + g_sin_2 + fr_2) / LENGTH_2
    return (x_dot, x_acc, theta_dot_1, theta_acc_1, theta_dot_2, theta_acc_2)


def _euler(state: Sequence[float], h: float, slope: Sequence[float]) -> State:
    """state + h * slope, component by component."""
    return (state[0] + h * slope[0], state[1] + h * slope[1], state[2] + h * slope[2],
            state[3] + h * slope[3], state[4] + h * slope[4], state[5] + h * slope[5])


def rk4(state: Sequence[float], force: float) -> State:
    """One Runge-Kutta step of length TAU: y + tau/6 (k1 + k4 + 2 (k3 + k2)), the C++ ``rk4``."""
    k1 = derivatives(state, force)
    k2 = derivatives(_euler(state, _HALF_TAU, k1), force)
    k3 = derivatives(_euler(state, _HALF_TAU, k2), force)
    k4 = derivatives(_euler(state, TAU, k3), force)
    return (state[0] + _SIXTH_TAU * (k1[0] + k4[0] + 2.0 * (k3[0] + k2[0])),
            state[1] + _SIXTH_TAU * (k1[1] + k4[1] + 2.0 * (k3[1] + k2[1])),
            state[2] + _SIXTH_TAU * (k1[2] + k4[2] + 2.0 * (k3[2] + k2[2])),
            state[3] + _SIXTH_TAU * (k1[3] + k4[3] + 2.0 * (k3[3] + k2[3])),
            state[4] + _SIXTH_TAU * (k1[4] + k4[4] + 2.0 * (k3[4] + k2[4])),
            state[5] + _SIXTH_TAU * (k1[5] + k4[5] + 2.0 * (k3[5] + k2[5])))


def step(state: Sequence[float], output: float) -> State:
    """One network decision: the force from ``output`` held for two RK4 steps (0.02 s)."""
    force = force_from_output(output)
    new = rk4(state, force)
    for _ in range(RK4_STEPS_PER_DECISION - 1):
        new = rk4(new, force)
    return new


def is_failed(state: Sequence[float]) -> bool:
    """Cart off the track or a pole beyond 36 degrees (a state that is not finite fails too)."""
    return not (abs(state[0]) <= TRACK_LIMIT and abs(state[2]) <= FAILURE_ANGLE
                and abs(state[4]) <= FAILURE_ANGLE)


# ------------------------------------------------------------------------------------------ numpy backend, (6, N)
# Pole constants as (2, 1) columns: row 0 the long pole, row 1 the short one.
_MASS = np.array([[MASS_POLE_1], [MASS_POLE_2]])
_LENGTH = np.array([[LENGTH_1], [LENGTH_2]])
_ML = np.array([[_ML_1], [_ML_2]])
_MASS_075 = 0.75 * _MASS


def forces_from_outputs(outputs: np.ndarray) -> np.ndarray:
    """Vectorized :func:`force_from_output` (float64; NaN stays NaN)."""
    return (np.minimum(np.maximum(np.asarray(outputs, dtype=np.float64), 0.0), 1.0) - 0.5) * FORCE_MAG * 2


def derivatives_columns(y: np.ndarray, force: np.ndarray) -> np.ndarray:
    """Vectorized :func:`derivatives`: states ``y`` shaped (6, N), forces (N,) -> (6, N)."""
    theta = y[2::2]  # (2, N): rows theta_1, theta_2
    theta_dot = y[3::2]
    cos_t = np.cos(theta)
    sin_t = np.sin(theta)
    g_sin = GRAVITY * sin_t
    friction = MU_POLE * theta_dot / _ML
    f_eff = _ML * theta_dot * theta_dot * sin_t + _MASS_075 * cos_t * (friction + g_sin)
    m_eff = _MASS * (1 - 0.75 * cos_t * cos_t)
    x_acc = (force + f_eff[0] + f_eff[1]) / (m_eff[0] + m_eff[1] + MASS_CART)
    out = np.empty_like(y)
    out[0::2] = y[1::2]
    out[1] = x_acc
    out[3::2] = -0.75 * (x_acc * cos_t + g_sin + friction) / _LENGTH
    return out


def rk4_columns(y: np.ndarray, force: np.ndarray) -> np.ndarray:
    """Vectorized :func:`rk4` on (6, N) states."""
    k1 = derivatives_columns(y, force)
    k2 = derivatives_columns(y + _HALF_TAU * k1, force)
    k3 = derivatives_columns(y + _HALF_TAU * k2, force)
    k4 = derivatives_columns(y + TAU * k3, force)
    return y + _SIXTH_TAU * (k1 + k4 + 2.0 * (k3 + k2))


def step_columns(y: np.ndarray, outputs: np.ndarray) -> np.ndarray:
    """Vectorized :func:`step` on (6, N) states and (N,) network outputs."""
    force = forces_from_outputs(outputs)
    for _ in range(RK4_STEPS_PER_DECISION):
        y = rk4_columns(y, force)
    return y


def failed_columns(y: np.ndarray) -> np.ndarray:
    """Vectorized :func:`is_failed` on (6, N) states -> (N,) bool."""
    return ~((np.abs(y[0]) <= TRACK_LIMIT) & (np.abs(y[2]) <= FAILURE_ANGLE) & (np.abs(y[4]) <= FAILURE_ANGLE))


def _advance_numpy(states: np.ndarray, outputs: np.ndarray, alive: np.ndarray, balanced: np.ndarray) -> int:
    idx = np.flatnonzero(alive)
    if idx.size == 0:
        return 0
    y = step_columns(np.ascontiguousarray(states[idx].T), outputs[idx])
    states[idx] = y.T
    failed = failed_columns(y)
    alive[idx[failed]] = False
    balanced[idx[~failed]] += 1
    return int(idx.size - np.count_nonzero(failed))


# ------------------------------------------------------------------------------------------ numba backend, (N, 6)
def _advance_loop(states: np.ndarray, outputs: np.ndarray, alive: np.ndarray, balanced: np.ndarray) -> int:
    """The scalar reference in a loop over the carts still balancing (compiled by numba)."""
    n_alive = 0
    for j in range(states.shape[0]):
        if not alive[j]:
            continue
        s = step((states[j, 0], states[j, 1], states[j, 2], states[j, 3], states[j, 4], states[j, 5]), outputs[j])
        for k in range(6):
            states[j, k] = s[k]
        if is_failed(s):
            alive[j] = False
        else:
            balanced[j] += 1
            n_alive += 1
    return n_alive


_advance_numba: Callable[..., int] | None = None
_SCALAR_FUNCTIONS = (force_from_output, _pole, derivatives, _euler, rk4, step, is_failed)


def _numba_kernel() -> Callable[..., int]:
    """:func:`_advance_loop` compiled (once per process; numba caches the machine code on disk)."""
    global _advance_numba
    if _advance_numba is None:
        if not NUMBA_AVAILABLE:
            raise RuntimeError("the numba backend needs the 'numba' package (pip install numba)")
        import numba
        from numba.extending import register_jitable

        for fn in _SCALAR_FUNCTIONS:  # make the plain-Python reference callable from compiled code
            register_jitable(fn)
        log.debug("compiling the double-pole kernel with numba")
        _advance_numba = numba.njit(cache=True, nogil=True, error_model="numpy")(_advance_loop)
    return _advance_numba


# ------------------------------------------------------------------------------------------------- public, (N, 6)
def advance_batch(states: np.ndarray, outputs: np.ndarray, alive: np.ndarray, balanced: np.ndarray,
                  backend: Backend | None = None) -> int:
    """One decision for the carts still balancing, in place; returns how many still balance afterwards.

    ``states`` float64 (N, 6) C-contiguous, ``outputs`` (N,) network outputs, ``alive`` (N,) bool, ``balanced``
    (N,) int64. Carts with ``alive`` False are left untouched (frozen); a cart that fails now keeps its failing state
    and gets ``alive`` False; every other stepped cart gets ``balanced += 1``.
    """
    outputs = np.ascontiguousarray(outputs, dtype=np.float64).reshape(-1)
    if (backend or DEFAULT_BACKEND) is Backend.NUMBA:
        return int(_numba_kernel()(states, outputs, alive, balanced))
    return _advance_numpy(states, outputs, alive, balanced)


def step_batch(states: np.ndarray, outputs: np.ndarray, backend: Backend | None = None) -> np.ndarray:
    """One decision for N carts: ``states`` (N, 6), ``outputs`` (N,) -> new states (N, 6) (failed or not)."""
    new = np.array(states, dtype=np.float64, order="C", ndmin=2)
    n = new.shape[0]
    advance_batch(new, np.asarray(outputs, dtype=np.float64).reshape(n), np.ones(n, dtype=bool),
                  np.zeros(n, dtype=np.int64), backend)
    return new


def failed_batch(states: np.ndarray) -> np.ndarray:
    """Which of N carts (states shaped (N, 6)) have failed -> (N,) bool."""
    return failed_columns(np.asarray(states, dtype=np.float64).T)
