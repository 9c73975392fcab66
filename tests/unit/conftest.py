# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Make ``ansible_collections.rocketclub.platform`` importable for plain ``pytest``.

Under ``ansible-test units`` the collection is already importable (ansible-test copies it into an
``ansible_collections/<namespace>/<name>`` tree), so nothing is done in that case.

For a plain ``python -m pytest tests/unit`` from a checkout we create
``<tmp>/ansible_collections/<namespace>/<name>`` as a symlink to the repository root and put
``<tmp>`` on ``sys.path``.  ``ansible_collections`` is a namespace package (no ``__init__.py``), so the
dependency collections installed by the ``ansible`` package in site-packages (amazon.aws,
community.aws, ...) keep resolving next to this collection.
"""

from __future__ import annotations

import atexit
import importlib
import os
import shutil
import sys
import tempfile

import pytest
import yaml

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# moto loads its catalogue of public AMIs (thousands of images) into every new EC2 region backend, about 0.2 s
# each time; the platform runs no instance, and no test reads an image.
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


def _collection_name():
    with open(os.path.join(REPO_ROOT, "galaxy.yml"), encoding="utf-8") as f:
        galaxy = yaml.safe_load(f)
    return galaxy["namespace"], galaxy["name"]


def _already_importable(namespace, name):
    try:
        module = importlib.import_module(f"ansible_collections.{namespace}.{name}")
    except ImportError:
        return False
    paths = [os.path.realpath(p) for p in getattr(module, "__path__", [])]
    return os.path.realpath(REPO_ROOT) in paths


def _install_collection_path():
    namespace, name = _collection_name()
    if _already_importable(namespace, name):
        return

    tmp_root = tempfile.mkdtemp(prefix="collection-unit-")
    atexit.register(shutil.rmtree, tmp_root, True)
    ns_dir = os.path.join(tmp_root, "ansible_collections", namespace)
    os.makedirs(ns_dir)
    os.symlink(REPO_ROOT, os.path.join(ns_dir, name))
    sys.path.insert(0, tmp_root)

    # A namespace package recomputes its __path__ when sys.path changes, but drop any cached
    # failed lookups of our namespace so the new location is seen.
    importlib.invalidate_caches()
    for mod in [
        m
        for m in sys.modules
        if m == f"ansible_collections.{namespace}" or m.startswith(f"ansible_collections.{namespace}.")
    ]:
        del sys.modules[mod]


_install_collection_path()


class FakeClock:
    """A monotonic clock that only ``sleep`` moves; ``sleeps`` records every sleep and ``on_sleep(now)``, when set,
    runs after each one (a test changes the cloud's state there). Hand ``clock`` and ``clock.sleep`` to
    ``waiting.Progress``/``waiting.poll`` (or a module's wait), or the clock itself as a module's ``time``
    (``monotonic``, ``sleep``), so that a wait costs no time."""

    def __init__(self, now=100.0):
        self.now = now
        self.sleeps = []
        self.on_sleep = None

    def __call__(self):
        return self.now

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep(self.now)


@pytest.fixture
def fake_clock():
    """A fresh ``FakeClock``."""
    return FakeClock()
