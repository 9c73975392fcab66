# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.vpc against moto."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.modules import vpc

NAME = "rocketclub-test"
CIDR = "10.60.0.0/16"
TAGS = {"platform:env": "test", "platform:managed-by": "rocketclub.platform", "platform:component": "network"}
NOOP_READS = ["DescribeVpcs", "DescribeVpcAttribute", "DescribeVpcAttribute"]


def args(**extra):
    """The options of the network role's "Ensure the VPC" task."""
    base = {
        "name": NAME,
        "cidr_block": CIDR,
        "dns_support": True,
        "dns_hostnames": True,
        "tags": dict(TAGS),
        "purge_tags": True,
    }
    return dict(base, **extra)


def vpcs(ec2):
    """{VpcId: Vpc with Tags as a dict} of every non-default VPC moto holds."""
    return {
        v["VpcId"]: dict(v, Tags={t["Key"]: t["Value"] for t in v.get("Tags", [])})
        for v in ec2.describe_vpcs()["Vpcs"]
        if not v["IsDefault"]
    }


def dns(ec2, vpc_id):
    support = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"]
    hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"]
    return {"dns_support": support, "dns_hostnames": hostnames["Value"]}


@pytest.fixture
def empty(ec2, api_calls):
    api_calls.clear()
    return ec2


@pytest.fixture
def converged(ec2, run_module, api_calls):
    """A VPC the module created; its id."""
    vpc_id = run_module(vpc.main, args()).result["vpc"]["id"]
    api_calls.clear()
    return vpc_id


def test_create_then_noop_with_three_reads_and_no_write(empty, run_module, api_calls):
    first = run_module(vpc.main, args(), diff=True).result
    assert first["changed"] is True, first
    # Tagged at creation; a new VPC has DNS support on already, so only hostnames is modified.
    assert api_calls.writes() == ["CreateVpc", "ModifyVpcAttribute"]
    (create,) = api_calls.named("CreateVpc")
    assert create["TagSpecifications"][0]["ResourceType"] == "vpc"
    assert {t["Key"]: t["Value"] for t in create["TagSpecifications"][0]["Tags"]} == dict(TAGS, Name=NAME)
    assert api_calls.named("ModifyVpcAttribute") == [
        {"VpcId": first["vpc"]["id"], "EnableDnsHostnames": {"Value": True}}
    ]
    (vpc_id,) = vpcs(empty)
    state = vpcs(empty)[vpc_id]
    assert state["CidrBlock"] == CIDR and state["Tags"] == dict(TAGS, Name=NAME)
    assert dns(empty, vpc_id) == {"dns_support": True, "dns_hostnames": True}
    assert first["vpc"]["id"] == vpc_id and first["vpc"]["name"] == NAME and first["vpc"]["state"] == "available"
    assert first["vpc"]["cidr_block"] == CIDR and first["vpc"]["tags"] == dict(TAGS, Name=NAME)
    assert first["diff"]["before"] == {}
    assert first["diff"]["after"] == {
        "id": vpc_id,
        "cidr_block": CIDR,
        "dns_support": True,
        "dns_hostnames": True,
        "tags": dict(TAGS, Name=NAME),
    }

    api_calls.clear()
    second = run_module(vpc.main, args(), diff=True).result
    assert second["changed"] is False, second
    assert api_calls.writes() == []
    assert api_calls.operations() == NOOP_READS
    (describe,) = api_calls.named("DescribeVpcs")
    assert describe["Filters"] == [
        {"Name": "tag:Name", "Values": [NAME]},
        {"Name": "cidr-block", "Values": [CIDR]},
    ]
    assert second["vpc"]["id"] == vpc_id and second["vpc"]["tags"] == dict(TAGS, Name=NAME)
    assert second["vpc"]["dns_support"] is True and second["vpc"]["dns_hostnames"] is True
    assert second["diff"]["before"] == second["diff"]["after"] == first["diff"]["after"]
    assert list(vpcs(empty)) == [vpc_id]


def test_a_vpc_ec2_vpc_net_created_is_found_and_left_alone(empty, run_module, api_calls):
    """Upgrade: the environment was converged by the old task (amazon.aws.ec2_vpc_net, same options)."""
    from ansible_collections.amazon.aws.plugins.modules import ec2_vpc_net

    old = run_module(ec2_vpc_net.main, args()).result
    assert old["changed"] is True and old["vpc"]["id"].startswith("vpc-"), old
    api_calls.clear()
    old_again = run_module(ec2_vpc_net.main, args()).result
    assert old_again["changed"] is False
    # The old task's no-op: 11 reads (6 DescribeVpcs, 1 DescribeTags, 4 DescribeVpcAttribute).
    assert sorted(api_calls.operations()) == sorted(
        ["DescribeVpcs"] * 6 + ["DescribeTags"] + ["DescribeVpcAttribute"] * 4
    )
    api_calls.clear()

    new = run_module(vpc.main, args(), diff=True).result
    assert new["changed"] is False, new
    assert api_calls.writes() == []
    assert api_calls.operations() == NOOP_READS
    assert new["vpc"]["id"] == old["vpc"]["id"]
    assert list(vpcs(empty)) == [old["vpc"]["id"]]
    # The registered result keeps the keys ec2_vpc_net returned (the role reads vpc.id).
    assert set(old_again["vpc"]) <= set(new["vpc"])
    for key in ("id", "name", "cidr_block", "tags", "state", "instance_tenancy", "owner_id", "dhcp_options_id"):
        assert new["vpc"][key] == old_again["vpc"][key], key


def test_tag_drift_is_repaired_and_purged(ec2, converged, run_module, api_calls):
    ec2.create_tags(
        Resources=[converged], Tags=[{"Key": "stray", "Value": "x"}, {"Key": "platform:env", "Value": "other"}]
    )
    ec2.delete_tags(Resources=[converged], Tags=[{"Key": "platform:component"}])
    api_calls.clear()

    check = run_module(vpc.main, args(), check_mode=True, diff=True).result
    assert check["changed"] is True and api_calls.writes() == []
    assert vpcs(ec2)[converged]["Tags"]["stray"] == "x"
    assert check["diff"]["before"]["tags"] == {
        "Name": NAME,
        "platform:env": "other",
        "platform:managed-by": "rocketclub.platform",
        "stray": "x",
    }
    assert check["diff"]["after"]["tags"] == dict(TAGS, Name=NAME)
    assert check["diff"]["before"]["dns_support"] is True and check["diff"]["after"]["dns_support"] is True

    api_calls.clear()
    real = run_module(vpc.main, args()).result
    assert real["changed"] is True
    assert api_calls.writes() == ["DeleteTags", "CreateTags"]
    assert vpcs(ec2)[converged]["Tags"] == dict(TAGS, Name=NAME)
    assert real["vpc"] == dict(check["vpc"], state=real["vpc"]["state"])

    api_calls.clear()
    assert run_module(vpc.main, args()).result["changed"] is False
    assert api_calls.writes() == []


def test_purge_tags_false_and_no_tags_keep_other_tags(ec2, converged, run_module, api_calls):
    ec2.create_tags(Resources=[converged], Tags=[{"Key": "stray", "Value": "x"}])
    api_calls.clear()

    result = run_module(vpc.main, args(purge_tags=False)).result
    assert result["changed"] is False and api_calls.writes() == []
    assert result["vpc"]["tags"]["stray"] == "x"

    # Without tags (as ec2_vpc_net) only Name is ensured and nothing is purged.
    no_tags = {k: v for k, v in args().items() if k != "tags"}
    result = run_module(vpc.main, no_tags).result
    assert result["changed"] is False and api_calls.writes() == []
    assert vpcs(ec2)[converged]["Tags"] == dict(TAGS, Name=NAME, stray="x")


def test_dns_attribute_drift_is_repaired_one_attribute_per_call(ec2, converged, run_module, api_calls):
    ec2.modify_vpc_attribute(VpcId=converged, EnableDnsHostnames={"Value": False})
    ec2.modify_vpc_attribute(VpcId=converged, EnableDnsSupport={"Value": False})
    api_calls.clear()

    check = run_module(vpc.main, args(), check_mode=True, diff=True).result
    assert check["changed"] is True and api_calls.writes() == []
    assert dns(ec2, converged) == {"dns_support": False, "dns_hostnames": False}
    assert {k: check["diff"]["before"][k] for k in ("dns_support", "dns_hostnames")} == {
        "dns_support": False,
        "dns_hostnames": False,
    }
    assert check["diff"]["after"]["dns_support"] is True and check["diff"]["after"]["dns_hostnames"] is True
    assert check["diff"]["before"]["tags"] == check["diff"]["after"]["tags"]

    api_calls.clear()
    real = run_module(vpc.main, args()).result
    assert real["changed"] is True
    # Support before hostnames (AWS enables hostnames only with support), one attribute per call.
    assert api_calls.named("ModifyVpcAttribute") == [
        {"VpcId": converged, "EnableDnsSupport": {"Value": True}},
        {"VpcId": converged, "EnableDnsHostnames": {"Value": True}},
    ]
    assert api_calls.writes() == ["ModifyVpcAttribute", "ModifyVpcAttribute"]
    assert dns(ec2, converged) == {"dns_support": True, "dns_hostnames": True}
    assert real["vpc"]["dns_support"] is True and real["vpc"]["dns_hostnames"] is True

    # Turning both off: hostnames first.
    api_calls.clear()
    off = run_module(vpc.main, args(dns_support=False, dns_hostnames=False)).result
    assert off["changed"] is True
    assert [list(p)[1] for p in api_calls.named("ModifyVpcAttribute")] == ["EnableDnsHostnames", "EnableDnsSupport"]
    assert dns(ec2, converged) == {"dns_support": False, "dns_hostnames": False}


def test_unset_dns_options_are_neither_read_nor_changed(ec2, converged, run_module, api_calls):
    ec2.modify_vpc_attribute(VpcId=converged, EnableDnsHostnames={"Value": False})
    api_calls.clear()
    result = run_module(vpc.main, args(dns_support=None, dns_hostnames=None)).result
    assert result["changed"] is False
    assert api_calls.operations() == ["DescribeVpcs"]
    assert dns(ec2, converged)["dns_hostnames"] is False


def test_a_new_vpc_without_dns_support_gets_no_hostnames(empty, run_module, api_calls):
    result = run_module(vpc.main, args(dns_support=False, dns_hostnames=None)).result
    assert result["changed"] is True, result
    assert api_calls.named("ModifyVpcAttribute") == [
        {"VpcId": result["vpc"]["id"], "EnableDnsSupport": {"Value": False}}
    ]
    assert dns(empty, result["vpc"]["id"]) == {"dns_support": False, "dns_hostnames": False}
    assert result["vpc"]["dns_support"] is False and result["vpc"]["dns_hostnames"] is False


def test_check_mode_on_an_empty_account_reports_changed_without_an_id(empty, run_module, api_calls):
    result = run_module(vpc.main, args(), check_mode=True, diff=True).result
    assert result["changed"] is True, result
    assert api_calls.operations() == ["DescribeVpcs"]
    assert vpcs(empty) == {}
    assert result["vpc"]["id"] is None and result["vpc"]["state"] is None
    assert result["vpc"]["tags"] == dict(TAGS, Name=NAME)
    assert result["diff"] == {
        "before": {},
        "after": {
            "id": None,
            "cidr_block": CIDR,
            "dns_support": True,
            "dns_hostnames": True,
            "tags": dict(TAGS, Name=NAME),
        },
    }


def test_the_role_publishes_the_placeholder_for_a_vpc_check_mode_would_create(empty, run_module):
    """roles/network/vars/main.yml: __network_vpc.vpc.id | default(none) | pending_or('vpc', __network_name)."""
    from ansible_collections.rocketclub.platform.plugins.filter.platform import pending_or

    result = run_module(vpc.main, args(), check_mode=True).result
    assert pending_or(result["vpc"].get("id"), "vpc", NAME) == f"pending:vpc/{NAME}"
    real = run_module(vpc.main, args()).result
    assert pending_or(real["vpc"].get("id"), "vpc", NAME) == real["vpc"]["id"]


def test_identity_is_the_name_and_the_cidr_block(ec2, converged, run_module, api_calls):
    other_cidr = run_module(vpc.main, args(cidr_block="10.61.0.0/16")).result
    assert other_cidr["changed"] is True and other_cidr["vpc"]["id"] != converged
    other_name = run_module(vpc.main, args(name="rocketclub-other")).result
    assert other_name["changed"] is True and other_name["vpc"]["id"] not in (converged, other_cidr["vpc"]["id"])
    assert len(vpcs(ec2)) == 3
    assert api_calls.writes().count("CreateVpc") == 2


def test_several_matching_vpcs_fail_before_any_write(ec2, run_module, api_calls):
    ids = sorted(
        ec2.create_vpc(
            CidrBlock=CIDR, TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": NAME}]}]
        )["Vpc"]["VpcId"]
        for _copy in range(2)
    )
    api_calls.clear()
    run = run_module(vpc.main, args())
    assert run.rc == 1
    assert "Currently there are 2 VPCs that have the same name and CIDR block you specified" in run.result["msg"]
    assert all(vpc_id in run.result["msg"] for vpc_id in ids)
    assert api_calls.writes() == []
    assert sorted(vpcs(ec2)) == ids


def test_not_found_right_after_create_is_retried(empty, run_module, api_calls, monkeypatch):
    """EC2 eventual consistency: the new VPC is not yet visible to DescribeVpcAttribute / ModifyVpcAttribute."""
    import botocore.client
    from ansible_collections.amazon.aws.plugins.module_utils import cloud
    from botocore.exceptions import ClientError

    sleeps = []
    monkeypatch.setattr(cloud.time, "sleep", sleeps.append)
    failing = {"ModifyVpcAttribute": 2, "DescribeVpcAttribute": 1}
    recording = botocore.client.BaseClient._make_api_call

    def flaky(self, operation_name, api_params):
        if failing.get(operation_name):
            failing[operation_name] -= 1
            api_calls.append((self.meta.service_model.service_name, operation_name, api_params))
            error = {"Error": {"Code": "InvalidVpcID.NotFound", "Message": "The vpc ID does not exist"}}
            raise ClientError(error, operation_name)
        return recording(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", flaky)
    result = run_module(vpc.main, args()).result
    assert result["changed"] is True, result
    assert api_calls.operations().count("ModifyVpcAttribute") == 3
    assert len(sleeps) == 3
    assert dns(empty, result["vpc"]["id"]) == {"dns_support": True, "dns_hostnames": True}


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"cidr_block": "10.60.1.0/16"}, "cidr_block '10.60.1.0/16' is not an IPv4 network address"),
        ({"cidr_block": "10.60.0.0"}, "/32 is outside what a VPC accepts"),
        ({"cidr_block": "10.0.0.0/8"}, "/8 is outside what a VPC accepts"),
        ({"cidr_block": "vpc"}, "cidr_block 'vpc' is not an IPv4 network address"),
        ({"dns_support": False}, "dns_hostnames=true needs dns_support=true"),
        ({"name": " "}, "name must not be empty"),
    ],
)
def test_bad_input_fails_before_any_call(aws_env, run_module, api_calls, extra, message):
    run = run_module(vpc.main, args(**extra))
    assert run.rc == 1 and message in run.result["msg"], run.result
    assert api_calls == []


def test_documentation_matches_the_argument_spec(doc_problems):
    assert doc_problems(vpc) == []
