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
# A KCSAN report (from "BUG: KCSAN:" to its closing "====" line) is a
# splat when alock's code is in it: a frame of the module ("[alock"), or
# a prwlock or alock_ function (the kernel side of the patches), in the
# header or in either access's stack above an interrupt entry (frames
# below "asm_...+0x" are the interrupted context, not the racing access).
# Reports of the kernel's own races (e.g. timer migration's, seen in the
# first KCSAN run) are listed as foreign and do not fail: the KCSAN
# flavour is there to find alock's races, and the kernel's are upstream's.
for f in "$@"; do
	[ -f "$f" ] || continue
	rm -f /tmp/foreign.$$
	if awk -v foreign=/tmp/foreign.$$ '
		function endblk() {
			if (mine) printf "%s", blk; else print hdr > foreign
			inblk = 0
			blk = ""
		}
		{ sub(/\r$/, "") }
		/ALOCK-EXPECTED-WARN-BEGIN/ { inside = 1 }
		/ALOCK-EXPECTED-WARN-END/ { inside = 0 }
		/BUG: KCSAN:/ {
			if (inblk) endblk()
			inblk = 1; mine = 0; cut = 0; hdr = NR ":" $0
		}
		inblk {
			blk = blk NR ":" $0 "\n"
			if ($0 ~ /(read|write)( \(marked\))?( \(reordered\))? to 0x/) cut = 0
			if ($0 ~ / asm_[a-z_0-9]+\+0x/) cut = 1
			if (!cut && $0 ~ /\[alock|prwlock|alock_/) mine = 1
			if ($0 ~ /^(\[ *[0-9.]+\] )?=+$/) endblk()
			next
		}
		inside && (/WARNING: .*alock_misuse/ || /Call Trace:/) { next }
		{ print NR ":" $0 }
		END { if (inblk) { mine = 1; endblk() } }' "$f" | grep -a -E "$regex" >/tmp/splats.$$ 2>/dev/null; then
		bad=1
		echo "kernel splat in $f:"
		head -n 20 /tmp/splats.$$ | sed 's/^/    /'
	fi
	if [ -s /tmp/foreign.$$ ]; then
		echo "foreign KCSAN reports in $f (no alock code in them; not failed):"
		sed 's/^/    /' /tmp/foreign.$$
	fi
done
rm -f /tmp/splats.$$ /tmp/foreign.$$
exit $bad
