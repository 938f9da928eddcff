#!/usr/bin/env bash
# Print a readable summary of a cluster run folder (default: the latest):
# stress results per guest and lock, and RDMA latencies between guests.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

run=${1:-$ALOCK_TOP/build/runs/latest}
[ -d "$run" ] || die "no run folder $run"

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
if grep -qh '^# rdma-lat' "$run"/guest*/tap.txt 2>/dev/null; then
	echo
	echo "RDMA latency between guest0 and guest1 (perftest over rxe, microseconds):"
	printf '  %-15s %7s %10s %10s %10s %10s  %s\n' test bytes min typical avg p99 options
	grep -h '^# rdma-lat' "$run"/guest*/tap.txt |
		sed -E 's/# rdma-lat ([a-z_]+) bytes=([0-9]+) min=([0-9.]+) typical=([0-9.]+) avg=([0-9.]+) p99=([0-9.]+) usec opts=(.*)/\1 \2 \3 \4 \5 \6 \7/' |
		while read -r p b mi ty av p99 opts; do
			printf '  %-15s %7s %10s %10s %10s %10s  %s\n' "$p" "$b" "$mi" "$ty" "$av" "$p99" "$opts"
		done
fi
if grep -qh '^# bench' "$run"/guest*/tap.txt 2>/dev/null; then
	echo
	echo "Lock benchmarks (guest0 alone, same run; ratios in parentheses):"
	grep -h '^# bench' "$run"/guest*/tap.txt | sed 's/^# bench /  /'
fi
if grep -qh '^# txn' "$run"/guest*/tap.txt 2>/dev/null; then
	echo
	echo "Lock manager runs:"
	grep -h '^# txn' "$run"/guest0/tap.txt | sed 's/^# /  /'
fi
echo
