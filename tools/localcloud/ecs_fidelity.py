# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS services whose tasks read secrets, as AWS runs them, inside moto's ECS model.

No container runs in the local cloud; ``moto_patches._patch_ecs_create_service`` makes a new service steady at
once (``runningCount`` = ``desiredCount``, rollout ``COMPLETED``). AWS reads a container's ``secrets``
(``valueFrom``) when a task starts
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html):

* a Fargate task whose Secrets Manager secret has no version labelled ``AWSCURRENT`` (or not the version stage
  or id its ``valueFrom`` names, or no secret at all) stops before any container starts with
  ``ResourceInitializationError: unable to pull secrets or registry auth: ... ResourceNotFoundException:
  Secrets Manager can't find the specified secret value for staging label: AWSCURRENT``
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/resource-initialization-error.html); the
  service keeps ``runningCount`` 0, its deployment stays ``IN_PROGRESS`` with ``failedTasks``, and the service
  events say why;
* a changed secret value reaches a service only through a new deployment (``UpdateService`` with
  ``forceNewDeployment`` or a new task definition): ECS then starts a new ``PRIMARY`` deployment with a new id,
  and, once its tasks run, the old deployment is gone. moto 5.2.5 instead renames the existing deployment on
  ``forceNewDeployment`` and leaves it untouched (old task definition included) on a task definition change.

``patch(setter)`` (hooked in through ``moto_patches.PATCHES``, after ``_patch_ecs_create_service``) wraps
``Service.__init__`` and ``EC2ContainerServiceBackend.update_service``: a service (or deployment) whose task
definition reads a secret without a value gets no running task; one whose secrets all have values is steady, as
before. SSM parameter references are not checked (a parameter cannot exist without a value).

With the fidelity config ``latency_profile`` on (``localcloud.latency``), a deployment started by ``CreateService``
or by an ``UpdateService`` that starts one (new task definition, ``forceNewDeployment``, desired count raised from
0) stays ``IN_PROGRESS`` with no running task of its own for the profile's ``ecs.deployment`` seconds, so the
``services_stable`` waiter (one deployment and ``runningCount`` = ``desiredCount``) keeps waiting; the first
``DescribeServices`` / ``UpdateService`` after that makes it steady (``EC2ContainerServiceBackend.describe_services``
is wrapped too).
"""

import functools
import time
import uuid

from localcloud import latency

EVENT_LIMIT = 100  # DescribeServices returns at most the 100 most recent events
DEPLOYMENT_KEY = "ecs.deployment"  # latency profile key: how long a deployment rolls out
# Attribute of a moto Service: {"id": deployment id, "since": time.time()} of the rollout in progress.
ROLLOUT = "localcloud_rollout"


def _now():
    from moto.core.utils import utcnow  # the clock moto stamps its own deployments with

    return utcnow()


def _secret_selector(value_from):
    """``(secret id, version stage, version id)`` of a Secrets Manager ``valueFrom`` (name or ARN with an optional
    ``:json-key:version-stage:version-id`` suffix), or None for anything else (SSM parameters)."""
    value_from = value_from or ""
    if not value_from.startswith("arn:"):
        return (value_from, "AWSCURRENT", None) if value_from and ":" not in value_from else None
    parts = value_from.split(":")
    if len(parts) < 7 or parts[2] != "secretsmanager" or parts[5] != "secret":
        return None
    stage = parts[8] if len(parts) > 8 and parts[8] else None
    version_id = parts[9] if len(parts) > 9 and parts[9] else None
    return ":".join(parts[:7]), (None if version_id else stage or "AWSCURRENT"), version_id


def secret_problem(secrets_backend, value_from):
    """Why a task reading ``value_from`` cannot start (AWS's stopped reason), or None."""
    selector = _secret_selector(value_from)
    if selector is None:
        return None
    secret_id, stage, version_id = selector
    prefix = (
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
        "failed: unable to retrieve secret from asm: service call has been retried 1 time(s): "
        "failed to fetch secret %s from secrets manager: " % value_from
    )
    secret = secrets_backend.secrets.get(secret_id) if secrets_backend is not None else None
    if secret is None or getattr(secret, "deleted_date", None):
        return prefix + "ResourceNotFoundException: Secrets Manager can't find the specified secret."
    versions = getattr(secret, "versions", None) or {}
    if version_id:
        if version_id in versions:
            return None
        return (
            prefix + "ResourceNotFoundException: Secrets Manager can't find the specified secret value for "
            "VersionId: %s" % version_id
        )
    if any(stage in (version.get("version_stages") or []) for version in versions.values()):
        return None
    return (
        prefix + "ResourceNotFoundException: Secrets Manager can't find the specified secret value for "
        "staging label: %s" % stage
    )


def task_definition_problem(service, task_definition_arn):
    """The stopped reason of a task of ``task_definition_arn`` started for ``service``, or None."""
    from moto.secretsmanager.models import secretsmanager_backends

    if not task_definition_arn:
        return None
    try:
        definition = service._backend.describe_task_definition(task_definition_arn)  # pylint: disable=protected-access
    except Exception:  # pylint: disable=broad-except
        return None  # moto's own validation answers for unknown task definitions
    try:
        account = service._account_id  # pylint: disable=protected-access
        secrets_backend = secretsmanager_backends[account][service.region_name]
    except KeyError:
        secrets_backend = None
    for container in definition.container_definitions or []:
        for secret in container.get("secrets") or []:
            problem = secret_problem(secrets_backend, secret.get("valueFrom") or secret.get("value_from"))
            if problem:
                return problem
    return None


def _event(service, message):
    service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": _now(), "message": message})
    del service.events[EVENT_LIMIT:]


def _rolling_out(service, primary, start):
    """Whether the PRIMARY deployment is still rolling out under the latency profile's ``ecs.deployment``
    seconds; ``start``: this call starts its rollout (counted from now)."""
    window = latency.seconds(DEPLOYMENT_KEY)
    rollout = getattr(service, ROLLOUT, None)
    if start and window and service.desired_count:
        rollout = {"id": primary["id"], "since": time.time()}
        setattr(service, ROLLOUT, rollout)
    if not rollout or rollout["id"] != primary["id"] or not service.desired_count:
        return False
    return time.time() - rollout["since"] < window


def _in_progress(service, primary, now, start):
    """The PRIMARY deployment's tasks are starting: none of them runs yet (tasks of older deployments do)."""
    if start:
        _event(
            service,
            "(service %s) has started %d tasks: %s."
            % (
                service.name,
                service.desired_count,
                " ".join("(task %s)" % uuid.uuid4().hex for _index in range(min(service.desired_count, 10))),
            ),
        )
    primary.update(
        runningCount=0,
        pendingCount=service.desired_count,
        desiredCount=service.desired_count,
        rolloutState="IN_PROGRESS",
        rolloutStateReason="ECS deployment %s in progress." % primary["id"],
        updatedAt=now,
    )
    service.running_count = sum(int(d.get("runningCount") or 0) for d in service.deployments[1:])
    service.pending_count = service.desired_count


def advance(service):
    """Complete a rollout whose ``ecs.deployment`` seconds have passed (called before a service is read)."""
    rollout = getattr(service, ROLLOUT, None)
    if rollout and service.deployments and not _rolling_out(service, service.deployments[0], False):
        settle(service)


def settle(service, start=False):
    """Apply the outcome of the PRIMARY deployment of ``service``: steady when its tasks can start, else no
    running task, the deployment ``IN_PROGRESS`` with a failed task and an event naming the reason.

    With the latency profile's ``ecs.deployment`` seconds, a deployment whose tasks can start stays
    ``IN_PROGRESS`` (``runningCount`` 0, ``pendingCount`` = ``desiredCount``) for that long after the call
    that started it (``start``: this one) and becomes steady on the first read after (``advance``)."""
    if not service.deployments:
        return
    primary = service.deployments[0]
    problem = task_definition_problem(service, primary.get("taskDefinition"))
    now = _now()
    if (problem is None or not service.desired_count) and _rolling_out(service, primary, start):
        _in_progress(service, primary, now, start)
        return
    if hasattr(service, ROLLOUT):
        delattr(service, ROLLOUT)
    if problem is None or not service.desired_count:
        # Steady: the new deployment's tasks replaced the old ones (AWS drops a deployment once it is drained).
        service.deployments[:] = [primary]
        service.running_count, service.pending_count = service.desired_count, 0
        primary.update(
            runningCount=service.desired_count,
            pendingCount=0,
            desiredCount=service.desired_count,
            rolloutState="COMPLETED",
            rolloutStateReason="ECS deployment %s completed." % primary["id"],
            updatedAt=now,
        )
        _event(service, "(service %s) has reached a steady state." % service.name)
        return
    task_id = uuid.uuid4().hex
    primary.update(
        runningCount=0,
        pendingCount=0,
        desiredCount=service.desired_count,
        failedTasks=int(primary.get("failedTasks") or 0) + 1,
        rolloutState="IN_PROGRESS",
        rolloutStateReason="ECS deployment %s in progress." % primary["id"],
        updatedAt=now,
    )
    # Tasks of older deployments keep running (rolling update); the new ones never start.
    service.running_count = sum(int(d.get("runningCount") or 0) for d in service.deployments[1:])
    service.pending_count = 0
    _event(service, "(service %s) has started 1 tasks: (task %s)." % (service.name, task_id))
    _event(service, "(service %s) task %s stopped: %s" % (service.name, task_id, problem))


def new_deployment(service):
    """Start a new PRIMARY deployment of the service's current task definition; the old one becomes ACTIVE."""
    now = _now()
    template = dict(service.deployments[0]) if service.deployments else {}
    for deployment in service.deployments:
        deployment["status"] = "ACTIVE"
    deployment_id = "ecs-svc/%d" % (uuid.uuid4().int % (32**12))
    template.update(
        id=deployment_id,
        status="PRIMARY",
        taskDefinition=service.task_definition,
        createdAt=now,
        updatedAt=now,
        runningCount=0,
        pendingCount=0,
        failedTasks=0,
        desiredCount=service.desired_count,
        rolloutState="IN_PROGRESS",
        rolloutStateReason="ECS deployment %s in progress." % deployment_id,
    )
    service.deployments.insert(0, template)


def patch(setter=setattr):
    """Wrap moto's ECS ``Service.__init__`` and ``update_service`` (see the module docstring).

    ``setter`` is ``setattr`` for the daemon; tests pass ``monkeypatch.setattr`` to undo it.
    """
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.ecs.models import Service

    from localcloud.moto_patches import MotoPatchError  # pylint: disable=protected-access
    from localcloud.moto_patches import _require  # pylint: disable=protected-access

    init = _require(Service, "__init__", ("desired_count", "task_definition"))
    update = _require(EC2ContainerServiceBackend, "update_service", ("service_properties",))
    describe = _require(EC2ContainerServiceBackend, "describe_services", ("cluster_str", "service_names_or_arns"))
    _require(EC2ContainerServiceBackend, "describe_task_definition", ("task_definition_str",))
    _require(EC2ContainerServiceBackend, "_get_service", ("cluster_str", "service_str"))

    @functools.wraps(init)
    def service_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if not hasattr(self, "events") or not hasattr(self, "deployments"):
            raise MotoPatchError("moto ECS Service no longer has events/deployments")
        settle(self, start=True)

    @functools.wraps(update)
    def update_service(self, service_properties):
        force = bool(service_properties.get("force_new_deployment"))
        task_definition = service_properties.get("task_definition")
        desired = service_properties.get("desired_count")
        try:
            name = str(service_properties.get("service") or "").rsplit("/", maxsplit=1)[-1]
            before = self._get_service(service_properties.get("cluster", "default"), name)  # pylint: disable=protected-access
        except Exception:  # pylint: disable=broad-except
            before = None  # moto's own update answers for an unknown cluster or service
        if before is not None:
            advance(before)
        previous_desired = before.desired_count if before is not None else None
        service = update(self, service_properties)
        if service.deployments and (
            force or (task_definition and service.task_definition != service.deployments[0].get("taskDefinition"))
        ):
            new_deployment(service)
            settle(service, start=True)
        elif desired is not None and service.deployments:
            # A new desired count: tasks start (or do not) for the current deployment; raised from 0, they start
            # a rollout of their own.
            settle(service, start=previous_desired == 0 and int(desired) > 0)
        return service

    @functools.wraps(describe)
    def describe_services(self, cluster_str, service_names_or_arns):
        services, failures = describe(self, cluster_str, service_names_or_arns)
        for service in services:
            advance(service)
        return services, failures

    setter(Service, "__init__", service_init)
    setter(EC2ContainerServiceBackend, "update_service", update_service)
    setter(EC2ContainerServiceBackend, "describe_services", describe_services)
