"""Dynamical node types beside NEAT's rate nodes: continuous-time recurrent networks (CTRNN: a time constant per node,
Euler steps of ``dt``) and Izhikevich spiking neurons (a, b, c, d per node), batched over many genomes, with their
per-node parameters declared in one place (:mod:`.attributes`) and genome interop with neat-python's CTRNN / IZNN
(topoevo/interop/neat_python_dynamics.py)."""
