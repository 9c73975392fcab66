# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.origin_secret_rotation against moto."""

from __future__ import annotations

import boto3
import pytest

from ansible_collections.rocketclub.platform.plugins.modules import origin_secret_rotation

REGION = "eu-west-2"
CURRENT = "/test/shared/cf_alb_secret"
PENDING = "/test/shared/cf_alb_secret_pending"
CURRENT_VALUE = "currentOriginSecret0123456789abcdefABCDEF012345"


@pytest.fixture
def ssm(moto_aws, api_calls):
    client = boto3.client("ssm", region_name=REGION)
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    client.put_parameter(
        Name=CURRENT, Value=CURRENT_VALUE, Type="SecureString", KeyId=key, Description="Shared secret header value"
    )
    api_calls.clear()
    return {"client": client, "key": key}


def run(run_module, state, check_mode=False, **extra):
    args = {"parameter": CURRENT, "pending_parameter": PENDING, "state": state, **extra}
    return run_module(origin_secret_rotation.main, args, check_mode=check_mode)


def value(ssm, name):
    return ssm["client"].get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]


def test_full_rotation_idempotent_and_check_mode_exact(run_module, ssm, api_calls):
    status = run(run_module, "status")
    assert status.rc == 0 and status.result["phase"] == "idle" and status.result["changed"] is False
    assert status.result["current_age_seconds"] >= 0 and status.result["current_last_modified"]
    assert status.result["kms_key_id"] == ssm["key"]

    predicted = run(run_module, "started", check_mode=True)
    assert predicted.result["changed"] is True and predicted.result["phase"] == "pending"
    assert api_calls.writes() == []

    started = run(run_module, "started", tags={"platform:managed-by": "rocketclub.platform"})
    assert started.rc == 0, started.result
    assert (started.result["changed"], started.result["phase"], started.result["actions"]) == (
        True,
        "pending",
        ["created pending"],
    )
    pending_value = value(ssm, PENDING)
    assert pending_value not in started.out and CURRENT_VALUE not in started.out
    assert len(pending_value) == 48 and pending_value.isalnum() and pending_value.isascii()
    assert pending_value.lower() != CURRENT_VALUE.lower()
    (put,) = api_calls.named("PutParameter")
    assert put["KeyId"] == ssm["key"] and put["Type"] == "SecureString" and "Overwrite" not in put
    described = ssm["client"].describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [PENDING]}])
    assert described["Parameters"][0]["KeyId"] == ssm["key"]

    api_calls.clear()
    again = run(run_module, "started")
    assert (again.result["changed"], again.result["phase"]) == (False, "pending")
    assert api_calls.writes() == [] and value(ssm, PENDING) == pending_value

    predicted = run(run_module, "promoted", check_mode=True)
    assert (predicted.result["changed"], predicted.result["phase"]) == (True, "idle")
    assert predicted.result["actions"] == ["promoted", "deleted pending"]
    assert api_calls.writes() == []

    promoted = run(run_module, "promoted")
    assert promoted.rc == 0, promoted.result
    assert (promoted.result["changed"], promoted.result["phase"], promoted.result["pending_exists"]) == (
        True,
        "idle",
        False,
    )
    assert pending_value not in promoted.out
    assert value(ssm, CURRENT) == pending_value
    overwrite = api_calls.named("PutParameter")[0]
    assert overwrite["Overwrite"] is True and overwrite["KeyId"] == ssm["key"]
    assert overwrite["Description"] == "Shared secret header value"
    assert api_calls.writes() == ["PutParameter", "DeleteParameter"]

    api_calls.clear()
    for state in ("promoted", "aborted", "status"):
        again = run(run_module, state)
        assert (again.result["changed"], again.result["phase"]) == (False, "idle")
    assert api_calls.writes() == []


def test_promotion_interrupted_after_the_copy_is_finished(run_module, ssm, api_calls):
    run(run_module, "started")
    ssm["client"].put_parameter(Name=CURRENT, Value=value(ssm, PENDING), Type="SecureString", Overwrite=True)
    status = run(run_module, "status")
    assert status.result["phase"] == "promoted_not_cleaned"
    api_calls.clear()
    done = run(run_module, "promoted")
    assert (done.result["changed"], done.result["phase"], done.result["actions"]) == (True, "idle", ["deleted pending"])
    assert api_calls.writes() == ["DeleteParameter"]


def test_abort_deletes_pending_and_keeps_current(run_module, ssm, api_calls):
    run(run_module, "started")
    aborted = run(run_module, "aborted")
    assert (aborted.result["changed"], aborted.result["phase"]) == (True, "idle")
    assert value(ssm, CURRENT) == CURRENT_VALUE
    assert (
        ssm["client"].describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [PENDING]}])["Parameters"] == []
    )


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"length": 31}, "length must be between 32 and 128, got 31"),
        ({"length": 129}, "length must be between 32 and 128"),
        ({"pending_parameter": CURRENT}, "parameter and pending_parameter must differ"),
        ({"pending_parameter": "cf_alb_secret_pending"}, "pending_parameter must be a full SSM parameter name"),
    ],
)
def test_bad_input_fails_before_any_call(run_module, ssm, api_calls, extra, message):
    result = run(run_module, "started", **extra)
    assert result.rc == 1 and message in result.result["msg"]
    assert api_calls.operations() == []


def test_missing_current_parameter(run_module, ssm, api_calls):
    ssm["client"].delete_parameter(Name=CURRENT)
    api_calls.clear()
    status = run(run_module, "status")
    assert status.rc == 0 and status.result["current_exists"] is False and status.result["phase"] == "idle"
    started = run(run_module, "started")
    assert started.rc == 1 and f"{CURRENT} (parameter) does not exist" in started.result["msg"]
    assert api_calls.writes() == []


def test_documentation_matches_argument_spec(doc_problems):
    assert doc_problems(origin_secret_rotation) == []
