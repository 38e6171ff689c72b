"""What a reloaded site changes, which of it waits for a restart, and the running config's checksum."""

from __future__ import annotations

import shutil
from pathlib import Path

from config import SHIPPED_PROFILES, Site, load_site
from config.changes import site_changes
from config.fingerprint import config_checksum
from tests.helpers import write_site

BASE = """
site: {name: 测试中心}
zones:
  - {id: hall, name: 服务大厅, kind: service_hall}
buses:
  - {id: gw, transport: tcp, host: 127.0.0.1, port: 1502}
devices:
  - {id: th-1, bus: gw, address: 1, profile: th-rs-ws-n01, zone: hall}
"""
MQTT = """
mqtt:
  url: mqtt://127.0.0.1:{port}
  protocol: "3.1.1"
  embedded: {embedded}
  keepalive: {keepalive}
  subscriptions:
    - topic: "lux/{{device}}"
      decoder: number
      fields: {{lux: {{quantity: illuminance}}}}
      devices: {{{devices}}}
"""


def site(folder: Path, extra: str = "", base: str = BASE, name: str = "site.yaml") -> Site:
    return load_site(write_site(folder, base, name=name, extra=extra))


def mqtt(
    *, port: int = 1883, embedded: bool = False, keepalive: str = "30s", devices: str = "hall: {id: lux-hall}"
) -> str:
    return MQTT.format(port=port, embedded=str(embedded).lower(), keepalive=keepalive, devices=devices)


def test_the_same_file_changes_nothing(tmp_path: Path) -> None:
    changes = site_changes(site(tmp_path, mqtt()), site(tmp_path, mqtt(), name="again.yaml"))
    assert (changes.added, changes.removed, changes.changed, changes.restart_needed) == ((), (), (), ())
    assert changes.sections == ()
    assert not changes.mqtt_link


def test_devices_added_removed_and_changed(tmp_path: Path) -> None:
    old = site(tmp_path, mqtt())
    new = site(
        tmp_path,
        mqtt(devices="hall: {id: lux-hall, zone: hall}, desk: {id: lux-desk}"),
        base=BASE.replace("address: 1,", "address: 2,")
        + "  - {id: th-2, bus: gw, address: 3, profile: th-rs-ws-n01}\n",
        name="new.yaml",
    )
    changes = site_changes(old, new)
    assert (changes.added, changes.removed, changes.changed) == (
        ("th-2", "lux-desk"),
        (),
        ("th-1", "lux-hall"),
    )
    assert changes.restart_needed == ()
    assert changes.sections == ("devices", "mqtt")
    assert not changes.mqtt_link  # new devices under a subscription: the same connection


def test_what_is_built_at_start_waits_for_a_restart_and_keeps_running_as_it_is(tmp_path: Path) -> None:
    old = site(tmp_path, "storage: {flush_interval: 1s}\napi: {port: 8000}\n")
    new = site(tmp_path, "storage: {flush_interval: 2s}\napi: {port: 8001}\n", name="new.yaml")
    changes = site_changes(old, new)
    assert changes.restart_needed == ("storage.flush_interval", "api.port")
    assert changes.site.config.storage == old.config.storage
    assert changes.site.config.api.port == 8000
    assert changes.sections == ()  # nothing of it applied
    assert changes.site.path == new.path


def test_broker_settings_renew_the_link_unless_the_embedded_broker_listens_there(tmp_path: Path) -> None:
    plain = site_changes(site(tmp_path, mqtt()), site(tmp_path, mqtt(keepalive="20s"), name="b.yaml"))
    assert plain.mqtt_link
    assert plain.restart_needed == ()
    embedded = site_changes(
        site(tmp_path, mqtt(embedded=True)),
        site(tmp_path, mqtt(embedded=True, port=1884, devices="desk: {id: lux-desk}"), name="c.yaml"),
    )
    assert not embedded.mqtt_link
    assert embedded.restart_needed == ("mqtt.url",)
    running = embedded.site.config.mqtt
    assert running is not None
    assert running.port == 1883  # as the broker listens
    assert (embedded.added, embedded.removed) == (("lux-desk",), ("lux-hall",))  # subscriptions: live
    switched = site_changes(site(tmp_path, mqtt()), site(tmp_path, mqtt(embedded=True), name="d.yaml"))
    assert switched.restart_needed == ("mqtt.embedded",)


def test_simulated_devices_change_with_a_restart(tmp_path: Path) -> None:
    sim = "simulator: {enabled: true}\n"
    changes = site_changes(
        site(tmp_path, sim),
        site(
            tmp_path,
            sim,
            base=BASE + "  - {id: th-2, bus: gw, address: 3, profile: th-rs-ws-n01}\n",
            name="n.yaml",
        ),
    )
    assert changes.added == ("th-2",)
    assert changes.restart_needed == ("simulator (模拟设备 / simulated devices)",)


def test_the_checksum_covers_the_profiles_and_not_the_folder(tmp_path: Path) -> None:
    first = tmp_path / "a"
    (first / "profiles").mkdir(parents=True)
    shutil.copy(SHIPPED_PROFILES / "th-rs-ws-n01.yaml", first / "profiles")  # overrides the shipped one
    own = BASE + "profile_dirs: [profiles]\n"
    original = config_checksum(site(first, base=own))
    assert original.startswith("sha256:")
    assert config_checksum(site(first, base=own)) == original  # the same files, the same checksum
    moved = shutil.copytree(first, tmp_path / "b")
    assert config_checksum(load_site(moved / "site.yaml")) == original
    profile = first / "profiles" / "th-rs-ws-n01.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("温度", "室温"), encoding="utf-8")
    assert config_checksum(load_site(first / "site.yaml")) != original
