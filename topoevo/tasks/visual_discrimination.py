"""Visual discrimination (Gauci & Stanley 2007; Stanley, D'Ambrosio & Gauci 2009): a field of r x r pixels shows a
large 3x3 box and a small 1x1 box (in units of the 11x11 field, so the same picture at any resolution); the network
has one output per pixel of a target field of the same resolution, and the output with the highest activation is
its guess of the large box's centre.

The 75 trials of the paper: the small box at 25 evenly spread positions, the large one 5 units to the right, down
and diagonally from it (wrapping around the field, then moved the least distance that puts it wholly in view). The
test set (``trials = "all"``) puts the small box at every one of the 121 unit positions: 363 trials.
Fitness: 100 (1 - RMSD / (2 x 0.5772)), floored at 0 (RMSD: root mean squared distance between guess and target in
field coordinates, [-1, 1]^2; a random guesser scores about 2 x 0.5772); solved when every guess hits the target.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from topoevo.config.schema import Section, param
from topoevo.tasks.base import BatchedPolicy, EvalResult, TaskBase

UNITS = 11  # the field is 11 units wide at every resolution
RANDOM_RMSD = 2.0 * 0.5772  # root mean squared distance of two random points in [-1, 1]^2


class Trials(str, Enum):
    """Which placements a visual discrimination evaluation uses.

    >>> Trials("all").value
    'all'
    """

    PAPER = "paper"  # the paper's 75 trials
    ALL = "all"  # the small box at all 121 unit positions, 363 trials (a test set)


@dataclass
class VisualDiscriminationParams(Section):
    """``[task]`` keys of the visual discrimination task."""

    SECTION = "task"

    resolution: int = param(11, "Pixels per side of the visual and target fields (11 in evolution; 33 and 55 to "
                                "test scaling).", ge=11)
    trials: Trials = param(Trials.PAPER, "'paper': the 75 trials of Gauci & Stanley 2007; 'all': 363 trials (the "
                                         "small box at every unit position).")

    def check(self) -> tuple[str, str] | None:
        if self.resolution % UNITS:
            return "resolution", f"expected a multiple of {UNITS} (11, 22, 33, 55, ...), got {self.resolution}"
        return None


def placements(trials: Trials) -> np.ndarray:
    """``(T, 4)`` unit positions (small x, small y, large centre x, large centre y), integers in 0..10.

    >>> placements(Trials.PAPER).shape, placements(Trials.ALL).shape
    ((75, 4), (363, 4))
    """
    spots = [1, 3, 5, 7, 9] if trials is Trials.PAPER else list(range(UNITS))
    rows = []
    for dx, dy in ((5, 0), (0, 5), (5, 5)):  # right, down, diagonal
        for sx in spots:
            for sy in spots:
                lx, ly = (sx + dx) % UNITS, (sy + dy) % UNITS
                lx, ly = min(max(lx, 1), UNITS - 2), min(max(ly, 1), UNITS - 2)  # wholly in view
                rows.append((sx, sy, lx, ly))
    return np.array(rows, dtype=np.int64)


def pixel_centres(resolution: int) -> np.ndarray:
    """Pixel centres along one axis in field coordinates [-1, 1]."""
    size = 2.0 / resolution
    return -1.0 + size * (np.arange(resolution) + 0.5)


def render(place: np.ndarray, resolution: int) -> np.ndarray:
    """``(T, r * r)`` input fields (1 where a box covers the pixel centre, else 0), pixel (a, b) at a * r + b."""
    k = resolution // UNITS
    unit = np.arange(resolution) // k  # the unit cell each pixel lies in
    ux, uy = unit[None, :, None], unit[None, None, :]
    sx, sy, lx, ly = (place[:, i, None, None] for i in range(4))
    small = (ux == sx) & (uy == sy)
    large = (np.abs(ux - lx) <= 1) & (np.abs(uy - ly) <= 1)
    return (small | large).reshape(len(place), -1).astype(np.float32)


class VisualDiscriminationTask(TaskBase):
    """Find the centre of the large box (any network with r*r inputs and r*r outputs; HyperNEAT substrates scale).

    >>> import torch
    >>> task = VisualDiscriminationTask(VisualDiscriminationParams())
    >>> class Oracle:  # points at the large box's centre: the input field convolved with a 3x3 box
    ...     size = 1
    ...     def reset(self): pass
    ...     def __call__(self, x):
    ...         f = torch.tensor(np.array(x)).reshape(-1, 1, 11, 11)
    ...         return torch.nn.functional.conv2d(f, torch.ones(1, 1, 3, 3), padding=1).reshape(1, -1, 121)
    >>> r = task.evaluate(Oracle(), np.zeros(1, dtype=np.int64))
    >>> float(r.fitness[0]), bool(r.solved[0]), float(r.info["accuracy"][0])
    (100.0, True, 1.0)
    """

    def __init__(self, params: VisualDiscriminationParams | None = None):
        self.params = params or VisualDiscriminationParams()
        r = self.params.resolution
        self.num_inputs = self.num_outputs = r * r
        self.place = placements(self.params.trials)
        self.fields = render(self.place, r)
        centres = pixel_centres(r)
        self._px = np.repeat(centres, r)  # pixel index -> x, y (a * r + b)
        self._py = np.tile(centres, r)
        unit = 2.0 / UNITS
        self._target = -1.0 + unit * (self.place[:, 2:4] + 0.5)  # (T, 2) large box centres

    def guesses(self, policy: BatchedPolicy) -> np.ndarray:
        """``(P, T)`` pixel index of each network's highest output in each trial (ties: the first)."""
        policy.reset()
        out = policy(np.broadcast_to(self.fields, (policy.size, *self.fields.shape)))
        out = out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)
        return np.argmax(out, axis=2)

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        g = self.guesses(policy)
        dx = self._px[g] - self._target[None, :, 0]
        dy = self._py[g] - self._target[None, :, 1]
        rmsd = np.sqrt((dx * dx + dy * dy).mean(axis=1))
        half = 1.0 / UNITS + 1e-9  # within the target's unit cell
        hit = (np.abs(dx) < half) & (np.abs(dy) < half)
        fitness = np.maximum(0.0, 100.0 * (1.0 - rmsd / RANDOM_RMSD))
        accuracy = hit.mean(axis=1)
        return EvalResult(fitness=fitness, solved=hit.all(axis=1),
                          info={"accuracy": accuracy, "mean_distance": np.sqrt(dx * dx + dy * dy).mean(axis=1)})
