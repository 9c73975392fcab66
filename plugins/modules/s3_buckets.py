#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: s3_buckets
version_added: 0.1.0
short_description: Manage a family of private S3 buckets (versioning, encryption, public access block) in one task
description:
  - Creates and reconciles several S3 buckets in one task, with versioning, default encryption (SSE-KMS with an
    S3 bucket key, or SSE-S3), the public access block, object ownership and tags.
  - Every setting of an existing bucket is read and compared, and only what differs is written, so check mode
    shows the settings drift of an existing bucket with a diff (M(amazon.aws.s3_bucket) has no check mode).
  - A bucket is created in the module's region (C(LocationConstraint) outside C(us-east-1), where AWS
    refuses it, U(https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html)), with its object
    ownership. A new bucket is not visible to every S3 endpoint at once. Like terraform-provider-aws
    (C(internal/service/s3/bucket.go) and the C(bucket_*) resources, bucketPropagationTimeout 2 minutes) the
    writes that follow C(CreateBucket) are retried for 2 minutes on C(NoSuchBucket) (and C(OperationAborted)).
  - A bucket name taken by another account, or an existing bucket of this account in another region, fails
    before anything is written, naming the bucket.
  - A check-mode placeholder as O(buckets[].kms_key_id) (a KMS key check mode predicts) differs from any live
    key; a real run refuses placeholders.
  - Buckets that are not listed are never touched; the module deletes no bucket.
author:
  - rocketclub platform team (@rocketclub)
options:
  buckets:
    description:
      - The buckets to manage, processed and returned in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the bucket.
        type: str
        required: true
      versioning:
        description:
          - V(true) enables versioning; V(false) suspends it on a bucket where it is enabled (S3 cannot turn
            it off once enabled) and leaves a never-versioned bucket alone.
        type: bool
        default: true
      encryption:
        description:
          - Default encryption, V(aws:kms) (SSE-KMS with O(buckets[].kms_key_id)) or V(AES256) (SSE-S3).
        type: str
        choices: ['aws:kms', 'AES256']
        default: AES256
      kms_key_id:
        description:
          - KMS key of V(aws:kms) encryption, best as the key ARN; an id or alias is resolved with
            C(kms:DescribeKey) for the comparison. Unset with V(aws:kms) means the AWS managed key C(aws/s3).
        type: str
      bucket_key_enabled:
        description:
          - Use an S3 bucket key with V(aws:kms) (fewer KMS requests). Not compared for V(AES256).
        type: bool
        default: true
      public_access_block:
        description:
          - The bucket's public access block; every setting defaults to V(true).
        type: dict
        default: {}
        suboptions:
          block_public_acls:
            description: Block public ACLs.
            type: bool
            default: true
          ignore_public_acls:
            description: Ignore public ACLs.
            type: bool
            default: true
          block_public_policy:
            description: Block public bucket policies.
            type: bool
            default: true
          restrict_public_buckets:
            description: Restrict public buckets.
            type: bool
            default: true
      object_ownership:
        description:
          - Object ownership; V(BucketOwnerEnforced) disables ACLs.
        type: str
        choices: ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter']
        default: BucketOwnerEnforced
      tags:
        description:
          - Tags of this bucket, merged over O(tags).
        type: dict
        default: {}
  tags:
    description:
      - Tags common to all the buckets. O(buckets[].tags) take precedence.
    type: dict
    default: {}
  purge_tags:
    description:
      - Remove tags not in O(tags) or O(buckets[].tags). Tags starting with C(aws:) are never removed.
    type: bool
    default: true
notes:
  - Required IAM actions are C(s3:ListBucket) (HeadBucket), C(s3:GetBucketVersioning),
    C(s3:GetEncryptionConfiguration), C(s3:GetBucketPublicAccessBlock), C(s3:GetBucketOwnershipControls),
    C(s3:GetBucketTagging), C(s3:CreateBucket), C(s3:PutBucketVersioning), C(s3:PutEncryptionConfiguration),
    C(s3:PutBucketPublicAccessBlock), C(s3:PutBucketOwnershipControls), C(s3:PutBucketTagging) and, with a
    key that is not given as its ARN, C(kms:DescribeKey).
  - Since April 2023 AWS creates buckets with SSE-S3, the public access block on and C(BucketOwnerEnforced)
    (U(https://aws.amazon.com/about-aws/whats-new/2022/12/amazon-s3-automatically-enable-block-public-access-disable-access-control-lists-buckets-april-2023/));
    the module still reads and compares each setting, as a bucket created earlier or changed by hand may differ.
  - Supports check mode and diff mode.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Data buckets encrypted with the platform key
  rocketclub.platform.s3_buckets:
    tags:
      platform:env: prod
    buckets:
      - name: rocketclub-prod-blog-data-raw
        encryption: aws:kms
        kms_key_id: arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
        tags: {platform:data-layer: raw}
      - name: rocketclub-prod-blog-data-cache
        encryption: AES256
"""

RETURN = r"""
buckets:
  description: The managed buckets, in input order. Check mode returns the predicted state.
  returned: always
  type: list
  elements: dict
  sample:
    - name: rocketclub-prod-blog-data-raw
      arn: arn:aws:s3:::rocketclub-prod-blog-data-raw
      created: false
      changed: true
      changes: [encryption]
  contains:
    name:
      description: Name of the bucket.
      returned: always
      type: str
      sample: rocketclub-prod-blog-data-raw
    arn:
      description: ARN of the bucket (derived from its name, also in check mode).
      returned: always
      type: str
      sample: arn:aws:s3:::rocketclub-prod-blog-data-raw
    created:
      description: Whether the bucket was (or in check mode would be) created.
      returned: always
      type: bool
      sample: false
    changed:
      description: Whether the bucket was (or would be) changed.
      returned: always
      type: bool
      sample: true
    changes:
      description: The settings that were (or would be) written.
      returned: always
      type: list
      elements: str
      sample: [encryption, tags]
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import Propagation
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import retry_propagation
from ansible_collections.rocketclub.platform.plugins.module_utils.kms import KmsKeyResolver
from ansible_collections.rocketclub.platform.plugins.module_utils.kms import is_key_arn
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates

# terraform-provider-aws internal/service/s3: every write to a bucket created moments ago retries NoSuchBucket
# (PutBucketEncryption also OperationAborted) for bucketPropagationTimeout (2 min).
NEW_BUCKET = Propagation(
    "s3 (new bucket)",
    (("NoSuchBucket", None), ("OperationAborted", None)),
    budget=120,
    source="terraform-provider-aws internal/service/s3/bucket.go, bucket_server_side_encryption_configuration.go",
)
PAB_KEYS = (
    ("block_public_acls", "BlockPublicAcls"),
    ("ignore_public_acls", "IgnorePublicAcls"),
    ("block_public_policy", "BlockPublicPolicy"),
    ("restrict_public_buckets", "RestrictPublicBuckets"),
)


class BucketElsewhere(Exception):
    """The bucket name is taken by another account, or the bucket lives in another region."""


def _code(error):
    return str(((getattr(error, "response", None) or {}).get("Error") or {}).get("Code", ""))


class S3Buckets:
    def __init__(self, module, client, kms_resolver, region, sleep=None):
        self.module = module
        self.client = client
        self.kms = kms_resolver
        self.region = region
        self.sleep = sleep
        self.check = module.check_mode

    # --- reads -----------------------------------------------------------------------------------------
    def exists(self, name):
        try:
            answer = self.client.head_bucket(Bucket=name, aws_retry=True)
        except botocore.exceptions.ClientError as e:
            code = _code(e)
            if code in ("404", "NoSuchBucket", "NotFound"):
                return False
            if code in ("403", "AccessDenied", "Forbidden"):
                raise BucketElsewhere(
                    f"Bucket {name}: the name is taken by another AWS account (S3 bucket names are global) or this "
                    "account may not read it; choose another name (s3_data_bucket_suffix)."
                ) from None
            if code in ("301", "PermanentRedirect"):
                headers = (e.response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
                where = headers.get("x-amz-bucket-region", "another region")
                raise BucketElsewhere(
                    f"Bucket {name} exists in {where}, not in {self.region}; it cannot be moved."
                ) from None
            raise
        # botocore follows S3's redirect to a bucket's own region: the answer names it (BucketRegion).
        headers = (answer.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
        where = answer.get("BucketRegion") or headers.get("x-amz-bucket-region")
        if where and where != self.region:
            raise BucketElsewhere(f"Bucket {name} exists in {where}, not in {self.region}; it cannot be moved.")
        return True

    def _optional(self, method, missing_codes, **params):
        try:
            return method(aws_retry=True, **params)
        except botocore.exceptions.ClientError as e:
            if _code(e) in missing_codes:
                return None
            raise

    def read(self, name):
        """Current settings of a bucket, or None when it does not exist."""
        if not self.exists(name):
            return None
        versioning = self.client.get_bucket_versioning(Bucket=name, aws_retry=True).get("Status") or "Disabled"
        encryption = {"algorithm": None, "kms_key_id": None, "bucket_key_enabled": False}
        answer = self._optional(
            self.client.get_bucket_encryption, ("ServerSideEncryptionConfigurationNotFoundError",), Bucket=name
        )
        rules = ((answer or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
        if rules:
            default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
            encryption = {
                "algorithm": default.get("SSEAlgorithm"),
                "kms_key_id": default.get("KMSMasterKeyID"),
                "bucket_key_enabled": bool(rules[0].get("BucketKeyEnabled")),
            }
        answer = self._optional(
            self.client.get_public_access_block, ("NoSuchPublicAccessBlockConfiguration",), Bucket=name
        )
        block = (answer or {}).get("PublicAccessBlockConfiguration") or {}
        public_access_block = {key: bool(block.get(api)) for key, api in PAB_KEYS}
        answer = self._optional(
            self.client.get_bucket_ownership_controls, ("OwnershipControlsNotFoundError",), Bucket=name
        )
        ownership_rules = ((answer or {}).get("OwnershipControls") or {}).get("Rules") or []
        ownership = ownership_rules[0].get("ObjectOwnership") if ownership_rules else None
        answer = self._optional(self.client.get_bucket_tagging, ("NoSuchTagSet",), Bucket=name)
        tags = as_dict((answer or {}).get("TagSet"))
        return {
            "versioning": versioning,
            "encryption": encryption,
            "public_access_block": public_access_block,
            "object_ownership": ownership,
            "tags": tags,
        }

    # --- comparison ------------------------------------------------------------------------------------
    def same_key(self, current, desired):
        if current == desired:
            return True
        if not current or not desired or is_pending(desired):
            return False
        resolved = [ref if is_key_arn(ref) else self.kms.resolve(ref) for ref in (current, desired)]
        return resolved[0] is not None and resolved[0] == resolved[1]

    def encryption_differs(self, current, desired):
        if current["algorithm"] != desired["algorithm"]:
            return True
        if desired["algorithm"] != "aws:kms":
            return False
        if current["bucket_key_enabled"] != desired["bucket_key_enabled"]:
            return True
        if not desired["kms_key_id"]:
            return bool(current["kms_key_id"])
        return not self.same_key(current["kms_key_id"], desired["kms_key_id"])

    def plan(self, current, desired, purge_tags):
        """The settings to write (in order) and the resulting tags."""
        changes = []
        want_versioning = desired["versioning"]
        if want_versioning == "Enabled" and current["versioning"] != "Enabled":
            changes.append("versioning")
        elif want_versioning == "Suspended" and current["versioning"] == "Enabled":
            changes.append("versioning")
        if self.encryption_differs(current["encryption"], desired["encryption"]):
            changes.append("encryption")
        if current["public_access_block"] != desired["public_access_block"]:
            changes.append("public_access_block")
        if current["object_ownership"] != desired["object_ownership"]:
            changes.append("object_ownership")
        # PutBucketTagging replaces the whole tag set: the plan's result is written, not its delta.
        tag_plan = plan_tags(current["tags"], desired["tags"], purge_tags)
        if tag_plan.changed:
            changes.append("tags")
        return changes, tag_plan.result

    # --- writes ----------------------------------------------------------------------------------------
    def _write(self, name, new, method, **params):
        if new:
            method = retry_propagation(self.module, NEW_BUCKET, name, sleep=self.sleep)(method)
        return method(aws_retry=True, **params)

    def create(self, name, desired):
        params = {"Bucket": name, "ObjectOwnership": desired["object_ownership"]}
        if self.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self.client.create_bucket(aws_retry=True, **params)

    def write(self, name, desired, changes, resulting_tags, new=False):
        if "versioning" in changes:
            self._write(
                name,
                new,
                self.client.put_bucket_versioning,
                Bucket=name,
                VersioningConfiguration={"Status": desired["versioning"]},
            )
        if "encryption" in changes:
            default = {"SSEAlgorithm": desired["encryption"]["algorithm"]}
            rule = {"ApplyServerSideEncryptionByDefault": default}
            if desired["encryption"]["algorithm"] == "aws:kms":
                if desired["encryption"]["kms_key_id"]:
                    default["KMSMasterKeyID"] = desired["encryption"]["kms_key_id"]
                rule["BucketKeyEnabled"] = desired["encryption"]["bucket_key_enabled"]
            self._write(
                name,
                new,
                self.client.put_bucket_encryption,
                Bucket=name,
                ServerSideEncryptionConfiguration={"Rules": [rule]},
            )
        if "public_access_block" in changes:
            block = {api: desired["public_access_block"][key] for key, api in PAB_KEYS}
            self._write(
                name, new, self.client.put_public_access_block, Bucket=name, PublicAccessBlockConfiguration=block
            )
        if "object_ownership" in changes:
            self._write(
                name,
                new,
                self.client.put_bucket_ownership_controls,
                Bucket=name,
                OwnershipControls={"Rules": [{"ObjectOwnership": desired["object_ownership"]}]},
            )
        if "tags" in changes:
            tags = {k: v for k, v in resulting_tags.items() if not k.startswith("aws:")}
            if tags:
                self._write(
                    name,
                    new,
                    self.client.put_bucket_tagging,
                    Bucket=name,
                    Tagging={"TagSet": ansible_dict_to_boto3_tag_list(tags)},
                )
            else:
                self._write(name, new, self.client.delete_bucket_tagging, Bucket=name)


def desired_settings(spec, common_tags):
    versioning = "Enabled" if spec["versioning"] else "Suspended"
    algorithm = spec["encryption"]
    encryption = {
        "algorithm": algorithm,
        "kms_key_id": spec["kms_key_id"] if algorithm == "aws:kms" else None,
        "bucket_key_enabled": bool(spec["bucket_key_enabled"]) if algorithm == "aws:kms" else False,
    }
    block = spec["public_access_block"] or {}
    return {
        "versioning": versioning,
        "encryption": encryption,
        "public_access_block": {key: block.get(key, True) is not False for key, dummy in PAB_KEYS},
        "object_ownership": spec["object_ownership"],
        "tags": desired_tags(common_tags, spec["tags"], managed=False),
    }


def new_bucket_state(desired):
    """What a bucket is right after CreateBucket, as far as the module relies on it: the object ownership it
    was created with; everything else is written (AWS's defaults differ from moto's and older buckets')."""
    return {
        "versioning": "Disabled",
        "encryption": {"algorithm": None, "kms_key_id": None, "bucket_key_enabled": False},
        "public_access_block": {key: False for key, dummy in PAB_KEYS},
        "object_ownership": desired["object_ownership"],
        "tags": {},
    }


def after_state(current, desired, resulting_tags):
    after = dict(desired, tags=resulting_tags)
    if desired["versioning"] == "Suspended" and current["versioning"] != "Enabled":
        after["versioning"] = current["versioning"]
    return after


def validate_specs(module, specs):
    """Checks the argument spec cannot express. Runs before any API call."""
    dupes = find_duplicates(s["name"] for s in specs)
    if dupes:
        module.fail_json(msg=f"buckets: duplicate bucket names {', '.join(dupes)}; list each bucket once")
    for index, spec in enumerate(specs):
        if spec["kms_key_id"] and spec["encryption"] != "aws:kms":
            module.fail_json(
                msg=f"buckets[{index}] ({spec['name']}).kms_key_id is set but encryption is {spec['encryption']}; "
                "use encryption: aws:kms or drop the key"
            )


def main():
    pab = dict(
        block_public_acls=dict(type="bool", default=True),
        ignore_public_acls=dict(type="bool", default=True),
        block_public_policy=dict(type="bool", default=True),
        restrict_public_buckets=dict(type="bool", default=True),
    )
    argument_spec = dict(
        buckets=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                versioning=dict(type="bool", default=True),
                encryption=dict(type="str", choices=["aws:kms", "AES256"], default="AES256"),
                kms_key_id=dict(type="str", no_log=False),
                bucket_key_enabled=dict(type="bool", default=True),
                public_access_block=dict(type="dict", default={}, options=pab),
                object_ownership=dict(
                    type="str",
                    choices=["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"],
                    default="BucketOwnerEnforced",
                ),
                tags=dict(type="dict", default={}),
            ),
        ),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    specs = module.params["buckets"]
    validate_specs(module, specs)
    fail_if_pending(module, **{f"buckets[{s['name']}].kms_key_id": s["kms_key_id"] for s in specs if s["kms_key_id"]})
    purge_tags = module.params["purge_tags"]

    client = module.client("s3", retry_decorator=AWSRetry.jittered_backoff())
    kms = KmsKeyResolver(module.client("kms", retry_decorator=AWSRetry.jittered_backoff()))
    buckets = S3Buckets(module, client, kms, module.region)
    results, before_diff, after_diff = [], {}, {}
    any_changed = False
    name = None
    try:
        for spec in specs:
            name = spec["name"]
            desired = desired_settings(spec, module.params["tags"])
            current = buckets.read(name)
            created = current is None
            if created:
                state = new_bucket_state(desired)
                changes, resulting_tags = buckets.plan(state, desired, purge_tags)
                changes = ["create"] + changes
                if not module.check_mode:
                    buckets.create(name, desired)
                    buckets.write(name, desired, changes, resulting_tags, new=True)
            else:
                changes, resulting_tags = buckets.plan(current, desired, purge_tags)
                if changes and not module.check_mode:
                    buckets.write(name, desired, changes, resulting_tags)
            # The diff names the buckets that change (created or updated), nothing else.
            if changes:
                if current is not None:
                    before_diff[name] = current
                after_diff[name] = after_state(current or new_bucket_state(desired), desired, resulting_tags)
            any_changed |= bool(changes)
            results.append(
                {
                    "name": name,
                    "arn": f"arn:aws:s3:::{name}",
                    "created": created,
                    "changed": bool(changes),
                    "changes": changes,
                }
            )
    except BucketElsewhere as e:
        module.fail_json(msg=str(e), buckets=results, changed=any_changed)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage S3 bucket {name}", buckets=results, changed=any_changed)

    module.exit_json(changed=any_changed, buckets=results, diff={"before": before_diff, "after": after_diff})


if __name__ == "__main__":
    main()
