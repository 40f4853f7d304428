"""HyperNEAT substrates as declared in a task file (``[task.substrate]``): layers of nodes placed on a grid or at
explicit coordinates, the links between layers, and how a CPPN's outputs become weights (threshold, scaling, LEO).

:class:`SubstrateConfig` is the checked TOML table; :class:`Substrate` is its geometry as numpy arrays (node
coordinates per layer and, for every link between two layers, the CPPN query rows of all its connections).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from topoevo.config.schema import Section, param


def _activations() -> list[str]:
    from topoevo.genome.activations import ACTIVATIONS

    return list(ACTIVATIONS)


class LayerKind(str, Enum):
    """What a substrate layer is: its nodes read the task's inputs, compute hidden values, or give the outputs.

    >>> LayerKind("output") is LayerKind.OUTPUT
    True
    """

    INPUT = "input"
    HIDDEN = "hidden"
    OUTPUT = "output"


@dataclass
class LayerConfig(Section):
    """One layer of substrate nodes (an entry of ``[[task.substrate.layers]]``): a grid of ``grid[k]`` nodes along
    axis k, evenly spread over ``[low[k], high[k]]`` (one node: the middle), or explicit ``coordinates``.

    >>> LayerConfig(name="in", kind="input", grid=[3, 2]).grid
    [3, 2]
    """

    SECTION = "layer"

    name: str = param("", "The layer's name (links refer to it); '' = its position in the list.")
    kind: LayerKind = param(LayerKind.HIDDEN, "'input' (reads the task's inputs, in declaration order), 'hidden' "
                                              "or 'output' (gives the task's outputs, in declaration order).")
    grid: list[int] = param([], "Nodes per axis (one entry per substrate dimension), row-major with the last axis "
                                "fastest; [] = use `coordinates`.", ge=1)
    low: list[float] = param([], "Lowest coordinate per axis of the grid; [] = -1 on every axis.")
    high: list[float] = param([], "Highest coordinate per axis of the grid; [] = +1 on every axis.")
    coordinates: list[list[float]] = param([], "Explicit node coordinates, one list of `dimensions` numbers per node "
                                               "(instead of `grid`).")


@dataclass
class ESConfig(Section):
    """``[task.substrate.es]``: ES-HyperNEAT (Risi & Stanley 2012) places the hidden nodes itself. From each input
    (outgoing) and, `iteration_level` times, from each newly found hidden node, a quadtree over [-1, 1]^2 samples
    the CPPN's weight pattern: a cell is divided while its depth is below `initial_depth`, or below `max_depth`
    while the variance of its children's weights exceeds `division_threshold`. Cells whose subtree variance is below
    `variance_threshold` become connections when their band value (how much their weight differs from both
    neighbours along one axis) exceeds `band_threshold`. Outputs are reached by incoming quadtrees; nodes not on a
    path from an input to an output are removed. The networks run `activation_ticks` synchronous ticks per input.

    >>> ESConfig().max_depth
    3
    """

    SECTION = "es"

    initial_depth: int = param(2, "Quadtree depth every cell is divided to (2: a 4x4 grid).", ge=1, le=8)
    max_depth: int = param(3, "Deepest division (3: cells of an 8x8 grid).", ge=1, le=8)
    division_threshold: float = param(0.03, "Divide a cell (below max_depth) when its children's weight variance "
                                            "exceeds this.", ge=0)
    variance_threshold: float = param(0.03, "Descend into a cell whose leaves' weight variance is at least this; "
                                            "below it the cell is a candidate connection.", ge=0)
    band_threshold: float = param(0.3, "A candidate becomes a connection when its band value exceeds this.", ge=0)
    iteration_level: int = param(1, "Rounds of hidden-to-hidden search from newly found hidden nodes.", ge=0, le=5)
    activation_ticks: int = param(0, "Synchronous ticks per network input; 0 = iteration_level + 2 (the longest "
                                     "input-to-output path).", ge=0)

    def check(self) -> tuple[str, str] | None:
        if self.max_depth < self.initial_depth:
            return "max_depth", f"expected max_depth >= initial_depth ({self.initial_depth}), got {self.max_depth}"
        return None


@dataclass
class SubstrateConfig(Section):
    """``[task.substrate]``: the HyperNEAT substrate. The CPPN is queried with the coordinates of both ends of every
    connection (and their distance); its first output, clipped to [-1, 1], is expressed as a weight when its
    magnitude exceeds `weight_threshold`, scaled so that the weights span (0, `max_weight`] in magnitude (Stanley,
    D'Ambrosio & Gauci 2009). With `leo`, a second CPPN output > 0 decides which connections exist (the link
    expression output, Verbancsics & Stanley 2011) and the weight is the first output times `max_weight`.

    >>> s = SubstrateConfig(layers=[LayerConfig(kind="input", grid=[2, 2]), LayerConfig(kind="output", grid=[1, 1])])
    >>> s.cppn_inputs, s.cppn_outputs
    (5, 1)
    """

    SECTION = "substrate"

    dimensions: int = param(2, "Coordinates per node (2-D or 3-D substrates; 1 also works).", ge=1, le=3)
    layers: list[LayerConfig] = param([], "The layers, in evaluation order (`[[task.substrate.layers]]` tables).",
                                      empty_ok=True)
    links: list[list[str]] = param([], "Connected layer pairs [source, target] by name, each source before its "
                                       "target; [] = every layer to the next one.")
    weight_threshold: float = param(0.2, "CPPN outputs of smaller magnitude express no connection (without LEO).",
                                    ge=0, le=0.99)
    max_weight: float = param(3.0, "Largest connection weight magnitude.", gt=0)
    leo: bool = param(False, "Add a link expression output: a connection exists where it is > 0.")
    distance_input: bool = param(True, "Give the CPPN the distance between a connection's ends as an extra input.")
    node_bias: bool = param(False, "Add a CPPN output queried at (origin, node) for each hidden/output node's bias.")
    hidden_activation: str = param("sigmoid", "Activation of the substrate's hidden nodes.", choices=_activations)
    output_activation: str = param("sigmoid", "Activation of the substrate's output nodes.",
                                   choices=_activations)
    es: ESConfig | None = param(None, "ES-HyperNEAT: `[task.substrate.es]` (2-D substrates with input and output "
                                      "layers only); unset = the declared layers are the whole substrate.")
    query_chunk: int = param(0, "Connections per CPPN forward when building the substrate (bounds memory); 0 = all "
                                "of them in one forward.", ge=0)

    @property
    def cppn_inputs(self) -> int:
        """CPPN inputs: both ends' coordinates, then the distance (if `distance_input`)."""
        return 2 * self.dimensions + int(self.distance_input)

    @property
    def cppn_outputs(self) -> int:
        """CPPN outputs: weight, then LEO (if `leo`), then bias (if `node_bias`)."""
        return 1 + int(self.leo) + int(self.node_bias)

    def check(self) -> tuple[str, str] | None:
        d = self.dimensions
        if not self.layers:
            return "layers", "expected at least an input and an output layer ([[task.substrate.layers]])"
        names: dict[str, int] = {}
        for i, layer in enumerate(self.layers):
            where = f"layers[{i}]"
            if layer.grid and layer.coordinates:
                return f"{where}.grid", "give either `grid` or `coordinates`, not both"
            if not layer.grid and not layer.coordinates:
                return f"{where}.grid", "expected `grid` (nodes per axis) or `coordinates`"
            if layer.grid and len(layer.grid) != d:
                return f"{where}.grid", f"expected {d} numbers (substrate dimensions = {d}), got {len(layer.grid)}"
            for key in ("low", "high"):
                v = getattr(layer, key)
                if v and (not layer.grid or len(v) != d):
                    return f"{where}.{key}", (f"expected {d} numbers (substrate dimensions = {d}), got {len(v)}"
                                              if layer.grid else "only a `grid` layer has bounds")
            for j, point in enumerate(layer.coordinates):
                if len(point) != d:
                    return f"{where}.coordinates[{j}]", (f"expected {d} coordinates (substrate dimensions = {d}), "
                                                         f"got {len(point)}")
            name = layer.name or str(i)
            if name in names:
                return f"{where}.name", f"layer name {name!r} is used twice"
            names[name] = i
        kinds = [layer.kind for layer in self.layers]
        for kind in (LayerKind.INPUT, LayerKind.OUTPUT):
            if kind not in kinds:
                return "layers", f"the substrate has no {kind.value} layer (expected at least one)"
        if self.es is not None:
            if d != 2:
                return "dimensions", f"ES-HyperNEAT's quadtree needs a 2-D substrate, got dimensions = {d}"
            if LayerKind.HIDDEN in kinds:
                return f"layers[{kinds.index(LayerKind.HIDDEN)}].kind", "ES-HyperNEAT places the hidden nodes itself"
            for key in ("leo", "links", "node_bias"):
                if getattr(self, key):
                    return key, "not used by ES-HyperNEAT (leave it unset)"
            return None
        targets = set()
        for j, link in enumerate(self.links):
            if len(link) != 2:
                return f"links[{j}]", f"expected [source, target] layer names, got {len(link)} names"
            for name in link:
                if name not in names:
                    return f"links[{j}]", f"unknown layer {name!r}; layers: {', '.join(names)}"
            a, b = names[link[0]], names[link[1]]
            if a >= b:
                return f"links[{j}]", "a link must go from a layer to a later one (feed-forward substrates)"
            if self.layers[b].kind is LayerKind.INPUT:
                return f"links[{j}]", f"layer {link[1]!r} is an input layer: nothing may feed it"
            if (a, b) in targets:
                return f"links[{j}]", "this link is listed twice"
            targets.add((a, b))
        fed = {b for _, b in self.layer_links()}
        for i, layer in enumerate(self.layers):
            if layer.kind is not LayerKind.INPUT and i not in fed:
                return "links" if self.links else "layers", (f"layer {layer.name or i!r} ({layer.kind.value}) is fed "
                                                             "by no link")
        return None

    def layer_links(self) -> list[tuple[int, int]]:
        """(source, target) layer indices of every link, in declaration order."""
        if not self.links:
            return [(i, i + 1) for i in range(len(self.layers) - 1)
                    if self.layers[i + 1].kind is not LayerKind.INPUT]
        index = {(layer.name or str(i)): i for i, layer in enumerate(self.layers)}
        return [(index[a], index[b]) for a, b in self.links]


def layer_coordinates(layer: LayerConfig, dimensions: int) -> np.ndarray:
    """The ``(n, dimensions)`` coordinates of a layer's nodes.

    >>> layer_coordinates(LayerConfig(grid=[3, 1]), 2).tolist()
    [[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]]
    """
    if layer.coordinates:
        return np.asarray(layer.coordinates, dtype=np.float64).reshape(-1, dimensions)
    low = layer.low or [-1.0] * dimensions
    high = layer.high or [1.0] * dimensions
    axes = [np.linspace(lo, hi, n) if n > 1 else np.array([(lo + hi) / 2.0]) for n, lo, hi in zip(layer.grid, low, high)]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


@dataclass
class Link:
    """All connections from layer ``source`` to layer ``target``: ``rows`` of the query table, target-major (the
    query of connection (j -> i) is row ``start + i * n_source + j``)."""

    source: int
    target: int
    start: int
    stop: int


class Substrate:
    """A substrate's geometry: node coordinates per layer, its links, and the CPPN query table of all connections
    (and of the node biases when the config asks for them).

    >>> cfg = SubstrateConfig(layers=[LayerConfig(kind="input", grid=[2, 1]), LayerConfig(kind="output", grid=[1, 1])])
    >>> s = Substrate(cfg)
    >>> s.num_inputs, s.num_outputs, s.num_connections, s.queries.shape
    (2, 1, 2, (2, 5))
    """

    def __init__(self, config: SubstrateConfig):
        self.config = config
        d = config.dimensions
        self.coords = [layer_coordinates(layer, d) for layer in config.layers]
        self.kinds = [layer.kind for layer in config.layers]
        self.input_layers = [i for i, k in enumerate(self.kinds) if k is LayerKind.INPUT]
        self.output_layers = [i for i, k in enumerate(self.kinds) if k is LayerKind.OUTPUT]
        self.num_inputs = sum(len(self.coords[i]) for i in self.input_layers)
        self.num_outputs = sum(len(self.coords[i]) for i in self.output_layers)
        rows, self.links, start = [], [], 0
        for a, b in config.layer_links():
            q = connection_queries(self.coords[a], self.coords[b], config.distance_input)
            self.links.append(Link(a, b, start, start + len(q)))
            start += len(q)
            rows.append(q)
        self.num_connections = start
        # node biases: queried from the origin to each computed node
        self.bias_layers = [i for i, k in enumerate(self.kinds) if k is not LayerKind.INPUT]
        self.bias_start = start
        if config.node_bias:
            for i in self.bias_layers:
                rows.append(connection_queries(np.zeros((1, d)), self.coords[i], config.distance_input))
        self.queries = np.concatenate(rows).astype(np.float32) if rows else np.zeros((0, config.cppn_inputs),
                                                                                    np.float32)

    def layer_sizes(self) -> list[int]:
        return [len(c) for c in self.coords]


def connection_queries(source: np.ndarray, target: np.ndarray, distance: bool) -> np.ndarray:
    """CPPN inputs of every connection source -> target, target-major: ``(n_t * n_s, 2 d [+ 1])``.

    >>> connection_queries(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]), True).tolist()
    [[0.0, 0.0, 3.0, 4.0, 5.0]]
    """
    ns, nt = len(source), len(target)
    src = np.broadcast_to(source[None, :, :], (nt, ns, source.shape[1])).reshape(nt * ns, -1)
    dst = np.broadcast_to(target[:, None, :], (nt, ns, target.shape[1])).reshape(nt * ns, -1)
    cols = [src, dst]
    if distance:
        cols.append(np.sqrt(((dst - src) ** 2).sum(axis=1, keepdims=True)))
    return np.concatenate(cols, axis=1)
