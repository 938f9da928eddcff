#!/bin/busybox sh
# shellcheck shell=dash
# /init of the alock test guests (see scripts/build-initramfs.sh).
# Kernel command-line words without a dot arrive as environment variables:
#   alock_node=I alock_nodes=N alock_mode=MODE (run.sh's modes, or shell)
# The host's build/payload is mounted read-only on /payload (module, tests),
# and this guest's own results folder on /out.
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
# tracefs: ftrace's events (lock:contention_*, alock:*) and perf's formats
mount -t tracefs tracefs /sys/kernel/tracing
mount -t 9p -o trans=virtio,version=9p2000.L,ro payload /payload
mount -t 9p -o trans=virtio,version=9p2000.L out /out
node=${alock_node:-0}
hostname "node$node"

fail_boot() {
	echo "alock-guest: $*"
	echo "boot: $*" >/out/boot-error
	echo 1 >/out/status
	poweroff -f
}

# Network: one isolated link, 10.77.0.(node+1)/24.  iproute2's ip by full
# path: busybox sh would run its own applet for a bare "ip".
/usr/bin/ip link set lo up
# MTU 9000: rxe then uses a 4096-byte IB MTU, so a 4 KiB message is one
# packet instead of four.
/usr/bin/ip link set eth0 mtu 9000 up || fail_boot "no eth0"
/usr/bin/ip addr add "10.77.0.$((node + 1))/24" dev eth0
# Soft-RoCE on top of it.
modprobe rdma_rxe || fail_boot "modprobe rdma_rxe failed"
/usr/bin/rdma link add rxe0 type rxe netdev eth0 || fail_boot "rdma link add failed"

cd /tmp || fail_boot "no /tmp"
if [ "${alock_mode:-check}" = shell ]; then
	setsid cttyhack sh
else
	sh /payload/tests/guest/run.sh "${alock_mode:-check}" 2>&1 | tee /out/tap.txt
	# run.sh leaves its status in /tmp/status (a pipe hides it).
	cp /tmp/status /out/status 2>/dev/null || echo 1 >/out/status
fi
dmesg >/out/dmesg.txt
sync
poweroff -f
