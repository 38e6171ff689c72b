"""What a write to InfluxDB can answer, as types the forwarder acts on.

InfluxError                 a batch was not acknowledged; nothing is deleted from the outbox
 ├─ InfluxUnavailableError  5xx, 429, 404 and other 4xx, timeout, refused or broken connection: back
 │                          off and retry (`retry_after`: the server's `Retry-After`, in seconds)
 ├─ InfluxRejectedError     400/413/422: the data itself is refused; bisect, quarantine
 └─ InfluxAuthError         401/403: the token or its permissions; stop until they are fixed

influxdb-client's and urllib3's exceptions are translated in one place (`storage.influx.sender`).
"""

from __future__ import annotations

from typing import ClassVar


class InfluxError(Exception):
    zh: ClassVar[str] = "InfluxDB 写入失败"
    en: ClassVar[str] = "InfluxDB write failed"

    def __init__(self, url: str, status: int | None, detail: str) -> None:
        self.url = url
        self.status = status
        self.detail = detail
        code = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"{self.zh} / {self.en}: {url} — {code}: {detail}")


class InfluxUnavailableError(InfluxError):
    zh = "InfluxDB 暂不可用"
    en = "InfluxDB unavailable"

    def __init__(self, url: str, status: int | None, detail: str, retry_after: float | None = None) -> None:
        super().__init__(url, status, detail)
        self.retry_after = retry_after


class InfluxRejectedError(InfluxError):
    zh = "InfluxDB 拒收数据"
    en = "InfluxDB refused the data"


class InfluxAuthError(InfluxError):
    zh = "InfluxDB 认证失败，转发已暂停，请检查令牌"
    en = "InfluxDB refused the credentials, forwarding paused: check the token"
