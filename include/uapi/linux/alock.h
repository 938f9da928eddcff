/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * alock: scalable kernel locks - user-space interface of /dev/alock.
 *
 * Every ioctl argument is a fixed-size structure whose size is part of the
 * command number, so a caller built against another layout gets -ENOTTY.
 * Reserved fields and flags must be zero (-EINVAL otherwise); they give room
 * to extend a structure without a new command.  ALOCK_ABI_VERSION changes
 * whenever a command or a structure changes incompatibly; the module
 * reports its own with ALOCK_IOC_VERSION.
 */
#ifndef _UAPI_LINUX_ALOCK_H
#define _UAPI_LINUX_ALOCK_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define ALOCK_ABI_VERSION	10
#define ALOCK_IOC_MAGIC		0xA1
#define ALOCK_DEVICE		"/dev/alock"

/**
 * struct alock_version - ALOCK_IOC_VERSION
 * @abi_version:	ALOCK_ABI_VERSION of the module
 * @nr_cpus:		online CPUs when the call was made
 * @nr_locks:		number of lock types the module can stress (ids
 *			1..nr_locks, see enum alock_lock_id)
 * @nr_tests:		number of in-kernel self-tests (ids 1..nr_tests)
 * @features:		ALOCK_FEAT_* bits
 * @module_version:	NUL-terminated version string of the module
 */
struct alock_version {
	__u32 abi_version;
	__u32 nr_cpus;
	__u32 nr_locks;
	__u32 nr_tests;
	__u64 features;
	char module_version[32];
};

/* The kernel was built with lockdep (CONFIG_PROVE_LOCKING). */
#define ALOCK_FEAT_LOCKDEP	(1ULL << 0)

/**
 * struct alock_abi_entry - one ioctl command the module implements
 * @cmd:	the full command number (direction, size, type, number)
 * @arg_size:	size of its argument structure as the module sees it
 */
struct alock_abi_entry {
	__u32 cmd;
	__u32 arg_size;
};

/**
 * struct alock_abi - ALOCK_IOC_ABI: list the commands the module implements
 * @entries:	user pointer to an array of struct alock_abi_entry
 * @nr_entries:	in: capacity of @entries (at most ALOCK_ABI_MAX_ENTRIES);
 *		out: number of commands the module has (may exceed the
 *		capacity: then only the first ones were written)
 * @entry_size:	must be sizeof(struct alock_abi_entry)
 *
 * Lets user space check that its header and the module agree on every
 * command encoding.  -EFAULT for an unwritable @entries.
 */
struct alock_abi {
	__u64 entries;
	__u32 nr_entries;
	__u32 entry_size;
};

#define ALOCK_ABI_MAX_ENTRIES	256

/**
 * struct alock_selftest - ALOCK_IOC_SELFTEST: run one in-kernel self-test
 * @test:	test id, 1..alock_version.nr_tests
 * @flags:	must be 0
 * @result:	out: 0 on success, otherwise a negative errno saying why
 * @checks:	out: number of individual checks the test made
 * @name:	out: NUL-terminated name of the test
 *
 * The ioctl itself fails only for bad arguments (-EINVAL, -EFAULT); a test
 * that ran and failed reports it in @result.
 */
struct alock_selftest {
	__u32 test;
	__u32 flags;
	__s32 result;
	__u32 checks;
	char name[48];
};

/**
 * enum alock_lock_id - lock types for ALOCK_IOC_STRESS
 * @ALOCK_LOCK_SPINLOCK:	stock spinlock_t (qspinlock), baseline
 * @ALOCK_LOCK_MUTEX:		stock struct mutex, baseline
 * @ALOCK_LOCK_TICKET:		ticket spinlock (baseline, FIFO)
 * @ALOCK_LOCK_MCS:		MCS queue lock (FIFO)
 * @ALOCK_LOCK_ABQL:		Anderson's array-based queue lock (FIFO);
 *				alock_stress.lock_param = slots (0: one per
 *				possible CPU)
 */
enum alock_lock_id {
	ALOCK_LOCK_SPINLOCK = 1,
	ALOCK_LOCK_MUTEX = 2,
	ALOCK_LOCK_TICKET = 3,
	ALOCK_LOCK_MCS = 4,
	ALOCK_LOCK_ABQL = 5,
};

#define ALOCK_ABQL_MAX_SLOTS	4096

/* Threads are not bound to a CPU (default: thread i runs on online CPU i % n). */
#define ALOCK_STRESS_UNBOUND	(1U << 0)
#define ALOCK_STRESS_FLAGS	(ALOCK_STRESS_UNBOUND)

/*
 * Latency histograms (ABI 8).  Bucket i of struct alock_hist counts the
 * latencies v (in ns) with fls64(v) == i: bucket 0 counts v == 0, bucket i
 * (1 <= i < ALOCK_HIST_BUCKETS - 1) counts 2^(i-1) <= v < 2^i, and the last
 * bucket everything from 2^(ALOCK_HIST_BUCKETS - 2) ns (about 137 s) up.
 */
#define ALOCK_HIST_BUCKETS	40

/**
 * struct alock_hist - log2 histogram of latencies in nanoseconds
 * @count:	samples per bucket (see ALOCK_HIST_BUCKETS)
 */
struct alock_hist {
	__u64 count[ALOCK_HIST_BUCKETS];
};

#define ALOCK_STRESS_MAX_THREADS	256
#define ALOCK_STRESS_MAX_MS		600000
#define ALOCK_STRESS_MAX_CS_SPINS	100000

/**
 * struct alock_stress - ALOCK_IOC_STRESS: mutual-exclusion stress run
 * @lock:	enum alock_lock_id
 * @threads:	kernel threads, 1..ALOCK_STRESS_MAX_THREADS
 * @duration_ms: run time, 1..ALOCK_STRESS_MAX_MS
 * @flags:	ALOCK_STRESS_* bits
 * @cs_spins:	busy-wait iterations inside each critical section
 *		(0..ALOCK_STRESS_MAX_CS_SPINS)
 * @lock_param:	lock-specific parameter (see enum alock_lock_id), else 0
 * @ops:	out: critical sections completed, all threads
 * @errors:	out: mutual-exclusion violations seen (owner word not free on
 *		entry or changed inside, or protected counter != @ops)
 * @elapsed_ns:	out: wall time of the run
 * @min_thread_ops: out: fewest critical sections of any thread
 * @max_thread_ops: out: most critical sections of any thread
 * @order_checks: out: hand-offs checked against queue order (FIFO locks:
 *		a waiter must get the lock right after the holder it queued
 *		behind; 0 for locks that make no FIFO claim)
 * @order_errors: out: hand-offs that broke queue order (also counted in
 *		@errors)
 * @lat:	out: acquire latency of every critical section (from the
 *		call to the lock until it returned)
 *
 * Each thread repeatedly takes the lock, checks that an owner word is free,
 * claims it, increments a protected counter with a plain (non-atomic)
 * read-modify-write, spins, checks it still owns the word and releases.
 * Returns -EINTR if a signal cut the run short (the threads are stopped).
 */
struct alock_stress {
	__u32 lock;
	__u32 threads;
	__u32 duration_ms;
	__u32 flags;
	__u32 cs_spins;
	__u32 lock_param;
	__u64 ops;
	__u64 errors;
	__u64 elapsed_ns;
	__u64 min_thread_ops;
	__u64 max_thread_ops;
	__u64 order_checks;
	__u64 order_errors;
	struct alock_hist lat;
};

/**
 * enum alock_mr_lock_id - lock schemes for ALOCK_IOC_MRLOCK
 * @ALOCK_MR_MRLOCK:	multi-resource lock (lock-free FIFO ring of requests)
 * @ALOCK_MR_ADAPTIVE:	adaptive: one CAS on a resource bitset while
 *			uncontended, MRLock under contention
 * @ALOCK_MR_2PL:	two-phase locking, per-resource spinlocks taken in
 *			resource order (baseline)
 * @ALOCK_MR_GLOBAL:	one spinlock for all resources (baseline)
 * @ALOCK_MR_BITSET:	the adaptive scheme's low-contention lock alone
 *			(CAS on one bitset word, no fairness)
 */
enum alock_mr_lock_id {
	ALOCK_MR_MRLOCK = 1,
	ALOCK_MR_ADAPTIVE = 2,
	ALOCK_MR_2PL = 3,
	ALOCK_MR_GLOBAL = 4,
	ALOCK_MR_BITSET = 5,
};

#define ALOCK_MR_MAX_RESOURCES	64
#define ALOCK_MR_MAX_QUEUE	4096

/**
 * struct alock_mrlock - ALOCK_IOC_MRLOCK: h-out-of-k stress run
 * @lock:	enum alock_mr_lock_id
 * @threads:	kernel threads, 1..ALOCK_STRESS_MAX_THREADS
 * @duration_ms: run time, 1..ALOCK_STRESS_MAX_MS
 * @flags:	ALOCK_STRESS_UNBOUND or 0
 * @resources:	k, 1..ALOCK_MR_MAX_RESOURCES
 * @min_request: smallest h (resources per request), 1..@resources
 * @max_request: largest h, @min_request..@resources; every request is a
 *		random subset of h resources, h uniform in the range
 * @cs_spins:	busy-wait iterations while holding (0..ALOCK_STRESS_MAX_CS_SPINS)
 * @queue_size:	MRLock ring cells, a power of two, at least 2 and more
 *		than @threads, at most ALOCK_MR_MAX_QUEUE (0: chosen)
 * @reserved:	must be 0
 * @seed:	random seed (0: a fixed default)
 * @ops:	out: requests granted
 * @errors:	out: violations: a resource held by two requests at once,
 *		per-resource counters that do not add up, order errors
 * @order_checks: out: (request, resource) grants checked against queue
 *		order (MRLock and adaptive in MRLock mode: conflicting requests
 *		are granted in enqueue order)
 * @order_errors: out: grants that overtook an earlier conflicting request
 * @elapsed_ns:	out: wall time of the run
 * @min_thread_ops: out: fewest requests of one thread
 * @max_thread_ops: out: most requests of one thread
 * @mode_switches: out: adaptive scheme switches between its two locks
 * @lat:	out: acquire latency of every request
 */
struct alock_mrlock {
	__u32 lock;
	__u32 threads;
	__u32 duration_ms;
	__u32 flags;
	__u32 resources;
	__u32 min_request;
	__u32 max_request;
	__u32 cs_spins;
	__u32 queue_size;
	__u32 reserved;
	__u64 seed;
	__u64 ops;
	__u64 errors;
	__u64 order_checks;
	__u64 order_errors;
	__u64 elapsed_ns;
	__u64 min_thread_ops;
	__u64 max_thread_ops;
	__u64 mode_switches;
	struct alock_hist lat;
};

/**
 * enum alock_txn_mode - conflict policies of the lock manager (ALOCK_IOC_TXN)
 * @ALOCK_TXN_RESTART:	a conflict aborts and restarts the transaction
 * @ALOCK_TXN_EXCLUSIVE: as RESTART, and after @exclusive_after restarts the
 *			transaction runs in exclusive (irrevocable) mode
 * @ALOCK_TXN_WAIT:	as EXCLUSIVE, but a conflict first waits in the
 *			record's waiting queue (up to @wait_timeout_us) and
 *			restarts only on timeout
 */
enum alock_txn_mode {
	ALOCK_TXN_RESTART = 1,
	ALOCK_TXN_EXCLUSIVE = 2,
	ALOCK_TXN_WAIT = 3,
};

#define ALOCK_TXN_MAX_RECORDS		65536
#define ALOCK_TXN_MAX_TX_RECORDS	16
#define ALOCK_TXN_MAX_EXCLUSIVE_AFTER	1000
#define ALOCK_TXN_MAX_WAIT_US		1000000

/**
 * struct alock_txn - ALOCK_IOC_TXN: transactional workload on the lock manager
 * @mode:	enum alock_txn_mode
 * @threads:	kernel threads, 1..ALOCK_STRESS_MAX_THREADS
 * @duration_ms: run time, 1..ALOCK_STRESS_MAX_MS
 * @flags:	ALOCK_STRESS_UNBOUND or 0
 * @records:	accounts in the table, 2..ALOCK_TXN_MAX_RECORDS
 * @tx_records:	records one transaction touches, 2..min(16, @records)
 * @read_pct:	percentage of read-only (audit) transactions, 0..100
 * @exclusive_after: restarts before exclusive mode (EXCLUSIVE, WAIT),
 *		1..ALOCK_TXN_MAX_EXCLUSIVE_AFTER (0: 10, picotm's default)
 * @wait_timeout_us: longest wait in a waiting queue (WAIT),
 *		1..ALOCK_TXN_MAX_WAIT_US (0: 1000)
 * @cs_spins:	busy-wait iterations while holding the records
 * @seed:	random seed (0: a fixed default)
 * @commits:	out: committed transactions
 * @restarts:	out: aborts followed by a restart
 * @waits:	out: times a transaction waited in a waiting queue
 * @timeouts:	out: waits that timed out (then restarted)
 * @exclusive:	out: transactions that committed in exclusive mode
 * @max_restarts: out: most restarts of any one transaction
 * @errors:	out: violations: the accounts' sum changed, an audit saw a
 *		torn record, or (EXCLUSIVE, WAIT) a transaction restarted more
 *		than @exclusive_after times
 * @elapsed_ns:	out: wall time of the run
 *
 * Each update transaction moves a random amount between random accounts
 * (read-lock, then upgrade or write-lock); audits read-lock their records
 * and check that each is consistent.  The table's total is checked at the
 * end.
 */
struct alock_txn {
	__u32 mode;
	__u32 threads;
	__u32 duration_ms;
	__u32 flags;
	__u32 records;
	__u32 tx_records;
	__u32 read_pct;
	__u32 exclusive_after;
	__u32 wait_timeout_us;
	__u32 cs_spins;
	__u64 seed;
	__u64 commits;
	__u64 restarts;
	__u64 waits;
	__u64 timeouts;
	__u64 exclusive;
	__u64 max_restarts;
	__u64 errors;
	__u64 elapsed_ns;
};

/**
 * enum alock_rw_lock_id - reader-writer locks for ALOCK_IOC_RWSTRESS
 * @ALOCK_RW_PRWLOCK:	passive reader-writer lock
 * @ALOCK_RW_RWSEM:	stock struct rw_semaphore
 * @ALOCK_RW_PERCPU_RWSEM: stock struct percpu_rw_semaphore
 * @ALOCK_RW_RWLOCK:	stock rwlock_t (readers may not sleep)
 * @ALOCK_RW_BRLOCK:	big-reader lock, one spinlock per CPU (readers may
 *			not sleep)
 * @ALOCK_RW_RCU:	RCU read side (rcu_read_lock); read-only runs
 */
enum alock_rw_lock_id {
	ALOCK_RW_PRWLOCK = 1,
	ALOCK_RW_RWSEM = 2,
	ALOCK_RW_PERCPU_RWSEM = 3,
	ALOCK_RW_RWLOCK = 4,
	ALOCK_RW_BRLOCK = 5,
	ALOCK_RW_RCU = 6,
};

/* ALOCK_IOC_RWSTRESS flags.  UNBOUND: threads may run anywhere. */
#define ALOCK_RW_UNBOUND	ALOCK_STRESS_UNBOUND
/* Readers sleep (msleep(1)) inside one read section in @sleep_every. */
#define ALOCK_RW_SLEEP		(1U << 1)
/* Readers call schedule() inside one read section in @sleep_every. */
#define ALOCK_RW_YIELD		(1U << 2)
/* prwlock: the writer wakes each CPU's sleeping readers itself. */
#define ALOCK_RW_SEQ_WAKE	(1U << 3)
/*
 * Readers move themselves to the next online CPU inside one read section
 * in @sleep_every (needs ALOCK_RW_UNBOUND and a lock whose readers may
 * sleep).
 */
#define ALOCK_RW_MIGRATE	(1U << 4)
/* Readers hold cpus_read_lock() around each read section. */
#define ALOCK_RW_CPUS_READ	(1U << 5)
#define ALOCK_RW_FLAGS		(ALOCK_RW_UNBOUND | ALOCK_RW_SLEEP | \
				 ALOCK_RW_YIELD | ALOCK_RW_SEQ_WAKE | \
				 ALOCK_RW_MIGRATE | ALOCK_RW_CPUS_READ)

#define ALOCK_RW_MAX_PAUSE_US	1000000
/* struct alock_rwstress.read_lat: one read section in this many is timed. */
#define ALOCK_RW_LAT_SAMPLE	16

/**
 * struct alock_rwstress - ALOCK_IOC_RWSTRESS: reader-writer stress run
 * @lock:	enum alock_rw_lock_id
 * @readers:	reader threads, 0..ALOCK_STRESS_MAX_THREADS
 * @writers:	writer threads, 0..ALOCK_STRESS_MAX_THREADS (readers +
 *		writers >= 1; 0 for ALOCK_RW_RCU)
 * @duration_ms: run time, 1..ALOCK_STRESS_MAX_MS
 * @flags:	ALOCK_RW_* flags (SLEEP, YIELD and MIGRATE need a lock whose
 *		readers may sleep: prwlock, rwsem, percpu_rwsem)
 * @read_spins:	busy-wait iterations inside each read section
 * @write_spins: busy-wait iterations inside each write section
 * @sleep_every: with SLEEP, YIELD or MIGRATE, one read section in this
 *		many sleeps, yields or migrates (1..1000000); else 0
 * @write_pause_us: writers sleep this long between write sections
 *		(0..ALOCK_RW_MAX_PAUSE_US), so that readers see an idle writer
 * @reserved:	must be 0
 * @reads:	out: read sections completed
 * @writes:	out: write sections completed
 * @errors:	out: a reader saw a torn record or a writer inside, a writer
 *		saw another writer or a reader inside, or the record's
 *		sequence disagrees with @writes
 * @elapsed_ns:	out: wall time of the run
 * @min_reader_ops: out: fewest read sections of one reader
 * @min_writer_ops: out: fewest write sections of one writer
 * @read_sleeps: out: read sections that slept or yielded
 * @migrations:	out: read sections that ended on another CPU than they began
 * @active_unlocks: out: prwlock read unlocks that took the active path
 *		(readers converted at context switch or that met a writer)
 * @ipis:	out: prwlock IPIs sent by writers during the run
 * @idle_skips:	out: CPUs prwlock writers counted as reported because they
 *		were idle (RCU extended quiescent state) instead of asking them
 * @domain_skips: out: online CPUs prwlock writers did not look at because
 *		they were outside the lock's domain
 * @rounds:	out: prwlock consensus rounds (writers and write trylocks)
 * @drain_ipis:	out: prwlock IPIs that converted passive readers which
 *		stayed past the writer's bounded drain spin (not in @ipis)
 * @write_ns_total: out: time spent acquiring the write side, all writers
 * @write_ns_max: out: longest write-side acquisition
 * @read_lat:	out: read-side acquire latency of one read section in
 *		ALOCK_RW_LAT_SAMPLE (timing every one would cost more than a
 *		passive read pair)
 * @write_lat:	out: write-side acquire latency of every write section
 */
struct alock_rwstress {
	__u32 lock;
	__u32 readers;
	__u32 writers;
	__u32 duration_ms;
	__u32 flags;
	__u32 read_spins;
	__u32 write_spins;
	__u32 sleep_every;
	__u32 write_pause_us;
	__u32 reserved;
	__u64 reads;
	__u64 writes;
	__u64 errors;
	__u64 elapsed_ns;
	__u64 min_reader_ops;
	__u64 min_writer_ops;
	__u64 read_sleeps;
	__u64 migrations;
	__u64 active_unlocks;
	__u64 ipis;
	__u64 idle_skips;
	__u64 domain_skips;
	__u64 rounds;
	__u64 drain_ipis;
	__u64 write_ns_total;
	__u64 write_ns_max;
	struct alock_hist read_lat;
	struct alock_hist write_lat;
};

#define ALOCK_RWWAKE_MAX_ROUNDS	10000

/**
 * struct alock_rwwake - ALOCK_IOC_RWWAKE: prwlock wake-up latency
 * @readers:	readers that sleep behind a writer each round,
 *		1..ALOCK_STRESS_MAX_THREADS (thread i bound to CPU i % n)
 * @rounds:	1..ALOCK_RWWAKE_MAX_ROUNDS
 * @flags:	ALOCK_RW_SEQ_WAKE or 0
 * @reserved:	must be 0
 * @total_ns:	out: sum over rounds of the time from the writer's unlock
 *		to the last reader holding the lock
 * @max_ns:	out: the longest such time
 * @errors:	out: rounds where a reader got in before the unlock
 */
struct alock_rwwake {
	__u32 readers;
	__u32 rounds;
	__u32 flags;
	__u32 reserved;
	__u64 total_ns;
	__u64 max_ns;
	__u64 errors;
};

/**
 * struct alock_rwcost - ALOCK_IOC_RWCOST: cost of read lock+unlock pairs
 * @lock:	enum alock_rw_lock_id (ALOCK_RW_BRLOCK is not supported:
 *		-EINVAL)
 * @iterations:	pairs to run, 1..100000000 (on the calling CPU, from C)
 * @ns:		out: total time
 */
struct alock_rwcost {
	__u32 lock;
	__u32 iterations;
	__u64 ns;
};

/*
 * RDMA cluster (ABI 4).  Each node of a cluster of up to
 * ALOCK_CLUSTER_MAX_NODES exports one window of registered memory; every
 * pair of nodes shares one RC connection set up through the in-kernel
 * rdma_cm, over which either side reads, writes and runs atomics on the
 * other's window.  Membership is explicit: ALOCK_IOC_CLUSTER_JOIN,
 * ALOCK_IOC_CLUSTER_LEAVE; there is one cluster per module.  Members share
 * a key of ALOCK_CLUSTER_KEY_SIZE bytes (ABI 9), with which each proves its
 * membership to the others.
 */
#define ALOCK_CLUSTER_MAX_NODES		16
#define ALOCK_CLUSTER_KEY_SIZE		32
#define ALOCK_CLUSTER_MIN_WINDOW	4096
#define ALOCK_CLUSTER_MAX_WINDOW	(1U << 20)
#define ALOCK_CLUSTER_MAX_TIMEOUT_MS	600000

/**
 * struct alock_node_addr - where a node's rdma_cm listens
 * @family:	AF_INET (2) or AF_INET6 (10)
 * @port:	port in the rdma_cm TCP port space, host byte order, 1..65535
 * @reserved:	must be 0
 * @addr:	address, network byte order (IPv4: the first 4 bytes, the
 *		rest 0); it must be an address of an RDMA device (for rxe: of
 *		the netdev the rxe link is on)
 */
struct alock_node_addr {
	__u16 family;
	__u16 port;
	__u32 reserved;
	__u8 addr[16];
};

/* JOIN: also connect to this node itself (a loopback QP, for benchmarks). */
#define ALOCK_CLUSTER_LOOPBACK	(1U << 0)
#define ALOCK_CLUSTER_FLAGS	(ALOCK_CLUSTER_LOOPBACK)

/**
 * struct alock_cluster_join - ALOCK_IOC_CLUSTER_JOIN
 * @node_id:	this node, 0..@nr_nodes-1
 * @nr_nodes:	nodes in the cluster, 1..ALOCK_CLUSTER_MAX_NODES
 * @window_size: bytes of memory this node exports, a multiple of 4096 in
 *		ALOCK_CLUSTER_MIN_WINDOW..ALOCK_CLUSTER_MAX_WINDOW; peers'
 *		windows may differ in size
 * @flags:	ALOCK_CLUSTER_* bits
 * @timeout_ms:	how long to wait for every peer, 1..ALOCK_CLUSTER_MAX_TIMEOUT_MS
 * @op_timeout_ms: longest wait for one verb before the connection is
 *		declared lost: 0 (1000 ms) or 10..60000
 * @reserved:	must be 0
 * @key:	the cluster's pre-shared key, the same on every node, not all
 *		zeros (ALOCK_CLUSTER_KEY_SIZE random bytes)
 * @nodes:	address of every node, [0..@nr_nodes); @nodes[@node_id] is
 *		the local address to listen on; the rest must be 0
 *
 * Node i connects to every node j > i and accepts j < i.  Only members
 * join: a connection is refused (and logged, once a second per reason)
 * unless it comes from @nodes[j] of the node j it claims to be and that node
 * proves it holds @key (HMAC-SHA256 over both sides' fresh nonces, in the
 * connection's private data and its first message); no window is
 * registered for a peer before that, each connection has its own
 * protection domain (an rkey works only on the connection it was sent
 * on), windows are registered zero-based (no kernel address is sent), and
 * a handshake that does not finish within 15 s is dropped.  Only from the
 * initial network namespace.
 *
 * Returns when every connection is up: 0; or -ETIMEDOUT (some peer did not
 * come, or was refused: the node is left as before), -EINTR (a signal),
 * -EBUSY (already joined), -EADDRNOTAVAIL (@nodes[@node_id] is no RDMA
 * device's address), -EOPNOTSUPP (the device has no atomics),
 * -EAFNOSUPPORT (the caller is in another network namespace), -EINVAL for
 * bad fields (an all-zero @key among them).
 */
struct alock_cluster_join {
	__u32 node_id;
	__u32 nr_nodes;
	__u32 window_size;
	__u32 flags;
	__u32 timeout_ms;
	__u32 op_timeout_ms;
	__u32 reserved[2];
	__u8 key[ALOCK_CLUSTER_KEY_SIZE];
	struct alock_node_addr nodes[ALOCK_CLUSTER_MAX_NODES];
};

/**
 * enum alock_peer_state - state of the connection to one peer
 * @ALOCK_PEER_NONE:	no connection (not a node of the cluster)
 * @ALOCK_PEER_CONNECTING: being set up
 * @ALOCK_PEER_UP:	connected, its window usable
 * @ALOCK_PEER_FAILED:	lost (a verb failed or timed out): torn down,
 *			verbs to it fail with -ENOTCONN
 * @ALOCK_PEER_CLOSED:	the peer left (disconnected): torn down
 * @ALOCK_PEER_SELF:	this node, without ALOCK_CLUSTER_LOOPBACK
 */
enum alock_peer_state {
	ALOCK_PEER_NONE = 0,
	ALOCK_PEER_CONNECTING = 1,
	ALOCK_PEER_UP = 2,
	ALOCK_PEER_FAILED = 3,
	ALOCK_PEER_CLOSED = 4,
	ALOCK_PEER_SELF = 5,
};

/**
 * struct alock_cluster_peer - one peer in struct alock_cluster_status
 * @node:	node id
 * @state:	enum alock_peer_state
 * @ops:	verbs completed on the connection
 * @errors:	verbs that failed
 * @last_error:	negative errno of the failure that took the connection
 *		down (-ETIMEDOUT: the peer stopped answering; -ECONNRESET:
 *		it disconnected), else 0
 * @rkey:	the peer's rkey for this node
 * @remote_len:	size of the peer's window
 */
struct alock_cluster_peer {
	__u32 node;
	__u32 state;
	__u64 ops;
	__u64 errors;
	__s32 last_error;
	__u32 rkey;
	__u64 remote_len;
};

/* STATUS: first probe every connected peer with an 8-byte RDMA READ. */
#define ALOCK_STATUS_PROBE	(1U << 0)

/**
 * struct alock_cluster_status - ALOCK_IOC_CLUSTER_STATUS
 * @flags:	in: ALOCK_STATUS_PROBE or 0
 * @joined:	out: 1 while this node is in a cluster, else 0 (and the
 *		fields below but @nr_devices are 0)
 * @node_id:	out: this node
 * @nr_nodes:	out: nodes in the cluster
 * @window_size: out: bytes this node exports
 * @nr_devices:	out: RDMA devices the module's ib_client sees
 * @cluster_flags: out: ALOCK_CLUSTER_* of the join
 * @nr_up:	out: peers (and the loopback) in ALOCK_PEER_UP
 * @device:	out: NUL-terminated name of the device the cluster uses
 * @peers:	out: [0..@nr_nodes), indexed by node id
 */
struct alock_cluster_status {
	__u32 flags;
	__u32 joined;
	__u32 node_id;
	__u32 nr_nodes;
	__u32 window_size;
	__u32 nr_devices;
	__u32 cluster_flags;
	__u32 nr_up;
	char device[64];
	struct alock_cluster_peer peers[ALOCK_CLUSTER_MAX_NODES];
};

/**
 * enum alock_rdma_verb - ALOCK_IOC_RDMA_OP, _STRESS, _BENCH
 * @ALOCK_RDMA_READ:	RDMA READ of @len bytes of the node's window at
 *			@remote_off into this node's window at @local_off
 * @ALOCK_RDMA_WRITE:	RDMA WRITE, the other way
 * @ALOCK_RDMA_CAS:	8-byte compare-and-swap at @remote_off (8-aligned):
 *			if equal to @compare_add, set to @swap; @result is
 *			the old value
 * @ALOCK_RDMA_FAA:	8-byte fetch-and-add of @compare_add; @result old
 * @ALOCK_RDMA_LOCAL_READ: copy @len bytes of this node's own window at
 *			@local_off to the user buffer @data (no RDMA)
 * @ALOCK_RDMA_LOCAL_WRITE: copy the user buffer @data into the window
 * @ALOCK_RDMA_SEND:	two-sided SEND of @len (1..ALOCK_RDMA_MSG_MAX) bytes
 *			of the user buffer @data to @node's receive queue,
 *			where the lock table's RPC lock server reads its
 *			requests (the hostile-peer test forges them):
 *			a node whose server does not run buffers 32 of
 *			them, then a SEND ends in -ETIMEDOUT
 *
 * A CPU store to a window word is not atomic with an RDMA atomic on the
 * same word (rxe and many NICs): change a word only by one of the two.
 */
enum alock_rdma_verb {
	ALOCK_RDMA_READ = 1,
	ALOCK_RDMA_WRITE = 2,
	ALOCK_RDMA_CAS = 3,
	ALOCK_RDMA_FAA = 4,
	ALOCK_RDMA_LOCAL_READ = 5,
	ALOCK_RDMA_LOCAL_WRITE = 6,
	ALOCK_RDMA_SEND = 7,
};

/* Largest ALOCK_RDMA_SEND message. */
#define ALOCK_RDMA_MSG_MAX	64

/**
 * struct alock_rdma_op - ALOCK_IOC_RDMA_OP: one verb, synchronously
 * @node:	target node (this node only with ALOCK_CLUSTER_LOOPBACK, or
 *		for the LOCAL verbs)
 * @verb:	enum alock_rdma_verb
 * @remote_off:	offset in the target's window
 * @local_off:	offset in this node's window
 * @len:	READ, WRITE, LOCAL_*: 1..window bytes; CAS, FAA: 8; SEND:
 *		1..ALOCK_RDMA_MSG_MAX
 * @flags:	must be 0
 * @compare_add: CAS: expected value; FAA: addend
 * @swap:	CAS: new value
 * @data:	LOCAL_*, SEND: user buffer of @len bytes
 * @result:	out: CAS, FAA: the word's previous value
 * @latency_ns:	out: time from posting to completion
 *
 * -ENOTCONN: not joined, or no usable connection to @node; -ETIMEDOUT:
 * the peer did not answer (the connection is then torn down);
 * -ERANGE: outside a window; -EINVAL: bad verb, length, alignment.
 */
struct alock_rdma_op {
	__u32 node;
	__u32 verb;
	__u64 remote_off;
	__u64 local_off;
	__u32 len;
	__u32 flags;
	__u64 compare_add;
	__u64 swap;
	__u64 data;
	__u64 result;
	__u64 latency_ns;
};

#define ALOCK_RDMA_MAX_THREADS	64
/*
 * BENCH: the threads spin between polls of a completion (as a caller in
 * atomic context must) instead of yielding the CPU (the default, as the
 * module's own process-context callers do).
 */
#define ALOCK_RDMA_BENCH_SPIN	(1U << 0)

/**
 * struct alock_rdma_stress - ALOCK_IOC_RDMA_STRESS: contended increments
 * @node:	node whose window holds the counter
 * @verb:	ALOCK_RDMA_CAS (read-compare-swap loop) or ALOCK_RDMA_FAA
 * @remote_off:	offset of the 8-byte counter (8-aligned)
 * @threads:	kernel threads, 1..ALOCK_RDMA_MAX_THREADS
 * @increments:	successful increments each thread makes, 1..1000000
 * @timeout_ms:	give up after this long, 1..ALOCK_CLUSTER_MAX_TIMEOUT_MS
 * @flags:	must be 0
 * @done:	out: increments made, all threads
 * @attempts:	out: verbs posted
 * @cas_misses:	out: CAS whose compare failed (someone else won)
 * @errors:	out: verbs that failed (a thread stops at its first)
 * @first_error: out: negative errno of the first failure, else 0
 * @reserved:	must be 0
 * @elapsed_ns:	out: wall time
 *
 * Several nodes may run it at once against one counter: it must end at
 * the sum of their @done.  Returns 0 also when verbs failed (see
 * @errors); -EINTR (with partial results) on a signal.
 */
struct alock_rdma_stress {
	__u32 node;
	__u32 verb;
	__u64 remote_off;
	__u32 threads;
	__u32 increments;
	__u32 timeout_ms;
	__u32 flags;
	__u64 done;
	__u64 attempts;
	__u64 cas_misses;
	__u64 errors;
	__s32 first_error;
	__u32 reserved;
	__u64 elapsed_ns;
};

/**
 * struct alock_rdma_bench - ALOCK_IOC_RDMA_BENCH: verb latency/throughput
 * @node:	target node (this node: over the loopback QP)
 * @verb:	ALOCK_RDMA_READ, _WRITE, _CAS or _FAA
 * @len:	READ, WRITE: bytes, 8..4096; atomics: 8
 * @threads:	kernel threads, 1..ALOCK_RDMA_MAX_THREADS, each issuing
 *		one verb at a time on its own words
 * @duration_ms: 1..ALOCK_STRESS_MAX_MS
 * @flags:	ALOCK_RDMA_BENCH_SPIN or 0
 * @ops:	out: verbs completed
 * @errors:	out: verbs that failed
 * @elapsed_ns:	out: wall time
 * @lat_min_ns, @lat_median_ns, @lat_p99_ns, @lat_max_ns: out: latency of
 *		one verb, over up to 4096 samples per thread
 *
 * The words used are in the upper half of both windows.
 */
struct alock_rdma_bench {
	__u32 node;
	__u32 verb;
	__u32 len;
	__u32 threads;
	__u32 duration_ms;
	__u32 flags;
	__u64 ops;
	__u64 errors;
	__u64 elapsed_ns;
	__u64 lat_min_ns;
	__u64 lat_median_ns;
	__u64 lat_p99_ns;
	__u64 lat_max_ns;
};

/*
 * Distributed lock table (ABI 4): @keys locks spread over the cluster's
 * nodes, each in the window of its home node (from offset 65536), taken
 * with ALock or, for comparison, with locks that go through the NIC even
 * for local threads.  Every node creates the table with the same
 * arguments after joining.
 */
#define ALOCK_TABLE_MAX_KEYS	2048
#define ALOCK_TABLE_MAX_LEASE_MS	60000
#define ALOCK_TABLE_MAX_BUDGET	1000

/* struct alock_table_ctl.op */
#define ALOCK_TABLE_CREATE	1
#define ALOCK_TABLE_DESTROY	2
#define ALOCK_TABLE_SUM		3

/* struct alock_table_ctl.placement: home of key k */
#define ALOCK_PLACE_HASH	0	/* Fibonacci hash of k, mod nodes */
#define ALOCK_PLACE_MOD		1	/* k mod nodes */

/**
 * struct alock_table_ctl - ALOCK_IOC_TABLE
 * @op:		ALOCK_TABLE_CREATE, _DESTROY or _SUM
 * @keys:	CREATE: 1..ALOCK_TABLE_MAX_KEYS; SUM: out, the table's keys
 * @placement:	CREATE: ALOCK_PLACE_HASH or ALOCK_PLACE_MOD
 * @local_budget: CREATE: ALock hand-offs inside the local cohort before
 *		the remote one gets a turn, 0 (5) or 1..ALOCK_TABLE_MAX_BUDGET
 * @remote_budget: CREATE: the same for the remote cohort
 * @lease_ms:	CREATE: the longest critical section of a remote ALock
 *		holder, 0 (500) or 1..ALOCK_TABLE_MAX_LEASE_MS: when a node
 *		dies holding or queued for a key, the key's home resets the
 *		key's queue (remote_budget + 1) x @lease_ms after the loss is
 *		reported (Documentation/alock.rst, "Failures")
 * @broken:	out (SUM): keys found broken on this node (their home was
 *		lost, or a lost peer held or queued for a key of a competitor
 *		lock: acquires fail with -EPIPE)
 * @homed:	out: keys homed on this node
 * @counter_sum: out (SUM): sum of the test counters of the keys homed
 *		here (one increment per critical section of
 *		ALOCK_IOC_DLOCK_RUN)
 * @resets:	out (SUM): keys homed here whose queue this node reset after
 *		a lost node
 * @reclaims:	out (SUM, ABI 10): ALock-RW keys homed here whose reader
 *		counts of a lost node this node took back; in: must be 0
 *
 * CREATE: -ENOTCONN (not joined), -EBUSY (a table exists, or a destroyed
 * one is still in use by handles, runs or keys held by open files: its
 * words are in the same window), -ENOSPC (a window is too small for @keys).
 * DESTROY, SUM: -ENOENT without a table.
 */
struct alock_table_ctl {
	__u32 op;
	__u32 keys;
	__u32 placement;
	__u32 local_budget;
	__u32 remote_budget;
	__u32 lease_ms;
	__u32 broken;
	__u32 homed;
	__u64 counter_sum;
	__u32 resets;
	__u32 reclaims;
};

/**
 * enum alock_dlock_id - locks of ALOCK_IOC_DLOCK_RUN
 * @ALOCK_DLOCK_ALOCK:	ALock: local threads use CPU atomics, remote ones
 *			RDMA; Peterson between the cohorts
 * @ALOCK_DLOCK_SPIN_LB: RDMA spin lock: compare-and-swap through the NIC,
 *			local threads too (loopback; needs
 *			ALOCK_CLUSTER_LOOPBACK)
 * @ALOCK_DLOCK_MCS_LB:	RDMA MCS lock, every access through the NIC
 *			(loopback for local threads)
 * @ALOCK_DLOCK_RPC:	RPC lock: acquire and release are two-sided messages
 *			to a lock server thread on the home node (local
 *			threads through loopback); FIFO per key
 * @ALOCK_DLOCK_ALOCK_RW: ALock-RW (ABI 10): ALock for writers, readers
 *			counted beside it (local ones with CPU atomics, remote
 *			ones with RDMA fetch-and-add); shared or exclusive
 * @ALOCK_DLOCK_DSLR_LB: DSLR (ABI 10): reader-writer tickets by RDMA
 *			fetch-and-add, local threads too (loopback); shared or
 *			exclusive
 */
enum alock_dlock_id {
	ALOCK_DLOCK_ALOCK = 1,
	ALOCK_DLOCK_SPIN_LB = 2,
	ALOCK_DLOCK_MCS_LB = 3,
	ALOCK_DLOCK_RPC = 4,
	ALOCK_DLOCK_ALOCK_RW = 5,
	ALOCK_DLOCK_DSLR_LB = 6,
};

/* DLOCK_RUN: waiters spin between polls instead of yielding the CPU. */
#define ALOCK_DLOCK_SPIN	(1U << 0)
/*
 * DLOCK_RUN: only even, or only odd, keys (with @homes: the keys
 * a hostile-peer test leaves alone, or the ones it attacks).
 */
#define ALOCK_DLOCK_EVEN_KEYS	(1U << 1)
#define ALOCK_DLOCK_ODD_KEYS	(1U << 2)
/*
 * DLOCK_RUN (ABI 10, reader-writer locks; @read_pct must be 0): thread 0
 * of the node takes its keys exclusively and the others shared
 * (ONE_WRITER), or thread 0 shared and the others exclusively
 * (ONE_READER): the starvation tests.
 */
#define ALOCK_DLOCK_ONE_WRITER	(1U << 3)
#define ALOCK_DLOCK_ONE_READER	(1U << 4)

/**
 * struct alock_dlock_run - ALOCK_IOC_DLOCK_RUN: lock table workload
 * @lock:	enum alock_dlock_id
 * @threads:	kernel threads on this node, 1..ALOCK_RDMA_MAX_THREADS
 * @duration_ms: 1..ALOCK_STRESS_MAX_MS
 * @local_pct:	share of operations on keys homed here, 0..100
 * @keys_per_op: keys taken together (in ascending order), 1..8
 * @timeout_ms:	longest wait for one lock: 0 (10000) or up to
 *		ALOCK_CLUSTER_MAX_TIMEOUT_MS; a thread stops at its first
 *		failure
 * @flags:	ALOCK_DLOCK_SPIN, at most one of ALOCK_DLOCK_EVEN_KEYS and
 *		ALOCK_DLOCK_ODD_KEYS, at most one of ALOCK_DLOCK_ONE_WRITER and
 *		ALOCK_DLOCK_ONE_READER, or 0
 * @homes:	0 (every key), or a mask of the nodes (bit n: node n) whose
 *		keys the run takes; a run that leaves no key of
 *		the table gets -EINVAL
 * @seed:	random seed (0: fixed default)
 * @ops:	out: critical sections (each increments the protected
 *		counter of every key it holds)
 * @local_ops:	out: operations on local keys
 * @remote_ops:	out: operations on remote keys
 * @errors:	out: critical sections that found the owner word taken (a
 *		reader: a writer's tag in it)
 * @failures:	out: acquires or releases that failed
 * @first_error: out: negative errno of the first failure (-ETIMEDOUT,
 *		-EPIPE for a broken lock, -ENOTCONN for a lost home)
 * @read_pct:	share of operations that take their keys shared, 0..100
 *		(ABI 10; more than 0 needs a lock with a shared mode,
 *		ALOCK_DLOCK_ALOCK_RW or ALOCK_DLOCK_DSLR_LB)
 * @increments:	out: counter increments made (one per key per operation;
 *		equal keys of one operation count once)
 * @min_thread_ops: out: fewest operations of one thread
 * @max_thread_ops: out: most operations of one thread
 * @elapsed_ns:	out: wall time
 * @local_lat_median_ns, @local_lat_p99_ns, @remote_lat_median_ns,
 * @remote_lat_p99_ns: out: acquire latency by locality
 * @local_verbs: out: verbs (RDMA READ, WRITE, atomics, messages) that
 *		operations on local keys posted, acquire to release
 * @remote_verbs: out: the same for operations on remote keys
 * @reads, @writes, @atomics, @sends: out: all verbs, by kind
 * @peterson_polls: out: ALock: polls of the Peterson wait that did not
 *		let the cohort leader in
 * @cas_retries: out: compare-and-swaps that found another value
 * @handoffs:	out: acquires that got the lock from their predecessor
 * @leaders:	out: acquires that led their cohort (ALock: empty queue or
 *		budget spent; the spin lock: every acquire)
 * @fast_entries: out: ALock: remote leaders that entered without the
 *		victim WRITE (the local cohort was not interested)
 * @local_lat:	out: acquire latency of operations on local keys
 * @remote_lat:	out: acquire latency of operations on remote keys
 * @shared_ops:	out (ABI 10): operations that took their keys shared
 * @overlaps:	out: shared acquisitions that found another reader holding
 *		the key (the lock's own count: ALock-RW, readers of this
 *		node present; DSLR, earlier shared tickets not released)
 * @backouts:	out: ALock-RW: readers that found a writer phase and
 *		waited for its end
 * @phases:	out: ALock-RW: writer phases opened (a writer that did not
 *		inherit its predecessor's)
 * @rw_polls:	out: polls of a reader's or writer's wait that did not let
 *		it in (ALock-RW: phase end, readers; DSLR: tickets ahead)
 * @shared_lat_median_ns, @shared_lat_p99_ns: out: acquire latency of
 *		shared operations
 * @excl_lat_median_ns, @excl_lat_p99_ns: out: acquire latency of
 *		exclusive operations
 *
 * -EBUSY (ABI 10): another lock kind is in use on this node's table (a
 * run of another lock, or keys that files or the C API hold with ALock):
 * one kind at a time, their words differ.
 */
struct alock_dlock_run {
	__u32 lock;
	__u32 threads;
	__u32 duration_ms;
	__u32 local_pct;
	__u32 keys_per_op;
	__u32 timeout_ms;
	__u32 flags;
	__u32 homes;
	__u64 seed;
	__u64 ops;
	__u64 local_ops;
	__u64 remote_ops;
	__u64 errors;
	__u64 failures;
	__s32 first_error;
	__u32 read_pct;
	__u64 increments;
	__u64 min_thread_ops;
	__u64 max_thread_ops;
	__u64 elapsed_ns;
	__u64 local_lat_median_ns;
	__u64 local_lat_p99_ns;
	__u64 remote_lat_median_ns;
	__u64 remote_lat_p99_ns;
	__u64 local_verbs;
	__u64 remote_verbs;
	__u64 reads;
	__u64 writes;
	__u64 atomics;
	__u64 sends;
	__u64 peterson_polls;
	__u64 cas_retries;
	__u64 handoffs;
	__u64 leaders;
	__u64 fast_entries;
	struct alock_hist local_lat;
	struct alock_hist remote_lat;
	__u64 shared_ops;
	__u64 overlaps;
	__u64 backouts;
	__u64 phases;
	__u64 rw_polls;
	__u64 shared_lat_median_ns;
	__u64 shared_lat_p99_ns;
	__u64 excl_lat_median_ns;
	__u64 excl_lat_p99_ns;
};

/**
 * struct alock_dlock_key - ALOCK_IOC_DLOCK_LOCK, ALOCK_IOC_DLOCK_UNLOCK
 * @key:	key of the node's lock table
 * @flags:	UNLOCK: ALOCK_DLOCK_KEY_STORE or 0; LOCK (ABI 10): 0 (ALock,
 *		exclusive), ALOCK_DLOCK_KEY_RW (ALock-RW, exclusive) or
 *		ALOCK_DLOCK_KEY_SHARED (ALock-RW, shared), each with or
 *		without ALOCK_DLOCK_KEY_TRY (no wait: -EAGAIN if the key is
 *		busy)
 * @timeout_ms:	longest wait for a lock: 0 (10000) or up to
 *		ALOCK_CLUSTER_MAX_TIMEOUT_MS (-EINVAL above, on LOCK and
 *		UNLOCK); taken from the first LOCK of the file, which creates
 *		the file's handle
 * @reserved:	must be 0
 * @home:	out: the key's home node
 * @latency_ns:	out: time the call took
 * @value:	LOCK: out, the value the key's lock protects (16 bytes of the
 *		key's line, fetched with the lock); UNLOCK with
 *		ALOCK_DLOCK_KEY_STORE: in, the value to write back with the
 *		release
 * @torn:	out (LOCK): 1 if the value may be torn (the key was reset
 *		after a node died holding or queued for it, and nobody wrote
 *		the value back since), else 0
 * @reserved2:	must be 0
 * @reserved3:	must be 0
 *
 * A key locked through a file stays held until it is unlocked through the
 * same file or the file is closed; a file holds at most 8 keys, all with
 * ALock or all with ALock-RW (-EBUSY otherwise).  A shared holder's UNLOCK
 * with ALOCK_DLOCK_KEY_STORE is -EPERM (readers write nothing back; the
 * key is released all the same).  -ENOENT: no table (LOCK) or the key is not held (UNLOCK);
 * -EDEADLK: the file holds the key already; -EBUSY: another ioctl of the
 * same file is taking or releasing a key, 8 keys are held, or (ABI 10) an
 * ALOCK_IOC_DLOCK_RUN of another lock than ALock uses this node's table
 * (one lock kind at a time: the kinds use different words); -ETIMEDOUT
 * after @timeout_ms, -EINTR when a signal arrives (the wait is
 * interruptible): the key stays usable, the place the call held in the
 * key's queue is passed on by the module; -EPIPE when a peer the wait
 * depends on (the key's home, the waiter's predecessor) is lost, and
 * -ENOTCONN without a connection to the home: the key is then broken on
 * this node; -EIO when a word of the key's queue holds a value that is not
 * a descriptor of this table (written by something other than the lock
 * protocol: checked before use, never followed).
 */
struct alock_dlock_key {
	__u32 key;
	__u32 flags;
	__u32 timeout_ms;
	__u32 reserved;
	__u32 home;
	__u32 torn;
	__u64 latency_ns;
	__u64 value[2];
	__u32 reserved2;
	__u32 reserved3;
};

/* UNLOCK: write @value back with the release. */
#define ALOCK_DLOCK_KEY_STORE	(1U << 0)
/* LOCK (ABI 10): shared, with ALock-RW. */
#define ALOCK_DLOCK_KEY_SHARED	(1U << 1)
/* LOCK (ABI 10): exclusive, with ALock-RW (it excludes the key's readers). */
#define ALOCK_DLOCK_KEY_RW	(1U << 2)
/* LOCK (ABI 10): do not wait: -EAGAIN if the key is busy. */
#define ALOCK_DLOCK_KEY_TRY	(1U << 3)

/*
 * prwlock as the mmap_lock (ABI 5; the writer counters of struct
 * alock_mm_ctl ABI 6; needs the kernel patch of patches/0004, see
 * Documentation/prwlock-mm.rst).  ALOCK_IOC_MM acts on the calling
 * process's address space.
 */
#define ALOCK_MM_STATUS		0	/* report only */
#define ALOCK_MM_OPTIN		1	/* use a prwlock as the mmap_lock */
#define ALOCK_MM_HOLD		2	/* hold the mmap_lock a while (tests) */

/* struct alock_mm_ctl.flags for ALOCK_MM_HOLD: the write side */
#define ALOCK_MM_HOLD_WRITE	(1U << 0)
#define ALOCK_MM_MAX_HOLD_MS	60000

/**
 * struct alock_mm_ctl - ALOCK_IOC_MM
 * @op:		ALOCK_MM_STATUS, ALOCK_MM_OPTIN or ALOCK_MM_HOLD
 * @flags:	HOLD: 0 or ALOCK_MM_HOLD_WRITE; otherwise 0
 * @hold_ms:	HOLD: 1..ALOCK_MM_MAX_HOLD_MS; otherwise 0
 * @reserved:	must be 0
 * @opted_in:	out: 1 if the caller's mm uses a prwlock of the module
 * @nr_mms:	out: opted-in mms alive, all processes
 * @writes:	out: write acquisitions of the caller's prwlock so far (its
 *		writer version)
 * @active_unlocks: out: read unlocks of it that took the active path
 *		(the reader had blocked or been preempted)
 * @acquired_ns: out: HOLD: when the lock was taken (CLOCK_MONOTONIC)
 * @released_ns: out: HOLD: when it was released (CLOCK_MONOTONIC)
 * @ipis:	out: prwlock writers' IPIs so far, all prwlocks of the module
 *		(every mm and every other user; the counters below too): take
 *		the difference of two calls around a run
 * @idle_skips:	out: CPUs writers counted as reported because they were idle
 * @domain_skips: out: online CPUs writers did not look at because they were
 *		outside the lock's domain
 * @rounds:	out: consensus rounds of writers and write trylocks
 * @drain_ipis:	out: IPIs that converted passive readers which stayed past
 *		a writer's bounded drain spin (not in @ipis)
 *
 * OPTIN switches the caller's mm from the rwsem to a prwlock for good (it
 * may have threads; it is easiest before it creates them).  Children
 * forked afterwards get prwlocks of their own; exec starts a plain mm.
 * Each opted-in mm keeps the module loaded.  -EEXIST: opted in already;
 * -ENOMEM.
 * HOLD takes the read (or write) side of the caller's mmap_lock, whichever
 * lock that is, sleeps @hold_ms holding it, and releases it; -EINTR if a
 * signal ended the wait or the hold early (the lock is released).
 */
struct alock_mm_ctl {
	__u32 op;
	__u32 flags;
	__u32 hold_ms;
	__u32 reserved;
	__u32 opted_in;
	__u32 nr_mms;
	__u64 writes;
	__u64 active_unlocks;
	__u64 acquired_ns;
	__u64 released_ns;
	__u64 ipis;
	__u64 idle_skips;
	__u64 domain_skips;
	__u64 rounds;
	__u64 drain_ipis;
};

/*
 * Privilege.  The device node is 0600 root by default; where its mode is
 * relaxed, each command still checks the caller's capability (in the
 * initial user namespace) before it reads its argument, -EPERM without it:
 *
 *   CAP_SYS_ADMIN  SELFTEST, STRESS, MRLOCK, TXN, RWSTRESS, RWWAKE, RWCOST,
 *                  DLOCK_RUN, and TABLE's CREATE and DESTROY (runs that take
 *                  the machine's CPUs; the node's one lock table)
 *   CAP_NET_ADMIN  CLUSTER_JOIN, CLUSTER_LEAVE, RDMA_OP, RDMA_STRESS,
 *                  RDMA_BENCH, and CLUSTER_STATUS with ALOCK_STATUS_PROBE
 *                  (membership, and verbs to the peers)
 *   none           VERSION, ABI, CLUSTER_STATUS without a probe, TABLE's SUM,
 *                  DLOCK_LOCK and DLOCK_UNLOCK (the lock table's users: waits
 *                  bounded by timeout_ms and killable), MM (the caller's own
 *                  mm)
 *
 * The cluster membership belongs to the open file that joined it and the
 * lock table to the one that created it: while that file stays open,
 * CLUSTER_LEAVE and TABLE's DESTROY through another file are -EBUSY; once
 * it is closed, any caller with the capability may.  At most 8 stress,
 * benchmark and lock-table runs go at once, with at most 512 kernel threads
 * among them: a run beyond either is -EBUSY and starts nothing.
 */
#define ALOCK_IOC_VERSION	_IOR(ALOCK_IOC_MAGIC, 0x00, struct alock_version)
#define ALOCK_IOC_ABI		_IOWR(ALOCK_IOC_MAGIC, 0x01, struct alock_abi)
#define ALOCK_IOC_SELFTEST	_IOWR(ALOCK_IOC_MAGIC, 0x02, struct alock_selftest)
#define ALOCK_IOC_STRESS	_IOWR(ALOCK_IOC_MAGIC, 0x03, struct alock_stress)
#define ALOCK_IOC_MRLOCK	_IOWR(ALOCK_IOC_MAGIC, 0x04, struct alock_mrlock)
#define ALOCK_IOC_TXN		_IOWR(ALOCK_IOC_MAGIC, 0x05, struct alock_txn)
#define ALOCK_IOC_RWSTRESS	_IOWR(ALOCK_IOC_MAGIC, 0x06, struct alock_rwstress)
#define ALOCK_IOC_RWWAKE	_IOWR(ALOCK_IOC_MAGIC, 0x07, struct alock_rwwake)
#define ALOCK_IOC_RWCOST	_IOWR(ALOCK_IOC_MAGIC, 0x08, struct alock_rwcost)
#define ALOCK_IOC_CLUSTER_JOIN	_IOW(ALOCK_IOC_MAGIC, 0x09, struct alock_cluster_join)
#define ALOCK_IOC_CLUSTER_LEAVE	_IO(ALOCK_IOC_MAGIC, 0x0a)
#define ALOCK_IOC_CLUSTER_STATUS _IOWR(ALOCK_IOC_MAGIC, 0x0b, struct alock_cluster_status)
#define ALOCK_IOC_RDMA_OP	_IOWR(ALOCK_IOC_MAGIC, 0x0c, struct alock_rdma_op)
#define ALOCK_IOC_RDMA_STRESS	_IOWR(ALOCK_IOC_MAGIC, 0x0d, struct alock_rdma_stress)
#define ALOCK_IOC_RDMA_BENCH	_IOWR(ALOCK_IOC_MAGIC, 0x0e, struct alock_rdma_bench)
#define ALOCK_IOC_TABLE		_IOWR(ALOCK_IOC_MAGIC, 0x0f, struct alock_table_ctl)
#define ALOCK_IOC_DLOCK_RUN	_IOWR(ALOCK_IOC_MAGIC, 0x10, struct alock_dlock_run)
#define ALOCK_IOC_DLOCK_LOCK	_IOWR(ALOCK_IOC_MAGIC, 0x11, struct alock_dlock_key)
#define ALOCK_IOC_DLOCK_UNLOCK	_IOWR(ALOCK_IOC_MAGIC, 0x12, struct alock_dlock_key)
#define ALOCK_IOC_MM		_IOWR(ALOCK_IOC_MAGIC, 0x13, struct alock_mm_ctl)

#endif /* _UAPI_LINUX_ALOCK_H */
