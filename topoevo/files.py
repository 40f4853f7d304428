"""Files every part of topoevo writes and reads: atomic, durable replacement of a file (temporary file next to it,
fsync, rename, fsync of the directory), for text or bytes topoevo makes and for files a library writes to a path
(:func:`atomic_output`), strict JSON reading (NaN/Infinity rejected, errors name the file and the field), and
``tomllib`` (the standard library's, or ``tomli`` on Python 3.10).

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "a.json"
>>> write_json_atomic(path, {"a": 1}); read_json(path)
{'a': 1}
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from topoevo.errors import TopoevoError

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, as a package (a dependency there)
    import tomli as tomllib

TEMP_SUFFIX = ".tmp"


def temp_prefix(path: str | Path) -> str:
    """The name prefix of :func:`write_json_atomic`'s temporary files for ``path`` (``.NAME.``)."""
    return f".{Path(path).name}."


def write_json_atomic(path: str | Path, data: Any, indent: int | None = 1) -> None:
    """Write JSON to a temporary file next to ``path``, fsync it, rename it over ``path``, fsync the directory:
    readers (and a process killed at any moment, or a power cut) see the old file or the new one, never half a file.

    The text is made before any file is touched, so data that is not JSON (NaN, an object) leaves nothing behind.
    """
    text = json.dumps(data, indent=indent, allow_nan=False, separators=None if indent else (",", ":"))
    write_bytes_atomic(path, text.encode("utf-8"))


def json_text(data: Any, verbatim_at: Sequence[tuple[str, ...]] = ()) -> str:
    """``json.dumps(data, allow_nan=False, separators=(",", ":"))``, the same text, faster for large data: the long
    strings that need no escaping (base64 arrays) held directly by the dicts at the key paths ``verbatim_at`` are
    copied into the text as they are instead of passing the encoder's escaping (which costs as much as the rest of
    a checkpoint together). Never mutates ``data``.

    >>> data = {"a": {"w": "QUJD" * 512, "n": 3}, "b": [1.5, None]}
    >>> json_text(data, [("a",)]) == json.dumps(data, separators=(",", ":"))
    True
    """
    plain: dict[str, Any] = {"allow_nan": False, "separators": (",", ":")}
    blobs: list[str] = []
    swapped = data
    for path in verbatim_at:
        d = _at(data, path)
        if not isinstance(d, dict):
            continue
        copy = None
        for key, value in d.items():
            if type(value) is str and len(value) >= VERBATIM_MIN and _needs_no_escaping(value):
                copy = dict(d) if copy is None else copy
                copy[key] = f"\x00{len(blobs)}"
                blobs.append(value)
        if copy is not None:
            swapped = _replaced(swapped, path, copy)
    if not blobs:
        return json.dumps(data, **plain)
    text = json.dumps(swapped, **plain)
    pieces = text.split('"\\u0000')
    if len(pieces) != len(blobs) + 1:  # (some other string holds a NUL character: no splicing)
        return json.dumps(data, **plain)
    out = [pieces[0]]
    for piece in pieces[1:]:
        index, rest = piece.split('"', 1)
        out += ('"', blobs[int(index)], '"', rest)
    return "".join(out)


#: strings at least this long are worth checking for :func:`json_text`'s verbatim copy
VERBATIM_MIN = 256


def _needs_no_escaping(s: str) -> bool:
    """ASCII without quotes, backslashes or control characters: JSON text as it is."""
    return s.isascii() and '"' not in s and "\\" not in s and \
        int(np.frombuffer(s.encode("ascii"), dtype=np.uint8).min()) >= 0x20


def _at(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _replaced(data: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of ``data`` with the value at ``path`` replaced (only the dicts on the way copied)."""
    out = dict(data)
    out[path[0]] = value if len(path) == 1 else _replaced(data[path[0]], path[1:], value)
    return out


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically and durably (temporary file, fsync, rename, fsync of the directory)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path), suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; give the permissions open() would
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_directory(path.parent)


def fsync_directory(directory: str | Path) -> None:
    """Make a rename in ``directory`` durable (a no-op where directories cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only way to read it; done once, at import, before any threads exist
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def read_json(path: str | Path, error: type[TopoevoError] = TopoevoError) -> Any:
    """Read a JSON file; a missing, unreadable or malformed file raises ``error`` naming it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error("file not found", source=path, field="<file>") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read file ({exc.__class__.__name__})", source=path, field="<file>") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except _NonFiniteNumber as exc:  # NaN / Infinity are not JSON: name the field that holds one
        try:
            where = _find_constant(json.loads(text, parse_constant=_Constant))
        except (ValueError, RecursionError):
            where = None
        raise error(f"expected a finite number, got {exc}", source=path, field=where or "<syntax>") from None
    except ValueError as exc:
        raise error(f"invalid JSON: {exc}", source=path, field="<syntax>") from None
    except RecursionError:
        raise error("invalid JSON: nested too deeply", source=path, field="<syntax>") from None


class _NonFiniteNumber(ValueError):
    pass


def _reject_constant(text: str) -> Any:
    raise _NonFiniteNumber(text)


class _Constant:
    """Stands for a NaN / Infinity literal while :func:`read_json` looks for where it is."""

    def __init__(self, text: str):
        self.text = text


def _find_constant(data: Any, where: str = "") -> str | None:
    if isinstance(data, _Constant):
        return where or "<top>"
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for k, v in items:
        found = _find_constant(v, f"{where}[{k}]" if isinstance(k, int) else f"{where}.{k}" if where else k)
        if found is not None:
            return found
    return None


def write_text_atomic(path: str | Path, text: str) -> None:
    """Replace ``path`` by ``text`` (UTF-8) atomically and durably."""
    write_bytes_atomic(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_output(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """A temporary path next to ``path`` for a library to write into (a picture, a GIF, an ONNX file); when the
    block ends without an error the file is fsynced and renamed over ``path`` (and the directory fsynced), else
    removed. ``suffix`` ends the temporary name (libraries that infer the format from it: ``".png"``).

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_output(out) as tmp:
    ...     _ = tmp.write_text("hello")
    >>> out.read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path), suffix=TEMP_SUFFIX + suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise
    fsync_directory(path.parent)


__all__ = ["tomllib", "TEMP_SUFFIX", "temp_prefix", "write_json_atomic", "write_bytes_atomic", "write_text_atomic",
           "atomic_output", "fsync_directory", "read_json"]
