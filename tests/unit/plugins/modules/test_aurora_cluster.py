# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drive ``rocketclub.platform.aurora_cluster`` in-process against moto (with the local cloud's RDS fidelity patch)."""

from __future__ import annotations

import json
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from types import SimpleNamespace

import boto3
import pytest

from ansible_collections.rocketclub.platform.plugins.modules import aurora_cluster
from localcloud import moto_patches

CLUSTER = "rc-test"
PASSWORD = "s3cret-Pa55word-never-shown"
SECRET = "test/db/admin"
MANAGED = ("platform:managed-by", "rocketclub.platform")


@pytest.fixture
def cloud(moto_aws, aws_region, monkeypatch, api_calls, fake_clock):
    moto_patches.patch_rds_clusters(monkeypatch.setattr)
    clock = fake_clock
    clock.now = 1000.0
    monkeypatch.setattr(aurora_cluster, "time", clock)
    stamps = iter(datetime(2025, 1, 1, 22, 0, tzinfo=timezone.utc) + timedelta(minutes=m) for m in range(1000))
    monkeypatch.setattr(aurora_cluster, "utc_now", lambda: next(stamps))

    ec2 = boto3.client("ec2", region_name=aws_region)
    vpc_id = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnets = sorted(
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.50.{i}.0/24", AvailabilityZone=f"{aws_region}{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("abc")
    )
    group_id = ec2.create_security_group(VpcId=vpc_id, GroupName="aurora", Description="aurora")["GroupId"]
    key_arn = boto3.client("kms", region_name=aws_region).create_key()["KeyMetadata"]["Arn"]
    secrets = boto3.client("secretsmanager", region_name=aws_region)
    secrets.create_secret(Name=SECRET, SecretString=json.dumps({"username": "platform_admin", "password": PASSWORD}))
    api_calls.clear()
    return SimpleNamespace(
        rds=boto3.client("rds", region_name=aws_region),
        secrets=secrets,
        subnets=subnets,
        group_id=group_id,
        key_arn=key_arn,
        calls=api_calls,
        clock=clock,
    )


def cluster_args(cloud, **extra):
    args = {
        "cluster_identifier": CLUSTER,
        "master_credentials_secret": SECRET,
        "kms_key_id": cloud.key_arn,
        "subnet_ids": cloud.subnets[:2],
        "vpc_security_group_ids": [cloud.group_id],
        "serverless_v2_scaling": {"min_capacity": 0.5, "max_capacity": 2},
        "engine_version": "16.4",
        "tags": {"platform:env": "test"},
    }
    args.update(extra)
    return args


def tags_of(resource):
    return {t["Key"]: t["Value"] for t in resource.get("TagList") or []}


def moto_cluster(cloud):
    clusters = cloud.rds.describe_db_clusters(Filters=[{"Name": "db-cluster-id", "Values": [CLUSTER]}])["DBClusters"]
    return clusters[0] if clusters else None


def moto_instances(cloud):
    instances = cloud.rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [CLUSTER]}])["DBInstances"]
    return {i["DBInstanceIdentifier"]: i for i in instances}


def manual_snapshots(cloud):
    return {
        s["DBClusterSnapshotIdentifier"]: s
        for s in cloud.rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    }


@pytest.fixture
def run(run_module, cloud, monkeypatch):
    """Run the module; every output is checked for the master password."""
    from ansible.module_utils import _internal

    # A test module that imported controller code (ansible.template, ansible.plugins) makes ansible-core
    # send warnings to the controller's display instead of the module result: this is a module run.
    monkeypatch.setattr(_internal, "is_controller", False)

    def _run(args, check_mode=False, diff=True):
        module_run = run_module(aurora_cluster.main, args, check_mode=check_mode, diff=diff)
        assert PASSWORD not in module_run.out
        return module_run

    return _run


def create(cloud, run, **extra):
    result = run(cluster_args(cloud, **extra)).result
    assert not result.get("failed"), result
    cloud.calls.clear()
    return result


def test_create_four_way(cloud, run):
    calls = cloud.calls

    check = run(cluster_args(cloud, reader_count=1), check_mode=True).result
    assert check["changed"] is True and not check.get("failed"), check
    assert calls.writes("rds") == [] and calls.named("GetSecretValue") == []
    predicted = check["cluster"]
    assert predicted["status"] == "creating" and predicted["arn"] == f"pending:rds-cluster/{CLUSTER}"
    assert predicted["endpoint"] == f"pending:rds-cluster-endpoint/{CLUSTER}"
    assert [(i["identifier"], i["writer"], i["status"]) for i in predicted["instances"]] == [
        (f"{CLUSTER}-1", True, "creating"),
        (f"{CLUSTER}-2", False, "creating"),
    ]
    assert predicted["storage_encrypted"] is True and predicted["publicly_accessible"] is False
    assert check["diff"]["before"] == {} and check["diff"]["after"]["serverless_v2_scaling"] == {
        "min_capacity": 0.5,
        "max_capacity": 2.0,
    }
    assert check["restored_from"] is None and check["final_snapshot"] is None
    assert moto_cluster(cloud) is None

    applied = run(cluster_args(cloud, reader_count=1))
    first = applied.result
    assert first["changed"] is True and not first.get("failed"), first
    assert calls.writes("rds") == ["CreateDBSubnetGroup", "CreateDBCluster", "CreateDBInstance", "CreateDBInstance"]
    assert len(calls.named("GetSecretValue")) == 1
    [create_call] = calls.named("CreateDBCluster")
    assert create_call["MasterUsername"] == "platform_admin" and create_call["StorageEncrypted"] is True
    assert [c["PromotionTier"] for c in calls.named("CreateDBInstance")] == [0, 1]
    assert all(c["PubliclyAccessible"] is False for c in calls.named("CreateDBInstance"))
    assert first["target_reached"] is True and first["pending"] == []
    assert first["status_history"][-1]["status"] == "available"

    cluster = moto_cluster(cloud)
    assert cluster["Status"] == "available" and cluster["StorageEncrypted"] is True
    assert cluster["KmsKeyId"] == cloud.key_arn
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 2.0}
    assert cluster["DBSubnetGroup"] == CLUSTER and cluster["EngineVersion"] == "16.4"
    assert [g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]] == [cloud.group_id]
    assert tags_of(cluster) == {"platform:env": "test", MANAGED[0]: MANAGED[1]}
    group = cloud.rds.describe_db_subnet_groups(DBSubnetGroupName=CLUSTER)["DBSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == cloud.subnets[:2]
    instances = moto_instances(cloud)
    assert sorted(instances) == [f"{CLUSTER}-1", f"{CLUSTER}-2"]
    assert {i["DBInstanceClass"] for i in instances.values()} == {"db.serverless"}

    view = first["cluster"]
    assert view["arn"] == cluster["DBClusterArn"] and view["endpoint"] == cluster["Endpoint"]
    assert view["master_username"] == "platform_admin" and view["subnet_ids"] == cloud.subnets[:2]
    assert [(i["identifier"], i["writer"]) for i in view["instances"]] == [
        (f"{CLUSTER}-1", True),
        (f"{CLUSTER}-2", False),
    ]

    for check_mode in (True, False):
        calls.clear()
        again = run(cluster_args(cloud, reader_count=1), check_mode=check_mode).result
        assert again["changed"] is False and not again.get("failed"), again
        assert calls.writes() == [] and calls.named("GetSecretValue") == []
        assert again["diff"]["before"] == again["diff"]["after"]
        assert again["cluster"]["status"] == "available" and again["target_reached"] is True


def source_snapshot(cloud, source, snapshot_id, username):
    """A cluster snapshot named like a final snapshot of CLUSTER, taken of another cluster (``source``)."""
    cloud.rds.create_db_cluster(
        DBClusterIdentifier=source,
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername=username,
        MasterUserPassword="source-password",
        StorageEncrypted=True,
        KmsKeyId=cloud.key_arn,
    )
    cloud.rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=snapshot_id, DBClusterIdentifier=source)


@pytest.mark.parametrize("patched", [False, True])
def test_moto_patch_lets_a_cluster_come_back_within_the_minute(moto_aws, aws_region, monkeypatch, patched):
    """tools/localcloud/moto_patches.py: what plain moto 5.2.5 gets wrong, and the correction."""
    if patched:
        moto_patches.patch_rds_clusters(monkeypatch.setattr)
    rds = boto3.client("rds", region_name=aws_region)
    common = {"Engine": "aurora-postgresql", "MasterUsername": "admin_user", "MasterUserPassword": "password-123"}
    rds.create_db_cluster(DBClusterIdentifier=CLUSTER, DeletionProtection=True, **common)
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="protected", DBClusterIdentifier=CLUSTER)
    rds.modify_db_cluster(DBClusterIdentifier=CLUSTER, DeletionProtection=False, ApplyImmediately=True)
    rds.delete_db_cluster(DBClusterIdentifier=CLUSTER, SkipFinalSnapshot=True)
    automated = rds.describe_db_cluster_snapshots(SnapshotType="automated")["DBClusterSnapshots"]
    restore = dict(
        DBClusterIdentifier=CLUSTER,
        SnapshotIdentifier="protected",
        Engine="aurora-postgresql",
        DeletionProtection=False,
    )
    if not patched:
        assert [s["DBClusterSnapshotIdentifier"].startswith(f"rds:{CLUSTER}-") for s in automated] == [True]
        with pytest.raises(rds.exceptions.DBClusterSnapshotAlreadyExistsFault):
            rds.restore_db_cluster_from_snapshot(**restore)
        restore["DBClusterIdentifier"] = "other"
        assert (
            rds.restore_db_cluster_from_snapshot(**restore)["DBCluster"]["DeletionProtection"] is True
        )  # false ignored
        return
    assert automated == []  # AWS deletes the automated backups of a deleted cluster
    assert rds.restore_db_cluster_from_snapshot(**restore)["DBCluster"]["DeletionProtection"] is False


def test_restore_from_newest_of_several_final_snapshots(cloud, run):
    source_snapshot(cloud, "old-a", f"{CLUSTER}-final-20240101000000", "first_admin")
    source_snapshot(cloud, "old-b", f"{CLUSTER}-final-20240301000000", "second_admin")
    source_snapshot(cloud, "old-c", "unrelated-final-20240401000000", "wrong_admin")  # newest, other prefix
    newest = f"{CLUSTER}-final-20240301000000"
    cloud.calls.clear()
    args = cluster_args(cloud, restore_mode="from_final_snapshot")

    check = run(args, check_mode=True).result
    assert check["changed"] is True and check["restored_from"] == newest
    assert check["cluster"]["master_username"] == "second_admin" and check["cluster"]["status"] == "creating"
    assert cloud.calls.writes() == [] and cloud.calls.named("GetSecretValue") == []

    module_run = run(args)
    result = module_run.result
    assert not result.get("failed") and result["changed"] is True, result
    assert result["restored_from"] == newest
    assert [c["SnapshotIdentifier"] for c in cloud.calls.named("RestoreDBClusterFromSnapshot")] == [newest]
    assert cloud.calls.named("CreateDBCluster") == []
    # the secret stays the truth: the password is set from it once the restored cluster is available
    [modify] = cloud.calls.named("ModifyDBCluster")
    assert modify["MasterUserPassword"] == PASSWORD and modify["ApplyImmediately"] is True
    writes = cloud.calls.writes("rds")
    assert (
        writes.index("RestoreDBClusterFromSnapshot")
        < writes.index("ModifyDBCluster")
        < writes.index("RemoveTagsFromResource")
    )
    assert any("second_admin" in w and "platform_admin" in w for w in module_run.warnings)

    cluster = moto_cluster(cloud)
    assert cluster["MasterUsername"] == "second_admin"  # the restore source, as moto keeps it
    assert tags_of(cluster) == {"platform:env": "test", MANAGED[0]: MANAGED[1], "platform:restored-from": newest}
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 2.0}
    assert cluster["DeletionProtection"] is False and cluster["DBSubnetGroup"] == CLUSTER
    assert sorted(moto_instances(cloud)) == [f"{CLUSTER}-1"]
    assert result["cluster"]["tags"]["platform:restored-from"] == newest and result["target_reached"] is True

    # converged: no write, no secret read; the module's own tag survives purge_tags
    cloud.calls.clear()
    again = run(args).result
    assert again["changed"] is False and again["restored_from"] is None
    assert cloud.calls.writes() == [] and cloud.calls.named("GetSecretValue") == []


def test_restore_without_wait_leaves_the_password_to_the_next_run(cloud, run):
    source_snapshot(cloud, "old-a", f"{CLUSTER}-final-20240101000000", "platform_admin")
    cloud.calls.clear()
    args = cluster_args(cloud, restore_mode="from_final_snapshot")

    first = run(dict(args, wait=False)).result
    assert first["changed"] is True and first["restored_from"] == f"{CLUSTER}-final-20240101000000"
    assert first["target_reached"] is False
    assert any("MasterUserPassword" in p for p in first["pending"])
    assert cloud.calls.named("ModifyDBCluster") == []
    assert tags_of(moto_cluster(cloud))["platform:master-password"] == "sync-pending"

    cloud.calls.clear()
    second = run(args).result
    assert second["changed"] is True and second["pending"] == [] and second["target_reached"] is True
    assert [m["MasterUserPassword"] for m in cloud.calls.named("ModifyDBCluster")] == [PASSWORD]
    assert "platform:master-password" not in tags_of(moto_cluster(cloud))


def test_restore_mode_without_snapshot_creates_a_clean_cluster(cloud, run):
    module_run = run(cluster_args(cloud, restore_mode="from_final_snapshot"))
    result = module_run.result
    assert result["changed"] is True and result["restored_from"] is None
    assert cloud.calls.named("RestoreDBClusterFromSnapshot") == [] and len(cloud.calls.named("CreateDBCluster")) == 1
    assert any("no available snapshot" in w and f"{CLUSTER}-final-" in w for w in module_run.warnings)
    assert "platform:restored-from" not in tags_of(moto_cluster(cloud))


def test_absent_takes_a_final_snapshot_first_and_the_cluster_restores_from_it(cloud, run):
    create(cloud, run, reader_count=1)
    args = cluster_args(cloud, state="absent")

    check = run(args, check_mode=True).result
    assert check["changed"] is True and check["final_snapshot"].startswith(f"{CLUSTER}-final-")
    assert check["cluster"] is None and check["diff"]["after"] == {}
    assert cloud.calls.writes() == [] and moto_cluster(cloud) is not None

    cloud.calls.clear()
    result = run(args).result
    assert result["changed"] is True and not result.get("failed"), result
    name = result["final_snapshot"]
    assert name == f"{CLUSTER}-final-20250101220100"
    assert cloud.calls.writes("rds") == [
        "CreateDBClusterSnapshot",
        "AddTagsToResource",  # marks the cluster: an interrupted run resumes with this snapshot
        "DeleteDBInstance",
        "DeleteDBInstance",
        "DeleteDBCluster",
        "DeleteDBSubnetGroup",
    ]
    assert cloud.calls.named("DeleteDBCluster") == [{"DBClusterIdentifier": CLUSTER, "SkipFinalSnapshot": True}]
    snapshot = manual_snapshots(cloud)[name]
    assert snapshot["Status"] == "available" and snapshot["DBClusterIdentifier"] == CLUSTER
    assert tags_of(snapshot) == {"platform:env": "test", MANAGED[0]: MANAGED[1], "platform:final-snapshot-of": CLUSTER}
    assert moto_cluster(cloud) is None and moto_instances(cloud) == {}
    assert cloud.rds.describe_db_subnet_groups()["DBSubnetGroups"] == []
    assert result["cluster"] is None and result["target_reached"] is True

    cloud.calls.clear()
    again = run(args).result
    assert again["changed"] is False and again["final_snapshot"] is None and cloud.calls.writes() == []

    # restored under the same identifier in the same minute (moto alone: DBClusterSnapshotAlreadyExistsFault)
    cloud.calls.clear()
    restored = run(cluster_args(cloud, restore_mode="from_final_snapshot", reader_count=1)).result
    assert not restored.get("failed") and restored["restored_from"] == name, restored
    assert tags_of(moto_cluster(cloud))["platform:restored-from"] == name
    assert sorted(moto_instances(cloud)) == [f"{CLUSTER}-1", f"{CLUSTER}-2"]


@pytest.fixture
def slow_snapshots(monkeypatch):
    """New manual cluster snapshots stay ``creating`` for their first two reads (moto makes them available at once)."""
    from moto.rds.models import RDSBackend

    create_snapshot = RDSBackend.create_db_cluster_snapshot
    describe_snapshots = RDSBackend.describe_db_cluster_snapshots
    reads_left = {}

    def create_db_cluster_snapshot(self, *args, **kwargs):
        snapshot = create_snapshot(self, *args, **kwargs)
        if snapshot.snapshot_type == "manual":
            snapshot.status = "creating"
            reads_left[snapshot.db_cluster_snapshot_identifier] = 2
        return snapshot

    def describe_db_cluster_snapshots(self, *args, **kwargs):
        snapshots = describe_snapshots(self, *args, **kwargs)
        for snapshot in snapshots:
            left = reads_left.get(snapshot.db_cluster_snapshot_identifier)
            if left is not None:
                reads_left[snapshot.db_cluster_snapshot_identifier] = left - 1
                snapshot.status = "creating" if left > 0 else "available"
        return snapshots

    monkeypatch.setattr(RDSBackend, "create_db_cluster_snapshot", create_db_cluster_snapshot)
    monkeypatch.setattr(RDSBackend, "describe_db_cluster_snapshots", describe_db_cluster_snapshots)


def test_absent_deletes_nothing_before_the_final_snapshot_is_available(cloud, run, slow_snapshots):
    create(cloud, run)
    args = cluster_args(cloud, state="absent")

    first = run(dict(args, wait=False)).result
    name = first["final_snapshot"]
    assert first["changed"] is True and first["target_reached"] is False
    assert cloud.calls.writes("rds") == ["CreateDBClusterSnapshot", "AddTagsToResource"]
    assert any(name in p and "creating" in p for p in first["pending"])
    assert moto_cluster(cloud)["Status"] == "available"

    # the next run continues with the same snapshot, waits for it, then deletes
    cloud.calls.clear()
    second = run(args).result
    assert second["changed"] is True and second["final_snapshot"] == name, second
    assert "CreateDBClusterSnapshot" not in cloud.calls.writes()
    operations = cloud.calls.operations("rds")
    last_snapshot_read = max(i for i, op in enumerate(operations) if op == "DescribeDBClusterSnapshots")
    assert last_snapshot_read < operations.index("DeleteDBInstance") < operations.index("DeleteDBCluster")
    statuses = [h["status"] for h in second["status_history"]]
    assert statuses == [f"final snapshot {name} creating", f"final snapshot {name} available", "absent"]
    assert second["status_history"][1]["elapsed"] == 10  # one WAIT_DELAY later
    assert manual_snapshots(cloud)[name]["Status"] == "available" and moto_cluster(cloud) is None


def test_stopped_and_started(cloud, run):
    create(cloud, run)
    stop = cluster_args(cloud, state="stopped")

    check = run(stop, check_mode=True).result
    assert check["changed"] is True and check["cluster"]["status"] == "stopping" and cloud.calls.writes() == []
    result = run(stop).result
    assert result["changed"] is True and result["cluster"]["status"] == "stopped" and result["target_reached"] is True
    assert cloud.calls.writes() == ["StopDBCluster"] and moto_cluster(cloud)["Status"] == "stopped"
    for check_mode in (True, False):
        cloud.calls.clear()
        assert run(stop, check_mode=check_mode).result["changed"] is False and cloud.calls.writes() == []

    # present never starts a stopped cluster; what it cannot apply is reported
    cloud.calls.clear()
    wider = {"min_capacity": 0.5, "max_capacity": 8}
    present = run(cluster_args(cloud, serverless_v2_scaling=wider))
    assert present.result["changed"] is False and present.result["cluster"]["status"] == "stopped"
    assert cloud.calls.writes() == [] and moto_cluster(cloud)["Status"] == "stopped"
    assert any("stopped" in w and "ServerlessV2ScalingConfiguration" in w for w in present.warnings)

    cloud.calls.clear()
    started = run(cluster_args(cloud, state="started", serverless_v2_scaling=wider)).result
    assert started["changed"] is True and started["cluster"]["status"] == "available", started
    assert cloud.calls.writes() == ["StartDBCluster", "ModifyDBCluster"]
    assert moto_cluster(cloud)["ServerlessV2ScalingConfiguration"]["MaxCapacity"] == 8.0
    cloud.calls.clear()
    assert run(cluster_args(cloud, state="started", serverless_v2_scaling=wider)).result["changed"] is False
    assert cloud.calls.writes() == []


@pytest.mark.parametrize("state", ["present", "started"])
def test_parked_creates_nothing_and_returns_no_cluster(cloud, run, state):
    args = cluster_args(cloud, state=state, parked=True, restore_mode="from_final_snapshot")
    for check_mode in (True, False):
        cloud.calls.clear()
        result = run(args, check_mode=check_mode).result
        assert not result.get("failed"), result
        assert result["changed"] is False and result["parked"] is True and result["cluster"] is None
        assert result["target_reached"] is True and result["restored_from"] is None
        assert cloud.calls.writes() == [] and cloud.calls.named("GetSecretValue") == []
    assert moto_cluster(cloud) is None


def test_parked_neither_starts_nor_modifies_a_stopped_cluster(cloud, run):
    create(cloud, run)
    run(cluster_args(cloud, state="stopped"))
    drift = {
        "serverless_v2_scaling": {"min_capacity": 1, "max_capacity": 8},
        "tags": {"owner": "data"},
        "reader_count": 1,
    }
    for check_mode in (True, False):
        cloud.calls.clear()
        module_run = run(cluster_args(cloud, state="started", parked=True, **drift), check_mode=check_mode)
        result = module_run.result
        assert result["changed"] is False and result["parked"] is True and result["target_reached"] is True
        assert result["cluster"]["status"] == "stopped" and result["cluster"]["endpoint"]
        assert result["cluster"]["serverless_v2_scaling"] == {"min_capacity": 0.5, "max_capacity": 2.0}
        assert result["diff"]["before"] == result["diff"]["after"] and module_run.warnings == []
        assert cloud.calls.writes() == []
    assert moto_cluster(cloud)["Status"] == "stopped" and len(moto_instances(cloud)) == 1

    # unparked (parked=false), the same task starts it and applies the settings
    cloud.calls.clear()
    result = run(cluster_args(cloud, state="started", parked=False, **drift)).result
    assert result["changed"] is True and result["parked"] is False and result["cluster"]["status"] == "available"
    assert "StartDBCluster" in cloud.calls.writes()


def test_parked_reports_a_cluster_aws_started_again(cloud, run):
    # Reported by its status (the site.yml outputs list it for a person), not in a warning on every converge.
    create(cloud, run)
    module_run = run(cluster_args(cloud, parked=True))
    assert module_run.result["changed"] is False and module_run.result["cluster"]["status"] == "available"
    assert module_run.result["parked"] is True and module_run.warnings == []
    assert cloud.calls.writes() == []


def test_parked_does_not_stop_a_park(cloud, run):
    create(cloud, run)
    result = run(cluster_args(cloud, state="stopped", parked=True)).result
    assert result["changed"] is True and result["cluster"]["status"] == "stopped"
    assert cloud.calls.writes() == ["StopDBCluster"]


def test_stopped_needs_an_existing_cluster(cloud, run):
    result = run({"cluster_identifier": CLUSTER, "state": "stopped"}).result
    assert result["failed"] is True and "does not exist" in result["msg"] and "state=present" in result["msg"]
    assert cloud.calls.writes() == []


def test_settings_change_in_one_modify_call(cloud, run):
    create(cloud, run)
    args = cluster_args(cloud, serverless_v2_scaling={"min_capacity": 1, "max_capacity": 8}, deletion_protection=True)

    check = run(args, check_mode=True).result
    assert check["changed"] is True and cloud.calls.writes() == []
    assert check["diff"]["before"]["serverless_v2_scaling"] == {"min_capacity": 0.5, "max_capacity": 2.0}
    assert check["diff"]["after"]["serverless_v2_scaling"] == {"min_capacity": 1.0, "max_capacity": 8.0}
    assert check["diff"]["after"]["deletion_protection"] is True and check["cluster"]["deletion_protection"] is True

    cloud.calls.clear()
    result = run(args).result
    assert result["changed"] is True
    assert cloud.calls.writes() == ["ModifyDBCluster"] and cloud.calls.named("GetSecretValue") == []
    assert cloud.calls.named("ModifyDBCluster") == [
        {
            "DBClusterIdentifier": CLUSTER,
            "ApplyImmediately": True,
            "ServerlessV2ScalingConfiguration": {"MinCapacity": 1.0, "MaxCapacity": 8.0},
            "DeletionProtection": True,
        }
    ]
    cluster = moto_cluster(cloud)
    assert cluster["DeletionProtection"] is True and cluster["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 1.0

    cloud.calls.clear()
    assert run(args).result["changed"] is False and cloud.calls.writes() == []

    # deletion protection is never removed by state=absent
    cloud.calls.clear()
    refused = run(cluster_args(cloud, state="absent")).result
    assert refused["failed"] is True and "deletion protection" in refused["msg"] and cloud.calls.writes() == []


def test_tags_are_reconciled_and_extra_instances_reported(cloud, run):
    create(cloud, run, reader_count=1)
    arn = moto_cluster(cloud)["DBClusterArn"]
    cloud.rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "stray", "Value": "x"}])
    cloud.calls.clear()

    module_run = run(cluster_args(cloud, tags={"platform:env": "test", "owner": "data"}))
    assert module_run.result["changed"] is True
    assert sorted(cloud.calls.writes()) == ["AddTagsToResource", "RemoveTagsFromResource"]
    assert tags_of(moto_cluster(cloud)) == {"platform:env": "test", "owner": "data", MANAGED[0]: MANAGED[1]}
    assert any(f"{CLUSTER}-2" in w and "kept" in w for w in module_run.warnings)
    assert f"{CLUSTER}-2" in moto_instances(cloud)


def test_wait_timeout_fails_clearly_and_a_rerun_continues(cloud, run, monkeypatch):
    from moto.rds.models import DBCluster

    stuck = {"on": True}
    status = DBCluster.status

    def get_status(self):
        return "creating" if stuck["on"] else status.fget(self)

    monkeypatch.setattr(DBCluster, "status", property(get_status, status.fset))
    result = run(cluster_args(cloud, wait_timeout=25)).result
    assert result["failed"] is True and result["wait_timed_out"] is True and result["changed"] is True
    assert "wait_timeout=25" in result["msg"] and "running the task again continues" in result["msg"]
    assert result["status"] == "creating" and result["status_history"] == [{"elapsed": 0, "status": "creating"}]

    stuck["on"] = False
    cloud.calls.clear()
    resumed = run(cluster_args(cloud)).result
    assert not resumed.get("failed") and resumed["changed"] is False and resumed["cluster"]["status"] == "available"
    assert cloud.calls.writes() == []


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            {"serverless_v2_scaling": {"min_capacity": 8, "max_capacity": 2}},
            "min_capacity (8) must not be above max_capacity (2)",
        ),
        ({"serverless_v2_scaling": {"min_capacity": 0.7, "max_capacity": 2}}, "multiples of 0.5"),
        ({"subnet_ids": None}, "subnet_ids"),
        ({"master_credentials_secret": None}, "master_credentials_secret"),
        ({"subnet_ids": ["subnet-0123456789abcdef0"]}, "at least two subnets"),
        ({"reader_count": 16}, "reader_count must be between 0 and 15"),
        ({"cluster_identifier": "bad--name"}, "cluster_identifier 'bad--name' is not a valid identifier"),
        ({"backup_retention_period": 0}, "backup_retention_period must be between 1 and 35"),
        ({"preferred_backup_window": "3am"}, "preferred_backup_window '3am'"),
        ({"final_snapshot_prefix": "9-final-"}, "final_snapshot_prefix '9-final-'"),
        ({"state": "absent", "final_snapshot_identifier": "ends-with-"}, "final_snapshot_identifier 'ends-with-'"),
        ({"wait_timeout": 0}, "wait_timeout must be at least 1 second"),
    ],
)
def test_bad_input_fails_before_any_api_call(moto_aws, api_calls, run_module, extra, message):
    fake = SimpleNamespace(key_arn="alias/test", subnets=["subnet-0a", "subnet-0b"], group_id="sg-0a")
    args = {k: v for k, v in dict(cluster_args(fake), **extra).items() if v is not None}
    module_run = run_module(aurora_cluster.main, args)
    assert module_run.result["failed"] is True and message in module_run.result["msg"], module_run.result["msg"]
    assert api_calls == []


@pytest.mark.parametrize(
    "secret_string, message",
    [
        ("plain " + PASSWORD, 'expected a JSON object with non-empty string fields "username" and "password"'),
        (
            json.dumps({"user": "x", "password": PASSWORD}),
            'expected a JSON object with non-empty string fields "username" and "password"',
        ),
        (None, "does not exist"),
    ],
)
def test_bad_secret_fails_without_showing_it(cloud, run, secret_string, message):
    if secret_string is None:
        cloud.secrets.delete_secret(SecretId=SECRET, ForceDeleteWithoutRecovery=True)
    else:
        cloud.secrets.put_secret_value(SecretId=SECRET, SecretString=secret_string)
    cloud.calls.clear()
    result = run(cluster_args(cloud)).result  # `run` asserts the password is not in the output
    assert result["failed"] is True and message in result["msg"] and SECRET in result["msg"]
    assert cloud.calls.named("CreateDBCluster") == []


# ---------------------------------------------------------------------------------------------
# Engine versions: AWS raises minor versions itself and refuses a downgrade (the `cloud` fixture has the
# local cloud's RDS corrections, localcloud.rds_fidelity, so moto refuses it too)


def maintenance(engine_version=None):
    """What an AWS maintenance window does: the cluster (and so its instances) run a later minor version."""
    from localcloud import rds_fidelity

    return rds_fidelity.maintenance({"cluster": CLUSTER, "engine_version": engine_version})


def test_a_maintenance_upgrade_past_the_pinned_minor_is_a_match(cloud, run):
    create(cloud, run, engine_version="16.4")
    assert maintenance()["engine_version"] == "16.5"

    for check_mode in (True, False):
        cloud.calls.clear()
        result = run(cluster_args(cloud, engine_version="16.4"), check_mode=check_mode).result
        assert not result.get("failed") and result["changed"] is False, result
        assert cloud.calls.writes() == []  # the old module sent ModifyDBCluster EngineVersion 16.4: refused by AWS
        assert result["cluster"]["engine_version"] == "16.5"
        assert result["diff"]["before"] == result["diff"]["after"]
    # a major version only matches any minor of it
    cloud.calls.clear()
    assert run(cluster_args(cloud, engine_version="16")).result["changed"] is False and cloud.calls.writes() == []
    assert moto_cluster(cloud)["EngineVersion"] == "16.5"


def test_a_later_pinned_minor_is_an_upgrade(cloud, run):
    create(cloud, run, engine_version="16.4")
    args = cluster_args(cloud, engine_version="16.6")

    check = run(args, check_mode=True).result
    assert check["changed"] is True and cloud.calls.writes() == []
    assert (check["diff"]["before"]["engine_version"], check["diff"]["after"]["engine_version"]) == ("16.4", "16.6")

    result = run(args).result
    assert result["changed"] is True and result["cluster"]["engine_version"] == "16.6"
    assert cloud.calls.named("ModifyDBCluster") == [
        {"DBClusterIdentifier": CLUSTER, "ApplyImmediately": True, "EngineVersion": "16.6"}
    ]
    cloud.calls.clear()
    assert run(args).result["changed"] is False and cloud.calls.writes() == []


def test_a_later_major_version_needs_allow_major_version_upgrade(cloud, run):
    create(cloud, run, engine_version="16.4")
    args = cluster_args(cloud, engine_version="17.2", tags={"platform:env": "test", "extra": "x"})

    for check_mode in (True, False):
        refused = run(args, check_mode=check_mode).result
        assert refused["failed"] is True and "aurora-postgresql 16.4" in refused["msg"], refused
        assert "allow_major_version_upgrade=true" in refused["msg"]
        assert "aurora_allow_major_version_upgrade" in refused["msg"]
        assert cloud.calls.writes() == []  # nothing else was changed either (the tag)
    assert moto_cluster(cloud)["EngineVersion"] == "16.4"

    result = run(dict(args, allow_major_version_upgrade=True)).result
    assert result["changed"] is True and result["cluster"]["engine_version"] == "17.2", result
    [modify] = cloud.calls.named("ModifyDBCluster")
    assert modify["EngineVersion"] == "17.2" and modify["AllowMajorVersionUpgrade"] is True
    assert modify["ApplyImmediately"] is True


def test_a_restore_never_asks_for_a_version_below_the_snapshot(cloud, run):
    source_snapshot(cloud, "old-a", f"{CLUSTER}-final-20240101000000", "platform_admin")
    from localcloud import rds_fidelity

    # the source cluster was upgraded by AWS before the final snapshot was taken
    rds_fidelity.maintenance({"cluster": "old-a", "engine_version": "16.6"})
    newer = f"{CLUSTER}-final-20240201000000"
    cloud.rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=newer, DBClusterIdentifier="old-a")
    cloud.calls.clear()
    args = cluster_args(cloud, engine_version="16.4", restore_mode="from_final_snapshot")

    check = run(args, check_mode=True).result
    assert check["restored_from"] == newer and check["cluster"]["engine_version"] == "16.6"
    result = run(args).result
    assert not result.get("failed") and result["changed"] is True, result  # the old module asked for 16.4: refused
    [restore] = cloud.calls.named("RestoreDBClusterFromSnapshot")
    assert restore["EngineVersion"] == "16.6"
    assert moto_cluster(cloud)["EngineVersion"] == "16.6" and result["cluster"]["engine_version"] == "16.6"
    cloud.calls.clear()
    assert run(args).result["changed"] is False and cloud.calls.writes() == []


# -- check-mode placeholders of resources earlier tasks would create (docs/check_mode.md) ------------------------


def sent_placeholders(calls):
    """API calls whose parameters carry a check-mode placeholder (there must be none)."""
    return [(op, params) for _svc, op, params in calls if "pending:" in json.dumps(params, default=str)]


def test_check_mode_with_pending_network_and_key_predicts_the_cluster(cloud, run):
    """An empty account: the VPC, subnets, security group and key are placeholders from earlier tasks."""
    args = cluster_args(
        cloud,
        kms_key_id="pending:kms-key/alias/rc-test",
        subnet_ids=["pending:subnet/rc-test-private-data-a", "pending:subnet/rc-test-private-data-b"],
        vpc_security_group_ids=["pending:security-group/rc-test-aurora"],
    )
    check = run(args, check_mode=True).result
    assert check["changed"] is True and not check.get("failed"), check
    assert cloud.calls.writes() == [] and sent_placeholders(cloud.calls) == []
    predicted = check["cluster"]
    assert predicted["arn"] == f"pending:rds-cluster/{CLUSTER}"
    assert predicted["endpoint"] == f"pending:rds-cluster-endpoint/{CLUSTER}"
    assert predicted["reader_endpoint"] == f"pending:rds-cluster-reader-endpoint/{CLUSTER}"
    assert predicted["subnet_ids"] == sorted(args["subnet_ids"])
    assert check["diff"]["before"] == {}
    assert check["diff"]["after"]["vpc_security_group_ids"] == ["pending:security-group/rc-test-aurora"]


def test_check_mode_predicts_the_subnet_group_change_of_a_new_availability_zone(cloud, run):
    """A third AZ: its private-data subnet is a placeholder in check mode, real in the real run."""
    create(cloud, run)
    pending = "pending:subnet/rc-test-private-data-c"
    check = run(cluster_args(cloud, subnet_ids=cloud.subnets[:2] + [pending]), check_mode=True).result
    assert check["changed"] is True and not check.get("failed"), check
    assert cloud.calls.writes() == [] and sent_placeholders(cloud.calls) == []
    assert check["diff"]["before"]["subnet_ids"] == sorted(cloud.subnets[:2])
    assert check["diff"]["after"]["subnet_ids"] == sorted(cloud.subnets[:2] + [pending])
    assert check["cluster"]["arn"] == moto_cluster(cloud)["DBClusterArn"]  # an existing cluster keeps its ARN

    cloud.calls.clear()
    real = run(cluster_args(cloud, subnet_ids=cloud.subnets)).result
    assert real["changed"] is True and not real.get("failed"), real
    assert cloud.calls.writes("rds") == ["ModifyDBSubnetGroup"]
    after = run(cluster_args(cloud, subnet_ids=cloud.subnets), check_mode=True).result
    assert after["changed"] is False, after["diff"]


@pytest.mark.parametrize(
    "option, value",
    [
        ("subnet_ids", ["subnet-0a", "pending:subnet/rc-test-private-data-c"]),
        ("vpc_security_group_ids", ["pending:security-group/rc-test-aurora"]),
        ("kms_key_id", "pending:kms-key/alias/rc-test"),
    ],
)
def test_real_run_refuses_a_placeholder_before_any_call(cloud, run, option, value):
    module_run = run(cluster_args(cloud, **{option: value}))
    assert module_run.result.get("failed") is True
    assert option in module_run.result["msg"] and "placeholder" in module_run.result["msg"]
    assert cloud.calls == []
