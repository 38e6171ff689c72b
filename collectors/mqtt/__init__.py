"""MQTT collector: topic templates, payload decoders, a reconnecting aiomqtt client, state publishing.

See README.md beside this file.
"""

from collectors.mqtt.collector import MqttCollector
from collectors.mqtt.errors import PayloadError, Reason
from collectors.mqtt.publisher import StatePublisher
from collectors.mqtt.routing import Decoded, Router
from collectors.mqtt.topics import TopicTemplate, shared

__all__ = [
    "Decoded",
    "MqttCollector",
    "PayloadError",
    "Reason",
    "Router",
    "StatePublisher",
    "TopicTemplate",
    "shared",
]
