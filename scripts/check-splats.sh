#!/usr/bin/env bash
# Fail (exit 1) if a kernel log shows a splat: BUG, WARNING, Oops, panic,
# lockdep report, KASAN/UBSAN/kmemleak report, refcount or list corruption,
# hung or soft-locked task, RCU stall, or any stack dump.
# Usage: check-splats.sh LOG...   Prints each offending line with its file.
#
# Expected splats: between an "ALOCK-EXPECTED-WARN-BEGIN" and an
# "ALOCK-EXPECTED-WARN-END" line (a misuse test, tests/kmod/alock_ctest.c)
# the WARNs of alock_misuse() (their "WARNING: ... alock_misuse" line and
# their stack dump's "Call Trace:") are accepted; any other splat there,
# and a WARN of alock_misuse() outside such a range, still fails.
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
	if awk '/ALOCK-EXPECTED-WARN-BEGIN/ { inside = 1 }
		/ALOCK-EXPECTED-WARN-END/ { inside = 0 }
		inside && (/WARNING: .*alock_misuse/ || /Call Trace:/) { next }
		{ print NR ":" $0 }' "$f" | grep -a -E "$regex" >/tmp/splats.$$ 2>/dev/null; then
		bad=1
		echo "kernel splat in $f:"
		head -n 20 /tmp/splats.$$ | sed 's/^/    /'
	fi
done
rm -f /tmp/splats.$$
exit $bad
