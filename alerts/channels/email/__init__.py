"""E-mail over SMTP with STARTTLS (or implicit TLS): plain text and simple HTML (see README.md)."""

from alerts.channels.email.channel import EmailChannel, compose
from alerts.channels.email.config import EmailConfig

__all__ = ["EmailChannel", "EmailConfig", "compose"]
