"""The site configuration as validated models: site, zones, buses, devices, storage, simulator, API.

Each model forbids unknown keys, so a typo is an error naming its line rather than a silently
ignored setting. Cross-references (a device's bus, zone and profile) are checked in `config.loader`,
where the profiles are known.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from config.alerting import Alerting
from config.auth import ApiAuth
from config.compliance import Compliance
from config.diskguard import DiskGuardConfig
from config.errors import InvalidValue
from config.feedback import FeedbackConfig
from config.heartbeat import Heartbeat
from config.influx import InfluxStorage
from config.mqtt import Mqtt
from config.notify import Notify
from config.safety import SafetyConfig
from config.serving import ProxyAddress, check_tls_pair
from config.types import IDENTIFIER_PATTERN, Seconds

Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN, max_length=64)]
Port = Annotated[int, Field(ge=1, le=65535)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoomKind(StrEnum):
    """Room kinds as GB 50034 and GB/T 18883 distinguish them."""

    SERVICE_HALL = "service_hall"
    OFFICE = "office"
    MEETING_ROOM = "meeting_room"
    PRINT_ROOM = "print_room"
    RECEPTION = "reception"
    LOBBY = "lobby"
    CORRIDOR = "corridor"
    STAIRWELL = "stairwell"
    RESTROOM = "restroom"
    PARKING = "parking"
    PLANT_ROOM = "plant_room"


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


_DAYS_HINT = f"valid: one of {', '.join(_DAYS)} or a range like mon-fri"
_SPANS_HINT = 'valid: HH:MM-HH:MM, several joined by commas, e.g. "08:30-12:00,14:00-17:30"'


def _days(spec: str) -> list[int]:
    spec = spec.strip().lower()
    if "-" in spec:
        first, last = spec.split("-", 1)
        if first not in _DAYS or last not in _DAYS:
            raise InvalidValue(f"未知星期范围 / unknown day range {spec!r}", _DAYS_HINT)
        start, end = _DAYS.index(first), _DAYS.index(last)
        return list(range(start, end + 1)) if start <= end else [*range(start, 7), *range(end + 1)]
    if spec not in _DAYS:
        raise InvalidValue(f"未知星期 / unknown day {spec!r}", _DAYS_HINT)
    return [_DAYS.index(spec)]


def _spans(text: str) -> list[tuple[time, time]]:
    spans = []
    for part in text.split(","):
        match = _SPAN.match(part.strip())
        if match is None:
            raise InvalidValue(f"营业时段无效 / bad opening span {part.strip()!r}", _SPANS_HINT)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start, end = time(h1, m1), time(h2, m2)
        except ValueError as exc:
            raise InvalidValue(
                f"时间无效 / bad time in {part.strip()!r}: {exc}", "valid: hours 00–23, minutes 00–59"
            ) from exc
        if end <= start:
            raise InvalidValue(
                f"时段结束早于开始 / span {part.strip()!r} ends before it starts",
                "a span ends later the same day; split one that passes midnight in two",
            )
        spans.append((start, end))
    return spans


def _check_days(spec: str) -> str:
    _days(spec)
    return spec


def _check_spans(text: str) -> str:
    _spans(text)
    return text


# checked key by key and value by value, so that each bad entry is its own issue on its own line
OpeningDays = Annotated[str, AfterValidator(_check_days)]
OpeningSpans = Annotated[str, AfterValidator(_check_spans)]


class SiteInfo(Strict):
    name: str
    name_en: str = ""
    timezone: str = "Asia/Shanghai"
    opening_hours: dict[OpeningDays, OpeningSpans] = Field(
        default_factory=lambda: {"mon-fri": "08:30-12:00,14:00-17:30"}
    )
    molar_volume: float = Field(
        default=22.414, gt=20, lt=30, description="L/mol for ppm ↔ mg/m³ (0 °C: 22.414)"
    )
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="the site's address as visitors' phones reach it (the kiosk's QR code); the request's when absent",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidValue(
                f"未知时区 / unknown timezone {value!r}", "valid: an IANA name such as Asia/Shanghai"
            ) from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, when: datetime) -> bool:
        """Whether the center is open at `when` (any aware datetime), in the site's own timezone."""
        local = when.astimezone(self.tz)
        for days, spans in self.opening_hours.items():
            if local.weekday() in _days(days) and any(s <= local.time() < e for s, e in _spans(spans)):
                return True
        return False


class Zone(Strict):
    id: Identifier
    name: str
    name_en: str = ""
    kind: RoomKind
    floor: str = ""
    public: bool = False  # shown on the lobby kiosk
    evacuation_route: bool = False


class BusBase(Strict):
    id: Identifier
    timeout: Seconds = Field(default=1.0, gt=0, le=60)
    frame_gap: Seconds = Field(
        default=0.0, ge=0, le=5, description="silence between transactions on the line"
    )


class TcpBus(BusBase):
    """A Modbus TCP device or gateway; its devices are polled concurrently."""

    transport: Literal["tcp"]
    host: str
    port: Port = 502
    connections: int = Field(default=4, ge=1, le=16, description="connections, one transaction on each")


class RtuOverTcpBus(BusBase):
    """An RS-485 line behind a transparent serial server (RTU frames over TCP): one transaction at a time."""

    transport: Literal["rtu-over-tcp"]
    host: str
    port: Port
    frame_gap: Seconds = Field(default=0.02, ge=0, le=5)


class RtuBus(BusBase):
    """An RS-485 line on a local serial port: one transaction at a time."""

    transport: Literal["rtu"]
    port: str
    baudrate: Literal[1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] = 9600
    parity: Literal["N", "E", "O"] = "N"
    stopbits: Literal[1, 2] = 1
    bytesize: Literal[7, 8] = 8
    frame_gap: Seconds = Field(default=0.02, ge=0, le=5)


Bus = Annotated[TcpBus | RtuOverTcpBus | RtuBus, Field(discriminator="transport")]


class PointOverride(Strict):
    """Per-point settings of one device: a lamp of a central controller sits in its own zone."""

    name: str = ""
    zone: Identifier | None = None
    enabled: bool = True


class Device(Strict):
    id: Identifier
    name: str = ""
    bus: Identifier
    address: int = Field(ge=0, le=255, description="slave / unit id")
    profile: Identifier
    zone: Identifier | None = None
    poll: Seconds = Field(default=10.0, gt=0, le=86400)
    timeout: Seconds | None = Field(default=None, gt=0, le=60)
    retries: int = Field(default=1, ge=0, le=5)
    offline_after: int = Field(default=3, ge=1, le=100, description="failed polls in a row before offline")
    backoff_max: Seconds = Field(default=300.0, gt=0)
    points: dict[str, PointOverride] = Field(default_factory=dict)


class SqliteStorage(Strict):
    path: Path = Path("data/anjing.db")
    retention_days: int = Field(default=400, ge=1)


class Storage(Strict):
    sqlite: SqliteStorage = SqliteStorage()
    queue_size: int = Field(default=10_000, ge=100, description="readings the in-process stream holds")
    batch_size: int = Field(default=5_000, ge=1)
    flush_interval: Seconds = Field(default=1.0, gt=0, le=60)
    influxdb: InfluxStorage | None = Field(default=None, description="forward to InfluxDB: storage/influx")
    disk_guard: DiskGuardConfig = Field(default=DiskGuardConfig(), description="free space: diskguard")


class SimEventKind(StrEnum):
    HCHO_RISE = "hcho_rise"  # formaldehyde rise after cleaning, decaying over `duration`
    CO2_CROWD = "co2_crowd"  # a crowd in the room
    ODOUR_RISE = "odour_rise"  # ammonia builds up in a restroom that needs cleaning
    CAR_EXHAUST = "car_exhaust"  # cars idling in the garage: carbon monoxide rises
    LAMP_FAULT = "lamp_fault"
    MAIN_POWER_LOSS = "main_power_loss"
    DOOR_PROPPED = "door_propped"  # a fire door held open
    EXIT_BLOCKED = "exit_blocked"
    PRESSURE_LOSS = "pressure_loss"
    TEST_OVERDUE = "test_overdue"  # the emergency-lighting controller's self-tests stop being run
    DEAD = "dead"  # the device stops answering
    FAULT_CODE = "fault_code"  # the device answers 0x7FFF (no value)


class SimEvent(Strict):
    at: Seconds = Field(ge=0, description="after start")
    device: Identifier
    kind: SimEventKind
    point: str | None = None
    duration: Seconds | None = Field(default=None, gt=0, description="until it ends; forever when absent")


class Simulator(Strict):
    """Simulated devices behind real Modbus servers, serving the buses listed (on loopback)."""

    enabled: bool = False
    buses: list[Identifier] = Field(default_factory=list, description="buses to simulate; all when empty")
    seed: int = 0
    events: list[SimEvent] = Field(default_factory=list)


class Api(Strict):
    host: str = "127.0.0.1"
    port: Port = 8000
    auth: ApiAuth = Field(default_factory=ApiAuth)
    tls_cert: Path | None = Field(default=None, description="PEM certificate (chain): serve HTTPS")
    tls_key: Path | None = Field(default=None, description="its PEM private key")
    trusted_proxies: list[ProxyAddress] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description="proxies whose X-Forwarded-For/-Proto are believed (addresses or networks)",
    )

    @model_validator(mode="after")
    def _tls_pair(self) -> Self:
        check_tls_pair(self.tls_cert, self.tls_key)
        return self


class SiteConfig(Strict):
    site: SiteInfo
    zones: list[Zone] = Field(min_length=1)
    buses: list[Bus] = Field(default_factory=list)
    devices: list[Device] = Field(default_factory=list)
    profile_dirs: list[Path] = Field(
        default_factory=list, description="extra profile folders, beside the file"
    )
    storage: Storage = Storage()
    simulator: Simulator = Simulator()
    api: Api = Api()
    mqtt: Mqtt | None = None
    alerting: Alerting = Alerting()
    notify: Notify | None = None
    safety: SafetyConfig | None = Field(default=None, description="the emergency plan: safety/")
    compliance: Compliance = Field(default=Compliance(), description="monthly report: compliance/")
    feedback: FeedbackConfig | None = Field(default=None, description="visitor feedback: feedback/")
    heartbeat: Heartbeat | None = Field(default=None, description="a dead man's switch outside the building")
