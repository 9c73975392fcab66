# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rocketclub.platform.cloudflare_dns_record end to end: ``ansible`` against a private local Cloudflare emulator.

Every test asserts on the emulator's state and request log, not only on the module's result. The API token is
given through ``CLOUDFLARE_API_TOKEN`` and must never appear in anything ansible prints.
"""

import hashlib

from localcloud.testing import ansible_module

MODULE = "rocketclub.platform.cloudflare_dns_record"
ZONE = "rocketclub.local"
ZONE_ID = hashlib.md5(ZONE.encode()).hexdigest()
TARGET = "d111111abcdef8.cloudfront.net"


def run_module(env, token=None, flags=(), **args):
    """Run the module once through ``ansible localhost``; return its result."""
    args = dict(
        {"zone": ZONE, "name": "portal", "content": TARGET, "api_base_url": env["LOCALCLOUD_CLOUDFLARE_URL"]}, **args
    )
    return ansible_module(env, MODULE, args, flags, token)


def records(lc):
    """The emulator's records as (name, type, content, ttl, proxied, comment)."""
    return sorted(
        (r["name"], r["type"], r["content"], r["ttl"], r["proxied"], r["comment"])
        for r in lc.cloudflare_state()["records"]
    )


def writes(lc):
    return [(e["method"], e["path"]) for e in lc.cloudflare_requests() if e["method"] != "GET"]


def test_check_create_idempotent_and_diff(lc, env):
    lc.clear_cloudflare_requests()
    check = run_module(env, flags=["--check", "--diff"], comment="Backstage portal")
    assert check["changed"] is True and check["record"]["id"] is None
    assert records(lc) == [] and writes(lc) == []
    assert check["diff"]["before"] == {"name": "portal." + ZONE, "records": []}
    assert check["diff"]["after"]["records"] == [
        {
            "name": "portal." + ZONE,
            "type": "CNAME",
            "content": TARGET,
            "ttl": 1,
            "proxied": True,
            "comment": "Backstage portal",
            "tags": [],
        }
    ]

    created = run_module(env, flags=["--diff"], comment="Backstage portal")
    assert created["changed"] is True and created["zone_id"] == ZONE_ID
    assert records(lc) == [("portal." + ZONE, "CNAME", TARGET, 1, True, "Backstage portal")]
    assert writes(lc) == [("POST", "/client/v4/zones/%s/dns_records" % ZONE_ID)]
    stored = lc.cloudflare_state()["records"][0]
    assert created["record"]["id"] == stored["id"]
    assert created["diff"]["after"] == check["diff"]["after"]

    lc.clear_cloudflare_requests()
    for flags in (["--check", "--diff"], ["--diff"]):
        again = run_module(
            env, flags=flags, comment="Backstage portal", name="Portal.%s." % ZONE.upper(), content=TARGET.upper() + "."
        )
        assert again["changed"] is False, again
        assert again["record"] == created["record"]
        assert again["diff"]["before"] == again["diff"]["after"]
    assert writes(lc) == []
    assert records(lc) == [("portal." + ZONE, "CNAME", TARGET, 1, True, "Backstage portal")]


def test_expired_token_fails_and_changes_nothing(lc, env):
    run_module(env, name="www", type="A", content="192.0.2.10", proxied=False, ttl=300)
    before = lc.cloudflare_state()
    lc.cloudflare_token("rotated-away-token", state="expired")
    lc.clear_cloudflare_requests()

    result = run_module(
        env, token="rotated-away-token", name="www", type="A", content="192.0.2.20", proxied=False, ttl=300
    )
    assert result["failed"] is True and result["changed"] is False
    assert result["status"] == 401
    assert result["errors"] == [{"code": 10000, "message": "Authentication error"}]
    assert "GET /zones failed with HTTP 401: [10000] Authentication error" in result["msg"]
    assert "CLOUDFLARE_API_TOKEN" in result["msg"]  # what to do about it
    assert [(e["method"], e["path"], e["status"]) for e in lc.cloudflare_requests()] == [
        ("GET", "/client/v4/zones", 401)
    ]
    assert lc.cloudflare_state() == before


def test_429_is_retried_after_retry_after(lc, env):
    lc.clear_cloudflare_requests()
    lc.cloudflare_fault(429, count=1, retry_after=1)
    result = run_module(env)
    assert result["changed"] is True, result
    assert records(lc) == [("portal." + ZONE, "CNAME", TARGET, 1, True, None)]

    log = lc.cloudflare_requests()
    calls = [(e["method"], e["path"], e["query"]) for e in log]
    # the throttled call, and only it, was sent twice: 429 then 200, at least Retry-After apart
    assert calls[0] == calls[1] and [e["status"] for e in log[:2]] == [429, 200]
    assert log[1]["time"] - log[0]["time"] >= 1.0
    assert len(set(calls)) == len(calls) - 1
    assert [(e["method"], e["path"].rsplit("/", 1)[-1], e["status"]) for e in log[1:]] == [
        ("GET", "zones", 200),
        ("GET", "dns_records", 200),
        ("POST", "dns_records", 200),
    ]


def test_cname_over_a_record_is_refused_before_any_write(lc, env):
    run_module(env, type="A", content="192.0.2.1")
    before = lc.cloudflare_state()
    lc.clear_cloudflare_requests()

    result = run_module(env, flags=["--diff"])
    assert result["failed"] is True and result["changed"] is False
    record_id = before["records"][0]["id"]
    assert ("A record portal.%s -> 192.0.2.1 (id %s) already exists" % (ZONE, record_id)) in result["msg"]
    assert "error 81053" in result["msg"] and "solo: true" in result["msg"]
    assert writes(lc) == [] and lc.cloudflare_state() == before

    # what the message says works: solo replaces the A record by the CNAME
    replaced = run_module(env, solo=True)
    assert replaced["changed"] is True and [d["id"] for d in replaced["deleted"]] == [record_id]
    assert records(lc) == [("portal." + ZONE, "CNAME", TARGET, 1, True, None)]
    assert [m for m, _path in writes(lc)] == ["DELETE", "POST"]
