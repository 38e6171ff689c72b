"""A loopback HTTP receiver standing in for the SMS gateway that texts answers back to visitors."""

from tests.alerts.channels.receiver import receiver

__all__ = ["receiver"]
