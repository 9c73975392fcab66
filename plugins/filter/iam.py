# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM policy documents for the platform's ECS task and Lambda roles.

``iam_role_plan`` turns a short description of what a role may read and write into the trust policy
and the inline policy that rocketclub.platform.iam_roles applies (``iam_roles_module_input``). Every resource is
named: the only ``*`` is ecr:GetAuthorizationToken, which AWS does not scope to a resource. Output
is deterministic (fixed statement order and Sids, sorted actions and resources); the module also compares
the documents as normalised JSON, so a second run changes nothing.
"""

from __future__ import annotations

import json
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input

VERSION = "2012-10-17"
# Inline policies of a role share a 10,240 character quota (whitespace not counted).
MAX_POLICY_LENGTH = 10240
_PRINCIPALS = {"ecs-tasks": "ecs-tasks.amazonaws.com", "lambda": "lambda.amazonaws.com"}
_ROLE_KEYS = (
    "name",
    "description",
    "principal",
    "read_secrets",
    "read_parameters",
    "kms_decrypt",
    "log_groups",
    "ecr_pull",
    "buckets_rw",
    "buckets_read",
    "ecs_run_tasks",
)
_LIST_KEYS = ("read_secrets", "read_parameters", "log_groups", "buckets_rw", "buckets_read")
_RUN_TASK_KEYS = ("cluster", "task_definition_families", "pass_roles")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PLAIN_NAME = re.compile(r"^[^*?\s]+$")


class _Arns:
    """ARN builders for one partition, region and account."""

    def __init__(self, context):
        self.partition = context.get("partition") or "aws"
        self.region = context["region"]
        self.account = context["account_id"]

    def regional(self, service, resource):
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def role(self, name):
        return f"arn:{self.partition}:iam::{self.account}:role/{name}"

    def bucket(self, name, objects=False):
        return f"arn:{self.partition}:s3:::{name}" + ("/*" if objects else "")


def _fail(role, key, problem):
    raise AnsibleFilterError(f"iam_role_plan: role {role!r}, {key}: {problem}")


def _statement(sid, actions, resources, condition=None):
    statement = {"Sid": sid, "Effect": "Allow", "Action": sorted(set(actions)), "Resource": sorted(set(resources))}
    if condition:
        statement["Condition"] = condition
    return statement


def _names(role, spec, key, pattern=_PLAIN_NAME, example="a plain name"):
    """A list option as a list of validated, non-empty strings."""
    value = spec.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        _fail(role, key, f"expected a list of names, got {type(value).__name__}")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            _fail(role, key, "contains an empty name")
        if item.startswith("arn:") or not pattern.match(item):
            _fail(role, key, f"{item!r} is not {example} (no ARN, no wildcard)")
    return value


def _context(context):
    if not isinstance(context, dict):
        raise AnsibleFilterError(
            "iam_role_plan: context must be a dict (partition, region, account_id, kms_key_arn, name_prefix)"
        )
    missing = [key for key in ("region", "account_id", "name_prefix") if not context.get(key)]
    if missing:
        raise AnsibleFilterError(f"iam_role_plan: context is missing {', '.join(missing)}")
    context = dict(context, account_id=str(context["account_id"]))
    if not re.match(r"^\d{12}$", context["account_id"]):
        raise AnsibleFilterError(
            f"iam_role_plan: context.account_id {context['account_id']!r} is not 12 digits (quote it in YAML)"
        )
    return context


def _trust_policy(principal, arns):
    condition = {"StringEquals": {"aws:SourceAccount": arns.account}}
    if principal == "ecs-tasks":
        condition["ArnLike"] = {"aws:SourceArn": arns.regional("ecs", "*")}
    sid = "EcsTasksAssumeRole" if principal == "ecs-tasks" else "LambdaAssumeRole"
    statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": _PRINCIPALS[principal]},
        "Action": "sts:AssumeRole",
        "Condition": condition,
    }
    return {"Version": VERSION, "Statement": [statement]}


def _shared_kms(context):
    """``(key ARN, set of secret names)`` of the account-wide shared secrets, or ``(None, set())``
    while the shared key is unknown (check mode on an empty account): then they count as the
    environment's own secrets."""
    key = context.get("shared_kms_key_arn") or None
    names = context.get("shared_secrets") or []
    if not isinstance(names, list):
        raise AnsibleFilterError("iam_role_plan: context.shared_secrets must be a list of secret names")
    return (key, set(names)) if key else (None, set())


def _secret_statements(role, spec, arns, kms_key_arn, shared=(None, frozenset())):
    secrets = _names(role, spec, "read_secrets", example="a Secrets Manager secret name")
    shared_key, shared_names = shared
    shared_read = sorted(name for name in secrets if name in shared_names)
    parameters = _names(role, spec, "read_parameters", example="an SSM parameter name")
    statements = []
    if secrets:
        # `-??????`: the six random characters Secrets Manager appends; matches exactly this name.
        resources = [arns.regional("secretsmanager", f"secret:{name}-??????") for name in secrets]
        statements.append(_statement("ReadSecrets", ["secretsmanager:GetSecretValue"], resources))
    if parameters:
        resources = [arns.regional("ssm", f"parameter/{name.lstrip('/')}") for name in parameters]
        statements.append(_statement("ReadParameters", ["ssm:GetParameter", "ssm:GetParameters"], resources))

    # SSE-KMS buckets encrypted with the platform key: reading needs kms:Decrypt, writing also
    # kms:GenerateDataKey, both only through S3.
    buckets_read = bool(spec.get("buckets_read") or spec.get("buckets_rw"))
    buckets_write = bool(spec.get("buckets_rw"))
    decrypt = spec.get("kms_decrypt")
    if decrypt not in (None, True, False):
        _fail(role, "kms_decrypt", f"expected true or false, got {decrypt!r}")
    if decrypt is True and not kms_key_arn:
        _fail(role, "kms_decrypt", "true but context.kms_key_arn is empty")
    if decrypt is False:
        return statements
    if shared_read:
        # The shared secrets are encrypted with the account-wide shared key, the same in every
        # environment: decrypting them needs that key, only through Secrets Manager.
        condition = {"StringEquals": {"kms:ViaService": [f"secretsmanager.{arns.region}.amazonaws.com"]}}
        statements.append(_statement("DecryptSharedSecrets", ["kms:Decrypt"], [shared_key], condition))
    own_secrets = [name for name in secrets if name not in shared_read]
    if not kms_key_arn or (not (own_secrets or parameters or buckets_read) and (decrypt is None or shared_read)):
        return statements
    secrets = own_secrets
    uses = (("secretsmanager", secrets), ("ssm", parameters), ("s3", buckets_read))
    services = [f"{service}.{arns.region}.amazonaws.com" for service, used in uses if used]
    condition = {"StringEquals": {"kms:ViaService": sorted(services)}} if services else None
    actions = ["kms:Decrypt", "kms:GenerateDataKey"] if buckets_write else ["kms:Decrypt"]
    statements.append(_statement("DecryptWithPlatformKey", actions, [kms_key_arn], condition))
    return statements


def _log_statements(role, spec, arns):
    groups = _names(role, spec, "log_groups", example="a log group name")
    if not groups:
        return []
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    if spec["principal"] == "lambda":
        actions.append("logs:CreateLogGroup")
    # `log-group:<name>:*` is the form IAM expects for these actions (it covers the group's streams).
    return [_statement("WriteLogs", actions, [arns.regional("logs", f"log-group:{name}:*") for name in groups])]


def _ecr_statements(role, spec, arns):
    pull = spec.get("ecr_pull")
    if pull in (None, False, []):
        return []
    if pull is True:
        repositories = []
    else:
        repositories = _names(role, spec, "ecr_pull", example="an ECR repository name")
    statements = [_statement("EcrAuthorizationTokenHasNoResourceScope", ["ecr:GetAuthorizationToken"], ["*"])]
    if repositories:
        actions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        statements.append(
            _statement("PullImages", actions, [arns.regional("ecr", f"repository/{name}") for name in repositories])
        )
    return statements


def _bucket_statements(role, spec, arns):
    rw = _names(role, spec, "buckets_rw", _BUCKET, "an S3 bucket name")
    read = _names(role, spec, "buckets_read", _BUCKET, "an S3 bucket name")
    both = sorted(set(rw) & set(read))
    if both:
        _fail(role, "buckets_read", f"{', '.join(both)} also in buckets_rw; list each bucket once")
    if not rw and not read:
        return []
    statements = [
        _statement("ListBuckets", ["s3:GetBucketLocation", "s3:ListBucket"], [arns.bucket(b) for b in rw + read]),
        _statement("ReadObjects", ["s3:GetObject"], [arns.bucket(b, objects=True) for b in rw + read]),
    ]
    if rw:
        statements.append(
            _statement("WriteObjects", ["s3:DeleteObject", "s3:PutObject"], [arns.bucket(b, objects=True) for b in rw])
        )
    return statements


def _run_task_statements(role, spec, arns, name_prefix):
    run = spec.get("ecs_run_tasks")
    if run is None:
        return []
    if not isinstance(run, dict):
        _fail(role, "ecs_run_tasks", "expected a dict with cluster, task_definition_families and pass_roles")
    unknown = sorted(set(run) - set(_RUN_TASK_KEYS))
    if unknown:
        _fail(role, f"ecs_run_tasks.{unknown[0]}", f"unknown key; expected {', '.join(_RUN_TASK_KEYS)}")
    cluster = run.get("cluster")
    if not isinstance(cluster, str) or not cluster:
        _fail(role, "ecs_run_tasks.cluster", "missing; give the cluster name or ARN")
    prefix = arns.regional("ecs", "cluster/")
    if cluster.startswith("arn:") and not cluster.startswith(prefix):
        _fail(
            role,
            "ecs_run_tasks.cluster",
            f"{cluster!r} is not an ECS cluster ARN of this account and region ({prefix}...)",
        )
    cluster_name = cluster[len(prefix) :] if cluster.startswith(prefix) else cluster
    families = _names(role, run, "task_definition_families", example="a task definition family")
    if not families:
        _fail(
            role, "ecs_run_tasks.task_definition_families", "empty; name the task definition families the role may run"
        )
    condition = {"ArnEquals": {"ecs:cluster": prefix + cluster_name}}
    statements = [
        _statement(
            "RunTasks", ["ecs:RunTask"], [arns.regional("ecs", f"task-definition/{f}:*") for f in families], condition
        ),
        _statement("DescribeTasks", ["ecs:DescribeTasks"], [arns.regional("ecs", f"task/{cluster_name}/*")]),
    ]
    pass_roles = _names(role, run, "pass_roles", example="a role name of this plan")
    if pass_roles:
        condition = {"StringEquals": {"iam:PassedToService": _PRINCIPALS["ecs-tasks"]}}
        statements.append(
            _statement(
                "PassTaskRoles", ["iam:PassRole"], [arns.role(f"{name_prefix}-{r}") for r in pass_roles], condition
            )
        )
    return statements


def iam_role_plan(roles, context):
    """One entry per role, in input order, for rocketclub.platform.iam_roles (``iam_roles_module_input``):
    ``{name, role_name, arn, description, trust_policy, policy_name, policy}``.

    ``context``: ``{partition (default aws), region, account_id, kms_key_arn, name_prefix,
    shared_kms_key_arn, shared_secrets}``; the secrets named in ``shared_secrets`` are decrypted with
    ``shared_kms_key_arn`` (statement ``DecryptSharedSecrets``), all others with ``kms_key_arn``. A role is
    ``{name, description, principal (ecs-tasks | lambda), read_secrets, read_parameters, kms_decrypt,
    log_groups, ecr_pull, buckets_rw, buckets_read, ecs_run_tasks}``; see the README of the role that
    calls it for the meaning of each key.
    """
    context = _context(context)
    arns = _Arns(context)
    if not isinstance(roles, list):
        raise AnsibleFilterError("iam_role_plan: roles must be a list of dicts")
    plan, seen = [], set()
    for index, spec in enumerate(roles):
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"].strip():
            raise AnsibleFilterError(f"iam_role_plan: roles[{index}].name: missing or empty")
        role = spec["name"]
        unknown = sorted(set(spec) - set(_ROLE_KEYS))
        if unknown:
            _fail(role, unknown[0], f"unknown key; expected one of {', '.join(_ROLE_KEYS)}")
        if role in seen:
            _fail(role, "name", "declared twice")
        seen.add(role)
        role_name = f"{context['name_prefix']}-{role}"
        if not _ROLE_NAME.match(role_name):
            _fail(
                role, "name", f"{role_name!r} is not a valid IAM role name (at most 64 of letters, digits and +=,.@_-)"
            )
        if spec.get("principal") not in _PRINCIPALS:
            _fail(role, "principal", f"{spec.get('principal')!r} is not one of {', '.join(_PRINCIPALS)}")
        statements = (
            _secret_statements(role, spec, arns, context.get("kms_key_arn"), _shared_kms(context))
            + _log_statements(role, spec, arns)
            + _ecr_statements(role, spec, arns)
            + _bucket_statements(role, spec, arns)
            + _run_task_statements(role, spec, arns, context["name_prefix"])
        )
        if not statements:
            _fail(role, ", ".join(k for k in _ROLE_KEYS[3:]), "none given; the role would have no permission")
        policy = {"Version": VERSION, "Statement": statements}
        if len(json.dumps(policy, separators=(",", ":"))) > MAX_POLICY_LENGTH:
            _fail(role, "policy", f"longer than the {MAX_POLICY_LENGTH} characters IAM allows; split the role")
        plan.append(
            {
                "name": role,
                "role_name": role_name,
                "arn": arns.role(role_name),
                "description": spec.get("description") or f"{role_name} ({spec['principal']})",
                "trust_policy": _trust_policy(spec["principal"], arns),
                "policy_name": f"{role_name}-permissions",
                "policy": policy,
            }
        )
    return plan


def iam_roles_module_input(plan):
    """The ``roles`` option of rocketclub.platform.iam_roles from an ``iam_role_plan``: one role per plan entry
    with its trust policy and its one inline policy."""
    if not isinstance(plan, list):
        raise AnsibleFilterError("iam_roles_module_input: expected the list iam_role_plan returns")
    return [
        {
            "name": entry["role_name"],
            "description": entry["description"],
            "assume_role_policy_document": entry["trust_policy"],
            "inline_policies": {entry["policy_name"]: entry["policy"]},
        }
        for entry in plan
    ]


class FilterModule:
    """IAM policy filters."""

    def filters(self):
        return filters_naming_their_input(
            {
                "iam_role_plan": iam_role_plan,
                "iam_roles_module_input": iam_roles_module_input,
            }
        )
