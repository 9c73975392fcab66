# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.application_load_balancer against moto."""

from __future__ import annotations

import boto3
import pytest

from ansible_collections.rocketclub.platform.plugins.modules import application_load_balancer
from tests.unit.plugins.modules.test_kinde_oidc_rules import self_signed_certificate

REGION = "eu-west-2"
FORBIDDEN = {
    "Type": "fixed-response",
    "FixedResponseConfig": {"StatusCode": "403", "ContentType": "text/plain", "MessageBody": "Forbidden"},
}
REDIRECT = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}


@pytest.fixture
def aws_like_alb_attributes(monkeypatch):
    """A new ALB shows AWS's full attribute set (plain moto starts with four; amazon.aws's attribute comparison
    then fails with a KeyError): the local cloud's correction (tools/localcloud/moto_patches.py), undone after
    the test."""
    from moto.elbv2.models import FakeLoadBalancer

    from localcloud import moto_patches

    monkeypatch.setattr(FakeLoadBalancer, "__init__", FakeLoadBalancer.__init__)
    moto_patches._patch_alb_default_attributes()  # pylint: disable=protected-access


@pytest.fixture
def network(ec2, api_calls, aws_like_alb_attributes):
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.50.{i}.0/24", AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    group = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
    acm = boto3.client("acm", region_name=REGION)
    certs = [
        acm.import_certificate(Certificate=c, PrivateKey=k)["CertificateArn"]
        for c, k in (self_signed_certificate(), self_signed_certificate())
    ]
    api_calls.clear()
    elbv2 = boto3.client("elbv2", region_name=REGION)
    return {"vpc": vpc, "subnets": subnets, "sg": group, "certs": certs, "elbv2": elbv2}


def args(network, certificate=None, **extra):
    result = {
        "name": "rc-test",
        "subnets": network["subnets"],
        "security_groups": [network["sg"]],
        "http_drop_invalid_header_fields": True,
        "deletion_protection": False,
        "idle_timeout": 60,
        "listeners": [
            {
                "Protocol": "HTTPS",
                "Port": 443,
                "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "Certificates": [{"CertificateArn": certificate or network["certs"][0]}],
                "DefaultActions": [FORBIDDEN],
            },
            {"Protocol": "HTTP", "Port": 80, "DefaultActions": [REDIRECT]},
        ],
        "tags": {"Name": "rc-test", "platform:managed-by": "rocketclub.platform"},
    }
    result.update(extra)
    return result


def test_check_mode_on_pending_network_returns_placeholders_without_calls_with_them(run_module, network, api_calls):
    pending = args(
        network,
        certificate="pending:certificate/rc-test-alb-origin",
        subnets=["pending:subnet/rc-test-public-a", "pending:subnet/rc-test-public-b"],
        security_groups=["pending:security-group/rc-test-alb"],
    )
    run = run_module(application_load_balancer.main, pending, check_mode=True, diff=True)
    assert run.rc == 0, run.result
    assert run.result["changed"] is True
    assert run.result["load_balancer_arn"] == "pending:load-balancer/rc-test"
    assert {(x["port"], x["listener_arn"]) for x in run.result["listeners"]} == {
        (443, "pending:listener/rc-test-443"),
        (80, "pending:listener/rc-test-80"),
    }
    assert run.result["diff"]["before"] == {}
    assert api_calls.writes() == []
    assert all("pending:" not in repr(params) for _svc, _op, params in api_calls)

    real = run_module(application_load_balancer.main, pending)
    assert real.rc != 0 and "placeholder" in real.result["msg"]


def test_create_noop_and_check_mode_with_a_new_certificate(run_module, network, api_calls):
    run = run_module(application_load_balancer.main, args(network), diff=True)
    assert run.rc == 0, run.result
    assert run.result["changed"] is True
    assert run.result["load_balancer_arn"].startswith("arn:aws:elasticloadbalancing:")
    https = [x for x in run.result["listeners"] if x["port"] == 443][0]
    assert "rules" not in https and https["listener_arn"].startswith("arn:")

    for check_mode in (True, False):
        api_calls.clear()
        again = run_module(application_load_balancer.main, args(network), check_mode=check_mode)
        assert again.rc == 0 and again.result["changed"] is False, again.result
        assert api_calls.writes() == []
        assert again.result["listeners"] == run.result["listeners"]
        # A no-op reads each thing once: what it read before the run is the state after it.
        assert sorted(api_calls.operations("elbv2")) == [
            "DescribeListeners",
            "DescribeLoadBalancerAttributes",
            "DescribeLoadBalancers",
            "DescribeTags",
        ]

    api_calls.clear()
    pending_certificate = args(network, certificate="pending:certificate/rc-test-alb-origin")
    check = run_module(application_load_balancer.main, pending_certificate, check_mode=True, diff=True)
    assert check.rc == 0 and check.result["changed"] is True, check.result
    predicted = [x for x in check.result["listeners"] if x["port"] == 443][0]
    assert predicted["listener_arn"] == https["listener_arn"]
    assert predicted["certificates"] == [{"certificate_arn": "pending:certificate/rc-test-alb-origin"}]
    assert api_calls.writes() == []

    real = run_module(application_load_balancer.main, args(network, certificate=network["certs"][1]))
    assert real.rc == 0 and real.result["changed"] is True
    assert [x for x in real.result["listeners"] if x["port"] == 443][0]["listener_arn"] == https["listener_arn"]
    assert "ModifyListener" in api_calls.writes()


def test_check_mode_with_a_pending_subnet_on_an_existing_alb(run_module, network, api_calls):
    assert run_module(application_load_balancer.main, args(network)).rc == 0
    api_calls.clear()
    third = args(network, subnets=network["subnets"] + ["pending:subnet/rc-test-public-c"])
    run = run_module(application_load_balancer.main, third, check_mode=True, diff=True)
    assert run.rc == 0 and run.result["changed"] is True, run.result
    assert "pending:subnet/rc-test-public-c" in run.result["diff"]["after"]["subnets"]
    assert api_calls.writes() == []
    assert all("pending:" not in repr(params) for _svc, _op, params in api_calls)


def test_check_mode_diff_shows_only_what_changes(run_module, network, api_calls):
    assert run_module(application_load_balancer.main, args(network)).rc == 0
    api_calls.clear()
    run = run_module(application_load_balancer.main, args(network, idle_timeout=120), check_mode=True, diff=True)
    assert run.rc == 0 and run.result["changed"] is True, run.result
    before, after = run.result["diff"]["before"], run.result["diff"]["after"]
    assert (before["attributes"]["idle_timeout"], after["attributes"]["idle_timeout"]) == ("60", "120")
    others = [k for k in before if k != "attributes"]
    assert [before[k] for k in others] == [after[k] for k in others]
    assert {k: v for k, v in before["attributes"].items() if k != "idle_timeout"} == {
        k: v for k, v in after["attributes"].items() if k != "idle_timeout"
    }
    assert api_calls.writes() == []


def test_documentation_matches_argument_spec(doc_problems):
    assert doc_problems(application_load_balancer) == []
