"""NEAT's species in a checkpoint as one table of arrays (``algorithm.species``), written and read without one JSON
object per species: ids, creation and last-improvement generations, best scores, the members' genome keys (species
after species) and each species' representative. Checkpoints written before hold a list of species objects;
topoevo/neat/algorithm.py still reads those.

>>> t = species_table([SpeciesRow(3, 0, 2, 1.5, [7, 8], None, 8)])
>>> read_species_table(t, ValueError)[0].members, read_species_table(t, ValueError)[0].representative_member
([7, 8], 8)
"""
from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.genome.columns import decode_ints, encode_ints

FORMAT = "topoevo.species_table"
VERSION = 1
READS = (1,)
#: the integer columns and the smallest value each may hold (-1 in the representative columns: none)
INT_COLUMNS = {"id": 1, "created": 0, "last_improved": 0, "member_counts": 1, "members": 0, "representative": -1,
               "representative_member": -1}


@dataclass
class SpeciesRow:
    """One species as a checkpoint stores it: members by genome key; the representative either a member of the
    population (``representative_member``: its key) or a stored genome (``representative``: its index in
    ``algorithm.representatives``), or none; ``best_score`` -inf when the species has none yet."""

    id: int
    created: int
    last_improved: int
    best_score: float
    members: list[int]
    representative: int | None
    representative_member: int | None


def species_table(rows: Sequence[SpeciesRow]) -> dict[str, Any]:
    """The rows as one JSON object of arrays (integers as :func:`~topoevo.genome.columns.encode_ints`, the best
    scores as base64 of little-endian float64)."""
    scores = np.array([r.best_score for r in rows], dtype="<f8")
    return {"format": FORMAT, "version": VERSION,
            "id": encode_ints([r.id for r in rows]), "created": encode_ints([r.created for r in rows]),
            "last_improved": encode_ints([r.last_improved for r in rows]),
            "member_counts": encode_ints([len(r.members) for r in rows]),
            "members": encode_ints([k for r in rows for k in r.members]),
            "representative": encode_ints([-1 if r.representative is None else r.representative for r in rows]),
            "representative_member": encode_ints([-1 if r.representative_member is None else r.representative_member
                                                  for r in rows]),
            "best_score": base64.b64encode(scores.tobytes()).decode("ascii")}


def is_species_table(d: Any) -> bool:
    """Is ``d`` a species table (rather than the list of species objects of older checkpoints)?"""
    return isinstance(d, dict) and d.get("format") == FORMAT


def read_species_table(d: Any, fail: Callable[[str, str], Exception]) -> list[SpeciesRow]:
    """:func:`species_table` output back as rows, every array checked (type, length, range); anything malformed
    raises ``fail(field below the table, message)``. Cross-references (members in the population, ids below the
    next species id) are the caller's to check."""
    if not is_species_table(d):
        raise fail("format", f"expected {FORMAT!r}")
    version = d.get("version")
    if version not in READS or isinstance(version, bool):
        raise fail("version", f"unsupported version {version!r} (this topoevo reads {' and '.join(map(str, READS))})")
    cols: dict[str, list[int]] = {}
    for name, minimum in INT_COLUMNS.items():
        values = decode_ints(d.get(name), lambda f, message, name=name: fail(f"{name}{f}", message))
        if values.size and values.min() < minimum:
            raise fail(name, f"expected integers >= {minimum}, got {int(values.min())}")
        cols[name] = values.tolist()
    try:
        raw = base64.b64decode(d["best_score"].encode("ascii"), validate=True) if isinstance(d.get("best_score"),
                                                                                             str) else None
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = None
    if raw is None or len(raw) % 8:
        raise fail("best_score", "not a base64 string of float64 values")
    scores = np.frombuffer(raw, dtype="<f8")
    if np.isnan(scores).any() or (scores == np.inf).any():
        raise fail("best_score", "expected finite numbers (-inf: none yet)")
    n = len(cols["id"])
    for name in ("created", "last_improved", "member_counts", "representative", "representative_member"):
        if len(cols[name]) != n:
            raise fail(name, f"expected {n} values (one per species), got {len(cols[name])}")
    if len(scores) != n:
        raise fail("best_score", f"expected {n} values (one per species), got {len(scores)}")
    total = sum(cols["member_counts"])
    if len(cols["members"]) != total:
        raise fail("members", f"expected {total} values (the sum of member_counts), got {len(cols['members'])}")
    members, ends = cols["members"], np.cumsum(cols["member_counts"]).tolist()
    return [SpeciesRow(sid, created, last, score, members[end - k:end], None if rep < 0 else rep,
                       None if rep_member < 0 else rep_member)
            for sid, created, last, score, k, end, rep, rep_member in
            zip(cols["id"], cols["created"], cols["last_improved"], scores.tolist(), cols["member_counts"], ends,
                cols["representative"], cols["representative_member"])]


def species_objects(rows: Sequence[SpeciesRow]) -> list[dict[str, Any]]:
    """The rows in the layout of checkpoints written before the table (a list of species objects; their
    representatives still by key or index), which topoevo still reads (the tests and benchmarks/checkpoint_cost.py
    write it).

    >>> species_objects([SpeciesRow(3, 0, 2, float("-inf"), [7], None, 7)])[0]["best_score"] is None
    True
    """
    return [{"id": r.id, "created": r.created, "members": list(r.members), "representative": r.representative,
             "representative_member": r.representative_member,
             "best_score": r.best_score if math.isfinite(r.best_score) else None, "last_improved": r.last_improved}
            for r in rows]
