"""What a reloaded site changes, and which of it a running service can take without a restart.

Devices, buses, zones, points, profiles, `alerting:`, MQTT subscriptions and broker settings are
applied live. The store, the HTTP listener, the simulator, notifications, the emergency plan and the
demo's embedded MQTT broker are built once at start: a change there is reported as needing a restart
and not applied, so the site that runs is the new one with those parts as they run
(`SiteChanges.site`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from config.catalog import build_catalog
from config.loader import Site
from config.models import SiteConfig
from config.mqtt import Mqtt, mqtt_devices
from sensors.catalog import SensorInfo

RESTART_SECTIONS = (
    "storage",
    "api",
    "simulator",
    "notify",
    "safety",
    "feedback",
    "compliance",
    "heartbeat",
)  # built at start
MQTT_LIVE = frozenset({"subscriptions", "max_payload", "max_clock_skew"})  # the router's, not the link's
MQTT_RESTART = ("embedded", "publish")  # the demo broker and the state publisher


@dataclass(frozen=True, slots=True)
class SiteChanges:
    site: Site  # the site to run: the new one, with the parts that need a restart as they run now
    added: tuple[str, ...]  # device ids, Modbus and MQTT
    removed: tuple[str, ...]
    changed: tuple[str, ...]  # settings, points, profile or zone differ
    restart_needed: tuple[str, ...]  # keys whose new value waits for a restart (`storage.sqlite.path`)
    sections: tuple[str, ...]  # the top-level sections applied with a change (`zones`, `alerting`, …)
    mqtt_link: bool  # the broker settings changed: the MQTT connection must be made anew


def site_changes(old: Site, new: Site) -> SiteChanges:
    """Compare the running `old` site with the freshly loaded `new` one."""
    was, now = old.config, new.config
    restart = [key for section in RESTART_SECTIONS for key in _differences(section, was, now)]
    kept: dict[str, object] = {section: getattr(was, section) for section in RESTART_SECTIONS}
    mqtt, mqtt_restart, mqtt_link = _mqtt(was.mqtt, now.mqtt)
    restart += mqtt_restart
    kept["mqtt"] = mqtt
    site = Site(now.model_copy(update=kept), new.profiles, new.path)
    before, after = _devices(old), _devices(site)
    if was.simulator.enabled and before != after:
        restart.append("simulator (模拟设备 / simulated devices)")
    if was.safety is not None and before != after:
        restart.append("safety (预案的实时检查 / the plan's live checks of devices)")
    return SiteChanges(
        site=site,
        added=tuple(d for d in after if d not in before),
        removed=tuple(d for d in before if d not in after),
        changed=tuple(d for d in after if d in before and before[d] != after[d]),
        restart_needed=tuple(restart),
        sections=tuple(
            name for name in SiteConfig.model_fields if getattr(was, name) != getattr(site.config, name)
        ),
        mqtt_link=mqtt_link,
    )


def _mqtt(was: Mqtt | None, now: Mqtt | None) -> tuple[Mqtt | None, list[str], bool]:
    """The MQTT section to run, the keys that need a restart, whether the link must be renewed."""
    if was is None or now is None:
        return was, [] if was == now else ["mqtt"], False
    restart = [key for name in MQTT_RESTART for key in _differences(name, was, now, "mqtt")]
    link = [name for name in Mqtt.model_fields if name not in MQTT_LIVE and name not in MQTT_RESTART]
    link_changed = [key for name in link for key in _differences(name, was, now, "mqtt")]
    kept = list(MQTT_RESTART)
    if (was.embedded or now.embedded) and link_changed:  # the embedded broker listens where the link points
        restart += link_changed
        kept += link
        link_changed = []
    return now.model_copy(update={name: getattr(was, name) for name in kept}), restart, bool(link_changed)


def _differences(name: str, old: BaseModel, new: BaseModel, prefix: str = "") -> Iterator[str]:
    """The dotted keys under `name` whose values differ, down to the leaves of nested models."""
    a, b = getattr(old, name), getattr(new, name)
    key = f"{prefix}.{name}" if prefix else name
    if a == b:
        return
    if isinstance(a, BaseModel) and type(a) is type(b):
        for field in type(a).model_fields:
            yield from _differences(field, a, b, key)
    else:
        yield key


def _devices(site: Site) -> dict[str, tuple[object, ...]]:
    """Each device id → what defines it: its settings, its profile and its sensors as the catalog has them."""
    config: SiteConfig = site.config
    sensors: dict[str, list[SensorInfo]] = {}
    for info in build_catalog(site).values():
        sensors.setdefault(info.device, []).append(info)
    out: dict[str, tuple[object, ...]] = {
        d.id: (d, site.profiles[d.profile], tuple(sensors.get(d.id, ()))) for d in config.devices
    }
    for ident, device in mqtt_devices(config.mqtt).items():
        out[ident] = (device, tuple(sensors.get(ident, ())))
    return out
