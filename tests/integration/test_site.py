# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One converged platform, read once by every state assertion, then the converges that change it (what later
converges do to a platform changed under them, autoscaling, a park, restore modes: test_site_lifecycle.py).

The suite pays for one fresh converge of the default inventory here, and every read-only assertion shares it:
each other converge of the suite tests something no other run does. Sequence (module-scoped fixtures, each
run once, in file order):

1. fresh converge on an empty account, with deprecation warnings on, ``--diff``, the eventual-consistency
   switch on (CreateService, RegisterScalableTarget, PutScalingPolicy and CreateListener each answer AWS's
   "not there yet" error once per new resource), 20 % of AWS calls throttled (seeded), ACM certificates
   pending until their validation records exist in the Cloudflare emulator: it converges in one run;
2. every read-only assertion on the AWS and Cloudflare state it left: network, secrets, parameters, the
   application tier (Aurora, buckets, IAM, ECS), the edge (CloudFront, Cloudflare), certificates;
3. operator edits (a PAT value, park mode), then a second converge with ``-vvv``: changed=0, no write call,
   no certificate requested, nothing exists twice, operator edits kept, no secret in the output;
4. ``--check --diff`` by FQCN (changed=0, no write call); the Kinde secret rotated by hand, converge; a
   plain converge (no warning, the outputs on screen in at most 60 lines, the outputs file);
5. an AWS maintenance window raises Aurora's minor version and an operator puts a new value into a secret
   Backstage reads at task start: the next converge sends no downgrade and redeploys Backstage only; the
   converge after that is a no-op;
6. last: a throttled operation that outlasts the retry budget fails the run naming it.
"""

from __future__ import annotations

import collections
import json
import os
from urllib.parse import unquote
from urllib.parse import urlsplit

import pytest

ENV = "local"
PREFIX = "rocketclub-local"
PLATFORM_TAGS = {"platform:env": "local", "platform:managed-by": "rocketclub.platform"}
CLOUDFRONT_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
GENERATED_SECRETS = ["local/db/admin", "local/backstage/db", "local/prefect/db", "local/backstage/session-secret"]
# Written by the aurora role (the connection URLs carry the application passwords).
DATABASE_URL_SECRETS = ["local/backstage/database-url", "local/prefect/database-url"]
# Operator-owned; `localcloud seed` (fresh_account) puts placeholder values in before the first converge.
CONTAINER_SECRETS = [
    "local/github/pat/blog_data_ci",
    "local/circleci/pat/backstage",
    "local/prefect/api-auth",
    "blog-data/neo4j/credentials",
    "blog-data/cloudinary/credentials",
]
OPERATOR_PAT = "ghp_operator-set-value-0123456789"
OPERATOR_EDITED = "blog-data/neo4j/credentials"
# Put in by the operator (localcloud seed) before the first converge; the platform only tags it.
OPERATOR_SEEDED = ["local/kinde/client-secret"]
# The outputs task of site.yml and its screen budget (the task header included).
OUTPUTS_TASK = "TASK [Outputs of the environment]"
OUTPUTS_MAX_LINES = 60
URLS = {"backstage": "https://portal.rocketclub.local", "prefect": "https://pipelines.rocketclub.local"}
# ansible-core itself deprecates every strategy plugin outside ansible.builtin (plugin loader), at the start
# of each run: ansible.cfg's Mitogen strategy triggers it, and ansible.cfg hides deprecations for it alone.
# With deprecation warnings on, it (and ansible-core's hint how to turn them off) is the only one allowed.
CORE_STRATEGY_DEPRECATION = (
    "[DEPRECATION WARNING]: Use of strategy plugins not included in ansible.builtin are deprecated"
)
DEPRECATIONS_HINT = "[WARNING]: Deprecation warnings can be disabled by setting `deprecation_warnings=False`"


def warning_lines(output):
    """Every warning, deprecation and error ansible-playbook printed."""
    return [line for line in output.splitlines() if line.startswith(("[WARNING]", "[DEPRECATION WARNING]", "[ERROR]"))]


def outputs_block(output):
    """The lines of site.yml's outputs task on screen: its TASK header to the blank line after its result."""
    lines = output.splitlines()
    start = [i for i, line in enumerate(lines) if line.startswith(OUTPUTS_TASK)]
    assert len(start) == 1, f"{OUTPUTS_TASK} printed {len(start)} times:\n{output[-4000:]}"
    end = next((i for i in range(start[0], len(lines)) if not lines[i].strip()), len(lines))
    return lines[start[0] : end]


def read_outputs(platform):
    """The outputs file of environment local: (its mode bits, its text, the parsed document)."""
    path = platform.outputs_file("local")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return os.stat(path).st_mode & 0o777, text, json.loads(text)


def tags_of(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def secret_values(platform):
    """Every secret value the local cloud holds (to prove none reaches Ansible output)."""
    sm = platform.client("secretsmanager")
    values = {}
    for name in GENERATED_SECRETS + DATABASE_URL_SECRETS:
        value = sm.get_secret_value(SecretId=name)["SecretString"]
        values[name] = value
        if value.startswith("{"):
            values[name + "#password"] = json.loads(value)["password"]
    values["kinde client secret"] = sm.get_secret_value(SecretId="local/kinde/client-secret")["SecretString"]
    ssm = platform.client("ssm")
    for name in ("/local/shared/cf_alb_secret", "/local/shared/oidc_fingerprint_key"):
        values[name] = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    return values


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


BACKSTAGE_SECRET = "local/circleci/pat/backstage"
SERVICES = {"backstage": "backstage", "prefect": "prefect"}
EVENTUAL_CONSISTENCY_OPERATIONS = {"CreateService", "RegisterScalableTarget", "PutScalingPolicy", "CreateListener"}


def _deployments(platform):
    """Deployment ids per service, newest first."""
    ecs = platform.client("ecs")
    found = ecs.describe_services(cluster=CLUSTER, services=list(SERVICES.values()))["services"]
    return {service["serviceName"]: [d["id"] for d in service["deployments"]] for service in found}


def _aurora(platform):
    clusters = platform.client("rds").describe_db_clusters()["DBClusters"]
    assert len(clusters) == 1, [c["DBClusterIdentifier"] for c in clusters]
    return clusters[0]


@pytest.fixture(scope="module")
def first_run(platform):
    platform.fresh_account()
    platform.cloud.configure(eventual_consistency=True, throttle_fraction=0.2, throttle_seed=20261205)
    try:
        # Deprecation warnings on (ansible.cfg turns them off): a stock module's deprecation must show here.
        run = platform.playbook("playbooks/site.yml", "--diff", env_overrides={"ANSIBLE_DEPRECATION_WARNINGS": "true"})
    finally:
        platform.cloud.configure(eventual_consistency=False, throttle_fraction=0.0, throttle_seed=None)
    assert run.rc == 0, run.output[-4000:]
    run.outputs_file = read_outputs(platform)  # later runs rewrite it
    return run


@pytest.fixture(scope="module")
def converged(first_run):
    return first_run


@pytest.fixture(scope="module")
def values_after_first(platform, first_run):
    return secret_values(platform)


@pytest.fixture(scope="module")
def second_run(platform, first_run, values_after_first):
    # An operator puts a new value into a secret no service reads at task start (Prefect reads it at runtime:
    # no redeploy; a new PAT would redeploy Backstage) and parks the environment by hand.
    platform.client("secretsmanager").put_secret_value(SecretId=OPERATOR_EDITED, SecretString=OPERATOR_PAT)
    platform.client("ssm").put_parameter(Name="/local/infra/park_mode", Value="parked", Type="String", Overwrite=True)
    # -vvv: every module argument and result is printed; still no secret may appear.
    run = platform.playbook("playbooks/site.yml", "--diff", "-vvv")
    assert run.rc == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="module")
def check_run(platform, second_run):
    # By FQCN, as an installed collection is run (the other runs use the checkout path).
    run = platform.playbook("rocketclub.platform.site", "--check", "--diff")
    assert run.rc == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="module")
def vpc(platform, first_run):
    vpcs = platform.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [PREFIX]}])["Vpcs"]
    assert len(vpcs) == 1
    return vpcs[0]


def test_vpc_is_tagged_and_sized(vpc):
    assert vpc["CidrBlock"] == "10.60.0.0/16"
    assert PLATFORM_TAGS.items() <= tags_of(vpc).items()
    assert tags_of(vpc)["platform:component"] == "network"


def test_two_subnets_per_tier_one_per_zone(platform, vpc):
    subnets = platform.client("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    layout = sorted(
        (tags_of(s)["platform:tier"], s["AvailabilityZone"], s["CidrBlock"], s["MapPublicIpOnLaunch"]) for s in subnets
    )
    assert layout == [
        ("private-app", "eu-west-2a", "10.60.10.0/24", False),
        ("private-app", "eu-west-2b", "10.60.11.0/24", False),
        ("private-data", "eu-west-2a", "10.60.20.0/24", False),
        ("private-data", "eu-west-2b", "10.60.21.0/24", False),
        ("public", "eu-west-2a", "10.60.0.0/24", True),
        ("public", "eu-west-2b", "10.60.1.0/24", True),
    ]
    assert all(PLATFORM_TAGS.items() <= tags_of(s).items() for s in subnets)


def test_routes_igw_nat_and_isolated_data_tier(platform, vpc):
    ec2 = platform.client("ec2")
    vpc_filter = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])[
        "InternetGateways"
    ]
    assert len(igws) == 1
    nats = [n for n in ec2.describe_nat_gateways(Filters=vpc_filter)["NatGateways"] if n["State"] == "available"]
    assert len(nats) == 1
    public_subnet = ec2.describe_subnets(SubnetIds=[nats[0]["SubnetId"]])["Subnets"][0]
    assert tags_of(public_subnet)["platform:tier"] == "public"
    eip = nats[0]["NatGatewayAddresses"][0]["AllocationId"]
    eip_tags = tags_of(ec2.describe_addresses(AllocationIds=[eip])["Addresses"][0])
    assert eip_tags["platform:env"] == ENV

    tables = {tags_of(t).get("Name"): t for t in ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"]}

    def default_route(name):
        return [r for r in tables[name]["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]

    assert default_route(f"{PREFIX}-public")[0]["GatewayId"] == igws[0]["InternetGatewayId"]
    for zone in "ab":
        assert default_route(f"{PREFIX}-private-app-{zone}")[0]["NatGatewayId"] == nats[0]["NatGatewayId"]
    assert default_route(f"{PREFIX}-private-data") == []
    assert len(tables[f"{PREFIX}-private-data"]["Associations"]) == 2


def _rules(permissions, groups_by_id):
    """Normalise IpPermissions to a set of (port, source) pairs."""
    out = set()
    for perm in permissions:
        ports = (perm.get("FromPort"), perm.get("ToPort"), perm["IpProtocol"])
        for rng in perm.get("IpRanges", []):
            out.add((ports, rng["CidrIp"]))
        for pair in perm.get("UserIdGroupPairs", []):
            out.add((ports, "sg:" + groups_by_id.get(pair["GroupId"], pair["GroupId"])))
        for prefix in perm.get("PrefixListIds", []):
            out.add((ports, "pl:" + prefix["PrefixListId"]))
        for rng in perm.get("Ipv6Ranges", []):
            out.add((ports, rng["CidrIpv6"]))
    return out


def test_security_group_rules_exactly_as_specified(platform, vpc):
    ec2 = platform.client("ec2")
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["SecurityGroups"]
    by_name = {g["GroupName"]: g for g in groups}
    names = {g["GroupId"]: g["GroupName"].removeprefix(PREFIX + "-") for g in groups}
    prefix_list = ec2.describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": [CLOUDFRONT_PREFIX_LIST]}]
    )["PrefixLists"][0]["PrefixListId"]
    https = (443, 443, "tcp")
    backstage, prefect, postgres = (7007, 7007, "tcp"), (4200, 4200, "tcp"), (5432, 5432, "tcp")

    alb, ecs, aurora, endpoints = (by_name[f"{PREFIX}-{r}"] for r in ("alb", "ecs", "aurora", "endpoints"))
    assert _rules(alb["IpPermissions"], names) == {(https, "pl:" + prefix_list)}
    assert _rules(alb["IpPermissionsEgress"], names) == {
        (backstage, "sg:ecs"),
        (prefect, "sg:ecs"),
        (https, "0.0.0.0/0"),
    }
    assert _rules(ecs["IpPermissions"], names) == {(backstage, "sg:alb"), (prefect, "sg:alb")}
    assert _rules(ecs["IpPermissionsEgress"], names) == {(postgres, "sg:aurora"), (https, "0.0.0.0/0")}
    assert _rules(aurora["IpPermissions"], names) == {(postgres, "sg:ecs")}
    assert _rules(aurora["IpPermissionsEgress"], names) == set()
    assert _rules(endpoints["IpPermissions"], names) == {(https, "sg:ecs")}
    assert _rules(endpoints["IpPermissionsEgress"], names) == set()
    for group in (alb, ecs, aurora, endpoints):
        assert PLATFORM_TAGS.items() <= tags_of(group).items(), group["GroupName"]


def test_vpc_endpoints(platform, vpc):
    ec2 = platform.client("ec2")
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["VpcEndpoints"]
    by_service = {e["ServiceName"].removeprefix("com.amazonaws.eu-west-2."): e for e in endpoints}
    assert sorted(by_service) == ["ecr.api", "ecr.dkr", "logs", "s3", "secretsmanager", "ssm"]
    assert by_service["s3"]["VpcEndpointType"] == "Gateway"
    tables = ec2.describe_route_tables(RouteTableIds=by_service["s3"]["RouteTableIds"])["RouteTables"]
    assert sorted(tags_of(t)["platform:tier"] for t in tables) == ["private-app", "private-app", "private-data"]
    subnets = ec2.describe_subnets(SubnetIds=by_service["ssm"]["SubnetIds"])["Subnets"]
    assert sorted(tags_of(s)["platform:tier"] for s in subnets) == ["private-app", "private-app"]


def test_kms_key(platform, first_run):
    kms = platform.client("kms")
    key = kms.describe_key(KeyId="alias/rocketclub-local-platform")["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER" and key["Enabled"]
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]


def test_secrets_by_name_owner_and_key(platform, first_run):
    sm = platform.client("secretsmanager")
    kms = platform.client("kms")
    key_arn = kms.describe_key(KeyId="alias/rocketclub-local-platform")["KeyMetadata"]["Arn"]
    # The secrets every environment of the account shares have one account-wide key of their own.
    shared_key_arn = kms.describe_key(KeyId="alias/rocketclub-shared")["KeyMetadata"]["Arn"]
    assert shared_key_arn != key_arn
    for name in GENERATED_SECRETS + DATABASE_URL_SECRETS + CONTAINER_SECRETS + OPERATOR_SEEDED:
        secret = sm.describe_secret(SecretId=name)
        tags = tags_of(secret)
        expected_key = shared_key_arn if name.startswith("blog-data/") else key_arn
        assert secret["KmsKeyId"] in (expected_key, expected_key.split("/")[-1]), name
        assert tags["platform:managed-by"] == "rocketclub.platform", name
        expected_env = "shared" if name.startswith("blog-data/") else ENV
        assert tags["platform:env"] == expected_env, name
        has_value = any("AWSCURRENT" in stages for stages in secret.get("VersionIdsToStages", {}).values())
        assert has_value, name
    admin = json.loads(sm.get_secret_value(SecretId="local/db/admin")["SecretString"])
    assert admin["username"] == "platform_admin" and len(admin["password"]) >= 32
    owner = tags_of(sm.describe_secret(SecretId="local/github/pat/blog_data_ci"))["platform:value-owner"]
    assert owner == "operator"


def test_parameters_by_name_type_and_value(platform, first_run):
    ssm = platform.client("ssm")
    params = {
        p["Name"]: p
        for p in ssm.get_parameters(
            Names=["/local/infra/park_mode", "/local/infra/database_restore_mode", "/local/shared/cf_alb_secret"]
        )["Parameters"]
    }
    assert params["/local/infra/park_mode"]["Type"] == "String"
    assert params["/local/infra/database_restore_mode"]["Type"] == "String"
    assert params["/local/infra/database_restore_mode"]["Value"] == "clean"
    assert params["/local/shared/cf_alb_secret"]["Type"] == "SecureString"
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/local/shared/cf_alb_secret"]}])
    assert (
        described["Parameters"][0]["KeyId"].endswith(
            platform.client("kms").describe_key(KeyId="alias/rocketclub-local-platform")["KeyMetadata"]["KeyId"]
        )
        or described["Parameters"][0]["KeyId"] == "alias/rocketclub-local-platform"
    )


def test_park_mode_starts_unparked(platform, first_run, values_after_first):
    # Read before the second_run fixture parks the environment by hand.
    value = platform.client("ssm").get_parameter(Name="/local/infra/park_mode")["Parameter"]["Value"]
    assert value == "unparked"


def test_with_deprecation_warnings_on_only_ansible_core_deprecates_something(first_run):
    lines = warning_lines(first_run.output)
    assert any(line.startswith(CORE_STRATEGY_DEPRECATION) for line in lines), lines  # they were on
    others = [line for line in lines if not line.startswith((CORE_STRATEGY_DEPRECATION, DEPRECATIONS_HINT))]
    assert others == [], others


def test_outputs_are_computed_at_the_end_of_the_run(platform, first_run, values_after_first):
    block = "\n".join(outputs_block(first_run.output))
    mode, text, outputs = first_run.outputs_file
    # The database URLs the aurora role wrote after the secrets role published platform_secrets have a value:
    # the outputs read the final state (the old summary listed them as secrets without a value).
    assert outputs["secrets_without_value"] == [] and outputs["needs_a_person"] == [], outputs
    assert "needs_a_person = []" in block and "database-url" not in block, block
    assert outputs["urls"] == URLS and outputs["park"]["parked"] is False
    assert outputs["platform"]["network"]["vpc_id"] in block and outputs["platform"]["aurora"]["endpoint"] in block
    assert mode == 0o600 and f"detail_file = {platform.outputs_file('local')} " in block
    for name, value in values_after_first.items():
        assert value not in text, f"value of {name} in the outputs file"


# --- the fresh converge ---------------------------------------------------------------------------


def test_fresh_converge_rides_out_eventual_consistency_and_throttling(first_run):
    assert first_run.rc == 0, first_run.output[-4000:]
    assert first_run.failed == 0
    injected = collections.Counter(call["operation"] for call in first_run.calls if call.get("injected"))
    # Every kind of "not there yet" answer happened, and each was retried to success.
    assert set(injected) == EVENTUAL_CONSISTENCY_OPERATIONS, injected
    succeeded = {call["operation"] for call in first_run.calls if not call.get("injected") and call["status"] < 300}
    assert EVENTUAL_CONSISTENCY_OPERATIONS <= succeeded
    throttled = [call for call in first_run.calls if call["throttled"]]
    assert len(throttled) > 50, len(throttled)  # about a fifth of several hundred calls


def test_certificates_were_issued_through_their_dns_validation(platform, first_run):
    assert first_run.rc == 0, first_run.output[-4000:]
    for region in ("eu-west-2", "us-east-1"):
        acm = platform.client("acm", region=region)
        summaries = acm.list_certificates()["CertificateSummaryList"]
        assert summaries, region
        for summary in summaries:
            certificate = acm.describe_certificate(CertificateArn=summary["CertificateArn"])["Certificate"]
            assert certificate["Status"] == "ISSUED", certificate["DomainName"]
            # As AWS answers it, not as the botocore enum spells it.
            assert certificate["KeyAlgorithm"] == "RSA-2048"


# --- the application tier and the edge ----------------------------------------------------------


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


# --- the second converge and after -------------------------------------------------------------


def test_second_converge_changes_nothing(second_run):
    second_run.assert_noop()


def test_second_converge_keeps_generated_and_operator_values(platform, second_run, values_after_first):
    assert secret_values(platform) == values_after_first
    sm = platform.client("secretsmanager")
    assert sm.get_secret_value(SecretId=OPERATOR_EDITED)["SecretString"] == OPERATOR_PAT
    assert platform.client("ssm").get_parameter(Name="/local/infra/park_mode")["Parameter"]["Value"] == "parked"


def test_check_diff_after_converge_changes_nothing(check_run):
    check_run.assert_noop()
    assert warning_lines(check_run.output) == [], warning_lines(check_run.output)
    assert "detail_file = not written in check mode" in "\n".join(outputs_block(check_run.output))


ROTATED_KINDE_SECRET = "rotated-kinde-secret-9f8e7d6c5b4a"


@pytest.fixture(scope="module")
def rotation_runs(platform, check_run):
    """Rotation by hand: a new Kinde secret put into Secrets Manager, then a converge."""
    platform.client("secretsmanager").put_secret_value(
        SecretId="local/kinde/client-secret", SecretString=ROTATED_KINDE_SECRET
    )
    rotated = platform.playbook("playbooks/site.yml", "--diff")
    assert rotated.rc == 0, rotated.output[-4000:]
    after = platform.playbook("playbooks/site.yml")
    assert after.rc == 0, after.output[-4000:]
    after.outputs_file = read_outputs(platform)
    return rotated, after


def test_a_noop_converge_prints_no_warning_and_a_short_outputs_block(platform, rotation_runs, values_after_first):
    after = rotation_runs[1]  # a plain converge with nothing to do, as an operator runs it
    after.assert_noop()
    assert warning_lines(after.output) == [], warning_lines(after.output)
    block = outputs_block(after.output)
    assert len(block) <= OUTPUTS_MAX_LINES, "\n".join(block)
    mode, text, outputs = after.outputs_file
    assert mode == 0o600 and f"detail_file = {platform.outputs_file('local')} (every id and ARN)" in "\n".join(block)
    # Parked by hand in second_run: the outputs say so, and still list every URL.
    assert outputs["park"]["parked"] is True and outputs["park"]["park_mode"] == "parked", outputs["park"]
    # ... with the cluster still running, which is for a person to act on (park.yml), not a warning.
    assert any("although the environment is parked" in item for item in outputs["needs_a_person"]), outputs
    assert outputs["urls"] == URLS and all(url in "\n".join(block) for url in URLS.values()), block
    values = dict(values_after_first, **{"rotated kinde secret": ROTATED_KINDE_SECRET})
    for name, value in values.items():
        assert value not in text, f"value of {name} in the outputs file"


def test_no_secret_value_in_any_output(first_run, second_run, check_run, rotation_runs, values_after_first):
    outputs = [run.output for run in (first_run, second_run, check_run) + rotation_runs]
    # The -vvv run really is verbose: it prints every module's arguments (whatever the strategy).
    assert "invocation:" in second_run.output and "module_args:" in second_run.output
    values_after_first = dict(values_after_first, **{"rotated kinde secret": ROTATED_KINDE_SECRET})
    for name, value in list(values_after_first.items()) + [("operator PAT", OPERATOR_PAT)]:
        for output in outputs:
            assert value not in output, f"value of {name} leaked into playbook output"


# --- ALB (issue 3) -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alb(platform, first_run):
    elbv2 = platform.client("elbv2")
    lbs = [lb for lb in elbv2.describe_load_balancers()["LoadBalancers"] if lb["LoadBalancerName"] == PREFIX]
    assert len(lbs) == 1
    return lbs[0]


def _listeners(platform, alb):
    listeners = platform.client("elbv2").describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    return {listener["Port"]: listener for listener in listeners}


def test_alb_in_public_subnets_behind_its_group(platform, alb):
    ec2 = platform.client("ec2")
    assert alb["Scheme"] == "internet-facing"
    subnets = ec2.describe_subnets(SubnetIds=[z["SubnetId"] for z in alb["AvailabilityZones"]])["Subnets"]
    assert sorted(tags_of(s)["platform:tier"] for s in subnets) == ["public", "public"]
    groups = ec2.describe_security_groups(GroupIds=alb["SecurityGroups"])["SecurityGroups"]
    assert [g["GroupName"] for g in groups] == [f"{PREFIX}-alb"]
    attributes = {
        a["Key"]: a["Value"]
        for a in platform.client("elbv2").describe_load_balancer_attributes(LoadBalancerArn=alb["LoadBalancerArn"])[
            "Attributes"
        ]
    }
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["deletion_protection.enabled"] == "false"


def test_listeners_tls13_default_403_and_redirect(platform, alb):
    listeners = _listeners(platform, alb)
    assert sorted(listeners) == [80, 443]
    https = listeners[443]
    assert https["Protocol"] == "HTTPS" and https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert [a["Type"] for a in https["DefaultActions"]] == ["fixed-response"]
    assert https["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"] == "403"
    redirect = listeners[80]["DefaultActions"][0]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"]["Protocol"] == "HTTPS" and redirect["RedirectConfig"]["StatusCode"] == "HTTP_301"


def test_target_groups(platform, alb):
    groups = platform.client("elbv2").describe_target_groups(Names=[f"{PREFIX}-backstage", f"{PREFIX}-prefect"])[
        "TargetGroups"
    ]
    assert sorted((g["TargetGroupName"], g["Port"], g["TargetType"]) for g in groups) == [
        (f"{PREFIX}-backstage", 7007, "ip"),
        (f"{PREFIX}-prefect", 4200, "ip"),
    ]


def _kinde_rules(platform, alb):
    elbv2 = platform.client("elbv2")
    rules = elbv2.describe_rules(ListenerArn=_listeners(platform, alb)[443]["ListenerArn"])["Rules"]
    return sorted((r for r in rules if not r["IsDefault"]), key=lambda r: int(r["Priority"]))


def test_kinde_rules_host_origin_header_oidc_then_forward(platform, alb):
    kinde = platform.env["LOCALCLOUD_KINDE_URL"]
    origin_secret = platform.client("ssm").get_parameter(Name="/local/shared/cf_alb_secret", WithDecryption=True)[
        "Parameter"
    ]["Value"]
    target_groups = {
        g["TargetGroupName"]: g["TargetGroupArn"]
        for g in platform.client("elbv2").describe_target_groups(Names=[f"{PREFIX}-backstage", f"{PREFIX}-prefect"])[
            "TargetGroups"
        ]
    }
    rules = _kinde_rules(platform, alb)
    expected = [("10", "portal.rocketclub.local", "backstage"), ("20", "pipelines.rocketclub.local", "prefect")]
    assert len(rules) == 2
    for rule, (priority, host, app) in zip(rules, expected):
        assert rule["Priority"] == priority
        conditions = {c["Field"]: c for c in rule["Conditions"]}
        assert conditions["host-header"]["HostHeaderConfig"]["Values"] == [host]
        header = conditions["http-header"]["HttpHeaderConfig"]
        assert header["HttpHeaderName"] == "X-Origin-Verify" and header["Values"] == [origin_secret]
        actions = sorted(rule["Actions"], key=lambda a: a["Order"])
        assert [(a["Order"], a["Type"]) for a in actions] == [(1, "authenticate-oidc"), (2, "forward")]
        oidc = actions[0]["AuthenticateOidcConfig"]
        assert oidc["Issuer"] == kinde
        assert oidc["AuthorizationEndpoint"] == kinde + "/oauth2/auth"
        assert oidc["TokenEndpoint"] == kinde + "/oauth2/token"
        assert oidc["UserInfoEndpoint"] == kinde + "/oauth2/v2/user_profile"
        assert oidc["ClientId"] == "localcloud-kinde-client"
        assert "ClientSecret" not in oidc  # as real AWS: never returned
        assert actions[1]["TargetGroupArn"] == target_groups[f"{PREFIX}-{app}"]


def _fingerprints(platform, alb):
    elbv2 = platform.client("elbv2")
    arns = [r["RuleArn"] for r in _kinde_rules(platform, alb)]
    tags = elbv2.describe_tags(ResourceArns=arns)["TagDescriptions"]
    return {
        t["ResourceArn"]: {x["Key"]: x["Value"] for x in t["Tags"]}["platform:oidc-secret-fingerprint"] for t in tags
    }


def test_rotated_kinde_secret_changes_exactly_the_two_rules(platform, alb, check_run, rotation_runs):
    rotated, after = rotation_runs
    writes = rotated.writes
    fingerprints = _fingerprints(platform, alb)
    assert rotated.changed == 1, rotated.output[-4000:]  # the Kinde rules task, nothing else
    modified = [w for w in writes if w["operation"] == "ModifyRule"]
    assert len(modified) == 2, writes
    assert {w["operation"] for w in writes} <= {"ModifyRule", "AddTags", "RemoveTags"}, writes
    after.assert_noop()
    assert len(set(fingerprints.values())) == 1  # both rules carry the new secret's fingerprint


def test_fingerprint_is_not_the_secret_nor_its_plain_hash(platform, alb, rotation_runs):
    import hashlib

    for fingerprint in _fingerprints(platform, alb).values():
        assert ROTATED_KINDE_SECRET not in fingerprint
        assert fingerprint not in hashlib.sha256(ROTATED_KINDE_SECRET.encode()).hexdigest()


def test_next_converge_is_a_noop_and_requests_no_certificate(platform, second_run):
    second_run.assert_noop()
    assert not [call for call in second_run.calls if call["operation"] == "RequestCertificate"]


def test_nothing_exists_twice(platform, second_run):
    ec2 = platform.client("ec2")
    assert len(ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["rocketclub-local"]}])["Vpcs"]) == 1
    nat = ec2.describe_nat_gateways(Filter=[{"Name": "state", "Values": ["available", "pending"]}])["NatGateways"]
    assert len(nat) == 1
    for region in ("eu-west-2", "us-east-1"):
        domains = [
            c["DomainName"] for c in platform.client("acm", region=region).list_certificates()["CertificateSummaryList"]
        ]
        assert len(domains) == len(set(domains)) == 1, (region, domains)
    assert len(platform.client("elbv2").describe_load_balancers()["LoadBalancers"]) == 1
    services = platform.client("ecs").list_services(cluster=CLUSTER)["serviceArns"]
    assert len(services) == len(SERVICES)
    assert len(platform.client("cloudfront").list_distributions()["DistributionList"]["Items"]) == 2
    buckets = [b["Name"] for b in platform.client("s3").list_buckets()["Buckets"]]
    assert len(buckets) == 4, buckets
    _aurora(platform)


def test_cloudflare_zone_is_full_strict(platform, second_run):
    # The emulator starts a zone at Flexible; the dns role sets Full (strict) before any proxied record.
    assert platform.cloud.cloudflare_state()["settings"]["rocketclub.local"]["ssl"] == "strict"


# --- an AWS maintenance window ------------------------------------------------------------------


@pytest.fixture(scope="module")
def maintenance_run(platform, rotation_runs):
    """An AWS maintenance window and an operator's new secret value, then a converge (unparked again)."""
    rotation_runs[1].assert_noop()
    platform.client("ssm").put_parameter(Name="/local/infra/park_mode", Value="unparked", Type="String", Overwrite=True)
    before = _aurora(platform)["EngineVersion"]
    platform.cloud.rds_maintenance(_aurora(platform)["DBClusterIdentifier"])
    raised = _aurora(platform)["EngineVersion"]
    assert raised != before, (before, raised)
    platform.client("secretsmanager").put_secret_value(
        SecretId=BACKSTAGE_SECRET, SecretString="circleci-token-set-by-an-operator-0123456789"
    )
    deployments = _deployments(platform)
    run = platform.playbook("playbooks/site.yml", "--diff")
    return {"run": run, "engine_before": before, "engine_raised": raised, "deployments": deployments}


@pytest.fixture(scope="module")
def settled_runs(platform, maintenance_run):
    assert maintenance_run["run"].rc == 0, maintenance_run["run"].output[-4000:]
    return platform.playbook("playbooks/site.yml")


def test_raised_minor_version_is_kept_and_the_new_secret_redeploys_backstage_only(platform, maintenance_run):
    run = maintenance_run["run"]
    assert run.rc == 0, run.output[-4000:]
    operations = [call["operation"] for call in run.calls]
    assert "ModifyDBCluster" not in operations
    assert _aurora(platform)["EngineVersion"] == maintenance_run["engine_raised"]
    # The one change: Backstage's new deployment (and the record of the secret versions it read); the
    # aurora task saw the raised version as a match.
    assert len(run.changed_tasks) == 1 and "ecs_service" in run.changed_tasks[0], run.changed_tasks
    assert {call["operation"] for call in run.writes} <= {"UpdateService", "TagResource", "UntagResource"}
    assert operations.count("UpdateService") == 1
    before, after = maintenance_run["deployments"], _deployments(platform)
    assert after[SERVICES["backstage"]][0] not in before[SERVICES["backstage"]]
    assert after[SERVICES["prefect"]] == before[SERVICES["prefect"]]


def test_converge_after_that_is_a_noop(settled_runs):
    settled_runs.assert_noop()


# --- last: the retry budget ---------------------------------------------------------------------


def test_a_throttled_operation_past_the_retry_budget_is_named(platform, settled_runs):
    # Last in this module: KMS answers nothing but throttling, with a budget of 2 attempts per call.
    platform.cloud.configure(throttle_fraction=1.0, throttle_services=["kms"], throttle_seed=1)
    try:
        run = platform.playbook("playbooks/site.yml", "-e", "platform_aws_max_attempts=2")
    finally:
        platform.cloud.configure(throttle_fraction=0.0, throttle_services=[], throttle_seed=None)
    assert run.rc != 0
    assert run.writes == []
    throttled = {call["operation"] for call in run.calls if call["throttled"]}
    assert throttled == {"ListAliases"}, throttled  # the first KMS call of rocketclub.platform.kms_keys
    assert "when calling the ListAliases operation (reached max retries: 1)" in run.output, run.tail()
