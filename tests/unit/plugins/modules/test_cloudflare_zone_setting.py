# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.cloudflare_zone_setting against the local cloud's Cloudflare emulator.

``fetch_url`` of module_utils/cloudflare.py is replaced by a call of the emulator's WSGI application
(tools/localcloud/cloudflare_api.py), so the module meets its settings endpoint, errors and faults.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import cloudflare
from ansible_collections.rocketclub.platform.plugins.modules import cloudflare_zone_setting as module_under_test
from localcloud.cloudflare_api import ApiError
from localcloud.testing import InProcessCloudflare

ZONE = "rocketclub.online"
ZONE_ID = hashlib.md5(ZONE.encode()).hexdigest()  # as the emulator makes it
TOKEN = "cf-unit-token-never-printed"
BASE = "http://cloudflare.invalid/client/v4"
SSL_PATH = f"/zones/{ZONE_ID}/settings/ssl"


class Emulator(InProcessCloudflare):
    """The in-process emulator, with the zone setting these tests read."""

    def ssl(self):
        return self.settings[ZONE_ID]["ssl"]


@pytest.fixture
def cf(monkeypatch):
    return Emulator(zones=[ZONE], tokens=[TOKEN]).install(monkeypatch, cloudflare)


@pytest.fixture
def run(run_module):
    def _run(check_mode=False, diff=True, **kwargs):
        args = dict(zone=ZONE, setting="ssl", value="strict", api_token=TOKEN, api_base_url=BASE)
        args.update(kwargs)
        args = {k: v for k, v in args.items() if v is not None}
        result = run_module(module_under_test.main, args, check_mode=check_mode, diff=diff, aws=False)
        assert TOKEN not in result.out
        return result.result

    return _run


def test_a_new_zone_is_flexible_and_becomes_strict_once(run, cf):
    assert cf.ssl()["value"] == "flexible" and cf.ssl()["modified_on"] is None

    check = run(check_mode=True)
    assert check["changed"] is True and check["value"] == "strict" and check["previous_value"] == "flexible"
    assert check["diff"] == {"before": {"zone": ZONE, "ssl": "flexible"}, "after": {"zone": ZONE, "ssl": "strict"}}
    assert cf.writes() == [] and cf.ssl()["value"] == "flexible"

    applied = run()
    assert applied["changed"] is True and applied["zone_id"] == ZONE_ID and applied["setting"] == "ssl"
    assert applied["value"] == "strict" and applied["previous_value"] == "flexible" and applied["editable"] is True
    assert applied["modified_on"] and applied["diff"] == check["diff"]
    assert cf.writes() == [f"PATCH {SSL_PATH}"] and cf.ssl()["value"] == "strict"

    cf.log.clear()
    for check_mode in (True, False):
        again = run(check_mode=check_mode)
        assert again["changed"] is False and again["value"] == again["previous_value"] == "strict"
        assert again["diff"]["before"] == again["diff"]["after"]
        assert again["modified_on"] == applied["modified_on"]
    # two reads per run, no write
    assert cf.calls() == ["GET /zones", f"GET {SSL_PATH}"] * 2


def test_full_is_changed_to_strict_and_back(run, cf):
    cf.ssl()["value"] = "full"
    assert run()["previous_value"] == "full" and cf.ssl()["value"] == "strict"
    result = run(value="full")
    assert result["changed"] is True and cf.ssl()["value"] == "full"


def test_a_setting_the_plan_does_not_allow_fails_before_any_write(run, cf):
    cf.ssl()["editable"] = False
    result = run()
    assert result["failed"] is True and result["changed"] is False
    assert (
        "The zone setting ssl of rocketclub.online is 'flexible' and not editable on this zone's plan (Free Website)"
    ) in result["msg"]
    assert "Nothing was changed." in result["msg"]
    assert cf.writes() == [] and cf.ssl()["value"] == "flexible"
    # already at the value: nothing to do, no failure
    cf.ssl()["value"] = "strict"
    assert run()["changed"] is False


@pytest.mark.parametrize(
    "args, message",
    [
        (
            {"value": "Strict"},
            "value: 'Strict' is not a value of the zone setting ssl (off, flexible, full, strict, origin_pull)",
        ),
        ({"value": "on"}, "value: 'on' is not a value of the zone setting ssl"),
        (
            {"setting": "min_tls_version", "value": "1.4"},
            "value: '1.4' is not a value of the zone setting min_tls_version",
        ),
        ({"setting": "ssl/../x"}, "setting: 'ssl/../x' is not a zone setting id"),
        ({"zone": " "}, "zone: empty"),
        ({"api_token": None}, "api_token: no Cloudflare API token given"),
    ],
)
def test_bad_input_fails_before_any_api_call(run, cf, args, message):
    result = run(**args)
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert cf.log == []


def test_token_from_environment(run, cf, monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    assert run(api_token=None)["changed"] is True


def test_unknown_zone(run, cf):
    result = run(zone="unknown.example")
    assert result["failed"] is True
    assert "zone: no zone named 'unknown.example' is visible to this API token" in result["msg"]
    assert cf.writes() == []


def test_value_the_api_refuses(run, cf):
    # origin_pull is an Enterprise-only mode: the module lets it through, Cloudflare refuses it on Free.
    result = run(value="origin_pull")
    assert result["failed"] is True and result["changed"] is False and result["status"] == 400
    expected = f"Cloudflare API PATCH {SSL_PATH} failed with HTTP 400: [1007] Invalid value for zone setting ssl"
    assert expected in result["msg"]
    assert "Cloudflare refused the value for this zone setting" in result["msg"]
    assert cf.ssl()["value"] == "flexible"


def test_unknown_setting_is_reported_with_the_api_error(run, cf):
    result = run(setting="no_such_setting", value="on")
    assert result["failed"] is True and "[1006] Unrecognized zone setting name: no_such_setting" in result["msg"]
    assert "The zone setting name is not known to Cloudflare" in result["msg"]


def test_expired_token_names_the_permission(run, cf):
    cf.tokens[TOKEN] = "expired"
    result = run()
    assert result["failed"] is True and result["status"] == 401
    assert "Zone Settings:Edit" in result["msg"] and TOKEN not in json.dumps(result)


def test_rate_limited_write_is_retried(run, cf):
    # The emulator's faults hit the next call whatever it is; this one hits the first PATCH only.
    original = cf.api
    seen = []

    def api(method, path, query, body, environ):
        if method == "PATCH" and not seen:
            seen.append(path)
            raise ApiError(
                429, 971, "Please wait and consider throttling your request speed", headers=[("Retry-After", "3")]
            )
        return original(method, path, query, body, environ)

    cf.api = api
    result = run()
    assert result["changed"] is True and cf.ssl()["value"] == "strict"
    assert cf.sleeps == [3.0]
    assert cf.writes() == [f"PATCH {SSL_PATH}"] * 2
