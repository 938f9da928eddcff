/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alock RDMA shim (rust/rdma/rdma_shim.c): the functions rust/rdma/ffi.rs
 * declares, with the same signatures, and the two Rust callbacks.
 */
#ifndef _ALOCK_RDMA_SHIM_H
#define _ALOCK_RDMA_SHIM_H

#include <linux/types.h>
#include <rdma/ib_verbs.h>

struct rdma_cm_id;
struct alock_rdma_buf;

/* What rust/rdma/verbs.rs reports of a device. */
struct alock_rdma_dev_info {
	char name[64];
	u64 max_mr_size;
	u64 node_guid;
	u32 atomic_cap;		/* enum ib_atomic_cap */
	u32 max_qp_rd_atom;
	u32 max_qp_init_rd_atom;
	u32 max_fast_reg_page_list_len;
	u32 phys_port_cnt;
	u32 reserved;
};

/* One posted work request; ->done is set (release) by its completion. */
struct alock_rdma_comp {
	struct ib_cqe cqe;
	u32 status;		/* enum ib_wc_status */
	u32 done;
	u32 byte_len;
	u32 reserved;
};

/* Opcodes of struct alock_rdma_wr. */
#define ALOCK_RDMA_WR_READ	0
#define ALOCK_RDMA_WR_WRITE	1
#define ALOCK_RDMA_WR_CAS	2
#define ALOCK_RDMA_WR_FAA	3
/* Most work requests of one chain. */
#define ALOCK_RDMA_CHAIN_MAX	4

/*
 * One work request of a chain (alock_rdma_post_chain): a READ or WRITE of
 * @len bytes between @laddr and @raddr, or an 8-byte atomic whose old
 * value lands at @laddr; only a @signaled one makes a completion when it
 * succeeds (every one does when it fails or is flushed).
 */
struct alock_rdma_wr {
	struct alock_rdma_comp *op;
	u64 laddr;
	u64 raddr;
	u64 compare_add;
	u64 swap;
	u32 len;
	u32 opcode;		/* ALOCK_RDMA_WR_* */
	u32 signaled;
	u32 reserved;
};

/* An IPv4 or IPv6 address and port (host byte order). */
struct alock_rdma_addr {
	u16 family;		/* AF_INET or AF_INET6 */
	u16 port;
	u8 addr[16];		/* network byte order; IPv4 in the first 4 */
};

/* Implemented in Rust (rust/rdma/). */
int alock_rdma_dev_added(struct ib_device *dev);
void alock_rdma_dev_removed(struct ib_device *dev);
int alock_rdma_cm_event(struct rdma_cm_id *id, void *ctx, int event, int status,
			const void *pdata, u8 plen);

int alock_rdma_client_register(void);
void alock_rdma_client_unregister(void);
void alock_rdma_dev_info(struct ib_device *dev, struct alock_rdma_dev_info *info);

extern const unsigned long alock_rdma_comp_layout[];
void alock_rdma_comp_init(struct alock_rdma_comp *op);
struct ib_cq *alock_rdma_alloc_cq(struct ib_device *dev, int nr_cqe);
void alock_rdma_free_cq(struct ib_cq *cq);
int alock_rdma_poll(struct ib_cq *cq);
void alock_rdma_relax(bool may_yield);

struct ib_pd *alock_rdma_alloc_pd(struct ib_device *dev);
void alock_rdma_dealloc_pd(struct ib_pd *pd);
u32 alock_rdma_pd_lkey(struct ib_pd *pd);
struct alock_rdma_buf *alock_rdma_buf_new(struct ib_device *dev, size_t len);
void alock_rdma_buf_free(struct alock_rdma_buf *b);
void alock_rdma_buf_unmap(struct alock_rdma_buf *b);
void *alock_rdma_buf_virt(struct alock_rdma_buf *b);
u64 alock_rdma_buf_dma(struct alock_rdma_buf *b);
void alock_rdma_buf_sync(struct alock_rdma_buf *b, size_t off, size_t len, bool for_cpu);
struct ib_mr *alock_rdma_mr_new(struct ib_pd *pd, struct alock_rdma_buf *b);
void alock_rdma_mr_free(struct ib_mr *mr);
void alock_rdma_mr_info(struct ib_mr *mr, u32 *rkey, u64 *iova, u64 *len);

struct rdma_cm_id *alock_rdma_create_id(void *ctx);
void alock_rdma_id_peer_addr(struct rdma_cm_id *id, struct alock_rdma_addr *a);
void alock_rdma_destroy_id(struct rdma_cm_id *id);
void alock_rdma_set_context(struct rdma_cm_id *id, void *ctx);
struct ib_device *alock_rdma_id_device(struct rdma_cm_id *id);
struct ib_qp *alock_rdma_id_qp(struct rdma_cm_id *id);
int alock_rdma_bind(struct rdma_cm_id *id, const struct alock_rdma_addr *a);
int alock_rdma_listen(struct rdma_cm_id *id, int backlog);
int alock_rdma_resolve_addr(struct rdma_cm_id *id, const struct alock_rdma_addr *src,
			    const struct alock_rdma_addr *dst, int timeout_ms);
int alock_rdma_resolve_route(struct rdma_cm_id *id, int timeout_ms);
int alock_rdma_create_qp(struct rdma_cm_id *id, struct ib_pd *pd, struct ib_cq *cq,
			 u32 send_wr, u32 recv_wr, u8 ack_timeout);
void alock_rdma_destroy_qp(struct rdma_cm_id *id);
void alock_rdma_destroy_qp_raw(struct ib_qp *qp);
int alock_rdma_connect_locked(struct rdma_cm_id *id, const void *pdata, u8 plen, u8 depth);
int alock_rdma_accept(struct rdma_cm_id *id, const void *pdata, u8 plen, u8 depth);
int alock_rdma_reject(struct rdma_cm_id *id);
int alock_rdma_disconnect(struct rdma_cm_id *id);
int alock_rdma_qp_error(struct ib_qp *qp);
void alock_rdma_drain_qp(struct ib_qp *qp);

int alock_rdma_post_rw(struct ib_qp *qp, struct alock_rdma_comp *op, bool write,
		       u64 laddr, u32 lkey, u32 len, u64 raddr, u32 rkey);
int alock_rdma_post_atomic(struct ib_qp *qp, struct alock_rdma_comp *op, bool cas,
			   u64 laddr, u32 lkey, u64 raddr, u32 rkey,
			   u64 compare_add, u64 swap);
extern const unsigned long alock_rdma_wr_layout[];
int alock_rdma_post_chain(struct ib_qp *qp, const struct alock_rdma_wr *wrs, u32 n,
			  u32 lkey, u32 rkey);
int alock_rdma_post_send(struct ib_qp *qp, struct alock_rdma_comp *op, u64 laddr,
			 u32 lkey, u32 len);
int alock_rdma_post_recv(struct ib_qp *qp, struct alock_rdma_comp *op, u64 laddr,
			 u32 lkey, u32 len);
int alock_rdma_post_reg_mr(struct ib_qp *qp, struct alock_rdma_comp *op, struct ib_mr *mr);

#endif /* _ALOCK_RDMA_SHIM_H */
