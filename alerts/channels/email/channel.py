"""Send a notice as one e-mail through an SMTP relay (aiosmtplib).

Recipients are the notice's e-mail addresses, or the channel's `to` list when it has none. SMTP's
own reply codes decide the retry: 4xx and connection trouble are recoverable, 5xx (refused
recipients, failed login) are not.
"""

from __future__ import annotations

import contextlib
import html
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from alerts.channels.base import Delivery, Notice
from alerts.channels.email.config import EmailConfig
from alerts.channels.http import redact


def compose(notice: Notice, *, sender: str, recipients: list[str]) -> EmailMessage:
    """A UTF-8 message: the body as plain text and as simple HTML, both ending with the link."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = notice.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    label = "查看详情 / details" if notice.language == "zh" else "details / 查看详情"
    message.set_content(f"{notice.body}\n\n{label}: {notice.link}\n", charset="utf-8")
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in notice.body.splitlines() if line.strip())
    link = html.escape(notice.link, quote=True)
    message.add_alternative(
        f'<html><body><h3>{html.escape(notice.subject)}</h3>{paragraphs}<p><a href="{link}">{label}</a></p>'
        "</body></html>",
        subtype="html",
        charset="utf-8",
    )
    return message


class EmailChannel:
    def __init__(self, config: EmailConfig) -> None:
        self._config = config
        self._password = config.password.get_secret_value() if config.password else None
        self._tls: ssl.SSLContext | None = None
        if config.security != "none":
            cafile = str(config.ca_cert) if config.ca_cert else None
            self._tls = ssl.create_default_context(cafile=cafile)

    @property
    def id(self) -> str:
        return self._config.id

    async def send(self, notice: Notice) -> Delivery:
        recipients = [address for address in notice.addresses if "@" in address] or self._config.to
        if not recipients:
            return Delivery(ok=False, answer="没有收件人 / no e-mail address in the notice or the channel")
        message = compose(notice, sender=self._config.sender, recipients=recipients)
        secrets = [self._password or ""]
        client = aiosmtplib.SMTP(
            hostname=self._config.host,
            port=self._config.port,
            username=self._config.username,
            password=self._password,
            start_tls=self._config.security == "starttls",
            use_tls=self._config.security == "tls",
            tls_context=self._tls,
            timeout=self._config.timeout,
        )
        try:
            await client.connect()  # EHLO, STARTTLS, EHLO, AUTH
            _, reply = await client.send_message(message)
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):  # the relay has the message
                await client.quit()
        except aiosmtplib.SMTPResponseException as error:
            return Delivery(
                ok=False,
                answer=redact(f"SMTP {error.code}: {error.message}", secrets),
                recoverable=error.code < 500,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            return Delivery(ok=False, answer=redact(f"recipients refused: {error.recipients}", secrets))
        except (aiosmtplib.SMTPException, OSError) as error:
            return Delivery(
                ok=False, answer=redact(f"{type(error).__name__}: {error}", secrets), recoverable=True
            )
        finally:
            # aiosmtplib 5.1 leaves the socket open when the STARTTLS handshake fails (a refused
            # certificate): close it ourselves, whatever happened.
            client.close()
        return Delivery(ok=True, answer=redact(f"SMTP: {reply}", secrets))

    async def aclose(self) -> None:
        """Nothing to close: each notice opens and closes its own SMTP session."""
