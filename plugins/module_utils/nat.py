# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Planning logic for the ``rocketclub.platform.nat_gateways`` module.

Everything here is pure: it takes what ``DescribeNatGateways`` and ``DescribeAddresses`` returned
(boto3 shapes) plus the module parameters and decides what to do. The module executes the plan.

A gateway is identified by its *key* (the ``name`` option), stored in the ``platform:nat-key`` tag on
both the NAT gateway and its Elastic IP. The EIP outlives the NAT gateway so that the outbound
address stays the same when a parked NAT gateway is recreated. While the platform is parked
(``plan_parked``) nothing is planned: the gateways of the declared keys are only found.
"""

from __future__ import annotations

from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import carries
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags

KEY_TAG = "platform:nat-key"
EIP_NAME_SUFFIX = "-eip"
LIVE_STATES = ("pending", "available")
DELETING_STATES = ("deleting",)

# Values of KeyPlan["nat_action"] / KeyPlan["eip_action"]
CREATE = "create"
DELETE = "delete"
ALLOCATE = "allocate"
ADOPT = "adopt"
RELEASE = "release"


def tags_of(resource):
    """Tags of a boto3 resource description as a dict."""
    return as_dict((resource or {}).get("Tags"))


def nat_key(nat):
    return tags_of(nat).get(KEY_TAG)


def nat_allocation_ids(nat):
    return [a["AllocationId"] for a in (nat or {}).get("NatGatewayAddresses") or [] if a.get("AllocationId")]


def nat_address(nat):
    """(allocation_id, public_ip) of the primary address of a NAT gateway."""
    for address in (nat or {}).get("NatGatewayAddresses") or []:
        if address.get("AllocationId") or address.get("PublicIp"):
            return address.get("AllocationId"), address.get("PublicIp")
    return None, None


def is_live(nat):
    return (nat or {}).get("State") in LIVE_STATES


def key_tags(name, tags, managed_tag, eip=False):
    """Tags a NAT gateway (or, with ``eip=True``, its Elastic IP) of key ``name`` should carry: ``tags``,
    ``managed_tag``, the key tag and ``Name`` (``<name>-eip`` for the Elastic IP)."""
    return desired_tags(tags, managed_tag, {KEY_TAG: name}, name=name + EIP_NAME_SUFFIX if eip else name, managed=False)


def retag_plan(resource, wanted, purge_tags):
    """The core ``TagPlan`` that brings ``resource`` to ``wanted``; it never unsets the key tag."""
    return plan_tags(tags_of(resource), wanted, purge_tags, keep=(KEY_TAG,))


NO_TAG_CHANGE = plan_tags({}, {})


def _eip_label(address):
    return f"{address.get('AllocationId')} ({address.get('PublicIp')})"


def _new_key_plan(name, declared, subnet_id):
    return {
        "name": name,
        "declared": declared,
        "subnet_id": subnet_id,
        # what exists now
        "nat": None,  # the live NAT gateway kept for this key, if any
        "eip": None,  # the Elastic IP tagged for this key, if any
        # what to do
        "nat_action": None,  # CREATE, DELETE or None
        "delete_ids": [],  # NAT gateways to delete
        "nat_tags": NO_TAG_CHANGE,  # TagPlan of the kept NAT gateway
        "nat_desired_tags": {},
        "eip_action": None,  # ALLOCATE, ADOPT, RELEASE or None
        "eip_tags": NO_TAG_CHANGE,  # TagPlan of the existing EIP
        "eip_desired_tags": {},
        "adopt_address": None,  # (allocation_id, public_ip) for ADOPT
        "blocked_by": [],  # deleting NAT gateways still holding the EIP; wait for them first
    }


def _pick_eip(name, candidates, nats, errors, required):
    """Choose the EIP of a key among the addresses tagged with it."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    in_use = [a for a in candidates if any(a["AllocationId"] in nat_allocation_ids(n) for n in nats)]
    if len(in_use) == 1:
        return in_use[0]
    if required:
        errors.append(
            f"Several Elastic IPs are tagged {KEY_TAG}={name}: "
            + ", ".join(_eip_label(a) for a in candidates)
            + f"; remove the {KEY_TAG} tag from all but the one to keep"
        )
    return sorted(candidates, key=lambda a: a["AllocationId"])[0]


def _plan_present_key(
    kp, nats_of_key, all_nats, eip, addresses_by_alloc, tags, managed_tag, purge_tags, wait, warnings, errors
):
    name = kp["name"]
    kp["eip"] = eip
    kp["nat_desired_tags"] = key_tags(name, tags, managed_tag)
    kp["eip_desired_tags"] = key_tags(name, tags, managed_tag, eip=True)

    live = [n for n in nats_of_key if is_live(n)]
    in_subnet = [n for n in live if n.get("SubnetId") == kp["subnet_id"]]

    if live:
        nat = in_subnet[0] if in_subnet else live[0]
        kp["nat"] = nat
        if not in_subnet:
            warnings.append(
                f"NAT gateway {nat['NatGatewayId']} for '{name}' is in subnet {nat.get('SubnetId')}, "
                f"not the declared {kp['subnet_id']}; leaving it unchanged (delete it with state=absent to move it)"
            )
        for extra in live:
            if extra is not nat:
                warnings.append(
                    f"NAT gateway {extra['NatGatewayId']} also carries {KEY_TAG}={name}; leaving it unchanged"
                )
        kp["nat_tags"] = retag_plan(nat, kp["nat_desired_tags"], purge_tags)
        allocation_id, public_ip = nat_address(nat)
        if eip is None:
            owner = addresses_by_alloc.get(allocation_id)
            if allocation_id and owner is None:
                # The NAT gateway holds an untagged address: tag it so it survives park/unpark.
                kp["eip_action"] = ADOPT
                kp["adopt_address"] = (allocation_id, public_ip)
            elif owner is not None:
                warnings.append(
                    f"NAT gateway {nat['NatGatewayId']} for '{name}' uses Elastic IP {_eip_label(owner)} "
                    f"which is tagged {KEY_TAG}={tags_of(owner).get(KEY_TAG)}; leaving it unchanged"
                )
        else:
            kp["eip_tags"] = retag_plan(eip, kp["eip_desired_tags"], purge_tags)
            if eip["AllocationId"] not in nat_allocation_ids(nat):
                warnings.append(
                    f"NAT gateway {nat['NatGatewayId']} for '{name}' uses Elastic IP {allocation_id} ({public_ip}), "
                    f"not the Elastic IP tagged {KEY_TAG}={name} {_eip_label(eip)}; leaving it unchanged"
                )
        return

    kp["nat_action"] = CREATE
    if eip is None:
        kp["eip_action"] = ALLOCATE
        return

    kp["eip_tags"] = retag_plan(eip, kp["eip_desired_tags"], purge_tags)
    if not eip.get("AssociationId"):
        return
    holders = [
        n for n in all_nats if n.get("State") in DELETING_STATES and eip["AllocationId"] in nat_allocation_ids(n)
    ]
    if holders:
        kp["blocked_by"] = [n["NatGatewayId"] for n in holders]
        if not wait:
            errors.append(
                f"Elastic IP {_eip_label(eip)} for '{name}' is still associated with NAT gateway "
                f"{', '.join(kp['blocked_by'])} which is being deleted; retry once it is deleted or set wait=true"
            )
        return
    holder = eip.get("NetworkInterfaceId") or eip.get("InstanceId") or eip.get("AssociationId")
    errors.append(
        f"Elastic IP {_eip_label(eip)} for '{name}' is associated with {holder}, not with a NAT gateway of "
        f"this VPC; refusing to create a NAT gateway with it"
    )


def _plan_removal(kp, nats_of_key, all_nats, eip, release_eips):
    kp["eip"] = eip
    live = [n for n in nats_of_key if is_live(n)]
    kp["delete_ids"] = [n["NatGatewayId"] for n in live]
    if live:
        kp["nat_action"] = DELETE
        kp["nat"] = live[0]
        if kp["subnet_id"] is None:
            kp["subnet_id"] = live[0].get("SubnetId")
    if release_eips and eip is not None:
        kp["eip_action"] = RELEASE
        # Any NAT gateway (being) deleted that still holds the address must be gone before release.
        kp["blocked_by"] = [
            n["NatGatewayId"]
            for n in all_nats
            if eip["AllocationId"] in nat_allocation_ids(n)
            and (n["NatGatewayId"] in kp["delete_ids"] or n.get("State") in DELETING_STATES)
        ]


def duplicate_names(gateways):
    """The error (a list of at most one) for names declared more than once."""
    names = [g["name"] for g in gateways]
    dupes = sorted({n for n in names if names.count(n) > 1})
    return [f"Gateway names must be unique, duplicated: {', '.join(dupes)}"] if dupes else []


def plan_nat_gateways(
    nats,
    addresses,
    gateways,
    state="present",
    purge=False,
    release_eips=False,
    managed_tag=None,
    tags=None,
    purge_tags=True,
    wait=False,
):
    """Decide what to do.

    :param nats: NatGateways of the VPC (any state), as returned by DescribeNatGateways
    :param addresses: Addresses carrying the ``platform:nat-key`` tag, as returned by DescribeAddresses
    :param gateways: the declared gateways, list of ``{"name": ..., "subnet_id": ...}``
    :return: dict with ``keys`` (list of key plans: declared keys in input order, then purged keys),
        ``warnings`` and ``errors`` (lists of str)
    """
    warnings = []
    errors = []
    nats = list(nats or [])
    addresses = list(addresses or [])

    if purge and not managed_tag:
        errors.append("managed_tag must not be empty when purge=true")

    names = [g["name"] for g in gateways]
    errors.extend(duplicate_names(gateways))

    nats_by_key = {}
    for nat in nats:
        key = nat_key(nat)
        if key is not None:
            nats_by_key.setdefault(key, []).append(nat)
    eips_by_key = {}
    addresses_by_alloc = {}
    for address in addresses:
        addresses_by_alloc[address.get("AllocationId")] = address
        key = tags_of(address).get(KEY_TAG)
        if key is not None:
            eips_by_key.setdefault(key, []).append(address)

    key_plans = []
    for gateway in gateways:
        name = gateway["name"]
        if any(kp["name"] == name for kp in key_plans):
            continue
        kp = _new_key_plan(name, True, gateway.get("subnet_id"))
        nats_of_key = nats_by_key.get(name, [])
        needs_eip_choice = state == "present" and not any(is_live(n) for n in nats_of_key)
        needs_eip_choice = needs_eip_choice or (state == "absent" and release_eips)
        eip = _pick_eip(name, eips_by_key.get(name, []), nats_of_key, errors, needs_eip_choice)
        if state == "present":
            _plan_present_key(
                kp, nats_of_key, nats, eip, addresses_by_alloc, tags, managed_tag, purge_tags, wait, warnings, errors
            )
        else:
            _plan_removal(kp, nats_of_key, nats, eip, release_eips)
        key_plans.append(kp)

    if purge:
        declared = set(names)
        for key in sorted(nats_by_key):
            if key in declared:
                continue
            managed_live = [n for n in nats_by_key[key] if is_live(n) and carries(tags_of(n), managed_tag)]
            if not managed_live:
                continue
            kp = _new_key_plan(key, False, None)
            eip = _pick_eip(key, eips_by_key.get(key, []), managed_live, errors, release_eips)
            _plan_removal(kp, managed_live, nats, eip, release_eips)
            key_plans.append(kp)

    return {"keys": key_plans, "warnings": warnings, "errors": errors}


def plan_parked(nats, addresses, gateways):
    """The parked platform: what exists for each declared key, and nothing to do.

    Returns the shape of ``plan_nat_gateways`` with key plans that carry no action: ``nat`` the live NAT
    gateway of the key (the one in the declared subnet first) or None, ``eip`` the Elastic IP tagged for
    the key or None. Only duplicated names are an error: a parked converge reports, it warns of nothing.
    """
    nats = [n for n in nats or [] if is_live(n)]
    key_plans = []
    for gateway in gateways:
        name = gateway["name"]
        if any(kp["name"] == name for kp in key_plans):
            continue
        kp = _new_key_plan(name, True, gateway.get("subnet_id"))
        live = [n for n in nats if nat_key(n) == name]
        live.sort(key=lambda n: n.get("SubnetId") != kp["subnet_id"])
        kp["nat"] = live[0] if live else None
        candidates = [a for a in addresses or [] if tags_of(a).get(KEY_TAG) == name]
        kp["eip"] = _pick_eip(name, candidates, live, [], required=False)
        key_plans.append(kp)
    return {"keys": key_plans, "warnings": [], "errors": duplicate_names(gateways)}


def plan_changes(kp):
    """True when the key plan implies a write call."""
    actions = kp["nat_action"] or kp["eip_action"] or kp["delete_ids"]
    return bool(actions or kp["nat_tags"].changed or kp["eip_tags"].changed)


def describe_state(nat, eip, subnet_id=None):
    """Diff entry of one key: where it lives, which address, which state."""
    allocation_id, public_ip = nat_address(nat) if nat else (None, None)
    if eip is not None and not allocation_id:
        allocation_id, public_ip = eip.get("AllocationId"), eip.get("PublicIp")
    return {
        "subnet_id": (nat or {}).get("SubnetId", subnet_id),
        "nat_gateway_id": (nat or {}).get("NatGatewayId"),
        "allocation_id": allocation_id,
        "public_ip": public_ip,
        "state": (nat or {}).get("State", "absent"),
    }
