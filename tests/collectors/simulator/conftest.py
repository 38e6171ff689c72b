"""Fixtures of the simulator tests."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def pty_pair(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two linked pseudo-terminals (socat): an RS-485 line whose ends are the client's and the simulator's."""
    client_end, server_end = tmp_path / "ttyA", tmp_path / "ttyB"
    link = "pty,raw,echo=0,link={}"
    socat = subprocess.Popen(
        ["socat", "-d", "-d", link.format(client_end), link.format(server_end)], stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 5
    while not (client_end.exists() and server_end.exists()):
        assert socat.poll() is None, "socat exited"
        assert time.monotonic() < deadline, "socat made no pty pair in 5 s"
        time.sleep(0.01)
    yield str(client_end), str(server_end)
    socat.terminate()
    socat.wait(5)
