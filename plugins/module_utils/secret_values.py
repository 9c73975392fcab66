# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret values, once for every module: read them, parse them, fingerprint them, keep them out of output.

- ``protect``: register values as ``no_log`` so that Ansible masks them in every result and log line.
- ``read_secret_string``: the string of one Secrets Manager version (by stage or version id), protected.
- ``parse_credentials``: ``(username, password)`` from a ``{"username", "password"}`` JSON value.
- ``read_secure_parameter``: the decrypted value of an SSM SecureString, protected.
- ``fingerprint``: a keyed HMAC of a value, safe to store next to the resource (a tag).
- ``scrub`` / ``call_with_secrets``: API errors of a write that carried secrets, without their values.
"""

from __future__ import annotations

import hashlib
import hmac
import json

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

MASK = "********"
CURRENT_STAGE = "AWSCURRENT"
FINGERPRINT_LENGTH = 32


class CredentialsError(ValueError):
    """A credentials secret whose value is not ``{"username": ..., "password": ...}``."""


def protect(module, *values):
    """Register every non-empty string of ``values`` as a no_log value of ``module``."""
    for value in values:
        if isinstance(value, str) and value:
            module.no_log_values.add(value)


def read_secret_string(client, module, secret_id, stage=None, version_id=None):
    """The ``SecretString`` of one version (``stage``, or ``version_id``, or AWSCURRENT), protected.

    Returns None for a binary value. ``ResourceNotFoundException`` (no such secret, or no such version)
    propagates: each caller says what that means for it.
    """
    params = {"SecretId": secret_id}
    if version_id:
        params["VersionId"] = version_id
    else:
        params["VersionStage"] = stage or CURRENT_STAGE
    value = client.get_secret_value(aws_retry=True, **params).get("SecretString")
    protect(module, value)
    return value


def parse_credentials(secret_string, secret_name):
    """``(username, password)`` from a ``{"username", "password"}`` JSON secret value; CredentialsError
    naming the secret (never the value) otherwise."""
    what = f"Credentials secret {secret_name}"
    expected = 'a JSON object with non-empty string fields "username" and "password"'
    if secret_string is None:
        raise CredentialsError(f"{what}: the current version has no SecretString; expected {expected}")
    try:
        document = json.loads(secret_string)
    except ValueError:
        raise CredentialsError(f"{what}: the value is not valid JSON; expected {expected}") from None
    if not isinstance(document, dict):
        raise CredentialsError(f"{what}: the value is JSON but not an object; expected {expected}")
    missing = [key for key in ("username", "password") if not isinstance(document.get(key), str) or not document[key]]
    if missing:
        raise CredentialsError(f"{what}: {' and '.join(missing)} missing, empty or not a string; expected {expected}")
    return document["username"], document["password"]


def read_credentials(client, module, secret_id, version_id=None):
    """``(username, password)`` of a credentials secret (AWSCURRENT, or ``version_id``), both protected;
    fails the module naming the secret when the value is not a credentials document."""
    text = read_secret_string(client, module, secret_id, version_id=version_id)
    try:
        username, password = parse_credentials(text, secret_id)
    except CredentialsError as e:
        module.fail_json(msg=str(e))
    protect(module, password)
    return username, password


def fingerprint(key, value, length=FINGERPRINT_LENGTH):
    """HMAC-SHA256 of ``value`` keyed with ``key``, hex, truncated to ``length`` characters.

    Safe to store next to the resource (as a tag): without the key it cannot be used to test guesses
    of the value, unlike a plain hash.
    """
    if not key:
        raise ValueError("the fingerprint key must not be empty")
    if isinstance(key, str):
        key = key.encode("utf-8")
    if isinstance(value, str):
        value = value.encode("utf-8")
    return hmac.new(key, value, hashlib.sha256).hexdigest()[:length]


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


def read_secure_parameter(module, client, name, option, missing_ok=False):
    """Decrypted value of an SSM SecureString parameter, registered as a no_log value. With ``missing_ok`` a
    parameter that does not exist is None (the pending origin secret exists only during a rotation)."""
    try:
        parameter = client.get_parameter(Name=name, WithDecryption=True, aws_retry=True)["Parameter"]
    except is_boto3_error_code("ParameterNotFound"):
        if missing_ok:
            return None
        module.fail_json(msg=f"SSM parameter {name} ({option}) does not exist in {module.region}")
    value = parameter.get("Value") or ""
    protect(module, value)
    if parameter.get("Type") != "SecureString":
        module.fail_json(msg=f"SSM parameter {name} ({option}) must be a SecureString, not {parameter.get('Type')}")
    if not value:
        module.fail_json(msg=f"SSM parameter {name} ({option}) is empty")
    return value
