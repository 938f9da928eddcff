#!/usr/bin/env bash
# Shared settings for the alock scripts.  Source it; do not run it.
# shellcheck shell=bash

ALOCK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ALOCK_CACHE=${ALOCK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alock}
KERNEL_TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
# Debian's rustc-web: the kernel needs the rustc that matches rust-web-src.
KRUSTC=${KRUSTC:-/usr/bin/rustc}
KRUSTDOC=${KRUSTDOC:-/usr/bin/rustdoc}
KBINDGEN=${KBINDGEN:-$HOME/.cargo/bin/bindgen}
KCLIPPY=${KCLIPPY:-/usr/bin/clippy-driver}
JOBS=${JOBS:-$(nproc)}

log() { printf '[alock] %s\n' "$*" >&2; }
die() { printf '[alock] error: %s\n' "$*" >&2; exit 1; }

# Kernel flavour: "test" (lockdep and other debugging, for make check and
# demo), "bench" (the same kernel without the debugging options, for
# performance figures), "sanitize" (test + KASAN, UBSAN, KFENCE; built
# with LLVM=1) or "kcsan" (test + KCSAN), the last two for make
# check-sanitize.
KFLAVOR=${KFLAVOR:-test}

# Config fragments of a flavour, in merge order.
kernel_fragments() {
	echo "$ALOCK_TOP/scripts/kernel.config"
	case $KFLAVOR in
	test) ;;
	bench | sanitize | kcsan) echo "$ALOCK_TOP/scripts/kernel-$KFLAVOR.config" ;;
	*) die "KFLAVOR=$KFLAVOR: one of test, bench, sanitize, kcsan" ;;
	esac
}

# Version of the build recipe in scripts/build-kernel.sh: bump it when a
# change there changes the kernel that comes out (not for cosmetic edits).
KERNEL_RECIPE=1

# Hash of everything that goes into the kernel: the source package
# version, the flavour, the recipe version, the patch series and the config
# fragments.
kernel_key() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
	{
		echo "$ver $KFLAVOR recipe $KERNEL_RECIPE"
		cat "$ALOCK_TOP"/patches/*.patch 2>/dev/null
		# shellcheck disable=SC2046
		cat $(kernel_fragments)
	} | sha256sum | cut -c1-16
}

kernel_dir() { echo "$ALOCK_CACHE/kernel-$KFLAVOR-$(kernel_key)/linux"; }

# Make variables every kernel/module make needs.
kmake_vars() {
	printf '%s\n' "RUSTC=$KRUSTC" "RUSTDOC=$KRUSTDOC" "BINDGEN=$KBINDGEN" "CLIPPY_DRIVER=$KCLIPPY"
	# Rust and KASAN: the kernel must be built by clang
	# (init/Kconfig: RUST depends on !KASAN || CC_IS_CLANG).
	[ "$KFLAVOR" = sanitize ] && echo LLVM=1
	return 0
}

# The user-space tool (tools/alockctl) builds with rustup's cargo and its
# own toolchain, not with the kernel's rustc.
ACARGO=${ACARGO:-$HOME/.cargo/bin/cargo}
ALOCKCTL_CRATE=${ALOCKCTL_CRATE:-$ALOCK_TOP/tools/alockctl}
# The host crates (alockctl, the loom models) build into one target folder
# in the cache, like the kernel: a fresh clone reuses their compiled
# dependencies (minutes of make check).  Cargo locks it for each build.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ALOCK_CACHE/cargo-target}
