# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloudflare emulator driven by the official SDK and community.general.cloudflare_dns."""

import hashlib
import json
import os
import subprocess
import sys
import urllib.request

import cloudflare
import pytest

ZONE = "rocketclub.local"
ZONE_ID = hashlib.md5(ZONE.encode()).hexdigest()
LIBRARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "library")


@pytest.fixture
def cf(lc, env):
    """Return an SDK client without automatic retries."""
    return cloudflare.Cloudflare(
        api_token=env["CLOUDFLARE_API_TOKEN"], base_url=env["LOCALCLOUD_CLOUDFLARE_URL"], max_retries=0
    )


def _sdk(env, token, **kwargs):
    return cloudflare.Cloudflare(api_token=token, base_url=env["LOCALCLOUD_CLOUDFLARE_URL"], **kwargs)


def test_zones(cf):
    zones = list(cf.zones.list(name=ZONE))
    assert [(z.id, z.name, z.status) for z in zones] == [(ZONE_ID, ZONE, "active")]
    assert zones[0].account.id
    assert list(cf.zones.list(name="other.example")) == []
    assert cf.zones.get(zone_id=ZONE_ID).name == ZONE
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.zones.get(zone_id="0" * 32)
    assert exc.value.body["errors"][0]["code"] == 7003


def test_record_lifecycle(cf, lc):
    record = cf.dns.records.create(
        zone_id=ZONE_ID, type="A", name="www", content="192.0.2.1", ttl=300, proxied=True, comment="web"
    )
    assert record.name == "www." + ZONE
    assert (record.type, record.content, record.ttl, record.proxied, record.proxiable) == (
        "A",
        "192.0.2.1",
        300,
        True,
        True,
    )
    assert record.comment == "web" and record.created_on and record.modified_on
    raw = [r for r in lc.cloudflare_state()["records"] if r["id"] == record.id][0]
    assert raw["zone_id"] == ZONE_ID and raw["zone_name"] == ZONE

    updated = cf.dns.records.edit(
        dns_record_id=record.id, zone_id=ZONE_ID, type="A", name="www." + ZONE, ttl=300, content="192.0.2.2"
    )
    assert (updated.content, updated.ttl, updated.proxied) == ("192.0.2.2", 300, True)
    replaced = cf.dns.records.update(
        dns_record_id=record.id, zone_id=ZONE_ID, type="A", name="www." + ZONE, content="192.0.2.3", ttl=1
    )
    assert (replaced.content, replaced.ttl, replaced.proxied) == ("192.0.2.3", 1, False)
    assert cf.dns.records.get(dns_record_id=record.id, zone_id=ZONE_ID).content == "192.0.2.3"
    assert cf.dns.records.delete(dns_record_id=record.id, zone_id=ZONE_ID).id == record.id
    with pytest.raises(cloudflare.NotFoundError) as exc:
        cf.dns.records.get(dns_record_id=record.id, zone_id=ZONE_ID)
    assert exc.value.body["errors"] == [{"code": 81044, "message": "Record does not exist."}]


def test_list_filters_and_pagination(cf):
    for i in range(7):
        cf.dns.records.create(zone_id=ZONE_ID, type="TXT", name="t%d.%s" % (i, ZONE), content="v=%d" % i, ttl=1)
    cf.dns.records.create(zone_id=ZONE_ID, type="A", name="t0." + ZONE, content="192.0.2.9", ttl=1)
    cf.dns.records.create(zone_id=ZONE_ID, type="CNAME", name="c." + ZONE, content="x.example", proxied=True, ttl=1)
    page = cf.dns.records.list(zone_id=ZONE_ID, per_page=3, page=2, type="TXT")
    assert [r.name for r in page.result] == ["t3." + ZONE, "t4." + ZONE, "t5." + ZONE]
    assert page.result_info.page == 2 and page.result_info.per_page == 3
    assert len(list(cf.dns.records.list(zone_id=ZONE_ID, per_page=2))) == 9  # auto-paging
    assert [r.type for r in cf.dns.records.list(zone_id=ZONE_ID, name={"exact": "t0." + ZONE})] == ["TXT", "A"]
    assert [r.content for r in cf.dns.records.list(zone_id=ZONE_ID, name={"exact": "t0." + ZONE}, type="A")] == [
        "192.0.2.9"
    ]
    assert [r.name for r in cf.dns.records.list(zone_id=ZONE_ID, proxied=True)] == ["c." + ZONE]
    assert len(list(cf.dns.records.list(zone_id=ZONE_ID, content={"exact": "v=3"}, type="A", match="any"))) == 2
    assert len(list(cf.dns.records.list(zone_id=ZONE_ID, name={"startswith": "t"}))) == 8


def test_result_info_is_exact(env, lc):
    for i in range(5):
        _api(
            env,
            "POST",
            "/zones/%s/dns_records" % ZONE_ID,
            {"type": "A", "name": "h%d" % i, "content": "192.0.2.%d" % i},
        )
    status, body = _api(env, "GET", "/zones/%s/dns_records?per_page=2&page=3" % ZONE_ID)
    assert status == 200 and body["success"] is True and body["errors"] == []
    assert body["result_info"] == {"page": 3, "per_page": 2, "count": 1, "total_count": 5, "total_pages": 3}
    status, body = _api(env, "GET", "/zones/%s/dns_records?name=h1.%s" % (ZONE_ID, ZONE))
    assert [r["content"] for r in body["result"]] == ["192.0.2.1"]
    assert body["result_info"]["per_page"] == 100


def _api(env, method, path, data=None, token=None, headers=None):
    hdrs = {"Content-Type": "application/json"}
    if token is not False:
        hdrs["Authorization"] = "Bearer " + (token or env["CLOUDFLARE_API_TOKEN"])
    hdrs.update(headers or {})
    request = urllib.request.Request(
        env["LOCALCLOUD_CLOUDFLARE_URL"] + path,
        method=method,
        data=json.dumps(data).encode() if data else None,
        headers=hdrs,
    )
    try:
        with urllib.request.urlopen(request) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_validation_errors(cf, env):
    name = "dup." + ZONE
    cf.dns.records.create(zone_id=ZONE_ID, type="A", name=name, content="192.0.2.1", ttl=1)
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.dns.records.create(zone_id=ZONE_ID, type="A", name=name, content="192.0.2.1", ttl=1)
    assert exc.value.body["errors"] == [{"code": 81057, "message": "The record already exists."}]
    assert exc.value.status_code == 400
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.dns.records.create(zone_id=ZONE_ID, type="CNAME", name=name, content="x.example", ttl=1)
    assert exc.value.body["errors"][0]["code"] == 81053
    assert exc.value.body["errors"][0]["message"] == ("An A, AAAA, or CNAME record with that host already exists.")
    cf.dns.records.create(zone_id=ZONE_ID, type="CNAME", name="alias." + ZONE, content="x.example", ttl=1)
    with pytest.raises(cloudflare.BadRequestError) as exc:
        cf.dns.records.create(zone_id=ZONE_ID, type="AAAA", name="alias." + ZONE, content="2001:db8::1", ttl=1)
    assert exc.value.body["errors"][0]["code"] == 81054
    # TXT may share a name with an A record; a second A with other content too
    cf.dns.records.create(zone_id=ZONE_ID, type="TXT", name=name, content="hello", ttl=1)
    cf.dns.records.create(zone_id=ZONE_ID, type="A", name=name, content="192.0.2.2", ttl=1)

    status, body = _api(
        env, "POST", "/zones/%s/dns_records" % ZONE_ID, {"type": "A", "name": "ttl", "content": "192.0.2.5", "ttl": 30}
    )
    assert status == 400 and body["success"] is False and body["result"] is None
    assert body["errors"] == [
        {
            "code": 1004,
            "message": "DNS Validation Error",
            "error_chain": [{"code": 9021, "message": "TTL must be between 60 and 86400 seconds, or 1 for Automatic."}],
        }
    ]
    status, body = _api(
        env, "POST", "/zones/%s/dns_records" % ZONE_ID, {"type": "TXT", "name": "p", "content": "x", "proxied": True}
    )
    assert status == 400 and body["errors"][0]["error_chain"][0]["code"] == 9004
    status, body = _api(
        env, "POST", "/zones/%s/dns_records" % ZONE_ID, {"type": "A", "name": "bad", "content": "not-an-ip"}
    )
    assert status == 400 and body["errors"][0]["error_chain"][0]["code"] == 9005


def test_authentication(env, lc):
    with pytest.raises(cloudflare.AuthenticationError) as exc:
        list(_sdk(env, "wrong-token", max_retries=0).zones.list())
    assert exc.value.status_code == 401
    assert exc.value.body["errors"] == [{"code": 10000, "message": "Authentication error"}]
    lc.cloudflare_token("second-token")
    assert [z.name for z in _sdk(env, "second-token").zones.list()] == [ZONE]
    lc.cloudflare_token("second-token", state="expired")
    with pytest.raises(cloudflare.AuthenticationError):
        list(_sdk(env, "second-token", max_retries=0).zones.list())
    status, body = _api(env, "GET", "/zones", token=False)
    assert status == 400 and body["errors"][0]["code"] == 9106
    status, body = _api(env, "GET", "/zones", token=False, headers={"Authorization": "Token x"})
    assert status == 400 and body["errors"][0]["error_chain"][0]["code"] == 6111


def test_ips_without_auth(env, lc):
    status, body = _api(env, "GET", "/ips", token=False)
    assert status == 200
    assert "173.245.48.0/20" in body["result"]["ipv4_cidrs"]
    assert "2606:4700::/32" in body["result"]["ipv6_cidrs"]
    etag = body["result"]["etag"]
    ips = _sdk(env, "irrelevant").ips.list()
    assert ips.etag == etag
    lc.cloudflare_set_ips(ipv4_cidrs=["198.51.100.0/24"], ipv6_cidrs=["2001:db8::/32"])
    status, body = _api(env, "GET", "/ips", token=False)
    assert body["result"]["ipv4_cidrs"] == ["198.51.100.0/24"]
    assert body["result"]["etag"] != etag


def test_faults_and_request_log(env, lc):
    lc.clear_cloudflare_requests()
    lc.cloudflare_fault(429, count=1, retry_after=1)
    with pytest.raises(cloudflare.RateLimitError) as exc:
        list(_sdk(env, env["CLOUDFLARE_API_TOKEN"], max_retries=0).zones.list())
    assert exc.value.response.headers["Retry-After"] == "1"
    assert exc.value.body["errors"][0]["code"] == 971
    lc.cloudflare_fault(503, count=1)
    zones = list(_sdk(env, env["CLOUDFLARE_API_TOKEN"], max_retries=2).zones.list())
    assert [z.name for z in zones] == [ZONE]  # the SDK retried the 503
    log = lc.cloudflare_requests()
    # the SDK's auto-pager asks for page 2 until it sees an empty page
    assert [(e["method"], e["path"], e["query"], e["status"]) for e in log] == [
        ("GET", "/client/v4/zones", "", 429),
        ("GET", "/client/v4/zones", "", 503),
        ("GET", "/client/v4/zones", "", 200),
        ("GET", "/client/v4/zones", "page=2", 200),
    ]


def test_partial_patch(env, lc):
    status, body = _api(
        env,
        "POST",
        "/zones/%s/dns_records" % ZONE_ID,
        {"type": "A", "name": "patch", "content": "192.0.2.1", "ttl": 600, "proxied": True, "tags": ["team:web"]},
    )
    assert status == 200 and body["result"]["tags"] == ["team:web"]
    record_id = body["result"]["id"]
    status, body = _api(env, "PATCH", "/zones/%s/dns_records/%s" % (ZONE_ID, record_id), {"content": "192.0.2.7"})
    assert status == 200
    result = body["result"]
    assert (result["content"], result["ttl"], result["proxied"], result["name"]) == (
        "192.0.2.7",
        600,
        True,
        "patch." + ZONE,
    )


def _ansible(env, args):
    run_env = dict(env)
    run_env.update(
        {
            "ANSIBLE_LIBRARY": LIBRARY,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_STDOUT_CALLBACK": "json",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        }
    )
    ansible = os.path.join(os.path.dirname(sys.executable), "ansible")
    result = subprocess.run(
        [
            ansible,
            "localhost",
            "-m",
            "cloudflare_dns_localcloud",
            "-a",
            args,
            "-e",
            "ansible_python_interpreter=" + sys.executable,
        ],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode in (0, 2), result.stderr
    output = json.loads(result.stdout)
    return output["plays"][0]["tasks"][0]["hosts"]["localhost"]


def test_community_general_cloudflare_dns(env, lc):
    args = "zone=%s record=app type=A value=192.0.2.10 ttl=120 api_token=%s" % (ZONE, env["CLOUDFLARE_API_TOKEN"])
    first = _ansible(env, args)
    assert first["changed"] is True, first
    second = _ansible(env, args)
    assert second["changed"] is False, second
    records = lc.cloudflare_state()["records"]
    assert [(r["name"], r["type"], r["content"], r["ttl"]) for r in records] == [
        ("app." + ZONE, "A", "192.0.2.10", 120)
    ]
    failed = _ansible(env, args.replace(env["CLOUDFLARE_API_TOKEN"], "bad-token"))
    assert failed.get("failed") is True
