# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only ansible-rulebook event source: puts the events of a JSON file on the queue, in order, then ends.

Used by tests/unit/extensions/test_rulebooks.py in place of a rulebook's real source, so that the real rules
engine evaluates the rulebook's conditions on sample events. Arguments: ``file`` (a JSON list of events) and
``linger`` (seconds to wait before ending, so that the rules engine has matched every event)."""

import asyncio
import json


async def main(queue, args):
    with open(args["file"], encoding="utf-8") as handle:
        events = json.load(handle)
    for event in events:
        await queue.put(event)
    await asyncio.sleep(float(args.get("linger", 0.5)))
