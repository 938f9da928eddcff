#!/usr/bin/env bash
# Build alockctl (tools/alockctl) for the guests: a static x86_64 binary
# (glibc's static libraries, +crt-static), copied to OUTPUT.  The same
# binary runs on the host (plots after make bench).  Dependencies are
# cached in $CARGO_TARGET_DIR (scripts/lib.sh).
# Usage: build-alockctl.sh OUTPUT
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

out=${1:?output path}
[ -x "$ACARGO" ] || die "$ACARGO not found (rustup's cargo builds tools/alockctl; see scripts/setup-toolchain.sh)"
target=x86_64-unknown-linux-gnu
start=$(date +%s)
# RUSTFLAGS with an explicit --target apply to the binary only, not to
# build scripts and proc macros (which cannot be static).
RUSTFLAGS='-C target-feature=+crt-static' "$ACARGO" build --quiet --locked --release \
	--target $target --manifest-path "$ALOCKCTL_CRATE/Cargo.toml"
bin=$CARGO_TARGET_DIR/$target/release/alockctl
file "$bin" | grep -q 'static' || die "$bin is not statically linked"
install -D -m755 "$bin" "$out"
elapsed=$(($(date +%s) - start))
[ $elapsed -lt 5 ] || log "alockctl built in ${elapsed} s ($(du -h "$out" | cut -f1), static)"
