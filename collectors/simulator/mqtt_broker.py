"""The demo's embedded MQTT broker (amqtt, pure Python) on loopback, so `make run` needs no Mosquitto.

For the demo only: amqtt speaks MQTT 3.1.1, is 2–3× slower than Mosquitto and keeps no queue for
a client while it is away (see docs/scale-out.md); production points `mqtt.url` at Mosquitto or EMQX.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Self

from amqtt.broker import Broker

from collectors.simulator.errors import SimulationError
from config.mqtt import Mqtt

log = logging.getLogger("collectors.simulator.mqtt")


class EmbeddedBroker:
    def __init__(self, config: Mqtt) -> None:
        self.address = f"{config.host}:{config.port}"
        self._broker = Broker(
            {
                "listeners": {"default": {"type": "tcp", "bind": self.address}},
                "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
            }
        )

    async def __aenter__(self) -> Self:
        for noisy in ("amqtt", "transitions"):  # every connection and state change at INFO
            logging.getLogger(noisy).setLevel(logging.WARNING)
        try:
            await self._broker.start()
        except Exception as exc:  # amqtt wraps the OSError of a port in use in its own BrokerError
            raise SimulationError(
                f"内置 MQTT 代理无法启动 / the embedded broker cannot listen on {self.address}: {exc}"
            ) from exc
        log.info("内置 MQTT 代理 / embedded MQTT broker (amqtt) on %s", self.address)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._broker.shutdown()
