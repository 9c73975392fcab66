# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drive ``rocketclub.platform.nat_gateways`` in-process against moto."""

from __future__ import annotations

import pytest
from moto.ec2.models.nat_gateways import NatGateway  # noqa: E402
from moto.ec2.models.nat_gateways import NatGatewayBackend  # noqa: E402

from ansible_collections.rocketclub.platform.plugins.modules import nat_gateways  # noqa: E402

REGION = "eu-west-2"
KEY_TAG = "platform:nat-key"
MANAGED = {"Key": "platform:managed-by", "Value": "rocketclub.platform"}


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
def cloud(ec2, aws_like_nat_delete, api_calls):
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("ab")
    ]
    api_calls.clear()
    return {"ec2": ec2, "vpc_id": vpc_id, "subnets": subnets, "calls": api_calls}


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


def test_create_is_idempotent_and_park_unpark_keeps_addresses(cloud, run_module):
    ec2, calls = cloud["ec2"], cloud["calls"]

    first = run_module(nat_gateways.main, gateways_args(cloud, wait=True), diff=True).result
    assert not first.get("failed"), first
    assert first["changed"] is True
    assert sorted(calls.writes("ec2")) == ["AllocateAddress", "AllocateAddress", "CreateNatGateway", "CreateNatGateway"]
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
    calls.clear()
    second = run_module(nat_gateways.main, gateways_args(cloud, wait=True), diff=True).result
    assert second["changed"] is False
    assert calls.operations("ec2"), "the call recorder must see the describe calls"
    assert calls.writes("ec2") == []
    assert sorted(calls.operations("ec2")) == ["DescribeAddresses", "DescribeNatGateways"]
    assert second["gateways"] == [dict(g, changed=False) for g in first["gateways"]]
    assert second["diff"]["before"] == second["diff"]["after"]

    # Park: NAT gateways deleted, Elastic IPs kept (and still tagged).
    calls.clear()
    parked = run_module(nat_gateways.main, gateways_args(cloud, state="absent", wait=True), diff=True).result
    assert parked["changed"] is True
    assert sorted(calls.writes("ec2")) == ["DeleteNatGateway", "DeleteNatGateway"]
    assert sorted(parked["deleted"]) == sorted(g["nat_gateway_id"] for g in first["gateways"])
    assert parked["released"] == []
    assert live_nats(ec2, cloud["vpc_id"]) == []
    assert sorted((a["AllocationId"], a["PublicIp"]) for a in keyed_eips(ec2)) == sorted(
        (g["allocation_id"], g["public_ip"]) for g in first["gateways"]
    )
    assert [g["state"] for g in parked["gateways"]] == ["deleted", "deleted"]
    assert [e["associated"] for e in parked["eips"]] == [False, False]
    assert parked["diff"]["after"]["test-nat-a"]["state"] == "absent"

    calls.clear()
    again = run_module(nat_gateways.main, gateways_args(cloud, state="absent"), diff=True).result
    assert again["changed"] is False
    assert calls.writes("ec2") == []

    # Unpark: recreated with the same Elastic IPs.
    calls.clear()
    unparked = run_module(nat_gateways.main, gateways_args(cloud), diff=True).result
    assert unparked["changed"] is True
    assert sorted(calls.writes("ec2")) == ["CreateNatGateway", "CreateNatGateway"]
    for before, after in zip(first["gateways"], unparked["gateways"]):
        assert after["nat_gateway_id"] != before["nat_gateway_id"]
        assert (after["allocation_id"], after["public_ip"]) == (before["allocation_id"], before["public_ip"])
    nats = {tags_of(n)[KEY_TAG]: n for n in live_nats(ec2, cloud["vpc_id"])}
    assert {k: n["NatGatewayAddresses"][0]["AllocationId"] for k, n in nats.items()} == {
        g["name"]: g["allocation_id"] for g in first["gateways"]
    }
    assert len(keyed_eips(ec2)) == 2


def test_check_mode_on_empty_vpc_predicts_and_writes_nothing(cloud, run_module):
    ec2, calls = cloud["ec2"], cloud["calls"]
    result = run_module(nat_gateways.main, gateways_args(cloud), check_mode=True, diff=True).result
    assert result["changed"] is True
    assert calls.writes("ec2") == []
    assert live_nats(ec2, cloud["vpc_id"]) == []
    assert keyed_eips(ec2) == []
    # What would be created carries check-mode placeholders, for the tasks that follow.
    assert [(g["name"], g["nat_gateway_id"], g["allocation_id"], g["subnet_id"]) for g in result["gateways"]] == [
        ("test-nat-a", "pending:nat-gateway/test-nat-a", "pending:elastic-ip/test-nat-a-eip", cloud["subnets"][0]),
        ("test-nat-b", "pending:nat-gateway/test-nat-b", "pending:elastic-ip/test-nat-b-eip", cloud["subnets"][1]),
    ]
    assert all(g["changed"] and g["state"] == "pending" for g in result["gateways"])
    assert [(e["name"], e["allocation_id"]) for e in result["eips"]] == [
        ("test-nat-a", "pending:elastic-ip/test-nat-a-eip"),
        ("test-nat-b", "pending:elastic-ip/test-nat-b-eip"),
    ]
    assert result["diff"]["before"]["test-nat-b"]["state"] == "absent"
    assert result["diff"]["after"]["test-nat-b"] == {
        "subnet_id": cloud["subnets"][1],
        "nat_gateway_id": "pending:nat-gateway/test-nat-b",
        "allocation_id": "pending:elastic-ip/test-nat-b-eip",
        "public_ip": "pending:public-ip/test-nat-b",
        "state": "pending",
    }


def test_check_mode_with_pending_vpc_and_subnets_reads_no_nat_gateway(cloud, run_module):
    calls = cloud["calls"]
    args = {
        "vpc_id": "pending:vpc/test",
        "gateways": [{"name": "test-nat-a", "subnet_id": "pending:subnet/test-public-a"}],
        "purge": True,
    }
    result = run_module(nat_gateways.main, args, check_mode=True, diff=True).result
    assert result["changed"] is True, result
    # The Elastic IPs are regional and read (a kept one would be reused); the placeholder VPC is not.
    assert calls.operations("ec2") == ["DescribeAddresses"]
    (gateway,) = result["gateways"]
    assert gateway["nat_gateway_id"] == "pending:nat-gateway/test-nat-a"
    assert gateway["subnet_id"] == "pending:subnet/test-public-a"
    assert gateway["public_ip"] == "pending:public-ip/test-nat-a"

    # A real run refuses the placeholders before any call.
    calls.clear()
    run = run_module(nat_gateways.main, args)
    assert run.rc == 1 and "check-mode placeholder" in run.result["msg"]
    assert calls == []


def test_check_mode_park_predicts_and_writes_nothing(cloud, run_module):
    ec2, calls = cloud["ec2"], cloud["calls"]
    created = run_module(nat_gateways.main, gateways_args(cloud), diff=True).result
    calls.clear()
    args = gateways_args(cloud, state="absent", release_eips=True)
    result = run_module(nat_gateways.main, args, check_mode=True, diff=True).result
    assert result["changed"] is True
    assert calls.writes("ec2") == []
    assert sorted(result["deleted"]) == sorted(g["nat_gateway_id"] for g in created["gateways"])
    assert sorted(result["released"]) == sorted(g["allocation_id"] for g in created["gateways"])
    assert len(live_nats(ec2, cloud["vpc_id"])) == 2
    assert len(keyed_eips(ec2)) == 2


def test_purge_removes_managed_undeclared_but_never_foreign(cloud, run_module):
    ec2, calls = cloud["ec2"], cloud["calls"]
    subnet = cloud["subnets"][0]
    old_args = {"vpc_id": cloud["vpc_id"], "gateways": [{"name": "test-nat-old", "subnet_id": subnet}]}
    old = run_module(nat_gateways.main, old_args, diff=True).result
    old_nat = old["gateways"][0]["nat_gateway_id"]
    foreign_keyed = foreign_nat(ec2, subnet, [{"Key": KEY_TAG, "Value": "someone-else"}])["NatGatewayId"]
    foreign_plain = foreign_nat(ec2, subnet, [])["NatGatewayId"]

    calls.clear()
    args = {"vpc_id": cloud["vpc_id"], "gateways": [{"name": "test-nat-a", "subnet_id": subnet}], "purge": True}
    result = run_module(nat_gateways.main, args, diff=True).result
    assert result["changed"] is True
    assert result["deleted"] == [old_nat]
    assert sorted(calls.writes("ec2")) == ["AllocateAddress", "CreateNatGateway", "DeleteNatGateway"]
    live = {n["NatGatewayId"] for n in live_nats(ec2, cloud["vpc_id"])}
    assert live == {foreign_keyed, foreign_plain, result["gateways"][0]["nat_gateway_id"]}
    assert sorted(tags_of(a)[KEY_TAG] for a in keyed_eips(ec2)) == ["test-nat-a", "test-nat-old"]
    assert result["diff"]["before"]["test-nat-old"]["state"] == "available"
    assert result["diff"]["after"]["test-nat-old"]["state"] == "absent"

    calls.clear()
    assert run_module(nat_gateways.main, args, diff=True).result["changed"] is False
    assert calls.writes("ec2") == []


def test_release_eips(cloud, run_module):
    ec2, calls = cloud["ec2"], cloud["calls"]
    created = run_module(nat_gateways.main, gateways_args(cloud), diff=True).result
    calls.clear()
    result = run_module(nat_gateways.main, gateways_args(cloud, state="absent", release_eips=True), diff=True).result
    assert result["changed"] is True
    assert sorted(calls.writes("ec2")) == ["DeleteNatGateway", "DeleteNatGateway", "ReleaseAddress", "ReleaseAddress"]
    assert sorted(result["released"]) == sorted(g["allocation_id"] for g in created["gateways"])
    assert result["eips"] == []
    assert all(g["allocation_id"] is None for g in result["gateways"])
    assert keyed_eips(ec2) == []
    assert live_nats(ec2, cloud["vpc_id"]) == []


def test_tags_are_updated_without_recreating(cloud, run_module):
    ec2, calls = cloud["ec2"], cloud["calls"]
    created = run_module(nat_gateways.main, gateways_args(cloud), diff=True).result
    calls.clear()
    result = run_module(nat_gateways.main, gateways_args(cloud, tags={"Environment": "prod"}), diff=True).result
    assert result["changed"] is True
    assert sorted(calls.writes("ec2")) == ["CreateTags"] * 4
    assert [g["nat_gateway_id"] for g in result["gateways"]] == [g["nat_gateway_id"] for g in created["gateways"]]
    assert {tags_of(a)["Environment"] for a in keyed_eips(ec2)} == {"prod"}


def test_nat_with_other_eip_is_reported_not_churned(cloud, run_module):
    ec2, calls = cloud["ec2"], cloud["calls"]
    subnet = cloud["subnets"][0]
    args = {"vpc_id": cloud["vpc_id"], "gateways": [{"name": "test-nat-a", "subnet_id": subnet}]}
    created = run_module(nat_gateways.main, args, diff=True).result
    nat_id = created["gateways"][0]["nat_gateway_id"]
    # Someone tags another address for the key.
    other = ec2.allocate_address(
        Domain="vpc",
        TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [{"Key": KEY_TAG, "Value": "test-nat-a"}]}],
    )
    ec2.delete_tags(Resources=[created["gateways"][0]["allocation_id"]], Tags=[{"Key": KEY_TAG}])

    calls.clear()
    run = run_module(nat_gateways.main, args, diff=True)
    result = run.result
    assert not result.get("failed"), result
    operations = calls.operations("ec2")
    assert "CreateNatGateway" not in operations and "DeleteNatGateway" not in operations
    assert result["gateways"][0]["nat_gateway_id"] == nat_id
    assert result["gateways"][0]["allocation_id"] == created["gateways"][0]["allocation_id"]
    assert result["eips"][0]["allocation_id"] == other["AllocationId"]
    assert result["eips"][0]["associated"] is False
    assert any("not the Elastic IP tagged" in w for w in run.warnings), result


def test_wait_timeout_fails_with_nat_id_and_state(cloud, run_module, monkeypatch):
    monkeypatch.setattr(nat_gateways, "WAIT_DELAY", 0)
    # Make the NAT gateways look stuck in "pending".
    original_init = NatGateway.__init__

    def pending_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.state = "pending"

    monkeypatch.setattr(NatGateway, "__init__", pending_init)
    result = run_module(nat_gateways.main, gateways_args(cloud, wait=True, wait_timeout=0), diff=True).result
    assert result["failed"] is True
    assert "waiting for NAT gateways nat-" in result["msg"]
    nat_id = result["nat_gateway_id"]
    assert f"(status: {nat_id} pending, nat-" in result["msg"]
    assert result["nat_gateway_state"] == "pending"
    # The sliced-wait contract of the shared core: the last status and its history.
    assert result["wait_timed_out"] is True
    assert result["status"].startswith(f"{nat_id} pending, nat-") and result["status"].endswith(" pending")
    assert result["status_history"] == [{"elapsed": 0, "status": result["status"]}]


def test_duplicate_names_fail(cloud, run_module):
    subnet = cloud["subnets"][0]
    args = {
        "vpc_id": cloud["vpc_id"],
        "gateways": [{"name": "dup", "subnet_id": subnet}, {"name": "dup", "subnet_id": subnet}],
    }
    result = run_module(nat_gateways.main, args, diff=True).result
    assert result["failed"] is True
    assert "dup" in result["msg"]
    assert cloud["calls"].writes("ec2") == []


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


def test_unpark_while_old_nat_is_deleting(cloud, slow_nat_delete, run_module, monkeypatch):
    monkeypatch.setattr(nat_gateways, "WAIT_DELAY", 0)
    ec2, calls = cloud["ec2"], cloud["calls"]
    args = {"vpc_id": cloud["vpc_id"], "gateways": [{"name": "test-nat-a", "subnet_id": cloud["subnets"][0]}]}
    created = run_module(nat_gateways.main, args, diff=True).result
    parked = run_module(nat_gateways.main, dict(args, state="absent"), diff=True).result
    assert parked["gateways"][0]["state"] == "deleting"
    old_nat = parked["deleted"][0]
    assert ec2.describe_nat_gateways(NatGatewayIds=[old_nat])["NatGateways"][0]["State"] == "deleting"

    calls.clear()
    refused = run_module(nat_gateways.main, args, diff=True).result
    assert refused["failed"] is True
    assert old_nat in refused["msg"] and "retry" in refused["msg"] and "wait=true" in refused["msg"]
    assert calls.writes("ec2") == []

    unparked = run_module(nat_gateways.main, dict(args, wait=True), diff=True).result
    assert not unparked.get("failed"), unparked
    assert unparked["changed"] is True
    assert unparked["gateways"][0]["allocation_id"] == created["gateways"][0]["allocation_id"]
    assert unparked["gateways"][0]["public_ip"] == created["gateways"][0]["public_ip"]
    assert unparked["gateways"][0]["state"] == "available"


@pytest.mark.parametrize("check_mode", [False, True])
def test_parked_creates_nothing_and_reports_what_it_finds(cloud, run_module, check_mode):
    ec2, calls = cloud["ec2"], cloud["calls"]

    # A parked environment whose gateways park deleted: nothing is created, the kept addresses are reported.
    created = run_module(nat_gateways.main, gateways_args(cloud, wait=True)).result
    run_module(nat_gateways.main, gateways_args(cloud, state="absent", wait=True))
    calls.clear()
    run = run_module(nat_gateways.main, gateways_args(cloud, parked=True), check_mode=check_mode, diff=True)
    parked = run.result
    assert run.rc == 0, parked
    assert parked["changed"] is False and parked["parked"] is True
    assert calls.writes("ec2") == []
    assert sorted(calls.operations("ec2")) == ["DescribeAddresses", "DescribeNatGateways"]
    assert live_nats(ec2, cloud["vpc_id"]) == []
    # The same result keys as a normal run, so the role needs no second read.
    assert set(parked) - {"invocation"} == set(created) - {"invocation"}
    assert [(g["name"], g["nat_gateway_id"], g["state"], g["subnet_id"], g["changed"]) for g in parked["gateways"]] == [
        ("test-nat-a", None, "absent", cloud["subnets"][0], False),
        ("test-nat-b", None, "absent", cloud["subnets"][1], False),
    ]
    assert [(e["allocation_id"], e["public_ip"], e["associated"]) for e in parked["eips"]] == [
        (g["allocation_id"], g["public_ip"], False) for g in created["gateways"]
    ]
    assert parked["deleted"] == [] and parked["released"] == []
    assert parked["diff"]["before"] == parked["diff"]["after"]


def test_parked_changes_nothing_of_live_gateways(cloud, run_module):
    ec2, calls = cloud["ec2"], cloud["calls"]
    subnet = cloud["subnets"][0]
    old_args = {"vpc_id": cloud["vpc_id"], "gateways": [{"name": "test-nat-old", "subnet_id": subnet}]}
    old_nat = run_module(nat_gateways.main, old_args).result["gateways"][0]["nat_gateway_id"]
    created = run_module(nat_gateways.main, gateways_args(cloud)).result

    # Other tags, purge and release_eips would all write: parked, none of it happens.
    calls.clear()
    args = gateways_args(cloud, parked=True, purge=True, release_eips=True, tags={"Environment": "prod"})
    parked = run_module(nat_gateways.main, args, diff=True).result
    assert parked["changed"] is False and parked["parked"] is True
    assert calls.writes("ec2") == []
    assert parked["gateways"] == [dict(g, changed=False) for g in created["gateways"]]
    assert all(e["associated"] for e in parked["eips"])
    assert old_nat in {n["NatGatewayId"] for n in live_nats(ec2, cloud["vpc_id"])}

    # Not parked, the same arguments would: the option is what stops it.
    calls.clear()
    result = run_module(nat_gateways.main, dict(args, parked=False), check_mode=True).result
    assert result["changed"] is True and result["parked"] is False
    assert result["deleted"] == [old_nat]


def test_parked_on_an_empty_vpc_reports_no_gateway(cloud, run_module):
    calls = cloud["calls"]
    result = run_module(nat_gateways.main, gateways_args(cloud, parked=True), diff=True).result
    assert result["changed"] is False and result["parked"] is True
    assert calls.writes("ec2") == []
    assert [(g["nat_gateway_id"], g["allocation_id"], g["state"]) for g in result["gateways"]] == [
        (None, None, "absent"),
        (None, None, "absent"),
    ]
    assert result["eips"] == []
