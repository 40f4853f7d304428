"""Global innovation numbers: within one generation the same structural change gets the same numbers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class InnovationTracker:
    """Hands out connection innovation numbers and hidden node ids.

    Within a generation (until :meth:`new_generation`), every genome that adds the link ``(a, b)`` gets the same
    innovation, and every genome that splits connection ``i`` gets the same node id and the same two innovations.

    >>> t = InnovationTracker(next_innovation=0, next_node_id=3)
    >>> t.link(0, 2) == t.link(0, 2), t.split(0, 0, 2) == t.split(0, 0, 2)
    (True, True)
    """

    next_innovation: int = 0
    next_node_id: int = 0
    links: dict[tuple[int, int], int] = field(default_factory=dict)
    splits: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    #: (split innovation, node id the genome already holds) -> the next split of that connection
    resplits: dict[tuple[int, int], tuple[int, int, int]] = field(default_factory=dict)

    def new_generation(self) -> None:
        self.links.clear()
        self.splits.clear()
        self.resplits.clear()

    def link(self, in_node: int, out_node: int) -> int:
        """Innovation number of a new connection ``in_node -> out_node`` in this generation."""
        key = (in_node, out_node)
        inn = self.links.get(key)
        if inn is None:
            inn = self.links[key] = self.next_innovation
            self.next_innovation += 1
        return inn

    def split(self, innovation: int, in_node: int, out_node: int) -> tuple[int, int, int]:
        """(new node id, innovation of ``in->new``, innovation of ``new->out``) for splitting a connection."""
        found = self.splits.get(innovation)
        if found is None:
            found = self.splits[innovation] = self.fresh_split(in_node, out_node)
        return found

    def resplit(self, innovation: int, taken_node: int, in_node: int, out_node: int) -> tuple[int, int, int]:
        """The split to use instead when a genome already holds ``taken_node`` from splitting ``innovation`` earlier
        this generation; genomes in the same situation again get the same numbers."""
        key = (innovation, taken_node)
        found = self.resplits.get(key)
        if found is None:
            found = self.resplits[key] = self.fresh_split(in_node, out_node)
        return found

    def fresh_split(self, in_node: int, out_node: int) -> tuple[int, int, int]:
        """A split with a brand-new node id and two new innovations (registered as links of this generation)."""
        node = self.next_node_id
        self.next_node_id += 1
        a, b = self.next_innovation, self.next_innovation + 1
        self.next_innovation += 2
        self.links.setdefault((in_node, node), a)
        self.links.setdefault((node, out_node), b)
        return node, a, b

    # ---- checkpoint state -----------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"next_innovation": self.next_innovation, "next_node_id": self.next_node_id,
                "links": [[a, b, i] for (a, b), i in self.links.items()],
                "splits": [[i, *v] for i, v in self.splits.items()],
                "resplits": [[i, n, *v] for (i, n), v in self.resplits.items()]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "InnovationTracker":
        return cls(int(d["next_innovation"]), int(d["next_node_id"]),
                   {(int(a), int(b)): int(i) for a, b, i in d["links"]},
                   {int(i): (int(n), int(x), int(y)) for i, n, x, y in d["splits"]},
                   {(int(i), int(t)): (int(n), int(x), int(y)) for i, t, n, x, y in d.get("resplits", [])})
