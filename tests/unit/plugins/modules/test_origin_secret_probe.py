# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.origin_secret_probe against moto (and the fake Cloudflare API)."""

from __future__ import annotations

import boto3
import pytest

from ansible_collections.rocketclub.platform.plugins.modules import origin_secret_probe
from ansible_collections.rocketclub.platform.tests.unit.plugins.modules.test_kinde_oidc_rules import https_listener

REGION = "eu-west-2"
CURRENT = "/test/shared/cf_alb_secret"
PENDING = "/test/shared/cf_alb_secret_pending"
CURRENT_VALUE = "currentOriginSecret0123456789abcdefABCDEF"
PENDING_VALUE = "pendingOriginSecret0123456789abcdefABCDEF"
OTHER_VALUE = "someoneElsesOriginSecret0123456789abcdef"
ZONE = "example.com"
ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
MANAGED = [{"Key": "platform:managed-by", "Value": "rocketclub.platform"}]


@pytest.fixture
def cloud(ec2, api_calls):
    elbv2, vpc, _lb, listener = https_listener(ec2, "rocketclub-test", 40)
    tg = elbv2.create_target_group(Name="tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0][
        "TargetGroupArn"
    ]
    rules = {}
    for priority, app in ((10, "backstage"), (20, "prefect")):
        rules[app] = elbv2.create_rule(
            ListenerArn=listener,
            Priority=priority,
            Conditions=[
                {"Field": "host-header", "HostHeaderConfig": {"Values": [f"{app}.example.com"]}},
                {
                    "Field": "http-header",
                    "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": [CURRENT_VALUE]},
                },
            ],
            Actions=[{"Type": "forward", "TargetGroupArn": tg}],
            Tags=MANAGED + [{"Key": "platform:kinde-app", "Value": app}],
        )["Rules"][0]["RuleArn"]
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name=CURRENT, Value=CURRENT_VALUE, Type="SecureString")
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    ids = [
        cloudfront.create_distribution(DistributionConfig=distribution_config(app, CURRENT_VALUE))["Distribution"]["Id"]
        for app in ("backstage", "prefect")
    ]
    api_calls.clear()
    return {"elbv2": elbv2, "ssm": ssm, "cloudfront": cloudfront, "listener": listener, "rules": rules, "ids": ids}


def distribution_config(app, header_value):
    return {
        "CallerReference": app,
        "Comment": app,
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "alb",
                    "DomainName": "alb.example.com",
                    "CustomHeaders": {
                        "Quantity": 1,
                        "Items": [{"HeaderName": "X-Origin-Verify", "HeaderValue": header_value}],
                    },
                    "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "alb",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        },
    }


def set_header(cloud, distribution_id, header_value):
    got = cloud["cloudfront"].get_distribution_config(Id=distribution_id)
    config = got["DistributionConfig"]
    config["Origins"]["Items"][0]["CustomHeaders"]["Items"][0]["HeaderValue"] = header_value
    cloud["cloudfront"].update_distribution(Id=distribution_id, IfMatch=got["ETag"], DistributionConfig=config)


def accept(cloud, *values):
    for app, arn in cloud["rules"].items():
        cloud["elbv2"].modify_rule(
            RuleArn=arn,
            Conditions=[
                {"Field": "host-header", "HostHeaderConfig": {"Values": [f"{app}.example.com"]}},
                {
                    "Field": "http-header",
                    "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": list(values)},
                },
            ],
        )


def probe(run_module, cloud, **extra):
    args = {
        "parameter": CURRENT,
        "pending_parameter": PENDING,
        "load_balancer_name": "rocketclub-test",
        "distribution_ids": cloud["ids"],
        **extra,
    }
    return run_module(origin_secret_probe.main, args)


def assert_no_value(out):
    for value in (CURRENT_VALUE, PENDING_VALUE, OTHER_VALUE):
        assert value not in out


def test_rotation_steps_seen_from_both_sides(run_module, cloud, api_calls):
    run = probe(run_module, cloud)
    assert run.rc == 0, run.result
    assert_no_value(run.out)
    assert [(e["name"], e["sends"], e["accepted"]) for e in run.result["edges"]] == [
        ("backstage", "current", True),
        ("prefect", "current", True),
    ]
    assert run.result["accepted"] == ["current"] and run.result["pending_exists"] is False
    assert [r["accepts"] for r in run.result["rules"]] == [["current"], ["current"]]
    assert api_calls.writes() == []

    # Started and accepted by the ALB: one distribution sends pending already.
    cloud["ssm"].put_parameter(Name=PENDING, Value=PENDING_VALUE, Type="SecureString")
    accept(cloud, CURRENT_VALUE, PENDING_VALUE)
    set_header(cloud, cloud["ids"][0], PENDING_VALUE)
    run = probe(run_module, cloud)
    assert run.rc == 0, run.result
    assert_no_value(run.out)
    assert [e["sends"] for e in run.result["edges"]] == ["pending", "current"]
    assert run.result["accepted"] == ["current", "pending"]
    expected = probe(run_module, cloud, expect="pending")
    assert expected.rc == 1
    assert (
        f"CloudFront distribution {cloud['ids'][1]} (prefect) sends the current value, not the pending one"
        in (expected.result["msg"])
    )

    # Case does not matter to an ALB condition.
    accept(cloud, CURRENT_VALUE, PENDING_VALUE.upper())
    set_header(cloud, cloud["ids"][1], PENDING_VALUE)
    run = probe(run_module, cloud, expect="pending")
    assert run.rc == 0, run.result
    assert [e["sends"] for e in run.result["edges"]] == ["pending", "pending"]
    assert {e["status"] for e in run.result["edges"]} <= {"Deployed", "InProgress"}


def test_fails_naming_the_distribution_the_alb_does_not_accept(run_module, cloud, api_calls):
    cloud["ssm"].put_parameter(Name=PENDING, Value=PENDING_VALUE, Type="SecureString")
    set_header(cloud, cloud["ids"][1], PENDING_VALUE)
    set_header(cloud, cloud["ids"][0], OTHER_VALUE)
    api_calls.clear()
    run = probe(run_module, cloud)
    assert run.rc == 1
    assert_no_value(run.out)
    msg = run.result["msg"]
    assert f"CloudFront distribution {cloud['ids'][0]} (backstage) sends the other value" in msg
    assert f"CloudFront distribution {cloud['ids'][1]} (prefect) sends the pending value" in msg
    assert "do not accept: requests through it are answered 403" in msg
    assert [e["accepted"] for e in run.result["edges"]] == [False, False]
    assert api_calls.writes() == []


def test_distributions_found_by_host(run_module, cloud, api_calls):
    for distribution_id, host in zip(cloud["ids"], ("backstage.example.com", "prefect.example.com")):
        got = cloud["cloudfront"].get_distribution_config(Id=distribution_id)
        config = got["DistributionConfig"]
        config["Aliases"] = {"Quantity": 1, "Items": [host]}
        cloud["cloudfront"].update_distribution(Id=distribution_id, IfMatch=got["ETag"], DistributionConfig=config)
    args = {"distribution_ids": [], "distribution_hosts": ["prefect.example.com", "backstage.example.com"]}
    run = probe(run_module, cloud, **args)
    assert run.rc == 0, run.result
    assert [e["id"] for e in run.result["edges"]] == [cloud["ids"][1], cloud["ids"][0]]
    run = probe(run_module, cloud, distribution_ids=[], distribution_hosts=["nope.example.com"])
    assert run.rc == 1 and "Expected one CloudFront distribution answering nope.example.com" in run.result["msg"]


def test_missing_parameter_and_load_balancer(run_module, cloud):
    run = probe(run_module, cloud, parameter="/test/none")
    assert run.rc == 1 and "/test/none (parameter) does not exist" in run.result["msg"]
    run = probe(run_module, cloud, load_balancer_name="nope")
    assert run.rc == 1 and "Load balancer nope (load_balancer_name) does not exist" in run.result["msg"]


def entrypoint(rules):
    return {"id": "rs1", "kind": "zone", "phase": "http_request_late_transform", "rules": rules}


def origin_rule(value, enabled=True):
    return {
        "id": "rule1",
        "ref": "rocketclub_origin_header",
        "enabled": enabled,
        "action": "rewrite",
        "expression": '(http.host in {"backstage.example.com"})',
        "action_parameters": {"headers": {"X-Origin-Verify": {"operation": "set", "value": value}}},
    }


def test_cloudflare_rule(run_module, cloud, fake_cloudflare, api_calls):
    state = {"ruleset": None}
    fake_cloudflare.routes[("GET", "/zones")] = lambda call: (200, [{"id": ZONE_ID, "name": ZONE}])

    def get_entrypoint(call):
        if state["ruleset"] is None:
            return 404, {
                "result": None,
                "success": False,
                "errors": [{"code": 10003, "message": "not found"}],
                "messages": [],
            }
        return 200, state["ruleset"]

    fake_cloudflare.routes[("GET", f"/zones/{ZONE_ID}/rulesets/phases/http_request_late_transform/entrypoint")] = (
        get_entrypoint
    )
    args = {
        "distribution_ids": [],
        "cloudflare_zone": ZONE,
        "api_token": "token",
        "api_base_url": "https://cf.test/client/v4",
    }

    run = probe(run_module, cloud, **args)
    assert run.rc == 1
    assert (
        "Cloudflare Transform Rule rocketclub_origin_header (id none: missing) of zone example.com sends no origin "
        "header X-Origin-Verify" in (run.result["msg"])
    )

    state["ruleset"] = entrypoint([origin_rule(CURRENT_VALUE)])
    run = probe(run_module, cloud, **args)
    assert run.rc == 0, run.result
    assert_no_value(run.out)
    assert run.result["edges"] == [
        {"kind": "cloudflare", "id": "rule1", "name": ZONE, "status": "enabled", "sends": "current", "accepted": True}
    ]

    cloud["ssm"].put_parameter(Name=PENDING, Value=PENDING_VALUE, Type="SecureString")
    state["ruleset"] = entrypoint([origin_rule(PENDING_VALUE)])
    run = probe(run_module, cloud, **args)
    assert run.rc == 1 and "sends the pending value" in run.result["msg"]
    assert_no_value(run.out)
    accept(cloud, CURRENT_VALUE, PENDING_VALUE)
    assert probe(run_module, cloud, expect="pending", **args).rc == 0

    state["ruleset"] = entrypoint([origin_rule(CURRENT_VALUE, enabled=False)])
    api_calls.clear()
    run = probe(run_module, cloud, **args)
    assert run.rc == 1 and run.result["edges"][0]["status"] == "disabled"
    assert api_calls.writes() == []


def test_documentation_matches_argument_spec(doc_problems):
    assert doc_problems(origin_secret_probe) == []
