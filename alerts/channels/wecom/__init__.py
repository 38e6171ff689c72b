"""WeCom (企业微信) group robot: a markdown alert plus a text @mention (see README.md)."""

from alerts.channels.wecom.channel import WecomChannel, markdown_content, truncate_utf8
from alerts.channels.wecom.config import WecomConfig

__all__ = ["WecomChannel", "WecomConfig", "markdown_content", "truncate_utf8"]
