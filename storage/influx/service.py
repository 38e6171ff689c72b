"""`InfluxForwarding`: the outbox, the sender and the forwarder task as one part the runtime starts and stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

from config.influx import InfluxStorage
from sensors.catalog import SensorInfo
from storage.influx.forwarder import Forwarder, OutboxStats
from storage.influx.schema import Schema
from storage.influx.sender import InfluxSender
from storage.outbox import Outbox

log = logging.getLogger("anjing.storage.influx")


class InfluxForwarding:
    """`async with InfluxForwarding(...)`: forwards the outbox of the store at `path` while inside.

    Enter it after the store is open (the store creates the schema) and leave it before it closes.
    Leaving waits for the request in flight; what is not acknowledged stays in the outbox.
    """

    def __init__(
        self,
        path: Path,
        config: InfluxStorage,
        *,
        site: str,
        catalog: Mapping[str, SensorInfo],
        ca_cert: Path | None = None,
    ) -> None:
        self._path = path
        self._config = config
        self._schema = Schema(config.site or site, catalog)
        self._ca_cert = ca_cert
        self._outbox: Outbox | None = None
        self._sender: InfluxSender | None = None
        self._forwarder: Forwarder | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def stats(self) -> OutboxStats:
        if self._forwarder is None:
            raise RuntimeError("InfluxDB forwarding is not started")
        return self._forwarder.stats

    def use_catalog(self, catalog: Mapping[str, SensorInfo]) -> None:
        """Tag lines with a reloaded site's catalog (sensors added, moved to another zone)."""
        self._schema.use_catalog(catalog)

    @property
    def outbox(self) -> Outbox:
        if self._outbox is None:
            raise RuntimeError("InfluxDB forwarding is not started")
        return self._outbox

    async def __aenter__(self) -> Self:
        self._outbox = await Outbox.open(self._path)
        try:
            self._sender = InfluxSender(self._config, ca_cert=str(self._ca_cert) if self._ca_cert else None)
        except BaseException:
            await self._outbox.close()
            raise
        self._forwarder = Forwarder(self._outbox, self._sender, self._schema, self._config)
        self._task = asyncio.create_task(self._forwarder.run(), name="anjing.influx-forwarder")
        log.info(
            "InfluxDB 转发 / forwarding to InfluxDB: %s bucket %s (site tag %s)",
            self._config.url,
            self._config.bucket,
            self._schema.site,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._forwarder is not None and self._task is not None:
            self._forwarder.stop()
            (outcome,) = await asyncio.gather(self._task, return_exceptions=True)
            if isinstance(outcome, Exception):
                log.error("InfluxDB 转发任务出错 / the InfluxDB forwarder failed: %r", outcome)
        if self._sender is not None:
            self._sender.close()
        if self._outbox is not None:
            try:
                facts = {"waiting": (await self._outbox.depth()).depth, "sent": self.stats.sent}
                log.info(
                    "InfluxDB 转发已停止 / InfluxDB forwarding stopped: sent %(sent)d, %(waiting)d wait in "
                    "the outbox for the next start",
                    facts,
                    extra=facts,
                )
            finally:
                await self._outbox.close()
