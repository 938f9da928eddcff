#!/usr/bin/env bash
# Host-side tests (no guest needed): lint, style, the uapi header, the splat
# detector and a warning-free clippy build.  Prints TAP-like lines and
# "HOST passed=N failed=N" last.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ALOCK_TOP"

passed=0
failed=0
t() { # description, command...
	local d=$1
	shift
	if "$@" >/tmp/host-test.$$ 2>&1; then
		echo "ok - $d"
		passed=$((passed + 1))
	else
		echo "not ok - $d"
		sed 's/^/#   /' /tmp/host-test.$$ | head -n 40
		failed=$((failed + 1))
	fi
}
not() { ! "$@"; }

kdir=$(scripts/build-kernel.sh 2>/dev/null)

t "shellcheck scripts/ and tests/" shellcheck -x scripts/*.sh tests/guest/*.sh
t "rustfmt --check rust/" rustfmt --check --edition 2021 --config-path "$kdir/.rustfmt.toml" rust/alock_main.rs
t "checkpatch: C and headers" "$kdir/scripts/checkpatch.pl" --no-tree --quiet --strict \
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES -f rust/inject_warn.c rust/inject_warn.h rust/sync/prwlock/glue.h rust/hooks/prwlock_mm.h rust/harness/rw_baselines.h \
	include/uapi/linux/alock.h include/linux/alock.h \
	tests/kmod/alock_ctest.c tests/kmod/alock_dltest.c rust/sync/prwlock/fast.c rust/hooks/prwlock_torture.c \
	rust/harness/rw_baselines.c rust/harness/prw_irq.c rust/harness/prw_irq.h rust/hooks/prwlock_mm.c \
	rust/support/stats.c rust/support/stats.h rust/support/trace.c rust/support/trace.h \
	rust/support/misuse.c rust/support/misuse.h
# DEFINE_STATIC_PRWLOCK() names its lock in the lock's own initialisers (as
# DEFINE_STATIC_PERCPU_RWSEM() does): an identifier, which --strict's
# argument-reuse check cannot tell from an expression with side effects.
t "checkpatch: prwlock header" "$kdir/scripts/checkpatch.pl" --no-tree --quiet --strict \
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES,MACRO_ARG_REUSE -f include/linux/prwlock.h
# TRACE_EVENT() has its own layout (as include/trace/events/*.h), which
# --strict's alignment checks do not know.
t "checkpatch: trace events header" "$kdir/scripts/checkpatch.pl" --no-tree --quiet \
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES -f rust/support/alock_trace.h
# The C glue exports functions defined in Rust, so EXPORT_SYMBOL cannot
# follow a C definition there.
t "checkpatch: C glue" "$kdir/scripts/checkpatch.pl" --no-tree --quiet --strict \
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES,EXPORT_SYMBOL -f rust/capi/exports.c rust/sync/prwlock/exports.c
# The RDMA shim yields between polls of a completion on purpose (see
# alock_rdma_relax): there is no event to wait for.
t "checkpatch: RDMA shim" "$kdir/scripts/checkpatch.pl" --no-tree --quiet --strict \
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES,YIELD -f rust/rdma/rdma_shim.c rust/rdma/rdma_shim.h
# Patches go in on stdin: given a path under patches/ inside this git
# tree, checkpatch misreads a blank context line as added whitespace.
checkpatch_stdin() { "$kdir/scripts/checkpatch.pl" --no-tree --quiet --ignore FILE_PATH_CHANGES - <"$1"; }
for p in patches/*.patch; do
	t "checkpatch: $(basename "$p")" checkpatch_stdin "$p"
done
t "uapi header compiles alone (C99, pedantic)" \
	gcc -fsyntax-only -std=c99 -Wall -Wextra -pedantic -Werror -Iinclude/uapi \
	-include linux/alock.h -x c /dev/null
t "uapi header compiles as C++" \
	g++ -fsyntax-only -Wall -Werror -Iinclude/uapi -include linux/alock.h -x c++ /dev/null

# The layout of README.md: layers import downwards, no circles, files
# split by concern; and the checker must catch the old tree's circles.
t "rust/: layers import only downwards, no circles, no file over 800 lines" \
	scripts/check-layers.py rust
layers_catch() {
	local d
	d=$(mktemp -d)
	mkdir -p "$d/dlock" "$d/support"
	printf 'use super::b::X;\n' >"$d/dlock/a.rs"
	printf 'use super::a::Y;\n' >"$d/dlock/b.rs"
	printf 'use crate::uapi::Z;\n' >"$d/support/c.rs"
	printf '// uapi\n' >"$d/uapi.rs"
	local rc=1
	if ! scripts/check-layers.py "$d" >"$d/out" &&
		grep -q 'circle: dlock::a, dlock::b' "$d/out" &&
		grep -q 'upward: support::c -> uapi' "$d/out"; then
		rc=0
	fi
	rm -rf "$d"
	return $rc
}
t "layer checker catches a circle and an upward import" layers_catch

# The cluster's switch (3+ guests, or 2 with NET_FAULTS): flooding, learning,
# strangers dropped; its faults: loss, seed, delay, jitter, reorder.
t "net-hub.py: loopback learning switch, with and without faults" python3 scripts/net-hub-test.py

# Benchmark records: a fixture run's bench-json lines -> bench.jsonl ->
# report.sh --markdown with the expected ratios (scripts/bench-jsonl-test.sh).
t "bench.jsonl: collected, valid, run fields, lock table cell and ratios in report.sh --markdown" \
	scripts/bench-jsonl-test.sh

# The splat detector must catch each sample and pass a clean log.
for f in tests/host/splats/*.log; do
	t "splat detector catches $(basename "$f" .log)" not scripts/check-splats.sh "$f"
done
t "splat detector passes a clean boot log" scripts/check-splats.sh tests/host/clean-boot.log
# KCSAN: a report of the kernel's own race passes (listed as foreign), even
# with an alock frame in the interrupted context below the IRQ entry; the
# same report with an alock frame in the racing stack is caught.
kcsan_foreign() {
	local out
	# Whole output first: grep -q in a pipe may exit before the writer,
	# which then dies of SIGPIPE and fails the pipe under pipefail.
	out=$(scripts/check-splats.sh tests/host/kcsan-foreign.log) &&
		grep -q "foreign KCSAN reports" <<<"$out"
}
kcsan_racing_alock() {
	local f rc
	f=$(mktemp)
	sed 's/tmigr_handle_remote_up+0x173\/0x4bc/prw_irq_report+0x10\/0x20 [alock]/' \
		tests/host/kcsan-foreign.log >"$f"
	scripts/check-splats.sh "$f" >/dev/null
	rc=$?
	rm -f "$f"
	[ "$rc" = 1 ]
}
t "splat detector passes a foreign KCSAN report (the kernel's timer migration)" kcsan_foreign
t "splat detector catches that report with an alock frame in a racing stack" kcsan_racing_alock
t "splat detector accepts alock_misuse WARNs between the expected-WARN markers" \
	scripts/check-splats.sh tests/host/expected-warn.log

# Rust: no warnings from rustc or clippy (forces a rebuild of the crate).
# clippy-driver is rustc with clippy's lints added: one build shows both,
# and leaves the same alock.ko as a plain build.
quiet_build() { # extra env...
	local o
	touch rust/alock_main.rs
	o=$(env "$@" scripts/build-module.sh 2>&1) || { echo "$o"; return 1; }
	echo "$o"
	! grep -qE '^(warning|error)' <<<"$o"
}
t "module build (rustc and clippy lints) without warnings" quiet_build CLIPPY=1

# A host crate: cargo fmt --check, clippy without warnings, its tests
# (described as $3, with the cargo test options after it) and their summary
# line.  Dependencies are cached in $CARGO_TARGET_DIR.
crate_tests() { # name, folder, description, cargo test options...
	local name=$1 what=$3
	local m=(--manifest-path "$2/Cargo.toml")
	shift 3
	t "$name: cargo fmt --check" "$ACARGO" fmt "${m[@]}" --check
	t "$name: cargo clippy -D warnings" "$ACARGO" clippy "${m[@]}" --locked --all-targets -- -D warnings
	t "$what" "$ACARGO" test "${m[@]}" --locked "$@"
	sed -n "s/^test result: /# $name cargo test: /p" /tmp/host-test.$$
}

# alockctl (tools/alockctl): unit tests and the integration tests (ABI
# drift against the uapi header, fixed-result tables and plots, error
# messages).
crate_tests alockctl "$ALOCKCTL_CRATE" "alockctl: cargo test"

# prwlock's memory ordering (tools/prwlock-model): loom models of a CPU's
# own report (report.rs), the IPI report (ipi.rs), teardown (teardown.rs),
# the idle skip (idle.rs), the lock domain (domain.rs) and the bounded
# drain (drain.rs); each ordering before a fix and each weakened control
# must fail, the code's must hold.  See Documentation/litmus/README.rst.
crate_tests prwlock-model tools/prwlock-model \
	"prwlock memory model (loom): old orderings fail, new ones hold" --release

# The queue locks' memory ordering (tools/queue-model, issue 22): loom
# models of ABQL slot reuse and try_lock of a held lock (abql.rs), the
# ticket lock's try_lock (ticket.rs) and the MRLock queue's waiter scan and
# recycling (mrlock.rs); the code before each fix must fail, the fixed
# code must hold.  See Documentation/litmus/README.rst.
crate_tests queue-model tools/queue-model \
	"queue locks memory model (loom): old orderings fail, new ones hold" --release

rm -f /tmp/host-test.$$
echo "HOST passed=$passed failed=$failed"
