#!/usr/bin/env bash
# Run the test suite: host-side tests, then the guest cluster in MODE, and
# print "N passed, N failed" last.  Exit status 0 only if nothing failed.
# Usage: check.sh check|bench|soak   (NODES, VCPUS, TIMEOUT from the env)
# ONLY=queue|prwlock|mm|alock|observe (check only): the host tests and that
# family's guest tests alone, for a short loop (make check-FAMILY).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

mode=${1:-check}
passed=0
failed=0
# The failed checks of every step, repeated before the summary, so that the
# tail of the output (all CI may show) names them.
notok=$(mktemp)
add() { # output of a step whose last line is "... passed=N failed=N"
	local line
	log "step done at $(($(date +%s) - start)) s"
	steps=$((steps + 1))
	grep -E '^ *(guest[0-9]+: )?not ok' "$1" | sed "s/^ */  step $steps: /" >>"$notok" || true
	line=$(grep -E 'passed=[0-9]+ failed=[0-9]+' "$1" | tail -n1)
	if [ -z "$line" ]; then
		echo "  step $steps: not ok - the step printed its passed=N failed=N line" >>"$notok"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + $(sed -E 's/.*passed=([0-9]+).*/\1/' <<<"$line")))
	failed=$((failed + $(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$line")))
}

start=$(date +%s)
out=$(mktemp)
steps=0
trap 'rm -f "$out" "$notok"' EXIT
summary() { # the failed checks (at most 40 lines), then "N passed, N failed"
	if [ -s "$notok" ]; then
		echo "failed checks:"
		head -n 40 "$notok"
	fi
	echo "$passed passed, $failed failed"
}
only=${ONLY:-}
if [ -n "$only" ]; then
	[ "$mode" = check ] || die "ONLY= is for make check"
	case $only in
	queue | prwlock | observe) families=("1 ${VCPUS:-2} $only") ;;
	mm) families=("1 ${VCPUS:-2} mm") ;;
	# ALock and its recovery after a lost node: three guests.
	alock) families=("3 1 alock" "3 1 recover:run" "3 1 recover:readers") ;;
	*) die "ONLY=$only: one of queue, prwlock, mm, alock, observe" ;;
	esac
	"$ALOCK_TOP/scripts/host-tests.sh" | tee "$out" || true
	add "$out"
	for f in "${families[@]}"; do
		read -r n c m <<<"$f"
		GUEST_CMDLINE="${GUEST_CMDLINE:-} alock_recover=${m#*:}" \
			"$ALOCK_TOP/scripts/cluster.sh" -n "$n" -c "$c" -t 900 "${m%%:*}" | tee "$out" || true
		add "$out"
	done
	log "check ONLY=$only finished in $(($(date +%s) - start)) s"
	summary
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
	exit
fi
if [ "$mode" = check ]; then
	"$ALOCK_TOP/scripts/host-tests.sh" | tee "$out" || true
	add "$out"
fi
"$ALOCK_TOP/scripts/cluster.sh" -n "${NODES:-2}" -c "${VCPUS:-2}" -t "${TIMEOUT:-1500}" "$mode" | tee "$out" || true
add "$out"
# make check: the RDMA transport, then ALock, on three guests (one vCPU
# each); then ALock's recovery with the killed guest queued for a key,
# leading its remote cohort, and during a lock table run.  One cluster
# (mode check3): the host kills the last guest in each phase and boots it
# again for the next.
if [ "$mode" = check ]; then
	"$ALOCK_TOP/scripts/cluster.sh" -n "${RDMA_NODES:-3}" -c 1 -t 900 check3 | tee "$out" || true
	add "$out"
fi
if [ "$mode" != check ]; then
	"$ALOCK_TOP/scripts/report.sh" "$ALOCK_TOP/build/runs/latest" || true
fi
# make soak: lock operations per kind, splats, failures (scripts/soak-ops.py;
# one check: every kind's operations were counted).
if [ "$mode" = soak ]; then
	if python3 "$ALOCK_TOP/scripts/soak-ops.py" --secs $(($(date +%s) - start)) \
		"$ALOCK_TOP/build/runs/latest"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "  soak: not ok - every kind's operations were counted" >>"$notok"
	fi
fi
# make bench: alockctl's results (JSON, CSV) and their plots in build/results/.
if [ "$mode" = bench ] && [ -d "$ALOCK_TOP/build/runs/latest/guest0/results" ]; then
	"$ALOCK_TOP/scripts/bench-results.sh" "$ALOCK_TOP/build/runs/latest/guest0/results" || true
fi
log "$mode finished in $(($(date +%s) - start)) s"
summary
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
