"""Real servers for the InfluxDB tests, each on a free loopback port with its own data folder.

- `VictoriaMetrics`: Debian's victoria-metrics, which takes influxdb-client's `/api/v2/write` as
  InfluxDB does; read back through `/api/v1/export` after a forced flush.
- `InfluxDB1`: Debian's InfluxDB 1.6.7 — no v2 API, but a strict line-protocol parser on `/write`
  and InfluxQL on `/query`.
- `ScriptedInflux`: a small HTTP peer on loopback for the answers the two above never give
  (429/503 with Retry-After, 400 for some lines); it records the lines it accepted.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import free_port


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 300:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} never became ready")


class VictoriaMetrics:
    def __init__(self, folder: Path, *, auth: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._folder = folder
        self._auth = auth
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (or restart on the same port and data)."""
        args = [
            "victoria-metrics",
            f"-httpListenAddr=127.0.0.1:{self.port}",
            f"-storageDataPath={self._folder}",
            "-retentionPeriod=100y",
            "-search.latencyOffset=0s",
            "-loggerLevel=ERROR",
        ]
        if self._auth:
            args += [f"-httpAuth.username={self._auth[0]}", f"-httpAuth.password={self._auth[1]}"]
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        health = self.url.replace("://", f"://{':'.join(self._auth)}@") if self._auth else self.url
        _wait_ready(f"{health}/health", self._proc)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=30)
            self._proc = None

    def points(self, name_pattern: str = ".*_quality_code") -> list[tuple[dict[str, str], int, float]]:
        """Every (labels, ts ms, value) of the series whose name matches, after a flush."""
        auth = httpx.BasicAuth(*self._auth) if self._auth else None
        httpx.get(f"{self.url}/internal/force_flush", auth=auth, timeout=10).raise_for_status()
        answer = httpx.post(
            f"{self.url}/api/v1/export",
            data={"match[]": f'{{__name__=~"{name_pattern}"}}', "start": "0"},
            auth=auth,
            timeout=30,
        )
        answer.raise_for_status()
        points = []
        for text in answer.text.splitlines():
            series: dict[str, Any] = json.loads(text)
            for ts, value in zip(series["timestamps"], series["values"], strict=True):
                points.append((series["metric"], int(ts), float(value)))
        return points


class InfluxDB1:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = folder / "influxdb.conf"
        config.write_text(
            f"""
reporting-disabled = true
bind-address = "127.0.0.1:{free_port()}"
[meta]
  dir = "{folder / "meta"}"
[data]
  dir = "{folder / "data"}"
  wal-dir = "{folder / "wal"}"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{self.port}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
""",
            encoding="utf-8",
        )
        self._proc = subprocess.Popen(
            ["influxd", "run", "-config", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_ready(f"{self.url}/ping", self._proc)

    def query(self, q: str, db: str = "") -> Any:
        answer = httpx.post(f"{self.url}/query", params={"db": db, "epoch": "ms"}, data={"q": q}, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def write(self, db: str, body: str) -> httpx.Response:
        return httpx.post(f"{self.url}/write", params={"db": db, "precision": "ms"}, content=body, timeout=10)

    def stop(self) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=30)


Answer = tuple[int, dict[str, str]]  # status, headers


class ScriptedInflux:
    """Answers each `/api/v2/write` with `answer(lines)`; records the lines of every 2xx answer.

    `answer` returns (status, headers); the default accepts everything with 204.
    """

    def __init__(self, answer: Callable[[list[str]], Answer] | None = None) -> None:
        self.answer = answer or (lambda lines: (204, {}))
        self.accepted: list[str] = []
        self.requests: list[tuple[float, int]] = []  # (monotonic, status) of every write
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                lines = body.decode().splitlines()
                status, headers = scripted.answer(lines)
                scripted.requests.append((time.monotonic(), status))
                if status < 300:
                    scripted.accepted.extend(lines)
                payload = b"" if status == 204 else json.dumps({"code": "x", "message": "scripted"}).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
