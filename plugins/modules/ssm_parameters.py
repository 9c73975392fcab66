#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ssm_parameters
version_added: 0.1.0
short_description: Manage a family of AWS SSM Parameter Store parameters in one task
description:
  - Creates and reconciles several SSM Parameter Store parameters in one task.
  - C(String) and C(StringList) parameters get the value given in O(parameters[].value). With
    O(parameters[].overwrite=false) the value is only set when the parameter does not exist yet.
  - C(SecureString) parameters get a random value generated inside the module (Python C(secrets)
    module) when they are created. The value is never decrypted, compared or replaced afterwards.
  - Parameters are read in batches (C(GetParameters) without decryption, only for C(String) and
    C(StringList), and C(DescribeParameters)); C(PutParameter) is only called for a missing parameter or
    when the value (with O(parameters[].overwrite=true)), description, type or tier differs.
author:
  - rocketclub platform team (@rocketclub)
options:
  parameters:
    description:
      - The parameters to manage, processed and returned in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Full name of the parameter. Must start with C(/).
        type: str
        required: true
      type:
        description:
          - Type of the parameter.
          - V(SecureString) requires O(parameters[].generate). SecureStrings whose value is set by an
            operator are out of scope of this module.
          - Changing the type of an existing parameter re-puts it with C(Overwrite). An existing
            non-C(SecureString) parameter changed to V(SecureString) gets a newly generated value.
        type: str
        choices: ['String', 'StringList', 'SecureString']
        default: String
      value:
        description:
          - Value of a V(String) or V(StringList) (comma separated) parameter.
          - Exactly one of O(parameters[].value) and O(parameters[].generate) is required.
        type: str
      generate:
        description:
          - Generate the value of a V(SecureString) parameter when it is created.
          - The value is generated once and kept, as if O(parameters[].overwrite=false).
        type: dict
        suboptions:
          length:
            description:
              - Number of characters of the generated value (letters and digits), 16 to 4096.
            type: int
            default: 48
      overwrite:
        description:
          - V(false) sets O(parameters[].value) only when the parameter does not exist yet, for example a
            switch that must start as V(unparked) and is changed later by other tooling.
          - Description, tier, type and tags are still reconciled (the current value is put back).
        type: bool
        default: true
      description:
        description:
          - Description of the parameter.
        type: str
        default: ''
      tier:
        description:
          - Parameter tier. V(Intelligent-Tiering) lets AWS choose and is never compared.
          - AWS cannot downgrade an V(Advanced) parameter to V(Standard); the module warns instead.
        type: str
        choices: ['Standard', 'Advanced', 'Intelligent-Tiering']
        default: Standard
      tags:
        description:
          - Tags of this parameter, merged over O(tags).
        type: dict
        default: {}
  kms_key_id:
    description:
      - KMS key for V(SecureString) parameters, as key id, key ARN, alias name (C(alias/...)) or alias ARN.
      - When not set, AWS uses the AWS managed key C(alias/aws/ssm).
      - A key ARN is used as given; any other reference is resolved to the key ARN with C(kms:DescribeKey).
      - Only applied when a value is generated. An existing V(SecureString) with another key is
        reported with a warning, because re-encrypting would require reading the value.
      - In check mode a placeholder (C(pending:kms-key/...), a key that check mode predicts) is accepted as the
        key of the parameters that would be created. A real run refuses it.
    type: str
  tags:
    description:
      - Tags common to all the parameters. O(parameters[].tags) take precedence.
    type: dict
    default: {}
  purge_tags:
    description:
      - Remove tags not in O(tags) or O(parameters[].tags). Tags starting with C(aws:) are never removed.
    type: bool
    default: true
notes:
  - Required IAM actions are C(ssm:GetParameters), C(ssm:DescribeParameters), C(ssm:ListTagsForResource),
    C(ssm:PutParameter), C(ssm:AddTagsToResource), C(ssm:RemoveTagsFromResource) and, with O(kms_key_id),
    C(kms:DescribeKey) (plus the KMS permissions to encrypt).
  - The description, tier and KMS key of an existing generated V(SecureString) cannot be changed
    without re-putting its value; the module warns about such differences and leaves them.
  - Supports check mode and diff mode.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Infrastructure parameters of an environment
  rocketclub.platform.ssm_parameters:
    kms_key_id: alias/prod-params
    tags:
      platform:environment: prod
    parameters:
      - name: /prod/infra/park_mode
        value: unparked
        overwrite: false
      - name: /prod/infra/allowed_origins
        type: StringList
        value: https://example.com,https://www.example.com
        description: Origins allowed by the API
      - name: /prod/app/signing_key
        type: SecureString
        generate:
          length: 64
  register: params
"""

RETURN = r"""
parameters:
  description: The managed parameters, in input order. Check mode returns the predicted state.
  returned: always
  type: list
  elements: dict
  sample:
    - name: /prod/infra/park_mode
      type: String
      value: unparked
      version: 1
      description: ''
      tier: Standard
      tags: {"platform:environment": "prod"}
      changed: false
  contains:
    name:
      description: Name of the parameter.
      returned: always
      type: str
      sample: /prod/infra/park_mode
    type:
      description: Type of the parameter.
      returned: always
      type: str
      sample: String
    value:
      description: Value of the parameter.
      returned: when the type is C(String) or C(StringList)
      type: str
      sample: unparked
    version:
      description: Version of the parameter (predicted in check mode).
      returned: always
      type: int
      sample: 1
    description:
      description: Description of the parameter.
      returned: always
      type: str
      sample: Origins allowed by the API
    tier:
      description: Tier of the parameter.
      returned: always
      type: str
      sample: Standard
    tags:
      description: Tags of the parameter.
      returned: always
      type: dict
      sample: {"platform:environment": "prod"}
    changed:
      description: Whether this parameter was (or would be) changed.
      returned: always
      type: bool
      sample: false
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.generated_values import generate_value
from ansible_collections.rocketclub.platform.plugins.module_utils.generated_values import validate_length
from ansible_collections.rocketclub.platform.plugins.module_utils.generated_values import value_marker
from ansible_collections.rocketclub.platform.plugins.module_utils.kms import KmsKeyResolver
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import chunks
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import protect
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates

SECURE = "SecureString"
GET_BATCH = 10  # GetParameters limit
DESCRIBE_BATCH = 50  # ParameterStringFilter Values limit


def _describe_parameters(client, names):
    filters = [{"Key": "Name", "Option": "Equals", "Values": names}]
    return paginate(client, "describe_parameters", "Parameters", ParameterFilters=filters)


def describe_parameters(client, specs):
    """Current metadata of the requested parameters, keyed by name (missing ones are absent).

    Values are read (GetParameters, never decrypted) only where both the current and the desired
    type are String/StringList; a SecureString value is never fetched.
    """
    names = [s["name"] for s in specs]
    current = {}
    for batch in chunks(names, DESCRIBE_BATCH):
        for p in _describe_parameters(client, batch):
            current[p["Name"]] = {
                "name": p["Name"],
                "type": p["Type"],
                "version": p.get("Version"),
                "description": p.get("Description", ""),
                "tier": p.get("Tier", "Standard"),
                "kms_key_id": p.get("KeyId"),
            }
    wanted = [
        s["name"]
        for s in specs
        if s["type"] != SECURE and s["name"] in current and current[s["name"]]["type"] != SECURE
    ]
    for batch in chunks(wanted, GET_BATCH):
        for p in client.get_parameters(Names=batch, WithDecryption=False, aws_retry=True)["Parameters"]:
            if p["Type"] != SECURE:
                current[p["Name"]]["value"] = p["Value"]
                current[p["Name"]]["version"] = p["Version"]
    for name, state in current.items():
        tags = client.list_tags_for_resource(ResourceType="Parameter", ResourceId=name, aws_retry=True)["TagList"]
        state["tags"] = as_dict(tags)
    return current


def plan_put(module, spec, current, kms_arn, kms_resolver):
    """Decide whether PutParameter is needed.

    Returns ``(put, value_source)`` where value_source is ``"desired"`` (spec value), ``"current"``
    (re-put the current String value), ``"generate"`` or None.  Pure apart from KMS resolution and warnings.
    """
    name = spec["name"]
    if current is None:
        return True, "generate" if spec["type"] == SECURE else "desired"

    tier_differs = spec["tier"] == "Advanced" and current["tier"] != "Advanced"
    if spec["tier"] == "Standard" and current["tier"] == "Advanced":
        module.warn(f"Parameter {name}: AWS cannot change an Advanced parameter to Standard; tier left as Advanced")
    meta_differs = tier_differs or spec["description"] != current["description"]

    if spec["type"] == SECURE:
        if current["type"] != SECURE:
            return True, "generate"
        if meta_differs:
            module.warn(
                f"Parameter {name}: description/tier of a generated SecureString cannot be changed without "
                "re-putting its value; left unchanged"
            )
        if kms_arn and not kms_resolver.same_key(current["kms_key_id"], kms_arn):
            module.warn(
                f"Parameter {name}: encrypted with KMS key {current['kms_key_id']}, not {kms_arn}; "
                "re-encrypting would need its value, left unchanged"
            )
        return False, None

    type_differs = spec["type"] != current["type"]
    if current["type"] == SECURE and not spec["overwrite"]:
        if type_differs or meta_differs:
            module.warn(
                f"Parameter {name}: is a SecureString and overwrite=false; its value cannot be put back as "
                f"{spec['type']}, left unchanged"
            )
        return False, None
    if spec["overwrite"] and (type_differs or current.get("value") != spec["value"]):
        return True, "desired"
    if type_differs or meta_differs:
        return True, "desired" if spec["overwrite"] else "current"
    return False, None


def effective_tier(spec_tier, current):
    """Tier to send with PutParameter: never ask AWS for an Advanced -> Standard downgrade."""
    if spec_tier == "Standard" and current is not None and current["tier"] == "Advanced":
        return "Advanced"
    return spec_tier


def put_parameter(module, client, spec, current, value_source, tags, kms_arn):
    tier = effective_tier(spec["tier"], current)
    new = {
        "name": spec["name"],
        "type": spec["type"],
        "description": spec["description"],
        "tier": tier if tier != "Intelligent-Tiering" else (current or {}).get("tier", "Standard"),
        "version": (current or {}).get("version", 0) + 1,
        "tags": (current or {}).get("tags", {}),
        "kms_key_id": kms_arn if spec["type"] == SECURE else None,
    }
    if spec["type"] != SECURE:
        new["value"] = spec["value"] if value_source == "desired" else current["value"]
    if module.check_mode:
        if current is None:
            new["tags"] = tags
        return True, new

    params = {"Name": spec["name"], "Type": spec["type"], "Description": spec["description"], "Tier": tier}
    if spec["type"] == SECURE:
        value = generate_value(spec["generate"]["length"])
        protect(module, value)
        params["Value"] = value
        if kms_arn:
            params["KeyId"] = kms_arn
    else:
        params["Value"] = new["value"]
    if current is None:
        if tags:
            params["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        new["tags"] = tags
    else:
        params["Overwrite"] = True
    response = client.put_parameter(aws_retry=True, **params)
    new["version"] = response["Version"]
    new["tier"] = response.get("Tier", new["tier"])
    return True, new


def tag_calls(client, name):
    """``(tag, untag)``: the AddTagsToResource and RemoveTagsFromResource calls of one parameter."""
    resource = {"ResourceType": "Parameter", "ResourceId": name}
    return (
        lambda to_set: client.add_tags_to_resource(
            Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True, **resource
        ),
        lambda keys: client.remove_tags_from_resource(TagKeys=keys, aws_retry=True, **resource),
    )


def ensure_parameter(module, client, spec, current, common_tags, purge_tags, kms_arn, kms_resolver):
    """Reconcile one parameter. Returns (changed, after, generated)."""
    tags = desired_tags(common_tags, spec["tags"], managed=False)
    put, value_source = plan_put(module, spec, current, kms_arn, kms_resolver)
    state = current
    if put:
        state = put_parameter(module, client, spec, current, value_source, tags, kms_arn)[1]
    plan = plan_tags(state["tags"], tags, purge_tags)
    tags_changed = apply_tags(plan, *tag_calls(client, state["name"]), check_mode=module.check_mode)
    state = dict(state, tags=plan.result)
    return put or tags_changed, state, value_source == "generate"


def diff_entry(state, generated=False):
    if state is None:
        return None
    entry = {"type": state["type"], "description": state["description"], "tier": state["tier"], "tags": state["tags"]}
    entry["value"] = value_marker(True, generated) if state["type"] == SECURE else state.get("value")
    return entry


def result_entry(state, changed):
    entry = {k: state.get(k) for k in ("name", "type", "version", "description", "tier", "tags")}
    if state["type"] != SECURE:
        entry["value"] = state.get("value")
    entry["changed"] = changed
    return entry


def validate_specs(module, specs):
    """Cross-field checks the argument spec cannot express. Runs before any API call."""
    dupes = find_duplicates(s["name"] for s in specs)
    if dupes:
        module.fail_json(msg=f"Duplicate parameter names: {', '.join(dupes)}")
    for spec in specs:
        name = spec["name"]
        if not name.startswith("/"):
            module.fail_json(msg=f"Parameter {name}: name must start with '/'")
        if spec["type"] == SECURE and spec["value"] is not None:
            module.fail_json(
                msg=f"Parameter {name}: SecureString parameters must use generate; "
                "SecureStrings with an operator-supplied value are out of scope for now"
            )
        if spec["generate"] is not None:
            if spec["type"] != SECURE:
                module.fail_json(msg=f"Parameter {name}: generate requires type SecureString")
            problem = validate_length(spec["generate"]["length"])
            if problem:
                module.fail_json(msg=f"Parameter {name}: generate.{problem}")
        if spec["value"] == "":
            module.fail_json(msg=f"Parameter {name}: value must not be empty")


def main():
    argument_spec = dict(
        parameters=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                type=dict(type="str", choices=["String", "StringList", SECURE], default="String"),
                value=dict(type="str"),
                generate=dict(type="dict", options=dict(length=dict(type="int", default=48))),
                overwrite=dict(type="bool", default=True),
                description=dict(type="str", default=""),
                tier=dict(type="str", choices=["Standard", "Advanced", "Intelligent-Tiering"], default="Standard"),
                tags=dict(type="dict", default={}),
            ),
            required_one_of=[("value", "generate")],
            mutually_exclusive=[("value", "generate")],
        ),
        kms_key_id=dict(type="str", no_log=False),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    specs = module.params["parameters"]
    validate_specs(module, specs)
    fail_if_pending(module, kms_key_id=module.params["kms_key_id"])

    client = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff())
    kms_arn = kms_resolver = None
    results, before_diff, after_diff = [], {}, {}
    any_changed = False
    name = None
    try:
        if module.params["kms_key_id"]:
            kms_resolver = KmsKeyResolver(module.client("kms", retry_decorator=AWSRetry.jittered_backoff()))
            # A key check mode predicts (pending:...) differs from every live key: nothing to resolve.
            kms_ref = module.params["kms_key_id"]
            kms_arn = kms_ref if is_pending(kms_ref) else kms_resolver.desired_arn(kms_ref)
            if not kms_arn:
                module.fail_json(msg=f"KMS key {module.params['kms_key_id']} not found")
        current_states = describe_parameters(client, specs)
        for spec in specs:
            name = spec["name"]
            current = current_states.get(name)
            changed, after, generated = ensure_parameter(
                module, client, spec, current, module.params["tags"], module.params["purge_tags"], kms_arn, kms_resolver
            )
            any_changed |= changed
            results.append(result_entry(after, changed))
            if current is not None:
                before_diff[name] = diff_entry(current)
            after_diff[name] = diff_entry(after, generated)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        what = f"manage parameter {name}" if name else "read parameters"
        module.fail_json_aws(e, msg=f"Failed to {what}", parameters=results, changed=any_changed)

    module.exit_json(changed=any_changed, parameters=results, diff={"before": before_diff, "after": after_diff})


if __name__ == "__main__":
    main()
