# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import secrets_manager as sm


@pytest.mark.parametrize(
    "json_key, fields, expected",
    [
        (None, None, "G" * 20),
        (None, {"ignored": "x"}, "G" * 20),
        ("password", None, {"password": "G" * 20}),
        (
            "password",
            {"username": "backstage", "port": 5432},
            {"password": "G" * 20, "username": "backstage", "port": 5432},
        ),
    ],
)
def test_build_secret_string(json_key, fields, expected):
    secret_string, generated = sm.build_secret_string(20, json_key, fields, generator=lambda n: "G" * n)
    assert generated == "G" * 20
    if isinstance(expected, dict):
        assert json.loads(secret_string) == expected
    else:
        assert secret_string == expected


def test_build_secret_string_does_not_mutate_fields():
    fields = {"username": "u"}
    sm.build_secret_string(16, "password", fields)
    assert fields == {"username": "u"}


def test_is_arn_of():
    arn = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:prod/kinde/client-secret-2pS4d3"
    assert sm.is_arn_of(arn, "prod/kinde/client-secret-2pS4d3")
    assert not sm.is_arn_of(arn, "prod/kinde/client-secret-2pS4d4")
    assert not sm.is_arn_of(arn, "kinde/client-secret-2pS4d3")
    assert not sm.is_arn_of(None, "prod/kinde/client-secret-2pS4d3")


@pytest.mark.parametrize(
    "secret, expected",
    [
        ({"VersionIdsToStages": {"v1": ["AWSPREVIOUS"], "v2": ["AWSCURRENT", "AWSPENDING"]}}, "v2"),
        ({"VersionIdsToStages": {"v1": ["AWSPENDING"]}}, None),
        ({}, None),
        (None, None),
    ],
)
def test_current_version_id(secret, expected):
    assert sm.current_version_id(secret) == expected


class FakeSecrets:
    def __init__(self, error_code=None):
        self.error_code = error_code

    def describe_secret(self, SecretId, aws_retry=False):
        import botocore.exceptions

        if self.error_code:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": self.error_code, "Message": "x"}}, "DescribeSecret"
            )
        return {"Name": SecretId, "ARN": f"arn:aws:secretsmanager:eu-west-2:123456789012:secret:{SecretId}-AbC123"}


def test_describe_secret_none_only_for_a_missing_secret():
    import botocore.exceptions

    assert sm.describe_secret(FakeSecrets(), "prod/db/admin")["Name"] == "prod/db/admin"
    assert sm.describe_secret(FakeSecrets("ResourceNotFoundException"), "prod/db/admin") is None
    with pytest.raises(botocore.exceptions.ClientError):
        sm.describe_secret(FakeSecrets("AccessDeniedException"), "prod/db/admin")
