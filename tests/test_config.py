"""Task-file config: paper defaults, strict validation with one-line errors (file + section.key), round trips."""
from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import PROPERTY
from topoevo.config import (Config, ConfigError, GenomeConfig, MutationConfig, NEATConfig, ReproductionConfig,
                            SpeciesConfig, StagnationConfig, load_config)
from topoevo.config import SECTIONS
from topoevo.config.schema import _choices, build_section
from topoevo.errors import TopoevoError

MINIMAL = '[task]\nname = "xor"\n'


def write(tmp_path: Path, content: str | bytes, name: str = "task.toml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# ---- defaults -------------------------------------------------------------------------------------------------
def test_defaults_follow_the_neat_paper():
    cfg = Config.from_dict({"task": {"name": "xor"}})
    s, st_, r, m, n = cfg.species, cfg.stagnation, cfg.reproduction, cfg.mutation, cfg.neat
    assert (s.excess_coefficient, s.disjoint_coefficient, s.weight_coefficient) == (1.0, 1.0, 0.4)
    assert s.compatibility_threshold == 3.0 and s.normalize_min_genes == 20
    assert st_.max_stagnation == 15
    assert r.elitism_threshold == 5 and r.mutate_only_prob == 0.25 and r.interspecies_mate_rate == 0.001
    assert r.disable_inherit_prob == 0.75
    assert (m.weight_mutate_rate, m.weight_perturb_prob) == (0.8, 0.9)
    assert (m.add_node_rate, m.add_connection_rate) == (0.03, 0.05)
    assert cfg.genome.activation == "sigmoid" and cfg.genome.bias_node
    assert n.pop_size == 150
    assert cfg.task.name == "xor" and cfg.task.params is not None


def test_a_full_task_file_loads(tmp_path: Path):
    path = write(tmp_path, """
[task]
name = "xor"
solved_margin = 0.4

[run]
seed = 7
generations = 300
fitness_criterion = "max"
fitness_threshold = 15.9

[neat]
pop_size = 150

[genome]
num_inputs = 2
num_outputs = 1
network = "recurrent"
initial_connectivity = "partial"
activation_options = ["sigmoid", "tanh"]
weight_min = -8
weight_max = 8

[mutation]
add_node_rate = 0.03

[species]
compatibility_threshold = 3.0
""")
    cfg = load_config(path)
    assert cfg.source == str(path)
    assert cfg.run.seed == 7 and cfg.run.fitness_threshold == 15.9
    assert not cfg.genome.feed_forward and cfg.genome.activation_options == ["sigmoid", "tanh"]
    assert cfg.genome.weight_min == -8.0 and isinstance(cfg.genome.weight_min, float)
    assert cfg.task.params.solved_margin == 0.4
    assert Config.from_dict(cfg.to_dict()) == cfg
    assert load_config(path, overrides={"run": {"seed": 8}}).run.seed == 8


# ---- malformed files ------------------------------------------------------------------------------------------
MALFORMED: dict[str, tuple[str | bytes, str]] = {
    "bad TOML syntax": ('[task]\nname = "xor\n', "<syntax>"),
    "duplicate key": ('[task]\nname = "xor"\nname = "xor"\n', "<syntax>"),
    "unknown section": (MINIMAL + "[genomes]\nnum_inputs = 2\n", "genomes"),
    "unknown key": (MINIMAL + "[mutation]\nadd_node_prob = 0.1\n", "mutation.add_node_prob"),
    "unknown key in task": (MINIMAL + "solvedmargin = 0.3\n", "task.solvedmargin"),
    "top-level key": (MINIMAL.replace("[task]", "seed = 3\n[task]"), "seed"),
    "wrong type string for float": (MINIMAL + '[mutation]\nadd_node_rate = "0.1"\n', "mutation.add_node_rate"),
    "wrong type float for int": (MINIMAL + "[neat]\npop_size = 150.5\n", "neat.pop_size"),
    "bool for int": (MINIMAL + "[neat]\npop_size = true\n", "neat.pop_size"),
    "bool for float": (MINIMAL + "[species]\nweight_coefficient = false\n", "species.weight_coefficient"),
    "string for bool": (MINIMAL + '[genome]\nbias_node = "yes"\n', "genome.bias_node"),
    "int for string": (MINIMAL + "[run]\nout_dir = 5\n", "run.out_dir"),
    "out of range below": (MINIMAL + "[neat]\npop_size = 1\n", "neat.pop_size"),
    "out of range above": (MINIMAL + "[reproduction]\nsurvival_threshold = 1.5\n",
                           "reproduction.survival_threshold"),
    "out of range strict": (MINIMAL + "[species]\ncompatibility_threshold = 0.0\n",
                            "species.compatibility_threshold"),
    "negative seed": (MINIMAL + "[run]\nseed = -1\n", "run.seed"),
    "NaN float": (MINIMAL + "[mutation]\nweight_mutate_power = nan\n", "mutation.weight_mutate_power"),
    "infinite float": (MINIMAL + "[run]\nmax_wall_s = inf\n", "run.max_wall_s"),
    "unknown activation": (MINIMAL + '[genome]\nactivation = "sigmod"\n', "genome.activation"),
    "unknown activation in list": (MINIMAL + '[genome]\nactivation_options = ["tanh", "rleu"]\n',
                                   "genome.activation_options[1]"),
    "unknown aggregation": (MINIMAL + '[genome]\naggregation = "median"\n', "genome.aggregation"),
    "unknown output activation": (MINIMAL + '[genome]\noutput_activation = "softmax"\n',
                                  "genome.output_activation"),
    "unknown enum value": (MINIMAL + '[genome]\nnetwork = "recurent"\n', "genome.network"),
    "unknown enum value 2": (MINIMAL + '[run]\nfitness_criterion = "maximum"\n', "run.fitness_criterion"),
    "enum given a number": (MINIMAL + "[genome]\ninitial_connectivity = 1\n", "genome.initial_connectivity"),
    "missing [task]": ("[run]\nseed = 1\n", "task"),
    "missing task name": ("[task]\nsolved_margin = 0.5\n", "task.name"),
    "task name not a string": ("[task]\nname = 3\n", "task.name"),
    "unknown task name": ('[task]\nname = "xr"\n', "task.name"),
    "task param out of range": (MINIMAL + "solved_margin = 2.0\n", "task.solved_margin"),
    "empty list": (MINIMAL + "[genome]\nactivation_options = []\n", "genome.activation_options"),
    "list given a string": (MINIMAL + '[genome]\naggregation_options = "sum"\n', "genome.aggregation_options"),
    "weight_min > weight_max": (MINIMAL + "[genome]\nweight_min = 5.0\nweight_max = 1.0\n", "genome.weight_max"),
    "bias_min > bias_max": (MINIMAL + "[genome]\nbias_min = 1.0\nbias_max = -1.0\n", "genome.bias_max"),
    "response_init outside its range": (MINIMAL + "[genome]\nresponse_init = 50.0\n", "genome.response_init"),
    "section key after [task]": (MINIMAL + "genome = 3\n", "task.genome"),
    "non-table section at top": ('genome = 3\n[task]\nname = "xor"\n', "genome"),
    "non-table task": ('task = "xor"\n', "task"),
    "array of tables": (MINIMAL + "[[genome]]\nnum_inputs = 2\n", "genome"),
    "nested table": (MINIMAL + "[genome.extra]\nx = 1\n", "genome.extra"),
    "non-UTF8 file": (b'[task]\nname = "x\xff\xfe"\n', "<file>"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_config_gives_one_line_naming_file_and_key(tmp_path: Path, case: str):
    content, field = MALFORMED[case]
    path = write(tmp_path, content)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert str(path) in msg and field in msg, msg
    assert msg.startswith(f"{path}: {field}: "), msg
    assert isinstance(info.value, TopoevoError)


def test_malformed_cases_are_many():
    assert len(MALFORMED) >= 20


def test_file_not_found(tmp_path: Path):
    path = tmp_path / "missing.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: <file>: file not found"


def test_syntax_error_says_where(tmp_path: Path):
    path = write(tmp_path, '[task]\nname = "xor"\n[run]\nseed = = 3\n')
    with pytest.raises(ConfigError, match=r"line 4"):
        load_config(path)


@pytest.mark.parametrize("content, suggestion", [
    (MINIMAL + "[mutation]\nadd_node_rat = 0.1\n", "add_node_rate"),
    (MINIMAL + "[genomee]\n", "genome"),
    (MINIMAL + '[genome]\nactivation = "sigmod"\n', "sigmoid"),
    (MINIMAL + '[genome]\nnetwork = "recurent"\n', "recurrent"),
    ('[task]\nname = "xr"\n', "xor"),
    (MINIMAL + "solvedmargin = 0.3\n", "solved_margin"),
])
def test_did_you_mean(tmp_path: Path, content: str, suggestion: str):
    with pytest.raises(ConfigError, match=f"did you mean '{suggestion}'"):
        load_config(write(tmp_path, content))


def _fields(section: type) -> list[str]:
    return [f.name for f in dataclasses.fields(section)]


@pytest.mark.parametrize("section, key", [(s, k) for s, cls in SECTIONS.items() for k in _fields(cls)])
def test_every_misspelt_key_is_an_error_with_a_suggestion(tmp_path: Path, section: str, key: str):
    typo = key[:-1] if len(key) > 3 else key + "x"
    path = write(tmp_path, MINIMAL + f"[{section}]\n{typo} = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: {section}.{typo}: unknown key (did you mean ")


# ---- round trips ----------------------------------------------------------------------------------------------
def _value(meta: typing.Mapping[str, Any], tp: Any) -> st.SearchStrategy:
    """Valid values of one config field, from its type and bounds."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _value(meta, inner)
    if origin is list:
        return st.lists(_value(meta, typing.get_args(tp)[0]), min_size=1, max_size=4)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return st.sampled_from([e.value for e in tp])
    if tp is bool:
        return st.booleans()
    if tp is str:
        choices = _choices(meta)
        return st.sampled_from(choices) if choices is not None else st.text("abcxyz_/", min_size=1, max_size=8)
    lo = meta.get("ge") if meta.get("ge") is not None else meta.get("gt")
    hi = meta.get("le")
    if tp is int:
        return st.integers(int(lo or 0) + (1 if meta.get("gt") is not None else 0), int(hi or 1000))
    return st.floats(lo if lo is not None else -100.0, hi if hi is not None else 100.0, allow_nan=False,
                     exclude_min=meta.get("gt") is not None)


_FIELD_VALUES = {name: {f.name: _value(f.metadata, typing.get_type_hints(cls)[f.name]) for f in dataclasses.fields(cls)}
                 for name, cls in SECTIONS.items()}


@st.composite
def _section_table(draw, name: str) -> dict[str, Any]:
    values = _FIELD_VALUES[name]
    keys = draw(st.lists(st.sampled_from(sorted(values)), max_size=6, unique=True))
    return {k: draw(values[k]) for k in keys}


_SECTION_TABLES = {name: _section_table(name) for name in SECTIONS}


def _repair(name: str, table: dict[str, Any]) -> dict[str, Any]:
    """Drop keys that break a section's cross-field rules (min <= max, GA truncation <= pop_size, ...)."""
    for _ in range(len(table) + 1):
        try:
            build_section(SECTIONS[name], table, name, None)
            return table
        except ConfigError as exc:
            key = (exc.field or "").split(".")[1].split("[")[0] if "." in (exc.field or "") else None
            if key not in table:
                break
            del table[key]
    return {}


@st.composite
def config_tables(draw) -> dict[str, Any]:
    """Random valid task-file contents: any subset of keys of every section, with valid values."""
    data: dict[str, Any] = {"task": {"name": "xor"}}
    for name, tables in _SECTION_TABLES.items():
        table = draw(tables)
        if name == "genome":  # keep the cross-field rules: min <= max, response_init inside its range
            for lo, hi in (("weight_min", "weight_max"), ("bias_min", "bias_max"), ("response_min", "response_max")):
                a, b = table.get(lo, getattr(GenomeConfig, lo)), table.get(hi, getattr(GenomeConfig, hi))
                if a > b:
                    table[lo], table[hi] = b, a
            r_lo = table.get("response_min", GenomeConfig.response_min)
            r_hi = table.get("response_max", GenomeConfig.response_max)
            table["response_init"] = min(max(table.get("response_init", 1.0), r_lo), r_hi)
        table = _repair(name, table)
        if table or draw(st.booleans()):
            data[name] = table
    if draw(st.booleans()):
        data["task"]["solved_margin"] = draw(st.floats(0.01, 1.0))
    return data


def to_toml(data: dict[str, Any]) -> str:
    """A tiny TOML writer for flat tables of scalars and lists (what task files hold)."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        return "[" + ", ".join(value(x) for x in v) + "]"

    lines = []
    for section, table in data.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


@PROPERTY
@given(config_tables())
def test_config_round_trips_through_dict_and_toml(tmp_path_factory, data):
    cfg = Config.from_dict(data)
    assert Config.from_dict(cfg.to_dict()) == cfg
    assert Config.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    for name, table in data.items():
        section = cfg.task.params if name == "task" else getattr(cfg, name)
        for k, v in table.items():
            if k != "name":
                got = getattr(section, k)
                assert (got.value if isinstance(got, Enum) else got) == v
    path = tmp_path_factory.mktemp("cfg") / "t.toml"
    path.write_text(to_toml(cfg.to_dict()))
    loaded = load_config(path)
    assert loaded == cfg and loaded.source == str(path)


@PROPERTY
@given(st.sampled_from(sorted(SECTIONS)), st.text("abcdefghijklmnopqrstuvwxyz_0123456789-", min_size=1, max_size=12),
       _value({}, int) | _value({}, str) | _value({}, bool) | _value({}, float))
def test_any_unknown_key_is_rejected(section, key, value):
    cls = SECTIONS[section]
    if key in _fields(cls):
        key += "_x"
    data = {"task": {"name": "xor"}, section: {key: value}}
    with pytest.raises(ConfigError) as info:
        Config.from_dict(data, source="t.toml")
    assert str(info.value).startswith(f"t.toml: {section}.{key}: unknown key")


def test_config_equality_ignores_where_it_was_read_from(tmp_path: Path):
    a = load_config(write(tmp_path, MINIMAL, "a.toml"))
    b = load_config(write(tmp_path, MINIMAL, "b.toml"))
    assert a == b and a.source != b.source
    assert Config.from_dict(a.to_dict()) == a


def test_sections_are_plain_dataclasses_with_docs():
    for cls in (GenomeConfig, MutationConfig, SpeciesConfig, StagnationConfig, ReproductionConfig, NEATConfig):
        for f in dataclasses.fields(cls):
            assert f.metadata.get("doc"), f"{cls.__name__}.{f.name} has no doc"
    assert math.isclose(ReproductionConfig().disable_inherit_prob, 0.75)


TOML_JUNK = st.one_of(st.booleans(), st.integers(-5, 500), st.floats(allow_nan=True, allow_infinity=True),
                      st.text(max_size=8), st.lists(st.one_of(st.text(max_size=6), st.integers()), max_size=3),
                      st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@PROPERTY
@given(config_tables(), st.data())
def test_corrupted_config_is_rejected_cleanly(data, draw):
    """Any value in any place: a valid Config or one ConfigError line naming the file and where."""
    for _ in range(draw.draw(st.integers(1, 3))):
        section = draw.draw(st.sampled_from(sorted(data)))
        table = data[section]
        keys = sorted(table) + [f.name for f in dataclasses.fields(SECTIONS.get(section, GenomeConfig))][:3]
        table[draw.draw(st.sampled_from(keys))] = draw.draw(TOML_JUNK)
    if draw.draw(st.integers(0, 9)) == 0:  # a whole section (or [task]) replaced
        data[draw.draw(st.sampled_from(sorted(data)))] = draw.draw(TOML_JUNK)
    try:
        cfg = Config.from_dict(data, source="t.toml")
    except ConfigError as exc:
        msg = str(exc)
        assert "\n" not in msg and msg.startswith("t.toml: ") and exc.field
    else:
        assert Config.from_dict(cfg.to_dict()) == cfg


def test_fitness_keys_moved_to_run_are_still_read_from_neat_with_a_deprecation_line(caplog):
    with caplog.at_level("WARNING", logger="topoevo.config"):
        cfg = Config.from_dict({"task": {"name": "xor"}, "neat": {"pop_size": 20, "fitness_criterion": "min",
                                                                  "fitness_threshold": 0.5}}, source="old.toml")
    assert cfg.run.fitness_criterion.value == "min" and cfg.run.fitness_threshold == 0.5 and cfg.neat.pop_size == 20
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["old.toml: neat.fitness_criterion is deprecated: write it as run.fitness_criterion",
                     "old.toml: neat.fitness_threshold is deprecated: write it as run.fitness_threshold"]
    assert Config.from_dict(cfg.to_dict()) == cfg and "fitness_threshold" not in cfg.to_dict()["neat"]
    with pytest.raises(ConfigError, match=r"old.toml: neat.fitness_threshold: set in \[neat\] \(deprecated\) and "):
        Config.from_dict({"task": {"name": "xor"}, "neat": {"fitness_threshold": 0.5},
                          "run": {"fitness_threshold": 0.6}}, source="old.toml")
