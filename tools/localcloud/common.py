# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Settings shared by the CLI, the daemon and the client (stdlib only)."""

import io
import json
import os

HOST = "127.0.0.1"

PORT_ENV = {
    "aws": ("LOCALCLOUD_AWS_PORT", 4566),
    "cloudflare": ("LOCALCLOUD_CLOUDFLARE_PORT", 4567),
    "kinde": ("LOCALCLOUD_KINDE_PORT", 4568),
}

# Exit code of `up` (and of the daemon) when a port is taken by another process: callers that chose the ports
# themselves, such as localcloud.testing.running, pick others and try again.
PORT_BUSY = 2

DEFAULT_CLOUDFLARE_TOKEN = "localcloud-cloudflare-token"
DEFAULT_CLOUDFLARE_ZONES = "rocketclub.local"
DEFAULT_KINDE_CLIENT_ID = "localcloud-kinde-client"
DEFAULT_KINDE_CLIENT_SECRET = "localcloud-kinde-secret"
CLOUDFLARE_BASE_PATH = "/client/v4"
CONTROL_PREFIX = "/_localcloud/"


def port(name, env=None):
    """Return the configured port of service ``name``."""
    env = os.environ if env is None else env
    var, default = PORT_ENV[name]
    return int(env.get(var) or default)


def state_dir(env=None):
    """Return the absolute state directory."""
    env = os.environ if env is None else env
    return os.path.abspath(env.get("LOCALCLOUD_STATE_DIR") or ".localcloud")


def endpoints(env=None):
    """Return the endpoint URLs for the configured ports."""
    return {
        "aws": "http://%s:%d" % (HOST, port("aws", env)),
        "cloudflare": "http://%s:%d%s" % (HOST, port("cloudflare", env), CLOUDFLARE_BASE_PATH),
        "kinde": "https://%s:%d" % (HOST, port("kinde", env)),
    }


def json_bytes(data):
    """Serialise ``data`` to UTF-8 JSON bytes."""
    return json.dumps(data).encode("utf-8")


def read_body(environ):
    """Read the whole WSGI request body and make it re-readable."""
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if length.isdigit():
        body = stream.read(int(length)) if int(length) else b""
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def call_wsgi(app, environ):
    """Run a WSGI app; return its status line, headers and whole body (to rewrite the answer)."""
    captured = {}

    def capture(status_line, headers, exc_info=None):
        captured["status"], captured["headers"] = status_line, headers
        return lambda data: captured.setdefault("early", []).append(data)

    result = app(environ, capture)
    try:
        body = b"".join(captured.get("early", []) + list(result))
    finally:
        if hasattr(result, "close"):
            result.close()
    return captured["status"], captured["headers"], body
