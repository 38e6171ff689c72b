"""Load a site: YAML → validated models → cross-references checked against zones, buses and profiles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from config.errors import ConfigError, ConfigIssue
from config.models import SiteConfig
from config.profiles import SHIPPED_PROFILES, load_profiles
from config.source import Source, load_yaml
from config.validation import validate
from sensors import DeviceProfile


@dataclass(frozen=True, slots=True)
class Site:
    """A loaded, checked site: its config, the profiles its devices use, and where it came from."""

    config: SiteConfig
    profiles: Mapping[str, DeviceProfile]
    path: Path
    base_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_dir", self.path.parent)

    def resolve(self, path: Path) -> Path:
        """A path from the config, relative to the config file's folder."""
        return path if path.is_absolute() else self.base_dir / path


def load_site(path: Path, env: Mapping[str, str] | None = None) -> Site:
    """Load and check `path`; raise ConfigError naming every problem's file and line."""
    source = load_yaml(path, env)
    config = validate(SiteConfig, source)
    folders = [SHIPPED_PROFILES, *(p if p.is_absolute() else path.parent / p for p in config.profile_dirs)]
    profiles = load_profiles(folders)
    issues = _cross_check(config, profiles, source)
    if issues:
        raise ConfigError(issues)
    return Site(config, profiles, path)


def _cross_check(config: SiteConfig, profiles: Mapping[str, DeviceProfile], source: Source) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []

    def unique(section: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                issues.append(source.issue((section, i, "id"), f"id {ident!r} 重复 / is used twice", "ids must be unique"))
            seen.add(ident)

    unique("zones", [z.id for z in config.zones])
    unique("buses", [b.id for b in config.buses])
    unique("devices", [d.id for d in config.devices])
    zones = {z.id for z in config.zones}
    buses = {b.id for b in config.buses}

    def known(key: tuple[str | int, ...], kind: str, value: str, valid: set[str] | Mapping[str, object]) -> bool:
        if value in valid:
            return True
        issues.append(source.issue(key, f"未知 {kind} / unknown {kind} {value!r}", f"valid: {', '.join(sorted(valid)) or '(none defined)'}"))
        return False

    addresses: dict[tuple[str, int], str] = {}
    for i, dev in enumerate(config.devices):
        known(("devices", i, "bus"), "bus", dev.bus, buses)
        if dev.zone is not None:
            known(("devices", i, "zone"), "zone", dev.zone, zones)
        if (dev.bus, dev.address) in addresses:
            issues.append(
                source.issue(
                    ("devices", i, "address"),
                    f"地址 {dev.address} 已被 {addresses[dev.bus, dev.address]} 使用 / address {dev.address} "
                    f"on bus {dev.bus} is already used by {addresses[dev.bus, dev.address]}",
                    "each slave on a line needs its own address",
                )
            )
        addresses[dev.bus, dev.address] = dev.id
        if not known(("devices", i, "profile"), "profile", dev.profile, profiles):
            continue
        keys = {f.key for f in profiles[dev.profile].fields}
        for point, override in dev.points.items():
            known(("devices", i, "points", point), f"point of {dev.profile}", point, keys)
            if override.zone is not None:
                known(("devices", i, "points", point, "zone"), "zone", override.zone, zones)
    for i, bus_id in enumerate(config.simulator.buses):
        known(("simulator", "buses", i), "bus", bus_id, buses)
    devices = {d.id for d in config.devices}
    for i, event in enumerate(config.simulator.events):
        known(("simulator", "events", i, "device"), "device", event.device, devices)
    return issues
