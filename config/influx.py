"""`storage.influxdb`: where and how the outbox forwards readings to InfluxDB (2.x, Cloud, 3 or 1.8+).

Only the v2 write API is used (`/api/v2/write`), which all four offer: InfluxDB 1.8+ takes `db/rp` as
the bucket and `user:password` as the token. The token comes from the environment (`${INFLUX_TOKEN}`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from config.types import Seconds


class InfluxStorage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(pattern=r"^https?://", description="e.g. https://influx.local:8086")
    org: str = Field(default="-", description="organization; '-' for InfluxDB 1.8 and 3")
    bucket: str = Field(min_length=1, description="bucket, database (InfluxDB 3) or db/rp (1.8)")
    token: SecretStr = Field(description="write `${INFLUX_TOKEN}`: never the token itself")
    site: str = Field(default="", description="the `site` tag; the site's name when empty")
    gzip: bool = True
    verify_tls: bool = True
    ca_cert: Path | None = Field(default=None, description="CA bundle for a private CA, beside the file")
    timeout: Seconds = Field(default=10.0, gt=0, le=300)
    batch_size: int = Field(default=5000, ge=1, le=50_000, description="lines per write request")
    max_rate: float = Field(default=20_000, gt=0, description="points/s: a backlog drains at most this fast")
    live_share: float = Field(
        default=0.2, ge=0, lt=1, description="share of each batch taken from the newest readings"
    )
    retry_initial: Seconds = Field(default=1.0, gt=0)
    retry_max: Seconds = Field(default=300.0, gt=0)
    auth_retry: Seconds = Field(default=60.0, gt=0, description="re-try after 401/403 this often")
    max_points: int = Field(default=10_000_000, ge=1000, description="outbox cap: oldest dropped beyond")
    max_age: Seconds = Field(default=30 * 86400.0, gt=0, description="outbox cap: older readings dropped")
    growing_after: Seconds = Field(
        default=600.0, gt=0, description="an outbox deeper than it was this long ago is `growing`"
    )
