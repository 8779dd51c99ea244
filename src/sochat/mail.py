"""Outgoing e-mail over SMTP (stdlib ``smtplib`` in a worker thread).

``SOCHAT_SMTP_URL`` is ``smtp://user:password@host:port`` (``smtps://`` for implicit TLS;
``SOCHAT_SMTP_STARTTLS`` upgrades a plain connection and refuses to send without it).
Credentials never appear in logs or errors.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

import anyio.to_thread

from sochat.config import Settings
from sochat.errors import ServiceUnavailable

log = logging.getLogger("sochat.mail")


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self._url = settings.smtp_url
        self._starttls = settings.smtp_starttls
        self._sender = settings.smtp_from
        self._timeout = settings.smtp_timeout_seconds

    @property
    def available(self) -> bool:
        return bool(self._url)

    async def send(self, to: str, subject: str, text: str, html: str | None = None) -> None:
        if not self._url:
            raise ServiceUnavailable("SR_VISITOR_EMAIL_OFF")
        msg = EmailMessage()
        msg["From"] = self._sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or "sochat")
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
        try:
            await anyio.to_thread.run_sync(self._deliver, msg)
        except (OSError, smtplib.SMTPException) as exc:
            # The reason, never the URL (it may hold the password).
            log.warning("e-mail not sent: %s", type(exc).__name__)
            raise ServiceUnavailable("SR_VISITOR_EMAIL_FAILED") from None

    def _deliver(self, msg: EmailMessage) -> None:
        url = urlsplit(self._url)
        host = url.hostname or "localhost"
        implicit_tls = url.scheme == "smtps"
        port = url.port or (465 if implicit_tls else 25)
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if implicit_tls:
            smtp = smtplib.SMTP_SSL(host, port, timeout=self._timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=self._timeout)
        with smtp:
            smtp.ehlo()
            if self._starttls and not implicit_tls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(msg)
