"""The read plan: a device's fields merged into the fewest Modbus requests, as Telegraf's `request.go`.

On an RS-485 line every transaction costs a request frame, a turnaround and a response frame at a
few thousand baud, so reading nine registers once beats reading seven fields one by one. Fields of
one function code are merged in address order while the hole between them is at most `max_gap`
registers (reading unused registers is cheaper than another transaction) and the request stays
within the protocol's cap. A field is never split: a 32-bit value always comes from one answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from collectors.modbus.errors import PlanError
from sensors import MAX_BITS_PER_REQUEST, MAX_REGISTERS_PER_REQUEST, FieldSpec, FunctionCode

_ADDRESS_SPACE = 0x10000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """One read transaction: `count` registers (or bits) from `address`, and the fields they hold."""

    function_code: FunctionCode
    address: int
    count: int
    fields: tuple[FieldSpec, ...]

    @property
    def end(self) -> int:
        return self.address + self.count

    def raw(self, spec: FieldSpec, values: Sequence[T]) -> Sequence[T]:
        """The part of this request's answer that holds `spec`."""
        start = spec.address - self.address
        return values[start : start + spec.count]

    def __str__(self) -> str:
        unit = ("bit" if self.function_code.is_bits else "register") + ("s" if self.count > 1 else "")
        span = f"0x{self.address:04X}" + (f"–0x{self.end - 1:04X}" if self.count > 1 else "")
        return f"FC{self.function_code:02d} {span} ({self.count} {unit})"


def plan_requests(
    fields: Sequence[FieldSpec],
    *,
    max_registers: int = MAX_REGISTERS_PER_REQUEST,
    max_bits: int = MAX_BITS_PER_REQUEST,
    max_gap: int,
) -> list[ReadRequest]:
    """The fewest requests that read `fields`, by function code then address; PlanError if one cannot fit."""
    if not 1 <= max_registers <= MAX_REGISTERS_PER_REQUEST:
        raise ValueError(f"max_registers must be 1..{MAX_REGISTERS_PER_REQUEST}, not {max_registers}")
    if not 1 <= max_bits <= MAX_BITS_PER_REQUEST:
        raise ValueError(f"max_bits must be 1..{MAX_BITS_PER_REQUEST}, not {max_bits}")
    if max_gap < 0:
        raise ValueError(f"max_gap must be ≥ 0, not {max_gap}")
    requests: list[ReadRequest] = []
    for code in sorted({spec.function_code for spec in fields}):
        cap = max_bits if code.is_bits else max_registers
        group = sorted((s for s in fields if s.function_code is code), key=lambda s: (s.address, s.end))
        batch: list[FieldSpec] = []
        start = end = 0
        for spec in group:
            _check_fits(spec, cap)
            if batch and spec.address - end <= max_gap and max(end, spec.end) - start <= cap:
                batch.append(spec)
                end = max(end, spec.end)
                continue
            if batch:
                requests.append(ReadRequest(code, start, end - start, tuple(batch)))
            batch, start, end = [spec], spec.address, spec.end
        if batch:
            requests.append(ReadRequest(code, start, end - start, tuple(batch)))
    return requests


def _check_fits(spec: FieldSpec, cap: int) -> None:
    unit = "bits" if spec.function_code.is_bits else "registers"
    if spec.count > cap:
        raise PlanError(
            f"字段 {spec.key} 超过单次读取上限 / field {spec.key!r} at 0x{spec.address:04X} needs "
            f"{spec.count} {unit}, more than the {cap} one request may read"
        )
    if spec.end > _ADDRESS_SPACE:
        raise PlanError(
            f"字段 {spec.key} 超出地址范围 / field {spec.key!r} at 0x{spec.address:04X} runs past "
            f"the last address 0xFFFF"
        )
