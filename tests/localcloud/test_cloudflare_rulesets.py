# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's rulesets API (``/zones/{id}/rulesets``: phase entry points and their rules), driven by the
official ``cloudflare`` SDK, whose models parse every answer.

Every test asserts on the emulator's state or request log, not only on the client's answer.
"""

import hashlib
import json
import os
import re
import subprocess
import sys

import cloudflare
import pytest
from cloudflare.types.rulesets.phase_update_response import Ruleset

from localcloud.testing import ansible_module

ZONE = "rocketclub.local"
ZONE_ID = hashlib.md5(ZONE.encode()).hexdigest()
PHASE = "http_request_late_transform"
ENTRYPOINT = "/client/v4/zones/%s/rulesets/phases/%s/entrypoint" % (ZONE_ID, PHASE)


@pytest.fixture
def cf(lc, env):
    """Return an SDK client without automatic retries."""
    return cloudflare.Cloudflare(
        api_token=env["CLOUDFLARE_API_TOKEN"], base_url=env["LOCALCLOUD_CLOUDFLARE_URL"], max_retries=0
    )


def header_rule(
    ref=None, header="X-Origin-Verify", value="s3cretValue", expression='(http.host in {"a.rocketclub.local"})'
):
    rule = {
        "action": "rewrite",
        "expression": expression,
        "description": "origin header",
        "action_parameters": {"headers": {header: {"operation": "set", "value": value}}},
    }
    if ref:
        rule["ref"] = ref
    return rule


def parsed(result):
    """The SDK's ``Ruleset`` model of a write's answer, validated strictly (the SDK 5.9 types writes as
    ``Union[Ruleset, Optional[object]]``, for ``dry_run``, and hands back a dict)."""
    return Ruleset.model_validate(result)


def state_rulesets(lc):
    return lc.cloudflare_state()["rulesets"].get(ZONE, [])


def calls(lc):
    return [(e["method"], e["path"], e["status"]) for e in lc.cloudflare_requests()]


def test_a_missing_entrypoint_is_404_with_code_10003(cf, lc):
    raw = cf.rulesets.phases.with_raw_response
    with pytest.raises(cloudflare.NotFoundError) as exc:
        raw.get(PHASE, zone_id=ZONE_ID)
    assert exc.value.status_code == 404
    assert exc.value.body == {
        "result": None,
        "success": False,
        "errors": [{"code": 10003, "message": "could not find entrypoint ruleset in the %s phase" % PHASE}],
        "messages": [],
    }
    assert calls(lc)[-1] == ("GET", ENTRYPOINT, 404)
    assert list(cf.rulesets.list(zone_id=ZONE_ID)) == [] and state_rulesets(lc) == []


def test_put_creates_the_entrypoint_with_ids_versions_and_refs(cf, lc):
    raw = cf.rulesets.phases.with_raw_response.update(
        PHASE, zone_id=ZONE_ID, rules=[header_rule(ref="ours"), header_rule(header="X-Other")]
    )
    body = json.loads(raw.http_response.text)
    assert raw.http_response.status_code == 200
    assert body["success"] is True and body["errors"] == [] and body["messages"] == []
    ruleset = parsed(body["result"])
    assert ruleset.kind == "zone" and ruleset.phase == PHASE and ruleset.version == "1" and ruleset.name
    assert re.fullmatch(r"[0-9a-f]{32}", ruleset.id)
    ours, other = ruleset.rules
    for rule in (ours, other):
        assert re.fullmatch(r"[0-9a-f]{32}", rule.id) and rule.version == "1" and rule.enabled is True
        assert rule.action == "rewrite" and rule.last_updated is not None
    assert ours.ref == "ours" and other.ref == other.id  # ref defaults to the id
    assert ours.action_parameters.headers["X-Origin-Verify"].value == "s3cretValue"
    assert set(body["result"]) == {"id", "name", "description", "kind", "version", "rules", "last_updated", "phase"}
    assert set(body["result"]["rules"][0]) == {
        "id",
        "version",
        "action",
        "action_parameters",
        "expression",
        "description",
        "last_updated",
        "ref",
        "enabled",
    }

    got = cf.rulesets.phases.get(PHASE, zone_id=ZONE_ID)
    assert got.id == ruleset.id and [r.id for r in got.rules] == [ours.id, other.id]
    assert cf.rulesets.get(ruleset.id, zone_id=ZONE_ID).version == "1"
    (summary,) = cf.rulesets.list(zone_id=ZONE_ID)
    assert (summary.id, summary.kind, summary.phase, summary.version) == (ruleset.id, "zone", PHASE, "1")
    listed = json.loads(cf.rulesets.with_raw_response.list(zone_id=ZONE_ID).http_response.text)["result"]
    assert [sorted(r) for r in listed] == [["description", "id", "kind", "last_updated", "name", "phase", "version"]]
    (stored,) = state_rulesets(lc)
    assert stored["id"] == ruleset.id and len(stored["rules"]) == 2

    # A PUT with the ids keeps the rules it names; a rule left out is deleted; the version goes up.
    again = parsed(
        cf.rulesets.phases.update(
            PHASE, zone_id=ZONE_ID, rules=[dict(header_rule(ref="ours"), id=ours.id)], description="late transforms"
        )
    )
    assert again.id == ruleset.id and again.version == "2" and again.description == "late transforms"
    assert [(r.id, r.version) for r in again.rules] == [(ours.id, "1")]


def test_rules_are_added_replaced_and_deleted_one_by_one(cf, lc):
    ruleset = parsed(cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[header_rule(ref="first")]))
    first = ruleset.rules[0]

    added = parsed(
        cf.rulesets.rules.create(ruleset.id, zone_id=ZONE_ID, **header_rule(ref="second", header="X-Second"))
    )
    assert added.version == "2" and [r.ref for r in added.rules] == ["first", "second"]
    top = parsed(
        cf.rulesets.rules.create(
            ruleset.id, zone_id=ZONE_ID, position={"before": first.id}, **header_rule(ref="top", header="X-Top")
        )
    )
    assert top.version == "3" and [r.ref for r in top.rules] == ["top", "first", "second"]
    second = top.rules[2]

    edited = parsed(
        cf.rulesets.rules.edit(
            second.id,
            ruleset_id=ruleset.id,
            zone_id=ZONE_ID,
            **header_rule(ref="second", header="X-Second", value="v2"),
        )
    )
    assert edited.version == "4"
    changed = {r.ref: r for r in edited.rules}
    assert changed["second"].id == second.id and changed["second"].version == "2"
    assert changed["second"].action_parameters.headers["X-Second"].value == "v2"
    assert changed["first"].version == "1" and [r.ref for r in edited.rules] == ["top", "first", "second"]

    # A PATCH replaces the rule: a body without the expression is refused, as the real API does.
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.rulesets.rules.edit(
            second.id, ruleset_id=ruleset.id, zone_id=ZONE_ID, action="rewrite", action_parameters={"headers": {}}
        )
    assert exc.value.body["errors"][0]["code"] == 20125
    assert "the expression cannot be blank" in exc.value.body["errors"][0]["message"]

    deleted = parsed(cf.rulesets.rules.delete(second.id, ruleset_id=ruleset.id, zone_id=ZONE_ID))
    assert deleted.version == "5" and [r.ref for r in deleted.rules] == ["top", "first"]
    emptied = parsed(cf.rulesets.rules.delete(first.id, ruleset_id=ruleset.id, zone_id=ZONE_ID))
    emptied = parsed(cf.rulesets.rules.delete(emptied.rules[0].id, ruleset_id=ruleset.id, zone_id=ZONE_ID))
    assert emptied.rules == [] and emptied.version == "7"
    # the ruleset stays, without rules
    assert cf.rulesets.phases.get(PHASE, zone_id=ZONE_ID).id == ruleset.id
    assert [r["version"] for r in state_rulesets(lc)] == ["7"]
    writes = [(m, s) for m, p, s in calls(lc) if m != "GET"]
    assert (
        writes == [("PUT", 200), ("POST", 200), ("POST", 200), ("PATCH", 200), ("PATCH", 400)] + [("DELETE", 200)] * 3
    )


def test_an_unknown_rule_or_ruleset_is_404(cf, lc):
    ruleset = parsed(cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[header_rule(ref="a")]))
    with pytest.raises(cloudflare.NotFoundError) as exc:
        cf.rulesets.rules.delete("f" * 32, ruleset_id=ruleset.id, zone_id=ZONE_ID)
    assert exc.value.body["errors"][0]["code"] == 10003
    with pytest.raises(cloudflare.NotFoundError):
        cf.rulesets.rules.edit("f" * 32, ruleset_id=ruleset.id, zone_id=ZONE_ID, **header_rule())
    with pytest.raises(cloudflare.NotFoundError):
        cf.rulesets.get("e" * 32, zone_id=ZONE_ID)
    assert state_rulesets(lc)[0]["version"] == "1"


def error_of(exc_info):
    (error,) = exc_info.value.body["errors"]
    assert exc_info.value.body["success"] is False and exc_info.value.body["result"] is None
    return error


def test_an_unknown_phase_is_refused(cf, lc):
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.rulesets.phases.with_raw_response.get("http_request_late_transforms", zone_id=ZONE_ID)
    assert error_of(exc)["message"] == "'http_request_late_transforms' is not a valid value for phase"
    assert state_rulesets(lc) == []


def test_an_action_the_phase_does_not_allow_is_refused(cf, lc):
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[dict(header_rule(), action="block")])
    error = error_of(exc)
    assert error["source"] == {"pointer": "/rules/0/action"}
    assert error["message"] == (
        "'block' is not a valid value for action because it is not possible to use the block action in a ruleset "
        "with phase http_request_late_transform and kind zone"
    )
    assert state_rulesets(lc) == []


@pytest.mark.parametrize("expression", [None, "", "   "])
def test_a_missing_expression_is_refused_with_20125(cf, lc, expression):
    rule = header_rule()
    rule["expression"] = expression
    if expression is None:
        del rule["expression"]
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[header_rule(ref="fine"), rule])
    error = error_of(exc)
    assert error["code"] == 20125 and error["source"] == {"pointer": "/rules/1/expression"}
    assert state_rulesets(lc) == []


@pytest.mark.parametrize(
    "name",
    [
        "cf-connecting-ip",
        "CF-Secret",
        "x-cf-origin",
        "Host",
        "Cookie",
        "X-Forwarded-For",
        "x-real-ip",
        "True-Client-IP",
        "X-Forwarded-Proto",
        "Accept-Encoding",
        "Sec-Fetch-Mode",
        "Proxy-Authorization",
        "X Origin",
        "X-Origin:",
        "",
    ],
)
def test_a_header_cloudflare_refuses_to_set(cf, lc, name):
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[header_rule(header=name)])
    error = error_of(exc)
    assert error["source"]["pointer"] == "/rules/0/action_parameters/headers/%s" % name
    assert error["message"].startswith("'%s' is not a valid value for headers because" % name)
    assert state_rulesets(lc) == []


@pytest.mark.parametrize("value", ["line\nbreak", "tab\there", "caf\u00e9", "x" * 4097, ""])
def test_a_value_cloudflare_refuses_is_not_quoted_back(cf, lc, value):
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[header_rule(value=value)])
    error = error_of(exc)
    assert error["source"]["pointer"] == "/rules/0/action_parameters/headers/X-Origin-Verify/value"
    assert value == "" or value not in error["message"]


def test_every_documented_value_character_is_accepted(cf, lc):
    value = "Aa0_ :;.,\\/\"'?!(){}[]@<>=-+*#$&`|~^%"
    ruleset = parsed(cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[header_rule(value=value)]))
    assert ruleset.rules[0].action_parameters.headers["X-Origin-Verify"].value == value


def test_refs_are_unique_and_a_put_cannot_invent_rule_ids(cf, lc):
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[header_rule(ref="same"), header_rule(ref="same")])
    assert error_of(exc)["source"] == {"pointer": "/rules/1/ref"}
    ruleset = parsed(cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[header_rule(ref="same")]))
    with pytest.raises(cloudflare.BadRequestError):
        cf.rulesets.rules.create(ruleset.id, zone_id=ZONE_ID, **header_rule(ref="same"))
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[dict(header_rule(), id="a" * 32)])
    assert error_of(exc)["source"] == {"pointer": "/rules/0/id"}
    assert [r["version"] for r in state_rulesets(lc)] == ["1"]


def test_reset_forgets_the_rulesets(cf, lc):
    cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[header_rule()])
    assert len(state_rulesets(lc)) == 1
    lc.cloudflare_reset()
    assert state_rulesets(lc) == []
    with pytest.raises(cloudflare.NotFoundError):
        cf.rulesets.phases.get(PHASE, zone_id=ZONE_ID)


def test_the_token_is_required(env, lc):
    anonymous = cloudflare.Cloudflare(api_token="wrong", base_url=env["LOCALCLOUD_CLOUDFLARE_URL"], max_retries=0)
    with pytest.raises(cloudflare.AuthenticationError):
        anonymous.rulesets.phases.get(PHASE, zone_id=ZONE_ID)


MODULE = "rocketclub.platform.cloudflare_origin_header"
SECRET = "Vb7Kq2Lm9Xw4Rt1Yp6Zs3Nd8Fh5Gj0CaEuIoUyTrEwQaSdFg"
PARAM = "/local/shared/cf_alb_secret"


def module_args(env, **args):
    return dict(
        {
            "zone": ZONE,
            "hosts": ["portal.rocketclub.local", "pipelines.rocketclub.local"],
            "value_parameter": PARAM,
            "endpoint_url": env["LOCALCLOUD_AWS_URL"],
            "region": "us-east-1",
            "api_base_url": env["LOCALCLOUD_CLOUDFLARE_URL"],
        },
        **args,
    )


def ansible_text(env, args, flags=()):
    """All the output of one ``ansible localhost -m`` run with the default callback (what an operator sees)."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    run_env = dict(
        env,
        ANSIBLE_CONFIG=os.path.join(repo, "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    ansible = os.path.join(os.path.dirname(sys.executable), "ansible")
    command = [ansible, "localhost", "-i", "localhost,", "-c", "local", "-m", MODULE, "-a", json.dumps(args)]
    command += ["-e", "ansible_python_interpreter=" + sys.executable] + list(flags)
    proc = subprocess.run(command, env=run_env, capture_output=True, text=True, timeout=120, check=False, cwd=repo)
    return proc.returncode, proc.stdout + proc.stderr


def test_the_module_end_to_end_keeps_the_other_rules_and_never_prints_the_value(cf, lc, env, aws):
    aws("ssm").put_parameter(Name=PARAM, Value=SECRET, Type="SecureString")
    other = parsed(cf.rulesets.phases.update(PHASE, zone_id=ZONE_ID, rules=[header_rule(ref="theirs", header="X-A")]))

    rc, text = ansible_text(env, module_args(env), ["-vvv", "--diff"])
    assert rc == 0 and "CHANGED" in text and SECRET not in text, text
    ruleset = cf.rulesets.phases.get(PHASE, zone_id=ZONE_ID)
    assert [r.ref for r in ruleset.rules] == ["theirs", "rocketclub_origin_header"]
    assert ruleset.rules[0].model_dump() == other.rules[0].model_dump()
    assert ruleset.rules[1].action_parameters.headers["X-Origin-Verify"].value == SECRET

    again = ansible_module(env, MODULE, module_args(env), ["--diff"])
    assert again["changed"] is False and again["operation"] == "none" and again["sends"] == PARAM
    assert SECRET not in json.dumps(again)

    gone = ansible_module(env, MODULE, module_args(env, state="absent"))
    assert gone["changed"] is True and gone["operation"] == "delete_rule"
    assert [r.ref for r in cf.rulesets.phases.get(PHASE, zone_id=ZONE_ID).rules] == ["theirs"]
    writes = [(m, s) for m, p, s in calls(lc) if m != "GET"]
    assert writes == [("PUT", 200), ("POST", 200), ("DELETE", 200)]
