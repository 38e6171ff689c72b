"""Zones with their live state (`/api/v1/zones`): the worst of alerts, device health and data quality."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, status

from api.auth import Permission
from api.deps import ContextDep, require
from api.problems import problem_responses
from api.schemas import ZonePublic
from api.zonestate import ZoneSnapshot, snapshots
from config.models import Zone

router = APIRouter(prefix="/api/v1/zones", tags=["zones"], dependencies=[Depends(require(Permission.READ))])


def _public(zone: Zone, snapshot: ZoneSnapshot) -> ZonePublic:
    return ZonePublic(
        id=zone.id,
        name=zone.name,
        name_en=zone.name_en,
        kind=zone.kind.value,
        floor=zone.floor,
        public=zone.public,
        evacuation_route=zone.evacuation_route,
        state=snapshot.state,
        devices_online=snapshot.devices_online,
        devices_offline=snapshot.devices_offline,
        alerts=snapshot.alerts,
        readings=snapshot.readings,
    )


@router.get("", response_model=list[ZonePublic], summary="区域及其状态 / zones and their state")
async def list_zones(context: ContextDep) -> list[ZonePublic]:
    zones = context.site.config.zones
    found = await snapshots(context, [z.id for z in zones])
    return [_public(zone, snapshot) for zone, snapshot in zip(zones, found, strict=True)]


@router.get(
    "/{ident}",
    response_model=ZonePublic,
    summary="单个区域 / one zone",
    responses=problem_responses(404),
)
async def get_zone(ident: str, context: ContextDep) -> ZonePublic:
    zone = next((z for z in context.site.config.zones if z.id == ident), None)
    if zone is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"未知区域 / unknown zone {ident!r} — see /api/v1/zones"
        )
    (snapshot,) = await snapshots(context, [zone.id])
    return _public(zone, snapshot)
