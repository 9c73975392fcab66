# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KMS key references: tell a key ARN from an id or alias, and resolve the others to the key ARN.

A resource reports its key in the form it was given (Secrets Manager, SSM, S3 keep an alias or an id as
sent), so whether it already uses the wanted key is only known once both sides are key ARNs.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.arn import validate_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code


def is_key_arn(ref):
    """True for a KMS key ARN (``arn:<partition>:kms:<region>:<account>:key/<id>``), not an alias ARN."""
    return bool(ref) and validate_aws_arn(ref, service="kms", resource_type="key")


class KmsKeyResolver:
    """Resolve KMS key references (id, key ARN, alias name, alias ARN) to the key ARN.

    DescribeKey is called at most once per distinct reference per run. ``resolve`` returns None
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

    def desired_arn(self, ref):
        """The key ARN of the key a module is told to use: a key ARN as given, without a call (the key ARN the
        kms_keys module returned a moment ago needs no lookup: a no-op then makes no KMS call); an id or an alias
        resolved with DescribeKey, None when it does not exist. A key ARN that names no key fails only when a
        write uses it (the service answers a KMS error then), which a run that writes nothing never does."""
        return ref if is_key_arn(ref) else self.resolve(ref)

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
