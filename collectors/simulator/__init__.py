"""Simulated devices behind real pymodbus servers, with scripted and triggered events: the demo's and the
tests' stand-in for a building. Never binds anything but loopback; see README.md."""

from collectors.simulator.errors import SimulationError
from collectors.simulator.mqtt_broker import EmbeddedBroker
from collectors.simulator.mqtt_devices import MqttDevices
from collectors.simulator.simulation import Simulation

__all__ = ["EmbeddedBroker", "MqttDevices", "Simulation", "SimulationError"]
