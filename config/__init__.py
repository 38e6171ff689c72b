"""Site configuration: loading, validation with file:line errors, and the shipped data.

The data folders beside this package: `profiles/` (device register maps), `standards/` (thresholds
with clause citations) and `examples/` (a complete demo site).
"""

from config.errors import ConfigError, ConfigIssue
from config.loader import Site, load_site
from config.models import (
    Bus,
    Device,
    RoomKind,
    RtuBus,
    RtuOverTcpBus,
    SimEvent,
    SimEventKind,
    SiteConfig,
    SiteInfo,
    TcpBus,
    Zone,
)
from config.profiles import SHIPPED_PROFILES, load_profile, load_profiles

__all__ = [
    "SHIPPED_PROFILES",
    "Bus",
    "ConfigError",
    "ConfigIssue",
    "Device",
    "RoomKind",
    "RtuBus",
    "RtuOverTcpBus",
    "SimEvent",
    "SimEventKind",
    "Site",
    "SiteConfig",
    "SiteInfo",
    "TcpBus",
    "Zone",
    "load_profile",
    "load_profiles",
    "load_site",
]
