"""E-mail against a real aiosmtpd server on loopback: STARTTLS with a self-signed certificate,
AUTH only after TLS, and a handler that answers like a relay (accept, 4xx busy, 5xx refused)."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from alerts.channels import build_channel
from alerts.channels.email import EmailConfig
from tests.alerts.channels.notices import LINK, notice
from tests.alerts.channels.receiver import free_port

PASSWORD = "smtp-密码-0001"


@dataclass
class Relay:
    port: int
    cert: Path
    received: list[EmailMessage] = field(default_factory=list)
    reply: str = "250 OK"
    tls_seen: list[bool] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.tls_seen.append(session.ssl is not None)
        if self.reply.startswith("250"):
            content = envelope.content if isinstance(envelope.content, bytes) else b""
            message = message_from_bytes(content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append(message)
        return self.reply


def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    good = isinstance(data, LoginPassword) and data.login == b"anjing" and data.password == PASSWORD.encode()
    return AuthResult(success=good, handled=False)  # unhandled: aiosmtpd answers 535 itself


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def relay(certificate: tuple[Path, Path]) -> Iterator[Relay]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Relay(port=free_port(), cert=cert)
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=handler.port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture(autouse=True)
async def settle() -> AsyncIterator[None]:
    """Let closed TLS connections finish their shutdown handshake before the test's loop closes
    (a send returns once the session is closed; asyncio completes the socket's close soon after)."""
    yield
    await asyncio.sleep(0.2)


def config(relay: Relay, **changes: object) -> EmailConfig:
    fields: dict[str, object] = {
        "id": "duty-mail",
        "type": "email",
        "host": "127.0.0.1",
        "port": relay.port,
        "username": "anjing",
        "password": PASSWORD,
        "sender": "anjing@example.com",
        "to": ["duty@example.com"],
        "ca_cert": str(relay.cert),
        "timeout": "5s",
    }
    return EmailConfig.model_validate(fields | changes)


async def test_starttls_login_and_utf8_message(relay: Relay) -> None:
    channel = build_channel(config(relay))
    delivery = await channel.send(notice(addresses=("+8613800138000", "wang@example.com")))
    await channel.aclose()
    assert delivery.ok, delivery.answer
    assert relay.tls_seen == [True]
    [message] = relay.received
    assert message["To"] == "wang@example.com"
    assert message["Subject"].startswith("【告警】会议室")
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert plain is not None
    assert rich is not None
    assert LINK in plain.get_content()
    assert f'href="{LINK}"' in rich.get_content()
    assert PASSWORD not in delivery.answer


async def test_4xx_recoverable_5xx_not(relay: Relay) -> None:
    channel = build_channel(config(relay))
    relay.reply = "451 4.3.0 try again later"
    busy = await channel.send(notice())
    relay.reply = "554 5.7.1 rejected"
    rejected = await channel.send(notice())
    await channel.aclose()
    assert (busy.ok, busy.recoverable) == (False, True)
    assert (rejected.ok, rejected.recoverable) == (False, False)


async def test_wrong_password_is_final(relay: Relay) -> None:
    channel = build_channel(config(relay, password="wrong-password"))
    delivery = await channel.send(notice())
    await channel.aclose()
    assert (delivery.ok, delivery.recoverable) == (False, False), delivery.answer
    assert "wrong-password" not in delivery.answer


async def test_untrusted_certificate_is_recoverable_not_sent(relay: Relay) -> None:
    channel = build_channel(config(relay, ca_cert=None))
    delivery = await asyncio.wait_for(channel.send(notice()), 10)
    await channel.aclose()
    assert (delivery.ok, delivery.recoverable) == (False, True)
    assert relay.received == []
