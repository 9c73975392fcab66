# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keeping secret values out of module output: scrubbed API errors and SecureString reads.

Shared by the modules that must send a secret to AWS (kinde_oidc_rules, cloudfront_distributions).
"""

from __future__ import annotations

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

MASK = "********"


class ScrubbedError(Exception):
    """A botocore error whose message had secret values removed."""


def scrub(text, secrets):
    """``text`` with every non-empty secret replaced by the mask."""
    text = str(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def call_with_secrets(method, secrets, **params):
    """Call a write API whose parameters contain secrets; re-raise errors without their values.

    The original exception is dropped (``from None``) so that neither its message nor the request
    parameters can reach the traceback of the module result.
    """
    try:
        return method(aws_retry=True, **params)
    except botocore.exceptions.ClientError as e:
        error = dict(e.response.get("Error") or {})
        error["Message"] = scrub(error.get("Message", ""), secrets)
        response = {"Error": error, "ResponseMetadata": e.response.get("ResponseMetadata") or {}}
        raise botocore.exceptions.ClientError(response, e.operation_name) from None
    except (botocore.exceptions.BotoCoreError, ValueError, TypeError) as e:
        raise ScrubbedError(f"{type(e).__name__}: {scrub(e, secrets)}") from None


def read_secure_parameter(module, client, name, option):
    """Decrypted value of an SSM SecureString parameter, registered as a no_log value."""
    try:
        parameter = client.get_parameter(Name=name, WithDecryption=True, aws_retry=True)["Parameter"]
    except is_boto3_error_code("ParameterNotFound"):
        module.fail_json(msg=f"SSM parameter {name} ({option}) does not exist in {module.region}")
    value = parameter.get("Value") or ""
    if value:
        module.no_log_values.add(value)
    if parameter.get("Type") != "SecureString":
        module.fail_json(msg=f"SSM parameter {name} ({option}) must be a SecureString, not {parameter.get('Type')}")
    if not value:
        module.fail_json(msg=f"SSM parameter {name} ({option}) is empty")
    return value
