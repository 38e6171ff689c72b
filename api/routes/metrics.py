"""`/metrics`: the running service in the Prometheus exposition format, read at scrape time.

Nothing is counted twice: the parts keep their own counters (`DeviceStatus`, the store writer, the
outbox statistics, the alert engine, the notification workers) for the API's JSON pages, and this
module only turns them into metric families when Prometheus asks. No global registry: each scrape
builds one around the service context (plus the process, platform and GC collectors of
`prometheus_client`), so several apps in one process never share series.

Families, by part (all `anjing_`; labels in braces):
- parts: `part_up{part}`, `build_info{version,site}`;
- devices: `device_state{device,bus,state}` (1 for the current one of online/offline/unknown),
  `device_last_good_timestamp_seconds{device,bus}`;
- Modbus, per device: `modbus_requests_total`, `modbus_timeouts_total`, `modbus_exceptions_total`,
  `modbus_crc_errors_total`, `modbus_failed_polls_total`, `modbus_poll_duration_seconds` (summary:
  its `_count` is the polls), `modbus_poll_interval_seconds`, `modbus_overruns_total` and
  `modbus_line_seconds_total` (`sum by (bus) (rate(…))` is the share of time the line is busy);
- MQTT: `mqtt_messages_total{device}`, `mqtt_rejected_total{device,reason}`,
  `mqtt_connection_failures_total{device}` (the broker connection, `mqtt:<client id>`);
- store: `readings_collected_total`, `stream_pending`, `stream_capacity`, `store_written_total`,
  `store_write_duration_seconds` (summary: its `_count` is the write transactions),
  `store_write_failures_total`, `store_failing`;
- outbox (when InfluxDB is configured): depth, oldest age, growing, auth failed, sent, retried,
  quarantined, dropped;
- alerts: `alerts{state,severity}`, `alert_silences_active`;
- notifications (when `notify:` is configured): `notify_{sent,failed,throttled}_total{channel}`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from alerts.state import AlertState
from api.auth.roles import Permission
from api.context import ServiceContext
from api.deps import ContextDep, require
from collectors import DeviceStatus
from config.mqtt import MQTT_BUS
from config.standards import Severity
from storage.influx import ForwarderState, OutboxStats

router = APIRouter(tags=["metrics"])

VERSION = "0.1.0"
MQTT_LINK_PREFIX = "mqtt:"  # the broker connection's entry on the status board: `mqtt:<client id>`
NOTIFY_OUTCOMES = (
    ("sent", "Notices a channel accepted."),
    ("failed", "Delivery attempts a channel refused or could not make."),
    ("throttled", "Delivery attempts held back by a rate limit."),
)


class ServiceCollector(Collector):
    """The service context's state as metric families, computed on every `collect`."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def collect(self) -> Iterator[Metric]:
        context = self._context
        yield from part_families(context)
        yield from device_families(context)
        yield from store_families(context)
        yield from outbox_families(context.outbox)
        yield from alert_families(context)
        if context.notifier is not None:
            yield from notify_families(context.notifier.counts())


def part_families(context: ServiceContext) -> Iterator[Metric]:
    info = InfoMetricFamily("anjing_build", "Anjing's version and the site it serves.")
    info.add_metric([], {"version": VERSION, "site": context.site.config.site.name})
    yield info
    up = GaugeMetricFamily("anjing_part_up", "1 while a part of the service runs.", labels=["part"])
    for part, problem in sorted(context.parts.items()):
        up.add_metric([part], float(problem is None))
    yield up


def device_families(context: ServiceContext) -> Iterator[Metric]:
    statuses = sorted(context.board, key=lambda s: (s.bus, s.device))
    state = GaugeMetricFamily(
        "anjing_device_state",
        "1 for the device's current state: online, offline or unknown (not yet answered).",
        labels=["device", "bus", "state"],
    )
    last_good = GaugeMetricFamily(
        "anjing_device_last_good_timestamp_seconds",
        "When the device last answered or sent readings (Unix time).",
        labels=["device", "bus"],
    )
    for status in statuses:
        now = {True: "online", False: "offline", None: "unknown"}[status.online]
        for name in ("online", "offline", "unknown"):
            state.add_metric([status.device, status.bus, name], float(name == now))
        if status.last_good is not None:
            last_good.add_metric([status.device, status.bus], status.last_good.timestamp())
    yield state
    yield last_good
    yield from modbus_families(context, [s for s in statuses if s.bus != MQTT_BUS])
    yield from mqtt_families([s for s in statuses if s.bus == MQTT_BUS])


MODBUS_COUNTERS = (
    ("requests", "Modbus transactions sent, retries included.", "requests"),
    ("timeouts", "Modbus transactions left without a usable answer.", "timeouts"),
    ("exceptions", "Modbus exception responses (illegal address, busy, …).", "exceptions"),
    ("crc_errors", "RTU answers that failed their CRC check (each also counts as a timeout).", "crc_errors"),
    ("failed_polls", "Polls that ended without an answer.", "failed_polls"),
    ("overruns", "Scheduled polls skipped because earlier ones ran past their time.", "overruns"),
    ("line_seconds", "Time the device's transactions held the line or a gateway connection.", "line_seconds"),
)


def modbus_families(context: ServiceContext, statuses: list[DeviceStatus]) -> Iterator[Metric]:
    labels = ["device", "bus"]
    for name, help_text, attribute in MODBUS_COUNTERS:
        family = CounterMetricFamily(f"anjing_modbus_{name}", help_text, labels=labels)
        for status in statuses:
            family.add_metric([status.device, status.bus], getattr(status, attribute))
        yield family
    duration = SummaryMetricFamily(
        "anjing_modbus_poll_duration_seconds",
        "Time each poll took, waits for the line included; `_count` is the polls made.",
        labels=labels,
    )
    interval = GaugeMetricFamily(
        "anjing_modbus_poll_interval_seconds", "How often the device is meant to be polled.", labels=labels
    )
    polls = {device.id: device.poll for device in context.site.config.devices}
    for status in statuses:
        duration.add_metric([status.device, status.bus], status.polls, status.poll_seconds)
        if status.device in polls:
            interval.add_metric([status.device, status.bus], polls[status.device])
    yield duration
    yield interval


def mqtt_families(statuses: list[DeviceStatus]) -> Iterator[Metric]:
    messages = CounterMetricFamily(
        "anjing_mqtt_messages_total",
        "MQTT messages decoded, per device (a message rejected whole is counted in anjing_mqtt_rejected_total).",
        labels=["device"],
    )
    rejected = CounterMetricFamily(
        "anjing_mqtt_rejected_total",
        "MQTT messages or values rejected, by reason.",
        labels=["device", "reason"],
    )
    failures = CounterMetricFamily(
        "anjing_mqtt_connection_failures_total",
        "Connections to the broker lost or refused.",
        labels=["device"],
    )
    for status in statuses:
        messages.add_metric([status.device], status.messages)
        reasons: Counter[str] = Counter()
        for by_reason in status.rejected.values():
            reasons.update(by_reason)
        for reason, count in sorted(reasons.items()):
            rejected.add_metric([status.device, reason], count)
        if status.device.startswith(MQTT_LINK_PREFIX):
            failures.add_metric([status.device], status.failed_polls)
    if statuses:
        yield from (messages, rejected, failures)


def store_families(context: ServiceContext) -> Iterator[Metric]:
    stream, writer = context.stream, context.writer
    yield CounterMetricFamily(
        "anjing_readings_collected_total", "Readings the collectors handed to the store.", stream.accepted
    )
    yield GaugeMetricFamily("anjing_stream_pending", "Readings collected, not yet stored.", stream.pending)
    yield GaugeMetricFamily(
        "anjing_stream_capacity", "Readings the stream holds before collectors wait.", stream.capacity
    )
    if writer is None:
        return
    yield CounterMetricFamily("anjing_store_written_total", "Readings stored.", writer.written)
    yield SummaryMetricFamily(
        "anjing_store_write_duration_seconds",
        "Time the store's write transactions took; `_count` is the transactions.",
        count_value=writer.batches,
        sum_value=writer.write_seconds,
    )
    yield CounterMetricFamily(
        "anjing_store_write_failures_total", "Store writes that failed and were retried.", writer.failures
    )
    yield GaugeMetricFamily(
        "anjing_store_failing", "1 while the store cannot be written.", float(context.store_error is not None)
    )


def outbox_families(stats: OutboxStats | None) -> Iterator[Metric]:
    """The outbox's gauges and counters; none when InfluxDB is not configured."""
    if stats is None:
        return
    gauges = (
        ("anjing_outbox_depth", "Readings waiting for InfluxDB.", stats.depth),
        (
            "anjing_outbox_oldest_age_seconds",
            "Age of the oldest reading waiting for InfluxDB (0 when none waits).",
            stats.oldest_age or 0.0,
        ),
        ("anjing_outbox_growing", "1 when the outbox is deeper than a while ago.", float(stats.growing)),
        (
            "anjing_outbox_auth_failed",
            "1 while InfluxDB refuses the credentials.",
            float(stats.state is ForwarderState.AUTH_FAILED),
        ),
    )
    counters = (
        ("anjing_outbox_sent", "Points acknowledged by InfluxDB.", stats.sent),
        ("anjing_outbox_retried", "Write requests failed and retried.", stats.retried),
        ("anjing_outbox_quarantined", "Lines InfluxDB refused as bad data.", stats.quarantined),
        ("anjing_outbox_dropped", "Readings given up by the outbox caps.", stats.dropped),
    )
    yield from (GaugeMetricFamily(name, help_text, value) for name, help_text, value in gauges)
    yield from (CounterMetricFamily(name, help_text, value) for name, help_text, value in counters)


def alert_families(context: ServiceContext) -> Iterator[Metric]:
    engine = context.alerts.engine
    counts: Counter[tuple[str, str]] = Counter(
        (engine.status(key).state.value, binding.severity.value) for key, binding in engine.bindings.items()
    )
    alerts = GaugeMetricFamily(
        "anjing_alerts", "Alerts defined for this site, by state and severity.", labels=["state", "severity"]
    )
    for state in AlertState:
        for severity in Severity:
            alerts.add_metric([state.value, severity.value], counts[state.value, severity.value])
    yield alerts
    now = time.time()
    yield GaugeMetricFamily(
        "anjing_alert_silences_active",
        "Silences and maintenance windows in force now.",
        sum(1 for s in engine.silences if s.start <= now < s.end),
    )


def notify_families(counts: dict[str, dict[str, int]]) -> Iterator[Metric]:
    """`anjing_notify_<outcome>_total{channel="…"}` per channel."""
    for outcome, help_text in NOTIFY_OUTCOMES:
        family = CounterMetricFamily(f"anjing_notify_{outcome}", help_text, labels=["channel"])
        for ident, by_outcome in counts.items():
            family.add_metric([ident], by_outcome[outcome])
        yield family


def exposition(context: ServiceContext, accept: str | None) -> tuple[bytes, str]:
    """The scrape's body and content type: OpenMetrics when the scraper asks for it, else text 0.0.4."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(context))
    for collector in (ProcessCollector, PlatformCollector, GCCollector):
        collector(registry=registry)
    encode, content_type = choose_encoder(accept or "")
    return encode(registry), content_type


@router.get(
    "/metrics",
    summary="Prometheus 指标 / Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "the Prometheus text format"}},
    dependencies=[Depends(require(Permission.METRICS))],
)
async def metrics(context: ContextDep, request: Request) -> Response:
    body, content_type = exposition(context, request.headers.get("accept"))
    return Response(body, media_type=content_type)
