"""Security headers on every response, as one small ASGI middleware.

- The API answers JSON only: `default-src 'none'`, nothing may frame it, no referrer leaves it.
- HTML pages — `/docs` and `/redoc` (Swagger UI and ReDoc from our own static files, fastapi-offline)
  and the dashboard mounted at `/` — get a page policy: our own origin, the page's inline scripts by
  their SHA-256 hashes (computed from the page as sent: no `'unsafe-inline'` for scripts), inline
  styles (Dash and Plotly set them), `data:`/`blob:` images and ReDoc's `blob:` search worker.
- `Cache-Control: no-store` on answers that carry personal or auth data (`NO_STORE_PREFIXES`).
- `Strict-Transport-Security` only over HTTPS: the scheme uvicorn reports, which is `https` when it
  terminates TLS itself or when a trusted proxy (`api.trusted_proxies`) says `X-Forwarded-Proto:
  https`; a browser must never learn HSTS from a plain-HTTP answer.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
API_PATHS = ("/api/", "/metrics", "/healthz", "/readyz", "/openapi.json")  # JSON and text, never a page
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
HSTS = "max-age=31536000"  # one year; no includeSubDomains: the LAN's other hosts are not ours to pin
NO_STORE_PREFIXES = ("/api/v1/auth", "/api/v1/users", "/api/v1/audit", "/api/v1/notifications")
COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
)
# inline scripts: no `src`, and not a data block such as Dash's `<script type="application/json">`
_INLINE_SCRIPT = re.compile(rb"<script((?:(?!src=)[^>])*)>(.*?)</script>", re.DOTALL)
_DATA_BLOCK = re.compile(rb"type=[\"']application/json", re.IGNORECASE)


def page_policy(page: bytes) -> str:
    """The HTML pages' policy, allowing exactly the inline scripts `page` carries."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for attributes, script in _INLINE_SCRIPT.findall(page)
        if not _DATA_BLOCK.search(attributes)
    )
    return PAGE_POLICY.format(hashes=hashes)


class SecurityHeaders:
    """ASGI middleware adding the headers above; a header the route set itself is replaced."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        added = [*COMMON]
        if scope.get("scheme") == "https":
            added.append((b"strict-transport-security", HSTS.encode()))
        if path.startswith(NO_STORE_PREFIXES):
            added.append((b"cache-control", b"no-store"))
        if not path.startswith(API_PATHS):
            await self._page(scope, receive, send, added)
            return
        added.append((b"content-security-policy", API_POLICY.encode()))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _merge(message.get("headers", []), added)
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _page(
        self, scope: Scope, receive: Receive, send: Send, added: list[tuple[bytes, bytes]]
    ) -> None:
        """Hold an HTML page (small: the docs, the dashboard's shell) until it is complete, to hash its
        inline scripts; other answers (scripts, styles, Dash's JSON) pass as they come."""
        start: Message | None = None
        body = b""

        async def collect(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                if not _is_html(message):
                    policy = (b"content-security-policy", PAGE_POLICY.format(hashes="").encode())
                    message["headers"] = _merge(message.get("headers", []), [*added, policy])
                    await send(message)
                    return
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body += message.get("body", b"")
            if message.get("more_body", False):
                return
            assert start is not None
            policy = (b"content-security-policy", page_policy(body).encode())
            start["headers"] = _merge(start.get("headers", []), [*added, policy])
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, collect)


def _is_html(start: Message) -> bool:
    return any(
        n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in start.get("headers", [])
    )


def _merge(headers: list[tuple[bytes, bytes]], added: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    names = {name for name, _ in added}
    return [(n, v) for n, v in headers if n.lower() not in names] + added
