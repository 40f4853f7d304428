"""Genome drawings: a layered left-to-right layout, rendered with matplotlib/networkx (PNG, SVG) or as Graphviz DOT.

Inputs (and the bias node) form the first column, outputs the last, hidden nodes sit at their depth (longest path
from an input) in between. Edge width grows with ``|weight|``, colour gives the sign, disabled connections are
dashed, and connections that run backwards (recurrent links, self-loops) are drawn curved.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from topoevo.errors import TopoevoError
from topoevo.files import write_text_atomic
from topoevo.genome.genes import ConnectionGene, NodeKind
from topoevo.genome.genome import Genome
from topoevo.report.figures import require_matplotlib

__all__ = ["Layout", "layout_genome", "draw_genome", "genome_to_dot", "DRAW_FORMATS"]

DRAW_FORMATS = ("png", "svg", "pdf", "dot", "gv")

NODE_COLORS = {NodeKind.INPUT: "#a6d96a", NodeKind.BIAS: "#d9d9d9", NodeKind.OUTPUT: "#fdae61",
               NodeKind.HIDDEN: "#abd9e9"}
POSITIVE, NEGATIVE = "#1a9641", "#d7191c"


@dataclass
class Layout:
    """Node positions: ``layer[n]`` the column (0 = inputs), ``pos[n]`` = (x, y) with x = column."""

    layer: dict[int, int]
    pos: dict[int, tuple[float, float]]

    @property
    def num_layers(self) -> int:
        return max(self.layer.values(), default=0) + 1

    def is_forward(self, c: ConnectionGene) -> bool:
        """Whether a connection runs left to right (else it is drawn curved)."""
        return self.layer[c.in_node] < self.layer[c.out_node]


def _acyclic_edges(g: Genome) -> list[tuple[int, int]]:
    """All connection genes as (in, out) minus self-loops and the back edges of a DFS (so recurrent genomes
    get a layering too); a feed-forward genome keeps every edge."""
    succ: dict[int, list[int]] = {n: [] for n in g.nodes}
    for c in sorted(g.conns.values(), key=lambda c: c.innovation):
        if c.in_node != c.out_node:
            succ[c.in_node].append(c.out_node)
    if g.feed_forward:
        return [(a, b) for a, bs in succ.items() for b in bs]
    state: dict[int, int] = {}  # 1 = on the DFS stack, 2 = done
    kept: list[tuple[int, int]] = []
    roots = list(g.sensor_ids) + sorted(n for n in g.nodes if n not in g.sensor_ids)
    for root in roots:
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                continue  # back edge: leave it out of the layering
            else:
                kept.append((node, nxt))
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(succ[nxt])))
    return kept


def layout_genome(g: Genome) -> Layout:
    """Columns by depth (inputs and bias first, outputs last), rows ordered to keep edges short.

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome.initial import initial_genome
    >>> from topoevo.genome.innovation import InnovationTracker
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0))
    >>> layout_genome(g).layer
    {0: 0, 1: 0, 2: 0, 3: 1}
    """
    edges = _acyclic_edges(g)
    preds: dict[int, list[int]] = {n: [] for n in g.nodes}
    succ: dict[int, list[int]] = {n: [] for n in g.nodes}
    for a, b in edges:
        preds[b].append(a)
        succ[a].append(b)
    # longest path from the sensors, in topological order (Kahn)
    indeg = {n: len(p) for n, p in preds.items()}
    order = [n for n in sorted(g.nodes) if indeg[n] == 0]
    depth = {n: 0 for n in g.nodes}
    i = 0
    while i < len(order):
        n = order[i]
        i += 1
        for m in succ[n]:
            depth[m] = max(depth[m], depth[n] + 1)
            indeg[m] -= 1
            if indeg[m] == 0:
                order.append(m)
    sensors = set(g.sensor_ids)
    hidden = g.hidden_ids
    layer: dict[int, int] = {s: 0 for s in sensors}
    for h in hidden:
        layer[h] = max(1, depth[h])
    last = max((layer[h] for h in hidden), default=0) + 1
    for o in g.output_ids:
        layer[o] = last

    columns: dict[int, list[int]] = {}
    for n in sorted(g.nodes):
        columns.setdefault(layer[n], []).append(n)
    columns[0] = list(g.input_ids) + ([g.bias_id] if g.bias_id is not None else [])
    columns[last] = list(g.output_ids)
    rank: dict[int, float] = {}
    for col in sorted(columns):
        nodes = columns[col]
        if 0 < col < last:  # barycentre of the already placed predecessors, then id
            def key(n: int) -> tuple[float, int]:
                placed = [rank[p] for p in preds[n] if p in rank]
                return (sum(placed) / len(placed) if placed else float("inf"), n)

            nodes.sort(key=key)
        span = len(nodes)
        for i, n in enumerate(nodes):
            rank[n] = i - (span - 1) / 2.0
    pos = {n: (float(layer[n]), -rank[n]) for n in g.nodes}
    return Layout(layer, pos)


def _label(g: Genome, n: int) -> str:
    kind = g.nodes[n].kind
    if kind is NodeKind.INPUT:
        return f"in {g.input_ids.index(n)}"
    if kind is NodeKind.BIAS:
        return "bias"
    if kind is NodeKind.OUTPUT:
        return f"out {g.output_ids.index(n)}"
    return str(n)


def _title(g: Genome) -> str:
    fit = f", fitness {g.fitness:.4g}" if g.fitness is not None else ""
    return (f"genome {g.key}: {g.num_hidden} hidden, {g.num_enabled()}/{len(g.conns)} connections enabled"
            f"{fit}")


# ---- DOT ------------------------------------------------------------------------------------------------------------
def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def genome_to_dot(g: Genome, title: str | None = None) -> str:
    """Graphviz DOT text: same colours and widths as the pictures (render with ``dot -Tsvg``)."""
    max_w = max((abs(c.weight) for c in g.conns.values()), default=0.0) or 1.0
    layout = layout_genome(g)
    lines = ["digraph genome {", "  rankdir=LR;", f"  label={_dot_quote(title or _title(g))};", "  labelloc=t;",
             '  node [shape=circle, style=filled, fontsize=10, fontname="Helvetica", width=0.55, fixedsize=true];',
             '  edge [fontsize=8, fontname="Helvetica", arrowsize=0.6];']
    for col in range(layout.num_layers):
        members = sorted((n for n in g.nodes if layout.layer[n] == col), key=lambda n: -layout.pos[n][1])
        if members:
            lines.append("  { rank=same; " + " ".join(f"n{n};" for n in members) + " }")
    for n in sorted(g.nodes):
        node = g.nodes[n]
        tip = f"{node.kind.value} {n}" if node.kind.is_sensor else \
            f"{node.kind.value} {n}: {node.activation}, {node.aggregation}, bias {node.bias:+.4g}"
        lines.append(f"  n{n} [label={_dot_quote(_label(g, n))}, fillcolor={_dot_quote(NODE_COLORS[node.kind])}, "
                     f"tooltip={_dot_quote(tip)}];")
    for c in sorted(g.conns.values(), key=lambda c: c.innovation):
        attrs = [f"color={_dot_quote(POSITIVE if c.weight >= 0 else NEGATIVE)}",
                 f"penwidth={0.6 + 3.4 * abs(c.weight) / max_w:.2f}", f"label={_dot_quote(f'{c.weight:+.2f}')}",
                 f"tooltip={_dot_quote(f'innovation {c.innovation}')}"]
        if not c.enabled:
            attrs.append("style=dashed")
        if not layout.is_forward(c):
            attrs.append("constraint=false")
        lines.append(f"  n{c.in_node} -> n{c.out_node} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- matplotlib -----------------------------------------------------------------------------------------------------
#: how far (in rows) a link that skips columns bows out, at most; backward links bow this much too
MAX_BULGE = 0.8


def _bulge(layout: Layout, c: ConnectionGene) -> float:
    """Signed sideways bulge of a connection, in rows (y units; + = up): 0 between neighbouring columns; links
    that skip columns bow away from the middle so they pass the nodes in between; backward links bow down."""
    if c.in_node == c.out_node:
        return 0.0
    if not layout.is_forward(c):
        return -min(MAX_BULGE, 0.3 + 0.1 * (layout.layer[c.in_node] - layout.layer[c.out_node]))
    span = layout.layer[c.out_node] - layout.layer[c.in_node]
    if span <= 1:
        return 0.0
    mid = (layout.pos[c.in_node][1] + layout.pos[c.out_node][1]) / 2.0
    up = mid > 0 or (mid == 0 and c.innovation % 2 == 0)
    size = min(MAX_BULGE, 0.25 + 0.08 * span)
    return size if up else -size


def _arc_rad(layout: Layout, c: ConnectionGene, aspect: float) -> float:
    """matplotlib ``arc3`` rad giving :func:`_bulge` (the control point sits rad * length off the chord's middle,
    the curve's peak half that; ``aspect`` = display units per x unit / per y unit)."""
    bulge = _bulge(layout, c)
    if bulge == 0.0:
        return 0.0
    dx = layout.pos[c.out_node][0] - layout.pos[c.in_node][0]
    dy = layout.pos[c.out_node][1] - layout.pos[c.in_node][1]
    length = ((dx * aspect) ** 2 + dy ** 2) ** 0.5 or 1.0  # in y units
    # arc3 offsets the control point to the right of the direction of travel for rad > 0
    direction = 1.0 if dx >= 0 else -1.0
    return round(-direction * 2.0 * bulge / length, 3)


def _render(g: Genome, path: Path, title: str | None) -> None:
    import networkx as nx
    from matplotlib.lines import Line2D

    from topoevo.report.figures import new_figure, save_figure

    layout = layout_genome(g)
    columns = layout.num_layers
    tallest = max((sum(1 for n in g.nodes if layout.layer[n] == c) for c in range(columns)), default=1)
    width, height = min(16.0, 2.5 + 1.5 * columns), min(12.0, max(3.6, 1.6 + 0.9 * tallest))
    fig = new_figure(width=width, height=height)
    ax = fig.add_subplot()
    ax.set_axis_off()
    graph = nx.DiGraph()
    graph.add_nodes_from(g.nodes)
    graph.add_edges_from((c.in_node, c.out_node) for c in g.conns.values())
    pos = layout.pos
    node_size = 900
    kinds = [g.nodes[n].kind for n in graph.nodes]
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=node_size, node_color=[NODE_COLORS[k] for k in kinds],
                           edgecolors="#404040", linewidths=1.0)
    nx.draw_networkx_labels(graph, pos, ax=ax, labels={n: _label(g, n) for n in graph.nodes}, font_size=8)
    acts = {g.nodes[n].activation for n in g.nodes if not g.nodes[n].kind.is_sensor}
    if len(acts) > 1:  # mixed activations: name each under its node
        for n in g.nodes:
            if not g.nodes[n].kind.is_sensor:
                x, y = pos[n]
                ax.annotate(g.nodes[n].activation, (x, y), xytext=(0, -17), textcoords="offset points",
                            ha="center", va="top", fontsize=6, color="#404040")
    max_w = max((abs(c.weight) for c in g.conns.values()), default=0.0) or 1.0
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    up = max([_bulge(layout, c) for c in g.conns.values()] + [0.0])
    down = -min([_bulge(layout, c) for c in g.conns.values()] + [0.0])
    xlim = (min(xs) - 0.45, max(xs) + 0.45)
    ylim = (min(ys) - 0.6 - 0.5 * down, max(ys) + 0.6 + 0.5 * up)
    aspect = (width / (xlim[1] - xlim[0])) / (height * 0.8 / (ylim[1] - ylim[0]))  # title and legend take ~20%
    groups: dict[tuple[bool, float], list[ConnectionGene]] = {}
    for c in sorted(g.conns.values(), key=lambda c: c.innovation):
        groups.setdefault((c.enabled, _arc_rad(layout, c, aspect)), []).append(c)
    for (enabled, rad), conns in sorted(groups.items()):
        nx.draw_networkx_edges(
            graph, pos, ax=ax, edgelist=[(c.in_node, c.out_node) for c in conns], node_size=node_size,
            width=[0.6 + 3.4 * abs(c.weight) / max_w for c in conns],
            edge_color=[POSITIVE if c.weight >= 0 else NEGATIVE for c in conns],
            style="solid" if enabled else (0, (4, 3)), alpha=0.9 if enabled else 0.55, arrows=True,
            arrowstyle="-|>", arrowsize=12, connectionstyle=f"arc3,rad={rad}")
    handles = [Line2D([], [], color=POSITIVE, lw=2, label="positive weight"),
               Line2D([], [], color=NEGATIVE, lw=2, label="negative weight"),
               Line2D([], [], color="#606060", lw=1.2, linestyle=(0, (4, 3)), label="disabled")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3, fontsize="small",
              frameon=False)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_title(title or _title(g), fontsize="medium")
    save_figure(fig, path)


def draw_genome(g: Genome, path: str | Path, title: str | None = None) -> Path:
    """Write a drawing of ``g``; the format follows the suffix (``.png``, ``.svg``, ``.pdf``, ``.dot``/``.gv``).

    >>> # draw_genome(load_genome("runs/xor/champion.json"), "champion.svg")
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in DRAW_FORMATS:
        raise TopoevoError(f"unknown picture format {path.suffix!r}; expected one of "
                           f"{', '.join('.' + f for f in DRAW_FORMATS)}", source=path, field="--output")
    if fmt in ("dot", "gv"):
        write_text_atomic(path, genome_to_dot(g, title))
        return path
    require_matplotlib(path)
    _render(g, path, title)
    return path
