"""benchmarks/double_pole_cmaes.py: a run of some start angles keeps the other angles' rows of the results file."""
from __future__ import annotations

import json
from pathlib import Path

from benchmarks.double_pole_cmaes import kept_angles

META = {"commit": "abc", "date": "2026-12-05T16:00:00Z", "command": "python benchmarks/double_pole.py --angles 4.5deg",
        "load_before": [1.0, 1.0, 1.0], "load_after": [1.0, 1.0, 1.0], "seeds": "0-1"}


def _write(tmp: Path, **changes: object) -> None:
    obj = {"variant": "dpv", "algorithm": "cmaes", "overrides": {},
           "task_file": "tasks/double_pole_velocities_cmaes.toml",
           "4.5deg": {"runs": 2, "solved": 2, "per_seed": [{"seed": 0}, {"seed": 1}]}, "meta": META, **changes}
    (tmp / "double_pole_cmaes_dpv.json").write_text(json.dumps(obj))


def test_other_angle_kept_with_its_own_meta(tmp_path: Path) -> None:
    _write(tmp_path)
    kept = kept_angles("double_pole_cmaes_dpv", "dpv", None, {}, [0, 1], tmp_path)
    assert set(kept) == {"4.5deg"}
    assert kept["4.5deg"]["solved"] == 2
    assert kept["4.5deg"]["meta"]["command"] == META["command"]


def test_nothing_kept_when_setup_differs(tmp_path: Path) -> None:
    assert kept_angles("double_pole_cmaes_dpv", "dpv", None, {}, [0, 1], tmp_path) == {}  # no file
    _write(tmp_path, overrides={"distribution": {"restarts": "none"}})
    assert kept_angles("double_pole_cmaes_dpv", "dpv", None, {}, [0, 1], tmp_path) == {}
    _write(tmp_path)
    assert kept_angles("double_pole_cmaes_dpv", "dpv", None, {}, [5, 6], tmp_path) == {}  # other seeds
    _write(tmp_path, **{"4.5deg": "broken"})
    assert kept_angles("double_pole_cmaes_dpv", "dpv", None, {}, [0, 1], tmp_path) == {}


def test_another_task_file_writes_its_own_results_file() -> None:
    from benchmarks.double_pole_cmaes import task_suffix

    assert task_suffix(None) == "" and task_suffix("tasks/double_pole_no_velocities_cmaes.toml") == ""
    assert task_suffix("tasks/double_pole_no_velocities_cmaes_frnn.toml") == "_frnn"
    assert task_suffix("/tmp/mine.toml") == "_mine"
