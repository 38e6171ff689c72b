"""Alerts: the standards catalog evaluated on sliding windows, with a persisted lifecycle.

`AlertEngine` turns readings into `Transition`s (pending → firing → acknowledged → resolved, unknown
on stale data); `AlertService` runs it inside the service and records every transition in the
SQLite file; `replay` runs it over recorded readings. `AlertEngine.subscribe(listener)` hands every
transition to a listener (notifiers, MQTT) and returns the unsubscribe callable.
"""

from alerts.engine import AlertEngine, AlertError, Listener
from alerts.replay import ReplayError, read_readings, replay
from alerts.selfcheck import ServiceCheck
from alerts.service import AlertService, FeedingStore
from alerts.setup import build_engine
from alerts.silence import Silence, SilenceKind
from alerts.state import AlertState, AlertStatus, Transition
from alerts.store import AlertStore

__all__ = [
    "AlertEngine",
    "AlertError",
    "AlertService",
    "AlertState",
    "AlertStatus",
    "AlertStore",
    "FeedingStore",
    "Listener",
    "ReplayError",
    "ServiceCheck",
    "Silence",
    "SilenceKind",
    "Transition",
    "build_engine",
    "read_readings",
    "replay",
]
