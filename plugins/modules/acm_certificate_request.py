# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: acm_certificate_request
version_added: 0.1.0
short_description: Request an AWS Certificate Manager (ACM) certificate issued by ACM
description:
  - Requests a public certificate issued by ACM (validated by DNS or e-mail), keeps its tags in line and
    returns the DNS validation records, unlike M(community.aws.acm_certificate), which only imports
    certificates.
  - The certificate is identified only by its tag C(Name=<name_tag>), never by a stored ARN. Certificates
    are looked up with C(ListCertificates) (all key types, statuses V(PENDING_VALIDATION), V(ISSUED) and
    V(INACTIVE)) and C(ListTagsForCertificate).
  - A certificate carrying the tag whose domain name, set of subject alternative names (in any order,
    the domain name counting as one of them as AWS does) and key algorithm match is kept, only its tags
    are reconciled.
  - When certificates carry the tag but none of them matches, a new certificate is requested and the
    previous one is reported in RV(replaced_arn). The previous certificate is B(not deleted) because it
    may still be attached to a load balancer listener or a CloudFront distribution; it keeps its tags.
    Delete it once it is no longer in use (O(state=absent) deletes every certificate carrying the tag).
  - Certificates in status V(FAILED), V(VALIDATION_TIMED_OUT), V(REVOKED) or V(EXPIRED) are ignored by
    O(state=present); a new certificate is requested instead.
  - All input is validated before the first API call.
author:
  - rocketclub platform team (@rocketclub)
options:
  domain_name:
    description:
      - The fully qualified domain name of the certificate, for example V(www.example.com) or
        V(*.example.com). It becomes the subject of the certificate.
      - Names are compared case-insensitively and without a trailing dot.
    type: str
    required: true
  subject_alternative_names:
    description:
      - Additional names of the certificate.
      - The order does not matter and O(domain_name) may be included or not.
    type: list
    elements: str
    default: []
  validation_method:
    description:
      - How ACM validates that you own the names.
      - Used when a certificate is requested; changing it does not replace an existing certificate.
    type: str
    choices: ["DNS", "EMAIL"]
    default: DNS
  key_algorithm:
    description:
      - The key algorithm of the certificate, one that ACM issues public certificates for, such as
        V(RSA_2048), V(EC_prime256v1) or V(EC_secp384r1).
      - A certificate with another key algorithm is replaced by a new request.
      - C(DescribeCertificate) and C(ListCertificates) answer the algorithm hyphenated (V(RSA-2048),
        V(EC-prime256v1)) although C(RequestCertificate) takes V(RSA_2048); both spellings are compared as
        one algorithm, and either may be given here.
    type: str
    default: RSA_2048
  name_tag:
    description:
      - Value of the C(Name) tag that identifies the certificate.
    type: str
    required: true
  tags:
    description:
      - Tags of the certificate. The C(Name) tag is always set from O(name_tag); a different C(Name) in
        O(tags) is an error.
    type: dict
    default: {}
  purge_tags:
    description:
      - Remove tags of the certificate that are not in O(tags). The C(Name) tag and keys beginning with
        V(aws:) are never removed.
    type: bool
    default: true
  state:
    description:
      - V(present) requests the certificate if needed, V(absent) deletes every certificate carrying the
        C(Name) tag, whatever its status.
      - Deleting a certificate that is still in use fails, naming the certificate and its users.
    type: str
    choices: ["present", "absent"]
    default: present
  wait:
    description:
      - Wait until the certificate has status V(ISSUED), that is until the validation records have been
        created (for example by a later task) and ACM has validated them.
      - Fails as soon as the status becomes V(FAILED), V(VALIDATION_TIMED_OUT), V(REVOKED) or V(EXPIRED),
        or when O(wait_timeout) is reached, naming the status and the pending validation records.
      - A certificate must be V(ISSUED) before C(CreateListener)/C(ModifyListener) or CloudFront accept it;
        they answer C(UnsupportedCertificate) and C(InvalidViewerCertificate) for one that is still pending
        validation. Write the validation records (RV(validation_records)) first, then wait here.
      - Ignored in check mode and with O(state=absent).
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true).
    type: int
    default: 600
  validation_records_timeout:
    description:
      - How many seconds to wait, after a request (or for a pending certificate found without them), until ACM
        has assigned the DNS validation records of every name. ACM assigns them asynchronously, usually within
        seconds; the default of five minutes is the bound terraform-provider-aws uses for the same wait.
      - When the records are still missing at the end, the module fails naming the certificate (it has been
        requested, so running the task again finds it and keeps waiting).
      - The records are polled every 2 seconds; RV(status_history) shows the progress.
      - Ignored in check mode (which never waits) and with O(state=absent); not used for O(validation_method=EMAIL).
    type: int
    default: 300
notes:
  - Supports C(check_mode) (the result predicts the certificate; a certificate to be requested has
    RV(certificate_arn=pending:certificate/<name_tag>), RV(status=PENDING_VALIDATION) and predicted
    RV(validation_records); a name that a live certificate with the same C(Name) tag already has a record for
    gets that record, since ACM keeps a name's validation CNAME in the account; any other name gets
    placeholders C(pending:acm-validation-record/<name>) and C(pending:acm-validation-value/<name>)) and
    C(diff) (before/after of
    the ARN, domain name, subject alternative names, status and tags).
  - A second run with the same input makes no write API call.
  - ACM fills in the DNS validation records a few seconds after the request; the module polls
    C(DescribeCertificate) until they are there, for up to O(validation_records_timeout) seconds.
  - Check mode never waits, neither for validation records nor for V(ISSUED).
  - The C(IdempotencyToken) of the request is derived from O(name_tag), the names, the key algorithm and the
    validation method, so a retried request does not create a second certificate. If AWS answers such a
    request within its one hour idempotency window with a certificate that no longer exists or failed, the
    module requests again with a random token.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Request the certificate of the ALB origin
  rocketclub.platform.acm_certificate_request:
    domain_name: origin.example.com
    subject_alternative_names:
      - api.origin.example.com
    name_tag: prod-alb-origin
    tags:
      Environment: prod
  register: origin_cert

- name: Create the DNS validation records
  ansible.builtin.debug:
    msg: "{{ item.name }} {{ item.type }} {{ item.value }}"
  loop: "{{ origin_cert.validation_records }}"

- name: Wait until ACM has issued the certificate
  rocketclub.platform.acm_certificate_request:
    domain_name: origin.example.com
    subject_alternative_names:
      - api.origin.example.com
    name_tag: prod-alb-origin
    tags:
      Environment: prod
    wait: true
    wait_timeout: 900

- name: Delete all certificates of the origin
  rocketclub.platform.acm_certificate_request:
    domain_name: origin.example.com
    name_tag: prod-alb-origin
    state: absent
"""

RETURN = r"""
certificate_arn:
  description:
    - ARN of the certificate.
    - C(pending:certificate/<name_tag>) for a certificate that would be requested in check mode; V(null) with
      O(state=absent).
  returned: always
  type: str
  sample: arn:aws:acm:eu-west-2:123456789012:certificate/0a1b2c3d-1234-5678-9abc-0123456789ab
status:
  description:
    - Status of the certificate as reported by ACM, for example V(PENDING_VALIDATION) or V(ISSUED).
    - V(PENDING_VALIDATION) for a certificate that would be requested in check mode; V(null) with O(state=absent).
  returned: always
  type: str
  sample: PENDING_VALIDATION
domain_name:
  description: Domain name of the certificate (lower case), V(null) with O(state=absent).
  returned: always
  type: str
  sample: origin.example.com
subject_alternative_names:
  description: All names of the certificate (lower case), the domain name first.
  returned: always
  type: list
  elements: str
  sample: ["origin.example.com", "api.origin.example.com"]
key_algorithm:
  description:
    - Key algorithm of the certificate in the spelling of the request (V(RSA_2048), not the V(RSA-2048) that
      ACM answers), V(null) with O(state=absent).
  returned: always
  type: str
  sample: RSA_2048
validation_records:
  description:
    - The DNS records ACM checks to validate the names, one per name that has one.
    - Empty for e-mail validation and with O(state=absent). Predicted in check mode for a certificate that would
      be requested (see the notes).
  returned: always
  type: list
  elements: dict
  sample: [{"domain_name": "origin.example.com", "name": "_3639ac514e785e898d2646601fa951d5.origin.example.com.",
            "type": "CNAME", "value": "_98d2646601fa951d53639ac514e785e8.abcdefghij.acm-validations.aws.",
            "validation_status": "PENDING_VALIDATION"}]
  contains:
    domain_name:
      description: The name this record validates.
      returned: always
      type: str
      sample: origin.example.com
    name:
      description: Name of the DNS record.
      returned: always
      type: str
      sample: _3639ac514e785e898d2646601fa951d5.origin.example.com.
    type:
      description: Type of the DNS record.
      returned: always
      type: str
      sample: CNAME
    value:
      description: Value of the DNS record.
      returned: always
      type: str
      sample: _98d2646601fa951d53639ac514e785e8.abcdefghij.acm-validations.aws.
    validation_status:
      description: Validation status of the name, V(PENDING_VALIDATION), V(SUCCESS) or V(FAILED).
      returned: always
      type: str
      sample: PENDING_VALIDATION
replaced_arn:
  description:
    - ARN of the certificate carrying the C(Name) tag whose names or key algorithm differ, when this run
      requested (or in check mode would request) a new certificate in its place. It is not deleted.
    - V(null) otherwise.
  returned: always
  type: str
  sample: arn:aws:acm:eu-west-2:123456789012:certificate/9f8e7d6c-1234-5678-9abc-0123456789ab
tags:
  description: Tags of the certificate, V({}) with O(state=absent).
  returned: always
  type: dict
  sample: {"Name": "prod-alb-origin", "Environment": "prod"}
status_history:
  description:
    - Progress of the waits of this run, one entry each time the progress changed; empty when nothing was
      waited for (check mode, O(state=absent), records already there and O(wait=false)).
  returned: always
  type: list
  elements: dict
  sample: [{"elapsed": 0, "status": "PENDING_VALIDATION, 0 of 2 names validated"},
           {"elapsed": 40, "status": "ISSUED, 2 of 2 names validated"}]
  contains:
    elapsed:
      description: Seconds since the module started.
      returned: always
      type: int
      sample: 4
    status:
      description: The certificate status and how many names have a validation record (or are validated).
      returned: always
      type: str
      sample: PENDING_VALIDATION, DNS validation records for 2 of 2 names
wait_timed_out:
  description:
    - V(true) when the module failed because a wait ran out (O(validation_records_timeout) or O(wait_timeout));
      RV(status_history) shows how far it got.
    - The certificate has been requested, so running the task again finds it and keeps waiting.
  returned: when a wait timed out
  type: bool
  sample: true
deleted_arns:
  description: ARNs of the certificates that were (or in check mode would be) deleted by O(state=absent).
  returned: always
  type: list
  elements: str
  sample: ["arn:aws:acm:eu-west-2:123456789012:certificate/0a1b2c3d-1234-5678-9abc-0123456789ab"]
"""

import time
import uuid

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import ALL_STATUSES
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import DEAD_STATUSES
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import KEY_TYPES
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import LIVE_STATUSES
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import WAIT_FAILURE_STATUSES
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import certificate_view
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import desired_certificate
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import diff_view
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import format_records
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import idempotency_token
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import issue_status
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import pending_records
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import predicted_validation_records
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import preferred_certificate
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import request_params
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import select_certificate
from ansible_collections.rocketclub.platform.plugins.module_utils.acm_request import validate_params
from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import NAME_TAG
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import Progress
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import WaitTimedOut
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import poll

WAIT_DELAY = 10
RECORDS_DELAY = 2
# Default of validation_records_timeout: terraform-provider-aws waits as long for ACM to assign the records
# (certificateDNSValidationAssignmentTimeout = 5 * time.Minute, internal/service/acm/certificate.go).
RECORDS_TIMEOUT = 300
RESULT_KEYS = (
    "certificate_arn",
    "status",
    "domain_name",
    "subject_alternative_names",
    "key_algorithm",
    "validation_records",
    "tags",
)


# Right after RequestCertificate the new ARN may not be visible yet.
@AWSRetry.jittered_backoff(retries=5, delay=2, catch_extra_error_codes=["ResourceNotFoundException"])
def describe_new_certificate(client, arn):
    return client.describe_certificate(CertificateArn=arn)["Certificate"]


def describe_certificate(client, arn):
    return client.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]


def certificate_tags(client, arn):
    return as_dict(client.list_tags_for_certificate(aws_retry=True, CertificateArn=arn).get("Tags"))


def find_tagged_certificates(client, name_tag, statuses, expected_method):
    """Views of every certificate in one of ``statuses`` whose ``Name`` tag is ``name_tag``."""
    summaries = paginate(
        client,
        "list_certificates",
        "CertificateSummaryList",
        CertificateStatuses=list(statuses),
        Includes={"keyTypes": list(KEY_TYPES)},
    )
    views = []
    for summary in summaries:
        arn = summary["CertificateArn"]
        try:
            tags = certificate_tags(client, arn)
            if tags.get(NAME_TAG) != name_tag:
                continue
            views.append(certificate_view(describe_certificate(client, arn), tags, expected_method))
        except is_boto3_error_code("ResourceNotFoundException"):
            continue  # deleted since it was listed
    return views


def request_certificate(client, desired, token):
    params = request_params(desired, token)
    params["Tags"] = ansible_dict_to_boto3_tag_list(desired["tags"])
    return client.request_certificate(aws_retry=True, **params)["CertificateArn"]


def ensure_requested(client, name_tag, desired, check_mode, candidates=()):
    """Request the certificate; returns its view (predicted in check mode: a placeholder ARN and the
    validation records as far as they can be known, see predicted_validation_records)."""
    if check_mode:
        predicted = dict(desired, certificate_arn=pending_id("certificate", name_tag), status="PENDING_VALIDATION")
        predicted["validation_records"] = predicted_validation_records(desired, candidates)
        return predicted
    arn = request_certificate(client, desired, idempotency_token(name_tag, desired))
    try:
        certificate = describe_new_certificate(client, arn)
    except is_boto3_error_code("ResourceNotFoundException"):
        certificate = None
    if certificate is None or certificate.get("Status") in DEAD_STATUSES:
        # Within the one hour idempotency window AWS answers with the certificate of the earlier request,
        # which has been deleted or has failed since: this needs a request of its own.
        arn = request_certificate(client, desired, uuid.uuid4().hex)
        certificate = describe_new_certificate(client, arn)
    # Tags are sent with the request; ListTagsForCertificate may lag behind.
    return certificate_view(certificate, desired["tags"], desired["validation_method"])


def apply_certificate_tags(client, current, wanted_tags, purge_tags, check_mode):
    """Reconcile the tags of a kept certificate; the ``Name`` tag, which identifies it, is never removed."""
    tags = plan_tags(current["tags"], wanted_tags, purge_tags, keep=(NAME_TAG,))
    arn = current["certificate_arn"]
    changed = apply_tags(
        tags,
        tag=lambda to_set: client.add_tags_to_certificate(
            aws_retry=True, CertificateArn=arn, Tags=ansible_dict_to_boto3_tag_list(to_set)
        ),
        untag=lambda keys: client.remove_tags_from_certificate(
            aws_retry=True, CertificateArn=arn, Tags=[{"Key": k} for k in keys]
        ),
        check_mode=check_mode,
    )
    return changed, (dict(current, tags=tags.result) if changed else current)


def refresh(client, view, expected_method):
    return certificate_view(describe_certificate(client, view["certificate_arn"]), view["tags"], expected_method)


def wait_for(client, view, expected_method, progress, timeout, delay, probe):
    """``waiting.poll`` over the certificate's view: ``probe(view) -> (done, status)``, first on ``view`` as it
    is, then on a fresh ``DescribeCertificate`` after each delay. ``timeout`` counts from the start of this wait.

    Returns the last view; raises ``WaitTimedOut`` with ``.view``, the last view seen.
    """
    seen = {"view": view, "fresh": True}

    def step():
        if not seen.pop("fresh", False):
            seen["view"] = refresh(client, seen["view"], expected_method)
        done, status = probe(seen["view"])
        return done, status, seen["view"]

    try:
        return poll(step, "certificate", progress.elapsed + timeout, progress=progress, delay=delay, sleep=time.sleep)
    except WaitTimedOut as e:
        e.view = seen["view"]
        raise


def poll_validation_records(module, client, view, expected_method, progress):
    """Wait until ACM has assigned every DNS validation record, at most ``validation_records_timeout`` seconds.

    ACM assigns them asynchronously after RequestCertificate; fails naming the certificate when they never come.
    """
    timeout = module.params["validation_records_timeout"]
    try:
        return wait_for(
            client,
            view,
            expected_method,
            progress,
            timeout,
            RECORDS_DELAY,
            lambda v: (not v["records_pending"], v["progress"]),
        )
    except WaitTimedOut as e:
        view = e.view
        module.fail_json(
            msg=f"ACM has not assigned the DNS validation records of certificate {view['certificate_arn']} "
            f"({view['domain_name']}) within {timeout}s (validation_records_timeout={timeout}): "
            f"{view['progress']}. The certificate has been requested: run again to keep waiting for its records, "
            "or raise validation_records_timeout.",
            wait_timed_out=True,
            status_history=progress.history,
            **result_of(view),
        )


def result_of(view, replaced=None):
    result = {k: (view or {}).get(k) for k in RESULT_KEYS}
    result["subject_alternative_names"] = result["subject_alternative_names"] or []
    result["validation_records"] = result["validation_records"] or []
    result["tags"] = result["tags"] or {}
    result["replaced_arn"] = replaced["certificate_arn"] if replaced else None
    return result


def wait_for_issued(module, client, view, timeout, expected_method, progress):
    """Poll until the certificate is ``ISSUED``; fail the module on a terminal status or timeout."""
    arn = view["certificate_arn"]

    def issued(current):
        status = current["status"]
        if status in WAIT_FAILURE_STATUSES:
            progress.record(issue_status(current))
            reason = f" ({current['failure_reason']})" if current.get("failure_reason") else ""
            pending = format_records(pending_records(current["validation_records"]))
            module.fail_json(
                msg=f"Certificate {arn} ({current['domain_name']}) has status {status}{reason} and will not be "
                f"issued; pending validation records: {pending}",
                status_history=progress.history,
                **result_of(current),
            )
        return status == "ISSUED", issue_status(current)

    try:
        return wait_for(client, view, expected_method, progress, timeout, WAIT_DELAY, issued)
    except WaitTimedOut as e:
        view = e.view
        pending = format_records(pending_records(view["validation_records"]))
        module.fail_json(
            msg=f"Timed out after {timeout}s waiting for certificate {arn} ({view['domain_name']}) to be ISSUED, "
            f"status is {view['status']}; pending validation records: {pending}",
            wait_timed_out=True,
            status_history=progress.history,
            **result_of(view),
        )


def ensure_present(module, client):
    params = module.params
    check_mode = module.check_mode
    desired = desired_certificate(params)
    method = desired["validation_method"]

    candidates = find_tagged_certificates(client, params["name_tag"], LIVE_STATUSES, method)
    current, replaced = select_certificate(candidates, desired)
    before = diff_view(current or replaced)

    if current is not None:
        changed, view = apply_certificate_tags(client, current, desired["tags"], params["purge_tags"], check_mode)
    else:
        changed, view = True, ensure_requested(client, params["name_tag"], desired, check_mode, candidates)

    progress = Progress(clock=time.monotonic)
    if not check_mode:
        # Check mode never waits: it predicts, and a certificate it would request has no records yet.
        if view["records_pending"]:
            view = poll_validation_records(module, client, view, method, progress)
        if params["wait"]:
            view = wait_for_issued(module, client, view, params["wait_timeout"], method, progress)

    result = result_of(view, replaced)
    result["status_history"] = progress.history
    return changed, result, {"before": before, "after": diff_view(view)}


def ensure_absent(module, client):
    params = module.params
    views = find_tagged_certificates(client, params["name_tag"], ALL_STATUSES, params["validation_method"])
    before = diff_view(preferred_certificate(views))
    deleted = sorted(v["certificate_arn"] for v in views)
    if not module.check_mode:
        in_use = {}
        for view in sorted(views, key=lambda v: v["certificate_arn"]):
            arn = view["certificate_arn"]
            try:
                client.delete_certificate(aws_retry=True, CertificateArn=arn)
            except is_boto3_error_code("ResourceNotFoundException"):
                continue
            except is_boto3_error_code("ResourceInUseException") as e:  # pylint: disable=duplicate-except
                users = ", ".join(view["in_use_by"]) or "see InUseBy of the certificate"
                message = e.response.get("Error", {}).get("Message") or "ResourceInUseException"
                in_use[arn] = f"{arn} is in use by {users}: {message}"
        if in_use:
            module.fail_json(
                msg="Cannot delete ACM certificates that are still in use, detach them first: "
                + "; ".join(in_use.values()),
                in_use_arns=sorted(in_use),
                deleted_arns=[arn for arn in deleted if arn not in in_use],
            )
    result = result_of(None)
    result["deleted_arns"] = deleted
    result["status_history"] = []
    return bool(views), result, {"before": before, "after": {}}


def main():
    argument_spec = dict(
        domain_name=dict(type="str", required=True),
        subject_alternative_names=dict(type="list", elements="str", default=[]),
        validation_method=dict(type="str", default="DNS", choices=["DNS", "EMAIL"]),
        key_algorithm=dict(type="str", default="RSA_2048"),
        name_tag=dict(type="str", required=True),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        validation_records_timeout=dict(type="int", default=RECORDS_TIMEOUT),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    errors = validate_params(module.params)
    if errors:
        module.fail_json(msg="Invalid parameters: " + "; ".join(errors), errors=errors)

    client = module.client("acm", retry_decorator=AWSRetry.jittered_backoff())
    try:
        if module.params["state"] == "absent":
            changed, result, diff = ensure_absent(module, client)
        else:
            changed, result, diff = ensure_present(module, client)
            result["deleted_arns"] = []
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage the ACM certificate tagged Name={module.params['name_tag']}")

    module.exit_json(changed=changed, diff=diff, **result)


if __name__ == "__main__":
    main()
