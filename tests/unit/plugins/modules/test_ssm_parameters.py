# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from unittest.mock import MagicMock

import boto3
import pytest

from ansible_collections.rocketclub.platform.plugins.modules import ssm_parameters as mod  # noqa: E402

REGION = "eu-west-1"


@pytest.fixture
def aws_region():
    """These tests' boto3 clients and KMS keys are in REGION (eu-west-1)."""
    return REGION


def ssm():
    return boto3.client("ssm", region_name=REGION)


def make_key(alias=None):
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key()["KeyMetadata"]
    if alias:
        kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return key


def decrypted(name):
    return ssm().get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]


def aws_tags(name):
    return {
        t["Key"]: t["Value"] for t in ssm().list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    }


FAMILY = [
    {"name": "/prod/infra/park_mode", "value": "unparked", "overwrite": False},
    {"name": "/prod/infra/origins", "type": "StringList", "value": "a.example,b.example", "description": "origins"},
    {"name": "/prod/app/signing_key", "type": "SecureString", "generate": {}},
]


# --------------------------------------------------------------------------------------------
# Pure logic: plan_put
# --------------------------------------------------------------------------------------------


def spec(**kwargs):
    s = {
        "name": "/p",
        "type": "String",
        "value": "v",
        "generate": None,
        "overwrite": True,
        "description": "",
        "tier": "Standard",
        "tags": {},
    }
    s.update(kwargs)
    return s


def current(**kwargs):
    c = {
        "name": "/p",
        "type": "String",
        "value": "v",
        "version": 1,
        "description": "",
        "tier": "Standard",
        "kms_key_id": None,
        "tags": {},
    }
    c.update(kwargs)
    return c


SECURE_SPEC = dict(type="SecureString", value=None, generate={"length": 48})
SECURE_CURRENT = dict(type="SecureString", value=None, kms_key_id="alias/aws/ssm")


@pytest.mark.parametrize(
    "desired, existing, expected, warns",
    [
        # missing parameters are created
        (spec(), None, (True, "desired"), False),
        (spec(**SECURE_SPEC), None, (True, "generate"), False),
        # String / StringList with overwrite
        (spec(), current(), (False, None), False),
        (spec(value="new"), current(), (True, "desired"), False),
        (spec(type="StringList"), current(), (True, "desired"), False),
        (spec(description="d"), current(), (True, "desired"), False),
        (spec(tier="Advanced"), current(), (True, "desired"), False),
        (spec(tier="Intelligent-Tiering"), current(tier="Advanced"), (False, None), False),
        (spec(), current(tier="Advanced"), (False, None), True),
        (spec(), current(**SECURE_CURRENT), (True, "desired"), False),
        # overwrite false: value kept, metadata re-put with the current value
        (spec(value="unparked", overwrite=False), current(value="parked"), (False, None), False),
        (spec(value="unparked", overwrite=False, description="d"), current(value="parked"), (True, "current"), False),
        (spec(value="unparked", overwrite=False, type="StringList"), current(value="parked"), (True, "current"), False),
        (spec(overwrite=False), current(**SECURE_CURRENT), (False, None), True),
        # generated SecureString: generated once, kept
        (spec(**SECURE_SPEC), current(**SECURE_CURRENT), (False, None), False),
        (spec(**SECURE_SPEC, description="d"), current(**SECURE_CURRENT), (False, None), True),
        (spec(**SECURE_SPEC), current(), (True, "generate"), False),
    ],
)
def test_plan_put(desired, existing, expected, warns):
    module = MagicMock()
    assert mod.plan_put(module, desired, existing, None, None) == expected
    assert module.warn.called is warns


@pytest.mark.parametrize("same, warns", [(True, False), (False, True)])
def test_plan_put_secure_kms_mismatch_warns(same, warns):
    module = MagicMock()
    resolver = MagicMock()
    resolver.same_key.return_value = same
    assert mod.plan_put(module, spec(**SECURE_SPEC), current(**SECURE_CURRENT), "arn:key", resolver) == (False, None)
    assert module.warn.called is warns


@pytest.mark.parametrize(
    "spec_tier, current_tier, expected",
    [
        ("Standard", None, "Standard"),
        ("Standard", "Advanced", "Advanced"),
        ("Advanced", "Standard", "Advanced"),
        ("Intelligent-Tiering", "Advanced", "Intelligent-Tiering"),
    ],
)
def test_effective_tier(spec_tier, current_tier, expected):
    assert mod.effective_tier(spec_tier, current(tier=current_tier) if current_tier else None) == expected


def test_result_entry_omits_secure_value():
    state = current(**SECURE_CURRENT)
    state["value"] = "ciphertext"
    assert "value" not in mod.result_entry(state, False)
    assert mod.diff_entry(state)["value"] == "<set>"
    assert mod.diff_entry(state, generated=True)["value"] == "<generated>"
    assert mod.result_entry(current(), True)["value"] == "v"


# --------------------------------------------------------------------------------------------
# Module against moto
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("moto_aws")
class TestModule:
    def test_create_then_idempotent(self, run_module, api_calls):
        result, raw = run_module(mod.main, {"parameters": FAMILY, "tags": {"env": "prod"}})
        assert result["changed"] is True
        by_name = {p["name"]: p for p in result["parameters"]}
        assert [p["name"] for p in result["parameters"]] == [p["name"] for p in FAMILY]
        assert by_name["/prod/infra/park_mode"]["value"] == "unparked"
        assert by_name["/prod/infra/origins"]["type"] == "StringList"
        assert by_name["/prod/infra/origins"]["description"] == "origins"
        key = by_name["/prod/app/signing_key"]
        assert key["type"] == "SecureString" and key["version"] == 1 and "value" not in key
        assert all(p["tags"] == {"env": "prod"} for p in result["parameters"])
        assert aws_tags("/prod/app/signing_key") == {"env": "prod"}
        secret = decrypted("/prod/app/signing_key")
        assert len(secret) == 48
        assert secret not in raw and "********" not in raw
        assert result["diff"]["after"]["/prod/app/signing_key"]["value"] == "<generated>"
        assert result["diff"]["after"]["/prod/infra/park_mode"]["value"] == "unparked"

        api_calls.clear()
        result, raw = run_module(mod.main, {"parameters": FAMILY, "tags": {"env": "prod"}})
        calls = list(api_calls)
        assert result["changed"] is False
        assert api_calls.writes() == []
        assert not any(p["changed"] for p in result["parameters"])
        assert decrypted("/prod/app/signing_key") == secret
        assert secret not in raw
        assert result["diff"]["before"] == result["diff"]["after"]
        assert result["diff"]["after"]["/prod/app/signing_key"]["value"] == "<set>"
        # a SecureString value is never fetched, not even encrypted
        for _service, operation, params in calls:
            assert not params.get("WithDecryption")
            if operation == "GetParameters":
                assert "/prod/app/signing_key" not in params["Names"]

    def test_check_mode_on_empty_account(self, run_module, api_calls):
        result = run_module(mod.main, {"parameters": FAMILY}, check_mode=True)[0]
        assert result["changed"] is True
        assert [p["version"] for p in result["parameters"]] == [1, 1, 1]
        assert api_calls.writes() == []
        assert ssm().describe_parameters()["Parameters"] == []

    def test_park_mode_not_reset(self, run_module, api_calls):
        run_module(mod.main, {"parameters": FAMILY})
        ssm().put_parameter(Name="/prod/infra/park_mode", Value="parked", Type="String", Overwrite=True)
        api_calls.clear()
        result = run_module(mod.main, {"parameters": FAMILY})[0]
        assert result["changed"] is False
        assert api_calls.writes() == []
        assert result["parameters"][0]["value"] == "parked"
        assert result["parameters"][0]["version"] == 2
        assert ssm().get_parameter(Name="/prod/infra/park_mode")["Parameter"]["Value"] == "parked"

    def test_overwrite_false_still_reconciles_description(self, run_module, api_calls):
        ssm().put_parameter(Name="/prod/infra/park_mode", Value="parked", Type="String")
        api_calls.clear()
        params = [
            {"name": "/prod/infra/park_mode", "value": "unparked", "overwrite": False, "description": "park switch"}
        ]
        result = run_module(mod.main, {"parameters": params})[0]
        assert result["changed"] is True
        assert api_calls.writes() == ["PutParameter"]
        assert result["parameters"][0]["value"] == "parked"
        described = ssm().describe_parameters()["Parameters"][0]
        assert described["Description"] == "park switch"
        assert ssm().get_parameter(Name="/prod/infra/park_mode")["Parameter"]["Value"] == "parked"

    def test_value_and_type_change_with_overwrite(self, run_module, api_calls):
        run_module(mod.main, {"parameters": FAMILY})
        changed = [
            dict(FAMILY[1], value="c.example"),
            dict(FAMILY[0], overwrite=True, value="unparked", type="StringList"),
        ]
        api_calls.clear()
        result = run_module(mod.main, {"parameters": changed})[0]
        assert result["changed"] is True
        assert api_calls.writes() == ["PutParameter", "PutParameter"]
        assert [p["version"] for p in result["parameters"]] == [2, 2]
        assert result["diff"]["before"]["/prod/infra/origins"]["value"] == "a.example,b.example"
        assert result["diff"]["after"]["/prod/infra/origins"]["value"] == "c.example"
        assert ssm().get_parameter(Name="/prod/infra/park_mode")["Parameter"]["Type"] == "StringList"

    def test_secure_string_generated_once(self, run_module, api_calls):
        params = [{"name": "/prod/app/signing_key", "type": "SecureString", "generate": {"length": 32}}]
        run_module(mod.main, {"parameters": params})
        first = decrypted("/prod/app/signing_key")
        for length in (32, 64):  # changing generate settings does not regenerate
            api_calls.clear()
            params[0]["generate"]["length"] = length
            result, raw = run_module(mod.main, {"parameters": params})
            assert result["changed"] is False
            assert api_calls.writes() == []
            assert result["parameters"][0]["version"] == 1
            assert first not in raw
        assert decrypted("/prod/app/signing_key") == first

    def test_secure_string_kms_key(self, run_module, api_calls):
        key_a = make_key("alias/params-a")
        key_b = make_key("alias/params-b")
        params = [{"name": "/prod/app/signing_key", "type": "SecureString", "generate": {}}]
        run_module(mod.main, {"parameters": params, "kms_key_id": "alias/params-a"})
        put = [p for dummy, op, p in api_calls if op == "PutParameter"][0]
        assert put["KeyId"] == key_a["Arn"]
        api_calls.clear()
        result = run_module(mod.main, {"parameters": params, "kms_key_id": key_a["KeyId"]})[0]
        assert result["changed"] is False and result.get("warnings") is None
        api_calls.clear()
        run = run_module(mod.main, {"parameters": params, "kms_key_id": "alias/params-b"})
        result = run.result
        assert result["changed"] is False
        assert api_calls.writes() == []
        warnings = run.warnings
        assert any("re-encrypting would need its value" in w for w in warnings)
        assert key_b["Arn"] in " ".join(warnings)

    def test_tags_purge_and_merge(self, run_module, api_calls):
        ssm().put_parameter(
            Name="/prod/x",
            Value="v",
            Type="String",
            Tags=[{"Key": "stale", "Value": "1"}, {"Key": "env", "Value": "dev"}],
        )
        api_calls.clear()
        params = [{"name": "/prod/x", "value": "v", "tags": {"team": "web"}}]
        result = run_module(mod.main, {"parameters": params, "tags": {"env": "prod"}})[0]
        assert result["changed"] is True
        assert sorted(api_calls.writes()) == ["AddTagsToResource", "RemoveTagsFromResource"]
        assert aws_tags("/prod/x") == {"env": "prod", "team": "web"}
        assert result["parameters"][0]["version"] == 1

        api_calls.clear()
        result = run_module(mod.main, {"parameters": params, "tags": {"env": "prod", "extra": 1}, "purge_tags": False})[
            0
        ]
        assert api_calls.writes() == ["AddTagsToResource"]
        assert aws_tags("/prod/x") == {"env": "prod", "team": "web", "extra": "1"}

    def test_batches_of_more_than_ten(self, run_module, api_calls):
        params = [{"name": f"/prod/batch/p{i:02d}", "value": str(i)} for i in range(23)]
        run_module(mod.main, {"parameters": params})
        api_calls.clear()
        result = run_module(mod.main, {"parameters": params})[0]
        assert result["changed"] is False
        assert [p["value"] for p in result["parameters"]] == [str(i) for i in range(23)]
        gets = [p for dummy, op, p in api_calls if op == "GetParameters"]
        assert [len(p["Names"]) for p in gets] == [10, 10, 3]
        assert api_calls.writes() == []

    @pytest.mark.parametrize(
        "params, message",
        [
            ([{"name": "no-slash", "value": "v"}], "must start with '/'"),
            ([{"name": "/s", "type": "SecureString", "value": "v"}], "out of scope"),
            ([{"name": "/s", "generate": {}}], "generate requires type SecureString"),
            ([{"name": "/s", "type": "SecureString", "generate": {"length": 4}}], "length must be between"),
            ([{"name": "/s", "value": "v", "generate": {}}], "mutually exclusive"),
            ([{"name": "/s"}], "one of the following is required"),
            ([{"name": "/s", "value": ""}], "must not be empty"),
            ([{"name": "/s", "value": "v", "tier": "Huge"}], "tier"),
            ([{"name": "/s", "value": "a"}, {"name": "/s", "value": "b"}], "Duplicate parameter names: /s"),
        ],
    )
    def test_bad_input_fails_before_any_api_call(self, run_module, api_calls, params, message):
        result = run_module(mod.main, {"parameters": params})[0]
        assert result["failed"] is True
        assert message in result["msg"]
        assert api_calls == []


PENDING_KEY = "pending:kms-key/alias/rocketclub-local-platform"


@pytest.mark.usefixtures("moto_aws")
class TestPendingKey:
    def test_check_mode_with_a_pending_key_predicts_the_parameters(self, run_module, api_calls):
        result = run_module(mod.main, {"parameters": FAMILY, "kms_key_id": PENDING_KEY}, check_mode=True, diff=True)[0]
        assert result["changed"] is True and all(p["changed"] for p in result["parameters"])
        assert api_calls.operations("kms") == [] and api_calls.writes() == []

    def test_real_run_refuses_a_placeholder_before_any_call(self, run_module, api_calls):
        run = run_module(mod.main, {"parameters": FAMILY, "kms_key_id": PENDING_KEY})
        assert run.rc == 1 and "check-mode placeholder" in run.result["msg"]
        assert api_calls.operations() == []
