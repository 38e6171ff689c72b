"""Collectors: the parts that talk to devices and turn what they say into readings."""

from collectors.status import DeviceStatus, StatusBoard

__all__ = ["DeviceStatus", "StatusBoard"]
