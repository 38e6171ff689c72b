"""Build a site's alert engine from the shipped standards catalog (used by the service and replay)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from alerts.engine import AlertEngine
from alerts.rules.bind import Binding, bind
from alerts.selfcheck import ServiceCheck
from config.loader import Site
from config.standards import StandardSpec, load_standards
from sensors.catalog import SensorInfo


def build_engine(
    site: Site,
    catalog: Mapping[str, SensorInfo],
    standards: Mapping[str, StandardSpec] | None = None,
    checks: Sequence[ServiceCheck] = (),
) -> AlertEngine:
    """The engine with every applicable rule bound (of the shipped standards unless given) and the
    service checks; ConfigError for a bad catalog or `alerting:` section."""
    return AlertEngine(site, build_bindings(site, catalog, standards, checks), catalog)


def build_bindings(
    site: Site,
    catalog: Mapping[str, SensorInfo],
    standards: Mapping[str, StandardSpec] | None = None,
    checks: Sequence[ServiceCheck] = (),
) -> list[Binding]:
    """Every alert of `site`: the rules bound to its sensors and zones, then the service checks."""
    rules = bind(site, load_standards() if standards is None else standards, catalog)
    return [*rules, *(check.binding() for check in checks)]
