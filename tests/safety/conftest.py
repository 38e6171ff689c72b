"""A loopback webhook receiver standing in for the duty officer's channel (the notifier's own fixture)."""

from tests.alerts.channels.receiver import receiver

__all__ = ["receiver"]
