"""Limits the site changed (with the reason it recorded) and limits the catalog is not sure of."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from alerts.rules.bind import Binding
from compliance.model import Override, Unconfirmed
from config.standards import Confidence, Statistic
from sensors.units import to_canonical

DOUBTFUL = {Confidence.UNCONFIRMED, Confidence.LOW, Confidence.MEDIUM_LOW}


def overrides(bindings: Sequence[Binding]) -> list[Override]:
    """One row per rule and zone whose limit differs from the standard's."""
    out: dict[tuple[str, str | None], Override] = {}
    for b in bindings:
        rule = b.rule
        if rule is None or rule.statistic is Statistic.STATE:
            continue
        unit = "" if rule.statistic is Statistic.ZONE_UNIFORMITY else rule.unit
        high, low = (
            None if v is None else to_canonical(v, unit, rule.quantity) for v in (rule.max, rule.min)
        )
        if (b.max, b.min) == (high, low):
            continue
        loosened = (b.max is not None and high is not None and b.max > high) or (
            b.min is not None and low is not None and b.min < low
        )
        standard = replace(b, max=high, min=low).limit_text
        out.setdefault(
            (b.rule_id, b.zone),
            Override(
                key=b.key,
                name=b.name,
                zone=b.zone,
                standard_limit=standard,
                site_limit=b.limit_text,
                direction="loosened" if loosened else "tightened",
                reason=b.override_reason,
            ),
        )
    return list(out.values())


def unconfirmed(bindings: Sequence[Binding]) -> list[Unconfirmed]:
    """One row per rule and zone whose catalog value is marked unconfirmed, low or medium-low."""
    out: dict[tuple[str, str | None], Unconfirmed] = {}
    for b in bindings:
        rule = b.rule
        if rule is None or rule.confidence not in DOUBTFUL:
            continue
        found = out.get((b.rule_id, b.zone))
        subject = b.subject if found is None else f"{found.subject}, {b.subject}"
        out[(b.rule_id, b.zone)] = Unconfirmed(
            key=b.key, name=b.name, zone=b.zone, subject=subject,
            confidence=rule.confidence.value, clause=rule.source.clause,
        )  # fmt: skip
    return list(out.values())
