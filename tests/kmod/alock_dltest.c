// SPDX-License-Identifier: GPL-2.0
/*
 * alock_dltest: a C kernel module that uses the distributed lock table
 * of alock.ko through <linux/alock.h> only.
 *
 * With expect_table=0 it checks that a handle is refused (-ENOENT) while
 * the node has no table.  Otherwise it checks the API's errors (a bad
 * key, a key held twice, an unheld key), multi-key acquire, then runs
 * @threads kernel threads that each take @rounds keys one at a time and
 * increment a counter of the key with a plain read-modify-write under the
 * lock: the counters must add up to threads * rounds.  Other nodes may
 * be using the same keys meanwhile.  A failed check fails the load
 * (-EBADMSG), so a successful insmod is the test.
 */
#include <linux/alock.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>

static unsigned int expect_table = 1;
module_param(expect_table, uint, 0444);
MODULE_PARM_DESC(expect_table, "0: check that there is no table");

static unsigned int threads = 2;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "kernel threads");

static unsigned int rounds = 20;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "locks each thread takes");

#define DL_MAX_KEYS 2048
#define DL_MAX_THREADS 16

static u64 *counters;
static atomic_t failures = ATOMIC_INIT(0);
static atomic_t running;
static DECLARE_COMPLETION(done);

static void fail(const char *what, int err)
{
	pr_err("alock_dltest: %s: %d\n", what, err);
	atomic_inc(&failures);
}

static int worker(void *arg)
{
	unsigned long id = (unsigned long)arg;
	struct alock_dl *h = alock_dl_get(30000);
	unsigned int r;
	u32 keys, k;
	int ret;

	if (IS_ERR(h)) {
		fail("alock_dl_get in a thread", PTR_ERR(h));
		goto out;
	}
	keys = alock_dl_keys(h);
	for (r = 0; r < rounds; r++) {
		k = (id * 7 + r * 3) % keys;
		ret = alock_dl_lock(h, k);
		if (ret) {
			fail("alock_dl_lock", ret);
			break;
		}
		/* A plain read-modify-write: only the lock makes it safe. */
		counters[k] = READ_ONCE(counters[k]) + 1;
		ret = alock_dl_unlock(h, k);
		if (ret) {
			fail("alock_dl_unlock", ret);
			break;
		}
	}
	alock_dl_put(h);
out:
	if (atomic_dec_and_test(&running))
		complete(&done);
	while (!kthread_should_stop())
		msleep(20);
	return 0;
}

/*
 * ALock-RW through the C API (issue 21), on a key homed here (the other
 * nodes' checks use their own): two handles hold it shared at once, a
 * writer's try gets -EAGAIN, a handle that holds a key with ALock-RW
 * cannot take one with plain ALock (-EBUSY).  The interface only: the
 * other nodes' threads may take the key with plain ALock meanwhile, which
 * does not see readers (exclusion is the runs' to check, one kind at a
 * time).
 */
static void check_rw(struct alock_dl *h, u32 keys)
{
	struct alock_dl *h2 = alock_dl_get(30000), *h3 = alock_dl_get(30000);
	u32 k;
	int ret;

	if (IS_ERR(h2) || IS_ERR(h3)) {
		fail("alock_dl_get for the reader-writer checks", -ENOMEM);
		goto out;
	}
	for (k = 0; k < keys && alock_dl_home(h, k) != alock_dl_node(h); k++)
		;
	if (k == keys)
		goto out;
	ret = alock_dl_lock_flags(h, k, ALOCK_DL_SHARED, NULL, NULL);
	if (ret)
		fail("shared lock", ret);
	ret = alock_dl_lock_flags(h2, k, ALOCK_DL_SHARED | ALOCK_DL_TRY, NULL, NULL);
	if (ret)
		fail("a second shared holder (try)", ret);
	ret = alock_dl_lock_flags(h3, k, ALOCK_DL_RW | ALOCK_DL_TRY, NULL, NULL);
	if (ret != -EAGAIN)
		fail("a writer's try while readers hold the key is not -EAGAIN", ret);
	ret = alock_dl_lock(h, (k + 1) % keys);
	if (ret != -EBUSY)
		fail("plain ALock in a handle that uses ALock-RW is not -EBUSY", ret);
	if (alock_dl_unlock(h, k) || alock_dl_unlock(h2, k))
		fail("shared unlock", 0);
	/* Other nodes' threads may hold it with ALock meanwhile: wait. */
	ret = alock_dl_lock_flags(h3, k, ALOCK_DL_RW, NULL, NULL);
	if (ret)
		fail("a writer once the readers left", ret);
	else if (alock_dl_unlock(h3, k))
		fail("writer's unlock", 0);
out:
	if (!IS_ERR(h2))
		alock_dl_put(h2);
	if (!IS_ERR(h3))
		alock_dl_put(h3);
}

static int check_api(void)
{
	struct alock_dl *h = alock_dl_get(30000);
	u32 many[3] = { 5, 3, 5 };
	u64 v[2] = { 0, 0 }, v0 = 0;
	bool torn = false;
	u32 keys;
	int ret;

	if (IS_ERR(h)) {
		fail("alock_dl_get", PTR_ERR(h));
		return -EBADMSG;
	}
	keys = alock_dl_keys(h);
	if (alock_dl_lock(h, keys) != -EINVAL)
		fail("lock of key == keys is not -EINVAL", 0);
	ret = alock_dl_lock(h, 1);
	if (ret)
		fail("lock of key 1", ret);
	if (alock_dl_lock(h, 1) != -EDEADLK)
		fail("second lock of key 1 is not -EDEADLK", 0);
	if (alock_dl_unlock(h, 2) != -ENOENT)
		fail("unlock of an unheld key is not -ENOENT", 0);
	ret = alock_dl_unlock(h, 1);
	if (ret)
		fail("unlock of key 1", ret);
	ret = alock_dl_lock_many(h, many, 3);
	if (ret || many[0] != 3 || many[1] != 5)
		fail("lock_many of {5, 3, 5} (sorted to 3, 5, 5)", ret);
	if (alock_dl_unlock(h, 3) || alock_dl_unlock(h, 5))
		fail("unlock of the keys taken together", 0);
	ret = alock_dl_lock_many(h, many, 3);
	if (!ret && alock_dl_unlock_all(h))
		fail("unlock_all", 0);
	/* Lock-and-fetch, write-back-and-release: the value goes up by one. */
	ret = alock_dl_lock_fetch(h, 7, v, &torn);
	if (!ret) {
		v0 = v[1];
		v[1]++;
		ret = alock_dl_unlock_store(h, 7, v);
	}
	if (!ret)
		ret = alock_dl_lock_fetch(h, 7, v, NULL);
	if (ret || v[1] < v0 + 1 || torn)
		fail("lock_fetch / unlock_store of key 7 (value counted up, not torn)", ret);
	if (!ret)
		alock_dl_unlock(h, 7);
	pr_info("alock_dltest: node %u, %u keys, key 5 homed on node %u\n",
		alock_dl_node(h), keys, alock_dl_home(h, 5));
	check_rw(h, keys);
	alock_dl_put(h);
	return atomic_read(&failures) ? -EBADMSG : 0;
}

static int __init alock_dltest_init(void)
{
	struct task_struct *t[DL_MAX_THREADS];
	struct alock_dl *h;
	unsigned int i, n;
	u64 sum = 0;
	int ret;

	if (!expect_table) {
		h = alock_dl_get(0);
		if (!IS_ERR(h)) {
			alock_dl_put(h);
			pr_err("alock_dltest: a handle without a table\n");
			return -EBADMSG;
		}
		if (PTR_ERR(h) != -ENOENT) {
			pr_err("alock_dltest: no table: %ld, not -ENOENT\n", PTR_ERR(h));
			return -EBADMSG;
		}
		pr_info("alock_dltest: no table: -ENOENT\n");
		return 0;
	}
	if (!threads || threads > DL_MAX_THREADS)
		return -EINVAL;
	ret = check_api();
	if (ret)
		return ret;
	counters = kcalloc(DL_MAX_KEYS, sizeof(*counters), GFP_KERNEL);
	if (!counters)
		return -ENOMEM;
	atomic_set(&running, threads);
	for (n = 0; n < threads; n++) {
		t[n] = kthread_run(worker, (void *)(unsigned long)n, "alock_dltest/%u", n);
		if (IS_ERR(t[n])) {
			fail("kthread_run", PTR_ERR(t[n]));
			if (atomic_sub_and_test(threads - n, &running))
				complete(&done);
			break;
		}
	}
	wait_for_completion(&done);
	for (i = 0; i < n; i++)
		kthread_stop(t[i]);
	for (i = 0; i < DL_MAX_KEYS; i++)
		sum += counters[i];
	kfree(counters);
	if (sum != (u64)n * rounds)
		fail("counters do not add up", (int)sum);
	pr_info("alock_dltest: %u threads, %u locks each, counters %llu/%llu, %d failures\n",
		n, rounds, sum, (u64)n * rounds, atomic_read(&failures));
	return atomic_read(&failures) ? -EBADMSG : 0;
}

static void __exit alock_dltest_exit(void)
{
}

module_init(alock_dltest_init);
module_exit(alock_dltest_exit);
MODULE_DESCRIPTION("alock: C API test of the distributed lock table");
MODULE_LICENSE("GPL");
