#!/usr/bin/env bash
# make demo: what the module is for, in about two minutes warm.  Boots two
# guests (bench kernel), runs a few seconds of each lock family against
# the stock or competing locks (tests/guest/run.sh demo), shows what runs
# while it waits, then prints one short table per family, ratios first,
# and writes one figure to build/results/demo.svg
# (scripts/demo-summary.py).  The test suite is make check.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

mkdir -p "$ALOCK_TOP/build/runs"
run="$ALOCK_TOP/build/runs/$(date +%Y%m%d-%H%M%S)-demo"
start=$(date +%s)
"$ALOCK_TOP/scripts/cluster.sh" -n "${NODES:-2}" -c "${VCPUS:-2}" -t "${TIMEOUT:-900}" \
	-o "$run" demo >"$run.log" 2>&1 &
pid=$!
# Progress: elapsed time and what guest 0 runs now (its last "# demo:"
# line), redrawn in place on a terminal, a line every 15 s otherwise.
last=
while kill -0 "$pid" 2>/dev/null; do
	now=$({ grep -h '^# demo:' "$run"/guest0/tap.txt 2>/dev/null || true; } | tail -n1 | sed 's/^# demo: //')
	[ -n "$now" ] || now="booting the guests"
	line=$(printf '[%3d s] %s' $(($(date +%s) - start)) "$now")
	if [ -t 1 ]; then
		printf '\r%-100s' "$line"
	elif [ "$now" != "$last" ] || [ $(($(date +%s) % 15)) -eq 0 ]; then
		echo "$line"
	fi
	last=$now
	sleep 1
done
if [ -t 1 ]; then printf '\r%-100s\r' ""; fi
status=0
wait "$pid" || status=$?
secs=$(($(date +%s) - start))
echo
python3 "$ALOCK_TOP/scripts/demo-summary.py" "$run" --svg "$ALOCK_TOP/build/results/demo.svg" \
	--secs "$secs" || status=1
if [ $status -eq 0 ]; then
	echo "demo: every guest passed its checks ($secs s; log $run.log)"
else
	grep -h '^not ok\|not ok' "$run.log" | head -n 20 || true
	echo "demo: something failed ($secs s; logs: $run.log, $run/)"
fi
exit $status
