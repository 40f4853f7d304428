"""The single-pole cart of neat-python's single-pole example (its cart_pole.py), written for the tests: Florian's
corrected cart-pole equations, leapfrog steps of 0.01 s, random start state, bang-bang force of 10 N."""
from math import cos, pi, sin
from random import uniform


class CartPole:
    gravity, mcart, mpole, lpole, time_step = 9.8, 1.0, 0.1, 0.5, 0.01

    def __init__(self, position_limit=2.4, angle_limit_radians=45 * pi / 180):
        self.position_limit, self.angle_limit_radians = position_limit, angle_limit_radians
        self.x = uniform(-0.5 * position_limit, 0.5 * position_limit)
        self.theta = uniform(-0.5 * angle_limit_radians, 0.5 * angle_limit_radians)
        self.dx, self.dtheta = uniform(-1.0, 1.0), uniform(-1.0, 1.0)
        self.t = self.xacc = self.tacc = 0.0

    def step(self, force):
        g, mp, L, dt = self.gravity, self.mpole, self.lpole, self.time_step
        mt = mp + self.mcart
        xacc0, tacc0 = self.xacc, self.tacc
        self.x += dt * self.dx + 0.5 * xacc0 * dt ** 2
        self.theta += dt * self.dtheta + 0.5 * tacc0 * dt ** 2
        st, ct = sin(self.theta), cos(self.theta)
        tacc1 = (g * st + ct * (-force - mp * L * self.dtheta ** 2 * st) / mt) / (L * (4.0 / 3 - mp * ct ** 2 / mt))
        xacc1 = (force + mp * L * (self.dtheta ** 2 * st - tacc1 * ct)) / mt
        self.dx += 0.5 * (xacc0 + xacc1) * dt
        self.dtheta += 0.5 * (tacc0 + tacc1) * dt
        self.xacc, self.tacc = xacc1, tacc1
        self.t += dt

    def get_scaled_state(self):
        return [0.5 * (self.x + self.position_limit) / self.position_limit, (self.dx + 0.75) / 1.5,
                0.5 * (self.theta + self.angle_limit_radians) / self.angle_limit_radians, (self.dtheta + 1.0) / 2.0]


def discrete_actuator_force(action):
    return 10.0 if action[0] > 0.5 else -10.0
