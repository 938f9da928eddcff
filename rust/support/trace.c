// SPDX-License-Identifier: GPL-2.0
/*
 * Tracepoints and lockstat for alock's locks, callable from Rust
 * (trace.rs): the kernel's lock:contention_begin/end (what perf lock
 * contention and ftrace read for rwsem and mutex), lockdep's
 * lock_contended()/lock_acquired() (/proc/lock_stat with CONFIG_LOCK_STAT),
 * and alock's own events (alock_trace.h).
 *
 * Every function here is called on a slow path only (a wait, a consensus,
 * a verb): a call and a static branch that is a NOP while the event is
 * off.  The fast paths (prwlock's read side in fast.c, the uncontended
 * queue-lock acquisitions) call nothing here.
 */

#include <linux/lockdep.h>
#include <trace/events/lock.h>

#include "stats.h"
#include "trace.h"

#define CREATE_TRACE_POINTS
#include "alock_trace.h"

/*
 * A wait for @lock begins.  @map: the lock's lockdep map, or NULL for a
 * lock lockdep does not follow; if not NULL the caller's lock_acquire()
 * annotation came before (lock_contended() looks the hold up).
 */
void alock_contention_begin(const void *lock, struct lockdep_map *map, unsigned int flags,
			    unsigned int kind)
{
	if (map)
		lock_contended(map, _RET_IP_);
	trace_contention_begin((void *)lock, flags);
	alock_stat_add(kind, ALOCK_STAT_CONTENDED, 1);
}

/*
 * lockdep's lock_acquire() of an exclusive lock with a subclass (the
 * kernel crate's helper has none): what spin_lock_nested() passes.
 */
void alock_lockdep_acquire(struct lockdep_map *map, unsigned int subclass, int trylock,
			   unsigned long ip)
{
	lock_acquire_exclusive(map, subclass, trylock, NULL, ip);
}

/* The wait for @lock ended: acquired (@ret 0) or given up (-errno). */
void alock_contention_end(const void *lock, struct lockdep_map *map, int ret)
{
	trace_contention_end((void *)lock, ret);
	if (map && !ret)
		lock_acquired(map, _RET_IP_);
}

void alock_trace_prw_consensus(const void *lock, u64 version, u32 polled, u32 skipped,
			       u32 ipis, u64 ns)
{
	trace_prwlock_consensus(lock, version, polled, skipped, ipis, ns);
}

void alock_trace_prw_wake(const void *lock, u32 cpus, bool parallel)
{
	trace_prwlock_wake(lock, cpus, parallel);
}

void alock_trace_enter(u32 key, bool remote, u32 how, u32 budget)
{
	trace_alock_enter(key, remote, how, budget);
}

void alock_trace_peterson(u32 key, bool remote, u32 polls, u64 ns)
{
	trace_alock_peterson(key, remote, polls, ns);
}

void alock_trace_rdma_verb(u32 node, u32 verb, u32 nr, int status, u64 ns)
{
	trace_alock_rdma_verb(node, verb, nr, status, ns);
}

void alock_trace_rdma_peer_state(u32 node, u32 old, u32 new, int err)
{
	trace_alock_rdma_peer_state(node, old, new, err);
}

/* Whether an event is on: lets Rust skip timing it when nobody listens. */
bool alock_trace_prw_consensus_enabled(void)
{
	return trace_prwlock_consensus_enabled();
}

bool alock_trace_peterson_enabled(void)
{
	return trace_alock_peterson_enabled();
}
