"""`anjing evaluate`: the engine over a recorded CSV, as a facility manager runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.alerts.support import probe_site

START = datetime(2026, 4, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def evaluate(site: Path, readings: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "anjing", "evaluate", "--config", str(site), "--readings", str(readings)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_prints_every_transition_as_json_lines(tmp_path: Path) -> None:
    probe_site(tmp_path, standards=["gb-t-18883-2022", "gb-29364-2012"])
    rows = ["time,sensor,value,quality"]
    for i in range(720):  # 2 h of formaldehyde at 0.09 mg/m³ (site time, no offset), every 10 s
        rows.append(
            f"{(START + timedelta(seconds=10 * i)).replace(tzinfo=None).isoformat()},probe.hcho,0.09,good"
        )
    for i in range(12):  # a door open for 2 minutes, written as its label
        rows.append(f"{(START + timedelta(seconds=10 * i)).isoformat()},probe.door_state,open,")
    csv = tmp_path / "readings.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = evaluate(tmp_path / "site.yaml", csv)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    hcho = [line for line in lines if line["rule"] == "gb-t-18883-2022/hcho-1h"]
    assert [line["state"] for line in hcho] == ["pending", "firing"]
    firing = hcho[1]
    assert (firing["subject"], firing["zone"]) == ("probe.hcho", "z")
    assert firing["value"] == pytest.approx(0.09)
    assert (firing["limit"], firing["clause"], firing["confidence"]) == ("≤ 0.08 mg/m³", "表1 第11项", "high")
    # 45 min of the hour's data (the 270th reading, at 44:50), then 10 min pending
    assert datetime.fromisoformat(firing["time"]) == START + timedelta(minutes=54, seconds=50)
    door = [line["state"] for line in lines if line["rule"] == "gb-29364-2012/fire-door-open"]
    assert door[:2] == ["pending", "firing"]


def test_a_bad_row_names_its_line(tmp_path: Path) -> None:
    probe_site(tmp_path, standards=["gb-t-18883-2022"])
    csv = tmp_path / "readings.csv"
    csv.write_text(
        "time,sensor,value\n2026-04-15T09:00:00,probe.hcho,0.02\n2026-04-15T09:00:10,probe.hcho,lots\n"
    )
    result = evaluate(tmp_path / "site.yaml", csv)
    assert result.returncode == 2
    assert f"{csv}:3: 数值无效 / bad value 'lots'" in result.stderr
    assert result.stdout == ""


def test_check_config_names_a_loosened_limit_without_reason(tmp_path: Path) -> None:
    probe_site(tmp_path, alerting="overrides: [{rule: gb-t-18883-2022/hcho-1h, max: 0.1}]")
    result = subprocess.run(
        [sys.executable, "-m", "anjing", "check-config", str(tmp_path / "site.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert (
        "alerting.overrides[0].reason: 放宽限值需写明理由 / loosening gb-t-18883-2022/hcho-1h"
        in result.stderr
    )
