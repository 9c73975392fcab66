# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drive ``rocketclub.platform.ecs_services`` in-process against moto."""

from __future__ import annotations

import copy
import json

import boto3
import moto
import pytest
from moto.ecs.responses import EC2ContainerServiceResponse  # noqa: E402

from ansible_collections.rocketclub.platform.plugins.modules import ecs_services  # noqa: E402

CLUSTER = "test-platform"
DIMENSION = "ecs:service:DesiredCount"
MANAGED = ("platform:managed-by", "rocketclub.platform")
EXEC_ROLE = "arn:aws:iam::123456789012:role/test-execution"


@pytest.fixture
def aws_like_create_service(monkeypatch):
    """moto's CreateService drops deploymentConfiguration, healthCheckGracePeriodSeconds and
    enableExecuteCommand (its UpdateService keeps them). AWS stores them: make moto do the same."""
    original = EC2ContainerServiceResponse.create_service

    def create_service(self):
        result = original(self)
        service = result.result["service"]
        for parameter, attribute in (
            ("deploymentConfiguration", "deployment_configuration"),
            ("healthCheckGracePeriodSeconds", "health_check_grace_period_seconds"),
            ("enableExecuteCommand", "enable_execute_command"),
        ):
            if self._get_param(parameter) is not None:
                setattr(service, attribute, self._get_param(parameter))
        return result

    monkeypatch.setattr(EC2ContainerServiceResponse, "create_service", create_service)


@pytest.fixture
def cloud(ec2, aws_region, aws_like_create_service, api_calls):
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.42.{i}.0/24")["Subnet"]["SubnetId"] for i in range(2)]
    sg = ec2.create_security_group(GroupName="ecs", Description="ecs", VpcId=vpc_id)["GroupId"]
    elbv2 = boto3.client("elbv2", region_name=aws_region)
    groups = {
        name: elbv2.create_target_group(Name=name, Protocol="HTTP", Port=port, VpcId=vpc_id, TargetType="ip")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for name, port in (("backstage", 7007), ("prefect", 4200))
    }
    sm = boto3.client("secretsmanager", region_name=aws_region)
    secrets = {
        name: sm.create_secret(Name=name, SecretString="s3cr3t-" + name)["ARN"]
        for name in ("test/backstage/database-url", "test/github/pat")
    }
    api_calls.clear()
    return {
        "ec2": ec2,
        "ecs": boto3.client("ecs", region_name=aws_region),
        "logs": boto3.client("logs", region_name=aws_region),
        "aas": boto3.client("application-autoscaling", region_name=aws_region),
        "elbv2": elbv2,
        "vpc_id": vpc_id,
        "subnets": subnets,
        "sg": sg,
        "groups": groups,
        "secrets": secrets,
        "calls": api_calls,
    }


def platform_args(cloud, **extra):
    network = {"subnets": cloud["subnets"], "security_groups": [cloud["sg"]]}
    args = {
        "cluster": CLUSTER,
        "tags": {"platform:env": "test"},
        "services": [
            dict(
                network,
                name="backstage",
                cpu=1024,
                memory="2 GB",
                container={
                    "image": "example/backstage:1.0.0",
                    "port": 7007,
                    "environment": {"NODE_ENV": "production", "PORT": 7007},
                    "secrets": {
                        "BACKSTAGE_DATABASE_URL": "test/backstage/database-url",
                        "GITHUB_TOKEN": cloud["secrets"]["test/github/pat"],
                    },
                    "health_check": {"command": ["CMD-SHELL", "curl -f http://localhost:7007/healthcheck || exit 1"]},
                },
                execution_role_arn=EXEC_ROLE,
                task_role_arn="arn:aws:iam::123456789012:role/test-backstage-task",
                target_group_arn=cloud["groups"]["backstage"],
                autoscaling={"min_capacity": 1, "max_capacity": 3},
                tags={"platform:component": "backstage"},
            ),
            dict(
                network,
                name="prefect-api",
                cpu="512",
                memory=1024,
                container={
                    "image": "prefecthq/prefect:3.4.1-python3.12",
                    "port": 4200,
                    "command": ["prefect", "server", "start"],
                },
                execution_role_arn=EXEC_ROLE,
                target_group_arn=cloud["groups"]["prefect"],
                desired_count=2,
                autoscaling={"min_capacity": 2, "max_capacity": 4, "cpu_target": 60},
            ),
        ],
        "task_definitions": [
            {
                "name": "prefect-deployer",
                "cpu": "0.25 vCPU",
                "memory": 512,
                "container": {
                    "image": "example/deployer@sha256:" + "a" * 64,
                    "secrets": {"GITHUB_TOKEN": "test/github/pat"},
                },
                "execution_role_arn": EXEC_ROLE,
            }
        ],
    }
    args.update(extra)
    return args


def with_service(args, name, **changes):
    args = copy.deepcopy(args)
    for service in args["services"]:
        if service["name"] == name:
            for key, value in changes.items():
                if key == "container":
                    service["container"].update(value)
                else:
                    service[key] = value
    return args


def revision(arn, number):
    return f"{arn.rsplit(':', 1)[0]}:{number}"


def tags_of(tag_list):
    return {t["key"]: t["value"] for t in tag_list}


def described_services(cloud, names=("backstage", "prefect-api")):
    found = cloud["ecs"].describe_services(cluster=CLUSTER, services=list(names), include=["TAGS"])["services"]
    return {s["serviceName"]: s for s in found}


def scalable_targets(cloud):
    found = cloud["aas"].describe_scalable_targets(ServiceNamespace="ecs", ScalableDimension=DIMENSION)[
        "ScalableTargets"
    ]
    return {t["ResourceId"].rsplit("/", 1)[-1]: (t["MinCapacity"], t["MaxCapacity"]) for t in found}


def converge(run_module, cloud, args, check_mode=False):
    run = run_module(ecs_services.main, args, check_mode=check_mode, diff=True)
    assert not run.result.get("failed"), run.result
    return run.result


def test_four_way_converge_creates_everything_then_changes_nothing(cloud, run_module, aws_region):
    calls = cloud["calls"]
    args = platform_args(cloud)

    # 1. check mode against an empty account: predicted, nothing written
    check = converge(run_module, cloud, args, check_mode=True)
    assert check["changed"] is True
    assert calls.writes() == []
    # what a real run would create is returned as check-mode placeholders (docs/check_mode.md)
    assert check["cluster_arn"] == "pending:ecs-cluster/test-platform"
    assert check["task_definitions"] == {"prefect-deployer": "pending:task-definition/test-platform-prefect-deployer:1"}
    assert check["services"]["backstage"]["task_definition_arn"] == "pending:task-definition/test-platform-backstage:1"
    assert check["services"]["backstage"]["arn"] == "pending:ecs-service/test-platform/backstage"
    assert check["services"]["backstage"]["desired_count"] == 1
    assert check["services"]["prefect-api"]["autoscaling"] == {
        "min_capacity": 2,
        "max_capacity": 4,
        "policy_name": "prefect-api-cpu-target-tracking",
        "policy_arn": "pending:scaling-policy/service/test-platform/prefect-api/prefect-api-cpu-target-tracking",
    }
    assert check["diff"]["before"]["services"]["backstage"]["service"] is None

    # 2. apply
    calls.clear()
    first = converge(run_module, cloud, args)
    assert first["changed"] is True
    assert sorted(calls.writes()) == sorted(
        ["CreateCluster"]
        + ["CreateLogGroup", "PutRetentionPolicy"] * 3
        + ["RegisterTaskDefinition"] * 3
        + ["CreateService"] * 2
        + ["RegisterScalableTarget", "PutScalingPolicy"] * 2
    )
    ecs = cloud["ecs"]
    cluster = ecs.describe_clusters(clusters=[CLUSTER], include=["TAGS", "SETTINGS"])["clusters"][0]
    assert first["cluster_arn"] == cluster["clusterArn"]
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    assert tags_of(cluster["tags"]) == {MANAGED[0]: MANAGED[1], "platform:env": "test"}

    services = described_services(cloud)
    backstage = services["backstage"]
    assert backstage["launchType"] == "FARGATE" and backstage["platformVersion"] == "LATEST"
    assert backstage["desiredCount"] == 1 and services["prefect-api"]["desiredCount"] == 2
    assert backstage["loadBalancers"] == [
        {"targetGroupArn": cloud["groups"]["backstage"], "containerName": "backstage", "containerPort": 7007}
    ]
    assert backstage["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": sorted(cloud["subnets"]),
        "securityGroups": [cloud["sg"]],
        "assignPublicIp": "DISABLED",
    }
    assert backstage["deploymentConfiguration"] == {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "minimumHealthyPercent": 100,
        "maximumPercent": 200,
    }
    assert backstage["healthCheckGracePeriodSeconds"] == 60
    assert backstage["propagateTags"] == "SERVICE"
    backstage_tags = tags_of(backstage["tags"])
    versions_tag = backstage_tags.pop("platform:secret-versions")
    assert backstage_tags == {MANAGED[0]: MANAGED[1], "platform:env": "test", "platform:component": "backstage"}
    assert len(versions_tag.split()) == 2 and len(versions_tag) <= 256  # one hash per secret, never a value
    assert "platform:secret-versions" not in tags_of(services["prefect-api"]["tags"])  # reads no secret
    assert first["services"]["backstage"]["arn"] == backstage["serviceArn"]
    assert first["services"]["backstage"]["task_definition_arn"] == backstage["taskDefinition"]
    assert backstage["taskDefinition"].endswith(":task-definition/test-platform-backstage:1")

    described = ecs.describe_task_definition(taskDefinition=backstage["taskDefinition"], include=["TAGS"])
    definition = described["taskDefinition"]
    assert (definition["cpu"], definition["memory"], definition["networkMode"]) == ("1024", "2048", "awsvpc")
    assert definition["requiresCompatibilities"] == ["FARGATE"]
    assert definition["executionRoleArn"] == EXEC_ROLE
    container = definition["containerDefinitions"][0]
    assert container["image"] == "example/backstage:1.0.0"
    assert container["environment"] == [{"name": "NODE_ENV", "value": "production"}, {"name": "PORT", "value": "7007"}]
    assert container["secrets"] == [
        {"name": "BACKSTAGE_DATABASE_URL", "valueFrom": cloud["secrets"]["test/backstage/database-url"]},
        {"name": "GITHUB_TOKEN", "valueFrom": cloud["secrets"]["test/github/pat"]},
    ]
    assert container["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/ecs/test-platform/backstage",
            "awslogs-region": aws_region,
            "awslogs-stream-prefix": "backstage",
        },
    }
    assert container["healthCheck"]["interval"] == 30
    assert tags_of(described["tags"])["platform:component"] == "backstage"
    deployer = ecs.describe_task_definition(taskDefinition=first["task_definitions"]["prefect-deployer"])[
        "taskDefinition"
    ]
    assert (deployer["cpu"], deployer["memory"]) == ("256", "512")
    assert deployer["containerDefinitions"][0]["secrets"] == [
        {"name": "GITHUB_TOKEN", "valueFrom": cloud["secrets"]["test/github/pat"]}
    ]
    assert ecs.list_services(cluster=CLUSTER)["serviceArns"] == sorted(s["serviceArn"] for s in services.values())

    groups = {
        g["logGroupName"]: g
        for g in cloud["logs"].describe_log_groups(logGroupNamePrefix="/ecs/test-platform/")["logGroups"]
    }
    assert sorted(groups) == [
        "/ecs/test-platform/backstage",
        "/ecs/test-platform/prefect-api",
        "/ecs/test-platform/prefect-deployer",
    ]
    assert all(g["retentionInDays"] == 30 for g in groups.values())
    assert (
        cloud["logs"].list_tags_for_resource(resourceArn=groups["/ecs/test-platform/backstage"]["logGroupArn"])["tags"][
            MANAGED[0]
        ]
        == MANAGED[1]
    )

    assert scalable_targets(cloud) == {"backstage": (1, 3), "prefect-api": (2, 4)}
    policies = cloud["aas"].describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    assert sorted(p["PolicyName"] for p in policies) == [
        "backstage-cpu-target-tracking",
        "prefect-api-cpu-target-tracking",
    ]
    prefect_policy = next(p for p in policies if p["ResourceId"] == f"service/{CLUSTER}/prefect-api")
    assert prefect_policy["TargetTrackingScalingPolicyConfiguration"] == {
        "TargetValue": 60.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        "ScaleInCooldown": 300,
        "ScaleOutCooldown": 60,
    }
    assert first["services"]["prefect-api"]["autoscaling"]["policy_arn"] == prefect_policy["PolicyARN"]

    # 3. check mode again: nothing to do
    calls.clear()
    again = converge(run_module, cloud, args, check_mode=True)
    assert again["changed"] is False
    assert again["diff"]["before"] == again["diff"]["after"]
    assert calls.writes() == []

    # 4. apply again: not a single write call
    calls.clear()
    second = converge(run_module, cloud, args)
    assert second["changed"] is False, second["diff"]
    assert calls.writes() == []
    assert second["services"] == first["services"]
    assert second["task_definitions"] == first["task_definitions"]
    # Batched reads: the three log groups of /ecs/<cluster>/ in one DescribeLogGroups, both target groups in one
    # DescribeTargetGroups.
    assert calls.named("DescribeLogGroups") == [{"logGroupNamePrefix": f"/ecs/{CLUSTER}/"}]
    assert len(calls.named("DescribeTargetGroups")) == 1

    # the diff carries references to secrets, never their values
    assert "s3cr3t" not in json.dumps(first) + json.dumps(second)


def test_changed_image_registers_one_revision_and_updates_only_that_service(cloud, run_module):
    calls = cloud["calls"]
    args = platform_args(cloud)
    first = converge(run_module, cloud, args)
    changed = with_service(args, "backstage", container={"image": "example/backstage:1.1.0"})

    calls.clear()
    check = converge(run_module, cloud, changed, check_mode=True)
    assert check["changed"] is True and calls.writes() == []
    assert check["services"]["backstage"]["task_definition_arn"] == "pending:task-definition/test-platform-backstage:2"
    predicted = revision(first["services"]["backstage"]["task_definition_arn"], 2)
    assert (
        check["diff"]["after"]["services"]["backstage"]["task_definition"]["container"]["image"]
        == "example/backstage:1.1.0"
    )
    assert (
        check["diff"]["before"]["services"]["backstage"]["task_definition"]["container"]["image"]
        == "example/backstage:1.0.0"
    )

    calls.clear()
    result = converge(run_module, cloud, changed)
    assert result["changed"] is True
    assert calls.writes() == ["RegisterTaskDefinition", "UpdateService"]
    assert [p["family"] for p in calls.named("RegisterTaskDefinition")] == ["test-platform-backstage"]
    update = calls.named("UpdateService")[0]
    assert update == {"cluster": CLUSTER, "service": "backstage", "taskDefinition": predicted}
    assert result["services"]["backstage"]["task_definition_arn"] == predicted
    assert described_services(cloud)["backstage"]["taskDefinition"] == predicted
    assert result["services"]["prefect-api"] == first["services"]["prefect-api"]

    calls.clear()
    assert converge(run_module, cloud, changed)["changed"] is False
    assert calls.writes() == []


def test_desired_count_set_outside_is_never_reset(cloud, run_module):
    calls = cloud["calls"]
    args = platform_args(cloud)
    converge(run_module, cloud, args)
    # autoscaling (or the park runbook) changes the desired counts
    cloud["ecs"].update_service(cluster=CLUSTER, service="backstage", desiredCount=0)
    cloud["ecs"].update_service(cluster=CLUSTER, service="prefect-api", desiredCount=3)

    calls.clear()
    result = converge(run_module, cloud, args)
    assert result["changed"] is False
    assert calls.writes() == []
    assert result["diff"]["before"] == result["diff"]["after"]
    assert not [w for w in result.get("warnings", []) if "desired" in str(w).lower()]
    assert {n: s["desiredCount"] for n, s in described_services(cloud).items()} == {"backstage": 0, "prefect-api": 3}
    assert result["services"]["backstage"]["desired_count"] == 0

    # a task definition change updates the service without touching its desired count
    calls.clear()
    converge(run_module, cloud, with_service(args, "backstage", container={"environment": {"NODE_ENV": "staging"}}))
    assert "desiredCount" not in calls.named("UpdateService")[0]
    assert described_services(cloud)["backstage"]["desiredCount"] == 0


def test_parked_keeps_parked_autoscaling_and_unparked_restores_it(cloud, run_module):
    calls = cloud["calls"]
    args = platform_args(cloud)
    converge(run_module, cloud, args)
    # park: desired counts and scalable targets down to zero
    for name in ("backstage", "prefect-api"):
        cloud["aas"].register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=f"service/{CLUSTER}/{name}",
            ScalableDimension=DIMENSION,
            MinCapacity=0,
            MaxCapacity=0,
        )
        cloud["ecs"].update_service(cluster=CLUSTER, service=name, desiredCount=0)

    calls.clear()
    parked = converge(run_module, cloud, dict(args, parked=True))
    assert parked["changed"] is False and parked["parked"] is True
    assert calls.writes() == []
    assert scalable_targets(cloud) == {"backstage": (0, 0), "prefect-api": (0, 0)}
    assert parked["services"]["backstage"]["autoscaling"]["min_capacity"] == 0

    # parked still converges everything else (here: the scaling policy)
    calls.clear()
    retuned = converge(
        run_module,
        cloud,
        dict(
            with_service(args, "backstage", autoscaling={"min_capacity": 1, "max_capacity": 3, "cpu_target": 50}),
            parked=True,
        ),
    )
    assert retuned["changed"] is True
    assert calls.writes() == ["PutScalingPolicy"]
    assert scalable_targets(cloud) == {"backstage": (0, 0), "prefect-api": (0, 0)}

    calls.clear()
    enforced = converge(run_module, cloud, args)
    assert enforced["changed"] is True and enforced["parked"] is False
    assert sorted(calls.writes()) == ["PutScalingPolicy", "RegisterScalableTarget", "RegisterScalableTarget"]
    assert scalable_targets(cloud) == {"backstage": (1, 3), "prefect-api": (2, 4)}
    assert {n: s["desiredCount"] for n, s in described_services(cloud).items()} == {"backstage": 0, "prefect-api": 0}
    assert enforced["diff"]["before"]["services"]["backstage"]["autoscaling"]["min_capacity"] == 0
    assert enforced["diff"]["after"]["services"]["backstage"]["autoscaling"]["min_capacity"] == 1


def test_parked_creates_new_services_fully(cloud, run_module):
    result = converge(run_module, cloud, dict(platform_args(cloud), parked=True))
    assert result["changed"] is True
    assert scalable_targets(cloud) == {"backstage": (1, 3), "prefect-api": (2, 4)}


def bad(args, path, value):
    """A copy of args with the backstage service's option at ``path`` (dotted) set to value."""
    args = copy.deepcopy(args)
    target = args["services"][0]
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return args


@pytest.mark.parametrize(
    "path, value, expected",
    [
        (
            "container.image",
            "example/backstage",
            "services[backstage].container.image: 'example/backstage' has no tag or digest",
        ),
        ("container.image", "registry.local:5000/backstage", "has no tag or digest"),
        (
            "container.environment",
            {"GITHUB_TOKEN": "plain"},
            "services[backstage].container.environment: GITHUB_TOKEN is also in container.secrets",
        ),
        (
            "autoscaling",
            {"min_capacity": 5, "max_capacity": 2},
            "services[backstage].autoscaling: min_capacity (5) must be between 0 and max_capacity (2)",
        ),
        ("container_port", 8080, "services[backstage].container_port: 8080 does not match container.port 7007"),
        ("memory", 4096 * 4, "services[backstage].memory: 16384 does not fit cpu 1024"),
        ("cpu", 300, "services[backstage].cpu: 300 is not a Fargate CPU size"),
        ("log_retention_days", 31, "services[backstage].log_retention_days: 31 is not one of"),
        (
            "container.secrets",
            {"DB": "arn:aws:s3:::bucket"},
            "services[backstage].container.secrets.DB: 'arn:aws:s3:::bucket' is neither",
        ),
        ("subnets", [], "services[backstage].subnets: required with state=present"),
    ],
)
def test_bad_input_fails_before_any_api_call(moto_aws, api_calls, run_module, path, value, expected):
    fake = {
        "subnets": ["subnet-0a", "subnet-0b"],
        "sg": "sg-0a",
        "groups": {
            "backstage": "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/b/1",
            "prefect": "arn:tg-prefect",
        },
        "secrets": {"test/github/pat": "arn:aws:secretsmanager:eu-west-2:123456789012:secret:test/github/pat-AbCdEf"},
    }
    run = run_module(ecs_services.main, bad(platform_args(fake), path, value))
    assert run.result.get("failed") is True
    assert expected in run.result["msg"]
    assert api_calls.operations() == []


def test_check_mode_predicts_without_the_resources_of_other_roles(moto_aws, api_calls, run_module):
    """A check run against an empty account: roles, subnets and security groups are not known yet."""
    fake = {
        "subnets": [],
        "sg": None,
        "groups": {"backstage": None, "prefect": None},
        "secrets": {"test/github/pat": "test/github/pat"},
    }
    args = platform_args(fake)
    for item in args["services"] + args["task_definitions"]:
        item.update(execution_role_arn=None, task_role_arn=None)
    for item in args["services"]:
        item.update(security_groups=[])
    run = run_module(ecs_services.main, args, check_mode=True)
    assert not run.result.get("failed"), run.result
    assert run.result["changed"] is True
    assert (
        "services[backstage].subnets: required with state=present (check mode: predicting the result anyway)"
        in run.warnings
    )
    assert any("Secrets Manager secret test/github/pat does not exist" in w for w in run.warnings)
    assert api_calls.writes() == []
    assert (
        run_module(ecs_services.main, args)
        .result["msg"]
        .startswith("Invalid input: services[backstage].execution_role_arn: required")
    )


def test_missing_target_group_is_named_before_any_write(cloud, run_module):
    missing = cloud["groups"]["prefect"].replace("/prefect/", "/gone/")
    args = with_service(platform_args(cloud), "backstage", target_group_arn=missing)
    run = run_module(ecs_services.main, args)
    assert run.result.get("failed") is True
    assert f"services[backstage].target_group_arn: target group {missing} does not exist" in run.result["msg"]
    assert "services[prefect" not in run.result["msg"]
    assert cloud["calls"].writes() == []


def test_target_group_on_another_port_fails_before_any_write(cloud, run_module):
    args = with_service(platform_args(cloud), "backstage", target_group_arn=cloud["groups"]["prefect"])
    run = run_module(ecs_services.main, args)
    assert run.result.get("failed") is True
    assert (
        "services[backstage].container_port: container port 7007 does not match port 4200 of target group prefect"
        in run.result["msg"]
    )
    assert cloud["calls"].writes() == []


def test_missing_secret_fails_before_any_write_and_warns_in_check_mode(cloud, run_module):
    args = with_service(
        platform_args(cloud),
        "backstage",
        container={"secrets": {"AUTH_SESSION_SECRET": "test/backstage/session-secret"}},
    )
    run = run_module(ecs_services.main, args)
    assert run.result.get("failed") is True
    assert (
        "services[backstage].container.secrets.AUTH_SESSION_SECRET: Secrets Manager secret "
        "test/backstage/session-secret does not exist" in run.result["msg"]
    )
    assert cloud["calls"].writes() == []

    check = run_module(ecs_services.main, args, check_mode=True)
    assert not check.result.get("failed"), check.result
    assert any("test/backstage/session-secret does not exist" in w for w in check.warnings)
    assert cloud["calls"].writes() == []


def test_load_balancer_change_is_an_in_place_update(cloud, run_module):
    calls = cloud["calls"]
    args = platform_args(cloud)
    converge(run_module, cloud, args)
    elbv2 = cloud["elbv2"]
    other = elbv2.create_target_group(
        Name="backstage-2", Protocol="HTTP", Port=7007, VpcId=cloud["vpc_id"], TargetType="ip"
    )["TargetGroups"][0]
    calls.clear()
    result = converge(
        run_module,
        cloud,
        with_service(args, "backstage", target_group_arn=other["TargetGroupArn"], health_check_grace_period=120),
    )
    assert result["changed"] is True
    assert calls.writes() == ["UpdateService"]
    assert sorted(calls.named("UpdateService")[0]) == [
        "cluster",
        "healthCheckGracePeriodSeconds",
        "loadBalancers",
        "service",
    ]
    assert described_services(cloud)["backstage"]["loadBalancers"][0]["targetGroupArn"] == other["TargetGroupArn"]


def test_load_balancer_change_of_a_code_deploy_service_fails_clearly(cloud, run_module):
    args = platform_args(cloud)
    converge(run_module, cloud, args)
    service = cloud["ecs"].describe_services(cluster=CLUSTER, services=["backstage"])["services"][0]
    moto_backend = moto.backends.get_backend("ecs")["123456789012"][cloud["ecs"].meta.region_name]
    moto_backend.services[f"{CLUSTER}:backstage"].deployment_controller = {"type": "CODE_DEPLOY"}
    other = cloud["elbv2"].create_target_group(
        Name="backstage-2", Protocol="HTTP", Port=7007, VpcId=cloud["vpc_id"], TargetType="ip"
    )["TargetGroups"][0]
    cloud["calls"].clear()
    run = run_module(ecs_services.main, with_service(args, "backstage", target_group_arn=other["TargetGroupArn"]))
    assert run.result.get("failed") is True
    assert (
        "CODE_DEPLOY deployment controller, with which ECS cannot update load balancers in place" in run.result["msg"]
    )
    assert cloud["calls"].writes() == []
    assert service["loadBalancers"] == described_services(cloud)["backstage"]["loadBalancers"]


def test_inactive_latest_revision_is_not_the_one_compared(cloud, run_module):
    """moto's DescribeTaskDefinition(family) returns the latest revision even when INACTIVE (AWS: latest ACTIVE)."""
    args = platform_args(cloud)
    first = converge(run_module, cloud, args)
    arn = first["task_definitions"]["prefect-deployer"]
    registered = cloud["ecs"].register_task_definition(
        family="test-platform-prefect-deployer",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "prefect-deployer", "image": "other:1"}],
    )["taskDefinition"]["taskDefinitionArn"]
    cloud["ecs"].deregister_task_definition(taskDefinition=registered)

    cloud["calls"].clear()
    result = converge(run_module, cloud, args)
    assert result["changed"] is False and cloud["calls"].writes() == []
    assert result["task_definitions"]["prefect-deployer"] == arn

    # check mode predicts revision 3: revision numbers are never reused, INACTIVE ones count
    check = converge(
        run_module,
        cloud,
        dict(args, task_definitions=[dict(args["task_definitions"][0], cpu=512, memory=1024)]),
        check_mode=True,
    )
    assert check["task_definitions"]["prefect-deployer"] == "pending:task-definition/test-platform-prefect-deployer:3"


def test_tags_and_retention_converge_in_place(cloud, run_module):
    calls = cloud["calls"]
    args = platform_args(cloud)
    first = converge(run_module, cloud, args)
    # tags added by hand are purged (purge_tags defaults to true)
    group_arn = cloud["logs"].describe_log_groups(logGroupNamePrefix="/ecs/test-platform/backstage")["logGroups"][0][
        "logGroupArn"
    ]
    cloud["logs"].tag_resource(resourceArn=group_arn, tags={"stray": "x"})
    cloud["ecs"].tag_resource(resourceArn=first["services"]["backstage"]["arn"], tags=[{"key": "stray", "value": "x"}])
    calls.clear()
    result = converge(
        run_module,
        cloud,
        dict(with_service(args, "prefect-api", log_retention_days=90), tags={"platform:env": "staging"}),
    )
    assert result["changed"] is True
    writes = calls.writes()
    assert "RegisterTaskDefinition" not in writes and "UpdateService" not in writes
    assert writes.count("PutRetentionPolicy") == 1
    assert [p["tagKeys"] for p in calls.named("UntagResource")] == [["stray"], ["stray"]]
    assert "stray" not in cloud["logs"].list_tags_for_resource(resourceArn=group_arn)["tags"]
    assert "stray" not in tags_of(described_services(cloud)["backstage"]["tags"])
    assert writes.count("TagResource") == 1 + 2 + 3 + 3  # cluster, services, task definitions, log groups (ecs + logs)
    cluster = cloud["ecs"].describe_clusters(clusters=[CLUSTER], include=["TAGS"])["clusters"][0]
    assert tags_of(cluster["tags"])["platform:env"] == "staging"
    calls.clear()
    assert (
        converge(
            run_module,
            cloud,
            dict(with_service(args, "prefect-api", log_retention_days=90), tags={"platform:env": "staging"}),
        )["changed"]
        is False
    )
    assert calls.writes() == []


def test_absent_deletes_only_the_services(cloud, run_module):
    calls = cloud["calls"]
    args = platform_args(cloud)
    first = converge(run_module, cloud, args)
    absent = {"cluster": CLUSTER, "state": "absent", "services": [{"name": "prefect-api"}, {"name": "never-existed"}]}

    calls.clear()
    check = converge(run_module, cloud, absent, check_mode=True)
    assert check["changed"] is True and calls.writes() == []
    assert check["services"]["prefect-api"]["status"] == "DRAINING"

    calls.clear()
    result = converge(run_module, cloud, absent)
    assert result["changed"] is True
    assert calls.writes() == ["UpdateService", "DeleteService"]
    assert calls.named("UpdateService")[0]["desiredCount"] == 0
    assert result["services"]["never-existed"]["status"] == "INACTIVE"
    assert described_services(cloud)["prefect-api"]["status"] == "INACTIVE"
    assert described_services(cloud)["backstage"]["status"] == "ACTIVE"
    # task definitions and log groups stay
    assert (
        cloud["ecs"].describe_task_definition(taskDefinition=first["services"]["prefect-api"]["task_definition_arn"])[
            "taskDefinition"
        ]["status"]
        == "ACTIVE"
    )
    assert cloud["logs"].describe_log_groups(logGroupNamePrefix="/ecs/test-platform/prefect-api")["logGroups"]

    calls.clear()
    assert converge(run_module, cloud, absent)["changed"] is False
    assert calls.writes() == []

    # converging again recreates the deleted service with the latest revision
    calls.clear()
    again = converge(run_module, cloud, args)
    assert calls.writes() == ["CreateService"]
    assert (
        again["services"]["prefect-api"]["task_definition_arn"]
        == first["services"]["prefect-api"]["task_definition_arn"]
    )
    assert described_services(cloud)["prefect-api"]["status"] == "ACTIVE"


def test_container_insights_follows_the_option(cloud, run_module):
    calls = cloud["calls"]
    args = dict(platform_args(cloud), services=[], task_definitions=[])
    converge(run_module, cloud, args)
    calls.clear()
    result = converge(run_module, cloud, dict(args, container_insights=False))
    assert result["changed"] is True
    assert calls.writes() == ["UpdateCluster"]
    assert result["diff"]["after"]["cluster"]["container_insights"] == "disabled"
    cluster = cloud["ecs"].describe_clusters(clusters=[CLUSTER], include=["SETTINGS"])["clusters"][0]
    assert cluster["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    calls.clear()
    assert converge(run_module, cloud, dict(args, container_insights=False))["changed"] is False
    assert calls.writes() == []


def test_wait_for_stable_services(cloud, run_module, monkeypatch):
    from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import services

    monkeypatch.setattr(services, "WAIT_DELAY", 0)
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")  # moto starts services with 0 running tasks otherwise
    args = platform_args(cloud, wait=True, wait_timeout=5)
    args["services"] = [s for s in args["services"] if s["name"] == "backstage"]
    result = converge(run_module, cloud, args)
    assert result["services"]["backstage"]["running_count"] == 1
    assert cloud["calls"].named("DescribeServices")[-1]["services"] == ["backstage"]

    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "0")
    run = run_module(ecs_services.main, dict(platform_args(cloud, wait=True, wait_timeout=1), task_definitions=[]))
    assert run.result.get("failed") is True
    assert "Timeout after 1 seconds waiting for services prefect-api to be stable" in run.result["msg"]


def test_eventual_consistency_errors_right_after_a_create_are_retried(cloud, run_module, monkeypatch):
    """AWS answers CreateService ClusterNotFoundException right after CreateCluster, RegisterScalableTarget
    "ECS service doesn't exist" right after CreateService and PutScalingPolicy ObjectNotFoundException right after
    RegisterScalableTarget: each once per resource here; the run converges after a retry of each."""
    import botocore.client
    from botocore.exceptions import ClientError

    from ansible_collections.rocketclub.platform.plugins.module_utils import eventual_consistency

    monkeypatch.setattr(eventual_consistency.time, "sleep", lambda seconds: None)
    answers = {
        "CreateService": lambda p: ("ClusterNotFoundException", "Cluster not found.", p["cluster"]),
        "RegisterScalableTarget": lambda p: (
            "ValidationException",
            f"ECS service doesn't exist: {p['ResourceId']}",
            p["ResourceId"],
        ),
        "PutScalingPolicy": lambda p: (
            "ObjectNotFoundException",
            f"No scalable target registered for service namespace: ecs, resource ID: {p['ResourceId']}, "
            f"scalable dimension: {DIMENSION}",
            p["ResourceId"],
        ),
    }
    injected = []
    original = botocore.client.BaseClient._make_api_call

    def not_yet_visible(self, operation_name, api_params):
        if operation_name in answers:
            code, message, key = answers[operation_name](api_params)
            if (operation_name, key) not in injected:
                injected.append((operation_name, key))
                raise ClientError({"Error": {"Code": code, "Message": message}}, operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", not_yet_visible)
    result = converge(run_module, cloud, platform_args(cloud))
    assert result["changed"] is True
    assert sorted(injected) == sorted(
        [
            ("CreateService", CLUSTER),  # once per cluster: the second service is created at the first attempt
            ("RegisterScalableTarget", f"service/{CLUSTER}/backstage"),
            ("PutScalingPolicy", f"service/{CLUSTER}/backstage"),
            ("RegisterScalableTarget", f"service/{CLUSTER}/prefect-api"),
            ("PutScalingPolicy", f"service/{CLUSTER}/prefect-api"),
        ]
    )
    assert set(described_services(cloud)) == {"backstage", "prefect-api"}
    assert scalable_targets(cloud) == {"backstage": (1, 3), "prefect-api": (2, 4)}
    assert len(cloud["aas"].describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]) == 2
    assert converge(run_module, cloud, platform_args(cloud))["changed"] is False


# ------------------------------------------------------------------------------------------------ secret values


def test_secret_without_value_fails_before_any_write_naming_each_and_the_fix(cloud, run_module):
    sm = boto3.client("secretsmanager", region_name=cloud["ecs"].meta.region_name)
    for name in ("test/circleci/pat/backstage", "test/prefect/api-auth"):
        sm.create_secret(Name=name)  # an operator-owned container nobody filled: no AWSCURRENT version
    args = with_service(
        platform_args(cloud),
        "backstage",
        container={
            "secrets": {
                "CIRCLECI_AUTH_TOKEN": "test/circleci/pat/backstage",
                "PREFECT_API_KEY": "test/prefect/api-auth",
                "GITHUB_TOKEN": "test/github/pat",
            }
        },
    )
    calls = cloud["calls"]
    for check_mode in (False, True):
        calls.clear()
        run = run_module(ecs_services.main, args, check_mode=check_mode)
        assert run.result.get("failed") is True, run.result
        message = run.result["msg"]
        for key, name in (
            ("CIRCLECI_AUTH_TOKEN", "test/circleci/pat/backstage"),
            ("PREFECT_API_KEY", "test/prefect/api-auth"),
        ):
            assert f"services[backstage].container.secrets.{key}: Secrets Manager secret {name} has no value" in message
            assert f"aws secretsmanager put-secret-value --secret-id {name} --secret-string" in message
        assert "test/github/pat has no value" not in message
        assert calls.writes() == []
        assert "GetSecretValue" not in calls.operations()

    # filled by the operator: the same converge goes through
    sm.put_secret_value(SecretId="test/circleci/pat/backstage", SecretString="s3cr3t-pat")
    sm.put_secret_value(SecretId="test/prefect/api-auth", SecretString="s3cr3t-auth")
    calls.clear()
    converge(run_module, cloud, args)
    assert "CreateService" in calls.writes() and "GetSecretValue" not in calls.operations()


def test_secret_without_value_only_warns_for_task_definitions_and_parked_services(cloud, run_module):
    sm = boto3.client("secretsmanager", region_name=cloud["ecs"].meta.region_name)
    args = platform_args(cloud)
    converge(run_module, cloud, args)
    sm.create_secret(Name="test/prefect/api-auth")
    deployer_reads_it = copy.deepcopy(args)
    deployer_reads_it["task_definitions"][0]["container"]["secrets"]["PREFECT_API_KEY"] = "test/prefect/api-auth"
    run = run_module(ecs_services.main, deployer_reads_it)
    assert not run.result.get("failed"), run.result
    assert any(
        "task_definitions[prefect-deployer].container.secrets.PREFECT_API_KEY" in w and "has no value" in w
        for w in run.warnings
    )

    # parked (desired count 0, parked=true): nothing starts, a warning; unpark (parked=false) refuses
    cloud["ecs"].update_service(cluster=CLUSTER, service="backstage", desiredCount=0)
    parked = with_service(
        deployer_reads_it, "backstage", container={"secrets": {"PREFECT_API_KEY": "test/prefect/api-auth"}}
    )
    run = run_module(ecs_services.main, dict(parked, parked=True))
    assert not run.result.get("failed"), run.result
    assert any("services[backstage].container.secrets.PREFECT_API_KEY" in w and "parked" in w for w in run.warnings)
    cloud["calls"].clear()
    run = run_module(ecs_services.main, parked)
    assert run.result.get("failed") is True
    assert (
        "services[backstage].container.secrets.PREFECT_API_KEY: Secrets Manager secret test/prefect/api-auth "
        "has no value" in run.result["msg"]
    )
    assert cloud["calls"].writes() == []


def test_new_secret_version_redeploys_exactly_the_services_reading_it(cloud, run_module):
    sm = boto3.client("secretsmanager", region_name=cloud["ecs"].meta.region_name)
    sm.create_secret(Name="test/prefect/database-url", SecretString="s3cr3t-prefect-url")
    args = with_service(
        platform_args(cloud),
        "prefect-api",
        container={"secrets": {"PREFECT_API_DATABASE_CONNECTION_URL": "test/prefect/database-url"}},
    )
    calls = cloud["calls"]
    converge(run_module, cloud, args)
    before = described_services(cloud)
    recorded = tags_of(before["backstage"]["tags"])["platform:secret-versions"]

    # a secret no service reads changes: nothing to do
    sm.create_secret(Name="test/unrelated", SecretString="s3cr3t-other")
    calls.clear()
    unchanged = converge(run_module, cloud, args)
    assert unchanged["changed"] is False and calls.writes() == []
    assert "GetSecretValue" not in calls.operations()
    assert unchanged["services"]["backstage"]["new_deployment_for_secrets"] == []

    # the aurora role (or an operator) puts a new value into the secret Backstage reads
    sm.put_secret_value(SecretId="test/backstage/database-url", SecretString="s3cr3t-new-url")
    calls.clear()
    check = converge(run_module, cloud, args, check_mode=True)
    assert check["changed"] is True and calls.writes() == []
    assert check["services"]["backstage"]["new_deployment_for_secrets"] == ["test/backstage/database-url"]
    assert check["services"]["prefect-api"]["new_deployment_for_secrets"] == []
    assert check["diff"]["after"]["services"]["backstage"]["service"]["new_deployment_for_secrets"] == [
        "test/backstage/database-url"
    ]
    assert "new_deployment_for_secrets" not in check["diff"]["after"]["services"]["prefect-api"]["service"]

    calls.clear()
    result = converge(run_module, cloud, args)
    assert result["changed"] is True
    assert sorted(calls.writes()) == ["TagResource", "UpdateService"]
    assert calls.named("UpdateService") == [{"cluster": CLUSTER, "service": "backstage", "forceNewDeployment": True}]
    assert [t["key"] for t in calls.named("TagResource")[0]["tags"]] == ["platform:secret-versions"]
    assert calls.named("TagResource")[0]["resourceArn"] == before["backstage"]["serviceArn"]
    assert "GetSecretValue" not in calls.operations()
    after = described_services(cloud)
    assert tags_of(after["backstage"]["tags"])["platform:secret-versions"] != recorded
    assert after["prefect-api"]["tags"] == before["prefect-api"]["tags"]
    assert "s3cr3t" not in json.dumps(check) + json.dumps(result)

    calls.clear()
    again = converge(run_module, cloud, args)
    assert again["changed"] is False and calls.writes() == []


def test_secret_change_and_new_revision_make_one_update(cloud, run_module):
    sm = boto3.client("secretsmanager", region_name=cloud["ecs"].meta.region_name)
    args = platform_args(cloud)
    converge(run_module, cloud, args)
    sm.put_secret_value(SecretId="test/github/pat", SecretString="s3cr3t-rotated")
    changed = with_service(args, "backstage", container={"image": "example/backstage:1.1.0"})
    calls = cloud["calls"]
    calls.clear()
    result = converge(run_module, cloud, changed)
    assert result["services"]["backstage"]["new_deployment_for_secrets"] == ["test/github/pat"]
    updates = calls.named("UpdateService")
    assert (
        len(updates) == 1 and updates[0]["forceNewDeployment"] is True and updates[0]["taskDefinition"].endswith(":2")
    )


def test_check_mode_predicts_the_redeploy_of_a_url_an_earlier_task_rewrites(cloud, run_module):
    args = platform_args(cloud)
    converge(run_module, cloud, args)
    calls = cloud["calls"]
    calls.clear()
    check = converge(
        run_module, cloud, dict(args, pending_secret_values=["test/backstage/database-url"]), check_mode=True
    )
    assert check["changed"] is True and calls.writes() == []
    assert check["services"]["backstage"]["new_deployment_for_secrets"] == ["test/backstage/database-url"]
    # a real run reads the versions as they are: nothing was written, nothing to redeploy
    real = converge(run_module, cloud, dict(args, pending_secret_values=["test/backstage/database-url"]))
    assert real["changed"] is False and calls.writes() == []


def test_service_without_recorded_versions_is_redeployed_once(cloud, run_module):
    args = platform_args(cloud)
    first = converge(run_module, cloud, args)
    arn = first["services"]["backstage"]["arn"]
    cloud["ecs"].untag_resource(resourceArn=arn, tagKeys=["platform:secret-versions"])  # a service from before the tag
    calls = cloud["calls"]
    calls.clear()
    result = converge(run_module, cloud, args)
    assert sorted(result["services"]["backstage"]["new_deployment_for_secrets"]) == [
        "test/backstage/database-url",
        "test/github/pat",
    ]
    assert calls.named("UpdateService") == [{"cluster": CLUSTER, "service": "backstage", "forceNewDeployment": True}]
    calls.clear()
    assert converge(run_module, cloud, args)["changed"] is False and calls.writes() == []


def test_secret_versions_tag_is_bounded_and_names_changes():
    from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import secret_versions as plan

    pairs = {f"arn:aws:secretsmanager:eu-west-2:123456789012:secret:s{i}-AbCdEf": f"v{i}" for i in range(40)}
    value = plan.secret_versions_tag(pairs)
    assert len(value) <= 256 and value.startswith("all=")
    few = dict(list(pairs.items())[:3])
    recorded = plan.secret_versions_tag(few)
    assert plan.changed_secret_keys(recorded, few) == []
    moved = dict(few, **{next(iter(few)): "v-new"})
    assert plan.changed_secret_keys(recorded, moved) == [next(iter(few))]
    assert plan.selected_version({"a": ["AWSPREVIOUS"], "b": ["AWSCURRENT"]}, "AWSCURRENT", None) == "b"
    assert plan.selected_version({"a": ["AWSPREVIOUS"]}, "AWSCURRENT", None) is None
    assert plan.secret_selector("arn:aws:secretsmanager:eu-west-2:1:secret:x-AbCdEf:password::") == ("AWSCURRENT", None)
    assert plan.secret_selector("arn:aws:secretsmanager:eu-west-2:1:secret:x-AbCdEf:password:AWSPREVIOUS:") == (
        "AWSPREVIOUS",
        None,
    )


# -- check-mode placeholders of resources earlier tasks would create (docs/check_mode.md) ------------------------


def sent_placeholders(calls):
    """API calls whose parameters carry a check-mode placeholder (there must be none)."""
    return [(op, params) for _svc, op, params in calls if "pending:" in json.dumps(params, default=str)]


def pending_args(cloud):
    """platform_args as a check run on an empty account sees them: every id of another role is a placeholder."""
    args = platform_args(cloud)
    for item in args["services"]:
        item.update(
            subnets=["pending:subnet/test-private-app-a", "pending:subnet/test-private-app-b"],
            security_groups=["pending:security-group/test-ecs"],
            target_group_arn=f"pending:target-group/test-{item['name']}",
        )
        secrets = item["container"].get("secrets") or {}
        item["container"]["secrets"] = {
            key: ref if ref.startswith("arn:") else f"pending:secret/{ref}" for key, ref in secrets.items()
        }
    for item in args["services"] + args["task_definitions"]:
        item.update(execution_role_arn=f"pending:iam-role/test-{item['name']}-execution")
    return args


def test_check_mode_with_placeholders_predicts_everything_without_sending_one(cloud, run_module):
    calls = cloud["calls"]
    args = pending_args(cloud)
    check = converge(run_module, cloud, args, check_mode=True)
    assert check["changed"] is True
    assert calls.writes() == [] and sent_placeholders(calls) == []
    assert "DescribeTargetGroups" not in calls.operations()
    assert check["cluster_arn"] == "pending:ecs-cluster/test-platform"
    assert check["services"]["backstage"]["arn"] == "pending:ecs-service/test-platform/backstage"
    assert check["services"]["backstage"]["subnets"] == args["services"][0]["subnets"]
    after = check["diff"]["after"]["services"]["backstage"]["task_definition"]["container"]["secrets"]
    assert after["BACKSTAGE_DATABASE_URL"] == "pending:secret/test/backstage/database-url"

    # a real run refuses them, before any API call, naming the options
    calls.clear()
    run = run_module(ecs_services.main, args)
    assert run.result.get("failed") is True
    assert "services[backstage].execution_role_arn" in run.result["msg"] and "placeholder" in run.result["msg"]
    assert calls == []


def test_check_mode_predicts_the_network_update_of_a_third_availability_zone(cloud, run_module):
    calls = cloud["calls"]
    args = platform_args(cloud)
    converge(run_module, cloud, args)
    third = cloud["ec2"].create_subnet(VpcId=cloud["vpc_id"], CidrBlock="10.42.2.0/24")["Subnet"]["SubnetId"]

    def with_subnets(subnets):
        return dict(args, services=[dict(s, subnets=subnets) for s in args["services"]])

    calls.clear()
    pending = "pending:subnet/test-private-app-c"
    check = converge(run_module, cloud, with_subnets(cloud["subnets"] + [pending]), check_mode=True)
    assert check["changed"] is True
    assert calls.writes() == [] and sent_placeholders(calls) == []
    for name in ("backstage", "prefect-api"):
        assert pending in check["diff"]["after"]["services"][name]["service"]["subnets"]
        assert pending not in check["diff"]["before"]["services"][name]["service"]["subnets"]
    assert check["task_definitions"]["prefect-deployer"].startswith("arn:")  # unchanged: its real ARN

    calls.clear()
    real = converge(run_module, cloud, with_subnets(cloud["subnets"] + [third]))
    assert real["changed"] is True
    assert calls.writes() == ["UpdateService", "UpdateService"]
    assert [sorted(c) for c in calls.named("UpdateService")] == [["cluster", "networkConfiguration", "service"]] * 2

    calls.clear()
    again = converge(run_module, cloud, with_subnets(cloud["subnets"] + [third]), check_mode=True)
    assert again["changed"] is False and calls.writes() == []


def test_check_mode_predicts_a_third_service_whose_target_group_and_roles_are_placeholders(cloud, run_module):
    calls = cloud["calls"]
    args = platform_args(cloud)
    first = converge(run_module, cloud, args)
    docs = dict(
        args["services"][1],
        name="docs",
        container={"image": "nginx:1.27", "port": 8080},
        desired_count=1,
        target_group_arn="pending:target-group/test-docs",
        execution_role_arn="pending:iam-role/test-docs-execution",
        task_role_arn="pending:iam-role/test-docs-task",
        autoscaling={"min_capacity": 1, "max_capacity": 2},
    )
    calls.clear()
    check = converge(run_module, cloud, dict(args, services=args["services"] + [docs]), check_mode=True)
    assert check["changed"] is True
    assert calls.writes() == [] and sent_placeholders(calls) == []
    assert check["services"]["docs"]["arn"] == "pending:ecs-service/test-platform/docs"
    assert check["services"]["docs"]["task_definition_arn"] == "pending:task-definition/test-platform-docs:1"
    assert check["services"]["docs"]["load_balancers"][0]["target_group_arn"] == "pending:target-group/test-docs"
    for name in ("backstage", "prefect-api"):  # the others stay as they are
        assert check["services"][name] == first["services"][name]
        assert check["diff"]["before"]["services"][name] == check["diff"]["after"]["services"][name]
    assert check["cluster_arn"] == first["cluster_arn"]
