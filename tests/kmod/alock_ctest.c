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
 * record, some of them sleeping inside the read side, and writers.
 * Any lost update or overlap makes the load fail with -EBADMSG, so
 * "insmod alock_ctest.ko" succeeding is the test; the module unloads
 * normally afterwards.
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

static unsigned int duration_ms = 300;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "run time of each lock's stress phase");

static unsigned int threads_per_cpu = 2;
module_param(threads_per_cpu, uint, 0444);
MODULE_PARM_DESC(threads_per_cpu, "stress threads per online CPU");

enum ctest_kind { CT_TICKET, CT_MCS, CT_ABQL, CT_MRLOCK, CT_PRWLOCK, CT_NR };

static const char *const kind_name[CT_NR] = {
	"ticket", "mcs", "abql", "mrlock", "prwlock",
};

struct ctest {
	enum ctest_kind kind;
	struct alock_ticket ticket;
	struct alock_mcs mcs;
	struct alock_abql abql;
	struct alock_mrlock mr;
	struct prwlock prw;
	unsigned long deadline;
	atomic_t running;
	struct completion done;
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

/* prwlock: thread 0 of each CPU writes, the others read (some sleep). */
static void ctest_prw(struct ctest *t, unsigned long me, long ops, bool writer)
{
	unsigned long v;
	int i;

	if (writer) {
		prwlock_write_lock(&t->prw);
		if (READ_ONCE(t->owner[0]))
			atomic_long_inc(&t->errors);
		WRITE_ONCE(t->owner[0], me);
		v = READ_ONCE(t->res_count[0]) + 1;
		for (i = 0; i < 8; i++)
			WRITE_ONCE(t->res_count[i], v);
		WRITE_ONCE(t->counter, READ_ONCE(t->counter) + 1);
		WRITE_ONCE(t->owner[0], 0);
		prwlock_write_unlock(&t->prw);
		return;
	}
	prwlock_read_lock(&t->prw);
	if (READ_ONCE(t->owner[0]))
		atomic_long_inc(&t->errors);
	v = READ_ONCE(t->res_count[0]);
	if (!(ops % 64))
		usleep_range(10, 20);	/* sleep inside the read side */
	for (i = 0; i < 8; i++)
		if (READ_ONCE(t->res_count[i]) != v)
			atomic_long_inc(&t->errors);
	prwlock_read_unlock(&t->prw);
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
	if (atomic_dec_and_test(&t->running))
		complete(&t->done);
	return 0;
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

	prwlock_read_lock(&t->prw);
	bad |= prwlock_write_trylock(&t->prw);
	if (prwlock_read_trylock(&t->prw))	/* lockdep: trylock, no wait */
		prwlock_read_unlock(&t->prw);
	else
		bad = 1;
	prwlock_read_unlock(&t->prw);
	prwlock_write_lock(&t->prw);
	bad |= prwlock_read_trylock(&t->prw);
	prwlock_downgrade_write(&t->prw);
	bad |= prwlock_write_trylock(&t->prw);
	prwlock_read_unlock(&t->prw);
	if (prwlock_write_trylock(&t->prw))
		prwlock_write_unlock(&t->prw);
	else
		bad = 1;
	return bad ? -EBADMSG : 0;
}

static int ctest_run(struct ctest *t, enum ctest_kind kind)
{
	unsigned int cpu, i, n = 0;
	long want, got;
	int r;

	t->kind = kind;
	t->counter = 0;
	memset(t->res_count, 0, sizeof(t->res_count));
	for (r = 0; r < 64; r++)
		atomic_long_set(&t->res_ops[r], 0);
	atomic_long_set(&t->ops, 0);
	atomic_long_set(&t->errors, 0);
	init_completion(&t->done);
	atomic_set(&t->running, 1);
	t->deadline = jiffies + msecs_to_jiffies(duration_ms);
	for_each_online_cpu(cpu) {
		for (i = 0; i < threads_per_cpu; i++) {
			struct task_struct *k;

			atomic_inc(&t->running);
			k = kthread_run_on_cpu(ctest_thread, t, cpu, "alock_ctest/%u");
			if (IS_ERR(k)) {
				atomic_dec(&t->running);
				continue;
			}
			n++;
		}
	}
	if (!atomic_dec_and_test(&t->running))
		wait_for_completion(&t->done);
	if (!n)
		return -ENOMEM;

	if (kind == CT_PRWLOCK) {
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

static int __init alock_ctest_init(void)
{
	struct ctest *t;
	int kind, ret;

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
		pr_info("alock_ctest: all C API tests passed\n");
out_prw:
	prwlock_destroy(&t->prw);
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
