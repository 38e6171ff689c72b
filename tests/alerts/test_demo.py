"""The demo site's scripted events each have an alert to raise, on windows scaled for a demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts import build_engine
from config import load_site
from config.catalog import build_catalog
from tests.alerts.support import STANDARDS

DEMO = Path(__file__).resolve().parents[2] / "config" / "examples" / "demo-site.yaml"


def test_every_scripted_event_has_its_alert() -> None:
    site = load_site(DEMO)
    engine = build_engine(site, build_catalog(site), STANDARDS)
    bindings = engine.bindings
    hcho = bindings["gb-t-18883-2022/hcho-1h@aq-meeting.hcho"]
    assert (hcho.window, hcho.pending) == pytest.approx((60.0, 10.0))  # 1 h and 10 min ÷ 60
    assert bindings["gb-29364-2012/fire-door-open@door-mon.door_2"].pending == 60  # safety grace: real time
    assert "gb-51309-2018/lamp-fault@em-ctrl.lamp_3" in bindings
    assert "anjing/device-offline@th-parking" in bindings
    assert "anjing/bus-down@lan" in bindings
