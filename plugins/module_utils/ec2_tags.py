# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tags of EC2 resources (subnets, route tables, internet and NAT gateways, Elastic IPs, VPC endpoints).

EC2 tags every kind of resource with the same two calls, ``CreateTags`` and ``DeleteTags`` on a resource
id; this applies a plan of the shared core (``module_utils/tags.py``) with them.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags


def apply_ec2_tags(client, resource_id, plan, check_mode):
    """Apply ``plan`` (a core ``TagPlan``) to one EC2 resource; ``client`` is a ``module.client("ec2", ...)``
    with its retry decorator. Returns whether the tags change (also in check mode, which calls nothing)."""
    return apply_tags(
        plan,
        tag=lambda tags: client.create_tags(
            aws_retry=True, Resources=[resource_id], Tags=ansible_dict_to_boto3_tag_list(tags)
        ),
        untag=lambda keys: client.delete_tags(aws_retry=True, Resources=[resource_id], Tags=[{"Key": k} for k in keys]),
        check_mode=check_mode,
    )
