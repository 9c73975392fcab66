#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kinde_oidc_rules
version_added: 0.1.0
short_description: Manage the Kinde-authenticated listener rules of one HTTPS ALB listener
description:
  - Manages, for a list of applications, the listener rules of one HTTPS listener of an Application Load
    Balancer that authenticate users with Kinde (OpenID Connect, action C(authenticate-oidc)) and then
    forward to the application's target group.
  - Why this module exists. M(amazon.aws.elb_application_lb) with an C(authenticate-oidc) rule reports
    changed on every run, and a rotated client secret looks the same as an unchanged one, because AWS never
    returns C(ClientSecret) (amazon.aws issues 1877 and 1284). This module compares everything AWS does
    return (after normalisation) and tracks the client secret with a keyed fingerprint tag instead.
  - The Kinde client secret is read by the module itself from Secrets Manager (O(client_secret_name)) and is
    only ever sent to C(CreateRule) or C(ModifyRule). It never appears in results, diffs, warnings or
    error messages.
  - Each rule carries the tag C(platform:oidc-secret-fingerprint), an HMAC-SHA256 of the client secret keyed
    with the value of O(fingerprint_key_parameter) (hex, 32 characters). It is neither the secret nor a
    plain hash of it. When the secret in Secrets Manager is rotated, the fingerprint differs and the next run
    sends the new secret (C(ModifyRule) with C(ClientSecret)) to exactly the rules that use it and reports
    them as changed. When only other settings differ, C(ModifyRule) is sent with C(UseExistingClientSecret)
    and without C(ClientSecret).
  - Each rule has the conditions C(host-header) (O(apps[].hosts)), optionally C(path-pattern)
    (O(apps[].path_patterns)) and, with O(origin_secret_parameter), an C(http-header) condition that
    requires the origin secret in header O(origin_secret_header), so that only requests through CloudFront
    (which adds the header) reach the application. Its actions are C(authenticate-oidc) (order 1) and
    C(forward) to O(apps[].target_group_arn) (order 2).
  - Rules are matched to O(apps) by the tag C(platform:kinde-app). Managed rules carry the tags
    C(platform:managed-by=rocketclub.platform) and C(platform:kinde-app=<name>). Rules without them
    (foreign rules) are never modified or deleted.
  - All input, the listener protocol, the secrets, the Kinde discovery document (O(verify_discovery)) and
    priority conflicts with foreign rules are checked before the first write.
  - A second run with the same input and unchanged secrets makes no write API call.
author:
  - rocketclub platform team (@rocketclub)
options:
  listener_arn:
    description:
      - ARN of the listener whose rules are managed. It must be an HTTPS listener.
      - In check mode a placeholder C(pending:listener/<name>) (a listener a real run would create) is accepted;
        the listener has no rules yet, so every rule would be created. A real run refuses a placeholder.
      - In check mode a secret or parameter that does not exist yet (an earlier task of the same run would
        create it) counts as unknown, so every rule that uses it would be updated.
    type: str
    required: true
  kinde_domain:
    description:
      - The Kinde domain, such as V(acme.kinde.com), a custom domain such as V(auth.example.com), or
        C(host:port) such as V(127.0.0.1:4568) for a local emulator.
      - A value starting with C(https://) is accepted and normalised. Any other scheme (C(http://)
        included) is an error.
      - 'The endpoints are derived from it: issuer C(https://<domain>), authorization endpoint
        C(https://<domain>/oauth2/auth), token endpoint C(https://<domain>/oauth2/token) and user info
        endpoint C(https://<domain>/oauth2/v2/user_profile).'
    type: str
    required: true
  verify_discovery:
    description:
      - Read C(https://<domain>/.well-known/openid-configuration) and check that its C(issuer),
        C(authorization_endpoint), C(token_endpoint) and C(userinfo_endpoint) equal the derived endpoints.
      - An unreachable document or a mismatch fails the module before any write, also in check mode.
      - The request honours O(validate_certs) and O(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle (PEM file) used to verify the TLS certificate of the Kinde discovery document, for a private
        CA such as the one of a local emulator.
      - Only used with O(verify_discovery=true). Does not apply to the AWS API, see O(aws_ca_bundle).
    type: path
  client_id:
    description:
      - Client ID of the Kinde application (back-end web application).
    type: str
    required: true
  client_secret_name:
    description:
      - Name or ARN of the Secrets Manager secret holding the Kinde client secret as a plain string.
      - A missing secret, or a secret without a value, fails the module before any write.
    type: str
    required: true
  client_secret_version_stage:
    description:
      - Staging label of the secret version to use.
    type: str
    default: AWSCURRENT
  origin_secret_parameter:
    description:
      - Name of an SSM SecureString parameter whose (decrypted) value must be present in request header
        O(origin_secret_header). Every rule gets this C(http-header) condition, so only requests that come
        through CloudFront (which adds the header) are let through.
      - The value must not contain C(*) or C(?), which an ALB condition treats as wildcards, and may have
        at most 128 characters.
      - The condition value is visible in C(DescribeRules) and compared by value; results and diffs only show
        its fingerprint (tag C(platform:origin-header-fingerprint)).
      - When not set the rules have no header condition.
    type: str
  origin_secret_pending_parameter:
    description:
      - Name of the SSM SecureString parameter holding the next origin secret while an origin-secret rotation is
        under way (C(rocketclub.platform.origin_secret_rotation) creates it, and deletes it when the rotation is
        promoted or aborted).
      - When the parameter exists, the C(http-header) condition of every rule accepts both values (the current and
        the pending one; ALB lets a request through when its header matches any value of the condition); when it
        does not exist, only the value of O(origin_secret_parameter). The change is one C(ModifyRule) per rule with
        the complete condition list, so no rule is ever without the header condition.
      - Its value follows the rules of O(origin_secret_parameter) (no C(*) or C(?), at most 128 characters). Each
        accepted value counts towards the 5 condition values of an ALB rule, checked before any write.
      - Requires O(origin_secret_parameter).
    type: str
  origin_secret_header:
    description:
      - Name of the request header that carries the origin secret.
    type: str
    default: X-Origin-Verify
  fingerprint_key_parameter:
    description:
      - Name of an SSM SecureString parameter holding the HMAC key (at least 16 characters) for the
        fingerprint tags.
      - Changing the key changes every fingerprint, so the next run re-sends the client secret to every rule.
    type: str
    required: true
  apps:
    description:
      - The applications, one rule each, returned in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Unique name of the application, stored as tag C(platform:kinde-app).
        type: str
        required: true
      hosts:
        description:
          - Host names of the C(host-header) condition (at most 3), compared in lower case and in any order.
          - A host may belong to one application only.
        type: list
        elements: str
        required: true
      path_patterns:
        description:
          - Path patterns of an optional C(path-pattern) condition (at most 3).
          - An ALB rule takes at most 5 condition values in total (hosts, path patterns and the origin header).
        type: list
        elements: str
      priority:
        description:
          - Priority of the rule, 1 to 50000, unique. A priority already used by a foreign rule is an error.
          - An existing rule is moved with C(SetRulePriorities).
        type: int
        required: true
      target_group_arn:
        description:
          - ARN of the target group to forward to after authentication.
          - In check mode a placeholder C(pending:target-group/<name>) (a group a real run would create) differs
            from the target group of an existing rule, so the rule would be updated.
        type: str
        required: true
      scope:
        description:
          - OIDC scopes, separated by spaces; must include V(openid). Compared regardless of order.
          - Kinde's scope for refresh tokens is V(offline).
        type: str
        default: openid profile email
      session_cookie_name:
        description:
          - Name of the ALB authentication session cookie.
        type: str
        default: AWSELBAuthSessionCookie
      session_timeout:
        description:
          - Maximum duration of the authentication session in seconds, 1 to 604800.
        type: int
        default: 604800
      on_unauthenticated_request:
        description:
          - What the ALB does with a request that is not authenticated.
        type: str
        choices: ['authenticate', 'deny', 'allow']
        default: authenticate
      authentication_request_extra_params:
        description:
          - 'Extra query parameters of the authorization request, for example C({"prompt": "login"}).'
        type: dict
        default: {}
      tags:
        description:
          - Tags of this rule, merged over O(tags).
        type: dict
        default: {}
  tags:
    description:
      - Tags applied to all the rules. The C(platform:*) tags of this module cannot be overridden.
    type: dict
    default: {}
  purge_tags:
    description:
      - Remove tags of the managed rules that are not in O(tags) or O(apps[].tags).
      - Tags starting with C(aws:) are never removed. Stale C(platform:*) tags of this module are always removed.
    type: bool
    default: true
  purge:
    description:
      - Delete rules of the listener that carry the tags C(platform:managed-by=rocketclub.platform) and
        C(platform:kinde-app) but whose application is not in O(apps).
      - Rules without these tags are never deleted.
    type: bool
    default: true
notes:
  - Required IAM actions are C(elasticloadbalancing:DescribeListeners), C(DescribeRules), C(DescribeTags),
    C(CreateRule), C(ModifyRule), C(SetRulePriorities), C(DeleteRule), C(AddTags), C(RemoveTags),
    C(secretsmanager:GetSecretValue), C(secretsmanager:DescribeSecret) and C(ssm:GetParameter) (with
    C(kms:Decrypt) for the SecureString parameters).
  - O(validate_certs) and O(aws_ca_bundle) apply to the AWS API; O(validate_certs) also applies to the
    discovery request, O(ca_path) only to the discovery request.
  - Supports check mode (the result predicts the rules, rules that would be created have
    RV(rules[].rule_arn=pending:listener-rule/<name>)) and diff mode (before/after keyed by application name, the client
    secret and the origin header value only as fingerprints).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Kinde login in front of the internal applications
  rocketclub.platform.kinde_oidc_rules:
    listener_arn: "{{ alb_https_listener_arn }}"
    kinde_domain: acme.kinde.com
    client_id: 0123456789abcdef0123456789abcdef
    client_secret_name: prod/kinde/client-secret
    origin_secret_parameter: /prod/cloudfront/origin-secret
    fingerprint_key_parameter: /prod/platform/fingerprint-key
    tags:
      Environment: prod
    apps:
      - name: backstage
        hosts: [backstage.example.com]
        priority: 10
        target_group_arn: "{{ backstage_tg_arn }}"
      - name: grafana
        hosts: [grafana.example.com]
        path_patterns: ["/*"]
        priority: 20
        target_group_arn: "{{ grafana_tg_arn }}"
        scope: openid profile email offline
        session_timeout: 28800
  register: kinde_rules

- name: Against the local Kinde emulator with its private CA
  rocketclub.platform.kinde_oidc_rules:
    listener_arn: "{{ listener_arn }}"
    kinde_domain: https://127.0.0.1:4568
    ca_path: "{{ localcloud_kinde_ca }}"
    client_id: local-client
    client_secret_name: local/kinde/client-secret
    fingerprint_key_parameter: /local/platform/fingerprint-key
    apps:
      - name: backstage
        hosts: [backstage.localhost]
        priority: 10
        target_group_arn: "{{ tg_arn }}"
"""

RETURN = r"""
rules:
  description: The managed rules, in the order of O(apps), as they are after the run (or would be in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "backstage", "rule_arn": "pending:listener-rule/backstage", "priority": 10,
            "hosts": ["backstage.example.com"], "path_patterns": [], "changed": true, "changes": ["created"]}]
  contains:
    name:
      description: The application name.
      returned: always
      type: str
      sample: backstage
    rule_arn:
      description: ARN of the rule; C(pending:listener-rule/<name>) for a rule that check mode would create.
      returned: always
      type: str
      sample: "arn:aws:elasticloadbalancing:eu-west-2:123456789012:listener-rule/app/alb/50dc6c495c0c9188/\
        f2f7dc8efc522ab2/9683b2d02a6cabee"
    priority:
      description: Priority of the rule.
      returned: always
      type: int
      sample: 10
    hosts:
      description: Host names of the rule, sorted, lower case.
      returned: always
      type: list
      elements: str
      sample: ["backstage.example.com"]
    path_patterns:
      description: Path patterns of the rule, sorted.
      returned: always
      type: list
      elements: str
      sample: []
    target_group_arn:
      description: The target group requests are forwarded to.
      returned: always
      type: str
      sample: arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/backstage/73e2d6bc24d8a067
    issuer:
      description: The OIDC issuer.
      returned: always
      type: str
      sample: https://acme.kinde.com
    client_id:
      description: The Kinde client ID.
      returned: always
      type: str
      sample: 0123456789abcdef0123456789abcdef
    client_secret_fingerprint:
      description: Keyed fingerprint (HMAC-SHA256) of the client secret used by the rule.
      returned: always
      type: str
      sample: 3f1b0c5e9a7d4e2f8b6a1c0d9e8f7a6b
    changed:
      description: Whether this rule was (or would be) created or modified.
      returned: always
      type: bool
      sample: true
    changes:
      description: What was (or would be) changed, for example V(created), V(client_secret rotated) or
        V(priority 10 -> 20).
      returned: always
      type: list
      elements: str
      sample: ["client_secret rotated", "priority 10 -> 20"]
origin_values_accepted:
  description: How many values the origin header condition of every rule accepts after the run (or would in check
    mode) - V(1), V(2) while an origin-secret rotation is pending (O(origin_secret_pending_parameter) exists), V(0)
    without O(origin_secret_parameter). Never the values.
  returned: always
  type: int
  sample: 2
deleted:
  description: ARNs of the managed rules of undeclared applications that were (or would be) deleted by O(purge).
  returned: always
  type: list
  elements: str
  sample: ["arn:aws:elasticloadbalancing:eu-west-2:123456789012:listener-rule/app/alb/50dc6c495c0c9188/\
           f2f7dc8efc522ab2/0123456789abcdef"]
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import APP_TAG
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import MIN_FINGERPRINT_KEY_LENGTH
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import RESERVED_TAGS
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import SECRET_FP_TAG
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import actions_param
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import compare_rule
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import conditions_param
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import describe_tags_by_arn
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import desired_rule
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import normalize_rule
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import origin_values
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import plan_listener
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import public_view
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import rule_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import secret_fingerprint
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import tag_changes
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import validate_apps
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import wildcard_problem
from ansible_collections.rocketclub.platform.plugins.module_utils.kinde import KindeError
from ansible_collections.rocketclub.platform.plugins.module_utils.kinde import derive_endpoints
from ansible_collections.rocketclub.platform.plugins.module_utils.kinde import normalize_domain
from ansible_collections.rocketclub.platform.plugins.module_utils.kinde import validate_discovery
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import ScrubbedError
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import call_with_secrets
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import read_secret_string
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import read_secure_parameter
from ansible_collections.rocketclub.platform.plugins.module_utils.secrets_manager import describe_secret
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags

MAX_HEADER_VALUE_LENGTH = 128
DISCOVERY_TIMEOUT = 10


# ------------------------------------------------------------------------------------------------ reads


def describe_listener(module, client, listener_arn):
    try:
        listeners = client.describe_listeners(ListenerArns=[listener_arn], aws_retry=True)["Listeners"]
    except is_boto3_error_code("ListenerNotFound"):
        module.fail_json(msg=f"Listener {listener_arn} does not exist")
    if not listeners:
        module.fail_json(msg=f"Listener {listener_arn} does not exist")
    return listeners[0]


def kinde_client_secret(module, client, name, stage, lenient=False):
    """The Kinde client secret (``secret_values.read_secret_string``, so registered as a no_log value). Fails
    clearly when missing or empty; with ``lenient`` (check mode) a missing secret or value is None: an earlier
    task would create it."""
    put_hint = (
        "An operator must put the Kinde client secret in, for example with "
        f"'aws secretsmanager put-secret-value --secret-id {name} --secret-string <client secret from Kinde>'"
    )
    try:
        value = read_secret_string(client, module, name, stage=stage)
    except is_boto3_error_code("ResourceNotFoundException"):
        if lenient:
            return None
        if describe_secret(client, name) is None:
            module.fail_json(msg=f"Kinde client secret {name} does not exist in Secrets Manager ({module.region})")
        module.fail_json(msg=f"Kinde client secret {name} has no value (no version with stage {stage}). {put_hint}")
    if value is None:
        module.fail_json(msg=f"Kinde client secret {name} has a binary value; it must be a string. {put_hint}")
    if not value.strip():
        module.fail_json(msg=f"Kinde client secret {name} has an empty value. {put_hint}")
    return value


def read_parameter(module, client, name, option):
    """``read_secure_parameter``; in check mode a parameter that does not exist (yet: the secrets role would
    create it earlier in the same run) is None, its value unknown."""
    if module.check_mode:
        try:
            client.get_parameter(Name=name, aws_retry=True)
        except is_boto3_error_code("ParameterNotFound"):
            return None
    return read_secure_parameter(module, client, name, option)


def read_pending_parameter(module, client, name):
    """The value of the pending origin secret (protected), or None when the parameter does not exist (no
    rotation under way)."""
    return read_secure_parameter(module, client, name, "origin_secret_pending_parameter", missing_ok=True)


def origin_value_problem(value):
    """Why an origin secret value cannot be an ALB http-header condition value, or None."""
    problem = wildcard_problem(value)
    if problem is None and len(value) > MAX_HEADER_VALUE_LENGTH:
        problem = f"is longer than {MAX_HEADER_VALUE_LENGTH} characters"
    return problem


# ------------------------------------------------------------------------------------------------ writes


def ensure_rules_deleted(module, client, rules):
    if not rules:
        return False, []
    if not module.check_mode:
        for rule in rules:
            try:
                client.delete_rule(RuleArn=rule["rule_arn"], aws_retry=True)
            except is_boto3_error_code("RuleNotFound"):
                pass
    return True, [rule["rule_arn"] for rule in rules]


def ensure_priorities(module, client, moves):
    """Move several rules in one SetRulePriorities call (so rules can trade places)."""
    if not moves:
        return False
    if not module.check_mode:
        client.set_rule_priorities(
            RulePriorities=[{"RuleArn": arn, "Priority": priority} for arn, priority in moves], aws_retry=True
        )
    return True


def ensure_rule_created(module, client, listener_arn, desired, client_secret, secrets):
    predicted = dict(desired)
    if module.check_mode:
        predicted["rule_arn"] = pending_id("listener-rule", desired["name"])
        return True, predicted
    created = call_with_secrets(
        client.create_rule,
        secrets,
        ListenerArn=listener_arn,
        Priority=desired["priority"],
        Conditions=conditions_param(desired),
        Actions=actions_param(desired, client_secret=client_secret),
        Tags=ansible_dict_to_boto3_tag_list(desired["tags"]),
    )
    predicted["rule_arn"] = created["Rules"][0]["RuleArn"]
    return True, predicted


def ensure_rule_modified(module, client, current, desired, difference, client_secret, secrets):
    """ModifyRule: with ClientSecret when the fingerprint differs, otherwise with UseExistingClientSecret."""
    if not (difference["secret"] or difference["actions"] or difference["conditions"]):
        return False
    params = {"RuleArn": current["rule_arn"]}
    if difference["conditions"]:
        params["Conditions"] = conditions_param(desired)
    if difference["secret"]:
        params["Actions"] = actions_param(desired, client_secret=client_secret)
    elif difference["actions"]:
        params["Actions"] = actions_param(desired)
    if not module.check_mode:
        call_with_secrets(client.modify_rule, secrets, **params)
    return True


def ensure_rule(module, client, listener_arn, current, desired, fingerprint_of, client_secret, secrets):
    """Reconcile one app, except its priority (see ensure_priorities). Returns (changed, changes, state)."""
    if current is None:
        changed, state = ensure_rule_created(module, client, listener_arn, desired, client_secret, secrets)
        return changed, ["created"], state

    difference = compare_rule(current, desired, fingerprint_of)
    changes = list(difference["changes"])
    changed = ensure_rule_modified(module, client, current, desired, difference, client_secret, secrets)
    # Tags last: the fingerprint tags only change once the rule has the new values. Stale tags of this module
    # go even with purge_tags=false.
    arn = current["rule_arn"]
    tags = plan_tags(current["tags"], desired["tags"], module.params["purge_tags"], always_remove=RESERVED_TAGS)
    tags_changed = apply_tags(
        tags,
        tag=lambda to_set: client.add_tags(
            ResourceArns=[arn], Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True
        ),
        untag=lambda keys: client.remove_tags(ResourceArns=[arn], TagKeys=keys, aws_retry=True),
        check_mode=module.check_mode,
    )
    skip = (SECRET_FP_TAG,) if difference["secret"] else ()
    message = tag_changes(tags.to_set, tags.to_unset, skip=skip)
    if message:
        changes.append(message)
    state = dict(desired, rule_arn=arn, tags=tags.result)
    return changed or tags_changed or difference["priority"], changes, state


# ------------------------------------------------------------------------------------------------ main


def result_entry(state, changed, changes):
    return {
        "name": state["name"],
        "rule_arn": state["rule_arn"],
        "priority": state["priority"],
        "hosts": list(state["hosts"]),
        "path_patterns": list(state["path_patterns"]),
        "target_group_arn": state["target_group_arn"],
        "issuer": state["oidc"]["issuer"],
        "client_id": state["oidc"]["client_id"],
        "client_secret_fingerprint": state["tags"].get(SECRET_FP_TAG),
        "changed": changed,
        "changes": changes,
    }


def validate_input(module):
    """Checks that need no API call. Returns the normalised Kinde domain."""
    params = module.params
    try:
        domain = normalize_domain(params["kinde_domain"])
    except KindeError as e:
        module.fail_json(msg=str(e))
    errors = validate_apps(params["apps"], params["tags"], with_origin_header=bool(params["origin_secret_parameter"]))
    if not params["origin_secret_header"]:
        errors.append("origin_secret_header must not be empty")
    if not params["client_id"]:
        errors.append("client_id must not be empty")
    if errors:
        module.fail_json(msg="Invalid input: " + "; ".join(errors), errors=errors)
    return domain


def main():
    app_options = dict(
        name=dict(type="str", required=True),
        hosts=dict(type="list", elements="str", required=True),
        path_patterns=dict(type="list", elements="str"),
        priority=dict(type="int", required=True),
        target_group_arn=dict(type="str", required=True),
        scope=dict(type="str", default="openid profile email"),
        session_cookie_name=dict(type="str", default="AWSELBAuthSessionCookie"),
        session_timeout=dict(type="int", default=604800),
        on_unauthenticated_request=dict(type="str", choices=["authenticate", "deny", "allow"], default="authenticate"),
        authentication_request_extra_params=dict(type="dict", default={}),
        tags=dict(type="dict", default={}),
    )
    argument_spec = dict(
        listener_arn=dict(type="str", required=True),
        kinde_domain=dict(type="str", required=True),
        verify_discovery=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        client_id=dict(type="str", required=True),
        client_secret_name=dict(type="str", required=True, no_log=False),
        client_secret_version_stage=dict(type="str", default="AWSCURRENT", no_log=False),
        origin_secret_parameter=dict(type="str", no_log=False),
        origin_secret_pending_parameter=dict(type="str", no_log=False),
        origin_secret_header=dict(type="str", default="X-Origin-Verify", no_log=False),
        fingerprint_key_parameter=dict(type="str", required=True, no_log=False),
        apps=dict(type="list", elements="dict", required=True, options=app_options),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
        purge=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_by={"origin_secret_pending_parameter": "origin_secret_parameter"},
    )
    params = module.params
    listener_arn = params["listener_arn"]
    domain = validate_input(module)
    # Check mode: a listener a real run would create (pending:listener/...) has no rules, every rule would be
    # created; a pending target group differs from the live one (the rule would be updated).
    fail_if_pending(module, listener_arn=listener_arn, target_group_arn=[a["target_group_arn"] for a in params["apps"]])
    pending_listener = is_pending(listener_arn)
    endpoints = derive_endpoints(domain)

    if params["verify_discovery"]:
        try:
            validate_discovery(
                domain, validate_certs=params["validate_certs"], ca_path=params["ca_path"], timeout=DISCOVERY_TIMEOUT
            )
        except KindeError as e:
            module.fail_json(msg=str(e))

    elbv2 = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    results, deleted, before, after = [], [], {}, {}
    any_changed = False
    step = "read the listener"
    try:
        listener = {"Protocol": "HTTPS"} if pending_listener else describe_listener(module, elbv2, listener_arn)
        if listener.get("Protocol") != "HTTPS":
            module.fail_json(
                msg=f"Listener {listener_arn} uses protocol {listener.get('Protocol')}; "
                "authenticate-oidc rules need an HTTPS listener"
            )

        step = "read the secrets"
        secretsmanager = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
        ssm = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff())
        fingerprint_key = read_parameter(module, ssm, params["fingerprint_key_parameter"], "fingerprint_key_parameter")
        if fingerprint_key is not None and len(fingerprint_key) < MIN_FINGERPRINT_KEY_LENGTH:
            module.fail_json(
                msg=f"SSM parameter {params['fingerprint_key_parameter']} (fingerprint_key_parameter) must hold at "
                f"least {MIN_FINGERPRINT_KEY_LENGTH} characters"
            )
        client_secret = kinde_client_secret(
            module,
            secretsmanager,
            params["client_secret_name"],
            params["client_secret_version_stage"],
            lenient=module.check_mode,
        )
        secrets = [client_secret] if client_secret is not None else []
        origin_header = None
        origin_fingerprint = None

        def fingerprint_of(value):
            return secret_fingerprint(fingerprint_key, value)

        if params["origin_secret_parameter"]:
            origin_value = read_parameter(module, ssm, params["origin_secret_parameter"], "origin_secret_parameter")
            # Check mode, parameter still to be created: a value no live rule has.
            known = origin_value is not None
            if not known:
                origin_value = pending_id("ssm-parameter-value", params["origin_secret_parameter"])
            problem = origin_value_problem(origin_value) if known else None
            if problem:
                module.fail_json(
                    msg=f"The value of SSM parameter {params['origin_secret_parameter']} (origin_secret_parameter) "
                    f"{problem}; use a value of letters and digits"
                )
            accepted = origin_value
            if known:
                secrets.append(origin_value)
            pending_name = params["origin_secret_pending_parameter"]
            pending_value = read_pending_parameter(module, ssm, pending_name) if pending_name and known else None
            if pending_value is not None:
                problem = origin_value_problem(pending_value)
                if problem:
                    module.fail_json(
                        msg=f"The value of SSM parameter {pending_name} (origin_secret_pending_parameter) {problem}; "
                        "abort the rotation (delete the parameter), then start it again with letters and digits"
                    )
                secrets.append(pending_value)
                if pending_value != origin_value:
                    # Current first: the condition accepts either while the rotation is under way.
                    accepted = [origin_value, pending_value]
                    errors = validate_apps(params["apps"], with_origin_header=2)
                    if errors:
                        module.fail_json(
                            msg=f"Cannot accept the pending origin secret of {pending_name} "
                            "(origin_secret_pending_parameter) next to the current one: "
                            + "; ".join(errors)
                            + ". Remove a host or path pattern of the app, or abort the rotation. Nothing was changed.",
                            errors=errors,
                        )
            origin_header = {"name": params["origin_secret_header"], "value": accepted}
            # The tag follows the current value only: a pending rotation changes the condition, not the tag.
            origin_fingerprint = fingerprint_of(origin_value)

        # The fingerprint of the client secret every rule should carry: a rule whose tag differs gets the secret
        # (rotation, see elbv2_rules "client secret rotation").
        client_secret_fingerprint = fingerprint_of(client_secret)
        desired = []
        for app in params["apps"]:
            tags = rule_tags(params["tags"], app["tags"], app["name"], client_secret_fingerprint, origin_fingerprint)
            desired.append(desired_rule(app, endpoints, params["client_id"], origin_header, tags))

        step = "read the rules"
        listed = [] if pending_listener else paginate(elbv2, "describe_rules", "Rules", ListenerArn=listener_arn)
        rules = [r for r in listed if not r.get("IsDefault")]
        tags_by_arn = describe_tags_by_arn(elbv2, [r["RuleArn"] for r in rules])
        current = [normalize_rule(r, tags_by_arn.get(r["RuleArn"], {}), params["origin_secret_header"]) for r in rules]

        plan = plan_listener(desired, current, params["purge"])
        if plan["errors"]:
            module.fail_json(msg="Cannot manage the rules: " + "; ".join(plan["errors"]), errors=plan["errors"])

        step = "delete the managed rules of undeclared apps"
        for rule in plan["delete"]:
            key = rule["tags"].get(APP_TAG)
            before[key if key not in before else f"{key}/{rule['rule_arn']}"] = public_view(rule, fingerprint_of)
        changed, deleted = ensure_rules_deleted(module, elbv2, plan["delete"])
        any_changed |= changed

        step = "set the rule priorities"
        moves = [
            (cur["rule_arn"], d["priority"])
            for d, cur in plan["pairs"]
            if cur is not None and cur["priority"] != d["priority"]
        ]
        any_changed |= ensure_priorities(module, elbv2, moves)

        for wanted, existing in plan["pairs"]:
            step = f"manage the rule of app {wanted['name']}"
            changed, changes, state = ensure_rule(
                module, elbv2, listener_arn, existing, wanted, fingerprint_of, client_secret, secrets
            )
            any_changed |= changed
            if existing is not None:
                before[wanted["name"]] = public_view(existing, fingerprint_of)
            after[wanted["name"]] = public_view(state, fingerprint_of)
            results.append(result_entry(state, changed, changes))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, ScrubbedError) as e:
        module.fail_json_aws(
            e, msg=f"Failed to {step} (listener {listener_arn})", rules=results, deleted=deleted, changed=any_changed
        )

    module.exit_json(
        changed=any_changed,
        rules=results,
        deleted=deleted,
        origin_values_accepted=len(origin_values(origin_header)),
        diff={"before": before, "after": after},
    )


if __name__ == "__main__":
    main()
