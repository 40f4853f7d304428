"""``neat.Checkpointer``: JSON checkpoints of a compat run (no pickle), and ``restore_checkpoint``."""
from __future__ import annotations

import time
from typing import Any

from topoevo.compat.neat.config import Config, DefaultGenome, DefaultReproduction, DefaultSpeciesSet, \
    DefaultStagnation
from topoevo.compat.neat.reporting import PopulationReporter
from topoevo.errors import CheckpointError
from topoevo.files import read_json, write_json_atomic
from topoevo.compat.neat.population import Population
from topoevo.neat.algorithm import NEAT

FORMAT = "topoevo.compat.neat checkpoint"


class Checkpointer(PopulationReporter):
    """Writes ``<prefix><N>`` after a generation every ``generation_interval`` generations (or
    ``time_interval_seconds``): a JSON file holding the config text and topoevo's full NEAT state, from which
    :meth:`restore_checkpoint` continues exactly as the run would have (generation ``N`` is the next to evaluate).

    >>> Checkpointer(5).filename_prefix
    'neat-checkpoint-'
    """

    def __init__(self, generation_interval: int | None = 100, time_interval_seconds: float | None = 300,
                 filename_prefix: str = "neat-checkpoint-"):
        self.generation_interval, self.time_interval_seconds = generation_interval, time_interval_seconds
        self.filename_prefix = filename_prefix
        self.current_generation: int | None = None
        self.last_generation_checkpoint = 0
        self.last_time_checkpoint = time.time()
        self.population: Population | None = None

    def attach(self, population: Population) -> None:
        """Called by ``Population.add_reporter``: the population whose state the checkpoints hold."""
        self.population = population
        self.last_generation_checkpoint = population.generation

    def start_generation(self, generation: int) -> None:
        self.current_generation = generation

    def end_generation(self, config: Any, population: dict, species_set: Any) -> None:
        due = self.time_interval_seconds is not None and \
            time.time() - self.last_time_checkpoint >= self.time_interval_seconds
        next_generation = (self.current_generation or 0) + 1
        if self.generation_interval is not None and \
                next_generation - self.last_generation_checkpoint >= self.generation_interval:
            due = True
        if due:
            self.save_checkpoint(config, population, species_set, next_generation)
            self.last_generation_checkpoint, self.last_time_checkpoint = next_generation, time.time()

    def save_checkpoint(self, config: Config, population: dict, species_set: Any, generation: int) -> None:
        if self.population is None:
            raise RuntimeError("add the Checkpointer to a population with add_reporter() first")
        filename = f"{self.filename_prefix}{generation}"
        print(f"Saving checkpoint to {filename}")
        write_json_atomic(filename, {"format": FORMAT, "version": 1, "generation": generation,
                                     "config_file": config.filename, "config_text": config.text,
                                     "algorithm": self.population.algorithm.state_dict()}, indent=None)

    @staticmethod
    def restore_checkpoint(filename: str, new_config: Config | None = None) -> Population:
        """The population saved in ``filename`` (with ``new_config`` instead of the saved config, if given)."""
        data = read_json(filename, CheckpointError)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CheckpointError(f"not a {FORMAT} file", source=filename, field="format")
        for key, kind in (("generation", int), ("config_file", str), ("config_text", str), ("algorithm", dict)):
            if not isinstance(data.get(key), kind):
                raise CheckpointError(f"expected {kind.__name__}", source=filename, field=key)
        config = new_config or Config(DefaultGenome, DefaultReproduction, DefaultSpeciesSet, DefaultStagnation,
                                      data["config_file"], text=data["config_text"])
        algo = NEAT.from_state_dict(config.topoevo, data["algorithm"], source=str(filename))
        return Population(config, initial_state=(algo, data["generation"]))
