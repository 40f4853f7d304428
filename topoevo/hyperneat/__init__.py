"""HyperNEAT (Stanley, D'Ambrosio & Gauci 2009) and ES-HyperNEAT (Risi & Stanley 2012) on top of NEAT.

A CPPN is an ordinary NEAT genome whose nodes mutate among CPPN activations (sin, gauss, sigmoid, tanh, abs,
identity, step: ``genome.activation_options`` with ``mutation.activation_mutate_rate``) and whose inputs are the
coordinates of a connection's two ends (and their distance). Modules: ``substrate`` (the ``[task.substrate]``
table and its geometry), ``network`` (one batched CPPN query for every connection of every genome, weight
expression, the batched substrate networks), ``es_hyperneat`` (quadtree extraction of hidden nodes), ``task``
(the task adapter that develops CPPNs into substrates and scores them with a problem task).
"""
