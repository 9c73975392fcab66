#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: iam_roles
version_added: 0.1.0
short_description: Manage a family of IAM roles with their trust policies and inline policies in one task
description:
  - Creates and reconciles several IAM roles in one task, each with its trust policy, description, maximum
    session duration, tags and inline policies.
  - Policy documents are compared as normalised JSON, as terraform-provider-aws does
    (C(internal/service/iam/role.go) compares with awspolicyequivalence). IAM returns them URL-encoded, and the
    order of statements and of C(Action), C(Resource) and condition value lists, or a one-element list against
    a plain string, is no difference. Nothing is written when the documents are equivalent.
  - Inline policies of a role that are not declared are deleted (O(purge_policies)); managed policies attached
    to a role are detached (O(purge_managed_policies)). The roles of this collection carry inline policies only.
  - A new role is not visible to every IAM endpoint at once (IAM is eventually consistent,
    U(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency)).
    Like terraform-provider-aws C(internal/service/iam/role.go) (retryCreateRole, propagationTimeout 2 minutes),
    C(CreateRole) and C(UpdateAssumeRolePolicy) are retried for 2 minutes on C(MalformedPolicyDocument)
    "Invalid principal in policy", and the writes that follow the creation of a role are retried for 2 minutes
    on C(NoSuchEntity).
  - All the roles are read in two paginated calls, whatever their number. C(GetAccountAuthorizationDetails)
    (C(Filter=[Role])) gives each role's trust policy, inline policies with their documents, attached managed
    policies, tags, path and ARN
    (U(https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html)); C(ListRoles)
    (C(PathPrefix) the roles' common path) gives the description and maximum session duration that it lacks
    (U(https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html), which returns no tags). A no-op
    therefore costs two reads, where reading role by role costs four or more per role (C(GetRole),
    C(ListRolePolicies), C(GetRolePolicy) per inline policy, C(ListAttachedRolePolicies)).
  - Both calls list the whole account (C(GetAccountAuthorizationDetails) cannot filter by name or path;
    C(ListRoles) lists every role under the common path, all of them for C(/)). A page holds at most 1000
    roles (IAM may return fewer, and a page of C(GetAccountAuthorizationDetails) carries every inline policy
    document), so an account with a few hundred roles still costs two to a few reads a run; with thousands,
    about two more per thousand roles. A role neither call returns (IAM is eventually consistent, a role
    created seconds ago may be missing) is read on its own with C(GetRole) and, when it exists, its policy
    listings, as terraform-provider-aws C(internal/service/iam/role.go) reads a role; it is created only when
    C(GetRole) answers C(NoSuchEntity), and a C(CreateRole) that answers C(EntityAlreadyExists) reads the role
    and reconciles it instead.
  - Check mode predicts exactly what a real run changes, with a diff. A role that would be created is returned
    with a check-mode placeholder ARN (C(pending:iam-role/<name>)). A policy document holding a placeholder (a
    KMS key that check mode predicts) differs from whatever is live; a real run refuses placeholders.
author:
  - rocketclub platform team (@rocketclub)
options:
  roles:
    description:
      - The roles to manage, processed and returned in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the role.
        type: str
        required: true
      assume_role_policy_document:
        description:
          - Trust policy of the role, as a dict or a JSON string.
        type: json
        required: true
      description:
        description:
          - Description of the role.
        type: str
        default: ''
      max_session_duration:
        description:
          - Maximum session duration in seconds, 3600 to 43200.
        type: int
        default: 3600
      path:
        description:
          - Path of the role, used when it is created; the path of an existing role is never changed (IAM
            cannot change it).
        type: str
        default: /
      inline_policies:
        description:
          - Inline policies of the role, policy name to policy document (a dict or a JSON string).
        type: dict
        default: {}
      tags:
        description:
          - Tags of this role, merged over O(tags).
        type: dict
        default: {}
  tags:
    description:
      - Tags common to all the roles. O(roles[].tags) take precedence.
    type: dict
    default: {}
  purge_tags:
    description:
      - Remove tags not in O(tags) or O(roles[].tags). Tags starting with C(aws:) are never removed.
    type: bool
    default: true
  purge_policies:
    description:
      - Delete inline policies of a managed role that are not in O(roles[].inline_policies).
    type: bool
    default: true
  purge_managed_policies:
    description:
      - Detach every managed policy attached to a managed role.
    type: bool
    default: true
notes:
  - Required IAM actions are C(iam:GetAccountAuthorizationDetails), C(iam:ListRoles), C(iam:GetRole),
    C(iam:ListRolePolicies), C(iam:GetRolePolicy), C(iam:ListAttachedRolePolicies), C(iam:CreateRole),
    C(iam:UpdateRole), C(iam:UpdateAssumeRolePolicy), C(iam:PutRolePolicy), C(iam:DeleteRolePolicy),
    C(iam:DetachRolePolicy), C(iam:TagRole) and C(iam:UntagRole).
  - Roles that are not listed are never touched; the module does not delete roles.
  - Supports check mode and diff mode.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Task roles of an environment
  rocketclub.platform.iam_roles:
    tags:
      platform:env: prod
    roles:
      - name: rocketclub-prod-backstage-task
        description: Backstage task role
        assume_role_policy_document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {Service: ecs-tasks.amazonaws.com}
              Action: sts:AssumeRole
        inline_policies:
          rocketclub-prod-backstage-task-permissions:
            Version: "2012-10-17"
            Statement:
              - Sid: ReadObjects
                Effect: Allow
                Action: [s3:GetObject]
                Resource: [arn:aws:s3:::rocketclub-prod-blog-data-raw/*]
  register: roles
"""

RETURN = r"""
roles:
  description: The managed roles, in input order. Check mode returns the predicted state.
  returned: always
  type: list
  elements: dict
  sample:
    - name: rocketclub-prod-backstage-task
      arn: arn:aws:iam::123456789012:role/rocketclub-prod-backstage-task
      created: false
      changed: true
      inline_policies: [rocketclub-prod-backstage-task-permissions]
  contains:
    name:
      description: Name of the role.
      returned: always
      type: str
      sample: rocketclub-prod-backstage-task
    arn:
      description: ARN of the role; C(pending:iam-role/<name>) for a role that check mode would create.
      returned: always
      type: str
      sample: arn:aws:iam::123456789012:role/rocketclub-prod-backstage-task
    created:
      description: Whether the role was (or in check mode would be) created.
      returned: always
      type: bool
      sample: false
    changed:
      description: Whether the role or one of its policies or tags was (or would be) changed.
      returned: always
      type: bool
      sample: true
    inline_policies:
      description: Names of the role's inline policies after the run.
      returned: always
      type: list
      elements: str
      sample: [rocketclub-prod-backstage-task-permissions]
role_arns:
  description: Role name to ARN (a placeholder for a role that check mode would create).
  returned: always
  type: dict
  sample: {"rocketclub-prod-backstage-task": "arn:aws:iam::123456789012:role/rocketclub-prod-backstage-task"}
"""

import json
from urllib.parse import unquote

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import Propagation
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import PropagationAware
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates

_TPA_ROLE = "terraform-provider-aws internal/service/iam/role.go"
# retryCreateRole and the assume-role-policy update: "Invalid principal in policy" for propagationTimeout (2 min).
INVALID_PRINCIPAL = (("MalformedPolicyDocument", "Invalid principal in policy"),)
CREATE_ROLE = Propagation("iam:CreateRole", INVALID_PRINCIPAL, budget=120, source=f"{_TPA_ROLE} (retryCreateRole)")
UPDATE_TRUST = Propagation(
    "iam:UpdateAssumeRolePolicy", INVALID_PRINCIPAL, budget=120, source=f"{_TPA_ROLE} (resourceRoleUpdate)"
)
# Writes right after CreateRole: NoSuchEntity while the new role propagates (as resourceRoleRead's
# RetryWhenNewResourceNotFound, propagationTimeout 2 min).
NEW_ROLE = Propagation(
    "iam (new role)", (("NoSuchEntity", None),), budget=120, source=f"{_TPA_ROLE} (resourceRoleRead)"
)

_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")

# Items per page of GetAccountAuthorizationDetails and ListRoles (MaxItems: 1-1000, default 100; IAM may return
# fewer and says so with IsTruncated). Tests lower it to exercise the pagination.
PAGE_SIZE = 1000


def _as_sorted_list(value):
    values = value if isinstance(value, list) else [value]
    return sorted({_scalar(v) for v in values})


def _scalar(value):
    """IAM stores condition and principal values as strings (``true`` for a JSON true)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _normalize_statement(statement):
    out = {}
    for key, value in statement.items():
        if key in _LIST_KEYS:
            out[key] = _as_sorted_list(value)
        elif key in ("Principal", "NotPrincipal"):
            out[key] = value if isinstance(value, str) else {k: _as_sorted_list(v) for k, v in value.items()}
        elif key == "Condition":
            out[key] = {
                op: {k: _as_sorted_list(v) for k, v in (body or {}).items()} for op, body in (value or {}).items()
            }
        else:
            out[key] = value
    return out


def parse_policy(document):
    """A policy document (dict, JSON string, or the URL-encoded JSON IAM returns) as a dict."""
    if isinstance(document, dict):
        return document
    text = document or "{}"
    if not text.lstrip().startswith("{"):
        text = unquote(text)
    return json.loads(text)


def normalize_policy(document):
    """A canonical form of a policy document: equal for documents IAM treats as the same (statement order,
    list order, a one-element list or a plain string, URL encoding, JSON whitespace)."""
    policy = parse_policy(document)
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    normalized = [_normalize_statement(s) for s in statements]
    out = {k: v for k, v in policy.items() if k != "Statement"}
    out["Statement"] = sorted(normalized, key=lambda s: json.dumps(s, sort_keys=True))
    return out


def policies_equal(one, two):
    return normalize_policy(one) == normalize_policy(two)


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _dumps(document):
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


class IamRoles(PropagationAware):
    # --- reads -----------------------------------------------------------------------------------------
    def read_batch(self, names, path_prefix):
        """Current state of the roles ``names`` that both batch reads return, by name.

        GetAccountAuthorizationDetails(Filter=[Role]) has everything but the description and the maximum
        session duration, which ListRoles has (ListRoles has no tags). A role missing from either answer is
        left out: the caller reads it on its own (``read``), as IAM is eventually consistent.
        """
        wanted = set(names)
        pages = {"PaginationConfig": {"PageSize": PAGE_SIZE}}
        details = paginate(self.client, "get_account_authorization_details", "RoleDetailList", Filter=["Role"], **pages)
        details = {d["RoleName"]: d for d in details if d.get("RoleName") in wanted}
        if not details:
            return {}
        listed = paginate(self.client, "list_roles", "Roles", PathPrefix=path_prefix, **pages)
        listed = {r["RoleName"]: r for r in listed if r.get("RoleName") in details}
        states = {}
        for name, detail in details.items():
            role = listed.get(name)
            if role is None or role.get("RoleId") != detail.get("RoleId"):
                continue
            inline = detail.get("RolePolicyList") or []
            policies = {p["PolicyName"]: parse_policy(p["PolicyDocument"]) for p in inline}
            attached = detail.get("AttachedManagedPolicies") or []
            merged = dict(role, **{k: v for k, v in detail.items() if k != "Tags"})
            states[name] = self._state(merged, detail.get("Tags"), policies, attached)
        return states

    def read(self, name):
        """Current state of one role (GetRole and its policy listings), or None when it does not exist."""
        try:
            return self.read_existing(name)
        except is_boto3_error_code("NoSuchEntity"):
            return None

    def read_existing(self, name):
        """Current state of one role; ``NoSuchEntity`` when IAM does not know it (yet)."""
        role = self.client.get_role(RoleName=name, aws_retry=True)["Role"]
        names = paginate(self.client, "list_role_policies", "PolicyNames", RoleName=name)
        policies = {}
        for policy_name in names:
            doc = self.client.get_role_policy(RoleName=name, PolicyName=policy_name, aws_retry=True)["PolicyDocument"]
            policies[policy_name] = parse_policy(doc)
        attached = paginate(self.client, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
        return self._state(role, role.get("Tags"), policies, attached)

    @staticmethod
    def _state(role, tags, policies, attached):
        return {
            "name": role["RoleName"],
            "arn": role["Arn"],
            "path": role.get("Path", "/"),
            "description": role.get("Description", ""),
            "max_session_duration": role.get("MaxSessionDuration", 3600),
            "assume_role_policy_document": parse_policy(role.get("AssumeRolePolicyDocument")),
            "tags": as_dict(tags),
            "inline_policies": policies,
            "managed_policies": sorted(p["PolicyArn"] for p in attached),
        }

    # --- writes ----------------------------------------------------------------------------------------
    def ensure(self, spec, current, tags, purge_tags, purge_policies, purge_managed):
        """Create or update one role. Returns (arn, changed, created, current) where ``current`` is the state
        before the run (None for a role created)."""
        name = spec["name"]
        if current is None:
            if self.check:
                return pending_id("iam-role", name), True, True, None
            try:
                return self.create(spec, tags), True, True, None
            except is_boto3_error_code("EntityAlreadyExists"):
                # Created moments ago (GetRole lagging behind, or another run): read it, then reconcile.
                current = self._retry(NEW_ROLE, name, self.read_existing)(name)
        changed = bool(self.update(spec, current, tags, purge_tags, purge_policies, purge_managed))
        return current["arn"], changed, False, current

    def create(self, spec, tags):
        name = spec["name"]
        params = {
            "RoleName": name,
            "Path": spec["path"],
            "AssumeRolePolicyDocument": _dumps(spec["trust"]),
            "Description": spec["description"],
            "MaxSessionDuration": spec["max_session_duration"],
        }
        if tags:
            params["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        role = self._retry(CREATE_ROLE, name, self.client.create_role)(aws_retry=True, **params)["Role"]
        for policy_name, document in spec["policies"].items():
            self._retry(NEW_ROLE, name, self.client.put_role_policy)(
                RoleName=name, PolicyName=policy_name, PolicyDocument=_dumps(document), aws_retry=True
            )
        return role["Arn"]

    def update(self, spec, current, tags, purge_tags, purge_policies, purge_managed):
        """Bring an existing role to ``spec``. Returns the list of changes (empty when nothing differs)."""
        name = spec["name"]
        changes = []
        if not policies_equal(current["assume_role_policy_document"], spec["trust"]):
            changes.append("trust policy")
            if not self.check:
                self._retry(UPDATE_TRUST, name, self.client.update_assume_role_policy)(
                    RoleName=name, PolicyDocument=_dumps(spec["trust"]), aws_retry=True
                )
        role_params = {}
        if current["description"] != spec["description"]:
            role_params["Description"] = spec["description"]
        if current["max_session_duration"] != spec["max_session_duration"]:
            role_params["MaxSessionDuration"] = spec["max_session_duration"]
        if role_params:
            changes.append("description" if "Description" in role_params else "max_session_duration")
            if not self.check:
                self.client.update_role(RoleName=name, aws_retry=True, **role_params)
        for policy_name, document in spec["policies"].items():
            live = current["inline_policies"].get(policy_name)
            if live is not None and policies_equal(live, document):
                continue
            changes.append(f"inline policy {policy_name}")
            if not self.check:
                self.client.put_role_policy(
                    RoleName=name, PolicyName=policy_name, PolicyDocument=_dumps(document), aws_retry=True
                )
        if purge_policies:
            for policy_name in sorted(set(current["inline_policies"]) - set(spec["policies"])):
                changes.append(f"delete inline policy {policy_name}")
                if not self.check:
                    self.client.delete_role_policy(RoleName=name, PolicyName=policy_name, aws_retry=True)
        if purge_managed:
            for arn in current["managed_policies"]:
                changes.append(f"detach {arn}")
                if not self.check:
                    self.client.detach_role_policy(RoleName=name, PolicyArn=arn, aws_retry=True)
        tagged = apply_tags(
            plan_tags(current["tags"], tags, purge_tags),
            tag=lambda to_set: self.client.tag_role(
                RoleName=name, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True
            ),
            untag=lambda keys: self.client.untag_role(RoleName=name, TagKeys=keys, aws_retry=True),
            check_mode=self.check,
        )
        if tagged:
            changes.append("tags")
        return changes


def desired_state(spec, tags, current, purge_tags, purge_policies, purge_managed):
    """The state after the run (for the diff), from the spec and what is live."""
    policies = dict(spec["policies"])
    if current is not None and not purge_policies:
        policies = dict(current["inline_policies"], **policies)
    managed = current["managed_policies"] if current is not None and not purge_managed else []
    resulting_tags = plan_tags(current["tags"], tags, purge_tags).result if current is not None else tags
    return {
        "path": current["path"] if current is not None else spec["path"],
        "description": spec["description"],
        "max_session_duration": spec["max_session_duration"],
        "assume_role_policy_document": spec["trust"],
        "tags": resulting_tags,
        "inline_policies": policies,
        "managed_policies": managed,
    }


def diff_entry(state):
    keys = (
        "path",
        "description",
        "max_session_duration",
        "assume_role_policy_document",
        "tags",
        "inline_policies",
        "managed_policies",
    )
    return {k: state[k] for k in keys}


def common_path(paths):
    """The longest IAM path (``/``, ``/a/``, ``/a/b/``...) that every one of ``paths`` starts with."""
    split = [[part for part in path.split("/") if part] for path in paths]
    common = []
    for parts in zip(*split) if split else ():
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "/" + "".join(f"{part}/" for part in common)


def validate_specs(module, specs):
    """Checks the argument spec cannot express. Runs before any API call."""
    dupes = find_duplicates(s["name"] for s in specs)
    if dupes:
        module.fail_json(msg=f"roles: duplicate role names {', '.join(dupes)}; list each role once")
    prepared = []
    for index, spec in enumerate(specs):
        name = spec["name"]
        if not 3600 <= spec["max_session_duration"] <= 43200:
            seconds = spec["max_session_duration"]
            module.fail_json(msg=f"roles[{index}] ({name}).max_session_duration: {seconds} is not in 3600-43200")
        try:
            trust = parse_policy(spec["assume_role_policy_document"])
            policies = {policy_name: parse_policy(doc) for policy_name, doc in (spec["inline_policies"] or {}).items()}
        except (TypeError, ValueError) as e:
            module.fail_json(msg=f"roles[{index}] ({name}): a policy document is not valid JSON: {e}")
        prepared.append(dict(spec, trust=trust, policies=policies))
    return prepared


def main():
    argument_spec = dict(
        roles=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                assume_role_policy_document=dict(type="json", required=True),
                description=dict(type="str", default=""),
                max_session_duration=dict(type="int", default=3600),
                path=dict(type="str", default="/"),
                inline_policies=dict(type="dict", default={}),
                tags=dict(type="dict", default={}),
            ),
        ),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
        purge_policies=dict(type="bool", default=True),
        purge_managed_policies=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    specs = validate_specs(module, module.params["roles"])
    # A placeholder (a KMS key check mode predicts) never reaches a real run's PutRolePolicy.
    fail_if_pending(module, **{f"roles[{s['name']}]": list(_strings([s["trust"], s["policies"]])) for s in specs})
    purge_tags = module.params["purge_tags"]
    purge_policies = module.params["purge_policies"]
    purge_managed = module.params["purge_managed_policies"]

    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    roles = IamRoles(module, client)
    results, role_arns, before_diff, after_diff = [], {}, {}, {}
    any_changed = False
    name = None
    try:
        batch = roles.read_batch([s["name"] for s in specs], common_path(s["path"] for s in specs))
        for spec in specs:
            name = spec["name"]
            # IAM roles carry only the tags given (the role passes the platform's tags, managed tag included).
            tags = desired_tags(module.params["tags"], spec["tags"], managed=False)
            current = batch[name] if name in batch else roles.read(name)
            arn, changed, created, current = roles.ensure(
                spec, current, tags, purge_tags, purge_policies, purge_managed
            )
            after = desired_state(spec, tags, current, purge_tags, purge_policies, purge_managed)
            # The diff names the roles that change (created or updated), nothing else.
            if changed:
                if current is not None:
                    before_diff[name] = diff_entry(current)
                after_diff[name] = diff_entry(after)
            any_changed |= changed
            role_arns[name] = arn
            results.append(
                {
                    "name": name,
                    "arn": arn,
                    "created": created,
                    "changed": changed,
                    "inline_policies": sorted(after["inline_policies"]),
                }
            )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage IAM role {name}", roles=results, changed=any_changed)

    module.exit_json(
        changed=any_changed, roles=results, role_arns=role_arns, diff={"before": before_diff, "after": after_diff}
    )


if __name__ == "__main__":
    main()
