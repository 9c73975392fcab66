# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import managed_secrets as ms


class TestGenerateValue:
    @pytest.mark.parametrize("length", [16, 40, 48, 4096])
    def test_length_and_alphabet(self, length):
        value = ms.generate_value(length)
        assert len(value) == length
        assert set(value) <= set(ms.GENERATED_ALPHABET)

    def test_values_differ(self):
        assert len({ms.generate_value(40) for dummy in range(20)}) == 20

    @pytest.mark.parametrize("length", [0, 15, 4097, -1])
    def test_bad_length(self, length):
        with pytest.raises(ValueError):
            ms.generate_value(length)

    @pytest.mark.parametrize(
        "length, expected",
        [(16, None), (4096, None), (15, "length must be between 16 and 4096"), (None, "length must be between 16 and 4096")],
    )
    def test_validate_length(self, length, expected):
        assert ms.validate_length(length) == expected


@pytest.mark.parametrize(
    "json_key, fields, expected",
    [
        (None, None, "G" * 20),
        (None, {"ignored": "x"}, "G" * 20),
        ("password", None, {"password": "G" * 20}),
        ("password", {"username": "backstage", "port": 5432}, {"password": "G" * 20, "username": "backstage", "port": 5432}),
    ],
)
def test_build_secret_string(json_key, fields, expected):
    secret_string, generated = ms.build_secret_string(20, json_key, fields, generator=lambda n: "G" * n)
    assert generated == "G" * 20
    if isinstance(expected, dict):
        assert json.loads(secret_string) == expected
    else:
        assert secret_string == expected


def test_build_secret_string_does_not_mutate_fields():
    fields = {"username": "u"}
    ms.build_secret_string(16, "password", fields)
    assert fields == {"username": "u"}


@pytest.mark.parametrize(
    "has_value, generated, expected",
    [(False, False, "<empty>"), (True, False, "<set>"), (True, True, "<generated>"), (False, True, "<generated>")],
)
def test_value_marker(has_value, generated, expected):
    assert ms.value_marker(has_value, generated) == expected


def test_merge_tags_later_wins_and_stringifies():
    assert ms.merge_tags({"a": 1, "b": "x"}, {"b": "y", "c": True}, None) == {"a": "1", "b": "y", "c": "True"}


@pytest.mark.parametrize(
    "current, desired, purge, to_set, to_unset, resulting",
    [
        ({}, {}, True, {}, [], {}),
        ({"a": "1"}, {"a": "1"}, True, {}, [], {"a": "1"}),
        ({"a": "1"}, {"a": 1}, True, {}, [], {"a": "1"}),
        ({"a": "1"}, {"a": "2"}, True, {"a": "2"}, [], {"a": "2"}),
        ({"a": "1", "b": "2"}, {"a": "1"}, True, {}, ["b"], {"a": "1"}),
        ({"a": "1", "b": "2"}, {"a": "1"}, False, {}, [], {"a": "1", "b": "2"}),
        ({"aws:cloudformation:stack-name": "s", "z": "1"}, {}, True, {}, ["z"], {"aws:cloudformation:stack-name": "s"}),
        ({"b": "1", "a": "1"}, {"c": "3"}, True, {"c": "3"}, ["a", "b"], {"c": "3"}),
    ],
)
def test_plan_tags(current, desired, purge, to_set, to_unset, resulting):
    assert ms.plan_tags(current, desired, purge) == (to_set, to_unset, resulting)


@pytest.mark.parametrize(
    "items, size, expected",
    [([], 10, []), (list(range(3)), 10, [[0, 1, 2]]), (list(range(11)), 10, [list(range(10)), [10]]), (range(4), 2, [[0, 1], [2, 3]])],
)
def test_chunks(items, size, expected):
    assert ms.chunks(items, size) == expected


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
    assert ms.is_key_arn(ref) is expected


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
            raise botocore.exceptions.ClientError({"Error": {"Code": "NotFoundException", "Message": "nope"}}, "DescribeKey")
        return {"KeyMetadata": {"Arn": self.mapping[KeyId]}}


class TestKmsKeyResolver:
    mapping = {"alias/one": KEY_ARN, "k1": KEY_ARN, KEY_ARN: KEY_ARN, "alias/two": OTHER_ARN}

    def test_resolve_caches(self):
        fake = FakeKms(self.mapping)
        resolver = ms.KmsKeyResolver(fake)
        assert resolver.resolve("alias/one") == KEY_ARN
        assert resolver.resolve("alias/one") == KEY_ARN
        assert fake.calls == ["alias/one"]

    def test_missing_key_resolves_to_none(self):
        resolver = ms.KmsKeyResolver(FakeKms({}))
        assert resolver.resolve("alias/gone") is None
        assert resolver.resolve(None) is None

    def test_other_errors_propagate(self):
        import botocore.exceptions

        class Denied:
            def describe_key(self, KeyId, aws_retry=False):
                raise botocore.exceptions.ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeKey")

        with pytest.raises(botocore.exceptions.ClientError):
            ms.KmsKeyResolver(Denied()).resolve("alias/x")

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
        assert ms.KmsKeyResolver(fake).same_key(current, KEY_ARN) is expected
        assert fake.calls == lookups


@pytest.mark.parametrize(
    "name, split",
    [
        ("prod/kinde/client-secret-2pS4d3", ("prod/kinde/client-secret", "2pS4d3")),
        ("prod/backstage/session-secret", ("prod/backstage/session", "secret")),
        ("prod/db/admin", None),
        ("prod/app/key-12345", None),
        ("prod/app/key-1234567", None),
    ],
)
def test_arn_suffix_split(name, split):
    from ansible_collections.rocketclub.platform.plugins.module_utils.managed_secrets import arn_suffix_split

    assert arn_suffix_split(name) == split


def test_is_arn_of():
    from ansible_collections.rocketclub.platform.plugins.module_utils.managed_secrets import is_arn_of

    arn = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:prod/kinde/client-secret-2pS4d3"
    assert is_arn_of(arn, "prod/kinde/client-secret-2pS4d3")
    assert not is_arn_of(arn, "prod/kinde/client-secret-2pS4d4")
    assert not is_arn_of(arn, "kinde/client-secret-2pS4d3")
    assert not is_arn_of(None, "prod/kinde/client-secret-2pS4d3")
