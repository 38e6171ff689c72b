"""Topic templates: `anjing/{zone}/{device}/telemetry` → a subscription filter and a fast matcher."""

from __future__ import annotations

from config.mqtt import check_template


class TopicTemplate:
    """A template whose `{name}` levels become `+` in the filter; matching returns the `{device}` part."""

    __slots__ = ("_device_level", "_levels", "_tail", "filter", "template")

    def __init__(self, template: str) -> None:
        check_template(template)
        self.template = template
        levels = template.split("/")
        self._tail = levels[-1] == "#"  # "#" matches any further levels, and the parent itself
        self._levels = tuple(
            None if lv.startswith("{") or lv == "+" else lv for lv in levels[: -1 if self._tail else None]
        )
        self._device_level = levels.index("{device}")
        self.filter = "/".join("+" if level.startswith("{") else level for level in levels)

    def device(self, topic: str) -> str | None:
        """The `{device}` part of `topic`, or None when `topic` does not match the template."""
        levels = topic.split("/")
        if len(levels) != len(self._levels) and not (self._tail and len(levels) >= len(self._levels)):
            return None
        for want, got in zip(self._levels, levels, strict=False):
            if want is not None and want != got:
                return None
        return levels[self._device_level]

    def __repr__(self) -> str:
        return f"TopicTemplate({self.template!r})"


def shared(topic_filter: str, group: str | None) -> str:
    """The filter as an MQTT 5 shared subscription when a group is set: `$share/<group>/<filter>`."""
    return f"$share/{group}/{topic_filter}" if group else topic_filter
