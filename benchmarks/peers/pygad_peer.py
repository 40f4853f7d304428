"""PyGAD 3.9 + TorchGA as a benchmark peer: the weights of a fixed ``torch.nn.Module`` evolved by ``pygad.GA`` from
a ``pygad.torchga.TorchGA`` population, one fitness call per solution, as its users write it.

Fitness calls load the solution into the module with ``torchga.model_weights_as_dict`` + ``load_state_dict`` (the
fast way: ``torchga.predict`` would also deep-copy the module on every call), then run the task one input at a time
(CartPole: one forward call per environment step). Evaluations are counted as fitness calls actually made (PyGAD
reuses the fitness of kept elites). Numbers only, measured here; nothing is hard-coded.

>>> # cartpole_run(model, pop_size=100, generations=10, seed=0)["evaluations"]
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

import numpy as np


@dataclass
class PeerResult:
    """A finished PyGAD run."""

    evaluations: int  # fitness calls made
    wall_s: float  # pygad.GA construction to the end of run()
    cpu_s: float  # CPU time of this process over the same span
    steps: int  # environment steps (0 for a supervised task)
    best_fitness: float  # fitness of the best solution of the last generation (as PyGAD recorded it)
    best_solution: list[float]  # its parameters, in state_dict order
    best_per_generation: list[float]
    mean_per_generation: list[float]  # mean fitness of each evaluated population

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _run_ga(model: Any, fitness: Callable[[np.ndarray], float], pop_size: int, generations: int, parents: int,
            seed: int, steps: Callable[[], int] = lambda: 0) -> PeerResult:
    import pygad
    import pygad.torchga as torchga

    calls = 0

    def fitness_func(ga: Any, solution: np.ndarray, index: int) -> float:
        nonlocal calls
        calls += 1
        return fitness(solution)

    means: list[float] = []

    def on_fitness(ga: Any, fitness: np.ndarray) -> None:
        means.append(float(np.mean(fitness)))

    np.random.seed(seed)  # TorchGA draws its initial population from numpy's global generator
    t0, c0 = time.perf_counter(), time.process_time()
    population = torchga.TorchGA(model=model, num_solutions=pop_size).population_weights
    ga = pygad.GA(num_generations=generations, num_parents_mating=parents, initial_population=population,
                  fitness_func=fitness_func, parent_selection_type="sss", keep_elitism=1, random_seed=seed,
                  suppress_warnings=True, on_fitness=on_fitness)
    ga.run()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    last = np.asarray(ga.last_generation_fitness, dtype=np.float64)
    best = int(np.argmax(last))
    return PeerResult(calls, wall, cpu, steps(), float(last[best]), [float(x) for x in ga.population[best]],
                      [float(x) for x in ga.best_solutions_fitness], means)


def cartpole_run(model: Any, pop_size: int, generations: int, seed: int = 0, parents: int = 20,
                 episodes: int = 1, env_id: str = "CartPole-v1") -> dict[str, Any]:
    """Evolve ``model``'s weights on CartPole-v1; fitness = mean return of ``episodes`` episodes (argmax action),
    each reset from a fresh seed (a counter from ``seed * 10**6``)."""
    import gymnasium as gym
    import pygad.torchga as torchga
    import torch

    env = gym.make(env_id)
    counter = seed * 10**6
    steps = 0

    def fitness(solution: np.ndarray) -> float:
        nonlocal counter, steps
        model.load_state_dict(torchga.model_weights_as_dict(model=model, weights_vector=solution))
        total = 0.0
        with torch.no_grad():
            for _ in range(episodes):
                obs, _ = env.reset(seed=counter)
                counter += 1
                done = False
                while not done:
                    action = int(torch.argmax(model(torch.as_tensor(obs, dtype=torch.float32))))
                    obs, reward, terminated, truncated, _ = env.step(action)
                    total += float(reward)
                    steps += 1
                    done = terminated or truncated
        return total / episodes

    try:
        return _run_ga(model, fitness, pop_size, generations, parents, seed, lambda: steps).to_dict()
    finally:
        env.close()


def classifier_run(model: Any, inputs: Any, targets: Any, pop_size: int, generations: int, seed: int = 0,
                   parents: int = 20) -> dict[str, Any]:
    """Evolve ``model``'s weights on a classification training set; fitness = minus the mean cross-entropy (as
    topoevo's ``neg_cross_entropy`` metric), one forward call on the whole set per solution."""
    import pygad.torchga as torchga
    import torch

    def fitness(solution: np.ndarray) -> float:
        model.load_state_dict(torchga.model_weights_as_dict(model=model, weights_vector=solution))
        with torch.no_grad():
            out = model(inputs).double()
        return -float(torch.nn.functional.cross_entropy(out, targets))

    return _run_ga(model, fitness, pop_size, generations, parents, seed).to_dict()
