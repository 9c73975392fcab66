# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Table-driven tests of the NAT gateway planning logic (no AWS involved)."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import nat

MANAGED = {"platform:managed-by": "rocketclub.platform"}
SUBNET_A = "subnet-a"
SUBNET_B = "subnet-b"


def tag_list(tags):
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def nat_gw(nat_id, key=None, subnet=SUBNET_A, state="available", alloc=None, managed=True, extra_tags=None):
    tags = {}
    if key is not None:
        tags.update(nat.key_tags(key, {}, MANAGED if managed else {}))
        if not managed:
            tags.pop("platform:managed-by", None)
    tags.update(extra_tags or {})
    addresses = [{"AllocationId": alloc, "PublicIp": f"198.51.100.{alloc[-1]}"}] if alloc else []
    return {
        "NatGatewayId": nat_id,
        "SubnetId": subnet,
        "VpcId": "vpc-1",
        "State": state,
        "NatGatewayAddresses": addresses,
        "Tags": tag_list(tags),
    }


def eip(alloc, key, associated=False, extra_tags=None, eni="eni-nat"):
    tags = nat.key_tags(key, {}, MANAGED, eip=True)
    tags.update(extra_tags or {})
    address = {"AllocationId": alloc, "PublicIp": f"198.51.100.{alloc[-1]}", "Domain": "vpc", "Tags": tag_list(tags)}
    if associated:
        address["AssociationId"] = f"eipassoc-{alloc[-1]}"
        address["NetworkInterfaceId"] = eni
    return address


GW_A = {"name": "nat-a", "subnet_id": SUBNET_A}
GW_B = {"name": "nat-b", "subnet_id": SUBNET_B}


def summary(plan):
    """Compact view of a plan: name -> (nat_action, delete_ids, eip_action, blocked_by)."""
    return {kp["name"]: (kp["nat_action"], kp["delete_ids"], kp["eip_action"], kp["blocked_by"]) for kp in plan["keys"]}


PLAN_CASES = [
    pytest.param(
        dict(nats=[], addresses=[], gateways=[GW_A, GW_B]),
        {"nat-a": ("create", [], "allocate", []), "nat-b": ("create", [], "allocate", [])},
        [],
        [],
        id="empty-vpc-creates-and-allocates",
    ),
    pytest.param(
        dict(nats=[], addresses=[eip("eipalloc-1", "nat-a")], gateways=[GW_A]),
        {"nat-a": ("create", [], None, [])},
        [],
        [],
        id="parked-key-reuses-its-eip",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-1", "nat-a", alloc="eipalloc-1")],
            addresses=[eip("eipalloc-1", "nat-a", True)],
            gateways=[GW_A],
        ),
        {"nat-a": (None, [], None, [])},
        [],
        [],
        id="in-place-nothing-to-do",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-1", "nat-a", state="pending", alloc="eipalloc-1")],
            addresses=[eip("eipalloc-1", "nat-a", True)],
            gateways=[GW_A],
        ),
        {"nat-a": (None, [], None, [])},
        [],
        [],
        id="pending-counts-as-existing",
    ),
    pytest.param(
        dict(
            nats=[
                nat_gw("nat-0", "nat-a", state="deleted", alloc="eipalloc-1"),
                nat_gw("nat-9", "nat-a", state="failed"),
            ],
            addresses=[eip("eipalloc-1", "nat-a")],
            gateways=[GW_A],
        ),
        {"nat-a": ("create", [], None, [])},
        [],
        [],
        id="deleted-and-failed-are-ignored",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-0", "nat-a", state="deleting", alloc="eipalloc-1")],
            addresses=[eip("eipalloc-1", "nat-a", associated=True)],
            gateways=[GW_A],
            wait=True,
        ),
        {"nat-a": ("create", [], None, ["nat-0"])},
        [],
        [],
        id="deleting-holds-eip-with-wait-waits",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-0", "nat-a", state="deleting", alloc="eipalloc-1")],
            addresses=[eip("eipalloc-1", "nat-a", associated=True)],
            gateways=[GW_A],
            wait=False,
        ),
        {"nat-a": ("create", [], None, ["nat-0"])},
        [],
        ["still associated with NAT gateway nat-0 which is being deleted; retry once it is deleted or set wait=true"],
        id="deleting-holds-eip-without-wait-fails",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-0", "nat-a", state="deleting", alloc="eipalloc-1")],
            addresses=[eip("eipalloc-1", "nat-a", associated=False)],
            gateways=[GW_A],
        ),
        {"nat-a": ("create", [], None, [])},
        [],
        [],
        id="deleting-already-freed-eip-is-reusable",
    ),
    pytest.param(
        dict(nats=[], addresses=[eip("eipalloc-1", "nat-a", associated=True, eni="eni-other")], gateways=[GW_A]),
        {"nat-a": ("create", [], None, [])},
        [],
        ["is associated with eni-other, not with a NAT gateway of this VPC"],
        id="eip-used-elsewhere-fails",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-1", "nat-a", alloc="eipalloc-7")],
            addresses=[eip("eipalloc-1", "nat-a")],
            gateways=[GW_A],
        ),
        {"nat-a": (None, [], None, [])},
        ["uses Elastic IP eipalloc-7 (198.51.100.7), not the Elastic IP tagged platform:nat-key=nat-a"],
        [],
        id="nat-with-other-eip-is-left-alone",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-1", "nat-a", subnet=SUBNET_B, alloc="eipalloc-1")],
            addresses=[eip("eipalloc-1", "nat-a", True)],
            gateways=[GW_A],
        ),
        {"nat-a": (None, [], None, [])},
        ["is in subnet subnet-b, not the declared subnet-a"],
        [],
        id="nat-in-other-subnet-is-left-alone",
    ),
    pytest.param(
        dict(nats=[nat_gw("nat-1", "nat-a", alloc="eipalloc-5")], addresses=[], gateways=[GW_A]),
        {"nat-a": (None, [], "adopt", [])},
        [],
        [],
        id="untagged-eip-of-existing-nat-is-adopted",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-1", "nat-a", alloc="eipalloc-5")],
            addresses=[eip("eipalloc-5", "nat-z", True)],
            gateways=[GW_A],
        ),
        {"nat-a": (None, [], None, [])},
        ["which is tagged platform:nat-key=nat-z"],
        [],
        id="eip-of-another-key-is-not-adopted",
    ),
    pytest.param(
        dict(nats=[], addresses=[eip("eipalloc-1", "nat-a"), eip("eipalloc-2", "nat-a")], gateways=[GW_A]),
        {"nat-a": ("create", [], None, [])},
        [],
        ["Several Elastic IPs are tagged platform:nat-key=nat-a"],
        id="ambiguous-eips-fail-when-creating",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-1", "nat-a", alloc="eipalloc-2")],
            addresses=[eip("eipalloc-1", "nat-a"), eip("eipalloc-2", "nat-a", True)],
            gateways=[GW_A],
        ),
        {"nat-a": (None, [], None, [])},
        [],
        [],
        id="ambiguous-eips-resolved-by-the-nat",
    ),
    pytest.param(
        dict(nats=[], addresses=[], gateways=[GW_A, dict(GW_A, subnet_id=SUBNET_B)]),
        {"nat-a": ("create", [], "allocate", [])},
        [],
        ["Gateway names must be unique, duplicated: nat-a"],
        id="duplicate-names-fail",
    ),
    # state=absent
    pytest.param(
        dict(
            nats=[nat_gw("nat-1", "nat-a", alloc="eipalloc-1"), nat_gw("nat-2", "nat-b", SUBNET_B, alloc="eipalloc-2")],
            addresses=[eip("eipalloc-1", "nat-a", True), eip("eipalloc-2", "nat-b", True)],
            gateways=[GW_A, GW_B],
            state="absent",
        ),
        {"nat-a": ("delete", ["nat-1"], None, []), "nat-b": ("delete", ["nat-2"], None, [])},
        [],
        [],
        id="park-deletes-nats-keeps-eips",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-1", "nat-a", alloc="eipalloc-1")],
            addresses=[eip("eipalloc-1", "nat-a", True)],
            gateways=[GW_A],
            state="absent",
            release_eips=True,
        ),
        {"nat-a": ("delete", ["nat-1"], "release", ["nat-1"])},
        [],
        [],
        id="release-waits-for-the-deletion",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-0", "nat-a", state="deleting", alloc="eipalloc-1")],
            addresses=[eip("eipalloc-1", "nat-a", True)],
            gateways=[GW_A],
            state="absent",
            release_eips=True,
        ),
        {"nat-a": (None, [], "release", ["nat-0"])},
        [],
        [],
        id="release-waits-for-a-nat-already-deleting",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-0", "nat-a", state="deleting", alloc="eipalloc-1")],
            addresses=[eip("eipalloc-1", "nat-a")],
            gateways=[GW_A],
            state="absent",
        ),
        {"nat-a": (None, [], None, [])},
        [],
        [],
        id="park-again-nothing-to-do",
    ),
    # purge
    pytest.param(
        dict(
            nats=[
                nat_gw("nat-1", "nat-a", alloc="eipalloc-1"),
                nat_gw("nat-old", "nat-old", alloc="eipalloc-3"),
                nat_gw("nat-gone", "nat-gone", state="deleted"),
                nat_gw("nat-foreign", "someone", managed=False),
                nat_gw("nat-untagged"),
            ],
            addresses=[eip("eipalloc-1", "nat-a", True), eip("eipalloc-3", "nat-old", True)],
            gateways=[GW_A],
            purge=True,
        ),
        {"nat-a": (None, [], None, []), "nat-old": ("delete", ["nat-old"], None, [])},
        [],
        [],
        id="purge-only-managed-undeclared",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-old", "nat-old", alloc="eipalloc-3")],
            addresses=[eip("eipalloc-3", "nat-old", True), eip("eipalloc-4", "elsewhere")],
            gateways=[],
            purge=True,
            release_eips=True,
        ),
        {"nat-old": ("delete", ["nat-old"], "release", ["nat-old"])},
        [],
        [],
        id="purge-release-only-eips-of-purged-nats",
    ),
    pytest.param(
        dict(nats=[], addresses=[], gateways=[], purge=True, managed_tag={}),
        {},
        [],
        ["managed_tag must not be empty when purge=true"],
        id="purge-needs-a-managed-tag",
    ),
    pytest.param(
        dict(
            nats=[nat_gw("nat-old", "nat-old", alloc="eipalloc-3")],
            addresses=[],
            gateways=[],
            purge=False,
        ),
        {},
        [],
        [],
        id="no-purge-no-deletion",
    ),
]


@pytest.mark.parametrize("kwargs, expected, warnings, errors", PLAN_CASES)
def test_plan(kwargs, expected, warnings, errors):
    kwargs = dict(kwargs)
    kwargs.setdefault("managed_tag", MANAGED)
    plan = nat.plan_nat_gateways(**kwargs)
    assert summary(plan) == expected
    assert len(plan["warnings"]) == len(warnings)
    for fragment, message in zip(warnings, plan["warnings"]):
        assert fragment in message
    assert len(plan["errors"]) == len(errors)
    for fragment, message in zip(errors, plan["errors"]):
        assert fragment in message


@pytest.mark.parametrize(
    "current, tags, purge_tags, expected",
    [
        pytest.param(None, {}, True, ({"Name": "nat-a", "platform:nat-key": "nat-a", **MANAGED}, []), id="untagged"),
        pytest.param({}, {}, True, ({}, []), id="in-place"),
        pytest.param({"Team": "x"}, {}, True, ({}, ["Team"]), id="purge-extra"),
        pytest.param({"Team": "x"}, {}, False, ({}, []), id="keep-extra"),
        pytest.param({"aws:cloudformation:stack-name": "s"}, {}, True, ({}, []), id="aws-tags-kept"),
        pytest.param({"Env": "dev"}, {"Env": "prod"}, True, ({"Env": "prod"}, []), id="update-value"),
        pytest.param({}, {"Env": "prod"}, True, ({"Env": "prod"}, []), id="add-user-tag"),
    ],
)
def test_retag_plan(current, tags, purge_tags, expected):
    """``current`` is what the resource carries on top of the tags of its key (None: no tag at all)."""
    resource = (
        {"Tags": []} if current is None else {"Tags": tag_list({**nat.key_tags("nat-a", {}, MANAGED), **current})}
    )
    wanted = nat.key_tags("nat-a", tags, MANAGED)
    plan = nat.retag_plan(resource, wanted, purge_tags)
    assert (plan.to_set, plan.to_unset) == expected


def test_key_tag_is_never_unset():
    resource = {"Tags": tag_list({"platform:nat-key": "nat-a"})}
    plan = nat.retag_plan(resource, {"Name": "nat-a"}, True)
    assert (plan.to_set, plan.to_unset) == ({"Name": "nat-a"}, [])
    assert plan.result == {"platform:nat-key": "nat-a", "Name": "nat-a"}


@pytest.mark.parametrize(
    "name, tags, eip_flag, expected",
    [
        ("nat-a", {}, False, {"Name": "nat-a", "platform:nat-key": "nat-a", **MANAGED}),
        ("nat-a", {}, True, {"Name": "nat-a-eip", "platform:nat-key": "nat-a", **MANAGED}),
        (
            "nat-a",
            {"Name": "ignored", "Env": "x"},
            False,
            {"Name": "nat-a", "platform:nat-key": "nat-a", "Env": "x", **MANAGED},
        ),
    ],
)
def test_key_tags(name, tags, eip_flag, expected):
    assert nat.key_tags(name, tags, MANAGED, eip=eip_flag) == expected


def test_existing_tags_get_updated_in_plan():
    nats = [nat_gw("nat-1", "nat-a", alloc="eipalloc-1", extra_tags={"Team": "x"})]
    addresses = [eip("eipalloc-1", "nat-a", True)]
    plan = nat.plan_nat_gateways(nats, addresses, [GW_A], managed_tag=MANAGED, tags={"Env": "prod"})
    kp = plan["keys"][0]
    assert (kp["nat_tags"].to_set, kp["nat_tags"].to_unset) == ({"Env": "prod"}, ["Team"])
    assert (kp["eip_tags"].to_set, kp["eip_tags"].to_unset) == ({"Env": "prod"}, [])
    assert nat.plan_changes(kp) is True
    plan = nat.plan_nat_gateways(nats, addresses, [GW_A], managed_tag=MANAGED, purge_tags=False)
    assert nat.plan_changes(plan["keys"][0]) is False


@pytest.mark.parametrize(
    "nat_desc, eip_desc, expected",
    [
        (
            None,
            None,
            {"subnet_id": None, "nat_gateway_id": None, "allocation_id": None, "public_ip": None, "state": "absent"},
        ),
        (
            None,
            eip("eipalloc-1", "nat-a"),
            {
                "subnet_id": None,
                "nat_gateway_id": None,
                "allocation_id": "eipalloc-1",
                "public_ip": "198.51.100.1",
                "state": "absent",
            },
        ),
        (
            nat_gw("nat-1", "nat-a", alloc="eipalloc-2"),
            eip("eipalloc-1", "nat-a"),
            {
                "subnet_id": SUBNET_A,
                "nat_gateway_id": "nat-1",
                "allocation_id": "eipalloc-2",
                "public_ip": "198.51.100.2",
                "state": "available",
            },
        ),
    ],
)
def test_describe_state(nat_desc, eip_desc, expected):
    assert nat.describe_state(nat_desc, eip_desc) == expected


def test_plan_parked_finds_and_plans_nothing():
    nats = [
        nat_gw("nat-1", "nat-a", subnet=SUBNET_B, alloc="eipalloc-1"),
        nat_gw("nat-2", "nat-a", subnet=SUBNET_A, alloc="eipalloc-2"),
        nat_gw("nat-3", "nat-b", subnet=SUBNET_B, state="deleted", alloc="eipalloc-3"),
        nat_gw("nat-4", "nat-old", alloc="eipalloc-4"),
    ]
    addresses = [eip("eipalloc-2", "nat-a", True), eip("eipalloc-3", "nat-b"), eip("eipalloc-5", "nat-b")]
    plan = nat.plan_parked(nats, addresses, [GW_A, GW_B])
    assert plan["errors"] == [] and plan["warnings"] == []
    a, b = plan["keys"]
    # The live gateway of the key in the declared subnet, its Elastic IP; nothing to do.
    assert (a["name"], a["nat"]["NatGatewayId"], a["eip"]["AllocationId"]) == ("nat-a", "nat-2", "eipalloc-2")
    # Park deleted the gateway of nat-b: none; of two tagged addresses the first (no error while parked).
    assert (b["name"], b["nat"], b["eip"]["AllocationId"]) == ("nat-b", None, "eipalloc-3")
    for kp in plan["keys"]:
        assert not nat.plan_changes(kp) and kp["declared"] and kp["blocked_by"] == []
    # An undeclared key (purge) is neither reported nor planned.
    assert [kp["name"] for kp in plan["keys"]] == ["nat-a", "nat-b"]


def test_plan_parked_refuses_duplicate_names():
    plan = nat.plan_parked([], [], [GW_A, GW_A])
    assert plan["errors"] == ["Gateway names must be unique, duplicated: nat-a"]
