#!/usr/bin/env bash
# ansible-test sanity for rocketclub.platform, offline-capable.
# - Copies the collection (tracked and untracked-but-not-ignored files, minus the .collections
#   symlink tree) to <tmp>/ansible_collections/rocketclub/platform, a git repo as ansible-test wants.
# - Installs tools/ci/get_pip_standin.py as ansible-test's cached get-pip script, so its virtual
#   environments bootstrap pip from the package index instead of a CI file host.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="${VENV_BIN:-$root/.venv/bin}"
# The pip version ansible-test bootstraps (ansible-core 2.19: 24.2), read from ansible-test itself.
pip_version=$("$bin/python" - <<'PY'
import re, inspect
from ansible_test._internal import python_requirements as pr
print(re.search(r"pip='([0-9.]+)'", inspect.getsource(pr.get_venv_packages)).group(1))
PY
)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
mkdir -p "$(dirname "$cache")"
cp "$root/tools/ci/get_pip_standin.py" "$cache"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/rocketclub/platform"
mkdir -p "$dest"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | grep -zv '^\.collections/' \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | xargs -0 cp --parents -t "$dest")
# The dependency collections (amazon.aws, community.*) come with the ansible package; ansible-test
# finds them (doc fragments, module_utils) beside ours in the same ansible_collections tree.
site=$("$bin/python" -c 'import ansible_collections.amazon.aws as m; print(list(m.__path__)[0].rsplit("/", 2)[0])')
ln -s "$site/amazon" "$work/ansible_collections/amazon"
ln -s "$site/community" "$work/ansible_collections/community"
(cd "$dest" && git init -q && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity)

cd "$dest"
"$bin/ansible-test" sanity --venv --python 3.11 --color no "$@"
