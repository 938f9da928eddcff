#!/usr/bin/env bash
# Boot a cluster of alock test guests under QEMU, run MODE in each, collect
# the results and fail on any test failure, missing result, timeout or
# kernel splat.
#
# Usage: cluster.sh [-n NODES] [-c VCPUS] [-m MEM_MB] [-t TIMEOUT_S] [-o RUNDIR] MODE
#   MODE: check | check3 | demo | bench | soak | rdma | alock | lockbench | alockbench |
#         alockrwbench | recover | mm | mmbench |
#         hotplug | uffd | local (self-tests and stress of the local locks) |
#         fuzz | devremove (RDMA device removal under a table, one guest) |
#         rdmalat | shell (interactive, one guest)
# Environment:
#   ACCEL=tcg (default) or kvm;  KFLAVOR=test (default) or bench: which
#   kernel;  KERNEL, INITRD: images;  PAYLOAD: folder mounted read-only in
#   the guests (module, tests), default build/payload-$KFLAVOR.
#   NET_FAULTS: fault options for the cluster's switch (scripts/net-hub.py;
#   issue 20), e.g. NET_FAULTS="--loss 0.01 --jitter 10 --seed 7": --loss P
#   drops each frame with probability P; --delay D holds each frame D ms
#   and --jitter J adds a uniform -J..+J ms to that (never below 0), so
#   frames closer than J get reordered; --reorder P holds a frame until
#   its guest's next one went out; --seed S makes it reproducible (the
#   seed is printed either way).  The switch's first and last lines (faults
#   and seed; counts of frames, lost, delayed, reordered) are logged and
#   kept in RUNDIR/net-hub.log.  Set, it puts two guests on the switch as
#   well (one guest: ignored); unset or empty, the links are as below.
#
# Guests are linked only to each other, by loopback unicast UDP: two guests
# by a point-to-point socket netdev on 127.0.0.1, more through the run's
# own learning switch on 127.0.0.1 (scripts/net-hub.py; no multicast, no
# user-mode networking, nothing leaves 127.0.0.0/8: a check reads every
# QEMU command line for addresses outside it).  Each guest
# gets RUNDIR/guestI/ (its /out: TAP, status, dmesg) and RUNDIR/guestI.log
# (serial console); RUNDIR/bench.jsonl gets the guests' benchmark figures.
# The hard timeout kills only the QEMU processes this
# script started.  A guest that creates /out/kill-me (the RDMA peer-failure
# test) is killed with SIGKILL at once, as a crashed node would vanish; it
# must have reported its checks before, and its status is not required.
# If it also wrote /out/respawn (words for the kernel command line, e.g.
# alock_phase=2: make check's 3-guest run), it is booted again with them
# once killed, as the same node: the killed incarnation's folder and log
# become RUNDIR/guestI-kN/ and RUNDIR/guestI-kN.log (N = 1, 2, ...) and are
# checked like any killed guest's.
# Prints "RESULT passed=N failed=N" last.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

nodes=2
vcpus=2
mem=768
timeout_s=900
rundir=
while getopts "n:c:m:t:o:" opt; do
	case $opt in
	n) nodes=$OPTARG ;;
	c) vcpus=$OPTARG ;;
	m) mem=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	o) rundir=$OPTARG ;;
	*) die "usage: $0 [-n NODES] [-c VCPUS] [-m MEM_MB] [-t TIMEOUT_S] [-o RUNDIR] MODE" ;;
	esac
done
shift $((OPTIND - 1))
mode=${1:?mode: see the usage at the top of this file}
[[ $nodes =~ ^[0-9]+$ && $nodes -ge 1 && $nodes -le 16 ]] || die "NODES must be 1..16"
[[ $vcpus =~ ^[0-9]+$ && $vcpus -ge 1 && $vcpus -le 64 ]] || die "VCPUS must be 1..64"

accel=${ACCEL:-tcg}
kernel=${KERNEL:-$(kernel_dir)/arch/x86/boot/bzImage}
initrd=${INITRD:-$ALOCK_TOP/build/initramfs-$KFLAVOR.cpio}
payload=${PAYLOAD:-$ALOCK_TOP/build/payload-$KFLAVOR}
[ -f "$kernel" ] || die "no kernel image $kernel (make kernel)"
[ -f "$initrd" ] || die "no initramfs $initrd (make initramfs)"
[ -f "$payload/alock.ko" ] || die "no payload in $payload (make payload)"
payload=$(realpath "$payload")
initrd=$(realpath "$initrd")
rundir=${rundir:-$ALOCK_TOP/build/runs/$(date +%Y%m%d-%H%M%S)-$mode}
mkdir -p "$rundir"
ln -sfn "$rundir" "$ALOCK_TOP/build/runs/latest"

case $accel in
tcg) accel_opts=(-accel "tcg,thread=multi,tb-size=256" -cpu "${QEMU_CPU:-max}") ;;
kvm) accel_opts=(-accel kvm -cpu host) ;;
*) die "ACCEL must be tcg or kvm" ;;
esac

# Ports: per-run base so that parallel runs do not collide.  Two guests use
# base and base + 1; with more (or two with NET_FAULTS), the switch listens
# on base and guest i on base + 1 + i.
base=$((20000 + ($$ % 2000) * 16))
read -ra net_faults <<<"${NET_FAULTS:-}"
hub=0
if [ "$nodes" -gt 2 ] || { [ "$nodes" -eq 2 ] && [ ${#net_faults[@]} -gt 0 ]; }; then
	hub=1
elif [ ${#net_faults[@]} -gt 0 ]; then
	log "NET_FAULTS ignored: one guest has no link"
	net_faults=()
fi

pids=()
hub_pid=
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	sleep 0.5
	for p in "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	[ -z "$hub_pid" ] || kill "$hub_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$hub" = 1 ]; then
	python3 "$ALOCK_TOP/scripts/net-hub.py" "${net_faults[@]}" "$base" $(seq $((base + 1)) $((base + nodes))) \
		>"$rundir/net-hub.log" 2>&1 &
	hub_pid=$!
	# Listening before the first guest sends.
	for _ in $(seq 50); do
		grep -q listening "$rundir/net-hub.log" && break
		sleep 0.1
	done
	grep -q listening "$rundir/net-hub.log" || die "net-hub.py did not start: $(cat "$rundir/net-hub.log")"
fi

# start_guest I [WORDS]: boot guest I (again), WORDS added to its command line.
start_guest() {
	local i=$1 g="$rundir/guest$1" net
	rm -rf "$g"
	mkdir -p "$g"
	if [ "$hub" = 1 ]; then
		net="socket,id=n0,udp=127.0.0.1:$base,localaddr=127.0.0.1:$((base + 1 + i))"
	elif [ "$nodes" -eq 2 ]; then
		net="socket,id=n0,udp=127.0.0.1:$((base + 1 - i)),localaddr=127.0.0.1:$((base + i))"
	else
		net="socket,id=n0,udp=127.0.0.1:$((base + 1)),localaddr=127.0.0.1:$base"
	fi
	cmd=(qemu-system-x86_64 -name "alock-guest$i" "${accel_opts[@]}"
		-smp "$vcpus" -m "$mem" -no-reboot -display none -monitor none
		-kernel "$kernel" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 oops=panic printk.time=1 acpi=noirq ${GUEST_CMDLINE:-} alock_node=$i alock_nodes=$nodes alock_mode=$mode${2:+ $2}"
		-netdev "$net" -device "virtio-net-pci,netdev=n0,mac=52:54:00:a1:00:$(printf %02x "$i")"
		-virtfs "local,path=$payload,mount_tag=payload,security_model=none,readonly=on"
		-virtfs "local,path=$g,mount_tag=out,security_model=none"
		-device virtio-rng-pci)
	if [ "$mode" = shell ]; then
		exec "${cmd[@]}" -serial mon:stdio
	fi
	"${cmd[@]}" -serial "file:$rundir/guest$i.log" </dev/null >>"$rundir/qemu$i.err" 2>&1 &
	pids[i]=$!
}

# respawn I: guest I was killed on request and asked to be booted again.
incs=()
respawn() {
	local i=$1 k=$((${incs[$1]:-0} + 1)) words
	incs[i]=$k
	words=$(tr -cd 'a-z0-9_= ' <"$rundir/guest$i/respawn")
	mv "$rundir/guest$i" "$rundir/guest$i-k$k"
	mv "$rundir/guest$i.log" "$rundir/guest$i-k$k.log"
	start_guest "$i" "$words"
	log "guest$i booted again ($words)"
}

for ((i = 0; i < nodes; i++)); do
	start_guest "$i"
done
log "cluster: $nodes guests x $vcpus vCPUs ($accel), mode $mode, run folder $rundir"
[ ${#net_faults[@]} -eq 0 ] || log "cluster: link faults: $(head -n 1 "$rundir/net-hub.log")"
# Every IPv4 address on the QEMU command lines, for the loopback check;
# read once each process is QEMU (a background job is the shell until it
# execs, and an idle host gets here first: an empty list, a failed check).
for _ in $(seq 50); do
	n=0
	for p in "${pids[@]}"; do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q qemu-system && n=$((n + 1))
	done
	[ "$n" -lt ${#pids[@]} ] || break
	sleep 0.1
done
for p in "${pids[@]}"; do
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null || true
done | grep -oE '([0-9]+\.){3}[0-9]+' | sort -u >"$rundir/qemu-addrs.txt" || true

# Wait for every guest, at most timeout_s; then kill what is left.
start=$(date +%s)
timed_out=0
while :; do
	alive=0
	for p in "${pids[@]}"; do
		kill -0 "$p" 2>/dev/null && alive=$((alive + 1))
	done
	[ $alive -eq 0 ] && break
	for ((i = 0; i < nodes; i++)); do
		if [ -e "$rundir/guest$i/kill-me" ] && [ ! -e "$rundir/guest$i/killed" ]; then
			{
				kill -9 "${pids[$i]}"
				wait "${pids[$i]}"
			} 2>/dev/null || true
			date +%s.%N >"$rundir/guest$i/killed"
			log "guest$i asked to be killed: killed"
			[ -s "$rundir/guest$i/respawn" ] && respawn "$i"
		fi
	done
	if [ $(($(date +%s) - start)) -ge "$timeout_s" ]; then
		timed_out=1
		log "timeout after ${timeout_s}s: killing $alive guest(s)"
		cleanup
		break
	fi
	sleep 0.2
done
elapsed=$(($(date +%s) - start))
# The switch's counts (its last line once stopped) when it had faults.
if [ "$hub" = 1 ] && [ ${#net_faults[@]} -gt 0 ]; then
	kill "$hub_pid" 2>/dev/null || true
	wait "$hub_pid" 2>/dev/null || true
	hub_pid=
	log "cluster: $(tail -n 1 "$rundir/net-hub.log")"
fi

# Collect: guest TAP results plus three host checks per guest.
passed=0
failed=0
# The cluster's traffic stays on loopback: no QEMU names an address
# outside 127.0.0.0/8 (and the command lines were read).
if [ "$mode" != shell ]; then
	if [ -s "$rundir/qemu-addrs.txt" ] && ! grep -qv '^127\.' "$rundir/qemu-addrs.txt"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "  not ok - QEMU command lines name only 127.0.0.0/8 addresses: $(tr '\n' ' ' <"$rundir/qemu-addrs.txt")"
	fi
fi
for ((j = 0; j < nodes; j++)); do
	# Each incarnation of guest j: the killed ones first.
	for ((k = 1; k <= ${incs[j]:-0} + 1; k++)); do
		i=$j
		g="$rundir/guest$j" glog="$rundir/guest$j.log"
		if [ "$k" -le "${incs[j]:-0}" ]; then
			i="$j-k$k" g="$rundir/guest$j-k$k" glog="$rundir/guest$j-k$k.log"
		fi
		tap="$g/tap.txt"
		p=$(grep -c '^ok ' "$tap" 2>/dev/null || true)
		f=$(grep -c '^not ok ' "$tap" 2>/dev/null || true)
		passed=$((passed + p))
		failed=$((failed + f))
		grep '^not ok ' "$tap" 2>/dev/null | sed "s/^/  guest$i: /" || true
		if [ -f "$g/killed" ]; then
			# Killed on its own request: what it reported before is its result.
			if grep -q '^ok .*asks the host to kill it' "$tap" 2>/dev/null; then
				passed=$((passed + 1))
			else
				failed=$((failed + 1))
				echo "  guest$i: not ok - killed on request after reporting its checks"
			fi
			if "$ALOCK_TOP/scripts/check-splats.sh" "$glog"; then
				passed=$((passed + 1))
			else
				failed=$((failed + 1))
				echo "  guest$i: not ok - no kernel splat in the guest's logs"
			fi
			continue
		fi
		if [ "$timed_out" = 0 ] && [ -f "$g/status" ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			echo "  guest$i: not ok - finished and reported a status (see $glog)"
			[ -f "$g/boot-error" ] && sed 's/^/  guest'"$i"': /' "$g/boot-error"
			tail -n 15 "$glog" 2>/dev/null | sed 's/^/    | /'
		fi
		if [ -f "$g/status" ] && [ "$(cat "$g/status")" = 0 ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			echo "  guest$i: not ok - guest test status 0"
		fi
		if "$ALOCK_TOP/scripts/check-splats.sh" "$glog" "$g/dmesg.txt"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			echo "  guest$i: not ok - no kernel splat in the guest's logs"
		fi
	done
done
# The benchmark figures of every guest (its "# bench-json" lines) as JSON
# lines in RUNDIR/bench.jsonl with the run's fields (Documentation/
# benchmarks.rst); with such lines, one more check: each is valid JSON.
if python3 "$ALOCK_TOP/scripts/bench-jsonl.py" collect "$rundir" --vcpus "$vcpus" \
	--nodes "$nodes" --kernel "$KFLAVOR" 2>"$rundir/bench-jsonl.err"; then
	grep -qh '^# bench-json ' "$rundir"/guest*/tap.txt 2>/dev/null && passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "  not ok - bench.jsonl: every bench-json line of the guests is valid JSON"
	sed 's/^/    | /' "$rundir/bench-jsonl.err" | head -n 20
fi
log "cluster: finished in ${elapsed}s"
echo "RESULT passed=$passed failed=$failed"
[ "$failed" -eq 0 ]
