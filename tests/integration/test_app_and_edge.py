# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The application tier (issue 4) and the public edge (issue 5) after site.yml, read back with boto3
and from the Cloudflare emulator; then what later converges must leave alone, and the Aurora restore
modes.

Sequence (module-scoped fixtures, file order): fresh converge -> state assertions -> autoscaling and
park counts set outside Ansible survive a converge -> cluster deleted with a final snapshot and
restored from it (mode from_final_snapshot) -> deleted again and recreated empty (mode clean).
"""

from __future__ import annotations

import json
from urllib.parse import unquote
from urllib.parse import urlsplit

import pytest

ENV = "local"
PREFIX = "rocketclub-local"
CLUSTER = PREFIX
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
APPS = {"backstage": ("portal.rocketclub.local", 7007), "prefect": ("pipelines.rocketclub.local", 4200)}
# The env var -> secret wiring of the two services (docs/platform.md, "Secrets").
SERVICE_SECRETS = {
    "backstage": {
        "BACKSTAGE_DATABASE_URL": "local/backstage/database-url",
        "AUTH_SESSION_SECRET": "local/backstage/session-secret",
        "GITHUB_TOKEN": "local/github/pat/blog_data_ci",
        "CIRCLECI_AUTH_TOKEN": "local/circleci/pat/backstage",
    },
    "prefect": {"PREFECT_API_DATABASE_CONNECTION_URL": "local/prefect/database-url"},
}
LAYERS = ["raw", "clean", "cache", "design-files"]


@pytest.fixture(scope="module")
def converged(platform):
    platform.fresh_account()
    run = platform.playbook("playbooks/site.yml")
    assert run.rc == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="module")
def network(platform, converged):
    ec2 = platform.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [PREFIX]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["SecurityGroups"]

    def tier(name):
        return sorted(s["SubnetId"] for s in subnets if {"Key": "platform:tier", "Value": name} in s.get("Tags", []))

    return {
        "private_app": tier("private-app"),
        "private_data": tier("private-data"),
        "sg": {g["GroupName"]: g["GroupId"] for g in groups},
    }


def secret(platform, name):
    return platform.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]


def kms_key_arn(platform):
    return platform.client("kms").describe_key(KeyId=f"alias/{PREFIX}-platform")["KeyMetadata"]["Arn"]


def cluster(platform):
    return platform.client("rds").describe_db_clusters(DBClusterIdentifier=CLUSTER)["DBClusters"][0]


# --- Aurora ------------------------------------------------------------------------------------------


def test_tier_subnets_are_tagged(network):
    assert len(network["private_app"]) == 2 and len(network["private_data"]) == 2


def test_cluster_encrypted_private_in_the_data_subnets(platform, network):
    rds = platform.client("rds")
    db = cluster(platform)
    assert db["Engine"] == "aurora-postgresql" and db["Status"] == "available"
    assert db["StorageEncrypted"] is True and db["KmsKeyId"] == kms_key_arn(platform)
    assert db["MasterUsername"] == json.loads(secret(platform, "local/db/admin"))["username"]
    assert db["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 2.0}
    assert [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]] == [network["sg"][f"{PREFIX}-aurora"]]
    group = rds.describe_db_subnet_groups(DBSubnetGroupName=db["DBSubnetGroup"])["DBSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == network["private_data"]
    instances = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [CLUSTER]}])["DBInstances"]
    assert [i["DBInstanceIdentifier"] for i in instances] == [f"{CLUSTER}-1"]
    assert all(i["PubliclyAccessible"] is False and i["DBInstanceClass"] == "db.serverless" for i in instances)


@pytest.mark.parametrize(
    "app, scheme, query",
    [("backstage", "postgresql", "sslmode=require"), ("prefect", "postgresql+asyncpg", "ssl=require")],
)
def test_database_urls_point_at_the_cluster_with_the_app_credentials(platform, converged, app, scheme, query):
    url = urlsplit(secret(platform, f"local/{app}/database-url"))
    credentials = json.loads(secret(platform, f"local/{app}/db"))
    db = cluster(platform)
    assert (url.scheme, url.hostname, url.port, url.path, url.query) == (
        scheme,
        db["Endpoint"],
        db["Port"],
        f"/{app}",
        query,
    )
    assert (unquote(url.username), unquote(url.password)) == (credentials["username"], credentials["password"])


# --- data buckets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS)
def test_bucket_private_encrypted_versioned_and_published(platform, converged, layer):
    s3 = platform.client("s3")
    name = platform.client("ssm").get_parameter(Name=f"/local/blog-data/buckets/{layer}")["Parameter"]["Value"]
    assert name == f"{PREFIX}-blog-data-{layer}"
    rule = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": kms_key_arn(platform),
    }
    block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"


# --- IAM ---------------------------------------------------------------------------------------------


def role_policy(platform, role):
    iam = platform.client("iam")
    names = iam.list_role_policies(RoleName=f"{PREFIX}-{role}")["PolicyNames"]
    assert len(names) == 1, names
    return iam.get_role_policy(RoleName=f"{PREFIX}-{role}", PolicyName=names[0])["PolicyDocument"]


def statements(document):
    return {s["Sid"]: s for s in document["Statement"]}


def secret_resources(names):
    return sorted(f"arn:aws:secretsmanager:eu-west-2:123456789012:secret:{n}-??????" for n in names)


@pytest.mark.parametrize("app", sorted(SERVICE_SECRETS))
def test_execution_role_reads_exactly_the_declared_secrets(platform, converged, app):
    policy = statements(role_policy(platform, f"{app}-execution"))
    assert policy["ReadSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert sorted(policy["ReadSecrets"]["Resource"]) == secret_resources(SERVICE_SECRETS[app].values())
    assert policy["WriteLogs"]["Resource"] == [f"arn:aws:logs:eu-west-2:123456789012:log-group:/ecs/{CLUSTER}/{app}:*"]
    assert policy["DecryptWithPlatformKey"]["Resource"] == [kms_key_arn(platform)]
    trust = platform.client("iam").get_role(RoleName=f"{PREFIX}-{app}-execution")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}


def test_task_roles_use_the_buckets_and_only_named_resources(platform, converged):
    buckets = [f"arn:aws:s3:::{PREFIX}-blog-data-{layer}" for layer in LAYERS]
    for app in SERVICE_SECRETS:
        policy = statements(role_policy(platform, f"{app}-task"))
        assert sorted(policy["ListBuckets"]["Resource"]) == sorted(buckets)
        assert sorted(policy["WriteObjects"]["Resource"]) == sorted(b + "/*" for b in buckets)
        assert policy["DecryptWithPlatformKey"]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert sorted(statements(role_policy(platform, "prefect-task"))["ReadSecrets"]["Resource"]) == secret_resources(
        ["blog-data/neo4j/credentials", "blog-data/cloudinary/credentials"]
    )
    assert "ReadSecrets" not in statements(role_policy(platform, "backstage-task"))


def test_ork_processor_role(platform, converged):
    policy = statements(role_policy(platform, "ork-processor"))
    assert policy["ReadObjects"]["Resource"] == [f"arn:aws:s3:::{PREFIX}-blog-data-design-files/*"]
    assert "WriteObjects" not in policy
    assert sorted(policy["ReadSecrets"]["Resource"]) == secret_resources(
        ["blog-data/neo4j/credentials", "blog-data/cloudinary/credentials"]
    )
    trust = platform.client("iam").get_role(RoleName=f"{PREFIX}-ork-processor")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_no_wildcard_resource_except_the_ecr_token(platform, converged):
    iam = platform.client("iam")
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(PREFIX)]
    assert len(roles) == 7, roles  # 2 x (execution + task), deployer and bootstrap execution, .ork processor
    for role in roles:
        for statement in role_policy(platform, role[len(PREFIX) + 1 :])["Statement"]:
            if "*" in statement["Resource"]:
                assert statement["Action"] == ["ecr:GetAuthorizationToken"], (role, statement)


# --- ECS ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def services(platform, converged):
    ecs = platform.client("ecs")
    described = ecs.describe_services(cluster=CLUSTER, services=list(APPS))["services"]
    return {s["serviceName"]: s for s in described}


def task_definition(platform, arn):
    return platform.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]


@pytest.mark.parametrize("app", sorted(APPS))
def test_service_runs_its_task_definition_with_value_from_secrets_only(platform, services, network, app):
    service = services[app]
    assert service["launchType"] == "FARGATE" and service["status"] == "ACTIVE"
    vpc_config = service["networkConfiguration"]["awsvpcConfiguration"]
    assert sorted(vpc_config["subnets"]) == network["private_app"]
    assert (
        vpc_config["securityGroups"] == [network["sg"][f"{PREFIX}-ecs"]] and vpc_config["assignPublicIp"] == "DISABLED"
    )
    breaker = service["deploymentConfiguration"]["deploymentCircuitBreaker"]
    assert breaker == {"enable": True, "rollback": True}

    definition = task_definition(platform, service["taskDefinition"])
    assert definition["requiresCompatibilities"] == ["FARGATE"] and definition["networkMode"] == "awsvpc"
    (container,) = definition["containerDefinitions"]
    arns = {
        name: platform.client("secretsmanager").describe_secret(SecretId=name)["ARN"]
        for name in SERVICE_SECRETS[app].values()
    }
    assert {s["name"]: s["valueFrom"] for s in container["secrets"]} == {
        env: arns[name] for env, name in SERVICE_SECRETS[app].items()
    }
    plain = {e["name"]: e["value"] for e in container.get("environment", [])}
    assert not set(plain) & set(SERVICE_SECRETS[app])
    values = {secret(platform, name) for name in SERVICE_SECRETS[app].values() if "database-url" in name}
    assert not values & set(plain.values())
    assert container["portMappings"][0]["containerPort"] == APPS[app][1]
    assert container["logConfiguration"]["options"]["awslogs-group"] == f"/ecs/{CLUSTER}/{app}"
    assert definition["executionRoleArn"].endswith(f":role/{PREFIX}-{app}-execution")
    assert definition["taskRoleArn"].endswith(f":role/{PREFIX}-{app}-task")


@pytest.mark.parametrize("app", sorted(APPS))
def test_service_registered_in_its_target_group(platform, services, app):
    (lb,) = services[app]["loadBalancers"]
    group = platform.client("elbv2").describe_target_groups(TargetGroupArns=[lb["targetGroupArn"]])["TargetGroups"][0]
    assert group["TargetGroupName"] == f"{PREFIX}-{app}"
    assert lb["containerPort"] == group["Port"] == APPS[app][1]


def test_log_groups_with_retention(platform, converged):
    groups = platform.client("logs").describe_log_groups(logGroupNamePrefix=f"/ecs/{CLUSTER}/")["logGroups"]
    assert {g["logGroupName"]: g.get("retentionInDays") for g in groups} == {
        f"/ecs/{CLUSTER}/{name}": 7 for name in ("backstage", "prefect", "prefect-deployer", "db-bootstrap")
    }


def test_autoscaling_targets_and_cpu_policies(platform, converged):
    scaling = platform.client("application-autoscaling")
    targets = scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert {t["ResourceId"]: (t["MinCapacity"], t["MaxCapacity"]) for t in targets} == {
        f"service/{CLUSTER}/backstage": (1, 3),
        f"service/{CLUSTER}/prefect": (1, 2),
    }
    policies = scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    assert len(policies) == 2
    for policy in policies:
        config = policy["TargetTrackingScalingPolicyConfiguration"]
        assert policy["PolicyType"] == "TargetTrackingScaling" and config["TargetValue"] == 70.0
        assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization"


def test_one_off_task_definitions_and_deployer_parameters(platform, converged, network):
    ssm = platform.client("ssm")
    params = {
        p["Name"].rsplit("/", 1)[1]: p["Value"]
        for p in ssm.get_parameters_by_path(Path="/local/prefect/deployer/")["Parameters"]
    }
    ecs = platform.client("ecs")
    assert params["cluster_arn"] == ecs.describe_clusters(clusters=[CLUSTER])["clusters"][0]["clusterArn"]
    deployer = task_definition(platform, params["task_definition_arn"])
    assert deployer["family"] == f"{CLUSTER}-prefect-deployer"
    assert {s["name"] for s in deployer["containerDefinitions"][0]["secrets"]} == {"GITHUB_TOKEN", "PREFECT_API_KEY"}
    assert sorted(params["subnet_ids"].split(",")) == network["private_app"]
    assert params["security_group_id"] == network["sg"][f"{PREFIX}-ecs"]
    bootstrap = task_definition(platform, f"{CLUSTER}-db-bootstrap")["containerDefinitions"][0]
    assert {s["name"] for s in bootstrap["secrets"]} == {
        "DB_ADMIN_SECRET_JSON",
        "BACKSTAGE_DB_SECRET_JSON",
        "PREFECT_DB_SECRET_JSON",
    }
    assert {e["name"]: e["value"] for e in bootstrap["environment"]}["DB_HOST"] == cluster(platform)["Endpoint"]


# --- CloudFront and Cloudflare (issue 5) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def distributions(platform, converged):
    cloudfront = platform.client("cloudfront", region="us-east-1")
    found = {}
    for summary in cloudfront.list_distributions()["DistributionList"].get("Items", []):
        config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
        found[config["Aliases"]["Items"][0]] = (summary, config)
    return found


def test_one_distribution_per_host_in_front_of_the_alb(platform, distributions):
    assert sorted(distributions) == sorted(host for host, _port in APPS.values())
    alb = platform.client("elbv2").describe_load_balancers(Names=[PREFIX])["LoadBalancers"][0]
    origin_secret = platform.client("ssm").get_parameter(Name="/local/shared/cf_alb_secret", WithDecryption=True)[
        "Parameter"
    ]["Value"]
    for host, (_summary, config) in distributions.items():
        assert config["Aliases"]["Items"] == [host]
        (origin,) = config["Origins"]["Items"]
        assert origin["DomainName"] == alb["DNSName"]
        custom = origin["CustomOriginConfig"]
        assert custom["OriginProtocolPolicy"] == "https-only" and custom["OriginSslProtocols"]["Items"] == ["TLSv1.2"]
        assert origin["CustomHeaders"]["Items"] == [{"HeaderName": "X-Origin-Verify", "HeaderValue": origin_secret}]
        viewer = config["ViewerCertificate"]
        assert viewer["ACMCertificateArn"].startswith("arn:aws:acm:us-east-1:")
        assert (viewer["SSLSupportMethod"], viewer["MinimumProtocolVersion"]) == ("sni-only", "TLSv1.2_2021")
        assert config["HttpVersion"] == "http2and3" and config["IsIPV6Enabled"] is True


def test_behaviours_forward_everything_except_static(platform, distributions):
    cloudfront = platform.client("cloudfront", region="us-east-1")
    custom = {
        p["CachePolicy"]["CachePolicyConfig"]["Name"]: p["CachePolicy"]
        for p in cloudfront.list_cache_policies(Type="custom")["CachePolicyList"]["Items"]
    }
    static_policy = custom[f"{PREFIX}-static-long"]
    assert static_policy["CachePolicyConfig"]["MaxTTL"] == 31536000
    origin_policies = {
        p["OriginRequestPolicy"]["OriginRequestPolicyConfig"]["Name"]: p["OriginRequestPolicy"]
        for p in cloudfront.list_origin_request_policies(Type="custom")["OriginRequestPolicyList"]["Items"]
    }
    static_origin = origin_policies[f"{PREFIX}-static-origin"]
    assert [h.lower() for h in static_origin["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"]["Items"]] == [
        "host"
    ]
    for _summary, config in distributions.values():
        default = config["DefaultCacheBehavior"]
        assert (default["CachePolicyId"], default["OriginRequestPolicyId"]) == (CACHING_DISABLED, ALL_VIEWER)
        assert default["ViewerProtocolPolicy"] == "redirect-to-https"
        behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]["Items"]}
        assert list(behaviours) == ["/static/*", "/api/*"]
        assert (behaviours["/api/*"]["CachePolicyId"], behaviours["/api/*"]["OriginRequestPolicyId"]) == (
            CACHING_DISABLED,
            ALL_VIEWER,
        )
        assert behaviours["/static/*"]["CachePolicyId"] == static_policy["Id"]
        assert behaviours["/static/*"]["OriginRequestPolicyId"] == static_origin["Id"]


def test_cloudflare_holds_exactly_the_two_proxied_cnames(platform, distributions):
    records = platform.cloud.cloudflare_state()["records"]
    proxied = {r["name"]: (r["type"], r["content"]) for r in records if r["proxied"]}
    assert proxied == {host: ("CNAME", summary["DomainName"]) for host, (summary, _config) in distributions.items()}
    # The only other records are ACM's DNS validation CNAMEs, never proxied.
    others = [r for r in records if not r["proxied"]]
    assert others and all(r["type"] == "CNAME" and r["content"].endswith(".acm-validations.aws") for r in others)


# --- later converges leave autoscaling and park counts alone -------------------------------------------


def test_converge_does_not_fight_autoscaling_or_a_park(platform, converged):
    ecs = platform.client("ecs")
    scaling = platform.client("application-autoscaling")
    # Autoscaling moved backstage to 3; the park runbook zeroed prefect and recorded park_mode.
    ecs.update_service(cluster=CLUSTER, service="backstage", desiredCount=3)
    ecs.update_service(cluster=CLUSTER, service="prefect", desiredCount=0)
    scaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=f"service/{CLUSTER}/prefect",
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=0,
        MaxCapacity=0,
    )
    platform.client("ssm").put_parameter(Name="/local/infra/park_mode", Value="parked", Type="String", Overwrite=True)
    run = platform.playbook("playbooks/site.yml")
    run.assert_noop()
    counts = {
        s["serviceName"]: s["desiredCount"]
        for s in ecs.describe_services(cluster=CLUSTER, services=list(APPS))["services"]
    }
    assert counts == {"backstage": 3, "prefect": 0}
    target = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[f"service/{CLUSTER}/prefect"])[
        "ScalableTargets"
    ][0]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 0)
    platform.client("ssm").put_parameter(Name="/local/infra/park_mode", Value="unparked", Type="String", Overwrite=True)


# --- restore modes -------------------------------------------------------------------------------------


def delete_cluster_with_final_snapshot(platform, snapshot):
    """What park.yml (snapshot mode) or an operator leaves behind: no cluster, a named final snapshot."""
    rds = platform.client("rds")
    for instance in rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [CLUSTER]}])["DBInstances"]:
        rds.delete_db_instance(DBInstanceIdentifier=instance["DBInstanceIdentifier"], SkipFinalSnapshot=True)
    rds.delete_db_cluster(DBClusterIdentifier=CLUSTER, FinalDBSnapshotIdentifier=snapshot)
    assert not [c for c in rds.describe_db_clusters()["DBClusters"] if c["DBClusterIdentifier"] == CLUSTER]


def set_restore_mode(platform, mode):
    platform.client("ssm").put_parameter(
        Name="/local/infra/database_restore_mode", Value=mode, Type="String", Overwrite=True
    )


def outputs_aurora(platform):
    """platform_aurora as the last site.yml run wrote it to its outputs file."""
    with open(platform.outputs_file("local"), encoding="utf-8") as handle:
        return json.load(handle)["platform"]["aurora"]


def test_from_final_snapshot_restores_the_newest_final_snapshot(platform, converged):
    rds = platform.client("rds")
    rds.create_db_cluster_snapshot(
        DBClusterIdentifier=CLUSTER, DBClusterSnapshotIdentifier=f"{CLUSTER}-final-20200101000000"
    )
    delete_cluster_with_final_snapshot(platform, f"{CLUSTER}-final-20991231235959")
    set_restore_mode(platform, "from_final_snapshot")
    run = platform.playbook("playbooks/site.yml")
    assert run.rc == 0, run.output[-4000:]
    operations = [c["operation"] for c in run.writes if c["service"] == "rds"]
    assert "RestoreDBClusterFromSnapshot" in operations and "CreateDBCluster" not in operations
    # The outputs say where the cluster came from, on screen and in the outputs file.
    assert f"aurora_cluster         = {CLUSTER} (available, restored from {CLUSTER}-final-20991231235959)" in run.output
    assert outputs_aurora(platform)["restored_from"] == f"{CLUSTER}-final-20991231235959"
    db = cluster(platform)
    assert db["Status"] == "available" and db["StorageEncrypted"] is True
    # The restore source stays recorded on the cluster itself.
    assert {t["Key"]: t["Value"] for t in db["TagList"]}["platform:restored-from"] == f"{CLUSTER}-final-20991231235959"
    # The URLs follow the restored cluster; the next converge changes nothing.
    assert urlsplit(secret(platform, "local/backstage/database-url")).hostname == db["Endpoint"]
    again = platform.playbook("playbooks/site.yml")
    again.assert_noop()


def test_clean_creates_an_empty_cluster_despite_snapshots(platform, converged):
    delete_cluster_with_final_snapshot(platform, f"{CLUSTER}-final-21000101000000")
    set_restore_mode(platform, "clean")
    run = platform.playbook("playbooks/site.yml")
    assert run.rc == 0, run.output[-4000:]
    operations = [c["operation"] for c in run.writes if c["service"] == "rds"]
    assert "CreateDBCluster" in operations and "RestoreDBClusterFromSnapshot" not in operations
    assert f"aurora_cluster         = {CLUSTER} (available)" in run.output
    assert outputs_aurora(platform)["restored_from"] is None
    db = cluster(platform)
    assert db["Status"] == "available"
    assert "platform:restored-from" not in {t["Key"] for t in db["TagList"]}
