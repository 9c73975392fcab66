# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic of the aurora_cluster module (plugins/module_utils/aurora.py)."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import aurora
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags


def params(**extra):
    base = {
        "cluster_identifier": "rc-dev",
        "state": "present",
        "engine": "aurora-postgresql",
        "engine_version": None,
        "port": 5432,
        "kms_key_id": None,
        "subnet_ids": ["subnet-a", "subnet-b"],
        "vpc_security_group_ids": None,
        "serverless_v2_scaling": None,
        "instance_class": "db.serverless",
        "reader_count": 0,
        "deletion_protection": False,
        "copy_tags_to_snapshot": True,
        "backup_retention_period": 7,
        "preferred_backup_window": None,
        "final_snapshot_prefix": None,
        "final_snapshot_identifier": None,
        "tags": {},
        "wait_timeout": 1800,
    }
    base.update(extra)
    return base


def cluster(**extra):
    shape = {
        "DBClusterIdentifier": "rc-dev",
        "DBClusterArn": "arn:aws:rds:eu-west-2:123456789012:cluster:rc-dev",
        "Status": "available",
        "Engine": "aurora-postgresql",
        "EngineVersion": "16.4",
        "Port": 5432,
        "StorageEncrypted": True,
        "KmsKeyId": "arn:aws:kms:eu-west-2:123456789012:key/k1",
        "DBSubnetGroup": "rc-dev",
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1", "Status": "active"}],
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4.0},
        "DeletionProtection": False,
        "CopyTagsToSnapshot": True,
        "BackupRetentionPeriod": 7,
        "PreferredBackupWindow": "01:00-01:30",
        "DBClusterMembers": [{"DBInstanceIdentifier": "rc-dev-1", "IsClusterWriter": True}],
        "TagList": [{"Key": "platform:managed-by", "Value": "rocketclub.platform"}],
    }
    shape.update(extra)
    return shape


@pytest.mark.parametrize(
    "extra, expected",
    [
        ({}, []),
        (
            {"serverless_v2_scaling": {"min_capacity": 4, "max_capacity": 2}},
            ["min_capacity (4) must not be above max_capacity (2)"],
        ),
        ({"serverless_v2_scaling": {"min_capacity": 0, "max_capacity": 0.5}}, ["min_capacity must be within 0-256"]),
        ({"serverless_v2_scaling": {"min_capacity": 0.25, "max_capacity": 2}}, ["multiples of 0.5 ACU"]),
        ({"instance_class": "db.r6g.large", "serverless_v2_scaling": None}, []),
        ({"reader_count": -1}, ["reader_count must be between 0 and 15"]),
        ({"cluster_identifier": "1abc"}, ["cluster_identifier '1abc' is not a valid identifier"]),
        ({"cluster_identifier": "a" * 62}, ["is not a valid identifier: 1 to 61"]),
        ({"cluster_identifier": "Rc-Dev"}, []),
        ({"backup_retention_period": 36}, ["backup_retention_period must be between 1 and 35"]),
        ({"preferred_backup_window": "03:00-03:30"}, []),
        ({"preferred_backup_window": "24:00-00:30"}, ["preferred_backup_window '24:00-00:30'"]),
        ({"port": 80}, ["port must be between 1150 and 65535"]),
        ({"final_snapshot_prefix": "rc-dev-final--"}, ["final_snapshot_prefix 'rc-dev-final--'"]),
        ({"final_snapshot_identifier": "rc-dev-final-manual"}, []),
        ({"final_snapshot_identifier": "-x"}, ["final_snapshot_identifier '-x'"]),
        ({"subnet_ids": ["subnet-a", "subnet-a"]}, ["at least two subnets"]),
        ({"subnet_ids": None}, []),
        ({"wait_timeout": 0}, ["wait_timeout must be at least 1 second"]),
        ({"engine_version": "16"}, []),
        ({"engine_version": "8.0.mysql_aurora.3.05.2"}, []),
        ({"engine_version": "16.x"}, ["engine_version '16.x' is not an engine version"]),
        ({"engine_version": "v16"}, ["engine_version 'v16' is not an engine version"]),
    ],
)
def test_validate_params(extra, expected):
    problems = aurora.validate_params(params(**extra))
    assert len(problems) == len(expected), problems
    for problem, text in zip(problems, expected):
        assert text in problem


@pytest.mark.parametrize(
    "extra, expected",
    [
        ({}, {"min_capacity": 0.5, "max_capacity": 4.0}),
        (
            {"serverless_v2_scaling": {"min_capacity": 1, "max_capacity": 16}},
            {"min_capacity": 1.0, "max_capacity": 16.0},
        ),
        ({"instance_class": "db.r6g.large"}, None),
        (
            {"instance_class": "db.r6g.large", "serverless_v2_scaling": {"min_capacity": 0, "max_capacity": 2}},
            {"min_capacity": 0.0, "max_capacity": 2.0},
        ),
    ],
)
def test_desired_scaling(extra, expected):
    assert aurora.desired_scaling(params(**extra)) == expected


def test_names():
    assert aurora.instance_ids("rc-dev", 2) == ["rc-dev-1", "rc-dev-2", "rc-dev-3"]
    assert aurora.final_snapshot_prefix(params()) == "rc-dev-final-"
    assert aurora.final_snapshot_prefix(params(final_snapshot_prefix="Parked-")) == "parked-"
    when = datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    assert aurora.final_snapshot_name("rc-dev-final-", when) == "rc-dev-final-20250304050607"


def snap(identifier, day, status="available", kind="manual"):
    return {
        "DBClusterSnapshotIdentifier": identifier,
        "SnapshotCreateTime": datetime(2025, 1, day, tzinfo=timezone.utc),
        "Status": status,
        "SnapshotType": kind,
    }


@pytest.mark.parametrize(
    "snapshots, expected",
    [
        ([], None),
        ([snap("rc-dev-final-1", 1), snap("rc-dev-final-2", 3), snap("rc-dev-final-3", 2)], "rc-dev-final-2"),
        ([snap("rc-dev-final-1", 1), snap("rc-dev-final-2", 3, status="creating")], "rc-dev-final-1"),
        ([snap("rc-dev-final-1", 1), snap("other-final-2", 9)], "rc-dev-final-1"),
        ([snap("rc-dev-final-1", 1), snap("rc-dev-final-2", 9, kind="automated")], "rc-dev-final-1"),
        ([snap("RC-DEV-FINAL-1", 1)], "RC-DEV-FINAL-1"),
    ],
)
def test_newest_final_snapshot(snapshots, expected):
    found = aurora.newest_final_snapshot(snapshots, "rc-dev-final-")
    assert (found or {}).get("DBClusterSnapshotIdentifier") == expected


@pytest.mark.parametrize(
    "current, user, purge, keep_final, expected",
    [
        ({"platform:managed-by": "rocketclub.platform"}, {}, True, False, ({}, [])),
        ({}, {"env": "dev"}, True, False, ({"env": "dev", "platform:managed-by": "rocketclub.platform"}, [])),
        ({"stray": "x", "platform:managed-by": "rocketclub.platform"}, {}, True, False, ({}, ["stray"])),
        ({"stray": "x", "platform:managed-by": "rocketclub.platform"}, {}, False, False, ({}, [])),
        (
            {"aws:cloudformation:stack-name": "s", "platform:managed-by": "rocketclub.platform"},
            {},
            True,
            False,
            ({}, []),
        ),
        # the module's own tags are kept, except the final-snapshot marker outside state=absent
        (
            {
                "platform:managed-by": "rocketclub.platform",
                "platform:restored-from": "s1",
                "platform:master-password": "sync-pending",
            },
            {},
            True,
            False,
            ({}, []),
        ),
        (
            {"platform:managed-by": "rocketclub.platform", "platform:final-snapshot": "s2"},
            {},
            True,
            False,
            ({}, ["platform:final-snapshot"]),
        ),
        ({"platform:managed-by": "rocketclub.platform", "platform:final-snapshot": "s2"}, {}, True, True, ({}, [])),
    ],
)
def test_plan_cluster_tags(current, user, purge, keep_final, expected):
    plan = aurora.plan_cluster_tags(current, desired_tags(user), purge, keep_final)
    assert (plan.to_set, plan.to_unset) == expected


def test_edit_tags_changes_only_the_named_tags():
    current = {"platform:managed-by": "rocketclub.platform", "aws:cloudformation:stack-name": "s", "env": "dev"}
    plan = aurora.edit_tags(current, {"platform:final-snapshot": "s1"}, ["env"])
    assert (plan.to_set, plan.to_unset) == ({"platform:final-snapshot": "s1"}, ["env"])
    assert not aurora.edit_tags(current).changed


def test_with_tags_predicts_the_shape():
    plan = aurora.edit_tags(aurora.resource_tags(cluster()), {"env": "dev"}, ["platform:managed-by"])
    shape = aurora.with_tags(cluster(), plan)
    assert aurora.resource_tags(shape) == {"env": "dev"}


@pytest.mark.parametrize(
    "extra, shape, expected_changes, warning",
    [
        ({"vpc_security_group_ids": ["sg-1"]}, {}, {}, None),
        ({"vpc_security_group_ids": ["sg-2", "sg-1"]}, {}, {"VpcSecurityGroupIds": ["sg-1", "sg-2"]}, None),
        (
            {"serverless_v2_scaling": {"min_capacity": 1, "max_capacity": 8}, "deletion_protection": True},
            {},
            {"ServerlessV2ScalingConfiguration": {"MinCapacity": 1.0, "MaxCapacity": 8.0}, "DeletionProtection": True},
            None,
        ),
        ({"instance_class": "db.r6g.large"}, {}, {}, None),  # scaling not managed
        (
            {"preferred_backup_window": "03:00-03:30", "backup_retention_period": 14},
            {},
            {"PreferredBackupWindow": "03:00-03:30", "BackupRetentionPeriod": 14},
            None,
        ),
        ({"engine_version": "16"}, {}, {}, None),
        ({"engine_version": "16.4"}, {}, {}, None),
        ({"engine_version": "16.6"}, {}, {"EngineVersion": "16.6"}, None),
        # upgraded by AWS in a maintenance window past the pinned minor: nothing is sent (no downgrade)
        ({"engine_version": "16.4"}, {"EngineVersion": "16.6"}, {}, None),
        (
            {"engine_version": "16.4", "deletion_protection": True},
            {"EngineVersion": "16.10"},
            {"DeletionProtection": True},
            None,
        ),
        # a refused major version upgrade is left out of the plan (present() fails on it before any change)
        ({"engine_version": "17.2"}, {}, {}, None),
        (
            {"engine_version": "17.2", "allow_major_version_upgrade": True},
            {},
            {"EngineVersion": "17.2", "AllowMajorVersionUpgrade": True},
            None,
        ),
        ({"engine_version": "16.4"}, {"EngineVersion": "17.1"}, {}, "a later major version than engine_version 16.4"),
        ({"engine": "aurora-mysql", "port": 3306}, {}, {"Port": 3306}, "an engine cannot change in place"),
        ({"kms_key_id": "arn:aws:kms:eu-west-2:123456789012:key/k2"}, {}, {}, "the key of a cluster cannot change"),
        ({"kms_key_id": "alias/whatever"}, {}, {}, None),
        ({}, {"StorageEncrypted": False}, {}, "NOT encrypted"),
        (
            {},
            {"ServerlessV2ScalingConfiguration": None},
            {"ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4.0}},
            None,
        ),
    ],
)
def test_plan_modify(extra, shape, expected_changes, warning):
    changes, warnings = aurora.plan_modify(cluster(**shape), params(**extra))
    assert changes == expected_changes
    if warning:
        assert len(warnings) == 1 and warning in warnings[0]
    else:
        assert warnings == []


def test_apply_modify_predicts_the_shape():
    changes = {"VpcSecurityGroupIds": ["sg-9"], "DeletionProtection": True, "MasterUserPassword": "never-kept"}
    shape = aurora.apply_modify(cluster(), changes)
    assert aurora.cluster_settings(shape)["vpc_security_group_ids"] == ["sg-9"]
    assert shape["DeletionProtection"] is True and "MasterUserPassword" not in shape


def test_create_params_for_create_and_restore():
    p = params(kms_key_id="alias/k", vpc_security_group_ids=["sg-1"], engine_version="16.4")
    create = aurora.create_params(p, "rc-dev", {"platform:managed-by": "rocketclub.platform"})
    assert create["StorageEncrypted"] is True and "SnapshotIdentifier" not in create
    assert create["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 4.0}
    assert create["DBSubnetGroupName"] == "rc-dev" and create["KmsKeyId"] == "alias/k"
    assert "PreferredBackupWindow" not in create and "MasterUserPassword" not in create
    restore = aurora.create_params(p, "rc-dev", {}, snapshot_id="rc-dev-final-1")
    assert restore["SnapshotIdentifier"] == "rc-dev-final-1" and "StorageEncrypted" not in restore

    predicted = aurora.predicted_cluster(
        restore, {"EngineVersion": "16.2", "MasterUsername": "admin", "KmsKeyId": "k-snap"}
    )
    view = aurora.cluster_view(predicted)
    assert view["status"] == "creating" and view["master_username"] == "admin"
    assert view["engine_version"] == "16.4" and view["kms_key_id"] == "alias/k" and view["storage_encrypted"] is True
    assert view["vpc_security_group_ids"] == ["sg-1"] and view["arn"] == "pending:rds-cluster/rc-dev"
    assert view["endpoint"] == "pending:rds-cluster-endpoint/rc-dev"


def test_instances_plan_and_view():
    p = params(reader_count=1)
    writer = aurora.predicted_instance(aurora.instance_params(p, "rc-dev", "rc-dev-1", {}))
    assert (
        writer["PromotionTier"] == 0
        and writer["PubliclyAccessible"] is False
        and writer["DBInstanceStatus"] == "creating"
    )
    assert aurora.instance_params(p, "rc-dev", "rc-dev-2", {})["PromotionTier"] == 1

    existing = [
        {"DBInstanceIdentifier": "rc-dev-1", "DBInstanceClass": "db.r6g.large", "DBInstanceStatus": "available"},
        {
            "DBInstanceIdentifier": "rc-dev-10",
            "DBInstanceClass": "db.serverless",
            "DBInstanceStatus": "available",
            "PubliclyAccessible": True,
        },
        {"DBInstanceIdentifier": "rc-dev-2", "DBInstanceClass": "db.serverless", "DBInstanceStatus": "deleting"},
    ]
    missing, warnings = aurora.plan_instances("rc-dev", p, existing)
    assert missing == ["rc-dev-2"]  # a deleting instance does not count
    assert len(warnings) == 3
    assert "rc-dev-10" in warnings[0] and "kept" in warnings[0]
    assert "rc-dev-1 is db.r6g.large, not db.serverless" in warnings[1]
    assert "rc-dev-10 is publicly accessible" in warnings[2]

    view = aurora.cluster_view(cluster(), existing[:2])
    assert [(i["identifier"], i["writer"]) for i in view["instances"]] == [("rc-dev-1", True), ("rc-dev-10", False)]
    assert view["publicly_accessible"] is True
    assert aurora.diff_view(view)["instances"] == {"rc-dev-1": "db.r6g.large", "rc-dev-10": "db.serverless"}
    assert aurora.diff_view(None) == {}


def test_cluster_view_subnets_only_for_its_own_group():
    group = {
        "DBSubnetGroupName": "rc-dev",
        "Subnets": [{"SubnetIdentifier": "subnet-b"}, {"SubnetIdentifier": "subnet-a"}],
    }
    assert aurora.cluster_view(cluster(), [], group)["subnet_ids"] == ["subnet-a", "subnet-b"]
    assert aurora.cluster_view(cluster(DBSubnetGroup="shared"), [], group)["subnet_ids"] is None
    assert aurora.cluster_view(None) is None


def test_progress_and_history():
    instances = [
        {"DBInstanceIdentifier": "rc-dev-2", "DBInstanceStatus": "creating"},
        {"DBInstanceIdentifier": "rc-dev-1", "DBInstanceStatus": "available"},
    ]
    assert aurora.progress_status(cluster(), instances) == "available; instances rc-dev-2 creating"
    assert aurora.progress_status(cluster(Status="creating")) == "creating"
    assert aurora.progress_status(None) == "absent"
    assert aurora.cluster_failed("inaccessible-encryption-credentials") and not aurora.cluster_failed("modifying")


# ---------------------------------------------------------------------------------------------
# Engine versions: a pinned version is a floor (AWS upgrades minor versions itself, never downgrades)


@pytest.mark.parametrize(
    "current, wanted, expected",
    [
        ("16.4", "16.4", "match"),  # equal
        ("16.6", "16.4", "match"),  # AWS raised the minor version: a match, never a downgrade
        ("16.10", "16.9", "match"),  # numeric, not text: 16.10 is later than 16.9
        ("16.4", "16.6", "upgrade"),  # a later pinned minor: upgraded in place
        ("16.9", "16.10", "upgrade"),
        ("16.2", "16", "match"),  # a major version only matches any minor of it
        ("16.8", "16", "match"),
        ("16.6", "17.2", "major-upgrade"),  # a later major version
        ("16.6", "17", "major-upgrade"),
        ("9.6.12", "10.11", "major-upgrade"),  # 9.6 -> 10 is a major version upgrade
        ("9.6.22", "9.6.12", "match"),
        ("17.1", "16.4", "newer-major"),  # running a later major version than pinned
        ("17.1", "16", "newer-major"),
        ("8.0.mysql_aurora.3.10.0", "8.0.mysql_aurora.3.9.0", "match"),
        ("8.0.mysql_aurora.3.04.1", "8.0.mysql_aurora.3.05.0", "upgrade"),
        ("8.0.mysql_aurora.3.04.1", "8.0", "match"),
        (None, "16.4", "upgrade"),
    ],
)
def test_compare_engine_versions(current, wanted, expected):
    assert aurora.compare_engine_versions(current, wanted) == expected


@pytest.mark.parametrize(
    "running, extra, changes, problem",
    [
        ("16.4", {"engine_version": "16.4"}, {}, None),
        ("16.6", {"engine_version": "16.4"}, {}, None),  # the old plan sent EngineVersion 16.4: AWS refuses it
        ("16.2", {"engine_version": "16.4"}, {"EngineVersion": "16.4"}, None),
        ("16.6", {"engine_version": "16"}, {}, None),
        ("16.6", {}, {}, None),
        (
            "16.6",
            {"engine_version": "17.2"},
            {},
            "is a major version upgrade, which is only made with allow_major_version_upgrade=true",
        ),
        ("16.6", {"engine_version": "17", "allow_major_version_upgrade": True}, {}, "names a major version only"),
        (
            "16.6",
            {"engine_version": "17.2", "allow_major_version_upgrade": True},
            {"EngineVersion": "17.2", "AllowMajorVersionUpgrade": True},
            None,
        ),
    ],
)
def test_plan_engine_version(running, extra, changes, problem):
    planned, warnings, found = aurora.plan_engine_version(cluster(EngineVersion=running), params(**extra))
    assert planned == changes and warnings == []
    if problem:
        assert problem in found and f"aurora-postgresql {running}" in found
        assert "aurora_allow_major_version_upgrade" in found
    else:
        assert found is None


def test_plan_engine_version_leaves_a_later_major_version_alone():
    planned, warnings, problem = aurora.plan_engine_version(
        cluster(EngineVersion="17.1"), params(engine_version="16.4")
    )
    assert planned == {} and problem is None
    assert len(warnings) == 1 and "runs aurora-postgresql 17.1" in warnings[0] and "never downgrades" in warnings[0]


@pytest.mark.parametrize(
    "wanted, snapshot_version, expected, warning",
    [
        ("16.4", "16.6", "16.6", None),  # snapshot taken after a maintenance upgrade: never restore lower
        ("16.6", "16.4", "16.6", None),  # a later pinned minor: restored straight to it
        ("16.4", "16.4", "16.4", None),
        ("16", "16.6", "16.6", None),  # a major version only: the snapshot's (the Region default may be lower)
        (None, "16.6", "16.6", None),  # unpinned: the snapshot's, explicitly
        ("16.4", None, "16.4", None),
        ("17.2", "16.6", "16.6", "major version upgrade to engine_version 17.2 is left to a later run"),
        ("16.4", "17.1", "17.1", "a later major version than engine_version 16.4"),
    ],
)
def test_restore_engine_version(wanted, snapshot_version, expected, warning):
    version, message = aurora.restore_engine_version(wanted, snapshot_version)
    assert version == expected
    assert (warning in message) if warning else message is None


def test_restore_never_asks_for_a_version_below_the_snapshot():
    snapshot = {"snapshot_id": "rc-dev-final-1", "snapshot_engine_version": "16.6"}
    restore = aurora.create_params(params(engine_version="16.4"), "rc-dev", {}, **snapshot)
    assert restore["EngineVersion"] == "16.6"
    unpinned = aurora.create_params(params(), "rc-dev", {}, **snapshot)
    assert unpinned["EngineVersion"] == "16.6"
    view = aurora.cluster_view(aurora.predicted_cluster(restore, {"EngineVersion": "16.6"}))
    assert view["engine_version"] == "16.6"
    create = aurora.create_params(params(engine_version="16.4"), "rc-dev", {})
    assert create["EngineVersion"] == "16.4"  # a new cluster gets the pinned version


def test_apply_modify_keeps_the_flag_out_of_the_predicted_shape():
    shape = aurora.apply_modify(cluster(), {"EngineVersion": "17.2", "AllowMajorVersionUpgrade": True})
    assert shape["EngineVersion"] == "17.2" and "AllowMajorVersionUpgrade" not in shape
