# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Corrections made inside moto's EC2, ELBv2 and RDS models where moto differs from real AWS.

moto runs in-process in the daemon, so these small wrappers around moto's own
classes are simpler and more exact than rewriting XML in the WSGI layer:

* security group rules whose source is a prefix list keep their
  ``Description`` (moto keeps only ``PrefixListId``): stored on authorize,
  changed by ``UpdateSecurityGroupRuleDescriptions*`` and
  ``ModifySecurityGroupRules``, returned by ``DescribeSecurityGroups``,
  ``DescribeSecurityGroupRules`` and ``AuthorizeSecurityGroup*``;
  ``RevokeSecurityGroup*`` still matches on the prefix list id alone;
* ``UpdateSecurityGroupRuleDescriptionsIngress/Egress`` answer
  ``<return>true</return>`` (moto answers an empty result);
* ``DeleteNatGateway`` disassociates the gateway's Elastic IP, so the
  allocation can be used again (moto leaves it associated);
* a new application load balancer has AWS's full attribute set
  (``DescribeLoadBalancerAttributes``; moto starts with four);
* ``DeleteDBCluster`` drops the cluster's automated snapshots (so the same
  identifier can be created or restored again within the minute) and
  ``RestoreDBClusterFromSnapshot`` honours ``DeletionProtection`` /
  ``CopyTagsToSnapshot`` = false (``patch_rds_clusters`` applies only these);
* ``ModifyDBSubnetGroup`` keeps the group (moto drops it from its backend);
* ``UpdateSecretVersionStage`` moving ``AWSCURRENT`` makes the target version the
  secret's current one, so the next ``PutSecretValue`` relabels it ``AWSPREVIOUS``
  (moto keeps its own pointer to the old version: two versions end up
  ``AWSCURRENT`` after a rollback and a new value);
* EventBridge ``PutTargets`` keeps a rule at five targets, takes ten entries a call and answers injected
  partial failures (``localcloud.events_fidelity``);
* IAM ``GetAccountAuthorizationDetails`` answers pages of ``MaxItems`` entities with
  ``IsTruncated`` / ``Marker`` (moto answers everything at once; ``patch_iam`` applies only this).

Every wrapper first checks the moto internals it relies on and raises
``MotoPatchError`` (naming the moto version) when they are missing, instead of
silently doing nothing.  ``apply()`` is idempotent and thread-safe.
"""

import functools
import hashlib
import inspect
import threading

TESTED_MOTO_VERSIONS = ("5.2.5",)

_LOCK = threading.Lock()
_APPLIED = set()


class MotoPatchError(RuntimeError):
    """moto's internals no longer look like the ones these patches expect."""


def _moto_version():
    import moto

    return getattr(moto, "__version__", "unknown")


def _require(owner, name, params=()):
    """Return ``owner.name`` after checking it exists and takes ``params``."""
    value = inspect.getattr_static(owner, name, None)
    if value is None:
        raise MotoPatchError(
            "moto %s: %s.%s is missing (localcloud patches were written for moto %s)"
            % (_moto_version(), owner.__name__, name, ", ".join(TESTED_MOTO_VERSIONS))
        )
    target = value.fget if isinstance(value, property) else value
    missing = [p for p in params if p not in inspect.signature(target).parameters]
    if missing:
        raise MotoPatchError(
            "moto %s: %s.%s no longer takes %s (localcloud patches were written for moto %s)"
            % (_moto_version(), owner.__name__, name, ", ".join(missing), ", ".join(TESTED_MOTO_VERSIONS))
        )
    return value


def _patch_prefix_list_descriptions():
    """Keep ``Description`` of prefix-list sources in security group rules."""
    from moto.ec2.models.security_groups import SecurityGroup
    from moto.ec2.models.security_groups import SecurityGroupBackend
    from moto.ec2.models.security_groups import SecurityGroupRule

    rule_init = _require(SecurityGroupRule, "__init__", ("prefix_list_id",))
    rule_signature = inspect.signature(rule_init)
    rule_description = _require(SecurityGroupRule, "description").fget
    flattened = _require(SecurityGroup, "_flattened_rules", ("rules",))
    update_description = _require(SecurityGroupBackend, "_sg_update_description", ("security_rule", "rule"))
    modify_rules = _require(SecurityGroupBackend, "modify_security_group_rules", ("group_id", "rules"))
    _require(SecurityGroupBackend, "get_security_group_by_name_or_id")
    _require(SecurityGroup, "get_rule")

    @functools.wraps(rule_init)
    def init(self, *args, **kwargs):
        rule_init(self, *args, **kwargs)
        source = rule_signature.bind(self, *args, **kwargs).arguments.get("prefix_list_id")
        # moto keeps only source['PrefixListId']; remember the description too.
        self.prefix_list_description = source.get("Description") if isinstance(source, dict) else None

    def description(self):
        value = rule_description(self)
        if value is None and getattr(self, "prefix_list_id", None):
            value = getattr(self, "prefix_list_description", None)
        return value

    @functools.wraps(flattened)
    def flattened_rules(self, rules):
        # moto renders each prefix-list source as {"PrefixListId": id}; add the
        # description.  (ports, protocol, prefix list) identifies a rule, as
        # duplicates are refused on authorize.
        views = flattened(self, rules)
        descriptions = {}
        for rule in rules:
            text = getattr(rule, "prefix_list_description", None)
            if rule.prefix_list_id and text is not None:
                descriptions[(rule.from_port, rule.to_port, rule.ip_protocol, rule.prefix_list_id)] = text
        for view in views:
            for entry in view.prefix_list_ids:
                key = (view.from_port, view.to_port, view.ip_protocol, entry.get("PrefixListId"))
                if key in descriptions:
                    entry["Description"] = descriptions[key]
        return views

    @functools.wraps(update_description)
    def sg_update_description(self, security_rule, rule):
        update_description(self, security_rule, rule)
        if security_rule.prefix_list_id and security_rule.prefix_list_id == rule.prefix_list_id:
            # As in AWS, omitting the description removes it.
            rule.prefix_list_description = getattr(security_rule, "prefix_list_description", None)

    @functools.wraps(modify_rules)
    def modify_security_group_rules(self, group_id, rules):
        modify_rules(self, group_id, rules)
        # moto writes the new description into ip_range, which a prefix-list
        # rule does not have; move it to where the patched model looks.
        group = self.get_security_group_by_name_or_id(group_id)
        for rule_id in rules:
            rule = group.get_rule(rule_id)
            if (
                rule is not None
                and rule.prefix_list_id
                and "Description" in rule.ip_range
                and not rule.ip_range.get("CidrIp")
                and not rule.ip_range.get("CidrIpv6")
            ):
                rule.prefix_list_description = rule.ip_range.pop("Description")

    SecurityGroupRule.__init__ = init
    SecurityGroupRule.description = property(description)
    SecurityGroup._flattened_rules = flattened_rules  # pylint: disable=protected-access
    SecurityGroupBackend._sg_update_description = sg_update_description  # pylint: disable=protected-access
    SecurityGroupBackend.modify_security_group_rules = modify_security_group_rules


def _patch_update_descriptions_return():
    """Answer ``<return>true</return>`` to UpdateSecurityGroupRuleDescriptions*."""
    from moto.core.responses import ActionResult
    from moto.core.responses import EmptyResult
    from moto.ec2.responses.security_groups import SecurityGroups

    def wrap(original):
        @functools.wraps(original)
        def handler(self):
            result = original(self)
            if isinstance(result, EmptyResult):
                return ActionResult({"Return": True})
            return result

        return handler

    for name in ("update_security_group_rule_descriptions_ingress", "update_security_group_rule_descriptions_egress"):
        setattr(SecurityGroups, name, wrap(_require(SecurityGroups, name)))


def _patch_nat_gateway_delete():
    """Disassociate a NAT gateway's Elastic IP when the gateway is deleted."""
    from moto.ec2.models.elastic_ip_addresses import ElasticAddressBackend
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.nat_gateways import NatGatewayBackend

    delete = _require(NatGatewayBackend, "delete_nat_gateway", ("nat_gateway_id",))
    _require(ElasticAddressBackend, "disassociate_address", ("address",))
    if "_eni" not in inspect.getsource(NatGateway.__init__):
        raise MotoPatchError("moto %s: NatGateway no longer keeps its ENI in _eni" % _moto_version())

    @functools.wraps(delete)
    def delete_nat_gateway(self, nat_gateway_id):
        nat_gateway = delete(self, nat_gateway_id)
        eni = getattr(nat_gateway, "_eni", None)
        for address in list(self.addresses):
            if eni is not None and address.eni is eni:
                self.disassociate_address(address=address.public_ip)
        return nat_gateway

    NatGatewayBackend.delete_nat_gateway = delete_nat_gateway


# What DescribeLoadBalancerAttributes shows for a new application load balancer in AWS.
ALB_DEFAULT_ATTRIBUTES = {
    "access_logs.s3.enabled": "false",
    "access_logs.s3.bucket": "",
    "access_logs.s3.prefix": "",
    "client_keep_alive.seconds": "3600",
    "connection_logs.s3.enabled": "false",
    "connection_logs.s3.bucket": "",
    "connection_logs.s3.prefix": "",
    "deletion_protection.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "load_balancing.cross_zone.enabled": "true",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "routing.http2.enabled": "true",
    "waf.fail_open.enabled": "false",
    "zonal_shift.config.enabled": "false",
}


def _patch_alb_default_attributes():
    """Give a new application load balancer AWS's full attribute set.

    moto starts with four attributes; amazon.aws.elb_application_lb reads e.g.
    routing.http.drop_invalid_header_fields.enabled and fails with a KeyError.
    """
    from moto.elbv2.models import FakeLoadBalancer

    lb_init = _require(FakeLoadBalancer, "__init__", ("loadbalancer_type",))
    unknown = set(ALB_DEFAULT_ATTRIBUTES) - FakeLoadBalancer.VALID_ATTRS
    if unknown:
        raise MotoPatchError("moto %s: load balancer attributes %s are unknown" % (_moto_version(), sorted(unknown)))

    @functools.wraps(lb_init)
    def init(self, *args, **kwargs):
        lb_init(self, *args, **kwargs)
        if getattr(self, "type", None) == "application":
            # At creation nothing has been modified yet: AWS's defaults replace moto's (which
            # include cross-zone 'false'; ALBs always balance across zones).
            self.attrs.update(ALB_DEFAULT_ATTRIBUTES)

    FakeLoadBalancer.__init__ = init


# Restore parameters moto drops when they are false (it copies only truthy overrides).
RESTORE_FALSE_OVERRIDES = ("deletion_protection", "copy_tags_to_snapshot")


def _patch_ecs_create_service():
    """Keep the settings CreateService drops; start services steady."""
    from moto.ecs.models import Service
    from moto.ecs.responses import EC2ContainerServiceResponse

    create = _require(EC2ContainerServiceResponse, "create_service")
    init = _require(Service, "__init__", ("desired_count",))
    kept = (
        ("deploymentConfiguration", "deployment_configuration"),
        ("healthCheckGracePeriodSeconds", "health_check_grace_period_seconds"),
        ("enableExecuteCommand", "enable_execute_command"),
    )

    @functools.wraps(create)
    def create_service(self):
        result = create(self)
        service = result.result["service"]
        for parameter, attribute in kept:
            value = self._get_param(parameter)
            if value is not None:
                setattr(service, attribute, value)
        return result

    @functools.wraps(init)
    def service_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.running_count, self.pending_count = self.desired_count, 0
        for deployment in self.deployments:
            deployment.update(
                runningCount=self.desired_count,
                pendingCount=0,
                rolloutState="COMPLETED",
                rolloutStateReason="ECS deployment %s completed." % deployment["id"],
            )

    EC2ContainerServiceResponse.create_service = create_service
    Service.__init__ = service_init


def _patch_rds_cluster_lifecycle(setter=setattr):
    """Drop a deleted cluster's automated snapshots; honour false restore overrides.

    AWS deletes the automated backups of a deleted cluster (DescribeDBClusterSnapshots no longer
    lists them; retained ones are DBClusterAutomatedBackups).  moto keeps them, so a cluster
    created or restored again under the same identifier within the same minute fails with
    DBClusterSnapshotAlreadyExistsFault on the automatic snapshot ``rds:<cluster>-<yyyy-mm-dd-hh-mm>``.
    moto's RestoreDBClusterFromSnapshot also ignores DeletionProtection/CopyTagsToSnapshot = false.

    ``setter`` is ``setattr`` for the daemon; tests pass ``monkeypatch.setattr`` to undo it.
    """
    from moto.rds.models import DBClusterSnapshot
    from moto.rds.models import RDSBackend

    delete = _require(RDSBackend, "delete_db_cluster", ("cluster_identifier", "snapshot_name"))
    restore = _require(RDSBackend, "restore_db_cluster_from_snapshot", ("from_snapshot_id", "overrides"))
    _require(DBClusterSnapshot, "__init__", ("snapshot_type",))
    if "self.cluster_snapshots" not in inspect.getsource(RDSBackend.__init__):
        raise MotoPatchError("moto %s: RDSBackend no longer keeps cluster_snapshots" % _moto_version())

    @functools.wraps(delete)
    def delete_db_cluster(self, cluster_identifier, snapshot_name=None):
        cluster = delete(self, cluster_identifier, snapshot_name=snapshot_name)
        for snapshot_id, snapshot in list(self.cluster_snapshots.items()):
            if (
                snapshot.snapshot_type == "automated"
                and snapshot.db_cluster_identifier == cluster.db_cluster_identifier
            ):
                del self.cluster_snapshots[snapshot_id]
        return cluster

    @functools.wraps(restore)
    def restore_db_cluster_from_snapshot(self, from_snapshot_id, overrides):
        cluster = restore(self, from_snapshot_id, overrides)
        for key in RESTORE_FALSE_OVERRIDES:
            value = overrides.get(key)
            if value is not None and not value:
                setattr(cluster, key, False)
        return cluster

    setter(RDSBackend, "delete_db_cluster", delete_db_cluster)
    setter(RDSBackend, "restore_db_cluster_from_snapshot", restore_db_cluster_from_snapshot)


def _patch_rds_cluster_endpoint(setter=setattr):
    """Cluster endpoints keep AWS's per-account, per-region identifier.

    AWS names a cluster endpoint ``<cluster>.cluster-<id>.<region>.rds.amazonaws.com`` with one
    ``<id>`` per account and region, so a cluster restored under the same identifier answers on the
    same endpoint. moto draws a random ``<id>`` per cluster.
    """
    from moto.rds.models import DBCluster

    init = _require(DBCluster, "__init__")
    if "self.url_identifier" not in inspect.getsource(DBCluster.__init__):
        raise MotoPatchError("moto %s: DBCluster no longer has url_identifier" % _moto_version())

    @functools.wraps(init)
    def cluster_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        key = "%s:%s" % (self.account_id, self.region)
        self.url_identifier = hashlib.sha256(key.encode()).hexdigest()[:12]

    setter(DBCluster, "__init__", cluster_init)


def _patch_secret_version_stage(setter=setattr):
    """Moving AWSCURRENT with UpdateSecretVersionStage also moves moto's current-version pointer."""
    from moto.secretsmanager.models import FakeSecret
    from moto.secretsmanager.models import SecretsManagerBackend

    update = _require(
        SecretsManagerBackend,
        "update_secret_version_stage",
        ("secret_id", "version_stage", "remove_from_version_id", "move_to_version_id"),
    )
    _require(FakeSecret, "set_default_version_id", ("version_id",))

    @functools.wraps(update)
    def update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id):
        result = update(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
        if version_stage == "AWSCURRENT" and move_to_version_id:
            self.secrets[secret_id].set_default_version_id(move_to_version_id)
        return result

    setter(SecretsManagerBackend, "update_secret_version_stage", update_secret_version_stage)


def patch_secrets_manager(setter=setattr):
    """Only the Secrets Manager correction, for in-process moto (unit tests: ``setter=monkeypatch.setattr``)."""
    _patch_secret_version_stage(setter)


def _patch_rds_engine_versions(setter=setattr):
    """Engine versions never go down (``localcloud.rds_fidelity``): ModifyDBCluster and
    RestoreDBClusterFromSnapshot refuse an earlier version, as AWS does."""
    from localcloud import rds_fidelity

    rds_fidelity.patch(setter)


def _patch_acm_fidelity(setter=setattr):
    """ACM key algorithm spelling, DNS-driven issuance and delayed validation records; ELBv2 and CloudFront
    refuse a certificate that is not ISSUED (``localcloud.acm_fidelity``)."""
    from localcloud import acm_fidelity

    acm_fidelity.patch(setter)


def _patch_ecs_service_secrets(setter=setattr):
    """No running task for a service whose secrets have no value; forced deployments; deployments rolling out for
    the latency profile's ``ecs.deployment`` seconds (``localcloud.ecs_fidelity``)."""
    from localcloud import ecs_fidelity

    ecs_fidelity.patch(setter)


def _patch_events_fidelity(setter=setattr):
    """EventBridge PutTargets: five targets per rule, ten entries per call, injected partial failures
    (``localcloud.events_fidelity``)."""
    from localcloud import events_fidelity

    events_fidelity.patch(setter)


def _patch_rds_modify_subnet_group(setter=setattr):
    """``ModifyDBSubnetGroup`` keeps the group.

    moto 5.2.5 pops the group from its backend to modify it and never puts it back, so the group is gone
    (``DBSubnetGroupNotFoundFault``) right after a successful modification, e.g. a third availability zone's
    subnet added. AWS modifies the existing group in place (API_ModifyDBSubnetGroup).
    """
    from moto.rds.models import RDSBackend

    modify = _require(RDSBackend, "modify_db_subnet_group", ("subnet_name", "description", "subnets"))
    if "self.subnet_groups" not in inspect.getsource(RDSBackend.__init__):
        raise MotoPatchError("moto %s: RDSBackend no longer keeps subnet_groups" % _moto_version())

    @functools.wraps(modify)
    def modify_db_subnet_group(self, subnet_name, description, subnets):
        group = modify(self, subnet_name, description, subnets)
        self.subnet_groups[subnet_name] = group
        return group

    setter(RDSBackend, "modify_db_subnet_group", modify_db_subnet_group)


# --- IAM: GetAccountAuthorizationDetails pages ------------------------------------------------------------
_AUTHORIZATION_DETAIL_LISTS = (
    ("UserDetailList", "users"),
    ("GroupDetailList", "groups"),
    ("RoleDetailList", "roles"),
    ("Policies", "managed_policies"),
)


def _patch_iam_authorization_details_pages(setter=setattr):
    """``GetAccountAuthorizationDetails`` answers pages of ``MaxItems`` entities (default 100, at most 1000)
    with ``IsTruncated`` and a ``Marker`` to go on from, as IAM does
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html).

    moto 5.2.5 ignores ``MaxItems`` and ``Marker`` and answers every entity at once with ``IsTruncated`` false,
    so a client that stops after one page, or resends the first page forever, would pass against it.
    """
    from moto.core.responses import ActionResult
    from moto.iam.exceptions import ValidationError
    from moto.iam.models import IAMBackend
    from moto.iam.responses import IamResponse

    _require(IamResponse, "get_account_authorization_details")
    _require(IAMBackend, "get_account_authorization_details", ("policy_filter",))

    def get_account_authorization_details(self):
        max_items = self._get_int_param("MaxItems", 100)
        if not 1 <= max_items <= 1000:
            raise ValidationError(
                "1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: "
                "Member must have value less than or equal to 1000" % max_items
            )
        marker = self._get_param("Marker")
        try:
            start = int(marker or 0)
        except ValueError:
            raise ValidationError("Invalid Marker.") from None
        details = self.backend.get_account_authorization_details(self._get_param("Filter", []))
        entities = [(key, item) for key, attr in _AUTHORIZATION_DETAIL_LISTS for item in details[attr]]
        page = entities[start : start + max_items]
        result = {key: [item for k, item in page if k == key] for key, _attr in _AUTHORIZATION_DETAIL_LISTS}
        result["IsTruncated"] = start + max_items < len(entities)
        if result["IsTruncated"]:
            result["Marker"] = str(start + max_items)
        return ActionResult(result)

    setter(IamResponse, "get_account_authorization_details", get_account_authorization_details)


def patch_iam(setter=setattr):
    """Only the IAM correction, for in-process moto (unit tests: ``setter=monkeypatch.setattr``)."""
    _patch_iam_authorization_details_pages(setter)


def patch_rds_clusters(setter=setattr):
    """Only the RDS cluster corrections, for in-process moto (unit tests: ``setter=monkeypatch.setattr``)."""
    _patch_rds_cluster_lifecycle(setter)
    _patch_rds_engine_versions(setter)
    _patch_rds_modify_subnet_group(setter)


PATCHES = (
    _patch_prefix_list_descriptions,
    _patch_update_descriptions_return,
    _patch_nat_gateway_delete,
    _patch_alb_default_attributes,
    _patch_rds_cluster_lifecycle,
    _patch_ecs_create_service,
    _patch_ecs_service_secrets,
    _patch_secret_version_stage,
    _patch_rds_cluster_endpoint,
    _patch_rds_engine_versions,
    _patch_acm_fidelity,
    _patch_rds_modify_subnet_group,
    _patch_iam_authorization_details_pages,
    _patch_events_fidelity,
)


def apply():
    """Apply every patch once per process; raise MotoPatchError on mismatch."""
    with _LOCK:
        for patch in PATCHES:
            if patch.__name__ not in _APPLIED:
                patch()
                _APPLIED.add(patch.__name__)
