# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Table-driven tests of the ECS compare/plan logic (no AWS involved)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import autoscaling
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import log_groups
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import services
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import task_definitions

REGION = "eu-west-2"
TD_ARN = "arn:aws:ecs:eu-west-2:123456789012:task-definition/prod-backstage:4"
TG_ARN = "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/backstage/0123456789abcdef"


def service_item(**changes):
    item = {
        "name": "backstage",
        "cpu": 1024,
        "memory": "2 GB",
        "container": {
            "image": "example/backstage:1.0.0",
            "port": 7007,
            "environment": {"B": "2", "A": 1, "FLAG": True},
            "secrets": {"DB_URL": "arn:aws:secretsmanager:eu-west-2:123456789012:secret:prod/db-AbCdEf"},
            "health_check": {
                "command": ["CMD-SHELL", "true"],
                "interval": 30,
                "timeout": 5,
                "retries": 3,
                "start_period": None,
            },
        },
        "execution_role_arn": "arn:aws:iam::123456789012:role/exec",
        "task_role_arn": None,
        "subnets": ["subnet-b", "subnet-a"],
        "security_groups": ["sg-1"],
        "assign_public_ip": False,
        "target_group_arn": TG_ARN,
        "container_port": None,
        "health_check_grace_period": 60,
        "deployment": {"minimum_healthy_percent": 100, "maximum_percent": 200},
        "autoscaling": None,
        "tags": {},
    }
    item.update(changes)
    return item


def aws_task_definition(params):
    """What DescribeTaskDefinition returns for RegisterTaskDefinition params: AWS (and moto) fill in defaults."""
    described = copy.deepcopy(params)
    described.update(
        taskDefinitionArn=TD_ARN,
        revision=4,
        status="ACTIVE",
        volumes=[],
        placementConstraints=[],
        compatibilities=["EC2", "FARGATE"],
        registeredAt="2025-01-01T00:00:00Z",
        registeredBy="arn:aws:sts::123456789012:assumed-role/ci",
        requiresAttributes=[{"name": "x"}],
    )
    for container in described["containerDefinitions"]:
        container.update(cpu=0, mountPoints=[], volumesFrom=[], systemControls=[])
        container["environment"].reverse()
        container["secrets"].reverse()
        for mapping in container.get("portMappings", []):
            mapping["hostPort"] = mapping["containerPort"]
        container["logConfiguration"]["secretOptions"] = []
    return described


def aws_service(params, **changes):
    """What DescribeServices returns for CreateService params."""
    described = copy.deepcopy(params)
    described.pop("cluster")
    described["deploymentConfiguration"]["alarms"] = {"alarmNames": [], "enable": False, "rollback": False}
    described["networkConfiguration"]["awsvpcConfiguration"]["subnets"].reverse()
    described.update(
        serviceArn="arn:aws:ecs:eu-west-2:123456789012:service/prod/backstage",
        status="ACTIVE",
        desiredCount=3,
        runningCount=3,
        pendingCount=0,
        deployments=[{"id": "ecs-svc/1"}],
        events=[],
        deploymentController={"type": "ECS"},
        schedulingStrategy="REPLICA",
    )
    described.update(changes)
    return described


@pytest.mark.parametrize(
    "value, unit, expected",
    [
        (256, "vcpu", 256),
        ("512", "vcpu", 512),
        ("0.25 vCPU", "vcpu", 256),
        ("2 vcpu", "vcpu", 2048),
        ("1 GB", "gb", 1024),
        ("0.5GB", "gb", 512),
        ("3072", "gb", 3072),
        ("1 GB", "vcpu", None),
        ("1.5", "vcpu", None),
        ("lots", "gb", None),
        (None, "gb", None),
        (True, "gb", None),
    ],
)
def test_parse_size(value, unit, expected):
    assert task_definitions.parse_size(value, unit) == expected


def test_names_and_arns():
    item = {"name": "api", "container": {"port": 80}}
    assert task_definitions.family_of(item, "prod") == "prod-api"
    assert task_definitions.family_of(dict(item, family="custom"), "prod") == "custom"
    assert log_groups.log_group_of(item, "prod") == "/ecs/prod/api"
    assert task_definitions.container_name_of(item) == "api"
    assert task_definitions.container_port_of(item) == 80
    assert task_definitions.container_port_of(dict(item, container_port=8080)) == 8080
    assert autoscaling.resource_id("prod", "api") == "service/prod/api"
    assert autoscaling.policy_name_of("api") == "api-cpu-target-tracking"
    assert task_definitions.arn_revision(TD_ARN) == 4
    assert task_definitions.arn_family(TD_ARN) == "prod-backstage"
    assert task_definitions.with_revision(TD_ARN, 5) == TD_ARN[:-1] + "5"
    assert task_definitions.with_revision("prod-backstage", 1) == "prod-backstage:1"


def test_text_map_makes_strings():
    assert task_definitions.text_map({"A": 1, "B": True, "C": False, "D": "x"}) == {
        "A": "1",
        "B": "true",
        "C": "false",
        "D": "x",
    }


def test_task_definition_params():
    params = task_definitions.task_definition_params(service_item(), "prod", REGION, {"DB_URL": "arn:resolved"})
    assert params["family"] == "prod-backstage"
    assert (params["cpu"], params["memory"]) == ("1024", "2048")
    assert "taskRoleArn" not in params
    container = params["containerDefinitions"][0]
    assert container["environment"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "2"},
        {"name": "FLAG", "value": "true"},
    ]
    assert container["secrets"] == [{"name": "DB_URL", "valueFrom": "arn:resolved"}]
    assert container["portMappings"] == [{"containerPort": 7007, "protocol": "tcp"}]
    assert container["logConfiguration"]["options"] == {
        "awslogs-group": "/ecs/prod/backstage",
        "awslogs-region": REGION,
        "awslogs-stream-prefix": "backstage",
    }
    assert container["healthCheck"] == {"command": ["CMD-SHELL", "true"], "interval": 30, "timeout": 5, "retries": 3}
    assert "command" not in container


def test_task_definition_view_ignores_what_aws_fills_in():
    params = task_definitions.task_definition_params(service_item(), "prod", REGION)
    assert task_definitions.task_definition_view(aws_task_definition(params)) == task_definitions.task_definition_view(
        params
    )
    assert task_definitions.task_definition_view(None) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"container": dict(service_item()["container"], image="example/backstage:1.0.1")},
        {"container": dict(service_item()["container"], environment={"A": "1"})},
        {"container": dict(service_item()["container"], secrets={})},
        {"container": dict(service_item()["container"], command=["node", "index.js"])},
        {"container": dict(service_item()["container"], health_check=None)},
        {"cpu": "2 vCPU", "memory": 4096},
        {"cpu_architecture": "ARM64"},
        {"task_role_arn": "arn:aws:iam::123456789012:role/task"},
        {"log_group": "/custom"},
    ],
)
def test_task_definition_view_sees_every_managed_setting(changes):
    current = aws_task_definition(task_definitions.task_definition_params(service_item(), "prod", REGION))
    desired = task_definitions.task_definition_params(service_item(**changes), "prod", REGION)
    assert task_definitions.task_definition_view(current) != task_definitions.task_definition_view(desired)


def test_task_definition_with_extra_container_differs():
    params = task_definitions.task_definition_params(service_item(), "prod", REGION)
    current = aws_task_definition(params)
    current["containerDefinitions"].append(dict(current["containerDefinitions"][0], name="sidecar"))
    assert isinstance(task_definitions.task_definition_view(current)["container"], list)
    assert task_definitions.task_definition_view(current) != task_definitions.task_definition_view(params)


def test_service_params():
    params = services.service_params(service_item(), "prod", TD_ARN)
    assert params["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": ["subnet-a", "subnet-b"],
        "securityGroups": ["sg-1"],
        "assignPublicIp": "DISABLED",
    }
    assert params["loadBalancers"] == [{"targetGroupArn": TG_ARN, "containerName": "backstage", "containerPort": 7007}]
    assert params["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (
        params["launchType"],
        params["platformVersion"],
        params["propagateTags"],
        params["enableExecuteCommand"],
    ) == ("FARGATE", "LATEST", "SERVICE", False)
    assert "desiredCount" not in params
    assert services.service_params(service_item(target_group_arn=None), "prod", TD_ARN)["loadBalancers"] == []


def test_unchanged_service_needs_no_update_whatever_its_desired_count():
    desired = services.service_params(service_item(), "prod", TD_ARN)
    assert services.service_update(aws_service(desired, desiredCount=0), desired) == ({}, [])
    assert services.service_update(aws_service(desired, desiredCount=7), desired) == ({}, [])


@pytest.mark.parametrize(
    "changes, parameters",
    [
        ({}, ["taskDefinition"]),
        ({"subnets": ["subnet-c"]}, ["networkConfiguration", "taskDefinition"]),
        ({"assign_public_ip": True}, ["networkConfiguration", "taskDefinition"]),
        ({"target_group_arn": TG_ARN + "0"}, ["loadBalancers", "taskDefinition"]),
        ({"target_group_arn": None}, ["loadBalancers", "taskDefinition"]),
        (
            {"deployment": {"minimum_healthy_percent": 50, "maximum_percent": 200}},
            ["deploymentConfiguration", "taskDefinition"],
        ),
        ({"health_check_grace_period": 0}, ["healthCheckGracePeriodSeconds", "taskDefinition"]),
    ],
)
def test_service_update_sends_only_what_differs(changes, parameters):
    current = aws_service(services.service_params(service_item(), "prod", TD_ARN))
    desired = services.service_params(service_item(**changes), "prod", task_definitions.with_revision(TD_ARN, 5))
    params, errors = services.service_update(current, desired)
    assert errors == []
    assert sorted(params) == sorted(["cluster", "service"] + parameters)
    assert "desiredCount" not in params
    assert params["taskDefinition"] == task_definitions.with_revision(TD_ARN, 5)


def test_service_created_before_without_deployment_settings_is_updated():
    desired = services.service_params(service_item(), "prod", TD_ARN)
    current = aws_service(desired)
    del current["deploymentConfiguration"], current["healthCheckGracePeriodSeconds"]
    params, dummy = services.service_update(current, desired)
    assert sorted(params) == ["cluster", "deploymentConfiguration", "healthCheckGracePeriodSeconds", "service"]


def test_service_update_refuses_what_ecs_cannot_do_in_place():
    desired = services.service_params(service_item(), "prod", TD_ARN)
    moved = services.service_params(service_item(target_group_arn=TG_ARN + "0"), "prod", TD_ARN)
    code_deploy = aws_service(desired, deploymentController={"type": "CODE_DEPLOY"})
    assert services.service_update(code_deploy, desired) == ({}, [])
    dummy, errors = services.service_update(code_deploy, moved)
    assert errors == [
        "services[backstage].target_group_arn: the service uses the CODE_DEPLOY deployment controller, "
        "with which ECS cannot update load balancers in place (only rolling-update services can); "
        "delete the service (state=absent) and converge again"
    ]
    dummy, errors = services.service_update(aws_service(desired, launchType="EC2"), desired)
    assert len(errors) == 1 and errors[0].startswith(
        "services[backstage]: the service uses launch type EC2, not FARGATE"
    )


def test_service_result():
    desired = services.service_params(service_item(), "prod", TD_ARN)
    view = services.service_view(desired)
    created = services.service_result(None, view, 2, "/ecs/prod/backstage", None)
    assert created["desired_count"] == 2 and created["running_count"] == 0 and created["arn"] is None
    assert created["load_balancers"] == [
        {"target_group_arn": TG_ARN, "container_name": "backstage", "container_port": 7007}
    ]
    existing = services.service_result(aws_service(desired, desiredCount=0), view, 2, "/ecs/prod/backstage", None)
    assert existing["desired_count"] == 0
    assert services.service_result(None, None, 0, None, None)["subnets"] == []


SCALING = {"min_capacity": 1, "max_capacity": 4, "cpu_target": 70.0, "scale_in_cooldown": 300, "scale_out_cooldown": 60}


def target(min_capacity, max_capacity):
    return {"ResourceId": "service/prod/backstage", "MinCapacity": min_capacity, "MaxCapacity": max_capacity}


def policy(**changes):
    configuration = dict(autoscaling.policy_configuration(SCALING), **changes)
    return {
        "PolicyName": "backstage-cpu-target-tracking",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": configuration,
    }


@pytest.mark.parametrize(
    "current_target, current_policy, exists, parked, register, put_policy, capacity_after",
    [
        # new service: target and policy created, parked or not
        (None, None, False, False, {"MinCapacity": 1, "MaxCapacity": 4, "create": True}, True, (1, 4)),
        (None, None, False, True, {"MinCapacity": 1, "MaxCapacity": 4, "create": True}, True, (1, 4)),
        # converged: nothing to do
        (target(1, 4), policy(), True, False, None, False, (1, 4)),
        # parked (0/0): parked=false restores, parked=true keeps
        (target(0, 0), policy(), True, False, {"MinCapacity": 1, "MaxCapacity": 4, "create": False}, False, (1, 4)),
        (target(0, 0), policy(), True, True, None, False, (0, 0)),
        # the policy converges either way
        (target(0, 0), policy(TargetValue=50.0), True, True, None, True, (0, 0)),
        (target(1, 4), policy(ScaleInCooldown=60), True, False, None, True, (1, 4)),
        (target(1, 4), policy(DisableScaleIn=True), True, False, None, True, (1, 4)),
        (target(1, 4), None, True, False, None, True, (1, 4)),
        (target(1, 4), dict(policy(), PolicyType="StepScaling"), True, False, None, True, (1, 4)),
        # existing service without target, not parked: registered
        (None, None, True, False, {"MinCapacity": 1, "MaxCapacity": 4, "create": True}, True, (1, 4)),
    ],
)
def test_plan_autoscaling(current_target, current_policy, exists, parked, register, put_policy, capacity_after):
    decided = autoscaling.plan_autoscaling(SCALING, current_target, current_policy, exists, parked)
    assert decided["register"] == register
    assert decided["put_policy"] is put_policy
    assert (decided["min_capacity"], decided["max_capacity"]) == capacity_after
    assert decided["warning"] is None


def test_plan_autoscaling_without_target_when_parked_warns_and_does_nothing():
    decided = autoscaling.plan_autoscaling(SCALING, None, None, True, True)
    assert decided["register"] is None and decided["put_policy"] is False
    assert "parked=true" in decided["warning"] and "parked=false" in decided["warning"]


def test_plan_autoscaling_not_declared():
    assert autoscaling.plan_autoscaling(None, target(1, 2), policy(), True, False)["register"] is None
    assert autoscaling.autoscaling_view(None, None, None) is None


def test_policy_view_normalizes_numbers():
    assert autoscaling.policy_view({"TargetValue": 70, "ScaleInCooldown": 300}) == autoscaling.policy_view(
        {"TargetValue": 70.0, "ScaleInCooldown": 300}
    )
    assert autoscaling.policy_view(None) is None
