"""``neat.Population``: topoevo's NEAT driven by a neat-python script's ``eval_genomes(genomes, config)``."""
from __future__ import annotations

import math
import statistics
from typing import Any, Callable

from topoevo.compat.neat.config import Config
from topoevo.compat.neat.genome import Genome
from topoevo.compat.neat.reporting import BaseReporter, PopulationReporter, ReporterSet
from topoevo.neat.algorithm import NEAT, SPECIES_FITNESS


class CompleteExtinctionException(Exception):
    """Raised by neat-python when every species died out; topoevo's NEAT always keeps the best species, so this is
    never raised here (kept so that scripts catching it still import)."""


#: neat-python's fitness_criterion: a statistic of the generation's fitness compared with fitness_threshold
CRITERIA: dict[str, Callable[[list[float]], float]] = {"max": max, "min": min, "mean": statistics.fmean,
                                                       "median": SPECIES_FITNESS["median"]}


class Species:
    """A species as neat-python's reporters see it: ``members`` (key -> genome), ``created``, ``last_improved``,
    ``fitness`` (its fitness record so far; None before the first), ``adjusted_fitness`` (None here)."""

    def __init__(self, key: int, created: int, last_improved: int, members: dict[int, Genome],
                 fitness: float | None):
        self.key, self.created, self.last_improved, self.members = key, created, last_improved, members
        self.fitness, self.adjusted_fitness = fitness, None
        self.fitness_history: list[float] = []

    def get_fitnesses(self) -> list[float | None]:
        return [g.fitness for g in self.members.values()]


class SpeciesSet:
    """``population.species``: the species by id, and each genome's species.

    >>> SpeciesSet({}).get_species_id(3) is None
    True
    """

    def __init__(self, species: dict[int, Species]):
        self.species = species
        self.genome_to_species = {k: sid for sid, s in species.items() for k in s.members}

    def get_species_id(self, individual_id: int) -> int | None:
        return self.genome_to_species.get(individual_id)

    def get_species(self, individual_id: int) -> Species | None:
        sid = self.genome_to_species.get(individual_id)
        return None if sid is None else self.species[sid]


class Population:
    """The population of a neat-python script: ``run(eval_genomes, n)`` calls the script's fitness function once per
    generation with ``[(key, genome), ...]`` and the config, and returns the best genome found.

    ``seed`` (or ``[NEAT] seed``; else 0) seeds topoevo's generator: the same seed gives the same run.

    >>> import pathlib
    >>> from topoevo.compat import neat
    >>> path = pathlib.Path(__file__).parents[3] / "tests/data/neat_python_examples/xor__config-feedforward"
    >>> config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
    ...                      neat.DefaultStagnation, str(path))
    >>> def eval_genomes(genomes, config):
    ...     for key, genome in genomes:
    ...         genome.fitness = float(len(genome.connections))
    >>> best = Population(config).run(eval_genomes, 2)
    >>> best.fitness >= 2
    True
    """

    def __init__(self, config: Config, initial_state: tuple[NEAT, int] | None = None, seed: int | None = None):
        self.config = config
        self.reporters = ReporterSet()
        if initial_state is None:
            seed = seed if seed is not None else (config.seed if config.seed is not None else 0)
            self.algorithm = NEAT(config.topoevo, seed=seed)
            self.generation = 0
        else:
            self.algorithm, self.generation = initial_state
        best = self.algorithm.best_genome
        self.best_genome: Genome | None = Genome(best) if best is not None else None
        self.fitness_criterion = CRITERIA.get(config.fitness_criterion, max)
        self._wrap()

    def _wrap(self) -> None:
        """The current generation's genomes and species under neat-python's names."""
        self._genomes = [Genome(g) for g in self.algorithm.ask()]
        self.population: dict[int, Genome] = {g.key: g for g in self._genomes}
        self.species = SpeciesSet({
            s.id: Species(s.id, s.created, s.last_improved, {g.key: self.population[g.key] for g in s.members},
                          s.best_score if math.isfinite(s.best_score) else None)
            for s in self.algorithm.species_set.species.values()})

    def add_reporter(self, reporter: BaseReporter) -> None:
        self.reporters.add(reporter)
        if isinstance(reporter, PopulationReporter):  # e.g. the checkpointer: it saves this population's state
            reporter.attach(self)

    def remove_reporter(self, reporter: BaseReporter) -> None:
        self.reporters.remove(reporter)

    def run(self, fitness_function: Callable[[list[tuple[int, Genome]], Config], Any], n: int | None = None
            ) -> Genome | None:
        """At most ``n`` generations (``None``: until the fitness threshold is met)."""
        if self.config.no_fitness_termination and n is None:
            raise RuntimeError("Cannot have no generational limit with no fitness termination")
        k = 0
        while n is None or k < n:
            k += 1
            self.reporters.start_generation(self.generation)
            fitness_function(list(self.population.items()), self.config)
            best = None
            for g in self._genomes:
                if g.fitness is None:
                    raise RuntimeError(f"Fitness not assigned to genome {g.key}")
                if best is None or g.fitness > best.fitness:
                    best = g
            self.reporters.post_evaluate(self.config, self.population, self.species, best)
            if self.best_genome is None or best.fitness > self.best_genome.fitness:
                self.best_genome = best
            fitness = [float(g.fitness) for g in self._genomes]
            if not self.config.no_fitness_termination and \
                    self.fitness_criterion(fitness) >= self.config.fitness_threshold:
                self.reporters.found_solution(self.config, self.generation, best)
                break
            old_species = self.species
            stats = self.algorithm.tell(fitness)
            for sid in stats.stagnant_removed:
                self.reporters.species_stagnant(sid, old_species.species[sid])
            if stats.reseeded:
                self.reporters.complete_extinction()
            self._wrap()
            self.reporters.end_generation(self.config, self.population, self.species)
            self.generation += 1
        if self.config.no_fitness_termination:
            self.reporters.found_solution(self.config, self.generation, self.best_genome)
        return self.best_genome
