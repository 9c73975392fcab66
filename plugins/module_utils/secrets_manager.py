# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets Manager specifics: who owns a secret's value, its current version, the ARN of a name, and the
SecretString of a generated secret. The ARN-suffix naming rule itself is ``validation.arn_suffix_split``.

Reading a value is ``secret_values.read_secret_string``; nothing here reads or returns one.
"""

from __future__ import annotations

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.rocketclub.platform.plugins.module_utils.generated_values import generate_value
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import CURRENT_STAGE

# Tag recording who owns the value of a secret (platform = generated here, operator = set by a person).
VALUE_OWNER_TAG = "platform:value-owner"
VALUE_OWNERS = ("platform", "operator")


def describe_secret(client, secret_id):
    """DescribeSecret (metadata, never the value) of a name or ARN, or None when there is no such secret.
    A secret scheduled for deletion is returned, with ``DeletedDate``."""
    try:
        return client.describe_secret(SecretId=secret_id, aws_retry=True)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def current_version_id(secret):
    """VersionId of the AWSCURRENT version of a DescribeSecret response, or None (the secret has no value)."""
    for version_id, stages in ((secret or {}).get("VersionIdsToStages") or {}).items():
        if CURRENT_STAGE in stages:
            return version_id
    return None


def is_arn_of(arn, name):
    """Whether ``arn`` is the ARN of a secret whose name plus ARN suffix is ``name``: a secret's ARN is
    ``arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>``
    (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources)."""
    return bool(arn) and arn.endswith(f":secret:{name}")


def build_secret_string(length, json_key=None, fields=None, generator=generate_value):
    """The SecretString of a generated secret.

    Without ``json_key`` the value is the bare generated string. With ``json_key`` it is a JSON
    object made of the static ``fields`` plus ``{json_key: <generated>}``.

    Returns ``(secret_string, generated)``; the caller registers both as no_log values.
    """
    generated = generator(length)
    if not json_key:
        return generated, generated
    document = dict(fields or {})
    document[json_key] = generated
    return json.dumps(document, sort_keys=True), generated
