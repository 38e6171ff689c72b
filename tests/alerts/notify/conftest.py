from collections.abc import Iterator

import pytest

from tests.alerts.channels.receiver import Receiver, receiver

__all__ = ["backup", "receiver"]


@pytest.fixture
def backup() -> Iterator[Receiver]:
    """A second loopback receiver: the fallback's or the escalation's webhook."""
    server = Receiver()
    server.start()
    yield server
    server.stop()
