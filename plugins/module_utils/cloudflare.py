# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A small Cloudflare v4 API client for rocketclub.platform modules.

Built on ``ansible.module_utils.urls.fetch_url`` (no third-party SDK), so it works wherever a module
runs. It understands the v4 envelope (``success``, ``errors``, ``messages``, ``result``,
``result_info``), retries HTTP 429 and 5xx with exponential backoff and jitter (honouring
``Retry-After``) and raises ``CloudflareError`` for everything else.

The API token is sent only in the ``Authorization`` header; it is never part of an error message.

Typical use in a module::

    argument_spec = dict(cloudflare_argument_spec(), zone=dict(type='str', required=True))
    module = AnsibleModule(argument_spec=argument_spec)
    client = CloudflareClient.from_module(module)
    try:
        zone_id = client.zone_id(module.params['zone'])
        records = client.paginate(f'/zones/{zone_id}/dns_records', {'name.exact': 'www.example.com'})
    except CloudflareError as e:
        module.fail_json(msg=str(e), status=e.status, errors=e.errors)
"""

from __future__ import annotations

import json
import random
import time
from email.utils import parsedate_to_datetime
from urllib.parse import quote
from urllib.parse import urlencode

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.urls import fetch_url

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
DEFAULT_TIMEOUT = 30
DEFAULT_MAX_RETRIES = 5
# Longest single sleep between two attempts, whatever Retry-After or the backoff says.
MAX_RETRY_SLEEP = 60.0
# First backoff step in seconds (doubled on every further attempt) when there is no Retry-After.
BACKOFF_BASE = 1.0
# Longest excerpt of a non-JSON response body quoted in an error.
BODY_EXCERPT = 200
MASK = "********"

# What the user can do about an error, by Cloudflare error code (first match wins) or else HTTP status.
TOKEN_HINT = (
    "Cloudflare refused the API token (expired, revoked, malformed or without the needed permission): "
    "give a valid token "
    "in api_token or the CLOUDFLARE_API_TOKEN environment variable, with Zone:Read and DNS:Edit on the zone."
)
RATE_HINT = "Cloudflare kept rate limiting the calls (HTTP 429) after every retry; wait a few minutes and run again."
NAME_CONFLICT_HINT = "A CNAME cannot share its name with an A, AAAA or other CNAME record; delete that record first."
CODE_HINTS = dict(
    [(code, TOKEN_HINT) for code in (1000, 6003, 6103, 6111, 9106, 9109, 10000)]
    + [
        (971, RATE_HINT),
        (
            7003,
            "The zone or record id is not known to Cloudflare (deleted meanwhile, or not visible to this API token).",
        ),
        (9004, "Only A, AAAA and CNAME records can be proxied."),
        (9021, "The TTL must be 1 (automatic) or between 60 and 86400 seconds (30 on Enterprise zones)."),
        (1006, "The zone setting name is not known to Cloudflare; check the setting option."),
        (1007, "Cloudflare refused the value for this zone setting (unknown, or not available on the zone's plan)."),
        (1025, "The zone's plan does not allow changing this setting; change it in the dashboard or upgrade the plan."),
        (81044, "The record was deleted meanwhile; run again."),
        (81053, NAME_CONFLICT_HINT),
        (81054, NAME_CONFLICT_HINT),
        (81057, "An identical record (same name, type and content) already exists."),
    ]
)
STATUS_HINTS = {401: TOKEN_HINT, 403: TOKEN_HINT, 429: RATE_HINT}
SERVER_HINT = (
    "Cloudflare kept answering with a server error after every retry; check https://www.cloudflarestatus.com "
    "and run again later."
)


def cloudflare_argument_spec():
    """Return the argument spec of the ``rocketclub.platform.cloudflare`` doc fragment (a new dict)."""
    return dict(
        api_token=dict(type="str", no_log=True, fallback=(env_fallback, ["CLOUDFLARE_API_TOKEN"])),
        api_base_url=dict(type="str", default=DEFAULT_BASE_URL),
    )


def default_sleep(seconds):
    """Sleep used between retries unless ``CloudflareClient(sleep=...)`` is given (tests patch this)."""
    time.sleep(seconds)


class CloudflareError(Exception):
    """A failed Cloudflare API call.

    ``status`` is the HTTP status (``-1`` when no HTTP answer was received, ``None`` for an error found
    in a successful answer such as a zone lookup without exactly one match), ``errors`` the list of
    ``{code, message}`` of the envelope (``code`` may be ``None``; an ``error_chain`` is kept) and
    ``request`` the ``(method, path)`` of the call.
    """

    def __init__(self, status, errors=None, request=None, attempts=1):
        self.status = status
        self.errors = [_normalise_error(e) for e in (errors or [])]
        self.request = tuple(request) if request else (None, None)
        self.attempts = attempts
        super().__init__(self.__str__())

    @property
    def codes(self):
        """Every error code, those of the error chains included, in order."""
        found = []
        for error in self.errors:
            found.append(error.get("code"))
            found.extend(item.get("code") for item in error.get("error_chain") or [])
        return [code for code in found if code is not None]

    @property
    def hint(self):
        """What to do about this error (``None`` when there is nothing better than the message)."""
        for code in self.codes:
            if code in CODE_HINTS:
                return CODE_HINTS[code]
        if self.status is not None and self.status >= 500:
            return SERVER_HINT
        return STATUS_HINTS.get(self.status)

    def __str__(self):
        method, path = self.request
        where = f"Cloudflare API {method or '?'} {path or '?'}"
        if self.status is None:
            head = f"{where} failed"
        elif self.status < 0:
            head = f"{where} failed without an HTTP response"
        else:
            head = f"{where} failed with HTTP {self.status}"
        if self.attempts > 1:
            head += f" after {self.attempts} attempts"
        details = "; ".join(_format_error(e) for e in self.errors) or "no error details"
        return f"{head}: {details}"


def _normalise_error(error):
    if not isinstance(error, dict):
        return {"code": None, "message": str(error)}
    item = {"code": error.get("code"), "message": str(error.get("message", ""))}
    chain = error.get("error_chain")
    if chain:
        item["error_chain"] = [_normalise_error(e) for e in chain]
    return item


def _format_error(error):
    text = f"[{error['code']}] {error['message']}" if error.get("code") is not None else error["message"]
    chain = error.get("error_chain")
    if chain:
        text += " (" + "; ".join(_format_error(e) for e in chain) + ")"
    return text


class _FetchFailed(Exception):
    """``fetch_url`` called ``fail_json`` (TLS, proxy or URL problems); turned into a CloudflareError."""


class _ModuleView:
    """The module as ``fetch_url`` sees it: our own ``validate_certs`` and a ``fail_json`` that raises.

    ``fetch_url`` reads ``validate_certs`` from ``module.params``; an AWS module has its own
    ``validate_certs`` (for AWS), which must not decide the Cloudflare connection.
    """

    def __init__(self, module, validate_certs):
        self._module = module
        self.params = dict(module.params, validate_certs=validate_certs)

    def fail_json(self, msg=None, **kwargs):
        raise _FetchFailed(msg or kwargs.get("msg") or "request failed")

    def __getattr__(self, name):
        return getattr(self._module, name)


class CloudflareClient:
    """Client of the Cloudflare v4 API for one module run.

    ``max_retries`` is the total number of attempts of one call (at least 1). HTTP 429 and 5xx answers
    (and, for ``GET``, connection failures) are retried; other errors raise at once.
    """

    def __init__(
        self,
        module,
        api_token=None,
        base_url=DEFAULT_BASE_URL,
        timeout=DEFAULT_TIMEOUT,
        max_retries=DEFAULT_MAX_RETRIES,
        validate_certs=True,
        sleep=None,
        jitter=None,
    ):
        self.module = module
        self._token = api_token or None
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.max_retries = max(1, int(max_retries))
        self.validate_certs = validate_certs
        self._view = _ModuleView(module, validate_certs)
        self._sleep = sleep if sleep is not None else default_sleep
        self._jitter = jitter if jitter is not None else random.random

    @classmethod
    def from_module(cls, module, **kwargs):
        """Build a client from the options of ``cloudflare_argument_spec()``."""
        return cls(
            module, api_token=module.params.get("api_token"), base_url=module.params.get("api_base_url"), **kwargs
        )

    # -- plumbing -----------------------------------------------------------------------------------

    def _url(self, path, params):
        url = self.base_url + "/" + path.lstrip("/")
        if params:
            query = urlencode([(k, _query_value(v)) for k, v in _query_items(params)], quote_via=quote)
            url += ("&" if "?" in url else "?") + query
        return url

    def _scrub(self, text):
        text = str(text)
        if self._token:
            text = text.replace(self._token, MASK)
        return text

    def _error(self, status, errors, method, path, attempts=1):
        scrubbed = []
        for error in errors or []:
            item = _normalise_error(error)
            item["message"] = self._scrub(item["message"])
            for link in item.get("error_chain") or []:
                link["message"] = self._scrub(link["message"])
            scrubbed.append(item)
        return CloudflareError(status, scrubbed, request=(method, path), attempts=attempts)

    def _retry_delay(self, attempt, retry_after):
        if retry_after is not None:
            return min(MAX_RETRY_SLEEP, retry_after)
        step = min(MAX_RETRY_SLEEP, BACKOFF_BASE * 2 ** (attempt - 1))
        # "Equal jitter": at least half the step, so retries really back off.
        return step / 2 + self._jitter() * step / 2

    def _send(self, method, url, data, headers):
        """One HTTP exchange; return ``(status, payload_or_None, errors, retry_after)``."""
        try:
            response, info = fetch_url(self._view, url, data=data, headers=headers, method=method, timeout=self.timeout)
        except _FetchFailed as e:
            return -1, None, [{"code": None, "message": str(e)}], None
        status = int(info.get("status", -1))
        if status < 0:
            return status, None, [{"code": None, "message": info.get("msg") or "no response"}], None

        if status >= 400 or response is None:
            raw = info.get("body") or b""
        else:
            try:
                raw = response.read()
            except Exception as e:  # pylint: disable=broad-exception-caught
                return -1, None, [{"code": None, "message": f"could not read the response: {e}"}], None
        retry_after = _parse_retry_after(info.get("retry-after"))

        try:
            payload = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw) if raw else None
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            excerpt = " ".join(text.split())[:BODY_EXCERPT]
            message = (
                f"the response is not a JSON object ({info.get('content-type') or 'no content type'}): {excerpt!r}"
            )
            return status, None, [{"code": None, "message": message}], retry_after

        if status < 400 and payload.get("success") is True:
            return status, payload, None, None
        errors = payload.get("errors") or [{"code": None, "message": info.get("msg") or "success is false"}]
        return status, payload, errors, retry_after

    # -- API --------------------------------------------------------------------------------------------

    def request(self, method, path, params=None, body=None, auth=True):
        """Call the API and return the whole envelope (``result``, ``result_info``, ...).

        ``auth=False`` leaves out the token (for public endpoints such as ``/ips``).
        Raises ``CloudflareError``.
        """
        method = method.upper()
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if auth and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        url = self._url(path, params)

        attempt = 0
        while True:
            attempt += 1
            status, payload, errors, retry_after = self._send(method, url, data, headers)
            if errors is None:
                return payload
            retryable = status == 429 or status >= 500 or (status < 0 and method == "GET")
            if not retryable or attempt >= self.max_retries:
                raise self._error(status, errors, method, path, attempts=attempt)
            self._sleep(self._retry_delay(attempt, retry_after))

    def get(self, path, params=None, auth=True):
        return self.request("GET", path, params=params, auth=auth).get("result")

    def post(self, path, body=None, params=None):
        return self.request("POST", path, params=params, body=body if body is not None else {}).get("result")

    def patch(self, path, body=None, params=None):
        return self.request("PATCH", path, params=params, body=body if body is not None else {}).get("result")

    def put(self, path, body=None, params=None):
        return self.request("PUT", path, params=params, body=body if body is not None else {}).get("result")

    def delete(self, path, params=None):
        return self.request("DELETE", path, params=params).get("result")

    def paginate(self, path, params=None, per_page=100):
        """GET every page of a list endpoint (following ``result_info.total_pages``); return all results."""
        params = dict(params or {})
        params["per_page"] = per_page
        items = []
        page = 1
        while True:
            params["page"] = page
            envelope = self.request("GET", path, params=params)
            result = envelope.get("result") or []
            if not isinstance(result, list):
                raise self._error(None, [{"code": None, "message": "expected a list result"}], "GET", path)
            items.extend(result)
            info = envelope.get("result_info") or {}
            total_pages = info.get("total_pages")
            if total_pages is None:
                # Some list endpoints answer without total_pages: stop at a short page.
                if len(result) < per_page:
                    return items
            elif page >= int(total_pages):
                return items
            if not result:
                return items
            page += 1

    def zone_id(self, name):
        """Return the id of the zone called ``name``; raise ``CloudflareError`` unless exactly one matches."""
        return self.zone(name)["id"]

    def zone(self, name):
        """Return the zone object (``id``, ``name``, ``plan``...) called ``name``; raise ``CloudflareError`` unless
        exactly one matches."""
        name = name.strip().rstrip(".").lower()
        zones = self.paginate("/zones", {"name": name}, per_page=50)
        if len(zones) != 1:
            found = ", ".join(sorted(z.get("id", "?") for z in zones))
            message = (
                f"no zone named {name!r} is visible to this API token"
                if not zones
                else f"{len(zones)} zones named {name!r} are visible to this API token ({found}); expected exactly one"
            )
            raise self._error(None, [{"code": None, "message": message}], "GET", "/zones")
        return zones[0]

    def zone_setting(self, zone_id, name):
        """Return one zone setting, ``{id, value, editable, modified_on}`` (``GET /zones/{id}/settings/{name}``)."""
        return self._setting_result(self.get(f"/zones/{zone_id}/settings/{quote(name, safe='')}"), "GET", zone_id, name)

    def edit_zone_setting(self, zone_id, name, value):
        """Change one zone setting (``PATCH /zones/{id}/settings/{name}`` with ``{"value": ...}``); return it."""
        result = self.patch(f"/zones/{zone_id}/settings/{quote(name, safe='')}", {"value": value})
        return self._setting_result(result, "PATCH", zone_id, name)

    def _setting_result(self, result, method, zone_id, name):
        if not isinstance(result, dict) or "value" not in result:
            raise self._error(
                None,
                [{"code": None, "message": "expected a zone setting object with a value"}],
                method,
                f"/zones/{zone_id}/settings/{name}",
            )
        return result

    def ips(self):
        """Return Cloudflare's published ranges: ``{ipv4_cidrs, ipv6_cidrs, etag}`` (no token is sent)."""
        result = self.get("/ips", auth=False)
        if not isinstance(result, dict):
            raise self._error(None, [{"code": None, "message": "expected an object result"}], "GET", "/ips")
        return result


def _query_items(params):
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            for item in value:
                yield key, item
        else:
            yield key, value


def _query_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_retry_after(value):
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date), or ``None``."""
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())
