#!/usr/bin/env bash
# Print a readable summary of a cluster run folder (default: the latest):
# stress results per guest and lock, then the benchmark tables (RDMA
# latencies, verbs, the lock table, the lock matrices, mmap_lock) from the
# run's bench.jsonl (scripts/bench-jsonl.py; a run without one is read
# from its guests' tap.txt).
# Usage: report.sh [--markdown] [RUN]
#   --markdown: only the README-style tables with ratios, headed by the
#   run's name (Documentation/benchmarks.rst, "README tables").
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

markdown=
if [ "${1:-}" = --markdown ]; then
	markdown=--markdown
	shift
fi
run=${1:-$ALOCK_TOP/build/runs/latest}
[ -d "$run" ] || die "no run folder $run"
if [ -n "$markdown" ]; then
	exec python3 "$ALOCK_TOP/scripts/bench-jsonl.py" report --markdown "$run"
fi

echo
echo "== alock run $(basename "$(readlink -f "$run")") =="
for g in "$run"/guest*/; do
	name=$(basename "$g")
	tap="$g/tap.txt"
	[ -f "$tap" ] || {
		echo "$name: no results"
		continue
	}
	grep -m1 '^# module' "$tap" | sed "s/^#/$name:/" || true
done
echo
printf '%-7s %-9s %-8s %-9s %12s %12s %16s %7s\n' guest lock threads placement ops ops/s per-thread errors
for g in "$run"/guest*/; do
	name=$(basename "$g")
	# "# mutex: 4 threads unbound, 1564 ms: 61840 ops (39534/s), per thread 14720..17184, 0 errors"
	sed -nE 's/^# ([a-z_]+): ([0-9]+) threads( unbound)?, ([0-9]+) ms: ([0-9]+) ops \(([0-9]+)\/s\), per thread ([0-9.]+), ([0-9]+) errors/\1 \2 \3 \5 \6 \7 \8/p' \
		"$g/tap.txt" 2>/dev/null |
		while read -r lock thr a b c d e; do
			# "unbound" may be missing: then the fields shift by one
			if [ "$a" = unbound ]; then pl=unbound ops=$b rate=$c per=$d err=$e; else pl=bound ops=$a rate=$b per=$c err=$d; fi
			printf '%-7s %-9s %-8s %-9s %12s %12s %16s %7s\n' "$name" "$lock" "$thr" "$pl" "$ops" "$rate" "$per" "$err"
		done
done
python3 "$ALOCK_TOP/scripts/bench-jsonl.py" report "$run"
echo
if [ -f "$run/bench.jsonl" ]; then
	echo "Figures: $run/bench.jsonl ($(wc -l <"$run/bench.jsonl") records);" \
		"README tables: scripts/report.sh --markdown $run"
fi
