# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.cloudflare_ip_ranges_ingress against moto and a fake Cloudflare."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.modules import cloudflare_ip_ranges_ingress as module_under_test

REGION = "eu-west-2"
TOKEN = "cf-token-never-printed"


@pytest.fixture
def group(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    group_id = ec2.create_security_group(VpcId=vpc, GroupName="alb", Description="alb")["GroupId"]
    other = ec2.create_security_group(VpcId=vpc, GroupName="bastion", Description="bastion")["GroupId"]
    return {"client": ec2, "vpc": vpc, "id": group_id, "other": other}


def ingress(client, group_id):
    rules = client.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])[
        "SecurityGroupRules"
    ]
    return [r for r in rules if not r["IsEgress"]]


def cidr_rules(client, group_id, port=443):
    """``{cidr: description}`` of the CIDR ingress rules on ``port``."""
    return {
        r.get("CidrIpv4") or r.get("CidrIpv6"): r.get("Description")
        for r in ingress(client, group_id)
        if r["FromPort"] == port and r["ToPort"] == port and (r.get("CidrIpv4") or r.get("CidrIpv6"))
    }


def run(run_module, group_id, **kwargs):
    args = {"group_id": group_id}
    args.update(kwargs)
    return run_module(
        module_under_test.main, args, check_mode=args.pop("check_mode", False), diff=args.pop("diff", False)
    )


def test_first_sync_adds_all_then_idempotent(run_module, group, fake_cloudflare, api_calls):
    first = run(run_module, group["id"], diff=True)
    result = first.result
    assert first.rc == 0, result
    assert result["changed"] is True
    assert result["etag"] == fake_cloudflare.etag
    assert result["ipv4_cidrs"] == ["103.21.244.0/22", "104.16.0.0/13", "173.245.48.0/20"]
    assert result["ipv6_cidrs"] == ["2400:cb00::/32", "2606:4700::/32"]
    expected = fake_cloudflare.ipv4 + fake_cloudflare.ipv6
    assert sorted(item["cidr"] for item in result["added"]) == sorted(expected)
    assert {item["port"] for item in result["added"]} == {443}
    assert result["removed"] == [] and result["updated"] == []
    assert result["rule_count"] == {"ipv4": 3, "ipv6": 2}
    assert result["diff"]["before"] == {"443": []}
    assert result["diff"]["after"] == {"443": result["ipv4_cidrs"] + result["ipv6_cidrs"]}

    assert cidr_rules(group["client"], group["id"]) == {cidr: "Cloudflare" for cidr in expected}
    assert {(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in ingress(group["client"], group["id"])} == {
        ("tcp", 443, 443)
    }
    assert api_calls.writes() == ["AuthorizeSecurityGroupIngress"]
    assert fake_cloudflare.paths() == ["GET /ips"]
    assert "Authorization" not in fake_cloudflare.calls[0][3]

    api_calls.clear()
    again = run(run_module, group["id"], diff=True)
    assert again.rc == 0, again.result
    assert again.result["changed"] is False
    assert again.result["added"] == [] and again.result["removed"] == [] and again.result["updated"] == []
    assert again.result["rule_count"] == {"ipv4": 3, "ipv6": 2}
    assert again.result["diff"]["before"] == again.result["diff"]["after"]
    assert api_calls, "the call recorder must see the module's API calls"
    assert api_calls.writes() == []


def test_ranges_change_only_delta(run_module, group, fake_cloudflare, api_calls):
    assert run(run_module, group["id"]).rc == 0
    old_etag = fake_cloudflare.etag
    fake_cloudflare.set_ips(
        ipv4=["173.245.48.0/20", "104.16.0.0/13", "131.0.72.0/22"], ipv6=["2400:cb00::/32", "2c0f:f248::/32"]
    )
    assert fake_cloudflare.etag != old_etag

    api_calls.clear()
    run_ = run(run_module, group["id"], diff=True)
    result = run_.result
    assert run_.rc == 0, result
    assert result["changed"] is True
    assert result["etag"] == fake_cloudflare.etag
    assert result["added"] == [{"port": 443, "cidr": "131.0.72.0/22"}, {"port": 443, "cidr": "2c0f:f248::/32"}]
    assert result["removed"] == [{"port": 443, "cidr": "103.21.244.0/22"}, {"port": 443, "cidr": "2606:4700::/32"}]
    assert (
        "103.21.244.0/22" in result["diff"]["before"]["443"] and "103.21.244.0/22" not in result["diff"]["after"]["443"]
    )

    assert api_calls.writes() == ["RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress"]
    (revoke,) = api_calls.named("RevokeSecurityGroupIngress")
    assert len(revoke["SecurityGroupRuleIds"]) == 2
    (authorize,) = api_calls.named("AuthorizeSecurityGroupIngress")
    assert authorize["IpPermissions"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "IpRanges": [{"CidrIp": "131.0.72.0/22", "Description": "Cloudflare"}],
            "Ipv6Ranges": [{"CidrIpv6": "2c0f:f248::/32", "Description": "Cloudflare"}],
        }
    ]
    assert set(cidr_rules(group["client"], group["id"])) == set(fake_cloudflare.ipv4 + fake_cloudflare.ipv6)


def test_foreign_rules_left_alone(run_module, group, fake_cloudflare, api_calls):
    client = group["client"]
    client.authorize_security_group_ingress(
        GroupId=group["id"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "198.51.100.0/24", "Description": "office"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "UserIdGroupPairs": [{"GroupId": group["other"], "Description": "bastion"}],
            },
            {"IpProtocol": "udp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "203.0.113.0/24"}]},
        ],
    )
    # a stale CIDR rule on the managed port is revoked, whatever its description
    client.authorize_security_group_ingress(
        GroupId=group["id"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "anyone"}],
            }
        ],
    )
    before = {r["SecurityGroupRuleId"]: r for r in ingress(client, group["id"])}

    run_ = run(run_module, group["id"])
    result = run_.result
    assert run_.rc == 0, result
    assert result["removed"] == [{"port": 443, "cidr": "0.0.0.0/0"}]
    after = {r["SecurityGroupRuleId"]: r for r in ingress(client, group["id"])}
    kept = [r for r in before.values() if r.get("CidrIpv4") != "0.0.0.0/0"]
    for rule in kept:
        assert after[rule["SecurityGroupRuleId"]] == rule
    assert cidr_rules(client, group["id"], port=22) == {"198.51.100.0/24": "office"}
    # one group reference counts once per family, the SSH and UDP rules for IPv4
    assert result["rule_count"] == {"ipv4": 3 + 1 + 2, "ipv6": 2 + 1}

    api_calls.clear()
    assert run(run_module, group["id"]).result["changed"] is False
    assert api_calls.writes() == []


def test_description_updated_in_place(run_module, group, fake_cloudflare, api_calls):
    assert run(run_module, group["id"]).rc == 0
    ids = {r["SecurityGroupRuleId"] for r in ingress(group["client"], group["id"])}
    api_calls.clear()
    result = run(run_module, group["id"], rule_description="Cloudflare edge").result
    assert result["changed"] is True
    assert result["added"] == [] and result["removed"] == []
    assert len(result["updated"]) == 5
    assert api_calls.writes() == ["UpdateSecurityGroupRuleDescriptionsIngress"]
    assert set(cidr_rules(group["client"], group["id"]).values()) == {"Cloudflare edge"}
    assert {r["SecurityGroupRuleId"] for r in ingress(group["client"], group["id"])} == ids
    assert run(run_module, group["id"], rule_description="Cloudflare edge").result["changed"] is False


def test_several_ports(run_module, group, fake_cloudflare):
    result = run(run_module, group["id"], ports=[443, 80, 443]).result
    assert result["changed"] is True
    assert len(result["added"]) == 10
    assert [item["port"] for item in result["added"]] == [80] * 5 + [443] * 5
    assert set(cidr_rules(group["client"], group["id"], port=80)) == set(fake_cloudflare.ipv4 + fake_cloudflare.ipv6)
    result = run(run_module, group["id"], ports=[80]).result
    assert result["changed"] is False  # rules on 443 are not managed with ports=[80]
    assert result["rule_count"] == {"ipv4": 6, "ipv6": 4}


def test_quota_exceeded_fails_before_writes(run_module, group, fake_cloudflare, api_calls):
    group["client"].authorize_security_group_ingress(
        GroupId=group["id"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": f"10.0.{i}.0/24"} for i in range(3)],
            }
        ],
    )
    api_calls.clear()
    run_ = run(run_module, group["id"], max_rules=5)
    result = run_.result
    assert run_.rc == 1
    assert result["failed"] is True
    assert result["changed"] is False
    msg = result["msg"]
    assert (
        f"security group {group['id']} would have 6 inbound IPv4 rules (now 3, 3 to add, 0 to remove), "
        "more than max_rules=5" in msg
    )
    assert "IPv6" not in msg.split(".")[0]  # 2 IPv6 rules fit
    assert "Inbound or outbound rules per security group" in msg
    assert "L-0EA8095F" in msg and "request-service-quota-increase" in msg
    assert result["predicted_rule_count"] == {"ipv4": 6, "ipv6": 2}
    assert api_calls.writes() == []
    assert cidr_rules(group["client"], group["id"]) == {}


def test_quota_counts_after_removals(run_module, group, fake_cloudflare):
    assert run(run_module, group["id"]).rc == 0
    # replacing 3 ranges by 3 others keeps 3 IPv4 rules: fits max_rules=3
    fake_cloudflare.set_ips(ipv4=["131.0.72.0/22", "141.101.64.0/18", "162.158.0.0/15"])
    run_ = run(run_module, group["id"], max_rules=3)
    assert run_.rc == 0, run_.result
    assert run_.result["rule_count"] == {"ipv4": 3, "ipv6": 2}


def test_ipv6_false(run_module, group, fake_cloudflare, api_calls):
    result = run(run_module, group["id"], ipv6=False).result
    assert result["changed"] is True
    assert set(cidr_rules(group["client"], group["id"])) == set(fake_cloudflare.ipv4)
    assert result["ipv6_cidrs"] == ["2400:cb00::/32", "2606:4700::/32"]  # still reported
    assert result["rule_count"] == {"ipv4": 3, "ipv6": 0}
    (authorize,) = api_calls.named("AuthorizeSecurityGroupIngress")
    assert "Ipv6Ranges" not in authorize["IpPermissions"][0]

    # switching an existing IPv4 + IPv6 setup to ipv6=false revokes the IPv6 rules
    assert run(run_module, group["id"]).result["changed"] is True
    result = run(run_module, group["id"], ipv6=False).result
    assert result["removed"] == [{"port": 443, "cidr": c} for c in ["2400:cb00::/32", "2606:4700::/32"]]
    assert set(cidr_rules(group["client"], group["id"])) == set(fake_cloudflare.ipv4)


def test_check_mode_predicts_and_writes_nothing(run_module, group, fake_cloudflare, api_calls):
    run_ = run(run_module, group["id"], check_mode=True, diff=True)
    predicted = run_.result
    assert run_.rc == 0, predicted
    assert predicted["changed"] is True
    assert len(predicted["added"]) == 5
    assert predicted["rule_count"] == {"ipv4": 3, "ipv6": 2}
    assert predicted["diff"]["before"] == {"443": []}
    assert api_calls.writes() == []
    assert cidr_rules(group["client"], group["id"]) == {}

    real = run(run_module, group["id"], diff=True).result
    for key in ("changed", "added", "removed", "updated", "rule_count", "diff", "etag"):
        assert real[key] == predicted[key], key

    fake_cloudflare.set_ips(ipv4=["173.245.48.0/20"])
    api_calls.clear()
    predicted = run(run_module, group["id"], check_mode=True).result
    assert [item["cidr"] for item in predicted["removed"]] == ["103.21.244.0/22", "104.16.0.0/13"]
    assert api_calls.writes() == []
    assert len(cidr_rules(group["client"], group["id"])) == 5


def test_check_mode_with_a_pending_group_reports_every_rule_without_aws(run_module, group, fake_cloudflare, api_calls):
    """The group is still to be created (rocketclub.platform.security_groups returned its placeholder)."""
    pending = "pending:security-group/rocketclub-local-alb"
    predicted = run(run_module, pending, check_mode=True, diff=True)
    assert predicted.rc == 0, predicted.result
    assert predicted.result["changed"] is True
    assert predicted.result["group_id"] == pending
    assert len(predicted.result["added"]) == 5 and predicted.result["removed"] == []
    assert predicted.result["rule_count"] == {"ipv4": 3, "ipv6": 2}
    assert predicted.result["diff"]["before"] == {"443": []}
    assert len(predicted.result["diff"]["after"]["443"]) == 5
    assert api_calls.operations() == []
    assert fake_cloudflare.paths() == ["GET /ips"]

    # The same rules as the real run on a new, empty group.
    real = run(run_module, group["id"], diff=True).result
    for key in ("added", "removed", "rule_count", "diff"):
        assert real[key] == predicted.result[key], key

    api_calls.clear()
    cloudflare_calls = len(fake_cloudflare.calls)
    refused = run(run_module, pending)
    assert refused.rc == 1 and "check-mode placeholder" in refused.result["msg"]
    assert api_calls.operations() == [] and len(fake_cloudflare.calls) == cloudflare_calls


def test_cloudflare_5xx_then_success_is_retried(run_module, group, fake_cloudflare):
    fake_cloudflare.fail(503, count=2)
    fake_cloudflare.fail(429, retry_after=3)
    result = run(run_module, group["id"]).result
    assert result["changed"] is True
    assert fake_cloudflare.paths() == ["GET /ips"] * 4
    assert len(fake_cloudflare.sleeps) == 3 and fake_cloudflare.sleeps[2] == 3.0
    assert 0.5 <= fake_cloudflare.sleeps[0] <= 1 and 1 <= fake_cloudflare.sleeps[1] <= 2


def test_cloudflare_error_fails_without_aws_calls(run_module, group, fake_cloudflare, api_calls, monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    fake_cloudflare.fail(503, count=5)
    run_ = run(run_module, group["id"])
    result = run_.result
    assert run_.rc == 1
    assert result["changed"] is False
    assert result["msg"] == (
        "Could not read Cloudflare's IP ranges: "
        "Cloudflare API GET /ips failed with HTTP 503 after 5 attempts: [503] HTTP 503"
    )
    assert result["status"] == 503
    assert api_calls.operations() == []
    assert TOKEN not in run_.out


def test_cloudflare_empty_ranges_refused(run_module, group, fake_cloudflare, api_calls):
    assert run(run_module, group["id"]).rc == 0
    fake_cloudflare.set_ips(ipv4=[], ipv6=[])
    api_calls.clear()
    run_ = run(run_module, group["id"])
    assert run_.rc == 1
    assert "no IPv4 range" in run_.result["msg"]
    assert api_calls.operations() == []


def test_invalid_cidr_from_cloudflare(run_module, group, fake_cloudflare, api_calls):
    fake_cloudflare.set_ips(ipv4=["173.245.48.0/20", "not-a-cidr"])
    run_ = run(run_module, group["id"])
    assert run_.rc == 1
    assert "invalid CIDR in ipv4_cidrs: 'not-a-cidr'" in run_.result["msg"]
    assert api_calls.operations() == []


def test_unknown_group(run_module, ec2, fake_cloudflare, api_calls):
    run_ = run(run_module, "sg-0123456789abcdef0")
    assert run_.rc == 1
    assert "sg-0123456789abcdef0" in run_.result["msg"]
    assert api_calls.writes() == []


def test_wide_rule_warns(run_module, group, fake_cloudflare):
    group["client"].authorize_security_group_ingress(
        GroupId=group["id"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    run_ = run(run_module, group["id"])
    assert run_.result["changed"] is True
    assert any("also admits port(s) 443" in w and "tcp 0-65535 from 0.0.0.0/0" in w for w in run_.warnings)
    wide = [r for r in ingress(group["client"], group["id"]) if r["ToPort"] == 65535]
    assert [(r["FromPort"], r["CidrIpv4"]) for r in wide] == [(0, "0.0.0.0/0")]


@pytest.mark.parametrize(
    "args, message",
    [({"ports": []}, "ports must be"), ({"ports": [70000]}, "ports must be"), ({"max_rules": 0}, "max_rules")],
)
def test_invalid_input(run_module, group, fake_cloudflare, api_calls, args, message):
    run_ = run(run_module, group["id"], **args)
    assert run_.rc == 1 and message in run_.result["msg"]
    assert fake_cloudflare.calls == [] and api_calls.operations() == []


def test_helpers_count_prefix_lists():
    rules = [
        {"CidrIpv4": "192.0.2.0/24"},
        {"CidrIpv6": "2001:db8::/32"},
        {"ReferencedGroupInfo": {"GroupId": "sg-1"}},
        {"PrefixListId": "pl-cf"},
        {"PrefixListId": "pl-unknown"},
        {"CidrIpv4": "0.0.0.0/0", "IsEgress": True},
    ]
    counts = module_under_test.count_rules(rules, {"pl-cf": {"ipv4": 55}})
    assert counts == {"ipv4": 1 + 1 + 55 + 1, "ipv6": 1 + 1 + 1}


def test_purge_other_sources_makes_the_port_exactly_cloudflare(run_module, group, fake_cloudflare, api_calls):
    client = group["client"]
    prefix_list = client.describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.global.cloudfront.origin-facing"]}]
    )["PrefixLists"][0]["PrefixListId"]
    client.authorize_security_group_ingress(
        GroupId=group["id"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": prefix_list}]},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": group["other"]}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": group["other"]}]},
        ],
    )

    api_calls.clear()
    predicted = run(run_module, group["id"], purge_other_sources=True, check_mode=True).result
    assert sorted(r["cidr"] for r in predicted["removed"]) == sorted([prefix_list, group["other"]])
    assert api_calls.writes() == []

    result = run(run_module, group["id"], purge_other_sources=True).result
    assert result["changed"] is True
    assert sorted(r["cidr"] for r in result["removed"]) == sorted([prefix_list, group["other"]])
    remaining = ingress(client, group["id"])
    on_443 = [r for r in remaining if r["FromPort"] == 443]
    assert all(r.get("CidrIpv4") or r.get("CidrIpv6") for r in on_443)
    assert {r.get("CidrIpv4") or r.get("CidrIpv6") for r in on_443} == set(fake_cloudflare.ipv4 + fake_cloudflare.ipv6)
    # A group source on another port is not the module's business.
    assert [r["ReferencedGroupInfo"]["GroupId"] for r in remaining if r["FromPort"] == 22] == [group["other"]]

    api_calls.clear()
    assert run(run_module, group["id"], purge_other_sources=True).result["changed"] is False
    assert api_calls.writes() == []
