"""Rows of buttons with pattern ids (`{"type": "ack", "key": …}`): which one was pressed, and what
was typed in the box beside it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from dash import callback_context

T = TypeVar("T")


def pressed() -> dict[str, Any] | None:
    """The pattern id of the button whose click fired this callback; None when the callback ran because
    the buttons were re-rendered (no click)."""
    trigger = callback_context.triggered_id
    if not trigger or not any(item.get("value") for item in callback_context.triggered):
        return None
    return dict(trigger)


def beside(values: Sequence[T | None], ids: Sequence[dict[str, Any]], field: str, key: object) -> T | None:
    """The value of the input whose pattern id has `field` equal to `key`: the box next to the button."""
    return dict(zip([i[field] for i in ids], values, strict=True)).get(key)
