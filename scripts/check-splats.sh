#!/usr/bin/env bash
# Fail (exit 1) if a kernel log shows a splat: BUG, WARNING, Oops, panic,
# lockdep report, KASAN/UBSAN/kmemleak report, refcount or list corruption,
# hung or soft-locked task, RCU stall, or any stack dump.
# Usage: check-splats.sh LOG...   Prints each offending line with its file.
set -euo pipefail

PATTERNS=(
	'BUG:'
	'kernel BUG at'
	'WARNING:'
	'Oops'
	'Kernel panic'
	'general protection fault'
	'KASAN'
	'UBSAN'
	'refcount_t'
	'list_add corruption'
	'list_del corruption'
	'possible circular locking'
	'possible recursive locking'
	'inconsistent lock state'
	'suspicious RCU usage'
	'DEBUG_LOCKS_WARN_ON'
	'INFO: lockdep'
	'blocked for more than'
	'hung_task'
	'soft lockup'
	'hard LOCKUP'
	'rcu_.* detected stalls'
	'RCU Stall'
	'unreferenced object'
	'Call Trace:'
	'rust_panic'
	'panicked at'
)

[ $# -gt 0 ] || {
	echo "usage: $0 LOG..." >&2
	exit 2
}
regex=$(IFS='|'; echo "${PATTERNS[*]}")
bad=0
for f in "$@"; do
	[ -f "$f" ] || continue
	if grep -a -n -E "$regex" "$f" >/tmp/splats.$$ 2>/dev/null; then
		bad=1
		echo "kernel splat in $f:"
		head -n 20 /tmp/splats.$$ | sed 's/^/    /'
	fi
done
rm -f /tmp/splats.$$
exit $bad
