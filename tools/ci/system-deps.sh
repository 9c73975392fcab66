#!/usr/bin/env bash
# The two system programs `make test` needs beyond Python: Chromium, which the documentation site's browser test
# drives (tests/docs), and a Java 17 runtime, which ansible-rulebook's Drools engine needs (tests/unit/extensions).
# Both from Debian's packages, installed only when missing; root or sudo is needed to install them.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ! command -v java >/dev/null 2>&1 || ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then
  missing+=(openjdk-17-jre-headless)
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "system-deps: chromium and Java 17+ present"
  exit 0
fi
sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "system-deps: missing ${missing[*]}; install them (apt-get install -y ${missing[*]}) or run as root" >&2; exit 1; }
  sudo=(sudo)
fi
echo "system-deps: installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y -q "${missing[@]}" >/dev/null \
  || { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" apt-get install -y -q "${missing[@]}" >/dev/null; }
command -v chromium >/dev/null && command -v java >/dev/null
echo "system-deps: installed ${missing[*]}"
