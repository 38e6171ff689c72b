"""The site's `notify:` section: channels, receivers, the duty rota, the route tree, retries, fallback.

Channels are validated against `alerts.channels.ChannelConfig` in `check_notify` (called by the
loader's cross-check), not in the model: `alerts` imports `config`, so `config.models` importing the
channel package would be an import cycle. The check still reports each channel's mistakes at their
file:line, together with every unknown channel or receiver id named by a receiver or a route.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import time
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from config.errors import ConfigIssue, InvalidValue, KeyPath
from config.source import Source
from config.types import IDENTIFIER_PATTERN, Seconds

ON_DUTY = "on-duty"  # the receiver alias the rota resolves to whoever is on duty now
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_SPAN_HINT = 'valid: HH:MM-HH:MM in the site\'s time zone, e.g. "22:00-07:00" (may pass midnight)'
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN, max_length=64)]
Label = Literal["kind", "rule", "severity", "standard", "zone"]  # what a route matches and groups on
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _check_span(text: str) -> str:
    match = _SPAN.match(text.strip())
    if match is None or int(match[1]) > 23 or int(match[3]) > 24 or int(match[2]) > 59 or int(match[4]) > 59:
        raise InvalidValue(f"时段无效 / bad time span {text!r}", _SPAN_HINT)
    return text.strip()


Span = Annotated[str, AfterValidator(_check_span)]


def in_span(span: str, at: time) -> bool:
    """Whether the wall-clock time `at` falls in `span` ("22:00-07:00"), start included, end excluded."""
    h1, m1, h2, m2 = (int(g) for g in _SPAN.match(span).groups())  # type: ignore[union-attr]
    start, end, here = h1 * 60 + m1, h2 * 60 + m2, at.hour * 60 + at.minute
    return start <= here < end if start <= end else here >= start or here < end


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Address(Strict):
    """How one receiver is reached over one channel: the channel's id and the addresses it needs."""

    channel: Identifier
    mobiles: list[str] = Field(default_factory=list, description="WeCom: mobiles to @-mention")
    phones: list[str] = Field(default_factory=list, description="SMS: phone numbers")
    emails: list[str] = Field(default_factory=list, description="e-mail addresses")

    @property
    def addresses(self) -> tuple[str, ...]:
        return (*self.mobiles, *self.phones, *self.emails)


class Receiver(Strict):
    """A person or duty group; outside `quiet_hours` (site time) or for critical alerts, told at once."""

    id: Identifier
    name: str
    language: Literal["zh", "en"] = "zh"
    channels: list[Address] = Field(min_length=1)
    quiet_hours: Span | None = None


class Shift(Strict):
    """Who is `on-duty` on `days` (mon…sun; all by default) during `hours` (all day by default)."""

    receiver: Identifier
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS))
    hours: Span = "00:00-24:00"


class Escalation(Strict):
    after: Seconds = Field(gt=0, description="since the alert started firing, still unacknowledged")
    receivers: list[Identifier] = Field(min_length=1)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Matcher = Annotated[list[str], Field(min_length=1)]


class Route(Strict):
    """A node of the route tree (Alertmanager's): an alert goes down to the deepest matching routes."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    match: dict[Label, Matcher] = Field(default_factory=dict)
    receivers: list[Identifier] = Field(default_factory=list)
    group_by: list[Label] = Field(default_factory=lambda: list[Label](["zone"]))
    group_wait: Seconds = Field(default=30.0, ge=0)
    repeat: Seconds = Field(default=4 * 3600.0, gt=0)
    send_resolved: bool = True
    escalate: list[Escalation] = Field(default_factory=list)
    continue_: bool = Field(default=False, alias="continue")
    routes: list[Route] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _single_values(cls, data: Any) -> Any:
        """`severity: critical` is written for `severity: [critical]`."""
        if isinstance(data, dict) and isinstance(data.get("match"), dict):
            data = {**data, "match": {k: _as_list(v) for k, v in data["match"].items()}}
        return data

    @model_validator(mode="after")
    def _escalation_order(self) -> Self:
        afters = [step.after for step in self.escalate]
        if afters != sorted(afters):
            raise InvalidValue(
                "升级时间须递增 / escalation steps must come in order of `after`", key="escalate"
            )
        return self


class Retry(Strict):
    """Exponential back-off with jitter between attempts; a notice is given up after `give_up`."""

    initial: Seconds = Field(default=2.0, gt=0)
    max: Seconds = Field(default=300.0, gt=0)
    give_up: Seconds = Field(default=24 * 3600.0, gt=0)


class Fallback(Strict):
    """After `after` failed attempts of one notice, it goes to `receiver` as well (over its other channels)."""

    after: int = Field(default=3, ge=1)
    receiver: Identifier


class Notify(Strict):
    channels: list[dict[str, Any]] = Field(
        min_length=1, description="channel configs (alerts.channels.ChannelConfig), checked by check_notify"
    )
    receivers: list[Receiver] = Field(min_length=1)
    rota: list[Shift] = Field(default_factory=list)
    routes: list[Route] = Field(
        min_length=1, description="the tree's first level: the root matches every alert"
    )
    retry: Retry = Retry()
    fallback: Fallback | None = None
    dashboard_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://")
    tick: Seconds = Field(default=1.0, gt=0, le=60, description="how often group timers are checked")

    def receiver(self, ident: str) -> Receiver:
        return next(r for r in self.receivers if r.id == ident)


def check_notify(section: Any, source: Source) -> list[ConfigIssue]:
    """Each channel against its model, ids unique, and every channel and receiver id named known."""
    if not isinstance(section, dict):
        return []
    from alerts.channels import ChannelConfig  # noqa: PLC0415 -- here, not at the top: alerts imports config

    adapter: TypeAdapter[Any] = TypeAdapter(ChannelConfig)
    issues: list[ConfigIssue] = []
    channels = _items(section.get("channels"))
    for i, item in channels:
        try:
            adapter.validate_python(item)
        except ValidationError as exc:
            for err in exc.errors():
                loc: tuple[str | int, ...] = tuple(err["loc"])
                if loc[:1] == (item.get("type"),):  # the union's tag: not a key of the file
                    loc = loc[1:]
                issues.append(source.issue(("notify", "channels", i, *loc), err["msg"], ""))
    channel_ids = {str(item.get("id")) for _, item in channels}
    receivers = _items(section.get("receivers"))
    receiver_ids = {str(item.get("id")) for _, item in receivers} | {ON_DUTY}
    refs: list[tuple[KeyPath, str, Any]] = [
        (("notify", "receivers", i, "channels", j, "channel"), "channel", address.get("channel"))
        for i, item in receivers
        for j, address in _items(item.get("channels"))
    ]
    refs += [
        (("notify", "rota", i, "receiver"), "receiver", s.get("receiver"))
        for i, s in _items(section.get("rota"))
    ]
    if isinstance(fallback := section.get("fallback"), dict):
        refs.append((("notify", "fallback", "receiver"), "receiver", fallback.get("receiver")))
    for r, route in _items(section.get("routes")):
        refs += [(key, "receiver", ident) for key, ident in _route_receivers(route, ("notify", "routes", r))]
    for key, kind, value in refs:
        valid = channel_ids if kind == "channel" else receiver_ids
        if isinstance(value, str) and value not in valid:
            issues.append(
                source.issue(
                    key, f"未知 {kind} / unknown {kind} {value!r}", f"valid: {', '.join(sorted(valid))}"
                )
            )
    return issues


def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _route_receivers(route: dict[str, Any], key: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    for i, ident in enumerate(_as_list(route.get("receivers")) or []):
        yield (*key, "receivers", i), ident
    for s, step in _items(route.get("escalate")):
        for i, ident in enumerate(_as_list(step.get("receivers")) or []):
            yield (*key, "escalate", s, "receivers", i), ident
    for c, child in _items(route.get("routes")):
        yield from _route_receivers(child, (*key, "routes", c))
