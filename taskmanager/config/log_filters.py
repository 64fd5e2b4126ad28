"""Filters on the one log handler (settings.LOGGING)."""

import logging


class ClientErrorLogFilter(logging.Filter):
    """Django's "suspicious request" lines (a Host not served, a form too large) without a traceback.

    Django logs each with the exception attached, but the request, not the
    code, is at fault, and anyone can send one: one line says all there is to say.
    """

    def filter(self, record):
        if record.name.startswith("django.security."):
            record.exc_info = record.exc_text = None
        return True
