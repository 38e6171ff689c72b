"""Notice text: what, where, value vs limit with unit and window, standard, since, confidence, link; SMS params."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from alerts import AlertState
from alerts.channels import Notice
from alerts.notify import Message, Renderer
from config.models import Zone
from config.notify import Receiver
from tests.alerts.notify.support import transition

TZ = ZoneInfo("Asia/Shanghai")
ZONES = {
    "hall": Zone.model_validate(
        {"id": "hall", "name": "服务大厅", "name_en": "Service hall", "kind": "service_hall"}
    )
}
TS = datetime(2026, 11, 28, 9, 30, tzinfo=TZ).timestamp()


def notice(language: str, *states: AlertState) -> Notice:
    renderer = Renderer(ZONES, TZ, "https://a.example/")
    firing = tuple(transition(f"k{i}@hall", TS) for i, s in enumerate(states) if s is AlertState.FIRING)
    resolved = tuple(
        transition(f"r{i}@hall", TS, s) for i, s in enumerate(states) if s is AlertState.RESOLVED
    )
    receiver = Receiver.model_validate(
        {
            "id": "duty",
            "name": "值班员",
            "language": language,
            "channels": [{"channel": "sms", "phones": ["1"]}],
        }
    )
    message = Message("g", "notify", ("duty",), firing, resolved, TS)
    return renderer.notice(message, receiver, receiver.channels[0])


def test_chinese_by_default_with_every_fact() -> None:
    text = notice("zh", AlertState.FIRING, AlertState.FIRING)
    assert text.subject == "【告警】 服务大厅 甲醛 1小时平均 0.12 mg/m³，限值 ≤ 0.08 mg/m³ 等 2 条"
    for part in (
        "GB/T 18883-2022 表1 第16项",
        "开始：2026-11-28 09:30",
        "置信度：medium",
        "https://a.example/alerts/k0@hall",
    ):
        assert part in text.body
    assert (text.alert_keys, text.addresses, text.link) == (
        ("k0@hall", "k1@hall"),
        ("1",),
        "https://a.example/alerts/k0@hall",
    )
    assert all(isinstance(v, str) and "http" not in v for v in text.params.values())
    assert text.params["value"] == "0.12"


def test_english_when_asked_and_resolved() -> None:
    text = notice("en", AlertState.RESOLVED)
    assert text.subject.startswith(
        "【Resolved】 Service hall Formaldehyde 1-hour mean 0.12 mg/m³, limit ≤ 0.08"
    )
    assert text.resolved
    assert "Since: 2026-11-28 09:30" in text.body
