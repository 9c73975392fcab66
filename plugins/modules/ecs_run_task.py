# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_run_task
version_added: 0.1.0
short_description: Run a one-off ECS Fargate task and wait until it has stopped
description:
  - Runs one task of a task definition on Fargate (a database bootstrap, a migration, any one-off job),
    waits until ECS reports it C(STOPPED) and judges the result from the stop code and the exit codes
    of its essential containers.
  - Fails when the task does not stop successfully, with the stopped reason and the reasons of the
    containers in the message. The environment, secrets and overrides of the task are never returned.
  - Does not start a second task while a task of the same family started with the same O(started_by)
    has not stopped yet, for example after an earlier run timed out; it waits for that task instead.
  - Unlike M(community.aws.ecs_task), which returns as soon as the task is C(RUNNING), this tells a
    successful one-off job from a failed one.
author:
  - rocketclub platform team (@rocketclub)
options:
  cluster:
    description: Name or ARN of the ECS cluster to run the task in.
    type: str
    required: true
  task_definition:
    description:
      - The task definition to run, as C(family) (its latest C(ACTIVE) revision), C(family:revision) or ARN.
      - It must use the C(awsvpc) network mode and be compatible with Fargate.
    type: str
    required: true
  subnets:
    description: Subnets of the task's network interface.
    type: list
    elements: str
    required: true
  security_groups:
    description: Security groups of the task's network interface.
    type: list
    elements: str
    required: true
  assign_public_ip:
    description: Give the task a public IP address (needed in public subnets without a NAT gateway).
    type: bool
    default: false
  started_by:
    description:
      - The C(startedBy) value of the task; with the family it identifies a task this module started and
        may wait for instead of starting another one.
      - 1 to 128 letters, digits, C(-), C(/) or C(_). ECS rejects dots.
    type: str
    default: rocketclub-platform
  tags:
    description: Tags of the task, in addition to C(platform:managed-by=rocketclub.platform).
    type: dict
    default: {}
    aliases: ["resource_tags"]
  wait_timeout:
    description:
      - How many seconds to wait for the task to stop. The task keeps running after a timeout; running the
        module again waits for it instead of starting another one.
    type: int
    default: 600
  succeed_exit_codes:
    description: Exit codes of the essential containers that count as success.
    type: list
    elements: int
    default: [0]
notes:
  - Running a one-off task is a change, so the module reports C(changed=true) whenever it starts one and
    C(changed=false) when it only waited for a task already running. Guard the task with a condition if
    it should run once only.
  - Supports C(check_mode). It starts nothing; it returns the task definition ARN it would run, or the
    task it would wait for, and reports C(changed) exactly when a real run would start a task.
  - In check mode O(cluster), O(task_definition), O(subnets) and O(security_groups) may be check-mode placeholders
    (C(pending:<kind>/<name>)) of resources an earlier task would create, for example the
    C(pending:task-definition/<family>:<revision>) of M(rocketclub.platform.ecs_services). The task that a real run
    would start is then predicted without describing them. A real run refuses placeholders.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Bootstrap the database (create roles and schemas) and wait for the result
  rocketclub.platform.ecs_run_task:
    cluster: platform
    task_definition: platform-db-bootstrap
    subnets: "{{ platform_network.private_subnet_ids }}"
    security_groups: ["{{ platform_network.db_client_sg_id }}"]
    wait_timeout: 900
  register: bootstrap

- name: Show the exit codes
  ansible.builtin.debug:
    msg: "{{ bootstrap.containers | items2dict(key_name='name', value_name='exit_code') }}"
"""

RETURN = r"""
task_arn:
  description: ARN of the task started or waited for (V(null) in check mode when a task would be started).
  returned: always
  type: str
  sample: arn:aws:ecs:eu-west-2:123456789012:task/platform/0123456789abcdef0123456789abcdef
task_definition_arn:
  description: ARN of the task definition revision of the task (in check mode, the revision that would run).
  returned: always
  type: str
  sample: arn:aws:ecs:eu-west-2:123456789012:task-definition/platform-db-bootstrap:3
last_status:
  description: Last status of the task reported by ECS, C(STOPPED) unless the wait timed out.
  returned: always
  type: str
  sample: STOPPED
stop_code:
  description: Why the task stopped (C(EssentialContainerExited) for a task that ran to its end).
  returned: always
  type: str
  sample: EssentialContainerExited
stopped_reason:
  description: The stopped reason reported by ECS.
  returned: always
  type: str
  sample: Essential container in task exited
containers:
  description: The containers of the task, sorted by name.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "bootstrap", "exit_code": 0, "reason": null, "last_status": "STOPPED"}]
  contains:
    name:
      description: Container name.
      returned: always
      type: str
      sample: bootstrap
    exit_code:
      description: Exit code of the container, V(null) when it did not run to an end.
      returned: always
      type: int
      sample: 0
    reason:
      description: Why the container stopped, as reported by ECS.
      returned: always
      type: str
      sample: null
    last_status:
      description: Last status of the container.
      returned: always
      type: str
      sample: STOPPED
started:
  description: Whether the module started a task (in check mode, would start one).
  returned: always
  type: bool
  sample: true
waited_seconds:
  description: Seconds spent waiting for the task to stop.
  returned: always
  type: int
  sample: 42
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import tasks as ecs_tasks
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.task_definitions import arn_family
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import chunks
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags


class TaskRunner:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.cluster = module.params["cluster"]
        self.ecs = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())

    def describe_task_definition(self, ref):
        """The task definition (only its ARN, family and essential containers are used), or fail."""
        try:
            found = self.ecs.describe_task_definition(taskDefinition=ref, aws_retry=True)["taskDefinition"]
        except is_boto3_error_code("ClientException"):
            self.module.fail_json(
                msg=f"task_definition {ref} not found: register it first, or give an existing family, "
                "family:revision or ARN"
            )
        if found.get("status") == "INACTIVE":
            self.module.fail_json(
                msg=f"task_definition {found['taskDefinitionArn']} is INACTIVE (deregistered): run an ACTIVE revision"
            )
        return found

    def describe_tasks(self, arns):
        tasks = []
        for batch in chunks(arns, ecs_tasks.DESCRIBE_TASKS_BATCH):
            tasks.extend(self.ecs.describe_tasks(cluster=self.cluster, tasks=batch, aws_retry=True)["tasks"])
        return tasks

    def running_task(self, family):
        """The task of the family this module (same started_by) started and that has not stopped, or None."""
        # ListTasks rejects startedBy together with any other filter: match the family in DescribeTasks.
        try:
            arns = paginate(
                self.ecs, "list_tasks", "taskArns", cluster=self.cluster, startedBy=self.params["started_by"]
            )
        except is_boto3_error_code("ClusterNotFoundException"):
            return None  # no cluster, no task (check mode before the cluster exists; RunTask names the problem)
        return ecs_tasks.find_running(self.describe_tasks(arns), family, self.params["started_by"])

    def run_task(self, task_definition_arn):
        p = self.params
        response = self.ecs.run_task(
            aws_retry=True,
            cluster=self.cluster,
            taskDefinition=task_definition_arn,
            launchType="FARGATE",
            count=1,
            startedBy=p["started_by"],
            networkConfiguration=ecs_tasks.network_configuration(
                p["subnets"], p["security_groups"], p["assign_public_ip"]
            ),
            tags=ansible_dict_to_boto3_tag_list(desired_tags(p["tags"]), "key", "value"),
        )
        if not response.get("tasks"):
            failures = "; ".join(
                f"{f.get('arn', '')} {f.get('reason', '')} {f.get('detail', '')}".strip()
                for f in response.get("failures", [])
            )
            self.module.fail_json(
                msg=f"ECS did not start a task of {task_definition_arn}: {failures or 'no reason given'}", changed=False
            )
        return response["tasks"][0]

    def describe_one(self, arn):
        return next(iter(self.describe_tasks([arn])), None)

    def run(self):
        ref = self.params["task_definition"]
        if is_pending(ref):
            # Check mode: the revision an earlier task would register (pending:task-definition/<family>:<revision>).
            task_definition = {"taskDefinitionArn": ref, "family": arn_family(ref)}
        else:
            task_definition = self.describe_task_definition(ref)
        td_arn = task_definition["taskDefinitionArn"]
        # Check mode with a cluster an earlier task would create: nothing runs in it yet.
        task = None if is_pending(self.cluster) else self.running_task(task_definition["family"])
        started = task is None
        result = dict(changed=started, started=started, waited_seconds=0)
        if task is not None and task["taskDefinitionArn"] != td_arn:
            self.module.warn(
                f"Waiting for task {task['taskArn']} of {task['taskDefinitionArn']} already running "
                f"instead of starting {td_arn}"
            )
        if self.module.check_mode:
            return dict(result, **ecs_tasks.task_view(task or {"taskDefinitionArn": td_arn}))
        if started:
            task = self.run_task(td_arn)
        arn = task["taskArn"]
        stopped, result["waited_seconds"] = ecs_tasks.wait_until_stopped(
            lambda: self.describe_one(arn), self.params["wait_timeout"]
        )
        result.update(ecs_tasks.task_view(stopped or task))
        if stopped is None:
            self.module.fail_json(
                msg=f"ECS no longer reports task {arn} of cluster {self.cluster}: its result is unknown", **result
            )
        if stopped.get("lastStatus") != ecs_tasks.STOPPED:
            self.module.fail_json(
                msg=f"Task {arn} did not stop within wait_timeout={self.params['wait_timeout']} seconds "
                f"(last status {stopped.get('lastStatus')}) and keeps running. Run this again to wait for it "
                "(no second task is started while it runs), or stop it with "
                f"'aws ecs stop-task --cluster {self.cluster} --task {arn}'",
                **result,
            )
        if stopped["taskDefinitionArn"] != td_arn:
            task_definition = self.describe_task_definition(stopped["taskDefinitionArn"])
        problems = ecs_tasks.task_problems(
            stopped, ecs_tasks.essential_names(task_definition), self.params["succeed_exit_codes"]
        )
        if problems:
            self.module.fail_json(msg=ecs_tasks.failure_message(stopped, problems), **result)
        return result


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        task_definition=dict(type="str", required=True),
        subnets=dict(type="list", elements="str", required=True),
        security_groups=dict(type="list", elements="str", required=True),
        assign_public_ip=dict(type="bool", default=False),
        started_by=dict(type="str", default="rocketclub-platform"),
        tags=dict(type="dict", default={}, aliases=["resource_tags"]),
        wait_timeout=dict(type="int", default=600),
        succeed_exit_codes=dict(type="list", elements="int", default=[0]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    errors = ecs_tasks.validate(module.params)
    if errors:
        module.fail_json(msg="Invalid input: " + "; ".join(errors), errors=errors)
    p = module.params
    ids = ("cluster", "task_definition", "subnets", "security_groups")
    fail_if_pending(module, **{option: p[option] for option in ids})
    try:
        result = TaskRunner(module).run()
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(
            e,
            msg=(
                f"Failed to run task definition {module.params['task_definition']} "
                f"in cluster {module.params['cluster']}"
            ),
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
