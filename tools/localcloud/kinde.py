# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Minimal Kinde-like OIDC provider (discovery, JWKS, token endpoint)."""

import base64
import datetime
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import threading
import time
import uuid
from http import HTTPStatus
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

from localcloud.common import CONTROL_PREFIX
from localcloud.common import json_bytes
from localcloud.common import read_body

UNSUPPORTED_GRANT = "The authorization grant type is not supported by the authorization server."
INVALID_CLIENT = (
    "Client authentication failed (e.g., unknown client, no client "
    "authentication included, or unsupported authentication method)."
)
TOKEN_LIFETIME = 86399


def b64url(data):
    """Base64url-encode without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(number):
    return b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


def generate_tls(state_dir):
    """Create an RSA key and a self-signed certificate; return (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localcloud kinde")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(state_dir, "kinde-ca.pem")
    key_path = os.path.join(state_dir, "kinde-key.pem")
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    tmp = cert_path + ".tmp"
    with open(tmp, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp, cert_path)
    return cert_path, key_path


class KindeEmulator:
    """WSGI application emulating Kinde's OAuth2/OIDC endpoints."""

    def __init__(self, issuer, clients=None):
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.issuer = issuer.rstrip("/")
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.signing_key.public_key().public_numbers()
        self.jwk = {"e": _int_b64(numbers.e), "n": _int_b64(numbers.n), "alg": "RS256", "kty": "RSA", "use": "sig"}
        thumb = json.dumps(
            {"e": self.jwk["e"], "kty": "RSA", "n": self.jwk["n"]}, separators=(",", ":"), sort_keys=True
        )
        self.jwk["kid"] = b64url(hashlib.sha256(thumb.encode()).digest())[:32]
        self.seed_clients = clients or {
            os.environ.get("LOCALCLOUD_KINDE_CLIENT_ID") or "localcloud-kinde-client": os.environ.get(
                "LOCALCLOUD_KINDE_CLIENT_SECRET"
            )
            or "localcloud-kinde-secret"
        }
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        """Restore the seeded clients and forget issued codes/tokens."""
        with self.lock:
            self.clients = dict(self.seed_clients)
            # client id -> allowed callback URLs (Kinde dashboard: Application > Details > Allowed
            # callback URLs). A client without a list here accepts any redirect_uri.
            self.callbacks = {}
            self.codes = {}
            self.tokens = {}
            self.log = []

    def discovery(self):
        """Return the OpenID Connect discovery document."""
        iss = self.issuer
        return {
            "issuer": iss,
            "authorization_endpoint": iss + "/oauth2/auth",
            "token_endpoint": iss + "/oauth2/token",
            "end_session_endpoint": iss + "/logout",
            "userinfo_endpoint": iss + "/oauth2/v2/user_profile",
            "jwks_uri": iss + "/.well-known/jwks",
            "revocation_endpoint": iss + "/oauth2/revoke",
            "introspection_endpoint": iss + "/oauth2/introspect",
            "scopes_supported": ["openid", "profile", "email", "offline"],
            "response_types_supported": [
                "code",
                "token",
                "id_token",
                "code token",
                "code id_token",
                "id_token token",
                "code id_token token",
            ],
            "response_modes_supported": ["form_post", "query", "fragment"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic", "none"],
            "claims_supported": [
                "aud",
                "exp",
                "iat",
                "iss",
                "sub",
                "email",
                "email_verified",
                "family_name",
                "given_name",
                "name",
                "picture",
            ],
            "code_challenge_methods_supported": ["S256"],
            "request_uri_parameter_supported": False,
            "request_parameter_supported": False,
        }

    def sign(self, claims):
        """Return an RS256 JWT for ``claims``."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        header = {"alg": "RS256", "kid": self.jwk["kid"], "typ": "JWT"}
        signing_input = "%s.%s" % (b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()))
        signature = self.signing_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(signature)

    def _client_auth(self, environ, form):
        """Return (client_id, error_response or None)."""
        header = environ.get("HTTP_AUTHORIZATION", "")
        basic = header.lower().startswith("basic ")
        client_id = form.get("client_id", [None])[0]
        secret = form.get("client_secret", [None])[0]
        if basic:
            try:
                decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
                client_id, secret = decoded.split(":", 1)
            except ValueError:
                client_id, secret = None, None
        known = self.clients.get(client_id) if client_id else None
        if known is None or secret is None or not hmac.compare_digest(known, secret):
            extra = [("WWW-Authenticate", 'Basic realm="%s"' % self.issuer)] if basic else []
            return client_id, (401, {"error": "invalid_client", "error_description": INVALID_CLIENT}, extra)
        return client_id, None

    def token(self, environ, body):
        """Handle ``POST /oauth2/token``; return (status, data, headers)."""
        form = parse_qs(body.decode("utf-8", "replace"))
        grant = form.get("grant_type", [None])[0]
        if not grant:
            return (
                400,
                {
                    "error": "invalid_request",
                    "error_description": "The request is missing a required parameter: grant_type.",
                },
                [],
            )
        if grant not in ("client_credentials", "authorization_code"):
            return 400, {"error": "unsupported_grant_type", "error_description": UNSUPPORTED_GRANT}, []
        client_id, error = self._client_auth(environ, form)
        if error:
            return error
        now = int(time.time())
        scope = form.get("scope", [""])[0]
        claims = {
            "aud": [],
            "azp": client_id,
            "exp": now + TOKEN_LIFETIME,
            "iat": now,
            "iss": self.issuer,
            "jti": str(uuid.uuid4()),
            "scope": scope,
            "scp": scope.split() if scope else [],
            "v": "2",
        }
        result = {"expires_in": TOKEN_LIFETIME, "scope": scope, "token_type": "bearer"}
        if grant == "client_credentials":
            claims["gty"] = ["client_credentials"]
        else:
            code = self.codes.pop(form.get("code", [""])[0], None)
            if code is None or code["client_id"] != client_id:
                return (
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "The provided authorization grant is invalid, expired or revoked.",
                    },
                    [],
                )
            claims["sub"] = code["sub"]
            result["id_token"] = self.sign(
                {
                    "aud": [client_id],
                    "at_hash": "",
                    "auth_time": now,
                    "azp": client_id,
                    "email": "user@localcloud.test",
                    "exp": now + TOKEN_LIFETIME,
                    "iat": now,
                    "iss": self.issuer,
                    "jti": str(uuid.uuid4()),
                    "sub": code["sub"],
                    "name": "Local User",
                    "given_name": "Local",
                    "family_name": "User",
                }
            )
            result["scope"] = code["scope"]
        result["access_token"] = self.sign(claims)
        self.tokens[result["access_token"]] = claims
        return 200, result, [("Cache-Control", "no-store"), ("Pragma", "no-cache")]

    def authorize(self, query):
        """Handle ``GET /oauth2/auth``; return (status, data, headers)."""
        client_id = query.get("client_id", [""])[0]
        redirect_uri = query.get("redirect_uri", [""])[0]
        if client_id not in self.clients:
            return 400, {"error": "invalid_client", "error_description": INVALID_CLIENT}, []
        parsed = urlsplit(redirect_uri)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return (
                400,
                {"error": "invalid_request", "error_description": "The redirect_uri parameter is missing or invalid."},
                [],
            )
        allowed = self.callbacks.get(client_id)
        if allowed is not None and redirect_uri not in allowed:
            # Exact match, as Kinde compares the callback URLs of the application.
            return (
                400,
                {
                    "error": "invalid_request",
                    "error_description": "The redirect_uri is not one of the allowed callback URLs of the application.",
                },
                [],
            )
        if query.get("response_type", ["code"])[0] != "code":
            return (
                400,
                {
                    "error": "unsupported_response_type",
                    "error_description": "The authorization server does not support "
                    "obtaining a token using this method.",
                },
                [],
            )
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "client_id": client_id,
            "sub": "kp_localcloud_user",
            "scope": query.get("scope", ["openid"])[0],
        }
        params = {"code": code}
        if query.get("state"):
            params["state"] = query["state"][0]
        sep = "&" if parsed.query else "?"
        return 302, {}, [("Location", redirect_uri + sep + urlencode(params))]

    def control(self, method, name, body):
        """Handle ``/_localcloud/*``; return (status, data, headers)."""
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            return 400, {"error": "body must be JSON"}, []
        if name == "health" and method == "GET":
            return 200, {"status": "ok", "service": "kinde", "pid": os.getpid(), "issuer": self.issuer}, []
        if name == "clients" and method == "POST":
            if not data.get("client_id") or not data.get("client_secret"):
                return 400, {"error": "client_id and client_secret are required"}, []
            self.clients[data["client_id"]] = data["client_secret"]
            if data.get("callback_urls") is not None:
                self.callbacks[data["client_id"]] = [str(url) for url in data["callback_urls"]]
            return 200, {"clients": sorted(self.clients)}, []
        if name == "clients" and method == "DELETE":
            self.clients.pop(data.get("client_id"), None)
            self.callbacks.pop(data.get("client_id"), None)
            return 200, {"clients": sorted(self.clients)}, []
        if name == "requests" and method == "GET":
            return 200, list(self.log), []
        if name == "reset" and method == "POST":
            self.reset()
            return 200, {"reset": True}, []
        return 404, {"error": "no such control endpoint: %s %s" % (method, name)}, []

    def route(self, environ, body):
        """Dispatch a request; return (status, data, headers)."""
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "/")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path.startswith(CONTROL_PREFIX):
            return self.control(method, path[len(CONTROL_PREFIX) :].strip("/"), body)
        if path == "/.well-known/openid-configuration" and method == "GET":
            return 200, self.discovery(), []
        if path == "/.well-known/jwks" and method == "GET":
            return 200, {"keys": [self.jwk]}, []
        if path == "/oauth2/token":
            if method != "POST":
                return 405, {"error": "invalid_request", "error_description": "HTTP method not allowed."}, []
            return self.token(environ, body)
        if path == "/oauth2/auth" and method == "GET":
            return self.authorize(query)
        if path == "/oauth2/v2/user_profile" and method == "GET":
            header = environ.get("HTTP_AUTHORIZATION", "")
            claims = self.tokens.get(header[7:].strip()) if header.startswith("Bearer ") else None
            if claims is None or claims["exp"] < time.time():
                return 401, {"error": "invalid_token", "error_description": "The access token is invalid."}, []
            sub = claims.get("sub", claims["azp"])
            return (
                200,
                {
                    "id": sub,
                    "sub": sub,
                    "provided_id": None,
                    "name": "Local User",
                    "given_name": "Local",
                    "family_name": "User",
                    "email": "user@localcloud.test",
                    "picture": None,
                },
                [],
            )
        return 404, {"error": "not_found"}, []

    def __call__(self, environ, start_response):
        body = read_body(environ)
        with self.lock:
            status, data, headers = self.route(environ, body)
            path = environ.get("PATH_INFO", "/")
            if not path.startswith(CONTROL_PREFIX):
                self.log.append(
                    {"method": environ.get("REQUEST_METHOD"), "path": path, "status": status, "time": time.time()}
                )
        out = json_bytes(data) if status != 302 else b""
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(out)))] + list(headers)
        start_response("%d %s" % (status, HTTPStatus(status).phrase), headers)
        return [out]
