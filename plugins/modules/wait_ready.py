# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: wait_ready
version_added: 0.1.0
short_description: Wait until several slow AWS resources are ready, together, with progress
description:
  - Waits, in one task, until every resource of O(resources) has reached its target state - an Aurora cluster and
    its instances C(available), an ACM certificate C(ISSUED), a CloudFront distribution C(Deployed), a NAT gateway
    C(available), a load balancer C(active), an ECS service stable - so that slow resources started earlier in a
    playbook (each without waiting) are waited for at the same time instead of one after the other.
  - The target and failure states are those of the AWS SDK waiters (botocore C(db_cluster_available) and
    C(db_instance_available), C(certificate_validated), C(distribution_deployed), C(nat_gateway_available),
    C(load_balancer_available), C(services_stable)) and of terraform-provider-aws's status and wait functions for
    the same resources (C(internal/service/rds), C(acm), C(cloudfront), C(ec2), C(elbv2), C(ecs); for example
    C(waitServiceStable) in C(internal/service/ecs/service.go)).
  - A resource in a failure state (for example a certificate C(FAILED), a NAT gateway C(failed), a service
    C(INACTIVE) or whose deployment the circuit breaker marked C(FAILED)) ends the wait at once. The task then fails
    naming the state of every resource; so does a timeout. The module only reads, so running the task again
    (after fixing the cause) resumes the wait.
  - It never changes anything (RV(changed) is always V(false)). Check mode reads nothing and waits for nothing; it
    returns what a real run would wait for in RV(would_wait_for).
  - The action plugin of the same name calls the module in short waiting slices and prints one line per slice,
    naming what is still waited for, its status and the time such a resource usually takes.
author:
  - rocketclub platform team (@rocketclub)
options:
  resources:
    description:
      - The resources to wait for. An empty list waits for nothing.
    type: list
    elements: dict
    required: true
    suboptions:
      kind:
        description:
          - V(aurora_cluster) - O(resources[].id) is the cluster identifier; ready when the cluster is C(available)
            and every instance of it is C(available). C(deleting), C(deleted), C(failed), C(incompatible-*),
            C(inaccessible-encryption-credentials), C(stopped) and C(stopping) (nothing starts the cluster while
            waiting) are failures.
          - V(acm_certificate) - O(resources[].id) is the certificate ARN; ready when C(ISSUED). C(FAILED),
            C(VALIDATION_TIMED_OUT), C(REVOKED), C(EXPIRED) are failures.
          - V(cloudfront_distribution) - O(resources[].id) is the distribution id; ready when C(Deployed).
          - V(nat_gateway) - O(resources[].id) is the NAT gateway id; ready when C(available). C(failed),
            C(deleting) and C(deleted) are failures.
          - V(load_balancer) - O(resources[].id) is the load balancer ARN; ready when C(active). C(failed) (the load
            balancer could not be set up; the SDK waiter and terraform-provider-aws keep polling until their timeout)
            is a failure.
          - V(ecs_service) - O(resources[].id) is the service name, O(resources[].cluster) its cluster; ready (the test
            of the C(services_stable) waiter) when it is C(ACTIVE) with exactly one deployment and as many running
            tasks as desired. C(DRAINING), C(INACTIVE) and a deployment the circuit breaker marked C(FAILED) are
            failures. The services of one cluster are read with one C(DescribeServices) call per ten.
          - A resource of any kind that the API does not know (not found, or an ECS C(MISSING) failure) is waited for
            as C(not visible yet) during O(missing_grace), then it fails the wait as C(does not exist).
        type: str
        required: true
        choices: [aurora_cluster, acm_certificate, cloudfront_distribution, nat_gateway, load_balancer, ecs_service]
      id:
        description:
          - Identifier of the resource, as O(resources[].kind) says. In check mode it may be a check-mode placeholder
            (C(pending:<kind>/<name>)) of a resource an earlier task would create; a real run refuses one.
        type: str
        required: true
      cluster:
        description:
          - The ECS cluster (name or ARN) of an V(ecs_service). Required for that kind, ignored for the others.
        type: str
      region:
        description:
          - Region of the resource when it is not the module's O(region), for example V(us-east-1) for the viewer
            certificate of a CloudFront distribution.
        type: str
      name:
        description:
          - How progress lines and messages name the resource (default C(<kind> <id>)).
        type: str
      expected_seconds:
        description:
          - How long such a resource usually takes, shown in progress lines. Defaults per kind (typical AWS times)
            - aurora_cluster 600, acm_certificate 300, cloudfront_distribution 300, nat_gateway 120,
            load_balancer 180, ecs_service 300.
        type: int
  description:
    description:
      - What the wait is for, at the start of each progress line and message (for example V(Aurora before ECS)).
    type: str
    default: resources
  wait:
    description:
      - V(false) reads every resource once and returns (RV(target_reached) says whether all are ready); a resource in a
        failure state fails the task all the same.
      - V(true) waits until all are ready, at most O(wait_timeout) seconds.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait, for the whole task. On timeout the task fails with RV(wait_timed_out=true) and the state of
        every resource; running it again waits again.
    type: int
    default: 1800
  delay:
    description:
      - Seconds between two reads of the resources still waited for.
    type: int
    default: 5
  missing_grace:
    description:
      - Seconds from the start of the wait during which a resource the API does not know (not found, an ECS
        C(MISSING) failure) is waited for as C(not visible yet) instead of failing the wait. AWS's read APIs are
        eventually consistent right after a create (DescribeDBClusters after CreateDBCluster or
        RestoreDBClusterFromSnapshot, DescribeCertificate after RequestCertificate, DescribeServices after
        CreateService, DescribeNatGateways after CreateNatGateway); terraform-provider-aws's waiters likewise read a
        new resource through not-found answers (C(StateChangeConf) C(NotFoundChecks), 20 reads) before failing.
      - After it, a resource still not found fails the wait (C(does not exist)), naming every resource.
      - V(0) fails at the first not-found answer.
    type: int
    default: 120
  waited_seconds:
    description:
      - Seconds of this wait already spent by earlier calls, counted toward O(missing_grace). The action plugin
        passes it to each of its slices; a task does not set it.
    type: int
    default: 0
notes:
  - Supports C(check_mode) (no API call, RV(would_wait_for)). Never reports C(changed) and has no diff.
  - One read per poll and kind (per region and cluster), not per resource, where the API takes several identifiers
    (C(DescribeNatGateways), C(DescribeServices)); an Aurora cluster's instances are read only once it is
    C(available).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Wait for Aurora and the NAT gateways together
  rocketclub.platform.wait_ready:
    description: Aurora and NAT
    resources:
      - kind: aurora_cluster
        id: rocketclub-dev
      - kind: nat_gateway
        id: nat-0123456789abcdef0
    wait_timeout: 1800

- name: Wait until the services are stable and the distributions deployed
  rocketclub.platform.wait_ready:
    description: the platform serves
    resources:
      - kind: ecs_service
        cluster: rocketclub-dev
        id: backstage
      - kind: cloudfront_distribution
        id: E2EXAMPLE123
      - kind: acm_certificate
        id: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666
        region: us-east-1
  register: ready
"""

RETURN = r"""
changed:
  description: Always V(false), the module only reads.
  returned: always
  type: bool
  sample: false
resources:
  description: Every resource of O(resources) with its state as last read (in check mode, as not read).
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: O(resources[].kind).
      returned: always
      type: str
      sample: aurora_cluster
    id:
      description: O(resources[].id).
      returned: always
      type: str
      sample: rocketclub-dev
    name:
      description: How messages name it.
      returned: always
      type: str
      sample: aurora_cluster rocketclub-dev
    status:
      description: Its status as last read, for example C(creating), C(available; instances rocketclub-dev-1 creating),
        C(1 of 2 tasks running), C(not read) (check mode).
      returned: always
      type: str
      sample: creating
    state:
      description: V(ready), V(waiting), V(failed), or V(unknown) in check mode.
      returned: always
      type: str
      sample: waiting
  sample: [{"kind": "aurora_cluster", "id": "rocketclub-dev", "name": "aurora_cluster rocketclub-dev",
            "status": "available", "state": "ready"}]
waiting_for:
  description: The names of the resources not ready when the module returned (empty once all are ready).
  returned: always
  type: list
  elements: str
  sample: ["cloudfront_distribution E2EXAMPLE123"]
would_wait_for:
  description: In check mode, the names of every resource a real run would wait for; empty otherwise.
  returned: always
  type: list
  elements: str
  sample: ["aurora_cluster rocketclub-dev", "ecs_service backstage"]
target_reached:
  description: Whether every resource is ready (the action plugin then stops waiting). V(false) in check mode unless
    O(resources) is empty.
  returned: always
  type: bool
  sample: true
status:
  description: One line - what is still waited for, its status and expected time, or C(ready).
  returned: always
  type: str
  sample: "aurora_cluster rocketclub-dev creating (usually 10m0s)"
status_history:
  description: The statuses seen while waiting, each with the seconds elapsed since the start of the run.
  returned: always
  type: list
  elements: dict
  sample: [{"elapsed": 0, "status": "aurora_cluster rocketclub-dev creating (usually 10m0s)"}, {"elapsed": 65,
           "status": "ready"}]
wait_timed_out:
  description: Set (with C(failed)) when O(wait_timeout) passed before every resource was ready; running the task again
    waits again.
  returned: on wait timeout
  type: bool
  sample: true
"""

import time

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.rocketclub.platform.plugins.module_utils import aurora
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import WAIT_FAILURE_STATUSES
from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import chunks
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import Progress
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import WaitTimedOut
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import format_duration
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import poll

READY = "ready"
WAITING = "waiting"
FAILED = "failed"
UNKNOWN = "unknown"
# A resource the API does not know (not found): waited for during O(missing_grace), then a failure.
MISSING = "missing"
KINDS = ("aurora_cluster", "acm_certificate", "cloudfront_distribution", "nat_gateway", "load_balancer", "ecs_service")
# Typical AWS times, shown in progress lines (O(resources[].expected_seconds) overrides them).
EXPECTED_SECONDS = {
    "aurora_cluster": 600,
    "acm_certificate": 300,
    "cloudfront_distribution": 300,
    "nat_gateway": 120,
    "load_balancer": 180,
    "ecs_service": 300,
}
# Failure states: botocore's db_cluster_available / db_instance_available (deleted, deleting, failed,
# incompatible-restore, incompatible-parameters), the Aurora statuses no wait recovers from, and stopped /
# stopping (nothing starts the cluster while this waits).
AURORA_FAILED = ("deleted", "deleting", "stopped", "stopping") + tuple(aurora.FAILED_STATUSES)
INSTANCE_FAILED = ("deleted", "deleting", "failed", "incompatible-restore", "incompatible-parameters", "stopped")
# botocore nat_gateway_available: failed, deleting, deleted end the wait.
NAT_FAILED = ("failed", "deleting", "deleted")
# botocore load_balancer_available and terraform-provider-aws waitLoadBalancerActive wait for active (and keep
# polling a failed one until their timeout; failed is final, so it ends the wait here).
LB_READY = ("active",)
# botocore services_stable: MISSING, DRAINING and INACTIVE end the wait.
ECS_FAILED_STATUSES = ("DRAINING", "INACTIVE")


def resource_name(spec):
    return spec.get("name") or f"{spec['kind']} {spec['id']}"


def validate_resources(resources):
    """Problems of O(resources), before any API call."""
    problems = []
    names = set()
    for index, spec in enumerate(resources):
        if spec["kind"] == "ecs_service" and not spec.get("cluster"):
            problems.append(f"resources[{index}] ({spec['id']}): kind ecs_service needs cluster")
        if not spec["id"]:
            problems.append(f"resources[{index}]: id is empty")
        name = resource_name(spec)
        if name in names:
            problems.append(f"resources[{index}]: {name} is listed twice")
        names.add(name)
        if spec.get("expected_seconds") is not None and spec["expected_seconds"] < 0:
            problems.append(f"resources[{index}] ({name}): expected_seconds must not be negative")
    return problems


# -- assessment of one resource as read (pure) --------------------------------------------------------------


def assess_aurora(cluster, instances):
    """(state, status) of a cluster (None: missing) and its instances (read only once it is available)."""
    if cluster is None:
        return MISSING, "does not exist"
    status = cluster.get("Status", "unknown")
    if status in AURORA_FAILED:
        return FAILED, status
    if status != aurora.AVAILABLE:
        return WAITING, status
    pending = [i for i in instances if i.get("DBInstanceStatus") != aurora.AVAILABLE]
    failed = [i for i in pending if i.get("DBInstanceStatus") in INSTANCE_FAILED + tuple(aurora.FAILED_STATUSES)]
    line = aurora.progress_status(cluster, pending)
    if failed:
        return FAILED, line
    if not instances:
        return WAITING, f"{status}; no instance yet"
    return (WAITING if pending else READY), line


def assess_certificate(certificate):
    """(state, status) of a DescribeCertificate ``Certificate`` (None: missing)."""
    if certificate is None:
        return MISSING, "does not exist"
    status = certificate.get("Status", "unknown")
    options = certificate.get("DomainValidationOptions") or []
    validated = len([o for o in options if o.get("ValidationStatus") == "SUCCESS"])
    line = f"{status}, {validated} of {len(options)} names validated"
    if status in WAIT_FAILURE_STATUSES:
        reason = certificate.get("FailureReason")
        return FAILED, f"{line} ({reason})" if reason else line
    return (READY if status == "ISSUED" else WAITING), line


def assess_distribution(distribution):
    if distribution is None:
        return MISSING, "does not exist"
    status = distribution.get("Status", "unknown")
    return (READY if status == "Deployed" else WAITING), status


def assess_nat_gateway(nat):
    if nat is None:
        return MISSING, "does not exist"
    state = nat.get("State", "unknown")
    if state in NAT_FAILED:
        reason = nat.get("FailureMessage")
        return FAILED, f"{state}: {reason}" if reason else state
    return (READY if state == "available" else WAITING), state


def assess_load_balancer(load_balancer):
    if load_balancer is None:
        return MISSING, "does not exist"
    state = (load_balancer.get("State") or {}).get("Code", "unknown")
    if state == "failed":
        reason = (load_balancer.get("State") or {}).get("Reason")
        return FAILED, f"failed: {reason}" if reason else "failed"
    return (READY if state in LB_READY else WAITING), state


def assess_service(service, failure=None):
    """(state, status) of a DescribeServices entry, or of its ``failures`` entry (e.g. reason MISSING)."""
    if service is None:
        return MISSING, (failure or {}).get("reason", "MISSING").lower()
    status = service.get("status")
    if status in ECS_FAILED_STATUSES:
        return FAILED, status
    primary = [d for d in service.get("deployments") or [] if d.get("status") == "PRIMARY"]
    if primary and primary[0].get("rolloutState") == "FAILED":
        reason = primary[0].get("rolloutStateReason")
        return FAILED, "deployment FAILED" + (f": {reason}" if reason else "")
    # the test of the services_stable waiter: ACTIVE, exactly one deployment, as many tasks running as desired
    problems = []
    if status != "ACTIVE":
        problems.append(str(status))
    deployments = service.get("deployments") or []
    if len(deployments) != 1:
        problems.append(f"{len(deployments)} deployments (a deployment is in progress)")
    desired, running = service.get("desiredCount", 0), service.get("runningCount", 0)
    if running != desired:
        problems.append(f"{running} of {desired} tasks running")
    return (WAITING, ", ".join(problems)) if problems else (READY, "stable")


# -- reading ------------------------------------------------------------------------------------------------


class Reader:
    """Reads the resources of one run, one API call per kind (and region / cluster) where the API allows it."""

    def __init__(self, module):
        self.module = module
        self.clients = {}

    def client(self, service, region):
        key = (service, region)
        if key not in self.clients:
            extra = {"region": region} if region else {}
            self.clients[key] = self.module.client(service, retry_decorator=AWSRetry.jittered_backoff(), **extra)
        return self.clients[key]

    def read(self, specs):
        """``{name: (state, status)}`` of ``specs`` (each a resource of O(resources))."""
        found = {}
        groups = {}
        for spec in specs:
            groups.setdefault((spec["kind"], spec.get("region"), spec.get("cluster")), []).append(spec)
        for (kind, region, cluster), group in groups.items():
            found.update(getattr(self, f"read_{kind}")(group, region, cluster))
        return found

    def read_aurora_cluster(self, specs, region, _cluster):
        rds = self.client("rds", region)
        found = {}
        for spec in specs:
            try:
                clusters = rds.describe_db_clusters(DBClusterIdentifier=spec["id"], aws_retry=True)["DBClusters"]
            except is_boto3_error_code("DBClusterNotFoundFault"):
                clusters = []
            cluster = clusters[0] if clusters else None
            instances = []
            if cluster is not None and cluster.get("Status") == aurora.AVAILABLE:
                filters = [{"Name": "db-cluster-id", "Values": [spec["id"]]}]
                instances = paginate(rds, "describe_db_instances", "DBInstances", Filters=filters)
            found[resource_name(spec)] = assess_aurora(cluster, instances)
        return found

    def read_acm_certificate(self, specs, region, _cluster):
        acm = self.client("acm", region)
        found = {}
        for spec in specs:
            try:
                certificate = acm.describe_certificate(CertificateArn=spec["id"], aws_retry=True)["Certificate"]
            except is_boto3_error_code("ResourceNotFoundException"):
                certificate = None
            found[resource_name(spec)] = assess_certificate(certificate)
        return found

    def read_cloudfront_distribution(self, specs, region, _cluster):
        cloudfront = self.client("cloudfront", region)
        found = {}
        for spec in specs:
            try:
                distribution = cloudfront.get_distribution(Id=spec["id"], aws_retry=True)["Distribution"]
            except is_boto3_error_code("NoSuchDistribution"):
                distribution = None
            found[resource_name(spec)] = assess_distribution(distribution)
        return found

    def read_nat_gateway(self, specs, region, _cluster):
        ec2 = self.client("ec2", region)
        # A filter (not NatGatewayIds): a gateway not visible yet is missing from the answer instead of failing it.
        filters = [{"Name": "nat-gateway-id", "Values": [spec["id"] for spec in specs]}]
        nats = {n["NatGatewayId"]: n for n in paginate(ec2, "describe_nat_gateways", "NatGateways", Filters=filters)}
        return {resource_name(spec): assess_nat_gateway(nats.get(spec["id"])) for spec in specs}

    def read_load_balancer(self, specs, region, _cluster):
        elbv2 = self.client("elbv2", region)
        found = {}
        for spec in specs:
            try:
                lbs = elbv2.describe_load_balancers(LoadBalancerArns=[spec["id"]], aws_retry=True)["LoadBalancers"]
            except is_boto3_error_code("LoadBalancerNotFound"):
                lbs = []
            found[resource_name(spec)] = assess_load_balancer(lbs[0] if lbs else None)
        return found

    def read_ecs_service(self, specs, region, cluster):
        ecs = self.client("ecs", region)
        found = {}
        for batch in chunks(specs, 10):
            answer = ecs.describe_services(cluster=cluster, services=[spec["id"] for spec in batch], aws_retry=True)
            services = {}
            for service in answer.get("services") or []:
                services[service["serviceName"]] = service
                services[service["serviceArn"]] = service
            failures = {f.get("arn", "").rsplit("/", 1)[-1]: f for f in answer.get("failures") or []}
            for spec in batch:
                service = services.get(spec["id"])
                failure = failures.get(spec["id"].rsplit("/", 1)[-1])
                found[resource_name(spec)] = assess_service(service, failure)
        return found


# -- one run ------------------------------------------------------------------------------------------------


def expected_of(spec):
    seconds = spec.get("expected_seconds")
    return EXPECTED_SECONDS[spec["kind"]] if seconds is None else seconds


def tolerate_missing(states, waited, grace):
    """``states`` with each missing resource waited for (``not visible yet``) while ``waited`` < ``grace`` seconds,
    a failure (``does not exist``) after that."""
    result = {}
    for name, (state, status) in states.items():
        if state == MISSING:
            state, status = (WAITING, "not visible yet") if waited < grace else (FAILED, status)
        result[name] = (state, status)
    return result


def waiting_line(specs, states):
    """The one-line status: every resource not ready with its status and usual time, or ``ready``."""
    parts = []
    for spec in specs:
        state, status = states[resource_name(spec)]
        if state != READY:
            parts.append(f"{resource_name(spec)} {status} (usually {format_duration(expected_of(spec))})")
    return "; ".join(parts) or READY


def every_state(specs, states):
    """Every resource with its state, for a failure message."""
    return "; ".join(
        f"{resource_name(spec)}: {states[resource_name(spec)][1]} ({states[resource_name(spec)][0]})" for spec in specs
    )


def resource_views(specs, states):
    return [
        {
            "kind": spec["kind"],
            "id": spec["id"],
            "name": resource_name(spec),
            "status": states[resource_name(spec)][1],
            "state": states[resource_name(spec)][0],
        }
        for spec in specs
    ]


def run(module, reader, clock=time.monotonic, sleep=time.sleep):
    params = module.params
    specs = params["resources"]
    description = params["description"]
    names = [resource_name(spec) for spec in specs]
    if module.check_mode:
        # Nothing is read: the ids may be placeholders of resources a real run would create first.
        states = {name: (UNKNOWN, "not read (check mode)") for name in names}
        return {
            "changed": False,
            "resources": resource_views(specs, states),
            "waiting_for": [],
            "would_wait_for": names,
            "target_reached": not specs,
            "status": "check mode: nothing waited for" if specs else READY,
            "status_history": [],
        }

    progress = Progress(clock=clock)
    seen = {}
    started = clock()

    def probe():
        # Only the resources not ready yet are read again.
        todo = [spec for spec in specs if seen.get(resource_name(spec), (None,))[0] != READY]
        waited = params["waited_seconds"] + clock() - started
        seen.update(tolerate_missing(reader.read(todo), waited, params["missing_grace"]))
        failed = [name for name in names if seen[name][0] == FAILED]
        if failed:
            progress.record(waiting_line(specs, seen))
            module.fail_json(
                msg=(
                    f"wait_ready {description}: {', '.join(failed)} will not become ready. State of every resource: "
                    f"{every_state(specs, seen)}. Nothing was changed by this wait: fix the cause, then run again "
                    "(the wait resumes with what is not ready yet)."
                ),
                changed=False,
                resources=resource_views(specs, seen),
                waiting_for=[name for name in names if seen[name][0] != READY],
                would_wait_for=[],
                target_reached=False,
                status=waiting_line(specs, seen),
                status_history=progress.history,
            )
        done = all(seen[name][0] == READY for name in names)
        return done, waiting_line(specs, seen), None

    timeout = params["wait_timeout"] if params["wait"] else 0
    try:
        if specs:
            poll(probe, f"{description}", timeout, progress, delay=params["delay"], sleep=sleep)
    except WaitTimedOut as e:
        if params["wait"]:
            module.fail_json(
                msg=(
                    f"wait_ready {description}: timed out after wait_timeout={e.timeout} seconds. State of every "
                    f"resource: {every_state(specs, seen)}. Nothing was changed by this wait: running the task "
                    "again waits again."
                ),
                changed=False,
                wait_timed_out=True,
                resources=resource_views(specs, seen),
                waiting_for=[name for name in names if seen[name][0] != READY],
                would_wait_for=[],
                target_reached=False,
                status=e.status,
                status_history=progress.history,
            )
    waiting = [name for name in names if seen.get(name, (READY,))[0] != READY]
    return {
        "changed": False,
        "resources": resource_views(specs, seen) if specs else [],
        "waiting_for": waiting,
        "would_wait_for": [],
        "target_reached": not waiting,
        "status": waiting_line(specs, seen) if specs else READY,
        "status_history": progress.history,
    }


def main():
    argument_spec = dict(
        resources=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                kind=dict(type="str", required=True, choices=list(KINDS)),
                id=dict(type="str", required=True),
                cluster=dict(type="str"),
                region=dict(type="str"),
                name=dict(type="str"),
                expected_seconds=dict(type="int"),
            ),
        ),
        description=dict(type="str", default="resources"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        delay=dict(type="int", default=5),
        missing_grace=dict(type="int", default=120),
        waited_seconds=dict(type="int", default=0),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problems = validate_resources(module.params["resources"])
    if module.params["delay"] < 1:
        problems.append("delay must be at least 1 second")
    if module.params["missing_grace"] < 0 or module.params["waited_seconds"] < 0:
        problems.append("missing_grace and waited_seconds must not be negative")
    if problems:
        module.fail_json(msg="Invalid parameters (nothing was read): " + "; ".join(problems))
    # A real run never reads a check-mode placeholder (docs/check_mode.md).
    if not module.check_mode:
        fail_if_pending(module, ids=[spec["id"] for spec in module.params["resources"]])
    try:
        result = run(module, Reader(module), clock=time.monotonic, sleep=time.sleep)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to read the resources of wait_ready {module.params['description']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
