# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Retries for AWS eventual consistency right after a resource was created.

AWS answers some calls with "not found" for a resource it has just created: ``ecs:CreateService``
``ClusterNotFoundException`` right after ``CreateCluster``, ``application-autoscaling:RegisterScalableTarget``
``ValidationException`` "ECS service doesn't exist" right after ``CreateService``, ``PutScalingPolicy``
``ObjectNotFoundException`` right after ``RegisterScalableTarget``. amazon.aws ``AWSRetry`` retries only
throttling and 5xx errors, so a converge that creates both in one run fails on them now and then.

Each ``Propagation`` below copies the errors and the time budget terraform-provider-aws retries the same
call with (its source is named in ``source``). ``retry_propagation`` wraps a client method: it retries only
those errors (by code, and by message where terraform matches the message too) with a jittered
exponential backoff until the budget is spent, then fails the module naming the operation, the resource and
that AWS eventual consistency persisted. Every other error is raised at once. Throttling stays with the
client's own ``AWSRetry.jittered_backoff`` (``aws_retry=True``), inside each attempt.
"""

from __future__ import annotations

import functools
import random
import time

try:
    from botocore.exceptions import ClientError
except ImportError:  # pragma: no cover - AnsibleAWSModule reports the missing botocore
    ClientError = None

# Backoff between attempts: DELAY * BACKOFF ** (attempt - 1) seconds, at most MAX_DELAY, times a jitter
# factor in [0.5, 1) so that parallel runs spread out; the last sleep is cut to what is left of the budget.
DELAY = 2.0
BACKOFF = 2.0
MAX_DELAY = 20.0


class Propagation:
    """The errors of one operation that mean "created moments ago, not visible yet", and for how long to retry them."""

    def __init__(self, operation, errors, budget, source):
        self.operation = operation
        # (error code, substring of the message or None for any message)
        self.errors = tuple(errors)
        self.budget = budget
        self.source = source

    def matches(self, error):
        """True when the botocore ``ClientError`` is one of this operation's propagation errors."""
        details = getattr(error, "response", None) or {}
        code = (details.get("Error") or {}).get("Code", "")
        message = (details.get("Error") or {}).get("Message", "") or ""
        return any(code == want and (text is None or text in message) for want, text in self.errors)


# terraform-provider-aws internal/service/ecs/service.go retryServiceCreate: ClusterNotFoundException, and
# InvalidParameterException with one of three messages, for propagationTimeout (2 min, internal/service/ecs/
# consts.go) + serviceCreateTimeout (2 min).
CREATE_SERVICE = Propagation(
    "ecs:CreateService",
    (
        ("ClusterNotFoundException", None),
        ("InvalidParameterException", "verify that the ECS service role being passed has the proper permissions"),
        ("InvalidParameterException", "does not have an associated load balancer"),
        ("InvalidParameterException", "Unable to assume the service linked role"),
    ),
    budget=240,
    source="terraform-provider-aws internal/service/ecs/service.go (retryServiceCreate)",
)

# terraform-provider-aws internal/service/appautoscaling/target.go registerScalableTarget: ValidationException
# "ECS service doesn't exist" or "Unable to assume IAM role", for propagationTimeout (2 min, consts.go).
REGISTER_SCALABLE_TARGET = Propagation(
    "application-autoscaling:RegisterScalableTarget",
    (
        ("ValidationException", "ECS service doesn't exist"),
        ("ValidationException", "Unable to assume IAM role"),
    ),
    budget=120,
    source="terraform-provider-aws internal/service/appautoscaling/target.go (registerScalableTarget)",
)

# terraform-provider-aws internal/service/appautoscaling/policy.go resourcePolicyCreate: ObjectNotFoundException
# (any message), FailedResourceAccessException with one of three messages, for propagationTimeout (2 min).
PUT_SCALING_POLICY = Propagation(
    "application-autoscaling:PutScalingPolicy",
    (
        ("ObjectNotFoundException", None),
        ("FailedResourceAccessException", "Rate exceeded"),
        ("FailedResourceAccessException", "is not authorized to perform"),
        ("FailedResourceAccessException", "token included in the request is invalid"),
    ),
    budget=120,
    source="terraform-provider-aws internal/service/appautoscaling/policy.go (resourcePolicyCreate)",
)


def backoff(attempt):
    """Sleep before retry number ``attempt`` (1-based), jittered."""
    return min(MAX_DELAY, DELAY * BACKOFF ** (attempt - 1)) * random.uniform(0.5, 1.0)


def give_up_message(policy, resource, attempts, elapsed):
    """The failure message once the budget is spent (``fail_json_aws`` appends the last AWS error)."""
    return (
        f"{policy.operation} for {resource} still failed after {attempts} attempts over {elapsed:.0f}s: AWS eventual "
        f"consistency persisted beyond the {policy.budget}s retry budget (what it depends on was created moments "
        f"ago and is still not visible to this API). Run again; if it keeps failing, the dependency is really missing"
    )


def retry_propagation(module, policy, resource, sleep=None, clock=None):
    """Decorator for a boto3 client method: retry ``policy``'s errors for ``policy.budget`` seconds.

    ``resource`` names what is being created or changed, for the failure message. When the budget is spent,
    ``module.fail_json_aws`` reports the last error with that message; other errors propagate unchanged.
    """

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            pause, now = sleep or time.sleep, clock or time.monotonic
            started = now()
            attempts = 0
            while True:
                try:
                    return func(*args, **kwargs)
                except ClientError as e:
                    if not policy.matches(e):
                        raise
                    attempts += 1
                    elapsed = now() - started
                    remaining = policy.budget - elapsed
                    if remaining <= 0:
                        module.fail_json_aws(e, msg=give_up_message(policy, resource, attempts, elapsed))
                        raise  # fail_json_aws exits; a stub module that returns still gets the error
                    pause(min(backoff(attempts), remaining))

        return wrapper

    return decorator


class PropagationAware:  # pylint: disable=too-few-public-methods
    """Base of a module's resource family whose writes follow a create: the module, its client, check mode, and
    ``_retry``, which wraps one call in ``retry_propagation`` (``sleep`` is injectable for tests)."""

    def __init__(self, module, client, sleep=None):
        self.module = module
        self.client = client
        self.sleep = sleep
        self.check = module.check_mode

    def _retry(self, policy, resource, func):
        return retry_propagation(self.module, policy, resource, sleep=self.sleep)(func)
