# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic of the ``rocketclub.platform.aurora_database_urls`` module.

A database URL is composed from the cluster endpoint and an application's credentials secret. To
know, without reading any secret, whether a URL secret is up to date, the module tags it with a
*source fingerprint*: the SHA-256 of everything the URL is made of except the secret values, with
the credentials secret's current ``VersionId`` standing in for the user name and password (a new
version of the credentials secret is a new fingerprint). Nothing here logs or returns a password;
reading and parsing the credentials is ``secret_values.read_credentials``.
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import quote
from urllib.parse import urlencode

from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import MASK
from ansible_collections.rocketclub.platform.plugins.module_utils.secrets_manager import current_version_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates

FINGERPRINT_TAG = "platform:source-fingerprint"
DEFAULT_PORT = 5432
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")


def validate_databases(databases, port=None):
    """Problems (one sentence each, naming the option) found before any API call."""
    problems = []
    if port is not None and not 1 <= port <= 65535:
        problems.append(f"port: {port} is outside 1..65535")
    for url_secret in find_duplicates(db["url_secret"] for db in databases):
        problems.append(f"databases: url_secret {url_secret!r} is listed more than once; one URL per secret")
    for index, db in enumerate(databases):
        for key in ("name", "credentials_secret", "url_secret"):
            if not str(db[key] or "").strip():
                problems.append(f"databases[{index}].{key}: empty")
        if not _SCHEME.match(db["scheme"] or ""):
            problems.append(
                f"databases[{index}].scheme: {db['scheme']!r} is not a URL scheme "
                "(e.g. postgresql or postgresql+asyncpg)"
            )
        for key, value in (db["query"] or {}).items():
            if not str(key) or isinstance(value, (dict, list)):
                problems.append(f"databases[{index}].query: {key!r} must be a non-empty name with a scalar value")
    return problems


def canonical_query(query):
    """Query parameters as sorted ``(name, value)`` string pairs."""
    return sorted((str(k), str(v)) for k, v in (query or {}).items())


def source_fingerprint(credentials_version_id, host, port, database, scheme, query):
    """SHA-256 hex of the URL's sources. No secret value goes in."""
    document = {
        "credentials_version_id": credentials_version_id,
        "host": host,
        "port": int(port),
        "database": database,
        "scheme": scheme,
        "query": canonical_query(query),
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _url(scheme, userinfo, host, port, database, query):
    url = f"{scheme}://{userinfo}@{host}:{int(port)}/{quote(database, safe='')}"
    pairs = canonical_query(query)
    if pairs:
        url += "?" + urlencode(pairs, quote_via=quote, safe="")
    return url


def build_url(scheme, username, password, host, port, database, query):
    """``scheme://user:password@host:port/database?query`` with user, password and database quoted."""
    return _url(scheme, f"{quote(username, safe='')}:{quote(password, safe='')}", host, port, database, query)


def masked_url(scheme, username, host, port, database, query):
    """The URL with the password masked; the user name too when it is not known (None)."""
    user = quote(username, safe="") if username else MASK
    return _url(scheme, f"{user}:{MASK}", host, port, database, query)


def plan_database(db, endpoint, url_secret, credentials_secret, cluster_identifier):
    """Decide whether one URL secret must be (re)written.

    ``endpoint`` is ``{"host", "port"}`` or None (cluster not there yet); ``url_secret`` and
    ``credentials_secret`` are DescribeSecret responses, or None for a secret that does not exist
    (only possible in check mode, the module fails otherwise). Returns
    ``{"changed", "reason", "fingerprint", "credentials_version_id"}``.
    """
    plan = {"changed": True, "fingerprint": None, "credentials_version_id": None}
    if endpoint is None:
        return dict(plan, reason=f"cluster {cluster_identifier} does not exist yet")
    if url_secret is None:
        return dict(plan, reason=f"url secret {db['url_secret']} does not exist yet (the secrets role creates it)")
    if credentials_secret is None:
        return dict(plan, reason=f"credentials secret {db['credentials_secret']} does not exist yet")
    plan["credentials_version_id"] = current_version_id(credentials_secret)
    plan["fingerprint"] = source_fingerprint(
        plan["credentials_version_id"], endpoint["host"], endpoint["port"], db["name"], db["scheme"], db["query"]
    )
    recorded = as_dict(url_secret.get("Tags")).get(FINGERPRINT_TAG)
    if current_version_id(url_secret) is None:
        return dict(plan, reason="the url secret has no value yet")
    if recorded is None:
        return dict(plan, reason=f"the url secret has no {FINGERPRINT_TAG} tag")
    if recorded != plan["fingerprint"]:
        return dict(plan, reason="a source changed (credentials version, endpoint, port, database, scheme or query)")
    return dict(plan, changed=False, reason="up to date")
