"""Response models: what the REST API promises, in the OpenAPI schema."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class SensorPublic(BaseModel):
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
    sensor: str
    quantity: str
    value: float | None
    unit: str
    state: str | None
    quality: Literal["good", "bad", "stale", "out_of_range"]
    ts: datetime = Field(description="in the site's timezone")


class BucketPublic(BaseModel):
    start: datetime
    count: int = Field(description="good readings in the window")
    bad: int = Field(description="readings of other quality")
    mean: float | None
    min: float | None
    max: float | None
    last: float | None


class ReadingSeries(BaseModel):
    sensor: str
    unit: str
    start: datetime
    end: datetime
    every_seconds: float | None = Field(description="window of each bucket; null for raw readings")
    readings: list[ReadingPublic] | None = None
    buckets: list[BucketPublic] | None = None
    truncated: bool = Field(default=False, description="raw readings were cut at the limit; ask with `every`")


class DevicePublic(BaseModel):
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
