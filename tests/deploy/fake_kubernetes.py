"""A stand-in for the Kubernetes API server, for the secrets Job's script.

A real HTTPS server on 127.0.0.1 that implements the two calls the script
makes (GET one Secret, POST a Secret) with the API server's status codes and
Status bodies, checks the bearer token, and grants exactly what the Job's Role
grants: `get` on the names it lists and `create`. Anything else is 403.
"""

import base64
import json
import re
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SECRET_PATH = re.compile(r"/api/v1/namespaces/(?P<namespace>[^/]+)/secrets(?:/(?P<name>[^/]+))?")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key; the certificate is its own CA."""
    certificate, key = directory / "ca.crt", directory / "server.key"
    options = (
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
        " -subj /CN=kubernetes -addext subjectAltName=IP:127.0.0.1"
    )
    subprocess.run(
        ["openssl", *options.split(), "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    return certificate, key


def status(code: int, reason: str, message: str) -> dict:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


@dataclass
class FakeKubernetes:
    namespace: str
    token: str
    readable: set[str]
    # name -> Secret object as the server stores it
    secrets: dict[str, dict] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    # name -> data another client creates just before this one's POST of that name
    created_meanwhile: dict[str, dict[str, str]] = field(default_factory=dict)
    # (method, name) -> status code to answer instead
    failures: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, name: str, data: dict[str, str]) -> None:
        self.secrets[name] = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": self.namespace},
            "type": "Opaque",
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
        }

    def data(self, name: str) -> dict[str, str]:
        encoded = self.secrets[name].get("data", {})
        return {k: base64.b64decode(v).decode() for k, v in encoded.items()}

    def handle(self, method: str, path: str, authorization: str, body: bytes) -> tuple[int, dict]:
        self.requests.append((method, path))
        if authorization != f"Bearer {self.token}":
            return 401, status(401, "Unauthorized", "Unauthorized")
        match = SECRET_PATH.fullmatch(path)
        if not match or match["namespace"] != self.namespace:
            return 403, status(403, "Forbidden", f"forbidden: {method} {path}")
        name = match["name"]
        if (method, name or "") in self.failures:
            code = self.failures[(method, name or "")]
            return code, status(code, "InternalError", "injected failure")
        if method == "GET" and name:
            if name not in self.readable:
                return 403, status(403, "Forbidden", f'cannot get resource "secrets" "{name}"')
            if name not in self.secrets:
                return 404, status(404, "NotFound", f'secrets "{name}" not found')
            return 200, self.secrets[name]
        if method == "POST" and not name:
            secret = json.loads(body)
            name = secret["metadata"]["name"]
            if name in self.created_meanwhile:
                self.add(name, self.created_meanwhile.pop(name))
            if name in self.secrets:
                return 409, status(409, "AlreadyExists", f'secrets "{name}" already exists')
            self.secrets[name] = {**secret, "metadata": {**secret["metadata"], "namespace": self.namespace}}
            return 201, self.secrets[name]
        return 403, status(403, "Forbidden", f"the Role does not allow {method} {path}")


class _Handler(BaseHTTPRequestHandler):
    fake: FakeKubernetes

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":  # kubectl streams a file
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""
        body = b""
        while size := int(self.rfile.readline().split(b";")[0], 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        self.rfile.readline()  # after the last chunk
        return body

    def _answer(self) -> None:
        body = self._body()
        code, payload = self.fake.handle(self.command, self.path, self.headers.get("Authorization", ""), body)
        encoded = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format, *args):  # quiet
        pass


class serve:
    """`with serve(fake, certificate, key) as port:` the fake on https://127.0.0.1:port."""

    def __init__(self, fake: FakeKubernetes, certificate: Path, key: Path):
        handler = type("Handler", (_Handler,), {"fake": fake})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> int:
        self.thread.start()
        return self.server.server_address[1]

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
