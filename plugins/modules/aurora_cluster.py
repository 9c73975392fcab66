# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: aurora_cluster
version_added: 0.1.0
short_description: Manage an Aurora cluster with its instances, its DB subnet group and its final snapshots
description:
  - Creates, reconciles, starts, stops and deletes one Amazon Aurora DB cluster together with its DB
    subnet group (named like the cluster) and its instances (C(<cluster>-1) the writer, C(<cluster>-2) ...
    the readers), in one task.
  - The storage is always encrypted and instances are never publicly accessible; the result shows both
    so that callers can assert them.
  - Deleting (O(state=absent)) always takes a named final cluster snapshot first and waits until it is
    C(available) before anything is deleted. Creating can restore from the newest of those snapshots
    (O(restore_mode=from_final_snapshot)).
  - The master credentials come from a Secrets Manager secret, read only when the cluster is created or
    restored; the password never appears in the result, the diff, warnings or error messages.
  - Every run is resumable. A run interrupted at any point, or one that stopped waiting (O(wait=false) or
    O(wait_timeout)), is continued by running the same task again.
  - Progress is shown by the action plugin of the same name, which calls this module in short waiting
    slices and prints one line per slice.
author:
  - rocketclub platform team (@rocketclub)
options:
  cluster_identifier:
    description:
      - Identifier of the DB cluster (AWS stores it in lower case).
      - Also the name of its DB subnet group and the stem of its instance identifiers.
    type: str
    required: true
  state:
    description:
      - V(present) creates the cluster when it does not exist (see O(restore_mode)), with its DB subnet group
        and its instances, and otherwise reconciles it. Settings that differ are changed with one
        C(ModifyDBCluster) call (C(ApplyImmediately)). V(present) never starts nor stops a cluster; the
        settings of a stopped cluster are reported in a warning and applied once it is available.
      - V(started) is V(present), and starts the cluster when it is stopped.
      - V(stopped) stops an existing cluster (it fails when there is none). A cluster already stopped or
        stopping is left unchanged.
      - V(absent) takes a final snapshot (O(final_snapshot_identifier) or O(final_snapshot_prefix) plus the UTC time
        C(yyyymmddHHMMSS)), waits until it is C(available), deletes the instances, the cluster (with
        C(SkipFinalSnapshot), the snapshot being already taken and verified) and the DB subnet group.
        A stopped cluster is started first, as AWS neither snapshots nor deletes the instances of a
        stopped cluster. A cluster with deletion protection is refused. Nothing happens when there is no cluster.
    type: str
    choices: [present, started, stopped, absent]
    default: present
  parked:
    description:
      - Whether the environment is parked (the platform variable C(platform_parked)). With O(state=present) or
        O(state=started) a parked run only reads. It neither creates nor restores, starts or modifies the cluster,
        its instances, its DB subnet group or its tags, and returns the cluster as it is in the same result keys
        (RV(cluster) is V(null) when park took a final snapshot and deleted it). Check mode does the same.
      - A parked cluster found C(available) (AWS starts a stopped cluster again after seven days) is returned as it
        is (its RV(status) says so); the C(site.yml) outputs list it under what needs a person, and C(park.yml)
        stops it again.
      - No effect with O(state=stopped) or O(state=absent), which are the park itself.
    type: bool
    default: false
  engine:
    description:
      - The Aurora engine. It cannot change once the cluster exists.
    type: str
    choices: [aurora-postgresql, aurora-mysql]
    default: aurora-postgresql
  engine_version:
    description:
      - Engine version, for example V(16.4), or a major version only, V(16). Quote it in YAML (V(16.10) is not V(16.1)).
      - A version is a floor, not an exact pin. AWS upgrades the minor version of a cluster by itself, in the
        maintenance window while C(AutoMinorVersionUpgrade) is on (the default for Aurora clusters and their
        instances) and forcibly when a minor version reaches its end of life, and it never downgrades one
        (C(ModifyDBCluster) with an earlier C(EngineVersion) fails with C(InvalidParameterCombination)).
        So a cluster running V(16.4) or any later C(16.x) matches V(16.4), and V(16) matches any C(16.x);
        nothing is sent and the run reports no change, in check and diff mode too.
      - A cluster running an earlier minor version of the same major version is upgraded in place
        (C(ModifyDBCluster) with C(EngineVersion) and C(ApplyImmediately)).
      - A later major version is refused (the task fails before any change) unless
        O(allow_major_version_upgrade=true), and then needs the exact target version (V(17.4), not V(17)).
        A cluster running a later major version than this one is left alone with a warning.
      - When the cluster is restored from a snapshot, the restore uses the higher of this version and the
        snapshot's within the same major version, otherwise the snapshot's version (with a warning). AWS
        refuses to restore to a version earlier than the snapshot's, and without a version the API uses the
        Region's default version, which may be earlier. Unset, the snapshot's version is used.
      - Unset keeps what AWS chose at creation (or the snapshot's version).
    type: str
  allow_major_version_upgrade:
    description:
      - Allow O(engine_version) to name a later major version than the cluster runs; the upgrade is then
        sent with C(AllowMajorVersionUpgrade) (which AWS requires for it).
      - Off by default because a major version upgrade is a one-way change with an outage, AWS never
        downgrades afterwards, and it needs parameter groups and extensions compatible with the new major
        version; an edited O(engine_version) alone must not start one. Without it such a run fails before
        any change, naming the versions.
    type: bool
    default: false
  port:
    description:
      - Port the cluster listens on.
    type: int
    default: 5432
  master_credentials_secret:
    description:
      - 'Name or ARN of a Secrets Manager secret holding the JSON object C({"username": ..., "password": ...}).'
      - Read (C(GetSecretValue)) only when the cluster is created or restored, never on a run that
        finds the cluster in place. Not read in check mode.
      - After a restore, the master password is set from the secret (the secret stays the truth); the
        user name comes from the snapshot, a different user name in the secret is reported in a warning.
      - Required with O(state=present) and O(state=started).
    type: str
  kms_key_id:
    description:
      - KMS key (ID, ARN or alias) encrypting the storage. Without it, AWS's C(aws/rds) key is used
        for a new cluster and a restore keeps the key of the snapshot.
      - It cannot change once the cluster exists; a different key ARN is reported in a warning.
    type: str
  subnet_ids:
    description:
      - Subnets of the DB subnet group named like the cluster, at least two in different availability zones.
      - Required with O(state=present) and O(state=started).
    type: list
    elements: str
  vpc_security_group_ids:
    description:
      - VPC security groups of the cluster. Unset leaves them as they are (the VPC's default group at creation).
    type: list
    elements: str
  serverless_v2_scaling:
    description:
      - Serverless v2 capacity range of the cluster, in Aurora capacity units (ACUs), multiples of 0.5.
      - 'When O(instance_class=db.serverless) and this is not set, V({min_capacity: 0.5, max_capacity: 4}) is used.'
      - With another instance class and this not set, the cluster's scaling is left alone.
    type: dict
    suboptions:
      min_capacity:
        description:
          - Minimum capacity, 0 to 256 ACUs; not above O(serverless_v2_scaling.max_capacity).
        type: float
        required: true
      max_capacity:
        description:
          - Maximum capacity, 1 to 256 ACUs.
        type: float
        required: true
  instance_class:
    description:
      - Class of the instances created, for example V(db.serverless) or V(db.r6g.large).
      - Existing instances of another class are reported in a warning, not modified.
    type: str
    default: db.serverless
  reader_count:
    description:
      - Number of reader instances besides the writer, 0 to 15.
      - Missing instances are created. Instances of the cluster that are not declared are reported in a
        warning and never deleted by O(state=present).
    type: int
    default: 0
  deletion_protection:
    description:
      - Deletion protection of the cluster. O(state=absent) refuses to delete a protected cluster; turn it
        off first with O(state=present).
    type: bool
    default: false
  copy_tags_to_snapshot:
    description:
      - Copy the cluster's tags to its snapshots.
    type: bool
    default: true
  backup_retention_period:
    description:
      - Days automated backups are kept, 1 to 35.
    type: int
    default: 7
  preferred_backup_window:
    description:
      - Daily backup window in UTC, C(hh24:mi-hh24:mi). Unset leaves it to AWS.
    type: str
  restore_mode:
    description:
      - Only used when the cluster does not exist.
      - V(clean) creates an empty cluster.
      - V(from_final_snapshot) restores (C(RestoreDBClusterFromSnapshot), with the settings of this task) from
        the newest C(available) manual cluster snapshot whose identifier starts with O(final_snapshot_prefix).
        When there is none, a clean cluster is created and a warning says so.
    type: str
    choices: [clean, from_final_snapshot]
    default: clean
  final_snapshot_prefix:
    description:
      - Prefix of the final snapshots taken by O(state=absent) and looked for by O(restore_mode=from_final_snapshot).
      - Defaults to C(<cluster_identifier>-final-).
    type: str
  final_snapshot_identifier:
    description:
      - Identifier of the final snapshot taken by O(state=absent), instead of the prefix and the time.
      - It must not exist yet (unless it was taken by an interrupted O(state=absent) run of this cluster).
      - Keep it starting with O(final_snapshot_prefix) so that O(restore_mode=from_final_snapshot) finds it.
    type: str
  tags:
    description:
      - Tags of the cluster, plus C(platform:managed-by=rocketclub.platform). The DB subnet group, the
        instances and the final snapshots get the same tags when they are created.
      - The module's own tags (C(platform:restored-from), C(platform:master-password), C(platform:final-snapshot))
        are not compared with these and never purged by O(purge_tags).
    type: dict
    default: {}
  purge_tags:
    description:
      - Remove the cluster's tags that are not in O(tags) (C(aws:) tags are never removed).
    type: bool
    default: true
  wait:
    description:
      - Wait for the target status - cluster C(available) with its instances C(available) (or C(stopped)
        with O(state=present) on a stopped cluster), C(stopped), or gone.
      - Without it the module makes the changes that are possible now and returns; steps that need a
        status first (for example deleting the cluster once its final snapshot is C(available)) are
        done by the next run, and a warning says so.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait, for the whole run. On timeout the module fails with RV(wait_timed_out=true);
        the change is under way and running the task again continues it safely.
    type: int
    default: 1800
notes:
  - Supports C(check_mode) (the predicted cluster is returned, with RV(restored_from) the snapshot it would
    restore from) and C(diff) mode.
  - In check mode O(kms_key_id), O(subnet_ids) and O(vpc_security_group_ids) may hold check-mode placeholders
    (C(pending:<kind>/<name>)) of resources an earlier task would create; each counts as different from what
    exists (the DB subnet group or the security groups would change), and no API call receives one. A
    cluster to create is returned with placeholders for its ARN and endpoints. A real run refuses placeholders.
  - Instances of a cluster are not modified (class) nor deleted by O(state=present).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Aurora PostgreSQL, Serverless v2, restored from its last final snapshot when it does not exist
  rocketclub.platform.aurora_cluster:
    cluster_identifier: rocketclub-dev
    engine_version: "16.4"
    master_credentials_secret: dev/db/admin
    kms_key_id: alias/rocketclub-dev
    subnet_ids: "{{ platform_network.private_data_subnet_ids }}"
    vpc_security_group_ids: ["{{ platform_network.aurora_security_group_id }}"]
    serverless_v2_scaling:
      min_capacity: 0.5
      max_capacity: 4
    restore_mode: from_final_snapshot
    tags:
      platform:env: dev
  register: aurora

- name: Converge, or only read the cluster while the environment is parked
  rocketclub.platform.aurora_cluster:
    cluster_identifier: rocketclub-dev
    master_credentials_secret: dev/db/admin
    subnet_ids: "{{ platform_network.private_data_subnet_ids }}"
    parked: "{{ platform_parked }}"
  register: aurora

- name: Park - stop the cluster
  rocketclub.platform.aurora_cluster:
    cluster_identifier: rocketclub-dev
    state: stopped

- name: Park - delete the cluster after a final snapshot
  rocketclub.platform.aurora_cluster:
    cluster_identifier: rocketclub-dev
    state: absent
  register: parked

- name: Where the data went
  ansible.builtin.debug:
    msg: "Final snapshot: {{ parked.final_snapshot }}"
"""

RETURN = r"""
cluster:
  description:
    - The cluster after the run (in check mode, as predicted). V(null) when there is none.
  returned: always
  type: dict
  contains:
    identifier:
      description: Cluster identifier.
      returned: success
      type: str
      sample: rocketclub-dev
    arn:
      description:
        - ARN of the cluster.
        - In check mode, the placeholder C(pending:rds-cluster/<identifier>) for a cluster to create.
      returned: success
      type: str
      sample: arn:aws:rds:eu-west-2:123456789012:cluster:rocketclub-dev
    status:
      description: Status of the cluster, for example C(creating), C(available), C(stopped), C(deleting).
      returned: success
      type: str
      sample: available
    endpoint:
      description:
        - Writer endpoint.
        - In check mode, C(pending:rds-cluster-endpoint/<identifier>) for a cluster to create.
      returned: success
      type: str
      sample: rocketclub-dev.cluster-c1a2b3c4d5e6.eu-west-2.rds.amazonaws.com
    reader_endpoint:
      description:
        - Reader endpoint.
        - In check mode, C(pending:rds-cluster-reader-endpoint/<identifier>) for a cluster to create.
      returned: success
      type: str
      sample: rocketclub-dev.cluster-ro-c1a2b3c4d5e6.eu-west-2.rds.amazonaws.com
    port:
      description: Port.
      returned: success
      type: int
      sample: 5432
    engine:
      description: Engine.
      returned: success
      type: str
      sample: aurora-postgresql
    engine_version:
      description: Engine version the cluster runs (in check mode, as predicted).
      returned: success
      type: str
      sample: "16.4"
    master_username:
      description: Master user name (never the password).
      returned: success
      type: str
      sample: platform_admin
    kms_key_id:
      description: KMS key encrypting the storage.
      returned: success
      type: str
      sample: arn:aws:kms:eu-west-2:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666
    storage_encrypted:
      description: Whether the storage is encrypted (always V(true) for a cluster this module created).
      returned: success
      type: bool
      sample: true
    publicly_accessible:
      description: Whether any instance of the cluster is publicly accessible (V(false) for instances this module
        created).
      returned: success
      type: bool
      sample: false
    db_subnet_group:
      description: DB subnet group of the cluster.
      returned: success
      type: str
      sample: rocketclub-dev
    subnet_ids:
      description: Subnets of the DB subnet group, when it is the one named like the cluster.
      returned: success
      type: list
      elements: str
      sample: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
    vpc_security_group_ids:
      description: VPC security groups of the cluster.
      returned: success
      type: list
      elements: str
      sample: ["sg-0123456789abcdef0"]
    serverless_v2_scaling:
      description: Serverless v2 capacity range, or V(null).
      returned: success
      type: dict
      sample: {"min_capacity": 0.5, "max_capacity": 4.0}
    deletion_protection:
      description: Deletion protection.
      returned: success
      type: bool
      sample: false
    copy_tags_to_snapshot:
      description: Whether tags are copied to snapshots.
      returned: success
      type: bool
      sample: true
    backup_retention_period:
      description: Days automated backups are kept.
      returned: success
      type: int
      sample: 7
    preferred_backup_window:
      description: Daily backup window (UTC).
      returned: success
      type: str
      sample: 03:00-03:30
    instances:
      description: Instances of the cluster.
      returned: success
      type: list
      elements: dict
      contains:
        identifier:
          description: Instance identifier.
          returned: success
          type: str
          sample: rocketclub-dev-1
        instance_class:
          description: Instance class.
          returned: success
          type: str
          sample: db.serverless
        status:
          description: Instance status.
          returned: success
          type: str
          sample: available
        writer:
          description: Whether the instance is the writer.
          returned: success
          type: bool
          sample: true
        publicly_accessible:
          description: Whether the instance is publicly accessible.
          returned: success
          type: bool
          sample: false
    tags:
      description: Tags of the cluster.
      returned: success
      type: dict
      sample: {"platform:managed-by": "rocketclub.platform", "platform:env": "dev"}
parked:
  description: The O(parked) value this run honoured (V(true) - the cluster was only read).
  returned: always
  type: bool
  sample: false
restored_from:
  description: Identifier of the snapshot the cluster was restored from by this run (or would be, in check mode),
    else V(null).
  returned: always
  type: str
  sample: rocketclub-dev-final-20250101220000
final_snapshot:
  description: Identifier of the final snapshot taken (or reused, or in check mode to be taken) by O(state=absent),
    else V(null).
  returned: always
  type: str
  sample: rocketclub-dev-final-20250101220000
status_history:
  description: The statuses seen while waiting, each with the seconds elapsed since the start of the run.
  returned: always
  type: list
  elements: dict
  sample: [{"elapsed": 0, "status": "creating"},
           {"elapsed": 250, "status": "available; instances rocketclub-dev-1 creating"},
           {"elapsed": 610, "status": "available"}]
pending:
  description:
    - Steps left to a later run of the task because a status blocks them now, typically with O(wait=false)
      (for example deleting the cluster once its final snapshot is C(available)). Empty after a waiting run.
  returned: always
  type: list
  elements: str
  sample: ["Final snapshot rocketclub-dev-final-20250101220000 is creating; cluster rocketclub-dev is deleted by a run
           once it is available"]
target_reached:
  description:
    - Whether nothing is left to wait for - the cluster (and its declared instances) are C(available), or
      C(stopped), or the cluster and its subnet group are gone - and RV(pending) is empty. Always V(true)
      after a successful waiting run; the action plugin uses it to skip waiting.
  returned: always
  type: bool
  sample: true
wait_timed_out:
  description: Set (with C(failed)) when O(wait_timeout) passed before the target status; running the task again
    continues.
  returned: on wait timeout
  type: bool
  sample: true
status:
  description: The last status seen when the wait timed out.
  returned: on wait timeout
  type: str
  sample: creating
"""

import time
from datetime import datetime
from datetime import timezone

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.warnings import warn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils import aurora
from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import read_credentials
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import Progress
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import WaitTimedOut
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import fail_wait
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import poll

WAIT_DELAY = 10
SNAPSHOT_FAILED = ("failed", "incompatible-restore")


def utc_now():
    return datetime.now(timezone.utc)


class AuroraCluster:
    """One run of the module: reads, planned writes and waits for one cluster."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.waiting = module.params["wait"] and not module.check_mode
        # parked: a present/started run only reads (stopped and absent are the park itself)
        self.read_only = module.params["parked"] and module.params["state"] in ("present", "started")
        self.cluster_id = module.params["cluster_identifier"].lower()
        self.declared = aurora.instance_ids(self.cluster_id, module.params["reader_count"])
        self.tags = desired_tags(module.params["tags"])
        self.rds = module.client("rds", retry_decorator=AWSRetry.jittered_backoff())
        # ``time`` is looked up here (not in waiting.py) so that the unit tests' fake clock drives the waits
        self.progress = Progress(clock=time.monotonic)
        self.warned = []
        self.pending = []
        self.changed = False
        self.credentials = None
        self.restored_from = None
        self.final_snapshot = None
        self.subnet_group = None

    # -- helpers ------------------------------------------------------------------------------

    def warn(self, message):
        if message not in self.warned:
            self.warned.append(message)
            # ansible-core's warn: AnsibleAWSModule.warn (amazon.aws 10.1) also passes the warnings to
            # exit_json, which ansible-core 2.19 answers with a deprecation warning on every such run.
            warn(message)

    def defer(self, message):
        """A step left to a later run of the same task (which the action plugin makes at once)."""
        if message not in self.pending:
            self.pending.append(message)

    def describe_cluster(self):
        try:
            clusters = self.rds.describe_db_clusters(DBClusterIdentifier=self.cluster_id, aws_retry=True)["DBClusters"]
        except is_boto3_error_code("DBClusterNotFoundFault"):
            return None
        return clusters[0] if clusters else None

    def describe_instances(self):
        filters = [{"Name": "db-cluster-id", "Values": [self.cluster_id]}]
        return paginate(self.rds, "describe_db_instances", "DBInstances", Filters=filters)

    def describe_subnet_group(self):
        try:
            return self.rds.describe_db_subnet_groups(DBSubnetGroupName=self.cluster_id, aws_retry=True)[
                "DBSubnetGroups"
            ][0]
        except is_boto3_error_code("DBSubnetGroupNotFoundFault"):
            return None

    def describe_snapshot(self, identifier):
        try:
            snapshots = self.rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=identifier, aws_retry=True)
        except is_boto3_error_code("DBClusterSnapshotNotFoundFault"):
            return None
        return (snapshots["DBClusterSnapshots"] or [None])[0]

    def read_credentials(self):
        """(username, password) from the master credentials secret; both registered as no_log values."""
        if self.credentials is None:
            name = self.params["master_credentials_secret"]
            client = self.module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
            try:
                self.credentials = read_credentials(client, self.module, name)
            except is_boto3_error_code("ResourceNotFoundException"):
                self.module.fail_json(
                    msg=f"master_credentials_secret {name!r} does not exist; create it before the cluster"
                )
        return self.credentials

    def write_tags(self, cluster, plan):
        """Apply a ``TagPlan`` to the cluster (unless check mode); return the cluster shape carrying it."""
        arn = cluster.get("DBClusterArn")
        if apply_tags(
            plan,
            tag=lambda to_set: self.rds.add_tags_to_resource(
                ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True
            ),
            untag=lambda keys: self.rds.remove_tags_from_resource(ResourceName=arn, TagKeys=keys, aws_retry=True),
            check_mode=self.check_mode,
        ):
            self.changed = True
            return aurora.with_tags(cluster, plan)
        return cluster

    def edit_tags(self, cluster, to_set=None, to_unset=()):
        """Set ``to_set`` and remove ``to_unset`` on the cluster, leaving its other tags alone."""
        return self.write_tags(cluster, aurora.edit_tags(aurora.resource_tags(cluster), to_set, to_unset))

    # -- waiting ------------------------------------------------------------------------------

    def wait_for(self, what, probe):
        """Poll ``probe() -> (done, status, state)`` until done; fail with wait_timed_out at the deadline."""
        try:
            return poll(probe, what, self.params["wait_timeout"], self.progress, delay=WAIT_DELAY, sleep=time.sleep)
        except WaitTimedOut as e:
            fail_wait(
                self.module,
                e,
                self.progress,
                changed=self.changed,
                restored_from=self.restored_from,
                final_snapshot=self.final_snapshot,
                parked=self.params["parked"],
            )

    def wait_cluster(self, target):
        """Wait until the cluster is ``target`` (``absent`` for gone) and, when available, its declared
        instances are available. Returns (cluster, instances)."""

        def probe():
            cluster = self.describe_cluster()
            if cluster is None:
                if target == aurora.ABSENT:
                    return True, aurora.ABSENT, (None, [])
                self.module.fail_json(msg=f"Cluster {self.cluster_id} disappeared while waiting for it to be {target}")
            status = cluster["Status"]
            if aurora.cluster_failed(status):
                self.module.fail_json(
                    msg=f"Cluster {self.cluster_id} is {status} (waiting for {target})", status=status
                )
            instances = self.describe_instances() if status == aurora.AVAILABLE else []
            pending = [
                i
                for i in instances
                if i["DBInstanceIdentifier"] in self.declared and i["DBInstanceStatus"] != aurora.AVAILABLE
            ]
            for instance in pending:
                if aurora.cluster_failed(instance["DBInstanceStatus"]):
                    self.module.fail_json(
                        msg=f"Instance {instance['DBInstanceIdentifier']} is {instance['DBInstanceStatus']}"
                    )
            done = status == target and not pending
            return done, aurora.progress_status(cluster, pending), (cluster, instances)

        return self.wait_for(f"cluster {self.cluster_id} to be {target}", probe)

    def settle(self, cluster, instances):
        """Wait for the stable status a present cluster heads to (stopped stays stopped)."""
        target = aurora.STOPPED if cluster["Status"] in (aurora.STOPPED, aurora.STOPPING) else aurora.AVAILABLE
        ready = {i["DBInstanceIdentifier"] for i in instances if i.get("DBInstanceStatus") == aurora.AVAILABLE}
        if cluster["Status"] == target and (target == aurora.STOPPED or set(self.declared) <= ready):
            return cluster, instances
        return self.wait_cluster(target)

    # -- present ------------------------------------------------------------------------------

    def create_cluster(self):
        """Create or restore the cluster (and its subnet group). Returns the new DBCluster shape."""
        params = self.params
        snapshot = None
        if params["restore_mode"] == "from_final_snapshot":
            prefix = aurora.final_snapshot_prefix(params)
            snapshots = paginate(self.rds, "describe_db_cluster_snapshots", "DBClusterSnapshots", SnapshotType="manual")
            snapshot = aurora.newest_final_snapshot(snapshots, prefix)
            if snapshot is None:
                self.warn(
                    f"restore_mode=from_final_snapshot: no available snapshot starting with {prefix!r} exists; "
                    f"cluster {self.cluster_id} is created clean (empty)"
                )
        self.ensure_subnet_group(None)
        tags = dict(self.tags)
        if snapshot:
            self.restored_from = snapshot["DBClusterSnapshotIdentifier"]
            tags.update(
                {aurora.RESTORED_FROM_TAG: self.restored_from, aurora.PASSWORD_SYNC_TAG: aurora.PASSWORD_SYNC_PENDING}
            )
            if not snapshot.get("StorageEncrypted") and not params["kms_key_id"]:
                self.warn(
                    f"Snapshot {self.restored_from} is not encrypted: set kms_key_id to restore an encrypted cluster"
                )
        snapshot_version = (snapshot or {}).get("EngineVersion")
        if snapshot:
            warning = aurora.restore_engine_version(params["engine_version"], snapshot_version)[1]
            if warning:
                self.warn(f"Restoring {self.cluster_id} from {self.restored_from}: {warning}")
        api = aurora.create_params(params, self.cluster_id, tags, self.restored_from, snapshot_version)
        self.changed = True
        if self.check_mode:
            return aurora.predicted_cluster(api, snapshot)
        username, password = self.read_credentials()
        if snapshot:
            if username != snapshot.get("MasterUsername"):
                self.warn(
                    f"The master user of the restored cluster is {snapshot.get('MasterUsername')!r} "
                    "(from the snapshot), not "
                    f"{username!r} (from master_credentials_secret); AWS cannot rename it"
                )
            return self.rds.restore_db_cluster_from_snapshot(aws_retry=True, **api)["DBCluster"]
        return self.rds.create_db_cluster(MasterUsername=username, MasterUserPassword=password, aws_retry=True, **api)[
            "DBCluster"
        ]

    def ensure_subnet_group(self, cluster):
        if cluster is not None and cluster.get("DBSubnetGroup") != self.cluster_id:
            self.warn(
                f"Cluster {self.cluster_id} uses DB subnet group {cluster.get('DBSubnetGroup')}; "
                "subnet_ids are not applied to it"
            )
            return
        wanted = sorted(set(self.params["subnet_ids"]))
        group = self.subnet_group
        current = sorted(s["SubnetIdentifier"] for s in (group or {}).get("Subnets") or [])
        if group is not None and current == wanted:
            return
        self.changed = True
        if not self.check_mode:
            description = f"Subnets of Aurora cluster {self.cluster_id} (rocketclub.platform)"
            if group is None:
                tags = ansible_dict_to_boto3_tag_list(self.tags)
                self.rds.create_db_subnet_group(
                    DBSubnetGroupName=self.cluster_id,
                    DBSubnetGroupDescription=description,
                    SubnetIds=wanted,
                    Tags=tags,
                    aws_retry=True,
                )
            else:
                self.rds.modify_db_subnet_group(
                    DBSubnetGroupName=self.cluster_id,
                    DBSubnetGroupDescription=description,
                    SubnetIds=wanted,
                    aws_retry=True,
                )
        self.subnet_group = {"DBSubnetGroupName": self.cluster_id, "Subnets": [{"SubnetIdentifier": s} for s in wanted]}

    def ensure_instances(self, cluster, instances):
        missing, warnings = aurora.plan_instances(self.cluster_id, self.params, instances)
        for warning in warnings:
            self.warn(warning)
        if not missing:
            return instances
        if cluster["Status"] in aurora.NO_NEW_INSTANCES:
            self.report_blocked(cluster, f"instances {', '.join(missing)} are created")
            return instances
        instances = list(instances)
        for instance_id in missing:
            api = aurora.instance_params(self.params, self.cluster_id, instance_id, self.tags)
            self.changed = True
            if self.check_mode:
                instances.append(aurora.predicted_instance(api))
            else:
                instances.append(self.rds.create_db_instance(aws_retry=True, **api)["DBInstance"])
        return instances

    def report_blocked(self, cluster, what):
        """A step the cluster's status blocks: a warning when no run of this task unblocks it (state=present
        keeps a stopped cluster stopped), else a pending step."""
        status = cluster["Status"]
        if self.params["state"] == "present" and status in (aurora.STOPPED, aurora.STOPPING):
            self.warn(
                f"Cluster {self.cluster_id} is {status}: {what} once it is available "
                "(state=present never starts it; state=started does)"
            )
        else:
            self.defer(f"Cluster {self.cluster_id} is {status}: {what} by a run once it is available")

    def ensure_started(self, cluster, instances):
        status = cluster["Status"]
        if status == aurora.STOPPING:
            if not self.waiting:
                self.defer(f"Cluster {self.cluster_id} is stopping; a run once it is stopped starts it")
                return cluster, instances
            cluster, instances = self.wait_cluster(aurora.STOPPED)
            status = cluster["Status"]
        if status != aurora.STOPPED:
            return cluster, instances
        self.changed = True
        if not self.check_mode:
            self.rds.start_db_cluster(DBClusterIdentifier=self.cluster_id, aws_retry=True)
        return dict(cluster, Status=aurora.STARTING), instances

    def ensure_settings(self, cluster, created):
        """One ModifyDBCluster for the settings that differ and, after a restore, the master password."""
        changes, warnings = ({}, []) if created else aurora.plan_modify(cluster, self.params)
        for warning in warnings:
            self.warn(warning)
        sync = aurora.resource_tags(cluster).get(aurora.PASSWORD_SYNC_TAG) == aurora.PASSWORD_SYNC_PENDING
        if not changes and not sync:
            return cluster, False
        if cluster["Status"] != aurora.AVAILABLE:
            pending = sorted(changes) + (["MasterUserPassword (from master_credentials_secret)"] if sync else [])
            self.report_blocked(cluster, f"{', '.join(pending)} will be applied")
            return cluster, False
        self.changed = True
        if not self.check_mode:
            api = dict(changes)
            if sync:
                api["MasterUserPassword"] = self.read_credentials()[1]
            self.rds.modify_db_cluster(
                DBClusterIdentifier=self.cluster_id, ApplyImmediately=True, aws_retry=True, **api
            )
        cluster = aurora.apply_modify(cluster, changes)
        if sync:
            cluster = self.edit_tags(cluster, to_unset=[aurora.PASSWORD_SYNC_TAG])
        return cluster, True

    def read_parked(self):
        """The cluster of a parked environment, only read: nothing is created, started or modified."""
        cluster = self.describe_cluster()
        self.subnet_group = self.describe_subnet_group()
        instances = self.describe_instances() if cluster else []
        view = (cluster, instances, self.subnet_group)
        return view, view

    def present(self):
        cluster = self.describe_cluster()
        if cluster is not None and cluster["Status"] == aurora.DELETING:
            if not self.waiting:
                self.module.fail_json(
                    msg=f"Cluster {self.cluster_id} is being deleted; run again once it is gone "
                    "(wait=true waits for it)"
                )
            cluster, _instances = self.wait_cluster(aurora.ABSENT)
        if cluster is not None:
            problem = aurora.plan_engine_version(cluster, self.params)[2]
            if problem:
                self.module.fail_json(msg=problem)
        self.subnet_group = self.describe_subnet_group()
        before = (cluster, [], self.subnet_group)
        created = cluster is None
        if created:
            cluster, instances = self.create_cluster(), []
        else:
            instances = self.describe_instances()
            before = (cluster, instances, self.subnet_group)
            self.ensure_subnet_group(cluster)
            plan = aurora.plan_cluster_tags(aurora.resource_tags(cluster), self.tags, self.params["purge_tags"])
            cluster = self.write_tags(cluster, plan)
        if self.params["state"] == "started":
            cluster, instances = self.ensure_started(cluster, instances)
        instances = self.ensure_instances(cluster, instances)
        if self.waiting:
            cluster, instances = self.settle(cluster, instances)
            instances = self.ensure_instances(cluster, instances)
        cluster, modified = self.ensure_settings(cluster, created)
        if self.waiting:
            cluster, instances = self.wait_cluster(aurora.AVAILABLE) if modified else self.settle(cluster, instances)
        return before, (cluster, instances, self.subnet_group)

    # -- stopped ------------------------------------------------------------------------------

    def stopped(self):
        cluster = self.describe_cluster()
        if cluster is None or cluster["Status"] == aurora.DELETING:
            state = "is being deleted" if cluster else "does not exist"
            self.module.fail_json(
                msg=f"Cluster {self.cluster_id} {state}: state=stopped needs an existing cluster "
                "(create it with state=present)"
            )
        self.subnet_group = self.describe_subnet_group()
        instances = self.describe_instances()
        before = (cluster, instances, self.subnet_group)
        if aurora.FINAL_SNAPSHOT_TAG in aurora.resource_tags(cluster):
            cluster = self.edit_tags(cluster, to_unset=[aurora.FINAL_SNAPSHOT_TAG])
        if cluster["Status"] not in (aurora.STOPPED, aurora.STOPPING, aurora.AVAILABLE):
            if not self.waiting:
                self.defer(f"Cluster {self.cluster_id} is {cluster['Status']}; a run once it is available stops it")
                return before, (cluster, instances, self.subnet_group)
            cluster, instances = self.wait_cluster(aurora.AVAILABLE)
        if cluster["Status"] == aurora.AVAILABLE:
            self.changed = True
            if not self.check_mode:
                self.rds.stop_db_cluster(DBClusterIdentifier=self.cluster_id, aws_retry=True)
            cluster = dict(cluster, Status=aurora.STOPPING)
        if self.waiting and cluster["Status"] != aurora.STOPPED:
            cluster, instances = self.wait_cluster(aurora.STOPPED)
        return before, (cluster, instances, self.subnet_group)

    # -- absent -------------------------------------------------------------------------------

    def ready_for_deletion(self, cluster):
        """The cluster once it is available (started first when stopped), or None when this run stops here."""
        status = cluster["Status"]
        if status == aurora.AVAILABLE or self.check_mode:
            if status in (aurora.STOPPED, aurora.STOPPING):
                self.changed = True  # predicted: started before the snapshot
            return cluster
        if status == aurora.STOPPING:
            if not self.waiting:
                self.defer(f"Cluster {self.cluster_id} is stopping; its deletion continues in a run once it is stopped")
                return None
            cluster, _instances = self.wait_cluster(aurora.STOPPED)
            status = cluster["Status"]
        if status == aurora.STOPPED:
            self.changed = True
            self.rds.start_db_cluster(DBClusterIdentifier=self.cluster_id, aws_retry=True)
            reason = "started: AWS neither snapshots nor deletes the instances of a stopped cluster"
        else:
            reason = status
        if not self.waiting:
            self.defer(f"Cluster {self.cluster_id} was {reason}; its deletion continues in a run once it is available")
            return None
        cluster, _instances = self.wait_cluster(aurora.AVAILABLE)
        return cluster

    def take_final_snapshot(self, cluster):
        """The final snapshot once available: the one an interrupted absent run took, else a new one."""
        marked = aurora.resource_tags(cluster).get(aurora.FINAL_SNAPSHOT_TAG)
        snapshot = self.describe_snapshot(marked) if marked else None
        if snapshot is not None and snapshot.get("Status") in SNAPSHOT_FAILED:
            snapshot = None
        if snapshot is None:
            name = self.params["final_snapshot_identifier"] or aurora.final_snapshot_name(
                aurora.final_snapshot_prefix(self.params), utc_now()
            )
            name = name.lower()
            if self.params["final_snapshot_identifier"] and self.describe_snapshot(name) is not None:
                self.module.fail_json(
                    msg=f"final_snapshot_identifier {name!r} already exists (and was not taken by an interrupted "
                    f"state=absent run of cluster {self.cluster_id}); choose another identifier"
                )
            self.changed = True
            snapshot = {"DBClusterSnapshotIdentifier": name, "Status": "creating"}
            if not self.check_mode:
                tags = ansible_dict_to_boto3_tag_list(dict(self.tags, **{aurora.SNAPSHOT_OF_TAG: self.cluster_id}))
                snapshot = self.rds.create_db_cluster_snapshot(
                    DBClusterSnapshotIdentifier=name, DBClusterIdentifier=self.cluster_id, Tags=tags, aws_retry=True
                )["DBClusterSnapshot"]
                self.edit_tags(cluster, {aurora.FINAL_SNAPSHOT_TAG: name})
        name = snapshot["DBClusterSnapshotIdentifier"]
        self.final_snapshot = name
        if snapshot.get("Status") == aurora.AVAILABLE or self.check_mode:
            return snapshot
        if not self.waiting:
            self.defer(
                f"Final snapshot {name} is {snapshot.get('Status')}; cluster {self.cluster_id} is deleted by a run "
                "once it is available"
            )
            return None

        def probe():
            current = self.describe_snapshot(name)
            status = current.get("Status") if current else aurora.ABSENT
            if status in SNAPSHOT_FAILED or current is None:
                self.module.fail_json(
                    msg=f"Final snapshot {name} of cluster {self.cluster_id} is {status}; nothing was deleted"
                )
            return status == aurora.AVAILABLE, f"final snapshot {name} {status}", current

        return self.wait_for(f"final snapshot {name} to be available", probe)

    def absent(self):
        cluster = self.describe_cluster()
        self.subnet_group = self.describe_subnet_group()
        instances = self.describe_instances() if cluster else []
        before = (cluster, instances, self.subnet_group)
        if cluster is not None and cluster["Status"] != aurora.DELETING:
            if cluster.get("DeletionProtection"):
                self.module.fail_json(
                    msg=f"Cluster {self.cluster_id} has deletion protection; state=absent never removes it: "
                    "run state=present with deletion_protection=false first"
                )
            cluster = self.ready_for_deletion(cluster)
            if cluster is None or self.take_final_snapshot(cluster) is None:
                return before, before
            self.changed = True
            if not self.check_mode:
                for instance in self.describe_instances():
                    if instance["DBInstanceStatus"] != aurora.DELETING:
                        self.rds.delete_db_instance(
                            DBInstanceIdentifier=instance["DBInstanceIdentifier"],
                            SkipFinalSnapshot=True,
                            aws_retry=True,
                        )
                self.rds.delete_db_cluster(DBClusterIdentifier=self.cluster_id, SkipFinalSnapshot=True, aws_retry=True)
            cluster = None if self.check_mode else dict(cluster, Status=aurora.DELETING)
        if cluster is not None and self.waiting:
            cluster, _instances = self.wait_cluster(aurora.ABSENT)
        if self.subnet_group is not None:
            if cluster is not None:
                self.defer(f"DB subnet group {self.cluster_id} is deleted by a run once the cluster is gone")
            else:
                self.changed = True
                if not self.check_mode:
                    self.rds.delete_db_subnet_group(DBSubnetGroupName=self.cluster_id, aws_retry=True)
                self.subnet_group = None
        return before, (cluster, [], self.subnet_group)

    # -- run ----------------------------------------------------------------------------------

    def target_reached(self, cluster, instances):
        """Whether the run left nothing to wait for (so a waiting run would return at once)."""
        state = self.params["state"]
        if self.pending:
            return False
        if self.read_only:
            return True  # a parked run waits for nothing
        if state == "absent":
            return cluster is None and self.subnet_group is None
        status = (cluster or {}).get("Status")
        if state == "stopped" or (state == "present" and status == aurora.STOPPED):
            return status == aurora.STOPPED
        ready = {i["DBInstanceIdentifier"] for i in instances if i.get("DBInstanceStatus") == aurora.AVAILABLE}
        return status == aurora.AVAILABLE and set(self.declared) <= ready

    def run(self):
        handler = {"absent": self.absent, "stopped": self.stopped}.get(self.params["state"], self.present)
        if self.read_only:
            handler = self.read_parked
        before, after = handler()
        if self.changed and not self.check_mode:
            cluster = self.describe_cluster()
            self.subnet_group = self.describe_subnet_group()
            after = (cluster, self.describe_instances() if cluster else [], self.subnet_group)
        before_view, after_view = aurora.cluster_view(*before), aurora.cluster_view(*after)
        return {
            "changed": self.changed,
            "parked": self.params["parked"],
            "cluster": after_view,
            "restored_from": self.restored_from,
            "final_snapshot": self.final_snapshot,
            "status_history": self.progress.history,
            "pending": self.pending,
            "target_reached": self.target_reached(*after[:2]),
            "diff": {"before": aurora.diff_view(before_view), "after": aurora.diff_view(after_view)},
        }


def main():
    argument_spec = dict(
        cluster_identifier=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "started", "stopped", "absent"], default="present"),
        parked=dict(type="bool", default=False),
        engine=dict(type="str", choices=["aurora-postgresql", "aurora-mysql"], default="aurora-postgresql"),
        engine_version=dict(type="str"),
        allow_major_version_upgrade=dict(type="bool", default=False),
        port=dict(type="int", default=5432),
        master_credentials_secret=dict(type="str", no_log=False),  # a name or ARN, not the secret
        kms_key_id=dict(type="str"),
        subnet_ids=dict(type="list", elements="str"),
        vpc_security_group_ids=dict(type="list", elements="str"),
        serverless_v2_scaling=dict(
            type="dict",
            options=dict(
                min_capacity=dict(type="float", required=True),
                max_capacity=dict(type="float", required=True),
            ),
        ),
        instance_class=dict(type="str", default=aurora.SERVERLESS_CLASS),
        reader_count=dict(type="int", default=0),
        deletion_protection=dict(type="bool", default=False),
        copy_tags_to_snapshot=dict(type="bool", default=True),
        backup_retention_period=dict(type="int", default=7),
        preferred_backup_window=dict(type="str"),
        restore_mode=dict(type="str", choices=["clean", "from_final_snapshot"], default="clean"),
        final_snapshot_prefix=dict(type="str"),
        final_snapshot_identifier=dict(type="str"),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[
            ("state", "present", ("master_credentials_secret", "subnet_ids")),
            ("state", "started", ("master_credentials_secret", "subnet_ids")),
        ],
    )
    problems = aurora.validate_params(module.params)
    if problems:
        module.fail_json(msg="Invalid parameters: " + "; ".join(problems))
    # A real run never sends a check-mode placeholder (docs/check_mode.md).
    ids = ("kms_key_id", "subnet_ids", "vpc_security_group_ids", "master_credentials_secret")
    fail_if_pending(module, **{option: module.params[option] for option in ids if module.params[option]})

    try:
        result = AuroraCluster(module).run()
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage Aurora cluster {module.params['cluster_identifier']}")

    module.exit_json(**result)


if __name__ == "__main__":
    main()
