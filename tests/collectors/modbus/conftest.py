"""Fixtures of the Modbus collector's tests: an RS-485 line made of two pseudo-terminals."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def pty_pair(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two pseudo-terminals joined by socat: an RS-485 line without hardware (baud rate is ignored)."""
    socat = shutil.which("socat")
    if socat is None:
        pytest.fail(
            "socat is required for the RTU tests: run scripts/install-test-deps.sh (apt-get install socat)"
        )
    master, slave = tmp_path / "master", tmp_path / "slave"
    proc = subprocess.Popen(
        [socat, "-d", "-d", f"pty,raw,echo=0,link={master}", f"pty,raw,echo=0,link={slave}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 5
        while not (master.exists() and slave.exists()):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"socat did not create the pseudo-terminals (exit code {proc.poll()})")
            time.sleep(0.01)
        yield str(master), str(slave)
    finally:
        proc.terminate()
        proc.wait(5)
