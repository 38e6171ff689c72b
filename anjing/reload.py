"""Configuration reload: re-read the site file, check it as at start, and say what it changes.

`Runtime.reload` holds the lock and applies; this module has the parts that need no running
service: the check, the outcome of a rejected file, the actor of a SIGHUP, and the client side of
`anjing reload`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from api.auth import Principal, Via
from config import ConfigError
from config.changes import SiteChanges
from config.running import ReloadOutcome, ReloadResult
from config.source import load_yaml
from safety import SafetyService, load_plan

SYSTEM = Principal("system", None, Via.SYSTEM, None)  # who reloads on a SIGHUP: the service itself
RELOAD_PATH = "/api/v1/config/reload"
TOKEN_VARIABLE = "ANJING_TOKEN"


def plan_restart(running: SafetyService | None, changes: SiteChanges) -> SiteChanges:
    """`changes`, with `safety.plan` needing a restart when the plan file that runs was edited."""
    if running is None or "safety.plan" in changes.restart_needed or load_plan(changes.site) == running.plan:
        return changes
    return replace(changes, restart_needed=(*changes.restart_needed, "safety.plan"))


def rejected(issues: Iterable[object], actor: Principal, checksum: str, started: float) -> ReloadOutcome:
    """The outcome of a reload that changed nothing, and why (`ConfigError.issues`, or a sentence)."""
    return ReloadOutcome(
        result=ReloadResult.REJECTED,
        at=datetime.now(UTC),
        actor=actor.name,
        old_checksum=checksum,
        new_checksum=None,
        issues=tuple(map(str, issues)),
        seconds=time.monotonic() - started,
    )


def request_reload(url: str, token: str | None, *, timeout: float = 60.0) -> tuple[int, dict[str, object]]:
    """POST the reload to a running service: (HTTP status, JSON body); httpx.HTTPError when unreachable."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(url.rstrip("/") + RELOAD_PATH, headers=headers, timeout=timeout)
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:500]}
    return response.status_code, body if isinstance(body, dict) else {"detail": body}


def service_url(config: Path) -> str:
    """The service's URL from the `api:` section of `config`, read leniently: the file may be the very
    one a reload is about to reject. Defaults as `anjing run`'s: http://127.0.0.1:8000."""
    try:
        data = load_yaml(config).data
    except ConfigError:
        data = None
    api = data.get("api") if isinstance(data, dict) else None
    api = api if isinstance(api, dict) else {}
    scheme = "https" if api.get("tls_cert") else "http"
    return f"{scheme}://{api.get('host') or '127.0.0.1'}:{api.get('port') or 8000}"


def report(body: Mapping[str, Any]) -> list[str]:
    """The lines `anjing reload` prints for a reload's answer (a ReloadOutcome, or a problem holding one)."""
    outcome = body.get("outcome", body)
    if not isinstance(outcome, dict) or "result" not in outcome:
        return [f"{body.get('title', '')} {body.get('detail', '')}".strip()]
    lines = [str(outcome.get("summary", outcome["result"]))]
    lines += [f"  {issue}" for issue in outcome.get("issues", [])]
    new = outcome.get("new_checksum")
    if new and new != outcome.get("old_checksum"):
        lines.append(f"校验和 / checksum: {outcome.get('old_checksum')} → {new}")
    else:
        lines.append(f"校验和 / checksum: {outcome.get('old_checksum')} (运行中 / running)")
    return lines
