# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event source rocketclub.platform.cloudflare_ips against the Cloudflare emulator (tools/localcloud) over HTTP.

``main`` runs unchanged; only its sleep between polls is replaced by a script: each sleep performs the next step
(change the published ranges, inject a fault or a broken answer, or nothing) and the sleep after the last step ends
the run. So every poll is a real ``GET /client/v4/ips`` and a test takes milliseconds."""

from __future__ import annotations

import asyncio
import json
import logging
import socket

import pytest

from localcloud.cloudflare_api import DEFAULT_IPV4
from localcloud.cloudflare_api import DEFAULT_IPV6
from localcloud.cloudflare_api import etag_of

RANGES_A = (["192.0.2.0/24", "198.51.100.0/24"], ["2001:db8::/32"])
RANGES_B = (["203.0.113.0/24"], ["2001:db8:1::/48"])
INITIAL_ETAG = etag_of(list(DEFAULT_IPV4), list(DEFAULT_IPV6))


class Done(Exception):
    """Raised by the scripted sleep after the last step."""


def run(source, url, steps, monkeypatch, **args):
    """Run the source's ``main``: one poll, then for each step its action and one more poll.
    Return (events, the seconds of every sleep)."""
    script = list(steps)
    sleeps = []

    async def scripted_sleep(seconds):
        sleeps.append(seconds)
        if not script:
            raise Done
        step = script.pop(0)
        if step is not None:
            step()

    monkeypatch.setattr(source.asyncio, "sleep", scripted_sleep)
    queue = asyncio.Queue()
    with pytest.raises(Done):
        asyncio.run(source.main(queue, dict({"api_base_url": url, "interval": 5}, **args)))
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events, sleeps


def set_ips(cloudflare, ranges):
    def step():
        cloudflare.emulator.ipv4, cloudflare.emulator.ipv6 = list(ranges[0]), list(ranges[1])

    return step


def fault(cloudflare, status):
    def step():
        cloudflare.emulator.faults.append({"status": status, "count": 1})

    return step


def answer(cloudflare, body):
    def step():
        cloudflare.answers.append(body if isinstance(body, bytes) else json.dumps(body).encode())

    return step


def test_two_changes_two_events(cloudflare_ips, cloudflare, monkeypatch):
    events, sleeps = run(
        cloudflare_ips,
        cloudflare.url,
        [None, set_ips(cloudflare, RANGES_A), None, None, set_ips(cloudflare, RANGES_B), None],
        monkeypatch,
    )
    etag_a, etag_b = etag_of(*RANGES_A), etag_of(*RANGES_B)
    assert [e["cloudflare_ips"]["etag"] for e in events] == [etag_a, etag_b]
    assert [e["cloudflare_ips"]["previous_etag"] for e in events] == [INITIAL_ETAG, etag_a]
    assert (events[0]["cloudflare_ips"]["ipv4_cidrs"], events[0]["cloudflare_ips"]["ipv6_cidrs"]) == RANGES_A
    assert (events[1]["cloudflare_ips"]["ipv4_cidrs"], events[1]["cloudflare_ips"]["ipv6_cidrs"]) == RANGES_B
    assert cloudflare.ips_polls() == [200] * 7
    assert sleeps == [5.0] * 7


def test_no_change_no_event(cloudflare_ips, cloudflare, monkeypatch):
    events, _sleeps = run(cloudflare_ips, cloudflare.url, [None, None, None], monkeypatch)
    assert events == []
    assert cloudflare.ips_polls() == [200] * 4


def test_initial_poll_emits_only_with_emit_initial(cloudflare_ips, cloudflare, monkeypatch):
    assert run(cloudflare_ips, cloudflare.url, [], monkeypatch)[0] == []
    events, _sleeps = run(cloudflare_ips, cloudflare.url, [None], monkeypatch, emit_initial=True)
    assert events == [
        {
            "cloudflare_ips": {
                "etag": INITIAL_ETAG,
                "previous_etag": None,
                "ipv4_cidrs": list(DEFAULT_IPV4),
                "ipv6_cidrs": list(DEFAULT_IPV6),
            }
        }
    ]


def test_errors_emit_nothing_and_polling_goes_on(cloudflare_ips, cloudflare, monkeypatch, caplog):
    """5xx, 429, success=false, not JSON, no etag, no lists: each logged, no event, the next poll runs; the change
    read after them is emitted once, against the last etag read successfully (the baseline)."""
    caplog.set_level(logging.INFO)
    steps = [
        fault(cloudflare, 503),
        fault(cloudflare, 429),
        answer(cloudflare, {"success": False, "errors": [{"code": 10000, "message": "Internal error"}]}),
        answer(cloudflare, b"<html>502 Bad Gateway</html>"),
        answer(cloudflare, {"success": True, "errors": [], "result": {"ipv4_cidrs": [], "ipv6_cidrs": []}}),
        answer(cloudflare, {"success": True, "errors": [], "result": {"etag": "x", "ipv4_cidrs": "nope"}}),
        set_ips(cloudflare, RANGES_A),
    ]
    events, _sleeps = run(cloudflare_ips, cloudflare.url, steps, monkeypatch)
    assert [(e["cloudflare_ips"]["previous_etag"], e["cloudflare_ips"]["etag"]) for e in events] == [
        (INITIAL_ETAG, etag_of(*RANGES_A))
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    needles = ("HTTP 503", "HTTP 429", "success=false", "is not JSON", "has no etag", "no ipv4_cidrs")
    assert len(warnings) == len(needles), warnings
    for needle, warning in zip(needles, warnings):
        assert needle in warning and "retrying in 5s" in warning
    # The emulator answered the baseline, the two faults and the change (the broken answers never reached it).
    assert cloudflare.ips_polls() == [200, 503, 429, 200]


def test_connection_refused_is_retried(cloudflare_ips, monkeypatch, caplog):
    # A port bound and never listened on: a connection is refused, and no other process can take the port meanwhile.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        events, sleeps = run(cloudflare_ips, f"http://127.0.0.1:{port}/client/v4", [None, None], monkeypatch, timeout=2)
    assert events == [] and len(sleeps) == 3
    assert sum("cannot reach" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING) == 3


@pytest.mark.parametrize(
    "args, message",
    [
        ({"interval": 0}, "interval must be a number of seconds greater than 0"),
        ({"interval": -5}, "interval must be a number of seconds greater than 0"),
        ({"interval": "hourly"}, "interval must be a number of seconds greater than 0"),
        ({"interval": True}, "interval must be a number of seconds greater than 0"),
        ({"timeout": 0}, "timeout must be a number of seconds greater than 0"),
        ({"emit_initial": "maybe"}, "emit_initial must be true or false"),
        ({"api_base_url": "api.cloudflare.com"}, "api_base_url must be an http"),
    ],
)
def test_bad_options_fail_before_any_request(cloudflare_ips, cloudflare, args, message):
    with pytest.raises(ValueError, match=message):
        asyncio.run(cloudflare_ips.main(asyncio.Queue(), dict({"api_base_url": cloudflare.url}, **args)))
    assert cloudflare.ips_polls() == []


def test_defaults_and_string_options(cloudflare_ips):
    assert cloudflare_ips.parse_args({}) == {
        "url": "https://api.cloudflare.com/client/v4/ips",
        "interval": 3600.0,
        "timeout": 30.0,
        "emit_initial": False,
    }
    # Rulebook variables arrive as strings when templated ("{{ interval }}" from an environment variable).
    assert cloudflare_ips.parse_args({"interval": "60", "emit_initial": "true", "api_base_url": "http://x/v4/"}) == {
        "url": "http://x/v4/ips",
        "interval": 60.0,
        "timeout": 30.0,
        "emit_initial": True,
    }
