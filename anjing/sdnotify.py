"""systemd's notify protocol (sd_notify) in a few lines, and the watchdog that feeds it.

The protocol is one datagram of `KEY=value` lines to the unix socket named by `$NOTIFY_SOCKET`
(a leading `@` means the abstract namespace). Outside systemd the variable is unset and every call
does nothing, so `anjing run` behaves the same in a terminal.

The watchdog pings only while every part of the runtime runs (the same `parts` that /healthz
reports): a stopped collector or writer makes systemd restart the service after `WatchdogSec`, and a
blocked event loop stops the pings too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Mapping

log = logging.getLogger("anjing.sdnotify")

Parts = Callable[[], Mapping[str, str | None]]

DEFAULT_INTERVAL = 10.0  # seconds between pings when systemd sets no WATCHDOG_USEC


def notify(message: str, *, environ: Mapping[str, str] = os.environ) -> bool:
    """Send `message` (e.g. "READY=1") to systemd; False when not under systemd or the send failed."""
    address = environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode(), address)
    except OSError as exc:  # systemd gone or the socket unwritable: a ping lost, never a crash
        log.warning("sd_notify 发送失败 / sd_notify failed: %s", exc)
        return False
    return True


def watchdog_interval(environ: Mapping[str, str] = os.environ) -> float:
    """Half of systemd's WatchdogSec (as systemd's docs advise), else DEFAULT_INTERVAL."""
    usec = environ.get("WATCHDOG_USEC", "")
    return int(usec) / 2e6 if usec.isdigit() and int(usec) > 0 else DEFAULT_INTERVAL


async def watch(parts: Parts, *, environ: Mapping[str, str] = os.environ) -> None:
    """READY=1, then WATCHDOG=1 every interval while no part reports a problem; STOPPING=1 when cancelled."""
    notify("READY=1", environ=environ)
    interval = watchdog_interval(environ)
    failing = False
    try:
        while True:
            problems = {name: why for name, why in parts().items() if why is not None}
            if not problems:
                notify("WATCHDOG=1", environ=environ)
            elif not failing:
                log.error("看门狗暂停：部件停止 / watchdog pings withheld, parts stopped: %s", problems)
            failing = bool(problems)
            await asyncio.sleep(interval)
    finally:
        notify("STOPPING=1", environ=environ)
