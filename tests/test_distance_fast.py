"""The speciation shortcut ``compatible`` must agree exactly with ``distance(a, b) < threshold``."""
from hypothesis import given
from hypothesis import strategies as st

from strategies import PROPERTY, evolved_pairs
from topoevo.config.sections import SpeciesConfig
from topoevo.genome.distance import compatible, distance


@PROPERTY
@given(evolved_pairs(), st.floats(0.05, 6.0), st.sampled_from([(1.0, 1.0), (1.0, 2.0), (0.5, 1.5)]),
       st.sampled_from([0, 20]))
def test_compatible_equals_distance_below_threshold(pair, threshold, coefficients, min_genes):
    _, a, b = pair
    cfg = SpeciesConfig(excess_coefficient=coefficients[0], disjoint_coefficient=coefficients[1],
                        normalize_min_genes=min_genes)
    assert compatible(a, b, cfg, threshold) == (distance(a, b, cfg) < threshold)
    assert compatible(b, a, cfg, threshold) == (distance(b, a, cfg) < threshold)
