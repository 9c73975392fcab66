# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM correction made inside moto (localcloud.moto_patches); it fails against plain moto, which answers every
entity of GetAccountAuthorizationDetails at once whatever MaxItems says."""

import json

import pytest
from botocore.exceptions import ClientError

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def test_account_authorization_details_come_in_pages_of_max_items(lc, aws):
    iam = aws("iam")
    names = [f"rc-pages-{i}" for i in range(5)]
    for name in names:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Tags=[{"Key": "k", "Value": name}])
    iam.put_role_policy(
        RoleName=names[4],
        PolicyName="p",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        ),
    )

    first = iam.get_account_authorization_details(Filter=["Role"], MaxItems=2)
    assert first["IsTruncated"] is True and first["Marker"]
    assert len(first["RoleDetailList"]) == 2

    pages = list(
        iam.get_paginator("get_account_authorization_details").paginate(
            Filter=["Role"], PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(p["RoleDetailList"]) for p in pages] == [2, 2, 1]
    assert pages[-1]["IsTruncated"] is False and "Marker" not in pages[-1]
    seen = {d["RoleName"]: d for p in pages for d in p["RoleDetailList"] if d["RoleName"].startswith("rc-pages-")}
    assert sorted(seen) == names
    # Each detail carries the role's tags and its inline policies, as AWS does.
    assert seen[names[0]]["Tags"] == [{"Key": "k", "Value": names[0]}]
    assert [p["PolicyName"] for p in seen[names[4]]["RolePolicyList"]] == ["p"]


def test_account_authorization_details_refuse_more_than_1000_items(lc, aws):
    with pytest.raises(ClientError) as error:
        aws("iam").get_account_authorization_details(Filter=["Role"], MaxItems=1001)
    assert error.value.response["Error"]["Code"] == "ValidationError"
