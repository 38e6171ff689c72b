"""An RS-485 line (two pseudo-terminals joined by socat) with a live slave and a dead one.

The top complaint about every existing tool: one dead slave stalls the whole line. Here the live
slave's poll rate is measured alone and beside a dead neighbour, over the same window.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from pathlib import Path
from typing import Any

import pytest

from collectors.status import DeviceStatus
from tests.collectors.modbus.harness import Collecting, collecting, eventually, make_site, serial_slaves, unit

POLL = 0.2
WINDOW = (0.5, 3.5)  # seconds after start: the dead slave's failing polls and first probes fall inside
BACKOFF_MAX = 1.0


def line(port: str) -> dict[str, Any]:
    return {"id": "rs485-1", "transport": "rtu", "port": port, "timeout": "200ms", "frame_gap": "5ms"}


def th(ident: str, address: int) -> dict[str, Any]:
    return {
        "id": ident,
        "bus": "rs485-1",
        "address": address,
        "profile": "th-rs-ws-n01",
        "poll": POLL,
        "retries": 1,
        "offline_after": 3,
        "backoff_max": BACKOFF_MAX,
    }


def status(running: Collecting, device: str) -> DeviceStatus:
    found = running.board.get(device)
    assert found is not None
    return found


async def live_rate(running: Collecting) -> float:
    """Polls per second of `th-live` over WINDOW."""
    live = status(running, "th-live")
    await asyncio.sleep(WINDOW[0])
    before = live.polls
    await asyncio.sleep(WINDOW[1] - WINDOW[0])
    return (live.polls - before) / (WINDOW[1] - WINDOW[0])


async def record_failures(dead: DeviceStatus, into: list[float]) -> None:
    """When (in loop time) each failed poll of `dead` ended."""
    loop = asyncio.get_running_loop()
    while True:
        if dead.failed_polls > len(into):
            into.append(loop.time())
        await asyncio.sleep(0.005)


async def test_dead_slave_does_not_stall_the_line(
    tmp_path: Path, pty_pair: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="collectors.modbus")
    master, slave = pty_pair
    async with serial_slaves(
        {1: unit(hr=[456, 235]), 2: unit(hr=[500, 240])}, port=slave, silent={2}
    ) as served:
        alone = make_site(tmp_path / "alone", [line(master)], [th("th-live", 1)])
        async with collecting(alone) as running:
            rate_alone = await live_rate(running)

        both = make_site(tmp_path / "both", [line(master)], [th("th-live", 1), th("th-dead", 2)])
        failures: list[float] = []
        async with collecting(both) as running:
            dead = status(running, "th-dead")
            recorder = asyncio.create_task(record_failures(dead, failures))
            rate_shared = await live_rate(running)
            await eventually(lambda: len(failures) >= 7, within=5, what="four probes after going offline")
            recorder.cancel()
            assert dead.online is False
            assert dead.timeouts == dead.requests  # it never answered
            assert status(running, "th-live").failed_polls == 0

            served.slaves.present.add(2)  # the dead slave comes back
            await eventually(
                lambda: dead.online is True, within=BACKOFF_MAX + 2, what="the slave back online"
            )
            assert dead.last_good is not None

    ratio = rate_shared / rate_alone
    print(f"\nlive slave: {rate_alone:.2f}/s alone, {rate_shared:.2f}/s beside a dead one, ratio {ratio:.2f}")
    assert rate_alone > 0.7 / POLL  # the line keeps up with the schedule
    assert 0.8 <= ratio <= 1.2

    # back-off: before going offline the dead slave fails a poll every ~0.4 s (two attempts of 0.2 s);
    # then one probe of 0.2 s after 0.3–0.4 s, 0.6–0.8 s, then 0.75–1.0 s (the cap, with jitter)
    gaps = [b - a for a, b in itertools.pairwise(failures)]
    assert all(g < 0.6 for g in gaps[:2]), gaps
    assert gaps[1] < gaps[2] < gaps[3], gaps
    assert all(0.85 <= g <= BACKOFF_MAX + 0.2 + 0.5 for g in gaps[4:]), gaps

    messages = [r.getMessage() for r in caplog.records]
    assert sum("rs485-1 unit 2 (th-dead): offline after 3 failed polls" in m for m in messages) == 1
    assert sum("rs485-1 unit 2 (th-dead): recovered after" in m for m in messages) == 1
    assert not any("th-live" in m and ("offline" in m or "recovered" in m) for m in messages)
