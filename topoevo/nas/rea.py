"""Regularized (aging) evolution of architectures (Real et al. 2019) and random search with the same budget, as
ask/tell objects for the one run loop.

Regularized evolution: a queue of P trained architectures; each child's parent is the best of S architectures
sampled from the queue with replacement; the child gets one mutation (:func:`~topoevo.nas.mutation.mutate`); it is
appended and the oldest architecture is removed. In batch form, generation 0 asks the P initial random
architectures, and each later generation asks B children (all made from the queue as it stands), which then enter
the queue in order while the B oldest leave. Random search asks the same P initial architectures (same seed, same
draws), then B new random ones per generation. Settings: ``[nas]``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from topoevo.algorithm import AlgorithmBase, GenerationStatistics
from topoevo.config import Config, FitnessCriterion
from topoevo.errors import CheckpointError, ConfigError
from topoevo.nas.arch import random_architecture
from topoevo.nas.candidate import NASCandidate, compile_candidates
from topoevo.nas.choices import HalvingInitial, HalvingMode, HalvingQueue
from topoevo.nas.io import candidate_from_dict, candidate_to_dict, save_architecture
from topoevo.nas.morphism import morph
from topoevo.nas.mutation import mutate


@dataclass
class NASStats(GenerationStatistics):
    """One generation of architecture search (after training, before the queue update).

    >>> s = NASStats(generation=1, evaluations=6, best_fitness=0.5, mean_fitness=0.4, worst_fitness=0.3,
    ...              best_index=0, evaluated=2, best_ever_fitness=0.6, best_ever_test_accuracy=0.55,
    ...              best_ever_parameters=1200, queue_best_fitness=0.6)
    >>> s.to_dict()["best_ever_fitness"]
    0.6
    """

    best_index: int
    evaluated: int
    best_ever_fitness: float | None  # None: no architecture trained to full fidelity yet (successive halving)
    best_ever_test_accuracy: float | None  # test accuracy of the best-ever architecture (reported, never selected on)
    best_ever_parameters: int | None
    queue_best_fitness: float | None  # regularized evolution: best of the queue after the update


def history_columns() -> list[str]:
    return ["key", "parent", "mutation", "fitness", "test_accuracy", "parameters", "generation"]


def _history_row_ok(row: list[Any]) -> bool:
    """A checkpointed history row has the types of :func:`history_columns`."""
    def integer(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

    key, parent, mutation, fitness, test, params, generation = row
    return (integer(key) and (parent is None or integer(parent)) and isinstance(mutation, str) and number(fitness)
            and (test is None or number(test)) and integer(params) and integer(generation))


class _ArchitectureSearch(AlgorithmBase):
    """What both algorithms share: the run's one numpy generator, keys, best-ever tracking, the per-evaluation
    history (for incumbent curves), checkpoint state, champion files."""

    compile_fn = staticmethod(compile_candidates)

    def __init__(self, config: Config, seed: int = 0):
        cfg = config.nas
        self.space = cfg.space()
        self.input_shape, self.num_classes = self._shapes(config)
        if config.run.fitness_criterion is not FitnessCriterion.MAX:
            raise ConfigError("architecture search maximises validation accuracy; expected 'max'",
                              source=config.source, field="run.fitness_criterion")
        super().__init__(config, seed)
        self.next_key = 0
        self.pending: list[NASCandidate] = []
        self.best_candidate: NASCandidate | None = None
        self.history: list[list[Any]] = []  # one row per evaluation, columns history_columns()
        self._observed = False  # observe() was called for the pending candidates
        self.halving = len(cfg.halving_epochs) >= 2  # successive halving (regularized evolution only)
        self.asha = self.halving and cfg.halving_mode is HalvingMode.ASYNCHRONOUS

    @staticmethod
    def _shapes(config: Config) -> tuple[tuple[int, ...], int]:
        shape = tuple(config.nas.input_shape) or tuple(getattr(config.task.params, "input_shape", ()) or ())
        classes = config.genome.num_outputs or int(getattr(config.task.params, "num_classes", 0) or 0)
        if not shape:
            raise ConfigError("the task does not give an input shape; set it", source=config.source,
                              field="nas.input_shape")
        if config.genome.num_inputs and math.prod(shape) != config.genome.num_inputs:
            raise ConfigError(f"input shape {list(shape)} has {math.prod(shape)} values, the task gives "
                              f"{config.genome.num_inputs}", source=config.source, field="nas.input_shape")
        if classes < 1:
            raise ConfigError("unknown number of classes; set genome.num_outputs", source=config.source,
                              field="genome.num_outputs")
        return shape, classes

    # ---- protocol -------------------------------------------------------------------------------------------------
    @property
    def best(self) -> NASCandidate | None:
        """The architecture with the best validation accuracy ever told (first of equals)."""
        return self.best_candidate

    def ask(self) -> list[NASCandidate]:
        """This generation's architectures to train (the same list until :meth:`tell`)."""
        return self.pending

    def observe(self, info: dict[str, Any]) -> None:
        """Take the task's per-candidate figures of the generation being evaluated: ``test_accuracy`` (reported,
        never selected on) and ``weights`` (trained weights, needed by Lamarckian children). The run loop calls it
        after evaluation, before :meth:`tell`."""
        n = len(self.pending)
        test, weights, latency = info.get("test_accuracy"), info.get("weights"), info.get("latency_us")
        curves = info.get("curve")
        if test is not None and len(test) != n:
            raise ValueError(f"observe() got {len(test)} test accuracies for {n} candidates")
        if weights is not None and len(weights) != n:
            raise ValueError(f"observe() got {len(weights)} trained weights for {n} candidates")
        for i, c in enumerate(self.pending):
            c.test_accuracy = None if test is None or not math.isfinite(test[i]) else float(test[i])
            c.state = weights[i] if (weights is not None and c.keep_weights) else None
            c.latency_us = None if latency is None or not math.isfinite(latency[i]) else float(latency[i])
            c.curve = [] if curves is None else [float(a) for a in curves[i]]
        self._observed = True

    def kept(self) -> list[NASCandidate]:
        """The trained architectures the algorithm holds besides the best (the queue, the population)."""
        return []

    def members(self) -> list[NASCandidate]:
        """The trained architectures it holds and the best ever, distinct keys (what an ensemble is drawn from)."""
        out: dict[int, NASCandidate] = {}
        for c in [*self.kept(), *([self.best_candidate] if self.best_candidate is not None else [])]:
            if c.fitness is not None:
                out.setdefault(c.key, c)
        return list(out.values())

    def snapshot(self, index: int, fitness: float) -> NASCandidate:
        c = self.pending[index]
        return NASCandidate(c.key, c.arch, c.parent, c.mutation, None, False, float(fitness), c.test_accuracy,
                            c.state, c.latency_us)

    def describe(self, candidate: NASCandidate) -> dict[str, Any]:
        return {"parameters": candidate.parameters, "blocks": len(candidate.arch.blocks),
                "test_accuracy": candidate.test_accuracy}

    def save_candidate(self, candidate: NASCandidate, path: str | Path, metadata: dict[str, Any]) -> None:
        save_architecture(candidate, path, {"algorithm": self.name, **metadata})

    def candidate_to_dict(self, candidate: NASCandidate) -> dict[str, Any]:
        return candidate_to_dict(candidate)

    def candidate_from_dict(self, d: Any, source: str | None = None) -> NASCandidate:
        return candidate_from_dict(d, "champion", source)

    # ---- helpers --------------------------------------------------------------------------------------------------
    def _random(self, count: int, keep_weights: bool = False) -> list[NASCandidate]:
        out = []
        for _ in range(count):
            arch = random_architecture(self.input_shape, self.num_classes, self.space, self.rng)
            out.append(NASCandidate(self.next_key, arch, keep_weights=keep_weights))
            self.next_key += 1
        return out

    def _record(self, fitness: Sequence[float]) -> tuple[list[NASCandidate], np.ndarray]:
        """Attach fitness, test accuracy and weights to the pending candidates; count them; update the best."""
        f = self.checked_fitness(fitness, len(self.pending))
        if any(c.keep_weights for c in self.pending) and not self._observed:
            raise ValueError("Lamarckian inheritance needs the trained weights: pass the task's info (with "
                             "'weights', one entry per candidate) to observe() before tell()")
        self._observed = False
        done = []
        for i, c in enumerate(self.pending):
            c.fitness = float(f[i])
            c.init_state = None  # consumed by the training
            self.history.append([c.key, c.parent, c.mutation, c.fitness, c.test_accuracy, c.parameters,
                                 self.generation])
            final = not self.halving or c.rung == len(self.config.nas.halving_epochs) - 1  # (full fidelity)
            if final and (self.best_candidate is None or c.fitness > self.best_candidate.fitness):
                self.best_candidate = NASCandidate(c.key, c.arch, c.parent, c.mutation, None, False, c.fitness,
                                                   c.test_accuracy, c.state, c.latency_us)
            done.append(c)
        self.evaluations += len(f)
        return done, f

    def _stats(self, f: np.ndarray, queue_best: float | None) -> NASStats:
        i = int(np.argmax(f))
        b = self.best_candidate  # (None until a successive-halving candidate finishes the last rung)
        return NASStats(self.generation, self.evaluations, float(f[i]), float(f.mean()), float(f.min()), i, len(f),
                        None if b is None else float(b.fitness), None if b is None else b.test_accuracy,
                        None if b is None else b.parameters, queue_best)

    def _base_state(self) -> dict[str, Any]:
        return {**self.base_state(), "next_key": self.next_key,
                "pending": [candidate_to_dict(c) for c in self.pending],
                "best": None if self.best_candidate is None else candidate_to_dict(self.best_candidate),
                "history": self.history}

    def _load_members(self, state: dict[str, Any], key: str, source: str | None, exact: bool) -> list[NASCandidate]:
        """The trained architectures under ``key`` of a checkpoint: at most P (exactly P after generation 0 when
        ``exact``), each with its fitness."""
        p = self.config.nas.population
        items = state.get(key)
        if not isinstance(items, list) or len(items) > p or (exact and self.generation > 0 and len(items) != p):
            raise CheckpointError(f"expected a list of {p} architectures", source=source, field=f"algorithm.{key}")
        out = [candidate_from_dict(d, f"algorithm.{key}[{i}]", source) for i, d in enumerate(items)]
        if any(c.fitness is None for c in out):
            raise CheckpointError("expected the fitness of every architecture", source=source,
                                  field=f"algorithm.{key}")
        return out

    def _load_base_state(self, state: dict[str, Any], source: str | None) -> None:
        def fail(field: str, msg: str) -> CheckpointError:
            return CheckpointError(msg, source=source, field=f"algorithm.{field}")

        r = self.load_base_state(state, source)
        self.next_key = r.int(state, "next_key", "algorithm", 0)
        pending = state.get("pending")
        if not isinstance(pending, list):
            raise fail("pending", "expected a list")
        want = self.config.nas.population if self.generation == 0 else self.config.nas.batch
        if len(pending) != want and not self.halving:  # (generation 0: the population; then children or draws)
            raise fail("pending", f"expected {want} architectures at generation {self.generation}, got "
                                  f"{len(pending)}")
        self.pending = [candidate_from_dict(d, f"algorithm.pending[{i}]", source) for i, d in enumerate(pending)]
        best = state.get("best")
        self.best_candidate = None if best is None else candidate_from_dict(best, "algorithm.best", source)
        history = state.get("history")
        if not isinstance(history, list) or not all(isinstance(h, list) and len(h) == 7 and _history_row_ok(h)
                                                    for h in history):
            raise fail("history", f"expected a list of rows {history_columns()}")
        self.history = history
        for c in self.pending:
            if c.arch.input_shape != self.input_shape or c.arch.num_classes != self.num_classes:
                raise fail("pending", "an architecture does not fit the task's input shape or classes")


class RegularizedEvolution(_ArchitectureSearch):
    """Regularized evolution (Real et al. 2019) in batch ask/tell form.

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "nas", "dataset": "mnist1d"},
    ...                         "run": {"algorithm": "regularized_evolution"},
    ...                         "nas": {"population": 4, "sample_size": 2, "batch": 2}})
    >>> rea = RegularizedEvolution(cfg, seed=0)
    >>> len(rea.ask()), len(rea.tell([0.1, 0.2, 0.3, 0.4]).to_dict()) > 0, len(rea.ask()), len(rea.queue)
    (4, True, 2, 4)
    """

    name = "regularized_evolution"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        super().__init__(config, seed)
        self.queue: list[NASCandidate] = []  # oldest first
        # asynchronous successive halving with halving_queue = "finished": the last P new architectures (any rung),
        # whose accuracies set the stopping thresholds while only finished ones enter the queue (otherwise: the queue)
        self.recent: list[NASCandidate] = []
        self.finished_queue = self.asha and self.config.nas.halving_queue is HalvingQueue.FINISHED
        if not _restore:
            self.pending = self._initial()

    def _initial(self) -> list[NASCandidate]:
        """Random architectures for the queue's first P: all at once, or with asynchronous successive halving
        ``batch`` at a time (so that the early ones set the stopping thresholds of the later ones; the same draws),
        unless ``halving_initial = "full"``: all at once, trained fully (checked against 0: accuracies measured at
        the rungs for the later thresholds, no stop)."""
        cfg = self.config.nas
        full = cfg.halving_initial is HalvingInitial.FULL
        count = min(cfg.batch, cfg.population - self.evaluations) if self.asha and not full else cfg.population
        out = [self._at_rung(c, 0) for c in self._random(count, keep_weights=cfg.lamarckian)]
        if self.asha and full:
            for c in out:
                c.stop_below = [(e, 0.0) for e, _ in c.stop_below]
        return out

    def kept(self) -> list[NASCandidate]:
        return list(self.queue)

    def _at_rung(self, c: NASCandidate, rung: int) -> NASCandidate:
        """``c`` set up to train to successive-halving rung ``rung`` (unchanged when halving is off): rung 0 trains
        from the start for the first rung's epochs; a promotion continues from its own weights for the difference."""
        if not self.halving:
            return c
        epochs = self.config.nas.halving_epochs
        if self.asha:
            c.epochs, c.stop_below = epochs[-1], self.stop_thresholds()
            return c
        last = rung == len(epochs) - 1
        c.rung, c.epochs = rung, epochs[rung] - (epochs[rung - 1] if rung else 0)
        c.keep_weights = c.keep_weights or not last
        c.measure = last  # (test accuracy and latency only where they are read)
        return c

    def _promote(self, done: list[NASCandidate]) -> list[NASCandidate]:
        """The best ``halving_keep`` (at least one; ties: first asked) of a rung's candidates, set up for the next
        rung, continuing from their trained weights."""
        order = sorted(range(len(done)), key=lambda i: -done[i].fitness)
        keep = max(1, math.ceil(self.config.nas.halving_keep * len(done)))
        out = []
        for i in order[:keep]:
            c = done[i]
            nxt = NASCandidate(c.key, c.arch, c.parent, c.mutation, init_state=c.state,
                               keep_weights=self.config.nas.lamarckian)
            out.append(self._at_rung(nxt, c.rung + 1))
        return out

    def stop_thresholds(self) -> list[tuple[int, float]]:
        """Asynchronous successive halving: for each rung before the last, (its epochs, the accuracy a child must
        reach there to go on) = the ``ceil(halving_keep * n)``-th best accuracy at that rung of the n queue members
        that reached it (0 where none did: the accuracy is still measured there, for later thresholds).

        >>> from topoevo.config import Config
        >>> cfg = Config.from_dict({"task": {"name": "nas", "dataset": "mnist1d"},
        ...                         "run": {"algorithm": "regularized_evolution"},
        ...                         "nas": {"population": 4, "sample_size": 2, "halving_epochs": [1, 2, 4],
        ...                                 "halving_keep": 0.5, "halving_mode": "asynchronous"}})
        >>> import dataclasses
        >>> rea = RegularizedEvolution(cfg, seed=0)
        >>> first = rea.ask()[0]
        >>> rea.queue = [dataclasses.replace(first, key=k, curve=curve)
        ...              for k, curve in enumerate(([0.3], [0.5, 0.6], [0.4, 0.7, 0.8], [0.2]))]
        >>> rea.stop_thresholds()
        [(1, 0.4), (2, 0.7)]
        """
        cfg = self.config.nas
        out = []
        for rung, epochs in enumerate(cfg.halving_epochs[:-1]):
            reached = sorted((c.curve[rung] for c in (self.recent if self.finished_queue else self.queue)
                              if len(c.curve) > rung), reverse=True)
            out.append((epochs, reached[max(1, math.ceil(cfg.halving_keep * len(reached))) - 1] if reached else 0.0))
        return out

    def tournament(self) -> NASCandidate:
        """The best of ``sample_size`` queue members drawn with replacement (first drawn of equals): the highest
        successive-halving rung reached, then the highest accuracy there (without halving: the highest accuracy)."""
        idx = self.rng.integers(0, len(self.queue), self.config.nas.sample_size)
        return max((self.queue[int(i)] for i in idx), key=lambda c: (c.rung, c.fitness))

    def _children(self, count: int) -> list[NASCandidate]:
        lamarckian = self.config.nas.lamarckian
        out = []
        for _ in range(count):
            parent = self.tournament()
            morphed = None
            if parent.state is not None and self.rng.random() < self.config.nas.morphism_probability:
                morphed = morph(parent.arch, parent.state, self.space, self.rng)
            if morphed is not None:  # a function-preserving child, from the parent's transformed weights
                arch, state, kind = morphed
            else:
                arch, kind = mutate(parent.arch, self.space, self.rng)
                state = parent.state if lamarckian else None
            out.append(self._at_rung(NASCandidate(self.next_key, arch, parent.key, kind.value, init_state=state,
                                                  keep_weights=lamarckian), 0))
            self.next_key += 1
        return out

    def tell(self, fitness: Sequence[float]) -> NASStats:
        """Record the fitness (validation accuracy) of ``ask()``'s architectures, age the queue, make children.
        With successive halving, the best of an earlier rung are asked again (promoted) before any new children;
        ``halving_queue`` says which candidates enter the queue (every new one with its first-rung accuracy, or
        those finishing the last rung)."""
        cfg = self.config.nas
        last = len(cfg.halving_epochs) - 1
        if self.asha:  # the rung each reached (no curve told: it finished)
            for c in self.pending:
                c.rung = len(c.curve) - 1 if c.curve else last
        done, f = self._record(fitness)
        if self.asha:
            return self._tell_asha(done, f)
        rising = [c for c in done if self.halving and c.rung < last]
        entry = 0 if cfg.halving_queue is HalvingQueue.FIRST_RUNG else last
        entering = [c for c in done if not self.halving or c.rung == entry]
        self.queue.extend(entering)  # (gen 0 fills the queue)
        del self.queue[:max(len(self.queue) - cfg.population, 0)]  # the oldest leave
        stats = self._stats(f, max((c.fitness for c in self.queue), default=None))
        self.pending = self._promote(rising) if rising else self._children(cfg.batch)
        if self.halving and entry < last and not cfg.lamarckian:
            for c in entering:  # (their rung weights went on with the promoted; the queue needs none)
                c.state = None
        self.generation += 1
        return stats

    def _tell_asha(self, done: list[NASCandidate], f: np.ndarray) -> NASStats:
        """Asynchronous successive halving: every new architecture enters the queue (ranked by the rung it reached,
        then its accuracy there), or with ``halving_queue = "finished"`` only those that finished (the last P new
        ones, any rung, set the thresholds); the first P new architectures are random, ``batch`` at a time."""
        cfg = self.config.nas
        if self.finished_queue:
            self.recent.extend(done)
            del self.recent[:max(len(self.recent) - cfg.population, 0)]
            done = [c for c in done if c.rung == len(cfg.halving_epochs) - 1]
        self.queue.extend(done)
        del self.queue[:max(len(self.queue) - cfg.population, 0)]  # the oldest leave
        stats = self._stats(f, max((c.fitness for c in self.queue), default=None))
        self.pending = self._initial() if self.evaluations < cfg.population else self._children(cfg.batch)
        self.generation += 1
        return stats

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically, as plain JSON data (weights base64-encoded)."""
        return {**self._base_state(), "queue": [candidate_to_dict(c) for c in self.queue],
                **({"recent": [candidate_to_dict(c) for c in self.recent]} if self.finished_queue else {})}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any],
                        source: str | None = None) -> "RegularizedEvolution":
        algo = cls(config, _restore=True)
        algo._load_base_state(state, source)
        algo.queue = algo._load_members(state, "queue", source, exact=not algo.halving)
        if algo.finished_queue:
            algo.recent = algo._load_members(state, "recent", source, exact=False)
        return algo


class RandomSearch(_ArchitectureSearch):
    """Random search over the same space: the same P initial architectures as regularized evolution with the same
    seed, then ``batch`` new random architectures per generation.

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "nas"}, "run": {"algorithm": "random_search"},
    ...                         "nas": {"population": 3, "sample_size": 2, "batch": 2}})
    >>> rs = RandomSearch(cfg, seed=0)
    >>> _ = rs.tell([0.5] * len(rs.ask()))
    >>> len(rs.ask()), rs.evaluations
    (2, 3)
    """

    name = "random_search"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        if config.nas.lamarckian:
            raise ConfigError("Lamarckian inheritance needs parents (algorithm 'regularized_evolution'); random "
                              "search has none: expected false", source=config.source, field="nas.lamarckian")
        if config.nas.halving_epochs:
            raise ConfigError("successive halving is for algorithm 'regularized_evolution': expected []",
                              source=config.source, field="nas.halving_epochs")
        super().__init__(config, seed)
        if not _restore:
            self.pending = self._random(config.nas.population)

    def tell(self, fitness: Sequence[float]) -> NASStats:
        _, f = self._record(fitness)
        stats = self._stats(f, None)
        self.pending = self._random(self.config.nas.batch)
        self.generation += 1
        return stats

    def state_dict(self) -> dict[str, Any]:
        return self._base_state()

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> "RandomSearch":
        algo = cls(config, _restore=True)
        algo._load_base_state(state, source)
        return algo


__all__ = ["RegularizedEvolution", "RandomSearch", "NASStats", "history_columns"]
