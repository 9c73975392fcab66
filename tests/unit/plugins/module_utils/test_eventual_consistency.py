# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Retries of AWS eventual-consistency errors right after a create."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from ansible_collections.rocketclub.platform.plugins.module_utils import eventual_consistency as ec


class Failed(Exception):
    """What ``fail_json_aws`` does: end the run."""


class FakeModule:
    def __init__(self):
        self.failure = None

    def fail_json_aws(self, exception, msg=None):
        self.failure = {"exception": exception, "msg": msg}
        raise Failed(msg)


class Clock:
    """A fake monotonic clock that ``sleep`` advances."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def client_error(code, message, operation="CreateService"):
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}, operation
    )


class Api:
    """A client method that fails with ``errors`` in turn, then answers ``result``."""

    def __init__(self, errors, result="created"):
        self.errors = list(errors)
        self.result = result
        self.calls = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        if self.errors:
            raise self.errors.pop(0)
        return self.result


def wrapped(policy, api, module=None, clock=None):
    clock = clock or Clock()
    return ec.retry_propagation(
        module or FakeModule(), policy, "service web of ECS cluster c1", sleep=clock.sleep, clock=clock
    )(api)


@pytest.mark.parametrize(
    "policy, error",
    [
        (ec.CREATE_SERVICE, client_error("ClusterNotFoundException", "Cluster not found.")),
        (ec.REGISTER_SCALABLE_TARGET, client_error("ValidationException", "ECS service doesn't exist: service/c1/web")),
        (
            ec.PUT_SCALING_POLICY,
            client_error(
                "ObjectNotFoundException",
                "No scalable target registered for service namespace: ecs, resource ID: service/c1/web, "
                "scalable dimension: ecs:service:DesiredCount",
            ),
        ),
    ],
)
def test_retries_the_propagation_error_then_succeeds(policy, error):
    clock = Clock()
    api = Api([error, error])
    assert wrapped(policy, api, clock=clock)(cluster="c1", aws_retry=True) == "created"
    assert len(api.calls) == 3
    assert api.calls[0] == {"cluster": "c1", "aws_retry": True}  # arguments passed through unchanged
    assert len(clock.sleeps) == 2
    # jittered exponential backoff: first sleep in [1, 2), second in [2, 4)
    assert ec.DELAY / 2 <= clock.sleeps[0] < ec.DELAY
    assert ec.DELAY <= clock.sleeps[1] < 2 * ec.DELAY


def test_gives_up_after_the_budget_with_a_message_naming_operation_resource_and_consistency():
    clock = Clock()
    module = FakeModule()
    error = client_error("ClusterNotFoundException", "Cluster not found.")
    api = Api([error] * 1000)
    with pytest.raises(Failed):
        wrapped(ec.CREATE_SERVICE, api, module=module, clock=clock)()
    elapsed = clock.now - 100.0
    assert elapsed == pytest.approx(ec.CREATE_SERVICE.budget)  # the last sleep is cut to the budget
    assert all(s <= ec.MAX_DELAY for s in clock.sleeps)
    assert 8 <= len(api.calls) <= 40  # bounded: a backoff, not a busy loop
    msg = module.failure["msg"]
    assert module.failure["exception"] is error  # fail_json_aws adds the AWS code and message
    assert msg.startswith(
        f"ecs:CreateService for service web of ECS cluster c1 still failed after {len(api.calls)} attempts"
    )
    assert "AWS eventual consistency persisted beyond the 240s retry budget" in msg


def test_budgets_are_terraforms():
    assert ec.CREATE_SERVICE.budget == 240  # propagationTimeout 2 min + serviceCreateTimeout 2 min
    assert ec.REGISTER_SCALABLE_TARGET.budget == 120
    assert ec.PUT_SCALING_POLICY.budget == 120


@pytest.mark.parametrize(
    "policy, error",
    [
        # another code
        (ec.CREATE_SERVICE, client_error("AccessDeniedException", "User is not authorized")),
        (ec.PUT_SCALING_POLICY, client_error("ValidationException", "Invalid target value")),
        # the right code, but a message terraform does not retry
        (ec.CREATE_SERVICE, client_error("InvalidParameterException", "The target group does not exist")),
        (
            ec.REGISTER_SCALABLE_TARGET,
            client_error("ValidationException", "Maximum capacity cannot be less than minimum capacity"),
        ),
        (ec.PUT_SCALING_POLICY, client_error("FailedResourceAccessException", "Something else")),
    ],
)
def test_unrelated_errors_are_raised_at_once(policy, error):
    clock = Clock()
    module = FakeModule()
    api = Api([error])
    with pytest.raises(ClientError) as raised:
        wrapped(policy, api, module=module, clock=clock)()
    assert raised.value is error
    assert len(api.calls) == 1 and clock.sleeps == [] and module.failure is None


def test_non_client_errors_are_raised_at_once():
    api = Api([ValueError("boom")])
    with pytest.raises(ValueError):
        wrapped(ec.CREATE_SERVICE, api)()
    assert len(api.calls) == 1


def test_message_match_is_on_the_message_terraform_matches():
    assert ec.CREATE_SERVICE.matches(
        client_error(
            "InvalidParameterException",
            "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
        )
    )
    assert ec.REGISTER_SCALABLE_TARGET.matches(
        client_error("ValidationException", "Unable to assume IAM role: arn:aws:iam::1:role/x")
    )
    assert not ec.REGISTER_SCALABLE_TARGET.matches(
        client_error("ObjectNotFoundException", "ECS service doesn't exist: service/c1/web")
    )
