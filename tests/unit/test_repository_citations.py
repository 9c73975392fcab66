# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No comment or doc of the repository cites a file the repository does not contain.

A maintainer who clones the repository has only what is in it: a comment that says "see source
document 001" or "the cross-role contract of ARCHITECTURE.md", or a Markdown link to a file that is not
there, is a dead end. The platform facts live in docs/platform.md, the collection's architecture in
docs/ARCHITECTURE.md; comments point there (or state the fact).

Checked: every file git knows (tracked, or new and not ignored) ending in .py, .yml, .yaml, .md, .cfg,
.ini, .txt, .j2, and every Makefile.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = {".py", ".yml", ".yaml", ".md", ".cfg", ".ini", ".txt", ".j2"}
SKIP_DIRS = {".git", ".venv", ".collections", ".localcloud", "output", "__pycache__", ".pytest_cache"}
THIS_FILE = Path(__file__).resolve()

# Citations of documents that were never part of the repository (the design notes and the platform
# descriptions the project started from). "--seed 7" (the local cloud's throttle seed) is no citation.
OUTSIDE_DOCUMENTS = [
    (re.compile(r"\bsource documents?\b", re.I), "a 'source document'"),
    (re.compile(r"\b(?:seed|document)s?(?:'s)? (?:\d{3}\b|and \d{3}\b)", re.I), "a numbered seed/document"),
    (re.compile(r"(?<![-\w/])seeds?/", re.I), "a seeds/ directory"),
    (re.compile(r"(?<![-\w])the seeds?\b", re.I), "'the seed'"),
    (re.compile(r"(?<![-\w])seed's\b", re.I), "'the seed's'"),
    (re.compile(r"\.\./shared\b"), "../shared"),
    (re.compile(r"(?<![\w.])/work/(?:shared|notes)\b"), "a path of the machine the project was built on"),
]
# File names that exist only outside the repository unless a path to them resolves inside it.
NAMED_FILES = re.compile(r"[\w./-]*\b(?:ARCHITECTURE|NOTES|STYLE)\.md\b")
MARKDOWN_LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.M | re.S)


def repository_files():
    """The text files to check, relative to the repository root."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout.decode()
        names = [n for n in listed.split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for base, dirs, files in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
            names += [os.path.relpath(os.path.join(base, f), ROOT) for f in files]
    for name in sorted(set(names)):
        path = ROOT / name
        if not path.is_file() or path.resolve() == THIS_FILE:
            continue
        if path.suffix in SUFFIXES or path.name == "Makefile":
            yield Path(name)


def _inside(path):
    try:
        path.resolve().relative_to(ROOT)
    except ValueError:
        return False
    return True


def _resolves(target, relpath):
    """True when ``target`` names a file or directory of the repository, relative to the citing file or to
    the repository root."""
    for base in (ROOT / relpath.parent, ROOT):
        candidate = base / target
        if _inside(candidate) and candidate.exists():
            return True
    return False


def citations(text, relpath):
    """``[(line number, what, line)]`` for every citation of a file outside the repository in ``text``."""
    found = []
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        for pattern, what in OUTSIDE_DOCUMENTS:
            if pattern.search(line):
                found.append((number, what, line.strip()))
        for match in NAMED_FILES.finditer(line):
            name = match.group(0)
            if not _resolves(name[2:] if name.startswith("./") else name, relpath):
                found.append((number, f"{name}, which the repository does not contain", line.strip()))
    if relpath.suffix == ".md":
        prose = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
        for match in MARKDOWN_LINK.finditer(prose):
            target = match.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
                continue
            path = target.split("#", 1)[0].split("?", 1)[0]
            if not path:
                continue
            candidate = (ROOT / relpath.parent / path) if not path.startswith("/") else ROOT / path.lstrip("/")
            if not (_inside(candidate) and candidate.exists()):
                number = prose.count("\n", 0, match.start()) + 1
                what = f"a link to {target}, which the repository does not contain"
                found.append((number, what, lines[number - 1].strip()))
    return found


def test_no_citation_of_a_file_outside_the_repository():
    problems = []
    checked = 0
    for relpath in repository_files():
        checked += 1
        text = (ROOT / relpath).read_text(encoding="utf-8", errors="replace")
        problems += [f"{relpath}:{n}: {what}: {line}" for n, what, line in citations(text, relpath)]
    assert checked > 100, f"only {checked} files found under {ROOT}: the file list is wrong"
    assert not problems, (
        "comments and docs cite files the repository does not contain; state the fact or point to a section of "
        "docs/platform.md or docs/ARCHITECTURE.md instead:\n" + "\n".join(problems)
    )


@pytest.mark.parametrize(
    "text, path",
    [
        ("# Secrets Manager entries (source document 001).", "roles/secrets/defaults/main.yml"),
        ("# The seed's runbook steps 2-3", "tests/integration/test_site.py"),
        ("description: Maximum TTL (one year, seed 003).", "roles/cloudfront/meta/argument_specs.yml"),
        ("the security groups of document 003's table", "roles/network/README.md"),
        ("# the cross-role contract of ARCHITECTURE.md (platform_<role>)", "roles/dns/tasks/main.yml"),
        ("see NOTES.md and STYLE.md", "README.md"),
        ("the documents are in ../shared/seeds", "README.md"),
        ("see seeds/000_networking.txt", "README.md"),
        ("See [the design](../design/ARCHITECTURE.md).", "docs/platform.md"),
        ("See [the runbook](docs/runbook-that-is-not-there.md#park).", "README.md"),
    ],
)
def test_a_citation_is_found(text, path):
    assert citations(text, Path(path)), f"not reported: {text!r}"


@pytest.mark.parametrize(
    "text, path",
    [
        ("# the cross-role contract (platform_<role>, docs/ARCHITECTURE.md)", "roles/dns/tasks/main.yml"),
        ("[docs/platform.md](../../docs/platform.md#secrets)", "roles/secrets/README.md"),
        ("[ARCHITECTURE.md](ARCHITECTURE.md), [check mode](check_mode.md#placeholders)", "docs/platform.md"),
        ("python -m localcloud config [--throttle 0.3] [--seed 7]", "tools/localcloud/README.md"),
        ("`python -m localcloud up/down/status/seed/config`", "docs/ARCHITECTURE.md"),
        ("`make local-seed` puts the local Kinde client secret in", "README.md"),
        (
            "[CreateSecret](https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html)",
            "README.md",
        ),
        ("```\n[x](not-a-link-in-code)\n```", "README.md"),
    ],
)
def test_no_false_citation(text, path):
    assert not citations(text, Path(path))
