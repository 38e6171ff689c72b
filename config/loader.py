"""Load a site: YAML → validated models → cross-references checked against zones, buses and profiles."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.errors import ConfigError, ConfigIssue, InvalidValue, KeyPath
from config.feedback import check_feedback
from config.models import SiteConfig
from config.mqtt import MqttProfile
from config.notify import check_notify
from config.profiles import SHIPPED_PROFILES, Collected, collect_mqtt_profiles, collect_profiles
from config.serving import check_api
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
    """Load and check `path`; raise ConfigError naming every problem's file and line.

    Every problem at once: the cross-references (buses, zones, profiles, points, addresses) are
    checked on the data as written even when some values fail validation, so that one run of
    `anjing check-config` shows them all.
    """
    source = load_yaml(path, env)
    issues: list[ConfigIssue] = []
    config: SiteConfig | None = None
    try:
        config = validate(SiteConfig, source)
    except ConfigError as exc:
        issues.extend(exc.issues)
    data: dict[str, Any] = source.data if isinstance(source.data, dict) else {}
    folders, folder_issues = _profile_folders(data, source)
    modbus, mqtt = collect_profiles(folders), collect_mqtt_profiles(folders)
    issues.extend([*folder_issues, *modbus.issues, *mqtt.issues])
    flagged = {issue.key for issue in issues if issue.file == source.path}
    issues.extend(i for i in _cross_check(data, modbus, mqtt, source) if not _under(i.key, flagged))
    if issues or config is None:
        # the site file's issues by line, then those of its profile files
        raise ConfigError(sorted(issues, key=lambda i: (i.file != source.path, str(i.file), i.line or 0)))
    return Site(_with_mqtt_profiles(config, mqtt.profiles, source), modbus.profiles, path)


def _under(key: KeyPath, flagged: set[KeyPath]) -> bool:
    """Whether `key` or one of its parents already has an issue (a bad value is not also unknown)."""
    return any(key[:n] in flagged for n in range(1, len(key) + 1))


def _profile_folders(data: dict[str, Any], source: Source) -> tuple[list[Path], list[ConfigIssue]]:
    """The shipped profiles' folder, then the site's `profile_dirs` (beside the site file), whose
    profiles override shipped ones of the same id."""
    folders = [SHIPPED_PROFILES]
    issues: list[ConfigIssue] = []
    for i, folder in _entries(data.get("profile_dirs")):
        if not isinstance(folder, str):
            continue  # validation says what is wrong with it
        resolved = Path(folder) if Path(folder).is_absolute() else source.path.parent / folder
        if resolved.is_dir():
            folders.append(resolved)
        else:
            issues.append(
                source.issue(
                    ("profile_dirs", i),
                    f"配置文件夹不存在 / profile folder {folder!r} does not exist",
                    f"valid: an existing folder; relative paths start at the site file's folder ({resolved})",
                )
            )
    return folders, issues


def _with_mqtt_profiles(
    config: SiteConfig, profiles: Mapping[str, MqttProfile], source: Source
) -> SiteConfig:
    """`config` with each MQTT subscription completed by its `profile:` (ids checked already)."""
    if config.mqtt is None:
        return config
    subscriptions = []
    issues: list[ConfigIssue] = []
    for i, sub in enumerate(config.mqtt.subscriptions):
        try:
            subscriptions.append(sub.with_profile(profiles[sub.profile]) if sub.profile else sub)
        except InvalidValue as exc:
            key = ("mqtt", "subscriptions", i, exc.key or "profile")
            issues.append(source.issue(key, exc.message, exc.hint))
    if issues:
        raise ConfigError(issues)
    mqtt = config.mqtt.model_copy(update={"subscriptions": subscriptions})
    return config.model_copy(update={"mqtt": mqtt})


def _entries(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def _mappings(value: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(i, item) for i, item in _entries(value) if isinstance(item, dict)]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _whole(value: Any) -> int | None:
    """An address as pydantic would take it (1, 1.0, "1"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _cross_check(
    data: dict[str, Any], modbus: Collected[DeviceProfile], mqtt: Collected[MqttProfile], source: Source
) -> list[ConfigIssue]:
    """References between sections, on the data as written; values of the wrong type are skipped."""
    check = _CrossCheck(data, modbus, mqtt, source)
    check.unique_ids()
    check.devices()
    check.simulator()
    check.mqtt(data.get("mqtt"))
    return [
        *check.issues,
        *check_notify(data.get("notify"), source),
        *check_api(data.get("api"), source),
        *check_feedback(data, source),
    ]


class _CrossCheck:
    def __init__(
        self,
        data: dict[str, Any],
        modbus: Collected[DeviceProfile],
        mqtt: Collected[MqttProfile],
        source: Source,
    ) -> None:
        self.profiles, self.failed, self.source = modbus.profiles, modbus.failed, source
        self.mqtt_profiles = mqtt
        self.issues: list[ConfigIssue] = []
        self.sections = {name: _mappings(data.get(name)) for name in ("zones", "buses", "devices")}
        self.ids = {
            name: [(i, _text(item.get("id"))) for i, item in items] for name, items in self.sections.items()
        }
        self.zones = {ident for _, ident in self.ids["zones"] if ident is not None}
        self.buses = {ident for _, ident in self.ids["buses"] if ident is not None}
        self.device_profiles = {
            ident: _text(item.get("profile"))
            for (_, ident), (_, item) in zip(self.ids["devices"], self.sections["devices"], strict=True)
            if ident is not None
        }
        simulator = data.get("simulator")
        self.sim: dict[str, Any] = simulator if isinstance(simulator, dict) else {}

    def known(
        self, key: KeyPath, kind: str, value: str | None, valid: set[str] | Mapping[str, object]
    ) -> bool:
        """Whether `value` is one of `valid`; if not, an issue that names the valid ones."""
        if value is None:
            return False
        if value in valid:
            return True
        choices = sorted(valid)
        close = difflib.get_close_matches(value, choices, n=1)
        hint = (
            f"did you mean {close[0]!r}? " if close else ""
        ) + f"valid: {', '.join(choices) or '(none defined)'}"
        self.issues.append(self.source.issue(key, f"未知 {kind} / unknown {kind} {value!r}", hint))
        return False

    def unique_ids(self) -> None:
        for section, entries in self.ids.items():
            first: dict[str, int] = {}
            for i, ident in entries:
                if ident is None:
                    continue
                if ident in first:
                    line = self.source.line_of((section, first[ident], "id"))
                    self.issues.append(
                        self.source.issue(
                            (section, i, "id"),
                            f"id 重复 / duplicate id {ident!r}",
                            f"ids must be unique in {section}; {ident!r} is first used on line {line}",
                        )
                    )
                first.setdefault(ident, i)

    def devices(self) -> None:
        devices = self.sections["devices"]
        used = {(_text(d.get("bus")), _whole(d.get("address"))) for _, d in devices}
        addresses: dict[tuple[str, int], str] = {}
        for i, dev in devices:
            bus, address = _text(dev.get("bus")), _whole(dev.get("address"))
            self.known(("devices", i, "bus"), "bus", bus, self.buses)
            self.known(("devices", i, "zone"), "zone", _text(dev.get("zone")), self.zones)
            if bus is not None and address is not None:
                if (bus, address) in addresses:
                    free = next((a for a in range(1, 248) if (bus, a) not in used), None)
                    self.issues.append(
                        self.source.issue(
                            ("devices", i, "address"),
                            f"地址 {address} 已被 {addresses[bus, address]} 使用 / address {address} "
                            f"on bus {bus} is already used by {addresses[bus, address]}",
                            "each slave on a line needs its own address"
                            + (f"; {free} is free" if free else ""),
                        )
                    )
                addresses.setdefault((bus, address), _text(dev.get("id")) or f"devices[{i}]")
            self.points(i, dev)

    def points(self, i: int, dev: dict[str, Any]) -> None:
        profile_id = _text(dev.get("profile"))
        if profile_id is None or profile_id in self.failed:
            return  # a profile file that failed to load has its own issues
        if not self.known(("devices", i, "profile"), "profile", profile_id, self.profiles):
            return
        keys = {f.key for f in self.profiles[profile_id].fields}
        points = dev.get("points")
        for point, override in points.items() if isinstance(points, dict) else ():
            self.known(("devices", i, "points", point), f"point of {profile_id}", point, keys)
            if isinstance(override, dict):
                zone = _text(override.get("zone"))
                self.known(("devices", i, "points", point, "zone"), "zone", zone, self.zones)

    def simulator(self) -> None:
        for i, bus_id in _entries(self.sim.get("buses")):
            self.known(("simulator", "buses", i), "bus", _text(bus_id), self.buses)
        for i, event in _mappings(self.sim.get("events")):
            device = _text(event.get("device"))
            if device is None or not self.known(
                ("simulator", "events", i, "device"), "device", device, self.device_profiles
            ):
                continue
            profile = self.profiles.get(self.device_profiles[device] or "")
            point = _text(event.get("point"))
            if point is not None and profile is not None:
                keys = {f.key for f in profile.fields}
                self.known(("simulator", "events", i, "point"), f"point of {profile.id}", point, keys)

    def mqtt(self, section: Any) -> None:
        """MQTT subscriptions' profiles known; devices: zones known, ids unique among all devices
        (Modbus ones included)."""
        used = set(self.device_profiles)
        subscriptions = _mappings(section.get("subscriptions")) if isinstance(section, dict) else []
        for i, sub in subscriptions:
            profile = _text(sub.get("profile"))
            if profile not in self.mqtt_profiles.failed:  # a file that failed has its own issues
                where = ("mqtt", "subscriptions", i, "profile")
                self.known(where, "MQTT profile", profile, self.mqtt_profiles.profiles)
            devices = sub.get("devices")
            for name, device in devices.items() if isinstance(devices, dict) else ():
                if not isinstance(device, dict):
                    continue
                key: KeyPath = ("mqtt", "subscriptions", i, "devices", name)
                self.known((*key, "zone"), "zone", _text(device.get("zone")), self.zones)
                ident = _text(device.get("id"))
                if ident in used:
                    self.issues.append(
                        self.source.issue(
                            (*key, "id"),
                            f"id 重复 / duplicate device id {ident!r}",
                            "device ids must be unique",
                        )
                    )
                if ident is not None:
                    used.add(ident)
