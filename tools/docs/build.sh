#!/usr/bin/env bash
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# `make docs`: the collection's documentation site, static HTML in build/docs/html (never committed; build/ is
# ignored). Warnings are errors throughout: antsibull-docs' lint and `--fail-on-error`, the playbook pages'
# generator, and `sphinx-build -W --keep-going`. Offline: no intersphinx inventory is fetched (tools/docs/conf.py).
#
#   1. stage the collection as antsibull-docs should see it (build/docs/collections: a copy of what the checkout
#      ships, every plugin type included; each filter is documented in plugins/filter/<filter name>.yml, as
#      ansible-core documents filters that share a Python file), with one extra-docs page per playbook that
#      tools/docs/playbook_pages.py writes, its runbook converted from README.md;
#   2. antsibull-docs lint-collection-docs --plugin-docs: schemas, semantic markup and its references, extra docs;
#   3. antsibull-docs collection: the RST of every module, plugin and role, the collection index, the extra docs
#      (the steps of the build.sh that `antsibull-docs sphinx-init --use-current` writes);
#   4. sphinx-build.
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
venv_bin=${VENV_BIN:-$root/.venv/bin}
out=${DOCS_BUILD_DIR:-$root/build/docs}
collection=rocketclub.platform
stage=$out/collections/ansible_collections/rocketclub/platform
start=$(date +%s)

rm -rf "$out"
mkdir -p "$stage/plugins"
# What a built collection carries that the docs read: galaxy.yml, meta/runtime.yml, plugins, roles, playbooks and
# docs/docsite. Copies, not symlinks: ansible-doc reports a plugin's resolved path, and a path outside the staged
# collection gives its page a broken label; antsibull-docs' own copier does not follow symlinked directories either.
# A few hundred small files, so the copy costs nothing; no generated file lands in the checkout.
stage_tree() { cp -r "$root/$1" "$stage/$1"; }
for entry in meta roles playbooks README.md COPYING; do
	stage_tree "$entry"
done
# galaxy.yml without `dependencies`: antsibull-docs' linter copies every dependency (amazon.aws, community.aws,
# community.general: 40 MB, two thirds of its time) into its scratch tree, which it needs only to check references to
# them (--validate-collection-refs dependent); ansible-doc loads their doc fragments from the installed `ansible`
# package either way. No page of the site shows the dependencies.
"$venv_bin/python" - "$root/galaxy.yml" "$stage/galaxy.yml" <<'PYTHON'
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as source:
    galaxy = yaml.safe_load(source)
galaxy.pop("dependencies", None)
with open(sys.argv[2], "w", encoding="utf-8") as staged:
    yaml.safe_dump(galaxy, staged, sort_keys=False)
PYTHON
mkdir -p "$stage/docs/docsite"
stage_tree docs/docsite/rst
stage_tree docs/docsite/links.yml
# Every plugin type, the filter plugins with their documentation files (plugins/filter/<filter name>.yml beside the
# Python file that holds the filter): one page per filter, checked like the others (tests/unit/test_filter_docs.py
# keeps the files in step with the filters' signatures).
for plugin_dir in "$root"/plugins/*/; do
	stage_tree "plugins/$(basename "$plugin_dir")"
done
find "$stage" -name __pycache__ -prune -exec rm -rf {} +

# The playbook pages, extra docs of the staged collection: docs/docsite/rst/playbook_<name>.rst and the
# extra-docs.yml that lists them (the checkout's plus a section "Playbooks").
echo "docs: playbook pages from README.md"
"$venv_bin/python" tools/docs/playbook_pages.py --readme README.md --playbooks playbooks --modules plugins/modules \
	--extra-docs docs/docsite/extra-docs.yml --dest "$stage/docs/docsite"

export PATH="$venv_bin:$PATH"
# The staged collection only (and the dependencies ansible-core finds in its own site-packages).
export ANSIBLE_COLLECTIONS_PATH=$out/collections
# antsibull-docs' linter copies the collection before linting it, and copies only the files git does not ignore
# when the collection is inside a git work tree: the staged collection (under the ignored build/) would be copied
# empty. Git stops looking for a work tree at $out.
export GIT_CEILING_DIRECTORIES="$out${GIT_CEILING_DIRECTORIES:+:$GIT_CEILING_DIRECTORIES}"

echo "docs: antsibull-docs lint-collection-docs --plugin-docs"
lint_log=$out/lint.log
# --skip-rstcheck: sphinx-build -W below parses the same RST, more strictly.
if ! antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs --skip-rstcheck "$stage" \
	>"$lint_log" 2>&1; then
	cat "$lint_log" >&2
	echo "docs: antsibull-docs lint-collection-docs found the problems above (paths relative to the collection)" >&2
	exit 1
fi

echo "docs: antsibull-docs collection"
mkdir -p "$out/rst"
chmod og-w "$out/rst" # antsibull-docs wants that directory only writable by itself
antsibull-docs --config-file tools/docs/antsibull-docs.cfg collection --cleanup everything --fail-on-error \
	--use-current --squash-hierarchy --dest-dir "$out/rst" "$collection"

echo "docs: sphinx-build"
sphinx-build -b html -c tools/docs -W --keep-going -q -j "${DOCS_JOBS:-2}" -d "$out/doctrees" "$out/rst" "$out/html"

echo "docs: $out/html/index.html ($(($(date +%s) - start)) s)"
