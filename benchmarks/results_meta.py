"""The results writer of the NAS and people benchmarks, with their call signature (load average passed in): a thin
call of :func:`benchmarks.results_io.write_results`, which every benchmark's "meta" record comes from."""
from __future__ import annotations

import sys
from typing import Any

from benchmarks.results_io import Session, write_results as _write


def write_results(name: str, obj: dict[str, Any], argv: list[str] | None, seeds: Any,
                  load_before: tuple[float, ...]) -> dict[str, Any]:
    """Add "meta" to a copy of ``obj``, write it to ``benchmarks/results/<name>.json`` and return it."""
    obj = dict(obj)
    _write(name, obj, [sys.argv[0], *(sys.argv[1:] if argv is None else argv)], seeds=seeds,
           session=Session(load_before=list(load_before)))
    return obj
