"""The one module that talks to influxdb-client: synchronous writes, errors translated to `InfluxError`s.

Only the synchronous write API: the background batching mode drops data silently when the server is
down or the process exits (influxdb-client-python issues 144, 198, 504). urllib3 retries are off;
the forwarder owns retrying, so that a failed batch stays in the outbox. Calls block: run them in a
thread.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import cast

import urllib3
from influxdb_client.client.influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.domain.write_precision import WritePrecision
from influxdb_client.rest import ApiException

from config.influx import InfluxStorage
from storage.influx.errors import (
    InfluxAuthError,
    InfluxRejectedError,
    InfluxUnavailableError,
)

_BAD_DATA = {400, 413, 422}  # the lines themselves are refused (413: the batch is too large)
_MS = cast(WritePrecision, WritePrecision.MS)  # a plain str constant, typed as the enum-like class


def retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class InfluxSender:
    """Writes lines to one bucket; reusable, closed with `close()`."""

    def __init__(self, config: InfluxStorage, *, ca_cert: str | None = None) -> None:
        self.url = config.url
        self._bucket = config.bucket
        self._org = config.org
        self._client = InfluxDBClient(
            url=config.url,
            token=config.token.get_secret_value(),
            org=config.org,
            timeout=int(config.timeout * 1000),
            enable_gzip=config.gzip,
            verify_ssl=config.verify_tls,
            ssl_ca_cert=ca_cert,
            retries=False,
        )
        self._write_api = self._client.write_api(write_options=SYNCHRONOUS)

    def write(self, lines: Sequence[str]) -> None:
        """Return once InfluxDB acknowledged every line (2xx); raise an `InfluxError` otherwise."""
        with self._translated():
            self._write_api.write(bucket=self._bucket, org=self._org, record=list(lines), write_precision=_MS)

    def close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except ApiException as exc:
            status = int(exc.status or 0)
            body = str(exc.body or exc.reason or "")[:500]
            if status in {401, 403}:
                raise InfluxAuthError(self.url, status, body) from exc
            if status in _BAD_DATA:
                raise InfluxRejectedError(self.url, status, body) from exc
            # 5xx, 408, 429, and 404 & co. (a wrong URL or bucket: retried, never taken for bad data)
            headers: Mapping[str, str] = exc.headers or {}
            raise InfluxUnavailableError(
                self.url, status, body, retry_after(headers.get("Retry-After"))
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise InfluxUnavailableError(self.url, None, str(exc)) from exc
