"""Devices and their health: online state, last good read, error counters and request plan; and a
register probe for commissioning a device (admins)."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Permission, Principal
from api.deps import ContextDep, require
from api.problems import problem_responses
from api.schemas import DevicePublic
from api.timefmt import to_site
from collectors import DeviceStatus
from collectors.modbus.errors import DeviceExceptionError, DeviceTimeoutError, ModbusError
from collectors.modbus.planner import ReadRequest
from config.mqtt import MQTT_BUS, MqttDevice, mqtt_devices
from sensors import FunctionCode

router = APIRouter(prefix="/api/v1/devices", tags=["devices"])
Commissioner = Annotated[Principal, Depends(require(Permission.CONFIG))]


@router.get("", response_model=list[DevicePublic], summary="设备状态 / device status")
async def list_devices(context: ContextDep) -> list[DevicePublic]:
    tz = context.site.config.site.tz
    plans = context.modbus.plans if context.modbus else {}
    out = []
    for device in context.site.config.devices:
        status = context.board.get(device.id)
        online = status.online if status else None
        out.append(
            DevicePublic(
                device=device.id,
                name=device.name,
                bus=device.bus,
                address=device.address,
                profile=device.profile,
                zone=device.zone,
                state="unknown" if online is None else ("online" if online else "offline"),
                last_good=to_site(status.last_good, tz) if status and status.last_good else None,
                last_error=status.last_error if status else None,
                polls=status.polls if status else 0,
                failed_polls=status.failed_polls if status else 0,
                requests=status.requests if status else 0,
                timeouts=status.timeouts if status else 0,
                exceptions=status.exceptions if status else 0,
                plan=[str(request) for request in plans.get(device.id, [])],
            )
        )
    known = mqtt_devices(context.site.config.mqtt)
    out.extend(_mqtt_public(s, known.get(s.device), context) for s in context.board if s.bus == MQTT_BUS)
    return out


def _mqtt_public(status: DeviceStatus, device: MqttDevice | None, context: ContextDep) -> DevicePublic:
    """An MQTT device, or the broker connection itself (`mqtt:<client id>`, carrying unknown topics)."""
    online = status.online
    return DevicePublic(
        device=status.device,
        name=device.name if device else "MQTT 代理连接 / broker connection",
        bus=MQTT_BUS,
        address=0,
        profile="mqtt",
        zone=device.zone if device else None,
        state="unknown" if online is None else ("online" if online else "offline"),
        last_good=to_site(status.last_good, context.site.config.site.tz) if status.last_good else None,
        last_error=status.last_error,
        polls=0,
        failed_polls=status.failed_polls,
        requests=0,
        timeouts=0,
        exceptions=0,
        messages=status.messages,
        rejected=status.rejected,
    )


class ProbeIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"bus": "rs485-1", "unit": 9, "function": 3, "address": 0, "count": 10}]
        }
    )

    bus: str = Field(description="a configured Modbus bus with at least one device polled on it")
    unit: int = Field(ge=0, le=247, description="the device's Modbus address (unit id)")
    function: Literal[1, 2, 3, 4] = Field(
        description="1 coils, 2 discrete inputs, 3 holding, 4 input registers"
    )
    address: int = Field(ge=0, le=0xFFFF)
    count: int = Field(default=1, ge=1, le=125)
    timeout: float = Field(default=1.0, gt=0, le=10, description="seconds to wait for the answer")


class ProbeOut(BaseModel):
    values: list[int] = Field(description="registers as unsigned 16-bit integers, or bits as 0/1")
    hex: list[str] = Field(description="the same registers in hex, e.g. 0x01F4")
    elapsed_ms: float


@router.post(
    "/probe",
    response_model=ProbeOut,
    summary="寄存器探测 / read registers of a device for commissioning",
    responses=problem_responses(404, 502, 504),
)
async def probe(body: ProbeIn, context: ContextDep, actor: Commissioner) -> ProbeOut:
    """One read between the bus's polls (a serial line still carries one transaction at a time), to see
    what a new device answers before its profile is written. Audited as `device.probe`."""
    collector = context.modbus
    target = f"{body.bus} unit {body.unit} FC{body.function:02d} 0x{body.address:04X}+{body.count}"
    started = time.perf_counter()
    try:
        if collector is None or body.bus not in collector.pollers:
            raise KeyError(body.bus)
        async with asyncio.timeout(body.timeout + 5):  # the line may be busy with a slow poll first
            request = ReadRequest(FunctionCode(body.function), body.address, body.count, ())
            values = await collector.probe(body.bus, body.unit, request, answer_within=body.timeout)
    except KeyError:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"总线 {body.bus} 未在轮询 / bus {body.bus} is not polled: configure it with at least one device",
        ) from None
    except (DeviceTimeoutError, TimeoutError) as exc:
        await context.audit.record(actor, "device.probe", target, outcome=f"failed: {exc}")
        raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, f"设备无应答 / no answer: {exc}") from None
    except (DeviceExceptionError, ModbusError) as exc:
        await context.audit.record(actor, "device.probe", target, outcome=f"failed: {exc}")
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"设备拒绝或链路故障 / refused or link failed: {exc}"
        ) from None
    answer = [int(v) for v in values]
    await context.audit.record(actor, "device.probe", target, after={"values": answer})
    return ProbeOut(
        values=answer,
        hex=[f"0x{v:04X}" for v in answer],
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
    )
