"""The route tree (Alertmanager's `dispatch/route.go`): which routes, and so which receivers, an alert takes.

An alert goes down the tree to the deepest routes that match it; among siblings the first match
wins unless it says `continue: true`. A route without receivers of its own uses its parent's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from config.notify import Route


@dataclass(frozen=True, slots=True)
class Matched:
    """A route an alert took: its place in the tree (`0.1`, a stable id) and its effective receivers."""

    path: str
    route: Route
    receivers: tuple[str, ...]


def matches(route: Route, labels: Mapping[str, str]) -> bool:
    return all(labels.get(key, "") in values for key, values in route.match.items())


def match_routes(
    routes: Sequence[Route], labels: Mapping[str, str], *, path: str = "", inherited: tuple[str, ...] = ()
) -> list[Matched]:
    """The deepest matching routes below `routes` for an alert with `labels`."""
    found: list[Matched] = []
    for index, route in enumerate(routes):
        if not matches(route, labels):
            continue
        here = f"{path}.{index}" if path else str(index)
        receivers = tuple(route.receivers) or inherited
        deeper = match_routes(route.routes, labels, path=here, inherited=receivers)
        found.extend(deeper or [Matched(here, route, receivers)])
        if not route.continue_:
            break
    return found
