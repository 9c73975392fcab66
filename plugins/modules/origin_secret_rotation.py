#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: origin_secret_rotation
version_added: 0.1.0
short_description: The SSM state of an origin-secret rotation (current and pending value)
description:
  - Keeps the state of a zero-downtime rotation of the origin secret (the value of the header the edge,
    CloudFront or a Cloudflare Transform Rule, adds and the ALB rules require) in SSM Parameter Store, so
    that an interrupted rotation is resumed from there.
  - The current value lives in O(parameter). During a rotation only, the next value lives in
    O(pending_parameter), a SecureString encrypted with the same KMS key as O(parameter).
  - O(state=started) creates O(pending_parameter) with a generated value when it does not exist (letters and
    digits only, so no character an ALB condition treats as a wildcard). O(state=promoted) copies the pending
    value into O(parameter) (C(PutParameter) with C(Overwrite)), then deletes O(pending_parameter).
    O(state=aborted) deletes O(pending_parameter). O(state=status) only reads.
  - Each state is idempotent, so running the same state again after an interruption finishes it.
  - No value is ever returned, logged or shown in a diff; values are compared inside the module.
author:
  - rocketclub platform team (@rocketclub)
options:
  parameter:
    description:
      - Name of the SSM SecureString holding the current origin secret, for example C(/prod/shared/cf_alb_secret).
      - It must exist (the secrets role creates it) for every state but V(status).
    type: str
    required: true
  pending_parameter:
    description:
      - Name of the SSM SecureString holding the next origin secret during a rotation, for example
        C(/prod/shared/cf_alb_secret_pending).
    type: str
    required: true
  state:
    description:
      - V(status) reads; V(started), V(promoted) and V(aborted) are the steps of a rotation (see above).
    type: str
    choices: ['status', 'started', 'promoted', 'aborted']
    default: status
  length:
    description:
      - Number of characters of a generated value, 32 to 128 (an ALB header condition value has at most 128).
    type: int
    default: 48
  description:
    description:
      - Description of O(pending_parameter) when it is created.
    type: str
    default: Next origin secret during a rotation (deleted when the rotation ends)
  tags:
    description:
      - Tags of O(pending_parameter) when it is created.
    type: dict
    default: {}
notes:
  - Required IAM actions are C(ssm:GetParameter), C(ssm:DescribeParameters), C(ssm:PutParameter),
    C(ssm:DeleteParameter), C(ssm:AddTagsToResource) and C(kms:Decrypt), C(kms:Encrypt) on the key of O(parameter).
  - Supports check mode; the result predicts the phase a real run leaves, and nothing is written.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Start a rotation (create the pending value)
  rocketclub.platform.origin_secret_rotation:
    parameter: /prod/shared/cf_alb_secret
    pending_parameter: /prod/shared/cf_alb_secret_pending
    state: started
  register: rotation

- name: Make the pending value current and delete the pending parameter
  rocketclub.platform.origin_secret_rotation:
    parameter: /prod/shared/cf_alb_secret
    pending_parameter: /prod/shared/cf_alb_secret_pending
    state: promoted
"""

RETURN = r"""
phase:
  description:
    - The rotation phase after the run (predicted in check mode).
    - V(idle) no rotation; V(pending) a pending value exists and differs from the current one;
      V(promoted_not_cleaned) the pending value is already current but the pending parameter still exists
      (O(state=promoted) finishes it).
  returned: always
  type: str
  sample: pending
pending_exists:
  description: Whether O(pending_parameter) exists after the run.
  returned: always
  type: bool
  sample: true
current_exists:
  description: Whether O(parameter) exists.
  returned: always
  type: bool
  sample: true
current_last_modified:
  description: When the current value was last written (ISO 8601, UTC), or null when O(parameter) does not exist.
  returned: always
  type: str
  sample: "2026-12-05T21:04:11+00:00"
current_age_seconds:
  description: Seconds since the current value was last written (after the run), or null.
  returned: always
  type: int
  sample: 86400
kms_key_id:
  description: The KMS key of O(parameter), used for O(pending_parameter).
  returned: always
  type: str
  sample: arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
actions:
  description: What the run did (or would do in check mode), for example V(created pending), V(promoted),
    V(deleted pending).
  returned: always
  type: list
  elements: str
  sample: ["promoted", "deleted pending"]
"""

import datetime

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.generated_values import generate_value
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import ScrubbedError
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import call_with_secrets
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import protect
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import read_secure_parameter

SECURE = "SecureString"
MIN_LENGTH = 32
# An ALB http-header condition value has at most 128 characters.
MAX_LENGTH = 128


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def delete_pending(module, client, name, actions):
    """Delete the pending parameter (gone already is done)."""
    actions.append("deleted pending")
    if not module.check_mode:
        try:
            client.delete_parameter(Name=name, aws_retry=True)
        except is_boto3_error_code("ParameterNotFound"):
            pass


def describe(client, name):
    """DescribeParameters metadata of one parameter, or None."""
    filters = [{"Key": "Name", "Option": "Equals", "Values": [name]}]
    found = client.describe_parameters(ParameterFilters=filters, aws_retry=True).get("Parameters") or []
    return found[0] if found else None


def phase_of(current, pending):
    if pending is None:
        return "idle"
    return "promoted_not_cleaned" if pending == current else "pending"


def new_value(length, current):
    """A generated value that differs from the current one, also ignoring case (ALB compares header values
    case-insensitively)."""
    while True:
        value = generate_value(length)
        if current is None or value.lower() != current.lower():
            return value


def main():
    argument_spec = dict(
        parameter=dict(type="str", required=True, no_log=False),
        pending_parameter=dict(type="str", required=True, no_log=False),
        state=dict(type="str", choices=["status", "started", "promoted", "aborted"], default="status"),
        length=dict(type="int", default=48),
        description=dict(type="str", default="Next origin secret during a rotation (deleted when the rotation ends)"),
        tags=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    name, pending_name, state = params["parameter"], params["pending_parameter"], params["state"]
    errors = []
    if not MIN_LENGTH <= params["length"] <= MAX_LENGTH:
        errors.append(f"length must be between {MIN_LENGTH} and {MAX_LENGTH}, got {params['length']}")
    for option in ("parameter", "pending_parameter"):
        if not (params[option] or "").startswith("/"):
            errors.append(f"{option} must be a full SSM parameter name starting with '/'")
    if name == pending_name:
        errors.append("parameter and pending_parameter must differ")
    if errors:
        module.fail_json(msg="Invalid input: " + "; ".join(errors), errors=errors)

    ssm = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff())
    actions, changed, secrets = [], False, []
    step = "read the parameters"
    try:
        current = read_secure_parameter(module, ssm, name, "parameter", missing_ok=True)
        pending = read_secure_parameter(module, ssm, pending_name, "pending_parameter", missing_ok=True)
        secrets = [v for v in (current, pending) if v]
        meta = describe(ssm, name) if current is not None else None
        if current is None and state != "status":
            module.fail_json(
                msg=f"SSM parameter {name} (parameter) does not exist in {module.region}: converge the platform "
                "first (ansible-playbook rocketclub.platform.site). Nothing was changed."
            )
        key_id = (meta or {}).get("KeyId")
        last_modified = (meta or {}).get("LastModifiedDate")

        if state == "started" and pending is None:
            step = f"create {pending_name}"
            actions.append("created pending")
            changed = True
            if not module.check_mode:
                value = new_value(params["length"], current)
                protect(module, value)
                secrets.append(value)
                put = {"Name": pending_name, "Type": SECURE, "Value": value, "Description": params["description"]}
                if key_id:
                    put["KeyId"] = key_id
                if params["tags"]:
                    put["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
                call_with_secrets(ssm.put_parameter, secrets, **put)
                pending = value
            else:
                pending = "<generated>"
        elif state == "promoted" and pending is not None:
            if pending != current:
                step = f"copy {pending_name} to {name}"
                actions.append("promoted")
                if not module.check_mode:
                    put = {
                        "Name": name,
                        "Type": SECURE,
                        "Value": pending,
                        "Overwrite": True,
                        # Kept as they are: an overwrite without them would change them.
                        "Description": (meta or {}).get("Description", ""),
                        "Tier": (meta or {}).get("Tier", "Standard"),
                    }
                    if key_id:
                        put["KeyId"] = key_id
                    call_with_secrets(ssm.put_parameter, secrets, **put)
                    last_modified = now()
                else:
                    last_modified = now()
                current = pending
            step = f"delete {pending_name}"
            delete_pending(module, ssm, pending_name, actions)
            pending = None
            changed = True
        elif state == "aborted" and pending is not None:
            step = f"delete {pending_name}"
            delete_pending(module, ssm, pending_name, actions)
            pending = None
            changed = True
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, ScrubbedError) as e:
        module.fail_json_aws(e, msg=f"Failed to {step} (origin secret rotation, state {state})", changed=changed)

    age = None
    if last_modified is not None:
        if last_modified.tzinfo is None:
            last_modified = last_modified.replace(tzinfo=datetime.timezone.utc)
        age = max(0, int((now() - last_modified).total_seconds()))
    module.exit_json(
        changed=changed,
        phase=phase_of(current, pending),
        pending_exists=pending is not None,
        current_exists=current is not None,
        current_last_modified=last_modified.isoformat() if last_modified is not None else None,
        current_age_seconds=age,
        kms_key_id=key_id,
        actions=actions,
    )


if __name__ == "__main__":
    main()
