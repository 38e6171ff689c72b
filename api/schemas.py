"""Response models: what the REST API promises, in the OpenAPI schema."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SensorPublic(BaseModel):
    """One sensor: a field of a device, with what it measures and where."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "aq-hall-1.co2",
                    "name": "服务大厅空气质量 CO2",
                    "device": "aq-hall-1",
                    "zone": "hall",
                    "quantity": "co2",
                    "quantity_name_zh": "二氧化碳",
                    "quantity_name_en": "CO2",
                    "unit": "ppm",
                    "states": [],
                    "bus": "rs485-1",
                    "address": 1,
                    "profile": "air-7in1",
                    "poll_seconds": 10.0,
                }
            ]
        }
    )

    id: str = Field(examples=["aq-hall-1.co2"])
    name: str
    device: str
    zone: str | None
    quantity: str
    quantity_name_zh: str
    quantity_name_en: str
    unit: str
    states: list[str] = Field(description="labels of a state quantity, in the order of their values")
    bus: str
    address: int
    profile: str
    poll_seconds: float


class ReadingPublic(BaseModel):
    """A reading as the user should see it: a value with its unit, or a state, and its quality."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sensor": "aq-hall-1.co2",
                    "quantity": "co2",
                    "value": 812.0,
                    "unit": "ppm",
                    "state": None,
                    "quality": "good",
                    "ts": "2026-11-28T10:15:00+08:00",
                },
                {
                    "sensor": "em-1.lamp_1",
                    "quantity": "lamp_state",
                    "value": 2.0,
                    "unit": "",
                    "state": "fault",
                    "quality": "stale",
                    "ts": "2026-11-28T10:14:20+08:00",
                },
            ]
        }
    )

    sensor: str
    quantity: str
    value: float | None
    unit: str
    state: str | None
    quality: Literal["good", "bad", "stale", "out_of_range"]
    ts: datetime = Field(description="in the site's timezone")


class BucketPublic(BaseModel):
    """One window of a sensor's history: statistics of its good readings."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-28T10:00:00+08:00",
                    "count": 360,
                    "bad": 0,
                    "mean": 804.5,
                    "min": 761.0,
                    "max": 851.0,
                    "last": 812.0,
                }
            ]
        }
    )

    start: datetime
    count: int = Field(description="good readings in the window")
    bad: int = Field(description="readings of other quality")
    mean: float | None
    min: float | None
    max: float | None
    last: float | None


class ReadingSeries(BaseModel):
    """One sensor's history over a range: raw readings, or buckets of `every_seconds` when asked with `every`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sensor": "aq-hall-1.co2",
                    "unit": "ppm",
                    "start": "2026-11-28T00:00:00+08:00",
                    "end": "2026-11-29T00:00:00+08:00",
                    "every_seconds": 3600.0,
                    "readings": None,
                    "buckets": [
                        {
                            "start": "2026-11-28T10:00:00+08:00",
                            "count": 360,
                            "bad": 0,
                            "mean": 804.5,
                            "min": 761.0,
                            "max": 851.0,
                            "last": 812.0,
                        }
                    ],
                    "truncated": False,
                }
            ]
        }
    )

    sensor: str
    unit: str
    start: datetime
    end: datetime
    every_seconds: float | None = Field(description="window of each bucket; null for raw readings")
    readings: list[ReadingPublic] | None = None
    buckets: list[BucketPublic] | None = None
    truncated: bool = Field(default=False, description="raw readings were cut at the limit; ask with `every`")


class DevicePublic(BaseModel):
    """A device's health as the collectors see it: online state, last good poll, error counters."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "device": "aq-hall-1",
                    "name": "大厅空气质量 / hall air quality",
                    "bus": "rs485-1",
                    "address": 1,
                    "profile": "air-7in1",
                    "zone": "hall",
                    "state": "online",
                    "last_good": "2026-11-28T10:15:00+08:00",
                    "last_error": None,
                    "polls": 8640,
                    "failed_polls": 3,
                    "requests": 8650,
                    "timeouts": 3,
                    "exceptions": 0,
                    "messages": 0,
                    "rejected": {},
                }
            ]
        }
    )

    device: str
    name: str
    bus: str
    address: int
    profile: str
    zone: str | None
    state: Literal["online", "offline", "unknown"]
    last_good: datetime | None
    last_error: str | None
    polls: int
    failed_polls: int
    requests: int
    timeouts: int
    exceptions: int
    plan: list[str] = Field(
        default_factory=list,
        description="the Modbus requests each poll makes, e.g. FC03 0x0000–0x0008 (9 registers)",
    )
    messages: int = Field(default=0, description="MQTT messages received")
    rejected: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="MQTT messages rejected: topic → reason → count"
    )


class Health(BaseModel):
    """Liveness: whether the process is sound, with a summary of what it watches."""

    status: Literal["ok", "degraded", "failed"] = Field(
        description="failed: a part stopped that only a restart brings back (answered with 503); "
        "degraded: devices offline or the store failing (still 200: a restart would not help)"
    )
    site: str
    parts: dict[str, str | None] = Field(
        default_factory=dict,
        description="each long-running part: null while it runs, or why it does not",
        examples=[{"store-writer": None, "modbus": None, "mqtt": None, "alerts": None}],
    )
    devices_online: int
    devices_offline: int
    devices_unknown: int
    readings_pending: int = Field(description="accepted, not yet stored")
    readings_stored: int = Field(description="stored since the service started")
    store_error: str | None = Field(description="why the store cannot be used now")
    outbox_depth: int | None = Field(default=None, description="readings waiting for InfluxDB, or null")
    outbox_state: str | None = Field(default=None, description="InfluxDB forwarder: ok, retrying, …")


class Check(BaseModel):
    ok: bool
    detail: str | None = Field(default=None, description="why not, when not")


class Readiness(BaseModel):
    """Readiness: whether the service does its work now (answered with 503 when it does not)."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, Check] = Field(
        description="`store`: read and written now; then each long-running part (`modbus`, `mqtt`, …)",
        examples=[{"store": {"ok": True, "detail": None}, "modbus": {"ok": True, "detail": None}}],
    )


class OutboxPublic(BaseModel):
    """The InfluxDB outbox: what waits, what went, what was refused or given up."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "configured": True,
                    "state": "ok",
                    "depth": 12,
                    "oldest_age_seconds": 1.4,
                    "sent": 250000,
                    "retried": 2,
                    "quarantined": 0,
                    "dropped": 0,
                    "growing": False,
                    "last_error": None,
                }
            ]
        }
    )

    configured: bool = Field(description="whether `storage.influxdb` is set")
    state: str | None = Field(description="starting, ok, retrying, auth_failed, stopped")
    depth: int = Field(description="readings stored locally, not yet acknowledged by InfluxDB")
    oldest_age_seconds: float | None = Field(description="age of the oldest reading waiting")
    sent: int = Field(description="points acknowledged since start")
    retried: int = Field(description="write requests failed and retried since start")
    quarantined: int = Field(description="lines InfluxDB refused as bad data since start (kept in the file)")
    dropped: int = Field(description="readings given up by the caps since start (kept in the local store)")
    growing: bool = Field(description="deeper than `growing_after` ago: InfluxDB is not keeping up")
    last_error: str | None


class AlertCounts(BaseModel):
    """Open (pending, firing, acknowledged) alerts by severity."""

    critical: int = 0
    warning: int = 0
    info: int = 0


class SitePublic(BaseModel):
    """The site: what it is, where its clock runs, when it is open."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "城关镇中小企业服务中心",
                    "name_en": "Chengguan SME Service Center",
                    "timezone": "Asia/Shanghai",
                    "opening_hours": {"mon-fri": "08:30-12:00,14:00-17:30"},
                    "open_now": True,
                    "zones": 6,
                    "devices": 12,
                    "sensors": 58,
                    "config_checksum": "sha256:6f1c0e7b9a4d2c8e5f3a1b7d9c0e2f4a6b8d0c2e4f6a8b0d2c4e6f8a0b2d4c6e",
                }
            ]
        }
    )

    name: str
    name_en: str
    timezone: str = Field(description="IANA name; every time the API returns is in it")
    opening_hours: dict[str, str] = Field(description="days → spans, as in the site file")
    open_now: bool
    zones: int
    devices: int = Field(description="Modbus and MQTT devices configured")
    sensors: int
    config_checksum: str = Field(description="of the running configuration's files; see /api/v1/config")


ZoneStateName = Literal["ok", "unknown", "offline", "warning", "alert"]


class ZonePublic(BaseModel):
    """A zone with its worst current state, its sensors' latest readings and its open alerts."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "hall",
                    "name": "服务大厅",
                    "name_en": "Service hall",
                    "kind": "service_hall",
                    "floor": "1F",
                    "public": True,
                    "evacuation_route": False,
                    "state": "warning",
                    "devices_online": 3,
                    "devices_offline": 0,
                    "alerts": {"critical": 0, "warning": 1, "info": 0},
                    "readings": [
                        {
                            "sensor": "aq-hall-1.co2",
                            "quantity": "co2",
                            "value": 1080.0,
                            "unit": "ppm",
                            "state": None,
                            "quality": "good",
                            "ts": "2026-11-28T10:15:00+08:00",
                        }
                    ],
                }
            ]
        }
    )

    id: str
    name: str
    name_en: str
    kind: str
    floor: str
    public: bool = Field(description="shown on the lobby kiosk (/api/v1/public/zones)")
    evacuation_route: bool
    state: ZoneStateName = Field(
        description="worst of: alert (critical alert firing) > warning (warning alert firing, or an "
        "alert pending) > offline (a device offline) > unknown (no, stale or bad data) > ok"
    )
    devices_online: int
    devices_offline: int
    alerts: AlertCounts
    readings: list[ReadingPublic] = Field(description="the latest reading of each sensor in the zone")


Rating = Literal["good", "fair", "over", "unknown"]


class KioskValue(BaseModel):
    """One quantity of a public zone: its current value and its plain-words rating."""

    quantity: str
    name_zh: str
    name_en: str
    value: float | None = Field(description="the mean of the zone's fresh readings; null when none is fresh")
    unit: str
    rating: Rating | None = Field(description="null when no limit applies to it here")
    rating_text: str = Field(description="优 / good, 良 / fair, 超标 / over the limit, 未知 / unknown")
    ts: datetime | None = Field(description="the newest reading used, in the site's timezone")


class KioskZone(BaseModel):
    """A public zone as the lobby kiosk shows it: air quality and lighting, nothing else."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "hall",
                    "name": "服务大厅",
                    "name_en": "Service hall",
                    "rating": "fair",
                    "rating_text": "良 / fair",
                    "ts": "2026-11-28T10:15:00+08:00",
                    "values": [
                        {
                            "quantity": "co2",
                            "name_zh": "二氧化碳",
                            "name_en": "CO2",
                            "value": 850.0,
                            "unit": "ppm",
                            "rating": "fair",
                            "rating_text": "良 / fair",
                            "ts": "2026-11-28T10:15:00+08:00",
                        },
                        {
                            "quantity": "illuminance",
                            "name_zh": "照度",
                            "name_en": "Illuminance",
                            "value": 420.0,
                            "unit": "lx",
                            "rating": "good",
                            "rating_text": "优 / good",
                            "ts": "2026-11-28T10:15:00+08:00",
                        },
                    ],
                }
            ]
        }
    )

    id: str
    name: str
    name_en: str
    rating: Rating = Field(description="the worst rating of its rated values; unknown when none is known")
    rating_text: str
    ts: datetime | None = Field(description="the newest reading shown")
    values: list[KioskValue]
