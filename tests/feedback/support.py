"""A small site with visitor feedback on its public hall, readings written straight into its store, and
the API over it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from anjing.runtime import Runtime
from config import Site, load_site
from sensors import Quantity, Reading
from tests.helpers import free_port, small_site

PUBLIC = "/api/v1/feedback"


def feedback_site(folder: Path, feedback: str = "{}", extra: str = "") -> Site:
    """The small site (devices never answer: the store holds only what a test writes) with `feedback:`."""
    path = small_site(
        folder,
        tcp_port=free_port(),
        rtu_port=free_port(),
        extra=f"feedback: {feedback}\nalerting: {{tick: 100ms}}\n{extra}",
    )
    return load_site(path)


async def hall_readings(runtime: Runtime, *, temperature: float, illuminance: float = 400.0) -> None:
    """Fresh readings of the hall's two thermometers and its lux meter, as if just polled."""
    now = datetime.now(UTC)
    await runtime.store.write(
        [
            Reading("aq-1.temperature", Quantity.TEMPERATURE, temperature, now),
            Reading("th-1.temperature", Quantity.TEMPERATURE, temperature, now),
            Reading("lux-1.illuminance", Quantity.ILLUMINANCE, illuminance, now),
        ]
    )
