"""The site itself (`/api/v1/site`): name, clock, opening hours, how much is watched."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends

from api.auth import Permission
from api.deps import ContextDep, require
from api.schemas import SitePublic
from config.mqtt import mqtt_devices

router = APIRouter(prefix="/api/v1/site", tags=["site"], dependencies=[Depends(require(Permission.READ))])


@router.get("", response_model=SitePublic, summary="站点概况 / the site")
async def site(context: ContextDep) -> SitePublic:
    config = context.site.config
    return SitePublic(
        name=config.site.name,
        name_en=config.site.name_en,
        timezone=config.site.timezone,
        opening_hours=dict(config.site.opening_hours),
        open_now=config.site.is_open(datetime.now(UTC)),
        zones=len(config.zones),
        devices=len(config.devices) + len(mqtt_devices(config.mqtt)),
        sensors=len(context.catalog),
        config_checksum=context.config_status.checksum,
    )
