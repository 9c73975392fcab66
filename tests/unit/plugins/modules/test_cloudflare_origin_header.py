# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.cloudflare_origin_header against moto (SSM) and the local cloud's
Cloudflare emulator (``fetch_url`` of module_utils/cloudflare.py answered by tools/localcloud/cloudflare_api.py).

Every test that runs the module with a value also checks that the value is nowhere in its output.
"""

from __future__ import annotations

import hashlib
import json
import re

import boto3
import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import cloudflare
from ansible_collections.rocketclub.platform.plugins.modules import cloudflare_origin_header as module_under_test
from localcloud.cloudflare_api import ApiError
from localcloud.testing import InProcessCloudflare

REGION = "eu-west-2"
ZONE = "rocketclub.online"
ZONE_ID = hashlib.md5(ZONE.encode()).hexdigest()  # as the emulator makes it
TOKEN = "cf-unit-token-never-printed"
BASE = "http://cloudflare.invalid/client/v4"
PARAM = "/test/shared/cf_alb_secret"
SECRET = "Zq8s0TnX4u2LmWcA9bVyR7eKp3HdJf6G1iOaUx5NwQrE0tYz"
NEW_SECRET = "Hs2Pq9Lw4Ze7Ry1Tu6Io3Ap8Sd5Fg0JkXcVbNmQwErTyUiOp"
HOSTS = ["portal.rocketclub.online", "pipelines.rocketclub.online"]
EXPRESSION = '(http.host in {"pipelines.rocketclub.online" "portal.rocketclub.online"})'
PHASE = "http_request_late_transform"
ENTRYPOINT = f"/zones/{ZONE_ID}/rulesets/phases/{PHASE}/entrypoint"


class Emulator(InProcessCloudflare):
    """The in-process emulator, with the zone's late-transform entrypoint at hand."""

    def entrypoint(self):
        return self._entrypoint(self.zones[ZONE_ID], PHASE)

    def rules(self):
        return (self.entrypoint() or {}).get("rules", [])

    def put_rules(self, rules):
        return self._put_entrypoint(self.zones[ZONE_ID], PHASE, {"rules": rules})


@pytest.fixture
def cf(monkeypatch):
    return Emulator(zones=[ZONE], tokens=[TOKEN]).install(monkeypatch, cloudflare)


@pytest.fixture
def ssm(moto_aws):
    client = boto3.client("ssm", region_name=REGION)
    client.put_parameter(Name=PARAM, Value=SECRET, Type="SecureString")
    return client


@pytest.fixture
def run(run_module, ssm):
    def _run(check_mode=False, diff=True, secrets=(SECRET, NEW_SECRET), **kwargs):
        args = dict(zone=ZONE, hosts=HOSTS, value_parameter=PARAM, api_token=TOKEN, api_base_url=BASE)
        args.update(kwargs)
        args = {k: v for k, v in args.items() if v is not None}
        result = run_module(module_under_test.main, args, check_mode=check_mode, diff=diff)
        for secret in (TOKEN,) + tuple(secrets):
            assert secret not in result.out
        return result

    return _run


def other_rule(ref, header="X-Other", value="other-value"):
    return {
        "ref": ref,
        "description": f"someone else's rule {ref}",
        "action": "rewrite",
        "expression": "true",
        "action_parameters": {"headers": {header: {"operation": "set", "value": value}}},
    }


def ours(cf):
    matches = [r for r in cf.rules() if r["ref"] == "rocketclub_origin_header"]
    assert len(matches) <= 1
    return matches[0] if matches else None


def test_creates_the_entrypoint_then_makes_no_write(run, cf, api_calls):
    check = run(check_mode=True).result
    assert check["changed"] is True and check["operation"] == "create_ruleset"
    assert check["ruleset_id"] is None and check["rule_id"] is None
    assert cf.writes() == [] and cf.entrypoint() is None

    applied = run().result
    assert applied["changed"] is True and applied["operation"] == "create_ruleset"
    assert cf.writes() == [f"PUT {ENTRYPOINT}"]
    ruleset = cf.entrypoint()
    assert applied["ruleset_id"] == ruleset["id"] and ruleset["version"] == "1"
    (rule,) = ruleset["rules"]
    assert applied["rule_id"] == rule["id"] and re.fullmatch(r"[0-9a-f]{32}", rule["id"])
    assert rule["ref"] == "rocketclub_origin_header" and rule["action"] == "rewrite" and rule["enabled"] is True
    assert rule["expression"] == EXPRESSION
    assert rule["action_parameters"] == {"headers": {"X-Origin-Verify": {"operation": "set", "value": SECRET}}}
    assert rule["description"] == "Origin authentication header (managed by rocketclub.platform)"
    assert applied["hosts"] == sorted(HOSTS) and applied["expression"] == EXPRESSION
    assert applied["header_name"] == "X-Origin-Verify" and applied["sends"] == PARAM
    assert applied["value_changed"] is True
    assert applied["diff"]["before"] == {"zone": ZONE, "ref": "rocketclub_origin_header"}
    assert applied["diff"]["after"]["value"] == f"******** (the value of {PARAM})"
    assert {k: check[k] for k in ("diff", "hosts", "expression", "sends", "value_changed")} == {
        k: applied[k] for k in ("diff", "hosts", "expression", "sends", "value_changed")
    }
    assert api_calls.named("GetParameter", "ssm")[0] == {"Name": PARAM, "WithDecryption": True}

    cf.log.clear()
    for check_mode in (True, False):
        again = run(check_mode=check_mode).result
        assert again["changed"] is False and again["operation"] == "none"
        assert again["rule_id"] == rule["id"] and again["ruleset_id"] == ruleset["id"]
        assert again["diff"]["before"] == again["diff"]["after"] and again["value_changed"] is False
    assert cf.writes() == [] and cf.entrypoint()["version"] == "1"
    assert cf.calls() == ["GET /zones", f"GET {ENTRYPOINT}"] * 2


def test_a_new_value_in_ssm_is_sent_and_only_the_value_changes(run, cf, ssm):
    first = run().result
    ssm.put_parameter(Name=PARAM, Value=NEW_SECRET, Type="SecureString", Overwrite=True)
    cf.log.clear()

    check = run(check_mode=True).result
    assert check["changed"] is True and check["operation"] == "update_rule" and check["value_changed"] is True
    assert check["diff"]["before"]["value"] == f"******** (not the value of {PARAM})"
    assert check["diff"]["after"]["value"] == f"******** (the value of {PARAM})"
    assert {k: v for k, v in check["diff"]["before"].items() if k != "value"} == {
        k: v for k, v in check["diff"]["after"].items() if k != "value"
    }
    assert cf.writes() == []

    applied = run().result
    assert applied["operation"] == "update_rule" and applied["rule_id"] == first["rule_id"]
    assert cf.writes() == [f"PATCH /zones/{ZONE_ID}/rulesets/{first['ruleset_id']}/rules/{first['rule_id']}"]
    rule = ours(cf)
    assert rule["action_parameters"]["headers"]["X-Origin-Verify"]["value"] == NEW_SECRET
    assert rule["version"] == "2" and cf.entrypoint()["version"] == "2"
    assert run().result["changed"] is False


def test_a_host_list_change_changes_only_the_expression(run, cf):
    first = run().result
    check = run(check_mode=True, hosts=HOSTS + ["status.rocketclub.online"]).result
    applied = run(hosts=HOSTS + ["status.rocketclub.online", "PORTAL.rocketclub.online."]).result
    for result in (check, applied):
        assert result["operation"] == "update_rule" and result["value_changed"] is False
        assert result["hosts"] == sorted(HOSTS + ["status.rocketclub.online"])
        assert result["diff"]["before"]["expression"] == EXPRESSION
        assert result["diff"]["before"]["value"] == result["diff"]["after"]["value"]
    expression = '(http.host in {"pipelines.rocketclub.online" "portal.rocketclub.online" "status.rocketclub.online"})'
    assert ours(cf)["expression"] == expression and applied["expression"] == expression
    assert applied["rule_id"] == first["rule_id"]


def test_other_rules_of_the_phase_are_never_touched(run, cf):
    cf.put_rules([other_rule("first"), other_rule("second", header="X-Second")])
    before = json.loads(json.dumps(cf.rules()))

    added = run().result
    assert added["operation"] == "create_rule" and added["ruleset_id"] == cf.entrypoint()["id"]
    assert cf.writes() == [f"POST /zones/{ZONE_ID}/rulesets/{added['ruleset_id']}/rules"]
    assert cf.rules()[:2] == before and cf.rules()[2]["id"] == added["rule_id"]

    # someone moves our rule to the top and disables it: it is repaired where it is
    rule_id = added["rule_id"]
    cf._edit_rule(cf.entrypoint(), rule_id, dict(ours(cf), enabled=False, position={"index": 1}))
    repaired = run().result
    assert repaired["operation"] == "update_rule" and repaired["diff"]["before"]["enabled"] is False
    assert [r["ref"] for r in cf.rules()] == ["rocketclub_origin_header", "first", "second"]
    assert ours(cf)["enabled"] is True and cf.rules()[1:] == before

    cf.log.clear()
    removed = run(state="absent").result
    assert removed["changed"] is True and removed["operation"] == "delete_rule" and removed["rule_id"] is None
    assert (
        removed["sends"] is None
        and removed["hosts"] == []
        and removed["diff"]["after"]
        == {
            "zone": ZONE,
            "ref": "rocketclub_origin_header",
        }
    )
    assert removed["diff"]["before"]["value"] == "********"
    assert cf.writes() == [f"DELETE /zones/{ZONE_ID}/rulesets/{added['ruleset_id']}/rules/{rule_id}"]
    assert cf.rules() == before


def test_absent_keeps_the_ruleset_and_needs_no_value(run, cf, ssm, api_calls):
    run()
    ssm.delete_parameter(Name=PARAM)
    api_calls.clear()
    check = run(check_mode=True, state="absent").result
    assert check["changed"] is True and check["operation"] == "delete_rule" and cf.writes() == [f"PUT {ENTRYPOINT}"]
    applied = run(state="absent").result
    assert applied["operation"] == "delete_rule" and cf.entrypoint() is not None and cf.rules() == []
    again = run(state="absent").result
    assert again["changed"] is False and again["operation"] == "none" and again["ruleset_id"] == cf.entrypoint()["id"]
    assert api_calls.operations("ssm") == []


def test_absent_without_any_ruleset_is_a_no_op(run, cf):
    result = run(state="absent", hosts=[], value_parameter=None).result
    assert result["changed"] is False and result["ruleset_id"] is None and result["rule_id"] is None
    assert cf.writes() == [] and cf.entrypoint() is None


def test_check_mode_with_a_parameter_a_converge_would_create(run, cf, ssm):
    ssm.delete_parameter(Name=PARAM)
    check = run(check_mode=True)
    assert check.result["changed"] is True and check.result["operation"] == "create_ruleset"
    assert check.result["diff"]["after"]["value"] == f"******** (the value of {PARAM} once it exists)"
    assert any(PARAM in w and "does not exist yet" in w for w in check.warnings)
    assert cf.writes() == []

    cf.log.clear()
    failed = run()
    assert failed.rc != 0 and failed.result["msg"].startswith(f"value_parameter: the SSM parameter {PARAM} does not")
    assert cf.calls() == []


def test_a_description_or_header_name_change_is_repaired(run, cf):
    run()
    renamed = run(header_name="X-Edge-Auth", description="edge").result
    assert renamed["operation"] == "update_rule" and renamed["value_changed"] is False
    assert renamed["diff"]["before"]["header_name"] == "X-Origin-Verify"
    assert renamed["diff"]["after"]["header_name"] == "X-Edge-Auth"
    assert ours(cf)["action_parameters"] == {"headers": {"X-Edge-Auth": {"operation": "set", "value": SECRET}}}
    assert ours(cf)["description"] == "edge"


@pytest.mark.parametrize(
    "args, message",
    [
        ({"hosts": []}, "hosts: empty"),
        ({"hosts": ["portal.example.com"]}, "not in the zone rocketclub.online"),
        ({"hosts": ['bad"host.rocketclub.online']}, "are not host names"),
        ({"header_name": "cf-origin"}, "does not let a Request Header Transform Rule set 'cf-origin'"),
        ({"header_name": "X-CF-Secret"}, "does not let a Request Header Transform Rule set"),
        ({"header_name": "Host"}, "does not let a Request Header Transform Rule set 'Host'"),
        ({"header_name": "X-Forwarded-For"}, "does not let a Request Header Transform Rule set"),
        ({"header_name": "Cookie"}, "does not let a Request Header Transform Rule set"),
        ({"header_name": "X Origin"}, "header_name: 'X Origin' is not a header name Cloudflare can set"),
        ({"header_name": "X-" + "a" * 39}, "an ALB http-header condition takes at most 40"),
        ({"value_parameter": None}, "value_parameter: required with state=present"),
        ({"zone": " "}, "zone: empty"),
        ({"ref": "bad-ref"}, "ref: 'bad-ref' must be"),
    ],
)
def test_bad_input_fails_before_any_api_call(run, cf, api_calls, args, message):
    result = run(**args)
    assert result.rc != 0 and message in result.result["msg"], result.result["msg"]
    assert cf.calls() == [] and api_calls.operations() == []


@pytest.mark.parametrize(
    "value, message",
    [
        ("abc*def" + "x" * 30, "contains '*' or '?', which an ALB http-header condition treats as wildcards"),
        ("abc?def" + "x" * 30, "contains '*' or '?'"),
        ("x" * 129, "is 129 characters long; an ALB http-header condition value takes at most 128"),
        ("line\nbreak" + "x" * 30, "contains a character Cloudflare does not accept in a header value"),
        ("caf\u00e9" + "x" * 30, "contains a character Cloudflare does not accept"),
    ],
)
def test_a_value_cloudflare_or_the_alb_cannot_use_fails_before_any_cloudflare_call(run, cf, ssm, value, message):
    ssm.put_parameter(Name=PARAM, Value=value, Type="SecureString", Overwrite=True)
    result = run(secrets=(value,))
    assert result.rc != 0 and result.result["msg"].startswith(
        f"value_parameter: the value of the SSM parameter {PARAM}"
    )
    assert message in result.result["msg"]
    assert cf.calls() == []


def test_a_plain_string_parameter_is_refused(run, cf, ssm):
    ssm.put_parameter(Name="/test/plain", Value=SECRET, Type="String")
    result = run(value_parameter="/test/plain")
    assert result.rc != 0 and "it must be a SecureString" in result.result["msg"] and cf.calls() == []


def test_an_api_error_that_quotes_the_value_is_scrubbed(run, cf, monkeypatch):
    run()
    cf.log.clear()

    # The next write fails with a message quoting the value, as Cloudflare's validation messages quote what
    # they refuse: the result must name the failure without the value.
    def refuse(*args):
        raise ApiError(400, 20125, f"'{SECRET}' is not a valid value")

    monkeypatch.setattr(cf, "_edit_rule", refuse)
    result = run(hosts=HOSTS[:1])
    assert result.rc != 0 and result.result["changed"] is False
    assert "Could not update the origin header rule in rocketclub.online" in result.result["msg"]
    assert "HTTP 400" in result.result["msg"] and "'********' is not a valid value" in result.result["msg"]
    assert result.result["errors"][0]["message"] == "'********' is not a valid value"


def test_an_expired_token_names_the_permission(run, cf):
    cf.tokens[TOKEN] = "expired"
    result = run()
    assert result.rc != 0 and "Transform Rules:Edit" in result.result["msg"]


def test_documentation_matches_the_argument_spec(doc_problems):
    # api_token and api_base_url are documented by the rocketclub.platform.cloudflare doc fragment.
    fragment = ("api_token:", "api_base_url:")
    assert [p for p in doc_problems(module_under_test) if not p.startswith(fragment)] == []
