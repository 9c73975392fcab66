# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Semantic input checks for the platform roles.

Each filter returns a list of problems, one sentence each, naming the inventory variable at
fault and what is expected. Roles assert the list is empty before any API call.
"""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

SUBNET_TIERS = (
    "network_public_subnet_cidrs",
    "network_private_app_subnet_cidrs",
    "network_private_data_subnet_cidrs",
)

# Secrets Manager: `<env>/<service>/<thing>[/<more>]` (source document 001).
_SECRET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*){2,}$")
# SSM Parameter Store: `/<env>/<namespace>/<resource>[/<more>]`.
_PARAMETER_NAME = re.compile(r"^(/[A-Za-z0-9][A-Za-z0-9_.-]*){3,}$")
# A secret's ARN is `...:secret:<name>-<6 random characters>`. AWS asks not to end a name with a
# hyphen and six characters (CreateSecret `Name`,
# https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html): such a
# name is easily the copy of an ARN tail, and then the platform creates a second, empty secret
# next to the real one. Only suffixes with a digit or an upper-case letter are refused: AWS's
# random suffix almost always has one (26^6 / 62^6, under 0.6 % of suffixes, are all lower-case),
# while the platform's own names end in words such as `-secret`, which must stay valid.
_ARN_SUFFIX = re.compile(r"^(?P<base>.+)-(?P<suffix>[A-Za-z0-9]{6})$")


def arn_suffix_problem(name, varname):
    """One problem sentence when the last segment of a Secrets Manager name ends like the random
    suffix of a secret ARN (``-2pS4d3``), else None."""
    match = _ARN_SUFFIX.match(str(name))
    suffix = match.group("suffix") if match else ""
    if not any(c.isdigit() or c.isupper() for c in suffix):
        return None
    return (
        f"{varname}: {name!r} ends in '-{suffix}', which looks like the six random characters Secrets Manager "
        f"appends to a secret's ARN, not part of its name; use {match.group('base')!r} (drop the suffix), "
        "otherwise a second, empty secret is created next to the real one"
    )


def _parse_network(value, varname, problems):
    """Return an IPv4Network, or None after recording why the value is not one."""
    try:
        network = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        problems.append(f"{varname}: {value!r} is not a valid IPv4 CIDR (expected e.g. 10.20.0.0/16)")
        return None
    if network.version != 4:
        problems.append(f"{varname}: {value!r} is IPv6; an IPv4 CIDR is expected (e.g. 10.20.0.0/16)")
        return None
    if str(network) != str(value).strip():
        problems.append(f"{varname}: {value!r} has host bits set or is not canonical; use {network}")
        return None
    return network


def network_problems(config, region):
    """Check the network role's CIDR and availability-zone inputs.

    ``config`` maps the inventory variable names (network_vpc_cidr, network_availability_zones and
    the three subnet lists) to their values.
    """
    if not isinstance(config, dict):
        raise AnsibleFilterError("network_problems expects a dict of network_* variables")
    problems = []
    vpc = _parse_network(config.get("network_vpc_cidr"), "network_vpc_cidr", problems)
    if vpc is not None and not 16 <= vpc.prefixlen <= 28:
        problems.append(f"network_vpc_cidr: /{vpc.prefixlen} is outside what a VPC accepts (/16 to /28)")
        vpc = None

    zones = config.get("network_availability_zones") or []
    if len(set(zones)) < 2:
        problems.append(
            f"network_availability_zones: {len(set(zones))} distinct zone(s) given; at least two are "
            "required (e.g. [eu-west-2a, eu-west-2b])"
        )
    if len(set(zones)) != len(zones):
        problems.append("network_availability_zones: a zone is listed twice; list each zone once")
    for index, zone in enumerate(zones):
        if not re.match(rf"^{re.escape(str(region))}[a-z]$", str(zone)):
            problems.append(
                f"network_availability_zones[{index}]: {zone!r} is not a zone of platform_region {region!r}"
            )

    seen = []
    for tier in SUBNET_TIERS:
        cidrs = config.get(tier) or []
        if len(cidrs) != len(zones):
            problems.append(
                f"{tier}: {len(cidrs)} CIDR(s) for {len(zones)} availability zone(s); give exactly one per zone"
            )
        for index, cidr in enumerate(cidrs):
            name = f"{tier}[{index}]"
            subnet = _parse_network(cidr, name, problems)
            if subnet is None:
                continue
            if not 16 <= subnet.prefixlen <= 28:
                problems.append(f"{name}: /{subnet.prefixlen} is outside what a subnet accepts (/16 to /28)")
            if vpc is not None and not subnet.subnet_of(vpc):
                problems.append(f"{name}: {subnet} is outside network_vpc_cidr {vpc}")
            for other_name, other in seen:
                if subnet.overlaps(other):
                    problems.append(f"{name}: {subnet} overlaps {other_name} {other}; subnets must not overlap")
            seen.append((name, subnet))
    return problems


def secret_name_problems(entries, env, varname, kind="secretsmanager", variables=None):
    """Check Secrets Manager or SSM names against the `${env}/service/thing` conventions.

    Entries marked ``shared: true`` are account-wide (source document 001's `blog-data/...`
    secrets) and must not carry an environment prefix; every other name must start with the
    environment's own prefix. A Secrets Manager name must not end like an ARN suffix
    (``arn_suffix_problem``); ``variables`` maps a name to the inventory variable it came from
    (e.g. ``{kinde_client_secret_name: 'kinde_client_secret_name'}``) so that problem names it.
    """
    if kind not in ("secretsmanager", "ssm"):
        raise AnsibleFilterError(f"secret_name_problems: unknown kind {kind!r}")
    problems = []
    pattern = _SECRET_NAME if kind == "secretsmanager" else _PARAMETER_NAME
    prefix = f"{env}/" if kind == "secretsmanager" else f"/{env}/"
    example = f"{env}/backstage/database-url" if kind == "secretsmanager" else f"/{env}/infra/park_mode"
    names = []
    for index, entry in enumerate(entries or []):
        name = str(entry.get("name", "")) if isinstance(entry, dict) else ""
        label = f"{varname}[{index}].name"
        if not name:
            problems.append(f"{label}: missing; every entry needs a name such as {example!r}")
            continue
        if not pattern.match(name):
            problems.append(f"{label}: {name!r} does not follow the naming convention (e.g. {example!r})")
        elif entry.get("shared"):
            if name.startswith(prefix):
                problems.append(f"{label}: {name!r} is marked shared but carries the {prefix!r} environment prefix")
        elif not name.startswith(prefix):
            problems.append(
                f"{label}: {name!r} must start with {prefix!r} (the platform_env prefix), e.g. {example!r}"
            )
        suffix_problem = arn_suffix_problem(name, (variables or {}).get(name, label)) if kind == "secretsmanager" else None
        if suffix_problem:
            problems.append(suffix_problem)
        if name in names:
            problems.append(f"{label}: {name!r} is declared twice")
        names.append(name)
    return problems


_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,40}$")


def alb_problems(apps, app_ports, domain, kinde_domain, origin_header_name):
    """Check the alb role's applications, Kinde domain and origin header name."""
    problems = []
    if not apps:
        problems.append("alb_apps: empty; declare at least one application (name, host, port, priority)")
    seen = {"name": {}, "host": {}, "priority": {}}
    for index, app in enumerate(apps or []):
        label = f"alb_apps[{index}]"
        missing = [key for key in ("name", "host", "port", "priority") if app.get(key) in (None, "")]
        if missing:
            problems.append(f"{label}: missing {', '.join(missing)}")
            continue
        for key in seen:
            value = str(app[key]).lower()
            if value in seen[key]:
                shown = repr(app[key]) if isinstance(app[key], str) else app[key]
                problems.append(f"{label}.{key}: {shown} is already used by alb_apps[{seen[key][value]}]")
            seen[key].setdefault(value, index)
        host = str(app["host"]).lower()
        if any(c in host for c in "*?"):
            problems.append(f"{label}.host: {app['host']!r} contains a wildcard; give the exact host name")
        if domain and not (host == domain or host.endswith("." + str(domain))):
            problems.append(f"{label}.host: {app['host']!r} is not in platform_domain {domain!r}")
        if int(app["port"]) not in [int(p) for p in app_ports]:
            problems.append(
                f"{label}.port: {app['port']} is not one of network_app_ports {list(app_ports)}; "
                "the ECS security group would not admit it"
            )
        if not 1 <= int(app["priority"]) <= 50000:
            problems.append(f"{label}.priority: {app['priority']} is outside 1..50000")
    kinde = str(kinde_domain or "")
    if not kinde:
        problems.append("kinde_domain: empty; give the Kinde domain, e.g. acme.kinde.com")
    elif "://" in kinde and not kinde.lower().startswith("https://"):
        problems.append(f"kinde_domain: {kinde!r} is not HTTPS; the ALB only accepts https:// OIDC endpoints")
    if not _HEADER_NAME.match(str(origin_header_name or "")):
        problems.append(
            f"alb_origin_header_name: {origin_header_name!r} is not a plain header name (letters, digits, '-')"
        )
    return problems


# Fargate task sizes: cpu units -> allowed memory (MiB) range and step.
_FARGATE_SIZES = {
    256: (512, 1024, 2048),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
    8192: range(16384, 61441, 4096),
    16384: range(32768, 122881, 8192),
}
# repository[:tag] or repository@sha256:<64 hex>; the tag sits after the last '/'.
_IMAGE_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DB_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_BUCKET_NAME = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _unknown_secrets(label, names, known):
    return [
        f"{label}: secret {name!r} is not defined by the secrets role; add it to secrets_extra_entries "
        "or use one of secrets_manager_entries"
        for name in names
        if name not in known
    ]


def image_problem(label, image):
    """A sentence when ``image`` has neither a tag nor a digest (a moving `latest` is refused)."""
    image = str(image or "")
    if not image:
        return f"{label}: empty; give repository:tag or repository@sha256:<digest>"
    repository, dummy, digest = image.partition("@")
    if digest:
        if _IMAGE_DIGEST.fullmatch(digest):
            return None
        return f"{label}: {image!r} has a malformed digest; give {repository}@sha256:<64 lowercase hex digits>"
    tagged = ":" in repository.rsplit("/", 1)[-1]
    base, tag = repository.rsplit(":", 1) if tagged else (repository, "")
    if _IMAGE_TAG.fullmatch(tag):
        return None
    return f"{label}: {image!r} has no tag or digest; pin it as {base}:<tag> or {base}@sha256:<digest>"


def _task_problems(label, spec, known_secrets):
    problems = []
    problem = image_problem(f"{label}.image", spec.get("image"))
    if problem:
        problems.append(problem)
    cpu, memory = spec.get("cpu"), spec.get("memory")
    allowed = _FARGATE_SIZES.get(int(_number(cpu) or 0))
    if allowed is None:
        problems.append(f"{label}.cpu: {cpu!r} is not a Fargate size ({', '.join(map(str, _FARGATE_SIZES))})")
    elif _number(memory) not in allowed:
        sizes = f"{allowed[0]}..{allowed[-1]} MiB in steps of {allowed.step}" if isinstance(allowed, range) else f"{', '.join(map(str, allowed))} MiB"
        problems.append(f"{label}.memory: {memory!r} does not fit cpu {cpu} on Fargate ({sizes})")
    secrets = spec.get("secrets") or {}
    problems += _unknown_secrets(f"{label}.secrets", secrets.values(), known_secrets)
    clash = sorted(set(spec.get("environment") or {}) & set(secrets))
    if clash:
        problems.append(f"{label}.environment: {', '.join(clash)} also in secrets; a secret is injected only as valueFrom")
    return problems


def ecs_service_problems(apps, one_offs, alb_apps, secret_names):
    """Check the ecs_service role's services and one-off tasks against the ALB apps and the secrets
    catalogue."""
    problems = []
    known = set(secret_names or [])
    alb_ports = {a.get("name"): a.get("port") for a in alb_apps or []}
    seen = set()
    for index, app in enumerate(apps or []):
        label = f"ecs_service_apps[{index}]"
        name = app.get("name")
        if not name or name in seen:
            problems.append(f"{label}.name: {name!r} is empty or already used")
            continue
        seen.add(name)
        size = app.get("size") or {}
        problems += _task_problems(label, dict(app, cpu=size.get("cpu"), memory=size.get("memory")), known)
        problems += _unknown_secrets(f"{label}.read_secrets", app.get("read_secrets") or [], known)
        if name not in alb_ports:
            problems.append(f"{label}: no alb_apps entry named {name!r}, so no target group to register in")
        elif int(_number(app.get("port")) or -1) != int(_number(alb_ports[name]) or -2):
            problems.append(
                f"{label}.port: {app.get('port')} does not match the target group port {alb_ports[name]} of alb_apps {name!r}"
            )
        counts = [_number(size.get(key)) for key in ("min", "desired", "max")]
        if None in counts or not 0 <= counts[0] <= counts[1] <= counts[2] or counts[2] < 1:
            problems.append(
                f"{label}.size: need 0 <= min <= desired <= max and max >= 1, got min={size.get('min')!r} "
                f"desired={size.get('desired')!r} max={size.get('max')!r} (ecs_service_sizes)"
            )
    for one_off in one_offs or []:
        label = one_off.get("var") or f"ecs_service one-off task {one_off['name']}"
        problems += _task_problems(label, one_off.get("spec") or {}, known)
    return problems


def aurora_problems(config, secret_names):
    """Check the aurora role's capacity, instances, master secret and database list."""
    problems = []
    known = set(secret_names or [])
    low, high = _number(config.get("min_capacity")), _number(config.get("max_capacity"))
    if low is None or high is None:
        problems.append("aurora_min_capacity / aurora_max_capacity: both must be numbers of ACUs")
    else:
        if low > high:
            problems.append(f"aurora_min_capacity: {low:g} ACU is above aurora_max_capacity {high:g} ACU")
        for var, value in (("aurora_min_capacity", low), ("aurora_max_capacity", high)):
            if not 0 <= value <= 256 or (value * 2) % 1:
                problems.append(f"{var}: {value:g} is not a Serverless v2 capacity (0 to 256 ACU in 0.5 steps)")
        if 0 <= high < 1:
            problems.append(f"aurora_max_capacity: {high:g} ACU is below 1 ACU, the smallest Serverless v2 maximum")
    if not str(config.get("instance_class") or "").startswith("db."):
        problems.append(f"aurora_instance_class: {config.get('instance_class')!r} is not an instance class (db.serverless, db.r6g.large ...)")
    readers = _number(config.get("reader_count"))
    if readers is None or readers != int(readers) or not 0 <= readers <= 15:
        problems.append(f"aurora_reader_count: {config.get('reader_count')!r} must be a whole number from 0 to 15")
    retention = _number(config.get("backup_retention_days"))
    if retention is None or retention != int(retention) or not 1 <= retention <= 35:
        problems.append(f"aurora_backup_retention_days: {config.get('backup_retention_days')!r} must be a whole number from 1 to 35")
    problems += _unknown_secrets("aurora_master_secret", [config.get("master_secret")], known)
    names = set()
    for index, db in enumerate(config.get("databases") or []):
        label = f"aurora_databases[{index}]"
        if not _DB_IDENTIFIER.match(str(db.get("name") or "")) or db.get("name") in names:
            problems.append(f"{label}.name: {db.get('name')!r} is not a unique PostgreSQL identifier (lowercase, digits, _)")
        names.add(db.get("name"))
        for key in ("credentials_secret", "url_secret"):
            problems += _unknown_secrets(f"{label}.{key}", [db.get(key)], known)
    return problems


def s3_data_problems(buckets, layers, ork_secrets, secret_names):
    """Check the s3_data role's layers, derived bucket names and the .ork processor secrets."""
    problems = []
    if not layers or len(set(layers)) != len(layers):
        problems.append(f"s3_data_layers: {layers!r} must be a non-empty list without duplicates")
    if "design-files" not in (layers or []):
        problems.append("s3_data_layers: design-files is missing; the .ork processor reads that bucket")
    for layer, bucket in (buckets or {}).items():
        if not _BUCKET_NAME.match(bucket):
            problems.append(
                f"s3_data_bucket_prefix / s3_data_bucket_suffix: bucket {bucket!r} (layer {layer}) is not a valid S3 name "
                "(3-63 lowercase letters, digits, '-' or '.')"
            )
    problems += _unknown_secrets("s3_data_ork_processor_secrets", ork_secrets or [], set(secret_names or []))
    return problems


class FilterModule:
    """Platform input validation filters."""

    def filters(self):
        return {
            "network_problems": network_problems,
            "secret_name_problems": secret_name_problems,
            "alb_problems": alb_problems,
            "ecs_service_problems": ecs_service_problems,
            "aurora_problems": aurora_problems,
            "s3_data_problems": s3_data_problems,
        }
