"""The `feedback:` section fails loudly with file:line: durations out of order, a reply channel that
is not an SMS channel, an unknown key."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_site
from tests.helpers import write_site

SITE = """
site: {name: 测试中心}
zones:
  - {id: hall, name: 服务大厅, kind: service_hall, public: true}
notify:
  channels:
    - {id: hook, type: webhook, url: "http://127.0.0.1:9/x", secret: s3cret}
  receivers: [{id: duty, name: 值班员, channels: [{channel: hook}]}]
  routes: [{receivers: [duty]}]
"""


def issues(folder: Path, feedback: str) -> list[str]:
    path = write_site(folder, SITE, extra=f"feedback:\n{feedback}")
    with pytest.raises(ConfigError) as caught:
        load_site(path)
    return [str(issue) for issue in caught.value.issues]


def test_escalating_before_the_deadline_is_refused_at_its_line(tmp_path: Path) -> None:
    (issue,) = issues(tmp_path, "  answer_within: 1d\n  escalate_after: 4h\n")
    assert issue.startswith(f"{tmp_path / 'site.yaml'}:11: feedback.escalate_after:")
    assert "escalate_after ≥ answer_within" in issue


def test_a_reply_channel_must_be_an_sms_channel(tmp_path: Path) -> None:
    (issue,) = issues(tmp_path, "  reply_channel: hook\n")
    assert issue.startswith(f"{tmp_path / 'site.yaml'}:10: feedback.reply_channel:")
    assert "不是短信通道" in issue
    assert "no aliyun_sms or tencent_sms channel defined" in issue


def test_unknown_keys_and_bad_durations_are_named(tmp_path: Path) -> None:
    found = issues(tmp_path, "  answer_within: soon\n  per_minute: 3\n")
    assert any(":10: feedback.answer_within:" in issue for issue in found), found
    assert any(":11: feedback.per_minute:" in issue for issue in found), found
