"""Task files (TOML) -> one typed :class:`Config`. Every value is checked; every error is one line.

>>> cfg = Config.from_dict({"task": {"name": "xor"}})
>>> cfg.neat.pop_size, cfg.species.compatibility_threshold
(150, 3.0)
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from topoevo.config.schema import build_section, did_you_mean, section_to_table, show
from topoevo.config.sections import (MOVED_TO_RUN, FitnessCriterion, GenomeConfig, InitialConnectivity, MutationConfig,
                                     NEATConfig, Network, ReproductionConfig, RunConfig, SpeciesConfig,
                                     StagnationConfig)
from topoevo.config.hybrid import HybridConfig
from topoevo.config.moneat import NEATNSGA2Config
from topoevo.config.novelty import BehaviourConfig, MapElitesConfig, NoveltyConfig
from topoevo.config.selfplay import SelfPlayConfig
from topoevo.config.weights import DistributionConfig, ESConfig, GAConfig, ModelConfig
from topoevo.nas.config import NASConfig
from topoevo.rl.config import ERLConfig
from topoevo.errors import ConfigError
from topoevo.files import tomllib

log = logging.getLogger("topoevo.config")

__all__ = ["Config", "TaskSection", "load_config", "GenomeConfig", "MutationConfig", "SpeciesConfig",
           "StagnationConfig", "ReproductionConfig", "NEATConfig", "RunConfig", "Network", "InitialConnectivity",
           "FitnessCriterion", "ConfigError", "ModelConfig", "GAConfig", "ESConfig", "NASConfig", "HybridConfig",
           "DistributionConfig", "ERLConfig"]


@dataclass
class TaskSection:
    """``[task]``: the task's registered name and its own typed parameters."""

    name: str
    params: Any = None  # the task's parameter dataclass


SECTIONS: dict[str, type] = {
    "run": RunConfig,
    "neat": NEATConfig,
    "genome": GenomeConfig,
    "mutation": MutationConfig,
    "species": SpeciesConfig,
    "stagnation": StagnationConfig,
    "reproduction": ReproductionConfig,
    "model": ModelConfig,
    "ga": GAConfig,
    "es": ESConfig,
    "distribution": DistributionConfig,
    "nas": NASConfig,
    "hybrid": HybridConfig,
    "selfplay": SelfPlayConfig,
    "erl": ERLConfig,
    "neat_nsga2": NEATNSGA2Config,
    "behaviour": BehaviourConfig,
    "novelty": NoveltyConfig,
    "map_elites": MapElitesConfig,
}


@dataclass
class Config:
    """A whole task file. Build it with :func:`load_config` or :meth:`Config.from_dict`."""

    task: TaskSection
    run: RunConfig = field(default_factory=RunConfig)
    neat: NEATConfig = field(default_factory=NEATConfig)
    genome: GenomeConfig = field(default_factory=GenomeConfig)
    mutation: MutationConfig = field(default_factory=MutationConfig)
    species: SpeciesConfig = field(default_factory=SpeciesConfig)
    stagnation: StagnationConfig = field(default_factory=StagnationConfig)
    reproduction: ReproductionConfig = field(default_factory=ReproductionConfig)
    model: ModelConfig = field(default_factory=ModelConfig)  # weight evolution (ga, steady_state_ga, es)
    ga: GAConfig = field(default_factory=GAConfig)
    es: ESConfig = field(default_factory=ESConfig)
    distribution: DistributionConfig = field(default_factory=DistributionConfig)  # cmaes, sep_cmaes, pgpe, snes
    nas: NASConfig = field(default_factory=NASConfig)  # architecture search (regularized_evolution, random_search, nsga2)
    hybrid: HybridConfig = field(default_factory=HybridConfig)  # NEAT genomes + backprop (neat_rea, neat_switch)
    selfplay: SelfPlayConfig = field(default_factory=SelfPlayConfig)  # self-play (topoevo.search.selfplay)
    erl: ERLConfig = field(default_factory=ERLConfig)  # ERL / TD3 (topoevo/rl)
    neat_nsga2: NEATNSGA2Config = field(default_factory=NEATNSGA2Config)  # NSGA-II over NEAT genomes
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)  # descriptor bounds (novelty, map_elites)
    novelty: NoveltyConfig = field(default_factory=NoveltyConfig)  # novelty search, NSLC (topoevo/novelty)
    map_elites: MapElitesConfig = field(default_factory=MapElitesConfig)  # MAP-Elites (topoevo/novelty)
    source: str | None = field(default=None, compare=False)  # where it was read from; not part of its value

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str | Path | None = None) -> "Config":
        src = str(source) if source is not None else None
        if not isinstance(data, dict):
            raise ConfigError("expected a table of sections", source=src, field="<top>")
        allowed = ["task", *SECTIONS]
        for key in data:
            if key not in allowed:
                raise ConfigError(f"unknown section{did_you_mean(key, allowed)}; valid sections: "
                                  f"{', '.join(allowed)}", source=src, field=key)
        if "task" not in data:
            raise ConfigError("missing section [task] (with at least name = \"...\")", source=src, field="task")
        data = _moved_keys(data, src)
        kwargs = {name: build_section(sec, data.get(name, {}), name, src) for name, sec in SECTIONS.items()}
        cfg = cls(task=_build_task(data["task"], src), source=src, **kwargs)
        return cfg

    def to_dict(self) -> dict[str, Any]:
        """Plain values that :meth:`from_dict` turns back into an equal config."""
        out: dict[str, Any] = {"task": {"name": self.task.name, **section_to_table(self.task.params)}}
        for name in SECTIONS:
            out[name] = section_to_table(getattr(self, name))
        return out

    def replace(self, **sections: Any) -> "Config":
        return dataclasses.replace(self, **sections)


def _moved_keys(data: dict[str, Any], source: str | None) -> dict[str, Any]:
    """Old ``[neat]`` keys that now live in ``[run]`` (``fitness_criterion``, ``fitness_threshold``): moved there,
    with one deprecation line each; set in both places to different values is an error."""
    neat = data.get("neat")
    if not isinstance(neat, dict) or not any(k in neat for k in MOVED_TO_RUN):
        return data
    run = data.get("run", {})
    if not isinstance(run, dict):
        return data  # the loader names the bad [run] table
    neat, run = dict(neat), dict(run)
    for key in MOVED_TO_RUN:
        if key not in neat:
            continue
        value = neat.pop(key)
        if key in run and run[key] != value:
            raise ConfigError(f"set in [neat] (deprecated) and [run] to different values; keep run.{key} only",
                              source=source, field=f"neat.{key}")
        run[key] = value
        log.warning("%sneat.%s is deprecated: write it as run.%s", f"{source}: " if source else "", key, key)
    return {**data, "neat": neat, "run": run}


def _build_task(table: Any, source: str | None) -> TaskSection:
    from topoevo.tasks.registry import task_names, task_params_class

    if not isinstance(table, dict):
        raise ConfigError(f"expected a table [task], got {show(table)}", source=source, field="task")
    name = table.get("name")
    names = task_names()
    if not isinstance(name, str):
        raise ConfigError(f"expected a task name (one of {', '.join(names)}), got {show(name)}", source=source,
                          field="task.name")
    if name not in names:
        raise ConfigError(f"unknown task {name!r}{did_you_mean(name, names)}; known tasks: {', '.join(names)}",
                          source=source, field="task.name")
    rest = {k: v for k, v in table.items() if k != "name"}
    return TaskSection(name, build_section(task_params_class(name), rest, "task", source))


def load_config(path: str | Path, overrides: dict[str, dict[str, Any]] | None = None) -> Config:
    """Read and validate a TOML task file. ``overrides`` (section -> key -> value) are applied before checking."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", source=path, field="<file>") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file ({exc.__class__.__name__})", source=path, field="<file>") from None
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert (ValueError from int())
        raise ConfigError(f"invalid TOML: {exc}", source=path, field="<syntax>") from None
    except RecursionError:  # arrays or inline tables nested thousands deep
        raise ConfigError("invalid TOML: nested too deeply", source=path, field="<syntax>") from None
    for section, values in (overrides or {}).items():
        if isinstance(data.get(section, {}), dict):
            data.setdefault(section, {}).update(values)
    return Config.from_dict(data, source=path)
