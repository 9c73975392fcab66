# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end: the real ansible-rulebook CLI runs extensions/eda/rulebooks/cloudflare_ranges_cli.yml (the
rocketclub.platform.cloudflare_ips source polling the Cloudflare emulator every second) against a private local
cloud; a change of Cloudflare's published ranges runs playbooks/sync_cloudflare_ranges.yml through run_playbook,
and the ALB security group, read back from the local cloud, then admits exactly the new ranges on 443.

The group is created directly with boto3 (name and tags of the network role), no converge. The inventory is
inventories/local with platform_edge: cloudflare."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time

import yaml

from localcloud.cloudflare_api import etag_of
from localcloud.testing import running

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir))
NEW_IPV4 = ["192.0.2.0/24", "198.51.100.0/24"]
NEW_IPV6 = ["2001:db8::/32"]


def wait_for(predicate, timeout, what, output):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; ansible-rulebook said:\n{''.join(output)}")


def test_range_change_syncs_the_alb_group(rulebook, alb_group, tmp_path):
    argv, rulebook_env = rulebook
    inventory = tmp_path / "inventory"
    shutil.copytree(os.path.join(REPO, "inventories", "local"), inventory, ignore=shutil.ignore_patterns(".platform"))
    (inventory / "group_vars" / "all" / "zz_edge.yml").write_text(yaml.safe_dump({"platform_edge": "cloudflare"}))
    # A private local cloud on free ports.
    with running(str(tmp_path / "localcloud")) as (client, env):
        ec2, group = alb_group.create(env)
        assert alb_group.ingress_443(ec2, group) == {"ipv4": [], "ipv6": []}
        variables = tmp_path / "vars.yml"
        variables.write_text(
            yaml.safe_dump({"cloudflare_api_base_url": env["LOCALCLOUD_CLOUDFLARE_URL"], "cloudflare_ips_interval": 1})
        )
        run_env = dict(
            rulebook_env,
            **{k: v for k, v in env.items() if k.startswith(("LOCALCLOUD_", "CLOUDFLARE_"))},
            ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
            ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".collections"),
            ANSIBLE_NOCOLOR="1",
        )
        proc = subprocess.Popen(
            argv
            + ["-r", "extensions/eda/rulebooks/cloudflare_ranges_cli.yml", "-i", str(inventory)]
            + ["-e", str(variables)],
            cwd=REPO,
            env=run_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        output = []
        reader = threading.Thread(target=lambda: output.extend(iter(proc.stdout.readline, "")), daemon=True)
        reader.start()

        def polls():
            return [r for r in client.cloudflare_requests() if r["path"].endswith("/ips")]

        try:
            wait_for(lambda: len(polls()) >= 1, 60, "the source's first poll (the baseline)", output)
            assert alb_group.ingress_443(ec2, group) == {"ipv4": [], "ipv6": []}  # the baseline emits nothing
            client.cloudflare_set_ips(NEW_IPV4, NEW_IPV6)
            wait_for(lambda: "PLAY RECAP" in "".join(output), 120, "the sync playbook to finish", output)
            wait_for(lambda: len(polls()) >= 4, 30, "three more polls", output)
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            reader.join(timeout=5)
        text = "".join(output)
        assert alb_group.ingress_443(ec2, group) == {"ipv4": NEW_IPV4, "ipv6": NEW_IPV6}, text
        # One change, one run (the polls after it saw the same etag), which read the new ranges.
        assert text.count("PLAY RECAP") == 1, text
        assert "failed=0" in text and "unreachable=0" in text, text
        assert f"event_etag: {etag_of(NEW_IPV4, NEW_IPV6)}" in text, text
        assert "Traceback" not in text, text
