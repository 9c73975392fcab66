# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.ec2_managed_prefix_list_info against moto."""

from __future__ import annotations

import json
from unittest import mock

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from botocore.client import BaseClient  # noqa: E402
from moto import mock_aws  # noqa: E402

from ansible.module_utils.testing import patch_module_args  # noqa: E402

from ansible_collections.rocketclub.platform.plugins.modules import ec2_managed_prefix_list_info  # noqa: E402

REGION = "eu-west-2"
CLOUDFRONT = "com.amazonaws.global.cloudfront.origin-facing"


@pytest.fixture
def api_calls():
    calls = []
    original = BaseClient._make_api_call

    def recording(client, operation_name, api_params):
        calls.append(operation_name)
        return original(client, operation_name, api_params)

    with mock.patch.object(BaseClient, "_make_api_call", recording):
        yield calls


@pytest.fixture
def ec2(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.client("ec2", region_name=REGION)


def run_module(capsys, args, check_mode=False):
    module_args = dict(args, region=REGION)
    if check_mode:
        module_args["_ansible_check_mode"] = True
    with patch_module_args(module_args):
        with pytest.raises(SystemExit) as exc:
            ec2_managed_prefix_list_info.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def test_finds_cloudfront_origin_facing(capsys, ec2, api_calls):
    rc, result = run_module(capsys, {"names": [CLOUDFRONT]}, check_mode=True)
    assert rc == 0, result
    assert result["changed"] is False
    (pl,) = result["prefix_lists"]
    assert pl["prefix_list_name"] == CLOUDFRONT
    assert pl["prefix_list_id"].startswith("pl-")
    assert pl["owner_id"] == "AWS"
    assert pl["address_family"] == "IPv4"
    assert pl["state"] == "create-complete"
    assert pl["tags"] == {}
    assert "entries" not in pl
    expected = ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [CLOUDFRONT]}])
    assert pl["prefix_list_id"] == expected["PrefixLists"][0]["PrefixListId"]
    assert all(c.startswith(("Describe", "Get")) for c in api_calls)


def test_include_entries_and_lookup_by_id(capsys, ec2):
    pl_id = ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [CLOUDFRONT]}])[
        "PrefixLists"
    ][0]["PrefixListId"]
    rc, result = run_module(capsys, {"ids": [pl_id], "include_entries": True})
    assert rc == 0, result
    (pl,) = result["prefix_lists"]
    assert pl["prefix_list_name"] == CLOUDFRONT
    entries = pl["entries"]
    assert entries, "moto serves CIDRs for the CloudFront list"
    assert entries == sorted(entries, key=lambda e: e["cidr"])
    assert set(entries[0]) == {"cidr", "description"}
    live = ec2.get_managed_prefix_list_entries(PrefixListId=pl_id)["Entries"]
    assert sorted(e["cidr"] for e in entries) == sorted(e["Cidr"] for e in live)


def test_names_keep_input_order_and_filters_combine(capsys, ec2):
    s3 = f"com.amazonaws.{REGION}.s3"
    rc, result = run_module(capsys, {"names": [s3, CLOUDFRONT], "filters": {"owner-id": "AWS"}})
    assert rc == 0, result
    assert [p["prefix_list_name"] for p in result["prefix_lists"]] == [s3, CLOUDFRONT]


def test_filters_only_sorted(capsys, ec2):
    rc, result = run_module(capsys, {"filters": {"owner-id": "AWS"}})
    assert rc == 0, result
    names = [p["prefix_list_name"] for p in result["prefix_lists"]]
    assert CLOUDFRONT in names
    assert names == sorted(names)


def test_customer_managed_list(capsys, ec2):
    created = ec2.create_managed_prefix_list(
        PrefixListName="office",
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[{"Cidr": "192.0.2.0/24", "Description": "office"}],
        TagSpecifications=[{"ResourceType": "prefix-list", "Tags": [{"Key": "Team", "Value": "platform"}]}],
    )["PrefixList"]
    rc, result = run_module(capsys, {"names": ["office"], "include_entries": True})
    assert rc == 0, result
    (pl,) = result["prefix_lists"]
    assert pl["prefix_list_id"] == created["PrefixListId"]
    assert pl["max_entries"] == 5
    assert pl["tags"] == {"Team": "platform"}
    assert pl["entries"] == [{"cidr": "192.0.2.0/24", "description": "office"}]


def test_missing_name_fails_clearly(capsys, ec2):
    rc, result = run_module(capsys, {"names": [CLOUDFRONT, "does-not-exist", "nope-either"]})
    assert rc == 1
    assert result["failed"] is True
    assert "does-not-exist" in result["msg"] and "nope-either" in result["msg"]
    assert CLOUDFRONT not in result["msg"]
    assert result["missing"] == ["does-not-exist", "nope-either"]


def test_missing_name_tolerated(capsys, ec2):
    rc, result = run_module(capsys, {"names": ["does-not-exist", CLOUDFRONT], "fail_on_missing": False})
    assert rc == 0, result
    assert [p["prefix_list_name"] for p in result["prefix_lists"]] == [CLOUDFRONT]


def test_missing_id_fails(capsys, ec2):
    rc, result = run_module(capsys, {"ids": ["pl-00000000000000000"]})
    assert rc == 1
    assert "pl-00000000000000000" in result["msg"]


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"names": ["a"], "ids": ["pl-1"]}, "mutually exclusive"),
        ({"names": ["a"], "filters": {"prefix-list-name": "b"}}, "prefix-list-name"),
    ],
)
def test_bad_input(capsys, ec2, api_calls, args, fragment):
    rc, result = run_module(capsys, args)
    assert rc == 1
    assert fragment in result["msg"]
    assert api_calls == []
