"""The heartbeat to an external dead man's switch: one POST per interval while Anjing is sound.

A monitoring box that dies takes its own alerts with it; a service outside the building (e.g.
healthchecks.io, or Uptime Kuma's push monitor) that stops hearing the heartbeat tells someone. While
a part of the service is stopped or the store fails, the heartbeat goes to `fail_url` (when set)
with what is wrong, or is withheld, so the outside service raises its alarm too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import httpx

from config.heartbeat import Heartbeat

log = logging.getLogger("anjing.heartbeat")
Problem = Callable[[], str | None]  # what is wrong with the service now, None when it is sound


async def beat(config: Heartbeat, site: str, problem: Problem) -> None:
    """POST every `config.every` seconds until cancelled; a failed POST is logged once per streak."""
    failing = False
    async with httpx.AsyncClient(timeout=config.timeout) as client:
        while True:
            wrong = problem()
            url = config.url if wrong is None else config.fail_url
            if url is not None:
                body = {
                    "site": site,
                    "status": "ok" if wrong is None else "fail",
                    "problem": wrong,
                    "ts": time.time(),
                }
                try:
                    answer = await client.post(url, json=body)
                    answer.raise_for_status()
                    if failing:
                        log.info("心跳恢复 / heartbeat delivered again")
                    failing = False
                except httpx.HTTPError as exc:
                    if not failing:
                        log.warning(
                            "心跳发送失败 / heartbeat failed: %r (logged once until it works again)", exc
                        )
                    failing = True
            await asyncio.sleep(config.every)
