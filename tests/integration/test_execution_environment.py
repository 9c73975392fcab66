# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment, built the way its Containerfile builds it, minus the container.

`make ee` writes the build context (execution-environment.yml, docs/execution-environment.md). This machine has no
podman or docker, so the test does the Containerfile's stages itself, from that context only:

1. base: a new virtualenv with the definition's ansible-core and ansible-runner pins, nothing else;
2. galaxy: that virtualenv's ansible-galaxy installs the context's requirements.yml: the collection tarball `make ee`
   built (where the Containerfile's COPY puts it) and the pinned dependency collections. Galaxy is not reachable
   here, so they come from the `ansible` package of the test virtualenv, after checking that it bundles exactly the
   pinned versions; `--offline`, so the tarball's own dependencies must resolve to those;
3. builder: the context's introspect.py merges the collections' declared Python and system requirements with the
   definition's pins; pip installs the result into the virtualenv;
4. the local platform converges by FQCN from that virtualenv, outside the checkout, with only the installed
   collections on the path; a second run changes nothing.

The converged platform is then this worker's shared converge (Platform.converged()): the files that follow on the
worker run the checkout's playbooks against the state the installed collection built.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONTEXT = os.path.join(REPO, "build", "ee", "context")
PIP = ("-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile")
# What the execution node must not carry: the development and test tools, and the `ansible` package (whose
# collections would hide a missing dependency).
NOT_IN_THE_IMAGE = ("ansible", "ansible-lint", "molecule", "pytest", "moto", "ruff", "ansible-builder")


def run(command, **kwargs):
    proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600, **kwargs)
    assert proc.returncode == 0, f"{command} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def bundled_version(namespace, name):
    """The version of a collection in the test virtualenv's `ansible` package."""
    import ansible_collections  # pylint: disable=import-outside-toplevel

    for root in ansible_collections.__path__:
        manifest = os.path.join(root, namespace, name, "MANIFEST.json")
        if os.path.exists(manifest):
            with open(manifest, encoding="utf-8") as handle:
                return json.load(handle)["collection_info"]["version"], os.path.dirname(manifest)
    raise AssertionError(f"{namespace}.{name} is not in the test virtualenv's ansible package")


@pytest.fixture(scope="module")
def definition():
    with open(os.path.join(REPO, "execution-environment.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def context():
    """`make ee`, as a user runs it."""
    run(["make", "-s", "ee"], cwd=REPO, env=dict(os.environ, MAKEFLAGS="", MAKELEVEL=""))
    return CONTEXT


@pytest.fixture(scope="module")
def image(tmp_path_factory, definition, context):
    """The virtualenv and collections path the Containerfile's stages would put into the image."""
    root = tmp_path_factory.mktemp("ee")
    venv, collections = str(root / "venv"), str(root / "collections")
    python = os.path.join(venv, "bin", "python")
    # base
    run([sys.executable, "-m", "venv", venv])
    deps = definition["dependencies"]
    run([python, *PIP, deps["ansible_core"]["package_pip"], deps["ansible_runner"]["package_pip"]])
    # galaxy: the Containerfile's COPY of the tarball, then requirements.yml with the dependencies from the ansible
    # package at their pinned versions.
    copy = "COPY _build/collections/ /tmp/rocketclub/"
    assert definition["additional_build_steps"]["prepend_galaxy"] == [copy]
    with open(os.path.join(context, "_build", "requirements.yml"), encoding="utf-8") as handle:
        wanted = yaml.safe_load(handle)["collections"]
    local = []
    for entry in wanted:
        if entry.get("type") == "file":
            assert entry["name"].startswith("/tmp/rocketclub/"), entry
            local.append({"name": os.path.join(context, "_build", "collections", entry["name"][16:]), "type": "file"})
            continue
        namespace, name = entry["name"].split(".")
        version, path = bundled_version(namespace, name)
        assert entry["version"] == f"=={version}", (
            f"execution-environment.yml pins {entry['name']} {entry['version']}; the tested ansible package "
            f"bundles {version}: pin =={version}"
        )
        local.append({"name": path, "type": "dir"})
    requirements = root / "requirements.yml"
    requirements.write_text(yaml.safe_dump({"collections": local}), encoding="utf-8")
    galaxy_env = {name: value for name, value in os.environ.items() if name != "ANSIBLE_CONFIG"}
    galaxy_env["ANSIBLE_COLLECTIONS_PATH"] = collections
    galaxy = os.path.join(venv, "bin", "ansible-galaxy")
    run([galaxy, "collection", "install", "--offline", "-r", str(requirements), "-p", collections],
        env=galaxy_env, cwd=str(root))  # fmt: skip
    # builder: introspect (it needs bindep, pyyaml and packaging, which the builder stage installs: the test
    # virtualenv has them), then install what it wrote.
    pip_out, bindep_out = str(root / "requirements.txt"), str(root / "bindep.txt")
    introspect = os.path.join(context, "_build", "scripts", "introspect.py")
    user_pip = os.path.join(context, "_build", "requirements.txt")
    run([sys.executable, introspect, "introspect", f"--user-pip={user_pip}", f"--write-pip={pip_out}",
         f"--write-bindep={bindep_out}", collections])  # fmt: skip
    run([python, *PIP, "-r", pip_out])
    return {"root": str(root), "venv": venv, "collections": collections, "pip": pip_out, "bindep": bindep_out,
            "galaxy_env": galaxy_env}  # fmt: skip


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith("#")]


def test_the_collection_declares_its_python_requirements_and_no_system_package(image):
    pip = read_lines(image["pip"])
    ours = [line for line in pip if "rocketclub.platform" in line]
    # Exactly what meta/ee-requirements.txt declares, through meta/execution-environment.yml.
    declared = read_lines(os.path.join(REPO, "meta", "ee-requirements.txt"))
    assert sorted(line.split("#")[0].strip() for line in ours) == sorted(declared), pip
    assert {line.split("=")[0].split(">")[0] for line in declared} == {"boto3", "botocore", "mitogen"}
    # meta/ee-bindep.txt declares no system package (the dependency collections declare their own).
    assert [line for line in read_lines(image["bindep"]) if "rocketclub.platform" in line] == []


def pins_of(lines):
    """``{name: version}`` of the ``name==version`` lines among ``lines`` (names lower-cased)."""
    return {line.split("==")[0].lower(): line.split("==")[1] for line in lines if "==" in line}


def pins(path):
    return pins_of(read_lines(path))


def test_every_package_of_the_image_is_pinned_to_the_tested_version(image, definition):
    frozen = run([os.path.join(image["venv"], "bin", "python"), "-m", "pip", "freeze", "--all"])
    installed = {
        name: version for name, version in pins_of(frozen.splitlines()).items() if name not in ("pip", "setuptools")
    }
    deps = definition["dependencies"]
    wanted = pins(os.path.join(REPO, definition["dependencies"]["python"]))
    for package in (deps["ansible_core"]["package_pip"], deps["ansible_runner"]["package_pip"]):
        wanted[package.split("==")[0].lower()] = package.split("==")[1]
    assert installed == wanted, {"unpinned or different": sorted(set(installed.items()) ^ set(wanted.items()))}
    tested = pins(os.path.join(REPO, "constraints.txt"))
    assert {name: tested.get(name) for name in wanted} == wanted, "requirements-ee.txt differs from constraints.txt"


def test_the_image_holds_no_test_tool_nor_the_ansible_package(image):
    listed = json.loads(run([os.path.join(image["venv"], "bin", "python"), "-m", "pip", "list", "--format=json"]))
    names = {package["name"].lower() for package in listed}
    assert not names & set(NOT_IN_THE_IMAGE), sorted(names & set(NOT_IN_THE_IMAGE))
    installed = run([os.path.join(image["venv"], "bin", "ansible-galaxy"), "collection", "list", "--format=json"],
                    env=image["galaxy_env"], cwd=image["root"])  # fmt: skip
    # ansible-core's own internal collection (ansible._protomatter) aside.
    found = {
        path: sorted(collections)
        for path, collections in json.loads(installed).items()
        if not path.endswith("/site-packages/ansible/_internal/ansible_collections")
    }
    assert found == {
        os.path.join(image["collections"], "ansible_collections"): [
            "amazon.aws",
            "ansible.posix",
            "community.aws",
            "community.general",
            "rocketclub.platform",
        ]
    }


@pytest.fixture(scope="module")
def ee_converge(platform, image):
    platform.fresh_account()
    where = {"bin_dir": os.path.join(image["venv"], "bin"), "cwd": image["root"]}
    overrides = {"ANSIBLE_COLLECTIONS_PATH": image["collections"], "PYTHONPATH": None}
    inventory = os.path.join(REPO, "inventories", "local")
    first = platform.playbook("rocketclub.platform.site", "-v", inventory=inventory, env_overrides=overrides, **where)
    assert first.rc == 0 and first.failed == 0, first.tail()
    second = platform.playbook("rocketclub.platform.site", inventory=inventory, env_overrides=overrides, **where)
    # The platform as the checkout's converge leaves it: the next files on this worker share it.
    platform.shared_converge = first
    return first, second


def test_the_installed_collection_converges_the_local_platform_by_fqcn(platform, image, ee_converge):
    first, second = ee_converge
    # The run read the installed copy, not the checkout: the same loader configuration finds the collection's
    # modules under the collections path.
    env = dict(image["galaxy_env"], ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"))
    module = "rocketclub.platform.cloudflare_dns_record"
    doc = run([os.path.join(image["venv"], "bin", "ansible-doc"), "--json", module], env=env, cwd=image["root"])
    assert json.loads(doc)["rocketclub.platform.cloudflare_dns_record"]["doc"]["filename"].startswith(
        image["collections"]
    )
    # No warning on a clean run of the image's package set (ansible.cfg turns only the deprecation off).
    for each in (first, second):
        assert "Warning" not in each.output and "[WARNING]" not in each.output, each.tail()
    services = platform.client("ecs").list_services(cluster="rocketclub-local")["serviceArns"]
    assert sorted(arn.rsplit("/", 1)[1] for arn in services) == ["backstage", "prefect"]
    listeners = platform.client("elbv2").describe_load_balancers()["LoadBalancers"]
    assert [lb["LoadBalancerName"] for lb in listeners] == ["rocketclub-local"]
    assert platform.client("rds").describe_db_clusters()["DBClusters"][0]["Status"] == "available"
    with open(platform.outputs_file(), encoding="utf-8") as handle:
        assert json.load(handle)
    second.assert_noop()
