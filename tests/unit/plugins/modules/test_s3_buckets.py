# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drive ``rocketclub.platform.s3_buckets`` in-process against moto, plus its pure logic."""

from __future__ import annotations

from unittest.mock import MagicMock

import boto3
import pytest
from botocore.exceptions import ClientError

from ansible_collections.rocketclub.platform.plugins.modules import s3_buckets as mod  # noqa: E402

REGION = "eu-west-2"
PENDING_KEY = "pending:kms-key/alias/rocketclub-local-platform"
TAGS = {"platform:env": "local", "platform:managed-by": "rocketclub.platform"}
ALL_BLOCKED = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)


def writes(api_calls):
    """Write calls (HeadBucket is a read, as in the local cloud's request log)."""
    return [op for op in api_calls.writes() if op != "HeadBucket"]


def s3():
    return boto3.client("s3", region_name=REGION)


@pytest.fixture
def key(moto_aws):
    return boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]


def bucket(name, key_arn, layer="raw", **extra):
    spec = {
        "name": name,
        "encryption": "aws:kms",
        "kms_key_id": key_arn,
        "bucket_key_enabled": True,
        "tags": {"platform:data-layer": layer},
    }
    spec.update(extra)
    return spec


def args(key_arn, *names, **extra):
    names = names or ("rc-local-raw", "rc-local-clean")
    return dict({"tags": TAGS, "buckets": [bucket(n, key_arn) for n in names]}, **extra)


@pytest.mark.usefixtures("moto_aws")
class TestModule:
    def test_create_then_idempotent_no_op(self, run_module, api_calls, key):
        result = run_module(mod.main, args(key["Arn"]), diff=True)[0]
        assert result["changed"] is True and [b["created"] for b in result["buckets"]] == [True, True]
        assert result["buckets"][0]["arn"] == "arn:aws:s3:::rc-local-raw"
        creates = api_calls.named("CreateBucket")
        assert creates[0] == {
            "Bucket": "rc-local-raw",
            "ObjectOwnership": "BucketOwnerEnforced",
            "CreateBucketConfiguration": {"LocationConstraint": REGION},
        }
        for name in ("rc-local-raw", "rc-local-clean"):
            rule = s3().get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
            assert rule["ApplyServerSideEncryptionByDefault"] == {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": key["Arn"],
            }
            assert rule["BucketKeyEnabled"] is True
            assert s3().get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"] == ALL_BLOCKED
            assert s3().get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
            ownership = s3().get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
            assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
            tags = {t["Key"]: t["Value"] for t in s3().get_bucket_tagging(Bucket=name)["TagSet"]}
            assert tags == dict(TAGS, **{"platform:data-layer": "raw"})
        assert result["diff"]["before"] == {}
        assert result["diff"]["after"]["rc-local-raw"]["encryption"]["kms_key_id"] == key["Arn"]

        api_calls.clear()
        result = run_module(mod.main, args(key["Arn"]), diff=True)[0]
        assert result["changed"] is False
        assert writes(api_calls) == []
        assert result["diff"] == {"before": {}, "after": {}}

    def test_check_mode_on_an_empty_account_with_a_pending_key(self, run_module, api_calls):
        result = run_module(mod.main, args(PENDING_KEY), check_mode=True, diff=True)[0]
        assert result["changed"] is True
        assert [b["changes"][0] for b in result["buckets"]] == ["create", "create"]
        assert result["diff"]["after"]["rc-local-raw"]["encryption"]["kms_key_id"] == PENDING_KEY
        assert writes(api_calls) == [] and api_calls.operations("kms") == []
        assert s3().list_buckets()["Buckets"] == []

    def test_drift_of_an_existing_bucket_shows_in_check_mode_then_is_fixed(self, run_module, api_calls, key):
        run_module(mod.main, args(key["Arn"]))
        # by hand: public access block loosened, encryption back to SSE-S3, a tag added
        s3().put_public_access_block(
            Bucket="rc-local-raw", PublicAccessBlockConfiguration=dict(ALL_BLOCKED, BlockPublicPolicy=False)
        )
        s3().put_bucket_encryption(
            Bucket="rc-local-raw",
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        s3().put_bucket_tagging(Bucket="rc-local-raw", Tagging={"TagSet": [{"Key": "extra", "Value": "x"}]})
        api_calls.clear()
        check = run_module(mod.main, args(key["Arn"]), check_mode=True, diff=True)[0]
        assert check["changed"] is True and writes(api_calls) == []
        assert check["buckets"][0]["changes"] == ["encryption", "public_access_block", "tags"]
        assert check["buckets"][1]["changed"] is False
        assert check["diff"]["before"]["rc-local-raw"]["encryption"]["algorithm"] == "AES256"
        assert check["diff"]["before"]["rc-local-raw"]["public_access_block"]["block_public_policy"] is False
        assert check["diff"]["after"]["rc-local-raw"]["public_access_block"]["block_public_policy"] is True
        assert check["diff"]["after"]["rc-local-raw"]["tags"] == dict(TAGS, **{"platform:data-layer": "raw"})
        assert list(check["diff"]["before"]) == list(check["diff"]["after"]) == ["rc-local-raw"]

        api_calls.clear()
        result = run_module(mod.main, args(key["Arn"]))[0]
        assert result["buckets"][0]["changes"] == check["buckets"][0]["changes"]
        assert writes(api_calls) == ["PutBucketEncryption", "PutPublicAccessBlock", "PutBucketTagging"]
        assert run_module(mod.main, args(key["Arn"]), check_mode=True)[0]["changed"] is False

    def test_key_given_as_an_alias_compares_equal_to_the_key_arn(self, run_module, api_calls, key):
        boto3.client("kms", region_name=REGION).create_alias(AliasName="alias/data", TargetKeyId=key["KeyId"])
        run_module(mod.main, args(key["Arn"]))
        api_calls.clear()
        assert run_module(mod.main, args("alias/data"))[0]["changed"] is False
        assert writes(api_calls) == []

    def test_a_pending_key_on_an_existing_bucket_would_update_it(self, run_module, api_calls, key):
        run_module(mod.main, args(key["Arn"]))
        api_calls.clear()
        result = run_module(mod.main, args(PENDING_KEY), check_mode=True)[0]
        assert [b["changes"] for b in result["buckets"]] == [["encryption"], ["encryption"]]
        assert writes(api_calls) == []

    def test_sse_s3_and_ownership_drift(self, run_module, api_calls):
        spec = {"name": "rc-local-cache", "encryption": "AES256", "object_ownership": "BucketOwnerPreferred"}
        run_module(mod.main, {"buckets": [spec]})
        assert (
            s3().get_bucket_ownership_controls(Bucket="rc-local-cache")["OwnershipControls"]["Rules"][0][
                "ObjectOwnership"
            ]
            == "BucketOwnerPreferred"
        )
        api_calls.clear()
        result = run_module(mod.main, {"buckets": [dict(spec, object_ownership="BucketOwnerEnforced")]})[0]
        assert result["buckets"][0]["changes"] == ["object_ownership"]
        assert writes(api_calls) == ["PutBucketOwnershipControls"]

    def test_versioning_false_suspends_only_an_enabled_bucket(self, run_module, api_calls):
        run_module(mod.main, {"buckets": [{"name": "rc-local-v"}]})
        api_calls.clear()
        result = run_module(mod.main, {"buckets": [{"name": "rc-local-v", "versioning": False}]})[0]
        assert result["buckets"][0]["changes"] == ["versioning"]
        assert s3().get_bucket_versioning(Bucket="rc-local-v")["Status"] == "Suspended"
        api_calls.clear()
        assert run_module(mod.main, {"buckets": [{"name": "rc-local-v", "versioning": False}]})[0]["changed"] is False
        assert writes(api_calls) == []

    def test_real_run_refuses_a_placeholder_before_any_call(self, run_module, api_calls):
        run = run_module(mod.main, args(PENDING_KEY))
        assert run.rc == 1 and "check-mode placeholder" in run.result["msg"]
        assert api_calls.operations() == []

    def test_bad_input_fails_before_any_call(self, run_module, api_calls):
        run = run_module(mod.main, {"buckets": [{"name": "a-b-c"}, {"name": "a-b-c"}]})
        assert run.rc == 1 and "duplicate bucket names a-b-c" in run.result["msg"]
        run = run_module(mod.main, {"buckets": [{"name": "a-b-c", "kms_key_id": "alias/x"}]})
        assert run.rc == 1 and "buckets[0] (a-b-c).kms_key_id" in run.result["msg"]
        assert api_calls.operations() == []


# --------------------------------------------------------------------------------------------
# S3 answers moto does not give
# --------------------------------------------------------------------------------------------


def _error(code, message="x", headers=None):
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPHeaders": headers or {}}}, "Op"
    )


def test_bucket_of_another_account_or_region_fails_naming_it():
    client = MagicMock()
    buckets = mod.S3Buckets(MagicMock(check_mode=True), client, None, REGION)
    client.head_bucket.side_effect = _error("403", "Forbidden")
    with pytest.raises(mod.BucketElsewhere, match="rc-x: the name is taken by another AWS account"):
        buckets.read("rc-x")
    client.head_bucket.side_effect = _error("301", "Moved Permanently", {"x-amz-bucket-region": "us-west-2"})
    with pytest.raises(mod.BucketElsewhere, match="rc-x exists in us-west-2, not in eu-west-2"):
        buckets.read("rc-x")
    # botocore's S3 region redirector retried the call in the bucket's region: the answer names it
    client.head_bucket.side_effect = None
    client.head_bucket.return_value = {"BucketRegion": "us-east-1", "ResponseMetadata": {"HTTPHeaders": {}}}
    with pytest.raises(mod.BucketElsewhere, match="rc-x exists in us-east-1, not in eu-west-2"):
        buckets.read("rc-x")
    assert not client.get_bucket_versioning.called


def test_settings_that_are_not_set_read_as_absent():
    """Real S3 answers these errors for a bucket without the setting (moto too, except where noted)."""
    client = MagicMock()
    client.head_bucket.return_value = {"BucketRegion": REGION}
    client.get_bucket_versioning.return_value = {}
    client.get_bucket_encryption.side_effect = _error("ServerSideEncryptionConfigurationNotFoundError")
    client.get_public_access_block.side_effect = _error("NoSuchPublicAccessBlockConfiguration")
    client.get_bucket_ownership_controls.side_effect = _error("OwnershipControlsNotFoundError")
    client.get_bucket_tagging.side_effect = _error("NoSuchTagSet")
    state = mod.S3Buckets(MagicMock(check_mode=True), client, None, REGION).read("rc-x")
    assert state == {
        "versioning": "Disabled",
        "encryption": {"algorithm": None, "kms_key_id": None, "bucket_key_enabled": False},
        "public_access_block": dict.fromkeys(
            ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"), False
        ),
        "object_ownership": None,
        "tags": {},
    }


def test_writes_right_after_create_are_retried_and_us_east_1_has_no_location_constraint():
    client = MagicMock()
    client.put_bucket_versioning.side_effect = [_error("NoSuchBucket", "The specified bucket does not exist"), {}]
    client.put_bucket_encryption.side_effect = [_error("OperationAborted", "A conflicting conditional operation"), {}]
    sleeps = []
    buckets = mod.S3Buckets(MagicMock(check_mode=False), client, None, "us-east-1", sleep=sleeps.append)
    desired = mod.desired_settings(
        dict(
            bucket("rc-x", "arn:aws:kms:us-east-1:1:key/a"),
            versioning=True,
            public_access_block={},
            object_ownership="BucketOwnerEnforced",
        ),
        {},
    )
    buckets.create("rc-x", desired)
    assert "CreateBucketConfiguration" not in client.create_bucket.call_args.kwargs
    changes, tags = buckets.plan(mod.new_bucket_state(desired), desired, True)
    buckets.write("rc-x", desired, changes, tags, new=True)
    assert client.put_bucket_versioning.call_count == 2 and client.put_bucket_encryption.call_count == 2
    assert len(sleeps) == 2
    # an existing bucket's NoSuchBucket is not a propagation delay: raised at once
    client.put_bucket_versioning.side_effect = _error("NoSuchBucket")
    with pytest.raises(ClientError):
        buckets.write("rc-x", desired, ["versioning"], {}, new=False)


def test_documentation_matches_argument_spec(doc_problems):
    assert doc_problems(mod) == []
