/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alock's own tracepoints (events/alock/ in tracefs), where the kernel's
 * lock:contention_begin/end say too little: a prwlock writer's consensus,
 * the conversion of passive readers, the parallel wake-up; how an ALock
 * acquisition entered (cohort hand-off, new leader, fast entry) and its
 * Peterson wait; RDMA peer state changes and verb errors.  Fired through
 * the wrappers of trace.c, which Rust calls (trace.rs).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM alock

#if !defined(_ALOCK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ALOCK_TRACE_H

#include <linux/tracepoint.h>

/* A writer's version consensus, from its announce to the last report. */
TRACE_EVENT(prwlock_consensus,
	TP_PROTO(const void *lock, u64 version, u32 polled, u32 skipped, u32 ipis, u64 ns),
	TP_ARGS(lock, version, polled, skipped, ipis, ns),
	TP_STRUCT__entry(
		__field(const void *, lock)
		__field(u64, version)
		__field(u32, polled)
		__field(u32, skipped)
		__field(u32, ipis)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->lock = lock;
		__entry->version = version;
		__entry->polled = polled;
		__entry->skipped = skipped;
		__entry->ipis = ipis;
		__entry->ns = ns;
	),
	TP_printk("lock=%p version=%llu polled=%u skipped=%u ipis=%u ns=%llu",
		  __entry->lock, __entry->version, __entry->polled, __entry->skipped,
		  __entry->ipis, __entry->ns)
);

/*
 * A writer's conversion IPI made @holds passive read holds of the task it
 * interrupted active (the scheduler's conversions at a context switch
 * happen inside the kernel, patch 0002, and are not traced here).
 */
TRACE_EVENT(prwlock_convert,
	TP_PROTO(const void *lock, u32 holds),
	TP_ARGS(lock, holds),
	TP_STRUCT__entry(
		__field(const void *, lock)
		__field(u32, holds)
	),
	TP_fast_assign(
		__entry->lock = lock;
		__entry->holds = holds;
	),
	TP_printk("lock=%p holds=%u", __entry->lock, __entry->holds)
);

/* A writer's release woke the readers that slept on @cpus CPUs. */
TRACE_EVENT(prwlock_wake,
	TP_PROTO(const void *lock, u32 cpus, bool parallel),
	TP_ARGS(lock, cpus, parallel),
	TP_STRUCT__entry(
		__field(const void *, lock)
		__field(u32, cpus)
		__field(bool, parallel)
	),
	TP_fast_assign(
		__entry->lock = lock;
		__entry->cpus = cpus;
		__entry->parallel = parallel;
	),
	TP_printk("lock=%p cpus=%u %s", __entry->lock, __entry->cpus,
		  __entry->parallel ? "parallel" : "sequential")
);

/*
 * An ALock acquisition of lock table key @key entered: how = 0 hand-off
 * from the cohort's previous holder, 1 new leader through Peterson, 2 new
 * remote leader without the victim WRITE (fast entry).
 */
TRACE_EVENT(alock_enter,
	TP_PROTO(u32 key, bool remote, u32 how, u32 budget),
	TP_ARGS(key, remote, how, budget),
	TP_STRUCT__entry(
		__field(u32, key)
		__field(bool, remote)
		__field(u32, how)
		__field(u32, budget)
	),
	TP_fast_assign(
		__entry->key = key;
		__entry->remote = remote;
		__entry->how = how;
		__entry->budget = budget;
	),
	TP_printk("key=%u cohort=%s %s budget=%u", __entry->key,
		  __entry->remote ? "remote" : "local",
		  __print_symbolic(__entry->how, { 0, "handoff" }, { 1, "leader" },
				   { 2, "fast" }),
		  __entry->budget)
);

/* A cohort leader's Peterson wait for the other cohort. */
TRACE_EVENT(alock_peterson,
	TP_PROTO(u32 key, bool remote, u32 polls, u64 ns),
	TP_ARGS(key, remote, polls, ns),
	TP_STRUCT__entry(
		__field(u32, key)
		__field(bool, remote)
		__field(u32, polls)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->key = key;
		__entry->remote = remote;
		__entry->polls = polls;
		__entry->ns = ns;
	),
	TP_printk("key=%u cohort=%s polls=%u ns=%llu", __entry->key,
		  __entry->remote ? "remote" : "local", __entry->polls, __entry->ns)
);

/* One signalled verb (or chain of @nr verbs) to node @node completed. */
TRACE_EVENT(alock_rdma_verb,
	TP_PROTO(u32 node, u32 verb, u32 nr, int status, u64 ns),
	TP_ARGS(node, verb, nr, status, ns),
	TP_STRUCT__entry(
		__field(u32, node)
		__field(u32, verb)
		__field(u32, nr)
		__field(int, status)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->node = node;
		__entry->verb = verb;
		__entry->nr = nr;
		__entry->status = status;
		__entry->ns = ns;
	),
	TP_printk("node=%u verb=%s nr=%u status=%d ns=%llu", __entry->node,
		  __print_symbolic(__entry->verb, { 0, "read" }, { 1, "write" },
				   { 2, "cas" }, { 3, "faa" }, { 4, "send" },
				   { 5, "chain" }),
		  __entry->nr, __entry->status, __entry->ns)
);

/*
 * An RDMA peer connection changed state: the S_* values of
 * rust/rdma/peer/mod.rs (new, established, registering, handshake, up;
 * retry, failed, closed).
 */
TRACE_EVENT(alock_rdma_peer_state,
	TP_PROTO(u32 node, u32 old, u32 new, int err),
	TP_ARGS(node, old, new, err),
	TP_STRUCT__entry(
		__field(u32, node)
		__field(u32, old)
		__field(u32, new)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->node = node;
		__entry->old = old;
		__entry->new = new;
		__entry->err = err;
	),
	TP_printk("node=%u %s -> %s err=%d", __entry->node,
		  __print_symbolic(__entry->old, { 0, "new" }, { 1, "established" },
				   { 2, "registering" }, { 3, "handshake" }, { 4, "up" },
				   { 5, "retry" }, { 6, "failed" }, { 7, "closed" }),
		  __print_symbolic(__entry->new, { 0, "new" }, { 1, "established" },
				   { 2, "registering" }, { 3, "handshake" }, { 4, "up" },
				   { 5, "retry" }, { 6, "failed" }, { 7, "closed" }),
		  __entry->err)
);

#endif /* _ALOCK_TRACE_H */

/* Out of the kernel tree: define_trace.h finds this file through -I. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE alock_trace
#include <trace/define_trace.h>
