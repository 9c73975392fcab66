# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared core: tags, pagination, waiting."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from ansible_collections.rocketclub.platform.plugins.module_utils import tags as t
from ansible_collections.rocketclub.platform.plugins.module_utils import waiting as w
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import chunks
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import follow_markers
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate

# --------------------------------------------------------------------------------------------- tags


@pytest.mark.parametrize(
    "given, expected",
    [
        (None, {}),
        ([], {}),
        ({"a": 1, "b": None}, {"a": "1", "b": ""}),
        ([{"Key": "a", "Value": "x"}], {"a": "x"}),
        ([{"key": "a", "value": "x"}], {"a": "x"}),
    ],
)
def test_as_dict_reads_every_api_shape(given, expected):
    assert t.as_dict(given) == expected


def test_desired_tags_layers_name_and_managed_tag_last():
    tags = t.desired_tags({"a": "1", t.MANAGED_TAG_KEY: "someone"}, {"a": "2"}, name="web")
    assert tags == {"a": "2", "Name": "web", t.MANAGED_TAG_KEY: t.MANAGED_TAG_VALUE}
    assert t.has_managed_tag([{"Key": t.MANAGED_TAG_KEY, "Value": t.MANAGED_TAG_VALUE}])
    assert not t.has_managed_tag({"Name": "x"})


def test_plan_tags_compares_strings_and_never_removes_aws_tags():
    plan = t.plan_tags({"n": "1", "aws:cloudformation:stack": "s", "old": "x"}, {"n": 1, "new": "y"}, purge_tags=True)
    assert plan.to_set == {"new": "y"}
    assert plan.to_unset == ["old"]
    assert plan.result == {"n": "1", "aws:cloudformation:stack": "s", "new": "y"}
    assert plan.changed


def test_plan_tags_keep_and_always_remove():
    plan = t.plan_tags({"Name": "n", "stale": "1", "other": "2"}, {}, purge_tags=False, always_remove=("stale",))
    assert plan.to_unset == ["stale"]
    plan = t.plan_tags({"Name": "n", "other": "2"}, {}, purge_tags=True, keep=("Name",))
    assert plan.to_unset == ["other"]
    assert not t.plan_tags({"a": "1"}, {"a": "1"}).changed


def test_apply_tags_calls_nothing_in_check_mode_and_reports_the_change():
    calls = []
    plan = t.plan_tags({"old": "x"}, {"new": "y"})
    assert t.apply_tags(
        plan, lambda tags: calls.append(("tag", tags)), lambda keys: calls.append(("untag", keys)), True
    )
    assert calls == []
    assert t.apply_tags(
        plan, lambda tags: calls.append(("tag", tags)), lambda keys: calls.append(("untag", keys)), False
    )
    assert calls == [("untag", ["old"]), ("tag", {"new": "y"})]
    assert not t.apply_tags(t.plan_tags({"a": "1"}, {"a": "1"}), None, None, False)


# --------------------------------------------------------------------------------------- pagination


@mock_aws
def test_paginate_reads_every_page():
    client = boto3.client("ssm", region_name="eu-west-2")
    for i in range(23):
        client.put_parameter(Name=f"/p/{i:02d}", Value="v", Type="String")
    found = paginate(client, "describe_parameters", "Parameters", MaxResults=10)
    assert sorted(p["Name"] for p in found) == [f"/p/{i:02d}" for i in range(23)]


@pytest.mark.parametrize(
    "items, size, expected",
    [
        ([], 10, []),
        (list(range(3)), 10, [[0, 1, 2]]),
        (list(range(11)), 10, [list(range(10)), [10]]),
        (range(4), 2, [[0, 1], [2, 3]]),
    ],
)
def test_chunks(items, size, expected):
    assert chunks(items, size) == expected


# ------------------------------------------------------------------------------------------ waiting


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_poll_records_each_status_once_and_returns_the_value():
    clock = Clock()
    statuses = iter(["creating", "creating", "modifying", "available"])

    def probe():
        status = next(statuses)
        return status == "available", status, {"status": status}

    progress = w.Progress(clock=clock)
    assert w.poll(probe, "cluster c", 60, progress, delay=5, sleep=clock.sleep) == {"status": "available"}
    assert progress.history == [
        {"elapsed": 0, "status": "creating"},
        {"elapsed": 10, "status": "modifying"},
        {"elapsed": 15, "status": "available"},
    ]


def test_poll_times_out_with_the_last_status_and_fail_wait_reports_the_contract():
    clock = Clock()
    progress = w.Progress(clock=clock)
    with pytest.raises(w.WaitTimedOut) as exc:
        w.poll(lambda: (False, "pending", None), "gateway g", 12, progress, delay=5, sleep=clock.sleep)
    assert exc.value.status == "pending" and clock.now == 112
    assert "wait_timeout=12" in str(exc.value) and "gateway g" in str(exc.value)

    class Module:
        def fail_json(self, **kwargs):
            self.failed = kwargs

    module = Module()
    w.fail_wait(module, exc.value, progress, changed=True)
    assert module.failed["wait_timed_out"] is True and module.failed["status"] == "pending"
    assert module.failed["status_history"] == [{"elapsed": 0, "status": "pending"}] and module.failed["changed"]


def test_follow_markers_reads_every_page_and_passes_the_marker():
    pages = {None: {"Items": [1, 2], "NextMarker": "m1"}, "m1": {"Items": [3], "NextMarker": "m2"}, "m2": {"Items": []}}
    seen = []

    def fetch(**params):
        seen.append(params)
        return pages[params.get("Marker")]

    assert follow_markers(fetch, Type="custom") == [1, 2, 3]
    assert seen == [{"Type": "custom"}, {"Type": "custom", "Marker": "m1"}, {"Type": "custom", "Marker": "m2"}]
