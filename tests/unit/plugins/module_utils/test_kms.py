# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import kms


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", True),
        ("arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234", True),
        ("arn:aws:kms:eu-west-1:123456789012:alias/foo", False),
        ("alias/foo", False),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", False),
        ("", False),
        (None, False),
    ],
)
def test_is_key_arn(ref, expected):
    assert kms.is_key_arn(ref) is expected


KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/k1"
OTHER_ARN = "arn:aws:kms:eu-west-1:123456789012:key/k2"


class FakeKms:
    def __init__(self, mapping):
        self.mapping = mapping
        self.calls = []

    def describe_key(self, KeyId, aws_retry=False):
        import botocore.exceptions

        self.calls.append(KeyId)
        if KeyId not in self.mapping:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "NotFoundException", "Message": "nope"}}, "DescribeKey"
            )
        return {"KeyMetadata": {"Arn": self.mapping[KeyId]}}


class TestKmsKeyResolver:
    mapping = {"alias/one": KEY_ARN, "k1": KEY_ARN, KEY_ARN: KEY_ARN, "alias/two": OTHER_ARN}

    def test_resolve_caches(self):
        fake = FakeKms(self.mapping)
        resolver = kms.KmsKeyResolver(fake)
        assert resolver.resolve("alias/one") == KEY_ARN
        assert resolver.resolve("alias/one") == KEY_ARN
        assert fake.calls == ["alias/one"]

    def test_desired_key_arn_needs_no_call(self):
        fake = FakeKms(self.mapping)
        resolver = kms.KmsKeyResolver(fake)
        assert resolver.desired_arn(KEY_ARN) == KEY_ARN
        assert fake.calls == []
        assert resolver.desired_arn("alias/two") == OTHER_ARN
        assert resolver.desired_arn("alias/gone") is None
        assert fake.calls == ["alias/two", "alias/gone"]

    def test_missing_key_resolves_to_none(self):
        resolver = kms.KmsKeyResolver(FakeKms({}))
        assert resolver.resolve("alias/gone") is None
        assert resolver.resolve(None) is None

    def test_other_errors_propagate(self):
        import botocore.exceptions

        class Denied:
            def describe_key(self, KeyId, aws_retry=False):
                raise botocore.exceptions.ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeKey"
                )

        with pytest.raises(botocore.exceptions.ClientError):
            kms.KmsKeyResolver(Denied()).resolve("alias/x")

    @pytest.mark.parametrize(
        "current, expected, lookups",
        [
            (None, False, []),
            (KEY_ARN, True, []),
            (OTHER_ARN, False, []),
            ("alias/one", True, ["alias/one"]),
            ("k1", True, ["k1"]),
            ("alias/two", False, ["alias/two"]),
            ("alias/gone", False, ["alias/gone"]),
        ],
    )
    def test_same_key(self, current, expected, lookups):
        fake = FakeKms(self.mapping)
        assert kms.KmsKeyResolver(fake).same_key(current, KEY_ARN) is expected
        assert fake.calls == lookups
