# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What later converges do to a converged platform that changed under them: autoscaling and a park moved the
service counts, the cluster was deleted with a final snapshot and is restored from the newest one
(database_restore_mode from_final_snapshot), then deleted again and created empty (clean).

Split from test_site.py so that the two halves run on two pytest-xdist workers: test_site.py's sequence of
converges was the longest chain of the suite. These tests start from the worker's shared converge
(Platform.converged()), which they change: they drop it when they end.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

CLUSTER = "rocketclub-local"
APPS = ("backstage", "prefect")


@pytest.fixture(scope="module")
def converged(platform):
    run = platform.converged()
    yield run
    # The cluster was recreated and the counts moved: the next file converges afresh.
    platform.shared_converge = None


def secret(platform, name):
    return platform.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]


def cluster(platform):
    return platform.client("rds").describe_db_clusters(DBClusterIdentifier=CLUSTER)["DBClusters"][0]


# --- later converges leave autoscaling and park counts alone -------------------------------------------


def test_converge_does_not_fight_autoscaling_or_a_park(platform, converged):
    ecs = platform.client("ecs")
    scaling = platform.client("application-autoscaling")
    # Autoscaling moved backstage to 3; the park runbook zeroed prefect and recorded park_mode.
    ecs.update_service(cluster=CLUSTER, service="backstage", desiredCount=3)
    ecs.update_service(cluster=CLUSTER, service="prefect", desiredCount=0)
    scaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=f"service/{CLUSTER}/prefect",
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=0,
        MaxCapacity=0,
    )
    platform.client("ssm").put_parameter(Name="/local/infra/park_mode", Value="parked", Type="String", Overwrite=True)
    run = platform.playbook("playbooks/site.yml")
    run.assert_noop()
    counts = {
        s["serviceName"]: s["desiredCount"]
        for s in ecs.describe_services(cluster=CLUSTER, services=list(APPS))["services"]
    }
    assert counts == {"backstage": 3, "prefect": 0}
    target = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[f"service/{CLUSTER}/prefect"])[
        "ScalableTargets"
    ][0]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 0)
    platform.client("ssm").put_parameter(Name="/local/infra/park_mode", Value="unparked", Type="String", Overwrite=True)


# --- restore modes -------------------------------------------------------------------------------------


def delete_cluster_with_final_snapshot(platform, snapshot):
    """What park.yml (snapshot mode) or an operator leaves behind: no cluster, a named final snapshot."""
    rds = platform.client("rds")
    for instance in rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [CLUSTER]}])["DBInstances"]:
        rds.delete_db_instance(DBInstanceIdentifier=instance["DBInstanceIdentifier"], SkipFinalSnapshot=True)
    rds.delete_db_cluster(DBClusterIdentifier=CLUSTER, FinalDBSnapshotIdentifier=snapshot)
    assert not [c for c in rds.describe_db_clusters()["DBClusters"] if c["DBClusterIdentifier"] == CLUSTER]


def set_restore_mode(platform, mode):
    platform.client("ssm").put_parameter(
        Name="/local/infra/database_restore_mode", Value=mode, Type="String", Overwrite=True
    )


def outputs_aurora(platform):
    """platform_aurora as the last site.yml run wrote it to its outputs file."""
    with open(platform.outputs_file("local"), encoding="utf-8") as handle:
        return json.load(handle)["platform"]["aurora"]


def test_from_final_snapshot_restores_the_newest_final_snapshot(platform, converged):
    rds = platform.client("rds")
    rds.create_db_cluster_snapshot(
        DBClusterIdentifier=CLUSTER, DBClusterSnapshotIdentifier=f"{CLUSTER}-final-20200101000000"
    )
    delete_cluster_with_final_snapshot(platform, f"{CLUSTER}-final-20991231235959")
    set_restore_mode(platform, "from_final_snapshot")
    run = platform.playbook("playbooks/site.yml")
    assert run.rc == 0, run.output[-4000:]
    operations = [c["operation"] for c in run.writes if c["service"] == "rds"]
    assert "RestoreDBClusterFromSnapshot" in operations and "CreateDBCluster" not in operations
    # The outputs say where the cluster came from, on screen and in the outputs file.
    assert f"aurora_cluster         = {CLUSTER} (available, restored from {CLUSTER}-final-20991231235959)" in run.output
    assert outputs_aurora(platform)["restored_from"] == f"{CLUSTER}-final-20991231235959"
    db = cluster(platform)
    assert db["Status"] == "available" and db["StorageEncrypted"] is True
    # The restore source stays recorded on the cluster itself.
    assert {t["Key"]: t["Value"] for t in db["TagList"]}["platform:restored-from"] == f"{CLUSTER}-final-20991231235959"
    # The URLs follow the restored cluster; the next converge changes nothing.
    assert urlsplit(secret(platform, "local/backstage/database-url")).hostname == db["Endpoint"]
    again = platform.playbook("playbooks/site.yml")
    again.assert_noop()


def test_clean_creates_an_empty_cluster_despite_snapshots(platform, converged):
    delete_cluster_with_final_snapshot(platform, f"{CLUSTER}-final-21000101000000")
    set_restore_mode(platform, "clean")
    run = platform.playbook("playbooks/site.yml")
    assert run.rc == 0, run.output[-4000:]
    operations = [c["operation"] for c in run.writes if c["service"] == "rds"]
    assert "CreateDBCluster" in operations and "RestoreDBClusterFromSnapshot" not in operations
    assert f"aurora_cluster         = {CLUSTER} (available)" in run.output
    assert outputs_aurora(platform)["restored_from"] is None
    db = cluster(platform)
    assert db["Status"] == "available"
    assert "platform:restored-from" not in {t["Key"] for t in db["TagList"]}
