"""One message → one `Notice` per receiver and channel, in the receiver's language (Chinese by default).

Each alert says what (the rule), where (the zone), the window's value against the limit with its unit,
the standard and clause, since when (site time), the confidence when it is not high, and its link in
the dashboard; SMS providers get the same facts as template parameters, as strings and without URLs
(their templates are registered with fixed text and refuse links).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.channels.base import Notice
from alerts.notify.dispatch import Message
from alerts.state import Transition
from config.models import Zone
from config.notify import Address, Receiver

_SEVERITY_ORDER = ("info", "warning", "critical")
_HEADS = {
    "zh": {"notify": "告警", "repeat": "仍在告警", "escalate": "升级", "resolved": "已恢复"},
    "en": {"notify": "Alert", "repeat": "Still firing", "escalate": "Escalated", "resolved": "Resolved"},
}
_WORDS = {
    "zh": {
        "limit": "，限值 ",
        "basis": "依据",
        "since": "开始",
        "confidence": "置信度",
        "link": "详情",
        "more": "等 {n} 条",
        "sep": "：",
    },
    "en": {
        "limit": ", limit ",
        "basis": "Standard",
        "since": "Since",
        "confidence": "Confidence",
        "link": "Details",
        "more": "+{n} more",
        "sep": ": ",
    },
}


class Renderer:
    def __init__(self, zones: Mapping[str, Zone], tz: ZoneInfo, dashboard_url: str) -> None:
        self._zones = zones
        self._tz = tz
        self._dashboard = dashboard_url.rstrip("/")

    def link(self, key: str) -> str:
        return f"{self._dashboard}/alerts/{key}"

    def notice(self, message: Message, receiver: Receiver, address: Address) -> Notice:
        lang = receiver.language
        words = _WORDS[lang]
        resolved = not message.firing
        head = _HEADS[lang]["resolved" if resolved else message.reason.split("-")[0]]
        first = message.alerts[0]
        more = words["more"].format(n=len(message.alerts)) if len(message.alerts) > 1 else ""
        subject = " ".join(
            p for p in (f"【{head}】", self.where(first, lang), self.measure(first, lang), more) if p
        )
        blocks = [self._block(t, lang, resolved=t in message.resolved) for t in message.alerts]
        return Notice(
            receiver=receiver.id,
            subject=subject,
            body=f"**{subject}**\n\n" + "\n\n".join(blocks),
            severity=max((t.severity for t in message.alerts), key=_rank),
            alert_keys=tuple(t.key for t in message.alerts),
            link=self.link(first.key),
            resolved=resolved,
            addresses=address.addresses,
            reason=message.reason,
            params={
                "state": head,
                "zone": self.where(first, lang),
                "rule": _part(first.name, lang),
                "value": _value(first),
                "limit": first.limit,
                "count": str(len(message.alerts)),
            },
            language=lang,
        )

    def where(self, t: Transition, lang: str) -> str:
        zone = self._zones.get(t.zone or "")
        if zone is None:
            return t.subject
        return zone.name_en or zone.name if lang == "en" else zone.name

    def measure(self, t: Transition, lang: str) -> str:
        """ "甲醛 1小时平均 0.12 mg/m³，限值 ≤ 0.08 mg/m³"; a state rule has no number to show."""
        value = _value(t)
        shown = f" {value} {t.unit}".rstrip() if value else ""
        limit = f"{_WORDS[lang]['limit']}{t.limit}" if t.limit else ""
        return f"{_part(t.name, lang)}{shown}{limit}"

    def _block(self, t: Transition, lang: str, *, resolved: bool) -> str:
        words = _WORDS[lang]
        since = datetime.fromtimestamp(t.ts, self._tz).strftime("%Y-%m-%d %H:%M")
        sep = words["sep"]
        lines = [
            f"- {'✅ ' if resolved else ''}{self.where(t, lang)}{sep}{self.measure(t, lang)}",
            f"- {words['basis']}{sep}{t.standard} {t.clause}".rstrip(),
            f"- {words['since']}{sep}{since}",
        ]
        if t.confidence and t.confidence != "high":
            lines.append(f"- {words['confidence']}{sep}{t.confidence}")
        if t.note:
            lines.append(f"- {t.note}")
        lines.append(f"- {words['link']}{sep}{self.link(t.key)}")
        return "\n".join(lines)


def _rank(severity: str) -> int:
    return _SEVERITY_ORDER.index(severity) if severity in _SEVERITY_ORDER else 0


def _part(name: str, lang: str) -> str:
    """ "甲醛 1小时平均 / Formaldehyde 1-hour mean" → the part in `lang` (names are written zh / en)."""
    zh, _, en = name.partition(" / ")
    return (en or zh) if lang == "en" else zh


def _value(t: Transition) -> str:
    return "" if t.value is None or t.statistic == "state" else f"{t.value:.3g}"
