"""The soak-and-chaos run, short: bench/soak.py on a small site for 90 seconds of kills and bad input.

The hour-long run is done by hand (bench/RESULTS.md); this one keeps its promises checked on every
change: nothing the broker acknowledged is lost except what a SIGKILL caught in flight, nothing is
missing from the TSDB that a chaos event does not explain, every expected alert is notified exactly
once, and every SIGTERM ends cleanly.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NEEDED = ("mosquitto", "victoria-metrics")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    missing = [
        tool for tool in NEEDED if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists()
    ]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (scripts/install-test-deps.sh installs them)")
    folder = tmp_path_factory.mktemp("soak")
    out = folder / "report.json"
    argv = [sys.executable, str(ROOT / "bench" / "soak.py"), "--minutes", "1.5", "--sensors", "100"]
    done = subprocess.run(
        [*argv, "--poll", "2", "--keep", str(folder / "run"), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_every_chaos_action_ran_and_anjing_stopped_cleanly_on_sigterm(report: dict[str, Any]) -> None:
    kinds = {str(event["what"]) for event in report["chaos"]}
    assert {
        "broker SIGKILL",
        "simulator SIGKILL",
        "tsdb SIGKILL",
        "anjing SIGTERM",
        "anjing SIGKILL",
    } <= kinds
    assert {"malformed MQTT", "garbled Modbus"} <= kinds
    assert report["exits"] == ["SIGTERM→-15", "SIGKILL→-9", "SIGTERM→-15"]  # uvicorn re-raises SIGTERM …
    assert report["clean_stops"] == 2  # … once the shutdown has finished and said so


def test_no_acknowledged_reading_is_lost_beyond_what_a_sigkill_had_in_flight(
    report: dict[str, Any],
) -> None:
    lost: dict[str, int] = report["lost_local"]
    assert set(lost) <= {"anjing SIGKILL", "broker SIGKILL"}, lost
    assert lost.get("anjing SIGKILL", 0) <= report["sigkill_bound"]
    assert lost.get("broker SIGKILL", 0) <= report["broker_bound"]
    assert report["stored_mqtt"] >= report["mqtt_produced"] - sum(lost.values())


def test_the_tsdb_misses_only_what_a_chaos_event_explains(report: dict[str, Any]) -> None:
    lost: dict[str, int] = report["lost_tsdb"]  # VictoriaMetrics' own at its kill -9; the copy the guard shed
    assert "unexplained" not in lost, lost
    assert report["tsdb_arrived"] + report["outbox_left"] + sum(lost.values()) == report["stored"]


def test_every_expected_alert_is_raised_and_told_once(report: dict[str, Any]) -> None:
    assert report["missed"] == []
    assert report["raised"] == report["expected"]
    assert report["duplicates"] == []
    assert report["notices"] >= len(report["expected"])


def test_bad_input_was_injected_and_counted(report: dict[str, Any]) -> None:
    assert report["malformed"] == 12
    garbled: dict[str, int] = report["garbled"]
    assert garbled["answers mangled"] > 0
    assert garbled.get("crc_errors", 0) + garbled.get("timeouts", 0) > 0
