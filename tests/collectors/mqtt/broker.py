"""A real Mosquitto for the tests: its own config, port and persistence folder; stoppable and restartable."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.helpers import free_port


class Mosquitto:
    """`mosquitto -c CONF` on a free loopback port. `stop()` saves its persistence (SIGTERM), `start()` loads it."""

    def __init__(self, folder: Path, *, extra: str = "", listener: str = "") -> None:
        program = shutil.which("mosquitto") or (
            "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
        )
        if program is None:
            raise RuntimeError(
                "mosquitto is required: run scripts/install-test-deps.sh (apt-get install mosquitto)"
            )
        self.program = program
        self.folder = folder
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            + (listener or "allow_anonymous true\n")
            + f"persistence true\npersistence_location {folder}/\n"
            + f"user {getpass.getuser()}\n"
            + "max_queued_messages 200000\n"
            + extra,
            encoding="utf-8",
        )
        self.log = folder / "mosquitto.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._proc = subprocess.Popen([self.program, "-c", str(self.conf)], stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"mosquitto did not start: {self.log.read_text(errors='replace')[-2000:]}"
                    ) from None
                time.sleep(0.02)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(10)
        self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()
