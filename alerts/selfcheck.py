"""Checks of Anjing itself that raise alerts like any rule: the watcher is watched.

A check is a probe the alert service calls on every tick. While the condition holds the probe
returns a note — the alert fires with the note as its evidence — and once it is over it returns
None and the alert resolves. The service wiring (`anjing.runtime`) builds the checks from the
parts it runs, so this package needs to know none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alerts.rules.bind import Binding, Kind
from config.standards import Severity

SERVICE_RULE = "anjing/service"


@dataclass(frozen=True, slots=True)
class ServiceCheck:
    id: str  # what is checked: `outbox-growing`
    subject: str  # the part: `influxdb`
    name: str  # 中文 / English, as alerts show it
    severity: Severity
    probe: Callable[[], str | None]

    @property
    def key(self) -> str:
        return f"{SERVICE_RULE}/{self.id}@{self.subject}"

    def binding(self) -> Binding:
        return Binding(
            key=self.key,
            kind=Kind.SERVICE,
            rule_id=f"{SERVICE_RULE}/{self.id}",
            name=self.name,
            subject=self.subject,
            zone=None,
            sensors=(),
            severity=self.severity,
        )
