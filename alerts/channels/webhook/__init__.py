"""Generic signed webhook: the notice as JSON, HMAC-SHA256 signed (see README.md)."""

from alerts.channels.webhook.channel import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookChannel, sign
from alerts.channels.webhook.config import WebhookConfig

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "WebhookChannel", "WebhookConfig", "sign"]
