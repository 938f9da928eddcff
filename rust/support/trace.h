/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The functions of trace.c, called from Rust (trace.rs declares them in
 * an extern "C" block with the same signatures).
 */
#ifndef _ALOCK_SUPPORT_TRACE_H
#define _ALOCK_SUPPORT_TRACE_H

#include <linux/types.h>

struct lockdep_map;

void alock_contention_begin(const void *lock, struct lockdep_map *map, unsigned int flags,
			    unsigned int kind);
void alock_contention_end(const void *lock, struct lockdep_map *map, int ret);
void alock_lockdep_acquire(struct lockdep_map *map, unsigned int subclass, int trylock,
			   unsigned long ip);
void alock_trace_prw_consensus(const void *lock, u64 version, u32 polled, u32 skipped,
			       u32 ipis, u64 ns);
void alock_trace_prw_wake(const void *lock, u32 cpus, bool parallel);
void alock_trace_enter(u32 key, bool remote, u32 how, u32 budget);
void alock_trace_peterson(u32 key, bool remote, u32 polls, u64 ns);
void alock_trace_rdma_verb(u32 node, u32 verb, u32 nr, int status, u64 ns);
void alock_trace_rdma_peer_state(u32 node, u32 old, u32 new, int err);
bool alock_trace_prw_consensus_enabled(void);
bool alock_trace_peterson_enabled(void);

#endif /* _ALOCK_SUPPORT_TRACE_H */
