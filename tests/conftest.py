"""Test-suite setup: the ``slow`` marker and the hypothesis profiles.

Profiles (choose with ``HYPOTHESIS_PROFILE=name``; default ``ci`` when ``CI`` is set, else ``dev``):
``ci`` is derandomized (same examples on every run), ``dev`` draws fresh examples, ``thorough`` draws many more.
Every genome/config property asks for at least 200 examples and no deadline (see ``tests/strategies.PROPERTY``).
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
               print_blob=True)
settings.register_profile("ci", max_examples=200, derandomize=True, **_common)
settings.register_profile("dev", max_examples=200, **_common)
settings.register_profile("thorough", max_examples=2000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "slow: takes long; CI skips it (run with -m slow)")
