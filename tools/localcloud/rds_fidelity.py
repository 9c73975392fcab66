# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Aurora engine versions as AWS handles them, inside moto's RDS model.

moto 5.2.5 sets whatever ``EngineVersion`` a ``ModifyDBCluster`` or ``RestoreDBClusterFromSnapshot``
names, lower ones included, and never raises a cluster's version by itself. AWS:

* upgrades minor versions by itself (maintenance window, ``AutoMinorVersionUpgrade`` on by default;
  forcibly at a minor version's end of life) and never goes back: ``ModifyDBCluster`` with an earlier
  ``EngineVersion`` fails with ``InvalidParameterCombination`` "Cannot upgrade aurora-postgresql from
  16.6 to 16.4" (reported in hashicorp/terraform-provider-aws#45026 and #48936);
* refuses a later major version without ``AllowMajorVersionUpgrade`` (``InvalidParameterCombination``
  "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.",
  hashicorp/terraform-provider-aws#13389; botocore's ModifyDBCluster documentation states the constraint);
* refuses to restore a cluster snapshot to an earlier engine version than the snapshot's ("The engine
  version you requested for your restored DB cluster (...) is earlier than the engine version of the DB
  cluster snapshot (...)", reported through CloudFormation in aws-samples/redcap-on-aws#99, which does
  not show the code: ``InvalidParameterCombination`` here, as for the modify case).

``patch(setter)`` wraps ``RDSBackend.modify_db_cluster`` and ``RDSBackend.restore_db_cluster_from_snapshot``
with these refusals (hooked in through ``moto_patches.PATCHES``); ``maintenance()`` raises a cluster's
version as a maintenance window would (control call ``POST /_localcloud/rds/maintenance``). The instances
of a cluster need no change: moto's clustered instances read the cluster's version.
"""

import functools
import inspect

CONTROL_NAME = "rds/maintenance"
ERROR_CODE = "InvalidParameterCombination"


class MaintenanceError(ValueError):
    """A maintenance control call that cannot be done (HTTP ``status``)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def version_key(version):
    """Numeric-aware sort key: ``16.10`` > ``16.9``, ``8.0.mysql_aurora.3.10.0`` > ``8.0.mysql_aurora.3.9.0``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in str(version).split("."))


def major(version):
    """``16.4`` -> ``16``; ``9.6.12`` -> ``9.6``; ``8.0.mysql_aurora.3.05.2`` -> ``8.0`` (as AWS counts majors)."""
    parts = str(version).split(".")
    if parts[0].isdigit() and int(parts[0]) >= 10:
        return parts[0]
    return ".".join(parts[:2])


def next_minor(version):
    """The version with its last number raised by one, keeping its width (``16.4`` -> ``16.5``,
    ``8.0.mysql_aurora.3.05.2`` -> ``8.0.mysql_aurora.3.05.3``)."""
    parts = str(version).split(".")
    for index in range(len(parts) - 1, 0, -1):
        if parts[index].isdigit():
            parts[index] = str(int(parts[index]) + 1).zfill(len(parts[index]))
            return ".".join(parts)
    raise MaintenanceError(400, "engine version %r has no minor version to raise: pass engine_version" % version)


def modify_problem(engine, current, wanted, allow_major):
    """AWS's error message for ModifyDBCluster EngineVersion ``wanted`` on a cluster at ``current``, or None."""
    if not wanted or not current or wanted == current:
        return None
    if version_key(wanted) < version_key(current):
        return "Cannot upgrade %s from %s to %s" % (engine, current, wanted)
    if major(wanted) != major(current) and not allow_major:
        return "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version."
    return None


def restore_problem(snapshot_version, wanted):
    """AWS's error message for RestoreDBClusterFromSnapshot EngineVersion ``wanted``, or None."""
    if wanted and snapshot_version and version_key(wanted) < version_key(snapshot_version):
        return (
            "The engine version you requested for your restored DB cluster (%s) is earlier than the engine "
            "version of the DB cluster snapshot (%s)." % (wanted, snapshot_version)
        )
    return None


def _truthy(value):
    return value is True or str(value).lower() == "true"


def patch(setter=setattr):
    """Refuse engine downgrades in ModifyDBCluster and RestoreDBClusterFromSnapshot.

    ``setter`` is ``setattr`` for the daemon; tests pass ``monkeypatch.setattr`` to undo it.
    """
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend

    from localcloud.moto_patches import MotoPatchError  # pylint: disable=protected-access
    from localcloud.moto_patches import _require  # pylint: disable=protected-access

    modify = _require(RDSBackend, "modify_db_cluster", ("kwargs",))
    restore = _require(RDSBackend, "restore_db_cluster_from_snapshot", ("from_snapshot_id", "overrides"))
    describe = _require(
        RDSBackend, "describe_db_cluster_snapshots", ("db_cluster_identifier", "db_snapshot_identifier")
    )
    if "self.clusters[cluster_id]" not in inspect.getsource(modify):
        raise MotoPatchError("RDSBackend.modify_db_cluster no longer looks clusters up in self.clusters")

    @functools.wraps(modify)
    def modify_db_cluster(self, kwargs):
        cluster = self.clusters.get(kwargs.get("db_cluster_identifier"))
        if cluster is not None:
            problem = modify_problem(
                cluster.engine,
                cluster.engine_version,
                kwargs.get("engine_version"),
                _truthy(kwargs.get("allow_major_version_upgrade")),
            )
            if problem:
                raise RDSClientError(ERROR_CODE, problem)
        return modify(self, kwargs)

    @functools.wraps(restore)
    def restore_db_cluster_from_snapshot(self, from_snapshot_id, overrides):
        wanted = overrides.get("engine_version")
        if wanted:
            snapshots = describe(self, db_cluster_identifier=None, db_snapshot_identifier=from_snapshot_id)
            problem = restore_problem(snapshots[0].engine_version if snapshots else None, wanted)
            if problem:
                raise RDSClientError(ERROR_CODE, problem)
        return restore(self, from_snapshot_id, overrides)

    setter(RDSBackend, "modify_db_cluster", modify_db_cluster)
    setter(RDSBackend, "restore_db_cluster_from_snapshot", restore_db_cluster_from_snapshot)


def _find_clusters(identifier, account=None, region=None):
    """``[(account, region, backend, cluster)]`` of the existing clusters named ``identifier`` (no backend is
    created)."""
    from moto.rds.models import rds_backends

    found = []
    for account_id, regions in dict.items(rds_backends):
        if account and account_id != account:
            continue
        for region_name, backend in dict.items(regions):
            if region and region_name != region:
                continue
            cluster = backend.clusters.get(identifier.lower())
            if cluster is not None:
                found.append((account_id, region_name, backend, cluster))
    return found


def maintenance(payload):
    """Raise a cluster's engine version as a maintenance window does; return the JSON answer.

    ``payload``: ``cluster`` (identifier), optional ``engine_version`` (default: the last number + 1),
    ``region`` and ``account`` (needed only when several regions or accounts have such a cluster).
    """
    identifier = payload.get("cluster")
    if not isinstance(identifier, str) or not identifier:
        raise MaintenanceError(400, "cluster (the DB cluster identifier) is required")
    found = _find_clusters(identifier, payload.get("account"), payload.get("region"))
    if not found:
        raise MaintenanceError(404, "DBCluster %s not found" % identifier)
    if len(found) > 1:
        where = ", ".join("%s/%s" % (account, region) for account, region, _backend, _cluster in found)
        raise MaintenanceError(409, "DBCluster %s exists in %s: pass region (and account)" % (identifier, where))
    account, region, backend, cluster = found[0]
    previous = cluster.engine_version
    wanted = payload.get("engine_version") or next_minor(previous)
    if not isinstance(wanted, str) or version_key(wanted) < version_key(previous):
        raise MaintenanceError(
            400, "maintenance never lowers a version: %s runs %s, asked for %s" % (identifier, previous, wanted)
        )
    cluster.engine_version = wanted
    # moto's clustered instances read the cluster's version (DBInstanceClustered.engine_version)
    instances = [
        i
        for i in backend.databases.values()
        if getattr(i, "db_cluster_identifier", None) == cluster.db_cluster_identifier
    ]
    return {
        "cluster": cluster.db_cluster_identifier,
        "account": account,
        "region": region,
        "previous_engine_version": previous,
        "engine_version": cluster.engine_version,
        "instances": {i.db_instance_identifier: i.engine_version for i in instances},
    }


def control(method, name, payload):
    """The ``/_localcloud/rds/...`` control endpoints: ``(status, data)``, or None for another name."""
    if name != CONTROL_NAME:
        return None
    if method != "POST":
        return 405, {"error": "use POST %s" % CONTROL_NAME}
    try:
        return 200, maintenance(payload if isinstance(payload, dict) else {})
    except MaintenanceError as exc:
        return exc.status, {"error": str(exc)}
