"""Shared pieces of the fuzz tests (tests/test_fuzz_*.py): example budgets, hypothesis settings, walking a JSON
document, and snapshots of a directory (to check that a failed command changed nothing)."""
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
