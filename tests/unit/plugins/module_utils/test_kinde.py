# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of the Kinde helpers: endpoints, discovery validation (fingerprints: test_elbv2_rules.py)."""

from __future__ import annotations

import json
import urllib.error

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import kinde
from ansible_collections.rocketclub.platform.plugins.module_utils.kinde import KindeError


@pytest.mark.parametrize(
    "given, domain",
    [
        ("acme.kinde.com", "acme.kinde.com"),
        ("  Acme.Kinde.com ", "acme.kinde.com"),
        ("https://acme.kinde.com", "acme.kinde.com"),
        ("HTTPS://auth.example.com/", "auth.example.com"),
        ("auth.example.com", "auth.example.com"),
        ("127.0.0.1:4568", "127.0.0.1:4568"),
        ("https://127.0.0.1:4568/", "127.0.0.1:4568"),
        ("localhost:08443", "localhost:8443"),
    ],
)
def test_normalize_domain(given, domain):
    assert kinde.normalize_domain(given) == domain


@pytest.mark.parametrize(
    "given, fragment",
    [
        ("http://acme.kinde.com", "scheme http:// is not allowed"),
        ("ftp://acme.kinde.com", "scheme ftp:// is not allowed"),
        ("", "must not be empty"),
        ("https://", "must not be empty"),
        ("acme.kinde.com/oauth2", "without path"),
        ("user@acme.kinde.com", "without path, query or user"),
        ("acme_kinde.com", "is not a valid host name"),
        ("acme.kinde.com:0", "invalid port"),
        ("acme.kinde.com:http", "invalid port"),
        ("acme.kinde.com:70000", "invalid port"),
    ],
)
def test_normalize_domain_rejects(given, fragment):
    with pytest.raises(KindeError, match=fragment.replace("?", r"\?")):
        kinde.normalize_domain(given)


@pytest.mark.parametrize(
    "domain, issuer",
    [
        ("acme.kinde.com", "https://acme.kinde.com"),
        ("auth.example.com", "https://auth.example.com"),
        ("127.0.0.1:4568", "https://127.0.0.1:4568"),
    ],
)
def test_derive_endpoints(domain, issuer):
    assert kinde.derive_endpoints(domain) == {
        "issuer": issuer,
        "authorization_endpoint": issuer + "/oauth2/auth",
        "token_endpoint": issuer + "/oauth2/token",
        "user_info_endpoint": issuer + "/oauth2/v2/user_profile",
    }
    assert kinde.discovery_url(domain) == issuer + "/.well-known/openid-configuration"


def document(domain="acme.kinde.com", **override):
    issuer = f"https://{domain}"
    doc = {
        "issuer": issuer,
        "authorization_endpoint": issuer + "/oauth2/auth",
        "token_endpoint": issuer + "/oauth2/token",
        "userinfo_endpoint": issuer + "/oauth2/v2/user_profile",
        "jwks_uri": issuer + "/.well-known/jwks",
    }
    doc.update(override)
    return {k: v for k, v in doc.items() if v is not None}


@pytest.mark.parametrize(
    "doc, problems",
    [
        (document(), []),
        (
            document(issuer="https://acme.kinde.com/"),
            ["issuer: expected 'https://acme.kinde.com', found 'https://acme.kinde.com/'"],
        ),
        (
            document(userinfo_endpoint=None),
            ["userinfo_endpoint: expected 'https://acme.kinde.com/oauth2/v2/user_profile', found nothing"],
        ),
        (
            document("other.kinde.com"),
            [
                "issuer: expected 'https://acme.kinde.com', found 'https://other.kinde.com'",
                "authorization_endpoint: expected 'https://acme.kinde.com/oauth2/auth', found 'https://other.kinde.com/oauth2/auth'",
                "token_endpoint: expected 'https://acme.kinde.com/oauth2/token', found 'https://other.kinde.com/oauth2/token'",
                "userinfo_endpoint: expected 'https://acme.kinde.com/oauth2/v2/user_profile', found 'https://other.kinde.com/oauth2/v2/user_profile'",
            ],
        ),
        (["not", "a", "dict"], ["the document is not a JSON object (found list)"]),
    ],
)
def test_check_discovery(doc, problems):
    assert kinde.check_discovery(doc, kinde.derive_endpoints("acme.kinde.com")) == problems


class Response:
    def __init__(self, body):
        self.body = body

    def read(self):
        return self.body


def opener_returning(body, calls=None):
    def opener(url, **kwargs):
        if calls is not None:
            calls.append((url, kwargs))
        return Response(body)

    return opener


def test_validate_discovery_ok_passes_tls_settings():
    calls = []
    doc = kinde.validate_discovery(
        "127.0.0.1:4568",
        validate_certs=True,
        ca_path="/ca.pem",
        opener=opener_returning(json.dumps(document("127.0.0.1:4568")).encode(), calls),
    )
    assert doc["issuer"] == "https://127.0.0.1:4568"
    ((url, kwargs),) = calls
    assert url == "https://127.0.0.1:4568/.well-known/openid-configuration"
    assert kwargs["ca_path"] == "/ca.pem" and kwargs["validate_certs"] is True


def test_validate_discovery_mismatch_message():
    body = json.dumps(document(token_endpoint="https://x.example.com/token")).encode()
    with pytest.raises(KindeError) as exc:
        kinde.validate_discovery("acme.kinde.com", opener=opener_returning(body))
    assert str(exc.value) == (
        "Kinde discovery document https://acme.kinde.com/.well-known/openid-configuration does not match "
        "kinde_domain acme.kinde.com: token_endpoint: expected 'https://acme.kinde.com/oauth2/token', "
        "found 'https://x.example.com/token'"
    )


@pytest.mark.parametrize(
    "error, fragment",
    [
        (urllib.error.URLError("connection refused"), "unreachable (URLError: <urlopen error connection refused>)"),
        (urllib.error.HTTPError("u", 404, "Not Found", {}, None), "unreachable (HTTP 404)"),
        (TimeoutError("timed out"), "unreachable (TimeoutError: timed out)"),
    ],
)
def test_fetch_discovery_unreachable(error, fragment):
    def opener(url, **kwargs):
        raise error

    with pytest.raises(KindeError) as exc:
        kinde.fetch_discovery("https://acme.kinde.com/.well-known/openid-configuration", opener=opener)
    assert "https://acme.kinde.com/.well-known/openid-configuration" in str(exc.value)
    assert fragment in str(exc.value)


def test_fetch_discovery_not_json():
    with pytest.raises(KindeError, match="is not valid JSON"):
        kinde.fetch_discovery("https://acme.kinde.com/x", opener=opener_returning(b"<html>"))
