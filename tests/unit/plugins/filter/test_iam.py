# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the IAM policy documents of the platform's task and Lambda roles."""

from __future__ import annotations

import copy
import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rocketclub.platform.plugins.filter import iam

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:eu-west-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CONTEXT = {
    "partition": "aws",
    "region": "eu-west-2",
    "account_id": ACCOUNT,
    "kms_key_arn": KEY,
    "name_prefix": "rocketclub-local",
}
SM = f"arn:aws:secretsmanager:eu-west-2:{ACCOUNT}:secret:"
BUCKET = "rocketclub-local-blog-data-"

BACKSTAGE_EXECUTION = {
    "name": "backstage-execution",
    "description": "Backstage task execution role",
    "principal": "ecs-tasks",
    "read_secrets": [
        "local/backstage/session-secret",
        "local/backstage/database-url",
        "local/github/pat/blog_data_ci",
        "local/circleci/pat/backstage",
    ],
    "log_groups": ["/ecs/rocketclub-local/backstage"],
    "ecr_pull": ["rocketclub/backstage"],
}
PREFECT_TASK = {
    "name": "prefect-task",
    "description": "Prefect API task role",
    "principal": "ecs-tasks",
    "buckets_rw": [BUCKET + "raw", BUCKET + "clean", BUCKET + "cache"],
    "buckets_read": [BUCKET + "design-files"],
    "read_secrets": ["blog-data/neo4j/credentials", "blog-data/cloudinary/credentials"],
    "read_parameters": [
        "/local/blog-data/buckets/raw",
        "/local/blog-data/buckets/clean",
        "/local/blog-data/buckets/cache",
    ],
}
ORK_PROCESSOR = {
    "name": "ork-processor",
    "description": ".ork processor Lambda execution role",
    "principal": "lambda",
    "buckets_read": [BUCKET + "design-files"],
    "read_secrets": ["blog-data/neo4j/credentials", "blog-data/cloudinary/credentials"],
    "log_groups": ["/aws/lambda/rocketclub-local-ork-processor"],
}
DEPLOYER = {
    "name": "prefect-deployer",
    "principal": "ecs-tasks",
    "ecr_pull": True,
    "ecs_run_tasks": {
        "cluster": "rocketclub-local",
        "task_definition_families": ["rocketclub-local-prefect-deployer"],
        "pass_roles": ["prefect-deployer-execution", "prefect-task"],
    },
}

ECS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "EcsTasksAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:eu-west-2:{ACCOUNT}:*"},
            },
        }
    ],
}


def decrypt(*services, write=False):
    """The platform-key statement; S3 (SSE-KMS buckets) joins the services when buckets are used, and
    writing objects also needs kms:GenerateDataKey."""
    return {
        "Sid": "DecryptWithPlatformKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"] if write else ["kms:Decrypt"],
        "Resource": [KEY],
        "Condition": {"StringEquals": {"kms:ViaService": [f"{s}.eu-west-2.amazonaws.com" for s in services]}},
    }


def plan_of(*roles, context=None):
    return iam.iam_role_plan(copy.deepcopy(list(roles)), dict(context or CONTEXT))


def test_backstage_execution_role():
    (role,) = plan_of(BACKSTAGE_EXECUTION)
    assert role == {
        "name": "backstage-execution",
        "role_name": "rocketclub-local-backstage-execution",
        "arn": f"arn:aws:iam::{ACCOUNT}:role/rocketclub-local-backstage-execution",
        "description": "Backstage task execution role",
        "trust_policy": ECS_TRUST,
        "policy_name": "rocketclub-local-backstage-execution-permissions",
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadSecrets",
                    "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue"],
                    "Resource": [
                        SM + "local/backstage/database-url-??????",
                        SM + "local/backstage/session-secret-??????",
                        SM + "local/circleci/pat/backstage-??????",
                        SM + "local/github/pat/blog_data_ci-??????",
                    ],
                },
                decrypt("secretsmanager"),
                {
                    "Sid": "WriteLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [f"arn:aws:logs:eu-west-2:{ACCOUNT}:log-group:/ecs/rocketclub-local/backstage:*"],
                },
                {
                    "Sid": "EcrAuthorizationTokenHasNoResourceScope",
                    "Effect": "Allow",
                    "Action": ["ecr:GetAuthorizationToken"],
                    "Resource": ["*"],
                },
                {
                    "Sid": "PullImages",
                    "Effect": "Allow",
                    "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    "Resource": [f"arn:aws:ecr:eu-west-2:{ACCOUNT}:repository/rocketclub/backstage"],
                },
            ],
        },
    }


def test_prefect_task_role():
    (role,) = plan_of(PREFECT_TASK)
    assert role["trust_policy"] == ECS_TRUST
    assert role["policy"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [SM + "blog-data/cloudinary/credentials-??????", SM + "blog-data/neo4j/credentials-??????"],
            },
            {
                "Sid": "ReadParameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                "Resource": [
                    f"arn:aws:ssm:eu-west-2:{ACCOUNT}:parameter/local/blog-data/buckets/cache",
                    f"arn:aws:ssm:eu-west-2:{ACCOUNT}:parameter/local/blog-data/buckets/clean",
                    f"arn:aws:ssm:eu-west-2:{ACCOUNT}:parameter/local/blog-data/buckets/raw",
                ],
            },
            decrypt("s3", "secretsmanager", "ssm", write=True),
            {
                "Sid": "ListBuckets",
                "Effect": "Allow",
                "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{BUCKET}{b}" for b in ("cache", "clean", "design-files", "raw")],
            },
            {
                "Sid": "ReadObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{BUCKET}{b}/*" for b in ("cache", "clean", "design-files", "raw")],
            },
            {
                "Sid": "WriteObjects",
                "Effect": "Allow",
                "Action": ["s3:DeleteObject", "s3:PutObject"],
                "Resource": [f"arn:aws:s3:::{BUCKET}{b}/*" for b in ("cache", "clean", "raw")],
            },
        ],
    }


def test_ork_processor_lambda_role():
    (role,) = plan_of(ORK_PROCESSOR)
    assert role["role_name"] == "rocketclub-local-ork-processor"
    assert role["trust_policy"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LambdaAssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }
    assert role["policy"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [SM + "blog-data/cloudinary/credentials-??????", SM + "blog-data/neo4j/credentials-??????"],
            },
            decrypt("s3", "secretsmanager"),
            {
                "Sid": "WriteLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [
                    f"arn:aws:logs:eu-west-2:{ACCOUNT}:log-group:/aws/lambda/rocketclub-local-ork-processor:*"
                ],
            },
            {
                "Sid": "ListBuckets",
                "Effect": "Allow",
                "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{BUCKET}design-files"],
            },
            {
                "Sid": "ReadObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{BUCKET}design-files/*"],
            },
        ],
    }


def test_deployer_runs_only_its_task_in_its_cluster():
    (role,) = plan_of(DEPLOYER)
    ecs = f"arn:aws:ecs:eu-west-2:{ACCOUNT}:"
    assert role["policy"]["Statement"] == [
        {
            "Sid": "EcrAuthorizationTokenHasNoResourceScope",
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken"],
            "Resource": ["*"],
        },
        {
            "Sid": "RunTasks",
            "Effect": "Allow",
            "Action": ["ecs:RunTask"],
            "Resource": [ecs + "task-definition/rocketclub-local-prefect-deployer:*"],
            "Condition": {"ArnEquals": {"ecs:cluster": ecs + "cluster/rocketclub-local"}},
        },
        {
            "Sid": "DescribeTasks",
            "Effect": "Allow",
            "Action": ["ecs:DescribeTasks"],
            "Resource": [ecs + "task/rocketclub-local/*"],
        },
        {
            "Sid": "PassTaskRoles",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": [
                f"arn:aws:iam::{ACCOUNT}:role/rocketclub-local-prefect-deployer-execution",
                f"arn:aws:iam::{ACCOUNT}:role/rocketclub-local-prefect-task",
            ],
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
    ]
    # the same plan from the cluster ARN
    by_arn = dict(DEPLOYER, ecs_run_tasks=dict(DEPLOYER["ecs_run_tasks"], cluster=ecs + "cluster/rocketclub-local"))
    assert plan_of(by_arn)[0]["policy"] == role["policy"]


def test_only_the_ecr_token_statement_has_a_wildcard_resource():
    statements = [
        s
        for role in plan_of(BACKSTAGE_EXECUTION, PREFECT_TASK, ORK_PROCESSOR, DEPLOYER)
        for s in role["policy"]["Statement"]
    ]
    wildcard = [s["Sid"] for s in statements if "*" in s["Resource"]]
    assert wildcard == ["EcrAuthorizationTokenHasNoResourceScope", "EcrAuthorizationTokenHasNoResourceScope"]
    assert all(s["Action"] == ["ecr:GetAuthorizationToken"] for s in statements if "*" in s["Resource"])
    assert all(s["Effect"] == "Allow" and s["Sid"].isalnum() for s in statements)


def test_output_is_stable_whatever_the_input_order():
    shuffled = copy.deepcopy([BACKSTAGE_EXECUTION, PREFECT_TASK, ORK_PROCESSOR, DEPLOYER])
    for role in shuffled:
        for key, value in role.items():
            if isinstance(value, list):
                role[key] = list(reversed(value))
    first = json.dumps(plan_of(BACKSTAGE_EXECUTION, PREFECT_TASK, ORK_PROCESSOR, DEPLOYER))
    assert json.dumps(plan_of(*shuffled)) == first
    assert json.dumps(plan_of(BACKSTAGE_EXECUTION, PREFECT_TASK, ORK_PROCESSOR, DEPLOYER)) == first


def test_documents_survive_iam_unchanged():
    """What amazon.aws.iam_role and iam_policy do on a second run: read the documents back from IAM and
    compare them with compare_policies (True means different)."""
    import boto3
    import moto
    from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

    with moto.mock_aws():
        client = boto3.client("iam", region_name="us-east-1")
        for role in plan_of(BACKSTAGE_EXECUTION, PREFECT_TASK, ORK_PROCESSOR, DEPLOYER):
            client.create_role(
                RoleName=role["role_name"],
                AssumeRolePolicyDocument=json.dumps(role["trust_policy"]),
                Description=role["description"],
            )
            client.put_role_policy(
                RoleName=role["role_name"], PolicyName=role["policy_name"], PolicyDocument=json.dumps(role["policy"])
            )
            stored_trust = client.get_role(RoleName=role["role_name"])["Role"]["AssumeRolePolicyDocument"]
            stored_policy = client.get_role_policy(RoleName=role["role_name"], PolicyName=role["policy_name"])[
                "PolicyDocument"
            ]
            again = plan_of(BACKSTAGE_EXECUTION, PREFECT_TASK, ORK_PROCESSOR, DEPLOYER)
            desired = next(r for r in again if r["name"] == role["name"])
            assert compare_policies(stored_trust, desired["trust_policy"]) is False
            assert compare_policies(stored_policy, desired["policy"]) is False


@pytest.mark.parametrize(
    "change, expected_sids",
    [
        ({"kms_decrypt": False}, ["ReadSecrets"]),
        ({"kms_decrypt": True}, ["ReadSecrets", "DecryptWithPlatformKey"]),
        ({"read_secrets": [], "kms_decrypt": True, "log_groups": ["g"]}, ["DecryptWithPlatformKey", "WriteLogs"]),
        ({"read_secrets": [], "log_groups": ["g"]}, ["WriteLogs"]),
        ({"ecr_pull": True}, ["ReadSecrets", "DecryptWithPlatformKey", "EcrAuthorizationTokenHasNoResourceScope"]),
        ({"ecr_pull": []}, ["ReadSecrets", "DecryptWithPlatformKey"]),
    ],
)
def test_optional_statements(change, expected_sids):
    role = dict({"name": "r", "principal": "ecs-tasks", "read_secrets": ["local/x/y"]}, **change)
    statements = plan_of(role)[0]["policy"]["Statement"]
    assert [s["Sid"] for s in statements] == expected_sids
    explicit = [s for s in statements if s["Sid"] == "DecryptWithPlatformKey" and not change.get("read_secrets", True)]
    assert all("Condition" not in s for s in explicit)


def test_no_kms_key_in_context_means_no_decrypt_statement_unless_asked():
    context = dict(CONTEXT, kms_key_arn=None)
    assert [s["Sid"] for s in plan_of(ORK_PROCESSOR, context=context)[0]["policy"]["Statement"]] == [
        "ReadSecrets",
        "WriteLogs",
        "ListBuckets",
        "ReadObjects",
    ]
    with pytest.raises(AnsibleFilterError, match="'ork-processor', kms_decrypt: true but context.kms_key_arn is empty"):
        plan_of(dict(ORK_PROCESSOR, kms_decrypt=True), context=context)


def test_partition_defaults_to_aws_and_account_may_be_an_int():
    context = {"region": "eu-west-2", "account_id": int(ACCOUNT), "name_prefix": "rocketclub-local", "kms_key_arn": KEY}
    assert plan_of(ORK_PROCESSOR, context=context) == plan_of(ORK_PROCESSOR)
    (role,) = plan_of(ORK_PROCESSOR, context=dict(CONTEXT, partition="aws-cn"))
    assert role["arn"].startswith("arn:aws-cn:iam::") and role["policy"]["Statement"][0]["Resource"][0].startswith(
        "arn:aws-cn:secretsmanager:"
    )


@pytest.mark.parametrize(
    "role, message",
    [
        ({"name": "", "principal": "lambda"}, r"roles\[0\].name: missing or empty"),
        (
            {"name": "r", "principal": "lambda", "log_groups": ["g"], "read_secret": ["x"]},
            r"role 'r', read_secret: unknown key",
        ),
        (
            {"name": "r", "principal": "ec2", "log_groups": ["g"]},
            r"role 'r', principal: 'ec2' is not one of ecs-tasks, lambda",
        ),
        (
            {"name": "r", "principal": "lambda"},
            r"role 'r', read_secrets, .*: none given; the role would have no permission",
        ),
        ({"name": "r", "principal": "lambda", "kms_decrypt": False}, r"role 'r', .*none given"),
        (
            {"name": "r", "principal": "lambda", "read_secrets": "local/x/y"},
            r"role 'r', read_secrets: expected a list of names, got str",
        ),
        (
            {"name": "r", "principal": "lambda", "read_secrets": ["local/x/*"]},
            r"role 'r', read_secrets: 'local/x/\*' is not a Secrets",
        ),
        (
            {"name": "r", "principal": "lambda", "read_secrets": [SM + "x"]},
            r"role 'r', read_secrets: .* \(no ARN, no wildcard\)",
        ),
        ({"name": "r", "principal": "lambda", "log_groups": [""]}, r"role 'r', log_groups: contains an empty name"),
        ({"name": "r", "principal": "lambda", "kms_decrypt": "yes"}, r"role 'r', kms_decrypt: expected true or false"),
        (
            {"name": "r", "principal": "lambda", "buckets_rw": ["b-1x"], "buckets_read": ["b-1x"]},
            r"role 'r', buckets_read: b-1x also in buckets_rw",
        ),
        (
            {"name": "r", "principal": "lambda", "buckets_read": ["Bad_Bucket"]},
            r"role 'r', buckets_read: 'Bad_Bucket' is not an S3 bucket name",
        ),
        ({"name": "r", "principal": "lambda", "ecr_pull": "repo"}, r"role 'r', ecr_pull: expected a list of names"),
        (
            {"name": "r" * 60, "principal": "lambda", "log_groups": ["g"]},
            r"name: 'rocketclub-local-r+' is not a valid IAM role name",
        ),
        (
            dict(DEPLOYER, ecs_run_tasks={"cluster": "c", "families": ["f"]}),
            r"role 'prefect-deployer', ecs_run_tasks.families: unknown key",
        ),
        (dict(DEPLOYER, ecs_run_tasks={"cluster": "c"}), r"ecs_run_tasks.task_definition_families: empty"),
        (dict(DEPLOYER, ecs_run_tasks={"task_definition_families": ["f"]}), r"ecs_run_tasks.cluster: missing"),
        (
            dict(
                DEPLOYER,
                ecs_run_tasks={
                    "cluster": "arn:aws:ecs:us-east-1:111111111111:cluster/c",
                    "task_definition_families": ["f"],
                },
            ),
            r"ecs_run_tasks.cluster: .* is not an ECS cluster ARN of this account and region",
        ),
    ],
)
def test_bad_roles_name_the_role_and_key(role, message):
    with pytest.raises(AnsibleFilterError, match=message):
        plan_of(role)


def test_duplicate_roles_and_bad_context():
    with pytest.raises(AnsibleFilterError, match="role 'ork-processor', name: declared twice"):
        plan_of(ORK_PROCESSOR, ORK_PROCESSOR)
    with pytest.raises(AnsibleFilterError, match="context is missing region, name_prefix"):
        plan_of(ORK_PROCESSOR, context={"account_id": ACCOUNT})
    with pytest.raises(AnsibleFilterError, match="account_id '12345' is not 12 digits"):
        plan_of(ORK_PROCESSOR, context=dict(CONTEXT, account_id=12345))


def test_policy_size_limit():
    huge = dict(ORK_PROCESSOR, read_secrets=[f"local/app/secret-number-{i:04d}" for i in range(200)])
    with pytest.raises(AnsibleFilterError, match="role 'ork-processor', policy: longer than the 10240 characters"):
        plan_of(huge)


def test_filter_is_registered():
    assert iam.FilterModule().filters()["iam_role_plan"].__wrapped__ is iam.iam_role_plan
    assert iam.FilterModule().filters()["iam_roles_module_input"].__wrapped__ is iam.iam_roles_module_input


def test_module_input_is_one_role_with_its_trust_policy_and_one_inline_policy():
    (plan,) = plan_of(ORK_PROCESSOR)
    assert iam.iam_roles_module_input([plan]) == [
        {
            "name": "rocketclub-local-ork-processor",
            "description": plan["description"],
            "assume_role_policy_document": plan["trust_policy"],
            "inline_policies": {"rocketclub-local-ork-processor-permissions": plan["policy"]},
        }
    ]
    with pytest.raises(AnsibleFilterError, match="iam_roles_module_input"):
        iam.iam_roles_module_input({"not": "a plan"})


def test_a_pending_key_reaches_the_policy_as_in_the_real_run():
    """Check mode on an empty account: the platform key and the shared key are placeholders; the policy has
    the same statements the real run writes, with the placeholders where the ARNs go."""
    context = dict(
        CONTEXT,
        kms_key_arn="pending:kms-key/alias/rc-local-platform",
        shared_kms_key_arn="pending:kms-key/alias/rc-shared",
        shared_secrets=["blog-data/neo4j/credentials"],
    )
    (role,) = plan_of(ORK_PROCESSOR, context=context)
    by_sid = {s["Sid"]: s for s in role["policy"]["Statement"]}
    assert by_sid["DecryptSharedSecrets"]["Resource"] == ["pending:kms-key/alias/rc-shared"]


# --------------------------------------------------------------------------------------------
# Shared secrets (blog-data/*): one account-wide key, whatever the environment
# --------------------------------------------------------------------------------------------

SHARED_KEY = f"arn:aws:kms:eu-west-2:{ACCOUNT}:key/5555eeee-55ee-55ee-55ee-5555eeee5555"
SHARED = ["blog-data/neo4j/credentials", "blog-data/cloudinary/credentials"]
SHARED_CONTEXT = dict(CONTEXT, shared_kms_key_arn=SHARED_KEY, shared_secrets=SHARED)
DECRYPT_SHARED = {
    "Sid": "DecryptSharedSecrets",
    "Effect": "Allow",
    "Action": ["kms:Decrypt"],
    "Resource": [SHARED_KEY],
    "Condition": {"StringEquals": {"kms:ViaService": ["secretsmanager.eu-west-2.amazonaws.com"]}},
}


def statements_of(role, context):
    (planned,) = plan_of(role, context=context)
    return {s["Sid"]: s for s in planned["policy"]["Statement"]}


def test_shared_secrets_are_decrypted_with_the_shared_key_only():
    got = statements_of(ORK_PROCESSOR, SHARED_CONTEXT)
    assert got["DecryptSharedSecrets"] == DECRYPT_SHARED
    # the platform key is still needed for the SSE-KMS bucket, only through S3 now
    assert got["DecryptWithPlatformKey"] == decrypt("s3")


@pytest.mark.parametrize("kms_decrypt", [None, True])
def test_role_reading_only_shared_secrets_gets_no_platform_key(kms_decrypt):
    role = {"name": "neo4j-reader", "principal": "ecs-tasks", "read_secrets": SHARED}
    if kms_decrypt is not None:
        role["kms_decrypt"] = kms_decrypt
    got = statements_of(role, SHARED_CONTEXT)
    assert list(got) == ["ReadSecrets", "DecryptSharedSecrets"]


def test_role_reading_own_and_shared_secrets_gets_both_keys():
    role = {
        "name": "mixed",
        "principal": "ecs-tasks",
        "read_secrets": ["local/prefect/api-auth"] + SHARED,
        "kms_decrypt": True,
    }
    got = statements_of(role, SHARED_CONTEXT)
    assert got["DecryptSharedSecrets"] == DECRYPT_SHARED
    assert got["DecryptWithPlatformKey"] == decrypt("secretsmanager")


def test_every_environment_grants_the_same_shared_key():
    other_env = dict(SHARED_CONTEXT, kms_key_arn=KEY.replace("1234abcd", "9999ffff"), name_prefix="rocketclub-dev")
    local = statements_of(ORK_PROCESSOR, SHARED_CONTEXT)["DecryptSharedSecrets"]
    dev = statements_of(ORK_PROCESSOR, other_env)["DecryptSharedSecrets"]
    assert local == dev == DECRYPT_SHARED


def test_unknown_shared_key_keeps_the_platform_key_for_every_secret():
    got = statements_of(ORK_PROCESSOR, dict(CONTEXT, shared_kms_key_arn="", shared_secrets=SHARED))
    assert "DecryptSharedSecrets" not in got
    assert got["DecryptWithPlatformKey"] == decrypt("s3", "secretsmanager")
