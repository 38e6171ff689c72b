"""A probe site for alert tests: one device with a field for every quantity, in a zone of any kind."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from alerts import AlertEngine, Transition, build_engine, replay
from config import Site, load_site
from config.catalog import build_catalog
from config.standards import load_standards
from sensors import Quality, Quantity, Reading
from tests.helpers import write_site

_STATES = {
    Quantity.LAMP_STATE: "{0: normal, 1: emergency, 2: fault}",
    Quantity.BATTERY_STATE: "{0: ok, 1: fault}",
    Quantity.MAIN_POWER: '{0: "on", 1: "off"}',
    Quantity.DOOR_STATE: "{0: closed, 1: open, 2: fault}",
    Quantity.EXIT_BLOCKED: "{0: clear, 1: blocked}",
}


def _profile(folder: Path) -> None:
    lines = ["id: probe", "name: 测试探头", "fields:"]
    for address, quantity in enumerate(Quantity):
        states = f", states: {_STATES[quantity]}" if quantity in _STATES else ""
        lines.append(f"  - {{key: {quantity.value}, quantity: {quantity.value}, address: {address}{states}}}")
    lines.append(f"  - {{key: illuminance_2, quantity: illuminance, address: {len(Quantity)}}}")
    (folder / "probe.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def probe_site(
    folder: Path,
    *,
    kind: str = "office",
    evacuation_route: bool = False,
    standards: Sequence[str] = (),
    poll: float = 10.0,
    alerting: str = "",
    devices: int = 1,
) -> Site:
    """A site whose device `probe` (and `probe-2`… when `devices` > 1) sits in zone `z` of `kind`."""
    profiles = folder / "profiles"
    profiles.mkdir(exist_ok=True)
    _profile(profiles)
    chosen = f"standards: [{', '.join(standards)}]" if standards else ""
    extra_devices = "".join(
        f"  - {{id: probe-{n}, bus: gw, address: {n}, profile: probe, zone: z, poll: {poll}}}\n"
        for n in range(2, devices + 1)
    )
    path = write_site(
        folder,
        f"""
        site: {{name: 测试, timezone: Asia/Shanghai, opening_hours: {{mon-fri: "08:30-12:00,14:00-17:30"}}}}
        zones:
          - {{id: z, name: 测试区, kind: {kind}, evacuation_route: {str(evacuation_route).lower()}}}
        buses:
          - {{id: gw, transport: tcp, host: 127.0.0.1, port: 1502}}
        profile_dirs: [profiles]
        devices:
          - {{id: probe, bus: gw, address: 1, profile: probe, zone: z, poll: {poll}}}
        """,
        extra=extra_devices + f"alerting: {{{chosen}{', ' if chosen and alerting else ''}{alerting}}}\n",
    )
    return load_site(path)


STANDARDS = load_standards()  # parsed once for the whole test run


def engine_for(site: Site) -> AlertEngine:
    return build_engine(site, build_catalog(site), STANDARDS)


def reading(sensor: str, quantity: Quantity, value: float | str, ts: datetime) -> Reading:
    if isinstance(value, str):
        return Reading(sensor, quantity, float(quantity.info.states.index(value)), ts, Quality.GOOD, value)
    return Reading(sensor, quantity, value, ts)


def series(
    sensors: dict[str, Quantity], values: Iterable[float | str], start: datetime, every: float
) -> list[Reading]:
    """Each value in turn, `every` seconds apart, for every sensor in `sensors`."""
    out: list[Reading] = []
    for i, value in enumerate(values):
        ts = start + timedelta(seconds=i * every)
        out.extend(reading(sensor, quantity, value, ts) for sensor, quantity in sensors.items())
    return out


def run(engine: AlertEngine, readings: list[Reading], tick: float) -> list[Transition]:
    return list(replay(engine, readings, tick=tick))


def states(transitions: Iterable[Transition], rule: str | None = None) -> list[str]:
    return [t.state.value for t in transitions if rule is None or t.rule == rule]
