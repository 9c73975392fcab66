# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The check catalogue of ``rocketclub.platform.platform_verify`` and the pure parts of its checks.

Shared by the module (which reads AWS and Cloudflare and evaluates the checks) and its action plugin (which
validates ``verify_skip`` before any API call, runs ``declared_configuration`` on the controller and writes
the JSON and JUnit XML reports). docs/verify.md is the readable form of ``CATALOGUE``.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re

PASS = "pass"
FAIL = "fail"
SKIP = "skip"
ERROR = "error"

# name -> (what it asserts, Prowler check id or "none", AWS Config managed rule or "none")
CATALOGUE = {
    "alb_ingress_source": (
        "the ALB security group admits 443 only from the topology's source (the CloudFront origin-facing prefix "
        "list, or exactly Cloudflare's published ranges) and nothing else",
        "none",
        "none",
    ),
    "alb_security_group_declared": (
        "the ALB security group's egress is what the platform declares (app ports to the ECS group, 443 to the "
        "IdP ranges)",
        "none",
        "none",
    ),
    "no_public_ingress": (
        "no other security group of the platform admits 0.0.0.0/0 or ::/0",
        "ec2_securitygroup_allow_ingress_from_internet_to_any_port",
        "vpc-sg-open-only-to-authorized-ports",
    ),
    "alb_rules_authenticate": (
        "every forwarding rule of the HTTPS listener authenticates with Kinde (authenticate-oidc) before forwarding",
        "none",
        "none",
    ),
    "alb_rules_origin_header": (
        "every forwarding rule requires the origin header with the current secret (and the pending one during a "
        "rotation), and no other value",
        "none",
        "none",
    ),
    "alb_default_action_403": ("the HTTPS listener's default action is a fixed 403", "none", "none"),
    "alb_http_redirect": (
        "the HTTP listener redirects to HTTPS",
        "elbv2_ssl_listeners",
        "alb-http-to-https-redirection-check",
    ),
    "alb_tls_policy": ("the HTTPS listener uses alb_ssl_policy", "elbv2_insecure_ssl_ciphers", "none"),
    "alb_drop_invalid_header_fields": (
        "the ALB drops invalid header fields",
        "elbv2_alb_drop_invalid_header_fields_enabled",
        "alb-http-drop-invalid-header-enabled",
    ),
    "cloudfront_viewer_tls": (
        "each distribution redirects viewers to HTTPS with the declared minimum protocol version (cloudfront topology)",
        "cloudfront_distributions_https_enabled",
        "cloudfront-security-policy-check",
    ),
    "cloudfront_origin_tls": (
        "each distribution reaches the ALB https-only with TLSv1.2 only (cloudfront topology)",
        "cloudfront_distributions_using_deprecated_ssl_protocols",
        "cloudfront-no-deprecated-ssl-protocols",
    ),
    "aurora_not_public": (
        "no instance of the Aurora cluster is publicly accessible",
        "rds_instance_no_public_access",
        "rds-instance-public-access-check",
    ),
    "aurora_storage_encrypted": (
        "the Aurora cluster's storage is encrypted",
        "rds_cluster_storage_encrypted",
        "rds-cluster-encrypted-at-rest",
    ),
    "aurora_deletion_protection": (
        "the Aurora cluster has deletion protection when the inventory sets aurora_deletion_protection",
        "rds_cluster_deletion_protection",
        "rds-cluster-deletion-protection-enabled",
    ),
    "ecs_no_plaintext_secrets": (
        "no task definition of the platform's services has a plain environment variable named like a secret or "
        "holding the value of a managed secret",
        "ecs_task_definitions_no_environment_secrets",
        "none",
    ),
    "s3_public_access_block": (
        "every bucket of the platform blocks public access (all four settings)",
        "s3_bucket_level_public_access_block",
        "s3-bucket-level-public-access-prohibited",
    ),
    "kms_key_rotation": (
        "automatic rotation is on for the platform's KMS keys",
        "kms_cmk_rotation_enabled",
        "cmk-backing-key-rotation-enabled",
    ),
    "acm_certificates_valid": (
        "every certificate of the platform is ISSUED and not expiring within verify_certificate_min_days",
        "acm_certificates_expiration_check",
        "acm-certificate-expiration-check",
    ),
    "cloudflare_records_proxied": ("the application records are proxied by Cloudflare", "dns_record_proxied", "none"),
    "cloudflare_ssl_strict": ("the zone's SSL/TLS encryption mode is Full (strict)", "zone_ssl_strict", "none"),
    "kinde_secret_age": (
        "the current Kinde client secret is younger than verify_secret_max_age_days",
        "secretsmanager_secret_rotated_periodically",
        "secretsmanager-secret-periodic-rotation",
    ),
    "origin_secret_age": (
        "the origin secret (SSM) was changed within verify_secret_max_age_days",
        "none",
        "none",
    ),
    "declared_configuration": ("site.yml --check would change nothing", "none", "none"),
}
CHECK_NAMES = tuple(CATALOGUE)
# Evaluated on the controller by the action plugin, not by the module.
CONTROLLER_CHECKS = ("declared_configuration",)
CLOUDFRONT_ONLY = ("cloudfront_viewer_tls", "cloudfront_origin_tls")

# Environment variable names that hold a secret: one containing a strong word anywhere (PGPASSWORD, GITHUBTOKEN), a
# word of the name (split on anything but letters and digits) that is a weak one, or a secret-like ending.
SECRET_NAME_PARTS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATEKEY", "APIKEY", "ACCESSKEY")
SECRET_NAME_WORDS = frozenset(("PWD", "KEY", "DSN", "PASS"))
SECRET_NAME_SUFFIXES = ("DATABASE_URL", "CONNECTION_URL", "DB_URL", "PRIVATE_KEY", "ACCESS_KEY", "API_KEY")
# JSON fields of a secret whose values count as secret values (a username does not).
SECRET_FIELD = re.compile(r"(?i)(password|secret|token|key|url|dsn)")
MIN_SECRET_VALUE_LENGTH = 8
OPEN_CIDRS = ("0.0.0.0/0", "::/0")


def unknown_checks(names):
    """The names of ``names`` that are not checks, in order."""
    return [n for n in names or [] if n not in CATALOGUE]


def unknown_checks_message(option, names):
    return (
        f"{option}: unknown check name(s) {', '.join(repr(n) for n in unknown_checks(names))}; valid names: "
        f"{', '.join(CHECK_NAMES)}. Nothing was read."
    )


def result(name, status, detail="", resources=None):
    """One check result; the ids of the catalogue are added here."""
    dummy, prowler, aws_config = CATALOGUE[name]
    return {
        "name": name,
        "status": status,
        "resources": sorted(set(resources or [])),
        "detail": detail,
        "prowler": prowler,
        "aws_config": aws_config,
    }


def overall(checks):
    """``pass``, ``drift`` (a check failed) or ``error`` (a check could not be evaluated)."""
    statuses = {c["status"] for c in checks}
    if ERROR in statuses:
        return "error"
    return "drift" if FAIL in statuses else "pass"


# ------------------------------------------------------------------------------------------------ security groups


def permissions(ip_permissions):
    """Flatten EC2 IpPermissions to a set of ``(protocol, from, to, source)``; source is ``cidr:<c>``,
    ``pl:<id>`` or ``sg:<id>``."""
    flat = set()
    for perm in ip_permissions or []:
        proto = str(perm.get("IpProtocol"))
        ports = (perm.get("FromPort"), perm.get("ToPort"))
        for r in perm.get("IpRanges") or []:
            flat.add((proto, *ports, "cidr:" + r["CidrIp"]))
        for r in perm.get("Ipv6Ranges") or []:
            flat.add((proto, *ports, "cidr:" + r["CidrIpv6"]))
        for r in perm.get("PrefixListIds") or []:
            flat.add((proto, *ports, "pl:" + r["PrefixListId"]))
        for r in perm.get("UserIdGroupPairs") or []:
            flat.add((proto, *ports, "sg:" + r["GroupId"]))
    return flat


def show_permissions(perms):
    return ", ".join(f"{p[0]} {p[1]}-{p[2]} {p[3]}" for p in sorted(perms, key=str)) or "none"


def normalise_cidr(cidr):
    return str(ipaddress.ip_network(cidr, strict=False))


def alb_ingress_problems(ip_permissions, sources, port=443):
    """Problems of the ALB group's ingress against the expected ``sources`` (``pl:<id>`` / ``cidr:<c>``)."""
    actual = {(p[0], p[1], p[2], _norm_source(p[3])) for p in permissions(ip_permissions)}
    wanted = {("tcp", port, port, _norm_source(s)) for s in sources}
    problems = []
    extra, missing = actual - wanted, wanted - actual
    if extra:
        problems.append(f"admits what the topology does not: {show_permissions(extra)}")
    if missing:
        problems.append(f"lacks: {show_permissions(missing)}")
    return problems


def _norm_source(source):
    if source.startswith("cidr:"):
        return "cidr:" + normalise_cidr(source[5:])
    return source


def open_ingress(ip_permissions):
    """The ingress permissions of a group that admit 0.0.0.0/0 or ::/0."""
    return {p for p in permissions(ip_permissions) if p[3][5:] in OPEN_CIDRS}


# ------------------------------------------------------------------------------------------------ listener rules


def rule_problems(rule, header_name, accepted):
    """Problems of one forwarding listener rule: OIDC first, and the origin header condition.

    ``accepted`` is a function of the header condition's values returning a problem text or ``None`` (the module
    compares the values with the SSM parameters there, so no value reaches this function's result)."""
    auth, header = [], []
    actions = sorted(rule.get("Actions") or [], key=lambda a: a.get("Order", 0))
    types = [a.get("Type") for a in actions]
    if "forward" not in types:
        return auth, header
    if not types or types[0] != "authenticate-oidc":
        auth.append(f"actions {' -> '.join(types)} (authenticate-oidc must come first)")
    values = None
    for condition in rule.get("Conditions") or []:
        if condition.get("Field") == "http-header":
            config = condition.get("HttpHeaderConfig") or {}
            if str(config.get("HttpHeaderName", "")).lower() == header_name.lower():
                values = list(config.get("Values") or [])
    if values is None:
        header.append(f"no {header_name} condition")
    else:
        problem = accepted(values)
        if problem:
            header.append(problem)
    return auth, header


# ------------------------------------------------------------------------------------------------ ECS


def secret_like_name(name):
    upper = str(name).upper()
    words = set(re.split(r"[^A-Z0-9]+", upper))
    return (
        any(part in upper for part in SECRET_NAME_PARTS)
        or bool(words & SECRET_NAME_WORDS)
        or upper.endswith(SECRET_NAME_SUFFIXES)
    )


def secret_values(secret_string):
    """The values of one secret that a plain environment variable must not hold: the whole string and, for a JSON
    object, its string fields named like a secret. Short values are ignored."""
    values = set()
    if not secret_string:
        return values
    values.add(secret_string)
    try:
        data = json.loads(secret_string)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and SECRET_FIELD.search(str(key)):
                values.add(value)
    return {v for v in values if len(v) >= MIN_SECRET_VALUE_LENGTH}


def task_definition_problems(task_definition, managed_values):
    """``[(container, variable, reason)]`` of the plain environment of a task definition; ``managed_values`` maps a
    value to the label of the secret that holds it (never shown)."""
    problems = []
    for container in task_definition.get("containerDefinitions") or []:
        for env in container.get("environment") or []:
            name, value = env.get("name", ""), env.get("value", "")
            if value in managed_values:
                problems.append((container.get("name"), name, f"holds the value of {managed_values[value]}"))
            elif secret_like_name(name):
                problems.append((container.get("name"), name, "is named like a secret (use secrets/valueFrom)"))
    return problems


# ------------------------------------------------------------------------------------------------ time


def age_days(when, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if isinstance(when, (int, float)):
        when = datetime.datetime.fromtimestamp(when, datetime.timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return (now - when).total_seconds() / 86400.0


# ------------------------------------------------------------------------------------------------ reports


def table(checks):
    """A fixed-width text table of the checks (one line each)."""
    rows = [("CHECK", "STATUS", "DETAIL")]
    for c in checks:
        rows.append((c["name"], c["status"].upper(), c["detail"] or "-"))
    width = max(len(r[0]) for r in rows)
    return [f"{r[0]:<{width}}  {r[1]:<6}  {r[2]}" for r in rows]


def junit_xml(checks, suite, timestamp):
    """JUnit XML: one testsuite, one testcase per check; a failed check is a <failure>, a skipped one <skipped>,
    an error <error>."""
    from xml.sax.saxutils import quoteattr  # pylint: disable=import-outside-toplevel

    counts = {s: sum(1 for c in checks if c["status"] == s) for s in (FAIL, SKIP, ERROR)}
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name={quoteattr(suite)} tests="{len(checks)}" failures="{counts[FAIL]}" '
        f'errors="{counts[ERROR]}" skipped="{counts[SKIP]}">',
        f'  <testsuite name={quoteattr(suite)} tests="{len(checks)}" failures="{counts[FAIL]}" '
        f'errors="{counts[ERROR]}" skipped="{counts[SKIP]}" timestamp={quoteattr(timestamp)}>',
    ]
    for c in checks:
        ids = f"prowler: {c['prowler']}; aws_config: {c['aws_config']}"
        head = f"    <testcase classname={quoteattr(suite)} name={quoteattr(c['name'])}"
        body = {
            FAIL: f'<failure message={quoteattr(c["detail"])} type="drift">{_text(ids)}</failure>',
            ERROR: f'<error message={quoteattr(c["detail"])} type="error">{_text(ids)}</error>',
            SKIP: f"<skipped message={quoteattr(c['detail'])}/>",
        }.get(c["status"])
        lines.append(f"{head}>{body}</testcase>" if body else f"{head}/>")
    lines += ["  </testsuite>", "</testsuites>", ""]
    return "\n".join(lines)


def _text(value):
    from xml.sax.saxutils import escape  # pylint: disable=import-outside-toplevel

    return escape(value)
