"""Forwarding to InfluxDB: line protocol, schema, the synchronous sender and the outbox forwarder."""

from storage.influx.errors import (
    InfluxAuthError,
    InfluxError,
    InfluxRejectedError,
    InfluxUnavailableError,
)
from storage.influx.forwarder import Forwarder, ForwarderState, OutboxStats
from storage.influx.line import encode_line, field_value
from storage.influx.schema import FAMILIES, Schema, measurement
from storage.influx.sender import InfluxSender
from storage.influx.service import InfluxForwarding

__all__ = [
    "FAMILIES",
    "Forwarder",
    "ForwarderState",
    "InfluxAuthError",
    "InfluxError",
    "InfluxForwarding",
    "InfluxRejectedError",
    "InfluxSender",
    "InfluxUnavailableError",
    "OutboxStats",
    "Schema",
    "encode_line",
    "field_value",
    "measurement",
]
