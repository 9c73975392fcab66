# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every playbook gives every AWS client the same bounded retry budget.

botocore's default (standard mode, 3 attempts) gives up after two retries: under throttling a stock
module (amazon.aws.s3_bucket, kms_key) fails the converge. The playbooks set ``aws_config.retries``
in their ``module_defaults`` for the AWS action group, which covers the collection's modules and every
amazon.aws / community.aws module, and amazon.aws hands ``aws_config`` to each boto3 client it builds.
"""

from __future__ import annotations

import glob
import os

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.template import trust_as_template
from ansible_collections.amazon.aws.plugins.module_utils.botocore import _aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.botocore import _boto3_conn

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# Every playbook but aap_configure.yml, which talks to an AWX / Automation Platform controller, never to AWS.
PLAYBOOKS = sorted(
    path for path in glob.glob(os.path.join(REPO, "playbooks", "*.yml")) if not path.endswith("/aap_configure.yml")
)
GROUP = "group/rocketclub.platform.aws"
DEFAULT_MAX_ATTEMPTS = 10


def plays():
    for path in PLAYBOOKS:
        for index, play in enumerate(DataLoader().load_from_file(path)):
            if not any(
                key.endswith("import_playbook") for key in play
            ):  # an imported playbook's plays are checked in their own file
                yield f"{os.path.basename(path)}[{index}]", play


def _trusted(value):
    """Playbook strings are trusted templates in a real run (ansible-core 2.19 data tagging)."""
    if isinstance(value, dict):
        return {k: _trusted(v) for k, v in value.items()}
    return trust_as_template(value) if isinstance(value, str) else value


def rendered_aws_config(play, variables):
    templar = Templar(loader=DataLoader(), variables=variables)
    return templar.template(_trusted(play["module_defaults"][GROUP]["aws_config"]))


def test_there_are_playbooks():
    assert {os.path.basename(p) for p in PLAYBOOKS} >= {"site.yml", "park.yml", "unpark.yml", "rotate_kinde.yml"}


@pytest.mark.parametrize("label, play", list(plays()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_play_sets_the_retry_budget_for_the_aws_group(label, play):
    defaults = play.get("module_defaults") or {}
    assert GROUP in defaults, f"{label}: no module_defaults for {GROUP}"
    assert rendered_aws_config(play, {}) == {
        "retries": {"mode": "standard", "total_max_attempts": DEFAULT_MAX_ATTEMPTS}
    }
    # one inventory variable changes it everywhere
    assert rendered_aws_config(play, {"platform_aws_max_attempts": "4"})["retries"]["total_max_attempts"] == 4


def test_the_budget_reaches_the_botocore_client_of_a_module(monkeypatch):
    """amazon.aws 10.1.2: module param aws_config -> botocore Config of every client (merged with a
    module's own config, e.g. amazon.aws.s3_bucket's) -> botocore's standard retry handler."""
    from botocore.retries import standard

    registered = []
    original = standard.register_retry_handler

    def recording(client, max_attempts=None):
        registered.append((client.meta.service_model.service_name, max_attempts))
        return original(client, max_attempts=max_attempts)

    monkeypatch.setattr(standard, "register_retry_handler", recording)
    play = dict(plays())["site.yml[0]"]
    params = {
        "region": "eu-west-2",
        "endpoint_url": None,
        "access_key": "testing",
        "secret_key": "testing",
        "session_token": None,
        "profile": None,
        "validate_certs": True,
        "aws_ca_bundle": None,
        "aws_config": rendered_aws_config(play, {}),
    }
    region, endpoint, connect = _aws_connection_info(params)
    for service, extra in (("kms", {}), ("s3", {"config": {"s3": {"addressing_style": "path"}}})):
        client = _boto3_conn(conn_type="client", resource=service, region=region, endpoint=endpoint, **connect, **extra)
        assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": DEFAULT_MAX_ATTEMPTS}
    # total attempts, the first one included (botocore's `total_max_attempts`, AWS_MAX_ATTEMPTS)
    assert registered == [("kms", DEFAULT_MAX_ATTEMPTS), ("s3", DEFAULT_MAX_ATTEMPTS)]
