# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kinde's allowed callback URLs: ``/oauth2/auth`` refuses a ``redirect_uri`` the application does not list.

The ALB's ``authenticate-oidc`` action sends ``redirect_uri=https://<host>/oauth2/idpresponse``; each application
host must be among the Kinde application's allowed callback URLs.
"""

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request

CLIENT = "localcloud-kinde-client"
SECRET = "localcloud-kinde-secret"
PORTAL = "https://portal.rocketclub.local/oauth2/idpresponse"
PIPELINES = "https://pipelines.rocketclub.local/oauth2/idpresponse"


def _authorize(env, redirect_uri):
    query = urllib.parse.urlencode(
        {"client_id": CLIENT, "redirect_uri": redirect_uri, "state": "s1", "response_type": "code", "scope": "openid"}
    )
    context = ssl.create_default_context(cafile=env["LOCALCLOUD_KINDE_CA"])

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect())
    try:
        with opener.open(env["LOCALCLOUD_KINDE_URL"] + "/oauth2/auth?" + query) as resp:
            return resp.status, resp.headers, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, json.loads(exc.read() or b"{}")


def test_only_the_registered_callback_urls_are_accepted(env, lc):
    lc.kinde_set_client(CLIENT, SECRET, callback_urls=[PORTAL, PIPELINES])
    for url in (PORTAL, PIPELINES):
        status, headers, dummy = _authorize(env, url)
        assert status == 302 and headers["Location"].startswith(url + "?code=")
    for url in (
        "https://portal.dev.rocketclub.local/oauth2/idpresponse",  # another host
        "https://portal.rocketclub.local/oauth2/idpresponse/",  # not the exact URL
        "http://portal.rocketclub.local/oauth2/idpresponse",
    ):
        status, headers, body = _authorize(env, url)
        assert status == 400 and "Location" not in headers
        assert body == {
            "error": "invalid_request",
            "error_description": "The redirect_uri is not one of the allowed callback URLs of the application.",
        }


def test_rotating_the_secret_keeps_the_callback_urls(env, lc):
    lc.kinde_set_client(CLIENT, SECRET, callback_urls=[PORTAL])
    lc.kinde_set_client(CLIENT, "rotated")
    assert _authorize(env, PIPELINES)[0] == 400
    assert _authorize(env, PORTAL)[0] == 302


def test_reset_forgets_the_callback_urls(env, lc):
    lc.kinde_set_client(CLIENT, SECRET, callback_urls=[PORTAL])
    lc.kinde_reset()
    assert _authorize(env, PIPELINES)[0] == 302
