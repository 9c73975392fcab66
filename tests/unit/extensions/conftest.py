# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the Event-Driven Ansible tests: the Cloudflare emulator on a free port, the plugin loader, and the
ansible-rulebook command (with the Java runtime it needs)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import threading

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir))
TOOLS = os.path.join(REPO, "tools")
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)
EDA = os.path.join(REPO, "extensions", "eda")


def _load_source(name):
    """Import the event source plugin ``extensions/eda/plugins/event_source/<name>.py`` as a module."""
    path = os.path.join(EDA, "plugins", "event_source", name + ".py")
    spec = importlib.util.spec_from_file_location("eda_source_" + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Cloudflare:
    """The Cloudflare emulator served on a free port; ``answers`` holds raw bodies (bytes) that the next requests
    get instead of the emulator's answer, with status 200 (what a broken proxy or API could send)."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.answers = []
        self.url = None

    def __call__(self, environ, start_response):
        if self.answers:
            body = self.answers.pop(0)
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return self.emulator(environ, start_response)

    def ips_polls(self):
        """The status of each GET /ips the emulator answered, in order."""
        return [e["status"] for e in self.emulator.log if e["method"] == "GET" and e["path"] == "/client/v4/ips"]


@pytest.fixture
def cloudflare():
    """The Cloudflare emulator alone (no AWS, no Kinde) on a free port of 127.0.0.1, as a ``Cloudflare``."""
    from werkzeug.serving import make_server

    from localcloud.cloudflare_api import CloudflareEmulator

    app = Cloudflare(CloudflareEmulator())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.url = f"http://127.0.0.1:{server.server_port}/client/v4"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def cloudflare_ips():
    """The event source plugin rocketclub.platform.cloudflare_ips, imported from its file."""
    return _load_source("cloudflare_ips")


@pytest.fixture(scope="session")
def rulebook():
    """(argv prefix, environment) running ansible-rulebook of this virtualenv with a Java 17 runtime.

    ansible-rulebook and drools_jpy are pinned test requirements and Java is a documented system requirement of
    the test suite: a missing one fails the test with the fix, it is never skipped."""
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-rulebook")
    assert os.path.exists(binary), f"{binary} is missing: install the pinned test requirements (make venv-test)"
    env = dict(os.environ)
    # ansible-rulebook finds collections (sources of a rulebook, `rocketclub.platform.*`) with ansible-galaxy.
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(REPO, ".collections"))
    if not env.get("JAVA_HOME"):
        java = shutil.which("java")
        assert java, (
            "ansible-rulebook needs a Java 17 runtime and none is on PATH: install it "
            "(apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
        )
        env["JAVA_HOME"] = os.path.dirname(os.path.dirname(os.path.realpath(java)))
    return [binary], env
