#!/usr/bin/env bash
# make check-faults: ALock and the lock table (cluster.sh's alock mode:
# ALock at 0/50/90/100 % local, the loopback spin and MCS locks, the RPC
# lock, multi-key runs, the C API module, a holder killed) on three guests
# whose link loses, delays and reorders frames (scripts/net-hub.py's
# faults, NET_FAULTS): 1 % loss, 5 % loss, and 5 ± 10 ms delay (frames
# reordered).  Exclusion and exact counts are the alock mode's own checks;
# each run's hub counts show that the faults happened.  Prints
# "N passed, N failed" last.  FAULT_SETS overrides the sets (one a line).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

sets=${FAULT_SETS:-"--loss 0.01 --seed 1
--loss 0.05 --seed 2
--delay 5 --jitter 10 --seed 3"}
passed=0
failed=0
start=$(date +%s)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
while IFS= read -r f; do
	[ -n "$f" ] || continue
	log "faults: $f"
	NET_FAULTS="$f" "$ALOCK_TOP/scripts/cluster.sh" -n 3 -c 1 -t 1200 alock | tee "$out" || true
	line=$(grep -E 'passed=[0-9]+ failed=[0-9]+' "$out" | tail -n1)
	p=$(sed -nE 's/.*passed=([0-9]+).*/\1/p' <<<"$line")
	n=$(sed -nE 's/.*failed=([0-9]+).*/\1/p' <<<"$line")
	hub=$(tail -n1 "$ALOCK_TOP/build/runs/latest/net-hub.log" 2>/dev/null || true)
	echo "# faults [$f]: ${p:-0} passed, ${n:-?} failed; $hub"
	passed=$((passed + ${p:-0}))
	if [ -z "$n" ]; then failed=$((failed + 1)); else failed=$((failed + n)); fi
	# The faults must have happened: frames lost, or delayed.
	if grep -qE ' [1-9][0-9]* (lost|delayed)' <<<"$hub"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "  not ok - the hub injected [$f] ($hub)"
	fi
done <<<"$sets"
log "check-faults finished in $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
