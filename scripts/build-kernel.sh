#!/usr/bin/env bash
# Build the alock test kernel: Debian's linux-source-6.12 + patches/*.patch,
# tinyconfig + kvm_guest.config + scripts/kernel.config (+ for KFLAVOR=bench
# scripts/kernel-bench.config).  The tree is cached under
# $ALOCK_CACHE/kernel-<flavour>-<hash>/ (hash of source version, patches,
# config fragments and KERNEL_RECIPE of lib.sh), so an unchanged input does
# not rebuild.
# Prints the kernel tree's path on stdout.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

key=$(kernel_key)
top="$ALOCK_CACHE/kernel-$KFLAVOR-$key"
mapfile -t frags < <(kernel_fragments)
src="$top/linux"
mapfile -t vars < <(kmake_vars)

if [ -f "$top/.built" ]; then
	log "kernel $key: cached in $top"
	echo "$src"
	exit 0
fi

mkdir -p "$ALOCK_CACHE"
if [ ! -f "$top/.configured" ]; then
	rm -rf "$top"
	mkdir -p "$top"
	log "kernel $key: unpacking $KERNEL_TARBALL"
	tar -C "$top" -xf "$KERNEL_TARBALL"
	mv "$top"/linux-source-6.12 "$src"
	for p in "$ALOCK_TOP"/patches/*.patch; do
		[ -e "$p" ] || continue
		log "applying $(basename "$p")"
		patch -d "$src" -p1 --batch --quiet <"$p" || die "patch $(basename "$p") does not apply"
	done
	log "configuring"
	make -C "$src" -s "${vars[@]}" tinyconfig >/dev/null
	(cd "$src" && scripts/kconfig/merge_config.sh -m .config \
		kernel/configs/kvm_guest.config "${frags[@]}" >/dev/null)
	make -C "$src" -s "${vars[@]}" olddefconfig >/dev/null
	# Every option of the fragments must have stuck (the last word wins).
	bad=0
	while IFS= read -r want; do
		opt=${want#\# }
		opt=${opt%%[= ]*}
		# "is not set" also holds for an option hidden by its dependencies
		if ! grep -qxF "$want" "$src/.config" &&
			! { [[ $want == "# "* ]] && ! grep -qE "(^|# )${opt}[= ]" "$src/.config"; }; then
			got=$(grep -E "(^|# )${opt}[= ]" "$src/.config" || echo unset)
			log "config: wanted '$want', got '$got'"
			bad=1
		fi
	done < <(cat "${frags[@]}" | grep -E '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' |
		awk '{o=$0; sub(/^# /,"",o); sub(/[= ].*/,"",o); last[o]=$0; order[o]=NR}
			END {for (o in last) print order[o] "\t" last[o]}' | sort -n | cut -f2-)
	[ $bad = 0 ] || die "kernel config fragment did not apply (dependencies missing?)"
	make -C "$src" -s "${vars[@]}" rustavailable >&2 || die "Rust is not available to the kernel build"
	touch "$top/.configured"
fi

log "kernel $key: building bzImage and modules with -j$JOBS (several minutes)"
start=$(date +%s)
make -C "$src" -s -j"$JOBS" "${vars[@]}" bzImage modules >&2
rm -rf "$top/modroot"
make -C "$src" -s "${vars[@]}" INSTALL_MOD_PATH="$top/modroot" INSTALL_MOD_STRIP=1 \
	DEPMOD=/sbin/depmod modules_install >&2
log "kernel $key: built in $(($(date +%s) - start)) s"
touch "$top/.built"

# Keep the cache small: drop this flavour's trees of other inputs (unless
# ALOCK_KEEP_KERNELS=1: several checkouts with different patches share it).
if [ "${ALOCK_KEEP_KERNELS:-}" != 1 ]; then
	for old in "$ALOCK_CACHE/kernel-$KFLAVOR"-*; do
		[ "$old" = "$top" ] || rm -rf "$old"
	done
fi
echo "$src"
