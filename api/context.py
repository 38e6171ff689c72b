"""What the API needs from the running service, as a Protocol: the service wiring provides it.

The API never builds collectors or stores itself, so it can sit on top of any runtime — the
single-process service, or a stand-alone API over a shared store when scaled out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from alerts import AlertService
from alerts.notify import Notifier
from api.auth import AuditLog, Principal
from api.auth.service import AuthService
from collectors import StatusBoard
from collectors.modbus import ModbusCollector
from config import Site
from config.running import ConfigStatus, ReloadOutcome
from feedback import FeedbackService
from safety import SafetyService
from sensors.catalog import SensorInfo
from storage import ReadingStream, StoreWriter
from storage.base import Store
from storage.influx import OutboxStats


class ServiceContext(Protocol):
    @property
    def site(self) -> Site: ...

    @property
    def store(self) -> Store: ...

    @property
    def catalog(self) -> Mapping[str, SensorInfo]: ...

    @property
    def board(self) -> StatusBoard: ...

    @property
    def alerts(self) -> AlertService:
        """The alert engine, its history and silences."""

    @property
    def stream(self) -> ReadingStream:
        """The bounded stream of readings from the collectors to the store writer."""

    @property
    def writer(self) -> StoreWriter | None:
        """The store writer and its counters; None before it starts."""

    @property
    def parts(self) -> Mapping[str, str | None]:
        """Each long-running part (store-writer, modbus, mqtt, alerts, notify, influxdb): None while it
        runs, or why it does not."""

    @property
    def pending(self) -> int:
        """Readings accepted but not yet stored."""

    @property
    def stored(self) -> int:
        """Readings stored since the service started."""

    @property
    def store_error(self) -> str | None:
        """Why the store cannot be written right now, or None when it can."""

    @property
    def outbox(self) -> OutboxStats | None:
        """The InfluxDB outbox and its forwarder; None when InfluxDB is not configured."""

    @property
    def modbus(self) -> ModbusCollector | None:
        """The Modbus collector (its request plans, a probe for commissioning); None before start."""

    @property
    def notifier(self) -> Notifier | None:
        """The notification pipeline; None when `notify:` is not configured."""

    @property
    def auth(self) -> AuthService:
        """Users, sessions, tokens and the login lock-out."""

    @property
    def audit(self) -> AuditLog:
        """The append-only audit log every mutating route writes to."""

    @property
    def safety(self) -> SafetyService | None:
        """The emergency plan, its inspections and drills; None when `safety:` is not configured."""

    @property
    def feedback(self) -> FeedbackService | None:
        """Visitors' feedback cases; None when `feedback:` is not configured."""

    @property
    def config_status(self) -> ConfigStatus:
        """The running config: its file, checksum, load time, and how the last reload went."""

    async def reload(self, actor: Principal) -> ReloadOutcome:
        """Re-read the site file; apply it when valid, else keep the running config (audited as `actor`)."""
