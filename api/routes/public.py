"""The lobby kiosk's public subset (`/api/v1/public/zones`): no sign-in, nothing personal.

Only zones marked `public: true`, only their current air quality and lighting with a plain-words
rating (`api.kiosk` states the rule), the zone's names and the reading time: no device or sensor
ids, no alert details, no users, no notification data.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from api.deps import ContextDep
from api.kiosk import AIR_AND_LIGHT, kiosk_zone
from api.routes.readings import reading_public
from api.schemas import KioskZone

router = APIRouter(prefix="/api/v1/public", tags=["public"])
_SHOWN = {q.value for q in AIR_AND_LIGHT}


@router.get("/zones", response_model=list[KioskZone], summary="公共区域环境 / public zones for the kiosk")
async def public_zones(context: ContextDep) -> list[KioskZone]:
    """Air quality and lighting of the public zones, rated 优 / 良 / 超标 (good / fair / over the limit)."""
    zones = [z for z in context.site.config.zones if z.public]
    catalog = context.catalog
    wanted = [
        i.id for i in catalog.values() if i.zone in {z.id for z in zones} and i.quantity.value in _SHOWN
    ]
    now = datetime.now(UTC)
    readings = [
        reading_public(r, catalog.get(r.sensor), context, now) for r in await context.store.latest(wanted)
    ]
    zone_of = {i.id: i.zone for i in catalog.values()}
    return [kiosk_zone(context, z, [r for r in readings if zone_of.get(r.sensor) == z.id]) for z in zones]
