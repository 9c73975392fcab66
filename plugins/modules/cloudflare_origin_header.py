#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudflare_origin_header
version_added: 0.1.0
short_description: Make Cloudflare send a secret header to the origin with a Request Header Transform Rule
description:
  - Manages one Request Header Transform Rule of a Cloudflare zone that sets the request header O(header_name) to a
    secret value on every request for O(hosts) that Cloudflare forwards to the origin, so that the origin (an ALB
    whose rules require that header) can tell requests that came through this zone from requests sent by anyone
    else, including other Cloudflare customers, whose requests come from the same addresses.
  - The value is read from the SSM SecureString O(value_parameter) (decrypted) inside the module. It never appears in
    the module's result, diff, warnings or error messages, and is never passed through an Ansible variable.
  - The rule lives in the zone's entry point ruleset of the phase C(http_request_late_transform), the phase of
    Request Header Transform Rules, and is found by its O(ref). Other rules of that ruleset are never changed,
    moved or deleted. When the zone has no entry point ruleset for the phase yet, it is created with this rule only
    (C(PUT /zones/{zone_id}/rulesets/phases/http_request_late_transform/entrypoint)); otherwise the rule is added
    (C(POST .../rulesets/{ruleset_id}/rules), at the end), replaced (C(PATCH .../rules/{rule_id})) or deleted
    (C(DELETE .../rules/{rule_id})) on its own.
  - The rule is compared on its action, expression (V((http.host in {"a" "b"}\))), header name, value (compared in the
    module), enabled state and description; a second run with the same inputs and the same SSM value makes no write.
  - Bad input fails before any API call, naming the option, including a header name Cloudflare does not let a rule
    set and a value an ALB http-header condition could not match exactly.
author:
  - rocketclub platform team (@rocketclub)
options:
  zone:
    description:
      - Name of the zone (for example V(rocketclub.online)); its id is looked up with the API token.
    type: str
    required: true
  hosts:
    description:
      - The host names whose requests get the header; the rule's expression is V((http.host in {"host1" "host2"}\)),
        sorted and in lower case.
      - Required (non-empty) with O(state=present); ignored with O(state=absent).
    type: list
    elements: str
    default: []
  header_name:
    description:
      - The request header Cloudflare sets.
      - Letters, digits, C(-) and C(_), at most 40 characters (the longest header name an ALB http-header condition
        takes). Not a name starting with C(cf-), C(x-cf-), C(proxy-) or C(sec-), and none of the headers Cloudflare
        refuses to set (C(Host), C(Cookie), C(X-Forwarded-For), C(X-Forwarded-Proto), C(X-Real-IP),
        C(True-Client-IP), C(Accept-Encoding), C(Connection), C(Content-Length), C(Transfer-Encoding) and the other
        forbidden header names).
    type: str
    default: X-Origin-Verify
  value_parameter:
    description:
      - Name of the SSM SecureString parameter whose (decrypted) value is the header value, for example
        V(/prod/shared/cf_alb_secret).
      - The value may contain letters, digits, spaces and the punctuation Cloudflare accepts in a header value (its
        header format reference lists it; no line break, tab or non-ASCII character), at most 128 characters (the
        longest value an ALB http-header condition takes), and neither C(*) nor C(?), which an ALB http-header
        condition treats as wildcards. Generated values (letters and digits) always qualify.
      - Required with O(state=present); not read with O(state=absent).
      - In check mode a parameter that does not exist yet (a converge would create it first) gives a warning and the
        rule is reported as to be created or changed; a real run fails.
    type: str
  state:
    description:
      - V(present) creates or updates the rule; V(absent) deletes it (only this rule; the ruleset stays, even empty).
    type: str
    choices: [present, absent]
    default: present
  ref:
    description:
      - The rule's C(ref), which finds it again (unique within the ruleset). Letters, digits and C(_).
    type: str
    default: rocketclub_origin_header
  description:
    description:
      - The rule's description, shown as its name in the Cloudflare dashboard.
    type: str
    default: Origin authentication header (managed by rocketclub.platform)
notes:
  - Supports C(check_mode) (the zone and the ruleset are read, nothing is written; the result predicts the run) and
    C(diff) (expression, header, enabled state and description before and after; the value as V(********) with
    whether it is the value of O(value_parameter)).
  - The API token needs Zone:Read and Transform Rules:Edit (C(Zone Transform Rules Write)) on the zone, the AWS
    credentials C(ssm:GetParameter) on O(value_parameter) and C(kms:Decrypt) on its key.
  - A no-op run costs one SSM read and two Cloudflare reads.
seealso:
  - name: Request Header Transform Rules
    description: What such a rule can set, and the headers it cannot.
    link: https://developers.cloudflare.com/rules/transform/request-header-modification/
  - name: Create a request header transform rule via API
    description: The rulesets API calls and the rule object.
    link: https://developers.cloudflare.com/rules/transform/request-header-modification/create-api/
  - name: Format of request header names and values
    description: The characters Cloudflare accepts in a header name and value.
    link: https://developers.cloudflare.com/rules/transform/request-header-modification/reference/header-format/
  - name: ALB http-header conditions
    description: Header name and value limits, and the C(*) and C(?) wildcards.
    link: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_HttpHeaderConditionConfig.html
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - rocketclub.platform.cloudflare
"""

EXAMPLES = r"""
- name: Make Cloudflare send the origin secret to the ALB for both application hosts
  rocketclub.platform.cloudflare_origin_header:
    zone: rocketclub.online
    hosts:
      - portal.rocketclub.online
      - pipelines.rocketclub.online
    header_name: X-Origin-Verify
    value_parameter: /prod/shared/cf_alb_secret

- name: Remove the rule (for example when the zone goes back behind CloudFront)
  rocketclub.platform.cloudflare_origin_header:
    zone: rocketclub.online
    state: absent

- name: Against the local cloud (emulated AWS and Cloudflare)
  rocketclub.platform.cloudflare_origin_header:
    zone: rocketclub.local
    hosts: [portal.rocketclub.local]
    value_parameter: /local/shared/cf_alb_secret
    endpoint_url: http://127.0.0.1:4566
    api_base_url: http://127.0.0.1:4567/client/v4
"""

RETURN = r"""
zone_id:
  description: The id of the zone.
  returned: success
  type: str
  sample: 023e105f4ecef8ad9ca31a8372d0c353
ruleset_id:
  description:
    - The id of the zone's C(http_request_late_transform) entry point ruleset, V(null) when there is none (and, in
      check mode, when it would be created).
  returned: success
  type: str
  sample: 2f2feab2026849078ba485f918791bdc
rule_id:
  description:
    - The id of the rule after the run, V(null) when there is none (or, in check mode, when it would be created).
  returned: success
  type: str
  sample: 3a03d665bac047339bb530ecb439a90d
operation:
  description:
    - What the run did (or would do in check mode), one of V(create_ruleset) (the entry point ruleset with this rule),
      V(create_rule), V(update_rule), V(delete_rule) or V(none).
  returned: success
  type: str
  sample: create_rule
hosts:
  description: The host names of the rule's expression, sorted (empty with O(state=absent)).
  returned: success
  type: list
  elements: str
  sample: ["pipelines.rocketclub.online", "portal.rocketclub.online"]
header_name:
  description: The header the rule sets (V(null) with O(state=absent)).
  returned: success
  type: str
  sample: X-Origin-Verify
expression:
  description: The rule's expression (V(null) with O(state=absent)).
  returned: success
  type: str
  sample: (http.host in {"pipelines.rocketclub.online" "portal.rocketclub.online"})
sends:
  description:
    - The name of the SSM parameter whose value the rule sends after the run (O(value_parameter)), never the value;
      V(null) with O(state=absent).
  returned: success
  type: str
  sample: /prod/shared/cf_alb_secret
value_changed:
  description: Whether the header value was (or would be in check mode) changed to the value of O(value_parameter).
  returned: success
  type: bool
  sample: false
"""

import re

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareClient
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareError
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import cloudflare_argument_spec
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import MASK
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import protect
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import scrub

PHASE = "http_request_late_transform"
ENTRYPOINT = f"/rulesets/phases/{PHASE}/entrypoint"
# "could not find entrypoint ruleset in the <phase> phase": the zone has no ruleset for the phase yet.
NO_ENTRYPOINT = 10003
PERMISSION_HINT = "The API token needs Zone:Read and Transform Rules:Edit (Zone Transform Rules Write) on the zone."

# What Cloudflare lets a Request Header Transform Rule set
# (https://developers.cloudflare.com/rules/transform/request-header-modification/ and its reference/header-format/).
HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
REFUSED_PREFIXES = ("cf-", "x-cf-", "proxy-", "sec-")
REFUSED_HEADERS = frozenset(
    (
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "permissions-policy",
        "referer",
        "te",
        "trailer",
        "transfer-encoding",
        "true-client-ip",
        "upgrade",
        "via",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-real-ip",
    )
)
# Cloudflare's header value characters, without * and ? (ALB http-header condition wildcards).
VALUE_RE = re.compile(r"^[A-Za-z0-9_ :;.,\\/\"'!(){}\[\]@<>=+#$&`|~^%-]+$")
# ALB http-header condition limits (API_HttpHeaderConditionConfig): name 40, each value 128 characters.
ALB_NAME_MAX = 40
ALB_VALUE_MAX = 128
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")
REF_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def expression_for(hosts):
    """``(http.host in {"a" "b"})`` of the sorted host names."""
    return "(http.host in {%s})" % " ".join(f'"{host}"' for host in hosts)


def validate(module):
    """Return ``(zone, hosts, header_name)``; fail before any API call on bad input."""
    params = module.params
    if not params["api_token"]:
        module.fail_json(
            msg="api_token: no Cloudflare API token given; set api_token or the CLOUDFLARE_API_TOKEN environment "
            "variable"
        )
    zone = str(params["zone"] or "").strip().rstrip(".").lower()
    if not zone:
        module.fail_json(msg="zone: empty; give the zone name, for example rocketclub.online")
    if not REF_RE.match(params["ref"] or ""):
        module.fail_json(msg=f"ref: {params['ref']!r} must be 1 to 64 letters, digits or '_'")
    if params["state"] == "absent":
        return zone, [], None

    hosts = sorted({str(host or "").strip().rstrip(".").lower() for host in params["hosts"] or []})
    if not hosts or hosts == [""]:
        module.fail_json(
            msg="hosts: empty; give the application host names whose requests must carry the origin header "
            "(for example [portal.rocketclub.online])"
        )
    bad = [host for host in hosts if not HOST_RE.match(host)]
    if bad:
        module.fail_json(msg=f"hosts: {', '.join(repr(h) for h in bad)} are not host names")
    outside = [host for host in hosts if host != zone and not host.endswith("." + zone)]
    if outside:
        module.fail_json(
            msg=f"hosts: {', '.join(outside)} are not in the zone {zone}; a rule of this zone only sees its own hosts"
        )

    name = str(params["header_name"] or "").strip()
    lower = name.lower()
    if not name or not HEADER_NAME_RE.match(name):
        module.fail_json(
            msg=f"header_name: {name!r} is not a header name Cloudflare can set (letters, digits, '-' and '_' only)"
        )
    if len(name) > ALB_NAME_MAX:
        module.fail_json(
            msg=f"header_name: {name!r} is {len(name)} characters long; an ALB http-header condition takes at most "
            f"{ALB_NAME_MAX}"
        )
    if lower.startswith(REFUSED_PREFIXES) or lower in REFUSED_HEADERS:
        module.fail_json(
            msg=f"header_name: Cloudflare does not let a Request Header Transform Rule set {name!r} (names starting "
            f"with {', '.join(REFUSED_PREFIXES)}, forbidden header names and the visitor address and protocol "
            "headers are refused); use a header of your own such as X-Origin-Verify"
        )
    if not params["value_parameter"]:
        module.fail_json(msg="value_parameter: required with state=present (the SSM SecureString of the header value)")
    return zone, hosts, name


def read_value(module, name):
    """The decrypted value of the SecureString ``name`` (protected), or None in check mode when it is missing."""
    client = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff())
    try:
        parameter = client.get_parameter(aws_retry=True, Name=name, WithDecryption=True)["Parameter"]
    except is_boto3_error_code("ParameterNotFound"):
        if module.check_mode:
            module.warn(
                f"value_parameter: the SSM parameter {name} does not exist yet in {module.region}; the rule is "
                "reported as it would be once the parameter exists"
            )
            return None
        module.fail_json(
            msg=f"value_parameter: the SSM parameter {name} does not exist in {module.region}; create it first "
            "(the secrets role generates it) or give the name of the parameter that holds the origin secret"
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"value_parameter: could not read the SSM parameter {name}")
    value = parameter.get("Value") or ""
    protect(module, value)
    what = f"value_parameter: the value of the SSM parameter {name}"
    if parameter.get("Type") != "SecureString":
        module.fail_json(
            msg=f"value_parameter: {name} is a {parameter.get('Type')} parameter; it must be a SecureString"
        )
    if not value:
        module.fail_json(msg=f"{what} is empty")
    if "*" in value or "?" in value:
        module.fail_json(
            msg=f"{what} contains '*' or '?', which an ALB http-header condition treats as wildcards (it would "
            "accept other values too); generate a new value of letters and digits"
        )
    if len(value) > ALB_VALUE_MAX:
        module.fail_json(
            msg=f"{what} is {len(value)} characters long; an ALB http-header condition value takes at most "
            f"{ALB_VALUE_MAX}"
        )
    if not VALUE_RE.match(value):
        module.fail_json(
            msg=f"{what} contains a character Cloudflare does not accept in a header value (letters, digits and "
            "_ :;.,\\/\"'!(){}[]@<>=-+#$&`|~^% only); generate a new value of letters and digits"
        )
    return value


class Run:
    """One run against Cloudflare: errors leave without the secret value."""

    def __init__(self, module, client, secret):
        self.module = module
        self.client = client
        self.secret = secret

    def fail(self, what, error, **kwargs):
        kwargs.setdefault("changed", False)
        secrets = [self.secret]
        hint = error.hint
        if error.status in (401, 403):
            hint = f"{hint} {PERMISSION_HINT}" if hint else PERMISSION_HINT
        errors = [
            dict(e, message=scrub(e.get("message", ""), secrets)) if isinstance(e, dict) else e for e in error.errors
        ]
        msg = scrub(f"{what}: {error}", secrets) + (f". {hint}" if hint else "")
        self.module.fail_json(msg=msg, status=error.status, errors=errors, **kwargs)

    def zone(self, name):
        try:
            return self.client.zone(name)
        except CloudflareError as e:
            if e.status is None:
                self.module.fail_json(
                    msg=f"zone: {e.errors[0]['message']}; check the zone name and the zones the API token may read"
                )
            self.fail(f"Could not look up the zone {name!r}", e)

    def entrypoint(self, zone):
        try:
            return self.client.get(f"/zones/{zone['id']}{ENTRYPOINT}")
        except CloudflareError as e:
            if e.status == 404 and NO_ENTRYPOINT in e.codes:
                return None
            self.fail(f"Could not read the {PHASE} rules of {zone['name']}", e, zone_id=zone["id"])

    def write(self, what, zone, call):
        """``call()`` (one write of the client), failing the module with ``what`` when Cloudflare refuses it."""
        try:
            return call()
        except CloudflareError as e:
            self.fail(f"Could not {what} in {zone['name']}", e, zone_id=zone["id"])


def header_of(rule):
    """``(name, spec)`` of the one header a rule sets, else ``(None, None)``."""
    headers = (rule.get("action_parameters") or {}).get("headers") or {}
    if len(headers) != 1:
        return None, None
    ((name, spec),) = headers.items()
    return name, spec if isinstance(spec, dict) else {}


def view(rule, value_parameter, secret):
    """What the diff shows of a rule: never the value, only whether it is the value of ``value_parameter``."""
    if rule is None:
        return {}
    name, spec = header_of(rule)
    if spec is None:
        headers = sorted((rule.get("action_parameters") or {}).get("headers") or {})
        return {
            "action": rule.get("action"),
            "expression": rule.get("expression"),
            "headers": headers,
            "enabled": rule.get("enabled", True) is not False,
            "description": rule.get("description") or "",
        }
    if spec.get("operation") != "set" or "value" not in spec:
        value = f"(not a static value: {spec.get('operation')})"
    elif secret is not None and spec.get("value") == secret:
        value = f"{MASK} (the value of {value_parameter})"
    else:
        value = f"{MASK} (not the value of {value_parameter})" if value_parameter else MASK
    return {
        "action": rule.get("action"),
        "expression": rule.get("expression"),
        "header_name": name,
        "value": value,
        "enabled": rule.get("enabled", True) is not False,
        "description": rule.get("description") or "",
    }


def desired_rule(params, hosts, header_name, secret):
    return {
        "ref": params["ref"],
        "description": params["description"] or "",
        "action": "rewrite",
        "expression": expression_for(hosts),
        "action_parameters": {"headers": {header_name: {"operation": "set", "value": secret}}},
        "enabled": True,
    }


def differs(current, desired, secret):
    """Whether ``current`` must be replaced by ``desired`` (a missing secret, check mode only, always differs)."""
    if secret is None:
        return True
    name, spec = header_of(current)
    wanted_name, wanted_spec = header_of(desired)
    return (
        current.get("action") != "rewrite"
        or current.get("expression") != desired["expression"]
        or name != wanted_name
        or spec != wanted_spec
        or current.get("enabled", True) is False
        or (current.get("description") or "") != desired["description"]
    )


def find_rule(ruleset, ref):
    for rule in (ruleset or {}).get("rules") or []:
        if rule.get("ref") == ref:
            return rule
    return None


def main():
    argument_spec = dict(
        zone=dict(type="str", required=True),
        hosts=dict(type="list", elements="str", default=[]),
        header_name=dict(type="str", default="X-Origin-Verify"),
        value_parameter=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        ref=dict(type="str", default="rocketclub_origin_header"),
        description=dict(type="str", default="Origin authentication header (managed by rocketclub.platform)"),
    )
    argument_spec.update(cloudflare_argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    params = module.params
    zone_name, hosts, header_name = validate(module)
    present = params["state"] == "present"
    value_parameter = params["value_parameter"] if present else None
    secret = read_value(module, value_parameter) if present else None

    run = Run(module, CloudflareClient.from_module(module), secret)
    zone = run.zone(zone_name)
    ruleset = run.entrypoint(zone)
    current = find_rule(ruleset, params["ref"])
    ruleset_id = ruleset.get("id") if ruleset else None

    desired = desired_rule(params, hosts, header_name, secret if secret is not None else "") if present else None
    if present and ruleset is None:
        operation = "create_ruleset"
    elif present and current is None:
        operation = "create_rule"
    elif present and differs(current, desired, secret):
        operation = "update_rule"
    elif not present and current is not None:
        operation = "delete_rule"
    else:
        operation = "none"
    value_changed = present and (secret is None or current is None or header_of(current)[1] != header_of(desired)[1])

    rule_id = current.get("id") if current else None
    if operation != "none" and not module.check_mode:
        client, zone_id = run.client, zone["id"]
        if operation == "create_ruleset":
            result = run.write(
                f"create the {PHASE} entry point ruleset",
                zone,
                lambda: client.put(f"/zones/{zone_id}{ENTRYPOINT}", {"rules": [desired]}),
            )
        elif operation == "create_rule":
            result = run.write(
                "add the origin header rule",
                zone,
                lambda: client.post(f"/zones/{zone_id}/rulesets/{ruleset_id}/rules", desired),
            )
        elif operation == "update_rule":
            # A PATCH replaces the rule's definition: the whole rule is sent (its place in the ruleset is kept).
            result = run.write(
                "update the origin header rule",
                zone,
                lambda: client.patch(f"/zones/{zone_id}/rulesets/{ruleset_id}/rules/{rule_id}", desired),
            )
        else:
            result = run.write(
                "delete the origin header rule",
                zone,
                lambda: client.delete(f"/zones/{zone_id}/rulesets/{ruleset_id}/rules/{rule_id}"),
            )
        ruleset_id = (result or {}).get("id") or ruleset_id
        after_rule = find_rule(result, params["ref"])
        rule_id = after_rule.get("id") if after_rule else None
        if present and after_rule is None:
            module.fail_json(
                msg=f"Cloudflare accepted the change of the origin header rule of {zone['name']} but its answer has "
                f"no rule with ref {params['ref']}; check the {PHASE} rules in the dashboard",
                changed=True,
                zone_id=zone["id"],
                ruleset_id=ruleset_id,
            )
    elif operation in ("create_ruleset", "create_rule"):
        rule_id = None
    if not present:
        rule_id = None

    after_view = view(desired, value_parameter, secret if secret is not None else "") if present else {}
    if present and secret is None:
        after_view["value"] = f"{MASK} (the value of {value_parameter} once it exists)"
    module.exit_json(
        changed=operation != "none",
        operation=operation,
        zone_id=zone["id"],
        ruleset_id=ruleset_id,
        rule_id=rule_id,
        hosts=hosts,
        header_name=header_name,
        expression=desired["expression"] if present else None,
        sends=value_parameter,
        value_changed=bool(value_changed),
        diff={
            "before": dict(view(current, value_parameter, secret), zone=zone["name"], ref=params["ref"])
            if current
            else {"zone": zone["name"], "ref": params["ref"]},
            "after": dict(after_view, zone=zone["name"], ref=params["ref"]),
        },
    )


if __name__ == "__main__":
    main()
