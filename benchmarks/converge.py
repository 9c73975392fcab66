# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge benchmark of the local platform. Prints figures; passes or fails nothing.

For a private local cloud on free ports it measures three runs of playbooks/site.yml against
inventories/local: a fresh converge, a no-op converge and a --check run. For each it prints the wall
time, the task recap and the AWS API calls the local cloud received, by service and operation.

    make bench            # or: PYTHONPATH=tools .venv/bin/python benchmarks/converge.py [--json FILE]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tools"))

from localcloud.testing import running  # noqa: E402  pylint: disable=wrong-import-position

RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)", re.M)
RUNS = (("fresh converge", []), ("no-op converge", []), ("--check", ["--check"]))


def run_site(env, extra):
    """Run site.yml once; return (seconds, ok, changed, rc)."""
    env = dict(env, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    start = time.monotonic()
    proc = subprocess.run(
        [playbook, "playbooks/site.yml", "-i", "inventories/local"] + extra,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - start
    match = RECAP.search(proc.stdout)
    ok, changed = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if proc.returncode:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-2000:])
    return seconds, ok, changed, proc.returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    figures = []
    with tempfile.TemporaryDirectory() as state, running(state) as (cloud, env):
        cloud.seed_operator_secrets()  # the operator's step: the Kinde client secret is in place
        for label, extra in RUNS:
            cloud.clear_requests()
            seconds, ok, changed, rc = run_site(env, extra)
            calls = cloud.requests()
            by_op = collections.Counter(f"{c['service']}:{c['operation']}" for c in calls)
            figures.append(
                {
                    "run": label,
                    "seconds": round(seconds, 1),
                    "tasks_ok": ok,
                    "changed": changed,
                    "rc": rc,
                    "api_calls": len(calls),
                    "write_calls": sum(1 for c in calls if c["write"]),
                    "calls_by_operation": dict(sorted(by_op.items())),
                }
            )

    print(f"{'run':<16}{'seconds':>9}{'tasks':>7}{'changed':>9}{'API calls':>11}{'writes':>8}")
    for fig in figures:
        print(
            f"{fig['run']:<16}{fig['seconds']:>9}{fig['tasks_ok']:>7}{fig['changed']:>9}"
            f"{fig['api_calls']:>11}{fig['write_calls']:>8}"
        )
    for fig in figures:
        print(f"\nAPI calls of the {fig['run']} by operation:")
        for operation, count in fig["calls_by_operation"].items():
            print(f"  {count:>4}  {operation}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
