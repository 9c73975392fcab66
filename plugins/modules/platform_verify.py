#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: platform_verify
version_added: 0.1.0
short_description: Check a running environment against the platform's security invariants, read-only
description:
  - Reads the environment (ELBv2, EC2 security groups, RDS, ECS, S3, KMS, ACM, CloudFront, Secrets Manager, SSM and
    Cloudflare) and evaluates named checks, each C(pass), C(fail), C(skip) or C(error) (the check could not be
    read). It never writes anything. The catalogue (what each check asserts, its Prowler check id and AWS Config
    managed rule) is in docs/verify.md.
  - Secret values (the origin secret, managed secrets compared with task definition environments) are compared
    inside the module; no value appears in the result, only which parameter or secret a value matches.
  - C(declared_configuration) (everything C(site.yml --check) would change) is evaluated by the action plugin on
    the controller, which also writes the JSON and JUnit XML reports (O(report_json), O(report_junit)).
  - Unknown names in O(skip) fail before any API call, listing the valid names.
author:
  - rocketclub platform team (@rocketclub)
options:
  env:
    description: The environment (C(platform_env)); certificates of the platform are found by its C(platform:env) tag.
    type: str
    required: true
  edge:
    description:
      - The topology (C(platform_edge)). V(cloudfront) checks the ALB group against the CloudFront origin-facing
        prefix list and runs the CloudFront checks; V(cloudflare) checks it against Cloudflare's published ranges
        (read from the C(/ips) endpoint) and skips the CloudFront checks.
    type: str
    choices: [cloudfront, cloudflare]
    default: cloudfront
  skip:
    description: Names of checks not to run (reported C(skip)); an unknown name fails before any API call.
    type: list
    elements: str
    default: []
  alb_name:
    description: Name of the application load balancer.
    type: str
    required: true
  alb_ssl_policy:
    description: The TLS policy the HTTPS listener must use (C(alb_ssl_policy)).
    type: str
    default: ELBSecurityPolicy-TLS13-1-2-2021-06
  origin_header_name:
    description: Name of the origin header every forwarding rule must require.
    type: str
    default: X-Origin-Verify
  origin_secret_parameter:
    description: SSM SecureString holding the current origin secret.
    type: str
    required: true
  origin_secret_pending_parameter:
    description:
      - SSM SecureString of a rotation's new origin secret. While it exists, the rules must accept exactly the current
        and the pending value; otherwise exactly the current one.
    type: str
  security_groups:
    description: The platform's security groups, role (C(alb), C(ecs), C(aurora), C(endpoints)) -> group name.
    type: dict
    required: true
  cloudfront_prefix_list_name:
    description: Name of the CloudFront origin-facing managed prefix list (V(cloudfront) topology).
    type: str
    default: com.amazonaws.global.cloudfront.origin-facing
  app_ports:
    description: The application ports the ALB group may reach the ECS group on.
    type: list
    elements: int
    default: [7007, 4200]
  idp_egress_cidrs:
    description: The ranges the ALB group may reach on 443 (the OIDC IdP).
    type: list
    elements: str
    default: [0.0.0.0/0]
  aurora_cluster_identifier:
    description: Identifier of the Aurora cluster.
    type: str
    required: true
  aurora_deletion_protection:
    description: Whether the inventory demands deletion protection (C(aurora_deletion_protection)); when false the
      check is skipped.
    type: bool
    default: false
  ecs_cluster_name:
    description: Name of the ECS cluster; the task definitions of its services (and the newest revision of each of
      their families) are checked.
    type: str
    required: true
  task_definition_families:
    description:
      - Further task definition families whose newest C(ACTIVE) revision is checked (one-off tasks that no service
        runs, such as the Prefect deployer and the database bootstrap). A family without an active revision is left
        out.
    type: list
    elements: str
    default: []
  managed_secrets:
    description: Secrets Manager names whose values must not appear in a task definition's plain environment.
    type: list
    elements: str
    default: []
  managed_parameters:
    description: SSM SecureString names whose values must not appear in a task definition's plain environment.
    type: list
    elements: str
    default: []
  buckets:
    description: Names of the platform's S3 buckets.
    type: list
    elements: str
    default: []
  kms_aliases:
    description: Aliases of the platform's KMS keys (a missing alias fails the check).
    type: list
    elements: str
    default: []
  certificate_min_days:
    description: A certificate expiring within this many days fails C(acm_certificates_valid).
    type: int
    default: 30
  hosts:
    description: The application hosts (Cloudflare records, CloudFront aliases).
    type: list
    elements: str
    default: []
  cloudfront_minimum_protocol_version:
    description: The viewer minimum protocol version of every distribution (V(cloudfront) topology).
    type: str
    default: TLSv1.2_2021
  cloudflare_zone:
    description: The Cloudflare zone of the application hosts.
    type: str
    required: true
  kinde_client_secret_name:
    description: Secrets Manager name of the Kinde client secret (its current version's age is checked).
    type: str
    required: true
  secret_max_age_days:
    description: A Kinde client secret or origin secret older than this fails its age check.
    type: int
    default: 90
  report_json:
    description:
      - Controller path of the JSON report, written by the action plugin with mode 0600 (no secret is in it).
      - Its keys are C(result) (V(pass), V(drift) or V(error)), C(environment), C(edge), C(time) and C(checks).
      - Not written when unset.
    type: path
  report_junit:
    description: Controller path of the JUnit XML report (one testcase per check; failure, error or skipped).
    type: path
  site_playbook:
    description:
      - The playbook C(declared_configuration) runs with C(--check) on the controller (action plugin), with this
        run's inventory sources, extra vars and vault ids. Default V(playbooks/site.yml).
    type: path
  site_check_timeout:
    description: Seconds the C(--check) run of O(site_playbook) may take before C(declared_configuration) is an error.
    type: int
    default: 900
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - rocketclub.platform.cloudflare
notes:
  - Read-only; supports check mode (it is the same run).
seealso:
  - name: Prowler AWS checks
    description: The check ids named in each result.
    link: https://github.com/prowler-cloud/prowler/tree/master/prowler/providers/aws/services
  - name: AWS Config managed rules
    description: The rule names named in each result.
    link: https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html
"""

EXAMPLES = r"""
- name: Verify the environment
  rocketclub.platform.platform_verify:
    env: prod
    alb_name: rocketclub-prod
    origin_secret_parameter: /prod/shared/cf_alb_secret
    origin_secret_pending_parameter: /prod/shared/cf_alb_secret_pending
    security_groups: {alb: rocketclub-prod-alb, ecs: rocketclub-prod-ecs, aurora: rocketclub-prod-aurora}
    aurora_cluster_identifier: rocketclub-prod
    aurora_deletion_protection: true
    ecs_cluster_name: rocketclub-prod
    cloudflare_zone: rocketclub.online
    kinde_client_secret_name: prod/kinde/client-secret
    hosts: [portal.rocketclub.online, pipelines.rocketclub.online]
    skip: [declared_configuration]
  register: verify
"""

RETURN = r"""
checks:
  description: One entry per check, in catalogue order.
  returned: always
  type: list
  elements: dict
  sample:
    - name: alb_tls_policy
      status: fail
      resources: [arn:aws:elasticloadbalancing:eu-west-2:123456789012:listener/app/rocketclub-prod/1/2]
      detail: SslPolicy ELBSecurityPolicy-2016-08 (expected ELBSecurityPolicy-TLS13-1-2-2021-06)
      prowler: elbv2_insecure_ssl_ciphers
      aws_config: none
  contains:
    name:
      description: Check name.
      returned: always
      type: str
      sample: alb_tls_policy
    status:
      description: C(pass), C(fail), C(skip) or C(error).
      returned: always
      type: str
      sample: fail
    resources:
      description: What the check looked at (ids, ARNs, names).
      returned: always
      type: list
      elements: str
      sample: [sg-0123456789abcdef0]
    detail:
      description: Why it passed, failed or was skipped; never a secret value.
      returned: always
      type: str
      sample: SslPolicy ELBSecurityPolicy-2016-08 (expected ELBSecurityPolicy-TLS13-1-2-2021-06)
    prowler:
      description: The matching Prowler check id, or C(none).
      returned: always
      type: str
      sample: elbv2_insecure_ssl_ciphers
    aws_config:
      description: The matching AWS Config managed rule, or C(none).
      returned: always
      type: str
      sample: none
result:
  description: C(pass), C(drift) (a check failed) or C(error) (a check could not be evaluated).
  returned: always
  type: str
  sample: drift
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.rocketclub.platform.plugins.module_utils import verify_checks as vc
from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareClient
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareError
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import cloudflare_argument_spec

CLOUDFRONT_REGION = "us-east-1"
KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
PUBLIC_ACCESS_BLOCK = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


class Missing(Exception):
    """A resource a check needs does not exist: the check fails with this text."""


class Verifier:
    def __init__(self, module):
        self.module = module
        self.p = module.params
        self._cache = {}
        self._clients = {}

    # -- plumbing ---------------------------------------------------------------------------------------------

    def client(self, service, region=None):
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = (
                self.module.client(service, region=region, retry_decorator=AWSRetry.jittered_backoff())
                if region
                else self.module.client(service, retry_decorator=AWSRetry.jittered_backoff())
            )
        return self._clients[key]

    def cached(self, key, read):
        if key not in self._cache:
            try:
                self._cache[key] = (True, read())
            except Exception as exc:  # pylint: disable=broad-except
                self._cache[key] = (False, exc)
        ok, value = self._cache[key]
        if not ok:
            raise value
        return value

    def paginate(self, service, operation, key, region=None, **params):
        paginator = self.client(service, region).get_paginator(operation)
        items = []
        for page in paginator.paginate(**params):
            items.extend(page.get(key) or [])
        return items

    # -- shared reads ------------------------------------------------------------------------------------------

    def alb(self):
        def read():
            elbv2 = self.client("elbv2")
            try:
                lbs = elbv2.describe_load_balancers(Names=[self.p["alb_name"]], aws_retry=True)["LoadBalancers"]
            except botocore.exceptions.ClientError as exc:
                if exc.response["Error"]["Code"] == "LoadBalancerNotFound":
                    raise Missing(f"load balancer {self.p['alb_name']} not found") from None
                raise
            return lbs[0]

        return self.cached("alb", read)

    def listeners(self):
        def read():
            arn = self.alb()["LoadBalancerArn"]
            listeners = self.client("elbv2").describe_listeners(LoadBalancerArn=arn, aws_retry=True)["Listeners"]
            return {listener["Port"]: listener for listener in listeners}

        return self.cached("listeners", read)

    def https_listener(self):
        listener = self.listeners().get(443)
        if listener is None:
            raise Missing(f"load balancer {self.p['alb_name']} has no HTTPS listener on 443")
        return listener

    def rules(self):
        def read():
            arn = self.https_listener()["ListenerArn"]
            return self.client("elbv2").describe_rules(ListenerArn=arn, aws_retry=True)["Rules"]

        return self.cached("rules", read)

    def groups(self):
        def read():
            names = sorted(set(self.p["security_groups"].values()))
            found = self.client("ec2").describe_security_groups(
                Filters=[{"Name": "group-name", "Values": names}], aws_retry=True
            )["SecurityGroups"]
            return {g["GroupName"]: g for g in found}

        return self.cached("groups", read)

    def group(self, role):
        name = self.p["security_groups"].get(role)
        group = self.groups().get(name)
        if group is None:
            raise Missing(f"security group {name} ({role}) not found")
        return group

    def parameter(self, name):
        """The value of an SSM SecureString, or None when it does not exist (kept inside the module)."""

        def read():
            try:
                answer = self.client("ssm").get_parameter(Name=name, WithDecryption=True, aws_retry=True)
            except botocore.exceptions.ClientError as exc:
                if exc.response["Error"]["Code"] == "ParameterNotFound":
                    return None
                raise
            return answer["Parameter"]

        return self.cached(("parameter", name), read)

    def distributions(self):
        def read():
            cloudfront = self.client("cloudfront")
            hosts = {h.lower() for h in self.p["hosts"]}
            found, marker = [], None
            while True:
                page = cloudfront.list_distributions(**({"Marker": marker} if marker else {}), aws_retry=True)
                listing = page.get("DistributionList") or {}
                for summary in listing.get("Items") or []:
                    aliases = {a.lower() for a in (summary.get("Aliases") or {}).get("Items") or []}
                    if aliases & hosts:
                        found.append(summary)
                marker = listing.get("NextMarker")
                if not listing.get("IsTruncated") or not marker:
                    break
            missing = hosts - {a.lower() for s in found for a in (s.get("Aliases") or {}).get("Items") or []}
            if missing:
                raise Missing(f"no distribution for {', '.join(sorted(missing))}")
            return found

        return self.cached("distributions", read)

    def cloudflare(self):
        if "cloudflare" not in self._cache:
            client = CloudflareClient.from_module(self.module)
            self._cache["cloudflare"] = (
                True,
                (client, self.cached("zone", lambda: client.zone_id(self.p["cloudflare_zone"]))),
            )
        return self._cache["cloudflare"][1]

    # -- checks -----------------------------------------------------------------------------------------------

    def check_alb_ingress_source(self):
        group = self.group("alb")
        if self.p["edge"] == "cloudfront":
            name = self.p["cloudfront_prefix_list_name"]
            lists = self.client("ec2").describe_managed_prefix_lists(
                Filters=[{"Name": "prefix-list-name", "Values": [name]}], aws_retry=True
            )["PrefixLists"]
            if not lists:
                raise Missing(f"managed prefix list {name} not found")
            sources = ["pl:" + lists[0]["PrefixListId"]]
            label = f"the CloudFront origin-facing prefix list {lists[0]['PrefixListId']}"
        else:
            client = CloudflareClient.from_module(self.module)
            ips = client.ips()
            sources = ["cidr:" + c for c in (ips.get("ipv4_cidrs") or []) + (ips.get("ipv6_cidrs") or [])]
            label = f"Cloudflare's {len(sources)} published ranges"
        problems = vc.alb_ingress_problems(group.get("IpPermissions"), sources)
        if problems:
            return vc.FAIL, f"{group['GroupId']} ({group['GroupName']}): {'; '.join(problems)}", [group["GroupId"]]
        return vc.PASS, f"443 from {label} only", [group["GroupId"]]

    def check_alb_security_group_declared(self):
        group, ecs = self.group("alb"), self.group("ecs")
        wanted = {("tcp", port, port, "sg:" + ecs["GroupId"]) for port in self.p["app_ports"]}
        wanted |= {("tcp", 443, 443, "cidr:" + vc.normalise_cidr(c)) for c in self.p["idp_egress_cidrs"]}
        actual = {
            (p[0], p[1], p[2], "cidr:" + vc.normalise_cidr(p[3][5:]) if p[3].startswith("cidr:") else p[3])
            for p in vc.permissions(group.get("IpPermissionsEgress"))
        }
        problems = []
        if actual - wanted:
            problems.append(f"undeclared egress: {vc.show_permissions(actual - wanted)}")
        if wanted - actual:
            problems.append(f"missing egress: {vc.show_permissions(wanted - actual)}")
        if problems:
            return vc.FAIL, f"{group['GroupId']}: {'; '.join(problems)}", [group["GroupId"]]
        return vc.PASS, "egress as declared", [group["GroupId"]]

    def check_no_public_ingress(self):
        bad, ids = [], []
        for role in sorted(self.p["security_groups"]):
            if role == "alb":
                continue
            group = self.group(role)
            ids.append(group["GroupId"])
            opened = vc.open_ingress(group.get("IpPermissions"))
            if opened:
                bad.append(f"{group['GroupId']} ({group['GroupName']}): {vc.show_permissions(opened)}")
        if bad:
            return vc.FAIL, "ingress from the internet: " + "; ".join(bad), ids
        return vc.PASS, f"{len(ids)} groups without ingress from 0.0.0.0/0 or ::/0", ids

    def _forwarding_rules(self):
        return [r for r in self.rules() if not r.get("IsDefault")]

    def check_alb_rules_authenticate(self):
        return self._rules_check(0, lambda values: None, "rules authenticate with OIDC first")

    def _rules_check(self, part, accepted, passed):
        """One check over every forwarding rule: ``part`` 0 judges the authentication, 1 the origin header
        (``accepted`` tells whether its values are the right ones); ``passed`` ends the message of a pass."""
        bad, arns = [], []
        for rule in self._forwarding_rules():
            arns.append(rule["RuleArn"])
            problems = vc.rule_problems(rule, self.p["origin_header_name"], accepted)[part]
            if problems:
                bad.append(f"rule {rule.get('Priority')}: {'; '.join(problems)}")
        if not arns:
            return vc.FAIL, "the HTTPS listener has no forwarding rule", arns
        if bad:
            return vc.FAIL, "; ".join(bad), arns
        return vc.PASS, f"{len(arns)} {passed}", arns

    def check_alb_rules_origin_header(self):
        current = self.parameter(self.p["origin_secret_parameter"])
        if current is None:
            raise Missing(f"SSM parameter {self.p['origin_secret_parameter']} not found")
        pending_name = self.p["origin_secret_pending_parameter"]
        pending = self.parameter(pending_name) if pending_name else None
        wanted = {"current": current["Value"]}
        if pending is not None:
            wanted["pending"] = pending["Value"]

        def accepted(values):
            labels = sorted(
                next((label for label, value in wanted.items() if value == v), "other") for v in set(values)
            )
            if sorted(wanted) != labels:
                return f"accepts {', '.join(labels) or 'nothing'} (expected {', '.join(sorted(wanted))})"
            return None

        return self._rules_check(
            1, accepted, f"rules require {self.p['origin_header_name']} ({', '.join(sorted(wanted))})"
        )

    def check_alb_default_action_403(self):
        listener = self.https_listener()
        actions = listener.get("DefaultActions") or []
        ok = (
            len(actions) == 1
            and actions[0].get("Type") == "fixed-response"
            and str((actions[0].get("FixedResponseConfig") or {}).get("StatusCode")) == "403"
        )
        if not ok:
            shown = ", ".join(
                f"{a.get('Type')} {(a.get('FixedResponseConfig') or {}).get('StatusCode', '')}".strip() for a in actions
            )
            return (
                vc.FAIL,
                f"default action is {shown or 'none'} (expected fixed-response 403)",
                [listener["ListenerArn"]],
            )
        return vc.PASS, "fixed-response 403", [listener["ListenerArn"]]

    def check_alb_http_redirect(self):
        listener = self.listeners().get(80)
        if listener is None:
            return vc.FAIL, "no HTTP listener on 80", [self.alb()["LoadBalancerArn"]]
        actions = listener.get("DefaultActions") or []
        redirect = (actions[0].get("RedirectConfig") or {}) if actions and actions[0].get("Type") == "redirect" else {}
        if len(actions) != 1 or redirect.get("Protocol") != "HTTPS":
            return vc.FAIL, "the HTTP listener does not redirect to HTTPS", [listener["ListenerArn"]]
        return vc.PASS, f"redirect to HTTPS ({redirect.get('StatusCode')})", [listener["ListenerArn"]]

    def check_alb_tls_policy(self):
        listener = self.https_listener()
        policy = listener.get("SslPolicy")
        if policy != self.p["alb_ssl_policy"]:
            return vc.FAIL, f"SslPolicy {policy} (expected {self.p['alb_ssl_policy']})", [listener["ListenerArn"]]
        return vc.PASS, policy, [listener["ListenerArn"]]

    def check_alb_drop_invalid_header_fields(self):
        arn = self.alb()["LoadBalancerArn"]
        attributes = self.client("elbv2").describe_load_balancer_attributes(LoadBalancerArn=arn, aws_retry=True)
        values = {a["Key"]: a["Value"] for a in attributes["Attributes"]}
        if values.get("routing.http.drop_invalid_header_fields.enabled") != "true":
            return vc.FAIL, "routing.http.drop_invalid_header_fields.enabled is not true", [arn]
        return vc.PASS, "enabled", [arn]

    def _distribution_configs(self):
        cloudfront = self.client("cloudfront")
        for summary in self.distributions():
            config = cloudfront.get_distribution_config(Id=summary["Id"], aws_retry=True)["DistributionConfig"]
            yield summary["Id"], config

    def check_cloudfront_viewer_tls(self):
        bad, ids = [], []
        for dist_id, config in self._distribution_configs():
            ids.append(dist_id)
            viewer = config.get("ViewerCertificate") or {}
            version = viewer.get("MinimumProtocolVersion")
            if version != self.p["cloudfront_minimum_protocol_version"]:
                bad.append(f"{dist_id}: MinimumProtocolVersion {version}")
            behaviours = [config.get("DefaultCacheBehavior") or {}] + list(
                (config.get("CacheBehaviors") or {}).get("Items") or []
            )
            policies = {b.get("ViewerProtocolPolicy") for b in behaviours} - {"redirect-to-https", "https-only"}
            if policies:
                bad.append(f"{dist_id}: ViewerProtocolPolicy {', '.join(sorted(policies))}")
        if bad:
            return vc.FAIL, "; ".join(bad), ids
        return vc.PASS, f"{len(ids)} distributions: {self.p['cloudfront_minimum_protocol_version']}, HTTPS", ids

    def check_cloudfront_origin_tls(self):
        bad, ids = [], []
        for dist_id, config in self._distribution_configs():
            ids.append(dist_id)
            for origin in (config.get("Origins") or {}).get("Items") or []:
                custom = origin.get("CustomOriginConfig")
                if custom is None:
                    continue
                protocols = sorted((custom.get("OriginSslProtocols") or {}).get("Items") or [])
                if custom.get("OriginProtocolPolicy") != "https-only" or protocols != ["TLSv1.2"]:
                    bad.append(
                        f"{dist_id} origin {origin.get('Id')}: {custom.get('OriginProtocolPolicy')} "
                        f"{'/'.join(protocols)} (expected https-only TLSv1.2)"
                    )
        if bad:
            return vc.FAIL, "; ".join(bad), ids
        return vc.PASS, f"{len(ids)} distributions: https-only, TLSv1.2", ids

    def cluster(self):
        def read():
            ident = self.p["aurora_cluster_identifier"]
            try:
                return self.client("rds").describe_db_clusters(DBClusterIdentifier=ident, aws_retry=True)["DBClusters"][
                    0
                ]
            except botocore.exceptions.ClientError as exc:
                if exc.response["Error"]["Code"] == "DBClusterNotFoundFault":
                    raise Missing(f"Aurora cluster {ident} not found") from None
                raise

        return self.cached("cluster", read)

    def check_aurora_not_public(self):
        cluster = self.cluster()
        ids = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers") or []]
        public = []
        for ident in ids:
            instance = self.client("rds").describe_db_instances(DBInstanceIdentifier=ident, aws_retry=True)[
                "DBInstances"
            ][0]
            if instance.get("PubliclyAccessible"):
                public.append(ident)
        if public:
            return vc.FAIL, f"publicly accessible: {', '.join(public)}", ids
        return vc.PASS, f"{len(ids)} instances private", ids

    def check_aurora_storage_encrypted(self):
        cluster = self.cluster()
        if not cluster.get("StorageEncrypted"):
            return vc.FAIL, "storage not encrypted", [cluster["DBClusterArn"]]
        return vc.PASS, f"encrypted with {cluster.get('KmsKeyId')}", [cluster["DBClusterArn"]]

    def check_aurora_deletion_protection(self):
        if not self.p["aurora_deletion_protection"]:
            return vc.SKIP, "aurora_deletion_protection is false in the inventory", []
        cluster = self.cluster()
        if not cluster.get("DeletionProtection"):
            return vc.FAIL, "deletion protection off (aurora_deletion_protection is true)", [cluster["DBClusterArn"]]
        return vc.PASS, "on", [cluster["DBClusterArn"]]

    def _managed_values(self):
        """value -> label of the secret holding it; values never leave this module."""
        values = {}
        sm = self.client("secretsmanager")
        for name in self.p["managed_secrets"]:
            try:
                secret = sm.get_secret_value(SecretId=name, aws_retry=True)
            except botocore.exceptions.ClientError as exc:
                if exc.response["Error"]["Code"] in ("ResourceNotFoundException", "InvalidRequestException"):
                    continue
                raise
            for value in vc.secret_values(secret.get("SecretString")):
                values.setdefault(value, f"secret {name}")
        for name in self.p["managed_parameters"]:
            parameter = self.parameter(name)
            if parameter is not None:
                for value in vc.secret_values(parameter.get("Value")):
                    values.setdefault(value, f"parameter {name}")
        return values

    def _newest_revision(self, family):
        """The newest ACTIVE revision of ``family`` (the one a new deployment of the family would most likely
        take). Every ACTIVE ARN of the prefix is listed and the highest revision of exactly this family taken:
        ``sort``/``maxResults`` would save the listing, but a prefix also matches longer family names."""
        arns = self.paginate("ecs", "list_task_definitions", "taskDefinitionArns", familyPrefix=family, status="ACTIVE")
        revisions = [
            (int(arn.rsplit(":", 1)[1]), arn) for arn in arns if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family
        ]
        return max(revisions)[1] if revisions else None

    def check_ecs_no_plaintext_secrets(self):
        ecs = self.client("ecs")
        cluster = self.p["ecs_cluster_name"]
        try:
            arns = self.paginate("ecs", "list_services", "serviceArns", cluster=cluster)
        except botocore.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] == "ClusterNotFoundException":
                raise Missing(f"ECS cluster {cluster} not found") from None
            raise
        definitions = set()
        for start in range(0, len(arns), 10):
            for service in ecs.describe_services(cluster=cluster, services=arns[start : start + 10], aws_retry=True)[
                "services"
            ]:
                definitions.add(service["taskDefinition"])
                family = service["taskDefinition"].rsplit("/", 1)[-1].rsplit(":", 1)[0]
                newest = self._newest_revision(family)
                if newest:
                    definitions.add(newest)
        for family in self.p["task_definition_families"]:
            newest = self._newest_revision(family)
            if newest:
                definitions.add(newest)
        managed = self._managed_values()
        bad = []
        for arn in sorted(definitions):
            definition = ecs.describe_task_definition(taskDefinition=arn, aws_retry=True)["taskDefinition"]
            for container, variable, reason in vc.task_definition_problems(definition, managed):
                bad.append(f"{arn.rsplit('/', 1)[-1]} {container}: {variable} {reason}")
        if bad:
            return vc.FAIL, "; ".join(bad), sorted(definitions)
        return vc.PASS, f"{len(definitions)} task definitions without secrets in plain environment", sorted(definitions)

    def check_s3_public_access_block(self):
        s3 = self.client("s3")
        bad = []
        for bucket in self.p["buckets"]:
            try:
                config = s3.get_public_access_block(Bucket=bucket, aws_retry=True)["PublicAccessBlockConfiguration"]
            except botocore.exceptions.ClientError as exc:
                code = exc.response["Error"]["Code"]
                if code == "NoSuchPublicAccessBlockConfiguration":
                    config = {}
                elif code == "NoSuchBucket":
                    bad.append(f"{bucket}: not found")
                    continue
                else:
                    raise
            off = [k for k in PUBLIC_ACCESS_BLOCK if not config.get(k)]
            if off:
                bad.append(f"{bucket}: {', '.join(off)} off")
        if bad:
            return vc.FAIL, "; ".join(bad), self.p["buckets"]
        return vc.PASS, f"{len(self.p['buckets'])} buckets block public access", self.p["buckets"]

    def check_kms_key_rotation(self):
        kms = self.client("kms")
        aliases = {a["AliasName"]: a.get("TargetKeyId") for a in self.paginate("kms", "list_aliases", "Aliases")}
        bad, ids = [], []
        for alias in self.p["kms_aliases"]:
            key = aliases.get(alias)
            if not key:
                bad.append(f"{alias}: not found")
                continue
            ids.append(key)
            if not kms.get_key_rotation_status(KeyId=key, aws_retry=True)["KeyRotationEnabled"]:
                bad.append(f"{alias} ({key}): rotation off")
        if bad:
            return vc.FAIL, "; ".join(bad), ids
        return vc.PASS, f"{len(ids)} keys rotate", ids

    def _certificates(self):
        """ARN -> region of the platform's certificates: those tagged with its environment, the ALB listener's and
        the distributions' viewer certificates."""
        found = {}
        regions = [self.module.region] + ([CLOUDFRONT_REGION] if self.module.region != CLOUDFRONT_REGION else [])
        for region in regions:
            acm = self.client("acm", region)
            # Without Includes.keyTypes ListCertificates lists RSA_2048 certificates only.
            listing = self.paginate(
                "acm", "list_certificates", "CertificateSummaryList", region=region, Includes={"keyTypes": KEY_TYPES}
            )
            for summary in listing:
                arn = summary["CertificateArn"]
                tags = {
                    t["Key"]: t.get("Value")
                    for t in acm.list_tags_for_certificate(CertificateArn=arn, aws_retry=True).get("Tags") or []
                }
                if (
                    tags.get("platform:env") == self.p["env"]
                    and tags.get("platform:managed-by") == "rocketclub.platform"
                ):
                    found[arn] = region
        try:
            for cert in self.https_listener().get("Certificates") or []:
                found.setdefault(cert["CertificateArn"], self.module.region)
        except Missing:
            pass
        if self.p["edge"] == "cloudfront":
            try:
                for dummy, config in self._distribution_configs():
                    arn = (config.get("ViewerCertificate") or {}).get("ACMCertificateArn")
                    if arn:
                        found.setdefault(arn, CLOUDFRONT_REGION)
            except Missing:
                pass
        return found

    def check_acm_certificates_valid(self):
        import datetime  # pylint: disable=import-outside-toplevel

        now = datetime.datetime.now(datetime.timezone.utc)
        bad, arns = [], []
        for arn, region in sorted(self._certificates().items()):
            arns.append(arn)
            cert = self.client("acm", region).describe_certificate(CertificateArn=arn, aws_retry=True)["Certificate"]
            label = f"{cert.get('DomainName')} ({arn.rsplit('/', 1)[-1]})"
            if cert.get("Status") != "ISSUED":
                bad.append(f"{label}: {cert.get('Status')}")
                continue
            not_after = cert.get("NotAfter")
            if not_after is not None:
                days = -vc.age_days(not_after, now)
                if days < self.p["certificate_min_days"]:
                    bad.append(f"{label}: expires in {days:.0f} days (minimum {self.p['certificate_min_days']})")
        if not arns:
            return vc.FAIL, "no certificate of the platform found", arns
        if bad:
            return vc.FAIL, "; ".join(bad), arns
        return (
            vc.PASS,
            f"{len(arns)} certificates ISSUED, none expiring within {self.p['certificate_min_days']} days",
            arns,
        )

    def check_cloudflare_records_proxied(self):
        client, zone_id = self.cloudflare()
        bad, names = [], []
        for host in self.p["hosts"]:
            names.append(host)
            records = [
                r
                for r in client.paginate(f"/zones/{zone_id}/dns_records", {"name.exact": host})
                if r.get("type") in ("A", "AAAA", "CNAME")
            ]
            if not records:
                bad.append(f"{host}: no record")
            elif not all(r.get("proxied") for r in records):
                bad.append(f"{host}: not proxied")
        if bad:
            return vc.FAIL, "; ".join(bad), names
        return vc.PASS, f"{len(names)} records proxied", names

    def check_cloudflare_ssl_strict(self):
        client, zone_id = self.cloudflare()
        value = client.zone_setting(zone_id, "ssl").get("value")
        if value != "strict":
            return vc.FAIL, f"SSL/TLS encryption mode {value} (expected strict)", [self.p["cloudflare_zone"]]
        return vc.PASS, "strict", [self.p["cloudflare_zone"]]

    def check_kinde_secret_age(self):
        name = self.p["kinde_client_secret_name"]
        try:
            # CreatedDate of the AWSCURRENT version; the value stays in this function.
            current = self.client("secretsmanager").get_secret_value(
                SecretId=name, VersionStage="AWSCURRENT", aws_retry=True
            )
        except botocore.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return vc.FAIL, f"{name} not found or without a current value", [name]
            raise
        days = vc.age_days(current["CreatedDate"])
        if days > self.p["secret_max_age_days"]:
            return (
                vc.FAIL,
                f"{name}: current value {days:.0f} days old (maximum {self.p['secret_max_age_days']})",
                [name],
            )
        return vc.PASS, f"{days:.0f} days old", [name]

    def check_origin_secret_age(self):
        name = self.p["origin_secret_parameter"]
        found = self.client("ssm").describe_parameters(
            ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}], aws_retry=True
        )["Parameters"]
        if not found:
            raise Missing(f"SSM parameter {name} not found")
        days = vc.age_days(found[0]["LastModifiedDate"])
        if days > self.p["secret_max_age_days"]:
            return vc.FAIL, f"{name}: changed {days:.0f} days ago (maximum {self.p['secret_max_age_days']})", [name]
        return vc.PASS, f"changed {days:.0f} days ago", [name]

    # -- run --------------------------------------------------------------------------------------------------

    def run(self):
        checks = []
        for name in vc.CHECK_NAMES:
            if name in vc.CONTROLLER_CHECKS:
                continue
            if name in self.p["skip"]:
                checks.append(vc.result(name, vc.SKIP, "skipped by verify_skip"))
                continue
            if name in vc.CLOUDFRONT_ONLY and self.p["edge"] != "cloudfront":
                checks.append(vc.result(name, vc.SKIP, f"not in the {self.p['edge']} topology"))
                continue
            try:
                status, detail, resources = getattr(self, "check_" + name)()
            except Missing as exc:
                status, detail, resources = vc.FAIL, str(exc), []
            except CloudflareError as exc:
                status, detail, resources = vc.ERROR, f"Cloudflare: {exc}", []
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
                status, detail, resources = vc.ERROR, f"AWS: {exc}", []
            checks.append(vc.result(name, status, detail, resources))
        return checks


def main():
    argument_spec = dict(
        env=dict(type="str", required=True),
        edge=dict(type="str", default="cloudfront", choices=["cloudfront", "cloudflare"]),
        skip=dict(type="list", elements="str", default=[]),
        alb_name=dict(type="str", required=True),
        alb_ssl_policy=dict(type="str", default="ELBSecurityPolicy-TLS13-1-2-2021-06"),
        origin_header_name=dict(type="str", default="X-Origin-Verify"),
        origin_secret_parameter=dict(type="str", required=True, no_log=False),
        origin_secret_pending_parameter=dict(type="str", no_log=False),
        security_groups=dict(type="dict", required=True),
        cloudfront_prefix_list_name=dict(type="str", default="com.amazonaws.global.cloudfront.origin-facing"),
        app_ports=dict(type="list", elements="int", default=[7007, 4200]),
        idp_egress_cidrs=dict(type="list", elements="str", default=["0.0.0.0/0"]),
        aurora_cluster_identifier=dict(type="str", required=True),
        aurora_deletion_protection=dict(type="bool", default=False),
        ecs_cluster_name=dict(type="str", required=True),
        task_definition_families=dict(type="list", elements="str", default=[]),
        managed_secrets=dict(type="list", elements="str", default=[], no_log=False),
        managed_parameters=dict(type="list", elements="str", default=[], no_log=False),
        buckets=dict(type="list", elements="str", default=[]),
        kms_aliases=dict(type="list", elements="str", default=[]),
        certificate_min_days=dict(type="int", default=30),
        hosts=dict(type="list", elements="str", default=[]),
        cloudfront_minimum_protocol_version=dict(type="str", default="TLSv1.2_2021"),
        cloudflare_zone=dict(type="str", required=True),
        kinde_client_secret_name=dict(type="str", required=True, no_log=False),
        secret_max_age_days=dict(type="int", default=90, no_log=False),
        # Options of the action plugin (controller side); the module ignores them.
        report_json=dict(type="path"),
        report_junit=dict(type="path"),
        site_playbook=dict(type="path"),
        site_check_timeout=dict(type="int", default=900),
    )
    argument_spec.update(cloudflare_argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if vc.unknown_checks(module.params["skip"]):
        module.fail_json(msg=vc.unknown_checks_message("skip (verify_skip)", module.params["skip"]))
    for option in ("certificate_min_days", "secret_max_age_days"):
        if module.params[option] < 0:
            module.fail_json(msg=f"{option}: must be 0 or more, got {module.params[option]}. Nothing was read.")
    checks = Verifier(module).run()
    module.exit_json(changed=False, checks=checks, result=vc.overall(checks))


if __name__ == "__main__":
    main()
