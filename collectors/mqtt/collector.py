"""`MqttCollector`: subscribe through the broker, turn messages into readings, watch device liveness.

aiomqtt has no automatic reconnect: `run` connects, subscribes (again, on every connect: the session
may be new), consumes until the connection drops, then waits with capped exponential back-off
(0.5 s doubling to `backoff_max`, ±20 % jitter) and starts over. A bad message is counted and
skipped; nothing that arrives can stop the loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import aiomqtt

from collectors.mqtt.client import ack, new_client, queued, tls_context
from collectors.mqtt.errors import PayloadError, Reason
from collectors.mqtt.publisher import StatePublisher
from collectors.mqtt.rejections import Rejections
from collectors.mqtt.routing import Router
from collectors.mqtt.topics import shared
from collectors.status import DeviceStatus, StatusBoard
from config.mqtt import MQTT_BUS, Mqtt, mqtt_sensors
from sensors import Reading
from storage.stream import ReadingStream

log = logging.getLogger("collectors.mqtt")

BACKOFF_MIN = 0.5  # seconds before the first reconnect
FLUSH_AT = 1000  # messages taken from the client's queue at once when they keep coming
WATCH_EVERY = 1.0  # seconds between liveness checks


class MqttCollector:
    def __init__(
        self,
        config: Mqtt,
        stream: ReadingStream,
        board: StatusBoard,
        *,
        base_dir: Path,
        tz: tzinfo = UTC,
        molar_volume: float,
        publisher: StatePublisher | None = None,
    ) -> None:
        self.config = config
        self.stream = stream
        self.board = board
        self.publisher = publisher
        self.router = Router(config, tz=tz, molar_volume=molar_volume)
        self.rejections = Rejections()
        self._tls = tls_context(config, base_dir)
        self.link = board.register(f"mqtt:{config.client_id}", MQTT_BUS, 0)  # the broker connection itself
        self._devices: dict[str, DeviceStatus] = {}
        self._stale_after: dict[str, float] = {}
        self._seen: dict[str, float] = {}  # device → monotonic time of its last message
        self._register(config)
        self._started = time.monotonic()
        self._client: aiomqtt.Client | None = None  # while connected and subscribed
        self.connects = 0

    def _register(self, config: Mqtt) -> None:
        """Watch the liveness of `config`'s devices (and of no others)."""
        self._devices.clear()
        self._stale_after.clear()
        for info in mqtt_sensors(config).values():
            self._devices[info.device] = self.board.register(info.device, MQTT_BUS, 0)
            self._stale_after[info.device] = info.stale_after
        self._seen = {device: seen for device, seen in self._seen.items() if device in self._devices}

    async def apply(self, config: Mqtt, *, tz: tzinfo, molar_volume: float) -> None:
        """Take reloaded subscriptions on the running connection (its broker settings unchanged).

        The topic filters that are new are subscribed and those no longer used unsubscribed, so the
        persistent session stops queueing them; if the connection drops meanwhile, the reconnect
        subscribes to the new filters anyway.
        """
        before = self.router.filters
        self.config = config
        self.router = Router(config, tz=tz, molar_volume=molar_volume)
        self._register(config)
        client = self._client
        if client is None:
            return
        gone = [topic for topic in before if topic not in self.router.filters]
        try:
            await self._subscribe(client, [topic for topic in self.router.filters if topic not in before])
            for topic in gone:
                await client.unsubscribe(shared(topic, config.shared_group))
        except aiomqtt.MqttError as exc:
            log.warning("重新订阅失败 / re-subscribing failed: %s — the reconnect subscribes again", exc)

    async def run(self) -> None:
        """Collect until cancelled."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._watch(), name=f"mqtt[{self.config.client_id}].liveness")
            tasks.create_task(self._connect_loop(), name=f"mqtt[{self.config.client_id}].receive")

    async def _connect_loop(self) -> None:
        delay = BACKOFF_MIN
        where = f"{self.config.host}:{self.config.port}"
        while True:
            will = self.publisher.will if self.publisher else None
            client = new_client(self.config, self._tls, will=will)
            try:
                async with client:
                    self.connects += 1
                    delay = BACKOFF_MIN
                    name = f"mqtt[{self.config.client_id}]"
                    async with asyncio.TaskGroup() as tasks:
                        # consuming (and acknowledging) first: a broker may deliver retained and queued
                        # messages before it answers SUBSCRIBE, and amqtt waits for their PUBACKs
                        tasks.create_task(self._consume(client), name=f"{name}.consume")
                        await self._subscribe(client, self.router.filters)
                        self._link_up(where)  # online = connected and subscribed
                        self._client = client
                        if self.publisher is not None:
                            tasks.create_task(self.publisher.run(client), name=f"{name}.publish")
            except* aiomqtt.MqttError as group:
                self._link_down(where, group.exceptions[0])
            finally:
                self._client = None
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.config.backoff_max)

    async def _subscribe(self, client: aiomqtt.Client, topics: list[str]) -> None:
        qos = int(self.config.qos)
        for topic in topics:
            full = shared(topic, self.config.shared_group)
            granted = await client.subscribe(full, qos=qos)
            codes = [code if isinstance(code, int) else code.value for code in granted]
            if any(code >= 0x80 for code in codes):
                log.error("订阅被拒绝 / subscription refused by the broker: %s (codes %s)", full, codes)
                self.link.last_error = f"subscription refused: {full} {codes}"

    async def _consume(self, client: aiomqtt.Client) -> None:
        """Messages → readings into the stream; acknowledged only once their readings are in it."""
        async for message in client.messages:
            received = [message, *queued(client, FLUSH_AT)]
            readings: list[Reading] = []
            now = datetime.now(UTC)  # one arrival time per batch: they arrived together
            for done in received:
                self._receive(done, readings, now)
            await self.stream.put(readings)  # waits while the store is behind (back-pressure)
            for done in received:
                ack(client, done)

    def _receive(self, message: aiomqtt.Message, out: list[Reading], now: datetime) -> None:
        topic = message.topic.value
        payload = message.payload
        data = payload if isinstance(payload, bytes) else str(payload or "").encode()
        try:
            decoded = self.router.decode(topic, data, now)
        except PayloadError as exc:
            self.rejections.count(self._devices.get(exc.device or "", self.link), topic, exc)
            return
        except Exception as exc:  # a decoder bug must cost one message, not the loop
            log.exception("%s: 无法解码 / cannot decode a message", topic[:200])
            self.rejections.count(self.link, topic, PayloadError(Reason.MALFORMED, f"undecodable: {exc!r}"))
            return
        status = self._devices[decoded.device] if decoded.device else self.link
        status.messages += 1
        for error in decoded.errors:
            self.rejections.count(status, topic, error)
        if decoded.available is not None:
            self._set_online(status, decoded.available, "availability")
            return
        self._seen[status.device] = time.monotonic()
        if decoded.readings:
            out.extend(decoded.readings)
            status.last_good = decoded.readings[0].ts
            self._set_online(status, True, "message")

    def _set_online(self, status: DeviceStatus, online: bool, why: str) -> None:
        if status.online is online:
            return
        if online and status.online is None:
            log.info("%s: 设备在线 / device online (%s)", status.device, why)
        elif online:
            log.info("%s: 设备恢复 / device back online (%s)", status.device, why)
        else:
            log.warning("%s: 设备离线 / device offline (%s)", status.device, why)
        status.online = online

    async def _watch(self) -> None:
        """A device silent for its stale time (3 intervals + 5 s) is offline, as a Modbus one that stops answering."""
        while True:
            await asyncio.sleep(WATCH_EVERY)
            now = time.monotonic()
            for device, status in self._devices.items():
                silent = now - self._seen.get(device, self._started)
                if silent > self._stale_after[device] and status.online is not False:
                    status.last_error = f"无消息 / no message for {silent:.0f} s"
                    self._set_online(status, False, f"silent for {silent:.0f} s")

    def _link_up(self, where: str) -> None:
        if self.link.online is not True:
            log.info("MQTT 已连接 / connected to %s as %s", where, self.config.client_id)
        self.link.online = True
        self.link.consecutive_failures = 0
        self.link.last_good = datetime.now(UTC)

    def _link_down(self, where: str, error: BaseException) -> None:
        self.link.failed_polls += 1
        self.link.consecutive_failures += 1
        self.link.last_error = f"{where}: {error}"
        if self.link.online is not False:
            log.warning("MQTT 连接断开 / connection to %s lost: %s — reconnecting", where, error)
        self.link.online = False
