"""NEAT as an ask/tell object: evaluate ``ask()``, hand the fitness to ``tell()``; selection, speciation and
reproduction happen inside. Its whole state round-trips through plain JSON data (checkpoints)."""
from __future__ import annotations

import math
from itertools import chain
from operator import attrgetter
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.algorithm import AlgorithmBase, GenerationStatistics
from topoevo.gcpause import gc_paused
from topoevo.genome.columns import (decode_ints, encode_ints, genomes_to_columns, is_columns,
                                    stored_genomes_from_columns)
from topoevo.checkpoint import StateReader
from topoevo.config import Config
from topoevo.genome.genome import Genome
from topoevo.genome.store import PopulationStore
from topoevo.genome.initial import first_hidden_id, initial_genome, initial_store_genomes
from topoevo.genome.innovation import InnovationTracker
from topoevo.genome.mutation import mutate
from topoevo.genome.rng import GenomeRandom
from topoevo.genome.io import genome_from_dict, genome_to_dict
from topoevo.neat.candidates import GenomeCandidates, check_genome_shape as _check_genome_shape
from topoevo.neat.reproduction import allot_offspring, neat_python_spawn, reproduce_species
from topoevo.neat.reproduction_arrays import KERNEL_NODE_COLUMNS, kernel_unsupported, reproduce_store
from topoevo.neat.species import Species, SpeciesSet
from topoevo.neat.species_table import SpeciesRow, is_species_table, read_species_table, species_table
from topoevo.tasks.base import TRAINED_WEIGHTS, TrainedWeights


#: ``stagnation.species_fitness_func``: a species' fitness from its members' scores (better is higher); 'median'
#: is neat-python's (the upper of the two middle values), 'median2' the mean of the two
SPECIES_FITNESS: dict[str, Callable[[list[float]], float]] = {
    "max": max, "min": min, "mean": lambda v: math.fsum(v) / len(v), "median": lambda v: sorted(v)[len(v) // 2],
    "median2": lambda v: float(np.median(v))}


@dataclass
class GenerationStats(GenerationStatistics):
    """What one generation looked like (after evaluation, before reproduction)."""

    std_fitness: float
    best_key: int
    best_nodes: int
    best_connections: int
    num_species: int
    species_sizes: dict[int, int]
    threshold: float
    stagnant_removed: list[int] = field(default_factory=list)
    reseeded: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()  # (asdict's deep copy costs ~0.1 ms a generation)
        d["species_sizes"] = {str(k): v for k, v in self.species_sizes.items()}
        d["stagnant_removed"] = list(self.stagnant_removed)
        return d


@dataclass
class Ranking:
    """One generation's genomes by position: keys, selection scores (higher is better), and each species' members
    ranked best first (score, then smaller key), as positions.

    >>> from topoevo.genome import Genome
    >>> gs = [Genome({}, {}, (), (), key=k, species=1) for k in (5, 6, 7)]
    >>> r = Ranking.of(gs, np.array([1.0, 3.0, 3.0]))
    >>> r.members(Species(1, 0, None, gs)).tolist()
    [1, 2, 0]
    """

    keys: np.ndarray  # (P,) genome keys
    scores: np.ndarray  # (P,)
    order: np.ndarray  # positions by (species, -score, key)
    bounds: dict[int, tuple[int, int]]  # species id -> its members' slice of ``order``

    @classmethod
    def of(cls, genomes: Sequence[Genome], scores: np.ndarray) -> "Ranking":
        n = len(genomes)
        keys = np.fromiter(map(attrgetter("key"), genomes), dtype=np.int64, count=n)
        species = list(map(attrgetter("species"), genomes))
        if None in species:  # (a genome not yet speciated)
            species = [-1 if s is None else s for s in species]
        sp = np.fromiter(species, dtype=np.int64, count=n)
        scores = np.asarray(scores, dtype=np.float64)
        order = np.lexsort((keys, -scores, sp))
        sp = sp[order]
        starts = np.flatnonzero(np.concatenate(([True], sp[1:] != sp[:-1]))).tolist() if n else []
        ends = starts[1:] + [n]
        return cls(keys, scores, order, dict(zip(sp[starts].tolist(), zip(starts, ends))))

    def members(self, s: Species) -> np.ndarray:
        """Positions of species ``s``'s members, best first (the genomes record their species)."""
        lo, hi = self.bounds.get(s.id, (0, 0))
        if hi - lo != s.size:
            raise ValueError(f"species {s.id} has {s.size} members, but {hi - lo} genomes record it")
        return self.order[lo:hi]


class NEAT(GenomeCandidates, AlgorithmBase):
    """NEAT (Stanley & Miikkulainen 2002) as ask/tell.

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
    ...                         "neat": {"pop_size": 10}})
    >>> algo = NEAT(cfg, seed=1)
    >>> genomes = algo.ask()
    >>> stats = algo.tell([float(g.num_enabled()) for g in genomes])
    >>> len(algo.ask()), algo.generation
    (10, 1)
    """

    name = "neat"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        if config.genome.num_inputs < 1 or config.genome.num_outputs < 1:
            raise ValueError("genome.num_inputs and genome.num_outputs must be set (>= 1) before building NEAT")
        super().__init__(config, seed)
        self.next_key = 0
        self.tracker = InnovationTracker(0, first_hidden_id(config.genome))
        self.species_set = SpeciesSet(config.species.compatibility_threshold)
        self.best_genome: Genome | None = None
        self.history: list[dict[str, Any]] = []  # per generation: species sizes (for reports)
        self._history_rows: tuple[list[dict[str, Any]], int, dict[str, list[int]]] | None = None  # (see below)
        self.population: list[Genome] = []
        self.checked_species: set[int] = set()  # species whose champion was tested since it last improved
        self._kernel_check: dict[type, bool] = {}  # random source type -> reproduction takes the reference path
        if not _restore:
            self.population = self._fresh_population(self._py_rng())
            self.species_set.speciate(self.population, 0, config.species, self._py_rng())

    # ---- ask / tell ---------------------------------------------------------------------------------------------
    def ask(self) -> list[Genome]:
        """The current generation's genomes, in a fixed order (evaluation seeds are derived from the index)."""
        return self.population

    def tell(self, fitness: Sequence[float]) -> GenerationStats:
        """Record the fitness of ``ask()``'s genomes (same order), then make the next generation."""
        pop = self.population
        arr = self.checked_fitness(fitness, len(pop))
        for g, f in zip(pop, arr.tolist()):
            g.fitness = f
        self.evaluations += len(pop)
        ranking = Ranking.of(pop, self.selection_scores(arr))
        signed = -arr if self.minimise else arr
        ties = np.flatnonzero(signed == signed.max())  # the best; among equals, the smallest key
        best = pop[int(ties[np.argmin(ranking.keys[ties])])]
        if self.best_genome is None or self.better(best.fitness, self.best_genome.fitness):
            self.best_genome = best.copy()
            self.best_genome.fitness, self.best_genome.species = best.fitness, best.species
        stats = GenerationStats(
            generation=self.generation, evaluations=self.evaluations, best_fitness=best.fitness,
            mean_fitness=float(arr.mean()), std_fitness=float(arr.std()),
            worst_fitness=float(arr.max() if self.minimise else arr.min()), best_key=best.key,
            best_nodes=best.num_nodes(), best_connections=best.num_enabled(), num_species=len(self.species_set.species),
            species_sizes={sid: s.size for sid, s in sorted(self.species_set.species.items())},
            threshold=self.species_set.threshold)
        self.history.append({"generation": self.generation, "species": stats.species_sizes})
        survivors = self._update_stagnation(ranking, best, stats)
        py = self._py_rng()
        self.tracker.new_generation()
        self.generation += 1
        with gc_paused():
            if survivors:
                self.population = self._reproduce(survivors, ranking, py)
            else:  # total extinction: cannot happen while the best species is protected, but never crash
                stats.reseeded = True
                self.species_set.species.clear()
                self.population = self._fresh_population(py)
            self.species_set.speciate(self.population, self.generation, self.config.species, py)
        return stats

    @property
    def best(self) -> Genome | None:
        return self.best_genome

    def selection_scores(self, fitness: np.ndarray) -> np.ndarray:
        """What stagnation, offspring allotment and parent choice rank ``ask()``'s genomes by (higher is better):
        the fitness under the criterion. Selection modes that rank by something else (novelty search,
        topoevo/novelty) override this; the best genome and the statistics stay those of the fitness."""
        return fitness if not self.minimise else -fitness

    def observe(self, info: dict[str, Any]) -> None:
        """What the run loop passes on from an evaluation besides fitness (before ``tell``): trained weights
        (``info[TRAINED_WEIGHTS]``, Lamarckian inheritance) are written back into the genomes."""
        trained = info.get(TRAINED_WEIGHTS)
        if trained is not None:
            self.write_back(trained)

    def write_back(self, trained: Sequence[Any]) -> None:
        """Lamarckian inheritance: write the weights a task trained (one
        :class:`~topoevo.tasks.base.TrainedWeights` per genome of ``ask()``, same order; anything else, e.g. None,
        leaves the genome as it is) into the genomes, clipped to the configured weight and bias ranges. Call it
        between evaluation and ``tell``.

        Species representatives are snapshots taken at speciation: one that is also a trained member keeps its
        untrained copy (a resume restores it the same way: a representative that is a member is stored as that
        member's key, a snapshot apart).
        """
        if len(trained) != len(self.population):
            raise ValueError(f"write_back() got {len(trained)} entries for {len(self.population)} genomes")
        pairs = [(g, t) for g, t in zip(self.population, trained) if isinstance(t, TrainedWeights)]
        updated = {id(g) for g, _ in pairs}
        for s in self.species_set.species.values():
            rep = s.representative
            if rep is not None and id(rep) in updated:
                s.representative = rep.copy()
                s.representative.fitness, s.representative.species, s.representative.parents = \
                    rep.fitness, rep.species, rep.parents
        cfg = self.config.genome
        for g, t in pairs:
            t.apply_to(g, (cfg.weight_min, cfg.weight_max), (cfg.bias_min, cfg.bias_max))

    def champion_to_test(self, candidates: Sequence[Genome], fitness: np.ndarray, order: np.ndarray,
                         rotate_species: bool) -> int:
        """Index of the genome the task's success test runs on this generation.

        Normally the generation's best (``order``: best first). With ``rotate_species`` (a task that asks for it:
        the double pole without velocities), the rotation of Stanley's NEAT C++ ``pole2_epoch`` instead: species
        sorted by their best fitness this generation; a species whose best improved on its previous record becomes
        unchecked; the champion of the first unchecked species is tested (of the best species if all are checked),
        and that species is marked checked. So a champion that keeps failing does not hide the other species'
        champions.
        """
        if not rotate_species:
            return int(order[0])
        champions: dict[int, int] = {}
        for i in order.tolist():  # best first: the first index met in a species is its champion
            champions.setdefault(candidates[i].species, i)
        known = self.species_set.species
        self.checked_species &= set(champions)
        for sid, i in champions.items():
            if sid not in known or self.sign * float(fitness[i]) > known[sid].best_score:
                self.checked_species.discard(sid)
        ranked = list(champions)  # species by champion fitness, best first (order is already sorted)
        chosen = next((sid for sid in ranked if sid not in self.checked_species), ranked[0])
        self.checked_species.add(chosen)
        return champions[chosen]

    def mutants(self, parents: Sequence[Genome]) -> list[Genome]:
        """Mutated copies of ``parents`` (same order; new keys, the parent recorded): mutation only, with this run's
        operators, innovation tracker (a call is one generation of it) and random source (one draw from the run's
        generator per call). For schemes that replace genomes one at a time instead of by ``tell`` (the
        tournament scheme of :mod:`topoevo.search.selfplay_tournament`); the population is not touched.
        """
        py = self._py_rng()
        self.tracker.new_generation()
        children = []
        for p in parents:
            child = p.copy(self._new_key())
            child.parents = (p.key,)
            mutate(child, self.config.genome, self.config.mutation, self.tracker, py)
            children.append(child)
        return children

    def snapshot(self, index: int, fitness: float) -> Genome:
        g = self.population[index]
        champ = g.copy()
        champ.fitness, champ.species = fitness, g.species
        return champ

    # ---- internals ----------------------------------------------------------------------------------------------
    def _fresh_population(self, py: GenomeRandom) -> list[Genome]:
        if not self._kernels_off(py):  # the array path keeps generation 0 in a population store too
            keys = [self._new_key() for _ in range(self.config.neat.pop_size)]
            stored = initial_store_genomes(self.config.genome, self.tracker, py, keys)
            if stored is None:  # (the same genomes, made one by one)
                genomes = [initial_genome(self.config.genome, self.tracker, py, k) for k in keys]
                stored = PopulationStore.of(genomes).views(keys, [None] * len(keys), [()] * len(keys))
            return stored
        return [initial_genome(self.config.genome, self.tracker, py, self._new_key())
                for _ in range(self.config.neat.pop_size)]

    def _kernels_off(self, py: GenomeRandom) -> bool:
        """Does this generation's reproduction take the readable reference path? (The config part is checked once.)"""
        off = self._kernel_check.get(type(py))
        if off is None:
            off = self._kernel_check[type(py)] = bool(kernel_unsupported(self.config, py))
        return off

    def _update_stagnation(self, ranking: "Ranking", best: Genome, stats: GenerationStats) -> list[Species]:
        """Update each species' improvement record; return the species allowed to reproduce (by id)."""
        cfg = self.config.stagnation
        ranked = []
        fitness_of = cfg.species_fitness_func
        species_fitness = SPECIES_FITNESS[fitness_of]
        for s in self.species_set.species.values():
            members = ranking.members(s)
            # (max: the first of the ranked members)
            top = float(ranking.scores[members[0]]) if fitness_of == "max" else \
                species_fitness(ranking.scores[members].tolist())
            if top > s.best_score:
                s.best_score, s.last_improved = top, self.generation
            ranked.append((top, -s.id, s))
        ranked.sort(key=lambda t: (t[0], t[1]), reverse=True)
        protected = {s.id for _, _, s in ranked[:cfg.species_elitism]} | {best.species}
        survivors = []
        for _, _, s in ranked:
            if s.id not in protected and self.generation - s.last_improved >= cfg.max_stagnation:
                stats.stagnant_removed.append(s.id)
                del self.species_set.species[s.id]
            else:
                survivors.append(s)
        return sorted(survivors, key=lambda s: s.id)

    def _reproduce(self, survivors: list[Species], ranking: "Ranking", py: GenomeRandom) -> list[Genome]:
        rows = [ranking.members(s) for s in survivors]  # each species' members, best first
        scores = ranking.scores
        order = np.concatenate(rows)
        ranked_scores = scores[order]
        shift = min(0.0, float(ranked_scores.min()))
        # explicit fitness sharing: adjusted fitness = score / species size, summed over the species
        adjusted = (ranked_scores - shift).tolist()
        ends = np.cumsum([len(r) for r in rows]).tolist()
        cfg = self.config
        rep = cfg.reproduction
        if rep.allotment == "neat_python":
            raw = ranked_scores.tolist()
            counts = neat_python_spawn([math.fsum(raw[e - s.size:e]) / s.size for e, s in zip(ends, survivors)],
                                       [s.size for s in survivors], min(raw), max(raw), cfg.neat.pop_size,
                                       max(rep.min_species_size, rep.elitism))
        else:
            shares = [math.fsum(adjusted[e - s.size:e]) / s.size for e, s in zip(ends, survivors)]
            counts = allot_offspring(shares, cfg.neat.pop_size)
        pop = self.population
        if not self._kernels_off(py):
            parents = PopulationStore.of(pop).take(order, KERNEL_NODE_COLUMNS)  # (the columns the kernel reads)
            return reproduce_store(parents, [len(r) for r in rows], [s.id for s in survivors], counts, ranked_scores,
                                   ranking.keys[order].tolist(), cfg, self.tracker, py, self._new_key)
        by_key = dict(zip(ranking.keys.tolist(), scores.tolist()))
        ranked = {s.id: [pop[i] for i in r.tolist()] for s, r in zip(survivors, rows)}
        pools = {sid: m[:max(rep.survival_min, math.ceil(rep.survival_threshold * len(m)))]
                 for sid, m in ranked.items()}
        new_pop: list[Genome] = []
        for s, n in zip(survivors, counts):
            def others(sid: int = s.id) -> list[list[Genome]]:
                return [p for k, p in pools.items() if k != sid]

            new_pop += reproduce_species(ranked[s.id], by_key, n, others, cfg.genome, cfg.mutation,
                                         cfg.reproduction, self.tracker, py, self._new_key)
        return new_pop

    # ---- state --------------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically, as plain JSON data."""
        # a representative that is a genome of the population (as speciation leaves it) is stored by its key,
        # any other (e.g. the untrained snapshot write_back keeps) in the representatives columns
        in_population = {id(g) for g in self.population}
        reps = [s.representative for s in self.species_set.species.values()
                if s.representative is not None and id(s.representative) not in in_population]
        rep_index = {id(g): i for i, g in enumerate(reps)}

        def row(s: Species) -> SpeciesRow:
            rep = s.representative
            member = rep is not None and id(rep) in in_population
            best = s.best_score if math.isfinite(s.best_score) else float("-inf")  # (-inf: none yet)
            return SpeciesRow(s.id, s.created, s.last_improved, best, [g.key for g in s.members],
                              rep_index[id(rep)] if rep is not None and not member else None,
                              rep.key if member else None)

        return {
            **self.base_state(), "next_key": self.next_key, "tracker": self.tracker.to_dict(),
            "threshold": self.species_set.threshold, "next_species_id": self.species_set.next_id,
            "species": species_table([row(s) for s in self.species_set.species.values()]),  # (arrays)
            "population": genomes_to_columns(self.population),  # (compact columns; see topoevo.genome.columns)
            "representatives": genomes_to_columns(reps),  # species[i].representative indexes these
            "best_genome": genome_to_dict(self.best_genome) if self.best_genome else None,
            "history": self._history_table(),
            "checked_species": sorted(self.checked_species),
        }

    def _history_table(self) -> dict[str, dict[str, str]]:
        """:func:`_history_lists` of ``self.history`` (encoded), extended by the rows added since the last checkpoint (rows
        are only ever appended)."""
        cached = self._history_rows
        if cached is None or cached[0] is not self.history or cached[1] > len(self.history):
            cached = (self.history, 0, {name: [] for name in HISTORY_COLUMNS})
        history, done, cols = cached
        for name, values in _history_lists(history[done:]).items():
            cols[name].extend(values)
        self._history_rows = (history, len(history), cols)
        return {name: encode_ints(values) for name, values in cols.items()}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> "NEAT":
        """Rebuild from :meth:`state_dict` output; anything malformed or inconsistent (what would crash or silently
        corrupt a later ``tell()``) raises :class:`~topoevo.errors.CheckpointError` naming the field."""
        algo = cls(config, _restore=True)
        r, w = algo.load_base_state(state, source, default_name="neat"), "algorithm"
        algo.next_key = _counter(r, state, "next_key", w, 0)
        algo.tracker = _read_tracker(r, r.dict(state, "tracker", w))

        def genome(d: Any, where: str) -> Genome:
            g = genome_from_dict(d, f"{source}#{where}" if source else where)
            _check_genome_shape(r, g, config, where)
            return g

        algo.population, reps = _read_population(r, state, config, genome)
        algo.species_set = _read_species_set(r, state, algo.population, algo.generation, genome, reps)
        best = state.get("best_genome")
        algo.best_genome = None if best is None else genome(best, "algorithm.best_genome")
        if algo.best_genome is not None and algo.best_genome.fitness is None:
            raise r.fail("algorithm.best_genome.fitness", "best_genome has no fitness")
        if algo.best_genome is None and algo.generation > 0:
            raise r.fail("algorithm.best_genome", f"missing after {algo.generation} generations")
        algo.history = _read_history(r, state)
        checked = r.list(state, "checked_species", w) if "checked_species" in state else []
        algo.checked_species = {r.int(checked, i, "algorithm.checked_species") for i in range(len(checked))}
        _check_counters(r, algo)
        return algo


#: counters (keys, species ids, innovations, node ids) stay below this: the genome columns hold 64-bit integers
COUNTER_LIMIT = 2**62


def _counter(r: StateReader, d: Any, key: str, where: str, minimum: int) -> int:
    """A counter of the state: an integer in [minimum, COUNTER_LIMIT)."""
    value = r.int(d, key, where, minimum)
    if value >= COUNTER_LIMIT:
        raise r.fail(f"{where}.{key}", f"expected an integer below 2**62, got {value}")
    return value


ReadGenome = Callable[[Any, str], Genome]  # (genome data, field name) -> a checked genome


def _read_population(r: StateReader, state: dict[str, Any], config: Config,
                     genome: ReadGenome) -> tuple[list[Genome], list[Genome] | None]:
    """``algorithm.population``: neat.pop_size genomes of the config's shape, with distinct keys; and the stored
    species representatives (``algorithm.representatives``; None for checkpoints of the older layout, which hold
    the population and the representatives as genome objects)."""
    def columns(key: str) -> list[Genome]:
        def fail(f: str, message: str) -> Exception:
            return r.fail(f"algorithm.{key}" + (f if f.startswith("[") else f".{f}"), message)

        out = stored_genomes_from_columns(state[key], fail)
        for i, g in enumerate(out[:1]):  # (the genomes of a columns object share its inputs, outputs and network)
            _check_genome_shape(r, g, config, f"algorithm.{key}[{i}]")
        return out

    reps = None
    if is_columns(state.get("population")):
        population, reps = columns("population"), columns("representatives")
    else:
        population = [genome(d, f"algorithm.population[{i}]") for i, d in enumerate(r.list(state, "population",
                                                                                            "algorithm"))]
    if len(population) != config.neat.pop_size:
        raise r.fail("algorithm.population", f"{len(population)} genomes (expected neat.pop_size = "
                                              f"{config.neat.pop_size})")
    keys: set[int] = set()
    for i, g in enumerate(population):
        if g.key in keys:
            raise r.fail(f"algorithm.population[{i}].key", f"duplicate genome key {g.key}")
        keys.add(g.key)
    return population, reps


def _read_species_set(r: StateReader, state: dict[str, Any], population: list[Genome], generation: int,
                      genome: ReadGenome, reps: list[Genome] | None) -> SpeciesSet:
    """The species (``algorithm.species``, threshold, next id): every genome of the population in exactly one
    species, the one it records."""
    w = "algorithm"
    by_key = {g.key: g for g in population}
    ss = SpeciesSet(r.float(state, "threshold", w), next_id=_counter(r, state, "next_species_id", w, 1))
    if ss.threshold <= 0:
        raise r.fail("algorithm.threshold", f"expected a threshold > 0, got {ss.threshold}")
    placed: dict[int, int] = {}
    if is_species_table(state.get("species")):
        rows = read_species_table(state["species"], lambda f, message: r.fail(f"algorithm.species.{f}", message))
        start = 0
        for i, row in enumerate(rows):
            s = _table_species(r, row, lambda col, j=None, i=i, start=start: f"algorithm.species.{col}"
                               f"[{i if j is None else start + j}]", ss, by_key, placed, generation, reps)
            ss.species[s.id] = s
            start += len(row.members)
    else:  # (the list of species objects of older checkpoints)
        for i, d in enumerate(r.list(state, "species", w)):
            s = _read_species(r, d, f"algorithm.species[{i}]", ss, by_key, placed, generation, genome, reps)
            ss.species[s.id] = s
    unplaced = [g.key for g in population if g.key not in placed]
    if unplaced:
        raise r.fail("algorithm.species", f"genome {unplaced[0]} of the population is in no species")
    return ss


def _read_species(r: StateReader, d: Any, ws: str, ss: SpeciesSet, by_key: dict[int, Genome],
                  placed: dict[int, int], generation: int, genome: ReadGenome, reps: list[Genome] | None) -> Species:
    """One species object (the list layout of older checkpoints); ``placed`` (genome key -> species id) records its
    members."""
    sid = r.int(d, "id", ws, 1)
    keys = r.list(d, "members", ws)
    if set(map(type, keys)) != {int}:  # (else each key is checked by _species without the reader's type checks)
        keys = [r.int(keys, j, f"{ws}.members") for j in range(len(keys))]
    rep = _read_representative(r, d, ws, by_key, genome, reps)
    best = r.float(d, "best_score", ws, optional=True)
    row = SpeciesRow(sid, r.int(d, "created", ws, 0), r.int(d, "last_improved", ws, 0),
                     float("-inf") if best is None else best, keys, None, None)
    return _species(r, row, rep, lambda col, j=None: f"{ws}.{col}" + ("" if j is None else f"[{j}]"), ss, by_key,
                    placed, generation)


def _table_species(r: StateReader, row: SpeciesRow, field: Callable[..., str], ss: SpeciesSet,
                   by_key: dict[int, Genome], placed: dict[int, int], generation: int,
                   reps: list[Genome] | None) -> Species:
    """One row of a species table; its representative is a genome of the population or a stored one."""
    rep = None
    if row.representative_member is not None:
        if row.representative_member not in by_key:
            raise r.fail(field("representative_member"), f"genome {row.representative_member} is not in the "
                                                         "population")
        rep = by_key[row.representative_member]
    elif row.representative is not None:
        if reps is None or row.representative >= len(reps):
            raise r.fail(field("representative"), f"expected an index below {len(reps or ())} (the "
                                                  f"representatives), got {row.representative}")
        rep = reps[row.representative]
    return _species(r, row, rep, field, ss, by_key, placed, generation)


def _species(r: StateReader, row: SpeciesRow, rep: Genome | None, field: Callable[..., str], ss: SpeciesSet,
             by_key: dict[int, Genome], placed: dict[int, int], generation: int) -> Species:
    """A species from its checked values, cross-checked against the population: ``field(column, member index)``
    names a field; ``placed`` (genome key -> species id) records the members."""
    sid = row.id
    if sid in ss.species or sid >= ss.next_id:
        raise r.fail(field("id"), f"species id {sid} is a duplicate or not below next_species_id ({ss.next_id})")
    members = []
    for j, k in enumerate(row.members):
        g = by_key.get(k)
        if g is None:
            raise r.fail(field("members", j), f"species {sid} lists genome {k!r}, which is not in the population")
        if k in placed:
            raise r.fail(field("members", j), f"genome {k} is also a member of species {placed[k]}")
        if g.species != sid:
            raise r.fail(field("members", j), f"genome {k} records species {g.species}, not {sid}")
        placed[k] = sid
        members.append(g)
    if not members:
        raise r.fail(field("members"), "a species has no members")
    if row.created > generation or row.last_improved > generation:
        raise r.fail(field("created"), f"created ({row.created}) or last_improved ({row.last_improved}) after the "
                                       f"current generation ({generation})")
    return Species(sid, row.created, rep, members, row.best_score, row.last_improved)


def _read_representative(r: StateReader, d: Any, ws: str, by_key: dict[int, Genome], genome: ReadGenome,
                         reps: list[Genome] | None) -> Genome | None:
    """A species' representative: a genome of the population (``representative_member``: its key), one of the
    stored representatives (``representative``: its index), or a genome object (older checkpoints)."""
    if reps is not None and d.get("representative_member") is not None:
        k = r.int(d, "representative_member", ws)
        if k not in by_key:
            raise r.fail(f"{ws}.representative_member", f"genome {k} is not in the population")
        return by_key[k]
    if d.get("representative") is None:
        return None
    if reps is not None:
        k = r.int(d, "representative", ws, 0)
        if k >= len(reps):
            raise r.fail(f"{ws}.representative", f"expected an index below {len(reps)} (the representatives), got {k}")
        return reps[k]
    return genome(d["representative"], f"{ws}.representative")


def _read_tracker(r: StateReader, d: dict[str, Any]) -> InnovationTracker:
    """The innovation tracker's state (``algorithm.tracker``), every number checked."""
    w = "algorithm.tracker"

    def rows(key: str, width: int) -> list[list[int]]:
        out = []
        table = r.list(d, key, w) if key != "resplits" or key in d else []
        if all(type(row) is list and len(row) == width for row in table):  # (the common case, checked at once)
            flat = list(chain.from_iterable(table))
            if all(type(v) is int for v in flat) and min(flat, default=0) >= 0:
                return table
        for i, row in enumerate(table):
            if not isinstance(row, list) or len(row) != width:
                raise r.fail(f"{w}.{key}[{i}]", f"expected a list of {width} integers, got {row!r}"[:200])
            out.append([r.int(row, j, f"{w}.{key}[{i}]", 0) for j in range(width)])
        return out

    return InnovationTracker(_counter(r, d, "next_innovation", w, 0), _counter(r, d, "next_node_id", w, 0),
                             {(a, b): i for a, b, i in rows("links", 3)},
                             {i: (n, x, y) for i, n, x, y in rows("splits", 4)},
                             {(i, t): (n, x, y) for i, t, n, x, y in rows("resplits", 5)})


HISTORY_COLUMNS = ("generation", "count", "species", "size")


def _history_lists(history: list[dict[str, Any]]) -> dict[str, list[int]]:
    """``algorithm.history`` as columns: each generation, its number of species, and all generations' species ids
    and sizes one after the other (in checkpoints: four integer arrays, :func:`~topoevo.genome.columns.encode_ints`,
    much cheaper to write and read than a list of objects; older checkpoints hold the list of
    ``{"generation": g, "species": {id: size}}`` objects, still read)."""
    return {"generation": [h["generation"] for h in history], "count": [len(h["species"]) for h in history],
            "species": [int(sid) for h in history for sid in h["species"]],
            "size": [size for h in history for size in h["species"].values()]}


def _read_history(r: StateReader, state: dict[str, Any]) -> list[dict[str, Any]]:
    """``algorithm.history`` (columns, or the list of rows of older checkpoints), every number checked."""
    w = "algorithm.history"
    if isinstance(state.get("history"), list):
        history = state["history"]
        rows = [_read_history_row(r, history, i) for i in range(len(history))]
        return [{"generation": h["generation"], "species": {int(k): v for k, v in h["species"].items()}}
                for h in rows]
    table = r.dict(state, "history", "algorithm")
    cols = {}
    for name, minimum in zip(HISTORY_COLUMNS, (0, 0, 0, 1)):
        values = decode_ints(r.value(table, name, w), lambda f, message: r.fail(f"{w}.{name}{f}", message))
        if values.min(initial=minimum) < minimum:
            raise r.fail(f"{w}.{name}", f"expected integers >= {minimum}, got {values.min()}")
        cols[name] = values.tolist()
    if len(cols["count"]) != len(cols["generation"]):
        raise r.fail(f"{w}.count", f"expected {len(cols['generation'])} values (one per generation), got "
                                   f"{len(cols['count'])}")
    total = sum(cols["count"])
    for name in ("species", "size"):
        if len(cols[name]) != total:
            raise r.fail(f"{w}.{name}", f"expected {total} values (the sum of count), got {len(cols[name])}")
    ids, sizes, out, start = cols["species"], cols["size"], [], 0
    for g, k in zip(cols["generation"], cols["count"]):
        row = dict(zip(ids[start:start + k], sizes[start:start + k]))
        if len(row) != k:
            raise r.fail(f"{w}.species", f"generation {g} lists a species twice")
        out.append({"generation": g, "species": row})
        start += k
    return out


def _read_history_row(r: StateReader, history: list[Any], i: int) -> dict[str, Any]:
    """One row of ``algorithm.history``: ``{"generation": g, "species": {species id: size}}``."""
    w = f"algorithm.history[{i}]"
    row = r.dict(history, i, "algorithm.history")
    sizes = r.dict(row, "species", w)
    if set(map(type, sizes.values())) == {int} and min(sizes.values(), default=1) >= 1 and \
            set(map(type, sizes)) == {str} and all(map(str.isdigit, sizes)):
        return {"generation": r.int(row, "generation", w, 0), "species": sizes}
    for sid, size in sizes.items():
        if not sid.isdigit() or isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise r.fail(f"{w}.species", f"expected species ids and their sizes (positive integers), got "
                                         f"{sid!r}: {size!r}"[:200])
    return {"generation": r.int(row, "generation", w, 0), "species": sizes}


def _check_counters(r: StateReader, algo: "NEAT") -> None:
    """Keys, innovations and node ids handed out later must be new: each counter above every number in use."""
    in_population = set(map(id, algo.population))  # (representatives that are members add no number)
    genomes = [*algo.population, *(s.representative for s in algo.species_set.species.values()
                                   if s.representative is not None and id(s.representative) not in in_population)]
    top_key = max((g.key for g in algo.population), default=-1)
    if algo.next_key <= top_key:
        raise r.fail("algorithm.next_key", f"expected more than the largest genome key {top_key}, got "
                                           f"{algo.next_key}")
    t = algo.tracker
    stores = [PopulationStore.of(group) for group in (algo.population, genomes[len(algo.population):]) if group]
    top_inn = max((int(st.conns["innovation"].max(initial=-1)) for st in stores), default=-1)
    top_inn = max([top_inn, *(i for i in t.links.values()),
                   *(v for s in (*t.splits.values(), *t.resplits.values()) for v in s[1:])])
    if t.next_innovation <= top_inn:
        raise r.fail("algorithm.tracker.next_innovation", f"expected more than the largest innovation in use "
                                                          f"({top_inn}), got {t.next_innovation}")
    top_node = max([first_hidden_id(algo.config.genome) - 1, *(int(st.nodes["id"].max(initial=-1)) for st in stores),
                    *(s[0] for s in (*t.splits.values(), *t.resplits.values()))])
    if t.next_node_id <= top_node:
        raise r.fail("algorithm.tracker.next_node_id", f"expected more than the largest node id in use "
                                                       f"({top_node}), got {t.next_node_id}")
