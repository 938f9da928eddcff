#!/bin/sh
# Guest-side test runner (busybox sh).  Usage: run.sh MODE, one of the
# modes of the case below (scripts/cluster.sh lists them).
# Prints TAP on stdout and leaves 0 (all passed) or 1 in /tmp/status.
#
# Every test prints unnumbered "ok - ..." / "not ok - ..." lines (comments
# start with "#"); the awk filter at the bottom numbers them, adds the plan
# and a summary.  Cluster tests talk to the other guests over rxe0.

mode=${1:-check}
node=${alock_node:-0}
nodes=${alock_nodes:-1}
P=/payload
T=$P/alocktest
A=$P/alockctl
RT=$P/rdmatest
MT=$P/mmtest
peer_ip() { echo "10.77.0.$(($1 + 1))"; }
ncpu=$(grep -c ^processor /proc/cpuinfo)

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
check() { # description, command...; returns the command's status
	d=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		ok "$d"
		return 0
	fi
	notok "$d"
	sed 's/^/#   /' /tmp/check.out
	return 1
}
retry() { # tries, command...: runs the command every 0.1 s until it succeeds
	r_left=$1
	shift
	until "$@"; do
		r_left=$((r_left - 1))
		[ "$r_left" -gt 0 ] || return 1
		sleep 0.1
	done
}
skip() { echo "ok - $1 # SKIP $2"; }
# "# @T s: what": the guest's uptime as a section starts, so that a run's
# log shows where its minutes go (grep '^# @' guest0.log).
mark() { echo "# @$(cut -d. -f1 /proc/uptime) s: $*"; }

case $mode in
idle)
	# Diagnostics: an idle guest, then a ping to the peer.
	sleep 5
	ping -c 20 -i 0.1 127.0.0.1 | tail -n 1 | sed 's/^/# ping lo: /'
	ping -c 20 -i 0.1 "$(peer_ip $(((node + 1) % nodes)))" | tail -n 2 | sed 's/^/# ping: /'
	echo 0 >/tmp/status
	exit 0
	;;
check)
	STRESS_MS=1500
	LAT_ITERS=200
	RDMA_INCS=200
	RDMA_BENCH_MS=200
	DLOCK_MS=1500
	MM_SECS=2
	;;
alock)
	# ALock and the lock table alone, on a 3-guest cluster (make check's
	# third cluster), with a node killed while it holds a key.
	STRESS_MS=0
	LAT_ITERS=0
	DLOCK_MS=1500
	;;
recover)
	# Recovery of an ALock key on a 3-guest cluster, the last node killed
	# while it waits in the key's remote queue (alock_recover=queue on the
	# guest command line), after its tail CAS but before its link
	# (unlinked), leads the remote cohort (leader), or holds it (hold);
	# or, with alock_recover=run, while a lock table run is on.
	STRESS_MS=0
	LAT_ITERS=0
	DLOCK_MS=6000
	;;
soakops)
	# make soak's lock operations alone, with locktorture beside them
	# (development; alock_soak_ops=N, alock_soak_chunk_ms=MS,
	# alock_soak_kind_secs=S on GUEST_CMDLINE).
	STRESS_MS=0
	LAT_ITERS=0
	SOAK_OPS=${alock_soak_ops:-100000000}
	SOAK_CHUNK_MS=${alock_soak_chunk_ms:-30000}
	SOAK_KIND_SECS=${alock_soak_kind_secs:-400}
	;;
fuzz)
	# The ioctl fuzzer alone (alock_fuzz_calls=N, alock_fuzz_seed=S).
	STRESS_MS=0
	LAT_ITERS=0
	;;
devremove)
	# The device-removal test alone (development: scripts/cluster.sh -n 1
	# devremove).
	STRESS_MS=0
	LAT_ITERS=0
	;;
check3)
	# make check's 3-guest run (one vCPU each; check3_run): the RDMA
	# transport, ALock and the lock table, then ALock's recovery in three
	# scenarios, the last node killed in each phase and booted again for
	# the next.  DLOCK_MS of the recovery runs: check3_run.
	STRESS_MS=0
	LAT_ITERS=200
	RDMA_INCS=100
	# 300 ms cells: a cell must complete a verb, and a verb that meets a
	# retransmission (134 ms) on one vCPU under TCG outlasts 100 ms
	RDMA_BENCH_MS=300
	DLOCK_MS=1500
	;;
rdma)
	# The RDMA transport alone, on a 3-guest cluster (make check's second
	# cluster): rxe, ping and perftest between the guests, membership,
	# verbs, contention, a killed peer.
	STRESS_MS=0
	LAT_ITERS=200
	RDMA_INCS=100
	RDMA_BENCH_MS=100
	;;
demo)
	# make demo (bench kernel): a short look at each family, figures as
	# bench-json lines for scripts/demo-summary.py; the suite is make check.
	STRESS_MS=300
	LAT_ITERS=0
	DLOCK_MS=1000
	;;
bench)
	STRESS_MS=5000
	LAT_ITERS=2000
	RDMA_INCS=1000
	RDMA_BENCH_MS=3000
	DLOCK_MS=5000
	MM_SECS=2
	MM_BENCH_SECS=3
	;;
rdmalat)
	STRESS_MS=0
	LAT_ITERS=300
	;;
alockbench | alockrwbench)
	# Only ALock against its competitors (make bench-alock, 2+ guests),
	# or the reader-writer matrix (make bench-alock-rw); alock_dlock_ms=MS
	# on the guest command line: shorter runs.
	STRESS_MS=0
	LAT_ITERS=0
	DLOCK_MS=${alock_dlock_ms:-5000}
	;;
lockbench)
	# Only the lock benchmark matrices (make bench-locks, one guest).
	STRESS_MS=0
	LAT_ITERS=0
	;;
hotplug)
	# Only prwlock under CPU hotplug, longer and repeated (development:
	# scripts/cluster.sh -n 1 hotplug).
	STRESS_MS=5000
	LAT_ITERS=0
	HP_ROUNDS=4
	;;
mm)
	# Only the mmap_lock tests (development: scripts/cluster.sh -n 1 mm).
	STRESS_MS=0
	LAT_ITERS=0
	MM_SECS=2
	;;
queue | prwlock)
	# One family's guest tests on one guest (make check ONLY=queue|prwlock):
	# the queue locks, MRLock, the lock manager and the C API; or prwlock
	# (stress, wake-up, CPU hotplug, locktorture); each after the basic
	# checks and self-tests.
	STRESS_MS=1500
	LAT_ITERS=200
	;;
observe)
	# Only the observability tests (development: scripts/cluster.sh -n 1
	# -c 2 observe).
	STRESS_MS=300
	LAT_ITERS=200
	;;
local)
	# Only the local locks: self-tests, stress, queue locks, prwlock, the
	# lock manager (development: scripts/cluster.sh -n 1 local).
	STRESS_MS=1500
	LAT_ITERS=200
	;;
uffd)
	# Only uffdtest (development: scripts/cluster.sh -n 1 uffd; more
	# iterations with alock_uffd_iters=N on GUEST_CMDLINE).
	STRESS_MS=0
	LAT_ITERS=0
	UFFD_ITERS=${alock_uffd_iters:-120}
	;;
mmbench)
	# Only the mmap_lock benchmark (make bench-mm, one guest).
	# alock_mm_bench_secs=S on the guest command line: shorter runs (a
	# quick look at the output).
	STRESS_MS=0
	LAT_ITERS=0
	MM_BENCH_SECS=${alock_mm_bench_secs:-3}
	;;
soak)
	# The volume is soak_ops' (10^8 operations per kind by default);
	# the local tests' runs are longer than make check's.
	SOAK_OPS=${alock_soak_ops:-100000000}
	SOAK_CHUNK_MS=${alock_soak_chunk_ms:-30000}
	SOAK_KIND_SECS=${alock_soak_kind_secs:-600}
	STRESS_MS=10000
	LAT_ITERS=2000
	# 2000 contended CAS increments per thread (10x make check's): with
	# 20000 the remote node's threads, at about 95 CAS a second on two
	# guests of two vCPUs over two host cores, did not finish in the
	# test's 300 s (20261204-180851-soak: 3142 of 40000; the counter
	# exact all the same).
	RDMA_INCS=2000
	RDMA_BENCH_MS=5000
	DLOCK_MS=20000
	MM_SECS=30
	UFFD_ITERS=400
	;;
*)
	echo "Bail out! unknown mode $mode"
	exit 1
	;;
esac

load_module() {
	echo clear >/sys/kernel/debug/kmemleak 2>/dev/null
	check "insmod alock.ko" insmod $P/alock.ko || return 1
	check "/dev/alock is a character device" test -c /dev/alock
}

local_tests() {
	mark "basic tests"
	basic_tests
	mark "queue lock family"
	queue_family_tests
	mark "prwlock"
	prwlock_tests
}

# The module's version, ABI table, errno checks and in-kernel self-tests.
basic_tests() {
	# The correctness modes run on the test kernel, which must have lockdep.
	case $mode in check | soak | local | queue | prwlock) ALOCK_REQUIRE_LOCKDEP=1 $T version ;; *) $T version ;; esac
	$T abi
	$T errno
	# Least privilege (issue 23): without capabilities, EPERM for each
	# privileged command, the open ones still answer.
	$T caps
	$T selftest
}

# The stock spinlock and mutex, the queue locks, MRLock, the lock manager,
# and a stress run cut short by a signal.
queue_family_tests() {
	for lock in spinlock mutex; do
		$T stress $lock $((2 * ncpu)) $STRESS_MS bound
	done
	$T stress mutex $((2 * ncpu)) $STRESS_MS unbound
	$T stress spinlock "$ncpu" $STRESS_MS unbound 0
	queue_lock_tests
	# Lock manager: few records, many threads, so conflicts are frequent.
	for m in restart exclusive wait; do
		$T txn $m $((2 * ncpu)) $STRESS_MS 8 4 20
	done
	$T txn wait $((2 * ncpu)) $STRESS_MS 4096 16 50
	# Exclusive mode after 3 restarts: no transaction may restart more.
	$T txn exclusive $((2 * ncpu)) $STRESS_MS 8 4 0 3
	$T stress-intr
}

# alockctl end to end against the module (issue 7).  $1: description,
# $2: expected exit status, $3: text the output must contain, rest: args.
alockctl_expect() {
	d=$1
	want=$2
	text=$3
	shift 3
	$A "$@" >/tmp/actl.out 2>&1
	rc=$?
	if [ "$rc" = "$want" ] && grep -q -- "$text" /tmp/actl.out; then ok "$d"; else
		notok "$d (exit $rc, expected $want and \"$text\")"
		sed 's/^/#   /' /tmp/actl.out
	fi
}

alockctl_tests() {
	check "alockctl info" $A info && sed 's/^/# /' /tmp/check.out
	alockctl_expect "alockctl stress mcs: table" 0 "mcs" stress mcs --seconds 0.5
	# --json must read back as a results file (alockctl parses it).
	$A --json stress ticket --seconds 0.5 >/tmp/actl.json 2>/tmp/actl.err
	check "alockctl --json stress ticket output parses" $A report /tmp/actl.json
	check "alockctl --json info reports ABI 10" sh -c "$A --json info | grep -q '\"abi_version\": 10'"
	check "alockctl --csv stress abql: header and one row of the same width" sh -c \
		"$A --csv stress abql --slots 2 --seconds 0.3 | awk -F, 'NR == 1 { h = NF } NF != h { exit 1 } END { exit NR != 2 }'"
	alockctl_expect "alockctl stress mrlock adaptive" 0 "adaptive" stress mrlock adaptive --min 4 --max 8 --seconds 0.5
	alockctl_expect "alockctl stress txn wait" 0 "wait" stress txn wait --records 8 --seconds 0.5
	# Reader-writer locks (ABI v3): readers sleeping inside the read side.
	alockctl_expect "alockctl stress rw prwlock, sleeping readers" 0 "prwlock sleep=20" \
		stress rw prwlock --readers 4 --writers 1 --seconds 0.5 --sleep-every 20
	# The bench-rw matrix, short cells; its JSON reads back.
	check "alockctl bench rw --cell-ms 50" $A --no-progress bench rw --cell-ms 50 --out /tmp/actl-rw &&
		sed 's/^/# /' /tmp/check.out
	check "alockctl report of bench rw" sh -c "$A report /tmp/actl-rw | grep -q 'sequential/parallel'"
	# Ctrl-C: the ioctl returns EINTR with partial results, exit 130.
	# Until alockctl has installed its handler the shell's SIG_IGN applies
	# (a background job), so keep signalling until it exits.
	t0=$(date +%s)
	$A stress mutex --seconds 60 >/tmp/actl.out 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 20 ] && sleep 1 && kill -INT $pid 2>/dev/null; do
		i=$((i + 1))
		# an exited, not yet reaped job still accepts signals
		grep -q ') Z' /proc/$pid/stat 2>/dev/null && break
	done
	wait $pid
	rc=$?
	if [ $rc = 130 ] && grep -q "interrupted" /tmp/actl.out && [ $(($(date +%s) - t0)) -lt 30 ]; then
		ok "alockctl stress interrupted by SIGINT shows partial results, exit 130"
	else
		notok "alockctl stress interrupted by SIGINT shows partial results, exit 130 (exit $rc)"
		sed 's/^/#   /' /tmp/actl.out
	fi
	alockctl_expect "alockctl cluster status: not joined, exit 0" 0 \
		"not joined" cluster status
	alockctl_expect "alockctl bad lock name: exit 2" 2 "unrecognized subcommand 'rwlock'" stress rwlock
	alockctl_expect "alockctl --threads 0: exit 2" 2 "threads" stress mcs --threads 0
	alockctl_expect "alockctl --min > --max: exit 2" 2 "min" stress mrlock 2pl --min 9 --max 4
	alockctl_expect "alockctl stress rw rcu --writers 1: exit 2" 2 "no write side" stress rw rcu --writers 1
	alockctl_expect "alockctl stress rw rwlock --sleep-every: exit 2" 2 "may not sleep" \
		stress rw rwlock --sleep-every 5
}

# prwlock (issue 3): exclusion under stress on every vCPU with readers
# that are preempted (two threads per CPU), sleep, yield and migrate inside
# the read side, writers alone (idle CPUs count as reported, no IPI), the
# sequential wake-up variant, the stock baselines, wake-up of sleeping
# readers, CPU hotplug under load and the kernel's own locktorture.
prwlock_tests() {
	R=$((2 * ncpu))
	$T rwstress prwlock $R 2 $STRESS_MS
	$T rwstress prwlock $R 2 $STRESS_MS sleep=20
	$T rwstress prwlock $R 2 $STRESS_MS yield=5
	$T rwstress prwlock $R 1 $STRESS_MS unbound migrate=10
	$T rwstress prwlock $R 2 $STRESS_MS sleep=20 seqwake
	$T rwstress prwlock "$ncpu" 1 $STRESS_MS pause=500
	$T rwstress prwlock 0 2 $STRESS_MS
	for l in rwsem percpu_rwsem; do
		$T rwstress $l $R 2 $STRESS_MS sleep=20
	done
	for l in rwlock brlock; do
		$T rwstress $l $R 2 $STRESS_MS
	done
	$T rwstress rcu "$ncpu" 0 $STRESS_MS
	$T rwwake 8 5
	$T rwwake 8 5 seq
	hotplug_test
	locktorture_test
}

# CPU 1 goes offline and online repeatedly while prwlock is stressed: with
# sleeping readers, then with readers that hold cpus_read_lock() around
# their read sections (a writer that waited for the hotplug lock could
# deadlock with them; the run must finish).
hotplug_test() {
	hp_left=${HP_ROUNDS:-1}
	while [ "$hp_left" -gt 0 ]; do
		hotplug_run sleep=20
		hotplug_run sleep=20 cpusread
		hp_left=$((hp_left - 1))
	done
}

hotplug_run() { # rwstress options...
	f=/sys/devices/system/cpu/cpu1/online
	if [ ! -w $f ]; then
		skip "prwlock under CPU hotplug ($*)" "no hot-pluggable cpu1"
		return
	fi
	$T rwstress prwlock $((2 * ncpu)) 2 $((STRESS_MS * 2)) unbound "$@" >/tmp/hp.out 2>&1 &
	pid=$!
	n=0
	while kill -0 $pid 2>/dev/null; do
		echo 0 >$f && n=$((n + 1))
		sleep 0.1
		echo 1 >$f
		sleep 0.1
	done
	wait $pid
	echo 1 >$f
	sed 's/- rwstress/- hotplug: rwstress/' /tmp/hp.out
	if [ "$n" -gt 0 ]; then ok "cpu1 went offline $n times during the run ($*)"; else
		notok "cpu1 went offline during the run ($*)"
	fi
	check "cpu1 back online ($*)" grep -q 1 $f
}

# The kernel's locktorture on prwlock (ext_rwlock type of patches/0003).
locktorture_test() {
	# The bench kernel has no torture modules (no debugging options); the
	# test kernel must have them.
	if [ "$mode" = bench ] && ! grep -q locktorture "/lib/modules/$(uname -r)/modules.dep"; then
		skip "locktorture on prwlock" "bench kernel has no locktorture"
		return
	fi
	# make soak runs it through its local phase instead (torture_start).
	if [ -n "${TORTURE_BG:-}" ]; then
		skip "locktorture on prwlock for $((STRESS_MS * 4 / 1000 + 1)) s" \
			"make soak's locktorture runs through the local phase"
		return
	fi
	secs=$((STRESS_MS * 4 / 1000 + 1))
	check "modprobe locktorture torture_type=ext_rwlock" modprobe locktorture \
		torture_type=ext_rwlock nwriters_stress=2 nreaders_stress=$((2 * ncpu)) \
		stat_interval=0 || return
	check "locktorture pins alock.ko" sh -c "! rmmod alock 2>/dev/null"
	sleep $secs
	check "rmmod locktorture" rmmod locktorture
	dmesg | grep -E "lock-torture: external lock|End of test" | tail -n 2 | sed 's/^/# /'
	check "locktorture on prwlock for $secs s: End of test: SUCCESS" sh -c \
		"dmesg | grep 'End of test' | tail -n 1 | grep -q 'ext_rwlock.*SUCCESS\|SUCCESS.*ext_rwlock'"
	rmmod torture 2>/dev/null
}

# make soak: locktorture on prwlock (ext_rwlock) for the whole local phase
# of the soak (every local test, the lock operations, the fuzzer), started
# right after the module is loaded and stopped before the tests that
# unload it (locktorture pins alock.ko).  Its totals count as lock
# operations of kind prwlock-torture.
torture_start() {
	check "modprobe locktorture torture_type=ext_rwlock (for the soak's local phase)" \
		modprobe locktorture torture_type=ext_rwlock nwriters_stress=2 \
		nreaders_stress=$((2 * ncpu)) stat_interval=600 || return
	TORTURE_BG=$(date +%s)
}

torture_stop() {
	[ -n "${TORTURE_BG:-}" ] || return
	check "rmmod locktorture after $(($(date +%s) - TORTURE_BG)) s" rmmod locktorture
	dmesg | grep -E "Writes: |Reads : |End of test" | tail -n 3 | sed 's/^/# /'
	check "locktorture on prwlock through the soak's local phase: End of test: SUCCESS" sh -c \
		"dmesg | grep 'End of test' | tail -n 1 | grep -q 'ext_rwlock.*SUCCESS'"
	tt_n=$(dmesg | grep -E "Writes: |Reads : " | tail -n 2 |
		sed -nE 's/.*Total: ([0-9]+).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	echo "# ops kind=prwlock-torture n=$tt_n"
	rmmod torture 2>/dev/null
	TORTURE_BG=
}

# make soak's volume (issue 20): runs of SOAK_CHUNK_MS of each lock kind
# of the module on node 0, one thread per CPU (the most operations per
# second under TCG; the oversubscribed runs are the local tests'), until
# it has made SOAK_OPS operations of that kind or SOAK_KIND_SECS have
# passed; the other guests wait, idle, until it is done.  Every run is
# checked as in make check (exclusion, FIFO where claimed, progress); each
# prints "# ops kind=K n=N", which scripts/soak-ops.py adds up.  One guest
# at a time: two guests of two vCPUs on a host of two cores ran a
# contended lock at a sixth of one guest's rate (a vCPU that holds the
# lock is descheduled by the host while the other spins: 57,000 against
# 350,000 ticket operations per second, 2026-12-03), and a guest that
# waits must not run locktorture either (its kthreads keep every vCPU
# busy), so locktorture runs on node 0 alone.
soak_ops() {
	[ "$node" = 0 ] && soak_kinds
	# Then all go on together (the cluster tests join within minutes).
	released_by_node0 90 $((SOAK_KIND_SECS * 8 + 600))
}

# released_by_node0 ID S: the other nodes listen (port 19500 + ID), idle,
# until node 0 gets there and lets each go; at most S seconds.  Unlike
# rendezvous, nobody polls: a node that arrives first and retries its
# connection to node 0 every 0.3 s for an hour (a fork and exec of nc
# each time, slow under TCG) takes host CPU from node 0's runs (the soak
# of 2026-12-04 made 111,000 ticket operations a second on node 0 while
# node 1 polled, at least 265,000 the day before on one guest alone: 106 M within its 400 s).
released_by_node0() {
	if [ "$node" = 0 ]; then
		rb_i=1
		rb_ok=1
		while [ "$rb_i" -lt "$nodes" ]; do
			tcp_send "$(peer_ip "$rb_i")" $((19500 + $1)) 120 || rb_ok=0
			rb_i=$((rb_i + 1))
		done
		check "released $1: every other node let go" test "$rb_ok" = 1
	else
		check "released $1: let go by node0" tcp_wait $((19500 + $1)) "$2"
	fi
}

soak_kinds() {
	# Short critical sections: the volume; the local tests' runs have the
	# long ones that widen the windows.
	for l in ticket mcs abql; do
		soak_kind $l $T stress $l "$ncpu" "$SOAK_CHUNK_MS" bound 1
	done
	for l in prwlock brlock; do
		soak_kind $l $T rwstress $l "$ncpu" 1 "$SOAK_CHUNK_MS" rspins=1 wspins=4
	done
	soak_kind mrlock $T mrlock mrlock "$ncpu" "$SOAK_CHUNK_MS" 64 1 4 1
	soak_kind lockmgr $T txn wait "$ncpu" "$SOAK_CHUNK_MS" 4096 16 50
}

soak_kind() { # KIND COMMAND...
	sk_kind=$1
	shift
	sk_share=$SOAK_OPS
	sk_done=0
	sk_t0=$(date +%s)
	while [ "$sk_done" -lt "$sk_share" ] && [ $(($(date +%s) - sk_t0)) -lt "$SOAK_KIND_SECS" ]; do
		"$@" >/tmp/soak.out 2>&1
		cat /tmp/soak.out
		sk_n=$(sed -n "s/^# ops kind=$sk_kind n=\([0-9]*\)\$/\1/p" /tmp/soak.out |
			awk '{ s += $1 } END { print s + 0 }')
		[ "$sk_n" -gt 0 ] || break
		sk_done=$((sk_done + sk_n))
	done
	echo "# soak $sk_kind: $sk_done operations on node$node in $(($(date +%s) - sk_t0)) s (target $sk_share)"
	if [ "$sk_done" -gt 0 ]; then ok "soak $sk_kind: runs made operations ($sk_done)"; else
		notok "soak $sk_kind: runs made operations"
	fi
}

# Queue locks and the multi-resource lock (issue 6): exclusion, FIFO
# order where claimed, progress of every thread.
queue_lock_tests() {
	for lock in ticket mcs abql; do
		$T stress $lock $((2 * ncpu)) $STRESS_MS bound
	done
	$T stress mcs $((2 * ncpu)) $STRESS_MS unbound
	# ABQL with one slot: fewer slots than CPUs turns the admission gate on.
	$T stress abql $((2 * ncpu)) $STRESS_MS bound 50 1
	# h-out-of-k over k = 64: small requests (low contention), large ones
	# (high contention), and every scheme.
	$T mrlock mrlock $((2 * ncpu)) $STRESS_MS 64 1 4
	$T mrlock mrlock $((2 * ncpu)) $STRESS_MS 64 1 64
	$T mrlock mrlock $((4 * ncpu)) $STRESS_MS 16 2 8 20 2
	for scheme in adaptive bitset 2pl global; do
		$T mrlock $scheme $((2 * ncpu)) $STRESS_MS 64 1 32
	done
}

# The C API through a C module (tests/kmod/alock_ctest.c): its init runs
# the tests, so a successful insmod is the pass.
capi_tests() {
	check "C module alock_ctest.ko: C API tests pass at load" \
		insmod $P/alock_ctest.ko duration_ms=$((STRESS_MS / 4 + 1)) || {
		dmesg | grep alock_ctest | sed 's/^/#   /'
		return 1
	}
	dmesg | grep "alock_ctest: .*threads" | sed 's/^.*alock_ctest: /# alock_ctest: /'
	check "C module reported every lock" sh -c \
		"dmesg | grep -q 'alock_ctest: all C API tests passed'"
	if rmmod alock 2>/dev/null; then
		notok "rmmod alock refused while a module uses its symbols"
		insmod $P/alock.ko
	else
		ok "rmmod alock refused while a module uses its symbols"
	fi
	check "rmmod alock_ctest" rmmod alock_ctest
	check "C module: nested MCS x40 (beyond the per-CPU nodes) exact" sh -c \
		"dmesg | grep -q 'alock_ctest: mcs nested x40: .* counts exact'"
	# Misuse (issue 22): refused, counted, WARNed between the markers
	# that scripts/check-splats.sh accepts.
	if insmod $P/alock_ctest.ko misuse=1 >/tmp/check.out 2>&1; then
		ok "C module: misuse of the C API refused, locks intact"
		rmmod alock_ctest
	else
		notok "C module: misuse of the C API refused, locks intact"
		dmesg | grep 'alock_ctest\|alock:' | tail -20 | sed 's/^/#   /'
	fi
	dmesg | grep "alock_ctest: misuse:" | sed 's/^.*alock_ctest: /# alock_ctest: /'
}

# prwlock as the mmap_lock (issue 8, patches/0004): the functional tests of
# mmtest (argument checks, opting in under load, page-fault, mmap/mremap,
# mprotect, madvise, /proc/self/maps and fork loops with data checks,
# exclusion seen through held locks, a process killed while holding and
# waiting) and the module pinned by an opted-in mm.  The kernel's own mm
# selftests (mm_selftests) run at the end of main, on guest 0.  uffd_tests
# checks the userfaultfd patch, stock and opted in.  foreigntest reads
# another process's memory and maps (process_vm_readv, /proc/PID/mem,
# pagemap and maps) while its writers remap, data-checked, stock and
# opted in (the mm lock domain: foreign readers take the active path).
mm_tests() {
	[ -n "${MM_SECS:-}" ] || return 0
	$MT check "$MM_SECS"
	uffd_tests
	$P/foreigntest "$MM_SECS"
	$MT pin >/tmp/pin.out 2>&1 &
	pin=$!
	check "an opted-in process runs (it closed /dev/alock)" retry 200 grep -q pinned /tmp/pin.out
	refs=$(cat /sys/module/alock/refcnt)
	check "its mm holds a reference to alock.ko (refcnt $refs)" test "$refs" -ge 1
	if rmmod alock 2>/dev/null; then
		notok "rmmod refused while an opted-in mm exists"
		insmod $P/alock.ko
	else
		ok "rmmod refused while an opted-in mm exists"
	fi
	kill -9 $pin
	wait $pin 2>/dev/null
	# The reference goes with the mm, once lazy-TLB users have let go.
	retry 100 rmmod alock 2>/dev/null
	check "rmmod once the opted-in process is gone" test ! -e /dev/alock
	check "insmod again after the mmap_lock tests" insmod $P/alock.ko
}

# uffdtest: no MISSING, WP or MINOR fault left pending by UFFDIO_UNREGISTER
# (the ITERATIONS are split over the three).
uffd_tests() {
	$P/uffdtest unreg "${UFFD_ITERS:-40}"
}

# tools/testing/selftests/mm programs built by scripts/build-mm-selftests.sh
# with tests/guest/mm_optin.c, which opts each process in before main().
# make check's first run splits the mm selftests between its two guests
# for time: guest 0 runs these lines of the list after its own group
# (mm_selftests shared), guest 1 the rest (mm_selftests rest).
MM_ST_SHARED="uffd-unit-tests -f minor|uffd-unit-tests -f move"

mm_selftests() {
	d=$P/mm-selftests
	if [ ! -f $d/mm-selftests.list ]; then
		skip "kernel mm selftests" "not built"
		return
	fi
	# mremap_test maps 2 GiB regions (and touches 4 MiB of them).
	oc=$(cat /proc/sys/vm/overcommit_memory)
	echo 1 >/proc/sys/vm/overcommit_memory
	while read -r name args; do
		case "|$MM_ST_SHARED|" in
		*"|$name $args|"*) [ "${1:-}" = rest ] && continue ;;
		*) [ "${1:-}" = shared ] && continue ;;
		esac
		# droppable expects its pages on the LRU once madvise() drained
		# this CPU's batch: run on one CPU, or a fill on another vCPU
		# leaves them in that CPU's batch and MADV_PAGEOUT drops none
		# (seen once in 2026-12-03's CI).
		pin=
		[ "$name" = droppable ] && pin="taskset 1"
		# make check: uffd-unit-tests on 8 MiB regions (the build's
		# .small variant), the kernel's 32 MiB in the other modes.
		prog=$name
		[ "$mode" = check ] && [ -x "$d/$name.small" ] && prog=$name.small
		t0=$(cut -d. -f1 /proc/uptime)
		# shellcheck disable=SC2086 # the list holds argument words
		(cd /tmp && ALOCK_MM_OPTIN=1 timeout 480 $pin $d/$prog $args) >/tmp/st.out 2>&1 </dev/null
		rc=$?
		# mremap_test maps its regions with MAP_FIXED_NOREPLACE at
		# addresses it derives from a random one: when one lands on a
		# mapping of the process it fails with EEXIST ("Failed to map
		# dest preamble region: File exists", CI of 2026-12-04), a
		# collision of the test's, not a fault of the lock: once more.
		# uffd-unit-tests maps its shmem areas at a fixed hint (1 GiB,
		# "Use a static addr is ugly" in uffd-common.c) and fails when
		# the kernel places them elsewhere ("mmap of memfd failed at
		# 0x40000000", seen once in 20261205-043600-check-hunt4): the
		# same.
		if [ $rc != 0 ] && { { [ "$name" = mremap_test ] &&
			grep -q "Failed to map .*: File exists" /tmp/st.out; } ||
			{ [ "$name" = uffd-unit-tests ] &&
				grep -q "mmap of memfd failed at" /tmp/st.out; }; }; then
			echo "# selftests/mm $prog $args: an address collision of the test's, once more"
			# shellcheck disable=SC2086 # as above
			(cd /tmp && ALOCK_MM_OPTIN=1 timeout 480 $pin $d/$prog $args) >/tmp/st.out 2>&1 </dev/null
			rc=$?
		fi
		echo "# selftests/mm $prog $args: $(($(cut -d. -f1 /proc/uptime) - t0)) s"
		sum=$(grep -E -c "^(ok|not ok) " /tmp/st.out)
		if [ $rc = 0 ] && grep -q "opted_in=1" /tmp/st.out; then
			ok "selftests/mm $name $args: passed opted in ($sum sub-results)"
		elif [ $rc = 4 ]; then
			skip "selftests/mm $name $args" "the test skipped itself"
		else
			notok "selftests/mm $name $args: exit $rc"
			grep -v "^ok " /tmp/st.out | tail -40 | sed 's/^/#   /'
		fi
	done <$d/mm-selftests.list
	echo "$oc" >/proc/sys/vm/overcommit_memory
}
mm_selftests_shared() { mm_selftests shared; }
mm_selftests_rest() { mm_selftests rest; }

# The mmap_lock benchmark (bench mode, node 0): each workload with 1, ncpu
# and 2*ncpu threads, stock rwsem vs prwlock, in the same guest.  With
# alock_mm_pin=N on the guest command line (make bench-mm's second pass),
# the benchmark is pinned to CPUs 0..N-1 and runs 1, N and 2*N threads,
# so that a lock domain has the other CPUs to skip.
mm_bench() {
	mb_cpus=$ncpu
	mb_pin=
	if [ -n "${alock_mm_pin:-}" ]; then
		mb_cpus=$alock_mm_pin
		mb_pin=$alock_mm_pin
	fi
	if [ -n "$mb_pin" ]; then
		echo "# mmbench pass: $ncpu vCPUs, benchmark pinned to CPUs 0-$((mb_pin - 1))"
	else
		echo "# mmbench pass: $ncpu vCPUs, benchmark not pinned"
	fi
	for wl in $(echo "${alock_mm_wl:-pf,mmap,madv,mincore,hist}" | tr , ' '); do
		for thr in $(echo "${alock_mm_threads:-1,$mb_cpus,$((2 * mb_cpus))}" | tr , ' '); do
			# shellcheck disable=SC2086 # $mb_pin: no argument when empty
			$MT bench $wl "$thr" "${MM_BENCH_SECS:-3}" $mb_pin
		done
	done
}

# Runs the functions $2... with alock.ko loaded; $1 names them in the
# checks of the load and the unload.
with_module() {
	wm_what=$1
	shift
	check "insmod alock.ko for $wm_what" insmod $P/alock.ko || return 0
	for wm_f in "$@"; do
		"$wm_f"
	done
	check "rmmod after $wm_what" rmmod alock
}

unload_tests() {
	exec 3</dev/alock
	if rmmod alock 2>/dev/null; then
		notok "rmmod refused while /dev/alock is open"
		insmod $P/alock.ko
	else
		ok "rmmod refused while /dev/alock is open"
	fi
	check "ioctl on the still-open file works" $T version
	exec 3<&-
	check "rmmod after close" rmmod alock
	check "/dev/alock gone after rmmod" test ! -e /dev/alock
	check "insmod again" insmod $P/alock.ko
	$T churn 2000
	check "final rmmod" rmmod alock
	if modprobe locktorture torture_type=ext_rwlock 2>/dev/null; then
		notok "locktorture ext_rwlock refused without alock.ko"
		rmmod locktorture
	else
		ok "locktorture ext_rwlock refused without alock.ko"
	fi
	rmmod torture 2>/dev/null
	# Without the module alockctl says so in one line and exits 1.
	alockctl_expect "alockctl info without the module: exit 1, names the module" 1 \
		"alock module is not loaded" info
	check "... in one line" test "$(wc -l </tmp/actl.out)" = 1
}

leak_check() {
	f=/sys/kernel/debug/kmemleak
	if [ ! -w $f ]; then
		skip "kmemleak finds no leak" "kmemleak not available"
		return
	fi
	# Objects must be older than kmemleak's minimum age to be reported.
	sleep 6
	echo scan >$f
	echo scan >$f
	n=$(grep -c "unreferenced object" $f)
	if [ "$n" = 0 ]; then ok "kmemleak finds no leak"; else
		notok "kmemleak finds no leak ($n unreferenced objects)"
		sed 's/^/#   /' $f | head -60
	fi
}

# Signals over eth0 (TCP, busybox nc), beside RDMA: tcp_send IP PORT S
# connects until a listener takes it (at most S seconds), tcp_wait PORT S
# waits at most S seconds for one connection.
tcp_send() {
	ts_end=$(($(cut -d. -f1 /proc/uptime) + $3))
	until echo go | nc -w 2 "$1" "$2" >/dev/null 2>&1; do
		[ "$(cut -d. -f1 /proc/uptime)" -ge "$ts_end" ] && return 1
		sleep 0.3
	done
}
tcp_wait() { timeout "$2" nc -l -p "$1" </dev/null >/dev/null 2>&1; }

# rendezvous ID S: every node K arrives at node 0 (port 19000 + 16 * ID
# + K), then node 0 lets each go (port 19500 + ID on each node); at most S
# seconds.  make check's 3-guest phases start with one, so that a node
# late from one phase (or booted again) does not meet the others' joins
# alone.  One port per arriving node: with one shared port, two nodes
# connecting at once both completed the handshake into the listener's
# backlog, nc accepted one and exited, and the other's "go" was lost
# although its nc had succeeded (CI of 36fd58e: rendezvous 0 waited its
# 300 s for a node that had arrived).
rendezvous() {
	if [ "$node" = 0 ]; then
		rv_i=1
		rv_ok=1
		while [ "$rv_i" -lt "$nodes" ]; do
			tcp_wait $((19000 + 16 * $1 + rv_i)) "$2" && rv_ok=$((rv_ok + 1))
			rv_i=$((rv_i + 1))
		done
		rv_i=1
		while [ "$rv_i" -lt "$nodes" ]; do
			tcp_send "$(peer_ip "$rv_i")" $((19500 + $1)) 30
			rv_i=$((rv_i + 1))
		done
		check "rendezvous $1: all $nodes nodes arrived" test "$rv_ok" = "$nodes"
	else
		check "rendezvous $1: arrived at node0" tcp_send "$(peer_ip 0)" $((19000 + 16 * $1 + node)) "$2" &&
			check "rendezvous $1: let go by node0" tcp_wait $((19500 + $1)) "$2"
	fi
}

# The ioctl fuzzer (issue 20, tests/guest/alockfuzz.c): FUZZ_CALLS calls
# (10^5 by default; make soak's share is meant to be 10^6 or more) of
# random, near-valid and valid commands with mutated payloads and bad
# pointers, from 4 threads, with fork()s, signals and files replaced under
# them.  Seed: alock_fuzz_seed=S on the guest command line, else a random
# one; the fuzzer prints it first ("# alockfuzz seed=S"), so a failing run
# repeats its calls with alock_fuzz_seed=S (and the same FUZZ_CALLS).
# It also joins a one-node cluster over rxe0 (loopback) with a lock table,
# so that the RDMA and lock-table commands get past "not joined";
# alock_fuzz_cluster=0 leaves that out.  Its TAP lines (no call hung, every
# errno allowed for its command, ENOTTY for unknown numbers, EFAULT for bad
# pointers, EINVAL for rejected fields, no violation in a completed run,
# the number of calls, the device still answers, clean-up) and its errno
# histogram ("# ALOCK_IOC_X: calls=N ok=... EINVAL=...") go to stdout.
# Needs the module loaded; the unload and the leak check are the
# caller's, e.g. with_module "the ioctl fuzzer" fuzz_tests, then main's
# leak_check.  make check: guest 1 of the first run; make soak: 10^6 calls
# on every guest.
fuzz_tests() {
	mark "ioctl fuzzer"
	set -- -n "${FUZZ_CALLS:-100000}"
	[ -n "${alock_fuzz_seed:-}" ] && set -- "$@" -s "$alock_fuzz_seed"
	[ "${alock_fuzz_cluster:-1}" = 0 ] || set -- "$@" -a "$(peer_ip "$node")"
	$P/alockfuzz "$@"
	fz_rc=$?
	# 0: passed, 1: a check failed (its TAP line says which); else killed
	[ "$fz_rc" -le 1 ] || notok "alockfuzz exited with status $fz_rc (killed or crashed)"
}

# Removal of the RDMA device under a cluster with a lock table (issue 23):
# a one-node cluster over this guest's rxe0 (loopback), a table of 64
# keys, key 5 held by another process (rdmatest dlock-hold) and a lock
# table run (ALock, every key homed here) whose threads queue behind it;
# then "rdma link delete rxe0".  The module's ib_client leaves the cluster
# in its remove callback (logged); afterwards the status says not joined,
# the table still answers, the held key is let go, the run ends without a
# failure, another file locks and unlocks a key (ALock on keys homed here
# needs no verb), the loopback spin lock fails with ENOTCONN, the table
# is destroyed while the holder's file still keeps it (it goes when that
# file closes, after its device: the use-after-free of issue 23), the
# module unloads.  rxe0 is added again as the guest's init does (init.sh)
# and a new join works on it.  Only this guest's rxe0 is touched: make
# check runs it at the end of guest 1's group, where no other guest
# connects to this one (the first run's guests make no RDMA connection to
# each other); kmemleak is main's leak_check.
device_removal_tests() {
	mark "device removal"
	if ! [ -d /sys/class/infiniband/rxe0 ]; then
		skip "device removal tests" "no rxe0"
		return
	fi
	check "insmod alock.ko for the device-removal test" insmod $P/alock.ko || return
	dr_ip=$(peer_ip "$node")
	dr_key=/tmp/dr.key
	rm -f $dr_key /tmp/dr-go /tmp/dr-stop /tmp/dr-now
	if check "alockctl cluster keygen" $A cluster keygen $dr_key &&
		check "join a one-node cluster over rxe0 (loopback, 256 KiB window)" \
			$A cluster join --node 0 --nodes 1 --addr "$dr_ip:18610" \
			--key-file $dr_key --loopback --window 262144 --timeout 60 &&
		check "create a lock table of 64 keys" $A table create --keys 64; then
		device_removal_steps
	fi
	# rxe0 back as the guest's init made it (tests/guest/init.sh).
	[ -d /sys/class/infiniband/rxe0 ] ||
		check "rdma link add rxe0 type rxe netdev eth0 (again)" \
			/usr/bin/rdma link add rxe0 type rxe netdev eth0
	check "rxe0 is ACTIVE again" retry 100 sh -c \
		"/usr/bin/rdma link show | grep -q 'rxe0.*state ACTIVE'"
	# A join binds to this guest's address: wait until the new device's
	# GID table has it (ib_core fills it from eth0 after the link is added).
	dr_gid=$(printf ':ffff:0a4d:%04x' $((node + 1)))
	check "rxe0's GID table has $dr_ip again" retry 100 sh -c \
		"cat /sys/class/infiniband/rxe0/ports/1/gids/* 2>/dev/null | grep -q '$dr_gid'"
	alockctl_expect "the module sees the device again" 0 "not joined (1 RDMA device)" \
		cluster status
	if check "join a new one-node cluster on the added rxe0" \
		$A cluster join --node 0 --nodes 1 --addr "$dr_ip:18611" \
		--key-file $dr_key --loopback --timeout 60; then
		alockctl_expect "... its loopback connection is up" 0 "connections up *1" cluster status
		check "leave the new cluster" $A cluster leave
	fi
	check "rmmod alock after the device removal" rmmod alock
}

# device_removal_tests' part with the cluster and the table in place.
device_removal_steps() {
	$RT dlock-hold 0 1 5 /tmp/dr-go /tmp/dr-stop >/tmp/dr-hold.out 2>&1 &
	dr_hold=$!
	check "another process holds key 5" retry 300 grep -q "^ok - .*hold key 5" /tmp/dr-hold.out
	$A --no-progress stress dlock alock --threads 2 --seconds 3 --local-pct 100 \
		--timeout-ms 120000 >/tmp/dr-run.out 2>&1 &
	dr_run=$!
	sleep 1
	check "rdma link delete rxe0 (a table, a held key, a run in progress)" \
		/usr/bin/rdma link delete rxe0
	check "the module left the cluster in the remove callback (logged)" \
		sh -c "dmesg | grep -q 'rdma: device removed: leaving the cluster'"
	alockctl_expect "status after the removal: not joined, no device" 0 \
		"not joined (0 RDMA devices)" cluster status
	alockctl_expect "the table still answers after the removal" 0 "keys *64" table sum
	touch /tmp/dr-go
	retry 600 grep -q "unlock key 5" /tmp/dr-hold.out
	if wait "$dr_run"; then
		ok "the lock table run across the removal ended without a failure"
	else
		notok "the lock table run across the removal ended without a failure"
		sed 's/^/#   /' /tmp/dr-run.out
	fi
	# ALock on keys homed here after the removal: CPU atomics only.
	echo "# after the removal, another file locks and unlocks key 7 (homed here):"
	touch /tmp/dr-now
	$RT dlock-hold 0 1 7 /tmp/dr-now
	alockctl_expect "after the removal the loopback spin lock fails with ENOTCONN" 1 \
		"the first with ENOTCONN" stress dlock spin-loopback --threads 1 --seconds 0.5 --local-pct 100
	$A table sum 2>&1 | sed 's/^/# /'
	check "destroy the table while another file still holds it" $A table destroy
	alockctl_expect "... it is gone for new callers" 1 "table sum: no table" table sum
	touch /tmp/dr-stop
	wait "$dr_hold"
	dr_rc=$?
	cat /tmp/dr-hold.out
	[ "$dr_rc" -le 1 ] || notok "rdmatest dlock-hold exited with status $dr_rc (killed or crashed)"
	check "the table and the cluster are freed with the last file (no oops)" test -c /dev/alock
}

# One perftest latency test between node 0 (server) and node 1 (client).
# $1 = program, $2 = port, rest = options.  The client prints the result.
# perftest's server takes one connection request and then waits for that
# connection alone; a client that crashes in the handshake (perftest's
# librdmacm client under TCG, seen in 2026-12-03's CI) would leave it
# waiting until its timeout, and every later client rejected.  So the
# pair runs in rounds (at most 3): the server listens on port + round,
# tells the client when its connection manager ID is listening (TCP on
# eth0, port + 1000 + round), and ends the round by success or timeout;
# the client connects only when told, once a round.
perf_pair() {
	prog=$1
	port=$2
	shift 2
	pp_r=0
	pp_ok=0
	while [ "$pp_r" -lt 3 ] && [ "$pp_ok" = 0 ]; do
		pp_p=$((port + 40 * pp_r))
		if [ "$node" = 0 ]; then
			timeout 60 "$prog" -d rxe0 -R -F -p "$pp_p" -n $LAT_ITERS "$@" >/tmp/perf.out 2>&1 &
			pp_pid=$!
			pp_i=0
			until /usr/bin/rdma resource show cm_id 2>/dev/null | grep -q "LISTEN.*:$pp_p\b"; do
				pp_i=$((pp_i + 1))
				[ "$pp_i" -ge 100 ] && break
				sleep 0.1
			done
			[ "$pp_i" -ge 100 ] && echo "# $prog: no listening cm_id seen in 10 s; telling the client anyway"
			tcp_send "$(peer_ip 1)" $((pp_p + 1000)) 60
			wait "$pp_pid" && pp_ok=1
		else
			if tcp_wait $((pp_p + 1000)) 120; then
				timeout 60 "$prog" -d rxe0 -R -F -p "$pp_p" -n $LAT_ITERS "$@" \
					"$(peer_ip 0)" >/tmp/perf.out 2>&1 && pp_ok=1
			fi
		fi
		pp_r=$((pp_r + 1))
	done
	if [ "$node" = 0 ]; then
		if [ "$pp_ok" = 1 ]; then
			ok "$prog server ($*), round $pp_r"
		else
			notok "$prog server ($*)"
			sed 's/^/#   /' /tmp/perf.out
		fi
		return
	fi
	if [ "$pp_ok" = 1 ]; then
		ok "$prog client ($*), round $pp_r"
		# bytes iters t_min t_max t_typical t_avg t_stdev p99 p99.9;
		# then its bench-json record (Documentation/benchmarks.rst)
		awk -v p="$prog" -v o="$*" -v n="$nodes" -v c="$ncpu" '/^ *[0-9]+ +[0-9]+ +[0-9.]+/ {
			printf "# rdma-lat %s bytes=%s min=%s typical=%s avg=%s p99=%s usec opts=%s\n",
				p, $1, $3, $5, $6, $8, o
			gsub(/["\\]/, "", o)
			printf "# bench-json {\"benchmark\":\"rdma_lat\",\"case\":\"%s\",\"lock\":null,\"baseline\":null,\"value\":%s,\"unit\":\"us\",\"ratio\":null,\"ratio_of\":null,\"threads\":1,\"vcpus\":%d,\"nodes\":%d,\"params\":{\"bytes\":%d,\"iters\":%d,\"opts\":\"%s\"},\"stats\":{\"min_us\":%s,\"avg_us\":%s,\"p99_us\":%s}}\n",
				p, $5 + 0, c, n, $1, $2, o, $3 + 0, $6 + 0, $8 + 0 }' /tmp/perf.out
	else
		notok "$prog client ($*)"
		sed 's/^/#   /' /tmp/perf.out
	fi
}

cluster_tests() {
	if [ "$nodes" -lt 2 ]; then
		skip "cluster tests" "single guest"
		return
	fi
	check "rxe0 is ACTIVE" sh -c "/usr/bin/rdma link show | grep -q 'rxe0.*state ACTIVE'"
	for i in $(seq 0 $((nodes - 1))); do
		[ "$i" = "$node" ] && continue
		check "ping node$i over eth0" ping -c 2 -W 10 "$(peer_ip "$i")"
	done
	[ "$node" -gt 1 ] && return
	perf_pair ib_send_lat 18515 -s 4096
	perf_pair ib_atomic_lat 18516 -A CMP_AND_SWAP
	if [ "$mode" = rdmalat ]; then
		ping -c 20 -i 0.1 "$(peer_ip $(((node + 1) % nodes)))" | tail -n 2 | sed 's/^/# ping: /'
		perf_pair ib_atomic_lat 18522 -A CMP_AND_SWAP -e
		perf_pair ib_send_lat 18523 -s 8
	fi
	if [ "$mode" = bench ]; then
		perf_pair ib_send_lat 18517 -s 8
		perf_pair ib_read_lat 18518 -s 8
		perf_pair ib_write_lat 18519 -s 8
		perf_pair ib_atomic_lat 18520 -A FETCH_AND_ADD
	fi
}

# The RDMA transport (issue 4): every node runs the same steps, meeting at
# barriers kept in node 0's window.  Malformed membership input, a join
# of every node (with loopback), READ/WRITE/CAS/FAA with value checks
# against every node, contended CAS and FAA increments on one word that
# must end at the exact count, with 3+ nodes the last one killed by the
# host mid-run, verb latencies (reported, not asserted), leave, unload.
rdma_tests() {
	if [ "$nodes" -lt 2 ]; then
		skip "RDMA transport tests" "single guest"
		return
	fi
	check "insmod alock.ko for the RDMA tests" insmod $P/alock.ko || return
	$RT errno "$node" "$nodes"
	# Non-members first (issue 23): node 0 with another key, and with 3+
	# nodes the last one as node 0 from its own address, then as itself
	# with the key but a Hello whose window cannot be (debugfs
	# fault_hello); the members they reach refuse and log it (checked
	# below, once the cluster is up).  All start together, so that the
	# members listen (their joins) while the intruders try.
	rendezvous 60 120
	[ "$node" = 0 ] && $RT intruder "$node" "$nodes" key
	if [ "$nodes" -ge 3 ] && [ "$node" = $((nodes - 1)) ]; then
		$RT intruder "$node" "$nodes" addr
		echo 1 >/sys/kernel/debug/alock/fault_hello
		$RT intruder "$node" "$nodes" hello
		echo 0 >/sys/kernel/debug/alock/fault_hello
	fi
	if $RT join "$node" "$nodes"; then
		if [ "$node" != 0 ] && { [ "$node" != $((nodes - 1)) ] || [ "$nodes" = 2 ]; }; then
			check "node $node refused node 0 with another cluster key (logged)" \
				sh -c "dmesg | grep -q 'rdma: refused a connection from 10.77.0.1: no Hello with the cluster key'"
		fi
		if [ "$nodes" -ge 3 ] && [ "$node" = 1 ]; then
			check "node 1 refused node $((nodes - 1)) posing as node 0 (logged)" \
				sh -c "dmesg | grep -q 'rdma: refused a connection from 10.77.0.$nodes as node 0 (its address is 10.77.0.1)'"
		fi
		if [ "$nodes" -ge 3 ] && [ "$node" != $((nodes - 1)) ]; then
			check "node $node refused node $((nodes - 1))'s Hello with a bad window (logged)" \
				sh -c "dmesg | grep -q 'rdma: refused node $((nodes - 1)): its Hello advertises an unusable window'"
		fi
		$RT verbs "$node" "$nodes"
		$RT contend "$node" "$nodes" 0 2 "$RDMA_INCS"
		[ "$nodes" -ge 3 ] && $RT kill "$node" "$nodes" $((nodes - 1))
		$RT bench "$node" "$nodes" "$RDMA_BENCH_MS"
		$RT status
		$RT leave
	fi
	check "rmmod alock after leaving the cluster" rmmod alock
}

# rxe's counters (retransmissions, sequence errors, retries exhausted, ...)
# on one line: under link faults (make check-faults) they show where the
# time of a slow verb went.
rxe_counters() {
	rc_d=/sys/class/infiniband/rxe0/ports/1/hw_counters
	[ -d $rc_d ] || return 0
	echo "# rxe counters: $(for f in "$rc_d"/*; do printf '%s=%s ' "${f##*/}" "$(cat "$f")"; done)"
}

# Loads the module, joins a cluster on port $2 with a 256 KiB window, runs
# $3 there, leaves and unloads; $1 names the section in the checks, and
# "quiet" as $4 hides the join's lines (the benchmark's output).
in_table_cluster() {
	check "insmod alock.ko for $1" insmod $P/alock.ko || return
	export RDMATEST_WINDOW=262144
	if [ "${4:-}" = quiet ]; then
		$RT join "$node" "$nodes" "$2" >/dev/null
	else
		$RT join "$node" "$nodes" "$2"
	fi && {
		"$3"
		rxe_counters
		$RT leave
	}
	unset RDMATEST_WINDOW
	check "rmmod alock after $1" rmmod alock
}

# ALock and the distributed lock table (issue 5): a join with a 256 KiB
# window, table input checks, then runs of two threads per node: ALock at
# 0/50/90/100 % local operations, the loopback spin and MCS locks and the
# RPC lock at 50 %,
# ALock taking three of 16 keys at once; each run checks mutual exclusion
# (owner word, counters that add up over all nodes exactly), progress of
# every thread and of both cohorts.  Then the C API module and keys from
# user space; with 3+ nodes the last node is killed while it holds a key
# (recovery).
alock_tests() {
	if [ "$nodes" -lt 2 ]; then
		skip "ALock tests" "single guest"
		return
	fi
	in_table_cluster "the ALock tests" 18601 alock_table_tests
}

alock_table_tests() {
	check "C module alock_dltest.ko without a table: handle refused (-ENOENT)" \
		insmod $P/alock_dltest.ko expect_table=0 && rmmod alock_dltest
	$RT table "$node" "$nodes"
	run=0
	for spec in "1 0" "1 50" "1 90" "1 100" "2 50" "3 50" "4 50"; do
		# The ALock run at 90 % local is traced and counted (observe.sh).
		[ "$spec" = "1 90" ] && obs_dlock_start
		# shellcheck disable=SC2086 # two words: lock, local %
		$RT dlock "$node" "$nodes" $run $spec 2 "$DLOCK_MS"
		[ "$spec" = "1 90" ] && obs_dlock_check
		run=$((run + 1))
	done
	$RT dlock "$node" "$nodes" $run 1 50 2 "$DLOCK_MS" 3 16
	run=$((run + 1))
	# ALock-RW and DSLR (issue 21): 90 % reads at 50 % local; ALock-RW
	# at 100 % local (no verb, readers included), and on 4 keys all
	# remote, where this node's readers must overlap.
	for spec in "5 50 2 $DLOCK_MS 1 64 90" "6 50 2 $DLOCK_MS 1 64 90" \
		"5 100 2 $DLOCK_MS 1 64 90" "5 0 2 $DLOCK_MS 1 4 90 1" "5 50 2 $DLOCK_MS 2 16 50"; do
		# shellcheck disable=SC2086 # the run's words
		$RT dlock "$node" "$nodes" $run $spec
		run=$((run + 1))
	done
	# The starvation bounds: one writer among three readers, one reader
	# among three writers, per node, on 4 keys.
	for w in 1 0; do
		$RT dlock-roles "$node" "$nodes" $run 5 $w 4 "$DLOCK_MS"
		run=$((run + 1))
	done
	rw_reader_bound
	dltest_module
	$RT dlock-user "$node" "$nodes"
	[ "$nodes" -ge 3 ] && hostile_tests
	[ "$nodes" -ge 3 ] && $RT dlock-recover "$node" "$nodes" $((nodes - 1)) hold
}

# The reader bound of ALock-RW, measured: in every run above, a local
# reader that backed out counted the writer sections (counter increments)
# until it entered; more than the bound (2 x the cohort budget) counts as
# an error of the run (checked with the run) and is logged; each run with
# back-outs logs its most.  Here: none of them past the bound.
rw_reader_bound() {
	dmesg | sed -n 's/.*dlock run: \([0-9]*\) reader back-outs, at most \([0-9]*\) writer sections until a local reader entered (bound \([0-9]*\)).*/\1 \2 \3/p' >/tmp/rwbound
	if [ ! -s /tmp/rwbound ]; then
		skip "ALock-RW: local readers enter within the bound" "no reader backed out"
		return
	fi
	awk '{ b += $1; if ($2 > m) m = $2; bd = $3 } END { printf "# ALock-RW reader bound: %d back-outs in %d runs, at most %d writer sections before a local reader entered (bound %d)\n", b, NR, m, bd }' /tmp/rwbound
	# shellcheck disable=SC2016 # awk's fields, not the shell's
	check "ALock-RW: local readers that backed out entered within the bound (2 x budget writer sections)" \
		awk '$2 > $3 { bad = 1 } END { exit bad }' /tmp/rwbound
}

# A member that attacks the others' lock table (issue 23; rdmatest.c,
# cmd_hostile): the last node writes garbage into the lines, counters,
# reset requests, descriptors and scratch of keys homed on the others and
# floods their RPC lock servers with forged messages, while the others run
# ALock and the RPC lock on keys it never touches (exact) and then on the
# ones it attacked (must end).  The servers report the messages they
# dropped when the table goes.
hostile_tests() {
	ht_bad=$((nodes - 1))
	ht_n=$(dmesg | grep -c 'rpc lock server: [0-9]* bad messages')
	$RT hostile "$node" "$nodes" "$ht_bad" 4000
	if [ "$node" != "$ht_bad" ]; then
		dmesg | grep 'rpc lock server: [0-9]* bad messages' | tail -n 1 | sed 's/^/# /'
		check "node $node: its RPC lock server dropped the forged messages (logged)" \
			test "$(dmesg | grep -c 'rpc lock server: [0-9]* bad messages')" -gt "$ht_n"
	fi
}

# make check's 3-guest run: the phases of the modes rdma, alock and recover
# (queue, unlinked, leader, run, readers) on one cluster.  The last node is
# killed in each phase (the transport's killed peer, ALock's holder, each recovery
# scenario's victim); before each phase it leaves scripts/cluster.sh the
# command-line words that boot it again into the next (/out/respawn,
# alock_phase=K), while the survivors finish the phase, leave and wait at
# the next phase's rendezvous for it.  Each phase joins on its own port.  One
# boot and one leak check instead of five: 186 s instead of 288 s (2026-12-03).
CHECK3_PHASES="rdma alock recover:queue recover:unlinked recover:leader recover:run recover:readers"

check3_run() {
	c3_i=0
	c3_n=$(echo "$CHECK3_PHASES" | wc -w)
	for c3_ph in $CHECK3_PHASES; do
		if [ "$c3_i" -lt "${alock_phase:-0}" ]; then
			c3_i=$((c3_i + 1))
			continue
		fi
		if [ "$node" = $((nodes - 1)) ]; then
			if [ $((c3_i + 1)) -lt "$c3_n" ]; then
				echo "alock_phase=$((c3_i + 1))" >/out/respawn
			else
				rm -f /out/respawn
			fi
			sync
		fi
		mark "phase $c3_i: $c3_ph"
		# A survivor waits here for the killed node's next boot.
		rendezvous "$c3_i" 300
		case $c3_ph in
		rdma)
			cluster_tests
			rdma_tests
			;;
		alock) alock_tests ;;
		recover:*)
			if [ "$nodes" -lt 3 ]; then
				skip "recovery test (${c3_ph#recover:})" "fewer than 3 guests"
				c3_i=$((c3_i + 1))
				continue
			fi
			alock_recover=${c3_ph#recover:}
			c3_ms=$DLOCK_MS
			DLOCK_MS=6000
			in_table_cluster "the recovery test ($alock_recover)" $((18603 + c3_i - 2)) recover_scenario
			DLOCK_MS=$c3_ms
			;;
		esac
		c3_i=$((c3_i + 1))
	done
}

# Recovery after a lost node (make check's fourth to sixth clusters):
# join, then one scenario of rdmatest dlock-recover (or dlock-kill, a
# lock table run with a node killed, for alock_recover=run).
recover_tests() {
	if [ "$nodes" -lt 3 ]; then
		skip "recovery tests" "fewer than 3 guests"
		return
	fi
	in_table_cluster "the recovery test" 18603 recover_scenario
}

recover_scenario() {
	case ${alock_recover:-queue} in
	run) $RT dlock-kill "$node" "$nodes" $((nodes - 1)) ;;
	readers) $RT dlock-rw-kill "$node" "$nodes" $((nodes - 1)) ;;
	*) $RT dlock-recover "$node" "$nodes" $((nodes - 1)) "${alock_recover:-queue}" ;;
	esac
}

# The lock table's C API through a C module (tests/kmod/alock_dltest.c),
# while the other nodes do the same on the same keys.
dltest_module() {
	$RT dlock-table "$node" "$nodes" 64 && {
		check "C module alock_dltest.ko: lock table C API tests pass at load" \
			insmod $P/alock_dltest.ko threads=2 rounds=20 || dmesg | grep alock_dltest | sed 's/^/#   /'
		dmesg | grep "alock_dltest: .*threads" | sed 's/^.*alock_dltest: /# alock_dltest: /'
		rmmod alock_dltest 2>/dev/null
		$RT dlock-table-done "$node" "$nodes"
	}
}

# ALock-RW against exclusive ALock and DSLR (issue 21; make bench-alock-rw,
# every node at once): 50, 90 and 99 % reads x 50, 90 and 95 % local
# operations, 2 threads per node, 64 keys (on the guest command line:
# alock_rw_keys=N keys and alock_rw_threads=T threads per node, the
# contended variants; alock_rw_local="L..." and alock_rw_reads="R..."
# only those cells), each cell alock_reps times
# (default 3) with the locks in another order each time (a warm-up of 1 s
# each first).  Exclusive ALock runs each cell's workload with every
# operation exclusive.  scripts/bench-jsonl.py's rw cells: the medians and
# ALock-RW's ratios to the other two in the same cell.
alock_rw_bench() {
	[ "$nodes" -lt 2 ] && return
	in_table_cluster "the ALock-RW benchmark" 18604 alock_rw_bench_runs quiet
}

alock_rw_bench_runs() {
	run=0
	for lock in 5 1 6; do
		$RT dlock "$node" "$nodes" $run $lock 50 2 1000 2 64 50
		run=$((run + 1))
	done
	rdma_counters $((run - 1))
	for rep in $(seq "${alock_reps:-3}"); do
		for pct in ${alock_rw_local:-50 90 95}; do
			for rd in ${alock_rw_reads:-50 90 99}; do
				for lock in $(echo "5 1 6 5 1" | cut -d' ' -f"$(((rep - 1) % 3 + 1))-$(((rep - 1) % 3 + 3))"); do
					$RT dlock "$node" "$nodes" $run "$lock" "$pct" \
						"${alock_rw_threads:-2}" "$DLOCK_MS" 1 \
						"${alock_rw_keys:-64}" "$rd"
					rdma_counters "$run"
					run=$((run + 1))
				done
			done
		done
	done
}

# The connections' counters (/sys/kernel/debug/alock/rdma: signalled posts
# and their round trips) after run $1 (the run before the first: its number)
# as "# rdma-after run=N" lines, the CPU time as a "# cpu-after" line:
# scripts/bench-jsonl.py adds each run's posts, their mean round trip and
# the guest's busy share to its record.  Under TCG a post's round
# trip is mostly the time the guests take to schedule the RDMA provider's
# work, so the busier the CPUs, the longer (README, ALock-RW).
rdma_counters() {
	sed "s/^peer/# rdma-after run=$1 peer/" /sys/kernel/debug/alock/rdma 2>/dev/null | grep '^# rdma-after' || true
	# And the CPU time, all and idle (jiffies of /proc/stat's cpu line),
	# and the context switches.
	# shellcheck disable=SC2016
	awk -v r="$1" '/^cpu / { t = $2+$3+$4+$5+$6+$7+$8+$9; i = $5+$6 }
		/^ctxt / { c = $2 }
		END { print "# cpu-after run=" r " total=" t " idle=" i " ctxt=" c }' /proc/stat
}

# ALock against its competitors (make bench, every node at once), in the
# style of the paper's evaluation: throughput and acquire latency over the
# share of local operations, then over threads per node and number of
# keys.  Figures are printed as "# dlock" lines and bench-json records;
# scripts/bench-jsonl.py (bench.jsonl, scripts/report.sh) sums them over
# the nodes, takes the median of a cell's runs and computes the ratios.
alock_bench() {
	[ "$nodes" -lt 2 ] && return
	in_table_cluster "the ALock benchmark" 18602 alock_bench_runs quiet
}

alock_bench_runs() {
	# Warm-up, 1 s of each lock at 50 %: TCG translates the code
	# paths the first time they run, which would tax whichever lock
	# comes first.  Two keys per operation: report.sh leaves these
	# rows out.
	run=0
	for lock in 1 2 3 4; do
		$RT dlock "$node" "$nodes" $run $lock 50 2 1000 2 64
		run=$((run + 1))
	done
	# Each cell of the locality matrix alock_reps times (default 3),
	# the locks in another order each time: report.sh takes the
	# median of a cell's runs.
	for rep in $(seq "${alock_reps:-3}"); do
		for pct in 0 50 90 95 100; do
			for lock in $(echo "1 2 3 4 1 2 3" | cut -d' ' -f"$(((rep - 1) % 4 + 1))-$(((rep - 1) % 4 + 4))"); do
				$RT dlock "$node" "$nodes" $run "$lock" $pct 2 "$DLOCK_MS" 1 64
				run=$((run + 1))
			done
		done
	done
	for thr in 1 4; do
		for lock in 1 2; do
			$RT dlock "$node" "$nodes" $run $lock 90 $thr "$DLOCK_MS" 1 64
			run=$((run + 1))
		done
	done
	for keys in 16 1000; do
		for lock in 1 2; do
			$RT dlock "$node" "$nodes" $run $lock 90 2 "$DLOCK_MS" 1 $keys
			run=$((run + 1))
		done
	done
}

# The bench-json record of an alocktest txn line on stdin (the lock
# manager's commits/s per policy; Documentation/benchmarks.rst):
# "# txn MODE: T threads, R records, X per tx, A% audits, MS ms: C commits/s,
#  S restarts/s, W waits/s, N timeouts, E exclusive, max_restarts M, 0 errors"
txn_json() {
	awk -v c="$ncpu" '/^# txn [a-z]+: / {
		gsub(/[:,%]/, "")
		printf "# bench-json {\"benchmark\":\"txn\",\"case\":\"commits\",\"lock\":\"%s\",\"baseline\":null,\"value\":%s,\"unit\":\"commits/s\",\"ratio\":null,\"ratio_of\":null,\"threads\":%d,\"vcpus\":%d,\"params\":{\"records\":%d,\"tx_records\":%d,\"audit_pct\":%d},\"stats\":{\"ms\":%s,\"restarts_s\":%s,\"waits_s\":%s,\"timeouts\":%s,\"exclusive\":%s,\"max_restarts\":%s,\"errors\":%s}}\n",
			$3, $15 + 0, $4, c, $6, $8, $11, $13 + 0, $17 + 0, $19 + 0, $21 + 0, $23 + 0, $26 + 0, $27 + 0
	}'
}

# Benchmarks (bench mode, node 0 only, after the cluster tests so that the
# other guests are idle): ratios against the stock locks, same run.
bench_tests() {
	# alock_bench=queue,mr,rw,mm,txn,alockctl (guest command line) picks
	# sections; default all.
	want() { case ",${alock_bench:-all}," in *",all,"* | *",$1,"*) return 0 ;; esac; return 1; }
	check "insmod alock.ko for benchmarks" insmod $P/alock.ko || return
	want queue && $T bench-queue 1000
	want mr && $T bench-mr 1000
	want rw && $T bench-rw 1000
	want mm && mm_bench
	# Lock manager, like picotm's figures: commits and restarts per second
	# with restart-only, exclusive mode and the waiting queue, at high
	# (8 records) and low (4096 records) contention.
	if want txn; then
		for recs in 8 4096; do
			for m in restart exclusive wait; do
				$T txn $m $((2 * ncpu)) 1000 $recs 4 20 >/tmp/txn.out
				cat /tmp/txn.out
				txn_json </tmp/txn.out
			done
		done
	fi
	# The same matrices through alockctl, saved for the host's plots
	# (scripts/check.sh copies them to build/results/).
	if want alockctl; then
		for s in queue mrlock txn rw; do
			check "alockctl bench $s" $A bench $s --out /out/results &&
				sed 's/^/# /' /tmp/check.out
		done
	fi
	check "rmmod after benchmarks" rmmod alock
}

# make demo: ALock against the loopback spin and MCS locks on the lock
# table at 0, 90 and 100 % local operations (every guest), then on guest 0
# prwlock against the stock reader-writer locks, the queue locks against
# the spinlock, and the mmap_lock opted in against rwsem, each a few
# seconds.  "# demo:" lines tell the host what runs now.
demo_tests() {
	if [ "$nodes" -ge 2 ]; then
		echo "# demo: ALock vs loopback spin and MCS on a lock table over $nodes guests"
		in_table_cluster "the ALock demo" 18603 demo_alock_runs quiet
	fi
	[ "$node" = 0 ] || return 0
	check "insmod alock.ko for the demo" insmod $P/alock.ko || return
	echo "# demo: prwlock vs rwsem, percpu_rwsem and RCU"
	$T bench-rw "$STRESS_MS"
	echo "# demo: ticket, MCS and ABQL vs spinlock"
	$T bench-queue "$STRESS_MS"
	echo "# demo: the mmap_lock of an opted-in process, prwlock vs rwsem"
	for wl in pf mmap; do
		$MT bench $wl "$ncpu" 1
	done
	check "rmmod after the demo" rmmod alock
}

demo_alock_runs() {
	run=0
	for pct in 0 90 100; do
		for lock in 1 2 3; do
			$RT dlock "$node" "$nodes" $run $lock $pct 2 "$DLOCK_MS" 1 64
			run=$((run + 1))
		done
	done
}

# observe_tests and its helpers (perf, tracefs, debugfs, lock_stat).
# shellcheck source=tests/guest/observe.sh
. "$P/tests/guest/observe.sh"

main() {
	echo "# alock guest tests on node$node ($ncpu CPUs, $(uname -r)), mode $mode"
	case $mode in
	lockbench) bench_tests ;;
	alockbench) alock_bench ;;
	alockrwbench) alock_rw_bench ;;
	mm) with_module "the mmap_lock tests" mm_tests mm_selftests ;;
	hotplug) with_module "the CPU-hotplug stress" hotplug_test ;;
	mmbench) with_module "the mmap_lock benchmark" mm_bench ;;
	uffd) with_module "the userfaultfd test" uffd_tests ;;
	local) with_module "the local lock tests" local_tests ;;
	observe) with_module "the observability tests" observe_tests ;;
	demo) demo_tests ;;
	queue) with_module "the queue lock tests" basic_tests queue_family_tests capi_tests ;;
	prwlock) with_module "the prwlock tests" basic_tests prwlock_tests ;;
	rdma)
		cluster_tests
		rdma_tests
		;;
	alock) alock_tests ;;
	check) check_run ;;
	check3) check3_run ;;
	soakops)
		if load_module; then
			torture_start
			soak_ops
			torture_stop
			check "rmmod after the soak's lock operations" rmmod alock
		fi
		;;
	fuzz)
		FUZZ_CALLS=${alock_fuzz_calls:-100000}
		with_module "the ioctl fuzzer" fuzz_tests
		;;
	recover) recover_tests ;;
	devremove) device_removal_tests ;;
	*) full_run ;;
	esac
	leak_check
}

# make check's first run: the single-guest tests of every family, in two
# groups side by side on two guests of about equal length (both groups on
# one guest with -n 1): the queue lock family, alockctl, the C API, module
# unloading, the observability tests and two uffd-unit-tests runs of the
# mm selftests (MM_ST_SHARED) on guest 0; prwlock (stress, wake-up, CPU
# hotplug, locktorture), the mmap_lock tests and the other mm selftests on
# guest 1 (grep '^# @' in the guest logs for each section's start).  The
# cluster tests run on make check's 3-guest cluster (check3); the same
# tests on 2 guests, and every group on every guest, are make soak's
# (full_run).
check_run() {
	if [ "$node" = 0 ] && load_module; then
		mark "basic tests"
		basic_tests
		mark "queue lock family"
		queue_family_tests
		mark "alockctl"
		alockctl_tests
		mark "C API"
		capi_tests
		mark "unload"
		unload_tests
		mark "observability"
		with_module "the observability tests" observe_tests
		if [ "$nodes" -gt 1 ]; then
			mark "mm selftests (shared)"
			with_module "the mm selftests guest 0 runs" mm_selftests_shared
		fi
	fi
	if [ "$node" = 1 ] || [ "$nodes" = 1 ]; then
		mark "prwlock and mmap_lock"
		st=mm_selftests
		[ "$nodes" -gt 1 ] && st=mm_selftests_rest
		with_module "the prwlock and mmap_lock tests" basic_tests prwlock_tests \
			mm_tests "$st"
		with_module "the ioctl fuzzer" fuzz_tests
		# Last: it deletes and adds again this guest's rxe0.
		device_removal_tests
	fi
	mark "done"
}

# Every test of the modes that are not one section alone (make soak: every
# group on every guest, then the cluster tests on all of them).
full_run() {
	if [ "$mode" != rdmalat ] && load_module; then
		# make soak: locktorture through the local phase, the lock
		# operations and 10^6 fuzzer calls before the module is unloaded.
		[ "$mode" = soak ] && [ "$node" = 0 ] && torture_start
		local_tests
		mark "C API"
		capi_tests
		if [ "$mode" = soak ]; then
			mark "soak: lock operations"
			soak_ops
			FUZZ_CALLS=${FUZZ_CALLS:-1000000}
			fuzz_tests
			torture_stop
		fi
		mark "mmap_lock"
		mm_tests
		mark "unload"
		unload_tests
	fi
	mark "cluster"
	cluster_tests
	if [ "$mode" != rdmalat ]; then
		mark "RDMA transport"
		rdma_tests
		mark "ALock"
		alock_tests
	fi
	[ "$mode" = bench ] && alock_bench
	[ "$mode" = bench ] && [ "$node" = 0 ] && bench_tests
	# The kernel's mm selftests, opted in, last and on one guest only:
	# they take minutes, and the other guests have no cluster test left
	# to wait for.
	if [ "$mode" != rdmalat ] && [ "$node" = 0 ]; then
		mark "mm selftests"
		with_module "the mm selftests" mm_selftests
	fi
	mark "done"
}

main 2>&1 | awk '
	/^(ok|not ok)( |$)/ {
		n++
		if ($1 == "ok") pass++; else fail++
		sub(/^(ok|not ok)/, "& " n)
	}
	{ print; fflush() }
	END {
		print "1.." n
		printf "# node'"$node"': %d passed, %d failed\n", pass, fail
		print (fail == 0 && n > 0 ? 0 : 1) > "/tmp/status"
	}'
