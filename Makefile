# SPDX-License-Identifier: GPL-2.0
# alock: top-level targets.  The module itself is built by kbuild (Kbuild);
# everything here goes through scripts/, which install what is missing.
#
#   make demo     set up, build, two guests (bench kernel), a few seconds of
#                 each lock family against the stock ones: tables, a figure
#   make check    set up, build, host tests + every guest test; CI runs this
#   make check-queue|check-prwlock|check-mm|check-alock|check-observe
#                 the host tests and one family's guest tests (ONLY=...)
#   make check-faults  ALock and the lock table on 3 guests whose link
#                 loses (1 %, 5 %), delays and reorders frames (net-hub.py)
#   make check-sanitize  make check's first run on the KASAN/UBSAN/KFENCE
#                 kernel (clang) and on the KCSAN kernel (SANITIZE_FLAVOURS)
#   make bench    longer runs and RDMA latency figures (not asserted)
#   make soak     long stress runs
#   make bench-locks  only the lock benchmark matrices, one guest
#   make bench-alock  only ALock vs its competitors (the lock table), on
#                 ALOCK_NODES guests (default 2) of VCPUS vCPUs each
#   make bench-alock-rw  only ALock-RW vs exclusive ALock and DSLR, the same
#                 guests (ALOCK_RW_KEYS keys, default 64; ALOCK_RW_THREADS
#                 threads per node, default 2)
#   make bench-mm only the mmap_lock benchmark (prwlock vs rwsem), one guest;
#                 then again in a MM_PIN_VCPUS-vCPU guest (default 4) with
#                 the benchmark pinned to MM_PIN_CPUS CPUs (default 2);
#                 MM_PIN_VCPUS= skips that pass
#   make rdma-lat cross-guest RDMA round-trip latencies (bench kernel)
#   Every bench target (and make bench) leaves its figures as JSON lines in
#   build/runs/<run>/bench.jsonl (scripts/cluster.sh collects them) and
#   prints them with scripts/report.sh; scripts/report.sh --markdown RUN
#   prints the README tables (Documentation/benchmarks.rst).
#   make module   just alock.ko (CLIPPY=1 to lint, ALOCK_INJECT_WARN=1 to
#                 build one that WARNs at load, proving that check fails)
#   make shell    interactive single guest
# Cluster shape: NODES=2 VCPUS=2 (defaults), ACCEL=tcg|kvm.

SHELL := /bin/bash
NODES ?= 2
VCPUS ?= 2
TIMEOUT ?= 1500
# test: lockdep & co (check, demo, soak); bench: no debugging (bench)
KFLAVOR ?= test
# rdma-lat: one vCPU per guest measures best on a 2-core host (see README)
LAT_VCPUS ?= 1
# bench-mm's second pass: more vCPUs than the benchmark runs on, so that
# the lock's domain has CPUs to skip
MM_PIN_VCPUS ?= 4
MM_PIN_CPUS ?= 2
PAYLOAD := build/payload-$(KFLAVOR)
INITRD := build/initramfs-$(KFLAVOR).cpio
export NODES VCPUS TIMEOUT ACCEL CLIPPY ALOCK_INJECT_WARN KFLAVOR PAYLOAD INITRD
BENCH_ENV := KFLAVOR=bench PAYLOAD=build/payload-bench INITRD=build/initramfs-bench.cpio

.PHONY: all setup kernel module payload initramfs images demo check bench bench-locks bench-alock bench-alock-rw \
	check-queue check-prwlock check-mm check-alock check-observe check-faults check-sanitize \
	bench-mm soak rdma-lat \
	host-tests shell clean distclean

all: module

setup:
	@scripts/setup-toolchain.sh

kernel: setup
	@scripts/build-kernel.sh >/dev/null

module: kernel
	@scripts/build-module.sh

payload: module
	@mkdir -p $(PAYLOAD)/tests/guest
	@cp alock.ko tests/kmod/alock_ctest.ko tests/kmod/alock_dltest.ko $(PAYLOAD)/
	@gcc -static -O2 -Wall -Wextra -Werror -Iinclude/uapi \
		-o $(PAYLOAD)/alocktest tests/guest/alocktest.c
	@gcc -static -O2 -Wall -Wextra -Werror -Iinclude/uapi \
		-o $(PAYLOAD)/rdmatest tests/guest/rdmatest.c -lm
	@gcc -static -O2 -Wall -Wextra -Werror -Iinclude/uapi \
		-o $(PAYLOAD)/mmtest tests/guest/mmtest.c -lpthread
	@gcc -static -O2 -Wall -Wextra -Werror -Iinclude/uapi \
		-o $(PAYLOAD)/uffdtest tests/guest/uffdtest.c -lpthread
	@gcc -static -O2 -Wall -Wextra -Werror -Iinclude/uapi \
		-o $(PAYLOAD)/foreigntest tests/guest/foreigntest.c -lpthread
	@gcc -static -O2 -Wall -Wextra -Werror -Iinclude/uapi \
		-o $(PAYLOAD)/alockfuzz tests/guest/alockfuzz.c -lpthread
	@scripts/build-mm-selftests.sh "$$(scripts/build-kernel.sh 2>/dev/null)" \
		tests/guest/mm_optin.c $(PAYLOAD)/mm-selftests include/uapi 2>build/mm-selftests.log || \
		{ cat build/mm-selftests.log; exit 1; }
	@scripts/build-alockctl.sh $(PAYLOAD)/alockctl
	@cp tests/guest/*.sh $(PAYLOAD)/tests/guest/

initramfs: kernel
	@scripts/build-initramfs.sh "$$(scripts/build-kernel.sh 2>/dev/null)" $(INITRD)

images: payload initramfs

# A short look at every family against the stock locks (bench kernel).
demo:
	@$(MAKE) --no-print-directory $(BENCH_ENV) images
	@$(BENCH_ENV) scripts/demo.sh

check: images
	@scripts/check.sh check

# One family's guest tests and the host tests (a few minutes warm).
check-queue check-prwlock check-mm check-alock check-observe: images
	@ONLY=$(@:check-%=%) scripts/check.sh check

# ALock and the lock table under link faults (loss, delay, reordering).
check-faults: images
	@scripts/check-faults.sh

# make check's first run on the sanitizer kernels (scripts/check-sanitize.sh).
SANITIZE_FLAVOURS ?= sanitize kcsan
check-sanitize:
	@for f in $(SANITIZE_FLAVOURS); do \
		$(MAKE) --no-print-directory KFLAVOR=$$f PAYLOAD=build/payload-$$f \
			INITRD=build/initramfs-$$f.cpio images || exit 1; \
	done
	@FLAVOURS="$(SANITIZE_FLAVOURS)" scripts/check-sanitize.sh

# Benchmarks run on the bench kernel (same patches and config, no debugging).
bench:
	@$(MAKE) --no-print-directory $(BENCH_ENV) images
	@$(BENCH_ENV) scripts/check.sh bench

# 10^8 operations per lock kind, 10 s stress runs, 10^6 fuzzer calls and
# 20 s lock table runs (Documentation/testing.rst, "make soak"): give the
# cluster 2 hours (at most 600 s per lock kind for the 10^8).
soak: TIMEOUT = 7200
soak: images
	@scripts/check.sh soak

# Cross-guest RDMA round trips (perftest over rxe) on the bench kernel.
# Only the lock benchmark matrices, one guest (bench kernel).
bench-locks:
	@$(MAKE) --no-print-directory $(BENCH_ENV) images
	@$(BENCH_ENV) scripts/cluster.sh -n 1 -c $(VCPUS) lockbench >/dev/null || true
	@scripts/report.sh build/runs/latest

# Only ALock against its competitors on the lock table (bench kernel).
ALOCK_NODES ?= 2
bench-alock:
	@$(MAKE) --no-print-directory $(BENCH_ENV) images
	@$(BENCH_ENV) scripts/cluster.sh -n $(ALOCK_NODES) -c $(VCPUS) \
		-o "$(CURDIR)/build/runs/$$(date +%Y%m%d-%H%M%S)-alockbench-$(ALOCK_NODES)n" \
		alockbench >/dev/null || true
	@scripts/report.sh build/runs/latest

# Only ALock-RW against exclusive ALock and DSLR (the reader-writer matrix
# of issue 21), on ALOCK_NODES guests (bench kernel), ALOCK_RW_KEYS keys,
# ALOCK_RW_THREADS threads per node.
ALOCK_RW_KEYS ?= 64
ALOCK_RW_THREADS ?= 2
bench-alock-rw:
	@$(MAKE) --no-print-directory $(BENCH_ENV) images
	@$(BENCH_ENV) GUEST_CMDLINE="$(GUEST_CMDLINE) alock_rw_keys=$(ALOCK_RW_KEYS) alock_rw_threads=$(ALOCK_RW_THREADS)" \
		scripts/cluster.sh -n $(ALOCK_NODES) -c $(VCPUS) \
		-o "$(CURDIR)/build/runs/$$(date +%Y%m%d-%H%M%S)-alockrwbench-$(ALOCK_NODES)n" \
		alockrwbench >/dev/null || true
	@scripts/report.sh build/runs/latest

# Only the mmap_lock benchmark (prwlock vs rwsem), one guest (bench kernel),
# then the pinned pass (alock_mm_pin on the guest command line, run.sh).
bench-mm:
	@$(MAKE) --no-print-directory $(BENCH_ENV) images
	@$(BENCH_ENV) scripts/cluster.sh -n 1 -c $(VCPUS) mmbench >/dev/null || true
	@scripts/report.sh build/runs/latest
	@if [ -n "$(MM_PIN_VCPUS)" ]; then \
		$(BENCH_ENV) GUEST_CMDLINE="$(GUEST_CMDLINE) alock_mm_pin=$(MM_PIN_CPUS)" \
			scripts/cluster.sh -n 1 -c $(MM_PIN_VCPUS) \
			-o "$(CURDIR)/build/runs/$$(date +%Y%m%d-%H%M%S)-mmbench-pin$(MM_PIN_CPUS)of$(MM_PIN_VCPUS)" \
			mmbench >/dev/null || true; \
		scripts/report.sh build/runs/latest; \
	fi

rdma-lat:
	@$(MAKE) --no-print-directory $(BENCH_ENV) images
	@$(BENCH_ENV) scripts/cluster.sh -n 2 -c $(LAT_VCPUS) rdmalat >/dev/null || true
	@scripts/report.sh build/runs/latest

host-tests: images
	@scripts/host-tests.sh

shell: images
	@scripts/cluster.sh -n 1 -c $(VCPUS) shell

clean:
	rm -rf build
	rm -f *.o *.ko *.mod *.mod.c .*.cmd Module.symvers modules.order $$(find rust -name "*.o" -o -name ".*.cmd")

distclean: clean
	rm -rf "$${XDG_CACHE_HOME:-$$HOME/.cache}/alock"
