# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import boto3
import botocore.client
import pytest
from botocore.exceptions import ClientError

from ansible_collections.rocketclub.platform.plugins.module_utils import eventual_consistency
from ansible_collections.rocketclub.platform.plugins.modules import kms_keys as mod

REGION = "eu-west-2"
PLATFORM = "alias/rc-local-platform"
SHARED = "alias/rc-shared"
PLATFORM_TAGS = {"platform:env": "local", "platform:component": "secrets", "platform:managed-by": "rocketclub.platform"}
SHARED_TAGS = {"platform:env": "shared", "platform:component": "secrets", "platform:managed-by": "rocketclub.platform"}


def keys(**overrides):
    """The two keys of the secrets role (platform key with purged tags, shared key keeping others' tags)."""
    platform = {
        "alias": PLATFORM,
        "description": "rc local platform key (secrets and SecureStrings)",
        "enable_key_rotation": True,
        "tags": PLATFORM_TAGS,
        "purge_tags": True,
    }
    shared = {
        "alias": SHARED,
        "description": "rc shared key (account-wide secrets of every environment)",
        "enable_key_rotation": True,
        "tags": SHARED_TAGS,
        "purge_tags": False,
    }
    platform.update(overrides.get("platform", {}))
    shared.update(overrides.get("shared", {}))
    return {"keys": [platform, shared]}


def kms():
    return boto3.client("kms", region_name=REGION)


def key_of(alias):
    return kms().describe_key(KeyId=alias)["KeyMetadata"]


def tags_of(alias):
    return {t["TagKey"]: t["TagValue"] for t in kms().list_resource_tags(KeyId=key_of(alias)["KeyId"])["Tags"]}


def rotation_of(alias):
    return kms().get_key_rotation_status(KeyId=key_of(alias)["KeyId"])["KeyRotationEnabled"]


@pytest.mark.usefixtures("moto_aws")
class TestModule:
    def test_create_both_keys(self, run_module, api_calls):
        result = run_module(mod.main, keys())[0]
        assert result["changed"] is True
        assert [k["alias"] for k in result["kms_keys"]] == [PLATFORM, SHARED]
        for entry, tags in zip(result["kms_keys"], (PLATFORM_TAGS, SHARED_TAGS)):
            live = key_of(entry["alias"])
            assert entry["key_arn"] == live["Arn"] and entry["key_id"] == live["KeyId"]
            assert result["key_arns"][entry["alias"]] == live["Arn"]
            assert entry["created"] and entry["changed"] and entry["key_state"] == "Enabled"
            assert live["KeySpec"] == "SYMMETRIC_DEFAULT" and live["KeyUsage"] == "ENCRYPT_DECRYPT"
            assert live["Description"] == entry["description"]
            assert tags_of(entry["alias"]) == tags == entry["tags"]
            assert rotation_of(entry["alias"]) is True
        assert sorted(api_calls.writes()) == sorted(["CreateKey", "CreateAlias", "EnableKeyRotation"] * 2)
        assert result["diff"]["before"] == {}
        assert result["diff"]["after"][PLATFORM]["tags"] == PLATFORM_TAGS

    def test_no_op_makes_no_write_and_four_reads_per_key_at_most(self, run_module, api_calls):
        first = run_module(mod.main, keys())[0]
        api_calls.clear()
        result = run_module(mod.main, keys())[0]
        assert result["changed"] is False
        assert api_calls.writes() == []
        # one ListAliases for both keys, then DescribeKey, GetKeyRotationStatus, ListResourceTags per key
        assert sorted(api_calls.operations()) == sorted(
            ["ListAliases"] + ["DescribeKey", "GetKeyRotationStatus", "ListResourceTags"] * 2
        )
        assert result["key_arns"] == first["key_arns"]
        assert not any(k["changed"] or k["created"] for k in result["kms_keys"])
        assert result["diff"]["before"] == result["diff"]["after"]

    def test_tag_change_purges_only_where_asked(self, run_module, api_calls):
        run_module(mod.main, keys())
        for alias in (PLATFORM, SHARED):
            kms().tag_resource(KeyId=key_of(alias)["KeyId"], Tags=[{"TagKey": "added-by", "TagValue": "someone"}])
        api_calls.clear()
        changed_tags = dict(PLATFORM_TAGS, **{"platform:owner": "team"})
        result = run_module(mod.main, keys(platform={"tags": changed_tags}), diff=True)[0]
        assert result["changed"] is True
        assert [k["changed"] for k in result["kms_keys"]] == [True, False]
        assert tags_of(PLATFORM) == changed_tags  # the foreign tag is purged
        assert tags_of(SHARED) == dict(SHARED_TAGS, **{"added-by": "someone"})  # kept: purge_tags false
        assert sorted(api_calls.writes()) == ["TagResource", "UntagResource"]
        assert api_calls.named("UntagResource")[0]["TagKeys"] == ["added-by"]
        assert result["diff"]["before"][PLATFORM]["tags"] == dict(PLATFORM_TAGS, **{"added-by": "someone"})
        assert result["diff"]["after"][PLATFORM]["tags"] == changed_tags

    def test_rotation_off_then_on(self, run_module, api_calls):
        run_module(mod.main, keys(platform={"enable_key_rotation": False}))
        assert rotation_of(PLATFORM) is False and rotation_of(SHARED) is True
        api_calls.clear()
        result = run_module(mod.main, keys(), diff=True)[0]
        assert result["changed"] is True and [k["changed"] for k in result["kms_keys"]] == [True, False]
        assert rotation_of(PLATFORM) is True
        assert api_calls.writes() == ["EnableKeyRotation"]
        assert result["diff"]["before"][PLATFORM]["enable_key_rotation"] is False
        assert result["diff"]["after"][PLATFORM]["enable_key_rotation"] is True

    def test_description_change(self, run_module, api_calls):
        run_module(mod.main, keys())
        api_calls.clear()
        result = run_module(mod.main, keys(shared={"description": "new"}))[0]
        assert [k["changed"] for k in result["kms_keys"]] == [False, True]
        assert api_calls.writes() == ["UpdateKeyDescription"]
        assert key_of(SHARED)["Description"] == "new"

    def test_check_mode_on_empty_account_predicts_placeholders(self, run_module, api_calls):
        result = run_module(mod.main, keys(), check_mode=True, diff=True)[0]
        assert result["changed"] is True
        assert api_calls.writes() == []
        assert api_calls.operations() == ["ListAliases"]
        assert result["key_arns"] == {PLATFORM: f"pending:kms-key/{PLATFORM}", SHARED: f"pending:kms-key/{SHARED}"}
        assert [k["key_id"] for k in result["kms_keys"]] == [f"pending:kms-key/{PLATFORM}", f"pending:kms-key/{SHARED}"]
        assert all(k["created"] for k in result["kms_keys"])
        assert result["diff"]["before"] == {}
        assert result["diff"]["after"][SHARED]["tags"] == SHARED_TAGS
        assert kms().list_aliases()["Aliases"] == [] or all(
            a["AliasName"].startswith("alias/aws/") for a in kms().list_aliases()["Aliases"]
        )

    def test_check_mode_on_converged_predicts_no_change_and_then_a_change(self, run_module, api_calls):
        real = run_module(mod.main, keys())[0]
        api_calls.clear()
        result = run_module(mod.main, keys(), check_mode=True)[0]
        assert result["changed"] is False and result["key_arns"] == real["key_arns"]
        changed = run_module(mod.main, keys(platform={"enable_key_rotation": False}), check_mode=True)[0]
        assert changed["changed"] is True and [k["changed"] for k in changed["kms_keys"]] == [True, False]
        assert api_calls.writes() == []
        assert rotation_of(PLATFORM) is True

    def test_key_pending_deletion_is_cancelled_and_enabled(self, run_module, api_calls):
        first = run_module(mod.main, keys())[0]
        kms().schedule_key_deletion(KeyId=key_of(PLATFORM)["KeyId"], PendingWindowInDays=7)
        assert key_of(PLATFORM)["KeyState"] == "PendingDeletion"
        api_calls.clear()
        predicted = run_module(mod.main, keys(), check_mode=True, diff=True)[0]
        assert predicted["changed"] is True and api_calls.writes() == []
        assert predicted["diff"]["before"][PLATFORM]["key_state"] == "PendingDeletion"
        assert predicted["diff"]["after"][PLATFORM]["key_state"] == "Enabled"
        result = run_module(mod.main, keys())[0]
        assert result["changed"] is True and [k["changed"] for k in result["kms_keys"]] == [True, False]
        assert "CancelKeyDeletion" in api_calls.writes() and "EnableKey" in api_calls.writes()
        assert key_of(PLATFORM)["KeyState"] == "Enabled"
        assert result["key_arns"] == first["key_arns"]
        assert result["kms_keys"][0]["key_state"] == "Enabled"
        api_calls.clear()
        assert run_module(mod.main, keys())[0]["changed"] is False
        assert api_calls.writes() == []

    def test_disabled_key_is_enabled(self, run_module, api_calls):
        run_module(mod.main, keys())
        kms().disable_key(KeyId=key_of(SHARED)["KeyId"])
        api_calls.clear()
        result = run_module(mod.main, keys())[0]
        assert [k["changed"] for k in result["kms_keys"]] == [False, True]
        assert api_calls.writes() == ["EnableKey"]
        assert key_of(SHARED)["KeyState"] == "Enabled"

    def test_existing_key_with_another_spec_fails_before_any_write(self, run_module, api_calls):
        other = kms().create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        kms().create_alias(AliasName=SHARED, TargetKeyId=other["KeyId"])
        api_calls.clear()
        result = run_module(mod.main, keys())[0]
        assert result["failed"] is True
        assert SHARED in result["msg"] and "key_spec RSA_2048" in result["msg"]
        assert api_calls.writes() == []  # not even the platform key, listed first, was created

    def test_eventual_consistency_right_after_create(self, run_module, api_calls, monkeypatch):
        """CreateAlias and EnableKeyRotation answer NotFoundException once for the key CreateKey just returned."""
        monkeypatch.setattr(eventual_consistency.time, "sleep", lambda seconds: None)
        recording = botocore.client.BaseClient._make_api_call
        failed = set()

        def not_yet_visible(self, operation, params):
            if operation in ("CreateAlias", "EnableKeyRotation") and operation not in failed:
                failed.add(operation)
                error = {"Error": {"Code": "NotFoundException", "Message": f"Key '{params}' does not exist"}}
                raise ClientError(error, operation)
            return recording(self, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", not_yet_visible)
        result = run_module(mod.main, keys())[0]
        assert result["changed"] is True, result
        assert failed == {"CreateAlias", "EnableKeyRotation"}
        assert key_of(PLATFORM)["Arn"] == result["key_arns"][PLATFORM]
        assert rotation_of(PLATFORM) is True
        assert api_calls.writes().count("CreateKey") == 2  # retried the alias, never created a second key

    @pytest.mark.parametrize(
        "override, message",
        [
            ({"platform": {"alias": "rc-local-platform"}}, "keys[0].alias: 'rc-local-platform' is not a KMS alias"),
            (
                {"shared": {"alias": "alias/aws/secretsmanager"}},
                "keys[1].alias: 'alias/aws/secretsmanager' is reserved",
            ),
            ({"shared": {"alias": PLATFORM}}, "keys: duplicate aliases alias/rc-local-platform"),
            ({"platform": {"policy": "{not json"}}, "keys[0].policy (alias/rc-local-platform): not valid JSON"),
            (
                {"platform": {"key_spec": "HMAC_256"}},
                "key_usage (alias/rc-local-platform): ENCRYPT_DECRYPT is not valid",
            ),
            (
                {"platform": {"key_spec": "RSA_2048", "key_usage": "SIGN_VERIFY"}},
                "keys[0].enable_key_rotation (alias/rc-local-platform): only SYMMETRIC_DEFAULT",
            ),
            ({"shared": {"tags": {"aws:x": "1"}}}, "keys[1].tags (alias/rc-shared): aws:x"),
        ],
    )
    def test_bad_input_fails_before_any_api_call(self, run_module, api_calls, override, message):
        result = run_module(mod.main, keys(**override))[0]
        assert result["failed"] is True
        assert message in result["msg"]
        assert api_calls == []


def test_policy_is_read_only_when_set_and_put_only_when_different(run_module, api_calls, moto_aws):
    account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    spec = {"keys": [{"alias": PLATFORM, "policy": policy}]}
    run_module(mod.main, spec)
    api_calls.clear()
    assert run_module(mod.main, spec)[0]["changed"] is False
    assert "GetKeyPolicy" in api_calls.operations() and api_calls.writes() == []
    changed = dict(policy, Statement=[dict(policy["Statement"][0], Action=["kms:Describe*", "kms:Get*"])])
    api_calls.clear()
    result = run_module(mod.main, {"keys": [{"alias": PLATFORM, "policy": changed}]})[0]
    assert result["changed"] is True and api_calls.writes() == ["PutKeyPolicy"]


def test_docs_match_the_argument_spec(doc_problems):
    assert doc_problems(mod) == []
