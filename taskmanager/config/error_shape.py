"""The one JSON error shape of every failure the API reports.

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"title": ["Title must not be empty."]}}}

``fields`` appears only for input errors and names each offending field.
It lives here, outside the API app, because the WSGI layer in front of both
roles (request_limits.py) answers in it too, before any app is reached.
"""


def error_body(status_code: int, code: str, message: str, fields=None) -> dict:
    error = {"status": status_code, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}
