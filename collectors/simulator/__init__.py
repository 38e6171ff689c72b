"""Simulated devices behind real pymodbus servers, with scripted and triggered events: the demo's and the
tests' stand-in for a building. Never binds anything but loopback; see README.md."""

from collectors.simulator.errors import SimulationError
from collectors.simulator.simulation import Simulation

__all__ = ["Simulation", "SimulationError"]
