# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudfront_policies
version_added: 0.1.0
short_description: Manage CloudFront cache policies and origin request policies, and look up AWS managed ones
description:
  - Creates, updates and deletes the account's custom CloudFront cache policies (what is in the cache key
    and for how long objects are cached) and origin request policies (what else is forwarded to the
    origin), in one task.
  - Why this module exists. No module of amazon.aws or community.aws manages cache or origin request
    policies, so distributions end up with hard-coded ids of policies made by hand.
  - Policies are identified by their name among the account's custom policies. Each run reads the custom
    policies of a kind once (C(ListCachePolicies) / C(ListOriginRequestPolicies) with C(Type=custom); without
    the C(Type) filter, one listing of both types, when O(managed_policy_names) is given too), compares the
    normalised configuration (item order and the case of header names are ignored) and calls C(Create*) or
    C(Update*) (with the policy's ETag as C(If-Match)) only for the policies that differ. A second run
    with the same input makes no write call.
  - Custom policies that are not listed are never touched (there is no purge).
  - O(managed_policy_names) looks up AWS managed policies (C(Type=managed)) by name and returns their
    ids, so that a role can refer to C(CachingDisabled) or C(AllViewerExceptHostHeader) by name instead
    of hard-coding ids.
  - CloudFront is a global service whose API lives in us-east-1. The module always uses region
    V(us-east-1); O(region) is ignored (O(endpoint_url) and the credentials options are honoured).
  - Cache and origin request policies have no tags in the CloudFront API, so they cannot carry the
    C(platform:managed-by) tag; ownership is by name.
author:
  - rocketclub platform team (@rocketclub)
options:
  cache_policies:
    description:
      - The cache policies to manage, by name.
      - With O(state=absent) only O(cache_policies[].name) is used.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name of the policy, unique among the account's cache policies; 1 to 128 letters, digits, C(-)
            or C(_).
        type: str
        required: true
      comment:
        description:
          - Comment of the policy, at most 128 characters.
        type: str
        default: ''
      min_ttl:
        description:
          - Minimum time in seconds objects stay in the cache.
        type: int
        default: 0
      default_ttl:
        description:
          - Time in seconds objects stay in the cache when the origin sends no C(Cache-Control) or C(Expires).
          - Defaults, as in AWS, to 86400 or O(cache_policies[].min_ttl) when larger, but at most
            O(cache_policies[].max_ttl).
        type: int
      max_ttl:
        description:
          - Maximum time in seconds objects stay in the cache.
          - Defaults, as in AWS, to 31536000 or O(cache_policies[].default_ttl) when larger.
          - V(0) (with the other TTLs V(0)) disables caching. Such a policy cannot put headers, cookies or
            query strings in the cache key, nor compress (CloudFront rejects it); forward what the origin
            needs with an origin request policy instead.
        type: int
      headers:
        description:
          - HTTP headers in the cache key (and so forwarded to the origin).
        type: dict
        suboptions:
          behavior:
            description:
              - V(none) or V(whitelist) (the headers in O(cache_policies[].headers.items)).
            type: str
            choices: ['none', 'whitelist']
            default: none
          items:
            description:
              - Header names, at most 10, compared in lower case. Not C(Accept-Encoding), see
                O(cache_policies[].enable_accept_encoding_gzip).
            type: list
            elements: str
            default: []
      cookies:
        description:
          - Cookies in the cache key (and so forwarded to the origin).
        type: dict
        suboptions:
          behavior:
            description:
              - V(whitelist) and V(allExcept) use O(cache_policies[].cookies.items).
            type: str
            choices: ['none', 'whitelist', 'allExcept', 'all']
            default: none
          items:
            description:
              - Cookie names, at most 10.
            type: list
            elements: str
            default: []
      query_strings:
        description:
          - Query string parameters in the cache key (and so forwarded to the origin).
        type: dict
        suboptions:
          behavior:
            description:
              - V(whitelist) and V(allExcept) use O(cache_policies[].query_strings.items).
            type: str
            choices: ['none', 'whitelist', 'allExcept', 'all']
            default: none
          items:
            description:
              - Parameter names, at most 10.
            type: list
            elements: str
            default: []
      enable_accept_encoding_gzip:
        description:
          - Cache gzip-compressed objects separately (the normalised C(Accept-Encoding) header in the cache key).
          - Defaults to V(true), or V(false) when O(cache_policies[].max_ttl=0).
        type: bool
      enable_accept_encoding_brotli:
        description:
          - Cache Brotli-compressed objects separately.
          - Defaults to V(true), or V(false) when O(cache_policies[].max_ttl=0).
        type: bool
  origin_request_policies:
    description:
      - The origin request policies to manage, by name.
      - With O(state=absent) only O(origin_request_policies[].name) is used.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name of the policy, unique among the account's origin request policies; 1 to 128 letters,
            digits, C(-) or C(_).
        type: str
        required: true
      comment:
        description:
          - Comment of the policy, at most 128 characters.
        type: str
        default: ''
      headers:
        description:
          - HTTP headers forwarded to the origin (not in the cache key).
        type: dict
        suboptions:
          behavior:
            description:
              - V(allViewer) forwards every viewer header, C(Host) included.
              - V(allExcept) forwards every viewer header except O(origin_request_policies[].headers.items),
                for example everything but C(host).
              - V(allViewerAndWhitelistCloudFront) forwards every viewer header and the C(CloudFront-*)
                headers in O(origin_request_policies[].headers.items).
            type: str
            choices: ['none', 'whitelist', 'allViewer', 'allViewerAndWhitelistCloudFront', 'allExcept']
            default: none
          items:
            description:
              - Header names, at most 10, compared in lower case. A V(whitelist) cannot name
                C(Authorization) or C(Accept-Encoding) (put them in the cache policy).
            type: list
            elements: str
            default: []
      cookies:
        description:
          - Cookies forwarded to the origin.
        type: dict
        suboptions:
          behavior:
            description:
              - V(whitelist) and V(allExcept) use O(origin_request_policies[].cookies.items).
            type: str
            choices: ['none', 'whitelist', 'all', 'allExcept']
            default: none
          items:
            description:
              - Cookie names, at most 10.
            type: list
            elements: str
            default: []
      query_strings:
        description:
          - Query string parameters forwarded to the origin.
        type: dict
        suboptions:
          behavior:
            description:
              - V(whitelist) and V(allExcept) use O(origin_request_policies[].query_strings.items).
            type: str
            choices: ['none', 'whitelist', 'all', 'allExcept']
            default: none
          items:
            description:
              - Parameter names, at most 10.
            type: list
            elements: str
            default: []
  managed_policy_names:
    description:
      - Names of AWS managed cache or origin request policies whose ids to return in
        RV(managed_cache_policies) and RV(managed_origin_request_policies).
      - A name matches with or without the C(Managed-) prefix, so V(CachingDisabled) finds
        C(Managed-CachingDisabled) and V(UseOriginCacheControlHeaders) is found as is.
      - An unknown name fails the module before any write.
    type: list
    elements: str
    default: []
  state:
    description:
      - V(present) creates or updates the listed policies.
      - V(absent) deletes the listed custom policies that exist. A policy still attached to a distribution's
        cache behaviour is not deleted; the module fails before any deletion and names the distributions.
    type: str
    choices: ['present', 'absent']
    default: present
notes:
  - Required IAM actions are C(cloudfront:ListCachePolicies), C(GetCachePolicy), C(CreateCachePolicy),
    C(UpdateCachePolicy), C(DeleteCachePolicy), C(ListDistributionsByCachePolicyId) and the same for origin
    request policies.
  - Supports check mode (the result predicts the policies; a policy that would be created has the check-mode
    placeholder C(pending:cloudfront-cache-policy/<name>) or C(pending:cloudfront-origin-request-policy/<name>) as
    its id) and diff mode (before/after keyed by kind and name).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Policies of the portal distributions, and the managed ones they use
  rocketclub.platform.cloudfront_policies:
    cache_policies:
      - name: platform-static-long
        comment: /static/* - one year, compressed
        min_ttl: 86400
        default_ttl: 31536000
        max_ttl: 31536000
    origin_request_policies:
      - name: platform-alb-oidc
        comment: Everything the ALB OIDC flow needs, except the viewer's Host
        headers:
          behavior: allExcept
          items: [host]
        cookies:
          behavior: all
        query_strings:
          behavior: all
    managed_policy_names: [CachingDisabled, CachingOptimized, AllViewerExceptHostHeader]
  register: cloudfront_policies

- name: Use them in a distribution behaviour
  ansible.builtin.set_fact:
    api_behavior:
      path_pattern: /api/*
      cache_policy_id: "{{ cloudfront_policies.managed_cache_policies.CachingDisabled }}"
      origin_request_policy_id: "{{ cloudfront_policies.origin_request_policies['platform-alb-oidc'].id }}"

- name: Remove a policy that no behaviour uses any more
  rocketclub.platform.cloudfront_policies:
    state: absent
    cache_policies:
      - name: platform-static-short
"""

RETURN = r"""
cache_policies:
  description:
    - The listed cache policies as they are after the run (or would be in check mode), by name.
    - With O(state=absent) the policies that still exist (none after a successful run).
  returned: always
  type: dict
  sample:
    platform-static-long:
      id: 2e6a8d40-6b7f-4a0c-9a40-3c64ee3d4c1a
      config:
        name: platform-static-long
        comment: /static/* - one year, compressed
        min_ttl: 86400
        default_ttl: 31536000
        max_ttl: 31536000
        headers: {behavior: none, items: []}
        cookies: {behavior: none, items: []}
        query_strings: {behavior: none, items: []}
        enable_accept_encoding_gzip: true
        enable_accept_encoding_brotli: true
  contains:
    id:
      description:
        - Id of the policy; for a policy that check mode would create the placeholder
          C(pending:cloudfront-cache-policy/<name>), which M(rocketclub.platform.cloudfront_distributions) accepts in
          check mode.
      returned: always
      type: str
      sample: 2e6a8d40-6b7f-4a0c-9a40-3c64ee3d4c1a
    config:
      description:
        - The normalised configuration, in the form of O(cache_policies) (items sorted, header names in lower case).
      returned: always
      type: dict
      sample: {"name": "platform-static-long", "min_ttl": 86400}
origin_request_policies:
  description:
    - The listed origin request policies as they are after the run (or would be in check mode), by name.
  returned: always
  type: dict
  sample:
    platform-alb-oidc:
      id: 0d5c4b1e-8f3a-4a55-9d1b-3b8f6b6b2f10
      config:
        name: platform-alb-oidc
        comment: Everything the ALB OIDC flow needs, except the viewer's Host
        headers: {behavior: allExcept, items: [host]}
        cookies: {behavior: all, items: []}
        query_strings: {behavior: all, items: []}
  contains:
    id:
      description:
        - Id of the policy; for a policy that check mode would create the placeholder
          C(pending:cloudfront-origin-request-policy/<name>).
      returned: always
      type: str
      sample: 0d5c4b1e-8f3a-4a55-9d1b-3b8f6b6b2f10
    config:
      description: The normalised configuration, in the form of O(origin_request_policies).
      returned: always
      type: dict
      sample: {"name": "platform-alb-oidc", "headers": {"behavior": "allExcept", "items": ["host"]}}
managed_cache_policies:
  description: Ids of the AWS managed cache policies among O(managed_policy_names), by the name as given.
  returned: always
  type: dict
  sample:
    CachingDisabled: 4135ea2d-6df8-44a3-9df3-4b5a84be39ad
    CachingOptimized: 658327ea-f89d-4fab-a63d-7e88639e58f6
managed_origin_request_policies:
  description: Ids of the AWS managed origin request policies among O(managed_policy_names), by the name as given.
  returned: always
  type: dict
  sample: {"AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac"}
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudfront_policies import KINDS
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudfront_policies import desired_policy
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudfront_policies import existing_by_name
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudfront_policies import from_api
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudfront_policies import plan
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudfront_policies import resolve_managed
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudfront_policies import to_api
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudfront_policies import validate_policies
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import follow_markers
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id

# CloudFront's API is global and served from us-east-1.
CLOUDFRONT_REGION = "us-east-1"


def call(client, template, kind, **params):
    """``client.<template with the kind's names>(**params)``, e.g. ``list_{plural}`` -> list_cache_policies."""
    method = template.format(kind=KINDS[kind]["snake"], plural=KINDS[kind]["plural_snake"])
    return getattr(client, method)(aws_retry=True, **params)


def list_policies(client, kind, policy_type=None):
    """Every summary of ``List*Policies``, only those of ``Type=policy_type`` when given (boto3 has no paginator
    for ListCachePolicies or ListOriginRequestPolicies: the core's ``follow_markers`` follows NextMarker)."""
    params = {"Type": policy_type} if policy_type else {}
    return follow_markers(
        lambda **page: call(client, "list_{plural}", kind, **page)[KINDS[kind]["noun"] + "List"], **params
    )


def summaries_by_type(client, kind, types):
    """``{type: [summaries]}`` of the policy types wanted (``custom``, ``managed``). Both at once are one listing
    without the ``Type`` filter (each summary names its ``Type``): a converge that owns custom policies and looks
    up managed ones lists each kind once."""
    if set(types) == {"custom", "managed"}:
        summaries = list_policies(client, kind)
        return {policy_type: [s for s in summaries if s.get("Type") == policy_type] for policy_type in types}
    return {policy_type: list_policies(client, kind, policy_type) for policy_type in types}


def current_etag(client, kind, policy_id):
    return call(client, "get_{kind}", kind, Id=policy_id)["ETag"]


def ensure_present(module, client, kind, action, desired, current):
    """Create or update one policy; return ``(changed, state)``."""
    if action == "none":
        return False, current
    config_key = KINDS[kind]["noun"] + "Config"
    if module.check_mode:
        # A policy to create has no id yet: the placeholder lets the distributions task predict with it.
        kind_name = "cloudfront-" + kind.replace("_", "-") + "-policy"
        policy_id = current["id"] if current else pending_id(kind_name, desired["name"])
        return True, {"id": policy_id, "config": desired}
    params = {config_key: to_api(kind, desired)}
    if action == "create":
        policy = call(client, "create_{kind}", kind, **params)[KINDS[kind]["noun"]]
    else:
        etag = current_etag(client, kind, current["id"])
        policy = call(client, "update_{kind}", kind, Id=current["id"], IfMatch=etag, **params)[KINDS[kind]["noun"]]
    return True, {"id": policy["Id"], "config": from_api(kind, policy[config_key])}


def in_use_errors(client, kind, deletions):
    """Messages for the policies to delete that a distribution still uses."""
    errors = []
    for dummy, policy, current in deletions:
        params = {KINDS[kind]["noun"] + "Id": current["id"]}
        ids = call(client, "list_distributions_by_{kind}_id", kind, **params)["DistributionIdList"].get("Items") or []
        if ids:
            errors.append(
                f"{KINDS[kind]['label']} {policy['name']} ({current['id']}) is attached to cache behaviours "
                f"of distribution(s) {', '.join(ids)}; attach another policy to them first"
            )
    return errors


def ensure_absent(module, client, kind, policy, current, changed):
    """Delete one policy (found unused just before); ``changed`` tells whether earlier ones were."""
    if not module.check_mode:
        try:
            call(client, "delete_{kind}", kind, Id=current["id"], IfMatch=current_etag(client, kind, current["id"]))
        except is_boto3_error_code(KINDS[kind]["noun"] + "InUse"):
            module.fail_json(
                msg=f"{KINDS[kind]['label']} {policy['name']} ({current['id']}) was attached to a "
                "distribution meanwhile; attach another policy to its cache behaviours first",
                changed=changed,
            )


def read_input(module):
    """Normalised desired policies per kind; fail on any input error (before any API call)."""
    desired, errors = {}, []
    for kind, spec in KINDS.items():
        desired[kind] = [desired_policy(kind, entry) for entry in module.params[spec["option"]]]
        errors.extend(validate_policies(kind, desired[kind], names_only=module.params["state"] == "absent"))
    if errors:
        module.fail_json(msg="Invalid input: " + "; ".join(errors), errors=errors)
    return desired


def main():
    def parameter(choices):
        return dict(
            type="dict",
            apply_defaults=True,
            options=dict(
                behavior=dict(type="str", choices=list(choices), default="none"),
                items=dict(type="list", elements="str", default=[]),
            ),
        )

    common = dict(name=dict(type="str", required=True), comment=dict(type="str", default=""))
    argument_spec = dict(
        cache_policies=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                common,
                min_ttl=dict(type="int", default=0),
                default_ttl=dict(type="int"),
                max_ttl=dict(type="int"),
                enable_accept_encoding_gzip=dict(type="bool"),
                enable_accept_encoding_brotli=dict(type="bool"),
                **{field: parameter(choices) for field, choices in KINDS["cache"]["behaviors"].items()},
            ),
        ),
        origin_request_policies=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                common,
                **{field: parameter(choices) for field, choices in KINDS["origin_request"]["behaviors"].items()},
            ),
        ),
        managed_policy_names=dict(type="list", elements="str", default=[]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    state = module.params["state"]
    desired = read_input(module)

    client = module.client("cloudfront", retry_decorator=AWSRetry.jittered_backoff(), region=CLOUDFRONT_REGION)
    result = {spec["option"]: {} for spec in KINDS.values()}
    before, after = {spec["option"]: {} for spec in KINDS.values()}, {spec["option"]: {} for spec in KINDS.values()}
    changed = False
    step = "list the policies"
    try:
        plans, listed = {}, {}
        want_managed = bool(module.params["managed_policy_names"])
        for kind in KINDS:
            types = (["custom"] if desired[kind] else []) + (["managed"] if want_managed else [])
            listed[kind] = summaries_by_type(client, kind, types)
            existing = existing_by_name(kind, listed[kind]["custom"]) if desired[kind] else {}
            plans[kind] = plan(desired[kind], existing, state)
        managed = {}
        if want_managed:
            for kind, spec in KINDS.items():
                summaries = listed[kind]["managed"]
                managed[kind] = {
                    item[spec["noun"]][spec["noun"] + "Config"]["Name"]: item[spec["noun"]]["Id"] for item in summaries
                }
        found, missing = resolve_managed(module.params["managed_policy_names"], managed or {kind: {} for kind in KINDS})
        if missing:
            available = sorted(name for by_name in managed.values() for name in by_name)
            module.fail_json(
                msg=f"managed_policy_names: no AWS managed policy named {', '.join(missing)}; "
                f"available: {', '.join(available)}"
            )
        result["managed_cache_policies"] = found["cache"]
        result["managed_origin_request_policies"] = found["origin_request"]

        step = "check that the policies to delete are unused"
        errors = []
        for kind in KINDS:
            errors.extend(in_use_errors(client, kind, [a for a in plans[kind] if a[0] == "delete"]))
        if errors:
            module.fail_json(msg="Cannot delete: " + "; ".join(errors), errors=errors)

        for kind, actions in plans.items():
            option = KINDS[kind]["option"]
            for action, policy, current in actions:
                step = f"{action} {KINDS[kind]['label']} {policy['name']}"
                if current:
                    before[option][policy["name"]] = current["config"]
                if action == "delete":
                    ensure_absent(module, client, kind, policy, current, changed)
                    changed = True
                    continue
                if state == "absent":
                    continue
                policy_changed, now = ensure_present(module, client, kind, action, policy, current)
                changed |= policy_changed
                result[option][policy["name"]] = now
                after[option][policy["name"]] = now["config"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to {step}", changed=changed, **result)

    module.exit_json(changed=changed, diff={"before": before, "after": after}, **result)


if __name__ == "__main__":
    main()
