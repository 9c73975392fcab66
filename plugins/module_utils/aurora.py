# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic of the ``rocketclub.platform.aurora_cluster`` module.

Nothing here calls AWS: functions take module parameters and what ``DescribeDBClusters``,
``DescribeDBInstances``, ``DescribeDBSubnetGroups`` and ``DescribeDBClusterSnapshots`` returned
(boto3 shapes) and return API parameters, predictions, result views and messages.

Predictions are boto3 shapes too (built from the parameters of the call that would be made), so
one set of view functions renders both what exists and what check mode predicts.
"""

from __future__ import annotations

import re

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import AURORA_ENGINE_VERSION
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import AURORA_PORTS
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import DB_CLUSTER_IDENTIFIER

# Tags the module keeps on the cluster for itself; never compared with O(tags), never purged by it.
RESTORED_FROM_TAG = "platform:restored-from"  # snapshot a cluster was restored from (informational)
PASSWORD_SYNC_TAG = "platform:master-password"  # "sync-pending": set MasterUserPassword from the secret
PASSWORD_SYNC_PENDING = "sync-pending"
FINAL_SNAPSHOT_TAG = "platform:final-snapshot"  # final snapshot taken by a state=absent run in progress
INTERNAL_TAGS = (RESTORED_FROM_TAG, PASSWORD_SYNC_TAG, FINAL_SNAPSHOT_TAG)
SNAPSHOT_OF_TAG = "platform:final-snapshot-of"  # on the final snapshot: the cluster it was taken of

SERVERLESS_CLASS = "db.serverless"
DEFAULT_SCALING = {"min_capacity": 0.5, "max_capacity": 4.0}
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"
MAX_READERS = 15

# Cluster statuses
AVAILABLE = "available"
STOPPED = "stopped"
STOPPING = "stopping"
STARTING = "starting"
DELETING = "deleting"
ABSENT = "absent"
# A cluster in these statuses takes no new instances (AWS answers InvalidDBClusterStateFault).
NO_NEW_INSTANCES = (STOPPED, STOPPING, STARTING, DELETING)
FAILED_STATUSES = (
    "failed",
    "cloning-failed",
    "migration-failed",
    "inaccessible-encryption-credentials",
    "incompatible-network",
    "incompatible-parameters",
    "incompatible-restore",
    "restore-error",
    "storage-full",
)

# DB cluster snapshot identifiers (CreateDBClusterSnapshot): a cluster identifier's shape, up to 255 characters.
SNAPSHOT_IDENTIFIER_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# 16, 16.4, 9.6.12, 8.0.mysql_aurora.3.05.2
BACKUP_WINDOW_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")

# option -> ModifyDBCluster parameter, for the settings a cluster can change in place
MODIFIABLE = (
    ("engine_version", "EngineVersion"),
    ("port", "Port"),
    ("vpc_security_group_ids", "VpcSecurityGroupIds"),
    ("serverless_v2_scaling", "ServerlessV2ScalingConfiguration"),
    ("deletion_protection", "DeletionProtection"),
    ("copy_tags_to_snapshot", "CopyTagsToSnapshot"),
    ("backup_retention_period", "BackupRetentionPeriod"),
    ("preferred_backup_window", "PreferredBackupWindow"),
)


# ---------------------------------------------------------------------------------------------
# Inputs


def _identifier_problem(option, value, max_length, pattern=SNAPSHOT_IDENTIFIER_RE):
    if not value or len(value) > max_length or not pattern.match(value.lower()):
        return (
            f"{option} {value!r} is not a valid identifier: 1 to {max_length} letters, digits or hyphens, "
            "starting with a letter, without two consecutive hyphens or a trailing hyphen"
        )
    return None


def _scaling_problems(scaling):
    low, high = scaling["min_capacity"], scaling["max_capacity"]
    problems = []
    if low > high:
        problems.append(f"serverless_v2_scaling.min_capacity ({low:g}) must not be above max_capacity ({high:g})")
    if not 0 <= low <= 256 or not 1 <= high <= 256:
        problems.append("serverless_v2_scaling: min_capacity must be within 0-256 and max_capacity within 1-256 ACUs")
    if any((value * 2) % 1 for value in (low, high)):
        problems.append("serverless_v2_scaling: capacities must be multiples of 0.5 ACU")
    return problems


def validate_params(params):
    """Problems with the module parameters, found before any API call (list of messages)."""
    problems = []
    cluster_id = params["cluster_identifier"]
    reader_count = params["reader_count"]
    if not 0 <= reader_count <= MAX_READERS:
        problems.append(f"reader_count must be between 0 and {MAX_READERS}, got {reader_count}")
    # the instances are <cluster>-1 ... <cluster>-<readers + 1>; instance identifiers have 63 characters at most
    suffix = len(f"-{max(reader_count, 0) + 1}")
    cluster_problem = _identifier_problem("cluster_identifier", cluster_id, 63 - suffix, DB_CLUSTER_IDENTIFIER)
    if cluster_problem:
        problems.append(cluster_problem)
    scaling = desired_scaling(params)
    if scaling:
        problems.extend(_scaling_problems(scaling))
    if not 1 <= params["backup_retention_period"] <= 35:
        problems.append(
            f"backup_retention_period must be between 1 and 35 days, got {params['backup_retention_period']}"
        )
    window = params.get("preferred_backup_window")
    if window is not None and not BACKUP_WINDOW_RE.match(window):
        problems.append(f"preferred_backup_window {window!r} must look like hh24:mi-hh24:mi in UTC, e.g. 03:00-03:30")
    if not AURORA_PORTS[0] <= params["port"] <= AURORA_PORTS[1]:
        problems.append(f"port must be between {AURORA_PORTS[0]} and {AURORA_PORTS[1]}, got {params['port']}")
    if params["wait_timeout"] < 1:
        problems.append("wait_timeout must be at least 1 second")
    if params.get("final_snapshot_identifier"):
        problem = _identifier_problem("final_snapshot_identifier", params["final_snapshot_identifier"], 255)
        if problem:
            problems.append(problem)
    elif params.get("final_snapshot_prefix") or not cluster_problem:
        name = final_snapshot_name(final_snapshot_prefix(params), "20000101000000")
        if _identifier_problem("final_snapshot_prefix", name, 255):
            problems.append(
                f"final_snapshot_prefix {params.get('final_snapshot_prefix')!r} does not make a valid "
                "snapshot identifier "
                f"({name!r}): use letters, digits and single hyphens, starting with a letter"
            )
    version = params.get("engine_version")
    if version is not None and not AURORA_ENGINE_VERSION.match(version):
        problems.append(
            f"engine_version {version!r} is not an engine version: write it as a quoted string such as '16.4' "
            "(a minor version is the floor the cluster is kept at) or '16' (any 16.x)"
        )
    subnet_ids = params.get("subnet_ids")
    if subnet_ids is not None and len(set(subnet_ids)) < 2:
        problems.append("subnet_ids must name at least two subnets (in two availability zones) for the DB subnet group")
    return problems


def desired_scaling(params):
    """The Serverless v2 scaling to manage (dict with float capacities), or None to leave it alone."""
    scaling = params.get("serverless_v2_scaling")
    if scaling is None and params["instance_class"] == SERVERLESS_CLASS:
        scaling = DEFAULT_SCALING
    if scaling is None:
        return None
    return {"min_capacity": float(scaling["min_capacity"]), "max_capacity": float(scaling["max_capacity"])}


def instance_ids(cluster_id, reader_count):
    """The declared instances: the writer ``<cluster>-1``, then the readers ``<cluster>-2`` ..."""
    return [f"{cluster_id}-{number}" for number in range(1, reader_count + 2)]


def final_snapshot_prefix(params):
    prefix = params.get("final_snapshot_prefix") or f"{params['cluster_identifier']}-final-"
    return prefix.lower()


def final_snapshot_name(prefix, timestamp):
    """``<prefix><UTC yyyymmddHHMMSS>``; ``timestamp`` is a datetime or an already formatted string."""
    if not isinstance(timestamp, str):
        timestamp = timestamp.strftime(TIMESTAMP_FORMAT)
    return f"{prefix}{timestamp}"


# ---------------------------------------------------------------------------------------------
# Snapshots


def newest_final_snapshot(snapshots, prefix):
    """The newest available manual cluster snapshot whose identifier starts with ``prefix``, or None."""
    candidates = [
        s
        for s in snapshots
        if s.get("SnapshotType", "manual") == "manual"
        and s.get("Status") == AVAILABLE
        and s["DBClusterSnapshotIdentifier"].lower().startswith(prefix.lower())
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda s: (str(s.get("SnapshotCreateTime") or ""), s["DBClusterSnapshotIdentifier"]))


# ---------------------------------------------------------------------------------------------
# Tags


def resource_tags(resource):
    """``{key: value}`` of a DBCluster/DBInstance/DBClusterSnapshot shape (its ``TagList``)."""
    return as_dict((resource or {}).get("TagList"))


def plan_cluster_tags(current, desired, purge_tags, keep_final_snapshot=False):
    """The ``TagPlan`` of the cluster's tags. The module's own tags are left alone, except the
    final-snapshot marker, which only a state=absent run keeps (any other run means the cluster lives on)."""
    always_remove = () if keep_final_snapshot else (FINAL_SNAPSHOT_TAG,)
    keep = tuple(tag for tag in INTERNAL_TAGS if tag not in always_remove)
    return plan_tags(current, desired, purge_tags, keep=keep, always_remove=always_remove)


def edit_tags(current, to_set=None, to_unset=()):
    """The ``TagPlan`` that sets ``to_set`` and removes ``to_unset``, leaving every other tag alone."""
    desired = {key: value for key, value in as_dict(current).items() if key not in to_unset}
    desired.update(to_set or {})
    return plan_tags(current, desired)


def with_tags(resource, plan):
    """Copy of a boto3 resource shape carrying the tags of ``plan`` (prediction)."""
    return dict(resource, TagList=ansible_dict_to_boto3_tag_list(plan.result))


# ---------------------------------------------------------------------------------------------
# Create / restore / modify


def create_params(params, cluster_id, tags, snapshot_id=None, snapshot_engine_version=None):
    """Parameters shared by CreateDBCluster and RestoreDBClusterFromSnapshot (credentials excluded).

    A restore gets the engine version of ``restore_engine_version`` (never lower than the snapshot's)."""
    api = {
        "DBClusterIdentifier": cluster_id,
        "Engine": params["engine"],
        "Port": params["port"],
        "DBSubnetGroupName": cluster_id,
        "DeletionProtection": params["deletion_protection"],
        "CopyTagsToSnapshot": params["copy_tags_to_snapshot"],
        "BackupRetentionPeriod": params["backup_retention_period"],
        "Tags": ansible_dict_to_boto3_tag_list(tags),
    }
    optional = {
        "EngineVersion": params.get("engine_version"),
        "KmsKeyId": params.get("kms_key_id"),
        "VpcSecurityGroupIds": params.get("vpc_security_group_ids"),
        "PreferredBackupWindow": params.get("preferred_backup_window"),
        "ServerlessV2ScalingConfiguration": scaling_to_api(desired_scaling(params)),
    }
    if snapshot_id:
        optional["EngineVersion"] = restore_engine_version(params.get("engine_version"), snapshot_engine_version)[0]
    api.update({k: v for k, v in optional.items() if v is not None})
    if snapshot_id:
        api["SnapshotIdentifier"] = snapshot_id
    else:
        api["StorageEncrypted"] = True
    return api


def instance_params(params, cluster_id, instance_id, tags):
    writer = instance_id == instance_ids(cluster_id, 0)[0]
    return {
        "DBInstanceIdentifier": instance_id,
        "DBClusterIdentifier": cluster_id,
        "DBInstanceClass": params["instance_class"],
        "Engine": params["engine"],
        "PromotionTier": 0 if writer else 1,
        "PubliclyAccessible": False,
        "Tags": ansible_dict_to_boto3_tag_list(tags),
    }


def scaling_to_api(scaling):
    if scaling is None:
        return None
    return {"MinCapacity": scaling["min_capacity"], "MaxCapacity": scaling["max_capacity"]}


def predicted_cluster(api, snapshot=None, master_username=None):
    """The DBCluster shape that a CreateDBCluster/RestoreDBClusterFromSnapshot with ``api`` would give.

    Its ARN and endpoints are only known once AWS created it: they are check-mode placeholders
    (``pending:rds-cluster/<id>``, ``pending:rds-cluster-endpoint/<id>``, ``pending:rds-cluster-reader-endpoint/<id>``).
    """
    snapshot = snapshot or {}
    cluster_id = api["DBClusterIdentifier"]
    shape = {
        k: v
        for k, v in api.items()
        if k not in ("Tags", "VpcSecurityGroupIds", "DBSubnetGroupName", "SnapshotIdentifier")
    }
    shape.update(
        Status="creating",
        DBClusterArn=pending_id("rds-cluster", cluster_id),
        Endpoint=pending_id("rds-cluster-endpoint", cluster_id),
        ReaderEndpoint=pending_id("rds-cluster-reader-endpoint", cluster_id),
        DBSubnetGroup=api["DBSubnetGroupName"],
        TagList=api["Tags"],
        VpcSecurityGroups=[{"VpcSecurityGroupId": g, "Status": "active"} for g in api.get("VpcSecurityGroupIds") or []],
        StorageEncrypted=True,
        EngineVersion=api.get("EngineVersion") or snapshot.get("EngineVersion"),
        KmsKeyId=api.get("KmsKeyId") or snapshot.get("KmsKeyId"),
        MasterUsername=master_username or snapshot.get("MasterUsername"),
        DBClusterMembers=[],
    )
    return shape


def predicted_instance(api):
    shape = {k: v for k, v in api.items() if k != "Tags"}
    shape.update(DBInstanceStatus="creating", TagList=api["Tags"])
    return shape


# ---------------------------------------------------------------------------------------------
# Engine versions
#
# AWS upgrades an Aurora cluster's minor version by itself: in the maintenance window while
# AutoMinorVersionUpgrade is on (the default, for the cluster and its instances), and forcibly once a
# minor version reaches its end of life. It never goes back: ModifyDBCluster with a lower EngineVersion
# fails (InvalidParameterCombination "Cannot upgrade aurora-postgresql from 16.6 to 16.4"), and a
# restore to a version earlier than the snapshot's is refused too. A pinned version is therefore a
# floor: the cluster matches at that version or above within the same major version, and only an
# upgrade is ever sent (as terraform-provider-aws does since its PR #49396 for aws_rds_cluster).

MATCH = "match"  # running the pinned version, a later minor of it, or any minor of a pinned major
UPGRADE = "upgrade"  # same major, running an earlier minor: ModifyDBCluster EngineVersion
MAJOR_UPGRADE = "major-upgrade"  # a later major is pinned: needs AllowMajorVersionUpgrade
NEWER_MAJOR = "newer-major"  # running a later major than pinned (never downgraded)


def _version_key(version):
    """Numeric-aware sort key: ``16.10`` > ``16.9``, ``8.0.mysql_aurora.3.10.0`` > ``8.0.mysql_aurora.3.9.0``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in str(version).split("."))


def engine_major(version):
    """The major version: the first number from 10 on (Aurora PostgreSQL ``16.4`` -> ``16``), else the first
    two (``9.6.12`` -> ``9.6``, Aurora MySQL ``8.0.mysql_aurora.3.05.2`` -> ``8.0``)."""
    parts = str(version).split(".")
    if parts[0].isdigit() and int(parts[0]) >= 10:
        return parts[0]
    return ".".join(parts[:2])


def compare_engine_versions(current, wanted):
    """MATCH, UPGRADE, MAJOR_UPGRADE or NEWER_MAJOR: how a cluster running ``current`` stands to ``wanted``.

    ``16.4`` is matched by ``16.4`` and any later ``16.x``; ``16`` (a major version only) by any ``16.x``.
    """
    if not current:
        return UPGRADE
    have_major, want_major = engine_major(current), engine_major(wanted)
    if have_major == want_major:
        if wanted == want_major or _version_key(current) >= _version_key(wanted):
            return MATCH
        return UPGRADE
    return MAJOR_UPGRADE if _version_key(want_major) > _version_key(have_major) else NEWER_MAJOR


def plan_engine_version(cluster, params):
    """``(ModifyDBCluster parameters, warnings, problem)`` for the engine version of an existing cluster.

    ``problem`` (a message, the parameters then being empty) is a major version upgrade this run must not
    make: without ``allow_major_version_upgrade``, or to a major version only (AWS needs the exact target).
    """
    wanted = params.get("engine_version")
    if not wanted:
        return {}, [], None
    cluster_id, engine, current = cluster["DBClusterIdentifier"], cluster.get("Engine"), cluster.get("EngineVersion")
    relation = compare_engine_versions(current, wanted)
    if relation == MATCH:
        return {}, [], None
    if relation == UPGRADE:
        return {"EngineVersion": wanted}, [], None
    if relation == NEWER_MAJOR:
        return (
            {},
            [
                f"Cluster {cluster_id} runs {engine} {current}, a later major version than engine_version {wanted}; "
                "it is left as it is (AWS never downgrades a cluster): raise engine_version to match it"
            ],
            None,
        )
    if wanted == engine_major(wanted):
        return (
            {},
            [],
            (
                f"Cluster {cluster_id} runs {engine} {current}; engine_version {wanted} names a major version only: "
                f"a major version upgrade needs the exact target version (for example {wanted}.1) in engine_version "
                "(role variable aurora_engine_version) and allow_major_version_upgrade=true "
                "(aurora_allow_major_version_upgrade)"
            ),
        )
    if not params.get("allow_major_version_upgrade"):
        return (
            {},
            [],
            (
                f"Cluster {cluster_id} runs {engine} {current}; engine_version {wanted} is a major version upgrade, "
                "which is only made with allow_major_version_upgrade=true "
                "(role variable aurora_allow_major_version_upgrade). "
                "Nothing was changed: check the parameter groups and extensions for the new major version first, "
                f"or pin engine_version to {engine_major(current)}.x"
            ),
        )
    return {"EngineVersion": wanted, "AllowMajorVersionUpgrade": True}, [], None


def restore_engine_version(wanted, snapshot_version):
    """``(EngineVersion to restore with, warning)``: never lower than the snapshot's version.

    RestoreDBClusterFromSnapshot refuses a version earlier than the snapshot's, and without EngineVersion
    the API reference says the Region's default version is used, which may be earlier too: so the version
    is always passed, the higher of the pinned one and the snapshot's within the same major version, the
    snapshot's otherwise (a major version upgrade is never made by a restore).
    """
    if not snapshot_version:
        return wanted, None
    if not wanted:
        return snapshot_version, None
    relation = compare_engine_versions(snapshot_version, wanted)
    if relation == UPGRADE:
        return wanted, None
    if relation == MAJOR_UPGRADE:
        return snapshot_version, (
            f"The snapshot is at {snapshot_version}: the cluster is restored at that version; the major version "
            f"upgrade to engine_version {wanted} is left to a later run (allow_major_version_upgrade)"
        )
    if relation == NEWER_MAJOR:
        return snapshot_version, (
            f"The snapshot is at {snapshot_version}, a later major version than engine_version {wanted}: "
            "the cluster is restored at the snapshot's version (AWS never restores to an earlier one); "
            "raise engine_version to match it"
        )
    return snapshot_version, None


def plan_modify(cluster, params):
    """``(ModifyDBCluster parameters, warnings)`` to bring an existing cluster to ``params``.

    Settings the module does not manage (options left unset) are not compared. Engine, KMS key and
    encryption cannot change in place: they only produce warnings. The engine version follows
    ``plan_engine_version`` (only upgrades; a refused major version upgrade is left out here).
    """
    current = cluster_settings(cluster)
    wanted = desired_settings(params)
    changes, warnings = {}, []
    cluster_id = cluster["DBClusterIdentifier"]
    if params["engine"] != cluster.get("Engine"):
        warnings.append(
            f"Cluster {cluster_id} runs engine {cluster.get('Engine')}, not {params['engine']}; "
            "an engine cannot change in place"
        )
    kms = params.get("kms_key_id")
    if kms and kms.startswith("arn:") and ":key/" in kms and cluster.get("KmsKeyId") and kms != cluster["KmsKeyId"]:
        warnings.append(
            f"Cluster {cluster_id} is encrypted with {cluster['KmsKeyId']}, not {kms}; "
            "the key of a cluster cannot change in place"
        )
    if not cluster.get("StorageEncrypted"):
        warnings.append(
            f"Cluster {cluster_id} storage is NOT encrypted; encryption cannot be turned on in place "
            "(restore a snapshot with kms_key_id)"
        )
    version_changes, version_warnings, _problem = plan_engine_version(cluster, params)
    changes.update(version_changes)
    warnings.extend(version_warnings)
    for option, api_name in MODIFIABLE:
        want, have = wanted[option], current[option]
        if option == "engine_version" or want is None or want == have:
            continue
        changes[api_name] = scaling_to_api(want) if option == "serverless_v2_scaling" else want
    return changes, warnings


def apply_modify(cluster, changes):
    """Copy of a DBCluster shape with ModifyDBCluster ``changes`` applied (prediction)."""
    result = dict(cluster)
    for key, value in changes.items():
        if key == "VpcSecurityGroupIds":
            result["VpcSecurityGroups"] = [{"VpcSecurityGroupId": g, "Status": "active"} for g in value]
        elif key not in ("MasterUserPassword", "AllowMajorVersionUpgrade"):
            result[key] = value
    return result


def desired_settings(params):
    groups = params.get("vpc_security_group_ids")
    return {
        "engine_version": params.get("engine_version"),
        "port": params["port"],
        "vpc_security_group_ids": sorted(set(groups)) if groups is not None else None,
        "serverless_v2_scaling": desired_scaling(params),
        "deletion_protection": params["deletion_protection"],
        "copy_tags_to_snapshot": params["copy_tags_to_snapshot"],
        "backup_retention_period": params["backup_retention_period"],
        "preferred_backup_window": params.get("preferred_backup_window"),
    }


def cluster_settings(cluster):
    scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
    if scaling.get("MinCapacity") is not None and scaling.get("MaxCapacity") is not None:
        scaling = {"min_capacity": float(scaling["MinCapacity"]), "max_capacity": float(scaling["MaxCapacity"])}
    else:
        scaling = None
    groups = [g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups") or [] if g.get("Status") != "removing"]
    return {
        "engine_version": cluster.get("EngineVersion"),
        "port": cluster.get("Port"),
        "vpc_security_group_ids": sorted(groups),
        "serverless_v2_scaling": scaling,
        "deletion_protection": bool(cluster.get("DeletionProtection")),
        "copy_tags_to_snapshot": bool(cluster.get("CopyTagsToSnapshot")),
        "backup_retention_period": cluster.get("BackupRetentionPeriod"),
        "preferred_backup_window": cluster.get("PreferredBackupWindow"),
    }


# ---------------------------------------------------------------------------------------------
# Instances


def _instance_sort_key(identifier):
    head, _sep, number = identifier.rpartition("-")
    return (head, int(number)) if number.isdigit() else (identifier, 0)


def plan_instances(cluster_id, params, instances):
    """``(missing instance ids, warnings)`` for the declared instances of a cluster.

    Instances are only ever created by this module on state=present: extra members are reported,
    as are declared instances whose class or exposure differs from the declaration.
    """
    declared = instance_ids(cluster_id, params["reader_count"])
    existing = {i["DBInstanceIdentifier"]: i for i in instances if i.get("DBInstanceStatus") != DELETING}
    warnings = []
    extra = sorted((i for i in existing if i not in declared), key=_instance_sort_key)
    if extra:
        warnings.append(
            f"Cluster {cluster_id} has instances that are not declared (reader_count={params['reader_count']}): "
            f"{', '.join(extra)}; they are kept (state=present never deletes instances)"
        )
    for instance_id in declared:
        instance = existing.get(instance_id)
        if instance and instance.get("DBInstanceClass") != params["instance_class"]:
            warnings.append(
                f"Instance {instance_id} is {instance.get('DBInstanceClass')}, not {params['instance_class']}; "
                "it is not modified (change the class by hand or replace the instance)"
            )
    for instance_id in sorted(existing, key=_instance_sort_key):
        if existing[instance_id].get("PubliclyAccessible"):
            warnings.append(
                f"Instance {instance_id} is publicly accessible; this module only creates private instances"
            )
    return [i for i in declared if i not in existing], warnings


# ---------------------------------------------------------------------------------------------
# Waiting


def cluster_failed(status):
    return status in FAILED_STATUSES


def progress_status(cluster, instances=()):
    """One line for progress output: the cluster status, plus the instances not yet available."""
    if cluster is None:
        return ABSENT
    status = cluster.get("Status", "unknown")
    waiting = [
        f"{i['DBInstanceIdentifier']} {i.get('DBInstanceStatus')}"
        for i in sorted(instances, key=lambda i: _instance_sort_key(i["DBInstanceIdentifier"]))
        if i.get("DBInstanceStatus") != AVAILABLE
    ]
    return f"{status}; instances {', '.join(waiting)}" if waiting else status


# ---------------------------------------------------------------------------------------------
# Views (result and diff)


def instance_view(instance, writers):
    identifier = instance["DBInstanceIdentifier"]
    return {
        "identifier": identifier,
        "instance_class": instance.get("DBInstanceClass"),
        "status": instance.get("DBInstanceStatus"),
        "writer": identifier in writers,
        "publicly_accessible": bool(instance.get("PubliclyAccessible")),
    }


def cluster_view(cluster, instances=(), subnet_group=None):
    """The ``cluster`` result of the module, from DBCluster/DBInstance/DBSubnetGroup shapes."""
    if cluster is None:
        return None
    settings = cluster_settings(cluster)
    writers = {m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers") or [] if m.get("IsClusterWriter")}
    if not writers:
        # no member list yet (prediction): the writer is the promotion tier 0 instance
        writers = {i["DBInstanceIdentifier"] for i in instances if i.get("PromotionTier") == 0}
    views = [
        instance_view(i, writers)
        for i in sorted(instances, key=lambda i: _instance_sort_key(i["DBInstanceIdentifier"]))
    ]
    group_name = cluster.get("DBSubnetGroup")
    subnet_ids = None
    if subnet_group and subnet_group.get("DBSubnetGroupName") == group_name:
        subnet_ids = sorted(s["SubnetIdentifier"] for s in subnet_group.get("Subnets") or [])
    view = {
        "identifier": cluster["DBClusterIdentifier"],
        "arn": cluster.get("DBClusterArn"),
        "status": cluster.get("Status"),
        "endpoint": cluster.get("Endpoint"),
        "reader_endpoint": cluster.get("ReaderEndpoint"),
        "port": settings["port"],
        "engine": cluster.get("Engine"),
        "engine_version": settings["engine_version"],
        "master_username": cluster.get("MasterUsername"),
        "kms_key_id": cluster.get("KmsKeyId"),
        "storage_encrypted": bool(cluster.get("StorageEncrypted")),
        "publicly_accessible": any(v["publicly_accessible"] for v in views),
        "db_subnet_group": group_name,
        "subnet_ids": subnet_ids,
    }
    view.update(settings)  # the remaining modifiable settings, in MODIFIABLE order
    view.update(instances=views, tags=resource_tags(cluster))
    return view


DIFF_KEYS = (
    "status",
    "engine",
    "engine_version",
    "port",
    "kms_key_id",
    "storage_encrypted",
    "db_subnet_group",
    "subnet_ids",
    "vpc_security_group_ids",
    "serverless_v2_scaling",
    "deletion_protection",
    "copy_tags_to_snapshot",
    "backup_retention_period",
    "preferred_backup_window",
    "tags",
)


def diff_view(view):
    """The comparable settings of a cluster view for ``--diff`` ({} when there is no cluster)."""
    if not view:
        return {}
    entry = {key: view[key] for key in DIFF_KEYS}
    entry["instances"] = {i["identifier"]: i["instance_class"] for i in view["instances"]}
    return entry
