#!/usr/bin/env bash
# make demo: boot the cluster (NODES x VCPUS), load the module everywhere,
# run the self-tests and a short stress run of every lock, print a summary.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

status=0
"$ALOCK_TOP/scripts/cluster.sh" -n "${NODES:-2}" -c "${VCPUS:-2}" -t "${TIMEOUT:-1500}" demo >/dev/null || status=$?
"$ALOCK_TOP/scripts/report.sh" "$ALOCK_TOP/build/runs/latest"
# Each guest's alockctl runs (tests/guest/run.sh demo), as alockctl's table.
ctl=$ALOCKCTL_CRATE/target/x86_64-unknown-linux-gnu/release/alockctl
for r in "$ALOCK_TOP"/build/runs/latest/guest*/results; do
	if [ ! -d "$r" ] || [ ! -x "$ctl" ]; then continue; fi
	echo "alockctl runs on $(basename "$(dirname "$r")"):"
	"$ctl" report "$r" || true
done
grep -h '^not ok' "$ALOCK_TOP"/build/runs/latest/guest*/tap.txt 2>/dev/null || true
if [ $status -eq 0 ]; then
	echo "demo: every guest passed its checks"
else
	echo "demo: some checks failed (logs: build/runs/latest/)"
fi
exit $status
