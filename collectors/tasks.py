"""Stopping tasks whose client libraries may swallow a cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any

CANCEL_RETRY = 0.5  # seconds before a task that has not stopped is cancelled again


async def cancel_and_wait(tasks: Collection[asyncio.Task[Any]]) -> None:
    """Cancel `tasks` and wait for them, cancelling again any that swallowed it.

    Client libraries under the collectors (pymodbus, paho under aiomqtt) await with
    `asyncio.wait_for`, which on Python 3.11 can swallow a cancellation that races with an answer;
    one cancel is then not enough to stop a collector's loop.
    """
    pending = set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=CANCEL_RETRY)
    await asyncio.gather(*tasks, return_exceptions=True)
