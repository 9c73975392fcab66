# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kinde_client_secret
version_added: 0.1.0
short_description: Store a rotated Kinde client secret in Secrets Manager after Kinde accepted it, or roll it back
description:
  - Steps one and two of the Kinde client secret rotation runbook. Kinde has no API that rotates a client
    secret (it is a dashboard action); an operator rotates it in Kinde and gives the new value to this module.
  - With O(state=present) the module first asks Kinde's token endpoint for a C(client_credentials) token with
    O(client_id) and O(new_secret) (C(client_secret_post)). An C(invalid_client) answer means Kinde does not
    know the secret and the module fails before any AWS call. Any other OAuth answer (a token, or an error
    such as C(unauthorized_client) that Kinde gives after authenticating the client) proves Kinde knows it.
    An unreachable endpoint, a TLS error or an answer that is no OAuth answer (a 5xx) fails the module too.
    This check also runs in check mode; a token request changes nothing.
  - It then compares O(new_secret) with the C(AWSCURRENT) value of O(secret_name) and, when they differ,
    writes it as a new version (C(PutSecretValue)). Secrets Manager moves C(AWSCURRENT) to the new version and
    keeps the replaced one as C(AWSPREVIOUS). When they are equal nothing is written.
  - With O(state=rollback) the module moves C(AWSCURRENT) back to the C(AWSPREVIOUS) version (the replaced one
    becomes C(AWSPREVIOUS)), so the old secret is current again. No Kinde request is made.
  - No secret value ever appears in results, diffs or error messages; the value read back for the comparison
    is registered as a C(no_log) value.
author:
  - rocketclub platform team (@rocketclub)
options:
  secret_name:
    description:
      - Name or ARN of the Secrets Manager secret holding the Kinde client secret as a plain string. It must exist
        (the platform's secrets role creates it).
    type: str
    required: true
  new_secret:
    description:
      - The new client secret, as shown in the Kinde dashboard after rotating it.
      - Required with O(state=present). It must not be empty nor start or end with white space.
    type: str
  kinde_domain:
    description:
      - The Kinde domain, such as V(acme.kinde.com), a custom domain, or C(host:port) such as V(127.0.0.1:4568)
        for a local emulator. The token endpoint is C(https://<domain>/oauth2/token).
      - Required with O(state=present).
    type: str
  client_id:
    description:
      - Client ID of the Kinde application whose secret was rotated.
      - Required with O(state=present).
    type: str
  ca_path:
    description:
      - CA bundle (PEM file) used to verify the TLS certificate of Kinde's token endpoint, for a private CA such as
        the one of a local emulator. Does not apply to the AWS API, see O(aws_ca_bundle).
    type: path
  state:
    description:
      - V(present) checks O(new_secret) against Kinde, then makes it the current version.
      - V(rollback) makes the C(AWSPREVIOUS) version current again. A secret without an C(AWSPREVIOUS) version
        fails the module.
    type: str
    choices: ['present', 'rollback']
    default: present
  from_version_id:
    description:
      - With O(state=rollback), roll back only while C(AWSCURRENT) is this version (the one a rotation wrote,
        RV(current_version_id) of the O(state=present) run). When another version is current, for example because
        the rollback already happened, nothing changes. This makes a repeated rollback safe.
      - Without it, O(state=rollback) always swaps C(AWSCURRENT) and C(AWSPREVIOUS).
    type: str
notes:
  - Required IAM actions are C(secretsmanager:DescribeSecret), C(GetSecretValue) and C(PutSecretValue) for
    O(state=present), C(secretsmanager:DescribeSecret) and C(UpdateSecretVersionStage) for O(state=rollback),
    with C(kms:Decrypt) and C(kms:GenerateDataKey) on the secret's KMS key.
  - O(validate_certs) applies to the AWS API and to the Kinde request, O(ca_path) only to the Kinde request.
  - Supports check mode (the Kinde check runs, the write is predicted) and diff mode (version ids only).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Check the rotated secret against Kinde, then store it
  rocketclub.platform.kinde_client_secret:
    secret_name: prod/kinde/client-secret
    new_secret: "{{ kinde_new_client_secret }}"
    kinde_domain: acme.kinde.com
    client_id: 0123456789abcdef0123456789abcdef
  register: kinde_secret
  no_log: true

- name: Make the previous secret current again (only if the rotation above is still current)
  rocketclub.platform.kinde_client_secret:
    secret_name: prod/kinde/client-secret
    state: rollback
    from_version_id: "{{ kinde_secret.current_version_id }}"
  when: kinde_secret is changed
"""

RETURN = r"""
secret_arn:
  description: ARN of the secret.
  returned: always
  type: str
  sample: arn:aws:secretsmanager:eu-west-2:123456789012:secret:prod/kinde/client-secret-2pS4d3
current_version_id:
  description:
    - Version id carrying C(AWSCURRENT) after the run.
    - V(null) in check mode when a new version would be written (its id is only known once written).
  returned: always
  type: str
  sample: 2e1b6c9a-6f0e-4c5f-9a37-7f0b1d7c2a11
previous_version_id:
  description: Version id carrying C(AWSPREVIOUS) after the run, V(null) when there is none.
  returned: always
  type: str
  sample: 9c0d3f4e-1a2b-4c5d-8e7f-0a1b2c3d4e5f
verified:
  description: Whether Kinde's token endpoint accepted O(new_secret) (always V(false) with O(state=rollback)).
  returned: always
  type: bool
  sample: true
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.kinde import KindeError
from ansible_collections.rocketclub.platform.plugins.module_utils.kinde import KindeSecretRejected
from ansible_collections.rocketclub.platform.plugins.module_utils.kinde import check_client_secret
from ansible_collections.rocketclub.platform.plugins.module_utils.kinde import normalize_domain
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import CURRENT_STAGE as CURRENT
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import ScrubbedError
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import call_with_secrets
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import read_secret_string
from ansible_collections.rocketclub.platform.plugins.module_utils.secrets_manager import describe_secret

PREVIOUS = "AWSPREVIOUS"


def stage_holders(version_ids_to_stages):
    """``{"current": id, "previous": id}`` (None where no version has the stage) from DescribeSecret's map."""
    holders = {"current": None, "previous": None}
    for version_id, stages in (version_ids_to_stages or {}).items():
        if CURRENT in stages:
            holders["current"] = version_id
        if PREVIOUS in stages:
            holders["previous"] = version_id
    return holders


def describe_versions(module, client, name):
    secret = describe_secret(client, name)
    if secret is None:
        module.fail_json(
            msg=f"Secrets Manager secret {name} does not exist in {module.region}; converge the platform first "
            "(site.yml creates it). Nothing was changed"
        )
    return dict(stage_holders(secret.get("VersionIdsToStages")), arn=secret["ARN"])


def ensure_stored(module, client, state, new_secret):
    if state["current"] is not None and read_secret_string(client, module, state["arn"]) == new_secret:
        return False, state
    after = dict(state, current=None, previous=state["current"] or state["previous"])
    if not module.check_mode:
        written = call_with_secrets(
            client.put_secret_value, [new_secret], SecretId=state["arn"], SecretString=new_secret
        )
        after["current"] = written["VersionId"]
    return True, after


def ensure_rolled_back(module, client, state, from_version_id):
    if from_version_id and state["current"] != from_version_id:
        return False, state
    if state["current"] is None or state["previous"] is None:
        missing = CURRENT if state["current"] is None else PREVIOUS
        module.fail_json(
            msg=f"Secrets Manager secret {module.params['secret_name']} has no {missing} version, so there is no "
            "previous secret to roll back to. Nothing was changed"
        )
    after = dict(state, current=state["previous"], previous=state["current"])
    if not module.check_mode:
        client.update_secret_version_stage(
            SecretId=state["arn"],
            VersionStage=CURRENT,
            MoveToVersionId=state["previous"],
            RemoveFromVersionId=state["current"],
            aws_retry=True,
        )
    return True, after


def check_with_kinde(module):
    """Validate the present options (no API call yet), then ask Kinde. Returns True or fails."""
    params = module.params
    errors = []
    if not params["new_secret"] or not params["new_secret"].strip():
        errors.append("new_secret must not be empty (give the client secret shown in the Kinde dashboard)")
    elif params["new_secret"] != params["new_secret"].strip():
        errors.append("new_secret starts or ends with white space (a newline read from a file?); give the bare secret")
    if not (params["client_id"] or "").strip():
        errors.append("client_id must not be empty")
    try:
        domain = normalize_domain(params["kinde_domain"])
    except KindeError as e:
        errors.append(str(e))
    if errors:
        module.fail_json(msg="Invalid input (nothing was changed): " + "; ".join(errors), errors=errors)
    try:
        check_client_secret(
            domain,
            params["client_id"],
            params["new_secret"],
            validate_certs=params["validate_certs"],
            ca_path=params["ca_path"],
        )
    except KindeSecretRejected as e:
        module.fail_json(msg=f"{e}; nothing was changed")
    except KindeError as e:
        module.fail_json(msg=f"{e}: the new client secret could not be checked; nothing was changed")
    return True


def versions_view(state):
    return {"current_version_id": state["current"], "previous_version_id": state["previous"]}


def main():
    argument_spec = dict(
        secret_name=dict(type="str", required=True, no_log=False),
        new_secret=dict(type="str", no_log=True),
        kinde_domain=dict(type="str"),
        client_id=dict(type="str"),
        ca_path=dict(type="path"),
        state=dict(type="str", choices=["present", "rollback"], default="present"),
        from_version_id=dict(type="str"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["new_secret", "kinde_domain", "client_id"])],
        supports_check_mode=True,
    )
    params = module.params
    present = params["state"] == "present"
    verified = check_with_kinde(module) if present else False

    client = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    step = "read"
    try:
        before = describe_versions(module, client, params["secret_name"])
        if present:
            step = "store the new client secret in"
            changed, after = ensure_stored(module, client, before, params["new_secret"])
        else:
            step = "roll back"
            changed, after = ensure_rolled_back(module, client, before, params["from_version_id"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, ScrubbedError) as e:
        module.fail_json_aws(e, msg=f"Failed to {step} Secrets Manager secret {params['secret_name']}")

    module.exit_json(
        changed=changed,
        secret_arn=after["arn"],
        verified=verified,
        diff={"before": versions_view(before), "after": versions_view(after)},
        **versions_view(after),
    )


if __name__ == "__main__":
    main()
