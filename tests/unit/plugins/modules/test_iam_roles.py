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

from ansible_collections.rocketclub.platform.plugins.modules import iam_roles as mod
from localcloud import moto_patches

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


BATCH = ["GetAccountAuthorizationDetails", "ListRoles"]


@pytest.fixture(autouse=True)
def paged_iam(monkeypatch):
    """moto pages GetAccountAuthorizationDetails by MaxItems / Marker as IAM does (plain moto answers all at once)."""
    moto_patches.patch_iam(monkeypatch.setattr)


def tags_of(name):
    return {t["Key"]: t["Value"] for t in iam().get_role(RoleName=name)["Role"].get("Tags", [])}


def live_state(name):
    """What moto holds for a role, in the module's terms."""
    live = iam().get_role(RoleName=name)["Role"]
    names = iam().list_role_policies(RoleName=name)["PolicyNames"]
    return {
        "description": live.get("Description", ""),
        "max_session_duration": live["MaxSessionDuration"],
        "trust": mod.normalize_policy(live["AssumeRolePolicyDocument"]),
        "tags": tags_of(name),
        "inline": {
            n: mod.normalize_policy(iam().get_role_policy(RoleName=name, PolicyName=n)["PolicyDocument"]) for n in names
        },
        "managed": iam().list_attached_role_policies(RoleName=name)["AttachedPolicies"],
    }


def hide_from_batch(monkeypatch, *names, get_role_misses=0):
    """IAM's eventual consistency: roles created moments ago that GetAccountAuthorizationDetails and ListRoles do
    not return yet (and GetRole neither, ``get_role_misses`` times)."""
    import botocore.client

    original = botocore.client.BaseClient._make_api_call
    misses = {"GetRole": get_role_misses}

    def lagging(self, operation_name, api_params):
        if operation_name == "GetRole" and misses["GetRole"]:
            misses["GetRole"] -= 1
            raise ClientError({"Error": {"Code": "NoSuchEntity", "Message": "not found"}}, operation_name)
        result = original(self, operation_name, api_params)
        for key in ("RoleDetailList", "Roles"):
            if key in result:
                result[key] = [r for r in result[key] if r["RoleName"] not in names]
        return result

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", lagging)
    return misses


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
        # two batched reads for all the roles, nothing read role by role
        assert api_calls.operations() == BATCH
        assert api_calls.named("GetAccountAuthorizationDetails")[0]["Filter"] == ["Role"]
        assert api_calls.named("ListRoles")[0]["PathPrefix"] == "/"
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
        # an empty batch: ListRoles is not needed, GetRole confirms the role is missing (not just lagging)
        assert api_calls.operations() == ["GetAccountAuthorizationDetails", "GetRole"]
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
# Batched reads: GetAccountAuthorizationDetails + ListRoles
# --------------------------------------------------------------------------------------------


def _add_managed_policy(name):
    arn = iam().create_policy(PolicyName="managed", PolicyDocument=json.dumps(policy("y")))["Policy"]["Arn"]
    iam().attach_role_policy(RoleName=name, PolicyArn=arn)


DRIFTS = {
    # attribute: (drift made by hand, the write that repairs it)
    "trust policy": (
        lambda n: iam().update_assume_role_policy(RoleName=n, PolicyDocument=json.dumps(trust("lambda.amazonaws.com"))),
        ["UpdateAssumeRolePolicy"],
    ),
    "inline policy document": (
        lambda n: iam().put_role_policy(
            RoleName=n, PolicyName=f"{n}-permissions", PolicyDocument=json.dumps(policy("raw"))
        ),
        ["PutRolePolicy"],
    ),
    "extra inline policy": (
        lambda n: iam().put_role_policy(RoleName=n, PolicyName="by-hand", PolicyDocument=json.dumps(policy("x"))),
        ["DeleteRolePolicy"],
    ),
    "attached managed policy": (_add_managed_policy, ["DetachRolePolicy"]),
    "description": (lambda n: iam().update_role(RoleName=n, Description="edited"), ["UpdateRole"]),
    "max session": (lambda n: iam().update_role(RoleName=n, MaxSessionDuration=7200), ["UpdateRole"]),
    "tag value": (lambda n: iam().tag_role(RoleName=n, Tags=[{"Key": "platform:env", "Value": "x"}]), ["TagRole"]),
    "extra tag": (lambda n: iam().tag_role(RoleName=n, Tags=[{"Key": "owner", "Value": "me"}]), ["UntagRole"]),
    "missing tag": (lambda n: iam().untag_role(RoleName=n, TagKeys=["platform:env"]), ["TagRole"]),
}


@pytest.mark.usefixtures("moto_aws")
class TestBatchedReads:
    def desired(self):
        return {
            "description": "task role",
            "max_session_duration": 3600,
            "trust": mod.normalize_policy(trust()),
            "tags": ARGS["tags"],
            "inline": {"rc-local-task-permissions": mod.normalize_policy(policy("raw", "clean"))},
            "managed": [],
        }

    @pytest.mark.parametrize("attribute", sorted(DRIFTS))
    def test_drift_in_each_attribute_is_seen_and_repaired(self, run_module, api_calls, attribute):
        roles = args(role(), role("rc-local-other"))
        run_module(mod.main, roles)
        drift, repair = DRIFTS[attribute]
        drift("rc-local-task")
        assert live_state("rc-local-task") != self.desired()

        api_calls.clear()
        result = run_module(mod.main, roles, check_mode=True, diff=True)[0]
        assert result["changed"] is True and api_calls.writes() == []
        assert list(result["diff"]["before"]) == ["rc-local-task"]
        assert api_calls.operations() == BATCH

        api_calls.clear()
        result = run_module(mod.main, roles)[0]
        assert result["changed"] is True
        assert [r["changed"] for r in result["roles"]] == [True, False]
        assert api_calls.writes() == repair
        assert api_calls.operations()[:2] == BATCH
        assert live_state("rc-local-task") == self.desired()

        api_calls.clear()
        assert run_module(mod.main, roles)[0]["changed"] is False
        assert api_calls.operations() == BATCH

    def test_roles_over_several_pages(self, run_module, api_calls, monkeypatch):
        monkeypatch.setattr(mod, "PAGE_SIZE", 2)
        names = [f"rc-local-r{i}" for i in range(5)]
        # roles the module does not manage share the pages
        for other in ("zz-other-1", "zz-other-2"):
            iam().create_role(RoleName=other, AssumeRolePolicyDocument=json.dumps(trust()))
        roles = args(*(role(n) for n in names))
        run_module(mod.main, roles)
        # drift in the role of the last page
        iam().update_role(RoleName=names[-1], Description="edited")
        iam().tag_role(RoleName=names[-1], Tags=[{"Key": "owner", "Value": "me"}])

        api_calls.clear()
        result = run_module(mod.main, roles)[0]
        assert [r["changed"] for r in result["roles"]] == [False] * 4 + [True]
        assert sorted(api_calls.writes()) == ["UntagRole", "UpdateRole"]
        pages = api_calls.named("GetAccountAuthorizationDetails")
        assert len(pages) == 4  # 7 roles, 2 a page
        assert all(p["MaxItems"] == 2 for p in pages) and "Marker" not in pages[0] and pages[1]["Marker"]
        listings = api_calls.named("ListRoles")
        assert len(listings) == 4 and all(p["MaxItems"] == 2 for p in listings)
        assert set(api_calls.operations()) == set(BATCH + api_calls.writes())

        api_calls.clear()
        assert run_module(mod.main, roles)[0]["changed"] is False
        assert set(api_calls.operations()) == set(BATCH) and len(api_calls) == 8

    def test_role_the_batch_lags_behind_is_read_alone_not_created_again(self, run_module, api_calls, monkeypatch):
        roles = args(role(), role("rc-local-other"))
        run_module(mod.main, roles)
        hide_from_batch(monkeypatch, "rc-local-other")
        api_calls.clear()
        result = run_module(mod.main, roles)[0]
        assert result["changed"] is False and api_calls.writes() == []
        assert api_calls.operations() == BATCH + [
            "GetRole",
            "ListRolePolicies",
            "GetRolePolicy",
            "ListAttachedRolePolicies",
        ]
        assert api_calls.named("GetRole")[0]["RoleName"] == "rc-local-other"
        assert result["role_arns"]["rc-local-other"] == f"arn:aws:iam::{ACCOUNT}:role/rc-local-other"

    def test_drift_of_a_lagging_role_is_still_repaired(self, run_module, api_calls, monkeypatch):
        run_module(mod.main, args())
        iam().put_role_policy(RoleName="rc-local-task", PolicyName="by-hand", PolicyDocument=json.dumps(policy("x")))
        hide_from_batch(monkeypatch, "rc-local-task")
        api_calls.clear()
        assert run_module(mod.main, args())[0]["changed"] is True
        assert api_calls.writes() == ["DeleteRolePolicy"]
        assert iam().list_role_policies(RoleName="rc-local-task")["PolicyNames"] == ["rc-local-task-permissions"]

    def test_create_that_finds_the_role_existing_reconciles_it(self, run_module, api_calls, monkeypatch):
        run_module(mod.main, args())
        iam().update_role(RoleName="rc-local-task", Description="edited")
        # Neither the batch nor the first GetRole sees the role yet: CreateRole answers EntityAlreadyExists.
        misses = hide_from_batch(monkeypatch, "rc-local-task", get_role_misses=1)
        api_calls.clear()
        result = run_module(mod.main, args())[0]
        assert misses["GetRole"] == 0
        assert result["changed"] is True and result["roles"][0]["created"] is False
        assert api_calls.writes() == ["CreateRole", "UpdateRole"]
        assert api_calls.named("UpdateRole")[0]["Description"] == "task role"
        assert live_state("rc-local-task") == self.desired()

    def test_batch_skips_listing_when_no_role_exists(self, run_module, api_calls):
        iam().create_role(RoleName="zz-other", AssumeRolePolicyDocument=json.dumps(trust()))
        api_calls.clear()
        result = run_module(mod.main, args(), check_mode=True)[0]
        assert result["role_arns"] == {"rc-local-task": "pending:iam-role/rc-local-task"}
        assert api_calls.operations() == ["GetAccountAuthorizationDetails", "GetRole"]


def test_common_path():
    assert mod.common_path(["/"]) == "/"
    assert mod.common_path(["/a/b/", "/a/c/"]) == "/a/"
    assert mod.common_path(["/a/b/", "/a/b/"]) == "/a/b/"
    assert mod.common_path(["/a/", "/"]) == "/"
    assert mod.common_path(["/ab/", "/a/"]) == "/"


def test_roles_on_a_path_are_listed_under_it(run_module, api_calls, moto_aws):
    roles = args(role(path="/platform/"), role("rc-local-other", path="/platform/"))
    run_module(mod.main, roles)
    api_calls.clear()
    assert run_module(mod.main, roles)[0]["changed"] is False
    assert api_calls.operations() == BATCH
    assert api_calls.named("ListRoles")[0]["PathPrefix"] == "/platform/"


# --------------------------------------------------------------------------------------------
# roles/iam: the account is read once a play
# --------------------------------------------------------------------------------------------


def _iam_role_vars(**facts):
    """roles/iam's vars rendered as an include sees them (with ``facts`` set), and its aws_caller_info task."""
    import yaml

    from ansible_collections.rocketclub.platform.tests.unit.plugins.filter import test_ecs_service_filter as roles

    variables = {**roles._role_file("iam", "defaults"), **roles._role_file("iam", "vars")}
    tasks = yaml.safe_load((roles.REPO / "roles" / "iam" / "tasks" / "main.yml").read_text(encoding="utf-8"))
    (caller,) = [t for t in tasks if "amazon.aws.aws_caller_info" in t]
    return roles.role_inputs(**variables, **facts), caller


CALLER = {"account": ACCOUNT, "arn": f"arn:aws-cn:iam::{ACCOUNT}:user/deployer"}


def test_first_include_reads_the_account():
    render, caller = _iam_role_vars(__iam_caller=CALLER)
    assert caller["when"] == "not __iam_account_known"
    assert render("__iam_account_known") is False
    context = render("__iam_context")
    assert (context["account_id"], context["partition"]) == (ACCOUNT, "aws-cn")


def test_a_later_include_reuses_the_account_of_platform_iam():
    published = {"account_id": "210987654321", "partition": "aws-us-gov", "role_arns": {}}
    # aws_caller_info skipped: what a skipped task registers
    render, dummy = _iam_role_vars(__iam_caller={"skipped": True, "changed": False}, platform_iam=published)
    assert render("__iam_account_known") is True
    context = render("__iam_context")
    assert (context["account_id"], context["partition"]) == ("210987654321", "aws-us-gov")


def test_platform_iam_without_the_account_still_reads_it():
    # a fact from before this change, or another role's partial fact: role_arns only
    render, dummy = _iam_role_vars(__iam_caller=CALLER, platform_iam={"role_arns": {}})
    assert render("__iam_account_known") is False
    assert render("__iam_context")["account_id"] == ACCOUNT


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
