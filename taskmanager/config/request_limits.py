"""Limits applied to a request before Django sees it, answered in the error shape.

- A URL longer than MAX_URL_BYTES answers 414 and a header block larger
  than MAX_HEADER_BYTES answers 431. The server's own buffer
  (SERVER_MAX_HEAD_BYTES, 64 KiB) is larger, so these answers come from
  here, in JSON. What the server refuses before any Python runs gets its
  bodiless reply: a head beyond that buffer (414/431), more than 100 header
  fields (431, the HTTP parser's fixed limit) and anything that is not
  well-formed HTTP (400).
- A body sent with ``Transfer-Encoding: chunked`` has no Content-Length, and
  Django reads a body only up to its Content-Length: it would see an empty
  body and, for example, answer a PATCH 200 having changed nothing. Such a
  body is read here, up to the request-size limit (413 past it), and handed
  on with its length, so every view sees the body the client sent. The
  server hands a body whose chunk framing it cannot decode (a size that is
  not hexadecimal, bare LF line ends) on as no body at all, which cannot be
  told from an empty chunked body; both answer 400, as no request here needs
  an empty body sent chunked, and a dropped body must never pass as "no change".
- A body with a Content-Length within the limit is read here in full before
  Django runs. The server closes a connection whose request body the
  application left unread (a 401, 404 or 308 answered before the view looks
  at the body), and a keep-alive client then loses its next request on that
  connection. A larger body is left unread for Django to refuse (413), and
  that answer says ``Connection: close``, so the client opens a new one.
"""

import io
import json

from taskmanager.config.error_shape import error_body

MAX_URL_BYTES = 8 * 1024
MAX_HEADER_BYTES = 16 * 1024
_READ_CHUNK = 64 * 1024


class RequestLimits:
    """WSGI middleware in front of the Django application of either role."""

    def __init__(self, application, *, max_body_bytes: int):
        self.application = application
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ, start_response):
        refusal = self._refusal(environ)
        if refusal is not None:
            return _answer(start_response, *refusal)
        declared = environ.get("CONTENT_LENGTH") or ""
        length = int(declared) if declared.isdigit() else 0
        if length > self.max_body_bytes:

            def closing_start_response(status, headers, exc_info=None):
                return start_response(status, [*headers, ("Connection", "close")], exc_info)

            return self.application(environ, closing_start_response)
        if length:
            environ["wsgi.input"] = io.BytesIO(_read_at_most(environ["wsgi.input"], length))
        return self.application(environ, start_response)

    def _refusal(self, environ) -> tuple[int, str, str, str] | None:
        url_bytes = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
        if url_bytes > MAX_URL_BYTES:
            return 414, "URI Too Long", "uri_too_long", f"The URL is longer than {MAX_URL_BYTES} bytes."
        header_bytes = sum(len(key) + len(value) for key, value in environ.items() if key.startswith("HTTP_"))
        if header_bytes > MAX_HEADER_BYTES:
            return (
                431,
                "Request Header Fields Too Large",
                "headers_too_large",
                f"The request headers are larger than {MAX_HEADER_BYTES} bytes.",
            )
        if environ.get("HTTP_TRANSFER_ENCODING") and not environ.get("CONTENT_LENGTH"):
            body = _read_at_most(environ["wsgi.input"], self.max_body_bytes + 1)
            if len(body) > self.max_body_bytes:
                return (
                    413,
                    "Content Too Large",
                    "request_too_large",
                    f"The request body is larger than {self.max_body_bytes} bytes.",
                )
            if not body:
                return (
                    400,
                    "Bad Request",
                    "bad_request",
                    "The chunked request body is empty or its chunks are malformed; "
                    "send a body with Content-Length, or no body without Transfer-Encoding.",
                )
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return None


def _read_at_most(stream, limit: int) -> bytes:
    parts, size = [], 0
    while size < limit:
        chunk = stream.read(min(_READ_CHUNK, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _answer(start_response, status: int, reason: str, code: str, message: str):
    body = json.dumps(error_body(status, code, message)).encode()
    start_response(
        f"{status} {reason}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            # The rest of a refused request is not read; the connection cannot be reused.
            ("Connection", "close"),
        ],
    )
    return [body]
