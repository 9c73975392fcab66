# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS services reading secrets (localcloud.ecs_fidelity); these fail against plain moto and against the
steady-at-once CreateService patch alone."""

import pytest

REGION = "eu-west-2"


@pytest.fixture
def ecs_world(lc, aws):
    """A cluster, a subnet and security group, and a task definition factory reading given secrets."""
    ec2, ecs, sm = aws("ec2", region=REGION), aws("ecs", region=REGION), aws("secretsmanager", region=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="ecs", Description="ecs", VpcId=vpc)["GroupId"]
    ecs.create_cluster(clusterName="c")

    def task_definition(family, secrets):
        return ecs.register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            executionRoleArn="arn:aws:iam::123456789012:role/exec",
            containerDefinitions=[
                {
                    "name": "app",
                    "image": "example/app:1.0.0",
                    "essential": True,
                    "secrets": [{"name": k, "valueFrom": v} for k, v in secrets.items()],
                }
            ],
        )["taskDefinition"]["taskDefinitionArn"]

    def service(name, definition, desired=1):
        return ecs.create_service(
            cluster="c",
            serviceName=name,
            taskDefinition=definition,
            desiredCount=desired,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        )["service"]

    def describe(name):
        return ecs.describe_services(cluster="c", services=[name])["services"][0]

    return {"ecs": ecs, "sm": sm, "task_definition": task_definition, "service": service, "describe": describe}


def test_service_reading_a_secret_without_value_gets_no_running_task(ecs_world):
    sm, ecs = ecs_world["sm"], ecs_world["ecs"]
    empty = sm.create_secret(Name="local/circleci/pat/backstage")["ARN"]  # a container nobody filled
    filled = sm.create_secret(Name="local/backstage/session-secret", SecretString="x")["ARN"]
    definition = ecs_world["task_definition"](
        "backstage", {"CIRCLECI_AUTH_TOKEN": empty, "AUTH_SESSION_SECRET": filled}
    )
    ecs_world["service"]("backstage", definition)

    service = ecs_world["describe"]("backstage")
    assert service["runningCount"] == 0 and service["desiredCount"] == 1
    primary = service["deployments"][0]
    assert primary["status"] == "PRIMARY" and primary["rolloutState"] == "IN_PROGRESS"
    assert primary["runningCount"] == 0 and primary["failedTasks"] >= 1
    stopped = [e["message"] for e in service["events"] if "ResourceInitializationError" in e["message"]]
    assert stopped and "unable to pull secrets or registry auth" in stopped[0]
    assert "can't find the specified secret value for staging label: AWSCURRENT" in stopped[0]
    assert empty in stopped[0]

    # The waiter a converge (wait=true) would use never sees it stable.
    with pytest.raises(Exception, match="Max attempts exceeded"):
        ecs.get_waiter("services_stable").wait(
            cluster="c", services=["backstage"], WaiterConfig={"Delay": 1, "MaxAttempts": 2}
        )

    # The operator fills the secret; only a new deployment reads it.
    sm.put_secret_value(SecretId=empty, SecretString="pat")
    assert ecs_world["describe"]("backstage")["runningCount"] == 0
    old_id = primary["id"]
    ecs.update_service(cluster="c", service="backstage", forceNewDeployment=True)
    service = ecs_world["describe"]("backstage")
    assert service["runningCount"] == 1
    assert [d["status"] for d in service["deployments"]] == ["PRIMARY"]
    assert service["deployments"][0]["id"] != old_id and service["deployments"][0]["rolloutState"] == "COMPLETED"


def test_service_whose_secrets_have_values_is_steady_and_a_forced_deployment_is_a_new_primary(ecs_world):
    sm, ecs = ecs_world["sm"], ecs_world["ecs"]
    arn = sm.create_secret(Name="local/prefect/database-url", SecretString="postgresql://x")["ARN"]
    definition = ecs_world["task_definition"]("prefect", {"PREFECT_API_DATABASE_CONNECTION_URL": arn})
    created = ecs_world["service"]("prefect", definition, desired=2)
    assert created["runningCount"] == 2 and created["deployments"][0]["rolloutState"] == "COMPLETED"
    first = ecs_world["describe"]("prefect")["deployments"][0]

    ecs.update_service(cluster="c", service="prefect", forceNewDeployment=True)
    service = ecs_world["describe"]("prefect")
    assert len(service["deployments"]) == 1
    primary = service["deployments"][0]
    assert primary["id"] != first["id"] and primary["createdAt"] >= first["createdAt"]
    assert primary["taskDefinition"] == definition and service["runningCount"] == 2

    # A new revision is a new deployment of that revision (moto alone keeps the old one's task definition).
    second = ecs_world["task_definition"]("prefect", {"PREFECT_API_DATABASE_CONNECTION_URL": arn + ":url::"})
    ecs.update_service(cluster="c", service="prefect", taskDefinition=second)
    primary = ecs_world["describe"]("prefect")["deployments"][0]
    assert primary["taskDefinition"] == second and primary["id"] != first["id"]


def test_a_new_revision_reading_an_empty_secret_keeps_the_old_tasks(ecs_world):
    sm, ecs = ecs_world["sm"], ecs_world["ecs"]
    filled = sm.create_secret(Name="local/a", SecretString="x")["ARN"]
    empty = sm.create_secret(Name="local/b")["ARN"]
    ecs_world["service"]("app", ecs_world["task_definition"]("app", {"A": filled}))
    revision = ecs_world["task_definition"]("app", {"A": filled, "B": empty})
    ecs.update_service(cluster="c", service="app", taskDefinition=revision)
    service = ecs_world["describe"]("app")
    assert [(d["status"], d["runningCount"]) for d in service["deployments"]] == [("PRIMARY", 0), ("ACTIVE", 1)]
    assert service["runningCount"] == 1
    assert any("ResourceInitializationError" in e["message"] for e in service["events"])


def test_missing_and_pinned_versions():
    from localcloud.ecs_fidelity import secret_problem  # pylint: disable=import-outside-toplevel

    base = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:s"
    secret = type("S", (), {"versions": {"v1": {"version_stages": ["AWSPREVIOUS"]}}})()

    class Backend:  # pylint: disable=too-few-public-methods
        secrets = {"s": secret, base: secret}  # moto's store answers to names and ARNs

    assert "staging label: AWSCURRENT" in secret_problem(Backend, "s")
    assert secret_problem(Backend, base + ":key:AWSPREVIOUS:") is None
    assert secret_problem(Backend, base + ":key::v1") is None
    assert "VersionId: v2" in secret_problem(Backend, base + ":key::v2")
    assert "can't find the specified secret." in secret_problem(Backend, "other")
    assert secret_problem(Backend, "arn:aws:ssm:eu-west-2:123456789012:parameter/x") is None


def test_seed_fills_every_operator_owned_secret_once_and_never_overwrites(lc, aws):
    import os  # pylint: disable=import-outside-toplevel

    import yaml  # pylint: disable=import-outside-toplevel

    from localcloud.client import OPERATOR_PLACEHOLDERS  # pylint: disable=import-outside-toplevel

    # The placeholders cover exactly the operator-owned entries of the secrets role (Kinde is seeded apart).
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(repo, "roles", "secrets", "defaults", "main.yml"), encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)["secrets_manager_entries"]
    operator = {e["name"].replace("{{ platform_env }}", "local") for e in entries if e.get("value_owner") == "operator"}
    assert operator - {"{{ kinde_client_secret_name }}"} == set(OPERATOR_PLACEHOLDERS)

    sm = aws("secretsmanager", region=REGION)
    sm.create_secret(Name="local/circleci/pat/backstage")  # the platform's empty container
    sm.create_secret(Name="local/github/pat/blog_data_ci", SecretString="operator-value")  # already filled
    first = lc.seed_operator_secrets()
    assert first["changed"] is True and first["secrets"]["local/github/pat/blog_data_ci"] is False
    for name in OPERATOR_PLACEHOLDERS:
        stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
        assert any("AWSCURRENT" in labels for labels in stages.values()), name
    assert sm.get_secret_value(SecretId="local/github/pat/blog_data_ci")["SecretString"] == "operator-value"
    versions = {n: sm.describe_secret(SecretId=n)["VersionIdsToStages"] for n in OPERATOR_PLACEHOLDERS}
    assert lc.seed_operator_secrets()["changed"] is False
    assert versions == {n: sm.describe_secret(SecretId=n)["VersionIdsToStages"] for n in OPERATOR_PLACEHOLDERS}
