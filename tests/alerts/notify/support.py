"""A site with a `notify:` section around webhook channels on real loopback receivers, and transitions to feed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alerts import AlertState, Transition, build_engine
from alerts.notify import Notifier
from alerts.notify.queue import NotifyQueue
from config import Site, load_site
from config.catalog import build_catalog
from tests.helpers import write_site

SITE = """
site: {name: 测试中心, timezone: Asia/Shanghai}
zones:
  - {id: hall, name: 服务大厅, name_en: Service hall, kind: service_hall}
  - {id: meeting, name: 会议室, kind: meeting_room}
"""


def notify_site(folder: Path, notify: str) -> Site:
    """The two-zone site with `notify` (YAML, indented under `notify:`)."""
    return load_site(write_site(folder, SITE, extra="notify:\n" + notify))


def hook(ident: str, url: str) -> str:
    """A webhook channel entry for `notify.channels`."""
    return f"    - {{id: {ident}, type: webhook, url: '{url}/hook', secret: s3cret, timeout: 2s}}\n"


def notifier(site: Site) -> Notifier:
    assert site.config.notify is not None
    return Notifier(site, site.config.notify, build_engine(site, build_catalog(site)))


def transition(
    key: str,
    ts: float,
    state: AlertState = AlertState.FIRING,
    *,
    zone: str = "hall",
    severity: str = "warning",
) -> Transition:
    """A formaldehyde alert of `zone` as the engine would report it."""
    previous = AlertState.PENDING if state is AlertState.FIRING else AlertState.FIRING
    return Transition(
        ts=ts,
        key=key,
        rule="gb-t-18883-2022/hcho-1h",
        name="甲醛 1小时平均 / Formaldehyde 1-hour mean",
        subject=key.rpartition("@")[2],
        zone=zone,
        state=state,
        previous=previous,
        severity=severity,
        value=0.12,
        unit="mg/m³",
        limit="≤ 0.08 mg/m³",
        statistic="mean",
        window=3600.0,
        standard="GB/T 18883-2022",
        clause="表1 第16项",
        confidence="medium",
    )


async def until(ready: Callable[[], bool], limit: float = 5.0) -> None:
    """Poll `ready` until it holds, for `limit` seconds (the receivers run in threads: nothing to await on)."""
    async with asyncio.timeout(limit):
        while True:
            if ready():
                return
            await asyncio.sleep(0.01)


async def logged(queue: NotifyQueue, limit: float = 5.0, **filters: Any) -> list[dict[str, Any]]:
    """The delivery log once it has an entry: a receiver sees the request before the worker records it."""
    async with asyncio.timeout(limit):
        while True:
            log = await queue.log(**filters)
            if log:
                return log
            await asyncio.sleep(0.01)
