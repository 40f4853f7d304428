"""``neat.StatisticsReporter``: the best genome and every species' member fitness, per generation."""
from __future__ import annotations

import copy
import csv
import statistics
from typing import Any, Callable

from topoevo.compat.neat.reporting import BaseReporter


class StatisticsReporter(BaseReporter):
    """Gathers per-generation statistics (as neat-python's, for plots and CSV files).

    >>> StatisticsReporter().get_fitness_mean()
    []
    """

    def __init__(self) -> None:
        self.most_fit_genomes: list[Any] = []
        self.generation_statistics: list[dict[int, dict[int, float]]] = []

    def post_evaluate(self, config: Any, population: dict, species: Any, best_genome: Any) -> None:
        self.most_fit_genomes.append(copy.deepcopy(best_genome))
        self.generation_statistics.append({sid: {k: g.fitness for k, g in s.members.items()}
                                           for sid, s in species.species.items()})

    def get_fitness_stat(self, f: Callable[[list[float]], float]) -> list[float]:
        return [f([x for members in gen.values() for x in members.values()]) for gen in self.generation_statistics]

    def get_fitness_mean(self) -> list[float]:
        return self.get_fitness_stat(statistics.fmean)

    def get_fitness_stdev(self) -> list[float]:
        return self.get_fitness_stat(statistics.pstdev)

    def get_fitness_median(self) -> list[float]:
        return self.get_fitness_stat(statistics.median)

    def best_genomes(self, n: int) -> list[Any]:
        return sorted(self.most_fit_genomes, key=lambda g: g.fitness, reverse=True)[:n]

    def best_unique_genomes(self, n: int) -> list[Any]:
        unique = {g.key: g for g in self.most_fit_genomes}
        return sorted(unique.values(), key=lambda g: g.fitness, reverse=True)[:n]

    def best_genome(self) -> Any:
        return self.best_genomes(1)[0]

    def get_species_sizes(self) -> list[list[int]]:
        ids = sorted({sid for gen in self.generation_statistics for sid in gen})
        return [[len(gen.get(sid, {})) for sid in ids] for gen in self.generation_statistics]

    def get_species_fitness(self, null_value: Any = "") -> list[list[Any]]:
        ids = sorted({sid for gen in self.generation_statistics for sid in gen})
        return [[statistics.fmean(gen[sid].values()) if gen.get(sid) else null_value for sid in ids]
                for gen in self.generation_statistics]

    def save_genome_fitness(self, delimiter: str = " ", filename: str = "fitness_history.csv") -> None:
        with open(filename, "w", newline="") as f:
            w = csv.writer(f, delimiter=delimiter)
            for best, avg in zip([g.fitness for g in self.most_fit_genomes], self.get_fitness_mean()):
                w.writerow([best, avg])

    def save_species_count(self, delimiter: str = " ", filename: str = "speciation.csv") -> None:
        with open(filename, "w", newline="") as f:
            csv.writer(f, delimiter=delimiter).writerows(self.get_species_sizes())

    def save_species_fitness(self, delimiter: str = " ", null_value: str = "NA",
                             filename: str = "species_fitness.csv") -> None:
        with open(filename, "w", newline="") as f:
            csv.writer(f, delimiter=delimiter).writerows(self.get_species_fitness(null_value))

    def save(self) -> None:
        self.save_genome_fitness()
        self.save_species_count()
        self.save_species_fitness()
