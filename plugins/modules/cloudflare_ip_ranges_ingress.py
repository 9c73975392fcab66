#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudflare_ip_ranges_ingress
version_added: 0.1.0
short_description: Allow ingress to a security group from exactly Cloudflare's published IP ranges
description:
  - Reads Cloudflare's published IP ranges (C(GET /ips) of the Cloudflare v4 API, no token needed) and makes
    the ingress rules of one EC2 security group for the given O(ports) admit exactly those ranges, so that a
    load balancer behind Cloudflare only accepts traffic that came through Cloudflare.
  - Managed rules are the ingress rules of the group with protocol O(protocol), a single port
    (C(FromPort = ToPort)) listed in O(ports) and a CIDR source (IPv4 or IPv6), whatever their description.
    Such rules whose CIDR is not published by Cloudflare any more are revoked, missing ones are authorized with
    the description O(rule_description), and managed rules with another description get O(rule_description).
  - Rules on other ports or protocols, port ranges, and rules whose source is a security group or a prefix list
    are never changed. A rule with a CIDR source whose port range or protocol (C(-1), all traffic) also covers one
    of O(ports) is left alone, with a warning, because it admits traffic that did not come through Cloudflare.
  - Before any write the number of inbound rules the group would have is counted per address family and
    compared with O(max_rules); when it would be exceeded the module fails and changes nothing.
  - When Cloudflare cannot be reached, or answers with an error, the module fails before any AWS call is made.
author:
  - rocketclub platform team (@rocketclub)
options:
  group_id:
    description:
      - ID of the security group whose ingress rules are synchronised.
      - In check mode the placeholder of a group a real run would create (V(pending:security-group/<name>), as
        M(rocketclub.platform.security_groups) returns it) is accepted. Every rule is then reported as to be added
        (after Cloudflare's ranges are read), and no AWS call is made. A real run refuses a placeholder.
    type: str
    required: true
  ports:
    description:
      - The ports to open to Cloudflare's ranges, one rule per port and range.
    type: list
    elements: int
    default: [443]
  protocol:
    description:
      - The protocol of the managed rules.
    type: str
    choices: ["tcp", "udp"]
    default: tcp
  ipv6:
    description:
      - Also allow Cloudflare's IPv6 ranges.
      - With O(ipv6=false) no IPv6 range is allowed and existing IPv6 CIDR rules on O(ports) and O(protocol) are
        revoked.
    type: bool
    default: true
  rule_description:
    description:
      - Description of the managed rules.
      - An empty string means no description.
    type: str
    default: Cloudflare
  max_rules:
    description:
      - The highest number of inbound rules the group may have, counted separately for IPv4 and IPv6 as AWS does
        for the quota C(Inbound or outbound rules per security group) (default quota 60, quota code
        C(L-0EA8095F) of service C(vpc)).
      - All inbound rules of the group count, not only the managed ones. A rule whose source is a security group
        counts once for each family; a rule whose source is a managed prefix list counts as many times as the
        list's maximum number of entries, in the family of the list.
      - Raise it only after the quota of the account and region has been raised.
    type: int
    default: 60
  purge_other_sources:
    description:
      - Also revoke ingress rules on O(ports) whose source is a managed prefix list or a security group, so the
        ports admit exactly Cloudflare's ranges (for example when switching an ALB from CloudFront's
        origin-facing prefix list to Cloudflare).
      - Without it such rules are left alone.
    type: bool
    default: false
    version_added: 0.1.0
notes:
  - Supports C(check_mode) (the result predicts the changes and no write API call is made) and C(diff) (before and
    after the sorted CIDR lists allowed on each port).
  - A second run with unchanged Cloudflare ranges makes no write API call.
  - Stale rules are revoked before missing ones are authorized, so the quota is never exceeded in between.
  - Cloudflare publishes its ranges at U(https://www.cloudflare.com/ips/); they change rarely, and RV(etag)
    changes with them.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - rocketclub.platform.cloudflare
"""

EXAMPLES = r"""
- name: Only admit HTTPS from Cloudflare to the public load balancer
  rocketclub.platform.cloudflare_ip_ranges_ingress:
    group_id: "{{ alb_security_group.group_id }}"
    ports: [443]
  register: cloudflare_ingress

- name: HTTP and HTTPS, IPv4 only, with our own rule description
  rocketclub.platform.cloudflare_ip_ranges_ingress:
    group_id: sg-0123456789abcdef0
    ports: [80, 443]
    ipv6: false
    rule_description: Cloudflare edge (managed by Ansible)

- name: Against the local cloud (emulated AWS and Cloudflare)
  rocketclub.platform.cloudflare_ip_ranges_ingress:
    group_id: "{{ alb_sg_id }}"
    endpoint_url: http://127.0.0.1:4566
    api_base_url: http://127.0.0.1:4567/client/v4
"""

RETURN = r"""
group_id:
  description: The security group.
  returned: always
  type: str
  sample: sg-0123456789abcdef0
etag:
  description: The etag of Cloudflare's published ranges; it changes when the ranges change.
  returned: always
  type: str
  sample: 38f79d050aa027e3be3865e495dcc9bc
ipv4_cidrs:
  description: Cloudflare's published IPv4 ranges, sorted.
  returned: always
  type: list
  elements: str
  sample: ["103.21.244.0/22", "173.245.48.0/20"]
ipv6_cidrs:
  description:
    - Cloudflare's published IPv6 ranges, sorted.
    - Returned even with O(ipv6=false), when they are not allowed.
  returned: always
  type: list
  elements: str
  sample: ["2400:cb00::/32", "2606:4700::/32"]
added:
  description: The rules that were (or would be in check mode) authorized, sorted by port and CIDR.
  returned: always
  type: list
  elements: dict
  contains:
    port:
      description: The port of the rule.
      returned: always
      type: int
      sample: 443
    cidr:
      description: The CIDR source of the rule.
      returned: always
      type: str
      sample: 173.245.48.0/20
  sample: [{"port": 443, "cidr": "173.245.48.0/20"}]
removed:
  description: The rules that were (or would be in check mode) revoked, sorted by port and CIDR.
  returned: always
  type: list
  elements: dict
  contains:
    port:
      description: The port of the rule.
      returned: always
      type: int
      sample: 443
    cidr:
      description: The CIDR source of the rule.
      returned: always
      type: str
      sample: 199.27.128.0/21
  sample: [{"port": 443, "cidr": "199.27.128.0/21"}]
updated:
  description: Managed rules whose description was (or would be in check mode) set to O(rule_description).
  returned: always
  type: list
  elements: dict
  contains:
    port:
      description: The port of the rule.
      returned: always
      type: int
      sample: 443
    cidr:
      description: The CIDR source of the rule.
      returned: always
      type: str
      sample: 173.245.48.0/20
  sample: []
rule_count:
  description:
    - The number of inbound rules of the group after the run (predicted in check mode), per address family, as
      counted for O(max_rules).
  returned: always
  type: dict
  contains:
    ipv4:
      description: Inbound rules counted against the IPv4 quota.
      returned: always
      type: int
      sample: 16
    ipv6:
      description: Inbound rules counted against the IPv6 quota.
      returned: always
      type: int
      sample: 7
  sample: {"ipv4": 16, "ipv6": 7}
"""

import ipaddress

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareClient
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareError
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import cloudflare_argument_spec
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending

FAMILIES = ("ipv4", "ipv6")
FAMILY_LABELS = {"ipv4": "IPv4", "ipv6": "IPv6"}
QUOTA_NAME = "Inbound or outbound rules per security group"
QUOTA_CODE = "L-0EA8095F"


def family_of(cidr):
    return "ipv6" if ":" in cidr else "ipv4"


def normalise_cidr(text):
    """Return the canonical text of a CIDR (``ValueError`` when it is not one)."""
    return str(ipaddress.ip_network(str(text).strip(), strict=False))


def cidr_sort_key(cidr):
    """CIDRs by family, address and length; other sources (prefix list or group ids) after them."""
    try:
        net = ipaddress.ip_network(cidr)
    except ValueError:
        return (1, 0, 0, 0, str(cidr))
    return (0, net.version, int(net.network_address), net.prefixlen, "")


def rule_sort_key(item):
    return (item["port"],) + cidr_sort_key(item["cidr"])


def published_ranges(ips):
    """Validate Cloudflare's ``/ips`` answer; return ``(ipv4, ipv6, etag)`` with sorted canonical CIDRs."""
    ranges = {}
    for family, key in (("ipv4", "ipv4_cidrs"), ("ipv6", "ipv6_cidrs")):
        values = ips.get(key)
        if not isinstance(values, list):
            raise ValueError(f"the answer of GET /ips has no list {key}")
        cidrs = set()
        for value in values:
            try:
                cidr = normalise_cidr(value)
            except ValueError:
                raise ValueError(f"GET /ips returned an invalid CIDR in {key}: {value!r}") from None
            if family_of(cidr) != family:
                raise ValueError(f"GET /ips returned {value!r} in {key}")
            cidrs.add(cidr)
        ranges[family] = sorted(cidrs, key=cidr_sort_key)
    return ranges["ipv4"], ranges["ipv6"], ips.get("etag")


def rule_cidr(rule):
    return rule.get("CidrIpv4") or rule.get("CidrIpv6")


def managed_key(rule, ports, protocol):
    """``(port, cidr)`` when ``rule`` is one this module manages, else ``None``."""
    cidr = rule_cidr(rule)
    if not cidr or rule.get("IsEgress") or str(rule.get("IpProtocol")) != protocol:
        return None
    port = rule.get("FromPort")
    if port != rule.get("ToPort") or port not in ports:
        return None
    return (port, normalise_cidr(cidr))


def shadowing_rules(rules, ports, protocol):
    """CIDR rules that are not managed but also admit one of ``ports`` (all traffic or a port range)."""
    found = []
    for rule in rules:
        if rule.get("IsEgress") or not rule_cidr(rule) or managed_key(rule, ports, protocol) is not None:
            continue
        ip_protocol = str(rule.get("IpProtocol"))
        low, high = rule.get("FromPort", -1), rule.get("ToPort", -1)
        if ip_protocol == "-1" or (ip_protocol == protocol and any(low <= p <= high for p in ports)):
            found.append(rule)
    return found


def count_rules(rules, prefix_list_weights):
    """Inbound rules per address family as AWS counts them against the rules-per-group quota."""
    counts = dict.fromkeys(FAMILIES, 0)
    for rule in rules:
        if rule.get("IsEgress"):
            continue
        cidr = rule_cidr(rule)
        if cidr:
            counts[family_of(cidr)] += 1
        elif rule.get("PrefixListId"):
            for family, weight in prefix_list_weights.get(rule["PrefixListId"], {"ipv4": 1, "ipv6": 1}).items():
                counts[family] += weight
        else:
            # A security group (or any other) reference counts once for each family.
            for family in FAMILIES:
                counts[family] += 1
    return counts


def other_source_rules(rules, ports, protocol):
    """Ingress rules on a managed port whose source is a prefix list or a security group."""
    return [
        rule
        for rule in rules
        if not rule.get("IsEgress")
        and not rule_cidr(rule)
        and str(rule.get("IpProtocol")) == protocol
        and rule.get("FromPort") == rule.get("ToPort")
        and rule.get("FromPort") in ports
    ]


def rule_source(rule):
    """What a rule admits: its CIDR, prefix list id or security group id."""
    if rule_cidr(rule):
        return normalise_cidr(rule_cidr(rule))
    return rule.get("PrefixListId") or (rule.get("ReferencedGroupInfo") or {}).get("GroupId")


def plan_sync(rules, desired, ports, protocol, description):
    """Return ``(current, to_add, to_remove, to_describe)``.

    ``current`` maps each managed ``(port, cidr)`` to its rule, ``to_add`` are sorted ``(port, cidr)``,
    ``to_remove`` and ``to_describe`` are rules. A second rule with the same key (possible only with
    differently written CIDRs) is revoked.
    """
    current = {}
    to_remove = []
    for rule in rules:
        key = managed_key(rule, ports, protocol)
        if key is None:
            continue
        if key in current:
            to_remove.append(rule)
        else:
            current[key] = rule
    to_remove.extend(rule for key, rule in current.items() if key not in desired)
    to_add = sorted((key for key in desired if key not in current), key=lambda k: (k[0],) + cidr_sort_key(k[1]))
    to_describe = [
        current[key] for key in sorted(desired, key=lambda k: (k[0],) + cidr_sort_key(k[1])) if key in current
    ]
    to_describe = [rule for rule in to_describe if rule.get("Description", "") != description]
    return current, to_add, to_remove, to_describe


def as_items(keys):
    return sorted(({"port": port, "cidr": cidr} for port, cidr in keys), key=rule_sort_key)


def rule_item(rule):
    return {"port": rule["FromPort"], "cidr": rule_source(rule)}


def diff_view(ports, keys):
    return {str(port): sorted((cidr for p, cidr in keys if p == port), key=cidr_sort_key) for port in ports}


def ip_permissions(entries, protocol, description):
    """Group ``(port, cidr_as_aws_wants_it)`` into ``IpPermissions`` (one per port)."""
    by_port = {}
    for port, cidr in entries:
        permission = by_port.setdefault(port, {"IpProtocol": protocol, "FromPort": port, "ToPort": port})
        if family_of(cidr) == "ipv6":
            item, key = {"CidrIpv6": cidr}, "Ipv6Ranges"
        else:
            item, key = {"CidrIp": cidr}, "IpRanges"
        if description:
            item["Description"] = description
        permission.setdefault(key, []).append(item)
    return [by_port[port] for port in sorted(by_port)]


def describe_group_rules(client, group_id):
    filters = [{"Name": "group-id", "Values": [group_id]}]
    rules = paginate(client, "describe_security_group_rules", "SecurityGroupRules", Filters=filters)
    return [r for r in rules if r.get("GroupId", group_id) == group_id]


def prefix_list_weights(module, client, rules):
    """``{prefix_list_id: {family: weight}}`` from the lists' maximum number of entries."""
    ids = sorted({r["PrefixListId"] for r in rules if r.get("PrefixListId") and not r.get("IsEgress")})
    if not ids:
        return {}
    try:
        lists = client.describe_managed_prefix_lists(aws_retry=True, PrefixListIds=ids)["PrefixLists"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.warn(
            f"Could not read the managed prefix lists {', '.join(ids)} ({e}); "
            "each counts as one rule per address family"
        )
        return {}
    weights = {}
    for item in lists:
        family = "ipv6" if str(item.get("AddressFamily", "")).lower() == "ipv6" else "ipv4"
        weights[item["PrefixListId"]] = {family: int(item.get("MaxEntries") or 1)}
    return weights


def quota_problems(group_id, before, after, added, removed, max_rules):
    problems = []
    for family in FAMILIES:
        if after[family] > max_rules:
            problems.append(
                f"security group {group_id} would have {after[family]} inbound {FAMILY_LABELS[family]} rules "
                f"(now {before[family]}, {added[family]} to add, {removed[family]} to remove), "
                f"more than max_rules={max_rules}"
            )
    if not problems:
        return None
    return (
        "; ".join(problems) + f". AWS limits them by the quota '{QUOTA_NAME}' (Amazon VPC, quota code {QUOTA_CODE}, "
        "default 60, counted separately for IPv4 and IPv6). Nothing was changed. Raise the quota in Service Quotas "
        f"(aws service-quotas request-service-quota-increase --service-code vpc --quota-code {QUOTA_CODE} "
        "--desired-value N) and then max_rules, or remove other inbound rules, use fewer ports or set ipv6=false."
    )


def family_counts(keys):
    counts = dict.fromkeys(FAMILIES, 0)
    for _port, cidr in keys:
        counts[family_of(cidr)] += 1
    return counts


def main():
    argument_spec = dict(
        group_id=dict(type="str", required=True),
        ports=dict(type="list", elements="int", default=[443]),
        protocol=dict(type="str", default="tcp", choices=["tcp", "udp"]),
        ipv6=dict(type="bool", default=True),
        rule_description=dict(type="str", default="Cloudflare"),
        max_rules=dict(type="int", default=60),
        purge_other_sources=dict(type="bool", default=False),
    )
    argument_spec.update(cloudflare_argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    group_id = module.params["group_id"]
    protocol = module.params["protocol"]
    description = module.params["rule_description"] or ""
    max_rules = module.params["max_rules"]
    ports = sorted(set(module.params["ports"]))
    bad_ports = [p for p in ports if not 0 <= p <= 65535]
    if not ports or bad_ports:
        module.fail_json(
            msg=f"ports must be a non-empty list of ports between 0 and 65535, got {module.params['ports']}"
        )
    if max_rules < 1:
        module.fail_json(msg=f"max_rules must be at least 1, got {max_rules}")

    fail_if_pending(module, group_id=group_id)

    # Cloudflare first: when it fails nothing has been read from or written to AWS.
    cloudflare = CloudflareClient.from_module(module)
    try:
        ips = cloudflare.ips()
    except CloudflareError as e:
        module.fail_json(
            msg=f"Could not read Cloudflare's IP ranges: {e}", changed=False, status=e.status, errors=e.errors
        )
    try:
        ipv4_cidrs, ipv6_cidrs, etag = published_ranges(ips)
    except ValueError as e:
        module.fail_json(msg=f"Unexpected answer of Cloudflare's GET /ips: {e}")
    allowed = ipv4_cidrs + (ipv6_cidrs if module.params["ipv6"] else [])
    if not ipv4_cidrs:
        # Never turn a broken answer into "revoke everything".
        module.fail_json(
            msg="Cloudflare's GET /ips returned no IPv4 range; refusing to revoke every managed rule", etag=etag
        )
    desired = {(port, cidr) for port in ports for cidr in allowed}

    if is_pending(group_id):
        # Check mode, the group is still to be created: it would get exactly these rules, and AWS is not asked
        # about a group that does not exist.
        to_add = sorted(desired, key=lambda k: (k[0],) + cidr_sort_key(k[1]))
        after_counts = family_counts(to_add)
        problem = quota_problems(
            group_id, dict.fromkeys(FAMILIES, 0), after_counts, after_counts, dict.fromkeys(FAMILIES, 0), max_rules
        )
        if problem:
            module.fail_json(
                msg=problem, changed=False, predicted_rule_count=after_counts, added=as_items(to_add), etag=etag
            )
        module.exit_json(
            changed=True,
            group_id=group_id,
            etag=etag,
            ipv4_cidrs=ipv4_cidrs,
            ipv6_cidrs=ipv6_cidrs,
            added=as_items(to_add),
            removed=[],
            updated=[],
            rule_count=after_counts,
            diff={"before": diff_view(ports, []), "after": diff_view(ports, desired)},
        )

    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    wrote = False
    try:
        client.describe_security_groups(aws_retry=True, GroupIds=[group_id])
        rules = [r for r in describe_group_rules(client, group_id) if not r.get("IsEgress")]
        for rule in shadowing_rules(rules, ports, protocol):
            low, high = rule.get("FromPort"), rule.get("ToPort")
            what = "all traffic" if str(rule.get("IpProtocol")) == "-1" else f"{rule.get('IpProtocol')} {low}-{high}"
            module.warn(
                f"Ingress rule {rule.get('SecurityGroupRuleId')} of {group_id} ({what} from {rule_cidr(rule)}) "
                "also admits "
                f"port(s) {', '.join(map(str, ports))} from outside Cloudflare's ranges; it is left unchanged"
            )

        current, to_add, to_remove, to_describe = plan_sync(rules, desired, ports, protocol, description)
        removed_keys = [(r["FromPort"], normalise_cidr(rule_cidr(r))) for r in to_remove]
        # Exactly Cloudflare on these ports: a prefix list (e.g. CloudFront's) or group source goes too.
        others = other_source_rules(rules, ports, protocol) if module.params["purge_other_sources"] else []
        to_remove = to_remove + others
        before_counts = count_rules(rules, prefix_list_weights(module, client, rules))
        added_counts, removed_counts = family_counts(to_add), family_counts(removed_keys)
        other_counts = count_rules(others, prefix_list_weights(module, client, others))
        removed_counts = {f: removed_counts[f] + other_counts[f] for f in FAMILIES}
        after_counts = {f: before_counts[f] - removed_counts[f] + added_counts[f] for f in FAMILIES}
        problem = quota_problems(group_id, before_counts, after_counts, added_counts, removed_counts, max_rules)
        if problem:
            module.fail_json(
                msg=problem,
                changed=False,
                rule_count=before_counts,
                predicted_rule_count=after_counts,
                added=as_items(to_add),
                removed=sorted((rule_item(r) for r in to_remove), key=rule_sort_key),
                etag=etag,
            )

        if not module.check_mode:
            if to_remove:
                wrote = True
                client.revoke_security_group_ingress(
                    aws_retry=True, GroupId=group_id, SecurityGroupRuleIds=[r["SecurityGroupRuleId"] for r in to_remove]
                )
            if to_add:
                wrote = True
                client.authorize_security_group_ingress(
                    aws_retry=True, GroupId=group_id, IpPermissions=ip_permissions(to_add, protocol, description)
                )
            if to_describe:
                wrote = True
                # The rules' own CIDR text, as AWS matches it literally.
                entries = [(r["FromPort"], rule_cidr(r)) for r in to_describe]
                client.update_security_group_rule_descriptions_ingress(
                    aws_retry=True, GroupId=group_id, IpPermissions=ip_permissions(entries, protocol, description)
                )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(
            e, msg=f"Failed to sync Cloudflare's IP ranges into the ingress rules of {group_id}", changed=wrote
        )

    module.exit_json(
        changed=bool(to_add or to_remove or to_describe),
        group_id=group_id,
        etag=etag,
        ipv4_cidrs=ipv4_cidrs,
        ipv6_cidrs=ipv6_cidrs,
        added=as_items(to_add),
        removed=sorted((rule_item(r) for r in to_remove), key=rule_sort_key),
        updated=sorted((rule_item(r) for r in to_describe), key=rule_sort_key),
        rule_count=after_counts,
        diff={
            "before": diff_view(ports, list(current.keys()) + [(r["FromPort"], rule_source(r)) for r in others]),
            "after": diff_view(ports, desired),
        },
    )


if __name__ == "__main__":
    main()
