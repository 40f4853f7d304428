"""A generation's offspring made on arrays: the parents read into a
:class:`~topoevo.genome.store.PopulationStore`, every species' children made by one compiled kernel
(:func:`topoevo.genome.store_kernels.reproduce`: the rules of :func:`topoevo.neat.reproduction.reproduce_species`,
crossover aligned by innovation number, the mutations of :mod:`topoevo.genome.mutation`), the children built back
as :class:`~topoevo.genome.genome.Genome` objects.

The kernel draws from its own random stream (numba's generator, seeded from the algorithm's per-generation
``GenomeRandom``), so runs are as deterministic as before but differ number for number from the readable reference
path, which stays the oracle (tests check the kernel keeps every rule and invariant) and the path for whatever the
kernel does not implement (:func:`kernel_unsupported` names it: a declared check, no attribute discovery).
"""
from __future__ import annotations

import math
import random
from dataclasses import fields
from functools import cache
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.config import Config
from topoevo.config.sections import GenomeConfig, MutationConfig, ReproductionConfig
from topoevo.genome.genes import NodeKind
from topoevo.genome.genome import Genome
from topoevo.genome.innovation import InnovationTracker
from topoevo.genome.rng import GenomeRandom
from topoevo.dynamics.attributes import ALL_ATTRIBUTES, SETTINGS
from topoevo.genome.store import (ACTIVATION_CODES, AGGREGATION_CODES, CONN_COLUMNS, DYNAMICS_COLUMNS, KIND_CODES,
                                  NODE_COLUMNS, SENSOR_KIND_MAX, PopulationStore, StoredGenome,
                                  store_unsupported)

#: the gene columns the kernel carries from parents to children (a column added to the store but not to the kernel
#: keeps the reference path until the kernel learns it)
KERNEL_NODE_COLUMNS = ("id", "kind", "bias", "response", "activation", "aggregation")
#: node columns the kernel does not carry but fills with their declared defaults: the dynamical node attributes,
#: which only ``genome.network = 'ctrnn'`` / ``'iznn'`` runs read (those keep the reference path)
KERNEL_DEFAULT_COLUMNS = DYNAMICS_COLUMNS
KERNEL_CONN_COLUMNS = ("innovation", "in_node", "out_node", "weight", "enabled")

#: the config fields the kernel implements, per section; any other field must keep its default value (an option
#: that is off), else the reference path runs. Fields of GenomeConfig that shape only the initial genomes are
#: listed too (reproduction never reads them).
KERNEL_FIELDS: dict[type, frozenset[str]] = {
    GenomeConfig: frozenset({
        "num_inputs", "num_outputs", "bias_node", "network", "allow_self_loops", "initial_connectivity",
        "connection_probability", "num_hidden", "hidden_layers", "activation", "activation_options", "output_activation",
        "aggregation", "aggregation_options", "weight_init_stdev", "weight_min", "weight_max", "bias_init_stdev",
        "bias_min", "bias_max", "response_init", "response_min", "response_max",
        # the node dynamics settings (read by 'ctrnn' / 'iznn' networks only, which keep the reference path)
        "dt", "steps_per_observation", "readout", *(f"{a}_{s}" for a in ALL_ATTRIBUTES for s in SETTINGS)}),
    MutationConfig: frozenset({
        "weight_mutate_rate", "weight_perturb_prob", "weight_mutate_power", "bias_mutate_rate", "bias_perturb_prob",
        "bias_mutate_power", "response_mutate_rate", "response_perturb_prob", "response_mutate_power",
        "add_node_rate", "add_connection_rate", "delete_node_rate", "delete_connection_rate",
        "toggle_enable_rate", "activation_mutate_rate",
        "aggregation_mutate_rate", "structural_exclusive", "add_connection_tries"}),
    ReproductionConfig: frozenset({
        "survival_threshold", "elitism_threshold", "mutate_only_prob", "interspecies_mate_rate",
        "disable_inherit_prob", "mate_only_prob", "allotment", "min_species_size",
        "survival_min"}),  # (allotment: before the kernel)
}


@cache
def _default(section: type) -> Any:
    return section()


def kernel_unsupported(config: Config, rng: random.Random) -> list[str]:
    """Why this generation's offspring cannot be made by the array kernel (empty: they can).

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1}})
    >>> kernel_unsupported(cfg, GenomeRandom(0))
    []
    >>> kernel_unsupported(cfg, random.Random(0))
    ['the genome random source is a Random, not a GenomeRandom']
    """
    out = [] if config.neat.array_kernels else ["neat.array_kernels = false"]
    out += store_unsupported()
    for kind, columns, carried in (("node", NODE_COLUMNS, KERNEL_NODE_COLUMNS + KERNEL_DEFAULT_COLUMNS),
                                   ("connection", CONN_COLUMNS, KERNEL_CONN_COLUMNS)):
        if tuple(c.name for c in columns) != carried:
            out.append(f"the array kernel carries the {kind} columns {list(carried)}, not "
                       f"{[c.name for c in columns]}")
    if type(rng) is not GenomeRandom:  # a subclass draws its numbers otherwise: only the reference path uses it
        out.append(f"the genome random source is a {type(rng).__name__}, not a GenomeRandom")
    for section in (config.genome, config.mutation, config.reproduction):
        known = KERNEL_FIELDS[type(section)]
        default = _default(type(section))
        for f in fields(section):
            if f.name not in known and getattr(section, f.name) != getattr(default, f.name):
                out.append(f"{section.SECTION}.{f.name} = {getattr(section, f.name)!r} (the array kernel implements "
                           f"only its default)")
    if config.genome.node_model is not None:
        out.append(f"genome.network = {config.genome.network.value!r} (the array kernel does not carry the node "
                   f"attributes {', '.join(KERNEL_DEFAULT_COLUMNS)})")
    for key in ("activation", "aggregation"):  # neat-python's 'random': each new node draws its own function
        if getattr(config.genome, key) == "random":
            out.append(f"genome.{key} = 'random' (the array kernel gives new nodes the one configured function)")
    return out


def reproduce_arrays(ranked: Sequence[Sequence[Genome]], species_ids: Sequence[int], counts: Sequence[int],
                     scores: dict[int, float], config: Config, tracker: InnovationTracker, rng: GenomeRandom,
                     new_key: Callable[[], int]) -> list[StoredGenome]:
    """The offspring of every species: ``ranked[s]`` its members best first, ``counts[s]`` its children;
    ``scores`` by genome key ("higher is better"). Same rules as calling
    :func:`~topoevo.neat.reproduction.reproduce_species` species by species (children in the same order: species
    by species, the champion first), with the kernel's random stream. Updates ``tracker``.
    """
    parents = [g for members in ranked for g in members]
    return reproduce_store(PopulationStore.of(parents), [len(m) for m in ranked], species_ids, counts,
                           np.fromiter((scores[g.key] for g in parents), dtype=np.float64, count=len(parents)),
                           [g.key for g in parents], config, tracker, rng, new_key)


@cache
def _default_inits() -> np.ndarray:
    """The declared defaults of :data:`KERNEL_DEFAULT_COLUMNS`, in order."""
    return np.array([ALL_ATTRIBUTES[k].init for k in KERNEL_DEFAULT_COLUMNS], dtype=np.float64)


def reproduce_store(store: PopulationStore, sizes: Sequence[int], species_ids: Sequence[int], counts: Sequence[int],
                    score_rows: np.ndarray, parent_keys: Sequence[int], config: Config, tracker: InnovationTracker,
                    rng: GenomeRandom, new_key: Callable[[], int]) -> list[StoredGenome]:
    """:func:`reproduce_arrays` on the parents' store: species ``s``'s members are the next ``sizes[s]`` rows (best
    first), with scores ``score_rows`` and keys ``parent_keys`` (one per row)."""
    from topoevo.genome.store_kernels import N_FLOATS, N_INTS, reproduce

    sizes = np.asarray(sizes, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    pools = np.maximum(config.reproduction.survival_min,
                       np.ceil(config.reproduction.survival_threshold * sizes)).astype(np.int64)
    rep, mut, gc = config.reproduction, config.mutation, config.genome
    fp = np.array([mut.add_node_rate, mut.add_connection_rate, mut.toggle_enable_rate, mut.weight_mutate_rate,
                   mut.weight_perturb_prob, mut.weight_mutate_power, gc.weight_init_stdev, gc.weight_min, gc.weight_max,
                   mut.bias_mutate_rate, mut.bias_perturb_prob, mut.bias_mutate_power, gc.bias_init_stdev,
                   gc.bias_min, gc.bias_max,
                   mut.response_mutate_rate, mut.response_perturb_prob, mut.response_mutate_power, gc.response_init,
                   gc.response_min, gc.response_max,
                   mut.activation_mutate_rate, mut.aggregation_mutate_rate, rep.mutate_only_prob,
                   rep.interspecies_mate_rate, rep.mate_only_prob, rep.disable_inherit_prob, mut.delete_node_rate,
                   mut.delete_connection_rate], dtype=np.float64)
    ip = np.array([rep.elitism_threshold, mut.add_connection_tries, mut.structural_exclusive, gc.feed_forward,
                   gc.feed_forward or not gc.allow_self_loops, tracker.next_innovation, tracker.next_node_id,
                   ACTIVATION_CODES[gc.activation], AGGREGATION_CODES[gc.aggregation], SENSOR_KIND_MAX,
                   KIND_CODES[NodeKind.HIDDEN]], dtype=np.int64)
    assert len(fp) == N_FLOATS and len(ip) == N_INTS
    act_options = np.array([ACTIVATION_CODES[a] for a in gc.activation_options], dtype=store.nodes["activation"].dtype)
    agg_options = np.array([AGGREGATION_CODES[a] for a in gc.aggregation_options],
                           dtype=store.nodes["aggregation"].dtype)
    links = np.array([[a, b, i] for (a, b), i in tracker.links.items()], dtype=np.int64).reshape(-1, 3)
    splits = np.array([[i, *v] for i, v in tracker.splits.items()], dtype=np.int64).reshape(-1, 4)
    resplits = np.array([[i, t, *v] for (i, t), v in tracker.resplits.items()], dtype=np.int64).reshape(-1, 5)
    n, c = store.nodes, store.conns
    (noff, n_id, n_kind, n_bias, n_resp, n_act, n_agg, coff, c_inn, c_in, c_out, c_w, c_en, first, second, species,
     next_inn, next_node, links, splits, resplits) = reproduce(
        store.node_offsets, n["id"], n["kind"], n["bias"], n["response"], n["activation"], n["aggregation"],
        store.conn_offsets, c["innovation"], c["in_node"], c["out_node"], c["weight"], c["enabled"], score_rows,
        starts, sizes, pools, np.asarray(counts, dtype=np.int64), ip, fp, act_options, agg_options, links, splits,
        resplits, rng.getrandbits(63))
    tracker.next_innovation, tracker.next_node_id = int(next_inn), int(next_node)
    tracker.links = {(a, b): i for a, b, i in links.tolist()}
    tracker.splits = {i: (nd, x, y) for i, nd, x, y in splits.tolist()}
    tracker.resplits = {(i, t): (nd, x, y) for i, t, nd, x, y in resplits.tolist()}
    defaults = np.empty((len(KERNEL_DEFAULT_COLUMNS), len(n_id)))  # (one array: a row per default column)
    defaults[:] = _default_inits()[:, None]
    children = PopulationStore(noff, coff, {"id": n_id, "kind": n_kind, "bias": n_bias, "response": n_resp,
                                            "activation": n_act, "aggregation": n_agg,
                                            **dict(zip(KERNEL_DEFAULT_COLUMNS, defaults))},
                               {"innovation": c_inn, "in_node": c_in, "out_node": c_out, "weight": c_w,
                                "enabled": c_en}, store.input_ids, store.output_ids, store.bias_id, store.feed_forward)
    keys = [new_key() for _ in range(len(first))]
    lineage = [(parent_keys[a],) if b < 0 else (parent_keys[a], parent_keys[b])
               for a, b in zip(first.tolist(), second.tolist())]
    return children.views(keys, [species_ids[s] for s in species.tolist()], lineage)
