"""neat-python 2.0's CTRNN and Izhikevich (IZNN) genomes <-> topoevo genomes, both ways; the structure goes through
the feed-forward/recurrent converter (:mod:`topoevo.interop.neat_python`), the per-node parameters are the node
genes' own fields (``time_constant``; ``a, b, c, d``: :mod:`topoevo.dynamics.attributes`), so a genome evolved by a
``genome.network = "ctrnn"`` / ``"iznn"`` run converts with its evolved values, and back.

A CTRNN genome is neat-python's ``DefaultGenome`` (its nodes carry ``time_constant``); an IZNN genome is ``neat.iznn.
IZGenome`` (nodes: ``bias, a, b, c, d``; no activation, response or aggregation: imported as identity, 1, sum).
Networks: :class:`~topoevo.dynamics.networks.CTRNNPopulation` (``scheme="neat_python"`` steps as neat-python's
``CTRNN.advance(inputs, dt, dt)``) and :class:`~topoevo.dynamics.networks.IzhikevichPopulation` (as
``IZNN.advance(dt)``).
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from topoevo.dynamics.attributes import attribute_names
from topoevo.genome.genome import Genome
from topoevo.interop.neat_python import InteropError, _genome_config, from_neat_python, to_neat_python


def _neat_key(genome: Genome, node: int, n: int) -> int:
    """neat-python's key of a topoevo output or hidden node (the inverse of the import's ``k -> k + n + b``)."""
    return node - n - (1 if genome.bias_id is not None else 0)


def ctrnn_from_neat_python(genome: Any, config: Any, **kwargs: Any) -> Genome:
    """A neat-python CTRNN genome as a topoevo genome whose nodes carry its time constants (``kwargs``: as for
    :func:`~topoevo.interop.neat_python.from_neat_python`).

    >>> g = ctrnn_from_neat_python(neat_genome, neat_config)  # doctest: +SKIP
    """
    return from_neat_python(genome, config, check_semantics=False, **kwargs)


def ctrnn_to_neat_python(genome: Genome, config: Any, **kwargs: Any) -> Any:
    """A neat-python CTRNN genome (``DefaultGenome``) with the nodes' time constants. A node fed by the bias node
    alone cannot be converted exactly (the bias folds into the node's bias, and neat-python's CTRNN holds a node
    without incoming connections at 0): :class:`InteropError`."""
    fed = {c.out_node for c in genome.conns.values() if c.enabled and c.in_node != genome.bias_id}
    for c in genome.conns.values():
        if c.enabled and c.in_node == genome.bias_id and c.out_node not in fed:
            raise InteropError(f"unsupported: node {c.out_node} is fed by the bias node alone (neat-python's CTRNN "
                               "holds a node without incoming connections at 0)", source=f"topoevo genome "
                               f"{genome.key}", field=f"node {c.out_node}")
    return to_neat_python(genome, config, check_semantics=False, **kwargs)


def iznn_from_neat_python(genome: Any, config: Any, **kwargs: Any) -> Genome:
    """A neat-python ``IZGenome`` as a topoevo genome (identity activation, response 1, sum) whose nodes carry its
    a, b, c, d."""
    names = attribute_names("iznn")
    shim = SimpleNamespace(key=genome.key, fitness=genome.fitness, connections=genome.connections,
                           nodes={k: SimpleNamespace(bias=ng.bias, response=1.0, activation="identity",
                                                     aggregation="sum", **{x: getattr(ng, x) for x in names})
                                  for k, ng in genome.nodes.items()})
    return from_neat_python(shim, config, check_semantics=False, **kwargs)


def iznn_to_neat_python(genome: Genome, config: Any, key: int | None = None) -> Any:
    """A neat-python ``IZGenome`` (for ``config``, whose genome type is ``IZGenome``); enabled bias-node connections
    are folded into the neurons' biases (the bias node's value is 1)."""
    from neat.iznn import IZGenome

    gc = _genome_config(config)
    where = f"topoevo genome {genome.key}"
    n, m = int(gc.num_inputs), int(gc.num_outputs)
    if len(genome.input_ids) != n or len(genome.output_ids) != m:
        raise InteropError(f"genome has {len(genome.input_ids)} inputs and {len(genome.output_ids)} outputs, the "
                           f"neat-python config {n} and {m}", source=where, field="inputs/outputs")
    kmap = {i: -k - 1 for k, i in enumerate(genome.input_ids)}
    kmap.update({i: _neat_key(genome, i, n) for i, nd in genome.nodes.items() if not nd.kind.is_sensor})
    shift: dict[int, float] = {}
    for c in genome.conns.values():
        if c.in_node == genome.bias_id and c.enabled:
            shift[c.out_node] = shift.get(c.out_node, 0.0) + c.weight
    out = IZGenome(genome.key if key is None else key)
    for i, nd in sorted(genome.nodes.items()):
        if nd.kind.is_sensor:
            continue
        if nd.activation != "identity" or nd.response != 1.0 or nd.aggregation != "sum":
            raise InteropError("an Izhikevich neuron sums its inputs as they are (identity, response 1, sum)",
                               source=where, field=f"node {i}")
        ng = gc.node_gene_type(kmap[i])
        ng.bias = nd.bias + shift.get(i, 0.0)
        for name in attribute_names("iznn"):
            setattr(ng, name, getattr(nd, name))
        out.nodes[ng.key] = ng
    for c in sorted(genome.conns.values(), key=lambda c: c.innovation):
        if c.in_node == genome.bias_id:
            continue
        cg = gc.connection_gene_type((kmap[c.in_node], kmap[c.out_node]), innovation=int(c.innovation))
        cg.weight, cg.enabled = c.weight, c.enabled
        out.connections[cg.key] = cg
    out.fitness = genome.fitness
    return out


__all__ = ["ctrnn_from_neat_python", "ctrnn_to_neat_python", "iznn_from_neat_python", "iznn_to_neat_python"]
