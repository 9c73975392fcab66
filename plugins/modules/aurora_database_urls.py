#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: aurora_database_urls
version_added: 0.1.0
short_description: Write application database connection URLs of an Aurora cluster into Secrets Manager
description:
  - Composes, for each entry of O(databases), the connection URL
    C(<scheme>://<username>:<password>@<endpoint>:<port>/<name>?<query>) from the Aurora cluster's endpoint
    and port and the application's credentials secret, and writes it into the existing URL secret
    O(databases[].url_secret) (for example C(prod/backstage/database-url)).
  - User name, password and database name are percent-encoded, so any character of a password is safe.
  - The URL secrets are not created here. They are containers created by
    M(rocketclub.platform.secretsmanager_secrets); a missing one is an error.
  - Idempotent without reading secrets. Each URL secret carries the tag C(platform:source-fingerprint), the
    SHA-256 of the credentials secret's current version id (from C(DescribeSecret)), the endpoint, the port,
    the database name, the scheme and the query. No secret value goes into it. A run reads the credentials
    (C(GetSecretValue)) and writes a URL (C(PutSecretValue), C(TagResource)) only for the URL secrets whose
    fingerprint differs or that have no current value. Rotating a credentials secret (a new current version)
    therefore rewrites exactly the URLs made from it.
  - Results and diffs show the URL with the password masked.
author:
  - rocketclub platform team (@rocketclub)
options:
  cluster_identifier:
    description:
      - DB cluster identifier of the Aurora cluster. Its writer endpoint (C(Endpoint)) and C(Port) are used.
      - When the cluster does not exist, check mode reports every URL as changed; a real run fails.
    type: str
    required: true
  endpoint:
    description:
      - Host name to use instead of the cluster's endpoint, for example an RDS Proxy endpoint, or a known
        endpoint in check mode before the cluster exists.
      - When set the cluster is not described.
      - In check mode it may be the placeholder of a cluster an earlier task would create
        (C(pending:rds-cluster-endpoint/<identifier>)); every URL is then reported as changed. A real run refuses a
        placeholder.
    type: str
  port:
    description:
      - Port that goes with O(endpoint), 1 to 65535. V(5432) when not set.
    type: int
  databases:
    description:
      - The URLs to write, returned in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the database, the path of the URL.
        type: str
        required: true
      credentials_secret:
        description:
          - Name or ARN of the Secrets Manager secret holding the application's credentials as a JSON object
            with the string fields C(username) and C(password), for example C(prod/backstage/db).
          - A missing secret, a secret without a current value, or a value that is not such a JSON object is
            an error naming the secret (never showing its value).
        type: str
        required: true
      url_secret:
        description:
          - Name or ARN of the existing Secrets Manager secret that receives the URL, for example
            C(prod/backstage/database-url). Each URL secret may be listed once.
        type: str
        required: true
      scheme:
        description:
          - URL scheme, for example V(postgresql) or V(postgresql+asyncpg).
        type: str
        default: postgresql
      query:
        description:
          - Query parameters of the URL, sorted by name in the URL.
          - 'V({}) for none; for example C({"ssl": "require"}) for drivers that do not know C(sslmode).'
        type: dict
        default: {"sslmode": "require"}
notes:
  - Required IAM actions are C(rds:DescribeDBClusters) (unless O(endpoint) is set),
    C(secretsmanager:DescribeSecret), C(GetSecretValue) on the credentials secrets, C(PutSecretValue) and
    C(TagResource) on the URL secrets, and C(kms:Decrypt) / C(kms:GenerateDataKey) on their KMS keys.
  - Supports check mode (credentials of the URLs that would change are read, to validate them and predict the
    masked URL; nothing is written) and diff mode (the changed URLs, masked, and their fingerprints).
  - A URL secret's value put in by hand is not detected while its fingerprint tag still matches; remove the
    tag to have the URL rewritten.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Connection URLs of the Backstage and Prefect databases
  rocketclub.platform.aurora_database_urls:
    cluster_identifier: rocketclub-prod
    databases:
      - name: backstage
        credentials_secret: prod/backstage/db
        url_secret: prod/backstage/database-url
      - name: prefect
        credentials_secret: prod/prefect/db
        url_secret: prod/prefect/database-url
        scheme: postgresql+asyncpg
        query: {}
  register: database_urls

- name: Through an RDS Proxy endpoint instead of the cluster endpoint
  rocketclub.platform.aurora_database_urls:
    cluster_identifier: rocketclub-prod
    endpoint: rocketclub-prod-proxy.proxy-abcdefghijkl.eu-west-2.rds.amazonaws.com
    port: 5432
    databases:
      - name: backstage
        credentials_secret: prod/backstage/db
        url_secret: prod/backstage/database-url
"""

RETURN = r"""
databases:
  description: One entry per O(databases) item, in that order. Check mode returns the prediction.
  returned: always
  type: list
  elements: dict
  sample:
    - name: backstage
      url_secret: prod/backstage/database-url
      url: postgresql://backstage:********@rocketclub-prod.cluster-abcdefghijkl.eu-west-2.rds.amazonaws.com:5432/backstage?sslmode=require
      changed: true
      reason: a source changed (credentials version, endpoint, port, database, scheme or query)
      has_value: true
  contains:
    name:
      description: The database name.
      returned: always
      type: str
      sample: backstage
    url_secret:
      description: The URL secret, as given in O(databases[].url_secret).
      returned: always
      type: str
      sample: prod/backstage/database-url
    url:
      description:
        - The URL with the password masked as C(********).
        - The user name is shown when this run read the credentials (URLs that changed or would change);
          otherwise it is masked too, because unchanged URLs are not read.
        - V(null) when the cluster does not exist yet.
      returned: always
      type: str
      sample: postgresql://backstage:********@rocketclub-prod.cluster-abcdefghijkl.eu-west-2.rds.amazonaws.com:5432/backstage?sslmode=require
    changed:
      description: Whether the URL was (or in check mode would be) written.
      returned: always
      type: bool
      sample: true
    reason:
      description: Why the URL was written or left alone, for example V(up to date) or
        V(the url secret has no value yet).
      returned: always
      type: str
      sample: up to date
    has_value:
      description:
        - Whether the URL secret holds a current (C(AWSCURRENT)) value after this run (in check mode, would hold).
        - A run that succeeds leaves every URL secret with a value, so a secret listed here no longer needs one
          even when an earlier task of the same run (the secrets role) found it empty.
      returned: always
      type: bool
      sample: true
cluster_endpoint:
  description: The host name used, V(null) when the cluster does not exist yet.
  returned: always
  type: str
  sample: rocketclub-prod.cluster-abcdefghijkl.eu-west-2.rds.amazonaws.com
cluster_port:
  description: The port used, V(null) when the cluster does not exist yet.
  returned: always
  type: int
  sample: 5432
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.database_urls import DEFAULT_PORT
from ansible_collections.rocketclub.platform.plugins.module_utils.database_urls import FINGERPRINT_TAG
from ansible_collections.rocketclub.platform.plugins.module_utils.database_urls import build_url
from ansible_collections.rocketclub.platform.plugins.module_utils.database_urls import masked_url
from ansible_collections.rocketclub.platform.plugins.module_utils.database_urls import plan_database
from ansible_collections.rocketclub.platform.plugins.module_utils.database_urls import validate_databases
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import protect
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import read_credentials
from ansible_collections.rocketclub.platform.plugins.module_utils.secrets_manager import current_version_id
from ansible_collections.rocketclub.platform.plugins.module_utils.secrets_manager import describe_secret
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict


def describe_endpoint(module, client):
    """``{"host", "port"}`` of the cluster (or of the O(endpoint) override), None when there is no cluster."""
    if is_pending(module.params["endpoint"]):
        return None  # check mode: the endpoint of a cluster an earlier task would create
    if module.params["endpoint"]:
        return {"host": module.params["endpoint"], "port": module.params["port"] or DEFAULT_PORT}
    try:
        cluster = client.describe_db_clusters(DBClusterIdentifier=module.params["cluster_identifier"], aws_retry=True)[
            "DBClusters"
        ][0]
    except is_boto3_error_code("DBClusterNotFoundFault"):
        return None
    if not cluster.get("Endpoint"):
        return None
    return {"host": cluster["Endpoint"], "port": cluster.get("Port") or DEFAULT_PORT}


class SecretDescriber:
    """DescribeSecret (metadata only), once per name. A missing secret is an error outside check mode."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.cache = {}

    def describe(self, name):
        if name not in self.cache:
            secret = describe_secret(self.client, name)
            self.cache[name] = None if secret is None or "DeletedDate" in secret else secret
        return self.cache[name]

    def url_secret(self, name):
        secret = self.describe(name)
        if secret is None and not self.module.check_mode:
            self.module.fail_json(
                msg=f"URL secret {name} does not exist or is scheduled for deletion; the secrets role "
                "(rocketclub.platform.secretsmanager_secrets) creates the URL secret containers, run it first"
            )
        return secret

    def credentials_secret(self, name):
        secret = self.describe(name)
        if secret is None and not self.module.check_mode:
            self.module.fail_json(msg=f"Credentials secret {name} does not exist or is scheduled for deletion")
        if secret is not None and current_version_id(secret) is None:
            self.module.fail_json(msg=f"Credentials secret {name} has no current (AWSCURRENT) value")
        return secret


def write_url(module, client, url_secret, value, fingerprint):
    if module.check_mode:
        return
    client.put_secret_value(SecretId=url_secret["ARN"], SecretString=value, aws_retry=True)
    client.tag_resource(
        SecretId=url_secret["ARN"], Tags=ansible_dict_to_boto3_tag_list({FINGERPRINT_TAG: fingerprint}), aws_retry=True
    )


def main():
    argument_spec = dict(
        cluster_identifier=dict(type="str", required=True),
        endpoint=dict(type="str"),
        port=dict(type="int"),
        databases=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                credentials_secret=dict(type="str", required=True, no_log=False),
                url_secret=dict(type="str", required=True, no_log=False),
                scheme=dict(type="str", default="postgresql"),
                query=dict(type="dict", default={"sslmode": "require"}),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, required_by=dict(port="endpoint"))
    databases = module.params["databases"]
    cluster_id = module.params["cluster_identifier"]
    problems = validate_databases(databases, module.params["port"])
    if problems:
        module.fail_json(msg="Invalid input (nothing was read or written): " + "; ".join(problems))
    fail_if_pending(module, endpoint=module.params["endpoint"])

    client = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    step = f"describe cluster {cluster_id}"
    results, before_diff, after_diff = [], {}, {}
    try:
        rds = None if module.params["endpoint"] else module.client("rds", retry_decorator=AWSRetry.jittered_backoff())
        endpoint = describe_endpoint(module, rds)
        if endpoint is None and not module.check_mode:
            module.fail_json(
                msg=f"DB cluster {cluster_id} does not exist (or has no endpoint yet); create it first or set endpoint"
            )

        # Every read and check before the first write.
        describer = SecretDescriber(module, client)
        entries = []
        for db in databases:
            step = f"describe the secrets of database {db['name']}"
            url_secret = describer.url_secret(db["url_secret"])
            plan = plan_database(
                db, endpoint, url_secret, describer.credentials_secret(db["credentials_secret"]), cluster_id
            )
            username = value = None
            if plan["changed"] and plan["fingerprint"]:
                step = f"read credentials secret {db['credentials_secret']}"
                username, password = read_credentials(
                    client, module, db["credentials_secret"], version_id=plan["credentials_version_id"]
                )
                value = build_url(
                    db["scheme"], username, password, endpoint["host"], endpoint["port"], db["name"], db["query"]
                )
                protect(module, value)
            entries.append((db, url_secret, plan, username, value))

        for db, url_secret, plan, username, value in entries:
            url = (
                masked_url(db["scheme"], username, endpoint["host"], endpoint["port"], db["name"], db["query"])
                if endpoint
                else None
            )
            if value:
                step = f"write url secret {db['url_secret']}"
                write_url(module, client, url_secret, value, plan["fingerprint"])
            if plan["changed"]:
                tags = as_dict((url_secret or {}).get("Tags"))
                before_diff[db["url_secret"]] = {
                    "fingerprint": tags.get(FINGERPRINT_TAG),
                    "has_value": bool(url_secret and current_version_id(url_secret)),
                }
                after_diff[db["url_secret"]] = {"fingerprint": plan["fingerprint"], "url": url}
            # up to date (it has a value), written now, or (check mode only) written by the real run
            has_value = not plan["changed"] or value is not None or module.check_mode
            results.append(
                {
                    "name": db["name"],
                    "url_secret": db["url_secret"],
                    "url": url,
                    "changed": plan["changed"],
                    "reason": plan["reason"],
                    "has_value": has_value,
                }
            )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to {step}", databases=results, changed=any(r["changed"] for r in results))

    module.exit_json(
        changed=any(r["changed"] for r in results),
        databases=results,
        cluster_endpoint=endpoint["host"] if endpoint else None,
        cluster_port=endpoint["port"] if endpoint else None,
        diff={"before": before_diff, "after": after_diff},
    )


if __name__ == "__main__":
    main()
