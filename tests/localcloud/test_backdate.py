# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""POST /_localcloud/backdate: over-age secrets for verify.yml, through the running local cloud."""

import datetime

import pytest

from localcloud.client import LocalCloudError

REGION = "eu-west-2"


def _days_old(when):
    return (datetime.datetime.now(datetime.timezone.utc) - when).total_seconds() / 86400


def test_an_ssm_parameter_is_backdated(lc, aws):
    ssm = aws("ssm", region=REGION)
    ssm.put_parameter(Name="/local/shared/cf_alb_secret", Value="v" * 48, Type="SecureString")
    before = len(lc.requests(service="ssm"))
    answer = lc.backdate("ssm", "/local/shared/cf_alb_secret", 100)
    assert answer["region"] == REGION and len(answer["dates"]) == 1
    (found,) = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": ["/local/shared/cf_alb_secret"]}]
    )["Parameters"]
    assert 99.9 < _days_old(found["LastModifiedDate"]) < 100.1
    got = ssm.get_parameter(Name="/local/shared/cf_alb_secret", WithDecryption=True)["Parameter"]
    assert 99.9 < _days_old(got["LastModifiedDate"]) < 100.1
    # the control call is not an AWS request
    assert len(lc.requests(service="ssm")) == before + 2


def test_a_secret_version_is_backdated(lc, aws):
    sm = aws("secretsmanager", region=REGION)
    sm.create_secret(Name="local/kinde/client-secret", SecretString="s" * 32)
    lc.backdate("secretsmanager", "local/kinde/client-secret", 100)
    current = sm.get_secret_value(SecretId="local/kinde/client-secret", VersionStage="AWSCURRENT")
    assert 99.9 < _days_old(current["CreatedDate"]) < 100.1


@pytest.mark.parametrize(
    "payload, status, message",
    [
        ({"service": "s3", "name": "x", "days": 1}, 400, "service must be one of ssm, secretsmanager"),
        ({"service": "ssm", "days": 1}, 400, "name (the parameter or secret name) is required"),
        ({"service": "ssm", "name": "/x", "days": 0}, 400, "days must be a positive number"),
        ({"service": "ssm", "name": "/absent", "days": 1}, 404, "ssm /absent not found"),
    ],
)
def test_bad_requests(lc, payload, status, message):
    with pytest.raises(LocalCloudError) as excinfo:
        lc.call(lc.aws_url, "POST", "backdate", payload)
    assert message in str(excinfo.value)
