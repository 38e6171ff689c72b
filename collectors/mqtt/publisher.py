"""What Anjing publishes: every device's online/offline state (retained) and alert state changes.

Topics under `mqtt.publish.prefix` (default `anjing`):
  <prefix>/status                    `online` while Anjing is connected; `offline` (its Last Will)
  <prefix>/devices/<device>/state    {"state": "online"|"offline"|"unknown", "ts": …}, retained
  <prefix>/alerts/<alert id>         whatever the alert engine hands to `publish_alert`, retained

A lobby LED board subscribes to `<prefix>/#` and gets the current picture at once (retained).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aiomqtt
import orjson

from collectors.status import StatusBoard
from config.mqtt import Publish

log = logging.getLogger("collectors.mqtt.publisher")

CHECK_EVERY = 1.0  # seconds between looks at the status board
MAX_PENDING = 10_000  # alert messages kept while the broker is away; the oldest go first beyond


def _state(online: bool | None) -> str:
    return "unknown" if online is None else ("online" if online else "offline")


class StatePublisher:
    def __init__(self, config: Publish, board: StatusBoard) -> None:
        self.config = config
        self.board = board
        self._published: dict[str, str] = {}  # device → state last published on this connection
        self._pending: deque[tuple[str, bytes]] = deque(maxlen=MAX_PENDING)
        self._wake = asyncio.Event()

    @property
    def will(self) -> aiomqtt.Will:
        return aiomqtt.Will(f"{self.config.prefix}/status", b"offline", qos=int(self.config.qos), retain=True)

    def publish_alert(self, alert_id: str, state: str, details: Mapping[str, Any] | None = None) -> None:
        """Queue an alert's state change (`firing`, `acknowledged`, `resolved`…) for the broker.

        Safe to call from the event loop at any time, connected or not: it is sent on the next
        connection, retained under `<prefix>/alerts/<alert_id>` so a late subscriber sees it.
        """
        body = {"alert": alert_id, "state": state, "ts": datetime.now(UTC).isoformat(), **(details or {})}
        level = alert_id.replace("+", "_").replace("#", "_")  # wildcards cannot be in a topic name
        self._pending.append((f"{self.config.prefix}/alerts/{level}", orjson.dumps(body)))
        self._wake.set()

    async def run(self, client: aiomqtt.Client) -> None:
        """Publish on one connection until it drops (MqttError); every state again after a reconnect."""
        self._published.clear()
        await self._send(client, f"{self.config.prefix}/status", b"online")
        while True:
            for status in list(self.board):
                state = _state(status.online)
                if self._published.get(status.device) != state:
                    body = {"device": status.device, "state": state, "ts": datetime.now(UTC).isoformat()}
                    await self._send(
                        client, f"{self.config.prefix}/devices/{status.device}/state", orjson.dumps(body)
                    )
                    self._published[status.device] = state
            while self._pending:
                topic, payload = self._pending[0]
                await self._send(client, topic, payload)
                self._pending.popleft()  # only once the broker has it
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), CHECK_EVERY)

    async def _send(self, client: aiomqtt.Client, topic: str, payload: bytes) -> None:
        await client.publish(topic, payload, qos=int(self.config.qos), retain=True)
