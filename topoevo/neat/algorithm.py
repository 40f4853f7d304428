"""NEAT as an ask/tell object: evaluate ``ask()``, hand the fitness to ``tell()``; selection, speciation and
reproduction happen inside. Its whole state round-trips through plain JSON data (checkpoints)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np

from topoevo.config import Config, FitnessCriterion
from topoevo.genome.genome import Genome
from topoevo.genome.initial import first_hidden_id, initial_genome
from topoevo.genome.innovation import InnovationTracker
from topoevo.genome.rng import GenomeRandom
from topoevo.evaluate.base import compile_genomes
from topoevo.genome.io import genome_from_dict, genome_to_dict, save_genome
from topoevo.neat.reproduction import allot_offspring, reproduce_species
from topoevo.neat.species import Species, SpeciesSet


@dataclass
class GenerationStats:
    """What one generation looked like (after evaluation, before reproduction)."""

    generation: int
    evaluations: int
    best_fitness: float
    mean_fitness: float
    std_fitness: float
    worst_fitness: float
    best_key: int
    best_nodes: int
    best_connections: int
    num_species: int
    species_sizes: dict[int, int]
    threshold: float
    stagnant_removed: list[int] = field(default_factory=list)
    reseeded: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["species_sizes"] = {str(k): v for k, v in self.species_sizes.items()}
        return d


class NEAT:
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

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        if config.genome.num_inputs < 1 or config.genome.num_outputs < 1:
            raise ValueError("genome.num_inputs and genome.num_outputs must be set (>= 1) before building NEAT")
        self.config = config
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.generation = 0
        self.evaluations = 0
        self.next_key = 0
        self.tracker = InnovationTracker(0, first_hidden_id(config.genome))
        self.species_set = SpeciesSet(config.species.compatibility_threshold)
        self.best_genome: Genome | None = None
        self.history: list[dict[str, Any]] = []  # per generation: species sizes (for reports)
        self.population: list[Genome] = []
        if not _restore:
            self.population = self._fresh_population(self._py_rng())
            self.species_set.speciate(self.population, 0, config.species, self._py_rng())

    compile_fn = staticmethod(compile_genomes)

    # ---- ask / tell ---------------------------------------------------------------------------------------------
    def ask(self) -> list[Genome]:
        """The current generation's genomes, in a fixed order (evaluation seeds are derived from the index)."""
        return self.population

    @property
    def minimise(self) -> bool:
        return self.config.neat.fitness_criterion is FitnessCriterion.MIN

    def better(self, a: float, b: float) -> bool:
        """Is fitness ``a`` strictly better than ``b`` under the configured criterion?"""
        return a < b if self.minimise else a > b

    def tell(self, fitness: Sequence[float]) -> GenerationStats:
        """Record the fitness of ``ask()``'s genomes (same order), then make the next generation."""
        pop = self.population
        if len(fitness) != len(pop):
            raise ValueError(f"tell() got {len(fitness)} fitness values for {len(pop)} genomes")
        values = [float(f) for f in fitness]
        if not all(math.isfinite(f) for f in values):
            raise ValueError("tell() got a NaN or infinite fitness")
        sign = -1.0 if self.minimise else 1.0
        scores: dict[int, float] = {}
        for g, f in zip(pop, values):
            g.fitness = f
            scores[g.key] = sign * f
        self.evaluations += len(pop)
        best = max(pop, key=lambda g: (scores[g.key], -g.key))
        if self.best_genome is None or self.better(best.fitness, self.best_genome.fitness):
            self.best_genome = best.copy()
            self.best_genome.fitness, self.best_genome.species = best.fitness, best.species
        arr = np.asarray(values)
        stats = GenerationStats(
            generation=self.generation, evaluations=self.evaluations, best_fitness=best.fitness,
            mean_fitness=float(arr.mean()), std_fitness=float(arr.std()),
            worst_fitness=float(arr.max() if self.minimise else arr.min()), best_key=best.key,
            best_nodes=len(best.nodes), best_connections=best.num_enabled(), num_species=len(self.species_set.species),
            species_sizes={sid: s.size for sid, s in sorted(self.species_set.species.items())},
            threshold=self.species_set.threshold)
        self.history.append({"generation": self.generation, "species": stats.species_sizes})
        survivors = self._update_stagnation(scores, best, stats)
        py = self._py_rng()
        self.tracker.new_generation()
        self.generation += 1
        if survivors:
            self.population = self._reproduce(survivors, scores, py)
        else:  # total extinction: cannot happen while the best species is protected, but never crash
            stats.reseeded = True
            self.species_set.species.clear()
            self.population = self._fresh_population(py)
        self.species_set.speciate(self.population, self.generation, self.config.species, py)
        return stats

    @property
    def best(self) -> Genome | None:
        return self.best_genome

    def snapshot(self, index: int, fitness: float) -> Genome:
        g = self.population[index]
        champ = g.copy()
        champ.fitness, champ.species = fitness, g.species
        return champ

    def describe(self, genome: Genome) -> dict[str, Any]:
        return {"hidden": genome.num_hidden, "connections": genome.num_enabled()}

    def save_candidate(self, genome: Genome, path, metadata: dict[str, Any]) -> None:
        save_genome(genome, path, metadata)

    # ---- internals ----------------------------------------------------------------------------------------------
    def _py_rng(self) -> GenomeRandom:
        """A fast Python generator for genome operations, drawn from the run's one numpy generator."""
        return GenomeRandom(int(self.rng.integers(0, 2**63)))

    def _new_key(self) -> int:
        self.next_key += 1
        return self.next_key - 1

    def _fresh_population(self, py: random.Random) -> list[Genome]:
        return [initial_genome(self.config.genome, self.tracker, py, self._new_key())
                for _ in range(self.config.neat.pop_size)]

    def _update_stagnation(self, scores: dict[int, float], best: Genome, stats: GenerationStats) -> list[Species]:
        """Update each species' improvement record; return the species allowed to reproduce (by id)."""
        cfg = self.config.stagnation
        ranked = []
        for s in self.species_set.species.values():
            top = max(scores[g.key] for g in s.members)
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

    def _reproduce(self, survivors: list[Species], scores: dict[int, float], py: random.Random) -> list[Genome]:
        all_scores = [scores[g.key] for s in survivors for g in s.members]
        shift = min(0.0, min(all_scores))
        # explicit fitness sharing: adjusted fitness = score / species size, summed over the species
        shares = [math.fsum(scores[g.key] - shift for g in s.members) / s.size for s in survivors]
        counts = allot_offspring(shares, self.config.neat.pop_size)
        ranked = {s.id: sorted(s.members, key=lambda g: (-scores[g.key], g.key)) for s in survivors}
        cfg = self.config
        pools = {sid: m[:max(1, math.ceil(cfg.reproduction.survival_threshold * len(m)))] for sid, m in ranked.items()}
        new_pop: list[Genome] = []
        for s, n in zip(survivors, counts):
            def others(sid: int = s.id) -> list[list[Genome]]:
                return [p for k, p in pools.items() if k != sid]

            new_pop += reproduce_species(ranked[s.id], scores, n, others, cfg.genome, cfg.mutation,
                                         cfg.reproduction, self.tracker, py, self._new_key)
        return new_pop

    # ---- state --------------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically, as plain JSON data."""
        def sp(s: Species) -> dict[str, Any]:
            return {"id": s.id, "created": s.created, "members": [g.key for g in s.members],
                    "representative": genome_to_dict(s.representative) if s.representative else None,
                    "best_score": s.best_score if math.isfinite(s.best_score) else None,
                    "last_improved": s.last_improved}

        return {
            "algorithm": "neat", "generation": self.generation, "evaluations": self.evaluations,
            "next_key": self.next_key, "rng": self.rng.bit_generator.state, "tracker": self.tracker.to_dict(),
            "threshold": self.species_set.threshold, "next_species_id": self.species_set.next_id,
            "species": [sp(s) for s in self.species_set.species.values()],
            "population": [genome_to_dict(g) for g in self.population],
            "best_genome": genome_to_dict(self.best_genome) if self.best_genome else None,
            "history": self.history,
        }

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> "NEAT":
        """Rebuild from :meth:`state_dict` output (validated by the checkpoint reader)."""
        algo = cls(config, _restore=True)
        algo.generation = int(state["generation"])
        algo.evaluations = int(state["evaluations"])
        algo.next_key = int(state["next_key"])
        algo.rng.bit_generator.state = state["rng"]
        algo.tracker = InnovationTracker.from_dict(state["tracker"])
        algo.population = [genome_from_dict(d, source) for d in state["population"]]
        by_key = {g.key: g for g in algo.population}
        ss = SpeciesSet(float(state["threshold"]), next_id=int(state["next_species_id"]))
        for d in state["species"]:
            unknown = [k for k in d["members"] if k not in by_key]
            if unknown:
                raise ValueError(f"species {d['id']} lists genome {unknown[0]!r}, which is not in the population")
            rep = genome_from_dict(d["representative"], source) if d["representative"] else None
            s = Species(int(d["id"]), int(d["created"]), rep, [by_key[k] for k in d["members"]],
                        float("-inf") if d["best_score"] is None else float(d["best_score"]), int(d["last_improved"]))
            ss.species[s.id] = s
        algo.species_set = ss
        algo.best_genome = genome_from_dict(state["best_genome"], source) if state["best_genome"] else None
        algo.history = list(state["history"])
        # what the types alone do not catch (each would crash a later tell()); reported as a CheckpointError
        if algo.generation < 0 or len(algo.population) != config.neat.pop_size:
            raise ValueError(f"generation {algo.generation} with {len(algo.population)} genomes "
                             f"(expected generation >= 0 and neat.pop_size = {config.neat.pop_size} genomes)")
        if any(not s.members for s in ss.species.values()):
            raise ValueError("a species has no members")
        if algo.best_genome is not None and algo.best_genome.fitness is None:
            raise ValueError("best_genome has no fitness")
        return algo
