"""The `mqtt:` section: the broker, the session, and subscriptions that map topics to sensors.

A subscription's topic template names its parts (`zigbee2mqtt/{device}`); `{device}` picks the
device from the subscription's `devices:` table, so every MQTT sensor is known before the first
message arrives (the catalog lists it, the API shows it, liveness watches it). Secrets (username,
password) come from the environment through `${NAME}`, never from the YAML itself.
"""

from __future__ import annotations

import re
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from config.errors import InvalidValue
from config.types import IDENTIFIER_PATTERN, Seconds
from sensors import FieldSpec, Quantity
from sensors.catalog import SensorInfo, sensor_id
from sensors.units import convertible

# as config.models' own, which imports this module for SiteConfig.mqtt
Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_PART = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")
_SHARED_GROUP = r"^[A-Za-z0-9_-]+$"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Decoder(StrEnum):
    """How a payload becomes values: see collectors/mqtt/README.md."""

    JSON = "json"  # a JSON object, fields by dotted path, optional timestamp field
    NUMBER = "number"  # the payload is one plain value: `23.4`, `1`, `open`
    ZIGBEE2MQTT = "zigbee2mqtt"  # a Zigbee2MQTT device's JSON state
    TASMOTA = "tasmota"  # Tasmota `tele/<topic>/SENSOR`: nested JSON, local `Time`


class QoS(IntEnum):
    AT_MOST_ONCE = 0
    AT_LEAST_ONCE = 1


class FieldMap(Strict):
    """One value of a payload → one sensor: where it is, what it measures, its unit and scaling."""

    quantity: Quantity
    path: str = Field(default="", description="dotted path in the JSON payload; default: the field's key")
    unit: str = Field(default="", description="the device's unit; converted to the quantity's canonical unit")
    scale: float = 1.0
    offset: float = 0.0
    valid_min: float | None = None
    valid_max: float | None = None
    states: dict[str, str] = Field(
        default_factory=dict, description="payload value → state label: {true: closed, false: open}"
    )
    name: str = ""

    @model_validator(mode="after")
    def _states_known(self) -> Self:
        if self.unit and not convertible(self.unit, self.quantity):
            raise InvalidValue(
                f"单位无法换算 / unit {self.unit!r} cannot become {self.quantity.info.unit!r}",
                f"valid: the canonical unit {self.quantity.info.unit!r} or one convertible to it",
                key="unit",
            )
        labels = self.quantity.info.states
        for raw, label in self.states.items():
            if label not in labels:
                raise InvalidValue(
                    f"未知状态 / unknown state {label!r} for {raw!r}",
                    f"valid for {self.quantity.value}: {', '.join(labels) or '(not a state quantity)'}",
                    key="states",
                )
        return self


class MqttDevice(Strict):
    """A device as named in its topics, with its id and place in the building."""

    id: Identifier
    name: str = ""
    zone: Identifier | None = None


class TimestampFormat(StrEnum):
    AUTO = "auto"  # ISO 8601 text, or epoch seconds / milliseconds as a number
    ISO = "iso"
    EPOCH_S = "epoch_s"
    EPOCH_MS = "epoch_ms"


def _template(value: str) -> str:
    check_template(value)
    return value


Template = Annotated[str, AfterValidator(_template)]  # a topic with named parts, {device} once


class Payload(Strict):
    """How a device model's messages read: the part a subscription and an MQTT profile share."""

    decoder: Decoder = Decoder.JSON
    fields: dict[Identifier, FieldMap] = Field(default_factory=dict)
    interval: Seconds = Field(default=60.0, gt=0, le=86400, description="how often a device publishes")
    availability: Template | None = Field(
        default=None, description="template of an online/offline (Last Will) topic, e.g. tele/{device}/LWT"
    )
    timestamp: str | None = Field(
        default=None, description="dotted path of the payload's time; default: arrival (Tasmota: Time)"
    )
    timestamp_format: TimestampFormat = TimestampFormat.AUTO

    @model_validator(mode="after")
    def _number_has_one_field(self) -> Self:
        self.check_number()
        return self

    def check_number(self) -> None:
        """Raise InvalidValue if the number decoder has more than one field."""
        if self.decoder is Decoder.NUMBER and len(self.fields) > 1:
            raise InvalidValue(
                f"number 解码器只有一个值 / the number decoder has one value, not {len(self.fields)}",
                "valid: exactly one entry under fields",
                key="fields",
            )


class MqttProfile(Payload):
    """An MQTT device model as data (`config/profiles/mqtt/<id>.yaml`): decoder, fields, liveness."""

    id: Identifier
    name: str = ""
    vendor: str = ""
    source: str = Field(default="", description="where the payload format comes from")
    fields: dict[Identifier, FieldMap] = Field(min_length=1)


class Subscription(Payload):
    topic: Template = Field(description="a template with named parts, e.g. anjing/{zone}/{device}/telemetry")
    profile: Identifier | None = Field(
        default=None, description="an MQTT profile: what the subscription does not set comes from it"
    )
    devices: dict[str, MqttDevice] = Field(min_length=1, description="the {device} part → the device")

    @model_validator(mode="after")
    def _fields_or_profile(self) -> Self:
        if not self.fields and self.profile is None:
            raise InvalidValue(
                "缺少字段映射 / a subscription needs fields: or profile:",
                "valid: fields: {key: {quantity: …}} or profile: <id of an MQTT profile>",
                key="fields",
            )
        return self

    def with_profile(self, profile: MqttProfile) -> Subscription:
        """This subscription completed by `profile`: each key it does not set comes from the profile,
        and its own `fields:` entries replace the profile's of the same key. InvalidValue if the
        result does not fit: the number decoder with several fields, or an availability topic of
        the profile that lives under other levels than this subscription's topic."""
        inherited = {
            key: getattr(profile, key) for key in Payload.model_fields if key not in self.model_fields_set
        }
        merged = self.model_copy(update={**inherited, "fields": {**profile.fields, **self.fields}})
        merged.check_number()
        available = merged.availability if "availability" in inherited else None
        if available is not None and _before_device(available) != _before_device(self.topic):
            raise InvalidValue(
                f"配置文件的在线主题与订阅主题不符 / profile {profile.id}'s availability "
                f"{available!r} does not fit the topic {self.topic!r}",
                "valid: this subscription's own availability: (the devices' online/offline topic), "
                "or availability: null",
                key="availability",
            )
        return merged


def _before_device(template: str) -> list[str]:
    """The levels of a template before its `{device}` part: a device's own topics share them."""
    levels = template.split("/")
    return levels[: levels.index("{device}")]


def check_template(template: str) -> list[str]:
    """The named parts of a topic template; raise InvalidValue unless it names `{device}` once."""
    names: list[str] = []
    for level in template.split("/"):
        match = _PART.match(level)
        if match:
            names.append(match.group(1))
        elif "{" in level or "}" in level or ("+" in level and level != "+"):
            raise InvalidValue(
                f"主题层级无效 / bad topic level {level!r} in {template!r}",
                "valid: a whole level is {name}, +, # (last) or text without { } +",
            )
    if "#" in template.split("/")[:-1] or any("#" in lv and lv != "#" for lv in template.split("/")):
        raise InvalidValue(f"# 只能在末尾 / # must be the whole last level in {template!r}")
    if names.count("device") != 1 or len(set(names)) != len(names):
        raise InvalidValue(
            f"主题模板需要且只需要一个 {{device}} / the template {template!r} needs {{device}} exactly once",
            "valid: e.g. zigbee2mqtt/{device} or anjing/{zone}/{device}/telemetry (names used once)",
        )
    return names


class Publish(Strict):
    """What Anjing publishes: device online/offline states (retained) and alert state changes."""

    prefix: str = Field(default="anjing", pattern=r"^[^#+]+$", description="topics start with it")
    qos: QoS = QoS.AT_LEAST_ONCE


class Mqtt(Strict):
    url: str = Field(default="mqtt://127.0.0.1:1883", description="mqtt://host:port or mqtts://host:port")
    client_id: str = Field(
        default="anjing", min_length=1, max_length=64, description="fixed: the broker keeps the session"
    )
    username: str | None = None
    password: str | None = Field(default=None, description="from the environment: ${MQTT_PASSWORD}")
    ca_file: Path | None = Field(default=None, description="CA of the broker's certificate (mqtts)")
    cert_file: Path | None = Field(default=None, description="client certificate (mqtts, optional)")
    key_file: Path | None = None
    qos: QoS = QoS.AT_LEAST_ONCE
    protocol: Literal["5", "3.1.1"] = Field(
        default="5", description="5 (session expiry, shared subscriptions) or 3.1.1 (amqtt, old brokers)"
    )
    session_expiry: Seconds = Field(
        default=7 * 86400.0, ge=0, le=4294967295, description="how long the broker keeps our queue offline"
    )
    keepalive: Seconds = Field(default=30.0, ge=5, le=3600)
    backoff_max: Seconds = Field(default=30.0, gt=0, le=300, description="reconnect waits double up to this")
    shared_group: str | None = Field(
        default=None, pattern=_SHARED_GROUP, description="subscribe as $share/<group>/… to split the stream"
    )
    max_payload: int = Field(
        default=65536, ge=16, le=16 * 1024 * 1024, description="bytes; larger → rejected"
    )
    max_clock_skew: Seconds = Field(default=300.0, ge=0, description="timestamps further ahead → rejected")
    embedded: bool = Field(default=False, description="start a broker on loopback (the demo): amqtt")
    publish: Publish | None = None
    subscriptions: list[Subscription] = Field(default_factory=list)

    @field_validator("protocol", mode="before")
    @classmethod
    def _protocol_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def _shared_needs_v5(self) -> Self:
        if self.shared_group and self.protocol != "5":
            raise InvalidValue(
                "共享订阅需要 MQTT 5 / shared_group needs protocol 5", "valid: protocol: 5", key="protocol"
            )
        if self.embedded and (self.protocol != "3.1.1" or self.tls or self.host not in LOOPBACK):
            raise InvalidValue(
                "内置代理仅限本机 MQTT 3.1.1 / the embedded broker (amqtt) speaks MQTT 3.1.1 on loopback only",
                "valid: url: mqtt://127.0.0.1:PORT and protocol: 3.1.1",
                key="embedded",
            )
        if bool(self.cert_file) != bool(self.key_file):
            raise InvalidValue("证书与私钥需同时给出 / cert_file and key_file go together", key="key_file")
        return self

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"mqtt", "mqtts"} or not parts.hostname:
            raise InvalidValue(
                f"代理地址无效 / bad broker url {value!r}", "valid: mqtt://host:1883 or mqtts://host:8883"
            )
        if parts.username or parts.password:
            raise InvalidValue(
                "地址中不能有账号 / no credentials in the url",
                "valid: username: and password: ${MQTT_PASSWORD} (from the environment)",
            )
        return value

    @property
    def tls(self) -> bool:
        return urlsplit(self.url).scheme == "mqtts"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or (8883 if self.tls else 1883)


MQTT_BUS = "mqtt"  # SensorInfo.bus of every MQTT sensor


def mqtt_sensors(mqtt: Mqtt | None) -> dict[str, SensorInfo]:
    """Every MQTT device's fields as sensors, in config order."""
    sensors: dict[str, SensorInfo] = {}
    for sub in mqtt.subscriptions if mqtt else ():
        for device in sub.devices.values():
            for key, spec in sub.fields.items():
                ident = sensor_id(device.id, key)
                sensors[ident] = SensorInfo(
                    id=ident,
                    device=device.id,
                    field=field_spec(key, spec),
                    name=f"{device.name or device.id} {spec.name or key}",
                    zone=device.zone,
                    bus=MQTT_BUS,
                    address=0,
                    profile=sub.decoder.value,
                    poll=sub.interval,
                )
    return sensors


def mqtt_devices(mqtt: Mqtt | None) -> dict[str, MqttDevice]:
    """Every MQTT device by its id."""
    return {dev.id: dev for sub in (mqtt.subscriptions if mqtt else ()) for dev in sub.devices.values()}


def field_spec(key: str, spec: FieldMap) -> FieldSpec:
    """The field as the rest of Anjing knows fields (a Modbus field without a register)."""
    return FieldSpec(
        key=key,
        quantity=spec.quantity,
        address=0,
        scale=spec.scale,
        offset=spec.offset,
        unit=spec.unit,
        valid_min=spec.valid_min,
        valid_max=spec.valid_max,
        name_zh=spec.name,
    )
