# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sphinx configuration of the documentation site (`make docs`, tools/docs/build.sh).

The configuration `antsibull-docs sphinx-init --use-current` writes, with these changes: no intersphinx mapping (the
build runs offline; the references antsibull-docs writes to the Ansible documentation and to other collections'
plugins become plain links to their published pages, see `_external_reference`, and any other unresolved reference
fails the build), no smart quotes, and the project's own title.
"""

import re

project = "rocketclub.platform"
copyright = "rocketclub platform team"  # noqa: A001 (Sphinx's name for it)
title = "rocketclub.platform"
html_short_title = "rocketclub.platform"

extensions = ["sphinx_antsibull_ext"]

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
# The text as README.md and the DOCUMENTATION strings write it: no curly quotes or dashes in commands and values.
smartquotes = False
html_use_modindex = False
html_use_index = False
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {"collapse_navigation": False}

default_role = "any"
# Every reference must resolve: with -W an unresolved one fails the build.
nitpicky = True

# References to the Ansible documentation and to other collections' plugins (M(amazon.aws.ec2_vpc_net), the
# "Common return values" of every module page). Without an intersphinx inventory (nothing is fetched) they would be
# unresolved; they become links to the published pages instead. Any other unresolved reference still fails the build,
# as does one to this collection, whose pages are all on this site.
ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/latest/"
EXTERNAL_LABELS = {
    "ansible_configuration_settings": ("reference_appendices/config.html", "Ansible Configuration Settings"),
    "common_return_values": ("reference_appendices/common_return_values.html", "Return Values"),
    "action_plugins": ("plugins/action.html", "Action plugins"),
}
OTHER_COLLECTION_LABEL = re.compile(
    r"^ansible_collections\.(?P<namespace>[a-z0-9_]+)\.(?P<name>[a-z0-9_]+)\.(?P<plugin>[a-z0-9_]+_[a-z]+)"
    r"(?:__(?P<anchor>[A-Za-z0-9_./-]+))?$"
)


def _external_url(target):
    if target in EXTERNAL_LABELS:
        path, title = EXTERNAL_LABELS[target]
        return ANSIBLE_DOCS + path, title
    match = OTHER_COLLECTION_LABEL.match(target)
    if match is None or (match["namespace"], match["name"]) == ("rocketclub", "platform"):
        return None
    url = f"{ANSIBLE_DOCS}collections/{match['namespace']}/{match['name']}/{match['plugin']}.html"
    return url + (f"#{match['anchor']}" if match["anchor"] else ""), target


def _external_reference(app, env, node, contnode):  # pylint: disable=unused-argument
    from docutils import nodes

    if node.get("refdomain") != "std" or node.get("reftype") != "ref":
        return None
    found = _external_url(node["reftarget"])
    if found is None:
        return None
    url, title = found
    reference = nodes.reference("", "", internal=False, refuri=url)
    reference += contnode if node.get("refexplicit") else nodes.inline(title, title)
    return reference


def setup(app):
    app.connect("missing-reference", _external_reference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
