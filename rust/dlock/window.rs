// SPDX-License-Identifier: GPL-2.0

//! The lock table's part of every node's registered RDMA window: where
//! each key's line lives (its home node), the offsets of the words in a
//! line and in a thread's descriptor, and the encoding of the words that
//! two agents write with different means.
//!
//! Window layout (the same on every node; offsets from [`TABLE_BASE`]):
//!
//! ```text
//! lines        keys x 128 B, line k at TABLE_BASE + 128 k (used at k's home)
//!   +0  r_tail   remote cohort's MCS tail     RDMA CAS only
//!   +8  l_tail   local cohort's MCS tail      CPU atomics only
//!   +16 victim   Peterson victim (1 local, 2 remote: byte 0 only)
//!                                             CPU store / RDMA WRITE
//!   +24 wphase   ALock-RW writer phase (0 none, 1 local, 2 remote:
//!                byte 0 only; below the value: one READ of +24..+64
//!                loads it first)              CPU store / RDMA WRITE
//!   +32 owner    value (tests: holder's tag)  inside the lock only
//!   +40 counter  value (tests: counter)       inside the lock only
//!   +48 vstamp   era of the value's last write-back   inside the lock only
//!   +56 epoch    enc(era << 1 | closing)      the home's CPU only
//!   +64 m_tail   RDMA MCS tail                RDMA CAS only (loopback)
//!   +72 l_rw     ALock-RW local readers: byte 0 present, byte 1 waiting
//!                                             the home's CPU atomics only
//!   +80..+104 r_rw  ALock-RW remote readers: 4 nodes a word, node n's
//!                16 bits at 16 (n % 4): present, waiting   RDMA FAA only
//!   +112 spin    RDMA spin lock word          RDMA CAS only (loopback)
//!   +120 dslr    DSLR's counters (nX, nS, maxX, maxS: 16 bits each)
//!                                             RDMA FAA/CAS only (loopback)
//! descriptors  MAX_HANDLES x MAX_HELD x 32 B, this node's threads
//!   +0  state    0 waiting; enc(0) lead; enc(b) pass with budget b;
//!                enc(RESET) the key was reset (recovery)
//!   +8  next     0 or enc(successor's descriptor address)
//!   +16 +24      sources of this thread's RDMA WRITEs
//! scratch      MAX_HANDLES x 128 B, this node's threads
//!   +0  +56      destination of a READ of a line from l_tail to epoch
//!   +64 +88      source of the value's WRITEs (value, vstamp)
//!   +56          destination of a READ of `dslr`
//!   +96          source of a reset request
//!   +112         source of a WRITE of `wphase` = 0
//! requests     MAX_NODES x REQ_SLOTS x 8 B: reset requests that other
//!              nodes WRITE to a key's home (enc(key << 24 | era))
//! ```
//!
//! Every word that two agents write with different means (a CPU store and
//! an RDMA WRITE, which rxe performs with `memcpy`) holds either small
//! values that differ in one byte (`victim`) or values [`enc`]oded so that
//! every byte has its top bit set: a reader that meets a half-copied word
//! sees a byte with a clear top bit and knows the value is not there yet;
//! a tail is never mistaken for 0.  No word is changed by both a CPU
//! atomic and an RDMA atomic: `Documentation/alock.rst` has the argument.

/// Tables whose words are in this node's window.  A destroyed table
/// lives on while handles, runs or keys of open files use it; a new
/// table's `clear` and locks on the same words would break both, so a
/// table is created only when none is left (`node::create`).
pub(super) static TABLES_IN_WINDOW: core::sync::atomic::AtomicU32 =
    core::sync::atomic::AtomicU32::new(0);

/// Where the table starts in every window (below: the transport tests'
/// words and barriers).
pub const TABLE_BASE: u64 = 65536;
/// Bytes per lock line.
pub const LINE: u64 = 128;
/// Threads (handles) per node.
pub const MAX_HANDLES: usize = 64;
/// Locks one handle may hold at once (multi-key acquire).
pub const MAX_HELD: usize = 8;
/// Bytes per descriptor.
pub(super) const DESC: u64 = 32;
/// Bytes of scratch space per handle.
pub(super) const SCRATCH: u64 = 128;
/// Reset request slots per node at each home.
pub(super) const REQ_SLOTS: u64 = 8;

/// Line word: the remote cohort's MCS tail.
pub(super) const R_TAIL: u64 = 0;
/// Line word: the local cohort's MCS tail.
pub(super) const L_TAIL: u64 = 8;
/// Scratch: where a READ of a line (from `l_tail`) lands.
pub(super) const LINE_READ: u64 = 0;
/// Scratch: the source of the value's WRITEs (value and vstamp).
pub(super) const WB_SRC: u64 = 64;
/// Scratch: the source of a reset request's WRITE.
pub(super) const REQ_SRC: u64 = 96;
/// Scratch: where a READ of `dslr` lands.
pub(super) const DSLR_READ: u64 = 56;
/// Scratch: the source of a WRITE of `wphase` = 0.
pub(super) const ZERO_SRC: u64 = 112;

/// Line word: Peterson's victim.
pub(super) const VICTIM: u64 = 16;
/// Line word: ALock-RW's writer phase (0, [`V_LOCAL`] or [`V_REMOTE`]),
/// below the value (a remote reader's one READ of both loads it first).
pub(super) const WPHASE: u64 = 24;
/// Line word: the key's value, first word (the tests' owner tag).
pub(super) const OWNER: u64 = 32;
/// Line word: the key's value, second word (the tests' counter).
pub(super) const COUNTER: u64 = 40;
/// Line word: the era of the value's last write-back (the value may be
/// torn if it is not the key's era).
pub(super) const VSTAMP: u64 = 48;
/// Line word: the key's era and whether it is closing (recovery).
pub(super) const EPOCH: u64 = 56;
/// Line word: the RDMA MCS lock's tail.
pub(super) const M_TAIL: u64 = 64;
/// Line word: ALock-RW's local readers (byte 0 present, byte 1 waiting).
pub(super) const L_RW: u64 = 72;
/// Line words (four): ALock-RW's remote readers ([`r_rw`]).
pub(super) const R_RW: u64 = 80;
/// Line word: the RDMA spin lock.
pub(super) const SPIN: u64 = 112;
/// Line word: the DSLR lock's four 16-bit counters.
pub(super) const DSLR: u64 = 120;

// Every reader byte stays below 128 (one count per handle at most), and
// every node has its 16 bits in `r_rw`.
const _: () = assert!(MAX_HANDLES < 128 && crate::rdma::MAX_NODES <= 16);
const _: () = assert!(DSLR + 8 == LINE && ZERO_SRC + 8 <= SCRATCH);

/// The `r_rw` word of node `node`'s remote readers and the shift of its
/// 16 bits there (present at the shift, waiting 8 bits above).
pub(super) const fn r_rw(node: u32) -> (u64, u32) {
    (R_RW + 8 * (node as u64 / 4), 16 * (node % 4))
}

/// Descriptor word: the hand-off (`state`).
pub(super) const STATE: u64 = 0;
/// Descriptor word: the successor's address (`next`).
pub(super) const NEXT: u64 = 8;
/// Descriptor word: the source of a WRITE into a `next` word.
pub(super) const SRC_NEXT: u64 = 16;
/// Descriptor word: the source of a WRITE into a `state` or `victim`.
pub(super) const SRC_STATE: u64 = 24;

/// `state` payload: the key was reset while this descriptor waited in it.
pub(super) const RESET: u64 = 1 << 40;

/// `victim`: the local cohort.
pub(super) const V_LOCAL: u64 = 1;
/// `victim`: the remote cohort.
pub(super) const V_REMOTE: u64 = 2;

const TOP_BITS: u64 = 0x8080_8080_8080_8080;

/// Spreads a 56-bit payload over the low 7 bits of each byte and sets
/// every byte's top bit.
pub const fn enc(x: u64) -> u64 {
    let mut v = 0;
    let mut i = 0;
    while i < 8 {
        v |= (0x80 | ((x >> (7 * i)) & 0x7f)) << (8 * i);
        i += 1;
    }
    v
}

/// The payload of a complete [`enc`] word; `None` for 0 or a word whose
/// copy is not finished.
pub const fn dec(v: u64) -> Option<u64> {
    if v & TOP_BITS != TOP_BITS {
        return None;
    }
    let mut x = 0;
    let mut i = 0;
    while i < 8 {
        x |= ((v >> (8 * i)) & 0x7f) << (7 * i);
        i += 1;
    }
    Some(x)
}

/// The encoded address of the word `off` of node `node`'s window, as
/// tails and `next` words hold it.
pub(super) fn addr(node: u32, off: u64) -> u64 {
    enc((u64::from(node) << 32) | off)
}

/// The line of key `k`.
pub(super) const fn line(k: u32) -> u64 {
    TABLE_BASE + k as u64 * LINE
}

/// Where the descriptors start in a table of `keys` keys.
pub(super) const fn desc_base(keys: u32) -> u64 {
    TABLE_BASE + keys as u64 * LINE
}

/// Bytes of all descriptors.
pub(super) const DESCS: u64 = (MAX_HANDLES * MAX_HELD) as u64 * DESC;

/// Where the reset requests start in a table of `keys` keys.
pub(super) const fn req_base(keys: u32) -> u64 {
    desc_base(keys) + DESCS + MAX_HANDLES as u64 * SCRATCH
}

/// The end of a table of `keys` keys (descriptors, scratch and requests
/// included).
pub(super) const fn end(keys: u32) -> u64 {
    req_base(keys) + crate::rdma::MAX_NODES as u64 * REQ_SLOTS * 8
}

/// A key's era and whether it is closing, from its `epoch` word: `None`
/// for a word whose copy is not finished (read again).
pub(super) const fn epoch_of(v: u64) -> Option<(u64, bool)> {
    if v == 0 {
        return Some((0, false));
    }
    match dec(v) {
        Some(x) => Some((x >> 1, x & 1 != 0)),
        None => None,
    }
}

/// The `epoch` word of era `era`, closing or open.
pub(super) const fn epoch_word(era: u64, closing: bool) -> u64 {
    enc((era << 1) | closing as u64)
}

/// How keys are spread over the nodes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A Fibonacci hash of the key modulo the number of nodes.
    Hash,
    /// The key modulo the number of nodes.
    Mod,
}

/// Where key `k` lives.
pub fn home_of(k: u32, nodes: u32, placement: Placement) -> u32 {
    // `max(1)`: no division by zero (and no panic path) for a bad count.
    let n = nodes.max(1);
    if placement == Placement::Mod {
        k % n
    } else {
        // Fibonacci hashing of the key.
        ((u64::from(k).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) % u64::from(n)) as u32
    }
}
