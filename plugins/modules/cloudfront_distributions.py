# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudfront_distributions
version_added: 0.1.0
short_description: Manage CloudFront distributions in front of a load balancer, with a secret origin header
description:
  - Manages, in one task, CloudFront distributions that each have one custom origin (an Application Load
    Balancer reached over HTTPS), an optional secret custom origin header, a default cache behaviour and
    ordered path behaviours expressed with cache, origin request and response headers policies (by ID).
  - Why this module exists. M(community.aws.cloudfront_distribution) reports C(changed) and calls
    C(UpdateDistribution) on every run, even with identical input; it does not support check mode; its
    custom header value option is not C(no_log), so the origin secret shows in its result, its C(--diff) and its
    C(invocation), and hiding it takes C(no_log) on the whole task, which also hides every error message;
    and it rejects its C(origin_ssl_protocols) given as the list its documentation asks for.
    This module compares a normalised form of the configuration, writes only what differs, predicts the
    result in check mode, and never outputs the secret, even when a rotated value must be applied.
  - A distribution is identified by the B(first) of its O(distributions[].aliases) (aliases are unique in
    CloudFront), looked up with C(ListDistributions); a distribution without aliases by a C(Comment) equal to
    its O(distributions[].name). Keep the first alias stable; a new first alias means a new distribution.
  - The name is stored as the C(Comment) and as the tag C(platform:distribution). Every distribution is tagged
    C(platform:managed-by=rocketclub.platform) plus O(tags) and O(distributions[].tags).
  - Created with C(CreateDistributionWithTags). Updated with C(GetDistributionConfig) then C(UpdateDistribution)
    with the C(ETag) as C(IfMatch), only when the normalised configuration differs. Settings this module
    does not model at the distribution level (custom error responses, geo restrictions, origin groups, ...)
    are kept. The origins and cache behaviours are replaced as a whole; Lambda@Edge or CloudFront function
    associations, trusted signers, field-level encryption, real-time logs, origin shield or origin access
    control found on them count as a difference (C(unmanaged) in the diff) and are removed.
  - The origin secret header value is read back with C(GetDistributionConfig) and compared, so a rotated
    value is detected and applied; the change is reported as C(origin secret header value) and the value
    is shown as C(********) everywhere (results, diff, warnings and error messages).
  - All input is checked before the first API call, and every alias is checked against the distributions of
    the account before the first write.
author:
  - rocketclub platform team (@rocketclub)
options:
  distributions:
    description:
      - The distributions, keyed by O(distributions[].name).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Unique name of the distribution, stored as C(Comment) and tag C(platform:distribution), and the key
            of RV(distributions).
        type: str
        required: true
      aliases:
        description:
          - Alternate domain names (CNAMEs), compared in lower case and in any order. The first one identifies
            the distribution.
          - An alias may appear in one distribution only.
        type: list
        elements: str
        required: true
      certificate_arn:
        description:
          - ARN of the ACM certificate, which must be in C(us-east-1) and cover every alias.
          - Required when O(distributions[].aliases) is not empty. Without it the distribution uses the
            C(*.cloudfront.net) certificate.
        type: str
      minimum_protocol_version:
        description:
          - Minimum TLS version between viewers and CloudFront (with O(distributions[].certificate_arn)).
        type: str
        choices: ['SSLv3', 'TLSv1', 'TLSv1_2016', 'TLSv1.1_2016', 'TLSv1.2_2018', 'TLSv1.2_2019', 'TLSv1.2_2021',
                  'TLSv1.2_2025', 'TLSv1.3_2025']
        default: TLSv1.2_2021
      ssl_support_method:
        description:
          - How CloudFront serves HTTPS (with O(distributions[].certificate_arn)). V(vip) costs extra.
        type: str
        choices: ['sni-only', 'vip', 'static-ip']
        default: sni-only
      origin:
        description:
          - The custom origin (the load balancer). Required with O(state=present).
          - O(origin_secret_header) is added to it as a custom header.
        type: dict
        suboptions:
          domain_name:
            description:
              - DNS name of the origin (the load balancer's DNS name), compared in lower case.
            type: str
            required: true
          id:
            description:
              - ID of the origin in the distribution; every behaviour targets it.
            type: str
            default: alb
          protocol_policy:
            description:
              - Protocol CloudFront uses to reach the origin.
            type: str
            choices: ['https-only', 'http-only', 'match-viewer']
            default: https-only
          ssl_protocols:
            description:
              - TLS versions CloudFront may use with the origin.
            type: list
            elements: str
            choices: ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2']
            default: ['TLSv1.2']
          read_timeout:
            description:
              - Origin response timeout in seconds.
            type: int
            default: 30
          keepalive_timeout:
            description:
              - Origin keep-alive timeout in seconds.
            type: int
            default: 5
          http_port:
            description:
              - HTTP port of the origin.
            type: int
            default: 80
          https_port:
            description:
              - HTTPS port of the origin.
            type: int
            default: 443
          connection_attempts:
            description:
              - How many times CloudFront tries to connect to the origin (1 to 3).
            type: int
            default: 3
          connection_timeout:
            description:
              - Seconds CloudFront waits for a connection to the origin (1 to 10).
            type: int
            default: 10
      default_behavior:
        description:
          - The default cache behaviour (path C(*)). Required with O(state=present).
        type: dict
        suboptions:
          cache_policy_id:
            description:
              - ID of the cache policy, an AWS managed one (for example C(4135ea2d-6df8-44a3-9df3-4b5a84be39ad),
                C(Managed-CachingDisabled)) or one of the platform's.
            type: str
            required: true
          origin_request_policy_id:
            description:
              - ID of the origin request policy (for example C(216adef6-5c7f-47e4-b989-5492eafa07d3),
                C(Managed-AllViewer), which forwards every header, cookie and query string).
            type: str
          response_headers_policy_id:
            description:
              - ID of the response headers policy.
            type: str
          viewer_protocol_policy:
            description:
              - What CloudFront does with HTTP requests from viewers.
            type: str
            choices: ['redirect-to-https', 'https-only', 'allow-all']
            default: redirect-to-https
          allowed_methods:
            description:
              - HTTP methods CloudFront forwards; V([GET, HEAD]), V([GET, HEAD, OPTIONS]) or all seven. Any order.
            type: list
            elements: str
            choices: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE']
            default: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE']
          cached_methods:
            description:
              - Methods whose responses are cached; V([GET, HEAD]) or V([GET, HEAD, OPTIONS]).
            type: list
            elements: str
            choices: ['GET', 'HEAD', 'OPTIONS']
            default: ['GET', 'HEAD']
          compress:
            description:
              - Compress responses automatically.
            type: bool
            default: true
      behaviors:
        description:
          - Cache behaviours for path patterns, in order of precedence (first match wins).
        type: list
        elements: dict
        default: []
        suboptions:
          path_pattern:
            description:
              - The path pattern, for example C(/static/*). Unique within the distribution.
            type: str
            required: true
          cache_policy_id:
            description:
              - ID of the cache policy.
            type: str
            required: true
          origin_request_policy_id:
            description:
              - ID of the origin request policy.
            type: str
          response_headers_policy_id:
            description:
              - ID of the response headers policy.
            type: str
          viewer_protocol_policy:
            description:
              - What CloudFront does with HTTP requests from viewers.
            type: str
            choices: ['redirect-to-https', 'https-only', 'allow-all']
            default: redirect-to-https
          allowed_methods:
            description:
              - HTTP methods CloudFront forwards; V([GET, HEAD]), V([GET, HEAD, OPTIONS]) or all seven.
            type: list
            elements: str
            choices: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE']
            default: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE']
          cached_methods:
            description:
              - Methods whose responses are cached; V([GET, HEAD]) or V([GET, HEAD, OPTIONS]).
            type: list
            elements: str
            choices: ['GET', 'HEAD', 'OPTIONS']
            default: ['GET', 'HEAD']
          compress:
            description:
              - Compress responses automatically.
            type: bool
            default: true
      http_version:
        description:
          - Highest HTTP version viewers may use.
        type: str
        choices: ['http1.1', 'http2', 'http3', 'http2and3']
        default: http2and3
      ipv6:
        description:
          - Whether the distribution answers over IPv6.
        type: bool
        default: true
      price_class:
        description:
          - Price class (which edge locations serve the distribution).
        type: str
        choices: ['PriceClass_100', 'PriceClass_200', 'PriceClass_All']
        default: PriceClass_100
      web_acl_id:
        description:
          - ARN of a WAFv2 web ACL of scope C(CLOUDFRONT). Not set means no web ACL (an existing one is removed).
        type: str
      logging:
        description:
          - Standard access logging to S3. Not set means logging disabled.
        type: dict
        suboptions:
          bucket:
            description:
              - The bucket, as a name (V(my-logs)) or domain name (V(my-logs.s3.amazonaws.com)).
            type: str
            required: true
          prefix:
            description:
              - Prefix of the log object names.
            type: str
            default: ''
          include_cookies:
            description:
              - Include cookies in the logs.
            type: bool
            default: false
      enabled:
        description:
          - Whether the distribution serves requests.
        type: bool
        default: true
      default_root_object:
        description:
          - Object returned for a request to the root URL. Not set means none.
        type: str
      tags:
        description:
          - Tags of this distribution, merged over O(tags).
        type: dict
        default: {}
  origin_secret_header:
    description:
      - A custom header added to every distribution's origin, which the load balancer requires so that only
        requests through CloudFront reach it. Not set means no custom origin header (an existing one is removed).
      - Give the value itself in O(origin_secret_header.value), or better the name of the SSM SecureString that
        holds it in O(origin_secret_header.parameter); the module then reads it (decrypted, in the O(region) of
        the task) and the value never passes through playbook variables.
    type: dict
    suboptions:
      name:
        description:
          - Name of the header.
        type: str
        required: true
      value:
        description:
          - The secret value. Printable ASCII without spaces, at most 1783 characters.
          - Never shown; a changed value is applied and reported as C(origin secret header value).
          - Mutually exclusive with O(origin_secret_header.parameter); one of them is required.
        type: str
      parameter:
        description:
          - Name of an SSM SecureString parameter holding the value, for example C(/prod/shared/cf_alb_secret).
          - Mutually exclusive with O(origin_secret_header.value); one of them is required.
        type: str
  state:
    description:
      - V(present) creates or updates the distributions.
      - V(absent) disables each distribution that is enabled and deletes it once it is C(Deployed) and disabled.
        Without O(wait), a distribution still deploying is reported with a warning and deleted by a later run.
        Only distributions tagged C(platform:managed-by=rocketclub.platform) are deleted.
    type: str
    choices: ['present', 'absent']
    default: present
  tags:
    description:
      - Tags of every distribution. The C(platform:managed-by) and C(platform:distribution) tags cannot be overridden.
    type: dict
    default: {}
  purge_tags:
    description:
      - Remove tags that are not in O(tags) or O(distributions[].tags). Tags starting with C(aws:) are kept.
    type: bool
    default: true
  wait:
    description:
      - Wait until the distributions are C(Deployed) after a change (all changes are sent first, then waited for).
      - With O(state=absent), wait for the disabled distributions and delete them in the same run.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait in total, counted from the start of the task.
      - When it passes, the task fails with C(wait_timed_out=true), the last C(status) seen (the distribution's id
        and its C(Status)) and C(status_history); CloudFront carries on with the change, and running the task
        again continues it.
    type: int
    default: 1800
notes:
  - Supports check mode (RV(distributions) is the prediction; a distribution to be created has the placeholders
    C(pending:cloudfront-distribution/<name>), C(pending:cloudfront-distribution-arn/<name>) and
    C(pending:cloudfront-domain-name/<name>) as RV(distributions.id), RV(distributions.arn) and
    RV(distributions.domain_name), because CloudFront chooses them) and diff mode (the comparable configuration and
    tags, keyed by name, header values masked).
  - In check mode every id option (O(distributions[].certificate_arn), O(distributions[].origin.domain_name), the
    policy ids, O(distributions[].web_acl_id)) may be a check-mode placeholder C(pending:<kind>/<name>) of a
    resource an earlier task would create; it differs from whatever a distribution holds, so that distribution
    would be updated (or created). A missing O(origin_secret_header.parameter) is, in check mode only, a value an
    earlier task would create; it differs from the value a distribution holds. A real run refuses placeholders
    before any API call.
  - Required IAM actions are C(cloudfront:ListDistributions), C(GetDistributionConfig), C(CreateDistribution),
    C(CreateDistributionWithTags), C(UpdateDistribution), C(DeleteDistribution), C(GetDistribution) (O(wait)),
    C(ListTagsForResource), C(TagResource) and C(UntagResource); C(acm:DescribeCertificate) and
    C(wafv2:GetWebACL) are checked by CloudFront for the certificate and web ACL.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: One distribution per application host, in front of the ALB
  rocketclub.platform.cloudfront_distributions:
    origin_secret_header:
      name: X-Origin-Verify
      value: "{{ lookup('amazon.aws.aws_secret', '/prod/shared/cf_alb_secret') }}"
    tags:
      Environment: prod
    distributions:
      - name: portal
        aliases: [portal.example.com]
        certificate_arn: "{{ edge_certificate_arn }}"
        origin:
          domain_name: "{{ alb.dns_name }}"
        default_behavior:
          cache_policy_id: 4135ea2d-6df8-44a3-9df3-4b5a84be39ad  # Managed-CachingDisabled
          origin_request_policy_id: 216adef6-5c7f-47e4-b989-5492eafa07d3  # Managed-AllViewer
        behaviors:
          - path_pattern: /static/*
            cache_policy_id: 658327ea-f89d-4fab-a63d-7e88639e58f6  # Managed-CachingOptimized
            allowed_methods: [GET, HEAD]
        web_acl_id: "{{ waf_acl_arn | default(omit) }}"
        logging:
          bucket: prod-edge-logs
          prefix: portal/
  register: edge

- name: Publish the distribution domain names
  ansible.builtin.set_fact:
    portal_cdn: "{{ edge.distributions.portal.domain_name }}"

- name: Remove a distribution (disable now, delete once deployed)
  rocketclub.platform.cloudfront_distributions:
    state: absent
    wait: true
    distributions:
      - name: portal
        aliases: [portal.example.com]
"""

RETURN = r"""
distributions:
  description:
    - The distributions of O(distributions), keyed by name, as they are after the run (or would be in check mode).
  returned: always
  type: dict
  sample:
    portal:
      id: E2QWRUHAPOMQZL
      arn: arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL
      domain_name: d111111abcdef8.cloudfront.net
      status: Deployed
      aliases: [portal.example.com]
      origin_domain_name: internal-prod-alb-123456789.eu-west-2.elb.amazonaws.com
      changed: false
      changes: []
  contains:
    id:
      description:
        - ID of the distribution; C(pending:cloudfront-distribution/<name>) for one check mode would create, V(null)
          for one that does not exist (O(state=absent)).
      returned: always
      type: str
      sample: E2QWRUHAPOMQZL
    arn:
      description: ARN of the distribution; a placeholder or V(null) when the ID is.
      returned: always
      type: str
      sample: arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL
    domain_name:
      description:
        - The C(*.cloudfront.net) domain name to point DNS at; C(pending:cloudfront-domain-name/<name>) for one
          check mode would create, V(null) when the ID is.
      returned: always
      type: str
      sample: d111111abcdef8.cloudfront.net
    status:
      description:
        - C(InProgress) or C(Deployed); C(Deleted) for one deleted by this run, C(absent) for one that does not exist.
      returned: always
      type: str
      sample: Deployed
    aliases:
      description: The aliases, sorted, in lower case.
      returned: always
      type: list
      elements: str
      sample: ["portal.example.com"]
    origin_domain_name:
      description: Domain name of the origin; V(null) when the distribution does not exist.
      returned: always
      type: str
      sample: internal-prod-alb-123456789.eu-west-2.elb.amazonaws.com
    changed:
      description: Whether this distribution was (or would be) created, updated, retagged, disabled or deleted.
      returned: always
      type: bool
      sample: true
    changes:
      description: What was (or would be) changed, without any value.
      returned: always
      type: list
      elements: str
      sample: ["origin secret header value", "behavior /static/* cache_policy_id"]
"""

import time
import uuid

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils import cloudfront as cf
from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import ScrubbedError
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import call_with_secrets
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import read_secure_parameter
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import has_managed_tag
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import Progress
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import WaitTimedOut
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import poll

# Seconds between two GetDistribution reads while waiting for Deployed (CloudFront takes minutes).
WAIT_DELAY = 30


class Run:
    """State of one module run: the results, the diff and the secrets to keep out of error messages."""

    def __init__(self, module, client, clock=time.monotonic, sleep=time.sleep):
        self.module = module
        self.client = client
        self.check_mode = module.check_mode
        self.progress = Progress(clock)
        self.sleep = sleep
        self.results = {}
        self.before = {}
        self.after = {}
        header = module.params["origin_secret_header"]
        self.secret_name = header["name"] if header else None
        self.secrets = [header["value"]] if header else []

    @property
    def changed(self):
        return any(entry["changed"] for entry in self.results.values())

    def record(self, name, entry, before=None, after=None):
        self.results[name] = entry
        self.before[name] = before
        self.after[name] = after

    def output(self):
        diff = {"before": self.before, "after": self.after}
        return {"changed": self.changed, "distributions": self.results, "diff": diff}

    def fail(self, msg, **extra):
        self.module.fail_json(msg=msg, **dict(self.output(), **extra))


# ------------------------------------------------------------------------------------------------ reads


def list_distributions(client):
    """Every distribution summary of the account (ListDistributions nests its items in DistributionList)."""
    listed = paginate(client, "list_distributions", "DistributionList") or {}
    return listed.get("Items") or []


def read_distribution(run, summary):
    """Config, ETag and tags of a listed distribution; its header values become no_log values."""
    got = run.client.get_distribution_config(Id=summary["Id"], aws_retry=True)
    current = cf.normalize_config(got["DistributionConfig"])
    values = cf.header_values(current)
    run.module.no_log_values.update(values)
    run.secrets.extend(values)
    tags = run.client.list_tags_for_resource(Resource=summary["ARN"], aws_retry=True).get("Tags") or {}
    return {
        "summary": summary,
        "config": got["DistributionConfig"],
        "current": current,
        "etag": got["ETag"],
        "tags": as_dict(tags.get("Items")),
    }


def plan(run, summaries, state):
    """``[(spec, existing or None)]`` for every declared distribution; fails before any write on conflicts."""
    index = cf.index_distributions(summaries)
    found, errors = [], []
    for position, spec in enumerate(run.module.params["distributions"]):
        label = f"distributions[{position}] ({spec['name']})"
        summary, problems = cf.find_distribution(spec, index, label)
        errors.extend(problems)
        found.append((spec, summary, label))
    if errors:
        run.fail("Cannot manage the distributions: " + "; ".join(errors), errors=errors)
    items = []
    for spec, summary, label in found:
        existing = read_distribution(run, summary) if summary else None
        if state == "absent" and existing and not has_managed_tag(existing["tags"]):
            errors.append(
                f"{label}: distribution {summary['Id']} holding alias(es) "
                f"{', '.join(existing['current']['aliases']) or '-'} "
                "is not tagged platform:managed-by=rocketclub.platform; delete it by hand or tag it first"
            )
        items.append((spec, existing))
    if errors:
        run.fail("Cannot delete the distributions: " + "; ".join(errors), errors=errors)
    return items


# ------------------------------------------------------------------------------------------------ writes


def entry(distribution, comparable, status, changes):
    distribution = distribution or {}
    origins = (comparable or {}).get("origins") or [{}]
    return {
        "id": distribution.get("Id"),
        "arn": distribution.get("ARN"),
        "domain_name": distribution.get("DomainName"),
        "status": status,
        "aliases": list((comparable or {}).get("aliases") or []),
        "origin_domain_name": origins[0].get("domain_name"),
        "changed": bool(changes),
        "changes": changes,
    }


def view(comparable, tags, rotated_header=None):
    result = cf.public_view(comparable, rotated_header)
    result["tags"] = dict(sorted(tags.items()))
    return result


def tag_changes(plan):
    """The ``changes`` entries of a tag plan (keys only)."""
    changes = ["tags removed: " + ", ".join(plan.to_unset)] if plan.to_unset else []
    if plan.to_set:
        changes.append("tags set: " + ", ".join(sorted(plan.to_set)))
    return changes


def ensure_created(run, spec, desired, tags):
    distribution = cf.pending_distribution(spec["name"])
    if not run.check_mode:
        config = cf.build_config(desired, caller_reference=f"rocketclub-{spec['name']}-{uuid.uuid4()}")
        created = call_with_secrets(
            run.client.create_distribution_with_tags,
            run.secrets,
            DistributionConfigWithTags={
                "DistributionConfig": config,
                "Tags": {"Items": ansible_dict_to_boto3_tag_list(tags)},
            },
        )
        distribution = created["Distribution"]
    status = distribution.get("Status", "InProgress")
    run.record(spec["name"], entry(distribution, desired, status, ["created"]), None, view(desired, tags))


def ensure_present(run, spec, existing):
    params = run.module.params
    desired = cf.desired_config(spec, params["origin_secret_header"])
    tags = desired_tags(params["tags"], spec["tags"], {cf.DISTRIBUTION_TAG: spec["name"]})
    if existing is None:
        ensure_created(run, spec, desired, tags)
        return
    summary, current = existing["summary"], existing["current"]
    changes = cf.config_changes(current, desired, run.secret_name)
    status = summary.get("Status")
    if changes:
        status = "InProgress"
        if not run.check_mode:
            updated = call_with_secrets(
                run.client.update_distribution,
                run.secrets,
                Id=summary["Id"],
                IfMatch=existing["etag"],
                DistributionConfig=cf.build_config(desired, existing["config"]),
            )
            status = updated["Distribution"].get("Status", status)
    arn = summary["ARN"]
    tag_plan = plan_tags(existing["tags"], tags, purge_tags=params["purge_tags"])
    apply_tags(
        tag_plan,
        tag=lambda to_set: run.client.tag_resource(
            Resource=arn, Tags={"Items": ansible_dict_to_boto3_tag_list(to_set)}, aws_retry=True
        ),
        untag=lambda keys: run.client.untag_resource(Resource=arn, TagKeys={"Items": keys}, aws_retry=True),
        check_mode=run.check_mode,
    )
    rotated = run.secret_name if cf.SECRET_CHANGE in changes else None
    run.record(
        spec["name"],
        entry(summary, desired, status, changes + tag_changes(tag_plan)),
        view(current, existing["tags"]),
        view(desired, tag_plan.result, rotated),
    )


def disable(run, existing):
    """Disable an enabled distribution. Returns ``(etag, status, changes)``."""
    summary = existing["summary"]
    if not existing["current"]["enabled"]:
        return existing["etag"], summary.get("Status"), []
    if run.check_mode:
        return existing["etag"], "InProgress", ["disabled"]
    updated = call_with_secrets(
        run.client.update_distribution,
        run.secrets,
        Id=summary["Id"],
        IfMatch=existing["etag"],
        DistributionConfig=dict(existing["config"], Enabled=False),
    )
    return updated["ETag"], updated["Distribution"].get("Status", "InProgress"), ["disabled"]


def ensure_absent(run, items):
    pending = []
    for spec, existing in items:
        if existing is None:
            run.record(spec["name"], entry(None, None, "absent", []))
            continue
        etag, status, changes = disable(run, existing)
        pending.append((spec, existing, etag, status, changes))
    if run.module.params["wait"]:
        wait_deployed(run, [item[1]["summary"]["Id"] for item in pending if item[3] != "Deployed"])
    for spec, existing, etag, status, changes in pending:
        summary, current = existing["summary"], existing["current"]
        before = view(current, existing["tags"])
        if status != "Deployed" and not run.module.params["wait"]:
            run.module.warn(
                f"Distribution {summary['Id']} ({spec['name']}) is disabled but still deploying (status {status}); "
                "run again once it is Deployed to delete it, or use wait=true"
            )
            run.record(spec["name"], entry(summary, current, status, changes), before, dict(before, enabled=False))
            continue
        if not run.check_mode:
            run.client.delete_distribution(Id=summary["Id"], IfMatch=etag, aws_retry=True)
        run.record(spec["name"], entry(summary, current, "Deleted", changes + ["deleted"]), before, None)


def wait_deployed(run, ids):
    """Wait until every distribution of ``ids`` is Deployed, O(wait_timeout) seconds in all (counted from the
    start of the run), reading them one after the other. A timeout fails with the sliced-wait keys
    (``wait_timed_out``, ``status``, ``status_history``; statuses are ``<id>: <Status>``)."""
    if run.check_mode or not ids:
        return
    timeout = run.module.params["wait_timeout"]
    waiting = list(ids)

    def probe():
        for distribution_id in list(waiting):
            status = run.client.get_distribution(Id=distribution_id, aws_retry=True)["Distribution"]["Status"]
            if status != "Deployed":
                return False, f"{distribution_id}: {status}", None
            waiting.remove(distribution_id)
        return True, "Deployed", None

    try:
        poll(probe, "the distributions to be Deployed", timeout, run.progress, delay=WAIT_DELAY, sleep=run.sleep)
    except WaitTimedOut as e:
        distribution_id, dummy, status = e.status.partition(": ")
        run.fail(
            f"Distribution {distribution_id} is not Deployed after {timeout} seconds (status {status}); "
            "CloudFront carries on with the change: run again later, or raise wait_timeout",
            wait_timed_out=True,
            status=e.status,
            status_history=run.progress.history,
        )
    for result in run.results.values():
        if result["id"] in ids:
            result["status"] = "Deployed"


# ------------------------------------------------------------------------------------------------ main


class _Answered:
    """An SSM client whose GetParameter returns an answer already read, so that ``read_secure_parameter``
    checks it (SecureString, not empty) and protects its value without a second read."""

    def __init__(self, answer):
        self.answer = answer

    def get_parameter(self, **kwargs):
        return self.answer


def read_header_value(module, ssm, name):
    """The origin secret from SSM, read once. In check mode a parameter that does not exist yet (an earlier
    task of the run would create it) reads as a placeholder: it differs from the value any distribution holds."""
    option = "origin_secret_header.parameter"
    if not module.check_mode:
        return read_secure_parameter(module, ssm, name, option)
    try:
        answer = ssm.get_parameter(Name=name, WithDecryption=True, aws_retry=True)
    except is_boto3_error_code("ParameterNotFound"):
        return pending_id("ssm-parameter", name.strip("/"))
    return read_secure_parameter(module, _Answered(answer), name, option)


def argument_spec():
    """The module's argument spec (a function, so that tests can fill in the defaults with it)."""
    behavior = dict(
        cache_policy_id=dict(type="str", required=True),
        origin_request_policy_id=dict(type="str"),
        response_headers_policy_id=dict(type="str"),
        viewer_protocol_policy=dict(
            type="str", choices=["redirect-to-https", "https-only", "allow-all"], default="redirect-to-https"
        ),
        allowed_methods=dict(type="list", elements="str", choices=list(cf.ALL_METHODS), default=list(cf.ALL_METHODS)),
        cached_methods=dict(type="list", elements="str", choices=["GET", "HEAD", "OPTIONS"], default=["GET", "HEAD"]),
        compress=dict(type="bool", default=True),
    )
    origin = dict(
        domain_name=dict(type="str", required=True),
        id=dict(type="str", default="alb"),
        protocol_policy=dict(type="str", choices=["https-only", "http-only", "match-viewer"], default="https-only"),
        ssl_protocols=dict(
            type="list", elements="str", choices=["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"], default=["TLSv1.2"]
        ),
        read_timeout=dict(type="int", default=30),
        keepalive_timeout=dict(type="int", default=5),
        http_port=dict(type="int", default=80),
        https_port=dict(type="int", default=443),
        connection_attempts=dict(type="int", default=3),
        connection_timeout=dict(type="int", default=10),
    )
    distribution = dict(
        name=dict(type="str", required=True),
        aliases=dict(type="list", elements="str", required=True),
        certificate_arn=dict(type="str"),
        minimum_protocol_version=dict(
            type="str",
            choices=[
                "SSLv3",
                "TLSv1",
                "TLSv1_2016",
                "TLSv1.1_2016",
                "TLSv1.2_2018",
                "TLSv1.2_2019",
                "TLSv1.2_2021",
                "TLSv1.2_2025",
                "TLSv1.3_2025",
            ],
            default="TLSv1.2_2021",
        ),
        ssl_support_method=dict(type="str", choices=["sni-only", "vip", "static-ip"], default="sni-only"),
        origin=dict(type="dict", options=origin),
        default_behavior=dict(type="dict", options=behavior),
        behaviors=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(behavior, path_pattern=dict(type="str", required=True)),
        ),
        http_version=dict(type="str", choices=["http1.1", "http2", "http3", "http2and3"], default="http2and3"),
        ipv6=dict(type="bool", default=True),
        price_class=dict(
            type="str", choices=["PriceClass_100", "PriceClass_200", "PriceClass_All"], default="PriceClass_100"
        ),
        web_acl_id=dict(type="str"),
        logging=dict(
            type="dict",
            options=dict(
                bucket=dict(type="str", required=True),
                prefix=dict(type="str", default=""),
                include_cookies=dict(type="bool", default=False),
            ),
        ),
        enabled=dict(type="bool", default=True),
        default_root_object=dict(type="str"),
        tags=dict(type="dict", default={}),
    )
    return dict(
        distributions=dict(type="list", elements="dict", required=True, options=distribution),
        origin_secret_header=dict(
            type="dict",
            no_log=False,
            options=dict(
                name=dict(type="str", required=True),
                value=dict(type="str", no_log=True),
                parameter=dict(type="str", no_log=False),
            ),
            mutually_exclusive=[("value", "parameter")],
            required_one_of=[("value", "parameter")],
        ),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
    )


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    header = params["origin_secret_header"]
    from_parameter = bool(header and header["parameter"])
    # A value read from SSM is checked once read; the header name is checked now, before any call.
    checked_header = dict(header, value="placeholder") if from_parameter else header
    errors = cf.validate_distributions(params["distributions"], checked_header, params["state"])
    if params["wait_timeout"] < 1:
        errors.append("wait_timeout must be at least 1 second")
    if errors:
        module.fail_json(msg="Invalid input: " + "; ".join(errors), errors=errors)

    fail_if_pending(module, **cf.pending_inputs(params["distributions"]))

    if from_parameter:
        ssm = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff())
        try:
            header["value"] = read_header_value(module, ssm, header["parameter"])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(
                e, msg=f"Failed to read SSM parameter {header['parameter']} (origin_secret_header.parameter)"
            )
        errors = cf.validate_secret_header(header)
        if errors:
            module.fail_json(
                msg="Invalid input: " + "; ".join(errors) + f" (value of {header['parameter']})", errors=errors
            )

    run = Run(module, module.client("cloudfront", retry_decorator=AWSRetry.jittered_backoff()))
    step = "list the distributions"
    try:
        summaries = list_distributions(run.client)
        step = "read the distributions"
        items = plan(run, summaries, params["state"])
        if params["state"] == "absent":
            step = "disable or delete the distributions"
            ensure_absent(run, items)
        else:
            for spec, existing in items:
                step = f"manage distribution {spec['name']}"
                ensure_present(run, spec, existing)
            if params["wait"]:
                step = "wait for the distributions"
                wait_deployed(run, [r["id"] for r in run.results.values() if r["status"] != "Deployed"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, ScrubbedError) as e:
        module.fail_json_aws(e, msg=f"Failed to {step}", **run.output())

    module.exit_json(**run.output())


if __name__ == "__main__":
    main()
