"""neat-python's reporter interface, the reporter set and the standard-output reporter."""
from __future__ import annotations

import time
from typing import Any


class BaseReporter:
    """A reporter's hooks, all doing nothing: subclass and override the ones you need (as in neat-python).

    >>> BaseReporter().info("hello")
    """

    def start_generation(self, generation: int) -> None: ...

    def end_generation(self, config: Any, population: dict, species_set: Any) -> None: ...

    def post_evaluate(self, config: Any, population: dict, species: Any, best_genome: Any) -> None: ...

    def post_reproduction(self, config: Any, population: dict, species: Any) -> None: ...

    def complete_extinction(self) -> None: ...

    def found_solution(self, config: Any, generation: int, best: Any) -> None: ...

    def species_stagnant(self, sid: int, species: Any) -> None: ...

    def info(self, msg: str) -> None: ...


class PopulationReporter(BaseReporter):
    """A reporter that reads the population it reports on (the checkpointer): ``Population.add_reporter`` calls
    :meth:`attach` with it.

    >>> PopulationReporter().attach(None)
    """

    def attach(self, population: Any) -> None: ...


class ReporterSet:
    """The reporters of a population; each hook is passed on to every one, in the order they were added.

    >>> rs = ReporterSet(); rs.add(BaseReporter()); rs.start_generation(0); len(rs.reporters)
    1
    """

    def __init__(self) -> None:
        self.reporters: list[BaseReporter] = []

    def add(self, reporter: BaseReporter) -> None:
        self.reporters.append(reporter)

    def remove(self, reporter: BaseReporter) -> None:
        self.reporters.remove(reporter)

    def start_generation(self, gen: int) -> None:
        for r in self.reporters:
            r.start_generation(gen)

    def end_generation(self, config: Any, population: dict, species_set: Any) -> None:
        for r in self.reporters:
            r.end_generation(config, population, species_set)

    def post_evaluate(self, config: Any, population: dict, species: Any, best_genome: Any) -> None:
        for r in self.reporters:
            r.post_evaluate(config, population, species, best_genome)

    def post_reproduction(self, config: Any, population: dict, species: Any) -> None:
        for r in self.reporters:
            r.post_reproduction(config, population, species)

    def complete_extinction(self) -> None:
        for r in self.reporters:
            r.complete_extinction()

    def found_solution(self, config: Any, generation: int, best: Any) -> None:
        for r in self.reporters:
            r.found_solution(config, generation, best)

    def species_stagnant(self, sid: int, species: Any) -> None:
        for r in self.reporters:
            r.species_stagnant(sid, species)

    def info(self, msg: str) -> None:
        for r in self.reporters:
            r.info(msg)


class StdOutReporter(BaseReporter):
    """Progress on standard output: each generation's population, species (a table with ``show_species_detail``),
    fitness and timing.

    >>> r = StdOutReporter(False); r.start_generation(3)  # doctest: +NORMALIZE_WHITESPACE
    <BLANKLINE>
     ****** Running generation 3 ******
    <BLANKLINE>
    """

    def __init__(self, show_species_detail: bool):
        self.show_species_detail = show_species_detail
        self.generation: int | None = None
        self.generation_start = 0.0
        self.times: list[float] = []
        self.num_extinctions = 0

    def start_generation(self, generation: int) -> None:
        self.generation = generation
        print(f"\n ****** Running generation {generation} ****** \n")
        self.generation_start = time.time()

    def end_generation(self, config: Any, population: dict, species_set: Any) -> None:
        species = species_set.species
        print(f"Population of {len(population)} members in {len(species)} species")
        if self.show_species_detail:
            print("   ID   age  size   fitness   adj fit  stag")
            print("  ====  ===  ====  =========  =======  ====")
            for sid, s in sorted(species.items()):
                fit = "--" if s.fitness is None else f"{s.fitness:.3f}"
                adj = "--" if s.adjusted_fitness is None else f"{s.adjusted_fitness:.3f}"
                print(f"  {sid:>4}  {self.generation - s.created:>3}  {len(s.members):>4}  {fit:>9}  {adj:>7}  "
                      f"{self.generation - s.last_improved:>4}")
        elapsed = time.time() - self.generation_start
        self.times = (self.times + [elapsed])[-10:]
        print(f"Total extinctions: {self.num_extinctions:d}")
        print(f"Generation time: {elapsed:.3f} sec ({sum(self.times) / len(self.times):.3f} average)")

    def post_evaluate(self, config: Any, population: dict, species: Any, best_genome: Any) -> None:
        fits = [g.fitness for g in population.values()]
        mean = sum(fits) / len(fits)
        sd = (sum((f - mean) ** 2 for f in fits) / len(fits)) ** 0.5
        print(f"Population's average fitness: {mean:3.5f} stdev: {sd:3.5f}")
        print(f"Best fitness: {best_genome.fitness:3.5f} - size: {best_genome.size()!r} - species "
              f"{species.get_species_id(best_genome.key)} - id {best_genome.key}")

    def complete_extinction(self) -> None:
        self.num_extinctions += 1
        print("All species extinct.")

    def found_solution(self, config: Any, generation: int, best: Any) -> None:
        print(f"\nBest individual in generation {generation} meets fitness threshold - complexity: {best.size()!r}")

    def species_stagnant(self, sid: int, species: Any) -> None:
        if self.show_species_detail:
            print(f"\nSpecies {sid} with {len(species.members)} members is stagnated: removing it")

    def info(self, msg: str) -> None:
        print(msg)
