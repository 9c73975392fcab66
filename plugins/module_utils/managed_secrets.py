# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared helpers for the secretsmanager_secrets and ssm_parameters modules.

Values are generated here with the ``secrets`` module and handed straight to the AWS call that
stores them.  Nothing in this file returns, logs or formats a secret value for output: results
and diffs only ever carry one of the VALUE_* markers.
"""

from __future__ import annotations

import json
import re
import secrets
import string

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# Tag recording who owns the value of a secret (platform = generated here, operator = set by a person).
VALUE_OWNER_TAG = "platform:value-owner"
VALUE_OWNERS = ("platform", "operator")

# Markers standing in for a value in results and diffs.
VALUE_GENERATED = "<generated>"
VALUE_SET = "<set>"
VALUE_EMPTY = "<empty>"

# Letters and digits only: safe in URLs, connection strings, shell and HTTP headers without quoting.
GENERATED_ALPHABET = string.ascii_letters + string.digits
MIN_GENERATED_LENGTH = 16
MAX_GENERATED_LENGTH = 4096


# `...:secret:<name>-<6 random characters>`: the tail AWS appends to a secret's name in its ARN
# (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources).
_ARN_SUFFIX_TAIL = re.compile(r"^(?P<base>.+)-(?P<suffix>[A-Za-z0-9]{6})$")


def arn_suffix_split(name):
    """``(base, suffix)`` when ``name`` ends in a hyphen and six letters or digits, the shape of the
    tail AWS appends to a secret name in its ARN; else None. A pure string test: whether the tail
    really is an ARN's is decided by comparing with the ARN of the secret named ``base``."""
    match = _ARN_SUFFIX_TAIL.match(name or "")
    return (match.group("base"), match.group("suffix")) if match else None


def is_arn_of(arn, name):
    """Whether ``arn`` is the ARN of a secret whose name plus ARN suffix is ``name``."""
    return bool(arn) and arn.endswith(f":secret:{name}")


def generate_value(length):
    """Return a random string of ``length`` characters from GENERATED_ALPHABET (CSPRNG)."""
    if not MIN_GENERATED_LENGTH <= length <= MAX_GENERATED_LENGTH:
        raise ValueError(f"generated value length must be between {MIN_GENERATED_LENGTH} and {MAX_GENERATED_LENGTH}, got {length}")
    return "".join(secrets.choice(GENERATED_ALPHABET) for dummy in range(length))


def validate_length(length):
    """Return an error message (without any value) for an invalid ``length``, or None."""
    if length is None or not MIN_GENERATED_LENGTH <= length <= MAX_GENERATED_LENGTH:
        return f"length must be between {MIN_GENERATED_LENGTH} and {MAX_GENERATED_LENGTH}"
    return None


def build_secret_string(length, json_key=None, fields=None, generator=generate_value):
    """Build the SecretString for a generated secret.

    Without ``json_key`` the value is the bare generated string.  With ``json_key`` it is a JSON
    object made of the static ``fields`` plus ``{json_key: <generated>}``.

    Returns ``(secret_string, generated)``; the caller registers both as no_log values.
    """
    generated = generator(length)
    if not json_key:
        return generated, generated
    document = dict(fields or {})
    document[json_key] = generated
    return json.dumps(document, sort_keys=True), generated


def value_marker(has_value, generated=False):
    """Marker describing a value without revealing it."""
    if generated:
        return VALUE_GENERATED
    return VALUE_SET if has_value else VALUE_EMPTY


def normalize_tags(tags):
    """Tags as a ``{str: str}`` dict (AWS stores tag values as strings)."""
    return {to_text(k): to_text(v) for k, v in (tags or {}).items()}


def merge_tags(*tag_dicts):
    """Merge tag dicts left to right (later wins) into a normalised dict."""
    merged = {}
    for tags in tag_dicts:
        merged.update(normalize_tags(tags))
    return merged


def plan_tags(current, desired, purge):
    """Compare tags.

    Returns ``(to_set, to_unset, resulting_tags)`` where ``to_set`` is a dict, ``to_unset`` a sorted
    list of keys, and ``resulting_tags`` the tags after the change.  ``aws:`` tags are never purged.
    """
    current = normalize_tags(current)
    desired = normalize_tags(desired)
    to_set, to_unset = compare_aws_tags(current, desired, purge)
    resulting = {k: v for k, v in current.items() if k not in to_unset}
    resulting.update(to_set)
    return to_set, sorted(to_unset), resulting


def chunks(items, size):
    """Split ``items`` into lists of at most ``size`` elements."""
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


def is_key_arn(ref):
    """True for a KMS key ARN (``arn:<partition>:kms:<region>:<account>:key/<id>``)."""
    if not ref or not ref.startswith("arn:"):
        return False
    parts = ref.split(":", 5)
    return len(parts) == 6 and parts[2] == "kms" and parts[5].startswith("key/")


class KmsKeyResolver:
    """Resolve KMS key references (id, key ARN, alias name, alias ARN) to the key ARN.

    DescribeKey is called at most once per distinct reference per run.  ``resolve`` returns None
    when the key or alias does not exist (``NotFoundException``); other errors propagate.
    """

    def __init__(self, client):
        self._client = client
        self._cache = {}

    def resolve(self, ref):
        if not ref:
            return None
        if ref not in self._cache:
            try:
                metadata = self._client.describe_key(KeyId=ref, aws_retry=True)["KeyMetadata"]
                self._cache[ref] = metadata["Arn"]
            except is_boto3_error_code("NotFoundException"):
                self._cache[ref] = None
        return self._cache[ref]

    def same_key(self, current_ref, desired_arn):
        """True when ``current_ref`` designates the key whose ARN is ``desired_arn``.

        A key ARN is compared directly; anything else (id, alias) is resolved first.
        """
        if not current_ref:
            return False
        if current_ref == desired_arn:
            return True
        if is_key_arn(current_ref):
            return False
        return self.resolve(current_ref) == desired_arn
