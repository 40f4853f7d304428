"""``[erl]``: Evolutionary Reinforcement Learning (Khadka & Tumer 2018) and its TD3 learner (Fujimoto et al. 2018).

The actors are the ``[model]`` network (its output activation must be ``tanh``: actions in [-1, 1], mapped onto the
environment's Box by the gym task with ``action_range = "symmetric"``).
"""
from __future__ import annotations

from dataclasses import dataclass

from topoevo.config.schema import Section, param


@dataclass
class ERLConfig(Section):
    """``[erl]``: algorithm ``erl`` (GA population + TD3 learner) or ``td3`` (the learner alone).

    >>> ERLConfig().pop_size, ERLConfig().sync_period
    (10, 10)
    """

    SECTION = "erl"

    pop_size: int = param(10, "'erl': evolved actors per generation (the learner's actor is evaluated besides).",
                          ge=2)
    elite_fraction: float = param(0.1, "'erl': copies of the best this fraction (at least 1) are kept unchanged "
                                       "(paper: 0.1; 0.3 on Hopper and Ant).", gt=0, le=0.5)
    tournament_size: int = param(3, "'erl': parents are chosen by tournaments of this size.", ge=2)
    crossover_rate: float = param(0.0, "'erl': probability that two tournament winners are crossed (rows of "
                                       "weight matrices swapped); actors no tournament chose always become "
                                       "crossovers of an elite and a winner (paper: 0).", ge=0, le=1)
    mutation_rate: float = param(0.9, "'erl': probability that an actor other than the elite copies is mutated.",
                                 ge=0, le=1)
    mutation_fraction: float = param(0.1, "'erl': a mutated weight matrix gets up to this fraction of its entries "
                                           "changed (a uniform count).",
                                     gt=0, le=1)
    mutation_strength: float = param(0.1, "'erl': a touched weight is multiplied by (1 + N(0, strength^2)).",
                                     gt=0)
    super_mutation_rate: float = param(0.05, "'erl': a touched weight instead gets N(0, (100 strength)^2) times "
                                             "its value added ...", ge=0, le=1)
    reset_rate: float = param(0.05, "'erl': ... or is reset to N(0, 1) with this probability.", ge=0, le=1)
    weight_limit: float = param(1_000_000.0, "'erl': weights are clipped to [-limit, limit] after mutation.", gt=0)
    sync_period: int = param(10, "'erl': every this many generations the learner's actor replaces the worst "
                                 "actor (paper: 10; 1 on Hopper and Ant).", ge=1)
    # ---- TD3
    critic_hidden: list[int] = param([256, 256], "Hidden layer sizes of the two critics (ReLU).", ge=1)
    actor_learning_rate: float = param(1e-3, "Adam step size of the actor.", gt=0)
    critic_learning_rate: float = param(1e-3, "Adam step size of the critics.", gt=0)
    gamma: float = param(0.99, "Discount.", ge=0, le=1)
    tau: float = param(0.005, "Target networks move this fraction towards the trained ones per update.", gt=0, le=1)
    batch_size: int = param(256, "Transitions per gradient step.", ge=1)
    buffer_size: int = param(1_000_000, "Replay buffer capacity (transitions; the oldest are overwritten).", ge=1)
    policy_noise: float = param(0.2, "Std of the target policy smoothing noise.", ge=0)
    noise_clip: float = param(0.5, "Target policy noise is clipped to [-noise_clip, noise_clip].", ge=0)
    policy_delay: int = param(2, "Actor and targets are updated every this many critic updates.", ge=1)
    exploration_noise: float = param(0.1, "Std of the Gaussian noise on the learner's actions in its rollouts.",
                                     ge=0)
    learning_starts: int = param(10_000, "Environment steps before the first update; until then the learner's "
                                         "rollouts ('td3': all of them) take uniform random actions.", ge=0)
    updates_per_step: float = param(1.0, "Gradient steps per environment step of the generation (all rollouts).",
                                    gt=0)
