"""Devices and their health: online state, last good read and error counters."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ContextDep
from api.schemas import DevicePublic
from api.timefmt import to_site
from collectors import DeviceStatus
from config.mqtt import MQTT_BUS, MqttDevice, mqtt_devices

router = APIRouter(prefix="/api/v1/devices", tags=["devices"])


@router.get("", response_model=list[DevicePublic], summary="设备状态 / device status")
async def list_devices(context: ContextDep) -> list[DevicePublic]:
    tz = context.site.config.site.tz
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
