"""The site's sensors: every enabled field of every device, named and placed in a zone."""

from __future__ import annotations

from config.loader import Site
from config.mqtt import mqtt_sensors
from sensors.catalog import SensorInfo, sensor_id


def build_catalog(site: Site) -> dict[str, SensorInfo]:
    """Sensors by id, in config order. A point override may rename, re-zone or disable a field."""
    catalog: dict[str, SensorInfo] = {}
    for device in site.config.devices:
        profile = site.profiles[device.profile]
        for spec in profile.fields:
            override = device.points.get(spec.key)
            if override is not None and not override.enabled:
                continue
            ident = sensor_id(device.id, spec.key)
            name = (
                override.name if override else ""
            ) or f"{device.name or device.id} {spec.name_zh or spec.key}"
            catalog[ident] = SensorInfo(
                id=ident,
                device=device.id,
                field=spec,
                name=name,
                zone=(override.zone if override and override.zone else None) or device.zone,
                bus=device.bus,
                address=device.address,
                profile=profile.id,
                poll=device.poll,
            )
    catalog.update(mqtt_sensors(site.config.mqtt))
    return catalog
