# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Kinde OIDC helpers: endpoint derivation, discovery validation and the client secret check.

Everything here is pure except :func:`fetch_discovery` and :func:`check_client_secret`, which take the URL opener as
an argument (``ansible.module_utils.urls.open_url``, looked up at call time, by default) so that it can be replaced in
tests.
"""

from __future__ import annotations

import json
import re
import urllib.error
from urllib.parse import urlencode

from ansible.module_utils import urls

from ansible_collections.rocketclub.platform.plugins.module_utils.validation import HOST_NAME
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import HOST_NAME_MAX

DISCOVERY_PATH = "/.well-known/openid-configuration"
AUTHORIZATION_PATH = "/oauth2/auth"
TOKEN_PATH = "/oauth2/token"
USER_INFO_PATH = "/oauth2/v2/user_profile"

# (field of the OpenID discovery document, key of derive_endpoints())
DISCOVERY_FIELDS = (
    ("issuer", "issuer"),
    ("authorization_endpoint", "authorization_endpoint"),
    ("token_endpoint", "token_endpoint"),
    ("userinfo_endpoint", "user_info_endpoint"),
)

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


class KindeError(ValueError):
    """Invalid Kinde configuration or an unusable discovery document. The message is for the user."""


def normalize_domain(value):
    """``acme.kinde.com``, ``https://Auth.Example.com/`` or ``127.0.0.1:4568`` -> bare lower-case ``host[:port]``.

    Only ``https://`` is accepted as a scheme; any other scheme (``http://`` included) raises KindeError.
    """
    text = (value or "").strip()
    match = _SCHEME.match(text)
    if match:
        if match.group(1).lower() != "https":
            raise KindeError(
                f"kinde_domain must be an HTTPS domain; scheme {match.group(1)}:// is not allowed "
                "(give the bare domain such as acme.kinde.com, or https://acme.kinde.com)"
            )
        text = text[match.end() :]
    text = text.rstrip("/")
    if not text:
        raise KindeError("kinde_domain must not be empty")
    if any(c in text for c in "/?#@ "):
        raise KindeError(
            f"kinde_domain {value!r} must be a host name with an optional :port, without path, query or user"
        )
    host, sep, port = text.partition(":")
    host = host.lower()
    if len(host) > HOST_NAME_MAX or not HOST_NAME.match(host):
        raise KindeError(f"kinde_domain {value!r} is not a valid host name")
    if sep:
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise KindeError(f"kinde_domain {value!r} has an invalid port")
        return f"{host}:{int(port)}"
    return host


def derive_endpoints(domain):
    """The OIDC endpoints of a Kinde business (``domain`` as returned by :func:`normalize_domain`)."""
    issuer = f"https://{domain}"
    return {
        "issuer": issuer,
        "authorization_endpoint": issuer + AUTHORIZATION_PATH,
        "token_endpoint": issuer + TOKEN_PATH,
        "user_info_endpoint": issuer + USER_INFO_PATH,
    }


def discovery_url(domain):
    return f"https://{domain}{DISCOVERY_PATH}"


def check_discovery(document, endpoints):
    """Compare a discovery document with derived endpoints; return a list of problems (empty = OK).

    Each problem names the document field, the expected and the found value.
    """
    if not isinstance(document, dict):
        return [f"the document is not a JSON object (found {type(document).__name__})"]
    problems = []
    for field, key in DISCOVERY_FIELDS:
        found = document.get(field)
        if found != endpoints[key]:
            shown = "nothing" if found is None else repr(found)
            problems.append(f"{field}: expected {endpoints[key]!r}, found {shown}")
    return problems


def fetch_discovery(url, validate_certs=True, ca_path=None, timeout=10, opener=None):
    """GET and parse the discovery document; raise KindeError naming the URL on any failure."""
    if opener is None:
        opener = urls.open_url
    try:
        response = opener(
            url,
            method="GET",
            headers={"Accept": "application/json"},
            validate_certs=validate_certs,
            ca_path=ca_path,
            timeout=timeout,
            follow_redirects="none",
        )
        body = response.read()
    except Exception as e:  # pylint: disable=broad-except  # urllib, ssl, socket and ansible errors alike
        code = getattr(e, "code", None)
        reason = f"HTTP {code}" if isinstance(code, int) else f"{type(e).__name__}: {e}"
        raise KindeError(f"Kinde discovery document {url} is unreachable ({reason})") from None
    try:
        return json.loads(body)
    except ValueError:
        raise KindeError(f"Kinde discovery document {url} is not valid JSON") from None


def validate_discovery(domain, validate_certs=True, ca_path=None, timeout=10, opener=None):
    """Fetch the discovery document of ``domain`` and raise KindeError unless it matches the derived endpoints."""
    url = discovery_url(domain)
    document = fetch_discovery(url, validate_certs=validate_certs, ca_path=ca_path, timeout=timeout, opener=opener)
    problems = check_discovery(document, derive_endpoints(domain))
    if problems:
        raise KindeError(f"Kinde discovery document {url} does not match kinde_domain {domain}: " + "; ".join(problems))
    return document


# ------------------------------------------------------------------------------------ client secret check

TOKEN_TIMEOUT = 10
REJECTED = "rejected"
KNOWN = "known"
NO_VERDICT = "no verdict"


class KindeSecretRejected(KindeError):
    """Kinde's token endpoint answered ``invalid_client``: it does not know this client id / secret pair."""


def token_verdict(status, body):
    """What a ``client_credentials`` answer of the token endpoint says about the client secret.

    Returns ``(verdict, detail)``: REJECTED for an ``invalid_client`` error; KNOWN for a token (2xx) or any other
    OAuth error of a 4xx answer (``unauthorized_client`` and the like come after client authentication, so the
    secret was accepted); NO_VERDICT for anything else (5xx, a non-OAuth body), which proves nothing.
    """
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        document = None
    error = document.get("error") if isinstance(document, dict) else None
    error = error if isinstance(error, str) and error else None
    if error == "invalid_client":
        return REJECTED, f"HTTP {status}, invalid_client"
    if 200 <= status < 300:
        return KNOWN, f"HTTP {status}, token issued"
    if 400 <= status < 500 and error:
        return KNOWN, f"HTTP {status}, {error}"
    return NO_VERDICT, f"HTTP {status}, {error or 'no OAuth error in the answer'}"


def check_client_secret(
    domain, client_id, client_secret, validate_certs=True, ca_path=None, timeout=TOKEN_TIMEOUT, opener=None
):
    """Ask Kinde's token endpoint for a ``client_credentials`` token with ``client_id``/``client_secret``
    (``client_secret_post``); return the verdict detail when Kinde knows the secret.

    Raises KindeSecretRejected for ``invalid_client`` and KindeError when the endpoint is unreachable or its
    answer proves nothing. No message contains the secret; the token of a successful answer is discarded.
    """
    if opener is None:
        opener = urls.open_url
    url = derive_endpoints(domain)["token_endpoint"]
    body = urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret})
    try:
        response = opener(
            url,
            method="POST",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            validate_certs=validate_certs,
            ca_path=ca_path,
            timeout=timeout,
            follow_redirects="none",
        )
        status, answer = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, answer = e.code, (e.read() if e.fp is not None else b"")
    except Exception as e:  # pylint: disable=broad-except  # urllib, ssl, socket and ansible errors alike
        raise KindeError(f"Kinde token endpoint {url} is unreachable ({type(e).__name__}: {e})") from None
    verdict, detail = token_verdict(status, answer)
    if verdict == REJECTED:
        raise KindeSecretRejected(f"Kinde rejected the new client secret for client {client_id} (invalid_client)")
    if verdict == NO_VERDICT:
        raise KindeError(
            f"Kinde token endpoint {url} gave no answer about the client secret of client {client_id} ({detail})"
        )
    return detail
