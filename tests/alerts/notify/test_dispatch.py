"""The wait stage on explicit time: grouping, repeat, acknowledgement, resolution, escalation, the tree."""

from __future__ import annotations

from alerts import AlertState
from alerts.notify import Dispatcher, match_routes
from config.notify import Route
from tests.alerts.notify.support import transition

S = AlertState
LABELS = {"zone": "hall", "severity": "warning", "rule": "r", "standard": "GB/T 18883-2022", "kind": "office"}


def route(**fields: object) -> Route:
    return Route.model_validate({"receivers": ["duty"], "group_wait": 30, "repeat": 600, **fields})


def test_two_alerts_of_one_zone_make_one_message_after_the_wait() -> None:
    dispatcher = Dispatcher([route()])
    dispatcher.add(transition("a@hall", 100.0), LABELS)
    dispatcher.add(transition("b@hall", 110.0), LABELS)
    dispatcher.add(transition("c@meeting", 110.0, zone="meeting"), LABELS | {"zone": "meeting"})
    assert dispatcher.flush(129.0) == []
    [message] = dispatcher.flush(130.0)
    assert [t.key for t in message.firing] == ["a@hall", "b@hall"]
    assert (message.reason, message.receivers) == ("notify", ("duty",))
    [other] = dispatcher.flush(140.0)
    assert [t.key for t in other.firing] == ["c@meeting"]


def test_an_alert_joining_a_told_group_leads_the_next_notice() -> None:
    """The group is told again with every open alert, the new one first: its subject names what is new."""
    dispatcher = Dispatcher([route()])
    dispatcher.add(transition("a@hall", 0.0), LABELS)
    dispatcher.add(transition("b@hall", 5.0), LABELS)
    assert len(dispatcher.flush(30.0)) == 1
    dispatcher.add(transition("c@hall", 100.0), LABELS)
    [update] = dispatcher.flush(130.0)
    assert [t.key for t in update.firing] == ["c@hall", "a@hall", "b@hall"]
    assert update.reason == "notify"


def test_repeat_while_firing_until_acknowledged() -> None:
    dispatcher = Dispatcher([route()])
    dispatcher.add(transition("a@hall", 0.0), LABELS)
    assert len(dispatcher.flush(30.0)) == 1
    assert dispatcher.flush(629.0) == []
    [repeat] = dispatcher.flush(630.0)
    assert repeat.reason == "repeat"
    dispatcher.add(transition("a@hall", 700.0, S.ACKNOWLEDGED), LABELS)
    assert dispatcher.flush(5000.0) == []


def test_resolution_is_told_when_the_route_says_so() -> None:
    for send_resolved, told in ((True, 1), (False, 0)):
        dispatcher = Dispatcher([route(send_resolved=send_resolved)])
        dispatcher.add(transition("a@hall", 0.0), LABELS)
        dispatcher.flush(30.0)
        dispatcher.add(transition("a@hall", 100.0, S.RESOLVED), LABELS)
        messages = dispatcher.flush(130.0)
        assert len(messages) == told
        if told:
            assert ([t.key for t in messages[0].resolved], messages[0].firing) == (["a@hall"], ())
        assert dispatcher.flush(10_000.0) == []  # the group is gone: no repeat


def test_a_resolution_never_told_as_firing_is_not_told() -> None:
    dispatcher = Dispatcher([route()])
    dispatcher.add(transition("a@hall", 0.0), LABELS)
    dispatcher.add(transition("a@hall", 10.0, S.RESOLVED), LABELS)
    assert dispatcher.flush(100.0) == []


def test_escalation_steps_once_each_and_stop_at_acknowledgement() -> None:
    steps = [{"after": 900, "receivers": ["manager"]}, {"after": 2700, "receivers": ["director"]}]
    dispatcher = Dispatcher([route(escalate=steps, repeat=10**6)])
    dispatcher.add(transition("a@hall", 0.0), LABELS)
    dispatcher.add(transition("b@hall", 0.0), LABELS)
    dispatcher.flush(30.0)
    [first] = dispatcher.flush(900.0)
    assert (first.reason, first.receivers, len(first.firing)) == ("escalate-1", ("manager",), 2)
    assert dispatcher.flush(901.0) == []
    dispatcher.add(transition("b@hall", 1000.0, S.ACKNOWLEDGED), LABELS)
    [second] = dispatcher.flush(2700.0)
    assert (second.reason, second.receivers, [t.key for t in second.firing]) == (
        "escalate-2",
        ("director",),
        ["a@hall"],
    )


def test_the_tree_deepest_match_continue_and_inherited_receivers() -> None:
    tree = [
        route(
            routes=[
                {"match": {"severity": "critical"}, "receivers": ["director"], "continue": True},
                {"match": {"zone": ["hall", "meeting"]}},
            ]
        ),
        route(receivers=["never"]),
    ]
    critical = match_routes(tree, LABELS | {"severity": "critical"})
    assert [(m.path, m.receivers) for m in critical] == [("0.0", ("director",)), ("0.1", ("duty",))]
    stairs = match_routes(tree, LABELS | {"zone": "stairs"})
    assert [(m.path, m.receivers) for m in stairs] == [("0", ("duty",))]


def test_resume_after_a_restart_goes_on_from_what_was_told() -> None:
    steps = [{"after": 900, "receivers": ["manager"]}, {"after": 2700, "receivers": ["director"]}]
    dispatcher = Dispatcher([route(escalate=steps)])
    # told at 30, repeated at 630, escalated at 900, before the restart
    dispatcher.resume(
        transition("a@hall", 0.0), LABELS, {"notify": 30.0, "repeat": 630.0, "escalate-1": 900.0}
    )
    # never told (the service stopped between firing and queueing): told now, as new
    dispatcher.resume(transition("b@meeting", 0.0, zone="meeting"), LABELS | {"zone": "meeting"}, {})
    told = [(m.reason, [t.key for t in m.firing]) for m in dispatcher.flush(1000.0)]
    # b@meeting: its notice, and the escalation it is due after 900 s unacknowledged; nothing for a@hall
    assert told == [("notify", ["b@meeting"]), ("escalate-1", ["b@meeting"])]
    assert [m.group for m in dispatcher.flush(1499.0)] == []
    repeats = [(m.reason, [t.key for t in m.firing]) for m in dispatcher.flush(1500.0)]  # 600 s after 900
    assert ("repeat", ["a@hall"]) in repeats
    assert all(reason != "escalate-1" for reason, _ in repeats)
    late = [(m.reason, [t.key for t in m.firing]) for m in dispatcher.flush(2700.0)]
    assert ("escalate-2", ["a@hall"]) in late
