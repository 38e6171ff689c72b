"""The datastore a pymodbus server of one simulated bus reads: each unit's memory, served as it is now.

Ours rather than pymodbus' own: in 3.16 every context becomes a `SimCore`, which answers an unknown
unit with exception 4 (and logs a traceback) even with `ignore_missing_devices=True`. Raising
`NoSuchIdException` is what makes the server stay silent, as a missing or dead slave on RS-485 does.
The devices update their memory in place, so a read always sees the latest values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException

from collectors.simulator.registers import DeviceMemory
from sensors import FunctionCode

_READS = {int(fc): fc for fc in FunctionCode}


class BusDatastore:
    """Duck-types pymodbus' `SimCore`: the three methods (pymodbus' names) its request handlers call."""

    def __init__(self, units: Mapping[int, DeviceMemory]) -> None:
        self._units = dict(units)

    def _unit(self, device_id: int) -> DeviceMemory:
        unit = self._units.get(device_id)
        if unit is None or unit.silent:
            raise NoSuchIdException(f"unit {device_id} does not answer")
        return unit

    async def async_getValues(
        self, device_id: int, func_code: int, address: int, count: int = 1
    ) -> list[int] | list[bool] | ExcCodes:
        unit = self._unit(device_id)
        function_code = _READS.get(func_code)
        if function_code is None or function_code not in unit.blocks:
            return ExcCodes.ILLEGAL_FUNCTION
        words = unit.read(function_code, address, count)
        if words is None:
            return ExcCodes.ILLEGAL_ADDRESS
        return [bool(w) for w in words] if function_code.is_bits else list(words)

    async def async_setValues(
        self, device_id: int, func_code: int, address: int, values: Sequence[int] | Sequence[bool]
    ) -> ExcCodes | None:
        """Sensors are read-only here: every write is refused (exception 1), as Anjing never writes."""
        self._unit(device_id)
        return ExcCodes.ILLEGAL_FUNCTION

    def device_ids(self) -> list[int]:
        return sorted(self._units)
