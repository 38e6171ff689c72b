"""Checks of Anjing itself (outbox, forwarder…) fire and resolve like any alert, once each."""

from __future__ import annotations

from pathlib import Path

from alerts import AlertState, ServiceCheck, build_engine
from config.catalog import build_catalog
from config.standards import Severity
from tests.alerts.support import STANDARDS, probe_site


def test_a_service_check_fires_once_while_its_probe_reports_and_resolves_after(tmp_path: Path) -> None:
    site = probe_site(tmp_path)
    condition: list[str] = []
    check = ServiceCheck(
        "outbox-growing",
        "influxdb",
        "外发队列持续增长 / Outbox keeps growing",
        Severity.WARNING,
        lambda: condition[-1] if condition else None,
    )
    engine = build_engine(site, build_catalog(site), STANDARDS, checks=[check])
    assert check.key == "anjing/service/outbox-growing@influxdb"
    assert engine.report(check.key, check.probe(), 1000.0) == []

    condition.append("外发队列 12000 条 / outbox at 12000 readings")
    fired = engine.report(check.key, check.probe(), 1001.0)
    assert [(t.state, t.note, t.severity) for t in fired] == [
        (AlertState.FIRING, "外发队列 12000 条 / outbox at 12000 readings", "warning")
    ]
    assert engine.report(check.key, check.probe(), 1002.0) == []  # still firing: no second alert
    assert [b.key for b, _ in engine.shown()] == [check.key]

    condition.clear()
    resolved = engine.report(check.key, check.probe(), 1003.0)
    assert [t.state for t in resolved] == [AlertState.RESOLVED]
    assert engine.shown() == []
