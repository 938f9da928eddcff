#!/usr/bin/env bash
# After make bench: copy alockctl's benchmark results (JSON and CSV from
# guest 0) to build/results/, print their tables and draw the figures
# (SVG and PNG) there with the host's alockctl.
# Usage: bench-results.sh GUEST_RESULTS_DIR
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

src=${1:?folder of alockctl results}
dst=$ALOCK_TOP/build/results
ctl=$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/alockctl
[ -x "$ctl" ] || die "$ctl missing (make payload builds it)"
rm -rf "$dst"
mkdir -p "$dst"
cp "$src"/*.json "$src"/*.csv "$dst"/
echo
echo "alockctl benchmark tables (guest0):"
"$ctl" report "$dst"
n=$("$ctl" plot "$dst" | wc -l)
log "results and $n figures in $dst"
