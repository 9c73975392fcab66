#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kms_keys
version_added: 0.1.0
short_description: Manage several customer-managed KMS keys, found by their aliases, in one task
description:
  - Creates and reconciles several symmetric or asymmetric customer-managed KMS keys in one task, each found by
    its alias; the end state is the one C(amazon.aws.kms_key) converges to for the same options.
  - Reads are few. One C(ListAliases) for all keys, then per existing key C(DescribeKey),
    C(GetKeyRotationStatus) (symmetric keys only), C(ListResourceTags), and C(GetKeyPolicy) only when
    O(keys[].policy) is set. Nothing is written when nothing differs.
  - A key that is pending deletion is brought back as C(amazon.aws.kms_key) does. Its deletion is cancelled
    (C(CancelKeyDeletion)) and the key, disabled by that, is enabled again. A disabled key is enabled.
  - KMS is eventually consistent right after C(CreateKey)
    (U(https://docs.aws.amazon.com/kms/latest/developerguide/accessing-kms.html#programming-eventual-consistency)).
    Like terraform-provider-aws C(internal/service/kms/key.go) and C(alias.go), C(CreateKey) with a policy is
    retried for 2 minutes on C(MalformedPolicyDocumentException) (a principal created moments ago), and
    C(CreateAlias), C(EnableKeyRotation) and C(DescribeKey) of a key named by an alias are retried on
    C(NotFoundException) (C(EnableKeyRotation) also on C(DisabledException)) for up to 10 minutes.
    The module never reads back what it has just written; it returns the state from the answers of its writes.
  - Check mode predicts exactly what a real run changes, with a diff per key. A key that would be created is
    returned with the placeholder C(pending:kms-key/<alias>) as its id and ARN.
author:
  - rocketclub platform team (@rocketclub)
options:
  keys:
    description:
      - The keys to manage, processed and returned in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      alias:
        description:
          - Alias of the key, C(alias/<name>) (letters, digits, C(/), C(_), C(-)); the key is found by it and it
            is created with the key. Not C(alias/aws/...), the prefix of AWS managed keys.
        type: str
        required: true
      description:
        description:
          - Description of the key, at most 8192 characters. Not set means the description is left as it is.
        type: str
      key_spec:
        description:
          - Key spec of a key to create. KMS cannot change it; an existing key with another spec fails the task.
        type: str
        default: SYMMETRIC_DEFAULT
        choices: [SYMMETRIC_DEFAULT, RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521,
                  ECC_SECG_P256K1, HMAC_224, HMAC_256, HMAC_384, HMAC_512]
      key_usage:
        description:
          - Key usage of a key to create. KMS cannot change it; an existing key with another usage fails the task.
        type: str
        default: ENCRYPT_DECRYPT
        choices: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC]
      enable_key_rotation:
        description:
          - Yearly automatic rotation of the key material. Only symmetric (V(SYMMETRIC_DEFAULT)) keys rotate;
            for any other O(keys[].key_spec) it must be V(false).
        type: bool
        default: true
      policy:
        description:
          - Key policy (the C(default) policy), as a dict or a JSON string. Compared as normalised JSON and put
            only when it differs. Not set means the policy is left as it is (a new key gets the KMS default
            policy).
        type: json
      tags:
        description:
          - Tags of the key.
        type: dict
        default: {}
      purge_tags:
        description:
          - Remove the tags of the key not in O(keys[].tags). Tags starting with C(aws:) are never removed.
          - V(false) keeps tags that others added, for example on a key several environments share.
        type: bool
        default: true
notes:
  - Required IAM actions are C(kms:ListAliases), C(kms:DescribeKey), C(kms:GetKeyRotationStatus),
    C(kms:ListResourceTags), C(kms:CreateKey), C(kms:CreateAlias), C(kms:EnableKeyRotation),
    C(kms:DisableKeyRotation), C(kms:UpdateKeyDescription), C(kms:TagResource), C(kms:UntagResource),
    C(kms:CancelKeyDeletion), C(kms:EnableKey) and, with O(keys[].policy), C(kms:GetKeyPolicy) and
    C(kms:PutKeyPolicy).
  - Keys are never deleted or disabled, grants are not managed, and an alias is never moved to another key.
  - Supports check mode and diff mode.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The keys of an environment and the key shared by every environment of the account
  rocketclub.platform.kms_keys:
    keys:
      - alias: alias/rocketclub-prod-platform
        description: rocketclub prod platform key
        tags:
          platform:env: prod
      - alias: alias/rocketclub-shared
        description: rocketclub shared key
        tags:
          platform:env: shared
        purge_tags: false
  register: kms

- name: Use the ARN of a key
  ansible.builtin.debug:
    msg: "{{ kms.key_arns['alias/rocketclub-prod-platform'] }}"
"""

RETURN = r"""
kms_keys:
  description:
    - The managed keys, in input order. Check mode returns the predicted state.
    - Named C(kms_keys), not C(keys), so that C(result.kms_keys) in a template is the list, not the C(keys) method
      of the result dict.
  returned: always
  type: list
  elements: dict
  sample:
    - alias: alias/rocketclub-prod-platform
      key_id: 1234abcd-12ab-34cd-56ef-1234567890ab
      key_arn: arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
      key_state: Enabled
      description: rocketclub prod platform key
      key_spec: SYMMETRIC_DEFAULT
      key_usage: ENCRYPT_DECRYPT
      enable_key_rotation: true
      tags: {"platform:env": "prod"}
      created: false
      changed: false
  contains:
    alias:
      description: Alias of the key.
      returned: always
      type: str
      sample: alias/rocketclub-prod-platform
    key_id:
      description: Id of the key; C(pending:kms-key/<alias>) for a key check mode would create.
      returned: always
      type: str
      sample: 1234abcd-12ab-34cd-56ef-1234567890ab
    key_arn:
      description: ARN of the key; C(pending:kms-key/<alias>) for a key check mode would create.
      returned: always
      type: str
      sample: arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    key_state:
      description: State of the key after the run (C(Enabled) once converged).
      returned: always
      type: str
      sample: Enabled
    description:
      description: Description of the key.
      returned: always
      type: str
      sample: rocketclub prod platform key
    key_spec:
      description: Key spec.
      returned: always
      type: str
      sample: SYMMETRIC_DEFAULT
    key_usage:
      description: Key usage.
      returned: always
      type: str
      sample: ENCRYPT_DECRYPT
    enable_key_rotation:
      description: Whether automatic rotation is on.
      returned: always
      type: bool
      sample: true
    tags:
      description: Tags of the key.
      returned: always
      type: dict
      sample: {"platform:env": "prod"}
    created:
      description: Whether the key was (or would be) created.
      returned: always
      type: bool
      sample: false
    changed:
      description: Whether this key was (or would be) changed.
      returned: always
      type: bool
      sample: false
key_arns:
  description: Alias to key ARN (a placeholder for a key check mode would create).
  returned: always
  type: dict
  sample:
    alias/rocketclub-prod-platform: arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
"""

import json
import re

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import Propagation
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import PropagationAware
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import follow_markers
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates

SYMMETRIC = "SYMMETRIC_DEFAULT"
ALIAS_RE = re.compile(r"^alias/[a-zA-Z0-9/_-]+$")
# Which key usages KMS accepts for which key specs (CreateKey, KeyUsage).
USAGES = {
    "SYMMETRIC": ("ENCRYPT_DECRYPT",),
    "RSA": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "ECC": ("SIGN_VERIFY",),
    "HMAC": ("GENERATE_VERIFY_MAC",),
}
# Key states a converge can bring to Enabled; any other (PendingImport, Unavailable, Creating, ...) fails the task.
RECOVERABLE_STATES = ("Enabled", "Disabled", "PendingDeletion")

_TPA = "terraform-provider-aws internal/service/kms"
# resourceKeyCreate: waitIAMPropagation around CreateKey (a principal of the policy created moments ago).
CREATE_KEY = Propagation(
    "kms:CreateKey", (("MalformedPolicyDocumentException", None),), budget=120, source=f"{_TPA}/key.go"
)
# resourceAliasCreate: CreateAlias retried on NotFoundException while the new key propagates.
CREATE_ALIAS = Propagation("kms:CreateAlias", (("NotFoundException", None),), budget=600, source=f"{_TPA}/alias.go")
# updateKeyRotationEnabled: NotFoundException or DisabledException, for keyRotationUpdatedTimeout (10 min).
ROTATION = Propagation(
    "kms:EnableKeyRotation",
    (("NotFoundException", None), ("DisabledException", None)),
    budget=600,
    source=f"{_TPA}/key.go (updateKeyRotationEnabled)",
)
# findKeyInfo: RetryWhenNewResourceNotFound (propagationTimeout, 2 min): an alias listed for a key
# another run created moments ago.
DESCRIBE_KEY = Propagation("kms:DescribeKey", (("NotFoundException", None),), budget=120, source=f"{_TPA}/key.go")


def spec_family(key_spec):
    return key_spec.split("_", 1)[0]


def validate_specs(module, specs):
    """Checks the argument spec cannot express, before any API call. Returns the specs with the parsed policy."""
    dupes = find_duplicates(s["alias"] for s in specs)
    if dupes:
        module.fail_json(msg=f"keys: duplicate aliases {', '.join(dupes)}; list each key once")
    prepared = []
    for index, spec in enumerate(specs):
        alias = spec["alias"]
        where = f"keys[{index}]"
        if not ALIAS_RE.match(alias) or len(alias) > 256:
            module.fail_json(
                msg=f"{where}.alias: {alias!r} is not a KMS alias name; use alias/<name> with letters, digits, "
                "'/', '_' and '-' (at most 256 characters), e.g. alias/rocketclub-prod-platform"
            )
        if alias.startswith("alias/aws/"):
            module.fail_json(msg=f"{where}.alias: {alias!r} is reserved for AWS managed keys; choose another name")
        if spec["description"] is not None and len(spec["description"]) > 8192:
            module.fail_json(msg=f"{where}.description ({alias}): longer than 8192 characters")
        family = "SYMMETRIC" if spec["key_spec"] == SYMMETRIC else spec_family(spec["key_spec"])
        if spec["key_usage"] not in USAGES[family]:
            module.fail_json(
                msg=f"{where}.key_usage ({alias}): {spec['key_usage']} is not valid for key_spec {spec['key_spec']}; "
                f"use {' or '.join(USAGES[family])}"
            )
        if spec["enable_key_rotation"] and spec["key_spec"] != SYMMETRIC:
            module.fail_json(
                msg=f"{where}.enable_key_rotation ({alias}): only SYMMETRIC_DEFAULT keys rotate automatically; "
                "set enable_key_rotation: false"
            )
        policy = None
        if spec["policy"] is not None:
            try:
                policy = json.loads(spec["policy"])
            except ValueError as e:
                module.fail_json(msg=f"{where}.policy ({alias}): not valid JSON: {e}")
            if not isinstance(policy, dict):
                module.fail_json(msg=f"{where}.policy ({alias}): must be a JSON object (a policy document)")
        bad_tags = sorted(k for k in spec["tags"] or {} if str(k).startswith("aws:"))
        if bad_tags:
            module.fail_json(msg=f"{where}.tags ({alias}): {', '.join(bad_tags)}: the aws: prefix is reserved by AWS")
        prepared.append(dict(spec, policy_doc=policy, tags=desired_tags(spec["tags"], managed=False)))
    return prepared


class KmsKeys(PropagationAware):
    # --- reads -----------------------------------------------------------------------------------------
    def alias_targets(self):
        """Alias name -> target key id, for every alias of the account and region (one paginated ListAliases)."""
        aliases = paginate(self.client, "list_aliases", "Aliases")
        return {a["AliasName"]: a["TargetKeyId"] for a in aliases if a.get("TargetKeyId")}

    def read(self, spec, key_id):
        """The current state of the key ``key_id`` (named by ``spec['alias']``)."""
        describe = self._retry(DESCRIBE_KEY, spec["alias"], self.client.describe_key)
        meta = describe(KeyId=key_id, aws_retry=True)["KeyMetadata"]
        key_id = meta["KeyId"]
        state = {
            "key_id": key_id,
            "key_arn": meta["Arn"],
            "key_state": meta["KeyState"],
            "deletion_date": meta.get("DeletionDate"),
            "description": meta.get("Description", ""),
            "key_spec": meta.get("KeySpec") or meta.get("CustomerMasterKeySpec") or SYMMETRIC,
            "key_usage": meta.get("KeyUsage", "ENCRYPT_DECRYPT"),
            "enable_key_rotation": False,
        }
        if state["key_spec"] == SYMMETRIC and meta.get("Origin", "AWS_KMS") == "AWS_KMS":
            state["enable_key_rotation"] = self.rotation(key_id)
        tags = follow_markers(
            lambda **p: self.client.list_resource_tags(KeyId=key_id, aws_retry=True, **p), items_key="Tags"
        )
        state["tags"] = {t["TagKey"]: t["TagValue"] for t in tags}
        if spec["policy_doc"] is not None:
            policy = self.client.get_key_policy(KeyId=key_id, PolicyName="default", aws_retry=True)["Policy"]
            state["policy"] = json.loads(policy)
        return state

    def rotation(self, key_id):
        """Whether rotation is on; None when KMS does not answer for the key's state (pending deletion)."""
        try:
            return self.client.get_key_rotation_status(KeyId=key_id, aws_retry=True)["KeyRotationEnabled"]
        except is_boto3_error_code("KMSInvalidStateException"):
            return None

    # --- writes ----------------------------------------------------------------------------------------
    def create(self, spec):
        """CreateKey (description, spec, usage, tags, policy), then the alias and rotation. Returns the state."""
        alias = spec["alias"]
        params = {
            "KeySpec": spec["key_spec"],
            "KeyUsage": spec["key_usage"],
            "Origin": "AWS_KMS",
            "Tags": [{"TagKey": k, "TagValue": v} for k, v in spec["tags"].items()],
        }
        if spec["description"]:
            params["Description"] = spec["description"]
        if spec["policy_doc"] is not None:
            params["Policy"] = json.dumps(spec["policy_doc"])
        meta = self._retry(CREATE_KEY, alias, self.client.create_key)(aws_retry=True, **params)["KeyMetadata"]
        key_id = meta["KeyId"]
        try:
            self._retry(CREATE_ALIAS, alias, self.client.create_alias)(
                AliasName=alias, TargetKeyId=key_id, aws_retry=True
            )
        except is_boto3_error_code("AlreadyExistsException") as e:
            self.module.fail_json_aws(
                e,
                msg=f"Created KMS key {meta['Arn']} for {alias}, but the alias now exists (another run created it "
                f"at the same time). Run again to use the key the alias names, and schedule the deletion of "
                f"{meta['Arn']}, which nothing uses",
            )
        if spec["enable_key_rotation"]:
            self._retry(ROTATION, alias, self.client.enable_key_rotation)(KeyId=key_id, aws_retry=True)
        return {
            "key_id": key_id,
            "key_arn": meta["Arn"],
            "key_state": meta.get("KeyState", "Enabled"),
            "description": meta.get("Description", ""),
            "key_spec": spec["key_spec"],
            "key_usage": spec["key_usage"],
            "enable_key_rotation": bool(spec["enable_key_rotation"]),
            "tags": dict(spec["tags"]),
        }

    def tag_calls(self, key_id):
        """``(tag, untag)``: TagResource and UntagResource of one key (KMS tags are ``TagKey``/``TagValue``)."""

        def tag(to_set):
            tags = [{"TagKey": k, "TagValue": v} for k, v in to_set.items()]
            self.client.tag_resource(KeyId=key_id, Tags=tags, aws_retry=True)

        def untag(keys):
            self.client.untag_resource(KeyId=key_id, TagKeys=keys, aws_retry=True)

        return tag, untag

    def update(self, spec, current):
        """Bring the existing key to ``spec``. Returns (changes, state after)."""
        key_id, alias = current["key_id"], spec["alias"]
        after = dict(current)
        after.pop("deletion_date", None)
        changes = []
        if current["key_state"] == "PendingDeletion":
            changes.append("deletion cancelled")
            if not self.check:
                self.client.cancel_key_deletion(KeyId=key_id, aws_retry=True)
            after["key_state"] = "Disabled"  # CancelKeyDeletion leaves the key disabled
        if after["key_state"] == "Disabled":
            changes.append("enabled")
            if not self.check:
                self.client.enable_key(KeyId=key_id, aws_retry=True)
            after["key_state"] = "Enabled"
        if spec["description"] is not None and spec["description"] != current["description"]:
            changes.append("description")
            if not self.check:
                self.client.update_key_description(KeyId=key_id, Description=spec["description"], aws_retry=True)
            after["description"] = spec["description"]
        if spec["policy_doc"] is not None and compare_policies(current["policy"], spec["policy_doc"]):
            changes.append("policy")
            if not self.check:
                self.client.put_key_policy(
                    KeyId=key_id, PolicyName="default", Policy=json.dumps(spec["policy_doc"]), aws_retry=True
                )
            after["policy"] = spec["policy_doc"]
        plan = plan_tags(current["tags"], spec["tags"], spec["purge_tags"])
        if apply_tags(plan, *self.tag_calls(key_id), check_mode=self.check):
            changes.append("tags")
        after["tags"] = plan.result
        if current["key_spec"] == SYMMETRIC:
            rotation = current["enable_key_rotation"]
            if rotation is None and not self.check:
                rotation = self.rotation(key_id)  # now that the deletion is cancelled
            if rotation is None or bool(rotation) != spec["enable_key_rotation"]:
                changes.append("rotation")
                if not self.check:
                    method = self.client.enable_key_rotation
                    if not spec["enable_key_rotation"]:
                        method = self.client.disable_key_rotation
                    self._retry(ROTATION, alias, method)(KeyId=key_id, aws_retry=True)
            after["enable_key_rotation"] = spec["enable_key_rotation"]
        return changes, after


def check_existing(module, spec, current):
    """Fail for what a converge cannot fix: a key spec or usage KMS cannot change, a state it cannot leave."""
    alias = spec["alias"]
    for option in ("key_spec", "key_usage"):
        if current[option] != spec[option]:
            module.fail_json(
                msg=f"KMS key {alias} ({current['key_arn']}) has {option} {current[option]}, not {spec[option]}; "
                f"KMS cannot change it. Set {option}: {current[option]}, or point the alias at a new key yourself"
            )
    if current["key_state"] not in RECOVERABLE_STATES:
        module.fail_json(
            msg=f"KMS key {alias} ({current['key_arn']}) is in state {current['key_state']}, which this module "
            "cannot bring to Enabled (imported key material, or a disconnected custom key store); fix it in KMS first"
        )


def diff_entry(state, spec):
    if state is None:
        return None
    entry = {k: state.get(k) for k in ("key_state", "description", "key_spec", "key_usage", "enable_key_rotation")}
    entry["tags"] = state["tags"]
    if spec["policy_doc"] is not None:
        entry["policy"] = state.get("policy")
    return entry


def result_entry(spec, state, created, changed):
    entry = {"alias": spec["alias"]}
    keys = ("key_id", "key_arn", "key_state", "description", "key_spec", "key_usage", "enable_key_rotation", "tags")
    entry.update({k: state.get(k) for k in keys})
    entry.update(created=created, changed=changed)
    return entry


def planned_new_key(spec):
    """The key check mode predicts a real run creates."""
    placeholder = pending_id("kms-key", spec["alias"])
    return {
        "key_id": placeholder,
        "key_arn": placeholder,
        "key_state": "Enabled",
        "description": spec["description"] or "",
        "key_spec": spec["key_spec"],
        "key_usage": spec["key_usage"],
        "enable_key_rotation": bool(spec["enable_key_rotation"]),
        "tags": dict(spec["tags"]),
        "policy": spec["policy_doc"],
    }


def main():
    key_specs = [
        SYMMETRIC,
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_SECG_P256K1",
        "HMAC_224",
        "HMAC_256",
        "HMAC_384",
        "HMAC_512",
    ]
    argument_spec = dict(
        keys=dict(
            type="list",
            elements="dict",
            required=True,
            no_log=False,
            options=dict(
                alias=dict(type="str", required=True),
                description=dict(type="str"),
                key_spec=dict(type="str", default=SYMMETRIC, choices=key_specs, no_log=False),
                key_usage=dict(
                    type="str",
                    default="ENCRYPT_DECRYPT",
                    choices=["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC"],
                    no_log=False,
                ),
                enable_key_rotation=dict(type="bool", default=True, no_log=False),
                policy=dict(type="json"),
                tags=dict(type="dict", default={}),
                purge_tags=dict(type="bool", default=True),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    specs = validate_specs(module, module.params["keys"])

    client = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
    kms = KmsKeys(module, client)
    results, key_arns, before_diff, after_diff = [], {}, {}, {}
    any_changed = False
    alias = None
    try:
        targets = kms.alias_targets()
        # Read and check every key before the first write: a key that cannot be converged changes nothing.
        currents = [kms.read(spec, targets[spec["alias"]]) if spec["alias"] in targets else None for spec in specs]
        for spec, current in zip(specs, currents):
            if current is not None:
                check_existing(module, spec, current)
        for spec, current in zip(specs, currents):
            alias = spec["alias"]
            if current is None:
                after = planned_new_key(spec) if module.check_mode else kms.create(spec)
                after.setdefault("policy", spec["policy_doc"])
                changed, created = True, True
            else:
                changes, after = kms.update(spec, current)
                changed, created = bool(changes), False
            any_changed |= changed
            key_arns[alias] = after["key_arn"]
            results.append(result_entry(spec, after, created, changed))
            if current is not None:
                before_diff[alias] = diff_entry(current, spec)
            after_diff[alias] = diff_entry(after, spec)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        what = f"manage KMS key {alias}" if alias else "read the KMS keys"
        module.fail_json_aws(e, msg=f"Failed to {what}", kms_keys=results, changed=any_changed)

    module.exit_json(
        changed=any_changed, kms_keys=results, key_arns=key_arns, diff={"before": before_diff, "after": after_diff}
    )


if __name__ == "__main__":
    main()
