// SPDX-License-Identifier: GPL-2.0
/*
 * alock's lock statistics and its debugfs directory, /sys/kernel/debug/alock/:
 *
 *   enabled	"0" or "1" (root may write either): whether fast paths count
 *		acquisitions (the static key alock_stats_key)
 *   locks	one row per lock kind: acquisitions, contended acquisitions
 *		and the kind's slow-path counters
 *   ...	files the upper layers add with alock_debugfs_add() (rdma,
 *		table, prwlocks)
 *   fault_hello  fault injection for the tests (root only, 0 by default):
 *		1 makes this node's Hellos advertise a window that ends
 *		past 2^64, 2 one longer than any window may be; the other
 *		members must refuse such a node (Documentation/rdma.rst)
 *   fault_nolink fault injection for the tests (root only, 0 by default):
 *		1 makes this node's next remote ALock enqueues skip the
 *		WRITE that links them behind their predecessor, as a node
 *		that dies between its tail CAS and that WRITE would
 *		(Documentation/alock.rst, recovery)
 *
 * Every table file has the same form, which alockctl stats reads: '#'
 * lines are comments, every other line is "<name> <field>=<value> ...",
 * a value being a decimal number, a word, or for a field ending in _hist
 * ALOCK_HIST_BUCKETS comma-separated counts of a log2 histogram in ns
 * (struct alock_hist of include/uapi/linux/alock.h).
 *
 * The counters are per CPU and summed when read, so a read races with
 * increments on other CPUs: a sum is a snapshot that may miss the
 * increments in flight, never a torn value (each u64 is read with one
 * load; data_race() tells KCSAN that the race is intended).
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "stats.h"

DEFINE_PER_CPU(struct alock_stat_cpu, alock_stat_cpu);
DEFINE_STATIC_KEY_FALSE(alock_stats_key);

/*
 * Read by Rust's fast paths (stats.rs), which cannot use a static key: a
 * read-mostly byte, written only here, next to the key.
 */
u8 alock_stats_enabled __read_mostly;

static const char *const kind_names[ALOCK_STAT_NR_KINDS] = {
	[ALOCK_STAT_PRW_READ] = "prwlock_read",
	[ALOCK_STAT_PRW_WRITE] = "prwlock_write",
	[ALOCK_STAT_TICKET] = "ticket",
	[ALOCK_STAT_MCS] = "mcs",
	[ALOCK_STAT_ABQL] = "abql",
	[ALOCK_STAT_BRLOCK] = "brlock",
	[ALOCK_STAT_MRLOCK] = "mrlock",
	[ALOCK_STAT_LOCKMGR] = "lockmgr",
	[ALOCK_STAT_ALOCK_LOCAL] = "alock_local",
	[ALOCK_STAT_ALOCK_REMOTE] = "alock_remote",
	[ALOCK_STAT_DL_SPIN] = "dl_spin",
	[ALOCK_STAT_DL_MCS] = "dl_mcs",
	[ALOCK_STAT_DL_RPC] = "dl_rpc",
	[ALOCK_STAT_ALOCK_RW_READ] = "alock_rw_read",
	[ALOCK_STAT_ALOCK_RW_WRITE] = "alock_rw_write",
	[ALOCK_STAT_DL_DSLR] = "dl_dslr",
};

static const char *const ctr_names[ALOCK_STAT_NR_CTRS] = {
	[ALOCK_STAT_ACQUISITIONS] = "acquisitions",
	[ALOCK_STAT_CONTENDED] = "contended",
	[ALOCK_STAT_SLEEPS] = "sleeps",
	[ALOCK_STAT_CONVERSIONS] = "conversions",
	[ALOCK_STAT_ROUNDS] = "rounds",
	[ALOCK_STAT_IPIS] = "ipis",
	[ALOCK_STAT_IDLE_SKIPS] = "idle_skips",
	[ALOCK_STAT_DOMAIN_SKIPS] = "domain_skips",
	[ALOCK_STAT_DRAIN_IPIS] = "drain_ipis",
	[ALOCK_STAT_WAKEUPS] = "wakeups",
	[ALOCK_STAT_HANDOFFS] = "handoffs",
	[ALOCK_STAT_LEADERS] = "leaders",
	[ALOCK_STAT_PETERSON_WAITS] = "peterson_waits",
	[ALOCK_STAT_FAST_ENTRIES] = "fast_entries",
};

#define C(x) BIT(ALOCK_STAT_##x)
#define BASE (C(ACQUISITIONS) | C(CONTENDED))
/* The counters each kind keeps (and its row shows). */
static const u32 kind_ctrs[ALOCK_STAT_NR_KINDS] = {
	[ALOCK_STAT_PRW_READ] = BASE | C(SLEEPS) | C(CONVERSIONS),
	[ALOCK_STAT_PRW_WRITE] = BASE | C(ROUNDS) | C(IPIS) | C(IDLE_SKIPS) |
				 C(DOMAIN_SKIPS) | C(DRAIN_IPIS) | C(WAKEUPS),
	[ALOCK_STAT_TICKET] = BASE,
	[ALOCK_STAT_MCS] = BASE,
	[ALOCK_STAT_ABQL] = BASE,
	[ALOCK_STAT_BRLOCK] = BASE,
	[ALOCK_STAT_MRLOCK] = BASE,
	[ALOCK_STAT_LOCKMGR] = BASE,
	[ALOCK_STAT_ALOCK_LOCAL] = BASE | C(HANDOFFS) | C(LEADERS) | C(PETERSON_WAITS),
	[ALOCK_STAT_ALOCK_REMOTE] = BASE | C(HANDOFFS) | C(LEADERS) |
				    C(PETERSON_WAITS) | C(FAST_ENTRIES),
	[ALOCK_STAT_DL_SPIN] = BASE,
	[ALOCK_STAT_DL_MCS] = BASE | C(HANDOFFS) | C(LEADERS),
	[ALOCK_STAT_DL_RPC] = BASE,
	[ALOCK_STAT_ALOCK_RW_READ] = BASE,
	[ALOCK_STAT_ALOCK_RW_WRITE] = BASE | C(HANDOFFS) | C(LEADERS) | C(PETERSON_WAITS),
	[ALOCK_STAT_DL_DSLR] = BASE,
};

#undef BASE
#undef C

void alock_stat_add(unsigned int kind, unsigned int ctr, u64 n)
{
	if (WARN_ON_ONCE(kind >= ALOCK_STAT_NR_KINDS || ctr >= ALOCK_STAT_NR_CTRS))
		return;
	this_cpu_add(alock_stat_cpu.c[kind][ctr], n);
}

u64 alock_stat_sum(unsigned int kind, unsigned int ctr)
{
	u64 sum = 0;
	int cpu;

	if (WARN_ON_ONCE(kind >= ALOCK_STAT_NR_KINDS || ctr >= ALOCK_STAT_NR_CTRS))
		return 0;
	for_each_possible_cpu(cpu)
		/* Racing with that CPU's increments: a snapshot (see the top). */
		sum += data_race(per_cpu(alock_stat_cpu, cpu).c[kind][ctr]);
	return sum;
}

/* For hist.rs: local_clock() is an inline the Rust bindings lack. */
u64 alock_local_clock(void)
{
	return local_clock();
}

const char *alock_stat_kind_name(unsigned int kind)
{
	return kind < ALOCK_STAT_NR_KINDS ? kind_names[kind] : NULL;
}

const char *alock_stat_ctr_name(unsigned int ctr)
{
	return ctr < ALOCK_STAT_NR_CTRS ? ctr_names[ctr] : NULL;
}

static int locks_show(struct seq_file *m, void *v)
{
	unsigned int k, c;

	seq_puts(m, "# alock lock kinds: acquisitions count only while enabled is 1, the rest always\n");
	for (k = 0; k < ALOCK_STAT_NR_KINDS; k++) {
		seq_puts(m, kind_names[k]);
		for (c = 0; c < ALOCK_STAT_NR_CTRS; c++)
			if (kind_ctrs[k] & BIT(c))
				seq_printf(m, " %s=%llu", ctr_names[c], alock_stat_sum(k, c));
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(locks);

static DEFINE_MUTEX(enabled_mutex);

static ssize_t enabled_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	char s[2] = { static_key_enabled(&alock_stats_key) ? '1' : '0', '\n' };

	return simple_read_from_buffer(buf, len, ppos, s, sizeof(s));
}

static ssize_t enabled_write(struct file *file, const char __user *buf, size_t len,
			     loff_t *ppos)
{
	bool on;
	int ret;

	ret = kstrtobool_from_user(buf, len, &on);
	if (ret)
		return ret;
	mutex_lock(&enabled_mutex);
	if (on)
		static_branch_enable(&alock_stats_key);
	else
		static_branch_disable(&alock_stats_key);
	WRITE_ONCE(alock_stats_enabled, on);
	mutex_unlock(&enabled_mutex);
	return len;
}

static const struct file_operations enabled_fops = {
	.owner = THIS_MODULE,
	.read = enabled_read,
	.write = enabled_write,
	.llseek = default_llseek,
};

static struct dentry *alock_dir;

/* Files of the upper layers: a show function each, without data. */
#define ALOCK_DEBUGFS_MAX 8
static struct alock_dbg_file {
	int (*show)(struct seq_file *m, void *v);
} dbg_files[ALOCK_DEBUGFS_MAX];
static unsigned int nr_dbg_files;

static int dbg_open(struct inode *inode, struct file *file)
{
	struct alock_dbg_file *f = inode->i_private;

	return single_open(file, f->show, NULL);
}

static const struct file_operations dbg_fops = {
	.owner = THIS_MODULE,
	.open = dbg_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

int alock_debugfs_add(const char *name, int (*show)(struct seq_file *m, void *v))
{
	struct alock_dbg_file *f;

	if (!alock_dir)
		return 0;
	if (WARN_ON_ONCE(nr_dbg_files >= ALOCK_DEBUGFS_MAX))
		return -ENOSPC;
	f = &dbg_files[nr_dbg_files++];
	f->show = show;
	debugfs_create_file(name, 0444, alock_dir, f, &dbg_fops);
	return 0;
}

/*
 * Without debugfs (or with it disabled at boot) the module works without
 * its files: debugfs_create_dir() then returns an error pointer, and the
 * statistics are still counted for the harness.
 */
u32 alock_fault_hello;
u32 alock_fault_nolink;

int alock_debugfs_init(void)
{
	struct dentry *d = debugfs_create_dir("alock", NULL);

	if (IS_ERR_OR_NULL(d))
		return 0;
	alock_dir = d;
	debugfs_create_file("enabled", 0644, d, NULL, &enabled_fops);
	debugfs_create_file("locks", 0444, d, NULL, &locks_fops);
	debugfs_create_u32("fault_hello", 0600, d, &alock_fault_hello);
	debugfs_create_u32("fault_nolink", 0600, d, &alock_fault_nolink);
	return 0;
}

void alock_debugfs_exit(void)
{
	debugfs_remove_recursive(alock_dir);
	alock_dir = NULL;
	nr_dbg_files = 0;
	WRITE_ONCE(alock_fault_hello, 0);
	WRITE_ONCE(alock_fault_nolink, 0);
	static_branch_disable(&alock_stats_key);
	WRITE_ONCE(alock_stats_enabled, 0);
}
