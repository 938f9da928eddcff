// SPDX-License-Identifier: GPL-2.0
/*
 * alock_ctest: a C kernel module that uses alock.ko's locks through
 * <linux/alock.h> only, as another kernel subsystem would.
 *
 * At load it checks try-lock semantics on each lock, then runs kernel
 * threads on every online CPU that increment a counter protected by each
 * lock with a plain (non-atomic) read-modify-write, and finally
 * h-out-of-k requests over 64 resources with per-resource owner words,
 * and a prwlock (<linux/prwlock.h>) with readers that check a multi-word
 * record, some of them sleeping inside the read side, and writers: once
 * with a lock from prwlock_init(), once with a DEFINE_STATIC_PRWLOCK()
 * lock, whose first users are readers, then a write trylock (the first
 * writer, which sets up its wait queues).  The prwlock API test takes
 * three locks of one class through the _nested() calls (read, killable,
 * trylock; write, killable, trylock), downgrades a nested write hold
 * (lockdep must see it keep its subclass: a splat fails the run) and
 * checks prwlock_is_locked() and lockdep_assert_held*() on each.
 * It also nests 40 MCS locks on each CPU at once (more than the 16
 * per-CPU nodes: the spare-node fallback) and takes a lock of each kind
 * through its _nested() variant.
 * Any lost update or overlap makes the load fail with -EBADMSG, so
 * "insmod alock_ctest.ko" succeeding is the test; the module unloads
 * normally afterwards.
 *
 * With misuse=1 it runs only the misuse tests instead: unlocks by a task
 * that does not hold the lock, double unlocks, stale and empty
 * multi-resource holds, destroying held locks (a prwlock too), a failed
 * init, a lock taken from an interrupt.  Each must be refused (the lock
 * keeps working and keeps its holder) and counted by alock_misuse_count();
 * the WARNs they cause are printed between ALOCK-EXPECTED-WARN-BEGIN and
 * -END lines, which scripts/check-splats.sh accepts when they come from
 * alock_misuse.
 */
#include <linux/alock.h>
#include <linux/prwlock.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/smp.h>

static unsigned int duration_ms = 300;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "run time of each lock's stress phase");

static unsigned int threads_per_cpu = 2;
module_param(threads_per_cpu, uint, 0444);
MODULE_PARM_DESC(threads_per_cpu, "stress threads per online CPU");

static bool misuse;
module_param(misuse, bool, 0444);
MODULE_PARM_DESC(misuse, "only the misuse tests (each WARNs once, between markers)");

enum ctest_kind { CT_TICKET, CT_MCS, CT_ABQL, CT_MRLOCK, CT_PRWLOCK, CT_PRWLOCK_STATIC, CT_NR };

static const char *const kind_name[CT_NR] = {
	"ticket", "mcs", "abql", "mrlock", "prwlock", "prwlock-static",
};

/* A global prwlock: no init that could fail, destroyed before unloading. */
DEFINE_STATIC_PRWLOCK(ctest_static_prw);

/* Kernel threads on every online CPU, waited for together. */
struct ctest_group {
	atomic_t running;
	struct completion done;
};

/* The last thing a thread of a group does. */
static void ctest_group_exit(struct ctest_group *g)
{
	if (atomic_dec_and_test(&g->running))
		complete(&g->done);
}

/*
 * Runs @per_cpu threads of @fn(@arg) (named @name, "%u" for the CPU) on
 * each online CPU and waits until all have called ctest_group_exit().
 * Returns how many ran.
 */
static unsigned int ctest_group_run(struct ctest_group *g, int (*fn)(void *), void *arg,
				    unsigned int per_cpu, const char *name)
{
	unsigned int cpu, i, n = 0;

	init_completion(&g->done);
	atomic_set(&g->running, 1);
	for_each_online_cpu(cpu) {
		for (i = 0; i < per_cpu; i++) {
			struct task_struct *k;

			atomic_inc(&g->running);
			k = kthread_run_on_cpu(fn, arg, cpu, name);
			if (IS_ERR(k)) {
				atomic_dec(&g->running);
				continue;
			}
			n++;
		}
	}
	if (!atomic_dec_and_test(&g->running))
		wait_for_completion(&g->done);
	return n;
}

struct ctest {
	enum ctest_kind kind;
	struct alock_ticket ticket;
	struct alock_mcs mcs;
	struct alock_abql abql;
	struct alock_mrlock mr;
	struct prwlock prw;
	unsigned long deadline;
	struct ctest_group group;
	/* Protected data: plain accesses only. */
	unsigned long counter;
	unsigned long owner[64];
	unsigned long res_count[64];
	/* Results. */
	atomic_long_t ops;
	atomic_long_t res_ops[64];
	atomic_long_t errors;
};

static void ctest_critical(struct ctest *t, unsigned long me)
{
	unsigned long c;

	if (READ_ONCE(t->owner[0]))
		atomic_long_inc(&t->errors);
	WRITE_ONCE(t->owner[0], me);
	c = READ_ONCE(t->counter);
	cpu_relax();
	WRITE_ONCE(t->counter, c + 1);
	if (READ_ONCE(t->owner[0]) != me)
		atomic_long_inc(&t->errors);
	WRITE_ONCE(t->owner[0], 0);
}

static void ctest_mr_critical(struct ctest *t, unsigned long me, u64 res)
{
	unsigned long r;

	for_each_set_bit(r, (unsigned long *)&res, 64) {
		if (READ_ONCE(t->owner[r]))
			atomic_long_inc(&t->errors);
		WRITE_ONCE(t->owner[r], me);
		WRITE_ONCE(t->res_count[r], READ_ONCE(t->res_count[r]) + 1);
	}
	cpu_relax();
	for_each_set_bit(r, (unsigned long *)&res, 64) {
		if (READ_ONCE(t->owner[r]) != me)
			atomic_long_inc(&t->errors);
		WRITE_ONCE(t->owner[r], 0);
		atomic_long_inc(&t->res_ops[r]);
	}
}

/* The prwlock of a CT_PRWLOCK or CT_PRWLOCK_STATIC run. */
static struct prwlock *ctest_prw_lock(struct ctest *t)
{
	return t->kind == CT_PRWLOCK_STATIC ? &ctest_static_prw : &t->prw;
}

/* prwlock: threads of odd pid write, the others read (some sleep). */
static void ctest_prw(struct ctest *t, unsigned long me, long ops, bool writer)
{
	struct prwlock *l = ctest_prw_lock(t);
	unsigned long v;
	int i;

	if (writer) {
		prwlock_write_lock(l);
		if (READ_ONCE(t->owner[0]))
			atomic_long_inc(&t->errors);
		WRITE_ONCE(t->owner[0], me);
		v = READ_ONCE(t->res_count[0]) + 1;
		for (i = 0; i < 8; i++)
			WRITE_ONCE(t->res_count[i], v);
		WRITE_ONCE(t->counter, READ_ONCE(t->counter) + 1);
		WRITE_ONCE(t->owner[0], 0);
		prwlock_write_unlock(l);
		return;
	}
	prwlock_read_lock(l);
	if (READ_ONCE(t->owner[0]))
		atomic_long_inc(&t->errors);
	v = READ_ONCE(t->res_count[0]);
	if (!(ops % 64))
		usleep_range(10, 20);	/* sleep inside the read side */
	for (i = 0; i < 8; i++)
		if (READ_ONCE(t->res_count[i]) != v)
			atomic_long_inc(&t->errors);
	prwlock_read_unlock(l);
}

static int ctest_thread(void *arg)
{
	struct ctest *t = arg;
	unsigned long me = (unsigned long)current;
	struct alock_mr_hold hold;
	long ops = 0;
	u64 res;

	do {
		switch (t->kind) {
		case CT_TICKET:
			alock_ticket_lock(&t->ticket);
			ctest_critical(t, me);
			alock_ticket_unlock(&t->ticket);
			break;
		case CT_MCS:
			alock_mcs_lock(&t->mcs);
			ctest_critical(t, me);
			alock_mcs_unlock(&t->mcs);
			break;
		case CT_ABQL:
			alock_abql_lock(&t->abql);
			ctest_critical(t, me);
			alock_abql_unlock(&t->abql);
			break;
		case CT_PRWLOCK:
		case CT_PRWLOCK_STATIC:
			ctest_prw(t, me, ops, current->pid & 1);
			break;
		default:
			res = get_random_u64() & get_random_u64();
			if (!res)
				res = 1;
			if (alock_mrlock_lock(&t->mr, res, &hold)) {
				atomic_long_inc(&t->errors);
				break;
			}
			ctest_mr_critical(t, me, res);
			alock_mrlock_unlock(&t->mr, &hold);
			break;
		}
		ops++;
		if (!(ops & 63))
			cond_resched();
	} while (time_before(jiffies, t->deadline));
	atomic_long_add(ops, &t->ops);
	ctest_group_exit(&t->group);
	return 0;
}

/* A held prwlock refuses the write trylock; a downgrade keeps writers out. */
static int ctest_prw_try(struct prwlock *l)
{
	int bad = 0;

	prwlock_read_lock(l);
	bad |= prwlock_write_trylock(l);
	if (prwlock_read_trylock(l))	/* lockdep: trylock, no wait */
		prwlock_read_unlock(l);
	else
		bad = 1;
	prwlock_read_unlock(l);
	prwlock_write_lock(l);
	bad |= prwlock_read_trylock(l);
	prwlock_downgrade_write(l);
	bad |= prwlock_write_trylock(l);
	prwlock_read_unlock(l);
	if (prwlock_write_trylock(l))
		prwlock_write_unlock(l);
	else
		bad = 1;
	return bad;
}

static int ctest_try_semantics(struct ctest *t)
{
	int bad = 0;

	/* A held lock refuses try-lock; a free one grants it. */
	alock_ticket_lock(&t->ticket);
	bad |= alock_ticket_trylock(&t->ticket);
	alock_ticket_unlock(&t->ticket);
	if (alock_ticket_trylock(&t->ticket))
		alock_ticket_unlock(&t->ticket);
	else
		bad = 1;

	alock_mcs_lock(&t->mcs);
	bad |= alock_mcs_trylock(&t->mcs);
	alock_mcs_unlock(&t->mcs);
	if (alock_mcs_trylock(&t->mcs))
		alock_mcs_unlock(&t->mcs);
	else
		bad = 1;

	alock_abql_lock(&t->abql);
	bad |= alock_abql_trylock(&t->abql);
	alock_abql_unlock(&t->abql);
	if (alock_abql_trylock(&t->abql))
		alock_abql_unlock(&t->abql);
	else
		bad = 1;

	if (alock_abql_capacity(&t->abql) < num_possible_cpus())
		bad = 1;

	bad |= ctest_prw_try(&t->prw);
	/* The static lock's first users: readers, then a write trylock. */
	bad |= ctest_prw_try(&ctest_static_prw);
	return bad ? -EBADMSG : 0;
}

static int ctest_run(struct ctest *t, enum ctest_kind kind)
{
	unsigned int n;
	long want, got;
	int r;

	t->kind = kind;
	t->counter = 0;
	memset(t->res_count, 0, sizeof(t->res_count));
	for (r = 0; r < 64; r++)
		atomic_long_set(&t->res_ops[r], 0);
	atomic_long_set(&t->ops, 0);
	atomic_long_set(&t->errors, 0);
	t->deadline = jiffies + msecs_to_jiffies(duration_ms);
	n = ctest_group_run(&t->group, ctest_thread, t, threads_per_cpu, "alock_ctest/%u");
	if (!n)
		return -ENOMEM;

	if (kind == CT_PRWLOCK || kind == CT_PRWLOCK_STATIC) {
		/* Every write bumped the counter and the record together. */
		want = t->counter;
		got = t->res_count[7];
	} else if (kind == CT_MRLOCK) {
		want = 0;
		got = 0;
		for (r = 0; r < 64; r++) {
			want += atomic_long_read(&t->res_ops[r]);
			got += t->res_count[r];
		}
	} else {
		want = atomic_long_read(&t->ops);
		got = t->counter;
	}
	pr_info("alock_ctest: %s: %u threads, %ld ops, counter %ld/%ld, %ld errors\n",
		kind_name[kind], n, atomic_long_read(&t->ops), got, want,
		atomic_long_read(&t->errors));
	if (got != want || atomic_long_read(&t->errors) || !atomic_long_read(&t->ops))
		return -EBADMSG;
	return 0;
}

/* 40 MCS locks of 40 classes, nested on every CPU at once. */
#define NEST 40
static struct lock_class_key nest_keys[NEST];

struct nest_test {
	struct alock_mcs l[NEST];
	unsigned long count[NEST];	/* plain: protected by l[i] */
	unsigned long deadline;
	atomic_long_t ops;
	struct ctest_group group;
};

static int nest_thread(void *arg)
{
	struct nest_test *n = arg;
	long ops = 0;
	int i;

	while (time_before(jiffies, n->deadline)) {
		for (i = 0; i < NEST; i++)
			alock_mcs_lock(&n->l[i]);
		for (i = 0; i < NEST; i++)
			n->count[i]++;
		for (i = NEST - 1; i >= 0; i--)
			alock_mcs_unlock(&n->l[i]);
		ops++;
		cond_resched();
	}
	atomic_long_add(ops, &n->ops);
	ctest_group_exit(&n->group);
	return 0;
}

static int ctest_nest(void)
{
	struct nest_test *n;
	unsigned int threads;
	int i, ret = 0;

	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	for (i = 0; i < NEST; i++) {
		ret = __alock_mcs_init(&n->l[i], "nest", &nest_keys[i]);
		if (ret)
			goto out;
	}
	n->deadline = jiffies + msecs_to_jiffies(duration_ms);
	threads = ctest_group_run(&n->group, nest_thread, n, 1, "alock_ctest_nest/%u");
	for (i = 0; i < NEST; i++)
		if (n->count[i] != atomic_long_read(&n->ops))
			ret = -EBADMSG;
	pr_info("alock_ctest: mcs nested x%d: %u threads, %ld ops, %s\n", NEST, threads,
		atomic_long_read(&n->ops), ret ? "LOST UPDATES" : "counts exact");
	if (!threads || !atomic_long_read(&n->ops))
		ret = -EBADMSG;
out:
	for (i = 0; i < NEST; i++)
		alock_mcs_destroy(&n->l[i]);
	kfree(n);
	return ret;
}

/* Each kind through its _nested() variant: two locks of one class. */
static int ctest_nested_api(void)
{
	struct alock_ticket t[2];
	struct alock_mcs m[2];
	struct alock_abql a[2];
	struct alock_mrlock r[2];
	struct alock_mr_hold h[2];
	int i, ret = 0;

	for (i = 0; i < 2; i++) {
		/* One init site per kind: one class for both of a pair. */
		if (alock_ticket_init(&t[i]) || alock_mcs_init(&m[i]) ||
		    alock_abql_init(&a[i], 0) ||
		    alock_mrlock_init(&r[i], ALOCK_MR_SCHEME_ADAPTIVE, 0))
			ret = -ENOMEM;
	}
	if (!ret) {
		alock_ticket_lock(&t[0]);
		alock_ticket_lock_nested(&t[1], 1);
		alock_mcs_lock(&m[0]);
		alock_mcs_lock_nested(&m[1], 1);
		alock_abql_lock(&a[0]);
		alock_abql_lock_nested(&a[1], 1);
		if (alock_mrlock_lock(&r[0], 1, &h[0]) ||
		    alock_mrlock_lock_nested(&r[1], 1, &h[1], 1)) {
			ret = -EBADMSG;
		} else {
			alock_mrlock_unlock(&r[1], &h[1]);
			alock_mrlock_unlock(&r[0], &h[0]);
			/* Released holds are emptied. */
			if (h[0].resources || h[1].resources)
				ret = -EBADMSG;
		}
		alock_abql_unlock(&a[1]);
		alock_abql_unlock(&a[0]);
		alock_mcs_unlock(&m[1]);
		alock_mcs_unlock(&m[0]);
		alock_ticket_unlock(&t[1]);
		alock_ticket_unlock(&t[0]);
	}
	for (i = 0; i < 2; i++) {
		alock_ticket_destroy(&t[i]);
		alock_mcs_destroy(&m[i]);
		alock_abql_destroy(&a[i]);
		alock_mrlock_destroy(&r[i]);
	}
	return ret;
}

/*
 * The prwlock calls a kernel subsystem expects of an rwsem: three locks of
 * one class nested with the _nested() calls, a nested write hold
 * downgraded (lockdep must keep its subclass: as subclass 0 it would be a
 * recursive read of p[0]'s class, a splat), prwlock_is_locked() and the
 * lockdep assertions.
 */
static int ctest_prw_api(void)
{
	struct prwlock *p;
	int i, n, bad = 0, ret = 0;

	p = kcalloc(3, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	for (n = 0; n < 3; n++) {
		/* One init site: one lockdep class for the three. */
		ret = prwlock_init(&p[n]);
		if (ret)
			goto out;
	}
	bad |= prwlock_is_locked(&p[0]);
	prwlock_read_lock(&p[0]);
	bad |= !prwlock_is_locked(&p[0]);
	lockdep_assert_held_read(&p[0]);
	prwlock_read_lock_nested(&p[1], 1);
	lockdep_assert_held_read(&p[1]);
	if (prwlock_read_lock_killable_nested(&p[2], 2)) {
		bad = 1;
	} else {
		lockdep_assert_held_read(&p[2]);
		prwlock_read_unlock(&p[2]);
	}
	if (prwlock_read_trylock_nested(&p[2], 2))
		prwlock_read_unlock(&p[2]);
	else
		bad = 1;
	prwlock_read_unlock(&p[1]);
	prwlock_read_unlock(&p[0]);
	for (i = 0; i < 3; i++)
		bad |= prwlock_is_locked(&p[i]);

	prwlock_write_lock(&p[0]);
	bad |= !prwlock_is_locked(&p[0]);
	lockdep_assert_held_write(&p[0]);
	prwlock_write_lock_nested(&p[1], 1);
	lockdep_assert_held_write(&p[1]);
	prwlock_downgrade_write(&p[1]);
	lockdep_assert_held_read(&p[1]);
	bad |= !prwlock_is_locked(&p[1]);
	bad |= prwlock_write_trylock(&p[1]);	/* read-held: refused */
	if (prwlock_write_trylock_nested(&p[2], 2)) {
		lockdep_assert_held_write(&p[2]);
		prwlock_write_unlock(&p[2]);
	} else {
		bad = 1;
	}
	if (prwlock_write_lock_killable_nested(&p[2], 2)) {
		bad = 1;
	} else {
		prwlock_downgrade_write(&p[2]);
		lockdep_assert_held_read(&p[2]);
		prwlock_read_unlock(&p[2]);
	}
	prwlock_read_unlock(&p[1]);
	prwlock_write_unlock(&p[0]);
	for (i = 0; i < 3; i++)
		bad |= prwlock_is_locked(&p[i]);
out:
	while (n--)
		prwlock_destroy(&p[n]);
	kfree(p);
	if (bad)
		pr_err("alock_ctest: prwlock API: wrong result\n");
	return ret ? ret : bad ? -EBADMSG : 0;
}

/* misuse=1: a lock held by another task, which spins until released. */
struct holder {
	struct alock_ticket *ticket;
	struct alock_mcs *mcs;
	atomic_t state;		/* 0 start, 1 holding, 2 release, 3 done */
};

static int holder_thread(void *arg)
{
	struct holder *h = arg;

	if (h->ticket)
		alock_ticket_lock(h->ticket);
	else
		alock_mcs_lock(h->mcs);
	atomic_set(&h->state, 1);
	while (atomic_read(&h->state) != 2)
		cpu_relax();
	if (h->ticket)
		alock_ticket_unlock(h->ticket);
	else
		alock_mcs_unlock(h->mcs);
	atomic_set(&h->state, 3);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* Another task holds @ticket or @mcs: our unlock must be refused. */
static int misuse_foreign_unlock(struct alock_ticket *ticket, struct alock_mcs *mcs)
{
	struct holder h = { .ticket = ticket, .mcs = mcs };
	struct task_struct *k;
	unsigned int cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	int bad = 0, i;

	if (cpu >= nr_cpu_ids)
		return 0;	/* one CPU: the holder could not spin beside us */
	atomic_set(&h.state, 0);
	k = kthread_run_on_cpu(holder_thread, &h, cpu, "alock_ctest_hold/%u");
	if (IS_ERR(k))
		return PTR_ERR(k);
	for (i = 0; i < 10000 && atomic_read(&h.state) != 1; i++)
		usleep_range(100, 200);
	if (atomic_read(&h.state) != 1) {
		bad = 1;
	} else if (ticket) {
		alock_ticket_unlock(ticket);	/* refused: not ours */
		bad |= alock_ticket_trylock(ticket);	/* still held */
	} else {
		alock_mcs_unlock(mcs);
		bad |= alock_mcs_trylock(mcs);
	}
	atomic_set(&h.state, 2);
	for (i = 0; i < 10000 && atomic_read(&h.state) != 3; i++)
		usleep_range(100, 200);
	bad |= atomic_read(&h.state) != 3;
	kthread_stop(k);
	return bad;
}

static void irq_trylock(void *arg)
{
	struct alock_ticket *t = arg;

	/* Reported from the IPI (hardirq context), not refused. */
	if (alock_ticket_trylock(t))
		alock_ticket_unlock(t);
}

static int ctest_misuse(void)
{
	struct alock_ticket t;
	struct alock_mcs m;
	struct alock_abql a;
	struct alock_mrlock r;
	struct alock_mr_hold h1, h2, h3, empty = { 0, 0 };
	unsigned int before = alock_misuse_count(), want = 0, cpu;
	int bad = 0;

	if (alock_ticket_init(&t) || alock_mcs_init(&m) || alock_abql_init(&a, 0) ||
	    alock_mrlock_init(&r, ALOCK_MR_SCHEME_QUEUE, 4))
		return -ENOMEM;
	pr_warn("ALOCK-EXPECTED-WARN-BEGIN alock_ctest misuse\n");

	/* Unlock of a free lock, and a double unlock. */
	alock_ticket_unlock(&t);
	want++;
	alock_mcs_lock(&m);
	alock_mcs_unlock(&m);
	alock_mcs_unlock(&m);
	want++;
	alock_abql_lock(&a);
	alock_abql_unlock(&a);
	alock_abql_unlock(&a);
	want++;
	/* Unlock by a task that does not hold the lock (2 CPUs or more). */
	if (num_online_cpus() > 1) {
		bad |= misuse_foreign_unlock(&t, NULL);
		bad |= misuse_foreign_unlock(NULL, &m);
		want += 2;
	}
	/* Destroy of a held lock is refused; the lock stays usable. */
	alock_ticket_lock(&t);
	alock_ticket_destroy(&t);
	want++;
	bad |= !t.impl;
	alock_ticket_unlock(&t);
	bad |= !alock_ticket_trylock(&t);
	alock_ticket_unlock(&t);

	/* Multi-resource holds: double, stale, empty. */
	if (alock_mrlock_lock(&r, 0x3, &h1))
		bad = 1;
	h2 = h1;			/* a stale copy */
	alock_mrlock_unlock(&r, &h1);
	bad |= h1.resources != 0;
	alock_mrlock_unlock(&r, &h1);	/* double: refused */
	want++;
	if (alock_mrlock_lock(&r, 0x1, &h3))	/* a later request */
		bad = 1;
	alock_mrlock_unlock(&r, &h2);	/* stale: refused */
	want++;
	alock_mrlock_unlock(&r, &empty);
	want++;
	alock_mrlock_destroy(&r);	/* held by h3: refused */
	want++;
	bad |= !r.impl;
	/*
	 * Still held by h3: a conflicting request would wait, so try none;
	 * release it and the lock is free and usable again.
	 */
	alock_mrlock_unlock(&r, &h3);
	if (alock_mrlock_lock(&r, 0x3, &h1))
		bad = 1;
	else
		alock_mrlock_unlock(&r, &h1);

	/* A held prwlock is not destroyed; it stays usable, then goes. */
	prwlock_read_lock(&ctest_static_prw);
	prwlock_destroy(&ctest_static_prw);
	want++;
	bad |= !prwlock_is_locked(&ctest_static_prw);
	prwlock_read_unlock(&ctest_static_prw);
	if (prwlock_write_trylock(&ctest_static_prw))
		prwlock_write_unlock(&ctest_static_prw);
	else
		bad = 1;
	prwlock_destroy(&ctest_static_prw);

	/* From an interrupt: reported (kernels with lockdep), not refused. */
	cpu = cpumask_any_but(cpu_online_mask, get_cpu());
	put_cpu();
	if (IS_ENABLED(CONFIG_LOCKDEP) && cpu < nr_cpu_ids) {
		smp_call_function_single(cpu, irq_trylock, &t, 1);
		want++;
	}

	pr_warn("ALOCK-EXPECTED-WARN-END alock_ctest misuse\n");
	pr_info("alock_ctest: misuse: %u refused and reported, %u expected\n",
		alock_misuse_count() - before, want);
	bad |= alock_misuse_count() - before != want;

	/* A failed init leaves an empty handle that destroy accepts. */
	alock_abql_destroy(&a);
	memset(&a, 0x5a, sizeof(a));
	bad |= __alock_abql_init(&a, 1U << 17, "too_big", &nest_keys[0]) != -EINVAL;
	bad |= !!a.impl;
	alock_abql_destroy(&a);

	alock_ticket_destroy(&t);
	alock_mcs_destroy(&m);
	alock_mrlock_destroy(&r);
	bad |= t.impl || m.impl || r.impl;
	if (!bad)
		pr_info("alock_ctest: misuse refused, locks intact\n");
	return bad ? -EBADMSG : 0;
}

static int __init alock_ctest_init(void)
{
	struct ctest *t;
	int kind, ret;

	if (misuse)
		return ctest_misuse();

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	ret = alock_ticket_init(&t->ticket);
	if (ret)
		goto out;
	ret = alock_mcs_init(&t->mcs);
	if (ret)
		goto out_ticket;
	ret = alock_abql_init(&t->abql, 0);
	if (ret)
		goto out_mcs;
	ret = alock_mrlock_init(&t->mr, ALOCK_MR_SCHEME_QUEUE, 0);
	if (ret)
		goto out_abql;
	ret = prwlock_init(&t->prw);
	if (ret)
		goto out_mr;

	/* Bad parameters are refused. */
	{
		struct alock_mrlock bad;

		if (alock_mrlock_init(&bad, ALOCK_MR_SCHEME_QUEUE, 3) != -EINVAL ||
		    alock_mrlock_init(&bad, 7, 0) != -EINVAL) {
			pr_err("alock_ctest: bad init parameters accepted\n");
			ret = -EBADMSG;
			goto out_prw;
		}
	}

	ret = ctest_try_semantics(t);
	if (ret) {
		pr_err("alock_ctest: try-lock semantics wrong\n");
		goto out_prw;
	}
	for (kind = 0; kind < CT_NR && !ret; kind++)
		ret = ctest_run(t, kind);
	if (!ret)
		ret = ctest_nest();
	if (!ret)
		ret = ctest_nested_api();
	if (!ret)
		ret = ctest_prw_api();
	if (!ret)
		pr_info("alock_ctest: all C API tests passed\n");
out_prw:
	prwlock_destroy(&t->prw);
	/* Nothing to free; waits for the last writer's wake-up IPIs. */
	prwlock_destroy(&ctest_static_prw);
out_mr:
	alock_mrlock_destroy(&t->mr);
out_abql:
	alock_abql_destroy(&t->abql);
out_mcs:
	alock_mcs_destroy(&t->mcs);
out_ticket:
	alock_ticket_destroy(&t->ticket);
out:
	kfree(t);
	return ret;
}

static void __exit alock_ctest_exit(void)
{
}

module_init(alock_ctest_init);
module_exit(alock_ctest_exit);
MODULE_DESCRIPTION("C API test of alock.ko's locks");
MODULE_LICENSE("GPL");
