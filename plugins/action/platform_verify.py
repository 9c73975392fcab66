# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of ``rocketclub.platform.platform_verify``: the controller's part of verify.yml.

1. ``skip`` is checked before anything is read: an unknown check name fails, listing the valid names.
2. ``declared_configuration``: unless skipped, ``ansible-playbook <site_playbook> --check`` runs on the controller
   with the inventory sources, extra vars and vault ids of this run (``ansible.context.CLIARGS``) and the
   ``ansible.posix.json`` stdout callback; every task it reports changed is drift.
3. The module evaluates every other check (read-only).
4. The JSON report (``report_json``: ``result`` pass / drift / error, the checks) and the JUnit XML report
   (``report_junit``) are written on the controller (mode 0600; no secret is in either), and, when the environment
   variable ``ROCKETCLUB_VERIFY_RESULT_FILE`` names a file, the one word of ``result`` (for ``tools/verify``).

The task never fails on drift: verify.yml's last task does, after printing the table.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time

from ansible.plugins.action import ActionBase

from ansible_collections.rocketclub.platform.plugins.module_utils import verify_checks as vc

ACTION_OPTIONS = ("report_json", "report_junit", "site_playbook", "site_check_timeout")
RESULT_FILE_ENV = "ROCKETCLUB_VERIFY_RESULT_FILE"


def cli_arguments():
    """The inventory, extra vars and vault arguments of this ansible-playbook run, to repeat them."""
    try:
        from ansible import context  # pylint: disable=import-outside-toplevel

        args = context.CLIARGS
    except ImportError:  # pragma: no cover
        return []
    argv = []
    for inventory in args.get("inventory") or ():
        argv += ["-i", inventory]
    for extra in args.get("extra_vars") or ():
        argv += ["-e", extra]
    for vault_id in args.get("vault_ids") or ():
        argv += ["--vault-id", vault_id]
    for password_file in args.get("vault_password_files") or ():
        argv += ["--vault-password-file", password_file]
    return argv


def changed_tasks(report):
    """``(changed task names, failure texts)`` of an ``ansible.posix.json`` report."""
    changed, failed = [], []
    for play in report.get("plays") or []:
        for task in play.get("tasks") or []:
            name = (task.get("task") or {}).get("name") or "?"
            for host, outcome in (task.get("hosts") or {}).items():
                if outcome.get("failed") and not outcome.get("ignore_errors"):
                    failed.append(f"{host}: {name}: {str(outcome.get('msg', ''))[:300]}")
                elif outcome.get("changed") and name not in changed:
                    changed.append(name)
    return changed, failed


def declared_configuration(playbook, timeout, runner=subprocess.run):
    """Run ``site.yml --check``; return ``(status, detail, resources)``."""
    command = [
        os.path.join(os.path.dirname(sys.argv[0]) or ".", "ansible-playbook")
        if os.path.basename(sys.argv[0]).startswith("ansible-playbook")
        else "ansible-playbook",
        playbook,
        "--check",
        *cli_arguments(),
    ]
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    env.pop(RESULT_FILE_ENV, None)
    started = time.monotonic()
    try:
        done = runner(
            command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return vc.ERROR, f"{os.path.basename(playbook)} --check did not finish within {timeout} s", []
    seconds = time.monotonic() - started
    try:
        report = json.loads(done.stdout[done.stdout.index("{") :])
    except ValueError:
        tail = (done.stderr or done.stdout or "").strip()[-400:]
        return vc.ERROR, f"{os.path.basename(playbook)} --check exited {done.returncode} without a report: {tail}", []
    changed, failed = changed_tasks(report)
    if failed or (done.returncode not in (0,) and not changed):
        return vc.ERROR, f"{os.path.basename(playbook)} --check failed: {'; '.join(failed) or done.returncode}", []
    if changed:
        return vc.FAIL, f"site.yml would change {len(changed)} task(s): {'; '.join(changed)}", changed
    return vc.PASS, f"site.yml --check would change nothing ({seconds:.0f} s)", []


def write(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(text)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        options = {key: args.pop(key, None) for key in ACTION_OPTIONS}
        skip = args.get("skip") or []
        if isinstance(skip, str):
            skip = [s.strip() for s in skip.split(",") if s.strip()]
        if not isinstance(skip, list) or vc.unknown_checks(skip):
            result.update(
                failed=True, msg=vc.unknown_checks_message("verify_skip", skip if isinstance(skip, list) else [skip])
            )
            return result
        args["skip"] = skip

        checks = []
        module = self._execute_module(
            module_name="rocketclub.platform.platform_verify", module_args=args, task_vars=task_vars
        )
        if module.get("failed"):
            checks = [vc.result(n, vc.ERROR, module.get("msg", "module failed")) for n in vc.CHECK_NAMES]
        else:
            checks = list(module.get("checks") or [])
        if "declared_configuration" in skip:
            controller = vc.result("declared_configuration", vc.SKIP, "skipped by verify_skip")
        elif module.get("failed"):
            controller = vc.result("declared_configuration", vc.ERROR, "not run: the module failed")
        else:
            status, detail, resources = declared_configuration(
                options["site_playbook"] or "playbooks/site.yml", int(options["site_check_timeout"] or 900)
            )
            controller = vc.result("declared_configuration", status, detail, resources)
        checks = [c for c in checks if c["name"] != "declared_configuration"] + [controller]
        checks.sort(key=lambda c: vc.CHECK_NAMES.index(c["name"]))
        outcome = vc.overall(checks)
        timestamp = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
        env = args.get("env", "")
        report = {"result": outcome, "environment": env, "edge": args.get("edge", "cloudfront"), "time": timestamp}
        report["checks"] = checks
        written = []
        if options["report_json"]:
            write(options["report_json"], json.dumps(report, indent=2, sort_keys=True) + "\n")
            written.append(options["report_json"])
        if options["report_junit"]:
            write(options["report_junit"], vc.junit_xml(checks, f"platform_verify {env}".strip(), timestamp))
            written.append(options["report_junit"])
        if os.environ.get(RESULT_FILE_ENV):
            write(os.environ[RESULT_FILE_ENV], outcome + "\n")
        result.update(
            changed=False,
            checks=checks,
            result=outcome,
            table=vc.table(checks),
            reports=written,
            failed_checks=[c["name"] for c in checks if c["status"] == vc.FAIL],
            error_checks=[c["name"] for c in checks if c["status"] == vc.ERROR],
        )
        if module.get("failed"):
            result.update(failed=True, msg=module.get("msg"))
        return result
