# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of module_utils/cloudflare.py, driven by a fake ``fetch_url``."""

from __future__ import annotations

import json
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import cloudflare
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareClient
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareError
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import cloudflare_argument_spec

TOKEN = "s3cr3t-T0ken_value.xyz"
BASE = "https://api.example.test/client/v4"


class FakeModule:
    def __init__(self, params=None):
        self.params = dict(params or {})
        self.tmpdir = "/tmp"

    def fail_json(self, **kwargs):  # pragma: no cover - fetch_url is faked
        raise AssertionError(f"fail_json called: {kwargs}")


class FakeResponse:
    def __init__(self, body):
        self.body = body

    def read(self):
        return self.body


def envelope(result=None, success=True, errors=None, result_info=None):
    payload = {"result": result, "success": success, "errors": errors or [], "messages": []}
    if result_info is not None:
        payload["result_info"] = result_info
    return payload


class FakeApi:
    """Stands in for ``fetch_url``; answers from a queue of ``(status, body, headers)`` or a callable."""

    def __init__(self, answers=None, handler=None):
        self.answers = list(answers or [])
        self.handler = handler
        self.calls = []

    def __call__(self, module, url, data=None, headers=None, method=None, timeout=None, **kwargs):
        parts = urlsplit(url)
        call = {
            "module": module,
            "url": url,
            "method": method,
            "path": parts.path,
            "query": parse_qs(parts.query),
            "headers": dict(headers or {}),
            "body": json.loads(data) if data else None,
            "timeout": timeout,
        }
        self.calls.append(call)
        status, body, extra = self.handler(call) if self.handler else self.answers.pop(0)
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body).encode()
        if isinstance(raw, str):
            raw = raw.encode()
        info = {
            "url": url,
            "status": status,
            "msg": "OK" if status < 400 else "HTTP Error",
            "content-type": "application/json",
        }
        info.update({k.lower(): v for k, v in (extra or {}).items()})
        if status >= 400:
            info["body"] = raw
            return None, info
        return FakeResponse(raw), info


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def make_client(monkeypatch, sleeps):
    def make(answers=None, handler=None, **kwargs):
        api = FakeApi(answers, handler)
        monkeypatch.setattr(cloudflare, "fetch_url", api)
        kwargs.setdefault("api_token", TOKEN)
        kwargs.setdefault("base_url", BASE)
        kwargs.setdefault("jitter", lambda: 0.5)
        client = CloudflareClient(FakeModule({"validate_certs": False}), sleep=sleeps.append, **kwargs)
        return client, api

    return make


def test_argument_spec_matches_doc_fragment():
    import yaml

    from ansible_collections.rocketclub.platform.plugins.doc_fragments.cloudflare import ModuleDocFragment

    docs = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    spec = cloudflare_argument_spec()
    assert set(docs) == set(spec) == {"api_token", "api_base_url"}
    for name, option in spec.items():
        assert docs[name]["type"] == option["type"]
        assert docs[name].get("default") == option.get("default")
    assert spec["api_token"]["no_log"] is True
    assert spec["api_token"]["fallback"][1] == ["CLOUDFLARE_API_TOKEN"]
    assert cloudflare_argument_spec() is not spec  # a fresh dict every time


def test_get_success_sends_token_and_params(make_client):
    client, api = make_client([(200, envelope([{"id": "z1"}]), None)])
    result = client.get("/zones", {"name": "example.com", "proxied": True, "skip": None})
    assert result == [{"id": "z1"}]
    (call,) = api.calls
    assert call["method"] == "GET"
    assert call["path"] == "/client/v4/zones"
    assert call["query"] == {"name": ["example.com"], "proxied": ["true"]}
    assert call["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert call["body"] is None
    assert call["timeout"] == 30
    # fetch_url sees the client's validate_certs, not the module's (which is the AWS one)
    assert call["module"].params["validate_certs"] is True


def test_write_methods_send_json(make_client):
    answers = [(200, envelope({"id": "r1", "n": i}), None) for i in range(4)]
    client, api = make_client(answers)
    assert client.post("/zones/z/dns_records", {"type": "A"}) == {"id": "r1", "n": 0}
    assert client.patch("/zones/z/dns_records/r1", {"ttl": 60})["n"] == 1
    assert client.put("/zones/z/dns_records/r1", {"type": "A", "ttl": 1})["n"] == 2
    assert client.delete("/zones/z/dns_records/r1")["n"] == 3
    assert [(c["method"], c["body"]) for c in api.calls] == [
        ("POST", {"type": "A"}),
        ("PATCH", {"ttl": 60}),
        ("PUT", {"type": "A", "ttl": 1}),
        ("DELETE", None),
    ]
    assert api.calls[0]["headers"]["Content-Type"] == "application/json"
    assert "Content-Type" not in api.calls[3]["headers"]


def test_no_token_no_authorization_header(make_client):
    client, api = make_client([(200, envelope([]), None)], api_token=None)
    client.get("/zones")
    assert "Authorization" not in api.calls[0]["headers"]


def test_ips_is_called_without_token(make_client):
    ips = {"ipv4_cidrs": ["192.0.2.0/24"], "ipv6_cidrs": ["2001:db8::/32"], "etag": "e1"}
    client, api = make_client([(200, envelope(ips), None)])
    assert client.ips() == ips
    assert api.calls[0]["path"] == "/client/v4/ips"
    assert "Authorization" not in api.calls[0]["headers"]


def test_401_authentication_error(make_client, sleeps):
    client, api = make_client(
        [(401, envelope(None, False, [{"code": 10000, "message": "Authentication error"}]), None)]
    )
    with pytest.raises(CloudflareError) as exc:
        client.get("/zones", {"name": "example.com"})
    err = exc.value
    assert err.status == 401
    assert err.codes == [10000]
    assert err.errors == [{"code": 10000, "message": "Authentication error"}]
    assert err.request == ("GET", "/zones")
    assert str(err) == "Cloudflare API GET /zones failed with HTTP 401: [10000] Authentication error"
    assert len(api.calls) == 1 and sleeps == []


def test_duplicate_record_81057(make_client):
    client, _api = make_client(
        [(400, envelope(None, False, [{"code": 81057, "message": "The record already exists."}]), None)]
    )
    with pytest.raises(CloudflareError) as exc:
        client.post("/zones/abc/dns_records", {"type": "A", "name": "www", "content": "192.0.2.1"})
    assert exc.value.codes == [81057]
    assert (
        str(exc.value)
        == "Cloudflare API POST /zones/abc/dns_records failed with HTTP 400: [81057] The record already exists."
    )


def test_ttl_validation_error_chain_9021(make_client):
    error = {
        "code": 1004,
        "message": "DNS Validation Error",
        "error_chain": [{"code": 9021, "message": "TTL must be between 60 and 86400 seconds, or 1 for Automatic."}],
    }
    client, _api = make_client([(400, envelope(None, False, [error]), None)])
    with pytest.raises(CloudflareError) as exc:
        client.patch("/zones/abc/dns_records/r1", {"ttl": 5})
    assert exc.value.codes == [1004, 9021]
    assert exc.value.errors[0]["error_chain"][0]["code"] == 9021
    assert str(exc.value) == (
        "Cloudflare API PATCH /zones/abc/dns_records/r1 failed with HTTP 400: [1004] DNS Validation Error "
        "([9021] TTL must be between 60 and 86400 seconds, or 1 for Automatic.)"
    )


def test_success_false_with_http_200_is_an_error(make_client):
    client, _api = make_client([(200, envelope(None, False, [{"code": 1000, "message": "odd"}]), None)])
    with pytest.raises(CloudflareError) as exc:
        client.get("/zones")
    assert exc.value.status == 200 and exc.value.codes == [1000]


@pytest.mark.parametrize("status", [200, 400])
def test_non_json_body(make_client, status, sleeps):
    client, api = make_client([(status, b"<html><body>Bad gateway   thing</body></html>", None)])
    with pytest.raises(CloudflareError) as exc:
        client.get("/zones")
    assert exc.value.status == status
    assert exc.value.errors[0]["code"] is None
    assert "not a JSON object" in str(exc.value)
    assert "<html><body>Bad gateway thing</body></html>" in str(exc.value)
    assert len(api.calls) == 1 and sleeps == []


def test_429_retry_after_is_honoured(make_client, sleeps):
    throttled = envelope(
        None, False, [{"code": 971, "message": "Please wait and consider throttling your request speed"}]
    )
    client, api = make_client(
        [(429, throttled, {"Retry-After": "2"}), (429, throttled, {"Retry-After": "7"}), (200, envelope([]), None)]
    )
    assert client.get("/zones") == []
    assert len(api.calls) == 3
    assert sleeps == [2.0, 7.0]


def test_retry_after_is_capped(make_client, sleeps):
    throttled = envelope(None, False, [{"code": 971, "message": "slow down"}])
    client, _api = make_client([(429, throttled, {"Retry-After": "3600"}), (200, envelope({"ok": 1}), None)])
    assert client.get("/zones/x") == {"ok": 1}
    assert sleeps == [cloudflare.MAX_RETRY_SLEEP]


def test_429_without_retry_after_backs_off(make_client, sleeps):
    throttled = envelope(None, False, [{"code": 971, "message": "slow down"}])
    client, _api = make_client([(429, throttled, None), (200, envelope([]), None)])
    client.get("/zones")
    assert sleeps == [0.75]  # step 1 s, equal jitter 0.5 + 0.5 * 0.5


def test_503_retried_with_exponential_backoff(make_client, sleeps):
    unavailable = envelope(None, False, [{"code": 503, "message": "Service Unavailable"}])
    client, api = make_client([(503, unavailable, None)] * 3 + [(200, envelope({"id": "z"}), None)])
    assert client.get("/zones/z") == {"id": "z"}
    assert len(api.calls) == 4
    assert sleeps == [0.75, 1.5, 3.0]  # 1, 2, 4 s steps with jitter 0.5


def test_backoff_jitter_bounds(make_client, sleeps):
    unavailable = envelope(None, False, [{"code": 502, "message": "Bad Gateway"}])
    for jitter in (0.0, 0.999):
        sleeps.clear()
        client, _api = make_client(
            [(502, unavailable, None)] * 4 + [(200, envelope([]), None)], jitter=lambda j=jitter: j
        )
        client.get("/zones")
        for attempt, slept in enumerate(sleeps, start=1):
            step = 2 ** (attempt - 1)
            assert step / 2 <= slept <= step


@pytest.mark.parametrize("status, code", [(400, 9106), (401, 10000), (403, 9109), (404, 7003)])
def test_no_retry_on_client_errors(make_client, sleeps, status, code):
    client, api = make_client([(status, envelope(None, False, [{"code": code, "message": "nope"}]), None)] * 3)
    with pytest.raises(CloudflareError) as exc:
        client.get("/zones/z")
    assert exc.value.status == status and exc.value.codes == [code]
    assert len(api.calls) == 1
    assert sleeps == []
    assert "attempts" not in str(exc.value)


def test_max_retries_exhausted(make_client, sleeps):
    unavailable = envelope(None, False, [{"code": 503, "message": "Service Unavailable"}])
    client, api = make_client([(503, unavailable, {"Retry-After": "1"})] * 10, max_retries=3)
    with pytest.raises(CloudflareError) as exc:
        client.delete("/zones/z/dns_records/r")
    assert len(api.calls) == 3
    assert sleeps == [1.0, 1.0]
    assert exc.value.status == 503 and exc.value.attempts == 3
    assert str(exc.value) == (
        "Cloudflare API DELETE /zones/z/dns_records/r failed with HTTP 503 after 3 attempts: [503] Service Unavailable"
    )


def test_connection_failure_retried_for_get_only(make_client, sleeps, monkeypatch):
    calls = []

    def refused(module, url, **kwargs):
        calls.append(kwargs.get("method"))
        return None, {"url": url, "status": -1, "msg": "Request failed: <urlopen error [Errno 111] Connection refused>"}

    client, _api = make_client(max_retries=2)
    monkeypatch.setattr(cloudflare, "fetch_url", refused)
    with pytest.raises(CloudflareError) as exc:
        client.get("/zones")
    assert calls == ["GET", "GET"] and len(sleeps) == 1
    assert exc.value.status == -1
    assert "without an HTTP response" in str(exc.value) and "Connection refused" in str(exc.value)
    calls.clear()
    with pytest.raises(CloudflareError):
        client.post("/zones/z/dns_records", {"type": "A"})
    assert calls == ["POST"]


def test_fetch_url_fail_json_becomes_cloudflare_error(make_client, monkeypatch):
    def tls_failure(module, url, **kwargs):
        module.fail_json(msg="Failed to validate the SSL certificate for api.example.test:443", url=url)

    client, _api = make_client(max_retries=1)
    monkeypatch.setattr(cloudflare, "fetch_url", tls_failure)
    with pytest.raises(CloudflareError) as exc:
        client.get("/zones")
    assert "SSL certificate" in str(exc.value)


def test_token_never_in_error_strings(make_client):
    echoed = envelope(
        None,
        False,
        [
            {
                "code": 6003,
                "message": f"Invalid header Bearer {TOKEN}",
                "error_chain": [{"code": 6111, "message": TOKEN}],
            }
        ],
    )
    client, _api = make_client([(400, echoed, None), (502, f"proxy saw {TOKEN}", None)], max_retries=1)
    for _attempt in range(2):
        with pytest.raises(CloudflareError) as exc:
            client.get("/user/tokens/verify")
        text = " ".join([str(exc.value), repr(exc.value), json.dumps(exc.value.errors), str(exc.value.args)])
        assert TOKEN not in text
        assert cloudflare.MASK in text


def test_pagination_follows_total_pages(make_client):
    records = [{"id": f"r{i}"} for i in range(5)]

    def handler(call):
        page = int(call["query"]["page"][0])
        per_page = int(call["query"]["per_page"][0])
        chunk = records[(page - 1) * per_page : page * per_page]
        info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": 5, "total_pages": 3}
        return 200, envelope(chunk, result_info=info), None

    client, api = make_client(handler=handler)
    assert (
        client.paginate("/zones/z/dns_records", {"type": "A", "name.exact": "www.example.com"}, per_page=2) == records
    )
    assert [c["query"]["page"] for c in api.calls] == [["1"], ["2"], ["3"]]
    assert all(c["query"]["type"] == ["A"] and c["query"]["name.exact"] == ["www.example.com"] for c in api.calls)
    assert all(c["query"]["per_page"] == ["2"] for c in api.calls)


def test_pagination_single_page_and_empty(make_client):
    client, api = make_client(
        [
            (
                200,
                envelope([{"id": 1}], result_info={"page": 1, "per_page": 100, "total_pages": 1, "total_count": 1}),
                None,
            ),
            (200, envelope([], result_info={"page": 1, "per_page": 100, "total_pages": 0, "total_count": 0}), None),
        ]
    )
    assert client.paginate("/zones") == [{"id": 1}]
    assert client.paginate("/zones") == []
    assert len(api.calls) == 2


def test_pagination_retries_a_throttled_page(make_client, sleeps):
    def handler(call):
        page = int(call["query"]["page"][0])
        if page == 2 and not sleeps:
            return 429, envelope(None, False, [{"code": 971, "message": "slow"}]), {"Retry-After": "1"}
        return 200, envelope([page], result_info={"page": page, "per_page": 1, "total_pages": 2}), None

    client, api = make_client(handler=handler)
    assert client.paginate("/zones", per_page=1) == [1, 2]
    assert sleeps == [1.0] and len(api.calls) == 3


def test_zone_id(make_client):
    zone = {"id": "023e105f4ecef8ad9ca31a8372d0c353", "name": "example.com"}
    client, api = make_client([(200, envelope([zone], result_info={"page": 1, "total_pages": 1}), None)])
    assert client.zone_id("Example.com.") == zone["id"]
    assert api.calls[0]["query"]["name"] == ["example.com"]


def test_zone_id_none(make_client):
    client, _api = make_client([(200, envelope([], result_info={"page": 1, "total_pages": 0}), None)])
    with pytest.raises(CloudflareError) as exc:
        client.zone_id("missing.example")
    assert exc.value.status is None
    assert (
        str(exc.value)
        == "Cloudflare API GET /zones failed: no zone named 'missing.example' is visible to this API token"
    )


def test_zone_id_many(make_client):
    zones = [{"id": "a1", "name": "example.com"}, {"id": "b2", "name": "example.com"}]
    client, _api = make_client([(200, envelope(zones, result_info={"page": 1, "total_pages": 1}), None)])
    with pytest.raises(CloudflareError) as exc:
        client.zone_id("example.com")
    assert "2 zones named 'example.com'" in str(exc.value) and "a1, b2" in str(exc.value)


def test_from_module_and_base_url(make_client, monkeypatch):
    api = FakeApi([(200, envelope([]), None)])
    monkeypatch.setattr(cloudflare, "fetch_url", api)
    module = FakeModule({"api_token": TOKEN, "api_base_url": "http://127.0.0.1:4567/client/v4/"})
    client = CloudflareClient.from_module(module, timeout=5)
    client.get("zones")
    assert api.calls[0]["url"] == "http://127.0.0.1:4567/client/v4/zones"
    assert api.calls[0]["timeout"] == 5
    assert api.calls[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"


def test_retry_after_http_date():
    assert cloudflare._parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert cloudflare._parse_retry_after("3") == 3.0
    assert cloudflare._parse_retry_after("soon") is None
    assert cloudflare._parse_retry_after(None) is None


def test_zone_returns_the_whole_zone(make_client):
    zone = {"id": "023e105f4ecef8ad9ca31a8372d0c353", "name": "example.com", "plan": {"legacy_id": "enterprise"}}
    client, api = make_client([(200, envelope([zone], result_info={"page": 1, "total_pages": 1}), None)])
    assert client.zone(" Example.COM. ") == zone
    assert api.calls[0]["path"] == "/client/v4/zones"
    assert api.calls[0]["query"] == {"name": ["example.com"], "per_page": ["50"], "page": ["1"]}


@pytest.mark.parametrize(
    "status, errors, hint",
    [
        (401, [{"code": 10000, "message": "Authentication error"}], cloudflare.TOKEN_HINT),
        (403, [{"code": 9109, "message": "Invalid access token"}], cloudflare.TOKEN_HINT),
        (
            400,
            [{"code": 6003, "message": "Invalid request headers", "error_chain": [{"code": 6111, "message": "bad"}]}],
            cloudflare.TOKEN_HINT,
        ),
        (403, [{"code": 12345, "message": "unknown code"}], cloudflare.TOKEN_HINT),  # by HTTP status
        (429, [{"code": 971, "message": "Please wait"}], cloudflare.RATE_HINT),
        (
            400,
            [{"code": 81053, "message": "An A, AAAA, or CNAME record with that host already exists."}],
            cloudflare.NAME_CONFLICT_HINT,
        ),
        (
            400,
            [{"code": 81054, "message": "A CNAME record with that host already exists."}],
            cloudflare.NAME_CONFLICT_HINT,
        ),
        (
            400,
            [{"code": 1004, "message": "DNS Validation Error", "error_chain": [{"code": 9021, "message": "TTL"}]}],
            cloudflare.CODE_HINTS[9021],
        ),
        (503, [{"code": 503, "message": "Service Unavailable"}], cloudflare.SERVER_HINT),
        (400, [{"code": 1004, "message": "DNS Validation Error"}], None),
        (None, [{"code": None, "message": "no zone named 'x' is visible to this API token"}], None),
    ],
)
def test_error_hints(status, errors, hint):
    assert CloudflareError(status, errors, request=("GET", "/zones")).hint == hint


def test_expired_token_error_maps_to_the_token_hint_without_the_token(make_client, sleeps):
    client, api = make_client(
        [(401, envelope(None, False, [{"code": 10000, "message": "Authentication error"}]), None)] * 2
    )
    with pytest.raises(CloudflareError) as exc:
        client.zone("example.com")
    assert exc.value.hint == cloudflare.TOKEN_HINT and "CLOUDFLARE_API_TOKEN" in exc.value.hint
    assert TOKEN not in str(exc.value) + exc.value.hint
    assert len(api.calls) == 1 and sleeps == []  # an auth error is never retried


def test_429_with_http_date_retry_after(make_client, sleeps, monkeypatch):
    monkeypatch.setattr(cloudflare.time, "time", lambda: 1445412477.0)  # 3 s before the date below
    throttled = envelope(None, False, [{"code": 971, "message": "slow"}])
    client, api = make_client(
        [(429, throttled, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), (200, envelope([]), None)]
    )
    assert client.get("/zones") == []
    assert sleeps == [3.0] and len(api.calls) == 2


def test_writes_are_retried_on_429_and_5xx_with_the_same_body(make_client, sleeps):
    throttled = envelope(None, False, [{"code": 971, "message": "slow"}])
    unavailable = envelope(None, False, [{"code": 502, "message": "Bad Gateway"}])
    client, api = make_client(
        [(429, throttled, {"Retry-After": "1"}), (502, unavailable, None), (200, envelope({"id": "r1"}), None)]
    )
    assert client.post("/zones/z/dns_records", {"type": "CNAME", "name": "www"}) == {"id": "r1"}
    assert [(c["method"], c["body"]) for c in api.calls] == [("POST", {"type": "CNAME", "name": "www"})] * 3
    assert sleeps == [1.0, 1.5]


def test_retry_exhausted_keeps_the_last_error_and_its_hint(make_client, sleeps):
    throttled = envelope(
        None, False, [{"code": 971, "message": "Please wait and consider throttling your request speed"}]
    )
    client, api = make_client([(429, throttled, {"Retry-After": "0"})] * 3, max_retries=3)
    with pytest.raises(CloudflareError) as exc:
        client.patch("/zones/z/dns_records/r", {"ttl": 1})
    assert exc.value.attempts == 3 and exc.value.status == 429 and exc.value.hint == cloudflare.RATE_HINT
    assert sleeps == [0.0, 0.0] and len(api.calls) == 3
