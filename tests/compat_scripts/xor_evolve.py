"""A copy of neat-python 2.0's examples/xor/evolve-feedforward.py for the tests: ``import neat`` changed to the
compat import; the visualize calls left out (no graphviz here); it restores 'neat-checkpoint-5' (the example asks
for 'neat-checkpoint-4', which neat-python 2.0's Checkpointer(5) never writes either). Usage: CONFIG."""
import sys

from topoevo.compat import neat

xor_inputs = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
xor_outputs = [(0.0,), (1.0,), (1.0,), (0.0,)]


def eval_genomes(genomes, config):
    for genome_id, genome in genomes:
        genome.fitness = 4.0
        net = neat.nn.FeedForwardNetwork.create(genome, config)
        for xi, xo in zip(xor_inputs, xor_outputs):
            output = net.activate(xi)
            genome.fitness -= (output[0] - xo[0]) ** 2


def run(config_file):
    config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction,
                         neat.DefaultSpeciesSet, neat.DefaultStagnation,
                         config_file)
    p = neat.Population(config)
    p.add_reporter(neat.StdOutReporter(True))
    stats = neat.StatisticsReporter()
    p.add_reporter(stats)
    p.add_reporter(neat.Checkpointer(5))
    winner = p.run(eval_genomes, 300)
    print(f'\nBest genome:\n{winner!s}')
    print('\nOutput:')
    winner_net = neat.nn.FeedForwardNetwork.create(winner, config)
    for xi, xo in zip(xor_inputs, xor_outputs):
        output = winner_net.activate(xi)
        print(f"input {xi!r}, expected output {xo!r}, got {output!r}")
    p = neat.Checkpointer.restore_checkpoint('neat-checkpoint-5')
    p.run(eval_genomes, 10)


if __name__ == '__main__':
    run(sys.argv[1])
