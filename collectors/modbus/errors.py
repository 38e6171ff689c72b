"""Errors of the Modbus collector. pymodbus' own are mapped onto these in one place, `client.py`.

ModbusError                  a transaction failed; names the bus, the unit address and the registers
 ├─ DeviceTimeoutError       no usable answer within the timeout (silence, or a frame that fails checks)
 ├─ DeviceExceptionError     the device answered with a Modbus exception: `.code`, `.name`, `.hint`
 └─ LinkError                cannot connect to the bus, or the connection was lost

PlanError (ValueError)       a field that fits in no request: a config error, raised before any I/O

Messages are Chinese first, English beside it; `translation_key` names the text for a translated UI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from collectors.modbus.planner import ReadRequest

# Modbus application protocol v1.1b3, section 7
EXCEPTION_NAMES: dict[int, tuple[str, str]] = {
    1: ("非法功能", "illegal function"),
    2: ("非法数据地址", "illegal data address"),
    3: ("非法数据值", "illegal data value"),
    4: ("从站设备故障", "server device failure"),
    5: ("已确认，处理中", "acknowledge"),
    6: ("从站设备忙", "server device busy"),
    8: ("存储奇偶校验错误", "memory parity error"),
    10: ("网关路径不可用", "gateway path unavailable"),
    11: ("网关后的设备无响应", "gateway target device failed to respond"),
}

# what to try, in the manner of Telegraf's troubleshooting notes
EXCEPTION_HINTS: dict[int, str] = {
    1: "the device lacks this function: holding (3) or input (4) registers?",
    2: "try address − 1 (the manual may count registers from 1), or lower max_gap if the read spans a hole",
    3: "the device refuses this register count: lower max_registers_per_request in the profile",
    6: "the device is busy: it is asked again at the next poll",
    10: "the gateway has no route to this unit: check the unit address in the gateway's settings",
    11: "the slave behind the gateway is silent: check its address, wiring and baud rate",
}

# exception codes by which a gateway says its slave did not answer: for the poller, no answer at all
NO_ANSWER_CODES = frozenset({10, 11})


class ModbusError(Exception):
    """A transaction with one unit failed."""

    translation_key: ClassVar[str] = "modbus.error"

    def __init__(self, bus: str, unit: int, request: ReadRequest, detail: str) -> None:
        self.bus = bus
        self.unit = unit
        self.request = request
        self.detail = detail
        super().__init__(f"{bus} unit {unit} {request}: {detail}")


class DeviceTimeoutError(ModbusError):
    translation_key: ClassVar[str] = "modbus.timeout"


class LinkError(ModbusError):
    translation_key: ClassVar[str] = "modbus.link"


class DeviceExceptionError(ModbusError):
    translation_key: ClassVar[str] = "modbus.exception"

    def __init__(self, bus: str, unit: int, request: ReadRequest, code: int) -> None:
        self.code = code
        name_zh, self.name = EXCEPTION_NAMES.get(code, ("未知异常", "unknown exception"))
        self.hint = EXCEPTION_HINTS.get(code, "")
        detail = f"异常 {code} {name_zh} / exception {code} {self.name}"
        super().__init__(bus, unit, request, f"{detail} — {self.hint}" if self.hint else detail)

    @property
    def no_answer(self) -> bool:
        """A gateway's way of saying the unit is silent: the poll failed, as on a timeout."""
        return self.code in NO_ANSWER_CODES


class PlanError(ValueError):
    """A field that cannot be read in one request under the profile's limits."""
