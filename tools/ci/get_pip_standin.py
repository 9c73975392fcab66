# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for ansible-test's get-pip bootstrap script.

ansible-test downloads get-pip-<version>.py from a CI file host this machine cannot reach; it first
looks for a cached copy under ~/.ansible/test/cache/. tools/ci/sanity.sh installs this file there.
It bootstraps pip with ensurepip and then installs what ansible-test asked for (pip==<version>,
setuptools, wheel) from the configured package index.
"""

import subprocess
import sys

GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}


def main():
    """Run ensurepip, then pip install with the bootstrap arguments."""
    args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY_OPTIONS]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + args)


if __name__ == "__main__":
    main()
