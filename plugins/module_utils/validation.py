# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The platform's validation rules, written once (pure Python, no API call, no Ansible import).

Both sides use these: the inventory checks of ``plugins/filter/validation.py`` (``inventory_problems`` and
the role checks, which run before any API call) and the modules' own input checks (``module_utils/*``).
A rule here returns a reason without the variable name; each caller names the inventory variable or the
module option at fault and adds its example.
"""

from __future__ import annotations

import re


def find_duplicates(keys):
    """Keys seen more than once, as ``{key: [indexes]}`` in first-seen order.

    Iterating the result gives the duplicated keys themselves, which is what most messages need;
    the indexes let a message name the list items at fault.
    """
    seen = {}
    for index, key in enumerate(keys):
        seen.setdefault(key, []).append(index)
    return {key: indexes for key, indexes in seen.items() if len(indexes) > 1}


# ---------------------------------------------------------------------------------------------
# Fargate task sizes: CPU units -> the memory sizes (MiB) Fargate runs with them (Amazon ECS
# Developer Guide, "Task CPU and memory",
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size).
# ---------------------------------------------------------------------------------------------
FARGATE_SIZES = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}


def fargate_memory_text(cpu):
    """The memory sizes of ``cpu`` units in words: ``512, 1024, 2048 MiB`` or ``1024..4096 MiB in steps of 1024``."""
    sizes = FARGATE_SIZES[cpu]
    steps = {b - a for a, b in zip(sizes, sizes[1:])}
    if len(sizes) > 3 and len(steps) == 1:
        return f"{sizes[0]}..{sizes[-1]} MiB in steps of {steps.pop()}"
    return f"{', '.join(map(str, sizes))} MiB"


def fargate_size_problem(cpu, memory):
    """None when ``cpu`` units with ``memory`` MiB is a Fargate task size, else ``(key, reason)``: key ``cpu``
    (no such CPU size) or ``memory`` (not a memory size of that CPU size). Numbers only; callers parse units."""
    if isinstance(cpu, bool) or not isinstance(cpu, (int, float)) or cpu != int(cpu) or int(cpu) not in FARGATE_SIZES:
        return "cpu", f"is not a Fargate size ({', '.join(map(str, FARGATE_SIZES))})"
    if isinstance(memory, bool) or memory not in FARGATE_SIZES[int(cpu)]:
        return "memory", f"does not fit cpu {int(cpu)} on Fargate ({fargate_memory_text(int(cpu))})"
    return None


# CloudWatch Logs retention periods in days (PutRetentionPolicy `retentionInDays`,
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

# ---------------------------------------------------------------------------------------------
# Container images: pinned with a tag or a digest, never a moving default. A reference is
# [registry[:port]/]repository[:tag][@digest]; the tag sits after the last '/', and a digest is
# `sha256:` and 64 lowercase hex digits (the OCI image spec's registered sha256 algorithm,
# https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests; the tag grammar is the
# Docker reference's, https://github.com/distribution/reference/blob/main/regexp.go).
# ---------------------------------------------------------------------------------------------
IMAGE_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


def image_pin_problem(image):
    """None when ``image`` is pinned (a valid tag, or a valid sha256 digest), else the reason without the
    variable name: ``empty``, ``'<image>' has a malformed digest; ...`` or ``'<image>' has no tag or digest; ...``."""
    image = "" if image is None else str(image)
    if not image.strip():
        return "empty"
    repository, dummy, digest = image.partition("@")
    if digest:
        if IMAGE_DIGEST.fullmatch(digest):
            return None
        return f"{image!r} has a malformed digest; give {repository}@sha256:<64 lowercase hex digits>"
    tagged = ":" in repository.rsplit("/", 1)[-1]
    base, tag = repository.rsplit(":", 1) if tagged else (repository, "")
    if IMAGE_TAG.fullmatch(tag):
        return None
    return f"{image!r} has no tag or digest; pin it as {base}:<tag> or {base}@sha256:<digest>"


# ---------------------------------------------------------------------------------------------
# ARNs and names AWS accepts
# ---------------------------------------------------------------------------------------------
# An ACM certificate ARN; the id is a UUID (ACM ARN format, "Amazon Resource Names for ACM",
# https://docs.aws.amazon.com/acm/latest/userguide/authen-overview.html#acm-resources-operations).
ACM_CERTIFICATE_ARN = re.compile(
    r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


def acm_certificate_region(arn):
    """The region of an ACM certificate ARN, or None when ``arn`` is not one."""
    match = ACM_CERTIFICATE_ARN.match(str(arn or ""))
    return match.group("region") if match else None


# A secret's ARN is `...:secret:<name>-<6 random characters>`
# (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources).
SECRET_ARN_SUFFIX = re.compile(r"^(?P<base>.+)-(?P<suffix>[A-Za-z0-9]{6})$")


def arn_suffix_split(name):
    """``(base, suffix)`` when ``name`` ends in a hyphen and six letters or digits, the shape of the tail AWS
    appends to a secret name in its ARN; else None. A pure string test."""
    match = SECRET_ARN_SUFFIX.match(str(name or ""))
    return (match.group("base"), match.group("suffix")) if match else None


# Secrets Manager names: `<env>/<service>/<thing>[/<more>]`; SSM parameters: `/<env>/<namespace>/<resource>[/<more>]`
# (docs/platform.md, "Naming rules").
SECRET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*){2,}$")
PARAMETER_NAME = re.compile(r"^(/[A-Za-z0-9][A-Za-z0-9_.-]*){3,}$")


def arn_suffix_problem(name, varname):
    """One problem sentence when the last segment of a Secrets Manager name ends like the random suffix of a
    secret ARN (``-2pS4d3``), else None.

    AWS asks not to end a name with a hyphen and six characters (CreateSecret `Name`,
    https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html): such a name is easily
    the copy of an ARN tail, and then the platform creates a second, empty secret next to the real one. Only
    suffixes with a digit or an upper-case letter are refused: AWS's random suffix almost always has one
    (26^6 / 62^6, under 0.6 % of suffixes, are all lower-case), while the platform's own names end in words such
    as `-secret`, which must stay valid.
    """
    base, suffix = arn_suffix_split(name) or (None, "")
    if not any(c.isdigit() or c.isupper() for c in suffix):
        return None
    return (
        f"{varname}: {name!r} ends in '-{suffix}', which looks like the six random characters Secrets Manager "
        f"appends to a secret's ARN, not part of its name; use {base!r} (drop the suffix), "
        "otherwise a second, empty secret is created next to the real one"
    )


# ALB and target group names: 1-32 letters, digits or hyphens, no hyphen first or last (CreateLoadBalancer /
# CreateTargetGroup `Name`).
ELB_NAME_MAX = 32
ELB_NAME = re.compile(r"^(?!-)[A-Za-z0-9-]{1,32}(?<!-)$")
# Listener rule priorities (CreateRule `Priority`).
ALB_RULE_PRIORITY = (1, 50000)
# SessionTimeout of an authenticate-oidc action, seconds: at most 7 days.
ALB_SESSION_TIMEOUT = (1, 604800)
# An HTTP header name an ALB http-header condition matches (HttpHeaderConditionConfig `HttpHeaderName`,
# at most 40 characters): the CloudFront -> ALB origin header.
ORIGIN_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,40}$")
# Aurora PostgreSQL accepts database ports 1150-65535 (CreateDBCluster `Port`).
AURORA_PORTS = (1150, 65535)
# DB cluster identifiers: 1-63 letters, digits or hyphens, a letter first, no '--', no trailing hyphen
# (CreateDBCluster `DBClusterIdentifier`).
DB_CLUSTER_IDENTIFIER = re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}(?<!-)$")
# A DNS label: 1-63 lower-case letters, digits or hyphens, no hyphen first or last (RFC 1123).
DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# A host name: DNS labels joined by dots, 253 characters at most (checked apart: HOST_NAME_MAX).
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
HOST_NAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
HOST_NAME_MAX = 253
# An Aurora PostgreSQL engine version as CreateDBCluster `EngineVersion` takes it: "16", "16.4", and the
# suffixed forms such as "11.9.limitless_pg.1" (digits first; the engine versions of DescribeDBEngineVersions).
AURORA_ENGINE_VERSION = re.compile(r"^\d+(\.\d+)*(\.[a-z]+(_[a-z]+)*(\.\d+)+)?$")
# S3 general purpose bucket names: 3-63 lower-case letters, digits, '-' or '.', no '..', not xn-- first.
BUCKET_NAME = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
