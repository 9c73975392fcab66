# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ec2_managed_prefix_list_info
version_added: 0.1.0
short_description: Look up EC2 managed prefix lists, including AWS-managed ones
description:
  - Looks up EC2 managed prefix lists by name, by ID or by arbitrary filters, for example the AWS-managed
    V(com.amazonaws.global.cloudfront.origin-facing) list used to allow CloudFront into a load balancer
    security group.
  - Optionally returns the entries (CIDR and description) of every list found.
  - This module never changes anything.
author:
  - rocketclub platform team (@rocketclub)
options:
  names:
    description:
      - Names of the prefix lists to look up.
      - Mutually exclusive with O(ids).
    type: list
    elements: str
  ids:
    description:
      - IDs of the prefix lists to look up.
      - Mutually exclusive with O(names).
    type: list
    elements: str
  filters:
    description:
      - A dict of filters to apply. Each dict item consists of a filter key and a filter value.
      - See U(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeManagedPrefixLists.html)
        for possible filters, for example V(owner-id), V(prefix-list-id) and V(prefix-list-name).
      - Combined (AND) with O(names) or O(ids). The V(prefix-list-name) filter can not be combined with
        O(names) and the V(prefix-list-id) filter can not be combined with O(ids).
    type: dict
    default: {}
  include_entries:
    description:
      - Also return the entries of each prefix list.
    type: bool
    default: false
  fail_on_missing:
    description:
      - Fail when a name in O(names) or an ID in O(ids) is not found.
    type: bool
    default: true
notes:
  - Supports C(check_mode); the module never reports a change.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the CloudFront origin-facing prefix list
  rocketclub.platform.ec2_managed_prefix_list_info:
    names:
      - com.amazonaws.global.cloudfront.origin-facing
  register: cloudfront_pl

- name: Allow CloudFront into the ALB security group
  amazon.aws.ec2_security_group:
    name: alb
    description: ALB reachable from CloudFront only
    vpc_id: "{{ vpc_id }}"
    rules:
      - proto: tcp
        ports: [443]
        ip_prefix_list_id: "{{ cloudfront_pl.prefix_lists[0].prefix_list_id }}"

- name: All AWS-managed prefix lists with their entries
  rocketclub.platform.ec2_managed_prefix_list_info:
    filters:
      owner-id: AWS
    include_entries: true
  register: aws_lists
"""

RETURN = r"""
prefix_lists:
  description:
    - The prefix lists found.
    - In the order of O(names) or O(ids) when given, otherwise sorted by name and ID.
  returned: always
  type: list
  elements: dict
  contains:
    prefix_list_id:
      description: The ID of the prefix list.
      returned: always
      type: str
      sample: pl-93a247fa
    prefix_list_name:
      description: The name of the prefix list.
      returned: always
      type: str
      sample: com.amazonaws.global.cloudfront.origin-facing
    prefix_list_arn:
      description: The ARN of the prefix list.
      returned: always
      type: str
      sample: arn:aws:ec2:eu-west-2:aws:prefix-list/pl-93a247fa
    address_family:
      description: The IP address family.
      returned: always
      type: str
      sample: IPv4
    max_entries:
      description: The maximum number of entries, V(null) when AWS does not report it.
      returned: always
      type: int
      sample: 55
    owner_id:
      description: The owner of the prefix list, V(AWS) for AWS-managed lists.
      returned: always
      type: str
      sample: AWS
    state:
      description: The state of the prefix list.
      returned: always
      type: str
      sample: create-complete
    version:
      description: The version of the prefix list, V(null) when AWS does not report it.
      returned: always
      type: int
      sample: 1
    tags:
      description: The tags of the prefix list.
      returned: always
      type: dict
      sample: {}
    entries:
      description: The entries of the prefix list, sorted by CIDR.
      returned: when O(include_entries=true)
      type: list
      elements: dict
      contains:
        cidr:
          description: The CIDR block.
          returned: always
          type: str
          sample: 130.176.0.0/18
        description:
          description: The description of the entry, V(null) when there is none.
          returned: always
          type: str
          sample: default
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict


def describe_managed_prefix_lists(client, filters):
    return paginate(client, "describe_managed_prefix_lists", "PrefixLists", Filters=filters)


def get_managed_prefix_list_entries(client, prefix_list_id):
    return paginate(client, "get_managed_prefix_list_entries", "Entries", PrefixListId=prefix_list_id)


def find_missing(requested, found):
    """Requested values (input order, de-duplicated) that are not in ``found``."""
    found = set(found)
    missing = []
    for value in requested or []:
        if value not in found and value not in missing:
            missing.append(value)
    return missing


def order_by_requested(items, field, requested):
    """Order ``items`` by the position of ``item[field]`` in ``requested``; unrequested items go last, by field."""
    position = {}
    for index, value in enumerate(requested or []):
        position.setdefault(value, index)
    return sorted(items, key=lambda item: (position.get(item.get(field), len(position)), str(item.get(field))))


def normalize_prefix_list(prefix_list):
    return {
        "prefix_list_id": prefix_list.get("PrefixListId"),
        "prefix_list_name": prefix_list.get("PrefixListName"),
        "prefix_list_arn": prefix_list.get("PrefixListArn"),
        "address_family": prefix_list.get("AddressFamily"),
        "max_entries": prefix_list.get("MaxEntries"),
        "owner_id": prefix_list.get("OwnerId"),
        "state": prefix_list.get("State"),
        "version": prefix_list.get("Version"),
        "tags": as_dict(prefix_list.get("Tags")),
    }


def normalize_entries(entries):
    return sorted(
        ({"cidr": e.get("Cidr"), "description": e.get("Description")} for e in entries),
        key=lambda e: e["cidr"] or "",
    )


def build_filters(module):
    filters = dict(module.params["filters"] or {})
    for option, filter_name in (("names", "prefix-list-name"), ("ids", "prefix-list-id")):
        if module.params[option] is None:
            continue
        if filter_name in filters:
            module.fail_json(msg=f"The {filter_name} filter can not be combined with {option}")
        filters[filter_name] = list(module.params[option])
    return ansible_dict_to_boto3_filter_list(filters)


def main():
    argument_spec = dict(
        names=dict(type="list", elements="str"),
        ids=dict(type="list", elements="str"),
        filters=dict(type="dict", default={}),
        include_entries=dict(type="bool", default=False),
        fail_on_missing=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["names", "ids"]],
        supports_check_mode=True,
    )

    names = module.params["names"]
    ids = module.params["ids"]
    filters = build_filters(module)
    if (names is not None and not names) or (ids is not None and not ids):
        module.exit_json(changed=False, prefix_lists=[])

    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        prefix_lists = [normalize_prefix_list(p) for p in describe_managed_prefix_lists(client, filters)]
        if module.params["include_entries"]:
            for prefix_list in prefix_lists:
                entries = get_managed_prefix_list_entries(client, prefix_list["prefix_list_id"])
                prefix_list["entries"] = normalize_entries(entries)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to describe managed prefix lists")

    if names is not None:
        requested, field, label = names, "prefix_list_name", "names"
    elif ids is not None:
        requested, field, label = ids, "prefix_list_id", "ids"
    else:
        requested, field, label = None, None, None

    if requested is not None:
        missing = find_missing(requested, [p[field] for p in prefix_lists])
        if missing and module.params["fail_on_missing"]:
            module.fail_json(
                msg=f"Managed prefix lists not found ({label}): {', '.join(missing)}",
                missing=missing,
                prefix_lists=order_by_requested(prefix_lists, field, requested),
            )
        prefix_lists = order_by_requested(prefix_lists, field, requested)
    else:
        prefix_lists = sorted(prefix_lists, key=lambda p: (p["prefix_list_name"] or "", p["prefix_list_id"] or ""))

    module.exit_json(changed=False, prefix_lists=prefix_lists)


if __name__ == "__main__":
    main()
