"""E-mail over SMTP: one message per delivery, its Message-ID made of the delivery's
idempotency key, so a message sent again after a crash is recognisably the same message."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from bridge_api.config import Settings
from bridge_api.notifications.templates import Message


class PermanentFailure(Exception):
    """The channel refused the message for good (retrying cannot help)."""


def message_id(idempotency_key: str) -> str:
    """The Message-ID header of a delivery's e-mail."""
    return f"<{idempotency_key}@saras.notifications>"


def send_email(settings: Settings, to: str, message: Message, idempotency_key: str) -> None:
    """Hand one message to the SMTP server; raise on any failure (`PermanentFailure` when the
    server refused the recipient)."""
    if settings.smtp_host is None:
        raise PermanentFailure("no SMTP server is configured (SARAS_SMTP_HOST)")
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = settings.mail_from
    mail["To"] = to
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(idempotency_key)
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user and settings.smtp_password:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentFailure(f"recipient refused: {error.recipients}") from error
