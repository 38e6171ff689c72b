"""The one place that knows aiomqtt (pinned to 2.5.x): connection options, TLS, and acknowledgements.

aiomqtt 2.5 acknowledges a QoS 1 message as soon as paho reads it from the socket, before the
application has seen it. Its paho client has a manual mode (`manual_ack_set`, `ack`) that aiomqtt
does not expose; it is switched on here, so a message is acknowledged only after its readings are
in the reading stream. A message received but not yet acknowledged when the connection drops or
Anjing stops is delivered again by the broker (persistent session).
"""

from __future__ import annotations

import ssl
from pathlib import Path

import aiomqtt
from paho.mqtt import client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from config.mqtt import Mqtt

CONNECT_TIMEOUT = 10.0  # seconds for connect, subscribe and publish


def tls_context(config: Mqtt, base_dir: Path) -> ssl.SSLContext | None:
    """The TLS context of an `mqtts://` url (None for `mqtt://`); raise ValueError naming a bad file."""
    if not config.tls:
        return None

    def path(file: Path) -> str:
        return str(file if file.is_absolute() else base_dir / file)

    try:
        context = ssl.create_default_context(cafile=path(config.ca_file) if config.ca_file else None)
        if config.cert_file and config.key_file:
            context.load_cert_chain(path(config.cert_file), path(config.key_file))
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"无法读取 TLS 证书 / cannot load the TLS files: {exc}") from exc
    return context


def new_client(
    config: Mqtt, context: ssl.SSLContext | None, *, will: aiomqtt.Will | None = None
) -> aiomqtt.Client:
    """A client for one connection: a persistent session under the fixed client id.

    MQTT 5 needs clean start off *and* a session expiry interval, or the broker queues nothing while
    we are away; MQTT 3.1.1 needs clean session off.
    """
    v5 = config.protocol == "5"
    properties = None
    if v5:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = int(config.session_expiry)
    client = aiomqtt.Client(
        config.host,
        config.port,
        username=config.username,
        password=config.password,
        identifier=config.client_id,
        protocol=aiomqtt.ProtocolVersion.V5 if v5 else aiomqtt.ProtocolVersion.V311,
        clean_session=None if v5 else False,
        clean_start=False if v5 else mqtt.MQTT_CLEAN_START_FIRST_ONLY,  # paho refuses False on 3.1.1
        properties=properties,
        tls_context=context,
        keepalive=int(config.keepalive),
        will=will,
        timeout=CONNECT_TIMEOUT,
    )
    client._client.manual_ack_set(True)  # see the module docstring
    return client


def ack(client: aiomqtt.Client, message: aiomqtt.Message) -> None:
    """Acknowledge `message` (QoS 1) now that its readings are in the stream."""
    if message.qos:
        client._client.ack(message.mid, message.qos)


def queued(client: aiomqtt.Client, limit: int) -> list[aiomqtt.Message]:
    """Up to `limit` messages already received, without waiting: aiomqtt's iterator creates a task and
    an `asyncio.wait` for every message, a third of the collector's time under load (profiled)."""
    queue = client._queue
    return [queue.get_nowait() for _ in range(min(limit, queue.qsize()))]
