# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory checks every runbook runs first (``inventory_problems``, playbooks/tasks/validate_inventory.yml),
and the message helpers the role filter files share (``image_problem``, ``fargate_size_problem``,
``unknown_secrets``, ``number``).

Each check returns a list of problems, one sentence each, naming the inventory variable at fault and what is
expected; the rules themselves live once in plugins/module_utils/validation.py, which the modules use too.
"""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.rocketclub.platform.plugins.module_utils.validation import ACM_CERTIFICATE_ARN
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import ALB_SESSION_TIMEOUT
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import AURORA_ENGINE_VERSION
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import AURORA_PORTS
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import BUCKET_NAME
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import DB_CLUSTER_IDENTIFIER
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import DNS_LABEL
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import ELB_NAME_MAX
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import FARGATE_SIZES
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import SECRET_NAME
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import arn_suffix_problem
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import fargate_size_problem as _fargate
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import image_pin_problem
from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def unknown_secrets(label, names, known):
    return [
        f"{label}: secret {name!r} is not defined by the secrets role; add it to secrets_extra_entries "
        "or use one of secrets_manager_entries"
        for name in names
        if name not in known
    ]


def image_problem(label, image):
    """A sentence when ``image`` has neither a tag nor a digest (a moving `latest` is refused)."""
    problem = image_pin_problem(image)
    if problem == "empty":
        return f"{label}: empty; give repository:tag or repository@sha256:<digest>"
    return f"{label}: {problem}" if problem else None


def fargate_size_problem(label, cpu, memory):
    """A sentence naming ``<label>.cpu`` or ``<label>.memory`` when the pair is not a Fargate task size, else None."""
    problem = _fargate(number(cpu), number(memory))
    if problem is None:
        return None
    key, reason = problem
    if key == "cpu":
        return f"{label}.cpu: {cpu!r} {reason}, e.g. cpu: 512 with memory: 1024"
    return f"{label}.memory: {memory!r} {reason}, e.g. memory: {FARGATE_SIZES[int(number(cpu))][0]}"


# ---------------------------------------------------------------------------------------------
# Inventory checks run first, before any role's argument spec and before any API call
# (playbooks/tasks/validate_inventory.yml). Every message names the inventory variable (and the
# key inside it), the value, what is expected and an example. Tables and their sources: docs/inputs.md.
# ---------------------------------------------------------------------------------------------

# Regions and the letters of their availability zones (AWS Regions and Availability Zones,
# https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html, and
# `aws ec2 describe-availability-zones --region <region>`). Zone names map to physical zones per
# account, but the set of names a region offers is the same for every account. Regions or zones
# missing here are added in an inventory with platform_extra_availability_zones
# ({region: [zone names]}), see docs/inputs.md.
AVAILABILITY_ZONES = {
    "us-east-1": "abcdef",
    "us-east-2": "abc",
    "us-west-1": "abc",
    "us-west-2": "abcd",
    "af-south-1": "abc",
    "ap-east-1": "abc",
    "ap-east-2": "abc",
    "ap-south-1": "abc",
    "ap-south-2": "abc",
    "ap-northeast-1": "abcd",
    "ap-northeast-2": "abcd",
    "ap-northeast-3": "abc",
    "ap-southeast-1": "abc",
    "ap-southeast-2": "abc",
    "ap-southeast-3": "abc",
    "ap-southeast-4": "abc",
    "ap-southeast-5": "abc",
    "ap-southeast-6": "abc",
    "ap-southeast-7": "abc",
    "ca-central-1": "abd",
    "ca-west-1": "abc",
    "eu-central-1": "abc",
    "eu-central-2": "abc",
    "eu-north-1": "abc",
    "eu-south-1": "abc",
    "eu-south-2": "abc",
    "eu-west-1": "abc",
    "eu-west-2": "abc",
    "eu-west-3": "abc",
    "il-central-1": "abc",
    "me-central-1": "abc",
    "me-south-1": "abc",
    "mx-central-1": "abc",
    "sa-east-1": "abc",
    "us-gov-east-1": "abc",
    "us-gov-west-1": "abc",
    "cn-north-1": "abd",
    "cn-northwest-1": "abc",
}

# Predefined security policies of Application Load Balancer HTTPS listeners ("Security policies for
# your Application Load Balancer",
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
# ALBs accept no custom policy; a newer predefined one goes into alb_extra_ssl_policies until this list has it.
ALB_SSL_POLICIES = (
    # TLS 1.3 with hybrid post-quantum key exchange (2025-09)
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    # TLS 1.3 (2021-06)
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    # FIPS (2023-04)
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
    # Forward secrecy and TLS 1.0-1.2
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-1-2019-08",
    "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-2015-05",
)
PLATFORM_ENVS = ("local", "dev", "staging", "prod")
# Idle timeout of an ALB (load balancer attribute idle_timeout.timeout_seconds, 1-4000 s).
ALB_IDLE_TIMEOUT = (1, 4000)
# Header value of an ALB http-header rule condition: at most 128 characters.
ALB_HEADER_VALUE_MAX = 128
# The shortest origin secret: 32 characters of the 62-letter alphabet the secrets role generates from (about
# 190 bits), for a value every request to the ALB must carry.
ORIGIN_SECRET_MIN = 32
# The edge topologies (docs/edge.md): what stands between Cloudflare and the ALB.
EDGE_TOPOLOGIES = ("cloudfront", "cloudflare")
# Settings that only mean something in one topology: given in the other one they would be ignored silently.
CLOUDFRONT_ONLY = ("cloudfront_certificate_arn", "cloudfront_web_acl_id", "cloudfront_logging_bucket")
# CloudFront cache policy TTLs: whole seconds from 0 to 3153600000 (100 years).
CLOUDFRONT_TTL = (0, 3153600000)
# CloudFront custom origin response (read) timeout: 1-60 s, up to 180 s with a raised quota.
CLOUDFRONT_ORIGIN_READ_TIMEOUT = (1, 180)
# Aurora PostgreSQL Serverless v2 scales to 0 ACU (auto-pause) from these minor versions on
# (Aurora User Guide, "Scaling to zero ACUs with automatic pause and resume").
AURORA_MIN_ZERO_VERSIONS = {13: 15, 14: 12, 15: 7, 16: 3}
# Services with a gateway VPC endpoint (every other service has interface endpoints only),
# https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
GATEWAY_ENDPOINT_SERVICES = ("s3", "dynamodb")

_KINDE_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_KINDE_DOMAIN = re.compile(r"^(https://)?(?P<host>[A-Za-z0-9.-]+)(:(?P<port>[0-9]{1,5}))?/?$")
_PLATFORM_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
_APP_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_COOKIE_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")
_MISSING = object()

# Shape of every structured inventory variable: a string where a mapping or list is expected is named
# here, before any role's defaults derive something from it.
MAPPINGS = {
    "platform_tags": "{platform:owner: platform-team}",
    "ecs_service_images": "{backstage: ghcr.io/rocketclub/backstage:1.0.0, prefect: ..., prefect_deployer: ..., "
    "db_bootstrap: ...}",
    "ecs_service_sizes": "{backstage: {cpu: 512, memory: 1024, desired: 1, min: 1, max: 2}, prefect: {...}}",
    "ecs_service_deployer": "{image: prefecthq/prefect:3.4.11-python3.12, cpu: 256, memory: 512}",
    "ecs_service_db_bootstrap": "{image: postgres:16-alpine, cpu: 256, memory: 512, secrets: {...}}",
    "platform_extra_availability_zones": "{eu-west-2: [eu-west-2d]}",
}
LISTS = {
    "network_availability_zones": "[eu-west-2a, eu-west-2b]",
    "network_public_subnet_cidrs": "[10.20.0.0/24, 10.20.1.0/24]",
    "network_private_app_subnet_cidrs": "[10.20.10.0/24, 10.20.11.0/24]",
    "network_private_data_subnet_cidrs": "[10.20.20.0/24, 10.20.21.0/24]",
    "network_gateway_endpoints": "[s3]",
    "network_interface_endpoints": "[secretsmanager, ssm, ecr.api, ecr.dkr, logs]",
    "network_app_ports": "[7007, 4200]",
    "network_alb_idp_egress_cidrs": "[0.0.0.0/0]",
    "platform_apps": "[{name: backstage, host: portal.example.com, port: 7007, priority: 10, health_check_path: /}]",
    "alb_extra_ssl_policies": "[ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09]",
    "secrets_extra_entries": "[{name: prod/app/token, description: ..., value_owner: operator}]",
    "secrets_extra_parameters": "[{name: /prod/app/flag, description: ..., value: 'on'}]",
    "aurora_databases": "[{name: backstage, credentials_secret: prod/backstage/db, url_secret: ...}]",
    "s3_data_layers": "[raw, clean, cache, design-files]",
    "s3_data_ork_processor_secrets": "[blog-data/neo4j/credentials]",
    "cloudfront_dynamic_paths": '["/api/*"]',
    "cloudfront_static_paths": '["/static/*"]',
}
# Scalars: a mapping or a list given for one of these is refused.
SCALARS = (
    "platform_env",
    "platform_edge",
    "cloudfront_certificate_arn",
    "cloudfront_web_acl_id",
    "platform_name",
    "platform_region",
    "platform_domain",
    "kinde_domain",
    "kinde_client_id",
    "kinde_client_secret_name",
    "cloudflare_zone",
    "alb_ssl_policy",
    "alb_idle_timeout",
    "alb_kinde_scope",
    "alb_kinde_session_timeout",
    "alb_kinde_session_cookie_name",
    "alb_certificate_arn",
    "alb_access_logs_bucket",
    "alb_origin_header_name",
    "alb_access_logs_prefix",
    "ecs_service_cpu_target",
    "ecs_service_log_retention_days",
    "aurora_min_capacity",
    "aurora_max_capacity",
    "aurora_engine_version",
    "aurora_cluster_identifier",
    "cloudfront_static_min_ttl",
    "cloudfront_static_default_ttl",
    "cloudfront_static_max_ttl",
    "cloudfront_origin_read_timeout",
    "cloudfront_logging_bucket",
    "secrets_cf_alb_secret_length",
    "network_db_port",
    "network_vpc_cidr",
    "network_nat_mode",
    "network_alb_ingress",
    "dns_ssl_mode",
    "s3_data_bucket_prefix",
    "s3_data_bucket_suffix",
    "park_aurora",
    "alb_certificate_wait_timeout",
    "cloudfront_certificate_wait_timeout",
    "cloudfront_wait_timeout",
    "aurora_wait_timeout",
    "ecs_service_unpark_wait_timeout",
    "ecs_service_db_bootstrap_timeout",
)
# Whole numbers and their inclusive ranges, with an example.
WHOLE_NUMBERS = {
    "alb_idle_timeout": (ALB_IDLE_TIMEOUT, 60, "the ALB idle timeout in seconds"),
    "alb_kinde_session_timeout": (
        ALB_SESSION_TIMEOUT,
        604800,
        "the ALB authentication session in seconds (7 days at most)",
    ),
    "secrets_cf_alb_secret_length": (
        (ORIGIN_SECRET_MIN, ALB_HEADER_VALUE_MAX),
        48,
        "characters; the ALB compares it in a header condition of 128 characters at most",
    ),
    "network_db_port": (AURORA_PORTS, 5432, "the Aurora PostgreSQL port"),
    "cloudfront_static_min_ttl": (CLOUDFRONT_TTL, 0, "seconds (CloudFront cache policy TTL)"),
    "cloudfront_static_default_ttl": (CLOUDFRONT_TTL, 86400, "seconds (CloudFront cache policy TTL)"),
    "cloudfront_static_max_ttl": (CLOUDFRONT_TTL, 31536000, "seconds (CloudFront cache policy TTL)"),
    "cloudfront_origin_read_timeout": (
        CLOUDFRONT_ORIGIN_READ_TIMEOUT,
        30,
        "seconds (over 60 needs a raised CloudFront quota)",
    ),
    "alb_certificate_wait_timeout": ((1, 86400), 600, "seconds"),
    "cloudfront_certificate_wait_timeout": ((1, 86400), 600, "seconds"),
    "cloudfront_wait_timeout": ((1, 86400), 1800, "seconds"),
    "aurora_wait_timeout": ((1, 86400), 1800, "seconds"),
    "ecs_service_unpark_wait_timeout": ((1, 86400), 900, "seconds"),
    "ecs_service_db_bootstrap_timeout": ((1, 86400), 600, "seconds"),
}
IMAGE_KEYS = ("backstage", "prefect", "prefect_deployer", "db_bootstrap")
SIZE_KEYS = ("cpu", "memory", "desired", "min", "max")


def _kind(value):
    """What the operator gave, in their words (Ansible hands over its own str subclasses)."""
    for kind, name in (
        (bool, "a boolean"),
        (dict, "a mapping"),
        (list, "a list"),
        (str, "a string"),
        ((int, float), "a number"),
    ):
        if isinstance(value, kind):
            return name
    return "a " + type(value).__name__


def _shown(value):
    """The value as the operator typed it, cut short for a message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _whole(value):
    """The value as an int when it is a whole number (an int, or a string or float holding one), else None."""
    if isinstance(value, bool):
        return None
    value = number(value)
    if value is None or value != int(value):
        return None
    return int(value)


def _dns_name_problem(var, value, example):
    name = str(value).rstrip(".").lower() if value is not None else ""
    if not name:
        return f"{var}: empty; give a domain name, e.g. {example}"
    labels = name.split(".")
    if len(labels) < 2 or len(name) > 253 or not all(DNS_LABEL.match(label) for label in labels):
        return (
            f"{var}: {value!r} is not a domain name (labels of letters, digits and '-', separated by dots), "
            f"e.g. {example}"
        )
    return None


def _availability_zones(region, extra):
    zones = {f"{region}{letter}" for letter in AVAILABILITY_ZONES.get(region, "")}
    return zones | {str(zone) for zone in (extra or {}).get(region, []) or []}


def _type_problems(values):
    problems, bad = [], set()
    for var, value in values.items():
        if value is None:
            continue
        if var in MAPPINGS and not isinstance(value, dict):
            problems.append(
                f"{var}: {_shown(value)} is {_kind(value)}; a mapping is expected, e.g. {var}: {MAPPINGS[var]}"
            )
            bad.add(var)
        elif var in LISTS and not isinstance(value, list):
            problems.append(f"{var}: {_shown(value)} is {_kind(value)}; a list is expected, e.g. {var}: {LISTS[var]}")
            bad.add(var)
        elif var in SCALARS and isinstance(value, (dict, list)):
            problems.append(f"{var}: {_shown(value)} is {_kind(value)}; a single value is expected")
            bad.add(var)
    return problems, bad


def _platform_problems(v, extra_zones):
    problems = []
    env, name, region = v.get("platform_env"), v.get("platform_name"), v.get("platform_region")
    if env is not None and env not in PLATFORM_ENVS:
        problems.append(f"platform_env: {env!r} is not one of {', '.join(PLATFORM_ENVS)}, e.g. platform_env: dev")
    if name is not None and not _PLATFORM_NAME.match(str(name)):
        problems.append(
            f"platform_name: {name!r} must be lower-case letters, digits or '-', starting with a "
            "letter (it starts the ALB, target group and cluster names), e.g. platform_name: rocketclub"
        )
    if region is not None:
        known = set(AVAILABILITY_ZONES) | set(extra_zones or {})
        if str(region) not in known:
            family = str(region).rsplit("-", 1)[0]
            close = sorted(r for r in known if r.rsplit("-", 1)[0] == family)[:4] or ["eu-west-2", "us-east-1"]
            problems.append(
                f"platform_region: {region!r} is not an AWS region this platform knows; expected a region code such as "
                f"{', '.join(close)} (a region missing from the table goes into "
                "platform_extra_availability_zones, see docs/inputs.md)"
            )
        else:
            zones = _availability_zones(str(region), extra_zones)
            for index, zone in enumerate(v.get("network_availability_zones") or []):
                if str(zone) not in zones:
                    problems.append(
                        f"network_availability_zones[{index}]: {zone!r} is not an availability zone of platform_region "
                        f"{region!r}; expected one of {', '.join(sorted(zones))}, e.g. {sorted(zones)[0]} "
                        "(a newer zone goes into platform_extra_availability_zones, see docs/inputs.md)"
                    )
    for var, example in (("platform_domain", "rocketclub.online"), ("cloudflare_zone", "rocketclub.online")):
        if v.get(var) is not None:
            problem = _dns_name_problem(var, v[var], example)
            if problem:
                problems.append(problem)
    tags = v.get("platform_tags") or {}
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            problems.append(
                f"platform_tags: key {key!r} must be 1-128 characters and not start with 'aws:', e.g. platform:owner"
            )
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or len(str(value)) > 256:
            problems.append(
                f"platform_tags.{key}: {_shown(value)} must be a string of at most 256 characters, e.g. platform-team"
            )
    if name is not None and env is not None and _PLATFORM_NAME.match(str(name)):
        if len(f"{name}-{env}") > ELB_NAME_MAX:
            problems.append(
                f"platform_name: {name!r} makes the load balancer name {name + '-' + env!r} longer than "
                f"the {ELB_NAME_MAX} characters ELB allows; e.g. platform_name: rocketclub"
            )
        for index, app in enumerate(v.get("platform_apps") or []):
            app_name = str((app or {}).get("name") or "") if isinstance(app, dict) else ""
            target_group = f"{name}-{env}-{app_name}"
            if app_name and len(target_group) > ELB_NAME_MAX:
                problems.append(
                    f"platform_apps[{index}].name: {app_name!r} makes the target group name {target_group!r} "
                    f"{len(target_group)} characters long; ELB allows {ELB_NAME_MAX}: shorten it or platform_name"
                )
    return problems


def _kinde_problems(v):
    problems = []
    if v.get("kinde_client_id") is not None:
        client_id = v["kinde_client_id"]
        if str(client_id).strip() == "":
            problems.append(
                "kinde_client_id: empty; give the Client ID of the Kinde application (Kinde dashboard: "
                "Settings > Applications > the application > Details), e.g. kinde_client_id: "
                "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
            )
        elif not _KINDE_CLIENT_ID.match(str(client_id)):
            problems.append(
                f"kinde_client_id: {client_id!r} is not a Kinde client id (letters, digits, '-' or '_', "
                "no spaces), e.g. kinde_client_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9"
            )
    if v.get("kinde_domain") is not None:
        domain = v["kinde_domain"]
        match = _KINDE_DOMAIN.match(str(domain or ""))
        if not str(domain or "").strip():
            problems.append("kinde_domain: empty; give the Kinde domain, e.g. kinde_domain: acme.kinde.com")
        elif "://" in str(domain) and not str(domain).lower().startswith("https://"):
            pass  # alb_problems says it is not HTTPS
        elif (
            not match
            or not all(DNS_LABEL.match(label) for label in match["host"].lower().split("."))
            or (match["port"] and not 1 <= int(match["port"]) <= 65535)
        ):
            problems.append(
                f"kinde_domain: {domain!r} is not a host name with an optional port (no path), "
                "e.g. kinde_domain: acme.kinde.com"
            )
    return problems


def _kinde_secret_name_problems(name, env):
    if name is None or env not in PLATFORM_ENVS:
        return []
    example = f"e.g. kinde_client_secret_name: {env}/kinde/client-secret"
    if not SECRET_NAME.match(str(name)):
        return [
            f"kinde_client_secret_name: {name!r} does not follow the Secrets Manager naming convention "
            f"<env>/<service>/<thing>; {example}"
        ]
    if not str(name).startswith(f"{env}/"):
        return [
            f"kinde_client_secret_name: {name!r} must start with {env + '/'!r} (the platform_env prefix); {example}"
        ]
    problem = arn_suffix_problem(name, "kinde_client_secret_name")
    return [problem] if problem else []


def _alb_input_problems(v):
    problems = []
    policy = v.get("alb_ssl_policy")
    extra = [str(p) for p in v.get("alb_extra_ssl_policies") or []]
    if policy is not None and str(policy) not in ALB_SSL_POLICIES + tuple(extra):
        problems.append(
            f"alb_ssl_policy: {policy!r} is not a predefined ALB security policy (an ALB accepts no other); "
            f"e.g. alb_ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06 or ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09 "
            "(the list and how to add a newer one: docs/inputs.md)"
        )
    scope = v.get("alb_kinde_scope")
    if scope is not None and "openid" not in str(scope).split():
        problems.append(
            f"alb_kinde_scope: {scope!r} lacks 'openid'; Kinde returns no ID token without it, so the ALB "
            "login fails; e.g. alb_kinde_scope: openid profile email"
        )
    cookie = v.get("alb_kinde_session_cookie_name")
    if cookie is not None and not _COOKIE_NAME.match(str(cookie)):
        problems.append(
            f"alb_kinde_session_cookie_name: {cookie!r} is not a cookie name (1-64 characters, no spaces, "
            "';' or '='), e.g. AWSELBAuthSessionCookie"
        )
    arn = v.get("alb_certificate_arn")
    if arn:
        match = ACM_CERTIFICATE_ARN.match(str(arn))
        if not match:
            problems.append(
                f"alb_certificate_arn: {arn!r} is not an ACM certificate ARN, e.g. "
                "arn:aws:acm:eu-west-2:123456789012:certificate/0a1b2c3d-...; empty requests one"
            )
        elif v.get("platform_region") and match["region"] != v["platform_region"]:
            problems.append(
                f"alb_certificate_arn: {arn!r} is in {match['region']}; an ALB only uses a certificate of "
                f"its own region, platform_region {v['platform_region']!r}"
            )
    for var in ("alb_access_logs_bucket", "cloudfront_logging_bucket"):
        bucket = v.get(var)
        if bucket and not BUCKET_NAME.match(str(bucket)):
            problems.append(
                f"{var}: {bucket!r} is not an S3 bucket name (3-63 lower-case letters, digits, '-' or "
                "'.'), e.g. rocketclub-prod-logs; empty disables the logs"
            )
    prefix = v.get("alb_access_logs_prefix")
    if prefix is not None and ("AWSLogs" in str(prefix) or str(prefix).startswith("/") or str(prefix).endswith("/")):
        problems.append(
            f"alb_access_logs_prefix: {prefix!r} must not contain 'AWSLogs' nor start or end with '/' "
            "(ELB refuses it), e.g. alb_access_logs_prefix: alb"
        )
    for index, app in enumerate(v.get("platform_apps") or []):
        path = app.get("health_check_path") if isinstance(app, dict) else None
        if path is not None and (not str(path).startswith("/") or len(str(path)) > 1024):
            problems.append(
                f"platform_apps[{index}].health_check_path: {path!r} must start with '/' (1024 characters at "
                "most), e.g. /api/health"
            )
        if not isinstance(app, dict):
            problems.append(
                f"platform_apps[{index}]: {_shown(app)} is {_kind(app)}; a mapping is expected, e.g. "
                "{name: backstage, host: portal.example.com, port: 7007, priority: 10}"
            )
        elif app.get("name") not in (None, "") and not _APP_NAME.match(str(app["name"])):
            problems.append(
                f"platform_apps[{index}].name: {app['name']!r} must be lower-case letters, digits and '-' "
                "(it names a target group, a service and a distribution), e.g. backstage"
            )
    return problems


def _edge_problems(v):
    """The topology (platform_edge) and the settings that belong to the other one."""
    edge = v.get("platform_edge")
    if edge is None:
        edge = "cloudfront"
    elif edge not in EDGE_TOPOLOGIES:
        return [
            f"platform_edge: {edge!r} is not an edge topology; expected cloudfront (Cloudflare -> CloudFront -> ALB) "
            "or cloudflare (Cloudflare -> ALB), e.g. platform_edge: cloudfront"
        ]
    problems = []
    ingress = v.get("network_alb_ingress")
    if ingress not in (None, edge):
        problems.append(
            f"network_alb_ingress: {ingress!r} contradicts platform_edge: {edge!r} (the ALB would admit only "
            f"{ingress}'s addresses while requests come from {edge}); remove network_alb_ingress from the "
            "inventory, platform_edge decides it"
        )
    if edge == "cloudflare":
        for var in CLOUDFRONT_ONLY:
            if v.get(var):
                problems.append(
                    f"{var}: {_shown(v[var])} is a CloudFront setting, but platform_edge: cloudflare has no "
                    f"distribution; remove {var} from the inventory, or set platform_edge: cloudfront"
                )
        mode = v.get("dns_ssl_mode")
        if mode not in (None, "strict"):
            problems.append(
                f"dns_ssl_mode: {mode!r} with platform_edge: cloudflare would let Cloudflare reach the ALB without "
                "checking its certificate (full) or over HTTP (flexible, off); Cloudflare connects to the ALB "
                "directly, whose ACM certificate is publicly trusted, so use dns_ssl_mode: strict"
            )
    return problems


def _network_input_problems(v):
    problems = []
    for index, service in enumerate(v.get("network_gateway_endpoints") or []):
        if service not in GATEWAY_ENDPOINT_SERVICES:
            problems.append(
                f"network_gateway_endpoints[{index}]: {service!r} has no gateway endpoint; only "
                f"{' and '.join(GATEWAY_ENDPOINT_SERVICES)} do (others are interface endpoints: "
                "network_interface_endpoints), e.g. network_gateway_endpoints: [s3]"
            )
    for index, cidr in enumerate(v.get("network_alb_idp_egress_cidrs") or []):
        try:
            ipaddress.ip_network(str(cidr), strict=True)
        except ValueError:
            problems.append(
                f"network_alb_idp_egress_cidrs[{index}]: {cidr!r} is not a CIDR (no host bits set), e.g. 0.0.0.0/0"
            )
    for index, port in enumerate(v.get("network_app_ports") or []):
        if _whole(port) is None or not 1 <= _whole(port) <= 65535:
            problems.append(f"network_app_ports[{index}]: {_shown(port)} is not a port (1-65535), e.g. 7007")
    return problems


def _range_problems(v):
    problems = []
    for var, ((low, high), example, what) in WHOLE_NUMBERS.items():
        if v.get(var) is None:
            continue
        whole = _whole(v[var])
        if whole is None or not low <= whole <= high:
            problems.append(
                f"{var}: {_shown(v[var])} is outside {low}-{high} {what} (whole numbers only), e.g. {var}: {example}"
            )
    target = v.get("ecs_service_cpu_target")
    if target is not None:
        percent = number(target)
        if percent is None or isinstance(target, bool) or not 0 < percent <= 100:
            problems.append(
                f"ecs_service_cpu_target: {_shown(target)} is not a CPU utilisation target; expected a "
                "percentage above 0 and at most 100, e.g. ecs_service_cpu_target: 70"
            )
    return problems


def _ecs_input_problems(v):
    problems = []
    images = v.get("ecs_service_images")
    if isinstance(images, dict):
        for key in IMAGE_KEYS:
            if key not in images:
                problems.append(f"ecs_service_images.{key}: missing; give every image, e.g. {key}: <repository>:<tag>")
                continue
            problem = image_problem(f"ecs_service_images.{key}", images[key])
            if problem:
                problems.append(problem)
    sizes = v.get("ecs_service_sizes")
    if isinstance(sizes, dict):
        for app in ("backstage", "prefect"):
            size, label = sizes.get(app, _MISSING), f"ecs_service_sizes.{app}"
            if size is _MISSING:
                problems.append(f"{label}: missing; e.g. {app}: {{cpu: 512, memory: 1024, desired: 1, min: 1, max: 2}}")
                continue
            if not isinstance(size, dict):
                problems.append(
                    f"{label}: {_shown(size)} is {_kind(size)}; a mapping is expected, "
                    "e.g. {cpu: 512, memory: 1024, desired: 1, min: 1, max: 2}"
                )
                continue
            missing = [key for key in SIZE_KEYS if size.get(key) is None]
            if missing:
                problems.append(
                    f"{label}: {', '.join(missing)} missing; e.g. {{cpu: 512, memory: 1024, desired: 1, "
                    "min: 1, max: 2}"
                )
                continue
            problem = fargate_size_problem(label, size["cpu"], size["memory"])
            if problem:
                problems.append(problem)
            counts = [_whole(size[key]) for key in ("min", "desired", "max")]
            if None in counts or not 0 <= counts[0] <= counts[1] <= counts[2] or counts[2] < 1:
                problems.append(
                    f"{label}: need whole numbers 0 <= min <= desired <= max and max >= 1, got "
                    f"min={size['min']!r} desired={size['desired']!r} max={size['max']!r}; "
                    "e.g. desired: 1, min: 1, max: 2"
                )
    for var in ("ecs_service_deployer", "ecs_service_db_bootstrap"):
        spec = v.get(var)
        if isinstance(spec, dict) and "cpu" in spec and "memory" in spec:
            problem = fargate_size_problem(var, spec["cpu"], spec["memory"])
            if problem:
                problems.append(problem)
    return problems


def _aurora_input_problems(v):
    problems = []
    cluster = v.get("aurora_cluster_identifier")
    if cluster is not None and not DB_CLUSTER_IDENTIFIER.match(str(cluster)):
        problems.append(
            f"aurora_cluster_identifier: {cluster!r} must be 1-63 letters, digits or hyphens, start with a "
            "letter, and have no '--' nor a trailing hyphen, e.g. rocketclub-prod"
        )
    low, version = number(v.get("aurora_min_capacity")), str(v.get("aurora_engine_version") or "")
    if version and not AURORA_ENGINE_VERSION.match(version):
        problems.append(
            f'aurora_engine_version: {version!r} is not an engine version: write it quoted, such as "16.4" (the '
            'floor the cluster is kept at) or "16" (any 16.x)'
        )
    match = re.match(r"^(\d+)(?:\.(\d+))?", version)
    if low == 0 and match:
        major, minor = int(match[1]), int(match[2]) if match[2] else None
        floor = AURORA_MIN_ZERO_VERSIONS.get(major, 0 if major > max(AURORA_MIN_ZERO_VERSIONS) else None)
        if floor is None or (minor is not None and minor < floor):
            need = f"{major}.{floor}" if floor is not None else "16.3"
            problems.append(
                f"aurora_min_capacity: 0 ACU (automatic pause) needs Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 or "
                f'later, but aurora_engine_version is {version!r}; use 0.5, or aurora_engine_version: "{need}"'
            )
    return problems


# The platform inputs: declared once, in the inventory, for every role of every runbook (docs/platform.md,
# "Platform inputs"), with an example each. The roles' argument specs do not repeat them.
PLATFORM_INPUTS = {
    "platform_env": "platform_env: dev",
    "platform_name": "platform_name: rocketclub",
    "platform_region": "platform_region: eu-west-2",
    "platform_domain": "platform_domain: rocketclub.online",
    "platform_apps": "platform_apps: " + LISTS["platform_apps"],
}
# Inventory variables that were renamed: old name -> new name.
RENAMED = {"alb_apps": "platform_apps"}


def platform_input_problems(values):
    """The platform inputs that are missing (None: undefined in the inventory) and the old names still set."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("platform_input_problems expects a mapping of inventory variables")
    problems = [
        f"{var}: missing; every inventory declares it (a platform input every role reads), e.g. {example}"
        for var, example in PLATFORM_INPUTS.items()
        if values.get(var) is None
    ]
    problems += [
        f"{old}: was renamed {new} (a platform input every role reads, not only the alb role); "
        "rename it in the inventory"
        for old, new in RENAMED.items()
        if values.get(old) is not None
    ]
    return problems


def inventory_problems(values, extra_zones=None):
    """Every check of the inventory's own variables, before any role derives a value from them.

    ``values`` maps inventory variable names to their values; None means the variable is not used by the
    running playbook (a role it does not import). Returns a list of sentences, each naming the variable
    (and the key inside it), the value, what is expected and an example.
    """
    if not isinstance(values, dict):
        raise AnsibleFilterError("inventory_problems expects a mapping of inventory variables")
    if extra_zones is not None and not isinstance(extra_zones, dict):
        return [
            f"platform_extra_availability_zones: {_shown(extra_zones)} is {_kind(extra_zones)}; a "
            "mapping is expected, e.g. platform_extra_availability_zones: "
            f"{MAPPINGS['platform_extra_availability_zones']}"
        ]
    problems, bad = _type_problems(values)
    v = {key: value for key, value in values.items() if key not in bad}
    problems += _platform_problems(v, extra_zones)
    problems += _kinde_problems(v)
    problems += _kinde_secret_name_problems(v.get("kinde_client_secret_name"), v.get("platform_env"))
    park = v.get("park_aurora")
    if park is not None and park not in ("stop", "snapshot"):
        problems.append(
            f"park_aurora: {park!r} is not a park mode (the park playbook's aurora_park_mode); expected "
            "stop (stop the cluster) or snapshot (final snapshot, then delete), "
            "e.g. -e park_aurora=snapshot"
        )
    problems += _alb_input_problems(v)
    problems += _edge_problems(v)
    problems += _network_input_problems(v)
    problems += _range_problems(v)
    problems += _ecs_input_problems(v)
    problems += _aurora_input_problems(v)
    return problems


class FilterModule:
    """The inventory checks (the role checks live in the role's own filter file)."""

    def filters(self):
        return filters_naming_their_input(
            {
                "inventory_problems": inventory_problems,
                "platform_input_problems": platform_input_problems,
            }
        )
