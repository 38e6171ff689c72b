"""Soak and chaos: a scaled demo site under kills and bad input, then what was produced, stored and alerted.

Run from the repository: `.venv/bin/python bench/soak.py [--minutes 60] [--sensors 500]` (needs mosquitto
and victoria-metrics). Everything runs on loopback in a temporary folder:

- a generated site: Modbus devices (emergency gateways and door monitors on a TCP gateway; air, temperature
  and light sensors on an RTU-over-TCP line) served by bench/soak_sim.py in a process of its own, and MQTT
  devices that this script publishes (QoS 1) to a Mosquitto it starts; `storage.influxdb` goes to a
  VictoriaMetrics it starts; one webhook channel to a receiver in this script;
- emergency lamp faults at known times (evenly over the run, one per gateway in turn): the expected alerts;
- `anjing run` as a subprocess, and on a schedule spread over the run: kill -9 and restart Mosquitto, the
  simulator, VictoriaMetrics; SIGTERM Anjing and restart; SIGKILL Anjing and restart; malformed MQTT
  payloads (not JSON, wrong types, out-of-range values, 64 KiB of junk) on the subscribed topics.
- Anjing's RSS, open files and CPU time are read from /proc every few seconds.

Not done: malformed Modbus frames (the simulator serves only well-formed ones) and filling the disk to the
guard (a small filesystem needs root).

Definitions, stated in the report: MQTT "produced" = readings in messages the broker acknowledged (exactly
known); Modbus readings have no count on the simulator side, so "produced" there is what Anjing stored.
"Lost locally" = acknowledged MQTT readings not in SQLite; "lost to the TSDB" = SQLite readings neither in
VictoriaMetrics nor still queued in the outbox at the end.
"""

from __future__ import annotations

import argparse
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
from dataclasses import dataclass, field
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
    modbus_sensors: int
    mqtt_devices: list[str]
    gateways: list[str]


def write_site(folder: Path, sensors: int, poll: float, ports: dict[str, int], hook: str) -> Layout:
    """Units of 5 Modbus devices (40 sensors) and 8 MQTT devices (24 sensors) until `sensors` is reached."""
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
  - {{id: line, transport: rtu-over-tcp, host: 127.0.0.1, port: {ports["rtu"]}, timeout: 300ms, frame_gap: 2ms}}
  - {{id: gw, transport: tcp, host: 127.0.0.1, port: {ports["tcp"]}, timeout: 300ms}}
devices:
{devices}
simulator: {{enabled: false}}
storage:
  sqlite: {{path: data/soak.db}}
  flush_interval: {FLUSH}s
  influxdb: {{url: 'http://127.0.0.1:{ports["vm"]}', bucket: anjing, token: soak, org: soak}}
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
    path = folder / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return Layout(path, modbus, mqtt, gateways)


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

    def __init__(self) -> None:
        self.notices: list[dict[str, Any]] = []
        notices = self.notices

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                notices.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
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


@dataclass
class Chaos:
    """What happened when: (seconds after start, what), for the report and for attributing any loss."""

    events: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class Report:
    minutes: float
    sensors: int
    mqtt_produced: int
    stored: int
    stored_mqtt: int
    lost_local: int
    lost_local_near_kill: dict[str, int]
    tsdb_arrived: int
    outbox_left: int
    lost_tsdb: int
    sigkill_inflight_bound: int
    faults: list[str]
    raised: list[str]
    raised_all: int
    notified: Counter[str]
    missed: list[str]
    duplicates: dict[str, int]
    unnotified: list[str]
    tsdb_missing_near: dict[str, int]
    malformed: int
    samples: list[Sample]
    cpu_s: float
    chaos: list[tuple[float, str]]
    exits: list[str]

    def trend(self, key: Callable[[Sample], float]) -> tuple[float, float]:
        """Mean of the first and of the last third of the samples (after the first minute's warm-up)."""
        start = self.samples[0].t + 60 if self.samples and self.samples[-1].t - self.samples[0].t > 180 else 0
        values = [key(s) for s in self.samples if s.t >= start]
        third = max(1, len(values) // 3)
        return sum(values[:third]) / third, sum(values[-third:]) / third

    def table(self) -> str:
        rss = self.trend(lambda s: s.rss_kib / 1024)
        fds = self.trend(lambda s: s.fds)
        per_1000 = 1000 * self.cpu_s / max(1, self.stored)
        rows = [
            ("run", f"{self.minutes:g} min, {self.sensors} sensors"),
            ("MQTT readings produced (broker-acked)", f"{self.mqtt_produced}"),
            ("readings stored in SQLite (all / MQTT)", f"{self.stored} / {self.stored_mqtt}"),
            ("MQTT lost locally", f"{self.lost_local} (by nearest chaos event: {self.lost_local_near_kill})"),
            ("SIGKILL in-flight bound (readings)", f"{self.sigkill_inflight_bound}"),
            ("in VictoriaMetrics / still in outbox", f"{self.tsdb_arrived} / {self.outbox_left}"),
            ("lost to the TSDB", f"{self.lost_tsdb} (by nearest chaos event: {self.tsdb_missing_near})"),
            ("lamp faults expected / raised", f"{len(self.faults)} / {len(self.raised)}"),
            ("alert keys raised (all rules) / notified", f"{self.raised_all} / {len(self.notified)}"),
            ("expected alerts missed", f"{len(self.missed)} {self.missed}"),
            (
                "duplicate notices (same alerts, no new firing)",
                f"{sum(self.duplicates.values())} {self.duplicates}",
            ),
            ("other firing keys never notified", f"{len(self.unnotified)} {self.unnotified}"),
            ("malformed payloads injected", f"{self.malformed}"),
            ("RSS MiB first→last third", f"{rss[0]:.1f} → {rss[1]:.1f}"),
            ("open files first→last third", f"{fds[0]:.1f} → {fds[1]:.1f}"),
            ("CPU s total / per 1000 readings", f"{self.cpu_s:.1f} / {per_1000:.3f}"),
            ("chaos", ", ".join(f"{t:.0f}s {what}" for t, what in self.chaos)),
            ("Anjing exits", ", ".join(self.exits)),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def vm_points(url: str) -> set[tuple[str, int]]:
    """(sensor, ts ms) of every reading in VictoriaMetrics, one `*_quality_code` point per reading."""
    httpx.get(f"{url}/internal/force_flush", timeout=30).raise_for_status()
    answer = httpx.post(
        f"{url}/api/v1/export", data={"match[]": '{__name__=~".*_quality_code"}', "start": "0"}, timeout=300
    )
    answer.raise_for_status()
    points: set[tuple[str, int]] = set()
    for text in answer.text.splitlines():
        series = json.loads(text)
        points.update((series["metric"]["sensor"], int(ts)) for ts in series["timestamps"])
    return points


def processes(
    folder: Path, layout: Layout, ports: dict[str, int], t0: float, faults: list[tuple[float, str, str]]
) -> dict[str, Process]:
    """The broker, the simulator, the TSDB and Anjing, not started yet."""
    (folder / "mosquitto").mkdir()
    (folder / "mosquitto" / "mosquitto.conf").write_text(
        f"listener {ports['mqtt']} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\n"
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
                str(layout.path),
                str(t0),
                json.dumps(faults),
            ],
            lambda: listening(ports["tcp"])() and listening(ports["rtu"])(),
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
            ],
            http_ok(f"http://127.0.0.1:{ports['api']}/healthz"),
            folder / "anjing.log",
        ),
    }
    children["anjing"].env["PYTHONPATH"] = str(ROOT)
    return children


def drain(api: str, poll: float) -> None:
    """Wait for the last messages to reach SQLite and the outbox to empty (at most two minutes)."""
    time.sleep(3 * poll + 2 * FLUSH)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and httpx.get(f"{api}/api/v1/outbox", timeout=5).json()["depth"]:
        time.sleep(1)


def soak(folder: Path, minutes: float, sensors: int, poll: float) -> Report:
    """Run the site for `minutes` under the chaos schedule and count; every child is stopped on return."""
    ports = {name: free_port() for name in ("tcp", "rtu", "mqtt", "vm", "api")}
    receiver = Receiver()
    layout = write_site(folder, sensors, poll, ports, receiver.url)
    duration = minutes * 60
    t0 = time.time()
    faults = [
        (duration * (i + 1) / (len(layout.gateways) + 1), gw, f"lamp_{1 + i % 4}")
        for i, gw in enumerate(layout.gateways)
    ]
    api = f"http://127.0.0.1:{ports['api']}"
    children = processes(folder, layout, ports, t0, faults)
    for child in children.values():
        child.start()
    publisher = Publisher(ports["mqtt"], layout.mqtt_devices, poll)
    samples: list[Sample] = []
    chaos = Chaos()
    exits: list[str] = []

    def kill_restart(name: str, sig: signal.Signals, down: float) -> None:
        code = children[name].signal(sig)
        chaos.events.append((time.time() - t0, f"{name} {sig.name}"))
        if name == "anjing":
            exits.append(f"{sig.name}→{code}")
        time.sleep(min(down, duration / 15))  # a short run keeps time for every action
        children[name].start()

    actions: list[tuple[str, Callable[[], None]]] = [
        ("broker", lambda: kill_restart("broker", signal.SIGKILL, 5)),
        ("malformed", publisher.malform),
        ("simulator", lambda: kill_restart("simulator", signal.SIGKILL, 10)),
        ("anjing-term", lambda: kill_restart("anjing", signal.SIGTERM, 3)),
        ("tsdb", lambda: kill_restart("tsdb", signal.SIGKILL, 20)),
        ("malformed", publisher.malform),
        ("anjing-kill", lambda: kill_restart("anjing", signal.SIGKILL, 3)),
    ]
    rounds = max(1, int(minutes // 10))  # the whole schedule once per 10 minutes
    plan = [(duration * (0.1 + 0.8 * i / (rounds * len(actions))), a) for i, a in enumerate(actions * rounds)]
    try:
        while (now := time.time() - t0) < duration:
            while plan and plan[0][0] <= now:
                _, (label, act) = plan.pop(0)
                act()
                if label == "malformed":
                    chaos.events.append((time.time() - t0, "malformed MQTT"))
            pid = children["anjing"].pid
            if pid is not None and (s := sample(pid, time.time() - t0)) is not None:
                samples.append(s)
            time.sleep(2)
        publisher.close()
        drain(api, poll)
        if (s := sample(children["anjing"].pid or 0, time.time() - t0)) is not None:
            samples.append(s)
        code = children["anjing"].signal(signal.SIGTERM)
        exits.append(f"SIGTERM→{code}")
        arrived = vm_points(f"http://127.0.0.1:{ports['vm']}")
    finally:
        for child in children.values():
            if child.pid is not None:
                child.signal(signal.SIGKILL)
        receiver.close()
    return count(
        Run(
            folder,
            layout,
            minutes,
            t0,
            faults,
            publisher.acked,
            publisher.malformed,
            receiver.notices,
            arrived,
        ),
        samples,
        chaos.events,
        exits,
    )


@dataclass
class Run:
    """What a soak leaves to count: its files and what the script saw from outside."""

    folder: Path
    layout: Layout
    minutes: float
    t0: float
    faults: list[tuple[float, str, str]]
    acked: set[tuple[str, int]]
    malformed: int
    notices: list[dict[str, Any]]
    arrived: set[tuple[str, int]]


def nearest(events: list[tuple[float, str]], when: float) -> str:
    """The chaos event closest in time to `when` (seconds after start): where a loss is attributed."""
    return min(events, key=lambda e: abs(e[0] - when))[1] if events else "none"


def count(run: Run, samples: list[Sample], events: list[tuple[float, str]], exits: list[str]) -> Report:
    """Compare what was produced, stored locally, stored in the TSDB, raised and notified."""
    layout, t0, arrived = run.layout, run.t0, run.arrived
    cpu = sum(max(s.cpu_s for s in samples if s.pid == pid) for pid in {s.pid for s in samples})
    with sqlite3.connect(run.folder / "data" / "soak.db") as conn:
        stored = set(conn.execute("SELECT s.sensor, r.ts FROM readings r JOIN series s ON s.id = r.series"))
        queued = set(conn.execute("SELECT s.sensor, o.ts FROM outbox o JOIN series s ON s.id = o.series"))
        raised_events = list(conn.execute("SELECT key, ts FROM alert_events WHERE state = 'firing'"))
    mqtt_set = set(layout.mqtt_devices)
    expected = {(f"{d}.{f}", ts) for d, ts in run.acked for f in MQTT_FIELDS}
    stored_mqtt = {p for p in stored if p[0].split(".")[0] in mqtt_set}
    missing = expected - stored
    near: Counter[str] = Counter()
    for _, ts in missing:
        near[nearest(events, ts / 1000 - t0)] += 1
    firing: defaultdict[str, int] = defaultdict(int)
    for key, _ in raised_events:
        firing[key] += 1
    notified: Counter[str] = Counter()
    groups: Counter[tuple[str, ...]] = Counter()  # a firing notice lists every alert firing in its group
    for notice in run.notices:
        if not notice.get("resolved"):
            notified.update(notice["alert_keys"])
            groups[tuple(sorted(notice["alert_keys"]))] += 1
    expected_keys = [f"gb-51309-2018/lamp-fault@{gw}.{point}" for _, gw, point in run.faults]
    raised = [key for key in expected_keys if firing[key]]
    missed = [key for key in expected_keys if not notified[key]]
    unnotified = sorted(k for k in firing if not notified[k])
    tsdb_missing: Counter[str] = Counter()
    for _, ts in stored - arrived - queued:
        tsdb_missing[nearest(events, ts / 1000 - t0)] += 1
    rate = len(stored) / (run.minutes * 60)
    return Report(
        minutes=run.minutes,
        sensors=layout.modbus_sensors + 3 * len(layout.mqtt_devices),
        mqtt_produced=len(expected),
        stored=len(stored),
        stored_mqtt=len(stored_mqtt),
        lost_local=len(missing),
        lost_local_near_kill=dict(near),
        tsdb_arrived=len(stored & arrived),
        outbox_left=len(queued),
        lost_tsdb=len(stored - arrived - queued),
        sigkill_inflight_bound=int(rate * FLUSH * 2) + 1,
        faults=expected_keys,
        raised=raised,
        raised_all=len(firing),
        notified=notified,
        missed=sorted(set(missed)),
        duplicates={
            "+".join(keys): n - min(firing[k] for k in keys)
            for keys, n in groups.items()
            if n > min(firing[k] for k in keys)
        },
        unnotified=unnotified,
        tsdb_missing_near=dict(tsdb_missing),
        malformed=run.malformed,
        samples=samples,
        cpu_s=cpu,
        chaos=events,
        exits=exits,
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
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        report = soak(args.keep, args.minutes, args.sensors, args.poll)
    else:
        with tempfile.TemporaryDirectory(prefix="anjing-soak-") as folder:
            report = soak(Path(folder), args.minutes, args.sensors, args.poll)
    print(f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(report.table())
    return report


if __name__ == "__main__":
    main()
