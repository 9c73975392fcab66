#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: origin_secret_probe
version_added: 0.1.0
short_description: Check that every edge sends an origin secret the ALB rules accept
description:
  - Reads both sides of the origin secret and compares them inside the module; no value is ever returned.
  - The edge side is the CloudFront distributions of O(distribution_ids) (the value of custom origin header
    O(header_name) each is configured to send, and whether it is C(Deployed)), or the Cloudflare Request Header
    Transform Rule found by O(cloudflare_ref) in the C(http_request_late_transform) entrypoint ruleset of
    O(cloudflare_zone).
  - The ALB side is the value list of the C(http-header) condition O(header_name) of every listener rule of
    the platform (the rules tagged C(platform:kinde-app)) on the HTTPS listener.
  - Each value is labelled by the SSM parameter holding it, V(current) (O(parameter)), V(pending)
    (O(pending_parameter)) or V(other), and an edge object that sends no such header V(none).
  - Fails, naming the distribution or the Cloudflare rule, when an edge object sends a value some rule does
    not accept (an ALB compares header condition values case-insensitively), and with O(expect) when an edge
    object does not send the expected value or a distribution is not C(Deployed).
author:
  - rocketclub platform team (@rocketclub)
options:
  parameter:
    description:
      - Name of the SSM SecureString holding the current origin secret.
    type: str
    required: true
  pending_parameter:
    description:
      - Name of the SSM SecureString holding the next origin secret during a rotation; it may not exist.
    type: str
  header_name:
    description:
      - Name of the origin header.
    type: str
    default: X-Origin-Verify
  listener_arn:
    description:
      - ARN of the HTTPS listener whose rules are read. One of O(listener_arn) and O(load_balancer_name) is required.
    type: str
  load_balancer_name:
    description:
      - Name of the load balancer; its HTTPS listener on port 443 is read.
    type: str
  distribution_ids:
    description:
      - Ids of the CloudFront distributions in front of the ALB (topology C(cloudfront)).
    type: list
    elements: str
    default: []
  distribution_hosts:
    description:
      - Find the distributions instead by these application hosts (a distribution whose aliases hold one of them);
        each host must have exactly one. Used together with O(distribution_ids) the lists add up.
    type: list
    elements: str
    default: []
  cloudflare_zone:
    description:
      - Name of the Cloudflare zone whose Transform Rule adds the header (topology C(cloudflare)).
    type: str
  cloudflare_ref:
    description:
      - C(ref) of the Transform Rule in the zone's C(http_request_late_transform) entrypoint ruleset.
    type: str
    default: rocketclub_origin_header
  api_token:
    description:
      - Cloudflare API token (Zone:Read, Transform Rules:Read); default the C(CLOUDFLARE_API_TOKEN) environment
        variable.
    type: str
  api_base_url:
    description:
      - Base URL of the Cloudflare v4 API.
    type: str
    default: https://api.cloudflare.com/client/v4
  expect:
    description:
      - V(current) or V(pending) - also fail unless every edge object sends the value of that parameter and every
        distribution is C(Deployed). V(any) only checks that what is sent is accepted.
    type: str
    choices: ['any', 'current', 'pending']
    default: any
notes:
  - Required IAM actions are C(ssm:GetParameter) (with C(kms:Decrypt)), C(elasticloadbalancing:DescribeLoadBalancers),
    C(DescribeListeners), C(DescribeRules), C(DescribeTags) and C(cloudfront:GetDistribution)
    (and C(cloudfront:ListDistributions) with O(distribution_hosts)).
  - Read-only; check mode runs the same reads.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Every distribution sends the pending value, deployed, and the ALB accepts it
  rocketclub.platform.origin_secret_probe:
    parameter: /prod/shared/cf_alb_secret
    pending_parameter: /prod/shared/cf_alb_secret_pending
    load_balancer_name: rocketclub-prod
    distribution_ids: [E2QWRUHEXAMPLE, E3ABCDEXAMPLE]
    expect: pending

- name: The Cloudflare rule sends a value the ALB accepts
  rocketclub.platform.origin_secret_probe:
    parameter: /prod/shared/cf_alb_secret
    load_balancer_name: rocketclub-prod
    cloudflare_zone: example.com
"""

RETURN = r"""
edges:
  description: One entry per edge object.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "cloudfront", "id": "E2QWRUHEXAMPLE", "name": "backstage", "status": "Deployed",
            "sends": "pending", "accepted": true}]
  contains:
    kind:
      description: V(cloudfront) or V(cloudflare).
      returned: always
      type: str
      sample: cloudfront
    id:
      description: Distribution id, or the Cloudflare rule id (null when the rule does not exist).
      returned: always
      type: str
      sample: E2QWRUHEXAMPLE
    name:
      description: The distribution's comment, or the Cloudflare zone.
      returned: always
      type: str
      sample: backstage
    status:
      description: The distribution status (C(Deployed), C(InProgress)); for Cloudflare C(enabled), C(disabled)
        or C(absent).
      returned: always
      type: str
      sample: Deployed
    sends:
      description: Which value it sends - V(current), V(pending), V(other) or V(none).
      returned: always
      type: str
      sample: pending
    accepted:
      description: Whether every platform rule of the ALB accepts what it sends.
      returned: always
      type: bool
      sample: true
rules:
  description: The platform rules of the listener and which values their header condition accepts.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "backstage", "rule_arn": "arn:aws:elasticloadbalancing:...", "accepts": ["current", "pending"]}]
accepted:
  description: The labels every platform rule accepts (V(current), V(pending), V(other)).
  returned: always
  type: list
  elements: str
  sample: ["current", "pending"]
pending_exists:
  description: Whether O(pending_parameter) exists.
  returned: always
  type: bool
  sample: true
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.basic import env_fallback
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import DEFAULT_BASE_URL
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareClient
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareError
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import APP_TAG
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import describe_tags_by_arn
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import protect
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import has_managed_tag

PHASE = "http_request_late_transform"


def read_value(module, ssm, name, option, required):
    try:
        parameter = ssm.get_parameter(Name=name, WithDecryption=True, aws_retry=True)["Parameter"]
    except is_boto3_error_code("ParameterNotFound"):
        if required:
            module.fail_json(msg=f"SSM parameter {name} ({option}) does not exist in {module.region}")
        return None
    value = parameter.get("Value") or None
    protect(module, value)
    return value


def label_of(value, values):
    """``current``/``pending`` when ``value`` is exactly that parameter's value, ``other``, or ``none``."""
    if value is None:
        return "none"
    for label, known in values.items():
        if known is not None and value == known:
            return label
    return "other"


def accepts(condition_values, value):
    """ALB http-header conditions compare case-insensitively (``*``/``?`` are refused in our values)."""
    return value is not None and value.lower() in {v.lower() for v in condition_values}


def find_listener(module, elbv2):
    if module.params["listener_arn"]:
        return module.params["listener_arn"]
    name = module.params["load_balancer_name"]
    try:
        lbs = elbv2.describe_load_balancers(Names=[name], aws_retry=True)["LoadBalancers"]
    except is_boto3_error_code("LoadBalancerNotFound"):
        lbs = []
    if not lbs:
        module.fail_json(msg=f"Load balancer {name} (load_balancer_name) does not exist; converge the platform first")
    listeners = paginate(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=lbs[0]["LoadBalancerArn"])
    https = [item for item in listeners if item.get("Protocol") == "HTTPS" and item.get("Port") == 443]
    if not https:
        module.fail_json(msg=f"Load balancer {name} has no HTTPS listener on port 443; converge the platform first")
    return https[0]["ListenerArn"]


def read_rules(module, elbv2, listener_arn, header_name):
    """``[(app name, rule arn, condition values or None)]`` of the platform rules of the listener."""
    rules = [r for r in paginate(elbv2, "describe_rules", "Rules", ListenerArn=listener_arn) if not r.get("IsDefault")]
    tags = describe_tags_by_arn(elbv2, [r["RuleArn"] for r in rules])
    found = []
    for rule in rules:
        rule_tags = tags.get(rule["RuleArn"], {})
        if not (has_managed_tag(rule_tags) and rule_tags.get(APP_TAG)):
            continue
        values = None
        for condition in rule.get("Conditions") or []:
            config = condition.get("HttpHeaderConfig") or {}
            if (
                condition.get("Field") == "http-header"
                and config.get("HttpHeaderName", "").lower() == header_name.lower()
            ):
                values = list(config.get("Values") or condition.get("Values") or [])
                protect(module, *values)
                break
        found.append((rule_tags[APP_TAG], rule["RuleArn"], values))
    return sorted(found)


def distributions_by_host(module, cloudfront, hosts):
    """Ids of the distributions answering ``hosts`` (by alias), in the order of the hosts."""
    summaries, marker = [], None
    while True:
        page = cloudfront.list_distributions(aws_retry=True, **({"Marker": marker} if marker else {}))
        listing = page.get("DistributionList") or {}
        summaries.extend(listing.get("Items") or [])
        marker = listing.get("NextMarker")
        if not listing.get("IsTruncated") or not marker:
            break
    ids = []
    for host in hosts:
        found = [
            s["Id"]
            for s in summaries
            if host.lower() in {a.lower() for a in (s.get("Aliases") or {}).get("Items") or []}
        ]
        if len(found) != 1:
            module.fail_json(
                msg=f"Expected one CloudFront distribution answering {host} (distribution_hosts), found {len(found)}"
                f"{': ' + ', '.join(found) if found else ''}; converge the platform first"
            )
        if found[0] not in ids:
            ids.append(found[0])
    return ids


def cloudfront_edges(module, cloudfront, ids, header_name):
    edges = []
    for distribution_id in ids:
        try:
            distribution = cloudfront.get_distribution(Id=distribution_id, aws_retry=True)["Distribution"]
        except is_boto3_error_code("NoSuchDistribution"):
            module.fail_json(msg=f"CloudFront distribution {distribution_id} (distribution_ids) does not exist")
        config = distribution.get("DistributionConfig") or {}
        value = None
        for origin in (config.get("Origins") or {}).get("Items") or []:
            for header in (origin.get("CustomHeaders") or {}).get("Items") or []:
                if header.get("HeaderName", "").lower() == header_name.lower():
                    value = header.get("HeaderValue")
                    protect(module, value)
        edges.append(
            {
                "kind": "cloudfront",
                "id": distribution_id,
                "name": config.get("Comment") or distribution_id,
                "status": distribution.get("Status"),
                "value": value,
            }
        )
    return edges


def cloudflare_edge(module, header_name):
    params = module.params
    client = CloudflareClient(module, api_token=params["api_token"], base_url=params["api_base_url"])
    zone_id = client.zone_id(params["cloudflare_zone"])
    try:
        ruleset = client.get(f"/zones/{zone_id}/rulesets/phases/{PHASE}/entrypoint") or {}
    except CloudflareError as e:
        if e.status != 404:
            raise
        ruleset = {}
    edge = {"kind": "cloudflare", "id": None, "name": params["cloudflare_zone"], "status": "absent", "value": None}
    for rule in ruleset.get("rules") or []:
        if rule.get("ref") != params["cloudflare_ref"]:
            continue
        edge["id"] = rule.get("id")
        enabled = rule.get("enabled", True)
        edge["status"] = "enabled" if enabled else "disabled"
        headers = (rule.get("action_parameters") or {}).get("headers") or {}
        for name, header in headers.items():
            if name.lower() == header_name.lower() and header.get("operation", "set") == "set" and enabled:
                edge["value"] = header.get("value")
                protect(module, edge["value"])
        break
    return edge


def describe_edge(edge, ref):
    if edge["kind"] == "cloudfront":
        return f"CloudFront distribution {edge['id']} ({edge['name']})"
    return f"Cloudflare Transform Rule {ref} (id {edge['id'] or 'none: missing'}) of zone {edge['name']}"


def main():
    argument_spec = dict(
        parameter=dict(type="str", required=True, no_log=False),
        pending_parameter=dict(type="str", no_log=False),
        header_name=dict(type="str", default="X-Origin-Verify"),
        listener_arn=dict(type="str"),
        load_balancer_name=dict(type="str"),
        distribution_ids=dict(type="list", elements="str", default=[]),
        distribution_hosts=dict(type="list", elements="str", default=[]),
        cloudflare_zone=dict(type="str"),
        cloudflare_ref=dict(type="str", default="rocketclub_origin_header"),
        api_token=dict(type="str", no_log=True, fallback=(env_fallback, ["CLOUDFLARE_API_TOKEN"])),
        api_base_url=dict(type="str", default=DEFAULT_BASE_URL),
        expect=dict(type="str", choices=["any", "current", "pending"], default="any"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[("listener_arn", "load_balancer_name")],
        mutually_exclusive=[("listener_arn", "load_balancer_name")],
    )
    params = module.params
    if params["cloudflare_zone"] and (params["distribution_ids"] or params["distribution_hosts"]):
        module.fail_json(
            msg="distribution_ids / distribution_hosts (topology cloudfront) and cloudflare_zone (topology cloudflare) "
            "are mutually exclusive: give the edge of the platform's topology"
        )
    header_name = params["header_name"]
    step = "read the SSM parameters"
    try:
        ssm = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff())
        values = {"current": read_value(module, ssm, params["parameter"], "parameter", True), "pending": None}
        if params["pending_parameter"]:
            values["pending"] = read_value(module, ssm, params["pending_parameter"], "pending_parameter", False)

        step = "read the ALB rules"
        elbv2 = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
        listener_arn = find_listener(module, elbv2)
        rules = read_rules(module, elbv2, listener_arn, header_name)

        if params["cloudflare_zone"]:
            step = f"read the Cloudflare Transform Rule of zone {params['cloudflare_zone']}"
            edges = [cloudflare_edge(module, header_name)]
        else:
            step = "read the CloudFront distributions"
            cloudfront = module.client("cloudfront", retry_decorator=AWSRetry.jittered_backoff())
            ids = list(params["distribution_ids"])
            if params["distribution_hosts"]:
                ids += [
                    i for i in distributions_by_host(module, cloudfront, params["distribution_hosts"]) if i not in ids
                ]
            edges = cloudfront_edges(module, cloudfront, ids, header_name)
    except CloudflareError as e:
        module.fail_json(msg=f"Failed to {step}: {e}", status=e.status)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to {step}")

    rule_entries = []
    for name, arn, condition_values in rules:
        accepted = sorted({label_of(v, values) for v in condition_values}) if condition_values is not None else None
        rule_entries.append(
            {"name": name, "rule_arn": arn, "accepts": accepted, "header_condition": accepted is not None}
        )
    problems = []
    if not rules:
        problems.append(f"the listener {listener_arn} has no platform rule (converge the platform first)")
    edge_entries = []
    for edge in edges:
        ok = all(values_ is None or accepts(values_, edge["value"]) for _n, _a, values_ in rules)
        sends = label_of(edge["value"], values)
        edge_entries.append(
            {
                "kind": edge["kind"],
                "id": edge["id"],
                "name": edge["name"],
                "status": edge["status"],
                "sends": sends,
                "accepted": ok,
            }
        )
        what = describe_edge(edge, params["cloudflare_ref"])
        if not ok:
            refusing = [n for n, _a, values_ in rules if values_ is not None and not accepts(values_, edge["value"])]
            sent = f"no origin header {header_name}" if sends == "none" else f"the {sends} value of the origin header"
            problems.append(
                f"{what} sends {sent}, which the ALB rules of {', '.join(refusing)} do not accept: requests through it "
                "are answered 403"
            )
        if params["expect"] != "any":
            if sends != params["expect"]:
                sent = "no origin header" if sends == "none" else f"the {sends} value"
                problems.append(f"{what} sends {sent}, not the {params['expect']} one")
            if edge["kind"] == "cloudfront" and edge["status"] != "Deployed":
                problems.append(f"{what} is {edge['status']}, not Deployed")
    accepted_all = sorted(
        set.intersection(*[set(e["accepts"]) for e in rule_entries if e["accepts"] is not None])
        if any(e["accepts"] is not None for e in rule_entries)
        else set()
    )
    result = dict(
        changed=False,
        edges=edge_entries,
        rules=rule_entries,
        accepted=accepted_all,
        pending_exists=values["pending"] is not None,
    )
    if problems:
        module.fail_json(msg="Origin secret probe failed: " + "; ".join(problems), problems=problems, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
