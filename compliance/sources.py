"""Where a report reads from: the reading store, alert history, delivery log and safety journal.

The running service hands over its own parts (`from_context`); the CLI opens the same tables in the
site's SQLite file for the duration of one report (`open_sources`), so it works while the service is
stopped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from alerts import AlertService
from alerts.notify import Notifier
from alerts.notify.queue import NotifyQueue
from alerts.rules.bind import Binding
from alerts.setup import build_bindings
from alerts.store import AlertStore
from config.catalog import build_catalog
from config.loader import Site
from safety import SafetyService
from safety.journal import SafetyJournal
from sensors.catalog import SensorInfo
from storage import SqliteStore
from storage.base import Store


@dataclass(frozen=True, slots=True)
class Sources:
    site: Site
    catalog: Mapping[str, SensorInfo]
    bindings: Sequence[Binding]
    readings: SqliteStore
    alerts: AlertStore
    deliveries: NotifyQueue | None  # None when `notify:` is not configured
    journal: SafetyJournal | None  # None when `safety:` is not configured
    safety: SafetyService | None  # the plan and its tasks (needs not be started)

    @property
    def database(self) -> Path:
        return self.readings.path


@asynccontextmanager
async def open_sources(site: Site) -> AsyncIterator[Sources]:
    """Open the site file's tables for reading; closed on exit. StoreError if the file cannot be opened."""
    path = site.resolve(site.config.storage.sqlite.path).resolve()
    catalog = build_catalog(site)
    safety = None if site.config.safety is None else SafetyService(site, catalog)
    async with AsyncExitStack() as stack:
        readings = await SqliteStore.open(path)
        stack.push_async_callback(readings.close)
        alerts = await AlertStore.open(path)
        stack.push_async_callback(alerts.close)
        deliveries = None
        if site.config.notify is not None:
            deliveries = await NotifyQueue.open(path)
            stack.push_async_callback(deliveries.close)
        journal = None
        if safety is not None:
            journal = await SafetyJournal.open(path)
            stack.push_async_callback(journal.close)
        bindings = build_bindings(site, catalog)
        yield Sources(site, catalog, bindings, readings, alerts, deliveries, journal, safety)


class Service(Protocol):
    """What `from_service` needs of the running service (`anjing.runtime.Runtime`, the API's context)."""

    @property
    def site(self) -> Site: ...

    @property
    def store(self) -> Store: ...

    @property
    def catalog(self) -> Mapping[str, SensorInfo]: ...

    @property
    def alerts(self) -> AlertService: ...

    @property
    def notifier(self) -> Notifier | None: ...

    @property
    def safety(self) -> SafetyService | None: ...


def from_service(service: Service) -> Sources:
    """The running service's own parts; TypeError if its store is not the SQLite system of record."""
    if not isinstance(service.store, SqliteStore):
        raise TypeError(f"reports need the SQLite store, not {type(service.store).__name__}")
    safety = service.safety
    return Sources(
        site=service.site,
        catalog=service.catalog,
        bindings=list(service.alerts.engine.bindings.values()),
        readings=service.store,
        alerts=service.alerts.store,
        deliveries=None if service.notifier is None else service.notifier.queue,
        journal=None if safety is None else safety.journal,
        safety=safety,
    )
