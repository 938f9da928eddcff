#!/usr/bin/env bash
# Install and check everything alock needs on a Debian 12 host (run as root).
# Idempotent: a second run installs nothing and only checks versions.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	# kernel build
	build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils kmod file
	python3 linux-source-6.12
	# Rust for the kernel: the rustc whose core source is packaged
	rustc-web rust-web-src rust-web-clippy libclang-dev clang
	# the sanitize kernel flavour (KASAN with Rust: LLVM=1)
	lld llvm
	# guests
	qemu-system-x86 busybox-static
	# RDMA user space inside the guests (rdma tool, perftest, providers)
	iproute2 rdma-core ibverbs-providers ibverbs-utils rdmacm-utils perftest
	# perf in the guests: perf lock contention, perf record -e lock:*
	linux-perf
	# script lint
	shellcheck
	# alockctl plot: a TrueType font for the figures' text
	fonts-dejavu-core
)
BINDGEN_VERSION=0.70.1

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run as root to install them"
	log "installing: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

if ! "$KBINDGEN" --version 2>/dev/null | grep -q "bindgen $BINDGEN_VERSION"; then
	command -v cargo >/dev/null || die "cargo not found: bindgen-cli is installed with cargo"
	log "installing bindgen-cli $BINDGEN_VERSION (cargo install)"
	cargo install --locked --quiet bindgen-cli --version "$BINDGEN_VERSION"
fi

# alockctl (tools/alockctl): rustup's cargo, with clippy and rustfmt for
# the host tests (the static build uses glibc's libc.a from libc6-dev).
if [ -x "$ACARGO" ] && ! { "$ACARGO" clippy --version && "$ACARGO" fmt --version; } >/dev/null 2>&1; then
	log "adding rustup components clippy and rustfmt"
	"$(dirname "$ACARGO")/rustup" component add clippy rustfmt >/dev/null
fi

# ---- checks: say clearly what is wrong ------------------------------------
problems=0
check() { # what, command...
	local what=$1
	shift
	if ! "$@" >/dev/null 2>&1; then
		log "PROBLEM: $what"
		problems=$((problems + 1))
	fi
}
check "$KERNEL_TARBALL missing (package linux-source-6.12)" test -f "$KERNEL_TARBALL"
check "$KRUSTC missing (package rustc-web)" test -x "$KRUSTC"
check "Rust core source missing at /usr/lib/rustlib/src/rust (package rust-web-src)" \
	test -f /usr/lib/rustlib/src/rust/library/core/src/lib.rs
check "$KBINDGEN does not run (cargo install bindgen-cli)" "$KBINDGEN" --version
check "qemu-system-x86_64 missing" command -v qemu-system-x86_64
check "busybox static binary missing" test -x /bin/busybox
check "iproute2 rdma tool missing" test -x /usr/bin/rdma
check "perftest ib_send_lat missing" command -v ib_send_lat
check "perf (linux-perf) missing" command -v perf
check "rxe verbs provider missing" test -f /etc/libibverbs.d/rxe.driver
check "$ACARGO missing (rustup's cargo builds tools/alockctl)" test -x "$ACARGO"
check "glibc static libraries missing (package libc6-dev)" test -f /usr/lib/x86_64-linux-gnu/libc.a
[ $problems -eq 0 ] || die "$problems toolchain problem(s), see above"

rv=$("$KRUSTC" --version)
bv=$("$KBINDGEN" --version)
log "toolchain ok: $rv; $bv; $(qemu-system-x86_64 --version | head -n1)"
