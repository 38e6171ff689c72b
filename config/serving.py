"""How the API is served: HTTPS certificate and key, and the proxies trusted for X-Forwarded-*.

The pair is checked in two places with the same function: in the model (both or neither) and,
for the files themselves, in the loader's cross-check (`check_api`), which knows the site file's
folder (relative paths start there) and reports at file:line; `anjing run --tls-cert/--tls-key`
checks its own files with `tls_file_problems`.
"""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator

from config.errors import ConfigIssue, InvalidValue
from config.source import Source

_PEM_HINT = "valid: a readable PEM file; relative paths start at the site file's folder"


def _check_proxy(text: str) -> str:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise InvalidValue(
            f"代理地址无效 / not an address or network: {text!r}",
            "valid: an IP address or network, e.g. 127.0.0.1, 10.0.0.0/8, ::1",
        ) from exc
    return text


ProxyAddress = Annotated[str, AfterValidator(_check_proxy)]


def check_tls_pair(cert: Path | None, key: Path | None) -> None:
    """Both or neither: a certificate without its key (or the reverse) cannot serve HTTPS."""
    if (cert is None) != (key is None):
        missing = "tls_key" if key is None else "tls_cert"
        raise InvalidValue(
            f"缺少 {missing} / {missing} is missing",
            "HTTPS needs both tls_cert and tls_key (PEM files); give neither to serve plain HTTP",
            key=missing,
        )


def tls_file_problems(cert: Path, key: Path) -> list[tuple[str, str, str]]:
    """(`tls_cert` or `tls_key`, message, hint) for each file that cannot be read, or for a pair that
    does not load together (not PEM, or a key that is not the certificate's)."""
    problems = []
    for name, path in (("tls_cert", cert), ("tls_key", key)):
        try:
            path.read_bytes()
        except OSError as exc:
            problems.append((name, f"无法读取 / cannot read {path}: {exc.strerror}", _PEM_HINT))
    if problems:
        return problems
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        return [
            (
                "tls_key",
                f"证书与私钥无法加载 / the certificate and key do not load together: {exc.reason or exc}",
                "valid: PEM files, the key being the certificate's own (unencrypted)",
            )
        ]
    return []


def check_api(section: Any, source: Source) -> list[ConfigIssue]:
    """The `api:` section's TLS files, on the data as written (values of the wrong type are skipped)."""
    if not isinstance(section, dict):
        return []
    cert, key = section.get("tls_cert"), section.get("tls_key")
    if not isinstance(cert, str) or not isinstance(key, str):
        return []
    folder = source.path.parent
    return [
        source.issue(("api", name), message, hint)
        for name, message, hint in tls_file_problems(folder / cert, folder / key)
    ]
