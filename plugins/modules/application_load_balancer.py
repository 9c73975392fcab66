#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: application_load_balancer
version_added: 0.1.0
short_description: Manage an Application Load Balancer and its listeners, with a check mode that returns ids
description:
  - Ensures an Application Load Balancer with its subnets, security groups, attributes, tags and listeners,
    as M(amazon.aws.elb_application_lb) does (it uses the same amazon.aws code to create, compare and modify),
    without listener rules (those belong to M(rocketclub.platform.kinde_oidc_rules)).
  - Why this module exists. In check mode M(amazon.aws.elb_application_lb) returns neither the load balancer
    nor its listeners, so the next task has no listener ARN; and it looks every security group up by name, so
    a check-mode placeholder C(pending:security-group/<name>) (a group a real run would create) fails it.
  - In check mode this module returns the ARNs of the load balancer and of its listeners, with placeholders
    C(pending:load-balancer/<name>) and C(pending:listener/<name>-<port>) for what would be created. A
    placeholder in O(subnets), O(security_groups) or a listener certificate counts as different from whatever
    is live (the load balancer or listener would be updated); placeholders are never sent to AWS, and a real
    run refuses them.
  - The result never contains listener rules, so it holds no origin secret of a rule condition.
author:
  - rocketclub platform team (@rocketclub)
options:
  name:
    description:
      - Name of the load balancer, unique in the region.
    type: str
    required: true
  scheme:
    description:
      - V(internet-facing) or V(internal). Set at creation only.
    type: str
    choices: ['internet-facing', 'internal']
    default: internet-facing
  subnets:
    description:
      - Subnet IDs of the load balancer, at least two availability zones.
    type: list
    elements: str
    required: true
  security_groups:
    description:
      - Security group IDs of the load balancer (IDs only, no names).
    type: list
    elements: str
    required: true
  http_drop_invalid_header_fields:
    description:
      - Drop HTTP headers with invalid header fields (attribute C(routing.http.drop_invalid_header_fields.enabled)).
    type: bool
  deletion_protection:
    description:
      - Deletion protection (attribute C(deletion_protection.enabled)).
    type: bool
  idle_timeout:
    description:
      - Idle timeout in seconds (attribute C(idle_timeout.timeout_seconds)).
    type: int
  access_logs_enabled:
    description:
      - Access logs to O(access_logs_s3_bucket).
    type: bool
  access_logs_s3_bucket:
    description:
      - Bucket of the access logs.
    type: str
  access_logs_s3_prefix:
    description:
      - Key prefix of the access logs.
    type: str
  listeners:
    description:
      - The listeners, as in M(amazon.aws.elb_application_lb) but without C(Rules). The key of a listener is
        its C(Port).
    type: list
    elements: dict
    default: []
    suboptions:
      Protocol:
        description: V(HTTP) or V(HTTPS).
        type: str
        required: true
      Port:
        description: The port.
        type: int
        required: true
      SslPolicy:
        description: TLS policy of an HTTPS listener (required with HTTPS).
        type: str
      Certificates:
        description: Certificates of an HTTPS listener, C([{CertificateArn}]) (required with HTTPS).
        type: list
        elements: dict
      DefaultActions:
        description: Default actions, as C(CreateListener) takes them.
        type: list
        elements: dict
        required: true
  purge_listeners:
    description:
      - Delete the listeners whose port is not in O(listeners).
    type: bool
    default: true
  tags:
    description:
      - Tags of the load balancer.
    type: dict
  purge_tags:
    description:
      - Remove the tags that are not in O(tags).
    type: bool
    default: true
notes:
  - Supports check mode (see above) and diff mode (before/after of the subnets, security groups, attributes,
    tags and listeners).
  - A second run with the same input makes no write API call.
  - An error of AWS is returned in C(error) as M(amazon.aws.elb_application_lb) returns it, so a task can retry
    on C(error.code) (for example C(CertificateNotFound) right after ACM issued a certificate).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The load balancer and its listeners
  rocketclub.platform.application_load_balancer:
    name: platform-prod
    subnets: "{{ public_subnet_ids }}"
    security_groups: ["{{ alb_security_group_id }}"]
    http_drop_invalid_header_fields: true
    listeners:
      - Protocol: HTTPS
        Port: 443
        SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06
        Certificates: [{CertificateArn: "{{ certificate_arn }}"}]
        DefaultActions:
          - Type: fixed-response
            FixedResponseConfig: {StatusCode: "403", ContentType: text/plain, MessageBody: Forbidden}
    tags:
      Name: platform-prod
  register: alb

- name: The HTTPS listener (a placeholder in check mode when it would be created)
  ansible.builtin.debug:
    msg: "{{ alb.listeners | selectattr('port', '==', 443) | map(attribute='listener_arn') | first }}"
"""

RETURN = r"""
load_balancer_arn:
  description: ARN of the load balancer; C(pending:load-balancer/<name>) when check mode would create it.
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:eu-west-2:123456789012:loadbalancer/app/platform-prod/50dc6c495c0c9188
dns_name:
  description: DNS name of the load balancer; C(pending:load-balancer-dns-name/<name>) when check mode would create it.
  returned: always
  type: str
  sample: platform-prod-1234567890.eu-west-2.elb.amazonaws.com
canonical_hosted_zone_id:
  description: Route 53 zone of the DNS name; C(pending:load-balancer-zone/<name>) when check mode would create it.
  returned: always
  type: str
  sample: ZHURV8PSTC4K8
listeners:
  description: The listeners (without rules); a listener check mode would create has a placeholder ARN.
  returned: always
  type: list
  elements: dict
  sample: [{"listener_arn": "pending:listener/platform-prod-443", "port": 443, "protocol": "HTTPS"}]
  contains:
    listener_arn:
      description: ARN of the listener, or C(pending:listener/<name>-<port>).
      type: str
      returned: always
      sample: arn:aws:elasticloadbalancing:eu-west-2:123456789012:listener/app/prod/50dc6c495c0c9188/f2f7dc8efc522ab2
    port:
      description: The port.
      type: int
      returned: always
      sample: 443
    protocol:
      description: The protocol.
      type: str
      returned: always
      sample: HTTPS
"""

from copy import deepcopy

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.elb_utils import AnsibleELBv2Error
from ansible_collections.amazon.aws.plugins.module_utils.elbv2 import ApplicationLoadBalancer
from ansible_collections.amazon.aws.plugins.module_utils.elbv2 import ELBListener
from ansible_collections.amazon.aws.plugins.module_utils.elbv2 import ELBListeners
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags

ATTRIBUTE_OPTIONS = (
    "deletion_protection",
    "idle_timeout",
    "http_drop_invalid_header_fields",
    "access_logs_enabled",
    "access_logs_s3_bucket",
    "access_logs_s3_prefix",
)


class PlatformLoadBalancer(ApplicationLoadBalancer):
    """amazon.aws's ApplicationLoadBalancer, given security group IDs (or placeholders) as they are: no
    lookup by name (which fails on a placeholder and lists every group of the account)."""

    def __init__(self, connection, connection_ec2, module):
        groups = module.params["security_groups"]
        module.params["security_groups"] = None
        try:
            super().__init__(connection, connection_ec2, module)
        finally:
            module.params["security_groups"] = groups
        self.security_groups = list(groups)


def listener_certificates(listeners):
    return [c.get("CertificateArn") for listener in listeners or [] for c in listener.get("Certificates") or []]


def listener_view(listener):
    """Snake-case view of a listener (DescribeListeners item or desired listener), without rules."""
    view = camel_dict_to_snake_dict({k: v for k, v in listener.items() if k not in ("Rules", "LoadBalancerArn")})
    view.setdefault("listener_arn", None)
    return view


def desired_listeners(module):
    listeners = []
    for listener in module.params["listeners"] or []:
        listeners.append({k: deepcopy(v) for k, v in listener.items() if v is not None})
    return listeners


def attributes_view(params, current=None):
    """The attributes after the run, spelled as DescribeLoadBalancerAttributes answers them (strings)."""
    result = dict(current or {})
    for key in ATTRIBUTE_OPTIONS:
        value = params.get(key)
        if value is not None:
            result[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return result


def current_attributes(alb):
    attributes = alb.elb_attributes or {}
    mapping = {
        "deletion_protection": "deletion_protection_enabled",
        "idle_timeout": "idle_timeout_timeout_seconds",
        "http_drop_invalid_header_fields": "routing_http_drop_invalid_header_fields_enabled",
        "access_logs_enabled": "access_logs_s3_enabled",
        "access_logs_s3_bucket": "access_logs_s3_bucket",
        "access_logs_s3_prefix": "access_logs_s3_prefix",
    }
    return {option: attributes.get(key) for option, key in mapping.items() if key in attributes}


def state_view(alb_elb, attributes, listeners):
    if not alb_elb:
        return {}
    return {
        "load_balancer_arn": alb_elb.get("LoadBalancerArn"),
        "subnets": sorted(z["SubnetId"] for z in alb_elb.get("AvailabilityZones") or []),
        "security_groups": sorted(alb_elb.get("SecurityGroups") or []),
        "scheme": alb_elb.get("Scheme"),
        "attributes": attributes,
        "tags": boto3_tag_list_to_ansible_dict(alb_elb.get("tags") or []),
        "listeners": sorted((listener_view(x) for x in listeners), key=lambda v: v["port"]),
    }


def tag_plan(alb):
    """The tag plan of an existing load balancer, None when its tags are not managed (no O(tags))."""
    if alb.tags is None:
        return None
    return plan_tags(alb.elb["tags"], alb.tags, alb.purge_tags)


def predicted_listeners(name, current, to_add, to_modify, to_delete):
    """Listeners after the run: current ones (modified), minus deleted, plus added (placeholder ARNs)."""
    modified = {m["ListenerArn"]: m for m in to_modify}
    result = []
    for listener in current:
        if listener["ListenerArn"] in to_delete:
            continue
        merged = dict(listener)
        merged.update(modified.get(listener["ListenerArn"], {}))
        result.append(listener_view(merged))
    for listener in to_add:
        view = listener_view(listener)
        view["listener_arn"] = pending_id("listener", f"{name}-{listener['Port']}")
        result.append(view)
    return sorted(result, key=lambda v: v["port"])


def predict(module, alb, connection):
    """Check mode: what a real run would do, with ids (placeholders for what would be created)."""
    params = module.params
    name = params["name"]
    desired = desired_listeners(module)
    after_common = {
        "subnets": sorted(params["subnets"]),
        "security_groups": sorted(params["security_groups"]),
        "scheme": params["scheme"],
        "attributes": attributes_view(params),
        "tags": dict(params["tags"] or {}),
    }
    if not alb.elb:
        listeners = predicted_listeners(name, [], desired, [], [])
        result = {
            "load_balancer_arn": pending_id("load-balancer", name),
            "dns_name": pending_id("load-balancer-dns-name", name),
            "canonical_hosted_zone_id": pending_id("load-balancer-zone", name),
            "listeners": listeners,
        }
        after = dict(after_common, load_balancer_arn=result["load_balancer_arn"], listeners=listeners)
        return True, result, {"before": {}, "after": after}

    changed = not alb.compare_subnets() or not alb.compare_security_groups() or not alb.compare_elb_attributes()
    tags = tag_plan(alb)
    changed = changed or bool(tags and tags.changed)
    listeners_obj = ELBListeners(connection, module, alb.elb["LoadBalancerArn"])
    to_add, to_modify, to_delete = listeners_obj.compare_listeners()
    changed = changed or bool(to_add or to_modify or to_delete)
    listeners = predicted_listeners(name, listeners_obj.current_listeners, to_add, to_modify, to_delete)
    before = state_view(alb.elb, current_attributes(alb), listeners_obj.current_listeners)
    after_common["attributes"] = attributes_view(params, before["attributes"])
    after = dict(before, **after_common, listeners=listeners) if changed else before
    result = {
        "load_balancer_arn": alb.elb["LoadBalancerArn"],
        "dns_name": alb.elb.get("DNSName"),
        "canonical_hosted_zone_id": alb.elb.get("CanonicalHostedZoneId"),
        "listeners": listeners,
    }
    return changed, result, {"before": before, "after": after}


def converge(module, alb, connection):
    """A real run: the steps of amazon.aws.elb_application_lb (create_or_update_alb), without listener rules."""
    before = {}
    if alb.elb:
        listeners_obj = ELBListeners(connection, module, alb.elb["LoadBalancerArn"])
        before = state_view(alb.elb, current_attributes(alb), listeners_obj.current_listeners)
        if not alb.compare_subnets():
            alb.modify_subnets()
        if not alb.compare_security_groups():
            alb.modify_security_groups()
        if not alb.compare_elb_attributes():
            alb.update_elb_attributes()
            alb.modify_elb_attributes()
        tags = tag_plan(alb)
        if tags is not None:
            # amazon.aws's calls: RemoveTags of the keys to remove, AddTags of every desired tag.
            apply_tags(tags, tag=lambda _to_set: alb.modify_tags(), untag=alb.delete_tags, check_mode=False)
    else:
        alb.create_elb()
        alb.update_elb_attributes()
        alb.modify_elb_attributes()
        listeners_obj = ELBListeners(connection, module, alb.elb["LoadBalancerArn"])

    to_add, to_modify, to_delete = listeners_obj.compare_listeners()
    for arn in to_delete:
        ELBListener(connection, module, arn, alb.elb["LoadBalancerArn"]).delete()
    for listener in to_add:
        ELBListener(connection, module, listener, alb.elb["LoadBalancerArn"]).add()
    for listener in to_modify:
        ELBListener(connection, module, listener, alb.elb["LoadBalancerArn"]).modify()
    changed = alb.changed or bool(to_add or to_modify or to_delete)

    # What was read before the run is the state after it when nothing changed: read again only after a write
    # (a no-op reads the load balancer, its attributes, tags and listeners once each).
    if changed:
        alb.update()
        listeners_obj.update()
        alb.update_elb_attributes()
    listeners = sorted((listener_view(x) for x in listeners_obj.current_listeners), key=lambda v: v["port"])
    result = {
        "load_balancer_arn": alb.elb["LoadBalancerArn"],
        "dns_name": alb.elb.get("DNSName"),
        "canonical_hosted_zone_id": alb.elb.get("CanonicalHostedZoneId"),
        "listeners": listeners,
    }
    after = state_view(alb.elb, current_attributes(alb), listeners_obj.current_listeners)
    return changed, result, {"before": before, "after": after}


def main():
    listener_options = dict(
        Protocol=dict(type="str", required=True),
        Port=dict(type="int", required=True),
        SslPolicy=dict(type="str"),
        Certificates=dict(type="list", elements="dict"),
        DefaultActions=dict(type="list", required=True, elements="dict"),
    )
    argument_spec = dict(
        name=dict(type="str", required=True),
        scheme=dict(type="str", default="internet-facing", choices=["internet-facing", "internal"]),
        subnets=dict(type="list", elements="str", required=True),
        security_groups=dict(type="list", elements="str", required=True),
        http_drop_invalid_header_fields=dict(type="bool"),
        deletion_protection=dict(type="bool"),
        idle_timeout=dict(type="int"),
        access_logs_enabled=dict(type="bool"),
        access_logs_s3_bucket=dict(type="str"),
        access_logs_s3_prefix=dict(type="str"),
        listeners=dict(type="list", elements="dict", default=[], options=listener_options),
        purge_listeners=dict(type="bool", default=True),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_together=[["access_logs_enabled", "access_logs_s3_bucket"]],
        supports_check_mode=True,
    )
    params = module.params
    errors = []
    for index, listener in enumerate(params["listeners"]):
        if listener["Protocol"] == "HTTPS" and (not listener.get("SslPolicy") or not listener.get("Certificates")):
            errors.append(
                f"listeners[{index}] (port {listener['Port']}): an HTTPS listener needs SslPolicy and Certificates"
            )
    for group in params["security_groups"]:
        if not (group.startswith("sg-") or group.startswith("pending:")):
            errors.append(f"security_groups: {group!r} is not a security group ID (sg-...)")
    if errors:
        module.fail_json(msg="Invalid input: " + "; ".join(errors), errors=errors)
    fail_if_pending(
        module,
        subnets=params["subnets"],
        security_groups=params["security_groups"],
        certificates=listener_certificates(params["listeners"]),
    )
    # The same module-level settings as amazon.aws.elb_application_lb's ApplicationLoadBalancer reads.
    for option in (
        "subnet_mappings",
        "ip_address_type",
        "wait",
        "http2",
        "http_desync_mitigation_mode",
        "http_x_amzn_tls_version_and_cipher_suite",
        "http_xff_client_port",
        "waf_fail_open",
        "wait_timeout",
    ):
        params.setdefault(option, None)

    connection = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    connection_ec2 = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        alb = PlatformLoadBalancer(connection, connection_ec2, module)
        if module.check_mode:
            changed, result, diff = predict(module, alb, connection)
        else:
            changed, result, diff = converge(module, alb, connection)
    except AnsibleELBv2Error as e:
        module.fail_json_aws_error(e)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage the load balancer {params['name']}")
    module.exit_json(changed=changed, diff=diff, **result)


if __name__ == "__main__":
    main()
