"""Validated dataclass sections: field metadata (doc, range, choices) and the strict TOML-table loader.

A section is a dataclass whose fields are declared with :func:`param`. :func:`build_section` turns a TOML table into
one, checking every value; unknown keys are errors with a did-you-mean.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import types
import typing
from enum import Enum
from typing import Any, Callable, ClassVar

from topoevo.errors import ConfigError


def param(default: Any, doc: str, *, ge: float | None = None, le: float | None = None, gt: float | None = None,
          choices: Callable[[], typing.Iterable[str]] | typing.Iterable[str] | None = None,
          path: bool = False, empty_ok: bool | None = None) -> Any:
    """Declare a config field with its documentation and bounds; ``path``: a string that names a file (it has a
    suffix) and is relative is read from the folder of the file the config came from. A list may be empty if its
    default is, or if ``empty_ok``."""
    if empty_ok is None:
        empty_ok = isinstance(default, list) and not default
    meta = {"doc": doc, "ge": ge, "le": le, "gt": gt, "choices": choices, "path": path, "empty_ok": empty_ok}
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda d=tuple(default): list(d), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters (and safe for integers too long to print)."""
    try:
        text = repr(value)
    except ValueError:  # an integer beyond sys.get_int_max_str_digits()
        text = "a huge integer"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def did_you_mean(word: str, options: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _choices(meta: typing.Mapping[str, Any]) -> list[str] | None:
    c = meta.get("choices")
    if c is None:
        return None
    return sorted(c() if callable(c) else c)


def type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return " or ".join(type_name(a) for a in args) + " (optional)"
    if origin is list:
        return f"list of {type_name(typing.get_args(tp)[0])}"
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "one of " + ", ".join(repr(e.value) for e in tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return "table"
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(tp, getattr(tp, "__name__", str(tp)))


def convert_value(value: Any, tp: Any, meta: typing.Mapping[str, Any], where: str, source: str | None) -> Any:
    """Check ``value`` against type ``tp`` and the bounds in ``meta``; return the typed value."""

    def fail(msg: str) -> typing.NoReturn:
        raise ConfigError(msg, source=source, field=where)

    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return convert_value(value, args[0], meta, where, source)
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(value, list):
            fail(f"expected {type_name(tp)}, got {show(value)}")
        if not value and not meta.get("empty_ok"):
            fail("expected a non-empty list")
        return [convert_value(v, item_tp, meta, f"{where}[{i}]", source) for i, v in enumerate(value)]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):  # a nested table ([task.substrate], inline tables)
        return value if isinstance(value, tp) else build_section(tp, value, where, source)
    if isinstance(tp, type) and issubclass(tp, Enum):
        values = [e.value for e in tp]
        if value not in values:
            fail(f"expected {type_name(tp)}, got {show(value)}{did_you_mean(str(value), map(str, values))}")
        return tp(value)
    if tp is bool:
        if not isinstance(value, bool):
            fail(f"expected true or false, got {show(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"expected an integer, got {show(value)}")
    elif tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(f"expected a number, got {show(value)}")
        try:
            value = float(value)
        except OverflowError:  # an integer beyond the range of a double
            value = math.inf
        if not math.isfinite(value):
            fail(f"expected a finite number, got {show(value)}")
    elif tp is str:
        if not isinstance(value, str):
            fail(f"expected a string, got {show(value)}")
        choices = _choices(meta)
        if choices is not None and value not in choices:
            fail(f"unknown name {show(value)}, expected one of {', '.join(choices)}{did_you_mean(value, choices)}")
        if meta.get("path") and source is not None:
            return resolve_path(value, source)
        return value
    else:  # pragma: no cover - schema bug
        raise TypeError(f"unsupported config type {tp!r} at {where}")
    if meta.get("ge") is not None and value < meta["ge"]:
        fail(f"expected a value >= {meta['ge']}, got {show(value)}")
    if meta.get("gt") is not None and value <= meta["gt"]:
        fail(f"expected a value > {meta['gt']}, got {show(value)}")
    if meta.get("le") is not None and value > meta["le"]:
        fail(f"expected a value <= {meta['le']}, got {show(value)}")
    return value


def resolve_path(value: str, source: str) -> str:
    """A relative file path (one with a suffix) as read from the folder of the config file ``source``; names without
    a suffix (bundled datasets) and absolute paths are kept.

    >>> resolve_path("data/p.csv", "/x/tasks/t.toml"), resolve_path("wine", "/x/tasks/t.toml")
    ('/x/tasks/data/p.csv', 'wine')
    """
    from pathlib import Path

    p = Path(value)
    if not p.suffix or p.is_absolute() or "#" in source:  # ("run/checkpoint.json#config": resolved when started)
        return value
    return str((Path(source).parent / p).resolve())


@functools.lru_cache(maxsize=None)
def _type_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)  # evaluating string annotations is slow: once per section class


class Section:
    """Base of the config sections (dataclasses whose fields are declared with :func:`param`): ``__post_init__``
    coerces and checks every field exactly as the TOML loader does (:func:`convert_value`, then the section's
    cross-field :meth:`check`), so a section built in Python holds its declared types or raises the loader's
    one-line error. ``SECTION`` names the table in errors (``genome.network``).

    >>> @dataclasses.dataclass
    ... class Demo(Section):
    ...     SECTION = "demo"
    ...     size: float = param(1.0, "A size.", ge=0)
    >>> Demo(size=2).size
    2.0
    >>> Demo(size="2")
    Traceback (most recent call last):
    ...
    topoevo.errors.ConfigError: demo.size: expected a number, got '2'
    """

    SECTION: ClassVar[str] = ""

    def __post_init__(self) -> None:
        hints = _type_hints(type(self))
        where = self.SECTION or type(self).__name__
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.init:
                value = convert_value(getattr(self, f.name), hints[f.name], f.metadata, f"{where}.{f.name}", None)
                object.__setattr__(self, f.name, value)
        problem = self.check()
        if problem:
            raise ConfigError(problem[1], field=f"{where}.{problem[0]}")

    def check(self) -> tuple[str, str] | None:
        """A cross-field problem as ``(key, message)``, or None (override in sections with such rules)."""
        return None


def build_section(cls: type, table: Any, where: str, source: str | None) -> Any:
    """Build dataclass ``cls`` from a TOML table, rejecting unknown keys and bad values."""
    if not isinstance(table, dict):
        raise ConfigError(f"expected a table [{where}], got {show(table)}", source=source, field=where)
    hints = _type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in table:
        if key not in fields:
            raise ConfigError(f"unknown key{did_you_mean(key, fields)}; valid keys: {', '.join(fields)}",
                              source=source, field=f"{where}.{key}")
    kwargs = {name: convert_value(table[name], hints[name], f.metadata, f"{where}.{name}", source)
              for name, f in fields.items() if name in table}
    try:
        section = cls(**kwargs)
    except ConfigError as exc:  # a Section's __post_init__ names its own table: name the loader's table and file
        prefix = getattr(cls, "SECTION", "") or cls.__name__
        field = exc.field or where
        if field == prefix or field.startswith(prefix + "."):
            field = where + field[len(prefix):]
        raise ConfigError(exc.message, source=source, field=field) from None
    except TypeError as exc:  # a required field is missing
        missing = [n for n, f in fields.items() if n not in kwargs and f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING]
        raise ConfigError(f"missing required key ({exc})", source=source,
                          field=f"{where}.{missing[0]}" if missing else where) from None
    check = None if isinstance(section, Section) else getattr(section, "check", None)  # (Sections check themselves)
    if check is not None:
        problem = check()
        if problem:
            key, msg = problem
            raise ConfigError(msg, source=source, field=f"{where}.{key}")
    return section


def section_to_table(section: Any) -> dict[str, Any]:
    """The inverse of :func:`build_section`: plain TOML/JSON-ready values."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(section):
        v = getattr(section, f.name)
        if isinstance(v, Enum):
            v = v.value
        elif dataclasses.is_dataclass(v):  # a nested table
            v = section_to_table(v)
        elif isinstance(v, list):
            v = [section_to_table(x) if dataclasses.is_dataclass(x) else x for x in v]
        if v is None:
            continue
        out[f.name] = v
    return out
