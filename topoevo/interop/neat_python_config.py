"""neat-python INI config files -> topoevo configs: every key of the five sections read, checked and mapped.

neat-python (>= 2.0) configs have the sections ``[NEAT]``, ``[DefaultGenome]``, ``[DefaultSpeciesSet]``,
``[DefaultStagnation]`` and ``[DefaultReproduction]``. Each key is mapped to the topoevo field computing the same
thing, or to the closest one (then the conversion carries a note saying what differs), or rejected with a
:class:`ConfigError` naming the file and ``Section.key`` when topoevo cannot honour it. Unknown keys are errors
(neat-python rejects them too, but only in some sections). The semantic differences that matter:

- neat-python's ``sigmoid`` is ``1/(1+e^-5z)`` clamped: topoevo's ``neat_python_sigmoid`` (``tanh`` likewise).
- neat-python has a bias per node and no bias node: ``bias_node = false``, biases initialised and mutated.
- neat-python's distance divides by the larger gene count, always: ``normalize_min_genes = 0``; it adds node genes
  (bias, response, functions) to the connection genes, sums the differences, and its speciation gives each species
  the genome closest to its representative and every other genome the closest representative:
  ``species.method = "neat_python"``.
- neat-python mutates each gene on its own (``*_mutate_rate`` perturb, ``*_replace_rate`` a new value):
  ``mutation.gene_mutation = "per_gene"``; its structural draws, surer rule, init distributions, random default
  functions and enabled-flag mutation have topoevo settings of the same meaning (docs/neat-python.md).
- neat-python's connection deletion keeps the hidden nodes it leaves dangling; topoevo genomes cannot hold them, so
  such a connection is disabled instead (``delete_connection_keeps_nodes``): the network computes the same.
- neat-python mutates every child and mates only within a species: ``mate_only_prob = 0``,
  ``interspecies_mate_rate = 0``, ``mutate_only_prob = 0`` (a child of one parent is one drawn twice).
- The task (and so the fitness) is not in a neat-python config: name it (``task``); for ``xor`` the fitness is
  neat-python's example's ``4 - sum error^2`` so that ``fitness_threshold`` keeps its meaning.

>>> conv = convert_neat_python_config("xor-config-feedforward", task="xor")   # doctest: +SKIP
>>> conv.data["mutation"]["add_node_rate"], conv.notes[:1]                    # doctest: +SKIP
(0.2, ['DefaultReproduction.elitism: ...'])
"""
from __future__ import annotations

import configparser
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from topoevo.config import Config
from topoevo.config.schema import did_you_mean
from topoevo.errors import ConfigError
from topoevo.interop.neat_python import ACTIVATION_TWINS, AGGREGATION_TWINS

log = logging.getLogger("topoevo.interop")

__all__ = ["NEAT_PYTHON_SECTIONS", "KEYS", "TASK_PRESETS", "Conversion", "is_neat_python_config",
           "convert_neat_python_config", "load_neat_python_config", "task_table", "config_to_toml",
           "conversion_to_toml"]

NEAT_PYTHON_SECTIONS = ("NEAT", "DefaultGenome", "DefaultSpeciesSet", "DefaultStagnation", "DefaultReproduction")

REQUIRED = object()  # marks a key without a neat-python default


@dataclass(frozen=True)
class KeySpec:
    """One neat-python key: its type and neat-python's default (``REQUIRED`` when neat-python has none)."""

    kind: type
    default: Any = REQUIRED


def _float_attribute(name: str) -> dict[str, KeySpec]:
    return {f"{name}_init_mean": KeySpec(float), f"{name}_init_stdev": KeySpec(float),
            f"{name}_init_type": KeySpec(str, "gaussian"), f"{name}_replace_rate": KeySpec(float),
            f"{name}_mutate_rate": KeySpec(float), f"{name}_mutate_power": KeySpec(float),
            f"{name}_max_value": KeySpec(float), f"{name}_min_value": KeySpec(float)}


def _string_attribute(name: str) -> dict[str, KeySpec]:
    return {f"{name}_default": KeySpec(str, "random"), f"{name}_options": KeySpec(list, None),
            f"{name}_mutate_rate": KeySpec(float)}


#: every key neat-python 2.0 accepts in each section (with DefaultGenome / DefaultNodeGene / DefaultConnectionGene)
KEYS: dict[str, dict[str, KeySpec]] = {
    "NEAT": {"pop_size": KeySpec(int), "fitness_criterion": KeySpec(str), "fitness_threshold": KeySpec(float),
             "reset_on_extinction": KeySpec(bool), "no_fitness_termination": KeySpec(bool),
             "seed": KeySpec(int, None)},
    "DefaultGenome": {
        "num_inputs": KeySpec(int), "num_outputs": KeySpec(int), "num_hidden": KeySpec(int),
        "feed_forward": KeySpec(bool), "compatibility_disjoint_coefficient": KeySpec(float),
        "compatibility_weight_coefficient": KeySpec(float), "conn_add_prob": KeySpec(float),
        "conn_delete_prob": KeySpec(float), "node_add_prob": KeySpec(float), "node_delete_prob": KeySpec(float),
        "single_structural_mutation": KeySpec(bool, False), "structural_mutation_surer": KeySpec(str, "default"),
        "initial_connection": KeySpec(str, "unconnected"),
        **_float_attribute("bias"), **_float_attribute("response"), **_float_attribute("weight"),
        **_string_attribute("activation"), **_string_attribute("aggregation"),
        # CTRNN node time constants: part of DefaultNodeGene, unused by feed-forward and recurrent networks
        "time_constant_init_mean": KeySpec(float, 1.0), "time_constant_init_stdev": KeySpec(float, 0.0),
        "time_constant_init_type": KeySpec(str, "gaussian"), "time_constant_replace_rate": KeySpec(float, 0.0),
        "time_constant_mutate_rate": KeySpec(float, 0.0), "time_constant_mutate_power": KeySpec(float, 0.0),
        "time_constant_max_value": KeySpec(float, 10.0), "time_constant_min_value": KeySpec(float, 0.01),
        "enabled_default": KeySpec(str), "enabled_mutate_rate": KeySpec(float),
        "enabled_rate_to_true_add": KeySpec(float, 0.0), "enabled_rate_to_false_add": KeySpec(float, 0.0),
    },
    "DefaultSpeciesSet": {"compatibility_threshold": KeySpec(float)},
    "DefaultStagnation": {"species_fitness_func": KeySpec(str, "mean"), "max_stagnation": KeySpec(int, 15),
                          "species_elitism": KeySpec(int, 0)},
    "DefaultReproduction": {"elitism": KeySpec(int, 0), "survival_threshold": KeySpec(float, 0.2),
                            "min_species_size": KeySpec(int, 1)},
}

#: neat-python's ``neat.iznn.IZGenome`` section: DefaultGenome's keys without the node functions, responses and time
#: constants (an Izhikevich neuron sums its inputs as they are), with the neurons' ``a``, ``b``, ``c``, ``d``
IZ_GENOME_KEYS: dict[str, KeySpec] = {
    **{k: v for k, v in KEYS["DefaultGenome"].items()
       if not k.startswith(("activation_", "aggregation_", "response_", "time_constant_"))},
    **_float_attribute("a"), **_float_attribute("b"), **_float_attribute("c"), **_float_attribute("d")}
#: the sections that may stand for neat-python's default genome section (the class named in the script)
GENOME_SECTIONS = {"DefaultGenome": KEYS["DefaultGenome"], "IZGenome": IZ_GENOME_KEYS}
#: the Izhikevich neuron as the IZGenome conversion fixes it: what neat-python's IZNN computes from a node's inputs
_IZ_NODE = {"activation_default": "identity", "activation_options": ["identity"], "activation_mutate_rate": 0.0,
            "aggregation_default": "sum", "aggregation_options": ["sum"], "aggregation_mutate_rate": 0.0,
            "response_init_mean": 1.0, "response_init_stdev": 0.0, "response_init_type": "gaussian",
            "response_replace_rate": 0.0, "response_mutate_rate": 0.0, "response_mutate_power": 0.0,
            "response_max_value": 1.0, "response_min_value": 1.0}

#: ``[task]`` keys set for a task so that neat-python's fitness scale (and so ``fitness_threshold``) holds
TASK_PRESETS: dict[str, dict[str, Any]] = {"xor": {"fitness": "neat_python"}}

#: ``[run]`` keys set for every converted config (neat-python's examples run up to 300 generations)
RUN_DEFAULTS: dict[str, Any] = {"generations": 300}

_INITIAL = {"unconnected": "none", "full_direct": "full_direct", "full_nodirect": "full", "full": "full",
            "partial_direct": "partial_direct", "partial_nodirect": "partial", "partial": "partial",
            "fs_neat_nohidden": "fs_neat", "fs_neat": "fs_neat", "fs_neat_hidden": "fs_neat_hidden"}
#: neat-python's fitness_criterion (a statistic of the generation's fitness) -> ``run.threshold_on``
_CRITERION = {"max": "best", "min": "worst", "mean": "mean", "median": "median"}
#: neat-python's species_fitness_func -> ``stagnation.species_fitness_func``
_SPECIES_FITNESS = {"max": "max", "min": "min", "mean": "mean", "median": "median", "median2": "median2"}
_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off"}


@dataclass
class Conversion:
    """A neat-python config as topoevo config tables.

    ``data`` is what :meth:`Config.from_dict` reads (section -> key -> value); ``origin`` names, for each topoevo
    ``section.key``, the neat-python key(s) it came from; ``notes`` say where topoevo only approximates
    neat-python.

    >>> conv = Conversion({"task": {"name": "xor"}}, source="x.ini")
    >>> conv.config().task.name
    'xor'
    """

    data: dict[str, dict[str, Any]]
    source: str
    origin: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # the neat-python keys as read (typed)

    def config(self, overrides: dict[str, dict[str, Any]] | None = None) -> Config:
        """The validated topoevo config (``overrides``: section -> key -> value, applied first)."""
        data = {k: dict(v) for k, v in self.data.items()}
        for section, values in (overrides or {}).items():
            data.setdefault(section, {}).update(values)
        try:
            return Config.from_dict(data, source=self.source)
        except ConfigError as exc:  # name the neat-python key the bad value came from
            came_from = self.origin.get(exc.field or "")
            if came_from is None:
                raise
            raise ConfigError(exc.message, source=self.source, field=f"{came_from} (topoevo {exc.field})") from None


# ---- reading --------------------------------------------------------------------------------------------------------
_SECTION_RE = re.compile(r"^\s*\[([^\]]+)\]", re.MULTILINE)


def is_neat_python_config(path: str | Path) -> bool:
    """True if the file has a neat-python section header (``[NEAT]``, ``[DefaultGenome]``, ...).

    topoevo's own TOML task files use lower-case tables (``[neat]``, ``[genome]``), so this never mistakes one.
    """
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(m.group(1).strip() in NEAT_PYTHON_SECTIONS for m in _SECTION_RE.finditer(text))


def _read_ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser()  # as neat-python: '#'/';' comment lines, keys lower-cased
    try:
        with path.open(encoding="utf-8") as f:
            parser.read_file(f)
    except FileNotFoundError:
        raise ConfigError("file not found", source=path, field="<file>") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file ({exc.__class__.__name__})", source=path, field="<file>") from None
    except configparser.DuplicateOptionError as exc:
        raise ConfigError(f"key given twice (line {exc.lineno})", source=path,
                          field=f"{exc.section}.{exc.option}") from None
    except configparser.DuplicateSectionError as exc:
        raise ConfigError(f"section given twice (line {exc.lineno})", source=path, field=exc.section) from None
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"invalid INI file: {first}", source=path, field="<syntax>") from None
    return parser


def _typed(value: str, spec: KeySpec, where: str, source: str) -> Any:
    text = value.strip()
    try:
        if spec.kind is bool:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ValueError
        if spec.kind is int:
            return int(text)
        if spec.kind is float:
            v = float(text)
            if not math.isfinite(v):
                raise ValueError
            return v
        if spec.kind is list:
            return text.split()
        return text
    except ValueError:
        expected = {bool: "True or False", int: "an integer", float: "a finite number"}[spec.kind]
        raise ConfigError(f"expected {expected}, got {text!r}", source=source, field=where) from None


def _stands_for(parser: configparser.ConfigParser, src: str) -> dict[str, str]:
    """Which section of the file stands for each of neat-python's five (name in the file -> default name).

    The genome section may be ``IZGenome`` (neat-python's Izhikevich genome); a script's own stagnation class
    (a ``[...Stagnation]`` section, e.g. the picture2d example's ``InteractiveStagnation``) is read as
    ``DefaultStagnation`` when every option it has is one of DefaultStagnation's. Any other section is an error.
    """
    roles: dict[str, str] = {}
    for section in parser.sections():
        if section in KEYS and section != "DefaultGenome":
            role = section
        elif section in GENOME_SECTIONS:
            role = "DefaultGenome"
        elif section.endswith("Stagnation") and "DefaultStagnation" not in parser.sections():
            extra = [k for k in parser.options(section) if k not in KEYS["DefaultStagnation"]]
            if extra:
                raise ConfigError(f"option of the custom stagnation class {section} that DefaultStagnation does not "
                                  f"have: topoevo runs DefaultStagnation only ({', '.join(KEYS['DefaultStagnation'])})",
                                  source=src, field=f"{section}.{extra[0]}")
            role = "DefaultStagnation"
        else:
            raise ConfigError(f"unknown section{did_you_mean(section, [*KEYS, *GENOME_SECTIONS])}; a neat-python "
                              f"config has {', '.join(NEAT_PYTHON_SECTIONS)} (or IZGenome; custom genome, "
                              f"reproduction and species classes are not supported)", source=src, field=section)
        if role in roles.values():
            other = next(k for k, v in roles.items() if v == role)
            raise ConfigError(f"both {other} and {section} stand for neat-python's {role}", source=src,
                              field=section)
        roles[section] = role
    return roles


def _read_values(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Section -> key -> typed value, with neat-python's defaults filled in (keyed by neat-python's default section
    names), and default name -> the section's name in the file; unknown or missing keys raise."""
    parser = _read_ini(path)
    src = str(path)
    roles = _stands_for(parser, src)
    names = {role: section for section, role in roles.items()}
    values: dict[str, dict[str, Any]] = {}
    for role in KEYS:
        section = names.get(role, role)
        specs = GENOME_SECTIONS[section] if role == "DefaultGenome" else KEYS[role]
        if not parser.has_section(section):
            raise ConfigError("missing section (neat-python requires it)", source=src, field=section)
        table = dict(parser.items(section, raw=True))
        for key in table:
            if key not in specs:
                raise ConfigError(f"unknown key{did_you_mean(key, specs)}", source=src, field=f"{section}.{key}")
        out: dict[str, Any] = {}
        for key, spec in specs.items():
            where = f"{section}.{key}"
            if key in table:
                out[key] = _typed(table[key], spec, where, src)
            elif spec.default is REQUIRED:
                raise ConfigError("missing key (neat-python requires it)", source=src, field=where)
            else:
                out[key] = spec.default
        if section == "IZGenome":
            out.update(_IZ_NODE)
        values[role] = out
    return values, {role: names.get(role, role) for role in KEYS}


# ---- mapping --------------------------------------------------------------------------------------------------------
class _Mapper:
    """Builds the topoevo tables from typed neat-python values, recording origins and notes."""

    def __init__(self, values: dict[str, dict[str, Any]], source: str, names: dict[str, str] | None = None):
        self.v, self.source = values, source
        self.names = names or {role: role for role in KEYS}  # neat-python's default section -> name in the file
        self.g, self.st = self.names["DefaultGenome"], self.names["DefaultStagnation"]
        self._role = {name: role for role, name in self.names.items()}
        self.data: dict[str, dict[str, Any]] = {}
        self.origin: dict[str, str] = {}
        self.notes: list[str] = []

    def get(self, section: str, key: str) -> Any:
        return self.v[self._role.get(section, section)][key]

    def put(self, target: str, value: Any, *origins: str) -> None:
        section, key = target.split(".")
        self.data.setdefault(section, {})[key] = value
        if origins:
            self.origin[target] = ", ".join(origins)

    def note(self, where: str, text: str) -> None:
        self.notes.append(f"{where}: {text}")

    def fail(self, where: str, text: str) -> ConfigError:
        return ConfigError(text, source=self.source, field=where)

    # -- helpers
    def function(self, kind: str, where: str, name: str) -> str:
        twins = ACTIVATION_TWINS if kind == "activation" else AGGREGATION_TWINS
        if name in twins:
            return twins[name]
        raise self.fail(where, f"{name!r} is not one of neat-python's built-in {kind}s "
                               f"({', '.join(sorted(twins))}): a function the script registers with "
                               f"genome_config.add_{kind}() cannot be read from a config (docs/neat-python.md, "
                               f"'Custom functions')")

    def float_attribute(self, name: str, lo: str, hi: str, rate: str, perturb: str, power: str) -> None:
        g = self.g
        mean, stdev = self.get(g, f"{name}_init_mean"), self.get(g, f"{name}_init_stdev")
        init_type = self.get(g, f"{name}_init_type").lower()
        if "gauss" in init_type or "normal" in init_type:
            kind = "gaussian"
        elif "uniform" in init_type:
            kind = "uniform"
        else:
            raise self.fail(f"{g}.{name}_init_type", f"unsupported init type {init_type!r}: neat-python knows "
                                                      f"gaussian (normal) and uniform")
        if stdev < 0:
            raise self.fail(f"{g}.{name}_init_stdev", f"expected a value >= 0, got {stdev}")
        if name == "response":
            self.put("genome.response_init", mean, f"{g}.response_init_mean")
        else:
            self.put(f"genome.{name}_init_mean", mean, f"{g}.{name}_init_mean")
        self.put(f"genome.{name}_init_stdev", stdev, f"{g}.{name}_init_stdev")
        self.put(f"genome.{name}_init_type", kind, f"{g}.{name}_init_type")
        self.put(f"genome.{lo}", self.get(g, f"{name}_min_value"), f"{g}.{name}_min_value")
        self.put(f"genome.{hi}", self.get(g, f"{name}_max_value"), f"{g}.{name}_max_value")
        m, r = self.get(g, f"{name}_mutate_rate"), self.get(g, f"{name}_replace_rate")
        where = f"{g}.{name}_mutate_rate, {g}.{name}_replace_rate"
        if m < 0 or r < 0:
            raise self.fail(f"{g}.{name}_mutate_rate" if m < 0 else f"{g}.{name}_replace_rate",
                            "expected a value >= 0")
        m_eff = min(m, 1.0)
        r_eff = min(r, 1.0 - m_eff)
        total = round(m_eff + r_eff, 12)  # 0.8 + 0.1 -> 0.9, not 0.9000000000000001
        self.put(f"mutation.{rate}", total, where)
        if total > 0:
            self.put(f"mutation.{perturb}", round(m_eff / total, 12), where)
        self.put(f"mutation.{power}", self.get(g, f"{name}_mutate_power"), f"{g}.{name}_mutate_power")

    # -- sections
    def neat(self) -> None:
        s = "NEAT"
        if self.get(s, "pop_size") < 2:  # e.g. picture2d's interactive configs: the script sets config.pop_size
            raise self.fail(f"{s}.pop_size", f"expected a value >= 2, got {self.get(s, 'pop_size')} (a script that "
                                             f"sets config.pop_size itself: write its value here)")
        self.put("neat.pop_size", self.get(s, "pop_size"), f"{s}.pop_size")
        self.put("neat.reset_on_extinction", self.get(s, "reset_on_extinction"), f"{s}.reset_on_extinction")
        criterion = self.get(s, "fitness_criterion")
        if self.get(s, "no_fitness_termination"):
            self.note(f"{s}.no_fitness_termination", "true: no fitness threshold (fitness_criterion and "
                                                     "fitness_threshold unused)")
        else:
            if criterion not in _CRITERION:
                raise self.fail(f"{s}.fitness_criterion", f"expected one of {', '.join(_CRITERION)}, got "
                                                          f"{criterion!r}")
            self.put("run.fitness_threshold", self.get(s, "fitness_threshold"), f"{s}.fitness_threshold")
            self.put("run.threshold_on", _CRITERION[criterion], f"{s}.fitness_criterion")
        self.put("run.fitness_criterion", "max", f"{s}.fitness_criterion")
        if self.get(s, "seed") is not None:
            self.put("run.seed", self.get(s, "seed"), f"{s}.seed")

    def genome(self) -> None:
        """``[DefaultGenome]`` -> ``[genome]``, ``[mutation]`` and the distance coefficients of ``[species]``."""
        for phase in (self.genome_shape, self.initial_connection, self.node_functions, self.gene_attributes,
                      self.structural_mutations, self.enable_mutation, self.distance):
            phase()

    def genome_shape(self) -> None:
        """Inputs, outputs, no hidden nodes, no bias node, network type."""
        g = self.g
        self.put("genome.num_inputs", self.get(g, "num_inputs"), f"{g}.num_inputs")
        self.put("genome.num_outputs", self.get(g, "num_outputs"), f"{g}.num_outputs")
        if self.get(g, "num_hidden") < 0:
            raise self.fail(f"{g}.num_hidden", f"expected a value >= 0, got {self.get(g, 'num_hidden')}")
        self.put("genome.num_hidden", self.get(g, "num_hidden"), f"{g}.num_hidden")
        self.put("genome.bias_node", False)
        self.put("genome.network", "feedforward" if self.get(g, "feed_forward") else "recurrent",
                 f"{g}.feed_forward")

    def initial_connection(self) -> None:
        """How the initial genomes are connected."""
        g = self.g
        ic = self.get(g, "initial_connection").split()
        name = ic[0] if ic else ""
        if name not in _INITIAL or (len(ic) != 1) != name.startswith("partial"):
            raise self.fail(f"{g}.initial_connection",
                            f"expected one of {', '.join(_INITIAL)} ('partial*' with a probability), "
                            f"got {' '.join(ic)!r}")
        self.put("genome.initial_connectivity", _INITIAL[name], f"{g}.initial_connection")
        if name.startswith("partial"):
            try:
                p = float(ic[1])
            except ValueError:
                raise self.fail(f"{g}.initial_connection", f"expected a probability after {name}, "
                                                           f"got {ic[1]!r}") from None
            self.put("genome.connection_probability", p, f"{g}.initial_connection")
            self.put("genome.partial_exact", True, f"{g}.initial_connection")
        self.put("genome.initial_self_loops", not self.get(g, "feed_forward"), f"{g}.feed_forward")
        if self.get(g, "num_hidden") and name in ("unconnected", "fs_neat", "fs_neat_nohidden", "fs_neat_hidden"):
            self.note(f"{g}.num_hidden", "hidden nodes left without an incoming or outgoing link are not kept "
                                         "(neat-python keeps them; the networks compute the same)")

    def node_functions(self) -> None:
        """Activations and aggregations: defaults, options, mutation rates."""
        g = self.g
        for kind in ("activation", "aggregation"):
            default = self.get(g, f"{kind}_default")
            options = self.get(g, f"{kind}_options") or [default]
            if default.lower() in ("random", "none"):
                if not self.get(g, f"{kind}_options"):
                    raise self.fail(f"{g}.{kind}_options", f"{kind}_default = {default} needs {kind}_options")
                self.put(f"genome.{kind}", "random", f"{g}.{kind}_default")
            elif default not in options:
                raise self.fail(f"{g}.{kind}_default", f"{default!r} is not among {kind}_options")
            else:
                self.put(f"genome.{kind}", self.function(kind, f"{g}.{kind}_default", default),
                         f"{g}.{kind}_default")
            self.put(f"genome.{kind}_options",
                     [self.function(kind, f"{g}.{kind}_options", o) for o in options], f"{g}.{kind}_options")
            self.put(f"mutation.{kind}_mutate_rate", self.get(g, f"{kind}_mutate_rate"), f"{g}.{kind}_mutate_rate")

    def gene_attributes(self) -> None:
        """Weights, biases and responses: ranges and mutation."""
        g = self.g
        for name in ("weight", "bias", "response"):
            self.float_attribute(name, f"{name}_min", f"{name}_max", f"{name}_mutate_rate", f"{name}_perturb_prob",
                                 f"{name}_mutate_power")
        self.put("mutation.gene_mutation", "per_gene", f"{g}.*_mutate_rate, {g}.*_replace_rate")

        tc = {k: v for k, v in self.v["DefaultGenome"].items() if k.startswith("time_constant_")}
        if any(v != KEYS["DefaultGenome"][k].default for k, v in tc.items()):
            # the script, not the config, picks neat-python's CTRNN: the settings are carried over for a run that
            # sets genome.network = "ctrnn", and have no effect otherwise
            for key, value in tc.items():
                if key.endswith("_init_type"):
                    value = "uniform" if "uniform" in str(value).lower() else "gaussian"
                self.put(f"genome.{key}", value, f"{g}.{key}")
            self.note(f"{g}.time_constant_*", "used only by CTRNN networks, which neat-python's script chooses: set "
                                              "genome.network = \"ctrnn\" (and genome.dt) for them to take effect")

    def structural_mutations(self) -> None:
        """Add and delete node and connection probabilities."""
        g = self.g
        self.put("mutation.add_node_rate", self.get(g, "node_add_prob"), f"{g}.node_add_prob")
        self.put("mutation.add_connection_rate", self.get(g, "conn_add_prob"), f"{g}.conn_add_prob")
        self.put("mutation.delete_node_rate", self.get(g, "node_delete_prob"), f"{g}.node_delete_prob")
        if self.get(g, "node_delete_prob") > 0:
            self.note(f"{g}.node_delete_prob", "topoevo also removes the hidden nodes the deletion leaves dangling")
        # neat-python deletes a connection gene and keeps the hidden nodes it leaves dangling, which topoevo genomes
        # cannot hold: such a connection is disabled instead (the network computes the same)
        self.put("mutation.delete_connection_rate", self.get(g, "conn_delete_prob"), f"{g}.conn_delete_prob")
        self.put("mutation.delete_connection_keeps_nodes", True, f"{g}.conn_delete_prob")
        self.put("mutation.structural_draw", "single" if self.get(g, "single_structural_mutation") else
                 "independent", f"{g}.single_structural_mutation")
        self.note(f"{g}.conn_add_prob", "topoevo tries up to add_connection_tries random pairs (its pairs may also "
                                        "start at an output node); neat-python tries one pair")
        self.put("mutation.structural_exclusive", False, f"{g}.single_structural_mutation")
        surer = self.get(g, "structural_mutation_surer").lower()
        if surer not in _TRUE | _FALSE | {"default"}:
            raise self.fail(f"{g}.structural_mutation_surer", f"expected true, false or default, got {surer!r}")
        sure = surer in _TRUE or (surer == "default" and self.get(g, "single_structural_mutation"))
        self.put("mutation.add_connection_reenable", sure, f"{g}.structural_mutation_surer")
        self.put("mutation.add_node_fallback", sure, f"{g}.structural_mutation_surer")

    def enable_mutation(self) -> None:
        """The enabled flag of new connections and its mutation."""
        g = self.g
        enabled = self.get(g, "enabled_default").lower()
        if enabled in _TRUE:
            value = "true"
        elif enabled in _FALSE:
            value = "false"
        elif enabled in ("random", "none"):
            value = "random"
        else:
            raise self.fail(f"{g}.enabled_default", f"expected true, false or random, got {enabled!r}")
        self.put("genome.enabled_default", value, f"{g}.enabled_default")
        for key in ("enabled_mutate_rate", "enabled_rate_to_true_add", "enabled_rate_to_false_add"):
            self.put(f"mutation.{key}", self.get(g, key), f"{g}.{key}")
        self.put("mutation.toggle_enable_rate", 0.0)

    def distance(self) -> None:
        """The compatibility distance's coefficients."""
        g = self.g
        self.put("species.excess_coefficient", self.get(g, "compatibility_disjoint_coefficient"),
                 f"{g}.compatibility_disjoint_coefficient")
        self.put("species.disjoint_coefficient", self.get(g, "compatibility_disjoint_coefficient"),
                 f"{g}.compatibility_disjoint_coefficient")
        self.put("species.weight_coefficient", self.get(g, "compatibility_weight_coefficient"),
                 f"{g}.compatibility_weight_coefficient")
        self.put("species.normalize_min_genes", 0)
        self.put("species.method", "neat_python")  # neat-python's distance (node genes too) and speciation

    def izhikevich(self) -> None:
        """``[IZGenome]``: recurrent networks of Izhikevich neurons (a, b, c, d per neuron), which sum their inputs
        as they are (identity, sum, response 1)."""
        g = self.g
        self.note(g, "Izhikevich neurons sum their inputs as they are: activation identity, aggregation sum, "
                     "response 1 (no activation, aggregation or response keys)")
        attrs = [f"{x}_{k}" for x in "abcd" for k in ("init_mean", "init_stdev", "init_type", "replace_rate",
                                                      "mutate_rate", "mutate_power", "min_value", "max_value")]
        if not set(attrs) <= _genome_fields():  # until the Izhikevich genome settings are in topoevo's [genome]
            self.note(f"{g}.a_*, b_*, c_*, d_*", "waiting: topoevo's [genome] has no Izhikevich settings yet; the "
                                                 "converted run evolves recurrent networks of identity nodes with "
                                                 "these connections and biases, not spiking neurons")
            return
        self.put("genome.network", "iznn", f"{g}.feed_forward")
        self.note(g, "the time step, how long each input is held and how spikes become outputs are the script's "
                     "(neat-python's XOR example: time to first spike of two output neurons within 20 ms): set "
                     "genome.dt, steps_per_observation and readout for the task (tasks/xor_iznn.toml)")
        for key in attrs:
            value = self.get(g, key)
            if key.endswith("_init_type"):
                value = "uniform" if "uniform" in value.lower() else "gaussian"
            self.put(f"genome.{key}", value, f"{g}.{key}")
        for x in "abcd":
            mean, lo, hi = (self.get(g, f"{x}_{k}") for k in ("init_mean", "min_value", "max_value"))
            if not lo <= mean <= hi:
                self.note(f"{g}.{x}_init_mean", f"{mean} lies outside [{x}_min_value, {x}_max_value] = [{lo}, {hi}]: "
                                                f"new values are clamped into the range, as in neat-python")

    def species(self) -> None:
        s = "DefaultSpeciesSet"
        self.put("species.compatibility_threshold", self.get(s, "compatibility_threshold"),
                 f"{s}.compatibility_threshold")

    def stagnation(self) -> None:
        s = self.st
        if s != "DefaultStagnation":
            self.note(s, f"the script's own stagnation class, read as DefaultStagnation with its options "
                         f"({', '.join(k for k in KEYS['DefaultStagnation'])}; the ones not given at neat-python's "
                         f"defaults): what the class does differently is not carried over")
        func = self.get(s, "species_fitness_func")
        if func not in _SPECIES_FITNESS:
            raise self.fail(f"{s}.species_fitness_func", f"expected one of {', '.join(_SPECIES_FITNESS)}, got "
                                                         f"{func!r}")
        self.put("stagnation.species_fitness_func", _SPECIES_FITNESS[func], f"{s}.species_fitness_func")
        self.put("stagnation.max_stagnation", self.get(s, "max_stagnation"), f"{s}.max_stagnation")
        self.put("stagnation.species_elitism", self.get(s, "species_elitism"), f"{s}.species_elitism")

    def reproduction(self) -> None:
        s = "DefaultReproduction"
        self.put("reproduction.survival_threshold", self.get(s, "survival_threshold"), f"{s}.survival_threshold")
        elitism = self.get(s, "elitism")
        if elitism < 0:
            raise self.fail(f"{s}.elitism", f"expected a value >= 0, got {elitism}")
        self.put("reproduction.elitism_threshold", 0 if elitism else self.get("NEAT", "pop_size"), f"{s}.elitism")
        self.put("reproduction.elitism", elitism, f"{s}.elitism")
        # neat-python's spawn rule: adjusted-fitness shares, half-way from the current sizes, at least
        # max(min_species_size, elitism) each; a mating pool of at least 2
        self.put("reproduction.allotment", "neat_python")
        self.put("reproduction.min_species_size", self.get(s, "min_species_size"), f"{s}.min_species_size")
        self.put("reproduction.survival_min", 2)
        self.put("reproduction.mutate_only_prob", 0.0)
        self.put("reproduction.mate_only_prob", 0.0)
        self.put("reproduction.interspecies_mate_rate", 0.0)


def _genome_fields() -> set[str]:
    from dataclasses import fields

    from topoevo.config.sections import GenomeConfig

    return {f.name for f in fields(GenomeConfig)}


def task_table(task: str) -> dict[str, Any]:
    """The ``[task]`` table for ``--task``: a task name, or a TOML task file whose ``[task]`` table is taken (so a
    task with parameters, e.g. ``gym`` with its ``env_id``, can run a neat-python config)."""
    if not task.endswith(".toml"):
        return {"name": task, **TASK_PRESETS.get(task, {})}
    from topoevo.files import tomllib

    try:
        data = tomllib.loads(Path(task).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("file not found", source=task, field="--task") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the task file ({exc})", source=task, field="--task") from None
    table = data.get("task")
    if not isinstance(table, dict) or not isinstance(table.get("name"), str):
        raise ConfigError("no [task] table with a name", source=task, field="task.name")
    return {**TASK_PRESETS.get(table["name"], {}), **table}


def convert_neat_python_config(path: str | Path, task: str | None = None) -> Conversion:
    """Read a neat-python INI config and map it to topoevo config tables.

    ``task`` names the topoevo task (a neat-python config has none), or is a TOML task file whose ``[task]`` table
    is used. Without it, a config shaped like neat-python's XOR example (2 inputs, 1 output) runs ``xor``; any
    other shape is an error asking for a task.
    """
    path = Path(path)
    src = str(path)
    values, names = _read_values(path)
    m = _Mapper(values, src, names)
    m.neat()
    m.genome()
    if names["DefaultGenome"] == "IZGenome":
        m.izhikevich()
    m.species()
    m.stagnation()
    m.reproduction()
    if task is None:
        shape = (values["DefaultGenome"]["num_inputs"], values["DefaultGenome"]["num_outputs"])
        if shape != (2, 1):
            raise ConfigError(f"a neat-python config names no task and its shape {shape[0]} inputs, {shape[1]} "
                              f"outputs is not XOR's; pass --task NAME", source=src, field="<task>")
        task = "xor"
        m.note("<task>", "none given: xor (the config has XOR's 2 inputs and 1 output)")
    m.data = {"task": task_table(task), "run": {**RUN_DEFAULTS, **m.data.get("run", {})},
              **{k: v for k, v in m.data.items() if k != "run"}}
    return Conversion(m.data, src, m.origin, m.notes, values)


def load_neat_python_config(path: str | Path, task: str | None = None,
                            overrides: dict[str, dict[str, Any]] | None = None) -> Config:
    """A validated topoevo :class:`Config` from a neat-python INI file (see :func:`convert_neat_python_config`).

    The approximation notes are logged at INFO level.
    """
    conv = convert_neat_python_config(path, task)
    for n in conv.notes:
        log.info("neat-python config %s: %s", conv.source, n)
    return conv.config(overrides)


# ---- TOML -----------------------------------------------------------------------------------------------------------
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_value(v: Any, where: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"{where}: TOML has no value for {v!r} here")
        text = repr(v)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, str):
        out = v.replace("\\", "\\\\").replace('"', '\\"')
        out = "".join(c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}" for c in out)
        return f'"{out}"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x, where) for x in v) + "]"
    raise TypeError(f"{where}: cannot write {type(v).__name__} as TOML")


def config_to_toml(data: dict[str, dict[str, Any]], comments: list[str] | None = None) -> str:
    """TOML text for flat config tables (section -> key -> scalar or list; ``None`` values are left out).

    >>> print(config_to_toml({"task": {"name": "xor"}, "run": {"fitness_threshold": 3.9}, "neat": {"pop_size": 150}}))
    [task]
    name = "xor"
    <BLANKLINE>
    [run]
    fitness_threshold = 3.9
    <BLANKLINE>
    [neat]
    pop_size = 150
    <BLANKLINE>
    """
    lines = [f"# {c}" for c in comments or []]
    if lines:
        lines.append("")
    for section, table in data.items():
        lines.append(f"[{section}]")
        for key, value in table.items():
            if value is None:
                continue
            if not _BARE_KEY.match(key):
                raise ValueError(f"{section}.{key}: not a bare TOML key")
            lines.append(f"{key} = {_toml_value(value, f'{section}.{key}')}")
        lines.append("")
    return "\n".join(lines)


def conversion_to_toml(conv: Conversion) -> str:
    """The TOML task file of a conversion, its notes as comments at the top."""
    comments = [f"Converted by `topoevo convert` from the neat-python config {conv.source}.",
                "Where topoevo only approximates neat-python:"] + [f"  - {n}" for n in conv.notes]
    return config_to_toml(conv.data, comments)
