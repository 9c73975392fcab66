# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation site `make docs` builds (build/docs/html), opened in a real headless Chromium.

What a reader sees, not what the HTML happens to contain: every module of plugins/modules has a page that loads and
shows its options table with each top-level option of its DOCUMENTATION, and an Examples section with the module's
code; every filter of plugins/filter (the names of each file's ``filters()`` dict) has a page that shows the
description of its plugins/filter/<name>.yml and an Examples section that uses it; every role has a page with the
options of each entry point of its meta/argument_specs.yml; every playbook of playbooks/ has a page with its runbook
from README.md; the index links them all. The lists come from the repository, so a new module, filter, role, entry
point, option or playbook without its page fails here.

The site is served on a free port of 127.0.0.1 (http.server in a thread), and a page that loads anything from
elsewhere fails. One browser and one tab for all pages. `make docs-check` builds the site first; run alone (`pytest
tests`), the first test builds it with tools/docs/build.sh when build/docs/html is missing, once across pytest-xdist
workers, and fails with the build's output when the build fails. It never skips.
"""

from __future__ import annotations

import ast
import fcntl
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "docs" / "html"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUNBOOK_HEADING = re.compile(r"^#{2,3} Runbook: (?P<title>.+?) \((?P<playbook>[A-Za-z0-9_]+)\.yml\)\s*$", re.M)


# --- What the repository declares -------------------------------------------------------------------------------


def _documentation(module: Path) -> dict:
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            return yaml.safe_load(ast.literal_eval(node.value))
    raise AssertionError(f"{module.relative_to(ROOT)} has no DOCUMENTATION")


MODULES = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__")


def _filter_names(path: Path) -> list[str]:
    """The keys of the dict that ``FilterModule.filters()`` of a plugins/filter file returns (read, not imported):
    a dict, or one dict passed to ``filters_naming_their_input`` (plugins/plugin_utils/filter_input.py)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and node.name == "filters":
            returned = [n.value for n in ast.walk(node) if isinstance(n, ast.Return)]
            assert len(returned) == 1, f"{path.name}: filters() returns in more than one place"
            value = returned[0]
            if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "filters_naming_their_input":
                value = value.args[0] if len(value.args) == 1 else None
            assert isinstance(value, ast.Dict), f"{path.name}: filters() does not return one dict"
            return [ast.literal_eval(key) for key in value.keys]
    raise AssertionError(f"{path.relative_to(ROOT)} has no FilterModule.filters()")


FILTERS = sorted(name for path in (ROOT / "plugins" / "filter").glob("*.py") for name in _filter_names(path))
ROLES = sorted(path.parent.parent.name for path in (ROOT / "roles").glob("*/meta/argument_specs.yml"))
PLAYBOOKS = sorted(path.stem for path in (ROOT / "playbooks").glob("*.yml"))


def _module_options(name: str) -> list[str]:
    return sorted(_documentation(ROOT / "plugins" / "modules" / f"{name}.py").get("options") or {})


def _filter_documentation(name: str) -> dict:
    return yaml.safe_load((ROOT / "plugins" / "filter" / f"{name}.yml").read_text(encoding="utf-8"))["DOCUMENTATION"]


# Semantic markup as the pages show it: C(x), V(x), I(x), B(x), E(x), M(x) -> x; O(x) and RV(x) -> the option, with
# its value when it has one (O(state=absent)), without the plugin it belongs to (O(fqcn#module:state)); P(fqcn#type)
# -> fqcn; L(text, url) -> text; U(url) -> url.
MARKUP = re.compile(r"\b(?P<kind>RV|[CVIBEMOPLU])\((?P<body>[^)]*)\)")


def _plain(text: str) -> str:
    def shown(match):
        kind, body = match["kind"], match["body"]
        if kind in ("O", "RV"):
            return body.split(":", 1)[1] if "#" in body.split("=", 1)[0] else body
        if kind == "P":
            return body.split("#", 1)[0]
        if kind == "L":
            return body.rsplit(",", 1)[0].strip()
        return body

    return " ".join(MARKUP.sub(shown, text).split())


def _entry_points(role: str) -> dict[str, list[str]]:
    specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    return {entry: sorted(spec.get("options") or {}) for entry, spec in specs["argument_specs"].items()}


def _runbooks() -> dict[str, str]:
    """README runbook sections by playbook: the text of the section's **When** paragraph, without Markdown."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = list(RUNBOOK_HEADING.finditer(readme))
    runbooks = {}
    for heading in headings:
        body = readme[heading.end() :]
        when = re.search(r"\*\*When\*\*:?(.+?)(?:\n\n|$)", body, re.S)
        assert when, f"README.md, runbook of {heading['playbook']}.yml: no **When** paragraph"
        # Markdown links show their text only.
        plain = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", when.group(1))
        runbooks[heading["playbook"]] = " ".join(re.sub(r"[`*]", "", plain).split())
    return runbooks


# --- The site in a browser --------------------------------------------------------------------------------------


def _build_site_if_missing():
    """Build the site with tools/docs/build.sh (what `make docs` runs) unless it is there; one build at a time across
    pytest-xdist workers (a lock in build/, which the build itself does not remove)."""
    lock_path = ROOT / "build" / "docs-site.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (SITE / "index.html").is_file():
            return
        proc = subprocess.run(
            ["bash", str(ROOT / "tools" / "docs" / "build.sh")],
            cwd=ROOT,
            env=dict(os.environ, VENV_BIN=os.path.dirname(sys.executable)),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if proc.returncode != 0 or not (SITE / "index.html").is_file():
            output = (proc.stdout + proc.stderr)[-6000:]
            pytest.fail(f"tools/docs/build.sh (make docs) failed, rc {proc.returncode}:\n{output}", pytrace=False)


@pytest.fixture(scope="module")
def site_url():
    _build_site_if_missing()
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)  # pylint: disable=redefined-builtin
        pass


@pytest.fixture(scope="module")
def page(site_url):
    if not (Path(CHROMIUM).is_file() or shutil.which("chromium")):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context()
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        tab.site_url = site_url
        # The site must be complete offline: every request a page makes (style sheets, scripts, fonts, images) goes to
        # the local server. Recorded, not intercepted: routing every request through Playwright doubled the time.
        tab.elsewhere = []
        context.on("request", lambda request: _record_elsewhere(tab, site_url, request.url))
        yield tab
        browser.close()


def _record_elsewhere(tab, site_url: str, url: str) -> None:
    if not url.startswith(f"{site_url}/"):
        tab.elsewhere.append(url)


def _open(page, path: str):
    page.elsewhere.clear()
    response = page.goto(f"{page.site_url}/{path}", wait_until="load")
    assert response is not None and response.status == 200, f"{path}: HTTP {response.status if response else None}"
    assert not page.elsewhere, f"{path} loads resources from outside the site: {page.elsewhere}"
    return page


# --- Tests ------------------------------------------------------------------------------------------------------


def test_the_repository_has_modules_roles_and_playbooks():
    # Guards the discovery itself: an empty list would make every parametrized test below vanish.
    assert len(MODULES) >= 20 and len(FILTERS) >= 30 and len(ROLES) >= 5 and len(PLAYBOOKS) >= 5, (
        MODULES,
        FILTERS,
        ROLES,
        PLAYBOOKS,
    )


# What a reader sees on a module page, read in one round trip: the title, the options the options table shows, and
# the Examples section with its first code block (only elements the browser lays out as visible).
MODULE_PAGE = """() => {
    const visible = (e) => e !== null && e.checkVisibility();
    const table = document.querySelector("section#parameters table.ansible-option-table");
    const examples = document.querySelector("section#examples");
    const heading = examples && examples.querySelector("h2");
    const code = examples && examples.querySelector("div.highlight pre");
    return {
        title: document.querySelector("h1").innerText,
        table: visible(table),
        options: table ? [...document.querySelectorAll("section#parameters .ansible-option-title")]
            .filter(visible).map((e) => e.innerText.trim()) : [],
        examples: visible(heading) ? heading.innerText : null,
        code: visible(code) ? code.innerText : null,
    };
}"""


@pytest.mark.parametrize("module", MODULES)
def test_module_page_shows_options_and_examples(page, module):
    shown = _open(page, f"{module}_module.html").evaluate(MODULE_PAGE)
    assert f"rocketclub.platform.{module} module" in shown["title"], shown["title"]
    assert shown["table"], f"{module}: no visible options table"
    missing = [option for option in _module_options(module) if option not in shown["options"]]
    assert not missing, f"{module}: options of DOCUMENTATION not shown in the options table: {missing}"
    assert shown["examples"] and shown["examples"].startswith("Examples"), f"{module}: no visible Examples section"
    assert shown["code"], f"{module}: Examples section without a visible code block"
    assert f"rocketclub.platform.{module}" in shown["code"], f"{module}: the examples do not use the module"


# What a reader sees on a filter page, in one round trip: the title, the Synopsis text, and the Examples section with
# its first code block (only elements the browser lays out as visible).
FILTER_PAGE = """() => {
    const visible = (e) => e !== null && e.checkVisibility();
    const synopsis = document.querySelector("section#synopsis");
    const examples = document.querySelector("section#examples");
    const heading = examples && examples.querySelector("h2");
    const code = examples && examples.querySelector("div.highlight pre");
    return {
        title: document.querySelector("h1").innerText,
        synopsis: visible(synopsis) ? synopsis.innerText : null,
        examples: visible(heading) ? heading.innerText : null,
        code: visible(code) ? code.innerText : null,
    };
}"""


@pytest.mark.parametrize("name", FILTERS)
def test_filter_page_shows_description_and_examples(page, name):
    shown = _open(page, f"{name}_filter.html").evaluate(FILTER_PAGE)
    assert f"rocketclub.platform.{name} filter" in shown["title"], shown["title"]
    assert shown["synopsis"], f"{name}: no visible Synopsis"
    synopsis = " ".join(shown["synopsis"].split())
    description = _filter_documentation(name)["description"]
    missing = [
        text
        for text in map(_plain, [description] if isinstance(description, str) else description)
        if text not in synopsis
    ]
    assert not missing, f"{name}: the description of plugins/filter/{name}.yml is not on the page: {missing}"
    assert shown["examples"] and shown["examples"].startswith("Examples"), f"{name}: no visible Examples section"
    assert shown["code"], f"{name}: Examples section without a visible code block"
    assert f"rocketclub.platform.{name}" in shown["code"], f"{name}: the examples do not use the filter"


@pytest.mark.parametrize("role", ROLES)
def test_role_page_shows_every_entry_point_with_its_options(page, role):
    _open(page, f"{role}_role.html")
    assert f"rocketclub.platform.{role} role" in page.locator("h1").first.inner_text()
    headings = page.eval_on_selector_all("h2", "els => els.filter(e => e.checkVisibility()).map(e => e.innerText)")
    # Each option row: an anchor parameter-<entry point>--<option> followed by the option's title (one round trip).
    rows = dict(
        page.eval_on_selector_all(
            "table.ansible-option-table .ansibleOptionAnchor[id^='parameter-']",
            """els => els.map(e => [e.id, e.nextElementSibling && e.nextElementSibling.checkVisibility()
                                    ? e.nextElementSibling.innerText.trim() : null])""",
        )
    )
    for entry_point, options in _entry_points(role).items():
        assert any(re.match(rf"Entry point {re.escape(entry_point)}\b", heading) for heading in headings), (
            f"{role}: no visible heading for entry point {entry_point}"
        )
        missing = [option for option in options if rows.get(f"parameter-{entry_point}--{option}") != option]
        assert not missing, f"{role}: entry point {entry_point} does not show the options {missing}"


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_playbook_page_shows_its_runbook_from_the_readme(page, playbook):
    runbooks = _runbooks()
    assert playbook in runbooks, f"README.md has no runbook section for playbooks/{playbook}.yml"
    _open(page, f"docsite/playbook_{playbook}.html")
    assert f"rocketclub.platform.{playbook} playbook" in page.locator("h1").first.inner_text()
    runbook = page.locator("section#runbook")
    assert runbook.is_visible(), f"{playbook}: no visible Runbook section"
    text = " ".join(runbook.inner_text().split())
    assert runbooks[playbook] in text, f"{playbook}: the README's When paragraph is not on the page"
    assert "Undo" in text, f"{playbook}: no Undo in the runbook"
    assert runbook.locator("div.highlight pre").first.is_visible(), f"{playbook}: the runbook shows no command"


def test_index_links_every_module_filter_role_and_playbook(page):
    _open(page, "index.html")
    links = set(
        page.eval_on_selector_all(
            "div[role=main] a[href]", "els => els.filter(e => e.checkVisibility()).map(e => e.getAttribute('href'))"
        )
    )
    expected = [f"{module}_module.html" for module in MODULES] + [f"{role}_role.html" for role in ROLES]
    expected += [f"{name}_filter.html" for name in FILTERS]
    expected += [f"docsite/playbook_{playbook}.html" for playbook in PLAYBOOKS]
    missing = [href for href in expected if not any(link.split("#")[0] == href for link in links)]
    assert not missing, f"the index does not link: {missing}"
