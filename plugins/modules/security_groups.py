#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: security_groups
version_added: 0.1.0
short_description: Manage all the security groups of a VPC, with their rules and tags, in one task
description:
  - Ensures every security group of O(groups) exists in the VPC O(vpc_id) (found by its name) with its ingress and
    egress rules and its tags. Rules may name other groups of the same call by name or role, so mutually
    referencing groups (a load balancer and its targets) are declared together and created in one run.
  - The rules follow M(amazon.aws.ec2_security_group) for the options they share (C(proto), C(ports),
    C(from_port), C(to_port), C(icmp_type), C(icmp_code), C(cidr_ip), C(cidr_ipv6), C(ip_prefix), C(group_id),
    C(group_name), C(rule_desc)) - a rule is one protocol and port range for one source, C(ports) and the source
    lists expand to every combination, CIDRs are compared in canonical form (host bits set are cleared with a
    warning), C(proto=all) and C(-1) mean all traffic (no ports), and a rule whose description alone differs is
    updated in place (C(UpdateSecurityGroupRuleDescriptionsIngress/Egress)), never revoked and authorized again.
  - The groups of the VPC are read with one paginated C(DescribeSecurityGroups) call; a second run with nothing to
    change makes no write call.
  - AWS adds an "all traffic to 0.0.0.0/0" egress rule to every new group. As with
    M(amazon.aws.ec2_security_group) and C(purge_rules_egress=true), it is revoked unless O(groups[].rules_egress)
    declares it.
  - A group's description cannot be changed (AWS has no API for it), so a different one is reported with a warning,
    as M(amazon.aws.ec2_security_group) does.
  - Groups are never deleted.
author:
  - rocketclub platform team (@rocketclub)
options:
  vpc_id:
    description:
      - ID of the VPC of the groups.
      - In check mode a placeholder of a VPC a real run would create (V(pending:vpc/<name>)) is accepted; every
        group would then be created, and no AWS call is made.
    type: str
    required: true
  groups:
    description:
      - The security groups, in any order.
    type: list
    elements: dict
    required: true
    suboptions:
      role:
        description:
          - Short unique key of the group in this call (for example V(alb)); RV(group_ids) is keyed by it, rules
            can name the group by it (C(group_role)), and it is the value of the O(role_tag) tag.
        type: str
        required: true
      name:
        description:
          - The group name (C(GroupName)), unique in the VPC. The group is found by it. Also its C(Name) tag.
        type: str
        required: true
      description:
        description:
          - The group description, used when the group is created (it cannot be changed afterwards).
        type: str
        required: true
      rules:
        description:
          - Ingress rules. The options are those of O(groups[].rules_egress).
        type: list
        elements: dict
        default: []
      rules_egress:
        description:
          - Egress rules. Each rule takes these options.
          - C(proto) (default V(tcp)) - V(tcp), V(udp), V(icmp), V(icmpv6), V(all) or V(-1) (all traffic), or an
            IP protocol number.
          - C(ports) - list of ports or C(from-to) ranges (strings or integers); or C(from_port) and C(to_port); or,
            for ICMP, C(icmp_type) and C(icmp_code) (V(-1) for any code). A V(tcp) or V(udp) rule needs one of them.
          - The source (ingress) or destination (egress), at least one of - C(cidr_ip) (IPv4 CIDRs),
            C(cidr_ipv6) (IPv6 CIDRs), C(ip_prefix) (managed prefix list ids), C(group_id) (security group ids),
            C(group_name) (names of groups of this call, or of other groups of the VPC), C(group_role) (roles of
            groups of this call). Each takes one value or a list.
          - C(rule_desc) - the rule description (none when omitted).
          - C(group_desc) - accepted for rule lists written for M(amazon.aws.ec2_security_group) and ignored, because a
            group named by a rule is never created from it; it must be one of O(groups) or exist in the VPC.
        type: list
        elements: dict
        default: []
      purge_rules:
        description:
          - Revoke the ingress rules of the group that are not in O(groups[].rules).
          - With V(false) existing ingress rules are kept (for example rules another module manages).
        type: bool
        default: true
      purge_rules_egress:
        description:
          - Revoke the egress rules of the group that are not in O(groups[].rules_egress).
        type: bool
        default: true
      tags:
        description:
          - Tags of this group, merged over O(tags).
        type: dict
        default: {}
  tags:
    description:
      - Tags of every group. Each group also gets C(Name) (its name) and O(role_tag) (its role).
    type: dict
    default: {}
    aliases: ["resource_tags"]
  purge_tags:
    description:
      - Remove the tags of the groups that are not declared. Tags starting with C(aws:) are never removed.
    type: bool
    default: true
  role_tag:
    description:
      - Key of the tag carrying each group's O(groups[].role). An empty string means no such tag.
    type: str
    default: "platform:sg-role"
notes:
  - Supports C(check_mode) (the result predicts a real run exactly; a group to be created gets the id
    V(pending:security-group/<name>), which downstream modules of this collection accept in check mode) and
    C(diff) (per group name - description, tags, and the ingress and egress rules as text).
  - Right after C(CreateSecurityGroup) AWS may answer C(InvalidGroup.NotFound) for the new group for a while
    (eventual consistency). Calls that involve a group created in this run retry that error for up to five
    minutes, as terraform-provider-aws does for C(aws_security_group) (internal/service/ec2/vpc_security_group.go,
    C(waitSecurityGroupCreated)).
  - When C(AuthorizeSecurityGroupIngress/Egress) answers C(InvalidPermission.Duplicate) (the rule appeared
    meanwhile), the permissions are authorized one by one and those already present are skipped.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A load balancer group and its targets, referencing each other by name
  rocketclub.platform.security_groups:
    vpc_id: "{{ vpc.vpc.id }}"
    tags: {Environment: prod}
    groups:
      - role: alb
        name: prod-alb
        description: ALB - 443 from CloudFront
        rules:
          - proto: tcp
            ports: [443]
            ip_prefix: "{{ cloudfront_prefix_list_id }}"
            rule_desc: HTTPS from CloudFront
        rules_egress:
          - proto: tcp
            ports: [8080]
            group_name: prod-app
            rule_desc: ALB to the app
      - role: app
        name: prod-app
        description: App tasks - 8080 from the ALB
        rules:
          - proto: tcp
            ports: [8080]
            group_role: alb
            rule_desc: App port from the ALB
        rules_egress:
          - proto: tcp
            ports: [443]
            cidr_ip: 0.0.0.0/0
  register: security_groups

- name: Use the ids
  ansible.builtin.debug:
    msg: "ALB group {{ security_groups.group_ids.alb }}"

- name: Keep ingress rules another task manages
  rocketclub.platform.security_groups:
    vpc_id: vpc-0123456789abcdef0
    groups:
      - role: web
        name: web
        description: Web
        purge_rules: false
        rules_egress: []
"""

RETURN = r"""
group_ids:
  description:
    - The id of each group by its role. In check mode a group that would be created has the id
      V(pending:security-group/<name>).
  returned: always
  type: dict
  sample: {"alb": "sg-0123456789abcdef0", "ecs": "sg-0fedcba9876543210"}
groups:
  description: Each group after the run (predicted in check mode), in the order of O(groups).
  returned: always
  type: list
  elements: dict
  contains:
    role:
      description: The role of the group.
      type: str
      returned: always
      sample: alb
    name:
      description: The group name.
      type: str
      returned: always
      sample: prod-alb
    group_id:
      description: The group id (a placeholder in check mode when it would be created).
      type: str
      returned: always
      sample: sg-0123456789abcdef0
    created:
      description: Whether the group was (or would be) created.
      type: bool
      returned: always
      sample: false
    changed:
      description: Whether anything of the group was (or would be) changed.
      type: bool
      returned: always
      sample: false
    description:
      description: The group description.
      type: str
      returned: always
      sample: ALB - 443 from CloudFront
    tags:
      description: The tags of the group.
      type: dict
      returned: always
      sample: {"Name": "prod-alb", "platform:sg-role": "alb"}
    ingress:
      description: The ingress rules, sorted, one source per rule, each as protocol, ports, source and description.
      type: list
      elements: dict
      returned: always
      sample: [{"proto": "tcp", "from_port": 443, "to_port": 443, "source": "pl-93a247fa",
                "source_type": "ip_prefix", "description": "HTTPS from CloudFront"}]
    egress:
      description: The egress rules, as RV(groups[].ingress).
      type: list
      elements: dict
      returned: always
      sample: []
    added:
      description: Rules authorized (or to be), as C(ingress|egress <proto> <ports> <source>).
      type: list
      elements: str
      returned: always
      sample: ["egress tcp 8080 sg:prod-app"]
    removed:
      description: Rules revoked (or to be), as RV(groups[].added).
      type: list
      elements: str
      returned: always
      sample: ["egress all 0.0.0.0/0"]
    described:
      description: Rules whose description was (or would be) updated in place, as RV(groups[].added).
      type: list
      elements: str
      returned: always
      sample: []
"""

import copy
import ipaddress
import itertools

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import Propagation
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import retry_propagation
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags

DIRECTIONS = ("ingress", "egress")
SOURCE_OPTIONS = ("cidr_ip", "cidr_ipv6", "ip_prefix", "group_id", "group_name", "group_role")
RULE_OPTIONS = SOURCE_OPTIONS + (
    "proto",
    "ports",
    "from_port",
    "to_port",
    "icmp_type",
    "icmp_code",
    "rule_desc",
    "group_desc",
)
PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
PORTED = ("tcp", "udp")
ICMP = ("icmp", "icmpv6")
# The rule AWS adds to every new security group (CreateSecurityGroup).
DEFAULT_EGRESS = ("-1", None, None, "ipv4", "0.0.0.0/0")

# terraform-provider-aws internal/service/ec2/vpc_security_group.go (resourceSecurityGroupCreate ->
# waitSecurityGroupCreated, NotFoundChecks until the create timeout) and internal/service/ec2/consts.go
# (ec2PropagationTimeout, 5 minutes): a new group's id is not known everywhere at once.
NEW_GROUP = Propagation(
    "ec2 call on a new security group",
    (("InvalidGroup.NotFound", None),),
    budget=300,
    source="terraform-provider-aws internal/service/ec2/vpc_security_group.go (waitSecurityGroupCreated)",
)


class RuleError(Exception):
    """Bad rule input, reported before any API call."""


# -- rules -------------------------------------------------------------------------------------------


def as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        flat = []
        for item in value:
            flat.extend(as_list(item))
        return flat
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def normalise_protocol(proto):
    text = str(proto if proto is not None else "tcp").strip().lower()
    if text in ("all", "-1"):
        return "-1"
    return PROTOCOL_NUMBERS.get(text, text)


def canonical_cidr(text, family, warn=None):
    """The canonical text of a CIDR of ``family`` (4 or 6); host bits set are cleared (with ``warn``)."""
    raw = str(text).strip()
    try:
        network = ipaddress.ip_network(raw, strict=False)
    except ValueError:
        raise RuleError(f"{raw!r} is not an IPv{family} CIDR") from None
    if network.version != family:
        raise RuleError(f"{raw!r} is not an IPv{family} CIDR")
    if warn is not None and str(network) != raw:
        try:
            ipaddress.ip_network(raw)
        except ValueError:
            warn(f"The CIDR {raw} has host bits set; {network} is used. Write {network} to get rid of this warning.")
    return str(network)


def port_ranges(rule, proto):
    """``[(from, to), ...]`` of a desired rule; ``[(None, None)]`` when the protocol has no ports."""
    if proto == "-1" or (proto not in PORTED and proto not in ICMP):
        return [(None, None)]
    if proto in ICMP:
        if rule.get("icmp_type") is not None:
            code = rule.get("icmp_code")
            return [(int(rule["icmp_type"]), int(code) if code is not None else -1)]
        if rule.get("from_port") is not None or rule.get("to_port") is not None:
            return [(int(rule.get("from_port", -1)), int(rule.get("to_port", -1)))]
        return [(-1, -1)]
    if rule.get("ports") not in (None, []):
        ranges = []
        for port in as_list(rule["ports"]):
            text = str(port).strip()
            try:
                low, high = text.split("-", 1) if "-" in text[1:] else (text, text)
                pair = tuple(sorted((int(low), int(high))))
            except ValueError:
                raise RuleError(f"port {port!r} is neither a port nor a from-to range") from None
            if not 0 <= pair[0] <= pair[1] <= 65535:
                raise RuleError(f"port {port!r} is not between 0 and 65535")
            ranges.append(pair)
        return ranges
    if rule.get("from_port") is not None and rule.get("to_port") is not None:
        return [(int(rule["from_port"]), int(rule["to_port"]))]
    raise RuleError(f"a {proto} rule needs ports, or from_port and to_port")


def rule_text(direction, key, names=None):
    proto, low, high, kind, target = key
    if proto == "-1":
        ports = "all"
    elif low is None:
        ports = f"proto {proto}"
    else:
        ports = f"{proto} {low}" if low == high else f"{proto} {low}-{high}"
    if kind == "group":
        target = "sg:" + (names or {}).get(target, target)
    return f"{direction} {ports} {target}"


def desired_rules(rules, resolve_group, warn):
    """``{key: description}`` of a list of rule options; ``key`` = (proto, from, to, kind, target)."""
    desired = {}
    for index, rule in enumerate(rules or []):
        if not isinstance(rule, dict):
            raise RuleError(f"rule {index} is not a dictionary")
        unknown = sorted(set(rule) - set(RULE_OPTIONS))
        if unknown:
            raise RuleError(f"rule {index} has unknown option(s) {', '.join(unknown)}")
        proto = normalise_protocol(rule.get("proto"))
        if (rule.get("icmp_type") is not None or rule.get("icmp_code") is not None) and proto not in ICMP:
            raise RuleError(f"rule {index}: icmp_type and icmp_code need proto icmp or icmpv6")
        try:
            ranges = port_ranges(rule, proto)
            targets = []
            for cidr in as_list(rule.get("cidr_ip")):
                targets.append(("ipv4", canonical_cidr(cidr, 4, warn)))
            for cidr in as_list(rule.get("cidr_ipv6")):
                targets.append(("ipv6", canonical_cidr(cidr, 6, warn)))
            targets += [("ip_prefix", str(p)) for p in as_list(rule.get("ip_prefix"))]
            targets += [("group", str(g)) for g in as_list(rule.get("group_id"))]
            targets += [("group", resolve_group("group_name", str(g))) for g in as_list(rule.get("group_name"))]
            targets += [("group", resolve_group("group_role", str(g))) for g in as_list(rule.get("group_role"))]
        except RuleError as e:
            raise RuleError(f"rule {index}: {e}") from None
        if not targets:
            raise RuleError(f"rule {index} has no source: give one of {', '.join(SOURCE_OPTIONS)}")
        description = str(rule.get("rule_desc") or "")
        for (low, high), (kind, target) in itertools.product(ranges, targets):
            desired[(proto, low, high, kind, target)] = description
    return desired


def live_rules(permissions):
    """``{key: (description, raw_permission)}`` of a group's ``IpPermissions`` or ``IpPermissionsEgress``.

    ``raw_permission`` is the single-source permission as AWS returned it, description included, as
    M(amazon.aws.ec2_security_group) revokes it (AWS matches the CIDR text literally).
    """
    found = {}
    for permission in permissions or []:
        proto = normalise_protocol(permission.get("IpProtocol"))
        if proto == "-1" or (proto not in PORTED and proto not in ICMP):
            low = high = None
        else:
            low, high = permission.get("FromPort"), permission.get("ToPort")
        base = {"IpProtocol": permission.get("IpProtocol")}
        for port_key in ("FromPort", "ToPort"):
            if port_key in permission:
                base[port_key] = permission[port_key]
        entries = []
        for item in permission.get("IpRanges") or []:
            entries.append(("ipv4", _live_cidr(item["CidrIp"]), "IpRanges", item))
        for item in permission.get("Ipv6Ranges") or []:
            entries.append(("ipv6", _live_cidr(item["CidrIpv6"]), "Ipv6Ranges", item))
        for item in permission.get("PrefixListIds") or []:
            entries.append(("ip_prefix", item["PrefixListId"], "PrefixListIds", item))
        for item in permission.get("UserIdGroupPairs") or []:
            pair = {k: item[k] for k in ("UserId", "GroupId", "Description") if item.get(k) is not None}
            entries.append(("group", item.get("GroupId"), "UserIdGroupPairs", pair))
        for kind, target, list_key, item in entries:
            raw = dict(base)
            raw[list_key] = [dict(item)]
            found[(proto, low, high, kind, target)] = (item.get("Description") or "", raw)
    return found


def _live_cidr(text):
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return text


def to_permission(key, description):
    """The ``IpPermissions`` entry authorizing one desired rule."""
    proto, low, high, kind, target = key
    permission = {"IpProtocol": proto}
    if low is not None:
        permission["FromPort"], permission["ToPort"] = low, high
    if kind == "ipv4":
        item, list_key = {"CidrIp": target}, "IpRanges"
    elif kind == "ipv6":
        item, list_key = {"CidrIpv6": target}, "Ipv6Ranges"
    elif kind == "ip_prefix":
        item, list_key = {"PrefixListId": target}, "PrefixListIds"
    else:
        item, list_key = {"GroupId": target}, "UserIdGroupPairs"
    if description:
        item["Description"] = description
    permission[list_key] = [item]
    return permission


def with_description(raw, description):
    """A live single-source permission with ``description`` (none when empty)."""
    permission = copy.deepcopy(raw)
    for list_key in ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"):
        for item in permission.get(list_key) or []:
            item.pop("Description", None)
            if description:
                item["Description"] = description
    return permission


def plan_rules(desired, current, purge):
    """``(add, revoke, describe)``: keys to authorize, live keys to revoke, keys whose description differs."""
    add = sorted((k for k in desired if k not in current), key=_sort_key)
    describe = sorted((k for k in desired if k in current and current[k][0] != desired[k]), key=_sort_key)
    revoke = sorted((k for k in current if k not in desired), key=_sort_key) if purge else []
    return add, revoke, describe


def _sort_key(key):
    proto, low, high, kind, target = key
    return (kind, str(target), proto, -2 if low is None else low, -2 if high is None else high)


def rule_view(key, description, names):
    proto, low, high, kind, target = key
    return {
        "proto": "all" if proto == "-1" else proto,
        "from_port": low,
        "to_port": high,
        "source_type": kind,
        "source": ("sg:" + names[target]) if kind == "group" and target in names else target,
        "description": description,
    }


# -- AWS -----------------------------------------------------------------------------------------------


def describe_vpc_groups(client, vpc_id):
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}]
    return paginate(client, "describe_security_groups", "SecurityGroups", Filters=filters)


class Runner:
    """Plans and applies the groups of one module run."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.wrote = False
        self.new_ids = set()

    def call(self, method, group_ids, **kwargs):
        """A write (or read) on the client; retries InvalidGroup.NotFound when it involves a new group."""
        func = getattr(self.client, method)
        if self.new_ids.intersection(group_ids):
            func = retry_propagation(self.module, NEW_GROUP, ", ".join(sorted(group_ids)))(func)
        return func(aws_retry=True, **kwargs)

    def write(self, method, group_ids, **kwargs):
        self.wrote = True
        return self.call(method, group_ids, **kwargs)


def referenced_ids(permissions):
    return [p.get("GroupId") for perm in permissions for p in perm.get("UserIdGroupPairs") or [] if p.get("GroupId")]


def validate(module, groups):
    roles, names = {}, {}
    for index, group in enumerate(groups):
        for option in ("role", "name", "description"):
            if not str(group.get(option) or "").strip():
                module.fail_json(msg=f"groups[{index}].{option} must not be empty")
        if group["role"] in roles:
            module.fail_json(
                msg=f"groups[{index}].role {group['role']!r} is also the role of groups[{roles[group['role']]}]"
            )
        if group["name"] in names:
            module.fail_json(
                msg=f"groups[{index}].name {group['name']!r} is also the name of groups[{names[group['name']]}]"
            )
        if group["name"].lower().startswith("sg-"):
            module.fail_json(msg=f"groups[{index}].name {group['name']!r}: AWS refuses group names starting with sg-")
        roles[group["role"]], names[group["name"]] = index, index


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        groups=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                role=dict(type="str", required=True),
                name=dict(type="str", required=True),
                description=dict(type="str", required=True),
                rules=dict(type="list", elements="dict", default=[]),
                rules_egress=dict(type="list", elements="dict", default=[]),
                purge_rules=dict(type="bool", default=True),
                purge_rules_egress=dict(type="bool", default=True),
                tags=dict(type="dict", default={}),
            ),
        ),
        tags=dict(type="dict", default={}, aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        role_tag=dict(type="str", default="platform:sg-role"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    vpc_id = module.params["vpc_id"]
    groups = module.params["groups"]
    validate(module, groups)
    fail_if_pending(
        module,
        vpc_id=vpc_id,
        **{
            "groups[].rules[].group_id": [
                ref
                for g in groups
                for option in ("rules", "rules_egress")
                for r in g[option] or []
                if isinstance(r, dict)
                for ref in as_list(r.get("group_id"))
            ]
        },
    )

    # Read: one call for every group of the VPC (none when the VPC itself is still to be created).
    client = None
    live = []
    if not is_pending(vpc_id):
        client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
        try:
            live = describe_vpc_groups(client, vpc_id)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to describe the security groups of {vpc_id}")
    live_by_name = {g["GroupName"]: g for g in live}

    # Ids: live, or a placeholder for the groups to create (replaced by the real id after creation).
    ids = {}
    for group in groups:
        found = live_by_name.get(group["name"])
        ids[group["name"]] = found["GroupId"] if found else pending_id("security-group", group["name"])
    by_role = {g["role"]: g["name"] for g in groups}
    names_by_id = {g["GroupId"]: g["GroupName"] for g in live}

    def resolve(option, value):
        if option == "group_role":
            if value not in by_role:
                raise RuleError(f"group_role {value!r} is not the role of any of groups ({', '.join(sorted(by_role))})")
            return ids[by_role[value]]
        if value in ids:
            return ids[value]
        if value in live_by_name:
            return live_by_name[value]["GroupId"]
        raise RuleError(
            f"group_name {value!r} is neither one of groups nor a security group of {vpc_id}; add it to groups "
            "(this module never creates a group from group_desc)"
        )

    def plan(warn=True):
        """The per-group plan against the live (or, for a group to create, AWS's initial) state; ``warn=False``
        when planning again after the creation (the warnings were given the first time)."""
        plans = []
        for index, group in enumerate(groups):
            found = live_by_name.get(group["name"])
            entry = {"group": group, "found": found, "id": ids[group["name"]], "rules": {}}
            for direction, option, purge_option, live_key in (
                ("ingress", "rules", "purge_rules", "IpPermissions"),
                ("egress", "rules_egress", "purge_rules_egress", "IpPermissionsEgress"),
            ):
                try:
                    desired = desired_rules(group[option], resolve, module.warn if warn else None)
                except RuleError as e:
                    module.fail_json(msg=f"groups[{index}] ({group['name']}) {option}: {e}")
                if found is not None:
                    current = live_rules(found.get(live_key))
                elif direction == "egress":
                    current = {DEFAULT_EGRESS: ("", to_permission(DEFAULT_EGRESS, ""))}
                else:
                    current = {}
                add, revoke, describe = plan_rules(desired, current, group[purge_option])
                entry["rules"][direction] = {
                    "desired": desired,
                    "current": current,
                    "add": add,
                    "revoke": revoke,
                    "describe": describe,
                }
            role_tag = {module.params["role_tag"]: group["role"]} if module.params["role_tag"] else {}
            common = module.params["tags"]
            wanted_tags = desired_tags(common, group["tags"], role_tag, name=group["name"], managed=False)
            entry["wanted_tags"] = wanted_tags
            have = as_dict(found.get("Tags")) if found else {}
            entry["have_tags"] = have
            entry["tag_plan"] = plan_tags(have, wanted_tags, module.params["purge_tags"])
            if found is not None:
                if warn and found.get("Description") != group["description"]:
                    module.warn(
                        f"Security group {group['name']} ({found['GroupId']}) has the description "
                        f"{found.get('Description')!r}, not {group['description']!r}. AWS cannot change a group's "
                        "description; delete and re-create the group to change it. It is left as it is."
                    )
            plans.append(entry)
        return plans

    plans = plan()
    runner = Runner(module, client)
    created = {g["name"] for g in groups if g["name"] not in live_by_name}
    if not module.check_mode and created:
        try:
            for entry in plans:
                group = entry["group"]
                if entry["found"] is not None:
                    continue
                answer = runner.write(
                    "create_security_group",
                    [],
                    GroupName=group["name"],
                    Description=group["description"],
                    VpcId=vpc_id,
                    TagSpecifications=boto3_tag_specifications(entry["wanted_tags"], ["security-group"]),
                )
                ids[group["name"]] = answer["GroupId"]
                runner.new_ids.add(answer["GroupId"])
            # Wait until the new groups are visible, and plan against the rules AWS really gave them.
            fresh = runner.call("describe_security_groups", runner.new_ids, GroupIds=sorted(runner.new_ids))[
                "SecurityGroups"
            ]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(
                e, msg="Failed to create the security groups", changed=runner.wrote, group_ids=_role_ids(groups, ids)
            )
        for group in fresh:
            # AWS adds its "all traffic" egress rule to a new group; terraform revokes it without waiting to see it.
            if not any(live_rules([p]).get(DEFAULT_EGRESS) for p in group.get("IpPermissionsEgress") or []):
                group["IpPermissionsEgress"] = list(group.get("IpPermissionsEgress") or []) + [
                    to_permission(DEFAULT_EGRESS, "")
                ]
            live_by_name[group["GroupName"]] = group
            names_by_id[group["GroupId"]] = group["GroupName"]
        plans = plan(warn=False)
        for entry in plans:
            entry["created"] = entry["group"]["name"] in created
            # The new groups carry their tags from CreateSecurityGroup already.
            if entry["created"]:
                entry["tag_plan"] = plan_tags(entry["wanted_tags"], entry["wanted_tags"])
    else:
        for entry in plans:
            entry["created"] = entry["group"]["name"] in created

    names = dict(names_by_id)
    names.update({ids[g["name"]]: g["name"] for g in groups})

    results, before, after = [], {}, {}
    changed = bool(created)
    try:
        for entry in plans:
            group = entry["group"]
            group_id = ids[group["name"]]
            group_changed = entry["created"]
            if apply_tags(
                entry["tag_plan"],
                tag=lambda tags, group_id=group_id: runner.write(
                    "create_tags", [group_id], Resources=[group_id], Tags=ansible_dict_to_boto3_tag_list(tags)
                ),
                untag=lambda keys, group_id=group_id: runner.write(
                    "delete_tags", [group_id], Resources=[group_id], Tags=[{"Key": k} for k in keys]
                ),
                check_mode=module.check_mode,
            ):
                group_changed = True
            texts = {"added": [], "removed": [], "described": []}
            for direction in DIRECTIONS:
                rules = entry["rules"][direction]
                suffix = "ingress" if direction == "ingress" else "egress"
                if rules["describe"] or rules["revoke"] or rules["add"]:
                    group_changed = True
                texts["described"] += [rule_text(direction, k, names) for k in rules["describe"]]
                texts["removed"] += [rule_text(direction, k, names) for k in rules["revoke"]]
                texts["added"] += [rule_text(direction, k, names) for k in rules["add"]]
                if module.check_mode:
                    continue
                if rules["describe"]:
                    permissions = [
                        with_description(rules["current"][k][1], rules["desired"][k]) for k in rules["describe"]
                    ]
                    runner.write(
                        f"update_security_group_rule_descriptions_{suffix}",
                        [group_id],
                        GroupId=group_id,
                        IpPermissions=permissions,
                    )
                if rules["revoke"]:
                    revoke(runner, suffix, group_id, [rules["current"][k][1] for k in rules["revoke"]])
                if rules["add"]:
                    permissions = [to_permission(k, rules["desired"][k]) for k in rules["add"]]
                    authorize(runner, suffix, group_id, permissions)
            changed |= group_changed
            final_tags = dict(entry["tag_plan"].result)
            description = entry["found"]["Description"] if entry["found"] is not None else group["description"]
            final = {
                direction: sorted(
                    (rule_view(k, d, names) for k, d in _final_rules(entry["rules"][direction]).items()),
                    key=lambda r: (
                        r["source_type"],
                        str(r["source"]),
                        r["proto"],
                        str(r["from_port"]),
                        str(r["to_port"]),
                    ),
                )
                for direction in DIRECTIONS
            }
            results.append(
                dict(
                    role=group["role"],
                    name=group["name"],
                    group_id=group_id,
                    created=entry["created"],
                    changed=group_changed,
                    description=description,
                    tags=final_tags,
                    ingress=final["ingress"],
                    egress=final["egress"],
                    **texts,
                )
            )
            if not entry["created"]:
                before[group["name"]] = _diff_view(
                    description,
                    entry["have_tags"],
                    {d: {k: v[0] for k, v in entry["rules"][d]["current"].items()} for d in DIRECTIONS},
                    names,
                )
            after[group["name"]] = _diff_view(
                description, final_tags, {d: _final_rules(entry["rules"][d]) for d in DIRECTIONS}, names
            )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(
            e, msg="Failed to update the security groups", changed=runner.wrote, group_ids=_role_ids(groups, ids)
        )

    module.exit_json(
        changed=changed,
        group_ids=_role_ids(groups, ids),
        groups=results,
        diff={"before": before, "after": after},
    )


def _role_ids(groups, ids):
    return {g["role"]: ids[g["name"]] for g in groups}


def _final_rules(rules):
    """``{key: description}`` after the run."""
    final = {k: v[0] for k, v in rules["current"].items() if k not in rules["revoke"]}
    final.update({k: rules["desired"][k] for k in rules["add"] + rules["describe"]})
    return final


def _diff_view(description, tags, rules, names):
    view = {"description": description, "tags": dict(sorted(tags.items()))}
    for direction in DIRECTIONS:
        view[direction] = sorted(
            rule_text(direction, k, names).split(" ", 1)[1] + (f" ({d})" if d else "")
            for k, d in rules[direction].items()
        )
    return view


def revoke(runner, suffix, group_id, permissions):
    """Revoke ``permissions`` (the live ones: AWS matches them literally). AWS answers success with
    ``UnknownIpPermissions`` for a permission it did not match; that is an error here, not a silent no-op."""
    answer = runner.write(f"revoke_security_group_{suffix}", [group_id], GroupId=group_id, IpPermissions=permissions)
    unknown = (answer or {}).get("UnknownIpPermissions") or []
    if unknown:
        runner.module.fail_json(
            msg=f"AWS did not revoke these {suffix} rules of {group_id}, it found no such rule: {unknown}. "
            "Someone changed the group meanwhile; run again.",
            changed=True,
        )


def authorize(runner, suffix, group_id, permissions):
    """Authorize ``permissions``; on InvalidPermission.Duplicate (a rule appeared meanwhile) one by one."""
    method = f"authorize_security_group_{suffix}"
    involved = [group_id] + referenced_ids(permissions)
    try:
        runner.write(method, involved, GroupId=group_id, IpPermissions=permissions)
    except is_boto3_error_code("InvalidPermission.Duplicate"):
        for permission in permissions:
            try:
                runner.write(
                    method, [group_id] + referenced_ids([permission]), GroupId=group_id, IpPermissions=[permission]
                )
            except is_boto3_error_code("InvalidPermission.Duplicate"):
                continue


if __name__ == "__main__":
    main()
