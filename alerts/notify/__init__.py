"""Notifications: the alert engine's transitions routed, grouped, rendered and delivered (issue 6).

Stages in Alertmanager's order, one module each: `route` (the tree) and `dispatch` (groups, wait,
repeat, escalation), `receivers` (rota, quiet hours), `render` (the notice text), `queue` (the
persistent queue and delivery log: dedup and record), `retry` (one worker per channel: back-off,
fallback). `Notifier` wires them to the engine; the runtime starts it when `notify:` is configured.
"""

from alerts.notify.dispatch import Dispatcher, Message
from alerts.notify.notifier import Notifier, build_channels
from alerts.notify.queue import NotifyQueue, Queued
from alerts.notify.receivers import Directory
from alerts.notify.render import Renderer
from alerts.notify.retry import ChannelWorker
from alerts.notify.route import Matched, match_routes

__all__ = [
    "ChannelWorker",
    "Directory",
    "Dispatcher",
    "Matched",
    "Message",
    "Notifier",
    "NotifyQueue",
    "Queued",
    "Renderer",
    "build_channels",
    "match_routes",
]
