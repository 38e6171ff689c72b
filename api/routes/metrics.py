"""`/metrics` in the Prometheus text format (0.0.4), written by hand: a few gauges and counters need no client.

Families are (name, type, help, value); the outbox's are the first. The API-security issue extends
this module with its own families.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from api.deps import ContextDep
from storage.influx import OutboxStats

router = APIRouter(tags=["metrics"])

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Family = tuple[str, str, str, float]  # name, type, help, value
NOTIFY_OUTCOMES = (
    ("sent", "Notices a channel accepted."),
    ("failed", "Delivery attempts a channel refused or could not make."),
    ("throttled", "Delivery attempts held back by a rate limit."),
)


def outbox_families(stats: OutboxStats | None) -> list[Family]:
    """The outbox's gauges and counters; none when InfluxDB is not configured."""
    if stats is None:
        return []
    return [
        ("anjing_outbox_depth", "gauge", "Readings waiting for InfluxDB.", stats.depth),
        (
            "anjing_outbox_oldest_age_seconds",
            "gauge",
            "Age of the oldest reading waiting for InfluxDB (0 when none waits).",
            stats.oldest_age or 0.0,
        ),
        ("anjing_outbox_growing", "gauge", "1 when the outbox is deeper than a while ago.", stats.growing),
        (
            "anjing_outbox_auth_failed",
            "gauge",
            "1 while InfluxDB refuses the credentials.",
            stats.state == "auth_failed",
        ),
        ("anjing_outbox_sent_total", "counter", "Points acknowledged by InfluxDB.", stats.sent),
        ("anjing_outbox_retried_total", "counter", "Write requests failed and retried.", stats.retried),
        (
            "anjing_outbox_quarantined_total",
            "counter",
            "Lines InfluxDB refused as bad data.",
            stats.quarantined,
        ),
        ("anjing_outbox_dropped_total", "counter", "Readings given up by the outbox caps.", stats.dropped),
    ]


def render(families: Iterable[Family]) -> str:
    lines = []
    for name, kind, help_text, value in families:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", f"{name} {float(value)!r}"]
    return "\n".join(lines) + "\n"


def notify_lines(counts: dict[str, dict[str, int]]) -> str:
    """`anjing_notify_<outcome>_total{channel="…"}` per channel; empty when `notify:` is not configured."""
    lines = []
    for outcome, help_text in NOTIFY_OUTCOMES:
        name = f"anjing_notify_{outcome}_total"
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
        lines += [f'{name}{{channel="{ident}"}} {float(c[outcome])!r}' for ident, c in counts.items()]
    return "\n".join(lines) + "\n" if counts else ""


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus 指标 / Prometheus metrics")
async def metrics(context: ContextDep) -> PlainTextResponse:
    counts = context.notifier.counts() if context.notifier is not None else {}
    return PlainTextResponse(
        render(outbox_families(context.outbox)) + notify_lines(counts), media_type=CONTENT_TYPE
    )
