# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_services
version_added: 0.1.0
short_description: Manage an ECS Fargate cluster, its services, task definitions, log groups and autoscaling in one task
description:
  - Converges the whole ECS side of an application tier in one task ("thin role, thick module") - the cluster, one
    task definition family per service and per one-off task, the CloudWatch log groups the containers write to,
    the Fargate services and their Application Auto Scaling target and CPU target-tracking policy.
  - A new task definition revision is registered only when the declared definition differs from the latest
    C(ACTIVE) revision of its family. Only the settings this module declares are compared (AWS defaults such as a
    container's C(cpu=0) or C(hostPort) are ignored), the order of environment variables and secrets does not
    matter, and O(services[].cpu)/O(services[].memory) may be given as numbers or as C(0.5 vCPU)/C(1 GB).
    Check mode predicts the next revision (C(pending:task-definition/<family>:<latest + 1>)).
  - A service is updated (C(UpdateService)) only when its task definition, network configuration, load balancer,
    deployment configuration, health check grace period, platform version, tag propagation or execute-command
    setting differ. Only the differing settings are sent.
  - B(The desired count of a service is only set when the service is created.) Later runs never change it, and a
    different desired count is neither a change nor a warning; Application Auto Scaling and the park runbook own it.
  - Services run on Fargate (C(FARGATE) launch type, platform version C(LATEST)) in C(awsvpc) mode, with the
    deployment circuit breaker and rollback on, tags propagated from the service, execute command off.
  - Bad input fails before any API call with a message naming the option (image without tag or digest, an
    environment variable that is also a secret, autoscaling O(services[].autoscaling.min_capacity) above
    O(services[].autoscaling.max_capacity), Fargate CPU/memory combinations, container ports). Missing
    dependencies fail after the reads and before any write (a target group that does not exist, is not of target
    type C(ip) or listens on another port than the container, a Secrets Manager secret that does not exist). In check
    mode missing dependencies (also a missing execution role, subnets or security groups, which other roles create)
    are warnings, so that a check run against an empty account can predict everything.
  - B(A service never starts on a secret without a value.) Before any write, every Secrets Manager secret a
    service's task definition reads is described (C(DescribeSecret), never C(GetSecretValue)); a secret without a
    version labelled C(AWSCURRENT) (or without the version stage or id its reference pins) fails the run, in
    check mode too, naming each secret and the command that fills it
    (C(aws secretsmanager put-secret-value --secret-id <name> --secret-string ...)). On AWS such a task fails with
    C(ResourceInitializationError) and the service never gets a running task. Exempt, with a warning, is a parked
    service (O(parked=true) and desired count 0) - nothing starts until unpark, which converges with
    O(parked=false) and checks again. For O(task_definitions) an empty secret is a warning, as registering a
    definition starts nothing.
  - B(A changed secret value redeploys the services that read it.) ECS reads secrets only when a task starts. Each
    service carries the tag C(platform:secret-versions) - per secret a short hash of its ARN and the version id its
    tasks read (never a value). When the current versions differ from the recorded ones the service gets
    C(UpdateService) with C(forceNewDeployment) (together with any other update, one call) and the tag is updated;
    the diff and RV(services.new_deployment_for_secrets) name the secrets that changed. A service without the tag
    (created before this behaviour) is redeployed once. Check mode predicts it (see O(pending_secret_values)).
author:
  - rocketclub platform team (@rocketclub)
options:
  cluster:
    description:
      - Name of the ECS cluster. It is created when missing.
    type: str
    required: true
  state:
    description:
      - V(present) converges the cluster, the log groups, the task definitions, the services and their autoscaling.
      - V(absent) deletes the services of O(services) (desired count set to 0 first, then deleted). Nothing else is
        deleted or deregistered (cluster, task definitions, log groups, scalable targets are kept), and only
        O(services[].name) is needed.
    type: str
    choices: [present, absent]
    default: present
  container_insights:
    description:
      - Whether CloudWatch Container Insights is enabled on the cluster (cluster setting C(containerInsights)).
      - A cluster with C(enhanced) observability counts as enabled.
    type: bool
    default: true
  parked:
    description:
      - Whether the environment is parked (the park runbook set the desired counts and the scalable targets of the
        services to 0 and recorded what they were). The role passes C(platform_parked).
      - V(true) leaves the minimum and maximum capacity of the scalable targets of B(existing) services as park set
        them (the desired count is never changed anyway), so a converge never unparks. Everything else still
        converges, including the scaling policy. New services are created and registered as with V(false). An
        existing service without a scalable target keeps having none (with a warning). A parked service (desired count
        0) reading a secret without a value is a warning, not an error.
      - V(false) sets the minimum and maximum capacity of the scalable target of every service to
        O(services[].autoscaling.min_capacity) and O(services[].autoscaling.max_capacity); unpark converges with
        V(false) after it restored the recorded capacity.
      - Replaces the former option C(capacity) - V(true) is C(capacity=preserve), V(false) C(capacity=enforce); no
        other value was ever needed, so C(capacity) is gone.
    type: bool
    default: false
  services:
    description:
      - The Fargate services, each with its own task definition family and log group.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name of the service. Also the C(awslogs) stream prefix and the default container name.
        type: str
        required: true
      family:
        description:
          - Task definition family. Defaults to C(<cluster>-<name>).
        type: str
      cpu:
        description:
          - Task CPU units, as a number (V(256)) or a string (V('256'), V('0.25 vCPU')). A Fargate size. Required with
            O(state=present).
        type: raw
      memory:
        description:
          - Task memory in MiB, as a number (V(512)) or a string (V('512'), V('1 GB')); must be valid with
            O(services[].cpu) on Fargate. Required with O(state=present).
        type: raw
      cpu_architecture:
        description:
          - CPU architecture of the task (C(runtimePlatform.cpuArchitecture)); the OS family is always C(LINUX).
        type: str
        choices: [X86_64, ARM64]
        default: X86_64
      container:
        description:
          - The (single) container of the task. Required with O(state=present).
        type: dict
        suboptions:
          name:
            description:
              - Container name. Defaults to O(services[].name).
            type: str
          image:
            description:
              - Image, pinned with a tag (C(repository:tag)) or a digest (C(repository@sha256:...)).
            type: str
            required: true
          port:
            description:
              - Port the container listens on (TCP port mapping).
            type: int
          command:
            description:
              - Command overriding the image's C(CMD).
            type: list
            elements: str
          environment:
            description:
              - Plain environment variables, name to value. Values are strings. Must not contain secrets; a name also in
                O(services[].container.secrets) is an error.
            type: dict
            default: {}
          secrets:
            description:
              - Environment variables read from a secret when the task starts, name to reference. A reference is the
                name or ARN of a Secrets Manager secret (an ARN may carry a C(:json-key:version-stage:version-id)
                suffix) or the ARN of an SSM parameter.
              - Secrets Manager names are resolved to the secret's ARN (C(DescribeSecret), never the value), which
                also checks that the secret exists. They become C(secrets[].valueFrom) of the container; no secret value
                is ever read by this module.
            type: dict
            default: {}
          essential:
            description:
              - Whether the task stops when this container stops.
            type: bool
            default: true
          health_check:
            description:
              - Container health check.
            type: dict
            suboptions:
              command:
                description:
                  - Health check command, for example V(["CMD-SHELL", "curl -f http://localhost:7007/ || exit 1"]).
                type: list
                elements: str
                required: true
              interval:
                description:
                  - Seconds between checks.
                type: int
                default: 30
              timeout:
                description:
                  - Seconds before a check fails.
                type: int
                default: 5
              retries:
                description:
                  - Failed checks before the container is unhealthy.
                type: int
                default: 3
              start_period:
                description:
                  - Seconds of grace after the container starts.
                type: int
      execution_role_arn:
        description:
          - Task execution role (pulls the image, reads the secrets, writes the logs). Required with O(state=present).
        type: str
      task_role_arn:
        description:
          - Task role (the application's own permissions).
        type: str
      log_group:
        description:
          - CloudWatch log group of the container (C(awslogs) driver, region of the module, stream prefix
            O(services[].name)). Defaults to C(/ecs/<cluster>/<name>). Created when missing.
        type: str
      log_retention_days:
        description:
          - Retention of the log group, one of the values CloudWatch Logs allows (1, 3, 5, 7, 14, 30, 60, 90, ...).
        type: int
        default: 30
      tags:
        description:
          - Tags of the service, its task definition, log group and scalable target, added to O(tags).
        type: dict
        default: {}
      subnets:
        description:
          - Subnets of the tasks. Required with O(state=present).
        type: list
        elements: str
      security_groups:
        description:
          - Security groups of the tasks. Required with O(state=present).
        type: list
        elements: str
      assign_public_ip:
        description:
          - Whether the tasks get a public IP address.
        type: bool
        default: false
      target_group_arn:
        description:
          - Target group (target type C(ip)) the tasks are registered in. Without it the service has no load balancer.
          - Its port must be the container port. Load balancers are updated in place (rolling-update services); a
            service with another deployment controller fails with a message saying so.
        type: str
      container_port:
        description:
          - Container port registered in the target group. Defaults to O(services[].container.port), which it must
            equal.
        type: int
      health_check_grace_period:
        description:
          - Seconds during which the scheduler ignores failing load balancer and container health checks of a new task.
        type: int
        default: 60
      desired_count:
        description:
          - Number of tasks of a B(new) service. Never applied to an existing service (see the module description).
        type: int
        default: 1
      deployment:
        description:
          - Rolling deployment settings. The circuit breaker with rollback is always on.
        type: dict
        suboptions:
          minimum_healthy_percent:
            description:
              - Lower limit of running tasks during a deployment, in percent of the desired count.
            type: int
            default: 100
          maximum_percent:
            description:
              - Upper limit of running tasks during a deployment, in percent of the desired count.
            type: int
            default: 200
      autoscaling:
        description:
          - Application Auto Scaling of the desired count (C(ecs:service:DesiredCount) of C(service/<cluster>/<name>))
            with one target-tracking policy on C(ECSServiceAverageCPUUtilization) named C(<name>-cpu-target-tracking).
          - Without it the scalable target and policies of the service are not managed (left as they are).
        type: dict
        suboptions:
          min_capacity:
            description:
              - Minimum desired count. See O(parked).
            type: int
            required: true
          max_capacity:
            description:
              - Maximum desired count. See O(parked).
            type: int
            required: true
          cpu_target:
            description:
              - Average CPU utilisation (percent) the policy keeps the service at.
            type: float
            default: 70.0
          scale_in_cooldown:
            description:
              - Seconds after a scale-in before another scale-in.
            type: int
            default: 300
          scale_out_cooldown:
            description:
              - Seconds after a scale-out before another scale-out.
            type: int
            default: 60
  task_definitions:
    description:
      - Standalone task definitions (one-off tasks such as a deployer or a database bootstrap), run with
        C(RunTask) by someone else. No service is created for them. The suboptions mean the same as for O(services).
      - Ignored with O(state=absent).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name of the task. Also the C(awslogs) stream prefix and the default container name.
        type: str
        required: true
      family:
        description:
          - Task definition family. Defaults to C(<cluster>-<name>).
        type: str
      cpu:
        description:
          - Task CPU units (a Fargate size). Required with O(state=present).
        type: raw
      memory:
        description:
          - Task memory in MiB. Required with O(state=present).
        type: raw
      cpu_architecture:
        description:
          - CPU architecture of the task.
        type: str
        choices: [X86_64, ARM64]
        default: X86_64
      container:
        description:
          - The (single) container of the task, as O(services[].container). Required with O(state=present).
        type: dict
        suboptions:
          name:
            description:
              - Container name. Defaults to O(task_definitions[].name).
            type: str
          image:
            description:
              - Image, pinned with a tag or a digest.
            type: str
            required: true
          port:
            description:
              - Port the container listens on.
            type: int
          command:
            description:
              - Command overriding the image's C(CMD).
            type: list
            elements: str
          environment:
            description:
              - Plain environment variables (no secrets).
            type: dict
            default: {}
          secrets:
            description:
              - Environment variables read from Secrets Manager or SSM, as O(services[].container.secrets).
            type: dict
            default: {}
          essential:
            description:
              - Whether the task stops when this container stops.
            type: bool
            default: true
          health_check:
            description:
              - Container health check, as O(services[].container.health_check).
            type: dict
            suboptions:
              command:
                description:
                  - Health check command.
                type: list
                elements: str
                required: true
              interval:
                description:
                  - Seconds between checks.
                type: int
                default: 30
              timeout:
                description:
                  - Seconds before a check fails.
                type: int
                default: 5
              retries:
                description:
                  - Failed checks before the container is unhealthy.
                type: int
                default: 3
              start_period:
                description:
                  - Seconds of grace after the container starts.
                type: int
      execution_role_arn:
        description:
          - Task execution role. Required with O(state=present).
        type: str
      task_role_arn:
        description:
          - Task role.
        type: str
      log_group:
        description:
          - CloudWatch log group of the container. Defaults to C(/ecs/<cluster>/<name>).
        type: str
      log_retention_days:
        description:
          - Retention of the log group in days.
        type: int
        default: 30
      tags:
        description:
          - Tags of the task definition and its log group, added to O(tags).
        type: dict
        default: {}
  pending_secret_values:
    description:
      - Names or ARNs of Secrets Manager secrets an earlier task of the same run writes (for example the database
        URLs the aurora role rewrites). Used in check mode only, where that write did not happen - such a secret
        counts as having a new value, so check mode predicts the new deployment a real run makes. A real run reads
        the versions as they are.
    type: list
    elements: str
    default: []
  wait:
    description:
      - Wait until the services created or updated by this run are stable (ECS waiter C(services_stable)), or with
        O(state=absent) until the deleted services are C(INACTIVE).
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait with O(wait=true).
    type: int
    default: 600
  tags:
    description:
      - Tags applied to every resource (cluster, services, task definitions, log groups, new scalable targets), with
        C(platform:managed-by=rocketclub.platform).
      - Scalable targets are tagged when they are registered; tags of existing scalable targets are not updated.
    type: dict
    default: {}
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags of the cluster, services, task definitions and log groups that are not in the merged tags.
        Tags starting with C(aws:) are never removed.
    type: bool
    default: true
notes:
  - Supports C(check_mode) and C(diff) mode. The diff holds the compared settings of each resource; secrets appear only
    as C(valueFrom) references. Check mode returns placeholders (C(pending:<kind>/<name>)) for what a real run would
    create - C(pending:ecs-cluster/<cluster>), C(pending:ecs-service/<cluster>/<name>),
    C(pending:task-definition/<family>:<revision>) (the revision RegisterTaskDefinition would create) and
    C(pending:scaling-policy/...) - so that later tasks can use them.
  - In check mode the ids of other roles' resources (O(services[].subnets), O(services[].security_groups),
    O(services[].target_group_arn), the role ARNs and Secrets Manager ARNs in O(services[].container.secrets), the
    same options of O(task_definitions)) may be placeholders of resources an earlier task would create. A
    placeholder differs from whatever exists (a service with one in its network configuration would be updated), is
    never sent to AWS (a placeholder target group is not described, a placeholder secret counts as a new version),
    and a real run refuses one.
  - Required permissions - C(ecs:*Cluster*), C(ecs:*TaskDefinition*), C(ecs:*Service*), C(ecs:TagResource),
    C(ecs:UntagResource), C(logs:DescribeLogGroups), C(logs:CreateLogGroup), C(logs:PutRetentionPolicy),
    C(logs:ListTagsForResource), C(logs:TagResource), C(logs:UntagResource), C(application-autoscaling:Describe*),
    C(application-autoscaling:RegisterScalableTarget), C(application-autoscaling:PutScalingPolicy),
    C(elasticloadbalancing:DescribeTargetGroups), C(secretsmanager:DescribeSecret) (never C(GetSecretValue)) and
    C(iam:PassRole) on the task roles.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Backstage and the Prefect API behind the ALB, plus the Prefect deployer task
  rocketclub.platform.ecs_services:
    cluster: prod-platform
    tags:
      platform:env: prod
    services:
      - name: backstage
        cpu: 1024
        memory: 2048
        container:
          image: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/backstage:1.42.0
          port: 7007
          environment:
            NODE_ENV: production
          secrets:
            BACKSTAGE_DATABASE_URL: prod/backstage/database-url
            AUTH_SESSION_SECRET: prod/backstage/session-secret
            GITHUB_TOKEN: prod/github/pat/blog_data_ci
            CIRCLECI_AUTH_TOKEN: prod/circleci/pat/backstage
        execution_role_arn: arn:aws:iam::123456789012:role/prod-backstage-execution
        task_role_arn: arn:aws:iam::123456789012:role/prod-backstage-task
        subnets: "{{ platform_network.private_app_subnet_ids }}"
        security_groups: ["{{ platform_network.ecs_security_group_id }}"]
        target_group_arn: "{{ platform_alb.target_groups.backstage.arn }}"
        autoscaling:
          min_capacity: 1
          max_capacity: 4
      - name: prefect-api
        cpu: 512
        memory: 1024
        container:
          image: prefecthq/prefect:3.4.1-python3.12
          port: 4200
          command: ["prefect", "server", "start", "--host", "0.0.0.0"]
          secrets:
            PREFECT_API_DATABASE_CONNECTION_URL: prod/prefect/database-url
        execution_role_arn: arn:aws:iam::123456789012:role/prod-prefect-execution
        task_role_arn: arn:aws:iam::123456789012:role/prod-prefect-task
        subnets: "{{ platform_network.private_app_subnet_ids }}"
        security_groups: ["{{ platform_network.ecs_security_group_id }}"]
        target_group_arn: "{{ platform_alb.target_groups.prefect.arn }}"
        autoscaling:
          min_capacity: 1
          max_capacity: 2
    task_definitions:
      - name: prefect-deployer
        cpu: 256
        memory: 512
        container:
          image: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/prefect-deployer:2025.06.1
          secrets:
            GITHUB_TOKEN: prod/github/pat/blog_data_ci
        execution_role_arn: arn:aws:iam::123456789012:role/prod-prefect-execution
    parked: "{{ platform_parked }}"
    wait: true
  register: ecs

- name: Publish the deployer task definition for CI
  ansible.builtin.debug:
    msg: "{{ ecs.task_definitions['prefect-deployer'] }}"

- name: Delete a service (its task definitions and log group stay)
  rocketclub.platform.ecs_services:
    cluster: prod-platform
    state: absent
    services:
      - name: prefect-api
"""

RETURN = r"""
log_groups:
  description:
    - Names of the CloudWatch log groups of every service and task definition of the run (created, or in check
      mode to be created, when missing). Empty with O(state=absent), which leaves the log groups in place.
  returned: always
  type: list
  elements: str
  sample: [/ecs/prod-platform/backstage, /ecs/prod-platform/prefect-deployer]
cluster_arn:
  description: ARN of the cluster (in check mode C(pending:ecs-cluster/<cluster>) when it is to be created).
  returned: always
  type: str
  sample: arn:aws:ecs:eu-west-2:123456789012:cluster/prod-platform
cluster_name:
  description: Name of the cluster.
  returned: always
  type: str
  sample: prod-platform
services:
  description: The services of O(services), keyed by name.
  returned: always
  type: dict
  sample:
    backstage:
      arn: arn:aws:ecs:eu-west-2:123456789012:service/prod-platform/backstage
      task_definition_arn: arn:aws:ecs:eu-west-2:123456789012:task-definition/prod-platform-backstage:3
      desired_count: 2
      running_count: 2
      status: ACTIVE
      load_balancers:
        - target_group_arn: arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/backstage/0123456789abcdef
          container_name: backstage
          container_port: 7007
      subnets: [subnet-0123456789abcdef0]
      security_groups: [sg-0123456789abcdef0]
      log_group: /ecs/prod-platform/backstage
      autoscaling:
        min_capacity: 1
        max_capacity: 4
        policy_name: backstage-cpu-target-tracking
        policy_arn: "arn:aws:autoscaling:eu-west-2:123456789012:scalingPolicy:...:\
          policyName/backstage-cpu-target-tracking"
  contains:
    arn:
      description: ARN of the service (in check mode C(pending:ecs-service/<cluster>/<name>) when it is to be created).
      returned: always
      type: str
      sample: arn:aws:ecs:eu-west-2:123456789012:service/prod-platform/backstage
    task_definition_arn:
      description:
        - Task definition the service runs (after the run). In check mode a revision to register is the placeholder
          C(pending:task-definition/<family>:<revision>), with the revision number RegisterTaskDefinition would give.
        - V(null) with O(state=absent) for a service that does not exist.
      returned: always
      type: str
      sample: arn:aws:ecs:eu-west-2:123456789012:task-definition/prod-platform-backstage:3
    desired_count:
      description:
        - Desired count of the service as found (O(services[].desired_count) for a new service, 0 with
          O(state=absent)).
      returned: always
      type: int
      sample: 2
    running_count:
      description: Running tasks as found (0 for a new service).
      returned: always
      type: int
      sample: 2
    status:
      description: Status of the service (C(ACTIVE); with O(state=absent) C(DRAINING) or C(INACTIVE)).
      returned: always
      type: str
      sample: ACTIVE
    load_balancers:
      description: Target groups of the service.
      returned: always
      type: list
      elements: dict
      sample:
        - target_group_arn: "arn:aws:elasticloadbalancing:..."
          container_name: backstage
          container_port: 7007
    subnets:
      description: Subnets of the tasks, sorted.
      returned: always
      type: list
      elements: str
      sample: [subnet-0123456789abcdef0]
    security_groups:
      description: Security groups of the tasks, sorted.
      returned: always
      type: list
      elements: str
      sample: [sg-0123456789abcdef0]
    log_group:
      description: Log group of the container (V(null) with O(state=absent)).
      returned: always
      type: str
      sample: /ecs/prod-platform/backstage
    autoscaling:
      description:
        - Scalable target and CPU policy, V(null) without O(services[].autoscaling) (or when it was left unregistered
          with O(parked=true)). O(parked=true) reports the minimum and maximum as found.
      returned: always
      type: dict
      sample:
        min_capacity: 1
        max_capacity: 4
        policy_name: backstage-cpu-target-tracking
        policy_arn: "arn:aws:autoscaling:..."
    new_deployment_for_secrets:
      description:
        - Names of the secrets whose version changed since the service was last deployed, which made this run (or,
          in check mode, would make it) force a new deployment. Empty when none did.
      returned: with O(state=present)
      type: list
      elements: str
      sample: [prod/circleci/pat/backstage]
parked:
  description: The value of O(parked) the run honoured.
  returned: always
  type: bool
  sample: false
task_definitions:
  description:
    - ARN of the task definition of each O(task_definitions) entry, keyed by name (check mode - see
      RV(services.task_definition_arn)).
  returned: always
  type: dict
  sample: {"prefect-deployer": "arn:aws:ecs:eu-west-2:123456789012:task-definition/prod-platform-prefect-deployer:7"}
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import autoscaling
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import cluster as clusters
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import log_groups
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import services
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import task_definitions
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import validation
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.context import EcsContext
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.context import dependency_problem
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.secret_versions import SecretReferences
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags

# Options of a service or task definition that hold ids of other roles' resources: check-mode placeholders there.
ID_OPTIONS = ("execution_role_arn", "task_role_arn", "subnets", "security_groups", "target_group_arn")


def placeholder_inputs(params):
    """``{option: value}`` of every input that may be a check-mode placeholder (``pending:<kind>/<name>``)."""
    found = {}
    for kind in ("services", "task_definitions"):
        for item in params.get(kind) or []:
            for key in ID_OPTIONS:
                if item.get(key):
                    found[f"{kind}[{item['name']}].{key}"] = item[key]
            for env, ref in sorted(((item.get("container") or {}).get("secrets") or {}).items()):
                found[f"{kind}[{item['name']}].container.secrets.{env}"] = ref
    return found


class EcsServices:
    """One run: every read first (problems collected), then the writes, resource by resource (module_utils/ecs/)."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.cluster = module.params["cluster"]
        self.parked = module.params["parked"]
        self.ctx = EcsContext(module)
        self.secrets = SecretReferences(self.ctx)

    def item_tags(self, item):
        return desired_tags(self.params["tags"], item.get("tags"))

    def plan_items(self, items, found_services):
        """Everything known before the first write, one entry per service / task definition."""
        ctx = self.ctx
        value_froms = self.secrets.resolve(items)
        groups = log_groups.describe_log_groups(
            ctx, [log_groups.log_group_of(item, self.cluster) for _k, item in items]
        )
        entries = []
        for kind, item in items:
            desired_td = task_definitions.task_definition_params(
                item, self.cluster, self.module.region, value_froms[item["name"]]
            )
            current_td = task_definitions.describe_task_definition(ctx, desired_td["family"])
            register = task_definitions.task_definition_view(current_td) != task_definitions.task_definition_view(
                desired_td
            )
            entry = {
                "kind": kind,
                "item": item,
                "tags": self.item_tags(item),
                "desired_td": desired_td,
                "current_td": current_td,
                "register": register,
                "predicted_td_arn": None,
                "service": found_services.get(item["name"]) if kind == "services" else None,
                "target": None,
                "policy": None,
                "log_group_name": log_groups.log_group_of(item, self.cluster),
            }
            entry["log_group"] = groups[entry["log_group_name"]]
            if register and self.check_mode:
                revision = task_definitions.next_revision(ctx, desired_td["family"], current_td)
                entry["predicted_td_arn"] = pending_id("task-definition", f"{desired_td['family']}:{revision}")
            service = entry["service"]
            if service is not None:
                if service.get("status") == "DRAINING":
                    ctx.errors.append(
                        f"services[{item['name']}]: the service is being deleted (DRAINING); "
                        "converge again once it is INACTIVE"
                    )
                ctx.errors.extend(
                    services.service_update(service, services.service_params(item, self.cluster, None))[1]
                )
            if kind == "services":
                entry["service_tags"], entry["redeploy"] = self.secrets.plan_service(
                    item, service, entry["tags"], self.parked
                )
            else:
                self.secrets.warn_empty_for_task_definition(item)
            entries.append(entry)
        return entries

    def converge_entry(self, entry):
        """Log group, task definition and (for a service) service and autoscaling of one entry.

        Returns ``(changed, diff before, diff after, result)``; the result is the task definition ARN of a
        standalone task definition, the ``services`` entry of a service.
        """
        ctx, item, name = self.ctx, entry["item"], entry["item"]["name"]
        log_changed, log_after = log_groups.ensure_log_group(
            ctx, entry["log_group"], entry["log_group_name"], item["log_retention_days"], entry["tags"]
        )
        td_changed, td_arn, td_tags = task_definitions.ensure_task_definition(
            ctx, entry["current_td"], entry["desired_td"], entry["tags"], entry["register"], entry["predicted_td_arn"]
        )
        before = {
            "task_definition": task_definitions.task_definition_before(entry["current_td"]),
            "log_group": log_groups.log_group_before(entry["log_group"]),
        }
        after = {
            "task_definition": dict(
                task_definitions.task_definition_view(entry["desired_td"]), arn=td_arn, tags=td_tags
            ),
            "log_group": log_after,
        }
        if entry["kind"] == "task_definitions":
            return log_changed or td_changed, before, after, td_arn

        current = entry["service"]
        service_changed, service, service_after, tags = services.ensure_service(
            ctx, item, current, td_arn, entry["service_tags"], entry["redeploy"]
        )
        scaling_changed, scaling, configuration = autoscaling.ensure_autoscaling(
            ctx, item, entry["target"], entry["policy"], current is not None, entry["tags"], self.parked
        )
        before["service"] = dict(services.service_view(current), tags=as_dict(current.get("tags"))) if current else None
        before["autoscaling"] = autoscaling.autoscaling_before(entry["target"], entry["policy"])
        after["service"] = dict(services.service_view(service_after), tags=tags)
        if entry["redeploy"]:
            after["service"]["new_deployment_for_secrets"] = entry["redeploy"]
        after["autoscaling"] = autoscaling.autoscaling_view(
            (scaling or {}).get("min_capacity"), (scaling or {}).get("max_capacity"), configuration
        )
        if service is None:  # check mode: a service to be created
            service = {"serviceArn": pending_id("ecs-service", f"{self.cluster}/{name}")}
        result = services.service_result(
            service, services.service_view(service_after), item["desired_count"], entry["log_group_name"], scaling
        )
        result["new_deployment_for_secrets"] = entry["redeploy"]
        entry["service_changed"] = service_changed
        return log_changed or td_changed or service_changed or scaling_changed, before, after, result

    def wait(self, waiter_name, names):
        if not self.check_mode and self.params["wait"]:
            services.wait_for(self.ctx, waiter_name, names, self.params["wait_timeout"])

    def run_present(self):
        ctx, params = self.ctx, self.params
        items = [("services", s) for s in params["services"]] + [
            ("task_definitions", t) for t in params["task_definitions"]
        ]
        cluster = clusters.describe_cluster(ctx)
        found_services = services.describe_services(ctx, [s["name"] for s in params["services"]]) if cluster else {}
        services.check_target_groups(ctx, params["services"])
        entries = self.plan_items(items, found_services)
        if cluster:
            targets, policies = autoscaling.describe_autoscaling(
                ctx, [s["name"] for s in params["services"] if s.get("autoscaling")]
            )
            for entry in entries:
                entry["target"], entry["policy"] = (
                    targets.get(entry["item"]["name"]),
                    policies.get(entry["item"]["name"]),
                )
        if ctx.errors:
            self.module.fail_json(msg="Invalid input: " + "; ".join(ctx.errors), errors=ctx.errors)

        changed, cluster_after = clusters.ensure_cluster(
            ctx, cluster, params["container_insights"], desired_tags(params["tags"])
        )
        before = {"cluster": clusters.cluster_view(cluster), "services": {}, "task_definitions": {}}
        after = {"cluster": clusters.cluster_view(cluster_after), "services": {}, "task_definitions": {}}
        result = {
            "cluster_arn": cluster_after.get("clusterArn"),
            "cluster_name": self.cluster,
            "services": {},
            "task_definitions": {},
            "parked": self.parked,
        }
        for entry in entries:
            kind, name = entry["kind"], entry["item"]["name"]
            entry_changed, before[kind][name], after[kind][name], result[kind][name] = self.converge_entry(entry)
            changed |= entry_changed
        result["log_groups"] = sorted({entry["log_group_name"] for entry in entries})
        self.wait("services_stable", [e["item"]["name"] for e in entries if e.get("service_changed")])
        return dict(result, changed=changed, diff={"before": before, "after": after})

    def run_absent(self):
        ctx, names = self.ctx, [s["name"] for s in self.params["services"]]
        cluster = clusters.describe_cluster(ctx)
        found = services.describe_services(ctx, names) if cluster else {}
        result = {
            "cluster_arn": (cluster or {}).get("clusterArn"),
            "cluster_name": self.cluster,
            "services": {},
            "task_definitions": {},
            "log_groups": [],
            "parked": self.parked,
        }
        before, after = {"services": {}}, {"services": {}}
        for name in names:
            service = found.get(name)
            before["services"][name] = services.service_view(service)
            after["services"][name] = None
            if service is not None and not self.check_mode:
                service = services.delete_service(ctx, name, service)
            entry = services.service_result(service, services.service_view(service or {}), 0, None, None)
            status = "INACTIVE" if service is None else "DRAINING" if self.check_mode else service.get("status")
            result["services"][name] = dict(entry, desired_count=0, status=status)
        deleted = [n for n in names if found.get(n) is not None]
        self.wait("services_inactive", deleted)
        return dict(result, changed=bool(deleted), diff={"before": before, "after": after})


def main():
    container_options = dict(
        name=dict(type="str"),
        image=dict(type="str", required=True),
        port=dict(type="int"),
        command=dict(type="list", elements="str"),
        environment=dict(type="dict", default={}),
        secrets=dict(type="dict", default={}, no_log=False),
        essential=dict(type="bool", default=True),
        health_check=dict(
            type="dict",
            options=dict(
                command=dict(type="list", elements="str", required=True),
                interval=dict(type="int", default=30),
                timeout=dict(type="int", default=5),
                retries=dict(type="int", default=3),
                start_period=dict(type="int"),
            ),
        ),
    )
    task_options = dict(
        name=dict(type="str", required=True),
        family=dict(type="str"),
        cpu=dict(type="raw"),
        memory=dict(type="raw"),
        cpu_architecture=dict(type="str", choices=["X86_64", "ARM64"], default="X86_64"),
        container=dict(type="dict", options=container_options),
        execution_role_arn=dict(type="str"),
        task_role_arn=dict(type="str"),
        log_group=dict(type="str"),
        log_retention_days=dict(type="int", default=30),
        tags=dict(type="dict", default={}),
    )
    service_options = dict(
        task_options,
        subnets=dict(type="list", elements="str"),
        security_groups=dict(type="list", elements="str"),
        assign_public_ip=dict(type="bool", default=False),
        target_group_arn=dict(type="str"),
        container_port=dict(type="int"),
        health_check_grace_period=dict(type="int", default=60),
        desired_count=dict(type="int", default=1),
        deployment=dict(
            type="dict",
            apply_defaults=True,
            options=dict(
                minimum_healthy_percent=dict(type="int", default=100), maximum_percent=dict(type="int", default=200)
            ),
        ),
        autoscaling=dict(
            type="dict",
            options=dict(
                min_capacity=dict(type="int", required=True),
                max_capacity=dict(type="int", required=True),
                cpu_target=dict(type="float", default=70.0),
                scale_in_cooldown=dict(type="int", default=300),
                scale_out_cooldown=dict(type="int", default=60),
            ),
        ),
    )
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        container_insights=dict(type="bool", default=True),
        services=dict(type="list", elements="dict", default=[], options=service_options),
        task_definitions=dict(type="list", elements="dict", default=[], options=task_options),
        parked=dict(type="bool", default=False),
        pending_secret_values=dict(type="list", elements="str", default=[], no_log=False),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        tags=dict(type="dict", default={}, aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    errors = validation.validate(module.params)
    for message in validation.missing_dependencies(module.params):
        dependency_problem(module, errors, message)
    if errors:
        module.fail_json(msg="Invalid input: " + "; ".join(errors), errors=errors)
    fail_if_pending(module, **placeholder_inputs(module.params))

    runner = EcsServices(module)
    try:
        result = runner.run_present() if module.params["state"] == "present" else runner.run_absent()
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage the ECS services of cluster {module.params['cluster']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
