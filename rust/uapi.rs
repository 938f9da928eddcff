// SPDX-License-Identifier: GPL-2.0

//! The `/dev/alock` ioctl ABI: `include/uapi/linux/alock.h`, as Rust.
//!
//! The header is the one source of the ABI.  Its structures and constants
//! reach Rust through bindgen, run by kbuild at build time (the
//! `uapi_gen.rs` rule in `Kbuild`); nothing here restates a field or a
//! value.  What bindgen cannot express is added below: Rust names for the
//! structures, the `FromBytes`/`AsBytes` markers that `UserSlice` needs, and
//! [`fill_name`].  The command numbers (the header's `_IOWR(...)` macros) are
//! computed from these types where the commands are listed, in
//! [`crate::harness::commands`].
//!
//! Only the `/dev/alock` front end ([`crate::chardev`]) and the harness
//! ([`crate::harness`]) use this module; the layers below take kernel-side
//! types.

use kernel::types::{AsBytes, FromBytes};

/// The C types bindgen's output names (`--ctypes-prefix ctypes`).  `char`
/// is a byte here: the header's `char` arrays are NUL-terminated ASCII.
mod ctypes {
    pub(super) use core::ffi::{c_int, c_uchar, c_uint, c_ulonglong, c_ushort};
    /// The header's `char`.
    #[allow(non_camel_case_types)]
    pub(super) type c_char = u8;
}

/// bindgen's output for `include/uapi/linux/alock.h`.
///
/// The kernel-doc of each structure becomes its doc comment; the fields are
/// documented there, in the header, which is why `missing_docs` is allowed.
#[allow(
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
mod generated {
    use super::ctypes;
    include!("uapi_gen.rs");
}

pub use generated::*;

/// Gives each structure of the header its Rust name, marks it as plain
/// data that may be copied from and to user space, and makes its default
/// the all-zero value (what the header's "must be 0" fields want).
///
/// The default is written here, not derived by bindgen: for structures
/// with arrays longer than 32 elements bindgen writes an `unsafe` block of
/// its own, without the reasoning this one carries.
macro_rules! uapi_structs {
    ($($rust:ident = $c:ident;)*) => {$(
        #[doc = concat!("`struct ", stringify!($c), "` of the header.")]
        pub type $rust = generated::$c;
        // SAFETY: bindgen's `#[repr(C)]` copy of a header structure made of
        // integers, byte arrays and such structures; `--explicit-padding`
        // turns any padding into fields, so every byte pattern is a valid
        // value and every byte of a value is initialised.
        unsafe impl FromBytes for $rust {}
        // SAFETY: See above.
        unsafe impl AsBytes for $rust {}
        impl Default for $rust {
            fn default() -> Self {
                // SAFETY: All-zero bytes are a valid value of a `FromBytes`
                // type (see above).
                unsafe { core::mem::zeroed() }
            }
        }
    )*};
}

uapi_structs! {
    AlockVersion = alock_version;
    AlockAbiEntry = alock_abi_entry;
    AlockAbi = alock_abi;
    AlockSelftest = alock_selftest;
    AlockHist = alock_hist;
    AlockStress = alock_stress;
    AlockMrlock = alock_mrlock;
    AlockTxn = alock_txn;
    AlockRwstress = alock_rwstress;
    AlockRwwake = alock_rwwake;
    AlockRwcost = alock_rwcost;
    AlockNodeAddr = alock_node_addr;
    AlockClusterJoin = alock_cluster_join;
    AlockClusterPeer = alock_cluster_peer;
    AlockClusterStatus = alock_cluster_status;
    AlockRdmaOp = alock_rdma_op;
    AlockRdmaStress = alock_rdma_stress;
    AlockRdmaBench = alock_rdma_bench;
    AlockTableCtl = alock_table_ctl;
    AlockDlockRun = alock_dlock_run;
    AlockDlockKey = alock_dlock_key;
    AlockMmCtl = alock_mm_ctl;
}

/// Copies `s` into a fixed NUL-terminated buffer, truncating.
pub fn fill_name<const N: usize>(dst: &mut [u8; N], s: &[u8]) {
    let n = core::cmp::min(s.len(), N - 1);
    dst[..n].copy_from_slice(&s[..n]);
    for b in dst[n..].iter_mut() {
        *b = 0;
    }
}
