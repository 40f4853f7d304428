"""HyperNEAT: substrate geometry, the batched CPPN query and substrate networks against a per-genome reference
(the genome interpreter + numpy), the problems (visual discrimination, retina), task files and bad input."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from topoevo.cli import main
from topoevo.config import Config, load_config
from topoevo.genome import activate
from topoevo.genome.activations import ACTIVATIONS
from topoevo.hyperneat.network import SubstratePopulation, express_weights
from topoevo.hyperneat.substrate import LayerConfig, Substrate, SubstrateConfig, connection_queries, layer_coordinates
from topoevo.neat import NEAT
from topoevo.nn import CompiledPopulation
from topoevo.run import build_task, fit_genome_to_task
from topoevo.tasks.retina import RetinaLogic, retina_patterns
from topoevo.tasks.visual_discrimination import Trials, placements, render

ROOT = Path(__file__).resolve().parents[1]
VISUAL = ROOT / "tasks" / "visual_discrimination_hyperneat.toml"
CPPN_ACTIVATIONS = ["sin", "gauss", "sigmoid", "tanh", "abs", "identity", "step"]


def cppns(substrate: SubstrateConfig, pop: int = 12, generations: int = 6, seed: int = 0) -> list:
    """CPPN genomes as NEAT makes them (random selection for a few generations: mixed activations, hidden nodes)."""
    config = load_config(VISUAL, {"neat": {"pop_size": pop}, "mutation": {"activation_mutate_rate": 0.5,
                                                                          "add_node_rate": 0.5}})
    config = config.replace(genome=config.genome.__class__(
        **{**config.genome.__dict__, "num_inputs": substrate.cppn_inputs, "num_outputs": substrate.cppn_outputs}))
    algo = NEAT(config, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(generations):
        genomes = algo.ask()
        algo.tell(rng.random(len(genomes)))
    return algo.ask()


def reference_outputs(genomes, substrate: Substrate, x: np.ndarray) -> np.ndarray:
    """Each genome alone: its CPPN by the reference interpreter at every query row, weights expressed in numpy,
    the substrate network evaluated layer by layer in float64."""
    cfg = substrate.config
    sizes = substrate.layer_sizes()
    outs = []
    for p, g in enumerate(genomes):
        o = np.array([activate(g, row.tolist()) for row in substrate.queries.astype(np.float64)])
        w = np.clip(o[:, 0], -1, 1)
        t = cfg.weight_threshold
        w = np.where(np.abs(w) > t, np.sign(w) * (np.abs(w) - t) / (1 - t) * cfg.max_weight, 0.0)
        values = {}
        lo = 0
        for i in substrate.input_layers:
            values[i] = x[p][:, lo:lo + sizes[i]].astype(np.float64)
            lo += sizes[i]
        for i, kind in enumerate(substrate.kinds):
            if kind.value == "input":
                continue
            z = np.zeros((x.shape[1], sizes[i]))
            if cfg.node_bias:
                k = substrate.bias_layers.index(i)
                start = substrate.bias_start + sum(sizes[j] for j in substrate.bias_layers[:k])
                z += np.clip(o[start:start + sizes[i], -1], -1, 1) * cfg.max_weight
            for link in substrate.links:
                if link.target == i:
                    W = w[link.start:link.stop].reshape(sizes[i], sizes[link.source])
                    z += values[link.source] @ W.T
            act = ACTIVATIONS[cfg.output_activation if kind.value == "output" else cfg.hidden_activation]
            values[i] = np.vectorize(act)(z)
        outs.append(np.concatenate([values[i] for i in substrate.output_layers], axis=1))
    return np.stack(outs)


def small_substrate(**kw) -> SubstrateConfig:
    layers = [LayerConfig(name="in", kind="input", grid=[3, 2]), LayerConfig(name="h", grid=[2, 2]),
              LayerConfig(name="out", kind="output", coordinates=[[0.0, 1.0], [0.5, 1.0]])]
    return SubstrateConfig(layers=layers, links=[["in", "h"], ["h", "out"], ["in", "out"]], **kw)


@pytest.mark.parametrize("kw", [{}, {"node_bias": True, "distance_input": False, "hidden_activation": "tanh",
                                     "weight_threshold": 0.0}])
def test_batched_substrates_match_the_per_genome_reference(kw):
    cfg = small_substrate(**kw)
    substrate = Substrate(cfg)
    genomes = cppns(cfg)
    assert any(n.activation not in ("sigmoid", "tanh") for g in genomes for n in g.nodes.values())
    nets = SubstratePopulation.from_cppns(CompiledPopulation(genomes, dtype=torch.float64), substrate)
    x = np.random.default_rng(1).uniform(-1, 1, (len(genomes), 5, substrate.num_inputs)).astype(np.float32)
    got = nets(x).numpy()
    want = reference_outputs(genomes, substrate, x)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_a_genome_gets_the_same_substrate_whatever_it_is_batched_with():
    cfg = small_substrate()
    substrate = Substrate(cfg)
    genomes = cppns(cfg)
    x = np.random.default_rng(2).uniform(-1, 1, (len(genomes), 4, substrate.num_inputs)).astype(np.float32)
    together = SubstratePopulation.from_cppns(CompiledPopulation(genomes), substrate)(x)
    for i in (0, 5, len(genomes) - 1):
        alone = SubstratePopulation.from_cppns(CompiledPopulation([genomes[i]]), substrate)(x[i:i + 1])
        torch.testing.assert_close(alone[0], together[i], rtol=1e-5, atol=1e-6)
    picked = SubstratePopulation.from_cppns(CompiledPopulation(genomes), substrate).select([3, 1])(x[[3, 1]])
    torch.testing.assert_close(picked, together[[3, 1]])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(1, 4), st.booleans())
def test_queries_list_every_connection_target_major(grid, n_target, distance):
    d = len(grid)
    src = layer_coordinates(LayerConfig(grid=grid), d)
    dst = np.random.default_rng(0).uniform(-1, 1, (n_target, d))
    q = connection_queries(src, dst, distance)
    assert q.shape == (n_target * len(src), 2 * d + distance)
    for i in range(n_target):
        for j in range(len(src)):
            row = q[i * len(src) + j]
            assert np.array_equal(row[:d], src[j]) and np.array_equal(row[d:2 * d], dst[i])
            if distance:
                assert math.isclose(row[-1], float(np.linalg.norm(dst[i] - src[j])))
    assert len(src) == math.prod(grid) and src.min() >= -1 and src.max() <= 1


@given(st.floats(-3, 3, allow_subnormal=False), st.floats(0, 0.9), st.floats(0.1, 5))  # subnormals underflow to 0
def test_weight_expression_is_thresholded_scaled_and_monotone(o, t, wmax):
    cfg = SubstrateConfig(layers=small_substrate().layers, weight_threshold=t, max_weight=wmax)
    outs = torch.tensor([[[o], [o + 0.01]]], dtype=torch.float64)
    w = express_weights(outs, cfg)[0].tolist()
    assert abs(w[0]) <= wmax + 1e-12
    assert (w[0] == 0.0) == (abs(o) <= t)
    assert w[1] >= w[0]  # non-decreasing in the CPPN output


def test_leo_decides_which_connections_exist():
    cfg = SubstrateConfig(layers=small_substrate().layers, leo=True, max_weight=2.0)
    w = express_weights(torch.tensor([[[0.5, 1.0], [0.5, -1.0], [-3.0, 0.2]]]), cfg)
    assert w.tolist() == [[1.0, 0.0, -2.0]]
    assert cfg.cppn_outputs == 2


def test_visual_discrimination_fields_are_the_same_picture_at_every_resolution():
    place = placements(Trials.ALL)
    small = render(place, 11).reshape(-1, 11, 11)
    for r in (33, 55):
        big = render(place, r).reshape(-1, r, r)
        k = r // 11
        assert np.array_equal(big, np.kron(small, np.ones((1, k, k), dtype=np.float32)))
    assert set(small.sum(axis=(1, 2)).tolist()) <= {9.0, 10.0}  # overlapping boxes share pixels
    assert ((place[:, 2:] >= 1) & (place[:, 2:] <= 9)).all()  # the large box wholly in view
    assert len(placements(Trials.PAPER)) == 75


def test_retina_targets():
    x, y_and = retina_patterns(RetinaLogic.AND)
    _, y_or = retina_patterns(RetinaLogic.OR)
    assert int(y_and.sum()) == 64 and int(y_or.sum()) == 8 * 16 + 8 * 16 - 64
    assert len({tuple(r) for r in x.tolist()}) == 256 and set(np.unique(x).tolist()) == {-1.0, 1.0}


def test_hyperneat_visual_discrimination_evolves_and_scales(tmp_path: Path, capsys: pytest.CaptureFixture):
    """A short run through the CLI solves the 75 trials; its champion, re-run on a 33x33 substrate, still does."""
    from benchmarks.hyperneat import rescaled_task
    from topoevo.genome import load_genome

    assert main(["run", str(VISUAL), "--seed", "2", "--generations", "30", "--out", str(tmp_path / "run"),
                 "--no-progress"]) == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["solved"]
    champ = load_genome(tmp_path / "run" / "champion.json")
    config = load_config(VISUAL)
    for r in (11, 33):
        res = rescaled_task(config.task.params, r, "all").evaluate(CompiledPopulation([champ]), np.zeros(1, int))
        assert res.info["accuracy"][0] >= 0.9


def test_nested_substrate_tables_survive_the_config_round_trip():
    config = load_config(ROOT / "tasks" / "retina_hyperneat.toml")
    again = Config.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again.task.params == config.task.params
    task = build_task(again)
    assert (task.num_inputs, task.num_outputs) == (7, 3)  # x, y, z twice + distance; weight, LEO, bias
    assert fit_genome_to_task(again, task).genome.num_inputs == 7


BASE = """[task]
name = "hyperneat_visual_discrimination"
[task.substrate]
dimensions = 2
"""
IN = '[[task.substrate.layers]]\nkind = "input"\ngrid = [11, 11]\n'
OUT = '[[task.substrate.layers]]\nkind = "output"\ngrid = [11, 11]\n'
BAD_SUBSTRATES = {
    "no_outputs": (BASE + IN, "task.substrate.layers"),
    "no_layers": (BASE, "task.substrate.layers"),
    "no_substrate": ('[task]\nname = "hyperneat_retina"\n', "task.substrate"),
    "grid_dimension": (BASE + IN + '[[task.substrate.layers]]\nkind = "output"\ngrid = [11, 11, 1]\n',
                       "task.substrate.layers[1].grid"),
    "coordinate_dimension": (BASE + IN + OUT + '[[task.substrate.layers]]\nkind = "output"\n'
                             'coordinates = [[0.0, 1.0], [0.5, 1.0, 2.0]]\n', "task.substrate.layers[2].coordinates[1]"),
    "wrong_size": (BASE + '[[task.substrate.layers]]\nkind = "input"\ngrid = [5, 5]\n' + OUT,
                   "task.substrate.layers"),
    "unknown_link": (BASE + IN + OUT + 'links = [["0", "nowhere"]]\n', "task.substrate.links[0]"),
    "unknown_layer_key": (BASE + IN + 'gird = [3]\n' + OUT, "task.substrate.layers[0].gird"),
}


@pytest.mark.parametrize("case", sorted(BAD_SUBSTRATES))
def test_bad_substrates_give_one_line_naming_file_and_field(tmp_path: Path, capsys: pytest.CaptureFixture, case):
    text, field = BAD_SUBSTRATES[case]
    if case == "unknown_link":  # (links belong to [task.substrate]: move them above the layer tables)
        text = BASE + 'links = [["0", "nowhere"]]\n' + IN + OUT
    path = tmp_path / "bad.toml"
    path.write_text(text)
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and f"{field}:" in lines[0], lines
    assert not (tmp_path / "out").exists()


# ---- ES-HyperNEAT ----------------------------------------------------------------------------------------------
def reference_es_links(genome, substrate: Substrate) -> set:
    """ES-HyperNEAT for one genome, written after the published pseudo-code (recursive quadtrees, scalar CPPN
    queries by the reference interpreter): the set of (source point, target point, weight) links before pruning of
    nodes off input-output paths."""
    es, dist = substrate.config.es, substrate.config.distance_input

    def query(a, b):
        row = [*a, *b] + ([math.dist(a, b)] if dist else [])
        return min(max(activate(genome, row)[0], -1.0), 1.0)

    class Cell:
        def __init__(self, x, y, width, lvl):
            self.x, self.y, self.width, self.lvl, self.w, self.cs = x, y, width, lvl, 0.0, []

    def leaves(c):
        return [c.w] if not c.cs else [w for k in c.cs for w in leaves(k)]

    def variance(c):
        return float(np.var(leaves(c))) if c.cs else 0.0

    def tree(point, outgoing):
        root = Cell(0.0, 0.0, 1.0, 1)
        queue = [root]
        while queue:
            p = queue.pop(0)
            h = p.width / 2
            p.cs = [Cell(p.x + sx * h, p.y + sy * h, h, p.lvl + 1) for sx, sy in ((-1, -1), (1, -1), (-1, 1), (1, 1))]
            for c in p.cs:
                c.w = query(point, (c.x, c.y)) if outgoing else query((c.x, c.y), point)
            if p.lvl < es.initial_depth or (p.lvl < es.max_depth and np.var([c.w for c in p.cs]) > es.division_threshold):
                queue.extend(p.cs)
        return root

    def extract(point, p, outgoing, out):
        for c in p.cs:
            if variance(c) >= es.variance_threshold:
                extract(point, c, outgoing, out)
            else:
                def q(x, y):
                    return query(point, (x, y)) if outgoing else query((x, y), point)
                s = 2 * c.width
                dl, dr = abs(c.w - q(c.x - s, c.y)), abs(c.w - q(c.x + s, c.y))
                dt, db = abs(c.w - q(c.x, c.y - s)), abs(c.w - q(c.x, c.y + s))
                if max(min(dt, db), min(dl, dr)) > es.band_threshold:
                    out.add(((point, (c.x, c.y)) if outgoing else ((c.x, c.y), point)) + (round(c.w, 9),))

    links: set = set()
    ins = [tuple(p) for i in substrate.input_layers for p in substrate.coords[i].tolist()]
    outs = [tuple(p) for i in substrate.output_layers for p in substrate.coords[i].tolist()]
    hidden: set = set()
    for a in ins:
        found: set = set()
        extract(a, tree(a, True), True, found)
        links |= found
        hidden |= {t for _, t, _ in found}
    unexplored = set(hidden)
    for _ in range(es.iteration_level):
        new: set = set()
        for a in sorted(unexplored):
            found = set()
            extract(a, tree(a, True), True, found)
            links |= found
            new |= {t for _, t, _ in found}
        unexplored = new - hidden
        hidden |= new
    for o in outs:
        found = set()
        extract(o, tree(o, False), False, found)
        links |= {f for f in found if f[0] in hidden}
    return links


def es_substrate(**es) -> Substrate:
    from topoevo.hyperneat.substrate import ESConfig

    cfg = SubstrateConfig(layers=[LayerConfig(kind="input", coordinates=[[-1.0, -1.0], [0.0, -1.0], [1.0, -1.0]]),
                                  LayerConfig(kind="output", coordinates=[[-0.5, 1.0], [0.5, 1.0]])],
                          es=ESConfig(**es))
    return Substrate(cfg)


@pytest.mark.parametrize("es", [{}, {"initial_depth": 1, "max_depth": 3, "variance_threshold": 0.01,
                                     "band_threshold": 0.1, "iteration_level": 2}])
def test_batched_es_hyperneat_finds_the_links_of_the_published_recursive_algorithm(es):
    from topoevo.hyperneat.es_hyperneat import quadtrees

    substrate = es_substrate(**es)
    genomes = cppns(substrate.config, pop=8, generations=4, seed=3)
    cp = CompiledPopulation(genomes, dtype=torch.float64)
    ins = substrate.coords[0]
    P = len(genomes)
    found = quadtrees(cp, np.repeat(np.arange(P), len(ins)), np.tile(ins, (P, 1)), True, substrate.config.es, True)
    total = 0
    for p, g in enumerate(genomes):
        ref = reference_es_links(g, substrate)
        first = {(tuple(s), tuple(t), round(w, 9)) for gg, s, t, w in
                 zip(found.genome, found.source.tolist(), found.target.tolist(), found.weight.tolist()) if gg == p}
        assert first == {link for link in ref if link[0] in {tuple(x) for x in ins.tolist()}}
        total += len(ref)
    assert total > 0  # (the CPPNs do paint some pattern)


def test_es_links_of_all_phases_equal_the_published_algorithm():
    from topoevo.hyperneat.es_hyperneat import es_links

    substrate = es_substrate(initial_depth=2, max_depth=3, variance_threshold=0.01, band_threshold=0.1,
                             iteration_level=2)
    genomes = cppns(substrate.config, pop=6, generations=4, seed=7)
    got = es_links(CompiledPopulation(genomes, dtype=torch.float64), substrate)
    assert sum(map(len, got)) > 0
    for g, links in zip(genomes, got):
        assert {(s, t, round(w, 9)) for s, t, w in links} == reference_es_links(g, substrate)


def test_es_networks_are_exactly_the_networks_of_their_genomes():
    """The ES networks: every kept link of the reference is in the genome, every genome node on an input-output
    path, and the batched ticked population equals each genome run alone by the reference recurrent interpreter."""
    from topoevo.genome import ReferenceRecurrentNetwork
    from topoevo.hyperneat.es_hyperneat import es_networks

    substrate = es_substrate(variance_threshold=0.01, band_threshold=0.1)
    genomes = cppns(substrate.config, pop=8, generations=4, seed=5)
    nets = es_networks(CompiledPopulation(genomes, dtype=torch.float64), substrate)
    assert any(g.num_hidden for g in nets.genomes)
    x = np.random.default_rng(0).uniform(-1, 1, (len(genomes), 3, 3))
    got = nets(x).numpy()
    for p, g in enumerate(nets.genomes):
        assert not g.problems(), g.problems()
        ref = ReferenceRecurrentNetwork(g)
        for b in range(3):
            ref.reset()
            for _ in range(nets.ticks):
                out = ref.activate(x[p, b].tolist())
            np.testing.assert_allclose(got[p, b], out, rtol=1e-5, atol=1e-5)


def test_es_substrate_errors_name_the_field(tmp_path: Path, capsys: pytest.CaptureFixture):
    text = ('[task]\nname = "hyperneat_retina"\n[task.substrate]\ndimensions = 3\n[task.substrate.es]\n'
            '[[task.substrate.layers]]\nkind = "input"\ngrid = [4, 2, 1]\n'
            '[[task.substrate.layers]]\nkind = "output"\ngrid = [1, 1, 1]\n')
    path = tmp_path / "es.toml"
    path.write_text(text)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and "task.substrate.dimensions:" in err


def test_hyperneat_run_resumes_bit_identically(tmp_path: Path):
    """A HyperNEAT run stopped after 2 generations and resumed to 4 writes the same statistics and champion as a run
    of 4 (the checkpoint holds the nested substrate tables)."""
    text = (ROOT / "tasks" / "retina_hyperneat.toml").read_text().replace("pop_size = 150", "pop_size = 30")
    path = tmp_path / "retina.toml"
    path.write_text(text)
    assert main(["run", str(path), "--generations", "4", "--out", str(tmp_path / "full"), "--no-progress"]) == 0
    assert main(["run", str(path), "--generations", "2", "--out", str(tmp_path / "cut"), "--no-progress"]) == 0
    assert main(["resume", str(tmp_path / "cut"), "--generations", "4", "--no-progress"]) == 0
    for name in ("stats.jsonl", "champion.json"):
        assert (tmp_path / "cut" / name).read_text() == (tmp_path / "full" / name).read_text()


def test_zoo_visual_discrimination_champion_solves_and_scales_to_55x55():
    """genomes/visual_discrimination_hyperneat.json (evolved by `topoevo run` on the task file) still solves the 75
    trials at 11x11, and re-run unchanged on the 55x55 substrate keeps >= 90% of its 11x11 test accuracy."""
    from benchmarks.hyperneat import rescaled_task
    from topoevo.cli import load_champion

    genome, meta, task, _ = load_champion(ROOT / "genomes" / "visual_discrimination_hyperneat.json")
    assert meta["solved"] and task.evaluate(CompiledPopulation([genome]), np.zeros(1, int)).solved[0]
    config = load_config(VISUAL)
    acc = {r: rescaled_task(config.task.params, r, "all").evaluate(CompiledPopulation([genome]),
                                                                  np.zeros(1, int)).info["accuracy"][0]
           for r in (11, 55)}
    assert acc[55] >= 0.9 * acc[11]


def test_chunked_queries_build_the_same_substrates():
    cfg = small_substrate()
    genomes = cppns(cfg, pop=5)
    x = np.random.default_rng(4).uniform(-1, 1, (5, 3, 6)).astype(np.float32)
    whole = SubstratePopulation.from_cppns(CompiledPopulation(genomes), Substrate(cfg))(x)
    chunked_cfg = SubstrateConfig(**{**cfg.__dict__, "query_chunk": 7})
    chunked = SubstratePopulation.from_cppns(CompiledPopulation(genomes), Substrate(chunked_cfg))(x)
    torch.testing.assert_close(chunked, whole)
