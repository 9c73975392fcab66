# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EC2 corrections made inside moto (localcloud.moto_patches); each fails against plain moto."""

import json
import os
import subprocess
import sys

import pytest

CLOUDFRONT = "com.amazonaws.global.cloudfront.origin-facing"


def _group(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    prefix_list = ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [CLOUDFRONT]}])[
        "PrefixLists"
    ][0]["PrefixListId"]
    return vpc, group, prefix_list


def _https(prefix_list, description=None, cidr=None):
    entry = {"PrefixListId": prefix_list}
    if description is not None:
        entry["Description"] = description
    permission = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [entry]}
    if cidr:
        permission["IpRanges"] = [{"CidrIp": cidr, "Description": "office"}]
    return [permission]


def _permissions(ec2, group, direction):
    key = "IpPermissions" if direction == "ingress" else "IpPermissionsEgress"
    permissions = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0][key]
    return [p for p in permissions if p.get("FromPort") == 443]


def _rules(ec2, group, egress):
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    return [r for r in rules if r["IsEgress"] is egress and r.get("PrefixListId")]


@pytest.mark.parametrize("direction", ["ingress", "egress"])
def test_prefix_list_rule_descriptions(lc, aws, direction):
    ec2 = aws("ec2", region="eu-west-2")
    _vpc, group, prefix_list = _group(ec2)
    authorize = getattr(ec2, "authorize_security_group_%s" % direction)
    update = getattr(ec2, "update_security_group_rule_descriptions_%s" % direction)
    revoke = getattr(ec2, "revoke_security_group_%s" % direction)

    created = authorize(GroupId=group, IpPermissions=_https(prefix_list, "HTTPS from CloudFront", cidr="192.0.2.0/24"))
    assert [r.get("Description") for r in created["SecurityGroupRules"]] == ["office", "HTTPS from CloudFront"]
    [permission] = _permissions(ec2, group, direction)
    assert permission["PrefixListIds"] == [{"PrefixListId": prefix_list, "Description": "HTTPS from CloudFront"}]
    assert permission["IpRanges"] == [{"CidrIp": "192.0.2.0/24", "Description": "office"}]
    [rule] = _rules(ec2, group, direction == "egress")
    assert rule["Description"] == "HTTPS from CloudFront"

    assert update(GroupId=group, IpPermissions=_https(prefix_list, "CloudFront only"))["Return"] is True
    [permission] = _permissions(ec2, group, direction)
    assert permission["PrefixListIds"] == [{"PrefixListId": prefix_list, "Description": "CloudFront only"}]
    assert permission["IpRanges"] == [{"CidrIp": "192.0.2.0/24", "Description": "office"}]

    # ModifySecurityGroupRules sets the description of a prefix-list rule too
    ec2.modify_security_group_rules(
        GroupId=group,
        SecurityGroupRules=[
            {
                "SecurityGroupRuleId": rule["SecurityGroupRuleId"],
                "SecurityGroupRule": {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "PrefixListId": prefix_list,
                    "Description": "modified",
                },
            }
        ],
    )
    [permission] = _permissions(ec2, group, direction)
    assert permission["PrefixListIds"] == [{"PrefixListId": prefix_list, "Description": "modified"}]
    assert [r["Description"] for r in _rules(ec2, group, direction == "egress")] == ["modified"]

    # omitting the description removes it, as in AWS
    update(GroupId=group, IpPermissions=_https(prefix_list))
    [permission] = _permissions(ec2, group, direction)
    assert permission["PrefixListIds"] == [{"PrefixListId": prefix_list}]

    # revoke matches on the prefix list whatever the description says
    update(GroupId=group, IpPermissions=_https(prefix_list, "again"))
    revoke(GroupId=group, IpPermissions=_https(prefix_list, "something else", cidr="192.0.2.0/24"))
    assert _permissions(ec2, group, direction) == []
    authorize(GroupId=group, IpPermissions=_https(prefix_list, "back"))
    [permission] = _permissions(ec2, group, direction)
    assert permission["PrefixListIds"] == [{"PrefixListId": prefix_list, "Description": "back"}]


@pytest.mark.parametrize("direction", ["ingress", "egress"])
def test_update_rule_descriptions_returns_true(lc, aws, direction):
    ec2 = aws("ec2")
    _vpc, group, _prefix_list = _group(ec2)
    permissions = [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "198.51.100.0/24", "Description": "old"}],
        }
    ]
    getattr(ec2, "authorize_security_group_%s" % direction)(GroupId=group, IpPermissions=permissions)
    permissions[0]["IpRanges"][0]["Description"] = "new"
    operation = "update_security_group_rule_descriptions_%s" % direction
    result = getattr(ec2, operation)(GroupId=group, IpPermissions=permissions)
    assert result["Return"] is True
    key = "IpPermissions" if direction == "ingress" else "IpPermissionsEgress"
    described = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0][key]
    assert [r["Description"] for p in described if p.get("FromPort") == 22 for r in p["IpRanges"]] == ["new"]


def test_delete_nat_gateway_releases_elastic_ip(lc, aws):
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]

    first = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    [address] = ec2.describe_addresses(AllocationIds=[allocation])["Addresses"]
    assert address["NetworkInterfaceId"] == first["NatGatewayAddresses"][0]["NetworkInterfaceId"]

    ec2.delete_nat_gateway(NatGatewayId=first["NatGatewayId"])
    [address] = ec2.describe_addresses(AllocationIds=[allocation])["Addresses"]
    # (moto renders an unassociated address with NetworkInterfaceId '')
    assert not address.get("AssociationId") and not address.get("NetworkInterfaceId")

    second = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    eni = second["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    assert eni != first["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    [address] = ec2.describe_addresses(AllocationIds=[allocation])["Addresses"]
    assert address["NetworkInterfaceId"] == eni
    assert address["AssociationId"] == second["NatGatewayAddresses"][0]["AssociationId"]
    states = {n["NatGatewayId"]: n["State"] for n in ec2.describe_nat_gateways()["NatGateways"]}
    assert states == {first["NatGatewayId"]: "deleted", second["NatGatewayId"]: "available"}
    # the address can be released once its gateway is gone
    ec2.delete_nat_gateway(NatGatewayId=second["NatGatewayId"])
    ec2.release_address(AllocationId=allocation)
    assert ec2.describe_addresses()["Addresses"] == []


def _ansible_security_group(tmp_path, env, vpc, rules):
    """Run amazon.aws.ec2_security_group ad hoc; return its result."""
    args = {
        "name": "cloudfront",
        "description": "cloudfront",
        "vpc_id": vpc,
        "rules": rules,
        "region": "eu-west-2",
        "endpoint_url": env["LOCALCLOUD_AWS_URL"],
        "access_key": "testing",
        "secret_key": "testing",
    }
    run_env = dict(
        os.environ,
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="json",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
    )
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible"),
        "localhost",
        "-m",
        "amazon.aws.ec2_security_group",
        "-a",
        json.dumps(args),
    ]
    result = subprocess.run(
        command, cwd=str(tmp_path), env=run_env, capture_output=True, text=True, timeout=120, check=False
    )
    output = json.loads(result.stdout)
    return output["plays"][0]["tasks"][0]["hosts"]["localhost"]


def test_ansible_security_group_prefix_list_idempotent(lc, aws, env, tmp_path):
    # ansible (amazon.aws included) is pinned in requirements.txt: missing, it is an error, not a skip.
    ansible = os.path.join(os.path.dirname(sys.executable), "ansible")
    assert os.path.exists(ansible), "ansible is not installed next to this python"
    vpc, _group_id, prefix_list = _group(aws("ec2", region="eu-west-2"))
    rules = [{"proto": "tcp", "ports": [443], "ip_prefix": prefix_list, "rule_desc": "HTTPS from CloudFront"}]
    first = _ansible_security_group(tmp_path, env, vpc, rules)
    assert first["changed"] is True, first
    second = _ansible_security_group(tmp_path, env, vpc, rules)
    assert second.get("failed") is not True and second["changed"] is False, second
    assert [p["prefix_list_ids"] for p in second["ip_permissions"]] == [
        [{"prefix_list_id": prefix_list, "description": "HTTPS from CloudFront"}]
    ]


def test_patch_guard_fails_loudly():
    from localcloud import moto_patches

    class Changed:
        def delete_nat_gateway(self, gateway_id):
            return gateway_id

    with pytest.raises(moto_patches.MotoPatchError, match="Changed.delete_nat_gateway no longer takes nat_gateway_id"):
        moto_patches._require(Changed, "delete_nat_gateway", ("nat_gateway_id",))  # pylint: disable=protected-access
    with pytest.raises(moto_patches.MotoPatchError, match="Changed._flattened_rules is missing"):
        moto_patches._require(Changed, "_flattened_rules")  # pylint: disable=protected-access


def test_new_alb_has_the_full_attribute_set(lc, aws):
    """moto starts an ALB with four attributes; AWS shows the whole default set."""
    from localcloud.moto_patches import ALB_DEFAULT_ATTRIBUTES

    ec2 = aws("ec2", region="eu-west-2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.%d.0/24" % i, AvailabilityZone="eu-west-2" + z)["Subnet"][
            "SubnetId"
        ]
        for i, z in ((0, "a"), (1, "b"))
    ]
    elbv2 = aws("elbv2", region="eu-west-2")
    arn = elbv2.create_load_balancer(Name="attrs-alb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    attributes = {
        a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    }
    assert attributes == ALB_DEFAULT_ATTRIBUTES
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}]
    )
    attributes = {
        a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    }
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
