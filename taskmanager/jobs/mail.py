"""Sending one email: a plain-text and an HTML part from Django templates, through EMAIL_URL.

Every email carries a link to the recipient's notification settings (the
UI's /settings/, under TASKMANAGER_UI_URL), which the shared layouts
(templates/mail/layout.txt and .html) put at the bottom. Emails are sent only
from jobs, never while a request waits on an SMTP server.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

SETTINGS_PATH = "/settings/"


def ui_url(path: str) -> str:
    """An absolute link into the UI, for emails."""
    return f"{settings.TASKMANAGER_UI_URL}{path}"


def message_id(kind: str, key: str) -> str:
    """A Message-ID that is the same for every attempt at one message, so mail clients drop a resend."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"<{kind}.{key}@{domain}>"


def email_send(*, to: str, template: str, context: dict, message_id: str | None = None) -> None:
    """Render ``<template>_subject.txt``, ``<template>.txt`` and ``<template>.html``; send them to ``to``."""
    context = {**context, "settings_url": ui_url(SETTINGS_PATH), "ui_url": settings.TASKMANAGER_UI_URL}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    headers = {"Message-ID": message_id} if message_id else {}
    email = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    email.attach_alternative(html, "text/html")
    email.send()
