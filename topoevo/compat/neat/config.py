"""``neat.Config``: a neat-python INI file read by topoevo's converter, with the attributes scripts use."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from topoevo.config import Config as TopoevoConfig
from topoevo.errors import ConfigError
from topoevo.interop.neat_python_config import convert_neat_python_config


class DefaultGenome:
    """neat-python's default genome class: named in ``Config(...)``; topoevo's genomes stand in for it."""


class DefaultReproduction:
    """neat-python's default reproduction class (topoevo's NEAT reproduction stands in for it)."""


class DefaultSpeciesSet:
    """neat-python's default species set class (topoevo's speciation stands in for it)."""


class DefaultStagnation:
    """neat-python's default stagnation class (topoevo's stagnation stands in for it)."""


_DEFAULTS = (DefaultGenome, DefaultReproduction, DefaultSpeciesSet, DefaultStagnation)


class GenomeConfig:
    """``config.genome_config``: the network shape in neat-python's terms (inputs -1..-n, outputs 0..m-1).

    >>> gc = GenomeConfig(num_inputs=2, num_outputs=1, feed_forward=True)
    >>> gc.input_keys, gc.output_keys
    ([-1, -2], [0])
    """

    def __init__(self, num_inputs: int, num_outputs: int, feed_forward: bool):
        self.num_inputs, self.num_outputs, self.feed_forward = num_inputs, num_outputs, feed_forward
        self.input_keys = [-i - 1 for i in range(num_inputs)]
        self.output_keys = list(range(num_outputs))


class Config:
    """A neat-python config, read as topoevo reads it (``topoevo convert`` does the same).

    ``config.topoevo`` is the topoevo :class:`~topoevo.config.Config` the run uses; ``pop_size``,
    ``fitness_threshold``, ``fitness_criterion``, ``no_fitness_termination`` and ``genome_config`` are what
    neat-python scripts read. Only the four default classes are accepted.

    >>> import pathlib
    >>> path = pathlib.Path(__file__).parents[3] / "tests/data/neat_python_examples/xor__config-feedforward"
    >>> config = Config(DefaultGenome, DefaultReproduction, DefaultSpeciesSet, DefaultStagnation, str(path))
    >>> config.pop_size, config.fitness_threshold, config.genome_config.output_keys
    (150, 3.9, [0])
    """

    def __init__(self, genome_type: type, reproduction_type: type, species_set_type: type, stagnation_type: type,
                 filename: str, config_information: Any = None, *, text: str | None = None):
        for given, default in zip((genome_type, reproduction_type, species_set_type, stagnation_type), _DEFAULTS):
            if given is not default:
                raise ConfigError(f"topoevo.compat.neat supports only neat.{default.__name__}, got {given!r}",
                                  source=filename, field="Config()")
        self.genome_type, self.reproduction_type = genome_type, reproduction_type
        self.species_set_type, self.stagnation_type = species_set_type, stagnation_type
        self.filename, self.config_information = str(filename), config_information
        self.text = Path(filename).read_text(encoding="utf-8") if text is None else text
        self.conversion = _convert(self.text, self.filename)
        self.topoevo: TopoevoConfig = self.conversion.config({"run": {"progress": False}})
        v = self.conversion.values
        neat, genome = v["NEAT"], v["DefaultGenome"]
        self.pop_size: int = neat["pop_size"]
        self.fitness_criterion: str = neat["fitness_criterion"]
        self.fitness_threshold: float = neat["fitness_threshold"]
        self.no_fitness_termination: bool = neat["no_fitness_termination"]
        self.reset_on_extinction: bool = neat["reset_on_extinction"]
        self.seed: int | None = neat["seed"]
        self.genome_config = GenomeConfig(genome["num_inputs"], genome["num_outputs"], genome["feed_forward"])


def _convert(text: str, source: str):
    """The conversion of an INI text (written to a temporary file: the converter reads files). The task is a
    placeholder: the script's ``eval_genomes`` computes the fitness."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config"
        path.write_text(text, encoding="utf-8")
        try:
            conv = convert_neat_python_config(path, task="xor")
        except ConfigError as exc:
            raise ConfigError(exc.message, source=source, field=exc.field) from None
    conv.source = source
    return conv
