// SPDX-License-Identifier: GPL-2.0
/*
 * rdmatest: guest-side checks of the RDMA transport of /dev/alock
 * (cluster membership, one-sided verbs between guests, failures).
 *
 * Every node of the test cluster runs the same command at about the same
 * time; the nodes meet at barriers kept in node 0's window (fetch-and-add
 * of a counter, then compare-and-swap reads until every node arrived).
 * Output is TAP as in alocktest ("ok - ...", "not ok - ..."); exit 0 if
 * every check passed, 1 otherwise, 2 for usage.
 *
 *   rdmatest errno NODE NODES          membership input checks (not joined)
 *   rdmatest join NODE NODES [PORT]    join with loopback, 64 KiB window
 *   rdmatest verbs NODE NODES          READ/WRITE/CAS/FAA with every node
 *   rdmatest contend NODE NODES HOME THREADS INCREMENTS
 *   rdmatest bench NODE NODES MS       latency/throughput of every verb
 *   rdmatest kill NODE NODES VICTIM    the victim is killed by the host
 *   rdmatest table NODE NODES          lock table input checks
 *   rdmatest dlock NODE NODES RUN LOCK LOCAL% THREADS MS [KPO [KEYS [READ% [OVERLAP]]]]
 *   rdmatest dlock-kill NODE NODES VICTIM   ALock with a node killed
 *   rdmatest dlock-rw-kill NODE NODES VICTIM  ALock-RW, a reader killed
 *   rdmatest dlock-roles NODE NODES RUN LOCK WRITER THREADS MS
 *                                      one writer among readers (or one
 *                                      reader among writers) progresses
 *   rdmatest dlock-recover NODE NODES VICTIM hold|queue|unlinked|leader
 *                                      a key recovered after its holder,
 *                                      a waiter or the remote leader died
 *   rdmatest dlock-user NODE NODES     keys locked from user space
 *   rdmatest dlock-table NODE NODES KEYS | dlock-table-done NODE NODES
 *                                      a table for the C API test module
 *   rdmatest dlock-hold NODE NODES KEY GO [STOP]
 *                                      locks KEY from user space, holds it
 *                                      until file GO exists (at most
 *                                      120 s), unlocks it, keeps the file
 *                                      open until STOP exists (the
 *                                      device-removal test)
 *   rdmatest status | leave
 *   rdmatest intruder NODE NODES key|addr|hello [PORT]
 *                                      a join the members must refuse: with
 *                                      another key, as node 0 from this
 *                                      node's address, or (hello) with the
 *                                      key but a bad window in its Hello
 *                                      (debugfs fault_hello set by the
 *                                      caller): -ETIMEDOUT in 8 s
 *   rdmatest hostile NODE NODES BAD MS a member (BAD) attacks the others'
 *                                      lock table (cmd_hostile)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/alock.h>

#include "tap.h"
#include "bench_json.h"

_Static_assert(sizeof(struct alock_node_addr) == 24, "alock_node_addr size");
_Static_assert(sizeof(struct alock_cluster_join) == 448, "alock_cluster_join size");
_Static_assert(sizeof(struct alock_cluster_status) == 736, "alock_cluster_status size");
_Static_assert(sizeof(struct alock_rdma_op) == 72, "alock_rdma_op size");
_Static_assert(sizeof(struct alock_rdma_stress) == 80, "alock_rdma_stress size");
_Static_assert(sizeof(struct alock_rdma_bench) == 80, "alock_rdma_bench size");

/* Window layout used by the tests (64 KiB windows; bench uses the upper half). */
#define WINDOW		65536
#define BAR_OFF		64	/* barrier counters, node 0 */
#define PAT_OFF		2048	/* this node's pattern, 256 bytes */
#define PAT_LEN		256
#define IN_OFF		4096	/* patterns read from node j at IN_OFF + j * PAT_LEN */
#define WR_OFF		12288	/* node s writes its pattern at WR_OFF + s * PAT_LEN */
#define CAS_OFF		20480	/* node s's word at CAS_OFF + s * 8 */
#define CNT_OFF		24576	/* contended counters */
#define KILL_OFF	28672	/* counter the survivors hammer on the victim */
#define RUN_OFF		32768	/* lock table run r: ops at +16r, counters at +16r+8 */
#define REC_OFF		40960	/* recovery test: sections done, torn values seen */
#define TABLE_WINDOW	262144	/* window of the lock table tests */
#define JUNK_OFF	49152	/* the hostile node's garbage, 4 KiB */
#define PORT		18600

static int fd;
static int me, nodes;

/* ioctl on the device: 0 or -errno */
static int rioctl(unsigned long cmd, void *arg)
{
	int r = xioctl(fd, cmd, arg);

	return r < 0 ? r : 0;
}

static const char *err_s(int r)
{
	return r ? strerror(-r) : "success";
}

static unsigned int window = WINDOW;

/*
 * The test clusters' key (every node the same; 32 bytes, the last the
 * string's NUL), and another one for the join of a non-member.
 */
static const unsigned char test_key[ALOCK_CLUSTER_KEY_SIZE] = "alock test cluster, not secret";
static const unsigned char other_key[ALOCK_CLUSTER_KEY_SIZE] = "another cluster's key, not ours";

static void fill_join(struct alock_cluster_join *j, int node, int n, int port)
{
	int i;

	memset(j, 0, sizeof(*j));
	j->node_id = node;
	j->nr_nodes = n;
	j->window_size = window;
	j->flags = ALOCK_CLUSTER_LOOPBACK;
	j->timeout_ms = 120000;
	memcpy(j->key, test_key, sizeof(j->key));
	for (i = 0; i < n; i++) {
		j->nodes[i].family = AF_INET;
		j->nodes[i].port = port;
		j->nodes[i].addr[0] = 10;
		j->nodes[i].addr[1] = 77;
		j->nodes[i].addr[2] = 0;
		j->nodes[i].addr[3] = i + 1;
	}
}

/* One verb; returns 0 or -errno. */
static int verb(int node, int v, uint64_t roff, uint64_t loff, uint32_t len,
		uint64_t a, uint64_t b, uint64_t *result)
{
	struct alock_rdma_op op = {
		.node = node, .verb = v, .remote_off = roff, .local_off = loff,
		.len = len, .compare_add = a, .swap = b,
	};
	int r = rioctl(ALOCK_IOC_RDMA_OP, &op);

	if (result)
		*result = op.result;
	return r;
}

static int local_io(int write, uint64_t off, void *buf, uint32_t len)
{
	struct alock_rdma_op op = {
		.node = me, .verb = write ? ALOCK_RDMA_LOCAL_WRITE : ALOCK_RDMA_LOCAL_READ,
		.local_off = off, .len = len, .data = (uintptr_t)buf,
	};

	return rioctl(ALOCK_IOC_RDMA_OP, &op);
}

/*
 * Barrier @k among @n nodes (node ids 0..n-1 or the @mask of nodes that
 * take part): a fetch-and-add on node 0's counter k, then CAS reads until
 * it reaches @n.  0 or -errno; -ETIMEDOUT after @secs.
 */
static int barrier(int k, int n, double secs)
{
	double t0 = now_s();
	uint64_t v;
	int r;

	r = verb(0, ALOCK_RDMA_FAA, BAR_OFF + 8 * k, 0, 8, 1, 0, NULL);
	if (r)
		return r;
	while (now_s() - t0 < secs) {
		r = verb(0, ALOCK_RDMA_CAS, BAR_OFF + 8 * k, 0, 8, 0, 0, &v);
		if (r)
			return r;
		if (v >= (uint64_t)n)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static void check_barrier(int k, int n)
{
	int r = barrier(k, n, 120);

	tap(r == 0, "node%d: barrier %d of %d nodes (%s)", me, k, n, err_s(r));
}

static void pattern(int node, unsigned char *p)
{
	int i;

	for (i = 0; i < PAT_LEN; i++)
		p[i] = (unsigned char)(node * 37 + i * 7 + 1);
}

static int get_status(struct alock_cluster_status *s, int probe)
{
	memset(s, 0, sizeof(*s));
	s->flags = probe ? ALOCK_STATUS_PROBE : 0;
	return rioctl(ALOCK_IOC_CLUSTER_STATUS, s);
}

/* Writes @s to the file @path (a debugfs knob): 0 or -errno. */
static int write_file(const char *path, const char *s)
{
	int f = open(path, O_WRONLY);
	ssize_t n;

	if (f < 0)
		return -errno;
	n = write(f, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(f);
	return (int)n;
}

/*
 * The victim of a peer-failure test: reports that it asks to be killed,
 * waits @delay_us, asks the host (/out/kill-me; scripts/cluster.sh sends
 * its QEMU SIGKILL) and waits for the end.
 */
static void __attribute__((noreturn)) be_killed(useconds_t delay_us)
{
	tap(1, "node%d: the victim asks the host to kill it", me);
	fflush(stdout);
	sync();
	if (delay_us)
		usleep(delay_us);
	close(open("/out/kill-me", O_CREAT | O_WRONLY, 0644));
	sync();
	for (;;)
		pause();
}

static const char *state_name(unsigned int s)
{
	static const char *names[] = { "none", "connecting", "up", "failed", "closed", "self" };

	return s < 6 ? names[s] : "?";
}

static void print_status(void)
{
	struct alock_cluster_status s;
	unsigned int i;

	if (get_status(&s, 0)) {
		tap(0, "ALOCK_IOC_CLUSTER_STATUS (%s)", strerror(errno));
		return;
	}
	s.device[sizeof(s.device) - 1] = 0;
	printf("# status: joined=%u node=%u nodes=%u window=%u device=%s devices=%u up=%u\n",
	       s.joined, s.node_id, s.nr_nodes, s.window_size, s.device,
	       s.nr_devices, s.nr_up);
	for (i = 0; i < s.nr_nodes; i++)
		printf("#   node%u: %s ops=%llu errors=%llu last_error=%d rkey=%#x window=%llu\n",
		       s.peers[i].node, state_name(s.peers[i].state),
		       (unsigned long long)s.peers[i].ops,
		       (unsigned long long)s.peers[i].errors, s.peers[i].last_error,
		       s.peers[i].rkey, (unsigned long long)s.peers[i].remote_len);
}

/*
 * @j's join from a child in a network namespace of its own: its errno
 * (negative), 1 if it could not be tried.
 */
static int join_in_netns(struct alock_cluster_join *j)
{
	int st, r;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		if (unshare(CLONE_NEWNET))
			_exit(255);
		r = rioctl(ALOCK_IOC_CLUSTER_JOIN, j);
		if (r == 0)
			rioctl(ALOCK_IOC_CLUSTER_LEAVE, NULL);
		_exit(r < 0 ? -r : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) == 255)
		return 1;
	return -WEXITSTATUS(st);
}

/*
 * A join that the members must refuse: with another key (@addr < 0), as
 * node 0 from this node's own address (@addr > 0), or with the key and a
 * Hello whose window cannot be (@addr 0: debugfs fault_hello is set).  Each member logs the refusal
 * (checked by run.sh in dmesg); here the join must time out.
 */
static int cmd_intruder(int addr, int port)
{
	struct alock_cluster_join j;
	int r;

	fill_join(&j, me, nodes, port);
	j.timeout_ms = 8000;
	j.flags = 0;
	if (addr > 0) {
		/* Node 0 at this node's address: the others expect node 0 elsewhere. */
		j.node_id = 0;
		j.nodes[0] = j.nodes[me];
		j.nodes[me].addr[3] = 200;	/* never connected to: only node 0 listens */
	} else if (addr < 0) {
		memcpy(j.key, other_key, sizeof(j.key));
	}
	r = rioctl(ALOCK_IOC_CLUSTER_JOIN, &j);
	if (r == 0)
		rioctl(ALOCK_IOC_CLUSTER_LEAVE, NULL);
	tap(r == -ETIMEDOUT, "node%d: a join %s is refused by the members -> ETIMEDOUT (got %s)",
	    me, addr > 0 ? "as node 0 from this node's address" :
	    addr < 0 ? "with another cluster key" : "with the key but a bad window in its Hello",
	    err_s(r));
	return 0;
}

/* Malformed membership input: each gets its errno, nothing is joined. */
static int cmd_errno(void)
{
	struct alock_cluster_join j, good;
	struct alock_cluster_status s;
	struct alock_rdma_op op;
	int r;

	fill_join(&good, me, nodes, PORT);
#define BAD_JOIN(what, err, stmt) do {					\
		j = good;						\
		stmt;							\
		r = rioctl(ALOCK_IOC_CLUSTER_JOIN, &j);			\
		tap(r == -(err), "join with %s -> %s (got %s)", what,	\
		    strerror(err), err_s(r));				\
	} while (0)
	BAD_JOIN("node_id >= nr_nodes", EINVAL, j.node_id = nodes);
	BAD_JOIN("nr_nodes 0", EINVAL, j.nr_nodes = 0);
	BAD_JOIN("nr_nodes 17", EINVAL, j.nr_nodes = ALOCK_CLUSTER_MAX_NODES + 1);
	BAD_JOIN("window 1000 bytes", EINVAL, j.window_size = 1000);
	BAD_JOIN("window not a page multiple", EINVAL, j.window_size = WINDOW + 8);
	BAD_JOIN("window 2 MiB", EINVAL, j.window_size = 2 << 20);
	BAD_JOIN("unknown flag", EINVAL, j.flags |= 1U << 7);
	BAD_JOIN("timeout 0", EINVAL, j.timeout_ms = 0);
	BAD_JOIN("op timeout 5 ms", EINVAL, j.op_timeout_ms = 5);
	BAD_JOIN("reserved field set", EINVAL, j.reserved[1] = 1);
	BAD_JOIN("no key (all zeros)", EINVAL, memset(j.key, 0, sizeof(j.key)));
	BAD_JOIN("address family 7", EINVAL, j.nodes[0].family = 7);
	BAD_JOIN("port 0", EINVAL, j.nodes[nodes - 1].port = 0);
	BAD_JOIN("IPv4 address with junk after it", EINVAL, j.nodes[0].addr[9] = 1);
	BAD_JOIN("an address beyond nr_nodes", EINVAL,
		 j.nodes[nodes].family = AF_INET);
	/* 10.77.0.200 is on the link but no device has it. */
	BAD_JOIN("own address not on an RDMA device", EADDRNOTAVAIL,
		 j.nodes[me].addr[3] = 200);
	r = join_in_netns(&good);
	tap(r == -EAFNOSUPPORT,
	    "join from another network namespace -> EAFNOSUPPORT (got %s)", err_s(r));
	r = ioctl(fd, ALOCK_IOC_CLUSTER_JOIN, (void *)16);
	tap(r < 0 && errno == EFAULT, "join with an unmapped argument -> EFAULT (got %s)",
	    r < 0 ? strerror(errno) : "success");
	r = rioctl(ALOCK_IOC_CLUSTER_LEAVE, NULL);
	tap(r == -ENOTCONN, "leave when not joined -> ENOTCONN (got %s)", err_s(r));
	r = get_status(&s, 0);
	tap(r == 0 && s.joined == 0 && s.nr_devices >= 1,
	    "status when not joined: joined 0, %u RDMA device(s) (%s)", s.nr_devices, err_s(r));
	s.flags = 1U << 5;
	r = rioctl(ALOCK_IOC_CLUSTER_STATUS, &s);
	tap(r == -EINVAL, "status with an unknown flag -> EINVAL (got %s)", err_s(r));
	memset(&op, 0, sizeof(op));
	op.verb = ALOCK_RDMA_FAA;
	op.len = 8;
	r = rioctl(ALOCK_IOC_RDMA_OP, &op);
	tap(r == -ENOTCONN, "verb when not joined -> ENOTCONN (got %s)", err_s(r));
	return 0;
}

static int cmd_join(int port)
{
	struct alock_cluster_join j;
	struct alock_cluster_status s;
	double t0 = now_s();
	int r;

	fill_join(&j, me, nodes, port);
	r = rioctl(ALOCK_IOC_CLUSTER_JOIN, &j);
	tap(r == 0, "node%d: join a cluster of %d (loopback, %u KiB window) in %.1f s (%s)",
	    me, nodes, window / 1024, now_s() - t0, err_s(r));
	if (r)
		return 1;
	r = rioctl(ALOCK_IOC_CLUSTER_JOIN, &j);
	tap(r == -EBUSY, "second join -> EBUSY (got %s)", err_s(r));
	{
		/* The membership is this file's while it stays open. */
		int f2 = open_dev();

		r = ioctl(f2, ALOCK_IOC_CLUSTER_LEAVE) ? -errno : 0;
		tap(r == -EBUSY, "leave through another open file -> EBUSY (got %s)", err_s(r));
		close(f2);
	}
	r = get_status(&s, 0);
	tap(r == 0 && s.joined && s.node_id == (unsigned int)me &&
	    s.nr_nodes == (unsigned int)nodes && s.nr_up == (unsigned int)nodes &&
	    s.window_size == window,
	    "status: joined as node %u of %u, %u connections up (loopback included)",
	    s.node_id, s.nr_nodes, s.nr_up);
	print_status();
	return 0;
}

/* READ, WRITE, CAS and FAA against every node (itself over loopback). */
static int cmd_verbs(void)
{
	unsigned char mine[PAT_LEN], want[PAT_LEN], got[PAT_LEN];
	uint64_t v, w;
	int j, r, ok;

	pattern(me, mine);
	r = local_io(1, PAT_OFF, mine, PAT_LEN);
	tap(r == 0, "node%d: write the pattern into the own window (%s)", me, err_s(r));
	check_barrier(1, nodes);
	for (j = 0; j < nodes; j++) {
		pattern(j, want);
		r = verb(j, ALOCK_RDMA_READ, PAT_OFF, IN_OFF + j * PAT_LEN, PAT_LEN, 0, 0, NULL);
		memset(got, 0, sizeof(got));
		if (!r)
			r = local_io(0, IN_OFF + j * PAT_LEN, got, PAT_LEN);
		tap(r == 0 && !memcmp(got, want, PAT_LEN),
		    "node%d: RDMA READ of %d bytes of node%d's window has its pattern (%s)",
		    me, PAT_LEN, j, err_s(r));
		r = verb(j, ALOCK_RDMA_WRITE, WR_OFF + me * PAT_LEN, PAT_OFF, PAT_LEN, 0, 0, NULL);
		tap(r == 0, "node%d: RDMA WRITE of %d bytes to node%d (%s)", me, PAT_LEN, j, err_s(r));
		r = verb(j, ALOCK_RDMA_CAS, CAS_OFF + 8 * me, 0, 8, 0, 100 + me, &v);
		tap(r == 0 && v == 0, "node%d: CAS 0 -> %d on node%d succeeds, old 0 (got %llu, %s)",
		    me, 100 + me, j, (unsigned long long)v, err_s(r));
		r = verb(j, ALOCK_RDMA_CAS, CAS_OFF + 8 * me, 0, 8, 0, 5, &v);
		tap(r == 0 && v == (uint64_t)(100 + me),
		    "node%d: CAS 0 -> 5 on node%d fails, returns %d (got %llu, %s)",
		    me, j, 100 + me, (unsigned long long)v, err_s(r));
		r = verb(j, ALOCK_RDMA_FAA, CAS_OFF + 8 * me, 0, 8, 10, 0, &v);
		w = 0;
		if (!r)
			r = verb(j, ALOCK_RDMA_CAS, CAS_OFF + 8 * me, 0, 8, 0, 0, &w);
		tap(r == 0 && v == (uint64_t)(100 + me) && w == (uint64_t)(110 + me),
		    "node%d: FAA +10 on node%d returns %d, leaves %d (got %llu, %llu, %s)",
		    me, j, 100 + me, 110 + me, (unsigned long long)v,
		    (unsigned long long)w, err_s(r));
	}
	check_barrier(2, nodes);
	/* What the others did to this node's window. */
	for (j = 0; j < nodes; j++) {
		pattern(j, want);
		r = local_io(0, WR_OFF + j * PAT_LEN, got, PAT_LEN);
		tap(r == 0 && !memcmp(got, want, PAT_LEN),
		    "node%d: node%d's RDMA WRITE landed in the own window", me, j);
		r = local_io(0, CAS_OFF + 8 * j, &v, 8);
		tap(r == 0 && v == (uint64_t)(110 + j),
		    "node%d: node%d's CAS and FAA left %d in the own window (got %llu)",
		    me, j, 110 + j, (unsigned long long)v);
	}
	/* Bad verbs: errno, and the connection stays up. */
	r = verb((me + 1) % nodes, ALOCK_RDMA_READ, WINDOW - 8, 0, 16, 0, 0, NULL);
	tap(r == -ERANGE, "READ past the peer's window -> ERANGE (got %s)", err_s(r));
	r = verb((me + 1) % nodes, ALOCK_RDMA_WRITE, 0, WINDOW - 4, 8, 0, 0, NULL);
	tap(r == -ERANGE, "WRITE from past the own window -> ERANGE (got %s)", err_s(r));
	r = verb((me + 1) % nodes, ALOCK_RDMA_CAS, CAS_OFF + 4, 0, 8, 0, 0, NULL);
	tap(r == -EINVAL, "CAS on an unaligned word -> EINVAL (got %s)", err_s(r));
	r = verb((me + 1) % nodes, ALOCK_RDMA_FAA, UINT64_MAX - 3, 0, 8, 1, 0, NULL);
	tap(r == -EINVAL || r == -ERANGE, "FAA at offset 2^64-4 -> EINVAL/ERANGE (got %s)", err_s(r));
	r = verb((me + 1) % nodes, ALOCK_RDMA_READ, 0, 0, 0, 0, 0, NULL);
	tap(r == -EINVAL, "READ of 0 bytes -> EINVAL (got %s)", err_s(r));
	r = verb(nodes, ALOCK_RDMA_READ, 0, 0, 8, 0, 0, NULL);
	tap(r == -ENOTCONN, "verb to node %d (not in the cluster) -> ENOTCONN (got %s)",
	    nodes, err_s(r));
	r = verb(0, 99, 0, 0, 8, 0, 0, NULL);
	tap(r == -EINVAL, "verb 99 -> EINVAL (got %s)", err_s(r));
	{
		struct alock_rdma_op op = { .node = me, .verb = ALOCK_RDMA_LOCAL_READ,
					    .len = 8, .data = 16 };

		r = rioctl(ALOCK_IOC_RDMA_OP, &op);
		tap(r == -EFAULT, "LOCAL_READ to an unmapped buffer -> EFAULT (got %s)", err_s(r));
	}
	ok = 1;
	for (j = 0; j < nodes; j++)
		if (verb(j, ALOCK_RDMA_CAS, CAS_OFF + 8 * me, 0, 8, 0, 0, &v) ||
		    v != (uint64_t)(110 + me))
			ok = 0;
	tap(ok, "node%d: every connection still works after the refused verbs", me);
	check_barrier(3, nodes);
	return 0;
}

/*
 * Every node increments one counter on node @home with @threads kernel
 * threads x @incs CAS increments (and the same with FAA on the next
 * word); it must end at exactly nodes * threads * incs.
 */
static int cmd_contend(int home, int threads, int incs, int bar)
{
	struct alock_rdma_stress st;
	uint64_t want = (uint64_t)nodes * threads * incs, v;
	int verbs_[2] = { ALOCK_RDMA_CAS, ALOCK_RDMA_FAA };
	int i, r;

	for (i = 0; i < 2; i++) {
		check_barrier(bar + 2 * i, nodes);
		memset(&st, 0, sizeof(st));
		st.node = home;
		st.verb = verbs_[i];
		st.remote_off = CNT_OFF + 8 * i;
		st.threads = threads;
		st.increments = incs;
		st.timeout_ms = 300000;
		r = rioctl(ALOCK_IOC_RDMA_STRESS, &st);
		tap(r == 0 && st.errors == 0 && st.done == (uint64_t)threads * incs,
		    "node%d: %d threads made %llu of %d %s increments on node%d "
		    "(%llu verbs, %llu CAS misses, %llu errors, %.2f s, %s)",
		    me, threads, (unsigned long long)st.done, threads * incs,
		    i ? "FAA" : "CAS", home, (unsigned long long)st.attempts,
		    (unsigned long long)st.cas_misses, (unsigned long long)st.errors,
		    st.elapsed_ns / 1e9, err_s(r));
		check_barrier(bar + 2 * i + 1, nodes);
		r = verb(home, ALOCK_RDMA_CAS, CNT_OFF + 8 * i, 0, 8, 0, 0, &v);
		tap(r == 0 && v == want,
		    "node%d: contended %s counter on node%d ends at exactly %llu (got %llu, %s)",
		    me, i ? "FAA" : "CAS", home, (unsigned long long)want,
		    (unsigned long long)v, err_s(r));
	}
	return 0;
}

static const char *verb_name(int v)
{
	static const char *n[] = { "?", "read", "write", "cas", "faa" };

	return v >= 1 && v <= 4 ? n[v] : "?";
}

/*
 * bench-json of one verb cell: the median latency of one verb (lock null,
 * no baseline), ops/s and the other percentiles in stats.
 */
static void json_verb(const struct alock_rdma_bench *b, int peer)
{
	struct bj j;

	bj_start(&j, "rdma_verb", verb_name(b->verb), NULL, NULL, b->lat_median_ns / 1e3, "us",
		 NAN, NULL, b->threads, sysconf(_SC_NPROCESSORS_ONLN));
	bj_int(&j, "nodes", nodes);
	bj_open(&j, "params");
	bj_int(&j, "node", me);
	bj_int(&j, "peer", peer);
	bj_str(&j, "path", peer == me ? "loopback" : "remote");
	bj_int(&j, "bytes", b->len);
	bj_close(&j);
	bj_open(&j, "stats");
	bj_int(&j, "ops", (long long)b->ops);
	bj_num(&j, "ops_s", b->elapsed_ns ? b->ops / (b->elapsed_ns / 1e9) : NAN);
	bj_num(&j, "min_us", b->lat_min_ns / 1e3);
	bj_num(&j, "p99_us", b->lat_p99_ns / 1e3);
	bj_num(&j, "max_us", b->lat_max_ns / 1e3);
	bj_close(&j);
	bj_emit(&j);
}

/*
 * Each verb from each node to each node (itself over loopback), one node
 * at a time while the others wait at a barrier, so that a node's figures
 * are not shared with the others' polling; not asserted.  Nodes that are
 * not up (a killed one) are left out.
 */
static int cmd_bench(int ms)
{
	int verbs_[] = { ALOCK_RDMA_READ, ALOCK_RDMA_WRITE, ALOCK_RDMA_CAS, ALOCK_RDMA_FAA };
	int threads[] = { 1, 4 };
	struct alock_cluster_status s;
	struct alock_rdma_bench b;
	int alive = 0, turn = 0, k, j, r;
	unsigned int i, t;

	if (get_status(&s, 0)) {
		tap(0, "status before the benchmark (%s)", strerror(errno));
		return 1;
	}
	for (j = 0; j < nodes; j++)
		alive += s.peers[j].state == ALOCK_PEER_UP;
	for (k = 0; k < nodes; k++) {
		if (s.peers[k].state != ALOCK_PEER_UP)
			continue;
		check_barrier(30 + 2 * turn, alive);
		for (j = 0; k == me && j < nodes; j++) {
			if (s.peers[j].state != ALOCK_PEER_UP) {
				printf("ok - node%d: bench to node%d # SKIP connection %s\n", me, j,
				       state_name(s.peers[j].state));
				continue;
			}
			for (i = 0; i < 4; i++) {
				for (t = 0; t < 2; t++) {
					memset(&b, 0, sizeof(b));
					b.node = j;
					b.verb = verbs_[i];
					b.len = 8;
					b.threads = threads[t];
					b.duration_ms = ms;
					r = rioctl(ALOCK_IOC_RDMA_BENCH, &b);
					tap(r == 0 && b.errors == 0 && b.ops > 0,
					    "node%d: bench %s 8 B to node%d, %d thread(s) (%s)",
					    me, verb_name(b.verb), j, b.threads, err_s(r));
					if (r)
						continue;
					printf("# rdma-verb node=%d peer=%d path=%s verb=%s bytes=%u threads=%u "
					       "ops=%llu ops_s=%.0f min_us=%.1f median_us=%.1f p99_us=%.1f max_us=%.1f\n",
					       me, j, j == me ? "loopback" : "remote", verb_name(b.verb),
					       b.len, b.threads, (unsigned long long)b.ops,
					       b.ops / (b.elapsed_ns / 1e9), b.lat_min_ns / 1e3,
					       b.lat_median_ns / 1e3, b.lat_p99_ns / 1e3, b.lat_max_ns / 1e3);
					json_verb(&b, j);
				}
			}
		}
		check_barrier(31 + 2 * turn, alive);
		turn++;
	}
	memset(&b, 0, sizeof(b));
	b.node = me;
	b.verb = ALOCK_RDMA_READ;
	b.len = 4;
	b.threads = 1;
	b.duration_ms = 1;
	r = rioctl(ALOCK_IOC_RDMA_BENCH, &b);
	tap(r == -EINVAL, "bench READ of 4 bytes -> EINVAL (got %s)", err_s(r));
	b.len = 8;
	b.threads = ALOCK_RDMA_MAX_THREADS + 1;
	r = rioctl(ALOCK_IOC_RDMA_BENCH, &b);
	tap(r == -EINVAL, "bench with %d threads -> EINVAL (got %s)", b.threads, err_s(r));
	return 0;
}

/*
 * The host kills node @victim (QEMU SIGKILL) while the survivors run
 * increments against it: their verbs must fail (never hang), the victim
 * shows as failed, and the survivors keep working with each other.
 */
static int cmd_kill(int victim, int bar)
{
	struct alock_rdma_stress st;
	struct alock_cluster_status s;
	double t0;
	int other = -1, j, r, ok;
	uint64_t v;

	for (j = 0; j < nodes; j++)
		if (j != me && j != victim)
			other = j;
	check_barrier(bar, nodes);
	if (me == victim) {
		be_killed(500000);
	}
	memset(&st, 0, sizeof(st));
	st.node = victim;
	st.verb = ALOCK_RDMA_FAA;
	st.remote_off = KILL_OFF;
	st.threads = 2;
	st.increments = 1000000;
	st.timeout_ms = 120000;
	t0 = now_s();
	r = rioctl(ALOCK_IOC_RDMA_STRESS, &st);
	tap(r == 0 && st.errors > 0 && st.done < 2000000ULL &&
	    (st.first_error == -ETIMEDOUT || st.first_error == -ECONNRESET ||
	     st.first_error == -ENOTCONN),
	    "node%d: increments on node%d stop with an error when it is killed "
	    "(%llu made, %llu errors, first %s, after %.1f s)",
	    me, victim, (unsigned long long)st.done, (unsigned long long)st.errors,
	    st.first_error ? strerror(-st.first_error) : "none", now_s() - t0);
	/* The reaper tears the connection down within a few periods. */
	ok = 0;
	for (t0 = now_s(); now_s() - t0 < 10; usleep(50000))
		if (!get_status(&s, 0) && s.peers[victim].state == ALOCK_PEER_FAILED) {
			ok = 1;
			break;
		}
	tap(ok && s.peers[victim].last_error != 0 && s.peers[victim].errors > 0,
	    "node%d: status shows node%d failed (last error %s, %llu failed verbs)",
	    me, victim, strerror(-s.peers[victim].last_error),
	    (unsigned long long)s.peers[victim].errors);
	print_status();
	t0 = now_s();
	r = verb(victim, ALOCK_RDMA_READ, 0, 0, 8, 0, 0, NULL);
	tap(r == -ENOTCONN && now_s() - t0 < 1,
	    "node%d: a verb to the dead node fails at once with ENOTCONN (got %s)", me, err_s(r));
	r = get_status(&s, 1);
	tap(r == 0 && s.peers[me].state == ALOCK_PEER_UP &&
	    (other < 0 || s.peers[other].state == ALOCK_PEER_UP),
	    "node%d: after a probe, the loopback and node%d are still up", me, other);
	/* The survivors still work together: a barrier of two and a counter. */
	r = barrier(bar + 1, nodes - 1, 60);
	tap(r == 0, "node%d: barrier of the %d survivors (%s)", me, nodes - 1, err_s(r));
	r = verb(other >= 0 ? other : me, ALOCK_RDMA_FAA, CNT_OFF + 16, 0, 8, 1, 0, NULL);
	tap(r == 0, "node%d: FAA on node%d after the failure (%s)", me, other, err_s(r));
	r = barrier(bar + 2, nodes - 1, 60);
	v = 0;
	if (!r)
		r = verb(me, ALOCK_RDMA_CAS, CNT_OFF + 16, 0, 8, 0, 0, &v);
	tap(r == 0 && v == 1, "node%d: node%d's FAA landed here (got %llu, %s)",
	    me, other, (unsigned long long)v, err_s(r));
	return 0;
}

static const char *dlock_name(int l)
{
	static const char * const n[] = { "?", "alock", "spin-loopback", "mcs-loopback", "rpc",
					  "alock-rw", "dslr-loopback" };

	return l >= 1 && l <= 6 ? n[l] : "?";
}

static int table_ctl(unsigned int op, unsigned int keys, struct alock_table_ctl *t)
{
	memset(t, 0, sizeof(*t));
	t->op = op;
	t->keys = keys;
	t->placement = ALOCK_PLACE_HASH;
	return rioctl(ALOCK_IOC_TABLE, t);
}

/* Lock table input checks (joined, no table yet). */
static int cmd_table(void)
{
	struct alock_table_ctl t;
	struct alock_dlock_run d;
	int r;

	r = table_ctl(ALOCK_TABLE_SUM, 0, &t);
	tap(r == -ENOENT, "table sum without a table -> ENOENT (got %s)", err_s(r));
	r = table_ctl(ALOCK_TABLE_CREATE, 0, &t);
	tap(r == -EINVAL, "table of 0 keys -> EINVAL (got %s)", err_s(r));
	r = table_ctl(ALOCK_TABLE_CREATE, ALOCK_TABLE_MAX_KEYS + 1, &t);
	tap(r == -EINVAL, "table of %d keys -> EINVAL (got %s)", ALOCK_TABLE_MAX_KEYS + 1, err_s(r));
	memset(&t, 0, sizeof(t));
	t.op = ALOCK_TABLE_CREATE;
	t.keys = 8;
	t.placement = 7;
	r = rioctl(ALOCK_IOC_TABLE, &t);
	tap(r == -EINVAL, "table placement 7 -> EINVAL (got %s)", err_s(r));
	t.placement = ALOCK_PLACE_MOD;
	t.local_budget = ALOCK_TABLE_MAX_BUDGET + 1;
	r = rioctl(ALOCK_IOC_TABLE, &t);
	tap(r == -EINVAL, "table budget %d -> EINVAL (got %s)", ALOCK_TABLE_MAX_BUDGET + 1, err_s(r));
	r = table_ctl(ALOCK_TABLE_CREATE, ALOCK_TABLE_MAX_KEYS, &t);
	/* Lines of 128 B, then descriptors, scratch and reset requests. */
	tap(r == (window >= 65536 + ALOCK_TABLE_MAX_KEYS * 128 + 25600 ? 0 : -ENOSPC),
	    "table of %d keys in a %u KiB window (%s)", ALOCK_TABLE_MAX_KEYS, window / 1024,
	    err_s(r));
	if (!r)
		table_ctl(ALOCK_TABLE_DESTROY, 0, &t);
	r = table_ctl(ALOCK_TABLE_CREATE, 64, &t);
	tap(r == 0 && t.homed > 0 && t.homed < 64, "table of 64 keys, %u homed here (%s)",
	    t.homed, err_s(r));
	r = table_ctl(ALOCK_TABLE_CREATE, 64, &t);
	tap(r == -EBUSY, "second table -> EBUSY (got %s)", err_s(r));
	memset(&d, 0, sizeof(d));
	d.lock = 9;
	d.threads = 1;
	d.duration_ms = 1;
	d.keys_per_op = 1;
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == -EINVAL, "run of lock 9 -> EINVAL (got %s)", err_s(r));
	d.lock = ALOCK_DLOCK_ALOCK;
	d.keys_per_op = 9;
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == -EINVAL, "run with 9 keys per operation -> EINVAL (got %s)", err_s(r));
	d.keys_per_op = 1;
	d.local_pct = 101;
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == -EINVAL, "run with 101%% local -> EINVAL (got %s)", err_s(r));
	d.local_pct = 50;
	/* Reader-writer runs (ABI 10). */
	d.read_pct = 50;
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == -EINVAL, "ALock run with 50%% reads (no shared mode) -> EINVAL (got %s)", err_s(r));
	d.lock = ALOCK_DLOCK_ALOCK_RW;
	d.read_pct = 101;
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == -EINVAL, "ALock-RW run with 101%% reads -> EINVAL (got %s)", err_s(r));
	d.read_pct = 50;
	d.flags = ALOCK_DLOCK_ONE_WRITER;
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == -EINVAL, "one writer and a read share at once -> EINVAL (got %s)", err_s(r));
	d.read_pct = 0;
	d.flags = ALOCK_DLOCK_ONE_WRITER | ALOCK_DLOCK_ONE_READER;
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == -EINVAL, "one writer and one reader at once -> EINVAL (got %s)", err_s(r));
	d.lock = ALOCK_DLOCK_ALOCK;
	d.flags = ALOCK_DLOCK_ONE_READER;
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == -EINVAL, "ALock run with one reader (no shared mode) -> EINVAL (got %s)",
	    err_s(r));
	d.flags = 0;
	{
		struct alock_dlock_key k = { .key = 1,
					     .flags = ALOCK_DLOCK_KEY_SHARED | ALOCK_DLOCK_KEY_RW };

		r = rioctl(ALOCK_IOC_DLOCK_LOCK, &k);
		tap(r == -EINVAL, "key lock both shared and exclusive -> EINVAL (got %s)", err_s(r));
		k.flags = ALOCK_DLOCK_KEY_TRY;
		r = rioctl(ALOCK_IOC_DLOCK_UNLOCK, &k);
		tap(r == -EINVAL, "key unlock with a lock flag -> EINVAL (got %s)", err_s(r));
	}
	r = table_ctl(ALOCK_TABLE_DESTROY, 0, &t);
	tap(r == 0, "destroy the table (%s)", err_s(r));
	r = table_ctl(ALOCK_TABLE_DESTROY, 0, &t);
	tap(r == -ENOENT, "second destroy -> ENOENT (got %s)", err_s(r));
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == -ENOENT, "run without a table -> ENOENT (got %s)", err_s(r));
	return 0;
}

/*
 * bench-json of one node's part of a lock table run: its ops/s (no
 * baseline: scripts/bench-jsonl.py sums the nodes, takes the median of a
 * cell's runs and adds the "cell" records with the ratio ALock / best
 * competitor), the latencies and verb counters in stats.
 */
static void json_dlock(const struct alock_dlock_run *d, int run, int lock, int pct,
		       int threads, int kpo, int keys, int read_pct)
{
	double secs = d->elapsed_ns / 1e9;
	struct bj j;

	bj_start(&j, "dlock", "node_run", dlock_name(lock), NULL, secs > 0 ? d->ops / secs : NAN,
		 "ops/s", NAN, NULL, threads, sysconf(_SC_NPROCESSORS_ONLN));
	bj_int(&j, "nodes", nodes);
	bj_open(&j, "params");
	bj_int(&j, "node", me);
	bj_int(&j, "run", run);
	bj_int(&j, "local_pct", pct);
	bj_int(&j, "keys", keys);
	bj_int(&j, "kpo", kpo);
	bj_int(&j, "read_pct", read_pct);
	bj_close(&j);
	bj_open(&j, "stats");
	bj_int(&j, "ops", (long long)d->ops);
	bj_num(&j, "local_ops_s", secs > 0 ? d->local_ops / secs : NAN);
	bj_num(&j, "remote_ops_s", secs > 0 ? d->remote_ops / secs : NAN);
	bj_num(&j, "local_med_us", d->local_lat_median_ns / 1e3);
	bj_num(&j, "local_p99_us", d->local_lat_p99_ns / 1e3);
	bj_num(&j, "remote_med_us", d->remote_lat_median_ns / 1e3);
	bj_num(&j, "remote_p99_us", d->remote_lat_p99_ns / 1e3);
	bj_int(&j, "local_ops", (long long)d->local_ops);
	bj_int(&j, "remote_ops", (long long)d->remote_ops);
	bj_int(&j, "local_verbs", (long long)d->local_verbs);
	bj_int(&j, "remote_verbs", (long long)d->remote_verbs);
	bj_int(&j, "reads", (long long)d->reads);
	bj_int(&j, "writes", (long long)d->writes);
	bj_int(&j, "atomics", (long long)d->atomics);
	bj_int(&j, "sends", (long long)d->sends);
	bj_int(&j, "polls", (long long)d->peterson_polls);
	bj_int(&j, "cas_retries", (long long)d->cas_retries);
	bj_int(&j, "handoffs", (long long)d->handoffs);
	bj_int(&j, "leaders", (long long)d->leaders);
	bj_int(&j, "fast", (long long)d->fast_entries);
	bj_int(&j, "shared_ops", (long long)d->shared_ops);
	bj_int(&j, "overlaps", (long long)d->overlaps);
	bj_int(&j, "backouts", (long long)d->backouts);
	bj_int(&j, "phases", (long long)d->phases);
	bj_int(&j, "rw_polls", (long long)d->rw_polls);
	bj_num(&j, "shared_med_us", d->shared_lat_median_ns / 1e3);
	bj_num(&j, "shared_p99_us", d->shared_lat_p99_ns / 1e3);
	bj_num(&j, "excl_med_us", d->excl_lat_median_ns / 1e3);
	bj_num(&j, "excl_p99_us", d->excl_lat_p99_ns / 1e3);
	bj_close(&j);
	bj_emit(&j);
}

/*
 * Run @run of the lock table: every node creates the table, runs @lock
 * with @threads threads, @pct % of the operations on keys homed here,
 * then the counters of all nodes must add up to the increments of all
 * nodes, no critical section may have met another holder, no lock may
 * fail, and every thread must have made progress.  With @read_pct (a
 * reader-writer lock), that share of the operations reads: no reader may
 * meet a writer's tag; with @overlap, readers of this node must have been
 * in their sections on one key at once.
 */
static int cmd_dlock(int run, int lock, int pct, int threads, int ms, int kpo, int keys,
		     int read_pct, int overlap)
{
	struct alock_table_ctl t;
	struct alock_dlock_run d;
	uint64_t all_inc = 0, all_cnt = 0;
	int b = 40 + 4 * run, r;
	char kind[32];
	double secs;

	r = table_ctl(ALOCK_TABLE_CREATE, keys, &t);
	tap(r == 0, "node%d: run %d: table of %d keys, %u homed here (%s)", me, run, keys,
	    t.homed, err_s(r));
	check_barrier(b, nodes);
	memset(&d, 0, sizeof(d));
	d.lock = lock;
	d.threads = threads;
	d.duration_ms = ms;
	d.local_pct = pct;
	d.keys_per_op = kpo;
	d.timeout_ms = 30000;
	d.seed = 1 + me * 7919 + run;
	/*
	 * A lock without a shared mode runs the same workload with every
	 * operation exclusive (the reader-writer benchmark's exclusive ALock:
	 * @read_pct only names its cell).
	 */
	d.read_pct = lock == ALOCK_DLOCK_ALOCK_RW || lock == ALOCK_DLOCK_DSLR_LB ? read_pct : 0;
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == 0 && d.failures == 0 && d.errors == 0 && d.ops > 0,
	    "node%d: %s, %d%% local, %d%% reads, %d keys/op: %llu operations (%llu local, "
	    "%llu remote, %llu shared), %llu owner violations, %llu failures (%s)",
	    me, dlock_name(lock), pct, read_pct, kpo, (unsigned long long)d.ops,
	    (unsigned long long)d.local_ops, (unsigned long long)d.remote_ops,
	    (unsigned long long)d.shared_ops, (unsigned long long)d.errors,
	    (unsigned long long)d.failures, d.first_error ? strerror(-d.first_error) : err_s(r));
	if (d.read_pct > 0 && d.read_pct < 100 &&
	    d.ops >= log(1e-6) / log((read_pct > 50 ? read_pct : 100 - read_pct) / 100.0))
		tap(d.shared_ops > 0 && d.shared_ops < d.ops,
		    "node%d: %s: both modes ran (%llu shared, %llu exclusive; %llu reader "
		    "back-outs, %llu writer phases, %llu polls)",
		    me, dlock_name(lock), (unsigned long long)d.shared_ops,
		    (unsigned long long)(d.ops - d.shared_ops), (unsigned long long)d.backouts,
		    (unsigned long long)d.phases, (unsigned long long)d.rw_polls);
	if (overlap)
		tap(d.overlaps > 0, "node%d: %s: readers overlapped (%llu shared acquisitions found "
		    "another reader of this node holding the key)",
		    me, dlock_name(lock), (unsigned long long)d.overlaps);
	tap(d.min_thread_ops > 0, "node%d: every thread made progress (fewest %llu, most %llu)",
	    me, (unsigned long long)d.min_thread_ops, (unsigned long long)d.max_thread_ops);
	/*
	 * Each operation is local with probability pct: checked only with
	 * enough operations that one kind is missing by chance less than once
	 * in a million runs (q^n < 1e-6, q the likelier kind's share).
	 */
	if (pct > 0 && pct < 100 &&
	    d.ops >= log(1e-6) / log((pct > 50 ? pct : 100 - pct) / 100.0))
		tap(d.local_ops > 0 && d.remote_ops > 0,
		    "node%d: neither cohort starved (%llu local, %llu remote operations)",
		    me, (unsigned long long)d.local_ops, (unsigned long long)d.remote_ops);
	secs = d.elapsed_ns / 1e9;
	printf("# dlock lock=%s nodes=%d node=%d threads=%d local_pct=%d keys=%d kpo=%d run=%d "
	       "ops=%llu ops_s=%.0f local_med_us=%.1f local_p99_us=%.1f remote_med_us=%.1f "
	       "remote_p99_us=%.1f local_ops=%llu remote_ops=%llu local_ops_s=%.0f "
	       "remote_ops_s=%.0f local_verbs=%llu remote_verbs=%llu reads=%llu writes=%llu "
	       "atomics=%llu sends=%llu polls=%llu cas_retries=%llu handoffs=%llu leaders=%llu "
	       "fast=%llu\n",
	       dlock_name(lock), nodes, me, threads, pct, keys, kpo, run, (unsigned long long)d.ops,
	       d.ops / secs, d.local_lat_median_ns / 1e3,
	       d.local_lat_p99_ns / 1e3, d.remote_lat_median_ns / 1e3,
	       d.remote_lat_p99_ns / 1e3, (unsigned long long)d.local_ops,
	       (unsigned long long)d.remote_ops, d.local_ops / secs, d.remote_ops / secs,
	       (unsigned long long)d.local_verbs, (unsigned long long)d.remote_verbs,
	       (unsigned long long)d.reads, (unsigned long long)d.writes,
	       (unsigned long long)d.atomics, (unsigned long long)d.sends,
	       (unsigned long long)d.peterson_polls, (unsigned long long)d.cas_retries,
	       (unsigned long long)d.handoffs, (unsigned long long)d.leaders,
	       (unsigned long long)d.fast_entries);
	if (read_pct)
		printf("# dlock-rw lock=%s node=%d read_pct=%d shared_ops=%llu overlaps=%llu "
		       "backouts=%llu phases=%llu rw_polls=%llu shared_med_us=%.1f "
		       "shared_p99_us=%.1f excl_med_us=%.1f excl_p99_us=%.1f\n",
		       dlock_name(lock), me, read_pct, (unsigned long long)d.shared_ops,
		       (unsigned long long)d.overlaps, (unsigned long long)d.backouts,
		       (unsigned long long)d.phases, (unsigned long long)d.rw_polls,
		       d.shared_lat_median_ns / 1e3, d.shared_lat_p99_ns / 1e3,
		       d.excl_lat_median_ns / 1e3, d.excl_lat_p99_ns / 1e3);
	json_dlock(&d, run, lock, pct, threads, kpo, keys, read_pct);
	ops_line(dlock_name(lock), d.ops);
	snprintf(kind, sizeof(kind), "%s-remote", dlock_name(lock));
	ops_line(kind, d.remote_ops);
	/* The counters must describe the operations (a run without them lies). */
	/*
	 * ALock and ALock-RW: a run of local operations posts no verb
	 * (readers included); the others' local operations do.  Every acquire
	 * is a hand-off or a leader's (ALock-RW's readers are neither).
	 */
	int asym = lock == ALOCK_DLOCK_ALOCK || lock == ALOCK_DLOCK_ALOCK_RW;

	tap(d.reads + d.writes + d.atomics + d.sends == d.local_verbs + d.remote_verbs &&
	    (!asym || pct != 100 || d.remote_verbs == 0) &&
	    (asym || d.local_ops == 0 || d.local_verbs > 0) &&
	    (d.remote_ops == 0 || d.remote_verbs >= d.remote_ops) &&
	    d.handoffs + d.leaders + (lock == ALOCK_DLOCK_ALOCK_RW ? d.shared_ops : 0) >= d.ops,
	    "node%d: %s: verb counters add up (%llu local, %llu remote verbs; %llu hand-offs, "
	    "%llu leaders)", me, dlock_name(lock), (unsigned long long)d.local_verbs,
	    (unsigned long long)d.remote_verbs, (unsigned long long)d.handoffs,
	    (unsigned long long)d.leaders);
	check_barrier(b + 1, nodes);
	r = table_ctl(ALOCK_TABLE_SUM, 0, &t);
	if (!r)
		r = verb(0, ALOCK_RDMA_FAA, RUN_OFF + 16 * run, 0, 8, d.increments, 0, NULL);
	if (!r)
		r = verb(0, ALOCK_RDMA_FAA, RUN_OFF + 16 * run + 8, 0, 8, t.counter_sum, 0, NULL);
	tap(r == 0, "node%d: report increments and counters (%s)", me, err_s(r));
	check_barrier(b + 2, nodes);
	r = verb(0, ALOCK_RDMA_CAS, RUN_OFF + 16 * run, 0, 8, 0, 0, &all_inc);
	if (!r)
		r = verb(0, ALOCK_RDMA_CAS, RUN_OFF + 16 * run + 8, 0, 8, 0, 0, &all_cnt);
	tap(r == 0 && all_cnt == all_inc && all_inc > 0,
	    "node%d: %s: the protected counters of all nodes add up to exactly the %llu "
	    "increments of all nodes (got %llu)",
	    me, dlock_name(lock), (unsigned long long)all_inc, (unsigned long long)all_cnt);
	r = table_ctl(ALOCK_TABLE_DESTROY, 0, &t);
	tap(r == 0, "node%d: destroy the table (%s)", me, err_s(r));
	check_barrier(b + 3, nodes);
	return 0;
}

/*
 * ALock with a node killed while its threads hold and wait for locks: the
 * survivors' runs end (no hang) with no owner violation, any failure is
 * one of the documented errnos, and the victim shows as failed.
 */
static int cmd_dlock_kill(int victim)
{
	struct alock_table_ctl t;
	struct alock_dlock_run d;
	struct alock_cluster_status s;
	double t0;
	int r, ok;

	r = table_ctl(ALOCK_TABLE_CREATE, 16, &t);
	tap(r == 0, "node%d: table of 16 keys (%s)", me, err_s(r));
	check_barrier(200, nodes);
	memset(&d, 0, sizeof(d));
	d.lock = ALOCK_DLOCK_ALOCK;
	d.threads = 2;
	d.duration_ms = 6000;
	d.local_pct = 50;
	d.keys_per_op = 1;
	d.timeout_ms = 5000;
	d.seed = 17 + me;
	if (me == victim) {
		if (fork() == 0) {
			rioctl(ALOCK_IOC_DLOCK_RUN, &d);
			_exit(0);
		}
		usleep(1500000);
		be_killed(0);
	}
	t0 = now_s();
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	ok = r == 0 && d.errors == 0 &&
	     (d.failures == 0 || d.first_error == -ETIMEDOUT || d.first_error == -EPIPE ||
	      d.first_error == -ENOTCONN || d.first_error == -ECONNRESET);
	tap(ok, "node%d: ALock run with node%d killed ends after %.1f s: %llu operations, "
	    "%llu owner violations, %llu failures (first: %s)",
	    me, victim, now_s() - t0, (unsigned long long)d.ops, (unsigned long long)d.errors,
	    (unsigned long long)d.failures, d.first_error ? strerror(-d.first_error) : "none");
	/*
	 * FAILED once the survivor's verbs timed out; CLOSED (-ECONNRESET)
	 * where the victim's side failed the connection first and
	 * disconnected before it died (seen once under TCG, 3 guests on 2
	 * cores, 20261204-203831-check3: every node's first verbs ran out
	 * of RC retries, 0 operations, and the victim's reaper closed its
	 * connections).  Either way the connection is down and stays so.
	 */
	ok = 0;
	memset(&s, 0, sizeof(s));
	for (t0 = now_s(); now_s() - t0 < 10; usleep(50000))
		if (!get_status(&s, 1) && (s.peers[victim].state == ALOCK_PEER_FAILED ||
					   (s.peers[victim].state == ALOCK_PEER_CLOSED &&
					    s.peers[victim].last_error == -ECONNRESET))) {
			ok = 1;
			break;
		}
	tap(ok, "node%d: status shows node%d down (state %s, last error %d)", me, victim,
	    state_name(s.peers[victim].state), s.peers[victim].last_error);
	r = table_ctl(ALOCK_TABLE_SUM, 0, &t);
	tap(r == 0, "node%d: table after the failure: %u of 16 keys broken here (%s)",
	    me, t.broken, err_s(r));
	r = table_ctl(ALOCK_TABLE_DESTROY, 0, &t);
	tap(r == 0, "node%d: destroy the table (%s)", me, err_s(r));
	return 0;
}

/*
 * The starvation bounds of a reader-writer lock (issue 21): on every node
 * thread 0 writes and @threads - 1 others read the same 4 keys
 * (@writer), or thread 0 reads among writers: the lone thread must make
 * progress (ALock-RW: a phase lasts a cohort's budget of writer sections,
 * and readers that arrive during one wait for its end), and no section
 * may meet a writer's tag.
 */
static int cmd_dlock_roles(int run, int lock, int writer, int threads, int ms)
{
	struct alock_table_ctl t;
	struct alock_dlock_run d;
	int b = 40 + 4 * run, r;

	r = table_ctl(ALOCK_TABLE_CREATE, 4, &t);
	tap(r == 0, "node%d: run %d: table of 4 keys (%s)", me, run, err_s(r));
	check_barrier(b, nodes);
	memset(&d, 0, sizeof(d));
	d.lock = lock;
	d.threads = threads;
	d.duration_ms = ms;
	d.local_pct = 50;
	d.keys_per_op = 1;
	d.timeout_ms = 30000;
	d.flags = writer ? ALOCK_DLOCK_ONE_WRITER : ALOCK_DLOCK_ONE_READER;
	d.seed = 3 + me * 31 + run;
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == 0 && d.failures == 0 && d.errors == 0 && d.min_thread_ops > 0,
	    "node%d: %s, one %s among %d %s: the lone thread made progress (fewest %llu, most %llu "
	    "operations; %llu shared of %llu; %llu back-outs, %llu phases), %llu violations, "
	    "%llu failures (%s)", me, dlock_name(lock), writer ? "writer" : "reader", threads - 1,
	    writer ? "readers" : "writers", (unsigned long long)d.min_thread_ops,
	    (unsigned long long)d.max_thread_ops, (unsigned long long)d.shared_ops,
	    (unsigned long long)d.ops, (unsigned long long)d.backouts,
	    (unsigned long long)d.phases, (unsigned long long)d.errors,
	    (unsigned long long)d.failures, d.first_error ? strerror(-d.first_error) : err_s(r));
	check_barrier(b + 1, nodes);
	r = table_ctl(ALOCK_TABLE_DESTROY, 0, &t);
	tap(r == 0, "node%d: destroy the table (%s)", me, err_s(r));
	check_barrier(b + 2, nodes);
	return 0;
}

/*
 * ALock-RW with a node killed while its readers hold shared locks (issue
 * 21): the victim reads keys homed on the others, 8 at a time (so that it
 * always holds some), and is killed; the survivors' run on their own keys
 * (half of it exclusive) must end with no failure and no violation,
 * their writers having waited out the victim's reader counts until a home
 * took them back (probe, its connection down, a lease), and the homes
 * must report that they did (TABLE_SUM reclaims, summed over the
 * survivors).
 */
static int cmd_dlock_rw_kill(int victim)
{
	struct alock_table_ctl t;
	struct alock_dlock_run d;
	uint64_t all = 0;
	double t0;
	int r;

	r = table_ctl(ALOCK_TABLE_CREATE, 16, &t);
	tap(r == 0, "node%d: table of 16 keys (%s)", me, err_s(r));
	check_barrier(202, nodes);
	memset(&d, 0, sizeof(d));
	d.lock = ALOCK_DLOCK_ALOCK_RW;
	d.threads = 2;
	d.timeout_ms = 20000;
	d.seed = 29 + me;
	/* The survivors' keys only: the victim's are lost with it (EPIPE). */
	d.homes = ((1U << nodes) - 1) & ~(1U << victim);
	if (me == victim) {
		if (fork() == 0) {
			d.duration_ms = 60000;
			d.local_pct = 0;
			d.read_pct = 100;
			d.keys_per_op = 8;
			rioctl(ALOCK_IOC_DLOCK_RUN, &d);
			_exit(0);
		}
		usleep(1500000);
		be_killed(0);
	}
	d.duration_ms = 8000;
	d.local_pct = 50;
	d.read_pct = 50;
	d.keys_per_op = 2;
	t0 = now_s();
	r = rioctl(ALOCK_IOC_DLOCK_RUN, &d);
	tap(r == 0 && d.errors == 0 && d.failures == 0 && d.ops > d.shared_ops,
	    "node%d: ALock-RW run with node%d killed while reading: %llu operations (%llu "
	    "shared) in %.1f s, %llu owner violations, %llu failures (first: %s)",
	    me, victim, (unsigned long long)d.ops, (unsigned long long)d.shared_ops,
	    now_s() - t0, (unsigned long long)d.errors, (unsigned long long)d.failures,
	    d.first_error ? strerror(-d.first_error) : err_s(r));
	r = table_ctl(ALOCK_TABLE_SUM, 0, &t);
	printf("# node%d: reader counts of lost nodes taken back on %u keys\n", me, t.reclaims);
	if (!r)
		r = verb(0, ALOCK_RDMA_FAA, REC_OFF + 64, 0, 8, t.reclaims, 0, NULL);
	tap(r == 0, "node%d: report the keys whose reader counts were taken back (%s)", me,
	    err_s(r));
	check_barrier(203, nodes - 1);
	r = verb(0, ALOCK_RDMA_CAS, REC_OFF + 64, 0, 8, 0, 0, &all);
	tap(r == 0 && all > 0, "node%d: the homes took node%d's reader counts back (%llu keys)",
	    me, victim, (unsigned long long)all);
	r = table_ctl(ALOCK_TABLE_DESTROY, 0, &t);
	tap(r == 0, "node%d: destroy the table (%s)", me, err_s(r));
	return 0;
}

/* LOCK (value out) or UNLOCK (with @store: write @v back) through file @f. */
static int vkey(int f, unsigned long cmd, unsigned int key, unsigned int timeout_ms, int store,
		uint64_t v, struct alock_dlock_key *out)
{
	struct alock_dlock_key k = {
		.key = key, .timeout_ms = timeout_ms,
		.flags = store ? ALOCK_DLOCK_KEY_STORE : 0, .value = { 0, v },
	};
	int r = xioctl(f, cmd, &k);

	if (out)
		*out = k;
	return r < 0 ? r : 0;
}

/*
 * One critical section on @key through file @f: lock (value out), count
 * it up, write it back with the release; the section is reported to node
 * 0 (REC_OFF) once done, and a torn value seen at REC_OFF + 8.
 */
static int rec_section(int f, unsigned int key, unsigned int timeout_ms, double *lat)
{
	struct alock_dlock_key k;
	double t0 = now_s();
	int r = vkey(f, ALOCK_IOC_DLOCK_LOCK, key, timeout_ms, 0, 0, &k);

	if (lat)
		*lat = now_s() - t0;
	if (r)
		return r;
	if (k.torn)
		verb(0, ALOCK_RDMA_FAA, REC_OFF + 8, 0, 8, 1, 0, NULL);
	r = vkey(f, ALOCK_IOC_DLOCK_UNLOCK, key, 0, 1, k.value[1] + 1, NULL);
	if (!r)
		r = verb(0, ALOCK_RDMA_FAA, REC_OFF, 0, 8, 1, 0, NULL);
	return r;
}

/*
 * Recovery of an ALock key after its holder or waiter died (3 nodes, the
 * key homed on node 0, the last node the victim).  @how: "hold": the
 * victim holds the key; "queue": it waits in the remote queue behind
 * node 1; "unlinked": as "queue", but the victim swapped itself into the
 * tail without linking behind node 1 (debugfs fault_nolink: it died
 * between the two), so node 1's release finds a successor that never
 * links (and a second thread of node 1 queues behind the victim); "leader":
 * it is the remote cohort's leader in the Peterson wait while node 0 holds
 * the key locally.  The host kills the victim;
 * the survivors must get the key again within detection + the lease
 * wait, the first of them told that the value may be torn (hold), and
 * the value must count exactly the critical sections that completed.
 * Every remote section is shorter than the lease (1 s, remote budget 1:
 * the home waits 2 s after the loss is reported).
 */
static int cmd_dlock_recover(int victim, const char *how)
{
	struct alock_table_ctl t;
	struct alock_dlock_key k;
	unsigned int key = nodes;	/* k mod nodes: home node 0 */
	uint64_t done = 0, torn = 0;
	double lat = 0, t0;
	int r, i, f2;
	int unlinked = !strcmp(how, "unlinked");
	int hold = !strcmp(how, "hold"), queue = unlinked || !strcmp(how, "queue");
	pid_t mon = -1, behind = -1;

	memset(&t, 0, sizeof(t));
	t.op = ALOCK_TABLE_CREATE;
	t.keys = 16;
	t.placement = ALOCK_PLACE_MOD;
	t.remote_budget = 1;
	t.lease_ms = 1000;
	r = rioctl(ALOCK_IOC_TABLE, &t);
	tap(r == 0, "node%d: recovery (%s): table of 16 keys, lease 1 s (%s)", me, how,
	    err_s(r));
	check_barrier(230, nodes);
	for (i = 0, r = 0; i < 3 && !r; i++)
		r = rec_section(fd, key, 10000, NULL);
	tap(r == 0, "node%d: three critical sections on key %u (%s)", me, key, err_s(r));
	check_barrier(231, nodes);
	/* Node 1 (queue) or node 0 (leader) holds the key before the victim comes. */
	if ((queue && me == 1) || (!hold && !queue && me == 0)) {
		r = vkey(fd, ALOCK_IOC_DLOCK_LOCK, key, 10000, 0, 0, &k);
		tap(r == 0, "node%d: hold key %u before the victim queues (%s)", me, key, err_s(r));
	}
	check_barrier(232, nodes);
	if (me == victim) {
		if (hold) {
			r = vkey(fd, ALOCK_IOC_DLOCK_LOCK, key, 10000, 0, 0, &k);
			tap(r == 0, "node%d: the victim holds key %u (%s)", me, key, err_s(r));
		} else {
			if (unlinked) {
				r = write_file("/sys/kernel/debug/alock/fault_nolink", "1");
				tap(r == 0, "node%d: the victim's enqueues will not link (%s)", me,
				    err_s(r));
			}
			if (fork() == 0) {
				f2 = open_dev();
				vkey(f2, ALOCK_IOC_DLOCK_LOCK, key, 20000, 0, 0, NULL);
				_exit(0);
			}
		}
		usleep(hold ? 100000 : 700000);
		barrier(233, nodes, 30);
		be_killed(0);
	}
	check_barrier(233, nodes);
	/*
	 * unlinked: a second thread of node 1 queues behind the victim, so
	 * that the tail the holder's release finds is alive (only the key's
	 * reset, which that thread's wait reports, ends the release's wait
	 * for a link); it gets the key after the reset.
	 */
	if (unlinked && me == 1) {
		behind = fork();
		if (behind == 0) {
			int f3 = open_dev();

			usleep(200000);
			_exit(rec_section(f3, key, 15000, NULL) ? 1 : 0);
		}
	}
	/*
	 * The victim is gone (or going).  The holder lets go 1 s later: after
	 * the kill (the host polls every 0.2 s), before the loss can be
	 * detected (a probe after 50 ms of waiting, then the transport's
	 * 0.8 s), so its section ends before any closing of the key's era.
	 */
	if ((queue && me == 1) || (!hold && !queue && me == 0)) {
		usleep(1000000);
		r = vkey(fd, ALOCK_IOC_DLOCK_UNLOCK, key, 0, 1, k.value[1] + 1, NULL);
		if (!r)
			r = verb(0, ALOCK_RDMA_FAA, REC_OFF, 0, 8, 1, 0, NULL);
		tap(r == 0, "node%d: release key %u with the victim behind%s (%s)", me, key,
		    unlinked ? ", never linked" : "", err_s(r));
	}
	/*
	 * Node 1 waits behind the victim (hold): its wait probes the victim,
	 * whose loss must show within a second of the kill.  A child watches
	 * the connection's state without probing (the status call's own
	 * probe would find the loss itself); its exit code is the time in
	 * 20 ms steps from barrier 233 (the kill follows within 0.3 s).
	 */
	if (hold && me == 1) {
		mon = fork();
		if (mon == 0) {
			struct alock_cluster_status st;

			for (i = 0; i < 250; i++) {
				if (!get_status(&st, 0) && st.peers[victim].state == ALOCK_PEER_FAILED)
					_exit(i);
				usleep(20000);
			}
			_exit(255);
		}
	}
	if (behind > 0) {
		int status = 0;

		waitpid(behind, &status, 0);
		tap(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "node%d: a thread queued behind the unlinked victim gets the key after the reset",
		    me);
	}
	/* Both survivors take the key, from another file than the held one. */
	f2 = open_dev();
	t0 = now_s();
	r = rec_section(f2, key, 15000, &lat);
	tap(r == 0 && lat < 5,
	    "node%d: %s: the key is taken again %.2f s after the victim left (%s)", me, how,
	    now_s() - t0, err_s(r));
	for (i = 0; i < 3 && !r; i++)
		r = rec_section(f2, key, 10000, NULL);
	tap(r == 0, "node%d: three more critical sections after the recovery (%s)", me, err_s(r));
	close(f2);
	if (mon > 0) {
		int status = 0;

		waitpid(mon, &status, 0);
		i = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
		tap(i < 75, "node%d: node%d's loss seen %.2f s after the kill request (< 1.5 s)", me,
		    victim, i * 0.02);
	}
	r = barrier(234, nodes - 1, 60);
	tap(r == 0, "node%d: barrier 234 of the survivors (%s)", me, err_s(r));
	r = verb(0, ALOCK_RDMA_CAS, REC_OFF, 0, 8, 0, 0, &done);
	if (!r)
		r = verb(0, ALOCK_RDMA_CAS, REC_OFF + 8, 0, 8, 0, 0, &torn);
	r = r ? r : vkey(fd, ALOCK_IOC_DLOCK_LOCK, key, 10000, 0, 0, &k);
	tap(r == 0 && k.value[1] == done,
	    "node%d: the value counts exactly the %llu completed critical sections (got %llu)",
	    me, (unsigned long long)done, (unsigned long long)k.value[1]);
	if (!r)
		vkey(fd, ALOCK_IOC_DLOCK_UNLOCK, key, 0, 0, 0, NULL);
	if (hold)
		tap(torn == 1, "node%d: one survivor was told the value may be torn (got %llu)",
		    me, (unsigned long long)torn);
	barrier(235, nodes - 1, 60);
	r = table_ctl(ALOCK_TABLE_SUM, 0, &t);
	tap(r == 0 && t.broken == 0 && (me != 0 || t.resets >= 1),
	    "node%d: %u keys broken, %u reset here (%s)", me, t.broken, t.resets, err_s(r));
	r = table_ctl(ALOCK_TABLE_DESTROY, 0, &t);
	tap(r == 0, "node%d: destroy the table (%s)", me, err_s(r));
	return 0;
}

static int ukey(int f, unsigned long cmd, unsigned int key, unsigned int timeout_ms,
		struct alock_dlock_key *out)
{
	struct alock_dlock_key k = { .key = key, .timeout_ms = timeout_ms };
	int r = xioctl(f, cmd, &k);

	if (out)
		*out = k;
	return r < 0 ? r : 0;
}

/* ukey() with @flags (ALOCK_DLOCK_KEY_*). */
static int ukeyf(int f, unsigned long cmd, unsigned int key, unsigned int flags,
		 unsigned int timeout_ms)
{
	struct alock_dlock_key k = { .key = key, .flags = flags, .timeout_ms = timeout_ms };
	int r = xioctl(f, cmd, &k);

	return r < 0 ? r : 0;
}

/*
 * ALock-RW through files (issue 21), on key @key of this node's: two
 * files hold it shared at once; a writer's try gets EAGAIN, a plain ALock
 * lock EBUSY (one kind at a time), a writer that waits times out (and
 * leaves nothing behind); a reader's UNLOCK with a value is EPERM; once
 * the readers are gone a writer's try succeeds and a reader's try gets
 * EAGAIN.
 */
static void dlock_user_rw(unsigned int key, const char *where)
{
	int fa = open_dev(), fb = open_dev(), fc = open_dev(), fw = open_dev();
	int ra, rb, r;
	double t0;

	ra = ukeyf(fa, ALOCK_IOC_DLOCK_LOCK, key, ALOCK_DLOCK_KEY_SHARED, 0);
	rb = ukeyf(fb, ALOCK_IOC_DLOCK_LOCK, key, ALOCK_DLOCK_KEY_SHARED | ALOCK_DLOCK_KEY_TRY, 0);
	tap(ra == 0 && rb == 0, "node%d: two files hold %s key %u shared at once (%s, %s)", me,
	    where, key, err_s(ra), err_s(rb));
	r = ukeyf(fc, ALOCK_IOC_DLOCK_LOCK, key, ALOCK_DLOCK_KEY_RW | ALOCK_DLOCK_KEY_TRY, 0);
	tap(r == -EAGAIN, "node%d: a writer's try on it -> EAGAIN (got %s)", me, err_s(r));
	r = ukeyf(fc, ALOCK_IOC_DLOCK_LOCK, key, 0, 0);
	tap(r == -EBUSY, "node%d: a plain ALock lock while ALock-RW is in use -> EBUSY (got %s)", me,
	    err_s(r));
	t0 = now_s();
	r = ukeyf(fw, ALOCK_IOC_DLOCK_LOCK, key, ALOCK_DLOCK_KEY_RW, 300);
	tap(r == -ETIMEDOUT && now_s() - t0 >= 0.25,
	    "node%d: a writer waits for the readers and times out (%s after %.2f s)", me,
	    err_s(r), now_s() - t0);
	r = ukeyf(fa, ALOCK_IOC_DLOCK_UNLOCK, key, ALOCK_DLOCK_KEY_STORE, 0);
	tap(r == -EPERM, "node%d: a reader's unlock with a value -> EPERM (got %s)", me, err_s(r));
	r = ukeyf(fb, ALOCK_IOC_DLOCK_UNLOCK, key, 0, 0);
	tap(r == 0, "node%d: the other reader unlocks (%s)", me, err_s(r));
	r = ukeyf(fc, ALOCK_IOC_DLOCK_LOCK, key, ALOCK_DLOCK_KEY_RW | ALOCK_DLOCK_KEY_TRY, 0);
	tap(r == 0, "node%d: with the readers gone a writer's try takes it (%s)", me, err_s(r));
	r = ukeyf(fa, ALOCK_IOC_DLOCK_LOCK, key, ALOCK_DLOCK_KEY_SHARED | ALOCK_DLOCK_KEY_TRY, 0);
	tap(r == -EAGAIN, "node%d: a reader's try while it is held -> EAGAIN (got %s)", me,
	    err_s(r));
	r = ukeyf(fc, ALOCK_IOC_DLOCK_UNLOCK, key, 0, 0);
	if (!r)
		r = ukeyf(fa, ALOCK_IOC_DLOCK_LOCK, key, ALOCK_DLOCK_KEY_SHARED | ALOCK_DLOCK_KEY_TRY, 0);
	if (!r)
		r = ukeyf(fa, ALOCK_IOC_DLOCK_UNLOCK, key, 0, 0);
	tap(r == 0, "node%d: the writer unlocks, a reader's try takes it (%s)", me, err_s(r));
	close(fa);
	close(fb);
	close(fc);
	close(fw);
}

/*
 * Keys locked and unlocked through /dev/alock files: errors, exclusion
 * between two files of this node (the second times out; its place in the
 * queue is passed on, the key is not broken; more timeouts than a file
 * has slots), a waiter killed by SIGKILL, release at close.  Each node
 * uses its own 16 of 64 keys.
 */
static int cmd_dlock_user(void)
{
	struct alock_table_ctl t;
	struct alock_dlock_key k;
	unsigned int kl = 0, kr = 0, kc = 0, i;
	int f2, f3, r, have_l = 0, have_r = 0, have_c = 0, ok, status;
	pid_t pid;
	double t0;

	r = table_ctl(ALOCK_TABLE_CREATE, 64, &t);
	tap(r == 0, "node%d: table of 64 keys for user-space locks (%s)", me, err_s(r));
	check_barrier(220, nodes);
	/* Find a local, a remote and a spare key among this node's 16. */
	for (i = 16 * (me % 4); i < 16 * (unsigned int)(me % 4) + 16; i++) {
		r = ukey(fd, ALOCK_IOC_DLOCK_LOCK, i, 0, &k);
		if (r) {
			tap(0, "node%d: lock key %u from user space (%s)", me, i, err_s(r));
			break;
		}
		ukey(fd, ALOCK_IOC_DLOCK_UNLOCK, i, 0, NULL);
		if ((int)k.home == me && !have_l) {
			kl = i;
			have_l = 1;
		} else if ((int)k.home != me && !have_r) {
			kr = i;
			have_r = 1;
		} else if (!have_c) {
			kc = i;
			have_c = 1;
		}
	}
	tap(have_l && have_r && have_c, "node%d: keys homed here (%u) and elsewhere (%u) found",
	    me, kl, kr);
	r = ukey(fd, ALOCK_IOC_DLOCK_LOCK, kl, 0, &k);
	tap(r == 0 && (int)k.home == me, "node%d: lock local key %u (%.1f us, %s)", me, kl,
	    k.latency_ns / 1e3, err_s(r));
	r = ukey(fd, ALOCK_IOC_DLOCK_LOCK, kl, 0, NULL);
	tap(r == -EDEADLK, "lock of a key the file holds -> EDEADLK (got %s)", err_s(r));
	r = ukey(fd, ALOCK_IOC_DLOCK_UNLOCK, kr, 0, NULL);
	tap(r == -ENOENT, "unlock of a key the file does not hold -> ENOENT (got %s)", err_s(r));
	r = ukey(fd, ALOCK_IOC_DLOCK_UNLOCK, kl, 0, NULL);
	tap(r == 0, "unlock key %u (%s)", kl, err_s(r));
	r = ukey(fd, ALOCK_IOC_DLOCK_LOCK, 64, 0, NULL);
	tap(r == -EINVAL, "lock of key 64 of 64 -> EINVAL (got %s)", err_s(r));
	k = (struct alock_dlock_key){ .key = kl, .flags = 1 };
	r = xioctl(fd, ALOCK_IOC_DLOCK_LOCK, &k);
	tap(r == -EINVAL, "lock with a flag -> EINVAL (got %s)", err_s(r));
	r = ukey(fd, ALOCK_IOC_DLOCK_LOCK, kl, ALOCK_CLUSTER_MAX_TIMEOUT_MS + 1, NULL);
	tap(r == -EINVAL, "lock with a timeout above ALOCK_CLUSTER_MAX_TIMEOUT_MS -> EINVAL (got %s)",
	    err_s(r));
	/* Release at close: a key held by a closed file can be taken. */
	f3 = open_dev();
	r = ukey(f3, ALOCK_IOC_DLOCK_LOCK, kc, 0, NULL);
	close(f3);
	t0 = now_s();
	if (!r)
		r = ukey(fd, ALOCK_IOC_DLOCK_LOCK, kc, 3000, NULL);
	tap(r == 0 && now_s() - t0 < 3, "node%d: a key held by a closed file is free again (%s)",
	    me, err_s(r));
	ukey(fd, ALOCK_IOC_DLOCK_UNLOCK, kc, 0, NULL);
	/* Exclusion between two files: the second waits, times out. */
	f2 = open_dev();
	r = ukey(fd, ALOCK_IOC_DLOCK_LOCK, kr, 0, NULL);
	tap(r == 0, "node%d: lock remote key %u (%s)", me, kr, err_s(r));
	t0 = now_s();
	r = ukey(f2, ALOCK_IOC_DLOCK_LOCK, kr, 500, NULL);
	tap(r == -ETIMEDOUT && now_s() - t0 >= 0.4,
	    "node%d: a second file waits for the held key and times out (%s after %.2f s)",
	    me, err_s(r), now_s() - t0);
	r = ukey(fd, ALOCK_IOC_DLOCK_UNLOCK, kr, 0, NULL);
	tap(r == 0, "unlock the held key (%s)", err_s(r));
	/* The waiter that gave up is passed through: the key works on. */
	t0 = now_s();
	r = ukey(fd, ALOCK_IOC_DLOCK_LOCK, kr, 3000, NULL);
	tap(r == 0 && now_s() - t0 < 1,
	    "node%d: the key given up on is passed on, not broken: locked again after %.2f s (%s)",
	    me, now_s() - t0, err_s(r));
	ukey(fd, ALOCK_IOC_DLOCK_UNLOCK, kr, 0, NULL);
	/*
	 * Ten more given-up waits of one file (it has 8 slots): each slot is
	 * recycled once its descriptor was passed through.
	 */
	for (i = 0, ok = 1; i < 10 && ok; i++) {
		ok = !ukey(fd, ALOCK_IOC_DLOCK_LOCK, kr, 3000, NULL);
		ok = ok && ukey(f2, ALOCK_IOC_DLOCK_LOCK, kr, 100, NULL) == -ETIMEDOUT;
		ok = ok && !ukey(fd, ALOCK_IOC_DLOCK_UNLOCK, kr, 0, NULL);
	}
	r = ukey(f2, ALOCK_IOC_DLOCK_LOCK, kr, 3000, NULL);
	tap(ok && r == 0, "node%d: 10 given-up waits of one file, then it locks the key (%s)", me,
	    err_s(r));
	ukey(f2, ALOCK_IOC_DLOCK_UNLOCK, kr, 0, NULL);
	close(f2);
	/* A waiter is killable; the key goes on after its death. */
	r = ukey(fd, ALOCK_IOC_DLOCK_LOCK, kr, 3000, NULL);
	pid = r ? -1 : fork();
	if (pid == 0) {
		f3 = open_dev();
		ukey(f3, ALOCK_IOC_DLOCK_LOCK, kr, 20000, NULL);
		_exit(0);
	}
	usleep(300000);
	t0 = now_s();
	if (pid > 0)
		kill(pid, SIGKILL);
	ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status);
	tap(ok && now_s() - t0 < 1, "node%d: a waiting process dies on SIGKILL in %.2f s", me,
	    now_s() - t0);
	ukey(fd, ALOCK_IOC_DLOCK_UNLOCK, kr, 0, NULL);
	t0 = now_s();
	r = ukey(fd, ALOCK_IOC_DLOCK_LOCK, kr, 3000, NULL);
	tap(r == 0 && now_s() - t0 < 1, "node%d: the killed waiter is passed on (%.2f s, %s)", me,
	    now_s() - t0, err_s(r));
	ukey(fd, ALOCK_IOC_DLOCK_UNLOCK, kr, 0, NULL);
	dlock_user_rw(kl, "local");
	dlock_user_rw(kr, "remote");
	r = table_ctl(ALOCK_TABLE_SUM, 0, &t);
	tap(r == 0 && t.broken == 0, "node%d: no broken key (got %u)", me, t.broken);
	check_barrier(221, nodes);
	r = table_ctl(ALOCK_TABLE_DESTROY, 0, &t);
	tap(r == 0, "node%d: destroy the table (%s)", me, err_s(r));
	check_barrier(222, nodes);
	return 0;
}

/*
 * The hostile-peer test (issue 23; Documentation/rdma.rst, "Threat
 * model"): every node runs it at once with a table of HOSTILE_KEYS keys
 * placed k mod nodes; node @bad is a member that attacks the others.  The
 * honest nodes' runs take only keys homed on honest nodes (@homes), and
 * three phases of @ms each follow:
 *
 *  A1  ALock on the even keys, while @bad writes garbage into every word
 *      of the odd keys' lines (random, all ones, encoded-looking words,
 *      fake tails naming descriptors), CASes garbage into their tails,
 *      adds 2^64 - 1 to their counters and fills the reset-request slots
 *      with junk and with requests for odd keys;
 *  A2  the RPC lock on the even keys, while @bad floods the lock servers
 *      with forged messages: REQ and REL naming other nodes' waiters,
 *      GRANTs for any key to any waiter, RELs of its own for locks it does
 *      not hold, bad magic, short and out-of-range messages (no REQ of its
 *      own: the GRANT would wait at @bad, whose server does not run);
 *  B   ALock on the odd keys with a 2 s timeout, while @bad also writes
 *      garbage into the honest nodes' descriptors and scratch space.
 *
 * A1 and A2 must be exact: no owner violation, no failure, every thread
 * made progress (@bad never touched an even key).  B must end within its
 * duration and timeouts, whatever it meets (its errors are reported).
 * Then the honest nodes must still reach each other, and nothing may splat
 * (run.sh checks the logs; the RPC servers report the messages they
 * dropped when the table goes).
 */
#define HOSTILE_KEYS	64
#define DESC_BYTES	(64 * 8 * 32)	/* MAX_HANDLES x MAX_HELD descriptors */
#define SCRATCH_BYTES	(64 * 128)	/* MAX_HANDLES x scratch */
#define T_BASE		65536ULL
#define T_LINE(k)	(T_BASE + 128ULL * (k))
#define T_DESC		T_LINE(HOSTILE_KEYS)
#define T_SCRATCH	(T_DESC + DESC_BYTES)
#define T_REQ		(T_SCRATCH + SCRATCH_BYTES)
#define RPC_MAGIC	0x414c5250U
#define RPC_WAITERS	(64 * 8)	/* waiter ids per node */
#define HOSTILE_SENDERS	4		/* processes that flood in phase A2 */

/* rust/dlock/window.rs's enc(): 7 bits in each byte, top bits set. */
static uint64_t enc(uint64_t x)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (0x80 | ((x >> (7 * i)) & 0x7f)) << (8 * i);
	return v;
}

static uint64_t xrand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A garbage word of kind @i, aimed at node @h's table. */
static uint64_t junk_word(uint64_t *s, int i, int h)
{
	switch (i % 6) {
	case 0:
		return xrand(s);
	case 1:
		return ~0ULL;
	case 2:
		return xrand(s) | 0x8080808080808080ULL;
	case 3:	/* a tail or next naming a descriptor of @h */
		return enc(((uint64_t)h << 32) | (T_DESC + 32 * (xrand(s) % (DESC_BYTES / 32))));
	case 4:	/* a pass with a huge budget, or "reset" */
		return xrand(s) & 1 ? enc(xrand(s) & 0xffffffffffULL) : enc(1ULL << 40);
	default:
		return 1 + xrand(s) % 4;
	}
}

struct hostile_counts {
	unsigned long long ok, failed, sent, send_failed;
};

static void count(int r, struct hostile_counts *c)
{
	if (r)
		c->failed++;
	else
		c->ok++;
}

/* WRITEs the @len bytes of @w to @h:@off, through this node's junk area. */
static void write_words(int h, uint64_t off, const uint64_t *w, uint32_t len,
			struct hostile_counts *c)
{
	struct alock_rdma_op op = {
		.node = me, .verb = ALOCK_RDMA_LOCAL_WRITE, .local_off = JUNK_OFF,
		.len = len, .data = (uintptr_t)w,
	};

	count(rioctl(ALOCK_IOC_RDMA_OP, &op) ||
	      verb(h, ALOCK_RDMA_WRITE, off, JUNK_OFF, len, 0, 0, NULL), c);
}

/* WRITEs @len bytes of garbage to @h:@off. */
static void junk_write(uint64_t *s, int h, uint64_t off, uint32_t len, struct hostile_counts *c)
{
	uint64_t w[64];
	unsigned int i;

	for (i = 0; i < len / 8; i++)
		w[i] = junk_word(s, (int)(xrand(s) % 6), h);
	write_words(h, off, w, len, c);
}

/* One round of garbage into @h's odd lines (and with @all its descriptors). */
static void hostile_round(uint64_t *s, int h, int all, struct hostile_counts *c)
{
	uint64_t old;
	int k, i;

	for (k = 1; k < HOSTILE_KEYS; k += 2) {
		if (k % nodes != h)
			continue;
		junk_write(s, h, T_LINE(k), 128, c);
		/* the tails by CAS too (the words RDMA atomics change) */
		for (i = 0; i < 2; i++) {
			uint64_t off = T_LINE(k) + (i ? 64 : 0);
			int r = verb(h, ALOCK_RDMA_CAS, off, 0, 8, 0, 0, &old);

			if (!r)
				r = verb(h, ALOCK_RDMA_CAS, off, 0, 8, old, junk_word(s, 3, h), NULL);
			count(r, c);
		}
		count(verb(h, ALOCK_RDMA_FAA, T_LINE(k) + 40, 0, 8, ~0ULL, 0, NULL), c);
	}
	/*
	 * Reset requests: junk that does not decode (byte 0's top bit clear)
	 * and requests for odd keys of eras 0..3.
	 */
	for (i = 0; i < 8; i++) {
		uint64_t v = xrand(s) & 1 ? xrand(s) & ~0x80ULL :
			     enc(((uint64_t)(1 + 2 * (xrand(s) % (HOSTILE_KEYS / 2))) << 24) |
				 (xrand(s) % 4));
		write_words(h, T_REQ + 8 * (xrand(s) % (nodes * 8)), &v, 8, c);
	}
	if (!all)
		return;
	for (i = 0; i < 8; i++) {
		junk_write(s, h, T_DESC + 32 * (xrand(s) % (DESC_BYTES / 32)), 32, c);
		junk_write(s, h, T_SCRATCH + 8 * (xrand(s) % (SCRATCH_BYTES / 8 - 15)), 128, c);
	}
}

/* One forged RPC message of kind @i to node @h. */
static void hostile_msg(uint64_t *s, int h, int i, struct hostile_counts *c)
{
	uint32_t m[4] = { 1 + xrand(s) % 3, xrand(s) % HOSTILE_KEYS,
			  h * RPC_WAITERS + xrand(s) % RPC_WAITERS, RPC_MAGIC };
	uint32_t len = sizeof(m);
	struct alock_rdma_op op = { .node = h, .verb = ALOCK_RDMA_SEND };
	int r;

	switch (i % 6) {
	case 0:	/* REQ, REL or GRANT naming a waiter of the receiver */
		break;
	case 1:	/* a waiter of another honest node */
		m[2] = ((h + 1 + (xrand(s) % (nodes - 1))) % nodes) * RPC_WAITERS +
		       xrand(s) % RPC_WAITERS;
		if (m[2] / RPC_WAITERS == (uint32_t)me)
			m[2] = h * RPC_WAITERS;
		break;
	case 2:	/* a REL of its own for a lock it does not hold */
		m[0] = 2;
		m[2] = me * RPC_WAITERS + xrand(s) % RPC_WAITERS;
		break;
	case 3:	/* bad magic */
		m[3] = (uint32_t)xrand(s);
		break;
	case 4:	/* out of range */
		m[1] = HOSTILE_KEYS + (uint32_t)xrand(s) % 100000;
		m[2] = (uint32_t)xrand(s);
		break;
	default:	/* short */
		len = 1 + xrand(s) % (sizeof(m) - 1);
		break;
	}
	op.len = len;
	op.data = (uintptr_t)m;
	r = rioctl(ALOCK_IOC_RDMA_OP, &op);
	if (r)
		c->send_failed++;
	else
		c->sent++;
}

/* An honest node's run of @lock on the keys @flags selects, homed on @homes. */
static int hostile_run(struct alock_dlock_run *d, int lock, unsigned int flags,
		       unsigned int homes, int ms, int timeout_ms)
{
	memset(d, 0, sizeof(*d));
	d->lock = lock;
	d->threads = 2;
	d->duration_ms = ms;
	d->local_pct = 50;
	d->keys_per_op = 1;
	d->timeout_ms = timeout_ms;
	d->flags = flags;
	d->homes = homes;
	d->seed = 101 + me;
	return rioctl(ALOCK_IOC_DLOCK_RUN, d);
}

static int cmd_hostile(int bad, int ms)
{
	unsigned int homes = ((1U << nodes) - 1) & ~(1U << bad);
	struct hostile_counts c = { 0 };
	struct alock_cluster_status st;
	struct alock_table_ctl t;
	struct alock_dlock_run d;
	uint64_t seed = 0x5eed0bad + me;
	const char *ph[] = { "A1 (ALock, even keys)", "A2 (RPC, even keys)",
			     "B (ALock, odd keys)" };
	int p, h, i, r, ok;
	double t0;

	memset(&t, 0, sizeof(t));
	t.op = ALOCK_TABLE_CREATE;
	t.keys = HOSTILE_KEYS;
	t.placement = ALOCK_PLACE_MOD;
	r = rioctl(ALOCK_IOC_TABLE, &t);
	tap(r == 0, "node%d: hostile test: table of %d keys, %u homed here (%s)", me,
	    HOSTILE_KEYS, t.homed, err_s(r));
	for (p = 0; p < 3; p++) {
		check_barrier(240 + p, nodes);
		t0 = now_s();
		if (me == bad) {
			pid_t kids[HOSTILE_SENDERS - 1];
			int nk = 0;

			/*
			 * A2: the honest servers start with their runs; then
			 * HOSTILE_SENDERS processes flood them (each SEND waits
			 * for its completion: several keep more in flight).
			 */
			if (p == 1) {
				usleep(1000000);
				fflush(stdout);
				for (; nk < HOSTILE_SENDERS - 1; nk++) {
					kids[nk] = fork();
					if (kids[nk] == 0) {
						seed ^= (uint64_t)(nk + 1) * 0x9e3779b97f4a7c15ULL;
						break;
					}
					if (kids[nk] < 0)
						break;
				}
			}
			for (i = 0; now_s() - t0 < ms / 1000.0 - (p == 1 ? 1.5 : 0.5); i++)
				for (h = 0; h < nodes; h++) {
					if (h == bad)
						continue;
					if (p == 1) {
						int n;

						for (n = 0; n < 32; n++)
							hostile_msg(&seed, h, i + n, &c);
					} else {
						hostile_round(&seed, h, p == 2, &c);
					}
				}
			if (p == 1 && nk < HOSTILE_SENDERS - 1 && kids[nk] == 0) {
				/* a sender child: its count, then out */
				printf("# node%d: hostile phase %s, sender %d: %llu messages "
				       "sent, %llu failed\n", me, ph[p], nk + 1, c.sent,
				       c.send_failed);
				fflush(stdout);
				_exit(0);
			}
			while (nk > 0)
				waitpid(kids[--nk], NULL, 0);
			printf("# node%d: hostile phase %s: %llu verbs done, %llu failed, "
			       "%llu messages sent, %llu failed\n", me, ph[p], c.ok, c.failed,
			       c.sent, c.send_failed);
			tap(p == 1 ? c.sent > 0 : c.ok > 0,
			    "node%d: hostile phase %s: the attack reached the others", me, ph[p]);
			memset(&c, 0, sizeof(c));
			continue;
		}
		r = hostile_run(&d, p == 1 ? ALOCK_DLOCK_RPC : ALOCK_DLOCK_ALOCK,
				p == 2 ? ALOCK_DLOCK_ODD_KEYS : ALOCK_DLOCK_EVEN_KEYS, homes,
				ms, p == 2 ? 2000 : 30000);
		if (p < 2) {
			tap(r == 0 && d.errors == 0 && d.failures == 0 && d.ops > 0 &&
			    d.min_thread_ops > 0,
			    "node%d: phase %s under attack by node%d: %llu operations, "
			    "%llu owner violations, %llu failures (%s), fewest per thread %llu",
			    me, ph[p], bad, (unsigned long long)d.ops,
			    (unsigned long long)d.errors, (unsigned long long)d.failures,
			    d.first_error ? strerror(-d.first_error) : err_s(r),
			    (unsigned long long)d.min_thread_ops);
		} else {
			tap(r == 0 && now_s() - t0 < ms / 1000.0 + 20,
			    "node%d: phase %s among the garbage ends after %.1f s: %llu "
			    "operations, %llu owner violations, %llu failures (first: %s)",
			    me, ph[p], now_s() - t0, (unsigned long long)d.ops,
			    (unsigned long long)d.errors, (unsigned long long)d.failures,
			    d.first_error ? strerror(-d.first_error) : err_s(r));
		}
	}
	check_barrier(243, nodes);
	if (me != bad) {
		ok = get_status(&st, 1) == 0;
		for (h = 0; h < nodes; h++)
			if (h != bad && st.peers[h].state != ALOCK_PEER_UP &&
			    st.peers[h].state != ALOCK_PEER_SELF)
				ok = 0;
		tap(ok, "node%d: after the attack, the honest nodes are still connected", me);
	}
	r = table_ctl(ALOCK_TABLE_DESTROY, 0, &t);
	tap(r == 0, "node%d: hostile test: destroy the table (%s)", me, err_s(r));
	check_barrier(244, nodes);
	return 0;
}

/* Waits until file @f exists, at most @secs; whether it does. */
static int wait_file(const char *f, double secs)
{
	double t0 = now_s();

	while (access(f, F_OK)) {
		if (now_s() - t0 >= secs)
			return 0;
		usleep(50000);
	}
	return 1;
}

/*
 * Holds @key (locked through this process's file) until @go exists, then
 * unlocks it; with @stop, keeps the file (and its handle on the table)
 * open until @stop exists.  run.sh's device-removal test removes the RDMA
 * device while the key is held, and destroys the table while the file is
 * open: the table, and the cluster's window with it, go when it closes.
 */
static int cmd_dlock_hold(unsigned int key, const char *go, const char *stop)
{
	struct alock_dlock_key k;
	double t0 = now_s();
	int r;

	r = ukey(fd, ALOCK_IOC_DLOCK_LOCK, key, 10000, &k);
	tap(r == 0, "node%d: hold key %u (home %u) until %s exists (%s)", me, key, k.home, go,
	    err_s(r));
	if (r)
		return 1;
	r = wait_file(go, 120);
	tap(r, "node%d: told to let go of key %u after %.1f s", me, key, now_s() - t0);
	r = ukey(fd, ALOCK_IOC_DLOCK_UNLOCK, key, 0, NULL);
	tap(r == 0, "node%d: unlock key %u (%s)", me, key, err_s(r));
	if (stop) {
		r = wait_file(stop, 120);
		tap(r, "node%d: told to close the file that held key %u", me, key);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: see the comment at the top of rdmatest.c\n");
		return 2;
	}
	fd = open_dev();
	if (!strcmp(cmd, "status")) {
		print_status();
		return 0;
	}
	if (!strcmp(cmd, "leave")) {
		r = rioctl(ALOCK_IOC_CLUSTER_LEAVE, NULL);
		tap(r == 0, "leave the cluster (%s)", err_s(r));
		r = rioctl(ALOCK_IOC_CLUSTER_LEAVE, NULL);
		tap(r == -ENOTCONN, "second leave -> ENOTCONN (got %s)", err_s(r));
		return failures ? 1 : 0;
	}
	if (argc < 4)
		return 2;
	me = atoi(argv[2]);
	nodes = atoi(argv[3]);
	if (nodes < 1 || nodes > ALOCK_CLUSTER_MAX_NODES || me < 0 || me >= nodes)
		return 2;
	if (getenv("RDMATEST_WINDOW"))
		window = atoi(getenv("RDMATEST_WINDOW"));
	if (!strcmp(cmd, "errno"))
		cmd_errno();
	else if (!strcmp(cmd, "table"))
		cmd_table();
	else if (!strcmp(cmd, "dlock") && argc > 8)
		cmd_dlock(atoi(argv[4]), atoi(argv[5]), atoi(argv[6]), atoi(argv[7]),
			  atoi(argv[8]), argc > 9 ? atoi(argv[9]) : 1,
			  argc > 10 ? atoi(argv[10]) : 64, argc > 11 ? atoi(argv[11]) : 0,
			  argc > 12 ? atoi(argv[12]) : 0);
	else if (!strcmp(cmd, "dlock-table") && argc > 4) {
		struct alock_table_ctl t;

		r = table_ctl(ALOCK_TABLE_CREATE, atoi(argv[4]), &t);
		tap(r == 0, "node%d: table of %s keys for the C API test (%s)", me, argv[4],
		    err_s(r));
		check_barrier(210, nodes);
	} else if (!strcmp(cmd, "dlock-table-done")) {
		struct alock_table_ctl t;

		check_barrier(211, nodes);
		r = table_ctl(ALOCK_TABLE_DESTROY, 0, &t);
		tap(r == 0, "node%d: destroy the C API test's table (%s)", me, err_s(r));
		check_barrier(212, nodes);
	} else if (!strcmp(cmd, "intruder") && argc > 4) {
		cmd_intruder(!strcmp(argv[4], "addr") ? 1 : !strcmp(argv[4], "hello") ? 0 : -1,
			     argc > 5 ? atoi(argv[5]) : PORT);
	} else if (!strcmp(cmd, "hostile") && argc > 5) {
		cmd_hostile(atoi(argv[4]), atoi(argv[5]));
	} else if (!strcmp(cmd, "dlock-hold") && argc > 5) {
		cmd_dlock_hold(atoi(argv[4]), argv[5], argc > 6 ? argv[6] : NULL);
	} else if (!strcmp(cmd, "dlock-user")) {
		cmd_dlock_user();
	} else if (!strcmp(cmd, "dlock-roles") && argc > 8)
		cmd_dlock_roles(atoi(argv[4]), atoi(argv[5]), atoi(argv[6]), atoi(argv[7]),
				atoi(argv[8]));
	else if (!strcmp(cmd, "dlock-rw-kill") && argc > 4)
		cmd_dlock_rw_kill(atoi(argv[4]));
	else if (!strcmp(cmd, "dlock-kill") && argc > 4)
		cmd_dlock_kill(atoi(argv[4]));
	else if (!strcmp(cmd, "dlock-recover") && argc > 5)
		cmd_dlock_recover(atoi(argv[4]), argv[5]);
	else if (!strcmp(cmd, "join"))
		cmd_join(argc > 4 ? atoi(argv[4]) : PORT);
	else if (!strcmp(cmd, "verbs"))
		cmd_verbs();
	else if (!strcmp(cmd, "contend") && argc > 6)
		cmd_contend(atoi(argv[4]), atoi(argv[5]), atoi(argv[6]), 10);
	else if (!strcmp(cmd, "bench"))
		cmd_bench(argc > 4 ? atoi(argv[4]) : 1000);
	else if (!strcmp(cmd, "kill") && argc > 4)
		cmd_kill(atoi(argv[4]), 20);
	else
		return 2;
	return failures ? 1 : 0;
}
