#!/usr/bin/env bash
# Build the guests' initramfs: busybox, the test kernel's modules (rxe and
# friends), iproute2's ip and rdma, verbs utilities, perftest and perf with their
# shared libraries and the rxe provider, and tests/guest/init.sh as /init.
# The module and the tests are not in it: guests mount them from the host
# over 9p (scripts/cluster.sh), so rebuilding the module needs no new image.
# Usage: build-initramfs.sh KERNEL_TREE OUTPUT.cpio
#
# Not compressed, each library once: a guest under TCG took 10 s of its
# boot to unpack the gzipped 21 MB archive (55 MB of files, libraries
# twice), and make check boots 17 guests.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

kdir=${1:?kernel tree}
out=${2:?output file}
modroot="$kdir/../modroot"
[ -d "$modroot/lib/modules" ] || die "no installed modules in $modroot (build the kernel first)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp's 0700 would become the guest's /, which keeps every user but
# root out of every path (alocktest caps opens the device as another user)
chmod 755 "$root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,mnt,lib,lib64,usr/bin,usr/lib,payload,out}

install -m755 /bin/busybox "$root/bin/busybox"
cp -a "$modroot/lib/modules" "$root/lib/"

# Copy a program or library and every shared library it needs.
add_elf() {
	local f=$1 lib
	[ -e "$root$f" ] || install -D -m755 "$f" "$root$f"
	while read -r lib; do
		[ -e "$root$lib" ] && continue
		if [ -L "$lib" ]; then
			# A symlinked name (libfoo.so.1 -> libfoo.so.1.2): the file
			# once, the name as a link to it (a second copy cost every
			# boot seconds of unpacking under TCG).
			real=$(readlink -f "$lib")
			[ -e "$root$real" ] || install -D -m755 "$real" "$root$real"
			mkdir -p "$root$(dirname "$lib")"
			ln -s "$real" "$root$lib"
		else
			install -D -m755 "$lib" "$root$lib"
		fi
	done < <(ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}')
}

# perf (linux-perf): perf lock contention and perf record -e lock:* in the
# guests (tests/guest/observe.sh).
for prog in ip rdma ibv_devinfo ibv_rc_pingpong ib_send_lat ib_atomic_lat ib_read_lat \
	ib_write_lat ib_send_bw rping perf; do
	path=$(command -v "$prog") || die "$prog not found (run scripts/setup-toolchain.sh)"
	add_elf "$(readlink -f "$path")"
	[ "$(readlink -f "$path")" = "$path" ] || { mkdir -p "$root$(dirname "$path")"; ln -sf "$(readlink -f "$path")" "$root$path"; }
done
# libgcc_s is dlopen()ed by glibc for pthread_cancel/backtraces.
for f in /lib/x86_64-linux-gnu/libgcc_s.so.1 /usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav34.so; do
	add_elf "$f"
done
mkdir -p "$root/etc/libibverbs.d"
cp /etc/libibverbs.d/rxe.driver "$root/etc/libibverbs.d/"

install -m755 "$ALOCK_TOP/tests/guest/init.sh" "$root/init"
echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
log "initramfs: $out ($(du -h "$out" | cut -f1))"
