# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nat_gateways
version_added: 0.1.0
short_description: Manage the NAT gateways of a VPC together with their persistent Elastic IPs
description:
  - Ensures the NAT gateways of a VPC (one, or one per availability zone) exist or are deleted, in one task.
  - Each gateway is identified by its O(gateways[].name), its I(key). The key is stored in the
    C(platform:nat-key) tag of both the NAT gateway and its Elastic IP, which pairs them.
  - The Elastic IP of a key is allocated once and kept when the NAT gateway is deleted, so that a
    NAT gateway recreated later (for example by an "unpark" runbook after a nightly "park") gets the
    B(same) public IP address. Addresses are only released with O(release_eips=true).
  - Elastic IPs are regional, so keys must be unique within the account and region, not only within the VPC.
  - The NAT gateways of the VPC and the Elastic IPs carrying a C(platform:nat-key) tag are described
    once per run; nothing is written when everything is already as declared.
author:
  - rocketclub platform team (@rocketclub)
options:
  vpc_id:
    description:
      - ID of the VPC the NAT gateways belong to.
    type: str
    required: true
  gateways:
    description:
      - The NAT gateways to manage.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Key of the gateway.
          - Used as the C(Name) tag of the NAT gateway, suffixed with C(-eip) as the C(Name) tag of its
            Elastic IP, and as the value of the C(platform:nat-key) tag of both.
        type: str
        required: true
      subnet_id:
        description:
          - The public subnet the NAT gateway lives in.
          - A NAT gateway of this key found in another subnet is reported with a warning and left
            unchanged; delete it with O(state=absent) to move it.
        type: str
        required: true
  state:
    description:
      - V(present) ensures each gateway in O(gateways) exists (C(available) or C(pending)) in its subnet,
        using the Elastic IP tagged for its key. The Elastic IP is allocated and tagged only if no
        address is tagged for the key yet, otherwise it is reused.
      - If a NAT gateway of the key exists but uses another Elastic IP than the one tagged for the key,
        a warning is issued and the NAT gateway is left unchanged.
      - If a NAT gateway of the key holds an untagged Elastic IP and no address is tagged for the key,
        that address is tagged (adopted) so it is reused later.
      - V(absent) deletes the NAT gateways of the keys in O(gateways) and keeps their Elastic IPs unless
        O(release_eips=true).
    type: str
    choices: ["present", "absent"]
    default: present
  purge:
    description:
      - Also delete the managed NAT gateways of this VPC whose key is not in O(gateways).
      - Managed NAT gateways carry all the tags of O(managed_tag) and a C(platform:nat-key) tag.
        Other NAT gateways are never deleted by O(purge).
      - Their Elastic IPs are kept unless O(release_eips=true).
    type: bool
    default: false
  release_eips:
    description:
      - Release the Elastic IPs of the NAT gateways deleted by O(state=absent) or O(purge), and with
        O(state=absent) the Elastic IP of every key in O(gateways).
      - An Elastic IP can only be released once its NAT gateway is C(deleted), so this waits for the
        deletion (up to O(wait_timeout)) even when O(wait=false).
      - B(The public IP address is lost for good.)
    type: bool
    default: false
  managed_tag:
    description:
      - Tags marking NAT gateways and Elastic IPs as created by this module.
      - Applied to the NAT gateways and Elastic IPs it manages, and used by O(purge) to select the NAT
        gateways it may delete.
    type: dict
    default: {"platform:managed-by": "rocketclub.platform"}
  tags:
    description:
      - Tags applied to the NAT gateways and Elastic IPs, merged with O(managed_tag), the C(Name) tag and
        the C(platform:nat-key) tag.
    type: dict
    default: {}
    aliases: ["resource_tags"]
  purge_tags:
    description:
      - Remove tags of the managed NAT gateways and Elastic IPs that are not in the merged tags.
      - Tags starting with C(aws:) and the C(platform:nat-key) tag are never removed.
    type: bool
    default: true
  wait:
    description:
      - Wait for created NAT gateways (and pending ones) to be C(available) and deleted ones to be C(deleted).
      - Without O(wait), a NAT gateway still C(deleting) that holds the Elastic IP of a key to recreate
        is an error (retry later, or use O(wait=true)).
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait for each state transition.
      - On timeout the module fails with C(wait_timed_out=true), C(status) (the NAT gateways still waited for,
        with their state), C(status_history), C(nat_gateway_id) and C(nat_gateway_state); running it again
        continues safely.
    type: int
    default: 600
  parked:
    description:
      - Whether the platform is parked (the park runbook deleted the NAT gateways and kept their Elastic IPs;
        the unpark runbook recreates them).
      - V(true) creates, changes and deletes nothing, whatever O(state), O(purge) and O(release_eips) say. The
        module reads the NAT gateways of the VPC and the Elastic IPs of the keys in O(gateways) and returns them
        in the same result keys as a normal run (a key whose NAT gateway is gone has RV(gateways[].state=absent)
        and no RV(gateways[].nat_gateway_id)), so that a converge of a parked platform never recreates them.
      - The same in check mode.
    type: bool
    default: false
notes:
  - Supports C(check_mode) and C(diff) mode. In check mode a NAT gateway to be created is returned with the
    placeholder id C(pending:nat-gateway/<name>) and an Elastic IP to be allocated with
    C(pending:elastic-ip/<name>-eip) and the public IP C(pending:public-ip/<name>). A VPC given as a placeholder
    (C(pending:vpc/...), predicted by an earlier check-mode task) is not read; its NAT gateways would be created.
    A subnet may be a placeholder too (C(pending:subnet/...)). A real run refuses placeholders.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: One NAT gateway per availability zone, with stable outbound IPs
  rocketclub.platform.nat_gateways:
    vpc_id: "{{ vpc.vpc.id }}"
    gateways:
      - name: prod-nat-a
        subnet_id: "{{ public_subnet_a }}"
      - name: prod-nat-b
        subnet_id: "{{ public_subnet_b }}"
    tags:
      Environment: prod
    wait: true
  register: nat

- name: Outbound IPs to give to partners
  ansible.builtin.debug:
    msg: "{{ nat.eips | map(attribute='public_ip') | list }}"

- name: Park - delete the NAT gateways, keep their Elastic IPs
  rocketclub.platform.nat_gateways:
    vpc_id: "{{ vpc.vpc.id }}"
    state: absent
    gateways:
      - name: prod-nat-a
        subnet_id: "{{ public_subnet_a }}"
      - name: prod-nat-b
        subnet_id: "{{ public_subnet_b }}"

- name: The NAT gateways as they are while the platform is parked (nothing is created)
  rocketclub.platform.nat_gateways:
    vpc_id: "{{ vpc.vpc.id }}"
    gateways:
      - name: prod-nat-a
        subnet_id: "{{ public_subnet_a }}"
    parked: "{{ platform_parked }}"
  register: nat

- name: Single NAT gateway, deleting the other managed ones of the VPC
  rocketclub.platform.nat_gateways:
    vpc_id: "{{ vpc.vpc.id }}"
    gateways:
      - name: dev-nat
        subnet_id: "{{ public_subnet_a }}"
    purge: true
"""

RETURN = r"""
gateways:
  description: The gateways of O(gateways), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Key of the gateway.
      returned: always
      type: str
      sample: prod-nat-a
    nat_gateway_id:
      description:
        - ID of the NAT gateway; with O(state=absent) the ID of the deleted one.
        - V(null) when there is none; in check mode C(pending:nat-gateway/<name>) for one to be created.
      returned: always
      type: str
      sample: nat-0123456789abcdef0
    subnet_id:
      description: Subnet of the NAT gateway.
      returned: always
      type: str
      sample: subnet-0123456789abcdef0
    state:
      description:
        - State of the NAT gateway (C(pending), C(available), C(deleting), C(deleted)),
          or C(absent) when there is none (with O(parked=true), a key whose NAT gateway park deleted).
      returned: always
      type: str
      sample: available
    allocation_id:
      description: Allocation ID of the Elastic IP used (or kept) for the gateway.
      returned: always
      type: str
      sample: eipalloc-0123456789abcdef0
    public_ip:
      description: Public IP address of the gateway.
      returned: always
      type: str
      sample: 203.0.113.10
    changed:
      description: Whether this gateway (or its Elastic IP) was changed.
      returned: always
      type: bool
      sample: true
eips:
  description: The Elastic IPs of the keys in O(gateways) existing after the run, in the order of O(gateways).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Key of the gateway the address belongs to.
      returned: always
      type: str
      sample: prod-nat-a
    allocation_id:
      description:
        - Allocation ID of the address (C(pending:elastic-ip/<name>-eip) in check mode for one to be allocated).
      returned: always
      type: str
      sample: eipalloc-0123456789abcdef0
    public_ip:
      description: The public IP address (C(pending:public-ip/<name>) in check mode for one to be allocated).
      returned: always
      type: str
      sample: 203.0.113.10
    associated:
      description: Whether the address is used by a NAT gateway (or another resource) not being deleted.
      returned: always
      type: bool
      sample: true
deleted:
  description: IDs of the NAT gateways deleted (in check mode, to be deleted).
  returned: always
  type: list
  elements: str
  sample: ["nat-0123456789abcdef0"]
released:
  description: Allocation IDs of the Elastic IPs released (in check mode, to be released).
  returned: always
  type: list
  elements: str
  sample: []
parked:
  description: The value of O(parked) the module honoured; V(true) means it only read.
  returned: always
  type: bool
  sample: false
"""

import uuid

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.rocketclub.platform.plugins.module_utils import nat as nat_plan
from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.ec2_tags import apply_ec2_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import MANAGED_TAGS
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import Progress
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import WaitTimedOut
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import fail_wait
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import poll

WAIT_DELAY = 5


def describe_nat_gateways(client, **params):
    return paginate(client, "describe_nat_gateways", "NatGateways", **params)


def describe_vpc_nat_gateways(client, vpc_id):
    return describe_nat_gateways(client, Filters=ansible_dict_to_boto3_filter_list({"vpc-id": vpc_id}))


def describe_keyed_addresses(client):
    # DescribeAddresses has no paginator: it returns every address in one answer.
    filters = ansible_dict_to_boto3_filter_list({"tag-key": nat_plan.KEY_TAG})
    return client.describe_addresses(aws_retry=True, Filters=filters).get("Addresses", [])


def wait_for_nat_gateways(module, client, nat_ids, target):
    """Poll DescribeNatGateways until every NAT gateway of nat_ids is in state target (each wait has its
    own wait_timeout). Returns the last description by id."""
    nat_ids = sorted(set(i for i in nat_ids if i))
    if not nat_ids or module.check_mode:
        return {}
    filters = ansible_dict_to_boto3_filter_list({"nat-gateway-id": nat_ids})
    waiting = []  # (nat id, state) of the gateways not yet in target, from the last probe

    def probe():
        states = {n["NatGatewayId"]: n for n in describe_nat_gateways(client, Filters=filters)}
        waiting[:] = []
        for nat_id in nat_ids:
            nat = states.get(nat_id)
            state = nat["State"] if nat else "deleted"
            if state == target:
                continue
            if target == "available" and state in ("failed", "deleting", "deleted"):
                reason = (nat or {}).get("FailureMessage")
                module.fail_json(
                    msg=f"NAT gateway {nat_id} is {state} instead of available" + (f": {reason}" if reason else ""),
                    nat_gateway_id=nat_id,
                    nat_gateway_state=state,
                )
            waiting.append((nat_id, state))
        return not waiting, ", ".join(f"{nat_id} {state}" for nat_id, state in waiting) or target, states

    what = f"NAT gateway{'s' if len(nat_ids) > 1 else ''} {', '.join(nat_ids)} to be {target}"
    progress = Progress()
    try:
        return poll(probe, what, module.params["wait_timeout"], progress, delay=WAIT_DELAY)
    except WaitTimedOut as e:
        nat_id, state = waiting[0]
        fail_wait(module, e, progress, nat_gateway_id=nat_id, nat_gateway_state=state)


def with_tags(resource, plan):
    """The resource description once ``plan`` (a core TagPlan) is applied (prediction)."""
    return dict(resource, Tags=ansible_dict_to_boto3_tag_list(plan.result))


def ensure_eip(client, kp, check_mode):
    """Allocate, adopt or tag the Elastic IP of a key. Returns (changed, predicted address)."""
    eip = kp["eip"]
    action = kp["eip_action"]
    if action == nat_plan.ALLOCATE:
        if check_mode:
            return True, {
                "AllocationId": pending_id("elastic-ip", kp["name"] + nat_plan.EIP_NAME_SUFFIX),
                "PublicIp": pending_id("public-ip", kp["name"]),
                "Tags": ansible_dict_to_boto3_tag_list(kp["eip_desired_tags"]),
            }
        result = client.allocate_address(
            aws_retry=True,
            Domain="vpc",
            TagSpecifications=boto3_tag_specifications(kp["eip_desired_tags"], ["elastic-ip"]),
        )
        return True, {
            "AllocationId": result["AllocationId"],
            "PublicIp": result.get("PublicIp"),
            "Tags": ansible_dict_to_boto3_tag_list(kp["eip_desired_tags"]),
        }
    if action == nat_plan.ADOPT:
        allocation_id, public_ip = kp["adopt_address"]
        # The address carries no key tag: it gets every tag of its key.
        apply_ec2_tags(client, allocation_id, plan_tags({}, kp["eip_desired_tags"]), check_mode)
        return True, {
            "AllocationId": allocation_id,
            "PublicIp": public_ip,
            "Tags": ansible_dict_to_boto3_tag_list(kp["eip_desired_tags"]),
        }
    if eip is None:
        return False, None
    changed = apply_ec2_tags(client, eip["AllocationId"], kp["eip_tags"], check_mode)
    return changed, with_tags(eip, kp["eip_tags"])


def ensure_nat_present(client, kp, eip, check_mode):
    """Create the NAT gateway of a key, or update the tags of the existing one. Returns (changed, predicted NAT)."""
    if kp["nat_action"] != nat_plan.CREATE:
        nat = kp["nat"]
        changed = apply_ec2_tags(client, nat["NatGatewayId"], kp["nat_tags"], check_mode)
        return changed, with_tags(nat, kp["nat_tags"])
    address = {"AllocationId": eip.get("AllocationId"), "PublicIp": eip.get("PublicIp")}
    if check_mode:
        return True, {
            "NatGatewayId": pending_id("nat-gateway", kp["name"]),
            "SubnetId": kp["subnet_id"],
            "State": "pending",
            "NatGatewayAddresses": [address],
            "Tags": ansible_dict_to_boto3_tag_list(kp["nat_desired_tags"]),
        }
    nat = client.create_nat_gateway(
        aws_retry=True,
        SubnetId=kp["subnet_id"],
        AllocationId=eip["AllocationId"],
        ClientToken=str(uuid.uuid4()),
        TagSpecifications=boto3_tag_specifications(kp["nat_desired_tags"], ["natgateway"]),
    )["NatGateway"]
    if not nat.get("NatGatewayAddresses"):
        nat["NatGatewayAddresses"] = [address]
    return True, nat


def ensure_nat_absent(client, kp, check_mode):
    """Delete the NAT gateways of a key. Returns (changed, deleted ids)."""
    if not kp["delete_ids"]:
        return False, []
    if not check_mode:
        for nat_id in kp["delete_ids"]:
            client.delete_nat_gateway(aws_retry=True, NatGatewayId=nat_id)
    return True, list(kp["delete_ids"])


def ensure_eip_released(client, kp, check_mode):
    """Release the Elastic IP of a key. Returns (changed, released allocation id)."""
    if kp["eip_action"] != nat_plan.RELEASE:
        return False, None
    allocation_id = kp["eip"]["AllocationId"]
    if not check_mode:
        client.release_address(aws_retry=True, AllocationId=allocation_id)
    return True, allocation_id


def run(module, client):
    params = module.params
    parked = params["parked"]

    # A VPC check mode predicts (a placeholder) has no NAT gateway yet; the keyed Elastic IPs are regional.
    nats = [] if is_pending(params["vpc_id"]) else describe_vpc_nat_gateways(client, params["vpc_id"])
    addresses = describe_keyed_addresses(client)
    if parked:
        plan = nat_plan.plan_parked(nats, addresses, params["gateways"])
    else:
        plan = nat_plan.plan_nat_gateways(
            nats,
            addresses,
            params["gateways"],
            state=params["state"],
            purge=params["purge"],
            release_eips=params["release_eips"],
            managed_tag=params["managed_tag"],
            tags=params["tags"],
            purge_tags=params["purge_tags"],
            wait=params["wait"],
        )
    for warning in plan["warnings"]:
        module.warn(warning)
    if plan["errors"]:
        module.fail_json(msg="; ".join(plan["errors"]), parked=parked)

    key_plans = plan["keys"]
    before = {kp["name"]: nat_plan.describe_state(kp["nat"], kp["eip"]) for kp in key_plans}
    if parked:
        # Parked: nothing is created, changed or deleted; the gateways found are reported as they are.
        changed_keys, deleted, released = set(), [], []
        final = {kp["name"]: (kp["nat"], kp["eip"]) for kp in key_plans}
    else:
        changed_keys, deleted, released, final = converge(module, client, key_plans)
    return report(key_plans, nats, before, changed_keys, deleted, released, final, parked)


def converge(module, client, key_plans):
    """Execute the plan. Returns (changed keys, deleted NAT ids, released allocation ids, final (nat, eip)
    by key)."""
    check_mode = module.check_mode
    state = module.params["state"]
    wait = module.params["wait"]
    changed_keys = set()
    deleted = []
    released = []
    final = {}  # name -> (nat, eip)

    # 1. deletions (state=absent, purge)
    for kp in key_plans:
        key_changed, ids = ensure_nat_absent(client, kp, check_mode)
        if key_changed:
            changed_keys.add(kp["name"])
            deleted.extend(ids)

    # 2. wait for deletions: required before releasing addresses or reusing them
    must_be_deleted = [i for kp in key_plans for i in kp["blocked_by"]]
    if wait:
        must_be_deleted += deleted
    wait_for_nat_gateways(module, client, must_be_deleted, "deleted")

    # 3. Elastic IPs and NAT gateways of the declared keys (state=present)
    to_be_available = []
    for kp in key_plans:
        if state == "present" and kp["declared"]:
            eip_changed, eip = ensure_eip(client, kp, check_mode)
            nat_changed, nat = ensure_nat_present(client, kp, eip, check_mode)
            if eip_changed or nat_changed:
                changed_keys.add(kp["name"])
            if nat.get("State") == "pending":
                to_be_available.append(nat.get("NatGatewayId"))
            final[kp["name"]] = (nat, eip)
        else:
            released_changed, allocation_id = ensure_eip_released(client, kp, check_mode)
            eip = kp["eip"]
            if released_changed:
                changed_keys.add(kp["name"])
                released.append(allocation_id)
                eip = None
            nat = None
            if kp["delete_ids"]:
                nat = dict(kp["nat"])
                waited = wait or kp["blocked_by"]
                nat["State"] = "deleted" if waited else "deleting"
            final[kp["name"]] = (nat, eip)

    # 4. wait for the NAT gateways to be available
    if wait:
        available = wait_for_nat_gateways(module, client, to_be_available, "available")
        for name, (nat, eip) in final.items():
            if nat and nat.get("NatGatewayId") in available:
                final[name] = (dict(nat, State="available"), eip)
            elif nat and check_mode and nat.get("State") == "pending":
                final[name] = (dict(nat, State="available"), eip)

    return changed_keys, deleted, released, final


def report(key_plans, nats, before, changed_keys, deleted, released, final, parked):
    """The module result: the declared gateways and their Elastic IPs as they are after the run."""
    # Addresses freed by the deletion of their NAT gateway (now or earlier)
    freed = set(a for n in nats if n.get("State") in ("deleting", "deleted") for a in nat_plan.nat_allocation_ids(n))
    freed.update(a for kp in key_plans if kp["delete_ids"] for a in nat_plan.nat_allocation_ids(kp["nat"]))

    gateways = []
    eips = []
    for kp in key_plans:
        if not kp["declared"]:
            continue
        nat, eip = final[kp["name"]]
        entry = nat_plan.describe_state(nat, eip, kp["subnet_id"])
        if kp["eip_action"] == nat_plan.RELEASE:
            entry["allocation_id"] = entry["public_ip"] = None
        gateways.append(
            {
                "name": kp["name"],
                "nat_gateway_id": entry["nat_gateway_id"],
                "subnet_id": entry["subnet_id"],
                "state": entry["state"],
                "allocation_id": entry["allocation_id"],
                "public_ip": entry["public_ip"],
                "changed": kp["name"] in changed_keys,
            }
        )
        if eip is not None:
            in_use = bool(nat) and nat.get("State") in nat_plan.LIVE_STATES
            in_use = in_use and eip.get("AllocationId") in nat_plan.nat_allocation_ids(nat)
            eips.append(
                {
                    "name": kp["name"],
                    "allocation_id": eip.get("AllocationId"),
                    "public_ip": eip.get("PublicIp"),
                    "associated": in_use or (bool(eip.get("AssociationId")) and eip.get("AllocationId") not in freed),
                }
            )

    after = {}
    for kp in key_plans:
        nat, eip = final[kp["name"]]
        live = nat if nat and nat.get("State") in nat_plan.LIVE_STATES else None
        after[kp["name"]] = nat_plan.describe_state(live, eip)

    return {
        "changed": bool(changed_keys),
        "diff": {"before": before, "after": after},
        "gateways": gateways,
        "eips": eips,
        "deleted": deleted,
        "released": released,
        "parked": parked,
    }


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        gateways=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                subnet_id=dict(type="str", required=True),
            ),
        ),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        purge=dict(type="bool", default=False),
        release_eips=dict(type="bool", default=False),
        managed_tag=dict(type="dict", default=dict(MANAGED_TAGS)),
        tags=dict(type="dict", default={}, aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        parked=dict(type="bool", default=False),
    )

    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    fail_if_pending(
        module, vpc_id=module.params["vpc_id"], subnet_id=[g["subnet_id"] for g in module.params["gateways"]]
    )
    client = module.client(
        "ec2",
        retry_decorator=AWSRetry.jittered_backoff(
            catch_extra_error_codes=["InvalidAllocationID.NotFound", "InvalidElasticIpID.NotFound"]
        ),
    )

    try:
        result = run(module, client)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="Failed to manage NAT gateways")

    module.exit_json(**result)


if __name__ == "__main__":
    main()
