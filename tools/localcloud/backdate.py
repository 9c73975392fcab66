# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""``POST /_localcloud/backdate``: make a secret look old, which no AWS API can do.

verify.yml checks the age of the origin secret (SSM ``LastModifiedDate``) and of the Kinde client secret (the
``CreatedDate`` of its ``AWSCURRENT`` version, as ``GetSecretValue`` returns it). AWS sets both dates itself, so a
test that needs an over-age secret moves them back here, in moto's own objects:

``{"service": "ssm", "name": "/<env>/shared/cf_alb_secret", "days": 100}`` moves every version of the parameter
100 days back; ``{"service": "secretsmanager", "name": "<env>/kinde/client-secret", "days": 100}`` moves the
creation date of every version of the secret back. Optional ``region`` and ``account`` narrow the search when
several regions hold the name. The answer names what moved; the call is not logged as an AWS request.
"""

from __future__ import annotations

import datetime

CONTROL_NAME = "backdate"
SERVICES = ("ssm", "secretsmanager")


def _backends(service):
    if service == "ssm":
        from moto.ssm.models import ssm_backends  # pylint: disable=import-outside-toplevel

        return ssm_backends
    from moto.secretsmanager.models import secretsmanager_backends  # pylint: disable=import-outside-toplevel

    return secretsmanager_backends


def _find(service, name, account=None, region=None):
    """``[(account, region, object)]``: SSM parameter versions (a list) or a Secrets Manager secret."""
    found = []
    for account_id, regions in dict.items(_backends(service)):
        if account and account_id != account:
            continue
        for region_name, backend in dict.items(regions):
            if region and region_name != region:
                continue
            if service == "ssm":
                versions = backend._parameters.get(name)  # pylint: disable=protected-access
                if versions:
                    found.append((account_id, region_name, versions))
            elif name in backend.secrets:
                found.append((account_id, region_name, backend.secrets[name]))
    return found


def backdate(payload):
    """Move the dates back; return ``(status, data)``."""
    service, name, days = payload.get("service"), payload.get("name"), payload.get("days")
    if service not in SERVICES:
        return 400, {"error": "service must be one of %s" % ", ".join(SERVICES)}
    if not isinstance(name, str) or not name:
        return 400, {"error": "name (the parameter or secret name) is required"}
    if not isinstance(days, (int, float)) or isinstance(days, bool) or days <= 0:
        return 400, {"error": "days must be a positive number"}
    found = _find(service, name, payload.get("account"), payload.get("region"))
    if not found:
        return 404, {"error": "%s %s not found" % (service, name)}
    if len(found) > 1:
        where = ", ".join("%s/%s" % (account, region) for account, region, _item in found)
        return 409, {"error": "%s %s exists in %s: pass region (and account)" % (service, name, where)}
    account, region, item = found[0]
    if service == "ssm":
        for version in item:
            version.last_modified_date -= datetime.timedelta(days=days)
        moved = [v.last_modified_date.isoformat() for v in item]
    else:
        for version in item.versions.values():
            version["createdate"] -= int(days * 86400)
        moved = [
            datetime.datetime.fromtimestamp(v["createdate"], datetime.timezone.utc).isoformat()
            for v in item.versions.values()
        ]
    return 200, {"service": service, "name": name, "account": account, "region": region, "dates": moved}


def control(method, name, payload):
    """The ``/_localcloud/backdate`` endpoint: ``(status, data)``, or None for another name."""
    if name != CONTROL_NAME:
        return None
    if method != "POST":
        return 405, {"error": "use POST %s" % CONTROL_NAME}
    return backdate(payload if isinstance(payload, dict) else {})
