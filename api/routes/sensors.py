"""The site's sensors: what each measures, in which unit, where."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ContextDep
from api.schemas import SensorPublic
from sensors.catalog import SensorInfo

router = APIRouter(prefix="/api/v1/sensors", tags=["sensors"])


def sensor_public(info: SensorInfo) -> SensorPublic:
    q = info.quantity.info
    return SensorPublic(
        id=info.id,
        name=info.name,
        device=info.device,
        zone=info.zone,
        quantity=info.quantity.value,
        quantity_name_zh=q.name_zh,
        quantity_name_en=q.name_en,
        unit=q.unit,
        states=list(q.states),
        bus=info.bus,
        address=info.address,
        profile=info.profile,
        poll_seconds=info.poll,
    )


@router.get("", response_model=list[SensorPublic], summary="传感器列表 / list sensors")
async def list_sensors(
    context: ContextDep,
    zone: Annotated[str | None, Query(description="only this zone's sensors", examples=["hall"])] = None,
) -> list[SensorPublic]:
    return [sensor_public(i) for i in context.catalog.values() if zone is None or i.zone == zone]
