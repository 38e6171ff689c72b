"""The HTTP plumbing the HTTP channels share: one client per channel, errors mapped to a `Delivery`.

Every provider answer is passed through `redact` before it reaches a `Delivery`, because URLs and
echoed request bodies can carry a robot key or a token; transport errors and 5xx are recoverable,
other 4xx are not (a retry would be refused the same way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import httpx

from alerts.channels.base import Delivery

ANSWER_LIMIT = 500  # characters of a provider's answer kept in the delivery log


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every non-empty secret replaced by `***`, shortened for the delivery log."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[:ANSWER_LIMIT]


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a numeric `Retry-After` header, if the server sent one."""
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def status_delivery(response: httpx.Response, secrets: Iterable[str]) -> Delivery:
    """A Delivery judged on the HTTP status alone: 2xx ok, 429 throttled, 5xx recoverable, 4xx final."""
    answer = redact(f"HTTP {response.status_code}: {response.text}", secrets)
    code = response.status_code
    if 200 <= code < 300:
        return Delivery(ok=True, answer=answer)
    if code == 429:
        return Delivery(
            ok=False, answer=answer, recoverable=True, throttled=True, retry_after=retry_after(response)
        )
    return Delivery(ok=False, answer=answer, recoverable=code >= 500, retry_after=retry_after(response))


class HttpSender:
    """One pooled `httpx.AsyncClient` per channel; `post` never raises for network trouble."""

    def __init__(self, *, timeout: float, secrets: Iterable[str]) -> None:
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self._secrets = tuple(secret for secret in secrets if secret)

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    async def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response | Delivery:
        """The response, or a recoverable Delivery when the request did not get an answer."""
        try:
            return await self._client.post(url, content=content, headers=headers, params=params)
        except httpx.TimeoutException as error:
            return Delivery(
                ok=False, answer=self.redact(f"timeout: {type(error).__name__}"), recoverable=True
            )
        except httpx.HTTPError as error:
            return Delivery(
                ok=False, answer=self.redact(f"{type(error).__name__}: {error}"), recoverable=True
            )

    async def aclose(self) -> None:
        await self._client.aclose()
