"""Test helper: gym task parameters on gymnasium's own dynamics. The default vectorization ``auto`` picks EnvPool
where it is installed and provides the environment, and the tests that compare with plain gymnasium loops need
gymnasium's episodes."""
from __future__ import annotations

from typing import Any

from topoevo.tasks.gym import GymParams, Vectorization


def gym_params(**kwargs: Any) -> GymParams:
    return GymParams(**{"vectorization": Vectorization.GYMNASIUM, **kwargs})
