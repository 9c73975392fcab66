# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small client for the local cloud control API (stdlib only)."""

import json
import os
import ssl
import urllib.error
import urllib.request
from urllib.parse import urlencode

from localcloud import common


class LocalCloudError(Exception):
    """A control API call failed."""


class LocalCloud:
    """Talk to the ``/_localcloud/`` control endpoints of a running instance."""

    def __init__(self, aws_url=None, cloudflare_url=None, kinde_url=None, kinde_ca=None, timeout=10):
        env = os.environ
        defaults = common.endpoints()
        self.aws_url = (aws_url or env.get("LOCALCLOUD_AWS_URL") or defaults["aws"]).rstrip("/")
        cloudflare = (cloudflare_url or env.get("LOCALCLOUD_CLOUDFLARE_URL") or defaults["cloudflare"]).rstrip("/")
        if cloudflare.endswith(common.CLOUDFLARE_BASE_PATH):
            cloudflare = cloudflare[: -len(common.CLOUDFLARE_BASE_PATH)]
        self.cloudflare_root = cloudflare
        self.cloudflare_url = cloudflare + common.CLOUDFLARE_BASE_PATH
        self.kinde_url = (kinde_url or env.get("LOCALCLOUD_KINDE_URL") or defaults["kinde"]).rstrip("/")
        self.kinde_ca = kinde_ca or env.get("LOCALCLOUD_KINDE_CA") or os.path.join(common.state_dir(), "kinde-ca.pem")
        self.timeout = timeout

    def _ssl(self, url):
        if not url.startswith("https:"):
            return None
        if os.path.exists(self.kinde_ca):
            return ssl.create_default_context(cafile=self.kinde_ca)
        return ssl._create_unverified_context()  # pylint: disable=protected-access

    def call(self, base, method, path, data=None, query=None):
        """Perform a control call and return the decoded JSON."""
        url = base + common.CONTROL_PREFIX + path
        if query:
            url += "?" + urlencode(query)
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._ssl(url)) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise LocalCloudError(
                "%s %s: %s %s" % (method, url, exc.code, exc.read().decode("utf-8", "replace"))
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise LocalCloudError("%s %s: %s" % (method, url, exc)) from exc

    # -- health / reset ----------------------------------------------------
    def health(self):
        """Return the health documents of the three servers."""
        return {
            "aws": self.call(self.aws_url, "GET", "health"),
            "cloudflare": self.call(self.cloudflare_root, "GET", "health"),
            "kinde": self.call(self.kinde_url, "GET", "health"),
        }

    def reset(self):
        """Reset moto, the request log, the config and both emulators."""
        return self.call(self.aws_url, "POST", "reset")

    # -- AWS ---------------------------------------------------------------
    def requests(self, service=None, writes_only=False, since=None):
        """Return the AWS request log (optionally filtered)."""
        query = {}
        if service:
            query["service"] = service
        if writes_only:
            query["write"] = "1"
        if since is not None:
            query["since"] = str(since)
        return self.call(self.aws_url, "GET", "requests", query=query)

    def write_requests(self, service=None):
        """Return only the AWS calls classified as writes."""
        return self.requests(service=service, writes_only=True)

    def clear_requests(self):
        """Clear the AWS request log."""
        return self.call(self.aws_url, "DELETE", "requests")

    def config(self):
        """Return the AWS fidelity configuration."""
        return self.call(self.aws_url, "GET", "config")

    def configure(self, **config):
        """Change throttle_fraction, throttle_seed, throttle_services, latency_seconds, eventual_consistency,
        acm_record_delay_seconds, latency_profile (``"aws-like"``, ``"off"`` or ``{resource key: seconds}``,
        ``localcloud.latency``; the answer shows the resolved profile). Refused values raise LocalCloudError with
        the server's message."""
        return self.call(self.aws_url, "POST", "config", config)

    def rds_maintenance(self, cluster, engine_version=None, region=None):
        """Raise an RDS cluster's engine version as a maintenance window does (default: minor + 1)."""
        data = {"cluster": cluster}
        if engine_version is not None:
            data["engine_version"] = engine_version
        if region is not None:
            data["region"] = region
        return self.call(self.aws_url, "POST", "rds/maintenance", data)

    def backdate(self, service, name, days, region=None):
        """Move an SSM parameter's LastModifiedDate, or a secret's version creation dates, ``days`` back
        (``POST /_localcloud/backdate``, localcloud/backdate.py)."""
        data = {"service": service, "name": name, "days": days}
        if region is not None:
            data["region"] = region
        return self.call(self.aws_url, "POST", "backdate", data)

    # -- Cloudflare ----------------------------------------------------------
    def cloudflare_requests(self):
        """Return the Cloudflare request log."""
        return self.call(self.cloudflare_root, "GET", "requests")

    def clear_cloudflare_requests(self):
        """Clear the Cloudflare request log."""
        return self.call(self.cloudflare_root, "DELETE", "requests")

    def cloudflare_fault(self, status, count=1, retry_after=None):
        """Answer the next ``count`` Cloudflare API calls with ``status``."""
        data = {"status": status, "count": count}
        if retry_after is not None:
            data["retry_after"] = retry_after
        return self.call(self.cloudflare_root, "POST", "faults", data)

    def cloudflare_clear_faults(self):
        """Drop pending Cloudflare faults."""
        return self.call(self.cloudflare_root, "DELETE", "faults")

    def cloudflare_token(self, token, state="active"):
        """Add a Cloudflare API token or change its state (active/expired)."""
        return self.call(self.cloudflare_root, "POST", "tokens", {"token": token, "state": state})

    def cloudflare_set_ips(self, ipv4_cidrs=None, ipv6_cidrs=None):
        """Replace the ranges served by ``GET /ips``."""
        data = {}
        if ipv4_cidrs is not None:
            data["ipv4_cidrs"] = list(ipv4_cidrs)
        if ipv6_cidrs is not None:
            data["ipv6_cidrs"] = list(ipv6_cidrs)
        return self.call(self.cloudflare_root, "POST", "ips", data)

    def cloudflare_zone_setting(self, zone, setting, value=None, editable=None):
        """Change a zone setting (``ssl``) behind the API's back, as the dashboard would (not logged)."""
        data = {"zone": zone, "id": setting}
        if value is not None:
            data["value"] = value
        if editable is not None:
            data["editable"] = bool(editable)
        return self.call(self.cloudflare_root, "POST", "zone_settings", data)

    def cloudflare_state(self):
        """Return all zones, DNS records and zone settings (``{zone name: {setting: value}}``)."""
        return self.call(self.cloudflare_root, "GET", "state")

    def cloudflare_reset(self):
        """Reset only the Cloudflare emulator."""
        return self.call(self.cloudflare_root, "POST", "reset")

    # -- Kinde -----------------------------------------------------------------
    def kinde_set_client(self, client_id, client_secret, callback_urls=None):
        """Create a Kinde client or rotate its secret; ``callback_urls`` (a list) replaces its allowed
        callback URLs (``/oauth2/auth`` then refuses any other ``redirect_uri``)."""
        data = {"client_id": client_id, "client_secret": client_secret}
        if callback_urls is not None:
            data["callback_urls"] = list(callback_urls)
        return self.call(self.kinde_url, "POST", "clients", data)

    def kinde_requests(self):
        """Return the Kinde request log."""
        return self.call(self.kinde_url, "GET", "requests")

    def kinde_reset(self):
        """Reset only the Kinde emulator."""
        return self.call(self.kinde_url, "POST", "reset")

    # -- the operator's part ----------------------------------------------------
    def seed_operator_secrets(
        self, kinde_secret_name="local/kinde/client-secret", region="eu-west-2", placeholders=None
    ):
        """Do what an operator does by hand in a real account: put the Kinde client secret of the
        local Kinde (the emulator's seeded client) into Secrets Manager, and a placeholder value into
        every other operator-owned secret the local ECS tasks read (``OPERATOR_PLACEHOLDERS``; a Fargate
        task whose secret has no value never starts, and ``ecs_services`` refuses to deploy it).

        A missing secret is created with its value only (no KMS key, tags or description), as an
        operator creating it by hand would: the secrets role adopts it (its key, tags and description)
        and never writes an operator-owned value. Idempotent: the Kinde secret gets a new version only
        when it differs from the emulator's; a placeholder goes only into a secret without a value, so
        a value an operator (or a test) put in is never overwritten and the placeholders are never read.
        Returns ``{'secret': <kinde name>, 'changed': <any>, 'secrets': {name: changed}}``."""
        import boto3  # only this operator step needs boto3; the control API is stdlib-only

        client = boto3.client(
            "secretsmanager",
            region_name=region,
            endpoint_url=self.aws_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        value = os.environ.get("LOCALCLOUD_KINDE_CLIENT_SECRET", common.DEFAULT_KINDE_CLIENT_SECRET)
        seeded = {kinde_secret_name: _seed_secret(client, kinde_secret_name, value, replace=True)}
        for name, placeholder in sorted((OPERATOR_PLACEHOLDERS if placeholders is None else placeholders).items()):
            seeded[name] = _seed_secret(client, name, placeholder, replace=False)
        return {"secret": kinde_secret_name, "changed": any(seeded.values()), "secrets": seeded}


# Operator-owned secrets (roles/secrets defaults, ``value_owner: operator``) the ECS tasks of
# inventories/local read, with placeholder values. The Kinde client secret is seeded separately
# (its value must be the Kinde emulator's).
OPERATOR_PLACEHOLDERS = {
    "local/github/pat/blog_data_ci": "localcloud-placeholder-github-pat",
    "local/circleci/pat/backstage": "localcloud-placeholder-circleci-pat",
    "local/prefect/api-auth": "localcloud-placeholder-prefect-api-auth",
    "blog-data/neo4j/credentials": json.dumps(
        {
            "uri": "neo4j+s://localcloud-placeholder.invalid",
            "username": "neo4j",
            "password": "localcloud-placeholder-neo4j",
        },
        sort_keys=True,
    ),
    "blog-data/cloudinary/credentials": json.dumps(
        {
            "cloud_name": "localcloud-placeholder",
            "api_key": "localcloud-placeholder-key",
            "api_secret": "localcloud-placeholder-cloudinary",
        },
        sort_keys=True,
    ),
}


def _seed_secret(client, name, value, replace):
    """Create ``name`` with ``value``, or put ``value`` into it when it has none (``replace``: also
    when its value differs). Returns whether a version was written."""
    try:
        stages = client.describe_secret(SecretId=name).get("VersionIdsToStages", {})
    except client.exceptions.ResourceNotFoundException:
        client.create_secret(Name=name, SecretString=value)
        return True
    has_value = any("AWSCURRENT" in labels for labels in stages.values())
    if has_value and not replace:
        return False
    if has_value and client.get_secret_value(SecretId=name)["SecretString"] == value:
        return False
    client.put_secret_value(SecretId=name, SecretString=value)
    return True
