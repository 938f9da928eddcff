#!/usr/bin/env bash
# Build alock.ko against the cached test kernel (building that first if
# needed).  Environment: CLIPPY=1 lints the Rust code with clippy;
# ALOCK_INJECT_WARN=1 builds a module that fires a WARN_ON at load.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

kdir=$("$ALOCK_TOP/scripts/build-kernel.sh")
mapfile -t vars < <(kmake_vars)
[ "${CLIPPY:-}" = 1 ] && vars+=(CLIPPY=1)
[ "${ALOCK_INJECT_WARN:-}" = 1 ] && vars+=(ALOCK_INJECT_WARN=y)
# kbuild does not notice a change of kernel tree: clean when it changes.
stamp="$ALOCK_TOP/.alock-kdir"
if [ "$(cat "$stamp" 2>/dev/null)" != "$kdir" ]; then
	make -C "$kdir" M="$ALOCK_TOP" "${vars[@]}" clean >/dev/null
	echo "$kdir" >"$stamp"
fi
make -C "$kdir" M="$ALOCK_TOP" -j"$JOBS" "${vars[@]}" modules >&2
log "built $ALOCK_TOP/alock.ko"
