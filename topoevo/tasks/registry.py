"""Name -> task: the parameter dataclass a ``[task]`` table is checked against, and the task factory.

Tasks register lazily (module path strings) so reading a config never imports torch or gymnasium.
"""
from __future__ import annotations

import importlib
from typing import Any

# name -> "module:ParamsClass:TaskClass"
_REGISTRY: dict[str, str] = {
    "xor": "topoevo.tasks.xor:XORParams:XORTask",
    "double_pole_velocities": "topoevo.tasks.double_pole:DoublePoleVelocitiesParams:DoublePoleTask",
    "double_pole_no_velocities": "topoevo.tasks.double_pole:DoublePoleNoVelocitiesParams:DoublePoleTask",
    "gym": "topoevo.tasks.gym:GymParams:GymTask",
    "supervised": "topoevo.tasks.supervised:SupervisedParams:SupervisedTask",
    "nas": "topoevo.nas.task:NASParams:NASTask",
    "atari": "topoevo.tasks.atari:AtariParams:AtariTask",
    "slimevolley": "topoevo.tasks.slimevolley:SlimeVolleyParams:SlimeVolleyTask",
    "supervised_backprop": "topoevo.tasks.backprop_neat:BackpropParams:BackpropNEATTask",
    "hardmaze": "topoevo.tasks.hardmaze:HardMazeParams:HardMazeTask",
    "visual_discrimination": "topoevo.tasks.visual_discrimination:VisualDiscriminationParams:VisualDiscriminationTask",
    "retina": "topoevo.tasks.retina:RetinaParams:RetinaTask",
    "hyperneat_visual_discrimination":
        "topoevo.hyperneat.task:HyperNEATVisualDiscriminationParams:HyperNEATVisualDiscriminationTask",
    "hyperneat_retina": "topoevo.hyperneat.task:HyperNEATRetinaParams:HyperNEATRetinaTask",
}


def register(name: str, spec: str) -> None:
    """Register a task: ``spec`` is ``"package.module:ParamsClass:TaskClass"``."""
    _REGISTRY[name] = spec


def task_names() -> list[str]:
    return sorted(_REGISTRY)


def _load(name: str, index: int) -> Any:
    module, *classes = _REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), classes[index])


def task_params_class(name: str) -> type:
    return _load(name, 0)


def task_class(name: str) -> type:
    return _load(name, 1)
