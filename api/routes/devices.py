"""Devices and their health: online state, last good read and error counters."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ContextDep
from api.schemas import DevicePublic
from api.timefmt import to_site

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
    return out
