from tests.alerts.channels.receiver import receiver

__all__ = ["receiver"]
