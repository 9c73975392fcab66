# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Aurora engine versions (localcloud.rds_fidelity): AWS never downgrades a cluster, and raises its minor
version by itself in maintenance windows (the control call ``POST /_localcloud/rds/maintenance``).
Plain moto 5.2.5 accepts every EngineVersion, lower ones included: each test here fails against it."""

import pytest
from botocore.exceptions import ClientError

from localcloud.client import LocalCloudError
from localcloud.testing import cli

REGION = "eu-west-2"


@pytest.fixture
def rds(lc, aws):
    """An RDS client on a reset instance with one Aurora PostgreSQL 16.4 cluster ``rc-local`` and its writer."""
    client = aws("rds", region=REGION)
    client.create_db_cluster(
        DBClusterIdentifier="rc-local",
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="platform_admin",
        MasterUserPassword="password-1234",
    )
    client.create_db_instance(
        DBInstanceIdentifier="rc-local-1",
        DBClusterIdentifier="rc-local",
        Engine="aurora-postgresql",
        DBInstanceClass="db.serverless",
    )
    return client


def _version(rds, cluster="rc-local"):
    return rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["EngineVersion"]


def _error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_modify_to_an_earlier_version_is_refused(rds):
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_cluster(DBClusterIdentifier="rc-local", EngineVersion="16.2", ApplyImmediately=True)
    assert _error(excinfo) == ("InvalidParameterCombination", "Cannot upgrade aurora-postgresql from 16.4 to 16.2")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _version(rds) == "16.4"

    # an upgrade within the major version, and the same version, are accepted
    rds.modify_db_cluster(DBClusterIdentifier="rc-local", EngineVersion="16.6", ApplyImmediately=True)
    rds.modify_db_cluster(DBClusterIdentifier="rc-local", EngineVersion="16.6", ApplyImmediately=True)
    assert _version(rds) == "16.6"
    rds.modify_db_cluster(DBClusterIdentifier="rc-local", EngineVersion="16.10", ApplyImmediately=True)
    with pytest.raises(ClientError) as excinfo:  # compared as numbers: 16.9 is earlier than 16.10
        rds.modify_db_cluster(DBClusterIdentifier="rc-local", EngineVersion="16.9", ApplyImmediately=True)
    assert _error(excinfo)[1] == "Cannot upgrade aurora-postgresql from 16.10 to 16.9"


def test_a_major_version_upgrade_needs_the_flag(rds):
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_cluster(DBClusterIdentifier="rc-local", EngineVersion="17.2", ApplyImmediately=True)
    assert _error(excinfo) == (
        "InvalidParameterCombination",
        "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.",
    )
    assert _version(rds) == "16.4"
    rds.modify_db_cluster(
        DBClusterIdentifier="rc-local", EngineVersion="17.2", AllowMajorVersionUpgrade=True, ApplyImmediately=True
    )
    assert _version(rds) == "17.2"


def test_maintenance_raises_the_minor_version_without_an_api_call(lc, rds):
    lc.clear_requests()
    answer = lc.rds_maintenance("rc-local")  # default: minor + 1
    assert answer == {
        "cluster": "rc-local",
        "account": "123456789012",
        "region": REGION,
        "previous_engine_version": "16.4",
        "engine_version": "16.5",
        "instances": {"rc-local-1": "16.5"},
    }
    assert lc.requests() == []  # a control call, not an AWS call
    assert _version(rds) == "16.5"
    [instance] = rds.describe_db_instances(DBInstanceIdentifier="rc-local-1")["DBInstances"]
    assert instance["EngineVersion"] == "16.5"

    assert lc.rds_maintenance("rc-local", engine_version="16.8")["engine_version"] == "16.8"
    # what the cluster was pinned at is now a downgrade
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_cluster(DBClusterIdentifier="rc-local", EngineVersion="16.4", ApplyImmediately=True)
    assert _error(excinfo)[1] == "Cannot upgrade aurora-postgresql from 16.8 to 16.4"


def test_maintenance_refusals(lc, rds):
    with pytest.raises(LocalCloudError, match="400.*never lowers a version: rc-local runs 16.4, asked for 16.2"):
        lc.rds_maintenance("rc-local", engine_version="16.2")
    with pytest.raises(LocalCloudError, match="404.*DBCluster nope not found"):
        lc.rds_maintenance("nope")
    with pytest.raises(LocalCloudError, match="400.*cluster .*is required"):
        lc.call(lc.aws_url, "POST", "rds/maintenance", {})
    with pytest.raises(LocalCloudError, match="405"):
        lc.call(lc.aws_url, "GET", "rds/maintenance")
    assert _version(rds) == "16.4"


def test_restore_to_an_earlier_version_than_the_snapshot_is_refused(lc, rds):
    lc.rds_maintenance("rc-local", engine_version="16.6")
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="rc-local-final-1", DBClusterIdentifier="rc-local")
    restore = {"SnapshotIdentifier": "rc-local-final-1", "Engine": "aurora-postgresql"}
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="rc-old", EngineVersion="16.4", **restore)
    assert _error(excinfo) == (
        "InvalidParameterCombination",
        "The engine version you requested for your restored DB cluster (16.4) is earlier than "
        "the engine version of the DB cluster snapshot (16.6).",
    )
    same = rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="rc-same", **restore)
    assert same["DBCluster"]["EngineVersion"] == "16.6"
    later = rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="rc-later", EngineVersion="16.8", **restore)
    assert later["DBCluster"]["EngineVersion"] == "16.8"


def test_cli_rds_maintenance(lc, rds, env):
    result = cli(["rds-maintenance", "rc-local", "--engine-version", "16.7"], env)
    assert '"engine_version": "16.7"' in result.stdout and '"previous_engine_version": "16.4"' in result.stdout
    assert _version(rds) == "16.7"
    refused = cli(["rds-maintenance", "rc-local", "--engine-version", "16.1"], env, check=False)
    assert refused.returncode == 1 and "never lowers a version" in refused.stderr
