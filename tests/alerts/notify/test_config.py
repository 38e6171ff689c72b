"""`notify:` in the site file: cross-references and channel mistakes are file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError
from tests.alerts.notify.support import hook, notify_site


def test_unknown_ids_and_bad_channels_name_their_lines(tmp_path: Path) -> None:
    notify = (
        "  channels:\n"
        + hook("hook", "http://127.0.0.1:9")
        + "    - {id: hook2, type: webhook, url: 'ftp://x', secret: s}\n"
        + """
  receivers:
    - {id: duty, name: 值班员, channels: [{channel: hok}]}
  rota:
    - {receiver: nobody}
  routes:
    - receivers: [duty]
      routes:
        - {match: {zone: hall}, escalate: [{after: 15m, receivers: [director]}]}
"""
    )
    with pytest.raises(ConfigError) as caught:
        notify_site(tmp_path, notify)
    issues = {(issue.line, issue.message.split(" / ")[-1]) for issue in caught.value.issues}
    lines = (tmp_path / "site.yaml").read_text(encoding="utf-8").splitlines()
    assert {message for _, message in issues} >= {
        "unknown channel 'hok'",
        "unknown receiver 'nobody'",
        "unknown receiver 'director'",
    }
    for line, message in issues:
        assert line is not None
        if "director" in message:
            assert "director" in lines[line - 1]
        if "hok" in message:
            assert "hok" in lines[line - 1]
    assert any(line is not None and "ftp://x" in lines[line - 1] for line, _ in issues)


def test_a_valid_section_loads(tmp_path: Path) -> None:
    site = notify_site(
        tmp_path,
        "  channels:\n"
        + hook("hook", "http://127.0.0.1:9")
        + """
  receivers:
    - {id: duty, name: 值班员, channels: [{channel: hook}], quiet_hours: "22:00-07:00"}
  rota: [{receiver: duty, days: [sat, sun]}]
  routes:
    - {receivers: [on-duty], group_by: [zone, rule], match: {severity: critical}, continue: true}
""",
    )
    assert site.config.notify is not None
    [route] = site.config.notify.routes
    assert (route.match, route.continue_, route.group_wait) == ({"severity": ["critical"]}, True, 30.0)
