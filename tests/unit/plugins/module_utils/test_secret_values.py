# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret values stay out of API errors and messages (module_utils/secret_values.py)."""

from __future__ import annotations

import json
import traceback

import botocore.exceptions
import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import secret_values as sv

SECRET = "origin-secret-0123456789abcdef"


def test_scrub_masks_every_secret_and_ignores_empty_ones():
    assert sv.scrub(f"a {SECRET} b {SECRET}", [None, "", SECRET]) == f"a {sv.MASK} b {sv.MASK}"


def test_call_with_secrets_scrubs_client_errors():
    def fails(**params):
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "InvalidArgument", "Message": f"bad value {SECRET}"}}, "UpdateDistribution"
        )

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        sv.call_with_secrets(fails, [SECRET, None], Id="E1")
    assert (
        str(raised.value)
        == f"An error occurred (InvalidArgument) when calling the UpdateDistribution operation: bad value {sv.MASK}"
    )
    assert raised.value.__suppress_context__ and raised.value.response["Error"]["Code"] == "InvalidArgument"


def test_call_with_secrets_scrubs_parameter_errors():
    def fails(**params):
        raise botocore.exceptions.ParamValidationError(
            report=f"Invalid type for parameter HeaderValue, value: {SECRET}"
        )

    with pytest.raises(sv.ScrubbedError) as raised:
        sv.call_with_secrets(fails, [SECRET])
    assert SECRET not in str(raised.value) and sv.MASK in str(raised.value)
    assert raised.value.__suppress_context__


def test_call_with_secrets_passes_retry_and_result():
    calls = []

    def ok(**params):
        calls.append(params)
        return {"ETag": "E"}

    assert sv.call_with_secrets(ok, [SECRET], Id="E1") == {"ETag": "E"}
    assert calls == [{"aws_retry": True, "Id": "E1"}]


PASSWORD = "p@ss:w/rd?#&="


@pytest.mark.parametrize(
    "value, problem",
    [
        (None, "no SecretString"),
        ("not json " + PASSWORD, "not valid JSON"),
        (json.dumps([PASSWORD]), "not an object"),
        (json.dumps({"username": "u"}), "password missing"),
        (json.dumps({"password": PASSWORD}), "username missing"),
        (json.dumps({"username": "", "password": 5}), "username and password missing"),
    ],
)
def test_parse_credentials_errors_name_the_secret_not_the_value(value, problem):
    with pytest.raises(sv.CredentialsError) as exc:
        sv.parse_credentials(value, "local/backstage/db")
    message = str(exc.value)
    assert problem in message and "local/backstage/db" in message
    assert PASSWORD not in message and "p@ss" not in message
    assert PASSWORD not in "".join(traceback.format_exception(exc.value))


def test_parse_credentials():
    assert sv.parse_credentials(json.dumps({"username": "u", "password": PASSWORD, "extra": 1}), "s") == ("u", PASSWORD)
