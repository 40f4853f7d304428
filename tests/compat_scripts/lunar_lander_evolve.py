"""A copy of neat-python 2.0's examples/lunar-lander/evolve-feedforward.py for the tests: ``import neat`` changed to
the compat import; pickle and visualize left out. Usage: CONFIG [WORKERS] [GENERATIONS]."""
import multiprocessing
import sys

import gymnasium as gym
from topoevo.compat import neat

runs_per_net = 5
max_steps = 1000


def eval_genome(genome, config):
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    fitnesses = []
    for _ in range(runs_per_net):
        env = gym.make("LunarLander-v3")
        observation, info = env.reset()
        total_reward = 0.0
        for _ in range(max_steps):
            action_values = net.activate(observation)
            action = max(range(len(action_values)), key=lambda i: action_values[i])
            observation, reward, terminated, truncated, info = env.step(action)
            total_reward += reward
            if terminated or truncated:
                break
        env.close()
        fitnesses.append(total_reward)
    return sum(fitnesses) / len(fitnesses)


def run(config_file, workers, generations):
    config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                         neat.DefaultStagnation, config_file)
    p = neat.Population(config)
    p.add_reporter(neat.StdOutReporter(True))
    stats = neat.StatisticsReporter()
    p.add_reporter(stats)
    p.add_reporter(neat.Checkpointer(10))
    pe = neat.ParallelEvaluator(workers, eval_genome)
    winner = p.run(pe.evaluate, generations)
    pe.close()
    print(f"\nBest genome:\n{winner!s}")
    return winner, stats


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else multiprocessing.cpu_count(),
        int(sys.argv[3]) if len(sys.argv) > 3 else 500)
