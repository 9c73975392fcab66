# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vpc_subnets
version_added: 0.1.0
short_description: Manage all subnets of one VPC in a single task
description:
  - Declares the subnets of one VPC and reconciles them in one call, with one C(DescribeSubnets) of the
    whole VPC; nothing is written when every subnet is already as declared.
  - A declared subnet is matched to the existing subnet of the VPC with the same O(subnets[].cidr) (a CIDR
    is unique within a VPC, as in M(amazon.aws.ec2_vpc_subnet)). Its C(Name) tag, other tags and
    C(MapPublicIpOnLaunch) are updated in place. A subnet cannot move to another availability zone; such a
    declaration is refused before any write.
  - Every declared subnet carries O(managed_tag). With O(purge_subnets=true) the subnets of the VPC that
    carry O(managed_tag) but are no longer declared are deleted. Subnets without it are never touched.
  - In check mode a subnet to be created is returned with the placeholder id C(pending:subnet/<name>), and a
    VPC given as a placeholder (C(pending:vpc/<name>), a VPC that check mode predicts) is not read; every
    subnet would be created.
  - All input is validated before the first API call.
author:
  - rocketclub platform team (@rocketclub)
options:
  vpc_id:
    description:
      - ID of the VPC, or in check mode the placeholder of a VPC to be created.
    type: str
    required: true
  subnets:
    description:
      - The subnets the VPC should have.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - C(Name) tag of the subnet, and the name its result and placeholder carry. Unique in the list.
        type: str
        required: true
      cidr:
        description:
          - IPv4 CIDR block of the subnet, inside the VPC's CIDR. Unique in the list; identifies the subnet.
        type: str
        required: true
      az:
        description:
          - Availability zone of the subnet, for example V(eu-west-2a).
        type: str
        required: true
      map_public:
        description:
          - Whether instances launched in the subnet get a public IPv4 address (C(MapPublicIpOnLaunch)).
        type: bool
        default: false
      tags:
        description:
          - Tags of this subnet, merged over O(tags); O(managed_tag) and the C(Name) tag win.
        type: dict
        default: {}
  tags:
    description:
      - Tags of every subnet.
    type: dict
    default: {}
    aliases: ["resource_tags"]
  purge_tags:
    description:
      - Remove the tags of a declared subnet that are not in its merged tags (tags starting with C(aws:) are kept).
    type: bool
    default: true
  managed_tag:
    description:
      - Tags marking the subnets this module manages; applied to every declared subnet and used by
        O(purge_subnets) to select what it may delete.
    type: dict
    default: {"platform:managed-by": "rocketclub.platform"}
  purge_subnets:
    description:
      - Delete the subnets of the VPC that carry O(managed_tag) and whose CIDR is not declared.
      - AWS refuses to delete a subnet that still holds network interfaces (C(DependencyViolation)); the
        module then fails naming the subnet.
    type: bool
    default: false
  wait:
    description:
      - Wait for created subnets to be C(available) before returning.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for created subnets.
    type: int
    default: 300
notes:
  - Supports C(check_mode) (with placeholder ids for subnets to be created) and C(diff) mode.
  - Reads one C(DescribeSubnets) page set per run; writes only what differs.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the subnets of the VPC
  rocketclub.platform.vpc_subnets:
    vpc_id: "{{ vpc_id }}"
    subnets:
      - name: prod-public-a
        cidr: 10.20.0.0/24
        az: eu-west-2a
        map_public: true
        tags: {"platform:tier": public}
      - name: prod-private-app-a
        cidr: 10.20.10.0/24
        az: eu-west-2a
        tags: {"platform:tier": private-app}
    tags:
      platform:env: prod
  register: subnets

- name: Ids by name
  ansible.builtin.debug:
    msg: "{{ subnets.subnets | items2dict(key_name='name', value_name='id') }}"
"""

RETURN = r"""
subnets:
  description: The declared subnets, in the order of O(subnets).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the subnet (O(subnets[].name)).
      returned: always
      type: str
      sample: prod-public-a
    id:
      description: Subnet ID; in check mode C(pending:subnet/<name>) for a subnet to be created.
      returned: always
      type: str
      sample: subnet-0123456789abcdef0
    cidr:
      description: CIDR block.
      returned: always
      type: str
      sample: 10.20.0.0/24
    az:
      description: Availability zone.
      returned: always
      type: str
      sample: eu-west-2a
    map_public:
      description: Whether C(MapPublicIpOnLaunch) is set.
      returned: always
      type: bool
      sample: true
    state:
      description: State reported by AWS (V(null) in check mode for a subnet to be created).
      returned: always
      type: str
      sample: available
    tags:
      description: Tags of the subnet.
      returned: always
      type: dict
      sample: {"Name": "prod-public-a", "platform:managed-by": "rocketclub.platform"}
    changed:
      description: Whether the subnet was (or would be) created or updated.
      returned: always
      type: bool
      sample: false
deleted:
  description: IDs of the subnets deleted by O(purge_subnets) (in check mode, to be deleted).
  returned: always
  type: list
  elements: str
  sample: []
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.ec2_tags import apply_ec2_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import MANAGED_TAGS
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import carries
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates

# A subnet is visible to Describe/Modify calls a moment after CreateSubnet returns (eventual consistency).
NOT_FOUND_CODES = ["InvalidSubnetID.NotFound"]


def describe_subnets(client, vpc_id):
    return paginate(client, "describe_subnets", "Subnets", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])


def subnet_view(subnet):
    """The module's representation of a boto3 Subnet."""
    tags = as_dict(subnet.get("Tags"))
    return {
        "name": tags.get("Name"),
        "id": subnet.get("SubnetId"),
        "cidr": subnet.get("CidrBlock"),
        "az": subnet.get("AvailabilityZone"),
        "map_public": bool(subnet.get("MapPublicIpOnLaunch")),
        "state": subnet.get("State"),
        "tags": tags,
    }


def validate(module):
    """Every input check, before any API call."""
    params = module.params
    errors = []
    for field in ("name", "cidr"):
        for key, indexes in find_duplicates([s[field] for s in params["subnets"]]).items():
            errors.append(f"subnets{indexes}: {field} {key!r} is declared more than once")
    if params["purge_subnets"] and not params["managed_tag"]:
        errors.append("managed_tag must not be empty when purge_subnets=true")
    if errors:
        module.fail_json(msg="Invalid subnets: " + "; ".join(errors), errors=errors)
    fail_if_pending(module, vpc_id=params["vpc_id"])


def plan(live, params):
    """Per declared subnet: (spec, current view or None, desired tags, tag changes, map_public change);
    and the managed subnets to delete. Pure."""
    by_cidr = {s["CidrBlock"]: subnet_view(s) for s in live}
    errors = []
    entries = []
    for index, spec in enumerate(params["subnets"]):
        current = by_cidr.get(spec["cidr"])
        tags = desired_tags(params["tags"], spec.get("tags"), params["managed_tag"], name=spec["name"], managed=False)
        if current is None:
            entries.append({"spec": spec, "current": None, "tags": tags, "tag_plan": plan_tags({}, tags), "map": True})
            continue
        if current["az"] != spec["az"]:
            errors.append(
                f"subnets[{index}] ({spec['name']}): the subnet {current['id']} with CIDR {spec['cidr']} is in "
                f"{current['az']}, not {spec['az']}; a subnet cannot move to another zone (delete it first, or "
                "declare another CIDR)"
            )
            continue
        entries.append(
            {
                "spec": spec,
                "current": current,
                "tags": tags,
                "tag_plan": plan_tags(current["tags"], tags, params["purge_tags"]),
                "map": current["map_public"] != spec["map_public"],
            }
        )
    declared = {s["cidr"] for s in params["subnets"]}
    to_delete = []
    if params["purge_subnets"]:
        to_delete = sorted(
            (v for v in by_cidr.values() if v["cidr"] not in declared and carries(v["tags"], params["managed_tag"])),
            key=lambda v: v["cidr"],
        )
    return entries, to_delete, errors


def diff_view(view):
    if view is None:
        return None
    return {k: view[k] for k in ("id", "cidr", "az", "map_public", "tags")}


def apply_entry(client, module, vpc_id, entry):
    """Create or update one subnet; returns (changed, resulting view)."""
    spec, current, check_mode = entry["spec"], entry["current"], module.check_mode
    if current is None:
        predicted = {
            "name": spec["name"],
            "id": pending_id("subnet", spec["name"]),
            "cidr": spec["cidr"],
            "az": spec["az"],
            "map_public": spec["map_public"],
            "state": None,
            "tags": dict(entry["tags"]),
        }
        if check_mode:
            return True, predicted
        created = client.create_subnet(
            aws_retry=True,
            VpcId=vpc_id,
            CidrBlock=spec["cidr"],
            AvailabilityZone=spec["az"],
            TagSpecifications=boto3_tag_specifications(entry["tags"], ["subnet"]),
        )["Subnet"]
        view = subnet_view(created)
        view["tags"] = dict(entry["tags"])
        view["name"] = spec["name"]
        if spec["map_public"]:
            client.modify_subnet_attribute(aws_retry=True, SubnetId=view["id"], MapPublicIpOnLaunch={"Value": True})
            view["map_public"] = True
        return True, view
    view = dict(current)
    changed = False
    if entry["map"]:
        changed = True
        view["map_public"] = spec["map_public"]
        if not check_mode:
            client.modify_subnet_attribute(
                aws_retry=True, SubnetId=current["id"], MapPublicIpOnLaunch={"Value": spec["map_public"]}
            )
    plan = entry["tag_plan"]
    if apply_ec2_tags(client, current["id"], plan, check_mode):
        changed = True
        view["tags"] = dict(plan.result)
        view["name"] = plan.result.get("Name")
    return changed, view


def wait_available(module, client, subnet_ids):
    if not subnet_ids:
        return
    timeout = module.params["wait_timeout"]
    waiter = client.get_waiter("subnet_available")
    try:
        waiter.wait(SubnetIds=subnet_ids, WaiterConfig={"Delay": 5, "MaxAttempts": max(1, timeout // 5)})
    except botocore.exceptions.WaiterError as e:
        module.fail_json_aws(
            e, msg=f"Timeout after {timeout}s waiting for subnets {', '.join(subnet_ids)} to be available"
        )


def run(module, client):
    params = module.params
    vpc_id = params["vpc_id"]
    live = [] if is_pending(vpc_id) else describe_subnets(client, vpc_id)
    entries, to_delete, errors = plan(live, params)
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)

    before, after, results, created = {}, {}, [], []
    for entry in entries:
        changed, view = apply_entry(client, module, vpc_id, entry)
        if entry["current"] is None and not module.check_mode:
            created.append(view["id"])
        before[entry["spec"]["name"]] = diff_view(entry["current"])
        after[entry["spec"]["name"]] = diff_view(view)
        results.append(dict(view, name=entry["spec"]["name"], changed=changed))

    deleted = []
    for view in to_delete:
        key = view["name"] or view["id"]
        before[key] = diff_view(view)
        after[key] = None
        deleted.append(view["id"])
        if not module.check_mode:
            try:
                client.delete_subnet(aws_retry=True, SubnetId=view["id"])
            except botocore.exceptions.ClientError as e:
                module.fail_json_aws(e, msg=f"Failed to delete subnet {view['id']} ({key}, {view['cidr']})")

    if params["wait"] and created:
        wait_available(module, client, created)
        for item in results:
            if item["id"] in created:
                item["state"] = "available"

    return {
        "changed": bool(deleted) or any(item["changed"] for item in results),
        "subnets": results,
        "deleted": deleted,
        "diff": {"before": before, "after": after},
    }


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        subnets=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                cidr=dict(type="str", required=True),
                az=dict(type="str", required=True),
                map_public=dict(type="bool", default=False),
                tags=dict(type="dict", default={}),
            ),
        ),
        tags=dict(type="dict", default={}, aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        managed_tag=dict(type="dict", default=dict(MANAGED_TAGS)),
        purge_subnets=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=NOT_FOUND_CODES))
    try:
        result = run(module, client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage the subnets of {module.params['vpc_id']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
