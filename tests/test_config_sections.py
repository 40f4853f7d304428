"""Config sections built in Python hold their declared types: every field is coerced or rejected in
``__post_init__`` exactly as the TOML loader does it, with the loader's one-line error."""
from __future__ import annotations

import dataclasses
import random
from enum import Enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzing import FUZZ, examples
from topoevo.config import SECTIONS, Config, GenomeConfig, Network
from topoevo.config.schema import Section, _choices, build_section
from topoevo.errors import ConfigError
from topoevo.genome import InnovationTracker, initial_genome
from topoevo.tasks.registry import task_names, task_params_class

#: (table name, section class): every section of a task file, and the [task] keys of every registered task
ALL_SECTIONS: list[tuple[str, type]] = [*SECTIONS.items(), *(("task", task_params_class(n)) for n in task_names())]


def test_every_section_coerces_in_post_init():
    for name, cls in ALL_SECTIONS:
        assert issubclass(cls, Section) and cls.SECTION == name, cls


def test_a_plain_string_for_an_enum_gives_the_enum_and_feed_forward_genomes():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, network="feedforward")
    assert cfg.network is Network.FEEDFORWARD and cfg.feed_forward
    genome = initial_genome(cfg, InnovationTracker(), random.Random(0))
    assert genome.feed_forward
    assert GenomeConfig(network="recurrent").network is Network.RECURRENT


@pytest.mark.parametrize("kwargs, message", [
    ({"network": "ff"}, "genome.network: expected one of 'feedforward', 'recurrent', 'ctrnn', 'iznn', got 'ff'"),
    ({"num_inputs": 2.0}, "genome.num_inputs: expected an integer, got 2.0"),
    ({"weight_min": 40.0}, "genome.weight_max: expected weight_max >= weight_min (40.0), got 30.0"),
    ({"activation_options": ["sigmoid", 3]}, "genome.activation_options[1]: expected a string, got 3"),
])
def test_a_wrong_value_from_python_raises_the_loaders_error(kwargs, message):
    with pytest.raises(ConfigError) as python:
        GenomeConfig(**kwargs)
    with pytest.raises(ConfigError) as loader:
        Config.from_dict({"task": {"name": "xor"}, "genome": kwargs}, source="t.toml")
    assert str(python.value) == message
    assert str(loader.value) == "t.toml: " + message


def _candidates(field: dataclasses.Field) -> st.SearchStrategy[Any]:
    """Values of every JSON type, the field's own default, and its valid names (enum values, choices)."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 300), st.integers(), st.floats(),
                        st.text(max_size=6))
    valid: list[Any] = []
    default = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
    valid.append(default)
    if isinstance(default, Enum):
        valid += [*type(default), *(e.value for e in type(default))]
    choices = _choices(field.metadata)
    if choices:
        valid += choices
    names = st.sampled_from(valid)
    items = st.one_of(names, scalars)
    if isinstance(default, list):
        items = st.one_of(items, st.sampled_from(default or [0]))
    return st.one_of(names, scalars, st.lists(items, max_size=3))


def _outcome(build) -> tuple[str, Any]:
    try:
        section = build()
    except ConfigError as exc:
        return "error", str(exc)
    return "ok", {f.name: repr(getattr(section, f.name)) for f in dataclasses.fields(section)}  # (types too)


#: every field of every section
FIELDS = [(name, cls, f) for name, cls in ALL_SECTIONS for f in dataclasses.fields(cls) if f.init]


@pytest.mark.parametrize("name, cls, field", FIELDS, ids=[f"{c.__name__}.{f.name}" for _, c, f in FIELDS])
@settings(max_examples=examples(6), **FUZZ)
@given(data=st.data())
def test_python_built_sections_match_the_loader_on_every_field(name, cls, field, data):
    value = data.draw(_candidates(field), label="value")
    loader = _outcome(lambda: build_section(cls, {field.name: value}, name, None))
    python = _outcome(lambda: cls(**{field.name: value}))
    assert python == loader
