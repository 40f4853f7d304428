"""The hard maze of Lehman & Stanley (2011): a robot steered by the network must reach the goal within 400 steps.
Fitness is ``fitness_bias`` minus the final distance to the goal (deceptive: cul-de-sacs point at the goal); the
behaviour descriptor is the final position (novelty search, MAP-Elites). All genomes run in one batched loop."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from topoevo.config.schema import Section, param
from topoevo.tasks.base import BEHAVIOUR, BatchedPolicy, BehaviourSpace, EvalResult, TaskBase
from topoevo.tasks.maze_physics import HARD_MAZE, RobotState, sensors, step

#: the descriptor space: the maze's bounding box (walls span x 3..195, y 5..202)
MAZE_SPACE = BehaviourSpace((0.0, 0.0), (205.0, 205.0))


@dataclass
class HardMazeParams(Section):
    """``[task]`` keys of the hard maze."""

    SECTION = "task"

    timesteps: int = param(400, "Steps per evaluation (the paper's 400).", ge=1)
    fitness_bias: float = param(300.0, "Fitness = fitness_bias - final distance to the goal.")


def _numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy().astype(np.float64) if hasattr(x, "detach") else np.asarray(x, dtype=np.float64)


class HardMazeTask(TaskBase):
    """The hard maze navigation task (10 inputs: six rangefinders, four radars; 2 outputs: turn, speed).

    >>> task = HardMazeTask(HardMazeParams(timesteps=5))
    >>> class Still:  # outputs 0.5: no change of speed or turn, the robot stays at the start
    ...     size = 2
    ...     def reset(self): pass
    ...     def __call__(self, obs): return np.full((2, 1, 2), 0.5)
    >>> r = task.evaluate(Still(), np.zeros(2, dtype=np.int64))
    >>> r.info["behaviour"][0].tolist(), bool(r.solved[0]), round(float(r.fitness[0]), 2)
    ([36.0, 184.0], False, 135.92)
    """

    num_inputs = 10
    num_outputs = 2

    def __init__(self, params: HardMazeParams | None = None):
        self.params = params or HardMazeParams()
        self.maze = HARD_MAZE

    def behaviour_space(self) -> BehaviourSpace:
        return MAZE_SPACE

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        policy.reset()
        state = RobotState.start(self.maze, policy.size)
        for _ in range(self.params.timesteps):
            if state.done.all():
                break
            out = _numpy(policy(sensors(self.maze, state)[:, None, :]))[:, 0, :]
            step(self.maze, state, out)
        gx, gy = self.maze.goal
        distance = np.hypot(state.x - gx, state.y - gy)
        return EvalResult(fitness=self.params.fitness_bias - distance, solved=state.done.copy(),
                          info={BEHAVIOUR: state.pos.copy()})
