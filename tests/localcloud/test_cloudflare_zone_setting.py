# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's zone settings endpoint (``/zones/{id}/settings/ssl``), driven by the official ``cloudflare`` SDK,
and rocketclub.platform.cloudflare_zone_setting end to end against it through ``ansible``.

Every test asserts on the emulator's state and request log, not only on the client's answer.
"""

import hashlib
import json

import cloudflare
import pytest

from localcloud.testing import ansible_module

MODULE = "rocketclub.platform.cloudflare_zone_setting"
ZONE = "rocketclub.local"
ZONE_ID = hashlib.md5(ZONE.encode()).hexdigest()
SSL_PATH = "/client/v4/zones/%s/settings/ssl" % ZONE_ID


@pytest.fixture
def cf(lc, env):
    """Return an SDK client without automatic retries."""
    return cloudflare.Cloudflare(
        api_token=env["CLOUDFLARE_API_TOKEN"], base_url=env["LOCALCLOUD_CLOUDFLARE_URL"], max_retries=0
    )


def run_module(env, flags=(), **args):
    """Run the module once through ``ansible localhost``; return its result."""
    args = dict(
        {"zone": ZONE, "setting": "ssl", "value": "strict", "api_base_url": env["LOCALCLOUD_CLOUDFLARE_URL"]}, **args
    )
    return ansible_module(env, MODULE, args, flags)


def calls(lc):
    return [(e["method"], e["path"]) for e in lc.cloudflare_requests()]


def ssl_mode(lc):
    return lc.cloudflare_state()["settings"][ZONE]["ssl"]


def test_a_new_zone_starts_flexible(cf, lc):
    setting = cf.zones.settings.get("ssl", zone_id=ZONE_ID)
    assert (setting.id, setting.value, setting.editable, setting.modified_on) == ("ssl", "flexible", True, None)
    assert ssl_mode(lc) == "flexible"
    lc.cloudflare_token("other-token")  # any zone added later starts the same way
    assert lc.call(lc.cloudflare_root, "POST", "zones", {"name": "example.test"})["name"] == "example.test"
    assert lc.cloudflare_state()["settings"]["example.test"] == {"ssl": "flexible"}


def test_patch_uses_the_v4_envelope_and_is_kept(cf, lc, env):
    raw = cf.zones.settings.with_raw_response.edit("ssl", zone_id=ZONE_ID, value="strict")
    body = json.loads(raw.http_response.text)
    assert raw.http_response.status_code == 200
    assert body["success"] is True and body["errors"] == [] and body["messages"] == []
    assert set(body["result"]) == {"id", "value", "editable", "modified_on"}
    assert body["result"]["id"] == "ssl" and body["result"]["value"] == "strict" and body["result"]["editable"] is True
    assert body["result"]["modified_on"].endswith("Z")
    assert ssl_mode(lc) == "strict"
    again = cf.zones.settings.get("ssl", zone_id=ZONE_ID)  # the SDK parses it into its own ssl model
    assert type(again).__name__.startswith("ZonesSSL") and again.value == "strict"
    assert again.modified_on.strftime("%Y-%m-%dT%H:%M:%S.%fZ") == body["result"]["modified_on"]
    assert calls(lc)[-2:] == [("PATCH", SSL_PATH), ("GET", SSL_PATH)]


@pytest.mark.parametrize("value", ["Strict", "on", "origin_pull"])
def test_invalid_value_is_refused_with_1007(cf, lc, value):
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.zones.settings.edit("ssl", zone_id=ZONE_ID, value=value)
    assert exc.value.status_code == 400
    assert exc.value.body["errors"][0] == {"code": 1007, "message": "Invalid value for zone setting ssl"}
    assert ssl_mode(lc) == "flexible"


def test_origin_pull_on_an_enterprise_zone(cf, lc):
    lc.call(lc.cloudflare_root, "POST", "zones", {"name": ZONE, "plan": "enterprise"})
    assert cf.zones.settings.edit("ssl", zone_id=ZONE_ID, value="origin_pull").value == "origin_pull"


def test_unknown_setting_and_unknown_zone(cf):
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.zones.settings.get("no_such_setting", zone_id=ZONE_ID)
    assert exc.value.body["errors"][0] == {"code": 1006, "message": "Unrecognized zone setting name: no_such_setting"}
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.zones.settings.get("ssl", zone_id="0" * 32)
    assert exc.value.body["errors"][0]["code"] == 7003


def test_settings_need_a_token(env, lc):
    sdk = cloudflare.Cloudflare(api_token="not-a-token", base_url=env["LOCALCLOUD_CLOUDFLARE_URL"], max_retries=0)
    with pytest.raises(cloudflare.AuthenticationError):
        sdk.zones.settings.edit("ssl", zone_id=ZONE_ID, value="off")
    assert ssl_mode(lc) == "flexible"


def test_control_endpoint_changes_a_setting_without_an_api_call(lc):
    lc.clear_cloudflare_requests()
    assert lc.cloudflare_zone_setting(ZONE, "ssl", "full", editable=False)["value"] == "full"
    assert ssl_mode(lc) == "full" and calls(lc) == []
    lc.reset()
    assert ssl_mode(lc) == "flexible"


def test_module_check_apply_idempotent_and_diff(lc, env):
    lc.clear_cloudflare_requests()
    check = run_module(env, flags=["--check", "--diff"])
    assert check["changed"] is True and check["value"] == "strict" and check["previous_value"] == "flexible"
    assert check["diff"] == {"before": {"zone": ZONE, "ssl": "flexible"}, "after": {"zone": ZONE, "ssl": "strict"}}
    assert ssl_mode(lc) == "flexible" and [c for c in calls(lc) if c[0] != "GET"] == []

    applied = run_module(env, flags=["--diff"])
    assert applied["changed"] is True and applied["zone_id"] == ZONE_ID and applied["modified_on"]
    assert ssl_mode(lc) == "strict"
    assert [c for c in calls(lc) if c[0] != "GET"] == [("PATCH", SSL_PATH)]

    lc.clear_cloudflare_requests()
    for flags in (["--check", "--diff"], ["--diff"]):
        again = run_module(env, flags=flags)
        assert again["changed"] is False and again["value"] == "strict", again
        assert again["diff"]["before"] == again["diff"]["after"]
    assert [path.rsplit("/", 1)[-1] for method, path in calls(lc)] == ["zones", "ssl"] * 2
    assert all(method == "GET" for method, path in calls(lc))

    # Someone sets Flexible in the dashboard: the next run puts Full (strict) back.
    lc.cloudflare_zone_setting(ZONE, "ssl", "flexible")
    lc.clear_cloudflare_requests()
    back = run_module(env)
    assert back["changed"] is True and back["previous_value"] == "flexible" and ssl_mode(lc) == "strict"
    assert [c for c in calls(lc) if c[0] != "GET"] == [("PATCH", SSL_PATH)]


def test_module_not_editable_fails_before_any_write(lc, env):
    lc.cloudflare_zone_setting(ZONE, "ssl", editable=False)
    lc.clear_cloudflare_requests()
    result = run_module(env)
    assert result["failed"] is True and "not editable" in result["msg"] and "Nothing was changed." in result["msg"]
    assert [c for c in calls(lc) if c[0] != "GET"] == [] and ssl_mode(lc) == "flexible"
