#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vpc
version_added: 0.1.0
short_description: Manage one VPC, found by its Name tag and CIDR block, with few reads
description:
  - Creates or reconciles one VPC, its C(enableDnsSupport) and C(enableDnsHostnames) attributes and its tags.
    The end state is the one M(amazon.aws.ec2_vpc_net) converges to for the same options.
  - The VPC is found exactly as M(amazon.aws.ec2_vpc_net) finds it, by C(DescribeVpcs) with the filters
    C(tag:Name) = O(name) and C(cidr-block) = O(cidr_block); a VPC that M(amazon.aws.ec2_vpc_net) created or
    converged is therefore found and adopted, never created a second time. Like it, the module fails when
    more than one VPC matches, before any write.
  - Reads are few. A no-op makes three, C(DescribeVpcs) (which also returns the tags) and one
    C(DescribeVpcAttribute) per DNS attribute that is set, where M(amazon.aws.ec2_vpc_net) makes eleven.
    Nothing is written when nothing differs.
  - A VPC is created with its tags (C(CreateVpc) with C(TagSpecifications)), then waited for with the
    C(vpc_exists) and C(vpc_available) waiters. A new VPC has C(enableDnsSupport) on and
    C(enableDnsHostnames) off (U(https://docs.aws.amazon.com/vpc/latest/userguide/AWS_VPC_DNS.html)); only the
    attributes that differ from those are then modified, as terraform-provider-aws
    C(internal/service/ec2/vpc_.go) does. C(ModifyVpcAttribute) takes one attribute per call; after each the
    module waits until C(DescribeVpcAttribute) shows the new value (terraform-provider-aws
    C(waitVPCAttributeUpdated), up to 5 minutes).
  - EC2 is eventually consistent (U(https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html)).
    C(InvalidVpcID.NotFound) right after C(CreateVpc) is retried with a jittered backoff (about five minutes).
  - Check mode predicts exactly what a real run changes. A VPC that would be created is returned with
    RV(vpc.id) V(null) (the network role publishes the placeholder C(pending:vpc/<name>) in its place).
  - All input is validated before the first API call.
author:
  - rocketclub platform team (@rocketclub)
options:
  name:
    description:
      - C(Name) tag of the VPC; with O(cidr_block) it identifies the VPC.
      - Overrides a C(Name) key in O(tags).
    type: str
    required: true
  cidr_block:
    description:
      - Primary IPv4 CIDR block of the VPC, a network address from V(/16) to V(/28), for example V(10.20.0.0/16).
      - With O(name) it identifies the VPC. It cannot change on an existing VPC; another value means another VPC.
    type: str
    required: true
  dns_support:
    description:
      - Whether the Amazon DNS server resolves names in the VPC (C(enableDnsSupport)).
      - Not set, an existing VPC keeps its setting and a new one gets V(true) (as M(amazon.aws.ec2_vpc_net)).
    type: bool
  dns_hostnames:
    description:
      - Whether instances with a public IP address get public DNS hostnames (C(enableDnsHostnames)).
      - V(true) needs O(dns_support=true).
      - Not set, an existing VPC keeps its setting and a new one gets V(true) (as M(amazon.aws.ec2_vpc_net)),
        or V(false) with O(dns_support=false).
    type: bool
  tags:
    description:
      - Tags of the VPC, besides C(Name) (O(name)).
      - Not set, only the C(Name) tag is ensured and no tag is removed, whatever O(purge_tags) says
        (as M(amazon.aws.ec2_vpc_net)).
    type: dict
    aliases: ["resource_tags"]
  purge_tags:
    description:
      - Remove the tags that are neither in O(tags) nor C(Name). Tags starting with C(aws:) are kept.
    type: bool
    default: true
notes:
  - Supports C(check_mode) and C(diff) mode (before and after of the CIDR block, both DNS attributes and the tags).
  - The module never deletes a VPC; it manages no secondary CIDR blocks, IPv6 blocks, tenancy or DHCP options.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the VPC
  rocketclub.platform.vpc:
    name: rocketclub-prod
    cidr_block: 10.20.0.0/16
    dns_support: true
    dns_hostnames: true
    tags:
      platform:env: prod
      platform:managed-by: rocketclub.platform
    purge_tags: true
  register: vpc

- name: The VPC's id (null in check mode for a VPC that would be created)
  ansible.builtin.debug:
    msg: "{{ vpc.vpc.id }}"
"""

RETURN = r"""
vpc:
  description:
    - The VPC. The keys of M(amazon.aws.ec2_vpc_net)'s result, plus both DNS attributes.
    - In check mode, for a VPC that would be created, the prediction with RV(vpc.id) and RV(vpc.state) V(null).
  returned: always
  type: dict
  sample: {"id": "vpc-0123456789abcdef0", "name": "rocketclub-prod", "cidr_block": "10.20.0.0/16",
           "state": "available", "dns_support": true, "dns_hostnames": true,
           "tags": {"Name": "rocketclub-prod", "platform:env": "prod"}}
  contains:
    id:
      description: VPC ID; V(null) in check mode for a VPC that would be created.
      returned: always
      type: str
      sample: vpc-0123456789abcdef0
    name:
      description: The C(Name) tag.
      returned: always
      type: str
      sample: rocketclub-prod
    cidr_block:
      description: Primary IPv4 CIDR block.
      returned: always
      type: str
      sample: 10.20.0.0/16
    cidr_block_association_set:
      description: IPv4 CIDR blocks associated with the VPC.
      returned: when the VPC exists
      type: list
      elements: dict
      sample: [{"association_id": "vpc-cidr-assoc-0123", "cidr_block": "10.20.0.0/16",
                "cidr_block_state": {"state": "associated"}}]
    dhcp_options_id:
      description: ID of the DHCP options set.
      returned: when the VPC exists
      type: str
      sample: dopt-0123456789abcdef0
    instance_tenancy:
      description: Instance tenancy.
      returned: when the VPC exists
      type: str
      sample: default
    is_default:
      description: Whether this is the default VPC of the region.
      returned: when the VPC exists
      type: bool
      sample: false
    owner_id:
      description: Account that owns the VPC.
      returned: when the VPC exists
      type: str
      sample: "123456789012"
    state:
      description: State of the VPC; V(null) in check mode for a VPC that would be created.
      returned: always
      type: str
      sample: available
    dns_support:
      description: C(enableDnsSupport) once the task is done (in check mode, predicted).
      returned: always
      type: bool
      sample: true
    dns_hostnames:
      description: C(enableDnsHostnames) once the task is done (in check mode, predicted).
      returned: always
      type: bool
      sample: true
    tags:
      description: Tags of the VPC once the task is done (in check mode, predicted).
      returned: always
      type: dict
      sample: {"Name": "rocketclub-prod", "platform:env": "prod"}
"""

import ipaddress

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.ec2_tags import apply_ec2_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import NAME_TAG
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import WaitTimedOut
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import poll

# A VPC is visible to DescribeVpcAttribute / ModifyVpcAttribute / CreateTags a moment after CreateVpc returns
# (eventual consistency): retried by the client, as terraform-provider-aws retries a new VPC's reads
# (internal/service/ec2/vpc_.go, RetryWhenNewResourceNotFound for ec2PropagationTimeout, 5 minutes). The
# default jittered backoff (10 attempts, 3 s doubling up to 60 s) spans about as long.
NOT_FOUND_CODES = ["InvalidVpcID.NotFound"]

# option -> (DescribeVpcAttribute's Attribute, the key of its answer, which is also ModifyVpcAttribute's parameter)
ATTRIBUTES = {
    "dns_support": ("enableDnsSupport", "EnableDnsSupport"),
    "dns_hostnames": ("enableDnsHostnames", "EnableDnsHostnames"),
}
# The attributes of a VPC CreateVpc has just made (not the default VPC):
# https://docs.aws.amazon.com/vpc/latest/userguide/AWS_VPC_DNS.html; terraform-provider-aws vpc_.go assumes the same.
NEW_VPC_ATTRIBUTES = {"dns_support": True, "dns_hostnames": False}
# What ec2_vpc_net sets on a VPC it creates when the option is not given (hostnames only with DNS support: AWS
# refuses hostnames without it).
CREATE_DEFAULTS = {"dns_support": True, "dns_hostnames": True}

# Waits: terraform-provider-aws vpcCreatedTimeout (10 minutes) for available; ec2PropagationTimeout (5 minutes)
# for an attribute to read back what ModifyVpcAttribute set.
EXISTS_WAITER = {"Delay": 2, "MaxAttempts": 60}
AVAILABLE_WAITER = {"Delay": 5, "MaxAttempts": 120}
ATTRIBUTE_TIMEOUT = 300
ATTRIBUTE_DELAY = 3

DIFF_KEYS = ("id", "cidr_block", "dns_support", "dns_hostnames", "tags")


def validate(module):
    """Every input check, before any API call."""
    params = module.params
    errors = []
    if not (params["name"] or "").strip():
        errors.append("name must not be empty: it is the VPC's Name tag, which identifies it")
    cidr = params["cidr_block"]
    try:
        network = ipaddress.IPv4Network(cidr, strict=True)
    except ValueError as e:
        errors.append(
            f"cidr_block {cidr!r} is not an IPv4 network address ({e}); give the network address with its prefix, "
            "for example 10.20.0.0/16"
        )
    else:
        if not 16 <= network.prefixlen <= 28:
            errors.append(f"cidr_block {cidr}: /{network.prefixlen} is outside what a VPC accepts (/16 to /28)")
    if params["dns_hostnames"] and not params["dns_support"]:
        errors.append("dns_hostnames=true needs dns_support=true (AWS enables DNS hostnames only with DNS support)")
    if errors:
        module.fail_json(msg="Invalid VPC options: " + "; ".join(errors), errors=errors)


def desired_tags(params):
    """(tags the VPC should carry, purge): O(tags) with Name = O(name); without O(tags) only Name and no purge,
    as amazon.aws.ec2_vpc_net does."""
    tags = as_dict(params["tags"])
    tags[NAME_TAG] = params["name"]
    return tags, bool(params["purge_tags"] and params["tags"] is not None)


def find_vpc(module, client):
    """The VPC named O(name) with the primary CIDR O(cidr_block) (ec2_vpc_net's filters), or None; fails when
    several match."""
    params = module.params
    filters = [
        {"Name": "tag:Name", "Values": [params["name"]]},
        {"Name": "cidr-block", "Values": [params["cidr_block"]]},
    ]
    vpcs = paginate(client, "describe_vpcs", "Vpcs", Filters=filters)
    if len(vpcs) > 1:
        ids = sorted(v["VpcId"] for v in vpcs)
        module.fail_json(
            msg=(
                f"Currently there are {len(vpcs)} VPCs that have the same name and CIDR block you specified "
                f"(name {params['name']!r}, cidr_block {params['cidr_block']}): {', '.join(ids)}. Delete the "
                "duplicates or give all but one another Name tag; nothing was changed"
            ),
            vpc_ids=ids,
        )
    return vpcs[0] if vpcs else None


def read_attribute(client, vpc_id, option):
    attribute, key = ATTRIBUTES[option]
    answer = client.describe_vpc_attribute(aws_retry=True, VpcId=vpc_id, Attribute=attribute)
    return bool(answer[key]["Value"])


def wait_attribute(module, client, vpc_id, option, value):
    """Until DescribeVpcAttribute shows ``value`` (terraform-provider-aws waitVPCAttributeUpdated)."""

    def probe():
        current = read_attribute(client, vpc_id, option)
        return current == value, f"{ATTRIBUTES[option][0]}={str(current).lower()}", current

    what = f"{ATTRIBUTES[option][0]} of {vpc_id} to be {str(value).lower()}"
    try:
        poll(probe, what, ATTRIBUTE_TIMEOUT, delay=ATTRIBUTE_DELAY)
    except WaitTimedOut as e:
        module.fail_json(msg=str(e), vpc_id=vpc_id)


def attribute_order(desired):
    """The options to modify in an order AWS accepts: DNS support on before hostnames on, hostnames off before
    support off."""
    if desired.get("dns_support") is False:
        return ["dns_hostnames", "dns_support"]
    return ["dns_support", "dns_hostnames"]


def converge_attributes(module, client, vpc_id, current, desired):
    """ModifyVpcAttribute, one attribute per call, for each option whose desired value differs from ``current``;
    returns the attributes afterwards (predicted in check mode)."""
    after = dict(current)
    for option in attribute_order(desired):
        value = desired.get(option)
        if value is None or current.get(option) == value:
            continue
        after[option] = value
        if module.check_mode:
            continue
        client.modify_vpc_attribute(aws_retry=True, VpcId=vpc_id, **{ATTRIBUTES[option][1]: {"Value": value}})
        wait_attribute(module, client, vpc_id, option, value)
    return after


def vpc_view(vpc, attributes, tags):
    """The result's ``vpc``: ec2_vpc_net's shape (snake_case Vpc, ``tags`` as a dict, ``name``, ``id``) plus
    both DNS attributes."""
    view = camel_dict_to_snake_dict({k: v for k, v in vpc.items() if k != "Tags"})
    view["id"] = view.pop("vpc_id", None)
    view["tags"] = dict(tags)
    view["name"] = tags.get(NAME_TAG)
    view.update(attributes)
    return view


def diff_view(view):
    return {k: view.get(k) for k in DIFF_KEYS} if view else {}


def create(module, client, tags):
    """CreateVpc with its tags, wait until available, set the DNS attributes; returns the result's ``vpc``."""
    params = module.params
    desired = {o: CREATE_DEFAULTS[o] if params[o] is None else params[o] for o in ATTRIBUTES}
    if params["dns_hostnames"] is None and not desired["dns_support"]:
        desired["dns_hostnames"] = False
    if module.check_mode:
        predicted = {"VpcId": None, "CidrBlock": params["cidr_block"], "State": None}
        return vpc_view(predicted, desired, tags)
    vpc = client.create_vpc(
        aws_retry=True,
        CidrBlock=params["cidr_block"],
        TagSpecifications=boto3_tag_specifications(tags, ["vpc"]),
    )["Vpc"]
    vpc_id = vpc["VpcId"]
    try:
        client.get_waiter("vpc_exists").wait(VpcIds=[vpc_id], WaiterConfig=EXISTS_WAITER)
        client.get_waiter("vpc_available").wait(VpcIds=[vpc_id], WaiterConfig=AVAILABLE_WAITER)
    except botocore.exceptions.WaiterError as e:
        module.fail_json_aws(e, msg=f"Timed out waiting for the new VPC {vpc_id} ({params['name']}) to be available")
    vpc["State"] = "available"
    attributes = converge_attributes(module, client, vpc_id, dict(NEW_VPC_ATTRIBUTES), desired)
    return vpc_view(vpc, attributes, tags)


def update(module, client, vpc, tags, purge):
    """Converge the tags and DNS attributes of an existing VPC; returns (changed, the ``vpc`` before, the result's
    ``vpc``: after, or in check mode as predicted)."""
    params = module.params
    vpc_id = vpc["VpcId"]
    if vpc.get("State") != "available" and not module.check_mode:
        try:
            client.get_waiter("vpc_available").wait(VpcIds=[vpc_id], WaiterConfig=AVAILABLE_WAITER)
        except botocore.exceptions.WaiterError as e:
            module.fail_json_aws(e, msg=f"Timed out waiting for the VPC {vpc_id} ({params['name']}) to be available")
        vpc = dict(vpc, State="available")
    plan = plan_tags(vpc.get("Tags"), tags, purge)
    tags_changed = apply_ec2_tags(client, vpc_id, plan, module.check_mode)
    # Only the attributes the task sets are read: a no-op is DescribeVpcs plus at most two DescribeVpcAttribute.
    desired = {o: params[o] for o in ATTRIBUTES if params[o] is not None}
    current = {o: read_attribute(client, vpc_id, o) for o in desired}
    attributes = converge_attributes(module, client, vpc_id, current, desired)
    changed = tags_changed or attributes != current
    before = vpc_view(vpc, current, as_dict(vpc.get("Tags")))
    return changed, before, vpc_view(vpc, attributes, plan.result)


def run(module, client):
    tags, purge = desired_tags(module.params)
    vpc = find_vpc(module, client)
    if vpc is None:
        after = create(module, client, tags)
        return {"changed": True, "vpc": after, "diff": {"before": {}, "after": diff_view(after)}}
    changed, before, after = update(module, client, vpc, tags, purge)
    return {"changed": changed, "vpc": after, "diff": {"before": diff_view(before), "after": diff_view(after)}}


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        cidr_block=dict(type="str", required=True),
        dns_support=dict(type="bool"),
        dns_hostnames=dict(type="bool"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=NOT_FOUND_CODES))
    try:
        result = run(module, client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage the VPC {module.params['name']} ({module.params['cidr_block']})")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
