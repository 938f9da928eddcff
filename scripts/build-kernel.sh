#!/usr/bin/env bash
# Build the alock test kernel: Debian's linux-source-6.12 + patches/*.patch,
# tinyconfig + kvm_guest.config + scripts/kernel.config.  The tree is cached
# under $ALOCK_CACHE/kernel-<hash>/ (hash of source version, patches, config
# and this script), so an unchanged input does not rebuild.
# Prints the kernel tree's path on stdout.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

key=$(kernel_key)
top="$ALOCK_CACHE/kernel-$key"
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
		kernel/configs/kvm_guest.config "$ALOCK_TOP/scripts/kernel.config" >/dev/null)
	make -C "$src" -s "${vars[@]}" olddefconfig >/dev/null
	# Every option of the fragment must have stuck.
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) want=$line ;;
		"# CONFIG_"*" is not set") want=$line ;;
		*) continue ;;
		esac
		if ! grep -qxF "$want" "$src/.config"; then
			opt=${want#\# }
			opt=${opt%%[= ]*}
			log "config: wanted '$want', got '$(grep -E "(^|# )$opt[= ]" "$src/.config" || echo unset)'"
			bad=1
		fi
	done <"$ALOCK_TOP/scripts/kernel.config"
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

# Keep the cache small: drop trees of other inputs.
for old in "$ALOCK_CACHE"/kernel-*; do
	[ "$old" = "$top" ] || rm -rf "$old"
done
echo "$src"
