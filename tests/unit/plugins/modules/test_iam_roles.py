# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drive ``rocketclub.platform.iam_roles`` in-process against moto, plus its pure logic."""

from __future__ import annotations

import json
from unittest.mock import MagicMock
from urllib.parse import quote

import boto3
import pytest
from botocore.exceptions import ClientError

from ansible_collections.rocketclub.platform.plugins.modules import iam_roles as mod  # noqa: E402

ACCOUNT = "123456789012"
PENDING_KEY = "pending:kms-key/alias/rocketclub-local-platform"


def trust(service="ecs-tasks.amazonaws.com"):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }


def policy(*buckets, key=None):
    statements = [
        {
            "Sid": "ListBuckets",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
            "Resource": sorted(f"arn:aws:s3:::{b}" for b in buckets),
        },
        {
            "Sid": "ReadObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": sorted(f"arn:aws:s3:::{b}/*" for b in buckets),
        },
    ]
    if key:
        statements.append({"Sid": "Decrypt", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key]})
    return {"Version": "2012-10-17", "Statement": statements}


def role(name="rc-local-task", description="task role", policies=None, **extra):
    spec = {
        "name": name,
        "description": description,
        "assume_role_policy_document": trust(),
        "inline_policies": policies if policies is not None else {f"{name}-permissions": policy("raw", "clean")},
    }
    spec.update(extra)
    return spec


ARGS = {"tags": {"platform:env": "local", "platform:managed-by": "rocketclub.platform"}}


def args(*roles, **extra):
    return dict(ARGS, roles=list(roles) or [role()], **extra)


def iam():
    return boto3.client("iam", region_name="us-east-1")


# --------------------------------------------------------------------------------------------
# Policy normalisation
# --------------------------------------------------------------------------------------------


def test_normalisation_ignores_order_encoding_and_one_element_lists():
    document = policy("raw", "clean")
    shuffled = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Resource": ["arn:aws:s3:::raw/*", "arn:aws:s3:::clean/*"],
                "Action": "s3:GetObject",
                "Effect": "Allow",
                "Sid": "ReadObjects",
            },
            {
                "Sid": "ListBuckets",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                "Resource": ["arn:aws:s3:::raw", "arn:aws:s3:::clean"],
            },
        ],
    }
    assert mod.policies_equal(document, shuffled)
    # IAM returns documents URL-encoded (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html)
    assert mod.policies_equal(quote(json.dumps(shuffled)), document)
    assert mod.policies_equal(json.dumps(document, indent=2), document)
    # a condition's JSON true is the string "true" once stored
    one = {
        "Statement": {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": False}},
        }
    }
    two = {
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["s3:*"],
                "Resource": ["*"],
                "Condition": {"Bool": {"aws:SecureTransport": ["false"]}},
            }
        ]
    }
    assert mod.policies_equal(one, two)


def test_normalisation_sees_real_differences():
    assert not mod.policies_equal(policy("raw"), policy("raw", "clean"))
    assert not mod.policies_equal(policy("raw", key="arn:aws:kms:eu-west-2:1:key/a"), policy("raw", key=PENDING_KEY))
    assert not mod.policies_equal(trust(), trust("lambda.amazonaws.com"))


# --------------------------------------------------------------------------------------------
# Module against moto
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("moto_aws")
class TestModule:
    def test_create_then_idempotent_no_op(self, run_module, api_calls):
        result = run_module(
            mod.main, args(role(), role("rc-local-lambda", policies={"p": policy("design")})), diff=True
        )[0]
        assert result["changed"] is True
        assert [r["created"] for r in result["roles"]] == [True, True]
        assert result["role_arns"] == {
            n: f"arn:aws:iam::{ACCOUNT}:role/{n}" for n in ("rc-local-task", "rc-local-lambda")
        }
        assert sorted(api_calls.writes()) == ["CreateRole", "CreateRole", "PutRolePolicy", "PutRolePolicy"]
        live = iam().get_role(RoleName="rc-local-task")["Role"]
        assert live["Description"] == "task role" and live["MaxSessionDuration"] == 3600
        assert {t["Key"]: t["Value"] for t in live["Tags"]} == ARGS["tags"]
        assert mod.policies_equal(live["AssumeRolePolicyDocument"], trust())
        stored = iam().get_role_policy(RoleName="rc-local-task", PolicyName="rc-local-task-permissions")[
            "PolicyDocument"
        ]
        assert mod.policies_equal(stored, policy("raw", "clean"))
        assert result["diff"]["before"] == {}
        assert result["diff"]["after"]["rc-local-task"]["inline_policies"] == {
            "rc-local-task-permissions": policy("raw", "clean")
        }

        api_calls.clear()
        result = run_module(
            mod.main, args(role(), role("rc-local-lambda", policies={"p": policy("design")})), diff=True
        )[0]
        assert result["changed"] is False
        assert api_calls.writes() == []
        assert not any(r["changed"] or r["created"] for r in result["roles"])
        # the diff names only the roles that change
        assert result["diff"] == {"before": {}, "after": {}}

    def test_equivalent_live_policy_is_not_rewritten(self, run_module, api_calls):
        run_module(mod.main, args())
        # The same permissions written by hand in another order, with a plain string where we send a list.
        document = policy("raw", "clean")
        document["Statement"].reverse()
        document["Statement"][0]["Action"] = "s3:GetObject"
        iam().put_role_policy(
            RoleName="rc-local-task", PolicyName="rc-local-task-permissions", PolicyDocument=json.dumps(document)
        )
        api_calls.clear()
        result = run_module(mod.main, args())[0]
        assert result["changed"] is False and api_calls.writes() == []

    def test_drift_is_updated_with_the_fewest_writes(self, run_module, api_calls):
        run_module(mod.main, args())
        api_calls.clear()
        changed = role(
            description="new description",
            policies={"rc-local-task-permissions": policy("raw")},
            max_session_duration=7200,
        )
        result = run_module(mod.main, args(changed, tags={"platform:env": "local"}), diff=True)[0]
        assert result["changed"] is True
        assert sorted(api_calls.writes()) == ["PutRolePolicy", "UntagRole", "UpdateRole"]
        assert api_calls.named("UpdateRole")[0] == {
            "RoleName": "rc-local-task",
            "Description": "new description",
            "MaxSessionDuration": 7200,
        }
        assert api_calls.named("UntagRole")[0]["TagKeys"] == ["platform:managed-by"]
        assert result["diff"]["before"]["rc-local-task"]["description"] == "task role"
        assert result["diff"]["after"]["rc-local-task"]["description"] == "new description"
        live = iam().get_role(RoleName="rc-local-task")["Role"]
        assert live["MaxSessionDuration"] == 7200

    def test_trust_policy_drift(self, run_module, api_calls):
        run_module(mod.main, args(role(), role("rc-local-other")))
        api_calls.clear()
        changed = role(assume_role_policy_document=trust("lambda.amazonaws.com"))
        result = run_module(mod.main, args(changed, role("rc-local-other")), diff=True)[0]
        assert result["changed"] is True and api_calls.writes() == ["UpdateAssumeRolePolicy"]
        assert [r["changed"] for r in result["roles"]] == [True, False]
        # the diff names only the role that changes
        assert list(result["diff"]["before"]) == list(result["diff"]["after"]) == ["rc-local-task"]

    def test_undeclared_inline_policy_and_managed_policy_are_removed(self, run_module, api_calls):
        run_module(mod.main, args())
        iam().put_role_policy(
            RoleName="rc-local-task", PolicyName="added-by-hand", PolicyDocument=json.dumps(policy("x"))
        )
        arn = iam().create_policy(PolicyName="managed", PolicyDocument=json.dumps(policy("y")))["Policy"]["Arn"]
        iam().attach_role_policy(RoleName="rc-local-task", PolicyArn=arn)
        api_calls.clear()
        result = run_module(mod.main, args(), diff=True)[0]
        assert result["changed"] is True
        assert sorted(api_calls.writes()) == ["DeleteRolePolicy", "DetachRolePolicy"]
        assert api_calls.named("DeleteRolePolicy")[0]["PolicyName"] == "added-by-hand"
        assert iam().list_role_policies(RoleName="rc-local-task")["PolicyNames"] == ["rc-local-task-permissions"]
        assert iam().list_attached_role_policies(RoleName="rc-local-task")["AttachedPolicies"] == []
        assert sorted(result["diff"]["before"]["rc-local-task"]["inline_policies"]) == [
            "added-by-hand",
            "rc-local-task-permissions",
        ]
        assert list(result["diff"]["after"]["rc-local-task"]["inline_policies"]) == ["rc-local-task-permissions"]

    def test_purge_off_keeps_undeclared_policies(self, run_module, api_calls):
        run_module(mod.main, args())
        iam().put_role_policy(
            RoleName="rc-local-task", PolicyName="added-by-hand", PolicyDocument=json.dumps(policy("x"))
        )
        api_calls.clear()
        result = run_module(mod.main, args(purge_policies=False))[0]
        assert result["changed"] is False and api_calls.writes() == []

    def test_check_mode_on_an_empty_account(self, run_module, api_calls):
        result = run_module(
            mod.main, args(role(policies={"p": policy("raw", key=PENDING_KEY)})), check_mode=True, diff=True
        )[0]
        assert result["changed"] is True
        assert result["roles"][0]["created"] is True
        assert result["role_arns"] == {"rc-local-task": "pending:iam-role/rc-local-task"}
        assert result["diff"]["after"]["rc-local-task"]["inline_policies"]["p"] == policy("raw", key=PENDING_KEY)
        assert api_calls.writes() == []
        assert iam().list_roles()["Roles"] == []

    def test_check_mode_predicts_drift_and_purge_without_writing(self, run_module, api_calls):
        run_module(mod.main, args())
        iam().put_role_policy(
            RoleName="rc-local-task", PolicyName="added-by-hand", PolicyDocument=json.dumps(policy("x"))
        )
        api_calls.clear()
        result = run_module(mod.main, args(), check_mode=True, diff=True)[0]
        assert result["changed"] is True and api_calls.writes() == []
        # ... and exactly what the real run then does
        api_calls.clear()
        assert run_module(mod.main, args())[0]["changed"] is True
        assert api_calls.writes() == ["DeleteRolePolicy"]
        assert run_module(mod.main, args(), check_mode=True)[0]["changed"] is False

    def test_pending_reference_in_a_policy_differs_from_live(self, run_module, api_calls):
        run_module(mod.main, args(role(policies={"p": policy("raw", key="arn:aws:kms:eu-west-2:123456789012:key/a")})))
        api_calls.clear()
        result = run_module(mod.main, args(role(policies={"p": policy("raw", key=PENDING_KEY)})), check_mode=True)[0]
        assert result["changed"] is True and api_calls.writes() == []

    def test_real_run_refuses_a_placeholder_before_any_call(self, run_module, api_calls):
        run = run_module(mod.main, args(role(policies={"p": policy("raw", key=PENDING_KEY)})))
        assert run.rc == 1 and "check-mode placeholder" in run.result["msg"]
        assert api_calls.operations() == []

    def test_bad_input_fails_before_any_call(self, run_module, api_calls):
        run = run_module(mod.main, args(role(), role()))
        assert run.rc == 1 and "duplicate role names rc-local-task" in run.result["msg"]
        run = run_module(mod.main, args(role(max_session_duration=60)))
        assert run.rc == 1 and "max_session_duration" in run.result["msg"]
        assert api_calls.operations() == []


# --------------------------------------------------------------------------------------------
# IAM eventual consistency (terraform-provider-aws internal/service/iam/role.go)
# --------------------------------------------------------------------------------------------


def _error(code, message):
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


def test_new_role_writes_are_retried_while_iam_propagates():
    client = MagicMock()
    client.create_role.side_effect = [
        _error("MalformedPolicyDocument", 'Invalid principal in policy: "SERVICE":"ecs-tasks.amazonaws.com"'),
        {"Role": {"Arn": "arn:aws:iam::123456789012:role/r"}},
    ]
    client.put_role_policy.side_effect = [_error("NoSuchEntity", "The role with name r cannot be found."), {}]
    sleeps = []
    roles = mod.IamRoles(MagicMock(check_mode=False), client, sleep=sleeps.append)
    spec = dict(role("r"), trust=trust(), policies={"p": policy("raw")}, path="/", max_session_duration=3600)
    assert roles.create(spec, {"a": "b"}) == "arn:aws:iam::123456789012:role/r"
    assert client.create_role.call_count == 2 and client.put_role_policy.call_count == 2
    assert len(sleeps) == 2


@pytest.mark.usefixtures("moto_aws")
def test_throttled_policy_listings_are_retried(monkeypatch):
    """The ListRolePolicies / ListAttachedRolePolicies paginators go through amazon.aws's retries."""
    import botocore.client
    from ansible_collections.amazon.aws.plugins.module_utils import cloud
    from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
    from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

    iam().create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(trust()))
    throttled = {"ListRolePolicies": 1, "ListAttachedRolePolicies": 1}
    original = botocore.client.BaseClient._make_api_call

    def throttling(self, operation_name, api_params):
        if throttled.get(operation_name):
            throttled[operation_name] -= 1
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", throttling)
    monkeypatch.setattr(cloud.time, "sleep", lambda seconds: None)
    client = RetryingBotoClientWrapper(iam(), AWSRetry.jittered_backoff())  # what module.client() returns
    current = mod.IamRoles(MagicMock(check_mode=False), client).read("r")
    assert current["inline_policies"] == {} and current["managed_policies"] == []
    assert throttled == {"ListRolePolicies": 0, "ListAttachedRolePolicies": 0}


def test_other_errors_are_not_retried():
    client = MagicMock()
    client.create_role.side_effect = _error("MalformedPolicyDocument", "Syntax errors in policy.")
    roles = mod.IamRoles(MagicMock(check_mode=False), client, sleep=lambda s: None)
    spec = dict(role("r"), trust=trust(), policies={}, path="/", max_session_duration=3600)
    with pytest.raises(ClientError):
        roles.create(spec, {})
    assert client.create_role.call_count == 1


# --------------------------------------------------------------------------------------------
# Documentation
# --------------------------------------------------------------------------------------------


def test_documentation_matches_argument_spec(doc_problems):
    assert doc_problems(mod) == []
