/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alock's lock statistics: per-CPU counters per lock kind, shown in
 * /sys/kernel/debug/alock/locks (stats.c; the Rust side is stats.rs, whose
 * Kind and Counter enums mirror the two enums below and are checked
 * against them at module init).
 *
 * Fast paths count an acquisition only while the static key
 * alock_stats_key is on (/sys/kernel/debug/alock/enabled): off, the
 * check is a NOP and nothing is written.  Slow paths (contention, a
 * writer's consensus, hand-offs) always count, on this CPU's counters:
 * no shared cache line is written either way.
 */
#ifndef _ALOCK_SUPPORT_STATS_H
#define _ALOCK_SUPPORT_STATS_H

#include <linux/jump_label.h>
#include <linux/percpu.h>
#include <linux/types.h>

struct seq_file;

enum alock_stat_kind {
	ALOCK_STAT_PRW_READ,
	ALOCK_STAT_PRW_WRITE,
	ALOCK_STAT_TICKET,
	ALOCK_STAT_MCS,
	ALOCK_STAT_ABQL,
	ALOCK_STAT_BRLOCK,
	ALOCK_STAT_MRLOCK,
	ALOCK_STAT_LOCKMGR,
	ALOCK_STAT_ALOCK_LOCAL,
	ALOCK_STAT_ALOCK_REMOTE,
	ALOCK_STAT_DL_SPIN,
	ALOCK_STAT_DL_MCS,
	ALOCK_STAT_DL_RPC,
	ALOCK_STAT_ALOCK_RW_READ,
	ALOCK_STAT_ALOCK_RW_WRITE,
	ALOCK_STAT_DL_DSLR,
	ALOCK_STAT_NR_KINDS
};

enum alock_stat_ctr {
	ALOCK_STAT_ACQUISITIONS,	/* only while the static key is on */
	ALOCK_STAT_CONTENDED,		/* acquisitions that waited */
	ALOCK_STAT_SLEEPS,		/* prwlock readers that slept behind a writer */
	ALOCK_STAT_CONVERSIONS,		/* prwlock passive holds made active */
	ALOCK_STAT_ROUNDS,		/* prwlock consensus rounds */
	ALOCK_STAT_IPIS,		/* prwlock report IPIs */
	ALOCK_STAT_IDLE_SKIPS,		/* prwlock CPUs skipped as idle */
	ALOCK_STAT_DOMAIN_SKIPS,	/* prwlock CPUs outside the domain */
	ALOCK_STAT_DRAIN_IPIS,		/* prwlock conversion IPIs */
	ALOCK_STAT_WAKEUPS,		/* prwlock writers that woke sleepers */
	ALOCK_STAT_HANDOFFS,		/* got the lock from a predecessor */
	ALOCK_STAT_LEADERS,		/* led a cohort */
	ALOCK_STAT_PETERSON_WAITS,	/* ALock leaders that waited in Peterson */
	ALOCK_STAT_FAST_ENTRIES,	/* ALock remote leaders without the victim WRITE */
	ALOCK_STAT_NR_CTRS
};

struct alock_stat_cpu {
	u64 c[ALOCK_STAT_NR_KINDS][ALOCK_STAT_NR_CTRS];
};

DECLARE_PER_CPU(struct alock_stat_cpu, alock_stat_cpu);
DECLARE_STATIC_KEY_FALSE(alock_stats_key);

/* An acquisition on a fast path: a NOP unless statistics are enabled. */
static __always_inline void alock_stat_acquired(enum alock_stat_kind k)
{
	if (static_branch_unlikely(&alock_stats_key))
		this_cpu_inc(alock_stat_cpu.c[k][ALOCK_STAT_ACQUISITIONS]);
}

/* stats.c, also called from Rust (stats.rs). */
void alock_stat_add(unsigned int kind, unsigned int ctr, u64 n);
u64 alock_stat_sum(unsigned int kind, unsigned int ctr);
u64 alock_local_clock(void);
const char *alock_stat_kind_name(unsigned int kind);
const char *alock_stat_ctr_name(unsigned int ctr);
int alock_debugfs_init(void);
void alock_debugfs_exit(void);
int alock_debugfs_add(const char *name, int (*show)(struct seq_file *m, void *v));
/* debugfs fault_hello (stats.c's comment); read with READ_ONCE(). */
extern u32 alock_fault_hello;

#endif /* _ALOCK_SUPPORT_STATS_H */
