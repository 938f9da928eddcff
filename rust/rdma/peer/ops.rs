// SPDX-License-Identifier: GPL-2.0

//! The verbs of a connection that is up: RDMA READ and WRITE,
//! [`Peer::write_read`], compare-and-swap, fetch-and-add and two-sided
//! messages; the scratch slot each verb owns, the in-flight count that
//! keeps the connection's resources alive, and the wait for a completion
//! ([`Wait`], the op timeout).

use core::ffi::c_int;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst};

use kernel::{bindings, prelude::*};

use super::super::ffi;
use super::super::verbs::{self, check, Comp};
use super::{Peer, MSG_BYTES, MSG_OFF, NMSG, SLOT_BYTES, S_UP};
use crate::support::cpu::cpu_relax;
use crate::support::trace::Verb as TVerb;
use crate::support::util::{errno, now_ns};

/// How the issuer of a verb waits for its completion.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Poll and spin: any context, atomic included.
    Spin,
    /// Poll and `yield()` between polls: only for callers that may
    /// schedule (process context, no spinlock, no RCU read side).  With a
    /// software provider (rxe) on few CPUs this lets the provider's work
    /// items run, which complete the verb.
    Yield,
}

impl Wait {
    /// [`Wait::Spin`] if `spin`, else [`Wait::Yield`] (the callers' spin
    /// flags: `ALOCK_DLOCK_SPIN`, `ALOCK_RDMA_BENCH_SPIN`).
    pub fn spin_if(spin: bool) -> Self {
        if spin {
            Self::Spin
        } else {
            Self::Yield
        }
    }
}

/// One pause of a caller that polls memory (a lock word, a descriptor)
/// with the given wait policy: `yield()` for [`Wait::Yield`] where the CPU
/// may be given away, else `cpu_relax()`.
pub fn relax(w: Wait) {
    // SAFETY: `Wait::Yield` is the caller's promise that it may schedule;
    // the shim also checks `preemptible()`.
    unsafe { ffi::alock_rdma_relax(w == Wait::Yield) };
}

/// One transfer between this node's window and a peer's.
#[derive(Clone, Copy)]
pub struct Xfer {
    /// Offset in the peer's window.
    pub remote: u64,
    /// Offset in this node's window.
    pub local: u64,
    /// Bytes.
    pub len: u32,
}

/// One verb of a [`Peer::chain`].
#[derive(Clone, Copy)]
pub enum Verb {
    /// RDMA READ of the peer's window into this node's.
    Read(Xfer),
    /// RDMA WRITE of this node's window into the peer's.
    Write(Xfer),
    /// Compare-and-swap of the 8-byte word at `remote` (8-aligned) of the
    /// peer's window: if it equals `expect` it becomes `new`.
    Cas {
        /// Offset in the peer's window.
        remote: u64,
        /// The expected value.
        expect: u64,
        /// The new value.
        new: u64,
    },
    /// Fetch-and-add of `add` (modulo 2^64) to the 8-byte word at
    /// `remote` (8-aligned) of the peer's window.
    Faa {
        /// Offset in the peer's window.
        remote: u64,
        /// The addend.
        add: u64,
    },
}

/// Most verbs of one [`Peer::chain`].
pub const CHAIN_MAX: usize = ffi::CHAIN_MAX;

/// A verb in flight (keeps the connection's resources alive).
struct Inflight<'a>(&'a Peer);

impl Drop for Inflight<'_> {
    fn drop(&mut self) {
        self.0.inflight.fetch_sub(1, SeqCst);
    }
}

/// A scratch slot owned by one verb.
struct Slot<'a> {
    peer: &'a Peer,
    idx: usize,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.peer.free.fetch_or(1 << self.idx, Release);
    }
}

impl Peer {
    /// Sends a message (at most [`MSG_BYTES`]) to the peer's receive
    /// queue (two-sided), waiting for its completion.
    pub fn send_msg(&self, msg: &[u8], w: Wait) -> Result {
        if msg.is_empty() || msg.len() > MSG_BYTES {
            return Err(EINVAL);
        }
        let _g = self.enter()?;
        let s = self.slot();
        let c = &self.slots[s.idx];
        c.reset();
        let off = s.idx * SLOT_BYTES;
        self.scratch.write(off, msg)?;
        let start = now_ns();
        // SAFETY: Inside `enter`: the QP is valid; the slot's buffer and
        // record belong to this send until `s` drops, after its completion.
        self.post_result(unsafe {
            ffi::alock_rdma_post_send(
                self.qp.load(Acquire),
                c.as_ptr(),
                self.scratch.dma(off),
                self.lkey,
                msg.len() as u32,
            )
        })?;
        self.wait(c, start, w, TVerb::Send)
    }

    /// The next message the peer sent, if one arrived: copied to `out`,
    /// its length returned, its buffer posted again.  One consumer at a
    /// time: a concurrent call gets `None`.  Never sleeps.
    pub fn poll_msg(&self, out: &mut [u8; MSG_BYTES]) -> Result<Option<usize>> {
        let _g = self.enter()?;
        if self.mbusy.swap(true, Acquire) {
            return Ok(None);
        }
        let r = (|| {
            // SAFETY: Inside `enter`: the CQ is alive.
            unsafe { ffi::alock_rdma_poll(self.cq_ptr) };
            let i = self.mhead.load(Relaxed) as usize;
            let c = &self.mrecv[i];
            if !c.is_done() {
                return Ok(None);
            }
            if c.status() != ffi::IB_WC_SUCCESS {
                let e = verbs::wc_error(c.status());
                self.fail(e);
                return Err(e);
            }
            let n = core::cmp::min(c.byte_len() as usize, MSG_BYTES);
            self.scratch.read(MSG_OFF + i * SLOT_BYTES, &mut out[..n])?;
            self.post_msg_recv(self.qp.load(Acquire), i)
                .inspect_err(|&e| self.fail(e))?;
            self.mhead.store(((i + 1) % NMSG) as u32, Relaxed);
            Ok(Some(n))
        })();
        self.mbusy.store(false, Release);
        r
    }

    fn enter(&self) -> Result<Inflight<'_>> {
        if self.detached.load(Relaxed) != 0 {
            self.reap_detached();
        }
        self.inflight.fetch_add(1, SeqCst);
        let g = Inflight(self);
        if self.state.load(SeqCst) != S_UP {
            return Err(errno(bindings::ENOTCONN));
        }
        Ok(g)
    }

    /// Takes `n` free scratch slots at once (a caller never holds some
    /// while it waits for more: no deadlock between chains); their bits.
    fn take_slots(&self, n: usize) -> u64 {
        loop {
            let f = self.free.load(Acquire);
            let mut take = 0u64;
            let mut rest = f;
            for _ in 0..n {
                let b = rest & rest.wrapping_neg();
                take |= b;
                rest &= !b;
            }
            if take.count_ones() as usize == n
                && self
                    .free
                    .compare_exchange(f, f & !take, AcqRel, Relaxed)
                    .is_ok()
            {
                return take;
            }
            // SAFETY: Called inside `enter`: the CQ is alive.
            unsafe { ffi::alock_rdma_poll(self.cq_ptr) };
            self.reap_detached();
            cpu_relax();
        }
    }

    /// Takes `n` (at most [`CHAIN_MAX`]) scratch slots at once.
    fn slots(&self, n: usize) -> [Option<Slot<'_>>; CHAIN_MAX] {
        let mut bits = self.take_slots(n);
        let mut out = [const { None }; CHAIN_MAX];
        for o in out.iter_mut().take(n) {
            let idx = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            *o = Some(Slot { peer: self, idx });
        }
        out
    }

    /// Takes one scratch slot.
    fn slot(&self) -> Slot<'_> {
        Slot {
            peer: self,
            idx: self.take_slots(1).trailing_zeros() as usize,
        }
    }

    /// Polls until `c` completes; marks the connection failed on an error
    /// or when the verb outlasts the op timeout (the reaper then flushes
    /// the QP, so the wait ends).
    fn wait(&self, c: &Comp, start: i64, w: Wait, v: TVerb) -> Result {
        self.wait_for(c, start, w, true, (v, 1))
    }

    /// [`Peer::wait`]; a flush while the connection is up fails it only
    /// if `flush_fails` (a chain first looks for the cause in its
    /// unsignalled verbs).
    /// `what`: the kind and number of verbs the post carried (for
    /// [`observe`](super::observe)).
    fn wait_for(
        &self,
        c: &Comp,
        start: i64,
        w: Wait,
        flush_fails: bool,
        what: (TVerb, u32),
    ) -> Result {
        let deadline = start + self.op_timeout_ns;
        let mut timed_out = false;
        while !c.is_done() {
            // SAFETY: Inside `enter`: the CQ is alive.
            unsafe { ffi::alock_rdma_poll(self.cq_ptr) };
            if !timed_out && now_ns() > deadline {
                timed_out = true;
                if self.is_up() {
                    // Once per waiter whose verb outlived the timeout while
                    // the connection was up: which verb, and how long.
                    pr_warn!(
                        "rdma: a {} to node {} outlived the op timeout ({} ms); the connection fails\n",
                        what.0.name(),
                        self.node,
                        self.op_timeout_ns / 1_000_000
                    );
                }
                self.fail(errno(bindings::ETIMEDOUT));
            }
            relax(w);
        }
        let st = c.status();
        if st == ffi::IB_WC_SUCCESS && !timed_out {
            self.ops.fetch_add(1, Relaxed);
            self.observe_completion(what.0, what.1, 0, now_ns() - start);
            return Ok(());
        }
        self.errors.fetch_add(1, Relaxed);
        let e = if timed_out {
            errno(bindings::ETIMEDOUT)
        } else {
            verbs::wc_error(st)
        };
        self.observe_completion(what.0, what.1, e.to_errno(), now_ns() - start);
        // A flush means the QP is in the error state: normally because
        // the connection failed already, but also when the error hit an
        // earlier unsignalled verb of a chain, whose completion nobody
        // waits for (`chain` looks at those first).
        if st != ffi::IB_WC_WR_FLUSH_ERR || (flush_fails && self.is_up()) {
            self.fail(e);
        }
        Err(e)
    }

    pub(super) fn remote(&self, off: u64, len: u64, align: u64) -> Result<(u64, u32)> {
        if off % align != 0 {
            return Err(EINVAL);
        }
        match off.checked_add(len) {
            Some(end) if end <= self.remote_len.load(Acquire) => {}
            _ => return Err(ERANGE),
        }
        // The peer's iova is input: checked against overflow with its
        // length when its Hello came (`Hello::window_ok`), and here again.
        let addr = self
            .remote_iova
            .load(Relaxed)
            .checked_add(off)
            .ok_or(ERANGE)?;
        Ok((addr, self.remote_rkey.load(Relaxed)))
    }

    fn post_result(&self, r: c_int) -> Result {
        check(r).inspect_err(|&e| {
            self.errors.fetch_add(1, Relaxed);
            self.fail(e);
        })
    }

    fn rw(&self, write: bool, remote_off: u64, local_off: u64, len: u32, w: Wait) -> Result {
        if len == 0 {
            return Err(EINVAL);
        }
        match local_off.checked_add(u64::from(len)) {
            Some(end) if end <= self.window.len() as u64 => {}
            _ => return Err(ERANGE),
        }
        let (raddr, rkey) = self.remote(remote_off, u64::from(len), 1)?;
        let _g = self.enter()?;
        let s = self.slot();
        let c = &self.slots[s.idx];
        c.reset();
        if write {
            self.window
                .sync_for_device(local_off as usize, len as usize);
        }
        let start = now_ns();
        let qp = self.qp.load(Acquire);
        // SAFETY: Inside `enter`: the QP is valid; the window range is
        // checked and mapped; `c` outlives the completion (`wait`).
        self.post_result(unsafe {
            ffi::alock_rdma_post_rw(
                qp,
                c.as_ptr(),
                write,
                self.window.dma(local_off as usize),
                self.lkey,
                len,
                raddr,
                rkey,
            )
        })?;
        self.wait(c, start, w, if write { TVerb::Write } else { TVerb::Read })?;
        if !write {
            self.window.sync_for_cpu(local_off as usize, len as usize);
        }
        Ok(())
    }

    /// An RDMA WRITE `wr` (this node's window to the peer's) and in the
    /// same round trip an RDMA READ `rd` (the peer's window to this
    /// node's): both posted at once, the READ
    /// executed by the peer after the WRITE (RC requests are executed in
    /// order), so it sees what the WRITE wrote.
    pub fn write_read(&self, wr: Xfer, rd: Xfer, w: Wait) -> Result {
        self.chain(&[Verb::Write(wr), Verb::Read(rd)], w)
            .map(|_| ())
    }

    /// Posts `verbs` (1 to [`CHAIN_MAX`]) with one `ib_post_send`, only
    /// the last one signalled, and waits for its completion.  The peer
    /// executes them in order (an RC QP's requests are executed in the
    /// order they were posted), and the last one's completion means every
    /// earlier one completed.  Returns, per verb, a CAS's or FAA's old
    /// value (0 for the others).  Counts each verb as one completed
    /// operation.
    ///
    /// The first failure fails the connection (as for every verb); the
    /// scratch slots of the unsignalled verbs are then never freed, since
    /// a flush may still complete them: the connection is not used again.
    pub fn chain(&self, verbs: &[Verb], w: Wait) -> Result<[u64; CHAIN_MAX]> {
        let n = verbs.len();
        if n == 0 || n > CHAIN_MAX {
            return Err(EINVAL);
        }
        let wl = self.window.len() as u64;
        let mut wrs = [ffi::RawWr {
            op: core::ptr::null_mut(),
            laddr: 0,
            raddr: 0,
            compare_add: 0,
            swap: 0,
            len: 0,
            opcode: 0,
            signaled: 0,
            reserved: 0,
        }; CHAIN_MAX];
        let mut rkey = 0;
        for (v, wr) in verbs.iter().zip(wrs.iter_mut()) {
            match *v {
                Verb::Read(x) | Verb::Write(x) => {
                    match x.local.checked_add(u64::from(x.len)) {
                        Some(end) if x.len > 0 && end <= wl => {}
                        _ => return Err(ERANGE),
                    }
                    let (ra, rk) = self.remote(x.remote, u64::from(x.len), 1)?;
                    wr.raddr = ra;
                    rkey = rk;
                    wr.len = x.len;
                    wr.opcode = if matches!(v, Verb::Read(_)) {
                        ffi::WR_READ
                    } else {
                        ffi::WR_WRITE
                    };
                }
                Verb::Cas {
                    remote,
                    expect,
                    new,
                } => rkey = self.atomic_wr(wr, remote, ffi::WR_CAS, expect, new)?,
                Verb::Faa { remote, add } => {
                    rkey = self.atomic_wr(wr, remote, ffi::WR_FAA, add, 0)?
                }
            }
        }
        let _g = self.enter()?;
        let mut slots = self.slots(n);
        for (i, (v, wr)) in verbs.iter().zip(wrs.iter_mut()).enumerate() {
            let idx = slots[i].as_ref().map_or(0, |s| s.idx);
            let c = &self.slots[idx];
            c.reset();
            wr.op = c.as_ptr();
            wr.signaled = u32::from(i + 1 == n);
            match *v {
                Verb::Read(x) => wr.laddr = self.window.dma(x.local as usize),
                Verb::Write(x) => {
                    self.window
                        .sync_for_device(x.local as usize, x.len as usize);
                    wr.laddr = self.window.dma(x.local as usize);
                }
                Verb::Cas { .. } | Verb::Faa { .. } => {
                    wr.laddr = self.scratch.dma(idx * SLOT_BYTES)
                }
            }
        }
        let qp = self.qp.load(Acquire);
        let start = now_ns();
        let (nr, lkey) = (n as u32, self.lkey);
        // SAFETY: Inside `enter`: the QP is valid, every window range checked
        // and mapped; each record is its verb's until its slot is freed.
        let posted = unsafe { ffi::alock_rdma_post_chain(qp, wrs.as_ptr(), nr, lkey, rkey) };
        let r = self.post_result(posted);
        let last = slots[n - 1].as_ref().map_or(0, |s| s.idx);
        let r = r.and_then(|()| {
            let r = self.wait_for(
                &self.slots[last],
                start,
                w,
                false,
                (TVerb::Chain, verbs.len() as u32),
            );
            if let Err(e) = r {
                // The cause of a flush of the last verb: an unsignalled
                // one's error, which completed before it.
                for s in slots.iter().take(n - 1).flatten() {
                    let c = &self.slots[s.idx];
                    if c.is_done()
                        && c.status() != ffi::IB_WC_SUCCESS
                        && c.status() != ffi::IB_WC_WR_FLUSH_ERR
                    {
                        self.fail(verbs::wc_error(c.status()));
                    }
                }
                if self.is_up() {
                    self.fail(e);
                }
            }
            r
        });
        if let Err(e) = r {
            for s in slots.iter_mut().take(n - 1) {
                core::mem::forget(s.take());
            }
            return Err(e);
        }
        self.ops.fetch_add(n as u64 - 1, Relaxed);
        let mut out = [0u64; CHAIN_MAX];
        for (i, v) in verbs.iter().enumerate() {
            match *v {
                Verb::Read(x) => self.window.sync_for_cpu(x.local as usize, x.len as usize),
                Verb::Write(_) => {}
                Verb::Cas { .. } | Verb::Faa { .. } => {
                    let off = slots[i].as_ref().map_or(0, |s| s.idx) * SLOT_BYTES;
                    self.scratch.sync_for_cpu(off, 8);
                    out[i] = self.scratch.word(off).load(Relaxed);
                }
            }
        }
        Ok(out)
    }

    /// Fills `wr` with an atomic (`opcode`, its operands) on the 8-byte
    /// word at `remote` of the peer's window; the window's rkey.
    fn atomic_wr(
        &self,
        wr: &mut ffi::RawWr,
        remote: u64,
        opcode: u32,
        compare_add: u64,
        swap: u64,
    ) -> Result<u32> {
        let (ra, rk) = self.remote(remote, 8, 8)?;
        wr.raddr = ra;
        wr.len = 8;
        wr.opcode = opcode;
        wr.compare_add = compare_add;
        wr.swap = swap;
        Ok(rk)
    }

    /// RDMA READ of `len` bytes at `remote_off` of the peer's window into
    /// this node's window at `local_off`.
    pub fn read(&self, remote_off: u64, local_off: u64, len: u32, w: Wait) -> Result {
        self.rw(false, remote_off, local_off, len, w)
    }

    /// RDMA WRITE of `len` bytes of this node's window at `local_off` to
    /// the peer's window at `remote_off`.
    pub fn write(&self, remote_off: u64, local_off: u64, len: u32, w: Wait) -> Result {
        self.rw(true, remote_off, local_off, len, w)
    }

    /// One verb whose 8-byte result lands in a scratch slot.
    fn scratch_verb(&self, raddr: u64, rkey: u32, op: u8, a: u64, b: u64, w: Wait) -> Result<u64> {
        let (_g, s, start) = self.post_scratch(raddr, rkey, op, a, b)?;
        let off = s.idx * SLOT_BYTES;
        self.wait(
            &self.slots[s.idx],
            start,
            w,
            [TVerb::Read, TVerb::Cas, TVerb::Faa][op.min(2) as usize],
        )?;
        self.scratch.sync_for_cpu(off, 8);
        Ok(self.scratch.word(off).load(Relaxed))
    }

    /// Posts the verb of [`Peer::scratch_verb`] with its result in a
    /// scratch slot: the in-flight count, the slot and the time of the
    /// post.
    fn post_scratch(
        &self,
        raddr: u64,
        rkey: u32,
        op: u8,
        a: u64,
        b: u64,
    ) -> Result<(Inflight<'_>, Slot<'_>, i64)> {
        let g = self.enter()?;
        let s = self.slot();
        let c = &self.slots[s.idx];
        c.reset();
        let off = s.idx * SLOT_BYTES;
        let laddr = self.scratch.dma(off);
        let qp = self.qp.load(Acquire);
        let start = now_ns();
        // SAFETY: Inside `enter`: the QP is valid; the slot's buffer and
        // record belong to this verb until `s` drops, after the completion
        // (or until `reap_detached` frees it).
        let r = unsafe {
            match op {
                0 => {
                    ffi::alock_rdma_post_rw(qp, c.as_ptr(), false, laddr, self.lkey, 8, raddr, rkey)
                }
                1 => ffi::alock_rdma_post_atomic(
                    qp,
                    c.as_ptr(),
                    true,
                    laddr,
                    self.lkey,
                    raddr,
                    rkey,
                    a,
                    b,
                ),
                _ => ffi::alock_rdma_post_atomic(
                    qp,
                    c.as_ptr(),
                    false,
                    laddr,
                    self.lkey,
                    raddr,
                    rkey,
                    a,
                    0,
                ),
            }
        };
        self.post_result(r)?;
        Ok((g, s, start))
    }

    /// Reads the 8-byte word at `remote_off` (8-aligned) of the peer's
    /// window.
    pub fn read_u64(&self, remote_off: u64, w: Wait) -> Result<u64> {
        let (raddr, rkey) = self.remote(remote_off, 8, 8)?;
        self.scratch_verb(raddr, rkey, 0, 0, 0, w)
    }

    /// Atomic compare-and-swap of the word at `remote_off` (8-aligned):
    /// if it equals `expect` it becomes `new`; returns the old value.
    pub fn compare_and_swap(&self, remote_off: u64, expect: u64, new: u64, w: Wait) -> Result<u64> {
        let (raddr, rkey) = self.remote(remote_off, 8, 8)?;
        self.scratch_verb(raddr, rkey, 1, expect, new, w)
    }

    /// Atomic fetch-and-add on the word at `remote_off` (8-aligned);
    /// returns the old value.
    pub fn fetch_and_add(&self, remote_off: u64, add: u64, w: Wait) -> Result<u64> {
        let (raddr, rkey) = self.remote(remote_off, 8, 8)?;
        self.scratch_verb(raddr, rkey, 2, add, 0, w)
    }

    /// A fetch-and-add of `add` to the word at `remote_off` (8-aligned)
    /// that nobody waits for: posted, and its completion collected later
    /// by whichever caller uses the connection next (`reap_detached`),
    /// for releases whose old value nobody needs (a reader's count).  The
    /// peer executes it before every verb posted after it on this
    /// connection (RC order); its error, when collected, fails the
    /// connection like any verb's.  Never waits, except for a free slot.
    pub fn fetch_and_add_detached(&self, remote_off: u64, add: u64) -> Result {
        let (raddr, rkey) = self.remote(remote_off, 8, 8)?;
        let (g, s, start) = self.post_scratch(raddr, rkey, 2, add, 0)?;
        self.detached_at[s.idx].store(start, Relaxed);
        self.detached.fetch_or(1 << s.idx, Release);
        // The slot and the in-flight count stay taken until reaped.
        core::mem::forget(s);
        core::mem::forget(g);
        Ok(())
    }

    /// Collects the detached verbs that completed: frees their slots and
    /// in-flight counts; one that failed fails the connection (a flush
    /// only while it is up, as for a chain's unsignalled verbs).
    pub(super) fn reap_detached(&self) {
        let mut m = self.detached.load(Acquire);
        while m != 0 {
            let idx = m.trailing_zeros() as usize;
            let bit = 1u64 << idx;
            m &= m - 1;
            let c = &self.slots[idx];
            if !c.is_done() || self.detached.fetch_and(!bit, AcqRel) & bit == 0 {
                continue;
            }
            let st = c.status();
            let ns = now_ns() - self.detached_at[idx].load(Relaxed);
            if st == ffi::IB_WC_SUCCESS {
                self.ops.fetch_add(1, Relaxed);
                self.observe_detached(TVerb::Faa, 0, ns);
            } else {
                self.errors.fetch_add(1, Relaxed);
                let e = verbs::wc_error(st);
                self.observe_detached(TVerb::Faa, e.to_errno(), ns);
                if st != ffi::IB_WC_WR_FLUSH_ERR || self.is_up() {
                    self.fail(e);
                }
            }
            self.free.fetch_or(bit, Release);
            self.inflight.fetch_sub(1, SeqCst);
        }
    }
}
