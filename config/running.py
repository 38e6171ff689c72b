"""The configuration a service runs: where it came from, its checksum, and how the last reload went."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field
from pydantic.config import JsonDict


class ReloadResult(StrEnum):
    APPLIED = "applied"  # valid and applied (items in `restart_needed` wait for a restart)
    REJECTED = "rejected"  # invalid: nothing changed, the running config stays
    FAILED = "failed"  # valid, but applying it raised: see `issues` and the log


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


_EXAMPLE: JsonDict = {
    "result": "applied",
    "at": "2026-11-29T10:15:02+08:00",
    "actor": "admin",
    "old_checksum": "sha256:5f0c…",
    "new_checksum": "sha256:9a41…",
    "added": ["th-2"],
    "removed": ["door-1"],
    "sections": ["devices"],
    "buses_restarted": ["lan"],
    "restart_needed": ["storage.sqlite.path"],
    "seconds": 0.41,
}


class ReloadOutcome(_Frozen):
    model_config = ConfigDict(frozen=True, json_schema_extra={"examples": [_EXAMPLE]})

    result: ReloadResult
    at: datetime
    actor: str
    old_checksum: str
    new_checksum: str | None  # of the files read; None when they could not be loaded
    issues: tuple[str, ...] = ()  # `file:line: key: message — hint`, or what failed
    added: tuple[str, ...] = ()  # device ids
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()  # top-level sections applied with a change (zones, alerting, …)
    buses_restarted: tuple[str, ...] = ()
    mqtt_reconnected: bool = False
    restart_needed: tuple[str, ...] = ()  # keys changed in the file, not applied until a restart
    seconds: float = 0.0

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented use on a property
    @property
    def summary(self) -> str:
        """One line for logs, the audit record's outcome and the CLI."""
        if self.result is ReloadResult.REJECTED:
            return f"配置无效，未应用 / rejected, the running config stays: {len(self.issues)} problem(s)"
        if self.result is ReloadResult.FAILED:
            return f"应用失败 / applying failed: {'; '.join(self.issues)}"
        parts = [
            f"{label} {', '.join(ids)}"
            for label, ids in (
                ("新增 / added", self.added),
                ("移除 / removed", self.removed),
                ("变更 / changed", self.changed),
                ("总线已重启 / buses restarted", self.buses_restarted),
            )
            if ids
        ]
        if self.sections:
            parts.append(f"配置段 / sections {', '.join(self.sections)}")
        if self.mqtt_reconnected:
            parts.append("MQTT 已重新连接 / MQTT reconnected")
        if self.restart_needed:
            parts.append(f"需要重启 / restart needed: {', '.join(self.restart_needed)}")
        return "已应用 / applied: " + ("; ".join(parts) or "无变化 / no change")


class ConfigStatus(_Frozen):
    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "path": "/etc/anjing/site.yaml",
                    "checksum": "sha256:9a41…",
                    "loaded_at": "2026-11-29T10:15:02+08:00",
                    "restart_needed": ["storage.sqlite.path"],
                    "last_reload": _EXAMPLE,
                }
            ]
        },
    )

    path: str
    checksum: str  # `config.fingerprint.config_checksum` of the files the running config came from
    loaded_at: datetime
    restart_needed: tuple[str, ...] = ()  # changed in the files, waiting for a restart
    last_reload: ReloadOutcome | None = None
