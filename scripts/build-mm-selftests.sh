#!/usr/bin/env bash
# Build a subset of the kernel's own tools/testing/selftests/mm tests as static
# x86-64 binaries for the alock test guests, each linked with OPTIN_C (a
# constructor that opts the process into alock).  The kernel tree is only read:
# its UAPI headers are copied (and cleaned as `make headers_install` would)
# into a temporary folder, and all objects go there or to OUTDIR.
#
# Usage: build-mm-selftests.sh KERNEL_SRC OPTIN_C OUTDIR [INCLUDE_DIR]
#   INCLUDE_DIR: extra -I for OPTIN_C only (e.g. include/uapi for <linux/alock.h>)
#
# Writes OUTDIR/<test> and OUTDIR/mm-selftests.list, one "<test> <args...>"
# line per binary built.  A test whose CONFIG_ needs are not met by
# KERNEL_SRC/.config, or that fails to build, is skipped with a note on stderr.
# The tests print TAP and exit 0 (pass), 4 (skip) or 1 (fail).  Run them as
# root from a writable folder (map_populate uses tmpfile()), with
# vm.overcommit_memory=1: mremap_test maps 2 GiB regions (touching 4 MiB).
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 KERNEL_SRC OPTIN_C OUTDIR [INCLUDE_DIR]" >&2; exit 2; }
ksrc=$(realpath "$1")
optin=$(realpath "$2")
mkdir -p "$3"
out=$(realpath "$3")
optinc=()
[ $# -ge 4 ] && optinc=(-I "$(realpath "$4")")
mm=$ksrc/tools/testing/selftests/mm
[ -f "$mm/vm_util.c" ] || { echo "$0: no $mm/vm_util.c" >&2; exit 1; }
[ -f "$ksrc/.config" ] || { echo "$0: no $ksrc/.config" >&2; exit 1; }

# name | CONFIG_ options it needs (beyond the base config) | arguments
tests=(
	"map_fixed_noreplace||"
	"map_populate||"
	"mremap_test||-t 4"
	"mremap_dontunmap||"
	"mlock2-tests||"
	"mrelease_test||"
	"mdwe_test||"
	"seal_elf||"
	"mkdirty||"
	"mseal_test|ADVISE_SYSCALLS|"
	"madv_populate|ADVISE_SYSCALLS|"
	"droppable|ADVISE_SYSCALLS|"
	"cow|ADVISE_SYSCALLS|"
	"soft-dirty|MEM_SOFT_DIRTY|"
	"pagemap_ioctl|USERFAULTFD HUGETLBFS|"
	# Sub-sets, one run each: the whole program takes minutes under TCG
	# ("events-wp" alone one to two minutes; the "events" tests caught the
	# userfaultfd race that patches/0005 fixes).
	"uffd-unit-tests|USERFAULTFD ADVISE_SYSCALLS|-f register-ioctls"
	"uffd-unit-tests|USERFAULTFD ADVISE_SYSCALLS|-f zeropage"
	"uffd-unit-tests|USERFAULTFD ADVISE_SYSCALLS|-f move"
	"uffd-unit-tests|USERFAULTFD ADVISE_SYSCALLS|-f wp-fork"
	"uffd-unit-tests|USERFAULTFD ADVISE_SYSCALLS|-f wp-unpopulated"
	"uffd-unit-tests|USERFAULTFD ADVISE_SYSCALLS|-f minor"
	"uffd-unit-tests|USERFAULTFD ADVISE_SYSCALLS|-f sigbus"
	"uffd-unit-tests|USERFAULTFD ADVISE_SYSCALLS|-f events"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS

# This kernel's UAPI headers: the sed of scripts/headers_install.sh (its
# unifdef step only drops #ifdef __KERNEL__ blocks, inert here).
hdr=$tmp/include
mkdir -p "$hdr"
for d in include/uapi arch/x86/include/uapi include/generated/uapi arch/x86/include/generated/uapi; do
	[ -d "$ksrc/$d" ] && cp -r "$ksrc/$d/." "$hdr/"
done
find "$hdr" -name '*.h' -exec sed -i -E \
	-e 's/([[:space:](])(__user|__force|__iomem)[[:space:]]/\1/g' \
	-e 's/__attribute_const__([[:space:]]|$)/\1/g' \
	-e 's@^#include <linux/compiler(|_types).h>@@' \
	-e 's/(^|[^a-zA-Z0-9])__packed([^a-zA-Z0-9_]|$)/\1__attribute__((packed))\2/g' \
	-e 's@#(ifndef|define|endif[[:space:]]*/[*])[[:space:]]*_UAPI@#\1 @' {} +
: >"$tmp/local_config.h" # what check_config.sh writes without liburing

cflags=(-static -O1 -D_GNU_SOURCE -U_FORTIFY_SOURCE -I "$tmp"
	-isystem "$hdr" -isystem "$ksrc/tools/include/uapi")
libs=(-lrt -lpthread -lm)

# Compile from inside the mm folder, as upstream does, so that __FILE__ is a
# bare name (pagemap_ioctl creates "$__FILE__.tmp0" in its working folder).
cd "$mm"
gcc "${cflags[@]}" "${optinc[@]}" -c "$optin" -o "$tmp/optin.o"
# Helpers go into an archive: each test pulls in only what it uses.
helpers=()
for h in vm_util thp_settings uffd-common; do
	if gcc "${cflags[@]}" -c "$h.c" -o "$tmp/$h.o" 2>"$tmp/$h.err"; then
		helpers+=("$tmp/$h.o")
	else
		echo "warning: $h.c did not compile (tests using it will fail):" >&2
		sed 's/^/  /' "$tmp/$h.err" >&2
	fi
done
ar rcs "$tmp/libmm.a" "${helpers[@]}"

list=$out/mm-selftests.list
: >"$list.tmp"
for t in "${tests[@]}"; do
	IFS='|' read -r name needs args <<<"$t"
	missing=
	for c in $needs; do
		grep -qx "CONFIG_$c=y" "$ksrc/.config" || missing+=" CONFIG_$c"
	done
	if [ -n "$missing" ]; then
		echo "skip $name: kernel lacks$missing" >&2
		continue
	fi
	if [ ! -f "$name.c" ]; then
		echo "skip $name: no $name.c in this kernel" >&2
		continue
	fi
	# A test listed again with other arguments is built once.
	if grep -q "^$name\( \|$\)" "$list.tmp"; then
		echo "$name${args:+ $args}" >>"$list.tmp"
		continue
	fi
	if gcc "${cflags[@]}" "$name.c" "$tmp/optin.o" "$tmp/libmm.a" "${libs[@]}" \
		-o "$out/$name" 2>"$tmp/$name.err"; then
		echo "$name${args:+ $args}" >>"$list.tmp"
		echo "built $name" >&2
	else
		echo "skip $name: build failed:" >&2
		sed 's/^/  /' "$tmp/$name.err" | head -n 20 >&2
		rm -f "$out/$name"
	fi
done
# make check's variant of uffd-unit-tests: the same tests on 8 MiB regions
# instead of the kernel's 32 MiB (UFFD_TEST_MEM_SIZE), which under TCG took
# five minutes of make check; make soak runs the kernel's size.
if [ -x "$out/uffd-unit-tests" ]; then
	sed 's/^#define[[:space:]]*UFFD_TEST_MEM_SIZE[[:space:]].*/#define UFFD_TEST_MEM_SIZE (8UL << 20)/' \
		uffd-unit-tests.c >"$tmp/uffd-unit-tests-small.c"
	grep -q 'UFFD_TEST_MEM_SIZE (8UL << 20)' "$tmp/uffd-unit-tests-small.c" ||
		{ echo "error: uffd-unit-tests.c has no UFFD_TEST_MEM_SIZE to shrink" >&2; exit 1; }
	gcc "${cflags[@]}" -I "$mm" "$tmp/uffd-unit-tests-small.c" "$tmp/optin.o" "$tmp/libmm.a" \
		"${libs[@]}" -o "$out/uffd-unit-tests.small" ||
		{ echo "error: uffd-unit-tests.small did not build" >&2; exit 1; }
	echo "built uffd-unit-tests.small (8 MiB regions, for make check)" >&2
fi
mv "$list.tmp" "$list"
echo "built $(wc -l <"$list") mm selftests into $out in $((SECONDS - start)) s" >&2
