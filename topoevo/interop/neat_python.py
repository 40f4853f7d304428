"""Genome conversion between neat-python (>= 2.0) ``DefaultGenome`` objects and topoevo :class:`Genome` s.

Both sides compute a node as ``activation(bias + response * aggregation(w_i * x_i))``, so a genome converts gene
by gene; the network it encodes computes the same outputs on both sides (up to float rounding: topoevo sums with
``math.fsum``). The mapping:

- Node ids. neat-python: inputs ``-1..-n``, outputs ``0..m-1``, hidden nodes ``>= m``. topoevo: inputs ``0..n-1``,
  the bias node ``n`` (if any), outputs from ``n + b`` (b = 1 with a bias node, else 0), hidden nodes after them.
  neat-python input ``-k-1`` <-> topoevo input ``k``; any other neat-python key ``j`` <-> topoevo id ``j + n + b``
  (so output ``j`` <-> ``n + b + j`` and hidden ids keep their order and their alignment across genomes).
- Bias. neat-python has a bias per node and no bias node. Going to neat-python, an enabled connection of weight
  ``w`` from the topoevo bias node into a node with ``sum`` aggregation is folded into that node's bias
  (``bias + response * w``); into a node with another aggregation it is unsupported; disabled ones are dropped.
  Coming from neat-python, ``bias_node=True`` adds an unconnected bias node so ids match a bias-node config.
- Connections keep weight, enabled flag and innovation number (neat-python 2.0 numbers its connection genes).
- Activations and aggregations map only between functions that are mathematically identical (table below);
  neat-python's ``sigmoid`` (1/(1+e^-5z), clamped) is topoevo's ``neat_python_sigmoid``, not the paper's
  ``sigmoid`` (4.9). A topoevo function without a neat-python twin is registered in the neat-python config as
  ``topoevo_<name>`` (``register_functions=True``, the default) and maps back to topoevo by identity. Anything
  else raises :class:`InteropError` ("unsupported").
- Genes that no output can see, and that topoevo's invariants forbid, are adjusted without changing any output:
  hidden nodes without an outgoing connection gene are dropped (repeatedly, with their connections); a hidden node
  without any incoming connection gene (neat-python evaluates it as the constant ``activation(bias)``) gets a
  *disabled* placeholder connection of weight 0 from the first input, so it stays valid in topoevo.
- Not representable exactly (raises): a ``product`` node with no enabled input (neat-python's empty product is
  1, topoevo's 0); recurrent genomes in which a node that the outputs depend on has no enabled input
  (neat-python's RecurrentNetwork never updates such a node: it stays 0; topoevo's gives ``activation(bias)``).

>>> import neat                                                          # doctest: +SKIP
>>> cfg = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
...                   neat.DefaultStagnation, "xor-config-feedforward")  # doctest: +SKIP
>>> g = from_neat_python(winner, cfg)                                     # doctest: +SKIP
>>> back = to_neat_python(g, cfg)                                         # doctest: +SKIP
"""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any, Callable

from topoevo.dynamics.attributes import ALL_ATTRIBUTES
from topoevo.errors import TopoevoError
from topoevo.genome.activations import ACTIVATIONS, AGGREGATIONS
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind
from topoevo.genome.genome import Genome
from topoevo.genome.innovation import InnovationTracker

__all__ = ["InteropError", "from_neat_python", "to_neat_python", "ACTIVATION_TWINS", "AGGREGATION_TWINS"]

#: neat-python built-in activation name -> the topoevo activation computing exactly the same function.
ACTIVATION_TWINS: dict[str, str] = {
    "sigmoid": "neat_python_sigmoid",
    "tanh": "neat_python_tanh",
    "relu": "relu",
    "identity": "identity",
    "clamped": "clamped",
    "abs": "abs",
    "sin": "neat_python_sin",
    "gauss": "neat_python_gauss",
    "elu": "elu",
    "lelu": "neat_python_lelu",
    "selu": "selu",
    "softplus": "neat_python_softplus",
    "inv": "neat_python_inv",
    "log": "neat_python_log",
    "exp": "neat_python_exp",
    "hat": "hat",
    "square": "square",
    "cube": "cube",
}
#: neat-python built-in aggregation name -> the same topoevo aggregation (empty-input caveat for product above).
AGGREGATION_TWINS: dict[str, str] = {"sum": "sum", "product": "product", "max": "max", "min": "min", "mean": "mean"}

#: prefix of topoevo functions registered in a neat-python config
REGISTERED_PREFIX = "topoevo_"


class InteropError(TopoevoError):
    """A genome cannot be converted exactly (unsupported function, inconsistent genome or config)."""


# ---- function tables ------------------------------------------------------------------------------------------------
_WRAPPERS: dict[tuple[str, str], Callable] = {}


def _wrapper(kind: str, name: str) -> Callable:
    """A plain one-argument function calling topoevo's ``name`` (neat-python rejects builtins such as ``abs``)."""
    key = (kind, name)
    if key not in _WRAPPERS:
        f = ACTIVATIONS[name] if kind == "activation" else AGGREGATIONS[name]

        def call(z):  # noqa: ANN001, ANN202 - neat-python inspects the code object: exactly one argument
            return f(z)

        call.topoevo_function = key  # type: ignore[attr-defined]
        _WRAPPERS[key] = call
    return _WRAPPERS[key]


@functools.lru_cache(maxsize=None)
def _neat_builtins(kind: str) -> dict[str, Callable]:
    """neat-python's own functions by name (a fresh function set holds only the built-ins)."""
    if kind == "activation":
        from neat.activations import ActivationFunctionSet

        return ActivationFunctionSet().functions
    from neat.aggregations import AggregationFunctionSet

    return AggregationFunctionSet().functions


def _defs(gc: Any, kind: str) -> Any:
    return gc.activation_defs if kind == "activation" else gc.aggregation_function_defs


def _to_topoevo_name(gc: Any, kind: str, name: str, where: str, field: str) -> str:
    """The topoevo function computing exactly what neat-python's ``name`` (as registered in ``gc``) computes."""
    defs = _defs(gc, kind)
    func = defs.functions.get(name)
    if func is None:
        raise InteropError(f"no neat-python {kind} function {name!r} in the config", source=where, field=field)
    tag = getattr(func, "topoevo_function", None)
    if tag is not None and tag[0] == kind:
        return tag[1]
    twins = ACTIVATION_TWINS if kind == "activation" else AGGREGATION_TWINS
    if name in twins and func is _neat_builtins(kind).get(name):
        return twins[name]
    raise InteropError(f"unsupported neat-python {kind} {name!r}: no topoevo {kind} computes the same function "
                       f"(supported: {', '.join(sorted(twins))})", source=where, field=field)


def _to_neat_name(gc: Any, kind: str, name: str, register: bool, where: str, field: str) -> str:
    """The neat-python name of topoevo's ``name`` in ``gc``: its built-in twin, else a registered wrapper."""
    table = AGGREGATIONS if kind == "aggregation" else ACTIVATIONS
    if name not in table:
        raise InteropError(f"unknown topoevo {kind} {name!r}", source=where, field=field)
    twins = ACTIVATION_TWINS if kind == "activation" else AGGREGATION_TWINS
    defs = _defs(gc, kind)
    builtins = _neat_builtins(kind)
    for neat_name, topo_name in twins.items():
        if topo_name == name and defs.functions.get(neat_name) is builtins[neat_name]:
            return neat_name
    wrapped = _wrapper(kind, name)
    reg_name = REGISTERED_PREFIX + name
    present = defs.functions.get(reg_name)
    if present is wrapped or getattr(present, "topoevo_function", None) == (kind, name):
        return reg_name
    if present is not None:
        raise InteropError(f"the neat-python config already has a different {kind} named {reg_name!r}",
                           source=where, field=field)
    if not register:
        raise InteropError(f"unsupported topoevo {kind} {name!r}: neat-python has no identical built-in "
                           f"(pass register_functions=True to register it as {reg_name!r})", source=where, field=field)
    defs.add(reg_name, wrapped)
    return reg_name


# ---- helpers --------------------------------------------------------------------------------------------------------
def _genome_config(config: Any) -> Any:
    """Accept a ``neat.Config`` or its ``genome_config``."""
    return getattr(config, "genome_config", config)


def _required(outputs: set[int], links: list[tuple[int, int]]) -> set[int]:
    """Nodes with a path (along the given links) to an output, outputs included."""
    pred: dict[int, list[int]] = {}
    for a, b in links:
        pred.setdefault(b, []).append(a)
    seen, stack = set(outputs), list(outputs)
    while stack:
        for a in pred.get(stack.pop(), ()):
            if a not in seen:
                seen.add(a)
                stack.append(a)
    return seen


def _check_semantics(nodes: dict[int, tuple[str, str]], links: list[tuple[int, int]], outputs: set[int],
                     feed_forward: bool, where: str, label: Callable[[int], str]) -> None:
    """Raise for the two cases where the same genes compute different outputs on the two sides.

    ``nodes``: non-sensor node id -> (topoevo activation, topoevo aggregation); ``links``: enabled connections as
    seen by neat-python (no bias node); ``label`` names a node in messages.
    """
    has_input = {b for _, b in links}
    required = _required(outputs, links)
    for nid, (_, aggregation) in sorted(nodes.items()):
        if nid in has_input or nid not in required:
            continue
        if aggregation == "product":
            raise InteropError("unsupported: a 'product' node without enabled inputs (neat-python's empty product "
                               "is 1, topoevo's 0)", source=where, field=f"{label(nid)}.aggregation")
        if not feed_forward:
            raise InteropError("unsupported: in a recurrent genome a node the outputs depend on has no enabled "
                               "input (neat-python's RecurrentNetwork keeps it at 0, topoevo computes "
                               "activation(bias))", source=where, field=label(nid))


# ---- neat-python -> topoevo -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _ImportIds:
    """neat-python node keys -> topoevo node ids: input keys -1..-n -> 0..n-1, then the bias node (if any), then
    output and hidden key k -> k + n + b."""

    n: int  # inputs
    m: int  # outputs
    b: int  # 1 with a bias node
    where: str

    @property
    def inputs(self) -> tuple[int, ...]:
        return tuple(range(self.n))

    @property
    def outputs(self) -> tuple[int, ...]:
        return tuple(range(self.n + self.b, self.n + self.b + self.m))

    @property
    def bias(self) -> int | None:
        return self.n if self.b else None

    def of(self, k: int) -> int:
        if k < 0:
            if -k > self.n:
                raise InteropError(f"input key {k} is outside the config's {self.n} inputs", source=self.where,
                                   field="connections")
            return -k - 1
        return k + self.n + self.b


def from_neat_python(genome: Any, config: Any, *, bias_node: bool = False, tracker: InnovationTracker | None = None,
                     key: int | None = None, check_semantics: bool = True) -> Genome:
    """A topoevo genome computing what neat-python's network of ``genome`` computes.

    ``config`` is the ``neat.Config`` (or its ``genome_config``) the genome belongs to. ``bias_node=True`` adds an
    (unconnected) bias node so the ids follow a topoevo config with ``bias_node = true``. ``tracker``, if given,
    is advanced past every imported innovation and node id (and supplies placeholder innovations), so imported
    genomes can keep evolving in topoevo; without it placeholders are numbered after the genome's largest number.
    ``check_semantics=False``: skip the checks that topoevo's rate networks compute what neat-python's do (the CTRNN
    and Izhikevich converters, whose networks treat nodes without inputs as neat-python's do).

    >>> g = from_neat_python(neat_genome, neat_config)  # doctest: +SKIP
    """
    gc = _genome_config(config)
    ids = _ImportIds(int(gc.num_inputs), int(gc.num_outputs), 1 if bias_node else 0,
                     f"neat-python genome {getattr(genome, 'key', '?')}")
    nodes = _import_nodes(genome, gc, ids)
    conns, duplicates = _import_connections(genome, nodes, ids)
    # the network neat-python computes, checked before any pruning
    if check_semantics:
        _check_semantics({i: (nd.activation, nd.aggregation) for i, nd in nodes.items() if not nd.kind.is_sensor},
                         [(c.in_node, c.out_node) for c in itertools.chain(conns.values(), duplicates) if c.enabled],
                         set(ids.outputs), bool(gc.feed_forward), ids.where, lambda t: f"node {t - ids.n - ids.b}")
    conns, duplicates = _drop_unseen_hidden(nodes, conns, duplicates)
    fresh = _innovation_source(max(conns, default=-1) + 1, tracker)
    for c in duplicates:  # fresh innovation numbers for genes that shared one
        c.innovation = fresh()
        conns[c.innovation] = c
    _anchor_hidden(nodes, conns, ids, fresh)
    if tracker is not None:
        tracker.next_node_id = max(tracker.next_node_id, max(nodes) + 1)
    out = Genome(nodes, conns, ids.inputs, ids.outputs, ids.bias, bool(gc.feed_forward),
                 int(genome.key) if key is None else key)
    out.fitness = genome.fitness if genome.fitness is None else float(genome.fitness)
    problems = out.problems()
    if problems:
        raise InteropError(f"converted genome is invalid: {problems[0]}", source=ids.where, field="genome")
    return out


def _import_nodes(genome: Any, gc: Any, ids: _ImportIds) -> dict[int, NodeGene]:
    """Input (and bias) nodes, then neat-python's output and hidden nodes with their functions translated."""
    where = ids.where
    for k in range(ids.m):
        if k not in genome.nodes:
            raise InteropError(f"missing output node {k}", source=where, field="nodes")
    nodes: dict[int, NodeGene] = {i: NodeGene(i, NodeKind.INPUT, 0.0, 1.0, "identity", "sum") for i in ids.inputs}
    if ids.bias is not None:
        nodes[ids.bias] = NodeGene(ids.bias, NodeKind.BIAS, 0.0, 1.0, "identity", "sum")
    for k, ng in genome.nodes.items():
        if not isinstance(k, int) or k < 0:
            raise InteropError(f"node key {k!r} is not a non-negative integer", source=where, field="nodes")
        t = ids.of(k)
        field = f"node {k}"
        node = nodes[t] = NodeGene(t, NodeKind.OUTPUT if k < ids.m else NodeKind.HIDDEN, float(ng.bias),
                                   float(ng.response),
                                   _to_topoevo_name(gc, "activation", ng.activation, where, f"{field}.activation"),
                                   _to_topoevo_name(gc, "aggregation", ng.aggregation, where, f"{field}.aggregation"))
        for name in ALL_ATTRIBUTES:  # a CTRNN node's time_constant, an IZNN node's a, b, c, d (where the gene has it)
            value = getattr(ng, name, None)
            if value is not None:
                setattr(node, name, float(value))
    return nodes


def _import_connections(genome: Any, nodes: dict[int, NodeGene],
                        ids: _ImportIds) -> tuple[dict[int, ConnectionGene], list[ConnectionGene]]:
    """The connection genes by innovation number, and the genes whose number an earlier gene already has (cannot
    happen with neat-python's own operators; kept valid anyway: they are renumbered)."""
    where = ids.where
    conns: dict[int, ConnectionGene] = {}
    duplicates: list[ConnectionGene] = []
    for (a, bb), cg in sorted(genome.connections.items(), key=lambda kv: (kv[1].innovation, kv[0])):
        if cg.key != (a, bb):
            raise InteropError(f"connection stored under {(a, bb)} has key {cg.key}", source=where,
                               field="connections")
        ta, tb = ids.of(a), ids.of(bb)
        if ta not in nodes or tb not in nodes or nodes[tb].kind.is_sensor:
            raise InteropError(f"connection {(a, bb)} joins a missing node or feeds an input", source=where,
                               field="connections")
        c = ConnectionGene(int(cg.innovation), ta, tb, float(cg.weight), bool(cg.enabled))
        if c.innovation in conns:
            duplicates.append(c)
        else:
            conns[c.innovation] = c
    return conns, duplicates


def _drop_unseen_hidden(nodes: dict[int, NodeGene], conns: dict[int, ConnectionGene], duplicates: list[ConnectionGene]
                        ) -> tuple[dict[int, ConnectionGene], list[ConnectionGene]]:
    """Drop hidden nodes no output can see through any gene (no outgoing connection gene), repeatedly, with their
    connections (``nodes`` is changed in place)."""
    pool = list(conns.values()) + duplicates
    while True:
        has_out = {c.in_node for c in pool if c.in_node != c.out_node}
        dead = {i for i, nd in nodes.items() if nd.kind is NodeKind.HIDDEN and i not in has_out}
        if not dead:
            break
        for i in dead:
            del nodes[i]
        pool = [c for c in pool if c.in_node not in dead and c.out_node not in dead]
    twice = {id(c) for c in duplicates}
    return {c.innovation: c for c in pool if id(c) not in twice}, [c for c in pool if id(c) in twice]


def _innovation_source(top: int, tracker: InnovationTracker | None) -> Callable[[], int]:
    """Fresh innovation numbers: from the tracker (advanced past ``top``), else counting on from ``top``."""
    if tracker is None:
        return functools.partial(next, itertools.count(top))
    tracker.next_innovation = max(tracker.next_innovation, top)

    def fresh() -> int:
        inn = tracker.next_innovation
        tracker.next_innovation += 1
        return inn

    return fresh


def _anchor_hidden(nodes: dict[int, NodeGene], conns: dict[int, ConnectionGene], ids: _ImportIds,
                   fresh: Callable[[], int]) -> None:
    """A hidden node without incoming connection genes (a topoevo genome needs one) gets a disabled one from the
    first input (or the bias node)."""
    has_in = {c.out_node for c in conns.values() if c.in_node != c.out_node}
    source = ids.inputs[0] if ids.inputs else ids.bias
    for i in sorted(nodes):
        if nodes[i].kind is NodeKind.HIDDEN and i not in has_in:
            if source is None:
                raise InteropError("a hidden node has no incoming connection and there is no input node",
                                   source=ids.where, field=f"node {i}")
            inn = fresh()
            conns[inn] = ConnectionGene(inn, source, i, 0.0, False)


# ---- topoevo -> neat-python -----------------------------------------------------------------------------------------
def to_neat_python(genome: Genome, config: Any, *, key: int | None = None, register_functions: bool = True,
                   check_semantics: bool = True) -> Any:
    """A neat-python ``DefaultGenome`` (for ``config``) whose network computes what ``genome`` computes.

    Bias-node connections are folded into node biases (see the module notes). Functions without a neat-python
    twin are registered in ``config``'s genome config as ``topoevo_<name>`` unless ``register_functions=False``
    (then they raise). The config's node indexer and innovation tracker, if already set, are advanced past the
    genome's keys and innovation numbers so that neat-python can keep evolving it. ``check_semantics``: as for
    :func:`from_neat_python`.

    >>> ng = to_neat_python(topoevo_genome, neat_config)  # doctest: +SKIP
    """
    gc = _genome_config(config)
    where = f"topoevo genome {genome.key}"
    n, m = int(gc.num_inputs), int(gc.num_outputs)
    if len(genome.input_ids) != n or len(genome.output_ids) != m:
        raise InteropError(f"genome has {len(genome.input_ids)} inputs and {len(genome.output_ids)} outputs, the "
                           f"neat-python config {n} and {m}", source=where, field="inputs/outputs")
    if bool(genome.feed_forward) != bool(gc.feed_forward):
        raise InteropError(f"genome is {'feed-forward' if genome.feed_forward else 'recurrent'} but the neat-python "
                           f"config has feed_forward = {gc.feed_forward}", source=where, field="network")
    problems = genome.problems()
    if problems:
        raise InteropError(f"invalid genome: {problems[0]}", source=where, field="genome")

    first_hidden = max((*genome.sensor_ids, *genome.output_ids), default=-1) + 1
    kmap: dict[int, int] = {i: -k - 1 for k, i in enumerate(genome.input_ids)}
    kmap.update({o: j for j, o in enumerate(genome.output_ids)})
    for h in genome.hidden_ids:
        if h < first_hidden:
            raise InteropError(f"hidden node id {h} is below the first hidden id {first_hidden}", source=where,
                               field=f"node {h}")
        kmap[h] = h - first_hidden + m

    # Fold enabled bias-node connections into node biases.
    bias_shift: dict[int, float] = {}
    for c in genome.conns.values():
        if genome.bias_id is not None and c.in_node == genome.bias_id and c.enabled:
            target = genome.nodes[c.out_node]
            if target.aggregation != "sum":
                raise InteropError(f"unsupported: bias-node connection into a node with aggregation "
                                   f"{target.aggregation!r} (only 'sum' folds into a node bias)", source=where,
                                   field=f"connection {c.innovation}")
            bias_shift[c.out_node] = target.response * c.weight
    kept = [c for c in genome.conns.values() if c.in_node != genome.bias_id]
    if check_semantics:
        _check_semantics({i: (nd.activation, nd.aggregation) for i, nd in genome.nodes.items()
                          if not nd.kind.is_sensor}, [(c.in_node, c.out_node) for c in kept if c.enabled],
                         set(genome.output_ids), genome.feed_forward, where, lambda t: f"node {t}")

    out = (config.genome_type if hasattr(config, "genome_type") else _default_genome_type())(
        genome.key if key is None else key)
    node_type, conn_type = gc.node_gene_type, gc.connection_gene_type
    for nid in sorted(genome.nodes):
        nd = genome.nodes[nid]
        if nd.kind.is_sensor:
            continue
        field = f"node {nid}"
        ng = node_type(kmap[nid])
        values = {"bias": nd.bias + bias_shift.get(nid, 0.0), "response": nd.response,
                  "activation": _to_neat_name(gc, "activation", nd.activation, register_functions, where,
                                              f"{field}.activation"),
                  "aggregation": _to_neat_name(gc, "aggregation", nd.aggregation, register_functions, where,
                                               f"{field}.aggregation")}
        for attr in node_type._gene_attributes:
            if attr.name in values:
                setattr(ng, attr.name, values[attr.name])
            elif attr.name in ALL_ATTRIBUTES:  # CTRNN: the node's time_constant
                setattr(ng, attr.name, getattr(nd, attr.name))
            else:
                raise InteropError(f"unsupported neat-python node gene attribute {attr.name!r}", source=where,
                                   field=field)
        out.nodes[ng.key] = ng
    for c in sorted(kept, key=lambda c: c.innovation):
        cg = conn_type((kmap[c.in_node], kmap[c.out_node]), innovation=int(c.innovation))
        for attr in conn_type._gene_attributes:
            if attr.name not in ("weight", "enabled"):
                raise InteropError(f"unsupported neat-python connection gene attribute {attr.name!r}",
                                   source=where, field=f"connection {c.innovation}")
        cg.weight = c.weight
        cg.enabled = c.enabled
        out.connections[cg.key] = cg
    out.fitness = genome.fitness
    _advance_neat_counters(gc, out)
    return out


def _default_genome_type() -> Any:
    from neat.genome import DefaultGenome

    return DefaultGenome


def _advance_neat_counters(gc: Any, genome: Any) -> None:
    """Keep neat-python's node indexer and innovation tracker (when already set) ahead of ``genome``."""
    indexer = getattr(gc, "node_indexer", None)
    if indexer is not None and genome.nodes:
        gc.node_indexer = itertools.count(max(next(indexer), max(genome.nodes) + 1))
    tracker = getattr(gc, "innovation_tracker", None)
    if tracker is not None and genome.connections:
        top = max(cg.innovation for cg in genome.connections.values())
        tracker.global_counter = max(tracker.global_counter, top)
