# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml against a fresh local cloud: the AWS state it leaves, idempotence, check mode, secrecy.

Sequence (module-scoped fixtures, each run once):
  fresh converge (deprecation warnings on) -> operator edits (a PAT value, park mode) -> second converge
  (changed=0, no write call, operator edits kept) -> --check --diff by FQCN (changed=0, no write call)
  -> Kinde secret rotated by hand, converge -> plain converge (no-op: no warning, the outputs on screen
  in at most 60 lines, the outputs file).
"""

from __future__ import annotations

import json
import os

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


@pytest.fixture(scope="module")
def first_run(platform):
    platform.fresh_account()
    # Deprecation warnings on (ansible.cfg turns them off): a stock module's deprecation must show here.
    run = platform.playbook("playbooks/site.yml", "--diff", env_overrides={"ANSIBLE_DEPRECATION_WARNINGS": "true"})
    assert run.rc == 0, run.output[-4000:]
    run.outputs_file = read_outputs(platform)  # later runs rewrite it
    return run


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
