#!/usr/bin/env bash
# make check-sanitize: make check's first run (every single-guest test:
# the locks' self-tests and stress runs, the C API, the mmap_lock tests,
# the kernel's mm selftests, the ioctl fuzzer) on the sanitizer kernels:
# "sanitize" (KASAN, UBSAN, KFENCE; clang) and "kcsan" (KCSAN), each
# with the test kernel's lockdep and debugging options.  A sanitizer
# report is a splat (scripts/check-splats.sh: "BUG:", "KASAN", "UBSAN")
# and fails the run.  FLAVOURS="sanitize" picks; the images must be
# built (make check-sanitize does).  Prints "N passed, N failed" last.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

passed=0
failed=0
start=$(date +%s)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for f in ${FLAVOURS:-sanitize kcsan}; do
	t0=$(date +%s)
	KFLAVOR=$f PAYLOAD="$ALOCK_TOP/build/payload-$f" INITRD="$ALOCK_TOP/build/initramfs-$f.cpio" \
		"$ALOCK_TOP/scripts/cluster.sh" -n 2 -c 2 -t 3000 \
		-o "$ALOCK_TOP/build/runs/$(date +%Y%m%d-%H%M%S)-check-$f" check | tee "$out" || true
	line=$(grep -E 'passed=[0-9]+ failed=[0-9]+' "$out" | tail -n1)
	p=$(sed -nE 's/.*passed=([0-9]+).*/\1/p' <<<"$line")
	n=$(sed -nE 's/.*failed=([0-9]+).*/\1/p' <<<"$line")
	echo "# check-sanitize $f: ${p:-0} passed, ${n:-?} failed in $(($(date +%s) - t0)) s"
	passed=$((passed + ${p:-0}))
	if [ -z "$n" ]; then failed=$((failed + 1)); else failed=$((failed + n)); fi
done
log "check-sanitize finished in $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
