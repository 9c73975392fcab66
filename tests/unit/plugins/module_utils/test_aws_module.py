# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's AnsibleAWSModule shares botocore's data loader between sessions (the fixed cost of a task)."""

from __future__ import annotations

import boto3
import botocore.loaders
import botocore.session
import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import aws_module


@pytest.fixture(autouse=True)
def _own_loaders():
    aws_module.unshare_loaders()
    yield
    aws_module.unshare_loaders()


def loader_of(session):
    return session._session.get_component("data_loader")  # pylint: disable=protected-access


def new_session():
    return boto3.session.Session(region_name="eu-west-2", aws_access_key_id="a", aws_secret_access_key="b")


def test_without_sharing_every_session_parses_the_models_again():
    assert loader_of(new_session()) is not loader_of(new_session())


def test_shared_sessions_reuse_one_loader_and_its_parsed_models():
    aws_module.share_loaders()
    first, second = new_session(), new_session()
    assert loader_of(first) is loader_of(second)
    model = first.client("ec2", endpoint_url="http://127.0.0.1:9")._service_model  # pylint: disable=protected-access
    again = second.client("ec2", endpoint_url="http://127.0.0.1:9")._service_model  # pylint: disable=protected-access
    # The second client got the parsed service description from the cache, not from the file.
    assert again._service_description is model._service_description  # pylint: disable=protected-access


def test_share_is_idempotent_and_unshare_restores_botocore():
    aws_module.share_loaders()
    aws_module.share_loaders()
    assert botocore.session.create_loader is aws_module._shared_loader  # pylint: disable=protected-access
    aws_module.unshare_loaders()
    assert botocore.session.create_loader is botocore.loaders.create_loader


def test_a_different_data_path_gets_its_own_loader(tmp_path):
    aws_module.share_loaders()
    default = loader_of(new_session())
    session = botocore.session.Session()
    session.set_config_variable("data_path", str(tmp_path))
    assert session.get_component("data_loader") is not default
    assert str(tmp_path) in session.get_component("data_loader").search_paths


def test_the_module_class_installs_the_sharing(monkeypatch):
    created = []
    monkeypatch.setattr(
        aws_module._AnsibleAWSModule,  # pylint: disable=protected-access
        "__init__",
        lambda self, **kwargs: created.append(kwargs),
    )
    aws_module.AnsibleAWSModule(argument_spec={})
    assert created == [{"argument_spec": {}}]
    assert botocore.session.create_loader is aws_module._shared_loader  # pylint: disable=protected-access
