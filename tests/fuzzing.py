"""Shared pieces of the fuzz and checkpoint-format tests (tests/test_fuzz_*.py, test_columns_format.py,
test_species_table.py): example budgets, hypothesis settings, walking a JSON document, snapshots of a directory (to
check that a failed command changed nothing), a short XOR run to take checkpoints from, resuming an edited copy of
one beside it, and the one-line error a damaged checkpoint must give."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

#: hypothesis settings of every fuzz test: no deadline (machines are shared), slow and large examples allowed
FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                  HealthCheck.function_scoped_fixture])


def examples(n: int) -> int:
    """``n`` examples in CI; proportionally more under a profile that asks for more (``thorough``: 10x)."""
    return max(n, n * settings.default.max_examples // 200)


def all_paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """The key path of every value in a JSON document (dicts and lists), parents before children.

    >>> all_paths({"a": [1, {"b": 2}]})
    [('a',), ('a', 0), ('a', 1), ('a', 1, 'b')]
    """
    out = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        out.append(prefix + (key,))
        out.extend(all_paths(value, prefix + (key,)))
    return out


def value_at(data: Any, path: tuple) -> Any:
    """The value at a key path of :func:`all_paths`."""
    for key in path:
        data = data[key]
    return data


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``directory``: its bytes and modification time."""
    return {str(p.relative_to(directory)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(directory.rglob("*")) if p.is_file()}


def assert_neat_checkpoint_error(data: dict[str, Any], directory: Path, field: str) -> None:
    """Written to ``directory``, the checkpoint ``data`` (damaged NEAT state) is refused on reading by a one-line
    :class:`~topoevo.errors.CheckpointError` naming the file and ``field``."""
    import json

    import pytest

    from topoevo.checkpoint import read_checkpoint
    from topoevo.config import Config
    from topoevo.errors import CheckpointError
    from topoevo.neat import NEAT

    (directory / "checkpoint.json").write_text(json.dumps(data))
    with pytest.raises(CheckpointError) as info:
        state = read_checkpoint(directory)
        NEAT.from_state_dict(Config.from_dict(data["config"]), state["algorithm"], source=state["_path"])
    text = str(info.value)
    assert "\n" not in text and "checkpoint.json" in text and field in text, text


def short_xor_run(out: Path, seed: int) -> Path:
    """A 4-generation XOR run (tasks/xor.toml) in ``out``, its checkpoint written at the end; returns ``out``."""
    from topoevo.config import load_config
    from topoevo.run import Run

    config = load_config(Path(__file__).resolve().parents[1] / "tasks" / "xor.toml",
                         {"run": {"progress": False, "checkpoint_every": 0, "generations": 4, "seed": seed}})
    Run.start(config, out=out, reporters=[]).loop()
    return out


def resume_beside(run: Path, data: dict[str, Any], directory: Path, generations: int = 7) -> list[Any]:
    """``run`` and a copy whose checkpoint is ``data`` (written to ``directory / "old"``), both resumed to run until
    ``generations`` (not yet looped): compare them to show that an edited (e.g. older-format) checkpoint continues
    as the original does."""
    import json

    from topoevo.run import Run

    old = directory / "old"
    old.mkdir()
    (old / "checkpoint.json").write_text(json.dumps(data))
    return [Run.resume(d, reporters=[], generations=generations) for d in (run, old)]
