"""Soak and chaos: a scaled demo site under kills and bad input, then what was produced, stored and alerted.

Run from the repository: `.venv/bin/python bench/soak.py [--minutes 60] [--sensors 500] [--json FILE]`
(needs mosquitto and victoria-metrics; root for the disk fill). Everything runs on loopback in a
temporary folder:

- a generated site: Modbus devices (emergency gateways and door monitors on a TCP gateway; air, temperature
  and light sensors on an RTU-over-TCP line) served by bench/soak_sim.py in a process of its own, behind
  a proxy of this script that can garble the answers; MQTT devices that this script publishes (QoS 1) to
  a Mosquitto it starts; `storage.influxdb` goes to a VictoriaMetrics it starts; one webhook channel to a
  receiver in this script; the store on a tmpfs of its own (as root) with the disk guard set on it;
- emergency lamp faults at known times (evenly over the run, one per gateway in turn): expected alerts;
- `anjing run` as a subprocess and, every 10 minutes, each of: kill -9 and restart Mosquitto, the
  simulator, VictoriaMetrics; SIGTERM and SIGKILL Anjing and restart it; malformed MQTT payloads (not
  JSON, wrong types, out-of-range values, 64 KiB of junk); 20 s of garbled Modbus answers (bad CRC,
  truncated frames, stray bytes, wrong transaction ids); the store's disk filled past the guard's
  `stop` step for 30 s (then disk-low and disk-full are expected alerts too);
- Anjing's RSS, open files and CPU time are read from /proc every few seconds (samples.csv).

`SOAK_ANJING_ARGS` adds options to `anjing run` (e.g. `--log-level debug` to see every alert transition
the notifier gets).

Definitions, stated in the report: MQTT "produced" = readings in messages the broker acknowledged (exactly
known); Modbus readings have no count on the simulator side, so "produced" there is what Anjing stored.
"Lost locally" = acknowledged MQTT readings not in SQLite; "lost to the TSDB" = SQLite readings neither in
VictoriaMetrics nor still queued in the outbox at the end. A loss is explained by a chaos event when its
timestamp falls inside the event (from the kill to the restart being ready) widened by one poll and two
flush intervals; anything else is unexplained. A duplicate is a firing notice that tells no alert that
was not already told since it last fired (a group notice also lists the alerts still firing); a
redelivery is the same notice id received again (at least once across a crash: a receiver drops it).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from paho.mqtt import client as paho
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[1]
MQTT_FIELDS = ("co2", "temp", "humidity")
FLUSH = 0.5  # storage.flush_interval, seconds: bounds what a SIGKILL can catch between receipt and storage


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Layout:
    """The generated site: its Modbus and MQTT devices, and the lamps that will fail."""

    path: Path
    sim_path: Path  # the same devices on the simulator's own ports, behind the garbling proxies
    modbus_sensors: int
    mqtt_devices: list[str]
    gateways: list[str]


def write_site(
    folder: Path, sensors: int, poll: float, ports: dict[str, int], *, hook: str, guard: str
) -> Layout:
    """Units of 5 Modbus devices (40 sensors) and 8 MQTT devices (24 sensors) until `sensors` is reached.

    Anjing's buses go to the proxies (`tcp`, `rtu`), the simulator's copy to `sim-tcp`, `sim-rtu`.
    """
    gw: list[str] = []
    line: list[str] = []
    mqtt: list[str] = []
    gateways: list[str] = []
    modbus = 0
    unit = 0
    while modbus + 3 * len(mqtt) < sensors:
        unit += 1
        gateways.append(f"em-{unit}")
        gw.append(
            f"{{id: em-{unit}, bus: gw, address: {2 * unit - 1}, profile: emergency-gateway, zone: stair}}"
        )
        gw.append(f"{{id: door-{unit}, bus: gw, address: {2 * unit}, profile: door-monitor, zone: stair}}")
        line.append(f"{{id: aq-{unit}, bus: line, address: {3 * unit - 2}, profile: air-7in1, zone: hall}}")
        line.append(
            f"{{id: th-{unit}, bus: line, address: {3 * unit - 1}, profile: th-rs-ws-n01, zone: hall}}"
        )
        line.append(f"{{id: lux-{unit}, bus: line, address: {3 * unit}, profile: lux-nhzd210, zone: hall}}")
        modbus += 40
        mqtt += [f"m{unit}-{i}" for i in range(8)]
    devices = "\n".join(f"  - {d[:-1]}, poll: {poll}s}}" for d in gw + line)
    mqtt_devices = "\n".join(f"        {d}: {{id: {d}, zone: hall}}" for d in mqtt)
    text = f"""site: {{name: 浸泡测试中心, timezone: Asia/Shanghai}}
zones:
  - {{id: hall, name: 服务大厅, kind: service_hall, public: true}}
  - {{id: stair, name: 东楼梯间, kind: stairwell, evacuation_route: true}}
buses:
  - {{id: line, transport: rtu-over-tcp, host: 127.0.0.1, port: @rtu@, timeout: 300ms, frame_gap: 2ms}}
  - {{id: gw, transport: tcp, host: 127.0.0.1, port: @tcp@, timeout: 300ms}}
devices:
{devices}
simulator: {{enabled: false}}
storage:
  sqlite: {{path: data/soak.db}}
  flush_interval: {FLUSH}s
{guard}  influxdb: {{url: 'http://127.0.0.1:{ports["vm"]}', bucket: anjing, token: soak, org: soak}}
mqtt:
  url: mqtt://127.0.0.1:{ports["mqtt"]}
  client_id: anjing-soak
  backoff_max: 1s
  subscriptions:
    - topic: "soak/{{device}}"
      decoder: json
      timestamp: ts
      interval: {poll}s
      fields:
        co2: {{quantity: co2}}
        temp: {{quantity: temperature}}
        humidity: {{quantity: humidity}}
      devices:
{mqtt_devices}
api: {{auth: {{anonymous_role: viewer}}}}
alerting: {{tick: 1s}}
notify:
  channels:
    - {{id: hook, type: webhook, url: '{hook}', secret: soak, timeout: 2s}}
  receivers:
    - {{id: duty, name: 值班员, channels: [{{channel: hook}}]}}
  routes:
    - {{receivers: [duty], group_wait: 0s}}
"""
    path, sim_path = folder / "site.yaml", folder / "sim.yaml"
    for target, prefix in ((path, ""), (sim_path, "sim-")):
        ours = text.replace("@tcp@", str(ports[prefix + "tcp"])).replace("@rtu@", str(ports[prefix + "rtu"]))
        target.write_text(ours, encoding="utf-8")
    return Layout(path, sim_path, modbus, mqtt, gateways)


class Process:
    """A child process the chaos kills and restarts; `ready()` says when a (re)start has come up."""

    def __init__(self, name: str, argv: list[str], ready: Callable[[], bool], log: Path) -> None:
        self.name, self.argv, self.ready, self.log = name, argv, ready, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.env = dict(os.environ)

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=self.env
            )
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start; see {self.log}")
            time.sleep(0.1)

    def signal(self, sig: signal.Signals, timeout: float = 60.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None


def listening(port: int) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    return ready


def http_ok(url: str) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            return httpx.get(url, timeout=1).status_code < 300
        except httpx.TransportError:
            return False

    return ready


class Receiver:
    """The webhook's far end: every notice's body, in order of arrival."""

    def __init__(self, record: Path) -> None:
        self.notices: list[dict[str, Any]] = []
        notices = self.notices

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                notice = json.loads(body) | {"arrived": time.time()}
                notices.append(notice)
                with record.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(notice, ensure_ascii=False) + "\n")
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Garbler:
    """A TCP proxy in front of a Modbus server; while `on`, it mangles the server's answers the way a noisy
    RS-485 line or a failing gateway does, in turn: on `rtu`, a flipped bit (the CRC fails), on Modbus TCP
    a changed transaction id; then a truncated frame, a stray byte in front, junk after."""

    def __init__(self, upstream: int, rtu: bool) -> None:
        self.upstream, self.rtu = upstream, rtu
        self.on = False
        self.mangled = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream), timeout=1)
            except OSError:  # the simulator is down: so is the line
                client.close()
                continue
            server.settimeout(None)
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, answers: bool) -> None:
        try:
            while data := src.recv(4096):
                dst.sendall(self._mangle(data) if answers and self.on else data)
        except OSError:
            pass
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _mangle(self, data: bytes) -> bytes:
        self.mangled += 1
        kind = self.mangled % 4
        if kind == 0:
            return (
                data[:-1] + bytes([data[-1] ^ 0x10])
                if self.rtu
                else data[:1] + bytes([data[1] ^ 0x55]) + data[2:]
            )
        if kind == 1:
            return data[: max(1, len(data) - 3)]
        if kind == 2:
            return b"\x00" + data
        return data + os.urandom(7)

    def close(self) -> None:
        self._listener.close()


class TmpfsDisk:
    """The store's folder on a tmpfs of its own (needs root: `mount`), which `fill` fills to a given free
    space with a file of zeros and `empty` frees again."""

    def __init__(self, folder: Path, megabytes: int) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
        self.mounted = done.returncode == 0
        self.why = done.stderr.decode().strip()
        self._filler = folder / "filler"

    def free(self) -> int:
        stat = os.statvfs(self.folder)
        return stat.f_bavail * stat.f_frsize

    def fill(self, leave: int) -> None:
        """Write zeros until `leave` bytes are free (tmpfs allocates as it is written)."""
        chunk = bytes(1 << 20)
        with self._filler.open("ab") as out:
            while (room := self.free() - leave) > 0:
                out.write(chunk[: min(len(chunk), room)])
                out.flush()

    def empty(self) -> None:
        self._filler.unlink(missing_ok=True)

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.folder)], check=False)


class Publisher:
    """Publishes every MQTT device each period (QoS 1, paho's own reconnect); records what the broker acked."""

    def __init__(self, port: int, devices: list[str], period: float) -> None:
        self.devices, self.period = devices, period
        self.malformed = 0
        self._sent: list[tuple[paho.MQTTMessageInfo, str, int]] = []  # (info, device, ts ms)
        self._stop = threading.Event()
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id="soak-publisher", clean_session=False
        )
        self._client.reconnect_delay_set(1, 2)
        self._client.connect_async("127.0.0.1", port)
        self._client.loop_start()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def acked(self) -> set[tuple[str, int]]:
        """(device, ts ms) of every message the broker acknowledged (paho's own record: no lock of ours
        around `publish`, which would deadlock against its callbacks)."""
        return {(device, ts) for info, device, ts in self._sent if _published(info)}

    def _run(self) -> None:
        rng = random.Random(7)
        while not self._stop.wait(self.period):
            ts = int(time.time() * 1000)
            for device in self.devices:
                payload = {
                    "ts": ts,
                    "co2": rng.uniform(450, 900),
                    "temp": rng.uniform(18, 26),
                    "humidity": 45.0,
                }
                info = self._client.publish(f"soak/{device}", json.dumps(payload), qos=1)
                self._sent.append((info, device, ts))

    def malform(self) -> None:
        """Payloads a broken or hostile device might send, on a subscribed topic: each must be refused alone."""
        bad: list[bytes] = [
            b"not json",
            b'{"ts": "yesterday", "co2": "high"}',
            b'{"ts": 1, "co2": 1e308, "temp": -1e9}',
            b"[1, 2, 3]",
            b"{" * 5000,
            os.urandom(65536),
        ]
        for payload in bad:
            self._client.publish(f"soak/{self.devices[0]}", payload, qos=1)
            self.malformed += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        time.sleep(2 * self.period)  # the last acknowledgements
        self._client.loop_stop()
        self._client.disconnect()


def _published(info: paho.MQTTMessageInfo) -> bool:
    """Acknowledged by the broker; a message published while paho was disconnected counts as not produced."""
    try:
        return info.is_published()
    except RuntimeError:
        return False


@dataclass
class Sample:
    t: float
    pid: int
    rss_kib: int
    fds: int
    cpu_s: float


def sample(pid: int, t: float) -> Sample | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, StopIteration, ValueError):
        return None
    return Sample(t, pid, rss, fds, cpu)


@dataclass(frozen=True)
class Event:
    """One chaos action, from `start` to `end` in seconds after the start (`end`: the restart came up)."""

    start: float
    end: float
    what: str


@dataclass
class Report:
    minutes: float
    sensors: int
    mqtt_produced: int
    stored: int
    stored_mqtt: int
    lost_local: dict[str, int]  # by the chaos event that explains it, or "unexplained"
    sigkill_bound: int
    broker_bound: int  # one publish round: what a killed broker may have acknowledged and not delivered
    tsdb_arrived: int
    outbox_left: int
    lost_tsdb: dict[str, int]
    expected: list[str]
    raised: list[str]
    missed: list[str]
    notices: int
    duplicates: list[str]  # subjects of firing notices that told nothing new
    redelivered: int
    other_unnotified: list[str]  # fired unmuted, never told: should stay empty
    muted_unnotified: int  # fired only while silenced, inhibited (a device behind a dead bus) or flapping
    malformed: int
    garbled: dict[str, int]
    disk: str
    samples: list[Sample]
    cpu_s: float
    chaos: list[Event]
    exits: list[str]
    clean_stops: int  # "Anjing stopped" in its log: a shutdown that finished (uvicorn then re-raises SIGTERM)

    def trend(self, key: Callable[[Sample], float]) -> tuple[float, float]:
        """Mean of the first and of the last third of the samples (after the first minute's warm-up)."""
        start = self.samples[0].t + 60 if self.samples and self.samples[-1].t - self.samples[0].t > 180 else 0
        values = [key(s) for s in self.samples if s.t >= start] or [0.0]
        third = max(1, len(values) // 3)
        return sum(values[:third]) / third, sum(values[-third:]) / third

    def summary(self) -> dict[str, Any]:
        """Everything but the samples, with their trends: the `--json` file."""
        data = {k: v for k, v in dataclasses.asdict(self).items() if k != "samples"}
        rss, fds = self.trend(lambda s: s.rss_kib / 1024), self.trend(lambda s: s.fds)
        return data | {
            "rss_mib_first_last_third": rss,
            "open_files_first_last_third": fds,
            "cpu_s_per_1000": 1000 * self.cpu_s / max(1, self.stored),
        }

    def table(self) -> str:
        data = self.summary()
        rss, fds = data["rss_mib_first_last_third"], data["open_files_first_last_third"]
        rows = [
            ("run", f"{self.minutes:g} min, {self.sensors} sensors"),
            ("MQTT readings produced (broker-acked)", f"{self.mqtt_produced}"),
            ("readings stored in SQLite (all / MQTT)", f"{self.stored} / {self.stored_mqtt}"),
            ("MQTT lost locally, by event", f"{sum(self.lost_local.values())} {self.lost_local}"),
            ("in-flight bound at SIGKILL: Anjing / broker", f"{self.sigkill_bound} / {self.broker_bound}"),
            ("in VictoriaMetrics / still in outbox", f"{self.tsdb_arrived} / {self.outbox_left}"),
            ("not in the TSDB, by event", f"{sum(self.lost_tsdb.values())} {self.lost_tsdb}"),
            (
                "expected alerts / raised / missed",
                f"{len(self.expected)} / {len(self.raised)} / {self.missed}",
            ),
            ("firing notices / duplicates", f"{self.notices} / {len(self.duplicates)} {self.duplicates}"),
            ("notices received again (same id)", f"{self.redelivered}"),
            (
                "other alerts fired, never told: unmuted",
                f"{len(self.other_unnotified)} {self.other_unnotified}",
            ),
            ("… muted (inhibited by a dead bus, silenced)", f"{self.muted_unnotified}"),
            ("malformed MQTT payloads injected", f"{self.malformed}"),
            ("garbled Modbus answers", f"{self.garbled}"),
            ("disk fill", self.disk),
            ("RSS MiB first→last third", f"{rss[0]:.1f} → {rss[1]:.1f}"),
            ("open files first→last third", f"{fds[0]:.1f} → {fds[1]:.1f}"),
            ("CPU s total / per 1000 readings", f"{self.cpu_s:.1f} / {data['cpu_s_per_1000']:.3f}"),
            ("chaos", ", ".join(f"{e.start:.0f}–{e.end:.0f}s {e.what}" for e in self.chaos)),
            ("Anjing exits / clean stops logged", f"{', '.join(self.exits)} / {self.clean_stops}"),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def modbus_counters(api: str) -> Counter[str]:
    """Anjing's Modbus error counters over all devices (since it last started), from /metrics."""
    counts: Counter[str] = Counter()
    with contextlib.suppress(httpx.HTTPError):
        for line in httpx.get(f"{api}/metrics", timeout=5).text.splitlines():
            for name in ("crc_errors", "timeouts", "failed_polls"):
                if line.startswith(f"anjing_modbus_{name}_total{{"):
                    counts[name] += int(float(line.rsplit(" ", 1)[1]))
    return counts


def vm_points(url: str) -> set[tuple[str, int]]:
    """(sensor, ts ms) of every reading in VictoriaMetrics, one `*_quality_code` point per reading; asked
    again until two answers agree (the last points written take a moment to become searchable)."""
    points: set[tuple[str, int]] = set()
    for _ in range(10):
        httpx.get(f"{url}/internal/force_flush", timeout=30).raise_for_status()
        answer = httpx.post(
            f"{url}/api/v1/export",
            data={"match[]": '{__name__=~".*_quality_code"}', "start": "0"},
            timeout=300,
        )
        answer.raise_for_status()
        now = {
            (series["metric"]["sensor"], int(ts))
            for series in map(json.loads, answer.text.splitlines())
            for ts in series["timestamps"]
        }
        if now == points:
            break
        points = now
        time.sleep(2)
    return points


def processes(
    folder: Path, layout: Layout, ports: dict[str, int], t0: float, faults: list[tuple[float, str, str]]
) -> dict[str, Process]:
    """The broker, the simulator, the TSDB and Anjing, not started yet."""
    (folder / "mosquitto").mkdir()
    (folder / "mosquitto" / "mosquitto.conf").write_text(
        f"listener {ports['mqtt']} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\n"
        # the strictest persistence Mosquitto has (docs/deploy saves every 60 s): saved after each change,
        # yet after its PUBACK, so a kill -9 can still lose what it had just acknowledged
        f"persistence true\npersistence_location {folder / 'mosquitto'}/\nautosave_on_changes true\nautosave_interval 1\n"
    )
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    children = {
        "broker": Process(
            "mosquitto",
            [mosquitto, "-c", str(folder / "mosquitto" / "mosquitto.conf")],
            listening(ports["mqtt"]),
            folder / "mosquitto.log",
        ),
        "simulator": Process(
            "simulator",
            [
                sys.executable,
                str(ROOT / "bench" / "soak_sim.py"),
                str(layout.sim_path),
                str(t0),
                json.dumps(faults),
            ],
            lambda: listening(ports["sim-tcp"])() and listening(ports["sim-rtu"])(),
            folder / "simulator.log",
        ),
        "tsdb": Process(
            "victoria-metrics",
            [
                "victoria-metrics",
                f"-httpListenAddr=127.0.0.1:{ports['vm']}",
                f"-storageDataPath={folder / 'vm'}",
                "-retentionPeriod=100y",
                "-search.latencyOffset=0s",
                "-loggerLevel=ERROR",
            ],
            http_ok(f"http://127.0.0.1:{ports['vm']}/health"),
            folder / "vm.log",
        ),
        "anjing": Process(
            "anjing",
            [
                sys.executable,
                "-m",
                "anjing",
                "run",
                "--config",
                str(layout.path),
                "--port",
                str(ports["api"]),
                *os.environ.get("SOAK_ANJING_ARGS", "").split(),
            ],
            http_ok(f"http://127.0.0.1:{ports['api']}/healthz"),
            folder / "anjing.log",
        ),
    }
    children["anjing"].env["PYTHONPATH"] = str(ROOT)
    return children


def drain(api: str, poll: float) -> None:
    """Wait for the last messages to reach SQLite and the outbox to catch up (at most two minutes): the
    Modbus devices go on being polled, so "caught up" is nothing older than a few seconds queued."""
    time.sleep(3 * poll + 2 * FLUSH)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        outbox = httpx.get(f"{api}/api/v1/outbox", timeout=5).json()
        if (outbox["oldest_age_seconds"] or 0.0) < 2 * poll:
            return
        time.sleep(1)


DISK_MB = 384  # the store's tmpfs: an hour of 500 sensors takes well under 100 MB
GUARD = "  disk_guard: {warn: 64MB, stop_low_priority: 48MB, stop: 32MB, check_every: 1s}\n"
FILL_LEAVE = 24 * 1000 * 1000  # bytes left free by the fill: past `stop`, short of full
VM_UNFLUSHED = 15.0  # seconds of acknowledged points VictoriaMetrics may hold only in memory (measured: ≤ 14)
DISK_ALERTS = ("anjing/service/disk-low@storage", "anjing/service/disk-full@storage")


class Chaos:
    """The actions, each recorded as an `Event`; `hold` bounds every wait so a short run keeps its time."""

    def __init__(
        self, t0: float, hold: float, children: dict[str, Process], api: str, publisher: Publisher
    ) -> None:
        self.t0, self.hold, self.children, self.api, self.publisher = t0, hold, children, api, publisher
        self.events: list[Event] = []
        self.exits: list[str] = []
        self.garbled: Counter[str] = Counter()
        self.disk_note = "not done"

    def _record(self, start: float, what: str) -> None:
        self.events.append(Event(start - self.t0, time.time() - self.t0, what))

    def kill_restart(self, name: str, sig: signal.Signals, down: float) -> None:
        start = time.time()
        code = self.children[name].signal(sig)
        if name == "anjing":
            self.exits.append(f"{sig.name}→{code}")
        time.sleep(min(down, self.hold))
        self.children[name].start()
        self._record(start, f"{name} {sig.name}")

    def malform(self) -> None:
        start = time.time()
        self.publisher.malform()
        self._record(start, "malformed MQTT")

    def garble(self, garblers: list[Garbler], seconds: float) -> None:
        start, before = time.time(), modbus_counters(self.api)
        mangled = sum(g.mangled for g in garblers)
        for garbler in garblers:
            garbler.on = True
        time.sleep(min(seconds, self.hold))
        for garbler in garblers:
            garbler.on = False
        self.garbled["answers mangled"] += sum(g.mangled for g in garblers) - mangled
        self.garbled.update(modbus_counters(self.api) - before)
        self._record(start, "garbled Modbus")

    def fill(self, disk: TmpfsDisk, seconds: float) -> None:
        start = time.time()
        disk.fill(FILL_LEAVE)
        free = disk.free()
        time.sleep(min(seconds, self.hold))
        disk.empty()
        time.sleep(1 + 2 * FLUSH)  # the guard's check_every, then the held batches
        self.disk_note = (
            f"filled to {free / 1e6:.0f} MB free (guard: stop at 32 MB) for {min(seconds, self.hold):.0f} s"
        )
        self._record(start, "disk filled")


def soak(folder: Path, minutes: float, sensors: int, poll: float) -> Report:
    """Run the site for `minutes` under the chaos schedule and count; every child is stopped on return."""
    ports = {name: free_port() for name in ("sim-tcp", "sim-rtu", "mqtt", "vm", "api")}
    receiver = Receiver(folder / "notices.jsonl")
    garblers = [Garbler(ports["sim-tcp"], rtu=False), Garbler(ports["sim-rtu"], rtu=True)]
    ports["tcp"], ports["rtu"] = garblers[0].port, garblers[1].port
    disk = TmpfsDisk(folder / "data", DISK_MB)
    layout = write_site(folder, sensors, poll, ports, hook=receiver.url, guard=GUARD if disk.mounted else "")
    duration = minutes * 60
    t0 = time.time()
    faults = [
        (duration * (i + 1) / (len(layout.gateways) + 1), gw, f"lamp_{1 + i % 4}")
        for i, gw in enumerate(layout.gateways)
    ]
    api = f"http://127.0.0.1:{ports['api']}"
    children = processes(folder, layout, ports, t0, faults)
    samples: list[Sample] = []
    try:
        for child in children.values():
            child.start()
        publisher = Publisher(ports["mqtt"], layout.mqtt_devices, poll)
        chaos = Chaos(t0, duration / 15, children, api, publisher)
        if not disk.mounted:
            chaos.disk_note = f"not done: no tmpfs for the store ({disk.why})"
        actions: list[Callable[[], None]] = [
            lambda: chaos.kill_restart("broker", signal.SIGKILL, 5),
            chaos.malform,
            lambda: chaos.garble(garblers, 20),
            lambda: chaos.kill_restart("simulator", signal.SIGKILL, 10),
            lambda: chaos.kill_restart("anjing", signal.SIGTERM, 3),
            lambda: chaos.kill_restart("tsdb", signal.SIGKILL, 20),
            *([lambda: chaos.fill(disk, 30)] if disk.mounted else []),
            chaos.malform,
            lambda: chaos.kill_restart("anjing", signal.SIGKILL, 3),
        ]
        rounds = max(1, int(minutes // 10))  # the whole schedule once per 10 minutes
        steps = rounds * len(actions)
        plan = [(duration * (0.1 + 0.8 * i / steps), act) for i, act in enumerate(actions * rounds)]
        while (now := time.time() - t0) < duration or plan:  # every action runs, late ones too
            while plan and plan[0][0] <= now:
                plan.pop(0)[1]()
            pid = children["anjing"].pid
            if pid is not None and (s := sample(pid, time.time() - t0)) is not None:
                samples.append(s)
            time.sleep(2)
        publisher.close()
        drain(api, poll)
        if (s := sample(children["anjing"].pid or 0, time.time() - t0)) is not None:
            samples.append(s)
        code = children["anjing"].signal(signal.SIGTERM)
        chaos.exits.append(f"SIGTERM→{code}")
        rows = (f"{s.t:.0f},{s.pid},{s.rss_kib},{s.fds},{s.cpu_s:.2f}" for s in samples)
        (folder / "samples.csv").write_text("\n".join(["t,pid,rss_kib,fds,cpu_s", *rows]) + "\n")
        arrived = vm_points(f"http://127.0.0.1:{ports['vm']}")
        with (
            sqlite3.connect(folder / "data" / "soak.db") as store,
            sqlite3.connect(folder / "soak.db") as copy,
        ):
            store.backup(copy)  # out of the tmpfs, which goes on return
        run = Run(folder, layout, minutes, t0, faults, publisher, receiver.notices, arrived, disk.mounted)
        return count(run, samples, chaos)
    finally:
        for child in children.values():
            if child.pid is not None:
                child.signal(signal.SIGKILL)
        receiver.close()
        for garbler in garblers:
            garbler.close()
        disk.close()


@dataclass
class Run:
    """What a soak leaves to count: its files and what the script saw from outside."""

    folder: Path
    layout: Layout
    minutes: float
    t0: float
    faults: list[tuple[float, str, str]]
    publisher: Publisher
    notices: list[dict[str, Any]]
    arrived: set[tuple[str, int]]
    disk_filled: bool


def explain(events: list[Event], when: float, windows: dict[str, tuple[float, float]]) -> str:
    """The chaos event that explains a loss at `when`: one of the kinds in `windows`, whose time widened by
    its (lead, lag) seconds holds `when`; "unexplained" if none does."""
    for event in events:
        lead, lag = windows.get(event.what, (-1.0, -1.0))
        if lead >= 0 and event.start - lead <= when <= event.end + lag:
            return event.what
    return "unexplained"


Status = tuple[str, float]  # ("firing", since) or ("resolved", when)


def statuses(events: list[tuple[str, float, str]]) -> dict[str, list[Status]]:
    """Per alert key, its status after each firing or resolution, in order. A firing after `unknown`
    (the device was away) continues the episode: only a resolution ends one."""
    out: defaultdict[str, list[Status]] = defaultdict(list)
    for key, ts, state in sorted(events, key=lambda e: e[1]):
        now = out[key][-1] if out[key] else ("resolved", 0.0)
        if state == "resolved" or (state == "firing" and now[0] != "firing"):
            out[key].append((state, ts))
    return out


def duplicates(notices: list[dict[str, Any]], history: dict[str, list[Status]]) -> tuple[list[str], int, int]:
    """Firing notices (`notify`) that tell nothing new — no alert fired or resolved since it was last
    told — and notices received again (same id); with the number of firing notices.

    A key's status at a notice is its last one before the notice arrived.
    """
    told: dict[str, Status] = {}
    seen: set[str] = set()
    dup: list[str] = []
    again = firing = 0
    for notice in notices:
        if notice["id"] in seen:
            again += 1
            continue
        seen.add(notice["id"])
        if notice["resolved"] or notice["reason"] != "notify":
            continue
        firing += 1
        now = {
            key: max(
                (s for s in history.get(key, []) if s[1] <= notice["arrived"]),
                default=None,
                key=lambda s: s[1],
            )
            for key in notice["alert_keys"]
        }
        if all(told.get(key) == status for key, status in now.items()):
            dup.append(notice["subject"])
        told.update((key, status) for key, status in now.items() if status is not None)
    return dup, again, firing


def count(run: Run, samples: list[Sample], chaos: Chaos) -> Report:
    """Compare what was produced, stored locally, stored in the TSDB, raised and notified."""
    layout, t0, arrived, events = run.layout, run.t0, run.arrived, chaos.events
    cpu = sum(max(s.cpu_s for s in samples if s.pid == pid) for pid in {s.pid for s in samples})
    with sqlite3.connect(run.folder / "soak.db") as conn:
        stored = set(conn.execute("SELECT s.sensor, r.ts FROM readings r JOIN series s ON s.id = r.series"))
        queued = set(conn.execute("SELECT s.sensor, o.ts FROM outbox o JOIN series s ON s.id = o.series"))
        events_rows = list(conn.execute("SELECT key, ts, state FROM alert_events"))
        muted_rows = conn.execute(
            "SELECT key, max(json_extract(data, '$.inhibited_by') IS NULL AND json_extract(data, '$.flapping') = 0"
            " AND json_array_length(json_extract(data, '$.silenced_by')) = 0)"
            " FROM alert_events WHERE state = 'firing' GROUP BY key"
        )
        muted = {key for key, told_someone in muted_rows if not told_someone}
    slack = run.publisher.period + 2 * FLUSH + 1  # a reading's way from its timestamp into the store
    local = {"anjing SIGKILL": (slack, slack), "broker SIGKILL": (slack, slack)}
    # VictoriaMetrics answers 204 before its in-memory rows reach disk: a kill -9 loses the last seconds
    tsdb = {"tsdb SIGKILL": (VM_UNFLUSHED + slack, slack), "disk filled": (slack, slack)}
    mqtt_set = set(layout.mqtt_devices)
    expected_points = {(f"{d}.{f}", ts) for d, ts in run.publisher.acked for f in MQTT_FIELDS}
    lost_local = Counter(explain(events, ts / 1000 - t0, local) for _, ts in expected_points - stored)
    lost_tsdb = Counter(explain(events, ts / 1000 - t0, tsdb) for _, ts in stored - arrived - queued)
    history = statuses(events_rows)
    firings = {key: [ts for state, ts in steps if state == "firing"] for key, steps in history.items()}
    told = {key for n in run.notices if not n["resolved"] for key in n["alert_keys"]}
    expected = [f"gb-51309-2018/lamp-fault@{gw}.{point}" for _, gw, point in run.faults]
    expected += list(DISK_ALERTS) if run.disk_filled else []
    dup, again, notified = duplicates(run.notices, history)
    rate = len(stored) / (run.minutes * 60)
    return Report(
        minutes=run.minutes,
        sensors=layout.modbus_sensors + 3 * len(layout.mqtt_devices),
        mqtt_produced=len(expected_points),
        stored=len(stored),
        stored_mqtt=sum(1 for p in stored if p[0].split(".")[0] in mqtt_set),
        lost_local=dict(lost_local),
        sigkill_bound=int(rate * FLUSH * 2) + 1,
        broker_bound=len(MQTT_FIELDS) * len(layout.mqtt_devices),
        tsdb_arrived=len(stored & arrived),
        outbox_left=len(queued),
        lost_tsdb=dict(lost_tsdb),
        expected=expected,
        raised=[key for key in expected if firings.get(key)],
        missed=[key for key in expected if key not in told],
        notices=notified,
        duplicates=dup,
        redelivered=again,
        other_unnotified=sorted(k for k, fired in firings.items() if fired and k not in told | muted),
        muted_unnotified=len(muted - told),
        malformed=run.publisher.malformed,
        garbled=dict(chaos.garbled),
        disk=chaos.disk_note,
        samples=samples,
        cpu_s=cpu,
        chaos=events,
        exits=chaos.exits,
        clean_stops=(run.folder / "anjing.log")
        .read_text(encoding="utf-8")
        .count("安境已停止 / Anjing stopped"),
    )


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--sensors", type=int, default=500)
    parser.add_argument(
        "--poll", type=float, default=5.0, help="Modbus poll and MQTT publish period, seconds"
    )
    parser.add_argument(
        "--keep", type=Path, help="a folder to keep the run's files in (default: a temporary one)"
    )
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        report = soak(args.keep, args.minutes, args.sensors, args.poll)
    else:
        with tempfile.TemporaryDirectory(prefix="anjing-soak-") as folder:
            report = soak(Path(folder), args.minutes, args.sensors, args.poll)
    print(f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(report.table())
    if args.json:
        args.json.write_text(json.dumps(report.summary(), ensure_ascii=False, indent=1), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
