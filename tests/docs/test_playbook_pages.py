# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tools/docs/playbook_pages.py: README runbook sections to reStructuredText, and the checks that fail the build.

The converted text is parsed with docutils, as Sphinx will, and must give no warning: inline markup next to a word,
nested lists and code blocks are where a hand-made conversion usually breaks.
"""

from __future__ import annotations

import importlib.util
import io
import textwrap
from pathlib import Path

import docutils.core
import docutils.utils
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("playbook_pages", ROOT / "tools" / "docs" / "playbook_pages.py")
playbook_pages = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(playbook_pages)

README = textwrap.dedent(
    """\
    # project

    ### Runbook: park an environment (park.yml)

    **When**: the `dev` environment idles; see [docs/edge.md](docs/edge.md) and
    [CreateSecret](https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html).

    ```sh
    ansible-playbook rocketclub.platform.park -i inventories/dev   # `quoted`
    ```

    **What it does**, in this order:

    1. ECS: `/<env>/infra/park/ecs/<service>`s recorded, *then* zero;
       a second line of the item.

       - nested `a`/`b` item
    2. Aurora_stopped with * and | and \\ kept; `a`=`b`.

    **Undo**: `unpark.yml`.

    ### Not a runbook

    text that must not appear
    """
)


def _rst_problems(rst: str) -> list[str]:
    stream = io.StringIO()
    docutils.core.publish_doctree(
        rst, settings_overrides={"warning_stream": stream, "report_level": docutils.utils.Reporter.INFO_LEVEL + 1}
    )
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def _section_rst(readme: str, name: str = "park") -> str:
    return playbook_pages.markdown_to_rst(playbook_pages.runbook_sections(readme)[name]["tokens"])


def test_a_runbook_section_converts_to_rst_docutils_accepts():
    rst = _section_rst(README)
    assert not _rst_problems(rst), rst
    text = docutils.core.publish_parts(rst, writer="html5")["body"]
    assert '<strong>When</strong>: the <span class="docutils literal">dev</span> environment idles' in text
    # Inline markup glued to a word is kept with an escaped space, not turned into literal backticks.
    assert (
        '<span class="pre">/&lt;env&gt;/infra/park/ecs/&lt;service&gt;</span></span>s recorded, <em>then</em>' in text
    )
    assert "Aurora_stopped with * and | and \\ kept; " in text
    assert '<span class="docutils literal">a</span>=<span class="docutils literal">b</span>.' in text
    # A repository file is named; a web link stays a link.
    assert 'see <span class="docutils literal">docs/edge.md</span> and' in text
    assert 'href="https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html"' in text
    assert '<pre class="code sh literal-block">' in text and "# `quoted`" in text
    assert "<ol" in text and "<ul" in text and "a second line of the item" in text
    assert "must not appear" not in text


def test_unsupported_markdown_fails_instead_of_dropping_text():
    readme = README.replace("**Undo**: `unpark.yml`.", "| a | b |\n|---|---|\n| 1 | 2 |")
    with pytest.raises(playbook_pages.ConversionError, match="table"):
        _section_rst(readme)


def _run(tmp_path: Path, readme: str, playbooks: list[str]) -> int:
    (tmp_path / "README.md").write_text(readme, encoding="utf-8")
    (tmp_path / "playbooks").mkdir()
    for name in playbooks:
        (tmp_path / "playbooks" / f"{name}.yml").write_text(
            "- name: Play\n  hosts: platform\n  tasks:\n"
            "    - ansible.builtin.import_role: {name: rocketclub.platform.network, tasks_from: park}\n"
            "    - rocketclub.platform.vpc: {}\n",
            encoding="utf-8",
        )
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "vpc.py").write_text("", encoding="utf-8")
    (tmp_path / "extra-docs.yml").write_text("sections:\n  - title: Guides\n    toctree: [playbooks]\n")
    return playbook_pages.main(
        [
            *("--readme", str(tmp_path / "README.md"), "--playbooks", str(tmp_path / "playbooks")),
            *("--modules", str(tmp_path / "modules"), "--extra-docs", str(tmp_path / "extra-docs.yml")),
            *("--dest", str(tmp_path / "docsite")),
        ]
    )


def test_pages_and_the_index_section(tmp_path):
    assert _run(tmp_path, README, ["park"]) == 0
    page = (tmp_path / "docsite" / "rst" / "playbook_park.rst").read_text(encoding="utf-8")
    assert ":ansplugin:`rocketclub.platform.network#role`, entry point ``park``" in page
    assert ":ansplugin:`rocketclub.platform.vpc#module`" in page
    extra_docs = yaml.safe_load((tmp_path / "docsite" / "extra-docs.yml").read_text(encoding="utf-8"))
    assert extra_docs["sections"] == [
        {"title": "Guides", "toctree": ["playbooks"]},
        {"title": "Playbooks", "toctree": ["playbook_park"]},
    ]


def test_a_playbook_without_a_runbook_fails_the_build(tmp_path, capsys):
    assert _run(tmp_path, README, ["park", "repark"]) == 1
    assert "playbooks/repark.yml has no runbook section" in capsys.readouterr().err
    assert not (tmp_path / "docsite").exists()


def test_a_runbook_without_its_playbook_fails_the_build(tmp_path, capsys):
    assert _run(tmp_path, README, []) == 1
    assert "runbook section for park.yml, but playbooks/park.yml does not exist" in capsys.readouterr().err
