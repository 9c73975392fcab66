# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drive ``rocketclub.platform.security_groups`` in-process against moto."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.modules import security_groups

PENDING_VPC = "pending:vpc/test"


@pytest.fixture
def aws_like_prefix_list_descriptions():
    """Real EC2 keeps the description of a rule whose source is a prefix list; plain moto drops it. The local
    cloud's correction (tools/localcloud/moto_patches.py), undone after the test."""
    from moto.ec2.models.security_groups import SecurityGroup
    from moto.ec2.models.security_groups import SecurityGroupBackend
    from moto.ec2.models.security_groups import SecurityGroupRule

    from localcloud import moto_patches

    saved = [
        (owner, name, owner.__dict__[name])
        for owner, name in (
            (SecurityGroupRule, "__init__"),
            (SecurityGroupRule, "description"),
            (SecurityGroup, "_flattened_rules"),
            (SecurityGroupBackend, "_sg_update_description"),
            (SecurityGroupBackend, "modify_security_group_rules"),
        )
    ]
    moto_patches._patch_prefix_list_descriptions()  # pylint: disable=protected-access
    yield
    for owner, name, value in saved:
        setattr(owner, name, value)


@pytest.fixture
def cloud(ec2, api_calls, aws_like_prefix_list_descriptions):
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    prefix_list = ec2.create_managed_prefix_list(
        PrefixListName="test-pl", MaxEntries=5, AddressFamily="IPv4", Entries=[{"Cidr": "10.9.0.0/16"}]
    )["PrefixList"]["PrefixListId"]
    api_calls.clear()
    return {"ec2": ec2, "vpc_id": vpc_id, "prefix_list": prefix_list, "calls": api_calls}


def platform_groups(prefix_list=None, app_ports=("7007", "4200"), alb_ingress=None):
    """The network role's four groups, as roles/network/vars/main.yml declares them."""
    alb_rules = (
        alb_ingress
        if alb_ingress is not None
        else (
            [
                {
                    "proto": "tcp",
                    "ports": [443],
                    "ip_prefix": prefix_list,
                    "rule_desc": "HTTPS from CloudFront origin-facing",
                }
            ]
            if prefix_list
            else []
        )
    )
    return [
        {
            "role": "alb",
            "name": "t-alb",
            "description": "ALB",
            "rules": alb_rules,
            "purge_rules": alb_ingress is None,
            "rules_egress": [
                {
                    "proto": "tcp",
                    "ports": list(app_ports),
                    "group_name": "t-ecs",
                    "group_desc": "ECS",
                    "rule_desc": "ALB to ECS app ports",
                },
                {"proto": "tcp", "ports": [443], "cidr_ip": ["0.0.0.0/0"], "rule_desc": "ALB to the OIDC IdP (Kinde)"},
            ],
        },
        {
            "role": "ecs",
            "name": "t-ecs",
            "description": "ECS",
            "rules": [
                {"proto": "tcp", "ports": list(app_ports), "group_name": "t-alb", "rule_desc": "App ports from the ALB"}
            ],
            "rules_egress": [
                {
                    "proto": "tcp",
                    "ports": ["5432"],
                    "group_name": "t-aurora",
                    "group_desc": "Aurora",
                    "rule_desc": "ECS to Aurora",
                },
                {"proto": "tcp", "ports": [443], "cidr_ip": "0.0.0.0/0", "rule_desc": "ECS to AWS APIs"},
            ],
        },
        {
            "role": "aurora",
            "name": "t-aurora",
            "description": "Aurora",
            "rules": [{"proto": "tcp", "ports": ["5432"], "group_name": "t-ecs", "rule_desc": "PostgreSQL from ECS"}],
            "rules_egress": [],
        },
        {
            "role": "endpoints",
            "name": "t-endpoints",
            "description": "Endpoints",
            "rules": [{"proto": "tcp", "ports": [443], "group_role": "ecs", "rule_desc": "HTTPS from ECS"}],
            "rules_egress": [],
        },
    ]


def args(cloud, groups=None, **extra):
    result = {
        "vpc_id": cloud["vpc_id"],
        "groups": groups if groups is not None else platform_groups(cloud["prefix_list"]),
        "tags": {"platform:managed-by": "rocketclub.platform"},
    }
    result.update(extra)
    return result


def live(ec2, vpc_id):
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    return {g["GroupName"]: g for g in groups}


def rules(group, key, names):
    """{(from, to, proto, source)} of a described group's permissions."""
    found = set()
    for perm in group[key]:
        ports = (perm.get("FromPort"), perm.get("ToPort"), perm["IpProtocol"])
        for item in perm.get("IpRanges", []):
            found.add(ports + (item["CidrIp"], item.get("Description")))
        for item in perm.get("PrefixListIds", []):
            found.add(ports + (item["PrefixListId"], item.get("Description")))
        for item in perm.get("UserIdGroupPairs", []):
            found.add(ports + ("sg:" + names[item["GroupId"]], item.get("Description")))
    return found


def tags_of(group):
    return {t["Key"]: t["Value"] for t in group.get("Tags", [])}


def test_create_then_noop(cloud, run_module):
    ec2, calls = cloud["ec2"], cloud["calls"]
    first = run_module(security_groups.main, args(cloud), diff=True).result
    assert not first.get("failed"), first
    assert first["changed"] is True
    groups = live(ec2, cloud["vpc_id"])
    names = {g["GroupId"]: name.removeprefix("t-") for name, g in groups.items()}
    assert first["group_ids"] == {
        role: groups[f"t-{role}"]["GroupId"] for role in ("alb", "ecs", "aurora", "endpoints")
    }
    alb, ecs, aurora, endpoints = (groups[f"t-{r}"] for r in ("alb", "ecs", "aurora", "endpoints"))
    pl = cloud["prefix_list"]
    assert {r[:4] for r in rules(alb, "IpPermissions", names)} == {(443, 443, "tcp", pl)}
    assert rules(alb, "IpPermissionsEgress", names) == {
        (7007, 7007, "tcp", "sg:ecs", "ALB to ECS app ports"),
        (4200, 4200, "tcp", "sg:ecs", "ALB to ECS app ports"),
        (443, 443, "tcp", "0.0.0.0/0", "ALB to the OIDC IdP (Kinde)"),
    }
    assert rules(ecs, "IpPermissions", names) == {
        (7007, 7007, "tcp", "sg:alb", "App ports from the ALB"),
        (4200, 4200, "tcp", "sg:alb", "App ports from the ALB"),
    }
    assert rules(ecs, "IpPermissionsEgress", names) == {
        (5432, 5432, "tcp", "sg:aurora", "ECS to Aurora"),
        (443, 443, "tcp", "0.0.0.0/0", "ECS to AWS APIs"),
    }
    assert rules(aurora, "IpPermissions", names) == {(5432, 5432, "tcp", "sg:ecs", "PostgreSQL from ECS")}
    assert rules(aurora, "IpPermissionsEgress", names) == set()  # AWS's default egress rule was revoked
    assert rules(endpoints, "IpPermissions", names) == {(443, 443, "tcp", "sg:ecs", "HTTPS from ECS")}
    assert rules(endpoints, "IpPermissionsEgress", names) == set()
    assert tags_of(alb) == {"Name": "t-alb", "platform:sg-role": "alb", "platform:managed-by": "rocketclub.platform"}
    assert calls.writes("ec2").count("CreateSecurityGroup") == 4
    assert "CreateTags" not in calls.writes("ec2")  # tags come with CreateSecurityGroup
    assert all(g["created"] and g["changed"] for g in first["groups"])
    assert first["diff"]["before"] == {}
    assert first["diff"]["after"]["t-aurora"]["ingress"] == ["tcp 5432 sg:t-ecs (PostgreSQL from ECS)"]
    assert "egress all 0.0.0.0/0" in first["groups"][2]["removed"]

    calls.clear()
    second = run_module(security_groups.main, args(cloud), diff=True).result
    assert second["changed"] is False, [(g["name"], g["added"], g["removed"], g["described"]) for g in second["groups"]]
    assert calls.writes("ec2") == []
    assert calls.operations("ec2") == ["DescribeSecurityGroups"]
    assert second["group_ids"] == first["group_ids"]
    assert second["diff"]["before"] == second["diff"]["after"] == first["diff"]["after"]
    assert [g["ingress"] for g in second["groups"]] == [g["ingress"] for g in first["groups"]]

    calls.clear()
    check = run_module(security_groups.main, args(cloud), check_mode=True).result
    assert check["changed"] is False and calls.writes("ec2") == []


def test_rule_add_remove_and_description_in_place(cloud, run_module):
    ec2, calls = cloud["ec2"], cloud["calls"]
    assert run_module(security_groups.main, args(cloud)).result["changed"] is True
    groups = platform_groups(cloud["prefix_list"], app_ports=("7007", "4200", "8080"))
    groups[1]["rules_egress"][1]["rule_desc"] = "HTTPS out"  # description only
    groups[2]["rules"][0]["ports"] = ["5433"]  # port changed: revoke 5432, authorize 5433
    calls.clear()
    result = run_module(security_groups.main, args(cloud, groups=groups), diff=True).result
    assert result["changed"] is True
    by_name = {g["name"]: g for g in result["groups"]}
    assert by_name["t-alb"]["added"] == ["egress tcp 8080 sg:t-ecs"]
    assert by_name["t-ecs"]["added"] == ["ingress tcp 8080 sg:t-alb"]
    assert by_name["t-ecs"]["described"] == ["egress tcp 443 0.0.0.0/0"]
    assert by_name["t-aurora"]["removed"] == ["ingress tcp 5432 sg:t-ecs"]
    assert by_name["t-aurora"]["added"] == ["ingress tcp 5433 sg:t-ecs"]
    assert not by_name["t-endpoints"]["changed"]
    assert sorted(calls.writes("ec2")) == sorted(
        [
            "AuthorizeSecurityGroupEgress",
            "AuthorizeSecurityGroupIngress",
            "UpdateSecurityGroupRuleDescriptionsEgress",
            "RevokeSecurityGroupIngress",
            "AuthorizeSecurityGroupIngress",
        ]
    )
    assert result["diff"]["before"]["t-aurora"]["ingress"] == ["tcp 5432 sg:t-ecs (PostgreSQL from ECS)"]
    assert result["diff"]["after"]["t-aurora"]["ingress"] == ["tcp 5433 sg:t-ecs (PostgreSQL from ECS)"]
    ecs = live(ec2, cloud["vpc_id"])["t-ecs"]
    assert [r["Description"] for p in ecs["IpPermissionsEgress"] for r in p.get("IpRanges", [])] == ["HTTPS out"]
    calls.clear()
    again = run_module(security_groups.main, args(cloud, groups=groups)).result
    assert again["changed"] is False, [(g["name"], g["added"], g["removed"], g["described"]) for g in again["groups"]]
    assert calls.writes("ec2") == []


def test_purge_false_keeps_foreign_ingress_and_tags_are_reconciled(cloud, run_module):
    ec2, calls = cloud["ec2"], cloud["calls"]
    run_module(security_groups.main, args(cloud, groups=platform_groups(alb_ingress=[])))
    alb_id = live(ec2, cloud["vpc_id"])["t-alb"]["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=alb_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "173.245.48.0/20", "Description": "Cloudflare"}],
            }
        ],
    )
    ec2.create_tags(Resources=[alb_id], Tags=[{"Key": "stray", "Value": "x"}, {"Key": "Name", "Value": "wrong"}])
    calls.clear()
    result = run_module(security_groups.main, args(cloud, groups=platform_groups(alb_ingress=[])), diff=True).result
    assert result["changed"] is True
    assert sorted(calls.writes("ec2")) == ["CreateTags", "DeleteTags"]
    alb = live(ec2, cloud["vpc_id"])["t-alb"]
    assert tags_of(alb) == {"Name": "t-alb", "platform:sg-role": "alb", "platform:managed-by": "rocketclub.platform"}
    assert alb["IpPermissions"][0]["IpRanges"][0]["CidrIp"] == "173.245.48.0/20"  # purge_rules=false
    assert result["diff"]["before"]["t-alb"]["tags"]["stray"] == "x"
    assert "stray" not in result["diff"]["after"]["t-alb"]["tags"]
    # Back to purging (the CloudFront mode): the CIDR rule goes, the prefix list comes.
    calls.clear()
    result = run_module(security_groups.main, args(cloud)).result
    assert result["groups"][0]["removed"] == ["ingress tcp 443 173.245.48.0/20"]
    assert result["groups"][0]["added"] == [f"ingress tcp 443 {cloud['prefix_list']}"]
    assert sorted(calls.writes("ec2")) == ["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"]


def test_check_mode_with_pending_vpc_makes_no_call(cloud, run_module):
    calls = cloud["calls"]
    result = run_module(security_groups.main, args(cloud, vpc_id=PENDING_VPC), check_mode=True, diff=True).result
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert calls.operations() == []
    assert result["group_ids"] == {
        "alb": "pending:security-group/t-alb",
        "ecs": "pending:security-group/t-ecs",
        "aurora": "pending:security-group/t-aurora",
        "endpoints": "pending:security-group/t-endpoints",
    }
    assert result["diff"]["before"] == {}
    after = result["diff"]["after"]
    assert after["t-alb"]["egress"] == [
        "tcp 4200 sg:t-ecs (ALB to ECS app ports)",
        "tcp 443 0.0.0.0/0 (ALB to the OIDC IdP (Kinde))",
        "tcp 7007 sg:t-ecs (ALB to ECS app ports)",
    ]
    assert after["t-endpoints"] == {
        "description": "Endpoints",
        "tags": {"Name": "t-endpoints", "platform:managed-by": "rocketclub.platform", "platform:sg-role": "endpoints"},
        "ingress": ["tcp 443 sg:t-ecs (HTTPS from ECS)"],
        "egress": [],
    }
    assert all(g["created"] and g["changed"] for g in result["groups"])


def test_check_mode_predicts_the_real_run(cloud, run_module):
    """A converged VPC with one group missing and one rule changed: check mode gives the real run's result."""
    calls = cloud["calls"]
    groups = platform_groups(cloud["prefix_list"])
    run_module(security_groups.main, args(cloud, groups=groups[:3]))
    groups[0]["rules_egress"][0]["ports"] = ["7007", "4200", "8080"]
    calls.clear()
    check = run_module(security_groups.main, args(cloud, groups=groups), check_mode=True, diff=True).result
    assert calls.writes("ec2") == []
    assert check["changed"] is True
    assert check["group_ids"]["endpoints"] == "pending:security-group/t-endpoints"
    real = run_module(security_groups.main, args(cloud, groups=groups), diff=True).result
    assert real["changed"] is True
    assert check["diff"] == real["diff"]
    strip = [{k: v for k, v in g.items() if k != "group_id"} for g in real["groups"]]
    assert [{k: v for k, v in g.items() if k != "group_id"} for g in check["groups"]] == strip
    calls.clear()
    assert run_module(security_groups.main, args(cloud, groups=groups), check_mode=True).result["changed"] is False


def test_unknown_group_name_fails_before_any_write(cloud, run_module):
    calls = cloud["calls"]
    groups = platform_groups(cloud["prefix_list"])
    groups[3]["rules"][0] = {"proto": "tcp", "ports": [443], "group_name": "t-nope", "group_desc": "x"}
    result = run_module(security_groups.main, args(cloud, groups=groups)).result
    assert result["failed"] and "t-nope" in result["msg"] and "groups[3]" in result["msg"]
    assert calls.writes("ec2") == []


@pytest.mark.parametrize(
    "rule, message",
    [
        ({"proto": "tcp", "cidr_ip": "10.0.0.0/8"}, "needs ports"),
        ({"proto": "tcp", "ports": [70000], "cidr_ip": "10.0.0.0/8"}, "between 0 and 65535"),
        ({"proto": "tcp", "ports": [1]}, "no source"),
        ({"proto": "tcp", "ports": [1], "cidr_ip": "::/0"}, "not an IPv4 CIDR"),
        ({"proto": "tcp", "ports": [1], "group_role": "web"}, "group_role 'web'"),
        ({"proto": "tcp", "ports": [1], "cidr_ip": "10.0.0.0/8", "colour": "red"}, "unknown option(s) colour"),
    ],
)
def test_bad_rules_fail_before_any_call(cloud, run_module, rule, message):
    groups = [{"role": "a", "name": "t-a", "description": "A", "rules": [rule]}]
    result = run_module(security_groups.main, args(cloud, groups=groups, vpc_id=PENDING_VPC), check_mode=True).result
    assert result["failed"] and message in result["msg"], result["msg"]
    assert cloud["calls"].operations() == []


def test_real_run_refuses_placeholders(cloud, run_module):
    result = run_module(security_groups.main, args(cloud, vpc_id=PENDING_VPC)).result
    assert result["failed"] and "check-mode placeholder" in result["msg"]
    assert cloud["calls"].operations() == []


def test_normalisation_matches_live_rules(cloud, run_module, api_calls):
    """all / -1, host bits, a port range and IPv6 compare equal to what AWS returns: no change on the 2nd run."""
    groups = [
        {
            "role": "a",
            "name": "t-a",
            "description": "A",
            "rules": [
                {"proto": "tcp", "ports": ["8000-8010", 22], "cidr_ip": ["10.1.2.3/16"], "cidr_ipv6": "2001:DB8::/32"},
                {"proto": "icmp", "icmp_type": 8, "cidr_ip": "10.0.0.0/8"},
            ],
            "rules_egress": [{"proto": "all", "cidr_ip": "0.0.0.0/0"}],
        }
    ]
    first = run_module(security_groups.main, args(cloud, groups=groups)).result
    assert first["changed"] is True
    assert "RevokeSecurityGroupEgress" not in api_calls.writes("ec2")  # the declared egress is AWS's default one
    ingress = {(r["proto"], r["from_port"], r["to_port"], r["source"]) for r in first["groups"][0]["ingress"]}
    assert ingress == {
        ("tcp", 8000, 8010, "10.1.0.0/16"),
        ("tcp", 22, 22, "10.1.0.0/16"),
        ("tcp", 8000, 8010, "2001:db8::/32"),
        ("tcp", 22, 22, "2001:db8::/32"),
        ("icmp", 8, -1, "10.0.0.0/8"),
    }
    api_calls.clear()
    second = run_module(security_groups.main, args(cloud, groups=groups))
    assert second.result["changed"] is False and api_calls.writes("ec2") == []
    assert any("host bits" in w for w in second.warnings)


def test_new_group_not_yet_visible_is_retried(cloud, run_module, monkeypatch):
    """AWS answers InvalidGroup.NotFound for a group created moments ago; the module waits for it."""
    import botocore.client

    from ansible_collections.rocketclub.platform.plugins.module_utils import eventual_consistency

    monkeypatch.setattr(eventual_consistency.time, "sleep", lambda seconds: None)
    original = botocore.client.BaseClient._make_api_call
    failures = {"DescribeSecurityGroups": 1, "AuthorizeSecurityGroupIngress": 1}
    seen = []

    def flaky(self, operation, params):
        if failures.get(operation) and (operation != "DescribeSecurityGroups" or params.get("GroupIds")):
            failures[operation] -= 1
            seen.append(operation)
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "InvalidGroup.NotFound", "Message": "The security group does not exist"}}, operation
            )
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", flaky)
    result = run_module(security_groups.main, args(cloud)).result
    assert not result.get("failed"), result
    assert seen == ["DescribeSecurityGroups", "AuthorizeSecurityGroupIngress"]
    assert len(live(cloud["ec2"], cloud["vpc_id"])) == 5  # four and the VPC's default group


def test_duplicate_permission_is_authorized_one_by_one(cloud, run_module, monkeypatch):
    import botocore.client

    groups = [
        {
            "role": "a",
            "name": "t-a",
            "description": "A",
            "rules": [{"proto": "tcp", "ports": [80, 443], "cidr_ip": "10.0.0.0/8"}],
        }
    ]
    original = botocore.client.BaseClient._make_api_call
    state = {"raced": False}

    def racing(self, operation, params):
        if operation == "AuthorizeSecurityGroupIngress" and not state["raced"]:
            state["raced"] = True  # someone else adds port 80 just before us
            original(self, operation, dict(params, IpPermissions=params["IpPermissions"][:1]))
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "InvalidPermission.Duplicate", "Message": "the specified rule already exists"}},
                operation,
            )
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", racing)
    result = run_module(security_groups.main, args(cloud, groups=groups)).result
    assert not result.get("failed"), result
    group = live(cloud["ec2"], cloud["vpc_id"])["t-a"]
    assert sorted(p["FromPort"] for p in group["IpPermissions"]) == [80, 443]


def test_docs_parse():
    import yaml

    for text in (security_groups.DOCUMENTATION, security_groups.EXAMPLES, security_groups.RETURN):
        assert yaml.safe_load(text)
