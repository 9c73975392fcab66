# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
from unittest.mock import MagicMock

import boto3
import pytest

from ansible_collections.rocketclub.platform.plugins.modules import secretsmanager_secrets as mod  # noqa: E402

REGION = "eu-west-1"
OWNER = "platform:value-owner"


@pytest.fixture
def aws_region():
    """These tests' boto3 clients and KMS key ARNs are in REGION (eu-west-1)."""
    return REGION


def sm():
    return boto3.client("secretsmanager", region_name=REGION)


def kms():
    return boto3.client("kms", region_name=REGION)


def make_key(alias=None):
    key = kms().create_key()["KeyMetadata"]
    if alias:
        kms().create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return key


def secret_value(name):
    return sm().get_secret_value(SecretId=name)["SecretString"]


def assert_no_leak(raw, *values):
    for value in values:
        assert value not in raw
    # the module must not rely on no_log masking to hide values
    assert "********" not in raw


FAMILY = [
    {
        "name": "prod/backstage/db",
        "description": "db creds",
        "generate": {"json_key": "password", "fields": {"username": "backstage"}},
    },
    {"name": "prod/session", "generate": {"length": 64}},
    {"name": "prod/github/pat", "description": "PAT", "value_owner": "operator"},
]


# --------------------------------------------------------------------------------------------
# Pure logic
# --------------------------------------------------------------------------------------------

KEY_A = "arn:aws:kms:eu-west-1:123456789012:key/a"
KEY_B = "arn:aws:kms:eu-west-1:123456789012:key/b"


class StaticResolver:
    def __init__(self, mapping=None):
        self.mapping = mapping or {}

    def same_key(self, current, desired):
        return current == desired or self.mapping.get(current) == desired


def current_state(**kwargs):
    state = {
        "name": "s",
        "arn": "arn:s",
        "description": "",
        "kms_key_id": None,
        "tags": {},
        "has_value": False,
        "deleted": False,
    }
    state.update(kwargs)
    return state


@pytest.mark.parametrize(
    "current, description, kms_arn, changed, expected_params",
    [
        (current_state(), "", None, False, None),
        (current_state(description="old"), "new", None, True, {"Description": "new"}),
        (current_state(kms_key_id="alias/a"), "", None, False, None),
        (current_state(kms_key_id="alias/a"), "", KEY_A, False, None),
        (current_state(kms_key_id=KEY_A), "", KEY_A, False, None),
        (current_state(kms_key_id=None), "", KEY_A, True, {"KmsKeyId": KEY_A}),
        (current_state(kms_key_id=KEY_A), "d", KEY_B, True, {"KmsKeyId": KEY_B, "Description": "d"}),
    ],
)
@pytest.mark.parametrize("check_mode", [True, False])
def test_ensure_metadata(current, description, kms_arn, changed, expected_params, check_mode):
    module = MagicMock(check_mode=check_mode)
    client = MagicMock()
    got_changed, new = mod.ensure_metadata(
        module, client, current, description, kms_arn, StaticResolver({"alias/a": KEY_A})
    )
    assert got_changed is changed
    assert new["description"] == description
    if kms_arn:
        assert new["kms_key_id"] == kms_arn
    if expected_params and not check_mode:
        client.update_secret.assert_called_once_with(SecretId="arn:s", aws_retry=True, **expected_params)
    else:
        client.update_secret.assert_not_called()


@pytest.mark.parametrize(
    "current, generate, changed, has_value",
    [
        (current_state(has_value=True), {"length": 40}, False, True),
        (current_state(has_value=False), {"length": 40}, True, True),
        (current_state(has_value=False), None, False, False),
        (current_state(has_value=True), None, False, True),
    ],
)
def test_ensure_value_check_mode(current, generate, changed, has_value):
    module = MagicMock(check_mode=True)
    client = MagicMock()
    got_changed, new = mod.ensure_value(module, client, current, generate)
    assert (got_changed, new["has_value"]) == (changed, has_value)
    assert client.method_calls == []


@pytest.mark.parametrize(
    "state, generated, marker, value_state",
    [
        (current_state(has_value=False), False, "<empty>", "empty"),
        (current_state(has_value=True), False, "<set>", "kept"),
        (current_state(has_value=True), True, "<generated>", "generated"),
    ],
)
def test_diff_and_result_entries(state, generated, marker, value_state):
    assert mod.diff_entry(state, generated)["value"] == marker
    assert mod.result_entry(state, False, generated)["value_state"] == value_state
    assert mod.diff_entry(None) is None
    assert mod.diff_entry(current_state(deleted=True))["scheduled_for_deletion"] is True


def test_secret_tags_precedence():
    spec = {"tags": {"team": "web", OWNER: "spoof"}, "value_owner": "operator"}
    assert mod.secret_tags(spec, {"team": "all", "env": "prod"}) == {"team": "web", "env": "prod", OWNER: "operator"}


# --------------------------------------------------------------------------------------------
# Module against moto
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("moto_aws")
class TestModule:
    def test_create_then_idempotent(self, run_module, api_calls):
        result, raw = run_module(mod.main, {"secrets": FAMILY, "tags": {"env": "prod"}})
        assert result["changed"] is True
        assert [s["name"] for s in result["secrets"]] == [s["name"] for s in FAMILY]
        by_name = {s["name"]: s for s in result["secrets"]}

        db = by_name["prod/backstage/db"]
        assert db["value_state"] == "generated" and db["has_value"] is True and db["changed"] is True
        assert db["arn"].startswith("arn:aws:secretsmanager:")
        assert db["tags"] == {"env": "prod", OWNER: "platform"}
        assert db["description"] == "db creds"
        pat = by_name["prod/github/pat"]
        assert (pat["value_state"], pat["has_value"], pat["value_owner"]) == ("empty", False, "operator")

        # values: JSON with fields for db, bare 64 chars for session, none for the container
        db_value = json.loads(secret_value("prod/backstage/db"))
        assert db_value["username"] == "backstage" and len(db_value["password"]) == 40
        session = secret_value("prod/session")
        assert len(session) == 64
        assert "VersionIdsToStages" not in sm().describe_secret(SecretId="prod/github/pat")
        assert_no_leak(raw, db_value["password"], session)
        assert result["diff"]["before"] == {}
        assert result["diff"]["after"]["prod/backstage/db"]["value"] == "<generated>"
        assert result["diff"]["after"]["prod/github/pat"]["value"] == "<empty>"

        api_calls.clear()
        result, raw = run_module(mod.main, {"secrets": FAMILY, "tags": {"env": "prod"}})
        assert result["changed"] is False
        assert api_calls.writes() == []
        assert api_calls.operations() == ["DescribeSecret"] * 3
        assert [s["value_state"] for s in result["secrets"]] == ["kept", "kept", "empty"]
        assert not any(s["changed"] for s in result["secrets"])
        assert secret_value("prod/session") == session
        assert_no_leak(raw, db_value["password"], session)
        assert result["diff"]["before"] == result["diff"]["after"]

    def test_check_mode_on_empty_account(self, run_module, api_calls):
        result, raw = run_module(mod.main, {"secrets": FAMILY}, check_mode=True)
        assert result["changed"] is True
        assert [s["value_state"] for s in result["secrets"]] == ["generated", "generated", "empty"]
        # A secret that would be created has the placeholder ARN the next tasks can use (docs/check_mode.md).
        assert [s["arn"] for s in result["secrets"]] == [f"pending:secret/{s['name']}" for s in FAMILY]
        assert api_calls.writes() == []
        assert sm().list_secrets()["SecretList"] == []

    def test_container_with_operator_value_is_kept(self, run_module, api_calls):
        run_module(mod.main, {"secrets": FAMILY})
        sm().put_secret_value(SecretId="prod/github/pat", SecretString="ghp_operator_value")
        api_calls.clear()
        result, raw = run_module(mod.main, {"secrets": FAMILY})
        assert result["changed"] is False
        assert api_calls.writes() == []
        assert result["secrets"][2]["value_state"] == "kept"
        assert result["diff"]["after"]["prod/github/pat"]["value"] == "<set>"
        assert secret_value("prod/github/pat") == "ghp_operator_value"
        assert_no_leak(raw, "ghp_operator_value")

    def test_existing_secret_without_value_gets_one(self, run_module, api_calls):
        sm().create_secret(Name="prod/session", Tags=[{"Key": OWNER, "Value": "platform"}])
        api_calls.clear()
        result, raw = run_module(mod.main, {"secrets": [{"name": "prod/session", "generate": {}}]})
        assert result["changed"] is True
        assert api_calls.writes() == ["PutSecretValue"]
        assert result["secrets"][0]["value_state"] == "generated"
        assert result["diff"]["before"]["prod/session"]["value"] == "<empty>"
        assert result["diff"]["after"]["prod/session"]["value"] == "<generated>"
        value = secret_value("prod/session")
        assert len(value) == 40
        assert_no_leak(raw, value)

    def test_kms_key_change_and_alias_comparison(self, run_module, api_calls):
        key_a = make_key("alias/secrets-a")
        key_b = make_key("alias/secrets-b")
        secrets = [{"name": "prod/session", "generate": {}}]
        result = run_module(mod.main, {"secrets": secrets, "kms_key_id": "alias/secrets-a"})[0]
        assert result["secrets"][0]["kms_key_id"] == key_a["Arn"]
        assert sm().describe_secret(SecretId="prod/session")["KmsKeyId"] in (key_a["Arn"], key_a["KeyId"])

        # the same key named differently is not a change
        for ref in (key_a["KeyId"], key_a["Arn"], f"arn:aws:kms:{REGION}:123456789012:alias/secrets-a"):
            api_calls.clear()
            result = run_module(mod.main, {"secrets": secrets, "kms_key_id": ref})[0]
            assert result["changed"] is False, ref
            assert api_calls.writes() == []

        api_calls.clear()
        result = run_module(mod.main, {"secrets": secrets, "kms_key_id": key_b["KeyId"]})[0]
        assert result["changed"] is True
        assert api_calls.writes() == ["UpdateSecret"]
        assert result["secrets"][0]["kms_key_id"] == key_b["Arn"]
        assert result["diff"]["before"]["prod/session"]["kms_key_id"] in (key_a["Arn"], key_a["KeyId"])
        assert result["diff"]["after"]["prod/session"]["kms_key_id"] == key_b["Arn"]
        assert sm().describe_secret(SecretId="prod/session")["KmsKeyId"] in (key_b["Arn"], key_b["KeyId"])

    def test_secret_created_outside_with_alias_kms_is_unchanged(self, run_module, api_calls):
        key = make_key("alias/outside")
        sm().create_secret(
            Name="x", SecretString="v", KmsKeyId="alias/outside", Tags=[{"Key": OWNER, "Value": "platform"}]
        )
        api_calls.clear()
        result = run_module(mod.main, {"secrets": [{"name": "x", "generate": {}}], "kms_key_id": key["Arn"]})[0]
        assert result["changed"] is False
        assert api_calls.writes() == []
        assert result["secrets"][0]["kms_key_id"] == key["Arn"]
        # The secret's alias is resolved; the key ARN the module was given needs no lookup.
        assert api_calls.named("DescribeKey", "kms") == [{"KeyId": "alias/outside"}]

    def test_noop_with_a_key_arn_makes_no_kms_call(self, run_module, api_calls):
        key = make_key("alias/platform")
        run_module(mod.main, {"secrets": [{"name": "x", "generate": {}}], "kms_key_id": key["Arn"]})
        api_calls.clear()
        result = run_module(mod.main, {"secrets": [{"name": "x", "generate": {}}], "kms_key_id": key["Arn"]})[0]
        assert result["changed"] is False
        assert api_calls.operations() == ["DescribeSecret"]
        assert sm().describe_secret(SecretId="x")["KmsKeyId"] == key["Arn"]

    def test_unknown_kms_key_fails_before_writes(self, run_module, api_calls):
        result = run_module(mod.main, {"secrets": FAMILY, "kms_key_id": "alias/does-not-exist"})[0]
        assert result["failed"] is True
        assert "alias/does-not-exist" in result["msg"]
        assert api_calls.writes() == []

    @pytest.mark.parametrize("purge", [True, False])
    def test_tags_and_description(self, run_module, api_calls, purge):
        sm().create_secret(
            Name="prod/session",
            SecretString="v",
            Description="old",
            Tags=[{"Key": "stale", "Value": "1"}, {"Key": "env", "Value": "dev"}, {"Key": OWNER, "Value": "platform"}],
        )
        api_calls.clear()
        secrets = [{"name": "prod/session", "generate": {}, "description": "new", "tags": {"team": "web"}}]
        result = run_module(mod.main, {"secrets": secrets, "tags": {"env": "prod"}, "purge_tags": purge})[0]
        assert result["changed"] is True
        expected = {"env": "prod", "team": "web", OWNER: "platform"}
        if not purge:
            expected["stale"] = "1"
        assert result["secrets"][0]["tags"] == expected
        aws_tags = {t["Key"]: t["Value"] for t in sm().describe_secret(SecretId="prod/session")["Tags"]}
        assert aws_tags == expected
        assert sm().describe_secret(SecretId="prod/session")["Description"] == "new"
        assert sorted(api_calls.writes()) == sorted(
            ["UpdateSecret", "TagResource"] + (["UntagResource"] if purge else [])
        )
        assert secret_value("prod/session") == "v"

        api_calls.clear()
        result = run_module(mod.main, {"secrets": secrets, "tags": {"env": "prod"}, "purge_tags": purge})[0]
        assert result["changed"] is False
        assert api_calls.writes() == []

    def test_source_fingerprint_tag_survives_purge(self, run_module, api_calls):
        """aurora_database_urls owns platform:source-fingerprint on the URL secrets: a purge keeps it."""
        run_module(mod.main, {"secrets": [{"name": "prod/backstage/database-url"}]})
        sm().tag_resource(
            SecretId="prod/backstage/database-url", Tags=[{"Key": "platform:source-fingerprint", "Value": "f00"}]
        )
        api_calls.clear()
        result = run_module(mod.main, {"secrets": [{"name": "prod/backstage/database-url"}], "purge_tags": True})[0]
        assert result["changed"] is False
        assert api_calls.writes() == []
        aws_tags = {t["Key"]: t["Value"] for t in sm().describe_secret(SecretId="prod/backstage/database-url")["Tags"]}
        assert aws_tags["platform:source-fingerprint"] == "f00"

    def test_value_owner_change_updates_tag_only(self, run_module, api_calls):
        run_module(mod.main, {"secrets": [{"name": "kinde"}]})
        api_calls.clear()
        result = run_module(mod.main, {"secrets": [{"name": "kinde", "value_owner": "operator"}]})[0]
        assert result["changed"] is True
        assert api_calls.writes() == ["TagResource"]
        assert result["secrets"][0]["value_owner"] == "operator"

    def test_restore_scheduled_for_deletion(self, run_module, api_calls):
        run_module(mod.main, {"secrets": FAMILY})
        original = secret_value("prod/session")
        sm().delete_secret(SecretId="prod/session", RecoveryWindowInDays=7)
        api_calls.clear()
        result, raw = run_module(mod.main, {"secrets": FAMILY})
        assert result["changed"] is True
        assert api_calls.writes() == ["RestoreSecret"]
        assert result["diff"]["before"]["prod/session"]["scheduled_for_deletion"] is True
        assert "scheduled_for_deletion" not in result["diff"]["after"]["prod/session"]
        assert "DeletedDate" not in sm().describe_secret(SecretId="prod/session")
        assert secret_value("prod/session") == original
        assert_no_leak(raw, original)

    def test_restore_in_check_mode_writes_nothing(self, run_module, api_calls):
        run_module(mod.main, {"secrets": FAMILY})
        sm().delete_secret(SecretId="prod/session", RecoveryWindowInDays=7)
        api_calls.clear()
        result = run_module(mod.main, {"secrets": FAMILY}, check_mode=True)[0]
        assert result["changed"] is True
        assert api_calls.writes() == []
        assert "DeletedDate" in sm().describe_secret(SecretId="prod/session")

    @pytest.mark.parametrize(
        "secrets, message",
        [
            (
                [{"name": "a", "value_owner": "operator", "generate": {}}],
                "generate is not allowed with value_owner=operator",
            ),
            ([{"name": "a", "generate": {"fields": {"u": "x"}}}], "json_key"),
            ([{"name": "a", "generate": {"json_key": "u", "fields": {"u": "x"}}}], "must not contain the json_key"),
            ([{"name": "a", "generate": {"length": 8}}], "length must be between 16 and 4096"),
            ([{"name": "a"}, {"name": "a"}], "Duplicate secret names: a"),
            ([{"name": "a", "value_owner": "nobody"}], "value_owner"),
            ([{"description": "x"}], "name"),
        ],
    )
    def test_bad_input_fails_before_any_api_call(self, run_module, api_calls, secrets, message):
        result = run_module(mod.main, {"secrets": secrets})[0]
        assert result["failed"] is True
        assert message in result["msg"]
        assert api_calls == []

    def test_aws_error_has_no_value_and_keeps_partial_results(self, run_module, api_calls, monkeypatch):
        import botocore.client

        original = botocore.client.BaseClient._make_api_call

        def failing(self, operation_name, api_params):
            if operation_name == "CreateSecret" and api_params["Name"] == "prod/session":
                raise botocore.exceptions.ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, operation_name
                )
            return original(self, operation_name, api_params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", failing)
        result, raw = run_module(mod.main, {"secrets": FAMILY})
        assert result["failed"] is True
        assert result["msg"].startswith("Failed to manage secret prod/session")
        assert [s["name"] for s in result["secrets"]] == ["prod/backstage/db"]
        password = json.loads(secret_value("prod/backstage/db"))["password"]
        assert password not in raw

    # ----------------------------------------------------------------------------------------
    # A name that is an existing secret's name plus its ARN suffix
    # ----------------------------------------------------------------------------------------

    @pytest.mark.parametrize("check_mode", [False, True])
    def test_name_with_the_arn_suffix_of_an_existing_secret_is_refused(self, run_module, api_calls, check_mode):
        arn = sm().create_secret(Name="prod/kinde/client-secret", Tags=[{"Key": OWNER, "Value": "operator"}])["ARN"]
        suffixed = "prod/kinde/client-secret-" + arn.rsplit("-", 1)[1]
        api_calls.clear()
        secrets = [{"name": suffixed, "value_owner": "operator"}]
        result = run_module(mod.main, {"secrets": secrets}, check_mode=check_mode)[0]
        assert result["failed"] is True
        assert f"existing secret prod/kinde/client-secret plus the suffix '-{arn.rsplit('-', 1)[1]}'" in result["msg"]
        assert "use the name 'prod/kinde/client-secret' (drop the suffix)" in result["msg"]
        assert api_calls.writes() == []
        assert [s["Name"] for s in sm().list_secrets()["SecretList"]] == ["prod/kinde/client-secret"]

    def test_name_ending_like_a_suffix_of_another_secret_is_created(self, run_module, api_calls):
        # `prod/app/token-AbCdEf` while `prod/app/token` exists with another ARN suffix: a real name.
        arn = sm().create_secret(Name="prod/app/token")["ARN"]
        other = "AbCdEf" if not arn.endswith("-AbCdEf") else "ZyXwVu"
        api_calls.clear()
        result = run_module(mod.main, {"secrets": [{"name": f"prod/app/token-{other}", "generate": {}}]})[0]
        assert result["changed"] is True, result
        assert api_calls.operations() == ["DescribeSecret", "DescribeSecret", "CreateSecret"]

    def test_existing_names_ending_in_six_letters_cost_no_extra_call(self, run_module, api_calls):
        secrets = [
            {"name": "prod/backstage/session-secret", "generate": {}},
            {"name": "prod/kinde/client-secret", "value_owner": "operator"},
        ]
        result = run_module(mod.main, {"secrets": secrets})[0]
        assert result["changed"] is True
        # creating: one look-up of the name without its tail each (none exists)
        assert api_calls.operations() == ["DescribeSecret", "DescribeSecret", "CreateSecret"] * 2
        api_calls.clear()
        result = run_module(mod.main, {"secrets": secrets})[0]
        assert result["changed"] is False
        assert api_calls.operations() == ["DescribeSecret"] * 2


# --------------------------------------------------------------------------------------------
# Check-mode placeholders (a KMS key that check mode predicts)
# --------------------------------------------------------------------------------------------

PENDING_KEY = "pending:kms-key/alias/rocketclub-local-platform"


@pytest.mark.usefixtures("moto_aws")
class TestPendingKey:
    def test_check_mode_with_a_pending_key_predicts_and_calls_no_kms(self, run_module, api_calls):
        result = run_module(mod.main, {"secrets": FAMILY, "kms_key_id": PENDING_KEY}, check_mode=True, diff=True)[0]
        assert result["changed"] is True
        assert all(s["kms_key_id"] == PENDING_KEY for s in result["secrets"])
        assert api_calls.operations("kms") == [] and api_calls.writes() == []

    def test_existing_secret_would_move_to_the_pending_key(self, run_module, api_calls):
        key = make_key()
        run_module(mod.main, {"secrets": FAMILY, "kms_key_id": key["Arn"]})
        api_calls.clear()
        result = run_module(mod.main, {"secrets": FAMILY, "kms_key_id": PENDING_KEY}, check_mode=True, diff=True)[0]
        assert result["changed"] is True and all(s["changed"] for s in result["secrets"])
        assert result["diff"]["before"]["prod/session"]["kms_key_id"] == key["Arn"]
        assert result["diff"]["after"]["prod/session"]["kms_key_id"] == PENDING_KEY
        assert api_calls.writes() == []

    def test_real_run_refuses_a_placeholder_before_any_call(self, run_module, api_calls):
        run = run_module(mod.main, {"secrets": FAMILY, "kms_key_id": PENDING_KEY})
        assert run.rc == 1 and "check-mode placeholder" in run.result["msg"]
        assert api_calls.operations() == []
