"""Modbus collector: read plans, a pymodbus adapter, one poller per bus. See README.md beside this file."""

from collectors.modbus.client import ModbusLink
from collectors.modbus.collector import ModbusCollector
from collectors.modbus.errors import (
    DeviceExceptionError,
    DeviceTimeoutError,
    LinkError,
    ModbusError,
    PlanError,
)
from collectors.modbus.planner import ReadRequest, plan_requests
from collectors.modbus.poller import BusPoller, PolledDevice

__all__ = [
    "BusPoller",
    "DeviceExceptionError",
    "DeviceTimeoutError",
    "LinkError",
    "ModbusCollector",
    "ModbusError",
    "ModbusLink",
    "PlanError",
    "PolledDevice",
    "ReadRequest",
    "plan_requests",
]
