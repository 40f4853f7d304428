"""A copy of neat-python 2.0's examples/single-pole-balancing/evolve-feedforward.py for the tests: ``import neat``
changed to the compat import; pickle and visualize left out; the cart is tests/compat_scripts/cart_pole_sim.py.
Usage: CONFIG [WORKERS]."""
import multiprocessing
import sys

import cart_pole_sim as cart_pole
from topoevo.compat import neat

runs_per_net = 5
simulation_seconds = 60.0


def eval_genome(genome, config):
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    fitnesses = []
    for runs in range(runs_per_net):
        sim = cart_pole.CartPole()
        fitness = 0.0
        while sim.t < simulation_seconds:
            inputs = sim.get_scaled_state()
            action = net.activate(inputs)
            force = cart_pole.discrete_actuator_force(action)
            sim.step(force)
            if abs(sim.x) >= sim.position_limit or abs(sim.theta) >= sim.angle_limit_radians:
                break
            fitness = sim.t
        fitnesses.append(fitness)
    return min(fitnesses)


def eval_genomes(genomes, config):
    for genome_id, genome in genomes:
        genome.fitness = eval_genome(genome, config)


def run(config_path, workers):
    config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction,
                         neat.DefaultSpeciesSet, neat.DefaultStagnation,
                         config_path)
    pop = neat.Population(config)
    stats = neat.StatisticsReporter()
    pop.add_reporter(stats)
    pop.add_reporter(neat.StdOutReporter(True))
    pe = neat.ParallelEvaluator(workers, eval_genome)
    winner = pop.run(pe.evaluate)
    pe.close()
    print(winner)


if __name__ == '__main__':
    run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else multiprocessing.cpu_count())
