# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-rulebook event source: an event each time Cloudflare's published IP ranges change."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from typing import Any

DOCUMENTATION = r"""
---
short_description: Emit an event when Cloudflare's published IP ranges change
description:
  - An ansible-rulebook event source plugin that polls Cloudflare's published IP ranges (C(GET <api_base_url>/ips)
    of the Cloudflare v4 API, a public endpoint that needs no token) every O(interval) seconds and puts one event on
    the queue each time their C(etag) changes.
  - The first successful poll only records the etag (the baseline) and emits nothing, unless O(emit_initial) is set.
    Ranges that changed while the source was not running are still applied, because every C(site.yml) converge of
    the C(cloudflare) edge topology syncs the ALB security group to the ranges too.
  - A poll that fails (connection refused or timed out, an HTTP error, C(success) false, a body that is not JSON or
    has no etag) is logged as a warning and retried at the next poll; it never emits an event and never stops the
    source.
  - Uses the Python standard library only (C(urllib) in a worker thread), so it needs nothing beyond ansible-rulebook.
options:
  api_base_url:
    description:
      - Base URL of the Cloudflare v4 API; the ranges are read from C(<api_base_url>/ips).
    type: str
    default: https://api.cloudflare.com/client/v4
  interval:
    description:
      - Seconds between two polls (more than 0). Cloudflare changes its ranges rarely and announces changes weeks
        ahead, so an hourly poll is plenty.
    type: float
    default: 3600
  timeout:
    description:
      - Timeout of one request, in seconds (more than 0).
    type: float
    default: 30
  emit_initial:
    description:
      - Also emit an event for the first successful poll (C(previous_etag) is then null).
    type: bool
    default: false
notes:
  - "Event body: C({\"cloudflare_ips\": {\"etag\": ..., \"previous_etag\": ..., \"ipv4_cidrs\": [...],
    \"ipv6_cidrs\": [...]}})."
"""

EXAMPLES = r"""
- name: Sync the ALB security group when Cloudflare's ranges change
  hosts: all
  sources:
    - rocketclub.platform.cloudflare_ips:
        interval: 3600
  rules:
    - name: Cloudflare ranges changed
      condition: event.cloudflare_ips.etag is defined
      action:
        debug:
          msg: "Cloudflare ranges changed: {{ event.cloudflare_ips.etag }}"
"""

DEFAULT_API_BASE_URL = "https://api.cloudflare.com/client/v4"
DEFAULT_INTERVAL = 3600.0
DEFAULT_TIMEOUT = 30.0

LOGGER = logging.getLogger(__name__)


class PollError(Exception):
    """A poll that gave no usable answer (logged, retried at the next poll)."""


def _positive(args: dict[str, Any], name: str, default: float) -> float:
    value = args.get(name, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if isinstance(value, bool) or not number > 0:
        raise ValueError(f"cloudflare_ips: {name} must be a number of seconds greater than 0, got {value!r}")
    return number


def _bool(args: dict[str, Any], name: str, default: bool) -> bool:
    value = args.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        return value.strip().lower() in ("true", "yes", "on", "1")
    raise ValueError(f"cloudflare_ips: {name} must be true or false, got {value!r}")


def parse_args(args: dict[str, Any]) -> dict[str, Any]:
    """The validated options of the source (ValueError naming the option otherwise)."""
    url = args.get("api_base_url") or DEFAULT_API_BASE_URL
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"cloudflare_ips: api_base_url must be an http(s) URL, got {url!r}")
    return {
        "url": url.rstrip("/") + "/ips",
        "interval": _positive(args, "interval", DEFAULT_INTERVAL),
        "timeout": _positive(args, "timeout", DEFAULT_TIMEOUT),
        "emit_initial": _bool(args, "emit_initial", False),
    }


def fetch_ranges(url: str, timeout: float) -> dict[str, Any]:
    """GET ``url`` (Cloudflare's ``/ips``); return ``{etag, ipv4_cidrs, ipv6_cidrs}`` or raise PollError."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"}, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) checked)
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise PollError(f"HTTP {exc.code} from {url}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise PollError(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PollError(f"the answer of {url} is not JSON") from None
    if not isinstance(payload, dict) or payload.get("success") is not True:
        errors = payload.get("errors") if isinstance(payload, dict) else None
        raise PollError(f"{url} answered success=false: {errors!r}")
    result = payload.get("result")
    if not isinstance(result, dict) or not isinstance(result.get("etag"), str) or not result["etag"]:
        raise PollError(f"the answer of {url} has no etag")
    ipv4, ipv6 = result.get("ipv4_cidrs"), result.get("ipv6_cidrs")
    if not isinstance(ipv4, list) or not isinstance(ipv6, list):
        raise PollError(f"the answer of {url} has no ipv4_cidrs / ipv6_cidrs lists")
    return {"etag": result["etag"], "ipv4_cidrs": list(ipv4), "ipv6_cidrs": list(ipv6)}


class EtagWatch:
    """The change detection: one event per etag change, none for the baseline (unless emit_initial)."""

    def __init__(self, emit_initial: bool = False) -> None:
        self.etag: str | None = None
        self.emit_initial = emit_initial

    def observe(self, ranges: dict[str, Any]) -> dict[str, Any] | None:
        """The event for ``ranges`` (a successful poll), or None when nothing changed."""
        previous, self.etag = self.etag, ranges["etag"]
        if previous is None and not self.emit_initial:
            LOGGER.info("cloudflare_ips: baseline etag %s (no event)", ranges["etag"])
            return None
        if previous == ranges["etag"]:
            return None
        LOGGER.info("cloudflare_ips: etag %s -> %s", previous, ranges["etag"])
        return {"cloudflare_ips": dict(ranges, previous_etag=previous)}


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    """Poll Cloudflare's ``/ips`` every ``interval`` seconds; put an event on ``queue`` when its etag changes."""
    options = parse_args(args)
    watch = EtagWatch(options["emit_initial"])
    while True:
        try:
            ranges = await asyncio.to_thread(fetch_ranges, options["url"], options["timeout"])
        except PollError as exc:
            LOGGER.warning("cloudflare_ips: poll failed, retrying in %gs: %s", options["interval"], exc)
        else:
            event = watch.observe(ranges)
            if event is not None:
                await queue.put(event)
        await asyncio.sleep(options["interval"])


if __name__ == "__main__":
    # Run directly: print the events (python cloudflare_ips.py [api_base_url]).
    import sys

    class MockQueue(asyncio.Queue[Any]):
        """A fake queue that prints the events."""

        async def put(self, event: dict[str, Any]) -> None:
            print(json.dumps(event))  # noqa: T201

    logging.basicConfig(level=logging.INFO)
    base = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_API_BASE_URL
    asyncio.run(main(MockQueue(), {"api_base_url": base, "interval": 10, "emit_initial": True}))
