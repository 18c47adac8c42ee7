"""E-mail to residents: the answer to a message they left, sent through the city's SMTP server (aiosmtplib).

Only the console's answer to a left message is sent; the router never mails on its own."""
from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from router.core.config import SmtpSettings

SEND_TIMEOUT_SECONDS = 20.0


class MailError(Exception):
    """The SMTP server could not be reached or refused the message."""


class Mailer:
    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    async def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self._settings.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        settings = self._settings
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.host,
                port=settings.port,
                username=settings.username or None,
                password=settings.password or None,
                use_tls=settings.security == "tls",
                start_tls=True if settings.security == "starttls" else False,
                timeout=SEND_TIMEOUT_SECONDS,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            raise MailError(str(error)) from error
