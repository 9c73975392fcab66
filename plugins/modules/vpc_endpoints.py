# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vpc_endpoints
version_added: 0.1.0
short_description: Manage all VPC endpoints of one VPC in a single task
description:
  - Declares the complete set of VPC endpoints (Gateway and Interface) of one VPC and reconciles them in
    one call.
  - Declared endpoints are matched to existing ones by service name and endpoint type. Existing endpoints
    are modified in place (route tables, subnets, security groups, private DNS, policy, tags) instead of
    creating a second endpoint as M(amazon.aws.ec2_vpc_endpoint) does.
  - Endpoints in state V(deleted), V(deleting), V(failed), V(rejected) or V(expired) are ignored.
  - Every declared endpoint carries the identifying tag O(managed_tag). With O(purge_endpoints=true)
    endpoints of the VPC that carry this tag but are no longer declared are deleted. Endpoints without
    the tag are never touched.
  - All input is validated before the first API call.
author:
  - rocketclub platform team (@rocketclub)
options:
  vpc_id:
    description:
      - ID of the VPC whose endpoints are managed.
    type: str
    required: true
  endpoints:
    description:
      - The endpoints the VPC should have.
      - Each combination of service name (after expansion) and O(endpoints[].type) may appear only once.
      - A list option that is not given (for example O(endpoints[].security_group_ids)) is left as it is on
        an existing endpoint. An empty list removes all entries.
    type: list
    elements: dict
    required: true
    suboptions:
      service:
        description:
          - The service, either in short form such as V(s3), V(secretsmanager), V(ecr.api), V(ecr.dkr),
            V(logs) or V(ssm), which is expanded to C(com.amazonaws.<region>.<service>), or a full
            service name such as V(com.amazonaws.eu-west-2.s3) which is used as is.
        type: str
        required: true
      type:
        description:
          - The endpoint type.
        type: str
        choices: ["Gateway", "Interface"]
        default: Interface
      route_table_ids:
        description:
          - Route tables associated with a V(Gateway) endpoint.
          - Only valid with O(endpoints[].type=Gateway).
        type: list
        elements: str
      subnet_ids:
        description:
          - Subnets in which an V(Interface) endpoint has network interfaces.
          - Only valid with O(endpoints[].type=Interface).
        type: list
        elements: str
      security_group_ids:
        description:
          - Security groups of the network interfaces of an V(Interface) endpoint.
          - Only valid with O(endpoints[].type=Interface).
          - When not given for a new endpoint AWS uses the default security group of the VPC.
        type: list
        elements: str
      private_dns_enabled:
        description:
          - Whether to associate a private hosted zone with the VPC for an V(Interface) endpoint.
          - Ignored for V(Gateway) endpoints.
        type: bool
        default: true
      policy:
        description:
          - The endpoint policy as JSON text or a dictionary.
          - Policies are compared semantically, so formatting and ordering differences do not cause changes.
          - When not given the existing policy is left untouched (a new endpoint gets the AWS default policy).
        type: json
      tags:
        description:
          - Tags for this endpoint. They override keys of the same name in the top level O(tags).
        type: dict
        default: {}
  tags:
    description:
      - Tags applied to every declared endpoint, merged under each endpoint's own O(endpoints[].tags).
      - O(managed_tag) is always added on top.
    type: dict
  purge_tags:
    description:
      - Remove tags of declared endpoints that are not in the merged tag set.
      - Tag keys beginning with V(aws:) are never removed.
    type: bool
    default: true
  managed_tag:
    description:
      - The tag (all key/value pairs) that marks an endpoint as managed by this module.
      - It is added to every declared endpoint and used by O(purge_endpoints) to find endpoints that may be
        deleted.
      - Must not be empty when O(purge_endpoints=true).
    type: dict
    default: {"platform:managed-by": "rocketclub.platform"}
  purge_endpoints:
    description:
      - Delete endpoints of the VPC that carry O(managed_tag) but are not declared in O(endpoints).
      - Endpoints without O(managed_tag) are never deleted.
    type: bool
    default: false
  wait:
    description:
      - Wait for created or modified endpoints to reach state V(available).
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true).
      - On timeout the module fails with C(wait_timed_out=true), C(status) (the endpoints still waited for,
        with their state) and C(status_history); running it again continues safely.
    type: int
    default: 320
notes:
  - Supports C(check_mode) (the result predicts the endpoints; endpoints to be created have the placeholder
    RV(endpoints[].vpc_endpoint_id=pending:vpc-endpoint/<service>)) and C(diff) (before/after per endpoint keyed
    by C(<service name>/<type>)).
  - In check mode a VPC given as a placeholder (C(pending:vpc/<name>), a VPC an earlier check-mode task predicts)
    is not read; every endpoint would be created. A route table, subnet or security group given as a
    placeholder differs from every live one, so the endpoint would be modified. A real run refuses placeholders.
  - A second run with the same input makes no write API call.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Private endpoints for an ECS Fargate VPC
  rocketclub.platform.vpc_endpoints:
    vpc_id: "{{ vpc.vpc_id }}"
    tags:
      Environment: prod
    endpoints:
      - service: s3
        type: Gateway
        route_table_ids: "{{ private_route_table_ids }}"
      - service: ecr.api
        subnet_ids: "{{ private_subnet_ids }}"
        security_group_ids: ["{{ endpoint_sg_id }}"]
      - service: ecr.dkr
        subnet_ids: "{{ private_subnet_ids }}"
        security_group_ids: ["{{ endpoint_sg_id }}"]
      - service: logs
        subnet_ids: "{{ private_subnet_ids }}"
        security_group_ids: ["{{ endpoint_sg_id }}"]
      - service: secretsmanager
        subnet_ids: "{{ private_subnet_ids }}"
        security_group_ids: ["{{ endpoint_sg_id }}"]
        tags:
          Name: secretsmanager
  register: vpce

- name: Restrict the S3 gateway endpoint and delete managed endpoints no longer declared
  rocketclub.platform.vpc_endpoints:
    vpc_id: "{{ vpc.vpc_id }}"
    purge_endpoints: true
    wait: true
    endpoints:
      - service: com.amazonaws.eu-west-2.s3
        type: Gateway
        route_table_ids: "{{ private_route_table_ids }}"
        policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: "*"
              Action: ["s3:GetObject"]
              Resource: ["arn:aws:s3:::prod-eu-west-2-starport-layer-bucket/*"]
"""

RETURN = r"""
endpoints:
  description: The declared endpoints, in input order, as they are after the run (or would be in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: The service as given in the input.
      returned: always
      type: str
      sample: ecr.api
    service_name:
      description: The full service name.
      returned: always
      type: str
      sample: com.amazonaws.eu-west-2.ecr.api
    type:
      description: The endpoint type.
      returned: always
      type: str
      sample: Interface
    vpc_endpoint_id:
      description:
        - The endpoint ID, C(pending:vpc-endpoint/<service>) for an endpoint that would be created in check mode.
      returned: always
      type: str
      sample: vpce-0123456789abcdef0
    state:
      description: The endpoint state as reported by AWS, V(null) for an endpoint that would be created in check mode.
      returned: always
      type: str
      sample: available
    route_table_ids:
      description: Sorted route table IDs (Gateway endpoints).
      returned: always
      type: list
      elements: str
      sample: ["rtb-0123456789abcdef0"]
    subnet_ids:
      description: Sorted subnet IDs (Interface endpoints).
      returned: always
      type: list
      elements: str
      sample: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    security_group_ids:
      description: Sorted security group IDs (Interface endpoints).
      returned: always
      type: list
      elements: str
      sample: ["sg-0123456789abcdef0"]
    private_dns_enabled:
      description: Whether private DNS is enabled, V(null) for Gateway endpoints.
      returned: always
      type: bool
      sample: true
    tags:
      description: Tags of the endpoint.
      returned: always
      type: dict
      sample: {"platform:managed-by": "rocketclub.platform", "Environment": "prod"}
    changed:
      description: Whether this endpoint was (or would be) created or modified.
      returned: always
      type: bool
      sample: false
deleted:
  description: IDs of managed endpoints that were (or would be in check mode) deleted by O(purge_endpoints).
  returned: always
  type: list
  elements: str
  sample: ["vpce-0fedcba9876543210"]
"""

import uuid

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
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import carries
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates
from ansible_collections.rocketclub.platform.plugins.module_utils.vpc_endpoints import DEAD_ENDPOINT_STATES
from ansible_collections.rocketclub.platform.plugins.module_utils.vpc_endpoints import desired_endpoint
from ansible_collections.rocketclub.platform.plugins.module_utils.vpc_endpoints import diff_view
from ansible_collections.rocketclub.platform.plugins.module_utils.vpc_endpoints import endpoint_key
from ansible_collections.rocketclub.platform.plugins.module_utils.vpc_endpoints import expand_service_name
from ansible_collections.rocketclub.platform.plugins.module_utils.vpc_endpoints import index_live_endpoints
from ansible_collections.rocketclub.platform.plugins.module_utils.vpc_endpoints import normalize_endpoint
from ansible_collections.rocketclub.platform.plugins.module_utils.vpc_endpoints import plan_create
from ansible_collections.rocketclub.platform.plugins.module_utils.vpc_endpoints import plan_modify
from ansible_collections.rocketclub.platform.plugins.module_utils.vpc_endpoints import validate_endpoint_specs
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import Progress
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import WaitTimedOut
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import fail_wait
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import poll

RESULT_KEYS = (
    "service_name",
    "type",
    "vpc_endpoint_id",
    "state",
    "route_table_ids",
    "subnet_ids",
    "security_group_ids",
    "private_dns_enabled",
    "tags",
)
WAIT_DELAY = 5


def describe_vpc_endpoints_in_vpc(client, vpc_id):
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}]
    return paginate(client, "describe_vpc_endpoints", "VpcEndpoints", Filters=filters)


def ensure_endpoint_created(client, vpc_id, desired, check_mode, service=None):
    params, predicted = plan_create(desired, vpc_id)
    if check_mode:
        predicted["vpc_endpoint_id"] = pending_id("vpc-endpoint", service or desired["service_name"])
        return True, predicted
    if desired["tags"]:
        params["TagSpecifications"] = boto3_tag_specifications(desired["tags"], ["vpc-endpoint"])
    # The same token is re-sent by the retry decorator, so a retried create cannot duplicate the endpoint.
    params["ClientToken"] = str(uuid.uuid4())
    created = client.create_vpc_endpoint(aws_retry=True, **params)["VpcEndpoint"]
    state = normalize_endpoint(created)
    # Tags are not always echoed back by CreateVpcEndpoint.
    state["tags"] = dict(desired["tags"])
    return True, state


def ensure_endpoint_attributes(client, current, desired, check_mode):
    params, predicted = plan_modify(current, desired)
    if not params:
        return False, predicted
    if not check_mode:
        client.modify_vpc_endpoint(aws_retry=True, **params)
    return True, predicted


def ensure_endpoint(client, vpc_id, current, desired, purge_tags, check_mode, service=None):
    if current is None:
        return ensure_endpoint_created(client, vpc_id, desired, check_mode, service)
    attrs_changed, predicted = ensure_endpoint_attributes(client, current, desired, check_mode)
    plan = plan_tags(predicted["tags"], desired["tags"], purge_tags)
    tags_changed = apply_ec2_tags(client, current["vpc_endpoint_id"], plan, check_mode)
    return attrs_changed or tags_changed, dict(predicted, tags=plan.result)


def ensure_endpoints_absent(module, client, endpoint_ids, check_mode):
    if not endpoint_ids:
        return False, []
    if not check_mode:
        result = client.delete_vpc_endpoints(aws_retry=True, VpcEndpointIds=list(endpoint_ids))
        failures = [
            f"{item.get('ResourceId')}: {item.get('Error', {}).get('Code')} {item.get('Error', {}).get('Message')}"
            for item in result.get("Unsuccessful") or []
            if item.get("Error", {}).get("Code") != "InvalidVpcEndpoint.NotFound"
        ]
        if failures:
            module.fail_json(msg="Failed to delete VPC endpoints: " + "; ".join(failures), unsuccessful=failures)
    return True, sorted(endpoint_ids)


def wait_for_available(module, client, vpc_id, endpoint_ids, timeout):
    """Poll until every endpoint is ``available``; fail the module on a terminal state or timeout.

    Polls the whole VPC (not ``VpcEndpointIds``) so an endpoint that is not visible yet because of
    eventual consistency does not raise ``InvalidVpcEndpointId.NotFound``. Returns the last listing.
    """

    def probe():
        endpoints = describe_vpc_endpoints_in_vpc(client, vpc_id)
        states = {e["VpcEndpointId"]: e.get("State", "").lower() for e in endpoints}
        broken = {i: states[i] for i in endpoint_ids if states.get(i) in DEAD_ENDPOINT_STATES}
        if broken:
            module.fail_json(msg=f"VPC endpoints entered a terminal state while waiting for 'available': {broken}")
        pending = sorted(i for i in set(endpoint_ids) if states.get(i) != "available")
        status = ", ".join(f"{i} ({states.get(i, 'not visible yet')})" for i in pending) or "available"
        return not pending, status, endpoints

    what = f"VPC endpoints {', '.join(sorted(set(endpoint_ids)))} to become available"
    progress = Progress()
    try:
        return poll(probe, what, timeout, progress, delay=WAIT_DELAY)
    except WaitTimedOut as e:
        fail_wait(module, e, progress)


def validate_input(module, region):
    """All input checks; returns the list of ``(spec, service_name)``. No API call is made."""
    endpoints = module.params["endpoints"]
    errors = validate_endpoint_specs(endpoints)
    if module.params["purge_endpoints"] and not module.params["managed_tag"]:
        errors.append("managed_tag must not be empty when purge_endpoints=true")
    if errors:
        module.fail_json(msg="Invalid endpoints: " + "; ".join(errors), errors=errors)

    expanded = []
    for index, spec in enumerate(endpoints):
        try:
            expanded.append((spec, expand_service_name(spec["service"], region)))
        except ValueError as e:
            module.fail_json(msg=f"endpoints[{index}] (service={spec['service']}): {e}")

    duplicates = find_duplicates([endpoint_key(name, spec["type"]) for spec, name in expanded])
    if duplicates:
        module.fail_json(
            msg="Duplicate endpoints (service, type): "
            + "; ".join(f"{key} at endpoints{indexes}" for key, indexes in sorted(duplicates.items())),
        )
    return expanded


def main():
    endpoint_options = dict(
        service=dict(type="str", required=True),
        type=dict(type="str", default="Interface", choices=["Gateway", "Interface"]),
        route_table_ids=dict(type="list", elements="str"),
        subnet_ids=dict(type="list", elements="str"),
        security_group_ids=dict(type="list", elements="str"),
        private_dns_enabled=dict(type="bool", default=True),
        policy=dict(type="json"),
        tags=dict(type="dict", default={}),
    )
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        endpoints=dict(
            type="list",
            elements="dict",
            required=True,
            options=endpoint_options,
            mutually_exclusive=[
                ["route_table_ids", "subnet_ids"],
                ["route_table_ids", "security_group_ids"],
            ],
        ),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        managed_tag=dict(type="dict", default=dict(MANAGED_TAGS)),
        purge_endpoints=dict(type="bool", default=False),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=320),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    vpc_id = module.params["vpc_id"]
    managed_tag = module.params["managed_tag"] or {}
    check_mode = module.check_mode
    expanded = validate_input(module, module.region)
    fail_if_pending(
        module,
        vpc_id=vpc_id,
        endpoints=[
            i
            for spec, _name in expanded
            for k in ("route_table_ids", "subnet_ids", "security_group_ids")
            for i in spec.get(k) or []
        ],
    )

    declared = []
    for spec, service_name in expanded:
        tags = desired_tags(module.params["tags"], spec["tags"], managed_tag, managed=False)
        declared.append((spec, desired_endpoint(spec, service_name, tags)))
    declared_keys = {endpoint_key(d["service_name"], d["type"]) for _spec, d in declared}

    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        # A VPC check mode predicts (a placeholder) has no endpoint yet: nothing to read.
        live = {} if is_pending(vpc_id) else index_live_endpoints(describe_vpc_endpoints_in_vpc(client, vpc_id))

        ambiguous = {
            k: [e["vpc_endpoint_id"] for e in live[k]] for k in sorted(declared_keys) if len(live.get(k, [])) > 1
        }
        if ambiguous:
            module.fail_json(
                msg="More than one live VPC endpoint matches a declared endpoint, resolve this manually: "
                + "; ".join(f"{key}: {', '.join(ids)}" for key, ids in ambiguous.items()),
                ambiguous=ambiguous,
            )

        to_delete = []
        if module.params["purge_endpoints"]:
            to_delete = sorted(
                e["vpc_endpoint_id"]
                for key, matches in live.items()
                if key not in declared_keys
                for e in matches
                if carries(e["tags"], managed_tag)
            )

        results = []
        before = {}
        after = {}
        touched_ids = []
        for spec, desired in declared:
            key = endpoint_key(desired["service_name"], desired["type"])
            current = live[key][0] if live.get(key) else None
            changed, state = ensure_endpoint(
                client, vpc_id, current, desired, module.params["purge_tags"], check_mode, spec["service"]
            )
            if current is not None:
                before[key] = diff_view(current)
            if changed and state["vpc_endpoint_id"]:
                touched_ids.append(state["vpc_endpoint_id"])
            results.append((spec, key, changed, state))

        for key, matches in live.items():
            for e in matches:
                if e["vpc_endpoint_id"] in to_delete:
                    # Several managed endpoints may share an undeclared key: keep every one visible.
                    before[key if key not in before else f"{key}/{e['vpc_endpoint_id']}"] = diff_view(e)
        deleted_changed, deleted = ensure_endpoints_absent(module, client, to_delete, check_mode)

        if touched_ids and not check_mode:
            # Read back the real state of everything that was written to.
            if module.params["wait"]:
                final = wait_for_available(module, client, vpc_id, touched_ids, module.params["wait_timeout"])
            else:
                final = describe_vpc_endpoints_in_vpc(client, vpc_id)
            fresh = {e["VpcEndpointId"]: normalize_endpoint(e) for e in final}
            results = [
                (spec, key, changed, fresh.get(state["vpc_endpoint_id"], state) if changed else state)
                for spec, key, changed, state in results
            ]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage VPC endpoints of {vpc_id}")

    endpoints = []
    for spec, key, changed, state in results:
        after[key] = diff_view(state)
        item = {"service": spec["service"], "changed": changed}
        item.update({k: state.get(k) for k in RESULT_KEYS})
        endpoints.append(item)

    module.exit_json(
        changed=deleted_changed or any(item["changed"] for item in endpoints),
        endpoints=endpoints,
        deleted=deleted,
        diff={"before": before, "after": after},
    )


if __name__ == "__main__":
    main()
