"""Loading a site: the demo loads, the catalog honours overrides, and every bad config names file, line,
key and what would be valid.

Each YAML is written out whole in its test, so the line numbers asserted can be counted by eye.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config import SHIPPED_PROFILES, ConfigError, ConfigIssue, RoomKind, Site, load_profile, load_site
from config.catalog import build_catalog
from config.errors import format_key
from config.types import parse_duration
from sensors import DataType, Quantity
from sensors.catalog import SensorInfo

DEMO = Path(__file__).parents[2] / "config" / "examples" / "demo-site.yaml"
SHIPPED_IDS = {
    "air-7in1",
    "co-transmitter",
    "door-monitor",
    "emergency-gateway",
    "extinguisher-gauge",
    "lux-nhzd210",
    "nh3-transmitter",
    "th-rs-ws-n01",
}


def write(folder: Path, text: str, name: str = "site.yaml") -> Path:
    """Write `text` (dedented; its first line is line 1) to `folder/name`."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def issues_of(path: Path, env: Mapping[str, str] | None = None) -> tuple[ConfigIssue, ...]:
    with pytest.raises(ConfigError) as caught:
        load_site(path, env={} if env is None else env)
    assert str(caught.value) == "\n".join(str(i) for i in caught.value.issues)
    return caught.value.issues


def only_issue(path: Path, env: Mapping[str, str] | None = None) -> ConfigIssue:
    issues = issues_of(path, env)
    assert len(issues) == 1, "\n".join(map(str, issues))
    return issues[0]


def check(
    issue: ConfigIssue,
    file: Path,
    line: int,
    key: tuple[str | int, ...],
    *,
    message: Iterable[str] = (),
    hint: Iterable[str] = (),
) -> None:
    """The issue names `file`, `line` and `key`, and says `message` and, as what is valid, `hint`."""
    assert (issue.file, issue.line, issue.key) == (file, line, key), str(issue)
    assert str(issue).startswith(f"{file}:{line}: {format_key(key)}: "), str(issue)
    for text in message:
        assert text in issue.message, str(issue)
    assert issue.hint, f"no hint of what would be valid: {issue}"
    for text in hint:
        assert text in issue.hint, str(issue)


def by_key(issues: Iterable[ConfigIssue]) -> dict[tuple[str | int, ...], ConfigIssue]:
    return {issue.key: issue for issue in issues}


# --- the demo site -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Site:
    return load_site(DEMO, env={})


@pytest.fixture(scope="module")
def catalog(demo: Site) -> dict[str, SensorInfo]:
    return build_catalog(demo)


class TestDemoSite:
    def test_counts(self, demo: Site) -> None:
        assert len(demo.config.devices) == 20
        assert len(demo.config.zones) == 11
        assert len(demo.config.buses) == 2
        assert demo.path == DEMO
        assert demo.base_dir == DEMO.parent

    def test_every_profile_used_exists(self, demo: Site) -> None:
        used = {device.profile for device in demo.config.devices}
        assert used <= set(demo.profiles)
        assert set(demo.profiles) == SHIPPED_IDS
        for profile_id, profile in demo.profiles.items():
            assert profile.id == profile_id

    def test_every_zone_and_bus_referenced_exists(self, demo: Site) -> None:
        zones = {z.id for z in demo.config.zones}
        buses = {b.id for b in demo.config.buses}
        for device in demo.config.devices:
            assert device.bus in buses
            assert device.zone is None or device.zone in zones
            assert all(p.zone is None or p.zone in zones for p in device.points.values())

    def test_values_as_written(self, demo: Site) -> None:
        rs485 = next(b for b in demo.config.buses if b.id == "rs485-1")
        assert (rs485.transport, rs485.timeout, rs485.frame_gap) == ("rtu-over-tcp", 0.5, 0.02)
        em = next(d for d in demo.config.devices if d.id == "em-ctrl")
        assert (em.bus, em.address, em.poll, em.zone) == ("lan", 1, 2.0, "fire-control")
        assert [e.at for e in demo.config.simulator.events] == [120.0, 180.0, 240.0, 360.0, 300.0, 480.0]
        assert demo.config.site.tz.key == "Asia/Shanghai"
        assert demo.resolve(Path("x.db")) == DEMO.parent / "x.db"

    @pytest.mark.parametrize(
        ("when", "is_open"),
        [
            (datetime(2025, 3, 10, 1, 0, tzinfo=UTC), True),  # Monday 09:00 in Shanghai
            (datetime(2025, 3, 10, 5, 0, tzinfo=UTC), False),  # Monday 13:00: lunch break
            (datetime(2025, 3, 10, 9, 29, tzinfo=UTC), True),  # Monday 17:29
            (datetime(2025, 3, 10, 9, 30, tzinfo=UTC), False),  # Monday 17:30: closed
            (datetime(2025, 3, 15, 2, 0, tzinfo=UTC), True),  # Saturday 10:00
            (datetime(2025, 3, 16, 2, 0, tzinfo=UTC), False),  # Sunday 10:00
        ],
        ids=["mon-0900", "mon-1300", "mon-1729", "mon-1730", "sat-1000", "sun-1000"],
    )
    def test_opening_hours_in_the_site_timezone(self, demo: Site, when: datetime, is_open: bool) -> None:
        assert demo.config.site.is_open(when) is is_open


class TestCatalog:
    def test_every_enabled_field_of_every_device(self, catalog: dict[str, SensorInfo]) -> None:
        # 5 air × 7 + 3 th × 2 + 5 lux × 1 + gateway 22 − 1 disabled + doors 8 + 3 gauges × 2
        # + NH3 transmitter × 3 (RH, temperature, NH3) + CO transmitter × 1
        # + MQTT: 2 Zigbee doors, 1 exit radar, Tasmota CO2 × 3, lighting gateway × 2
        assert len(catalog) == 35 + 6 + 5 + 21 + 8 + 6 + 3 + 1 + 8
        assert next(iter(catalog)) == "aq-hall-1.pm2_5"  # config order

    def test_disabled_point_is_left_out(self, catalog: dict[str, SensorInfo]) -> None:
        assert "em-ctrl.lamp_8" not in catalog
        assert "em-ctrl.lamp_8_battery" in catalog  # only the point named is disabled
        assert "em-ctrl.lamp_7" in catalog

    def test_point_override_names_and_zones(self, catalog: dict[str, SensorInfo]) -> None:
        lamp = catalog["em-ctrl.lamp_1"]
        assert (lamp.name, lamp.zone) == ("东楼梯间应急灯（1F）", "stair-e")
        assert catalog["em-ctrl.lamp_7"].zone == "parking"
        assert catalog["em-ctrl.discharge_test_age"].zone == "fire-control"  # the controller's self-tests
        door = catalog["door-mon.door_4"]
        assert (door.name, door.zone) == ("大厅主出口门", "hall")

    def test_defaults_without_override(self, catalog: dict[str, SensorInfo]) -> None:
        hcho = catalog["aq-hall-1.hcho"]
        assert (hcho.name, hcho.zone) == ("大厅空气质量（东） 甲醛", "hall")
        # a point without an override takes the device's zone
        power = catalog["em-ctrl.main_power"]
        assert (power.name, power.zone) == ("应急照明控制器 主电源", "fire-control")

    def test_sensor_info(self, catalog: dict[str, SensorInfo]) -> None:
        lamp = catalog["em-ctrl.lamp_3"]
        assert (lamp.id, lamp.device, lamp.bus, lamp.address, lamp.profile, lamp.poll) == (
            "em-ctrl.lamp_3",
            "em-ctrl",
            "lan",
            1,
            "emergency-gateway",
            2.0,
        )
        assert lamp.quantity is Quantity.LAMP_STATE
        lux = catalog["lux-hall-2.illuminance"]
        assert (lux.field.data_type, lux.unit, lux.address) == (DataType.UINT32, "lx", 9)
        assert catalog["ext-hall.pressure"].unit == "MPa"

    def test_every_sensor_is_in_a_known_zone_or_none(
        self, demo: Site, catalog: dict[str, SensorInfo]
    ) -> None:
        zones = {z.id for z in demo.config.zones}
        assert all(info.zone is None or info.zone in zones for info in catalog.values())


# --- site files with problems -------------------------------------------------------------------------


def test_unknown_room_kind_lists_the_valid_kinds(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
          - id: lab
            name: 实验室
            kind: laboratory
        """,
    )
    issue = only_issue(path)
    check(issue, path, 6, ("zones", 1, "kind"), message=["'laboratory'"], hint=[k.value for k in RoomKind])
    assert issue.message.startswith("取值无效 / invalid value")


def test_close_room_kind_is_suggested(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: servicehall}
        """,
    )
    check(only_issue(path), path, 3, ("zones", 0, "kind"), hint=["did you mean 'service_hall'?"])


@pytest.mark.parametrize(
    ("text", "line", "key", "suggestion"),
    [
        (
            """
            site:
              name: 测试中心
              timezome: Asia/Shanghai
            zones:
              - {id: hall, name: 大厅, kind: service_hall}
            """,
            3,
            ("site", "timezome"),
            "timezone",
        ),
        (
            """
            site: {name: 测试中心}
            zones:
              - {id: hall, name: 大厅, kind: service_hall}
            buses:
              - id: lan
                transport: tcp
                host: 10.0.0.5
                timout: 1s
            """,
            8,
            ("buses", 0, "timout"),
            "timeout",
        ),
        (
            """
            site: {name: 测试中心}
            zones:
              - {id: hall, name: 大厅, kind: service_hall}
            devise:
              - {id: th-1}
            """,
            4,
            ("devise",),
            "devices",
        ),
    ],
    ids=["site", "bus", "top-level"],
)
def test_unknown_key_with_a_close_match(
    tmp_path: Path, text: str, line: int, key: tuple[str | int, ...], suggestion: str
) -> None:
    path = write(tmp_path, text)
    issue = only_issue(path)
    check(issue, path, line, key, message=["未知配置项 / unknown key", repr(key[-1])])
    assert issue.hint.startswith(f"did you mean {suggestion!r}? valid keys: ")


def test_unknown_key_without_a_close_match_lists_the_valid_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心, colour: blue}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        """,
    )
    issue = only_issue(path)
    check(issue, path, 1, ("site", "colour"))
    assert issue.hint == "valid keys: molar_volume, name, name_en, opening_hours, public_url, timezone"


def test_unknown_references(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        buses:
          - {id: lan, transport: tcp, host: 127.0.0.1}
        devices:
          - id: th-1
            bus: lan
            address: 1
            profile: th-rs-ws-n01
            zone: hal
          - id: th-2
            bus: rs485
            address: 2
            profile: th-rs-ws-n02
        """,
    )
    issues = issues_of(path)
    assert [i.line for i in issues] == [11, 13, 15]
    zone, bus, profile = issues
    check(zone, path, 11, ("devices", 0, "zone"), message=["未知 zone / unknown zone 'hal'"], hint=["'hall'"])
    check(bus, path, 13, ("devices", 1, "bus"), message=["unknown bus 'rs485'"], hint=["valid: lan"])
    check(
        profile,
        path,
        15,
        ("devices", 1, "profile"),
        message=["unknown profile 'th-rs-ws-n02'"],
        hint=["did you mean 'th-rs-ws-n01'?", *sorted(SHIPPED_IDS)],
    )


def test_unknown_points_and_their_zones(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        buses:
          - {id: lan, transport: tcp, host: 127.0.0.1}
        devices:
          - id: em
            bus: lan
            address: 1
            profile: emergency-gateway
            points:
              lamp_9: {name: 九号灯}
              lamp_1: {zone: roof}
        simulator:
          buses: [lan, wifi]
          events:
            - {at: 1m, device: em, point: lamp_10, kind: lamp_fault}
            - {at: 2m, device: ghost, kind: dead}
            - {at: 3m, device: em, point: lamp_2, kind: lamp_fault}
        """,
    )
    found = by_key(issues_of(path))
    assert len(found) == 5
    check(
        found["devices", 0, "points", "lamp_9"], path, 12, ("devices", 0, "points", "lamp_9"), hint=["lamp_8"]
    )
    check(
        found["devices", 0, "points", "lamp_1", "zone"], path, 13, ("devices", 0, "points", "lamp_1", "zone")
    )
    check(found["simulator", "buses", 1], path, 15, ("simulator", "buses", 1), hint=["valid: lan"])
    check(
        found["simulator", "events", 0, "point"],
        path,
        17,
        ("simulator", "events", 0, "point"),
        message=["'lamp_10'"],
        hint=["lamp_1_battery"],
    )
    check(
        found["simulator", "events", 1, "device"], path, 18, ("simulator", "events", 1, "device"), hint=["em"]
    )


def test_duplicate_ids_name_the_first_use(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
          - {id: hall, name: 二楼大厅, kind: lobby}
        buses:
          - {id: lan, transport: tcp, host: 127.0.0.1}
        devices:
          - {id: th-1, bus: lan, address: 1, profile: th-rs-ws-n01}
          - {id: th-1, bus: lan, address: 2, profile: th-rs-ws-n01}
        """,
    )
    zone, device = issues_of(path)
    check(zone, path, 4, ("zones", 1, "id"), message=["duplicate id 'hall'"], hint=["first used on line 3"])
    check(
        device, path, 9, ("devices", 1, "id"), message=["duplicate id 'th-1'"], hint=["first used on line 8"]
    )


def test_duplicate_address_on_a_bus(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        buses:
          - {id: lan, transport: tcp, host: 127.0.0.1}
          - {id: rs485, transport: rtu, port: /dev/ttyUSB0}
        devices:
          - {id: th-1, bus: lan, address: 1, profile: th-rs-ws-n01}
          - {id: th-2, bus: rs485, address: 1, profile: th-rs-ws-n01}
          - {id: th-3, bus: lan, address: 2, profile: th-rs-ws-n01}
          - {id: th-4, bus: lan, address: 1, profile: th-rs-ws-n01}
        """,
    )
    check(
        only_issue(path),
        path,
        11,
        ("devices", 3, "address"),
        message=["address 1 on bus lan is already used by th-1"],
        hint=["own address", "3 is free"],
    )


def test_missing_required_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅}
        buses:
          - {id: lan, transport: tcp, host: 127.0.0.1}
        devices:
          - id: th-1
            address: 1
            profile: th-rs-ws-n01
        """,
    )
    kind, bus = issues_of(path)
    check(
        kind,
        path,
        3,
        ("zones", 0, "kind"),
        message=["缺少必填项 / required key 'kind' is missing"],
        hint=["add kind: one of service_hall, office"],
    )
    check(bus, path, 7, ("devices", 0, "bus"), message=["'bus' is missing"], hint=["add bus: an id"])


def test_missing_top_level_section(tmp_path: Path) -> None:
    path = write(tmp_path, "site: {name: 测试中心}\n")
    check(only_issue(path), path, 1, ("zones",), message=["'zones' is missing"], hint=["add zones: a list"])


def test_bad_duration(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        buses:
          - {id: lan, transport: tcp, host: 127.0.0.1, timeout: 1s}
        devices:
          - id: th-1
            bus: lan
            address: 1
            profile: th-rs-ws-n01
            poll: 10 seconds
            backoff_max: true
        """,
    )
    poll, backoff = issues_of(path)
    check(
        poll,
        path,
        11,
        ("devices", 0, "poll"),
        message=["不是时长 / not a duration: '10 seconds'"],
        hint=["500ms", "10s", "5m"],
    )
    # YAML true is no duration (pydantic alone would take it as 1.0 s)
    check(backoff, path, 12, ("devices", 0, "backoff_max"), message=["not a duration: True"])


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("10s", 10.0),
        ("1.5s", 1.5),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1d", 86400.0),
        ("30", 30.0),
    ],
)
def test_durations(tmp_path: Path, text: str, seconds: float) -> None:
    path = write(
        tmp_path,
        f"""
        site: {{name: 测试中心}}
        zones:
          - {{id: hall, name: 大厅, kind: service_hall}}
        buses:
          - {{id: lan, transport: tcp, host: 127.0.0.1}}
        devices:
          - {{id: th-1, bus: lan, address: 1, profile: th-rs-ws-n01, poll: {text}}}
        """,
    )
    assert load_site(path, env={}).config.devices[0].poll == seconds
    assert parse_duration(text) == seconds


def test_duration_out_of_bounds_says_the_bounds(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        buses:
          - {id: lan, transport: tcp, host: 127.0.0.1, timeout: 2m}
        """,
    )
    check(
        only_issue(path),
        path,
        5,
        ("buses", 0, "timeout"),
        message=["超出范围 / out of range"],
        hint=["≤ 60 s"],
    )


def test_bad_timezone(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site:
          name: 测试中心
          timezone: Asia/Beijing
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        """,
    )
    check(
        only_issue(path),
        path,
        3,
        ("site", "timezone"),
        message=["未知时区 / unknown timezone 'Asia/Beijing'"],
        hint=["Asia/Shanghai"],
    )


def test_bad_opening_hours_each_on_its_own_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site:
          name: 测试中心
          opening_hours:
            mon-fri: "8:30-12"
            sat: "09:00-12:00"
            holiday: "09:00-10:00"
            sun: "17:00-08:00"
            mon-wed: "08:00-25:00"
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        """,
    )
    found = by_key(issues_of(path))
    assert set(found) == {
        ("site", "opening_hours", "mon-fri"),
        ("site", "opening_hours", "holiday"),
        ("site", "opening_hours", "sun"),
        ("site", "opening_hours", "mon-wed"),
    }
    check(
        found["site", "opening_hours", "mon-fri"],
        path,
        4,
        ("site", "opening_hours", "mon-fri"),
        message=["bad opening span '8:30-12'"],
        hint=["HH:MM-HH:MM", "08:30-12:00,14:00-17:30"],
    )
    check(
        found["site", "opening_hours", "holiday"],
        path,
        6,
        ("site", "opening_hours", "holiday"),
        message=["unknown day 'holiday'"],
        hint=["mon-fri"],
    )
    check(
        found["site", "opening_hours", "sun"],
        path,
        7,
        ("site", "opening_hours", "sun"),
        message=["ends before"],
    )
    check(
        found["site", "opening_hours", "mon-wed"],
        path,
        8,
        ("site", "opening_hours", "mon-wed"),
        hint=["00–23"],
    )


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            """
            site:
              name: 测试中心
            zones:
              - {id: hall, name: 大厅, kind: service_hall}
              - id: office
                name: 办公室: 二楼
                kind: office
            """,
            6,
            "mapping values are not allowed here",
        ),
        (
            """
            site:
              name: 测试中心
            zones:
             - {id: hall, name: 大厅, kind: service_hall}
              - {id: office, name: 办公室, kind: office}
            """,
            5,
            "block collection started on line 4",
        ),
        (
            """
            site:
              name: 测试中心
            zones:
              - {id: hall, name: 大厅, kind: service_hall
              - {id: office, name: 办公室, kind: office}
            """,
            5,
            "flow mapping started on line 4",
        ),
    ],
    ids=["colon-in-value", "indentation", "unclosed-brace"],
)
def test_yaml_syntax_error_names_the_line(tmp_path: Path, text: str, line: int, problem: str) -> None:
    path = write(tmp_path, text)
    check(
        only_issue(path),
        path,
        line,
        (),
        message=["YAML 语法错误 / YAML syntax error", problem],
        hint=["缩进"],
    )


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site:
          name: 测试中心
          name: 另一个中心
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        """,
    )
    check(only_issue(path), path, 3, (), message=["duplicate key", "name"], hint=["keep only one"])


def test_yaml_merge_keys_are_allowed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - &office {id: office-1, name: 办公室, kind: office, floor: 2F}
          - {<<: *office, id: office-2, name: 咨询室}
          - <<: *office
            id: office-3
            kind: meeting_room
            colour: blue
        """,
    )
    issue = only_issue(path)  # the merged zone is checked like any other
    check(issue, path, 8, ("zones", 2, "colour"))
    path.write_text(path.read_text(encoding="utf-8").replace("    colour: blue\n", ""), encoding="utf-8")
    zones = load_site(path, env={}).config.zones
    assert [(z.id, z.name, z.kind, z.floor) for z in zones[1:]] == [
        ("office-2", "咨询室", RoomKind.OFFICE, "2F"),
        ("office-3", "办公室", RoomKind.MEETING_ROOM, "2F"),
    ]


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "# nothing yet\n")
    check(only_issue(path), path, 1, (), message=["应为映射 / expected a mapping"], hint=["site", "zones"])


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    issue = only_issue(path)
    assert (issue.file, issue.line) == (path, None)
    assert "无法读取 / cannot read" in issue.message
    assert str(issue).startswith(f"{path}: ")


class TestTypeErrorsSayWhatIsValid:
    """Pydantic's bare "Input should be a valid number" becomes the value given and the valid range."""

    @pytest.fixture
    def issues(self, tmp_path: Path) -> tuple[Path, dict[tuple[str | int, ...], ConfigIssue]]:
        path = write(
            tmp_path,
            """
            site: {name: 测试中心, molar_volume: warm}
            zones:
              - {id: hall, name: 大厅, kind: service_hall, public: maybe}
              - {id: Hall-2, name: 大厅二, kind: lobby}
            buses:
              - {id: lan, transport: tcp, host: 127.0.0.1, port: 70000}
              - {id: com, transport: serial, port: /dev/ttyS0}
              - {id: com2, port: /dev/ttyS1}
              - {id: com3, transport: rtu, port: /dev/ttyS2, baudrate: 4000}
            devices:
              - {id: th-1, bus: lan, address: one, profile: th-rs-ws-n01}
              - [th-2, lan, 2]
            """,
        )
        return path, by_key(issues_of(path))

    def test_every_problem_at_once(
        self, issues: tuple[Path, dict[tuple[str | int, ...], ConfigIssue]]
    ) -> None:
        path, found = issues
        assert {(i.line, i.key) for i in found.values()} == {
            (1, ("site", "molar_volume")),
            (3, ("zones", 0, "public")),
            (4, ("zones", 1, "id")),
            (6, ("buses", 0, "port")),
            (7, ("buses", 1, "transport")),
            (8, ("buses", 2, "transport")),
            (9, ("buses", 3, "baudrate")),
            (11, ("devices", 0, "address")),
            (12, ("devices", 1)),
        }
        assert all(i.file == path and i.hint for i in found.values())

    def test_number(self, issues: tuple[Path, dict[tuple[str | int, ...], ConfigIssue]]) -> None:
        path, found = issues
        check(
            found["site", "molar_volume"],
            path,
            1,
            ("site", "molar_volume"),
            message=["取值无效 / invalid value 'warm'"],
            hint=["a number > 20 and < 30"],
        )
        check(
            found["devices", 0, "address"],
            path,
            11,
            ("devices", 0, "address"),
            hint=["whole number ≥ 0 and ≤ 255"],
        )

    def test_bool(self, issues: tuple[Path, dict[tuple[str | int, ...], ConfigIssue]]) -> None:
        path, found = issues
        check(
            found["zones", 0, "public"],
            path,
            3,
            ("zones", 0, "public"),
            message=["'maybe'"],
            hint=["true or false"],
        )

    def test_identifier(self, issues: tuple[Path, dict[tuple[str | int, ...], ConfigIssue]]) -> None:
        path, found = issues
        check(
            found["zones", 1, "id"],
            path,
            4,
            ("zones", 1, "id"),
            message=["'Hall-2'"],
            hint=["lowercase", "hall-1"],
        )

    def test_range(self, issues: tuple[Path, dict[tuple[str | int, ...], ConfigIssue]]) -> None:
        path, found = issues
        check(
            found["buses", 0, "port"],
            path,
            6,
            ("buses", 0, "port"),
            message=["超出范围 / out of range 70000"],
            hint=["≥ 1 and ≤ 65535"],
        )

    def test_transport(self, issues: tuple[Path, dict[tuple[str | int, ...], ConfigIssue]]) -> None:
        path, found = issues
        valid = "valid transport: tcp, rtu-over-tcp, rtu"
        check(
            found["buses", 1, "transport"],
            path,
            7,
            ("buses", 1, "transport"),
            message=["'serial'"],
            hint=[valid],
        )
        check(
            found["buses", 2, "transport"],
            path,
            8,
            ("buses", 2, "transport"),
            message=["is missing"],
            hint=[valid],
        )

    def test_choices(self, issues: tuple[Path, dict[tuple[str | int, ...], ConfigIssue]]) -> None:
        path, found = issues
        check(
            found["buses", 3, "baudrate"],
            path,
            9,
            ("buses", 3, "baudrate"),
            message=["4000"],
            hint=["4800, 9600"],
        )

    def test_mapping(self, issues: tuple[Path, dict[tuple[str | int, ...], ConfigIssue]]) -> None:
        path, found = issues
        check(
            found["devices", 1],
            path,
            12,
            ("devices", 1),
            message=["应为映射 / expected a mapping", "got a list"],
            hint=["required: id, bus, address, profile"],
        )

    def test_no_pydantic_phrasing_left_bare(
        self, issues: tuple[Path, dict[tuple[str | int, ...], ConfigIssue]]
    ) -> None:
        _, found = issues
        for issue in found.values():
            assert not issue.message.startswith("Input should"), str(issue)
            assert " / " in issue.message, f"not Chinese first: {issue}"


def test_schema_and_reference_problems_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 服务大厅, kind: service_hal}
        buses:
          - {id: lan, transport: tcp, host: 127.0.0.1, port: 0}
        devices:
          - {id: aq-1, bus: nowhere, address: 1, profile: air-7in1, zone: hall}
          - {id: aq-2, bus: Lan, address: 2, profile: air-7in1}
          - {id: aq-3, bus: lan, address: 1, profile: air-7in1, zone: lobby}
        """,
    )
    issues = issues_of(path)
    assert [(i.line, i.key) for i in issues] == [
        (3, ("zones", 0, "kind")),
        (5, ("buses", 0, "port")),
        (7, ("devices", 0, "bus")),
        (8, ("devices", 1, "bus")),  # once: an invalid id is not also reported as an unknown bus
        (9, ("devices", 2, "zone")),
    ]
    assert "unknown bus 'nowhere'" in issues[2].message
    assert "invalid value 'Lan'" in issues[3].message
    assert "unknown zone 'lobby'" in issues[4].message


def test_a_broken_profile_is_not_also_unknown(tmp_path: Path) -> None:
    profile = write(
        tmp_path,
        """
        id: my-co2
        name: 二氧化碳变送器
        fields:
          - {key: co2, quantity: co2, address: 0, unit: mg/m3}
        """,
        name="profiles/my-co2.yaml",
    )
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        buses:
          - {id: lan, transport: tcp, host: 127.0.0.1}
        devices:
          - {id: co2-1, bus: lan, address: 1, profile: my-co2, zone: hall}
          - {id: co2-2, bus: lan, address: 1, profile: my-co2, zone: hall}
        profile_dirs: [profiles]
        """,
    )
    site_issue, profile_issue = issues_of(path)  # the site file's first, then the profile's
    check(site_issue, path, 8, ("devices", 1, "address"), message=["already used by co2-1"])
    check(profile_issue, profile, 4, ("fields", 0, "unit"), message=["'mg/m3'", "'ppm'"])


# --- environment variables ----------------------------------------------------------------------------

ENV_SITE = """
site:
  name: 测试中心
  name_en: ${SITE_NAME_EN:-Test Center}
zones:
  - {id: hall, name: 大厅, kind: service_hall}
buses:
  - id: lan
    transport: tcp
    host: ${GATEWAY_HOST}
    port: ${GATEWAY_PORT:-502}
api:
  host: ${API_HOST:-127.0.0.1}
# any string value; the notification settings will carry the real WeCom robot key
storage:
  sqlite: {path: "data/${WECOM_KEY}.db"}
"""


def test_missing_environment_variables_name_the_variable_and_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, ENV_SITE)
    host, key = issues_of(path, env={})
    check(
        host,
        path,
        9,
        ("buses", 0, "host"),
        message=["环境变量 GATEWAY_HOST 未设置 / environment variable GATEWAY_HOST is not set"],
        hint=["${GATEWAY_HOST:-default}"],
    )
    check(key, path, 15, ("storage", "sqlite", "path"), message=["WECOM_KEY"], hint=["export WECOM_KEY="])


def test_environment_variables_and_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, ENV_SITE)
    config = load_site(path, env={"GATEWAY_HOST": "10.0.0.5", "WECOM_KEY": "k-123"}).config
    bus = config.buses[0]
    assert (bus.host, bus.port) == ("10.0.0.5", 502)  # type: ignore[union-attr]
    assert config.site.name_en == "Test Center"
    assert config.api.host == "127.0.0.1"
    assert config.storage.sqlite.path == Path("data/k-123.db")  # substituted inside a longer string


def test_environment_variable_overrides_its_default(tmp_path: Path) -> None:
    path = write(tmp_path, ENV_SITE)
    env = {"GATEWAY_HOST": "gw", "WECOM_KEY": "k", "GATEWAY_PORT": "1502", "SITE_NAME_EN": "Chengguan"}
    config = load_site(path, env=env).config
    assert config.buses[0].port == 1502
    assert config.site.name_en == "Chengguan"


def test_empty_environment_variable_takes_the_default(tmp_path: Path) -> None:
    # as in the shell and Docker Compose: `${X:-default}` replaces an unset *or empty* X
    path = write(tmp_path, ENV_SITE)
    config = load_site(path, env={"GATEWAY_HOST": "gw", "WECOM_KEY": "k", "API_HOST": ""}).config
    assert config.api.host == "127.0.0.1"


def test_environment_value_is_validated_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, ENV_SITE)
    issue = only_issue(path, env={"GATEWAY_HOST": "gw", "WECOM_KEY": "k", "GATEWAY_PORT": "http"})
    check(issue, path, 10, ("buses", 0, "port"), message=["'http'"], hint=["≤ 65535"])


def test_process_environment_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, ENV_SITE)
    monkeypatch.setenv("GATEWAY_HOST", "from-env")
    monkeypatch.setenv("WECOM_KEY", "k")
    assert load_site(path).config.buses[0].host == "from-env"  # type: ignore[union-attr]


# --- profiles ----------------------------------------------------------------------------------------


def profile_issue(path: Path) -> ConfigIssue:
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    assert len(caught.value.issues) == 1, str(caught.value)
    return caught.value.issues[0]


def test_shipped_profiles_load() -> None:
    for path in sorted(SHIPPED_PROFILES.glob("*.yaml")):
        assert load_profile(path).id == path.stem


def test_profile_unknown_state_label(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        id: my-door
        name: 门磁
        fields:
          - key: door_1
            quantity: door_state
            address: 0
            states: {0: closed, 1: ajar}
        """,
        name="my-door.yaml",
    )
    check(
        profile_issue(path),
        path,
        7,
        ("fields", 0, "states"),
        message=["未知状态 / unknown state(s) 'ajar' for door_state"],
        hint=["valid: closed, open, fault"],
    )


def test_profile_states_on_a_measurement(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        id: my-th
        name: 温湿度
        fields:
          - key: humidity
            quantity: humidity
            address: 0
            states: {0: ok}
        """,
        name="my-th.yaml",
    )
    check(profile_issue(path), path, 7, ("fields", 0, "states"), hint=["door_state", "lamp_state"])


def test_profile_inconvertible_unit(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        id: my-air
        name: 空气
        fields:
          - {key: pm2_5, quantity: pm2_5, address: 0}
          - key: hcho
            quantity: hcho
            address: 5
            unit: lux
        """,
        name="my-air.yaml",
    )
    check(
        profile_issue(path),
        path,
        8,
        ("fields", 1, "unit"),
        message=["单位无法换算 / unit 'lux' cannot be converted to 'mg/m³' for hcho"],
        hint=["'mg/m³'", "ppb", "ug/m3"],
    )


def test_profile_reversed_valid_range(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        id: my-th
        name: 温湿度
        fields:
          - {key: humidity, quantity: humidity, address: 0,
             valid: [100, 0]}
        """,
        name="my-th.yaml",
    )
    check(profile_issue(path), path, 5, ("fields", 0, "valid"), message=["[100, 0]"], hint=["min ≤ max"])


def test_profile_duplicate_field_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        id: my-th
        name: 温湿度
        fields:
          - {key: humidity, quantity: humidity, address: 0, scale: 0.1}
          - {key: humidity, quantity: temperature, address: 1, data_type: int16, scale: 0.1}
        """,
        name="my-th.yaml",
    )
    check(profile_issue(path), path, 5, ("fields", 1, "key"), message=["duplicate field key 'humidity'"])


def test_profile_id_differs_from_the_file_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        # my own temperature/humidity transmitter
        id: my-thx
        name: 温湿度
        fields:
          - {key: humidity, quantity: humidity, address: 0}
        """,
        name="my-th.yaml",
    )
    check(
        profile_issue(path),
        path,
        2,
        ("id",),
        message=["'my-thx'", "'my-th.yaml'"],
        hint=["rename the file to my-thx.yaml", "id: my-th"],
    )


def test_profile_unknown_quantity_and_data_type(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        id: my-th
        name: 温湿度
        fields:
          - key: humidity
            quantity: humidty
            address: 0
            data_type: uint8
        """,
        name="my-th.yaml",
    )
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    quantity, data_type = caught.value.issues
    check(quantity, path, 5, ("fields", 0, "quantity"), hint=["did you mean 'humidity'?", "temperature"])
    check(data_type, path, 7, ("fields", 0, "data_type"), hint=["int16", "uint16", "float32"])


BAD_PROFILE = """
id: th-rs-ws-n01
name: 温湿度
fields:
  - {key: humidity, quantity: humidity, address: 0, unit: ppm}
"""


def test_site_profile_problems_name_the_profile_file(tmp_path: Path) -> None:
    profile = write(tmp_path, BAD_PROFILE, name="profiles/th-rs-ws-n01.yaml")
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        profile_dirs: [profiles]
        """,
    )
    check(only_issue(path), profile, 4, ("fields", 0, "unit"), message=["'ppm'", "humidity"])


def test_site_profile_dirs_override_shipped_profiles(tmp_path: Path) -> None:
    # the site file in one folder, its profiles in a sibling: paths are relative to the site file
    shutil.copy(SHIPPED_PROFILES / "th-rs-ws-n01.yaml", tmp_path / "original.yaml")
    write(
        tmp_path,
        """
        # this site's variant swaps the two registers
        id: th-rs-ws-n01
        name: 本站温湿度变送器
        fields:
          - {key: humidity, quantity: humidity, address: 0x0001, scale: 0.1, valid: [0, 100]}
          - {key: temperature, quantity: temperature, address: 0x0000, data_type: int16, scale: 0.1}
        """,
        name="local-profiles/th-rs-ws-n01.yaml",
    )
    write(
        tmp_path,
        """
        id: my-co2
        name: 二氧化碳变送器
        fields:
          - {key: co2, quantity: co2, address: 0, unit: "%", scale: 0.001}
        """,
        name="local-profiles/my-co2.yaml",
    )
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        buses:
          - {id: lan, transport: tcp, host: 127.0.0.1}
        devices:
          - {id: th-1, bus: lan, address: 1, profile: th-rs-ws-n01, zone: hall}
          - {id: co2-1, bus: lan, address: 2, profile: my-co2, zone: hall}
        profile_dirs: [../local-profiles]
        """,
        name="site/site.yaml",
    )
    site = load_site(path, env={})
    th = site.profiles["th-rs-ws-n01"]
    assert th.name == "本站温湿度变送器"
    assert (th.field("humidity").address, th.field("temperature").address) == (1, 0)
    assert site.profiles["my-co2"].field("co2").unit == "%"
    assert set(site.profiles) == SHIPPED_IDS | {"my-co2"}  # the other shipped profiles stay
    assert (
        load_profile(SHIPPED_PROFILES / "th-rs-ws-n01.yaml").name == "温湿度变送器"
    )  # the shipped file is intact
    assert set(build_catalog(site)) == {"th-1.humidity", "th-1.temperature", "co2-1.co2"}


def test_missing_profile_dir_names_the_site_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 大厅, kind: service_hall}
        profile_dirs:
          - profiles
        """,
    )
    check(
        only_issue(path),
        path,
        5,
        ("profile_dirs", 0),
        message=["配置文件夹不存在 / profile folder 'profiles' does not exist"],
        hint=[str(tmp_path / "profiles")],
    )
