# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drive ``rocketclub.platform.nat_gateways`` in-process against moto."""

from __future__ import annotations

import json

import pytest

boto3 = pytest.importorskip("boto3")
botocore_handlers = pytest.importorskip("botocore.handlers")
moto = pytest.importorskip("moto")

from ansible.module_utils.testing import patch_module_args  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.ec2.models.nat_gateways import NatGateway  # noqa: E402
from moto.ec2.models.nat_gateways import NatGatewayBackend  # noqa: E402

from ansible_collections.rocketclub.platform.plugins.modules import nat_gateways  # noqa: E402

REGION = "eu-west-2"
KEY_TAG = "platform:nat-key"
MANAGED = {"Key": "platform:managed-by", "Value": "rocketclub.platform"}
READ_PREFIXES = ("Describe", "List", "Get")


@pytest.fixture
def aws_env(monkeypatch):
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def aws_like_nat_delete(monkeypatch):
    """moto marks a deleted NAT gateway ``deleted`` but leaves its EIP associated (and would then refuse
    to associate it to a new NAT gateway). Real AWS disassociates the EIP once the NAT gateway is
    deleted: make moto do the same."""
    original = NatGatewayBackend.delete_nat_gateway

    def delete_nat_gateway(self, nat_gateway_id):
        nat = original(self, nat_gateway_id)
        for address in nat.address_set:
            eips = [e for e in self.addresses if e.allocation_id == address.get("allocationId")]
            for eip in eips:
                if eip.eni is not None and eip.eni.id == nat._eni.id:
                    self.disassociate_address(address=eip.public_ip)
        return nat

    monkeypatch.setattr(NatGatewayBackend, "delete_nat_gateway", delete_nat_gateway)


@pytest.fixture
def api_calls(monkeypatch):
    """Every EC2 API call really made by a botocore client created from now on (``before-call`` hook)."""
    calls = []

    def record(model, **kwargs):
        calls.append(model.name)

    monkeypatch.setattr(
        botocore_handlers, "BUILTIN_HANDLERS", botocore_handlers.BUILTIN_HANDLERS + [("before-call.ec2", record)]
    )
    return calls


def writes(calls):
    return [c for c in calls if not c.startswith(READ_PREFIXES)]


@pytest.fixture
def cloud(aws_env, aws_like_nat_delete, api_calls):
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
                "SubnetId"
            ]
            for i, az in enumerate("ab")
        ]
        del api_calls[:]
        yield {"ec2": ec2, "vpc_id": vpc_id, "subnets": subnets, "calls": api_calls}


def run_module(capsys, args, check_mode=False):
    args = dict(args, region=REGION)
    if check_mode:
        args["_ansible_check_mode"] = True
    args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            nat_gateways.main()
    out = json.loads(capsys.readouterr().out)
    if exc.value.code not in (0, None):
        out["failed"] = True
    return out


def warning_messages(result):
    """Warnings of a module result: plain strings, or (ansible-core 2.19 legacy profile) WarningSummary dicts."""
    messages = []
    for warning in result.get("warnings", []):
        if isinstance(warning, dict):
            warning = (warning.get("event") or {}).get("msg") or warning.get("msg") or ""
        messages.append(warning)
    return messages


def gateways_args(cloud, **extra):
    args = {
        "vpc_id": cloud["vpc_id"],
        "gateways": [
            {"name": "test-nat-a", "subnet_id": cloud["subnets"][0]},
            {"name": "test-nat-b", "subnet_id": cloud["subnets"][1]},
        ],
        "tags": {"Environment": "test"},
    }
    args.update(extra)
    return args


def tags_of(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def live_nats(ec2, vpc_id):
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    return [n for n in nats if n["State"] in ("pending", "available")]


def keyed_eips(ec2):
    return ec2.describe_addresses(Filters=[{"Name": "tag-key", "Values": [KEY_TAG]}])["Addresses"]


def foreign_nat(ec2, subnet_id, tags):
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    spec = [{"ResourceType": "natgateway", "Tags": tags}] if tags else []
    return ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id, TagSpecifications=spec)["NatGateway"]


def test_create_is_idempotent_and_park_unpark_keeps_addresses(cloud, capsys):
    ec2, calls = cloud["ec2"], cloud["calls"]

    first = run_module(capsys, gateways_args(cloud, wait=True))
    assert not first.get("failed"), first
    assert first["changed"] is True
    assert sorted(writes(calls)) == ["AllocateAddress", "AllocateAddress", "CreateNatGateway", "CreateNatGateway"]
    assert [g["name"] for g in first["gateways"]] == ["test-nat-a", "test-nat-b"]
    assert all(g["changed"] and g["state"] == "available" for g in first["gateways"])
    assert [g["subnet_id"] for g in first["gateways"]] == cloud["subnets"]

    nats = {tags_of(n)[KEY_TAG]: n for n in live_nats(ec2, cloud["vpc_id"])}
    eips = {tags_of(a)[KEY_TAG]: a for a in keyed_eips(ec2)}
    assert sorted(nats) == sorted(eips) == ["test-nat-a", "test-nat-b"]
    for gateway in first["gateways"]:
        nat, eip = nats[gateway["name"]], eips[gateway["name"]]
        assert nat["NatGatewayId"] == gateway["nat_gateway_id"]
        assert nat["NatGatewayAddresses"][0]["AllocationId"] == eip["AllocationId"] == gateway["allocation_id"]
        assert eip["PublicIp"] == gateway["public_ip"]
        assert tags_of(nat) == {
            "Name": gateway["name"],
            KEY_TAG: gateway["name"],
            "Environment": "test",
            MANAGED["Key"]: MANAGED["Value"],
        }
        assert tags_of(eip)["Name"] == gateway["name"] + "-eip"
        assert tags_of(eip)[MANAGED["Key"]] == MANAGED["Value"]
    assert [e["allocation_id"] for e in first["eips"]] == [g["allocation_id"] for g in first["gateways"]]
    assert all(e["associated"] for e in first["eips"])
    assert first["diff"]["before"]["test-nat-a"]["state"] == "absent"
    assert first["diff"]["after"]["test-nat-a"]["allocation_id"] == eips["test-nat-a"]["AllocationId"]

    # Second run: nothing to do, and no write call at all.
    del calls[:]
    second = run_module(capsys, gateways_args(cloud, wait=True))
    assert second["changed"] is False
    assert calls, "the before-call hook must see the describe calls"
    assert writes(calls) == []
    assert sorted(calls) == ["DescribeAddresses", "DescribeNatGateways"]
    assert second["gateways"] == [dict(g, changed=False) for g in first["gateways"]]
    assert second["diff"]["before"] == second["diff"]["after"]

    # Park: NAT gateways deleted, Elastic IPs kept (and still tagged).
    del calls[:]
    parked = run_module(capsys, gateways_args(cloud, state="absent", wait=True))
    assert parked["changed"] is True
    assert sorted(writes(calls)) == ["DeleteNatGateway", "DeleteNatGateway"]
    assert sorted(parked["deleted"]) == sorted(g["nat_gateway_id"] for g in first["gateways"])
    assert parked["released"] == []
    assert live_nats(ec2, cloud["vpc_id"]) == []
    assert sorted((a["AllocationId"], a["PublicIp"]) for a in keyed_eips(ec2)) == sorted(
        (g["allocation_id"], g["public_ip"]) for g in first["gateways"]
    )
    assert [g["state"] for g in parked["gateways"]] == ["deleted", "deleted"]
    assert [e["associated"] for e in parked["eips"]] == [False, False]
    assert parked["diff"]["after"]["test-nat-a"]["state"] == "absent"

    del calls[:]
    again = run_module(capsys, gateways_args(cloud, state="absent"))
    assert again["changed"] is False
    assert writes(calls) == []

    # Unpark: recreated with the same Elastic IPs.
    del calls[:]
    unparked = run_module(capsys, gateways_args(cloud))
    assert unparked["changed"] is True
    assert sorted(writes(calls)) == ["CreateNatGateway", "CreateNatGateway"]
    for before, after in zip(first["gateways"], unparked["gateways"]):
        assert after["nat_gateway_id"] != before["nat_gateway_id"]
        assert (after["allocation_id"], after["public_ip"]) == (before["allocation_id"], before["public_ip"])
    nats = {tags_of(n)[KEY_TAG]: n for n in live_nats(ec2, cloud["vpc_id"])}
    assert {k: n["NatGatewayAddresses"][0]["AllocationId"] for k, n in nats.items()} == {
        g["name"]: g["allocation_id"] for g in first["gateways"]
    }
    assert len(keyed_eips(ec2)) == 2


def test_check_mode_on_empty_vpc_predicts_and_writes_nothing(cloud, capsys):
    ec2, calls = cloud["ec2"], cloud["calls"]
    result = run_module(capsys, gateways_args(cloud), check_mode=True)
    assert result["changed"] is True
    assert writes(calls) == []
    assert live_nats(ec2, cloud["vpc_id"]) == []
    assert keyed_eips(ec2) == []
    assert [(g["name"], g["nat_gateway_id"], g["allocation_id"], g["subnet_id"]) for g in result["gateways"]] == [
        ("test-nat-a", None, None, cloud["subnets"][0]),
        ("test-nat-b", None, None, cloud["subnets"][1]),
    ]
    assert all(g["changed"] and g["state"] == "pending" for g in result["gateways"])
    assert [(e["name"], e["allocation_id"]) for e in result["eips"]] == [("test-nat-a", None), ("test-nat-b", None)]
    assert result["diff"]["before"]["test-nat-b"]["state"] == "absent"
    assert result["diff"]["after"]["test-nat-b"] == {
        "subnet_id": cloud["subnets"][1],
        "nat_gateway_id": None,
        "allocation_id": None,
        "public_ip": None,
        "state": "pending",
    }


def test_check_mode_park_predicts_and_writes_nothing(cloud, capsys):
    ec2, calls = cloud["ec2"], cloud["calls"]
    created = run_module(capsys, gateways_args(cloud))
    del calls[:]
    result = run_module(capsys, gateways_args(cloud, state="absent", release_eips=True), check_mode=True)
    assert result["changed"] is True
    assert writes(calls) == []
    assert sorted(result["deleted"]) == sorted(g["nat_gateway_id"] for g in created["gateways"])
    assert sorted(result["released"]) == sorted(g["allocation_id"] for g in created["gateways"])
    assert len(live_nats(ec2, cloud["vpc_id"])) == 2
    assert len(keyed_eips(ec2)) == 2


def test_purge_removes_managed_undeclared_but_never_foreign(cloud, capsys):
    ec2, calls = cloud["ec2"], cloud["calls"]
    subnet = cloud["subnets"][0]
    old = run_module(capsys, {"vpc_id": cloud["vpc_id"], "gateways": [{"name": "test-nat-old", "subnet_id": subnet}]})
    old_nat = old["gateways"][0]["nat_gateway_id"]
    foreign_keyed = foreign_nat(ec2, subnet, [{"Key": KEY_TAG, "Value": "someone-else"}])["NatGatewayId"]
    foreign_plain = foreign_nat(ec2, subnet, [])["NatGatewayId"]

    del calls[:]
    args = {"vpc_id": cloud["vpc_id"], "gateways": [{"name": "test-nat-a", "subnet_id": subnet}], "purge": True}
    result = run_module(capsys, args)
    assert result["changed"] is True
    assert result["deleted"] == [old_nat]
    assert sorted(writes(calls)) == ["AllocateAddress", "CreateNatGateway", "DeleteNatGateway"]
    live = {n["NatGatewayId"] for n in live_nats(ec2, cloud["vpc_id"])}
    assert live == {foreign_keyed, foreign_plain, result["gateways"][0]["nat_gateway_id"]}
    assert sorted(tags_of(a)[KEY_TAG] for a in keyed_eips(ec2)) == ["test-nat-a", "test-nat-old"]
    assert result["diff"]["before"]["test-nat-old"]["state"] == "available"
    assert result["diff"]["after"]["test-nat-old"]["state"] == "absent"

    del calls[:]
    assert run_module(capsys, args)["changed"] is False
    assert writes(calls) == []


def test_release_eips(cloud, capsys):
    ec2, calls = cloud["ec2"], cloud["calls"]
    created = run_module(capsys, gateways_args(cloud))
    del calls[:]
    result = run_module(capsys, gateways_args(cloud, state="absent", release_eips=True))
    assert result["changed"] is True
    assert sorted(writes(calls)) == ["DeleteNatGateway", "DeleteNatGateway", "ReleaseAddress", "ReleaseAddress"]
    assert sorted(result["released"]) == sorted(g["allocation_id"] for g in created["gateways"])
    assert result["eips"] == []
    assert all(g["allocation_id"] is None for g in result["gateways"])
    assert keyed_eips(ec2) == []
    assert live_nats(ec2, cloud["vpc_id"]) == []


def test_tags_are_updated_without_recreating(cloud, capsys):
    ec2, calls = cloud["ec2"], cloud["calls"]
    created = run_module(capsys, gateways_args(cloud))
    del calls[:]
    result = run_module(capsys, gateways_args(cloud, tags={"Environment": "prod"}))
    assert result["changed"] is True
    assert sorted(writes(calls)) == ["CreateTags"] * 4
    assert [g["nat_gateway_id"] for g in result["gateways"]] == [g["nat_gateway_id"] for g in created["gateways"]]
    assert {tags_of(a)["Environment"] for a in keyed_eips(ec2)} == {"prod"}


def test_nat_with_other_eip_is_reported_not_churned(cloud, capsys):
    ec2, calls = cloud["ec2"], cloud["calls"]
    subnet = cloud["subnets"][0]
    args = {"vpc_id": cloud["vpc_id"], "gateways": [{"name": "test-nat-a", "subnet_id": subnet}]}
    created = run_module(capsys, args)
    nat_id = created["gateways"][0]["nat_gateway_id"]
    # Someone tags another address for the key.
    other = ec2.allocate_address(
        Domain="vpc",
        TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [{"Key": KEY_TAG, "Value": "test-nat-a"}]}],
    )
    ec2.delete_tags(Resources=[created["gateways"][0]["allocation_id"]], Tags=[{"Key": KEY_TAG}])

    del calls[:]
    result = run_module(capsys, args)
    assert not result.get("failed"), result
    assert "CreateNatGateway" not in calls and "DeleteNatGateway" not in calls
    assert result["gateways"][0]["nat_gateway_id"] == nat_id
    assert result["gateways"][0]["allocation_id"] == created["gateways"][0]["allocation_id"]
    assert result["eips"][0]["allocation_id"] == other["AllocationId"]
    assert result["eips"][0]["associated"] is False
    assert any("not the Elastic IP tagged" in w for w in warning_messages(result)), result


def test_wait_timeout_fails_with_nat_id_and_state(cloud, capsys, monkeypatch):
    monkeypatch.setattr(nat_gateways, "WAIT_DELAY", 0)
    # Make the NAT gateways look stuck in "pending".
    original_init = NatGateway.__init__

    def pending_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.state = "pending"

    monkeypatch.setattr(NatGateway, "__init__", pending_init)
    result = run_module(capsys, gateways_args(cloud, wait=True, wait_timeout=0))
    assert result["failed"] is True
    assert "waiting for NAT gateway nat-" in result["msg"]
    assert "(state: pending)" in result["msg"]
    assert result["nat_gateway_state"] == "pending"


def test_duplicate_names_fail(cloud, capsys):
    subnet = cloud["subnets"][0]
    args = {
        "vpc_id": cloud["vpc_id"],
        "gateways": [{"name": "dup", "subnet_id": subnet}, {"name": "dup", "subnet_id": subnet}],
    }
    result = run_module(capsys, args)
    assert result["failed"] is True
    assert "dup" in result["msg"]
    assert writes(cloud["calls"]) == []


@pytest.fixture
def slow_nat_delete(monkeypatch):
    """Make moto behave like AWS during a NAT gateway deletion: ``deleting`` (EIP still associated)
    first, then ``deleted`` (EIP disassociated) once it has been polled by NAT gateway id."""
    real_delete = NatGatewayBackend.delete_nat_gateway  # already AWS-like (see aws_like_nat_delete)
    real_describe = NatGatewayBackend.describe_nat_gateways

    def delete_nat_gateway(self, nat_gateway_id):
        nat = self.nat_gateways[nat_gateway_id]
        nat.state = "deleting"
        return nat

    def describe_nat_gateways(self, filters, nat_gateway_ids):
        if filters and filters.get("nat-gateway-id"):
            for nat_id in filters["nat-gateway-id"]:
                if self.nat_gateways[nat_id].state == "deleting":
                    real_delete(self, nat_id)
        return real_describe(self, filters, nat_gateway_ids)

    monkeypatch.setattr(NatGatewayBackend, "delete_nat_gateway", delete_nat_gateway)
    monkeypatch.setattr(NatGatewayBackend, "describe_nat_gateways", describe_nat_gateways)


def test_unpark_while_old_nat_is_deleting(cloud, slow_nat_delete, capsys, monkeypatch):
    monkeypatch.setattr(nat_gateways, "WAIT_DELAY", 0)
    ec2, calls = cloud["ec2"], cloud["calls"]
    args = {"vpc_id": cloud["vpc_id"], "gateways": [{"name": "test-nat-a", "subnet_id": cloud["subnets"][0]}]}
    created = run_module(capsys, args)
    parked = run_module(capsys, dict(args, state="absent"))
    assert parked["gateways"][0]["state"] == "deleting"
    old_nat = parked["deleted"][0]
    assert ec2.describe_nat_gateways(NatGatewayIds=[old_nat])["NatGateways"][0]["State"] == "deleting"

    del calls[:]
    refused = run_module(capsys, args)
    assert refused["failed"] is True
    assert old_nat in refused["msg"] and "retry" in refused["msg"] and "wait=true" in refused["msg"]
    assert writes(calls) == []

    unparked = run_module(capsys, dict(args, wait=True))
    assert not unparked.get("failed"), unparked
    assert unparked["changed"] is True
    assert unparked["gateways"][0]["allocation_id"] == created["gateways"][0]["allocation_id"]
    assert unparked["gateways"][0]["public_ip"] == created["gateways"][0]["public_ip"]
    assert unparked["gateways"][0]["state"] == "available"
