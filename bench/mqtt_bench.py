"""MQTT benchmark: messages per second from the broker to rows in the store, next to a bare paho subscriber.

Run from the repository: `.venv/bin/python bench/mqtt_bench.py [--count 100000]` (about a minute; needs
mosquitto). For QoS 0 and QoS 1, in the same run, against one Mosquitto on loopback started here:

- a publisher process (paho, its network loop in a thread) sends `count` JSON payloads of ~90 bytes
  (`{"ts":…,"co2":…,"temperature":…,"humidity":…}`, ten devices) as fast as the broker takes them;
- the ceiling: a bare paho subscriber process that only counts messages;
- Anjing: one process running the real path — `MqttCollector` (topic → device, JSON parse, every value
  validated and converted) → `ReadingStream` → `StoreWriter` → `SqliteStore` — timed from its first
  message until the last reading (3 per message) is a row in the SQLite file.

Each subscriber's rate is count / (last − first message); CPU is its process time over that span
(100 % = one core). The machine has two cores shared by broker, publisher and subscriber.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

import orjson
from paho.mqtt import client as paho
from paho.mqtt.enums import CallbackAPIVersion

from collectors import StatusBoard
from collectors.mqtt import MqttCollector
from config.mqtt import Mqtt
from storage import ReadingStream, SqliteStore, StoreWriter
from tests.collectors.mqtt.broker import Mosquitto

DEVICES = 10
FIELDS = 3
TOPIC = "bench/{device}/telemetry"
BASE_MS = int(time.time() * 1000) - 3_600_000  # payload times: one per message, an hour ago


def payload(seq: int) -> bytes:
    return orjson.dumps(
        {
            "ts": BASE_MS + seq,
            "co2": 400 + seq % 1000,
            "temperature": 21.5 + (seq % 50) / 10,
            "humidity": 45.2,
        }
    )


def publish(port: int, count: int, qos: int) -> None:
    """Send `count` messages; at QoS 1 wait for every PUBACK (at most 20 000 outstanding: paho's limit is 65 535)."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-publisher")
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    last = None
    for seq in range(count):
        last = client.publish(f"bench/d{seq % DEVICES}/telemetry", payload(seq), qos=qos)
        if qos and seq % 20_000 == 19_999:
            last.wait_for_publish()
    if last is not None:
        last.wait_for_publish()
    client.disconnect()
    client.loop_stop()


def paho_subscriber(port: int, count: int, qos: int) -> dict[str, float]:
    """The ceiling: count messages, nothing else."""
    seen = {"n": 0, "first": 0.0, "last": 0.0, "cpu0": 0.0}

    def on_message(client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        if seen["n"] == 0:
            seen["first"], seen["cpu0"] = time.perf_counter(), time.process_time()
        seen["n"] += 1
        if seen["n"] >= count:
            seen["last"] = time.perf_counter()
            client.disconnect()

    def on_connect(client: paho.Client, userdata: object, flags: Any, rc: Any, props: Any) -> None:
        client.subscribe("bench/+/telemetry", qos=qos)
        print("ready", flush=True)

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-paho")
    client.on_message = on_message
    client.on_connect = on_connect
    client.connect("127.0.0.1", port)
    client.loop_forever()
    return result(count, seen["first"], seen["last"], time.process_time() - seen["cpu0"])


async def anjing_subscriber(port: int, count: int, qos: int, folder: Path, protocol: str) -> dict[str, float]:
    """The real path into the store."""
    fields = {
        "co2": {"quantity": "co2"},
        "temperature": {"quantity": "temperature"},
        "humidity": {"quantity": "humidity"},
    }
    config = Mqtt.model_validate(
        {
            "url": f"mqtt://127.0.0.1:{port}",
            "client_id": "bench-anjing",
            "qos": qos,
            "protocol": protocol,
            "subscriptions": [
                {
                    "topic": TOPIC,
                    "decoder": "json",
                    "timestamp": "ts",
                    "fields": fields,
                    "devices": {f"d{i}": {"id": f"dev-{i}"} for i in range(DEVICES)},
                }
            ],
        }
    )
    store = await SqliteStore.open(folder / "bench.db")
    stream = ReadingStream(10_000)
    writer = StoreWriter(stream, store, batch_size=5000, flush_interval=0.2)
    board = StatusBoard()
    collector = MqttCollector(config, stream, board, base_dir=folder, molar_volume=22.414)
    tasks = [asyncio.create_task(writer.run()), asyncio.create_task(collector.run())]
    await poll(lambda: collector.link.online is True)
    print("ready", flush=True)
    await poll(lambda: stream.accepted > 0, every=0.001)
    first, cpu0 = time.perf_counter(), time.process_time()
    await poll(lambda: writer.written >= count * FIELDS)
    last, cpu = time.perf_counter(), time.process_time() - cpu0
    tasks[1].cancel()
    await stream.close()
    await asyncio.gather(*tasks, return_exceptions=True)
    rows = await store.count()
    await store.close()
    return {**result(count, first, last, cpu), "rows": rows}


async def poll(done: Callable[[], bool], every: float = 0.005) -> None:
    """Wait for a counter to get there (the parts expose counters, not events)."""
    while not done():  # noqa: ASYNC110
        await asyncio.sleep(every)


def result(count: int, first: float, last: float, cpu: float) -> dict[str, float]:
    seconds = last - first
    return {"count": count, "seconds": seconds, "rate": count / seconds, "cpu": 100 * cpu / seconds}


def run(role: str, port: int, count: int, qos: int, protocol: str = "5") -> dict[str, float]:
    """One subscriber (`paho` or `anjing`) in its own process, fed by a publisher process."""
    here = str(Path(__file__).resolve())
    sub = subprocess.Popen(
        [
            sys.executable,
            here,
            "--role",
            role,
            "--port",
            str(port),
            "--count",
            str(count),
            "--qos",
            str(qos),
            "--protocol",
            protocol,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sub.stdout is not None
    assert sub.stdout.readline().strip() == "ready"
    pub_start = time.perf_counter()
    pub = subprocess.run(
        [
            sys.executable,
            here,
            "--role",
            "publish",
            "--port",
            str(port),
            "--count",
            str(count),
            "--qos",
            str(qos),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    out, _ = sub.communicate(timeout=600)
    measured: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    measured["publisher_seconds"] = time.perf_counter() - pub_start
    measured["publisher_cpu"] = float(pub.stdout.strip() or 0)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--role", default="main", choices=["main", "publish", "paho", "anjing"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--qos", type=int, default=0)
    parser.add_argument("--protocol", default="5", choices=["5", "3.1.1"])
    args = parser.parse_args()
    if args.role == "publish":
        cpu0 = time.process_time()
        publish(args.port, args.count, args.qos)
        print(f"{time.process_time() - cpu0:.3f}")
        return
    if args.role == "paho":
        print(json.dumps(paho_subscriber(args.port, args.count, args.qos)))
        return
    if args.role == "anjing":
        with tempfile.TemporaryDirectory() as folder:
            print(
                json.dumps(
                    asyncio.run(
                        anjing_subscriber(args.port, args.count, args.qos, Path(folder), args.protocol)
                    )
                )
            )
        return
    with tempfile.TemporaryDirectory() as folder:
        broker = Mosquitto(
            Path(folder) / "broker",
            extra="max_inflight_messages 1000\nmax_queued_messages 1000000\nmax_queued_bytes 0\n",
        )
        broker.start()
        try:
            print(f"# {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
                  f"{args.count} messages per run")  # fmt: skip
            print("| QoS | subscriber | msg/s | CPU (one core = 100 %) | seconds | ratio |")
            print("| --- | --- | ---: | ---: | ---: | ---: |")
            for qos in (0, 1):
                ceiling = run("paho", broker.port, args.count, qos)
                rows = [("bare paho, MQTT 3.1.1 (counts only)", ceiling)]
                for protocol in ("5", "3.1.1"):
                    anjing = run("anjing", broker.port, args.count, qos, protocol)
                    assert anjing["rows"] == args.count * FIELDS, anjing
                    rows.append((f"Anjing → SQLite rows, MQTT {protocol}", anjing))
                for name, m in rows:
                    ratio = "" if m is ceiling else f"{m['rate'] / ceiling['rate']:.0%}"
                    print(
                        f"| {qos} | {name} | {m['rate']:,.0f} | {m['cpu']:.0f} % | {m['seconds']:.2f} | {ratio} |",
                        flush=True,
                    )
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
