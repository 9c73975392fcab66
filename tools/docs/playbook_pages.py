# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write one reStructuredText page per playbook of playbooks/ for the documentation site (`make docs`).

The pages are extra docs of the staged collection (tools/docs/build.sh): ``<dest>/rst/playbook_<name>.rst``, listed
in a section "Playbooks" of the collection index that this script appends to the collection's extra-docs.yml,
written to ``<dest>/extra-docs.yml``.

Each page has what the playbook file says (its plays, the roles and entry points and the collection's modules it
uses) and the playbook's runbook, converted from its section of README.md at build time, so README.md stays the
only copy of that text. A runbook section is a heading ``### Runbook: <what> (<playbook>.yml)``; its text runs to
the next heading of the same or a higher level.

The build fails (exit status 1, naming the file and the fix) when a playbook has no runbook section, when a runbook
names a playbook that does not exist, or when a section uses Markdown this converter does not know: it never
drops text silently.

    python tools/docs/playbook_pages.py --readme README.md --playbooks playbooks --modules plugins/modules \
        --extra-docs docs/docsite/extra-docs.yml --dest <staged collection>/docs/docsite
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

COLLECTION = "rocketclub.platform"
# The section of the collection index that lists the playbook pages.
PLAYBOOKS_SECTION = "Playbooks"
RUNBOOK_HEADING = re.compile(r"^Runbook:\s*(?P<title>.+?)\s*\((?P<file>[A-Za-z0-9_]+)\.yml\)\s*$")
ROLE_KEYS = {f"{prefix}{action}" for prefix in ("", "ansible.builtin.") for action in ("import_role", "include_role")}
# Code-fence languages as Sphinx's Pygments lexers know them.
FENCE_LANGUAGES = {"": "text", "yml": "yaml"}


class ConversionError(Exception):
    """Markdown that this converter cannot turn into reStructuredText without losing something."""


# --- README sections -------------------------------------------------------------------------------------------


def runbook_sections(readme_text: str) -> dict[str, dict]:
    """The runbook sections of README.md by playbook name: title, heading line and the section's tokens."""
    tokens = MarkdownIt("commonmark").enable("table").parse(readme_text)
    sections: dict[str, dict] = {}
    current = None
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1])
            if current is not None and level <= current["level"]:
                current = None
            match = RUNBOOK_HEADING.match(tokens[index + 1].content)
            if match:
                name = match["file"]
                if name in sections:
                    raise ConversionError(
                        f"README.md has two runbook sections for {name}.yml (line {token.map[0] + 1})"
                    )
                current = {
                    "title": match["title"],
                    "line": token.map[0] + 1,
                    "level": level,
                    "tokens": [],
                    "skip": 3,  # heading_open, inline, heading_close
                }
                sections[name] = current
        if current is not None:
            if current["skip"]:
                current["skip"] -= 1
            else:
                current["tokens"].append(token)
    return sections


# --- Markdown -> reStructuredText -------------------------------------------------------------------------------

_RST_SPECIAL = re.compile(r"([\\`*_|])")


def _escape(text: str) -> str:
    return _RST_SPECIAL.sub(r"\\\1", text)


# What reStructuredText accepts right before inline markup and right after it (docutils, "Inline markup recognition
# rules"); anything else, a letter or an "=", gets an escaped space, which renders as nothing.
_BEFORE_MARKUP = set(" \t'\"([{<-/:")
_AFTER_MARKUP = set(" \t-.,:;!?\\/'\")]}>")


class _Inline:
    """Inline tokens to one line of reStructuredText."""

    def __init__(self) -> None:
        self.parts: list[tuple[str, bool]] = []  # (text, is_markup)

    def add(self, text: str, markup: bool = False) -> None:
        self.parts.append((text, markup))

    def render(self) -> str:
        out = ""
        for index, (text, markup) in enumerate(self.parts):
            if markup and out and out[-1] not in _BEFORE_MARKUP:
                out += "\\ "
            out += text
            following = self.parts[index + 1][0] if index + 1 < len(self.parts) else ""
            if markup and following and following[0] not in _AFTER_MARKUP:
                out += "\\ "
        return out


def _inline(children: list[Token]) -> str:
    line = _Inline()
    stack: list[tuple[str, _Inline, dict]] = []
    target = line
    for child in children:
        kind = child.type
        if kind == "text":
            target.add(_escape(child.content))
        elif kind in ("softbreak", "hardbreak"):
            target.add(" ")
        elif kind == "code_inline":
            if "``" in child.content or not child.content.strip():
                raise ConversionError(f"inline code {child.content!r} cannot be written as reStructuredText literal")
            target.add(f"``{child.content}``", markup=True)
        elif kind in ("strong_open", "em_open", "link_open"):
            stack.append((kind, target, dict(child.attrs)))
            target = _Inline()
        elif kind in ("strong_close", "em_close", "link_close"):
            opened, outer, attrs = stack.pop()
            inner = target.render()
            target = outer
            if opened == "strong_open":
                target.add(f"**{inner}**", markup=True)
            elif opened == "em_open":
                target.add(f"*{inner}*", markup=True)
            else:
                target.add(_link(inner, str(attrs.get("href", ""))), markup=True)
        else:
            raise ConversionError(f"inline Markdown {kind!r} is not supported")
    if stack:
        raise ConversionError("unbalanced inline Markdown")
    return line.render()


def _link(text: str, href: str) -> str:
    if re.match(r"^https?://", href):
        # Anonymous, so that two links with the same text do not clash.
        return f"`{text} <{href}>`__"
    # A file of the repository (docs/edge.md): the site does not carry it, so name it.
    path = href.split("#", 1)[0]
    literal = f"``{path}``"
    return literal if text in (_escape(path), f"``{path}``") else f"{text} ({literal})"


def _blocks(tokens: list[Token], start: int, end: int, indent: str) -> list[str]:
    """Block tokens[start:end] as lines, each block followed by a blank line."""
    lines: list[str] = []
    index = start
    while index < end:
        token = tokens[index]
        kind = token.type
        if kind == "paragraph_open":
            lines += [indent + _inline(tokens[index + 1].children or []), ""]
            index += 3
        elif kind in ("fence", "code_block"):
            language = FENCE_LANGUAGES.get(token.info.strip(), token.info.strip()) if kind == "fence" else "text"
            lines += [f"{indent}.. code-block:: {language}", ""]
            lines += [f"{indent}   {line}".rstrip() for line in token.content.rstrip("\n").split("\n")]
            lines.append("")
            index += 1
        elif kind in ("bullet_list_open", "ordered_list_open"):
            close = _matching_close(tokens, index)
            lines += _list(tokens, index, close, indent)
            index = close + 1
        elif kind == "hr":
            lines += [f"{indent}----", ""]
            index += 1
        else:
            raise ConversionError(
                f"Markdown block {kind!r} (line {token.map[0] + 1 if token.map else '?'}) is not supported"
            )
    return lines


def _matching_close(tokens: list[Token], open_index: int) -> int:
    depth = 0
    for index in range(open_index, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    raise ConversionError("unclosed Markdown block")


def _list(tokens: list[Token], open_index: int, close_index: int, indent: str) -> list[str]:
    ordered = tokens[open_index].type == "ordered_list_open"
    number = int(tokens[open_index].attrGet("start") or 1)
    lines: list[str] = []
    index = open_index + 1
    while index < close_index:
        item_close = _matching_close(tokens, index)
        marker = f"{number}. " if ordered else "* "
        body = _blocks(tokens, index + 1, item_close, indent + " " * len(marker))
        while body and not body[-1]:
            body.pop()
        if body:
            body[0] = indent + marker + body[0][len(indent) + len(marker) :]
        lines += body + [""]
        number += 1
        index = item_close + 1
    return lines


def markdown_to_rst(tokens: list[Token]) -> str:
    lines = _blocks(tokens, 0, len(tokens), "")
    return "\n".join(lines).rstrip() + "\n"


# --- Playbooks ----------------------------------------------------------------------------------------------------


def _walk(node, found: dict[str, set]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ROLE_KEYS and isinstance(value, dict) and "name" in value:
                found["roles"].add((str(value["name"]), str(value.get("tasks_from", "main"))))
            elif isinstance(key, str) and key.startswith(f"{COLLECTION}."):
                found["modules"].add(key[len(COLLECTION) + 1 :])
            _walk(value, found)
    elif isinstance(node, list):
        for item in node:
            _walk(item, found)


def _play(play: dict) -> str:
    name = _escape(str(play.get("name", ""))) or "(unnamed play)"
    for key in ("import_playbook", "ansible.builtin.import_playbook"):
        if key in play:
            return f"{name}: imports ``{play[key]}``"
    return f"{name} (hosts: ``{play.get('hosts', '')}``)" if play.get("hosts") else name


def playbook_facts(path: Path, modules: set[str]) -> dict:
    plays = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    found: dict[str, set] = {"roles": set(), "modules": set()}
    _walk(plays, found)
    return {
        "plays": [_play(play) for play in plays if isinstance(play, dict)],
        "roles": sorted(found["roles"]),
        "modules": sorted(found["modules"] & modules),
    }


def _heading(text: str, char: str) -> list[str]:
    return [text, char * len(text), ""]


def playbook_page(name: str, section: dict, facts: dict) -> str:
    title = f"{COLLECTION}.{name} playbook \N{EN DASH} {_escape(section['title'])}"
    lines = [f".. _ansible_collections.{COLLECTION}.docsite.playbook_{name}:", ""]
    lines += [
        f".. This page is generated by tools/docs/playbook_pages.py from playbooks/{name}.yml and README.md"
        f" (line {section['line']}); edit those, not this page.",
        "",
    ]
    lines += _heading(title, "=")
    lines += [
        f"Playbook ``playbooks/{name}.yml`` of the collection, run by its fully qualified name:",
        "",
        ".. code-block:: console",
        "",
        f"   $ ansible-playbook {COLLECTION}.{name} -i inventories/<env>",
        "",
    ]
    lines += _heading("Plays", "-")
    lines += [f"* {play}" for play in facts["plays"]]
    lines.append("")
    if facts["roles"]:
        lines += _heading("Roles", "-")
        entry_points: dict[str, list[str]] = {}
        for role, entry_point in facts["roles"]:
            entry_points.setdefault(role, []).append(entry_point)
        for role, names in entry_points.items():
            label = f":ansplugin:`{role}#role`" if role.startswith(f"{COLLECTION}.") else f"``{role}``"
            plural = "entry points" if len(names) > 1 else "entry point"
            lines.append(f"* {label}, {plural} " + ", ".join(f"``{name}``" for name in names))
        lines.append("")
    if facts["modules"]:
        lines += _heading("Modules used directly", "-")
        lines += [f"* :ansplugin:`{COLLECTION}.{module}#module`" for module in facts["modules"]]
        lines.append("")
    lines += _heading("Runbook", "-")
    lines.append(markdown_to_rst(section["tokens"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--readme", type=Path, required=True)
    parser.add_argument("--playbooks", type=Path, required=True)
    parser.add_argument("--modules", type=Path, required=True, help="plugins/modules of the collection")
    parser.add_argument("--extra-docs", type=Path, required=True, help="the collection's docs/docsite/extra-docs.yml")
    parser.add_argument("--dest", type=Path, required=True, help="docs/docsite of the staged collection")
    args = parser.parse_args(argv)

    playbooks = {path.stem for path in args.playbooks.glob("*.yml")}
    modules = {path.stem for path in args.modules.glob("*.py") if path.stem != "__init__"}
    try:
        sections = runbook_sections(args.readme.read_text(encoding="utf-8"))
        problems = [
            f"playbooks/{name}.yml has no runbook section in {args.readme}: add a section "
            f"'### Runbook: <what it is for> ({name}.yml)' with When / What it does / Undo"
            for name in sorted(playbooks - set(sections))
        ]
        problems += [
            f"{args.readme} line {section['line']}: runbook section for {name}.yml, "
            f"but playbooks/{name}.yml does not exist"
            for name, section in sections.items()
            if name not in playbooks
        ]
        if problems:
            raise ConversionError("\n".join(problems))
        (args.dest / "rst").mkdir(parents=True, exist_ok=True)
        for name, section in sections.items():  # README order
            try:
                page = playbook_page(name, section, playbook_facts(args.playbooks / f"{name}.yml", modules))
            except ConversionError as exc:
                raise ConversionError(f"{args.readme} line {section['line']} ({name}.yml): {exc}") from exc
            (args.dest / "rst" / f"playbook_{name}.rst").write_text(page, encoding="utf-8")
        extra_docs = yaml.safe_load(args.extra_docs.read_text(encoding="utf-8")) or {}
        extra_docs.setdefault("sections", []).append(
            {"title": PLAYBOOKS_SECTION, "toctree": [f"playbook_{name}" for name in sections]}
        )
        (args.dest / "extra-docs.yml").write_text(yaml.safe_dump(extra_docs, sort_keys=False), encoding="utf-8")
    except ConversionError as exc:
        print(f"playbook_pages: {exc}", file=sys.stderr)
        return 1
    print(f"playbook_pages: {len(sections)} playbook pages in {args.dest / 'rst'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
