#!/usr/bin/env bash
# tools/ci/together.sh MAIN -- OTHER...: run `make MAIN` with its output on the terminal and, at the same time,
# `make OTHER` for each OTHER with its output in a log file; then print each OTHER's result (its last lines when it
# passed, its whole log when it failed). Exits non-zero when any of them failed. `make test` pairs a suite that
# keeps the two cores busy with suites that mostly wait (docs/test-budget.md).
set -uo pipefail
main=$1
shift
[ "${1:-}" = "--" ] && shift
logs=$(mktemp -d -t make-test.XXXXXX)
trap 'rm -rf "$logs"' EXIT
declare -A pids
for other in "$@"; do
  (start=$SECONDS; make --no-print-directory "$other" >"$logs/$other.log" 2>&1; rc=$?
   echo "$rc $((SECONDS - start))" >"$logs/$other.rc") &
  pids[$other]=$!
  echo "together: make $other runs beside make $main (its output follows when it ends)"
done
# Busy and total CPU time of the machine, in clock ticks (/proc/stat), to print how busy the cores were.
cpu_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }
read -r busy0 total0 < <(cpu_ticks)
start=$SECONDS
make --no-print-directory "$main"
failed=$?
read -r busy1 total1 < <(cpu_ticks)
busy=$(( total1 > total0 ? 100 * (busy1 - busy0) / (total1 - total0) : 0 ))
echo "together: make $main ended (rc $failed) in $((SECONDS - start)) s; the $(nproc) cores were ${busy}% busy"
for other in "$@"; do
  wait "${pids[$other]}"
  rc=1 seconds="?"
  read -r rc seconds <"$logs/$other.rc" 2>/dev/null || rc=1
  if [ "$rc" = 0 ]; then
    echo "together: make $other passed in $seconds s; its last lines:"
    tail -n 8 "$logs/$other.log"
  else
    echo "together: make $other FAILED (rc $rc) in $seconds s; its output:"
    cat "$logs/$other.log"
    failed=1
  fi
done
exit "$failed"
