// SPDX-License-Identifier: GPL-2.0
/*
 * alock RDMA shim: the kernel's RDMA API (ib_core verbs, rdma_cm) as plain
 * functions for rust/rdma/.
 *
 * The Rust crate's bindings know nothing of the RDMA headers, and most of what
 * a kernel verbs consumer calls is a static inline or a macro
 * (ib_post_send, ib_poll_cq, ib_alloc_pd, rdma_create_id, the ib_dma_*
 * mapping helpers).  Each function here does one verb with no policy; the
 * objects (PD, CQ, MR, QP, cm_id, DMA buffers) are owned and freed by the
 * Rust types in rust/rdma/verbs.rs and cm.rs.  Nothing here is specific
 * to one driver: rdma_rxe and hardware NICs take the same paths.
 */
#include <linux/in.h>
#include <linux/sched.h>
#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/net_namespace.h>
#include <rdma/ib_cm.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include "rdma_shim.h"

/* ---- device discovery (ib_client) -------------------------------------- */

static int alock_rdma_client_add(struct ib_device *dev)
{
	return alock_rdma_dev_added(dev);
}

static void alock_rdma_client_remove(struct ib_device *dev, void *data)
{
	alock_rdma_dev_removed(dev);
}

static struct ib_client alock_rdma_client = {
	.name = "alock",
	.add = alock_rdma_client_add,
	.remove = alock_rdma_client_remove,
};

int alock_rdma_client_register(void)
{
	return ib_register_client(&alock_rdma_client);
}

void alock_rdma_client_unregister(void)
{
	ib_unregister_client(&alock_rdma_client);
}

void alock_rdma_dev_info(struct ib_device *dev, struct alock_rdma_dev_info *info)
{
	memset(info, 0, sizeof(*info));
	strscpy(info->name, dev_name(&dev->dev), sizeof(info->name));
	info->atomic_cap = dev->attrs.atomic_cap;
	info->max_qp_rd_atom = dev->attrs.max_qp_rd_atom;
	info->max_qp_init_rd_atom = dev->attrs.max_qp_init_rd_atom;
	info->max_mr_size = dev->attrs.max_mr_size;
	info->max_fast_reg_page_list_len = dev->attrs.max_fast_reg_page_list_len;
	info->phys_port_cnt = rdma_end_port(dev) - rdma_start_port(dev) + 1;
	info->node_guid = be64_to_cpu(dev->node_guid);
}

/* ---- completions -------------------------------------------------------- */

static void alock_rdma_comp_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct alock_rdma_comp *op = container_of(wc->wr_cqe, struct alock_rdma_comp, cqe);

	op->status = wc->status;
	op->byte_len = wc->byte_len;
	/* Pairs with the acquire load of the poller (rust/rdma/verbs.rs). */
	smp_store_release(&op->done, 1);
}

const unsigned long alock_rdma_comp_layout[] = {
	sizeof(struct alock_rdma_comp),
	offsetof(struct alock_rdma_comp, status),
	offsetof(struct alock_rdma_comp, done),
	offsetof(struct alock_rdma_comp, byte_len),
};

void alock_rdma_comp_init(struct alock_rdma_comp *op)
{
	op->cqe.done = alock_rdma_comp_done;
	op->status = 0;
	op->byte_len = 0;
	WRITE_ONCE(op->done, 0);
}

struct ib_cq *alock_rdma_alloc_cq(struct ib_device *dev, int nr_cqe)
{
	/* Direct polling: no interrupts, the waiter polls (lock fast path). */
	return ib_alloc_cq(dev, NULL, nr_cqe, 0, IB_POLL_DIRECT);
}

void alock_rdma_free_cq(struct ib_cq *cq)
{
	ib_free_cq(cq);
}

/*
 * Polls up to 8 completions and runs each one's ->done.  Unlike
 * ib_process_cq_direct() (which uses the CQ's one shared wc array) this
 * may run on several CPUs at once: the driver serialises ib_poll_cq().
 */
int alock_rdma_poll(struct ib_cq *cq)
{
	struct ib_wc wc[8];
	int n, i;

	n = ib_poll_cq(cq, ARRAY_SIZE(wc), wc);
	for (i = 0; i < n; i++)
		wc[i].wr_cqe->done(cq, &wc[i]);
	return n;
}

/*
 * Between two polls of a verb's completion.  A software provider (rxe)
 * completes verbs from work items that need a CPU, so a waiter that may
 * (process context, no lock or RCU read side held: the caller's word)
 * gives its CPU away instead of spinning out its time slice; there is no
 * event to sleep on with a directly polled CQ.  Otherwise it spins.
 */
void alock_rdma_relax(bool may_yield)
{
	if (may_yield && preemptible())
		yield();
	else
		cpu_relax();
}

/* ---- protection domain, DMA buffers, memory regions --------------------- */

struct ib_pd *alock_rdma_alloc_pd(struct ib_device *dev)
{
	return ib_alloc_pd(dev, 0);
}

void alock_rdma_dealloc_pd(struct ib_pd *pd)
{
	ib_dealloc_pd(pd);
}

u32 alock_rdma_pd_lkey(struct ib_pd *pd)
{
	return pd->local_dma_lkey;
}

/*
 * Zeroed, physically contiguous kernel memory, DMA-mapped for @dev.  @dev
 * is NULL once the buffer is unmapped (alock_rdma_buf_unmap(): the device
 * may be going away); a sync reads it under RCU and does nothing then.
 * @unmap_lock serialises unmaps, so that every caller returns only once
 * the buffer is unmapped.
 */
struct alock_rdma_buf {
	struct scatterlist sg;
	struct ib_device __rcu *dev;
	struct mutex unmap_lock;	/* serialises alock_rdma_buf_unmap() */
	void *virt;
	size_t len;
};

struct alock_rdma_buf *alock_rdma_buf_new(struct ib_device *dev, size_t len)
{
	struct alock_rdma_buf *b;

	if (!len || len > KMALLOC_MAX_SIZE)
		return ERR_PTR(-EINVAL);
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return ERR_PTR(-ENOMEM);
	b->virt = kzalloc(len, GFP_KERNEL);
	if (!b->virt) {
		kfree(b);
		return ERR_PTR(-ENOMEM);
	}
	b->len = len;
	sg_init_one(&b->sg, b->virt, len);
	if (ib_dma_map_sg(dev, &b->sg, 1, DMA_BIDIRECTIONAL) != 1) {
		kfree(b->virt);
		kfree(b);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&b->unmap_lock);
	RCU_INIT_POINTER(b->dev, dev);
	return b;
}

/*
 * Unmaps @b if it is still mapped; idempotent.  Afterwards the device may
 * no longer access the memory (its QPs and MRs over it must be gone), the
 * CPU still may, until alock_rdma_buf_free().  Waits for a sync in
 * progress, so that nothing uses the device once this returns: process
 * context (it sleeps).
 */
void alock_rdma_buf_unmap(struct alock_rdma_buf *b)
{
	struct ib_device *dev;

	mutex_lock(&b->unmap_lock);
	dev = rcu_replace_pointer(b->dev, NULL, lockdep_is_held(&b->unmap_lock));
	if (dev) {
		/* A sync that read the device before it was cleared ends. */
		synchronize_rcu();
		ib_dma_unmap_sg(dev, &b->sg, 1, DMA_BIDIRECTIONAL);
	}
	mutex_unlock(&b->unmap_lock);
}

/*
 * Frees @b, unmapping it first if it is still mapped.  Its owner's last
 * reference: no sync or unmap runs beside it, so this does not sleep.
 */
void alock_rdma_buf_free(struct alock_rdma_buf *b)
{
	struct ib_device *dev = rcu_dereference_protected(b->dev, 1);

	if (dev)
		ib_dma_unmap_sg(dev, &b->sg, 1, DMA_BIDIRECTIONAL);
	mutex_destroy(&b->unmap_lock);
	kfree(b->virt);
	kfree(b);
}

void *alock_rdma_buf_virt(struct alock_rdma_buf *b)
{
	return b->virt;
}

u64 alock_rdma_buf_dma(struct alock_rdma_buf *b)
{
	return sg_dma_address(&b->sg);
}

/* Nothing to do once @b is unmapped (its device may be gone). */
void alock_rdma_buf_sync(struct alock_rdma_buf *b, size_t off, size_t len, bool for_cpu)
{
	u64 a = sg_dma_address(&b->sg) + off;
	struct ib_device *dev;

	rcu_read_lock();
	dev = rcu_dereference(b->dev);
	if (dev) {
		if (for_cpu)
			ib_dma_sync_single_for_cpu(dev, a, len, DMA_BIDIRECTIONAL);
		else
			ib_dma_sync_single_for_device(dev, a, len, DMA_BIDIRECTIONAL);
	}
	rcu_read_unlock();
}

/*
 * A fast-registration MR over all of @b, to be registered with a REG_MR WR;
 * zero-based (its iova is 0, so no kernel address goes to a peer), which
 * needs a page-aligned buffer (kmalloc's of whole pages are).
 */
struct ib_mr *alock_rdma_mr_new(struct ib_pd *pd, struct alock_rdma_buf *b)
{
	u32 pages = DIV_ROUND_UP(b->len, PAGE_SIZE);
	struct ib_mr *mr;
	int n;

	if (offset_in_page(b->virt))
		return ERR_PTR(-EINVAL);
	mr = ib_alloc_mr(pd, IB_MR_TYPE_MEM_REG, pages);
	if (IS_ERR(mr))
		return mr;
	n = ib_map_mr_sg_zbva(mr, &b->sg, 1, NULL, PAGE_SIZE);
	if (n != 1) {
		ib_dereg_mr(mr);
		return ERR_PTR(n < 0 ? n : -EINVAL);
	}
	return mr;
}

void alock_rdma_mr_free(struct ib_mr *mr)
{
	ib_dereg_mr(mr);
}

void alock_rdma_mr_info(struct ib_mr *mr, u32 *rkey, u64 *iova, u64 *len)
{
	*rkey = mr->rkey;
	*iova = mr->iova;
	*len = mr->length;
}

/* ---- connection manager ------------------------------------------------- */

/* The remote address of @id (on a CONNECT_REQUEST's id: the requester's). */
void alock_rdma_id_peer_addr(struct rdma_cm_id *id, struct alock_rdma_addr *a)
{
	const struct sockaddr *sa = (const struct sockaddr *)&id->route.addr.dst_addr;

	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		a->family = AF_INET;
		a->port = ntohs(sin->sin_port);
		memcpy(a->addr, &sin->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		a->family = AF_INET6;
		a->port = ntohs(sin6->sin6_port);
		memcpy(a->addr, &sin6->sin6_addr, 16);
	}
}

static int alock_rdma_cm_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	return alock_rdma_cm_event(id, id->context, ev->event, ev->status,
				   ev->param.conn.private_data,
				   ev->param.conn.private_data_len);
}

struct rdma_cm_id *alock_rdma_create_id(void *ctx)
{
	return rdma_create_id(&init_net, alock_rdma_cm_handler, ctx, RDMA_PS_TCP,
			      IB_QPT_RC);
}

void alock_rdma_destroy_id(struct rdma_cm_id *id)
{
	rdma_destroy_id(id);
}

void alock_rdma_set_context(struct rdma_cm_id *id, void *ctx)
{
	id->context = ctx;
}

struct ib_device *alock_rdma_id_device(struct rdma_cm_id *id)
{
	return id->device;
}

struct ib_qp *alock_rdma_id_qp(struct rdma_cm_id *id)
{
	return id->qp;
}

static int alock_rdma_sockaddr(const struct alock_rdma_addr *a,
			       struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		return 0;
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		memcpy(&sin6->sin6_addr, a->addr, 16);
		return 0;
	}
	return -EAFNOSUPPORT;
}

int alock_rdma_bind(struct rdma_cm_id *id, const struct alock_rdma_addr *a)
{
	struct sockaddr_storage ss;
	int ret;

	ret = alock_rdma_sockaddr(a, &ss);
	if (ret)
		return ret;
	ret = rdma_set_reuseaddr(id, 1);
	if (ret)
		return ret;
	ret = rdma_bind_addr(id, (struct sockaddr *)&ss);
	if (ret)
		return ret;
	/* Bound to an address no RDMA device has (e.g. no rxe link on it). */
	return id->device ? 0 : -EADDRNOTAVAIL;
}

int alock_rdma_listen(struct rdma_cm_id *id, int backlog)
{
	return rdma_listen(id, backlog);
}

int alock_rdma_resolve_addr(struct rdma_cm_id *id, const struct alock_rdma_addr *src,
			    const struct alock_rdma_addr *dst, int timeout_ms)
{
	struct sockaddr_storage s, d;
	int ret;

	ret = alock_rdma_sockaddr(src, &s);
	if (!ret)
		ret = alock_rdma_sockaddr(dst, &d);
	if (ret)
		return ret;
	/* Any local port: only the address chooses the device. */
	((struct sockaddr_in *)&s)->sin_port = 0;
	return rdma_resolve_addr(id, (struct sockaddr *)&s, (struct sockaddr *)&d,
				 timeout_ms);
}

int alock_rdma_resolve_route(struct rdma_cm_id *id, int timeout_ms)
{
	return rdma_resolve_route(id, timeout_ms);
}

int alock_rdma_create_qp(struct rdma_cm_id *id, struct ib_pd *pd, struct ib_cq *cq,
			 u32 send_wr, u32 recv_wr, u8 ack_timeout)
{
	struct ib_qp_init_attr attr = {
		.send_cq = cq,
		.recv_cq = cq,
		.cap = {
			.max_send_wr = send_wr,
			.max_recv_wr = recv_wr,
			.max_send_sge = 1,
			.max_recv_sge = 1,
		},
		.sq_sig_type = IB_SIGNAL_REQ_WR,
		.qp_type = IB_QPT_RC,
	};
	int ret;

	/* Local ACK timeout 4.096 us * 2^ack_timeout: a lost peer's QP fails soon. */
	if (ack_timeout) {
		ret = rdma_set_ack_timeout(id, ack_timeout);
		if (ret)
			return ret;
	}
	return rdma_create_qp(id, pd, &attr);
}

/* In the CM handler that created it, before returning non-zero. */
void alock_rdma_destroy_qp(struct rdma_cm_id *id)
{
	rdma_destroy_qp(id);
}

/* After rdma_destroy_id(): the QP outlives its cm_id, as in nvme-rdma. */
void alock_rdma_destroy_qp_raw(struct ib_qp *qp)
{
	ib_destroy_qp(qp);
}

static void alock_rdma_conn_param(struct rdma_conn_param *p, const void *pdata,
				  u8 plen, u8 depth)
{
	memset(p, 0, sizeof(*p));
	p->private_data = pdata;
	p->private_data_len = plen;
	p->responder_resources = depth;
	p->initiator_depth = depth;
	p->retry_count = 5;
	/* Receivers repost at once; an RNR wait is bounded by the op timeout. */
	p->rnr_retry_count = 7;
}

/* From the CM event handler (ROUTE_RESOLVED): the handler mutex is held. */
int alock_rdma_connect_locked(struct rdma_cm_id *id, const void *pdata, u8 plen, u8 depth)
{
	struct rdma_conn_param p;

	alock_rdma_conn_param(&p, pdata, plen, depth);
	return rdma_connect_locked(id, &p);
}

/* From the CM event handler (CONNECT_REQUEST). */
int alock_rdma_accept(struct rdma_cm_id *id, const void *pdata, u8 plen, u8 depth)
{
	struct rdma_conn_param p;

	alock_rdma_conn_param(&p, pdata, plen, depth);
	return rdma_accept(id, &p);
}

int alock_rdma_reject(struct rdma_cm_id *id)
{
	return rdma_reject(id, NULL, 0, IB_CM_REJ_CONSUMER_DEFINED);
}

int alock_rdma_disconnect(struct rdma_cm_id *id)
{
	return rdma_disconnect(id);
}

/* Moves the QP to the error state: every posted WR completes (flushed). */
int alock_rdma_qp_error(struct ib_qp *qp)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };

	return ib_modify_qp(qp, &attr, IB_QP_STATE);
}

void alock_rdma_drain_qp(struct ib_qp *qp)
{
	ib_drain_qp(qp);
}

/* ---- posting ------------------------------------------------------------ */

int alock_rdma_post_rw(struct ib_qp *qp, struct alock_rdma_comp *op, bool write,
		       u64 laddr, u32 lkey, u32 len, u64 raddr, u32 rkey)
{
	struct ib_sge sge = { .addr = laddr, .length = len, .lkey = lkey };
	struct ib_rdma_wr wr = {
		.wr = {
			.wr_cqe = &op->cqe,
			.sg_list = &sge,
			.num_sge = 1,
			.opcode = write ? IB_WR_RDMA_WRITE : IB_WR_RDMA_READ,
			.send_flags = IB_SEND_SIGNALED,
		},
		.remote_addr = raddr,
		.rkey = rkey,
	};

	return ib_post_send(qp, &wr.wr, NULL);
}

int alock_rdma_post_atomic(struct ib_qp *qp, struct alock_rdma_comp *op, bool cas,
			   u64 laddr, u32 lkey, u64 raddr, u32 rkey,
			   u64 compare_add, u64 swap)
{
	struct ib_sge sge = { .addr = laddr, .length = 8, .lkey = lkey };
	struct ib_atomic_wr wr = {
		.wr = {
			.wr_cqe = &op->cqe,
			.sg_list = &sge,
			.num_sge = 1,
			.opcode = cas ? IB_WR_ATOMIC_CMP_AND_SWP : IB_WR_ATOMIC_FETCH_AND_ADD,
			.send_flags = IB_SEND_SIGNALED,
		},
		.remote_addr = raddr,
		.compare_add = compare_add,
		.swap = swap,
		.rkey = rkey,
	};

	return ib_post_send(qp, &wr.wr, NULL);
}

const unsigned long alock_rdma_wr_layout[] = {
	sizeof(struct alock_rdma_wr),
	offsetof(struct alock_rdma_wr, laddr),
	offsetof(struct alock_rdma_wr, len),
	offsetof(struct alock_rdma_wr, signaled),
};

/*
 * Posts @n (1..ALOCK_RDMA_CHAIN_MAX) work requests with one ib_post_send():
 * the responder executes them in order.  Each goes with its own @op, so a
 * failed or flushed one completes its own record.
 */
int alock_rdma_post_chain(struct ib_qp *qp, const struct alock_rdma_wr *wrs, u32 n,
			  u32 lkey, u32 rkey)
{
	union {
		struct ib_rdma_wr rw;
		struct ib_atomic_wr at;
	} w[ALOCK_RDMA_CHAIN_MAX] = {};
	struct ib_sge sge[ALOCK_RDMA_CHAIN_MAX];
	u32 i;

	BUILD_BUG_ON(offsetof(struct ib_rdma_wr, wr) || offsetof(struct ib_atomic_wr, wr));
	if (!n || n > ALOCK_RDMA_CHAIN_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const struct alock_rdma_wr *x = &wrs[i];
		struct ib_send_wr *wr;
		bool atomic = x->opcode == ALOCK_RDMA_WR_CAS || x->opcode == ALOCK_RDMA_WR_FAA;

		sge[i] = (struct ib_sge) {
			.addr = x->laddr,
			.length = atomic ? 8 : x->len,
			.lkey = lkey,
		};
		if (atomic) {
			w[i].at.remote_addr = x->raddr;
			w[i].at.compare_add = x->compare_add;
			w[i].at.swap = x->swap;
			w[i].at.rkey = rkey;
			wr = &w[i].at.wr;
		} else {
			w[i].rw.remote_addr = x->raddr;
			w[i].rw.rkey = rkey;
			wr = &w[i].rw.wr;
		}
		switch (x->opcode) {
		case ALOCK_RDMA_WR_READ:
			wr->opcode = IB_WR_RDMA_READ;
			break;
		case ALOCK_RDMA_WR_WRITE:
			wr->opcode = IB_WR_RDMA_WRITE;
			break;
		case ALOCK_RDMA_WR_CAS:
			wr->opcode = IB_WR_ATOMIC_CMP_AND_SWP;
			break;
		case ALOCK_RDMA_WR_FAA:
			wr->opcode = IB_WR_ATOMIC_FETCH_AND_ADD;
			break;
		default:
			return -EINVAL;
		}
		wr->wr_cqe = &x->op->cqe;
		wr->sg_list = &sge[i];
		wr->num_sge = 1;
		wr->send_flags = x->signaled ? IB_SEND_SIGNALED : 0;
		/* Both kinds begin with their struct ib_send_wr (asserted). */
		if (i)
			w[i - 1].rw.wr.next = wr;
	}
	return ib_post_send(qp, &w[0].rw.wr, NULL);
}

int alock_rdma_post_send(struct ib_qp *qp, struct alock_rdma_comp *op, u64 laddr,
			 u32 lkey, u32 len)
{
	struct ib_sge sge = { .addr = laddr, .length = len, .lkey = lkey };
	struct ib_send_wr wr = {
		.wr_cqe = &op->cqe,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = IB_WR_SEND,
		.send_flags = IB_SEND_SIGNALED,
	};

	return ib_post_send(qp, &wr, NULL);
}

int alock_rdma_post_recv(struct ib_qp *qp, struct alock_rdma_comp *op, u64 laddr,
			 u32 lkey, u32 len)
{
	struct ib_sge sge = { .addr = laddr, .length = len, .lkey = lkey };
	struct ib_recv_wr wr = {
		.wr_cqe = &op->cqe,
		.sg_list = &sge,
		.num_sge = 1,
	};

	return ib_post_recv(qp, &wr, NULL);
}

/* Registers @mr for local writes and remote read, write and atomics. */
int alock_rdma_post_reg_mr(struct ib_qp *qp, struct alock_rdma_comp *op, struct ib_mr *mr)
{
	struct ib_reg_wr wr = {
		.wr = {
			.wr_cqe = &op->cqe,
			.opcode = IB_WR_REG_MR,
			.send_flags = IB_SEND_SIGNALED,
		},
		.mr = mr,
		.key = mr->rkey,
		.access = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_READ |
			  IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_ATOMIC,
	};

	return ib_post_send(qp, &wr.wr, NULL);
}
