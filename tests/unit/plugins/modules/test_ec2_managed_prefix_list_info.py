# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.ec2_managed_prefix_list_info against moto."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.modules import ec2_managed_prefix_list_info as mod

REGION = "eu-west-2"
CLOUDFRONT = "com.amazonaws.global.cloudfront.origin-facing"


def test_finds_cloudfront_origin_facing(run_module, ec2, api_calls):
    run = run_module(mod.main, {"names": [CLOUDFRONT]}, check_mode=True)
    result = run.result
    assert run.rc == 0, result
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
    assert all(c.startswith(("Describe", "Get")) for c in api_calls.operations())


def test_include_entries_and_lookup_by_id(run_module, ec2):
    pl_id = ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [CLOUDFRONT]}])[
        "PrefixLists"
    ][0]["PrefixListId"]
    run = run_module(mod.main, {"ids": [pl_id], "include_entries": True})
    result = run.result
    assert run.rc == 0, result
    (pl,) = result["prefix_lists"]
    assert pl["prefix_list_name"] == CLOUDFRONT
    entries = pl["entries"]
    assert entries, "moto serves CIDRs for the CloudFront list"
    assert entries == sorted(entries, key=lambda e: e["cidr"])
    assert set(entries[0]) == {"cidr", "description"}
    live = ec2.get_managed_prefix_list_entries(PrefixListId=pl_id)["Entries"]
    assert sorted(e["cidr"] for e in entries) == sorted(e["Cidr"] for e in live)


def test_names_keep_input_order_and_filters_combine(run_module, ec2):
    s3 = f"com.amazonaws.{REGION}.s3"
    run = run_module(mod.main, {"names": [s3, CLOUDFRONT], "filters": {"owner-id": "AWS"}})
    result = run.result
    assert run.rc == 0, result
    assert [p["prefix_list_name"] for p in result["prefix_lists"]] == [s3, CLOUDFRONT]


def test_filters_only_sorted(run_module, ec2):
    run = run_module(mod.main, {"filters": {"owner-id": "AWS"}})
    result = run.result
    assert run.rc == 0, result
    names = [p["prefix_list_name"] for p in result["prefix_lists"]]
    assert CLOUDFRONT in names
    assert names == sorted(names)


def test_customer_managed_list(run_module, ec2):
    created = ec2.create_managed_prefix_list(
        PrefixListName="office",
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[{"Cidr": "192.0.2.0/24", "Description": "office"}],
        TagSpecifications=[{"ResourceType": "prefix-list", "Tags": [{"Key": "Team", "Value": "platform"}]}],
    )["PrefixList"]
    run = run_module(mod.main, {"names": ["office"], "include_entries": True})
    result = run.result
    assert run.rc == 0, result
    (pl,) = result["prefix_lists"]
    assert pl["prefix_list_id"] == created["PrefixListId"]
    assert pl["max_entries"] == 5
    assert pl["tags"] == {"Team": "platform"}
    assert pl["entries"] == [{"cidr": "192.0.2.0/24", "description": "office"}]


def test_missing_name_fails_clearly(run_module, ec2):
    run = run_module(mod.main, {"names": [CLOUDFRONT, "does-not-exist", "nope-either"]})
    result = run.result
    assert run.rc == 1
    assert result["failed"] is True
    assert "does-not-exist" in result["msg"] and "nope-either" in result["msg"]
    assert CLOUDFRONT not in result["msg"]
    assert result["missing"] == ["does-not-exist", "nope-either"]


def test_missing_name_tolerated(run_module, ec2):
    run = run_module(mod.main, {"names": ["does-not-exist", CLOUDFRONT], "fail_on_missing": False})
    result = run.result
    assert run.rc == 0, result
    assert [p["prefix_list_name"] for p in result["prefix_lists"]] == [CLOUDFRONT]


def test_missing_id_fails(run_module, ec2):
    run = run_module(mod.main, {"ids": ["pl-00000000000000000"]})
    result = run.result
    assert run.rc == 1
    assert "pl-00000000000000000" in result["msg"]


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"names": ["a"], "ids": ["pl-1"]}, "mutually exclusive"),
        ({"names": ["a"], "filters": {"prefix-list-name": "b"}}, "prefix-list-name"),
    ],
)
def test_bad_input(run_module, ec2, api_calls, args, fragment):
    run = run_module(mod.main, args)
    result = run.result
    assert run.rc == 1
    assert fragment in result["msg"]
    assert api_calls == []


@pytest.mark.parametrize(
    "requested, found, expected",
    [
        (["a", "b"], ["a", "b"], []),
        (["a", "b", "c"], ["b"], ["a", "c"]),
        (["a", "a"], [], ["a"]),
        ([], ["a"], []),
    ],
)
def test_find_missing(requested, found, expected):
    assert mod.find_missing(requested, found) == expected


def test_order_by_requested():
    items = [{"n": "c"}, {"n": "a"}, {"n": "z"}, {"n": "b"}]
    assert [i["n"] for i in mod.order_by_requested(items, "n", ["b", "a", "c"])] == ["b", "a", "c", "z"]
