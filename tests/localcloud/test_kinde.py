# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kinde OIDC emulator over verified TLS."""

import base64
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request

import pytest


def _call(env, path, data=None, headers=None, method=None):
    context = ssl.create_default_context(cafile=env["LOCALCLOUD_KINDE_CA"])
    request = urllib.request.Request(
        env["LOCALCLOUD_KINDE_URL"] + path,
        headers=headers or {},
        data=urllib.parse.urlencode(data).encode() if data else None,
        method=method,
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect())
    try:
        with opener.open(request) as resp:
            return resp.status, resp.headers, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, json.loads(exc.read() or b"{}")


def test_tls_requires_the_written_ca(env, lc):
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(env["LOCALCLOUD_KINDE_URL"] + "/.well-known/jwks", context=ssl.create_default_context())


def test_discovery_and_jwks(env, lc):
    status, _headers, doc = _call(env, "/.well-known/openid-configuration")
    issuer = env["LOCALCLOUD_KINDE_URL"]
    assert status == 200 and doc["issuer"] == issuer
    assert doc["authorization_endpoint"] == issuer + "/oauth2/auth"
    assert doc["token_endpoint"] == issuer + "/oauth2/token"
    assert doc["userinfo_endpoint"] == issuer + "/oauth2/v2/user_profile"
    assert doc["jwks_uri"] == issuer + "/.well-known/jwks"
    assert {"openid", "profile", "email", "offline"} <= set(doc["scopes_supported"])
    status, _headers, jwks = _call(env, "/.well-known/jwks")
    key = jwks["keys"][0]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig") and key["kid"]


def _verify_jwt(env, token):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric import rsa

    def unb64(text):
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    key = _call(env, "/.well-known/jwks")[2]["keys"][0]
    public = rsa.RSAPublicNumbers(
        int.from_bytes(unb64(key["e"]), "big"), int.from_bytes(unb64(key["n"]), "big")
    ).public_key()
    header, payload, signature = token.split(".")
    public.verify(unb64(signature), ("%s.%s" % (header, payload)).encode(), padding.PKCS1v15(), hashes.SHA256())
    assert json.loads(unb64(header))["kid"] == key["kid"]
    return json.loads(unb64(payload))


def test_client_credentials(env, lc):
    client_id, secret = "localcloud-kinde-client", "localcloud-kinde-secret"
    basic = base64.b64encode(("%s:%s" % (client_id, secret)).encode()).decode()
    status, _h, body = _call(
        env, "/oauth2/token", {"grant_type": "client_credentials"}, {"Authorization": "Basic " + basic}
    )
    assert status == 200 and body["token_type"] == "bearer" and body["expires_in"] > 0
    claims = _verify_jwt(env, body["access_token"])
    assert claims["iss"] == env["LOCALCLOUD_KINDE_URL"] and claims["azp"] == client_id
    status, _h, body = _call(
        env, "/oauth2/token", {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert status == 200 and body["access_token"]
    status, _h, body = _call(
        env, "/oauth2/token", {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "wrong"}
    )
    assert status == 401 and body["error"] == "invalid_client"
    status, _h, body = _call(
        env, "/oauth2/token", {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": secret}
    )
    assert status == 401 and body["error"] == "invalid_client"
    status, _h, body = _call(
        env, "/oauth2/token", {"grant_type": "password", "client_id": client_id, "client_secret": secret}
    )
    assert status == 400 and body["error"] == "unsupported_grant_type"


def test_rotate_client_secret_and_reset(env, lc):
    lc.kinde_set_client("localcloud-kinde-client", "rotated")
    data = {"grant_type": "client_credentials", "client_id": "localcloud-kinde-client"}
    assert _call(env, "/oauth2/token", dict(data, client_secret="localcloud-kinde-secret"))[0] == 401
    assert _call(env, "/oauth2/token", dict(data, client_secret="rotated"))[0] == 200
    lc.reset()
    assert _call(env, "/oauth2/token", dict(data, client_secret="localcloud-kinde-secret"))[0] == 200


def test_authorize_redirects_and_validates_client(env, lc):
    query = urllib.parse.urlencode(
        {
            "client_id": "localcloud-kinde-client",
            "state": "s1",
            "redirect_uri": "https://app.example/cb",
            "response_type": "code",
            "scope": "openid",
        }
    )
    status, headers, _body = _call(env, "/oauth2/auth?" + query)
    assert status == 302
    location = urllib.parse.urlsplit(headers["Location"])
    params = urllib.parse.parse_qs(location.query)
    assert location.netloc == "app.example" and params["state"] == ["s1"]
    status, _h, body = _call(
        env,
        "/oauth2/token",
        {
            "grant_type": "authorization_code",
            "code": params["code"][0],
            "client_id": "localcloud-kinde-client",
            "client_secret": "localcloud-kinde-secret",
        },
    )
    assert status == 200 and _verify_jwt(env, body["id_token"])["sub"]
    bad = query.replace("localcloud-kinde-client", "unknown")
    assert _call(env, "/oauth2/auth?" + bad)[0] == 400
